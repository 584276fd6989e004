package cloud_test

import (
	"net/url"
	"testing"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// The catalogue is what tender evaluators read: every flag must stand on a
// source, and no rule of the qualifications may be contradicted.
func TestRegionsCatalogueIsConsistent(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, r := range cloud.Regions() {
		key := r.Cloud + "/" + r.Name
		if seen[key] {
			t.Errorf("%s is listed twice", key)
		}
		seen[key] = true
		if r.Cloud != cloud.Outscale && r.Cloud != cloud.OVH {
			t.Errorf("%s: unknown cloud", key)
		}
		for what, u := range map[string]string{"source": r.Source, "hds_source": r.HDSSource} {
			if parsed, err := url.Parse(u); err != nil || parsed.Scheme != "https" || parsed.Host == "" {
				t.Errorf("%s: %s %q is not an https URL", key, what, u)
			}
		}
		if r.Location == "" || len(r.Country) != 2 || r.Offer == "" || r.Notes == "" {
			t.Errorf("%s: location, country, offer and notes are all required: %+v", key, r)
		}
		if !r.InEU && (r.SecNumCloud || r.HDS) {
			t.Errorf("%s: outside the EU yet marked qualified or HDS", key)
		}
	}
}

func TestQualifiedRegionsAreTheDocumentedOnes(t *testing.T) {
	t.Parallel()
	var qualified []string
	for _, r := range cloud.Regions() {
		if r.SecNumCloud && r.ProviderSupported {
			qualified = append(qualified, r.Cloud+"/"+r.Name)
		}
	}
	// OUTSCALE names one qualified Region; no OVHcloud Public Cloud region is.
	if len(qualified) != 1 || qualified[0] != "outscale/cloudgouv-eu-west-1" {
		t.Fatalf("SecNumCloud regions the provider can deploy to = %v, want [outscale/cloudgouv-eu-west-1]", qualified)
	}
	if r, ok := cloud.LookupRegion(cloud.OVH, "hosted-private-cloud-snc-rbx"); !ok || !r.SecNumCloud || r.ProviderSupported {
		t.Fatalf("OVHcloud's qualified Hosted Private Cloud must be listed as qualified and not deployable: %+v", r)
	}
}
