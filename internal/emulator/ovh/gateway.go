package ovh

import (
	"net/netip"
	"slices"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// Gateways (OpenStack routers with SNAT to the Internet) and their
// interfaces: the routes under /cloud/project/{serviceName}/region/{regionName}.
//
// Creating and deleting a gateway are asynchronous: both answer an
// operation (see operation.go). The gateway exists from the creation call
// on and is "building" until its creation's operation completes, "active"
// from then on: the official provider reads the gateway as soon as the
// operation names it and takes any other status than "active" for a
// failure. A read that shows a building gateway completes the work (the
// operation with it), as reads move every object on. The gateway goes away
// when its deletion's operation completes.

const collGateways = "ovh.gateways"

// gatewayModels is cloud.network.GatewayModelEnum.
var gatewayModels = []string{"2xl", "3xl", "l", "m", "s", "xl"}

// Gateway statuses (cloud.network.GatewayStatusEnum; "down" and "error"
// never happen here).
const (
	gatewayBuilding = "building"
	gatewayActive   = "active"
)

// publicAddresses is the block gateways' public addresses come from:
// TEST-NET-2 (RFC 5737), which no real host uses.
var publicAddresses = netip.MustParsePrefix("198.51.100.0/24")

// apiGateway is cloud.network.Gateway.
type apiGateway struct {
	ExternalInformation *externalInformation `json:"externalInformation"`
	ID                  string               `json:"id"`
	Interfaces          []gatewayInterface   `json:"interfaces"`
	Model               string               `json:"model"`
	Name                string               `json:"name"`
	Region              string               `json:"region"`
	Status              string               `json:"status"`
}

// gatewayInterface is cloud.network.gateway.Interface: the gateway's port
// in a subnet, which holds the subnet's gateway address.
type gatewayInterface struct {
	ID        string `json:"id"`
	IP        string `json:"ip"`
	NetworkID string `json:"networkId"` // the OpenStack network, not the pn-… id
	SubnetID  string `json:"subnetId"`
}

// externalInformation is cloud.network.gateway.ExternalInformation: the
// gateway's side on the region's public network.
type externalInformation struct {
	IPs       []externalIP `json:"ips"`
	NetworkID string       `json:"networkId"`
}

// externalIP is cloud.network.gateway.IpSubnet.
type externalIP struct {
	IP       string `json:"ip"`
	SubnetID string `json:"subnetId"`
}

type gatewayRecord struct {
	owner
	apiGateway
}

func (g gatewayRecord) view() apiGateway {
	v := g.apiGateway
	v.Interfaces = append([]gatewayInterface{}, g.Interfaces...)
	if g.ExternalInformation != nil {
		ext := *g.ExternalInformation
		ext.IPs = append([]externalIP{}, ext.IPs...)
		v.ExternalInformation = &ext
	}
	return v
}

// interfaceOn returns the gateway's interface in a subnet, or nil.
func (g gatewayRecord) interfaceOn(subnetID string) *gatewayInterface {
	for i := range g.Interfaces {
		if g.Interfaces[i].SubnetID == subnetID {
			return &g.Interfaces[i]
		}
	}
	return nil
}

// answered moves the gateway on after a read showed it: its creation's
// operation completes, which makes it active.
func (g gatewayRecord) answered(tx store.Tx, at time.Time) error {
	if g.Status != gatewayBuilding {
		return nil
	}
	ops, err := listInProject[operationRecord](tx, collOperations, g.Project)
	if err != nil {
		return err
	}
	for _, op := range ops {
		if op.GatewayID == g.ID && op.Action == actionGatewayCreate && op.Status != opCompleted {
			return completeOperation(tx, op, at)
		}
	}
	return gatewayBuilt(tx, g.ID)
}

// gatewayBuilt makes a building gateway active.
func gatewayBuilt(tx store.Tx, id string) error {
	g, found, err := store.Get[gatewayRecord](tx, collGateways, id)
	if err != nil || !found || g.Status != gatewayBuilding {
		return err
	}
	g.Status = gatewayActive
	return store.Put(tx, collGateways, g.ID, g)
}

func loadGateway(tx store.Tx, p Project, region, id string) (gatewayRecord, error) {
	g, found, err := getInProject[gatewayRecord](tx, collGateways, id, p.ID)
	if err != nil {
		return g, err
	}
	if !found || g.Region != region {
		return g, errNotFound("Gateway %s does not exist in region %s", id, region) // unverified wording
	}
	return g, nil
}

// gatewayParams reads the region and the gateway's id from the path.
func (c *call) gatewayParams(p Project) (region, id string, err error) {
	if region, err = c.regionParam(p); err != nil {
		return "", "", err
	}
	id, err = c.uuidParam("id")
	return region, id, err
}

// gatewayOn returns the gateway with an interface in a subnet, if any.
func gatewayOn(tx store.Tx, p Project, subnetID string) (*gatewayRecord, error) {
	gateways, err := listInProject[gatewayRecord](tx, collGateways, p.ID)
	if err != nil {
		return nil, err
	}
	for _, g := range gateways {
		if g.interfaceOn(subnetID) != nil {
			return &g, nil
		}
	}
	return nil, nil
}

// subnetInRegion loads a subnet of the project in region, and the OpenStack
// id of its network there.
func subnetInRegion(tx store.Tx, p Project, region, subnetID string) (subnetRecord, string, error) {
	s, found, err := getInProject[subnetRecord](tx, collSubnets, subnetID, p.ID)
	if err != nil {
		return s, "", err
	}
	if !found || s.Region != region {
		return s, "", errNotFound("Subnet %s does not exist in region %s", subnetID, region) // unverified wording
	}
	n, err := loadNetwork(tx, p, s.NetworkID)
	if err != nil {
		return s, "", err
	}
	nr, _ := n.inRegion(region)
	return s, nr.OpenstackID, nil
}

// checkModel refuses a model outside the enumeration (unverified wording).
func checkModel(model string) error {
	if !slices.Contains(gatewayModels, model) {
		return errBadRequest("[model] Given data (%s) does not belong to the GatewayModelEnum enumeration (%v)", model, gatewayModels)
	}
	return nil
}

// createGateway makes a gateway whose first interface is in the subnet of
// the path, and answers the creation's operation.
func createGateway(c *call) (any, error) {
	var req struct {
		Model *string `json:"model"`
		Name  *string `json:"name"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := mandatory(property{"model", req.Model != nil}, property{"name", req.Name != nil}); err != nil {
		return nil, err
	}
	if err := checkModel(*req.Model); err != nil {
		return nil, err
	}
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		region, err := c.regionParam(p)
		if err != nil {
			return nil, err
		}
		openstackID, err := c.uuidParam("networkId")
		if err != nil {
			return nil, err
		}
		subnetID, err := c.uuidParam("subnetId")
		if err != nil {
			return nil, err
		}
		s, subnetNetwork, err := subnetInRegion(tx, p, region, subnetID)
		if err != nil {
			return nil, err
		}
		if subnetNetwork != openstackID {
			return nil, errNotFound("Subnet %s does not exist in network %s", subnetID, openstackID) // unverified wording
		}
		if s.GatewayIP == nil {
			return nil, errBadRequest("Subnet %s has no gateway IP (it was created with noGateway): a gateway needs one", s.ID) // unverified
		}
		other, err := gatewayOn(tx, p, s.ID)
		if err != nil {
			return nil, err
		}
		if other != nil {
			return nil, errConflict("Subnet %s is already attached to gateway %s", s.ID, other.ID) // unverified
		}
		ip, err := allocatePublicAddress(tx)
		if err != nil {
			return nil, err
		}
		g := gatewayRecord{owner: owner{p.ID}, apiGateway: apiGateway{
			ID:         newUUID(),
			Name:       *req.Name,
			Model:      *req.Model,
			Region:     region,
			Status:     gatewayBuilding,
			Interfaces: []gatewayInterface{{ID: newUUID(), IP: *s.GatewayIP, NetworkID: openstackID, SubnetID: s.ID}},
			ExternalInformation: &externalInformation{
				NetworkID: derivedUUID("Ext-Net:" + region),
				IPs:       []externalIP{{IP: ip, SubnetID: derivedUUID("Ext-Net subnet:" + region)}},
			},
		}}
		if err := store.Put(tx, collGateways, g.ID, g); err != nil {
			return nil, err
		}
		op, err := startOperation(tx, c, p, actionGatewayCreate, region, g.ID)
		return op.view(), err
	})
}

// allocatePublicAddress picks the lowest address no gateway of any project
// holds.
func allocatePublicAddress(tx store.Tx) (string, error) {
	all, err := store.List[gatewayRecord](tx, collGateways)
	if err != nil {
		return "", err
	}
	used := map[string]bool{}
	for _, g := range all {
		if g.ExternalInformation != nil {
			for _, ip := range g.ExternalInformation.IPs {
				used[ip.IP] = true
			}
		}
	}
	last := lastAddress(publicAddresses)
	for a := publicAddresses.Addr().Next(); a.Less(last); a = a.Next() {
		if !used[a.String()] {
			return a.String(), nil
		}
	}
	return "", errConflict("No public address is left for a gateway in the emulator (%s)", publicAddresses)
}

func listGateways(c *call) (any, error) {
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		region, err := c.regionParam(p)
		if err != nil {
			return nil, err
		}
		subnetID := c.r.URL.Query().Get("subnetId")
		all, err := listInProject[gatewayRecord](tx, collGateways, p.ID)
		if err != nil {
			return nil, err
		}
		out := []apiGateway{}
		for _, g := range all {
			if g.Region != region || (subnetID != "" && g.interfaceOn(subnetID) == nil) {
				continue
			}
			out = append(out, g.view())
			if err := c.advance(collGateways, g.ID, g.Status, func() error { return g.answered(tx, c.clock()) }); err != nil {
				return nil, err
			}
		}
		return out, nil
	})
}

func getGateway(c *call) (any, error) {
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		region, id, err := c.gatewayParams(p)
		if err != nil {
			return nil, err
		}
		g, err := loadGateway(tx, p, region, id)
		if err != nil {
			return nil, err
		}
		return g.view(), c.advance(collGateways, g.ID, g.Status, func() error { return g.answered(tx, c.clock()) })
	})
}

func updateGateway(c *call) (any, error) {
	var req struct {
		Model *string `json:"model"`
		Name  *string `json:"name"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := mandatory(property{"model", req.Model != nil}, property{"name", req.Name != nil}); err != nil {
		return nil, err
	}
	if err := checkModel(*req.Model); err != nil {
		return nil, err
	}
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		region, id, err := c.gatewayParams(p)
		if err != nil {
			return nil, err
		}
		g, err := loadGateway(tx, p, region, id)
		if err != nil {
			return nil, err
		}
		g.Name, g.Model = *req.Name, *req.Model
		return g.view(), store.Put(tx, collGateways, g.ID, g)
	})
}

// deleteGateway answers the deletion's operation. Asking again while it
// runs answers the same operation.
func deleteGateway(c *call) (any, error) {
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		region, id, err := c.gatewayParams(p)
		if err != nil {
			return nil, err
		}
		g, err := loadGateway(tx, p, region, id)
		if err != nil {
			return nil, err
		}
		ops, err := listInProject[operationRecord](tx, collOperations, p.ID)
		if err != nil {
			return nil, err
		}
		for _, op := range ops {
			if op.GatewayID == g.ID && op.Action == actionGatewayDelete && op.Status != opCompleted {
				return op.view(), nil
			}
		}
		op, err := startOperation(tx, c, p, actionGatewayDelete, region, g.ID)
		return op.view(), err
	})
}

// pathGateway loads the gateway the path names.
func (c *call) pathGateway(tx store.Tx, p Project) (gatewayRecord, error) {
	region, id, err := c.gatewayParams(p)
	if err != nil {
		return gatewayRecord{}, err
	}
	return loadGateway(tx, p, region, id)
}

func listInterfaces(c *call) (any, error) {
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		g, err := c.pathGateway(tx, p)
		if err != nil {
			return nil, err
		}
		return g.view().Interfaces, nil
	})
}

func createInterface(c *call) (any, error) {
	var req struct {
		SubnetID *string `json:"subnetId"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := mandatory(property{"subnetId", req.SubnetID != nil}); err != nil {
		return nil, err
	}
	if err := checkUUID(*req.SubnetID); err != nil {
		return nil, errBadRequest("[subnetId] Given data (%s) is not a valid uuid: %v", *req.SubnetID, err) // unverified
	}
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		g, err := c.pathGateway(tx, p)
		if err != nil {
			return nil, err
		}
		if g.Status != gatewayActive {
			// Unverified: the real API's answer while the gateway builds.
			return nil, errBadRequest("Gateway %s is %s: wait until it is %s to add interfaces", g.ID, g.Status, gatewayActive)
		}
		s, openstackID, err := subnetInRegion(tx, p, g.Region, *req.SubnetID)
		if err != nil {
			return nil, err
		}
		if s.GatewayIP == nil {
			return nil, errBadRequest("Subnet %s has no gateway IP (it was created with noGateway): a gateway needs one", s.ID) // unverified
		}
		other, err := gatewayOn(tx, p, s.ID)
		if err != nil {
			return nil, err
		}
		if other != nil {
			return nil, errConflict("Subnet %s is already attached to gateway %s", s.ID, other.ID) // unverified
		}
		itf := gatewayInterface{ID: newUUID(), IP: *s.GatewayIP, NetworkID: openstackID, SubnetID: s.ID}
		g.Interfaces = append(g.Interfaces, itf)
		return itf, store.Put(tx, collGateways, g.ID, g)
	})
}

// pathInterface finds the interface of the path in its gateway.
func (c *call) pathInterface(g gatewayRecord) (int, error) {
	id, err := c.uuidParam("interfaceId")
	if err != nil {
		return 0, err
	}
	i := slices.IndexFunc(g.Interfaces, func(itf gatewayInterface) bool { return itf.ID == id })
	if i < 0 {
		return 0, errNotFound("Interface %s does not exist on gateway %s", id, g.ID) // unverified wording
	}
	return i, nil
}

func getInterface(c *call) (any, error) {
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		g, err := c.pathGateway(tx, p)
		if err != nil {
			return nil, err
		}
		i, err := c.pathInterface(g)
		if err != nil {
			return nil, err
		}
		return g.Interfaces[i], nil
	})
}

func deleteInterface(c *call) (any, error) {
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		g, err := c.pathGateway(tx, p)
		if err != nil {
			return nil, err
		}
		i, err := c.pathInterface(g)
		if err != nil {
			return nil, err
		}
		g.Interfaces = slices.Delete(g.Interfaces, i, i+1)
		return nil, store.Put(tx, collGateways, g.ID, g)
	})
}
