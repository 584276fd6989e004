package keymanager

import (
	"fmt"
	"strings"

	"github.com/sovhealth/terraform-provider-health/internal/bastion"
)

// The host around OpenBao: firewall, SSH server, auditd, kernel settings,
// security updates. The bastion's choices are reused where they fit (its
// SSH cryptography, journald, audit plumbing, apt settings); what differs
// is said where it does.

// NftablesConfig renders the host firewall. Inbound: what the network's
// rules admit into the kms tier (the key manager's API from compute, SSH
// from the bastion; on OUTSCALE the security groups hold the same rules),
// and the cluster's servers to each other on the API and cluster ports.
// Outbound: the other servers, DNS, NTP; only root may reach the web ports
// (security updates, OpenBao's release at first boot) and the metadata
// service, which serves the user-data and so the server's private keys.
// OpenBao itself, which runs as openbao, reaches nothing but its peers.
func NftablesConfig(cfg Config) string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	peers := make([]string, 0, len(cfg.Peers))
	for _, p := range cfg.Peers {
		peers = append(peers, p.IP)
	}
	peerSet := "{ " + strings.Join(peers, ", ") + " }"
	ports := fmt.Sprintf("%d-%d", PortAPI, PortCluster)

	line("#!/usr/sbin/nft -f")
	line("# Host firewall of the key manager server %s (%s), written at first boot by", cfg.Node.Name, cfg.Cluster)
	line("# terraform-provider-health from the network's rules. Loaded atomically: a")
	line("# syntax error leaves the previous rule set in place.")
	line("")
	line("flush ruleset")
	line("")
	line("table inet health_kms {")
	line("\tchain input {")
	line("\t\ttype filter hook input priority filter; policy drop;")
	line("\t\tiif \"lo\" accept")
	line("\t\tct state established,related accept")
	line("\t\tct state invalid drop")
	line("\t\tudp sport 67 udp dport 68 accept comment \"DHCP leases\"")
	line("\t\tip protocol icmp icmp type { destination-unreachable, time-exceeded, parameter-problem } accept")
	line("\t\tip protocol icmp icmp type echo-request limit rate 5/second accept")
	line("\t\tip saddr %s tcp dport %s accept comment \"the cluster's servers: API and Raft\"", peerSet, ports)
	for _, r := range cfg.Inbound {
		line("\t\t%s comment %q", nftAccept(r.Source, r.Protocol, r.FromPort, r.ToPort), nftComment(r.Purpose))
	}
	line("\t\tlimit rate 10/minute log prefix \"kms-in-drop \" level info")
	line("\t}")
	line("")
	line("\tchain forward {")
	line("\t\ttype filter hook forward priority filter; policy drop;")
	line("\t}")
	line("")
	line("\tchain output {")
	line("\t\ttype filter hook output priority filter; policy drop;")
	line("\t\toif \"lo\" accept")
	line("\t\tct state established,related accept")
	line("\t\tudp dport 53 accept comment \"DNS\"")
	line("\t\ttcp dport 53 accept comment \"DNS\"")
	line("\t\tudp dport 123 accept comment \"NTP\"")
	line("\t\tudp sport 68 udp dport 67 accept comment \"DHCP leases\"")
	line("\t\tip protocol icmp accept")
	line("\t\tip daddr %s tcp dport %s accept comment \"the cluster's servers: API and Raft\"", peerSet, ports)
	line("\t\t# The metadata service hands out the user-data, private keys included: root (cloud-init) only.")
	line("\t\tip daddr %s meta skuid 0 accept", bastion.MetadataAddress)
	line("\t\tip daddr %s counter drop", bastion.MetadataAddress)
	line("\t\t# Security updates and OpenBao's release at first boot: root only, never OpenBao.")
	line("\t\tmeta skuid 0 tcp dport { 80, 443 } accept")
	line("\t\tlimit rate 10/minute log prefix \"kms-out-drop \" level info")
	line("\t}")
	line("}")
	return b.String()
}

// nftAccept writes one inbound accept rule.
func nftAccept(cidr, protocol string, from, to int) string {
	parts := []string{"ip saddr " + cidr}
	switch protocol {
	case "tcp", "udp":
		if from < 0 {
			parts = append(parts, "meta l4proto "+protocol)
		} else if to > from {
			parts = append(parts, fmt.Sprintf("%s dport %d-%d", protocol, from, to))
		} else {
			parts = append(parts, fmt.Sprintf("%s dport %d", protocol, from))
		}
	case "icmp":
		parts = append(parts, "ip protocol icmp")
	}
	return strings.Join(append(parts, "accept"), " ")
}

// nftComment keeps a comment within what nft accepts.
func nftComment(s string) string {
	s = strings.ReplaceAll(s, `"`, "'")
	if len(s) > 120 {
		s = s[:120]
	}
	return s
}

// SSHDConfig renders /etc/ssh/sshd_config: the bastion's cryptography
// (ANSSI's OpenSSH note, see internal/bastion), keys only, and no login at
// all unless someone is put in GroupOperators, which the provider never
// does: the servers are operated through OpenBao's API. No forwarding of
// any kind: a key manager is no hop.
func SSHDConfig(cfg Config) string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	list := func(items []string) string { return strings.Join(items, ",") }
	line("# %s — SSH server of the key manager server %s.", PathSSHDConfig, cfg.Node.Name)
	line("# Written at first boot by terraform-provider-health. Do not edit.")
	line("")
	line("Port 22")
	line("AddressFamily inet")
	line("HostKey %s", bastion.PathHostKey)
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
	line("# Keys only, members of %s only (the provider puts nobody there), never root.", GroupOperators)
	line("LoginGraceTime 30s")
	line("PermitRootLogin no")
	line("StrictModes yes")
	line("MaxAuthTries 3")
	line("MaxSessions 2")
	line("MaxStartups 10:30:60")
	line("PubkeyAuthentication yes")
	line("PubkeyAcceptedAlgorithms %s", list(bastion.PubkeyAlgorithms))
	line("AuthorizedKeysFile %s/%%u", bastion.PathAuthorizedKeys)
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
	line("AllowGroups %s", GroupOperators)
	line("")
	line("# No forwarding of any kind.")
	line("AllowTcpForwarding no")
	line("AllowAgentForwarding no")
	line("AllowStreamLocalForwarding no")
	line("PermitOpen none")
	line("PermitListen none")
	line("GatewayPorts no")
	line("PermitTunnel no")
	line("X11Forwarding no")
	line("PermitUserEnvironment no")
	line("PermitUserRC no")
	line("")
	line("ClientAliveInterval 60")
	line("ClientAliveCountMax 3")
	line("TCPKeepAlive no")
	line("Compression no")
	line("UseDNS no")
	line("PrintMotd no")
	line("Banner %s", PathBanner)
	line("VersionAddendum none")
	line("# No Subsystem line: no SFTP.")
	return b.String()
}

// BannerText is shown before authentication.
func BannerText(cfg Config) string {
	return fmt.Sprintf("Key manager server %s of the warehouse key manager %s. Authorised operators only.\n"+
		"Every connection is logged.\n", cfg.Node.Name, cfg.Cluster)
}

// AuditRules are auditd's rules: changes to what decides how OpenBao runs
// and who may log in, attempts to read another process's memory (where
// OpenBao holds the keys once unsealed), and every command a logged-in
// user runs.
func AuditRules() string {
	return `## Written at first boot by terraform-provider-health.
## What OpenBao runs with.
-w /etc/health-kms/ -p wa -k kms-config
-w ` + PathUnit + ` -p wa -k kms-config
-w /usr/bin/bao -p wa -k kms-binary
-w ` + PathRaft + `/ -p a -k kms-storage
-w ` + PathAuditLogDir + `/ -p a -k kms-audit-log
## Who may log in, and how.
-w /etc/ssh/ -p wa -k kms-sshd
-w /etc/pam.d/ -p wa -k kms-pam
-w /etc/passwd -p wa -k kms-identity
-w /etc/group -p wa -k kms-identity
-w /etc/shadow -p wa -k kms-identity
-w /etc/gshadow -p wa -k kms-identity
-w /etc/sudoers -p wa -k kms-privilege
-w /etc/sudoers.d/ -p wa -k kms-privilege
## The firewall and the audit trail.
-w ` + PathNftables + ` -p wa -k kms-firewall
-w /etc/audit/ -p wa -k kms-audit
-w /var/log/journal/ -p wa -k kms-audit
## Reading another process's memory.
-a always,exit -F arch=b64 -S ptrace,process_vm_readv,process_vm_writev -k kms-memory
-a always,exit -F arch=b32 -S ptrace,process_vm_readv,process_vm_writev -k kms-memory
## What logged-in users run.
-a always,exit -F arch=b64 -S execve,execveat -F auid>=1000 -F auid!=4294967295 -k kms-exec
-a always,exit -F arch=b32 -S execve,execveat -F auid>=1000 -F auid!=4294967295 -k kms-exec
`
}

// Sysctl keeps the keys OpenBao holds in memory from leaving it: no core
// dumps, no ptrace but by root's own tools, no kernel pointers to help an
// exploit.
func Sysctl() string {
	return `# Written at first boot by terraform-provider-health.
kernel.core_pattern = |/bin/false
fs.suid_dumpable = 0
kernel.yama.ptrace_scope = 2
kernel.kptr_restrict = 2
kernel.dmesg_restrict = 1
`
}

// UnattendedUpgrades installs security updates every day, like the
// bastion's, but never reboots: a reboot seals OpenBao, and unsealing it
// takes the key holders. Kernel updates wait for a reboot the operators
// plan, one server at a time.
func UnattendedUpgrades() string {
	return `// Written at first boot by terraform-provider-health.
// No automatic reboot: a reboot seals OpenBao until its key holders unseal it.
Unattended-Upgrade::Origins-Pattern {
        "origin=Debian,codename=${distro_codename}-security,label=Debian-Security";
        "origin=Debian,codename=${distro_codename},label=Debian";
        "origin=Ubuntu,archive=${distro_codename}-security";
};
Unattended-Upgrade::Package-Blacklist {
        "openbao";
        "bao";
};
Unattended-Upgrade::Remove-Unused-Dependencies "true";
Unattended-Upgrade::Automatic-Reboot "false";
Unattended-Upgrade::SyslogEnable "true";
`
}
