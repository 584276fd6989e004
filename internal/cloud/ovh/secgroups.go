package ovh

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/groups"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/rules"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// The tiers' security groups, in Neutron (see openstack.go for how this
// package reaches it). Each tier has one group, named "<network>-<tier>" and
// described "health_warehouse_network:<private network id> tier:<tier>",
// by which Read finds it again after an import. A group holds exactly the
// tier's rules of cloud.DesiredRules, inbound and outbound: Neutron's two
// allow-all egress rules of a new group are deleted, and anything else
// found in a group (a rule added out of band) is deleted by the next
// update. Anything no rule allows is denied, both ways, on the ports put
// in the group.
//
// A rule translates to Neutron as:
//   - "tier:<name>" → remote_group_id, the other tier's group;
//   - a CIDR block → remote_ip_prefix;
//   - cloud.ServiceObjectStorage → one rule per IPv4 address the region's
//     object storage endpoint resolves to (/32), on HTTPS: OVHcloud
//     publishes no address block for it and Neutron rules take no host
//     names. The addresses are resolved once per process, from the
//     provider's host (unverified: that the endpoint's addresses are the
//     same from the instances, and how often they change; a change shows
//     as drift and the next apply follows it);
//   - protocol "-1" → no protocol and no ports; "icmp" → no ports.

// keySecurityGroup is the CloudIDs key of a tier's security group.
func keySecurityGroup(tier string) string { return "security_group." + tier }

// securityGroupName names a tier's group after the network.
func securityGroupName(network, tier string) string { return network + "-" + tier }

// securityGroupDescription marks a tier's group of a private network.
func securityGroupDescription(networkID, tier string) string {
	return openstackUserDescription(networkID) + " tier:" + tier
}

// tierOfDescription is the tier a group's description names for the
// network, or "".
func tierOfDescription(description, networkID string) string {
	tier, ok := strings.CutPrefix(description, openstackUserDescription(networkID)+" tier:")
	if !ok || !slices.Contains(cloud.Tiers, tier) {
		return ""
	}
	return tier
}

// ---- the OpenStack user -----------------------------------------------------

// findOpenstackUser returns the network's OpenStack user: the one known
// (knownID, from the state) if it still exists, else the one described
// after the network; nil when there is none.
func (c *Client) findOpenstackUser(ctx context.Context, networkID, knownID string) (*user, error) {
	all, err := c.listUsers(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing the project's users to find the OpenStack user of %s: %w", networkID, err)
	}
	var found *user
	for i, u := range all {
		if u.Status == userStatusDelete || u.Status == userStatusGone {
			continue
		}
		if knownID != "" && strconv.FormatInt(u.ID, 10) == knownID {
			return &all[i], nil
		}
		if u.Description == openstackUserDescription(networkID) && found == nil {
			found = &all[i]
		}
	}
	return found, nil
}

// ensureOpenstackUser finds or makes the network's OpenStack user, waits
// until it is ready, and records it in n.
func (c *Client) ensureOpenstackUser(ctx context.Context, n *cloud.Network) (int64, error) {
	existing, err := c.findOpenstackUser(ctx, n.ID, n.CloudIDs[keyOpenstackUser])
	if err != nil {
		return 0, err
	}
	var id int64
	if existing != nil {
		id = existing.ID
	} else {
		// The user's description finds it when the answer is lost.
		err = c.retry.Recover(ctx, func(ctx context.Context) error {
			made, err := c.createOpenstackUser(ctx, openstackUserDescription(n.ID))
			if err == nil {
				id = made.ID
				c.sessions.remember(made.ID, made.Password)
			}
			return err
		}, func(ctx context.Context) (bool, error) {
			found, err := c.findOpenstackUser(ctx, n.ID, "")
			if found != nil {
				id = found.ID
			}
			return found != nil, err
		})
		if err != nil {
			return 0, fmt.Errorf("creating the OpenStack user of the private network %s: %w", n.ID, err)
		}
	}
	recording.Lock()
	n.CloudIDs[keyOpenstackUser] = strconv.FormatInt(id, 10)
	recording.Unlock()
	if existing == nil || existing.Status != userStatusOK {
		if err := c.waitUserOK(ctx, id); err != nil {
			return id, err
		}
	}
	return id, nil
}

// removeOpenstackUser deletes a user and waits until it is gone.
func (c *Client) removeOpenstackUser(ctx context.Context, id int64) error {
	err := c.remove(ctx, fmt.Sprintf("the OpenStack user %d", id), func(ctx context.Context) error { return c.deleteUser(ctx, id) })
	if err != nil {
		return err
	}
	c.sessions.forget(id)
	return c.waitUserGone(ctx, id)
}

// ---- Neutron calls ----------------------------------------------------------

func (c *Client) listSecurityGroups(ctx context.Context, userID int64) ([]groups.SecGroup, error) {
	var out []groups.SecGroup
	err := c.openstackCall(ctx, userID, "GET /v2.0/security-groups", true, func(ctx context.Context, sc *gophercloud.ServiceClient) error {
		page, err := groups.List(sc, groups.ListOpts{}).AllPages(ctx)
		if err != nil {
			return err
		}
		out, err = groups.ExtractGroups(page)
		return err
	})
	return out, err
}

func (c *Client) createSecurityGroup(ctx context.Context, userID int64, name, description string) (groups.SecGroup, error) {
	var out groups.SecGroup
	err := c.openstackCall(ctx, userID, "POST /v2.0/security-groups", false, func(ctx context.Context, sc *gophercloud.ServiceClient) error {
		g, err := groups.Create(ctx, sc, groups.CreateOpts{Name: name, Description: description}).Extract()
		if err == nil {
			out = *g
		}
		return err
	})
	return out, err
}

func (c *Client) renameSecurityGroup(ctx context.Context, userID int64, id, name string) error {
	return c.openstackCall(ctx, userID, "PUT /v2.0/security-groups/{id}", true, func(ctx context.Context, sc *gophercloud.ServiceClient) error {
		_, err := groups.Update(ctx, sc, id, groups.UpdateOpts{Name: name}).Extract()
		return err
	})
}

func (c *Client) deleteSecurityGroup(ctx context.Context, userID int64, id string) error {
	return c.openstackCall(ctx, userID, "DELETE /v2.0/security-groups/{id}", true, func(ctx context.Context, sc *gophercloud.ServiceClient) error {
		return groups.Delete(ctx, sc, id).ExtractErr()
	})
}

// createSecurityGroupRule makes a rule; a rule the group already holds
// (Neutron's 409 SecurityGroupRuleExists, after a lost answer) counts as
// made, so that sending it twice is harmless.
func (c *Client) createSecurityGroupRule(ctx context.Context, userID int64, opts rules.CreateOpts) error {
	err := c.openstackCall(ctx, userID, "POST /v2.0/security-group-rules", true, func(ctx context.Context, sc *gophercloud.ServiceClient) error {
		_, err := rules.Create(ctx, sc, opts).Extract()
		return err
	})
	var apiErr *cloud.APIError
	if errors.As(err, &apiErr) && apiErr.Type == "SecurityGroupRuleExists" {
		return nil
	}
	return err
}

func (c *Client) deleteSecurityGroupRule(ctx context.Context, userID int64, id string) error {
	err := c.openstackCall(ctx, userID, "DELETE /v2.0/security-group-rules/{id}", true, func(ctx context.Context, sc *gophercloud.ServiceClient) error {
		return rules.Delete(ctx, sc, id).ExtractErr()
	})
	if isNotFound(err) {
		return nil
	}
	return err
}

// portsOfInstance lists the Neutron ports of an instance.
func (c *Client) portsOfInstance(ctx context.Context, userID int64, instanceID string) ([]ports.Port, error) {
	var out []ports.Port
	err := c.openstackCall(ctx, userID, "GET /v2.0/ports", true, func(ctx context.Context, sc *gophercloud.ServiceClient) error {
		page, err := ports.List(sc, ports.ListOpts{DeviceID: instanceID}).AllPages(ctx)
		if err != nil {
			return err
		}
		out, err = ports.ExtractPorts(page)
		return err
	})
	return out, err
}

// portsOfNetwork lists the ports of an OpenStack network.
func (c *Client) portsOfNetwork(ctx context.Context, userID int64, openstackID string) ([]ports.Port, error) {
	var out []ports.Port
	err := c.openstackCall(ctx, userID, "GET /v2.0/ports", true, func(ctx context.Context, sc *gophercloud.ServiceClient) error {
		page, err := ports.List(sc, ports.ListOpts{NetworkID: openstackID}).AllPages(ctx)
		if err != nil {
			return err
		}
		out, err = ports.ExtractPorts(page)
		return err
	})
	return out, err
}

func (c *Client) setPortSecurityGroups(ctx context.Context, userID int64, portID string, groupIDs []string) error {
	return c.openstackCall(ctx, userID, "PUT /v2.0/ports/{id}", true, func(ctx context.Context, sc *gophercloud.ServiceClient) error {
		_, err := ports.Update(ctx, sc, portID, ports.UpdateOpts{SecurityGroups: &groupIDs}).Extract()
		return err
	})
}

// ---- object storage's addresses ---------------------------------------------

// storageAddresses resolves, once per process, the IPv4 addresses of the
// region's object storage endpoint (see the top of this file).
type storageAddresses struct {
	mu    sync.Mutex
	addrs []string // "a.b.c.d/32", sorted
}

func (c *Client) objectStorageCIDRs(ctx context.Context) ([]string, error) {
	c.storageAddrs.mu.Lock()
	defer c.storageAddrs.mu.Unlock()
	if c.storageAddrs.addrs != nil {
		return c.storageAddrs.addrs, nil
	}
	endpoint, _ := c.AuditStorage()
	u, err := url.Parse(endpoint)
	if err != nil || u.Hostname() == "" {
		return nil, fmt.Errorf("the object storage endpoint %q names no host", endpoint)
	}
	host := u.Hostname()
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{a}
	} else if addrs, err = net.DefaultResolver.LookupNetIP(ctx, "ip4", host); err != nil {
		return nil, fmt.Errorf("resolving the object storage endpoint %s, whose addresses the security groups' outbound rules name: %w", host, err)
	}
	var out []string
	for _, a := range addrs {
		if a = a.Unmap(); a.Is4() {
			out = append(out, netip.PrefixFrom(a, 32).String())
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("the object storage endpoint %s has no IPv4 address for the security groups' outbound rules", host)
	}
	slices.Sort(out)
	out = slices.Compact(out)
	c.storageAddrs.addrs = out
	return out, nil
}

// ---- rules between cloud.Rule and Neutron -----------------------------------

// neutronRule is a Neutron rule reduced to what makes it the rule it is.
type neutronRule struct {
	group       string // the security group holding it
	direction   string // ingress or egress
	ethertype   string
	protocol    string // "" for every protocol
	min, max    int    // 0 for none
	remoteIP    string // "" for none
	remoteGroup string
}

func ruleOf(r rules.SecGroupRule) neutronRule {
	return neutronRule{group: r.SecGroupID, direction: r.Direction, ethertype: r.EtherType, protocol: r.Protocol,
		min: r.PortRangeMin, max: r.PortRangeMax, remoteIP: r.RemoteIPPrefix, remoteGroup: r.RemoteGroupID}
}

func (r neutronRule) createOpts(description string) rules.CreateOpts {
	return rules.CreateOpts{Direction: rules.RuleDirection(r.direction), EtherType: rules.RuleEtherType(r.ethertype),
		SecGroupID: r.group, Protocol: rules.RuleProtocol(r.protocol), PortRangeMin: r.min, PortRangeMax: r.max,
		RemoteIPPrefix: r.remoteIP, RemoteGroupID: r.remoteGroup, Description: description}
}

// neutronRules translates a tier rule into the Neutron rules that enforce
// it, in the group of its tier.
func neutronRules(r cloud.Rule, groupOf map[string]string, storage []string) ([]neutronRule, error) {
	group, ok := groupOf[r.Tier]
	if !ok {
		return nil, fmt.Errorf("the rule %s belongs to the %s tier, whose security group does not exist", r.Key(), r.Tier)
	}
	base := neutronRule{group: group, direction: "ingress", ethertype: "IPv4", protocol: r.Protocol}
	if r.IsOutbound() {
		base.direction = "egress"
	}
	switch r.Protocol {
	case "-1":
		base.protocol = ""
	case "tcp", "udp":
		if r.FromPort > 0 {
			base.min, base.max = r.FromPort, r.ToPort
		}
	}
	peer := r.Peer()
	switch tier, isTier := strings.CutPrefix(peer, "tier:"); {
	case isTier:
		remote, ok := groupOf[tier]
		if !ok {
			return nil, fmt.Errorf("the rule %s names the %s tier, whose security group does not exist", r.Key(), tier)
		}
		base.remoteGroup = remote
	case peer == cloud.ServiceObjectStorage:
		var out []neutronRule
		for _, cidr := range storage {
			one := base
			one.remoteIP = cidr
			out = append(out, one)
		}
		return out, nil
	default:
		p, err := netip.ParsePrefix(peer)
		if err != nil {
			return nil, fmt.Errorf("the rule %s names %q, neither a tier, object storage nor a CIDR block", r.Key(), peer)
		}
		if !p.Addr().Is4() {
			base.ethertype = "IPv6"
		}
		base.remoteIP = p.Masked().String()
	}
	return []neutronRule{base}, nil
}

// tierRule translates a Neutron rule of tier's group back into a tier rule.
// A remote group that is not a tier's keeps its id; an address of object
// storage on HTTPS out is cloud.ServiceObjectStorage.
func tierRule(r rules.SecGroupRule, tier string, tierOf map[string]string, storage []string) cloud.Rule {
	out := cloud.Rule{Tier: tier, Direction: cloud.Inbound, Protocol: r.Protocol, FromPort: r.PortRangeMin, ToPort: r.PortRangeMax}
	if r.Direction == "egress" {
		out.Direction = cloud.Outbound
	}
	switch r.Protocol {
	case "":
		out.Protocol, out.FromPort, out.ToPort = "-1", -1, -1
	case "tcp", "udp":
		if r.PortRangeMin == 0 && r.PortRangeMax == 0 {
			out.FromPort, out.ToPort = -1, -1
		}
	default:
		out.FromPort, out.ToPort = -1, -1
	}
	var peer string
	switch {
	case r.RemoteGroupID != "":
		peer = r.RemoteGroupID
		if t := tierOf[r.RemoteGroupID]; t != "" {
			peer = cloud.TierSource(t)
		}
	case r.RemoteIPPrefix != "":
		peer = r.RemoteIPPrefix
		if out.IsOutbound() && out.Protocol == "tcp" && out.FromPort == cloud.PortStorage && out.ToPort == cloud.PortStorage &&
			slices.Contains(storage, peer) {
			peer = cloud.ServiceObjectStorage
		}
	case r.EtherType == "IPv6":
		peer = "::/0"
	default:
		peer = cloud.Anywhere // Neutron: no remote is every address
	}
	if out.IsOutbound() {
		out.Destination = peer
	} else {
		out.Source = peer
	}
	out.Purpose = cloud.RulePurpose(out)
	return out
}

// ---- the groups of a network ------------------------------------------------

// secGroups are a network's security groups as Neutron holds them.
type secGroups struct {
	user   int64                      // the network's OpenStack user, 0 for none
	byTier map[string]groups.SecGroup // the tiers' groups found
	// extra are other groups described as a tier's of the network: a
	// second one of a tier, which no create makes but which is deleted.
	extra []groups.SecGroup
}

func (g *secGroups) groupIDs() map[string]string {
	out := map[string]string{}
	for tier, sg := range g.byTier {
		out[tier] = sg.ID
	}
	return out
}

func (g *secGroups) tierOf() map[string]string {
	out := map[string]string{}
	for tier, sg := range g.byTier {
		out[sg.ID] = tier
	}
	return out
}

// readSecurityGroups finds the network's user and its tiers' groups. A
// network without a user has no groups. Should a tier have several groups,
// its group is the one known (known: the last state's CloudIDs), else the
// oldest.
func (c *Client) readSecurityGroups(ctx context.Context, networkID string, known map[string]string) (*secGroups, error) {
	knownUser := known[keyOpenstackUser]
	out := &secGroups{byTier: map[string]groups.SecGroup{}}
	u, err := c.findOpenstackUser(ctx, networkID, knownUser)
	if err != nil || u == nil {
		return out, err
	}
	out.user = u.ID
	if u.Status != userStatusOK {
		return out, nil // not in Keystone yet
	}
	all, err := c.listSecurityGroups(ctx, u.ID)
	if err != nil {
		return nil, fmt.Errorf("listing the security groups of the private network %s: %w", networkID, err)
	}
	candidates := map[string][]groups.SecGroup{}
	for _, sg := range all {
		if tier := tierOfDescription(sg.Description, networkID); tier != "" {
			candidates[tier] = append(candidates[tier], sg)
		}
	}
	for tier, found := range candidates {
		knownID := known[keySecurityGroup(tier)]
		slices.SortFunc(found, func(a, b groups.SecGroup) int {
			switch {
			case a.ID == knownID && b.ID != knownID:
				return -1
			case b.ID == knownID && a.ID != knownID:
				return 1
			}
			if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
				return c
			}
			return strings.Compare(a.ID, b.ID)
		})
		out.byTier[tier] = found[0]
		out.extra = append(out.extra, found[1:]...)
	}
	return out, nil
}

// rules are the tiers' rules the groups hold, sorted, without duplicates
// (object storage's addresses make one rule).
func (g *secGroups) rules(storage []string) []cloud.Rule {
	var out []cloud.Rule
	seen := map[string]bool{}
	tierOf := g.tierOf()
	for tier, sg := range g.byTier {
		for _, r := range sg.Rules {
			rule := tierRule(r, tier, tierOf, storage)
			if !seen[rule.Key()] {
				seen[rule.Key()] = true
				out = append(out, rule)
			}
		}
	}
	cloud.SortRules(out)
	return out
}

// record writes the groups in n: CloudIDs, and each subnet's group.
func (g *secGroups) record(n *cloud.Network) {
	recording.Lock()
	defer recording.Unlock()
	if g.user != 0 {
		n.CloudIDs[keyOpenstackUser] = strconv.FormatInt(g.user, 10)
	}
	for tier, sg := range g.byTier {
		n.CloudIDs[keySecurityGroup(tier)] = sg.ID
		if s, ok := n.Subnets[tier]; ok {
			s.SecurityGroupID = sg.ID
			n.Subnets[tier] = s
		}
	}
}

// convergeSecurityGroups makes the network's user and groups exist and
// hold exactly the rules desired: the groups missing are made (and renamed
// after the network when it was), the rules nobody asked for deleted (the
// allow-all egress of new groups among them), the missing ones made.
func (c *Client) convergeSecurityGroups(ctx context.Context, n *cloud.Network, desired []cloud.Rule) error {
	userID, err := c.ensureOpenstackUser(ctx, n)
	if err != nil {
		return err
	}
	known := map[string]string{}
	maps.Copy(known, n.CloudIDs)
	known[keyOpenstackUser] = strconv.FormatInt(userID, 10)
	g, err := c.readSecurityGroups(ctx, n.ID, known)
	if err != nil {
		return err
	}
	g.user = userID
	var mu sync.Mutex
	if err := cloud.Each(ctx, cloud.Tiers, func(ctx context.Context, tier string) error {
		mu.Lock()
		sg, ok := g.byTier[tier]
		mu.Unlock()
		name := securityGroupName(n.Name, tier)
		if ok {
			if sg.Name != name {
				if err := c.renameSecurityGroup(ctx, userID, sg.ID, name); err != nil {
					return fmt.Errorf("renaming the security group %s of the %s tier to %s: %w", sg.ID, tier, name, err)
				}
			}
			return nil
		}
		made, err := c.makeSecurityGroup(ctx, userID, n.ID, tier, name)
		if err != nil {
			return err
		}
		mu.Lock()
		g.byTier[tier] = made
		mu.Unlock()
		return nil
	}); err != nil {
		g.record(n)
		return err
	}
	g.record(n)
	storage, err := c.storageCIDRsFor(ctx, desired)
	if err != nil {
		return err
	}
	var current []rules.SecGroupRule
	for _, sg := range g.byTier {
		current = append(current, sg.Rules...)
	}
	if err := c.convergeRules(ctx, userID, current, desired, g.groupIDs(), storage); err != nil {
		return err
	}
	// A second group of a tier is nobody's: it goes.
	return cloud.Each(ctx, g.extra, func(ctx context.Context, sg groups.SecGroup) error {
		return c.remove(ctx, "the security group "+sg.ID, func(ctx context.Context) error { return c.deleteSecurityGroup(ctx, userID, sg.ID) })
	})
}

// convergeRules makes the groups whose rules are current hold exactly
// desired, translated with groupOf and storage (neutronRules): what nobody
// asked for is deleted, what is missing is added, each at once.
func (c *Client) convergeRules(ctx context.Context, userID int64, current []rules.SecGroupRule, desired []cloud.Rule,
	groupOf map[string]string, storage []string) error {
	want := map[neutronRule]string{} // → description
	var order []neutronRule
	for _, r := range desired {
		translated, err := neutronRules(r, groupOf, storage)
		if err != nil {
			return err
		}
		for _, nr := range translated {
			if _, dup := want[nr]; !dup {
				order = append(order, nr)
			}
			want[nr] = r.Purpose
		}
	}
	have := map[neutronRule]bool{}
	var extra []rules.SecGroupRule
	for _, r := range current {
		nr := ruleOf(r)
		if _, ok := want[nr]; ok && !have[nr] {
			have[nr] = true
			continue
		}
		extra = append(extra, r)
	}
	if err := cloud.Each(ctx, extra, func(ctx context.Context, r rules.SecGroupRule) error {
		if err := c.deleteSecurityGroupRule(ctx, userID, r.ID); err != nil {
			return fmt.Errorf("deleting the rule %s of the security group %s: %w", r.ID, r.SecGroupID, err)
		}
		return nil
	}); err != nil {
		return err
	}
	missing := slices.DeleteFunc(order, func(nr neutronRule) bool { return have[nr] })
	return cloud.Each(ctx, missing, func(ctx context.Context, nr neutronRule) error {
		if err := c.createSecurityGroupRule(ctx, userID, nr.createOpts(want[nr])); err != nil {
			return fmt.Errorf("adding a rule (%s %s %d-%d %s%s) to the security group %s: %w", nr.direction, protocolName(nr.protocol),
				nr.min, nr.max, nr.remoteIP, nr.remoteGroup, nr.group, err)
		}
		return nil
	})
}

// storageCIDRsFor resolves object storage's addresses when rules name it.
func (c *Client) storageCIDRsFor(ctx context.Context, rules []cloud.Rule) ([]string, error) {
	if !slices.ContainsFunc(rules, func(r cloud.Rule) bool { return r.Peer() == cloud.ServiceObjectStorage }) {
		return nil, nil
	}
	return c.objectStorageCIDRs(ctx)
}

// makeSecurityGroup makes a tier's group; its description finds it when
// the answer is lost.
func (c *Client) makeSecurityGroup(ctx context.Context, userID int64, networkID, tier, name string) (groups.SecGroup, error) {
	var made groups.SecGroup
	description := securityGroupDescription(networkID, tier)
	err := c.retry.Recover(ctx, func(ctx context.Context) error {
		var err error
		made, err = c.createSecurityGroup(ctx, userID, name, description)
		return err
	}, func(ctx context.Context) (bool, error) {
		all, err := c.listSecurityGroups(ctx, userID)
		if err != nil {
			return false, err
		}
		for _, sg := range all {
			if sg.Description == description {
				made = sg
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return made, fmt.Errorf("creating the security group %s of the %s tier: %w", name, tier, err)
	}
	return made, nil
}

// deleteSecurityGroups deletes the network's groups, then its OpenStack
// user. A group still on a port (the machine being deleted) is retried.
func (c *Client) deleteSecurityGroups(ctx context.Context, networkID string, known map[string]string) error {
	g, err := c.readSecurityGroups(ctx, networkID, known)
	if err != nil {
		return err
	}
	if g.user == 0 {
		return nil
	}
	// The groups name each other in their rules: Neutron deletes those
	// rules with the group they name, so the groups go in any order.
	all := slices.Clone(g.extra)
	for _, sg := range g.byTier {
		all = append(all, sg)
	}
	if err := cloud.Each(ctx, all, func(ctx context.Context, sg groups.SecGroup) error {
		return c.remove(ctx, "the security group "+sg.ID, func(ctx context.Context) error {
			return c.deleteSecurityGroup(ctx, g.user, sg.ID)
		})
	}); err != nil {
		return err
	}
	return c.removeOpenstackUser(ctx, g.user)
}

// putInSecurityGroups puts the private port of an instance in a tier's
// group and the extra groups (a workspace's machine: the workspace's), and
// in no other.
func (c *Client) putInSecurityGroups(ctx context.Context, network cloud.Network, tier string, extra []string, instanceID string) error {
	tierGroup := network.CloudIDs[keySecurityGroup(tier)]
	userID, err := strconv.ParseInt(network.CloudIDs[keyOpenstackUser], 10, 64)
	if tierGroup == "" || err != nil {
		return fmt.Errorf("the network %s has no security group for the %s tier (apply the network again)", network.ID, tier)
	}
	groupIDs := slices.Compact(slices.Sorted(slices.Values(append([]string{tierGroup}, extra...))))
	all, err := c.portsOfInstance(ctx, userID, instanceID)
	if err != nil {
		return fmt.Errorf("listing the ports of the instance %s: %w", instanceID, err)
	}
	openstackID := network.CloudIDs[keyOpenstack]
	found := false
	for _, p := range all {
		if p.NetworkID != openstackID {
			continue // the public port, if Neutron lists it
		}
		found = true
		if slices.Equal(slices.Sorted(slices.Values(p.SecurityGroups)), groupIDs) {
			continue
		}
		if err := c.setPortSecurityGroups(ctx, userID, p.ID, groupIDs); err != nil {
			return fmt.Errorf("putting the port %s of the instance %s in the security groups %s: %w", p.ID, instanceID,
				strings.Join(groupIDs, ", "), err)
		}
	}
	if !found {
		return fmt.Errorf("the instance %s has no port on the private network %s", instanceID, openstackID)
	}
	return nil
}

// protocolName names a Neutron rule's protocol in messages.
func protocolName(protocol string) string {
	if protocol == "" {
		return "any protocol"
	}
	return protocol
}
