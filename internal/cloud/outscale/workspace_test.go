package outscale_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	osc "github.com/outscale/osc-sdk-go/v2"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/cloud/outscale"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/faults"
)

// workspaceNetwork makes a warehouse network whose compute tier may reach
// a package mirror, and the buckets workspaces use: datasets (two
// cohorts), a working, import and export bucket per workspace, results.
func workspaceNetwork(t *testing.T, emu *emulator.Emulator, c *outscale.Client, name, cidr string) (cloud.Network, cloud.NetworkSpec) {
	t.Helper()
	ctx := context.Background()
	spec := networkSpec(t, name, cidr)
	spec.EgressAllow = []cloud.EgressRule{{Name: "mirror", CIDR: "198.51.100.10/32", FromPort: 443, Tiers: []string{cloud.TierCompute}}}
	n, err := c.CreateNetwork(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{name + "-datasets", name + "-work-a", name + "-import-a", name + "-export-a", name + "-work-b", name + "-results"} {
		if _, err := c.CreateBucket(ctx, bucketSpec(b)); err != nil {
			t.Fatal(err)
		}
	}
	account := s3API(emu)
	for _, key := range []string{"cohort-a/x.csv", "cohort-b/y.csv"} {
		if _, err := account.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(name + "-datasets"), Key: aws.String(key),
			Body: bytes.NewReader([]byte(key))}); err != nil {
			t.Fatal(err)
		}
	}
	for _, b := range []string{name + "-import-a", name + "-work-b", name + "-results"} {
		if _, err := account.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("obj"),
			Body: bytes.NewReader([]byte("data"))}); err != nil {
			t.Fatal(err)
		}
	}
	return n, spec
}

// workspaceSpec is workspace ws ("a" or "b") of the network: its cohort,
// its working bucket, and for "a" an airlock's import and export buckets.
func workspaceSpec(t *testing.T, c *outscale.Client, n cloud.Network, ws string, machines int) cloud.WorkspaceSpec {
	t.Helper()
	spec := cloud.WorkspaceSpec{Name: "ws-" + ws, Network: n,
		Datasets:    []cloud.DatasetGrant{{Bucket: n.Name + "-datasets", Prefix: "cohort-" + ws + "/"}},
		Buckets:     cloud.WorkspaceBuckets{Working: n.Name + "-work-" + ws},
		Tags:        map[string]string{"project": "cohort-" + ws},
		ClientToken: fmt.Sprintf("%032x", ws[0])}
	if ws == "a" {
		spec.Buckets.Import, spec.Buckets.Export = n.Name+"-import-a", n.Name+"-export-a"
	}
	if machines > 0 {
		image, err := c.ResolveImage(context.Background(), cloud.ImageDebian12)
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i <= machines; i++ {
			name := fmt.Sprintf("ws-%s-%d", ws, i)
			spec.Machines = append(spec.Machines, cloud.WorkspaceMachineSpec{Name: name, Type: cloud.BastionType(cloud.Outscale, cloud.SizeSmall),
				ImageID: image.ID, UserData: []byte("#cloud-config\nhostname: " + name + "\n"), ClientToken: spec.ClientToken + "-" + name})
		}
	}
	return spec
}

// keyClient is an S3 client signing with a workspace's key.
func keyClient(emu *emulator.Emulator, key cloud.AccessKey) *s3.Client {
	return s3.New(s3.Options{Region: emulator.DefaultOutscaleRegion, BaseEndpoint: aws.String(emu.S3Endpoint()), UsePathStyle: true,
		Credentials:                credentials.NewStaticCredentialsProvider(key.ID, key.Secret, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired, Retryer: aws.NopRetryer{}})
}

// wantRules are the rules a workspace's group must hold in n.
func wantRules(n cloud.Network) []string {
	want := []string{cloud.Rule{Tier: cloud.TierCompute, Direction: cloud.Inbound, Protocol: "tcp", FromPort: 22, ToPort: 22,
		Source: cloud.TierSource(cloud.TierBastion)}.Key()}
	for _, r := range n.Rules {
		if r.Tier == cloud.TierCompute && r.IsOutbound() {
			want = append(want, r.Key())
		}
	}
	slices.Sort(want)
	return want
}

func ruleKeys(rules []cloud.Rule) []string {
	var out []string
	for _, r := range rules {
		out = append(out, r.Key())
	}
	slices.Sort(out)
	return out
}

// namesGroup says whether g has a rule of flow on port admitting (or
// letting out to) the group id.
func namesGroup(g osc.SecurityGroup, flow string, port int32, id string) bool {
	rules := g.GetInboundRules()
	if flow == "Outbound" {
		rules = g.GetOutboundRules()
	}
	return slices.ContainsFunc(rules, func(r osc.SecurityGroupRule) bool {
		return r.GetFromPortRange() == port && r.GetToPortRange() == port &&
			slices.ContainsFunc(r.GetSecurityGroupsMembers(), func(m osc.SecurityGroupsMember) bool { return m.GetSecurityGroupId() == id })
	})
}

// vmOf reads a VM out of band.
func vmOf(t *testing.T, emu *emulator.Emulator, id string) osc.Vm {
	t.Helper()
	var found []osc.Vm
	outOfBand(t, emu, func(ctx context.Context, api *osc.APIClient) (*http.Response, error) {
		resp, r, err := api.VmApi.ReadVms(ctx).ReadVmsRequest(osc.ReadVmsRequest{Filters: &osc.FiltersVm{VmIds: &[]string{id}}}).Execute()
		found = resp.GetVms()
		return r, err
	})
	if len(found) != 1 {
		t.Fatalf("the VM %s: %d found", id, len(found))
	}
	return found[0]
}

// Two workspaces in one network: each key reaches its own data only, each
// group admits SSH from the bastion's group only, each machine is in the
// compute tier's group and its workspace's, no tier's rule names a
// workspace's group; deleting them leaves nothing.
func TestWorkspace_twoWorkspacesAreIsolated(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := storageClient(t, emu)
	ctx := context.Background()
	n, netSpec := workspaceNetwork(t, emu, c, "wh-ws1", "10.90.0.0/16")

	specA, specB := workspaceSpec(t, c, n, "a", 1), workspaceSpec(t, c, n, "b", 1)
	a, keyA, err := c.CreateWorkspace(ctx, specA)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := c.CreateWorkspace(ctx, specB)
	if err != nil {
		t.Fatal(err)
	}
	if a.ID == "" || a.IdentityID != "health-ws-ws-a" || keyA.ID == "" || keyA.Secret == "" || a.Tags["project"] != "cohort-a" {
		t.Fatalf("workspace a: %+v", a)
	}
	if a.Policy != cloud.WorkspacePolicy(specA.Datasets, specA.Buckets) {
		t.Fatalf("Policy = %s\nwant the document cloud.WorkspacePolicy writes", a.Policy)
	}
	if a, err = c.CreateWorkspaceMachines(ctx, a, specA); err != nil {
		t.Fatal(err)
	}
	if b, err = c.CreateWorkspaceMachines(ctx, b, specB); err != nil {
		t.Fatal(err)
	}
	if len(a.Machines) != 1 || a.Machines[0].Name != "ws-a-1" || !a.Machines[0].Running || a.Machines[0].UserDataSHA256 == "" {
		t.Fatalf("machines of a: %+v", a.Machines)
	}

	// The key of a: its dataset's prefix, its working bucket, its airlock.
	s3a := keyClient(emu, keyA)
	ok := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Errorf("%s: %v", what, err)
		}
	}
	denied := func(what string, err error) {
		t.Helper()
		if err == nil || !strings.Contains(err.Error(), "AccessDenied") {
			t.Errorf("%s: %v, want AccessDenied", what, err)
		}
	}
	get := func(bucket, key string) error {
		out, err := s3a.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		if err == nil {
			_, _ = io.Copy(io.Discard, out.Body)
			_ = out.Body.Close()
		}
		return err
	}
	put := func(bucket, key string) error {
		_, err := s3a.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader([]byte("r"))})
		return err
	}
	list := func(bucket, prefix string) ([]string, error) {
		in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket)}
		if prefix != "" {
			in.Prefix = aws.String(prefix)
		}
		out, err := s3a.ListObjectsV2(ctx, in)
		if err != nil {
			return nil, err
		}
		var keys []string
		for _, o := range out.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
		return keys, nil
	}
	ok("read its dataset", get("wh-ws1-datasets", "cohort-a/x.csv"))
	if keys, err := list("wh-ws1-datasets", "cohort-a/"); err != nil || !slices.Equal(keys, []string{"cohort-a/x.csv"}) {
		t.Errorf("listing its dataset: %v, %v", keys, err)
	}
	_, err = list("wh-ws1-datasets", "cohort-b/")
	denied("list another cohort", err)
	_, err = list("wh-ws1-datasets", "")
	denied("list the whole datasets bucket", err)
	denied("read another cohort", get("wh-ws1-datasets", "cohort-b/y.csv"))
	denied("write in the datasets bucket", put("wh-ws1-datasets", "cohort-a/new.csv"))
	ok("write its working bucket", put("wh-ws1-work-a", "notebook.ipynb"))
	ok("read its working bucket", get("wh-ws1-work-a", "notebook.ipynb"))
	_, err = list("wh-ws1-work-a", "")
	ok("list its working bucket", err)
	ok("read its imports", get("wh-ws1-import-a", "obj"))
	denied("write its imports", put("wh-ws1-import-a", "smuggled"))
	ok("write its exports", put("wh-ws1-export-a", "results.csv"))
	denied("read b's working bucket", get("wh-ws1-work-b", "obj"))
	denied("write b's working bucket", put("wh-ws1-work-b", "x"))
	_, err = list("wh-ws1-work-b", "")
	denied("list b's working bucket", err)
	denied("read the results", get("wh-ws1-results", "obj"))
	denied("write the results", put("wh-ws1-results", "x"))
	_, err = s3a.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("wh-ws1-work-a"), Policy: aws.String(`{"Statement":[]}`)})
	denied("put its working bucket's policy", err)
	_, err = s3a.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String("wh-ws1-work-a")})
	denied("read its working bucket's versioning", err)
	_, err = s3a.DeleteBucketLifecycle(ctx, &s3.DeleteBucketLifecycleInput{Bucket: aws.String("wh-ws1-work-a")})
	denied("delete its working bucket's lifecycle", err)
	_, err = s3a.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("wh-ws1-export-a")})
	denied("delete its export bucket", err)
	_, err = s3a.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("wh-ws1-mine")})
	denied("create a bucket", err)

	// The groups: SSH from the bastion's group only, out as the compute
	// tier, nothing naming a workspace's group.
	bastionGroup := n.Subnets[cloud.TierBastion].SecurityGroupID
	for _, w := range []cloud.Workspace{a, b} {
		if got, want := ruleKeys(w.Rules), wantRules(n); !slices.Equal(got, want) {
			t.Errorf("rules of %s:\n got %v\nwant %v", w.Name, got, want)
		}
		g := groupOf(t, emu, w.ID)
		if in := g.GetInboundRules(); len(in) != 1 || len(in[0].GetIpRanges()) != 0 || len(in[0].GetSecurityGroupsMembers()) != 1 ||
			in[0].GetSecurityGroupsMembers()[0].GetSecurityGroupId() != bastionGroup || in[0].GetFromPortRange() != 22 {
			t.Errorf("inbound rules of %s: %+v, want SSH from the bastion's group %s only", w.Name, in, bastionGroup)
		}
		for _, r := range slices.Concat(g.GetInboundRules(), g.GetOutboundRules()) {
			for _, m := range r.GetSecurityGroupsMembers() {
				if m.GetSecurityGroupId() == a.ID || m.GetSecurityGroupId() == b.ID {
					t.Errorf("a rule of %s names the workspace group %s", w.Name, m.GetSecurityGroupId())
				}
			}
			if slices.Contains(r.GetIpRanges(), "0.0.0.0/0") {
				t.Errorf("a rule of %s is open to anywhere: %+v", w.Name, r)
			}
		}
		if g.GetSecurityGroupName() != "wh-ws1-ws-"+w.Name || tagsOf(g)["health:workspace"] != w.Name {
			t.Errorf("group of %s: %s %v", w.Name, g.GetSecurityGroupName(), tagsOf(g))
		}
		vm := vmOf(t, emu, w.Machines[0].ID)
		var in []string
		for _, g := range vm.GetSecurityGroups() {
			in = append(in, g.GetSecurityGroupId())
		}
		slices.Sort(in)
		want := []string{n.Subnets[cloud.TierCompute].SecurityGroupID, w.ID}
		slices.Sort(want)
		if !slices.Equal(in, want) {
			t.Errorf("the machine of %s is in %v, want the compute tier's group and its workspace's %v", w.Name, in, want)
		}
		if vm.GetSubnetId() != n.Subnets[cloud.TierCompute].ID || vm.GetPublicIp() != "" {
			t.Errorf("the machine of %s: subnet %s, public IP %q", w.Name, vm.GetSubnetId(), vm.GetPublicIp())
		}
	}

	// The tiers' groups name the compute tier's group, never a workspace's:
	// the machines are reached through the compute tier's group, and the
	// compute tier's group admits nothing from the compute tier.
	for _, tier := range cloud.Tiers {
		g := groupOf(t, emu, n.Subnets[tier].SecurityGroupID)
		for _, r := range slices.Concat(g.GetInboundRules(), g.GetOutboundRules()) {
			for _, m := range r.GetSecurityGroupsMembers() {
				if m.GetSecurityGroupId() == a.ID || m.GetSecurityGroupId() == b.ID {
					t.Errorf("a rule of the %s tier's group names the workspace group %s: %+v", tier, m.GetSecurityGroupId(), r)
				}
			}
		}
	}
	compute := n.Subnets[cloud.TierCompute].SecurityGroupID
	computeGroup := groupOf(t, emu, compute)
	for _, r := range computeGroup.GetInboundRules() {
		if slices.ContainsFunc(r.GetSecurityGroupsMembers(), func(m osc.SecurityGroupsMember) bool { return m.GetSecurityGroupId() == compute }) {
			t.Errorf("the compute tier's group admits the compute tier: %+v", r)
		}
	}
	for _, m := range []struct {
		tier, flow string
		port       int32
	}{{cloud.TierBastion, "Outbound", 22}, {cloud.TierData, "Inbound", 443}, {cloud.TierKMS, "Inbound", 8200}} {
		if !namesGroup(groupOf(t, emu, n.Subnets[m.tier].SecurityGroupID), m.flow, m.port, compute) {
			t.Errorf("the %s tier's group has no %s rule on %d naming the compute tier's group", m.tier, m.flow, m.port)
		}
	}
	updated, err := c.UpdateNetwork(ctx, n, netSpec)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ruleKeys(updated.Rules), ruleKeys(n.Rules); !slices.Equal(got, want) {
		t.Errorf("the network's rules with workspaces:\n got %v\nwant %v", got, want)
	}

	if err := c.DeleteWorkspace(ctx, a); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ReadWorkspace(ctx, a); !errors.Is(err, cloud.ErrNotFound) {
		t.Fatalf("read after delete: %v, want ErrNotFound", err)
	}
	if err := c.DeleteWorkspace(ctx, a); err != nil {
		t.Fatalf("deleting it again: %v", err)
	}
	if _, err := keyClient(emu, keyA).ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("wh-ws1-work-a")}); err == nil {
		t.Error("the key of a deleted workspace still lists its bucket")
	}
	if err := c.DeleteWorkspace(ctx, b); err != nil {
		t.Fatal(err)
	}
	for _, bucket := range []string{"wh-ws1-datasets", "wh-ws1-work-a", "wh-ws1-import-a", "wh-ws1-export-a", "wh-ws1-work-b", "wh-ws1-results"} {
		found, err := c.ReadBucket(ctx, cloud.Bucket{Name: bucket})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.DeleteBucket(ctx, found, true); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.DeleteNetwork(ctx, n); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, emu)
}

// Changes made out of band (a rule deleted, one added, the policy given a
// new version, another policy linked) show in ReadWorkspace, and
// UpdateWorkspaceAccess undoes them; a new grant takes effect in place.
func TestWorkspace_driftIsReadAndRestored(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := storageClient(t, emu)
	ctx := context.Background()
	n, _ := workspaceNetwork(t, emu, c, "wh-ws2", "10.91.0.0/16")
	spec := workspaceSpec(t, c, n, "a", 0)
	w, key, err := c.CreateWorkspace(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	want := cloud.WorkspacePolicy(spec.Datasets, spec.Buckets)
	orn := w.CloudIDs["eim_policy"]

	bastionGroup := n.Subnets[cloud.TierBastion].SecurityGroupID
	outOfBand(t, emu, func(ctx context.Context, api *osc.APIClient) (*http.Response, error) {
		_, r, err := api.SecurityGroupRuleApi.DeleteSecurityGroupRule(ctx).DeleteSecurityGroupRuleRequest(osc.DeleteSecurityGroupRuleRequest{
			SecurityGroupId: w.ID, Flow: "Inbound", Rules: &[]osc.SecurityGroupRule{{IpProtocol: osc.PtrString("tcp"),
				FromPortRange: osc.PtrInt32(22), ToPortRange: osc.PtrInt32(22),
				SecurityGroupsMembers: &[]osc.SecurityGroupsMember{{SecurityGroupId: osc.PtrString(bastionGroup)}}}}}).Execute()
		return r, err
	})
	outOfBand(t, emu, func(ctx context.Context, api *osc.APIClient) (*http.Response, error) {
		_, r, err := api.SecurityGroupRuleApi.CreateSecurityGroupRule(ctx).CreateSecurityGroupRuleRequest(osc.CreateSecurityGroupRuleRequest{
			SecurityGroupId: w.ID, Flow: "Inbound", Rules: &[]osc.SecurityGroupRule{{IpProtocol: osc.PtrString("tcp"),
				FromPortRange: osc.PtrInt32(22), ToPortRange: osc.PtrInt32(22),
				SecurityGroupsMembers: &[]osc.SecurityGroupsMember{{SecurityGroupId: osc.PtrString(w.ID)}}}}}).Execute()
		return r, err
	})
	wider := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*"],"Resource":["*"]}]}`
	outOfBand(t, emu, func(ctx context.Context, api *osc.APIClient) (*http.Response, error) {
		_, r, err := api.PolicyApi.CreatePolicyVersion(ctx).CreatePolicyVersionRequest(osc.CreatePolicyVersionRequest{PolicyOrn: orn,
			Document: wider, SetAsDefault: osc.PtrBool(true)}).Execute()
		return r, err
	})
	if _, err := keyClient(emu, key).GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("wh-ws2-results"), Key: aws.String("obj")}); err != nil {
		t.Fatalf("the out-of-band policy is not in force: %v", err)
	}
	drifted, err := c.ReadWorkspace(ctx, w)
	if err != nil {
		t.Fatal(err)
	}
	if drifted.Policy != wider {
		t.Errorf("Policy after an out-of-band version = %s, want %s", drifted.Policy, wider)
	}
	if !slices.ContainsFunc(drifted.Rules, func(r cloud.Rule) bool { return r.Source == w.ID }) ||
		slices.ContainsFunc(drifted.Rules, func(r cloud.Rule) bool { return r.Source == cloud.TierSource(cloud.TierBastion) }) {
		t.Errorf("the rules read do not show the changes: %v", ruleKeys(drifted.Rules))
	}

	// Another policy linked to the user shows too.
	var extra string
	outOfBand(t, emu, func(ctx context.Context, api *osc.APIClient) (*http.Response, error) {
		resp, r, err := api.PolicyApi.CreatePolicy(ctx).CreatePolicyRequest(osc.CreatePolicyRequest{PolicyName: "ops-extra", Document: wider}).Execute()
		extra = resp.Policy.GetOrn()
		return r, err
	})
	outOfBand(t, emu, func(ctx context.Context, api *osc.APIClient) (*http.Response, error) {
		_, r, err := api.PolicyApi.LinkPolicy(ctx).LinkPolicyRequest(osc.LinkPolicyRequest{PolicyOrn: extra, UserName: w.IdentityID}).Execute()
		return r, err
	})
	if drifted, err = c.ReadWorkspace(ctx, w); err != nil || drifted.Policy != `["`+strings.ReplaceAll(wider, `"`, `\"`)+`","`+strings.ReplaceAll(wider, `"`, `\"`)+`"]` {
		t.Errorf("Policy with another policy linked = %s (%v)", drifted.Policy, err)
	}

	restored, err := c.UpdateWorkspaceAccess(ctx, w, spec)
	if err != nil {
		t.Fatal(err)
	}
	if restored.Policy != want {
		t.Errorf("Policy after the update = %s", restored.Policy)
	}
	if got := ruleKeys(restored.Rules); !slices.Equal(got, wantRules(n)) {
		t.Errorf("rules after the update: %v", got)
	}
	if _, err := keyClient(emu, key).GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("wh-ws2-results"), Key: aws.String("obj")}); err == nil {
		t.Error("the key still reads the results after the update")
	}
	var versions []osc.PolicyVersion
	outOfBand(t, emu, func(ctx context.Context, api *osc.APIClient) (*http.Response, error) {
		resp, r, err := api.PolicyApi.ReadPolicyVersions(ctx).ReadPolicyVersionsRequest(osc.ReadPolicyVersionsRequest{PolicyOrn: orn}).Execute()
		versions = resp.GetPolicyVersions()
		return r, err
	})
	if len(versions) != 1 {
		t.Errorf("the policy keeps %d versions, want the one in force", len(versions))
	}

	// A new grant, in place: the other cohort becomes readable.
	spec.Datasets = append(spec.Datasets, cloud.DatasetGrant{Bucket: "wh-ws2-datasets", Prefix: "cohort-b/"})
	if _, err := keyClient(emu, key).GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("wh-ws2-datasets"), Key: aws.String("cohort-b/y.csv")}); err == nil {
		t.Fatal("cohort b is readable before it is granted")
	}
	for i := range 7 { // more updates than a policy holds versions, the last one granting cohort-b/
		spec.Datasets[1].Prefix = "cohort-b/"
		if i%2 == 1 {
			spec.Datasets[1].Prefix = "cohort-b/sub/"
		}
		if w, err = c.UpdateWorkspaceAccess(ctx, w, spec); err != nil {
			t.Fatal(err)
		}
	}
	if w.Policy != cloud.WorkspacePolicy(spec.Datasets, spec.Buckets) {
		t.Errorf("Policy after the grants: %s", w.Policy)
	}
	if _, err := keyClient(emu, key).GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("wh-ws2-datasets"), Key: aws.String("cohort-b/y.csv")}); err != nil {
		t.Errorf("cohort b once granted: %v", err)
	}

	// Keys: two at most, the error says so.
	second, err := c.CreateWorkspaceKey(ctx, w)
	if err != nil || second.Secret == "" {
		t.Fatalf("a second key: %v", err)
	}
	if _, err := c.CreateWorkspaceKey(ctx, w); !errors.Is(err, cloud.ErrConflict) || !strings.Contains(err.Error(), "most OUTSCALE allows") {
		t.Fatalf("a third key: %v", err)
	}
	if err := c.DeleteWorkspaceKey(ctx, w, second.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteWorkspaceKey(ctx, w, second.ID); err != nil {
		t.Fatalf("deleting a key again: %v", err)
	}

	// The group deleted out of band: the workspace is gone.
	if err := c.DeleteWorkspace(ctx, w); err != nil {
		t.Fatal(err)
	}
	outOfBand(t, emu, func(ctx context.Context, api *osc.APIClient) (*http.Response, error) {
		_, r, err := api.PolicyApi.DeletePolicy(ctx).DeletePolicyRequest(osc.DeletePolicyRequest{PolicyOrn: extra}).Execute()
		return r, err
	})
	for _, bucket := range []string{"wh-ws2-datasets", "wh-ws2-work-a", "wh-ws2-import-a", "wh-ws2-export-a", "wh-ws2-work-b", "wh-ws2-results"} {
		found, err := c.ReadBucket(ctx, cloud.Bucket{Name: bucket})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.DeleteBucket(ctx, found, true); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.DeleteNetwork(ctx, n); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, emu)
}

// A create failing half-way returns what it made; deleting that leaves
// nothing of the workspace.
func TestWorkspace_partialCreate(t *testing.T) {
	t.Parallel()
	for _, fault := range []faults.Rule{
		{Action: "outscale:CreateTags", Nth: 1, Statuses: []int{400}},
		{Action: "outscale:CreateSecurityGroupRule", Nth: 1, Statuses: []int{400}},
		{Action: "outscale:CreatePolicy", Nth: 1, Statuses: []int{400}},
		{Action: "outscale:LinkPolicy", Nth: 1, Statuses: []int{400}},
		{Action: "outscale:CreateAccessKey", Nth: 1, Statuses: []int{400}},
		{Action: "outscale:CreateVms", Nth: 2, Statuses: []int{400}},
	} {
		t.Run(fmt.Sprintf("%s#%d", fault.Action, fault.Nth), func(t *testing.T) {
			t.Parallel()
			emu := emutest.Start(t, nil)
			c := client(t, emu, defaultConfig())
			ctx := context.Background()
			n, err := c.CreateNetwork(ctx, networkSpec(t, "wh-ws3", "10.92.0.0/16"))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := emu.Control().AddFault(ctx, fault); err != nil {
				t.Fatal(err)
			}
			spec := workspaceSpec(t, c, n, "a", 2)
			w, key, err := c.CreateWorkspace(ctx, spec)
			if err == nil {
				w, err = c.CreateWorkspaceMachines(ctx, w, spec)
			}
			if err == nil {
				t.Fatal("the create succeeded despite the fault")
			}
			if w.ID == "" || w.CloudIDs["security_group"] != w.ID {
				t.Fatalf("the partial workspace lists no group: %+v", w)
			}
			if key.Secret != "" && fault.Action != "outscale:CreateVms" {
				t.Error("a failed create handed out a key")
			}
			if err := c.DeleteWorkspace(ctx, w); err != nil {
				t.Fatal(err)
			}
			if err := c.DeleteNetwork(ctx, n); err != nil {
				t.Fatal(err)
			}
			assertNothingLeft(t, emu)
		})
	}
}

// What a create that died left (its group still marked, its user made) is
// deleted by the next create of the same name once its lease expired; a
// finished workspace of that name is refused.
func TestWorkspace_leftovers(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	ctx := context.Background()
	dead := client(t, emu, defaultConfig())
	n, err := dead.CreateNetwork(ctx, networkSpec(t, "wh-ws4", "10.93.0.0/16"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := emu.Control().AddFault(ctx, faults.Rule{Action: "outscale:LinkPolicy", Nth: 1, Statuses: []int{400}}); err != nil {
		t.Fatal(err)
	}
	spec := workspaceSpec(t, dead, n, "a", 0)
	if _, _, err := dead.CreateWorkspace(ctx, spec); err == nil {
		t.Fatal("the create succeeded despite the fault")
	}
	spec.ClientToken = "fedcba9876543210fedcba9876543210"
	_, _, err = client(t, emu, defaultConfig()).CreateWorkspace(ctx, spec)
	assertInProgress(t, err, "wh-ws4-ws-ws-a")
	next := clientAt(t, emu, defaultConfig(), afterLeases)
	w, _, err := next.CreateWorkspace(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := tagsOf(groupOf(t, emu, w.ID))[cloud.TagCreating]; ok {
		t.Error("the finished workspace's group is still marked as being created")
	}
	if _, _, err := client(t, emu, defaultConfig()).CreateWorkspace(ctx, spec); !errors.Is(err, cloud.ErrConflict) ||
		!strings.Contains(err.Error(), "import it") {
		t.Fatalf("a second workspace of the same name: %v", err)
	}
	// Imported by its group id alone, it is found whole and deleted whole.
	imported, err := next.ReadWorkspace(ctx, cloud.Workspace{ID: w.ID})
	if err != nil || imported.IdentityID != w.IdentityID || imported.Policy != cloud.WorkspacePolicy(spec.Datasets, spec.Buckets) {
		t.Fatalf("imported: %+v, %v", imported, err)
	}
	if err := next.DeleteWorkspace(ctx, cloud.Workspace{ID: w.ID}); err != nil {
		t.Fatal(err)
	}
	if err := next.DeleteNetwork(ctx, n); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, emu)
}

// Answers lost after the cloud acted: the create finds what the lost calls
// made, and makes nothing twice.
func TestWorkspace_lostAnswers(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := client(t, emu, defaultConfig())
	ctx := context.Background()
	n, err := c.CreateNetwork(ctx, networkSpec(t, "wh-ws5", "10.94.0.0/16"))
	if err != nil {
		t.Fatal(err)
	}
	spec := workspaceSpec(t, c, n, "a", 1)
	for _, action := range []string{"CreateSecurityGroup", "CreateSecurityGroupRule", "CreateUser", "CreatePolicy", "CreateVms"} {
		if _, err := emu.Control().AddFault(ctx, faults.Rule{Action: "outscale:" + action, Nth: 1, Drop: "after"}); err != nil {
			t.Fatal(err)
		}
	}
	w, key, err := c.CreateWorkspace(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if w, err = c.CreateWorkspaceMachines(ctx, w, spec); err != nil {
		t.Fatal(err)
	}
	if key.Secret == "" || w.Policy != cloud.WorkspacePolicy(spec.Datasets, spec.Buckets) || len(w.Machines) != 1 {
		t.Fatalf("workspace: %+v", w)
	}
	if got := ruleKeys(w.Rules); !slices.Equal(got, wantRules(n)) {
		t.Errorf("rules: %v", got)
	}
	for coll, want := range map[string]int{"outscale.eim_users": 1, "outscale.eim_policies": 1, "outscale.vms": 1,
		"outscale.security_groups": 6} {
		if objs, err := emu.Control().Objects(ctx, coll); err != nil || len(objs) != want {
			t.Errorf("%s: %d, want %d (%v)", coll, len(objs), want, err)
		}
	}
	if err := c.DeleteWorkspace(ctx, w); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteNetwork(ctx, n); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, emu)
}

// Machines come and go by name: those deleted are gone from Read, those
// missing are made again, the others are left alone.
func TestWorkspace_machines(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := client(t, emu, defaultConfig())
	ctx := context.Background()
	n, err := c.CreateNetwork(ctx, networkSpec(t, "wh-ws6", "10.95.0.0/16"))
	if err != nil {
		t.Fatal(err)
	}
	spec := workspaceSpec(t, c, n, "a", 3)
	w, _, err := c.CreateWorkspace(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if w, err = c.CreateWorkspaceMachines(ctx, w, spec); err != nil {
		t.Fatal(err)
	}
	names := func(w cloud.Workspace) []string {
		var out []string
		for _, m := range w.Machines {
			out = append(out, m.Name)
		}
		return out
	}
	if got := names(w); !slices.Equal(got, []string{"ws-a-1", "ws-a-2", "ws-a-3"}) {
		t.Fatalf("machines: %v", got)
	}
	kept := w.Machines[0].ID
	if w, err = c.DeleteWorkspaceMachines(ctx, w, []string{"ws-a-2"}); err != nil {
		t.Fatal(err)
	}
	if got := names(w); !slices.Equal(got, []string{"ws-a-1", "ws-a-3"}) || w.CloudIDs["vm.ws-a-2"] != "" {
		t.Fatalf("machines after deleting ws-a-2: %v (%v)", got, w.CloudIDs)
	}
	// One terminated out of band is missing from Read.
	gone := w.Machines[1].ID
	outOfBand(t, emu, func(ctx context.Context, api *osc.APIClient) (*http.Response, error) {
		_, r, err := api.VmApi.DeleteVms(ctx).DeleteVmsRequest(osc.DeleteVmsRequest{VmIds: []string{gone}}).Execute()
		return r, err
	})
	if w, err = c.ReadWorkspace(ctx, w); err != nil {
		t.Fatal(err)
	}
	if got := names(w); !slices.Equal(got, []string{"ws-a-1"}) {
		t.Fatalf("machines after one was terminated out of band: %v", got)
	}
	for i := range spec.Machines {
		spec.Machines[i].ClientToken += "-again"
	}
	if w, err = c.CreateWorkspaceMachines(ctx, w, spec); err != nil {
		t.Fatal(err)
	}
	if got := names(w); !slices.Equal(got, []string{"ws-a-1", "ws-a-2", "ws-a-3"}) || w.Machines[0].ID != kept {
		t.Fatalf("machines made again: %v (the first %s, was %s)", got, w.Machines[0].ID, kept)
	}
	// Machines moved out of their groups out of band read as detached: one
	// left in the workspace's group alone, one in the compute tier's alone
	// (found by the id the reference records), one put in a third group.
	moves := map[string][]string{"ws-a-1": {w.ID}, "ws-a-2": {n.Subnets[cloud.TierCompute].SecurityGroupID},
		"ws-a-3": {n.Subnets[cloud.TierCompute].SecurityGroupID, w.ID, n.Subnets[cloud.TierData].SecurityGroupID}}
	for _, m := range w.Machines {
		outOfBand(t, emu, func(ctx context.Context, api *osc.APIClient) (*http.Response, error) {
			_, r, err := api.VmApi.UpdateVm(ctx).UpdateVmRequest(osc.UpdateVmRequest{VmId: m.ID, SecurityGroupIds: ptrTo(moves[m.Name])}).Execute()
			return r, err
		})
	}
	moved, err := c.ReadWorkspace(ctx, w)
	if err != nil {
		t.Fatal(err)
	}
	if got := names(moved); !slices.Equal(got, []string{"ws-a-1", "ws-a-2", "ws-a-3"}) {
		t.Fatalf("machines after they were moved: %v", got)
	}
	for _, m := range moved.Machines {
		if m.Running || m.State != cloud.MachineDetached {
			t.Errorf("%s moved to %v reads as running %v, state %q; want %q", m.Name, moves[m.Name], m.Running, m.State, cloud.MachineDetached)
		}
	}
	if w, err = c.DeleteWorkspaceMachines(ctx, moved, nil); err != nil {
		t.Fatal(err)
	}
	if len(w.Machines) != 0 {
		t.Fatalf("machines after deleting all: %v", names(w))
	}
	if err := c.DeleteWorkspace(ctx, w); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteNetwork(ctx, n); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, emu)
}

func ptrTo[T any](v T) *T { return &v }
