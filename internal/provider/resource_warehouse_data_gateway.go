package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/sovhealth/terraform-provider-health/internal/bastion"
	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/gateway"
)

var (
	_ resource.ResourceWithConfigure   = (*warehouseDataGatewayResource)(nil)
	_ resource.ResourceWithImportState = (*warehouseDataGatewayResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*warehouseDataGatewayResource)(nil)
)

// NewWarehouseDataGatewayResource returns the health_warehouse_data_gateway
// resource.
func NewWarehouseDataGatewayResource() resource.Resource { return &warehouseDataGatewayResource{} }

// warehouseDataGatewayResource is the data path of a customer-key bucket:
// one VM in the network's data tier serving the bucket over S3 and writing
// every object with SSE-C under a data key the warehouse's key manager
// made, configured at first boot from user-data the provider renders
// (internal/gateway).
type warehouseDataGatewayResource struct {
	data *providerData
}

// Default timeouts: a VM, and on OVHcloud an operation.
const (
	gatewayCreateTimeout = 20 * time.Minute
	gatewayReadTimeout   = 5 * time.Minute
	gatewayUpdateTimeout = 20 * time.Minute
	gatewayDeleteTimeout = 20 * time.Minute
)

func (r *warehouseDataGatewayResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_warehouse_data_gateway"
}

func (r *warehouseDataGatewayResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replaced := " Changing it replaces the gateway: cloud-init applies the configuration once, at first boot."
	resp.Schema = schema.Schema{
		MarkdownDescription: "The data path of a bucket under a customer key: an S3 endpoint inside the warehouse that " +
			"encrypts every object it stores with SSE-C, under a data key made by the warehouse's key manager, so that " +
			"what rests in the bucket is readable only with the customer's key. It is one VM in the network's `data` tier, " +
			"with no public address, running [rclone](https://rclone.org)'s `serve s3` (a maintained, widely used tool: no " +
			"cryptography of the provider's own) in front of the bucket, installed from a mirror and checked against a " +
			"pinned SHA-256.\n\n" +
			"**The data key.** At its first start the gateway asks the key manager for a data key (OpenBao's transit " +
			"`datakey/wrapped` on OUTSCALE, OKMS's `datakey` on OVHcloud) and stores the key *wrapped* by the customer key " +
			"beside the data, at `data_key_object` in the bucket; at every start it has the key manager unwrap it, and holds " +
			"the plain data key in memory only. Destroying the customer key makes every object unreadable (crypto-shredding).\n\n" +
			"**Its right to the key.** The gateway gets its own credential, limited to making and unwrapping data keys under " +
			"`kms_key_id` and nothing else: on OUTSCALE an OpenBao token whose only policy allows " +
			"`transit/datakey/wrapped/<key>` and `transit/decrypt/<key>`, handed over response-wrapped (the user-data holds a " +
			"single-use wrapping token that the gateway unwraps at first boot; if someone used it first, the gateway refuses " +
			"to start and says so); on OVHcloud an OAuth2 service account with an IAM policy allowing the OKMS data-key " +
			"actions only. The credential is revoked when the gateway is destroyed; one revoked or narrowed outside Terraform " +
			"replaces the gateway at the next apply.\n\n" +
			"**What each cloud enforces.** Neither OOS nor OVHcloud Object Storage lets a bucket demand SSE-C of every write " +
			"(see `health_warehouse_storage`): the gateway is the path that writes with it, and the compliance control " +
			"HW-ENC-02 samples the bucket's objects to show that they carry it.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The gateway VM's id: `i-…` on OUTSCALE, the instance's UUID on OVHcloud. Use it to import.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"vm_id": schema.StringAttribute{
				MarkdownDescription: "The VM's id in the cloud (the same as `id`).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"network_id": schema.StringAttribute{
				MarkdownDescription: "The `id` of the `health_warehouse_network` whose `data` tier receives the gateway." + replaced,
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers:       []planmodifier.String{replaceUnlessAdopting()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the gateway: its host name and the name of its VM and credentials. Lower-case " +
					"letters, digits and `-`, starting with a letter, up to 63 characters." + replaced,
				Required: true,
				Validators: []validator.String{stringvalidator.RegexMatches(bastionNamePattern,
					"must be lower-case letters, digits and -, starting with a letter, up to 63 characters")},
				PlanModifiers: []planmodifier.String{replaceUnlessAdopting()},
			},
			"size": schema.StringAttribute{
				MarkdownDescription: "`small` (default), `medium` or `large`, as for `health_warehouse_bastion`, or a type of the " +
					"cloud." + replaced,
				Optional:      true,
				Computed:      true,
				Default:       stringdefault.StaticString(defaultSize),
				Validators:    []validator.String{bastionSize{}},
				PlanModifiers: []planmodifier.String{replaceUnlessAdopting()},
			},
			"vm_type": schema.StringAttribute{
				MarkdownDescription: "The cloud's VM type or flavor `size` stands for.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"image": schema.StringAttribute{
				MarkdownDescription: "The operating system: `debian-12` (default) or `ubuntu-24.04`, the newest official image " +
					"of that family at creation, or an image id." + replaced,
				Optional:      true,
				Computed:      true,
				Default:       stringdefault.StaticString(defaultImage),
				Validators:    []validator.String{imageAttr{}},
				PlanModifiers: []planmodifier.String{replaceUnlessAdopting()},
			},
			"image_id": schema.StringAttribute{
				MarkdownDescription: "The image the gateway was made from.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"kms_key_id": schema.StringAttribute{
				MarkdownDescription: "The `id` of the `health_warehouse_kms_key` the data key is made under: the bucket's " +
					"`encryption.kms_key_id`. The key must exist and be enabled when the gateway is made." + replaced,
				Required:      true,
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers: []planmodifier.String{replaceUnlessAdopting()},
			},
			"bucket": schema.SingleNestedAttribute{
				MarkdownDescription: "The bucket the gateway serves and writes to." + replaced,
				Required:            true,
				Attributes: map[string]schema.Attribute{
					"name": schema.StringAttribute{MarkdownDescription: "The bucket's name.", Required: true,
						Validators: []validator.String{stringvalidator.LengthBetween(3, 63)}},
					"endpoint": schema.StringAttribute{
						MarkdownDescription: "The S3 endpoint. Default: the cloud's object storage in the provider's region, or " +
							"the provider's `storage_endpoint`.",
						Optional: true, Computed: true, PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
					},
					"region": schema.StringAttribute{MarkdownDescription: "The S3 region. Default: the provider's region.",
						Optional: true, Computed: true, PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
					"access_key_id": schema.StringAttribute{
						MarkdownDescription: "The access key the gateway uses on the bucket. **On OUTSCALE, leave it out** (with " +
							"`secret_access_key`): the provider makes the gateway its own EIM user whose only policy allows reading, " +
							"writing, listing and deleting objects of this bucket, and its access key; the secret goes straight " +
							"into the user-data, never into the plan, the state or a log, and the identity is deleted with the " +
							"gateway (ids in `cloud_ids`). On OVHcloud, give the bucket's own key (`health_warehouse_storage`'s " +
							"`access_key_id` and the `health_warehouse_storage_credentials` ephemeral resource's secret).",
						Optional: true, Computed: true, PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
					},
					"secret_access_key": schema.StringAttribute{
						MarkdownDescription: "The secret of `access_key_id`, with it. Write-only: never in the plan nor the state. " +
							"It reaches the gateway in its user-data only.",
						Optional: true, Sensitive: true, WriteOnly: true,
					},
				},
			},
			"client_access_key_id": schema.StringAttribute{
				MarkdownDescription: "The access key id the warehouse's machines use against the gateway (any S3 client: " +
					"`aws s3`, `rclone`, boto3), 16 to 128 letters and digits." + replaced,
				Required:      true,
				Validators:    []validator.String{stringvalidator.RegexMatches(gatewayAccessKeyPattern, "must be 16 to 128 letters and digits")},
				PlanModifiers: []planmodifier.String{replaceUnlessAdopting()},
			},
			"client_secret_access_key": schema.StringAttribute{
				MarkdownDescription: "The secret that goes with `client_access_key_id`, at least 32 characters, such as an " +
					"`ephemeral \"random_password\"`'s result. Write-only: never in the plan nor the state; it reaches the gateway " +
					"in its user-data. To change it, change `client_secret_version` too.",
				Required:   true,
				Sensitive:  true,
				WriteOnly:  true,
				Validators: []validator.String{stringvalidator.LengthBetween(32, 256)},
			},
			"client_secret_version": schema.Int64Attribute{
				MarkdownDescription: "Any number; changing it replaces the gateway with the current `client_secret_access_key` " +
					"(a write-only value cannot be compared with the last one).",
				Optional:      true,
				PlanModifiers: []planmodifier.Int64{int64planmodifier.RequiresReplace()},
			},
			"clients": schema.SetAttribute{
				MarkdownDescription: "The tiers whose machines may connect to the gateway: some of `compute`, `data`, `bastion` " +
					"(default: `compute`). The gateway's own firewall admits these tiers' blocks on `port`, and nothing else; " +
					"the network's rules must let them reach the `data` tier on that port." + replaced,
				Optional:      true,
				Computed:      true,
				ElementType:   types.StringType,
				Validators:    []validator.Set{setvalidator.ValueStringsAre(stringvalidator.OneOf(cloud.TierCompute, cloud.TierData, cloud.TierBastion))},
				PlanModifiers: []planmodifier.Set{replaceSetUnlessAdopting()},
			},
			"port": schema.Int64Attribute{
				MarkdownDescription: "The TCP port the gateway serves HTTPS on: 443 (default), the port the network's rules " +
					"open from `compute` to `data`, or 1024 to 65535 (then open it in the network's rules too)." + replaced,
				Optional:      true,
				Computed:      true,
				Default:       int64default.StaticInt64(defaultGatewayPort),
				Validators:    []validator.Int64{int64validator.Any(int64validator.OneOf(cloud.PortStorage), int64validator.Between(1024, 65535))},
				PlanModifiers: []planmodifier.Int64{int64planmodifier.RequiresReplaceIfConfigured()},
			},
			"rclone": schema.SingleNestedAttribute{
				MarkdownDescription: "The rclone release the gateway runs, and where it comes from. Default: the release the " +
					"provider was tested with (" + gateway.DefaultRcloneVersion + "), from `downloads.rclone.org`, checked against its pinned SHA-256. The distributions' " +
					"own rclone packages are too old for `serve s3` (1.65 and later). Use a mirror of your own inside the " +
					"warehouse's reach, to keep the data tier off the Internet; the network's `egress_allow` must let the `data` " +
					"tier reach it." + replaced,
				Optional: true,
				Computed: true,
				Attributes: map[string]schema.Attribute{
					"version": schema.StringAttribute{MarkdownDescription: "The release, such as `1.71.1`.", Required: true},
					"mirror": schema.StringAttribute{MarkdownDescription: "The URL of the directory holding " +
						"`rclone-v<version>-linux-amd64.zip`, such as `https://downloads.rclone.org/v1.71.1`.", Required: true,
						Validators: []validator.String{mirrorURL{}}},
					"sha256": schema.StringAttribute{MarkdownDescription: "The zip's SHA-256, checked before anything is " +
						"unpacked.", Required: true},
				},
				PlanModifiers: []planmodifier.Object{replaceObjectUnlessAdopting()},
			},
			"package_mirror": schema.SingleNestedAttribute{
				MarkdownDescription: "Where apt takes the gateway's packages from (curl, jq, unzip, nftables, security " +
					"updates). Default: the official archive of `image`, as for `health_warehouse_bastion`." + replaced,
				Optional: true,
				Computed: true,
				Attributes: map[string]schema.Attribute{
					"primary": schema.StringAttribute{MarkdownDescription: "The distribution's archive, such as " +
						"`http://deb.debian.org/debian`.", Required: true, Validators: []validator.String{mirrorURL{}}},
					"security": schema.StringAttribute{MarkdownDescription: "The security archive, such as " +
						"`http://deb.debian.org/debian-security`.", Required: true, Validators: []validator.String{mirrorURL{}}},
				},
				PlanModifiers: []planmodifier.Object{replaceObjectUnlessAdopting()},
			},
			"tags": schema.MapAttribute{
				MarkdownDescription: "Tags on the VM (OUTSCALE). OVHcloud instances have no tags: there they are kept in the " +
					"Terraform state only. Keys `Name` and `health:*` are reserved. Changes in place.",
				Optional:    true,
				ElementType: types.StringType,
				Validators:  []validator.Map{userTagKeys{}},
			},
			"vm_state": schema.StringAttribute{
				MarkdownDescription: "`running` while the gateway serves. Another value read from the cloud (such as `stopped`) " +
					"makes the next apply start it; `terminated` (the VM is gone) makes it replace the gateway.",
				Computed: true,
			},
			"private_ip": schema.StringAttribute{
				MarkdownDescription: "The gateway's address in the `data` tier.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"endpoint": schema.StringAttribute{
				MarkdownDescription: "The S3 endpoint clients use: `https://<private_ip>:<port>`, path-style addressing.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"tls_ca_certificate": schema.StringAttribute{
				MarkdownDescription: "The CA (PEM) of the gateway's TLS certificate: give it to clients as their CA bundle " +
					"(`AWS_CA_BUNDLE`, `--ca-cert`). The provider makes a CA for each gateway, constrained to its name and " +
					"`private_ip`, has it sign the gateway's certificate and forgets its key: nobody, the provider included, " +
					"can make another certificate that the gateway's clients would trust.",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"data_key_object": schema.StringAttribute{
				MarkdownDescription: "Where the gateway keeps its data key, wrapped by the customer key: an object of the bucket, " +
					"by default `" + cloud.WrappedKeyPrefix + "<name>.key`, made at the gateway's first start. Set it to another " +
					"gateway's `data_key_object` on the same bucket to share that gateway's data key (a `read_only` gateway " +
					"serving a workspace what the writer stored; it needs the same `kms_key_id`). Without the key manager the " +
					"object is useless; deleting it makes the objects written under its key unreadable." + replaced,
				Optional:      true,
				Computed:      true,
				Validators:    []validator.String{stringvalidator.RegexMatches(dataKeyObjectPattern, "must be "+cloud.WrappedKeyPrefix+"<name>.key")},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplaceIfConfigured()},
			},
			"read_only": schema.BoolAttribute{
				MarkdownDescription: "Refuse every write (default `false`): a gateway that serves datasets to a research workspace. " +
					"It needs `data_key_object` (the writer's), and never makes a data key. On OUTSCALE its own identity on the " +
					"bucket may only read (the objects under `prefixes` and the wrapped key); on OVHcloud, where it takes the " +
					"bucket's key, rclone's `--read-only` is what refuses writes." + replaced,
				Optional:      true,
				Computed:      true,
				Default:       booldefault.StaticBool(false),
				PlanModifiers: []planmodifier.Bool{boolplanmodifier.RequiresReplace()},
			},
			"prefixes": schema.ListAttribute{
				MarkdownDescription: "Serve only the objects under these prefixes of the bucket (such as `diabetes/`, ending with " +
					"`/`), and nothing else: a workspace's datasets (see `health_warehouse_workspace.data_gateways`). Default: " +
					"the whole bucket. Clients see nothing outside them (rclone's filters); on OUTSCALE the gateway's own identity " +
					"cannot read outside them either." + replaced,
				Optional:    true,
				ElementType: types.StringType,
				Validators: []validator.List{listvalidator.SizeAtLeast(1), listvalidator.UniqueValues(),
					listvalidator.ValueStringsAre(gatewayPrefix{})},
				PlanModifiers: []planmodifier.List{listplanmodifier.RequiresReplace()},
			},
			"user_data_sha256": schema.StringAttribute{
				MarkdownDescription: "SHA-256 of the user-data the gateway was made with (it holds credentials; the hash does " +
					"not reveal them). On OUTSCALE it is read back from the cloud.",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"cloud_ids": schema.MapAttribute{
				MarkdownDescription: "Ids of the gateway's cloud objects: the VM (`vm` on OUTSCALE, `instance` on OVHcloud), " +
					"its key credential (`key_credential`, the OpenBao token's accessor or the OAuth2 client id, and " +
					"`key_credential.policy`) and, on OUTSCALE without `bucket.access_key_id`, its EIM identity (`audit_writer.*`).",
				Computed:      true,
				ElementType:   types.StringType,
				PlanModifiers: []planmodifier.Map{mapUseStateForUnknown()},
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Read: true, Update: true, Delete: true}),
		},
	}
}

func (r *warehouseDataGatewayResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

func (r *warehouseDataGatewayResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
}

func (r *warehouseDataGatewayResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return // destroy
	}
	var plan, cfg dataGatewayModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var state *dataGatewayModel
	if !req.State.Raw.IsNull() {
		state = &dataGatewayModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, state)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	if plan.Clients.IsUnknown() && cfg.Clients.IsNull() {
		plan.Clients = stringSetValue(defaultGatewayClients)
	}
	if r.data != nil && !plan.Size.IsUnknown() {
		plan.VMType = types.StringValue(cloud.BastionType(r.data.cloud.Name(), plan.Size.ValueString()))
	}
	if plan.Rclone.IsUnknown() && cfg.Rclone.IsNull() {
		if state != nil && !state.Rclone.IsNull() {
			plan.Rclone = state.Rclone
		} else {
			plan.Rclone = defaultRclone().value()
		}
	}
	var stateMirror *types.Object
	if state != nil {
		stateMirror = &state.PackageMirror
	}
	plan.PackageMirror, _ = plannedPackageMirror(cfg.PackageMirror, stateMirror, plan.Image)
	if !plan.Name.IsUnknown() && cfg.DataKeyObject.IsNull() {
		plan.DataKeyObject = types.StringValue(dataKeyObject(plan.Name.ValueString()))
	}
	if plan.ReadOnly.ValueBool() && cfg.DataKeyObject.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("data_key_object"), "Missing Data Key Object",
			"data_key_object: read_only = true makes no data key: give the data_key_object of the gateway that writes the "+
				"bucket, such as health_warehouse_data_gateway.<writer>.data_key_object.")
	}
	r.planBucketIdentity(&plan, cfg, state, resp)
	if state == nil {
		plan.VMState = types.StringValue(vmStateRunning)
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return
	}
	ids := stringMap(state.CloudIDs)
	switch {
	case state.VMState.ValueString() == vmStateTerminated:
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("vm_state"))
	case state.VMState.ValueString() != "" && ids[cloud.KeyCredentialID] == "" && !state.KMSKeyID.IsNull():
		// The credential was revoked or narrowed outside Terraform.
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("cloud_ids"))
		plan.CloudIDs = types.MapUnknown(types.StringType)
	}
	plan.VMState = types.StringValue(vmStateRunning)
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// planBucketIdentity plans the gateway's own EIM identity on the bucket:
// asked for where bucket gives no key, on OUTSCALE only; one broken
// outside Terraform, or a switch between a given key and the gateway's
// own, replaces the gateway.
func (r *warehouseDataGatewayResource) planBucketIdentity(plan *dataGatewayModel, cfg dataGatewayModel, state *dataGatewayModel, resp *resource.ModifyPlanResponse) {
	b := gatewayBucketOf(cfg.Bucket)
	if b == nil || b.AccessKeyID.IsUnknown() {
		return
	}
	dedicated := b.AccessKeyID.IsNull()
	if dedicated && r.data != nil && r.data.cloud.Name() != cloud.Outscale {
		resp.Diagnostics.AddAttributeError(path.Root("bucket").AtName("access_key_id"), "Missing Bucket Key",
			"bucket.access_key_id: the provider makes the gateway its own identity on OUTSCALE only. On OVHcloud, give the "+
				"bucket's own key: access_key_id from health_warehouse_storage.<bucket>.access_key_id and secret_access_key "+
				"from the health_warehouse_storage_credentials ephemeral resource.")
		return
	}
	if !dedicated && b.SecretAccessKey.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("bucket").AtName("secret_access_key"), "Access Key Without Its Secret",
			"bucket: give access_key_id and secret_access_key together, or neither (on OUTSCALE the provider then makes the "+
				"gateway its own identity).")
		return
	}
	if state == nil || state.VMState.ValueString() == "" || state.Bucket.IsNull() {
		return
	}
	w, had := cloud.AuditWriterOf(stringMap(state.CloudIDs))
	if (dedicated && (!had || w.AccessKeyID == "")) || (!dedicated && had) {
		p := gatewayBucketOf(plan.Bucket)
		if dedicated {
			p.AccessKeyID = types.StringUnknown()
		}
		plan.Bucket = p.value()
		plan.CloudIDs = types.MapUnknown(types.StringType)
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("bucket"))
	}
}

func (r *warehouseDataGatewayResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	if r.data == nil {
		resp.Diagnostics.Append(notConfigured())
		return
	}
	var plan, cfg dataGatewayModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...) // write-only values live in the configuration only
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, gatewayCreateTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	c := r.data.cloud
	n, err := c.ReadNetwork(ctx, cloud.Network{ID: plan.NetworkID.ValueString()})
	if err != nil {
		if errors.Is(err, cloud.ErrNotFound) {
			resp.Diagnostics.AddAttributeError(path.Root("network_id"), "Warehouse Network Not Found",
				fmt.Sprintf("network_id %q names no network in %s: %s.", plan.NetworkID.ValueString(), cloud.Title(c.Name()), err))
			return
		}
		resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Read the Warehouse Network "+plan.NetworkID.ValueString(), err))
		return
	}
	key, err := c.ReadKey(ctx, cloud.Key{ID: plan.KMSKeyID.ValueString()})
	switch {
	case errors.Is(err, cloud.ErrNotFound):
		resp.Diagnostics.AddAttributeError(path.Root("kms_key_id"), "Key Not Found",
			fmt.Sprintf("kms_key_id %q names no key of the key manager: %s.", plan.KMSKeyID.ValueString(), err))
		return
	case err != nil:
		resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Read the Key "+plan.KMSKeyID.ValueString(), err))
		return
	case !key.Enabled:
		resp.Diagnostics.AddAttributeError(path.Root("kms_key_id"), "Key Disabled",
			fmt.Sprintf("kms_key_id %q names a key whose current version cannot be used (%s): the gateway could not make "+
				"its data key. Enable the key first.", plan.KMSKeyID.ValueString(), stringOrWord(key.State, "disabled")))
		return
	}
	image, err := c.ResolveImage(ctx, plan.Image.ValueString())
	if err != nil {
		resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Find the Gateway's Image", err))
		return
	}
	made := newGatewayIdentities(c)
	defer made.cleanUpUnlessKept(ctx, &resp.Diagnostics)
	prefixes, _ := knownStrings(plan.Prefixes)

	// The bucket: the user's key, or the gateway's own identity (OUTSCALE).
	b := gatewayBucketOf(cfg.Bucket)
	endpoint, region := c.AuditStorage()
	planned := gatewayBucket{Name: b.Name, Endpoint: b.Endpoint, Region: b.Region, AccessKeyID: b.AccessKeyID}
	secret := b.SecretAccessKey.ValueString()
	if b.AccessKeyID.IsNull() {
		spec := cloud.AuditWriterSpec{Name: plan.Name.ValueString(), Bucket: b.Name.ValueString(), Access: cloud.AccessReadWrite}
		if plan.ReadOnly.ValueBool() {
			spec.Access, spec.Prefixes, spec.KeyObject = cloud.AccessReadOnly, prefixes, plan.DataKeyObject.ValueString()
		}
		w, err := c.CreateAuditWriter(ctx, spec)
		made.writer = &w
		if err != nil {
			resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Create the Gateway's Bucket Identity", err))
			return
		}
		planned.AccessKeyID, secret = types.StringValue(w.AccessKeyID), w.SecretAccessKey
	}
	if planned.Endpoint.IsNull() || planned.Endpoint.IsUnknown() {
		planned.Endpoint = types.StringValue(endpoint)
	}
	if planned.Region.IsNull() || planned.Region.IsUnknown() {
		planned.Region = types.StringValue(region)
	}
	plan.Bucket = planned.value()

	cred, err := c.IssueKeyCredential(ctx, cloud.KeyCredentialSpec{Name: plan.Name.ValueString() + "-gateway", Key: key})
	made.credential = &cred
	if err != nil {
		resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Issue the Gateway's Key Credential", err))
		return
	}
	address, err := c.DataGatewayAddress(ctx, n)
	if err != nil {
		resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Find an Address for the Gateway", err))
		return
	}
	rc, _ := rcloneOf(plan.Rclone)
	in := gatewayInput{
		Name: plan.Name.ValueString(), Cloud: c.Name(), Network: n, PrivateIP: address, Clients: stringsOfSet(plan.Clients),
		Port: int(plan.Port.ValueInt64()), Bucket: planned.Name.ValueString(), Endpoint: planned.Endpoint.ValueString(),
		Region: planned.Region.ValueString(), AccessKeyID: planned.AccessKeyID.ValueString(), SecretAccessKey: secret,
		Key: key, Credential: cred, ClientAccessKeyID: plan.ClientAccessKeyID.ValueString(),
		ClientSecretAccessKey: cfg.ClientSecretAccessKey.ValueString(), Rclone: rc,
		PackageMirror: packageMirrorOf(plan.PackageMirror), Prefixes: prefixes, ReadOnly: plan.ReadOnly.ValueBool(),
		DataKeyObject: plan.DataKeyObject.ValueString(),
	}
	rendered, err := renderGateway(in)
	if err != nil {
		resp.Diagnostics.AddError("Unable to Render the Gateway's Configuration", err.Error())
		return
	}
	vmType := cloud.BastionType(c.Name(), plan.Size.ValueString())
	g, err := c.CreateDataGateway(ctx, cloud.DataGatewaySpec{Name: plan.Name.ValueString(), Network: n, Type: vmType,
		ImageID: image.ID, UserData: rendered.UserData, PrivateIP: address, Tags: stringMap(plan.Tags), ClientToken: newClientToken()})
	plan.TLSCACertificate = types.StringValue(rendered.CACertificate)
	plan.UserDataSHA256 = types.StringValue(bastion.SHA256(rendered.UserData))
	plan.ImageID, plan.VMType = types.StringValue(image.ID), types.StringValue(vmType)
	ids := cred.IDs()
	if made.writer != nil {
		for k, v := range made.writer.IDs() {
			ids[k] = v
		}
	}
	plan.CloudIDs = stringMapValue(ids)
	if err != nil {
		resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Create the Warehouse Data Gateway", err))
		if g.ID == "" && len(g.CloudIDs) == 0 {
			return // nothing of the VM: the identities go (deferred)
		}
		made.keep()
		resp.Diagnostics.AddWarning("Partially Created Warehouse Data Gateway",
			"Cloud objects were made before the failure. They are recorded in the state, which marks the gateway tainted: "+
				"the next apply replaces it, and terraform destroy removes them.")
		plan.setFromCloud(g)
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		return
	}
	made.keep()
	plan.setFromCloud(g)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// gatewayIdentities are the identities a create made, removed if the
// create fails before a VM holds them.
type gatewayIdentities struct {
	c          cloud.Cloud
	writer     *cloud.AuditWriter
	credential *cloud.KeyCredential
	kept       bool
}

func newGatewayIdentities(c cloud.Cloud) *gatewayIdentities { return &gatewayIdentities{c: c} }

func (g *gatewayIdentities) keep() { g.kept = true }

func (g *gatewayIdentities) cleanUpUnlessKept(ctx context.Context, diags interface{ AddWarning(string, string) }) {
	if g.kept {
		return
	}
	if g.credential != nil {
		if _, made := cloud.KeyCredentialOf(g.credential.IDs(), ""); made {
			if err := g.c.RevokeKeyCredential(ctx, *g.credential); err != nil {
				diags.AddWarning("Key Credential Left Behind", fmt.Sprintf("Revoking the gateway's key credential %s failed: "+
					"%s. Revoke it by hand.", g.credential.ID, err))
			}
		}
	}
	if g.writer != nil {
		if _, made := cloud.AuditWriterOf(g.writer.IDs()); made {
			if err := g.c.DeleteAuditWriter(ctx, *g.writer); err != nil {
				diags.AddWarning("Bucket Identity Left Behind", fmt.Sprintf("Removing the gateway's identity %s failed: %s. "+
					"Delete the EIM user and its policy by hand.", g.writer.UserName, err))
			}
		}
	}
}

func (r *warehouseDataGatewayResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	if r.data == nil {
		resp.Diagnostics.Append(notConfigured())
		return
	}
	var state dataGatewayModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := state.Timeouts.Read(ctx, gatewayReadTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	c := r.data.cloud
	g, err := c.ReadDataGateway(ctx, state.ref())
	ids := stringMap(state.CloudIDs)
	_, hasCred := cloud.KeyCredentialOf(ids, "")
	_, hasWriter := cloud.AuditWriterOf(ids)
	switch {
	case errors.Is(err, cloud.ErrNotFound) && !hasCred && !hasWriter:
		resp.Diagnostics.AddWarning("Warehouse Data Gateway Gone",
			fmt.Sprintf("The gateway %s no longer exists in the cloud; it was removed from the state and the next apply "+
				"creates it again.", state.ID.ValueString()))
		resp.State.RemoveResource(ctx)
		return
	case errors.Is(err, cloud.ErrNotFound):
		resp.Diagnostics.AddWarning("Warehouse Data Gateway VM Gone",
			fmt.Sprintf("The VM of the gateway %s no longer exists; its credentials remain. The next apply replaces the "+
				"gateway and revokes them.", state.ID.ValueString()))
		state.VMState = types.StringValue(vmStateTerminated)
		resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
		return
	case err != nil:
		resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Read the Warehouse Data Gateway "+state.ID.ValueString(), err))
		return
	}
	state.setFromCloud(g)
	if c.Name() == cloud.Outscale || !state.Tags.IsNull() {
		if len(g.Tags) > 0 || !state.Tags.IsNull() {
			state.Tags = stringMapValue(g.Tags)
		}
	}
	if g.NetworkID != "" {
		state.NetworkID = types.StringValue(g.NetworkID)
	}
	if state.Name.IsNull() && g.Name != "" {
		state.Name = types.StringValue(g.Name)
		state.DataKeyObject = types.StringValue(dataKeyObject(g.Name))
	}
	ids = stringMap(state.CloudIDs)
	if cred, ok := cloud.KeyCredentialOf(ids, state.KMSKeyID.ValueString()); ok && cred.ID != "" {
		_, err := c.ReadKeyCredential(ctx, cred)
		switch {
		case errors.Is(err, cloud.ErrNotFound):
			resp.Diagnostics.AddWarning("Gateway's Key Credential Broken",
				fmt.Sprintf("The gateway %s's right to its key is gone or no longer what the provider gave: %s. The next "+
					"apply replaces the gateway, with a new credential.", state.ID.ValueString(), err))
			delete(ids, cloud.KeyCredentialID)
		case err != nil:
			resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Read the Gateway's Key Credential", err))
			return
		}
	}
	if w, ok := cloud.AuditWriterOf(ids); ok && w.AccessKeyID != "" {
		_, err := c.ReadAuditWriter(ctx, w)
		switch {
		case errors.Is(err, cloud.ErrNotFound):
			resp.Diagnostics.AddWarning("Gateway's Bucket Identity Broken",
				fmt.Sprintf("The gateway %s can no longer reach its bucket: %s. The next apply replaces the gateway, with a "+
					"new identity.", state.ID.ValueString(), err))
			delete(ids, cloud.AuditWriterAccessKey)
		case err != nil:
			resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Read the Gateway's Bucket Identity "+w.UserName, err))
			return
		}
	}
	state.CloudIDs = stringMapValue(ids)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *warehouseDataGatewayResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	if r.data == nil {
		resp.Diagnostics.Append(notConfigured())
		return
	}
	var plan, state dataGatewayModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Update(ctx, gatewayUpdateTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	c := r.data.cloud
	g, err := c.UpdateDataGatewayTags(ctx, state.ref(), plan.Name.ValueString(), stringMap(plan.Tags))
	if err != nil {
		resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Update the Gateway's Tags", err))
		return
	}
	if !g.Running {
		if g, err = c.RepairDataGateway(ctx, g); err != nil {
			resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Start the Gateway Again", err))
			return
		}
	}
	plan.CloudIDs = state.CloudIDs
	plan.setFromCloud(g)
	if c.Name() == cloud.OVH {
		g.Tags = stringMap(plan.Tags)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *warehouseDataGatewayResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	if r.data == nil {
		resp.Diagnostics.Append(notConfigured())
		return
	}
	var state dataGatewayModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := state.Timeouts.Delete(ctx, gatewayDeleteTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	c := r.data.cloud
	if err := c.DeleteDataGateway(ctx, state.ref()); err != nil {
		resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Delete the Warehouse Data Gateway "+state.ID.ValueString(), err))
		return
	}
	ids := stringMap(state.CloudIDs)
	if cred, ok := cloud.KeyCredentialOf(ids, state.KMSKeyID.ValueString()); ok {
		if err := c.RevokeKeyCredential(ctx, cred); err != nil {
			resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Revoke the Gateway's Key Credential", err))
			return
		}
	}
	if w, ok := cloud.AuditWriterOf(ids); ok {
		if err := c.DeleteAuditWriter(ctx, w); err != nil {
			resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Delete the Gateway's Bucket Identity", err))
			return
		}
	}
}

// dataKeyObject is where a gateway keeps its wrapped data key in its bucket.
func dataKeyObject(name string) string { return cloud.WrappedKeyPrefix + name + ".key" }

// stringOrWord is s, or word when s is empty.
func stringOrWord(s, word string) string {
	if s == "" {
		return word
	}
	return s
}
