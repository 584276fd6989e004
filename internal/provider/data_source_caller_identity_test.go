package provider_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/sovhealth/terraform-provider-health/internal/acctest"
	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
)

func TestAccCallerIdentity_basic(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		var account, project, method knownvalue.Check = knownvalue.NotNull(), knownvalue.StringExact(""), knownvalue.StringExact("access-key")
		if cloudName == cloud.OVH {
			project, method = knownvalue.NotNull(), knownvalue.NotNull()
		}
		if !acctest.RealCloud() {
			account = knownvalue.StringExact(map[string]string{
				cloud.Outscale: emulator.DefaultOutscaleAccountID, cloud.OVH: emulator.DefaultOVHNicHandle}[cloudName])
			if cloudName == cloud.OVH {
				project = knownvalue.StringExact(emulator.DefaultOVHProjectID)
				method = knownvalue.StringExact("application-key")
			}
		}
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			Steps: []resource.TestStep{{
				Config: acctest.ProviderConfig(cloudName, "") + `data "health_caller_identity" "me" {}`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.health_caller_identity.me", tfjsonpath.New("cloud"), knownvalue.StringExact(cloudName)),
					statecheck.ExpectKnownValue("data.health_caller_identity.me", tfjsonpath.New("region"), knownvalue.StringExact(acctest.Region(cloudName))),
					statecheck.ExpectKnownValue("data.health_caller_identity.me", tfjsonpath.New("account_id"), account),
					statecheck.ExpectKnownValue("data.health_caller_identity.me", tfjsonpath.New("project_id"), project),
					statecheck.ExpectKnownValue("data.health_caller_identity.me", tfjsonpath.New("auth_method"), method),
				},
			}},
		})
	})
}

// OVHcloud's OAuth2 service accounts work against any endpoint, the emulator
// included (go-ovh alone only knows the public endpoints' token URLs).
func TestAccCallerIdentity_ovhOAuth2(t *testing.T) {
	emulatorOnly(t, "uses the emulator's OAuth2 client")
	emu := acctest.Emulator()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
provider "health" {
  cloud = "ovh"
  ovh {
    endpoint      = %q
    region        = "GRA11"
    project_id    = %q
    client_id     = %q
    client_secret = %q
  }
}
data "health_caller_identity" "me" {}
`, emu.OVHEndpoint(), emulator.DefaultOVHProjectID, emulator.DefaultOVHClientID, emulator.DefaultOVHClientSecret),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.health_caller_identity.me", tfjsonpath.New("auth_method"), knownvalue.StringExact("oauth2")),
				statecheck.ExpectKnownValue("data.health_caller_identity.me", tfjsonpath.New("account_id"), knownvalue.StringExact(emulator.DefaultOVHNicHandle)),
				statecheck.ExpectKnownValue("data.health_caller_identity.me", tfjsonpath.New("id"),
					knownvalue.StringExact("ovh/"+emulator.DefaultOVHNicHandle+"/"+emulator.DefaultOVHProjectID)),
			},
		}},
	})
}

// Two provider blocks drive both clouds in one configuration, the way a
// tender evaluator compares them (see acctest.AlternateProvider).
func TestAccCallerIdentity_twoClouds(t *testing.T) {
	for _, c := range acctest.Clouds {
		acctest.PreCheck(t, c)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactoriesWithAlternate,
		Steps: []resource.TestStep{{
			Config: acctest.ProviderConfig(cloud.Outscale, "") + acctest.AlternateProviderConfig(cloud.OVH) + `
data "health_caller_identity" "outscale" {}
data "health_caller_identity" "ovh" { provider = healthalt }
`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.health_caller_identity.outscale", tfjsonpath.New("cloud"), knownvalue.StringExact("outscale")),
				statecheck.ExpectKnownValue("data.health_caller_identity.ovh", tfjsonpath.New("cloud"), knownvalue.StringExact("ovh")),
			},
		}},
	})
}
