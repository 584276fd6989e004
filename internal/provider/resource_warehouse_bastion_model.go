package provider

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/sovhealth/terraform-provider-health/internal/bastion"
	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// bastionModel is health_warehouse_bastion's data.
type bastionModel struct {
	ID                 types.String   `tfsdk:"id"`
	VMID               types.String   `tfsdk:"vm_id"`
	NetworkID          types.String   `tfsdk:"network_id"`
	Name               types.String   `tfsdk:"name"`
	Size               types.String   `tfsdk:"size"`
	VMType             types.String   `tfsdk:"vm_type"`
	Image              types.String   `tfsdk:"image"`
	ImageID            types.String   `tfsdk:"image_id"`
	Admins             types.List     `tfsdk:"admins"`
	MFA                types.String   `tfsdk:"mfa"`
	SessionRecording   types.Bool     `tfsdk:"session_recording"`
	TierAccess         types.String   `tfsdk:"tier_access"`
	IdleTimeout        types.String   `tfsdk:"idle_timeout"`
	AllowedTargets     types.Set      `tfsdk:"allowed_targets"`
	NetworkRules       types.List     `tfsdk:"network_rules"`
	AuditBucket        types.Object   `tfsdk:"audit_bucket"`
	Mode               types.String   `tfsdk:"mode"`
	PackageMirror      types.Object   `tfsdk:"package_mirror"`
	Tags               types.Map      `tfsdk:"tags"`
	VMState            types.String   `tfsdk:"vm_state"`
	PublicIP           types.String   `tfsdk:"public_ip"`
	PrivateIP          types.String   `tfsdk:"private_ip"`
	HostPublicKey      types.String   `tfsdk:"host_public_key"`
	HostKeyFingerprint types.String   `tfsdk:"host_key_fingerprint"`
	KnownHosts         types.String   `tfsdk:"known_hosts"`
	SSHConfig          types.String   `tfsdk:"ssh_config"`
	UserDataSHA256     types.String   `tfsdk:"user_data_sha256"`
	CloudIDs           types.Map      `tfsdk:"cloud_ids"`
	ComplianceExcepts  types.List     `tfsdk:"compliance_exceptions"`
	Timeouts           timeouts.Value `tfsdk:"timeouts"`
}

var adminAttrTypes = map[string]attr.Type{
	"name":           types.StringType,
	"ssh_public_key": types.StringType,
}

var auditBucketAttrTypes = map[string]attr.Type{
	"bucket":            types.StringType,
	"endpoint":          types.StringType,
	"region":            types.StringType,
	"prefix":            types.StringType,
	"access_key_id":     types.StringType,
	"secret_access_key": types.StringType,
}

// vmStateRunning is vm_state of a bastion that serves (or is starting).
const vmStateRunning = "running"

// vmStateTerminated is vm_state once the VM is gone while other objects
// of the bastion (its address) remain: the next plan replaces it.
const vmStateTerminated = "terminated"

// Default values.
const (
	defaultSize        = cloud.SizeSmall
	defaultImage       = cloud.ImageDebian12
	defaultIdleTimeout = "15m"
)

// defaultTargets are the tiers a bastion reaches unless told otherwise.
var defaultTargets = []string{cloud.TierCompute, cloud.TierData, cloud.TierKMS}

// admins returns the administrators, and false if any is unknown.
func adminsOf(v types.List) ([]bastion.Admin, bool) {
	if v.IsNull() || v.IsUnknown() {
		return nil, !v.IsUnknown()
	}
	var out []bastion.Admin
	for _, e := range v.Elements() {
		o, ok := e.(types.Object)
		if !ok || o.IsUnknown() {
			return nil, false
		}
		a := o.Attributes()
		name, _ := a["name"].(types.String)
		key, _ := a["ssh_public_key"].(types.String)
		if name.IsUnknown() || key.IsUnknown() {
			return nil, false
		}
		out = append(out, bastion.Admin{Name: name.ValueString(), PublicKey: key.ValueString()})
	}
	return out, true
}

func adminsValue(admins []bastion.Admin) types.List {
	elems := make([]attr.Value, 0, len(admins))
	for _, a := range admins {
		elems = append(elems, types.ObjectValueMust(adminAttrTypes, map[string]attr.Value{
			"name":           types.StringValue(a.Name),
			"ssh_public_key": types.StringValue(a.PublicKey),
		}))
	}
	return types.ListValueMust(types.ObjectType{AttrTypes: adminAttrTypes}, elems)
}

// auditBucket is the audit_bucket block, secret included when read from
// the configuration.
type auditBucket struct {
	Bucket, Endpoint, Region, Prefix, AccessKeyID, SecretAccessKey types.String
}

func auditBucketOf(v types.Object) *auditBucket {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	a := v.Attributes()
	get := func(k string) types.String { s, _ := a[k].(types.String); return s }
	return &auditBucket{Bucket: get("bucket"), Endpoint: get("endpoint"), Region: get("region"), Prefix: get("prefix"),
		AccessKeyID: get("access_key_id"), SecretAccessKey: get("secret_access_key")}
}

// value is the block as the state keeps it: without the secret, which is
// write-only.
func (b auditBucket) value() types.Object {
	return types.ObjectValueMust(auditBucketAttrTypes, map[string]attr.Value{
		"bucket": b.Bucket, "endpoint": b.Endpoint, "region": b.Region, "prefix": b.Prefix,
		"access_key_id": b.AccessKeyID, "secret_access_key": types.StringNull(),
	})
}

// parseIdleTimeout reads idle_timeout ("15m", "1h30m").
func parseIdleTimeout(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration such as 15m or 1h30m", s)
	}
	if d < bastion.MinIdleTimeout || d > bastion.MaxIdleTimeout {
		return 0, fmt.Errorf("%q is outside %s to %s", s, bastion.MinIdleTimeout, bastion.MaxIdleTimeout)
	}
	if d%time.Second != 0 {
		return 0, fmt.Errorf("%q is not a whole number of seconds", s)
	}
	return d, nil
}

// formatIdleTimeout writes a duration as idle_timeout is usually written
// ("15m", "1h30m", "1m30s"), for a value recovered from the cloud: hours,
// minutes and seconds, each left out when zero.
func formatIdleTimeout(d time.Duration) string {
	if d <= 0 {
		return "0s"
	}
	var b strings.Builder
	for _, u := range []struct {
		unit   time.Duration
		suffix string
	}{{time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}} {
		if n := int64(d / u.unit); n > 0 {
			b.WriteString(strconv.FormatInt(n, 10) + u.suffix)
			d %= u.unit
		}
	}
	if b.Len() == 0 {
		return "0s"
	}
	return b.String()
}

// firewallOf derives the bastion's targets and inbound rules from the
// network's rules and subnets. It says why a target cannot be reached.
func firewallOf(n cloud.Network, rules []cloud.Rule, targets []string) ([]bastion.Target, []bastion.InboundRule, error) {
	var out []bastion.Target
	for _, tier := range cloud.Tiers {
		if !slices.Contains(targets, tier) {
			continue
		}
		sub, ok := n.Subnets[tier]
		if !ok || sub.CIDR == "" {
			return nil, nil, fmt.Errorf("the network %s has no %s subnet", n.ID, tier)
		}
		t := bastion.Target{Tier: tier, CIDR: sub.CIDR}
		for _, r := range inboundRules(rules) {
			if r.Tier == tier && r.Source == cloud.TierSource(cloud.TierBastion) && r.Protocol == "tcp" {
				t.Ports = append(t.Ports, bastion.PortRange{From: r.FromPort, To: r.ToPort})
			}
		}
		if len(t.Ports) == 0 {
			return nil, nil, fmt.Errorf("allowed_targets lists %s, but no rule of the network lets the bastion tier into it", tier)
		}
		out = append(out, t)
	}
	var inbound []bastion.InboundRule
	for _, r := range inboundRules(rules) {
		if r.Tier != cloud.TierBastion {
			continue
		}
		source := r.Source
		if tier, ok := strings.CutPrefix(source, "tier:"); ok {
			sub, found := n.Subnets[tier]
			if !found {
				continue
			}
			source = sub.CIDR
		}
		inbound = append(inbound, bastion.InboundRule{Protocol: r.Protocol, FromPort: r.FromPort, ToPort: r.ToPort, Source: source, Purpose: r.Purpose})
	}
	if len(inbound) == 0 {
		return nil, nil, fmt.Errorf("no rule of the network admits anyone into the bastion tier: nobody could connect")
	}
	return out, inbound, nil
}

// networkRuleAttributes are the attributes of one rule of network_rules,
// the network's rules as its rules attribute gives them.
func networkRuleAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"tier": schema.StringAttribute{MarkdownDescription: "The tier the rule belongs to.", Required: true},
		"direction": schema.StringAttribute{
			MarkdownDescription: "`inbound` (traffic the tier admits) or `outbound` (traffic the tier may send). Left out: `inbound`.",
			Optional:            true,
			Validators:          []validator.String{stringvalidator.OneOf(cloud.Inbound, cloud.Outbound)},
		},
		"protocol":    schema.StringAttribute{MarkdownDescription: "`tcp`, `udp`, `icmp`, or `-1` for all.", Required: true},
		"from_port":   schema.Int64Attribute{MarkdownDescription: "First port of the range.", Required: true},
		"to_port":     schema.Int64Attribute{MarkdownDescription: "Last port of the range.", Required: true},
		"source":      schema.StringAttribute{MarkdownDescription: "Inbound: a CIDR block, or `tier:<name>`.", Optional: true},
		"destination": schema.StringAttribute{MarkdownDescription: "Outbound: a CIDR block, `tier:<name>`, `service:object-storage`, or `service:cloud-api` (OUTSCALE's API).", Optional: true},
		"hosts": schema.ListAttribute{
			MarkdownDescription: "Outbound: the host names the network's `egress_allow` says are served at `destination`.",
			Optional:            true,
			ElementType:         types.StringType,
		},
		"purpose": schema.StringAttribute{MarkdownDescription: "Why the rule exists.", Optional: true},
	}
}

func networkRulesOf(rules []cloud.Rule) []bastion.NetworkRule {
	out := make([]bastion.NetworkRule, 0, len(rules))
	for _, r := range rules {
		nr := bastion.NetworkRule{Tier: r.Tier, Protocol: r.Protocol, FromPort: r.FromPort, ToPort: r.ToPort,
			Source: r.Source, Purpose: r.Purpose}
		if r.IsOutbound() {
			nr.Direction, nr.Source, nr.Destination, nr.Hosts = cloud.Outbound, "", r.Destination, r.Hosts
		}
		out = append(out, nr)
	}
	return out
}

func cloudRulesOf(rules []bastion.NetworkRule) []cloud.Rule {
	out := make([]cloud.Rule, 0, len(rules))
	for _, r := range rules {
		cr := cloud.Rule{Tier: r.Tier, Direction: cloud.Inbound, Protocol: r.Protocol, FromPort: r.FromPort, ToPort: r.ToPort,
			Source: r.Source, Purpose: r.Purpose}
		if r.Direction == cloud.Outbound {
			cr.Direction, cr.Source, cr.Destination, cr.Hosts = cloud.Outbound, "", r.Destination, r.Hosts
		}
		out = append(out, cr)
	}
	return out
}

// targetsFromState rebuilds the targets for ssh_config from the state's
// ssh_config-relevant values: the tiers and the network's subnets are not
// in the state, so ssh_config keeps the blocks it was rendered with.
func targetsOf(n cloud.Network, tiers []string) []bastion.Target {
	var out []bastion.Target
	for _, tier := range cloud.Tiers {
		if sub, ok := n.Subnets[tier]; ok && slices.Contains(tiers, tier) {
			out = append(out, bastion.Target{Tier: tier, CIDR: sub.CIDR})
		}
	}
	return out
}

// planTierAccess plans how the tiers are reached, and whether that
// replaces the bastion: one made before the recorded hop forwards ssh -J,
// unrecorded, and its state has no tier_access (or, on OUTSCALE, the value
// read back from its user-data is proxy-jump). A bastion being adopted
// after an import on OVHcloud, whose API returns no user-data, is taken as
// declared, like its other inputs.
func planTierAccess(plan, state *bastionModel) (replace bool) {
	if plan.Mode.IsUnknown() {
		plan.TierAccess = types.StringUnknown()
		return false
	}
	want := bastion.TierAccess(plan.Mode.ValueString())
	plan.TierAccess = types.StringValue(want)
	if state == nil || state.Admins.IsNull() {
		return false
	}
	current := state.TierAccess.ValueString()
	if state.TierAccess.IsNull() || state.TierAccess.IsUnknown() {
		current = bastion.TierAccessProxyJump
		if state.Mode.ValueString() == bastion.ModeTheBastion {
			current = bastion.TierAccessTheBastion
		}
	}
	return current != want
}

// clientOutputs sets known_hosts and ssh_config from the public IP and the
// host key; unknown when either is.
func (m *bastionModel) clientOutputs(targets []bastion.Target) {
	ip, key := m.PublicIP.ValueString(), m.HostPublicKey.ValueString()
	switch {
	case m.HostPublicKey.IsNull():
		m.KnownHosts, m.SSHConfig = types.StringNull(), types.StringNull()
		if ip != "" {
			m.SSHConfig = types.StringValue(bastion.SSHClientConfig(m.Name.ValueString(), ip, targets))
		}
	case ip == "":
		m.KnownHosts, m.SSHConfig = types.StringNull(), types.StringNull()
	default:
		m.KnownHosts = types.StringValue(bastion.KnownHostsLine([]string{ip, m.Name.ValueString()}, key))
		m.SSHConfig = types.StringValue(bastion.SSHClientConfig(m.Name.ValueString(), ip, targets))
	}
}

// bastionNamePattern keeps the name a valid host name, tag and instance
// name on both clouds.
var bastionNamePattern = regexp.MustCompile(`^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$`)

// adminKeys validates the administrators at plan time: each key against
// the rules, naming the administrator.
type adminKeys struct{}

func (adminKeys) Description(context.Context) string {
	return "each administrator needs a login name and one public key: " + bastion.KeyRule
}
func (v adminKeys) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (adminKeys) ValidateList(_ context.Context, req validator.ListRequest, resp *validator.ListResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	for i, e := range req.ConfigValue.Elements() {
		o, ok := e.(types.Object)
		if !ok || o.IsUnknown() || o.IsNull() {
			continue
		}
		a := o.Attributes()
		name, _ := a["name"].(types.String)
		key, _ := a["ssh_public_key"].(types.String)
		who := fmt.Sprintf("admins[%d]", i)
		if !name.IsUnknown() && !name.IsNull() {
			who = fmt.Sprintf("%q (admins[%d])", name.ValueString(), i)
			if err := bastion.CheckAdminName(name.ValueString()); err != nil {
				resp.Diagnostics.AddAttributeError(req.Path.AtListIndex(i).AtName("name"), "Invalid Administrator Name",
					fmt.Sprintf("%s: %s.", req.Path.AtListIndex(i).AtName("name"), err))
			}
		}
		if key.IsUnknown() || key.IsNull() {
			continue
		}
		if _, err := bastion.ParseAdminKey(key.ValueString()); err != nil {
			resp.Diagnostics.AddAttributeError(req.Path.AtListIndex(i).AtName("ssh_public_key"), "Invalid Administrator Key",
				fmt.Sprintf("The SSH key of the administrator %s is refused: %s. The rule: %s.", who, err, bastion.KeyRule))
		}
	}
}

// idleTimeout validates idle_timeout.
type idleTimeout struct{}

func (idleTimeout) Description(context.Context) string {
	return fmt.Sprintf("value must be a duration between %s and %s, such as 15m", bastion.MinIdleTimeout, bastion.MaxIdleTimeout)
}
func (v idleTimeout) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (idleTimeout) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := parseIdleTimeout(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Idle Timeout", fmt.Sprintf("%s: %s.", req.Path, err))
	}
}

// bastionSize validates size: a size name, or a type name of the shape
// one of the clouds uses (the cloud checks it exists).
type bastionSize struct{}

var vmTypePattern = regexp.MustCompile(`^(tinav[1-7]\.c[0-9]+r[0-9]+(p[1-3])?|[a-z][0-9a-z]*\.[a-z0-9]+|[a-z][a-z0-9]*-[0-9]+)$`)

func (bastionSize) Description(context.Context) string {
	return "value must be small, medium, large, or a VM type of the cloud such as tinav6.c2r4p2 (OUTSCALE) or b3-8 (OVHcloud)"
}
func (v bastionSize) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (bastionSize) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	if slices.Contains(cloud.Sizes, s) || vmTypePattern.MatchString(s) {
		return
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Invalid Bastion Size",
		fmt.Sprintf("%s: %q is neither a size (small, medium, large) nor a VM type such as tinav6.c2r4p2 or b3-8.", req.Path, s))
}

// imageAttr validates image: a family, or an image id of either cloud.
type imageAttr struct{}

var imageIDPattern = regexp.MustCompile(`^(ami-[0-9a-f]{8}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$`)

func (imageAttr) Description(context.Context) string {
	return "value must be debian-12, ubuntu-24.04, an OMI id (ami-…) or an OVHcloud image id (a UUID)"
}
func (v imageAttr) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (imageAttr) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	if cloud.IsImageFamily(s) || imageIDPattern.MatchString(s) {
		return
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Invalid Image",
		fmt.Sprintf("%s: %q is neither an image family (%s) nor an image id (ami-… on OUTSCALE, a UUID on OVHcloud).",
			req.Path, s, strings.Join(cloud.ImageFamilies, ", ")))
}

// stringsOf returns the strings of a set, sorted, and false if unknown.
func stringsOf(v types.Set) ([]string, bool) {
	out, ok := knownStrings(v)
	slices.Sort(out)
	return out, ok
}

func stringSetValue(items []string) types.Set {
	elems := make([]attr.Value, 0, len(items))
	for _, s := range items {
		elems = append(elems, types.StringValue(s))
	}
	return types.SetValueMust(types.StringType, elems)
}

// addProblem reports a renderer's problem against the attribute it names.
func addProblem(diags *diag.Diagnostics, p bastion.Problem) {
	at := path.Root(p.Attribute)
	if p.Index >= 0 {
		at = path.Root("admins").AtListIndex(p.Index).AtName(p.Attribute)
	}
	if strings.HasPrefix(p.Attribute, "audit_bucket.") {
		at = path.Root("audit_bucket").AtName(strings.TrimPrefix(p.Attribute, "audit_bucket."))
	}
	diags.AddAttributeError(at, "Invalid Bastion Configuration", fmt.Sprintf("%s: %s.", at, p.Msg))
}
