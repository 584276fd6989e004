package provider_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/sovhealth/terraform-provider-health/internal/acctest"
	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
)

// A bastion made by an earlier version of the provider forwards ssh -J,
// which no recording sees. On OUTSCALE, whose API returns the user-data,
// the provider reads that back: tier_access becomes proxy-jump, the plan
// replaces the bastion, and the new one forwards nothing. (On OVHcloud a
// state without tier_access plans the same; see TestPlanTierAccess.)
func TestAccWarehouseBastion_proxyJumpBastionReplaced(t *testing.T) {
	emu := acctest.PrivateEmulator(t)
	name := acctest.RandomName("bas")
	config := bastionConfig(emu, cloud.Outscale, name, "10.57.0.0/16", admins("alice", adminKey(t, "alice@laptop")), "")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             acctest.CheckDestroy(emu, cloud.Outscale, name),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(bastionAddr, tfjsonpath.New("tier_access"), knownvalue.StringExact("recorded-hop")),
				},
			},
			{
				// The VM's user-data as an earlier version rendered it.
				PreConfig: func() { rewriteAsProxyJumpBastion(t, emu) },
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(bastionAddr, plancheck.ResourceActionReplace),
					plancheck.ExpectKnownValue(bastionAddr, tfjsonpath.New("tier_access"), knownvalue.StringExact("recorded-hop")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(bastionAddr, tfjsonpath.New("tier_access"), knownvalue.StringExact("recorded-hop")),
				},
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
		},
	})
}

// rewriteAsProxyJumpBastion makes the emulator's bastion VM carry the
// user-data of a bastion rendered before the recorded hop: no tier_access
// in its spec file, and an sshd_config that forwards to the tiers.
func rewriteAsProxyJumpBastion(t *testing.T, emu *emulator.Emulator) {
	t.Helper()
	ctx := context.Background()
	objects, err := emu.Control().Objects(ctx, "outscale.vms")
	if err != nil || len(objects) != 1 {
		t.Fatalf("the emulator holds %d VMs (%v), want the bastion's", len(objects), err)
	}
	var doc map[string]any
	if err := json.Unmarshal(objects[0].Doc, &doc); err != nil {
		t.Fatal(err)
	}
	raw, _ := doc["UserData"].(string)
	userData, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		t.Fatal(err)
	}
	earlier := regexp.MustCompile(`(?m)^\s*"tier_access": "recorded-hop",\n`).ReplaceAllString(string(userData), "")
	earlier = strings.Replace(earlier, "AllowTcpForwarding no\n", "AllowTcpForwarding local\n", 1)
	if earlier == string(userData) || strings.Contains(earlier, "tier_access") || !strings.Contains(earlier, "AllowTcpForwarding local") {
		t.Fatalf("the user-data is not the one this test expects:\n%s", userData)
	}
	doc["UserData"] = base64.StdEncoding.EncodeToString([]byte(earlier))
	body, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := emu.Control().PutObject(ctx, "outscale.vms", objects[0].ID, body); err != nil {
		t.Fatal(fmt.Errorf("rewriting the bastion's user-data: %w", err))
	}
}
