package bastion

import (
	"fmt"
	"strings"
)

// How administrators reach the tiers' hosts (Spec.TierAccess).
const (
	// TierAccessRecordedHop: the bastion forwards nothing; the way to a
	// tier host is a session on the bastion, recorded like any other,
	// that runs ssh to the target with the administrator's agent,
	// forwarded and restricted by destination (ssh-add -h).
	TierAccessRecordedHop = "recorded-hop"
	// TierAccessProxyJump: ssh -J through the bastion, whose forwarded
	// connections no recording sees. Bastions rendered before the recorded
	// hop have it (their spec file says nothing).
	TierAccessProxyJump = "proxy-jump"
	// TierAccessTheBastion: The Bastion opens the connections to the
	// targets itself and records them with ovh-ttyrec.
	TierAccessTheBastion = "the-bastion"
)

// TierAccess is how a bastion of the given mode is reached through.
func TierAccess(mode string) string {
	if mode == ModeTheBastion {
		return TierAccessTheBastion
	}
	return TierAccessRecordedHop
}

// PathSSHClientConfig is the bastion's own ssh client configuration, which
// the recorded hop's ssh reads.
const PathSSHClientConfig = "/etc/ssh/ssh_config"

// HopClientConfig renders the bastion's /etc/ssh/ssh_config: how the ssh
// that a recorded session runs to a tier host behaves. Like sshd_config it
// is a whole file, without Include.
//
// Host keys of the targets: the provider does not make the tier hosts and
// knows none of their keys. The first connection to a host adds its key to
// the administrator's own known_hosts on the bastion (accept-new: the line
// "Permanently added" is in the recording), and a changed key is refused
// from then on. Trust does not rest on that file: the administrator's
// agent, restricted with ssh-add -h to "bastion>target" for targets whose
// host keys the administrator pinned on their own machine, signs for no
// other host key, so an impostor (or a root on the bastion) gets no
// signature out of it.
func HopClientConfig(name string) string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	list := func(items []string) string { return strings.Join(items, ",") }
	line("# %s — the ssh client of the warehouse bastion %s: the recorded", PathSSHClientConfig, name)
	line("# sessions run it to reach the tiers' hosts. Written at first boot by")
	line("# terraform-provider-health. Do not edit: change the health_warehouse_bastion")
	line("# resource, which replaces the bastion.")
	line("")
	line("Host *")
	line("    # Targets' host keys: trusted on first use into your own known_hosts here,")
	line("    # in the recording; a changed key is refused. Your agent, restricted with")
	line("    # ssh-add -h to the host keys you pinned at home, signs for no other host.")
	line("    StrictHostKeyChecking accept-new")
	line("    UserKnownHostsFile ~/.ssh/known_hosts")
	line("    HashKnownHosts no")
	line("    CheckHostIP no")
	line("    UpdateHostKeys no")
	line("    VerifyHostKeyDNS no")
	line("    # Keys only (from the forwarded agent); nothing typed goes unrecorded.")
	line("    PreferredAuthentications publickey")
	line("    PasswordAuthentication no")
	line("    KbdInteractiveAuthentication no")
	line("    # This hop forwards nothing further: what the target shows, the recording sees.")
	line("    ForwardAgent no")
	line("    ForwardX11 no")
	line("    ClearAllForwardings yes")
	line("    Tunnel no")
	line("    PermitLocalCommand no")
	line("    KexAlgorithms %s", list(KexAlgorithms))
	line("    Ciphers %s", list(Ciphers))
	line("    MACs %s", list(MACs))
	line("    ServerAliveInterval 60")
	return b.String()
}

// OpenForwarding lists the settings of an sshd_config, outside Match
// blocks, that let a connection through the bastion without a session on
// it, hence without a recording: TCP forwarding (ssh -J, -W, -L, -R, -D),
// Unix sockets, tunnels, X11. Empty: every way through is a session.
func OpenForwarding(sshdConfig string) []string {
	_, open := ForwardingSettings(sshdConfig)
	return open
}

// ForwardingSettings reads the forwarding settings of an sshd_config
// outside Match blocks, absent directives counting with sshd's defaults,
// and says which of them are open. Agent forwarding is not a way through:
// it carries signatures, not the target's traffic.
func ForwardingSettings(sshdConfig string) (settings, open []string) {
	values := map[string]string{}
	for _, l := range strings.Split(sshdConfig, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		key, value, _ := strings.Cut(l, " ")
		key = strings.ToLower(key)
		if key == "match" {
			break
		}
		if _, set := values[key]; !set { // sshd keeps the first value
			values[key] = strings.ToLower(strings.TrimSpace(value))
		}
	}
	if values["disableforwarding"] == "yes" {
		return []string{"DisableForwarding yes"}, nil
	}
	for _, d := range []struct{ name, deflt string }{
		{"AllowTcpForwarding", "yes"},
		{"AllowStreamLocalForwarding", "yes"},
		{"PermitTunnel", "no"},
		{"X11Forwarding", "no"},
	} {
		v, set := values[strings.ToLower(d.name)]
		if !set {
			v = d.deflt
		}
		settings = append(settings, d.name+" "+v)
		if v != "no" {
			open = append(open, d.name+" "+v)
		}
	}
	return settings, open
}
