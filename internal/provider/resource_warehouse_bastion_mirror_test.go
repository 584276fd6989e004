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
)

// The bastion installs its packages from a mirror its tier must reach
// through egress_allow: the image's official archive by default, shown in
// the plan; a plan whose network does not let the bastion reach it fails,
// naming the attribute; a mirror of one's own, reached by its address,
// is written into the first boot.
func TestAccWarehouseBastion_packageMirror(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emu := acctest.PrivateEmulator(t)
		name := acctest.RandomName("bst")
		alice := adminKey(t, "alice@laptop")
		config := bastionConfig(emu, cloudName, name, "10.66.0.0/16", admins("alice", alice), "")
		closed := strings.Replace(config, "egress_allow = "+firstBootEgress, "", 1)
		own := strings.Replace(config, `cidr      = "198.51.100.0/24"`, `cidr      = "10.200.0.0/24"`, 1) // the debian entry
		own = strings.Replace(own, "name          = \""+name+"-bastion\"", "name          = \""+name+"-bastion\"\n"+
			`  package_mirror = {
    primary  = "http://10.200.0.10/debian"
    security = "http://10.200.0.10/debian-security"
  }`, 1)
		theBastion := strings.Replace(config, `hosts     = ["github.com"]`, `hosts     = ["codeberg.org"]`, 1)
		theBastion = strings.Replace(theBastion, "name          = \""+name+"-bastion\"", "name          = \""+name+"-bastion\"\n  mode          = \"the-bastion\"", 1)
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             acctest.CheckDestroy(emu, cloudName, name),
			Steps: []resource.TestStep{
				{
					Config:   closed,
					PlanOnly: true,
					ExpectError: expectError("Download Not Reachable Through egress_allow", "package_mirror.primary",
						"deb.debian.org on TCP port 80", `hosts = ["deb.debian.org"]`),
				},
				{
					Config:   theBastion,
					PlanOnly: true,
					ExpectError: expectError("Download Not Reachable Through egress_allow", "mode: the bastion tier downloads",
						"github.com on TCP port 443"),
				},
				{
					Config: config,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectKnownValue(bastionAddr, tfjsonpath.New("package_mirror"), knownvalue.ObjectExact(map[string]knownvalue.Check{
							"primary":  knownvalue.StringExact("http://deb.debian.org/debian"),
							"security": knownvalue.StringExact("http://deb.debian.org/debian-security"),
						})),
					}},
				},
				{
					Config: own,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(bastionAddr, plancheck.ResourceActionReplace),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(bastionAddr, tfjsonpath.New("package_mirror").AtMapKey("primary"),
							knownvalue.StringExact("http://10.200.0.10/debian")),
					},
				},
			},
		})
	})
}
