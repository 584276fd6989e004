package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/compliance"
)

var (
	_ resource.ResourceWithConfigure      = (*warehouseKMSKeyResource)(nil)
	_ resource.ResourceWithImportState    = (*warehouseKMSKeyResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*warehouseKMSKeyResource)(nil)
	_ resource.ResourceWithValidateConfig = (*warehouseKMSKeyResource)(nil)
)

// NewWarehouseKMSKeyResource returns the health_warehouse_kms_key resource.
func NewWarehouseKMSKeyResource() resource.Resource { return &warehouseKMSKeyResource{} }

// warehouseKMSKeyResource is a customer-managed key with rotation: an
// OVHcloud KMS service key series, or a transit key of the customer-held
// OpenBao on OUTSCALE.
type warehouseKMSKeyResource struct {
	data *providerData
	// now is the clock that decides whether a rotation is due; tests of
	// the package may replace it.
	now func() time.Time
}

// Default timeouts: a few calls each, but a key manager behind a VPN or a
// busy HSM can be slow.
const (
	kmsKeyCreateTimeout = 5 * time.Minute
	kmsKeyReadTimeout   = 2 * time.Minute
	kmsKeyUpdateTimeout = 5 * time.Minute
	kmsKeyDeleteTimeout = 5 * time.Minute
)

// defaultRotationPeriod is rotation_period's default, as written in plans.
var defaultRotationPeriod = cloud.FormatRotationPeriod(cloud.DefaultRotationPeriod)

func (r *warehouseKMSKeyResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_warehouse_kms_key"
}

func (r *warehouseKMSKeyResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A customer-managed key of the warehouse, with rotation and deletion protection: the " +
			"like-for-like replacement of an Azure Key Vault key used as a customer-managed key (purge protection, " +
			"rotation policy). Storage and applications use it to encrypt data keys (envelope encryption) or to sign.\n\n" +
			"**Where the key lives.** On OVHcloud, in the OVHcloud KMS (OKMS) named by the provider's `ovh.kms_id`. On " +
			"OUTSCALE, whose API has no key manager, in the transit engine of an OpenBao server that you run inside the " +
			"warehouse (`outscale.kms_address`): the keys are never in the hosting provider's hands. The `backend` " +
			"attribute says which.\n\n" +
			"**Rotation.** OpenBao rotates the key by itself every `rotation_period`. OKMS has no rotation: the provider " +
			"rotates the key at the first apply after `rotation_period` has elapsed, and the plan shows it. Changing " +
			"`rotate_trigger` rotates the key at once on both. Older versions stay usable for decryption.\n\n" +
			"No key material ever enters the plan, the state or the logs.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The key's stable id: the transit key's name on OpenBao, the id of the key's first " +
					"service key on OKMS. It does not change when the key rotates. Use it to import the key.",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("Name of the key in the key manager. Letters, digits, `-` and `_`, up to %d "+
					"characters, starting with a letter or digit. On OKMS, later versions are named `<name>.v2`, "+
					"`<name>.v3`, …; the provider refuses a name the key manager already holds. Changing it replaces the key.",
					cloud.MaxKeyNameLength),
				Required:      true,
				Validators:    []validator.String{keyName{}},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"algorithm": schema.StringAttribute{
				MarkdownDescription: "The key's algorithm: `aes-256` (default; symmetric, to encrypt or wrap data keys), " +
					"`rsa-3072`, `rsa-4096`, `ec-p256` or `ec-p384`. What each key manager supports with each usage is checked " +
					"at plan time. Changing it replaces the key.",
				Optional:      true,
				Computed:      true,
				Default:       stringdefault.StaticString(cloud.AlgorithmAES256),
				Validators:    []validator.String{stringvalidator.OneOf(cloud.KeyAlgorithms...)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"usage": schema.StringAttribute{
				MarkdownDescription: "What the key is for: `encrypt-decrypt`, `wrap-unwrap` (encrypting other keys) or " +
					"`sign-verify`. Default: `encrypt-decrypt` for `aes-256`, `sign-verify` for RSA and EC keys. AES keys " +
					"cannot sign and EC keys only sign. On OKMS the usage is the key's operation list and changing it " +
					"replaces the key; OpenBao transit keys hold no operation list (grant operations with OpenBao policies), " +
					"so there it changes in place.",
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{stringvalidator.OneOf(cloud.KeyUsages...)},
			},
			"rotation_period": schema.StringAttribute{
				MarkdownDescription: "How long a version is used before the key rotates: a number of days (`90d`) or a " +
					"duration (`2160h`), between 1 day and 1 year. Default `90d`. On OpenBao it is the key's " +
					"`auto_rotate_period` and OpenBao rotates the key by itself; on OKMS the provider rotates the key at " +
					"the first apply after the period has elapsed since `rotated_at`. Changes in place.",
				Optional:   true,
				Computed:   true,
				Default:    stringdefault.StaticString(defaultRotationPeriod),
				Validators: []validator.String{rotationPeriod{}},
			},
			"rotate_trigger": schema.StringAttribute{
				MarkdownDescription: "Any string; changing it rotates the key at the next apply, in place: `version` goes " +
					"up, `id` stays. Use it to rotate now, for instance after an incident (`rotate_trigger = \"2026-03-incident\"`).",
				Optional: true,
			},
			"deletion_protection": schema.BoolAttribute{
				MarkdownDescription: "Refuse to delete the key. Default `true`: `terraform destroy`, or a change that " +
					"replaces the key, fails with an error until it is set to `false` and applied, as Key Vault purge " +
					"protection does. Deleting a key makes everything it encrypted unreadable. On OpenBao it is also the key's " +
					"own `deletion_allowed = false`, so OpenBao itself refuses the deletion, from Terraform or not.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
			},
			"enabled": schema.BoolAttribute{
				MarkdownDescription: "Whether the key can be used. Default `true`. On OKMS, `false` deactivates every " +
					"version and `true` activates them again; a key deactivated outside Terraform shows up in the next " +
					"plan, which activates it again. OpenBao transit keys cannot be disabled: there `false` is refused " +
					"at plan time (revoke access with an OpenBao policy instead).",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
			},
			"tags": schema.MapAttribute{
				MarkdownDescription: "Labels for the key. Neither OKMS service keys nor OpenBao transit keys hold tags: " +
					"they are kept in the Terraform state only (and shown in plans), so that modules can treat keys like " +
					"other resources.",
				Optional:    true,
				ElementType: types.StringType,
				Validators: []validator.Map{
					mapvalidator.KeysAre(stringvalidator.LengthBetween(1, 128)),
					mapvalidator.ValueStringsAre(stringvalidator.LengthAtMost(256)),
				},
			},
			"key_id": schema.StringAttribute{
				MarkdownDescription: "What consumers name the key by in the key manager: the transit key's name on " +
					"OpenBao (it stays the same across rotations), the current version's service key id on OKMS (it " +
					"changes at each rotation: reference this attribute, not a copy of it).",
				Computed: true,
				// Kept from the state; unknown in plans that rotate the key
				// where a rotation changes it (see planRotation).
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"version": schema.Int64Attribute{
				MarkdownDescription: "The current version, from 1. It goes up at each rotation, including those OpenBao " +
					"makes by itself (seen at the next refresh).",
				Computed:      true,
				PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
			},
			"previous_key_ids": schema.ListAttribute{
				MarkdownDescription: "On OKMS, the service key ids of the older versions, oldest first. They stay active " +
					"so that what they encrypted can still be decrypted (OKMS has no decrypt-only state). Empty on " +
					"OpenBao, whose versions live inside one transit key.",
				Computed:      true,
				ElementType:   types.StringType,
				PlanModifiers: []planmodifier.List{listplanmodifier.UseStateForUnknown()},
			},
			"created_at": schema.StringAttribute{
				MarkdownDescription: "When the key's first version was made (RFC 3339).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"rotated_at": schema.StringAttribute{
				MarkdownDescription: "When the current version was made (RFC 3339): the key's creation until its first rotation.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"backend": schema.StringAttribute{
				MarkdownDescription: "The key manager that holds the key: `ovh-okms` (OVHcloud KMS) or `openbao` (the " +
					"customer-held OpenBao on OUTSCALE). Known at plan time.",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"compliance_exceptions": complianceExceptionsAttribute(),
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Read: true, Update: true, Delete: true}),
		},
	}
}

func (r *warehouseKMSKeyResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig checks what needs no cloud: that the usage suits the
// algorithm on any key manager.
func (r *warehouseKMSKeyResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var cfg kmsKeyModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	validateExceptions(compliance.KindKMSKey, cfg.ComplianceExceptions, &resp.Diagnostics)
	if cfg.Usage.IsNull() || cfg.Usage.IsUnknown() || cfg.Algorithm.IsUnknown() {
		return
	}
	alg := cloud.AlgorithmAES256
	if !cfg.Algorithm.IsNull() {
		alg = cfg.Algorithm.ValueString()
	}
	if err := cloud.CheckUsage(alg, cfg.Usage.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("usage"), "Usage Does Not Suit the Algorithm",
			fmt.Sprintf("usage = %q with algorithm = %q: %s.", cfg.Usage.ValueString(), alg, err))
	}
}

// ModifyPlan checks the configuration against the key manager, fills in the
// default usage and the backend, plans rotations, and refuses to delete or
// replace a protected key.
func (r *warehouseKMSKeyResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	var state *kmsKeyModel
	if !req.State.Raw.IsNull() {
		state = &kmsKeyModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, state)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	if req.Plan.Raw.IsNull() {
		// Destroy: refused now rather than at apply time.
		if state != nil && state.DeletionProtection.ValueBool() {
			resp.Diagnostics.Append(deletionProtected(state, "Destroying"))
		}
		return
	}
	var plan, cfg kmsKeyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if cfg.Usage.IsNull() && !plan.Algorithm.IsUnknown() {
		plan.Usage = types.StringValue(cloud.DefaultUsage(plan.Algorithm.ValueString()))
	}

	var backend *cloud.KeyBackend
	if r.data != nil {
		b := r.data.cloud.KeyBackend()
		backend = &b
		plan.Backend = types.StringValue(b.Name)
		r.checkAgainstBackend(b, plan, &resp.Diagnostics)
	}
	enforceCompliance(ctx, r.data, keySubject(plan), exceptionsFrom(plan.ComplianceExceptions), &resp.Diagnostics)

	if state != nil {
		replacing := !plan.Name.Equal(state.Name) || !plan.Algorithm.Equal(state.Algorithm)
		if backend != nil && backend.RecordsUsage && !plan.Usage.IsUnknown() && !plan.Usage.Equal(state.Usage) {
			resp.RequiresReplace = append(resp.RequiresReplace, path.Root("usage"))
			replacing = true
		}
		if replacing && state.DeletionProtection.ValueBool() {
			resp.Diagnostics.Append(deletionProtected(state, "Replacing"))
		}
		if !replacing && backend != nil {
			// An imported key has no rotate_trigger yet: the configuration's
			// is adopted, not taken for a change.
			imported, _ := req.Private.GetKey(ctx, privateImported)
			if len(imported) > 0 && state.RotateTrigger.IsNull() {
				state.RotateTrigger = plan.RotateTrigger
			}
			r.planRotation(state, &plan, *backend, &resp.Diagnostics)
		}
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// keySubject is what the compliance controls see of a planned key.
func keySubject(plan kmsKeyModel) compliance.Subject {
	s := compliance.Subject{Kind: compliance.KindKMSKey, Name: plan.Name.ValueString(),
		Key: &compliance.KeyFacts{Backend: plan.Backend.ValueString(), DeletionProtection: plan.DeletionProtection.ValueBool()}}
	if plan.RotationPeriod.IsUnknown() {
		s.Unknown = append(s.Unknown, "rotation_period")
	} else if d, err := cloud.ParseRotationPeriod(plan.RotationPeriod.ValueString()); err == nil {
		s.Key.RotationPeriodDays = int(d.Hours() / 24)
	}
	if plan.DeletionProtection.IsUnknown() {
		s.Unknown = append(s.Unknown, "deletion_protection")
	}
	return s
}

// checkAgainstBackend refuses at plan time what the key manager cannot do.
func (r *warehouseKMSKeyResource) checkAgainstBackend(b cloud.KeyBackend, plan kmsKeyModel, diags *diag.Diagnostics) {
	if !plan.Algorithm.IsUnknown() && !plan.Usage.IsUnknown() {
		alg, usage := plan.Algorithm.ValueString(), plan.Usage.ValueString()
		if err := b.CheckAlgorithm(alg, ""); err != nil {
			diags.AddAttributeError(path.Root("algorithm"), "Algorithm Not Supported by the Key Manager",
				fmt.Sprintf("algorithm = %q: %s. The provider's cloud decides the key manager (%s).", alg, err, b.Name))
		} else if cloud.CheckUsage(alg, usage) == nil {
			if err := b.CheckAlgorithm(alg, usage); err != nil {
				diags.AddAttributeError(path.Root("usage"), "Usage Not Supported by the Key Manager",
					fmt.Sprintf("usage = %q with algorithm = %q: %s.", usage, alg, err))
			}
		}
	}
	if !b.CanDisable && !plan.Enabled.IsUnknown() && !plan.Enabled.ValueBool() {
		diags.AddAttributeError(path.Root("enabled"), "Key Cannot Be Disabled",
			fmt.Sprintf("enabled = false: keys of %s cannot be disabled. Remove enabled, and revoke the applications' "+
				"access to the key with an OpenBao policy instead (transit/encrypt/<name>, transit/decrypt/<name>, …).", b.Title))
	}
}

// planRotation decides whether this apply rotates the key: rotate_trigger
// changed, or, where the key manager does not rotate keys by itself, the
// rotation period has elapsed. A planned rotation shows as unknown values
// of version and rotated_at (and key_id where it changes).
func (r *warehouseKMSKeyResource) planRotation(state *kmsKeyModel, plan *kmsKeyModel, b cloud.KeyBackend, diags *diag.Diagnostics) {
	triggered := plan.RotateTrigger.IsUnknown() || plan.RotateTrigger.ValueString() != state.RotateTrigger.ValueString()
	due := false
	if !b.NativeRotation && !triggered && state.Enabled.ValueBool() && !plan.Enabled.IsUnknown() && plan.Enabled.ValueBool() {
		period, err := cloud.ParseRotationPeriod(plan.RotationPeriod.ValueString())
		rotatedAt, perr := time.Parse(time.RFC3339, state.RotatedAt.ValueString())
		if err == nil && perr == nil && !plan.RotationPeriod.IsUnknown() {
			due = cloud.RotationDue(rotatedAt, period, r.clock())
			if due {
				diags.AddWarning("Key Rotation Due",
					fmt.Sprintf("The key %s was last rotated at %s, more than rotation_period (%s) ago. %s does not rotate "+
						"keys by itself: this apply makes version %d. Older versions stay active for decryption.",
						state.Name.ValueString(), state.RotatedAt.ValueString(), plan.RotationPeriod.ValueString(), b.Title,
						state.Version.ValueInt64()+1))
			}
		}
	}
	if !triggered && !due {
		return
	}
	plan.Version = types.Int64Unknown()
	plan.RotatedAt = types.StringUnknown()
	if !b.RotationKeepsKeyID {
		plan.KeyID = types.StringUnknown()
		plan.PreviousKeyIDs = types.ListUnknown(types.StringType)
	}
}

func (r *warehouseKMSKeyResource) clock() time.Time {
	if r.now != nil {
		return r.now()
	}
	return time.Now()
}

func (r *warehouseKMSKeyResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	if r.data == nil {
		resp.Diagnostics.Append(notConfigured())
		return
	}
	var plan kmsKeyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, kmsKeyCreateTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	spec, diags := plan.spec()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	k, err := r.data.cloud.CreateKey(ctx, spec)
	if err != nil {
		resp.Diagnostics.Append(kmsErrorDiagnostic("Unable to Create the KMS Key "+spec.Name, err))
		if k.ID == "" {
			return // nothing was made
		}
		// Save what exists: Terraform marks the key tainted, and the next
		// apply or destroy deletes it. Deletion protection does not hold
		// back a key that was never fully made: nothing can have used it.
		// The private marker keeps it off through refreshes (see Read).
		resp.Diagnostics.AddWarning("Partially Created KMS Key",
			fmt.Sprintf("The key %s was made in the key manager before the failure. It is recorded in the state, which marks "+
				"it tainted: the next apply replaces it, and terraform destroy removes it.", k.ID))
		partial := plan.partial(k)
		resp.Diagnostics.Append(resp.State.Set(ctx, &partial)...)
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, privatePartialCreate, []byte("true"))...)
		return
	}
	plan.fromKey(k)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *warehouseKMSKeyResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	if r.data == nil {
		resp.Diagnostics.Append(notConfigured())
		return
	}
	var state kmsKeyModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := state.Timeouts.Read(ctx, kmsKeyReadTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	k, err := r.data.cloud.ReadKey(ctx, state.ref())
	if errors.Is(err, cloud.ErrNotFound) {
		resp.Diagnostics.AddWarning("KMS Key Gone",
			fmt.Sprintf("The key %s (%s) no longer exists in the key manager; it was removed from the state and the next "+
				"apply will create a new key. Data encrypted with the old key cannot be decrypted with the new one.",
				state.ID.ValueString(), state.Name.ValueString()))
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.Append(kmsErrorDiagnostic("Unable to Read the KMS Key "+state.ID.ValueString(), err))
		return
	}
	if k.Exportable {
		resp.Diagnostics.AddWarning("KMS Key Material Exportable",
			fmt.Sprintf("The key %s was made exportable, or backed up in plaintext, outside Terraform. Once set, OpenBao "+
				"cannot turn this off, and the key material may have left the key manager. Rotate the key, re-encrypt the "+
				"data, and restrict the key manager's policies; or replace the key.", k.ID))
	}
	if k.State == "COMPROMISED" {
		resp.Diagnostics.AddWarning("KMS Key Compromised",
			fmt.Sprintf("The current version %s of the key %s is marked COMPROMISED in the key manager: it cannot be "+
				"activated again. Rotate the key (change rotate_trigger) and re-encrypt the data.", k.KeyID, k.Name))
	}
	state.fromKey(k)
	if partial, _ := req.Private.GetKey(ctx, privatePartialCreate); len(partial) > 0 {
		state.DeletionProtection = types.BoolValue(false)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *warehouseKMSKeyResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	if r.data == nil {
		resp.Diagnostics.Append(notConfigured())
		return
	}
	var plan, state kmsKeyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Update(ctx, kmsKeyUpdateTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	spec, diags := plan.spec()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	current := state.ref()
	k, err := r.data.cloud.UpdateKey(ctx, current, spec)
	if err != nil {
		resp.Diagnostics.Append(kmsErrorDiagnostic("Unable to Update the KMS Key "+state.ID.ValueString(), err))
		return
	}
	// ModifyPlan left version unknown exactly when this apply rotates.
	if plan.Version.IsUnknown() {
		rotated, err := r.data.cloud.RotateKey(ctx, k)
		if err != nil {
			// The settings are applied; save them, and keep the old
			// rotate_trigger so that the next apply tries again.
			plan.fromKey(k)
			plan.RotateTrigger = state.RotateTrigger
			resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
			resp.Diagnostics.Append(kmsErrorDiagnostic("Unable to Rotate the KMS Key "+state.ID.ValueString(), err))
			return
		}
		k = rotated
	}
	plan.fromKey(k)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateImported, nil)...)
}

func (r *warehouseKMSKeyResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	if r.data == nil {
		resp.Diagnostics.Append(notConfigured())
		return
	}
	var state kmsKeyModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if state.DeletionProtection.ValueBool() {
		resp.Diagnostics.Append(deletionProtected(&state, "Deleting"))
		return
	}
	timeout, diags := state.Timeouts.Delete(ctx, kmsKeyDeleteTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	if err := r.data.cloud.DeleteKey(ctx, state.ref()); err != nil {
		resp.Diagnostics.Append(kmsErrorDiagnostic("Unable to Delete the KMS Key "+state.ID.ValueString(), err))
	}
}

// ImportState takes the key's id: the transit key's name on OpenBao, the
// first version's service key id on OKMS. Deletion protection starts on,
// as it would in a new configuration; Read fills in the rest.
func (r *warehouseKMSKeyResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if strings.TrimSpace(req.ID) == "" {
		resp.Diagnostics.AddError("Invalid Import ID",
			"Import a KMS key by its id: the transit key's name on OpenBao (OUTSCALE), the id of the key's first service "+
				"key on the OVHcloud KMS (a UUID).")
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("deletion_protection"), true)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("enabled"), true)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("rotation_period"), defaultRotationPeriod)...)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateImported, []byte("true"))...)
}
