package gateway

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/sovhealth/terraform-provider-health/internal/bastion"
	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/keymanager"
)

// cloudConfig is the part of cloud-init's cloud-config the gateway uses.
// Field order is the order of the rendered document.
type cloudConfig struct {
	Hostname          string              `yaml:"hostname"`
	PreserveHostname  bool                `yaml:"preserve_hostname"`
	DisableRoot       bool                `yaml:"disable_root"`
	SSHPasswordAuth   bool                `yaml:"ssh_pwauth"`
	AllowPublicSSHKey bool                `yaml:"allow_public_ssh_keys"`
	Users             []user              `yaml:"users"`
	Apt               *bastion.AptConfig  `yaml:"apt,omitempty"`
	PackageUpdate     bool                `yaml:"package_update"`
	PackageUpgrade    bool                `yaml:"package_upgrade"`
	Packages          []string            `yaml:"packages"`
	WriteFiles        []bastion.WriteFile `yaml:"write_files"`
	RunCmd            [][]string          `yaml:"runcmd"`
	FinalMessage      string              `yaml:"final_message"`
}

type user struct {
	Name         string `yaml:"name"`
	Gecos        string `yaml:"gecos"`
	Shell        string `yaml:"shell"`
	LockPasswd   bool   `yaml:"lock_passwd"`
	System       bool   `yaml:"system"`
	NoCreateHome bool   `yaml:"no_create_home"`
}

// RendererVersion names the renderer in the spec file.
const RendererVersion = "terraform-provider-health/gateway/1"

// Spec is the gateway's configuration as its user-data records it, in
// PathSpec, for auditors on the host and for imports. It holds no secret.
type Spec struct {
	Renderer       string   `json:"renderer"`
	Name           string   `json:"name"`
	Cloud          string   `json:"cloud"`
	Bucket         string   `json:"bucket"`
	Endpoint       string   `json:"endpoint"`
	Region         string   `json:"region"`
	WrappedKey     string   `json:"wrapped_key"`
	KMS            string   `json:"kms"`     // openbao or okms
	KMSKey         string   `json:"kms_key"` // the transit key, or the service key id
	Port           int      `json:"port"`
	AllowedSources []string `json:"allowed_sources"`
	ClientKeyID    string   `json:"client_access_key_id"`
	RcloneVersion  string   `json:"rclone_version"`
	RcloneMirror   string   `json:"rclone_mirror"`
	RcloneSHA256   string   `json:"rclone_sha256"`
	// PackageMirror is the apt mirror; absent, the image's own sources.
	PackageMirror *bastion.PackageMirror `json:"package_mirror,omitempty"`
	// Prefixes and ReadOnly: what it serves, and whether it refuses writes.
	Prefixes []string `json:"prefixes,omitempty"`
	ReadOnly bool     `json:"read_only,omitempty"`
}

func specOf(cfg Config) Spec {
	s := Spec{
		Renderer: RendererVersion, Name: cfg.Name, Cloud: cfg.Cloud,
		Bucket: cfg.Bucket.Name, Endpoint: cfg.Bucket.Endpoint, Region: cfg.Bucket.Region,
		WrappedKey: cfg.wrappedKey(), Port: cfg.port(), Prefixes: cfg.Prefixes, ReadOnly: cfg.ReadOnly,
		AllowedSources: append([]string{}, cfg.AllowedSources...), ClientKeyID: cfg.Client.AccessKeyID,
		RcloneVersion: cfg.Rclone.Version, RcloneMirror: cfg.rcloneMirror(), RcloneSHA256: cfg.Rclone.SHA256,
	}
	if o := cfg.OpenBao; o != nil {
		s.KMS, s.KMSKey = "openbao", o.Mount+"/"+o.KeyName
	}
	if o := cfg.OKMS; o != nil {
		s.KMS, s.KMSKey = "okms", o.KeyID
	}
	if m := cfg.PackageMirror; m != nil {
		mirror := *m
		s.PackageMirror = &mirror
	}
	return s
}

// MaxUserDataBase64 is the largest user-data each cloud takes, once
// base64-encoded: OUTSCALE's 500 KiB, OpenStack Nova's 65535 bytes on
// OVHcloud.
var MaxUserDataBase64 = map[string]int{
	cloud.Outscale: keymanager.MaxUserDataBase64,
	cloud.OVH:      bastion.MaxUserDataBase64,
}

// Render renders the gateway's user-data: a #cloud-config document. The
// result holds the bucket's secret, the gateway's TLS key, its clients'
// secret and its KMS credential: callers must never log it nor keep it.
func Render(cfg Config) ([]byte, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	spec, err := json.MarshalIndent(specOf(cfg), "", "  ")
	if err != nil {
		return nil, err
	}
	cc := cloudConfig{
		Hostname:    cfg.Name,
		DisableRoot: true,
		// A users list without "default": no image account with
		// passwordless sudo. The service's user logs in nowhere.
		Users: []user{{Name: ServiceUser, Gecos: "warehouse data gateway (no login)", Shell: "/usr/sbin/nologin",
			LockPasswd: true, System: true, NoCreateHome: true}},
		Apt:            bastion.AptConfigOf(cfg.PackageMirror),
		PackageUpdate:  true,
		PackageUpgrade: true,
		Packages: []string{"curl", "jq", "unzip", "ca-certificates", "nftables", "unattended-upgrades",
			"apt-listchanges"},
		FinalMessage: "health data gateway " + cfg.Name + " ready after $UPTIME seconds",
	}
	files := []bastion.WriteFile{
		bastion.File(PathSpec, "0644", string(spec)+"\n", false),
		bastion.File(PathEnv, "0644", EnvFile(cfg), false),
		bastion.File(PathTLSCert, "0644", cfg.TLS.CertPEM, false),
		bastion.File(PathInstall, "0700", InstallScript(cfg.Rclone.Version, cfg.rcloneMirror(), cfg.Rclone.SHA256), false),
		bastion.File(PathStart, "0755", StartScript(), false),
		bastion.File(PathUnit, "0644", Unit(cfg), false),
		bastion.File(PathNftables, "0600", NftablesConfig(cfg), true),
		bastion.File(PathSSHD, "0600", SSHDConfig(), false),
		bastion.File(PathJournald, "0644", JournaldConfig(), false),
		bastion.File(PathSysctl, "0644", Sysctl(), false),
		bastion.File(bastion.PathAutoUpgrades, "0644", bastion.AutoUpgrades(), true),
		bastion.File(PathUnattended, "0644", UnattendedUpgrades(), true),
		bastion.File(PathAptSandbox, "0644", bastion.AptSandbox(), true),
	}
	for name, secret := range credentials(cfg) {
		files = append(files, bastion.File(PathCredentials+"/"+name, "0600", secret, false))
	}
	if o := cfg.OpenBao; o != nil {
		files = append(files,
			bastion.File(PathKMSCA, "0644", o.CACertPEM, false),
			bastion.File(PathRenewUnit, "0644", RenewUnit(), false),
			bastion.File(PathRenewTimer, "0644", RenewTimer(), false))
	}
	slices.SortStableFunc(files, func(a, b bastion.WriteFile) int { return strings.Compare(a.Path, b.Path) })
	cc.WriteFiles = files

	run := [][]string{
		{"chmod", "0700", PathCredentials},
		{"sh", "-c", "sysctl --system >/dev/null"},
		{"systemctl", "restart", "systemd-journald"},
		{"sh", "-c", "systemctl enable nftables && systemctl restart nftables"},
		{"systemctl", "reload-or-restart", "ssh"},
		{PathInstall},
		{"systemctl", "daemon-reload"},
		// Boot fails loudly when the gateway does not come up: cloud-init
		// reports the error and the unit's messages (never a secret) go to
		// the console.
		{"sh", "-c", waitForGateway(cfg)},
	}
	if cfg.OpenBao != nil {
		run = append(run, []string{"systemctl", "enable", "--now", "health-gateway-token-renew.timer"})
	}
	run = append(run, []string{"systemctl", "enable", "--now", "unattended-upgrades"})
	cc.RunCmd = run

	body, err := yaml.Marshal(&cc)
	if err != nil {
		return nil, err
	}
	header := fmt.Sprintf("#cloud-config\n# First boot of the warehouse data gateway %s (bucket %s, %s),\n"+
		"# rendered by terraform-provider-health. It holds secrets: root-only on the VM.\n", cfg.Name, cfg.Bucket.Name, cfg.Cloud)
	out := append([]byte(header), body...)
	if limit, n := MaxUserDataBase64[cfg.Cloud], base64.StdEncoding.EncodedLen(len(out)); n > limit {
		return nil, fmt.Errorf("user-data: %d bytes once base64-encoded, more than the %d %s takes: shorten the CA bundle (openbao.ca_cert_pem) or the certificate", n, limit, cfg.Cloud)
	}
	return out, nil
}

// PathNftables is the host firewall's rule set, loaded by nftables.service.
const PathNftables = bastion.PathNftables

// waitForGateway starts the gateway and waits until it listens or fails.
func waitForGateway(cfg Config) string {
	return fmt.Sprintf(`systemctl enable --now health-gateway.service
i=0
while [ $i -lt 90 ]; do
  if systemctl is-failed --quiet health-gateway.service; then break; fi
  if ss -Hltn 'sport = :%d' | grep -q .; then echo "health-gateway: listening on %d"; exit 0; fi
  i=$((i+1)); sleep 2
done
echo "health-gateway: the data gateway did not start; its messages:" >&2
journalctl -u health-gateway.service -b -n 20 --no-pager -o cat >&2
exit 1`, cfg.port(), cfg.port())
}

// ErrNotAGateway: the user-data was not rendered by this package.
var ErrNotAGateway = errors.New("the user-data is not a warehouse data gateway's")

// Recover reads the spec file back from a gateway's user-data, leaving the
// secrets in it alone: for imports, and to tell what a gateway runs.
func Recover(userData []byte) (Spec, error) {
	files, err := WrittenFiles(userData)
	if err != nil {
		return Spec{}, err
	}
	var s Spec
	if err := bastion.ReadSpec(files, PathSpec, "terraform-provider-health/gateway/", &s, ErrNotAGateway); err != nil {
		return Spec{}, err
	}
	return s, nil
}

// WrittenFiles are the files a gateway's user-data writes, by path: what
// the machine holds after its first boot (secrets included), for tests
// that run the rendered scripts and for auditors holding the user-data.
func WrittenFiles(userData []byte) (map[string]string, error) {
	return bastion.WrittenFiles(userData, ErrNotAGateway)
}
