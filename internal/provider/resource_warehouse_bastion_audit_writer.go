package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// planAuditWriter plans the bastion's own identity: on OUTSCALE a
// write-only one, asked for where audit_bucket gives no key; on OVHcloud
// (where the audit bucket's key ships) a read-only service account for the
// account's audit logs, made with every shipping bastion. A writer broken
// outside Terraform, or a switch between a given key and the bastion's own,
// replaces the bastion.
func (r *warehouseBastionResource) planAuditWriter(plan *bastionModel, cfg bastionModel, state *bastionModel, resp *resource.ModifyPlanResponse) {
	b := auditBucketOf(cfg.AuditBucket)
	if b == nil || b.AccessKeyID.IsUnknown() {
		return
	}
	dedicated := b.AccessKeyID.IsNull()
	if dedicated && r.data != nil && r.data.cloud.Name() != cloud.Outscale {
		resp.Diagnostics.AddAttributeError(path.Root("audit_bucket").AtName("access_key_id"), "Missing Audit Bucket Key",
			"audit_bucket.access_key_id: the provider makes the bastion its own write-only identity on OUTSCALE only. On "+
				"OVHcloud, give the audit bucket's own key: access_key_id from health_warehouse_storage.<audit>.access_key_id "+
				"and secret_access_key from the health_warehouse_storage_credentials ephemeral resource.")
		return
	}
	if state == nil || state.VMState.ValueString() == "" || state.AuditBucket.IsNull() {
		return
	}
	w, had := cloud.AuditWriterOf(stringMap(state.CloudIDs))
	if r.data != nil && r.data.cloud.Name() == cloud.OVH {
		// The bastion's account-log reader broken outside Terraform
		// (readAuditWriter forgot its client id): a new bastion gets a new
		// one. A bastion made before readers existed has none and is left
		// as it is: it ships, without the account's audit logs.
		if had && w.AccessKeyID == "" {
			plan.CloudIDs = types.MapUnknown(types.StringType)
			resp.RequiresReplace = append(resp.RequiresReplace, path.Root("cloud_ids"))
		}
		return
	}
	switch {
	case dedicated && (!had || w.AccessKeyID == ""):
		// No writer yet (the key was given before), or its key is gone.
		p := auditBucketOf(plan.AuditBucket)
		p.AccessKeyID = types.StringUnknown()
		plan.AuditBucket = types.ObjectValueMust(auditBucketAttrTypes, map[string]attr.Value{
			"bucket": p.Bucket, "endpoint": p.Endpoint, "region": p.Region, "prefix": p.Prefix,
			"access_key_id": p.AccessKeyID, "secret_access_key": types.StringNull()})
		plan.CloudIDs = types.MapUnknown(types.StringType)
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("audit_bucket"))
	case !dedicated && had:
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("audit_bucket"))
	}
}

// checkAPIReach fails the plan when the bastion will pull the account's API
// logs (OUTSCALE, audit_bucket without access_key_id: its own identity
// pulls them) but no outbound rule of network_rules lets the bastion tier
// reach the API on HTTPS: the pull would fail on the machine, and HW-ADM-03
// with it. The network's rule to cloud.ServiceAPI does; so does an
// egress_allow entry whose hosts name the API's host, or a block as wide as
// the Internet. A network_rules with no outbound rule of the bastion tier
// comes from a network made before they existed, which lets everything
// out: nothing is checked.
func (r *warehouseBastionResource) checkAPIReach(plan bastionModel, cfg bastionModel, diags *diag.Diagnostics) {
	if r.data == nil || r.data.cloud.Name() != cloud.Outscale || plan.NetworkRules.IsUnknown() || plan.NetworkRules.IsNull() {
		return
	}
	b := auditBucketOf(cfg.AuditBucket)
	if b == nil || !b.AccessKeyID.IsNull() {
		return // no shipping, or a key of the user's, which does not pull the API logs
	}
	rules := rulesFromValue(plan.NetworkRules)
	var outbound []string
	for _, rule := range rules {
		if rule.IsOutbound() && rule.Tier == cloud.TierBastion {
			outbound = append(outbound, rule.Destination+" "+portWords(rule))
		}
	}
	if len(outbound) == 0 {
		return
	}
	host := "api." + r.data.cloud.Region() + ".outscale.com"
	if _, ok := cloud.ReachesService(rules, cloud.TierBastion, cloud.ServiceAPI, cloud.PortAPI); ok {
		return
	}
	if _, ok := cloud.Reaches(rules, cloud.TierBastion, host, cloud.PortAPI); ok {
		return
	}
	diags.AddAttributeError(path.Root("audit_bucket"), "OUTSCALE API Not Reachable From the Bastion",
		fmt.Sprintf("audit_bucket: without access_key_id the bastion ships with its own identity, which also pulls the "+
			"account's API logs from the OUTSCALE API (%s, HTTPS) into the audit bucket; but egress is denied by default and "+
			"no outbound rule of network_rules lets the %s tier reach it: the rule needed is %s outbound tcp/%d to %s. "+
			"The bastion tier reaches: %s. Without it the pull fails and the compliance report fails HW-ADM-03.\n\n"+
			"Set network_rules to the rules of a health_warehouse_network applied with this provider version, which opens "+
			"that rule (through a Net access point to the API); or add to the network's egress_allow an entry with the "+
			"API's address block, from_port = %d, tiers including %q and hosts = [%q].",
			host, cloud.TierBastion, cloud.TierBastion, cloud.PortAPI, cloud.ServiceAPI, strings.Join(outbound, ", "),
			cloud.PortAPI, cloud.TierBastion, host))
}

// readAuditWriter checks the bastion's own identity: one whose user, key
// or policy link is gone (OUTSCALE), or whose service account or policy is
// gone or changed (OVHcloud), can no longer do its work, and the next plan
// replaces the bastion.
func (r *warehouseBastionResource) readAuditWriter(ctx context.Context, m *bastionModel, diags *diag.Diagnostics) {
	ids := stringMap(m.CloudIDs)
	w, ok := cloud.AuditWriterOf(ids)
	if !ok || w.AccessKeyID == "" {
		return
	}
	_, err := r.data.cloud.ReadAuditWriter(ctx, w)
	switch {
	case errors.Is(err, cloud.ErrNotFound):
		diags.AddWarning("Bastion's Audit Writer Broken",
			fmt.Sprintf("The bastion %s can no longer %s: %s. The next apply replaces the bastion, with a new identity.",
				m.ID.ValueString(), auditWriterWork(r.data.cloud.Name()), err))
		delete(ids, cloud.AuditWriterAccessKey)
		m.CloudIDs = stringMapValue(ids)
	case err != nil:
		diags.Append(cloudErrorDiagnostic("Unable to Read the Bastion's Audit Writer "+w.UserName, err))
	}
}

// auditWriterByHand says what to delete by hand when removing an audit
// writer failed.
func auditWriterByHand(cloudName string) string {
	if cloudName == cloud.OVH {
		return "Delete the OAuth2 client (/me/api/oauth2/client) and its IAM policy by hand."
	}
	return "Delete the EIM user and its policy by hand."
}

// auditWriterWork is what the bastion's identity does.
func auditWriterWork(cloudName string) string {
	if cloudName == cloud.OVH {
		return "read the account's audit logs into its audit trail"
	}
	return "ship its audit trail"
}
