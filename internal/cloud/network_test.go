package cloud_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

func TestDefaultSubnetsAreTheFourQuarters(t *testing.T) {
	t.Parallel()
	for cidr, want := range map[string]map[string]string{
		"10.20.0.0/16":   {"bastion": "10.20.0.0/18", "compute": "10.20.64.0/18", "data": "10.20.128.0/18", "kms": "10.20.192.0/18"},
		"192.168.7.0/24": {"bastion": "192.168.7.0/26", "compute": "192.168.7.64/26", "data": "192.168.7.128/26", "kms": "192.168.7.192/26"},
	} {
		got, err := cloud.DefaultSubnets(cidr)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("DefaultSubnets(%s) = %v, %v; want %v", cidr, got, err, want)
		}
		if problems := cloud.CheckSubnets(cidr, got); len(problems) != 0 {
			t.Errorf("the default layout of %s is refused: %v", cidr, problems)
		}
	}
}

func TestCheckNetworkCIDR(t *testing.T) {
	t.Parallel()
	for cidr, wantErr := range map[string]string{
		"10.0.0.0/16":     "",
		"172.20.0.0/20":   "",
		"192.168.1.0/24":  "",
		"8.8.0.0/16":      "not a private range",
		"172.32.0.0/16":   "not a private range",
		"10.0.0.0/8":      "between /16 and /24",
		"10.0.0.0/25":     "between /16 and /24",
		"10.0.0.1/16":     "host bits",
		"fd00::/64":       "not an IPv4 block",
		"ten.0.0.0/16":    "not a CIDR block",
		"":                "not a CIDR block",
		"10.0.0.0/16/16":  "not a CIDR block",
		"192.168.0.0/16 ": "not a CIDR block",
	} {
		err := cloud.CheckNetworkCIDR(cidr)
		if (wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), wantErr)) {
			t.Errorf("CheckNetworkCIDR(%q) = %v, want %q", cidr, err, wantErr)
		}
	}
}

func TestCheckSubnetsNamesBothOverlappingSubnets(t *testing.T) {
	t.Parallel()
	problems := cloud.CheckSubnets("10.0.0.0/16", map[string]string{
		"bastion": "10.0.0.0/24", "compute": "10.0.0.128/25", "data": "10.1.0.0/24", "kms": "10.0.9.0/30",
	})
	var got []string
	for _, p := range problems {
		got = append(got, p.Tier+"/"+p.Other+": "+p.Msg)
	}
	want := []string{
		"compute/bastion: compute (10.0.0.128/25) overlaps bastion (10.0.0.0/24)",
		"data/: 10.1.0.0/24 is not inside the network's cidr 10.0.0.0/16",
		"kms/: 10.0.9.0/30 is smaller than /28",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("problems =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestCheckAdminCIDR(t *testing.T) {
	t.Parallel()
	if err := cloud.CheckAdminCIDR("0.0.0.0/0", false); err == nil || !strings.Contains(err.Error(), "allow_admin_from_anywhere") {
		t.Errorf("0.0.0.0/0 without the flag: %v", err)
	}
	if err := cloud.CheckAdminCIDR("0.0.0.0/0", true); err != nil {
		t.Errorf("0.0.0.0/0 with the flag: %v", err)
	}
	if err := cloud.CheckAdminCIDR("203.0.113.7/32", false); err != nil {
		t.Errorf("a /32: %v", err)
	}
	if err := cloud.CheckAdminCIDR("203.0.113.7/24", false); err == nil || !strings.Contains(err.Error(), "203.0.113.0/24") {
		t.Errorf("host bits: %v", err)
	}
}

func TestDesiredRulesOpenOnlyWhatTheTiersNeed(t *testing.T) {
	t.Parallel()
	rules := cloud.DesiredRules(cloud.NetworkSpec{AdminCIDRs: []string{"203.0.113.7/32"}})
	var got []string
	for _, r := range rules {
		got = append(got, r.Key())
		if cloud.RulePurpose(r) != r.Purpose {
			t.Errorf("RulePurpose(%s) = %q, want %q", r.Key(), cloud.RulePurpose(r), r.Purpose)
		}
	}
	want := []string{
		"bastion|tcp|22|22|203.0.113.7/32",
		"compute|tcp|22|22|tier:bastion",
		"data|tcp|22|22|tier:bastion",
		"data|tcp|443|443|tier:compute",
		"kms|tcp|22|22|tier:bastion",
		"kms|tcp|8200|8200|tier:compute",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("rules =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
