package emulator_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sovhealth/terraform-provider-health/internal/emulator"
)

func writeSeed(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "seed.json")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// A seed file replaces only the sections it names.
func TestLoadConfig_keepsTheDefaultsItDoesNotReplace(t *testing.T) {
	t.Parallel()
	cfg, err := emulator.LoadConfig(writeSeed(t, `{"ovh": {"accounts": [{"nic_handle": "zz999-ovh",
		"application_key": "k", "application_secret": "s", "consumer_key": "c",
		"projects": [{"id": "p1", "regions": ["GRA11"]}]}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.OVH.Accounts) != 1 || cfg.OVH.Accounts[0].NicHandle != "zz999-ovh" {
		t.Fatalf("OVH accounts = %+v", cfg.OVH.Accounts)
	}
	if len(cfg.Outscale.Accounts) != 1 || cfg.Outscale.Accounts[0].AccessKey != emulator.DefaultOutscaleAccessKey {
		t.Fatalf("the default Outscale account was lost: %+v", cfg.Outscale.Accounts)
	}
}

func TestLoadConfig_rejectsIncompleteAccounts(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{
		"outscale without secret": `{"outscale": {"accounts": [{"account_id": "1", "access_key": "AK", "region": "eu-west-2"}]}}`,
		"duplicate access key": `{"outscale": {"accounts": [
			{"account_id": "1", "access_key": "AK", "secret_key": "S", "region": "eu-west-2"},
			{"account_id": "2", "access_key": "AK", "secret_key": "T", "region": "eu-west-2"}]}}`,
		"ovh half an app key": `{"ovh": {"accounts": [{"nic_handle": "x", "application_key": "k"}]}}`,
		"not json":            `{"ovh": `,
	} {
		if _, err := emulator.LoadConfig(writeSeed(t, body)); err == nil {
			t.Errorf("%s: accepted", name)
		} else if strings.Contains(err.Error(), `"S"`) || strings.Contains(err.Error(), `"T"`) {
			t.Errorf("%s: the error quotes a secret: %v", name, err)
		}
	}
}
