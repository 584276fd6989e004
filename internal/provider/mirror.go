package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/sovhealth/terraform-provider-health/internal/bastion"
	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/keymanager"
)

// The software a bastion or a key manager installs at first boot comes
// through the network's egress_allow: these helpers carry the mirrors
// between the plan and the renderers, and check at plan time that the
// tier reaches each download.

var packageMirrorAttrTypes = map[string]attr.Type{"primary": types.StringType, "security": types.StringType}

// packageMirrorOf reads a package_mirror value; nil when null or unknown.
func packageMirrorOf(v types.Object) *bastion.PackageMirror {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	a := v.Attributes()
	primary, _ := a["primary"].(types.String)
	security, _ := a["security"].(types.String)
	if primary.IsUnknown() || security.IsUnknown() {
		return nil
	}
	return &bastion.PackageMirror{Primary: primary.ValueString(), Security: security.ValueString()}
}

func packageMirrorValue(m *bastion.PackageMirror) types.Object {
	if m == nil {
		return types.ObjectNull(packageMirrorAttrTypes)
	}
	return types.ObjectValueMust(packageMirrorAttrTypes, map[string]attr.Value{
		"primary": types.StringValue(m.Primary), "security": types.StringValue(m.Security)})
}

// plannedPackageMirror is package_mirror's plan: the configuration's; else
// the state's, as the machine was made with it (null for one made before
// the attribute existed); else, for a new machine, the default of its image.
// replace says whether a mirror the machine was made with changes.
func plannedPackageMirror(config types.Object, state *types.Object, image types.String) (planned types.Object, replace bool) {
	switch {
	case !config.IsNull():
		planned = config
	case state != nil:
		return *state, false
	case image.IsUnknown():
		return types.ObjectUnknown(packageMirrorAttrTypes), false
	default:
		m, ok := bastion.DefaultPackageMirror(image.ValueString())
		if !ok {
			return types.ObjectNull(packageMirrorAttrTypes), false
		}
		return packageMirrorValue(&m), false
	}
	return planned, state != nil && !state.IsNull() && !planned.IsUnknown() && !planned.Equal(*state)
}

// checkDownloads fails the plan for each download the tier cannot reach
// through the network's outbound rules, at the attribute that sets it. A
// network_rules with no outbound rule comes from a network made before
// they existed, which lets everything out: nothing is checked.
func checkDownloads(tier string, rules []cloud.Rule, downloads []bastion.Download, attribute func(what string) path.Path, diags *diag.Diagnostics) {
	var outbound []string
	for _, r := range rules {
		if r.IsOutbound() && r.Tier == tier {
			outbound = append(outbound, r.Destination+" "+portWords(r))
		}
	}
	if len(outbound) == 0 {
		return
	}
	for _, d := range downloads {
		host, port, err := d.Endpoint()
		if err != nil {
			continue // the attribute's validator says why
		}
		if _, ok := cloud.Reaches(rules, tier, host, port); ok {
			continue
		}
		diags.AddAttributeError(attribute(d.What), "Download Not Reachable Through egress_allow",
			fmt.Sprintf("%s: the %s tier downloads software from %s (%s) at first boot, but egress is denied by default and no "+
				"outbound rule of the network lets the %s tier reach %s on TCP port %d. The tier reaches: %s.\n\n"+
				"Add an entry to the network's egress_allow with the mirror's address block, protocol \"tcp\", from_port = %d, "+
				"tiers including %q and hosts = [%q]; or use a mirror the tier already reaches.",
				d.What, tier, d.URL, host, tier, host, port, strings.Join(outbound, ", "), port, tier, host))
	}
}

// portWords says which ports a rule opens.
func portWords(r cloud.Rule) string {
	switch {
	case r.Protocol == "-1":
		return "(every port)"
	case r.FromPort == r.ToPort:
		return fmt.Sprintf("(%s/%d)", r.Protocol, r.FromPort)
	}
	return fmt.Sprintf("(%s/%d-%d)", r.Protocol, r.FromPort, r.ToPort)
}

// planPackageMirror fills the bastion's package_mirror, replaces the
// bastion when the mirror it was made with changes, and checks that the
// bastion tier reaches what the first boot downloads.
func (r *warehouseBastionResource) planPackageMirror(plan *bastionModel, cfg bastionModel, state *bastionModel, resp *resource.ModifyPlanResponse) {
	var stateMirror *types.Object
	if state != nil {
		stateMirror = &state.PackageMirror
	}
	var replace bool
	plan.PackageMirror, replace = plannedPackageMirror(cfg.PackageMirror, stateMirror, plan.Image)
	if replace {
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("package_mirror"))
	}
	if plan.PackageMirror.IsUnknown() || plan.Mode.IsUnknown() || plan.NetworkRules.IsUnknown() {
		return
	}
	downloads := bastion.Downloads(bastion.Config{Mode: plan.Mode.ValueString(), PackageMirror: packageMirrorOf(plan.PackageMirror)})
	checkDownloads(cloud.TierBastion, rulesFromValue(plan.NetworkRules), downloads, func(what string) path.Path {
		if p, ok := strings.CutPrefix(what, "package_mirror."); ok {
			return path.Root("package_mirror").AtName(p)
		}
		return path.Root(what)
	}, &resp.Diagnostics)
}

// mirrorURL accepts a mirror's base URL (see bastion.CheckMirrorURL).
type mirrorURL struct{}

func (mirrorURL) Description(context.Context) string {
	return "value must be an http:// or https:// URL, without credentials, query or fragment"
}
func (v mirrorURL) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (mirrorURL) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := bastion.CheckMirrorURL(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Mirror URL", fmt.Sprintf("%s: %s.", req.Path, err))
	}
}

// Texts shared by the key manager's mirror attributes.
const (
	mirrorsCheckedText = " Egress is denied by default: the plan fails, naming this attribute, unless the network's " +
		"`egress_allow` lets the `kms` tier reach the mirror's host on its port (80 for `http://`, 443 for `https://`), the " +
		"host being listed in the entry's `hosts` or an address inside its `cidr`."
	firstBootOnly = " Servers keep what their first boot installed: a change is recorded in place and applies to servers " +
		"made later (nothing is replaced: that would destroy the keys)."
)

// serverMirrors are where a key manager's servers take their software.
type serverMirrors struct {
	packages      *bastion.PackageMirror
	openBao       string
	openBaoSHA256 string
}

// mirrors are the plan's mirrors for the renderer.
func (m *keyManagerModel) mirrors() serverMirrors {
	return serverMirrors{packages: packageMirrorOf(m.PackageMirror), openBao: m.OpenBaoMirror.ValueString(),
		openBaoSHA256: m.OpenBaoSHA256.ValueString()}
}

// planMirrors fills the key manager's mirrors (none on OVHcloud, whose key
// manager is a service), says when a change reaches only servers made
// later, and checks that the kms tier reaches what the first boot
// downloads.
func (r *warehouseKeyManagerResource) planMirrors(plan *keyManagerModel, cfg keyManagerModel, state *keyManagerModel, backend string, resp *resource.ModifyPlanResponse) {
	if backend != cloud.BackendOpenBao {
		for _, a := range []struct {
			name string
			set  bool
		}{{"package_mirror", !cfg.PackageMirror.IsNull()}, {"openbao_mirror", !cfg.OpenBaoMirror.IsNull()}, {"openbao_sha256", !cfg.OpenBaoSHA256.IsNull()}} {
			if a.set {
				resp.Diagnostics.AddAttributeWarning(path.Root(a.name), "Mirror Ignored on OVHcloud",
					a.name+" has no effect on OVHcloud: the key manager is the OVHcloud KMS (OKMS), a service OVHcloud runs; the "+
						"provider installs nothing there.")
			}
		}
		if cfg.PackageMirror.IsNull() {
			plan.PackageMirror = types.ObjectNull(packageMirrorAttrTypes)
		}
		if cfg.OpenBaoMirror.IsNull() {
			plan.OpenBaoMirror = types.StringNull()
		}
		return
	}
	var stateMirror *types.Object
	if state != nil {
		stateMirror = &state.PackageMirror
	}
	var changed bool
	plan.PackageMirror, changed = plannedPackageMirror(cfg.PackageMirror, stateMirror, types.StringValue(cloud.ImageDebian12))
	switch {
	case !cfg.OpenBaoMirror.IsNull():
		changed = changed || (state != nil && !state.OpenBaoMirror.IsNull() && !cfg.OpenBaoMirror.Equal(state.OpenBaoMirror))
	case state != nil:
		plan.OpenBaoMirror = state.OpenBaoMirror
	default:
		plan.OpenBaoMirror = types.StringValue(keymanager.DefaultOpenBaoMirror(keymanager.OpenBaoVersion))
	}
	if state != nil && !state.OpenBaoSHA256.Equal(plan.OpenBaoSHA256) {
		changed = true
	}
	if changed {
		resp.Diagnostics.AddWarning("Key Manager Servers Keep Their First Boot",
			"The mirrors the servers install their software from changed. The servers installed theirs at their first boot "+
				"and keep them; servers made later (after one is terminated) use the new mirrors. Nothing is replaced: that "+
				"would destroy the keys.")
	}
	if plan.PackageMirror.IsUnknown() || plan.OpenBaoMirror.IsUnknown() || plan.OpenBaoSHA256.IsUnknown() || plan.NetworkRules.IsUnknown() {
		return
	}
	if strings.HasPrefix(plan.OpenBaoMirror.ValueString(), "http://") && plan.OpenBaoSHA256.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("openbao_sha256"), "Checksum Required for a Plain-HTTP Mirror",
			fmt.Sprintf("openbao_mirror %s is plain HTTP: a checksums file fetched in clear proves nothing. Give openbao_sha256, "+
				"the SHA-256 of OpenBao's Debian package for amd64, or use an https:// mirror.", plan.OpenBaoMirror.ValueString()))
	}
	downloads := keymanager.Downloads(keymanager.Config{Version: keymanager.OpenBaoVersion, PackageMirror: packageMirrorOf(plan.PackageMirror),
		OpenBaoMirror: plan.OpenBaoMirror.ValueString()})
	checkDownloads(cloud.TierKMS, rulesFromValue(plan.NetworkRules), downloads, func(what string) path.Path {
		if p, ok := strings.CutPrefix(what, "package_mirror."); ok {
			return path.Root("package_mirror").AtName(p)
		}
		return path.Root(what)
	}, &resp.Diagnostics)
}

// sha256Hex accepts a SHA-256 in hex (see keymanager.CheckSHA256).
type sha256Hex struct{}

func (sha256Hex) Description(context.Context) string {
	return "value must be a SHA-256: 64 lower-case hexadecimal digits"
}
func (v sha256Hex) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (sha256Hex) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := keymanager.CheckSHA256(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid SHA-256", fmt.Sprintf("%s: %s.", req.Path, err))
	}
}
