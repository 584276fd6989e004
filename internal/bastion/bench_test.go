package bastion

import "testing"

// The renderer runs at every plan of a bastion (its user-data's digest is
// compared with the state's) and its recovery at every import. make bench
// runs these with go test -bench.

func BenchmarkRender(b *testing.B) {
	cfg := testConfig(b, MFATOTP)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Render(cfg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRecover(b *testing.B) {
	userData, err := Render(testConfig(b, MFATOTP))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Recover(userData); err != nil {
			b.Fatal(err)
		}
	}
}
