package provider_test

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/sovhealth/terraform-provider-health/internal/acctest"
	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// The catalogue is built in: it reads the same with the emulator, a real
// cloud or no credentials at all, so one provider block serves every mode.
const regionsProvider = `
provider "health" {
  cloud = "outscale"
}
`

var regexpHTTPS = regexp.MustCompile(`^https://\S+$`)

func TestAccSecNumCloudRegions_qualifiedOutscaleRegion(t *testing.T) {
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: regionsProvider + `
data "health_secnumcloud_regions" "qualified" {
  cloud                 = "outscale"
  secnumcloud_qualified = true
}
`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.health_secnumcloud_regions.qualified", tfjsonpath.New("names"),
					knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("cloudgouv-eu-west-1")})),
				statecheck.ExpectKnownValue("data.health_secnumcloud_regions.qualified", tfjsonpath.New("regions").AtSliceIndex(0),
					knownvalue.ObjectPartial(map[string]knownvalue.Check{
						"cloud":                 knownvalue.StringExact(cloud.Outscale),
						"country":               knownvalue.StringExact("FR"),
						"in_eu":                 knownvalue.Bool(true),
						"secnumcloud_qualified": knownvalue.Bool(true),
						"provider_supported":    knownvalue.Bool(true),
						"source":                knownvalue.StringRegexp(regexpHTTPS),
						"hds_source":            knownvalue.StringRegexp(regexpHTTPS),
					})),
			},
		}},
	})
}

// No OVHcloud Public Cloud region is SecNumCloud-qualified; OVHcloud's
// qualified offers are listed, but as places this provider cannot deploy to.
func TestAccSecNumCloudRegions_ovhQualifiedOffersAreNotDeployable(t *testing.T) {
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: regionsProvider + `
data "health_secnumcloud_regions" "ovh" {
  cloud                 = "ovh"
  secnumcloud_qualified = true
}
output "deployable" {
  value = [for r in data.health_secnumcloud_regions.ovh.regions : r.name if r.provider_supported]
}
`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.health_secnumcloud_regions.ovh", tfjsonpath.New("names"),
					knownvalue.ListExact([]knownvalue.Check{
						knownvalue.StringExact("hosted-private-cloud-snc-rbx"),
						knownvalue.StringExact("hosted-private-cloud-snc-sbg"),
						knownvalue.StringExact("bare-metal-pod-snc"),
					})),
				statecheck.ExpectKnownOutputValue("deployable", knownvalue.ListExact([]knownvalue.Check{})),
			},
		}},
	})
}

// Filters combine; without any, the whole catalogue comes back, OUTSCALE
// first, and nothing outside the EU is ever HDS-certified.
func TestAccSecNumCloudRegions_filters(t *testing.T) {
	all := len(cloud.Regions())
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: regionsProvider + `
data "health_secnumcloud_regions" "all" {}
data "health_secnumcloud_regions" "ovh_hds" {
  cloud         = "ovh"
  hds_certified = true
}
output "all_count" { value = length(data.health_secnumcloud_regions.all.regions) }
output "first_cloud" { value = data.health_secnumcloud_regions.all.regions[0].cloud }
output "hds_outside_eu" {
  value = [for r in data.health_secnumcloud_regions.all.regions : r.name if r.hds_certified && !r.in_eu]
}
output "ovh_hds_clouds" {
  value = distinct([for r in data.health_secnumcloud_regions.ovh_hds.regions : r.cloud])
}
`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownOutputValue("all_count", knownvalue.Int64Exact(int64(all))),
				statecheck.ExpectKnownOutputValue("first_cloud", knownvalue.StringExact(cloud.Outscale)),
				statecheck.ExpectKnownOutputValue("hds_outside_eu", knownvalue.ListExact([]knownvalue.Check{})),
				statecheck.ExpectKnownOutputValue("ovh_hds_clouds", knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact(cloud.OVH)})),
				statecheck.ExpectKnownValue("data.health_secnumcloud_regions.ovh_hds", tfjsonpath.New("names"),
					knownvalue.ListPartial(map[int]knownvalue.Check{0: knownvalue.StringExact("EU-WEST-PAR")})),
			},
		}},
	})
}

func TestAccSecNumCloudRegions_unknownCloudIsRefused(t *testing.T) {
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      regionsProvider + `data "health_secnumcloud_regions" "x" { cloud = "azure" }`,
			ExpectError: expectError(`Attribute cloud value must be one of`, `"azure"`),
		}},
	})
}
