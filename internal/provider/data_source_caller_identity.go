package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var _ datasource.DataSourceWithConfigure = (*callerIdentityDataSource)(nil)

// NewCallerIdentityDataSource returns the health_caller_identity data source.
func NewCallerIdentityDataSource() datasource.DataSource { return &callerIdentityDataSource{} }

// callerIdentityDataSource tells which account the provider's credentials
// belong to, like aws_caller_identity: the cheapest authenticated call, so it
// also proves the credentials work.
type callerIdentityDataSource struct {
	data *providerData
}

type callerIdentityModel struct {
	ID         types.String `tfsdk:"id"`
	Cloud      types.String `tfsdk:"cloud"`
	Region     types.String `tfsdk:"region"`
	AccountID  types.String `tfsdk:"account_id"`
	ProjectID  types.String `tfsdk:"project_id"`
	AuthMethod types.String `tfsdk:"auth_method"`
}

func (d *callerIdentityDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_caller_identity"
}

func (d *callerIdentityDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The cloud account behind the provider's credentials. Reading it makes one authenticated " +
			"call, so it is also the quickest way to check that the credentials work before building anything, and " +
			"to show an evaluator which account a warehouse lives in.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "`<cloud>/<account_id>`, or `ovh/<account_id>/<project_id>` on OVHcloud.",
				Computed:            true,
			},
			"cloud": schema.StringAttribute{
				MarkdownDescription: "The cloud the provider drives: `outscale` or `ovh`.",
				Computed:            true,
			},
			"region": schema.StringAttribute{
				MarkdownDescription: "The region configured in the provider.",
				Computed:            true,
			},
			"account_id": schema.StringAttribute{
				MarkdownDescription: "The OUTSCALE account ID, or the OVHcloud account (NIC handle) that owns the credentials.",
				Computed:            true,
			},
			"project_id": schema.StringAttribute{
				MarkdownDescription: "The OVHcloud Public Cloud project, checked to exist and be reachable with the " +
					"credentials. Empty on OUTSCALE.",
				Computed: true,
			},
			"auth_method": schema.StringAttribute{
				MarkdownDescription: "How the provider authenticated: `access-key` (OUTSCALE), `application-key` or `oauth2` (OVHcloud).",
				Computed:            true,
			},
		},
	}
}

func (d *callerIdentityDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

func (d *callerIdentityDataSource) Read(ctx context.Context, _ datasource.ReadRequest, resp *datasource.ReadResponse) {
	if d.data == nil {
		resp.Diagnostics.Append(notConfigured())
		return
	}
	id, err := d.data.cloud.Identity(ctx)
	if err != nil {
		resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Read the Caller Identity", err))
		return
	}
	state := callerIdentityModel{
		ID:         types.StringValue(id.Cloud + "/" + id.AccountID),
		Cloud:      types.StringValue(id.Cloud),
		Region:     types.StringValue(id.Region),
		AccountID:  types.StringValue(id.AccountID),
		ProjectID:  types.StringValue(id.ProjectID),
		AuthMethod: types.StringValue(id.AuthMethod),
	}
	if id.ProjectID != "" {
		state.ID = types.StringValue(id.Cloud + "/" + id.AccountID + "/" + id.ProjectID)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}
