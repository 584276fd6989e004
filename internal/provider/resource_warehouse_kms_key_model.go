package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// kmsKeyModel is health_warehouse_kms_key's data.
type kmsKeyModel struct {
	ID                   types.String   `tfsdk:"id"`
	Name                 types.String   `tfsdk:"name"`
	Algorithm            types.String   `tfsdk:"algorithm"`
	Usage                types.String   `tfsdk:"usage"`
	RotationPeriod       types.String   `tfsdk:"rotation_period"`
	RotateTrigger        types.String   `tfsdk:"rotate_trigger"`
	DeletionProtection   types.Bool     `tfsdk:"deletion_protection"`
	Enabled              types.Bool     `tfsdk:"enabled"`
	Tags                 types.Map      `tfsdk:"tags"`
	KeyID                types.String   `tfsdk:"key_id"`
	Version              types.Int64    `tfsdk:"version"`
	PreviousKeyIDs       types.List     `tfsdk:"previous_key_ids"`
	CreatedAt            types.String   `tfsdk:"created_at"`
	RotatedAt            types.String   `tfsdk:"rotated_at"`
	Backend              types.String   `tfsdk:"backend"`
	ComplianceExceptions types.List     `tfsdk:"compliance_exceptions"`
	Timeouts             timeouts.Value `tfsdk:"timeouts"`
}

var pathDeletionProtection = path.Root("deletion_protection")

// privatePartialCreate marks, in the resource's private state, a key whose
// create failed half-way: deletion protection does not hold it back, even
// where the key manager reports it on (OpenBao). The marker lives in the
// private state because Read sees it there; Terraform does not hand the
// private state to Delete.
const privatePartialCreate = "partial_create"

// privateImported marks a key imported and not applied since.
const privateImported = "imported"

// spec is what the plan asks the key manager for.
func (m *kmsKeyModel) spec() (cloud.KeySpec, diag.Diagnostics) {
	var diags diag.Diagnostics
	period, err := cloud.ParseRotationPeriod(m.RotationPeriod.ValueString())
	if err != nil {
		diags.AddError("Invalid Rotation Period", "rotation_period: "+err.Error()+".")
	}
	var tags map[string]string
	if !m.Tags.IsNull() {
		tags = stringMap(m.Tags)
	}
	return cloud.KeySpec{
		Name:               m.Name.ValueString(),
		Algorithm:          m.Algorithm.ValueString(),
		Usage:              m.Usage.ValueString(),
		RotationPeriod:     period,
		DeletionProtection: m.DeletionProtection.ValueBool(),
		Enabled:            m.Enabled.ValueBool(),
		Tags:               tags,
	}, diags
}

// ref is what the state knows of the key, for the key manager's calls.
func (m *kmsKeyModel) ref() cloud.Key {
	k := cloud.Key{
		ID:                 m.ID.ValueString(),
		KeyID:              m.KeyID.ValueString(),
		Backend:            m.Backend.ValueString(),
		Name:               m.Name.ValueString(),
		Algorithm:          m.Algorithm.ValueString(),
		Usage:              m.Usage.ValueString(),
		Version:            int(m.Version.ValueInt64()),
		Enabled:            m.Enabled.ValueBool(),
		DeletionProtection: m.DeletionProtection.ValueBool(),
	}
	if p, err := cloud.ParseRotationPeriod(m.RotationPeriod.ValueString()); err == nil {
		k.RotationPeriod = p
	} else if d, err := time.ParseDuration(m.RotationPeriod.ValueString()); err == nil {
		k.RotationPeriod = d // a value read from the key manager, out of bounds
	}
	if ids, ok := knownStrings(m.PreviousKeyIDs); ok {
		k.PreviousKeyIDs = ids
	}
	if !m.Tags.IsNull() && !m.Tags.IsUnknown() {
		k.Tags = stringMap(m.Tags)
	}
	return k
}

// fromKey sets the model from the key manager's answer. The rotation
// period keeps its written form while it lasts as long; tags and the
// rotate trigger are the configuration's.
func (m *kmsKeyModel) fromKey(k cloud.Key) {
	m.ID = types.StringValue(k.ID)
	m.KeyID = types.StringValue(k.KeyID)
	m.Name = types.StringValue(k.Name)
	m.Algorithm = types.StringValue(k.Algorithm)
	m.Usage = types.StringValue(k.Usage)
	if m.RotationPeriod.IsNull() || m.RotationPeriod.IsUnknown() || !cloud.SameRotationPeriod(m.RotationPeriod.ValueString(), k.RotationPeriod) {
		m.RotationPeriod = types.StringValue(cloud.FormatRotationPeriod(k.RotationPeriod))
	}
	m.DeletionProtection = types.BoolValue(k.DeletionProtection)
	m.Enabled = types.BoolValue(k.Enabled)
	m.Version = types.Int64Value(int64(k.Version))
	m.PreviousKeyIDs = stringListValue(k.PreviousKeyIDs)
	m.CreatedAt = timeValue(k.CreatedAt)
	m.RotatedAt = timeValue(k.RotatedAt)
	m.Backend = types.StringValue(k.Backend)
}

// partial is the state saved after a create that failed half-way: what the
// plan asked for, and the id of what exists.
func (m kmsKeyModel) partial(k cloud.Key) kmsKeyModel {
	p := m
	p.ID = types.StringValue(k.ID)
	p.KeyID = types.StringNull()
	if k.KeyID != "" {
		p.KeyID = types.StringValue(k.KeyID)
	}
	p.Version = types.Int64Null()
	p.PreviousKeyIDs = types.ListNull(types.StringType)
	p.CreatedAt = types.StringNull()
	p.RotatedAt = types.StringNull()
	p.DeletionProtection = types.BoolValue(false) // nothing can have used it yet
	if p.Backend.IsUnknown() {
		p.Backend = types.StringNull()
	}
	return p
}

func timeValue(t time.Time) types.String {
	if t.IsZero() {
		return types.StringNull()
	}
	return types.StringValue(t.UTC().Format(time.RFC3339))
}

// deletionProtected is the error refusing to delete a protected key.
func deletionProtected(m *kmsKeyModel, doing string) diag.Diagnostic {
	return diag.NewAttributeErrorDiagnostic(pathDeletionProtection, "KMS Key Deletion Protection Is On",
		fmt.Sprintf("%s the key %s (id %s) would delete it, and deletion_protection is true. Everything the key "+
			"encrypted would become unreadable for good. To delete the key on purpose, set deletion_protection = false, "+
			"apply, then run the destroy or the replacement again.", doing, m.Name.ValueString(), m.ID.ValueString()))
}

// kmsErrorDiagnostic explains a key manager error: missing settings are
// named with what to do, and the customer-held OpenBao's refusals are told
// apart from the cloud's.
func kmsErrorDiagnostic(summary string, err error) diag.Diagnostic {
	var missing *cloud.MissingSettingsError
	if errors.As(err, &missing) {
		hint := ""
		switch missing.Cloud {
		case cloud.Outscale:
			hint = " The OUTSCALE API has no key manager: the warehouse's keys live in an OpenBao server that you run " +
				"inside the warehouse (see modules/kms). Give its address and a token allowed to manage its transit keys."
		case cloud.OVH:
			hint = " Keys live in an OVHcloud KMS (OKMS): order one in the OVHcloud Control Panel, in the warehouse's " +
				"region, and give its id."
		}
		return diag.NewErrorDiagnostic("Missing Key Manager Settings",
			summary+": "+err.Error()+". Set them in the provider block or in the environment."+hint)
	}
	var apiErr *cloud.APIError
	if errors.As(err, &apiErr) && apiErr.Cloud == cloud.OpenBao {
		var b strings.Builder
		b.WriteString(err.Error())
		switch {
		case errors.Is(err, cloud.ErrAuth):
			b.WriteString("\n\nOpenBao refused the token (outscale.kms_token). Check that it is valid, not expired, and " +
				"that its policy allows create, read, update and delete on <mount>/keys/* of the transit engine.")
		case errors.Is(err, cloud.ErrUnavailable):
			b.WriteString("\n\nOpenBao could not be reached, is sealed, or failed on its side. Check outscale.kms_address, " +
				"the network path to the kms tier, and that OpenBao is unsealed.")
		case errors.Is(err, cloud.ErrInvalid) && strings.Contains(apiErr.Message, "no handler for route"):
			b.WriteString("\n\nNo transit engine is mounted at outscale.kms_mount on this OpenBao server.")
		}
		return diag.NewErrorDiagnostic(summary, b.String())
	}
	return cloudErrorDiagnostic(summary, err)
}

// keyName validates a key's name with the cloud package's rule.
type keyName struct{}

func (keyName) Description(context.Context) string {
	return fmt.Sprintf("letters, digits, - and _, up to %d characters, starting with a letter or digit", cloud.MaxKeyNameLength)
}
func (v keyName) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (keyName) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := cloud.CheckKeyName(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Key Name", fmt.Sprintf("%s: %s.", req.Path, err))
	}
}

// rotationPeriod validates a rotation period: days or a Go duration,
// between 1 day and 1 year.
type rotationPeriod struct{}

func (rotationPeriod) Description(context.Context) string {
	return `a number of days ("90d") or a duration ("2160h"), between 1 day and 1 year`
}
func (v rotationPeriod) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (rotationPeriod) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := cloud.ParseRotationPeriod(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Rotation Period", fmt.Sprintf("%s: %s.", req.Path, err))
	}
}
