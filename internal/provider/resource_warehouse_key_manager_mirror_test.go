package provider_test

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/sovhealth/terraform-provider-health/internal/acctest"
	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/keymanager"
)

// On OUTSCALE the servers install OpenBao and their packages from mirrors
// the kms tier must reach through egress_allow: GitHub's release and
// Debian's archive by default, shown in the plan; a network that does not
// let the kms tier reach them fails the plan, naming the attribute; a
// plain-HTTP OpenBao mirror needs a pinned checksum. OVHcloud's key
// manager is a service: it has no mirrors.
func TestAccWarehouseKeyManager_mirrors(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emu := acctest.PrivateEmulator(t)
		name := acctest.RandomName("kms")
		config := keyManagerConfig(emu, cloudName, name, "10.67.0.0/16", "  servers = 1\n")
		if cloudName == cloud.OVH {
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
				CheckDestroy:             acctest.CheckDestroy(emu, cloudName, name),
				Steps: []resource.TestStep{{
					Config: config,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(keyManagerAddr, tfjsonpath.New("openbao_mirror"), knownvalue.Null()),
						statecheck.ExpectKnownValue(keyManagerAddr, tfjsonpath.New("package_mirror"), knownvalue.Null()),
					},
				}},
			})
			return
		}
		noGitHub := strings.Replace(config, `tiers     = ["bastion", "kms"]
    hosts     = ["github.com"]`, `tiers     = ["bastion"]
    hosts     = ["github.com"]`, 1)
		plainHTTP := strings.Replace(config, "  servers = 1\n", "  servers = 1\n  openbao_mirror = \"http://198.51.100.20/openbao\"\n", 1)
		pinned := strings.Replace(config, "  servers = 1\n", "  servers = 1\n  openbao_mirror = \"http://198.51.100.20/openbao\"\n"+
			"  openbao_sha256 = \""+strings.Repeat("0a", 32)+"\"\n", 1)
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             acctest.CheckDestroy(emu, cloudName, name),
			Steps: []resource.TestStep{
				{
					Config:      noGitHub,
					PlanOnly:    true,
					ExpectError: expectError("Download Not Reachable Through egress_allow", "openbao_mirror: the kms tier", "github.com on TCP port 443"),
				},
				{
					Config:      plainHTTP,
					PlanOnly:    true,
					ExpectError: expectError("Checksum Required for a Plain-HTTP Mirror", "openbao_sha256"),
				},
				{
					Config: config,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectKnownValue(keyManagerAddr, tfjsonpath.New("openbao_mirror"),
							knownvalue.StringExact(keymanager.DefaultOpenBaoMirror(keymanager.OpenBaoVersion))),
						plancheck.ExpectKnownValue(keyManagerAddr, tfjsonpath.New("package_mirror").AtMapKey("primary"),
							knownvalue.StringExact("http://deb.debian.org/debian")),
					}},
				},
				{
					// A new mirror reaches servers made later: recorded in place.
					Config: pinned,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(keyManagerAddr, plancheck.ResourceActionUpdate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(keyManagerAddr, tfjsonpath.New("openbao_mirror"), knownvalue.StringExact("http://198.51.100.20/openbao")),
					},
				},
			},
		})
	})
}
