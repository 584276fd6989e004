package gateway

import (
	"fmt"
	"strings"

	"github.com/sovhealth/terraform-provider-health/internal/bastion"
)

// Paths on the gateway.
const (
	PathSpec        = "/etc/health-gateway/gateway.json"
	PathEnv         = "/etc/health-gateway/gateway.env" // settings, no secret
	PathCredentials = "/etc/health-gateway/credentials" // root-only; the unit loads them (LoadCredential=)
	PathTLSCert     = "/etc/health-gateway/tls/gateway.pem"
	PathKMSCA       = "/etc/health-gateway/tls/kms-ca.pem"
	PathInstall     = "/usr/local/sbin/health-gateway-install-rclone"
	PathStart       = "/usr/local/sbin/health-gateway-start"
	PathRclone      = "/usr/local/bin/rclone"
	PathUnit        = "/etc/systemd/system/health-gateway.service"
	PathRenewUnit   = "/etc/systemd/system/health-gateway-token-renew.service"
	PathRenewTimer  = "/etc/systemd/system/health-gateway-token-renew.timer"
	PathSSHD        = "/etc/ssh/sshd_config.d/10-health-gateway.conf"
	PathJournald    = "/etc/systemd/journald.conf.d/90-health-gateway.conf"
	PathUnattended  = "/etc/apt/apt.conf.d/52health-gateway-unattended-upgrades"
	PathSysctl      = "/etc/sysctl.d/90-health-gateway.conf"
	PathAptSandbox  = "/etc/apt/apt.conf.d/53health-gateway-sandbox"
	// PathState is the service's state directory (StateDirectory=): the
	// OpenBao token the wrapping token unwrapped to, readable by the
	// service's user only.
	PathState = "/var/lib/health-gateway"
)

// ServiceUser runs the start script and rclone: no login, no privilege.
const ServiceUser = "health-gateway"

// Names of the credentials the unit hands the start script
// ($CREDENTIALS_DIRECTORY/<name>); each is a file of PathCredentials.
const (
	CredBackendSecret = "backend-secret"  // the bucket's secret key
	CredClientAuthKey = "client-auth-key" // "<id>,<secret>", rclone's --auth-key
	CredTLSKey        = "tls-key"         // the gateway's TLS private key
	CredWrappingToken = "wrapping-token"  // OpenBao: single-use
	CredOKMSSecret    = "okms-client-secret"
)

// ExitIntercepted is the start script's exit status when OpenBao refuses
// the wrapping token: the unit does not restart on it (the token cannot
// work again), so the failure stays visible.
const ExitIntercepted = 3

// credentials are the credential files of cfg, by name.
func credentials(cfg Config) map[string]string {
	c := map[string]string{
		CredBackendSecret: cfg.Bucket.SecretAccessKey,
		CredClientAuthKey: cfg.Client.AccessKeyID + "," + cfg.Client.SecretAccessKey,
		CredTLSKey:        cfg.TLS.KeyPEM,
	}
	if cfg.OpenBao != nil {
		c[CredWrappingToken] = cfg.OpenBao.WrappingToken
	}
	if cfg.OKMS != nil {
		c[CredOKMSSecret] = cfg.OKMS.ClientSecret
	}
	return c
}

// EnvFile is the gateway's settings, read by the units (EnvironmentFile=).
// It holds no secret: the secrets are credentials.
func EnvFile(cfg Config) string {
	var b strings.Builder
	set := func(k, v string) { fmt.Fprintf(&b, "%s=%s\n", k, v) }
	b.WriteString("# Written at first boot by terraform-provider-health. No secret here: they are\n")
	b.WriteString("# credentials the unit loads from " + PathCredentials + ".\n")
	set("GATEWAY_NAME", cfg.Name)
	set("GATEWAY_PORT", fmt.Sprint(cfg.port()))
	set("GATEWAY_TLS_CERT", PathTLSCert)
	set("BUCKET", cfg.Bucket.Name)
	set("S3_ENDPOINT", strings.TrimSuffix(cfg.Bucket.Endpoint, "/"))
	set("S3_REGION", cfg.Bucket.Region)
	set("S3_ACCESS_KEY_ID", cfg.Bucket.AccessKeyID)
	set("WRAPPED_KEY", cfg.wrappedKey())
	set("GATEWAY_PREFIXES", strings.Join(cfg.Prefixes, ","))
	readOnly := "no"
	if cfg.ReadOnly {
		readOnly = "yes"
	}
	set("GATEWAY_READ_ONLY", readOnly)
	if o := cfg.OpenBao; o != nil {
		set("KMS", "openbao")
		set("BAO_ADDR", strings.TrimSuffix(o.Address, "/"))
		set("BAO_CACERT", PathKMSCA)
		set("BAO_MOUNT", o.Mount)
		set("BAO_KEY", o.KeyName)
	}
	if o := cfg.OKMS; o != nil {
		set("KMS", "okms")
		set("OKMS_ENDPOINT", strings.TrimSuffix(o.Endpoint, "/"))
		set("OKMS_ID", o.ID)
		set("OKMS_KEY_ID", o.KeyID)
		set("OKMS_TOKEN_URL", o.TokenURL)
		set("OKMS_CLIENT_ID", o.ClientID)
	}
	return b.String()
}

// Unit runs the gateway: the start script, as the service user, with the
// secrets as systemd credentials (LoadCredential=: systemd copies each
// root-only file into a per-service in-memory directory only this service
// can read, never swapped), and the state directory for OpenBao's token.
//
// The data key itself is in no file at all: the start script asks the KMS
// for it and hands it to rclone in rclone's environment when it execs
// rclone, so it lives in the memory of that one process (no swap, no core
// dump) and nowhere else.
func Unit(cfg Config) string {
	var creds []string
	for _, name := range credentialNames(cfg) {
		creds = append(creds, "LoadCredential="+name+":"+PathCredentials+"/"+name)
	}
	return `# ` + PathUnit + ` — written at first boot by terraform-provider-health.
[Unit]
Description=Warehouse data gateway ` + cfg.Name + `: S3 to the bucket ` + cfg.Bucket.Name + ` under SSE-C with the KMS's data key
After=network-online.target nftables.service
Wants=network-online.target
StartLimitIntervalSec=600
StartLimitBurst=5

[Service]
Type=exec
User=` + ServiceUser + `
Group=` + ServiceUser + `
EnvironmentFile=` + PathEnv + `
` + strings.Join(creds, "\n") + `
StateDirectory=health-gateway
StateDirectoryMode=0700
ExecStart=` + PathStart + ` serve
Restart=on-failure
RestartSec=15
# A refused wrapping token cannot work again: fail once, loudly.
RestartPreventExitStatus=` + fmt.Sprint(ExitIntercepted) + `
StandardError=journal+console
UMask=0077
# The data key lives in this process's memory: never swapped, never dumped.
LimitCORE=0
MemorySwapMax=0
NoNewPrivileges=yes
` + capabilities(cfg) + `
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
ProtectProc=invisible
RestrictSUIDSGID=yes
LockPersonality=yes
RestrictNamespaces=yes
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
SystemCallArchitectures=native

[Install]
WantedBy=multi-user.target
`
}

// capabilities are the unit's capability lines: none, or the one to bind a
// port below 1024.
func capabilities(cfg Config) string {
	if cfg.port() < MinPort {
		return "CapabilityBoundingSet=CAP_NET_BIND_SERVICE\nAmbientCapabilities=CAP_NET_BIND_SERVICE"
	}
	return "CapabilityBoundingSet=\nAmbientCapabilities="
}

// credentialNames are the credentials of cfg, in a fixed order.
func credentialNames(cfg Config) []string {
	names := []string{CredBackendSecret, CredClientAuthKey, CredTLSKey}
	if cfg.OpenBao != nil {
		names = append(names, CredWrappingToken)
	}
	if cfg.OKMS != nil {
		names = append(names, CredOKMSSecret)
	}
	return names
}

// RenewUnit renews the gateway's OpenBao token (auth/token/renew-self), so
// that the periodic token outlives its period while the gateway runs.
func RenewUnit() string {
	return `# Written at first boot by terraform-provider-health.
[Unit]
Description=Renew the data gateway's OpenBao token
After=network-online.target
Wants=network-online.target

[Service]
Type=oneshot
User=` + ServiceUser + `
Group=` + ServiceUser + `
EnvironmentFile=` + PathEnv + `
StateDirectory=health-gateway
StateDirectoryMode=0700
ExecStart=` + PathStart + ` renew
StandardError=journal+console
UMask=0077
NoNewPrivileges=yes
CapabilityBoundingSet=
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
`
}

// RenewTimer renews the token every hour: well inside any period the key
// credential is given.
func RenewTimer() string {
	return `# Written at first boot by terraform-provider-health.
[Unit]
Description=Renew the data gateway's OpenBao token every hour

[Timer]
OnBootSec=15min
OnUnitActiveSec=1h
RandomizedDelaySec=5min
Persistent=true

[Install]
WantedBy=timers.target
`
}

// InstallScript installs rclone from its release archive at mirror, only
// if the archive's SHA-256 is the pinned one; the check comes before the
// archive is unpacked. The download needs the data tier to reach the
// mirror (the network's egress_allow).
//
// rclone also signs SHA256SUMS with its release key (PGP); checking that
// signature needs the key pinned, which this script does not do: the pin in
// the configuration stands for it.
func InstallScript(version, mirror, pinSHA256 string) string {
	return `#!/bin/sh
# Installs rclone v` + version + ` from ` + mirror + `, checked against a pinned SHA-256.
# Written at first boot by terraform-provider-health; run once by cloud-init.
set -eu
version='` + version + `'
pin='` + pinSHA256 + `'
base='` + mirror + `'
dest='` + PathRclone + `'
if [ -x "$dest" ] && "$dest" version 2>/dev/null | head -n 1 | grep -qx "rclone v${version}"; then
  exit 0
fi
arch=$(dpkg --print-architecture)
if [ "$arch" != amd64 ]; then
  echo "health-gateway: the pinned rclone archive is for amd64, this machine is ${arch}" >&2
  exit 1
fi
archive="rclone-v${version}-linux-amd64.zip"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
if ! curl --proto '=https,http' --tlsv1.2 --fail --silent --show-error --location \
    --retry 10 --retry-delay 6 --retry-connrefused --output "$archive" "$base/$archive"; then
  echo "health-gateway: cannot download ${base}/${archive}: does egress_allow let the data tier reach it?" >&2
  exit 1
fi
# The pin, before anything reads the archive.
if ! printf '%s  %s\n' "$pin" "$archive" | sha256sum --check --strict --quiet -; then
  echo "health-gateway: ${archive} from ${base} is not the pinned one (SHA-256 ${pin}): refused" >&2
  exit 1
fi
unzip -q -j "$archive" "rclone-v${version}-linux-amd64/rclone" -d "$work/bin"
install -o root -g root -m 0755 "$work/bin/rclone" "$dest"
"$dest" version | head -n 1
`
}

// NftablesConfig is the host firewall: in, the listen port from the
// allowed sources only; out, DNS, NTP, and HTTPS-like ports for root (apt,
// rclone's download) and for the service user (the KMS and the object
// store); the metadata service, which serves the user-data and its
// secrets, for root only. Everything else is dropped and logged.
func NftablesConfig(cfg Config) string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	line("#!/usr/sbin/nft -f")
	line("# Host firewall of the data gateway %s, written at first boot by", cfg.Name)
	line("# terraform-provider-health. Loaded atomically: a syntax error leaves the")
	line("# previous rule set in place.")
	line("")
	line("flush ruleset")
	line("")
	line("table inet health_gateway {")
	line("\tchain input {")
	line("\t\ttype filter hook input priority filter; policy drop;")
	line("\t\tiif \"lo\" accept")
	line("\t\tct state established,related accept")
	line("\t\tct state invalid drop")
	line("\t\tudp sport 67 udp dport 68 accept comment \"DHCP leases\"")
	line("\t\tip protocol icmp icmp type { destination-unreachable, time-exceeded, parameter-problem } accept")
	line("\t\tip saddr { %s } tcp dport %d accept comment \"S3 clients of the data zones\"", strings.Join(cfg.AllowedSources, ", "), cfg.port())
	line("\t\tlimit rate 10/minute log prefix \"gateway-in-drop \" level info")
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
	line("\t\t# The metadata service hands out the user-data, secrets included: root (cloud-init) only.")
	line("\t\tip daddr %s meta skuid 0 accept", bastion.MetadataAddress)
	line("\t\tip daddr %s counter drop", bastion.MetadataAddress)
	line("\t\t# Security updates and rclone's release at first boot: root.")
	line("\t\tmeta skuid 0 tcp dport { 80, 443 } accept")
	line("\t\t# The key manager and the object store: the gateway's service only.")
	line("\t\tmeta skuid %q tcp dport { %s } accept", ServiceUser, joinPorts(serviceEgressPorts(cfg)))
	line("\t\tlimit rate 10/minute log prefix \"gateway-out-drop \" level info")
	line("\t}")
	line("}")
	return b.String()
}

// serviceEgressPorts are the ports the service reaches: the object store's,
// the key manager's, the token endpoint's.
func serviceEgressPorts(cfg Config) []int {
	urls := []string{cfg.Bucket.Endpoint}
	if o := cfg.OpenBao; o != nil {
		urls = append(urls, o.Address)
	}
	if o := cfg.OKMS; o != nil {
		urls = append(urls, o.Endpoint, o.TokenURL)
	}
	var ports []int
	seen := map[int]bool{}
	for _, u := range urls {
		_, port, err := bastion.Download{What: "gateway", URL: u}.Endpoint()
		if err != nil || seen[port] {
			continue
		}
		seen[port] = true
		ports = append(ports, port)
	}
	return ports
}

func joinPorts(ports []int) string {
	s := make([]string, len(ports))
	for i, p := range ports {
		s[i] = fmt.Sprint(p)
	}
	return strings.Join(s, ", ")
}

// SSHDConfig is a drop-in that keeps passwords out of SSH for good; the
// firewall lets no SSH in anyway: the gateway is replaced, not operated.
func SSHDConfig() string {
	return `# Written at first boot by terraform-provider-health: keys only, never root.
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitEmptyPasswords no
PermitRootLogin no
`
}

// JournaldConfig keeps the journal on disk across reboots.
func JournaldConfig() string {
	return `# Written at first boot by terraform-provider-health.
[Journal]
Storage=persistent
Compress=yes
SystemMaxUse=1G
MaxRetentionSec=1year
`
}

// Sysctl keeps the data key in rclone's memory from leaving it through a
// core dump or another process's ptrace.
func Sysctl() string {
	return `# Written at first boot by terraform-provider-health.
kernel.core_pattern = |/bin/false
fs.suid_dumpable = 0
kernel.yama.ptrace_scope = 2
kernel.kptr_restrict = 2
kernel.dmesg_restrict = 1
`
}

// UnattendedUpgrades installs security updates every day and reboots at
// night for a new kernel: the gateway starts again on its own (the wrapped
// key is in the bucket, the token in its state directory).
func UnattendedUpgrades() string {
	return `// Written at first boot by terraform-provider-health.
Unattended-Upgrade::Origins-Pattern {
        "origin=Debian,codename=${distro_codename}-security,label=Debian-Security";
        "origin=Debian,codename=${distro_codename},label=Debian";
        "origin=Ubuntu,archive=${distro_codename}-security";
};
Unattended-Upgrade::Remove-Unused-Dependencies "true";
Unattended-Upgrade::Automatic-Reboot "true";
Unattended-Upgrade::Automatic-Reboot-Time "04:00";
Unattended-Upgrade::SyslogEnable "true";
`
}
