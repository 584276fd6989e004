package provider_test

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/sovhealth/terraform-provider-health/internal/acctest"
)

// A workspace deleted outside Terraform with the cloud package's own
// Delete (its machines, its identity, its group): the next plan creates it
// again, touching nothing else (the other workspace, the buckets, the
// network), and the new one has running machines; destroy leaves nothing.
func TestAccWarehouseWorkspace_disappears(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emu := acctest.PrivateEmulator(t)
		name := "wh-wsgone-" + cloudName
		config := workspacesConfig(emu, cloudName, name, admins("alice", adminKey(t, "alice@laptop")))
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
			CheckDestroy:             acctest.CheckNothingLeft(emu, cloudName),
			Steps: []resource.TestStep{
				{
					Config:             config,
					Check:              acctest.Disappear(emu, cloudName, "health_warehouse_workspace.a"),
					ExpectNonEmptyPlan: true,
				},
				{
					Config: config,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("health_warehouse_workspace.a", plancheck.ResourceActionCreate),
						plancheck.ExpectResourceAction("health_warehouse_workspace.b", plancheck.ResourceActionNoop),
						plancheck.ExpectResourceAction("health_warehouse_network.test", plancheck.ResourceActionNoop),
						plancheck.ExpectResourceAction("health_warehouse_storage.a-working", plancheck.ResourceActionNoop),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("health_warehouse_workspace.a", tfjsonpath.New("machines"), knownvalue.ListSizeExact(1)),
						statecheck.ExpectKnownValue("health_warehouse_workspace.a", tfjsonpath.New("machines").AtSliceIndex(0).
							AtMapKey("state"), knownvalue.StringExact("running")),
					},
				},
			},
		})
	})
}
