package provider

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/compliance"
)

// envComplianceProfile sets the profile when the provider block does not.
const envComplianceProfile = "HEALTH_COMPLIANCE_PROFILE"

// complianceProfile resolves the provider's profile: the block's, else the
// environment's, else secnumcloud.
func complianceProfile(v types.String) string {
	if p := stringOr(v, os.Getenv(envComplianceProfile)); p != "" {
		return p
	}
	return compliance.ProfileSecNumCloud
}

// complianceExceptionsAttribute is the compliance_exceptions attribute every
// resource has.
func complianceExceptionsAttribute() schema.ListNestedAttribute {
	var ids []string
	for _, c := range compliance.Catalogue() {
		ids = append(ids, c.ID)
	}
	return schema.ListNestedAttribute{
		MarkdownDescription: "Controls of the provider's `compliance_profile` that this resource is allowed to fail, each " +
			"with the reason. A failed control without an exception stops the plan with an error; with one, the plan " +
			"goes on with a warning that repeats the justification, and compliance reports show the control as " +
			"`excepted`. See the Compliance guide for the controls.",
		Optional: true,
		NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
			"control": schema.StringAttribute{
				MarkdownDescription: "The control's id, such as `HW-ADM-01`.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.OneOf(ids...)},
			},
			"justification": schema.StringAttribute{
				MarkdownDescription: "Why the risk is accepted, and who accepted it: it is shown in every plan and report.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
		}},
	}
}

// exceptionsFrom reads compliance_exceptions; unknown entries are skipped.
func exceptionsFrom(v types.List) []compliance.Exception {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	var out []compliance.Exception
	for _, e := range v.Elements() {
		o, ok := e.(types.Object)
		if !ok || o.IsUnknown() || o.IsNull() {
			continue
		}
		a := o.Attributes()
		control, _ := a["control"].(types.String)
		why, _ := a["justification"].(types.String)
		if control.IsUnknown() || why.IsUnknown() {
			continue
		}
		out = append(out, compliance.Exception{Control: control.ValueString(), Justification: why.ValueString()})
	}
	return out
}

// validateExceptions reports, at the compliance_exceptions attribute, the
// exceptions that cannot apply to a resource of kind k.
func validateExceptions(k compliance.Kind, v types.List, diags *diag.Diagnostics) {
	for _, err := range compliance.CheckExceptions(k, exceptionsFrom(v)) {
		diags.AddAttributeError(path.Root("compliance_exceptions"), "Invalid Compliance Exception",
			fmt.Sprintf("compliance_exceptions: %s.", err))
	}
}

// regionFacts is what the regions catalogue says of a cloud's region.
func regionFacts(cloudName, region string) compliance.RegionFacts {
	r, ok := cloud.LookupRegion(cloudName, region)
	return compliance.RegionFacts{Name: region, Known: ok, InEU: r.InEU, SecNumCloud: r.SecNumCloud, HDS: r.HDS,
		Offer: r.Offer, Source: r.Source}
}

// enforceCompliance runs the controls over a planned resource: an enforced
// control that fails is an error at the attribute that decides it, unless
// an exception accepts it, which turns it into a warning.
func enforceCompliance(_ context.Context, data *providerData, s compliance.Subject, exceptions []compliance.Exception, diags *diag.Diagnostics) {
	if data == nil {
		return
	}
	s.Cloud = data.cloud.Name()
	s.Region = regionFacts(s.Cloud, data.cloud.Region())
	for _, f := range compliance.Evaluate(data.profile, s, exceptions) {
		c, _ := compliance.Lookup(f.Control)
		switch {
		case f.Status == compliance.StatusFail && f.Enforced:
			addAt(diags, f.Attribute, diag.NewErrorDiagnostic(fmt.Sprintf("Compliance Control %s Failed", f.Control),
				fmt.Sprintf("%s: %s, which the %q compliance profile requires (%s). Found: %s.\n\n%s\n\n"+
					"To accept the risk instead, add { control = %q, justification = \"…\" } to compliance_exceptions, "+
					"or change the provider's compliance_profile.",
					f.Control, c.Title, data.profile, sourceRefs(c), f.Evidence, c.Fix, f.Control)))
		case f.Status == compliance.StatusExcepted && f.Enforced:
			addAt(diags, f.Attribute, diag.NewWarningDiagnostic(fmt.Sprintf("Compliance Control %s Excepted", f.Control),
				fmt.Sprintf("%s: %s fails (%s) and is accepted by compliance_exceptions: %s",
					f.Control, c.Title, f.Evidence, strings.TrimPrefix(f.Detail, "accepted: "))))
		}
	}
}

// addAt reports d at a control's attribute ("encryption.mode"); "region"
// is the provider's, so it is reported on the resource as a whole.
func addAt(diags *diag.Diagnostics, attribute string, d diag.Diagnostic) {
	if attribute == "region" || attribute == "" {
		diags.Append(d)
		return
	}
	parts := strings.Split(attribute, ".")
	p := path.Root(parts[0])
	for _, part := range parts[1:] {
		p = p.AtName(part)
	}
	diags.Append(diag.WithPath(p, d))
}

func sourceRefs(c compliance.Control) string {
	refs := make([]string, len(c.Sources))
	for i, s := range c.Sources {
		refs[i] = s.Ref
	}
	return strings.Join(refs, "; ")
}
