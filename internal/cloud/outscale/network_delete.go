package outscale

import (
	"context"
	"errors"
	"fmt"

	osc "github.com/outscale/osc-sdk-go/v2"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// DeleteNetwork implements cloud.Networks. It deletes what n's CloudIDs
// name and everything it finds in the Net, in dependency order: the Net
// access points and NAT services first (waiting until they are gone, as
// they hold routes, addresses and subnets until then), the public IP, the
// route tables, the internet service, the security groups, the subnets,
// and the Net. Objects already gone count as deleted; conflicts, which
// OUTSCALE answers while it unlinks things, are retried.
//
// Everything inside the Net goes, whoever made it: the Net is the
// warehouse's. Public IPs go only when the network allocated them.
func (c *Client) DeleteNetwork(ctx context.Context, n cloud.Network) error {
	s, err := c.readState(ctx, n)
	if isNotFound(err) {
		// The Net is gone with all it held. A create that failed early may
		// have left the two objects it makes outside the Net.
		return c.deleteOutside(ctx, n.CloudIDs[keyInternetService], n.CloudIDs[keyNatPublicIP])
	}
	if err != nil {
		return err
	}
	if err := c.teardown(ctx, s, n); err != nil {
		return fmt.Errorf("deleting the network %s (Net %s): %w", n.Name, s.net.GetNetId(), err)
	}
	return nil
}

// teardown deletes in dependency order, what does not depend on each other
// at once: the access points and the NAT services (waiting until they are
// gone); the public IPs, route tables and internet services; the security
// groups and the subnets; the Net. A conflict while the cloud unlinks
// things is retried (see remove).
func (c *Client) teardown(ctx context.Context, s *netState, n cloud.Network) error {
	netID := s.net.GetNetId()
	token := tagValue(s.net.GetTags(), cloud.TagClientToken)

	err := cloud.Parallel(ctx,
		func(ctx context.Context) error {
			points, err := c.readNetAccessPoints(ctx, osc.FiltersNetAccessPoint{NetIds: ids(netID)})
			if err != nil {
				return fmt.Errorf("listing the Net access points: %w", err)
			}
			return c.deleteAccessPoints(ctx, netID, points)
		},
		func(ctx context.Context) error {
			nats, err := c.readNatServices(ctx, osc.FiltersNatService{NetIds: ids(netID)})
			if err != nil {
				return fmt.Errorf("listing the NAT services: %w", err)
			}
			var natIDs []string
			for _, nat := range nats {
				natIDs = append(natIDs, nat.GetNatServiceId())
			}
			return c.deleteNatServices(ctx, netID, natIDs)
		})
	if err != nil {
		return err
	}

	steps := []func(ctx context.Context) error{
		func(ctx context.Context) error { return c.deleteOwnedPublicIPs(ctx, token, n.CloudIDs[keyNatPublicIP]) },
		func(ctx context.Context) error {
			igwIDs := []string{n.CloudIDs[keyInternetService]}
			if s.internet != nil {
				igwIDs = append(igwIDs, s.internet.GetInternetServiceId())
			}
			services, err := c.readInternetServices(ctx, netID, igwIDs...)
			if err != nil {
				return fmt.Errorf("listing the internet services: %w", err)
			}
			return cloud.Each(ctx, services, c.deleteInternetServiceAndLink)
		},
	}
	for _, rt := range s.allTables {
		steps = append(steps, func(ctx context.Context) error { return c.deleteRouteTableAndLinks(ctx, rt) })
	}
	if err := cloud.Parallel(ctx, steps...); err != nil {
		return err
	}

	err = cloud.Parallel(ctx,
		func(ctx context.Context) error { return c.deleteSecurityGroups(ctx, s.allGroups) },
		func(ctx context.Context) error {
			return cloud.Each(ctx, s.allSubnets, func(ctx context.Context, sub osc.Subnet) error {
				id := sub.GetSubnetId()
				return c.remove(ctx, "the subnet "+id, func(ctx context.Context) error { return c.deleteSubnet(ctx, id) })
			})
		})
	if err != nil {
		return err
	}
	return c.remove(ctx, "the Net "+netID, func(ctx context.Context) error { return c.deleteNet(ctx, netID) })
}

// deleteOutside deletes the internet service and public IP a failed create
// made before it could link them, once the Net is gone.
func (c *Client) deleteOutside(ctx context.Context, igwID, publicIPID string) error {
	if igwID != "" {
		services, err := c.readInternetServices(ctx, "", igwID)
		if err != nil {
			return fmt.Errorf("reading the internet service %s: %w", igwID, err)
		}
		for _, igw := range services {
			if err := c.deleteInternetServiceAndLink(ctx, igw); err != nil {
				return err
			}
		}
	}
	if publicIPID != "" {
		return c.remove(ctx, "the public IP "+publicIPID, func(ctx context.Context) error { return c.deletePublicIP(ctx, publicIPID) })
	}
	return nil
}

// maxConflictRetries bounds how often a delete is retried while the cloud
// answers a conflict. With the waits of cloud.WaitFor (¼ s growing by half
// to 2 s) it gives OUTSCALE about three minutes to unlink things; the
// resource's delete timeout may end it sooner.
const maxConflictRetries = 93

// remove runs del until it succeeds, retrying while the cloud answers a
// conflict; an object already gone counts as removed. what names the
// object in errors.
func (c *Client) remove(ctx context.Context, what string, del func(ctx context.Context) error) error {
	var lastConflict error
	attempts := 0
	err := cloud.WaitFor(ctx, c.retry, what+" to be released", func(ctx context.Context) (bool, error) {
		err := del(ctx)
		switch {
		case err == nil, isNotFound(err):
			return true, nil
		case errors.Is(err, cloud.ErrConflict) && attempts < maxConflictRetries:
			attempts++
			lastConflict = err
			return false, nil
		}
		return false, err
	})
	if err != nil && lastConflict != nil && ctx.Err() != nil {
		// The deadline came while the cloud still refused: say why.
		return fmt.Errorf("deleting %s: still refused when the time ran out: %w", what, lastConflict)
	}
	if err != nil {
		return fmt.Errorf("deleting %s: %w", what, err)
	}
	return nil
}

// deleteAccessPoints deletes the Net access points and waits until they
// are gone: until then the Net cannot be deleted.
func (c *Client) deleteAccessPoints(ctx context.Context, netID string, points []osc.NetAccessPoint) error {
	for _, p := range points {
		id := p.GetNetAccessPointId()
		if state := p.GetState(); state == "deleting" || state == "deleted" {
			continue
		}
		if err := c.remove(ctx, "the Net access point "+id, func(ctx context.Context) error { return c.deleteNetAccessPoint(ctx, id) }); err != nil {
			return err
		}
	}
	if len(points) == 0 {
		return nil
	}
	return cloud.WaitFor(ctx, c.retry, "the Net access points of the Net "+netID+" to be deleted", func(ctx context.Context) (bool, error) {
		left, err := c.readNetAccessPoints(ctx, osc.FiltersNetAccessPoint{NetIds: ids(netID)})
		if err != nil {
			return false, fmt.Errorf("reading the Net access points: %w", err)
		}
		for _, p := range left {
			if p.GetState() != "deleted" {
				return false, nil
			}
		}
		return true, nil
	})
}

// deleteNatServices deletes NAT services of the Net and waits until they
// are gone: until then each holds its public IP and its subnet.
func (c *Client) deleteNatServices(ctx context.Context, netID string, natIDs []string) error {
	if len(natIDs) == 0 {
		return nil
	}
	for _, id := range natIDs {
		if err := c.remove(ctx, "the NAT service "+id, func(ctx context.Context) error { return c.deleteNatService(ctx, id) }); err != nil {
			return err
		}
	}
	return cloud.WaitFor(ctx, c.retry, fmt.Sprintf("the NAT services %v to be deleted", natIDs), func(ctx context.Context) (bool, error) {
		left, err := c.readNatServices(ctx, osc.FiltersNatService{NatServiceIds: ids(natIDs...), NetIds: ids(netID)})
		if err != nil {
			return false, fmt.Errorf("reading the NAT services: %w", err)
		}
		for _, n := range left {
			if n.GetState() != "deleted" {
				return false, nil
			}
		}
		return true, nil
	})
}

// deleteOwnedPublicIPs releases the public IPs the network allocated: the
// ones its state names, and the ones tagged with its client token (which
// covers an address allocated by an update whose answer was lost).
func (c *Client) deleteOwnedPublicIPs(ctx context.Context, token string, knownIDs ...string) error {
	targets := map[string]bool{}
	for _, id := range knownIDs {
		if id != "" {
			targets[id] = true
		}
	}
	if token != "" {
		tagged, err := c.readTaggedPublicIPs(ctx, cloud.TagClientToken, token)
		if err != nil {
			return fmt.Errorf("listing the public IPs of the network: %w", err)
		}
		for _, ip := range tagged {
			targets[ip.GetPublicIpId()] = true
		}
	}
	for _, id := range sortedKeys(targets) {
		if err := c.remove(ctx, "the public IP "+id, func(ctx context.Context) error { return c.deletePublicIP(ctx, id) }); err != nil {
			return err
		}
	}
	return nil
}

// deleteRouteTableAndLinks unlinks a route table from its subnets and
// deletes it. The main route table goes with the Net.
func (c *Client) deleteRouteTableAndLinks(ctx context.Context, rt osc.RouteTable) error {
	id := rt.GetRouteTableId()
	for _, l := range rt.GetLinkRouteTables() {
		if l.GetMain() {
			return nil
		}
	}
	if err := cloud.Each(ctx, rt.GetLinkRouteTables(), func(ctx context.Context, l osc.LinkRouteTable) error {
		linkID := l.GetLinkRouteTableId()
		return c.remove(ctx, "the link "+linkID+" of the route table "+id, func(ctx context.Context) error {
			return c.unlinkRouteTable(ctx, linkID)
		})
	}); err != nil {
		return err
	}
	return c.remove(ctx, "the route table "+id, func(ctx context.Context) error { return c.deleteRouteTable(ctx, id) })
}

func (c *Client) deleteInternetServiceAndLink(ctx context.Context, igw osc.InternetService) error {
	id := igw.GetInternetServiceId()
	if netID := igw.GetNetId(); netID != "" {
		if err := c.remove(ctx, "the link of the internet service "+id+" to the Net "+netID, func(ctx context.Context) error {
			return c.unlinkInternetService(ctx, id, netID)
		}); err != nil {
			return err
		}
	}
	return c.remove(ctx, "the internet service "+id, func(ctx context.Context) error { return c.deleteInternetService(ctx, id) })
}

// defaultGroupName is the name of the group every Net comes with, which
// goes with the Net.
const defaultGroupName = "default"

// deleteSecurityGroups deletes the Net's groups. Rules admitting another
// group go first: a group still named in a rule cannot be deleted.
func (c *Client) deleteSecurityGroups(ctx context.Context, groups []osc.SecurityGroup) error {
	if err := cloud.Each(ctx, groups, func(ctx context.Context, g osc.SecurityGroup) error {
		id := g.GetSecurityGroupId()
		for _, flow := range []struct {
			name  string
			rules []osc.SecurityGroupRule
		}{{flowInbound, g.GetInboundRules()}, {flowOutbound, g.GetOutboundRules()}} {
			if links := groupLinks(flow.rules, id); len(links) > 0 {
				if err := c.deleteSecurityGroupRules(ctx, id, flow.name, links); err != nil && !isNotFound(err) {
					return fmt.Errorf("removing the %s rules of the security group %s that admit other groups: %w", flow.name, id, err)
				}
			}
		}
		return nil
	}); err != nil {
		return err
	}
	return cloud.Each(ctx, groups, func(ctx context.Context, g osc.SecurityGroup) error {
		if g.GetSecurityGroupName() == defaultGroupName {
			return nil
		}
		id := g.GetSecurityGroupId()
		return c.remove(ctx, "the security group "+id, func(ctx context.Context) error { return c.deleteSecurityGroup(ctx, id) })
	})
}

// groupLinks keeps, of the rules of the group self, the parts that admit
// other security groups. A group naming itself (as the default group
// does) does not keep itself from being deleted.
func groupLinks(rules []osc.SecurityGroupRule, self string) []osc.SecurityGroupRule {
	var out []osc.SecurityGroupRule
	for _, r := range rules {
		var refs []osc.SecurityGroupsMember
		for _, m := range r.GetSecurityGroupsMembers() {
			if m.GetSecurityGroupId() != self {
				refs = append(refs, osc.SecurityGroupsMember{SecurityGroupId: m.SecurityGroupId})
			}
		}
		if len(refs) == 0 {
			continue
		}
		out = append(out, osc.SecurityGroupRule{IpProtocol: r.IpProtocol, FromPortRange: r.FromPortRange, ToPortRange: r.ToPortRange,
			SecurityGroupsMembers: &refs})
	}
	return out
}
