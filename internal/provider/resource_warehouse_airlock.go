package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// The airlock's two steps, as two resources the data office applies with
// its own credentials (never the workspace's): an approval of exactly the
// bytes a workspace put in its export bucket, recorded in the audit
// bucket; and the export itself, which copies those bytes to the results
// zone only when such an approval is there, and records it too. Both are
// records under object lock: destroying either resource forgets it in
// Terraform and leaves the record, and the results, where they are.

var (
	_ resource.ResourceWithConfigure = (*airlockApprovalResource)(nil)
	_ resource.ResourceWithConfigure = (*airlockExportResource)(nil)
)

// NewAirlockApprovalResource returns health_warehouse_airlock_approval.
func NewAirlockApprovalResource() resource.Resource { return &airlockApprovalResource{} }

// NewAirlockExportResource returns health_warehouse_airlock_export.
func NewAirlockExportResource() resource.Resource { return &airlockExportResource{} }

type airlockApprovalResource struct{ data *providerData }

type airlockExportResource struct{ data *providerData }

// airlockTimeout bounds reading and copying one object.
const airlockTimeout = 30 * time.Minute

type airlockApprovalModel struct {
	ID            types.String `tfsdk:"id"`
	Workspace     types.String `tfsdk:"workspace"`
	ExportBucket  types.String `tfsdk:"export_bucket"`
	Object        types.String `tfsdk:"object"`
	AuditBucket   types.String `tfsdk:"audit_bucket"`
	Approver      types.String `tfsdk:"approver"`
	Justification types.String `tfsdk:"justification"`
	SHA256        types.String `tfsdk:"sha256"`
	ApprovedAt    types.String `tfsdk:"approved_at"`
}

type airlockExportModel struct {
	ID            types.String `tfsdk:"id"`
	Workspace     types.String `tfsdk:"workspace"`
	ExportBucket  types.String `tfsdk:"export_bucket"`
	Object        types.String `tfsdk:"object"`
	ResultsBucket types.String `tfsdk:"results_bucket"`
	ResultsKey    types.String `tfsdk:"results_key"`
	AuditBucket   types.String `tfsdk:"audit_bucket"`
	SHA256        types.String `tfsdk:"sha256"`
	Approval      types.String `tfsdk:"approval"`
	ExportedAt    types.String `tfsdk:"exported_at"`
}

// airlockApproval is an approval record, as the audit bucket keeps it.
type airlockApproval struct {
	Kind          string `json:"kind"` // "airlock-approval"
	Workspace     string `json:"workspace"`
	Bucket        string `json:"bucket"`
	Object        string `json:"object"`
	SHA256        string `json:"sha256"`
	Size          int64  `json:"size"`
	Approver      string `json:"approver"`
	Justification string `json:"justification"`
	ApprovedAt    string `json:"approved_at"`
}

// airlockExport is an export record.
type airlockExport struct {
	Kind          string `json:"kind"` // "airlock-export"
	Workspace     string `json:"workspace"`
	Bucket        string `json:"bucket"`
	Object        string `json:"object"`
	SHA256        string `json:"sha256"`
	Approval      string `json:"approval"`
	ResultsBucket string `json:"results_bucket"`
	ResultsKey    string `json:"results_key"`
	ExportedAt    string `json:"exported_at"`
}

func airlockReplace() []planmodifier.String {
	return []planmodifier.String{stringplanmodifier.RequiresReplace()}
}

func airlockCommon() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"workspace": schema.StringAttribute{
			MarkdownDescription: "The workspace's `name`.",
			Required:            true, Validators: []validator.String{stringvalidator.RegexMatches(workspaceNamePattern, "must be a workspace name")},
			PlanModifiers: airlockReplace(),
		},
		"export_bucket": schema.StringAttribute{
			MarkdownDescription: "The workspace's `export_bucket`.",
			Required:            true, Validators: []validator.String{bucketName{}}, PlanModifiers: airlockReplace(),
		},
		"object": schema.StringAttribute{
			MarkdownDescription: "The object's key in the export bucket.",
			Required:            true, Validators: []validator.String{stringvalidator.LengthBetween(1, 1024)}, PlanModifiers: airlockReplace(),
		},
		"audit_bucket": schema.StringAttribute{
			MarkdownDescription: "The warehouse's audit bucket (object lock on), where the airlock's records go, under `" +
				cloud.AirlockPrefix + "<workspace>/`.",
			Required: true, Validators: []validator.String{bucketName{}}, PlanModifiers: airlockReplace(),
		},
		"sha256": schema.StringAttribute{
			MarkdownDescription: "The SHA-256 of the object's bytes.",
			Computed:            true, PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		},
	}
}

func (r *airlockApprovalResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_warehouse_airlock_approval"
}

func (r *airlockApprovalResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	attrs := airlockCommon()
	attrs["id"] = schema.StringAttribute{MarkdownDescription: "The approval record's key in the audit bucket.", Computed: true,
		PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}}
	attrs["approver"] = schema.StringAttribute{MarkdownDescription: "Who approves: a reviewer of the data office, not a " +
		"member of the workspace.", Required: true, Validators: []validator.String{stringvalidator.LengthBetween(1, 200)},
		PlanModifiers: airlockReplace()}
	attrs["justification"] = schema.StringAttribute{MarkdownDescription: "Why these results may leave (the review's " +
		"conclusion: aggregated, no re-identification risk, …).", Required: true,
		Validators: []validator.String{stringvalidator.LengthBetween(10, 2000)}, PlanModifiers: airlockReplace()}
	attrs["approved_at"] = schema.StringAttribute{MarkdownDescription: "When the approval was recorded (RFC 3339).", Computed: true,
		PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}}
	resp.Schema = schema.Schema{
		MarkdownDescription: "An airlock approval: a reviewer's approval of exactly the bytes a workspace put in its export " +
			"bucket (by their SHA-256), recorded in the audit bucket under object lock. `health_warehouse_airlock_export` " +
			"copies an object to the results zone only when its bytes have such an approval; an object changed after its " +
			"approval needs another. Destroying this resource forgets it; the record stays, locked.",
		Attributes: attrs,
	}
}

func (r *airlockApprovalResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

func (r *airlockApprovalResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	if r.data == nil {
		resp.Diagnostics.Append(notConfigured())
		return
	}
	var m airlockApprovalModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, airlockTimeout)
	defer cancel()
	c := r.data.cloud
	d, err := c.DigestObject(ctx, m.ExportBucket.ValueString(), m.Object.ValueString())
	if err != nil {
		resp.Diagnostics.Append(cloudErrorDiagnostic(fmt.Sprintf("Unable to Read s3://%s/%s", m.ExportBucket.ValueString(),
			m.Object.ValueString()), err))
		return
	}
	rec := airlockApproval{Kind: "airlock-approval", Workspace: m.Workspace.ValueString(), Bucket: m.ExportBucket.ValueString(),
		Object: m.Object.ValueString(), SHA256: d.SHA256, Size: d.Size, Approver: m.Approver.ValueString(),
		Justification: m.Justification.ValueString(), ApprovedAt: time.Now().UTC().Format(time.RFC3339)}
	body, _ := json.MarshalIndent(rec, "", "  ")
	key := cloud.AirlockApprovalKey(rec.Workspace, d.SHA256)
	if err := c.PutRecord(ctx, m.AuditBucket.ValueString(), key, body); err != nil {
		if !errors.Is(err, cloud.ErrConflict) {
			resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Record the Approval", err))
			return
		}
		// Approved before: the record stands, as it was written then.
		raw, err := c.GetRecord(ctx, m.AuditBucket.ValueString(), key)
		if err != nil || json.Unmarshal(raw, &rec) != nil {
			resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Read the Existing Approval "+key, err))
			return
		}
		resp.Diagnostics.AddWarning("Already Approved", fmt.Sprintf("These bytes were approved before, by %s at %s (%s): "+
			"that record stands.", rec.Approver, rec.ApprovedAt, key))
	}
	m.ID, m.SHA256, m.ApprovedAt = types.StringValue(key), types.StringValue(d.SHA256), types.StringValue(rec.ApprovedAt)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (r *airlockApprovalResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	if r.data == nil {
		resp.Diagnostics.Append(notConfigured())
		return
	}
	var m airlockApprovalModel
	resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	_, err := r.data.cloud.GetRecord(ctx, m.AuditBucket.ValueString(), m.ID.ValueString())
	switch {
	case errors.Is(err, cloud.ErrNotFound):
		resp.Diagnostics.AddWarning("Approval Record Gone", fmt.Sprintf("s3://%s/%s is gone: the approval was removed from "+
			"the state, and the next apply records it again if the object is still what was approved.",
			m.AuditBucket.ValueString(), m.ID.ValueString()))
		resp.State.RemoveResource(ctx)
	case err != nil:
		resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Read the Approval "+m.ID.ValueString(), err))
	}
}

func (r *airlockApprovalResource) Update(context.Context, resource.UpdateRequest, *resource.UpdateResponse) {
	// Every argument replaces the approval: nothing changes in place.
}

func (r *airlockApprovalResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {
	// The record is under object lock: destroying the resource forgets it.
}

func (r *airlockExportResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_warehouse_airlock_export"
}

func (r *airlockExportResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	attrs := airlockCommon()
	attrs["id"] = schema.StringAttribute{MarkdownDescription: "The export record's key in the audit bucket.", Computed: true,
		PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}}
	attrs["results_bucket"] = schema.StringAttribute{MarkdownDescription: "The `results` zone bucket the object goes to.",
		Required: true, Validators: []validator.String{bucketName{}}, PlanModifiers: airlockReplace()}
	attrs["results_key"] = schema.StringAttribute{MarkdownDescription: "Its key there. Default: `<workspace>/<object>`.",
		Optional: true, Computed: true, PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplaceIfConfigured(),
			stringplanmodifier.UseStateForUnknown()}}
	attrs["approval"] = schema.StringAttribute{MarkdownDescription: "The approval record the export rests on.", Computed: true,
		PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}}
	attrs["exported_at"] = schema.StringAttribute{MarkdownDescription: "When the export was recorded (RFC 3339).", Computed: true,
		PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}}
	resp.Schema = schema.Schema{
		MarkdownDescription: "An airlock export: copies an object of a workspace's export bucket to the `results` zone, " +
			"**only when** the audit bucket holds an approval of exactly its bytes (`health_warehouse_airlock_approval`); " +
			"otherwise the apply fails, saying so, and nothing is copied. The copy reads the object on the condition that " +
			"it is still the one digested (its ETag), so bytes changed in between are refused too. The export is recorded in " +
			"the audit bucket. The workspace's own identity can write neither the results zone nor the audit bucket: nothing " +
			"leaves a workspace another way. Destroying this resource forgets it; the results and the record stay.",
		Attributes: attrs,
	}
}

func (r *airlockExportResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

func (r *airlockExportResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	if r.data == nil {
		resp.Diagnostics.Append(notConfigured())
		return
	}
	var m airlockExportModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, airlockTimeout)
	defer cancel()
	c := r.data.cloud
	workspace, bucket, object, audit := m.Workspace.ValueString(), m.ExportBucket.ValueString(), m.Object.ValueString(),
		m.AuditBucket.ValueString()
	d, err := c.DigestObject(ctx, bucket, object)
	if err != nil {
		resp.Diagnostics.Append(cloudErrorDiagnostic(fmt.Sprintf("Unable to Read s3://%s/%s", bucket, object), err))
		return
	}
	approvalKey := cloud.AirlockApprovalKey(workspace, d.SHA256)
	raw, err := c.GetRecord(ctx, audit, approvalKey)
	var approval airlockApproval
	switch {
	case errors.Is(err, cloud.ErrNotFound):
		resp.Diagnostics.AddAttributeError(path.Root("object"), "Export Not Approved",
			fmt.Sprintf("object %q of the workspace %s (s3://%s/%s, SHA-256 %s) has no approval: the airlock lets out only bytes "+
				"a reviewer approved, recorded at s3://%s/%s. Nothing was copied. Have the data office review it and apply a "+
				"health_warehouse_airlock_approval for it; an object changed since its approval needs a new one.",
				object, workspace, bucket, object, d.SHA256, audit, approvalKey))
		return
	case err != nil:
		resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Read the Approval "+approvalKey, err))
		return
	case json.Unmarshal(raw, &approval) != nil || approval.Kind != "airlock-approval" || approval.SHA256 != d.SHA256 ||
		approval.Workspace != workspace:
		resp.Diagnostics.AddAttributeError(path.Root("object"), "Export Not Approved",
			fmt.Sprintf("s3://%s/%s is not an approval of these bytes for the workspace %s: nothing was copied.", audit,
				approvalKey, workspace))
		return
	}
	resultsKey := m.ResultsKey.ValueString()
	if m.ResultsKey.IsNull() || m.ResultsKey.IsUnknown() {
		resultsKey = workspace + "/" + strings.TrimPrefix(object, "/")
	}
	copied, err := c.CopyObject(ctx, bucket, object, d.ETag, m.ResultsBucket.ValueString(), resultsKey)
	if err != nil {
		resp.Diagnostics.Append(cloudErrorDiagnostic(fmt.Sprintf("Unable to Copy s3://%s/%s to the Results Zone", bucket, object), err))
		return
	}
	if copied != d.SHA256 {
		resp.Diagnostics.AddError("Object Changed During the Export", fmt.Sprintf("s3://%s/%s changed while it was copied "+
			"(SHA-256 %s, approved %s): delete s3://%s/%s and export it again.", bucket, object, copied, d.SHA256,
			m.ResultsBucket.ValueString(), resultsKey))
		return
	}
	rec := airlockExport{Kind: "airlock-export", Workspace: workspace, Bucket: bucket, Object: object, SHA256: d.SHA256,
		Approval: approvalKey, ResultsBucket: m.ResultsBucket.ValueString(), ResultsKey: resultsKey,
		ExportedAt: time.Now().UTC().Format(time.RFC3339)}
	body, _ := json.MarshalIndent(rec, "", "  ")
	key := cloud.AirlockExportKey(workspace, d.SHA256)
	if err := c.PutRecord(ctx, audit, key, body); err != nil && !errors.Is(err, cloud.ErrConflict) {
		resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Record the Export", err))
		return
	}
	m.ID, m.SHA256, m.Approval = types.StringValue(key), types.StringValue(d.SHA256), types.StringValue(approvalKey)
	m.ResultsKey, m.ExportedAt = types.StringValue(resultsKey), types.StringValue(rec.ExportedAt)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (r *airlockExportResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	if r.data == nil {
		resp.Diagnostics.Append(notConfigured())
		return
	}
	var m airlockExportModel
	resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	_, err := r.data.cloud.GetRecord(ctx, m.AuditBucket.ValueString(), m.ID.ValueString())
	switch {
	case errors.Is(err, cloud.ErrNotFound):
		resp.Diagnostics.AddWarning("Export Record Gone", fmt.Sprintf("s3://%s/%s is gone: the export was removed from the "+
			"state.", m.AuditBucket.ValueString(), m.ID.ValueString()))
		resp.State.RemoveResource(ctx)
	case err != nil:
		resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Read the Export "+m.ID.ValueString(), err))
	}
}

func (r *airlockExportResource) Update(context.Context, resource.UpdateRequest, *resource.UpdateResponse) {
}

func (r *airlockExportResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {
	// The results and the record stay: destroying the resource forgets them.
}
