package provider_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/sovhealth/terraform-provider-health/internal/acctest"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
)

// TestMain runs the tests through the acceptance harness, or, with -sweep,
// the sweepers of sweep_test.go instead (make sweep).
func TestMain(m *testing.M) { resource.TestMain(acctest.Main(m)) }

// clearCloudEnv hides the developer's own cloud credentials from a test
// about configuration. Tests using it cannot run in parallel.
func clearCloudEnv(t *testing.T) {
	for _, v := range []string{"HEALTH_CLOUD", "OSC_ACCESS_KEY", "OSC_SECRET_KEY", "OSC_REGION", "OSC_ENDPOINT_API",
		"OVH_ENDPOINT", "OVH_APPLICATION_KEY", "OVH_APPLICATION_SECRET", "OVH_CONSUMER_KEY", "OVH_CLIENT_ID",
		"OVH_CLIENT_SECRET", "OVH_CLOUD_PROJECT_SERVICE"} {
		t.Setenv(v, "")
	}
}

// expectError matches a diagnostic containing each fragment in order,
// whatever the CLI's line wrapping does to the spaces.
func expectError(fragments ...string) *regexp.Regexp {
	parts := make([]string, len(fragments))
	for i, f := range fragments {
		parts[i] = strings.Join(strings.Fields(regexp.QuoteMeta(f)), `\s+`)
	}
	return regexp.MustCompile(`(?s)` + strings.Join(parts, `.*`))
}

// emulatorOnly skips a test against real clouds, saying why: it needs
// what only the emulator gives (faults injected, objects edited or read
// out of band through its control API, its seed accounts and secrets).
// The README's testing section lists these tests.
func emulatorOnly(t *testing.T, why string) {
	t.Helper()
	acctest.Acceptance(t)
	if acctest.RealCloud() {
		t.Skip("emulator only: " + why)
	}
}

// A configuration without credentials plans and reads what needs no cloud
// call: the way CI runs `terraform plan` on every merge request.
func TestAccProvider_noCredentialsNeededUntilTheFirstCall(t *testing.T) {
	clearCloudEnv(t)
	for _, cloudName := range acctest.Clouds {
		t.Run(cloudName, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: fmt.Sprintf(`
provider "health" {
  cloud = %q
}
data "health_secnumcloud_regions" "all" {}
output "count" { value = length(data.health_secnumcloud_regions.all.regions) }
`, cloudName),
				}},
			})
		})
	}
}

func TestAccProvider_missingCredentialsNameTheirSettings(t *testing.T) {
	clearCloudEnv(t)
	cases := map[string]struct {
		block string
		want  []string
	}{
		"outscale": {`outscale { region = "cloudgouv-eu-west-1" }`, []string{"Missing OUTSCALE Credentials",
			"outscale.access_key (or the OSC_ACCESS_KEY environment variable)", "outscale.secret_key (or the OSC_SECRET_KEY"}},
		"ovh": {`ovh { region = "GRA11" }`, []string{"Missing OVHcloud Credentials",
			"OVH_APPLICATION_KEY", "OVH_APPLICATION_SECRET", "OVH_CONSUMER_KEY", "OVH_CLOUD_PROJECT_SERVICE"}},
	}
	for cloudName, c := range cases {
		t.Run(cloudName, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: fmt.Sprintf(`
provider "health" {
  cloud = %q
  %s
}
data "health_caller_identity" "me" {}
`, cloudName, c.block),
					ExpectError: expectError(c.want...),
				}},
			})
		})
	}
}

func TestAccProvider_invalidSettingsFailAtPlan(t *testing.T) {
	clearCloudEnv(t)
	cases := map[string]struct {
		config string
		want   []string
	}{
		"no cloud": {`provider "health" {}`, []string{"Missing Cloud", "HEALTH_CLOUD"}},
		"unknown cloud": {`provider "health" { cloud = "azure" }`,
			[]string{"Invalid Attribute Value Match", "cloud", `"outscale"`, `"ovh"`, `"azure"`}},
		"unknown outscale region": {`provider "health" {
  cloud = "outscale"
  outscale { region = "eu-west-9" }
}`, []string{"Unknown OUTSCALE Region", `outscale.region = "eu-west-9" is not a region`, "cloudgouv-eu-west-1"}},
		"unknown ovh region": {`provider "health" {
  cloud = "ovh"
  ovh { region = "gra11" }
}`, []string{"Unknown OVHcloud Region", `ovh.region = "gra11"`, "case-sensitive"}},
		"malformed endpoint": {`provider "health" {
  cloud = "outscale"
  outscale { endpoint = "api.eu-west-2.outscale.com" }
}`, []string{"Invalid OUTSCALE Endpoint", "not an absolute http:// or https:// URL"}},
		"both ovh auth methods": {`provider "health" {
  cloud = "ovh"
  ovh {
    application_key = "ak"
    client_id       = "id"
  }
}`, []string{"Conflicting OVHcloud Authentication Methods", "keep one set"}},
		"rate limit": {`provider "health" {
  cloud          = "ovh"
  api_rate_limit = 0
}`, []string{"api_rate_limit", "between 0.100000 and 1000.000000"}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      c.config + "\ndata \"health_secnumcloud_regions\" \"all\" {}\n",
					ExpectError: expectError(c.want...),
				}},
			})
		})
	}
}

// A region taken from the environment is checked too, at configure time.
func TestAccProvider_invalidRegionFromTheEnvironment(t *testing.T) {
	clearCloudEnv(t)
	t.Setenv("OSC_REGION", "mars-north-1")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      `provider "health" { cloud = "outscale" }` + "\ndata \"health_secnumcloud_regions\" \"all\" {}\n",
			ExpectError: expectError("Unknown OUTSCALE Region", `OSC_REGION = "mars-north-1"`),
		}},
	})
}

func TestAccProvider_refusedCredentials(t *testing.T) {
	emulatorOnly(t, "signs with a wrong secret for the emulator's seed key")
	emu := acctest.Emulator()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
provider "health" {
  cloud = "outscale"
  outscale {
    endpoint   = %q
    region     = "cloudgouv-eu-west-1"
    access_key = %q
    secret_key = "NOTTHESECRETKEY0000000000000000000000000"
  }
}
data "health_caller_identity" "me" {}
`, emu.OutscaleEndpoint(), emulator.DefaultOutscaleAccessKey),
			ExpectError: expectError("Unable to Read the Caller Identity", "OUTSCALE ReadAccounts: HTTP 401", "refused the credentials"),
		}},
	})
}
