package outscale

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	osc "github.com/outscale/osc-sdk-go/v2"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// The key manager on OUTSCALE, whose API has no KMS: a cluster of OpenBao
// servers held by the customer, one VM each in the network's kms subnet,
// with no public address. Each VM is in two security groups:
//
//   - the kms tier's, which the network manages: the key manager's API from
//     the compute tier, SSH from the bastion;
//   - the cluster's own, made here ("health-kms-<name>"), which lets the
//     cluster's servers reach each other on 8200 (joining, forwarding) and
//     8201 (Raft), inbound and outbound, and nothing else out: the tier's
//     group does not let its members talk to each other.
//
// The cluster's group is the key manager's id: one object that lives as
// long as the cluster, carries its name and layout (TagKeyManagerLayout),
// and finds its VMs (ReadVms filtered by security group).
//
// The user-data of each VM carries its TLS private key and SSH host key:
// ReadVms returns it to any identity of the account allowed to call it.
// Restrict ReadVms with EIM policies.

// Keys of KeyManagerCluster.CloudIDs on OUTSCALE.
const keySecurityGroupOfCluster = "security_group"

// keyManagerGroupName is the name of a cluster's security group.
func keyManagerGroupName(name string) string { return "health-kms-" + name }

// KeyManagerBackend implements cloud.KeyManagerClusters.
func (c *Client) KeyManagerBackend() string { return cloud.BackendOpenBao }

// KeyManagerAddresses implements cloud.KeyManagerClusters: free addresses of
// the kms subnet, those of live VMs excluded.
func (c *Client) KeyManagerAddresses(ctx context.Context, network cloud.Network, count int) ([]string, error) {
	sub, err := kmsSubnet(network)
	if err != nil {
		return nil, err
	}
	vms, err := c.readVMs(ctx, osc.FiltersVm{SubnetIds: &[]string{sub.ID}})
	if err != nil {
		return nil, fmt.Errorf("listing the VMs of the kms subnet %s: %w", sub.ID, err)
	}
	var used []string
	for _, vm := range vms {
		if vm.GetState() != vmTerminated {
			used = append(used, vm.GetPrivateIp())
		}
	}
	return cloud.KeyManagerAddresses(sub.CIDR, used, count)
}

func kmsSubnet(n cloud.Network) (cloud.Subnet, error) {
	sub, ok := n.Subnets[cloud.TierKMS]
	if !ok || sub.ID == "" || sub.SecurityGroupID == "" || sub.CIDR == "" {
		return cloud.Subnet{}, fmt.Errorf("the network %s has no kms subnet with its security group (was it changed outside Terraform?)", n.ID)
	}
	return sub, nil
}

// CreateKeyManager implements cloud.KeyManagerClusters.
//
// The cluster's group carries cloud.TagCreating, the create's lease, until
// the create returns (see cloud.Lease): a create first deletes the cluster
// of its name that a create which died with its provider left in the
// network, VMs included (they are in the group), once its lease has
// expired, and refuses to go on beside one whose lease runs.
func (c *Client) CreateKeyManager(ctx context.Context, spec cloud.KeyManagerSpec) (cloud.KeyManagerCluster, error) {
	k := cloud.KeyManagerCluster{Name: spec.Name, Backend: cloud.BackendOpenBao, NetworkID: spec.Network.ID, Region: c.cfg.Region,
		Tags: spec.Tags, CloudIDs: map[string]string{}}
	for _, n := range spec.Nodes {
		k.NodeAddresses = append(k.NodeAddresses, n.PrivateIP)
	}
	var lease cloud.Lease
	if spec.ClientToken != "" {
		defer c.creating.Start(spec.ClientToken)()
		lease = cloud.NewLease(ctx, spec.ClientToken, c.now())
	}
	if err := c.removeLeftoverKeyManager(ctx, spec); err != nil {
		return k, fmt.Errorf("creating the key manager %s: %w", spec.Name, err)
	}
	if err := c.buildKeyManager(ctx, &k, spec, lease); err != nil {
		return k, fmt.Errorf("creating the key manager %s: %w", spec.Name, err)
	}
	if spec.ClientToken != "" {
		if err := c.deleteTags(ctx, []string{k.ID}, map[string]string{cloud.TagCreating: lease.Tag()}); err != nil {
			return k, fmt.Errorf("creating the key manager %s: marking it made: %w", spec.Name, err)
		}
	}
	read, err := c.ReadKeyManager(ctx, k)
	if err != nil {
		return k, fmt.Errorf("reading the key manager %s back after creating it: %w", spec.Name, err)
	}
	return read, nil
}

// removeLeftoverKeyManager deletes the cluster called spec.Name that a
// create which died left in the network: its group still carries
// cloud.TagCreating, whose lease has expired. A group whose lease runs,
// or that carries no tag at all (its create died between making it and
// tagging it, or is between the two now), may be another live run's: it
// is left alone, and the create refused (cloud.InProgressError).
func (c *Client) removeLeftoverKeyManager(ctx context.Context, spec cloud.KeyManagerSpec) error {
	if spec.Network.ID == "" {
		return nil
	}
	groups, err := c.readSecurityGroupsByName(ctx, spec.Network.ID, keyManagerGroupName(spec.Name))
	if err != nil {
		return fmt.Errorf("looking for what an interrupted create of %s left: %w", spec.Name, err)
	}
	for _, g := range groups {
		tags := tagMap(g.GetTags())
		mark, marked := tags[cloud.TagCreating]
		lease := cloud.ParseLeaseTag(mark)
		if tags[cloud.TagKeyManager] == "" {
			return &cloud.InProgressError{Kind: "key manager", Name: spec.Name,
				Objects: []string{g.GetSecurityGroupId() + " (security group " + g.GetSecurityGroupName() + ")"}}
		}
		if !marked || c.creating.Running(lease.Token) {
			continue // a finished cluster: CreateSecurityGroup refuses the name, and says so
		}
		if !lease.Abandoned(c.now(), c.takeOver) {
			return &cloud.InProgressError{Kind: "key manager", Name: spec.Name, Lease: lease,
				Objects: []string{g.GetSecurityGroupId() + " (security group " + g.GetSecurityGroupName() + ") and its servers"}}
		}
		if err := c.DeleteKeyManager(ctx, cloud.KeyManagerCluster{ID: g.GetSecurityGroupId()}); err != nil {
			return fmt.Errorf("deleting what an interrupted create of %s left: %w", spec.Name, err)
		}
	}
	return nil
}

func (c *Client) buildKeyManager(ctx context.Context, k *cloud.KeyManagerCluster, spec cloud.KeyManagerSpec, lease cloud.Lease) error {
	sub, err := kmsSubnet(spec.Network)
	if err != nil {
		return err
	}
	groupID, err := c.createClusterGroup(ctx, spec)
	if groupID != "" {
		k.ID, k.CloudIDs[keySecurityGroupOfCluster] = groupID, groupID
	}
	if err != nil {
		return err
	}
	t := keyManagerTagger{name: spec.Name, network: spec.Network.Name, token: spec.ClientToken, lease: lease, user: spec.Tags}
	if err := c.createTags(ctx, []string{groupID}, t.group(k.NodeAddresses)); err != nil {
		return err
	}
	if err := c.admitClusterToItself(ctx, groupID); err != nil {
		return err
	}
	// Every VM first, so that they boot together; then wait for each.
	for _, node := range spec.Nodes {
		if err := c.createKeyManagerNode(ctx, k, spec, node, sub, t); err != nil {
			return err
		}
	}
	for _, node := range spec.Nodes {
		if err := c.waitVM(ctx, k.CloudIDs[cloud.KeyManagerVMKey(node.Index)], vmRunning); err != nil {
			return err
		}
	}
	return nil
}

// createClusterGroup makes the cluster's security group. The call takes no
// client token: a group whose answer was lost is found by its name, which
// is unique in the Net.
func (c *Client) createClusterGroup(ctx context.Context, spec cloud.KeyManagerSpec) (string, error) {
	name := keyManagerGroupName(spec.Name)
	description := "OpenBao servers of the warehouse key manager " + spec.Name + " (Raft and API between them)"
	g, err := c.createSecurityGroup(ctx, spec.Network.ID, name, description)
	if err == nil {
		return g.GetSecurityGroupId(), nil
	}
	if errors.Is(err, cloud.ErrUnavailable) {
		if found, _ := c.readSecurityGroupsByName(ctx, spec.Network.ID, name); len(found) == 1 &&
			tagMap(found[0].GetTags())[cloud.TagKeyManager] == "" {
			return found[0].GetSecurityGroupId(), nil // ours, made by the lost call and not tagged yet
		}
	}
	if errors.Is(err, cloud.ErrConflict) {
		return "", fmt.Errorf("the Net %s already has a security group named %s: a key manager named %s exists in this network "+
			"(import it, or choose another name): %w", spec.Network.ID, name, spec.Name, err)
	}
	return "", fmt.Errorf("creating the cluster's security group %s in the Net %s: %w", name, spec.Network.ID, err)
}

// admitClusterToItself lets the cluster's servers reach each other's API
// and cluster ports, both ways, and removes the rule letting everything out
// that OAPI gives every new group in a Net: a VM is let out by any of its
// groups, and the kms tier's group lets out nothing but what the network
// allows. The rule call is not idempotent: after a failure, the group is
// read to see whether the rule made it.
func (c *Client) admitClusterToItself(ctx context.Context, groupID string) error {
	rule := osc.SecurityGroupRule{IpProtocol: ptr("tcp"), FromPortRange: ptr(int32(cloud.PortKMS)),
		ToPortRange: ptr(int32(cloud.PortKMSCluster)), SecurityGroupsMembers: &[]osc.SecurityGroupsMember{{SecurityGroupId: ptr(groupID)}}}
	for _, flow := range []string{flowInbound, flowOutbound} {
		err := c.createSecurityGroupRules(ctx, groupID, flow, []osc.SecurityGroupRule{rule})
		if err == nil {
			continue
		}
		if groups, readErr := c.readSecurityGroupsByID(ctx, groupID); readErr == nil && len(groups) == 1 && admitsItself(groups[0], flow) {
			continue
		}
		return fmt.Errorf("letting the cluster's servers reach each other on %d-%d (%s rule of the security group %s): %w",
			cloud.PortKMS, cloud.PortKMSCluster, flow, groupID, err)
	}
	everything := osc.SecurityGroupRule{IpProtocol: ptr("-1"), IpRanges: &[]string{anywhere}}
	if err := c.deleteSecurityGroupRules(ctx, groupID, flowOutbound, []osc.SecurityGroupRule{everything}); err != nil && !isNotFound(err) {
		return fmt.Errorf("removing the rule that lets everything out of the security group %s: %w", groupID, err)
	}
	return nil
}

// admitsItself says whether g's rules of flow let its members reach each
// other on the cluster's ports.
func admitsItself(g osc.SecurityGroup, flow string) bool {
	rules := g.GetInboundRules()
	if flow == flowOutbound {
		rules = g.GetOutboundRules()
	}
	for _, r := range rules {
		if r.GetIpProtocol() != "tcp" || r.GetFromPortRange() > cloud.PortKMS || r.GetToPortRange() < cloud.PortKMSCluster {
			continue
		}
		for _, m := range r.GetSecurityGroupsMembers() {
			if m.GetSecurityGroupId() == g.GetSecurityGroupId() {
				return true
			}
		}
	}
	return false
}

// createKeyManagerNode makes one server's VM at its address, in both
// groups, and tags it. It records the VM in k.CloudIDs as soon as it
// exists.
func (c *Client) createKeyManagerNode(ctx context.Context, k *cloud.KeyManagerCluster, spec cloud.KeyManagerSpec,
	node cloud.KeyManagerNodeSpec, sub cloud.Subnet, t keyManagerTagger) error {
	key := cloud.KeyManagerVMKey(node.Index)
	req := osc.CreateVmsRequest{
		ImageId:                     spec.ImageID,
		VmType:                      ptr(spec.Type),
		SubnetId:                    ptr(sub.ID),
		SecurityGroupIds:            &[]string{sub.SecurityGroupID, k.ID},
		PrivateIps:                  &[]string{node.PrivateIP},
		UserData:                    ptr(base64.StdEncoding.EncodeToString(node.UserData)),
		BootOnCreation:              ptr(true),
		VmInitiatedShutdownBehavior: ptr("stop"),
	}
	if node.ClientToken != "" {
		req.ClientToken = ptr(node.ClientToken)
	}
	vm, err := c.createVM(ctx, req)
	if err != nil {
		if node.ClientToken != "" && errors.Is(err, cloud.ErrUnavailable) {
			// The VM may exist although the answer was lost: its token finds it.
			if vms, _ := c.readVMs(ctx, osc.FiltersVm{ClientTokens: &[]string{node.ClientToken}}); len(vms) == 1 {
				k.CloudIDs[key] = vms[0].GetVmId()
			}
		}
		return fmt.Errorf("creating the VM of the server %s (%s, %s) at %s in the subnet %s: %w",
			node.Name, spec.Type, spec.ImageID, node.PrivateIP, sub.ID, err)
	}
	k.CloudIDs[key] = vm.GetVmId()
	return c.createTags(ctx, []string{vm.GetVmId()}, t.node(node))
}

// keyManagerTagger computes the tags of the cluster's objects.
type keyManagerTagger struct {
	name, network, token string
	lease                cloud.Lease // the mark of the create in progress, on the group
	user                 map[string]string
}

func (t keyManagerTagger) base(name string) map[string]string {
	out := map[string]string{}
	for k, v := range t.user {
		out[k] = v
	}
	out[cloud.TagName] = name
	out[cloud.TagKeyManager] = t.name
	if t.network != "" {
		out[cloud.TagNetwork] = t.network
	}
	if t.token != "" {
		out[cloud.TagClientToken] = t.token
	}
	return out
}

// group tags the cluster's group, marked as being created until the
// create returns.
func (t keyManagerTagger) group(layout []string) map[string]string {
	out := t.base(t.name)
	out[cloud.TagKeyManagerLayout] = cloud.FormatKeyManagerLayout(layout)
	if t.token != "" {
		out[cloud.TagCreating] = t.lease.Tag()
	}
	return out
}

func (t keyManagerTagger) node(n cloud.KeyManagerNodeSpec) map[string]string {
	out := t.base(n.Name)
	out[cloud.TagKeyManagerNode] = strconv.Itoa(n.Index)
	if n.HostKeyFingerprint != "" {
		out[cloud.TagHostKey] = n.HostKeyFingerprint
	}
	return out
}

// clusterGroupID is the security group a reference names.
func clusterGroupID(ref cloud.KeyManagerCluster) string {
	if ref.ID != "" {
		return ref.ID
	}
	return ref.CloudIDs[keySecurityGroupOfCluster]
}

// knownVMs lists the VM ids the reference records, by index.
func knownVMs(ref cloud.KeyManagerCluster) map[string]int {
	out := map[string]int{}
	for key, id := range ref.CloudIDs {
		if rest, ok := strings.CutPrefix(key, "vm."); ok && id != "" {
			if i, err := strconv.Atoi(rest); err == nil {
				out[id] = i
			}
		}
	}
	return out
}

// ReadKeyManager implements cloud.KeyManagerClusters. The servers are the
// VMs in the cluster's group, and those the reference records; a VM
// terminated or being terminated is not a server any more.
func (c *Client) ReadKeyManager(ctx context.Context, ref cloud.KeyManagerCluster) (cloud.KeyManagerCluster, error) {
	groupID := clusterGroupID(ref)
	if groupID == "" {
		return cloud.KeyManagerCluster{}, fmt.Errorf("the key manager has no security group id: %w", cloud.ErrNotFound)
	}
	groups, err := c.readSecurityGroupsByID(ctx, groupID)
	if err != nil {
		return cloud.KeyManagerCluster{}, fmt.Errorf("reading the security group %s: %w", groupID, err)
	}
	if len(groups) == 0 {
		return cloud.KeyManagerCluster{}, fmt.Errorf("the security group %s of the key manager does not exist: %w", groupID, cloud.ErrNotFound)
	}
	g := groups[0]
	tags := tagMap(g.GetTags())
	k := cloud.KeyManagerCluster{
		ID:            groupID,
		Name:          tags[cloud.TagKeyManager],
		Backend:       cloud.BackendOpenBao,
		NetworkID:     g.GetNetId(),
		Region:        c.cfg.Region,
		NodeAddresses: cloud.ParseKeyManagerLayout(tags[cloud.TagKeyManagerLayout]),
		Tags:          map[string]string{},
		CloudIDs:      map[string]string{keySecurityGroupOfCluster: groupID},
	}
	if k.Name == "" {
		k.Name = tags[cloud.TagName]
	}
	for key, v := range tags {
		if !reservedTag(key) {
			k.Tags[key] = v
		}
	}
	vms, err := c.clusterVMs(ctx, groupID, ref)
	if err != nil {
		return cloud.KeyManagerCluster{}, err
	}
	known := knownVMs(ref)
	for _, vm := range vms {
		if s := vm.GetState(); s == vmTerminated || s == vmShuttingDown {
			continue
		}
		index := nodeIndex(vm, k.NodeAddresses, known)
		if index < 1 {
			continue // not one of the cluster's servers, though in its group
		}
		if _, dup := k.Node(index); dup {
			continue
		}
		vmTags := tagMap(vm.GetTags())
		node := cloud.KeyManagerNode{
			Index:     index,
			ID:        vm.GetVmId(),
			Name:      vmTags[cloud.TagName],
			PrivateIP: vm.GetPrivateIp(),
			State:     vm.GetState(),
			Running:   vm.GetState() == vmRunning || vm.GetState() == vmPending,
			Type:      vm.GetVmType(),
			ImageID:   vm.GetImageId(),
		}
		if raw := vm.GetUserData(); raw != "" {
			if data, err := base64.StdEncoding.DecodeString(raw); err == nil {
				node.UserData = data
			}
		}
		k.Nodes = append(k.Nodes, node)
		k.CloudIDs[cloud.KeyManagerVMKey(index)] = node.ID
	}
	sort.Slice(k.Nodes, func(i, j int) bool { return k.Nodes[i].Index < k.Nodes[j].Index })
	if len(k.NodeAddresses) == 0 {
		// The layout tag was removed: the servers' order gives it back, as
		// far as they remain.
		for _, n := range k.Nodes {
			k.NodeAddresses = append(k.NodeAddresses, n.PrivateIP)
		}
	}
	if len(k.NodeAddresses) > 0 {
		k.Address = fmt.Sprintf("https://%s:%d", k.NodeAddresses[0], cloud.PortKMS)
	}
	return k, nil
}

// clusterVMs lists the VMs in the cluster's group, and those the reference
// records that are not (any more).
func (c *Client) clusterVMs(ctx context.Context, groupID string, ref cloud.KeyManagerCluster) ([]osc.Vm, error) {
	vms, err := c.readVMs(ctx, osc.FiltersVm{SecurityGroupIds: &[]string{groupID}})
	if err != nil {
		return nil, fmt.Errorf("listing the VMs of the security group %s: %w", groupID, err)
	}
	var others []string
	for id := range knownVMs(ref) {
		if !slices.ContainsFunc(vms, func(vm osc.Vm) bool { return vm.GetVmId() == id }) {
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

// nodeIndex is a VM's position in the cluster: its tag, else its address
// in the layout, else what the reference recorded; 0 when none says.
func nodeIndex(vm osc.Vm, layout []string, known map[string]int) int {
	if i, err := strconv.Atoi(tagMap(vm.GetTags())[cloud.TagKeyManagerNode]); err == nil && i > 0 {
		return i
	}
	if i := slices.Index(layout, vm.GetPrivateIp()); i >= 0 {
		return i + 1
	}
	return known[vm.GetVmId()]
}

// RepairKeyManager implements cloud.KeyManagerClusters.
func (c *Client) RepairKeyManager(ctx context.Context, ref cloud.KeyManagerCluster, replacements cloud.KeyManagerSpec) (cloud.KeyManagerCluster, error) {
	k, err := c.ReadKeyManager(ctx, ref)
	if err != nil {
		return ref, err
	}
	for _, n := range k.Nodes {
		if n.Running {
			continue
		}
		if n.State == vmStopping {
			if err := c.waitVM(ctx, n.ID, vmStopped); err != nil {
				return k, err
			}
		}
		if err := c.startVM(ctx, n.ID); err != nil {
			return k, fmt.Errorf("starting the VM %s of the server %s: %w", n.ID, n.Name, err)
		}
		if err := c.waitVM(ctx, n.ID, vmRunning); err != nil {
			return k, err
		}
	}
	if len(replacements.Nodes) == 0 {
		return c.ReadKeyManager(ctx, k)
	}
	sub, err := kmsSubnet(replacements.Network)
	if err != nil {
		return k, err
	}
	t := keyManagerTagger{name: k.Name, network: replacements.Network.Name, token: replacements.ClientToken, user: k.Tags}
	var made []string
	for _, node := range replacements.Nodes {
		if _, alive := k.Node(node.Index); alive {
			continue
		}
		// The VM gone may still hold its address while it terminates.
		if err := c.waitAddressReleased(ctx, sub.ID, node.PrivateIP); err != nil {
			return k, err
		}
		if err := c.createKeyManagerNode(ctx, &k, replacements, node, sub, t); err != nil {
			return k, err
		}
		made = append(made, k.CloudIDs[cloud.KeyManagerVMKey(node.Index)])
	}
	for _, id := range made {
		if err := c.waitVM(ctx, id, vmRunning); err != nil {
			return k, err
		}
	}
	return c.ReadKeyManager(ctx, k)
}

// waitAddressReleased waits until no VM of the subnet but a terminated one
// holds the address.
func (c *Client) waitAddressReleased(ctx context.Context, subnetID, ip string) error {
	return cloud.WaitFor(ctx, c.retry, "the address "+ip+" to be released", func(ctx context.Context) (bool, error) {
		vms, err := c.readVMs(ctx, osc.FiltersVm{SubnetIds: &[]string{subnetID}, PrivateIps: &[]string{ip}})
		if err != nil {
			return false, fmt.Errorf("reading the VMs at %s: %w", ip, err)
		}
		for _, vm := range vms {
			switch vm.GetState() {
			case vmTerminated:
			case vmShuttingDown:
				return false, nil
			default:
				return false, fmt.Errorf("the address %s of the kms subnet is held by the VM %s (%s), which is not one of the "+
					"key manager's: %w", ip, vm.GetVmId(), vm.GetState(), cloud.ErrConflict)
			}
		}
		return true, nil
	})
}

// UpdateKeyManagerTags implements cloud.KeyManagerClusters: the user's tags
// on the group and every server, the provider's left as they are.
func (c *Client) UpdateKeyManagerTags(ctx context.Context, ref cloud.KeyManagerCluster, tags map[string]string) (cloud.KeyManagerCluster, error) {
	k, err := c.ReadKeyManager(ctx, ref)
	if err != nil {
		return ref, err
	}
	objects := []string{k.ID}
	for _, n := range k.Nodes {
		objects = append(objects, n.ID)
	}
	stale := map[string]string{}
	for key, v := range k.Tags {
		if _, keep := tags[key]; !keep {
			stale[key] = v
		}
	}
	if err := c.deleteTags(ctx, objects, stale); err != nil {
		return k, err
	}
	if len(tags) > 0 {
		if err := c.createTags(ctx, objects, tags); err != nil {
			return k, err
		}
	}
	return c.ReadKeyManager(ctx, k)
}

// DeleteKeyManager implements cloud.KeyManagerClusters: every VM of the
// cluster (those in its group and those the reference records), then the
// group once they are terminated.
func (c *Client) DeleteKeyManager(ctx context.Context, ref cloud.KeyManagerCluster) error {
	groupID := clusterGroupID(ref)
	ids := map[string]bool{}
	for id := range knownVMs(ref) {
		ids[id] = true
	}
	if groupID != "" {
		vms, err := c.readVMs(ctx, osc.FiltersVm{SecurityGroupIds: &[]string{groupID}})
		if err != nil {
			return fmt.Errorf("listing the VMs of the security group %s: %w", groupID, err)
		}
		for _, vm := range vms {
			ids[vm.GetVmId()] = true
		}
	}
	var all []string
	for id := range ids {
		all = append(all, id)
	}
	sort.Strings(all)
	for _, id := range all {
		if err := c.deleteVM(ctx, id); err != nil && !isNotFound(err) {
			return fmt.Errorf("deleting the VM %s: %w", id, err)
		}
	}
	if len(all) > 0 {
		err := cloud.WaitFor(ctx, c.retry, "the key manager's VMs to be terminated", func(ctx context.Context) (bool, error) {
			vms, err := c.readVMs(ctx, osc.FiltersVm{VmIds: &all})
			if err != nil {
				return false, fmt.Errorf("reading the VMs %s: %w", strings.Join(all, ", "), err)
			}
			for _, vm := range vms {
				if vm.GetState() != vmTerminated {
					return false, nil
				}
			}
			return true, nil
		})
		if err != nil {
			return err
		}
	}
	if groupID != "" {
		if err := c.remove(ctx, "the security group "+groupID, func(ctx context.Context) error { return c.deleteSecurityGroup(ctx, groupID) }); err != nil {
			return err
		}
	}
	return nil
}
