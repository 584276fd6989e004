package outscale

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// Route tables and routes (CreateRouteTable, ReadRouteTables,
// DeleteRouteTable, CreateRoute, DeleteRoute, LinkRouteTable,
// UnlinkRouteTable).

// oapiRouteTable is OAPI's RouteTable.
type oapiRouteTable struct {
	LinkRouteTables                 []oapiLinkRouteTable `json:"LinkRouteTables"`
	NetID                           string               `json:"NetId"`
	RoutePropagatingVirtualGateways []propagatingGateway `json:"RoutePropagatingVirtualGateways"`
	RouteTableID                    string               `json:"RouteTableId"`
	Routes                          []oapiRoute          `json:"Routes"`
	Tags                            []resourceTag        `json:"Tags"`
}

// propagatingGateway is OAPI's RoutePropagatingVirtualGateway. The
// emulator has no virtual gateways: the list is always empty.
type propagatingGateway struct {
	VirtualGatewayID string `json:"VirtualGatewayId"`
}

// oapiLinkRouteTable is OAPI's LinkRouteTable: the main link names the
// Net, the others a subnet.
type oapiLinkRouteTable struct {
	LinkRouteTableID string `json:"LinkRouteTableId"`
	Main             bool   `json:"Main"`
	NetID            string `json:"NetId,omitempty"`
	RouteTableID     string `json:"RouteTableId"`
	SubnetID         string `json:"SubnetId,omitempty"`
}

// oapiRoute is OAPI's Route.
type oapiRoute struct {
	CreationMethod       string `json:"CreationMethod"`
	DestinationIPRange   string `json:"DestinationIpRange,omitempty"`
	DestinationServiceID string `json:"DestinationServiceId,omitempty"`
	GatewayID            string `json:"GatewayId,omitempty"`
	NatServiceID         string `json:"NatServiceId,omitempty"`
	NetAccessPointID     string `json:"NetAccessPointId,omitempty"`
	NicID                string `json:"NicId,omitempty"`
	State                string `json:"State"`
	VMAccountID          string `json:"VmAccountId,omitempty"`
	VMID                 string `json:"VmId,omitempty"`
}

type routeTableRecord struct {
	owner
	oapiRouteTable
}

func (r routeTableRecord) view() oapiRouteTable {
	t := r.oapiRouteTable
	t.LinkRouteTables = nonNil(t.LinkRouteTables)
	t.Routes = nonNil(t.Routes)
	t.Tags = nonNil(t.Tags)
	t.RoutePropagatingVirtualGateways = nonNil(t.RoutePropagatingVirtualGateways)
	return t
}

func (r routeTableRecord) isMain() bool {
	return slices.ContainsFunc(r.LinkRouteTables, func(l oapiLinkRouteTable) bool { return l.Main })
}

func putRouteTable(tx store.Tx, rt routeTableRecord) error {
	return store.Put(tx, collRouteTables, rt.RouteTableID, rt)
}

// localRoute is the route every table starts with, to its own Net, written
// as in the spec's example of CreateRouteTable.
func localRoute(netRange string) oapiRoute {
	return oapiRoute{DestinationIPRange: netRange, CreationMethod: "CreateRouteTable", State: "active"}
}

func newRouteTable(tx store.Tx, account, netID, netRange string) routeTableRecord {
	return routeTableRecord{owner: owner{account}, oapiRouteTable: oapiRouteTable{
		NetID:           netID,
		RouteTableID:    newID(tx, "rtb-", collRouteTables),
		Routes:          []oapiRoute{localRoute(netRange)},
		LinkRouteTables: []oapiLinkRouteTable{},
		Tags:            []resourceTag{},
	}}
}

// newMainRouteTable is the table a Net is created with; subnets linked to
// no other table use it.
func newMainRouteTable(tx store.Tx, account, netID, netRange string) routeTableRecord {
	rt := newRouteTable(tx, account, netID, netRange)
	rt.LinkRouteTables = []oapiLinkRouteTable{{LinkRouteTableID: newLinkID("rtbassoc-"), Main: true, NetID: netID, RouteTableID: rt.RouteTableID}}
	return rt
}

func routeTableAnswer(rt routeTableRecord) any {
	return struct {
		RouteTable oapiRouteTable `json:"RouteTable"`
	}{rt.view()}
}

func createRouteTable(c *call) (any, error) {
	var req struct {
		DryRun bool    `json:"DryRun"`
		NetID  *string `json:"NetId"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := required("NetId", req.NetID); err != nil {
		return nil, err
	}
	account := c.account.AccountID
	return c.mutate(req.DryRun, func(tx store.Tx) (any, error) {
		n, err := mustLoad[netRecord](tx, collNets, "NetId", *req.NetID, account)
		if err != nil {
			return nil, err
		}
		rt := newRouteTable(tx, account, n.NetID, n.IPRange)
		if err := putRouteTable(tx, rt); err != nil {
			return nil, err
		}
		return routeTableAnswer(rt), nil
	})
}

func readRouteTables(c *call) (any, error) {
	var req struct {
		DryRun  bool `json:"DryRun"`
		Filters struct {
			tagFilters
			LinkRouteTableIDs               []string `json:"LinkRouteTableIds"`
			LinkRouteTableLinkRouteTableIDs []string `json:"LinkRouteTableLinkRouteTableIds"`
			LinkRouteTableMain              *bool    `json:"LinkRouteTableMain"`
			LinkSubnetIDs                   []string `json:"LinkSubnetIds"`
			NetIDs                          []string `json:"NetIds"`
			RouteCreationMethods            []string `json:"RouteCreationMethods"`
			RouteDestinationIPRanges        []string `json:"RouteDestinationIpRanges"`
			RouteDestinationServiceIDs      []string `json:"RouteDestinationServiceIds"`
			RouteGatewayIDs                 []string `json:"RouteGatewayIds"`
			RouteNatServiceIDs              []string `json:"RouteNatServiceIds"`
			RouteNetPeeringIDs              []string `json:"RouteNetPeeringIds"`
			RouteStates                     []string `json:"RouteStates"`
			RouteTableIDs                   []string `json:"RouteTableIds"`
			RouteVMIDs                      []string `json:"RouteVmIds"`
		} `json:"Filters"`
		page
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	return c.view(func(tx store.Tx) (any, error) {
		all, err := listOwned[routeTableRecord](tx, collRouteTables, c.account.AccountID)
		if err != nil {
			return nil, err
		}
		f := req.Filters
		var found []oapiRouteTable
		for _, rt := range all {
			var linkTables, linkIDs, linkSubnets []string
			for _, l := range rt.LinkRouteTables {
				linkTables, linkIDs = append(linkTables, l.RouteTableID), append(linkIDs, l.LinkRouteTableID)
				if l.SubnetID != "" {
					linkSubnets = append(linkSubnets, l.SubnetID)
				}
			}
			var methods, destinations, services, gateways, nats, vms []string
			for _, r := range rt.Routes {
				methods, destinations = append(methods, r.CreationMethod), append(destinations, r.DestinationIPRange)
				services, gateways, nats = append(services, r.DestinationServiceID), append(gateways, r.GatewayID), append(nats, r.NatServiceID)
				vms = append(vms, r.VMID)
			}
			// The emulator routes to no Net peering: that filter matches
			// nothing. Every route is "active" (Route.State).
			if len(f.RouteNetPeeringIDs) > 0 || !matchesAny(f.RouteVMIDs, vms) || !matches(f.RouteStates, "active") ||
				!matches(f.RouteTableIDs, rt.RouteTableID) || !matches(f.NetIDs, rt.NetID) ||
				(f.LinkRouteTableMain != nil && *f.LinkRouteTableMain != rt.isMain()) ||
				!matchesAny(f.LinkRouteTableIDs, linkTables) || !matchesAny(f.LinkRouteTableLinkRouteTableIDs, linkIDs) ||
				!matchesAny(f.LinkSubnetIDs, linkSubnets) || !matchesAny(f.RouteCreationMethods, methods) ||
				!matchesAny(f.RouteDestinationIPRanges, destinations) || !matchesAny(f.RouteDestinationServiceIDs, services) ||
				!matchesAny(f.RouteGatewayIDs, gateways) || !matchesAny(f.RouteNatServiceIDs, nats) || !f.match(rt.Tags) {
				continue
			}
			found = append(found, rt.view())
		}
		tables, next, err := paginate(req.page, found)
		if err != nil {
			return nil, err
		}
		return struct {
			RouteTables   []oapiRouteTable `json:"RouteTables"`
			NextPageToken string           `json:"NextPageToken,omitempty"`
		}{tables, next}, nil
	})
}

func deleteRouteTable(c *call) (any, error) {
	var req struct {
		DryRun       bool    `json:"DryRun"`
		RouteTableID *string `json:"RouteTableId"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := required("RouteTableId", req.RouteTableID); err != nil {
		return nil, err
	}
	return c.mutate(req.DryRun, func(tx store.Tx) (any, error) {
		rt, err := mustLoad[routeTableRecord](tx, collRouteTables, "RouteTableId", *req.RouteTableID, c.account.AccountID)
		if err != nil {
			return nil, err
		}
		if rt.isMain() {
			return nil, errInvalidValue("RouteTableId", rt.RouteTableID, "The main route table of a Net cannot be deleted.")
		}
		if len(rt.LinkRouteTables) > 0 {
			var subnets []string
			for _, l := range rt.LinkRouteTables {
				subnets = append(subnets, l.SubnetID)
			}
			return nil, errDependency(codeRouteTableHasLinks, fmt.Sprintf(
				"The route table '%s' is still linked to the Subnets %s: unlink it first.", rt.RouteTableID, strings.Join(subnets, ", ")))
		}
		return struct{}{}, tx.Delete(collRouteTables, rt.RouteTableID)
	})
}

func createRoute(c *call) (any, error) {
	var req struct {
		DestinationIPRange *string `json:"DestinationIpRange"`
		DryRun             bool    `json:"DryRun"`
		GatewayID          string  `json:"GatewayId"`
		NatServiceID       string  `json:"NatServiceId"`
		NetPeeringID       string  `json:"NetPeeringId"`
		NicID              string  `json:"NicId"`
		RouteTableID       *string `json:"RouteTableId"`
		VMID               string  `json:"VmId"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := required("RouteTableId", req.RouteTableID); err != nil {
		return nil, err
	}
	if err := required("DestinationIpRange", req.DestinationIPRange); err != nil {
		return nil, err
	}
	destination, err := parseIPRange("DestinationIpRange", *req.DestinationIPRange)
	if err != nil {
		return nil, err
	}
	var targets []string
	for name, v := range map[string]string{"GatewayId": req.GatewayID, "NatServiceId": req.NatServiceID,
		"NetPeeringId": req.NetPeeringID, "NicId": req.NicID, "VmId": req.VMID} {
		if v != "" {
			targets = append(targets, name)
		}
	}
	switch len(targets) {
	case 0:
		return nil, errMissingParameter("GatewayId")
	case 1:
	default:
		slices.Sort(targets)
		return nil, errInvalidValue(targets[1], "…", "A route has exactly one target; this request gives "+strings.Join(targets, " and ")+".")
	}
	account := c.account.AccountID
	return c.mutate(req.DryRun, func(tx store.Tx) (any, error) {
		rt, err := mustLoad[routeTableRecord](tx, collRouteTables, "RouteTableId", *req.RouteTableID, account)
		if err != nil {
			return nil, err
		}
		route := oapiRoute{DestinationIPRange: destination.String(), CreationMethod: "CreateRoute", State: "active"}
		switch {
		case req.GatewayID != "":
			igw, err := mustLoad[internetServiceRecord](tx, collInternetServices, "GatewayId", req.GatewayID, account)
			if err != nil {
				return nil, err
			}
			if igw.NetID != rt.NetID {
				return nil, errInvalidValue("GatewayId", req.GatewayID, fmt.Sprintf(
					"The internet service is not linked to the Net '%s' of the route table.", rt.NetID))
			}
			route.GatewayID = igw.InternetServiceID
		case req.NatServiceID != "":
			nat, err := mustLoad[natServiceRecord](tx, collNatServices, "NatServiceId", req.NatServiceID, account)
			if err != nil {
				return nil, err
			}
			if nat.NetID != rt.NetID || nat.State == natDeleting || nat.gone() {
				return nil, errInvalidValue("NatServiceId", req.NatServiceID, fmt.Sprintf(
					"The NAT service is not an active NAT service of the Net '%s' of the route table.", rt.NetID))
			}
			route.NatServiceID = nat.NatServiceID
		case req.NetPeeringID != "":
			return nil, errNotFound("NetPeeringId", req.NetPeeringID) // the emulator has no Net peerings
		default:
			// A route to a VM goes to its NIC (a NAT instance, say).
			vm, err := vmOfLink(tx, account, req.VMID, req.NicID)
			if err != nil {
				return nil, err
			}
			if !vm.alive() || vm.NetID != rt.NetID {
				param, id := "VmId", req.VMID
				if req.NicID != "" {
					param, id = "NicId", req.NicID
				}
				return nil, errInvalidValue(param, id, fmt.Sprintf("It is not a VM of the Net '%s' of the route table.", rt.NetID))
			}
			route.VMID, route.VMAccountID, route.NicID = vm.VMID, account, vm.Nics[0].NicID
		}
		for _, r := range rt.Routes {
			if r.DestinationIPRange == route.DestinationIPRange {
				return nil, errConflict(codeRouteExists, fmt.Sprintf(
					"The route table '%s' already has a route to %s.", rt.RouteTableID, route.DestinationIPRange))
			}
		}
		rt.Routes = append(rt.Routes, route)
		if err := putRouteTable(tx, rt); err != nil {
			return nil, err
		}
		return routeTableAnswer(rt), nil
	})
}

func deleteRoute(c *call) (any, error) {
	var req struct {
		DestinationIPRange *string `json:"DestinationIpRange"`
		DryRun             bool    `json:"DryRun"`
		RouteTableID       *string `json:"RouteTableId"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := required("RouteTableId", req.RouteTableID); err != nil {
		return nil, err
	}
	if err := required("DestinationIpRange", req.DestinationIPRange); err != nil {
		return nil, err
	}
	return c.mutate(req.DryRun, func(tx store.Tx) (any, error) {
		rt, err := mustLoad[routeTableRecord](tx, collRouteTables, "RouteTableId", *req.RouteTableID, c.account.AccountID)
		if err != nil {
			return nil, err
		}
		i := slices.IndexFunc(rt.Routes, func(r oapiRoute) bool { return r.DestinationIPRange == *req.DestinationIPRange })
		if i < 0 {
			return nil, errNotFound("DestinationIpRange", *req.DestinationIPRange)
		}
		if rt.Routes[i].CreationMethod == "CreateRouteTable" {
			return nil, errInvalidValue("DestinationIpRange", *req.DestinationIPRange, "The local route of a route table cannot be deleted.")
		}
		rt.Routes = slices.Delete(rt.Routes, i, i+1)
		if err := putRouteTable(tx, rt); err != nil {
			return nil, err
		}
		return routeTableAnswer(rt), nil
	})
}

func linkRouteTable(c *call) (any, error) {
	var req struct {
		DryRun       bool    `json:"DryRun"`
		RouteTableID *string `json:"RouteTableId"`
		SubnetID     *string `json:"SubnetId"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := required("RouteTableId", req.RouteTableID); err != nil {
		return nil, err
	}
	if err := required("SubnetId", req.SubnetID); err != nil {
		return nil, err
	}
	account := c.account.AccountID
	return c.mutate(req.DryRun, func(tx store.Tx) (any, error) {
		rt, err := mustLoad[routeTableRecord](tx, collRouteTables, "RouteTableId", *req.RouteTableID, account)
		if err != nil {
			return nil, err
		}
		subnet, err := mustLoad[subnetRecord](tx, collSubnets, "SubnetId", *req.SubnetID, account)
		if err != nil {
			return nil, err
		}
		if subnet.NetID != rt.NetID {
			return nil, errInvalidValue("SubnetId", subnet.SubnetID, fmt.Sprintf(
				"The Subnet is not in the Net '%s' of the route table.", rt.NetID))
		}
		tables, err := listOwned[routeTableRecord](tx, collRouteTables, account)
		if err != nil {
			return nil, err
		}
		for _, other := range tables {
			for _, l := range other.LinkRouteTables {
				if l.SubnetID == subnet.SubnetID {
					return nil, errConflict(codeSubnetAlreadyLinked, fmt.Sprintf(
						"The Subnet '%s' is already linked to the route table '%s' (%s).", subnet.SubnetID, other.RouteTableID, l.LinkRouteTableID))
				}
			}
		}
		link := oapiLinkRouteTable{LinkRouteTableID: newLinkID("rtbassoc-"), RouteTableID: rt.RouteTableID, SubnetID: subnet.SubnetID}
		rt.LinkRouteTables = append(rt.LinkRouteTables, link)
		if err := putRouteTable(tx, rt); err != nil {
			return nil, err
		}
		return struct {
			LinkRouteTableID string `json:"LinkRouteTableId"`
		}{link.LinkRouteTableID}, nil
	})
}

func unlinkRouteTable(c *call) (any, error) {
	var req struct {
		DryRun           bool    `json:"DryRun"`
		LinkRouteTableID *string `json:"LinkRouteTableId"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := required("LinkRouteTableId", req.LinkRouteTableID); err != nil {
		return nil, err
	}
	return c.mutate(req.DryRun, func(tx store.Tx) (any, error) {
		tables, err := listOwned[routeTableRecord](tx, collRouteTables, c.account.AccountID)
		if err != nil {
			return nil, err
		}
		for _, rt := range tables {
			i := slices.IndexFunc(rt.LinkRouteTables, func(l oapiLinkRouteTable) bool { return l.LinkRouteTableID == *req.LinkRouteTableID })
			if i < 0 {
				continue
			}
			if rt.LinkRouteTables[i].Main {
				return nil, errInvalidValue("LinkRouteTableId", *req.LinkRouteTableID,
					"The link of the main route table of a Net cannot be removed.")
			}
			rt.LinkRouteTables = slices.Delete(rt.LinkRouteTables, i, i+1)
			return struct{}{}, putRouteTable(tx, rt)
		}
		return nil, errNotFound("LinkRouteTableId", *req.LinkRouteTableID)
	})
}
