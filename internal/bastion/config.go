// Package bastion renders the bastion's first-boot configuration: a
// cloud-init user-data document that hardens OpenSSH, sets up the chosen
// second factor, session recording, auditd, automatic security updates, the
// host firewall and the shipping of the audit trail, and installs the host
// key the provider made.
//
// It is plain Go with no cloud SDK and no Terraform code, so every rule it
// writes can be unit-tested, and checked by the real tools (cloud-init
// schema, sshd -t) in the tests.
package bastion

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// Second factors (Config.MFA).
const (
	// MFATOTP: after the SSH key, a time-based one-time code from an
	// authenticator app, checked by google-authenticator-libpam.
	MFATOTP = "totp"
	// MFAFIDO2: the SSH key is a FIDO2 security key (sk-* type) and sshd
	// demands both the touch (user presence) and the PIN or biometric
	// check (user verification) of the device at each login.
	MFAFIDO2 = "fido2"
	// MFANone: the SSH key alone. Compliance checks flag it.
	MFANone = "none"
)

// MFAs lists the second factors in the order the documentation gives them.
var MFAs = []string{MFAFIDO2, MFATOTP, MFANone}

// Modes (Config.Mode).
const (
	// ModeOpenSSH: the distribution's OpenSSH, hardened by this package.
	ModeOpenSSH = "openssh"
	// ModeTheBastion: OVHcloud's open-source The Bastion, installed at
	// first boot over the distribution.
	ModeTheBastion = "the-bastion"
)

// Modes lists the modes.
var Modes = []string{ModeOpenSSH, ModeTheBastion}

// Groups the bastion's administrators belong to.
const (
	GroupAdmins     = "bastion-admins"      // everyone sshd lets in
	GroupMFAPending = "bastion-mfa-pending" // TOTP not enrolled yet: may only enrol
)

// DefaultIdleTimeout is how long an idle session or forwarded connection
// stays open.
const DefaultIdleTimeout = 15 * time.Minute

// Limits of the idle timeout.
const (
	MinIdleTimeout = time.Minute
	MaxIdleTimeout = 12 * time.Hour
)

// MaxUserDataBase64 is the largest user-data, once base64-encoded, both
// clouds take: OpenStack Nova's 65535 bytes (OVHcloud hands the user-data
// to Nova), well under OUTSCALE's 500 KiB.
const MaxUserDataBase64 = 65535

// Admin is one administrator.
type Admin struct {
	Name      string
	PublicKey string // authorized_keys form
}

// Target is a tier the bastion may reach.
type Target struct {
	Tier string
	CIDR string
	// Ports the bastion may open on the tier, from the network's rules
	// that admit the bastion tier.
	Ports []PortRange
}

// PortRange is an inclusive range of TCP ports.
type PortRange struct{ From, To int }

// InboundRule is one rule of the bastion tier, with its source resolved to
// a CIDR block.
type InboundRule struct {
	Protocol string // "tcp", "udp", "icmp" or "-1"
	FromPort int
	ToPort   int
	Source   string // a CIDR block
	Purpose  string
}

// NetworkRule is one of the network's rules, as the network resource
// publishes them; the spec file keeps them so that an import can recover
// them.
type NetworkRule struct {
	Tier string `json:"tier"`
	// Direction is "outbound" for a rule letting traffic out of Tier; an
	// inbound rule (or one recorded before outbound rules existed) has none.
	Direction   string   `json:"direction,omitempty"`
	Protocol    string   `json:"protocol"`
	FromPort    int      `json:"from_port"`
	ToPort      int      `json:"to_port"`
	Source      string   `json:"source"`
	Destination string   `json:"destination,omitempty"`
	Hosts       []string `json:"hosts,omitempty"`
	Purpose     string   `json:"purpose"`
}

// AuditBucket is where the audit trail is shipped, S3-compatible.
type AuditBucket struct {
	Endpoint        string // https://…
	Region          string
	Bucket          string
	Prefix          string // ends with "/" or is empty
	AccessKeyID     string
	SecretAccessKey string // never logged; lives in the user-data only
	// APILogsEndpoint, with APILogsRegion, is the OUTSCALE API the
	// shipper pulls the account's API logs from (ReadApiLogs) with the
	// same key, into <prefix><name>/api-logs/; "" pulls none.
	APILogsEndpoint, APILogsRegion string
	// AccountLogs is the OVHcloud service account the shipper reads the
	// account's audit logs with (GET /me/logs/audit), into
	// <prefix><name>/account-logs/; nil pulls none.
	AccountLogs *AccountLogsReader
}

// AccountLogsReader is a read-only OVHcloud service account: OAuth2 client
// credentials whose IAM policy allows reading the account's audit logs only.
type AccountLogsReader struct {
	Endpoint     string // the API, ending in /1.0
	TokenURL     string // the OAuth2 token endpoint
	ClientID     string
	ClientSecret string // never logged; lives in the user-data only
}

// Config is everything the bastion's first boot needs.
type Config struct {
	Name      string // host name, and the name in the recordings
	NetworkID string
	Cloud     string // "outscale" or "ovh", for the comments and the spec file
	Admins    []Admin
	MFA       string
	// SessionRecording records every interactive session on the bastion
	// with tlog (openssh mode) or ovh-ttyrec (the-bastion mode).
	SessionRecording bool
	IdleTimeout      time.Duration
	Targets          []Target
	Inbound          []InboundRule
	// NetworkRules are the rules Targets and Inbound come from, recorded
	// in the spec file.
	NetworkRules []NetworkRule
	AuditBucket  *AuditBucket
	Mode         string
	HostKey      HostKey
	// Size and Image are the bastion's size and image as declared
	// ("small", "debian-12"), recorded in the spec file for imports.
	Size, Image string
	// PackageMirror replaces the image's apt sources; nil keeps them.
	PackageMirror *PackageMirror
}

// DefaultMFA is the second factor when none is chosen: FIDO2 when every
// key is a security key, TOTP otherwise.
func DefaultMFA(admins []Admin) string {
	if len(admins) == 0 {
		return MFATOTP
	}
	for _, a := range admins {
		k, err := ParseAdminKey(a.PublicKey)
		if err != nil || !k.SecurityKey {
			return MFATOTP
		}
	}
	return MFAFIDO2
}

// Problem is one reason a configuration is refused, naming the attribute
// at fault ("admins[1].ssh_public_key", "mfa", …) as the resource calls it.
type Problem struct {
	Attribute string
	Index     int // the admin's index for admins[…] attributes, else -1
	Msg       string
}

func (p Problem) Error() string { return p.Attribute + ": " + p.Msg }

// Check lists every reason cfg cannot be rendered. Host key, network and
// targets are the provider's; Check looks at what the user writes.
func Check(cfg Config) []Problem {
	var problems []Problem
	add := func(attr string, index int, format string, args ...any) {
		problems = append(problems, Problem{Attribute: attr, Index: index, Msg: fmt.Sprintf(format, args...)})
	}
	if len(cfg.Admins) == 0 {
		add("admins", -1, "at least one administrator is needed: nobody could log in")
	}
	seen := map[string]int{}
	keys := map[string]int{}
	for i, a := range cfg.Admins {
		if err := CheckAdminName(a.Name); err != nil {
			add("name", i, "%v", err)
		} else if j, dup := seen[a.Name]; dup {
			add("name", i, "%q is also the name of admins[%d]: each administrator needs a login of their own", a.Name, j)
		} else {
			seen[a.Name] = i
		}
		k, err := ParseAdminKey(a.PublicKey)
		if err != nil {
			add("ssh_public_key", i, "the key of %q is refused: %v", a.Name, err)
			continue
		}
		if j, dup := keys[k.Fingerprint]; dup {
			add("ssh_public_key", i, "the key of %q (%s) is also the key of admins[%d]: each administrator needs a key of their own, so that the audit trail tells them apart", a.Name, k.Fingerprint, j)
		}
		keys[k.Fingerprint] = i
		if !k.SecurityKey && cfg.MFA == MFAFIDO2 {
			add("ssh_public_key", i, "mfa = \"fido2\" needs FIDO2 security keys, but the key of %q is %s: generate one with ssh-keygen -t ed25519-sk -O verify-required, or choose mfa = \"totp\"", a.Name, k.Type)
		}
	}
	if !slices.Contains(MFAs, cfg.MFA) {
		add("mfa", -1, "%q is not one of %s", cfg.MFA, strings.Join(MFAs, ", "))
	}
	if !slices.Contains(Modes, cfg.Mode) {
		add("mode", -1, "%q is not one of %s", cfg.Mode, strings.Join(Modes, ", "))
	}
	if cfg.Mode == ModeTheBastion && cfg.MFA == MFAFIDO2 {
		add("mfa", -1, "mode = \"the-bastion\" enforces a second factor with TOTP through its own PAM setup; FIDO2 "+
			"user verification is only enforced by mode = \"openssh\": choose mfa = \"totp\" or mode = \"openssh\"")
	}
	if cfg.IdleTimeout < MinIdleTimeout || cfg.IdleTimeout > MaxIdleTimeout {
		add("idle_timeout", -1, "%s is outside %s to %s", cfg.IdleTimeout, MinIdleTimeout, MaxIdleTimeout)
	}
	if b := cfg.AuditBucket; b != nil {
		switch {
		case b.Bucket == "":
			add("audit_bucket.bucket", -1, "the bucket's name is empty")
		case !strings.HasPrefix(b.Endpoint, "https://") && !strings.HasPrefix(b.Endpoint, "http://"):
			add("audit_bucket.endpoint", -1, "%q is not an http(s) URL", b.Endpoint)
		case b.AccessKeyID == "" || b.SecretAccessKey == "":
			add("audit_bucket", -1, "shipping needs an access key id and its secret")
		}
	}
	return problems
}

// errNoHostKey guards Render against a forgotten host key: the VM would
// make its own, and nobody could pin it.
var errNoHostKey = errors.New("no host key: the provider makes one before rendering")

// check verifies what Render relies on beyond Check.
func (cfg Config) check() error {
	if problems := Check(cfg); len(problems) > 0 {
		msgs := make([]string, len(problems))
		for i, p := range problems {
			msgs[i] = p.Error()
		}
		return errors.New(strings.Join(msgs, "; "))
	}
	if cfg.HostKey.PrivatePEM == "" || cfg.HostKey.Public == "" {
		return errNoHostKey
	}
	for _, t := range cfg.Targets {
		if _, err := netip.ParsePrefix(t.CIDR); err != nil {
			return fmt.Errorf("target tier %s: %q is not a CIDR block", t.Tier, t.CIDR)
		}
	}
	for _, r := range cfg.Inbound {
		if _, err := netip.ParsePrefix(r.Source); err != nil {
			return fmt.Errorf("inbound rule %q: %q is not a CIDR block", r.Purpose, r.Source)
		}
	}
	if m := cfg.PackageMirror; m != nil {
		for _, u := range []string{m.Primary, m.Security} {
			if err := CheckMirrorURL(u); err != nil {
				return fmt.Errorf("package_mirror: %w", err)
			}
		}
	}
	return nil
}
