package ovh

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/groups"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/rules"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

var _ cloud.Workspaces = (*Client)(nil)

// A research workspace on OVHcloud is, in the warehouse network's region:
//
//   - a Neutron security group of the network's OpenStack user (see
//     secgroups.go), named "<network>-ws-<workspace>" and described
//     "health_warehouse_workspace:<workspace> network:<private network id>"
//     (a description no tier's group has, so the network's own updates
//     leave it alone). It holds SSH in from the bastion tier's group, and
//     the compute tier's outbound rules of the network, translated as the
//     compute tier's group's are; Neutron's allow-all egress rules of a new
//     group are deleted, and so is anything else found in it;
//   - research machines: instances in the compute subnet, without floating
//     IP, made as the data gateways are (bastion.go), whose private port is
//     in the workspace's group and no other. Instances have no tags on
//     OVHcloud: a workspace's machines are those named "<workspace>-…"
//     whose port is in its group, and those CloudIDs record;
//   - an object storage user (role objectstore_operator), described
//     "health_warehouse_workspace:<workspace>", with the user policy
//     cloud.WorkspacePolicy and S3 credentials. The user owns no bucket, so
//     the ACLs give it nothing: its policy is all it may do (deny by
//     default, see the storage code).
//
// What OVHcloud does not document, and this package assumes (unverified):
// that its object storage evaluates the StringLike condition on s3:prefix
// that limits a dataset's listing to its prefix (its guides show
// aws:SourceIp only); without it, a listing of such a dataset is refused
// rather than widened.
//
// The group is made under a provisional name carrying the create's lease
// ("…-creating-<lease>") and renamed once the user, its policy and its
// first key exist: a create that died is found by that name and taken over
// once its lease has expired; a group of the final name is another
// workspace's (cloud.ErrConflict).

// Keys of Workspace.CloudIDs on OVHcloud (besides keyUser, keyAccessKey,
// keyOpenstackUser and keyOpenstack).
const (
	keyWorkspaceGroup = "security_group"
	keyMachinePrefix  = "machine."
)

// roleResearch is a research machine: private, in the compute subnet (its
// group is the workspace's: see workspaceNetwork).
var roleResearch = machineRole{kind: "research machine", tier: cloud.TierCompute}

func workspaceGroupName(network, name string) string { return network + "-ws-" + name }

func workspaceGroupDescription(networkID, name string) string {
	return "health_warehouse_workspace:" + name + " network:" + networkID
}

// workspaceUserDescription marks a workspace's object storage user.
func workspaceUserDescription(name string) string { return "health_warehouse_workspace:" + name }

// workspaceRules are the rules of a workspace's group: SSH from the
// bastion tier, and the network's outbound rules of the compute tier. None
// names the compute tier (the workspace's own machines, or others').
func workspaceRules(network cloud.Network) []cloud.Rule {
	out := []cloud.Rule{{Tier: cloud.TierCompute, Direction: cloud.Inbound, Protocol: "tcp", FromPort: cloud.PortSSH,
		ToPort: cloud.PortSSH, Source: cloud.TierSource(cloud.TierBastion), Purpose: "SSH from the bastion"}}
	for _, r := range network.Rules {
		if r.Tier == cloud.TierCompute && r.IsOutbound() && r.Peer() != cloud.TierSource(cloud.TierCompute) {
			out = append(out, r)
		}
	}
	cloud.SortRules(out)
	return out
}

// workspaceSettings checks what every workspace call needs.
func (c *Client) workspaceSettings() error { return c.networkSettings() }

// networkUser is the network's OpenStack user, as ids know it.
func networkUser(ids map[string]string) (int64, error) {
	id, err := strconv.ParseInt(ids[keyOpenstackUser], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("the network has no OpenStack user recorded (apply the network again)")
	}
	return id, nil
}

// workspaceGroups is what Neutron holds for a workspace: its group, and the
// network's tiers' groups its rules name.
type workspaceGroups struct {
	group    *groups.SecGroup
	tierOf   map[string]string // group id → tier
	groupOf  map[string]string // tier → group id
	leftover []groups.SecGroup // provisional groups of the workspace's creates
}

// readWorkspaceGroups lists the network user's groups and finds the
// workspace's: the one known (knownID), else the one of its description
// that no create holds under a provisional name (those are leftover).
func (c *Client) readWorkspaceGroups(ctx context.Context, userID int64, networkID, name, knownID string) (workspaceGroups, error) {
	all, err := c.listSecurityGroups(ctx, userID)
	if err != nil {
		return workspaceGroups{}, fmt.Errorf("listing the security groups of the private network %s: %w", networkID, err)
	}
	out := workspaceGroups{tierOf: map[string]string{}, groupOf: map[string]string{}}
	description := workspaceGroupDescription(networkID, name)
	for i, sg := range all {
		if tier := tierOfDescription(sg.Description, networkID); tier != "" {
			if _, dup := out.groupOf[tier]; !dup {
				out.groupOf[tier], out.tierOf[sg.ID] = sg.ID, tier
			}
		}
		switch {
		case knownID != "" && sg.ID == knownID:
			out.group = &all[i]
		case sg.Description != description || name == "":
		case strings.Contains(sg.Name, "-creating-"):
			out.leftover = append(out.leftover, sg)
		case knownID == "":
			out.group = &all[i]
		}
	}
	return out, nil
}

// CreateWorkspace implements cloud.Workspaces: the group, then the object
// storage user, its policy and its first key, then the group's final name.
func (c *Client) CreateWorkspace(ctx context.Context, spec cloud.WorkspaceSpec) (cloud.Workspace, cloud.AccessKey, error) {
	if err := c.workspaceSettings(); err != nil {
		return cloud.Workspace{}, cloud.AccessKey{}, err
	}
	w := cloud.Workspace{Name: spec.Name, NetworkID: spec.Network.ID, Tags: spec.Tags, CloudIDs: map[string]string{}}
	key, err := c.buildWorkspace(ctx, &w, spec)
	if err != nil {
		return w, cloud.AccessKey{}, fmt.Errorf("creating the workspace %s: %w", spec.Name, err)
	}
	read, err := c.ReadWorkspace(ctx, w)
	if err != nil {
		return w, key, fmt.Errorf("reading the workspace %s back after creating it: %w", spec.Name, err)
	}
	return read, key, nil
}

func (c *Client) buildWorkspace(ctx context.Context, w *cloud.Workspace, spec cloud.WorkspaceSpec) (cloud.AccessKey, error) {
	userID, err := networkUser(spec.Network.CloudIDs)
	if err != nil {
		return cloud.AccessKey{}, fmt.Errorf("the network %s: %w", spec.Network.ID, err)
	}
	final := workspaceGroupName(spec.Network.Name, spec.Name)
	provisional := final
	if spec.ClientToken != "" {
		provisional = provisionalName(final, cloud.NewLease(ctx, spec.ClientToken, c.now()))
		defer c.creating.Start(provisional)()
	}
	g, err := c.readWorkspaceGroups(ctx, userID, spec.Network.ID, spec.Name, "")
	if err != nil {
		return cloud.AccessKey{}, err
	}
	if g.group != nil {
		return cloud.AccessKey{}, fmt.Errorf("its security group %s (%s) exists already: import the workspace (%w)", g.group.ID, final, cloud.ErrConflict)
	}
	// A group a create that died left is taken over once its lease has
	// expired, with the user it made: the create finishes what it began.
	var group groups.SecGroup
	takenOver := false
	for _, sg := range g.leftover {
		lease, _ := leaseOf(sg.Name, final)
		if sg.Name != provisional && !c.creating.Running(sg.Name) && !lease.Abandoned(c.now(), c.takeOver) {
			return cloud.AccessKey{}, &cloud.InProgressError{Kind: "workspace", Name: spec.Name, Lease: lease,
				Objects: []string{sg.ID + " (security group " + sg.Name + ")"}}
		}
		if !takenOver {
			group, takenOver = sg, true
			continue
		}
		if err := c.remove(ctx, "the security group "+sg.ID, func(ctx context.Context) error { return c.deleteSecurityGroup(ctx, userID, sg.ID) }); err != nil {
			return cloud.AccessKey{}, err
		}
	}
	if !takenOver {
		description := workspaceGroupDescription(spec.Network.ID, spec.Name)
		err := c.retry.Recover(ctx, func(ctx context.Context) error {
			var err error
			group, err = c.createSecurityGroup(ctx, userID, provisional, description)
			return err
		}, func(ctx context.Context) (bool, error) {
			all, err := c.listSecurityGroups(ctx, userID)
			for _, sg := range all {
				if sg.Name == provisional && sg.Description == description {
					group = sg
					return true, nil
				}
			}
			return false, err
		})
		if err != nil {
			return cloud.AccessKey{}, fmt.Errorf("creating the security group %s: %w", provisional, err)
		}
	}
	w.ID, w.CloudIDs[keyWorkspaceGroup] = group.ID, group.ID
	w.CloudIDs[keyOpenstackUser], w.CloudIDs[keyOpenstack] = spec.Network.CloudIDs[keyOpenstackUser], spec.Network.CloudIDs[keyOpenstack]
	g.group = &group
	if err := c.convergeWorkspaceRules(ctx, userID, g, workspaceRules(spec.Network)); err != nil {
		return cloud.AccessKey{}, err
	}
	u, err := c.makeWorkspaceUser(ctx, spec.Name, takenOver)
	if u != 0 {
		w.CloudIDs[keyUser] = strconv.FormatInt(u, 10)
	}
	if err != nil {
		return cloud.AccessKey{}, err
	}
	if err := c.setUserPolicy(ctx, u, spec.Policy()); err != nil {
		return cloud.AccessKey{}, fmt.Errorf("setting the S3 policy of the user %d: %w", u, err)
	}
	cred, err := c.makeS3Credentials(ctx, u)
	if err != nil {
		return cloud.AccessKey{}, fmt.Errorf("creating the S3 credentials of the user %d: %w", u, err)
	}
	w.CloudIDs[keyAccessKey] = cred.Access
	if group.Name != final {
		if err := c.renameSecurityGroup(ctx, userID, group.ID, final); err != nil {
			return cloud.AccessKey{}, fmt.Errorf("renaming the security group %s to %s: %w", group.ID, final, err)
		}
	}
	return cloud.AccessKey{ID: cred.Access, Secret: cred.Secret}, nil
}

// makeWorkspaceUser makes the workspace's object storage user and waits
// until it is ready; a lost answer finds it by its description. A user of
// that description that exists already is another workspace's of the same
// name (cloud.ErrConflict), unless the create takes over a group a create
// that died left: then the user is that create's.
func (c *Client) makeWorkspaceUser(ctx context.Context, name string, takeOver bool) (int64, error) {
	id, err := c.findWorkspaceUser(ctx, name)
	if err != nil {
		return 0, err
	}
	if id != 0 {
		if !takeOver {
			return 0, fmt.Errorf("the object storage user %d is described %q already: another workspace of that name has it (%w)",
				id, workspaceUserDescription(name), cloud.ErrConflict)
		}
		return id, c.waitUserOK(ctx, id)
	}
	err = c.retry.Recover(ctx, func(ctx context.Context) error {
		u, err := c.createUser(ctx, workspaceUserDescription(name))
		id = u.ID
		return err
	}, func(ctx context.Context) (bool, error) {
		var err error
		id, err = c.findWorkspaceUser(ctx, name)
		return id != 0, err
	})
	if err != nil {
		return id, fmt.Errorf("creating the object storage user of the workspace: %w", err)
	}
	return id, c.waitUserOK(ctx, id)
}

// findWorkspaceUser returns the live user described after the workspace, or 0.
func (c *Client) findWorkspaceUser(ctx context.Context, name string) (int64, error) {
	return c.findUserDescribed(ctx, workspaceUserDescription(name), "the workspace "+name)
}

// convergeWorkspaceRules makes the workspace's group hold exactly desired:
// what nobody asked for is deleted (Neutron's allow-all egress of a new
// group among it), what is missing is added.
func (c *Client) convergeWorkspaceRules(ctx context.Context, userID int64, g workspaceGroups, desired []cloud.Rule) error {
	groupOf := maps.Clone(g.groupOf)
	groupOf[cloud.TierCompute] = g.group.ID // the rules' holder; no rule names the compute tier
	storage, err := c.storageCIDRsFor(ctx, desired)
	if err != nil {
		return err
	}
	return c.convergeRules(ctx, userID, g.group.Rules, desired, groupOf, storage)
}

// A research machine's private port goes in the compute tier's group and
// in the workspace's. The compute tier's group is what the other tiers'
// rules name (the bastion's SSH, the data gateways' HTTPS, the key
// manager's API); it admits nothing from the compute tier itself, so two
// workspaces' machines still cannot reach each other: groups only ever add
// what their rules allow (HW-WS-01 checks the compute tier's inbound rules
// for that). A port found in other groups reads as cloud.MachineDetached.

// CreateWorkspaceMachines implements cloud.Workspaces: the machines of
// spec not made yet, at once, each waited until active and put in the
// workspace's group.
func (c *Client) CreateWorkspaceMachines(ctx context.Context, ref cloud.Workspace, spec cloud.WorkspaceSpec) (cloud.Workspace, error) {
	if err := c.workspaceSettings(); err != nil {
		return ref, err
	}
	w := ref
	w.CloudIDs = maps.Clone(ref.CloudIDs)
	if w.CloudIDs == nil {
		w.CloudIDs = map[string]string{}
	}
	groupID := workspaceGroupID(ref)
	if groupID == "" {
		return w, fmt.Errorf("creating the machines of the workspace %s: it has no security group: %w", ref.Name, cloud.ErrNotFound)
	}
	for _, m := range spec.Machines {
		if !strings.HasPrefix(m.Name, ref.Name+"-") {
			return w, fmt.Errorf("the machine %s of the workspace %s: its name must begin with %q, by which the workspace finds it (%w)",
				m.Name, ref.Name, ref.Name+"-", cloud.ErrInvalid)
		}
	}
	current, err := c.ReadWorkspace(ctx, w)
	if err != nil {
		return w, err
	}
	existing := map[string]bool{}
	for _, m := range current.Machines {
		existing[m.Name] = true
	}
	var mu sync.Mutex
	err = cloud.Each(ctx, spec.Machines, func(ctx context.Context, m cloud.WorkspaceMachineSpec) error {
		if existing[m.Name] {
			return nil
		}
		made, err := c.createMachine(ctx, roleResearch, cloud.BastionSpec{Name: m.Name, Network: spec.Network, Type: m.Type,
			ImageID: m.ImageID, UserData: m.UserData, Tags: spec.Tags, ClientToken: m.ClientToken}, placement{groups: []string{groupID}})
		if id := made.CloudIDs[keyInstance]; id != "" {
			mu.Lock()
			w.CloudIDs[keyMachinePrefix+m.Name] = id
			mu.Unlock()
		}
		return err
	})
	if err != nil {
		return w, fmt.Errorf("creating the machines of the workspace %s: %w", ref.Name, err)
	}
	return c.ReadWorkspace(ctx, w)
}

func workspaceGroupID(ref cloud.Workspace) string {
	if ref.ID != "" {
		return ref.ID
	}
	return ref.CloudIDs[keyWorkspaceGroup]
}

// ReadWorkspace implements cloud.Workspaces. Tags are ref's (nothing of a
// workspace holds tags on OVHcloud); Policy is the user's policy as the API
// answers it, in canonical JSON (cloud.CanonicalPolicy: keys sorted, no
// spaces), "" with IdentityID when the user is gone.
func (c *Client) ReadWorkspace(ctx context.Context, ref cloud.Workspace) (cloud.Workspace, error) {
	if err := c.workspaceSettings(); err != nil {
		return cloud.Workspace{}, err
	}
	userID, err := c.workspaceNetworkUser(ctx, ref)
	if err != nil {
		return cloud.Workspace{}, err
	}
	g, err := c.readWorkspaceGroups(ctx, userID, ref.NetworkID, ref.Name, workspaceGroupID(ref))
	if err != nil {
		return cloud.Workspace{}, err
	}
	if g.group == nil {
		return cloud.Workspace{}, fmt.Errorf("the security group %s of the workspace %s: %w", workspaceGroupID(ref), ref.Name, cloud.ErrNotFound)
	}
	w := cloud.Workspace{ID: g.group.ID, Name: ref.Name, NetworkID: ref.NetworkID, Tags: ref.Tags, CloudIDs: map[string]string{
		keyWorkspaceGroup: g.group.ID, keyOpenstackUser: strconv.FormatInt(userID, 10), keyOpenstack: ref.CloudIDs[keyOpenstack]}}
	if w.Name == "" {
		w.Name, _ = strings.CutPrefix(strings.TrimSuffix(g.group.Description, " network:"+ref.NetworkID), "health_warehouse_workspace:")
	}
	if w.CloudIDs[keyOpenstack] == "" {
		w.CloudIDs[keyOpenstack] = c.openstackIDOf(ctx, ref.NetworkID)
	}
	var storage []string
	if slices.ContainsFunc(g.group.Rules, func(r rules.SecGroupRule) bool { return r.Direction == "egress" && r.RemoteIPPrefix != "" }) {
		storage, _ = c.objectStorageCIDRs(ctx) // unresolved: the addresses show as they are
	}
	seen := map[string]bool{}
	for _, r := range g.group.Rules {
		rule := tierRule(r, cloud.TierCompute, g.tierOf, storage)
		if !seen[rule.Key()] {
			seen[rule.Key()] = true
			w.Rules = append(w.Rules, rule)
		}
	}
	cloud.SortRules(w.Rules)
	var identity, policy string
	err = cloud.Parallel(ctx,
		func(ctx context.Context) error {
			machines, err := c.workspaceMachines(ctx, userID, [2]string{g.groupOf[cloud.TierCompute], w.ID}, w.Name, w.NetworkID,
				w.CloudIDs[keyOpenstack], ref.CloudIDs)
			w.Machines = machines
			return err
		},
		func(ctx context.Context) error {
			var err error
			identity, policy, err = c.readWorkspaceIdentity(ctx, w.Name, ref.CloudIDs[keyUser])
			return err
		})
	if err != nil {
		return cloud.Workspace{}, err
	}
	if identity != "" {
		w.IdentityID, w.Policy, w.CloudIDs[keyUser] = identity, policy, identity
		if k := ref.CloudIDs[keyAccessKey]; k != "" {
			w.CloudIDs[keyAccessKey] = k
		}
	}
	for _, m := range w.Machines {
		w.CloudIDs[keyMachinePrefix+m.Name] = m.ID
	}
	return w, nil
}

// workspaceNetworkUser is the OpenStack user of the workspace's network:
// the one recorded, else the one described after the network.
func (c *Client) workspaceNetworkUser(ctx context.Context, ref cloud.Workspace) (int64, error) {
	if id, err := networkUser(ref.CloudIDs); err == nil {
		return id, nil
	}
	u, err := c.findOpenstackUser(ctx, ref.NetworkID, "")
	if err != nil {
		return 0, err
	}
	if u == nil {
		return 0, fmt.Errorf("the network %s of the workspace %s has no OpenStack user, whose security groups the workspace's is: %w",
			ref.NetworkID, ref.Name, cloud.ErrNotFound)
	}
	return u.ID, nil
}

// openstackIDOf is the OpenStack network of a private network in the
// client's region, or "".
func (c *Client) openstackIDOf(ctx context.Context, networkID string) string {
	networks, err := c.listNetworks(ctx)
	if err != nil {
		return ""
	}
	for _, pn := range networks {
		if r, ok := pn.in(c.cfg.Region); ok && pn.ID == networkID {
			return r.OpenstackID
		}
	}
	return ""
}

// readWorkspaceIdentity reads the workspace's user (known: its id, "" to
// find it by its description) and its policy, in canonical JSON; "" when
// the user is gone.
func (c *Client) readWorkspaceIdentity(ctx context.Context, name, known string) (string, string, error) {
	id, err := strconv.ParseInt(known, 10, 64)
	if err != nil {
		if id, err = c.findWorkspaceUser(ctx, name); err != nil || id == 0 {
			return "", "", err
		}
	}
	u, err := c.getUser(ctx, id)
	switch {
	case isNotFound(err):
		return "", "", nil
	case err != nil:
		return "", "", fmt.Errorf("reading the user %d of the workspace %s: %w", id, name, err)
	case u.Status == userStatusDelete || u.Status == userStatusGone:
		return "", "", nil
	}
	policy, err := c.getUserPolicy(ctx, id)
	if err != nil && !isNotFound(err) {
		return "", "", fmt.Errorf("reading the S3 policy of the user %d: %w", id, err)
	}
	canonical, err := cloud.CanonicalPolicy(policy)
	if err != nil {
		return "", "", fmt.Errorf("reading the S3 policy of the user %d: %w", id, err)
	}
	return strconv.FormatInt(id, 10), canonical, nil
}

// workspaceMachines are the live instances of the workspace: those named
// "<workspace>-…" whose port is in its group, and those known (ids of
// CloudIDs) that still exist, by name.
func (c *Client) workspaceMachines(ctx context.Context, userID int64, computeAndWorkspace [2]string, name, networkID, openstackID string,
	known map[string]string) ([]cloud.WorkspaceMachine, error) {
	groupID := computeAndWorkspace[1]
	all, err := c.listInstances(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing the instances to find the machines of the workspace %s: %w", name, err)
	}
	inGroup := map[string]bool{}
	var portGroups map[string][]string // instance → its private port's groups; nil when not listed
	if openstackID != "" {
		ports, err := c.portsOfNetwork(ctx, userID, openstackID)
		if err != nil {
			return nil, fmt.Errorf("listing the ports of the private network %s: %w", networkID, err)
		}
		portGroups = map[string][]string{}
		for _, p := range ports {
			if slices.Contains(p.SecurityGroups, groupID) {
				inGroup[p.DeviceID] = true
			}
			portGroups[p.DeviceID] = append(portGroups[p.DeviceID], p.SecurityGroups...)
		}
	}
	want := slices.Sorted(slices.Values(computeAndWorkspace[:]))
	knownIDs := map[string]bool{}
	for k, id := range known {
		if strings.HasPrefix(k, keyMachinePrefix) {
			knownIDs[id] = true
		}
	}
	var ids []string
	for _, in := range all {
		if knownIDs[in.ID] || (inGroup[in.ID] && strings.HasPrefix(in.Name, name+"-")) {
			ids = append(ids, in.ID)
		}
	}
	out := make([]cloud.WorkspaceMachine, len(ids))
	gone := make([]bool, len(ids))
	indexes := make([]int, len(ids))
	for i := range indexes {
		indexes[i] = i
	}
	err = cloud.Each(ctx, indexes, func(ctx context.Context, i int) error {
		in, err := c.getInstance(ctx, ids[i])
		if isNotFound(err) || (err == nil && (in.Status == instanceDeleting || in.Status == instanceDeleted)) {
			gone[i] = true
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading the instance %s: %w", ids[i], err)
		}
		ip, _ := in.privateIP()
		out[i] = cloud.WorkspaceMachine{ID: in.ID, Name: in.Name, PrivateIP: ip, State: in.Status,
			Running: in.Status == instanceActive || in.Status == instanceBuild || in.Status == instanceBuilding}
		if in.Status == instanceActive && portGroups != nil &&
			(want[0] == "" || !slices.Equal(slices.Compact(slices.Sorted(slices.Values(portGroups[in.ID]))), want)) {
			out[i].State, out[i].Running = cloud.MachineDetached, false
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var live []cloud.WorkspaceMachine
	for i, m := range out {
		if !gone[i] {
			live = append(live, m)
		}
	}
	slices.SortFunc(live, func(a, b cloud.WorkspaceMachine) int { return strings.Compare(a.Name, b.Name) })
	return live, nil
}

// UpdateWorkspaceAccess implements cloud.Workspaces: the group's rules
// converge on the network's, and the user's policy is set again when it
// differs.
func (c *Client) UpdateWorkspaceAccess(ctx context.Context, ref cloud.Workspace, spec cloud.WorkspaceSpec) (cloud.Workspace, error) {
	if err := c.workspaceSettings(); err != nil {
		return ref, err
	}
	userID, err := c.workspaceNetworkUser(ctx, ref)
	if err != nil {
		return ref, err
	}
	g, err := c.readWorkspaceGroups(ctx, userID, ref.NetworkID, ref.Name, workspaceGroupID(ref))
	if err != nil {
		return ref, err
	}
	if g.group == nil {
		return ref, fmt.Errorf("the security group %s of the workspace %s: %w", workspaceGroupID(ref), ref.Name, cloud.ErrNotFound)
	}
	if err := c.convergeWorkspaceRules(ctx, userID, g, workspaceRules(spec.Network)); err != nil {
		return ref, fmt.Errorf("updating the rules of the workspace %s: %w", ref.Name, err)
	}
	current, err := c.ReadWorkspace(ctx, ref)
	if err != nil {
		return ref, err
	}
	if current.IdentityID == "" {
		return current, fmt.Errorf("the object storage user of the workspace %s is gone: replace the workspace (%w)", ref.Name, cloud.ErrNotFound)
	}
	want := spec.Policy()
	if canonical, _ := cloud.CanonicalPolicy(want); canonical != current.Policy {
		id, _ := strconv.ParseInt(current.IdentityID, 10, 64)
		if err := c.setUserPolicy(ctx, id, want); err != nil {
			return current, fmt.Errorf("setting the S3 policy of the user %d: %w", id, err)
		}
	}
	return c.ReadWorkspace(ctx, current)
}

// DeleteWorkspaceMachines implements cloud.Workspaces.
func (c *Client) DeleteWorkspaceMachines(ctx context.Context, ref cloud.Workspace, names []string) (cloud.Workspace, error) {
	if err := c.workspaceSettings(); err != nil {
		return ref, err
	}
	w, err := c.ReadWorkspace(ctx, ref)
	if err != nil {
		return ref, err
	}
	var doomed []cloud.WorkspaceMachine
	for _, m := range w.Machines {
		if names == nil || slices.Contains(names, m.Name) {
			doomed = append(doomed, m)
		}
	}
	if err := c.deleteInstances(ctx, doomed); err != nil {
		return w, fmt.Errorf("deleting the machines of the workspace %s: %w", ref.Name, err)
	}
	for _, m := range doomed {
		delete(w.CloudIDs, keyMachinePrefix+m.Name)
	}
	return c.ReadWorkspace(ctx, w)
}

// deleteInstances deletes instances at once, each waited until gone.
func (c *Client) deleteInstances(ctx context.Context, machines []cloud.WorkspaceMachine) error {
	return cloud.Each(ctx, machines, func(ctx context.Context, m cloud.WorkspaceMachine) error {
		return c.DeleteBastion(ctx, cloud.Bastion{ID: m.ID, CloudIDs: map[string]string{keyInstance: m.ID}})
	})
}

// DeleteWorkspace implements cloud.Workspaces: the machines (with those a
// create that died left under a provisional name), the group, the user's
// S3 credentials and the user. What is gone already is fine. Only what ref
// records goes: a create refused because the workspace exists returns
// nothing of it, and its delete must not find the other by its names.
func (c *Client) DeleteWorkspace(ctx context.Context, ref cloud.Workspace) error {
	if err := c.workspaceSettings(); err != nil {
		return err
	}
	if workspaceGroupID(ref) == "" {
		return c.deleteWorkspaceUser(ctx, ref)
	}
	userID, err := c.workspaceNetworkUser(ctx, ref)
	if err != nil && !isNotFound(err) {
		return err
	}
	if userID != 0 {
		if err := c.deleteWorkspaceGroup(ctx, userID, ref); err != nil {
			return err
		}
	} else if err := c.deleteKnownMachines(ctx, ref); err != nil {
		return err
	}
	return c.deleteWorkspaceUser(ctx, ref)
}

// deleteWorkspaceGroup deletes the machines and the group.
func (c *Client) deleteWorkspaceGroup(ctx context.Context, userID int64, ref cloud.Workspace) error {
	w := ref
	w.CloudIDs = maps.Clone(ref.CloudIDs)
	if w.CloudIDs == nil {
		w.CloudIDs = map[string]string{}
	}
	w.CloudIDs[keyOpenstackUser] = strconv.FormatInt(userID, 10)
	read, err := c.ReadWorkspace(ctx, w)
	switch {
	case isNotFound(err):
		return c.deleteKnownMachines(ctx, ref)
	case err != nil:
		return err
	}
	machines := read.Machines
	leftovers, err := c.provisionalMachines(ctx, ref.Name)
	if err != nil {
		return err
	}
	for _, m := range leftovers {
		if !slices.ContainsFunc(machines, func(x cloud.WorkspaceMachine) bool { return x.ID == m.ID }) {
			machines = append(machines, m)
		}
	}
	if err := c.deleteInstances(ctx, machines); err != nil {
		return fmt.Errorf("deleting the machines of the workspace %s: %w", ref.Name, err)
	}
	// A port of a machine being deleted may hold the group a little
	// longer: remove retries Neutron's 409 InUse.
	return c.remove(ctx, "the security group "+read.ID, func(ctx context.Context) error {
		return c.deleteSecurityGroup(ctx, userID, read.ID)
	})
}

// deleteKnownMachines deletes the machines CloudIDs record, when the group
// is gone.
func (c *Client) deleteKnownMachines(ctx context.Context, ref cloud.Workspace) error {
	var machines []cloud.WorkspaceMachine
	for k, id := range ref.CloudIDs {
		if strings.HasPrefix(k, keyMachinePrefix) {
			machines = append(machines, cloud.WorkspaceMachine{ID: id})
		}
	}
	leftovers, err := c.provisionalMachines(ctx, ref.Name)
	if err != nil {
		return err
	}
	return c.deleteInstances(ctx, append(machines, leftovers...))
}

// provisionalMachines are the instances named as a create of one of the
// workspace's machines names them until it is done ("<workspace>-…-creating-…").
func (c *Client) provisionalMachines(ctx context.Context, workspace string) ([]cloud.WorkspaceMachine, error) {
	if workspace == "" {
		return nil, nil
	}
	all, err := c.listInstances(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing the instances to find the machines of the workspace %s: %w", workspace, err)
	}
	var out []cloud.WorkspaceMachine
	for _, in := range all {
		if strings.HasPrefix(in.Name, workspace+"-") && strings.Contains(in.Name, "-creating-") {
			out = append(out, cloud.WorkspaceMachine{ID: in.ID, Name: in.Name})
		}
	}
	return out, nil
}

// deleteWorkspaceUser deletes the user's S3 credentials, then the user.
func (c *Client) deleteWorkspaceUser(ctx context.Context, ref cloud.Workspace) error {
	known := ref.CloudIDs[keyUser]
	if known == "" {
		return nil // none was made, or ReadWorkspace found none
	}
	id, err := strconv.ParseInt(known, 10, 64)
	if err != nil {
		return fmt.Errorf("the workspace %s records the user %q, which is no user id", ref.Name, known)
	}
	creds, err := c.listS3Credentials(ctx, id)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("listing the S3 credentials of the user %d: %w", id, err)
	}
	if err := cloud.Each(ctx, creds, func(ctx context.Context, cr s3Credentials) error {
		return c.deleteS3Credentials(ctx, id, cr.Access)
	}); err != nil {
		return err
	}
	if err := c.remove(ctx, fmt.Sprintf("the user %d", id), func(ctx context.Context) error { return c.deleteUser(ctx, id) }); err != nil {
		return err
	}
	return c.waitUserGone(ctx, id)
}

// deleteS3Credentials deletes one S3 key of a user; one gone is fine.
func (c *Client) deleteS3Credentials(ctx context.Context, userID int64, access string) error {
	err := c.call(ctx, http.MethodDelete, fill(routeS3Cred, c.cfg.ProjectID, strconv.FormatInt(userID, 10), access), routeS3Cred, nil, nil)
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("deleting the S3 key %s of the user %d: %w", access, userID, err)
	}
	return nil
}

// CreateWorkspaceKey implements cloud.Workspaces: another S3 key of the
// workspace's user.
func (c *Client) CreateWorkspaceKey(ctx context.Context, ref cloud.Workspace) (cloud.AccessKey, error) {
	if err := c.workspaceSettings(); err != nil {
		return cloud.AccessKey{}, err
	}
	id, err := strconv.ParseInt(ref.CloudIDs[keyUser], 10, 64)
	if err != nil {
		return cloud.AccessKey{}, fmt.Errorf("the workspace %s has no object storage user: %w", ref.Name, cloud.ErrNotFound)
	}
	cred, err := c.createS3Credentials(ctx, id)
	if err != nil {
		return cloud.AccessKey{}, fmt.Errorf("creating an S3 key of the user %d: %w", id, err)
	}
	return cloud.AccessKey{ID: cred.Access, Secret: cred.Secret}, nil
}

// DeleteWorkspaceKey implements cloud.Workspaces.
func (c *Client) DeleteWorkspaceKey(ctx context.Context, ref cloud.Workspace, keyID string) error {
	if err := c.workspaceSettings(); err != nil {
		return err
	}
	id, err := strconv.ParseInt(ref.CloudIDs[keyUser], 10, 64)
	if err != nil {
		return errors.New("the workspace " + ref.Name + " has no object storage user recorded")
	}
	return c.deleteS3Credentials(ctx, id, keyID)
}
