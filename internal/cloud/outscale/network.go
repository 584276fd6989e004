package outscale

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	osc "github.com/outscale/osc-sdk-go/v2"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// A warehouse network on OUTSCALE is a Net and, inside it:
//
//   - one subnet and one security group per tier, the tier's inbound rules
//     in its group (rules between tiers admit the other tier's group);
//   - an internet service linked to the Net;
//   - a "public" route table for the bastion's subnet, its default route to
//     the internet service, and a "private" one for the other tiers, its
//     default route to a NAT service in the bastion's subnet when the
//     network has NAT egress (the NAT service holds a public IP of its own);
//   - a Net access point to object storage (OOS) on both route tables, so
//     that storage traffic never leaves OUTSCALE's network, and one to the
//     OUTSCALE API on the bastion's route table, for the API logs the
//     bastion pulls (see accessPointKinds).
//
// Every object carries the Name, health:network and health:client-token
// tags and the user's tags; subnets and groups carry health:tier, route
// tables health:route-table. Read recognises the parts by the ids in the
// last state, then by those tags.

// CreateNetwork implements cloud.Networks. It records each object's id in
// the returned Network as soon as the object exists, so that on error the
// Network lists everything made and DeleteNetwork can remove it.
//
// The Net carries cloud.TagCreating, the create's lease, until the create
// returns; a create first deletes the networks of its name whose lease
// has expired, and refuses to go on beside one whose lease runs (see
// cloud.Lease).
func (c *Client) CreateNetwork(ctx context.Context, spec cloud.NetworkSpec) (cloud.Network, error) {
	var lease cloud.Lease
	if spec.ClientToken != "" {
		defer c.creating.Start(spec.ClientToken)()
		lease = cloud.NewLease(ctx, spec.ClientToken, c.now())
	}
	if err := c.removeLeftoverNetworks(ctx, spec.Name); err != nil {
		return cloud.Network{}, fmt.Errorf("creating the network %s: %w", spec.Name, err)
	}
	s := newNetState()
	if err := c.build(ctx, s, spec, lease); err != nil {
		return s.partial(spec, c.cfg.Region), fmt.Errorf("creating the network %s: %w", spec.Name, err)
	}
	if spec.ClientToken != "" {
		if err := c.deleteTags(ctx, []string{s.id(keyNet)}, map[string]string{cloud.TagCreating: lease.Tag()}); err != nil {
			return s.partial(spec, c.cfg.Region), fmt.Errorf("creating the network %s: marking it made: %w", spec.Name, err)
		}
	}
	n, err := c.ReadNetwork(ctx, cloud.Network{ID: s.id(keyNet), CloudIDs: s.ids})
	if err != nil {
		return s.partial(spec, c.cfg.Region), fmt.Errorf("reading the network %s back after creating it: %w", spec.Name, err)
	}
	return n, nil
}

func newNetState() *netState {
	return &netState{
		subnets: map[string]osc.Subnet{},
		groups:  map[string]osc.SecurityGroup{},
		tables:  map[string]osc.RouteTable{},
		ids:     map[string]string{},
		points:  map[string]*osc.NetAccessPoint{},
		// The service ids, read before any rule is opened.
		serviceIDs: map[string]string{},
	}
}

// partial is what a failed create made, as far as it got.
func (s *netState) partial(spec cloud.NetworkSpec, region string) cloud.Network {
	n := s.network(region)
	n.ID, n.Name, n.Tags = s.id(keyNet), spec.Name, spec.Tags
	return n
}

// build makes every object of the network, the independent ones at once:
//
//  1. the Net;
//  2. the subnets, the security groups, the internet service (linked), the
//     two route tables and the NAT's public IP, which need only the Net;
//  3. the rules of the groups, inbound and outbound, the default rule
//     letting everything out of a new group removed; the public default route (its table and the
//     internet service), the subnets' links (subnets and tables), the NAT
//     service (the bastion's subnet and the IP) and the Net access points
//     (the tables);
//  4. the waits for the NAT service and the access points, together, then
//     the private default route through the NAT service.
//
// Every object is recorded in s as soon as it exists, whatever happens to
// the others, so that a failed create returns all it made.
func (c *Client) build(ctx context.Context, s *netState, spec cloud.NetworkSpec, lease cloud.Lease) error {
	for _, tier := range cloud.Tiers {
		if _, ok := spec.Subnets[tier]; !ok {
			return fmt.Errorf("the specification gives no CIDR block for the %s tier", tier)
		}
	}
	t := tagger{spec: spec, token: spec.ClientToken, lease: lease}
	if err := c.makeNet(ctx, s, t); err != nil {
		return err
	}
	var parts []func(ctx context.Context) error
	for _, tier := range cloud.Tiers {
		parts = append(parts,
			func(ctx context.Context) error { return c.makeSubnet(ctx, s, t, tier) },
			func(ctx context.Context) error { return c.makeSecurityGroup(ctx, s, t, tier) })
	}
	for _, role := range routeTableRoles {
		parts = append(parts, func(ctx context.Context) error { return c.makeRouteTable(ctx, s, t, role) })
	}
	parts = append(parts,
		func(ctx context.Context) error { return c.makeInternetService(ctx, s, t) },
		func(ctx context.Context) error { return c.readServiceIDs(ctx, s) })
	if spec.NATEgress {
		parts = append(parts, func(ctx context.Context) error { return c.allocateNATIP(ctx, s, t) })
	}
	if err := cloud.Parallel(ctx, parts...); err != nil {
		return err
	}
	links := []func(ctx context.Context) error{
		// A group made in a Net comes with a rule letting everything out:
		// syncing the rules removes it.
		func(ctx context.Context) error { return c.syncRules(ctx, s, cloud.DesiredRules(spec)) },
		func(ctx context.Context) error { return c.routeToInternet(ctx, s) },
	}
	for _, k := range accessPointKinds {
		links = append(links, func(ctx context.Context) error { return c.startAccessPoint(ctx, s, t, k) })
	}
	for _, tier := range cloud.Tiers {
		links = append(links, func(ctx context.Context) error { return c.linkSubnet(ctx, s, tier) })
	}
	if spec.NATEgress {
		links = append(links, func(ctx context.Context) error { return c.startNAT(ctx, s, t) })
	}
	if err := cloud.Parallel(ctx, links...); err != nil {
		return err
	}
	var waits []func(ctx context.Context) error
	for _, k := range accessPointKinds {
		waits = append(waits, func(ctx context.Context) error { return c.waitAccessPoint(ctx, s, k) })
	}
	if spec.NATEgress {
		waits = append(waits, func(ctx context.Context) error { return c.finishNAT(ctx, s) })
	}
	return cloud.Parallel(ctx, waits...)
}

// tagger computes the tags of the network's objects.
type tagger struct {
	spec  cloud.NetworkSpec
	token string      // the create's client token
	lease cloud.Lease // the mark of the create in progress, on the Net
}

// tags are the tags of the object called name; extra adds its role tags.
func (t tagger) tags(name string, extra map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range t.spec.Tags {
		out[k] = v
	}
	out[cloud.TagName] = name
	out[cloud.TagNetwork] = t.spec.Name
	if t.token != "" {
		out[cloud.TagClientToken] = t.token
	}
	for k, v := range extra {
		out[k] = v
	}
	return out
}

// Names of the parts, from the network's name.
func (t tagger) name(part string) string { return t.spec.Name + "-" + part }

func (c *Client) makeNet(ctx context.Context, s *netState, t tagger) error {
	net, err := c.createNet(ctx, t.spec.CIDR)
	if err != nil {
		return fmt.Errorf("creating the Net %s: %w", t.spec.CIDR, err)
	}
	s.net, s.ids[keyNet] = net, net.GetNetId()
	tags := t.tags(t.spec.Name, nil)
	if t.token != "" {
		tags[cloud.TagCreating] = t.lease.Tag()
	}
	if err := c.createTags(ctx, []string{net.GetNetId()}, tags); err != nil {
		return err
	}
	s.net.Tags = ptr(resourceTags(tags))
	return nil
}

func (c *Client) makeSubnet(ctx context.Context, s *netState, t tagger, tier string) error {
	cidr := t.spec.Subnets[tier]
	sub, err := c.createSubnet(ctx, s.id(keyNet), cidr)
	if err != nil {
		return fmt.Errorf("creating the %s subnet %s in the Net %s: %w", tier, cidr, s.id(keyNet), err)
	}
	s.record(func() {
		s.subnets[tier], s.ids[keySubnet(tier)] = sub, sub.GetSubnetId()
		s.allSubnets = append(s.allSubnets, sub)
	})
	tags := t.tags(t.name(tier), map[string]string{cloud.TagTier: tier})
	if err := c.createTags(ctx, []string{sub.GetSubnetId()}, tags); err != nil {
		return err
	}
	sub.Tags = ptr(resourceTags(tags))
	s.record(func() { s.subnets[tier] = sub })
	return nil
}

// groupDescriptions say what each tier's group protects. OAPI allows only
// letters, digits, spaces and _.-:/()#,@[]+=&;{}!$* in them.
var groupDescriptions = map[string]string{
	cloud.TierBastion: "Warehouse bastion tier: SSH from the administrators only",
	cloud.TierCompute: "Warehouse compute tier: research workloads, SSH from the bastion",
	cloud.TierData:    "Warehouse data tier: object storage path, HTTPS from compute",
	cloud.TierKMS:     "Warehouse kms tier: key manager API from compute, SSH from the bastion",
}

func (c *Client) makeSecurityGroup(ctx context.Context, s *netState, t tagger, tier string) error {
	name := t.name(tier)
	g, err := c.createSecurityGroup(ctx, s.id(keyNet), name, groupDescriptions[tier])
	if err != nil {
		return fmt.Errorf("creating the security group %s in the Net %s: %w", name, s.id(keyNet), err)
	}
	s.record(func() {
		s.groups[tier], s.ids[keySecurityGroup(tier)] = g, g.GetSecurityGroupId()
		s.allGroups = append(s.allGroups, g)
	})
	tags := t.tags(name, map[string]string{cloud.TagTier: tier})
	if err := c.createTags(ctx, []string{g.GetSecurityGroupId()}, tags); err != nil {
		return err
	}
	g.Tags = ptr(resourceTags(tags))
	s.record(func() { s.groups[tier] = g })
	return nil
}

// openRules adds rules to the tiers' groups: one call per group and flow,
// the groups at once.
func (c *Client) openRules(ctx context.Context, s *netState, rules []cloud.Rule) error {
	byGroup := rulesByGroup(rules)
	keys := slices.SortedFunc(maps.Keys(byGroup), compareGroupFlows)
	return cloud.Each(ctx, keys, func(ctx context.Context, key groupFlow) error {
		rs := byGroup[key]
		s.mu.Lock()
		g, ok := s.groups[key.tier]
		specs, err := s.ruleSpecs(rs)
		s.mu.Unlock()
		if !ok {
			return fmt.Errorf("opening %d %s rules on the %s tier: its security group does not exist", len(rs), key.direction, key.tier)
		}
		if err != nil {
			return err
		}
		if err := c.createSecurityGroupRules(ctx, g.GetSecurityGroupId(), key.flow(), specs); err != nil {
			return fmt.Errorf("opening %d %s rules on the security group %s (%s tier): %w", len(rs), key.direction, g.GetSecurityGroupId(), key.tier, err)
		}
		s.record(func() {
			g := s.groups[key.tier]
			if key.direction == cloud.Outbound {
				g.OutboundRules = ptr(slices.Concat(g.GetOutboundRules(), specs))
			} else {
				g.InboundRules = ptr(slices.Concat(g.GetInboundRules(), specs))
			}
			s.groups[key.tier] = g
		})
		return nil
	})
}

// closeRules removes rules from the tiers' groups. A rule already gone is
// what was wanted.
func (c *Client) closeRules(ctx context.Context, s *netState, rules []cloud.Rule) error {
	byGroup := rulesByGroup(rules)
	for _, key := range slices.SortedFunc(maps.Keys(byGroup), compareGroupFlows) {
		rs := byGroup[key]
		s.mu.Lock()
		g, ok := s.groups[key.tier]
		specs, err := s.ruleSpecs(rs)
		s.mu.Unlock()
		if !ok {
			continue
		}
		if err != nil {
			return err
		}
		if err := c.deleteSecurityGroupRules(ctx, g.GetSecurityGroupId(), key.flow(), specs); err != nil && !isNotFound(err) {
			return fmt.Errorf("closing %d %s rules on the security group %s (%s tier): %w", len(rs), key.direction, g.GetSecurityGroupId(), key.tier, err)
		}
	}
	return nil
}

// groupFlow is one flow of one tier's security group.
type groupFlow struct {
	tier      string
	direction string // cloud.Inbound or cloud.Outbound
}

// flow is OAPI's name of the direction.
func (k groupFlow) flow() string {
	if k.direction == cloud.Outbound {
		return flowOutbound
	}
	return flowInbound
}

func compareGroupFlows(a, b groupFlow) int {
	if c := strings.Compare(a.tier, b.tier); c != 0 {
		return c
	}
	return strings.Compare(a.direction, b.direction)
}

// rulesByGroup groups rules by tier and direction.
func rulesByGroup(rules []cloud.Rule) map[groupFlow][]cloud.Rule {
	out := map[groupFlow][]cloud.Rule{}
	for _, r := range rules {
		k := groupFlow{tier: r.Tier, direction: cloud.Inbound}
		if r.IsOutbound() {
			k.direction = cloud.Outbound
		}
		out[k] = append(out[k], r)
	}
	return out
}

func (c *Client) makeInternetService(ctx context.Context, s *netState, t tagger) error {
	igw, err := c.createInternetService(ctx)
	if err != nil {
		return fmt.Errorf("creating the internet service: %w", err)
	}
	id := igw.GetInternetServiceId()
	s.record(func() { s.internet, s.ids[keyInternetService] = &igw, id })
	tags := t.tags(t.spec.Name, nil)
	if err := c.createTags(ctx, []string{id}, tags); err != nil {
		return err
	}
	igw.Tags = ptr(resourceTags(tags))
	if err := c.linkInternetService(ctx, id, s.id(keyNet)); err != nil {
		return fmt.Errorf("linking the internet service %s to the Net %s: %w", id, s.id(keyNet), err)
	}
	igw.NetId = ptr(s.id(keyNet))
	return nil
}

// makeRouteTable makes the public or the private route table. The public
// one gets its default route to the internet service with routeToInternet;
// the private one its default route with the NAT service.
func (c *Client) makeRouteTable(ctx context.Context, s *netState, t tagger, role string) error {
	rt, err := c.createRouteTable(ctx, s.id(keyNet))
	if err != nil {
		return fmt.Errorf("creating the %s route table in the Net %s: %w", role, s.id(keyNet), err)
	}
	id := rt.GetRouteTableId()
	s.record(func() {
		s.tables[role], s.ids[keyRouteTable(role)] = rt, id
		s.allTables = append(s.allTables, rt)
	})
	tags := t.tags(t.name(role), map[string]string{tagRouteTable: role})
	if err := c.createTags(ctx, []string{id}, tags); err != nil {
		return err
	}
	rt.Tags = ptr(resourceTags(tags))
	s.record(func() { s.tables[role] = rt })
	return nil
}

// routeToInternet routes everything else from the public route table to the
// internet service.
func (c *Client) routeToInternet(ctx context.Context, s *netState) error {
	id, igw := s.id(keyRouteTable(rolePublic)), s.id(keyInternetService)
	if err := c.createRoute(ctx, id, anywhere, routeTarget{internetServiceID: igw}); err != nil {
		return fmt.Errorf("routing %s to the internet service %s in the route table %s: %w", anywhere, igw, id, err)
	}
	return nil
}

// linkSubnet links a tier's subnet to its route table.
func (c *Client) linkSubnet(ctx context.Context, s *netState, tier string) error {
	role := routeTableRole(tier)
	s.mu.Lock()
	sub, rt := s.subnets[tier], s.tables[role]
	s.mu.Unlock()
	if err := c.linkRouteTable(ctx, rt.GetRouteTableId(), sub.GetSubnetId()); err != nil {
		return fmt.Errorf("linking the %s subnet %s to the %s route table %s: %w", tier, sub.GetSubnetId(), role, rt.GetRouteTableId(), err)
	}
	s.record(func() {
		rt := s.tables[role]
		rt.LinkRouteTables = ptr(slices.Concat(rt.GetLinkRouteTables(), []osc.LinkRouteTable{{RouteTableId: rt.RouteTableId, SubnetId: sub.SubnetId}}))
		s.tables[role] = rt
		for i := range s.allTables {
			if s.allTables[i].GetRouteTableId() == rt.GetRouteTableId() {
				s.allTables[i] = rt
			}
		}
	})
	return nil
}

// natClientToken is the NAT service's idempotency token: derived from the
// create's token and the public IP, so that a retried call finds the NAT
// service the first one made, and turning NAT egress off and on again
// makes a new one.
func natClientToken(token, publicIPID string) string {
	if token == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(token + "|nat|" + publicIPID))
	return hex.EncodeToString(sum[:16])
}

// enableNAT gives the network its NAT egress: a public IP, a NAT service
// in the bastion's subnet (public: it routes to the internet service), and
// the private route table's default route through it.
func (c *Client) enableNAT(ctx context.Context, s *netState, t tagger) error {
	if err := c.allocateNATIP(ctx, s, t); err != nil {
		return err
	}
	if err := c.startNAT(ctx, s, t); err != nil {
		return err
	}
	return c.finishNAT(ctx, s)
}

// allocateNATIP allocates the NAT service's public IP.
func (c *Client) allocateNATIP(ctx context.Context, s *netState, t tagger) error {
	ip, err := c.createPublicIP(ctx)
	if err != nil {
		return fmt.Errorf("allocating the NAT service's public IP: %w", err)
	}
	ipID := ip.GetPublicIpId()
	s.record(func() { s.natIP, s.ids[keyNatPublicIP] = &ip, ipID })
	return c.createTags(ctx, []string{ipID}, t.tags(t.name("nat"), nil))
}

// startNAT makes the NAT service in the bastion's subnet with the public IP.
func (c *Client) startNAT(ctx context.Context, s *netState, t tagger) error {
	s.mu.Lock()
	sub, ip := s.subnets[cloud.TierBastion], s.natIP
	s.mu.Unlock()
	ipID := ip.GetPublicIpId()
	nat, err := c.createNatService(ctx, sub.GetSubnetId(), ipID, natClientToken(t.token, ipID))
	if err != nil {
		return fmt.Errorf("creating the NAT service in the subnet %s with the public IP %s: %w", sub.GetSubnetId(), ip.GetPublicIp(), err)
	}
	natID := nat.GetNatServiceId()
	s.record(func() { s.nat, s.ids[keyNatService] = &nat, natID })
	return c.createTags(ctx, []string{natID}, t.tags(t.name("nat"), nil))
}

// finishNAT waits until the NAT service is available and routes the
// private route table's default route through it.
func (c *Client) finishNAT(ctx context.Context, s *netState) error {
	natID := s.id(keyNatService)
	if err := c.waitNatService(ctx, natID); err != nil {
		return err
	}
	s.mu.Lock()
	private, ok := s.tables[rolePrivate]
	s.mu.Unlock()
	if !ok {
		return nil // the route comes with the table, should it be made again
	}
	// A default route may remain from a NAT service deleted earlier: a
	// deleted NAT service leaves its routes behind.
	for _, r := range private.GetRoutes() {
		if r.GetDestinationIpRange() == anywhere {
			if err := c.deleteRoute(ctx, private.GetRouteTableId(), anywhere); err != nil && !isNotFound(err) {
				return fmt.Errorf("removing the stale default route of the route table %s: %w", private.GetRouteTableId(), err)
			}
		}
	}
	if err := c.createRoute(ctx, private.GetRouteTableId(), anywhere, routeTarget{natServiceID: natID}); err != nil {
		return fmt.Errorf("routing %s to the NAT service %s in the route table %s: %w", anywhere, natID, private.GetRouteTableId(), err)
	}
	return nil
}

// waitNatService waits until the NAT service is available.
func (c *Client) waitNatService(ctx context.Context, id string) error {
	return cloud.WaitFor(ctx, c.retry, "the NAT service "+id+" to become available", func(ctx context.Context) (bool, error) {
		nats, err := c.readNatServices(ctx, osc.FiltersNatService{NatServiceIds: ids(id)})
		if err != nil {
			return false, fmt.Errorf("reading the NAT service %s: %w", id, err)
		}
		if len(nats) == 0 {
			return false, fmt.Errorf("the NAT service %s disappeared while it was being created: %w", id, cloud.ErrNotFound)
		}
		switch state := nats[0].GetState(); state {
		case "available":
			return true, nil
		case "pending":
			return false, nil
		default:
			return false, fmt.Errorf("the NAT service %s is %s instead of becoming available", id, state)
		}
	})
}

// disableNAT removes the NAT egress: the default route through the NAT
// service, the NAT service (waiting until it is gone, since it holds its
// public IP until then), and its public IP if the network allocated it:
// recordedIP is the address the last state recorded.
func (c *Client) disableNAT(ctx context.Context, s *netState, token, recordedIP string) error {
	natID := s.nat.GetNatServiceId()
	if private, ok := s.tables[rolePrivate]; ok {
		for _, r := range private.GetRoutes() {
			if r.GetDestinationIpRange() == anywhere && r.GetNatServiceId() == natID {
				if err := c.deleteRoute(ctx, private.GetRouteTableId(), anywhere); err != nil && !isNotFound(err) {
					return fmt.Errorf("removing the default route to the NAT service %s: %w", natID, err)
				}
			}
		}
	}
	if err := c.deleteNatServices(ctx, s.id(keyNet), []string{natID}); err != nil {
		return err
	}
	if s.natIP == nil {
		return nil
	}
	ipID := s.natIP.GetPublicIpId()
	if ipID != recordedIP && !ownedBy(s.natIP.GetTags(), token) {
		return nil // an address the user brought stays theirs
	}
	return c.remove(ctx, "the public IP "+ipID, func(ctx context.Context) error { return c.deletePublicIP(ctx, ipID) })
}

// ownedBy says whether an object carries the network's client token: the
// public IPs the network allocated, as opposed to ones a user brought.
func ownedBy(tags []osc.ResourceTag, token string) bool {
	return token != "" && tagValue(tags, cloud.TagClientToken) == token
}

// startAccessPoint makes the Net access point k on its route tables: a
// private path to its service; waitAccessPoint waits until it is ready.
func (c *Client) startAccessPoint(ctx context.Context, s *netState, t tagger, k accessPointKind) error {
	var tables []string
	s.mu.Lock()
	for _, role := range k.roles {
		if rt, ok := s.tables[role]; ok {
			tables = append(tables, rt.GetRouteTableId())
		}
	}
	s.mu.Unlock()
	service := c.service(k)
	nap, err := c.createNetAccessPoint(ctx, s.id(keyNet), service, tables)
	if err != nil {
		return fmt.Errorf("creating the Net access point to %s in the Net %s: %w", service, s.id(keyNet), err)
	}
	id := nap.GetNetAccessPointId()
	s.record(func() { s.points[k.key], s.ids[k.key] = &nap, id })
	return c.createTags(ctx, []string{id}, t.tags(t.name(k.part), nil))
}

func (c *Client) waitAccessPoint(ctx context.Context, s *netState, k accessPointKind) error {
	id := s.id(k.key)
	return cloud.WaitFor(ctx, c.retry, "the Net access point "+id+" to become available", func(ctx context.Context) (bool, error) {
		points, err := c.readNetAccessPoints(ctx, osc.FiltersNetAccessPoint{NetAccessPointIds: ids(id)})
		if err != nil {
			return false, fmt.Errorf("reading the Net access point %s: %w", id, err)
		}
		if len(points) == 0 {
			return false, fmt.Errorf("the Net access point %s disappeared while it was being created: %w", id, cloud.ErrNotFound)
		}
		switch state := points[0].GetState(); state {
		case "available":
			return true, nil
		case "pending":
			return false, nil
		default:
			return false, fmt.Errorf("the Net access point %s is %s instead of becoming available", id, state)
		}
	})
}

// restoreAccessPoints makes again the Net access points the network lacks
// (deleted out of band, or a network made before the API's existed), on
// the route tables that exist, and waits until they are ready.
func (c *Client) restoreAccessPoints(ctx context.Context, s *netState, t tagger) error {
	var missing []accessPointKind
	for _, k := range accessPointKinds {
		if s.points[k.key] == nil {
			missing = append(missing, k)
		}
	}
	return cloud.Each(ctx, missing, func(ctx context.Context, k accessPointKind) error {
		if err := c.startAccessPoint(ctx, s, t, k); err != nil {
			return err
		}
		return c.waitAccessPoint(ctx, s, k)
	})
}

func ptr[T any](v T) *T { return &v }

// removeLeftoverNetworks deletes the networks called name that a create
// which died left behind: their Net still carries cloud.TagCreating, whose
// lease has expired. A network whose lease runs may be another live run's:
// it is left alone, and the create refused (cloud.InProgressError). The
// internet service such a create may have made and not linked yet carries
// its token.
func (c *Client) removeLeftoverNetworks(ctx context.Context, name string) error {
	nets, err := c.readNetsTagged(ctx, osc.FiltersNet{Tags: &[]string{cloud.TagNetwork + "=" + name}, TagKeys: &[]string{cloud.TagCreating}})
	if err != nil {
		return fmt.Errorf("looking for what an interrupted create of %s left: %w", name, err)
	}
	for _, net := range nets {
		lease := cloud.ParseLeaseTag(tagValue(net.GetTags(), cloud.TagCreating))
		if tagValue(net.GetTags(), cloud.TagNetwork) != name || c.creating.Running(lease.Token) {
			continue
		}
		if !lease.Abandoned(c.now(), c.takeOver) {
			return &cloud.InProgressError{Kind: "network", Name: name, Lease: lease, Objects: []string{net.GetNetId() + " (Net)"}}
		}
		left := cloud.Network{ID: net.GetNetId(), Name: name, CloudIDs: map[string]string{keyNet: net.GetNetId()}}
		services, err := readAll(ctx, c, "ReadInternetServices", func(ctx context.Context, page string) ([]osc.InternetService, string, *http.Response, error) {
			resp, httpResp, err := c.api.InternetServiceApi.ReadInternetServices(ctx).ReadInternetServicesRequest(osc.ReadInternetServicesRequest{
				Filters: &osc.FiltersInternetService{Tags: &[]string{cloud.TagClientToken + "=" + lease.Token}}, NextPageToken: pageToken(page)}).Execute()
			return resp.GetInternetServices(), resp.GetNextPageToken(), httpResp, err
		})
		if err != nil {
			return fmt.Errorf("looking for the internet service of the interrupted create of %s: %w", name, err)
		}
		if len(services) > 0 {
			left.CloudIDs[keyInternetService] = services[0].GetInternetServiceId()
		}
		if err := c.DeleteNetwork(ctx, left); err != nil {
			return fmt.Errorf("deleting the Net %s an interrupted create of %s left: %w", net.GetNetId(), name, err)
		}
	}
	return nil
}
