package keymanager

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/tooltest"
)

// These tests hand what the renderer writes to the real tools that will
// read it on the servers: cloud-init's schema check, sshd's own check, nft,
// openssl, sh. See tooltest for how the tools are found or installed.

func TestRender_cloudInitSchemaAccepts(t *testing.T) {
	t.Parallel()
	cloudInit := tooltest.Require(t, "cloud-init", "cloud-init")
	dir := t.TempDir()
	for _, n := range []int{1, 3, 5} {
		cfgs, _ := testCluster(t, n)
		for _, cfg := range cfgs {
			raw, err := Render(cfg)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, cfg.Node.Name+"-of-"+string(rune('0'+n))+".yaml")
			if err := os.WriteFile(path, raw, 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(cloudInit, "schema", "--config-file", path).CombinedOutput()
			if err != nil || !bytes.Contains(out, []byte("Valid cloud-config")) {
				t.Fatalf("cloud-init schema refuses the user-data of %s (cluster of %d): %v\n%s", cfg.Node.Name, n, err, out)
			}
		}
	}
}

// The check must be able to fail: a document cloud-init's schema refuses.
func TestRender_cloudInitSchemaRefusesMistakes(t *testing.T) {
	t.Parallel()
	cloudInit := tooltest.Require(t, "cloud-init", "cloud-init")
	cfgs, _ := testCluster(t, 1)
	raw, err := Render(cfgs[0])
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(raw), "ssh_pwauth: false", "ssh_pwauth: [maybe]", 1)
	path := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(cloudInit, "schema", "--config-file", path).CombinedOutput(); err == nil {
		t.Fatalf("cloud-init schema accepted a document with a wrong type:\n%s", out)
	}
}

func TestSSHDConfig_sshdAccepts(t *testing.T) {
	t.Parallel()
	sshd := tooltest.Require(t, "sshd", "openssh-server")
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		t.Skipf("\n\n*** SKIPPED: /run/sshd cannot be made (%v): sshd -t cannot run here ***\n\n", err)
	}
	cfgs, _ := testCluster(t, 1)
	cfg := cfgs[0]
	dir := t.TempDir()
	hostKey := filepath.Join(dir, "host_ed25519_key")
	if err := os.WriteFile(hostKey, []byte(cfg.HostKey.PrivatePEM), 0o600); err != nil {
		t.Fatal(err)
	}
	conf := strings.ReplaceAll(SSHDConfig(cfg), "HostKey /etc/ssh/ssh_host_ed25519_key", "HostKey "+hostKey)
	path := filepath.Join(dir, "sshd_config")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(sshd, "-t", "-f", path, "-h", hostKey).CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Fatalf("sshd -t refuses (or warns about) the configuration: %v\n%s\n%s", err, out, conf)
	}
	out, err := exec.Command(sshd, "-T", "-f", path, "-h", hostKey).CombinedOutput()
	if err != nil {
		t.Fatalf("sshd -T: %v\n%s", err, out)
	}
	for _, want := range []string{"passwordauthentication no", "permitrootlogin no", "allowtcpforwarding no",
		"allowgroups " + GroupOperators, "authenticationmethods publickey", "hostkeyalgorithms ssh-ed25519", "permittunnel no"} {
		if !strings.Contains(string(out), "\n"+want+"\n") {
			t.Errorf("sshd's effective configuration lacks %q", want)
		}
	}
}

func TestNftablesConfig_nftAccepts(t *testing.T) {
	t.Parallel()
	nft := tooltest.Require(t, "nft", "nftables")
	dir := t.TempDir()
	for _, n := range []int{1, 3} {
		cfgs, _ := testCluster(t, n)
		path := filepath.Join(dir, "rules.nft")
		if err := os.WriteFile(path, []byte(NftablesConfig(cfgs[0])), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(nft, "-c", "-f", path).CombinedOutput()
		if err != nil && bytes.Contains(out, []byte("Operation not permitted")) {
			t.Skipf("\n\n*** SKIPPED: nft -c needs CAP_NET_ADMIN here: %s ***\n\n", out)
		}
		if err != nil {
			t.Fatalf("nft -c refuses the rule set of a cluster of %d: %v\n%s", n, err, out)
		}
	}
	cfgs, _ := testCluster(t, 1)
	bad := filepath.Join(dir, "bad.nft")
	if err := os.WriteFile(bad, []byte(strings.Replace(NftablesConfig(cfgs[0]), "policy drop;", "policy dropp;", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(nft, "-c", "-f", bad).CombinedOutput(); err == nil {
		t.Fatalf("nft -c accepted a broken rule set:\n%s", out)
	}
}

// OpenSSL, which curl and most clients of the compute tier use, accepts
// the chain and the CA's name constraints too.
func TestCA_opensslVerifies(t *testing.T) {
	t.Parallel()
	openssl := tooltest.Require(t, "openssl", "openssl")
	cfgs, ca := testCluster(t, 3)
	dir := t.TempDir()
	caPath := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caPath, []byte(ca.CertPEM()), 0o600); err != nil {
		t.Fatal(err)
	}
	attime := strconv.FormatInt(testNow.Add(time.Hour).Unix(), 10)
	for _, cfg := range cfgs {
		certPath := filepath.Join(dir, cfg.Node.Name+".pem")
		if err := os.WriteFile(certPath, []byte(cfg.TLS.Cert), 0o600); err != nil {
			t.Fatal(err)
		}
		// -attime: the test's clock, not the machine's.
		args := []string{"verify", "-attime", attime, "-CAfile", caPath, "-verify_ip", cfg.Node.IP, certPath}
		if out, err := exec.Command(openssl, args...).CombinedOutput(); err != nil || !bytes.Contains(out, []byte(": OK")) {
			t.Errorf("openssl verify refuses %s: %v\n%s", cfg.Node.Name, err, out)
		}
		args = []string{"verify", "-attime", attime, "-CAfile", caPath, "-verify_ip", "10.20.3.99", certPath}
		if out, err := exec.Command(openssl, args...).CombinedOutput(); err == nil {
			t.Errorf("openssl verify accepts %s for another address:\n%s", cfg.Node.Name, out)
		}
	}
}

// The scripts parse, and the install script installs the package only
// when its checksum is the release's: run with stand-ins for curl, dpkg
// and apt-get that serve a fake release from a directory.
func TestInstallScript_checksBeforeInstalling(t *testing.T) {
	t.Parallel()
	sh := tooltest.Require(t, "sh", "dash")
	tooltest.Require(t, "sha256sum", "coreutils")
	mirror := DefaultOpenBaoMirror(OpenBaoVersion)
	if out, err := exec.Command(sh, "-n", "-c", InstallScript(OpenBaoVersion, mirror, "")).CombinedOutput(); err != nil {
		t.Fatalf("sh -n refuses the install script: %v\n%s", err, out)
	}
	deb := "bao_" + OpenBaoVersion + "_linux_amd64.deb"
	goodPin := sha256.Sum256([]byte("a Debian package of OpenBao"))
	for name, c := range map[string]struct {
		sumsName  string
		pin       string
		corrupt   bool
		installed bool
	}{
		"per-OS checksums":        {sumsName: "checksums-linux.txt", installed: true},
		"older checksums":         {sumsName: "checksums.txt", installed: true},
		"corrupt package":         {sumsName: "checksums-linux.txt", corrupt: true},
		"pinned":                  {sumsName: "none", pin: hex.EncodeToString(goodPin[:]), installed: true},
		"pinned, corrupt package": {sumsName: "checksums-linux.txt", pin: hex.EncodeToString(goodPin[:]), corrupt: true},
		"pinned to another":       {sumsName: "checksums-linux.txt", pin: strings.Repeat("ab", 32)},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			release, bin := filepath.Join(dir, "release"), filepath.Join(dir, "bin")
			for _, d := range []string{release, bin} {
				if err := os.Mkdir(d, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			pkg := []byte("a Debian package of OpenBao")
			sum := sha256.Sum256(pkg)
			if c.corrupt {
				pkg = append(pkg, " tampered with"...)
			}
			write := func(path, content string, mode os.FileMode) {
				if err := os.WriteFile(path, []byte(content), mode); err != nil {
					t.Fatal(err)
				}
			}
			write(filepath.Join(release, deb), string(pkg), 0o644)
			write(filepath.Join(release, c.sumsName), hex.EncodeToString(sum[:])+"  "+deb+"\n"+
				strings.Repeat("0", 64)+"  bao-hsm_"+OpenBaoVersion+"_linux_amd64.deb\n", 0o644)
			// curl: serves the release directory, fails like --fail on a 404.
			write(filepath.Join(bin, "curl"), `#!/bin/sh
out=""; url=""
while [ $# -gt 0 ]; do
  case "$1" in --output) out="$2"; shift 2 ;; --*) shift ;; *) url="$1"; shift ;; esac
done
case "$url" in https://github.com/openbao/openbao/releases/download/v`+OpenBaoVersion+`/*) ;; *) exit 22 ;; esac
f="$FAKE_RELEASE/${url##*/}"
[ -f "$f" ] || exit 22
cp "$f" "$out"
`, 0o755)
			write(filepath.Join(bin, "dpkg"), "#!/bin/sh\necho amd64\n", 0o755)
			write(filepath.Join(bin, "apt-get"), `#!/bin/sh
echo "$@" > "$FAKE_LOG"
printf '#!/bin/sh\necho "OpenBao v`+OpenBaoVersion+`"\n' > "$FAKE_BIN/bao"
chmod +x "$FAKE_BIN/bao"
`, 0o755)
			logPath := filepath.Join(dir, "apt.log")
			cmd := exec.Command(sh, "-c", InstallScript(OpenBaoVersion, mirror, c.pin))
			cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "FAKE_RELEASE="+release, "FAKE_LOG="+logPath, "FAKE_BIN="+bin)
			out, err := cmd.CombinedOutput()
			apt, _ := os.ReadFile(logPath)
			if c.installed {
				if err != nil || !strings.Contains(string(apt), "install -y --no-install-recommends ./"+deb) {
					t.Fatalf("the package was not installed: %v\n%s\napt-get %s", err, out, apt)
				}
				return
			}
			if err == nil || len(apt) > 0 {
				t.Fatalf("a package whose checksum is wrong was installed (%v):\n%s", err, out)
			}
		})
	}
}
