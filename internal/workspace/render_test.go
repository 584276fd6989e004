package workspace

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/sovhealth/terraform-provider-health/internal/bastion"
	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// One account per member, in the workspace group, with no password and no
// sudo; their keys in root-owned files, restricted; no image account.
func TestRender_members(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, cloud.OVH)
	r := render(t, cfg)
	if !slices.Equal(toStrings(r.doc["groups"]), []string{GroupMembers}) {
		t.Errorf("groups = %v", r.doc["groups"])
	}
	users, _ := r.doc["users"].([]any)
	if len(users) != len(cfg.Members) {
		t.Fatalf("users = %v, want one per member and no default account", users)
	}
	for i, u := range users {
		m, ok := u.(map[string]any)
		if !ok {
			t.Fatalf("user %d is %T", i, u)
		}
		if m["name"] != cfg.Members[i].Name || m["groups"] != GroupMembers || m["lock_passwd"] != true || m["shell"] != "/bin/bash" {
			t.Errorf("user %d = %v", i, m)
		}
		for _, k := range []string{"sudo", "ssh_authorized_keys", "passwd", "hashed_passwd", "plain_text_passwd"} {
			if _, ok := m[k]; ok {
				t.Errorf("user %s has %s", m["name"], k)
			}
		}
	}
	for _, m := range cfg.Members {
		path := PathAuthorizedKeys + "/" + m.Name
		if r.files[path] != "restrict,pty "+m.PublicKey+"\n" || r.owners[path] != "root:root" || r.modes[path] != "0644" {
			t.Errorf("%s = %q (%s %s)", path, r.files[path], r.owners[path], r.modes[path])
		}
	}
	if r.doc["disable_root"] != true || r.doc["ssh_pwauth"] != false {
		t.Errorf("disable_root %v, ssh_pwauth %v", r.doc["disable_root"], r.doc["ssh_pwauth"])
	}
	for path := range r.files {
		if strings.HasPrefix(path, "/etc/sudoers") {
			t.Errorf("%s is written: members have no sudo", path)
		}
	}
}

// sshd: keys only, the members' group only, never root, no forwarding of
// any kind, no SFTP.
func TestRender_sshd(t *testing.T) {
	t.Parallel()
	conf := render(t, testConfig(t, cloud.Outscale)).files[PathSSHDConfig]
	directives := map[string]string{}
	for _, l := range strings.Split(conf, "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		k, v, _ := strings.Cut(l, " ")
		if _, dup := directives[k]; dup {
			t.Errorf("%s twice", k)
		}
		directives[k] = v
	}
	for k, want := range map[string]string{
		"PasswordAuthentication": "no", "KbdInteractiveAuthentication": "no", "AuthenticationMethods": "publickey",
		"PermitRootLogin": "no", "AllowGroups": GroupMembers, "AuthorizedKeysFile": PathAuthorizedKeys + "/%u",
		"DisableForwarding": "yes", "AllowTcpForwarding": "no", "AllowAgentForwarding": "no", "AllowStreamLocalForwarding": "no",
		"PermitTunnel": "no", "X11Forwarding": "no", "PermitOpen": "none", "PermitListen": "none", "GatewayPorts": "no",
		"PermitUserEnvironment": "no", "Banner": PathBanner,
	} {
		if directives[k] != want {
			t.Errorf("%s = %q, want %q", k, directives[k], want)
		}
	}
	if _, ok := directives["Subsystem"]; ok {
		t.Error("an SFTP subsystem is configured")
	}
	if _, open := bastion.ForwardingSettings(conf); len(open) > 0 {
		t.Errorf("forwarding open: %v", open)
	}
	if strings.Contains(conf, "Include") {
		t.Error("sshd_config includes other files, which could loosen it")
	}
}

// The host firewall: default-deny inbound but SSH from the bastion tier;
// outbound left to the security groups, but the metadata service for root
// only.
func TestRender_firewall(t *testing.T) {
	t.Parallel()
	nft := render(t, testConfig(t, cloud.OVH)).files[PathNftables]
	input := nft[strings.Index(nft, "chain input"):strings.Index(nft, "chain forward")]
	if !strings.Contains(input, "policy drop;") {
		t.Fatal("input is not default-deny")
	}
	accepts := regexp.MustCompile(`(?m)^\s*ip saddr .* accept.*$`).FindAllString(input, -1)
	if len(accepts) != 1 || !strings.Contains(accepts[0], "ip saddr "+testBastionNet+" tcp dport 22 accept") {
		t.Fatalf("inbound accepts: %q", accepts)
	}
	if n := strings.Count(input, " accept"); n != 5 {
		t.Errorf("%d accepts in input, want lo, established, DHCP, ICMP errors and SSH:\n%s", n, input)
	}
	forward := nft[strings.Index(nft, "chain forward"):strings.Index(nft, "chain output")]
	if !strings.Contains(forward, "policy drop;") {
		t.Error("forwarding is not dropped")
	}
	output := nft[strings.Index(nft, "chain output"):]
	root := strings.Index(output, "ip daddr 169.254.169.254 meta skuid 0 accept")
	drop := strings.Index(output, "ip daddr 169.254.169.254 counter drop")
	if root < 0 || drop < root {
		t.Errorf("the metadata service is not kept for root:\n%s", output)
	}
	if !strings.Contains(output, "security group") {
		t.Error("the output chain does not say who filters outbound traffic")
	}
}

// The identity's secret is in one file, root's and the members' group's
// (0640, written once the group exists), and nowhere else: not in the
// commands, the spec, the tools' configuration, the profile or the motd.
func TestRender_secretOnlyInTheGroupFile(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, cloud.OVH)
	r := render(t, cfg)
	for _, secret := range []string{testSecret, testGWSecret} {
		held := 0
		for path, content := range r.files {
			if strings.Contains(content, secret) {
				held++
				if path != PathS3Env {
					t.Errorf("a secret (%.6s…) is in %s", secret, path)
				}
			}
		}
		if held != 1 {
			t.Errorf("a secret (%.6s…) is in %d files", secret, held)
		}
		if strings.Contains(fmt.Sprint(r.doc["runcmd"]), secret) {
			t.Error("a secret is on a command line")
		}
	}
	if r.modes[PathS3Env] != "0640" || r.owners[PathS3Env] != "root:"+GroupMembers || !r.defers[PathS3Env] {
		t.Errorf("%s: mode %s owner %s deferred %t", PathS3Env, r.modes[PathS3Env], r.owners[PathS3Env], r.defers[PathS3Env])
	}
	env := r.files[PathS3Env]
	for _, want := range []string{"AWS_ACCESS_KEY_ID='WSCARDIOKEY0001'\n", "AWS_SECRET_ACCESS_KEY='" + testSecret + "'\n",
		"RCLONE_CONFIG_GATEWAY1_SECRET_ACCESS_KEY='" + testGWSecret + "'\n"} {
		if !strings.Contains(env, want) {
			t.Errorf("%s lacks %q", PathS3Env, want)
		}
	}
	if !strings.Contains(r.files[PathProfile], ". "+PathS3Env) {
		t.Error("members' shells do not load the key")
	}
}

// Members find their buckets by name with rclone and aws-cli; datasets are
// prefixes, read through the data gateway where their bucket has one.
func TestRender_tools(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, cloud.Outscale)
	r := render(t, cfg)
	rc := r.files[PathRcloneConfig]
	for _, want := range []string{
		"[store]\ntype = s3\nprovider = Other\nenv_auth = true\nendpoint = " + testEndpoint + "\nregion = cloudgouv-eu-west-1\nforce_path_style = true\n",
		"[gateway1]\ntype = s3\nprovider = Other\nenv_auth = false\nendpoint = https://10.40.128.10\n",
		"[working]\ntype = alias\nremote = store:wh-ws-cardio-working\n",
		"[import]\ntype = alias\nremote = store:wh-ws-cardio-import\n",
		"[export]\ntype = alias\nremote = store:wh-ws-cardio-export\n",
		"[cohort-2024]\ntype = alias\nremote = store:wh-pseudonymised/cardio/2024/\n",
		"[dataset2]\ntype = alias\nremote = gateway1:wh-pseudonymised-ck/cardio/\n",
	} {
		if !strings.Contains(rc, want) {
			t.Errorf("rclone.conf lacks %q:\n%s", want, rc)
		}
	}
	if !strings.Contains(r.files[PathAWSConfig], "endpoint_url = "+testEndpoint+"\n") || !strings.Contains(r.files[PathAWSConfig], "addressing_style = path") {
		t.Errorf("aws-cli config:\n%s", r.files[PathAWSConfig])
	}
	ca, _ := r.doc["ca_certs"].(map[string]any)
	if trusted := toStrings(ca["trusted"]); len(trusted) != 1 || trusted[0] != cfg.DataGateways[0].CAPEM {
		t.Errorf("the gateway's CA is not trusted: %v", r.doc["ca_certs"])
	}
	if !slices.Contains(toStrings(r.doc["packages"]), "rclone") {
		t.Error("rclone is not installed")
	}
	motd := r.files[PathMotd]
	for _, want := range []string{"through the airlock", "export: (s3://wh-ws-cardio-export)", "cohort-2024:  s3://wh-pseudonymised/cardio/2024/  read only"} {
		if !strings.Contains(motd, want) {
			t.Errorf("motd lacks %q:\n%s", want, motd)
		}
	}
	// A working bucket under the customer's key is reached through its own
	// gateway too, and the motd says which buckets are.
	withWorking := cfg
	withWorking.DataGateways = append(slices.Clone(cfg.DataGateways), DataGateway{Bucket: "wh-ws-cardio-working",
		Endpoint: "https://10.40.128.11", CAPEM: gatewayCA(t), AccessKeyID: "GWCLIENT0002", SecretAccessKey: testGWSecret})
	rw := render(t, withWorking)
	if !strings.Contains(rw.files[PathRcloneConfig], "[working]\ntype = alias\nremote = gateway2:wh-ws-cardio-working\n") {
		t.Errorf("the working bucket does not go through its gateway:\n%s", rw.files[PathRcloneConfig])
	}
	if !strings.Contains(rw.files[PathMotd], "working:  s3://wh-ws-cardio-working  read and write, through its data gateway") {
		t.Errorf("the motd does not say the working bucket is behind a gateway:\n%s", rw.files[PathMotd])
	}
	// Without a gateway, no CA is added.
	cfg.DataGateways, cfg.Buckets.Datasets = nil, cfg.Buckets.Datasets[:1]
	if _, ok := render(t, cfg).doc["ca_certs"]; ok {
		t.Error("a CA is trusted without a gateway")
	}
}

// Hardening: persistent journal, auditd, daily security updates from the
// mirror, the kernel settings.
func TestRender_hardening(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, cloud.OVH)
	cfg.PackageMirror = &bastion.PackageMirror{Primary: "https://mirror.example.eu/debian", Security: "https://mirror.example.eu/debian-security"}
	r := render(t, cfg)
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
	if !strings.Contains(r.files[PathAuditRules], "-k workspace-exec") || r.files[bastion.PathAuditImmutable] == "" {
		t.Error("auditd does not record members' commands, or its rules are not locked")
	}
	commands := fmt.Sprint(r.doc["runcmd"])
	for _, want := range []string{"augenrules --load", "systemctl enable nftables", "sshd -t && systemctl restart ssh", "unattended-upgrades", PathShared} {
		if !strings.Contains(commands, want) {
			t.Errorf("runcmd lacks %q", want)
		}
	}
	// Files that packages would overwrite, or that need the group, are
	// written after the packages and users.
	for _, path := range []string{PathNftables, PathSSHDConfig, PathAuditRules, PathS3Env} {
		if !r.defers[path] {
			t.Errorf("%s is not deferred", path)
		}
	}
}

// A host key the provider made is installed, the image's deleted.
func TestRender_hostKey(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, cloud.Outscale)
	if _, ok := render(t, cfg).doc["ssh_keys"]; ok {
		t.Error("ssh_keys without a host key")
	}
	hk, err := bastion.GenerateHostKey("ws-cardio-0")
	must(t, err)
	cfg.HostKey = &hk
	r := render(t, cfg)
	keys, _ := r.doc["ssh_keys"].(map[string]any)
	if keys["ed25519_public"] != hk.Public || r.doc["ssh_deletekeys"] != true {
		t.Errorf("ssh_keys = %v", r.doc["ssh_keys"])
	}
	spec, err := Recover(r.raw)
	must(t, err)
	if spec.HostKey == nil || spec.HostKey.Fingerprint != hk.Fingerprint || strings.Contains(r.files[PathSpec], "PRIVATE") {
		t.Errorf("spec host key %+v", spec.HostKey)
	}
}

// Forty members fit in what OVHcloud takes: as text with ed25519 keys;
// compressed (which cloud-init inflates) with the longest keys accepted,
// RSA of 4096 bits. Either way the machine's files come back.
func TestRender_fortyMembersFit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		key        func(i int) string
		compressed bool
	}{
		{"ed25519", func(i int) string { return ed25519Key(t, fmt.Sprintf("member%02d@laptop", i)) }, false},
		{"rsa-4096", func(i int) string { return rsa4096Key(t, fmt.Sprintf("member%02d@laptop-of-a-researcher", i)) }, true},
	} {
		cfg := testConfig(t, cloud.OVH)
		cfg.Members = nil
		for i := range MaxMembers {
			cfg.Members = append(cfg.Members, Member{Name: fmt.Sprintf("researcher%02d", i), PublicKey: tc.key(i)})
		}
		raw, err := Render(cfg)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		n := base64.StdEncoding.EncodedLen(len(raw))
		t.Logf("%d members with %s keys: %d bytes, %d once base64-encoded (limit %d)", MaxMembers, tc.name, len(raw), n, MaxUserDataBase64)
		if n > MaxUserDataBase64 {
			t.Errorf("%s: %d bytes base64", tc.name, n)
		}
		if gz := raw[0] == 0x1f && raw[1] == 0x8b; gz != tc.compressed {
			t.Errorf("%s: compressed %t, want %t", tc.name, gz, tc.compressed)
		}
		spec, err := Recover(raw)
		if err != nil || len(spec.Members) != MaxMembers || spec.Members[39].PublicKey != cfg.Members[39].PublicKey {
			t.Errorf("%s: recovered %d members: %v", tc.name, len(spec.Members), err)
		}
		again, _ := Render(cfg)
		if !bytes.Equal(raw, again) {
			t.Errorf("%s: the same configuration renders two user-data", tc.name)
		}
	}
}

// An imported machine's settings come back from its user-data, members'
// keys included, without a secret.
func TestRecover_roundTrip(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, cloud.OVH)
	raw, err := Render(cfg)
	must(t, err)
	spec, err := Recover(raw)
	must(t, err)
	if spec.Workspace != cfg.Workspace || spec.Name != cfg.Name || spec.Cloud != cfg.Cloud || spec.Size != "medium" ||
		spec.Image != "debian-12" || spec.BastionCIDR != testBastionNet || spec.Working != cfg.Buckets.Working ||
		spec.Import != cfg.Buckets.Import || spec.Export != cfg.Buckets.Export || spec.AccessKeyID != "WSCARDIOKEY0001" ||
		!slices.Equal(spec.Datasets, cfg.Buckets.Datasets) || *spec.PackageMirror != *cfg.PackageMirror ||
		len(spec.DataGateways) != 1 || spec.DataGateways[0].Endpoint != "https://10.40.128.10" {
		t.Errorf("recovered %+v", spec)
	}
	if len(spec.Members) != len(cfg.Members) {
		t.Fatalf("members %+v", spec.Members)
	}
	for i, m := range cfg.Members {
		k, _ := bastion.ParseAdminKey(m.PublicKey)
		if got := spec.Members[i]; got.Name != m.Name || got.PublicKey != m.PublicKey || got.Fingerprint != k.Fingerprint {
			t.Errorf("member %d = %+v, want %s %q", i, got, m.Name, m.PublicKey)
		}
	}
	js, _ := json.Marshal(spec)
	for _, secret := range []string{testSecret, testGWSecret} {
		if strings.Contains(string(js), secret) {
			t.Errorf("the spec holds a secret (%.6s…)", secret)
		}
	}
	for _, other := range [][]byte{[]byte("#cloud-config\nwrite_files: []\n"), []byte("#!/bin/sh\n")} {
		if _, err := Recover(other); err == nil {
			t.Errorf("%q is taken for a workspace's user-data", other)
		}
	}
}

func toStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		out = append(out, fmt.Sprint(x))
	}
	return out
}
