package provider_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/sovhealth/terraform-provider-health/internal/acctest"
	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/faults"
)

const kmsKeyAddr = "health_warehouse_kms_key.test"

// Collections of the emulator that hold keys.
const (
	collTransitKeys = "openbao.transit_keys"
	collOKMSKeys    = "ovh.okms_service_keys"
)

// kmsKeyConfig is a key named name with the given extra arguments.
// A nil emu is the shared emulator, for tests that only plan.
func kmsKeyConfig(emu *emulator.Emulator, cloudName, name, extra string) string {
	provider := acctest.ProviderConfig(cloudName, "")
	if emu != nil {
		provider = acctest.ProviderConfigAt(emu, cloudName)
	}
	return provider + fmt.Sprintf(`
resource "health_warehouse_kms_key" "test" {
  name = %q
%s
}
`, name, extra)
}

// unprotected lets the test's final destroy delete the key, the way a key
// is retired: the compliance control on deletion protection is excepted,
// with the reason.
const unprotected = `  deletion_protection = false
  compliance_exceptions = [{ control = "HW-KEY-02", justification = "test key, destroyed at the end of the test" }]
`

var (
	uuidPattern    = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	rfc3339Pattern = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)
)

func backendOf(cloudName string) string {
	if cloudName == cloud.OVH {
		return cloud.BackendOKMS
	}
	return cloud.BackendOpenBao
}

// checkKeysGone is the CheckDestroy of key tests: the cloud answers that
// the keys of the state, and anything named base, are gone
// (acctest.CheckDestroy); the private emulator holds no key, nor any
// object of the cloud's API.
func checkKeysGone(emu *emulator.Emulator, cloudName, base string) resource.TestCheckFunc {
	nothingLeft := acctest.CheckDestroy(emu, cloudName, base)
	return func(s *terraform.State) error {
		if err := nothingLeft(s); err != nil || emu == nil {
			return err
		}
		keys, err := emu.Control().Objects(context.Background(), "openbao.")
		if err != nil {
			return err
		}
		if len(keys) > 0 {
			return fmt.Errorf("%d OpenBao keys left after destroy, the first %s", len(keys), keys[0].ID)
		}
		return nil
	}
}

// emulatedKey reads the key's document in the emulator: the transit key
// named by the resource's id, or the OKMS service key named by key_id.
func emulatedKey(t *testing.T, emu *emulator.Emulator, s *terraform.State, cloudName string) (string, string, map[string]any) {
	t.Helper()
	rs, ok := s.RootModule().Resources[kmsKeyAddr]
	if !ok {
		t.Fatalf("%s is not in the state", kmsKeyAddr)
	}
	coll, id := collTransitKeys, rs.Primary.ID
	if cloudName == cloud.OVH {
		coll, id = collOKMSKeys, rs.Primary.Attributes["key_id"]
	}
	obj, found, err := emu.Control().Object(context.Background(), coll, id)
	if err != nil || !found {
		t.Fatalf("%s/%s in the emulator: found %v, %v", coll, id, found, err)
	}
	var doc map[string]any
	if err := json.Unmarshal(obj.Doc, &doc); err != nil {
		t.Fatal(err)
	}
	return coll, id, doc
}

// alterKey changes the key's document in the emulator, as an operator
// would in the key manager's console.
func alterKey(t *testing.T, emu *emulator.Emulator, cloudName string, change func(doc map[string]any)) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		coll, id, doc := emulatedKey(t, emu, s, cloudName)
		change(doc)
		raw, err := json.Marshal(doc)
		if err != nil {
			return err
		}
		return emu.Control().PutObject(context.Background(), coll, id, raw)
	}
}

func TestAccWarehouseKMSKey_basic(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emu := acctest.PrivateEmulator(t)
		name := acctest.RandomKeyName()
		var keyID knownvalue.Check = knownvalue.StringExact(name)
		if cloudName == cloud.OVH {
			keyID = knownvalue.StringRegexp(uuidPattern)
		}
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             checkKeysGone(emu, cloudName, name),
			Steps: []resource.TestStep{
				{
					Config: kmsKeyConfig(emu, cloudName, name, ""),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(kmsKeyAddr, plancheck.ResourceActionCreate),
						// Where the key will live, and what for, is known before apply.
						plancheck.ExpectKnownValue(kmsKeyAddr, tfjsonpath.New("backend"), knownvalue.StringExact(backendOf(cloudName))),
						plancheck.ExpectKnownValue(kmsKeyAddr, tfjsonpath.New("usage"), knownvalue.StringExact(cloud.UsageEncryptDecrypt)),
						plancheck.ExpectKnownValue(kmsKeyAddr, tfjsonpath.New("algorithm"), knownvalue.StringExact(cloud.AlgorithmAES256)),
						plancheck.ExpectKnownValue(kmsKeyAddr, tfjsonpath.New("rotation_period"), knownvalue.StringExact("90d")),
						plancheck.ExpectKnownValue(kmsKeyAddr, tfjsonpath.New("deletion_protection"), knownvalue.Bool(true)),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(kmsKeyAddr, tfjsonpath.New("key_id"), keyID),
						statecheck.ExpectKnownValue(kmsKeyAddr, tfjsonpath.New("version"), knownvalue.Int64Exact(1)),
						statecheck.ExpectKnownValue(kmsKeyAddr, tfjsonpath.New("enabled"), knownvalue.Bool(true)),
						statecheck.ExpectKnownValue(kmsKeyAddr, tfjsonpath.New("previous_key_ids"), knownvalue.ListSizeExact(0)),
						statecheck.ExpectKnownValue(kmsKeyAddr, tfjsonpath.New("created_at"), knownvalue.StringRegexp(rfc3339Pattern)),
						statecheck.CompareValuePairs(kmsKeyAddr, tfjsonpath.New("created_at"), kmsKeyAddr, tfjsonpath.New("rotated_at"), compare.ValuesSame()),
						statecheck.CompareValuePairs(kmsKeyAddr, tfjsonpath.New("id"), kmsKeyAddr, tfjsonpath.New("key_id"), compare.ValuesSame()),
					},
					Check: func(s *terraform.State) error {
						if emu == nil {
							return nil
						}
						// What the key manager holds, asked of the emulator.
						_, _, doc := emulatedKey(t, emu, s, cloudName)
						switch cloudName {
						case cloud.Outscale:
							if doc["type"] != "aes256-gcm96" || doc["deletion_allowed"] != false || doc["auto_rotate_period"] != float64(90*24*3600) ||
								doc["exportable"] != false || doc["allow_plaintext_backup"] != false {
								return fmt.Errorf("the OpenBao key: %v", doc)
							}
						case cloud.OVH:
							if doc["type"] != "oct" || doc["size"] != float64(256) || doc["state"] != "ACTIVE" || doc["name"] != name ||
								fmt.Sprint(doc["operations"]) != "[encrypt decrypt]" {
								return fmt.Errorf("the OKMS service key: %v", doc)
							}
						}
						return nil
					},
				},
				{
					// Deletion protection comes off in place.
					Config: kmsKeyConfig(emu, cloudName, name, unprotected),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(kmsKeyAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(kmsKeyAddr, tfjsonpath.New("version"), knownvalue.Int64Exact(1)),
					}},
				},
			},
		})
	})
}

// The rotation period and tags change in place: same id, same version.
func TestAccWarehouseKMSKey_update(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emu := acctest.PrivateEmulator(t)
		name := acctest.RandomKeyName()
		sameID := statecheck.CompareValue(compare.ValuesSame())
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             checkKeysGone(emu, cloudName, name),
			Steps: []resource.TestStep{
				{
					Config:            kmsKeyConfig(emu, cloudName, name, unprotected),
					ConfigStateChecks: []statecheck.StateCheck{sameID.AddStateValue(kmsKeyAddr, tfjsonpath.New("id"))},
				},
				{
					Config: kmsKeyConfig(emu, cloudName, name, unprotected+`  rotation_period = "720h"
  tags            = { owner = "data-office" }
`),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(kmsKeyAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(kmsKeyAddr, tfjsonpath.New("version"), knownvalue.Int64Exact(1)),
						plancheck.ExpectKnownValue(kmsKeyAddr, tfjsonpath.New("key_id"), knownvalue.NotNull()),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						sameID.AddStateValue(kmsKeyAddr, tfjsonpath.New("id")),
						statecheck.ExpectKnownValue(kmsKeyAddr, tfjsonpath.New("rotation_period"), knownvalue.StringExact("720h")),
						statecheck.ExpectKnownValue(kmsKeyAddr, tfjsonpath.New("version"), knownvalue.Int64Exact(1)),
						statecheck.ExpectKnownValue(kmsKeyAddr, tfjsonpath.New("tags"),
							knownvalue.MapExact(map[string]knownvalue.Check{"owner": knownvalue.StringExact("data-office")})),
					},
					Check: func(s *terraform.State) error {
						if emu == nil || cloudName != cloud.Outscale {
							return nil // OKMS holds no rotation period
						}
						if _, _, doc := emulatedKey(t, emu, s, cloudName); doc["auto_rotate_period"] != float64(30*24*3600) {
							return fmt.Errorf("OpenBao's auto_rotate_period is %v, want 30 days", doc["auto_rotate_period"])
						}
						return nil
					},
				},
				{
					// The same period written in days is no change.
					Config: kmsKeyConfig(emu, cloudName, name, unprotected+`  rotation_period = "30d"
  tags            = { owner = "data-office" }
`),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(kmsKeyAddr, plancheck.ResourceActionUpdate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{sameID.AddStateValue(kmsKeyAddr, tfjsonpath.New("id"))},
				},
				{
					// A new name is a new key.
					Config: kmsKeyConfig(emu, cloudName, name+"-2", unprotected),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(kmsKeyAddr, plancheck.ResourceActionReplace),
					}},
				},
			},
		})
	})
}

// Changing rotate_trigger rotates the key in place: the version goes up,
// the id stays; on OKMS the new version is a new service key, and the
// older one stays active.
func TestAccWarehouseKMSKey_rotate(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emu := acctest.PrivateEmulator(t)
		name := acctest.RandomKeyName()
		sameID := statecheck.CompareValue(compare.ValuesSame())
		keyIDs := statecheck.CompareValue(compare.ValuesSame())
		var previous knownvalue.Check = knownvalue.ListSizeExact(0)
		keyIDPlan := knownvalue.StringExact(name)
		if cloudName == cloud.OVH {
			keyIDs = statecheck.CompareValue(compare.ValuesDiffer())
			previous = knownvalue.ListSizeExact(1)
		}
		rotateConfig := func(trigger string) string {
			return kmsKeyConfig(emu, cloudName, name, unprotected+fmt.Sprintf("  rotate_trigger = %q\n", trigger))
		}
		planRotation := []plancheck.PlanCheck{
			plancheck.ExpectResourceAction(kmsKeyAddr, plancheck.ResourceActionUpdate),
			plancheck.ExpectUnknownValue(kmsKeyAddr, tfjsonpath.New("version")),
			plancheck.ExpectUnknownValue(kmsKeyAddr, tfjsonpath.New("rotated_at")),
		}
		if cloudName == cloud.OVH {
			planRotation = append(planRotation, plancheck.ExpectUnknownValue(kmsKeyAddr, tfjsonpath.New("key_id")))
		} else {
			planRotation = append(planRotation, plancheck.ExpectKnownValue(kmsKeyAddr, tfjsonpath.New("key_id"), keyIDPlan))
		}
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             checkKeysGone(emu, cloudName, name),
			Steps: []resource.TestStep{
				{
					Config: rotateConfig("initial"),
					ConfigStateChecks: []statecheck.StateCheck{
						sameID.AddStateValue(kmsKeyAddr, tfjsonpath.New("id")),
						keyIDs.AddStateValue(kmsKeyAddr, tfjsonpath.New("key_id")),
					},
				},
				{
					Config:           rotateConfig("2026-03-incident"),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: planRotation},
					ConfigStateChecks: []statecheck.StateCheck{
						sameID.AddStateValue(kmsKeyAddr, tfjsonpath.New("id")),
						keyIDs.AddStateValue(kmsKeyAddr, tfjsonpath.New("key_id")),
						statecheck.ExpectKnownValue(kmsKeyAddr, tfjsonpath.New("version"), knownvalue.Int64Exact(2)),
						statecheck.ExpectKnownValue(kmsKeyAddr, tfjsonpath.New("previous_key_ids"), previous),
					},
					Check: func(s *terraform.State) error {
						if emu == nil {
							return nil
						}
						rs := s.RootModule().Resources[kmsKeyAddr].Primary
						switch cloudName {
						case cloud.Outscale:
							if _, _, doc := emulatedKey(t, emu, s, cloudName); doc["latest_version"] != float64(2) {
								return fmt.Errorf("OpenBao's latest_version is %v", doc["latest_version"])
							}
						case cloud.OVH:
							// Version 1 stays active, to decrypt what it encrypted.
							obj, found, err := emu.Control().Object(context.Background(), collOKMSKeys, rs.ID)
							if err != nil || !found || !strings.Contains(string(obj.Doc), `"state":"ACTIVE"`) {
								return fmt.Errorf("version 1 after the rotation: %s (found %v, %v)", obj.Doc, found, err)
							}
							if _, _, doc := emulatedKey(t, emu, s, cloudName); doc["name"] != name+".v2" || doc["state"] != "ACTIVE" {
								return fmt.Errorf("version 2: %v", doc)
							}
						}
						return nil
					},
				},
				{
					// Nothing more to do: the rotation happened once.
					Config: rotateConfig("2026-03-incident"),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectEmptyPlan(),
					}},
				},
			},
		})
	})
}

// When rotation_period has elapsed, OpenBao rotates the key by itself and
// the refresh shows it; OKMS does not, and the plan rotates the key.
func TestAccWarehouseKMSKey_scheduledRotation(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emulatorOnly(t, "ages the key through the control API")
		emu := acctest.PrivateEmulator(t)
		config := kmsKeyConfig(emu, cloudName, "wh-sched", unprotected+"  rotation_period = \"30d\"\n")
		longAgo := time.Now().Add(-31 * 24 * time.Hour).UTC()
		age := alterKey(t, emu, cloudName, func(doc map[string]any) {
			if cloudName == cloud.OVH {
				doc["createdAt"] = longAgo.Format(time.RFC3339)
				return
			}
			versions, _ := doc["versions"].(map[string]any)
			for _, v := range versions {
				if m, ok := v.(map[string]any); ok {
					m["creation_time"] = longAgo.Format(time.RFC3339Nano)
				}
			}
		})
		second := resource.TestStep{Config: config}
		if cloudName == cloud.OVH {
			second.ConfigPlanChecks = resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(kmsKeyAddr, plancheck.ResourceActionUpdate),
				plancheck.ExpectUnknownValue(kmsKeyAddr, tfjsonpath.New("version")),
				plancheck.ExpectUnknownValue(kmsKeyAddr, tfjsonpath.New("key_id")),
			}}
		} else {
			second.ConfigPlanChecks = resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}
		}
		second.ConfigStateChecks = []statecheck.StateCheck{
			statecheck.ExpectKnownValue(kmsKeyAddr, tfjsonpath.New("version"), knownvalue.Int64Exact(2)),
		}
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             checkKeysGone(emu, cloudName, "wh-sched"),
			Steps: []resource.TestStep{
				{
					Config: config,
					Check:  age,
					// OKMS: the aged key is due, so the plan after apply rotates it.
					ExpectNonEmptyPlan: cloudName == cloud.OVH,
				},
				second,
				{Config: config, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
			},
		})
	})
}

func TestAccWarehouseKMSKey_import(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emu := acctest.PrivateEmulator(t)
		name := acctest.RandomKeyName()
		// Neither key manager holds tags, and OKMS holds no deletion
		// protection nor rotation period: an import starts protected, with
		// the default period and no tags, and the plan that imports writes
		// the configuration's in place, touching no key (and rotating none:
		// the configuration's rotate_trigger is adopted).
		ignore := []string{"timeouts", "tags", "rotate_trigger", "compliance_exceptions"}
		if cloudName == cloud.OVH {
			ignore = append(ignore, "deletion_protection", "rotation_period")
		}
		config := kmsKeyConfig(emu, cloudName, name, unprotected+`  algorithm       = "ec-p256"
  rotation_period = "180d"
  rotate_trigger  = "v2"
  tags            = { owner = "data-office" }
`)
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             checkKeysGone(emu, cloudName, name),
			Steps: []resource.TestStep{
				{Config: config},
				{
					Config:                  config,
					ResourceName:            kmsKeyAddr,
					ImportState:             true,
					ImportStateVerify:       true,
					ImportStateVerifyIgnore: ignore,
				},
				{
					Config:             config,
					ResourceName:       kmsKeyAddr,
					ImportState:        true,
					ImportStateKind:    resource.ImportBlockWithID,
					ExpectNonEmptyPlan: true,
					ImportPlanChecks: resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(kmsKeyAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(kmsKeyAddr, tfjsonpath.New("version"), knownvalue.Int64Exact(1)),
					}},
				},
			},
		})
	})
}

// A key deleted outside Terraform leaves the state, and the next plan
// makes it again.
func TestAccWarehouseKMSKey_disappears(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emu := acctest.PrivateEmulator(t)
		name := acctest.RandomKeyName()
		config := kmsKeyConfig(emu, cloudName, name, unprotected)
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             checkKeysGone(emu, cloudName, name),
			Steps: []resource.TestStep{
				{
					Config:             config,
					Check:              acctest.Disappear(emu, cloudName, kmsKeyAddr),
					ExpectNonEmptyPlan: true,
				},
				{
					Config: config,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(kmsKeyAddr, plancheck.ResourceActionCreate),
					}},
				},
			},
		})
	})
}

// Changes made outside Terraform show in the next plan, which undoes them:
// a key deactivated in the OKMS is activated again; a key whose deletion
// was allowed in OpenBao is protected again.
func TestAccWarehouseKMSKey_drift(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emulatorOnly(t, "edits the key out of band through the control API")
		emu := acctest.PrivateEmulator(t)
		config := kmsKeyConfig(emu, cloudName, "wh-drift", unprotected)
		drift := alterKey(t, emu, cloudName, func(doc map[string]any) {
			doc["state"], doc["deactivationReason"] = "DEACTIVATED", "UNSPECIFIED"
		})
		restored := knownvalue.Check(knownvalue.Bool(true))
		attribute := "enabled"
		if cloudName == cloud.Outscale {
			config = kmsKeyConfig(emu, cloudName, "wh-drift", "")
			drift = alterKey(t, emu, cloudName, func(doc map[string]any) { doc["deletion_allowed"] = true })
			attribute = "deletion_protection"
		}
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             checkKeysGone(emu, cloudName, "wh-drift"),
			Steps: []resource.TestStep{
				{Config: config, Check: drift, ExpectNonEmptyPlan: true},
				{
					Config: config,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(kmsKeyAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(kmsKeyAddr, tfjsonpath.New(attribute), restored),
					}},
					Check: func(s *terraform.State) error {
						_, _, doc := emulatedKey(t, emu, s, cloudName)
						if cloudName == cloud.OVH && doc["state"] != "ACTIVE" {
							return fmt.Errorf("the service key is %v after apply", doc["state"])
						}
						if cloudName == cloud.Outscale && doc["deletion_allowed"] != false {
							return fmt.Errorf("OpenBao still allows the deletion: %v", doc)
						}
						return nil
					},
				},
				{Config: kmsKeyConfig(emu, cloudName, "wh-drift", unprotected)},
			},
		})
	})
}

// A protected key survives destroy and replacement with a clear error,
// until deletion_protection is set to false.
func TestAccWarehouseKMSKey_deletionProtection(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emu := acctest.PrivateEmulator(t)
		name := acctest.RandomKeyName()
		protectedConfig := kmsKeyConfig(emu, cloudName, name, "")
		stillThere := func(*terraform.State) error {
			if emu == nil {
				return nil
			}
			coll := collTransitKeys
			if cloudName == cloud.OVH {
				coll = collOKMSKeys
			}
			objs, err := emu.Control().Objects(context.Background(), coll)
			if err != nil || len(objs) != 1 {
				return fmt.Errorf("want the one key still in %s, got %d (%v)", coll, len(objs), err)
			}
			return nil
		}
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             checkKeysGone(emu, cloudName, name),
			Steps: []resource.TestStep{
				{Config: protectedConfig},
				{
					Config:      protectedConfig,
					Destroy:     true,
					ExpectError: expectError("KMS Key Deletion Protection Is On", "Destroying the key "+name, "deletion_protection = false"),
				},
				{
					Config:      kmsKeyConfig(emu, cloudName, name+"-2", ""),
					ExpectError: expectError("KMS Key Deletion Protection Is On", "Replacing the key "+name),
				},
				{
					PreConfig: func() {
						if err := stillThere(nil); err != nil {
							t.Fatal(err)
						}
					},
					Config: kmsKeyConfig(emu, cloudName, name, unprotected),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(kmsKeyAddr, plancheck.ResourceActionUpdate),
					}},
				},
			},
		})
	})
}

// Inputs no key manager, or not this cloud's, can take are refused at plan
// time, with the attribute, the value and the rule.
func TestAccWarehouseKMSKey_invalidInput(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		cases := []struct {
			name, extra string
			want        []string
		}{
			{"wh-bad", `  algorithm = "aes-128"`, []string{"algorithm", "aes-128"}},
			{"wh-bad", `  rotation_period = "12h"`, []string{"Invalid Rotation Period", "between 1 day", "1 year"}},
			{"wh-bad", `  rotation_period = "400d"`, []string{"Invalid Rotation Period", "400d"}},
			{"wh-bad", `  rotation_period = "quarterly"`, []string{"Invalid Rotation Period", "quarterly", "90d"}},
			{"wh-bad", `  usage = "sign-verify"`, []string{"Usage Does Not Suit the Algorithm", "aes-256", "cannot sign"}},
			{"wh-bad", "  algorithm = \"ec-p384\"\n  usage = \"wrap-unwrap\"", []string{"Usage Does Not Suit the Algorithm", "only sign and verify"}},
			{"wh bad!", "", []string{"Invalid Key Name", "letters, digits"}},
			{strings.Repeat("k", 25), "", []string{"Invalid Key Name", "the limit is 24"}},
		}
		switch cloudName {
		case cloud.OVH:
			// OVHcloud documents RSA service keys for signing only.
			cases = append(cases, struct {
				name, extra string
				want        []string
			}{"wh-bad", "  algorithm = \"rsa-4096\"\n  usage = \"encrypt-decrypt\"",
				[]string{"Usage Not Supported by the Key Manager", "OVHcloud KMS (OKMS)", "sign-verify"}})
		case cloud.Outscale:
			cases = append(cases, struct {
				name, extra string
				want        []string
			}{"wh-bad", "  enabled = false", []string{"Key Cannot Be Disabled", "OpenBao", "policy"}})
		}
		steps := make([]resource.TestStep, 0, len(cases))
		for _, c := range cases {
			steps = append(steps, resource.TestStep{
				Config:      kmsKeyConfig(nil, cloudName, c.name, c.extra),
				PlanOnly:    true,
				ExpectError: expectError(c.want...),
			})
		}
		resource.Test(t, resource.TestCase{ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories, Steps: steps})
	})
}

// The same HCL signs on both clouds: RSA keys for signing are taken by both
// key managers.
func TestAccWarehouseKMSKey_signingKey(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emu := acctest.PrivateEmulator(t)
		name := acctest.RandomKeyName()
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             checkKeysGone(emu, cloudName, name),
			Steps: []resource.TestStep{{
				Config: kmsKeyConfig(emu, cloudName, name, unprotected+"  algorithm = \"ec-p384\"\n"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(kmsKeyAddr, tfjsonpath.New("usage"), knownvalue.StringExact(cloud.UsageSignVerify)),
					statecheck.ExpectKnownValue(kmsKeyAddr, tfjsonpath.New("algorithm"), knownvalue.StringExact(cloud.AlgorithmECP384)),
				},
			}},
		})
	})
}

// Without the key manager's settings, the key fails at its first call
// with a diagnostic naming them; a malformed address fails at plan time.
// Not parallel: it hides the settings' environment variables.
func TestAccWarehouseKMSKey_missingSettings(t *testing.T) {
	emulatorOnly(t, "edits the emulator's provider block")
	for _, v := range []string{"HEALTH_KMS_ADDR", "HEALTH_KMS_TOKEN", "HEALTH_KMS_MOUNT", "HEALTH_KMS_CACERT", "OVH_OKMS_ID"} {
		t.Setenv(v, "")
	}
	want := map[string][]string{
		cloud.Outscale: {"Missing Key Manager Settings", "outscale.kms_address", "HEALTH_KMS_ADDR", "outscale.kms_token", "OpenBao"},
		cloud.OVH:      {"Missing Key Manager Settings", "ovh.kms_id", "OVH_OKMS_ID", "Control Panel"},
	}
	for _, cloudName := range acctest.Clouds {
		t.Run(cloudName, func(t *testing.T) {
			var kept []string
			for _, line := range strings.Split(acctest.ProviderConfig(cloudName, ""), "\n") {
				if !strings.Contains(line, "kms_") {
					kept = append(kept, line)
				}
			}
			provider := strings.Join(kept, "\n")
			steps := []resource.TestStep{{
				Config:      provider + "\nresource \"health_warehouse_kms_key\" \"test\" {\n  name = \"wh-nokms\"\n}\n",
				ExpectError: expectError(want[cloudName]...),
			}}
			if cloudName == cloud.Outscale {
				bad := strings.Replace(provider, "  outscale {\n", "  outscale {\n    kms_address = \"10.0.192.10:8200\"\n", 1)
				steps = append(steps, resource.TestStep{
					Config:      bad + "\nresource \"health_warehouse_kms_key\" \"test\" {\n  name = \"wh-nokms\"\n}\n",
					PlanOnly:    true,
					ExpectError: expectError("Invalid OpenBao Key Manager Setting", "outscale.kms_address", "https://10.0.192.10:8200"),
				})
			}
			resource.Test(t, resource.TestCase{ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories, Steps: steps})
		})
	}
}

// secretFinder finds, in a log, the configured secrets and anything that
// looks like key material: PEM blocks, and base64 runs of 32 bytes or more
// in the fields that carry keys in the key managers' APIs (JWK "k", "d",
// "p", "q", …; OpenBao's "plaintext", "public_key"; data keys).
type secretFinder struct {
	secrets []string
}

var keyMaterialPatterns = []*regexp.Regexp{
	regexp.MustCompile(`-----BEGIN [A-Z ]*(PRIVATE|PUBLIC) KEY-----`),
	regexp.MustCompile(`(?i)\\?"(k|d|p|q|dp|dq|qi|plaintext|key_material|private_key|public_key|keys?)\\?"\s*[:=]\s*\\?"[A-Za-z0-9+/_-]{43,}={0,2}`),
}

// find returns a description of each finding, never the secret itself.
func (f secretFinder) find(log []byte) []string {
	var found []string
	for i, s := range f.secrets {
		if s != "" && strings.Contains(string(log), s) {
			found = append(found, fmt.Sprintf("configured secret #%d", i))
		}
	}
	for _, p := range keyMaterialPatterns {
		if loc := p.FindIndex(log); loc != nil {
			found = append(found, fmt.Sprintf("key material matching %s at byte %d", p, loc[0]))
		}
	}
	return found
}

// A create, a rotation and a destroy with every log at TRACE leave no
// token, credential or key material in the log, nor in the state. Not
// parallel: TF_ACC_LOG_PATH and TF_LOG are process-wide, and parallel tests
// wait while a sequential test runs.
func TestAccWarehouseKMSKey_noSecretsInLogs(t *testing.T) {
	emulatorOnly(t, "searches the log for the emulator's seed secrets")
	finder := secretFinder{secrets: []string{emulator.DefaultOpenBaoToken, emulator.DefaultOutscaleSecretKey,
		emulator.DefaultOVHApplicationSecret, emulator.DefaultOVHConsumerKey, emulator.DefaultOVHClientSecret}}

	// The scan can fail: each kind of needle planted in a clean log is found.
	clean := []byte(`2026-03-01T09:00:00Z [DEBUG] provider: OpenBao API call: operation="GET transit/keys/wh-logs" status=200` +
		` h1:aWJ4eWJhZ2ZsZWZ0c29tZXRoaW5nZWxzZXdpdGhhaGFzaA== sha256=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef`)
	if got := finder.find(clean); len(got) != 0 {
		t.Fatalf("the scan flags a clean log: %v", got)
	}
	for name, needle := range map[string]string{
		"token":       ` X-Vault-Token: ` + emulator.DefaultOpenBaoToken,
		"OVH secret":  ` as=` + emulator.DefaultOVHApplicationSecret,
		"JWK":         ` {"kty":"oct","k":"GawgguFyGrWKav7AX4VKUg5v2Y6Nf6nGBFqLd0t6r1A"}`,
		"data key":    ` \"plaintext\": \"q2kcj4dbl7Y1HvKzgW9m0bY5pJr2Yd7C8gYwZqvR0fU=\"`,
		"private PEM": "\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n",
		"public PEM":  "\n-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n",
	} {
		if got := finder.find(append(append([]byte{}, clean...), needle...)); len(got) == 0 {
			t.Fatalf("the scan misses a planted %s", name)
		}
	}

	for _, cloudName := range acctest.Clouds {
		t.Run(cloudName, func(t *testing.T) {
			logPath := t.TempDir() + "/trace.log"
			t.Setenv("TF_ACC_LOG_PATH", logPath) // the CLI's log and the provider's, at TRACE
			t.Setenv("TF_ACC_LOG", "trace")
			t.Setenv("TF_LOG", "trace")
			t.Setenv("TF_LOG_PROVIDER", "trace")
			emu := acctest.PrivateEmulator(t)
			// The secrets come from the environment, as operators should pass
			// them: the test harness logs each step's configuration text at
			// TRACE, so a literal secret in the HCL would be found there (as it
			// would sit in the user's own .tf file), whatever the provider does.
			secretArgs := map[string]string{"secret_key": "OSC_SECRET_KEY", "kms_token": "HEALTH_KMS_TOKEN",
				"application_secret": "OVH_APPLICATION_SECRET", "consumer_key": "OVH_CONSUMER_KEY"}
			var kept []string
			for _, line := range strings.Split(acctest.ProviderConfigAt(emu, cloudName), "\n") {
				fields := strings.Fields(line)
				if len(fields) == 3 && secretArgs[fields[0]] != "" && fields[1] == "=" {
					t.Setenv(secretArgs[fields[0]], strings.Trim(fields[2], `"`))
					continue
				}
				kept = append(kept, line)
			}
			provider := strings.Join(kept, "\n")
			config := func(trigger string) string {
				return provider + fmt.Sprintf(`
resource "health_warehouse_kms_key" "test" {
  name                = "wh-logs"
  deletion_protection = false
  compliance_exceptions = [{ control = "HW-KEY-02", justification = "test key" }]
  algorithm           = "rsa-3072"
  usage               = "sign-verify"
  rotate_trigger      = %q
}
`, trigger)
			}
			scanState := func(s *terraform.State) error {
				for addr, rs := range s.RootModule().Resources {
					for k, v := range rs.Primary.Attributes {
						if got := finder.find([]byte(fmt.Sprintf("%q: %q", k, v))); len(got) > 0 {
							return fmt.Errorf("%s.%s holds %v", addr, k, got)
						}
					}
				}
				return nil
			}
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
				CheckDestroy:             checkKeysGone(emu, cloudName, "wh-logs"),
				Steps: []resource.TestStep{
					{Config: config("a"), Check: scanState},
					{
						Config: config("b"),
						Check: resource.ComposeTestCheckFunc(scanState,
							resource.TestCheckResourceAttr(kmsKeyAddr, "version", "2")),
					},
				},
			})
			log, err := os.ReadFile(logPath)
			if err != nil {
				t.Fatal(err)
			}
			// The log holds the provider's own TRACE and DEBUG lines, API calls
			// included: the scan is not of an empty or CLI-only file.
			for _, want := range []string{"[DEBUG] health: ", " API call: ", "tf_rpc=ApplyResourceChange", "tf_rpc=ReadResource"} {
				if !strings.Contains(string(log), want) {
					t.Fatalf("the log (%d bytes) lacks %q: it is not the trace the test asked for", len(log), want)
				}
			}
			if got := finder.find(log); len(got) > 0 {
				t.Fatalf("the TRACE log of a create, a rotation and a destroy holds %v", got)
			}
		})
	}
}

// A create that fails after the key was made leaves a tainted key, which
// the next apply replaces: deletion protection does not hold back a key
// that was never fully made, since nothing can have used it.
func TestAccWarehouseKMSKey_partial(t *testing.T) {
	failing := map[string]faults.Rule{
		// The second read is the one after the create (the first checks the name is free).
		cloud.Outscale: {Action: "openbao:GET /v1/transit/keys/{name}", Nth: 2, Statuses: []int{400}},
		cloud.OVH:      {Action: "ovh:GET /v2/okms/resource/{okmsId}/serviceKey/{keyId}", Nth: 1, Statuses: []int{400}},
	}
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emulatorOnly(t, "injects a fault into the key manager's API")
		emu := acctest.PrivateEmulator(t)
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             checkKeysGone(emu, cloudName, "wh-partial"),
			Steps: []resource.TestStep{
				{
					PreConfig: func() {
						if _, err := emu.Control().AddFault(context.Background(), failing[cloudName]); err != nil {
							t.Fatal(err)
						}
					},
					Config:      kmsKeyConfig(emu, cloudName, "wh-partial", ""),
					ExpectError: expectError("Unable to Create the KMS Key wh-partial"),
				},
				{
					Config: kmsKeyConfig(emu, cloudName, "wh-partial", unprotected),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(kmsKeyAddr, plancheck.ResourceActionDestroyBeforeCreate),
					}},
					Check: func(*terraform.State) error {
						coll := collTransitKeys
						if cloudName == cloud.OVH {
							coll = collOKMSKeys
						}
						objs, err := emu.Control().Objects(context.Background(), coll)
						if err != nil || len(objs) != 1 {
							return fmt.Errorf("want the one new key in %s, got %d (%v)", coll, len(objs), err)
						}
						return nil
					},
				},
			},
		})
	})
}

// Turning deletion protection off is how a key is retired, and it fails the
// compliance control HW-KEY-02 until an exception states why.
func TestAccWarehouseKMSKey_unprotectingNeedsAnException(t *testing.T) {
	acctest.Acceptance(t)
	t.Parallel()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      kmsKeyConfig(nil, cloud.Outscale, "wh-retire", "  deletion_protection = false\n"),
			PlanOnly:    true,
			ExpectError: expectError("Compliance Control HW-KEY-02 Failed", "Keys are protected against deletion", "deletion_protection = false", "compliance_exceptions"),
		}},
	})
}
