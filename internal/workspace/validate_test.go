package workspace

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sovhealth/terraform-provider-health/internal/bastion"
	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// A private key pasted where the public key goes: what a hurried member does.
const pastedPrivateKey = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n"

// Bad input is refused with the attribute, the value and the rule, and
// never with a secret.
func TestCheck_refusals(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		edit func(*Config)
		attr string
		want []string // in the message
	}{
		{"bad key", func(c *Config) { c.Members[1].PublicKey = "ssh-ed25519 AAAAnotakey bob" }, "members[1].ssh_public_key", []string{`"bob"`, "not an OpenSSH public key"}},
		{"private key pasted", func(c *Config) { c.Members[0].PublicKey = pastedPrivateKey }, "members[0].ssh_public_key", []string{"private key", "never the private key"}},
		{"key with options", func(c *Config) { c.Members[0].PublicKey = "command=\"/bin/sh\" " + c.Members[0].PublicKey }, "members[0].ssh_public_key", []string{"options", "the workspace machine sets its own"}},
		{"DSA key", func(c *Config) {
			c.Members[0].PublicKey = strings.Replace(c.Members[0].PublicKey, "ssh-ed25519", "ssh-dss", 1)
		}, "members[0].ssh_public_key", []string{"refused"}},
		{"duplicate member", func(c *Config) { c.Members[1].Name = "alice" }, "members[1].name", []string{`"alice"`, "members[0]"}},
		{"shared key", func(c *Config) { c.Members[1].PublicKey = c.Members[0].PublicKey }, "members[1].ssh_public_key", []string{"members[0]", "a key of their own"}},
		{"bad login", func(c *Config) { c.Members[0].Name = "Alice Smith" }, "members[0].name", []string{`"Alice Smith"`, bastion.NameRule}},
		{"system login", func(c *Config) { c.Members[0].Name = "root" }, "members[0].name", []string{`"root"`}},
		{"the group's name", func(c *Config) { c.Members[0].Name = GroupMembers }, "members[0].name", []string{`"workspace"`}},
		{"no member", func(c *Config) { c.Members = nil }, "members", []string{"at least one"}},
		{"41 members", func(c *Config) {
			c.Members = nil
			for i := range MaxMembers + 1 {
				c.Members = append(c.Members, Member{Name: fmt.Sprintf("m%02d", i), PublicKey: ed25519Key(t, "m")})
			}
		}, "members", []string{"41 members", "40"}},
		{"empty secret", func(c *Config) { c.ObjectStorage.SecretAccessKey = "" }, "object_storage.secret_access_key", []string{"empty"}},
		{"secret with a quote", func(c *Config) { c.ObjectStorage.SecretAccessKey = "abc'def" }, "object_storage.secret_access_key", []string{CredentialRule}},
		{"empty key id", func(c *Config) { c.ObjectStorage.AccessKeyID = "" }, "object_storage.access_key_id", []string{"empty"}},
		{"plain HTTP store", func(c *Config) { c.ObjectStorage.Endpoint = "http://oos.example.eu" }, "object_storage.endpoint", []string{"http://oos.example.eu", "https://"}},
		{"bad region", func(c *Config) { c.ObjectStorage.Region = "" }, "object_storage.region", []string{`""`}},
		{"SSH from everywhere", func(c *Config) { c.BastionCIDR = "0.0.0.0/0" }, "bastion_cidr", []string{"0.0.0.0/0", "everywhere"}},
		{"bad CIDR", func(c *Config) { c.BastionCIDR = "10.0.0.300/24" }, "bastion_cidr", []string{"10.0.0.300/24"}},
		{"no working bucket", func(c *Config) { c.Buckets.Working = "" }, "working_bucket", []string{`""`}},
		{"export is working", func(c *Config) { c.Buckets.Export = c.Buckets.Working }, "export_bucket", []string{"apart"}},
		{"dataset escapes its prefix", func(c *Config) { c.Buckets.Datasets[0].Prefix = "cardio/../raw/" }, "datasets[0].prefix", []string{"cardio/../raw/"}},
		{"prefix without slash", func(c *Config) { c.Buckets.Datasets[0].Prefix = "cardio" }, "datasets[0].prefix", []string{"ending with /"}},
		{"dataset named working", func(c *Config) { c.Buckets.Datasets[0].Name = "working" }, "datasets[0].name", []string{`"working"`}},
		{"two datasets one name", func(c *Config) { c.Buckets.Datasets[1].Name = "cohort-2024" }, "datasets[1].name", []string{"datasets[0]"}},
		{"gateway key instead of CA", func(c *Config) {
			c.DataGateways[0].CAPEM = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
		}, "data_gateways[0].ca_pem", []string{"PRIVATE KEY block", "never a key"}},
		{"gateway CA garbage", func(c *Config) { c.DataGateways[0].CAPEM = "nope" }, "data_gateways[0].ca_pem", []string{"PEM"}},
		{"gateway over HTTP", func(c *Config) { c.DataGateways[0].Endpoint = "http://10.40.128.10" }, "data_gateways[0].endpoint", []string{"https://"}},
		{"gateway secret missing", func(c *Config) { c.DataGateways[0].SecretAccessKey = "" }, "data_gateways[0].secret_access_key", []string{"empty"}},
		{"bad mirror", func(c *Config) { c.PackageMirror.Primary = "ftp://mirror" }, "package_mirror.primary", []string{"ftp://mirror"}},
		{"unknown cloud", func(c *Config) { c.Cloud = "azure" }, "cloud", []string{`"azure"`}},
		{"bad workspace name", func(c *Config) { c.Workspace = "WS_1" }, "name", []string{`"WS_1"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig(t, cloud.OVH)
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
			for _, secret := range []string{testSecret, testGWSecret, "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("the refusal shows a secret: %v", err)
				}
			}
		})
	}
}

// A good configuration of either cloud renders; so does a minimal one (no
// import, export, dataset, gateway nor mirror), and plain HTTP to a
// loopback store (the local emulator).
func TestCheck_accepts(t *testing.T) {
	t.Parallel()
	for _, cloudName := range cloud.Names {
		if problems := Check(testConfig(t, cloudName)); len(problems) > 0 {
			t.Errorf("%s: %v", cloudName, problems)
		}
	}
	minimal := testConfig(t, cloud.Outscale)
	minimal.Buckets = Buckets{Working: "wh-ws-working"}
	minimal.DataGateways, minimal.PackageMirror = nil, nil
	minimal.ObjectStorage.Endpoint = "http://127.0.0.1:8790/s3"
	r := render(t, minimal)
	if strings.Contains(r.files[PathRcloneConfig], "[export]") || !strings.Contains(r.files[PathMotd], "nothing may leave") {
		t.Error("a workspace without an export bucket offers one")
	}
}
