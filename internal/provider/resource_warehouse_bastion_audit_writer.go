package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// planAuditWriter plans the bastion's own write-only identity: asked for
// where audit_bucket gives no key. OVHcloud has none (the audit bucket's
// key ships there); a writer broken outside Terraform, or a switch between
// a given key and the bastion's own, replaces the bastion.
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

// readAuditWriter checks the bastion's write-only identity: one whose user,
// key or policy link is gone can no longer ship, and the next plan
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
			fmt.Sprintf("The bastion %s can no longer ship its audit trail: %s. The next apply replaces the bastion, "+
				"with a new write-only identity.", m.ID.ValueString(), err))
		delete(ids, cloud.AuditWriterAccessKey)
		m.CloudIDs = stringMapValue(ids)
	case err != nil:
		diags.Append(cloudErrorDiagnostic("Unable to Read the Bastion's Audit Writer "+w.UserName, err))
	}
}
