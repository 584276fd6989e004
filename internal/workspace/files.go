package workspace

import (
	"fmt"
	"strings"

	"github.com/sovhealth/terraform-provider-health/internal/bastion"
)

// Paths on the machine.
const (
	PathDir          = "/etc/health-workspace"
	PathSpec         = PathDir + "/workspace.json"
	PathS3Env        = PathDir + "/s3.env" // the identity's secret: root, and the members' group, may read it
	PathRcloneConfig = PathDir + "/rclone.conf"
	PathAWSConfig    = PathDir + "/aws-config"
	PathProfile      = "/etc/profile.d/health-workspace.sh"
	PathMotd         = "/etc/motd"
	PathBanner       = "/etc/issue.net"
	PathSSHDConfig   = bastion.PathSSHDConfig
	PathHostKey      = bastion.PathHostKey
	// PathAuthorizedKeys holds one root-owned file per member: nobody adds
	// a key of their own.
	PathAuthorizedKeys = bastion.PathAuthorizedKeys
	PathNftables       = bastion.PathNftables
	PathAuditRules     = "/etc/audit/rules.d/90-health-workspace.rules"
	PathJournald       = "/etc/systemd/journald.conf.d/90-health-workspace.conf"
	PathSysctl         = "/etc/sysctl.d/90-health-workspace.conf"
	PathUnattended     = "/etc/apt/apt.conf.d/52health-workspace-unattended-upgrades"
	// PathShared is a directory every member may write, and nobody else.
	PathShared = "/srv/workspace"
)

// S3Env is the workspace identity's key, as the members' shells load it
// (PathProfile): rclone (env_auth) and aws-cli read AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY; a data gateway with a key of its own gets rclone's
// RCLONE_CONFIG_<REMOTE>_… overrides. Root's, readable by GroupMembers.
func S3Env(cfg Config) string {
	quote := func(s string) string { return "'" + s + "'" } // Check keeps quotes out of every value
	lines := []string{
		"# " + PathS3Env + " — the object storage key of the workspace " + cfg.Workspace + ".",
		"# Written at first boot by terraform-provider-health. Readable by the " + GroupMembers + " group only:",
		"# never copy it elsewhere, never put it on a command line.",
		"AWS_ACCESS_KEY_ID=" + quote(cfg.ObjectStorage.AccessKeyID),
		"AWS_SECRET_ACCESS_KEY=" + quote(cfg.ObjectStorage.SecretAccessKey),
	}
	for i, g := range cfg.DataGateways {
		if g.AccessKeyID == "" {
			continue
		}
		prefix := "RCLONE_CONFIG_" + strings.ToUpper(gatewayRemote(i)) + "_"
		lines = append(lines, prefix+"ACCESS_KEY_ID="+quote(g.AccessKeyID), prefix+"SECRET_ACCESS_KEY="+quote(g.SecretAccessKey))
	}
	return strings.Join(append(lines, ""), "\n")
}

// gatewayRemote is the rclone remote of the i-th data gateway.
func gatewayRemote(i int) string { return fmt.Sprintf("gateway%d", i+1) }

// gatewayOf is the index of the gateway serving bucket, or -1.
func gatewayOf(cfg Config, bucket string) int {
	for i, g := range cfg.DataGateways {
		if g.Bucket == bucket {
			return i
		}
	}
	return -1
}

// RcloneConfig names the workspace's buckets for rclone: `rclone ls
// working:`, `rclone copy results/ export:`, `rclone ls <dataset>:`. It
// holds no secret (env_auth: the key comes from the members' environment).
// Datasets whose bucket is served by a data gateway are read through it.
func RcloneConfig(cfg Config) string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	line("# %s — the workspace %s's buckets, for rclone.", PathRcloneConfig, cfg.Workspace)
	line("# Written at first boot by terraform-provider-health. No secret here: the key")
	line("# comes from your environment (%s, loaded at login).", PathS3Env)
	s3 := func(name, endpoint, comment string, envAuth bool) {
		line("")
		line("# %s", comment)
		line("[%s]", name)
		line("type = s3")
		line("provider = Other")
		line("env_auth = %t", envAuth)
		line("endpoint = %s", strings.TrimSuffix(endpoint, "/"))
		line("region = %s", cfg.ObjectStorage.Region)
		line("force_path_style = true")
		line("no_check_bucket = true")
	}
	alias := func(name, remote, comment string) {
		line("")
		line("# %s", comment)
		line("[%s]", name)
		line("type = alias")
		line("remote = %s", remote)
	}
	s3("store", cfg.ObjectStorage.Endpoint, "The object store, with the workspace's key.", true)
	for i, g := range cfg.DataGateways {
		s3(gatewayRemote(i), g.Endpoint, "The data gateway of "+g.Bucket+" (objects under the customer's key).", g.AccessKeyID == "")
	}
	bk := cfg.Buckets
	alias("working", remoteOf(cfg, bk.Working), "Your working files: read and write.")
	if bk.Import != "" {
		alias("import", remoteOf(cfg, bk.Import), "What the airlock brought in: read only.")
	}
	if bk.Export != "" {
		alias("export", remoteOf(cfg, bk.Export), "What asks to leave: write here, a reviewer approves it out.")
	}
	for i, d := range bk.Datasets {
		alias(datasetRemote(i, d), remoteOf(cfg, d.Bucket)+"/"+d.Prefix, "Dataset s3://"+d.Bucket+"/"+d.Prefix+": read only.")
	}
	return b.String()
}

// remoteOf is where rclone finds bucket: through the data gateway serving
// it, if one does (objects under the customer's key), else the store.
func remoteOf(cfg Config, bucket string) string {
	if g := gatewayOf(cfg, bucket); g >= 0 {
		return gatewayRemote(g) + ":" + bucket
	}
	return "store:" + bucket
}

// AWSConfig is aws-cli's configuration: the store's endpoint and region,
// path-style addressing. endpoint_url in a profile is read by aws-cli 2.13
// and 1.29 or later; older ones need --endpoint-url (the motd says so).
func AWSConfig(cfg Config) string {
	return "# " + PathAWSConfig + " — written at first boot by terraform-provider-health. No secret here.\n" +
		"[default]\n" +
		"region = " + cfg.ObjectStorage.Region + "\n" +
		"endpoint_url = " + strings.TrimSuffix(cfg.ObjectStorage.Endpoint, "/") + "\n" +
		"s3 =\n" +
		"  addressing_style = path\n"
}

// Profile loads the identity and the tools' configuration into members'
// login shells.
func Profile(cfg Config) string {
	return `# ` + PathProfile + ` — written at first boot by terraform-provider-health.
# The workspace's object storage key and where rclone and aws-cli find the buckets.
if [ -r ` + PathS3Env + ` ]; then
  set -a
  . ` + PathS3Env + `
  set +a
fi
export RCLONE_CONFIG=` + PathRcloneConfig + `
export AWS_CONFIG_FILE=` + PathAWSConfig + `
export AWS_ENDPOINT_URL=` + strings.TrimSuffix(cfg.ObjectStorage.Endpoint, "/") + `
`
}

// Motd is shown at each login: the data rules, and the buckets.
func Motd(cfg Config) string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	bk := cfg.Buckets
	// No blank first line: YAML emitters mangle block scalars that start with one.
	line("Research workspace %s, machine %s.", cfg.Workspace, cfg.Name)
	line("")
	line("Data rules:")
	line("  * The data here is pseudonymised health data, for this project's approved purpose only.")
	line("  * Nothing leaves this workspace but through the airlock: write what should leave to")
	if bk.Export != "" {
		line("    export: (s3://%s); a reviewer approves it before it reaches the results.", bk.Export)
	} else {
		line("    the export bucket; this workspace has none: nothing may leave.")
	}
	line("  * Never copy data to your own machine, a terminal, or another workspace; never try to")
	line("    re-identify anyone. Every login and every command is logged.")
	line("")
	line("Your buckets, as rclone remotes (rclone ls working:) and for aws-cli (aws s3 ls s3://<bucket>/;")
	line("before aws-cli 2.13, add --endpoint-url \"$AWS_ENDPOINT_URL\"):")
	behind := func(bucket string) string {
		if gatewayOf(cfg, bucket) >= 0 {
			return ", through its data gateway (rclone only)"
		}
		return ""
	}
	line("  working:  s3://%s  read and write%s", bk.Working, behind(bk.Working))
	if bk.Import != "" {
		line("  import:   s3://%s  read only%s", bk.Import, behind(bk.Import))
	}
	if bk.Export != "" {
		line("  export:   s3://%s  write only what should leave%s", bk.Export, behind(bk.Export))
	}
	for i, d := range bk.Datasets {
		line("  %s:  s3://%s/%s  read only%s", datasetRemote(i, d), d.Bucket, d.Prefix, behind(d.Bucket))
	}
	if len(cfg.DataGateways) > 0 {
		line("A bucket behind a data gateway holds objects under the customer's key: reach it with")
		line("rclone, which goes through the gateway; aws-cli reaches the store directly, without the key.")
	}
	line("")
	line("Shared files: %s. The machine may reboot at 03:30 for a security update when", PathShared)
	line("nobody is logged in: keep results in working:, not on this disk alone.")
	return b.String()
}

// BannerText is shown before authentication.
func BannerText(cfg Config) string {
	return fmt.Sprintf("Research workspace %s (%s). Members of the project only.\n"+
		"Every connection is logged.\n", cfg.Workspace, cfg.Name)
}

// SSHDConfig renders /etc/ssh/sshd_config: the bastion's cryptography
// (ANSSI's OpenSSH note, see internal/bastion), keys only from root-owned
// files, the members' group only, never root, no forwarding of any kind,
// no SFTP. It is a whole file, without Include: nothing dropped into
// sshd_config.d can loosen it.
func SSHDConfig(cfg Config) string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	list := func(items []string) string { return strings.Join(items, ",") }
	line("# %s — SSH server of the research workspace %s (%s).", PathSSHDConfig, cfg.Workspace, cfg.Name)
	line("# Written at first boot by terraform-provider-health. Do not edit.")
	line("")
	line("Port 22")
	line("AddressFamily inet")
	line("HostKey %s", PathHostKey)
	line("HostKeyAlgorithms ssh-ed25519")
	line("")
	line("# Cryptography: the bastion's (ANSSI DAT-NT-007, see the provider's documentation).")
	line("KexAlgorithms %s", list(bastion.KexAlgorithms))
	line("Ciphers %s", list(bastion.Ciphers))
	line("MACs %s", list(bastion.MACs))
	line("RekeyLimit 1G 1h")
	line("")
	line("SyslogFacility AUTH")
	line("LogLevel VERBOSE")
	line("")
	line("# Keys only, from root-owned files; the members only; never root.")
	line("LoginGraceTime 30s")
	line("PermitRootLogin no")
	line("StrictModes yes")
	line("MaxAuthTries 3")
	line("MaxSessions 4")
	line("MaxStartups 10:30:60")
	line("PubkeyAuthentication yes")
	line("PubkeyAcceptedAlgorithms %s", list(bastion.PubkeyAlgorithms))
	line("AuthorizedKeysFile %s/%%u", PathAuthorizedKeys)
	line("AuthorizedKeysCommand none")
	line("AuthorizedPrincipalsFile none")
	line("HostbasedAuthentication no")
	line("IgnoreRhosts yes")
	line("PasswordAuthentication no")
	line("PermitEmptyPasswords no")
	line("KbdInteractiveAuthentication no")
	line("KerberosAuthentication no")
	line("GSSAPIAuthentication no")
	line("UsePAM yes")
	line("AuthenticationMethods publickey")
	line("AllowGroups %s", GroupMembers)
	line("")
	line("# No forwarding of any kind: data leaves through the airlock only.")
	line("DisableForwarding yes")
	line("AllowTcpForwarding no")
	line("AllowAgentForwarding no")
	line("AllowStreamLocalForwarding no")
	line("PermitOpen none")
	line("PermitListen none")
	line("GatewayPorts no")
	line("PermitTunnel no")
	line("X11Forwarding no")
	line("PermitTTY yes")
	line("PermitUserEnvironment no")
	line("PermitUserRC no")
	line("")
	line("ClientAliveInterval 60")
	line("ClientAliveCountMax 3")
	line("TCPKeepAlive no")
	line("Compression no")
	line("UseDNS no")
	line("# PAM's pam_motd shows %s (the data rules).", PathMotd)
	line("PrintMotd no")
	line("PrintLastLog yes")
	line("Banner %s", PathBanner)
	line("VersionAddendum none")
	line("# No Subsystem line: no SFTP, no scp; files leave through the export bucket only.")
	return b.String()
}

// NftablesConfig is the host firewall. Inbound: SSH from the bastion tier,
// nothing else (the workspace's security group says the same, defence in
// depth). Outbound is left to the security groups (the workspace's group
// holds the compute tier's outbound rules: object storage, the data and
// kms tiers, the package mirror), but for the metadata service, which
// serves the user-data and so the identity's secret: root (cloud-init)
// only, never a member.
func NftablesConfig(cfg Config) string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	line("#!/usr/sbin/nft -f")
	line("# Host firewall of the research workspace %s (%s), written at first boot by", cfg.Workspace, cfg.Name)
	line("# terraform-provider-health. Loaded atomically: a syntax error leaves the")
	line("# previous rule set in place.")
	line("")
	line("flush ruleset")
	line("")
	line("table inet health_workspace {")
	line("\tchain input {")
	line("\t\ttype filter hook input priority filter; policy drop;")
	line("\t\tiif \"lo\" accept")
	line("\t\tct state established,related accept")
	line("\t\tct state invalid drop")
	line("\t\tudp sport 67 udp dport 68 accept comment \"DHCP leases\"")
	line("\t\tip protocol icmp icmp type { destination-unreachable, time-exceeded, parameter-problem } accept")
	line("\t\tip saddr %s tcp dport 22 accept comment \"SSH from the bastion tier\"", cfg.BastionCIDR)
	line("\t\tlimit rate 10/minute log prefix \"workspace-in-drop \" level info")
	line("\t}")
	line("")
	line("\tchain forward {")
	line("\t\ttype filter hook forward priority filter; policy drop;")
	line("\t}")
	line("")
	line("\tchain output {")
	line("\t\t# Outbound traffic is filtered by the workspace's security group (object")
	line("\t\t# storage, the data and kms tiers, the package mirror), not here.")
	line("\t\ttype filter hook output priority filter; policy accept;")
	line("\t\t# The metadata service hands out the user-data, the workspace's key included:")
	line("\t\t# root (cloud-init) only.")
	line("\t\tip daddr %s meta skuid 0 accept", bastion.MetadataAddress)
	line("\t\tip daddr %s counter drop", bastion.MetadataAddress)
	line("\t}")
	line("}")
	return b.String()
}

// AuditRules are auditd's rules: who may log in, the firewall and the
// identity's file, and every command a member runs.
func AuditRules() string {
	return `## Written at first boot by terraform-provider-health.
## Who may log in, and how.
-w /etc/ssh/ -p wa -k workspace-sshd
-w /etc/pam.d/ -p wa -k workspace-pam
-w /etc/passwd -p wa -k workspace-identity
-w /etc/group -p wa -k workspace-identity
-w /etc/shadow -p wa -k workspace-identity
-w /etc/gshadow -p wa -k workspace-identity
-w /etc/sudoers -p wa -k workspace-privilege
-w /etc/sudoers.d/ -p wa -k workspace-privilege
## The firewall, the workspace's key and the audit trail.
-w ` + PathNftables + ` -p wa -k workspace-firewall
-w ` + PathDir + `/ -p rwa -k workspace-key
-w /etc/audit/ -p wa -k workspace-audit
-w /var/log/journal/ -p wa -k workspace-audit
## What members run.
-a always,exit -F arch=b64 -S execve,execveat -F auid>=1000 -F auid!=4294967295 -k workspace-exec
-a always,exit -F arch=b32 -S execve,execveat -F auid>=1000 -F auid!=4294967295 -k workspace-exec
`
}

// JournaldConfig keeps the journal on disk across reboots.
func JournaldConfig() string {
	return `# Written at first boot by terraform-provider-health.
[Journal]
Storage=persistent
Compress=yes
SystemMaxUse=2G
MaxRetentionSec=1year
`
}

// Sysctl hides the kernel's addresses and other users' processes' memory;
// members may still debug their own programs (ptrace_scope 1).
func Sysctl() string {
	return `# Written at first boot by terraform-provider-health.
fs.suid_dumpable = 0
kernel.yama.ptrace_scope = 1
kernel.kptr_restrict = 2
kernel.dmesg_restrict = 1
kernel.unprivileged_bpf_disabled = 1
`
}
