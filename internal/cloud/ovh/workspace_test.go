package ovh_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/cloud/ovh"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/faults"
)

// workspaceNetwork makes a warehouse network with a package mirror in
// the compute tier's egress_allow.
func workspaceNetwork(t *testing.T, c *ovh.Client, name, cidr string) cloud.Network {
	t.Helper()
	spec := networkSpec(t, name, cidr)
	spec.EgressAllow = []cloud.EgressRule{{Name: "mirror", CIDR: "198.51.100.10/32", FromPort: 443, Tiers: []string{cloud.TierCompute}}}
	n, err := c.CreateNetwork(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// makeBuckets makes buckets, and puts objects in them with their owners' keys.
func makeBuckets(t *testing.T, c *ovh.Client, objects map[string][]string) {
	t.Helper()
	ctx := context.Background()
	for bucket, keys := range objects {
		if _, err := c.CreateBucket(ctx, cloud.BucketSpec{Name: bucket, Encryption: cloud.EncryptionProviderManaged}); err != nil {
			t.Fatal(err)
		}
		creds, err := c.BucketCredentials(ctx, bucket)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			if _, err := dataPipeline(creds).PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(k),
				Body: bytes.NewReader([]byte("rows"))}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// researcher is an S3 client with a workspace's key.
type researcher struct {
	t  *testing.T
	s3 *s3.Client
}

func researcherWith(t *testing.T, c *ovh.Client, key cloud.AccessKey) researcher {
	endpoint, region := c.AuditStorage()
	return researcher{t: t, s3: dataPipeline(cloud.BucketCredentials{AccessKeyID: key.ID, SecretAccessKey: key.Secret,
		Endpoint: endpoint, Region: region})}
}

func (r researcher) get(bucket, key string) error {
	out, err := r.s3.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err == nil {
		_, _ = io.Copy(io.Discard, out.Body)
		_ = out.Body.Close()
	}
	return err
}

func (r researcher) put(bucket, key string) error {
	_, err := r.s3.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
		Body: bytes.NewReader([]byte("result"))})
	return err
}

func (r researcher) list(bucket, prefix string) ([]string, error) {
	in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket)}
	if prefix != "" {
		in.Prefix = aws.String(prefix)
	}
	out, err := r.s3.ListObjectsV2(context.Background(), in)
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	return keys, nil
}

func (r researcher) allowed(what string, err error) {
	r.t.Helper()
	if err != nil {
		r.t.Errorf("%s: refused: %v", what, err)
	}
}

func (r researcher) refused(what string, err error) {
	r.t.Helper()
	if err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		r.t.Errorf("%s: want AccessDenied, got %v", what, err)
	}
}

func workspaceSpec(n cloud.Network, name, dataset string, b cloud.WorkspaceBuckets) cloud.WorkspaceSpec {
	return cloud.WorkspaceSpec{Name: name, Network: n, Datasets: []cloud.DatasetGrant{{Bucket: "wsx-datasets", Prefix: dataset}},
		Buckets: b, Tags: map[string]string{"project": name}, ClientToken: "ws0123456789abcdef0123456789ab" + name}
}

// ruleKeys are the keys of rules, sorted.
func ruleKeys(rules []cloud.Rule) []string {
	var out []string
	for _, r := range rules {
		out = append(out, r.Key())
	}
	slices.Sort(out)
	return out
}

// portGroups are the Neutron groups of an instance's port, as the emulator holds them.
func portGroups(t *testing.T, emu *emulator.Emulator, instanceID string) []string {
	t.Helper()
	obj, found, err := emu.Control().Object(context.Background(), "ovh.instances", instanceID)
	if err != nil || !found {
		t.Fatalf("the instance %s in the emulator: found=%v, %v", instanceID, found, err)
	}
	var port struct {
		SecurityGroups []string `json:"security_groups"`
	}
	if err := json.Unmarshal(obj.Doc, &port); err != nil {
		t.Fatal(err)
	}
	return port.SecurityGroups
}

// moveMachine sets the Neutron groups of an instance's port, as an operator
// would out of band.
func moveMachine(t *testing.T, emu *emulator.Emulator, instanceID string, groups []string) {
	t.Helper()
	ctx := context.Background()
	obj, found, err := emu.Control().Object(ctx, "ovh.instances", instanceID)
	if err != nil || !found {
		t.Fatalf("the instance %s in the emulator: found=%v, %v", instanceID, found, err)
	}
	var doc map[string]any
	if err := json.Unmarshal(obj.Doc, &doc); err != nil {
		t.Fatal(err)
	}
	doc["security_groups"] = groups
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := emu.Control().PutObject(ctx, "ovh.instances", instanceID, raw); err != nil {
		t.Fatal(err)
	}
}

func TestWorkspace_isolation(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := storageClient(t, emu)
	ctx := context.Background()
	n := workspaceNetwork(t, c, "wh-ws1", "10.90.0.0/16")
	makeBuckets(t, c, map[string][]string{
		"wsx-datasets": {"cohort-a/rows.csv", "cohort-b/rows.csv"},
		"wsx-a-work":   nil, "wsx-b-work": {"notes.txt"}, "wsx-a-import": {"approved.csv"}, "wsx-a-export": nil,
		"wsx-results": {"published.csv"},
	})
	specA := workspaceSpec(n, "wsa", "cohort-a/", cloud.WorkspaceBuckets{Working: "wsx-a-work", Import: "wsx-a-import", Export: "wsx-a-export"})
	specB := workspaceSpec(n, "wsb", "cohort-b/", cloud.WorkspaceBuckets{Working: "wsx-b-work"})
	image, err := c.ResolveImage(ctx, cloud.ImageDebian12)
	if err != nil {
		t.Fatal(err)
	}
	for _, spec := range []*cloud.WorkspaceSpec{&specA, &specB} {
		spec.Machines = []cloud.WorkspaceMachineSpec{{Name: spec.Name + "-1", Type: "b3-8", ImageID: image.ID,
			UserData: []byte("#cloud-config\n"), ClientToken: "m0123456789abcdef0123456789" + spec.Name}}
	}
	a, keyA, err := c.CreateWorkspace(ctx, specA)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := c.CreateWorkspace(ctx, specB)
	if err != nil {
		t.Fatal(err)
	}
	if a.ID == "" || a.ID == b.ID || a.IdentityID == "" || keyA.ID == "" || keyA.Secret == "" || a.Tags["project"] != "wsa" {
		t.Fatalf("workspace A = %+v, key %s", a, keyA.ID)
	}
	want, _ := cloud.CanonicalPolicy(cloud.WorkspacePolicy(specA.Datasets, specA.Buckets))
	if a.Policy != want {
		t.Errorf("A's policy reads\n%s\nwant\n%s", a.Policy, want)
	}

	// Object storage: what A's key may do, and nothing else.
	r := researcherWith(t, c, keyA)
	r.allowed("reading A's dataset", r.get("wsx-datasets", "cohort-a/rows.csv"))
	if keys, err := r.list("wsx-datasets", "cohort-a/"); err != nil || !slices.Equal(keys, []string{"cohort-a/rows.csv"}) {
		t.Errorf("listing A's dataset: %v %v", keys, err)
	}
	_, err = r.list("wsx-datasets", "")
	r.refused("listing the whole datasets bucket", err)
	_, err = r.list("wsx-datasets", "cohort-b/")
	r.refused("listing B's dataset", err)
	r.refused("reading B's dataset", r.get("wsx-datasets", "cohort-b/rows.csv"))
	r.allowed("writing A's working bucket", r.put("wsx-a-work", "analysis.csv"))
	r.allowed("reading A's working bucket", r.get("wsx-a-work", "analysis.csv"))
	_, err = r.list("wsx-a-work", "")
	r.allowed("listing A's working bucket", err)
	r.allowed("reading A's imports", r.get("wsx-a-import", "approved.csv"))
	r.refused("writing A's imports", r.put("wsx-a-import", "smuggled.csv"))
	r.allowed("writing A's exports", r.put("wsx-a-export", "to-review.csv"))
	r.refused("reading B's working bucket", r.get("wsx-b-work", "notes.txt"))
	r.refused("writing B's working bucket", r.put("wsx-b-work", "x"))
	_, err = r.list("wsx-b-work", "")
	r.refused("listing B's working bucket", err)
	r.refused("reading the results", r.get("wsx-results", "published.csv"))

	// Network: SSH from the bastion tier, the compute tier's outbound
	// rules, and nothing naming another workspace or itself.
	var wantRules []cloud.Rule
	wantRules = append(wantRules, cloud.Rule{Tier: cloud.TierCompute, Direction: cloud.Inbound, Protocol: "tcp", FromPort: 22, ToPort: 22,
		Source: "tier:bastion"})
	for _, rule := range n.Rules {
		if rule.Tier == cloud.TierCompute && rule.IsOutbound() {
			wantRules = append(wantRules, rule)
		}
	}
	for _, w := range []cloud.Workspace{a, b} {
		if got := ruleKeys(w.Rules); !slices.Equal(got, ruleKeys(wantRules)) {
			t.Errorf("the rules of %s:\n%v\nwant\n%v", w.Name, got, ruleKeys(wantRules))
		}
		for _, rule := range w.Rules {
			if p := rule.Peer(); p == a.ID || p == b.ID || p == "tier:compute" || (!rule.IsOutbound() && p != "tier:bastion") {
				t.Errorf("%s has the rule %s", w.Name, rule.Key())
			}
		}
	}

	// Machines: in the compute subnet, their port in the compute tier's group
	// (which the other tiers' rules name, and which admits nothing from the
	// compute tier) and in their workspace's group, in no other.
	a, err = c.CreateWorkspaceMachines(ctx, a, specA)
	if err != nil {
		t.Fatal(err)
	}
	b, err = c.CreateWorkspaceMachines(ctx, b, specB)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []cloud.Workspace{a, b} {
		if len(w.Machines) != 1 || !w.Machines[0].Running || w.Machines[0].Name != w.Name+"-1" ||
			!strings.HasPrefix(w.Machines[0].PrivateIP, "10.90.") {
			t.Fatalf("the machines of %s: %+v", w.Name, w.Machines)
		}
		want := []string{n.CloudIDs["security_group.compute"], w.ID}
		slices.Sort(want)
		if groups := slices.Sorted(slices.Values(portGroups(t, emu, w.Machines[0].ID))); !slices.Equal(groups, want) {
			t.Errorf("the port of %s is in the groups %v, want %v", w.Machines[0].Name, groups, want)
		}
	}
	// No rule of any group names a workspace's group but the workspace's own
	// (the tiers' rules name the compute tier's group, whose port the
	// machines are in).
	neutronRules, err := emu.Control().Objects(ctx, "ovh.neutron_security_group_rules")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range neutronRules {
		var r struct {
			Group  string `json:"security_group_id"`
			Remote string `json:"remote_group_id"`
		}
		if err := json.Unmarshal(o.Doc, &r); err != nil {
			t.Fatal(err)
		}
		if (r.Remote == a.ID || r.Remote == b.ID) && r.Group != r.Remote {
			t.Errorf("the rule %s of the group %s names the workspace group %s", o.ID, r.Group, r.Remote)
		}
		if r.Group == n.CloudIDs["security_group.compute"] && r.Remote == r.Group {
			t.Errorf("the compute tier's group names itself: %s", o.Doc)
		}
	}
	// A machine whose port was taken out of the compute tier's group, out of
	// band, reads as detached (so the next plan rebuilds it).
	moveMachine(t, emu, a.Machines[0].ID, []string{a.ID})
	if read, err := c.ReadWorkspace(ctx, a); err != nil || len(read.Machines) != 1 || read.Machines[0].Running ||
		read.Machines[0].State != cloud.MachineDetached {
		t.Fatalf("A after its machine left the compute tier's group: %+v %v", read.Machines, err)
	}
	moveMachine(t, emu, a.Machines[0].ID, []string{n.CloudIDs["security_group.compute"], a.ID, b.ID})
	if read, err := c.ReadWorkspace(ctx, a); err != nil || len(read.Machines) != 1 || read.Machines[0].State != cloud.MachineDetached {
		t.Fatalf("A after its machine was put in B's group too: %+v %v", read.Machines, err)
	}
	moveMachine(t, emu, a.Machines[0].ID, []string{n.CloudIDs["security_group.compute"], a.ID})
	if read, err := c.ReadWorkspace(ctx, a); err != nil || len(read.Machines) != 1 || !read.Machines[0].Running {
		t.Fatalf("A once its machine is back in its groups: %+v %v", read.Machines, err)
	}
	// No floating IP: research machines are private.
	if kinds := kindsOf(t, emu); kinds["ovh.floating_ips"] != 0 {
		t.Errorf("floating IPs: %v", kinds)
	}
	// Made twice, a machine is not made again.
	if again, err := c.CreateWorkspaceMachines(ctx, a, specA); err != nil || len(again.Machines) != 1 || again.Machines[0].ID != a.Machines[0].ID {
		t.Fatalf("machines made again: %+v %v", again.Machines, err)
	}

	// A second key, then without it.
	second, err := c.CreateWorkspaceKey(ctx, a)
	if err != nil || second.Secret == "" {
		t.Fatalf("second key: %v", err)
	}
	researcherWith(t, c, second).allowed("reading A's imports with its second key", researcherWith(t, c, second).get("wsx-a-import", "approved.csv"))
	if err := c.DeleteWorkspaceKey(ctx, a, second.ID); err != nil {
		t.Fatal(err)
	}
	if err := researcherWith(t, c, second).get("wsx-a-import", "approved.csv"); err == nil {
		t.Error("a deleted key still reads")
	}

	// A machine deleted out of band is missing from the read; the others
	// are deleted by name.
	if err := operator(t, emu).Delete("/cloud/project/"+emulator.DefaultOVHProjectID+"/instance/"+a.Machines[0].ID, nil); err != nil {
		t.Fatal(err)
	}
	if read, err := c.ReadWorkspace(ctx, a); err != nil || len(read.Machines) != 0 {
		t.Fatalf("A after its machine was deleted out of band: %+v %v", read.Machines, err)
	}
	if after, err := c.DeleteWorkspaceMachines(ctx, b, []string{"wsb-1"}); err != nil || len(after.Machines) != 0 {
		t.Fatalf("B after deleting its machine: %+v %v", after.Machines, err)
	}
	for _, w := range []cloud.Workspace{a, b} {
		if err := c.DeleteWorkspace(ctx, w); err != nil {
			t.Fatal(err)
		}
		if _, err := c.ReadWorkspace(ctx, w); !errors.Is(err, cloud.ErrNotFound) {
			t.Errorf("read after delete: %v", err)
		}
		// What is gone already is fine.
		if err := c.DeleteWorkspace(ctx, w); err != nil {
			t.Errorf("deleting %s again: %v", w.Name, err)
		}
	}
	if kinds := kindsOf(t, emu); kinds["ovh.instances"] != 0 {
		t.Errorf("left after the workspaces: %v", kinds)
	}
	for _, bucket := range []string{"wsx-datasets", "wsx-a-work", "wsx-b-work", "wsx-a-import", "wsx-a-export", "wsx-results"} {
		if err := c.DeleteBucket(ctx, cloud.Bucket{Name: bucket, CloudIDs: map[string]string{}}, true); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.DeleteNetwork(ctx, n); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, emu)
}

// A rule deleted and the policy changed outside Terraform show in
// ReadWorkspace; UpdateWorkspaceAccess restores both.
func TestWorkspace_driftAndUpdate(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := storageClient(t, emu)
	ctx := context.Background()
	n := workspaceNetwork(t, c, "wh-ws2", "10.91.0.0/16")
	spec := workspaceSpec(n, "wsd", "cohort-a/", cloud.WorkspaceBuckets{Working: "wsy-work"})
	w, _, err := c.CreateWorkspace(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	// The SSH rule goes, out of band.
	rules, err := emu.Control().Objects(ctx, "ovh.neutron_security_group_rules")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range rules {
		var r struct {
			Group     string `json:"security_group_id"`
			Direction string `json:"direction"`
		}
		if err := json.Unmarshal(o.Doc, &r); err != nil {
			t.Fatal(err)
		}
		if r.Group == w.ID && r.Direction == "ingress" {
			if err := emu.Control().DeleteObject(ctx, o.Collection, o.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The policy opens everything, out of band.
	open := `{"Statement":[{"Effect":"Allow","Action":["s3:*"],"Resource":["*"]}]}`
	if err := operator(t, emu).Post("/cloud/project/"+emulator.DefaultOVHProjectID+"/user/"+w.IdentityID+"/policy",
		map[string]string{"policy": open}, nil); err != nil {
		t.Fatal(err)
	}
	drifted, err := c.ReadWorkspace(ctx, w)
	if err != nil {
		t.Fatal(err)
	}
	if len(drifted.Rules) != len(w.Rules)-1 || slices.ContainsFunc(drifted.Rules, func(r cloud.Rule) bool { return !r.IsOutbound() }) {
		t.Errorf("rules after the SSH rule went: %v", ruleKeys(drifted.Rules))
	}
	if canonical, _ := cloud.CanonicalPolicy(open); drifted.Policy != canonical {
		t.Errorf("policy after the change: %s", drifted.Policy)
	}
	restored, err := c.UpdateWorkspaceAccess(ctx, w, spec)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ruleKeys(restored.Rules), ruleKeys(w.Rules)) || restored.Policy != w.Policy {
		t.Errorf("after the update: rules %v policy %s", ruleKeys(restored.Rules), restored.Policy)
	}
	// A dataset more: the policy follows.
	spec.Datasets = append(spec.Datasets, cloud.DatasetGrant{Bucket: "wsy-other"})
	updated, err := c.UpdateWorkspaceAccess(ctx, restored, spec)
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := cloud.CanonicalPolicy(cloud.WorkspacePolicy(spec.Datasets, spec.Buckets)); updated.Policy != want {
		t.Errorf("policy after adding a dataset: %s", updated.Policy)
	}
	if err := c.DeleteWorkspace(ctx, updated); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteNetwork(ctx, n); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, emu)
}

// A create that fails half-way returns what it made; DeleteWorkspace
// removes it all. A create run again after its lease takes over what a
// create that died left.
func TestWorkspace_halfMadeCreate(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := storageClient(t, emu)
	ctx := context.Background()
	n := workspaceNetwork(t, c, "wh-ws3", "10.92.0.0/16")
	spec := workspaceSpec(n, "wsh", "", cloud.WorkspaceBuckets{Working: "wsz-work"})
	if _, err := emu.Control().AddFault(ctx, faults.Rule{Action: "ovh:POST /1.0/cloud/project/{serviceName}/user/{userId}/s3Credentials",
		Rate: 1, Statuses: []int{403}}); err != nil {
		t.Fatal(err)
	}
	half, _, err := c.CreateWorkspace(ctx, spec)
	if err == nil {
		t.Fatal("the create succeeded without S3 credentials")
	}
	if half.ID == "" || half.CloudIDs["security_group"] == "" || half.CloudIDs["user"] == "" {
		t.Fatalf("the half-made workspace: %+v", half)
	}
	if err := emu.Control().ClearFaults(ctx); err != nil {
		t.Fatal(err)
	}
	// Another run, after the lease of the first: it takes over the group and the user.
	later := clientAt(t, appKeyConfig(emu), afterLeases)
	spec.ClientToken = "ws-second-run-0123456789abcdef0"
	w, key, err := later.CreateWorkspace(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if w.ID != half.ID || w.IdentityID != half.CloudIDs["user"] || key.Secret == "" {
		t.Errorf("the second run made %+v, the first %+v", w, half)
	}
	// A third create of the same workspace is refused: it exists.
	refused, _, err := later.CreateWorkspace(ctx, spec)
	if !errors.Is(err, cloud.ErrConflict) {
		t.Errorf("creating it again: %v", err)
	}
	// What the refused create returns is nothing of the workspace: deleting it leaves the workspace be.
	if err := c.DeleteWorkspace(ctx, refused); err != nil {
		t.Fatal(err)
	}
	if read, err := c.ReadWorkspace(ctx, w); err != nil || read.IdentityID != w.IdentityID {
		t.Fatalf("the workspace after deleting what a refused create returned: %+v %v", read, err)
	}
	if err := c.DeleteWorkspace(ctx, half); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteNetwork(ctx, n); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, emu)
}

// FindWorkspaces finds a workspace of the prefix by its group, with its
// object storage user, and a user whose group is gone by itself; what it
// finds, DeleteWorkspace removes whole. A workspace of another name is
// left alone.
func TestFindWorkspaces(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := storageClient(t, emu)
	ctx := context.Background()
	n := workspaceNetwork(t, c, "wh-wsf", "10.93.0.0/16")
	made := map[string]cloud.Workspace{}
	for _, name := range []string{"sweepme-a", "sweepme-b", "keep-sweepme"} {
		w, _, err := c.CreateWorkspace(ctx, workspaceSpec(n, name, "cohort/", cloud.WorkspaceBuckets{Working: name + "-work"}))
		if err != nil {
			t.Fatal(err)
		}
		made[name] = w
	}
	// b's group goes out of band, with its rules: its user is left alone.
	objs, err := emu.Control().Objects(ctx, "ovh.neutron_security_group")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if o.ID == made["sweepme-b"].ID || strings.Contains(string(o.Doc), made["sweepme-b"].ID) {
			if err := emu.Control().DeleteObject(ctx, o.Collection, o.ID); err != nil {
				t.Fatal(err)
			}
		}
	}

	found, err := c.FindWorkspaces(ctx, "sweepme-")
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 2 {
		t.Fatalf("found %+v, want sweepme-a by its group and sweepme-b by its user", found)
	}
	a, b := found[0], found[1]
	if a.Name != "sweepme-a" || a.ID != made["sweepme-a"].ID || a.NetworkID != n.ID || a.CloudIDs["user"] != made["sweepme-a"].IdentityID {
		t.Errorf("sweepme-a found as %+v, made as %+v", a, made["sweepme-a"])
	}
	if b.Name != "sweepme-b" || b.ID != "" || b.CloudIDs["user"] != made["sweepme-b"].IdentityID {
		t.Errorf("sweepme-b found as %+v, its user is %s", b, made["sweepme-b"].IdentityID)
	}
	for _, w := range found {
		if err := c.DeleteWorkspace(ctx, w); err != nil {
			t.Fatal(err)
		}
	}
	if again, err := c.FindWorkspaces(ctx, "sweepme-"); err != nil || len(again) != 0 {
		t.Fatalf("found after deleting: %+v %v", again, err)
	}
	if kept, err := c.FindWorkspaces(ctx, "keep-"); err != nil || len(kept) != 1 || kept[0].ID != made["keep-sweepme"].ID {
		t.Fatalf("the workspace of another prefix: %+v %v", kept, err)
	}
	if err := c.DeleteWorkspace(ctx, made["keep-sweepme"]); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteNetwork(ctx, n); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, emu)
}
