package keymanager

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/sovhealth/terraform-provider-health/internal/bastion"
)

// cloudConfig is the part of cloud-init's cloud-config a server uses.
// Field order is the order of the rendered document.
type cloudConfig struct {
	Hostname          string              `yaml:"hostname"`
	PreserveHostname  bool                `yaml:"preserve_hostname"`
	DisableRoot       bool                `yaml:"disable_root"`
	SSHPasswordAuth   bool                `yaml:"ssh_pwauth"`
	SSHDeleteKeys     bool                `yaml:"ssh_deletekeys"`
	SSHKeys           sshKeys             `yaml:"ssh_keys"`
	AllowPublicSSHKey bool                `yaml:"allow_public_ssh_keys"`
	Groups            []string            `yaml:"groups"`
	Users             []user              `yaml:"users"`
	Apt               any                 `yaml:"apt,omitempty"`
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

type user struct {
	Name         string `yaml:"name"`
	Gecos        string `yaml:"gecos"`
	Shell        string `yaml:"shell"`
	LockPasswd   bool   `yaml:"lock_passwd"`
	System       bool   `yaml:"system"`
	NoCreateHome bool   `yaml:"no_create_home"`
}

// setupAccount stands in the users list so that cloud-init makes no
// default account (with its passwordless sudo): nobody logs in.
const setupAccount = "kms-setup"

// RendererVersion names the renderer in the spec file.
const RendererVersion = "terraform-provider-health/key-manager/1"

// Spec is a server's configuration as its user-data records it, in
// PathSpec: for auditors on the host, and for the provider to recover a
// key manager it imports. It holds no secret.
type Spec struct {
	Renderer       string                `json:"renderer"`
	Cluster        string                `json:"cluster"`
	NetworkID      string                `json:"network_id"`
	Cloud          string                `json:"cloud"`
	Size           string                `json:"size"`
	Node           SpecNode              `json:"node"`
	Peers          []SpecNode            `json:"peers"`
	Mount          string                `json:"mount"`
	OpenBaoVersion string                `json:"openbao_version"`
	HostKey        bastion.SpecHostKey   `json:"ssh_host_key"`
	NetworkRules   []bastion.NetworkRule `json:"network_rules"`
	// Where the first boot took its software from: absent in the spec
	// files of servers made before the provider recorded it.
	PackageMirror *bastion.PackageMirror `json:"package_mirror,omitempty"`
	OpenBaoMirror string                 `json:"openbao_mirror,omitempty"`
	OpenBaoSHA256 string                 `json:"openbao_sha256,omitempty"`
}

// SpecNode is a server in the spec file.
type SpecNode struct {
	Index int    `json:"index"`
	Name  string `json:"name"`
	IP    string `json:"private_ip"`
}

// MaxUserDataBase64 is OUTSCALE's limit on user-data, once base64-encoded.
const MaxUserDataBase64 = 500 * 1024

// Render renders one server's user-data: a #cloud-config document. The
// result holds the server's TLS private key and SSH host key: callers must
// never log it nor keep it.
func Render(cfg Config) ([]byte, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	spec, err := json.MarshalIndent(specOf(cfg), "", "  ")
	if err != nil {
		return nil, err
	}
	cc := cloudConfig{
		Hostname:          cfg.Node.Name,
		DisableRoot:       true,
		SSHDeleteKeys:     true,
		SSHKeys:           sshKeys{Ed25519Private: cfg.HostKey.PrivatePEM, Ed25519Public: cfg.HostKey.Public},
		AllowPublicSSHKey: false,
		Groups:            []string{GroupOperators},
		Users: []user{{Name: setupAccount, Gecos: "warehouse key manager setup (no login)", Shell: "/usr/sbin/nologin",
			LockPasswd: true, System: true, NoCreateHome: true}},
		PackageUpdate:  true,
		PackageUpgrade: true,
		Packages: []string{"nftables", "auditd", "audispd-plugins", "unattended-upgrades", "apt-listchanges",
			"curl", "ca-certificates", "openssl"},
		FinalMessage: "health key manager server " + cfg.Node.Name + " ready after $UPTIME seconds: OpenBao is sealed and waits for its key holders",
	}
	if cfg.PackageMirror != nil {
		cc.Apt = bastion.AptConfigOf(cfg.PackageMirror)
	}
	files := []bastion.WriteFile{
		bastion.File(PathSpec, "0644", string(spec)+"\n", false),
		bastion.File(PathOpenBaoConfig, "0640", OpenBaoConfig(cfg), false),
		bastion.File(PathTrustBundle, "0644", cfg.TLS.TrustBundle, false),
		bastion.File(PathIssuer, "0644", cfg.TLS.Issuer, false),
		bastion.File(PathServerCert, "0644", cfg.TLS.Cert, false),
		bastion.File(PathServerKey, "0600", cfg.TLS.Key, false),
		bastion.File(PathPolicy, "0644", TerraformPolicy(cfg.Mount), false),
		bastion.File(PathInstall, "0700", InstallScript(cfg.Version, cfg.openBaoMirror(), cfg.OpenBaoSHA256), false),
		bastion.File(PathUnit, "0644", Unit(cfg.Cluster), true),
		bastion.File(PathProfile, "0644", Profile(), true),
		bastion.File(PathLogrotate, "0644", Logrotate(), true),
		bastion.File(PathSysctl, "0644", Sysctl(), true),
		bastion.File(PathNftables, "0600", NftablesConfig(cfg), true),
		bastion.File(PathSSHDConfig, "0600", SSHDConfig(cfg), true),
		bastion.File(PathBanner, "0644", BannerText(cfg), true),
		bastion.File(PathAuditRules, "0640", AuditRules(), true),
		bastion.File(bastion.PathAuditImmutable, "0640", bastion.AuditImmutable(), true),
		bastion.File(bastion.PathAuditSyslog, "0640", bastion.AuditSyslogPlugin(), true),
		bastion.File(bastion.PathJournald, "0644", bastion.JournaldConfig(), true),
		bastion.File(bastion.PathAutoUpgrades, "0644", bastion.AutoUpgrades(), true),
		bastion.File(PathUnattended, "0644", UnattendedUpgrades(), true),
		bastion.File(bastion.PathAptSandbox, "0644", bastion.AptSandbox(), true),
	}
	slices.SortStableFunc(files, func(a, b bastion.WriteFile) int { return strings.Compare(a.Path, b.Path) })
	cc.WriteFiles = files
	cc.RunCmd = [][]string{
		{"sh", "-c", "sysctl --system >/dev/null"},
		{"systemctl", "restart", "systemd-journald"},
		{"sh", "-c", "systemctl enable nftables && systemctl restart nftables"},
		{"sh", "-c", "systemctl enable auditd && augenrules --load && systemctl restart auditd"},
		{PathInstall},
		// The package's postinst hands /etc/openbao to openbao; ours stays
		// root's, readable by the service's group only where it must.
		{"sh", "-c", "chown -R root:openbao /etc/health-kms && chmod 0750 /etc/health-kms " + PathTLSDir +
			" && chmod 0640 " + PathOpenBaoConfig + " " + PathServerKey},
		{"install", "-d", "-o", "openbao", "-g", "openbao", "-m", "0700", PathRaft},
		{"install", "-d", "-o", "openbao", "-g", "openbao", "-m", "0750", PathAuditLogDir},
		{"sh", "-c", "systemctl daemon-reload && systemctl enable openbao && systemctl restart openbao"},
		{"sh", "-c", "sshd -t && systemctl restart ssh"},
		{"systemctl", "enable", "--now", "unattended-upgrades"},
	}

	body, err := yaml.Marshal(&cc)
	if err != nil {
		return nil, err
	}
	header := fmt.Sprintf("#cloud-config\n# First boot of the OpenBao server %s of the warehouse key manager %s,\n"+
		"# rendered by terraform-provider-health. It holds the server's TLS key and SSH host key.\n", cfg.Node.Name, cfg.Cluster)
	out := append([]byte(header), body...)
	if n := base64.StdEncoding.EncodedLen(len(out)); n > MaxUserDataBase64 {
		return nil, fmt.Errorf("the user-data is %d bytes once base64-encoded, more than OUTSCALE's %d", n, MaxUserDataBase64)
	}
	return out, nil
}

func specOf(cfg Config) Spec {
	s := Spec{
		Renderer:       RendererVersion,
		Cluster:        cfg.Cluster,
		NetworkID:      cfg.NetworkID,
		Cloud:          cfg.Cloud,
		Size:           cfg.Size,
		Node:           SpecNode(cfg.Node),
		Peers:          []SpecNode{},
		Mount:          cfg.Mount,
		OpenBaoVersion: cfg.Version,
		HostKey:        bastion.SpecHostKey{Public: cfg.HostKey.Public, Fingerprint: cfg.HostKey.Fingerprint},
		NetworkRules:   append([]bastion.NetworkRule{}, cfg.NetworkRules...),
		OpenBaoMirror:  cfg.openBaoMirror(),
		OpenBaoSHA256:  cfg.OpenBaoSHA256,
	}
	if m := cfg.PackageMirror; m != nil {
		mirror := *m
		s.PackageMirror = &mirror
	}
	for _, p := range cfg.Peers {
		s.Peers = append(s.Peers, SpecNode(p))
	}
	return s
}

// Recovered is what a server's user-data tells without its secrets.
type Recovered struct {
	Spec Spec
	// Issuer is the CA certificate that signed the server's certificate,
	// Cert that certificate, TrustBundle every CA the server trusts.
	Issuer, Cert, TrustBundle string
}

// ErrNotAKeyManager: the user-data was not rendered by this package.
var ErrNotAKeyManager = errors.New("the user-data is not a warehouse key manager server's")

// Recover reads the spec file and the public TLS material back from a
// server's user-data, leaving the private keys in it alone.
func Recover(userData []byte) (Recovered, error) {
	files, err := bastion.WrittenFiles(userData, ErrNotAKeyManager)
	if err != nil {
		return Recovered{}, err
	}
	var r Recovered
	if err := bastion.ReadSpec(files, PathSpec, "terraform-provider-health/key-manager/", &r.Spec, ErrNotAKeyManager); err != nil {
		return Recovered{}, err
	}
	r.Issuer, r.Cert, r.TrustBundle = files[PathIssuer], files[PathServerCert], files[PathTrustBundle]
	return r, nil
}
