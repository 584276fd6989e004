package workspace

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sovhealth/terraform-provider-health/internal/bastion"
	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/tooltest"
)

// The real tools that read what the renderer writes accept it, and refuse
// a broken copy: cloud-init's schema, nft, sshd and the shell.

func TestRender_cloudInitSchemaAccepts(t *testing.T) {
	t.Parallel()
	cloudInit := tooltest.Require(t, "cloud-init", "cloud-init")
	hk, err := bastion.GenerateHostKey("ws")
	must(t, err)
	withKey := testConfig(t, cloud.Outscale)
	withKey.HostKey = &hk
	many := testConfig(t, cloud.OVH)
	many.Members = nil
	for i := range MaxMembers {
		many.Members = append(many.Members, Member{Name: fmt.Sprintf("researcher%02d", i), PublicKey: rsa4096Key(t, "r")})
	}
	dir := t.TempDir()
	for name, cfg := range map[string]Config{"ovh": testConfig(t, cloud.OVH), "host-key": withKey, "forty-compressed": many} {
		raw, err := Render(cfg)
		must(t, err)
		// cloud-init inflates compressed user-data before it reads it;
		// its schema command takes the document.
		text, err := Text(raw)
		must(t, err)
		path := filepath.Join(dir, name+".yaml")
		must(t, os.WriteFile(path, text, 0o600))
		out, err := exec.Command(cloudInit, "schema", "--config-file", path).CombinedOutput()
		if err != nil || !bytes.Contains(out, []byte("Valid cloud-config")) {
			t.Fatalf("cloud-init schema refuses the %s user-data: %v\n%s", name, err, out)
		}
	}
	bad := filepath.Join(dir, "bad.yaml")
	must(t, os.WriteFile(bad, []byte("#cloud-config\nca_certs:\n  trusted: yes-please\nusers:\n  - name: alice\n    lock_passwd: sometimes\n"), 0o600))
	if out, err := exec.Command(cloudInit, "schema", "--config-file", bad).CombinedOutput(); err == nil {
		t.Fatalf("cloud-init schema accepted a document with wrong types:\n%s", out)
	}
}

func TestNftablesConfig_nftAccepts(t *testing.T) {
	t.Parallel()
	nft := tooltest.Require(t, "nft", "nftables")
	rules := NftablesConfig(testConfig(t, cloud.OVH))
	dir := t.TempDir()
	for name, text := range map[string]string{"good": rules, "bad": strings.Replace(rules, "policy drop;", "policy dropp;", 1)} {
		path := filepath.Join(dir, name+".nft")
		must(t, os.WriteFile(path, []byte(text), 0o600))
		out, err := exec.Command(nft, "-c", "-f", path).CombinedOutput()
		if err != nil && bytes.Contains(out, []byte("Operation not permitted")) {
			t.Skipf("\n\n*** SKIPPED: nft -c needs CAP_NET_ADMIN here: %s ***\n\n", out)
		}
		if (err == nil) != (name == "good") {
			t.Fatalf("nft -c on the %s rule set: %v\n%s", name, err, out)
		}
	}
}

func TestSSHDConfig_sshdAccepts(t *testing.T) {
	t.Parallel()
	sshd := tooltest.Require(t, "sshd", "openssh-server")
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		t.Skipf("\n\n*** SKIPPED: /run/sshd cannot be made (%v): sshd -t cannot run here ***\n\n", err)
	}
	hk, err := bastion.GenerateHostKey("ws")
	must(t, err)
	dir := t.TempDir()
	hostKey := filepath.Join(dir, "host_key")
	must(t, os.WriteFile(hostKey, []byte(hk.PrivatePEM), 0o600))
	conf := strings.ReplaceAll(SSHDConfig(testConfig(t, cloud.OVH)), "HostKey "+PathHostKey, "HostKey "+hostKey)
	for name, text := range map[string]string{"good": conf, "bad": strings.Replace(conf, "Ciphers ", "Ciphers rot13-cbc,", 1)} {
		path := filepath.Join(dir, name+"_sshd_config")
		must(t, os.WriteFile(path, []byte(text), 0o600))
		out, err := exec.Command(sshd, "-t", "-f", path, "-h", hostKey).CombinedOutput()
		if name == "bad" {
			if err == nil {
				t.Fatalf("sshd -t accepted an unknown cipher:\n%s", out)
			}
			continue
		}
		if err != nil || len(bytes.TrimSpace(out)) > 0 {
			t.Fatalf("sshd -t refuses (or warns about) the configuration: %v\n%s\n%s", err, out, text)
		}
		// The effective configuration, as sshd understands it.
		out, err = exec.Command(sshd, "-T", "-f", path, "-h", hostKey).CombinedOutput()
		must(t, err)
		for _, want := range []string{"passwordauthentication no", "permitrootlogin no", "allowgroups " + GroupMembers,
			"disableforwarding yes", "allowtcpforwarding no", "allowagentforwarding no", "allowstreamlocalforwarding no",
			"permittunnel no", "x11forwarding no", "authenticationmethods publickey", "authorizedkeysfile " + PathAuthorizedKeys + "/%u"} {
			if !strings.Contains(string(out), "\n"+want+"\n") {
				t.Errorf("sshd's effective configuration lacks %q", want)
			}
		}
	}
}

// The profile members' shells source parses, and loads the key into the
// environment from the group-readable file.
func TestProfile_loadsTheKey(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	r := render(t, testConfig(t, cloud.OVH))
	dir := t.TempDir()
	env := filepath.Join(dir, "s3.env")
	must(t, os.WriteFile(env, []byte(r.files[PathS3Env]), 0o600))
	profile := strings.ReplaceAll(r.files[PathProfile], PathS3Env, env)
	cmd := exec.Command("sh", "-c", profile+"\nenv")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the profile fails: %v\n%s", err, out)
	}
	for _, want := range []string{"AWS_SECRET_ACCESS_KEY=" + testSecret + "\n", "RCLONE_CONFIG=" + PathRcloneConfig + "\n",
		"AWS_ENDPOINT_URL=" + testEndpoint + "\n", "RCLONE_CONFIG_GATEWAY1_ACCESS_KEY_ID=GWCLIENT0001\n"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the environment lacks %q", strings.SplitN(want, "=", 2)[0])
		}
	}
}

// rclone reads the remotes as the members will name them: each alias
// leads to its bucket (and prefix), through the gateway where there is one.
func TestRcloneConfig_rcloneReadsIt(t *testing.T) {
	t.Parallel()
	rclone := tooltest.Require(t, "rclone", "rclone")
	path := filepath.Join(t.TempDir(), "rclone.conf")
	must(t, os.WriteFile(path, []byte(RcloneConfig(testConfig(t, cloud.OVH))), 0o600))
	out, err := exec.Command(rclone, "--config", path, "listremotes").CombinedOutput()
	if err != nil {
		t.Fatalf("rclone listremotes: %v\n%s", err, out)
	}
	for _, want := range []string{"store:", "gateway1:", "working:", "import:", "export:", "cohort-2024:", "dataset2:"} {
		if !strings.Contains(string(out), want+"\n") {
			t.Errorf("rclone does not see %s:\n%s", want, out)
		}
	}
	out, err = exec.Command(rclone, "--config", path, "config", "show", "dataset2").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "remote = gateway1:wh-pseudonymised-ck/cardio/") {
		t.Errorf("rclone config show dataset2: %v\n%s", err, out)
	}
}

// aws-cli reads the endpoint and the region from the configuration file.
func TestAWSConfig_awsReadsIt(t *testing.T) {
	t.Parallel()
	aws, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("\n\n*** SKIPPED: no aws-cli on PATH: its configuration is not read by it here ***\n\n")
	}
	path := filepath.Join(t.TempDir(), "aws-config")
	must(t, os.WriteFile(path, []byte(AWSConfig(testConfig(t, cloud.OVH))), 0o600))
	for key, want := range map[string]string{"region": "cloudgouv-eu-west-1", "endpoint_url": testEndpoint} {
		cmd := exec.Command(aws, "configure", "get", key)
		cmd.Env = append(os.Environ(), "AWS_CONFIG_FILE="+path, "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
		out, err := cmd.CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != want {
			t.Errorf("aws configure get %s = %q (%v), want %q", key, out, err, want)
		}
	}
}
