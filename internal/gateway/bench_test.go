package gateway

import (
	"testing"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// The renderer runs at each create of a data gateway, after a TLS
// certificate is issued for it (IssueTLS). make bench runs these with go
// test -bench.

func BenchmarkRender(b *testing.B) {
	cfg := testConfig(b, cloud.Outscale, testEndpoint, caOf(b))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Render(cfg); err != nil {
			b.Fatal(err)
		}
	}
}
