package outscale_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"testing"

	osc "github.com/outscale/osc-sdk-go/v2"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/cloud/outscale"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/faults"
)

// keyManagerIn makes a warehouse network and returns it with the spec of
// a key manager of count servers at the addresses the client picks.
func keyManagerIn(t *testing.T, c *outscale.Client, name, cidr string, count int) (cloud.Network, cloud.KeyManagerSpec) {
	t.Helper()
	ctx := context.Background()
	n, err := c.CreateNetwork(ctx, networkSpec(t, name, cidr))
	if err != nil {
		t.Fatal(err)
	}
	return n, keyManagerSpec(t, c, n, name+"-kms", count)
}

func keyManagerSpec(t *testing.T, c *outscale.Client, n cloud.Network, name string, count int) cloud.KeyManagerSpec {
	t.Helper()
	ctx := context.Background()
	image, err := c.ResolveImage(ctx, cloud.ImageDebian12)
	if err != nil {
		t.Fatal(err)
	}
	layout, err := c.KeyManagerAddresses(ctx, n, count)
	if err != nil {
		t.Fatal(err)
	}
	spec := cloud.KeyManagerSpec{Name: name, Network: n, Type: cloud.BastionType(cloud.Outscale, cloud.SizeSmall), ImageID: image.ID,
		Tags: map[string]string{"owner": "data-office"}, ClientToken: "0123456789abcdef0123456789abcdef"}
	for i, ip := range layout {
		spec.Nodes = append(spec.Nodes, nodeSpec(name, i+1, ip))
	}
	return spec
}

func nodeSpec(cluster string, index int, ip string) cloud.KeyManagerNodeSpec {
	name := cloud.KeyManagerNodeName(cluster, index)
	return cloud.KeyManagerNodeSpec{Index: index, Name: name, PrivateIP: ip,
		UserData: []byte("#cloud-config\nhostname: " + name + "\n"), HostKeyFingerprint: "SHA256:abc",
		ClientToken: fmt.Sprintf("0123456789abcdef0123456789abcdef-%d-%s", index, ip)}
}

// groupOf reads a security group out of band.
func groupOf(t *testing.T, emu *emulator.Emulator, id string) osc.SecurityGroup {
	t.Helper()
	var found []osc.SecurityGroup
	outOfBand(t, emu, func(ctx context.Context, api *osc.APIClient) (*http.Response, error) {
		resp, r, err := api.SecurityGroupApi.ReadSecurityGroups(ctx).ReadSecurityGroupsRequest(osc.ReadSecurityGroupsRequest{
			Filters: &osc.FiltersSecurityGroup{SecurityGroupIds: &[]string{id}}}).Execute()
		found = resp.GetSecurityGroups()
		return r, err
	})
	if len(found) != 1 {
		t.Fatalf("the security group %s: %d found", id, len(found))
	}
	return found[0]
}

func TestKeyManagerCluster_createReadDelete(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := client(t, emu, defaultConfig())
	ctx := context.Background()
	n, spec := keyManagerIn(t, c, "wh-k1", "10.73.0.0/16", 3)
	kms := n.Subnets[cloud.TierKMS]

	k, err := c.CreateKeyManager(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^sg-[0-9a-f]{8}$`).MatchString(k.ID) || k.Name != "wh-k1-kms" || k.NetworkID != n.ID ||
		k.Backend != cloud.BackendOpenBao || len(k.Nodes) != 3 || k.Tags["owner"] != "data-office" {
		t.Fatalf("key manager = %+v", k)
	}
	if k.Address != "https://"+spec.Nodes[0].PrivateIP+":8200" || !slices.Equal(k.NodeAddresses,
		[]string{spec.Nodes[0].PrivateIP, spec.Nodes[1].PrivateIP, spec.Nodes[2].PrivateIP}) {
		t.Errorf("address %s, layout %v", k.Address, k.NodeAddresses)
	}
	for i, node := range k.Nodes {
		if node.Index != i+1 || !node.Running || node.PrivateIP != spec.Nodes[i].PrivateIP || node.Name != spec.Nodes[i].Name ||
			string(node.UserData) != string(spec.Nodes[i].UserData) || k.CloudIDs[cloud.KeyManagerVMKey(i+1)] != node.ID {
			t.Errorf("node %d = %+v", i+1, node)
		}
	}
	// The servers admit each other on the API and cluster ports.
	g := groupOf(t, emu, k.ID)
	admitted := false
	for _, r := range g.GetInboundRules() {
		for _, m := range r.GetSecurityGroupsMembers() {
			if m.GetSecurityGroupId() == k.ID && r.GetFromPortRange() == 8200 && r.GetToPortRange() == 8201 {
				admitted = true
			}
		}
	}
	if !admitted || g.GetNetId() != n.ID {
		t.Errorf("the cluster's group: %+v", g)
	}
	// ... and lets out nothing else: a VM goes out through any of its
	// groups, so the rule letting everything out that a new group in a
	// Net comes with would undo the kms tier's egress rules.
	if out := g.GetOutboundRules(); len(out) != 1 || out[0].GetFromPortRange() != 8200 || out[0].GetToPortRange() != 8201 ||
		len(out[0].GetSecurityGroupsMembers()) != 1 || out[0].GetSecurityGroupsMembers()[0].GetSecurityGroupId() != k.ID {
		t.Errorf("the cluster's group lets out %+v, want its own members on 8200-8201 only", out)
	}
	// Each server is in the kms tier's group and the cluster's.
	var vms []osc.Vm
	outOfBand(t, emu, func(ctx context.Context, api *osc.APIClient) (*http.Response, error) {
		resp, r, err := api.VmApi.ReadVms(ctx).ReadVmsRequest(osc.ReadVmsRequest{Filters: &osc.FiltersVm{SecurityGroupIds: &[]string{k.ID}}}).Execute()
		vms = resp.GetVms()
		return r, err
	})
	for _, vm := range vms {
		var groups []string
		for _, sg := range vm.GetSecurityGroups() {
			groups = append(groups, sg.GetSecurityGroupId())
		}
		if vm.GetSubnetId() != kms.ID || !slices.Contains(groups, kms.SecurityGroupID) || len(groups) != 2 {
			t.Errorf("VM %s: subnet %s, groups %v", vm.GetVmId(), vm.GetSubnetId(), groups)
		}
	}
	// Read by id alone, as after an import: the group's tags give back the rest.
	again, err := c.ReadKeyManager(ctx, cloud.KeyManagerCluster{ID: k.ID})
	if err != nil || again.Name != k.Name || again.NetworkID != n.ID || !slices.Equal(again.NodeAddresses, k.NodeAddresses) ||
		len(again.Nodes) != 3 || again.Nodes[2].ID != k.Nodes[2].ID {
		t.Fatalf("read by id: %+v %v", again, err)
	}
	if _, err := c.UpdateKeyManagerTags(ctx, k, map[string]string{"cost-centre": "42"}); err != nil {
		t.Fatal(err)
	}
	if after, _ := c.ReadKeyManager(ctx, k); len(after.Tags) != 1 || after.Tags["cost-centre"] != "42" {
		t.Errorf("tags after update: %v", after.Tags)
	}
	if err := c.DeleteKeyManager(ctx, k); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ReadKeyManager(ctx, k); !errors.Is(err, cloud.ErrNotFound) {
		t.Errorf("read after delete: %v", err)
	}
	if err := c.DeleteKeyManager(ctx, k); err != nil {
		t.Errorf("deleting twice: %v", err)
	}
	if err := c.DeleteNetwork(ctx, n); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, emu)
}

// Addresses are picked from the subnet's tenth on, around those in use.
func TestKeyManagerCluster_addresses(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := client(t, emu, defaultConfig())
	ctx := context.Background()
	n, spec := keyManagerIn(t, c, "wh-k2", "10.74.0.0/16", 1)
	base := netip.MustParsePrefix(n.Subnets[cloud.TierKMS].CIDR).Addr()
	want := netip.AddrFrom4([4]byte{base.As4()[0], base.As4()[1], base.As4()[2], base.As4()[3] + 10})
	if got := spec.Nodes[0].PrivateIP; got != want.String() {
		t.Errorf("the first server is at %s in %s, want %s", got, n.Subnets[cloud.TierKMS].CIDR, want)
	}
	k, err := c.CreateKeyManager(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	next, err := c.KeyManagerAddresses(ctx, n, 3)
	if err != nil || len(next) != 3 || slices.Contains(next, spec.Nodes[0].PrivateIP) {
		t.Errorf("addresses beside a live server: %v %v", next, err)
	}
	if err := c.DeleteKeyManager(ctx, k); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteNetwork(ctx, n); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, emu)
}

// A server terminated and another stopped outside Terraform: the first is
// made again at its address once the old VM released it, the second
// started.
func TestKeyManagerCluster_repair(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := client(t, emu, defaultConfig())
	ctx := context.Background()
	n, spec := keyManagerIn(t, c, "wh-k3", "10.75.0.0/16", 3)
	k, err := c.CreateKeyManager(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	gone, stopped := k.Nodes[1], k.Nodes[2]
	outOfBand(t, emu, func(ctx context.Context, api *osc.APIClient) (*http.Response, error) {
		if _, r, err := api.VmApi.DeleteVms(ctx).DeleteVmsRequest(osc.DeleteVmsRequest{VmIds: []string{gone.ID}}).Execute(); err != nil {
			return r, err
		}
		_, r, err := api.VmApi.StopVms(ctx).StopVmsRequest(osc.StopVmsRequest{VmIds: []string{stopped.ID}}).Execute()
		return r, err
	})
	drifted, err := c.ReadKeyManager(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(drifted.MissingNodes(), []int{2}) || !slices.Equal(drifted.StoppedNodes(), []int{3}) {
		t.Fatalf("missing %v, stopped %v", drifted.MissingNodes(), drifted.StoppedNodes())
	}
	replacement := keyManagerSpec(t, c, n, "wh-k3-kms", 0)
	replacement.Nodes = []cloud.KeyManagerNodeSpec{nodeSpec("wh-k3-kms", 2, gone.PrivateIP)}
	replacement.Nodes[0].UserData = []byte("#cloud-config\nhostname: wh-k3-kms-2\n# made again\n")
	repaired, err := c.RepairKeyManager(ctx, drifted, replacement)
	if err != nil {
		t.Fatal(err)
	}
	again, ok := repaired.Node(2)
	if len(repaired.MissingNodes()) != 0 || len(repaired.StoppedNodes()) != 0 || !ok || again.ID == gone.ID ||
		again.PrivateIP != gone.PrivateIP || string(again.UserData) != string(replacement.Nodes[0].UserData) {
		t.Fatalf("repaired: %+v", repaired)
	}
	if err := c.DeleteKeyManager(ctx, repaired); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteNetwork(ctx, n); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, emu)
}

// Answers lost after the cloud acted make nothing twice: the group is
// found by its name, each VM by its client token.
func TestKeyManagerCluster_lostAnswers(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := client(t, emu, defaultConfig())
	ctx := context.Background()
	n, spec := keyManagerIn(t, c, "wh-k4", "10.76.0.0/16", 3)
	for _, action := range []string{"CreateSecurityGroup", "CreateVms", "CreateSecurityGroupRule"} {
		if _, err := emu.Control().AddFault(ctx, faults.Rule{Action: "outscale:" + action, Nth: 1, Drop: "after"}); err != nil {
			t.Fatal(err)
		}
	}
	k, err := c.CreateKeyManager(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	groups, err := emu.Control().Objects(ctx, "outscale.security_groups")
	if err != nil {
		t.Fatal(err)
	}
	vms, err := emu.Control().Objects(ctx, "outscale.vms")
	if err != nil {
		t.Fatal(err)
	}
	// The network's five groups (four tiers and the Net's default), the cluster's one.
	if len(groups) != 6 || len(vms) != 3 || len(k.Nodes) != 3 {
		t.Fatalf("%d groups, %d VMs, %d servers", len(groups), len(vms), len(k.Nodes))
	}
	if err := c.DeleteKeyManager(ctx, k); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteNetwork(ctx, n); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, emu)
}

// A create failing half-way returns what it made; deleting that leaves
// nothing of the key manager.
func TestKeyManagerCluster_partialCreate(t *testing.T) {
	t.Parallel()
	for _, fault := range []faults.Rule{
		{Action: "outscale:CreateSecurityGroupRule", Nth: 1, Statuses: []int{400}},
		{Action: "outscale:CreateVms", Nth: 2, Statuses: []int{400}},
		{Action: "outscale:CreateTags", Nth: 3, Statuses: []int{400}},
	} {
		t.Run(fmt.Sprintf("%s#%d", fault.Action, fault.Nth), func(t *testing.T) {
			t.Parallel()
			emu := emutest.Start(t, nil)
			c := client(t, emu, defaultConfig())
			ctx := context.Background()
			n, spec := keyManagerIn(t, c, "wh-k5", "10.77.0.0/16", 3)
			if _, err := emu.Control().AddFault(ctx, fault); err != nil {
				t.Fatal(err)
			}
			k, err := c.CreateKeyManager(ctx, spec)
			if err == nil {
				t.Fatal("the create succeeded despite the fault")
			}
			if k.ID == "" || k.CloudIDs["security_group"] != k.ID {
				t.Fatalf("the partial key manager lists no group: %+v", k)
			}
			if err := c.DeleteKeyManager(ctx, k); err != nil {
				t.Fatal(err)
			}
			if err := c.DeleteNetwork(ctx, n); err != nil {
				t.Fatal(err)
			}
			assertNothingLeft(t, emu)
		})
	}
}

// What a create that died with its provider left (its group still marked,
// a server made) is deleted by the next create of the same name, from
// another process; a finished cluster of that name is refused instead.
func TestKeyManagerCluster_leftovers(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	ctx := context.Background()
	dead := client(t, emu, defaultConfig())
	n, spec := keyManagerIn(t, dead, "wh-k6", "10.78.0.0/16", 3)
	if _, err := emu.Control().AddFault(ctx, faults.Rule{Action: "outscale:CreateVms", Nth: 2, Statuses: []int{400}}); err != nil {
		t.Fatal(err)
	}
	if _, err := dead.CreateKeyManager(ctx, spec); err == nil {
		t.Fatal("the create succeeded despite the fault")
	}
	// The next provider process: its own client, a new token; refused
	// while the dead create's lease runs, then taking its leftovers over.
	spec.ClientToken = "fedcba9876543210fedcba9876543210"
	for i := range spec.Nodes {
		spec.Nodes[i].ClientToken += "-again"
	}
	_, err := client(t, emu, defaultConfig()).CreateKeyManager(ctx, spec)
	assertInProgress(t, err, "health-kms-wh-k6-kms")
	next := clientAt(t, emu, defaultConfig(), afterLeases)
	k, err := next.CreateKeyManager(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	vms, err := emu.Control().Objects(ctx, "outscale.vms")
	if err != nil {
		t.Fatal(err)
	}
	live := 0
	for _, o := range vms {
		var vm struct{ State string }
		if err := json.Unmarshal(o.Doc, &vm); err != nil {
			t.Fatal(err)
		}
		if vm.State != "terminated" && vm.State != "shutting-down" {
			live++
		}
	}
	if live != 3 || len(k.Nodes) != 3 {
		t.Fatalf("%d live VMs, %d servers: the dead create's server was not removed", live, len(k.Nodes))
	}
	if _, ok := tagsOf(groupOf(t, emu, k.ID))[cloud.TagCreating]; ok {
		t.Error("the finished cluster's group is still marked as being created")
	}
	// A finished cluster of the same name is not a leftover.
	if _, err := client(t, emu, defaultConfig()).CreateKeyManager(ctx, spec); !errors.Is(err, cloud.ErrConflict) ||
		!strings.Contains(err.Error(), "import it") {
		t.Fatalf("a second cluster of the same name: %v", err)
	}
	if err := next.DeleteKeyManager(ctx, k); err != nil {
		t.Fatal(err)
	}
	if err := next.DeleteNetwork(ctx, n); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, emu)
}

func tagsOf(g osc.SecurityGroup) map[string]string {
	out := map[string]string{}
	for _, tag := range g.GetTags() {
		out[tag.Key] = tag.Value
	}
	return out
}
