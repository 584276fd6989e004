package cloud_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

func TestKeyManagerAddresses(t *testing.T) {
	t.Parallel()
	for name, c := range []struct {
		cidr  string
		used  []string
		count int
		want  []string
	}{
		{"10.20.3.0/24", nil, 3, []string{"10.20.3.10", "10.20.3.11", "10.20.3.12"}},
		{"10.20.3.0/24", []string{"10.20.3.11"}, 3, []string{"10.20.3.10", "10.20.3.12", "10.20.3.13"}},
		// A /28 has room for five from its tenth address, the last one reserved.
		{"10.20.3.16/28", nil, 5, []string{"10.20.3.26", "10.20.3.27", "10.20.3.28", "10.20.3.29", "10.20.3.30"}},
		// When the tenth onwards are taken, from the fourth.
		{"10.20.3.16/28", []string{"10.20.3.26", "10.20.3.27", "10.20.3.28"}, 3, []string{"10.20.3.29", "10.20.3.30", "10.20.3.20"}},
	} {
		got, err := cloud.KeyManagerAddresses(c.cidr, c.used, c.count)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("case %d: %v (%v), want %v", name, got, err, c.want)
		}
	}
	if _, err := cloud.KeyManagerAddresses("10.20.3.16/28", []string{"10.20.3.20", "10.20.3.21", "10.20.3.22", "10.20.3.23",
		"10.20.3.24", "10.20.3.25", "10.20.3.26", "10.20.3.27", "10.20.3.28", "10.20.3.29"}, 3); !errors.Is(err, cloud.ErrQuota) {
		t.Errorf("a full subnet: %v", err)
	}
	if _, err := cloud.KeyManagerAddresses("not a cidr", nil, 1); err == nil {
		t.Error("an unreadable block was accepted")
	}
}

func TestKeyManagerLayout(t *testing.T) {
	t.Parallel()
	layout := []string{"10.20.3.10", "10.20.3.11"}
	if got := cloud.ParseKeyManagerLayout(cloud.FormatKeyManagerLayout(layout)); !slices.Equal(got, layout) {
		t.Errorf("round trip: %v", got)
	}
	if got := cloud.ParseKeyManagerLayout("10.20.3.10,nonsense"); got != nil {
		t.Errorf("an unreadable layout: %v", got)
	}
	k := cloud.KeyManagerCluster{NodeAddresses: []string{"a", "b", "c"}, Nodes: []cloud.KeyManagerNode{
		{Index: 1, Running: true}, {Index: 3, Running: false}}}
	if !slices.Equal(k.MissingNodes(), []int{2}) || !slices.Equal(k.StoppedNodes(), []int{3}) {
		t.Errorf("missing %v, stopped %v", k.MissingNodes(), k.StoppedNodes())
	}
}
