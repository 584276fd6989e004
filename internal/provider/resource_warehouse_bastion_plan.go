package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// The bastion's inputs are applied once, at first boot: a change replaces
// it. Two cases do not:
//   - the attribute is computed and left out of the configuration: it
//     keeps the value in the state (like UseStateForUnknown);
//   - the state holds no value, because the cloud could not tell it after
//     an import (OVHcloud returns no user-data): the configuration is then
//     taken as declared, in place, touching nothing in the cloud.
//
// A value that becomes unknown because what it refers to is replaced (the
// network's id) does replace the bastion.

// replacement decides for one attribute: keep the state's value, replace,
// or neither.
func replacement(state, plan, config attr.Value, resourceExists bool) (keepState, replace bool) {
	switch {
	case !resourceExists || state.IsNull():
		return false, false
	case config.IsNull() && plan.IsUnknown():
		return true, false
	case !plan.Equal(state):
		return false, true
	}
	return false, false
}

const replaceDescription = "Replaces the bastion when the value changes, unless the state has none to compare (after an import)."

type replaceString struct{}

func replaceUnlessAdopting() planmodifier.String { return replaceString{} }

func (replaceString) Description(context.Context) string               { return replaceDescription }
func (m replaceString) MarkdownDescription(ctx context.Context) string { return m.Description(ctx) }
func (replaceString) PlanModifyString(_ context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	keep, replace := replacement(req.StateValue, req.PlanValue, req.ConfigValue, !req.State.Raw.IsNull() && !req.Plan.Raw.IsNull())
	if keep {
		resp.PlanValue = req.StateValue
	}
	resp.RequiresReplace = replace
}

// replaceDuration is replaceString for idle_timeout, where "90s", "1m30s"
// and "1m30s0ms" are one value: rewriting a duration another way keeps the
// state's spelling and the bastion.
type replaceDuration struct{}

func replaceDurationUnlessAdopting() planmodifier.String { return replaceDuration{} }

func (replaceDuration) Description(context.Context) string {
	return replaceDescription + " The same duration written another way is no change."
}
func (m replaceDuration) MarkdownDescription(ctx context.Context) string { return m.Description(ctx) }
func (replaceDuration) PlanModifyString(ctx context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if sameDuration(req.StateValue, req.PlanValue) {
		resp.PlanValue = req.StateValue
		return
	}
	replaceString{}.PlanModifyString(ctx, req, resp)
}

// sameDuration reports whether two known idle_timeout values are the same
// valid duration.
func sameDuration(a, b types.String) bool {
	if a.IsNull() || a.IsUnknown() || b.IsNull() || b.IsUnknown() {
		return false
	}
	da, errA := parseIdleTimeout(a.ValueString())
	db, errB := parseIdleTimeout(b.ValueString())
	return errA == nil && errB == nil && da == db
}

type replaceBool struct{}

func replaceBoolUnlessAdopting() planmodifier.Bool { return replaceBool{} }

func (replaceBool) Description(context.Context) string               { return replaceDescription }
func (m replaceBool) MarkdownDescription(ctx context.Context) string { return m.Description(ctx) }
func (replaceBool) PlanModifyBool(_ context.Context, req planmodifier.BoolRequest, resp *planmodifier.BoolResponse) {
	keep, replace := replacement(req.StateValue, req.PlanValue, req.ConfigValue, !req.State.Raw.IsNull() && !req.Plan.Raw.IsNull())
	if keep {
		resp.PlanValue = req.StateValue
	}
	resp.RequiresReplace = replace
}

type replaceList struct{}

func replaceListUnlessAdopting() planmodifier.List { return replaceList{} }

func (replaceList) Description(context.Context) string               { return replaceDescription }
func (m replaceList) MarkdownDescription(ctx context.Context) string { return m.Description(ctx) }
func (replaceList) PlanModifyList(_ context.Context, req planmodifier.ListRequest, resp *planmodifier.ListResponse) {
	keep, replace := replacement(req.StateValue, req.PlanValue, req.ConfigValue, !req.State.Raw.IsNull() && !req.Plan.Raw.IsNull())
	if keep {
		resp.PlanValue = req.StateValue
	}
	resp.RequiresReplace = replace
}

type replaceSet struct{}

func replaceSetUnlessAdopting() planmodifier.Set { return replaceSet{} }

func (replaceSet) Description(context.Context) string               { return replaceDescription }
func (m replaceSet) MarkdownDescription(ctx context.Context) string { return m.Description(ctx) }
func (replaceSet) PlanModifySet(_ context.Context, req planmodifier.SetRequest, resp *planmodifier.SetResponse) {
	keep, replace := replacement(req.StateValue, req.PlanValue, req.ConfigValue, !req.State.Raw.IsNull() && !req.Plan.Raw.IsNull())
	if keep {
		resp.PlanValue = req.StateValue
	}
	resp.RequiresReplace = replace
}

// useStateForUnknownMap keeps a computed map's value while nothing changes it.
type useStateForUnknownMap struct{}

func mapUseStateForUnknown() planmodifier.Map { return useStateForUnknownMap{} }

func (useStateForUnknownMap) Description(context.Context) string {
	return "The value does not change unless the bastion is replaced or repaired."
}
func (m useStateForUnknownMap) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}
func (useStateForUnknownMap) PlanModifyMap(_ context.Context, req planmodifier.MapRequest, resp *planmodifier.MapResponse) {
	if req.StateValue.IsNull() || !req.PlanValue.IsUnknown() || req.ConfigValue.IsUnknown() {
		return
	}
	resp.PlanValue = req.StateValue
}

// auditBucketReplaced says whether the audit bucket's settings the user
// gives changed: the secret is write-only and cannot be compared; a new
// key comes with a new access key id.
func auditBucketReplaced(state, plan types.Object) bool {
	s, p := auditBucketOf(state), auditBucketOf(plan)
	switch {
	case state.IsNull() && plan.IsNull():
		return false
	case s == nil || p == nil:
		return !plan.IsUnknown() || s != nil
	}
	changed := func(planned, current types.String) bool {
		return !planned.IsUnknown() && !planned.IsNull() && !planned.Equal(current)
	}
	return changed(p.Bucket, s.Bucket) || changed(p.AccessKeyID, s.AccessKeyID) || changed(p.Endpoint, s.Endpoint) ||
		changed(p.Region, s.Region) || changed(p.Prefix, s.Prefix) || p.Bucket.IsUnknown() || p.AccessKeyID.IsUnknown()
}

// replaceInboundRules is replaceList for network_rules: the bastion's
// firewall is made from the inbound rules into the bastion tier and from
// the bastion tier, so only a change in those replaces it; a change in
// other rules (the outbound ones, or those between other tiers, which the
// security groups enforce) is recorded in place.
type replaceInboundRules struct{}

func replaceRulesUnlessAdopting() planmodifier.List { return replaceInboundRules{} }

func (replaceInboundRules) Description(context.Context) string {
	return "Replaces the bastion when the inbound rules change, unless the state has none to compare (after an import)."
}
func (m replaceInboundRules) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}
func (replaceInboundRules) PlanModifyList(_ context.Context, req planmodifier.ListRequest, resp *planmodifier.ListResponse) {
	keep, replace := replacement(req.StateValue, req.PlanValue, req.ConfigValue, !req.State.Raw.IsNull() && !req.Plan.Raw.IsNull())
	if keep {
		resp.PlanValue = req.StateValue
	}
	if replace && !req.PlanValue.IsUnknown() &&
		sameRules(bastionFirewallRules(rulesFromValue(req.StateValue)), bastionFirewallRules(rulesFromValue(req.PlanValue))) {
		replace = false
	}
	resp.RequiresReplace = replace
}

// bastionFirewallRules are the rules a bastion's firewall is made from (see
// firewallOf): inbound into the bastion tier, or from it.
func bastionFirewallRules(rules []cloud.Rule) []cloud.Rule {
	var out []cloud.Rule
	for _, r := range inboundRules(rules) {
		if r.Tier == cloud.TierBastion || r.Source == cloud.TierSource(cloud.TierBastion) {
			out = append(out, r)
		}
	}
	return out
}

type replaceObject struct{}

func replaceObjectUnlessAdopting() planmodifier.Object { return replaceObject{} }

func (replaceObject) Description(context.Context) string               { return replaceDescription }
func (m replaceObject) MarkdownDescription(ctx context.Context) string { return m.Description(ctx) }
func (replaceObject) PlanModifyObject(_ context.Context, req planmodifier.ObjectRequest, resp *planmodifier.ObjectResponse) {
	keep, replace := replacement(req.StateValue, req.PlanValue, req.ConfigValue, !req.State.Raw.IsNull() && !req.Plan.Raw.IsNull())
	if keep {
		resp.PlanValue = req.StateValue
	}
	resp.RequiresReplace = replace
}
