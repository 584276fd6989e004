package ovh

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// Private networks on the vRack and their subnets: the v1 routes under
// /cloud/project/{serviceName}/network/private.
//
// A read answers the state an object is in, then moves it one step on (see
// Options.Pace): a new network answers BUILDING to its creation and to its
// first read, ACTIVE from then on; a deleted network answers DELETING to the
// next read, and is gone after it. Lists count as reads of every object they
// show. States also move on with time, as on the real cloud: a network left
// BUILDING or DELETING for pace.Hold moves on at the next call of anything
// (transient.go). Adding a region makes the network BUILDING again until
// the region is ready.
//
// Objects are stored one collection per kind, keyed by their API id, next
// to the project they belong to:
//
//	ovh.networks/pn-1234567_1  {"project":"…","id":"pn-1234567_1","name":…}
const (
	collNetworks = "ovh.networks"
	collSubnets  = "ovh.subnets"
)

// Network statuses (cloud.network.NetworkStatusEnum; regions only know the
// first two).
const (
	statusBuilding = "BUILDING"
	statusActive   = "ACTIVE"
	statusDeleting = "DELETING"
)

// maxVlanID is the largest VLAN id the API takes ("between 0 and 4000",
// cloud.ProjectNetworkPrivateCreation).
const maxVlanID = 4000

// apiNetwork is cloud.network.Network.
type apiNetwork struct {
	ID      string          `json:"id"`
	Name    string          `json:"name"`
	VlanID  int64           `json:"vlanId"`
	Type    string          `json:"type"`
	Status  string          `json:"status"`
	Regions []networkRegion `json:"regions"`
}

// networkRegion is cloud.network.NetworkRegion: the OpenStack network that
// carries the private network in one region.
type networkRegion struct {
	Region      string `json:"region"`
	Status      string `json:"status"`
	OpenstackID string `json:"openstackId"`
}

type networkRecord struct {
	owner
	apiNetwork
	// Since is when the network entered its status.
	Since time.Time `json:"since"`
}

func (n networkRecord) view() apiNetwork {
	v := n.apiNetwork
	v.Regions = append([]networkRegion{}, n.Regions...)
	return v
}

// inRegion returns the network's presence in region.
func (n networkRecord) inRegion(region string) (networkRegion, bool) {
	for _, r := range n.Regions {
		if r.Region == region {
			return r, true
		}
	}
	return networkRegion{}, false
}

// answered moves the network one step on after a read showed it, and
// stores the result.
func (n networkRecord) answered(tx store.Tx) error {
	switch n.Status {
	case statusBuilding:
		n.Status = statusActive
		for i := range n.Regions {
			n.Regions[i].Status = statusActive
		}
		return store.Put(tx, collNetworks, n.ID, n)
	case statusDeleting:
		return tx.Delete(collNetworks, n.ID)
	}
	return nil
}

// networkID is the API's form of a private network id, "pn-<digits>_<vlan>".
// The digits identify the project's vRack on the real API; here they derive
// from the project id, so that ids are stable across restarts.
func networkID(project string, vlan int64) string {
	sum := sha256.Sum256([]byte("vrack:" + project))
	return fmt.Sprintf("pn-%d_%d", 1_000_000+binary.BigEndian.Uint32(sum[:4])%9_000_000, vlan)
}

func loadNetwork(tx store.Tx, p Project, id string) (networkRecord, error) {
	n, found, err := getInProject[networkRecord](tx, collNetworks, id, p.ID)
	if err != nil {
		return n, err
	}
	if !found {
		return n, errNotFound("The private network %s does not exist", id) // unverified wording
	}
	return n, nil
}

func listNetworks(c *call) (any, error) {
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		all, err := listInProject[networkRecord](tx, collNetworks, p.ID)
		if err != nil {
			return nil, err
		}
		out := []apiNetwork{}
		for _, n := range all {
			out = append(out, n.view())
			if err := c.advance(collNetworks, n.ID, n.Status, func() error { return n.answered(tx) }); err != nil {
				return nil, err
			}
		}
		return out, nil
	})
}

func createNetwork(c *call) (any, error) {
	var req struct {
		Name    *string  `json:"name"`
		Regions []string `json:"regions"`
		VlanID  *int64   `json:"vlanId"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := mandatory(property{"name", req.Name != nil}); err != nil {
		return nil, err
	}
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		// "No parameters means all region" (the schema's description).
		regions := p.Regions
		if len(req.Regions) > 0 {
			regions = nil
			for _, r := range req.Regions {
				if !slices.Contains(p.Regions, r) {
					return nil, errBadRequest("Region %s is not available for project %s", r, p.ID) // unverified
				}
				if !slices.Contains(regions, r) {
					regions = append(regions, r)
				}
			}
		}
		existing, err := listInProject[networkRecord](tx, collNetworks, p.ID)
		if err != nil {
			return nil, err
		}
		// A VLAN is taken by the project's networks, and, should another
		// project's digits be the same, by an id already stored.
		taken := func(vlan int64) bool {
			_, stored := tx.Get(collNetworks, networkID(p.ID, vlan))
			return stored || slices.ContainsFunc(existing, func(n networkRecord) bool { return n.VlanID == vlan })
		}
		var vlan int64
		if req.VlanID != nil {
			vlan = *req.VlanID
			if vlan < 0 || vlan > maxVlanID {
				return nil, errBadRequest("[vlanId] %d is not between 0 and %d", vlan, maxVlanID) // unverified
			}
			if taken(vlan) {
				return nil, errConflict("The VLAN %d is already used by another private network of project %s", vlan, p.ID) // unverified
			}
		} else {
			// Unverified: the real API's choice when vlanId is left out is
			// not documented; the lowest free id from 1 is a guess.
			for vlan = 1; taken(vlan); vlan++ {
				if vlan == maxVlanID {
					return nil, errConflict("Every VLAN id of project %s is in use", p.ID)
				}
			}
		}
		n := networkRecord{owner: owner{p.ID}, apiNetwork: apiNetwork{
			ID:     networkID(p.ID, vlan),
			Name:   *req.Name,
			VlanID: vlan,
			Type:   "private",
			Status: statusBuilding,
		}, Since: c.clock()}
		for _, r := range regions {
			n.Regions = append(n.Regions, networkRegion{Region: r, Status: statusBuilding, OpenstackID: newUUID()})
		}
		return n.view(), store.Put(tx, collNetworks, n.ID, n)
	})
}

func getNetwork(c *call) (any, error) {
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		n, err := loadNetwork(tx, p, c.r.PathValue("networkId"))
		if err != nil {
			return nil, err
		}
		return n.view(), c.advance(collNetworks, n.ID, n.Status, func() error { return n.answered(tx) })
	})
}

func renameNetwork(c *call) (any, error) {
	var req struct {
		Name *string `json:"name"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := mandatory(property{"name", req.Name != nil}); err != nil {
		return nil, err
	}
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		n, err := loadNetwork(tx, p, c.r.PathValue("networkId"))
		if err != nil {
			return nil, err
		}
		n.Name = *req.Name
		return nil, store.Put(tx, collNetworks, n.ID, n)
	})
}

func deleteNetwork(c *call) (any, error) {
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		n, err := loadNetwork(tx, p, c.r.PathValue("networkId"))
		if err != nil {
			return nil, err
		}
		subnets, err := subnetsOf(tx, p, n.ID)
		if err != nil {
			return nil, err
		}
		if len(subnets) > 0 {
			// Unverified: the real answer to deleting a network that
			// still has subnets was not found.
			return nil, errConflict("The private network %s still has %d subnets (first %s): delete them first",
				n.ID, len(subnets), subnets[0].ID)
		}
		n.Status, n.Since = statusDeleting, c.clock()
		return nil, store.Put(tx, collNetworks, n.ID, n)
	})
}

// apiSubnet is cloud.network.Subnet.
type apiSubnet struct {
	ID          string   `json:"id"`
	CIDR        string   `json:"cidr"`
	GatewayIP   *string  `json:"gatewayIp"`
	DHCPEnabled bool     `json:"dhcpEnabled"`
	IPPools     []ipPool `json:"ipPools"`
}

// ipPool is cloud.network.IPPool: the addresses DHCP hands out in a region.
type ipPool struct {
	DHCP    bool   `json:"dhcp"`
	End     string `json:"end"`
	Network string `json:"network"`
	Region  string `json:"region"`
	Start   string `json:"start"`
}

type subnetRecord struct {
	owner
	NetworkID string `json:"network_id"` // the private network (pn-…)
	Region    string `json:"region"`
	apiSubnet
	// What only the regional routes show (network_region.go).
	Name           string      `json:"name,omitempty"`
	DNSNameServers []string    `json:"dns_name_servers,omitempty"`
	HostRoutes     []hostRoute `json:"host_routes,omitempty"`
}

func (s subnetRecord) view() apiSubnet {
	v := s.apiSubnet
	v.IPPools = append([]ipPool{}, s.IPPools...)
	return v
}

// subnetsOf lists the subnets of a private network, in every region.
func subnetsOf(tx store.Tx, p Project, networkID string) ([]subnetRecord, error) {
	all, err := listInProject[subnetRecord](tx, collSubnets, p.ID)
	if err != nil {
		return nil, err
	}
	var out []subnetRecord
	for _, s := range all {
		if s.NetworkID == networkID {
			out = append(out, s)
		}
	}
	return out, nil
}

func listSubnets(c *call) (any, error) {
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		n, err := loadNetwork(tx, p, c.r.PathValue("networkId"))
		if err != nil {
			return nil, err
		}
		subnets, err := subnetsOf(tx, p, n.ID)
		if err != nil {
			return nil, err
		}
		out := []apiSubnet{}
		for _, s := range subnets {
			out = append(out, s.view())
		}
		return out, nil
	})
}

func createSubnet(c *call) (any, error) {
	var req struct {
		DHCP      *bool   `json:"dhcp"`
		End       *string `json:"end"`
		Network   *string `json:"network"`
		NoGateway *bool   `json:"noGateway"`
		Region    *string `json:"region"`
		Start     *string `json:"start"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := mandatory(property{"dhcp", req.DHCP != nil}, property{"end", req.End != nil},
		property{"network", req.Network != nil}, property{"noGateway", req.NoGateway != nil},
		property{"region", req.Region != nil}, property{"start", req.Start != nil}); err != nil {
		return nil, err
	}
	layout, err := parseSubnetLayout(*req.Network, *req.Start, *req.End, !*req.NoGateway)
	if err != nil {
		return nil, err
	}
	region := *req.Region
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		n, err := loadNetwork(tx, p, c.r.PathValue("networkId"))
		if err != nil {
			return nil, err
		}
		if !slices.Contains(p.Regions, region) {
			return nil, errBadRequest("Region %s is not available for project %s", region, p.ID) // unverified
		}
		nr, ok := n.inRegion(region)
		if !ok {
			return nil, errBadRequest("The private network %s is not enabled in region %s", n.ID, region) // unverified
		}
		if nr.Status != statusActive {
			// Unverified: the real API may accept the call and fail later;
			// refusing it makes a client that does not wait fail loudly.
			return nil, errBadRequest("The private network %s is not ready in region %s yet (status %s): wait until it is %s",
				n.ID, region, nr.Status, statusActive)
		}
		siblings, err := subnetsOf(tx, p, n.ID)
		if err != nil {
			return nil, err
		}
		for _, s := range siblings {
			if other := netip.MustParsePrefix(s.CIDR); s.Region == region && other.Overlaps(layout.cidr) {
				// Neutron's wording, which the API passes on (unverified).
				return nil, errBadRequest("Invalid input for operation: Requested subnet with cidr: %s for network: %s overlaps with another subnet.",
					layout.cidr, nr.OpenstackID)
			}
		}
		s := subnetRecord{owner: owner{p.ID}, NetworkID: n.ID, Region: region, apiSubnet: apiSubnet{
			ID:          newUUID(),
			CIDR:        layout.cidr.String(),
			DHCPEnabled: *req.DHCP,
			IPPools: []ipPool{{DHCP: *req.DHCP, End: layout.end.String(), Network: layout.cidr.String(),
				Region: region, Start: layout.start.String()}},
		}}
		if layout.gateway.IsValid() {
			ip := layout.gateway.String()
			s.GatewayIP = &ip
		}
		return s.view(), store.Put(tx, collSubnets, s.ID, s)
	})
}

// subnetLayout is a subnet's block, its DHCP range and its gateway address
// (the zero Addr when it has none).
type subnetLayout struct {
	cidr                netip.Prefix
	start, end, gateway netip.Addr
}

// parseSubnetLayout checks a subnet's block and range the way Neutron,
// behind the API, does: an IPv4 block, a range of usable addresses inside
// it (neither the network nor the broadcast address), and a gateway, the
// block's first usable address, outside the range. Unverified wording.
func parseSubnetLayout(network, start, end string, withGateway bool) (layout subnetLayout, err error) {
	layout.cidr, err = netip.ParsePrefix(network)
	if err != nil || !layout.cidr.Addr().Is4() {
		return layout, errBadRequest("[network] Given data (%s) is not an IPv4 block such as 192.168.1.0/24", network)
	}
	if layout.cidr.Masked() != layout.cidr {
		return layout, errBadRequest("[network] %s has host bits set: the block starts at %s", network, layout.cidr.Masked())
	}
	first, last := layout.cidr.Addr().Next(), lastAddress(layout.cidr).Prev()
	if !first.IsValid() || !last.IsValid() || last.Less(first) {
		return layout, errBadRequest("[network] %s is too small for a subnet", network)
	}
	for _, a := range []struct {
		name, value string
		into        *netip.Addr
	}{{"start", start, &layout.start}, {"end", end, &layout.end}} {
		ip, err := netip.ParseAddr(a.value)
		if err != nil || !ip.Is4() {
			return layout, errBadRequest("[%s] Given data (%s) is not an IPv4 address", a.name, a.value)
		}
		if ip.Less(first) || last.Less(ip) {
			return layout, errBadRequest("The allocation pool %s-%s spans beyond the subnet cidr %s.", start, end, network)
		}
		*a.into = ip
	}
	if layout.end.Less(layout.start) {
		return layout, errBadRequest("The allocation pool %s-%s is invalid: its start is after its end.", start, end)
	}
	if withGateway {
		layout.gateway = first
		if !layout.gateway.Less(layout.start) && !layout.end.Less(layout.gateway) {
			return layout, errBadRequest("Gateway ip %s conflicts with allocation pool %s-%s", layout.gateway, start, end)
		}
	}
	return layout, nil
}

// lastAddress is the broadcast address of an IPv4 block.
func lastAddress(p netip.Prefix) netip.Addr {
	a := p.Masked().Addr().As4()
	n := binary.BigEndian.Uint32(a[:]) | uint32(uint64(1)<<(32-p.Bits())-1)
	binary.BigEndian.PutUint32(a[:], n)
	return netip.AddrFrom4(a)
}

func deleteSubnet(c *call) (any, error) {
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		n, err := loadNetwork(tx, p, c.r.PathValue("networkId"))
		if err != nil {
			return nil, err
		}
		id := c.r.PathValue("subnetId")
		s, found, err := getInProject[subnetRecord](tx, collSubnets, id, p.ID)
		if err != nil {
			return nil, err
		}
		if !found || s.NetworkID != n.ID {
			return nil, errNotFound("The subnet %s does not exist in the private network %s", id, n.ID) // unverified wording
		}
		if err := subnetInUse(tx, p, s); err != nil {
			return nil, err
		}
		return nil, tx.Delete(collSubnets, s.ID)
	})
}

// subnetInUse refuses to remove a subnet that holds ports: a gateway's
// interface or an instance's address. Neutron's SubnetInUse (409), which
// the API passes on (unverified).
func subnetInUse(tx store.Tx, p Project, s subnetRecord) error {
	gateways, err := listInProject[gatewayRecord](tx, collGateways, p.ID)
	if err != nil {
		return err
	}
	for _, g := range gateways {
		if g.interfaceOn(s.ID) != nil {
			return errConflict("Unable to complete operation on subnet %s: One or more ports have an IP allocation "+
				"from this subnet (gateway %s).", s.ID, g.ID)
		}
	}
	instances, err := listInProject[instanceRecord](tx, collInstances, p.ID)
	if err != nil {
		return err
	}
	for _, r := range instances {
		if r.SubnetID == s.ID {
			return errConflict("Unable to complete operation on subnet %s: One or more ports have an IP allocation "+
				"from this subnet (instance %s).", s.ID, r.ID)
		}
	}
	return nil
}
