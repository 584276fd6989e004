package outscale

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// Net access points (CreateNetAccessPoint, ReadNetAccessPoints,
// DeleteNetAccessPoint, ReadNetAccessPointServices).
//
// Like NAT services they move on when read or with time (transient.go):
// "pending" to "available", and "deleting" to "deleted" (a Net access point
// is "not destroyed directly", outscale/osc-tui#49), which the listing shows
// for a while. Creating one allocates a public IP to the account that is
// "not connected to the Internet" (CreateNetAccessPoint); it is released
// when the access point is deleted.
//
// A Net access point being deleted does not hold its Net. The official
// provider (resource_outscale_net_access_point.go) neither waits after
// DeleteNetAccessPoint nor retries DeleteNet on DependencyProblem (its SDK
// retries 429 and 5xx only), and Terraform destroys the Net a few calls
// after the access point; its acceptance tests pass on the real cloud, so
// the real DeleteNet must accept a Net whose access point is on its way
// out (inferred, undocumented). DeleteNet finishes such access points.

// oapiService is OAPI's Service.
type oapiService struct {
	IPRanges    []string `json:"IpRanges"`
	ServiceID   string   `json:"ServiceId"`
	ServiceName string   `json:"ServiceName"`
}

// regionServices are the services of a Region that a Net access point can
// reach: the API and object storage, as in the spec's example. Their ids
// (pl-, prefix lists) are derived from the name so that they are stable;
// their address ranges come from 198.18.0.0/15, reserved for benchmarks
// and never routed.
func regionServices(region string) []oapiService {
	var out []oapiService
	for i, svc := range []string{"api", "oos"} {
		name := "com.outscale." + region + "." + svc
		sum := sha256.Sum256([]byte(name))
		out = append(out, oapiService{
			ServiceName: name,
			ServiceID:   "pl-" + hex.EncodeToString(sum[:4]),
			IPRanges:    []string{fmt.Sprintf("198.18.%d.0/24", i)},
		})
	}
	return out
}

// oapiNetAccessPoint is OAPI's NetAccessPoint.
type oapiNetAccessPoint struct {
	NetAccessPointID string        `json:"NetAccessPointId"`
	NetID            string        `json:"NetId"`
	RouteTableIDs    []string      `json:"RouteTableIds"`
	ServiceName      string        `json:"ServiceName"`
	State            string        `json:"State"`
	Tags             []resourceTag `json:"Tags"`
}

type netAccessPointRecord struct {
	owner
	oapiNetAccessPoint
	// PublicIPID is the address allocated with the access point.
	PublicIPID string `json:"public_ip_id"`
	// StateSince is when it entered its State.
	StateSince time.Time `json:"state_since"`
}

// Net access point states (NetAccessPoint.State).
const (
	napPending   = "pending"
	napAvailable = "available"
	napDeleting  = "deleting"
	napDeleted   = "deleted"
)

func accessPointStage(state string) stage {
	switch state {
	case napPending, napDeleting:
		return moving
	case napDeleted:
		return lingering
	}
	return settled
}

// leaving reports whether the access point is on its way out: it holds
// neither its Net nor its routes.
func (r netAccessPointRecord) leaving() bool { return r.State == napDeleting || r.State == napDeleted }

// advanceNetAccessPoint moves an access point to its next state: pending →
// available; deleting → deleted, releasing its public IP; deleted → gone.
func advanceNetAccessPoint(tx store.Tx, p netAccessPointRecord, now time.Time) error {
	switch p.State {
	case napPending:
		p.State = napAvailable
	case napDeleting:
		p.State = napDeleted
		if err := tx.Delete(collPublicIPs, p.PublicIPID); err != nil {
			return err
		}
	case napDeleted:
		return tx.Delete(collNetAccessPoints, p.NetAccessPointID)
	default:
		return nil
	}
	p.StateSince = now
	return store.Put(tx, collNetAccessPoints, p.NetAccessPointID, p)
}

// finishNetAccessPoint removes an access point being deleted at once, with
// its public IP (DeleteNet does, see above).
func finishNetAccessPoint(tx store.Tx, p netAccessPointRecord) error {
	if err := tx.Delete(collPublicIPs, p.PublicIPID); err != nil {
		return err
	}
	return tx.Delete(collNetAccessPoints, p.NetAccessPointID)
}

func (r netAccessPointRecord) view() oapiNetAccessPoint {
	p := r.oapiNetAccessPoint
	p.RouteTableIDs = nonNil(p.RouteTableIDs)
	p.Tags = nonNil(p.Tags)
	return p
}

func readNetAccessPointServices(c *call) (any, error) {
	var req struct {
		DryRun  bool `json:"DryRun"`
		Filters struct {
			ServiceIDs   []string `json:"ServiceIds"`
			ServiceNames []string `json:"ServiceNames"`
		} `json:"Filters"`
		page
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	// The call is public: without an account there is no Region, so it
	// lists the services of every Region the emulator serves.
	var found []oapiService
	for _, region := range c.handler.opts.Regions {
		for _, s := range regionServices(region) {
			if matches(req.Filters.ServiceIDs, s.ServiceID) && matches(req.Filters.ServiceNames, s.ServiceName) {
				found = append(found, s)
			}
		}
	}
	services, next, err := paginate(req.page, found)
	if err != nil {
		return nil, err
	}
	return struct {
		Services      []oapiService `json:"Services"`
		NextPageToken string        `json:"NextPageToken,omitempty"`
	}{services, next}, nil
}

func createNetAccessPoint(c *call) (any, error) {
	var req struct {
		DryRun        bool     `json:"DryRun"`
		NetID         *string  `json:"NetId"`
		RouteTableIDs []string `json:"RouteTableIds"`
		ServiceName   *string  `json:"ServiceName"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := required("NetId", req.NetID); err != nil {
		return nil, err
	}
	if err := required("ServiceName", req.ServiceName); err != nil {
		return nil, err
	}
	services := regionServices(c.account.Region)
	i := slices.IndexFunc(services, func(s oapiService) bool { return s.ServiceName == *req.ServiceName })
	if i < 0 {
		return nil, errInvalidValue("ServiceName", *req.ServiceName, fmt.Sprintf(
			"The services of the Region are %s and %s (see ReadNetAccessPointServices).", services[0].ServiceName, services[1].ServiceName))
	}
	service := services[i]
	account := c.account.AccountID
	return c.mutate(req.DryRun, func(tx store.Tx) (any, error) {
		n, err := mustLoad[netRecord](tx, collNets, "NetId", *req.NetID, account)
		if err != nil {
			return nil, err
		}
		nap := netAccessPointRecord{owner: owner{account}, oapiNetAccessPoint: oapiNetAccessPoint{
			NetAccessPointID: newID(tx, "vpce-", collNetAccessPoints),
			NetID:            n.NetID,
			RouteTableIDs:    []string{},
			ServiceName:      service.ServiceName,
			State:            napPending,
			Tags:             []resourceTag{},
		}, StateSince: c.handler.opts.Now()}
		// Each route table gets a route to the service's prefix list, with
		// the access point as its target.
		if err := nap.addRoutes(tx, service, req.RouteTableIDs); err != nil {
			return nil, err
		}
		ip, err := newPublicIP(tx, account)
		if err != nil {
			return nil, err
		}
		ip.NetAccessPointIDs = []string{nap.NetAccessPointID}
		nap.PublicIPID = ip.PublicIPID
		if err := store.Put(tx, collPublicIPs, ip.PublicIPID, ip); err != nil {
			return nil, err
		}
		if err := store.Put(tx, collNetAccessPoints, nap.NetAccessPointID, nap); err != nil {
			return nil, err
		}
		return struct {
			NetAccessPoint oapiNetAccessPoint `json:"NetAccessPoint"`
		}{nap.view()}, nil
	})
}

// addRoutes gives each route table of ids a route to service through the
// access point, and records the tables.
func (p *netAccessPointRecord) addRoutes(tx store.Tx, service oapiService, ids []string) error {
	for _, id := range ids {
		rt, err := mustLoad[routeTableRecord](tx, collRouteTables, "RouteTableId", id, p.AccountID)
		if err != nil {
			return err
		}
		if rt.NetID != p.NetID {
			return errInvalidValue("RouteTableIds", id, fmt.Sprintf("The route table is not in the Net '%s'.", p.NetID))
		}
		if slices.ContainsFunc(rt.Routes, func(r oapiRoute) bool { return r.DestinationServiceID == service.ServiceID }) {
			return errConflict(codeRouteToServiceExists, fmt.Sprintf(
				"The route table '%s' already has a route to %s.", id, service.ServiceName))
		}
		// The creation method of such routes is unverified.
		rt.Routes = append(rt.Routes, oapiRoute{DestinationServiceID: service.ServiceID, NetAccessPointID: p.NetAccessPointID,
			CreationMethod: "CreateRoute", State: "active"})
		if err := putRouteTable(tx, rt); err != nil {
			return err
		}
		if !slices.Contains(p.RouteTableIDs, id) {
			p.RouteTableIDs = append(p.RouteTableIDs, id)
		}
	}
	return nil
}

// removeRoutes takes the access point's route out of each route table of
// ids (all of its tables when ids is nil), and forgets the tables.
func (p *netAccessPointRecord) removeRoutes(tx store.Tx, ids []string) error {
	if ids == nil {
		ids = slices.Clone(p.RouteTableIDs)
	}
	for _, id := range ids {
		if !slices.Contains(p.RouteTableIDs, id) {
			return errInvalidValue("RemoveRouteTableIds", id, "The Net access point has no route in this route table.")
		}
		rt, ok, err := load[routeTableRecord](tx, collRouteTables, id, p.AccountID)
		if err != nil {
			return err
		}
		if ok {
			rt.Routes = slices.DeleteFunc(rt.Routes, func(r oapiRoute) bool { return r.NetAccessPointID == p.NetAccessPointID })
			if err := putRouteTable(tx, rt); err != nil {
				return err
			}
		}
		p.RouteTableIDs = slices.DeleteFunc(p.RouteTableIDs, func(t string) bool { return t == id })
	}
	return nil
}

// updateNetAccessPoint adds and removes the route tables of an access
// point, as the official provider's update does.
func updateNetAccessPoint(c *call) (any, error) {
	var req struct {
		AddRouteTableIDs    []string `json:"AddRouteTableIds"`
		DryRun              bool     `json:"DryRun"`
		NetAccessPointID    *string  `json:"NetAccessPointId"`
		RemoveRouteTableIDs []string `json:"RemoveRouteTableIds"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := required("NetAccessPointId", req.NetAccessPointID); err != nil {
		return nil, err
	}
	account := c.account.AccountID
	return c.mutate(req.DryRun, func(tx store.Tx) (any, error) {
		nap, err := mustLoad[netAccessPointRecord](tx, collNetAccessPoints, "NetAccessPointId", *req.NetAccessPointID, account)
		if err != nil {
			return nil, err
		}
		if nap.leaving() {
			return nil, errConflict(codeNetAccessPointState, fmt.Sprintf(
				"The Net access point '%s' is %s.", nap.NetAccessPointID, nap.State))
		}
		services := regionServices(c.account.Region)
		i := slices.IndexFunc(services, func(s oapiService) bool { return s.ServiceName == nap.ServiceName })
		if i < 0 {
			return nil, errInvalidValue("NetAccessPointId", nap.NetAccessPointID, "Its service is not one of the Region.")
		}
		if err := nap.removeRoutes(tx, nonNil(req.RemoveRouteTableIDs)); err != nil {
			return nil, err
		}
		if err := nap.addRoutes(tx, services[i], req.AddRouteTableIDs); err != nil {
			return nil, err
		}
		if err := store.Put(tx, collNetAccessPoints, nap.NetAccessPointID, nap); err != nil {
			return nil, err
		}
		return struct {
			NetAccessPoint oapiNetAccessPoint `json:"NetAccessPoint"`
		}{nap.view()}, nil
	})
}

func readNetAccessPoints(c *call) (any, error) {
	var req struct {
		DryRun  bool `json:"DryRun"`
		Filters struct {
			tagFilters
			NetAccessPointIDs []string `json:"NetAccessPointIds"`
			NetIDs            []string `json:"NetIds"`
			ServiceNames      []string `json:"ServiceNames"`
			States            []string `json:"States"`
		} `json:"Filters"`
		page
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	account := c.account.AccountID
	// A write transaction: reading moves the states along.
	return c.mutate(false, func(tx store.Tx) (any, error) {
		all, err := listOwned[netAccessPointRecord](tx, collNetAccessPoints, account)
		if err != nil {
			return nil, err
		}
		f := req.Filters
		var found []netAccessPointRecord
		for _, p := range all {
			if !matches(f.NetAccessPointIDs, p.NetAccessPointID) || !matches(f.NetIDs, p.NetID) ||
				!matches(f.ServiceNames, p.ServiceName) || !matches(f.States, p.State) || !f.match(p.Tags) {
				continue
			}
			found = append(found, p)
		}
		shown, next, err := paginate(req.page, found)
		if err != nil {
			return nil, err
		}
		out := make([]oapiNetAccessPoint, 0, len(shown))
		for _, p := range shown {
			out = append(out, p.view())
			if !c.handler.opts.Pace.Ready(collNetAccessPoints, p.NetAccessPointID, p.State) {
				continue
			}
			if err := advanceNetAccessPoint(tx, p, c.handler.opts.Now()); err != nil {
				return nil, err
			}
		}
		return struct {
			NetAccessPoints []oapiNetAccessPoint `json:"NetAccessPoints"`
			NextPageToken   string               `json:"NextPageToken,omitempty"`
		}{out, next}, nil
	})
}

func deleteNetAccessPoint(c *call) (any, error) {
	var req struct {
		DryRun           bool    `json:"DryRun"`
		NetAccessPointID *string `json:"NetAccessPointId"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := required("NetAccessPointId", req.NetAccessPointID); err != nil {
		return nil, err
	}
	account := c.account.AccountID
	return c.mutate(req.DryRun, func(tx store.Tx) (any, error) {
		nap, err := mustLoad[netAccessPointRecord](tx, collNetAccessPoints, "NetAccessPointId", *req.NetAccessPointID, account)
		if err != nil {
			return nil, err
		}
		switch nap.State {
		case napDeleted:
			// Only its listing is left (unverified answer).
			return nil, errNotFound("NetAccessPointId", nap.NetAccessPointID)
		case napDeleting:
			return struct{}{}, nil
		}
		// "This action also deletes the corresponding routes" at once; the
		// access point itself lingers in "deleting". Its RouteTableIds keep
		// naming the tables (unverified).
		tables := slices.Clone(nap.RouteTableIDs)
		if err := nap.removeRoutes(tx, nil); err != nil {
			return nil, err
		}
		nap.RouteTableIDs = tables
		nap.State, nap.StateSince = napDeleting, c.handler.opts.Now()
		return struct{}{}, store.Put(tx, collNetAccessPoints, nap.NetAccessPointID, nap)
	})
}
