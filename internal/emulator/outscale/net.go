package outscale

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// Nets (CreateNet, ReadNets, DeleteNet).

// oapiNet is OAPI's Net.
type oapiNet struct {
	NetID            string        `json:"NetId"`
	IPRange          string        `json:"IpRange"`
	State            string        `json:"State"`
	DhcpOptionsSetID string        `json:"DhcpOptionsSetId"`
	Tenancy          string        `json:"Tenancy"`
	Tags             []resourceTag `json:"Tags"`
}

type netRecord struct {
	owner
	oapiNet
}

func (r netRecord) view() oapiNet {
	n := r.oapiNet
	n.Tags = nonNil(n.Tags)
	return n
}

// Net sizes OAPI accepts: "between a /28 netmask (16 IPs) and a /16
// netmask (65536 IPs)" (CreateNet's description). Subnets have the same
// bounds (EC2's, which OAPI follows).
const (
	minNetBits = 16
	maxNetBits = 28
)

// defaultDhcpOptionsSetID is the account's default DHCP options set, which
// every Net starts with. It is derived from the account so that it is
// stable across restarts without being stored.
func defaultDhcpOptionsSetID(account string) string {
	sum := sha256.Sum256([]byte("dopt:" + account))
	return "dopt-" + hex.EncodeToString(sum[:4])
}

func createNet(c *call) (any, error) {
	var req struct {
		DryRun  bool    `json:"DryRun"`
		IPRange *string `json:"IpRange"`
		Tenancy string  `json:"Tenancy"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := required("IpRange", req.IPRange); err != nil {
		return nil, err
	}
	p, err := parseIPRange("IpRange", *req.IPRange)
	if err != nil {
		return nil, err
	}
	if p.Bits() < minNetBits || p.Bits() > maxNetBits {
		return nil, errInvalidValue("IpRange", *req.IPRange,
			fmt.Sprintf("The IP range of a Net must be between a /%d and a /%d netmask.", minNetBits, maxNetBits))
	}
	tenancy := req.Tenancy
	switch tenancy {
	case "":
		tenancy = "default"
	case "default", "dedicated":
	default:
		return nil, errInvalidValue("Tenancy", tenancy, "It must be 'default' or 'dedicated'.")
	}
	account := c.account.AccountID
	return c.mutate(req.DryRun, func(tx store.Tx) (any, error) {
		n := netRecord{owner: owner{account}, oapiNet: oapiNet{
			NetID:            newID(tx, "vpc-", collNets),
			IPRange:          p.String(),
			State:            "available", // the spec's example answers CreateNet with an available Net
			DhcpOptionsSetID: defaultDhcpOptionsSetID(account),
			Tenancy:          tenancy,
			Tags:             []resourceTag{},
		}}
		if err := store.Put(tx, collNets, n.NetID, n); err != nil {
			return nil, err
		}
		// Every Net comes with its main route table and its default
		// security group; both go away with the Net.
		if err := putRouteTable(tx, newMainRouteTable(tx, account, n.NetID, n.IPRange)); err != nil {
			return nil, err
		}
		sg := newDefaultSecurityGroup(tx, account, n.NetID)
		if err := store.Put(tx, collSecurityGroups, sg.SecurityGroupID, sg); err != nil {
			return nil, err
		}
		return struct {
			Net oapiNet `json:"Net"`
		}{n.view()}, nil
	})
}

func readNets(c *call) (any, error) {
	var req struct {
		DryRun  bool `json:"DryRun"`
		Filters struct {
			tagFilters
			DhcpOptionsSetIDs []string `json:"DhcpOptionsSetIds"`
			IPRanges          []string `json:"IpRanges"`
			IsDefault         *bool    `json:"IsDefault"`
			NetIDs            []string `json:"NetIds"`
			States            []string `json:"States"`
		} `json:"Filters"`
		page
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	return c.view(func(tx store.Tx) (any, error) {
		all, err := listOwned[netRecord](tx, collNets, c.account.AccountID)
		if err != nil {
			return nil, err
		}
		f := req.Filters
		var found []oapiNet
		for _, n := range all {
			// The emulator makes no default Net: IsDefault=true matches none.
			if (f.IsDefault != nil && *f.IsDefault) || !matches(f.NetIDs, n.NetID) || !matches(f.IPRanges, n.IPRange) ||
				!matches(f.States, n.State) || !matches(f.DhcpOptionsSetIDs, n.DhcpOptionsSetID) || !f.match(n.Tags) {
				continue
			}
			found = append(found, n.view())
		}
		nets, next, err := paginate(req.page, found)
		if err != nil {
			return nil, err
		}
		return struct {
			Nets          []oapiNet `json:"Nets"`
			NextPageToken string    `json:"NextPageToken,omitempty"`
		}{nets, next}, nil
	})
}

// updateNet links a Net to a DHCP options set. The emulator knows the
// account's default set only; "default" names it too.
func updateNet(c *call) (any, error) {
	var req struct {
		DhcpOptionsSetID *string `json:"DhcpOptionsSetId"`
		DryRun           bool    `json:"DryRun"`
		NetID            *string `json:"NetId"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := required("NetId", req.NetID); err != nil {
		return nil, err
	}
	if err := required("DhcpOptionsSetId", req.DhcpOptionsSetID); err != nil {
		return nil, err
	}
	account := c.account.AccountID
	set := *req.DhcpOptionsSetID
	if set == "default" {
		set = defaultDhcpOptionsSetID(account)
	}
	if set != defaultDhcpOptionsSetID(account) {
		return nil, errNotFound("DhcpOptionsSetId", set)
	}
	return c.mutate(req.DryRun, func(tx store.Tx) (any, error) {
		n, err := mustLoad[netRecord](tx, collNets, "NetId", *req.NetID, account)
		if err != nil {
			return nil, err
		}
		n.DhcpOptionsSetID = set
		if err := store.Put(tx, collNets, n.NetID, n); err != nil {
			return nil, err
		}
		return struct {
			Net oapiNet `json:"Net"`
		}{n.view()}, nil
	})
}

func deleteNet(c *call) (any, error) {
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
		deps, err := netDependencies(tx, account, n.NetID)
		if err != nil {
			return nil, err
		}
		if len(deps) > 0 {
			return nil, errDependency(codeNetHasDependencies, fmt.Sprintf(
				"The Net '%s' has dependencies and cannot be deleted: %s.", n.NetID, joinLimited(deps)))
		}
		// Access points on their way out go with the Net.
		points, err := listOwned[netAccessPointRecord](tx, collNetAccessPoints, account)
		if err != nil {
			return nil, err
		}
		for _, p := range points {
			if p.NetID == n.NetID && p.leaving() {
				if err := finishNetAccessPoint(tx, p); err != nil {
					return nil, err
				}
			}
		}
		// What is left is what the Net came with.
		tables, err := listOwned[routeTableRecord](tx, collRouteTables, account)
		if err != nil {
			return nil, err
		}
		for _, rt := range tables {
			if rt.NetID == n.NetID {
				if err := tx.Delete(collRouteTables, rt.RouteTableID); err != nil {
					return nil, err
				}
			}
		}
		groups, err := listOwned[securityGroupRecord](tx, collSecurityGroups, account)
		if err != nil {
			return nil, err
		}
		for _, sg := range groups {
			if sg.NetID == n.NetID {
				if err := tx.Delete(collSecurityGroups, sg.SecurityGroupID); err != nil {
					return nil, err
				}
			}
		}
		return struct{}{}, tx.Delete(collNets, n.NetID)
	})
}

// netDependencies lists what keeps a Net from being deleted, in the order
// DeleteNet's documentation gives: route tables other than the main one,
// internet services, NAT services (until they are deleted, deleting
// included), Net access points (unless being deleted: see access_point.go),
// security groups other than the default one, subnets.
func netDependencies(tx store.Tx, account, netID string) ([]string, error) {
	var deps []string
	tables, err := listOwned[routeTableRecord](tx, collRouteTables, account)
	if err != nil {
		return nil, err
	}
	for _, rt := range tables {
		if rt.NetID == netID && !rt.isMain() {
			deps = append(deps, "route table "+rt.RouteTableID)
		}
	}
	services, err := listOwned[internetServiceRecord](tx, collInternetServices, account)
	if err != nil {
		return nil, err
	}
	for _, igw := range services {
		if igw.NetID == netID {
			deps = append(deps, "internet service "+igw.InternetServiceID)
		}
	}
	nats, err := listOwned[natServiceRecord](tx, collNatServices, account)
	if err != nil {
		return nil, err
	}
	for _, nat := range nats {
		if nat.NetID == netID && !nat.gone() {
			deps = append(deps, "NAT service "+nat.NatServiceID+" ("+nat.State+")")
		}
	}
	points, err := listOwned[netAccessPointRecord](tx, collNetAccessPoints, account)
	if err != nil {
		return nil, err
	}
	for _, nap := range points {
		if nap.NetID == netID && !nap.leaving() {
			deps = append(deps, "Net access point "+nap.NetAccessPointID+" ("+nap.State+")")
		}
	}
	groups, err := listOwned[securityGroupRecord](tx, collSecurityGroups, account)
	if err != nil {
		return nil, err
	}
	for _, sg := range groups {
		if sg.NetID == netID && !sg.Default {
			deps = append(deps, "security group "+sg.SecurityGroupID)
		}
	}
	subnets, err := listOwned[subnetRecord](tx, collSubnets, account)
	if err != nil {
		return nil, err
	}
	for _, s := range subnets {
		if s.NetID == netID {
			deps = append(deps, "subnet "+s.SubnetID)
		}
	}
	vms, err := vmsUsing(tx, account, func(vm vmRecord) bool { return vm.NetID == netID })
	if err != nil {
		return nil, err
	}
	return append(deps, vms...), nil
}

// joinLimited joins the first few items of an error's list and says how
// many more there are.
func joinLimited(items []string) string {
	const shown = 5
	if len(items) <= shown {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:shown], ", ") + " and " + strconv.Itoa(len(items)-shown) + " more"
}
