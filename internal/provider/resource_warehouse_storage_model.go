package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// storageModel is health_warehouse_storage's data.
type storageModel struct {
	ID                   types.String   `tfsdk:"id"`
	Name                 types.String   `tfsdk:"name"`
	Versioning           types.Bool     `tfsdk:"versioning"`
	ObjectLock           types.Object   `tfsdk:"object_lock"`
	Lifecycle            types.List     `tfsdk:"lifecycle_rules"`
	Encryption           types.Object   `tfsdk:"encryption"`
	Zone                 types.String   `tfsdk:"zone"`
	AllowedSourceIPs     types.Set      `tfsdk:"allowed_source_ips"`
	AccessLogs           types.Object   `tfsdk:"access_logs"`
	Tags                 types.Map      `tfsdk:"tags"`
	ForceDestroy         types.Bool     `tfsdk:"force_destroy"`
	Region               types.String   `tfsdk:"region"`
	Endpoint             types.String   `tfsdk:"endpoint"`
	ARN                  types.String   `tfsdk:"arn"`
	ObjectLockEnabled    types.Bool     `tfsdk:"object_lock_enabled"`
	ServerSideEncryption types.String   `tfsdk:"server_side_encryption"`
	WrappingKeyID        types.String   `tfsdk:"wrapping_key_id"`
	PolicyJSON           types.String   `tfsdk:"policy_json"`
	PolicyKind           types.String   `tfsdk:"policy_kind"`
	AccessKeyID          types.String   `tfsdk:"access_key_id"`
	CloudIDs             types.Map      `tfsdk:"cloud_ids"`
	ComplianceExceptions types.List     `tfsdk:"compliance_exceptions"`
	Timeouts             timeouts.Value `tfsdk:"timeouts"`
}

var objectLockAttrTypes = map[string]attr.Type{
	"mode":           types.StringType,
	"retention_days": types.Int64Type,
}

var lifecycleRuleAttrTypes = map[string]attr.Type{
	"id":                                 types.StringType,
	"noncurrent_version_expiration_days": types.Int64Type,
	"abort_incomplete_upload_days":       types.Int64Type,
}

var encryptionAttrTypes = map[string]attr.Type{
	"mode":       types.StringType,
	"kms_key_id": types.StringType,
}

var accessLogsAttrTypes = map[string]attr.Type{
	"bucket": types.StringType,
	"prefix": types.StringType,
}

// accessLogsSetting reads access_logs: nil when it is not set.
func accessLogsSetting(v types.Object) *cloud.AccessLogs {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	a := v.Attributes()
	bucket, _ := a["bucket"].(types.String)
	prefix, _ := a["prefix"].(types.String)
	return &cloud.AccessLogs{Bucket: bucket.ValueString(), Prefix: prefix.ValueString()}
}

func accessLogsValue(l *cloud.AccessLogs) types.Object {
	if l == nil {
		return types.ObjectNull(accessLogsAttrTypes)
	}
	return types.ObjectValueMust(accessLogsAttrTypes, map[string]attr.Value{
		"bucket": types.StringValue(l.Bucket),
		"prefix": types.StringValue(l.Prefix),
	})
}

// defaultEncryption is encryption's value when the configuration leaves it out.
var defaultEncryption = types.ObjectValueMust(encryptionAttrTypes, map[string]attr.Value{
	"mode":       types.StringValue(cloud.EncryptionProviderManaged),
	"kms_key_id": types.StringNull(),
})

// encryptionSettings reads encryption: its mode and key, and whether both
// are known.
func encryptionSettings(v types.Object) (mode, keyID string, known bool) {
	if v.IsUnknown() {
		return "", "", false
	}
	if v.IsNull() {
		return cloud.EncryptionProviderManaged, "", true
	}
	a := v.Attributes()
	m, _ := a["mode"].(types.String)
	k, _ := a["kms_key_id"].(types.String)
	if m.IsUnknown() || k.IsUnknown() {
		return m.ValueString(), k.ValueString(), false
	}
	return m.ValueString(), k.ValueString(), true
}

// objectLockSetting reads object_lock: nil when it is not set.
func objectLockSetting(v types.Object) *cloud.ObjectLock {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	a := v.Attributes()
	mode, _ := a["mode"].(types.String)
	days, _ := a["retention_days"].(types.Int64)
	return &cloud.ObjectLock{Mode: mode.ValueString(), RetentionDays: int(days.ValueInt64())}
}

func objectLockValue(l *cloud.ObjectLock) types.Object {
	if l == nil {
		return types.ObjectNull(objectLockAttrTypes)
	}
	return types.ObjectValueMust(objectLockAttrTypes, map[string]attr.Value{
		"mode":           types.StringValue(l.Mode),
		"retention_days": types.Int64Value(int64(l.RetentionDays)),
	})
}

// lifecycleRules reads lifecycle; unknown rules are skipped.
func lifecycleRules(v types.List) []cloud.LifecycleRule {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	var out []cloud.LifecycleRule
	for _, e := range v.Elements() {
		o, ok := e.(types.Object)
		if !ok || o.IsNull() || o.IsUnknown() {
			continue
		}
		a := o.Attributes()
		id, _ := a["id"].(types.String)
		nc, _ := a["noncurrent_version_expiration_days"].(types.Int64)
		ab, _ := a["abort_incomplete_upload_days"].(types.Int64)
		out = append(out, cloud.LifecycleRule{ID: id.ValueString(),
			NoncurrentVersionExpirationDays: int(nc.ValueInt64()), AbortIncompleteUploadDays: int(ab.ValueInt64())})
	}
	return out
}

func lifecycleValue(rules []cloud.LifecycleRule) types.List {
	elems := make([]attr.Value, 0, len(rules))
	days := func(n int) types.Int64 {
		if n == 0 {
			return types.Int64Null()
		}
		return types.Int64Value(int64(n))
	}
	for _, r := range rules {
		elems = append(elems, types.ObjectValueMust(lifecycleRuleAttrTypes, map[string]attr.Value{
			"id":                                 types.StringValue(r.ID),
			"noncurrent_version_expiration_days": days(r.NoncurrentVersionExpirationDays),
			"abort_incomplete_upload_days":       days(r.AbortIncompleteUploadDays),
		}))
	}
	return types.ListValueMust(types.ObjectType{AttrTypes: lifecycleRuleAttrTypes}, elems)
}

// spec is what the plan asks the cloud for.
func (m *storageModel) spec() cloud.BucketSpec {
	mode, keyID, _ := encryptionSettings(m.Encryption)
	ips, _ := knownStrings(m.AllowedSourceIPs)
	spec := cloud.BucketSpec{
		Name:             m.Name.ValueString(),
		Versioning:       m.Versioning.ValueBool(),
		ObjectLock:       objectLockSetting(m.ObjectLock),
		Lifecycle:        lifecycleRules(m.Lifecycle),
		Encryption:       mode,
		Zone:             m.Zone.ValueString(),
		AllowedSourceIPs: ips,
		Tags:             stringMap(m.Tags),
		AccessLogs:       accessLogsSetting(m.AccessLogs),
	}
	if mode == cloud.EncryptionCustomerKey {
		spec.KMSKeyID = keyID
	}
	return spec
}

// ref is what the state knows of the bucket.
func (m *storageModel) ref() cloud.Bucket {
	name := m.Name.ValueString()
	if name == "" {
		name = m.ID.ValueString()
	}
	return cloud.Bucket{Name: name, CloudIDs: stringMap(m.CloudIDs), AccessKeyID: m.AccessKeyID.ValueString(),
		ObjectLockEnabled: m.ObjectLockEnabled.ValueBool()}
}

// setComputed sets the attributes the cloud decides from b.
func (m *storageModel) setComputed(b cloud.Bucket) {
	m.ID = types.StringValue(b.Name)
	m.Region = types.StringValue(b.Region)
	m.Endpoint = types.StringValue(b.Endpoint)
	m.ARN = types.StringValue(b.ARN())
	m.ObjectLockEnabled = types.BoolValue(b.ObjectLockEnabled)
	m.ServerSideEncryption = types.StringValue(b.SSEAlgorithm)
	m.PolicyKind = types.StringValue(b.PolicyKind)
	m.AccessKeyID = types.StringValue(b.AccessKeyID)
	m.CloudIDs = stringMapValue(b.CloudIDs)
	if b.KMSKeyID != "" {
		m.WrappingKeyID = types.StringValue(b.KMSKeyID)
	} else {
		m.WrappingKeyID = types.StringNull()
	}
}

// fromCloud sets the state from the bucket as the cloud holds it, so that
// the next plan shows and restores any change made outside Terraform.
func (m *storageModel) fromCloud(b cloud.Bucket) {
	m.setComputed(b)
	m.Name = types.StringValue(b.Name)
	m.Versioning = types.BoolValue(b.Versioning == "Enabled")
	m.ObjectLock = objectLockValue(b.ObjectLock)
	if len(b.Lifecycle) > 0 || (!m.Lifecycle.IsNull() && !m.Lifecycle.IsUnknown()) {
		m.Lifecycle = lifecycleValue(b.Lifecycle)
	} else {
		m.Lifecycle = types.ListNull(types.ObjectType{AttrTypes: lifecycleRuleAttrTypes})
	}
	key := types.StringNull()
	if b.Encryption == cloud.EncryptionCustomerKey {
		key = types.StringValue(b.KMSKeyID)
	}
	m.Encryption = types.ObjectValueMust(encryptionAttrTypes, map[string]attr.Value{
		"mode": types.StringValue(b.Encryption), "kms_key_id": key})
	if b.Zone != "" {
		m.Zone = types.StringValue(b.Zone)
	} else {
		m.Zone = types.StringNull()
	}
	if len(b.AllowedSourceIPs) > 0 || (!m.AllowedSourceIPs.IsNull() && !m.AllowedSourceIPs.IsUnknown()) {
		elems := make([]attr.Value, 0, len(b.AllowedSourceIPs))
		for _, ip := range b.AllowedSourceIPs {
			elems = append(elems, types.StringValue(ip))
		}
		m.AllowedSourceIPs = types.SetValueMust(types.StringType, elems)
	} else {
		m.AllowedSourceIPs = types.SetNull(types.StringType)
	}
	if len(b.Tags) > 0 || (!m.Tags.IsNull() && !m.Tags.IsUnknown()) {
		m.Tags = stringMapValue(b.Tags)
	} else {
		m.Tags = types.MapNull(types.StringType)
	}
	m.AccessLogs = accessLogsValue(b.AccessLogs)
	m.PolicyJSON = types.StringValue(b.Policy)
	if m.ForceDestroy.IsNull() || m.ForceDestroy.IsUnknown() {
		m.ForceDestroy = types.BoolValue(false) // after an import
	}
}

// bucketName accepts a name that follows S3's bucket naming rules.
type bucketName struct{}

func (bucketName) Description(context.Context) string {
	return "value must follow S3's bucket naming rules: 3 to 63 lowercase letters, digits, dots and hyphens, " +
		"beginning and ending with a letter or digit"
}
func (v bucketName) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (bucketName) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := cloud.CheckBucketName(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Bucket Name", fmt.Sprintf("%s: %s.", req.Path, err))
	}
}

// sourceIP accepts an IP address or a CIDR block without host bits.
type sourceIP struct{}

func (sourceIP) Description(context.Context) string {
	return "value must be an IPv4 or IPv6 address, or a CIDR block such as 198.51.100.0/24"
}
func (v sourceIP) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (sourceIP) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := cloud.CheckSourceIP(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Source Address", fmt.Sprintf("%s: %s.", req.Path, err))
	}
}
