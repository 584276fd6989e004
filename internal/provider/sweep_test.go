package provider_test

import (
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/sovhealth/terraform-provider-health/internal/acctest"
	"github.com/sovhealth/terraform-provider-health/internal/sweep"
)

// The sweepers of every resource type, which `make sweep` runs
// (go test ./internal/provider -sweep=outscale,ovh): they delete every
// object whose name starts with acctest.NamePrefix in the clouds the
// environment names, an emulator's or a real account's (see
// internal/sweep and the README's testing section).
func init() {
	for _, s := range sweep.Sweepers(acctest.NamePrefix, sweep.EnvClients) {
		resource.AddTestSweepers(s.Name, s)
	}
}
