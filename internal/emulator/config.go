package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/outscale"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/ovh"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/pace"
)

// Default credentials of the seeded accounts. They are public on purpose:
// the emulator is a local test bed, and `make demo` and the tests use them.
// Never reuse them anywhere else.
const (
	DefaultOutscaleAccountID = "000000000001"
	DefaultOutscaleAccessKey = "EMULATORAK0000000001"                     // 20 characters, like a real access key
	DefaultOutscaleSecretKey = "EMULATORSK000000000000000000000000000001" // 40 characters, like a real secret key
	DefaultOutscaleRegion    = "cloudgouv-eu-west-1"

	DefaultOVHNicHandle         = "em00001-ovh"
	DefaultOVHApplicationKey    = "emulatorappkey01"                 // 16 characters
	DefaultOVHApplicationSecret = "emulatorappsecret000000000000001" // 32 characters
	DefaultOVHConsumerKey       = "emulatorconsumerkey0000000000001" // 32 characters
	DefaultOVHClientID          = "emulator-oauth2-client-0001"
	DefaultOVHClientSecret      = "emulatoroauth2clientsecret000001"
	DefaultOVHProjectID         = "0000000000000000000000000000e001" // 32 hexadecimal characters, like a real project id
	DefaultOVHRegion            = "EU-WEST-PAR"
	// DefaultOVHOKMSID is the seeded account's OVHcloud KMS (a UUID, like a
	// real OKMS id), in the region of DefaultOVHRegion.
	DefaultOVHOKMSID = "00000000-0000-4000-8000-00000000e001"
	// DefaultOVHOKMSRegion is that KMS's region: OKMS names regions in
	// lower case (eu-west-par is Paris, where EU-WEST-PAR's Public Cloud is).
	DefaultOVHOKMSRegion = "eu-west-par"

	DefaultOpenBaoToken = "s.emulatoropenbaotoken0001"
)

// Config is what the emulator knows at start: who may call it, and how.
type Config struct {
	// AdminToken guards the control API under /_emulator/. Empty: a random
	// token is generated at start.
	AdminToken string `json:"admin_token"`
	// DataDir keeps the state in a bbolt file across restarts. Empty: state
	// lives in memory and is lost at exit.
	DataDir string `json:"data_dir"`

	Outscale OutscaleConfig `json:"outscale"`
	OVH      OVHConfig      `json:"ovh"`
	OpenBao  OpenBaoConfig  `json:"openbao"`

	// Now is the server clock, for tests. Default: time.Now.
	Now func() time.Time `json:"-"`
	// Pace makes transient states (a VM pending, a network building, an
	// operation in progress, …) last a number of reads or a duration, for
	// benchmarks that want the clouds' asynchrony. Nil: they move on at
	// the first read, and tests never wait.
	Pace *pace.Pace `json:"-"`
}

// OutscaleConfig seeds the Outscale API.
type OutscaleConfig struct {
	// Regions served; ReadRegions lists them.
	Regions  []string           `json:"regions"`
	Accounts []outscale.Account `json:"accounts"`
}

// OVHConfig seeds the OVHcloud API.
type OVHConfig struct {
	Accounts []ovh.Account `json:"accounts"`
}

// OpenBaoConfig seeds the customer-held key manager.
type OpenBaoConfig struct {
	Tokens []string `json:"tokens"`
}

// DefaultConfig returns the documented seed: one Outscale account in the
// SecNumCloud region, one OVHcloud account with one Public Cloud project,
// and one OpenBao token.
func DefaultConfig() Config {
	return Config{
		Outscale: OutscaleConfig{
			Regions: []string{"ap-northeast-1", "cloudgouv-eu-west-1", "eu-west-2", "us-east-2", "us-west-1"},
			Accounts: []outscale.Account{{
				AccountID: DefaultOutscaleAccountID,
				Email:     "warehouse-admin@example.org",
				AccessKey: DefaultOutscaleAccessKey,
				SecretKey: DefaultOutscaleSecretKey,
				Region:    DefaultOutscaleRegion,
			}},
		},
		OVH: OVHConfig{Accounts: []ovh.Account{{
			NicHandle:         DefaultOVHNicHandle,
			Email:             "warehouse-admin@example.org",
			ApplicationKey:    DefaultOVHApplicationKey,
			ApplicationSecret: DefaultOVHApplicationSecret,
			ConsumerKey:       DefaultOVHConsumerKey,
			ClientID:          DefaultOVHClientID,
			ClientSecret:      DefaultOVHClientSecret,
			Projects: []ovh.Project{{
				ID:          DefaultOVHProjectID,
				Description: "health-data-warehouse",
				Regions:     []string{"EU-WEST-PAR", "GRA11", "RBX-A", "SBG5"},
			}},
			OKMS: []ovh.OKMS{{ID: DefaultOVHOKMSID, Region: DefaultOVHOKMSRegion, Name: "health-warehouse-kms"}},
		}}},
		OpenBao: OpenBaoConfig{Tokens: []string{DefaultOpenBaoToken}},
	}
}

// LoadConfig reads a JSON seed file. Each section the file names
// ("outscale", "ovh", "openbao") replaces the default one whole; sections it
// leaves out keep their defaults, so a file can, say, replace only the OVH
// accounts.
func LoadConfig(path string) (Config, error) {
	cfg := DefaultConfig()
	raw, err := os.ReadFile(path)
	if err != nil {
		return cfg, fmt.Errorf("reading emulator config: %w", err)
	}
	// Decode section by section into zero values: decoding into the
	// defaults would merge a file's accounts field by field into the
	// default ones (encoding/json reuses slice elements).
	var sections map[string]json.RawMessage
	if err := json.Unmarshal(raw, &sections); err != nil {
		return cfg, fmt.Errorf("parsing emulator config %s: %w", path, err)
	}
	targets := map[string]any{"admin_token": &cfg.AdminToken, "data_dir": &cfg.DataDir,
		"outscale": &cfg.Outscale, "ovh": &cfg.OVH, "openbao": &cfg.OpenBao}
	for name, section := range sections {
		target, ok := targets[name]
		if !ok {
			return cfg, fmt.Errorf("emulator config %s: unknown section %q", path, name)
		}
		switch t := target.(type) {
		case *OutscaleConfig:
			*t = OutscaleConfig{}
		case *OVHConfig:
			*t = OVHConfig{}
		case *OpenBaoConfig:
			*t = OpenBaoConfig{}
		}
		if err := json.Unmarshal(section, target); err != nil {
			return cfg, fmt.Errorf("emulator config %s, section %q: %w", path, name, err)
		}
	}
	if len(cfg.Outscale.Regions) == 0 {
		cfg.Outscale.Regions = DefaultConfig().Outscale.Regions
	}
	return cfg, cfg.validate()
}

func (c Config) validate() error {
	var errs []error
	seen := map[string]bool{}
	for _, a := range c.Outscale.Accounts {
		if a.AccessKey == "" || a.SecretKey == "" || a.AccountID == "" || a.Region == "" {
			errs = append(errs, fmt.Errorf("outscale account %q: account_id, access_key, secret_key and region are required", a.AccountID))
		}
		if seen[a.AccessKey] {
			errs = append(errs, fmt.Errorf("outscale access key %q is used twice", a.AccessKey))
		}
		seen[a.AccessKey] = true
	}
	for _, a := range c.OVH.Accounts {
		if a.NicHandle == "" {
			errs = append(errs, errors.New("ovh account: nic_handle is required"))
		}
		if (a.ApplicationKey == "") != (a.ApplicationSecret == "") || (a.ApplicationKey == "") != (a.ConsumerKey == "") {
			errs = append(errs, fmt.Errorf("ovh account %q: application_key, application_secret and consumer_key go together", a.NicHandle))
		}
		if (a.ClientID == "") != (a.ClientSecret == "") {
			errs = append(errs, fmt.Errorf("ovh account %q: client_id and client_secret go together", a.NicHandle))
		}
		for _, o := range a.OKMS {
			if err := ovh.CheckOKMS(o); err != nil {
				errs = append(errs, fmt.Errorf("ovh account %q: %w", a.NicHandle, err))
			}
		}
	}
	return errors.Join(errs...)
}
