package ovh_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	ovhsdk "github.com/ovh/go-ovh/ovh"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/cloud/ovh"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/faults"
)

func networkSpec(t *testing.T, name, cidr string) cloud.NetworkSpec {
	t.Helper()
	subnets, err := cloud.DefaultSubnets(cidr)
	if err != nil {
		t.Fatal(err)
	}
	return cloud.NetworkSpec{
		Name:        name,
		CIDR:        cidr,
		Subnets:     subnets,
		AdminCIDRs:  []string{"203.0.113.7/32"},
		NATEgress:   true,
		Tags:        map[string]string{"project": "cohort-2026"},
		ClientToken: "0123456789abcdef0123456789abcdef",
	}
}

// objects lists what the emulator holds for the OVHcloud API, OAuth2
// tokens aside.
func objects(t *testing.T, emu *emulator.Emulator) []string {
	t.Helper()
	objs, err := emu.Control().Objects(context.Background(), "ovh.")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, o := range objs {
		if !strings.HasSuffix(o.Collection, "oauth2_tokens") {
			names = append(names, o.Collection+"/"+o.ID)
		}
	}
	return names
}

func assertNothingLeft(t *testing.T, emu *emulator.Emulator) {
	t.Helper()
	if left := objects(t, emu); len(left) > 0 {
		t.Fatalf("%d objects left in the emulator: %s", len(left), strings.Join(left, ", "))
	}
}

// operator is someone changing the project outside Terraform, through the
// API with go-ovh.
func operator(t *testing.T, emu *emulator.Emulator) *ovhsdk.Client {
	t.Helper()
	c := &ovhsdk.Client{AppKey: emulator.DefaultOVHApplicationKey, AppSecret: emulator.DefaultOVHApplicationSecret,
		ConsumerKey: emulator.DefaultOVHConsumerKey, Client: &http.Client{}}
	if err := c.SetEndpoint(emu.OVHEndpoint()); err != nil {
		t.Fatal(err)
	}
	return c
}

var allCloudIDKeys = []string{"gateway", "gateway_interface.bastion", "gateway_interface.compute", "gateway_interface.data",
	"gateway_interface.kms", "network", "network.openstack", "openstack_user", "security_group.bastion", "security_group.compute",
	"security_group.data", "security_group.kms", "subnet.bastion", "subnet.compute", "subnet.data", "subnet.kms"}

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// assertComplete checks a network with NAT egress made after spec.
func assertComplete(t *testing.T, n cloud.Network, spec cloud.NetworkSpec) {
	t.Helper()
	if !regexp.MustCompile(`^pn-[0-9]+_[0-9]+$`).MatchString(n.ID) || n.Name != spec.Name || n.CIDR != spec.CIDR ||
		n.Region != emulator.DefaultOVHRegion || !n.NATEgress || len(n.EgressIPs) != 1 ||
		n.RulesEnforcement != cloud.EnforcedBySecurityGroups || n.StoragePath != cloud.StorageViaGateway {
		t.Fatalf("network = %+v", n)
	}
	if got := slices.Sorted(maps.Keys(n.CloudIDs)); !reflect.DeepEqual(got, allCloudIDKeys) {
		t.Errorf("CloudIDs keys = %v, want %v", got, allCloudIDKeys)
	}
	if n.CloudIDs["network"] != n.ID || !uuidPattern.MatchString(n.CloudIDs["network.openstack"]) || !uuidPattern.MatchString(n.CloudIDs["gateway"]) {
		t.Errorf("CloudIDs = %v", n.CloudIDs)
	}
	for _, tier := range cloud.Tiers {
		want := cloud.Subnet{ID: n.CloudIDs["subnet."+tier], CIDR: spec.Subnets[tier], SecurityGroupID: n.CloudIDs["security_group."+tier]}
		if n.Subnets[tier] != want || !uuidPattern.MatchString(want.ID) || !uuidPattern.MatchString(want.SecurityGroupID) || !uuidPattern.MatchString(n.CloudIDs["gateway_interface."+tier]) {
			t.Errorf("subnet %s = %+v, want %+v with an interface of the gateway", tier, n.Subnets[tier], want)
		}
	}
	if !reflect.DeepEqual(n.Rules, cloud.DesiredRules(spec)) || !reflect.DeepEqual(n.Tags, spec.Tags) {
		t.Errorf("rules %+v and tags %v, want the spec's", n.Rules, n.Tags)
	}
}

func TestNetwork_createAndRead(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := client(t, appKeyConfig(emu))
	ctx := context.Background()
	spec := networkSpec(t, "wh-basic", "10.40.0.0/16")

	n, err := c.CreateNetwork(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	assertComplete(t, n, spec)
	read, err := c.ReadNetwork(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(read, n) {
		t.Fatalf("read back:\n%+v\ncreated:\n%+v", read, n)
	}
	// One private network, four subnets, one gateway; its operation is
	// kept while the gateway exists. In Neutron, through an OpenStack
	// user: a group per tier, holding one Neutron rule per tier rule.
	if left := objects(t, emu); len(left) != 7+1+len(cloud.Tiers)+len(n.Rules) {
		t.Errorf("objects in the emulator: %v", left)
	}
}

func TestNetwork_withoutNATEgress(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := client(t, appKeyConfig(emu))
	spec := networkSpec(t, "wh-closed", "10.41.0.0/16")
	spec.NATEgress = false
	n, err := c.CreateNetwork(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if n.NATEgress || len(n.EgressIPs) != 0 || n.CloudIDs["gateway"] != "" || len(n.CloudIDs) != 11 || len(n.Subnets) != 4 {
		t.Fatalf("network without NAT egress = %+v", n)
	}
}

func TestNetwork_update(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := client(t, appKeyConfig(emu))
	ctx := context.Background()
	spec := networkSpec(t, "wh-update", "10.42.0.0/16")
	n, err := c.CreateNetwork(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("rename, new administrators and tags", func(t *testing.T) {
		spec.Name, spec.AdminCIDRs, spec.Tags = "wh-renamed", []string{"203.0.113.7/32", "198.51.100.0/28"}, map[string]string{"k": "v"}
		got, err := c.UpdateNetwork(ctx, n, spec)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "wh-renamed" || len(got.Rules) != 17 || got.Tags["k"] != "v" || !maps.Equal(got.CloudIDs, n.CloudIDs) {
			t.Fatalf("after the update: %+v", got)
		}
		if read, _ := c.ReadNetwork(ctx, cloud.Network{ID: n.ID}); read.Name != "wh-renamed" {
			t.Fatalf("the cloud still names it %q", read.Name)
		}
		n = got
	})

	t.Run("NAT egress off", func(t *testing.T) {
		spec.NATEgress = false
		got, err := c.UpdateNetwork(ctx, n, spec)
		if err != nil {
			t.Fatal(err)
		}
		if got.NATEgress || len(got.EgressIPs) != 0 || got.CloudIDs["gateway"] != "" || got.CloudIDs["gateway_interface.data"] != "" {
			t.Fatalf("after NAT egress was turned off: %+v", got)
		}
		if read, _ := c.ReadNetwork(ctx, got); read.NATEgress {
			t.Fatal("the gateway is still there")
		}
		n = got
	})

	t.Run("NAT egress on again", func(t *testing.T) {
		spec.NATEgress = true
		got, err := c.UpdateNetwork(ctx, n, spec)
		if err != nil {
			t.Fatal(err)
		}
		assertComplete(t, got, spec)
		n = got
	})

	t.Run("subnet deleted out of band", func(t *testing.T) {
		api := operator(t, emu)
		data := n.Subnets[cloud.TierData].ID
		base := "/cloud/project/" + emulator.DefaultOVHProjectID
		if err := api.Delete(base+"/region/"+emulator.DefaultOVHRegion+"/gateway/"+n.CloudIDs["gateway"]+
			"/interface/"+n.CloudIDs["gateway_interface.data"], nil); err != nil {
			t.Fatal(err)
		}
		if err := api.Delete(base+"/network/private/"+n.ID+"/subnet/"+data, nil); err != nil {
			t.Fatal(err)
		}
		drifted, err := c.ReadNetwork(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := drifted.Subnets[cloud.TierData]; ok || len(drifted.Subnets) != 3 || drifted.CloudIDs["gateway_interface.data"] != "" {
			t.Fatalf("read after the data subnet was deleted: %+v", drifted)
		}
		got, err := c.UpdateNetwork(ctx, drifted, spec)
		if err != nil {
			t.Fatal(err)
		}
		assertComplete(t, got, spec)
		if got.Subnets[cloud.TierData].ID == data || got.CloudIDs["gateway"] != n.CloudIDs["gateway"] {
			t.Fatalf("the data subnet was not made again in the same gateway: %+v", got)
		}
		n = got
	})

	if err := c.DeleteNetwork(ctx, n); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, emu)
}

// A subnet removed from the emulator's store behind the API (as the
// acceptance tests' drift check does) leaves a gateway interface to no
// subnet; the network still reads, updates and deletes.
func TestNetwork_subnetDeletedBehindTheAPI(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := client(t, appKeyConfig(emu))
	ctx := context.Background()
	spec := networkSpec(t, "wh-drift", "10.46.0.0/16")
	n, err := c.CreateNetwork(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := emu.Control().DeleteObject(ctx, "ovh.subnets", n.Subnets[cloud.TierData].ID); err != nil {
		t.Fatal(err)
	}
	drifted, err := c.ReadNetwork(ctx, n)
	if err != nil || len(drifted.Subnets) != 3 {
		t.Fatalf("read after the drift: %+v, %v", drifted, err)
	}
	got, err := c.UpdateNetwork(ctx, drifted, spec)
	if err != nil {
		t.Fatal(err)
	}
	assertComplete(t, got, spec)
	if err := c.DeleteNetwork(ctx, got); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, emu)
}

// After an import Read knows only the id: the tiers come from the subnets'
// addresses, the block from the subnets, the rules from the security groups
// found by their description, and the tags, which the API does not hold,
// stay empty.
func TestNetwork_importReadsTiersByAddress(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := client(t, appKeyConfig(emu))
	ctx := context.Background()
	spec := networkSpec(t, "wh-import", "10.50.0.0/16")
	// Not the default layout: four /24s at the bottom of the block, in
	// the order of the tiers.
	spec.Subnets = map[string]string{"bastion": "10.50.0.0/24", "compute": "10.50.1.0/24", "data": "10.50.2.0/24", "kms": "10.50.3.0/24"}
	n, err := c.CreateNetwork(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	imported, err := c.ReadNetwork(ctx, cloud.Network{ID: n.ID})
	if err != nil {
		t.Fatal(err)
	}
	want := n
	want.CIDR = "10.50.0.0/22" // the smallest block holding the subnets
	want.Tags = nil
	if !reflect.DeepEqual(imported, want) {
		t.Fatalf("imported:\n%+v\nwant:\n%+v", imported, want)
	}
}

// Subnets have no name: Read tells the tiers by the subnets the state
// knows, by id, else by block; only after an import, with nothing known,
// does it fall back on the address order.
func TestNetwork_tiersFollowTheState(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := client(t, appKeyConfig(emu))
	ctx := context.Background()
	spec := networkSpec(t, "wh-tiers", "10.52.0.0/16")
	spec.Subnets = map[string]string{"bastion": "10.52.3.0/24", "compute": "10.52.2.0/24", "data": "10.52.1.0/24", "kms": "10.52.0.0/24"}
	n, err := c.CreateNetwork(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	blocksOnly := map[string]cloud.Subnet{}
	for tier, cidr := range spec.Subnets {
		blocksOnly[tier] = cloud.Subnet{CIDR: cidr}
	}
	for name, ref := range map[string]cloud.Network{
		"by id":    {ID: n.ID, CloudIDs: n.CloudIDs},
		"by block": {ID: n.ID, Subnets: blocksOnly},
	} {
		got, err := c.ReadNetwork(ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Subnets, n.Subnets) {
			t.Errorf("%s: subnets %v, want %v", name, got.Subnets, n.Subnets)
		}
	}
	imported, err := c.ReadNetwork(ctx, cloud.Network{ID: n.ID})
	if err != nil {
		t.Fatal(err)
	}
	if imported.Subnets[cloud.TierBastion].CIDR != "10.52.0.0/24" || imported.Subnets[cloud.TierKMS].CIDR != "10.52.3.0/24" {
		t.Errorf("imported subnets %v, want the tiers in address order", imported.Subnets)
	}
}

func TestNetwork_deleteLeavesNothing(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := client(t, appKeyConfig(emu))
	ctx := context.Background()
	n, err := c.CreateNetwork(ctx, networkSpec(t, "wh-delete", "10.43.0.0/16"))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteNetwork(ctx, n); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, emu)
	if _, err := c.ReadNetwork(ctx, n); !errors.Is(err, cloud.ErrNotFound) {
		t.Fatalf("read after delete: %v, want ErrNotFound", err)
	}
	if err := c.DeleteNetwork(ctx, n); err != nil {
		t.Fatalf("deleting again: %v", err)
	}
}

// A network deleted outside Terraform is not found, and deleting it again
// succeeds.
func TestNetwork_disappears(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := client(t, appKeyConfig(emu))
	ctx := context.Background()
	n, err := c.CreateNetwork(ctx, networkSpec(t, "wh-gone", "10.44.0.0/16"))
	if err != nil {
		t.Fatal(err)
	}
	objs, err := emu.Control().Objects(ctx, "ovh.")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if err := emu.Control().DeleteObject(ctx, o.Collection, o.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.ReadNetwork(ctx, n); !errors.Is(err, cloud.ErrNotFound) || !strings.Contains(err.Error(), n.ID) {
		t.Fatalf("read of a vanished network: %v, want ErrNotFound naming it", err)
	}
	if err := c.DeleteNetwork(ctx, n); err != nil {
		t.Fatal(err)
	}
}

// callsOf counts the calls of one HTTP method.
func callsOf(t *testing.T, emu *emulator.Emulator, method string) int {
	t.Helper()
	calls, err := emu.Control().Calls(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for action, count := range calls {
		if strings.HasPrefix(action, "ovh:"+method+" ") {
			n += count
		}
	}
	return n
}

// kindsOf counts the objects of each kind the emulator holds, leaving out
// the API's operations, which record calls rather than make objects.
func kindsOf(t *testing.T, emu *emulator.Emulator) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, name := range objects(t, emu) {
		collection, _, _ := strings.Cut(name, "/")
		if collection != "ovh.operations" {
			out[collection]++
		}
	}
	return out
}

// A create that fails at any of the calls that change something returns a
// network that DeleteNetwork removes completely when the cloud refused the
// call. A server error or a lost answer does not fail it: the create finds
// what the call made (the network by its provisional name, a subnet by its
// block, the gateway and its interfaces by their subnets) or sends it
// again, and makes each object exactly once.
func TestNetwork_partialCreate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	emu := emutest.Start(t, nil)
	if _, err := client(t, appKeyConfig(emu)).CreateNetwork(ctx, networkSpec(t, "wh-count", "10.45.0.0/16")); err != nil {
		t.Fatal(err)
	}
	// The private network, four subnets, the gateway, three interfaces and
	// the OpenStack user are POSTs; the network's rename from its
	// provisional name is a PUT. (Neutron's calls are not the API's.)
	posts, puts := callsOf(t, emu, "POST"), callsOf(t, emu, "PUT")
	if posts != 10 || puts != 1 || callsOf(t, emu, "DELETE") != 0 {
		t.Fatalf("a create makes %d POSTs and %d PUTs, want 10 and 1", posts, puts)
	}
	want := kindsOf(t, emu)
	// A PUT is retried unless refused.
	modes := map[string]faults.Rule{
		"refused":      {Statuses: []int{400}},
		"server error": {Statuses: []int{500}},
		"answer lost":  {Drop: "after"},
	}
	failing := map[string]faults.Rule{}
	for method, count := range map[string]int{"POST": posts, "PUT": puts} {
		for k := 1; k <= count; k++ {
			for mode, rule := range modes {
				if method == "PUT" && mode != "refused" {
					continue
				}
				rule.Action, rule.Nth = "ovh:"+method+" *", k
				failing[fmt.Sprintf("%s %d %s", method, k, mode)] = rule
			}
		}
	}
	for name, rule := range failing {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			emu := emutest.Start(t, nil)
			c := client(t, appKeyConfig(emu))
			if _, err := emu.Control().AddFault(ctx, rule); err != nil {
				t.Fatal(err)
			}
			n, err := c.CreateNetwork(ctx, networkSpec(t, "wh-partial", "10.45.0.0/16"))
			if rule.Statuses == nil || rule.Statuses[0] >= 500 {
				if err != nil {
					t.Fatalf("the create failed: %v", err)
				}
				if got := kindsOf(t, emu); !maps.Equal(got, want) {
					t.Fatalf("the create made %v, want %v: an object was made twice or left behind", got, want)
				}
				if err := c.DeleteNetwork(ctx, n); err != nil {
					t.Fatal(err)
				}
				assertNothingLeft(t, emu)
				return
			}
			if err == nil {
				t.Fatal("the create succeeded despite the refused call")
			}
			if !strings.Contains(err.Error(), "wh-partial") {
				t.Errorf("the error does not name the network: %v", err)
			}
			// The network and the gateway, whose ids nothing else leads
			// to, are named; a subnet made despite a lost answer is found
			// by listing the network's subnets.
			for _, name := range objects(t, emu) {
				collection, id, _ := strings.Cut(name, "/")
				if (collection == "ovh.networks" || collection == "ovh.gateways") && !slices.Contains(slices.Collect(maps.Values(n.CloudIDs)), id) {
					t.Errorf("%s exists but the partial network does not name it: %+v", name, n)
				}
			}
			if err := c.DeleteNetwork(ctx, n); err != nil {
				t.Fatalf("deleting the partial network %+v: %v", n, err)
			}
			assertNothingLeft(t, emu)
		})
	}
}

// A create whose answer was lost looks for its network by the provisional
// name that carries its token, never by the network's name, which another
// network may have.
func TestNetwork_failedCreateNeverAdoptsAnotherNetwork(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	ctx := context.Background()
	var other struct {
		ID string `json:"id"`
	}
	if err := operator(t, emu).Post("/cloud/project/"+emulator.DefaultOVHProjectID+"/network/private",
		map[string]any{"name": "wh-shared-name"}, &other); err != nil {
		t.Fatal(err)
	}
	if _, err := emu.Control().AddFault(ctx, faults.Rule{Action: "ovh:POST /1.0/cloud/project/{serviceName}/network/private",
		Nth: 1, Statuses: []int{500}}); err != nil {
		t.Fatal(err)
	}
	c := client(t, appKeyConfig(emu))
	n, err := c.CreateNetwork(ctx, networkSpec(t, "wh-shared-name", "10.51.0.0/16"))
	if err != nil || n.ID == "" || n.ID == other.ID {
		t.Fatalf("create: %+v, %v; want a network of its own, made again after the server error", n, err)
	}
	if err := c.DeleteNetwork(ctx, n); err != nil {
		t.Fatal(err)
	}
	if left := objects(t, emu); !slices.Equal(left, []string{"ovh.networks/" + other.ID}) {
		t.Fatalf("objects left: %v, want only the other network", left)
	}
}

func TestNetwork_throttledCallsAreRetried(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	ctx := context.Background()
	throttled := []string{
		"ovh:POST /1.0/cloud/project/{serviceName}/network/private",
		"ovh:GET /1.0/cloud/project/{serviceName}/network/private/{networkId}",
		"ovh:POST /1.0/cloud/project/{serviceName}/network/private/{networkId}/subnet",
		"ovh:POST /1.0/cloud/project/{serviceName}/region/{regionName}/network/{networkId}/subnet/{subnetId}/gateway",
		"ovh:GET /1.0/cloud/project/{serviceName}/operation/{operationId}",
		"ovh:POST /1.0/cloud/project/{serviceName}/region/{regionName}/gateway/{id}/interface",
		"ovh:DELETE /1.0/cloud/project/{serviceName}/region/{regionName}/gateway/{id}",
		"ovh:DELETE /1.0/cloud/project/{serviceName}/network/private/{networkId}",
	}
	for _, action := range throttled {
		if _, err := emu.Control().AddFault(ctx, faults.Rule{Action: action, Nth: 1, Statuses: []int{429}}); err != nil {
			t.Fatal(err)
		}
	}
	c := client(t, appKeyConfig(emu))
	n, err := c.CreateNetwork(ctx, networkSpec(t, "wh-throttled", "10.47.0.0/16"))
	if err != nil {
		t.Fatalf("create with throttled calls: %v", err)
	}
	if err := c.DeleteNetwork(ctx, n); err != nil {
		t.Fatalf("delete with throttled calls: %v", err)
	}
	assertNothingLeft(t, emu)
	rules, _ := emu.Control().Calls(ctx)
	for _, action := range throttled {
		if rules[action] < 2 {
			t.Errorf("%s was called %d times: the throttled call was not retried", action, rules[action])
		}
	}
}

func TestNetwork_conflictsDuringDeleteAreRetried(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	ctx := context.Background()
	c := client(t, appKeyConfig(emu))
	n, err := c.CreateNetwork(ctx, networkSpec(t, "wh-conflict", "10.48.0.0/16"))
	if err != nil {
		t.Fatal(err)
	}
	for _, action := range []string{
		"ovh:DELETE /1.0/cloud/project/{serviceName}/network/private/{networkId}/subnet/{subnetId}",
		"ovh:DELETE /1.0/cloud/project/{serviceName}/network/private/{networkId}",
	} {
		if _, err := emu.Control().AddFault(ctx, faults.Rule{Action: action, Nth: 1, Statuses: []int{409}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.DeleteNetwork(ctx, n); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, emu)
}

func TestNetwork_lastingConflictFailsTheDelete(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	ctx := context.Background()
	c := client(t, appKeyConfig(emu))
	n, err := c.CreateNetwork(ctx, networkSpec(t, "wh-stuck", "10.49.0.0/16"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = emu.Control().AddFault(ctx, faults.Rule{Action: "ovh:DELETE /1.0/cloud/project/{serviceName}/network/private/{networkId}",
		Rate: 1, Statuses: []int{409}})
	if err != nil {
		t.Fatal(err)
	}
	err = c.DeleteNetwork(ctx, n)
	if !errors.Is(err, cloud.ErrConflict) || !strings.Contains(err.Error(), n.ID) || !strings.Contains(err.Error(), "409") {
		t.Fatalf("err = %v, want a conflict naming the private network", err)
	}
}

func TestNetwork_needsTheRegion(t *testing.T) {
	t.Parallel()
	cfg := ovh.Config{ApplicationKey: "ak", ApplicationSecret: "as", ConsumerKey: "ck", ProjectID: "p"}
	_, err := client(t, cfg).CreateNetwork(context.Background(), networkSpec(t, "wh", "10.0.0.0/16"))
	var missing *cloud.MissingSettingsError
	if !errors.As(err, &missing) || !errors.Is(err, cloud.ErrAuth) || !strings.Contains(err.Error(), "ovh.region") {
		t.Fatalf("err = %v, want the missing ovh.region setting", err)
	}
}

// A create that died half-way (its provider killed: no state names what it
// made) leaves a network under its provisional name, which carries its
// lease. While the lease runs, another create of the same name leaves it
// alone and says so: that create may be alive in another process. Once
// the lease has expired, the next create deletes it before making its own:
// nothing is left over. A network of that name the user made is never
// touched.
func TestNetwork_leftoversOfAnInterruptedCreateAreRemoved(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	ctx := context.Background()
	c := client(t, appKeyConfig(emu))
	var mine struct {
		ID string `json:"id"`
	}
	if err := operator(t, emu).Post("/cloud/project/"+emulator.DefaultOVHProjectID+"/network/private",
		map[string]any{"name": "wh-left"}, &mine); err != nil {
		t.Fatal(err)
	}
	// The first create stops at its third subnet, as if its provider died.
	if _, err := emu.Control().AddFault(ctx, faults.Rule{Action: "ovh:POST /1.0/cloud/project/{serviceName}/network/private/{networkId}/subnet",
		Nth: 3, Statuses: []int{400}}); err != nil {
		t.Fatal(err)
	}
	interrupted, err := c.CreateNetwork(ctx, networkSpec(t, "wh-left", "10.46.0.0/16"))
	if err == nil {
		t.Fatal("the first create did not fail")
	}
	before := objects(t, emu)
	second := networkSpec(t, "wh-left", "10.46.0.0/16")
	second.ClientToken = strings.Repeat("b", 32)
	_, err = client(t, appKeyConfig(emu)).CreateNetwork(ctx, second)
	assertInProgress(t, err, interrupted.ID)
	if after := objects(t, emu); !slices.Equal(after, before) {
		t.Fatalf("a create refused beside a live lease changed the cloud: %v, then %v", before, after)
	}
	n, err := clientAt(t, appKeyConfig(emu), afterLeases).CreateNetwork(ctx, second)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteNetwork(ctx, n); err != nil {
		t.Fatal(err)
	}
	if left := objects(t, emu); !slices.Equal(left, []string{"ovh.networks/" + mine.ID}) {
		t.Fatalf("objects left: %v, want only the user's network of the same name", left)
	}
}
