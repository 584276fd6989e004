package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ ephemeral.EphemeralResourceWithConfigure = (*storageCredentialsEphemeral)(nil)
)

// NewStorageCredentialsEphemeralResource returns the
// health_warehouse_storage_credentials ephemeral resource.
func NewStorageCredentialsEphemeralResource() ephemeral.EphemeralResource {
	return &storageCredentialsEphemeral{}
}

// storageCredentialsEphemeral hands a bucket's S3 key to the configuration
// for the length of one Terraform run, never storing it in the plan or the
// state.
type storageCredentialsEphemeral struct {
	data *providerData
}

// storageCredentialsModel is the ephemeral resource's data.
type storageCredentialsModel struct {
	Bucket          types.String `tfsdk:"bucket"`
	AccessKeyID     types.String `tfsdk:"access_key_id"`
	SecretAccessKey types.String `tfsdk:"secret_access_key"`
	Endpoint        types.String `tfsdk:"endpoint"`
	Region          types.String `tfsdk:"region"`
	Scope           types.String `tfsdk:"scope"`
}

// storageCredentialsTimeout bounds the few calls Open makes.
const storageCredentialsTimeout = 2 * time.Minute

func (e *storageCredentialsEphemeral) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_warehouse_storage_credentials"
}

func (e *storageCredentialsEphemeral) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The S3 key that reaches a `health_warehouse_storage` bucket, for the length of one Terraform " +
			"run: use it to configure the data pipeline, a secret store or a write-only attribute. Being ephemeral, its " +
			"secret is never written to the plan or the state.\n\n" +
			"**On OVHcloud** the key is the bucket's own: its user owns this bucket only, and the user's S3 policy holds " +
			"the bucket's access rules (`scope = \"bucket\"`). The secret is read from the OVHcloud API each time.\n\n" +
			"**On OUTSCALE**, object storage takes no other key than the account's own access key: this returns the " +
			"access key the provider is configured with (`scope = \"account\"`), which reaches everything the account " +
			"holds. Hand it only to what you would hand the account.",
		Attributes: map[string]schema.Attribute{
			"bucket": schema.StringAttribute{
				MarkdownDescription: "The bucket's name (`health_warehouse_storage.<name>.name`).",
				Required:            true,
				Validators:          []validator.String{bucketName{}},
			},
			"access_key_id": schema.StringAttribute{
				MarkdownDescription: "The S3 access key id.",
				Computed:            true,
			},
			"secret_access_key": schema.StringAttribute{
				MarkdownDescription: "The S3 secret key.",
				Computed:            true,
				Sensitive:           true,
			},
			"endpoint": schema.StringAttribute{
				MarkdownDescription: "The S3 endpoint to use with the key, path style.",
				Computed:            true,
			},
			"region": schema.StringAttribute{
				MarkdownDescription: "The region to sign requests for (AWS Signature Version 4).",
				Computed:            true,
			},
			"scope": schema.StringAttribute{
				MarkdownDescription: "What the key reaches: `bucket` (this bucket only, OVHcloud) or `account` " +
					"(everything the account holds, OUTSCALE).",
				Computed: true,
			},
		},
	}
}

func (e *storageCredentialsEphemeral) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	e.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

func (e *storageCredentialsEphemeral) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	if e.data == nil {
		resp.Diagnostics.Append(notConfigured())
		return
	}
	var m storageCredentialsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, storageCredentialsTimeout)
	defer cancel()
	creds, err := e.data.cloud.BucketCredentials(ctx, m.Bucket.ValueString())
	if err != nil {
		resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Read the Credentials of the Bucket "+m.Bucket.ValueString(), err))
		return
	}
	m.AccessKeyID = types.StringValue(creds.AccessKeyID)
	m.SecretAccessKey = types.StringValue(creds.SecretAccessKey)
	m.Endpoint = types.StringValue(creds.Endpoint)
	m.Region = types.StringValue(creds.Region)
	m.Scope = types.StringValue(creds.Scope)
	resp.Diagnostics.Append(resp.Result.Set(ctx, &m)...)
}
