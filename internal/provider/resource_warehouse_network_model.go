package provider

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// networkModel is health_warehouse_network's data.
type networkModel struct {
	ID                     types.String   `tfsdk:"id"`
	Name                   types.String   `tfsdk:"name"`
	CIDR                   types.String   `tfsdk:"cidr"`
	SubnetCIDRs            types.Object   `tfsdk:"subnet_cidrs"`
	AdminCIDRs             types.Set      `tfsdk:"admin_cidrs"`
	AllowAdminFromAnywhere types.Bool     `tfsdk:"allow_admin_from_anywhere"`
	NATEgress              types.Bool     `tfsdk:"nat_egress"`
	EgressAllow            types.List     `tfsdk:"egress_allow"`
	Tags                   types.Map      `tfsdk:"tags"`
	Region                 types.String   `tfsdk:"region"`
	Subnets                types.Map      `tfsdk:"subnets"`
	Rules                  types.List     `tfsdk:"rules"`
	RulesEnforcement       types.String   `tfsdk:"rules_enforcement"`
	StoragePath            types.String   `tfsdk:"storage_path"`
	EgressIPs              types.List     `tfsdk:"egress_ips"`
	CloudIDs               types.Map      `tfsdk:"cloud_ids"`
	ComplianceExceptions   types.List     `tfsdk:"compliance_exceptions"`
	Timeouts               timeouts.Value `tfsdk:"timeouts"`
}

var subnetCIDRsAttrTypes = map[string]attr.Type{
	cloud.TierBastion: types.StringType,
	cloud.TierCompute: types.StringType,
	cloud.TierData:    types.StringType,
	cloud.TierKMS:     types.StringType,
}

var subnetAttrTypes = map[string]attr.Type{
	"id":                types.StringType,
	"cidr":              types.StringType,
	"security_group_id": types.StringType,
	"route_table_id":    types.StringType,
}

var ruleAttrTypes = map[string]attr.Type{
	"tier":        types.StringType,
	"direction":   types.StringType,
	"protocol":    types.StringType,
	"from_port":   types.Int64Type,
	"to_port":     types.Int64Type,
	"source":      types.StringType,
	"destination": types.StringType,
	"hosts":       types.ListType{ElemType: types.StringType},
	"purpose":     types.StringType,
}

// knownSubnetCIDRs returns the tiers of subnet_cidrs whose value is known.
func knownSubnetCIDRs(v types.Object) map[string]string {
	out := map[string]string{}
	if v.IsNull() || v.IsUnknown() {
		return out
	}
	for tier, a := range v.Attributes() {
		if s, ok := a.(types.String); ok && !s.IsNull() && !s.IsUnknown() {
			out[tier] = s.ValueString()
		}
	}
	return out
}

// tierValueUnknown reports whether a tier's block in the configuration is
// known only after apply (a reference to another resource).
func tierValueUnknown(v types.Object, tier string) bool {
	if v.IsUnknown() {
		return true
	}
	if v.IsNull() {
		return false
	}
	a, ok := v.Attributes()[tier]
	return ok && a.IsUnknown()
}

// subnetCIDRsValue makes subnet_cidrs from a layout; absent tiers are null.
func subnetCIDRsValue(layout map[string]string) types.Object {
	attrs := map[string]attr.Value{}
	for _, tier := range cloud.Tiers {
		if cidr, ok := layout[tier]; ok {
			attrs[tier] = types.StringValue(cidr)
		} else {
			attrs[tier] = types.StringNull()
		}
	}
	return types.ObjectValueMust(subnetCIDRsAttrTypes, attrs)
}

// knownStrings returns the elements of a set or list of strings, and false
// if the collection or any element is unknown.
func knownStrings(v interface {
	IsNull() bool
	IsUnknown() bool
	Elements() []attr.Value
}) ([]string, bool) {
	if v.IsUnknown() {
		return nil, false
	}
	var out []string
	if v.IsNull() {
		return out, true
	}
	for _, e := range v.Elements() {
		s, ok := e.(types.String)
		if !ok || s.IsUnknown() {
			return nil, false
		}
		if !s.IsNull() {
			out = append(out, s.ValueString())
		}
	}
	return out, true
}

// rulesValue is the rules attribute: an inbound rule has a source and no
// destination, an outbound rule the other way round; hosts are null where
// no egress_allow entry names any.
func rulesValue(rules []cloud.Rule) types.List {
	elems := make([]attr.Value, 0, len(rules))
	for _, r := range rules {
		direction, source, destination := cloud.Inbound, types.StringValue(r.Source), types.StringNull()
		if r.IsOutbound() {
			direction, source, destination = cloud.Outbound, types.StringNull(), types.StringValue(r.Destination)
		}
		hosts := types.ListNull(types.StringType)
		if len(r.Hosts) > 0 {
			hosts = stringListValue(r.Hosts)
		}
		elems = append(elems, types.ObjectValueMust(ruleAttrTypes, map[string]attr.Value{
			"tier":        types.StringValue(r.Tier),
			"direction":   types.StringValue(direction),
			"protocol":    types.StringValue(r.Protocol),
			"from_port":   types.Int64Value(int64(r.FromPort)),
			"to_port":     types.Int64Value(int64(r.ToPort)),
			"source":      source,
			"destination": destination,
			"hosts":       hosts,
			"purpose":     types.StringValue(r.Purpose),
		}))
	}
	return types.ListValueMust(types.ObjectType{AttrTypes: ruleAttrTypes}, elems)
}

// rulesFromValue reads a list of rules: the network's rules attribute, or
// the network_rules of a bastion or key manager, whose objects may lack
// the attributes added since (a state written by an earlier version):
// a rule without a direction is inbound.
func rulesFromValue(v types.List) []cloud.Rule {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	var rules []cloud.Rule
	for _, e := range v.Elements() {
		o, ok := e.(types.Object)
		if !ok {
			continue
		}
		a := o.Attributes()
		str := func(k string) string { s, _ := a[k].(types.String); return s.ValueString() }
		num := func(k string) int { n, _ := a[k].(types.Int64); return int(n.ValueInt64()) }
		r := cloud.Rule{Tier: str("tier"), Protocol: str("protocol"), FromPort: num("from_port"),
			ToPort: num("to_port"), Source: str("source"), Destination: str("destination"), Purpose: str("purpose")}
		if str("direction") == cloud.Outbound {
			r.Direction = cloud.Outbound
		} else {
			r.Direction = cloud.Inbound
		}
		if hosts, ok := a["hosts"].(types.List); ok {
			r.Hosts, _ = knownStrings(hosts)
		}
		rules = append(rules, r)
	}
	return rules
}

// inboundRules keeps the inbound rules, those a host firewall applies.
func inboundRules(rules []cloud.Rule) []cloud.Rule {
	var out []cloud.Rule
	for _, r := range rules {
		if !r.IsOutbound() {
			out = append(out, r)
		}
	}
	return out
}

// sameRules says whether two rule lists open the same rules, for the same
// purposes, in the same order.
func sameRules(a, b []cloud.Rule) bool {
	return slices.EqualFunc(a, b, func(x, y cloud.Rule) bool { return x.Key() == y.Key() && x.Purpose == y.Purpose })
}

// egressFromValue reads egress_allow; false when some of it is unknown.
func egressFromValue(v types.List) ([]cloud.EgressRule, bool) {
	if v.IsUnknown() {
		return nil, false
	}
	if v.IsNull() {
		return nil, true
	}
	var out []cloud.EgressRule
	for _, e := range v.Elements() {
		o, ok := e.(types.Object)
		if !ok || o.IsUnknown() {
			return nil, false
		}
		a := o.Attributes()
		for _, value := range a {
			if value.IsUnknown() {
				return nil, false
			}
		}
		str := func(k string) string { s, _ := a[k].(types.String); return s.ValueString() }
		num := func(k string) int { n, _ := a[k].(types.Int64); return int(n.ValueInt64()) }
		tiers, _ := a["tiers"].(types.Set)
		hosts, _ := a["hosts"].(types.List)
		r := cloud.EgressRule{Name: str("name"), CIDR: str("cidr"), Protocol: str("protocol"), FromPort: num("from_port"),
			ToPort: num("to_port")}
		var known bool
		if r.Tiers, known = knownStrings(tiers); !known {
			return nil, false
		}
		if r.Hosts, known = knownStrings(hosts); !known {
			return nil, false
		}
		out = append(out, r)
	}
	return out, true
}

// desiredRules is the rule set the model's configuration opens on a cloud
// whose network reaches its API privately (cloudAPI: OUTSCALE), with false
// when part of it is unknown.
func (m *networkModel) desiredRules(cloudAPI bool) ([]cloud.Rule, bool) {
	admin, adminKnown := knownStrings(m.AdminCIDRs)
	egress, egressKnown := egressFromValue(m.EgressAllow)
	return cloud.DesiredRules(cloud.NetworkSpec{AdminCIDRs: admin, EgressAllow: egress, CloudAPI: cloudAPI}), adminKnown && egressKnown
}

// cloudAPI says whether the network of cloudName reaches the cloud's API
// through a private path (see cloud.NetworkSpec.CloudAPI): OUTSCALE only.
func cloudAPI(cloudName string) bool { return cloudName == cloud.Outscale }

func stringMap(v types.Map) map[string]string {
	out := map[string]string{}
	if v.IsNull() || v.IsUnknown() {
		return out
	}
	for k, e := range v.Elements() {
		if s, ok := e.(types.String); ok && !s.IsUnknown() && !s.IsNull() {
			out[k] = s.ValueString()
		}
	}
	return out
}

func stringMapValue(m map[string]string) types.Map {
	elems := make(map[string]attr.Value, len(m))
	for k, v := range m {
		elems[k] = types.StringValue(v)
	}
	return types.MapValueMust(types.StringType, elems)
}

func stringListValue(items []string) types.List {
	elems := make([]attr.Value, 0, len(items))
	for _, s := range items {
		elems = append(elems, types.StringValue(s))
	}
	return types.ListValueMust(types.StringType, elems)
}

// spec is what the plan asks the cloud called cloudName for.
func (m *networkModel) spec(_ context.Context, cloudName string) (cloud.NetworkSpec, diag.Diagnostics) {
	var diags diag.Diagnostics
	admin, _ := knownStrings(m.AdminCIDRs)
	egress, _ := egressFromValue(m.EgressAllow)
	subnets := knownSubnetCIDRs(m.SubnetCIDRs)
	if len(subnets) != len(cloud.Tiers) {
		diags.AddError("Incomplete Subnet Layout",
			"The subnet layout was not complete at apply time. Please report this issue to the provider developers.")
	}
	return cloud.NetworkSpec{
		Name:        m.Name.ValueString(),
		CIDR:        m.CIDR.ValueString(),
		Subnets:     subnets,
		AdminCIDRs:  admin,
		NATEgress:   m.NATEgress.ValueBool(),
		EgressAllow: egress,
		CloudAPI:    cloudAPI(cloudName),
		Tags:        stringMap(m.Tags),
	}, diags
}

// ref is what the state knows of the network, for the cloud to read,
// update or delete it.
func (m *networkModel) ref(_ context.Context) cloud.Network {
	n := cloud.Network{
		ID:        m.ID.ValueString(),
		Name:      m.Name.ValueString(),
		CIDR:      m.CIDR.ValueString(),
		Region:    m.Region.ValueString(),
		Rules:     rulesFromValue(m.Rules),
		NATEgress: m.NATEgress.ValueBool(),
		Tags:      stringMap(m.Tags),
		CloudIDs:  stringMap(m.CloudIDs),
		Subnets:   map[string]cloud.Subnet{},
	}
	if ips, ok := knownStrings(m.EgressIPs); ok {
		n.EgressIPs = ips
	}
	if !m.Subnets.IsNull() && !m.Subnets.IsUnknown() {
		for tier, e := range m.Subnets.Elements() {
			o, ok := e.(types.Object)
			if !ok {
				continue
			}
			a := o.Attributes()
			str := func(k string) string { s, _ := a[k].(types.String); return s.ValueString() }
			n.Subnets[tier] = cloud.Subnet{ID: str("id"), CIDR: str("cidr"), SecurityGroupID: str("security_group_id"),
				RouteTableID: str("route_table_id")}
		}
	}
	return n
}

// setComputed sets the attributes the cloud decides from n.
func (m *networkModel) setComputed(n cloud.Network) {
	m.ID = types.StringValue(n.ID)
	if n.Region != "" {
		m.Region = types.StringValue(n.Region)
	} else if m.Region.IsUnknown() {
		m.Region = types.StringNull()
	}
	subnets := map[string]attr.Value{}
	for tier, s := range n.Subnets {
		subnets[tier] = types.ObjectValueMust(subnetAttrTypes, map[string]attr.Value{
			"id":                types.StringValue(s.ID),
			"cidr":              types.StringValue(s.CIDR),
			"security_group_id": types.StringValue(s.SecurityGroupID),
			"route_table_id":    types.StringValue(s.RouteTableID),
		})
	}
	m.Subnets = types.MapValueMust(types.ObjectType{AttrTypes: subnetAttrTypes}, subnets)
	// The cloud keeps no purposes nor host names: the configuration's
	// rules give them back to the rules they asked for (the API's rule
	// exists only where the cloud has it).
	desired, _ := m.desiredRules(true)
	m.Rules = rulesValue(cloud.AnnotateRules(n.Rules, desired))
	if n.RulesEnforcement != "" {
		m.RulesEnforcement = types.StringValue(n.RulesEnforcement)
	} else if m.RulesEnforcement.IsUnknown() {
		m.RulesEnforcement = types.StringNull()
	}
	if n.StoragePath != "" {
		m.StoragePath = types.StringValue(n.StoragePath)
	} else if m.StoragePath.IsUnknown() {
		m.StoragePath = types.StringNull()
	}
	m.EgressIPs = stringListValue(n.EgressIPs)
	m.CloudIDs = stringMapValue(n.CloudIDs)
}

// partial is the state of a network whose create failed half-way: the
// configuration, and the ids of everything that exists.
func (m networkModel) partial(_ context.Context, n cloud.Network) networkModel {
	m.setComputed(n)
	if m.SubnetCIDRs.IsUnknown() {
		m.SubnetCIDRs = types.ObjectNull(subnetCIDRsAttrTypes)
	}
	return m
}

// fromCloud sets the state from the network as the cloud holds it, so that
// the next plan shows any change made outside Terraform.
func (m *networkModel) fromCloud(n cloud.Network) {
	m.setComputed(n)
	m.Name = types.StringValue(n.Name)
	m.CIDR = types.StringValue(n.CIDR)
	layout := map[string]string{}
	for tier, s := range n.Subnets {
		layout[tier] = s.CIDR
	}
	m.SubnetCIDRs = subnetCIDRsValue(layout)
	m.NATEgress = types.BoolValue(n.NATEgress)

	// The administrators' blocks are the sources of the bastion's SSH rules.
	var admin []attr.Value
	anywhere := false
	for _, r := range n.Rules {
		if r.Tier == cloud.TierBastion && !r.IsOutbound() && !strings.HasPrefix(r.Source, "tier:") && r.FromPort == cloud.PortSSH {
			admin = append(admin, types.StringValue(r.Source))
			anywhere = anywhere || r.Source == cloud.Anywhere
		}
	}
	if len(admin) > 0 || !m.AdminCIDRs.IsNull() {
		m.AdminCIDRs = types.SetValueMust(types.StringType, admin)
	}
	if m.AllowAdminFromAnywhere.IsNull() || m.AllowAdminFromAnywhere.IsUnknown() {
		m.AllowAdminFromAnywhere = types.BoolValue(anywhere) // after an import
	}
	if len(n.Tags) > 0 || (!m.Tags.IsNull() && len(m.Tags.Elements()) == 0 && len(n.Tags) == 0) {
		m.Tags = stringMapValue(n.Tags)
	} else {
		m.Tags = types.MapNull(types.StringType)
	}
}

// newClientToken makes the idempotency token of one create.
func newClientToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// cidrSyntax accepts an IPv4 CIDR block with no host bits set.
type cidrSyntax struct{}

func (cidrSyntax) Description(context.Context) string {
	return "value must be an IPv4 CIDR block such as 10.0.0.0/24"
}
func (v cidrSyntax) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (cidrSyntax) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	p, err := netip.ParsePrefix(s)
	switch {
	case err != nil || !p.Addr().Is4():
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid CIDR Block",
			fmt.Sprintf("%s: %q is not an IPv4 CIDR block such as 10.0.0.0/24.", req.Path, s))
	case p.Masked() != p:
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid CIDR Block",
			fmt.Sprintf("%s: %q has host bits set: write %s.", req.Path, s, p.Masked()))
	}
}

// networkCIDR accepts a warehouse network block (see cloud.CheckNetworkCIDR).
type networkCIDR struct{}

func (networkCIDR) Description(context.Context) string {
	return fmt.Sprintf("value must be a private (RFC 1918) IPv4 block between /%d and /%d", cloud.MinNetworkBits, cloud.MaxNetworkBits)
}
func (v networkCIDR) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (networkCIDR) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := cloud.CheckNetworkCIDR(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Network CIDR", fmt.Sprintf("%s: %s.", req.Path, err))
	}
}

// userTagKeys refuses the tag keys the provider sets itself.
type userTagKeys struct{}

func (userTagKeys) Description(context.Context) string {
	return `keys must not be "Name" or start with "health:"; keys and values at most 255 characters`
}
func (v userTagKeys) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (userTagKeys) ValidateMap(_ context.Context, req validator.MapRequest, resp *validator.MapResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	for k, v := range req.ConfigValue.Elements() {
		switch {
		case k == cloud.TagName || strings.HasPrefix(k, "health:"):
			resp.Diagnostics.AddAttributeError(req.Path.AtMapKey(k), "Reserved Tag Key",
				fmt.Sprintf("%s: the key %q is reserved: the provider sets Name and the health:* tags itself.", req.Path, k))
		case k == "" || len(k) > 255:
			resp.Diagnostics.AddAttributeError(req.Path.AtMapKey(k), "Invalid Tag Key",
				fmt.Sprintf("%s: the key %q must be 1 to 255 characters long.", req.Path, k))
		}
		if s, ok := v.(types.String); ok && len(s.ValueString()) > 255 {
			resp.Diagnostics.AddAttributeError(req.Path.AtMapKey(k), "Invalid Tag Value",
				fmt.Sprintf("%s: the value of %q is %d characters long; the limit is 255.", req.Path, k, len(s.ValueString())))
		}
	}
}
