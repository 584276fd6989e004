package outscale

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	osc "github.com/outscale/osc-sdk-go/v2"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// UpdateNetwork implements cloud.Networks: it brings the network to spec in
// place, re-creating the tiers' subnets, groups and links deleted out of
// band, then the rules, the Net access points, NAT egress and tags, and
// reads the result back.
func (c *Client) UpdateNetwork(ctx context.Context, current cloud.Network, spec cloud.NetworkSpec) (cloud.Network, error) {
	s, err := c.readState(ctx, current)
	if err != nil {
		return cloud.Network{}, err
	}
	// Objects made now carry the create's token, which only the Net keeps.
	token := tagValue(s.net.GetTags(), cloud.TagClientToken)
	if token == "" {
		token = spec.ClientToken
	}
	t := tagger{spec: spec, token: token}
	if err := c.update(ctx, s, t, current.CloudIDs[keyNatPublicIP]); err != nil {
		return cloud.Network{}, fmt.Errorf("updating the network %s (Net %s): %w", spec.Name, s.net.GetNetId(), err)
	}
	return c.ReadNetwork(ctx, cloud.Network{ID: s.net.GetNetId(), CloudIDs: s.ids})
}

// update changes s to t.spec; recordedIP is the NAT's public IP as the last
// state recorded it.
func (c *Client) update(ctx context.Context, s *netState, t tagger, recordedIP string) error {
	for _, tier := range cloud.Tiers {
		if _, ok := s.subnets[tier]; ok {
			continue
		}
		if _, ok := t.spec.Subnets[tier]; !ok {
			return fmt.Errorf("the %s subnet is missing and the specification gives no CIDR block to make it again", tier)
		}
		if err := c.makeSubnet(ctx, s, t, tier); err != nil {
			return err
		}
	}
	for _, tier := range cloud.Tiers {
		if _, ok := s.groups[tier]; !ok {
			if err := c.makeSecurityGroup(ctx, s, t, tier); err != nil {
				return err
			}
		}
	}
	// A subnet made again, or whose link was removed, falls back on the
	// main route table: link it to its own again.
	for _, tier := range cloud.Tiers {
		_, hasTable := s.tables[routeTableRole(tier)]
		if sub := s.subnets[tier]; hasTable && s.linkedTable(sub.GetSubnetId()) == "" {
			if err := c.linkSubnet(ctx, s, tier); err != nil {
				return err
			}
		}
	}
	if err := c.syncRules(ctx, s, cloud.DesiredRules(t.spec)); err != nil {
		return err
	}
	if err := c.restoreAccessPoints(ctx, s, t); err != nil {
		return err
	}
	switch {
	case t.spec.NATEgress && s.nat == nil:
		if _, ok := s.subnets[cloud.TierBastion]; !ok {
			return errors.New("NAT egress needs the bastion subnet, which is missing")
		}
		if err := c.enableNAT(ctx, s, t); err != nil {
			return err
		}
	case !t.spec.NATEgress && s.nat != nil:
		if err := c.disableNAT(ctx, s, t.token, recordedIP); err != nil {
			return err
		}
		s.nat, s.natIP = nil, nil
		delete(s.ids, keyNatService)
		delete(s.ids, keyNatPublicIP)
	}
	return c.syncTags(ctx, s, t)
}

// syncRules opens the desired rules missing from the tiers' groups, then
// closes the ones not desired, both ways: admitting the new administrators
// before turning the old ones away never locks everyone out, and the rule
// letting everything out that OAPI gives every new group in a Net goes.
func (c *Client) syncRules(ctx context.Context, s *netState, desired []cloud.Rule) error {
	s.mu.Lock()
	current := s.rules()
	s.mu.Unlock()
	have, want := map[string]bool{}, map[string]bool{}
	for _, r := range current {
		have[r.Key()] = true
	}
	for _, r := range desired {
		want[r.Key()] = true
	}
	var missing, extra []cloud.Rule
	for _, r := range desired {
		if !have[r.Key()] {
			missing = append(missing, r)
		}
	}
	for _, r := range current {
		if !want[r.Key()] {
			extra = append(extra, r)
		}
	}
	if err := c.openRules(ctx, s, missing); err != nil {
		return err
	}
	return c.closeRules(ctx, s, extra)
}

// taggedObject is one object of the network and the tags it should carry
// beyond the common ones.
type taggedObject struct {
	id    string
	name  string
	extra map[string]string
	tags  []osc.ResourceTag
}

// objects lists the network's objects that carry tags.
func (s *netState) objects(t tagger) []taggedObject {
	var out []taggedObject
	add := func(id, name string, extra map[string]string, tags []osc.ResourceTag) {
		if id != "" {
			out = append(out, taggedObject{id: id, name: name, extra: extra, tags: tags})
		}
	}
	add(s.net.GetNetId(), t.spec.Name, nil, s.net.GetTags())
	for _, tier := range cloud.Tiers {
		if sub, ok := s.subnets[tier]; ok {
			add(sub.GetSubnetId(), t.name(tier), map[string]string{cloud.TagTier: tier}, sub.GetTags())
		}
		if g, ok := s.groups[tier]; ok {
			add(g.GetSecurityGroupId(), t.name(tier), map[string]string{cloud.TagTier: tier}, g.GetTags())
		}
	}
	for _, role := range routeTableRoles {
		if rt, ok := s.tables[role]; ok {
			add(rt.GetRouteTableId(), t.name(role), map[string]string{tagRouteTable: role}, rt.GetTags())
		}
	}
	if s.internet != nil {
		add(s.internet.GetInternetServiceId(), t.spec.Name, nil, s.internet.GetTags())
	}
	if s.nat != nil {
		add(s.nat.GetNatServiceId(), t.name("nat"), nil, s.nat.GetTags())
	}
	if s.natIP != nil {
		add(s.natIP.GetPublicIpId(), t.name("nat"), nil, s.natIP.GetTags())
	}
	for _, k := range accessPointKinds {
		if ap := s.points[k.key]; ap != nil {
			add(ap.GetNetAccessPointId(), t.name(k.part), nil, ap.GetTags())
		}
	}
	return out
}

// syncTags gives every object the name and tags of spec: it sets the tags
// that differ and removes the user's tags no longer wanted. Objects that
// need the same change share one call.
func (c *Client) syncTags(ctx context.Context, s *netState, t tagger) error {
	type change struct {
		tags map[string]string
		ids  []string
	}
	sets, removals := map[string]*change{}, map[string]*change{}
	group := func(into map[string]*change, id string, tags map[string]string) {
		if len(tags) == 0 {
			return
		}
		key, _ := json.Marshal(tags) // maps marshal with sorted keys
		if into[string(key)] == nil {
			into[string(key)] = &change{tags: tags}
		}
		into[string(key)].ids = append(into[string(key)].ids, id)
	}
	for _, o := range s.objects(t) {
		have := tagMap(o.tags)
		want := t.tags(o.name, o.extra)
		if token, ok := have[cloud.TagClientToken]; ok {
			want[cloud.TagClientToken] = token // the token an object was made with stays
		}
		set, remove := map[string]string{}, map[string]string{}
		for k, v := range want {
			if cur, ok := have[k]; !ok || cur != v {
				set[k] = v
			}
		}
		for k, v := range have {
			if _, wanted := want[k]; !wanted && !reservedTag(k) {
				remove[k] = v
			}
		}
		group(sets, o.id, set)
		group(removals, o.id, remove)
	}
	for _, key := range sortedKeys(sets) {
		if err := c.createTags(ctx, sets[key].ids, sets[key].tags); err != nil {
			return err
		}
	}
	for _, key := range sortedKeys(removals) {
		if err := c.deleteTags(ctx, removals[key].ids, removals[key].tags); err != nil {
			return err
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
