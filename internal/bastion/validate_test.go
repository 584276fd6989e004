package bastion

import (
	"bytes"
	"crypto/elliptic"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sovhealth/terraform-provider-health/internal/tooltest"
)

// These tests hand what the renderer writes to the real tools that will
// read it on the bastion: cloud-init's schema check and sshd's own check.
// The tools come from Debian packages (cloud-init, openssh-server), which
// internal/tooltest installs once per test binary when they are missing; a
// test skips, loudly, only where the package cannot be installed at all.

// renderCases are the shapes of bastion the tools check.
func renderCases(t *testing.T) map[string]Config {
	t.Helper()
	sk := []Admin{{Name: "alice", PublicKey: skEd25519Key(t, "alice@yubikey")}, {Name: "bob_2", PublicKey: skEd25519Key(t, "bob")}}
	totp := testConfig(t, MFATOTP)
	fido := testConfig(t, MFAFIDO2, sk...)
	none := testConfig(t, MFANone, Admin{Name: "carol", PublicKey: rsaKey(t, 3072)})
	none.SessionRecording = false
	shipped := testConfig(t, MFATOTP, Admin{Name: "dave", PublicKey: ecdsaKey(t, elliptic.P384())})
	shipped.AuditBucket = &AuditBucket{Endpoint: "https://oos.cloudgouv-eu-west-1.outscale.com", Region: "cloudgouv-eu-west-1",
		Bucket: "wh-audit", Prefix: "bastions/", AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "it's a secret"}
	theBastion := testConfig(t, MFATOTP)
	theBastion.Mode = ModeTheBastion
	theBastion.AuditBucket = shipped.AuditBucket
	mirrored := testConfig(t, MFATOTP)
	mirrored.PackageMirror = &PackageMirror{Primary: "https://mirror.example.org/debian", Security: "https://mirror.example.org/debian-security"}
	return map[string]Config{"totp": totp, "fido2": fido, "none": none, "shipped": shipped, "the-bastion": theBastion,
		"mirrored": mirrored}
}

func TestRender_cloudInitSchemaAccepts(t *testing.T) {
	t.Parallel()
	cloudInit := tooltest.Require(t, "cloud-init", "cloud-init")
	dir := t.TempDir()
	for name, cfg := range renderCases(t) {
		t.Run(name, func(t *testing.T) {
			raw, err := Render(cfg)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, name+".yaml")
			if err := os.WriteFile(path, raw, 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(cloudInit, "schema", "--config-file", path).CombinedOutput()
			if err != nil || !bytes.Contains(out, []byte("Valid cloud-config")) {
				t.Fatalf("cloud-init schema refuses the %s user-data: %v\n%s", name, err, out)
			}
		})
	}
}

// The check must be able to fail: a document cloud-init's schema refuses.
func TestRender_cloudInitSchemaRefusesMistakes(t *testing.T) {
	t.Parallel()
	cloudInit := tooltest.Require(t, "cloud-init", "cloud-init")
	path := filepath.Join(t.TempDir(), "bad.yaml")
	bad := "#cloud-config\nssh_deletekeys: maybe\nusers:\n  - name: alice\n    lock_passwd: sometimes\n"
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(cloudInit, "schema", "--config-file", path).CombinedOutput(); err == nil {
		t.Fatalf("cloud-init schema accepted a document with wrong types:\n%s", out)
	}
}

func TestSSHDConfig_sshdAccepts(t *testing.T) {
	t.Parallel()
	sshd := tooltest.Require(t, "sshd", "openssh-server")
	// sshd refuses to start, even to test, without its privilege
	// separation directory.
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		t.Skipf("\n\n*** SKIPPED: /run/sshd cannot be made (%v): sshd -t cannot run here ***\n\n", err)
	}
	dir := t.TempDir()
	for name, cfg := range renderCases(t) {
		if cfg.Mode != ModeOpenSSH {
			continue // The Bastion installs its own sshd_config
		}
		t.Run(name, func(t *testing.T) {
			hostKey := filepath.Join(dir, name+"_host_ed25519_key")
			if err := os.WriteFile(hostKey, []byte(cfg.HostKey.PrivatePEM), 0o600); err != nil {
				t.Fatal(err)
			}
			conf := strings.ReplaceAll(SSHDConfig(cfg), "HostKey "+PathHostKey, "HostKey "+hostKey)
			path := filepath.Join(dir, name+"_sshd_config")
			if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command(sshd, "-t", "-f", path, "-h", hostKey).CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
				t.Fatalf("sshd -t refuses (or warns about) the %s configuration: %v\n%s\n%s", name, err, out, conf)
			}
			// The effective configuration, as sshd understands it.
			out, err := exec.Command(sshd, "-T", "-f", path, "-h", hostKey).CombinedOutput()
			if err != nil {
				t.Fatalf("sshd -T: %v\n%s", err, out)
			}
			effective := string(out)
			for _, want := range []string{
				"passwordauthentication no", "permitrootlogin no", "allowtcpforwarding no", "permitopen none",
				"allowstreamlocalforwarding no", "permittunnel no", "x11forwarding no", "allowagentforwarding yes",
				"authenticationmethods " + AuthenticationMethods(cfg.MFA), "hostkeyalgorithms ssh-ed25519",
				"ciphers " + strings.Join(Ciphers, ","), "macs " + strings.Join(MACs, ","),
			} {
				if !strings.Contains(effective, "\n"+want+"\n") {
					t.Errorf("sshd's effective configuration lacks %q", want)
				}
			}
			if cfg.MFA == MFAFIDO2 && !strings.Contains(effective, "\npubkeyauthoptions touch-required verify-required\n") {
				t.Errorf("sshd does not demand touch and PIN:\n%s", effective)
			}
		})
	}
}

// The check must be able to fail: sshd refuses an unknown algorithm.
func TestSSHDConfig_sshdRefusesMistakes(t *testing.T) {
	t.Parallel()
	sshd := tooltest.Require(t, "sshd", "openssh-server")
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		t.Skip(err)
	}
	cfg := testConfig(t, MFATOTP)
	dir := t.TempDir()
	hostKey := filepath.Join(dir, "key")
	if err := os.WriteFile(hostKey, []byte(cfg.HostKey.PrivatePEM), 0o600); err != nil {
		t.Fatal(err)
	}
	conf := strings.ReplaceAll(SSHDConfig(cfg), "Ciphers ", "Ciphers rot13-cbc,")
	path := filepath.Join(dir, "sshd_config")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(sshd, "-t", "-f", path, "-h", hostKey).CombinedOutput(); err == nil {
		t.Fatalf("sshd -t accepted an unknown cipher:\n%s", out)
	}
}

// The fingerprint the provider publishes is the one ssh-keygen prints for
// the key sshd serves.
func TestHostKey_sshKeygenAgrees(t *testing.T) {
	t.Parallel()
	keygen := tooltest.Require(t, "ssh-keygen", "openssh-client")
	hk, err := GenerateHostKey("wh-bastion")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "host_key")
	if err := os.WriteFile(path, []byte(hk.PrivatePEM), 0o600); err != nil {
		t.Fatal(err)
	}
	pub, err := exec.Command(keygen, "-y", "-f", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ssh-keygen cannot read the private key: %v\n%s", err, pub)
	}
	if got := strings.Join(strings.Fields(string(pub))[:2], " "); got != strings.Join(strings.Fields(hk.Public)[:2], " ") {
		t.Errorf("ssh-keygen derives %q from the private key, the provider publishes %q", got, hk.Public)
	}
	out, err := exec.Command(keygen, "-l", "-f", path).CombinedOutput()
	if err != nil || !strings.Contains(string(out), hk.Fingerprint) {
		t.Errorf("ssh-keygen prints %q, the provider publishes %s (%v)", out, hk.Fingerprint, err)
	}
}

// The host firewall's rule set parses (nft -c checks it without loading).
func TestNftablesConfig_nftAccepts(t *testing.T) {
	t.Parallel()
	nft := tooltest.Require(t, "nft", "nftables")
	dir := t.TempDir()
	for name, cfg := range renderCases(t) {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name+".nft")
			if err := os.WriteFile(path, []byte(NftablesConfig(cfg)), 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(nft, "-c", "-f", path).CombinedOutput()
			if err != nil && bytes.Contains(out, []byte("Operation not permitted")) {
				t.Skipf("\n\n*** SKIPPED: nft -c needs CAP_NET_ADMIN here: %s ***\n\n", out)
			}
			if err != nil {
				t.Fatalf("nft -c refuses the %s rule set: %v\n%s", name, err, out)
			}
		})
	}
	bad := filepath.Join(dir, "bad.nft")
	if err := os.WriteFile(bad, []byte(strings.ReplaceAll(NftablesConfig(renderCases(t)["totp"]), "policy drop;", "policy dropp;")), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(nft, "-c", "-f", bad).CombinedOutput(); err == nil {
		t.Fatalf("nft -c accepted a broken rule set:\n%s", out)
	}
}
