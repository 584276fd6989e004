// Package gateway renders the first boot of the warehouse's data gateway: a
// VM in the network's data tier that runs rclone's S3 server (`rclone serve
// s3`) in front of one bucket, and writes every object to the bucket with
// SSE-C under a data key that the warehouse's KMS made and wrapped.
//
// The data key is one per gateway and bucket. Its wrapped form (a KMS
// ciphertext, worthless without the KMS) is kept beside the data, at
// cloud.WrappedKeyPrefix + <gateway>.key in the bucket; at every start the
// gateway reads it, has the KMS unwrap it, and hands the plaintext to rclone
// through rclone's environment only: it is never written to any disk, tmpfs
// included, nor to a command line or a journal line. Destroying the KMS key
// makes the data unreadable for everyone (crypto-shredding).
//
// The software is maintained, not home-made: rclone (its S3 server and its S3
// backend's SSE-C), curl and jq; rclone comes from its release archive pinned
// by SHA-256 (the distributions' rclone, 1.60, predates `serve s3`).
//
// It is plain Go with no cloud SDK and no Terraform code: every file it
// writes is unit-tested, and the start script is run for real in the tests
// against stand-ins of the KMS and the object store.
package gateway

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/sovhealth/terraform-provider-health/internal/bastion"
	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/keymanager"
)

// DefaultPort is the port the gateway's S3 server listens on (HTTPS):
// 443, which the network's rules open from the compute tier to the data
// tier. rclone binds it with CAP_NET_BIND_SERVICE, its only capability.
const DefaultPort = cloud.PortStorage

// Limits of any other listen port: above the privileged ports.
const (
	MinPort = 1024
	MaxPort = 65535
)

// DefaultRcloneVersion and DefaultRcloneSHA256 pin the rclone release a
// gateway installs unless told otherwise: rclone-v1.71.1-linux-amd64.zip.
// Its SHA-256 was not read from the release's signed SHA256SUMS (out of
// reach when this was written) but found identical in two independent
// public pins of that archive: GNU Guix's package definition (as a Nix
// base-32 hash) and an Ansible role's checksum list.
const (
	DefaultRcloneVersion = "1.71.1"
	DefaultRcloneSHA256  = "417e3da236f3a12d292da4e7287d67b1df558b8c2b280d092e563958ed724be7"
)

// MinRcloneVersion is the first rclone release with `serve s3`.
const MinRcloneVersion = "1.65.0"

// DefaultRcloneMirror is where the gateway takes rclone's release archive
// from unless told otherwise: rclone's own download site, which holds
// rclone-v<version>-linux-amd64.zip and the release's signed SHA256SUMS.
func DefaultRcloneMirror(version string) string {
	return "https://downloads.rclone.org/v" + version
}

// Bucket is the bucket the gateway serves, and the backend key that reaches
// it. The secret goes into the user-data only.
type Bucket struct {
	Name     string
	Endpoint string // the S3 endpoint, https://…
	Region   string // the region the store signs with ("eu-west-2", "gra")
	// AccessKeyID and SecretAccessKey reach the bucket. Never logged.
	AccessKeyID, SecretAccessKey string
}

// OpenBao is the key manager on OUTSCALE: the customer-held OpenBao and
// the gateway's single-use right to one transit key (see
// cloud.KeyCredential).
type OpenBao struct {
	Address   string // https://<server>:8200
	CACertPEM string // the key manager's CA bundle (ca_cert_pem): the gateway trusts nothing else for it
	Mount     string // the transit engine's mount (keymanager.DefaultMount)
	KeyName   string // the transit key wrapping the data key
	// WrappingToken is the single-use wrapping token of the gateway's
	// periodic token. It goes into the user-data only, and is worthless once
	// the gateway unwrapped it at its first boot.
	WrappingToken string
}

// OKMS is the key manager on OVHcloud: the OKMS data plane and an OAuth2
// service account allowed the data-key actions on one service key.
type OKMS struct {
	Endpoint string // the data plane's base URL, https://…
	ID       string // the OKMS (KMS) id
	KeyID    string // the service key wrapping the data key
	TokenURL string // the OAuth2 token endpoint (client credentials grant)
	ClientID string
	// ClientSecret goes into the user-data only.
	ClientSecret string
}

// ClientKey is the S3 key clients use against the gateway (rclone's
// --auth-key). The secret goes into the user-data only.
type ClientKey struct {
	AccessKeyID, SecretAccessKey string
}

// TLS is the gateway's certificate and key (see IssueTLS): clients pin
// the CA that signed the certificate.
type TLS struct {
	CertPEM string
	KeyPEM  string // never logged; goes into the user-data only
}

// Rclone pins the rclone release the gateway installs.
type Rclone struct {
	Version string // "1.71.2", at least MinRcloneVersion
	// Mirror holds rclone-v<version>-linux-amd64.zip; "" is
	// DefaultRcloneMirror.
	Mirror string
	// SHA256 is the archive's SHA-256, as the release's SHA256SUMS gives
	// it. Required: no default is pinned, since none could be checked
	// against the release's own file when this package was written.
	SHA256 string
}

// Config is everything the gateway's first boot needs.
type Config struct {
	Name   string // host name, and the name of the wrapped key in the bucket
	Cloud  string // cloud.Outscale or cloud.OVH
	Bucket Bucket
	// Exactly one key manager: OpenBao on OUTSCALE, OKMS on OVHcloud.
	OpenBao *OpenBao
	OKMS    *OKMS
	Client  ClientKey
	Port    int // 0 is DefaultPort
	TLS     TLS
	// AllowedSources are the CIDR blocks (the tiers' subnets) the host
	// firewall lets reach the listen port; nothing else comes in.
	AllowedSources []string
	Rclone         Rclone
	// PackageMirror replaces the image's apt sources; nil keeps them.
	PackageMirror *bastion.PackageMirror
	// Prefixes, when given, are all the gateway serves of the bucket: the
	// objects under them ("cohort-2026/diabetes/"), and nothing else; nil
	// serves the whole bucket.
	Prefixes []string
	// ReadOnly refuses every write (a gateway serving datasets to a
	// research workspace).
	ReadOnly bool
	// DataKeyObject is the object holding the wrapped data key: ""
	// is WrappedKeyObject(Name), made at the first start. Another gateway's
	// on the same bucket shares its data key, so that this one reads what
	// that one wrote. A read-only gateway never makes a data key.
	DataKeyObject string
}

// wrappedKey is the object holding the gateway's wrapped data key.
func (cfg Config) wrappedKey() string {
	if cfg.DataKeyObject != "" {
		return cfg.DataKeyObject
	}
	return WrappedKeyObject(cfg.Name)
}

// port is the listen port.
func (cfg Config) port() int {
	if cfg.Port == 0 {
		return DefaultPort
	}
	return cfg.Port
}

// rcloneMirror is the mirror cfg names, or the default one.
func (cfg Config) rcloneMirror() string {
	if cfg.Rclone.Mirror != "" {
		return strings.TrimSuffix(cfg.Rclone.Mirror, "/")
	}
	return DefaultRcloneMirror(cfg.Rclone.Version)
}

// WrappedKeyObject is where the gateway keeps its wrapped data key in the
// bucket.
func WrappedKeyObject(gateway string) string { return cloud.WrappedKeyPrefix + gateway + ".key" }

// Problem is one reason a configuration is refused, naming the attribute at
// fault as the resource calls it ("bucket.endpoint", "rclone_sha256", …).
type Problem struct {
	Attribute string
	Msg       string
}

func (p Problem) Error() string { return p.Attribute + ": " + p.Msg }

var (
	namePattern    = regexp.MustCompile(`^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$`)
	prefixPattern  = regexp.MustCompile(`^[A-Za-z0-9_.=-]+(/[A-Za-z0-9_.=-]+)*/$`)
	keyObjPattern  = regexp.MustCompile(`^` + regexp.QuoteMeta(cloud.WrappedKeyPrefix) + `[a-z0-9][a-z0-9.-]{0,126}\.key$`)
	bucketPattern  = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	regionPattern  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	mountPattern   = regexp.MustCompile(`^[a-zA-Z0-9_-]+(/[a-zA-Z0-9_-]+)*$`)
	idPattern      = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,128}$`)
	versionPattern = regexp.MustCompile(`^(\d+)\.(\d+)\.(\d+)$`)
	// credentialPattern is what a key, secret or token may hold: printable
	// ASCII without spaces, quotes, backslashes or commas, so that it goes
	// unquoted into curl's configuration and rclone's auth-key pair.
	credentialPattern = regexp.MustCompile(`^[!#-+\--\[\]-~]+$`)
)

// CredentialRule says, in words, which characters a credential may hold.
const CredentialRule = "printable ASCII characters without spaces, quotes, backslashes or commas"

// MinClientSecretLength is the shortest client secret the gateway takes.
const MinClientSecretLength = 16

// Check lists every reason cfg cannot be rendered.
func Check(cfg Config) []Problem {
	var problems []Problem
	add := func(attr, format string, args ...any) {
		problems = append(problems, Problem{Attribute: attr, Msg: fmt.Sprintf(format, args...)})
	}
	if !namePattern.MatchString(cfg.Name) {
		add("name", "%q is not a gateway name: lower-case letters, digits and -, starting with a letter and ending with a letter or digit, up to 63 characters", cfg.Name)
	}
	switch cfg.Cloud {
	case cloud.Outscale:
		if cfg.OpenBao == nil || cfg.OKMS != nil {
			add("cloud", "on OUTSCALE the data key comes from the key manager's OpenBao: give openbao and no okms")
		}
	case cloud.OVH:
		if cfg.OKMS == nil || cfg.OpenBao != nil {
			add("cloud", "on OVHcloud the data key comes from OKMS: give okms and no openbao")
		}
	default:
		add("cloud", "%q is not one of %s", cfg.Cloud, strings.Join(cloud.Names, ", "))
	}

	b := cfg.Bucket
	if !bucketPattern.MatchString(b.Name) {
		add("bucket.name", "%q is not a bucket name: 3 to 63 lower-case letters, digits, dots and hyphens", b.Name)
	}
	checkHTTPS(add, "bucket.endpoint", b.Endpoint)
	if !regionPattern.MatchString(b.Region) {
		add("bucket.region", "%q is not a region such as eu-west-2 or gra: the store's signature needs it", b.Region)
	}
	checkCredential(add, "bucket.access_key_id", b.AccessKeyID, 1)
	checkCredential(add, "bucket.secret_access_key", b.SecretAccessKey, 1)
	if strings.Contains(b.AccessKeyID, ":") {
		add("bucket.access_key_id", "the key id holds a colon, which would cut it from its secret")
	}

	if o := cfg.OpenBao; o != nil {
		checkHTTPS(add, "openbao.address", o.Address)
		if _, err := keymanager.Certificates(o.CACertPEM); err != nil && (o.CACertPEM != "" || !plainLoopback(o.Address)) {
			add("openbao.ca_cert_pem", "not a PEM bundle of certificates (%v): the gateway trusts the key manager's CA only; "+
				"give the provider the key manager's ca_cert_pem (outscale.kms_ca_cert, or HEALTH_KMS_CACERT)", err)
		}
		if !mountPattern.MatchString(o.Mount) {
			add("openbao.mount", "%q is not a mount path such as %s", o.Mount, keymanager.DefaultMount)
		}
		if !idPattern.MatchString(o.KeyName) {
			add("openbao.key_name", "%q is not a transit key name: letters, digits, _, . and -", o.KeyName)
		}
		checkCredential(add, "openbao.wrapping_token", o.WrappingToken, 1)
	}
	if o := cfg.OKMS; o != nil {
		checkHTTPS(add, "okms.endpoint", o.Endpoint)
		checkHTTPS(add, "okms.token_url", o.TokenURL)
		if !idPattern.MatchString(o.ID) {
			add("okms.id", "%q is not an OKMS id", o.ID)
		}
		if !idPattern.MatchString(o.KeyID) {
			add("okms.key_id", "%q is not a service key id", o.KeyID)
		}
		checkCredential(add, "okms.client_id", o.ClientID, 1)
		checkCredential(add, "okms.client_secret", o.ClientSecret, 1)
		if strings.Contains(o.ClientID, ":") {
			add("okms.client_id", "the client id holds a colon, which would cut it from its secret")
		}
	}

	checkCredential(add, "client_access_key_id", cfg.Client.AccessKeyID, 1)
	checkCredential(add, "client_secret_access_key", cfg.Client.SecretAccessKey, MinClientSecretLength)
	if p := cfg.port(); p != DefaultPort && (p < MinPort || p > MaxPort) {
		add("port", "%d is neither %d nor within %d to %d: the S3 server binds no other system port", p, DefaultPort, MinPort, MaxPort)
	}
	if cfg.TLS.CertPEM == "" || cfg.TLS.KeyPEM == "" {
		add("tls", "the gateway's certificate and key are missing: the provider makes them (IssueTLS) before rendering")
	} else if _, err := tls.X509KeyPair([]byte(cfg.TLS.CertPEM), []byte(cfg.TLS.KeyPEM)); err != nil {
		add("tls", "the certificate and key do not make a pair: %v", err)
	}
	if len(cfg.AllowedSources) == 0 {
		add("allowed_sources", "no CIDR block may reach the gateway: name the tiers' subnets that use it")
	}
	for _, s := range cfg.AllowedSources {
		p, err := netip.ParsePrefix(s)
		switch {
		case err != nil || !p.Addr().Is4():
			add("allowed_sources", "%q is not an IPv4 CIDR block such as 10.0.64.0/18", s)
		case p.Bits() == 0:
			add("allowed_sources", "%q lets everyone reach the data zones: name the tiers' subnets", s)
		}
	}

	for i, p := range cfg.Prefixes {
		if err := CheckPrefix(p); err != nil {
			add(fmt.Sprintf("prefixes[%d]", i), "%v", err)
		}
	}
	if cfg.DataKeyObject != "" && !keyObjPattern.MatchString(cfg.DataKeyObject) {
		add("data_key_object", "%q is not a wrapped data key such as %s: another gateway's data_key_object", cfg.DataKeyObject,
			WrappedKeyObject("wh-gateway"))
	}
	if cfg.ReadOnly && cfg.DataKeyObject == "" {
		add("data_key_object", "a read-only gateway makes no data key: give the data_key_object of the gateway that writes "+
			"the bucket")
	}

	r := cfg.Rclone
	if !versionPattern.MatchString(r.Version) {
		add("rclone_version", "%q is not an rclone release such as 1.71.2 (without the v)", r.Version)
	} else if compareVersions(r.Version, MinRcloneVersion) < 0 {
		add("rclone_version", "%s has no `serve s3`: rclone %s or later is needed", r.Version, MinRcloneVersion)
	}
	if r.SHA256 == "" {
		add("rclone_sha256", "missing: give the SHA-256 of rclone-v%s-linux-amd64.zip as the release's SHA256SUMS lists it (the archive is checked against it before it is unpacked)", r.Version)
	} else if err := keymanager.CheckSHA256(r.SHA256); err != nil {
		add("rclone_sha256", "%v", err)
	}
	if r.Mirror != "" {
		if err := bastion.CheckMirrorURL(r.Mirror); err != nil {
			add("rclone_mirror", "%v", err)
		}
	}
	if m := cfg.PackageMirror; m != nil {
		if err := bastion.CheckMirrorURL(m.Primary); err != nil {
			add("package_mirror.primary", "%v", err)
		}
		if err := bastion.CheckMirrorURL(m.Security); err != nil {
			add("package_mirror.security", "%v", err)
		}
	}
	return problems
}

// CheckPrefix refuses what a gateway cannot serve as a prefix: it goes
// into rclone's filter rules, so only plain path segments are taken.
func CheckPrefix(p string) error {
	switch {
	case !prefixPattern.MatchString(p) || strings.Contains("/"+p, "/../") || strings.Contains("/"+p, "/./"):
		return fmt.Errorf("%q is not a prefix such as cohort-2026/diabetes/: letters, digits, _ . = - and /, ending with / "+
			"and not starting with one", p)
	case strings.HasPrefix(p, cloud.WrappedKeyPrefix):
		return fmt.Errorf("%q is where the wrapped data keys are kept, which the gateway never serves", p)
	}
	return nil
}

// checkHTTPS refuses what is not an https:// URL with a host and no
// credentials, query or fragment: the gateway sends keys and data keys
// there. A loopback host (the local emulator) may be plain http://: no
// gateway reaches anything but itself there, so nothing can leak, and the
// tests that replay the gateway put a TLS proxy in front of it.
func checkHTTPS(add func(attr, format string, args ...any), attr, u string) {
	if err := bastion.CheckMirrorURL(u); err != nil {
		add(attr, "%v", err)
		return
	}
	if p, _ := url.Parse(u); p.Scheme != "https" && !isLoopback(p.Hostname()) {
		add(attr, "%q is plain HTTP: the gateway sends credentials and data keys there, so it must be https://", u)
	}
}

// plainLoopback says whether u is a plain http:// URL of a loopback host,
// which needs no CA.
func plainLoopback(u string) bool {
	p, err := url.Parse(u)
	return err == nil && p.Scheme == "http" && isLoopback(p.Hostname())
}

// isLoopback says whether host names this machine itself.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}

func checkCredential(add func(attr, format string, args ...any), attr, value string, minLength int) {
	switch {
	case value == "":
		add(attr, "empty")
	case !credentialPattern.MatchString(value):
		add(attr, "holds characters outside the rule (%s)", CredentialRule)
	case len(value) < minLength:
		add(attr, "%d characters, fewer than %d", len(value), minLength)
	}
}

// compareVersions compares two x.y.z versions.
func compareVersions(a, b string) int {
	pa, pb := versionPattern.FindStringSubmatch(a), versionPattern.FindStringSubmatch(b)
	for i := 1; i <= 3; i++ {
		x, _ := strconv.Atoi(pa[i])
		y, _ := strconv.Atoi(pb[i])
		if x != y {
			return x - y
		}
	}
	return 0
}

// check is Check as one error.
func (cfg Config) check() error {
	problems := Check(cfg)
	if len(problems) == 0 {
		return nil
	}
	msgs := make([]string, len(problems))
	for i, p := range problems {
		msgs[i] = p.Error()
	}
	return errors.New(strings.Join(msgs, "; "))
}

// Downloads lists the endpoints the gateway's first boot contacts: where
// it takes software from, the key manager, and the object store, for the
// plan's egress checks.
func Downloads(cfg Config) []bastion.Download {
	var out []bastion.Download
	if cfg.PackageMirror != nil {
		out = append(out, bastion.Download{What: "package_mirror.primary", URL: cfg.PackageMirror.Primary},
			bastion.Download{What: "package_mirror.security", URL: cfg.PackageMirror.Security})
	}
	out = append(out, bastion.Download{What: "rclone_mirror", URL: cfg.rcloneMirror()})
	if o := cfg.OpenBao; o != nil {
		out = append(out, bastion.Download{What: "openbao.address", URL: o.Address})
	}
	if o := cfg.OKMS; o != nil {
		out = append(out, bastion.Download{What: "okms.endpoint", URL: o.Endpoint},
			bastion.Download{What: "okms.token_url", URL: o.TokenURL})
	}
	return append(out, bastion.Download{What: "bucket.endpoint", URL: cfg.Bucket.Endpoint})
}
