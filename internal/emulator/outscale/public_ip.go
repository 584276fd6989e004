package outscale

import (
	"fmt"
	"math/rand/v2"
	"net/netip"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// Public IPs (CreatePublicIp, ReadPublicIps, DeletePublicIp).

// oapiPublicIP is OAPI's PublicIp. The fields of a link are nullable in
// the spec; the emulator leaves them out while there is no link.
type oapiPublicIP struct {
	LinkPublicIPID    string        `json:"LinkPublicIpId,omitempty"`
	NatServiceID      string        `json:"NatServiceId,omitempty"`
	NetAccessPointIDs []string      `json:"NetAccessPointIds,omitempty"`
	NicAccountID      string        `json:"NicAccountId,omitempty"` // the link to a VM (vm.go)
	NicID             string        `json:"NicId,omitempty"`
	PrivateIP         string        `json:"PrivateIp,omitempty"`
	PublicIP          string        `json:"PublicIp"`
	PublicIPID        string        `json:"PublicIpId"`
	Tags              []resourceTag `json:"Tags"`
	VMID              string        `json:"VmId,omitempty"`
}

type publicIPRecord struct {
	owner
	oapiPublicIP
}

func (r publicIPRecord) view() oapiPublicIP {
	p := r.oapiPublicIP
	p.Tags = nonNil(p.Tags)
	return p
}

// inUse says what holds the address, or "".
func (r publicIPRecord) inUse() string {
	switch {
	case r.NatServiceID != "":
		return "the NAT service " + r.NatServiceID
	case len(r.NetAccessPointIDs) > 0:
		return "the Net access point " + r.NetAccessPointIDs[0]
	case r.VMID != "":
		return "the VM " + r.VMID
	}
	return ""
}

// publicPool is where the emulator takes public addresses from: the three
// documentation blocks of RFC 5737, which are never routed, so that no
// emulated address is anyone's real one.
var publicPool = []netip.Prefix{
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
}

// allocateAddress picks a free address of the pool at random, so that
// nothing comes to depend on the order of allocation.
func allocateAddress(tx store.Tx) (string, error) {
	used := map[string]bool{}
	all, err := store.List[publicIPRecord](tx, collPublicIPs)
	if err != nil {
		return "", err
	}
	for _, p := range all {
		used[p.PublicIP] = true
	}
	var free []string
	for _, block := range publicPool {
		base := block.Addr().As4()
		for host := 1; host < 255; host++ {
			a := netip.AddrFrom4([4]byte{base[0], base[1], base[2], byte(host)}).String()
			if !used[a] {
				free = append(free, a)
			}
		}
	}
	if len(free) == 0 {
		return "", errCapacity("No public IP is left in the emulator's pool.")
	}
	return free[rand.IntN(len(free))], nil
}

// newPublicIP allocates an address to account.
func newPublicIP(tx store.Tx, account string) (publicIPRecord, error) {
	address, err := allocateAddress(tx)
	if err != nil {
		return publicIPRecord{}, err
	}
	return publicIPRecord{owner: owner{account}, oapiPublicIP: oapiPublicIP{
		PublicIPID: newID(tx, "eipalloc-", collPublicIPs),
		PublicIP:   address,
		Tags:       []resourceTag{},
	}}, nil
}

func createPublicIP(c *call) (any, error) {
	var req struct {
		DryRun bool `json:"DryRun"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	return c.mutate(req.DryRun, func(tx store.Tx) (any, error) {
		p, err := newPublicIP(tx, c.account.AccountID)
		if err != nil {
			return nil, err
		}
		if err := store.Put(tx, collPublicIPs, p.PublicIPID, p); err != nil {
			return nil, err
		}
		return struct {
			PublicIP oapiPublicIP `json:"PublicIp"`
		}{p.view()}, nil
	})
}

// findPublicIP finds an address by allocation id or by address.
func findPublicIP(tx store.Tx, account, id, address string) (publicIPRecord, error) {
	if id != "" {
		return mustLoad[publicIPRecord](tx, collPublicIPs, "PublicIpId", id, account)
	}
	all, err := listOwned[publicIPRecord](tx, collPublicIPs, account)
	if err != nil {
		return publicIPRecord{}, err
	}
	for _, p := range all {
		if p.PublicIP == address {
			return p, nil
		}
	}
	return publicIPRecord{}, errNotFound("PublicIp", address)
}

func deletePublicIP(c *call) (any, error) {
	var req struct {
		DryRun     bool   `json:"DryRun"`
		PublicIP   string `json:"PublicIp"`
		PublicIPID string `json:"PublicIpId"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if req.PublicIPID == "" && req.PublicIP == "" {
		return nil, errMissingParameter("PublicIpId")
	}
	return c.mutate(req.DryRun, func(tx store.Tx) (any, error) {
		p, err := findPublicIP(tx, c.account.AccountID, req.PublicIPID, req.PublicIP)
		if err != nil {
			return nil, err
		}
		if holder := p.inUse(); holder != "" {
			return nil, errConflict(codePublicIPInUse, fmt.Sprintf(
				"The public IP '%s' (%s) is in use by %s.", p.PublicIPID, p.PublicIP, holder))
		}
		return struct{}{}, tx.Delete(collPublicIPs, p.PublicIPID)
	})
}

func readPublicIPs(c *call) (any, error) {
	var req struct {
		DryRun  bool `json:"DryRun"`
		Filters struct {
			tagFilters
			LinkPublicIPIDs []string `json:"LinkPublicIpIds"`
			NicAccountIDs   []string `json:"NicAccountIds"`
			NicIDs          []string `json:"NicIds"`
			Placements      []string `json:"Placements"`
			PrivateIPs      []string `json:"PrivateIps"`
			PublicIPIDs     []string `json:"PublicIpIds"`
			PublicIPs       []string `json:"PublicIps"`
			VMIDs           []string `json:"VmIds"`
		} `json:"Filters"`
		page
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	return c.view(func(tx store.Tx) (any, error) {
		all, err := listOwned[publicIPRecord](tx, collPublicIPs, c.account.AccountID)
		if err != nil {
			return nil, err
		}
		f := req.Filters
		var found []oapiPublicIP
		for _, p := range all {
			// Every address serves Nets ("vpc" placement, unverified value).
			if !matches(f.NicAccountIDs, p.NicAccountID) || !matches(f.NicIDs, p.NicID) || !matches(f.PrivateIPs, p.PrivateIP) ||
				!matches(f.VMIDs, p.VMID) ||
				!matches(f.Placements, "vpc") || !matches(f.PublicIPIDs, p.PublicIPID) || !matches(f.PublicIPs, p.PublicIP) ||
				!matches(f.LinkPublicIPIDs, p.LinkPublicIPID) || !f.match(p.Tags) {
				continue
			}
			found = append(found, p.view())
		}
		ips, next, err := paginate(req.page, found)
		if err != nil {
			return nil, err
		}
		return struct {
			PublicIPs     []oapiPublicIP `json:"PublicIps"`
			NextPageToken string         `json:"NextPageToken,omitempty"`
		}{ips, next}, nil
	})
}
