package ovh

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// A warehouse network on OVHcloud is, in the client's region:
//
//   - one private network on the project's vRack (API v1, "pn-…"), made
//     asynchronously (BUILDING, then ACTIVE);
//   - one subnet per tier, in the order of cloud.Tiers, each with DHCP and a
//     gateway address (its first usable one);
//   - with NAT egress, a gateway (an OpenStack router with SNAT, model "s")
//     made in the compute subnet, through an asynchronous operation, then
//     given an interface in each other tier's subnet. It is the network's
//     way out, and its path to object storage: OVHcloud offers no private
//     S3 endpoint on the vRack (vRack Services only attach Enterprise File
//     Storage).
//
//   - one security group per tier in OpenStack Neutron, holding the tier
//     rules both ways, reached as an OpenStack user of the project made for
//     the network (openstack.go, secgroups.go): the API v1 has no security
//     groups. Read returns the rules the groups hold. The rules are also
//     published for the machines' own firewalls, as defence in depth.
//
// What the API cannot hold:
//   - tags: private networks and subnets have none, and Read returns the
//     caller's unchanged;
//   - subnet names: tiers are told apart by their blocks (see tiersOf);
//   - client tokens: the create's token goes into the private network's
//     name while it is made (see makePrivateNetwork).

// Keys of Network.CloudIDs.
const (
	keyNetwork   = "network"
	keyOpenstack = "network.openstack" // the private network's OpenStack id in the region
	keyGateway   = "gateway"
)

func keySubnet(tier string) string    { return "subnet." + tier }
func keyInterface(tier string) string { return "gateway_interface." + tier }

// gatewayModel is the smallest gateway: the warehouse's traffic out is OS
// updates and object storage.
const gatewayModel = "s"

// gatewayName names the network's gateway after the network.
func gatewayName(network string) string { return network + "-gateway" }

// CreateNetwork implements cloud.Networks. It records each object's id in
// the returned Network as soon as the object exists, so that on error the
// Network lists everything made and DeleteNetwork can remove it.
func (c *Client) CreateNetwork(ctx context.Context, spec cloud.NetworkSpec) (cloud.Network, error) {
	if err := c.networkSettings(); err != nil {
		return cloud.Network{}, err
	}
	for _, tier := range cloud.Tiers {
		if _, ok := spec.Subnets[tier]; !ok {
			return cloud.Network{}, fmt.Errorf("creating the network %s: the specification gives no CIDR block for the %s tier", spec.Name, tier)
		}
	}
	provisional := spec.Name
	if spec.ClientToken != "" {
		provisional = provisionalName(spec.Name, cloud.NewLease(ctx, spec.ClientToken, c.now()))
		defer c.creating.Start(provisional)()
	}
	if err := c.removeLeftoverNetworks(ctx, spec.Name); err != nil {
		return cloud.Network{}, fmt.Errorf("creating the network %s: %w", spec.Name, err)
	}
	n := cloud.Network{
		Name:             spec.Name,
		CIDR:             spec.CIDR,
		Region:           c.cfg.Region,
		Subnets:          map[string]cloud.Subnet{},
		Rules:            cloud.DesiredRules(spec),
		Tags:             spec.Tags,
		RulesEnforcement: cloud.EnforcedBySecurityGroups,
		StoragePath:      cloud.StorageViaGateway,
		CloudIDs:         map[string]string{},
	}
	if err := c.build(ctx, &n, spec, provisional); err != nil {
		return n, fmt.Errorf("creating the network %s: %w", spec.Name, err)
	}
	read, err := c.ReadNetwork(ctx, n)
	if err != nil {
		return n, fmt.Errorf("reading the network %s back after creating it: %w", spec.Name, err)
	}
	return read, nil
}

// build makes the network's objects in dependency order, recording each in
// n. The private network keeps its provisional name until everything is
// made: a create that dies meanwhile leaves it recognisable (see
// removeLeftoverNetworks).
func (c *Client) build(ctx context.Context, n *cloud.Network, spec cloud.NetworkSpec, provisional string) error {
	if err := c.makePrivateNetwork(ctx, n, provisional); err != nil {
		return err
	}
	// The four subnets at once: each needs only the network.
	if err := cloud.Each(ctx, cloud.Tiers, func(ctx context.Context, tier string) error {
		return c.makeSubnet(ctx, n, tier, spec.Subnets[tier])
	}); err != nil {
		return err
	}
	if spec.NATEgress {
		if err := c.makeGateway(ctx, n); err != nil {
			return err
		}
	}
	if err := c.convergeSecurityGroups(ctx, n, cloud.DesiredRules(spec)); err != nil {
		return err
	}
	if provisional != n.Name {
		if err := c.renameNetwork(ctx, n.ID, n.Name); err != nil {
			return fmt.Errorf("renaming the private network %s from %s to %s: %w", n.ID, provisional, n.Name, err)
		}
	}
	return nil
}

// makePrivateNetwork makes the private network and waits until it is
// active.
//
// The API takes no idempotency token, and a network has no tags: when the
// answer to the creation is lost, the network could only be recognised by
// its name, which another network may share. So the network is created
// under a provisional name that carries the create's lease (its token and
// deadline), found by that name if the answer is lost, and renamed once
// active.
func (c *Client) makePrivateNetwork(ctx context.Context, n *cloud.Network, name string) error {
	err := c.retry.Recover(ctx, func(ctx context.Context) error {
		pn, err := c.createNetwork(ctx, name)
		if err == nil {
			n.ID, n.CloudIDs[keyNetwork] = pn.ID, pn.ID
		}
		return err
	}, func(ctx context.Context) (bool, error) {
		if name == n.Name {
			return false, errors.New("without a client token, a network made despite the error cannot be told from others of its name")
		}
		id, err := c.findNetworkNamed(ctx, name)
		if id != "" {
			n.ID, n.CloudIDs[keyNetwork] = id, id
		}
		return id != "", err
	})
	if err != nil {
		return fmt.Errorf("creating the private network in %s: %w", c.cfg.Region, err)
	}
	pn, err := c.waitNetworkActive(ctx, n.ID)
	if err != nil {
		return err
	}
	r, _ := pn.in(c.cfg.Region)
	if r.OpenstackID == "" {
		return fmt.Errorf("the private network %s is active in %s but has no OpenStack id there", pn.ID, c.cfg.Region)
	}
	n.CloudIDs[keyOpenstack] = r.OpenstackID
	return nil
}

// provisionalName is the name an object is created with (see
// makePrivateNetwork): name, "-creating-", and the create's lease, with
// the first 16 hexadecimal characters of its token, enough to tell creates
// apart. Without a token, it is the object's name.
func provisionalName(name string, lease cloud.Lease) string {
	const keep = 16
	if lease.Token == "" {
		return name
	}
	lease.Token = lease.Token[:min(keep, len(lease.Token))]
	return leftoverPrefix(name) + lease.Suffix()
}

// leftoverPrefix begins the provisional names of the creates of name.
func leftoverPrefix(name string) string { return name + "-creating-" }

// leaseOf is the lease a provisional name of name carries, and whether
// provisional is one.
func leaseOf(provisional, name string) (cloud.Lease, bool) {
	suffix, ok := strings.CutPrefix(provisional, leftoverPrefix(name))
	if !ok {
		return cloud.Lease{}, false
	}
	return cloud.ParseLeaseSuffix(suffix), true
}

// removeLeftoverNetworks deletes the networks that a create of name which
// died left under their provisional name, once their lease has expired.
// One whose lease runs may be another live run's: it is left alone, and
// the create refused (cloud.InProgressError).
func (c *Client) removeLeftoverNetworks(ctx context.Context, name string) error {
	networks, err := c.listNetworks(ctx)
	if err != nil {
		return fmt.Errorf("looking for what an interrupted create of %s left: %w", name, err)
	}
	for _, pn := range networks {
		lease, provisional := leaseOf(pn.Name, name)
		if !provisional || c.creating.Running(pn.Name) || pn.Status == networkDeleting {
			continue
		}
		if !lease.Abandoned(c.now(), c.takeOver) {
			return &cloud.InProgressError{Kind: "network", Name: name, Lease: lease,
				Objects: []string{pn.ID + " (private network " + pn.Name + ", its subnets and gateway)"}}
		}
		if err := c.DeleteNetwork(ctx, cloud.Network{ID: pn.ID, Name: pn.Name, CloudIDs: map[string]string{keyNetwork: pn.ID}}); err != nil {
			return fmt.Errorf("deleting the private network %s an interrupted create of %s left: %w", pn.ID, name, err)
		}
	}
	return nil
}

// findNetworkNamed returns the id of the one network called name, or ""
// when there is none. More than one is an error: the name was meant to be
// unique.
func (c *Client) findNetworkNamed(ctx context.Context, name string) (string, error) {
	networks, err := c.listNetworks(ctx)
	if err != nil {
		return "", fmt.Errorf("listing the private networks to find %s: %w", name, err)
	}
	var found []string
	for _, pn := range networks {
		if pn.Name == name && pn.Status != networkDeleting {
			found = append(found, pn.ID)
		}
	}
	switch len(found) {
	case 0:
		return "", nil
	case 1:
		return found[0], nil
	}
	return "", fmt.Errorf("%d private networks are named %s: %v", len(found), name, found)
}

// makeSubnet makes a tier's subnet. Subnets have no name, but no two
// subnets of a network hold the same block in a region: a subnet made
// despite a lost answer is found by its block.
func (c *Client) makeSubnet(ctx context.Context, n *cloud.Network, tier, cidr string) error {
	var made subnet
	err := c.retry.Recover(ctx, func(ctx context.Context) error {
		var err error
		made, err = c.createSubnet(ctx, n.ID, cidr)
		return err
	}, func(ctx context.Context) (bool, error) {
		all, err := c.listSubnets(ctx, n.ID)
		if err != nil {
			return false, fmt.Errorf("listing the subnets of the private network %s: %w", n.ID, err)
		}
		for _, s := range all {
			if s.CIDR == cidr && s.inRegion(c.cfg.Region) {
				made = s
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return fmt.Errorf("creating the %s subnet %s in the private network %s: %w", tier, cidr, n.ID, err)
	}
	recording.Lock()
	defer recording.Unlock()
	n.Subnets[tier] = cloud.Subnet{ID: made.ID, CIDR: made.CIDR}
	n.CloudIDs[keySubnet(tier)] = made.ID
	return nil
}

// recording guards the maps of a cloud.Network while a create or an update
// makes several of its parts at once.
var recording sync.Mutex

// makeGateway makes the gateway in the compute subnet, waits until it is
// active, and attaches the other tiers' subnets to it.
func (c *Client) makeGateway(ctx context.Context, n *cloud.Network) error {
	compute, ok := n.Subnets[cloud.TierCompute]
	if !ok {
		return fmt.Errorf("making the gateway: the network %s has no compute subnet to make it in", n.ID)
	}
	name := gatewayName(n.Name)
	// The gateway is found by its interface in the compute subnet, which
	// no other gateway can hold, when the answer to its creation is lost.
	var op operation
	err := c.retry.Recover(ctx, func(ctx context.Context) error {
		var err error
		op, err = c.createGateway(ctx, n.CloudIDs[keyOpenstack], compute.ID, name)
		return err
	}, func(ctx context.Context) (bool, error) {
		g, err := c.gatewayIn(ctx, compute.ID)
		if g != nil {
			n.CloudIDs[keyGateway] = g.ID
		}
		return g != nil, err
	})
	if err != nil {
		return fmt.Errorf("creating the gateway %s in the compute subnet %s: %w", name, compute.ID, err)
	}
	// The operation and the gateway are watched at once: the gateway is
	// listed, building, while the operation runs, found by its interface
	// in the compute subnet.
	var g gateway
	var mu sync.Mutex
	done, err := c.waitOperationAndObject(ctx, op.ID, "the creation of the gateway "+name, func(ctx context.Context, op operation) (bool, error) {
		found, err := c.gatewayIn(ctx, compute.ID)
		if err == nil && found == nil && op.ResourceID != nil {
			// Not listed by its subnet (yet): the operation names it.
			var byID gateway
			if byID, err = c.getGateway(ctx, *op.ResourceID); err == nil {
				found = &byID
			}
		}
		if err != nil || found == nil {
			return false, err
		}
		mu.Lock()
		g = *found
		recording.Lock()
		n.CloudIDs[keyGateway] = found.ID
		recording.Unlock()
		mu.Unlock()
		switch found.Status {
		case gatewayActive:
			return true, nil
		case gatewayError:
			return false, fmt.Errorf("the gateway %s is in error instead of becoming active", found.ID)
		}
		return false, nil
	})
	if err != nil {
		return err
	}
	if done.ResourceID != nil && *done.ResourceID != g.ID {
		return fmt.Errorf("the operation %s made the gateway %s, but the compute subnet %s holds the gateway %s",
			op.ID, *done.ResourceID, compute.ID, g.ID)
	}
	n.NATEgress, n.EgressIPs = true, g.publicIPs()
	return c.attachSubnets(ctx, n, g)
}

// gatewayIn returns the gateway with an interface in a subnet, or nil when
// there is none.
func (c *Client) gatewayIn(ctx context.Context, subnetID string) (*gateway, error) {
	gateways, err := c.listGateways(ctx, subnetID)
	if err != nil {
		return nil, fmt.Errorf("listing the gateways of the subnet %s: %w", subnetID, err)
	}
	if len(gateways) == 0 {
		return nil, nil
	}
	return &gateways[0], nil
}

// attachSubnets gives the gateway an interface in each tier's subnet that
// has none.
func (c *Client) attachSubnets(ctx context.Context, n *cloud.Network, g gateway) error {
	// The interfaces at once: each needs only the gateway and its subnet.
	return cloud.Each(ctx, cloud.Tiers, func(ctx context.Context, tier string) error {
		recording.Lock()
		s, ok := n.Subnets[tier]
		recording.Unlock()
		if !ok {
			return nil
		}
		if itf := g.interfaceIn(s.ID); itf != nil {
			recording.Lock()
			n.CloudIDs[keyInterface(tier)] = itf.ID
			recording.Unlock()
			return nil
		}
		var itf gatewayInterface
		err := c.retry.Recover(ctx, func(ctx context.Context) error {
			var err error
			itf, err = c.addInterface(ctx, g.ID, s.ID)
			return err
		}, func(ctx context.Context) (bool, error) {
			// A gateway has at most one interface in a subnet.
			now, err := c.getGateway(ctx, g.ID)
			if err != nil {
				return false, fmt.Errorf("reading the gateway %s: %w", g.ID, err)
			}
			if found := now.interfaceIn(s.ID); found != nil {
				itf = *found
				return true, nil
			}
			return false, nil
		})
		if err != nil {
			return fmt.Errorf("attaching the %s subnet %s to the gateway %s: %w", tier, s.ID, g.ID, err)
		}
		recording.Lock()
		n.CloudIDs[keyInterface(tier)] = itf.ID
		recording.Unlock()
		return nil
	})
}

// ReadNetwork implements cloud.Networks. The rules are those the tiers'
// security groups hold; the cloud holds no tags (see the top of this
// file): they are ref's.
func (c *Client) ReadNetwork(ctx context.Context, ref cloud.Network) (cloud.Network, error) {
	if err := c.networkSettings(); err != nil {
		return cloud.Network{}, err
	}
	o, err := c.observe(ctx, ref)
	if err != nil {
		return cloud.Network{}, fmt.Errorf("reading the network %s: %w", ref.ID, err)
	}
	return o.network(ref, c.cfg.Region), nil
}

// observed is a network as the cloud holds it.
type observed struct {
	private     privateNetwork
	openstackID string            // "" when the network is not in the region
	subnets     map[string]subnet // by tier
	gateway     *gateway          // nil without NAT egress
	groups      *secGroups        // the tiers' security groups
	storage     []string          // object storage's addresses, for the groups' rules
}

// observe reads the private network ref.ID names, its subnets in the
// client's region, and its gateway. A network being deleted is not found.
func (c *Client) observe(ctx context.Context, ref cloud.Network) (*observed, error) {
	if ref.ID == "" {
		return nil, fmt.Errorf("no private network id: %w", cloud.ErrNotFound)
	}
	pn, err := c.getNetwork(ctx, ref.ID)
	if err != nil {
		return nil, fmt.Errorf("reading the private network: %w", err)
	}
	if pn.Status == networkDeleting {
		return nil, fmt.Errorf("the private network %s is being deleted: %w", pn.ID, cloud.ErrNotFound)
	}
	o := &observed{private: pn, subnets: map[string]subnet{}}
	r, ok := pn.in(c.cfg.Region)
	if !ok {
		return o, nil // nothing of it lives in the region
	}
	o.openstackID = r.OpenstackID
	all, regional, err := c.listSubnetsAndGateways(ctx, pn.ID)
	if err != nil {
		return nil, err
	}
	var here []subnet
	for _, s := range all {
		if s.inRegion(c.cfg.Region) {
			here = append(here, s)
		}
	}
	o.subnets = tiersOf(here, ref)
	gateways := attachedGateways(regional, o.openstackID, here, ref.CloudIDs[keyGateway])
	o.gateway = pickGateway(gateways, ref.CloudIDs[keyGateway], gatewayName(pn.Name))
	if o.groups, err = c.readSecurityGroups(ctx, pn.ID, ref.CloudIDs); err != nil {
		return nil, err
	}
	if len(o.groups.byTier) > 0 {
		// Unresolved, a rule to object storage reads as the addresses it
		// names: drift, which the next apply reports with the cause.
		o.storage, _ = c.objectStorageCIDRs(ctx)
	}
	return o, nil
}

// pickGateway chooses the network's gateway should several be attached to
// it: the one the caller knows, else the one named after the network, else
// the first.
func pickGateway(gateways []gateway, knownID, name string) *gateway {
	if len(gateways) == 0 {
		return nil
	}
	for _, same := range []func(g gateway) bool{
		func(g gateway) bool { return g.ID == knownID },
		func(g gateway) bool { return g.Name == name },
	} {
		if i := slices.IndexFunc(gateways, same); i >= 0 {
			return &gateways[i]
		}
	}
	return &gateways[0]
}

// attachedGateways keeps, of the region's gateways all, those attached to
// the network: with an interface on its OpenStack network or in one of its
// subnets, and the one the caller knows (knownID) even if nothing attaches
// it any more.
func attachedGateways(all []gateway, openstackID string, subnets []subnet, knownID string) []gateway {
	var out []gateway
	for _, g := range all {
		attached := g.ID == knownID
		for _, itf := range g.Interfaces {
			attached = attached || (openstackID != "" && itf.NetworkID == openstackID) ||
				slices.ContainsFunc(subnets, func(s subnet) bool { return s.ID == itf.SubnetID })
		}
		if attached {
			out = append(out, g)
		}
	}
	return out
}

// tiersOf tells which subnet is which tier. Subnets have no name in the API
// v1, so a subnet is the tier whose subnet the caller knows (ref: the last
// state) by id, else by block. When the caller knows no subnet at all
// (after an import), the subnets take the tiers in ascending address order,
// the order of cloud.DefaultSubnets; a layout chosen otherwise is then
// misread until the state is corrected.
func tiersOf(subnets []subnet, ref cloud.Network) map[string]subnet {
	out := map[string]subnet{}
	known := map[string]cloud.Subnet{}
	for _, tier := range cloud.Tiers {
		s := ref.Subnets[tier]
		if s.ID == "" {
			s.ID = ref.CloudIDs[keySubnet(tier)]
		}
		if s.ID != "" || s.CIDR != "" {
			known[tier] = s
		}
	}
	if len(known) == 0 {
		sorted := slices.Clone(subnets)
		sort.Slice(sorted, func(i, j int) bool { return addressOf(sorted[i].CIDR).Less(addressOf(sorted[j].CIDR)) })
		for i, s := range sorted {
			if i < len(cloud.Tiers) {
				out[cloud.Tiers[i]] = s
			}
		}
		return out
	}
	taken := map[string]bool{}
	match := func(same func(s subnet, k cloud.Subnet) bool) {
		for _, tier := range cloud.Tiers {
			k, ok := known[tier]
			if _, done := out[tier]; !ok || done {
				continue
			}
			for _, s := range subnets {
				if !taken[s.ID] && same(s, k) {
					out[tier], taken[s.ID] = s, true
					break
				}
			}
		}
	}
	match(func(s subnet, k cloud.Subnet) bool { return k.ID != "" && s.ID == k.ID })
	match(func(s subnet, k cloud.Subnet) bool { return k.CIDR != "" && s.CIDR == k.CIDR })
	return out
}

func addressOf(cidr string) netip.Addr {
	p, _ := netip.ParsePrefix(cidr)
	return p.Addr()
}

// network is o as a cloud.Network; ref gives what the cloud does not hold.
func (o *observed) network(ref cloud.Network, region string) cloud.Network {
	n := cloud.Network{
		ID:               o.private.ID,
		Name:             o.private.Name,
		CIDR:             ref.CIDR,
		Region:           region,
		Subnets:          map[string]cloud.Subnet{},
		Tags:             ref.Tags, // the API holds no tags: see the top of this file
		RulesEnforcement: cloud.EnforcedBySecurityGroups,
		StoragePath:      cloud.StorageViaGateway,
		CloudIDs:         map[string]string{keyNetwork: o.private.ID},
	}
	if o.openstackID != "" {
		n.CloudIDs[keyOpenstack] = o.openstackID
	}
	var blocks []string
	for tier, s := range o.subnets {
		n.Subnets[tier] = cloud.Subnet{ID: s.ID, CIDR: s.CIDR}
		n.CloudIDs[keySubnet(tier)] = s.ID
		blocks = append(blocks, s.CIDR)
	}
	if n.CIDR == "" {
		n.CIDR = coveringBlock(blocks)
	}
	n.Rules = []cloud.Rule{}
	if o.groups != nil {
		n.Rules = o.groups.rules(o.storage)
		o.groups.record(&n)
	}
	if g := o.gateway; g != nil {
		n.NATEgress, n.EgressIPs = true, g.publicIPs()
		n.CloudIDs[keyGateway] = g.ID
		for tier, s := range o.subnets {
			if itf := g.interfaceIn(s.ID); itf != nil {
				n.CloudIDs[keyInterface(tier)] = itf.ID
			}
		}
	}
	return n
}

// coveringBlock is the smallest IPv4 block holding all blocks, or "".
func coveringBlock(blocks []string) string {
	var cover netip.Prefix
	for _, b := range blocks {
		p, err := netip.ParsePrefix(b)
		if err != nil || !p.Addr().Is4() {
			continue
		}
		if !cover.IsValid() {
			cover = p.Masked()
			continue
		}
		for bits := min(cover.Bits(), p.Bits()); bits >= 0; bits-- {
			if wider := netip.PrefixFrom(cover.Addr(), bits).Masked(); wider.Contains(p.Addr()) {
				cover = wider
				break
			}
		}
	}
	if !cover.IsValid() {
		return ""
	}
	return cover.String()
}

// UpdateNetwork implements cloud.Networks: it renames the private network,
// makes the subnets deleted out of band again, makes or deletes the
// gateway as NAT egress turns on or off, attaching every tier to it, and
// brings the security groups and their rules to the spec's. Tags are the
// spec's: the cloud holds none.
func (c *Client) UpdateNetwork(ctx context.Context, current cloud.Network, spec cloud.NetworkSpec) (cloud.Network, error) {
	if err := c.networkSettings(); err != nil {
		return current, err
	}
	o, err := c.observe(ctx, current)
	if err != nil {
		return current, fmt.Errorf("reading the network %s before updating it: %w", current.ID, err)
	}
	n := o.network(current, c.cfg.Region)
	n.Tags = spec.Tags
	if err := c.converge(ctx, &n, o, spec); err != nil {
		return n, fmt.Errorf("updating the network %s: %w", current.ID, err)
	}
	read, err := c.ReadNetwork(ctx, n)
	if err != nil {
		return n, fmt.Errorf("reading the network %s back after updating it: %w", current.ID, err)
	}
	return read, nil
}

// converge makes the cloud's network o, recorded in n, what spec asks.
func (c *Client) converge(ctx context.Context, n *cloud.Network, o *observed, spec cloud.NetworkSpec) error {
	if o.private.Name != spec.Name {
		if err := c.renameNetwork(ctx, n.ID, spec.Name); err != nil {
			return fmt.Errorf("renaming the private network %s to %s: %w", n.ID, spec.Name, err)
		}
		n.Name = spec.Name
	}
	missing := slices.DeleteFunc(slices.Clone(cloud.Tiers), func(tier string) bool { _, ok := n.Subnets[tier]; return ok })
	if len(missing) > 0 {
		if o.openstackID == "" {
			return fmt.Errorf("the private network %s is not in the region %s", n.ID, c.cfg.Region)
		}
		if o.private.Status != networkActive {
			if _, err := c.waitNetworkActive(ctx, n.ID); err != nil {
				return err
			}
		}
	}
	for _, tier := range missing {
		cidr, ok := spec.Subnets[tier]
		if !ok {
			return fmt.Errorf("the specification gives no CIDR block for the %s tier", tier)
		}
		if err := c.makeSubnet(ctx, n, tier, cidr); err != nil {
			return err
		}
	}
	if err := c.convergeGateway(ctx, n, o, spec); err != nil {
		return err
	}
	return c.convergeSecurityGroups(ctx, n, cloud.DesiredRules(spec))
}

// convergeGateway makes or deletes the gateway as spec's NAT egress asks,
// and attaches every tier to it.
func (c *Client) convergeGateway(ctx context.Context, n *cloud.Network, o *observed, spec cloud.NetworkSpec) error {
	switch g := o.gateway; {
	case spec.NATEgress && g == nil:
		return c.makeGateway(ctx, n)
	case spec.NATEgress:
		if g.Status == gatewayBuilding {
			active, err := c.waitGatewayActive(ctx, g.ID)
			if err != nil {
				return err
			}
			g = &active
		}
		return c.attachSubnets(ctx, n, *g)
	case g != nil:
		if err := c.removeGateway(ctx, g.ID); err != nil {
			return err
		}
		n.NATEgress, n.EgressIPs = false, nil
		for key := range n.CloudIDs {
			if key == keyGateway || isInterfaceKey(key) {
				delete(n.CloudIDs, key)
			}
		}
	}
	return nil
}

func isInterfaceKey(key string) bool {
	return slices.ContainsFunc(cloud.Tiers, func(tier string) bool { return key == keyInterface(tier) })
}

// DeleteNetwork implements cloud.Networks. It deletes every gateway
// attached to the network (waiting for each deletion's operation), every
// subnet of the network, whoever made them, then the private network, and
// waits until it is gone. Objects already gone count as deleted; conflicts,
// which the API answers while it releases what depended on an object, are
// retried.
func (c *Client) DeleteNetwork(ctx context.Context, n cloud.Network) error {
	if err := c.networkSettings(); err != nil {
		return err
	}
	if err := c.teardown(ctx, n); err != nil {
		return fmt.Errorf("deleting the network %s (%s): %w", n.Name, n.ID, err)
	}
	return nil
}

func (c *Client) teardown(ctx context.Context, n cloud.Network) error {
	if n.ID == "" {
		return nil // the create failed before the private network existed
	}
	// The groups first: they are the network's only objects outside the
	// API v1, found by its id alone.
	if err := c.deleteSecurityGroups(ctx, n.ID, n.CloudIDs); err != nil {
		return err
	}
	pn, err := c.getNetwork(ctx, n.ID)
	if isNotFound(err) {
		// Gone with its subnets; a gateway outlives them only if made
		// elsewhere, but the one the state names goes too.
		if id := n.CloudIDs[keyGateway]; id != "" {
			return c.removeGateway(ctx, id)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading the private network %s: %w", n.ID, err)
	}
	openstackID := n.CloudIDs[keyOpenstack]
	if r, ok := pn.in(c.cfg.Region); ok {
		openstackID = r.OpenstackID
	}
	// The subnets and the gateways are listed at once, the gateways
	// deleted at once (each waits for its operation), then the subnets.
	subnets, regional, err := c.listSubnetsAndGateways(ctx, pn.ID)
	if err != nil {
		return err
	}
	gateways := attachedGateways(regional, openstackID, subnets, n.CloudIDs[keyGateway])
	if err := cloud.Each(ctx, gateways, func(ctx context.Context, g gateway) error { return c.removeGateway(ctx, g.ID) }); err != nil {
		return err
	}
	if err := cloud.Each(ctx, subnets, func(ctx context.Context, s subnet) error {
		return c.remove(ctx, "the subnet "+s.ID, func(ctx context.Context) error { return c.deleteSubnet(ctx, pn.ID, s.ID) })
	}); err != nil {
		return err
	}
	if err := c.remove(ctx, "the private network "+pn.ID, func(ctx context.Context) error { return c.deleteNetwork(ctx, pn.ID) }); err != nil {
		return err
	}
	return c.waitNetworkGone(ctx, pn.ID)
}

// removeGateway deletes a gateway and waits until it is gone.
func (c *Client) removeGateway(ctx context.Context, id string) error {
	var op operation
	err := c.remove(ctx, "the gateway "+id, func(ctx context.Context) error {
		var err error
		op, err = c.deleteGateway(ctx, id)
		return err
	})
	if err != nil || op.ID == "" {
		return err // op.ID is "" when the gateway was already gone
	}
	err = c.waitOperation(ctx, op.ID, "the deletion of the gateway "+id)
	if isNotFound(err) {
		// The API may forget an operation once its work is done: ask the
		// gateway itself.
		return c.waitGatewayGone(ctx, id)
	}
	return err
}

// maxConflictRetries bounds how often a delete is retried while the cloud
// answers a conflict. With the waits of cloud.WaitFor (¼ s growing by half
// to 2 s) it gives the API about three minutes to release things; the
// resource's delete timeout may end it sooner.
const maxConflictRetries = 93

// remove runs del until it succeeds, retrying while the cloud answers a
// conflict; an object already gone counts as removed. what names the
// object in errors.
func (c *Client) remove(ctx context.Context, what string, del func(ctx context.Context) error) error {
	var lastConflict error
	conflicts := 0
	err := cloud.WaitFor(ctx, c.retry, what+" to be released", func(ctx context.Context) (bool, error) {
		err := del(ctx)
		switch {
		case err == nil, isNotFound(err):
			return true, nil
		case errors.Is(err, cloud.ErrConflict) && conflicts < maxConflictRetries:
			conflicts++
			lastConflict = err
			return false, nil
		}
		return false, err
	})
	if err != nil && lastConflict != nil && ctx.Err() != nil {
		return fmt.Errorf("deleting %s: still refused when the time ran out: %w", what, lastConflict)
	}
	if err != nil {
		return fmt.Errorf("deleting %s: %w", what, err)
	}
	return nil
}

// networkSettings checks the settings every network call needs: the
// credentials, the project and the region.
func (c *Client) networkSettings() error {
	err := c.missingSettings(true)
	if c.cfg.Region != "" {
		return err
	}
	var missing *cloud.MissingSettingsError
	if !errors.As(err, &missing) {
		missing = &cloud.MissingSettingsError{Cloud: cloud.OVH}
	}
	missing.Settings = append(missing.Settings, SettingRegion)
	return missing
}

// listSubnetsAndGateways lists a private network's subnets and the region's
// gateways at once.
func (c *Client) listSubnetsAndGateways(ctx context.Context, networkID string) ([]subnet, []gateway, error) {
	var subnets []subnet
	var regional []gateway
	err := cloud.Parallel(ctx,
		func(ctx context.Context) error {
			var err error
			if subnets, err = c.listSubnets(ctx, networkID); err != nil {
				return fmt.Errorf("listing the subnets of the private network %s: %w", networkID, err)
			}
			return nil
		},
		func(ctx context.Context) error {
			var err error
			if regional, err = c.listGateways(ctx, ""); err != nil {
				return fmt.Errorf("listing the gateways of %s: %w", c.cfg.Region, err)
			}
			return nil
		})
	return subnets, regional, err
}
