package outscale

import (
	"fmt"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// Internet services (CreateInternetService, LinkInternetService,
// UnlinkInternetService, DeleteInternetService, ReadInternetServices).

// oapiInternetService is OAPI's InternetService. NetId and State describe
// the link to a Net; the spec's example of CreateInternetService shows
// neither before the service is linked.
type oapiInternetService struct {
	InternetServiceID string        `json:"InternetServiceId"`
	NetID             string        `json:"NetId,omitempty"`
	State             string        `json:"State,omitempty"`
	Tags              []resourceTag `json:"Tags"`
}

type internetServiceRecord struct {
	owner
	oapiInternetService
}

func (r internetServiceRecord) view() oapiInternetService {
	s := r.oapiInternetService
	s.Tags = nonNil(s.Tags)
	return s
}

func createInternetService(c *call) (any, error) {
	var req struct {
		DryRun bool `json:"DryRun"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	return c.mutate(req.DryRun, func(tx store.Tx) (any, error) {
		s := internetServiceRecord{owner: owner{c.account.AccountID}, oapiInternetService: oapiInternetService{
			InternetServiceID: newID(tx, "igw-", collInternetServices),
			Tags:              []resourceTag{},
		}}
		if err := store.Put(tx, collInternetServices, s.InternetServiceID, s); err != nil {
			return nil, err
		}
		return struct {
			InternetService oapiInternetService `json:"InternetService"`
		}{s.view()}, nil
	})
}

// internetServiceLinkRequest is the body of Link and UnlinkInternetService.
type internetServiceLinkRequest struct {
	DryRun            bool    `json:"DryRun"`
	InternetServiceID *string `json:"InternetServiceId"`
	NetID             *string `json:"NetId"`
}

func (req internetServiceLinkRequest) check() error {
	if err := required("InternetServiceId", req.InternetServiceID); err != nil {
		return err
	}
	return required("NetId", req.NetID)
}

func linkInternetService(c *call) (any, error) {
	var req internetServiceLinkRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := req.check(); err != nil {
		return nil, err
	}
	account := c.account.AccountID
	return c.mutate(req.DryRun, func(tx store.Tx) (any, error) {
		s, err := mustLoad[internetServiceRecord](tx, collInternetServices, "InternetServiceId", *req.InternetServiceID, account)
		if err != nil {
			return nil, err
		}
		n, err := mustLoad[netRecord](tx, collNets, "NetId", *req.NetID, account)
		if err != nil {
			return nil, err
		}
		if s.NetID != "" {
			return nil, errConflict(codeAlreadyLinked, fmt.Sprintf(
				"The internet service '%s' is already linked to the Net '%s'.", s.InternetServiceID, s.NetID))
		}
		services, err := listOwned[internetServiceRecord](tx, collInternetServices, account)
		if err != nil {
			return nil, err
		}
		for _, other := range services {
			if other.NetID == n.NetID {
				return nil, errConflict(codeAlreadyLinked, fmt.Sprintf(
					"The Net '%s' already has the internet service '%s'.", n.NetID, other.InternetServiceID))
			}
		}
		s.NetID, s.State = n.NetID, "available"
		return struct{}{}, store.Put(tx, collInternetServices, s.InternetServiceID, s)
	})
}

func unlinkInternetService(c *call) (any, error) {
	var req internetServiceLinkRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := req.check(); err != nil {
		return nil, err
	}
	account := c.account.AccountID
	return c.mutate(req.DryRun, func(tx store.Tx) (any, error) {
		s, err := mustLoad[internetServiceRecord](tx, collInternetServices, "InternetServiceId", *req.InternetServiceID, account)
		if err != nil {
			return nil, err
		}
		if _, err := mustLoad[netRecord](tx, collNets, "NetId", *req.NetID, account); err != nil {
			return nil, err
		}
		if s.NetID == "" {
			return nil, errDependency(codeInternetServiceNotLinked, fmt.Sprintf(
				"The internet service '%s' is not linked to a Net.", s.InternetServiceID))
		}
		if s.NetID != *req.NetID {
			return nil, errInvalidValue("NetId", *req.NetID, fmt.Sprintf(
				"The internet service '%s' is linked to another Net.", s.InternetServiceID))
		}
		// The Net must hold no public IP in use ("The Net must not contain
		// VMs using public IPs", UnlinkInternetService). A NAT service holds
		// its public IP until it is deleted: this is the conflict clients
		// meet when they unlink right after deleting the NAT.
		nats, err := listOwned[natServiceRecord](tx, collNatServices, account)
		if err != nil {
			return nil, err
		}
		for _, nat := range nats {
			if nat.NetID == s.NetID && !nat.gone() {
				return nil, errDependency(codeInternetServiceHasServices, fmt.Sprintf(
					"The Net '%s' still maps public IPs through the NAT service %s (%s).", s.NetID, nat.NatServiceID, nat.State))
			}
		}
		mapped, err := mappedPublicIPs(tx, account, s.NetID)
		if err != nil {
			return nil, err
		}
		if len(mapped) > 0 {
			return nil, errDependency(codeInternetServiceHasPublicIPs, fmt.Sprintf(
				"The Net '%s' still maps public IPs to its VMs: %s.", s.NetID, joinLimited(mapped)))
		}
		s.NetID, s.State = "", ""
		return struct{}{}, store.Put(tx, collInternetServices, s.InternetServiceID, s)
	})
}

func deleteInternetService(c *call) (any, error) {
	var req struct {
		DryRun            bool    `json:"DryRun"`
		InternetServiceID *string `json:"InternetServiceId"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := required("InternetServiceId", req.InternetServiceID); err != nil {
		return nil, err
	}
	return c.mutate(req.DryRun, func(tx store.Tx) (any, error) {
		s, err := mustLoad[internetServiceRecord](tx, collInternetServices, "InternetServiceId", *req.InternetServiceID, c.account.AccountID)
		if err != nil {
			return nil, err
		}
		if s.NetID != "" {
			return nil, errDependency(codeInternetServiceLinked, fmt.Sprintf(
				"The internet service '%s' is linked to the Net '%s': unlink it first.", s.InternetServiceID, s.NetID))
		}
		return struct{}{}, tx.Delete(collInternetServices, s.InternetServiceID)
	})
}

func readInternetServices(c *call) (any, error) {
	var req struct {
		DryRun  bool `json:"DryRun"`
		Filters struct {
			tagFilters
			InternetServiceIDs []string `json:"InternetServiceIds"`
			LinkNetIDs         []string `json:"LinkNetIds"`
			LinkStates         []string `json:"LinkStates"`
		} `json:"Filters"`
		page
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	return c.view(func(tx store.Tx) (any, error) {
		all, err := listOwned[internetServiceRecord](tx, collInternetServices, c.account.AccountID)
		if err != nil {
			return nil, err
		}
		f := req.Filters
		var found []oapiInternetService
		for _, s := range all {
			if !matches(f.LinkNetIDs, s.NetID) || !matches(f.LinkStates, s.State) ||
				!matches(f.InternetServiceIDs, s.InternetServiceID) || !f.match(s.Tags) {
				continue
			}
			found = append(found, s.view())
		}
		services, next, err := paginate(req.page, found)
		if err != nil {
			return nil, err
		}
		return struct {
			InternetServices []oapiInternetService `json:"InternetServices"`
			NextPageToken    string                `json:"NextPageToken,omitempty"`
		}{services, next}, nil
	})
}

// mappedPublicIPs lists the public IPs linked to VMs of the Net that still
// hold them (not terminated), as "address (link)".
func mappedPublicIPs(tx store.Tx, account, netID string) ([]string, error) {
	ips, err := listOwned[publicIPRecord](tx, collPublicIPs, account)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, ip := range ips {
		if ip.VMID == "" {
			continue
		}
		vm, ok, err := load[vmRecord](tx, collVMs, ip.VMID, account)
		if err != nil {
			return nil, err
		}
		if ok && vm.alive() && vm.NetID == netID {
			out = append(out, ip.PublicIP+" ("+ip.LinkPublicIPID+")")
		}
	}
	return out, nil
}
