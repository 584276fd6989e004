package provider

import (
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// configuredData extracts the provider's data in a resource's or data
// source's Configure. It returns nil, without error, before the provider is
// configured (Terraform validates configurations before configuring).
func configuredData(raw any, diags *diag.Diagnostics) *providerData {
	if raw == nil {
		return nil
	}
	data, ok := raw.(*providerData)
	if !ok {
		diags.AddError("Unexpected Provider Data Type",
			fmt.Sprintf("Expected *provider.providerData, got %T. Please report this issue to the provider developers.", raw))
		return nil
	}
	return data
}

func notConfigured() diag.Diagnostic {
	return diag.NewErrorDiagnostic("Provider Not Configured",
		"The health provider was not configured before use. Please report this issue to the provider developers.")
}

// cloudErrorDiagnostic explains a cloud error to the person running Terraform:
// what failed, and what to do about it. Error texts never contain secrets.
func cloudErrorDiagnostic(summary string, err error) diag.Diagnostic {
	var missing *cloud.MissingSettingsError
	if errors.As(err, &missing) {
		return diag.NewErrorDiagnostic("Missing "+cloud.Title(missing.Cloud)+" Credentials",
			summary+": "+err.Error()+". Set them in the provider block or in the environment.")
	}
	var b strings.Builder
	b.WriteString(err.Error())
	switch {
	case errors.Is(err, cloud.ErrAuth):
		b.WriteString("\n\nThe cloud refused the credentials. Check the access key and secret (OUTSCALE) or the " +
			"application key, secret and consumer key, or the OAuth2 client (OVHcloud), and that the computer's clock is right: " +
			"signed requests older than five minutes are refused.")
	case errors.Is(err, cloud.ErrThrottled):
		b.WriteString("\n\nThe cloud kept throttling the calls after several retries. Lower api_rate_limit or " +
			"Terraform's -parallelism, then try again.")
	case errors.Is(err, cloud.ErrUnavailable):
		b.WriteString("\n\nThe cloud could not be reached or failed on its side. Check the endpoint and the network, then try again.")
	}
	return diag.NewErrorDiagnostic(summary, b.String())
}
