package ovh

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// The OVHcloud API v1 calls behind the network, typed after the models of
// cloud.json (only the fields this package reads), and the waits on their
// asynchronous states.

// Routes, as the API documents them; call logs them and names them in errors.
const (
	routeNetworks      = "/cloud/project/{serviceName}/network/private"
	routeNetwork       = routeNetworks + "/{networkId}"
	routeSubnets       = routeNetwork + "/subnet"
	routeSubnet        = routeSubnets + "/{subnetId}"
	routeCreateGateway = "/cloud/project/{serviceName}/region/{regionName}/network/{networkId}/subnet/{subnetId}/gateway"
	routeGateways      = "/cloud/project/{serviceName}/region/{regionName}/gateway"
	routeGateway       = routeGateways + "/{id}"
	routeInterfaces    = routeGateway + "/interface"
	routeOperation     = "/cloud/project/{serviceName}/operation/{operationId}"
)

// fill puts values, escaped, in place of a route's {parameters}, in order.
func fill(route string, values ...string) string {
	var b strings.Builder
	for _, v := range values {
		before, after, ok := strings.Cut(route, "{")
		if !ok {
			break
		}
		_, route, _ = strings.Cut(after, "}")
		b.WriteString(before)
		b.WriteString(pathSegment(v))
	}
	b.WriteString(route)
	return b.String()
}

// pathSegment escapes an id as one path segment. PathEscape leaves dots
// alone, and a server resolves a "." or ".." segment: an import id ".."
// would then call the parent route. Escaped, the dots are an id like any.
func pathSegment(v string) string {
	if v == "." || v == ".." {
		return strings.Repeat("%2E", len(v))
	}
	return url.PathEscape(v)
}

// privateNetwork is cloud.network.Network.
type privateNetwork struct {
	ID      string          `json:"id"`
	Name    string          `json:"name"`
	Status  string          `json:"status"` // BUILDING, ACTIVE, DELETING
	VlanID  int64           `json:"vlanId"`
	Regions []networkRegion `json:"regions"`
}

// networkRegion is cloud.network.NetworkRegion.
type networkRegion struct {
	Region      string `json:"region"`
	Status      string `json:"status"` // BUILDING, ACTIVE
	OpenstackID string `json:"openstackId"`
}

const (
	networkActive   = "ACTIVE"
	networkDeleting = "DELETING"
)

// in returns the network's presence in region.
func (n privateNetwork) in(region string) (networkRegion, bool) {
	for _, r := range n.Regions {
		if r.Region == region {
			return r, true
		}
	}
	return networkRegion{}, false
}

// subnet is cloud.network.Subnet.
type subnet struct {
	ID      string `json:"id"`
	CIDR    string `json:"cidr"`
	IPPools []struct {
		Region string `json:"region"`
	} `json:"ipPools"`
}

func (s subnet) inRegion(region string) bool {
	for _, p := range s.IPPools {
		if p.Region == region {
			return true
		}
	}
	return false
}

// gateway is cloud.network.Gateway.
type gateway struct {
	ID                  string             `json:"id"`
	Name                string             `json:"name"`
	Status              string             `json:"status"` // active, building, down, error
	Interfaces          []gatewayInterface `json:"interfaces"`
	ExternalInformation *struct {
		IPs []struct {
			IP string `json:"ip"`
		} `json:"ips"`
	} `json:"externalInformation"`
}

// Gateway statuses (cloud.network.GatewayStatusEnum, with "down").
const (
	gatewayActive   = "active"
	gatewayBuilding = "building"
	gatewayError    = "error"
)

// gatewayInterface is cloud.network.gateway.Interface.
type gatewayInterface struct {
	ID        string `json:"id"`
	SubnetID  string `json:"subnetId"`
	NetworkID string `json:"networkId"` // the OpenStack network
}

// interfaceIn returns the gateway's interface in a subnet, or nil.
func (g gateway) interfaceIn(subnetID string) *gatewayInterface {
	for i := range g.Interfaces {
		if g.Interfaces[i].SubnetID == subnetID {
			return &g.Interfaces[i]
		}
	}
	return nil
}

// publicIPs are the gateway's addresses on the Internet.
func (g gateway) publicIPs() []string {
	var ips []string
	if g.ExternalInformation != nil {
		for _, ip := range g.ExternalInformation.IPs {
			ips = append(ips, ip.IP)
		}
	}
	return ips
}

// operation is cloud.Operation.
type operation struct {
	ID         string  `json:"id"`
	Action     string  `json:"action"`
	Status     string  `json:"status"` // created, in-progress, completed, in-error, unknown
	ResourceID *string `json:"resourceId"`
}

func (c *Client) listNetworks(ctx context.Context) ([]privateNetwork, error) {
	var out []privateNetwork
	err := c.call(ctx, http.MethodGet, fill(routeNetworks, c.cfg.ProjectID), routeNetworks, nil, &out)
	return out, err
}

func (c *Client) createNetwork(ctx context.Context, name string) (privateNetwork, error) {
	// No vlanId: the API picks a free one. The project's other private
	// networks may use any, and a VLAN shared by two networks joins them.
	body := struct {
		Name    string   `json:"name"`
		Regions []string `json:"regions"`
	}{name, []string{c.cfg.Region}}
	var out privateNetwork
	err := c.call(ctx, http.MethodPost, fill(routeNetworks, c.cfg.ProjectID), routeNetworks, body, &out)
	return out, err
}

func (c *Client) getNetwork(ctx context.Context, id string) (privateNetwork, error) {
	var out privateNetwork
	err := c.call(ctx, http.MethodGet, fill(routeNetwork, c.cfg.ProjectID, id), routeNetwork, nil, &out)
	return out, err
}

func (c *Client) renameNetwork(ctx context.Context, id, name string) error {
	body := struct {
		Name string `json:"name"`
	}{name}
	return c.call(ctx, http.MethodPut, fill(routeNetwork, c.cfg.ProjectID, id), routeNetwork, body, nil)
}

func (c *Client) deleteNetwork(ctx context.Context, id string) error {
	return c.call(ctx, http.MethodDelete, fill(routeNetwork, c.cfg.ProjectID, id), routeNetwork, nil, nil)
}

func (c *Client) listSubnets(ctx context.Context, networkID string) ([]subnet, error) {
	var out []subnet
	err := c.call(ctx, http.MethodGet, fill(routeSubnets, c.cfg.ProjectID, networkID), routeSubnets, nil, &out)
	return out, err
}

// createSubnet makes a subnet of the block cidr in the client's region. Its
// first usable address is its gateway address (the gateway's interface
// takes it); DHCP hands out the rest, up to the one before the broadcast
// address.
func (c *Client) createSubnet(ctx context.Context, networkID, cidr string) (subnet, error) {
	start, end, err := dhcpRange(cidr)
	if err != nil {
		return subnet{}, err
	}
	body := struct {
		DHCP      bool   `json:"dhcp"`
		End       string `json:"end"`
		Network   string `json:"network"`
		NoGateway bool   `json:"noGateway"`
		Region    string `json:"region"`
		Start     string `json:"start"`
	}{DHCP: true, End: end.String(), Network: cidr, NoGateway: false, Region: c.cfg.Region, Start: start.String()}
	var out subnet
	err = c.call(ctx, http.MethodPost, fill(routeSubnets, c.cfg.ProjectID, networkID), routeSubnets, body, &out)
	return out, err
}

// dhcpRange is the DHCP range of an IPv4 block: from its third address (the
// first is the network's, the second the gateway's) to the one before its
// broadcast address.
func dhcpRange(cidr string) (start, end netip.Addr, err error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil || !p.Addr().Is4() || p.Bits() > 29 {
		return start, end, fmt.Errorf("%q is not an IPv4 block of at least 8 addresses", cidr)
	}
	a := p.Masked().Addr().As4()
	broadcast := binary.BigEndian.Uint32(a[:]) | uint32(uint64(1)<<(32-p.Bits())-1)
	binary.BigEndian.PutUint32(a[:], broadcast)
	return p.Masked().Addr().Next().Next(), netip.AddrFrom4(a).Prev(), nil
}

func (c *Client) deleteSubnet(ctx context.Context, networkID, subnetID string) error {
	return c.call(ctx, http.MethodDelete, fill(routeSubnet, c.cfg.ProjectID, networkID, subnetID), routeSubnet, nil, nil)
}

// createGateway starts making a gateway in a subnet; openstackID is the
// private network's OpenStack id in the region, not its pn-… id.
func (c *Client) createGateway(ctx context.Context, openstackID, subnetID, name string) (operation, error) {
	body := struct {
		Model string `json:"model"`
		Name  string `json:"name"`
	}{gatewayModel, name}
	var out operation
	err := c.call(ctx, http.MethodPost, fill(routeCreateGateway, c.cfg.ProjectID, c.cfg.Region, openstackID, subnetID),
		routeCreateGateway, body, &out)
	return out, err
}

// listGateways lists the region's gateways, only those with an interface in
// subnetID unless it is empty.
func (c *Client) listGateways(ctx context.Context, subnetID string) ([]gateway, error) {
	path := fill(routeGateways, c.cfg.ProjectID, c.cfg.Region)
	if subnetID != "" {
		path += "?subnetId=" + url.QueryEscape(subnetID)
	}
	var out []gateway
	err := c.call(ctx, http.MethodGet, path, routeGateways, nil, &out)
	return out, err
}

func (c *Client) getGateway(ctx context.Context, id string) (gateway, error) {
	var out gateway
	err := c.call(ctx, http.MethodGet, fill(routeGateway, c.cfg.ProjectID, c.cfg.Region, id), routeGateway, nil, &out)
	return out, err
}

func (c *Client) deleteGateway(ctx context.Context, id string) (operation, error) {
	var out operation
	err := c.call(ctx, http.MethodDelete, fill(routeGateway, c.cfg.ProjectID, c.cfg.Region, id), routeGateway, nil, &out)
	return out, err
}

func (c *Client) addInterface(ctx context.Context, gatewayID, subnetID string) (gatewayInterface, error) {
	body := struct {
		SubnetID string `json:"subnetId"`
	}{subnetID}
	var out gatewayInterface
	err := c.call(ctx, http.MethodPost, fill(routeInterfaces, c.cfg.ProjectID, c.cfg.Region, gatewayID), routeInterfaces, body, &out)
	return out, err
}

func (c *Client) getOperation(ctx context.Context, id string) (operation, error) {
	var out operation
	err := c.call(ctx, http.MethodGet, fill(routeOperation, c.cfg.ProjectID, id), routeOperation, nil, &out)
	return out, err
}

// waitNetworkActive waits until the private network is ACTIVE in the
// client's region, and returns it.
func (c *Client) waitNetworkActive(ctx context.Context, id string) (privateNetwork, error) {
	var n privateNetwork
	err := cloud.WaitFor(ctx, c.retry, "the private network "+id+" to become "+networkActive, func(ctx context.Context) (bool, error) {
		var err error
		if n, err = c.getNetwork(ctx, id); err != nil {
			return false, fmt.Errorf("reading the private network %s: %w", id, err)
		}
		r, ok := n.in(c.cfg.Region)
		if !ok {
			return false, fmt.Errorf("the private network %s is not in the region %s", id, c.cfg.Region)
		}
		return n.Status == networkActive && r.Status == networkActive, nil
	})
	return n, err
}

// waitNetworkGone waits until the private network is deleted.
func (c *Client) waitNetworkGone(ctx context.Context, id string) error {
	return cloud.WaitFor(ctx, c.retry, "the private network "+id+" to be deleted", func(ctx context.Context) (bool, error) {
		_, err := c.getNetwork(ctx, id)
		if isNotFound(err) {
			return true, nil
		}
		if err != nil {
			return false, fmt.Errorf("reading the private network %s: %w", id, err)
		}
		return false, nil
	})
}

// waitOperation waits until an operation completes, and returns it. what
// names the operation's work in errors, such as "the creation of the
// gateway wh-gateway".
func (c *Client) waitOperation(ctx context.Context, id, what string) error {
	return cloud.WaitFor(ctx, c.retry, what+" (operation "+id+")", func(ctx context.Context) (bool, error) {
		op, err := c.getOperation(ctx, id)
		if err != nil {
			return false, fmt.Errorf("reading the operation %s (%s): %w", id, what, err)
		}
		switch op.Status {
		case "completed":
			return true, nil
		case "in-error":
			return false, fmt.Errorf("%s failed: the operation %s (%s) is in error", what, id, op.Action)
		}
		return false, nil
	})
}

// waitOperationAndObject waits until an operation has completed and the
// object it makes is ready, watching both at once: the object progresses
// while the operation runs, and is often ready when it completes. ready
// reads the object (it may not be listed yet) and reports whether it is
// ready; it gets the operation as last read (its ResourceID names the object
// once it has completed). An operation forgotten by the API (not found)
// counts as completed; one in error ends the wait. It returns the
// operation as last read.
func (c *Client) waitOperationAndObject(ctx context.Context, opID, what string,
	ready func(ctx context.Context, op operation) (bool, error)) (operation, error) {
	var op operation
	opDone, objectReady := opID == "", false
	err := cloud.WaitFor(ctx, c.retry, what, func(ctx context.Context) (bool, error) {
		var checks []func(ctx context.Context) error
		if !opDone {
			checks = append(checks, func(ctx context.Context) error {
				read, err := c.getOperation(ctx, opID)
				switch {
				case isNotFound(err):
					opDone = true
					return nil
				case err != nil:
					return fmt.Errorf("reading the operation %s (%s): %w", opID, what, err)
				}
				op = read
				switch op.Status {
				case "completed":
					opDone = true
				case "in-error":
					return fmt.Errorf("%s failed: the operation %s (%s) is in error", what, opID, op.Action)
				}
				return nil
			})
		}
		if !objectReady {
			last := op
			checks = append(checks, func(ctx context.Context) error {
				var err error
				objectReady, err = ready(ctx, last)
				return err
			})
		}
		if err := cloud.Parallel(ctx, checks...); err != nil {
			return false, err
		}
		return opDone && objectReady, nil
	})
	return op, err
}

// waitGatewayActive waits until a gateway is active, and returns it.
func (c *Client) waitGatewayActive(ctx context.Context, id string) (gateway, error) {
	var g gateway
	err := cloud.WaitFor(ctx, c.retry, "the gateway "+id+" to become active", func(ctx context.Context) (bool, error) {
		var err error
		if g, err = c.getGateway(ctx, id); err != nil {
			return false, fmt.Errorf("reading the gateway %s: %w", id, err)
		}
		switch g.Status {
		case gatewayActive:
			return true, nil
		case gatewayError:
			return false, fmt.Errorf("the gateway %s is in error instead of becoming active", id)
		}
		return false, nil
	})
	return g, err
}

// waitGatewayGone waits until a gateway is deleted.
func (c *Client) waitGatewayGone(ctx context.Context, id string) error {
	return cloud.WaitFor(ctx, c.retry, "the gateway "+id+" to be deleted", func(ctx context.Context) (bool, error) {
		_, err := c.getGateway(ctx, id)
		if isNotFound(err) {
			return true, nil
		}
		if err != nil {
			return false, fmt.Errorf("reading the gateway %s: %w", id, err)
		}
		return false, nil
	})
}

func isNotFound(err error) bool { return errors.Is(err, cloud.ErrNotFound) }
