package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/cloud/outscale"
	"github.com/sovhealth/terraform-provider-health/internal/cloud/ovh"
)

// validateRegion checks a configured region against the regions catalogue.
func validateRegion(cloudName string, p path.Path, v types.String, diags *diag.Diagnostics) {
	if v.IsNull() || v.IsUnknown() {
		return
	}
	if detail := unknownRegion(cloudName, p.String(), v.ValueString()); detail != "" {
		diags.AddAttributeError(p, "Unknown "+cloud.Title(cloudName)+" Region", detail)
	}
}

// checkRegion does the same for a region that may come from the
// environment, at Configure time. It reports whether the region is usable.
func checkRegion(cloudName, attribute, region string, diags *diag.Diagnostics) bool {
	if region == "" {
		return true // missing: reported at the first call that needs it
	}
	if detail := unknownRegion(cloudName, attribute, region); detail != "" {
		diags.AddError("Unknown "+cloud.Title(cloudName)+" Region", detail)
		return false
	}
	return true
}

func unknownRegion(cloudName, attribute, region string) string {
	if r, ok := cloud.LookupRegion(cloudName, region); ok && r.ProviderSupported {
		return ""
	}
	var names []string
	for _, r := range cloud.Regions() {
		if r.Cloud == cloudName && r.ProviderSupported {
			names = append(names, r.Name)
		}
	}
	return fmt.Sprintf("%s = %q is not a region this provider can deploy to on %s. Known regions: %s. "+
		"Region names are case-sensitive.", attribute, region, cloud.Title(cloudName), strings.Join(names, ", "))
}

// validateEndpoint checks an endpoint override at plan time.
func validateEndpoint(cloudName string, p path.Path, v types.String, diags *diag.Diagnostics) {
	if v.IsNull() || v.IsUnknown() {
		return
	}
	var err error
	switch cloudName {
	case cloud.Outscale:
		err = outscale.ValidateEndpoint(v.ValueString())
	case cloud.OVH:
		_, err = ovh.ResolveEndpoint(v.ValueString())
	}
	if err != nil {
		diags.AddAttributeError(p, "Invalid "+cloud.Title(cloudName)+" Endpoint", fmt.Sprintf("%s: %s.", p, err))
	}
}

// validateKMSSettings checks the customer-held key manager's settings of
// the outscale block at plan time: its address is a URL, its mount a path,
// its CA certificate PEM. The token is never echoed.
func validateKMSSettings(o *outscaleModel, diags *diag.Diagnostics) {
	block := path.Root("outscale")
	checks := []struct {
		name  string
		value types.String
		check func(string) error
	}{
		{"kms_address", o.KMSAddress, outscale.ValidateKMSAddress},
		{"kms_mount", o.KMSMount, outscale.ValidateKMSMount},
		{"kms_ca_cert", o.KMSCACert, outscale.ValidateKMSCACert},
	}
	for _, c := range checks {
		if c.value.IsNull() || c.value.IsUnknown() {
			continue
		}
		if err := c.check(c.value.ValueString()); err != nil {
			diags.AddAttributeError(block.AtName(c.name), "Invalid OpenBao Key Manager Setting",
				fmt.Sprintf("outscale.%s: %s.", c.name, err))
		}
	}
}

// tflogLogger sends the cloud clients' log lines to Terraform's provider
// log, masking every secret the configuration holds as defence in depth:
// the clients never put one in a field to begin with.
type tflogLogger struct {
	secrets []string
}

func newLogger(secrets []string) cloud.Logger {
	var kept []string
	for _, s := range secrets {
		if s != "" {
			kept = append(kept, s)
		}
	}
	return tflogLogger{secrets: kept}
}

func (l tflogLogger) Debug(ctx context.Context, msg string, fields map[string]any) {
	if len(l.secrets) > 0 {
		ctx = tflog.MaskAllFieldValuesStrings(ctx, l.secrets...)
		ctx = tflog.MaskMessageStrings(ctx, l.secrets...)
	}
	tflog.Debug(ctx, msg, fields)
}
