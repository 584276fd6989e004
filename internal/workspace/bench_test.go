package workspace

import (
	"testing"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// The renderer runs for every machine of a workspace at each create and
// rebuild, and its checks at every plan (members, data gateways). make
// bench runs these with go test -bench.

func BenchmarkRender(b *testing.B) {
	cfg := testConfig(b, cloud.OVH) // OVHcloud: the user-data is compressed to fit its limit
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Render(cfg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheck(b *testing.B) {
	cfg := testConfig(b, cloud.Outscale)
	b.ReportAllocs()
	for b.Loop() {
		if problems := Check(cfg); len(problems) > 0 {
			b.Fatal(problems)
		}
	}
}
