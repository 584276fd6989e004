package gateway

import (
	"strings"
	"testing"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/bastion"
	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// Bad input is refused with the attribute, the value and the rule, and
// never with a secret.
func TestCheck_refusals(t *testing.T) {
	t.Parallel()
	ca := caOf(t)
	for _, tc := range []struct {
		name  string
		cloud string
		edit  func(*Config)
		attr  string
		want  []string // in the message
	}{
		{"bad sha256", cloud.OVH, func(c *Config) { c.Rclone.SHA256 = "ABC123" }, "rclone_sha256", []string{`"ABC123"`, "64 lower-case hexadecimal"}},
		{"missing sha256", cloud.OVH, func(c *Config) { c.Rclone.SHA256 = "" }, "rclone_sha256", []string{"rclone-v1.71.2-linux-amd64.zip", "SHA256SUMS"}},
		{"old rclone", cloud.OVH, func(c *Config) { c.Rclone.Version = "1.60.1" }, "rclone_version", []string{"1.60.1", "serve s3", MinRcloneVersion}},
		{"rclone version with v", cloud.OVH, func(c *Config) { c.Rclone.Version = "v1.71.2" }, "rclone_version", []string{`"v1.71.2"`, "without the v"}},
		{"mirror with credentials", cloud.OVH, func(c *Config) { c.Rclone.Mirror = "https://u:p@mirror.example.eu/rclone" }, "rclone_mirror", []string{"credentials"}},
		{"port too low", cloud.OVH, func(c *Config) { c.Port = 80 }, "port", []string{"80", "443", "1024 to 65535"}},
		{"port too high", cloud.OVH, func(c *Config) { c.Port = 70000 }, "port", []string{"70000", "1024 to 65535"}},
		{"empty bucket secret", cloud.OVH, func(c *Config) { c.Bucket.SecretAccessKey = "" }, "bucket.secret_access_key", []string{"empty"}},
		{"empty client secret", cloud.OVH, func(c *Config) { c.Client.SecretAccessKey = "" }, "client_secret_access_key", []string{"empty"}},
		{"short client secret", cloud.OVH, func(c *Config) { c.Client.SecretAccessKey = "short" }, "client_secret_access_key", []string{"5 characters", "16"}},
		{"comma in client key", cloud.OVH, func(c *Config) { c.Client.AccessKeyID = "a,b" }, "client_access_key_id", []string{CredentialRule}},
		{"empty wrapping token", cloud.Outscale, func(c *Config) { c.OpenBao.WrappingToken = "" }, "openbao.wrapping_token", []string{"empty"}},
		{"empty OKMS secret", cloud.OVH, func(c *Config) { c.OKMS.ClientSecret = "" }, "okms.client_secret", []string{"empty"}},
		{"plain HTTP store", cloud.OVH, func(c *Config) { c.Bucket.Endpoint = "http://s3.gra.io.cloud.ovh.net" }, "bucket.endpoint", []string{"http://s3.gra.io.cloud.ovh.net", "https://"}},
		{"plain HTTP OpenBao", cloud.Outscale, func(c *Config) { c.OpenBao.Address = "http://10.40.192.10:8200" }, "openbao.address", []string{"https://"}},
		{"bad CA", cloud.Outscale, func(c *Config) { c.OpenBao.CACertPEM = "nope" }, "openbao.ca_cert_pem", []string{"PEM"}},
		{"OKMS on OUTSCALE", cloud.Outscale, func(c *Config) { c.OpenBao, c.OKMS = nil, &OKMS{} }, "cloud", []string{"OpenBao"}},
		{"unknown cloud", cloud.OVH, func(c *Config) { c.Cloud = "azure" }, "cloud", []string{`"azure"`, "outscale, ovh"}},
		{"open to all", cloud.OVH, func(c *Config) { c.AllowedSources = []string{"0.0.0.0/0"} }, "allowed_sources", []string{"0.0.0.0/0", "everyone"}},
		{"no sources", cloud.OVH, func(c *Config) { c.AllowedSources = nil }, "allowed_sources", []string{"no CIDR"}},
		{"bad CIDR", cloud.OVH, func(c *Config) { c.AllowedSources = []string{"10.0.0.300/8"} }, "allowed_sources", []string{"10.0.0.300/8"}},
		{"no TLS", cloud.OVH, func(c *Config) { c.TLS = TLS{} }, "tls", []string{"IssueTLS"}},
		{"mismatched TLS", cloud.OVH, func(c *Config) {
			other, _ := IssueTLS("other", "10.40.128.11", time.Now())
			c.TLS.KeyPEM = other.TLS.KeyPEM
		}, "tls", []string{"pair"}},
		{"bad name", cloud.OVH, func(c *Config) { c.Name = "WH_Gateway" }, "name", []string{`"WH_Gateway"`}},
		{"bad bucket", cloud.OVH, func(c *Config) { c.Bucket.Name = "B" }, "bucket.name", []string{`"B"`}},
		{"prefix without slash", cloud.OVH, func(c *Config) { c.Prefixes = []string{"cardio/", "onco"} }, "prefixes[1]", []string{`"onco"`, "ending with /"}},
		{"prefix climbing", cloud.OVH, func(c *Config) { c.Prefixes = []string{"cardio/../"} }, "prefixes[0]", []string{`"cardio/../"`}},
		{"prefix globbing", cloud.OVH, func(c *Config) { c.Prefixes = []string{"card*/"} }, "prefixes[0]", []string{`"card*/"`}},
		{"prefix of the keys", cloud.OVH, func(c *Config) { c.Prefixes = []string{".health-keys/"} }, "prefixes[0]", []string{"wrapped data keys"}},
		{"read-only without a key", cloud.OVH, func(c *Config) { c.ReadOnly = true }, "data_key_object", []string{"read-only", "writes the bucket"}},
		{"key object elsewhere", cloud.OVH, func(c *Config) { c.DataKeyObject = "cardio/x.key" }, "data_key_object", []string{`"cardio/x.key"`, ".health-keys/wh-gateway.key"}},
		{"bad package mirror", cloud.OVH, func(c *Config) {
			c.PackageMirror = &bastion.PackageMirror{Primary: "ftp://mirror", Security: "http://deb.debian.org/debian-security"}
		}, "package_mirror.primary", []string{"ftp://mirror"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig(t, tc.cloud, testEndpoint, ca)
			tc.edit(&cfg)
			var found *Problem
			for _, p := range Check(cfg) {
				if p.Attribute == tc.attr {
					found = &p
				}
			}
			if found == nil {
				t.Fatalf("no problem with %s among %v", tc.attr, Check(cfg))
			}
			for _, w := range tc.want {
				if !strings.Contains(found.Msg, w) {
					t.Errorf("%s: %q lacks %q", tc.attr, found.Msg, w)
				}
			}
			_, err := Render(cfg)
			if err == nil || !strings.Contains(err.Error(), tc.attr+": ") {
				t.Fatalf("Render: %v, want the problem with %s", err, tc.attr)
			}
			for _, secret := range secretsOf(testConfig(t, tc.cloud, testEndpoint, ca)) {
				if secret != "" && strings.Contains(err.Error(), secret) {
					t.Errorf("the refusal shows a secret: %v", err)
				}
			}
		})
	}
}

// A good configuration of either cloud renders, with the default port.
func TestCheck_accepts(t *testing.T) {
	t.Parallel()
	ca := caOf(t)
	for _, cloudName := range cloud.Names {
		cfg := testConfig(t, cloudName, testEndpoint, ca)
		if problems := Check(cfg); len(problems) > 0 {
			t.Errorf("%s: %v", cloudName, problems)
		}
		if r := render(t, cfg); !strings.Contains(r.files[PathEnv], "GATEWAY_PORT=443\n") {
			t.Errorf("%s: the default port is not 443", cloudName)
		}
	}
}

// Plain HTTP is taken on a loopback host only (the local emulator), which
// no gateway reaches but itself.
func TestCheck_plainHTTPOnLoopbackOnly(t *testing.T) {
	t.Parallel()
	ca := caOf(t)
	for _, host := range []string{"127.0.0.1:4566", "localhost:4566", "[::1]:4566"} {
		cfg := testConfig(t, cloud.Outscale, testEndpoint, ca)
		cfg.Bucket.Endpoint, cfg.OpenBao.Address = "http://"+host+"/s3", "http://"+host+"/openbao"
		if problems := Check(cfg); len(problems) > 0 {
			t.Errorf("%s: %v", host, problems)
		}
	}
	cfg := testConfig(t, cloud.Outscale, testEndpoint, ca)
	cfg.Bucket.Endpoint = "http://127.0.0.1.example.net/s3"
	if problems := Check(cfg); len(problems) != 1 || problems[0].Attribute != "bucket.endpoint" {
		t.Errorf("a host name that only looks like a loopback address: %v", problems)
	}
}

// User-data beyond what the cloud takes is refused before the VM is made:
// 65535 bytes (base64) on OVHcloud, 500 KiB on OUTSCALE.
func TestRender_userDataLimits(t *testing.T) {
	t.Parallel()
	ca := caOf(t)
	big := strings.Repeat(ca, 60) // a CA bundle of some 40 KiB
	cfg := testConfig(t, cloud.Outscale, testEndpoint, big)
	if _, err := Render(cfg); err != nil {
		t.Fatalf("OUTSCALE takes 500 KiB: %v", err)
	}
	// The same bytes on OVHcloud, through the certificate the gateway serves.
	cfg = testConfig(t, cloud.OVH, testEndpoint, "")
	cfg.TLS.CertPEM += big
	_, err := Render(cfg)
	if err == nil || !strings.Contains(err.Error(), "user-data:") || !strings.Contains(err.Error(), "65535") {
		t.Fatalf("an oversized OVHcloud user-data: %v", err)
	}
}
