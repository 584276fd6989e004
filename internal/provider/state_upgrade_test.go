package provider_test

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/sovhealth/terraform-provider-health/internal/provider"
)

// A state written before the rules had a direction, a destination and
// hosts (and before egress_allow and the mirrors) is still readable: the
// new attributes come back null, which the provider reads as an inbound
// rule, and the next refresh fills them in.
func TestStateOfAnEarlierVersionIsReadable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	server, err := providerserver.NewProtocol6WithError(provider.New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	oldRule := `{"tier":"bastion","protocol":"tcp","from_port":22,"to_port":22,"source":"203.0.113.7/32","purpose":"SSH from administrators"}`
	for typeName, raw := range map[string]string{
		"health_warehouse_network": `{"id":"vpc-12345678","name":"wh","cidr":"10.20.0.0/16","admin_cidrs":["203.0.113.7/32"],
			"allow_admin_from_anywhere":false,"nat_egress":true,"region":"cloudgouv-eu-west-1","rules":[` + oldRule + `],
			"rules_enforcement":"security-groups","storage_path":"net-access-point","egress_ips":["198.51.100.1"]}`,
		"health_warehouse_bastion": `{"id":"i-12345678","network_id":"vpc-12345678","name":"wh-bastion",
			"network_rules":[` + oldRule + `],"mode":"openssh","image":"debian-12"}`,
		"health_warehouse_key_manager": `{"id":"sg-12345678","network_id":"vpc-12345678","name":"wh-kms",
			"network_rules":[` + oldRule + `]}`,
	} {
		resp, err := server.UpgradeResourceState(ctx, &tfprotov6.UpgradeResourceStateRequest{
			TypeName: typeName, Version: 0, RawState: &tfprotov6.RawState{JSON: []byte(raw)}})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range resp.Diagnostics {
			t.Errorf("%s: %s: %s", typeName, d.Summary, d.Detail)
		}
		if resp.UpgradedState == nil {
			t.Fatalf("%s: no state", typeName)
		}
		objectType := schemas.ResourceSchemas[typeName].ValueType()
		state, err := resp.UpgradedState.Unmarshal(objectType)
		if err != nil {
			t.Fatalf("%s: %v", typeName, err)
		}
		var attrs map[string]tftypes.Value
		if err := state.As(&attrs); err != nil {
			t.Fatal(err)
		}
		list := attrs["rules"]
		if typeName != "health_warehouse_network" {
			list = attrs["network_rules"]
		}
		var rules []tftypes.Value
		if err := list.As(&rules); err != nil || len(rules) != 1 {
			t.Fatalf("%s: rules = %v (%v)", typeName, list, err)
		}
		var rule map[string]tftypes.Value
		if err := rules[0].As(&rule); err != nil {
			t.Fatal(err)
		}
		var source string
		if err := rule["source"].As(&source); err != nil || source != "203.0.113.7/32" || !rule["direction"].IsNull() || !rule["destination"].IsNull() {
			t.Errorf("%s: the old rule reads as %v", typeName, rule)
		}
	}
}
