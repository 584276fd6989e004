package ovh

import (
	"net/netip"
	"slices"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// A private network in its regions: the routes the official provider's
// ovh_cloud_project_network_private uses to change a network's regions, and
// the regional view of its OpenStack networks and subnets that
// ovh_cloud_project_network_private_subnet_v2 uses.
//
//   - POST /network/private/{networkId}/region {region} adds a region: the
//     network is BUILDING again until the region is ready. A region the
//     network already has is refused with a message the provider matches
//     ("already activated") to go on.
//   - GET and DELETE /region/{regionName}/network/{networkId} read and
//     remove the network's OpenStack network in one region ({networkId} is
//     the OpenStack id); its subnets there go with it, as with Neutron, and
//     a network that still has ports (a gateway, an instance) is refused.
//   - /region/{regionName}/network/{networkId}/subnet lists, reads, makes
//     and deletes subnets in the shape of cloud.project.Subnet. Making one
//     there is newer than the June 2024 schema: its body is the official
//     provider's CloudProjectNetworkPrivateV2CreateOpts, and the answer the
//     subnet itself, which the provider reads as CloudProjectNetworkPrivateV2Response.

// hostRoute is a subnet's static route (the provider's HostRoute).
type hostRoute struct {
	Destination string `json:"destination"`
	NextHop     string `json:"nextHop"`
}

// allocationPool is cloud.project.AllocationPool.
type allocationPool struct {
	End   string `json:"end"`
	Start string `json:"start"`
}

// apiProjectNetwork is cloud.project.Network.
type apiProjectNetwork struct {
	ID         string  `json:"id"`
	Name       string  `json:"name"`
	Region     *string `json:"region"`
	Visibility string  `json:"visibility"`
	VlanID     *int64  `json:"vlanId"`
}

// apiProjectSubnet is cloud.project.Subnet, with the newer dnsNameServers
// and hostRoutes the official provider reads.
type apiProjectSubnet struct {
	AllocationPools []allocationPool `json:"allocationPools"`
	CIDR            string           `json:"cidr"`
	DHCPEnabled     bool             `json:"dhcpEnabled"`
	DNSNameServers  []string         `json:"dnsNameServers"`
	GatewayIP       *string          `json:"gatewayIp"`
	HostRoutes      []hostRoute      `json:"hostRoutes"`
	ID              string           `json:"id"`
	IPVersion       int64            `json:"ipVersion"`
	Name            string           `json:"name"`
}

func (s subnetRecord) regionalView() apiProjectSubnet {
	v := apiProjectSubnet{AllocationPools: []allocationPool{}, CIDR: s.CIDR, DHCPEnabled: s.DHCPEnabled,
		DNSNameServers: append([]string{}, s.DNSNameServers...), GatewayIP: s.GatewayIP,
		HostRoutes: append([]hostRoute{}, s.HostRoutes...), ID: s.ID, IPVersion: 4, Name: s.Name}
	for _, p := range s.IPPools {
		v.AllocationPools = append(v.AllocationPools, allocationPool{Start: p.Start, End: p.End})
	}
	return v
}

// networkRegionRoutes are the routes above.
func networkRegionRoutes() map[string]route {
	const project = "/1.0/cloud/project/{serviceName}"
	const regional = project + "/region/{regionName}/network/{networkId}"
	return map[string]route{
		"POST " + project + "/network/private/{networkId}/region": {serve: addNetworkRegion},
		"GET " + regional:                           {serve: getRegionalNetwork},
		"DELETE " + regional:                        {serve: deleteRegionalNetwork},
		"GET " + regional + "/subnet":               {serve: listRegionalSubnets},
		"POST " + regional + "/subnet":              {serve: createRegionalSubnet},
		"GET " + regional + "/subnet/{subnetId}":    {serve: getRegionalSubnet},
		"DELETE " + regional + "/subnet/{subnetId}": {serve: deleteRegionalSubnet},
	}
}

func addNetworkRegion(c *call) (any, error) {
	var req struct {
		Region *string `json:"region"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := mandatory(property{"region", req.Region != nil}); err != nil {
		return nil, err
	}
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		n, err := loadNetwork(tx, p, c.r.PathValue("networkId"))
		if err != nil {
			return nil, err
		}
		region := *req.Region
		if !slices.Contains(p.Regions, region) {
			return nil, errBadRequest("Region %s is not available for project %s", region, p.ID) // unverified
		}
		if _, ok := n.inRegion(region); ok {
			// The official provider goes on when the message says "already
			// activated"; the rest of the wording is unverified.
			return nil, errBadRequest("Private network %s is already activated in region %s", n.ID, region)
		}
		if n.Status == statusDeleting {
			return nil, errConflict("The private network %s is being deleted", n.ID) // unverified
		}
		n.Regions = append(n.Regions, networkRegion{Region: region, Status: statusBuilding, OpenstackID: newUUID()})
		n.Status, n.Since = statusBuilding, c.clock()
		return n.view(), store.Put(tx, collNetworks, n.ID, n)
	})
}

// regionalNetwork finds the private network whose OpenStack network in the
// path's region is {networkId}.
func (c *call) regionalNetwork(tx store.Tx, p Project) (networkRecord, networkRegion, error) {
	region, err := c.regionParam(p)
	if err != nil {
		return networkRecord{}, networkRegion{}, err
	}
	id, err := c.uuidParam("networkId")
	if err != nil {
		return networkRecord{}, networkRegion{}, err
	}
	all, err := listInProject[networkRecord](tx, collNetworks, p.ID)
	if err != nil {
		return networkRecord{}, networkRegion{}, err
	}
	for _, n := range all {
		if nr, ok := n.inRegion(region); ok && nr.OpenstackID == id && n.Status != statusDeleting {
			return n, nr, nil
		}
	}
	return networkRecord{}, networkRegion{}, errNotFound("Network %s does not exist in region %s", id, region) // unverified wording
}

func getRegionalNetwork(c *call) (any, error) {
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		n, nr, err := c.regionalNetwork(tx, p)
		if err != nil {
			return nil, err
		}
		region, vlan := nr.Region, n.VlanID
		return apiProjectNetwork{ID: nr.OpenstackID, Name: n.Name, Region: &region, Visibility: "private", VlanID: &vlan}, nil
	})
}

// deleteRegionalNetwork takes the private network out of one region.
func deleteRegionalNetwork(c *call) (any, error) {
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		n, nr, err := c.regionalNetwork(tx, p)
		if err != nil {
			return nil, err
		}
		subnets, err := subnetsOf(tx, p, n.ID)
		if err != nil {
			return nil, err
		}
		for _, s := range subnets {
			if s.Region != nr.Region {
				continue
			}
			if err := subnetInUse(tx, p, s); err != nil {
				// Neutron's NetworkInUse (409), passed on (unverified).
				return nil, errConflict("Unable to complete operation on network %s. There are one or more ports still in use on the network.", nr.OpenstackID)
			}
		}
		for _, s := range subnets {
			if s.Region == nr.Region {
				if err := tx.Delete(collSubnets, s.ID); err != nil {
					return nil, err
				}
			}
		}
		n.Regions = slices.DeleteFunc(n.Regions, func(r networkRegion) bool { return r.Region == nr.Region })
		return nil, store.Put(tx, collNetworks, n.ID, n)
	})
}

// regionalSubnets lists the subnets of the path's OpenStack network.
func (c *call) regionalSubnets(tx store.Tx, p Project) (networkRecord, networkRegion, []subnetRecord, error) {
	n, nr, err := c.regionalNetwork(tx, p)
	if err != nil {
		return n, nr, nil, err
	}
	all, err := subnetsOf(tx, p, n.ID)
	if err != nil {
		return n, nr, nil, err
	}
	var out []subnetRecord
	for _, s := range all {
		if s.Region == nr.Region {
			out = append(out, s)
		}
	}
	return n, nr, out, nil
}

func listRegionalSubnets(c *call) (any, error) {
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		_, _, subnets, err := c.regionalSubnets(tx, p)
		if err != nil {
			return nil, err
		}
		out := []apiProjectSubnet{}
		for _, s := range subnets {
			out = append(out, s.regionalView())
		}
		return out, nil
	})
}

// regionalSubnet finds {subnetId} in the path's OpenStack network.
func (c *call) regionalSubnet(tx store.Tx, p Project) (subnetRecord, error) {
	_, nr, subnets, err := c.regionalSubnets(tx, p)
	if err != nil {
		return subnetRecord{}, err
	}
	id, err := c.uuidParam("subnetId")
	if err != nil {
		return subnetRecord{}, err
	}
	i := slices.IndexFunc(subnets, func(s subnetRecord) bool { return s.ID == id })
	if i < 0 {
		return subnetRecord{}, errNotFound("Subnet %s does not exist in network %s", id, nr.OpenstackID) // unverified wording
	}
	return subnets[i], nil
}

func getRegionalSubnet(c *call) (any, error) {
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		s, err := c.regionalSubnet(tx, p)
		if err != nil {
			return nil, err
		}
		return s.regionalView(), nil
	})
}

func deleteRegionalSubnet(c *call) (any, error) {
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		s, err := c.regionalSubnet(tx, p)
		if err != nil {
			return nil, err
		}
		if err := subnetInUse(tx, p, s); err != nil {
			return nil, err
		}
		return nil, tx.Delete(collSubnets, s.ID)
	})
}

// regionalSubnetCreation is the official provider's
// CloudProjectNetworkPrivateV2CreateOpts.
type regionalSubnetCreation struct {
	Name                        *string          `json:"name"`
	CIDR                        *string          `json:"cidr"`
	IPVersion                   *int64           `json:"ipVersion"`
	AllocationPools             []allocationPool `json:"allocationPools"`
	DNSNameServers              []string         `json:"dnsNameServers"`
	HostRoutes                  []hostRoute      `json:"hostRoutes"`
	EnableDHCP                  *bool            `json:"enableDhcp"`
	GatewayIP                   *string          `json:"gatewayIp"`
	EnableGatewayIP             *bool            `json:"enableGatewayIp"`
	UseDefaultPublicDNSResolver *bool            `json:"useDefaultPublicDNSResolver"`
}

func createRegionalSubnet(c *call) (any, error) {
	var req regionalSubnetCreation
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := mandatory(property{"cidr", req.CIDR != nil}); err != nil {
		return nil, err
	}
	if req.IPVersion != nil && *req.IPVersion != 4 {
		return nil, errBadRequest("[ipVersion] The emulator makes IPv4 subnets only")
	}
	withGateway := req.EnableGatewayIP == nil || *req.EnableGatewayIP
	layout, pools, err := parseRegionalLayout(*req.CIDR, req.AllocationPools, req.GatewayIP, withGateway)
	if err != nil {
		return nil, err
	}
	for _, ns := range req.DNSNameServers {
		if a, err := netip.ParseAddr(ns); err != nil || !a.Is4() {
			return nil, errBadRequest("[dnsNameServers] Given data (%s) is not an IPv4 address", ns)
		}
	}
	for _, hr := range req.HostRoutes {
		dst, err1 := netip.ParsePrefix(hr.Destination)
		hop, err2 := netip.ParseAddr(hr.NextHop)
		if err1 != nil || err2 != nil || !dst.Addr().Is4() || !layout.cidr.Contains(hop) {
			return nil, errBadRequest("[hostRoutes] Invalid host route %s via %s", hr.Destination, hr.NextHop) // unverified
		}
	}
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		n, nr, siblings, err := c.regionalSubnets(tx, p)
		if err != nil {
			return nil, err
		}
		if nr.Status != statusActive {
			return nil, errBadRequest("The private network %s is not ready in region %s yet (status %s): wait until it is %s",
				n.ID, nr.Region, nr.Status, statusActive) // unverified, as for the v1 route
		}
		for _, s := range siblings {
			if other := netip.MustParsePrefix(s.CIDR); other.Overlaps(layout.cidr) {
				return nil, errBadRequest("Invalid input for operation: Requested subnet with cidr: %s for network: %s overlaps with another subnet.",
					layout.cidr, nr.OpenstackID)
			}
		}
		dhcp := req.EnableDHCP != nil && *req.EnableDHCP
		s := subnetRecord{owner: owner{p.ID}, NetworkID: n.ID, Region: nr.Region, apiSubnet: apiSubnet{
			ID: newUUID(), CIDR: layout.cidr.String(), DHCPEnabled: dhcp}, DNSNameServers: req.DNSNameServers, HostRoutes: req.HostRoutes}
		if req.Name != nil {
			s.Name = *req.Name
		}
		for _, pool := range pools {
			s.IPPools = append(s.IPPools, ipPool{DHCP: dhcp, Start: pool.Start, End: pool.End, Network: s.CIDR, Region: nr.Region})
		}
		if layout.gateway.IsValid() {
			ip := layout.gateway.String()
			s.GatewayIP = &ip
		}
		return s.regionalView(), store.Put(tx, collSubnets, s.ID, s)
	})
}

// parseRegionalLayout checks a regional subnet's block, allocation pools
// and gateway as Neutron does: pools inside the block, apart from each
// other and from the gateway; without pools, the block's usable addresses
// but the gateway's; the gateway the block's first usable address unless
// given. Unverified wording.
func parseRegionalLayout(cidr string, asked []allocationPool, gatewayIP *string, withGateway bool) (subnetLayout, []allocationPool, error) {
	var layout subnetLayout
	var err error
	layout.cidr, err = netip.ParsePrefix(cidr)
	if err != nil || !layout.cidr.Addr().Is4() {
		return layout, nil, errBadRequest("[cidr] Given data (%s) is not an IPv4 block such as 192.168.1.0/24", cidr)
	}
	if layout.cidr.Masked() != layout.cidr {
		return layout, nil, errBadRequest("[cidr] %s has host bits set: the block starts at %s", cidr, layout.cidr.Masked())
	}
	first, last := layout.cidr.Addr().Next(), lastAddress(layout.cidr).Prev()
	if !first.IsValid() || !last.IsValid() || last.Less(first) {
		return layout, nil, errBadRequest("[cidr] %s is too small for a subnet", cidr)
	}
	if withGateway {
		layout.gateway = first
		if gatewayIP != nil {
			g, err := netip.ParseAddr(*gatewayIP)
			if err != nil || g.Less(first) || last.Less(g) {
				return layout, nil, errBadRequest("[gatewayIp] %s is not a usable address of %s", *gatewayIP, cidr)
			}
			layout.gateway = g
		}
	}
	type span struct{ start, end netip.Addr }
	var spans []span
	for _, p := range asked {
		start, err1 := netip.ParseAddr(p.Start)
		end, err2 := netip.ParseAddr(p.End)
		if err1 != nil || err2 != nil || start.Less(first) || last.Less(end) || end.Less(start) {
			return layout, nil, errBadRequest("The allocation pool %s-%s spans beyond the subnet cidr %s.", p.Start, p.End, cidr)
		}
		if layout.gateway.IsValid() && !layout.gateway.Less(start) && !end.Less(layout.gateway) {
			return layout, nil, errBadRequest("Gateway ip %s conflicts with allocation pool %s-%s", layout.gateway, p.Start, p.End)
		}
		for _, o := range spans {
			if !end.Less(o.start) && !o.end.Less(start) {
				return layout, nil, errBadRequest("Found overlapping allocation pools: %s-%s and %s-%s", o.start, o.end, start, end)
			}
		}
		spans = append(spans, span{start, end})
	}
	if len(spans) == 0 {
		switch g := layout.gateway; {
		case !g.IsValid() || last.Less(g) || g.Less(first):
			spans = []span{{first, last}}
		default:
			if first.Less(g) {
				spans = append(spans, span{first, g.Prev()})
			}
			if g.Less(last) {
				spans = append(spans, span{g.Next(), last})
			}
		}
	}
	if len(spans) == 0 {
		return layout, nil, errBadRequest("[cidr] %s leaves no address besides the gateway", cidr)
	}
	pools := make([]allocationPool, 0, len(spans))
	for _, sp := range spans {
		pools = append(pools, allocationPool{Start: sp.start.String(), End: sp.end.String()})
	}
	layout.start, layout.end = spans[0].start, spans[len(spans)-1].end
	return layout, pools, nil
}
