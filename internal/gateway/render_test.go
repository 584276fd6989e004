package gateway

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/bastion"
	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/keymanager"
)

const testEndpoint = "https://oos.eu-west-2.outscale.com"

// secretsOf are the secrets a configuration hands the gateway.
func secretsOf(cfg Config) []string {
	s := []string{cfg.Bucket.SecretAccessKey, cfg.Client.SecretAccessKey, cfg.TLS.KeyPEM}
	if cfg.OpenBao != nil {
		s = append(s, cfg.OpenBao.WrappingToken)
	}
	if cfg.OKMS != nil {
		s = append(s, cfg.OKMS.ClientSecret)
	}
	return s
}

func caOf(t testing.TB) string {
	t.Helper()
	issued, err := IssueTLS("wh-kms-1", "10.40.192.10", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return issued.CACertPEM
}

// Secrets live in root-only credential files, and go nowhere a process
// listing, the unit files or the settings file would show them: not in
// cloud-init's commands, not on a unit's ExecStart= or Environment= line,
// not in the settings file, not in the spec file.
func TestRender_secretsStayInCredentialFiles(t *testing.T) {
	t.Parallel()
	for _, cloudName := range cloud.Names {
		t.Run(cloudName, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig(t, cloudName, testEndpoint, caOf(t))
			r := render(t, cfg)
			commands := fmt.Sprint(r.doc["runcmd"])
			var unitLines []string
			for path, content := range r.files {
				if !strings.HasPrefix(path, "/etc/systemd/system/") {
					continue
				}
				for _, l := range strings.Split(content, "\n") {
					if strings.HasPrefix(l, "ExecStart") || strings.HasPrefix(l, "Environment=") {
						unitLines = append(unitLines, l)
					}
				}
			}
			if len(unitLines) == 0 {
				t.Fatal("no unit has an ExecStart= line")
			}
			for _, secret := range secretsOf(cfg) {
				for what, text := range map[string]string{"runcmd": commands, "a unit's ExecStart/Environment": strings.Join(unitLines, "\n"),
					PathEnv: r.files[PathEnv], PathSpec: r.files[PathSpec], "the start script": r.files[PathStart]} {
					if strings.Contains(text, secret) {
						t.Errorf("a secret (%.10s…) is in %s", secret, what)
					}
				}
				held := 0
				for path, content := range r.files {
					if strings.Contains(content, secret) {
						held++
						if !strings.HasPrefix(path, PathCredentials+"/") || r.modes[path] != "0600" {
							t.Errorf("a secret (%.10s…) is in %s (mode %s), outside the root-only credentials", secret, path, r.modes[path])
						}
					}
				}
				if held != 1 {
					t.Errorf("a secret (%.10s…) is in %d files, want its credential file", secret, held)
				}
			}
			// The SSE-C key is set in one place: the start script's exec of rclone.
			for path, content := range r.files {
				if strings.Contains(content, "SSE_CUSTOMER_KEY") && path != PathStart {
					t.Errorf("%s mentions the SSE-C key: only the start script may hand it to rclone", path)
				}
			}
			if !strings.Contains(r.files[PathStart], `export RCLONE_S3_SSE_CUSTOMER_KEY_BASE64="$data_key"`) {
				t.Error("the start script does not hand the data key to rclone by its environment")
			}
		})
	}
}

// The unit runs as an unprivileged user, loads every secret as a systemd
// credential, keeps the data key's process out of swap and core dumps,
// and does not restart on a refused wrapping token.
func TestRender_unit(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, cloud.Outscale, testEndpoint, caOf(t))
	unit := render(t, cfg).files[PathUnit]
	for _, want := range []string{"User=" + ServiceUser, "ExecStart=" + PathStart + " serve", "StateDirectory=health-gateway",
		"LimitCORE=0", "MemorySwapMax=0", "NoNewPrivileges=yes", "ProtectSystem=strict",
		"CapabilityBoundingSet=CAP_NET_BIND_SERVICE\n", "AmbientCapabilities=CAP_NET_BIND_SERVICE\n",
		fmt.Sprintf("RestartPreventExitStatus=%d", ExitIntercepted), "StandardError=journal+console"} {
		if !strings.Contains(unit, want) {
			t.Errorf("the unit lacks %q", want)
		}
	}
	for _, name := range []string{CredBackendSecret, CredClientAuthKey, CredTLSKey, CredWrappingToken} {
		if !strings.Contains(unit, "LoadCredential="+name+":"+PathCredentials+"/"+name+"\n") {
			t.Errorf("the unit does not load %s", name)
		}
	}
	// On a port above 1024, rclone keeps no capability at all.
	cfg.Port = 8443
	if high := render(t, cfg).files[PathUnit]; !strings.Contains(high, "CapabilityBoundingSet=\nAmbientCapabilities=\n") {
		t.Errorf("on port 8443 the unit still grants capabilities:\n%s", high)
	}
	if strings.Contains(unit, CredOKMSSecret) {
		t.Error("an OUTSCALE gateway loads an OKMS secret")
	}
}

// The renewal timer exists where there is a token to renew: OpenBao.
func TestRender_tokenRenewalOnOpenBaoOnly(t *testing.T) {
	t.Parallel()
	ca := caOf(t)
	bao := render(t, testConfig(t, cloud.Outscale, testEndpoint, ca))
	okms := render(t, testConfig(t, cloud.OVH, testEndpoint, ""))
	if !strings.Contains(bao.files[PathRenewUnit], "ExecStart="+PathStart+" renew") || !strings.Contains(bao.files[PathRenewTimer], "OnUnitActiveSec=1h") {
		t.Error("no hourly renewal of the OpenBao token")
	}
	if !strings.Contains(fmt.Sprint(bao.doc["runcmd"]), "health-gateway-token-renew.timer") {
		t.Error("the renewal timer is not enabled")
	}
	if _, ok := okms.files[PathRenewTimer]; ok {
		t.Error("an OVHcloud gateway renews an OpenBao token")
	}
	if bao.files[PathKMSCA] != ca || !strings.Contains(bao.files[PathEnv], "BAO_CACERT="+PathKMSCA+"\n") {
		t.Error("the key manager's CA is not written")
	}
}

// The host firewall lets the listen port in from the allowed tiers only,
// and lets only the service reach the KMS and the store.
func TestRender_firewall(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, cloud.Outscale, testEndpoint, caOf(t))
	cfg.Port = 9443
	cfg.OpenBao.Address = "https://10.40.192.10:8200"
	nft := render(t, cfg).files[PathNftables]
	input := nft[strings.Index(nft, "chain input"):strings.Index(nft, "chain forward")]
	if !strings.Contains(input, "policy drop;") {
		t.Fatal("input is not default-deny")
	}
	accepts := regexp.MustCompile(`(?m)^\s*ip saddr .* accept`).FindAllString(input, -1)
	if len(accepts) != 1 || !strings.Contains(accepts[0], "ip saddr { 10.40.64.0/18, 10.40.0.0/18 } tcp dport 9443 accept") {
		t.Fatalf("inbound accepts: %q", accepts)
	}
	if strings.Contains(input, "dport 22") {
		t.Error("SSH is let in")
	}
	if !strings.Contains(nft, `meta skuid "health-gateway" tcp dport { 443, 8200 } accept`) {
		t.Errorf("the service cannot reach the store and OpenBao:\n%s", nft)
	}
	output := nft[strings.Index(nft, "chain output"):]
	if !strings.Contains(output, "policy drop;") {
		t.Fatal("output is not default-deny")
	}
}

// Hardening: no password over SSH, no default account, persistent
// journal, daily security updates from the mirror given.
func TestRender_hardening(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, cloud.OVH, testEndpoint, "")
	cfg.PackageMirror = &bastion.PackageMirror{Primary: "https://mirror.example.eu/debian", Security: "https://mirror.example.eu/debian-security"}
	r := render(t, cfg)
	if r.doc["ssh_pwauth"] != false || r.doc["disable_root"] != true {
		t.Errorf("ssh_pwauth %v, disable_root %v", r.doc["ssh_pwauth"], r.doc["disable_root"])
	}
	if !strings.Contains(r.files[PathSSHD], "PasswordAuthentication no") {
		t.Error("sshd takes passwords")
	}
	if !strings.Contains(r.files[PathJournald], "Storage=persistent") {
		t.Error("the journal is not persistent")
	}
	if !strings.Contains(r.files[bastion.PathAutoUpgrades], `Unattended-Upgrade "1"`) || !strings.Contains(r.files[PathUnattended], "-security") {
		t.Error("no daily security updates")
	}
	apt, _ := json.Marshal(r.doc["apt"])
	if !strings.Contains(string(apt), "https://mirror.example.eu/debian-security") {
		t.Errorf("apt does not use the mirror: %s", apt)
	}
	packages := fmt.Sprint(r.doc["packages"])
	for _, p := range []string{"curl", "jq", "unzip", "nftables", "unattended-upgrades"} {
		if !strings.Contains(packages, p) {
			t.Errorf("package %s is not installed", p)
		}
	}
	if users := fmt.Sprint(r.doc["users"]); strings.Contains(users, "default") {
		t.Errorf("the image's default account is made: %s", users)
	}
}

// The rclone archive comes from the pinned URL and is checked against the
// pinned SHA-256 before it is unpacked: a different archive is refused and
// nothing is installed; the pinned one is installed.
func TestInstallScript_pinnedArchive(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"sh", "sha256sum", "unzip"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the install script needs %s, which is not on PATH: not run", tool)
		}
	}
	realUnzip, _ := exec.LookPath("unzip")
	archive := rcloneArchive(t, "1.71.2")
	sum := sha256.Sum256(archive)
	pinned := hex.EncodeToString(sum[:])

	for _, tc := range []struct {
		name, pin string
		ok        bool
	}{{"pinned", pinned, true}, {"tampered", testRcloneSHA256, false}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig(t, cloud.OVH, testEndpoint, "")
			cfg.Rclone.SHA256 = tc.pin
			script := render(t, cfg).files[PathInstall]
			dir := t.TempDir()
			bin, dest, log := filepath.Join(dir, "bin"), filepath.Join(dir, "rclone"), filepath.Join(dir, "log")
			must(t, os.MkdirAll(bin, 0o755))
			must(t, os.WriteFile(filepath.Join(dir, "archive.zip"), archive, 0o644))
			fakes := map[string]string{
				// curl serves the archive, and records the URL asked for.
				"curl":  "#!/bin/sh\nout=''\nwhile [ $# -gt 1 ]; do [ \"$1\" = --output ] && out=$2; shift; done\necho \"curl $1\" >> " + log + "\ncp " + filepath.Join(dir, "archive.zip") + " \"$out\"\n",
				"dpkg":  "#!/bin/sh\necho amd64\n",
				"unzip": "#!/bin/sh\necho unzip >> " + log + "\nexec " + realUnzip + " \"$@\"\n",
			}
			for name, content := range fakes {
				must(t, os.WriteFile(filepath.Join(bin, name), []byte(content), 0o755))
			}
			local := strings.NewReplacer("'"+PathRclone+"'", "'"+dest+"'", "install -o root -g root -m 0755", "install -m 0755").Replace(script)
			cmd := exec.Command("sh", "-c", local)
			cmd.Env = []string{"PATH=" + bin + ":" + os.Getenv("PATH")}
			out, err := cmd.CombinedOutput()
			calls, _ := os.ReadFile(log)
			if !strings.Contains(string(calls), "curl https://downloads.rclone.org/v1.71.2/rclone-v1.71.2-linux-amd64.zip") {
				t.Errorf("the archive was not taken from the pinned URL: %s", calls)
			}
			_, installed := os.Stat(dest)
			if tc.ok {
				if err != nil || installed != nil {
					t.Fatalf("the pinned archive was not installed: %v, %v\n%s", err, installed, out)
				}
				return
			}
			if err == nil || installed == nil {
				t.Fatalf("a tampered archive was installed: %v\n%s", err, out)
			}
			if strings.Contains(string(calls), "unzip") {
				t.Error("the tampered archive was unpacked before its check")
			}
			if !strings.Contains(string(out), "is not the pinned one") {
				t.Errorf("the refusal does not say why:\n%s", out)
			}
		})
	}
}

// rcloneArchive is an rclone release archive's shape, with a stand-in binary.
func rcloneArchive(t *testing.T, version string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	dir := "rclone-v" + version + "-linux-amd64/"
	for name, content := range map[string]string{"rclone": "#!/bin/sh\necho 'rclone v" + version + "'\n", "README.txt": "rclone"} {
		w, err := zw.Create(dir + name)
		must(t, err)
		_, err = w.Write([]byte(content))
		must(t, err)
	}
	must(t, zw.Close())
	return buf.Bytes()
}

// Downloads lists every endpoint the first boot contacts, for the plan's
// egress checks: the mirrors, the KMS (and the OAuth2 server) and the store.
func TestDownloads(t *testing.T) {
	t.Parallel()
	bao := testConfig(t, cloud.Outscale, testEndpoint, "")
	bao.OpenBao.Address = "https://10.40.192.10:8200"
	bao.PackageMirror = &bastion.PackageMirror{Primary: "http://deb.debian.org/debian", Security: "http://deb.debian.org/debian-security"}
	okms := testConfig(t, cloud.OVH, "https://s3.gra.io.cloud.ovh.net", "")
	okms.OKMS.Endpoint, okms.OKMS.TokenURL = "https://eu-west-rbx.okms.ovh.net", "https://www.ovh.com/auth/oauth2/token"
	okms.Rclone.Mirror = "http://mirror.example.eu/rclone/v1.71.2/"
	for cfg, want := range map[*Config][]string{
		&bao: {"deb.debian.org:80 (package_mirror.primary)", "deb.debian.org:80 (package_mirror.security)",
			"downloads.rclone.org:443 (rclone_mirror)", "10.40.192.10:8200 (openbao.address)", "oos.eu-west-2.outscale.com:443 (bucket.endpoint)"},
		&okms: {"mirror.example.eu:80 (rclone_mirror)", "eu-west-rbx.okms.ovh.net:443 (okms.endpoint)",
			"www.ovh.com:443 (okms.token_url)", "s3.gra.io.cloud.ovh.net:443 (bucket.endpoint)"},
	} {
		var got []string
		for _, d := range Downloads(*cfg) {
			got = append(got, d.String())
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: Downloads = %q, want %q", cfg.Cloud, got, want)
		}
	}
}

// The certificate IssueTLS makes is the gateway's: clients that trust the
// returned CA accept it for the gateway's address, and the CA can sign for
// nothing else.
func TestIssueTLS(t *testing.T) {
	t.Parallel()
	issued, err := IssueTLS("wh-gateway", "10.40.128.10", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cas, err := keymanager.Certificates(issued.CACertPEM)
	must(t, err)
	certs, err := keymanager.Certificates(issued.TLS.CertPEM)
	must(t, err)
	if err := certs[0].CheckSignatureFrom(cas[0]); err != nil {
		t.Fatalf("the certificate is not signed by the returned CA: %v", err)
	}
	if len(certs[0].IPAddresses) == 0 || certs[0].IPAddresses[0].String() != "10.40.128.10" {
		t.Errorf("the certificate names %v", certs[0].IPAddresses)
	}
	if len(cas[0].PermittedIPRanges) == 0 {
		t.Error("the CA is not name-constrained")
	}
	if strings.Contains(issued.CACertPEM, "PRIVATE KEY") {
		t.Error("the CA's private key came out")
	}
}

// An imported gateway's settings come back from its user-data, without a
// secret; another renderer's user-data is not taken for a gateway's.
func TestRecover(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, cloud.OVH, testEndpoint, "")
	raw, err := Render(cfg)
	must(t, err)
	spec, err := Recover(raw)
	must(t, err)
	if spec.Name != "wh-gateway" || spec.Bucket != testBucket || spec.KMS != "okms" || spec.KMSKey != testServiceKeyID ||
		spec.Port != DefaultPort || spec.WrappedKey != ".health-keys/wh-gateway.key" || spec.RcloneSHA256 != testRcloneSHA256 ||
		!slices.Equal(spec.AllowedSources, cfg.AllowedSources) || spec.ClientKeyID != "GWCLIENT0001" {
		t.Errorf("recovered %+v", spec)
	}
	js, _ := json.Marshal(spec)
	for _, secret := range secretsOf(cfg) {
		if strings.Contains(string(js), secret) {
			t.Errorf("the spec holds a secret (%.10s…)", secret)
		}
	}
	if _, err := Recover([]byte("#cloud-config\nwrite_files: []\n")); err != ErrNotAGateway {
		t.Errorf("an empty cloud-config: %v", err)
	}
}
