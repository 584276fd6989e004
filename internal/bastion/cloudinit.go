package bastion

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// cloudConfig is the part of cloud-init's cloud-config the bastion uses.
// Field order is the order of the rendered document.
type cloudConfig struct {
	Hostname          string      `yaml:"hostname"`
	PreserveHostname  bool        `yaml:"preserve_hostname"`
	DisableRoot       bool        `yaml:"disable_root"`
	SSHDeleteKeys     bool        `yaml:"ssh_deletekeys"`
	SSHKeys           sshKeys     `yaml:"ssh_keys"`
	AllowPublicSSHKey bool        `yaml:"allow_public_ssh_keys"`
	Groups            []string    `yaml:"groups,omitempty"`
	Users             []user      `yaml:"users"`
	Apt               *AptConfig  `yaml:"apt,omitempty"`
	PackageUpdate     bool        `yaml:"package_update"`
	PackageUpgrade    bool        `yaml:"package_upgrade"`
	Packages          []string    `yaml:"packages"`
	WriteFiles        []WriteFile `yaml:"write_files"`
	RunCmd            [][]string  `yaml:"runcmd"`
	FinalMessage      string      `yaml:"final_message"`
}

type sshKeys struct {
	Ed25519Private string `yaml:"ed25519_private"`
	Ed25519Public  string `yaml:"ed25519_public"`
}

type user struct {
	Name         string `yaml:"name"`
	Gecos        string `yaml:"gecos"`
	Groups       string `yaml:"groups,omitempty"`
	Shell        string `yaml:"shell"`
	LockPasswd   bool   `yaml:"lock_passwd"`
	System       bool   `yaml:"system,omitempty"`
	NoCreateHome bool   `yaml:"no_create_home,omitempty"`
}

// WriteFile is one entry of cloud-init's write_files, as every renderer of
// the provider writes them (the bastion, the key manager, the data gateway,
// the research machines).
type WriteFile struct {
	Path        string `yaml:"path"`
	Owner       string `yaml:"owner"`
	Permissions string `yaml:"permissions"`
	Defer       bool   `yaml:"defer,omitempty"`
	Content     string `yaml:"content"`
}

// Spec is the bastion's configuration as its user-data records it, in
// /etc/health-bastion/bastion.json: for auditors on the host, and for the
// provider to recover a bastion it imports. It holds no secret.
type Spec struct {
	Renderer         string `json:"renderer"`
	Name             string `json:"name"`
	NetworkID        string `json:"network_id"`
	Cloud            string `json:"cloud"`
	Mode             string `json:"mode"`
	Size             string `json:"size"`
	Image            string `json:"image"`
	MFA              string `json:"mfa"`
	SessionRecording bool   `json:"session_recording"`
	// TierAccess is how administrators reach the tiers' hosts (TierAccess*);
	// absent in bastions rendered before the recorded hop, which forward
	// ssh -J (TierAccessProxyJump).
	TierAccess     string      `json:"tier_access,omitempty"`
	IdleTimeoutSec int         `json:"idle_timeout_seconds"`
	Admins         []SpecAdmin `json:"admins"`
	AllowedTargets []string    `json:"allowed_targets"`
	AuditBucket    *SpecBucket `json:"audit_bucket,omitempty"`
	// PackageMirror is the apt mirror the bastion was given; absent, the
	// image's own sources.
	PackageMirror *PackageMirror `json:"package_mirror,omitempty"`
	HostKey       SpecHostKey    `json:"host_key"`
	Targets       []SpecTarget   `json:"targets"`
	// NetworkRules are the network's rules the firewall was made from.
	NetworkRules []NetworkRule `json:"network_rules"`
}

// SpecAdmin is one administrator in the spec file.
type SpecAdmin struct {
	Name        string `json:"name"`
	PublicKey   string `json:"ssh_public_key"`
	Fingerprint string `json:"fingerprint"`
}

// SpecBucket is the audit bucket, without its secret.
type SpecBucket struct {
	Endpoint    string `json:"endpoint"`
	Region      string `json:"region"`
	Bucket      string `json:"bucket"`
	Prefix      string `json:"prefix"`
	AccessKeyID string `json:"access_key_id"`
	// APILogsEndpoint is where the shipper pulls the API logs from; "" for none.
	APILogsEndpoint string `json:"api_logs_endpoint,omitempty"`
	// AccountLogsEndpoint is where the shipper reads the OVHcloud account's
	// audit logs from; "" for none.
	AccountLogsEndpoint string `json:"account_logs_endpoint,omitempty"`
}

// SpecHostKey is the public half of the host key.
type SpecHostKey struct {
	Public      string `json:"public"`
	Fingerprint string `json:"fingerprint"`
}

// SpecTarget is a reachable tier.
type SpecTarget struct {
	Tier string `json:"tier"`
	CIDR string `json:"cidr"`
}

// RendererVersion names the renderer in the spec file, so that a bastion
// tells which rules it was born with.
const RendererVersion = "terraform-provider-health/bastion/2"

// Render renders the user-data of a bastion: a #cloud-config document.
// The result holds the private host key (and the audit bucket's secret):
// callers must never log it nor keep it.
func Render(cfg Config) ([]byte, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	cc := cloudConfig{
		Hostname:          cfg.Name,
		PreserveHostname:  false,
		DisableRoot:       true,
		SSHDeleteKeys:     true,
		SSHKeys:           sshKeys{Ed25519Private: cfg.HostKey.PrivatePEM, Ed25519Public: cfg.HostKey.Public},
		AllowPublicSSHKey: false,
		Apt:               AptConfigOf(cfg.PackageMirror),
		PackageUpdate:     true,
		PackageUpgrade:    true,
		FinalMessage:      "health bastion " + cfg.Name + " ready after $UPTIME seconds",
	}
	spec, err := json.MarshalIndent(specOf(cfg), "", "  ")
	if err != nil {
		return nil, err
	}
	files := []WriteFile{
		File(PathSpec, "0644", string(spec)+"\n", false),
		File(PathBanner, "0644", BannerText(cfg.Name), true),
		File(PathNftables, "0600", NftablesConfig(cfg), true),
		File(PathAuditRules, "0640", AuditRules(), true),
		File(PathAuditImmutable, "0640", AuditImmutable(), true),
		File(PathAuditSyslog, "0640", AuditSyslogPlugin(), true),
		File(PathJournald, "0644", JournaldConfig(), true),
		File(PathAutoUpgrades, "0644", AutoUpgrades(), true),
		File(PathUnattended, "0644", UnattendedUpgrades(), true),
		File(PathAptSandbox, "0644", AptSandbox(), true),
		File(PathProfileTimeout, "0644", ProfileTimeout(int(cfg.IdleTimeout.Seconds())), true),
	}
	packages := []string{"nftables", "auditd", "audispd-plugins", "unattended-upgrades", "apt-listchanges"}
	var run [][]string

	switch cfg.Mode {
	case ModeOpenSSH:
		cc.Groups = []string{GroupAdmins}
		if cfg.MFA == MFATOTP {
			cc.Groups = append(cc.Groups, GroupMFAPending)
			packages = append(packages, "libpam-google-authenticator", "sudo")
		}
		if cfg.SessionRecording {
			packages = append(packages, "tlog")
			files = append(files, File(PathTlogConfig, "0644", TlogConfig(), true))
		}
		for _, a := range cfg.Admins {
			key, err := ParseAdminKey(a.PublicKey)
			if err != nil {
				return nil, err
			}
			groups := GroupAdmins
			if cfg.MFA == MFATOTP {
				groups += "," + GroupMFAPending
			}
			shell := PathPlainShell
			if cfg.SessionRecording {
				shell = PathTlogShell
			}
			cc.Users = append(cc.Users, user{Name: a.Name, Gecos: "warehouse administrator", Groups: groups, Shell: shell, LockPasswd: true})
			files = append(files, File(PathAuthorizedKeys+"/"+a.Name, "0644", AuthorizedKeysLine(cfg.MFA, key, a.Name)+"\n", false))
		}
		files = append(files, File(PathSSHDConfig, "0600", SSHDConfig(cfg), true),
			File(PathSSHClientConfig, "0644", HopClientConfig(cfg.Name), true))
		if cfg.MFA == MFATOTP {
			files = append(files,
				File(PathPAMSSHD, "0644", PAMSSHD("the bastion "+cfg.Name), true),
				File(PathMFAEnroll, "0755", MFAEnrollScript(cfg.Name), true),
				File(PathSudoersEnroll, "0440", SudoersEnroll(), true),
			)
			run = append(run, []string{"install", "-d", "-o", "root", "-g", "root", "-m", "0700", PathMFASecrets})
		}
		// sshd checks the whole configuration before taking it: a bad one
		// keeps the previous server, which lets nobody in (no key is in the
		// places it reads).
		run = append(run, []string{"sh", "-c", "sshd -t && systemctl restart ssh"})
	case ModeTheBastion:
		// The Bastion makes its own accounts. A users list without
		// "default" keeps the image's default account (with its
		// passwordless sudo) from being made; cloud-init wants one entry.
		cc.Users = []user{{Name: setupAccount, Gecos: "warehouse bastion setup (no login)", Shell: "/usr/sbin/nologin",
			LockPasswd: true, System: true, NoCreateHome: true}}
		packages = append(packages, "git", "ca-certificates")
		run = append(run, theBastionInstall(cfg)...)
	}

	if cfg.AuditBucket != nil {
		packages = append(packages, "rclone")
		if cfg.AuditBucket.APILogsEndpoint != "" || cfg.AuditBucket.AccountLogs != nil {
			packages = append(packages, "curl", "jq")
		}
		files = append(files,
			File(PathShipEnv, "0600", ShipEnv(*cfg.AuditBucket), false),
			File(PathShipScript, "0700", ShipScript(cfg.Mode), true),
			File(PathShipService, "0644", ShipService(), true),
			File(PathShipTimer, "0644", ShipTimer(), true),
		)
	}
	files = append(files, File(PathJournalSeal, "0700", JournalSealScript(), true))
	run = append(run,
		[]string{"systemctl", "restart", "systemd-journald"},
		[]string{PathJournalSeal},
		[]string{"sh", "-c", "systemctl enable nftables && systemctl restart nftables"},
		[]string{"sh", "-c", "systemctl enable auditd && augenrules --load && systemctl restart auditd"},
		[]string{"systemctl", "enable", "--now", "unattended-upgrades"},
	)
	if cfg.AuditBucket != nil {
		run = append(run, []string{"sh", "-c", "systemctl daemon-reload && systemctl enable --now health-bastion-audit-ship.timer"})
	}
	slices.SortStableFunc(files, func(a, b WriteFile) int { return strings.Compare(a.Path, b.Path) })
	cc.Packages, cc.WriteFiles, cc.RunCmd = packages, files, run

	body, err := yaml.Marshal(&cc)
	if err != nil {
		return nil, err
	}
	header := fmt.Sprintf("#cloud-config\n# First boot of the warehouse bastion %s (%s mode, %s second factor),\n"+
		"# rendered by terraform-provider-health. It holds the SSH host key: root-only on the VM.\n", cfg.Name, cfg.Mode, cfg.MFA)
	out := append([]byte(header), body...)
	if n := base64.StdEncoding.EncodedLen(len(out)); n > MaxUserDataBase64 {
		return nil, fmt.Errorf("the user-data is %d bytes once base64-encoded, more than OpenStack's %d: list fewer administrators", n, MaxUserDataBase64)
	}
	return out, nil
}

// setupAccount is the placeholder account of the-bastion mode.
const setupAccount = "bastion-setup"

// WrittenFiles are the files a #cloud-config user-data writes
// (write_files), by path: what the machine holds after its first boot,
// secrets included. A document that is not a cloud-config, or not YAML,
// gets notOurs (the renderer's "not mine" error).
func WrittenFiles(userData []byte, notOurs error) (map[string]string, error) {
	if !strings.HasPrefix(string(userData), "#cloud-config") {
		return nil, notOurs
	}
	var doc struct {
		WriteFiles []WriteFile `yaml:"write_files"`
	}
	if err := yaml.Unmarshal(userData, &doc); err != nil {
		return nil, fmt.Errorf("%w: %v", notOurs, err)
	}
	out := make(map[string]string, len(doc.WriteFiles))
	for _, f := range doc.WriteFiles {
		out[f.Path] = f.Content
	}
	return out, nil
}

// ReadSpec decodes into spec the spec file a renderer wrote at path among
// files, checking that renderer (its "terraform-provider-health/<kind>/"
// prefix) wrote it; otherwise notOurs.
func ReadSpec(files map[string]string, path, renderer string, spec any, notOurs error) error {
	content, ok := files[path]
	if !ok {
		return notOurs
	}
	var head struct {
		Renderer string `json:"renderer"`
	}
	if err := json.Unmarshal([]byte(content), &head); err != nil {
		return fmt.Errorf("%w: its %s is unreadable: %v", notOurs, path, err)
	}
	if !strings.HasPrefix(head.Renderer, renderer) {
		return notOurs
	}
	if err := json.Unmarshal([]byte(content), spec); err != nil {
		return fmt.Errorf("%w: its %s is unreadable: %v", notOurs, path, err)
	}
	return nil
}

// File is a root-owned file of mode, written at first boot, or after the
// packages are installed when deferred.
func File(path, mode, content string, deferred bool) WriteFile {
	return WriteFile{Path: path, Owner: "root:root", Permissions: mode, Defer: deferred, Content: content}
}

// theBastionInstall follows The Bastion's documented installation
// (doc/sphinx/installation/basic.rst): get the code at its latest release
// tag, install its packages and ovh-ttyrec, then its system configuration,
// keeping the host key the provider made (--no-regen-hostkeys), and make
// each administrator an admin account.
func theBastionInstall(cfg Config) [][]string {
	d := theBastionDirectory
	run := [][]string{
		{"git", "clone", "https://github.com/ovh/the-bastion", d},
		{"sh", "-c", "git -C " + d + " checkout \"$(git -C " + d + " tag --sort=version:refname | tail -1)\""},
		{d + "/bin/admin/packages-check.sh", "-i"},
		{d + "/bin/admin/install-ttyrec.sh", "-a"},
		{d + "/bin/admin/install", "--new-install", "--no-regen-hostkeys"},
	}
	if cfg.MFA == MFATOTP {
		// Immediate MFA for every account: none may act before enrolling.
		run = append(run, []string{"sed", "-i", `s/"accountMFAPolicy"[^,]*,/"accountMFAPolicy": "totp-required",/`, "/etc/bastion/bastion.conf"})
	}
	for _, a := range cfg.Admins {
		key, err := ParseAdminKey(a.PublicKey)
		if err != nil {
			continue // Check refused it already
		}
		run = append(run, []string{"sh", "-c", "printf '%s\\n' '" + key.Line + " " + a.Name + "' | " +
			d + "/bin/admin/setup-first-admin-account.sh " + a.Name + " auto"})
	}
	return run
}

func specOf(cfg Config) Spec {
	s := Spec{
		Renderer:         RendererVersion,
		Name:             cfg.Name,
		NetworkID:        cfg.NetworkID,
		Cloud:            cfg.Cloud,
		Mode:             cfg.Mode,
		Size:             cfg.Size,
		Image:            cfg.Image,
		MFA:              cfg.MFA,
		SessionRecording: cfg.SessionRecording,
		TierAccess:       TierAccess(cfg.Mode),
		IdleTimeoutSec:   int(cfg.IdleTimeout.Seconds()),
		Admins:           []SpecAdmin{},
		AllowedTargets:   []string{},
		Targets:          []SpecTarget{},
		NetworkRules:     append([]NetworkRule{}, cfg.NetworkRules...),
		HostKey:          SpecHostKey{Public: cfg.HostKey.Public, Fingerprint: cfg.HostKey.Fingerprint},
	}
	for _, a := range cfg.Admins {
		k, _ := ParseAdminKey(a.PublicKey)
		// The key as given, comment included, so that an import finds the
		// configuration's value again.
		s.Admins = append(s.Admins, SpecAdmin{Name: a.Name, PublicKey: strings.TrimSpace(a.PublicKey), Fingerprint: k.Fingerprint})
	}
	for _, t := range cfg.Targets {
		s.AllowedTargets = append(s.AllowedTargets, t.Tier)
		s.Targets = append(s.Targets, SpecTarget{Tier: t.Tier, CIDR: t.CIDR})
	}
	if m := cfg.PackageMirror; m != nil {
		mirror := *m
		s.PackageMirror = &mirror
	}
	if b := cfg.AuditBucket; b != nil {
		s.AuditBucket = &SpecBucket{Endpoint: b.Endpoint, Region: b.Region, Bucket: b.Bucket, Prefix: b.Prefix, AccessKeyID: b.AccessKeyID,
			APILogsEndpoint: b.APILogsEndpoint}
		if b.AccountLogs != nil {
			s.AuditBucket.AccountLogsEndpoint = b.AccountLogs.Endpoint
		}
	}
	return s
}

// SHA256 is the hex SHA-256 of user-data, as the provider records it.
func SHA256(userData []byte) string {
	sum := sha256.Sum256(userData)
	return hex.EncodeToString(sum[:])
}

// Recovered is what a bastion's user-data tells without its secrets.
type Recovered struct {
	Spec          Spec
	HostPublicKey string
	// SSHDConfig is the sshd_config the user-data writes; "" in
	// the-bastion mode, where The Bastion writes its own.
	SSHDConfig string
}

// EffectiveTierAccess is how the recovered bastion is reached through,
// reading a spec file without it as the ProxyJump of earlier renderers.
func (r Recovered) EffectiveTierAccess() string {
	switch {
	case r.Spec.TierAccess != "":
		return r.Spec.TierAccess
	case r.Spec.Mode == ModeTheBastion:
		return TierAccessTheBastion
	}
	return TierAccessProxyJump
}

// ErrNotABastion: the user-data was not rendered by this package.
var ErrNotABastion = errors.New("the user-data is not a warehouse bastion's")

// Recover reads the spec file and the public host key back from a
// bastion's user-data, leaving the secrets in it alone.
func Recover(userData []byte) (Recovered, error) {
	files, err := WrittenFiles(userData, ErrNotABastion)
	if err != nil {
		return Recovered{}, err
	}
	var rec Recovered
	if err := ReadSpec(files, PathSpec, "terraform-provider-health/bastion/", &rec.Spec, ErrNotABastion); err != nil {
		return Recovered{}, err
	}
	var doc struct {
		SSHKeys struct {
			Public string `yaml:"ed25519_public"`
		} `yaml:"ssh_keys"`
	}
	if err := yaml.Unmarshal(userData, &doc); err != nil {
		return Recovered{}, fmt.Errorf("%w: %v", ErrNotABastion, err)
	}
	rec.SSHDConfig, rec.HostPublicKey = files[PathSSHDConfig], doc.SSHKeys.Public
	return rec, nil
}
