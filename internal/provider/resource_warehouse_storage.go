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
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/objectdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/objectplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/compliance"
)

var (
	_ resource.ResourceWithConfigure      = (*warehouseStorageResource)(nil)
	_ resource.ResourceWithImportState    = (*warehouseStorageResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*warehouseStorageResource)(nil)
	_ resource.ResourceWithValidateConfig = (*warehouseStorageResource)(nil)
)

// NewWarehouseStorageResource returns the health_warehouse_storage resource.
func NewWarehouseStorageResource() resource.Resource { return &warehouseStorageResource{} }

// warehouseStorageResource is one private, versioned, encrypted S3 bucket of
// the warehouse, with the access policy the provider writes for it.
type warehouseStorageResource struct {
	data *providerData
}

// Default timeouts. A forced deletion lists and deletes every version, and
// reads the retention of each when the bucket has object lock.
const (
	storageCreateTimeout = 10 * time.Minute
	storageReadTimeout   = 5 * time.Minute
	storageUpdateTimeout = 10 * time.Minute
	storageDeleteTimeout = 60 * time.Minute
)

// maxUserTags leaves room, within S3's 50 tags, for the provider's own.
const maxUserTags = 48

func (r *warehouseStorageResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_warehouse_storage"
}

func (r *warehouseStorageResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	days := func(what string) schema.Int64Attribute {
		return schema.Int64Attribute{MarkdownDescription: what, Optional: true,
			Validators: []validator.Int64{int64validator.Between(1, cloud.MaxRetentionDays)}}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "An object storage bucket of the warehouse: private, versioned, encrypted at rest, with an " +
			"access policy the provider writes and shows at plan time. It replaces an Azure Storage account holding " +
			"research data (customer-managed key, versioning and soft delete, immutability policies, no public access, " +
			"private endpoint, minimum TLS version).\n\n" +
			"Both clouds' object storage speaks S3; they differ in what the bucket itself can enforce, and the " +
			"provider never claims more than the cloud does. **On OUTSCALE** (OOS), the bucket policy denies ACL " +
			"changes; OOS bucket policies take no conditions, so TLS-only access, source addresses and SSE-C cannot be " +
			"required by the bucket, object lock has the COMPLIANCE mode only, and OOS authenticates with the account's " +
			"own access keys. **On OVHcloud**, which has no bucket policies, the provider makes one user per bucket, " +
			"owner of the bucket, and writes the rules in that user's S3 policy: access to this bucket only, no ACL " +
			"changes, TLS only, `allowed_source_ips` for object calls, and, with `encryption.mode = \"customer-key\"`, " +
			"a deny of writes without SSE-C (a condition OVHcloud does not document: unverified that it is enforced). " +
			"Its key is read with the `health_warehouse_storage_credentials` ephemeral " +
			"resource, never stored in state.\n\n" +
			"Deleting the bucket refuses to lose data: a bucket that holds objects is deleted only with " +
			"`force_destroy = true`, and object lock is always honoured (nothing is deleted while any version is locked).",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The bucket's name. Use it to import the bucket.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The bucket's name, unique in the region across every account: 3 to 63 lowercase " +
					"letters, digits, dots and hyphens, beginning and ending with a letter or digit, not shaped like an IP " +
					"address, without the prefixes (`xn--`, `sthree-`) and suffixes (`-s3alias`, `--ol-s3`) S3 reserves. " +
					"Changing it replaces the bucket.",
				Required:      true,
				Validators:    []validator.String{bucketName{}},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"versioning": schema.BoolAttribute{
				MarkdownDescription: "Keep every version of every object, so that an overwrite or a delete can be undone " +
					"(Azure's versioning and soft delete). Default `true`. Setting it to `false` suspends versioning: " +
					"versions already kept stay. Must stay `true` with `object_lock`.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
			},
			"object_lock": schema.SingleNestedAttribute{
				MarkdownDescription: "Make objects immutable for a while after they are written (WORM), as audit data " +
					"needs (Azure's immutability policies). Object lock can only be turned on when the bucket is created: " +
					"adding or removing this block replaces the bucket. The mode and duration change in place, for objects " +
					"written afterwards.",
				Optional: true,
				Attributes: map[string]schema.Attribute{
					"mode": schema.StringAttribute{
						MarkdownDescription: "`COMPLIANCE`: no one, the account's administrators included, can delete or " +
							"overwrite a version before its retention ends. `GOVERNANCE`: users with a special permission " +
							"can; OVHcloud only (OUTSCALE supports COMPLIANCE alone). The provider never bypasses either.",
						Required:   true,
						Validators: []validator.String{stringvalidator.OneOf(cloud.LockModes...)},
					},
					"retention_days": schema.Int64Attribute{
						MarkdownDescription: fmt.Sprintf("How long each version stays locked after it is written, in days "+
							"(%d to %d).", cloud.MinRetentionDays, cloud.MaxRetentionDays),
						Required:   true,
						Validators: []validator.Int64{int64validator.Between(cloud.MinRetentionDays, cloud.MaxRetentionDays)},
					},
				},
				PlanModifiers: []planmodifier.Object{objectplanmodifier.RequiresReplaceIf(objectLockToggled,
					"Object lock can only be enabled when a bucket is created, and never disabled.",
					"Object lock can only be enabled when a bucket is created, and never disabled.")},
			},
			"lifecycle_rules": schema.ListNestedAttribute{
				MarkdownDescription: "Rules that expire old object versions and abandoned multipart uploads, applied by " +
					"the cloud in the background (with some delay). Leave it out for no rule.",
				Optional: true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id": schema.StringAttribute{
						MarkdownDescription: "The rule's name, unique in the bucket, up to 255 characters.",
						Required:            true,
						Validators:          []validator.String{stringvalidator.LengthBetween(1, 255)},
					},
					"noncurrent_version_expiration_days": days("Delete a version this many days after a newer one " +
						"replaced it (with versioning)."),
					"abort_incomplete_upload_days": days("Abort a multipart upload left incomplete this many days after it started."),
				}},
				Validators: []validator.List{listvalidator.SizeAtMost(100)},
			},
			"encryption": schema.SingleNestedAttribute{
				MarkdownDescription: "How objects are encrypted at rest. Every bucket gets server-side AES256 encryption " +
					"as its default, with the cloud's keys (OVHcloud's SSE-OMK, OUTSCALE's AES256): neither cloud binds a " +
					"bucket to a customer's KMS key. With `mode = \"customer-key\"`, the data path (a " +
					"`health_warehouse_data_gateway`, or a pipeline of yours doing the same) encrypts each " +
					"object with a data key sent as SSE-C, wrapped by the `health_warehouse_kms_key` named in " +
					"`kms_key_id` (envelope encryption); the bucket records that key id (tag `health:kms-key-id`), and " +
					"on OVHcloud its policy denies writes (and multipart uploads) without SSE-C headers, by a condition " +
					"OVHcloud does not document, so unverified that the real service enforces it. OUTSCALE cannot refuse " +
					"them (no policy conditions): there the pipeline alone guarantees it, and SSE-C support on OOS is " +
					"unverified. The compliance report checks what was written: HW-ENC-02 samples the newest objects. " +
					"Default: `{ mode = \"provider-managed\" }`.",
				Optional: true,
				Computed: true,
				Default:  objectdefault.StaticValue(defaultEncryption),
				Attributes: map[string]schema.Attribute{
					"mode": schema.StringAttribute{
						MarkdownDescription: "`provider-managed` (server-side AES256 with the cloud's keys) or " +
							"`customer-key` (the same, plus SSE-C objects whose keys `kms_key_id` wraps).",
						Required:   true,
						Validators: []validator.String{stringvalidator.OneOf(cloud.EncryptionModes...)},
					},
					"kms_key_id": schema.StringAttribute{
						MarkdownDescription: "The id of the `health_warehouse_kms_key` that wraps the objects' keys, with " +
							"`customer-key` only.",
						Optional:   true,
						Validators: []validator.String{stringvalidator.LengthBetween(1, 256)},
					},
				},
			},
			"zone": schema.StringAttribute{
				MarkdownDescription: "The data zone the bucket holds: `raw`, `pseudonymised`, `results`, `audit`, or " +
					"`workspace` (a research workspace's working files or airlock buckets). " +
					"Recorded as the tag `health:zone`; compliance checks use it (raw and pseudonymised data need a " +
					"customer key, audit data object lock).",
				Optional:   true,
				Validators: []validator.String{stringvalidator.OneOf(cloud.Zones...)},
			},
			"allowed_source_ips": schema.SetAttribute{
				MarkdownDescription: "Addresses or CIDR blocks the bucket's objects may be read, written and listed from: " +
					"the warehouse network's `egress_ips`. OVHcloud only, where the bucket's user policy denies object calls " +
					"from anywhere else (configuration calls stay open, so that Terraform can manage the bucket from your " +
					"machine; a forced deletion must run from an allowed address). OUTSCALE's bucket policies take no " +
					"conditions: there the warehouse reaches OOS through the network's Net access point, and this " +
					"attribute is refused.",
				Optional:    true,
				ElementType: types.StringType,
				Validators:  []validator.Set{setvalidator.ValueStringsAre(sourceIP{}), setvalidator.SizeAtMost(100)},
			},
			"access_logs": schema.SingleNestedAttribute{
				MarkdownDescription: "Server access logging: the object storage writes a record of every request made on " +
					"this bucket (who, when, from where, which operation on which object, the answer), in the S3 server " +
					"access log format, as objects of another bucket of the same account (OVHcloud: project) and region, " +
					"such as the warehouse's audit bucket. Records arrive late and in batches (S3 says within a few hours, " +
					"best effort). OVHcloud documents server access logging; OUTSCALE's documentation found so far does " +
					"not mention it (unverified on OOS). A change made outside Terraform shows in the next plan, which " +
					"restores it. Leave it out for no logging.",
				Optional: true,
				Attributes: map[string]schema.Attribute{
					"bucket": schema.StringAttribute{
						MarkdownDescription: "The bucket the records go to; it must exist (make it first).",
						Required:            true,
						Validators:          []validator.String{bucketName{}},
					},
					"prefix": schema.StringAttribute{
						MarkdownDescription: "The key prefix of the log objects, such as `access-logs/raw/`. Default: none.",
						Optional:            true,
						Computed:            true,
						Default:             stringdefault.StaticString(""),
						Validators:          []validator.String{stringvalidator.LengthAtMost(512)},
					},
				},
			},
			"tags": schema.MapAttribute{
				MarkdownDescription: fmt.Sprintf("Tags of the bucket, at most %d; keys up to 128 characters, values up to "+
					"256. Keys `Name` and `health:*` are reserved.", maxUserTags),
				Optional:    true,
				ElementType: types.StringType,
				Validators:  []validator.Map{userTagKeys{}},
			},
			"force_destroy": schema.BoolAttribute{
				MarkdownDescription: "Delete every object version and delete marker with the bucket. Default `false`: " +
					"deleting a bucket that holds data fails. Object lock is honoured even so: while any version is " +
					"locked, nothing is deleted and the deletion fails, saying how many versions are locked and until when.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
			},
			"region": schema.StringAttribute{
				MarkdownDescription: "The region the bucket is in: the provider's region.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"endpoint": schema.StringAttribute{
				MarkdownDescription: "The S3 endpoint of the bucket (path style): `https://oos.<region>.outscale.com` " +
					"or `https://s3.<region>.io.cloud.ovh.net`, unless the provider's `storage_endpoint` says otherwise.",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"arn": schema.StringAttribute{
				MarkdownDescription: "The name S3 policies give the bucket, `arn:aws:s3:::<name>`.",
				Computed:            true,
			},
			"object_lock_enabled": schema.BoolAttribute{
				MarkdownDescription: "Whether the bucket was made with object lock.",
				Computed:            true,
			},
			"server_side_encryption": schema.StringAttribute{
				MarkdownDescription: "The bucket's default encryption as the cloud reports it: `AES256`. Removed outside " +
					"Terraform, it shows as a change in the next plan, which restores it.",
				Computed: true,
			},
			"wrapping_key_id": schema.StringAttribute{
				MarkdownDescription: "The KMS key id the bucket records as the wrapping key of its objects' keys " +
					"(`customer-key` only).",
				Computed: true,
			},
			"policy_json": schema.StringAttribute{
				MarkdownDescription: "The access policy the provider writes, known at plan time so that reviewers see it: " +
					"a bucket policy on OUTSCALE, the S3 policy of the bucket's user on OVHcloud (see `policy_kind`). A " +
					"change made outside Terraform shows as a change in the next plan, which restores it.",
				Computed: true,
			},
			"policy_kind": schema.StringAttribute{
				MarkdownDescription: "`bucket-policy` (OUTSCALE) or `user-policy` (OVHcloud, which has no bucket policies).",
				Computed:            true,
			},
			"access_key_id": schema.StringAttribute{
				MarkdownDescription: "The access key id of the bucket's own S3 key (OVHcloud). Its secret is never in the " +
					"state: read it with the `health_warehouse_storage_credentials` ephemeral resource. Empty on OUTSCALE, " +
					"whose object storage takes the account's own keys.",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"cloud_ids": schema.MapAttribute{
				MarkdownDescription: "Ids of the cloud objects made for the bucket: on OVHcloud `user` (the bucket's " +
					"Public Cloud user) and `access_key`; none on OUTSCALE.",
				Computed:      true,
				ElementType:   types.StringType,
				PlanModifiers: []planmodifier.Map{mapplanmodifier.UseStateForUnknown()},
			},
			"compliance_exceptions": complianceExceptionsAttribute(),
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Read: true, Update: true, Delete: true}),
		},
	}
}

// objectLockToggled: object lock turned on or off replaces the bucket.
func objectLockToggled(ctx context.Context, req planmodifier.ObjectRequest, resp *objectplanmodifier.RequiresReplaceIfFuncResponse) {
	if req.PlanValue.IsUnknown() {
		return
	}
	var enabled types.Bool
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("object_lock_enabled"), &enabled)...)
	resp.RequiresReplace = !enabled.IsNull() && !enabled.IsUnknown() && enabled.ValueBool() != !req.PlanValue.IsNull()
}

func (r *warehouseStorageResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig checks what needs several attributes at once.
func (r *warehouseStorageResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var cfg storageModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	validateExceptions(compliance.KindStorage, cfg.ComplianceExceptions, &resp.Diagnostics)
	if mode, key, known := encryptionSettings(cfg.Encryption); known {
		switch {
		case mode == cloud.EncryptionCustomerKey && key == "":
			resp.Diagnostics.AddAttributeError(path.Root("encryption").AtName("kms_key_id"), "Missing KMS Key",
				`encryption.kms_key_id: mode = "customer-key" needs the id of the health_warehouse_kms_key that wraps the `+
					"objects' keys, such as health_warehouse_kms_key.raw.id.")
		case mode == cloud.EncryptionProviderManaged && key != "":
			resp.Diagnostics.AddAttributeError(path.Root("encryption").AtName("kms_key_id"), "KMS Key Without Customer Key",
				fmt.Sprintf(`encryption.kms_key_id: %q is set but mode is "provider-managed", which uses the cloud's keys. `+
					`Set mode = "customer-key", or remove kms_key_id.`, key))
		}
	}
	if !cfg.ObjectLock.IsNull() && !cfg.Versioning.IsNull() && !cfg.Versioning.IsUnknown() && !cfg.Versioning.ValueBool() {
		resp.Diagnostics.AddAttributeError(path.Root("versioning"), "Versioning Required by Object Lock",
			"versioning = false cannot go with object_lock: object lock protects versions, and S3 refuses to suspend "+
				"versioning on a bucket with object lock. Remove versioning or set it to true.")
	}
	if !cfg.Lifecycle.IsUnknown() {
		seen := map[string]bool{}
		for i, rule := range lifecycleRules(cfg.Lifecycle) {
			at := path.Root("lifecycle_rules").AtListIndex(i)
			if rule.NoncurrentVersionExpirationDays == 0 && rule.AbortIncompleteUploadDays == 0 && !lifecycleUnknown(cfg.Lifecycle, i) {
				resp.Diagnostics.AddAttributeError(at, "Lifecycle Rule Without Action",
					fmt.Sprintf("lifecycle_rules[%d] (%q) sets no action: give noncurrent_version_expiration_days, "+
						"abort_incomplete_upload_days or both.", i, rule.ID))
			}
			if rule.ID != "" && seen[rule.ID] {
				resp.Diagnostics.AddAttributeError(at.AtName("id"), "Duplicate Lifecycle Rule",
					fmt.Sprintf("lifecycle_rules[%d].id: %q names two rules; S3 wants unique rule ids.", i, rule.ID))
			}
			seen[rule.ID] = true
		}
	}
	if !cfg.Tags.IsNull() && !cfg.Tags.IsUnknown() {
		if n := len(cfg.Tags.Elements()); n > maxUserTags {
			resp.Diagnostics.AddAttributeError(path.Root("tags"), "Too Many Tags",
				fmt.Sprintf("tags: %d tags; a bucket takes at most %d besides the provider's own (S3 allows 50).", n, maxUserTags))
		}
		for k := range cfg.Tags.Elements() {
			if len(k) > 128 {
				resp.Diagnostics.AddAttributeError(path.Root("tags").AtMapKey(k), "Invalid Tag Key",
					fmt.Sprintf("tags: the key %q is %d characters long; S3 takes at most 128.", k, len(k)))
			}
		}
	}
}

// lifecycleUnknown reports whether rule i of a configuration holds values
// known only at apply time.
func lifecycleUnknown(v types.List, i int) bool {
	elems := v.Elements()
	if i >= len(elems) {
		return false
	}
	o, ok := elems[i].(types.Object)
	if !ok || o.IsUnknown() {
		return true
	}
	for _, a := range o.Attributes() {
		if a.IsUnknown() {
			return true
		}
	}
	return false
}

// ModifyPlan shows at plan time the policy, the region and what the cloud
// will report, and refuses what the cloud cannot enforce.
func (r *warehouseStorageResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return // destroy
	}
	var plan storageModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !plan.Name.IsUnknown() {
		plan.ARN = types.StringValue(cloud.BucketARN(plan.Name.ValueString()))
	} else {
		plan.ARN = types.StringUnknown()
	}
	if plan.ObjectLock.IsUnknown() {
		plan.ObjectLockEnabled = types.BoolUnknown()
	} else {
		plan.ObjectLockEnabled = types.BoolValue(!plan.ObjectLock.IsNull())
	}
	plan.ServerSideEncryption = types.StringValue(cloud.SSEAlgorithm)
	mode, key, encKnown := encryptionSettings(plan.Encryption)
	switch {
	case !encKnown:
		plan.WrappingKeyID = types.StringUnknown()
	case mode == cloud.EncryptionCustomerKey && key != "":
		plan.WrappingKeyID = types.StringValue(key)
	default:
		plan.WrappingKeyID = types.StringNull()
	}
	plan.PolicyJSON, plan.PolicyKind = types.StringUnknown(), types.StringUnknown()

	if r.data != nil {
		name := r.data.cloud.Name()
		plan.Region = types.StringValue(r.data.cloud.Region())
		r.cloudChecks(name, plan, &resp.Diagnostics)
		_, ipsKnown := knownStrings(plan.AllowedSourceIPs)
		if !plan.Name.IsUnknown() && ipsKnown && encKnown && !resp.Diagnostics.HasError() {
			doc, kind, err := cloud.RenderAccessPolicy(name, plan.spec())
			if err == nil {
				plan.PolicyJSON, plan.PolicyKind = types.StringValue(doc), types.StringValue(kind)
			}
		}
		if !resp.Diagnostics.HasError() {
			enforceCompliance(ctx, r.data, bucketSubject(plan), exceptionsFrom(plan.ComplianceExceptions), &resp.Diagnostics)
		}
		if !req.State.Raw.IsNull() {
			var state storageModel
			resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
			if !state.Region.IsNull() && state.Region.ValueString() != plan.Region.ValueString() {
				resp.RequiresReplace = append(resp.RequiresReplace, path.Root("region"))
			}
		}
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// bucketSubject is what the compliance controls see of a planned bucket.
func bucketSubject(plan storageModel) compliance.Subject {
	b := &compliance.BucketFacts{Zone: plan.Zone.ValueString(), Versioning: "Suspended",
		Policy: plan.PolicyJSON.ValueString(), PolicyKind: plan.PolicyKind.ValueString()}
	s := compliance.Subject{Kind: compliance.KindStorage, Name: plan.Name.ValueString(), Bucket: b}
	if plan.Versioning.ValueBool() {
		b.Versioning = "Enabled"
	}
	if mode, key, known := encryptionSettings(plan.Encryption); known {
		b.Encryption, b.KMSKeyID = mode, key
	} else {
		s.Unknown = append(s.Unknown, "encryption")
	}
	if lock := objectLockSetting(plan.ObjectLock); lock != nil {
		b.ObjectLockMode, b.ObjectLockDays = lock.Mode, lock.RetentionDays
	}
	for attr, v := range map[string]interface{ IsUnknown() bool }{"zone": plan.Zone, "versioning": plan.Versioning,
		"object_lock": plan.ObjectLock, "policy": plan.PolicyJSON} {
		if v.IsUnknown() {
			s.Unknown = append(s.Unknown, attr)
		}
	}
	return s
}

// cloudChecks refuses, at plan time, what the cloud cannot do, and warns
// where the client alone carries a duty.
func (r *warehouseStorageResource) cloudChecks(cloudName string, plan storageModel, diags *diag.Diagnostics) {
	if cloudName != cloud.Outscale {
		return
	}
	if l := objectLockSetting(plan.ObjectLock); l != nil && l.Mode == cloud.LockGovernance {
		diags.AddAttributeError(path.Root("object_lock").AtName("mode"), "GOVERNANCE Mode Not Supported on OUTSCALE",
			`object_lock.mode: OUTSCALE Object Storage supports the COMPLIANCE retention mode only ("OUTSCALE Object `+
				`Storage currently does not support GOVERNANCE mode"). Use mode = "COMPLIANCE".`)
	}
	if ips, known := knownStrings(plan.AllowedSourceIPs); known && len(ips) > 0 {
		diags.AddAttributeError(path.Root("allowed_source_ips"), "Source Addresses Not Enforceable on OUTSCALE",
			"allowed_source_ips: OUTSCALE Object Storage does not support conditions in bucket policies, so the bucket "+
				"cannot refuse requests from other addresses. The warehouse reaches OOS through the network's Net access "+
				"point; protect the account's access keys, and remove allowed_source_ips.")
	}
	if mode, _, known := encryptionSettings(plan.Encryption); known && mode == cloud.EncryptionCustomerKey {
		diags.AddAttributeWarning(path.Root("encryption").AtName("mode"), "Customer Keys Not Enforced by OUTSCALE",
			`encryption.mode = "customer-key": OUTSCALE Object Storage cannot refuse writes without SSE-C headers (its `+
				"bucket policies take no conditions), and its support of SSE-C is unverified. The bucket records the "+
				"wrapping key and keeps AES256 as its default encryption; encrypting every object with a key wrapped by "+
				"kms_key_id is the data pipeline's duty.")
	}
}

func (r *warehouseStorageResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	if r.data == nil {
		resp.Diagnostics.Append(notConfigured())
		return
	}
	var plan storageModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, storageCreateTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	spec := plan.spec()
	b, err := r.data.cloud.CreateBucket(ctx, spec)
	if err != nil {
		resp.Diagnostics.Append(storageErrorDiagnostic("Unable to Create the Warehouse Bucket", err))
		if b.Name == "" && len(b.CloudIDs) == 0 {
			return // nothing was made
		}
		// Save what exists: Terraform marks the resource tainted, and the
		// next destroy or apply removes it.
		resp.Diagnostics.AddWarning("Partially Created Warehouse Bucket",
			"Some of the bucket's cloud objects were made before the failure. They are recorded in the state, which "+
				"marks the bucket tainted: the next apply replaces it, and terraform destroy removes them.")
		plan.partial(spec, b)
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		return
	}
	plan.applied(b)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// applied sets the state after a successful create or update: the plan,
// and what the cloud decides.
func (m *storageModel) applied(b cloud.Bucket) {
	planned := m.PolicyJSON
	m.setComputed(b)
	m.PolicyJSON = types.StringValue(b.Policy)
	if !planned.IsUnknown() && !planned.IsNull() {
		// The policy just written; Read reports the cloud's copy from now on.
		m.PolicyJSON = planned
	}
	if m.PolicyKind.IsUnknown() {
		m.PolicyKind = types.StringValue(b.PolicyKind)
	}
}

// partial is the state of a bucket whose create failed half-way.
func (m *storageModel) partial(spec cloud.BucketSpec, b cloud.Bucket) {
	if b.Name == "" {
		b.Name = spec.Name // the bucket may not exist, but its user does
	}
	m.setComputed(b)
	if m.PolicyJSON.IsUnknown() {
		m.PolicyJSON = types.StringValue("")
	}
	if m.PolicyKind.IsUnknown() {
		m.PolicyKind = types.StringValue(b.PolicyKind)
	}
	if m.WrappingKeyID.IsUnknown() {
		m.WrappingKeyID = types.StringNull()
	}
}

func (r *warehouseStorageResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	if r.data == nil {
		resp.Diagnostics.Append(notConfigured())
		return
	}
	var state storageModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := state.Timeouts.Read(ctx, storageReadTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	b, err := r.data.cloud.ReadBucket(ctx, state.ref())
	if errors.Is(err, cloud.ErrNotFound) {
		resp.Diagnostics.AddWarning("Warehouse Bucket Gone",
			fmt.Sprintf("The bucket %s no longer exists in the cloud; it was removed from the state and the next apply "+
				"will create it again.", state.ID.ValueString()))
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.Append(storageErrorDiagnostic("Unable to Read the Warehouse Bucket "+state.ID.ValueString(), err))
		return
	}
	state.fromCloud(b)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *warehouseStorageResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	if r.data == nil {
		resp.Diagnostics.Append(notConfigured())
		return
	}
	var plan, state storageModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Update(ctx, storageUpdateTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	b, err := r.data.cloud.UpdateBucket(ctx, state.ref(), plan.spec())
	if err != nil {
		resp.Diagnostics.Append(storageErrorDiagnostic("Unable to Update the Warehouse Bucket "+state.ID.ValueString(), err))
		return
	}
	plan.applied(b)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *warehouseStorageResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	if r.data == nil {
		resp.Diagnostics.Append(notConfigured())
		return
	}
	var state storageModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := state.Timeouts.Delete(ctx, storageDeleteTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	if err := r.data.cloud.DeleteBucket(ctx, state.ref(), state.ForceDestroy.ValueBool()); err != nil {
		resp.Diagnostics.Append(storageErrorDiagnostic("Unable to Delete the Warehouse Bucket "+state.ID.ValueString(), err))
	}
}

// ImportState takes the bucket's name; Read rebuilds everything else.
func (r *warehouseStorageResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if err := cloud.CheckBucketName(req.ID); err != nil {
		resp.Diagnostics.AddError("Invalid Import ID", fmt.Sprintf("Import a warehouse bucket by its name: %s.", err))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), req.ID)...)
}

// storageErrorDiagnostic names the storage errors a user acts on.
func storageErrorDiagnostic(summary string, err error) diag.Diagnostic {
	var notEmpty *cloud.BucketNotEmptyError
	var locked *cloud.LockedObjectsError
	switch {
	case errors.As(err, &locked):
		return diag.NewErrorDiagnostic("Bucket Holds Locked Objects", summary+": "+err.Error()+".")
	case errors.As(err, &notEmpty):
		return diag.NewErrorDiagnostic("Bucket Not Empty", summary+": "+err.Error()+".")
	}
	return cloudErrorDiagnostic(summary, err)
}
