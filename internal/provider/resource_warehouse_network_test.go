package provider_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

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

const networkAddr = "health_warehouse_network.test"

// networkConfig is a warehouse network with the defaults a user starts from.
func networkConfig(emu *emulator.Emulator, cloudName, name, cidr, extra string) string {
	return acctest.ProviderConfigAt(emu, cloudName) + fmt.Sprintf(`
resource "health_warehouse_network" "test" {
  name        = %q
  cidr        = %q
  admin_cidrs = ["203.0.113.7/32"]
%s
}
`, name, cidr, extra)
}

func TestAccWarehouseNetwork_basic(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emu := acctest.PrivateEmulator(t)
		name := acctest.RandomName("net")
		var sg knownvalue.Check = knownvalue.StringRegexp(regexp.MustCompile(`^sg-`))
		enforcement, storage := cloud.EnforcedBySecurityGroups, cloud.StorageViaNetAccessPoint
		if cloudName == cloud.OVH {
			storage = cloud.StorageViaGateway
			sg = knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`))
		}
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             acctest.CheckDestroy(emu, cloudName, name),
			Steps: []resource.TestStep{{
				Config: networkConfig(emu, cloudName, name, "10.40.0.0/16", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(networkAddr, plancheck.ResourceActionCreate),
					// What will be opened is visible before apply.
					plancheck.ExpectKnownValue(networkAddr, tfjsonpath.New("rules"), knownvalue.ListSizeExact(16+apiRules(cloudName))),
					plancheck.ExpectKnownValue(networkAddr, tfjsonpath.New("subnet_cidrs"), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"bastion": knownvalue.StringExact("10.40.0.0/18"),
						"compute": knownvalue.StringExact("10.40.64.0/18"),
						"data":    knownvalue.StringExact("10.40.128.0/18"),
						"kms":     knownvalue.StringExact("10.40.192.0/18"),
					})),
					plancheck.ExpectKnownValue(networkAddr, tfjsonpath.New("rules_enforcement"), knownvalue.StringExact(enforcement)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(networkAddr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^(vpc|pn)-`))),
					statecheck.ExpectKnownValue(networkAddr, tfjsonpath.New("region"), knownvalue.StringExact(acctest.Region(cloudName))),
					statecheck.ExpectKnownValue(networkAddr, tfjsonpath.New("storage_path"), knownvalue.StringExact(storage)),
					statecheck.ExpectKnownValue(networkAddr, tfjsonpath.New("nat_egress"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(networkAddr, tfjsonpath.New("egress_ips"), knownvalue.ListSizeExact(1)),
					statecheck.ExpectKnownValue(networkAddr, tfjsonpath.New("subnets").AtMapKey("data"), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"id":                knownvalue.NotNull(),
						"cidr":              knownvalue.StringExact("10.40.128.0/18"),
						"security_group_id": sg,
						"route_table_id":    knownvalue.NotNull(),
					})),
					statecheck.ExpectKnownValue(networkAddr, tfjsonpath.New("rules").AtSliceIndex(0), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"tier":        knownvalue.StringExact("bastion"),
						"direction":   knownvalue.StringExact("inbound"),
						"protocol":    knownvalue.StringExact("tcp"),
						"from_port":   knownvalue.Int64Exact(22),
						"to_port":     knownvalue.Int64Exact(22),
						"source":      knownvalue.StringExact("203.0.113.7/32"),
						"destination": knownvalue.Null(),
						"hosts":       knownvalue.Null(),
						"purpose":     knownvalue.StringExact("SSH from administrators"),
					})),
				},
			}},
		})
	})
}

// Name, tags, administrators and NAT change in place; the network's block
// and a tier's block replace the network.
func TestAccWarehouseNetwork_update(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emu := acctest.PrivateEmulator(t)
		name := acctest.RandomName("net")
		natOff := "  nat_egress = false\n"
		if cloudName == cloud.OVH {
			natOff = "" // OVHcloud needs its gateway (see the nat_egress test)
		}
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             acctest.CheckDestroy(emu, cloudName, name),
			Steps: []resource.TestStep{
				{Config: networkConfig(emu, cloudName, name, "10.41.0.0/16", "")},
				{
					Config: acctest.ProviderConfigAt(emu, cloudName) + `
resource "health_warehouse_network" "test" {
  name        = "` + name + `-renamed"
  cidr        = "10.41.0.0/16"
  admin_cidrs = ["203.0.113.7/32", "198.51.100.0/28"]
  tags        = { project = "cohort-2026" }
` + natOff + `}
`,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(networkAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(networkAddr, tfjsonpath.New("rules"), knownvalue.ListSizeExact(17+apiRules(cloudName))),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(networkAddr, tfjsonpath.New("name"), knownvalue.StringExact(name+"-renamed")),
						statecheck.ExpectKnownValue(networkAddr, tfjsonpath.New("tags"), knownvalue.MapExact(map[string]knownvalue.Check{
							"project": knownvalue.StringExact("cohort-2026")})),
						statecheck.ExpectKnownValue(networkAddr, tfjsonpath.New("admin_cidrs"), knownvalue.SetSizeExact(2)),
					},
				},
				{
					Config: networkConfig(emu, cloudName, name+"-renamed", "10.41.0.0/16",
						`  subnet_cidrs = { kms = "10.41.255.0/24" }`),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(networkAddr, plancheck.ResourceActionReplace),
					}},
				},
				{
					Config: networkConfig(emu, cloudName, name+"-renamed", "10.42.0.0/16", ""),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(networkAddr, plancheck.ResourceActionReplace),
					}},
				},
			},
		})
	})
}

func TestAccWarehouseNetwork_import(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emu := acctest.PrivateEmulator(t)
		// OVHcloud's API holds no tags: an import cannot recover them, and
		// the next apply sets them again. Its rules come back from the
		// tiers' Neutron security groups.
		ignore := []string{"timeouts"}
		ovhOnly, importAction := false, plancheck.ResourceActionNoop
		if cloudName == cloud.OVH {
			ignore = append(ignore, "tags")
			ovhOnly, importAction = true, plancheck.ResourceActionUpdate
		}
		name := acctest.RandomName("net")
		config := networkConfig(emu, cloudName, name, "172.20.0.0/20", `  tags = { owner = "data-office" }`)
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             acctest.CheckDestroy(emu, cloudName, name),
			Steps: []resource.TestStep{
				{Config: config},
				{
					Config:                  config,
					ResourceName:            networkAddr,
					ImportState:             true,
					ImportStateVerify:       true,
					ImportStateVerifyIgnore: ignore,
				},
				{
					Config:          config,
					ResourceName:    networkAddr,
					ImportState:     true,
					ImportStateKind: resource.ImportBlockWithID,
					// On OVHcloud the plan that imports also writes back the
					// tags, in place, touching no cloud object.
					ExpectNonEmptyPlan: ovhOnly,
					ImportPlanChecks: resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(networkAddr, importAction),
					}},
				},
			},
		})
	})
}

// A network deleted outside Terraform (with the cloud package's own Delete,
// every object of it) leaves the state, and the next plan creates it again.
func TestAccWarehouseNetwork_disappears(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emu := acctest.PrivateEmulator(t)
		name := acctest.RandomName("net")
		config := networkConfig(emu, cloudName, name, "10.43.0.0/16", "")
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             acctest.CheckDestroy(emu, cloudName, name),
			Steps: []resource.TestStep{
				{
					Config:             config,
					Check:              acctest.Disappear(emu, cloudName, networkAddr),
					ExpectNonEmptyPlan: true,
				},
				{
					Config: config,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(networkAddr, plancheck.ResourceActionCreate),
					}},
				},
			},
		})
	})
}

// A create that fails half-way leaves a tainted network that the next apply
// replaces, and nothing of it survives the destroy.
func TestAccWarehouseNetwork_partial(t *testing.T) {
	failing := map[string]string{
		cloud.Outscale: "outscale:CreateRouteTable",
		cloud.OVH:      "ovh:POST /1.0/cloud/project/{serviceName}/network/private/{networkId}/subnet",
	}
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emulatorOnly(t, "injects a fault into the cloud's API")
		emu := acctest.PrivateEmulator(t)
		config := networkConfig(emu, cloudName, "wh-partial", "10.44.0.0/16", "")
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             acctest.CheckNothingLeft(emu, cloudName),
			Steps: []resource.TestStep{
				{
					PreConfig: func() {
						// The second call, past the first objects, fails for good.
						_, err := emu.Control().AddFault(context.Background(), faults.Rule{
							Action: failing[cloudName], Nth: 2, Statuses: []int{400}})
						if err != nil {
							t.Fatal(err)
						}
					},
					Config:      config,
					ExpectError: regexp.MustCompile(`Unable to Create the Warehouse Network`),
				},
				{
					Config: config,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(networkAddr, plancheck.ResourceActionReplace),
					}},
				},
			},
		})
	})
}

func TestAccWarehouseNetwork_invalidInput(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]struct {
		attrs string
		want  []string
	}{
		"public cidr": {`cidr = "8.8.0.0/16"` + "\n" + `admin_cidrs = ["203.0.113.7/32"]`,
			[]string{`"8.8.0.0/16" is not a private range`}},
		"too small": {`cidr = "10.0.0.0/26"` + "\n" + `admin_cidrs = ["203.0.113.7/32"]`,
			[]string{`"10.0.0.0/26" is a /26: the network must be between /16 and /24`}},
		"overlapping subnets": {`cidr = "10.0.0.0/16"` + "\n" + `admin_cidrs = ["203.0.113.7/32"]` + "\n" +
			`subnet_cidrs = { bastion = "10.0.0.0/24", compute = "10.0.0.0/25" }`,
			[]string{"Overlapping Subnets", "compute (10.0.0.0/25) overlaps bastion (10.0.0.0/24)"}},
		"subnet outside the network": {`cidr = "10.0.0.0/16"` + "\n" + `admin_cidrs = ["203.0.113.7/32"]` + "\n" +
			`subnet_cidrs = { data = "10.9.0.0/24" }`,
			[]string{"subnet_cidrs.data", "10.9.0.0/24 is not inside the network's cidr 10.0.0.0/16"}},
		"no administrators": {`cidr = "10.0.0.0/16"` + "\n" + `admin_cidrs = []`,
			[]string{"admin_cidrs", "set must contain at least 1 elements"}},
		"the whole internet": {`cidr = "10.0.0.0/16"` + "\n" + `admin_cidrs = ["0.0.0.0/0"]`,
			[]string{`"0.0.0.0/0" opens SSH on the bastion to the whole Internet`, "allow_admin_from_anywhere = true"}},
		"not a cidr": {`cidr = "10.0.0.0/16"` + "\n" + `admin_cidrs = ["my office"]`,
			[]string{`"my office" is not an IPv4 CIDR block`}},
		"reserved tag": {`cidr = "10.0.0.0/16"` + "\n" + `admin_cidrs = ["203.0.113.7/32"]` + "\n" + `tags = { "health:tier" = "x" }`,
			[]string{"Reserved Tag Key", `"health:tier" is reserved`}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: regionsProvider + fmt.Sprintf(`
resource "health_warehouse_network" "test" {
  name = "wh-invalid"
  %s
}
`, c.attrs),
					PlanOnly:    true,
					ExpectError: expectError(c.want...),
				}},
			})
		})
	}
}

// 0.0.0.0/0 needs the flag, and then fails the compliance control on open
// administration ports unless an exception states why it is accepted; the
// plan then shows it.
func TestAccWarehouseNetwork_adminFromAnywhere(t *testing.T) {
	acctest.PreCheck(t, cloud.Outscale)
	t.Parallel()
	name := acctest.RandomName("net")
	config := func(exceptions string) string {
		return acctest.ProviderConfig(cloud.Outscale, "") + `
resource "health_warehouse_network" "test" {
  name                      = "` + name + `"
  cidr                      = "10.45.0.0/16"
  admin_cidrs               = ["0.0.0.0/0"]
  allow_admin_from_anywhere = true
` + exceptions + `}
`
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             acctest.CheckDestroy(nil, cloud.Outscale, name),
		Steps: []resource.TestStep{
			{
				Config:      config(""),
				PlanOnly:    true,
				ExpectError: expectError("Compliance Control HW-ADM-01 Failed", "SecNumCloud 3.2 §9.6 e), h)", "admin_cidrs holds 0.0.0.0/0", "compliance_exceptions"),
			},
			{
				Config: config(`  compliance_exceptions = [{
    control       = "HW-ADM-01"
    justification = "break-glass access while the VPN is rebuilt (RSSI, ticket 42)"
  }]
`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(networkAddr, tfjsonpath.New("rules").AtSliceIndex(0).AtMapKey("source"), knownvalue.StringExact("0.0.0.0/0")),
				}},
			},
		},
	})
}

// The default profile is secnumcloud: OVHcloud's Public Cloud regions are
// HDS-certified but not SecNumCloud-qualified, and the plan says so.
func TestAccWarehouseNetwork_complianceProfile(t *testing.T) {
	acctest.Acceptance(t)
	t.Parallel()
	network := `
resource "health_warehouse_network" "test" {
  name        = "wh-profile"
  cidr        = "10.47.0.0/16"
  admin_cidrs = ["203.0.113.7/32"]
%s}
`
	ovhUnder := func(profile string) string {
		return strings.Replace(acctest.ProviderConfig(cloud.OVH, ""), `compliance_profile = "hds"`,
			fmt.Sprintf("compliance_profile = %q", profile), 1)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      ovhUnder("secnumcloud") + fmt.Sprintf(network, ""),
				PlanOnly:    true,
				ExpectError: expectError("Compliance Control HW-LOC-01 Failed", "EU-WEST-PAR", "SecNumCloud no, HDS yes"),
			},
			{
				Config: ovhUnder("secnumcloud") + fmt.Sprintf(network, `  compliance_exceptions = [{ control = "HW-LOC-01", justification = "pilot on HDS hosting, approved by the DPO" }]
`),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{Config: ovhUnder("hds") + fmt.Sprintf(network, ""), PlanOnly: true, ExpectNonEmptyPlan: true},
			{Config: ovhUnder("none") + fmt.Sprintf(network, ""), PlanOnly: true, ExpectNonEmptyPlan: true},
			{
				Config:      ovhUnder("iso27001") + fmt.Sprintf(network, ""),
				PlanOnly:    true,
				ExpectError: expectError("compliance_profile", "secnumcloud"),
			},
		},
	})
}

func TestAccWarehouseNetwork_invalidComplianceExceptions(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]struct {
		exceptions string
		want       []string
	}{
		"control of another resource": {`[{ control = "HW-STO-01", justification = "x" }]`,
			[]string{"Invalid Compliance Exception", "HW-STO-01 (Every bucket keeps the versions of its objects) does not concern health_warehouse_network"}},
		"empty justification": {`[{ control = "HW-ADM-01", justification = "" }]`,
			[]string{"justification", "at least 1"}},
		"unknown control": {`[{ control = "HW-NOPE-1", justification = "x" }]`,
			[]string{"control", "HW-ADM-01"}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: regionsProvider + `
resource "health_warehouse_network" "test" {
  name                  = "wh-exceptions"
  cidr                  = "10.48.0.0/16"
  admin_cidrs           = ["203.0.113.7/32"]
  compliance_exceptions = ` + c.exceptions + `
}
`,
					PlanOnly:    true,
					ExpectError: expectError(c.want...),
				}},
			})
		})
	}
}

func TestAccWarehouseNetwork_ovhNeedsNATEgress(t *testing.T) {
	acctest.Acceptance(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      networkConfig(acctest.Emulator(), cloud.OVH, "wh-ovh-nat", "10.0.0.0/16", "  nat_egress = false"),
			PlanOnly:    true,
			ExpectError: expectError("NAT Egress Required on OVHcloud", "gateway is its only path to object storage"),
		}},
	})
}

// A change made outside Terraform shows in the next plan as an in-place
// update, which restores the network. On OUTSCALE an operator removes the
// storage rule of the data tier; on OVHcloud, whose API holds no rules, the
// data tier's subnet is deleted.
func TestAccWarehouseNetwork_drift(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emulatorOnly(t, "edits a security group and deletes a subnet out of band through the control API")
		emu := acctest.PrivateEmulator(t)
		config := networkConfig(emu, cloudName, "wh-drift", "10.46.0.0/16", "")
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             acctest.CheckNothingLeft(emu, cloudName),
			Steps: []resource.TestStep{
				{
					Config:             config,
					Check:              driftOutOfBand(emu, cloudName),
					ExpectNonEmptyPlan: true,
				},
				{
					Config: config,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(networkAddr, plancheck.ResourceActionUpdate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(networkAddr, tfjsonpath.New("rules"), knownvalue.ListSizeExact(16+apiRules(cloudName))),
						statecheck.ExpectKnownValue(networkAddr, tfjsonpath.New("subnets"), knownvalue.MapSizeExact(4)),
					},
				},
			},
		})
	})
}

func driftOutOfBand(emu *emulator.Emulator, cloudName string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		attrs := s.RootModule().Resources[networkAddr].Primary.Attributes
		ctx := context.Background()
		switch cloudName {
		case cloud.Outscale:
			return removeInboundRule(ctx, emu, attrs["subnets.data.security_group_id"], cloud.PortStorage)
		default:
			return deleteOVHSubnet(ctx, emu, attrs["subnets.data.id"])
		}
	}
}

// removeInboundRule edits the stored security group as the cloud would
// after DeleteSecurityGroupRule.
func removeInboundRule(ctx context.Context, emu *emulator.Emulator, groupID string, port int) error {
	const collection = "outscale.security_groups"
	obj, found, err := emu.Control().Object(ctx, collection, groupID)
	if err != nil || !found {
		return fmt.Errorf("security group %q: found=%v, %v", groupID, found, err)
	}
	var doc map[string]any
	if err := json.Unmarshal(obj.Doc, &doc); err != nil {
		return err
	}
	rules, _ := doc["InboundRules"].([]any)
	var kept []any
	for _, r := range rules {
		if rule, _ := r.(map[string]any); rule["FromPortRange"] != float64(port) {
			kept = append(kept, r)
		}
	}
	if len(kept) == len(rules) {
		return fmt.Errorf("security group %s has no inbound rule on port %d: %s", groupID, port, obj.Doc)
	}
	doc["InboundRules"] = kept
	raw, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	return emu.Control().PutObject(ctx, collection, groupID, raw)
}

// deleteOVHSubnet removes a subnet as an operator would by hand: the
// gateway's interface in it first (the API refuses to delete a subnet that
// still holds one), then the subnet.
func deleteOVHSubnet(ctx context.Context, emu *emulator.Emulator, subnetID string) error {
	const gateways, subnets = "ovh.gateways", "ovh.subnets"
	objects, err := emu.Control().Objects(ctx, gateways)
	if err != nil {
		return err
	}
	detached := false
	for _, o := range objects {
		var doc map[string]any
		if err := json.Unmarshal(o.Doc, &doc); err != nil {
			return err
		}
		interfaces, _ := doc["interfaces"].([]any)
		var kept []any
		for _, i := range interfaces {
			if itf, _ := i.(map[string]any); itf["subnetId"] != subnetID {
				kept = append(kept, i)
			}
		}
		if len(kept) == len(interfaces) {
			continue
		}
		doc["interfaces"], detached = kept, true
		raw, err := json.Marshal(doc)
		if err != nil {
			return err
		}
		if err := emu.Control().PutObject(ctx, gateways, o.ID, raw); err != nil {
			return err
		}
	}
	if !detached {
		return fmt.Errorf("no gateway has an interface in the subnet %s", subnetID)
	}
	return emu.Control().DeleteObject(ctx, subnets, subnetID)
}
