package provider

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

var (
	_ ephemeral.EphemeralResourceWithConfigure = (*workspaceCredentialsEphemeral)(nil)
	_ ephemeral.EphemeralResourceWithClose     = (*workspaceCredentialsEphemeral)(nil)
)

// NewWorkspaceCredentialsEphemeralResource returns the
// health_warehouse_workspace_credentials ephemeral resource.
func NewWorkspaceCredentialsEphemeralResource() ephemeral.EphemeralResource {
	return &workspaceCredentialsEphemeral{}
}

// workspaceCredentialsEphemeral makes a key of a workspace's identity for
// the length of one Terraform run, and deletes it when the run is done.
type workspaceCredentialsEphemeral struct {
	data *providerData
}

type workspaceCredentialsModel struct {
	WorkspaceID     types.String `tfsdk:"workspace_id"`
	Name            types.String `tfsdk:"name"`
	NetworkID       types.String `tfsdk:"network_id"`
	AccessKeyID     types.String `tfsdk:"access_key_id"`
	SecretAccessKey types.String `tfsdk:"secret_access_key"`
	Endpoint        types.String `tfsdk:"endpoint"`
	Region          types.String `tfsdk:"region"`
}

// workspaceKeyPrivate is what Close needs to delete the key.
type workspaceKeyPrivate struct {
	Workspace cloud.Workspace `json:"workspace"`
	KeyID     string          `json:"key_id"`
}

const workspaceKeyPrivateKey = "workspace_key"

func (e *workspaceCredentialsEphemeral) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_warehouse_workspace_credentials"
}

func (e *workspaceCredentialsEphemeral) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A key of a `health_warehouse_workspace`'s object storage identity, made for the length of " +
			"one Terraform run and deleted when it ends: it reaches exactly what the workspace may (its datasets, its " +
			"working, import and export buckets), never more, and its secret is never written to the plan or the state. " +
			"On OUTSCALE an EIM user holds two keys at most, and the workspace's machines hold one: one run at a time.",
		Attributes: map[string]schema.Attribute{
			"workspace_id": schema.StringAttribute{
				MarkdownDescription: "The workspace's `id`.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The workspace's `name`.",
				Required:            true,
			},
			"network_id": schema.StringAttribute{
				MarkdownDescription: "The workspace's `network_id`.",
				Required:            true,
			},
			"access_key_id":     schema.StringAttribute{MarkdownDescription: "The S3 access key id.", Computed: true},
			"secret_access_key": schema.StringAttribute{MarkdownDescription: "The S3 secret key.", Computed: true, Sensitive: true},
			"endpoint":          schema.StringAttribute{MarkdownDescription: "The S3 endpoint, path style.", Computed: true},
			"region":            schema.StringAttribute{MarkdownDescription: "The region to sign requests for.", Computed: true},
		},
	}
}

func (e *workspaceCredentialsEphemeral) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	e.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

func (e *workspaceCredentialsEphemeral) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	if e.data == nil {
		resp.Diagnostics.Append(notConfigured())
		return
	}
	var m workspaceCredentialsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, storageCredentialsTimeout)
	defer cancel()
	c := e.data.cloud
	ws, err := c.ReadWorkspace(ctx, cloud.Workspace{ID: m.WorkspaceID.ValueString(), Name: m.Name.ValueString(),
		NetworkID: m.NetworkID.ValueString()})
	if err != nil {
		resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Read the Workspace "+m.WorkspaceID.ValueString(), err))
		return
	}
	key, err := c.CreateWorkspaceKey(ctx, ws)
	if err != nil {
		resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Make a Key for the Workspace "+m.Name.ValueString(), err))
		return
	}
	private, err := json.Marshal(workspaceKeyPrivate{Workspace: ws, KeyID: key.ID})
	if err != nil {
		resp.Diagnostics.AddError("Unable to Keep the Key's Id", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, workspaceKeyPrivateKey, private)...)
	endpoint, region := c.AuditStorage()
	m.AccessKeyID, m.SecretAccessKey = types.StringValue(key.ID), types.StringValue(key.Secret)
	m.Endpoint, m.Region = types.StringValue(endpoint), types.StringValue(region)
	resp.Diagnostics.Append(resp.Result.Set(ctx, &m)...)
}

func (e *workspaceCredentialsEphemeral) Close(ctx context.Context, req ephemeral.CloseRequest, resp *ephemeral.CloseResponse) {
	if e.data == nil {
		return
	}
	raw, diags := req.Private.GetKey(ctx, workspaceKeyPrivateKey)
	resp.Diagnostics.Append(diags...)
	if len(raw) == 0 {
		return
	}
	var p workspaceKeyPrivate
	if err := json.Unmarshal(raw, &p); err != nil {
		resp.Diagnostics.AddError("Unable to Read the Key's Id", err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(ctx, storageCredentialsTimeout)
	defer cancel()
	if err := e.data.cloud.DeleteWorkspaceKey(ctx, p.Workspace, p.KeyID); err != nil {
		resp.Diagnostics.Append(cloudErrorDiagnostic(fmt.Sprintf("Unable to Delete the Workspace's Key %s", p.KeyID), err))
	}
}
