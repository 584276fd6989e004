package workspace

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/sovhealth/terraform-provider-health/internal/bastion"
)

// cloudConfig is the part of cloud-init's cloud-config the workspace uses.
// Field order is the order of the rendered document.
type cloudConfig struct {
	Hostname          string              `yaml:"hostname"`
	PreserveHostname  bool                `yaml:"preserve_hostname"`
	DisableRoot       bool                `yaml:"disable_root"`
	SSHPasswordAuth   bool                `yaml:"ssh_pwauth"`
	SSHDeleteKeys     bool                `yaml:"ssh_deletekeys,omitempty"`
	SSHKeys           *sshKeys            `yaml:"ssh_keys,omitempty"`
	AllowPublicSSHKey bool                `yaml:"allow_public_ssh_keys"`
	CACerts           *caCerts            `yaml:"ca_certs,omitempty"`
	Groups            []string            `yaml:"groups"`
	Users             []user              `yaml:"users"`
	Apt               *bastion.AptConfig  `yaml:"apt,omitempty"`
	PackageUpdate     bool                `yaml:"package_update"`
	PackageUpgrade    bool                `yaml:"package_upgrade"`
	Packages          []string            `yaml:"packages"`
	WriteFiles        []bastion.WriteFile `yaml:"write_files"`
	RunCmd            [][]string          `yaml:"runcmd"`
	FinalMessage      string              `yaml:"final_message"`
}

type sshKeys struct {
	Ed25519Private string `yaml:"ed25519_private"`
	Ed25519Public  string `yaml:"ed25519_public"`
}

type caCerts struct {
	Trusted []string `yaml:"trusted"`
}

type user struct {
	Name       string `yaml:"name"`
	Gecos      string `yaml:"gecos"`
	Groups     string `yaml:"groups"`
	Shell      string `yaml:"shell"`
	LockPasswd bool   `yaml:"lock_passwd"`
}

// RendererVersion names the renderer in the spec file.
const RendererVersion = "terraform-provider-health/workspace/1"

// Spec is the machine's configuration as its user-data records it, in
// PathSpec, for auditors on the host and for imports. It holds no secret.
// The members' keys are not repeated in it (the user-data must hold 40
// members): Recover reads them from the authorized keys files.
type Spec struct {
	Renderer    string       `json:"renderer"`
	Workspace   string       `json:"workspace"`
	Name        string       `json:"name"`
	Index       int          `json:"index"`
	Cloud       string       `json:"cloud"`
	Size        string       `json:"size"`
	Image       string       `json:"image"`
	Members     []SpecMember `json:"members"`
	BastionCIDR string       `json:"bastion_cidr"`
	Endpoint    string       `json:"endpoint"`
	Region      string       `json:"region"`
	AccessKeyID string       `json:"access_key_id"`
	Working     string       `json:"working_bucket"`
	Import      string       `json:"import_bucket,omitempty"`
	Export      string       `json:"export_bucket,omitempty"`
	Datasets    []Dataset    `json:"datasets"`
	// DataGateways are the gateways, without their CA and key.
	DataGateways []SpecGateway `json:"data_gateways,omitempty"`
	// PackageMirror is the apt mirror; absent, the image's own sources.
	PackageMirror *bastion.PackageMirror `json:"package_mirror,omitempty"`
	// HostKey is the public half of the host key the provider made;
	// absent, the machine made its own.
	HostKey *bastion.SpecHostKey `json:"host_key,omitempty"`
}

// SpecMember is one member. PublicKey is not in the spec file; Recover
// fills it from the member's authorized keys file.
type SpecMember struct {
	Name        string `json:"name"`
	Fingerprint string `json:"fingerprint"`
	PublicKey   string `json:"ssh_public_key,omitempty"`
}

// SpecGateway is a data gateway in the spec file.
type SpecGateway struct {
	Bucket   string `json:"bucket"`
	Endpoint string `json:"endpoint"`
}

func specOf(cfg Config) Spec {
	s := Spec{
		Renderer: RendererVersion, Workspace: cfg.Workspace, Name: cfg.Name, Index: cfg.Index, Cloud: cfg.Cloud,
		Size: cfg.Size, Image: cfg.Image, Members: []SpecMember{}, BastionCIDR: cfg.BastionCIDR,
		Endpoint: cfg.ObjectStorage.Endpoint, Region: cfg.ObjectStorage.Region, AccessKeyID: cfg.ObjectStorage.AccessKeyID,
		Working: cfg.Buckets.Working, Import: cfg.Buckets.Import, Export: cfg.Buckets.Export,
		Datasets: append([]Dataset{}, cfg.Buckets.Datasets...),
	}
	for _, m := range cfg.Members {
		k, _ := bastion.ParseAdminKey(m.PublicKey)
		s.Members = append(s.Members, SpecMember{Name: m.Name, Fingerprint: k.Fingerprint})
	}
	for _, g := range cfg.DataGateways {
		s.DataGateways = append(s.DataGateways, SpecGateway{Bucket: g.Bucket, Endpoint: g.Endpoint})
	}
	if m := cfg.PackageMirror; m != nil {
		mirror := *m
		s.PackageMirror = &mirror
	}
	if k := cfg.HostKey; k != nil {
		s.HostKey = &bastion.SpecHostKey{Public: k.Public, Fingerprint: k.Fingerprint}
	}
	return s
}

// authorizedKeysOptions restrict every member's key: no forwarding, no
// ~/.ssh/rc, a terminal.
const authorizedKeysOptions = "restrict,pty"

// AuthorizedKeysLine is a member's line in their root-owned authorized
// keys file: the key as given (its comment included), restricted.
func AuthorizedKeysLine(m Member) string {
	return authorizedKeysOptions + " " + strings.TrimSpace(m.PublicKey)
}

// Render renders a workspace machine's user-data: a #cloud-config
// document. The result holds the workspace identity's secret (and the host
// key, if given): callers must never log it nor keep it.
func Render(cfg Config) ([]byte, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	spec, err := json.MarshalIndent(specOf(cfg), "", " ")
	if err != nil {
		return nil, err
	}
	cc := cloudConfig{
		Hostname:    cfg.Name,
		DisableRoot: true,
		// A users list without "default": no image account with
		// passwordless sudo; no member has sudo.
		Groups:         []string{GroupMembers},
		Apt:            bastion.AptConfigOf(cfg.PackageMirror),
		PackageUpdate:  true,
		PackageUpgrade: true,
		Packages:       []string{"nftables", "auditd", "audispd-plugins", "unattended-upgrades", "apt-listchanges", "rclone", "ca-certificates"},
		FinalMessage:   "health workspace " + cfg.Workspace + " machine " + cfg.Name + " ready after $UPTIME seconds",
	}
	if k := cfg.HostKey; k != nil {
		cc.SSHDeleteKeys = true
		cc.SSHKeys = &sshKeys{Ed25519Private: k.PrivatePEM, Ed25519Public: k.Public}
	}
	for _, g := range cfg.DataGateways {
		if cc.CACerts == nil {
			cc.CACerts = &caCerts{}
		}
		cc.CACerts.Trusted = append(cc.CACerts.Trusted, g.CAPEM)
	}
	files := []bastion.WriteFile{
		bastion.File(PathSpec, "0644", string(spec)+"\n", false),
		bastion.File(PathRcloneConfig, "0644", RcloneConfig(cfg), false),
		bastion.File(PathAWSConfig, "0644", AWSConfig(cfg), false),
		bastion.File(PathProfile, "0644", Profile(cfg), false),
		bastion.File(PathMotd, "0644", Motd(cfg), true),
		bastion.File(PathBanner, "0644", BannerText(cfg), true),
		bastion.File(PathSSHDConfig, "0600", SSHDConfig(cfg), true),
		bastion.File(PathNftables, "0600", NftablesConfig(cfg), true),
		bastion.File(PathAuditRules, "0640", AuditRules(), true),
		bastion.File(bastion.PathAuditImmutable, "0640", bastion.AuditImmutable(), true),
		bastion.File(bastion.PathAuditSyslog, "0640", bastion.AuditSyslogPlugin(), true),
		bastion.File(PathJournald, "0644", JournaldConfig(), true),
		bastion.File(PathSysctl, "0644", Sysctl(), true),
		bastion.File(bastion.PathAutoUpgrades, "0644", bastion.AutoUpgrades(), true),
		bastion.File(PathUnattended, "0644", bastion.UnattendedUpgrades(), true),
	}
	// The secret: deferred, so that the group exists when it is written.
	s3env := bastion.File(PathS3Env, "0640", S3Env(cfg), true)
	s3env.Owner = "root:" + GroupMembers
	files = append(files, s3env)
	for _, m := range cfg.Members {
		cc.Users = append(cc.Users, user{Name: m.Name, Gecos: "workspace member", Groups: GroupMembers,
			Shell: "/bin/bash", LockPasswd: true})
		files = append(files, bastion.File(PathAuthorizedKeys+"/"+m.Name, "0644", AuthorizedKeysLine(m)+"\n", false))
	}
	slices.SortStableFunc(files, func(a, b bastion.WriteFile) int { return strings.Compare(a.Path, b.Path) })
	cc.WriteFiles = files
	cc.RunCmd = [][]string{
		{"chmod", "0755", PathDir},
		{"install", "-d", "-o", "root", "-g", GroupMembers, "-m", "2770", PathShared},
		{"sh", "-c", "sysctl --system >/dev/null"},
		{"systemctl", "restart", "systemd-journald"},
		{"sh", "-c", "systemctl enable nftables && systemctl restart nftables"},
		{"sh", "-c", "systemctl enable auditd && augenrules --load && systemctl restart auditd"},
		// sshd checks the whole configuration before taking it.
		{"sh", "-c", "sshd -t && systemctl restart ssh"},
		{"systemctl", "enable", "--now", "unattended-upgrades"},
	}

	body, err := yaml.Marshal(&cc)
	if err != nil {
		return nil, err
	}
	header := fmt.Sprintf("#cloud-config\n# First boot of the research workspace %s's machine %s (%s),\n"+
		"# rendered by terraform-provider-health. It holds the workspace's object storage key.\n", cfg.Workspace, cfg.Name, cfg.Cloud)
	out := append([]byte(header), body...)
	if base64.StdEncoding.EncodedLen(len(out)) <= MaxUserDataBase64 {
		return out, nil
	}
	// Too long for OVHcloud as text (many members with long RSA keys):
	// cloud-init takes gzip-compressed user-data as well and inflates it
	// before reading it (documented by cloud-init; unverified on either
	// cloud's images). The gzip header carries no name nor time: the same
	// configuration gives the same bytes.
	var zipped bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&zipped, gzip.BestCompression) // a valid level: no error
	_, _ = zw.Write(out)                                        // a bytes.Buffer does not fail
	if err := zw.Close(); err != nil {
		return nil, err
	}
	if n := base64.StdEncoding.EncodedLen(zipped.Len()); n > MaxUserDataBase64 {
		return nil, fmt.Errorf("user-data: %d bytes once compressed and base64-encoded, more than the %d OVHcloud takes (%d members): "+
			"list fewer members or give them ed25519 keys, which are shorter", n, MaxUserDataBase64, len(cfg.Members))
	}
	return zipped.Bytes(), nil
}

// maxInflated bounds what WrittenFiles inflates from a compressed user-data.
const maxInflated = 4 << 20

// Text is the #cloud-config document of a user-data Render made, inflated
// when Render compressed it.
func Text(userData []byte) ([]byte, error) {
	if !bytes.HasPrefix(userData, []byte{0x1f, 0x8b}) {
		return userData, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(userData))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotAWorkspace, err)
	}
	text, err := io.ReadAll(io.LimitReader(zr, maxInflated+1))
	if err != nil || len(text) > maxInflated {
		return nil, fmt.Errorf("%w: its compressed user-data does not inflate to a document", ErrNotAWorkspace)
	}
	return text, nil
}

// ErrNotAWorkspace: the user-data was not rendered by this package.
var ErrNotAWorkspace = errors.New("the user-data is not a research workspace machine's")

// Recover reads the spec file back from a machine's user-data, with the
// members' keys from their authorized keys files, leaving the secrets
// alone: for imports, and to tell what a machine runs.
func Recover(userData []byte) (Spec, error) {
	files, err := WrittenFiles(userData)
	if err != nil {
		return Spec{}, err
	}
	var s Spec
	if err := bastion.ReadSpec(files, PathSpec, "terraform-provider-health/workspace/", &s, ErrNotAWorkspace); err != nil {
		return Spec{}, err
	}
	for i, m := range s.Members {
		line, ok := files[PathAuthorizedKeys+"/"+m.Name]
		if !ok {
			return Spec{}, fmt.Errorf("%w: the member %s has no authorized keys file", ErrNotAWorkspace, m.Name)
		}
		s.Members[i].PublicKey = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), authorizedKeysOptions+" "))
	}
	return s, nil
}

// WrittenFiles are the files a machine's user-data writes, by path: what
// the machine holds after its first boot (the secret included), for tests
// and for auditors holding the user-data.
func WrittenFiles(userData []byte) (map[string]string, error) {
	userData, err := Text(userData)
	if err != nil {
		return nil, err
	}
	return bastion.WrittenFiles(userData, ErrNotAWorkspace)
}
