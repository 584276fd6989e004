package outscale

import (
	"fmt"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// NAT services (CreateNatService, ReadNatServices, DeleteNatService).
//
// A NAT service is the emulator's slow object. It is "pending" when
// created and "available" once a read has shown it (or pace.Hold() later,
// see transient.go); deleting puts it in "deleting", then "deleted", which
// the listing keeps showing for a while (until a read has shown it, or
// linger), as OAPI's NatService states say. The official provider's delete
// waits for "deleted" and fails if the NAT service vanishes from the
// listing first (outscale/terraform-provider-outscale,
// resource_outscale_nat_service.go), so "deleted" is a state of its own.
// Until it is deleted it holds its subnet and its public IP, so deleting
// those answers a conflict, as the real cloud does while it unlinks things.

// oapiNatService is OAPI's NatService.
type oapiNatService struct {
	ClientToken  string          `json:"ClientToken,omitempty"`
	NatServiceID string          `json:"NatServiceId"`
	NetID        string          `json:"NetId"`
	PublicIPs    []publicIPLight `json:"PublicIps"`
	State        string          `json:"State"`
	SubnetID     string          `json:"SubnetId"`
	Tags         []resourceTag   `json:"Tags"`
}

// publicIPLight is OAPI's PublicIpLight.
type publicIPLight struct {
	PublicIP   string `json:"PublicIp"`
	PublicIPID string `json:"PublicIpId"`
}

type natServiceRecord struct {
	owner
	oapiNatService
	// StateSince is when it entered its State.
	StateSince time.Time `json:"state_since"`
}

// NAT service states (NatService.State).
const (
	natPending   = "pending"
	natAvailable = "available"
	natDeleting  = "deleting"
	natDeleted   = "deleted"
)

func natStage(state string) stage {
	switch state {
	case natPending, natDeleting:
		return moving
	case natDeleted:
		return lingering
	}
	return settled
}

// gone reports whether the NAT service no longer exists but in the
// listing: it holds nothing.
func (r natServiceRecord) gone() bool { return r.State == natDeleted }

func (r natServiceRecord) view() oapiNatService {
	n := r.oapiNatService
	n.PublicIPs = nonNil(n.PublicIPs)
	n.Tags = nonNil(n.Tags)
	return n
}

func createNatService(c *call) (any, error) {
	var req struct {
		ClientToken string  `json:"ClientToken"`
		DryRun      bool    `json:"DryRun"`
		PublicIPID  *string `json:"PublicIpId"`
		SubnetID    *string `json:"SubnetId"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := required("PublicIpId", req.PublicIPID); err != nil {
		return nil, err
	}
	if err := required("SubnetId", req.SubnetID); err != nil {
		return nil, err
	}
	account := c.account.AccountID
	return c.mutate(req.DryRun, func(tx store.Tx) (any, error) {
		answer := func(n natServiceRecord) (any, error) {
			return struct {
				NatService oapiNatService `json:"NatService"`
			}{n.view()}, nil
		}
		nats, err := listOwned[natServiceRecord](tx, collNatServices, account)
		if err != nil {
			return nil, err
		}
		// The same token gives back the same NAT service: a client that
		// lost the answer can send the request again. A deleted NAT
		// service's token is free again (unverified).
		if req.ClientToken != "" {
			for _, n := range nats {
				if n.ClientToken != req.ClientToken || n.gone() {
					continue
				}
				if n.SubnetID != *req.SubnetID || len(n.PublicIPs) == 0 || n.PublicIPs[0].PublicIPID != *req.PublicIPID {
					return nil, errInvalidValue("ClientToken", req.ClientToken,
						fmt.Sprintf("It already created the NAT service '%s' with other parameters.", n.NatServiceID))
				}
				return answer(n)
			}
		}
		subnet, err := mustLoad[subnetRecord](tx, collSubnets, "SubnetId", *req.SubnetID, account)
		if err != nil {
			return nil, err
		}
		ip, err := mustLoad[publicIPRecord](tx, collPublicIPs, "PublicIpId", *req.PublicIPID, account)
		if err != nil {
			return nil, err
		}
		if holder := ip.inUse(); holder != "" {
			return nil, errConflict(codePublicIPInUse, fmt.Sprintf(
				"The public IP '%s' (%s) is already in use by %s.", ip.PublicIPID, ip.PublicIP, holder))
		}
		n := natServiceRecord{owner: owner{account}, oapiNatService: oapiNatService{
			ClientToken:  req.ClientToken,
			NatServiceID: newID(tx, "nat-", collNatServices),
			NetID:        subnet.NetID,
			PublicIPs:    []publicIPLight{{PublicIP: ip.PublicIP, PublicIPID: ip.PublicIPID}},
			State:        natPending,
			SubnetID:     subnet.SubnetID,
			Tags:         []resourceTag{},
		}, StateSince: c.handler.opts.Now()}
		ip.NatServiceID, ip.LinkPublicIPID = n.NatServiceID, newLinkID("eipassoc-")
		if err := store.Put(tx, collPublicIPs, ip.PublicIPID, ip); err != nil {
			return nil, err
		}
		if err := store.Put(tx, collNatServices, n.NatServiceID, n); err != nil {
			return nil, err
		}
		return answer(n)
	})
}

func readNatServices(c *call) (any, error) {
	var req struct {
		DryRun  bool `json:"DryRun"`
		Filters struct {
			tagFilters
			ClientTokens  []string `json:"ClientTokens"`
			NatServiceIDs []string `json:"NatServiceIds"`
			NetIDs        []string `json:"NetIds"`
			States        []string `json:"States"`
			SubnetIDs     []string `json:"SubnetIds"`
		} `json:"Filters"`
		page
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	account := c.account.AccountID
	// A write transaction: reading moves the states along.
	return c.mutate(false, func(tx store.Tx) (any, error) {
		all, err := listOwned[natServiceRecord](tx, collNatServices, account)
		if err != nil {
			return nil, err
		}
		f := req.Filters
		var found []natServiceRecord
		for _, n := range all {
			if !matches(f.NatServiceIDs, n.NatServiceID) || !matches(f.NetIDs, n.NetID) || !matches(f.States, n.State) ||
				!matches(f.SubnetIDs, n.SubnetID) || !matches(f.ClientTokens, n.ClientToken) || !f.match(n.Tags) {
				continue
			}
			found = append(found, n)
		}
		shown, next, err := paginate(req.page, found)
		if err != nil {
			return nil, err
		}
		out := make([]oapiNatService, 0, len(shown))
		for _, n := range shown {
			out = append(out, n.view())
			if !c.handler.opts.Pace.Ready(collNatServices, n.NatServiceID, n.State) {
				continue
			}
			if err := advanceNatService(tx, n, c.handler.opts.Now()); err != nil {
				return nil, err
			}
		}
		return struct {
			NatServices   []oapiNatService `json:"NatServices"`
			NextPageToken string           `json:"NextPageToken,omitempty"`
		}{out, next}, nil
	})
}

// advanceNatService moves a NAT service to its next state: pending →
// available; deleting → deleted, releasing its public IP; deleted → gone.
func advanceNatService(tx store.Tx, n natServiceRecord, now time.Time) error {
	switch n.State {
	case natPending:
		n.State = natAvailable
	case natDeleting:
		n.State = natDeleted
		for _, light := range n.PublicIPs {
			ip, ok, err := load[publicIPRecord](tx, collPublicIPs, light.PublicIPID, n.AccountID)
			if err != nil {
				return err
			}
			if ok && ip.NatServiceID == n.NatServiceID {
				ip.NatServiceID, ip.LinkPublicIPID = "", ""
				if err := store.Put(tx, collPublicIPs, ip.PublicIPID, ip); err != nil {
					return err
				}
			}
		}
	case natDeleted:
		return tx.Delete(collNatServices, n.NatServiceID)
	default:
		return nil
	}
	n.StateSince = now
	return store.Put(tx, collNatServices, n.NatServiceID, n)
}

func deleteNatService(c *call) (any, error) {
	var req struct {
		DryRun       bool    `json:"DryRun"`
		NatServiceID *string `json:"NatServiceId"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := required("NatServiceId", req.NatServiceID); err != nil {
		return nil, err
	}
	return c.mutate(req.DryRun, func(tx store.Tx) (any, error) {
		n, err := mustLoad[natServiceRecord](tx, collNatServices, "NatServiceId", *req.NatServiceID, c.account.AccountID)
		if err != nil {
			return nil, err
		}
		switch n.State {
		case natDeleted:
			// Only its listing is left (unverified answer).
			return nil, errNotFound("NatServiceId", n.NatServiceID)
		case natDeleting:
			// Deleting twice is not an error: the second call finds it on its way.
			return struct{}{}, nil
		}
		n.State, n.StateSince = natDeleting, c.handler.opts.Now()
		return struct{}{}, store.Put(tx, collNatServices, n.NatServiceID, n)
	})
}
