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
		"bastion|inbound|tcp|22|22|203.0.113.7/32",
		"bastion|outbound|tcp|22|22|tier:compute",
		"bastion|outbound|tcp|22|22|tier:data",
		"bastion|outbound|tcp|22|22|tier:kms",
		"bastion|outbound|tcp|443|443|service:object-storage",
		"compute|inbound|tcp|22|22|tier:bastion",
		"compute|outbound|tcp|443|443|service:object-storage",
		"compute|outbound|tcp|443|443|tier:data",
		"compute|outbound|tcp|8200|8200|tier:kms",
		"data|inbound|tcp|22|22|tier:bastion",
		"data|inbound|tcp|443|443|tier:compute",
		"data|outbound|tcp|443|443|service:object-storage",
		"data|outbound|tcp|8200|8200|tier:kms",
		"kms|inbound|tcp|22|22|tier:bastion",
		"kms|inbound|tcp|8200|8200|tier:compute",
		"kms|inbound|tcp|8200|8200|tier:data",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("rules =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// Every flow between tiers that an inbound rule admits is let out of the
// tier it starts in, and nothing else leaves the warehouse but object
// storage: the kms tier reaches nothing outside.
func TestDesiredRulesLetOutOnlyTheWarehousesOwnFlows(t *testing.T) {
	t.Parallel()
	rules := cloud.DesiredRules(cloud.NetworkSpec{AdminCIDRs: []string{"203.0.113.7/32"}})
	out := map[string]bool{}
	for _, r := range rules {
		if r.IsOutbound() {
			out[r.Key()] = true
			if cloud.IsAnywhere(r.Destination) || strings.Contains(r.Destination, "/") {
				t.Errorf("%s leaves the warehouse for a block of addresses", r.Key())
			}
		}
	}
	for _, r := range rules {
		if tier, ok := strings.CutPrefix(r.Source, "tier:"); ok && !r.IsOutbound() {
			back := cloud.Rule{Tier: tier, Direction: cloud.Outbound, Protocol: r.Protocol, FromPort: r.FromPort, ToPort: r.ToPort,
				Destination: cloud.TierSource(r.Tier)}
			if !out[back.Key()] {
				t.Errorf("%s is admitted but %s is not let out", r.Key(), back.Key())
			}
		}
	}
	for _, r := range rules {
		if r.Tier == cloud.TierKMS && r.IsOutbound() {
			t.Errorf("the kms tier reaches %s", r.Destination)
		}
	}
}

func TestDesiredRulesOpenEgressAllowFromItsTiers(t *testing.T) {
	t.Parallel()
	spec := cloud.NetworkSpec{AdminCIDRs: []string{"203.0.113.7/32"}, EgressAllow: []cloud.EgressRule{
		{Name: "mirror", CIDR: "198.51.100.0/24", FromPort: 443, Tiers: []string{"kms", "bastion"}, Hosts: []string{"mirror.example.org"}},
		{Name: "ntp", CIDR: "192.0.2.123/32", Protocol: "udp", FromPort: 123, ToPort: 123, Tiers: []string{"compute"}},
		{Name: "vpn", CIDR: "192.0.2.0/28", Protocol: "-1", Tiers: []string{"data"}},
	}}
	var got []string
	for _, r := range cloud.DesiredRules(spec) {
		if strings.HasPrefix(r.Purpose, "egress_allow") {
			got = append(got, r.Key()+" "+r.Purpose+" "+strings.Join(r.Hosts, ","))
		}
	}
	want := []string{
		`bastion|outbound|tcp|443|443|198.51.100.0/24 egress_allow "mirror" mirror.example.org`,
		`compute|outbound|udp|123|123|192.0.2.123/32 egress_allow "ntp" `,
		`data|outbound|-1|-1|-1|192.0.2.0/28 egress_allow "vpn" `,
		`kms|outbound|tcp|443|443|198.51.100.0/24 egress_allow "mirror" mirror.example.org`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("egress rules =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestCheckEgressRules(t *testing.T) {
	t.Parallel()
	ok := cloud.EgressRule{Name: "mirror", CIDR: "198.51.100.0/24", FromPort: 443, Tiers: []string{"kms"}, Hosts: []string{"deb.debian.org"}}
	if problems := cloud.CheckEgressRules([]cloud.EgressRule{ok}); len(problems) != 0 {
		t.Fatalf("a good entry: %+v", problems)
	}
	for name, c := range map[string]struct {
		entries []cloud.EgressRule
		field   string
		msg     string
	}{
		"same name":        {[]cloud.EgressRule{ok, {Name: "mirror", CIDR: "192.0.2.0/24", FromPort: 80, Tiers: []string{"kms"}}}, "name", "already names entry 0"},
		"no port":          {[]cloud.EgressRule{{Name: "x", CIDR: "192.0.2.0/24", Tiers: []string{"kms"}}}, "from_port", "needs from_port"},
		"ports reversed":   {[]cloud.EgressRule{{Name: "x", CIDR: "192.0.2.0/24", FromPort: 443, ToPort: 80, Tiers: []string{"kms"}}}, "to_port", "between from_port"},
		"bad host":         {[]cloud.EgressRule{{Name: "x", CIDR: "192.0.2.0/24", FromPort: 443, Tiers: []string{"kms"}, Hosts: []string{"https://mirror"}}}, "hosts", "not a host name"},
		"same rule twice":  {[]cloud.EgressRule{ok, {Name: "again", CIDR: "198.51.100.0/24", FromPort: 443, ToPort: 443, Tiers: []string{"kms"}}}, "", "same rule as entry 0"},
		"udp without port": {[]cloud.EgressRule{{Name: "x", CIDR: "192.0.2.0/24", Protocol: "udp", Tiers: []string{"kms"}}}, "from_port", "a udp entry"},
	} {
		problems := cloud.CheckEgressRules(c.entries)
		if len(problems) != 1 || problems[0].Field != c.field || !strings.Contains(problems[0].Msg, c.msg) {
			t.Errorf("%s: problems = %+v, want one on %q saying %q", name, problems, c.field, c.msg)
		}
	}
}

func TestReachesNamesTheRuleThatLetsATierOut(t *testing.T) {
	t.Parallel()
	rules := cloud.DesiredRules(cloud.NetworkSpec{EgressAllow: []cloud.EgressRule{
		{Name: "mirror", CIDR: "198.51.100.0/24", FromPort: 443, Tiers: []string{"kms"}, Hosts: []string{"mirror.example.org"}},
		{Name: "web", CIDR: "0.0.0.0/0", FromPort: 80, Tiers: []string{"bastion"}},
	}})
	for _, c := range []struct {
		tier, host string
		port       int
		want       string // the purpose of the rule, "" for none
	}{
		{"kms", "mirror.example.org", 443, `egress_allow "mirror"`},
		{"kms", "MIRROR.example.org", 443, `egress_allow "mirror"`},
		{"kms", "198.51.100.7", 443, `egress_allow "mirror"`},
		{"kms", "mirror.example.org", 80, ""},
		{"compute", "mirror.example.org", 443, ""},
		{"kms", "github.com", 443, ""},
		{"bastion", "deb.debian.org", 80, `egress_allow "web"`},
		{"bastion", "deb.debian.org", 443, ""},
	} {
		r, ok := cloud.Reaches(rules, c.tier, c.host, c.port)
		if ok != (c.want != "") || r.Purpose != c.want {
			t.Errorf("Reaches(%s, %s:%d) = %q, %v; want %q", c.tier, c.host, c.port, r.Purpose, ok, c.want)
		}
	}
}

func TestAnnotateRulesRestoresPurposesAndHosts(t *testing.T) {
	t.Parallel()
	desired := cloud.DesiredRules(cloud.NetworkSpec{EgressAllow: []cloud.EgressRule{
		{Name: "mirror", CIDR: "198.51.100.0/24", FromPort: 443, Tiers: []string{"kms"}, Hosts: []string{"mirror.example.org"}}}})
	read := []cloud.Rule{
		{Tier: "kms", Direction: cloud.Outbound, Protocol: "tcp", FromPort: 443, ToPort: 443, Destination: "198.51.100.0/24",
			Purpose: "opened outside this configuration"},
		{Tier: "kms", Direction: cloud.Outbound, Protocol: "-1", FromPort: -1, ToPort: -1, Destination: "0.0.0.0/0",
			Purpose: "opened outside this configuration"},
	}
	got := cloud.AnnotateRules(read, desired)
	if got[0].Purpose != `egress_allow "mirror"` || !reflect.DeepEqual(got[0].Hosts, []string{"mirror.example.org"}) {
		t.Errorf("the mirror's rule = %+v", got[0])
	}
	if got[1].Purpose != "opened outside this configuration" || got[1].Hosts != nil {
		t.Errorf("a rule nobody asked for = %+v", got[1])
	}
}

// On a cloud whose network reaches its API privately, the bastion alone
// gets HTTPS to it, named as the service: no block of addresses, and the
// purpose survives a read back; without it no rule names the API.
func TestDesiredRulesLetTheBastionReachTheCloudAPI(t *testing.T) {
	t.Parallel()
	with := cloud.DesiredRules(cloud.NetworkSpec{AdminCIDRs: []string{"203.0.113.7/32"}, CloudAPI: true})
	var api []cloud.Rule
	for _, r := range with {
		if r.Peer() == cloud.ServiceAPI {
			api = append(api, r)
		}
	}
	if len(api) != 1 || api[0].Tier != cloud.TierBastion || !api[0].IsOutbound() || api[0].Protocol != "tcp" ||
		api[0].FromPort != cloud.PortAPI || api[0].ToPort != cloud.PortAPI {
		t.Fatalf("rules to the API = %+v, want the bastion's on tcp/443", api)
	}
	if got := cloud.RulePurpose(cloud.Rule{Tier: api[0].Tier, Direction: cloud.Outbound, Protocol: "tcp", FromPort: 443, ToPort: 443,
		Destination: cloud.ServiceAPI}); got != api[0].Purpose {
		t.Errorf("the purpose read back is %q, want %q", got, api[0].Purpose)
	}
	for _, r := range cloud.DesiredRules(cloud.NetworkSpec{AdminCIDRs: []string{"203.0.113.7/32"}}) {
		if r.Peer() == cloud.ServiceAPI {
			t.Errorf("without CloudAPI a rule names the API: %+v", r)
		}
	}
}

func TestReachesServiceNamesTheRuleThatLetsATierOut(t *testing.T) {
	t.Parallel()
	rules := cloud.DesiredRules(cloud.NetworkSpec{CloudAPI: true, EgressAllow: []cloud.EgressRule{
		{Name: "web", CIDR: "0.0.0.0/0", FromPort: 8443, Tiers: []string{"kms"}}}})
	for _, c := range []struct {
		tier, service string
		port          int
		want          string // the purpose of the rule, "" for none
	}{
		{"bastion", cloud.ServiceAPI, 443, "the cloud's API (HTTPS), to pull the account's API logs"},
		{"bastion", cloud.ServiceAPI, 80, ""},
		{"compute", cloud.ServiceAPI, 443, ""},
		{"compute", cloud.ServiceObjectStorage, 443, "object storage (HTTPS)"},
		{"kms", cloud.ServiceAPI, 8443, `egress_allow "web"`},
		{"kms", cloud.ServiceAPI, 443, ""},
	} {
		r, ok := cloud.ReachesService(rules, c.tier, c.service, c.port)
		if ok != (c.want != "") || r.Purpose != c.want {
			t.Errorf("ReachesService(%s, %s:%d) = %q, %v; want %q", c.tier, c.service, c.port, r.Purpose, ok, c.want)
		}
	}
}
