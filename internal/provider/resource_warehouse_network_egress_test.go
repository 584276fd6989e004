package provider_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
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
)

// outboundRule is a check on one outbound rule of the rules attribute.
func outboundRule(tier, protocol string, from, to int64, destination, purpose string, hosts knownvalue.Check) knownvalue.Check {
	return knownvalue.ObjectExact(map[string]knownvalue.Check{
		"tier": knownvalue.StringExact(tier), "direction": knownvalue.StringExact("outbound"),
		"protocol": knownvalue.StringExact(protocol), "from_port": knownvalue.Int64Exact(from), "to_port": knownvalue.Int64Exact(to),
		"source": knownvalue.Null(), "destination": knownvalue.StringExact(destination),
		"hosts": hosts, "purpose": knownvalue.StringExact(purpose),
	})
}

// With no egress_allow, a tier sends traffic only to the tiers it talks to
// and to object storage; the kms tier to nothing. The plan shows it, and
// the emulator holds exactly those outbound rules: no group
// keeps the rule letting everything out.
func TestAccWarehouseNetwork_egressDeniedByDefault(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emu := acctest.PrivateEmulator(t)
		name := acctest.RandomName("net")
		rules := tfjsonpath.New("rules")
		api := apiRules(cloudName)
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             acctest.CheckDestroy(emu, cloudName, name),
			Steps: []resource.TestStep{{
				Config: networkConfig(emu, cloudName, name, "10.60.0.0/16", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(networkAddr, rules.AtSliceIndex(1),
						outboundRule("bastion", "tcp", 22, 22, "tier:compute", "SSH to the compute tier", knownvalue.Null())),
					plancheck.ExpectKnownValue(networkAddr, rules.AtSliceIndex(4+api),
						outboundRule("bastion", "tcp", 443, 443, "service:object-storage", "object storage (HTTPS)", knownvalue.Null())),
					plancheck.ExpectKnownValue(networkAddr, rules.AtSliceIndex(8+api),
						outboundRule("compute", "tcp", 8200, 8200, "tier:kms", "key manager API to the kms tier", knownvalue.Null())),
					// The kms tier's rules are its three inbound ones.
					plancheck.ExpectKnownValue(networkAddr, rules.AtSliceIndex(13+api).AtMapKey("direction"), knownvalue.StringExact("inbound")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(networkAddr, rules, knownvalue.ListSizeExact(16+api)),
				},
				Check: checkOutboundInTheCloud(emu, cloudName, map[string]int{
					cloud.TierBastion: 4, cloud.TierCompute: 3, cloud.TierData: 2, cloud.TierKMS: 0}),
			}},
		})
	})
}

// checkOutboundInTheCloud checks the outbound rules the emulator holds in
// each tier's security group: on OUTSCALE how many sources each has (OAPI
// gathers the destinations of one port range under one rule), on OVHcloud
// how many Neutron rules (checkNeutronGroups), and
// that none lets traffic out to 0.0.0.0/0.
// apiRules is how many rules the network opens to the cloud's API
// (cloud.ServiceAPI): the bastion's on OUTSCALE, none on OVHcloud. It
// sorts among the bastion's outbound HTTPS rules, before object storage.
func apiRules(cloudName string) int {
	if cloudName == cloud.Outscale {
		return len(cloud.APITiers)
	}
	return 0
}

func checkOutboundInTheCloud(emu *emulator.Emulator, cloudName string, want map[string]int) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		if emu == nil {
			return nil // a real cloud is read by the provider itself
		}
		if cloudName == cloud.OVH {
			return checkNeutronGroups(emu, nil, want)(s)
		}
		attrs := s.RootModule().Resources[networkAddr].Primary.Attributes
		for tier, count := range want {
			obj, found, err := emu.Control().Object(context.Background(), "outscale.security_groups", attrs["subnets."+tier+".security_group_id"])
			if err != nil || !found {
				return fmt.Errorf("the %s tier's security group: found=%v, %v", tier, found, err)
			}
			var doc struct {
				OutboundRules []struct {
					IpRanges              []string
					ServiceIds            []string
					SecurityGroupsMembers []any
				}
			}
			if err := json.Unmarshal(obj.Doc, &doc); err != nil {
				return err
			}
			n := 0
			if tier == cloud.TierBastion {
				n -= apiRules(cloudName) // the network's own, to the API
			}
			for _, r := range doc.OutboundRules {
				if slices.Contains(r.IpRanges, cloud.Anywhere) {
					return fmt.Errorf("the %s tier's security group lets everything out: %s", tier, obj.Doc)
				}
				n += len(r.IpRanges) + len(r.ServiceIds) + len(r.SecurityGroupsMembers)
			}
			if n != count {
				return fmt.Errorf("the %s tier's security group has %d outbound destinations, want %d: %s", tier, n, count, obj.Doc)
			}
		}
		return nil
	}
}

// egress_allow opens one outbound rule per entry and tier, with the
// entry's name and hosts, in place; removing the entry closes it.
func TestAccWarehouseNetwork_egressAllow(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emu := acctest.PrivateEmulator(t)
		name := acctest.RandomName("net")
		mirror := `  egress_allow = [{
    name      = "debian-mirror"
    cidr      = "198.51.100.0/24"
    from_port = 443
    tiers     = ["kms", "bastion"]
    hosts     = ["deb.debian.org"]
  }, {
    name      = "ntp"
    cidr      = "192.0.2.123/32"
    protocol  = "udp"
    from_port = 123
    tiers     = ["compute"]
  }]
`
		hosts := knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("deb.debian.org")})
		api := apiRules(cloudName)
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             acctest.CheckDestroy(emu, cloudName, name),
			Steps: []resource.TestStep{
				{Config: networkConfig(emu, cloudName, name, "10.61.0.0/16", "")},
				{
					Config: networkConfig(emu, cloudName, name, "10.61.0.0/16", mirror),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(networkAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(networkAddr, tfjsonpath.New("rules"), knownvalue.ListSizeExact(19+api)),
						plancheck.ExpectKnownValue(networkAddr, tfjsonpath.New("rules").AtSliceIndex(4),
							outboundRule("bastion", "tcp", 443, 443, "198.51.100.0/24", `egress_allow "debian-mirror"`, hosts)),
						plancheck.ExpectKnownValue(networkAddr, tfjsonpath.New("rules").AtSliceIndex(7+api),
							outboundRule("compute", "udp", 123, 123, "192.0.2.123/32", `egress_allow "ntp"`, knownvalue.Null())),
						plancheck.ExpectKnownValue(networkAddr, tfjsonpath.New("rules").AtSliceIndex(18+api),
							outboundRule("kms", "tcp", 443, 443, "198.51.100.0/24", `egress_allow "debian-mirror"`, hosts)),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(networkAddr, tfjsonpath.New("rules"), knownvalue.ListSizeExact(19+api)),
						statecheck.ExpectKnownValue(networkAddr, tfjsonpath.New("rules").AtSliceIndex(18+api),
							outboundRule("kms", "tcp", 443, 443, "198.51.100.0/24", `egress_allow "debian-mirror"`, hosts)),
					},
					Check: checkOutboundInTheCloud(emu, cloudName, map[string]int{
						cloud.TierBastion: 5, cloud.TierCompute: 4, cloud.TierData: 2, cloud.TierKMS: 1}),
				},
				{
					Config: networkConfig(emu, cloudName, name, "10.61.0.0/16", ""),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(networkAddr, plancheck.ResourceActionUpdate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(networkAddr, tfjsonpath.New("rules"), knownvalue.ListSizeExact(16+api)),
					},
					Check: checkOutboundInTheCloud(emu, cloudName, map[string]int{cloud.TierKMS: 0}),
				},
			},
		})
	})
}

// An outbound rule added to a tier's security group outside Terraform (the
// rule letting everything out, put back by hand), or one removed, shows in
// the next plan, whose apply restores the rules.
func TestAccWarehouseNetwork_egressDrift(t *testing.T) {
	emulatorOnly(t, "edits a security group out of band through the control API")
	acctest.PreCheck(t, cloud.Outscale)
	t.Parallel()
	emu := acctest.PrivateEmulator(t)
	config := networkConfig(emu, cloud.Outscale, "wh-egress-drift", "10.62.0.0/16", "")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             acctest.CheckNothingLeft(emu, cloud.Outscale),
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: func(s *terraform.State) error {
					attrs := s.RootModule().Resources[networkAddr].Primary.Attributes
					ctx := context.Background()
					if err := editOutbound(ctx, emu, attrs["subnets.kms.security_group_id"], func(rules []any) []any {
						return append(rules, map[string]any{"FromPortRange": -1, "ToPortRange": -1, "IpProtocol": "-1",
							"IpRanges": []string{cloud.Anywhere}})
					}); err != nil {
						return err
					}
					return editOutbound(ctx, emu, attrs["subnets.compute.security_group_id"], func(rules []any) []any {
						var kept []any
						for _, r := range rules {
							if rule, _ := r.(map[string]any); rule["FromPortRange"] != float64(cloud.PortKMS) {
								kept = append(kept, r)
							}
						}
						return kept
					})
				},
				ExpectNonEmptyPlan: true,
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(networkAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(networkAddr, tfjsonpath.New("rules"), knownvalue.ListSizeExact(16+apiRules(cloud.Outscale))),
				},
				Check: checkOutboundInTheCloud(emu, cloud.Outscale, map[string]int{cloud.TierCompute: 3, cloud.TierKMS: 0}),
			},
		},
	})
}

// editOutbound changes the stored outbound rules of a security group, as
// the cloud would after a rule call made outside Terraform.
func editOutbound(ctx context.Context, emu *emulator.Emulator, groupID string, edit func([]any) []any) error {
	const collection = "outscale.security_groups"
	obj, found, err := emu.Control().Object(ctx, collection, groupID)
	if err != nil || !found {
		return fmt.Errorf("security group %q: found=%v, %v", groupID, found, err)
	}
	var doc map[string]any
	if err := json.Unmarshal(obj.Doc, &doc); err != nil {
		return err
	}
	rules, _ := doc["OutboundRules"].([]any)
	doc["OutboundRules"] = edit(rules)
	raw, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	return emu.Control().PutObject(ctx, collection, groupID, raw)
}

// An entry that lets a tier reach the whole Internet fails control
// HW-NET-01 at plan time, naming the tier and the entry, on both clouds;
// an exception accepts it and the plan goes on, with the rule shown.
func TestAccWarehouseNetwork_egressToTheWholeInternet(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emu := acctest.PrivateEmulator(t)
		name := acctest.RandomName("net")
		anywhere := `  egress_allow = [{
    name      = "web"
    cidr      = "0.0.0.0/0"
    from_port = 443
    tiers     = ["compute"]
  }]
`
		exception := `  compliance_exceptions = [{
    control       = "HW-NET-01"
    justification = "pilot: researchers fetch public reference data (RSSI, ticket 51)"
  }]
`
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             acctest.CheckDestroy(emu, cloudName, name),
			Steps: []resource.TestStep{
				{
					Config:   networkConfig(emu, cloudName, name, "10.63.0.0/16", anywhere),
					PlanOnly: true,
					ExpectError: expectError("Compliance Control HW-NET-01 Failed", "SecNumCloud 3.2 §13.2 e)",
						`the compute tier reaches 0.0.0.0/0 on tcp/443 (egress_allow "web")`, "egress_allow"),
				},
				{
					Config: networkConfig(emu, cloudName, name, "10.63.0.0/16", anywhere+exception),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectKnownValue(networkAddr, tfjsonpath.New("rules").AtSliceIndex(6+apiRules(cloudName)),
							outboundRule("compute", "tcp", 443, 443, "0.0.0.0/0", `egress_allow "web"`, knownvalue.Null())),
					}},
				},
			},
		})
	})
}

func TestAccWarehouseNetwork_invalidEgressAllow(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]struct {
		entries string
		want    []string
	}{
		"no port":        {`[{ name = "m", cidr = "198.51.100.0/24", tiers = ["kms"] }]`, []string{"egress_allow[0]", "needs from_port"}},
		"ports of icmp":  {`[{ name = "p", cidr = "198.51.100.0/24", protocol = "icmp", from_port = 8, tiers = ["kms"] }]`, []string{`protocol "icmp" takes no ports`}},
		"same name":      {`[{ name = "m", cidr = "198.51.100.0/24", from_port = 443, tiers = ["kms"] }, { name = "m", cidr = "192.0.2.0/24", from_port = 443, tiers = ["kms"] }]`, []string{"egress_allow[1]", `"m" already names entry 0`}},
		"unknown tier":   {`[{ name = "m", cidr = "198.51.100.0/24", from_port = 443, tiers = ["dmz"] }]`, []string{"tiers", "bastion"}},
		"not a cidr":     {`[{ name = "m", cidr = "mirror.example.org", from_port = 443, tiers = ["kms"] }]`, []string{`"mirror.example.org" is not an IPv4 CIDR block`}},
		"bad host":       {`[{ name = "m", cidr = "198.51.100.0/24", from_port = 443, tiers = ["kms"], hosts = ["https://mirror/"] }]`, []string{`"https://mirror/" is not a host name`}},
		"reversed ports": {`[{ name = "m", cidr = "198.51.100.0/24", from_port = 443, to_port = 80, tiers = ["kms"] }]`, []string{"to_port (80) must be between from_port (443)"}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: regionsProvider + `
resource "health_warehouse_network" "test" {
  name         = "wh-invalid-egress"
  cidr         = "10.64.0.0/16"
  admin_cidrs  = ["203.0.113.7/32"]
  egress_allow = ` + c.entries + `
}
`,
					PlanOnly:    true,
					ExpectError: expectError(c.want...),
				}},
			})
		})
	}
}
