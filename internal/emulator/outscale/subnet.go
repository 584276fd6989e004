package outscale

import (
	"fmt"
	"strings"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// Subnets (CreateSubnet, ReadSubnets, DeleteSubnet).

// oapiSubnet is OAPI's Subnet.
type oapiSubnet struct {
	SubnetID            string        `json:"SubnetId"`
	NetID               string        `json:"NetId"`
	IPRange             string        `json:"IpRange"`
	SubregionName       string        `json:"SubregionName"`
	State               string        `json:"State"`
	AvailableIpsCount   int           `json:"AvailableIpsCount"`
	MapPublicIPOnLaunch bool          `json:"MapPublicIpOnLaunch"`
	Tags                []resourceTag `json:"Tags"`
}

type subnetRecord struct {
	owner
	oapiSubnet
}

func (r subnetRecord) view() oapiSubnet {
	s := r.oapiSubnet
	s.Tags = nonNil(s.Tags)
	return s
}

// reservedAddresses is what a subnet keeps for itself: the spec's example
// gives a /18 16379 available IPs, 16384 minus 5.
const reservedAddresses = 5

func createSubnet(c *call) (any, error) {
	var req struct {
		DryRun        bool    `json:"DryRun"`
		IPRange       *string `json:"IpRange"`
		NetID         *string `json:"NetId"`
		SubregionName string  `json:"SubregionName"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := required("NetId", req.NetID); err != nil {
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
			fmt.Sprintf("The IP range of a Subnet must be between a /%d and a /%d netmask.", minNetBits, maxNetBits))
	}
	region := c.account.Region
	subregion := req.SubregionName
	if subregion == "" {
		subregion = region + "a"
	}
	if !strings.HasPrefix(subregion, region) || (subregion != region+"a" && subregion != region+"b") {
		return nil, errInvalidValue("SubregionName", subregion, "It is not a Subregion of "+region+" (see ReadSubregions).")
	}
	account := c.account.AccountID
	return c.mutate(req.DryRun, func(tx store.Tx) (any, error) {
		n, err := mustLoad[netRecord](tx, collNets, "NetId", *req.NetID, account)
		if err != nil {
			return nil, err
		}
		netRange := prefixOf(n.IPRange)
		if p.Bits() < netRange.Bits() || !netRange.Contains(p.Addr()) {
			return nil, errInvalidValue("IpRange", p.String(), fmt.Sprintf("It is not inside the IP range %s of the Net '%s'.", n.IPRange, n.NetID))
		}
		subnets, err := listOwned[subnetRecord](tx, collSubnets, account)
		if err != nil {
			return nil, err
		}
		for _, other := range subnets {
			if other.NetID == n.NetID && prefixOf(other.IPRange).Overlaps(p) {
				return nil, errConflict(codeSubnetOverlap, fmt.Sprintf(
					"The IP range %s conflicts with the IP range %s of the Subnet '%s'.", p, other.IPRange, other.SubnetID))
			}
		}
		s := subnetRecord{owner: owner{account}, oapiSubnet: oapiSubnet{
			SubnetID:          newID(tx, "subnet-", collSubnets),
			NetID:             n.NetID,
			IPRange:           p.String(),
			SubregionName:     subregion,
			State:             "available",
			AvailableIpsCount: 1<<(32-p.Bits()) - reservedAddresses,
			Tags:              []resourceTag{},
		}}
		if err := store.Put(tx, collSubnets, s.SubnetID, s); err != nil {
			return nil, err
		}
		return struct {
			Subnet oapiSubnet `json:"Subnet"`
		}{s.view()}, nil
	})
}

func readSubnets(c *call) (any, error) {
	var req struct {
		DryRun  bool `json:"DryRun"`
		Filters struct {
			tagFilters
			AvailableIpsCounts []int    `json:"AvailableIpsCounts"`
			IPRanges           []string `json:"IpRanges"`
			NetIDs             []string `json:"NetIds"`
			States             []string `json:"States"`
			SubnetIDs          []string `json:"SubnetIds"`
			SubregionNames     []string `json:"SubregionNames"`
		} `json:"Filters"`
		page
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	return c.view(func(tx store.Tx) (any, error) {
		all, err := listOwned[subnetRecord](tx, collSubnets, c.account.AccountID)
		if err != nil {
			return nil, err
		}
		f := req.Filters
		var found []oapiSubnet
		for _, s := range all {
			if !matches(f.SubnetIDs, s.SubnetID) || !matches(f.NetIDs, s.NetID) || !matches(f.IPRanges, s.IPRange) ||
				!matches(f.States, s.State) || !matches(f.SubregionNames, s.SubregionName) ||
				!matchesInt(f.AvailableIpsCounts, s.AvailableIpsCount) || !f.match(s.Tags) {
				continue
			}
			found = append(found, s.view())
		}
		subnets, next, err := paginate(req.page, found)
		if err != nil {
			return nil, err
		}
		return struct {
			Subnets       []oapiSubnet `json:"Subnets"`
			NextPageToken string       `json:"NextPageToken,omitempty"`
		}{subnets, next}, nil
	})
}

// updateSubnet sets MapPublicIpOnLaunch, which the official provider sends
// at every create and update of a subnet. The emulator records it; its VMs
// get no public IP by it (unverified behaviour for VMs made with a NIC of
// their own).
func updateSubnet(c *call) (any, error) {
	var req struct {
		DryRun              bool    `json:"DryRun"`
		MapPublicIPOnLaunch *bool   `json:"MapPublicIpOnLaunch"`
		SubnetID            *string `json:"SubnetId"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := required("SubnetId", req.SubnetID); err != nil {
		return nil, err
	}
	if req.MapPublicIPOnLaunch == nil {
		return nil, errMissingParameter("MapPublicIpOnLaunch")
	}
	return c.mutate(req.DryRun, func(tx store.Tx) (any, error) {
		s, err := mustLoad[subnetRecord](tx, collSubnets, "SubnetId", *req.SubnetID, c.account.AccountID)
		if err != nil {
			return nil, err
		}
		s.MapPublicIPOnLaunch = *req.MapPublicIPOnLaunch
		if err := store.Put(tx, collSubnets, s.SubnetID, s); err != nil {
			return nil, err
		}
		return struct {
			Subnet oapiSubnet `json:"Subnet"`
		}{s.view()}, nil
	})
}

func deleteSubnet(c *call) (any, error) {
	var req struct {
		DryRun   bool    `json:"DryRun"`
		SubnetID *string `json:"SubnetId"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := required("SubnetId", req.SubnetID); err != nil {
		return nil, err
	}
	account := c.account.AccountID
	return c.mutate(req.DryRun, func(tx store.Tx) (any, error) {
		s, err := mustLoad[subnetRecord](tx, collSubnets, "SubnetId", *req.SubnetID, account)
		if err != nil {
			return nil, err
		}
		// VMs hold their subnet until they are terminated (vm.go).
		vms, err := vmsUsing(tx, account, func(vm vmRecord) bool { return vm.SubnetID == s.SubnetID })
		if err != nil {
			return nil, err
		}
		if len(vms) > 0 {
			return nil, errConflict(codeSubnetInUse, fmt.Sprintf(
				"The Subnet '%s' is in use: %s.", s.SubnetID, joinLimited(vms)))
		}
		// A NAT service holds its subnet until it is deleted, deleting
		// included.
		nats, err := listOwned[natServiceRecord](tx, collNatServices, account)
		if err != nil {
			return nil, err
		}
		for _, nat := range nats {
			if nat.SubnetID == s.SubnetID && !nat.gone() {
				return nil, errConflict(codeSubnetInUse, fmt.Sprintf(
					"The Subnet '%s' is in use: NAT service %s (%s).", s.SubnetID, nat.NatServiceID, nat.State))
			}
		}
		// Its route table links go with it; the route tables stay.
		tables, err := listOwned[routeTableRecord](tx, collRouteTables, account)
		if err != nil {
			return nil, err
		}
		for _, rt := range tables {
			kept := rt.LinkRouteTables[:0]
			for _, l := range rt.LinkRouteTables {
				if l.SubnetID != s.SubnetID {
					kept = append(kept, l)
				}
			}
			if len(kept) != len(rt.LinkRouteTables) {
				rt.LinkRouteTables = kept
				if err := putRouteTable(tx, rt); err != nil {
					return nil, err
				}
			}
		}
		return struct{}{}, tx.Delete(collSubnets, s.SubnetID)
	})
}
