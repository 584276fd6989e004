package bastion

import (
	"fmt"
	"net/netip"
	"strings"
)

// KnownHostsFile is where the administrator's guide tells to keep the
// pinned host key of a bastion (ssh_config's UserKnownHostsFile).
func KnownHostsFile(name string) string { return "~/.ssh/known_hosts.d/health-" + name }

// TierKnownHostsFile is where the administrator's guide tells to keep the
// host keys of the tiers' hosts, pinned at home: ssh-add -h reads them to
// restrict the agent to those hosts.
func TierKnownHostsFile(name string) string { return "~/.ssh/known_hosts.d/health-" + name + "-tiers" }

// HopCommand is the command a recorded hop runs on the bastion: ssh to the
// host named on the administrator's command line (%n), with a terminal.
// sshd runs it through the login shell, tlog-rec-session -c, which records
// it as it records an interactive shell (tlog-rec-session(8); unverified on
// the images themselves: tlog is not run by the tests).
const HopCommand = "ssh -tt -- %n"

// AgentRestriction is the ssh-add command, run once per target (and again
// after each ssh-add -D or logout), that lets the agent forwarded to the
// bastion sign for the bastion and that target only.
func AgentRestriction(name, target string) string {
	return fmt.Sprintf("ssh-add -H %s -H %s -h %s -h \"%s>%s\" <your key file>",
		KnownHostsFile(name), TierKnownHostsFile(name), name, name, target)
}

// SSHClientConfig renders a ready ssh_config for an administrator: a Host
// block for the bastion, pinned to its known_hosts file with strict
// checking, and one block per reachable tier whose addresses go through a
// recorded hop: `ssh 10.0.1.5` opens a session on the bastion (recorded)
// that runs ssh to 10.0.1.5, with the administrator's agent forwarded.
// The bastion forwards nothing: ProxyJump (ssh -J), scp, sftp and port
// forwards through it are refused.
func SSHClientConfig(name, publicIP string, targets []Target) string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	common := func() {
		line("  UserKnownHostsFile %s", KnownHostsFile(name))
		line("  StrictHostKeyChecking yes")
		line("  HostKeyAlgorithms ssh-ed25519")
		line("  IdentitiesOnly yes")
		line("  ForwardX11 no")
		line("  ServerAliveInterval 60")
	}
	line("# Warehouse bastion %s. Save the known_hosts line in %s first.", name, KnownHostsFile(name))
	line("Host %s", name)
	line("  HostName %s", publicIP)
	line("  # User <your login on the bastion>")
	common()
	line("  ForwardAgent no")
	if len(targets) == 0 {
		return b.String()
	}
	line("")
	line("# The tiers' hosts, through a recorded hop: `ssh <address>` opens a session on")
	line("# the bastion, recorded, which runs `ssh <address>` there with your agent. The")
	line("# bastion forwards nothing: ssh -J, scp, sftp and port forwards are refused.")
	line("# Restrict your agent once per target (after ssh-add -D, again), with the")
	line("# target's host key pinned in %s:", TierKnownHostsFile(name))
	line("#   %s", AgentRestriction(name, "<address>"))
	for _, t := range targets {
		line("")
		line("# The %s tier (%s).", t.Tier, t.CIDR)
		line("Host %s", strings.Join(hostPatterns(t.CIDR), " "))
		line("  HostName %s", publicIP)
		line("  HostKeyAlias %s", name)
		line("  # User <your login on the bastion>")
		common()
		line("  ForwardAgent yes")
		line("  RequestTTY force")
		line("  RemoteCommand %s", HopCommand)
	}
	return b.String()
}

// hostPatterns covers a block with ssh_config host patterns, one per /24
// (patterns cannot express shorter masks). A block smaller than a /24 is
// covered by its /24: a hop to an address outside the tier is refused by
// the bastion's firewall anyway.
func hostPatterns(cidr string) []string {
	p, err := netip.ParsePrefix(cidr)
	if err != nil || !p.Addr().Is4() {
		return []string{cidr}
	}
	p = p.Masked()
	if p.Bits() >= 24 {
		a := p.Addr().As4()
		return []string{fmt.Sprintf("%d.%d.%d.*", a[0], a[1], a[2])}
	}
	if p.Bits() < 16 {
		a := p.Addr().As4()
		return []string{fmt.Sprintf("%d.*", a[0])}
	}
	var out []string
	a := p.Addr().As4()
	count := 1 << (24 - p.Bits())
	for i := 0; i < count; i++ {
		third := int(a[2]) + i
		out = append(out, fmt.Sprintf("%d.%d.%d.*", a[0], a[1], third))
	}
	return out
}
