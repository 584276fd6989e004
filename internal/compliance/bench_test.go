package compliance

import "testing"

// Every plan of every resource evaluates the catalogue against it; make
// bench runs this with go test -bench.
func BenchmarkEvaluate_warehouse(b *testing.B) {
	subjects := []Subject{
		{Kind: KindNetwork, Name: "wh", Cloud: "outscale", Region: qualified, Network: &NetworkFacts{AdminCIDRs: []string{"203.0.113.7/32"}}},
		{Kind: KindKMSKey, Name: "k", Region: qualified, Key: &KeyFacts{Backend: "openbao", RotationPeriodDays: 90, DeletionProtection: true}},
		{Kind: KindStorage, Name: "raw", Region: qualified, Bucket: goodBucket("raw")},
		{Kind: KindStorage, Name: "audit", Region: qualified, Bucket: goodBucket("audit")},
		{Kind: KindBastion, Name: "bastion", Region: qualified, Bastion: &BastionFacts{MFA: "totp", SessionRecording: true}},
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range subjects {
			if v := Violations(Evaluate(ProfileHDS, s, nil)); len(v) > 0 {
				b.Fatalf("%s fails %s", s.Name, v[0].Control)
			}
		}
	}
}
