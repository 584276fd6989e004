package bastion

import (
	"bytes"
	"crypto/elliptic"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// These tests hand what the renderer writes to the real tools that will
// read it on the bastion: cloud-init's schema check and sshd's own check.
// The tools come from Debian packages (cloud-init, openssh-server), which
// the tests install once per test binary when they are missing; a test
// skips, loudly, only where the package cannot be installed at all.

var (
	installMu sync.Mutex
	installed = map[string]*installation{}
)

type installation struct {
	once sync.Once
	err  error
}

// requireTool returns the path of binary, installing pkg with apt-get the
// first time it is missing.
func requireTool(t *testing.T, binary, pkg string) string {
	t.Helper()
	if path, err := lookPath(binary); err == nil {
		return path
	}
	installMu.Lock()
	inst, ok := installed[pkg]
	if !ok {
		inst = &installation{}
		installed[pkg] = inst
	}
	installMu.Unlock()
	inst.once.Do(func() { inst.err = aptInstall(pkg) })
	if inst.err != nil {
		t.Skipf("\n\n*** SKIPPED: %s (Debian package %s) is not installed and cannot be: %v ***\n"+
			"*** The rendered files are NOT checked by the real tool on this machine. ***\n\n", binary, pkg, inst.err)
	}
	path, err := lookPath(binary)
	if err != nil {
		t.Fatalf("%s was installed but %s is still missing: %v", pkg, binary, err)
	}
	return path
}

// lookPath also looks in the sbin directories, which a non-login PATH
// may lack.
func lookPath(binary string) (string, error) {
	if p, err := exec.LookPath(binary); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/sbin", "/sbin", "/usr/bin"} {
		p := filepath.Join(dir, binary)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found", binary)
}

func aptInstall(pkg string) error {
	if os.Geteuid() != 0 {
		return errors.New("not root")
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		return errors.New("no apt-get: not a Debian system")
	}
	install := func() ([]byte, error) {
		cmd := exec.Command("apt-get", "install", "-y", "--no-install-recommends", pkg)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		return cmd.CombinedOutput()
	}
	if _, err := install(); err == nil {
		return nil
	}
	// The package lists may be missing or stale.
	if out, err := exec.Command("apt-get", "update").CombinedOutput(); err != nil {
		return fmt.Errorf("apt-get update: %v: %s", err, tail(out))
	}
	if out, err := install(); err != nil {
		return fmt.Errorf("apt-get install %s: %v: %s", pkg, err, tail(out))
	}
	return nil
}

func tail(out []byte) string {
	s := strings.TrimSpace(string(out))
	if len(s) > 600 {
		s = "…" + s[len(s)-600:]
	}
	return s
}

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
	return map[string]Config{"totp": totp, "fido2": fido, "none": none, "shipped": shipped, "the-bastion": theBastion}
}

func TestRender_cloudInitSchemaAccepts(t *testing.T) {
	t.Parallel()
	cloudInit := requireTool(t, "cloud-init", "cloud-init")
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
	cloudInit := requireTool(t, "cloud-init", "cloud-init")
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
	sshd := requireTool(t, "sshd", "openssh-server")
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
				"passwordauthentication no", "permitrootlogin no", "allowtcpforwarding local", "permitopen *:22",
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
	sshd := requireTool(t, "sshd", "openssh-server")
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
	keygen := requireTool(t, "ssh-keygen", "openssh-client")
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
	nft := requireTool(t, "nft", "nftables")
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
