package outscale

import (
	"fmt"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// NAT services (CreateNatService, ReadNatServices, DeleteNatService).
//
// A NAT service is the emulator's slow object. It is "pending" when
// created and "available" once a read has shown it; deleting puts it in
// "deleting", and it is gone once a read has shown that. Until it is gone
// it holds its subnet and its public IP, so deleting those answers a
// conflict, as the real cloud does while it unlinks things. Time plays no
// part: the state moves only when a client looks, so tests never sleep.

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
}

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
		// lost the answer can send the request again.
		if req.ClientToken != "" {
			for _, n := range nats {
				if n.ClientToken != req.ClientToken {
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
			State:        "pending",
			SubnetID:     subnet.SubnetID,
			Tags:         []resourceTag{},
		}}
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
			if err := advanceNatService(tx, n); err != nil {
				return nil, err
			}
		}
		return struct {
			NatServices   []oapiNatService `json:"NatServices"`
			NextPageToken string           `json:"NextPageToken,omitempty"`
		}{out, next}, nil
	})
}

// advanceNatService moves a NAT service a client has just seen to its next
// state: pending → available; deleting → gone, releasing its public IP.
func advanceNatService(tx store.Tx, n natServiceRecord) error {
	switch n.State {
	case "pending":
		n.State = "available"
		return store.Put(tx, collNatServices, n.NatServiceID, n)
	case "deleting":
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
		return tx.Delete(collNatServices, n.NatServiceID)
	}
	return nil
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
		// Deleting twice is not an error: the second call finds it on its way.
		n.State = "deleting"
		return struct{}{}, store.Put(tx, collNatServices, n.NatServiceID, n)
	})
}
