package provider

import "testing"

// An exception of the report applies to the resource it names, by its
// whole name, its name or its cloud id, and to no other resource whose
// name merely contains it.
func TestExceptionFor(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		subject, name string
		want          bool
	}{
		{"", "wh-raw", true},
		{"wh-raw", "wh-raw", true},
		{"wh-raw", "wh-raw-archive", false},
		{"diab", "wh-ws-diab-working", false},
		{"wh-data", "wh-data (key-1234)", true},
		{"key-1234", "wh-data (key-1234)", true},
		{"wh-data (key-1234)", "wh-data (key-1234)", true},
		{"wh", "wh-data (key-1234)", false},
		{"key-12", "wh-data (key-1234)", false},
		{"vpc-1a2b", "vpc-1a2b", true},
	} {
		if got := exceptionFor(tc.subject, tc.name); got != tc.want {
			t.Errorf("exceptionFor(%q, %q) = %v, want %v", tc.subject, tc.name, got, tc.want)
		}
	}
}
