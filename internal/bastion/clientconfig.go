package bastion

import (
	"fmt"
	"net/netip"
	"strings"
)

// KnownHostsFile is where the administrator's guide tells to keep the
// pinned host key of a bastion (ssh_config's UserKnownHostsFile).
func KnownHostsFile(name string) string { return "~/.ssh/known_hosts.d/health-" + name }

// SSHClientConfig renders a ready ssh_config for an administrator: a Host
// block for the bastion, pinned to its known_hosts file with strict
// checking, and one block per reachable tier that jumps through it.
func SSHClientConfig(name, publicIP string, targets []Target) string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	line("# Warehouse bastion %s. Save the known_hosts line in %s first.", name, KnownHostsFile(name))
	line("Host %s", name)
	line("  HostName %s", publicIP)
	line("  # User <your login on the bastion>")
	line("  UserKnownHostsFile %s", KnownHostsFile(name))
	line("  StrictHostKeyChecking yes")
	line("  HostKeyAlgorithms ssh-ed25519")
	line("  IdentitiesOnly yes")
	line("  ForwardAgent no")
	line("  ForwardX11 no")
	line("  ServerAliveInterval 60")
	for _, t := range targets {
		line("")
		line("# The %s tier (%s), through the bastion.", t.Tier, t.CIDR)
		line("Host %s", strings.Join(hostPatterns(t.CIDR), " "))
		line("  ProxyJump %s", name)
	}
	return b.String()
}

// hostPatterns covers a block with ssh_config host patterns, one per /24
// (patterns cannot express shorter masks). A block smaller than a /24 is
// covered by its /24: a jump to an address outside the tier is refused by
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
