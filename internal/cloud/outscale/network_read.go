package outscale

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	osc "github.com/outscale/osc-sdk-go/v2"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// Keys of cloud.Network.CloudIDs on OUTSCALE (documented on cloud.Network).
const (
	keyNet             = "net"
	keyInternetService = "internet_service"
	keyNatPublicIP     = "public_ip.nat"
	keyNatService      = "nat_service"
	keyNetAccessPoint  = cloud.CloudIDStorageAccessPoint
	keyAPIAccessPoint  = cloud.CloudIDAPIAccessPoint
)

// accessPointKind is one of the network's Net access points: the
// CloudIDs key it is recorded under, the rule peer that names its service,
// the part of its Name tag, and the route tables it is on.
type accessPointKind struct {
	key   string
	peer  string // cloud.ServiceObjectStorage or cloud.ServiceAPI
	part  string
	roles []string
}

// accessPointKinds are the network's Net access points: object storage on
// both route tables, the API on the route tables of cloud.APITiers (the
// bastion's public one).
var accessPointKinds = []accessPointKind{
	{key: keyNetAccessPoint, peer: cloud.ServiceObjectStorage, part: "storage", roles: routeTableRoles},
	{key: keyAPIAccessPoint, peer: cloud.ServiceAPI, part: "api", roles: tierRoles(cloud.APITiers)},
}

// tierRoles are the route tables the tiers' subnets are linked to.
func tierRoles(tiers []string) []string {
	var out []string
	for _, role := range routeTableRoles {
		for _, tier := range tiers {
			if routeTableRole(tier) == role {
				out = append(out, role)
				break
			}
		}
	}
	return out
}

// service is the Net access point service of k in the client's Region.
func (c *Client) service(k accessPointKind) string {
	if k.peer == cloud.ServiceAPI {
		return c.apiService()
	}
	return c.storageService()
}

func keySubnet(tier string) string        { return "subnet." + tier }
func keySecurityGroup(tier string) string { return "security_group." + tier }
func keyRouteTable(role string) string    { return "route_table." + role }

// The two route tables of a warehouse network: the bastion's subnet goes
// out through the internet service, the others through the NAT service.
const (
	rolePublic  = "public"
	rolePrivate = "private"
)

var routeTableRoles = []string{rolePublic, rolePrivate}

// routeTableRole is the table a tier's subnet is linked to.
func routeTableRole(tier string) string {
	if tier == cloud.TierBastion {
		return rolePublic
	}
	return rolePrivate
}

// tagRouteTable says which of the two a route table is, so that a Read
// after an import can tell them apart. Like every health:* key it is
// reserved, and left out of the user's tags.
const tagRouteTable = "health:route-table"

// anywhere is the destination of default routes.
const anywhere = "0.0.0.0/0"

// netState is a warehouse network as the cloud holds it: the raw objects,
// each recognised in its part.
type netState struct {
	// mu guards the fields while a create makes parts at once (see build).
	mu  sync.Mutex
	net osc.Net
	// Every subnet, security group and route table of the Net, the user's
	// own and the default ones included.
	allSubnets []osc.Subnet
	allGroups  []osc.SecurityGroup
	allTables  []osc.RouteTable
	// The warehouse's parts, by tier or role.
	subnets  map[string]osc.Subnet
	groups   map[string]osc.SecurityGroup
	tables   map[string]osc.RouteTable
	internet *osc.InternetService
	nat      *osc.NatService
	natIP    *osc.PublicIp
	// points are the live Net access points, by their CloudIDs key (see
	// accessPointKinds).
	points map[string]*osc.NetAccessPoint
	// serviceIDs are the service ids (pl-…) of object storage and of the
	// API by rule peer (cloud.ServiceObjectStorage, cloud.ServiceAPI),
	// which outbound rules to them name.
	serviceIDs map[string]string
	// ids are the Network's CloudIDs.
	ids map[string]string
}

// record changes s under its lock.
func (s *netState) record(change func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	change()
}

// id is the id of the part key, read under the lock.
func (s *netState) id(key string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ids[key]
}

// netID is the Net a reference names: its ID, or after a failed create the
// id recorded in its CloudIDs.
func netID(ref cloud.Network) string {
	if ref.ID != "" {
		return ref.ID
	}
	return ref.CloudIDs[keyNet]
}

// readState reads everything of the network ref names. Objects are
// recognised by the ids the last state recorded, then by their health:*
// tags (after an import, or for objects whose id never reached the state).
// It returns an ErrNotFound when the Net is gone.
func (c *Client) readState(ctx context.Context, ref cloud.Network) (*netState, error) {
	id := netID(ref)
	if id == "" {
		return nil, fmt.Errorf("the network has no Net id to read: %w", cloud.ErrNotFound)
	}
	// An unknown id comes back as an empty list or as InvalidResource,
	// which classify already makes an ErrNotFound.
	nets, err := c.readNets(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("reading the Net %s: %w", id, err)
	}
	if len(nets) == 0 {
		return nil, fmt.Errorf("the Net %s does not exist: %w", id, cloud.ErrNotFound)
	}
	s := &netState{net: nets[0], ids: map[string]string{keyNet: id}, points: map[string]*osc.NetAccessPoint{},
		serviceIDs: map[string]string{}}
	known := map[string]string{}
	for key, v := range ref.CloudIDs {
		known[v] = key
	}
	// The Net's parts are read at once: each read needs only the Net.
	err = cloud.Parallel(ctx,
		func(ctx context.Context) error {
			all, err := c.readSubnets(ctx, id)
			if err != nil {
				return fmt.Errorf("reading the subnets of the Net %s: %w", id, err)
			}
			roles := assignRoles(all, func(x osc.Subnet) string { return x.GetSubnetId() },
				func(x osc.Subnet) []osc.ResourceTag { return x.GetTags() }, known, keySubnet(""), cloud.TagTier, cloud.Tiers)
			s.record(func() {
				s.allSubnets, s.subnets = all, roles
				for tier, sub := range roles {
					s.ids[keySubnet(tier)] = sub.GetSubnetId()
				}
			})
			return nil
		},
		func(ctx context.Context) error {
			all, err := c.readSecurityGroups(ctx, id)
			if err != nil {
				return fmt.Errorf("reading the security groups of the Net %s: %w", id, err)
			}
			roles := assignRoles(all, func(x osc.SecurityGroup) string { return x.GetSecurityGroupId() },
				func(x osc.SecurityGroup) []osc.ResourceTag { return x.GetTags() }, known,
				keySecurityGroup(""), cloud.TagTier, cloud.Tiers)
			s.record(func() {
				s.allGroups, s.groups = all, roles
				for tier, g := range roles {
					s.ids[keySecurityGroup(tier)] = g.GetSecurityGroupId()
				}
			})
			return nil
		},
		func(ctx context.Context) error {
			all, err := c.readRouteTables(ctx, id)
			if err != nil {
				return fmt.Errorf("reading the route tables of the Net %s: %w", id, err)
			}
			roles := assignRoles(all, func(x osc.RouteTable) string { return x.GetRouteTableId() },
				func(x osc.RouteTable) []osc.ResourceTag { return x.GetTags() }, known,
				keyRouteTable(""), tagRouteTable, routeTableRoles)
			s.record(func() {
				s.allTables, s.tables = all, roles
				for role, t := range roles {
					s.ids[keyRouteTable(role)] = t.GetRouteTableId()
				}
			})
			return nil
		},
		func(ctx context.Context) error {
			// The internet service linked to the Net, or the one a failed
			// create made and had not linked yet.
			services, err := c.readInternetServices(ctx, id, ref.CloudIDs[keyInternetService])
			if err != nil {
				return fmt.Errorf("reading the internet service of the Net %s: %w", id, err)
			}
			for i := range services {
				if services[i].GetNetId() == id || services[i].GetInternetServiceId() == ref.CloudIDs[keyInternetService] {
					s.record(func() {
						s.internet = &services[i]
						s.ids[keyInternetService] = services[i].GetInternetServiceId()
					})
					break
				}
			}
			return nil
		},
		func(ctx context.Context) error {
			nats, err := c.readNatServices(ctx, osc.FiltersNatService{NetIds: ids(id)})
			if err != nil {
				return fmt.Errorf("reading the NAT services of the Net %s: %w", id, err)
			}
			nat := pickOne(activeNatServices(nats), func(x osc.NatService) string { return x.GetNatServiceId() }, ref.CloudIDs[keyNatService])
			natIPID := ref.CloudIDs[keyNatPublicIP]
			if nat != nil {
				s.record(func() { s.nat, s.ids[keyNatService] = nat, nat.GetNatServiceId() })
				if lights := nat.GetPublicIps(); len(lights) > 0 {
					natIPID = lights[0].GetPublicIpId()
				}
			}
			// The NAT's address, or the address a failed create allocated
			// before it could make the NAT service.
			if natIPID == "" {
				return nil
			}
			addresses, err := c.readPublicIPs(ctx, natIPID)
			if err != nil {
				return fmt.Errorf("reading the public IP %s of the NAT service: %w", natIPID, err)
			}
			if len(addresses) > 0 {
				s.record(func() { s.natIP, s.ids[keyNatPublicIP] = &addresses[0], natIPID })
			}
			return nil
		},
		func(ctx context.Context) error { return c.readServiceIDs(ctx, s) },
		func(ctx context.Context) error {
			services := make([]string, 0, len(accessPointKinds))
			for _, k := range accessPointKinds {
				services = append(services, c.service(k))
			}
			points, err := c.readNetAccessPoints(ctx, osc.FiltersNetAccessPoint{NetIds: ids(id), ServiceNames: &services})
			if err != nil {
				return fmt.Errorf("reading the Net access points of the Net %s: %w", id, err)
			}
			for _, k := range accessPointKinds {
				// One being deleted (out of band, say) no longer carries
				// traffic: the network lacks it.
				var live []osc.NetAccessPoint
				for _, p := range points {
					if state := p.GetState(); p.GetServiceName() == c.service(k) && state != "deleting" && state != "deleted" {
						live = append(live, p)
					}
				}
				if ap := pickOne(live, func(x osc.NetAccessPoint) string { return x.GetNetAccessPointId() }, ref.CloudIDs[k.key]); ap != nil {
					s.record(func() { s.points[k.key], s.ids[k.key] = ap, ap.GetNetAccessPointId() })
				}
			}
			return nil
		})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// readServiceIDs records in s the service ids of the access points'
// services.
func (c *Client) readServiceIDs(ctx context.Context, s *netState) error {
	for _, k := range accessPointKinds {
		id, err := c.serviceID(ctx, c.service(k))
		if err != nil {
			return err
		}
		s.record(func() { s.serviceIDs[k.peer] = id })
	}
	return nil
}

// storageService is the Net access point service of object storage (OOS)
// in the configured Region.
func (c *Client) storageService() string {
	return "com.outscale." + c.cfg.Region + ".oos"
}

// apiService is the Net access point service of the OUTSCALE API in the
// configured Region, which ReadNetAccessPointServices documents beside
// OOS (the OAPI spec's example). That it carries the traffic of
// https://api.<region>.outscale.com, the bastion's API logs pull, once
// its route is on the bastion's route table is unverified on a real
// account.
func (c *Client) apiService() string {
	return "com.outscale." + c.cfg.Region + ".api"
}

// activeNatServices drops the NAT services on their way out: a "deleting"
// one no longer carries traffic.
func activeNatServices(nats []osc.NatService) []osc.NatService {
	var out []osc.NatService
	for _, n := range nats {
		if state := n.GetState(); state == "pending" || state == "available" {
			out = append(out, n)
		}
	}
	return out
}

// pickOne returns the item whose id is preferred, else the first by id, or
// nil when there is none.
func pickOne[T any](items []T, id func(T) string, preferred string) *T {
	if len(items) == 0 {
		return nil
	}
	sorted := slices.Clone(items)
	sort.SliceStable(sorted, func(i, j int) bool { return id(sorted[i]) < id(sorted[j]) })
	for i := range sorted {
		if id(sorted[i]) == preferred {
			return &sorted[i]
		}
	}
	return &sorted[0]
}

// assignRoles recognises, among items, the one playing each role: first by
// the ids the last state recorded under prefix+role, then by the value of
// their tag roleTag. Each item plays at most one role, each role is played
// by at most one item (the smallest id wins among look-alikes).
func assignRoles[T any](items []T, id func(T) string, tags func(T) []osc.ResourceTag, known map[string]string,
	prefix, roleTag string, roles []string) map[string]T {
	sorted := slices.Clone(items)
	sort.SliceStable(sorted, func(i, j int) bool { return id(sorted[i]) < id(sorted[j]) })
	out := map[string]T{}
	used := map[string]bool{}
	for _, it := range sorted {
		key, ok := known[id(it)]
		role := strings.TrimPrefix(key, prefix)
		if !ok || !strings.HasPrefix(key, prefix) || !slices.Contains(roles, role) {
			continue
		}
		if _, taken := out[role]; !taken {
			out[role], used[id(it)] = it, true
		}
	}
	for _, it := range sorted {
		role := tagValue(tags(it), roleTag)
		if used[id(it)] || !slices.Contains(roles, role) {
			continue
		}
		if _, taken := out[role]; !taken {
			out[role], used[id(it)] = it, true
		}
	}
	return out
}

func tagValue(tags []osc.ResourceTag, key string) string {
	for _, t := range tags {
		if t.Key == key {
			return t.Value
		}
	}
	return ""
}

// tagMap turns OAPI tags into a map.
func tagMap(tags []osc.ResourceTag) map[string]string {
	out := make(map[string]string, len(tags))
	for _, t := range tags {
		out[t.Key] = t.Value
	}
	return out
}

// reservedTag says whether a tag key belongs to the provider: Name and the
// health:* keys. Users' tags are all the others.
func reservedTag(key string) bool {
	return key == cloud.TagName || strings.HasPrefix(key, "health:")
}

// ReadNetwork implements cloud.Networks.
func (c *Client) ReadNetwork(ctx context.Context, ref cloud.Network) (cloud.Network, error) {
	s, err := c.readState(ctx, ref)
	if err != nil {
		return cloud.Network{}, err
	}
	return s.network(c.cfg.Region), nil
}

// network is the state as the contract describes it.
func (s *netState) network(region string) cloud.Network {
	tags := map[string]string{}
	for k, v := range tagMap(s.net.GetTags()) {
		if !reservedTag(k) {
			tags[k] = v
		}
	}
	n := cloud.Network{
		ID:               s.net.GetNetId(),
		Name:             tagValue(s.net.GetTags(), cloud.TagName),
		CIDR:             s.net.GetIpRange(),
		Region:           region,
		Subnets:          map[string]cloud.Subnet{},
		Rules:            s.rules(),
		NATEgress:        s.nat != nil,
		Tags:             tags,
		RulesEnforcement: cloud.EnforcedBySecurityGroups,
		StoragePath:      cloud.StorageViaNetAccessPoint,
		CloudIDs:         s.ids,
	}
	for tier, sub := range s.subnets {
		group := s.groups[tier]
		n.Subnets[tier] = cloud.Subnet{
			ID:              sub.GetSubnetId(),
			CIDR:            sub.GetIpRange(),
			SecurityGroupID: group.GetSecurityGroupId(),
			RouteTableID:    s.linkedTable(sub.GetSubnetId()),
		}
	}
	if s.nat != nil {
		for _, light := range s.nat.GetPublicIps() {
			n.EgressIPs = append(n.EgressIPs, light.GetPublicIp())
		}
		sort.Strings(n.EgressIPs)
	}
	return n
}

// linkedTable is the route table explicitly linked to a subnet, or "" when
// the subnet falls back on the Net's main table.
func (s *netState) linkedTable(subnetID string) string {
	for _, t := range s.allTables {
		for _, l := range t.GetLinkRouteTables() {
			if l.GetSubnetId() == subnetID {
				return t.GetRouteTableId()
			}
		}
	}
	return ""
}

// tierOfGroup is the tier whose security group id is, or "".
func (s *netState) tierOfGroup(id string) string {
	for tier, g := range s.groups {
		if g.GetSecurityGroupId() == id {
			return tier
		}
	}
	return ""
}

// rules are the inbound and outbound rules of the tiers' security groups,
// sorted. A rule naming a group that is not a tier's keeps the group's id
// as its peer, and a service other than object storage and the API its
// service id, so that they show as opened outside this configuration.
func (s *netState) rules() []cloud.Rule {
	var out []cloud.Rule
	for tier, g := range s.groups {
		out = append(out, s.groupRules(tier, g)...)
	}
	cloud.SortRules(out)
	return out
}

// groupRules are the inbound and outbound rules of g as rules of tier,
// their peers named as rules() names them: a group that is no tier's by its
// id (a workspace's included: no tier's rule names one).
func (s *netState) groupRules(tier string, g osc.SecurityGroup) []cloud.Rule {
	var out []cloud.Rule
	for _, flow := range []struct {
		direction string
		rules     []osc.SecurityGroupRule
	}{{cloud.Inbound, g.GetInboundRules()}, {cloud.Outbound, g.GetOutboundRules()}} {
		for _, r := range flow.rules {
			base := cloud.Rule{Tier: tier, Direction: flow.direction, Protocol: r.GetIpProtocol(),
				FromPort: int(r.GetFromPortRange()), ToPort: int(r.GetToPortRange())}
			var peers []string
			peers = append(peers, r.GetIpRanges()...)
			for _, m := range r.GetSecurityGroupsMembers() {
				if t := s.tierOfGroup(m.GetSecurityGroupId()); t != "" {
					peers = append(peers, cloud.TierSource(t))
				} else {
					peers = append(peers, m.GetSecurityGroupId())
				}
			}
			for _, id := range r.GetServiceIds() {
				for peer, serviceID := range s.serviceIDs {
					if id == serviceID && serviceID != "" {
						id = peer
						break
					}
				}
				peers = append(peers, id)
			}
			for _, peer := range peers {
				rule := base
				if flow.direction == cloud.Outbound {
					rule.Destination = peer
				} else {
					rule.Source = peer
				}
				rule.Purpose = cloud.RulePurpose(rule)
				out = append(out, rule)
			}
		}
	}
	return out
}

// ruleSpec is a cloud.Rule as OAPI takes it, its source or destination
// resolved.
func (s *netState) ruleSpec(r cloud.Rule) (osc.SecurityGroupRule, error) {
	spec := osc.SecurityGroupRule{IpProtocol: osc.PtrString(r.Protocol)}
	if r.Protocol != "-1" { // every protocol takes no ports, as the official provider sends it
		spec.FromPortRange = osc.PtrInt32(int32(r.FromPort)) // ports and ICMP codes fit in an int32
		spec.ToPortRange = osc.PtrInt32(int32(r.ToPort))
	}
	peer := r.Peer()
	switch tier, isTier := strings.CutPrefix(peer, "tier:"); {
	case isTier:
		g, ok := s.groups[tier]
		if !ok {
			return spec, fmt.Errorf("the rule %s names the %s tier, whose security group does not exist", r.Key(), tier)
		}
		spec.SecurityGroupsMembers = &[]osc.SecurityGroupsMember{{SecurityGroupId: osc.PtrString(g.GetSecurityGroupId())}}
	case peer == cloud.ServiceObjectStorage || peer == cloud.ServiceAPI:
		id := s.serviceIDs[peer]
		if id == "" {
			return spec, fmt.Errorf("the rule %s names %s, whose service id was not read", r.Key(), peer)
		}
		spec.ServiceIds = &[]string{id}
	case strings.HasPrefix(peer, "sg-"):
		spec.SecurityGroupsMembers = &[]osc.SecurityGroupsMember{{SecurityGroupId: osc.PtrString(peer)}}
	case strings.HasPrefix(peer, "pl-"):
		spec.ServiceIds = &[]string{peer}
	default:
		spec.IpRanges = &[]string{peer}
	}
	return spec, nil
}

// ruleSpecs resolves rules, gathering under one OAPI rule the sources of
// the same protocol and ports, as OAPI lists them.
func (s *netState) ruleSpecs(rules []cloud.Rule) ([]osc.SecurityGroupRule, error) {
	var out []osc.SecurityGroupRule
	index := map[string]int{}
	for _, r := range rules {
		spec, err := s.ruleSpec(r)
		if err != nil {
			return nil, err
		}
		key := fmt.Sprintf("%s|%d|%d", r.Protocol, r.FromPort, r.ToPort)
		i, ok := index[key]
		if !ok {
			index[key] = len(out)
			out = append(out, spec)
			continue
		}
		merged := &out[i]
		if spec.IpRanges != nil {
			merged.IpRanges = appendList(merged.IpRanges, *spec.IpRanges...)
		}
		if spec.SecurityGroupsMembers != nil {
			members := merged.GetSecurityGroupsMembers()
			members = append(members, *spec.SecurityGroupsMembers...)
			merged.SecurityGroupsMembers = &members
		}
		if spec.ServiceIds != nil {
			merged.ServiceIds = appendList(merged.ServiceIds, *spec.ServiceIds...)
		}
	}
	return out, nil
}

func appendList(list *[]string, values ...string) *[]string {
	var out []string
	if list != nil {
		out = append(out, *list...)
	}
	out = append(out, values...)
	return &out
}

// isNotFound says whether err means the object is already gone.
func isNotFound(err error) bool { return errors.Is(err, cloud.ErrNotFound) }
