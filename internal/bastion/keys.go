package bastion

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/crypto/ssh"
)

// MinRSABits is the smallest RSA modulus an administrator's key may have.
// ANSSI's cryptographic guidance (RGS B1 and its successor guide) asks for
// 3072 bits for keys meant to last beyond 2030.
const MinRSABits = 3072

// Key types an administrator's key may have, as OpenSSH names them.
const (
	KeyEd25519        = ssh.KeyAlgoED25519
	KeyECDSA256       = ssh.KeyAlgoECDSA256
	KeyECDSA384       = ssh.KeyAlgoECDSA384
	KeyECDSA521       = ssh.KeyAlgoECDSA521
	KeyRSA            = ssh.KeyAlgoRSA
	KeySKEd25519      = ssh.KeyAlgoSKED25519
	KeySKECDSA256     = ssh.KeyAlgoSKECDSA256
	keyRuleForHumans  = "the key must be ed25519, ecdsa (P-256, P-384 or P-521), RSA of at least 3072 bits, or a FIDO2 security key (sk-ssh-ed25519@openssh.com or sk-ecdsa-sha2-nistp256@openssh.com)"
	nameRuleForHumans = "a login name: 1 to 32 lower-case letters, digits, '_' or '-', starting with a letter or '_'"
)

// KeyRule says, in words, which administrator keys are accepted.
const KeyRule = keyRuleForHumans

// NameRule says, in words, which administrator names are accepted.
const NameRule = nameRuleForHumans

// AdminKey is an administrator's public key once checked.
type AdminKey struct {
	Type        string // the key's algorithm, such as "ssh-ed25519"
	Bits        int    // the RSA modulus size, 0 for other types
	Fingerprint string // SHA256:…
	// SecurityKey says the private key lives on a FIDO2 authenticator
	// (the sk-* types): using it needs the device, and a touch or PIN.
	SecurityKey bool
	// Line is the key in authorized_keys form, without options or comment.
	Line string
}

// ParseAdminKey checks an administrator's public key, written as in an
// authorized_keys file ("ssh-ed25519 AAAA… comment"), and says why it is
// refused, or returns it in canonical form. Options (command=, from=, …)
// and certificates are refused: the bastion writes its own options, and
// trusts no certificate authority.
func ParseAdminKey(text string) (AdminKey, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return AdminKey{}, fmt.Errorf("the key is empty: %s", keyRuleForHumans)
	}
	if strings.HasPrefix(text, "-----BEGIN") {
		return AdminKey{}, fmt.Errorf("this is a private key or a PEM block, not an OpenSSH public key: give the content of the .pub file, never the private key")
	}
	if strings.ContainsAny(text, "\r\n") {
		return AdminKey{}, fmt.Errorf("the key spans several lines: give one public key, on one line")
	}
	pub, _, options, rest, err := ssh.ParseAuthorizedKey([]byte(text))
	if err != nil {
		return AdminKey{}, fmt.Errorf("not an OpenSSH public key (%v): give the content of the .pub file, such as \"ssh-ed25519 AAAAC3Nz… alice@laptop\"", err)
	}
	if len(options) > 0 {
		return AdminKey{}, fmt.Errorf("the key carries authorized_keys options (%s): give the bare public key, the bastion sets its own options", strings.Join(options, ","))
	}
	if len(strings.TrimSpace(string(rest))) > 0 {
		return AdminKey{}, fmt.Errorf("more than one key: give one public key per administrator entry")
	}
	k := AdminKey{Type: pub.Type(), Fingerprint: ssh.FingerprintSHA256(pub),
		Line: strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub)))}
	switch pub.Type() {
	case KeyEd25519, KeyECDSA256, KeyECDSA384, KeyECDSA521:
	case KeySKEd25519, KeySKECDSA256:
		k.SecurityKey = true
	case KeyRSA:
		crypto, ok := pub.(ssh.CryptoPublicKey)
		if !ok {
			return AdminKey{}, fmt.Errorf("the RSA key cannot be read")
		}
		rsaKey, ok := crypto.CryptoPublicKey().(*rsa.PublicKey)
		if !ok {
			return AdminKey{}, fmt.Errorf("the RSA key cannot be read")
		}
		k.Bits = rsaKey.N.BitLen()
		if k.Bits < MinRSABits {
			return AdminKey{}, fmt.Errorf("the RSA key has %d bits, fewer than %d: generate a new one with ssh-keygen -t ed25519 (or -t rsa -b 4096)", k.Bits, MinRSABits)
		}
	case "ssh-dss":
		return AdminKey{}, fmt.Errorf("DSA keys (ssh-dss) are refused: %s", keyRuleForHumans)
	default:
		if strings.Contains(pub.Type(), "-cert-") {
			return AdminKey{}, fmt.Errorf("SSH certificates (%s) are refused: the bastion trusts no certificate authority; give the bare public key", pub.Type())
		}
		return AdminKey{}, fmt.Errorf("the key type %s is refused: %s", pub.Type(), keyRuleForHumans)
	}
	return k, nil
}

var adminNamePattern = regexp.MustCompile(`^[a-z_][a-z0-9_-]{0,31}$`)

// reservedNames are accounts a Debian or Ubuntu system, cloud-init, the
// packages the bastion installs, or the images' default users already
// hold. An administrator called so would merge with them.
var reservedNames = []string{
	"root", "daemon", "bin", "sys", "sync", "games", "man", "lp", "mail", "news", "uucp", "proxy", "www-data",
	"backup", "list", "irc", "gnats", "nobody", "systemd-network", "systemd-resolve", "systemd-timesync",
	"messagebus", "syslog", "sshd", "tlog", "_apt", "_chrony", "polkitd", "tss", "uuidd", "tcpdump", "landscape",
	"pollinate", "lxd", "admin", "sudo", "debian", "ubuntu", "outscale", "cloud-user", "bastion", "osh",
	"bastion-admins", "bastion-mfa-pending", "adm", "staff", "users", "audit", "keykeeper", "proxyhttp", "healthcheck", "bastion-setup",
}

// CheckAdminName says why name cannot be an administrator's login, or nil.
func CheckAdminName(name string) error {
	if !adminNamePattern.MatchString(name) {
		return fmt.Errorf("%q is not %s", name, nameRuleForHumans)
	}
	if slices.Contains(reservedNames, name) {
		return fmt.Errorf("%q is an account the system or the bastion's software already uses: choose another login", name)
	}
	return nil
}

// HostKey is the bastion's SSH host key, made by the provider so that
// administrators can pin it before the first connection. The private half
// goes into the user-data and nowhere else.
type HostKey struct {
	// PrivatePEM is the private key in OpenSSH's PEM format. It must never
	// be logged nor stored in Terraform's state.
	PrivatePEM string
	// Public is the public key in authorized_keys form ("ssh-ed25519 AAAA…").
	Public string
	// Fingerprint is its SHA-256 fingerprint as ssh prints it ("SHA256:…").
	Fingerprint string
}

// GenerateHostKey makes a new ed25519 host key.
func GenerateHostKey(comment string) (HostKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return HostKey{}, fmt.Errorf("generating the host key: %w", err)
	}
	block, err := ssh.MarshalPrivateKey(priv, comment)
	if err != nil {
		return HostKey{}, fmt.Errorf("encoding the host key: %w", err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		return HostKey{}, fmt.Errorf("encoding the host key: %w", err)
	}
	return HostKey{
		PrivatePEM:  string(pem.EncodeToMemory(block)),
		Public:      strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sshPub))),
		Fingerprint: ssh.FingerprintSHA256(sshPub),
	}, nil
}

// HostKeyFingerprint returns the SHA-256 fingerprint of a public key in
// authorized_keys form.
func HostKeyFingerprint(public string) (string, error) {
	pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(public))
	if err != nil {
		return "", fmt.Errorf("reading the host public key: %w", err)
	}
	return ssh.FingerprintSHA256(pub), nil
}

// KnownHostsLine is the known_hosts line that pins the host key for the
// given host names and addresses ("203.0.113.7 ssh-ed25519 AAAA…").
func KnownHostsLine(hosts []string, public string) string {
	var names []string
	for _, h := range hosts {
		if h != "" && !slices.Contains(names, h) {
			names = append(names, h)
		}
	}
	fields := strings.Fields(public)
	if len(fields) >= 2 {
		public = fields[0] + " " + fields[1] // the comment has no place in known_hosts
	}
	return strings.Join(names, ",") + " " + public
}
