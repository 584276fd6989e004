package provider_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/sovhealth/terraform-provider-health/internal/acctest"
	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
)

// OVHcloud's tier rules live in OpenStack Neutron security groups, which
// the emulator stores as ovh.neutron_security_groups and
// ovh.neutron_security_group_rules.
const (
	neutronGroups = "ovh.neutron_security_groups"
	neutronRules  = "ovh.neutron_security_group_rules"
)

// neutronRule is a rule as the emulator stores it.
type neutronRule struct {
	ID              string  `json:"id"`
	SecurityGroupID string  `json:"security_group_id"`
	Direction       string  `json:"direction"`
	Ethertype       string  `json:"ethertype"`
	Protocol        *string `json:"protocol"`
	PortRangeMin    *int    `json:"port_range_min"`
	PortRangeMax    *int    `json:"port_range_max"`
	RemoteIPPrefix  *string `json:"remote_ip_prefix"`
	RemoteGroupID   *string `json:"remote_group_id"`
}

// neutronRulesOf lists the rules the emulator holds in a group, with their
// stored documents.
func neutronRulesOf(ctx context.Context, emu *emulator.Emulator, groupID string) ([]neutronRule, map[string]map[string]any, error) {
	objs, err := emu.Control().Objects(ctx, neutronRules)
	if err != nil {
		return nil, nil, err
	}
	var out []neutronRule
	docs := map[string]map[string]any{}
	for _, o := range objs {
		var r neutronRule
		var doc map[string]any
		if err := json.Unmarshal(o.Doc, &r); err != nil {
			return nil, nil, err
		}
		if err := json.Unmarshal(o.Doc, &doc); err != nil {
			return nil, nil, err
		}
		if r.SecurityGroupID == groupID {
			out = append(out, r)
			docs[r.ID] = doc
		}
	}
	return out, docs, nil
}

func (r neutronRule) port() int {
	if r.PortRangeMin == nil {
		return -1
	}
	return *r.PortRangeMin
}

// checkNeutronGroups checks that the emulator holds one Neutron group per
// tier, each the subnet's security_group_id, and, per tier, the number of
// its inbound rules (unless inbound is nil) and of its outbound rules (for
// the tiers outbound names); no rule lets traffic in or out from or to
// everywhere (Neutron's allow-all egress of new groups is gone).
func checkNeutronGroups(emu *emulator.Emulator, inbound, outbound map[string]int) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		ctx := context.Background()
		attrs := s.RootModule().Resources[networkAddr].Primary.Attributes
		groups, err := emu.Control().Objects(ctx, neutronGroups)
		if err != nil {
			return err
		}
		if len(groups) != len(cloud.Tiers) {
			return fmt.Errorf("the emulator holds %d Neutron security groups, want one per tier", len(groups))
		}
		for _, tier := range cloud.Tiers {
			id := attrs["subnets."+tier+".security_group_id"]
			if _, found, err := emu.Control().Object(ctx, neutronGroups, id); err != nil || !found {
				return fmt.Errorf("the %s tier's security group %q: found=%v, %v", tier, id, found, err)
			}
			rules, _, err := neutronRulesOf(ctx, emu, id)
			if err != nil {
				return err
			}
			in, out := 0, 0
			for _, r := range rules {
				if r.RemoteIPPrefix == nil && r.RemoteGroupID == nil {
					return fmt.Errorf("the %s tier's group has a rule to or from everywhere: %+v", tier, r)
				}
				if r.RemoteIPPrefix != nil && *r.RemoteIPPrefix == cloud.Anywhere {
					return fmt.Errorf("the %s tier's group has a rule to or from %s: %+v", tier, cloud.Anywhere, r)
				}
				if r.Direction == "egress" {
					out++
				} else {
					in++
				}
			}
			wantOut, checkOut := outbound[tier]
			if (inbound != nil && in != inbound[tier]) || (checkOut && out != wantOut) {
				return fmt.Errorf("the %s tier's group has %d inbound and %d outbound rules, want %d and %d", tier, in, out, inbound[tier], outbound[tier])
			}
		}
		return nil
	}
}

// The default warehouse's rules per tier (the admin CIDR is one; object
// storage resolves to the emulator's one address).
var (
	defaultInbound  = map[string]int{cloud.TierBastion: 1, cloud.TierCompute: 1, cloud.TierData: 2, cloud.TierKMS: 3}
	defaultOutbound = map[string]int{cloud.TierBastion: 4, cloud.TierCompute: 3, cloud.TierData: 2, cloud.TierKMS: 0}
)

// driftNeutron changes the tiers' groups as an operator would with the
// OpenStack CLI: deletes the data tier's inbound HTTPS rule, widens the
// bastion's SSH rule to the whole Internet, and turns the kms tier's
// inbound SSH rule into one letting the tier out anywhere (the emulator's
// control API changes objects but makes none).
func driftNeutron(ctx context.Context, emu *emulator.Emulator, attrs map[string]string) error {
	edit := func(tier string, match func(neutronRule) bool, change func(doc map[string]any)) error {
		rules, docs, err := neutronRulesOf(ctx, emu, attrs["subnets."+tier+".security_group_id"])
		if err != nil {
			return err
		}
		for _, r := range rules {
			if !match(r) {
				continue
			}
			if change == nil {
				return emu.Control().DeleteObject(ctx, neutronRules, r.ID)
			}
			doc := docs[r.ID]
			change(doc)
			raw, err := json.Marshal(doc)
			if err != nil {
				return err
			}
			return emu.Control().PutObject(ctx, neutronRules, r.ID, raw)
		}
		return fmt.Errorf("the %s tier's group holds no rule to change: %+v", tier, rules)
	}
	if err := edit(cloud.TierData, func(r neutronRule) bool { return r.Direction == "ingress" && r.port() == cloud.PortStorage }, nil); err != nil {
		return err
	}
	if err := edit(cloud.TierBastion, func(r neutronRule) bool { return r.Direction == "ingress" && r.RemoteIPPrefix != nil },
		func(doc map[string]any) { doc["remote_ip_prefix"] = cloud.Anywhere }); err != nil {
		return err
	}
	return edit(cloud.TierKMS, func(r neutronRule) bool { return r.Direction == "ingress" && r.port() == cloud.PortSSH },
		func(doc map[string]any) {
			doc["direction"], doc["protocol"], doc["port_range_min"], doc["port_range_max"] = "egress", nil, nil, nil
			doc["remote_group_id"], doc["remote_ip_prefix"] = nil, nil
		})
}

// On OVHcloud the emulator holds one Neutron security group per tier with
// the rules of `rules`, default-deny both ways; rules deleted or changed
// outside Terraform shows in the next plan, which restores them; an
// import finds the groups again; destroy leaves nothing, the OpenStack
// user included.
func TestAccWarehouseNetwork_ovhSecurityGroups(t *testing.T) {
	emulatorOnly(t, "reads and edits Neutron security groups through the emulator's control API")
	acctest.PreCheck(t, cloud.OVH)
	t.Parallel()
	emu := acctest.PrivateEmulator(t)
	config := networkConfig(emu, cloud.OVH, "wh-neutron", "10.64.0.0/16", "")
	rules := tfjsonpath.New("rules")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             acctest.CheckNothingLeft(emu, cloud.OVH),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(networkAddr, tfjsonpath.New("rules_enforcement"), knownvalue.StringExact(cloud.EnforcedBySecurityGroups)),
					statecheck.ExpectKnownValue(networkAddr, rules, knownvalue.ListSizeExact(16)),
					statecheck.ExpectKnownValue(networkAddr, tfjsonpath.New("cloud_ids").AtMapKey("openstack_user"), knownvalue.NotNull()),
				},
				Check: checkNeutronGroups(emu, defaultInbound, defaultOutbound),
			},
			{
				Config: config,
				Check: func(s *terraform.State) error {
					return driftNeutron(context.Background(), emu, s.RootModule().Resources[networkAddr].Primary.Attributes)
				},
				ExpectNonEmptyPlan: true,
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(networkAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(networkAddr, rules, knownvalue.ListSizeExact(16)),
					statecheck.ExpectKnownValue(networkAddr, rules.AtSliceIndex(0).AtMapKey("source"), knownvalue.StringExact("203.0.113.7/32")),
				},
				Check: checkNeutronGroups(emu, defaultInbound, defaultOutbound),
			},
			{
				Config:                  config,
				ResourceName:            networkAddr,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts", "tags"},
			},
		},
	})
}

// The drift of the groups shows in the plan itself: the rules read back
// from Neutron name what was changed.
func TestAccWarehouseNetwork_ovhDriftShowsInThePlan(t *testing.T) {
	emulatorOnly(t, "edits Neutron security groups through the emulator's control API")
	acctest.PreCheck(t, cloud.OVH)
	t.Parallel()
	emu := acctest.PrivateEmulator(t)
	config := networkConfig(emu, cloud.OVH, "wh-neutron-plan", "10.65.0.0/16", "")
	var seen string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             acctest.CheckNothingLeft(emu, cloud.OVH),
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: func(s *terraform.State) error {
					return driftNeutron(context.Background(), emu, s.RootModule().Resources[networkAddr].Primary.Attributes)
				},
				ExpectNonEmptyPlan: true,
			},
			{
				// A refresh alone: the state now holds the rules as Neutron does.
				RefreshState: true,
				Check: func(s *terraform.State) error {
					attrs := s.RootModule().Resources[networkAddr].Primary.Attributes
					var found []string
					for k, v := range attrs {
						if strings.HasPrefix(k, "rules.") && (v == cloud.Anywhere || v == "opened outside this configuration") {
							found = append(found, k+"="+v)
						}
					}
					seen = strings.Join(found, ", ")
					if !strings.Contains(seen, cloud.Anywhere) || !strings.Contains(seen, "opened outside this configuration") {
						return fmt.Errorf("the refreshed rules do not show the drift: %v", found)
					}
					return nil
				},
				ExpectNonEmptyPlan: true,
			},
		},
	})
}

// deleteNeutronGroup deletes a tier's group as Neutron would: with its
// rules and the rules of other groups naming it.
func deleteNeutronGroup(ctx context.Context, emu *emulator.Emulator, groupID string) error {
	objs, err := emu.Control().Objects(ctx, neutronRules)
	if err != nil {
		return err
	}
	for _, o := range objs {
		var r neutronRule
		if err := json.Unmarshal(o.Doc, &r); err != nil {
			return err
		}
		if r.SecurityGroupID == groupID || (r.RemoteGroupID != nil && *r.RemoteGroupID == groupID) {
			if err := emu.Control().DeleteObject(ctx, neutronRules, r.ID); err != nil {
				return err
			}
		}
	}
	return emu.Control().DeleteObject(ctx, neutronGroups, groupID)
}

// On OVHcloud the report reads the network's controls from its Neutron
// groups: a rule letting the kms tier out anywhere, added outside
// Terraform, fails HW-NET-01; a tier whose group was deleted makes the
// network's controls unknown, saying why; the apply restores both.
func TestAccWarehouseCompliance_ovhEvidenceFromNeutron(t *testing.T) {
	emulatorOnly(t, "edits Neutron security groups through the emulator's control API")
	acctest.PreCheck(t, cloud.OVH)
	t.Parallel()
	emu := acctest.PrivateEmulator(t)
	network := networkConfig(emu, cloud.OVH, "wh-report-neutron", "10.66.0.0/16", "")
	report := func(networkID string) string {
		return fmt.Sprintf("\ndata \"health_warehouse_compliance\" \"test\" {\n  network_ids = [%s]\n}\n", networkID)
	}
	var networkID string
	var attrs map[string]string
	byID := network + "variable \"network_id\" { type = string }\n" + report("var.network_id")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             acctest.CheckNothingLeft(emu, cloud.OVH),
		Steps: []resource.TestStep{
			{
				Config: network + report("health_warehouse_network.test.id"),
				Check: resource.ComposeAggregateTestCheckFunc(
					finding("HW-NET-01", "health_warehouse_network", "pass", "service:object-storage only"),
					finding("HW-ADM-01", "health_warehouse_network", "pass", "admin_cidrs = [203.0.113.7/32]"),
					func(s *terraform.State) error {
						attrs = s.RootModule().Resources[networkAddr].Primary.Attributes
						networkID = attrs["id"]
						return nil
					},
				),
			},
			{
				PreConfig: func() {
					if err := driftNeutron(context.Background(), emu, attrs); err != nil {
						t.Fatal(err)
					}
				},
				// Named by its id, the network is read when Terraform plans,
				// before the apply that restores the rules.
				Config:          byID,
				ConfigVariables: config.Variables{"network_id": lazyString{&networkID}},
				Check: resource.ComposeAggregateTestCheckFunc(
					finding("HW-NET-01", "health_warehouse_network", "fail",
						"the kms tier reaches 0.0.0.0/0 on every protocol and port (opened outside this configuration)"),
					finding("HW-ADM-01", "health_warehouse_network", "fail", "0.0.0.0/0"),
				),
			},
			{
				PreConfig: func() {
					if err := deleteNeutronGroup(context.Background(), emu, attrs["subnets.compute.security_group_id"]); err != nil {
						t.Fatal(err)
					}
				},
				Config:          byID,
				ConfigVariables: config.Variables{"network_id": lazyString{&networkID}},
				Check: resource.ComposeAggregateTestCheckFunc(
					finding("HW-NET-01", "health_warehouse_network", "unknown", "the compute tier(s) have no security group"),
					finding("HW-ADM-01", "health_warehouse_network", "unknown", "the compute tier(s) have no security group"),
				),
			},
			{
				Config: network + report("health_warehouse_network.test.id"),
				Check: resource.ComposeAggregateTestCheckFunc(
					finding("HW-NET-01", "health_warehouse_network", "pass", "service:object-storage only"),
					checkNeutronGroups(emu, defaultInbound, defaultOutbound),
				),
			},
		},
	})
}
