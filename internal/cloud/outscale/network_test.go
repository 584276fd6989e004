package outscale_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"path"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	osc "github.com/outscale/osc-sdk-go/v2"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/cloud/outscale"
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

// objects lists what the emulator holds for OUTSCALE.
func objects(t *testing.T, emu *emulator.Emulator) []emulator.Object {
	t.Helper()
	objs, err := emu.Control().Objects(context.Background(), "outscale.")
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

// madeByTheNet says whether an object came by itself with another one: the
// Net's main route table and default security group, the Net access
// point's public IP. CloudIDs need not list them; they go with their owner.
func madeByTheNet(o emulator.Object) bool {
	var doc struct {
		SecurityGroupName string
		LinkRouteTables   []struct{ Main bool }
		NetAccessPointIds []string
	}
	_ = json.Unmarshal(o.Doc, &doc)
	return (o.Collection == "outscale.security_groups" && doc.SecurityGroupName == "default") ||
		(o.Collection == "outscale.route_tables" && slices.ContainsFunc(doc.LinkRouteTables, func(l struct{ Main bool }) bool { return l.Main })) ||
		(o.Collection == "outscale.public_ips" && len(doc.NetAccessPointIds) > 0)
}

// interruptedToken is the client token a refusal beside a live lease
// names, as a user reads it in the diagnostic.
func interruptedToken(t *testing.T, err error) string {
	t.Helper()
	var busy *cloud.InProgressError
	if !errors.As(err, &busy) {
		t.Fatalf("err = %v, want a cloud.InProgressError", err)
	}
	return busy.Lease.Token
}

// objectCount is how many objects of the account the emulator holds.
func objectCount(t *testing.T, emu *emulator.Emulator) int {
	t.Helper()
	return len(objects(t, emu))
}

func assertNothingLeft(t *testing.T, emu *emulator.Emulator) {
	t.Helper()
	if left := objects(t, emu); len(left) > 0 {
		var names []string
		for _, o := range left {
			names = append(names, o.Collection+"/"+o.ID)
		}
		t.Fatalf("%d objects left in the emulator: %s", len(left), strings.Join(names, ", "))
	}
}

var cloudIDKeys = []string{"net", "subnet.bastion", "subnet.compute", "subnet.data", "subnet.kms",
	"security_group.bastion", "security_group.compute", "security_group.data", "security_group.kms",
	"route_table.public", "route_table.private", "internet_service", "public_ip.nat", "nat_service", "net_access_point",
	"net_access_point.api"}

func TestNetwork_createAndRead(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := client(t, emu, defaultConfig())
	ctx := context.Background()
	spec := networkSpec(t, "wh-basic", "10.40.0.0/16")

	n, err := c.CreateNetwork(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^vpc-[0-9a-f]{8}$`).MatchString(n.ID) || n.Name != "wh-basic" || n.CIDR != spec.CIDR ||
		n.Region != emulator.DefaultOutscaleRegion || !n.NATEgress || len(n.EgressIPs) != 1 ||
		n.RulesEnforcement != cloud.EnforcedBySecurityGroups || n.StoragePath != cloud.StorageViaNetAccessPoint {
		t.Fatalf("network = %+v", n)
	}
	if !reflect.DeepEqual(n.Tags, spec.Tags) {
		t.Errorf("Tags = %v, want only the user's %v", n.Tags, spec.Tags)
	}
	if got := slices.Sorted(maps.Keys(n.CloudIDs)); !reflect.DeepEqual(got, slices.Sorted(slices.Values(cloudIDKeys))) {
		t.Errorf("CloudIDs keys = %v", got)
	}
	if !reflect.DeepEqual(n.Rules, cloud.DesiredRules(spec)) {
		t.Errorf("Rules = %+v\nwant %+v", n.Rules, cloud.DesiredRules(spec))
	}
	for _, tier := range cloud.Tiers {
		sub := n.Subnets[tier]
		role := "private"
		if tier == cloud.TierBastion {
			role = "public"
		}
		want := cloud.Subnet{ID: n.CloudIDs["subnet."+tier], CIDR: spec.Subnets[tier],
			SecurityGroupID: n.CloudIDs["security_group."+tier], RouteTableID: n.CloudIDs["route_table."+role]}
		if sub != want || !strings.HasPrefix(sub.ID, "subnet-") || !strings.HasPrefix(sub.SecurityGroupID, "sg-") {
			t.Errorf("subnet %s = %+v, want %+v", tier, sub, want)
		}
	}

	// Every object the network made carries its tags.
	for _, o := range objects(t, emu) {
		if madeByTheNet(o) {
			continue
		}
		var doc struct{ Tags []osc.ResourceTag }
		if err := json.Unmarshal(o.Doc, &doc); err != nil {
			t.Fatal(err)
		}
		tags := map[string]string{}
		for _, tag := range doc.Tags {
			tags[tag.Key] = tag.Value
		}
		if tags[cloud.TagNetwork] != "wh-basic" || tags[cloud.TagClientToken] != spec.ClientToken || tags["project"] != "cohort-2026" ||
			!strings.HasPrefix(tags[cloud.TagName], "wh-basic") {
			t.Errorf("%s/%s carries %v", o.Collection, o.ID, tags)
		}
	}

	read, err := c.ReadNetwork(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(read, n) {
		t.Errorf("ReadNetwork = %+v\nCreateNetwork = %+v", read, n)
	}
	// After an import only the id is known: the tags tell the parts apart.
	imported, err := c.ReadNetwork(ctx, cloud.Network{ID: n.ID})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(imported, n) {
		t.Errorf("ReadNetwork from the id alone = %+v\nwant %+v", imported, n)
	}
}

func TestNetwork_withoutNATEgress(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := client(t, emu, defaultConfig())
	spec := networkSpec(t, "wh-no-nat", "172.20.0.0/20")
	spec.NATEgress = false
	n, err := c.CreateNetwork(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if n.NATEgress || len(n.EgressIPs) != 0 || n.CloudIDs["nat_service"] != "" || n.CloudIDs["public_ip.nat"] != "" {
		t.Fatalf("network without NAT egress = %+v", n)
	}
	if err := c.DeleteNetwork(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, emu)
}

func TestNetwork_update(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := client(t, emu, defaultConfig())
	ctx := context.Background()
	spec := networkSpec(t, "wh-update", "10.41.0.0/16")
	n, err := c.CreateNetwork(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("name, tags and administrators", func(t *testing.T) {
		spec.Name = "wh-update-renamed"
		spec.Tags = map[string]string{"owner": "data-office"}
		spec.AdminCIDRs = []string{"198.51.100.0/28", "192.0.2.10/32"}
		got, err := c.UpdateNetwork(ctx, n, spec)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != spec.Name || !reflect.DeepEqual(got.Tags, spec.Tags) || !reflect.DeepEqual(got.Rules, cloud.DesiredRules(spec)) {
			t.Fatalf("after update: name %q, tags %v, rules %+v", got.Name, got.Tags, got.Rules)
		}
		if !reflect.DeepEqual(got.CloudIDs, n.CloudIDs) || !reflect.DeepEqual(got.Subnets, n.Subnets) {
			t.Fatalf("an update of names, tags and rules changed ids:\n%v\n%v", got.CloudIDs, n.CloudIDs)
		}
		for _, o := range objects(t, emu) {
			if !madeByTheNet(o) && (strings.Contains(string(o.Doc), `"project"`) || !strings.Contains(string(o.Doc), `"wh-update-renamed`)) {
				t.Errorf("%s/%s was not retagged: %s", o.Collection, o.ID, o.Doc)
			}
		}
		n = got
	})

	t.Run("NAT off", func(t *testing.T) {
		spec.NATEgress = false
		got, err := c.UpdateNetwork(ctx, n, spec)
		if err != nil {
			t.Fatal(err)
		}
		if got.NATEgress || len(got.EgressIPs) != 0 || got.CloudIDs["nat_service"] != "" || got.CloudIDs["public_ip.nat"] != "" {
			t.Fatalf("after NAT off: %+v", got)
		}
		for _, o := range objects(t, emu) {
			if o.ID == n.CloudIDs["public_ip.nat"] || o.ID == n.CloudIDs["nat_service"] {
				t.Errorf("%s/%s is still there", o.Collection, o.ID)
			}
		}
		n = got
	})

	t.Run("NAT on again", func(t *testing.T) {
		spec.NATEgress = true
		got, err := c.UpdateNetwork(ctx, n, spec)
		if err != nil {
			t.Fatal(err)
		}
		if !got.NATEgress || len(got.EgressIPs) != 1 || got.CloudIDs["nat_service"] == "" {
			t.Fatalf("after NAT on: %+v", got)
		}
		n = got
	})

	t.Run("a subnet and a rule deleted out of band come back", func(t *testing.T) {
		gone := n.Subnets[cloud.TierData]
		outOfBand(t, emu, func(ctx context.Context, api *osc.APIClient) (*http.Response, error) {
			_, resp, err := api.SubnetApi.DeleteSubnet(ctx).DeleteSubnetRequest(osc.DeleteSubnetRequest{SubnetId: gone.ID}).Execute()
			return resp, err
		})
		outOfBand(t, emu, func(ctx context.Context, api *osc.APIClient) (*http.Response, error) {
			_, resp, err := api.SecurityGroupRuleApi.DeleteSecurityGroupRule(ctx).DeleteSecurityGroupRuleRequest(osc.DeleteSecurityGroupRuleRequest{
				SecurityGroupId: n.Subnets[cloud.TierKMS].SecurityGroupID, Flow: "Inbound",
				Rules: &[]osc.SecurityGroupRule{{IpProtocol: osc.PtrString("tcp"), FromPortRange: osc.PtrInt32(cloud.PortKMS),
					ToPortRange:           osc.PtrInt32(cloud.PortKMS),
					SecurityGroupsMembers: &[]osc.SecurityGroupsMember{{SecurityGroupId: osc.PtrString(n.Subnets[cloud.TierCompute].SecurityGroupID)}}}},
			}).Execute()
			return resp, err
		})
		drifted, err := c.ReadNetwork(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := drifted.Subnets[cloud.TierData]; ok || len(drifted.Rules) != len(n.Rules)-1 {
			t.Fatalf("Read does not show the drift: subnets %v, %d rules", drifted.Subnets, len(drifted.Rules))
		}
		got, err := c.UpdateNetwork(ctx, drifted, spec)
		if err != nil {
			t.Fatal(err)
		}
		data := got.Subnets[cloud.TierData]
		if data.ID == "" || data.ID == gone.ID || data.CIDR != gone.CIDR || data.SecurityGroupID != gone.SecurityGroupID ||
			data.RouteTableID != n.CloudIDs["route_table.private"] {
			t.Fatalf("data subnet after update = %+v (was %+v)", data, gone)
		}
		if !reflect.DeepEqual(got.Rules, cloud.DesiredRules(spec)) {
			t.Fatalf("rules after update = %+v", got.Rules)
		}
		n = got
	})

	if err := c.DeleteNetwork(ctx, n); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, emu)
}

// outOfBand makes a change with the SDK directly, as an operator would.
func outOfBand(t *testing.T, emu *emulator.Emulator, call func(ctx context.Context, api *osc.APIClient) (*http.Response, error)) {
	t.Helper()
	cfg := osc.NewConfiguration()
	cfg.Servers = osc.ServerConfigurations{{URL: emu.OutscaleEndpoint()}}
	ctx := context.WithValue(context.Background(), osc.ContextAWSv4,
		osc.AWSv4{AccessKey: emulator.DefaultOutscaleAccessKey, SecretKey: emulator.DefaultOutscaleSecretKey})
	if resp, err := call(ctx, osc.NewAPIClient(cfg)); err != nil {
		t.Fatalf("out-of-band change: %v (HTTP %v)", err, resp)
	}
}

func TestNetwork_deleteLeavesNothing(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := client(t, emu, defaultConfig())
	ctx := context.Background()
	n, err := c.CreateNetwork(ctx, networkSpec(t, "wh-delete", "10.42.0.0/16"))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteNetwork(ctx, n); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, emu)
	// Deleting what is gone is done already; reading it is not found.
	if err := c.DeleteNetwork(ctx, n); err != nil {
		t.Fatalf("second delete: %v", err)
	}
	if _, err := c.ReadNetwork(ctx, n); !errors.Is(err, cloud.ErrNotFound) {
		t.Fatalf("ReadNetwork after delete: %v, want ErrNotFound", err)
	}
	if _, err := c.ReadNetwork(ctx, cloud.Network{ID: "vpc-00000000"}); !errors.Is(err, cloud.ErrNotFound) {
		t.Fatalf("ReadNetwork of an unknown Net: %v, want ErrNotFound", err)
	}
}

// A network whose every object was deleted behind Terraform's back reads as
// gone, and deleting it is done already.
func TestNetwork_disappears(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := client(t, emu, defaultConfig())
	ctx := context.Background()
	n, err := c.CreateNetwork(ctx, networkSpec(t, "wh-gone", "10.43.0.0/16"))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objects(t, emu) {
		if err := emu.Control().DeleteObject(ctx, o.Collection, o.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.ReadNetwork(ctx, n); !errors.Is(err, cloud.ErrNotFound) {
		t.Fatalf("ReadNetwork = %v, want ErrNotFound", err)
	}
	if err := c.DeleteNetwork(ctx, n); err != nil {
		t.Fatal(err)
	}
}

// recorder notes the OAPI actions a client sends, in order.
type recorder struct {
	mu      sync.Mutex
	actions []string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.actions = append(r.actions, path.Base(req.URL.Path))
	r.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

func (r *recorder) mutations() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, a := range r.actions {
		if !strings.HasPrefix(a, "Read") {
			out = append(out, a)
		}
	}
	return out
}

func recordingClient(t *testing.T, emu *emulator.Emulator) (*outscale.Client, *recorder) {
	t.Helper()
	rec := &recorder{}
	cfg := defaultConfig()
	cfg.Endpoint = emu.OutscaleEndpoint()
	c, err := outscale.New(cfg, cloud.Options{Retry: noWait, RequestsPerSecond: 1000, HTTPClient: &http.Client{Transport: rec}})
	if err != nil {
		t.Fatal(err)
	}
	return c, rec
}

// A create that fails at any of its calls returns every object it made, and
// deleting that partial network leaves nothing behind.
func TestNetwork_partialCreate(t *testing.T) {
	t.Parallel()
	spec := networkSpec(t, "wh-partial", "10.44.0.0/16")
	// A clean run gives the sequence of calls that change something.
	emu := emutest.Start(t, nil)
	c, rec := recordingClient(t, emu)
	if _, err := c.CreateNetwork(context.Background(), spec); err != nil {
		t.Fatal(err)
	}
	sequence := rec.mutations()
	if len(sequence) < 30 {
		t.Fatalf("a create makes only %d changes: %v", len(sequence), sequence)
	}

	for k := range sequence {
		action := sequence[k]
		nth := 0 // which call of this action the k-th change is
		for _, a := range sequence[:k+1] {
			if a == action {
				nth++
			}
		}
		t.Run(fmt.Sprintf("%02d_%s#%d", k+1, action, nth), func(t *testing.T) {
			t.Parallel()
			emu := emutest.Start(t, nil)
			ctx := context.Background()
			if _, err := emu.Control().AddFault(ctx, faults.Rule{Action: "outscale:" + action, Nth: nth, Statuses: []int{400}}); err != nil {
				t.Fatal(err)
			}
			c := client(t, emu, defaultConfig())
			partial, err := c.CreateNetwork(ctx, spec)
			if err == nil {
				t.Fatalf("the create survived its failing call %d (%s)", k+1, action)
			}
			if !strings.Contains(err.Error(), action) {
				t.Errorf("the error does not name the failed call %s: %v", action, err)
			}
			listed := map[string]bool{}
			for _, id := range partial.CloudIDs {
				listed[id] = true
			}
			made := objects(t, emu)
			for _, o := range made {
				if !listed[o.ID] && !madeByTheNet(o) {
					t.Errorf("%s/%s exists but the partial network does not list it (CloudIDs %v)", o.Collection, o.ID, partial.CloudIDs)
				}
			}
			if len(made) > 0 && partial.ID == "" {
				t.Error("the Net exists but the partial network has no ID")
			}
			if err := c.DeleteNetwork(ctx, partial); err != nil {
				t.Fatalf("deleting the partial network: %v", err)
			}
			assertNothingLeft(t, emu)
		})
	}
}

// Throttled calls during a create are retried, whatever they create.
func TestNetwork_throttlingDuringCreate(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	ctx := context.Background()
	throttled := map[string]int{"CreateNet": 429, "CreateSubnet": 503, "CreateSecurityGroupRule": 429, "CreateTags": 503,
		"CreateNatService": 429, "ReadNatServices": 503, "CreateNetAccessPoint": 429}
	for action, status := range throttled {
		if _, err := emu.Control().AddFault(ctx, faults.Rule{Action: "outscale:" + action, Nth: 1, Statuses: []int{status}}); err != nil {
			t.Fatal(err)
		}
	}
	c := client(t, emu, defaultConfig())
	n, err := c.CreateNetwork(ctx, networkSpec(t, "wh-throttled", "10.45.0.0/16"))
	if err != nil {
		t.Fatalf("create under throttling: %v", err)
	}
	if rules, _ := emu.Control().Calls(ctx); rules["outscale:CreateNet"] != 2 {
		t.Errorf("CreateNet calls = %d, want 2 (one throttled)", rules["outscale:CreateNet"])
	}
	// Nothing was made twice.
	count := map[string]int{}
	for _, o := range objects(t, emu) {
		count[o.Collection]++
	}
	want := map[string]int{"outscale.nets": 1, "outscale.subnets": 4, "outscale.security_groups": 5, "outscale.route_tables": 3,
		"outscale.internet_services": 1, "outscale.public_ips": 3, "outscale.nat_services": 1, "outscale.net_access_points": 2}
	if !reflect.DeepEqual(count, want) {
		t.Errorf("objects = %v, want %v", count, want)
	}
	if err := c.DeleteNetwork(ctx, n); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, emu)
}

// The conflicts OUTSCALE answers while it unlinks things are retried.
func TestNetwork_conflictsDuringDeleteAreRetried(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	ctx := context.Background()
	c := client(t, emu, defaultConfig())
	n, err := c.CreateNetwork(ctx, networkSpec(t, "wh-conflicts", "10.46.0.0/16"))
	if err != nil {
		t.Fatal(err)
	}
	for action, status := range map[string]int{"DeleteNet": 409, "DeleteSubnet": 424, "DeletePublicIp": 409,
		"DeleteSecurityGroup": 409, "UnlinkInternetService": 424} {
		if _, err := emu.Control().AddFault(ctx, faults.Rule{Action: "outscale:" + action, Nth: 1, Statuses: []int{status}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.DeleteNetwork(ctx, n); err != nil {
		t.Fatalf("delete with conflicts: %v", err)
	}
	assertNothingLeft(t, emu)
}

// A conflict that never clears fails the delete after a bounded number of
// attempts, naming the object and what the cloud said.
func TestNetwork_lastingConflictFailsTheDelete(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	ctx := context.Background()
	c := client(t, emu, defaultConfig())
	spec := networkSpec(t, "wh-stuck", "10.47.0.0/16")
	spec.NATEgress = false
	n, err := c.CreateNetwork(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := emu.Control().AddFault(ctx, faults.Rule{Action: "outscale:DeleteNet", Rate: 1, Statuses: []int{409}}); err != nil {
		t.Fatal(err)
	}
	err = c.DeleteNetwork(ctx, n)
	if !errors.Is(err, cloud.ErrConflict) || !strings.Contains(err.Error(), n.ID) || !strings.Contains(err.Error(), "409") {
		t.Fatalf("err = %v, want a conflict naming the Net", err)
	}
	calls, _ := emu.Control().Calls(ctx)
	if calls["outscale:DeleteNet"] < 2 || calls["outscale:DeleteNet"] > 100 {
		t.Fatalf("DeleteNet calls = %d", calls["outscale:DeleteNet"])
	}
}

func TestNetwork_readSortsRulesAndDropsReservedTags(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := client(t, emu, defaultConfig())
	ctx := context.Background()
	spec := networkSpec(t, "wh-order", "10.48.0.0/16")
	spec.AdminCIDRs = []string{"203.0.113.9/32", "192.0.2.1/32", "198.51.100.4/32"}
	n, err := c.CreateNetwork(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	sorted := slices.Clone(n.Rules)
	cloud.SortRules(sorted)
	if !reflect.DeepEqual(sorted, n.Rules) {
		t.Errorf("rules are not sorted: %+v", n.Rules)
	}
	keys := slices.Collect(maps.Keys(n.Tags))
	sort.Strings(keys)
	if !reflect.DeepEqual(keys, []string{"project"}) {
		t.Errorf("tags = %v", n.Tags)
	}
}

// A create that died half-way (its provider killed: no state names what it
// made) leaves a Net marked as being created, with its lease. While the
// lease runs, another create of the same name leaves it alone and says so:
// that create may be alive in another process. Once the lease has expired,
// or once the user declares that create dead (HEALTH_TAKE_OVER, with the
// token the refusal gave), the next create deletes it, and what it holds,
// before making its own; a finished network of the same name is never
// touched.
func TestNetwork_leftoversOfAnInterruptedCreateAreRemoved(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	ctx := context.Background()
	c := client(t, emu, defaultConfig())
	finished := networkSpec(t, "wh-left", "10.46.0.0/16")
	finished.ClientToken = strings.Repeat("a", 32)
	other, err := c.CreateNetwork(ctx, finished)
	if err != nil {
		t.Fatal(err)
	}
	// This create stops at its second route table, as if its provider died.
	if _, err := emu.Control().AddFault(ctx, faults.Rule{Action: "outscale:CreateRouteTable", Nth: 2, Statuses: []int{400}}); err != nil {
		t.Fatal(err)
	}
	interrupted, err := c.CreateNetwork(ctx, networkSpec(t, "wh-left", "10.46.0.0/16"))
	if err == nil {
		t.Fatal("the interrupted create did not fail")
	}
	before := objectCount(t, emu)
	again := networkSpec(t, "wh-left", "10.46.0.0/16")
	again.ClientToken = strings.Repeat("b", 32)
	_, err = client(t, emu, defaultConfig()).CreateNetwork(ctx, again)
	assertInProgress(t, err, interrupted.ID)
	if after := objectCount(t, emu); after != before {
		t.Fatalf("a create refused beside a live lease changed the cloud: %d objects, then %d", before, after)
	}
	if _, err := clientTakingOver(t, emu, defaultConfig(), "not-that-run").CreateNetwork(ctx, again); !errors.Is(err, cloud.ErrConflict) {
		t.Fatalf("declaring another run dead took this one over: %v", err)
	}
	n, err := clientTakingOver(t, emu, defaultConfig(), interruptedToken(t, err)).CreateNetwork(ctx, again)
	if err != nil {
		t.Fatal(err)
	}
	for _, done := range []cloud.Network{n, other} {
		if err := c.DeleteNetwork(ctx, done); err != nil {
			t.Fatal(err)
		}
	}
	assertNothingLeft(t, emu)
}

// Each tier's group lets out only its rules: the rule letting everything
// out that OAPI gives a new group in a Net is gone, object storage is named
// by its service id, and an outbound rule added or removed out of band
// shows in the next Read and is undone by Update.
func TestNetwork_outboundRules(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := client(t, emu, defaultConfig())
	ctx := context.Background()
	spec := networkSpec(t, "wh-egress", "10.49.0.0/16")
	spec.EgressAllow = []cloud.EgressRule{{Name: "mirror", CIDR: "198.51.100.0/24", FromPort: 443, Tiers: []string{"kms"},
		Hosts: []string{"mirror.example.org"}}}
	n, err := c.CreateNetwork(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	storageID := ""
	outOfBand(t, emu, func(ctx context.Context, api *osc.APIClient) (*http.Response, error) {
		resp, httpResp, err := api.NetAccessPointApi.ReadNetAccessPointServices(ctx).ReadNetAccessPointServicesRequest(
			osc.ReadNetAccessPointServicesRequest{Filters: &osc.FiltersService{ServiceNames: &[]string{
				"com.outscale." + emulator.DefaultOutscaleRegion + ".oos"}}}).Execute()
		if len(resp.GetServices()) == 1 {
			storageID = resp.GetServices()[0].GetServiceId()
		}
		return httpResp, err
	})
	groups := func() map[string]osc.SecurityGroup {
		out := map[string]osc.SecurityGroup{}
		outOfBand(t, emu, func(ctx context.Context, api *osc.APIClient) (*http.Response, error) {
			resp, httpResp, err := api.SecurityGroupApi.ReadSecurityGroups(ctx).ReadSecurityGroupsRequest(osc.ReadSecurityGroupsRequest{
				Filters: &osc.FiltersSecurityGroup{NetIds: &[]string{n.ID}}}).Execute()
			for _, g := range resp.GetSecurityGroups() {
				out[g.GetSecurityGroupId()] = g
			}
			return httpResp, err
		})
		return out
	}
	all := groups()
	for _, tier := range cloud.Tiers {
		g := all[n.Subnets[tier].SecurityGroupID]
		storage := false
		for _, r := range g.GetOutboundRules() {
			if slices.Contains(r.GetIpRanges(), "0.0.0.0/0") {
				t.Errorf("the %s group still lets everything out: %+v", tier, r)
			}
			storage = storage || slices.Contains(r.GetServiceIds(), storageID)
		}
		if want := slices.Contains(cloud.StorageTiers, tier); storage != want || storageID == "" {
			t.Errorf("the %s group reaches object storage (%s) through its service id: %v, want %v", tier, storageID, storage, want)
		}
	}
	kmsGroup := all[n.Subnets[cloud.TierKMS].SecurityGroupID]
	if kms := kmsGroup.GetOutboundRules(); len(kms) != 1 ||
		!reflect.DeepEqual(kms[0].GetIpRanges(), []string{"198.51.100.0/24"}) {
		t.Errorf("the kms group lets out %+v, want the mirror only", kms)
	}

	bastionGroup := n.Subnets[cloud.TierBastion].SecurityGroupID
	outOfBand(t, emu, func(ctx context.Context, api *osc.APIClient) (*http.Response, error) {
		_, resp, err := api.SecurityGroupRuleApi.CreateSecurityGroupRule(ctx).CreateSecurityGroupRuleRequest(osc.CreateSecurityGroupRuleRequest{
			SecurityGroupId: bastionGroup, Flow: "Outbound", IpProtocol: osc.PtrString("-1"), IpRange: osc.PtrString("0.0.0.0/0")}).Execute()
		return resp, err
	})
	outOfBand(t, emu, func(ctx context.Context, api *osc.APIClient) (*http.Response, error) {
		_, resp, err := api.SecurityGroupRuleApi.DeleteSecurityGroupRule(ctx).DeleteSecurityGroupRuleRequest(osc.DeleteSecurityGroupRuleRequest{
			SecurityGroupId: n.Subnets[cloud.TierCompute].SecurityGroupID, Flow: "Outbound",
			Rules: &[]osc.SecurityGroupRule{{IpProtocol: osc.PtrString("tcp"), FromPortRange: osc.PtrInt32(cloud.PortKMS),
				ToPortRange:           osc.PtrInt32(cloud.PortKMS),
				SecurityGroupsMembers: &[]osc.SecurityGroupsMember{{SecurityGroupId: osc.PtrString(n.Subnets[cloud.TierKMS].SecurityGroupID)}}}},
		}).Execute()
		return resp, err
	})
	drifted, err := c.ReadNetwork(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	var added, removed []string
	have := map[string]bool{}
	for _, r := range drifted.Rules {
		have[r.Key()] = true
		if !slices.ContainsFunc(n.Rules, func(o cloud.Rule) bool { return o.Key() == r.Key() }) {
			added = append(added, r.Key()+" ("+r.Purpose+")")
		}
	}
	for _, r := range n.Rules {
		if !have[r.Key()] {
			removed = append(removed, r.Key())
		}
	}
	if !reflect.DeepEqual(added, []string{"bastion|outbound|-1|-1|-1|0.0.0.0/0 (opened outside this configuration)"}) ||
		!reflect.DeepEqual(removed, []string{"compute|outbound|tcp|8200|8200|tier:kms"}) {
		t.Fatalf("Read shows %v added and %v removed", added, removed)
	}
	got, err := c.UpdateNetwork(ctx, drifted, spec)
	if err != nil {
		t.Fatal(err)
	}
	if want := cloud.AnnotateRules(got.Rules, cloud.DesiredRules(spec)); !reflect.DeepEqual(want, cloud.DesiredRules(spec)) {
		t.Fatalf("rules after update = %+v", got.Rules)
	}
	if err := c.DeleteNetwork(ctx, got); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, emu)
}
