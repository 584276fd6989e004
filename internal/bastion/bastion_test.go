package bastion

import (
	"crypto/elliptic"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// testConfig is a bastion in a default /16 warehouse network.
func testConfig(t testing.TB, mfa string, admins ...Admin) Config {
	t.Helper()
	hk, err := GenerateHostKey("wh-bastion")
	if err != nil {
		t.Fatal(err)
	}
	if len(admins) == 0 {
		admins = []Admin{{Name: "alice", PublicKey: ed25519Key(t, "alice@laptop")}, {Name: "bob", PublicKey: ecdsaKey(t, elliptic.P256())}}
	}
	return Config{
		Name:             "wh-bastion",
		NetworkID:        "vpc-12345678",
		Cloud:            "outscale",
		Admins:           admins,
		MFA:              mfa,
		SessionRecording: true,
		IdleTimeout:      DefaultIdleTimeout,
		Mode:             ModeOpenSSH,
		HostKey:          hk,
		Targets: []Target{
			{Tier: "compute", CIDR: "10.40.64.0/18", Ports: []PortRange{{22, 22}}},
			{Tier: "kms", CIDR: "10.40.192.0/18", Ports: []PortRange{{22, 22}}},
		},
		Inbound: []InboundRule{
			{Protocol: "tcp", FromPort: 22, ToPort: 22, Source: "203.0.113.7/32", Purpose: "SSH from administrators"},
		},
	}
}

func sshdLines(conf string) []string {
	var out []string
	for _, l := range strings.Split(conf, "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

// directive returns the value of a directive outside any Match block, and
// fails if it is not set exactly once there.
func directive(t *testing.T, conf, name string) string {
	t.Helper()
	var found []string
	for _, l := range sshdLines(conf) {
		key, value, _ := strings.Cut(l, " ")
		if strings.EqualFold(key, "Match") {
			break
		}
		if strings.EqualFold(key, name) {
			found = append(found, value)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s is set %d times outside Match blocks, want once:\n%s", name, len(found), conf)
	}
	return found[0]
}

func TestSSHDConfig_securityRelevantLines(t *testing.T) {
	t.Parallel()
	for _, mfa := range MFAs {
		t.Run(mfa, func(t *testing.T) {
			t.Parallel()
			admins := []Admin{{Name: "alice", PublicKey: skEd25519Key(t, "alice@yubikey")}}
			conf := SSHDConfig(testConfig(t, mfa, admins...))
			for name, want := range map[string]string{
				"PasswordAuthentication":       "no",
				"PermitEmptyPasswords":         "no",
				"PermitRootLogin":              "no",
				"HostbasedAuthentication":      "no",
				"AllowGroups":                  GroupAdmins,
				"AuthorizedKeysFile":           "/etc/ssh/authorized_keys/%u",
				"AllowTcpForwarding":           "no",
				"PermitOpen":                   "none",
				"PermitListen":                 "none",
				"AllowAgentForwarding":         "yes",
				"AllowStreamLocalForwarding":   "no",
				"PermitTunnel":                 "no",
				"X11Forwarding":                "no",
				"GatewayPorts":                 "no",
				"PermitUserEnvironment":        "no",
				"HostKeyAlgorithms":            "ssh-ed25519",
				"HostKey":                      PathHostKey,
				"LogLevel":                     "VERBOSE",
				"ChannelTimeout":               "session=900s",
				"AuthenticationMethods":        AuthenticationMethods(mfa),
				"KbdInteractiveAuthentication": map[string]string{MFATOTP: "yes", MFAFIDO2: "no", MFANone: "no"}[mfa],
			} {
				if got := directive(t, conf, name); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
			// No weak algorithm anywhere.
			for _, name := range []string{"Ciphers", "MACs", "KexAlgorithms", "PubkeyAcceptedAlgorithms"} {
				value := directive(t, conf, name)
				for _, weak := range []string{"sha1", "cbc", "md5", "3des", "ssh-rsa,", "ssh-dss", "group1-", "group14-", "chacha20", "umac-64"} {
					if strings.Contains(value+",", weak) {
						t.Errorf("%s allows %s: %s", name, weak, value)
					}
				}
			}
			for _, l := range sshdLines(conf) {
				if key, _, _ := strings.Cut(l, " "); key == "Include" || key == "Subsystem" {
					t.Errorf("the configuration includes other files or serves a subsystem: %s", l)
				}
			}
		})
	}
}

func TestSSHDConfig_secondFactors(t *testing.T) {
	t.Parallel()
	totp := SSHDConfig(testConfig(t, MFATOTP))
	if got := directive(t, totp, "AuthenticationMethods"); got != "publickey,keyboard-interactive:pam" {
		t.Errorf("TOTP: AuthenticationMethods %q does not demand the key then the code", got)
	}
	// Those still enrolling get the key alone, to a forced command, no forwarding, not even their agent.
	_, match, ok := strings.Cut(totp, "Match Group "+GroupMFAPending)
	if !ok {
		t.Fatalf("TOTP: no Match block for the pending group:\n%s", totp)
	}
	for _, want := range []string{"AuthenticationMethods publickey", "ForceCommand /usr/bin/sudo -n " + PathMFAEnroll,
		"DisableForwarding yes", "SetEnv " + EnrolmentTlogEnv} {
		if !strings.Contains(match, want) {
			t.Errorf("TOTP: the pending group's block lacks %q:\n%s", want, match)
		}
	}

	fido := SSHDConfig(testConfig(t, MFAFIDO2, Admin{Name: "alice", PublicKey: skEd25519Key(t, "k")}))
	if got := directive(t, fido, "PubkeyAuthOptions"); got != "touch-required verify-required" {
		t.Errorf("FIDO2: PubkeyAuthOptions = %q, want both the touch and the PIN demanded", got)
	}
	if got := directive(t, fido, "PubkeyAcceptedAlgorithms"); got != strings.Join(SecurityKeyAlgorithms, ",") {
		t.Errorf("FIDO2: keys other than security keys are accepted: %s", got)
	}
	if strings.Contains(fido, "Match") {
		t.Errorf("FIDO2 needs no enrolment block:\n%s", fido)
	}

	none := SSHDConfig(testConfig(t, MFANone))
	if got := directive(t, none, "AuthenticationMethods"); got != "publickey" {
		t.Errorf("none: AuthenticationMethods = %q", got)
	}
}

// sshd forwards nothing, whatever the targets: the tiers are reached by a
// recorded hop, which the firewall limits to the targets' blocks and ports.
func TestSSHDConfig_forwardsNothingWhateverTheTargets(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, MFATOTP)
	cfg.Targets = []Target{{Tier: "kms", CIDR: "10.0.3.0/24", Ports: []PortRange{{22, 22}, {8200, 8201}}}}
	conf := SSHDConfig(cfg)
	if open := OpenForwarding(conf); len(open) != 0 {
		t.Errorf("the bastion forwards around the recording: %v\n%s", open, conf)
	}
	if got := directive(t, conf, "PermitOpen"); got != "none" {
		t.Errorf("PermitOpen = %q, want none", got)
	}
	fw := NftablesConfig(cfg)
	for _, want := range []string{"ip daddr 10.0.3.0/24 tcp dport 22 accept", "ip daddr 10.0.3.0/24 tcp dport 8200-8201 accept"} {
		if !strings.Contains(fw, want) {
			t.Errorf("the firewall lacks %q:\n%s", want, fw)
		}
	}
	if strings.Contains(fw, "10.40.64.0/18") {
		t.Errorf("the firewall still lets the bastion reach a tier left out:\n%s", fw)
	}
}

// OpenForwarding reads what earlier renderers wrote as open, and sshd's
// defaults where a directive is absent.
func TestOpenForwarding(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]struct {
		conf string
		want []string
	}{
		"proxyjump renderer": {"AllowTcpForwarding local\nPermitOpen *:22\nAllowStreamLocalForwarding no\nPermitTunnel no\nX11Forwarding no\n",
			[]string{"AllowTcpForwarding local"}},
		"sshd defaults":      {"Port 22\n", []string{"AllowTcpForwarding yes", "AllowStreamLocalForwarding yes"}},
		"disable forwarding": {"DisableForwarding yes\nAllowTcpForwarding yes\n", nil},
		"first value wins":   {"AllowTcpForwarding no\nAllowTcpForwarding yes\nAllowStreamLocalForwarding no\n", nil},
		"match ignored":      {"AllowTcpForwarding no\nAllowStreamLocalForwarding no\nMatch User x\n  AllowTcpForwarding yes\n", nil},
		"tunnel and x11": {"AllowTcpForwarding no\nAllowStreamLocalForwarding no\nPermitTunnel point-to-point\nX11Forwarding yes\n",
			[]string{"PermitTunnel point-to-point", "X11Forwarding yes"}},
	} {
		if got := OpenForwarding(c.conf); !slices.Equal(got, c.want) {
			t.Errorf("%s: OpenForwarding = %v, want %v", name, got, c.want)
		}
	}
}

func TestNftablesConfig_appliesTheNetworkRules(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, MFATOTP)
	cfg.Inbound = append(cfg.Inbound, InboundRule{Protocol: "tcp", FromPort: 22, ToPort: 22, Source: "198.51.100.0/28", Purpose: "SSH from administrators"})
	fw := NftablesConfig(cfg)
	for _, want := range []string{
		"policy drop;",
		`ip saddr 203.0.113.7/32 tcp dport 22 accept comment "SSH from administrators"`,
		`ip saddr 198.51.100.0/28 tcp dport 22 accept comment "SSH from administrators"`,
		`ip daddr 10.40.64.0/18 tcp dport 22 accept comment "to the compute tier"`,
		`ip daddr 10.40.192.0/18 tcp dport 22 accept comment "to the kms tier"`,
		"ip daddr 169.254.169.254 meta skuid 0 accept",
		"ip daddr 169.254.169.254 counter drop",
		"meta skuid 0 tcp dport { 80, 443 } accept",
	} {
		if !strings.Contains(fw, want) {
			t.Errorf("the firewall lacks %q:\n%s", want, fw)
		}
	}
	if n := strings.Count(fw, "policy drop;"); n != 3 {
		t.Errorf("%d chains drop by default, want input, forward and output", n)
	}
	if strings.Contains(fw, "tcp dport 22 accept\n") && !strings.Contains(fw, "saddr") {
		t.Error("SSH is open to any source")
	}
}

func TestParseAdminKey(t *testing.T) {
	t.Parallel()
	accepted := map[string]string{
		"ed25519":     ed25519Key(t, "alice@laptop"),
		"ecdsa p256":  ecdsaKey(t, elliptic.P256()),
		"ecdsa p384":  ecdsaKey(t, elliptic.P384()),
		"rsa 3072":    rsaKey(t, 3072),
		"sk ed25519":  skEd25519Key(t, "alice@yubikey"),
		"spaces kept": "  " + ed25519Key(t, "x") + "  ",
	}
	for name, key := range accepted {
		if _, err := ParseAdminKey(key); err != nil {
			t.Errorf("%s refused: %v", name, err)
		}
	}
	refused := map[string]struct{ key, want string }{
		"rsa 2048":    {rsaKey(t, 2048), "has 2048 bits, fewer than 3072"},
		"dsa":         {dsaKey, "DSA keys (ssh-dss) are refused"},
		"certificate": {certificateKey(t), "certificates"},
		"options":     {`command="/bin/sh" ` + ed25519Key(t, "x"), "authorized_keys options"},
		"private":     {"-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----", "private key"},
		"garbage":     {"ssh-ed25519 notbase64!", "not an OpenSSH public key"},
		"empty":       {"", "empty"},
		"two keys":    {ed25519Key(t, "a") + "\n" + ed25519Key(t, "b"), "several lines"},
	}
	for name, c := range refused {
		_, err := ParseAdminKey(c.key)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", name, err, c.want)
		}
	}
}

func TestCheck_namesTheAdminAndTheRule(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, MFAFIDO2,
		Admin{Name: "alice", PublicKey: skEd25519Key(t, "ok")},
		Admin{Name: "bob", PublicKey: rsaKey(t, 2048)},
		Admin{Name: "root", PublicKey: ed25519Key(t, "x")},
		Admin{Name: "alice", PublicKey: skEd25519Key(t, "dup")},
	)
	problems := Check(cfg)
	want := []struct {
		attr  string
		index int
		msg   string
	}{
		{"ssh_public_key", 1, `the key of "bob" is refused: the RSA key has 2048 bits`},
		{"name", 2, `"root" is an account the system`},
		{"ssh_public_key", 2, `mfa = "fido2" needs FIDO2 security keys, but the key of "root" is ssh-ed25519`},
		{"name", 3, `"alice" is also the name of admins[0]`},
	}
	for _, w := range want {
		if !slices.ContainsFunc(problems, func(p Problem) bool {
			return p.Attribute == w.attr && p.Index == w.index && strings.Contains(p.Msg, w.msg)
		}) {
			t.Errorf("no problem %s[%d] %q in %v", w.attr, w.index, w.msg, problems)
		}
	}
	if len(problems) != len(want) {
		t.Errorf("%d problems, want %d: %v", len(problems), len(want), problems)
	}
	if p := Check(testConfig(t, MFATOTP)); len(p) != 0 {
		t.Errorf("a valid configuration is refused: %v", p)
	}
	theBastion := testConfig(t, MFAFIDO2, Admin{Name: "alice", PublicKey: skEd25519Key(t, "ok")})
	theBastion.Mode = ModeTheBastion
	if p := Check(theBastion); len(p) != 1 || p[0].Attribute != "mfa" {
		t.Errorf("the-bastion with FIDO2: %v", p)
	}
}

func TestDefaultMFA(t *testing.T) {
	t.Parallel()
	sk := Admin{Name: "a", PublicKey: skEd25519Key(t, "a")}
	plain := Admin{Name: "b", PublicKey: ed25519Key(t, "b")}
	if got := DefaultMFA([]Admin{sk}); got != MFAFIDO2 {
		t.Errorf("only security keys: %s, want fido2", got)
	}
	if got := DefaultMFA([]Admin{sk, plain}); got != MFATOTP {
		t.Errorf("mixed keys: %s, want totp", got)
	}
}

func TestRender_userData(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, MFATOTP)
	cfg.AuditBucket = &AuditBucket{Endpoint: "https://oos.example", Region: "eu-west-2", Bucket: "audit", Prefix: "bastions/",
		AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "s3cr3t-value"}
	raw, err := Render(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(raw), "#cloud-config\n") {
		t.Fatalf("not a cloud-config document:\n%s", raw)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	keys, _ := doc["ssh_keys"].(map[string]any)
	if keys["ed25519_public"] != cfg.HostKey.Public || keys["ed25519_private"] != cfg.HostKey.PrivatePEM {
		t.Errorf("the host key is not the one made by the provider: %v", keys["ed25519_public"])
	}
	if doc["ssh_deletekeys"] != true {
		t.Error("the image's own host keys are kept")
	}
	files := map[string]map[string]any{}
	for _, f := range list(t, doc["write_files"]) {
		m := object(t, f)
		files[text(t, m["path"])] = m
	}
	for path, mode := range map[string]string{
		PathSSHDConfig: "0600", PathPAMSSHD: "0644", PathNftables: "0600", PathShipEnv: "0600", PathSudoersEnroll: "0440",
		PathAuthorizedKeys + "/alice": "0644", PathAuthorizedKeys + "/bob": "0644", PathSpec: "0644", PathTlogConfig: "0644",
		PathSSHClientConfig: "0644",
	} {
		f, ok := files[path]
		if !ok {
			t.Errorf("%s is not written", path)
			continue
		}
		if f["permissions"] != mode || f["owner"] != "root:root" {
			t.Errorf("%s: %v %v, want root:root %s", path, f["owner"], f["permissions"], mode)
		}
	}
	if c := text(t, files[PathAuthorizedKeys+"/alice"]["content"]); !strings.HasPrefix(c, "restrict,agent-forwarding,pty ssh-ed25519 ") {
		t.Errorf("alice's authorized key: %q", c)
	}
	// Only the listed administrators: no default user, each in the groups.
	users := list(t, doc["users"])
	if len(users) != 2 {
		t.Fatalf("users: %v", users)
	}
	for _, u := range users {
		m := object(t, u)
		if m["lock_passwd"] != true || m["shell"] != PathTlogShell || m["groups"] != GroupAdmins+","+GroupMFAPending {
			t.Errorf("user %v", m)
		}
	}
	// The spec file tells no secret; the env file keeps the bucket's.
	spec := text(t, files[PathSpec]["content"])
	for _, secret := range []string{"s3cr3t-value", "PRIVATE KEY"} {
		if strings.Contains(spec, secret) {
			t.Errorf("the spec file holds a secret: %s", spec)
		}
	}
	if !strings.Contains(text(t, files[PathShipEnv]["content"]), "s3cr3t-value") {
		t.Error("the shipping has no credentials")
	}
	packages := list(t, doc["packages"])
	for _, p := range []string{"nftables", "auditd", "unattended-upgrades", "libpam-google-authenticator", "tlog", "rclone"} {
		if !slices.Contains(packages, any(p)) {
			t.Errorf("package %s is not installed: %v", p, packages)
		}
	}
}

func TestRender_refusesWithoutHostKey(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, MFATOTP)
	cfg.HostKey = HostKey{}
	if _, err := Render(cfg); err == nil || !strings.Contains(err.Error(), "no host key") {
		t.Errorf("rendered without a host key: %v", err)
	}
	cfg = testConfig(t, MFAFIDO2) // ed25519 and ecdsa keys: not security keys
	if _, err := Render(cfg); err == nil || !strings.Contains(err.Error(), "FIDO2 security keys") {
		t.Errorf("rendered FIDO2 with plain keys: %v", err)
	}
}

func TestRecover_roundTrip(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, MFANone)
	cfg.SessionRecording = false
	cfg.IdleTimeout = 30 * time.Minute
	raw, err := Render(cfg)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Recover(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got.HostPublicKey != cfg.HostKey.Public || got.Spec.HostKey.Fingerprint != cfg.HostKey.Fingerprint {
		t.Errorf("host key %q, want %q", got.HostPublicKey, cfg.HostKey.Public)
	}
	if got.Spec.MFA != MFANone || got.Spec.SessionRecording || got.Spec.IdleTimeoutSec != 1800 || len(got.Spec.Admins) != 2 ||
		got.Spec.Admins[1].Name != "bob" || !slices.Equal(got.Spec.AllowedTargets, []string{"compute", "kms"}) {
		t.Errorf("recovered %+v", got.Spec)
	}
	if _, err := Recover([]byte("#!/bin/sh\necho hi\n")); err == nil {
		t.Error("a shell script was taken for a bastion's user-data")
	}
}

// The user-data tells how the tiers are reached, and its sshd_config, so
// that the provider and the compliance report can read the posture back;
// a bastion rendered before the recorded hop reads as ProxyJump.
func TestRecover_tierAccess(t *testing.T) {
	t.Parallel()
	raw, err := Render(testConfig(t, MFATOTP))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := Recover(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.EffectiveTierAccess(); got != TierAccessRecordedHop || rec.Spec.TierAccess != TierAccessRecordedHop {
		t.Errorf("tier access %q (spec %q), want %q", got, rec.Spec.TierAccess, TierAccessRecordedHop)
	}
	if rec.SSHDConfig == "" || len(OpenForwarding(rec.SSHDConfig)) != 0 {
		t.Errorf("the recovered sshd_config forwards %v:\n%s", OpenForwarding(rec.SSHDConfig), rec.SSHDConfig)
	}
	if !strings.Contains(string(raw), "StrictHostKeyChecking accept-new") {
		t.Error("the bastion's ssh client configuration is not written")
	}
	legacy := Recovered{Spec: Spec{Mode: ModeOpenSSH}}
	if got := legacy.EffectiveTierAccess(); got != TierAccessProxyJump {
		t.Errorf("a spec without tier_access reads as %q, want %q", got, TierAccessProxyJump)
	}
	tb := testConfig(t, MFATOTP)
	tb.Mode = ModeTheBastion
	raw, err = Render(tb)
	if err != nil {
		t.Fatal(err)
	}
	if rec, err = Recover(raw); err != nil || rec.EffectiveTierAccess() != TierAccessTheBastion || rec.SSHDConfig != "" {
		t.Errorf("the-bastion: %q, sshd_config %q (%v)", rec.EffectiveTierAccess(), rec.SSHDConfig, err)
	}
}

func TestHostKey_pinning(t *testing.T) {
	t.Parallel()
	hk, err := GenerateHostKey("wh-bastion")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^SHA256:[A-Za-z0-9+/]{43}$`).MatchString(hk.Fingerprint) {
		t.Errorf("fingerprint %q", hk.Fingerprint)
	}
	if fp, _ := HostKeyFingerprint(hk.Public); fp != hk.Fingerprint {
		t.Errorf("the fingerprint of the public key is %s, not %s", fp, hk.Fingerprint)
	}
	line := KnownHostsLine([]string{"203.0.113.9", "wh-bastion", "203.0.113.9"}, hk.Public+" comment")
	if line != "203.0.113.9,wh-bastion "+hk.Public {
		t.Errorf("known_hosts line %q", line)
	}
	if !strings.HasPrefix(hk.PrivatePEM, "-----BEGIN OPENSSH PRIVATE KEY-----") {
		t.Error("the private key is not in OpenSSH's format")
	}
}

func TestSSHClientConfig(t *testing.T) {
	t.Parallel()
	conf := SSHClientConfig("wh-bastion", "203.0.113.9", []Target{
		{Tier: "compute", CIDR: "10.40.64.0/22"},
		{Tier: "kms", CIDR: "10.40.255.0/26"},
	})
	for _, want := range []string{
		"Host wh-bastion\n  HostName 203.0.113.9\n",
		"  UserKnownHostsFile ~/.ssh/known_hosts.d/health-wh-bastion\n  StrictHostKeyChecking yes\n",
		"Host 10.40.64.* 10.40.65.* 10.40.66.* 10.40.67.*\n  HostName 203.0.113.9\n  HostKeyAlias wh-bastion\n",
		"Host 10.40.255.*\n  HostName 203.0.113.9\n",
		"  ForwardAgent yes\n  RequestTTY force\n  RemoteCommand ssh -tt -- %n\n",
		"#   ssh-add -H ~/.ssh/known_hosts.d/health-wh-bastion -H ~/.ssh/known_hosts.d/health-wh-bastion-tiers " +
			"-h wh-bastion -h \"wh-bastion><address>\" <your key file>\n",
	} {
		if !strings.Contains(conf, want) {
			t.Errorf("ssh_config lacks %q:\n%s", want, conf)
		}
	}
	// Nothing jumps: the bastion refuses it, and a jump is not recorded.
	if strings.Contains(conf, "ProxyJump") || strings.Contains(conf, "ProxyCommand") {
		t.Errorf("ssh_config still jumps through the bastion:\n%s", conf)
	}
	// The bastion's own block forwards no agent: a plain session needs none.
	bastionBlock, _, _ := strings.Cut(conf, "\n\n")
	if !strings.Contains(bastionBlock, "ForwardAgent no") {
		t.Errorf("the bastion's block forwards the agent:\n%s", bastionBlock)
	}
}

func TestSpecHasNoSecret(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, MFATOTP)
	cfg.AuditBucket = &AuditBucket{Endpoint: "https://x", Bucket: "b", AccessKeyID: "id", SecretAccessKey: "the-secret"}
	raw, _ := json.Marshal(specOf(cfg))
	if strings.Contains(string(raw), "the-secret") || strings.Contains(string(raw), "PRIVATE") {
		t.Errorf("spec: %s", raw)
	}
}

// Checked accessors of a decoded YAML document.

func list(t *testing.T, v any) []any {
	t.Helper()
	l, ok := v.([]any)
	if !ok {
		t.Fatalf("%v is not a list", v)
	}
	return l
}

func object(t *testing.T, v any) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%v is not a mapping", v)
	}
	return m
}

func text(t *testing.T, v any) string {
	t.Helper()
	s, ok := v.(string)
	if !ok {
		t.Fatalf("%v is not a string", v)
	}
	return s
}

// A package mirror replaces the image's apt sources in cloud-init's apt
// module, is recorded in the spec file, and is where the first boot
// downloads from; the-bastion mode downloads from GitHub too.
func TestRender_packageMirror(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, MFATOTP)
	mirror, ok := DefaultPackageMirror("debian-12")
	if !ok || mirror.Primary != "http://deb.debian.org/debian" {
		t.Fatalf("DefaultPackageMirror(debian-12) = %+v, %v", mirror, ok)
	}
	if _, ok := DefaultPackageMirror("ami-12345678"); ok {
		t.Error("an image id has a default mirror")
	}
	cfg.PackageMirror = &PackageMirror{Primary: "https://mirror.example.org/debian", Security: "https://mirror.example.org/debian-security"}
	raw, err := Render(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"apt:\n    primary:\n        - arches:\n            - default\n          uri: https://mirror.example.org/debian\n",
		"    security:\n        - arches:\n            - default\n          uri: https://mirror.example.org/debian-security\n"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("the user-data lacks\n%s\n%s", want, raw)
		}
	}
	rec, err := Recover(raw)
	if err != nil || rec.Spec.PackageMirror == nil || *rec.Spec.PackageMirror != *cfg.PackageMirror {
		t.Fatalf("the spec file records %+v (%v)", rec.Spec.PackageMirror, err)
	}
	var got []string
	for _, d := range Downloads(cfg) {
		got = append(got, d.String())
	}
	if want := []string{"mirror.example.org:443 (package_mirror.primary)", "mirror.example.org:443 (package_mirror.security)"}; !slices.Equal(got, want) {
		t.Errorf("Downloads = %v, want %v", got, want)
	}
	cfg.Mode, cfg.PackageMirror = ModeTheBastion, nil
	if d := Downloads(cfg); len(d) != 1 || d[0].String() != "github.com:443 (mode)" {
		t.Errorf("the-bastion mode downloads from %v", d)
	}
	without, err := Render(testConfig(t, MFATOTP))
	if err != nil || strings.Contains(string(without), "\napt:") {
		t.Errorf("without a mirror the image's sources stay: %v\n%s", err, without)
	}
	for _, bad := range []string{"ftp://mirror/debian", "http://user:pw@mirror/debian", "http:///debian", "http://mirror/debian?x=1"} {
		if CheckMirrorURL(bad) == nil {
			t.Errorf("CheckMirrorURL(%q) accepts it", bad)
		}
	}
}
