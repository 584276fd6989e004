package provider_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/sovhealth/terraform-provider-health/internal/acctest"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
)

// accessLogsConfig is a bucket whose access logs go to a second bucket
// under prefix ("" leaves access_logs out).
func accessLogsConfig(emu *emulator.Emulator, cloudName, name, prefix string) string {
	extra := ""
	if prefix != "" {
		extra = fmt.Sprintf("  access_logs = { bucket = health_warehouse_storage.logs.name, prefix = %q }", prefix)
	}
	return storageConfig(emu, cloudName, name, extra) + fmt.Sprintf(`
resource "health_warehouse_storage" "logs" {
  name = "%[1]s-logs"
%[2]s}
`, name, complianceExceptions(cloudName))
}

// Access logging set, read back, restored after a change out of band,
// imported, moved and turned off, on both clouds.
func TestAccWarehouseStorage_accessLogs(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emu := acctest.PrivateEmulator(t)
		name := acctest.RandomName("log")
		logs := func(prefix string) statecheck.StateCheck {
			return statecheck.ExpectKnownValue(storageAddr, tfjsonpath.New("access_logs"), knownvalue.ObjectExact(map[string]knownvalue.Check{
				"bucket": knownvalue.StringExact(name + "-logs"), "prefix": knownvalue.StringExact(prefix)}))
		}
		steps := []resource.TestStep{
			{
				Config:            accessLogsConfig(emu, cloudName, name, "access-logs/raw/"),
				ConfigStateChecks: []statecheck.StateCheck{logs("access-logs/raw/")},
			},
			{
				Config:                  accessLogsConfig(emu, cloudName, name, "access-logs/raw/"),
				ResourceName:            storageAddr,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts", "compliance_exceptions"},
			},
		}
		if emu != nil {
			// Logging turned off out of band: the next plan turns it back on.
			steps = append(steps, resource.TestStep{
				Config: accessLogsConfig(emu, cloudName, name, "access-logs/raw/"),
				Check: func(*terraform.State) error {
					return editObject(emu, "s3.buckets", name, func(doc map[string]any) { delete(doc, "logging") })
				},
				ExpectNonEmptyPlan: true,
			}, resource.TestStep{
				Config: accessLogsConfig(emu, cloudName, name, "access-logs/raw/"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(storageAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{logs("access-logs/raw/")},
			})
		}
		steps = append(steps, resource.TestStep{
			Config: accessLogsConfig(emu, cloudName, name, "logs/raw/"),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(storageAddr, plancheck.ResourceActionUpdate),
			}},
			ConfigStateChecks: []statecheck.StateCheck{logs("logs/raw/")},
		}, resource.TestStep{
			Config: accessLogsConfig(emu, cloudName, name, ""),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(storageAddr, tfjsonpath.New("access_logs"), knownvalue.Null()),
			},
		}, resource.TestStep{Config: accessLogsConfig(emu, cloudName, name, ""), PlanOnly: true})
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             checkStorageGone(emu, cloudName, name),
			Steps:                    steps,
		})
	})
}
