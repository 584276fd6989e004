package bastion

import (
	"fmt"
	"strings"
)

// PathNftables is the host firewall's rule set, loaded by nftables.service.
const PathNftables = "/etc/nftables.conf"

// MetadataAddress is the clouds' instance metadata service, which serves the
// user-data (the host's private key among it) to any process on the VM
// that asks.
const MetadataAddress = "169.254.169.254"

// NftablesConfig renders the host firewall. Inbound, it admits what the
// network's rules admit into the bastion tier, repeating the tier's
// security group (OUTSCALE's, or OpenStack Neutron's on OVHcloud) as
// defence in depth. Outbound, the bastion may reach the allowed tiers on
// the ports their rules open to it, DNS and NTP; only root may reach the
// Internet's web ports (system updates, shipping the audit trail) and the
// metadata service. Everything else is dropped and logged.
func NftablesConfig(cfg Config) string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	line("#!/usr/sbin/nft -f")
	line("# Host firewall of the warehouse bastion %s, written at first boot by", cfg.Name)
	line("# terraform-provider-health from the network's rules. Loaded atomically: a")
	line("# syntax error leaves the previous rule set in place.")
	line("")
	line("flush ruleset")
	line("")
	line("table inet health_bastion {")
	line("\tchain input {")
	line("\t\ttype filter hook input priority filter; policy drop;")
	line("\t\tiif \"lo\" accept")
	line("\t\tct state established,related accept")
	line("\t\tct state invalid drop")
	line("\t\tudp sport 67 udp dport 68 accept comment \"DHCP leases\"")
	line("\t\tip protocol icmp icmp type { destination-unreachable, time-exceeded, parameter-problem } accept")
	line("\t\tip protocol icmp icmp type echo-request limit rate 5/second accept")
	for _, r := range cfg.Inbound {
		line("\t\t%s comment %q", nftMatch("saddr", r.Source, r.Protocol, r.FromPort, r.ToPort), nftComment(r.Purpose))
	}
	line("\t\tlimit rate 10/minute log prefix \"bastion-in-drop \" level info")
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
	line("\t\t# The metadata service hands out the user-data: root (cloud-init) only.")
	line("\t\tip daddr %s meta skuid 0 accept", MetadataAddress)
	line("\t\tip daddr %s counter drop", MetadataAddress)
	for _, t := range cfg.Targets {
		for _, p := range t.Ports {
			line("\t\t%s comment %q", nftMatch("daddr", t.CIDR, "tcp", p.From, p.To), nftComment("to the "+t.Tier+" tier"))
		}
	}
	line("\t\t# System updates and the audit trail's shipping run as root; administrators'")
	line("\t\t# sessions cannot reach the Internet from here.")
	line("\t\tmeta skuid 0 tcp dport { 80, 443 } accept")
	line("\t\tlimit rate 10/minute log prefix \"bastion-out-drop \" level info")
	line("\t}")
	line("}")
	return b.String()
}

// nftMatch writes one accept rule.
func nftMatch(direction, cidr, protocol string, from, to int) string {
	var parts []string
	parts = append(parts, "ip "+direction+" "+cidr)
	switch protocol {
	case "tcp", "udp":
		ports := fmt.Sprintf("%d", from)
		if to > from {
			ports = fmt.Sprintf("%d-%d", from, to)
		}
		if from < 0 {
			parts = append(parts, "meta l4proto "+protocol)
		} else {
			parts = append(parts, protocol+" dport "+ports)
		}
	case "icmp":
		parts = append(parts, "ip protocol icmp")
	}
	parts = append(parts, "accept")
	return strings.Join(parts, " ")
}

// nftComment keeps a comment within what nft accepts (128 characters, no
// double quotes).
func nftComment(s string) string {
	s = strings.ReplaceAll(s, `"`, "'")
	if len(s) > 120 {
		s = s[:120]
	}
	return s
}
