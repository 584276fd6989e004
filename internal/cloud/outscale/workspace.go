package outscale

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"

	osc "github.com/outscale/osc-sdk-go/v2"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// A research workspace on OUTSCALE (cloud.Workspaces):
//
//   - a security group "<network>-ws-<name>" in the Net, the workspace's id:
//     SSH in from the bastion tier's group; out only what the network lets
//     the compute tier out (object storage's service, the data and kms
//     tiers' groups, the egress_allow entries of the compute tier); no rule
//     names the group itself, so its machines do not reach each other, nor
//     any other workspace's group;
//   - the research machines, VMs in the compute subnet, each in two groups
//     (CreateVms takes several SecurityGroupIds): the compute tier's, which
//     the other tiers' rules name (the bastion's SSH out, the data and kms
//     tiers' HTTPS and API in), and the workspace's. The compute tier's
//     group admits nothing from the compute tier itself, and a group only
//     ever adds what its rules allow: two workspaces' machines stay apart
//     (HW-WS-01 checks the compute tier's inbound rules for that). No
//     public IP; tagged health:workspace. A machine found in other groups
//     than those two reads as cloud.MachineDetached;
//   - an EIM user "health-ws-<name>" (path /health/), a managed policy of
//     the same name holding cloud.WorkspacePolicy, linked to it, and its
//     access keys (two at most: OUTSCALE's limit per user).
//
// The group carries the names of the user and the policy (tags), so that a
// workspace imported by its group id, or left by a create that died, is
// found whole. The tag health:workspace is this package's until the cloud
// package names it. Delete removes the machines, then the identity, then the
// group: the group goes last, so that a delete that dies half-way is found
// again by its group.
//
// Unverified on a real account: that OOS authorises a request signed with
// an EIM user's key by the user's EIM policies (see auditwriter.go), and
// that it evaluates their conditions (the StringLike on s3:prefix that
// bounds what a dataset's grant lists); the emulator does both.

// Keys of Workspace.CloudIDs on OUTSCALE, and the tags on the group.
const (
	keyWorkspaceGroup  = "security_group"
	keyWorkspaceUser   = "eim_user"
	keyWorkspacePolicy = "eim_policy"

	// tagWorkspace names the workspace on its group and machines.
	tagWorkspace = "health:workspace"
	// tagWorkspaceUser and tagWorkspacePolicy, on the group, name the EIM
	// user and policy the create made.
	tagWorkspaceUser   = "health:workspace-user"
	tagWorkspacePolicy = "health:workspace-policy"
)

// maxEIMPolicyDocument is OAPI's limit on a policy document, in
// non-whitespace characters.
const maxEIMPolicyDocument = 5120

// maxEIMAccessKeys is how many access keys an EIM user may hold.
const maxEIMAccessKeys = 2

var _ cloud.Workspaces = (*Client)(nil)

// workspaceGroupName is the name of a workspace's security group.
func workspaceGroupName(network, name string) string { return network + "-ws-" + name }

// workspaceIdentityName is the EIM user and policy name of a workspace,
// within the 64 characters a user name takes.
func workspaceIdentityName(name string) string {
	base := notUserNameRune.ReplaceAllString(name, "-")
	if len(base) > 54 {
		base = base[:54]
	}
	return "health-ws-" + base
}

// workspaceVMKey is the CloudIDs key of a research machine.
func workspaceVMKey(machine string) string { return "vm." + machine }

// workspaceRules are the rules of a workspace's group: SSH in from the
// bastion tier, and the network's outbound rules of the compute tier, save
// those naming the compute tier itself or a group that is not a tier's.
func workspaceRules(n cloud.Network) []cloud.Rule {
	rules := []cloud.Rule{{Tier: cloud.TierCompute, Direction: cloud.Inbound, Protocol: "tcp", FromPort: cloud.PortSSH,
		ToPort: cloud.PortSSH, Source: cloud.TierSource(cloud.TierBastion), Purpose: "SSH from the bastion"}}
	for _, r := range n.Rules {
		if r.Tier != cloud.TierCompute || !r.IsOutbound() || r.Destination == cloud.TierSource(cloud.TierCompute) ||
			strings.HasPrefix(r.Destination, "sg-") {
			continue
		}
		r.Hosts = slices.Clone(r.Hosts)
		rules = append(rules, r)
	}
	cloud.SortRules(rules)
	return rules
}

// checkWorkspacePolicy refuses a document longer than EIM takes.
func checkWorkspacePolicy(doc string, datasets int) error {
	if n := len(strings.Join(strings.Fields(doc), "")); n > maxEIMPolicyDocument {
		return fmt.Errorf("%w: the workspace's object storage policy (%d datasets) has %d characters, more than the %d an "+
			"OUTSCALE EIM policy takes: grant fewer datasets, or whole buckets instead of several prefixes of one",
			cloud.ErrInvalid, datasets, n, maxEIMPolicyDocument)
	}
	return nil
}

// CreateWorkspace implements cloud.Workspaces.
//
// The group carries cloud.TagCreating, the create's lease, until the create
// returns (see cloud.Lease): a create first deletes the workspace of its
// name that a create which died left in the network, once its lease has
// expired, and refuses to go on beside one whose lease runs.
func (c *Client) CreateWorkspace(ctx context.Context, spec cloud.WorkspaceSpec) (cloud.Workspace, cloud.AccessKey, error) {
	w := cloud.Workspace{Name: spec.Name, NetworkID: spec.Network.ID, Tags: spec.Tags, CloudIDs: map[string]string{}}
	if err := c.missingSettings(); err != nil {
		return w, cloud.AccessKey{}, err
	}
	document := spec.Policy()
	if err := checkWorkspacePolicy(document, len(spec.Datasets)); err != nil {
		return w, cloud.AccessKey{}, err
	}
	var lease cloud.Lease
	if spec.ClientToken != "" {
		defer c.creating.Start(spec.ClientToken)()
		lease = cloud.NewLease(ctx, spec.ClientToken, c.now())
	}
	if err := c.removeLeftoverWorkspace(ctx, spec); err != nil {
		return w, cloud.AccessKey{}, fmt.Errorf("creating the workspace %s: %w", spec.Name, err)
	}
	key, err := c.buildWorkspace(ctx, &w, spec, document, lease)
	if err != nil {
		return w, cloud.AccessKey{}, fmt.Errorf("creating the workspace %s: %w", spec.Name, err)
	}
	if spec.ClientToken != "" {
		if err := c.deleteTags(ctx, []string{w.ID}, map[string]string{cloud.TagCreating: lease.Tag()}); err != nil {
			return w, cloud.AccessKey{}, fmt.Errorf("creating the workspace %s: marking it made: %w", spec.Name, err)
		}
	}
	read, err := c.ReadWorkspace(ctx, w)
	if err != nil {
		return w, cloud.AccessKey{}, fmt.Errorf("reading the workspace %s back after creating it: %w", spec.Name, err)
	}
	return read, key, nil
}

// workspaceTags are the tags of the workspace's group (extra adds to them).
func workspaceTags(spec cloud.WorkspaceSpec, name string, extra map[string]string) map[string]string {
	out := map[string]string{}
	maps.Copy(out, spec.Tags)
	out[cloud.TagName] = name
	out[tagWorkspace] = spec.Name
	if spec.Network.Name != "" {
		out[cloud.TagNetwork] = spec.Network.Name
	}
	if spec.ClientToken != "" {
		out[cloud.TagClientToken] = spec.ClientToken
	}
	maps.Copy(out, extra)
	return out
}

func (c *Client) buildWorkspace(ctx context.Context, w *cloud.Workspace, spec cloud.WorkspaceSpec, document string, lease cloud.Lease) (cloud.AccessKey, error) {
	if sub, ok := spec.Network.Subnets[cloud.TierCompute]; !ok || sub.ID == "" {
		return cloud.AccessKey{}, fmt.Errorf("the network %s has no compute subnet (was it changed outside Terraform?)", spec.Network.ID)
	}
	groupID, err := c.createWorkspaceGroup(ctx, spec)
	if groupID != "" {
		w.ID, w.CloudIDs[keyWorkspaceGroup] = groupID, groupID
	}
	if err != nil {
		return cloud.AccessKey{}, err
	}
	var creating map[string]string
	if spec.ClientToken != "" {
		creating = map[string]string{cloud.TagCreating: lease.Tag()}
	}
	if err := c.createTags(ctx, []string{groupID}, workspaceTags(spec, workspaceGroupName(spec.Network.Name, spec.Name), creating)); err != nil {
		return cloud.AccessKey{}, err
	}
	if err := c.convergeWorkspaceRules(ctx, spec.Network.ID, groupID, workspaceRules(spec.Network)); err != nil {
		return cloud.AccessKey{}, err
	}

	name := workspaceIdentityName(spec.Name)
	if _, err := do(ctx, c, "CreateUser", false, func(ctx context.Context) (osc.CreateUserResponse, *http.Response, error) {
		return c.api.UserApi.CreateUser(ctx).CreateUserRequest(osc.CreateUserRequest{UserName: name, Path: ptr("/health/")}).Execute()
	}); err != nil {
		if errors.Is(err, cloud.ErrConflict) {
			return cloud.AccessKey{}, fmt.Errorf("the account already has an EIM user %s: a workspace named %s exists in this account "+
				"(in another network?): choose another name: %w", name, spec.Name, err)
		}
		// A user made by a call whose answer was lost is ours: no other
		// create of this name got past the group.
		if !errors.Is(err, cloud.ErrUnavailable) || !c.userExists(ctx, name) {
			return cloud.AccessKey{}, fmt.Errorf("creating the EIM user %s: %w", name, err)
		}
	}
	w.CloudIDs[keyWorkspaceUser], w.IdentityID = name, name
	if err := c.createTags(ctx, []string{groupID}, map[string]string{tagWorkspaceUser: name}); err != nil {
		return cloud.AccessKey{}, err
	}
	policy, err := do(ctx, c, "CreatePolicy", false, func(ctx context.Context) (osc.CreatePolicyResponse, *http.Response, error) {
		return c.api.PolicyApi.CreatePolicy(ctx).CreatePolicyRequest(osc.CreatePolicyRequest{PolicyName: name, Document: document,
			Description: ptr("Research workspace " + spec.Name + ": its datasets and buckets only (terraform-provider-health)")}).Execute()
	})
	orn := policy.Policy.GetOrn()
	if err != nil && errors.Is(err, cloud.ErrUnavailable) {
		orn = c.policyOrnByName(ctx, name) // made by a call whose answer was lost
	}
	if orn == "" {
		if err == nil {
			err = errors.New("the answer names no policy ORN")
		}
		return cloud.AccessKey{}, fmt.Errorf("creating the EIM policy %s: %w", name, err)
	}
	w.CloudIDs[keyWorkspacePolicy] = orn
	if err := c.createTags(ctx, []string{groupID}, map[string]string{tagWorkspacePolicy: orn}); err != nil {
		return cloud.AccessKey{}, err
	}
	if err := c.linkPolicy(ctx, orn, name); err != nil {
		return cloud.AccessKey{}, err
	}
	return c.createAccessKey(ctx, name)
}

// createWorkspaceGroup makes the workspace's security group. The call takes
// no client token: a group whose answer was lost is found by its name,
// which is unique in the Net.
func (c *Client) createWorkspaceGroup(ctx context.Context, spec cloud.WorkspaceSpec) (string, error) {
	name := workspaceGroupName(spec.Network.Name, spec.Name)
	description := "Research workspace " + spec.Name + ": SSH from the bastion, out to the warehouse services only"
	g, err := c.createSecurityGroup(ctx, spec.Network.ID, name, description)
	if err == nil {
		return g.GetSecurityGroupId(), nil
	}
	if errors.Is(err, cloud.ErrUnavailable) {
		if found, _ := c.readSecurityGroupsByName(ctx, spec.Network.ID, name); len(found) == 1 &&
			tagMap(found[0].GetTags())[tagWorkspace] == "" {
			return found[0].GetSecurityGroupId(), nil // ours, made by the lost call and not tagged yet
		}
	}
	if errors.Is(err, cloud.ErrConflict) {
		return "", fmt.Errorf("the Net %s already has a security group named %s: a workspace named %s exists in this network "+
			"(import it, or choose another name): %w", spec.Network.ID, name, spec.Name, err)
	}
	return "", fmt.Errorf("creating the workspace's security group %s in the Net %s: %w", name, spec.Network.ID, err)
}

// removeLeftoverWorkspace deletes the workspace called spec.Name that a
// create which died left in the network: its group still carries
// cloud.TagCreating, whose lease has expired. A group whose lease runs,
// or that carries no tag yet, may be another live run's: it is left
// alone, and the create refused (cloud.InProgressError).
func (c *Client) removeLeftoverWorkspace(ctx context.Context, spec cloud.WorkspaceSpec) error {
	if spec.Network.ID == "" {
		return nil
	}
	name := workspaceGroupName(spec.Network.Name, spec.Name)
	groups, err := c.readSecurityGroupsByName(ctx, spec.Network.ID, name)
	if err != nil {
		return fmt.Errorf("looking for what an interrupted create of %s left: %w", spec.Name, err)
	}
	for _, g := range groups {
		tags := tagMap(g.GetTags())
		mark, marked := tags[cloud.TagCreating]
		lease := cloud.ParseLeaseTag(mark)
		what := g.GetSecurityGroupId() + " (security group " + g.GetSecurityGroupName() + ")"
		if tags[tagWorkspace] == "" {
			return &cloud.InProgressError{Kind: "workspace", Name: spec.Name, Objects: []string{what}}
		}
		if !marked || c.creating.Running(lease.Token) {
			continue // a finished workspace: CreateSecurityGroup refuses the name, and says so
		}
		if !lease.Abandoned(c.now(), c.takeOver) {
			return &cloud.InProgressError{Kind: "workspace", Name: spec.Name, Lease: lease, Objects: []string{what + ", its identity"}}
		}
		if err := c.DeleteWorkspace(ctx, cloud.Workspace{ID: g.GetSecurityGroupId(), Name: spec.Name}); err != nil {
			return fmt.Errorf("deleting what an interrupted create of %s left: %w", spec.Name, err)
		}
	}
	return nil
}

// tierGroups reads the tiers' security groups of a Net and the service ids
// rules name: what converts the workspace group's rules to and from
// cloud.Rule.
func (c *Client) tierGroups(ctx context.Context, netID string) (*netState, error) {
	all, err := c.readSecurityGroups(ctx, netID)
	if err != nil {
		return nil, fmt.Errorf("reading the security groups of the Net %s: %w", netID, err)
	}
	s := &netState{allGroups: all, serviceIDs: map[string]string{}, ids: map[string]string{}}
	s.groups = assignRoles(all, func(x osc.SecurityGroup) string { return x.GetSecurityGroupId() },
		func(x osc.SecurityGroup) []osc.ResourceTag { return x.GetTags() }, nil, keySecurityGroup(""), cloud.TagTier, cloud.Tiers)
	if err := c.readServiceIDs(ctx, s); err != nil {
		return nil, err
	}
	return s, nil
}

// convergeWorkspaceRules opens the desired rules missing from the group,
// then closes the others (the rule letting everything out that OAPI gives
// every new group in a Net among them). Opening rules is not idempotent
// (a rule in place fails the call): after an answer lost, the rules are
// read again and what is still missing opened.
func (c *Client) convergeWorkspaceRules(ctx context.Context, netID, groupID string, desired []cloud.Rule) error {
	err := c.convergeWorkspaceRulesOnce(ctx, netID, groupID, desired)
	if errors.Is(err, cloud.ErrUnavailable) {
		err = c.convergeWorkspaceRulesOnce(ctx, netID, groupID, desired)
	}
	return err
}

func (c *Client) convergeWorkspaceRulesOnce(ctx context.Context, netID, groupID string, desired []cloud.Rule) error {
	s, err := c.tierGroups(ctx, netID)
	if err != nil {
		return err
	}
	groups, err := c.readSecurityGroupsByID(ctx, groupID)
	if err != nil {
		return fmt.Errorf("reading the security group %s: %w", groupID, err)
	}
	if len(groups) == 0 {
		return fmt.Errorf("the workspace's security group %s does not exist: %w", groupID, cloud.ErrNotFound)
	}
	current := s.ownRules(groups[0])
	have, want := map[string]bool{}, map[string]bool{}
	for _, r := range current {
		have[r.Key()] = true
	}
	for _, r := range desired {
		want[r.Key()] = true
	}
	var missing, extra []cloud.Rule
	for _, r := range desired {
		if !have[r.Key()] {
			missing = append(missing, r)
		}
	}
	for _, r := range current {
		if !want[r.Key()] {
			extra = append(extra, r)
		}
	}
	for _, direction := range []string{cloud.Inbound, cloud.Outbound} {
		flow := groupFlow{tier: cloud.TierCompute, direction: direction}.flow()
		open := rulesOf(missing, direction)
		if len(open) == 0 {
			continue
		}
		specs, err := s.ruleSpecs(open)
		if err != nil {
			return err
		}
		if err := c.createSecurityGroupRules(ctx, groupID, flow, specs); err != nil {
			return fmt.Errorf("opening %d %s rules on the workspace's security group %s: %w", len(open), direction, groupID, err)
		}
	}
	for _, direction := range []string{cloud.Inbound, cloud.Outbound} {
		flow := groupFlow{tier: cloud.TierCompute, direction: direction}.flow()
		closing := rulesOf(extra, direction)
		if len(closing) == 0 {
			continue
		}
		specs, err := s.ruleSpecs(closing)
		if err != nil {
			return err
		}
		if err := c.deleteSecurityGroupRules(ctx, groupID, flow, specs); err != nil && !isNotFound(err) {
			return fmt.Errorf("closing %d %s rules on the workspace's security group %s: %w", len(closing), direction, groupID, err)
		}
	}
	return nil
}

// ownRules are the rules of the workspace's group g, as rules of the
// compute tier: a rule naming a workspace's group, g itself included,
// keeps the group's id as its peer.
func (s *netState) ownRules(g osc.SecurityGroup) []cloud.Rule {
	return s.groupRules(cloud.TierCompute, g)
}

// rulesOf keeps the rules of one direction.
func rulesOf(rules []cloud.Rule, direction string) []cloud.Rule {
	var out []cloud.Rule
	for _, r := range rules {
		if (direction == cloud.Outbound) == r.IsOutbound() {
			out = append(out, r)
		}
	}
	return out
}

// workspaceGroupID is the security group a reference names.
func workspaceGroupID(ref cloud.Workspace) string {
	if ref.ID != "" {
		return ref.ID
	}
	return ref.CloudIDs[keyWorkspaceGroup]
}

// workspaceVMs lists the VMs in the workspace's group and those the
// reference records, live or not.
func (c *Client) workspaceVMs(ctx context.Context, groupID string, ref cloud.Workspace) ([]osc.Vm, error) {
	var vms []osc.Vm
	if groupID != "" {
		var err error
		if vms, err = c.readVMs(ctx, osc.FiltersVm{SecurityGroupIds: &[]string{groupID}}); err != nil {
			return nil, fmt.Errorf("listing the VMs of the security group %s: %w", groupID, err)
		}
	}
	var others []string
	for key, id := range ref.CloudIDs {
		if strings.HasPrefix(key, "vm.") && id != "" && !slices.ContainsFunc(vms, func(vm osc.Vm) bool { return vm.GetVmId() == id }) {
			others = append(others, id)
		}
	}
	if len(others) > 0 {
		sort.Strings(others)
		more, err := c.readVMs(ctx, osc.FiltersVm{VmIds: &others})
		if err != nil {
			return nil, fmt.Errorf("reading the VMs %s: %w", strings.Join(others, ", "), err)
		}
		vms = append(vms, more...)
	}
	return vms, nil
}

// CreateWorkspaceMachines implements cloud.Workspaces: the machines of spec
// the workspace lacks, each in the compute subnet, in the compute tier's
// group and the workspace's, without public IP; then it waits until they
// run.
func (c *Client) CreateWorkspaceMachines(ctx context.Context, ref cloud.Workspace, spec cloud.WorkspaceSpec) (cloud.Workspace, error) {
	w, err := c.ReadWorkspace(ctx, ref)
	if err != nil {
		return ref, err
	}
	sub, ok := spec.Network.Subnets[cloud.TierCompute]
	if !ok || sub.ID == "" {
		return w, fmt.Errorf("the network %s has no compute subnet (was it changed outside Terraform?)", spec.Network.ID)
	}
	if sub.SecurityGroupID == "" {
		return w, fmt.Errorf("the network %s has no security group of the compute tier, which lets the bastion reach the "+
			"machines (was it deleted outside Terraform? apply the network again)", spec.Network.ID)
	}
	var made []string
	for _, m := range spec.Machines {
		if slices.ContainsFunc(w.Machines, func(x cloud.WorkspaceMachine) bool { return x.Name == m.Name }) {
			continue
		}
		id, err := c.createWorkspaceMachine(ctx, w, spec, m, sub)
		if id != "" {
			w.CloudIDs[workspaceVMKey(m.Name)] = id
			made = append(made, id)
		}
		if err != nil {
			return w, fmt.Errorf("creating the machine %s of the workspace %s: %w", m.Name, w.Name, err)
		}
	}
	for _, id := range made {
		if err := c.waitVM(ctx, id, vmRunning); err != nil {
			return w, err
		}
	}
	return c.ReadWorkspace(ctx, w)
}

// createWorkspaceMachine makes and tags one machine, and returns its VM id
// as soon as it exists.
func (c *Client) createWorkspaceMachine(ctx context.Context, w cloud.Workspace, spec cloud.WorkspaceSpec, m cloud.WorkspaceMachineSpec, sub cloud.Subnet) (string, error) {
	subnetID := sub.ID
	req := osc.CreateVmsRequest{
		ImageId:                     m.ImageID,
		VmType:                      ptr(m.Type),
		SubnetId:                    ptr(subnetID),
		SecurityGroupIds:            &[]string{sub.SecurityGroupID, w.ID},
		UserData:                    ptr(base64.StdEncoding.EncodeToString(m.UserData)),
		BootOnCreation:              ptr(true),
		VmInitiatedShutdownBehavior: ptr("stop"),
	}
	if m.ClientToken != "" {
		req.ClientToken = ptr(m.ClientToken)
	}
	vm, err := c.createVM(ctx, req)
	if err != nil {
		if m.ClientToken != "" && errors.Is(err, cloud.ErrUnavailable) {
			// The VM may exist although the answer was lost: its token finds it.
			if vms, _ := c.readVMs(ctx, osc.FiltersVm{ClientTokens: &[]string{m.ClientToken}}); len(vms) == 1 {
				return vms[0].GetVmId(), err
			}
		}
		return "", fmt.Errorf("creating the VM (%s, %s) in the subnet %s: %w", m.Type, m.ImageID, subnetID, err)
	}
	tags := map[string]string{}
	maps.Copy(tags, spec.Tags)
	tags[cloud.TagName], tags[tagWorkspace] = m.Name, w.Name
	if spec.Network.Name != "" {
		tags[cloud.TagNetwork] = spec.Network.Name
	}
	if m.ClientToken != "" {
		tags[cloud.TagClientToken] = m.ClientToken
	}
	return vm.GetVmId(), c.createTags(ctx, []string{vm.GetVmId()}, tags)
}

// ReadWorkspace implements cloud.Workspaces.
//
// Policy is the body of the default version of the workspace's policy, as
// EIM returns it (the emulator returns the document sent, byte for byte),
// when that policy is the only one linked to the user; "" when the user
// is gone or the policy is not linked to it; when other policies are
// linked to the user too, a JSON list of the bodies of all of them, the
// workspace's first: the user holds more than its policy says.
func (c *Client) ReadWorkspace(ctx context.Context, ref cloud.Workspace) (cloud.Workspace, error) {
	if err := c.missingSettings(); err != nil {
		return ref, err
	}
	groupID := workspaceGroupID(ref)
	if groupID == "" {
		return cloud.Workspace{}, fmt.Errorf("the workspace has no security group id: %w", cloud.ErrNotFound)
	}
	groups, err := c.readSecurityGroupsByID(ctx, groupID)
	if err != nil {
		return cloud.Workspace{}, fmt.Errorf("reading the security group %s: %w", groupID, err)
	}
	if len(groups) == 0 {
		return cloud.Workspace{}, fmt.Errorf("the security group %s of the workspace does not exist: %w", groupID, cloud.ErrNotFound)
	}
	g := groups[0]
	tags := tagMap(g.GetTags())
	w := cloud.Workspace{ID: groupID, Name: tags[tagWorkspace], NetworkID: g.GetNetId(), Tags: map[string]string{},
		CloudIDs: map[string]string{keyWorkspaceGroup: groupID}}
	if w.Name == "" {
		w.Name = ref.Name
	}
	for k, v := range tags {
		if !reservedTag(k) {
			w.Tags[k] = v
		}
	}
	s, err := c.tierGroups(ctx, w.NetworkID)
	if err != nil {
		return cloud.Workspace{}, err
	}
	w.Rules = s.ownRules(g)
	cloud.SortRules(w.Rules)

	vms, err := c.workspaceVMs(ctx, groupID, ref)
	if err != nil {
		return cloud.Workspace{}, err
	}
	compute := s.groups[cloud.TierCompute]
	for _, vm := range vms {
		if state := vm.GetState(); state == vmTerminated || state == vmShuttingDown {
			continue
		}
		m := cloud.WorkspaceMachine{ID: vm.GetVmId(), Name: tagValue(vm.GetTags(), cloud.TagName), PrivateIP: vm.GetPrivateIp(),
			State: vm.GetState(), Running: vm.GetState() == vmRunning || vm.GetState() == vmPending}
		if !inWorkspaceGroups(vm, compute.GetSecurityGroupId(), groupID) {
			m.State, m.Running = cloud.MachineDetached, false
		}
		if m.Name == "" {
			m.Name = vm.GetVmId()
		}
		if raw := vm.GetUserData(); raw != "" {
			if data, err := base64.StdEncoding.DecodeString(raw); err == nil {
				sum := sha256.Sum256(data)
				m.UserDataSHA256 = hex.EncodeToString(sum[:])
			}
		}
		w.Machines = append(w.Machines, m)
		w.CloudIDs[workspaceVMKey(m.Name)] = m.ID
	}
	sort.Slice(w.Machines, func(i, j int) bool { return w.Machines[i].Name < w.Machines[j].Name })

	user, orn := workspaceIdentity(ref, tags)
	if user == "" {
		return w, nil
	}
	linked, err := c.linkedPolicies(ctx, user)
	switch {
	case isNotFound(err):
		linked = nil // the user is gone: IdentityID and Policy say so
	case err != nil:
		return cloud.Workspace{}, err
	default:
		w.IdentityID, w.CloudIDs[keyWorkspaceUser] = user, user
	}
	if orn == "" {
		for _, p := range linked {
			if p.GetPolicyName() == user {
				orn = p.GetOrn()
			}
		}
	}
	if orn != "" {
		if _, err := c.readPolicy(ctx, orn); err == nil {
			w.CloudIDs[keyWorkspacePolicy] = orn
		} else if !isNotFound(err) {
			return cloud.Workspace{}, err
		}
	}
	w.Policy, err = c.linkedDocument(ctx, orn, linked)
	if err != nil {
		return cloud.Workspace{}, err
	}
	return w, nil
}

// inWorkspaceGroups says whether vm is in the compute tier's group and the
// workspace's, and in no other.
func inWorkspaceGroups(vm osc.Vm, computeGroup, workspaceGroup string) bool {
	var ids []string
	for _, g := range vm.GetSecurityGroups() {
		ids = append(ids, g.GetSecurityGroupId())
	}
	slices.Sort(ids)
	want := []string{computeGroup, workspaceGroup}
	slices.Sort(want)
	return computeGroup != "" && slices.Equal(slices.Compact(ids), want)
}

// workspaceIdentity is the EIM user and policy of a workspace: those its
// group's tags name, else those the reference records.
func workspaceIdentity(ref cloud.Workspace, groupTags map[string]string) (user, orn string) {
	user, orn = groupTags[tagWorkspaceUser], groupTags[tagWorkspacePolicy]
	if user == "" {
		user = ref.CloudIDs[keyWorkspaceUser]
	}
	if orn == "" {
		orn = ref.CloudIDs[keyWorkspacePolicy]
	}
	return user, orn
}

// linkedDocument is what ReadWorkspace returns as Policy (see there).
func (c *Client) linkedDocument(ctx context.Context, orn string, linked []osc.LinkedPolicy) (string, error) {
	if orn == "" || !slices.ContainsFunc(linked, func(p osc.LinkedPolicy) bool { return p.GetOrn() == orn }) {
		return "", nil
	}
	ours, err := c.policyDocument(ctx, orn)
	if err != nil {
		return "", err
	}
	if len(linked) == 1 {
		return ours, nil
	}
	docs := []string{ours}
	for _, p := range linked {
		if p.GetOrn() == orn {
			continue
		}
		doc, err := c.policyDocument(ctx, p.GetOrn())
		if err != nil {
			return "", err
		}
		docs = append(docs, doc)
	}
	out, _ := json.Marshal(docs)
	return string(out), nil
}

// UpdateWorkspaceAccess implements cloud.Workspaces: the group's rules to
// the network's, the identity's policy to spec's (a new default version,
// the older versions deleted), linked to the user alone; an identity
// deleted out of band is made again, without key.
func (c *Client) UpdateWorkspaceAccess(ctx context.Context, ref cloud.Workspace, spec cloud.WorkspaceSpec) (cloud.Workspace, error) {
	w, err := c.ReadWorkspace(ctx, ref)
	if err != nil {
		return ref, err
	}
	document := spec.Policy()
	if err := checkWorkspacePolicy(document, len(spec.Datasets)); err != nil {
		return w, err
	}
	if err := c.convergeWorkspaceRules(ctx, w.NetworkID, w.ID, workspaceRules(spec.Network)); err != nil {
		return w, fmt.Errorf("updating the workspace %s: %w", w.Name, err)
	}
	if err := c.convergeWorkspaceIdentity(ctx, &w, document); err != nil {
		return w, fmt.Errorf("updating the workspace %s: %w", w.Name, err)
	}
	return c.ReadWorkspace(ctx, w)
}

func (c *Client) convergeWorkspaceIdentity(ctx context.Context, w *cloud.Workspace, document string) error {
	user := w.CloudIDs[keyWorkspaceUser]
	if user == "" {
		user = workspaceIdentityName(w.Name)
		if _, err := do(ctx, c, "CreateUser", false, func(ctx context.Context) (osc.CreateUserResponse, *http.Response, error) {
			return c.api.UserApi.CreateUser(ctx).CreateUserRequest(osc.CreateUserRequest{UserName: user, Path: ptr("/health/")}).Execute()
		}); err != nil {
			return fmt.Errorf("making the EIM user %s again: %w", user, err)
		}
		w.CloudIDs[keyWorkspaceUser] = user
		if err := c.createTags(ctx, []string{w.ID}, map[string]string{tagWorkspaceUser: user}); err != nil {
			return err
		}
	}
	orn := w.CloudIDs[keyWorkspacePolicy]
	if orn == "" {
		policy, err := do(ctx, c, "CreatePolicy", false, func(ctx context.Context) (osc.CreatePolicyResponse, *http.Response, error) {
			return c.api.PolicyApi.CreatePolicy(ctx).CreatePolicyRequest(osc.CreatePolicyRequest{PolicyName: user, Document: document,
				Description: ptr("Research workspace " + w.Name + ": its datasets and buckets only (terraform-provider-health)")}).Execute()
		})
		if err != nil {
			return fmt.Errorf("making the EIM policy %s again: %w", user, err)
		}
		orn = policy.Policy.GetOrn()
		w.CloudIDs[keyWorkspacePolicy] = orn
		if err := c.createTags(ctx, []string{w.ID}, map[string]string{tagWorkspacePolicy: orn}); err != nil {
			return err
		}
	} else if err := c.setPolicyDocument(ctx, orn, document); err != nil {
		return err
	}
	linked, err := c.linkedPolicies(ctx, user)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(linked, func(p osc.LinkedPolicy) bool { return p.GetOrn() == orn }) {
		if err := c.linkPolicy(ctx, orn, user); err != nil {
			return err
		}
	}
	for _, p := range linked {
		if p.GetOrn() != orn {
			if err := c.unlinkPolicy(ctx, p.GetOrn(), user); err != nil {
				return err
			}
		}
	}
	return nil
}

// setPolicyDocument makes document the default version of the policy orn
// unless it is already: the versions other than the default are deleted
// first (a policy holds five at most), the new one made the default, and
// the former default deleted.
func (c *Client) setPolicyDocument(ctx context.Context, orn, document string) error {
	versions, err := c.policyVersions(ctx, orn)
	if err != nil {
		return err
	}
	var former string
	for _, v := range versions {
		if v.GetDefaultVersion() {
			if v.GetBody() == document {
				return nil
			}
			former = v.GetVersionId()
			continue
		}
		if err := c.deletePolicyVersion(ctx, orn, v.GetVersionId()); err != nil {
			return err
		}
	}
	if _, err := do(ctx, c, "CreatePolicyVersion", false, func(ctx context.Context) (osc.CreatePolicyVersionResponse, *http.Response, error) {
		return c.api.PolicyApi.CreatePolicyVersion(ctx).CreatePolicyVersionRequest(osc.CreatePolicyVersionRequest{PolicyOrn: orn,
			Document: document, SetAsDefault: ptr(true)}).Execute()
	}); err != nil {
		return fmt.Errorf("setting a new version of the EIM policy %s: %w", orn, err)
	}
	if former != "" {
		return c.deletePolicyVersion(ctx, orn, former)
	}
	return nil
}

// DeleteWorkspaceMachines implements cloud.Workspaces.
func (c *Client) DeleteWorkspaceMachines(ctx context.Context, ref cloud.Workspace, names []string) (cloud.Workspace, error) {
	w, err := c.ReadWorkspace(ctx, ref)
	if isNotFound(err) {
		w, err = ref, nil // its group is gone: the machines it records may remain
	}
	if err != nil {
		return ref, err
	}
	vms, err := c.workspaceVMs(ctx, workspaceGroupID(w), w)
	if err != nil {
		return w, err
	}
	var doomed []string
	for _, vm := range vms {
		name := tagValue(vm.GetTags(), cloud.TagName)
		if names == nil || slices.Contains(names, name) || slices.Contains(names, vm.GetVmId()) {
			doomed = append(doomed, vm.GetVmId())
		}
	}
	if err := c.deleteVMsAndWait(ctx, doomed); err != nil {
		return w, err
	}
	for key, id := range w.CloudIDs {
		if strings.HasPrefix(key, "vm.") && slices.Contains(doomed, id) {
			delete(w.CloudIDs, key)
		}
	}
	if workspaceGroupID(w) == "" || w.ID == "" {
		return w, nil
	}
	read, err := c.ReadWorkspace(ctx, w)
	if isNotFound(err) {
		return w, nil
	}
	return read, err
}

// deleteVMsAndWait deletes VMs and waits until they are terminated.
func (c *Client) deleteVMsAndWait(ctx context.Context, vmIDs []string) error {
	if len(vmIDs) == 0 {
		return nil
	}
	sort.Strings(vmIDs)
	for _, id := range vmIDs {
		if err := c.deleteVM(ctx, id); err != nil && !isNotFound(err) {
			return fmt.Errorf("deleting the VM %s: %w", id, err)
		}
	}
	return cloud.WaitFor(ctx, c.retry, "the workspace's VMs to be terminated", func(ctx context.Context) (bool, error) {
		vms, err := c.readVMs(ctx, osc.FiltersVm{VmIds: &vmIDs})
		if err != nil {
			return false, fmt.Errorf("reading the VMs %s: %w", strings.Join(vmIDs, ", "), err)
		}
		for _, vm := range vms {
			if vm.GetState() != vmTerminated {
				return false, nil
			}
		}
		return true, nil
	})
}

// DeleteWorkspace implements cloud.Workspaces: the machines (waiting until
// they are terminated), the identity (its keys, its policies' links, its
// policy and that policy's versions, the user), then the group.
func (c *Client) DeleteWorkspace(ctx context.Context, ref cloud.Workspace) error {
	if err := c.missingSettings(); err != nil {
		return err
	}
	groupID := workspaceGroupID(ref)
	groupTags := map[string]string{}
	if groupID != "" {
		groups, err := c.readSecurityGroupsByID(ctx, groupID)
		if err != nil {
			return fmt.Errorf("reading the security group %s: %w", groupID, err)
		}
		if len(groups) == 0 {
			groupID = ""
		} else {
			groupTags = tagMap(groups[0].GetTags())
		}
	}
	vms, err := c.workspaceVMs(ctx, groupID, ref)
	if err != nil {
		return err
	}
	var ids []string
	for _, vm := range vms {
		if vm.GetState() != vmTerminated {
			ids = append(ids, vm.GetVmId())
		}
	}
	if err := c.deleteVMsAndWait(ctx, ids); err != nil {
		return err
	}
	user, orn := workspaceIdentity(ref, groupTags)
	if err := c.deleteWorkspaceIdentity(ctx, user, orn); err != nil {
		return err
	}
	if groupID == "" {
		return nil
	}
	return c.remove(ctx, "the security group "+groupID, func(ctx context.Context) error { return c.deleteSecurityGroup(ctx, groupID) })
}

// deleteWorkspaceIdentity deletes the user's keys, unlinks every policy
// from it (those linked out of band stay, unlinked), deletes the
// workspace's policy with its versions, then the user. What is gone
// already is fine.
func (c *Client) deleteWorkspaceIdentity(ctx context.Context, user, orn string) error {
	if user != "" {
		linked, err := c.linkedPolicies(ctx, user)
		if err != nil && !isNotFound(err) {
			return err
		}
		for _, p := range linked {
			if orn == "" && p.GetPolicyName() == user {
				orn = p.GetOrn()
			}
			if p.GetOrn() != orn {
				if err := c.unlinkPolicy(ctx, p.GetOrn(), user); err != nil && !isNotFound(err) {
					return err
				}
			}
		}
	}
	if orn == "" && user != "" {
		orn = c.policyOrnByName(ctx, user) // made, but neither linked nor recorded
	}
	if orn != "" {
		versions, err := c.policyVersions(ctx, orn)
		if err != nil && !isNotFound(err) {
			return err
		}
		for _, v := range versions {
			if !v.GetDefaultVersion() {
				if err := c.deletePolicyVersion(ctx, orn, v.GetVersionId()); err != nil && !isNotFound(err) {
					return err
				}
			}
		}
	}
	// The audit writer's removal does the rest: keys, link, policy, user.
	return c.DeleteAuditWriter(ctx, cloud.AuditWriter{UserName: user, PolicyID: orn})
}

// CreateWorkspaceKey implements cloud.Workspaces.
func (c *Client) CreateWorkspaceKey(ctx context.Context, ref cloud.Workspace) (cloud.AccessKey, error) {
	if err := c.missingSettings(); err != nil {
		return cloud.AccessKey{}, err
	}
	user := ref.CloudIDs[keyWorkspaceUser]
	if user == "" {
		return cloud.AccessKey{}, fmt.Errorf("the workspace %s has no EIM user: %w", ref.Name, cloud.ErrNotFound)
	}
	keys, err := c.accessKeys(ctx, user)
	if err != nil {
		return cloud.AccessKey{}, err
	}
	if len(keys) >= maxEIMAccessKeys {
		return cloud.AccessKey{}, fmt.Errorf("%w: the EIM user %s of the workspace %s already has %d access keys, the most OUTSCALE "+
			"allows a user: delete one (a member's session key that ended) before making another", cloud.ErrConflict, user, ref.Name, len(keys))
	}
	key, err := c.createAccessKey(ctx, user)
	if errors.Is(err, cloud.ErrConflict) {
		return cloud.AccessKey{}, fmt.Errorf("the EIM user %s may hold %d access keys at most (OUTSCALE's limit): delete one first: %w",
			user, maxEIMAccessKeys, err)
	}
	return key, err
}

// DeleteWorkspaceKey implements cloud.Workspaces; a key already gone is fine.
func (c *Client) DeleteWorkspaceKey(ctx context.Context, ref cloud.Workspace, keyID string) error {
	if err := c.missingSettings(); err != nil {
		return err
	}
	user := ref.CloudIDs[keyWorkspaceUser]
	_, err := do(ctx, c, "DeleteAccessKey", true, func(ctx context.Context) (osc.DeleteAccessKeyResponse, *http.Response, error) {
		req := osc.DeleteAccessKeyRequest{AccessKeyId: keyID}
		if user != "" {
			req.UserName = ptr(user)
		}
		return c.api.AccessKeyApi.DeleteAccessKey(ctx).DeleteAccessKeyRequest(req).Execute()
	})
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("deleting the access key %s of the EIM user %s: %w", keyID, user, err)
	}
	return nil
}

// ---- EIM calls of the workspace, beyond the audit writer's ----

func (c *Client) createAccessKey(ctx context.Context, user string) (cloud.AccessKey, error) {
	key, err := do(ctx, c, "CreateAccessKey", false, func(ctx context.Context) (osc.CreateAccessKeyResponse, *http.Response, error) {
		return c.api.AccessKeyApi.CreateAccessKey(ctx).CreateAccessKeyRequest(osc.CreateAccessKeyRequest{UserName: ptr(user)}).Execute()
	})
	if err != nil {
		return cloud.AccessKey{}, fmt.Errorf("creating an access key of the EIM user %s: %w", user, err)
	}
	return cloud.AccessKey{ID: key.AccessKey.GetAccessKeyId(), Secret: key.AccessKey.GetSecretKey()}, nil
}

func (c *Client) accessKeys(ctx context.Context, user string) ([]osc.AccessKey, error) {
	keys, err := do(ctx, c, "ReadAccessKeys", true, func(ctx context.Context) (osc.ReadAccessKeysResponse, *http.Response, error) {
		return c.api.AccessKeyApi.ReadAccessKeys(ctx).ReadAccessKeysRequest(osc.ReadAccessKeysRequest{UserName: ptr(user)}).Execute()
	})
	if err != nil {
		return nil, fmt.Errorf("reading the access keys of the EIM user %s: %w", user, err)
	}
	return keys.GetAccessKeys(), nil
}

func (c *Client) linkPolicy(ctx context.Context, orn, user string) error {
	if _, err := do(ctx, c, "LinkPolicy", true, func(ctx context.Context) (osc.LinkPolicyResponse, *http.Response, error) {
		return c.api.PolicyApi.LinkPolicy(ctx).LinkPolicyRequest(osc.LinkPolicyRequest{PolicyOrn: orn, UserName: user}).Execute()
	}); err != nil {
		return fmt.Errorf("linking the policy %s to the EIM user %s: %w", orn, user, err)
	}
	return nil
}

func (c *Client) unlinkPolicy(ctx context.Context, orn, user string) error {
	if _, err := do(ctx, c, "UnlinkPolicy", true, func(ctx context.Context) (osc.UnlinkPolicyResponse, *http.Response, error) {
		return c.api.PolicyApi.UnlinkPolicy(ctx).UnlinkPolicyRequest(osc.UnlinkPolicyRequest{PolicyOrn: orn, UserName: user}).Execute()
	}); err != nil {
		return fmt.Errorf("unlinking the policy %s from the EIM user %s: %w", orn, user, err)
	}
	return nil
}

// userExists says whether the EIM user exists (its linked policies can be
// read).
func (c *Client) userExists(ctx context.Context, user string) bool {
	_, err := c.linkedPolicies(ctx, user)
	return err == nil
}

// linkedPolicies lists the policies linked to a user; ErrNotFound when the
// user is gone.
func (c *Client) linkedPolicies(ctx context.Context, user string) ([]osc.LinkedPolicy, error) {
	var all []osc.LinkedPolicy
	for first := int32(0); ; {
		resp, err := do(ctx, c, "ReadLinkedPolicies", true, func(ctx context.Context) (osc.ReadLinkedPoliciesResponse, *http.Response, error) {
			return c.api.PolicyApi.ReadLinkedPolicies(ctx).ReadLinkedPoliciesRequest(osc.ReadLinkedPoliciesRequest{UserName: user,
				FirstItem: ptr(first)}).Execute()
		})
		if err != nil {
			return nil, fmt.Errorf("reading the policies linked to the EIM user %s: %w", user, err)
		}
		page := resp.GetPolicies()
		all = append(all, page...)
		if !resp.GetHasMoreItems() || len(page) == 0 {
			return all, nil
		}
		first += int32(len(page)) // #nosec G115 -- a page holds at most a hundred policies
	}
}

// policyOrnByName is the ORN of the account's policy called name at the
// path "/", or "" when there is none (or it cannot be read). The ORN is
// written as the OAPI spec's examples show it
// (orn:ows:idauth::<account>:policy<path><name>): unverified beyond them.
func (c *Client) policyOrnByName(ctx context.Context, name string) string {
	id, err := c.Identity(ctx)
	if err != nil || id.AccountID == "" {
		return ""
	}
	orn := "orn:ows:idauth::" + id.AccountID + ":policy/" + name
	if p, err := c.readPolicy(ctx, orn); err != nil || p.GetPolicyName() != name {
		return ""
	}
	return orn
}

func (c *Client) readPolicy(ctx context.Context, orn string) (osc.Policy, error) {
	resp, err := do(ctx, c, "ReadPolicy", true, func(ctx context.Context) (osc.ReadPolicyResponse, *http.Response, error) {
		return c.api.PolicyApi.ReadPolicy(ctx).ReadPolicyRequest(osc.ReadPolicyRequest{PolicyOrn: orn}).Execute()
	})
	if err != nil {
		return osc.Policy{}, fmt.Errorf("reading the EIM policy %s: %w", orn, err)
	}
	return resp.GetPolicy(), nil
}

// policyDocument is the body of the default version of a policy.
func (c *Client) policyDocument(ctx context.Context, orn string) (string, error) {
	p, err := c.readPolicy(ctx, orn)
	if err != nil {
		return "", err
	}
	resp, err := do(ctx, c, "ReadPolicyVersion", true, func(ctx context.Context) (osc.ReadPolicyVersionResponse, *http.Response, error) {
		return c.api.PolicyApi.ReadPolicyVersion(ctx).ReadPolicyVersionRequest(osc.ReadPolicyVersionRequest{PolicyOrn: orn,
			VersionId: p.GetPolicyDefaultVersionId()}).Execute()
	})
	if err != nil {
		return "", fmt.Errorf("reading the version %s of the EIM policy %s: %w", p.GetPolicyDefaultVersionId(), orn, err)
	}
	v := resp.GetPolicyVersion()
	return v.GetBody(), nil
}

func (c *Client) policyVersions(ctx context.Context, orn string) ([]osc.PolicyVersion, error) {
	var all []osc.PolicyVersion
	for first := int32(0); ; {
		resp, err := do(ctx, c, "ReadPolicyVersions", true, func(ctx context.Context) (osc.ReadPolicyVersionsResponse, *http.Response, error) {
			return c.api.PolicyApi.ReadPolicyVersions(ctx).ReadPolicyVersionsRequest(osc.ReadPolicyVersionsRequest{PolicyOrn: orn,
				FirstItem: ptr(first)}).Execute()
		})
		if err != nil {
			return nil, fmt.Errorf("reading the versions of the EIM policy %s: %w", orn, err)
		}
		page := resp.GetPolicyVersions()
		all = append(all, page...)
		if !resp.GetHasMoreItems() || len(page) == 0 {
			return all, nil
		}
		first += int32(len(page)) // #nosec G115 -- five versions at most
	}
}

func (c *Client) deletePolicyVersion(ctx context.Context, orn, version string) error {
	if _, err := do(ctx, c, "DeletePolicyVersion", true, func(ctx context.Context) (osc.DeletePolicyVersionResponse, *http.Response, error) {
		return c.api.PolicyApi.DeletePolicyVersion(ctx).DeletePolicyVersionRequest(osc.DeletePolicyVersionRequest{PolicyOrn: orn,
			VersionId: version}).Execute()
	}); err != nil {
		return fmt.Errorf("deleting the version %s of the EIM policy %s: %w", version, orn, err)
	}
	return nil
}
