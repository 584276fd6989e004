// Package provider is the Terraform provider "health": its configuration,
// resources and data sources, written on terraform-plugin-framework.
//
// It talks to the clouds only through internal/cloud; it never imports a
// cloud SDK.
package provider

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/float64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/cloud/outscale"
	"github.com/sovhealth/terraform-provider-health/internal/cloud/ovh"
	"github.com/sovhealth/terraform-provider-health/internal/compliance"
)

var (
	_ provider.Provider                       = (*healthProvider)(nil)
	_ provider.ProviderWithValidateConfig     = (*healthProvider)(nil)
	_ provider.ProviderWithEphemeralResources = (*healthProvider)(nil)
)

// New returns the provider factory for the given release version.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &healthProvider{version: version} }
}

// healthProvider is the provider "health".
type healthProvider struct {
	version string
}

// providerModel is the provider block.
type providerModel struct {
	Cloud             types.String   `tfsdk:"cloud"`
	APIRateLimit      types.Float64  `tfsdk:"api_rate_limit"`
	ComplianceProfile types.String   `tfsdk:"compliance_profile"`
	Outscale          *outscaleModel `tfsdk:"outscale"`
	OVH               *ovhModel      `tfsdk:"ovh"`
}

type outscaleModel struct {
	AccessKey       types.String `tfsdk:"access_key"`
	SecretKey       types.String `tfsdk:"secret_key"`
	Region          types.String `tfsdk:"region"`
	Endpoint        types.String `tfsdk:"endpoint"`
	StorageEndpoint types.String `tfsdk:"storage_endpoint"`
	KMSAddress      types.String `tfsdk:"kms_address"`
	KMSToken        types.String `tfsdk:"kms_token"`
	KMSMount        types.String `tfsdk:"kms_mount"`
	KMSCACert       types.String `tfsdk:"kms_ca_cert"`
}

type ovhModel struct {
	Endpoint          types.String `tfsdk:"endpoint"`
	ApplicationKey    types.String `tfsdk:"application_key"`
	ApplicationSecret types.String `tfsdk:"application_secret"`
	ConsumerKey       types.String `tfsdk:"consumer_key"`
	ClientID          types.String `tfsdk:"client_id"`
	ClientSecret      types.String `tfsdk:"client_secret"`
	ProjectID         types.String `tfsdk:"project_id"`
	Region            types.String `tfsdk:"region"`
	StorageEndpoint   types.String `tfsdk:"storage_endpoint"`
	KMSID             types.String `tfsdk:"kms_id"`
}

// envCloud names the cloud when the provider block does not.
const envCloud = "HEALTH_CLOUD"

func (p *healthProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "health"
	resp.Version = p.version
}

func (p *healthProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The `health` provider stands up a sovereign research health-data warehouse — isolated " +
			"network, encrypted object storage, customer-managed keys and audited bastion access — on " +
			"SecNumCloud-qualified French clouds: **3DS OUTSCALE** and **OVHcloud**. One provider block drives one " +
			"cloud account; use two blocks with aliases to build the same warehouse on both clouds.\n\n" +
			"The provider accepts a configuration without credentials, so that `terraform plan` can run in CI with " +
			"none: the first call to the cloud then fails with a message naming the missing setting.",
		Attributes: map[string]schema.Attribute{
			"cloud": schema.StringAttribute{
				MarkdownDescription: "The cloud this provider block drives: `outscale` or `ovh`. " +
					"Falls back to the `HEALTH_CLOUD` environment variable; one of the two is required.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.OneOf(cloud.Names...)},
			},
			"api_rate_limit": schema.Float64Attribute{
				MarkdownDescription: "Maximum number of calls per second this provider block makes to each service it " +
					"calls (short bursts of twice as many are allowed): the cloud's API, its object storage, and on OUTSCALE " +
					"the key manager, each paced apart. Defaults: 5 on OUTSCALE, as its own SDK does for its API; 20 on " +
					"OVHcloud. Raise it if your account's limits allow, lower it if you see throttling.",
				Optional:   true,
				Validators: []validator.Float64{float64validator.Between(0.1, 1000)},
			},
			"compliance_profile": schema.StringAttribute{
				MarkdownDescription: "The bar every resource of this provider block is held to at plan time " +
					"(`HEALTH_COMPLIANCE_PROFILE`): `secnumcloud` (default; ANSSI's SecNumCloud qualification), `hds` " +
					"(the French certification for hosting health data), or `none`. A resource that fails a control " +
					"of the profile is refused at plan time, naming the control and the fix, unless its " +
					"`compliance_exceptions` accept it. OVHcloud's Public Cloud regions are HDS-capable but not " +
					"SecNumCloud-qualified: use `hds` there. See the Compliance guide.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.OneOf(compliance.Profiles...)},
			},
		},
		Blocks: map[string]schema.Block{
			"outscale": schema.SingleNestedBlock{
				MarkdownDescription: "Credentials and region of a 3DS OUTSCALE account, used when `cloud = \"outscale\"`. " +
					"Each setting falls back to its environment variable, the same ones the Outscale CLI and SDKs read.",
				Attributes: map[string]schema.Attribute{
					"access_key": schema.StringAttribute{
						MarkdownDescription: "Access key ID of the account (`OSC_ACCESS_KEY`).",
						Optional:            true,
					},
					"secret_key": schema.StringAttribute{
						MarkdownDescription: "Secret key paired with the access key (`OSC_SECRET_KEY`). Never shown in plans or logs.",
						Optional:            true,
						Sensitive:           true,
					},
					"region": schema.StringAttribute{
						MarkdownDescription: "OUTSCALE Region of the account (`OSC_REGION`), such as `cloudgouv-eu-west-1`, " +
							"the Region public sources name as SecNumCloud-qualified. See the `health_secnumcloud_regions` data source.",
						Optional: true,
					},
					"endpoint": schema.StringAttribute{
						MarkdownDescription: "API URL overriding `https://api.<region>.outscale.com/api/v1` (`OSC_ENDPOINT_API`), " +
							"for instance the local emulator's `http://127.0.0.1:8787/api/v1`.",
						Optional: true,
					},
					"storage_endpoint": schema.StringAttribute{
						MarkdownDescription: "Object storage (OOS) URL overriding `https://oos.<region>.outscale.com` " +
							"(`OSC_ENDPOINT_OOS`), for instance the local emulator's `http://127.0.0.1:8787/s3`.",
						Optional: true,
					},
					"kms_address": schema.StringAttribute{
						MarkdownDescription: "URL of the customer-held OpenBao key manager that holds the warehouse's keys " +
							"(`HEALTH_KMS_ADDR`), such as `https://10.0.192.10:8200`. The OUTSCALE API has no key manager, so " +
							"`health_warehouse_kms_key` manages keys in an OpenBao transit engine that you run (see `modules/kms`). " +
							"Needed only by `health_warehouse_kms_key`.",
						Optional: true,
					},
					"kms_token": schema.StringAttribute{
						MarkdownDescription: "OpenBao token allowed to manage the keys of the transit engine (`HEALTH_KMS_TOKEN`). " +
							"Never shown in plans or logs.",
						Optional:  true,
						Sensitive: true,
					},
					"kms_mount": schema.StringAttribute{
						MarkdownDescription: "Mount path of the OpenBao transit engine (`HEALTH_KMS_MOUNT`). Default `transit`.",
						Optional:            true,
					},
					"kms_ca_cert": schema.StringAttribute{
						MarkdownDescription: "PEM certificate of the authority that signed the OpenBao server's TLS certificate " +
							"(`HEALTH_KMS_CACERT`), for a key manager with a private CA. Default: the system's trusted authorities.",
						Optional: true,
					},
				},
			},
			"ovh": schema.SingleNestedBlock{
				MarkdownDescription: "Credentials, Public Cloud project and region of an OVHcloud account, used when " +
					"`cloud = \"ovh\"`. Authenticate either with an application key, application secret and consumer key, " +
					"or with an OAuth2 service account (`client_id` and `client_secret`), not both. Each setting falls back " +
					"to its environment variable; `ovh.conf` files are not read.",
				Attributes: map[string]schema.Attribute{
					"endpoint": schema.StringAttribute{
						MarkdownDescription: "API endpoint (`OVH_ENDPOINT`): `ovh-eu` (default), `ovh-ca`, `ovh-us`, or an API URL " +
							"ending in `/1.0`, for instance the local emulator's `http://127.0.0.1:8787/1.0`.",
						Optional: true,
					},
					"application_key": schema.StringAttribute{
						MarkdownDescription: "Application key (`OVH_APPLICATION_KEY`).",
						Optional:            true,
					},
					"application_secret": schema.StringAttribute{
						MarkdownDescription: "Application secret (`OVH_APPLICATION_SECRET`). Never shown in plans or logs.",
						Optional:            true,
						Sensitive:           true,
					},
					"consumer_key": schema.StringAttribute{
						MarkdownDescription: "Consumer key granted to the application (`OVH_CONSUMER_KEY`). Never shown in plans or logs.",
						Optional:            true,
						Sensitive:           true,
					},
					"client_id": schema.StringAttribute{
						MarkdownDescription: "OAuth2 client ID of a service account (`OVH_CLIENT_ID`).",
						Optional:            true,
					},
					"client_secret": schema.StringAttribute{
						MarkdownDescription: "OAuth2 client secret of the service account (`OVH_CLIENT_SECRET`). Never shown in plans or logs.",
						Optional:            true,
						Sensitive:           true,
					},
					"project_id": schema.StringAttribute{
						MarkdownDescription: "ID of the Public Cloud project the warehouse lives in (`OVH_CLOUD_PROJECT_SERVICE`).",
						Optional:            true,
					},
					"region": schema.StringAttribute{
						MarkdownDescription: "Public Cloud region of the warehouse, such as `EU-WEST-PAR` or `GRA11`. " +
							"See the `health_secnumcloud_regions` data source for what each region is qualified for.",
						Optional: true,
					},
					"storage_endpoint": schema.StringAttribute{
						MarkdownDescription: "S3 URL overriding the region's object storage endpoint, " +
							"`https://s3.<region>.io.cloud.ovh.net` (`OVH_S3_ENDPOINT`), for instance the local emulator's " +
							"`http://127.0.0.1:8787/s3`.",
						Optional: true,
					},
					"kms_id": schema.StringAttribute{
						MarkdownDescription: "ID of the OVHcloud KMS (OKMS) that holds the warehouse's keys (`OVH_OKMS_ID`). " +
							"Order the KMS once in the OVHcloud Control Panel, in the region of the warehouse. Needed only by " +
							"`health_warehouse_kms_key`.",
						Optional: true,
					},
				},
			},
		},
	}
}

// ValidateConfig catches, at plan time, settings that can never work.
// Values coming from environment variables are checked in Configure.
func (p *healthProvider) ValidateConfig(ctx context.Context, req provider.ValidateConfigRequest, resp *provider.ValidateConfigResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if o := cfg.Outscale; o != nil {
		validateRegion(cloud.Outscale, path.Root("outscale").AtName("region"), o.Region, &resp.Diagnostics)
		validateEndpoint(cloud.Outscale, path.Root("outscale").AtName("endpoint"), o.Endpoint, &resp.Diagnostics)
		validateKMSSettings(o, &resp.Diagnostics)
	}
	if o := cfg.OVH; o != nil {
		validateRegion(cloud.OVH, path.Root("ovh").AtName("region"), o.Region, &resp.Diagnostics)
		validateEndpoint(cloud.OVH, path.Root("ovh").AtName("endpoint"), o.Endpoint, &resp.Diagnostics)
		app := set(o.ApplicationKey) || set(o.ApplicationSecret) || set(o.ConsumerKey)
		oauth := set(o.ClientID) || set(o.ClientSecret)
		if app && oauth {
			resp.Diagnostics.AddAttributeError(path.Root("ovh"), "Conflicting OVHcloud Authentication Methods",
				"The ovh block sets both application key settings (application_key, application_secret, consumer_key) "+
					"and OAuth2 settings (client_id, client_secret). The OVHcloud API takes one method: keep one set and remove the other.")
		}
	}
}

// set reports whether a configured value is present (known or not).
func set(v types.String) bool { return !v.IsNull() }

func (p *healthProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if cfg.Cloud.IsUnknown() {
		resp.Diagnostics.AddAttributeError(path.Root("cloud"), "Unknown Cloud",
			"The provider's cloud attribute depends on a value known only after apply. It chooses the API the provider "+
				"talks to and must be known at plan time: set it to a literal or a variable.")
		return
	}
	name := stringOr(cfg.Cloud, os.Getenv(envCloud))
	if name == "" {
		resp.Diagnostics.AddAttributeError(path.Root("cloud"), "Missing Cloud",
			`The provider does not know which cloud to drive. Set cloud = "outscale" or cloud = "ovh" in the provider `+
				"block, or the HEALTH_CLOUD environment variable.")
		return
	}
	opts := cloud.Options{
		UserAgent:         fmt.Sprintf("terraform-provider-health/%s (+https://registry.terraform.io/providers/sovhealth/health) terraform/%s", p.version, req.TerraformVersion),
		RequestsPerSecond: cfg.APIRateLimit.ValueFloat64(),
		TakeOver:          takeOverTokens(os.Getenv(EnvTakeOver)),
	}
	var (
		c       cloud.Cloud
		secrets []string
		err     error
	)
	switch name {
	case cloud.Outscale:
		var oc outscale.Config
		oc, secrets = outscaleConfig(cfg.Outscale)
		label := "outscale.region"
		if cfg.Outscale == nil || cfg.Outscale.Region.IsNull() {
			label = outscale.SettingRegion.EnvVar // the region came from the environment
		}
		if !checkRegion(cloud.Outscale, label, oc.Region, &resp.Diagnostics) {
			return
		}
		opts.Logger = newLogger(secrets)
		c, err = outscale.New(oc, opts)
	case cloud.OVH:
		var oc ovh.Config
		oc, secrets = ovhConfig(cfg.OVH)
		if !checkRegion(cloud.OVH, "ovh.region", oc.Region, &resp.Diagnostics) {
			return
		}
		opts.Logger = newLogger(secrets)
		c, err = ovh.New(oc, opts)
	default:
		resp.Diagnostics.AddAttributeError(path.Root("cloud"), "Unsupported Cloud",
			fmt.Sprintf("The cloud %q (from the %s environment variable) is not supported: use \"outscale\" or \"ovh\".", name, envCloud))
		return
	}
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root(name), "Invalid "+cloud.Title(name)+" Settings", err.Error())
		return
	}
	tflog.Debug(ctx, "configured the health provider", map[string]any{"cloud": name, "region": c.Region()})
	profile := complianceProfile(cfg.ComplianceProfile)
	if err := compliance.CheckProfile(profile); err != nil {
		resp.Diagnostics.AddError("Invalid Compliance Profile", fmt.Sprintf("%s (from %s): %s.", profile, envComplianceProfile, err))
		return
	}
	data := &providerData{cloud: c, profile: profile}
	resp.DataSourceData = data
	resp.ResourceData = data
	resp.EphemeralResourceData = data
}

func (p *healthProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewWarehouseNetworkResource,
		NewWarehouseKMSKeyResource,
		NewWarehouseStorageResource,
		NewWarehouseBastionResource,
		NewWarehouseKeyManagerResource,
		NewWarehouseDataGatewayResource,
		NewAirlockApprovalResource,
		NewAirlockExportResource,
		NewWarehouseWorkspaceResource,
	}
}

func (p *healthProvider) EphemeralResources(context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{
		NewStorageCredentialsEphemeralResource,
		NewWorkspaceCredentialsEphemeralResource,
	}
}

func (p *healthProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewSecNumCloudRegionsDataSource,
		NewWarehouseComplianceDataSource,
		NewCallerIdentityDataSource,
	}
}

// providerData is what resources and data sources receive from Configure.
type providerData struct {
	cloud cloud.Cloud
	// profile is the compliance profile resources are held to.
	profile string
}

// outscaleConfig applies the environment fallbacks to the outscale block and
// returns the secrets it holds, to be masked in logs.
func outscaleConfig(m *outscaleModel) (outscale.Config, []string) {
	if m == nil {
		m = &outscaleModel{}
	}
	c := outscale.Config{
		AccessKey:       stringOr(m.AccessKey, os.Getenv(outscale.SettingAccessKey.EnvVar)),
		SecretKey:       stringOr(m.SecretKey, os.Getenv(outscale.SettingSecretKey.EnvVar)),
		Region:          stringOr(m.Region, os.Getenv(outscale.SettingRegion.EnvVar)),
		Endpoint:        stringOr(m.Endpoint, os.Getenv(outscale.SettingEndpoint.EnvVar)),
		StorageEndpoint: stringOr(m.StorageEndpoint, os.Getenv(outscale.SettingStorageEndpoint.EnvVar)),
		KMSAddress:      stringOr(m.KMSAddress, os.Getenv(outscale.SettingKMSAddress.EnvVar)),
		KMSToken:        stringOr(m.KMSToken, os.Getenv(outscale.SettingKMSToken.EnvVar)),
		KMSMount:        stringOr(m.KMSMount, os.Getenv(outscale.SettingKMSMount.EnvVar)),
		KMSCACert:       stringOr(m.KMSCACert, os.Getenv(outscale.SettingKMSCACert.EnvVar)),
	}
	return c, []string{c.SecretKey, c.KMSToken}
}

// ovhConfig applies the environment fallbacks to the ovh block and returns
// the secrets it holds, to be masked in logs.
func ovhConfig(m *ovhModel) (ovh.Config, []string) {
	if m == nil {
		m = &ovhModel{}
	}
	c := ovh.Config{
		Endpoint:          stringOr(m.Endpoint, os.Getenv(ovh.SettingEndpoint.EnvVar)),
		ApplicationKey:    stringOr(m.ApplicationKey, os.Getenv(ovh.SettingApplicationKey.EnvVar)),
		ApplicationSecret: stringOr(m.ApplicationSecret, os.Getenv(ovh.SettingApplicationSecret.EnvVar)),
		ConsumerKey:       stringOr(m.ConsumerKey, os.Getenv(ovh.SettingConsumerKey.EnvVar)),
		ClientID:          stringOr(m.ClientID, os.Getenv(ovh.SettingClientID.EnvVar)),
		ClientSecret:      stringOr(m.ClientSecret, os.Getenv(ovh.SettingClientSecret.EnvVar)),
		ProjectID:         stringOr(m.ProjectID, os.Getenv(ovh.SettingProjectID.EnvVar)),
		Region:            m.Region.ValueString(),
		StorageEndpoint:   stringOr(m.StorageEndpoint, os.Getenv(ovh.SettingStorageEndpoint.EnvVar)),
		KMSID:             stringOr(m.KMSID, os.Getenv(ovh.SettingKMSID.EnvVar)),
	}
	// A method chosen in the block wins over the other method's variables
	// left in the environment (go-ovh would refuse the mix).
	if set(m.ApplicationKey) || set(m.ApplicationSecret) || set(m.ConsumerKey) {
		c.ClientID, c.ClientSecret = m.ClientID.ValueString(), m.ClientSecret.ValueString()
	} else if set(m.ClientID) || set(m.ClientSecret) {
		c.ApplicationKey, c.ApplicationSecret, c.ConsumerKey = m.ApplicationKey.ValueString(), m.ApplicationSecret.ValueString(), m.ConsumerKey.ValueString()
	}
	return c, []string{c.ApplicationSecret, c.ConsumerKey, c.ClientSecret}
}

// stringOr returns the configured value, or fallback when it is null or not
// yet known (Terraform configures the provider again at apply time, when it is).
func stringOr(v types.String, fallback string) string {
	if v.IsNull() || v.IsUnknown() {
		return fallback
	}
	return v.ValueString()
}

// EnvTakeOver names the client tokens of creates the user declares dead,
// comma-separated: a create of the same name deletes what they left at
// once, instead of waiting for their lease to end (see cloud.Lease). The
// diagnostic of a create refused beside another run's objects gives it.
const EnvTakeOver = "HEALTH_TAKE_OVER"

func takeOverTokens(v string) []string {
	var out []string
	for _, t := range strings.Split(v, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}
