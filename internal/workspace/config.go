// Package workspace renders the first boot of a research workspace's
// machine: a VM in the network's compute tier where the members of one
// approved project work on the datasets granted to it, like an AzureTRE
// workspace's VM.
//
// The machine has one account per member (a key, no password, no sudo),
// all in the group GroupMembers, which is the only group its SSH server
// admits; SSH comes in from the bastion tier only (the host firewall
// repeats the workspace's security group); the members reach object
// storage with the workspace's own identity, whose secret is in one file
// their group can read (PathS3Env), never on a command line; rclone and
// aws-cli find the workspace's buckets under short names (PathRcloneConfig,
// PathAWSConfig). Outbound traffic is the security groups' business, but
// for the metadata service, which only root reaches.
//
// It is plain Go with no cloud SDK and no Terraform code: every file it
// writes is unit-tested, and checked by the real tools (cloud-init schema,
// sshd -t, nft -c) in the tests.
package workspace

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/sovhealth/terraform-provider-health/internal/bastion"
	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// GroupMembers is the group of every member's account: sshd admits it and
// no other, and it may read the object storage identity (PathS3Env).
const GroupMembers = "workspace"

// MaxMembers is the most members a workspace's machine takes: with 40
// members, RSA keys of 4096 bits included, its user-data stays under the
// 65535 bytes (base64) OVHcloud takes.
const MaxMembers = 40

// MaxUserDataBase64 is the largest user-data, once base64-encoded, both
// clouds take (OpenStack Nova's, on OVHcloud).
const MaxUserDataBase64 = bastion.MaxUserDataBase64

// Member is one person of the project.
type Member struct {
	Name      string // the login, bastion.NameRule
	PublicKey string // authorized_keys form, bastion.KeyRule
}

// ObjectStorage is the workspace's object storage identity: its endpoint
// and one access key. The secret goes into the user-data only, and on the
// machine into PathS3Env only.
type ObjectStorage struct {
	Endpoint string // https://…
	Region   string // the region the store signs with ("cloudgouv-eu-west-1", "gra")
	// AccessKeyID and SecretAccessKey: the workspace identity's key. Never logged.
	AccessKeyID, SecretAccessKey string
}

// Dataset is read-only access to the objects under Prefix of Bucket, found
// by members as the rclone remote Name.
type Dataset struct {
	// Name is the dataset's rclone remote ("cohort-2024"); "" names it
	// dataset<N>, N from 1 in the list's order.
	Name   string
	Bucket string
	Prefix string // "" for the whole bucket, else ends with "/"
}

// Buckets are the buckets the workspace's identity reaches.
type Buckets struct {
	Working string // read and write
	Import  string // read: what the airlock brought in; "" for none
	Export  string // write: what asks to leave through the airlock; "" for none
	// Datasets are read only.
	Datasets []Dataset
}

// DataGateway is the data path of a bucket under a customer key: its
// datasets are read through the gateway's S3 endpoint (internal/gateway),
// which the machine trusts by the gateway's CA.
type DataGateway struct {
	Bucket   string
	Endpoint string // https://<gateway>:<port>
	CAPEM    string // the CA that signed the gateway's certificate
	// AccessKeyID and SecretAccessKey are the gateway's client key, if it
	// takes its own: empty, the workspace's identity is sent. The secret
	// goes into PathS3Env only.
	AccessKeyID, SecretAccessKey string
}

// Config is everything a workspace machine's first boot needs.
type Config struct {
	Workspace string // the workspace's name
	Name      string // the machine's host name
	Index     int    // the machine's index in the workspace, from 0
	Cloud     string // cloud.Outscale or cloud.OVH
	Members   []Member
	// BastionCIDR is the bastion tier's block: the only source the host
	// firewall admits SSH from.
	BastionCIDR   string
	ObjectStorage ObjectStorage
	Buckets       Buckets
	DataGateways  []DataGateway
	// PackageMirror replaces the image's apt sources (first boot and the
	// daily security updates); nil keeps them.
	PackageMirror *bastion.PackageMirror
	// HostKey, when set, is the machine's SSH host key, made by the
	// provider so that members can pin it; nil lets the machine make its
	// own (trusted on first use through the bastion's recorded hop).
	HostKey *bastion.HostKey
	// Size and Image are the machine's size and image as declared
	// ("medium", "debian-12"), recorded in the spec file for imports.
	Size, Image string
}

// Problem is one reason a configuration is refused, naming the attribute at
// fault as the resource calls it ("members[0].ssh_public_key", …).
type Problem struct {
	Attribute string
	Msg       string
}

func (p Problem) Error() string { return p.Attribute + ": " + p.Msg }

var (
	namePattern   = regexp.MustCompile(`^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$`)
	bucketPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	regionPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	remotePattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)
	prefixPattern = regexp.MustCompile(`^[A-Za-z0-9!_.*'()-]+(/[A-Za-z0-9!_.*'()-]+)*/$`)
	// credentialPattern is what a key id or secret may hold: printable
	// ASCII without spaces, quotes or backslashes, so that it goes into a
	// shell's environment file as written.
	credentialPattern = regexp.MustCompile(`^[!#-&(-\[\]-~]+$`)
)

// CredentialRule says, in words, which characters a key id or secret may hold.
const CredentialRule = "printable ASCII characters without spaces, quotes or backslashes"

// reservedRemotes are the rclone remotes the renderer writes itself.
var reservedRemotes = []string{"store", "working", "import", "export"}

// reservedLogins are accounts of the workspace machine besides the
// system's (which bastion.CheckAdminName refuses).
var reservedLogins = []string{GroupMembers, "health-workspace", "rclone"}

// Check lists every reason cfg cannot be rendered.
func Check(cfg Config) []Problem {
	var problems []Problem
	add := func(attr, format string, args ...any) {
		problems = append(problems, Problem{Attribute: attr, Msg: fmt.Sprintf(format, args...)})
	}
	if !namePattern.MatchString(cfg.Workspace) {
		add("name", "%q is not a workspace name: lower-case letters, digits and -, starting with a letter and ending with a letter or digit, up to 63 characters", cfg.Workspace)
	}
	if !namePattern.MatchString(cfg.Name) {
		add("machine_name", "%q is not a host name: lower-case letters, digits and -, starting with a letter, up to 63 characters", cfg.Name)
	}
	if cfg.Index < 0 {
		add("count", "machine index %d is negative", cfg.Index)
	}
	if !slices.Contains(cloud.Names, cfg.Cloud) {
		add("cloud", "%q is not one of %s", cfg.Cloud, strings.Join(cloud.Names, ", "))
	}
	checkMembers(add, cfg.Members)

	if p, err := netip.ParsePrefix(cfg.BastionCIDR); err != nil || !p.Addr().Is4() {
		add("bastion_cidr", "%q is not an IPv4 CIDR block such as 10.0.0.0/24: the bastion tier's subnet", cfg.BastionCIDR)
	} else if p.Bits() == 0 {
		add("bastion_cidr", "%q would admit SSH from everywhere: give the bastion tier's subnet", cfg.BastionCIDR)
	}

	s := cfg.ObjectStorage
	checkHTTPS(add, "object_storage.endpoint", s.Endpoint)
	if !regionPattern.MatchString(s.Region) {
		add("object_storage.region", "%q is not a region such as cloudgouv-eu-west-1 or gra: the store's signature needs it", s.Region)
	}
	checkCredential(add, "object_storage.access_key_id", s.AccessKeyID)
	checkCredential(add, "object_storage.secret_access_key", s.SecretAccessKey)

	b := cfg.Buckets
	checkBucket(add, "working_bucket", b.Working, true)
	checkBucket(add, "import_bucket", b.Import, false)
	checkBucket(add, "export_bucket", b.Export, false)
	if b.Export != "" && (b.Export == b.Working || b.Export == b.Import) {
		add("export_bucket", "%q is also the working or import bucket: what asks to leave must be apart", b.Export)
	}
	remotes := map[string]int{}
	for i, d := range b.Datasets {
		attr := fmt.Sprintf("datasets[%d]", i)
		checkBucket(add, attr+".bucket", d.Bucket, true)
		if d.Prefix != "" && (!prefixPattern.MatchString(d.Prefix) || slices.Contains(strings.Split(d.Prefix, "/"), "..")) {
			add(attr+".prefix", "%q is not a prefix such as cohorts/2024/: path segments of letters, digits and !_.*'()-, ending with /", d.Prefix)
		}
		name := datasetRemote(i, d)
		switch {
		case !remotePattern.MatchString(name):
			add(attr+".name", "%q is not a dataset name: 1 to 32 lower-case letters, digits and -, starting with a letter", name)
		case slices.Contains(reservedRemotes, name) || strings.HasPrefix(name, "gateway"):
			add(attr+".name", "%q is a name the workspace uses for its own buckets: choose another", name)
		default:
			if j, dup := remotes[name]; dup {
				add(attr+".name", "%q is also the name of datasets[%d]", name, j)
			}
			remotes[name] = i
		}
	}
	gateways := map[string]int{}
	for i, g := range cfg.DataGateways {
		attr := fmt.Sprintf("data_gateways[%d]", i)
		checkBucket(add, attr+".bucket", g.Bucket, true)
		if j, dup := gateways[g.Bucket]; dup {
			add(attr+".bucket", "%q is also the bucket of data_gateways[%d]: one gateway per bucket", g.Bucket, j)
		}
		gateways[g.Bucket] = i
		checkHTTPS(add, attr+".endpoint", g.Endpoint)
		if err := checkCA(g.CAPEM); err != nil {
			add(attr+".ca_pem", "%v", err)
		}
		if g.AccessKeyID != "" || g.SecretAccessKey != "" {
			checkCredential(add, attr+".access_key_id", g.AccessKeyID)
			checkCredential(add, attr+".secret_access_key", g.SecretAccessKey)
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
	if k := cfg.HostKey; k != nil && (k.PrivatePEM == "" || k.Public == "") {
		add("host_key", "the host key is incomplete: the provider makes it (bastion.GenerateHostKey) before rendering")
	}
	return problems
}

// checkMembers checks the logins and keys: one account and one key each.
func checkMembers(add func(attr, format string, args ...any), members []Member) {
	switch {
	case len(members) == 0:
		add("members", "at least one member is needed: nobody could log in")
	case len(members) > MaxMembers:
		add("members", "%d members, more than the %d a workspace machine's user-data holds: split the project into workspaces", len(members), MaxMembers)
	}
	names := map[string]int{}
	keys := map[string]int{}
	for i, m := range members {
		attr := fmt.Sprintf("members[%d]", i)
		if err := bastion.CheckAdminName(m.Name); err != nil {
			add(attr+".name", "%v", err)
		} else if slices.Contains(reservedLogins, m.Name) {
			add(attr+".name", "%q is an account or group the workspace machine uses: choose another login", m.Name)
		} else if j, dup := names[m.Name]; dup {
			add(attr+".name", "%q is also the name of members[%d]: each member needs a login of their own", m.Name, j)
		} else {
			names[m.Name] = i
		}
		k, err := bastion.ParseAdminKey(m.PublicKey)
		if err != nil {
			// The bastion's words, said of a member and of this machine.
			msg := strings.NewReplacer("per administrator entry", "per member", "the bastion sets", "the workspace machine sets",
				"the bastion trusts", "the workspace machine trusts").Replace(err.Error())
			add(attr+".ssh_public_key", "the key of %q is refused: %s", m.Name, msg)
			continue
		}
		if j, dup := keys[k.Fingerprint]; dup {
			add(attr+".ssh_public_key", "the key of %q (%s) is also the key of members[%d]: each member needs a key of their own, so that the audit trail tells them apart", m.Name, k.Fingerprint, j)
		}
		keys[k.Fingerprint] = i
	}
}

func checkBucket(add func(attr, format string, args ...any), attr, name string, required bool) {
	if name == "" && !required {
		return
	}
	if !bucketPattern.MatchString(name) {
		add(attr, "%q is not a bucket name: 3 to 63 lower-case letters, digits, dots and hyphens", name)
	}
}

// checkHTTPS refuses what is not an https:// URL with a host and no
// credentials, query or fragment; a loopback host (the local emulator) may
// be plain http://.
func checkHTTPS(add func(attr, format string, args ...any), attr, u string) {
	if err := bastion.CheckMirrorURL(u); err != nil {
		add(attr, "%v", err)
		return
	}
	if p, _ := url.Parse(u); p.Scheme != "https" && !isLoopback(p.Hostname()) {
		add(attr, "%q is plain HTTP: the members' key and data go there, so it must be https://", u)
	}
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}

func checkCredential(add func(attr, format string, args ...any), attr, value string) {
	switch {
	case value == "":
		add(attr, "empty")
	case !credentialPattern.MatchString(value):
		add(attr, "holds characters outside the rule (%s)", CredentialRule)
	}
}

// checkCA says why pemText is not a bundle of CA certificates, or nil.
func checkCA(pemText string) error {
	rest := []byte(pemText)
	n := 0
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return fmt.Errorf("a %s block: give the gateway's CA certificate (ca_cert_pem of its resource), never a key", block.Type)
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return fmt.Errorf("not a certificate: %v", err)
		}
		n++
	}
	if n == 0 || strings.TrimSpace(string(rest)) != "" {
		return errors.New("not a PEM bundle of certificates: give the gateway's CA (ca_cert_pem of its resource)")
	}
	return nil
}

// datasetRemote is the rclone remote of the i-th dataset.
func datasetRemote(i int, d Dataset) string {
	if d.Name != "" {
		return d.Name
	}
	return fmt.Sprintf("dataset%d", i+1)
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

// Downloads lists where the machine's first boot downloads software from,
// for the plan's egress checks.
func Downloads(cfg Config) []bastion.Download {
	if cfg.PackageMirror == nil {
		return nil
	}
	return []bastion.Download{{What: "package_mirror.primary", URL: cfg.PackageMirror.Primary},
		{What: "package_mirror.security", URL: cfg.PackageMirror.Security}}
}
