package keymanager

import (
	"fmt"
	"strconv"
	"strings"
)

// The files of the OpenBao server itself.

// Ports of an OpenBao server.
const (
	PortAPI     = 8200
	PortCluster = 8201 // Raft and request forwarding
)

// hclString quotes a value for HCL.
func hclString(s string) string { return strconv.Quote(s) }

// OpenBaoConfig renders the server's configuration: a listener with the
// provider-made certificate, Raft integrated storage that joins the other
// servers (checking their certificates against the trust bundle), and a
// file audit device declared here rather than through the API (OpenBao
// 2.4 and later create it on the active node, and refuse API-created audit
// devices by default since CVE-2025-54997).
//
// No seal stanza: the default Shamir seal, whose unseal key shares the
// customer's people hold. The server starts sealed and uninitialised.
func OpenBaoConfig(cfg Config) string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	line("# %s — OpenBao server %s of the warehouse key manager %s.", PathOpenBaoConfig, cfg.Node.Name, cfg.Cluster)
	line("# Written at first boot by terraform-provider-health. Do not edit: the next")
	line("# server made by the provider would not have the change.")
	line("#")
	line("# No seal stanza: Shamir's secret sharing. The server starts sealed and")
	line("# uninitialised; initialising and unsealing it is the customer's (bao operator init).")
	line("")
	line("ui            = false")
	line("# Integrated storage: OpenBao advises against mlock. Swap is off for the")
	line("# service (MemorySwapMax=0) and core dumps too (LimitCORE=0, %s).", PathSysctl)
	line("disable_mlock = true")
	line("cluster_name  = %s", hclString(cfg.Cluster))
	line("api_addr      = %s", hclString(fmt.Sprintf("https://%s:%d", cfg.Node.IP, PortAPI)))
	line("cluster_addr  = %s", hclString(fmt.Sprintf("https://%s:%d", cfg.Node.IP, PortCluster)))
	line("log_level     = \"info\"")
	line("")
	line("listener \"tcp\" {")
	line("  address                  = %s", hclString(fmt.Sprintf("0.0.0.0:%d", PortAPI)))
	line("  cluster_address          = %s", hclString(fmt.Sprintf("0.0.0.0:%d", PortCluster)))
	line("  tls_cert_file            = %s", hclString(PathServerCert))
	line("  tls_key_file             = %s", hclString(PathServerKey))
	line("  tls_min_version          = \"tls12\"")
	line("  tls_disable_client_certs = true")
	line("}")
	line("")
	line("storage \"raft\" {")
	line("  path    = %s", hclString(PathRaft))
	line("  node_id = %s", hclString(cfg.Node.Name))
	for _, p := range cfg.Peers {
		if p == cfg.Node {
			continue
		}
		line("")
		line("  retry_join {")
		line("    leader_api_addr     = %s", hclString(fmt.Sprintf("https://%s:%d", p.IP, PortAPI)))
		line("    leader_ca_cert_file = %s", hclString(PathTrustBundle))
		line("  }")
	}
	line("}")
	line("")
	line("# Every request and answer, secrets HMAC'd: the key manager's audit trail.")
	line("audit \"file\" \"file\" {")
	line("  description = \"health_warehouse_key_manager audit trail\"")
	line("  options {")
	line("    file_path = %s", hclString(PathAuditLog))
	line("    mode      = \"0600\"")
	line("  }")
	line("}")
	return b.String()
}

// Unit replaces the package's openbao.service: the configuration above,
// the package's own hardening, and no core dump, ever, of a process that
// holds the keys in memory.
func Unit(cluster string) string {
	return `# ` + PathUnit + ` — written at first boot by terraform-provider-health for the key
# manager ` + cluster + `. It replaces the unit of OpenBao's package.
[Unit]
Description=OpenBao, the warehouse key manager ` + cluster + `
Documentation=https://openbao.org/docs
Requires=network-online.target
After=network-online.target
ConditionFileNotEmpty=` + PathOpenBaoConfig + `
StartLimitIntervalSec=60
StartLimitBurst=3

[Service]
Type=notify
User=openbao
Group=openbao
ExecStart=/usr/bin/bao server -config=` + PathOpenBaoConfig + `
ExecReload=/bin/kill --signal HUP $MAINPID
KillMode=process
KillSignal=SIGINT
Restart=on-failure
RestartSec=5
TimeoutStopSec=30
LimitNOFILE=65536
LimitCORE=0
MemorySwapMax=0
ProtectSystem=full
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectControlGroups=yes
NoNewPrivileges=yes
CapabilityBoundingSet=CAP_SYSLOG
ReadWritePaths=` + PathRaft + ` ` + PathAuditLogDir + `

[Install]
WantedBy=multi-user.target
`
}

// InstallScript installs the pinned OpenBao release from mirror, the URL
// holding the release's files (DefaultOpenBaoMirror: the release on
// GitHub), over HTTPS or HTTP: the Debian package for the server's
// architecture, installed only if its SHA-256 is pinSHA256 or, with no
// pin, the one the release's checksums file gives. The download needs the
// kms tier to reach the mirror (the network's egress_allow).
//
// A checksums file from the same place as the package proves the download
// is whole, not who made it; a pin written in the configuration does
// both, as far as whoever wrote it checked it. OpenBao also signs its
// artifacts (GPG, cosign); checking those needs its signing key pinned,
// which this script does not do yet.
func InstallScript(version, mirror, pinSHA256 string) string {
	return `#!/bin/sh
# Installs OpenBao ` + version + ` from its release packages at ` + mirror + `.
# Written at first boot by terraform-provider-health; run once by cloud-init.
set -eu
version='` + version + `'
pin='` + pinSHA256 + `'
if command -v bao >/dev/null 2>&1 && bao version 2>/dev/null | grep -q "v${version}"; then
  exit 0
fi
base='` + mirror + `'
arch=$(dpkg --print-architecture)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fetch() {
  curl --proto '=https,http' --tlsv1.2 --fail --silent --show-error --location \
    --retry 10 --retry-delay 6 --retry-connrefused --output "$1" "$base/$1"
}
if [ -n "$pin" ]; then
  # The package's name changed across releases: bao_ now, openbao_ before.
  deb=""
  for name in "bao_${version}_linux_${arch}.deb" "openbao_${version}_linux_${arch}.deb"; do
    if fetch "$name" 2>/dev/null; then deb="$name"; break; fi
  done
  if [ -z "$deb" ]; then
    echo "health-kms: no Debian package of OpenBao v${version} for ${arch} at ${base}: does egress_allow let the kms tier reach it?" >&2
    exit 1
  fi
  printf '%s  %s\n' "$pin" "$deb" | sha256sum --check --strict -
else
  # The release's checksums: per OS in recent releases, one file before.
  sums=""
  for name in checksums-linux.txt checksums.txt; do
    if fetch "$name" 2>/dev/null; then sums="$name"; break; fi
  done
  if [ -z "$sums" ]; then
    echo "health-kms: no checksums file of OpenBao v${version} at ${base}: does egress_allow let the kms tier reach it?" >&2
    exit 1
  fi
  deb=$(awk -v v="$version" -v a="$arch" '$2 == "bao_" v "_linux_" a ".deb" || $2 == "openbao_" v "_linux_" a ".deb" { print $2; exit }' "$sums")
  if [ -z "$deb" ]; then
    echo "health-kms: OpenBao's release v${version} has no Debian package for ${arch}" >&2
    exit 1
  fi
  fetch "$deb"
  awk -v f="$deb" '$2 == f' "$sums" | sha256sum --check --strict -
fi
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "./$deb"
bao version
`
}

// TerraformPolicy is the policy of the token Terraform manages keys with
// (health_warehouse_kms_key): the transit engine's keys; and the machines'
// key credentials (the data gateway's): the ACL policies named health-kc-*,
// and orphan tokens made, looked up and revoked by accessor. No encryption
// or decryption, no export, no other policy. sudo on create-orphan is what
// OpenBao asks of a token that gives a period, or a policy it does not
// hold itself, to the token it makes: with it, this token can make a token
// with any policy but root, so keep it as secret as the keys' deletion
// right it already carries.
func TerraformPolicy(mount string) string {
	return `# The policy of the token Terraform manages the warehouse's keys with
# (health_warehouse_kms_key): create, read, configure, rotate and delete the
# transit engine's keys. No encrypt or decrypt, no export.
path "` + mount + `/keys/*" {
  capabilities = ["create", "read", "update", "delete"]
}

# The machines' key credentials: one ACL policy per machine, named
# health-kc-<name>, and the machine's own orphan periodic token, handed out
# response-wrapped, read and revoked by its accessor.
path "sys/policies/acl/health-kc-*" {
  capabilities = ["create", "read", "update", "delete"]
}
path "auth/token/create-orphan" {
  capabilities = ["update", "sudo"]
}
path "auth/token/lookup-accessor" {
  capabilities = ["update"]
}
path "auth/token/revoke-accessor" {
  capabilities = ["update"]
}
`
}

// Profile points the bao CLI of a shell on the server at the local server.
func Profile() string {
	return "# Written at first boot by terraform-provider-health: the bao CLI talks to this server.\n" +
		"export BAO_ADDR=https://127.0.0.1:" + strconv.Itoa(PortAPI) + "\n" +
		"export BAO_CACERT=" + PathTrustBundle + "\n"
}

// Logrotate keeps ninety days of OpenBao's audit log on the server, and
// has OpenBao reopen the file after each rotation.
func Logrotate() string {
	return `# Written at first boot by terraform-provider-health. Ship the rotated files
# to the audit bucket: the server keeps ninety days.
` + PathAuditLog + ` {
    daily
    rotate 90
    maxsize 512M
    missingok
    notifempty
    compress
    delaycompress
    create 0600 openbao openbao
    postrotate
        systemctl reload openbao.service >/dev/null 2>&1 || true
    endscript
}
`
}
