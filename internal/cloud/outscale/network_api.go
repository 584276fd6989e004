package outscale

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"

	osc "github.com/outscale/osc-sdk-go/v2"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// One function per OAPI call the network block makes: each sends one
// request through c.call (rate limit, retries, error classification, log
// line) and returns the SDK's object. The network logic in network.go never
// touches the SDK's request builders.

// do runs one SDK call through c.call and returns its decoded answer.
func do[T any](ctx context.Context, c *Client, action string, idempotent bool,
	exec func(ctx context.Context) (T, *http.Response, error)) (T, error) {
	var out T
	err := c.call(ctx, action, idempotent, func(ctx context.Context) (*http.Response, error) {
		var httpResp *http.Response
		var err error
		out, httpResp, err = exec(ctx)
		return httpResp, err
	})
	return out, err
}

// readAll pages through a Read* call. fetch sends one page request (token
// "" for the first) and returns the page's items and the next token.
func readAll[T any](ctx context.Context, c *Client, action string,
	fetch func(ctx context.Context, token string) ([]T, string, *http.Response, error)) ([]T, error) {
	var all []T
	seen := map[string]bool{}
	token := ""
	for {
		var items []T
		var next string
		err := c.call(ctx, action, true, func(ctx context.Context) (*http.Response, error) {
			var httpResp *http.Response
			var err error
			items, next, httpResp, err = fetch(ctx, token)
			return httpResp, err
		})
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
		// A token seen before would page forever.
		if next == "" || seen[next] {
			return all, nil
		}
		seen[next] = true
		token = next
	}
}

func pageToken(token string) *string {
	if token == "" {
		return nil
	}
	return &token
}

// ids returns a filter list, or nil when there is no id: OAPI reads an
// absent filter as no filter at all, so callers check for nil.
func ids(values ...string) *[]string {
	var out []string
	for _, v := range values {
		if v != "" {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return &out
}

// errNoIDs guards reads by id with nothing to look for: without it the
// filter would vanish and the read list the whole account.
var errNoIDs = errors.New("no id to look for")

// ---- Nets ----

func (c *Client) createNet(ctx context.Context, cidr string) (osc.Net, error) {
	resp, err := do(ctx, c, "CreateNet", false, func(ctx context.Context) (osc.CreateNetResponse, *http.Response, error) {
		return c.api.NetApi.CreateNet(ctx).CreateNetRequest(osc.CreateNetRequest{IpRange: cidr}).Execute()
	})
	return resp.GetNet(), err
}

func (c *Client) readNets(ctx context.Context, netIDs ...string) ([]osc.Net, error) {
	filter := ids(netIDs...)
	if filter == nil {
		return nil, errNoIDs
	}
	return readAll(ctx, c, "ReadNets", func(ctx context.Context, token string) ([]osc.Net, string, *http.Response, error) {
		resp, httpResp, err := c.api.NetApi.ReadNets(ctx).ReadNetsRequest(osc.ReadNetsRequest{
			Filters: &osc.FiltersNet{NetIds: filter}, NextPageToken: pageToken(token)}).Execute()
		return resp.GetNets(), resp.GetNextPageToken(), httpResp, err
	})
}

// readNetsTagged reads the Nets filters select; filters must select by
// tag, or the read lists every Net of the account.
func (c *Client) readNetsTagged(ctx context.Context, filters osc.FiltersNet) ([]osc.Net, error) {
	if filters.Tags == nil && filters.TagKeys == nil {
		return nil, errNoIDs
	}
	return readAll(ctx, c, "ReadNets", func(ctx context.Context, token string) ([]osc.Net, string, *http.Response, error) {
		resp, httpResp, err := c.api.NetApi.ReadNets(ctx).ReadNetsRequest(osc.ReadNetsRequest{
			Filters: &filters, NextPageToken: pageToken(token)}).Execute()
		return resp.GetNets(), resp.GetNextPageToken(), httpResp, err
	})
}

func (c *Client) deleteNet(ctx context.Context, id string) error {
	_, err := do(ctx, c, "DeleteNet", true, func(ctx context.Context) (osc.DeleteNetResponse, *http.Response, error) {
		return c.api.NetApi.DeleteNet(ctx).DeleteNetRequest(osc.DeleteNetRequest{NetId: id}).Execute()
	})
	return err
}

// ---- Subnets ----

func (c *Client) createSubnet(ctx context.Context, netID, cidr string) (osc.Subnet, error) {
	resp, err := do(ctx, c, "CreateSubnet", false, func(ctx context.Context) (osc.CreateSubnetResponse, *http.Response, error) {
		return c.api.SubnetApi.CreateSubnet(ctx).CreateSubnetRequest(osc.CreateSubnetRequest{NetId: netID, IpRange: cidr}).Execute()
	})
	return resp.GetSubnet(), err
}

func (c *Client) readSubnets(ctx context.Context, netID string) ([]osc.Subnet, error) {
	if netID == "" {
		return nil, errNoIDs
	}
	return readAll(ctx, c, "ReadSubnets", func(ctx context.Context, token string) ([]osc.Subnet, string, *http.Response, error) {
		resp, httpResp, err := c.api.SubnetApi.ReadSubnets(ctx).ReadSubnetsRequest(osc.ReadSubnetsRequest{
			Filters: &osc.FiltersSubnet{NetIds: ids(netID)}, NextPageToken: pageToken(token)}).Execute()
		return resp.GetSubnets(), resp.GetNextPageToken(), httpResp, err
	})
}

func (c *Client) deleteSubnet(ctx context.Context, id string) error {
	_, err := do(ctx, c, "DeleteSubnet", true, func(ctx context.Context) (osc.DeleteSubnetResponse, *http.Response, error) {
		return c.api.SubnetApi.DeleteSubnet(ctx).DeleteSubnetRequest(osc.DeleteSubnetRequest{SubnetId: id}).Execute()
	})
	return err
}

// ---- Security groups ----

func (c *Client) createSecurityGroup(ctx context.Context, netID, name, description string) (osc.SecurityGroup, error) {
	resp, err := do(ctx, c, "CreateSecurityGroup", false, func(ctx context.Context) (osc.CreateSecurityGroupResponse, *http.Response, error) {
		return c.api.SecurityGroupApi.CreateSecurityGroup(ctx).CreateSecurityGroupRequest(osc.CreateSecurityGroupRequest{
			NetId: &netID, SecurityGroupName: name, Description: description}).Execute()
	})
	return resp.GetSecurityGroup(), err
}

func (c *Client) readSecurityGroups(ctx context.Context, netID string) ([]osc.SecurityGroup, error) {
	if netID == "" {
		return nil, errNoIDs
	}
	return readAll(ctx, c, "ReadSecurityGroups", func(ctx context.Context, token string) ([]osc.SecurityGroup, string, *http.Response, error) {
		resp, httpResp, err := c.api.SecurityGroupApi.ReadSecurityGroups(ctx).ReadSecurityGroupsRequest(osc.ReadSecurityGroupsRequest{
			Filters: &osc.FiltersSecurityGroup{NetIds: ids(netID)}, NextPageToken: pageToken(token)}).Execute()
		return resp.GetSecurityGroups(), resp.GetNextPageToken(), httpResp, err
	})
}

func (c *Client) deleteSecurityGroup(ctx context.Context, id string) error {
	_, err := do(ctx, c, "DeleteSecurityGroup", true, func(ctx context.Context) (osc.DeleteSecurityGroupResponse, *http.Response, error) {
		return c.api.SecurityGroupApi.DeleteSecurityGroup(ctx).DeleteSecurityGroupRequest(osc.DeleteSecurityGroupRequest{
			SecurityGroupId: &id}).Execute()
	})
	return err
}

// Flows of security group rules.
const (
	flowInbound  = "Inbound"
	flowOutbound = "Outbound"
)

// A rule already in place makes the whole CreateSecurityGroupRule call
// fail, so the call is not repeated blindly: it is not idempotent.
func (c *Client) createSecurityGroupRules(ctx context.Context, groupID, flow string, rules []osc.SecurityGroupRule) error {
	_, err := do(ctx, c, "CreateSecurityGroupRule", false, func(ctx context.Context) (osc.CreateSecurityGroupRuleResponse, *http.Response, error) {
		return c.api.SecurityGroupRuleApi.CreateSecurityGroupRule(ctx).CreateSecurityGroupRuleRequest(osc.CreateSecurityGroupRuleRequest{
			SecurityGroupId: groupID, Flow: flow, Rules: &rules}).Execute()
	})
	return err
}

func (c *Client) deleteSecurityGroupRules(ctx context.Context, groupID, flow string, rules []osc.SecurityGroupRule) error {
	_, err := do(ctx, c, "DeleteSecurityGroupRule", true, func(ctx context.Context) (osc.DeleteSecurityGroupRuleResponse, *http.Response, error) {
		return c.api.SecurityGroupRuleApi.DeleteSecurityGroupRule(ctx).DeleteSecurityGroupRuleRequest(osc.DeleteSecurityGroupRuleRequest{
			SecurityGroupId: groupID, Flow: flow, Rules: &rules}).Execute()
	})
	return err
}

// ---- Internet services ----

func (c *Client) createInternetService(ctx context.Context) (osc.InternetService, error) {
	resp, err := do(ctx, c, "CreateInternetService", false, func(ctx context.Context) (osc.CreateInternetServiceResponse, *http.Response, error) {
		return c.api.InternetServiceApi.CreateInternetService(ctx).CreateInternetServiceRequest(osc.CreateInternetServiceRequest{}).Execute()
	})
	return resp.GetInternetService(), err
}

func (c *Client) linkInternetService(ctx context.Context, id, netID string) error {
	_, err := do(ctx, c, "LinkInternetService", false, func(ctx context.Context) (osc.LinkInternetServiceResponse, *http.Response, error) {
		return c.api.InternetServiceApi.LinkInternetService(ctx).LinkInternetServiceRequest(osc.LinkInternetServiceRequest{
			InternetServiceId: id, NetId: netID}).Execute()
	})
	return err
}

func (c *Client) unlinkInternetService(ctx context.Context, id, netID string) error {
	_, err := do(ctx, c, "UnlinkInternetService", true, func(ctx context.Context) (osc.UnlinkInternetServiceResponse, *http.Response, error) {
		return c.api.InternetServiceApi.UnlinkInternetService(ctx).UnlinkInternetServiceRequest(osc.UnlinkInternetServiceRequest{
			InternetServiceId: id, NetId: netID}).Execute()
	})
	return err
}

func (c *Client) deleteInternetService(ctx context.Context, id string) error {
	_, err := do(ctx, c, "DeleteInternetService", true, func(ctx context.Context) (osc.DeleteInternetServiceResponse, *http.Response, error) {
		return c.api.InternetServiceApi.DeleteInternetService(ctx).DeleteInternetServiceRequest(osc.DeleteInternetServiceRequest{
			InternetServiceId: id}).Execute()
	})
	return err
}

// readInternetServices lists the services linked to netID, and those of
// extraIDs wherever they are (a service made but not linked yet).
func (c *Client) readInternetServices(ctx context.Context, netID string, extraIDs ...string) ([]osc.InternetService, error) {
	read := func(filters osc.FiltersInternetService) ([]osc.InternetService, error) {
		return readAll(ctx, c, "ReadInternetServices", func(ctx context.Context, token string) ([]osc.InternetService, string, *http.Response, error) {
			resp, httpResp, err := c.api.InternetServiceApi.ReadInternetServices(ctx).ReadInternetServicesRequest(osc.ReadInternetServicesRequest{
				Filters: &filters, NextPageToken: pageToken(token)}).Execute()
			return resp.GetInternetServices(), resp.GetNextPageToken(), httpResp, err
		})
	}
	var out []osc.InternetService
	if netID != "" {
		linked, err := read(osc.FiltersInternetService{LinkNetIds: ids(netID)})
		if err != nil {
			return nil, err
		}
		out = linked
	}
	if filter := ids(extraIDs...); filter != nil {
		more, err := read(osc.FiltersInternetService{InternetServiceIds: filter})
		if err != nil && !errors.Is(err, cloud.ErrNotFound) {
			return nil, err
		}
		for _, s := range more {
			if !slices.ContainsFunc(out, func(o osc.InternetService) bool { return o.GetInternetServiceId() == s.GetInternetServiceId() }) {
				out = append(out, s)
			}
		}
	}
	return out, nil
}

// ---- Public IPs ----

func (c *Client) createPublicIP(ctx context.Context) (osc.PublicIp, error) {
	resp, err := do(ctx, c, "CreatePublicIp", false, func(ctx context.Context) (osc.CreatePublicIpResponse, *http.Response, error) {
		return c.api.PublicIpApi.CreatePublicIp(ctx).CreatePublicIpRequest(osc.CreatePublicIpRequest{}).Execute()
	})
	return resp.GetPublicIp(), err
}

// readPublicIPs reads addresses by allocation id. An unknown id may come
// back as an empty list or as a not-found error: both mean "none".
func (c *Client) readPublicIPs(ctx context.Context, publicIPIDs ...string) ([]osc.PublicIp, error) {
	filter := ids(publicIPIDs...)
	if filter == nil {
		return nil, nil
	}
	ips, err := readAll(ctx, c, "ReadPublicIps", func(ctx context.Context, token string) ([]osc.PublicIp, string, *http.Response, error) {
		resp, httpResp, err := c.api.PublicIpApi.ReadPublicIps(ctx).ReadPublicIpsRequest(osc.ReadPublicIpsRequest{
			Filters: &osc.FiltersPublicIp{PublicIpIds: filter}, NextPageToken: pageToken(token)}).Execute()
		return resp.GetPublicIps(), resp.GetNextPageToken(), httpResp, err
	})
	if errors.Is(err, cloud.ErrNotFound) {
		return nil, nil
	}
	return ips, err
}

// readTaggedPublicIPs reads the addresses carrying tag key=value.
func (c *Client) readTaggedPublicIPs(ctx context.Context, key, value string) ([]osc.PublicIp, error) {
	tag := []string{key + "=" + value}
	return readAll(ctx, c, "ReadPublicIps", func(ctx context.Context, token string) ([]osc.PublicIp, string, *http.Response, error) {
		resp, httpResp, err := c.api.PublicIpApi.ReadPublicIps(ctx).ReadPublicIpsRequest(osc.ReadPublicIpsRequest{
			Filters: &osc.FiltersPublicIp{Tags: &tag}, NextPageToken: pageToken(token)}).Execute()
		return resp.GetPublicIps(), resp.GetNextPageToken(), httpResp, err
	})
}

func (c *Client) deletePublicIP(ctx context.Context, id string) error {
	_, err := do(ctx, c, "DeletePublicIp", true, func(ctx context.Context) (osc.DeletePublicIpResponse, *http.Response, error) {
		return c.api.PublicIpApi.DeletePublicIp(ctx).DeletePublicIpRequest(osc.DeletePublicIpRequest{PublicIpId: &id}).Execute()
	})
	return err
}

// ---- NAT services ----

// createNatService is idempotent thanks to its client token: sent again,
// it answers the NAT service the first call made.
func (c *Client) createNatService(ctx context.Context, subnetID, publicIPID, token string) (osc.NatService, error) {
	resp, err := do(ctx, c, "CreateNatService", token != "", func(ctx context.Context) (osc.CreateNatServiceResponse, *http.Response, error) {
		req := osc.CreateNatServiceRequest{SubnetId: subnetID, PublicIpId: publicIPID}
		if token != "" {
			req.ClientToken = &token
		}
		return c.api.NatServiceApi.CreateNatService(ctx).CreateNatServiceRequest(req).Execute()
	})
	return resp.GetNatService(), err
}

func (c *Client) readNatServices(ctx context.Context, filters osc.FiltersNatService) ([]osc.NatService, error) {
	nats, err := readAll(ctx, c, "ReadNatServices", func(ctx context.Context, token string) ([]osc.NatService, string, *http.Response, error) {
		resp, httpResp, err := c.api.NatServiceApi.ReadNatServices(ctx).ReadNatServicesRequest(osc.ReadNatServicesRequest{
			Filters: &filters, NextPageToken: pageToken(token)}).Execute()
		return resp.GetNatServices(), resp.GetNextPageToken(), httpResp, err
	})
	if errors.Is(err, cloud.ErrNotFound) {
		return nil, nil
	}
	return nats, err
}

func (c *Client) deleteNatService(ctx context.Context, id string) error {
	_, err := do(ctx, c, "DeleteNatService", true, func(ctx context.Context) (osc.DeleteNatServiceResponse, *http.Response, error) {
		return c.api.NatServiceApi.DeleteNatService(ctx).DeleteNatServiceRequest(osc.DeleteNatServiceRequest{NatServiceId: id}).Execute()
	})
	return err
}

// ---- Route tables and routes ----

func (c *Client) createRouteTable(ctx context.Context, netID string) (osc.RouteTable, error) {
	resp, err := do(ctx, c, "CreateRouteTable", false, func(ctx context.Context) (osc.CreateRouteTableResponse, *http.Response, error) {
		return c.api.RouteTableApi.CreateRouteTable(ctx).CreateRouteTableRequest(osc.CreateRouteTableRequest{NetId: netID}).Execute()
	})
	return resp.GetRouteTable(), err
}

func (c *Client) readRouteTables(ctx context.Context, netID string) ([]osc.RouteTable, error) {
	if netID == "" {
		return nil, errNoIDs
	}
	return readAll(ctx, c, "ReadRouteTables", func(ctx context.Context, token string) ([]osc.RouteTable, string, *http.Response, error) {
		resp, httpResp, err := c.api.RouteTableApi.ReadRouteTables(ctx).ReadRouteTablesRequest(osc.ReadRouteTablesRequest{
			Filters: &osc.FiltersRouteTable{NetIds: ids(netID)}, NextPageToken: pageToken(token)}).Execute()
		return resp.GetRouteTables(), resp.GetNextPageToken(), httpResp, err
	})
}

func (c *Client) deleteRouteTable(ctx context.Context, id string) error {
	_, err := do(ctx, c, "DeleteRouteTable", true, func(ctx context.Context) (osc.DeleteRouteTableResponse, *http.Response, error) {
		return c.api.RouteTableApi.DeleteRouteTable(ctx).DeleteRouteTableRequest(osc.DeleteRouteTableRequest{RouteTableId: id}).Execute()
	})
	return err
}

// routeTarget is where a route sends its traffic: exactly one is set.
type routeTarget struct {
	internetServiceID string
	natServiceID      string
}

func (c *Client) createRoute(ctx context.Context, tableID, destination string, target routeTarget) error {
	_, err := do(ctx, c, "CreateRoute", false, func(ctx context.Context) (osc.CreateRouteResponse, *http.Response, error) {
		req := osc.CreateRouteRequest{RouteTableId: tableID, DestinationIpRange: destination}
		if target.internetServiceID != "" {
			req.GatewayId = &target.internetServiceID
		}
		if target.natServiceID != "" {
			req.NatServiceId = &target.natServiceID
		}
		return c.api.RouteApi.CreateRoute(ctx).CreateRouteRequest(req).Execute()
	})
	return err
}

func (c *Client) deleteRoute(ctx context.Context, tableID, destination string) error {
	_, err := do(ctx, c, "DeleteRoute", true, func(ctx context.Context) (osc.DeleteRouteResponse, *http.Response, error) {
		return c.api.RouteApi.DeleteRoute(ctx).DeleteRouteRequest(osc.DeleteRouteRequest{
			RouteTableId: tableID, DestinationIpRange: destination}).Execute()
	})
	return err
}

func (c *Client) linkRouteTable(ctx context.Context, tableID, subnetID string) error {
	_, err := do(ctx, c, "LinkRouteTable", false, func(ctx context.Context) (osc.LinkRouteTableResponse, *http.Response, error) {
		return c.api.RouteTableApi.LinkRouteTable(ctx).LinkRouteTableRequest(osc.LinkRouteTableRequest{
			RouteTableId: tableID, SubnetId: subnetID}).Execute()
	})
	return err
}

func (c *Client) unlinkRouteTable(ctx context.Context, linkID string) error {
	_, err := do(ctx, c, "UnlinkRouteTable", true, func(ctx context.Context) (osc.UnlinkRouteTableResponse, *http.Response, error) {
		return c.api.RouteTableApi.UnlinkRouteTable(ctx).UnlinkRouteTableRequest(osc.UnlinkRouteTableRequest{LinkRouteTableId: linkID}).Execute()
	})
	return err
}

// ---- Net access points ----

func (c *Client) createNetAccessPoint(ctx context.Context, netID, service string, tableIDs []string) (osc.NetAccessPoint, error) {
	resp, err := do(ctx, c, "CreateNetAccessPoint", false, func(ctx context.Context) (osc.CreateNetAccessPointResponse, *http.Response, error) {
		return c.api.NetAccessPointApi.CreateNetAccessPoint(ctx).CreateNetAccessPointRequest(osc.CreateNetAccessPointRequest{
			NetId: netID, ServiceName: service, RouteTableIds: &tableIDs}).Execute()
	})
	return resp.GetNetAccessPoint(), err
}

func (c *Client) readNetAccessPoints(ctx context.Context, filters osc.FiltersNetAccessPoint) ([]osc.NetAccessPoint, error) {
	points, err := readAll(ctx, c, "ReadNetAccessPoints", func(ctx context.Context, token string) ([]osc.NetAccessPoint, string, *http.Response, error) {
		resp, httpResp, err := c.api.NetAccessPointApi.ReadNetAccessPoints(ctx).ReadNetAccessPointsRequest(osc.ReadNetAccessPointsRequest{
			Filters: &filters, NextPageToken: pageToken(token)}).Execute()
		return resp.GetNetAccessPoints(), resp.GetNextPageToken(), httpResp, err
	})
	if errors.Is(err, cloud.ErrNotFound) {
		return nil, nil
	}
	return points, err
}

// serviceID is the service id (pl-…) of the Net access point service name
// (object storage, the API), which security group rules name to let
// traffic out to it through the access point. It is read once per client
// and name.
func (c *Client) serviceID(ctx context.Context, name string) (string, error) {
	c.serviceIDs.Lock()
	defer c.serviceIDs.Unlock()
	if id := c.serviceIDs.ids[name]; id != "" {
		return id, nil
	}
	services, err := readAll(ctx, c, "ReadNetAccessPointServices", func(ctx context.Context, token string) ([]osc.Service, string, *http.Response, error) {
		resp, httpResp, err := c.api.NetAccessPointApi.ReadNetAccessPointServices(ctx).ReadNetAccessPointServicesRequest(osc.ReadNetAccessPointServicesRequest{
			Filters: &osc.FiltersService{ServiceNames: &[]string{name}}, NextPageToken: pageToken(token)}).Execute()
		return resp.GetServices(), resp.GetNextPageToken(), httpResp, err
	})
	if err != nil {
		return "", fmt.Errorf("reading the service id of %s: %w", name, err)
	}
	for _, svc := range services {
		if svc.GetServiceName() == name && svc.GetServiceId() != "" {
			if c.serviceIDs.ids == nil {
				c.serviceIDs.ids = map[string]string{}
			}
			c.serviceIDs.ids[name] = svc.GetServiceId()
			return svc.GetServiceId(), nil
		}
	}
	return "", fmt.Errorf("the Region offers no Net access point service %s: %w", name, cloud.ErrNotFound)
}

func (c *Client) deleteNetAccessPoint(ctx context.Context, id string) error {
	_, err := do(ctx, c, "DeleteNetAccessPoint", true, func(ctx context.Context) (osc.DeleteNetAccessPointResponse, *http.Response, error) {
		return c.api.NetAccessPointApi.DeleteNetAccessPoint(ctx).DeleteNetAccessPointRequest(osc.DeleteNetAccessPointRequest{
			NetAccessPointId: id}).Execute()
	})
	return err
}

// ---- Tags ----

// Setting tags to the values they have changes nothing: CreateTags is
// idempotent.
func (c *Client) createTags(ctx context.Context, resourceIDs []string, tags map[string]string) error {
	if len(resourceIDs) == 0 || len(tags) == 0 {
		return nil
	}
	_, err := do(ctx, c, "CreateTags", true, func(ctx context.Context) (osc.CreateTagsResponse, *http.Response, error) {
		return c.api.TagApi.CreateTags(ctx).CreateTagsRequest(osc.CreateTagsRequest{
			ResourceIds: resourceIDs, Tags: resourceTags(tags)}).Execute()
	})
	if err != nil {
		return fmt.Errorf("tagging %v: %w", resourceIDs, err)
	}
	return nil
}

func (c *Client) deleteTags(ctx context.Context, resourceIDs []string, tags map[string]string) error {
	if len(resourceIDs) == 0 || len(tags) == 0 {
		return nil
	}
	_, err := do(ctx, c, "DeleteTags", true, func(ctx context.Context) (osc.DeleteTagsResponse, *http.Response, error) {
		return c.api.TagApi.DeleteTags(ctx).DeleteTagsRequest(osc.DeleteTagsRequest{
			ResourceIds: resourceIDs, Tags: resourceTags(tags)}).Execute()
	})
	if err != nil {
		return fmt.Errorf("removing tags from %v: %w", resourceIDs, err)
	}
	return nil
}

// resourceTags sorts tags by key, so that requests are reproducible.
func resourceTags(tags map[string]string) []osc.ResourceTag {
	out := make([]osc.ResourceTag, 0, len(tags))
	for k, v := range tags {
		out = append(out, osc.ResourceTag{Key: k, Value: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}
