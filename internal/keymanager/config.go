// Package keymanager renders the first-boot configuration of the
// warehouse's customer-held key manager on OUTSCALE: a cloud-init user-data
// document per OpenBao server that installs a pinned OpenBao release,
// configures Raft integrated storage joining the other servers, TLS with a
// certificate signed by a CA the provider makes and forgets, the transit
// engine's policy for Terraform, OpenBao's file audit device, auditd, a
// hardened sshd, the host firewall and automatic security updates without
// automatic reboots (a reboot seals OpenBao).
//
// OpenBao starts sealed and uninitialised on purpose: initialising it, and
// holding the unseal key shares, is the customer's (see Runbook).
//
// It is plain Go with no cloud SDK and no Terraform code, so that every
// file it writes can be unit-tested and checked by the real tools
// (cloud-init schema, sshd -t, nft -c) in the tests.
package keymanager

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/sovhealth/terraform-provider-health/internal/bastion"
)

// OpenBaoVersion is the OpenBao release the servers install, from
// OpenBao's official release packages on GitHub by default (see
// DefaultOpenBaoMirror). Pinned: a new release reaches the servers when
// this constant changes and servers are replaced.
const OpenBaoVersion = "2.7.2"

// DefaultOpenBaoMirror is where the servers take OpenBao's release from
// unless told otherwise: its release on GitHub, which holds the Debian
// packages and their checksums file.
func DefaultOpenBaoMirror(version string) string {
	return "https://github.com/openbao/openbao/releases/download/v" + version
}

// sha256Pattern is a SHA-256 in hex.
var sha256Pattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// CheckSHA256 says why sum cannot pin a package, or nil.
func CheckSHA256(sum string) error {
	if !sha256Pattern.MatchString(sum) {
		return fmt.Errorf("%q is not a SHA-256: 64 lower-case hexadecimal digits, as sha256sum prints", sum)
	}
	return nil
}

// Downloads lists where a server's first boot downloads software from.
func Downloads(cfg Config) []bastion.Download {
	var out []bastion.Download
	if cfg.PackageMirror != nil {
		out = append(out, bastion.Download{What: "package_mirror.primary", URL: cfg.PackageMirror.Primary},
			bastion.Download{What: "package_mirror.security", URL: cfg.PackageMirror.Security})
	}
	return append(out, bastion.Download{What: "openbao_mirror", URL: cfg.openBaoMirror()})
}

// openBaoMirror is the mirror cfg names, or the default one.
func (cfg Config) openBaoMirror() string {
	if cfg.OpenBaoMirror != "" {
		return strings.TrimSuffix(cfg.OpenBaoMirror, "/")
	}
	return DefaultOpenBaoMirror(cfg.Version)
}

// DefaultMount is the transit engine's mount path: the provider's
// kms_mount default.
const DefaultMount = "transit"

// TerraformPolicyName is the name the runbook gives the policy of
// Terraform's token.
const TerraformPolicyName = "terraform-transit"

// Paths on a server.
const (
	PathSpec          = "/etc/health-kms/key-manager.json"
	PathOpenBaoConfig = "/etc/health-kms/openbao.hcl"
	PathTLSDir        = "/etc/health-kms/tls"
	PathTrustBundle   = PathTLSDir + "/ca.pem"         // every CA the cluster's servers chain to
	PathIssuer        = PathTLSDir + "/issuer.pem"     // the CA that signed this server's certificate
	PathServerCert    = PathTLSDir + "/server.pem"     // this server's certificate
	PathServerKey     = PathTLSDir + "/server-key.pem" // its private key: root and the openbao group only
	PathPolicy        = "/etc/health-kms/" + TerraformPolicyName + ".hcl"
	PathUnit          = "/etc/systemd/system/openbao.service" // replaces the package's unit
	PathInstall       = "/usr/local/sbin/health-kms-install-openbao"
	PathProfile       = "/etc/profile.d/health-kms-openbao.sh"
	PathLogrotate     = "/etc/logrotate.d/health-kms-openbao-audit"
	PathSysctl        = "/etc/sysctl.d/90-health-kms.conf"
	PathRaft          = "/var/lib/openbao/raft"
	PathAuditLogDir   = "/var/log/openbao"
	PathAuditLog      = PathAuditLogDir + "/audit.log"
	PathNftables      = bastion.PathNftables
	PathSSHDConfig    = bastion.PathSSHDConfig
	PathBanner        = bastion.PathBanner
	PathAuditRules    = "/etc/audit/rules.d/90-health-kms.rules"
	PathUnattended    = "/etc/apt/apt.conf.d/52health-kms-unattended-upgrades"
)

// GroupOperators is the only group sshd admits. The provider puts nobody
// in it: the servers are operated through OpenBao's API.
const GroupOperators = "kms-operators"

// Node is one server of the cluster.
type Node struct {
	Index int    // from 1
	Name  string // host name, Raft node id, certificate name
	IP    string // private address in the kms subnet
}

// InboundRule is one of the network's rules into the kms tier, its source
// resolved to a CIDR block.
type InboundRule struct {
	Protocol string // "tcp", "udp", "icmp" or "-1"
	FromPort int
	ToPort   int
	Source   string
	Purpose  string
}

// ServerTLS is a server's TLS material, in PEM.
type ServerTLS struct {
	// TrustBundle holds every CA certificate the cluster's servers chain
	// to: the servers check each other (retry_join) against it.
	TrustBundle string
	Issuer      string // the CA certificate that signed Cert
	Cert        string
	// Key is the server's private key. It goes into the user-data and
	// nowhere else: never logged, never in Terraform's state.
	Key string
}

// Config is everything one server's first boot needs.
type Config struct {
	Cluster   string // the key manager's name
	NetworkID string
	Cloud     string
	Size      string // as declared ("small"), recorded for imports
	Node      Node
	// Peers are every server of the cluster, this one included, in order.
	Peers   []Node
	Mount   string // the transit engine's mount path (DefaultMount)
	Version string // OpenBao's release (OpenBaoVersion)
	TLS     ServerTLS
	HostKey bastion.HostKey
	// Inbound are the network's rules into the kms tier: the host
	// firewall applies them (the security groups do too, on OUTSCALE).
	Inbound []InboundRule
	// NetworkRules are the rules Inbound comes from, recorded in the spec
	// file for imports.
	NetworkRules []bastion.NetworkRule
	// PackageMirror replaces the image's apt sources; nil keeps them.
	PackageMirror *bastion.PackageMirror
	// OpenBaoMirror is the URL holding the release's files (the Debian
	// packages and the checksums file); "" is DefaultOpenBaoMirror.
	OpenBaoMirror string
	// OpenBaoSHA256 pins the SHA-256 of the release's Debian package for
	// the servers' architecture; "" checks it against the release's
	// checksums file instead.
	OpenBaoSHA256 string
}

var (
	namePattern  = regexp.MustCompile(`^[a-z]([a-z0-9-]{0,59}[a-z0-9])?$`)
	mountPattern = regexp.MustCompile(`^[a-zA-Z0-9_-]+(/[a-zA-Z0-9_-]+)*$`)
)

// NameRule says, in words, which names a key manager may have.
const NameRule = "lower-case letters, digits and -, starting with a letter and ending with a letter or digit, up to 61 characters"

// CheckName says why name cannot name a key manager, or nil: its servers
// are named <name>-<n>, host names of at most 63 characters.
func CheckName(name string) error {
	if !namePattern.MatchString(name) {
		return fmt.Errorf("%q is not a key manager name: %s", name, NameRule)
	}
	return nil
}

// check says why cfg cannot be rendered.
func (cfg Config) check() error {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if err := CheckName(cfg.Cluster); err != nil {
		add("%v", err)
	}
	if len(cfg.Peers) == 0 || !slices.Contains(cfg.Peers, cfg.Node) {
		add("the server %q is not among the cluster's servers", cfg.Node.Name)
	}
	seen := map[string]bool{}
	for _, p := range cfg.Peers {
		a, err := netip.ParseAddr(p.IP)
		if err != nil || !a.Is4() {
			add("the server %q has no IPv4 address (%q)", p.Name, p.IP)
		}
		if seen[p.IP] || seen[p.Name] {
			add("the server %q repeats another's name or address", p.Name)
		}
		seen[p.IP], seen[p.Name] = true, true
		if !namePattern.MatchString(p.Name) {
			add("%q is not a host name", p.Name)
		}
	}
	if !mountPattern.MatchString(cfg.Mount) {
		add("%q is not a mount path such as transit", cfg.Mount)
	}
	if !regexp.MustCompile(`^\d+\.\d+\.\d+$`).MatchString(cfg.Version) {
		add("%q is not an OpenBao release such as %s", cfg.Version, OpenBaoVersion)
	}
	for _, pem := range []struct{ what, text string }{{"trust bundle", cfg.TLS.TrustBundle}, {"issuer", cfg.TLS.Issuer},
		{"certificate", cfg.TLS.Cert}, {"private key", cfg.TLS.Key}} {
		if !strings.Contains(pem.text, "-----BEGIN ") {
			add("the server's TLS %s is missing", pem.what)
		}
	}
	if cfg.HostKey.PrivatePEM == "" || cfg.HostKey.Public == "" {
		add("no SSH host key: the provider makes one before rendering")
	}
	for _, r := range cfg.Inbound {
		if _, err := netip.ParsePrefix(r.Source); err != nil {
			add("inbound rule %q: %q is not a CIDR block", r.Purpose, r.Source)
		}
	}
	if m := cfg.PackageMirror; m != nil {
		for _, u := range []string{m.Primary, m.Security} {
			if err := bastion.CheckMirrorURL(u); err != nil {
				add("package_mirror: %v", err)
			}
		}
	}
	if cfg.OpenBaoMirror != "" {
		if err := bastion.CheckMirrorURL(cfg.OpenBaoMirror); err != nil {
			add("openbao_mirror: %v", err)
		} else if strings.HasPrefix(cfg.OpenBaoMirror, "http://") && cfg.OpenBaoSHA256 == "" {
			add("openbao_mirror: %s is plain HTTP: give openbao_sha256, since a checksums file fetched in clear proves nothing", cfg.OpenBaoMirror)
		}
	}
	if cfg.OpenBaoSHA256 != "" {
		if err := CheckSHA256(cfg.OpenBaoSHA256); err != nil {
			add("openbao_sha256: %v", err)
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}
