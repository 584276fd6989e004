package outscale

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// Security groups and their rules (CreateSecurityGroup, ReadSecurityGroups,
// DeleteSecurityGroup, CreateSecurityGroupRule, DeleteSecurityGroupRule).

// oapiSecurityGroup is OAPI's SecurityGroup.
type oapiSecurityGroup struct {
	AccountID         string        `json:"AccountId"`
	Description       string        `json:"Description"`
	InboundRules      []oapiRule    `json:"InboundRules"`
	NetID             string        `json:"NetId,omitempty"`
	OutboundRules     []oapiRule    `json:"OutboundRules"`
	SecurityGroupID   string        `json:"SecurityGroupId"`
	SecurityGroupName string        `json:"SecurityGroupName"`
	Tags              []resourceTag `json:"Tags"`
}

// oapiRule is OAPI's SecurityGroupRule. OAPI gathers under one rule every
// source of the same protocol and port range.
type oapiRule struct {
	FromPortRange         int          `json:"FromPortRange"`
	IPProtocol            string       `json:"IpProtocol"`
	IPRanges              []string     `json:"IpRanges,omitempty"`
	SecurityGroupsMembers []oapiMember `json:"SecurityGroupsMembers,omitempty"`
	ServiceIDs            []string     `json:"ServiceIds,omitempty"`
	ToPortRange           int          `json:"ToPortRange"`
}

// oapiMember is OAPI's SecurityGroupsMember.
type oapiMember struct {
	AccountID         string `json:"AccountId"`
	SecurityGroupID   string `json:"SecurityGroupId"`
	SecurityGroupName string `json:"SecurityGroupName"`
}

type securityGroupRecord struct {
	owner
	oapiSecurityGroup
	// Default marks the group a Net is created with.
	Default bool `json:"default,omitempty"`
}

func (r securityGroupRecord) view() oapiSecurityGroup {
	g := r.oapiSecurityGroup
	g.InboundRules = nonNil(g.InboundRules)
	g.OutboundRules = nonNil(g.OutboundRules)
	g.Tags = nonNil(g.Tags)
	return g
}

// allOutbound is the rule every security group in a Net starts with: all
// traffic to anywhere, written as in the spec's examples.
func allOutbound() oapiRule {
	return oapiRule{FromPortRange: -1, IPProtocol: "-1", ToPortRange: -1, IPRanges: []string{"0.0.0.0/0"}}
}

// newDefaultSecurityGroup is the group every Net comes with. Its inbound
// rule admits the group's own members, as CreateSecurityGroup's
// documentation says of default groups; its name is "default" as in EC2 and
// its description is unverified.
func newDefaultSecurityGroup(tx store.Tx, account, netID string) securityGroupRecord {
	id := newID(tx, "sg-", collSecurityGroups)
	return securityGroupRecord{owner: owner{account}, Default: true, oapiSecurityGroup: oapiSecurityGroup{
		AccountID:         account,
		Description:       "Default security group",
		NetID:             netID,
		SecurityGroupID:   id,
		SecurityGroupName: "default",
		InboundRules: []oapiRule{{FromPortRange: -1, IPProtocol: "-1", ToPortRange: -1,
			SecurityGroupsMembers: []oapiMember{{AccountID: account, SecurityGroupID: id, SecurityGroupName: "default"}}}},
		OutboundRules: []oapiRule{allOutbound()},
		Tags:          []resourceTag{},
	}}
}

// validText checks a name or description against the characters
// CreateSecurityGroup allows: letters and digits, spaces and
// _.-:/()#,@[]+=&;{}!$*, and for descriptions accented letters too.
func validText(s string, accented bool) bool {
	if s == "" || len(s) > 255 {
		return false
	}
	for _, r := range s {
		switch {
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
		case strings.ContainsRune(" _.-:/()#,@[]+=&;{}!$*", r):
		case accented && r > unicode.MaxASCII && unicode.IsLetter(r):
		default:
			return false
		}
	}
	return true
}

func createSecurityGroup(c *call) (any, error) {
	var req struct {
		Description       *string `json:"Description"`
		DryRun            bool    `json:"DryRun"`
		NetID             string  `json:"NetId"`
		SecurityGroupName *string `json:"SecurityGroupName"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := required("Description", req.Description); err != nil {
		return nil, err
	}
	if err := required("SecurityGroupName", req.SecurityGroupName); err != nil {
		return nil, err
	}
	name, description := *req.SecurityGroupName, *req.Description
	if !validText(name, false) || strings.HasPrefix(name, "sg-") {
		return nil, errInvalidValue("SecurityGroupName", name,
			"It must have 1 to 255 letters, digits, spaces or _.-:/()#,@[]+=&;{}!$*, and not start with sg-.")
	}
	if !validText(description, true) {
		return nil, errInvalidValue("Description", description,
			"It must have 1 to 255 letters (accented included), digits, spaces or _.-:/()#,@[]+=&;{}!$*.")
	}
	account := c.account.AccountID
	return c.mutate(req.DryRun, func(tx store.Tx) (any, error) {
		if req.NetID != "" {
			if _, err := mustLoad[netRecord](tx, collNets, "NetId", req.NetID, account); err != nil {
				return nil, err
			}
		}
		groups, err := listOwned[securityGroupRecord](tx, collSecurityGroups, account)
		if err != nil {
			return nil, err
		}
		for _, g := range groups {
			if g.NetID == req.NetID && g.SecurityGroupName == name {
				return nil, errConflict(codeSecurityGroupName, fmt.Sprintf(
					"The security group name '%s' is already used by '%s'.", name, g.SecurityGroupID))
			}
		}
		g := securityGroupRecord{owner: owner{account}, oapiSecurityGroup: oapiSecurityGroup{
			AccountID:         account,
			Description:       description,
			NetID:             req.NetID,
			SecurityGroupID:   newID(tx, "sg-", collSecurityGroups),
			SecurityGroupName: name,
			InboundRules:      []oapiRule{},
			OutboundRules:     []oapiRule{},
			Tags:              []resourceTag{},
		}}
		if req.NetID != "" {
			g.OutboundRules = []oapiRule{allOutbound()}
		}
		if err := store.Put(tx, collSecurityGroups, g.SecurityGroupID, g); err != nil {
			return nil, err
		}
		return struct {
			SecurityGroup oapiSecurityGroup `json:"SecurityGroup"`
		}{g.view()}, nil
	})
}

func readSecurityGroups(c *call) (any, error) {
	var req struct {
		DryRun  bool `json:"DryRun"`
		Filters struct {
			tagFilters
			Descriptions                   []string `json:"Descriptions"`
			InboundRuleAccountIDs          []string `json:"InboundRuleAccountIds"`
			InboundRuleFromPortRanges      []int    `json:"InboundRuleFromPortRanges"`
			InboundRuleIPRanges            []string `json:"InboundRuleIpRanges"`
			InboundRuleProtocols           []string `json:"InboundRuleProtocols"`
			InboundRuleSecurityGroupIDs    []string `json:"InboundRuleSecurityGroupIds"`
			InboundRuleSecurityGroupNames  []string `json:"InboundRuleSecurityGroupNames"`
			InboundRuleToPortRanges        []int    `json:"InboundRuleToPortRanges"`
			NetIDs                         []string `json:"NetIds"`
			OutboundRuleAccountIDs         []string `json:"OutboundRuleAccountIds"`
			OutboundRuleFromPortRanges     []int    `json:"OutboundRuleFromPortRanges"`
			OutboundRuleIPRanges           []string `json:"OutboundRuleIpRanges"`
			OutboundRuleProtocols          []string `json:"OutboundRuleProtocols"`
			OutboundRuleSecurityGroupIDs   []string `json:"OutboundRuleSecurityGroupIds"`
			OutboundRuleSecurityGroupNames []string `json:"OutboundRuleSecurityGroupNames"`
			OutboundRuleToPortRanges       []int    `json:"OutboundRuleToPortRanges"`
			SecurityGroupIDs               []string `json:"SecurityGroupIds"`
			SecurityGroupNames             []string `json:"SecurityGroupNames"`
		} `json:"Filters"`
		page
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	f := req.Filters
	inbound := ruleFilter{accountIDs: f.InboundRuleAccountIDs, ipRanges: f.InboundRuleIPRanges, protocols: f.InboundRuleProtocols,
		groupIDs: f.InboundRuleSecurityGroupIDs, groupNames: f.InboundRuleSecurityGroupNames,
		fromPorts: f.InboundRuleFromPortRanges, toPorts: f.InboundRuleToPortRanges}
	outbound := ruleFilter{accountIDs: f.OutboundRuleAccountIDs, ipRanges: f.OutboundRuleIPRanges, protocols: f.OutboundRuleProtocols,
		groupIDs: f.OutboundRuleSecurityGroupIDs, groupNames: f.OutboundRuleSecurityGroupNames,
		fromPorts: f.OutboundRuleFromPortRanges, toPorts: f.OutboundRuleToPortRanges}
	return c.view(func(tx store.Tx) (any, error) {
		all, err := listOwned[securityGroupRecord](tx, collSecurityGroups, c.account.AccountID)
		if err != nil {
			return nil, err
		}
		var found []oapiSecurityGroup
		for _, g := range all {
			if !matches(f.SecurityGroupIDs, g.SecurityGroupID) || !matches(f.SecurityGroupNames, g.SecurityGroupName) ||
				!matches(f.NetIDs, g.NetID) || !matches(f.Descriptions, g.Description) || !f.match(g.Tags) ||
				!inbound.match(g.InboundRules) || !outbound.match(g.OutboundRules) {
				continue
			}
			found = append(found, g.view())
		}
		groups, next, err := paginate(req.page, found)
		if err != nil {
			return nil, err
		}
		return struct {
			SecurityGroups []oapiSecurityGroup `json:"SecurityGroups"`
			NextPageToken  string              `json:"NextPageToken,omitempty"`
		}{groups, next}, nil
	})
}

// ruleFilter is the Inbound… or Outbound… half of FiltersSecurityGroup. A
// group matches when one of its rules matches every filter given.
type ruleFilter struct {
	accountIDs, ipRanges, protocols, groupIDs, groupNames []string
	fromPorts, toPorts                                    []int
}

func (f ruleFilter) empty() bool {
	return len(f.accountIDs)+len(f.ipRanges)+len(f.protocols)+len(f.groupIDs)+len(f.groupNames)+len(f.fromPorts)+len(f.toPorts) == 0
}

func (f ruleFilter) match(rules []oapiRule) bool {
	if f.empty() {
		return true
	}
	for _, r := range rules {
		var accounts, ids, names []string
		for _, m := range r.SecurityGroupsMembers {
			accounts, ids, names = append(accounts, m.AccountID), append(ids, m.SecurityGroupID), append(names, m.SecurityGroupName)
		}
		if matchesAny(f.accountIDs, accounts) && matchesAny(f.ipRanges, r.IPRanges) && matches(f.protocols, r.IPProtocol) &&
			matchesAny(f.groupIDs, ids) && matchesAny(f.groupNames, names) &&
			matchesInt(f.fromPorts, r.FromPortRange) && matchesInt(f.toPorts, r.ToPortRange) {
			return true
		}
	}
	return false
}

func deleteSecurityGroup(c *call) (any, error) {
	var req struct {
		DryRun            bool   `json:"DryRun"`
		SecurityGroupID   string `json:"SecurityGroupId"`
		SecurityGroupName string `json:"SecurityGroupName"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if req.SecurityGroupID == "" && req.SecurityGroupName == "" {
		return nil, errMissingParameter("SecurityGroupId")
	}
	account := c.account.AccountID
	return c.mutate(req.DryRun, func(tx store.Tx) (any, error) {
		groups, err := listOwned[securityGroupRecord](tx, collSecurityGroups, account)
		if err != nil {
			return nil, err
		}
		// A name designates a group of the public Cloud only: names are
		// unique per Net, not per account.
		i := slices.IndexFunc(groups, func(g securityGroupRecord) bool {
			if req.SecurityGroupID != "" {
				return g.SecurityGroupID == req.SecurityGroupID
			}
			return g.NetID == "" && g.SecurityGroupName == req.SecurityGroupName
		})
		if i < 0 {
			if req.SecurityGroupID != "" {
				return nil, errNotFound("SecurityGroupId", req.SecurityGroupID)
			}
			return nil, errNotFound("SecurityGroupName", req.SecurityGroupName)
		}
		g := groups[i]
		if g.Default {
			return nil, errInvalidValue("SecurityGroupId", g.SecurityGroupID,
				"The default security group of a Net cannot be deleted; it goes with the Net.")
		}
		// VMs hold their groups until they are terminated (vm.go).
		vms, err := vmsUsing(tx, account, func(vm vmRecord) bool {
			return slices.ContainsFunc(vm.SecurityGroups, func(l securityLight) bool { return l.SecurityGroupID == g.SecurityGroupID })
		})
		if err != nil {
			return nil, err
		}
		if len(vms) > 0 {
			return nil, errConflict(codeSecurityGroupInUse, fmt.Sprintf(
				"The security group '%s' is in use by %s.", g.SecurityGroupID, joinLimited(vms)))
		}
		for _, other := range groups {
			if other.SecurityGroupID != g.SecurityGroupID && referencesGroup(other, g.SecurityGroupID) {
				// The verified answer has empty Details; these say which group.
				return nil, errConflict(codeSecurityGroupInUse, fmt.Sprintf(
					"The security group '%s' is referenced by a rule of the security group '%s'.", g.SecurityGroupID, other.SecurityGroupID))
			}
		}
		return struct{}{}, tx.Delete(collSecurityGroups, g.SecurityGroupID)
	})
}

func referencesGroup(g securityGroupRecord, id string) bool {
	for _, rules := range [][]oapiRule{g.InboundRules, g.OutboundRules} {
		for _, r := range rules {
			for _, m := range r.SecurityGroupsMembers {
				if m.SecurityGroupID == id {
					return true
				}
			}
		}
	}
	return false
}

// ruleInput is a SecurityGroupRule as a request gives it.
type ruleInput struct {
	FromPortRange         *int          `json:"FromPortRange"`
	IPProtocol            *string       `json:"IpProtocol"`
	IPRanges              []string      `json:"IpRanges"`
	SecurityGroupRuleID   string        `json:"SecurityGroupRuleId"` // in the model, meaningless in a request
	SecurityGroupsMembers []memberInput `json:"SecurityGroupsMembers"`
	ServiceIDs            []string      `json:"ServiceIds"`
	ToPortRange           *int          `json:"ToPortRange"`
}

type memberInput struct {
	AccountID         string `json:"AccountId"`
	SecurityGroupID   string `json:"SecurityGroupId"`
	SecurityGroupName string `json:"SecurityGroupName"`
}

// ruleRequest is the body of CreateSecurityGroupRule and
// DeleteSecurityGroupRule: the flat form or Rules[], never both. The two
// actions name their link parameters …ToLink and …ToUnlink.
type ruleRequest struct {
	DryRun          bool        `json:"DryRun"`
	Flow            *string     `json:"Flow"`
	FromPortRange   *int        `json:"FromPortRange"`
	IPProtocol      *string     `json:"IpProtocol"`
	IPRange         *string     `json:"IpRange"`
	Rules           []ruleInput `json:"Rules"`
	SecurityGroupID *string     `json:"SecurityGroupId"`
	ToPortRange     *int        `json:"ToPortRange"`
	linkAccount     *string
	linkGroup       *string
}

type createRuleRequest struct {
	ruleRequest
	SecurityGroupAccountIDToLink *string `json:"SecurityGroupAccountIdToLink"`
	SecurityGroupNameToLink      *string `json:"SecurityGroupNameToLink"`
}

type deleteRuleRequest struct {
	ruleRequest
	SecurityGroupAccountIDToUnlink *string `json:"SecurityGroupAccountIdToUnlink"`
	SecurityGroupNameToUnlink      *string `json:"SecurityGroupNameToUnlink"`
}

func createSecurityGroupRule(c *call) (any, error) {
	var req createRuleRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	req.linkAccount, req.linkGroup = req.SecurityGroupAccountIDToLink, req.SecurityGroupNameToLink
	return c.changeRules(req.ruleRequest, "ToLink", addRules)
}

func deleteSecurityGroupRule(c *call) (any, error) {
	var req deleteRuleRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	req.linkAccount, req.linkGroup = req.SecurityGroupAccountIDToUnlink, req.SecurityGroupNameToUnlink
	return c.changeRules(req.ruleRequest, "ToUnlink", removeRules)
}

// changeRules validates a rule request and applies change to the inbound or
// outbound rules of its group, answering with the whole group.
func (c *call) changeRules(req ruleRequest, linkSuffix string,
	change func(current []oapiRule, rules []oapiRule, groupID string) ([]oapiRule, error)) (any, error) {
	if err := required("Flow", req.Flow); err != nil {
		return nil, err
	}
	if *req.Flow != "Inbound" && *req.Flow != "Outbound" {
		return nil, errInvalidValue("Flow", *req.Flow, "It must be 'Inbound' or 'Outbound'.")
	}
	if err := required("SecurityGroupId", req.SecurityGroupID); err != nil {
		return nil, err
	}
	inputs, flat, err := req.inputs(linkSuffix)
	if err != nil {
		return nil, err
	}
	account := c.account.AccountID
	return c.mutate(req.DryRun, func(tx store.Tx) (any, error) {
		g, err := mustLoad[securityGroupRecord](tx, collSecurityGroups, "SecurityGroupId", *req.SecurityGroupID, account)
		if err != nil {
			return nil, err
		}
		if *req.Flow == "Outbound" && g.NetID == "" {
			return nil, errInvalidValue("Flow", "Outbound", "Outbound rules exist only for security groups in a Net.")
		}
		var rules []oapiRule
		for i, in := range inputs {
			prefix := ""
			if !flat {
				prefix = fmt.Sprintf("Rules[%d].", i)
			}
			r, err := c.resolveRule(tx, g, in, prefix)
			if err != nil {
				return nil, err
			}
			rules = append(rules, r)
		}
		current := &g.InboundRules
		if *req.Flow == "Outbound" {
			current = &g.OutboundRules
		}
		if *current, err = change(*current, rules, g.SecurityGroupID); err != nil {
			return nil, err
		}
		if err := store.Put(tx, collSecurityGroups, g.SecurityGroupID, g); err != nil {
			return nil, err
		}
		return struct {
			SecurityGroup oapiSecurityGroup `json:"SecurityGroup"`
		}{g.view()}, nil
	})
}

// inputs turns the flat form into one rule, or returns Rules[]; flat says
// which form the request used.
func (req ruleRequest) inputs(linkSuffix string) (rules []ruleInput, flat bool, err error) {
	flat = req.FromPortRange != nil || req.ToPortRange != nil || req.IPProtocol != nil || req.IPRange != nil ||
		req.linkAccount != nil || req.linkGroup != nil
	switch {
	case flat && len(req.Rules) > 0:
		return nil, flat, errInvalidValue("Rules", "…", "Rules cannot be combined with FromPortRange, ToPortRange, IpProtocol, IpRange or SecurityGroup…"+linkSuffix+".")
	case len(req.Rules) > 0:
		return req.Rules, flat, nil
	case !flat:
		return nil, flat, errMissingParameter("Rules")
	}
	in := ruleInput{FromPortRange: req.FromPortRange, ToPortRange: req.ToPortRange, IPProtocol: req.IPProtocol}
	if req.IPRange != nil {
		in.IPRanges = []string{*req.IPRange}
	}
	if req.linkGroup != nil {
		if req.IPRange != nil {
			return nil, flat, errInvalidValue("SecurityGroupName"+linkSuffix, *req.linkGroup,
				"A rule admits either an IP range or a security group, not both.")
		}
		// Despite its name, the spec documents SecurityGroupNameToLink as
		// "the ID of a source or destination security group"; both work.
		m := memberInput{}
		if req.linkAccount != nil {
			m.AccountID = *req.linkAccount
		}
		if strings.HasPrefix(*req.linkGroup, "sg-") {
			m.SecurityGroupID = *req.linkGroup
		} else {
			m.SecurityGroupName = *req.linkGroup
		}
		in.SecurityGroupsMembers = []memberInput{m}
	}
	return []ruleInput{in}, flat, nil
}

// resolveRule validates one rule of a request against group g and returns
// it as OAPI lists it.
func (c *call) resolveRule(tx store.Tx, g securityGroupRecord, in ruleInput, paramPrefix string) (oapiRule, error) {
	param := func(name string) string { return paramPrefix + name }
	proto := "-1"
	if in.IPProtocol != nil && *in.IPProtocol != "" {
		proto = strings.ToLower(*in.IPProtocol)
	}
	r := oapiRule{IPProtocol: proto, FromPortRange: -1, ToPortRange: -1}
	switch proto {
	case "tcp", "udp":
		if in.FromPortRange == nil {
			return r, errMissingParameter(param("FromPortRange"))
		}
		if in.ToPortRange == nil {
			return r, errMissingParameter(param("ToPortRange"))
		}
		from, to := *in.FromPortRange, *in.ToPortRange
		if from < 0 || from > 65535 || to < 0 || to > 65535 || from > to {
			return r, errInvalidValue(param("FromPortRange"), fmt.Sprintf("%d-%d", from, to),
				"Ports go from 0 to 65535, FromPortRange no higher than ToPortRange.")
		}
		r.FromPortRange, r.ToPortRange = from, to
	case "icmp":
		// For ICMP the "ports" are the type and the code, -1 for all.
		for _, v := range []struct {
			name   string
			value  *int
			target *int
		}{{"FromPortRange", in.FromPortRange, &r.FromPortRange}, {"ToPortRange", in.ToPortRange, &r.ToPortRange}} {
			if v.value == nil {
				continue
			}
			if *v.value < -1 || *v.value > 255 {
				return r, errInvalidValue(param(v.name), strconv.Itoa(*v.value), "An ICMP type or code goes from -1 (all) to 255.")
			}
			*v.target = *v.value
		}
	case "-1":
	default:
		n, err := strconv.Atoi(proto)
		if err != nil || n < 0 || n > 255 || g.NetID == "" {
			return r, errInvalidValue(param("IpProtocol"), proto,
				"It must be tcp, udp, icmp, -1 (all), or in a Net an IP protocol number.")
		}
	}
	if len(in.IPRanges)+len(in.SecurityGroupsMembers)+len(in.ServiceIDs) == 0 {
		return r, errMissingParameter(param("IpRanges"))
	}
	for _, cidr := range in.IPRanges {
		p, err := parseIPRange(param("IpRanges"), cidr)
		if err != nil {
			return r, err
		}
		r.IPRanges = append(r.IPRanges, p.String())
	}
	groups, err := listOwned[securityGroupRecord](tx, collSecurityGroups, c.account.AccountID)
	if err != nil {
		return r, err
	}
	for _, m := range in.SecurityGroupsMembers {
		member, err := resolveMember(groups, g, m, c.account.AccountID, param)
		if err != nil {
			return r, err
		}
		r.SecurityGroupsMembers = append(r.SecurityGroupsMembers, member)
	}
	known := regionServices(c.account.Region)
	for _, id := range in.ServiceIDs {
		if !slices.ContainsFunc(known, func(s oapiService) bool { return s.ServiceID == id }) {
			return r, errInvalidValue(param("ServiceIds"), id, "It is not a service of ReadNetAccessPointServices.")
		}
		r.ServiceIDs = append(r.ServiceIDs, id)
	}
	return r, nil
}

func resolveMember(groups []securityGroupRecord, g securityGroupRecord, m memberInput, account string,
	param func(string) string) (oapiMember, error) {
	if m.SecurityGroupID == "" && m.SecurityGroupName == "" {
		return oapiMember{}, errMissingParameter(param("SecurityGroupsMembers.SecurityGroupId"))
	}
	if m.SecurityGroupID == "" && g.NetID != "" {
		return oapiMember{}, errInvalidValue(param("SecurityGroupsMembers.SecurityGroupName"), m.SecurityGroupName,
			"In a Net, name the security group by its SecurityGroupId.")
	}
	// The emulator holds one account's groups per caller: a group of
	// another account answers like a group that does not exist.
	i := slices.IndexFunc(groups, func(o securityGroupRecord) bool {
		if m.AccountID != "" && m.AccountID != account {
			return false
		}
		if m.SecurityGroupID != "" {
			return o.SecurityGroupID == m.SecurityGroupID
		}
		return o.NetID == "" && o.SecurityGroupName == m.SecurityGroupName
	})
	if i < 0 {
		if m.SecurityGroupID != "" {
			return oapiMember{}, errNotFound("SecurityGroupId", m.SecurityGroupID)
		}
		return oapiMember{}, errNotFound("SecurityGroupName", m.SecurityGroupName)
	}
	o := groups[i]
	if o.NetID != g.NetID {
		return oapiMember{}, errInvalidValue(param("SecurityGroupsMembers.SecurityGroupId"), o.SecurityGroupID,
			"The two security groups are not in the same Net.")
	}
	return oapiMember{AccountID: account, SecurityGroupID: o.SecurityGroupID, SecurityGroupName: o.SecurityGroupName}, nil
}

func sameRuleKey(a, b oapiRule) bool {
	return a.IPProtocol == b.IPProtocol && a.FromPortRange == b.FromPortRange && a.ToPortRange == b.ToPortRange
}

func describeRule(r oapiRule) string {
	return fmt.Sprintf("%s %d-%d", r.IPProtocol, r.FromPortRange, r.ToPortRange)
}

// addRules merges rules into current. A source already admitted for the
// same protocol and ports makes the whole request fail, as the real API's
// 409 on a duplicate rule does.
func addRules(current, rules []oapiRule, groupID string) ([]oapiRule, error) {
	out := slices.Clone(current)
	for _, r := range rules {
		i := slices.IndexFunc(out, func(o oapiRule) bool { return sameRuleKey(o, r) })
		if i < 0 {
			out = append(out, oapiRule{IPProtocol: r.IPProtocol, FromPortRange: r.FromPortRange, ToPortRange: r.ToPortRange})
			i = len(out) - 1
		}
		existing := &out[i]
		for _, cidr := range r.IPRanges {
			if slices.Contains(existing.IPRanges, cidr) {
				return nil, errConflict(codeRuleDuplicate, fmt.Sprintf(
					"The rule %s from %s already exists in the security group '%s'.", describeRule(r), cidr, groupID))
			}
			existing.IPRanges = append(existing.IPRanges, cidr)
		}
		for _, m := range r.SecurityGroupsMembers {
			if slices.ContainsFunc(existing.SecurityGroupsMembers, func(o oapiMember) bool { return o.SecurityGroupID == m.SecurityGroupID }) {
				return nil, errConflict(codeRuleDuplicate, fmt.Sprintf(
					"The rule %s from %s already exists in the security group '%s'.", describeRule(r), m.SecurityGroupID, groupID))
			}
			existing.SecurityGroupsMembers = append(existing.SecurityGroupsMembers, m)
		}
		for _, id := range r.ServiceIDs {
			if slices.Contains(existing.ServiceIDs, id) {
				return nil, errConflict(codeRuleDuplicate, fmt.Sprintf(
					"The rule %s to %s already exists in the security group '%s'.", describeRule(r), id, groupID))
			}
			existing.ServiceIDs = append(existing.ServiceIDs, id)
		}
	}
	return out, nil
}

// removeRules takes rules out of current. As DeleteSecurityGroupRule's
// documentation says, each must match an existing rule exactly.
func removeRules(current, rules []oapiRule, groupID string) ([]oapiRule, error) {
	out := slices.Clone(current)
	for _, r := range rules {
		i := slices.IndexFunc(out, func(o oapiRule) bool { return sameRuleKey(o, r) })
		missing := func(source string) error {
			return &Error{Status: http.StatusBadRequest, Code: notFoundCodes["SecurityGroupRule"], Type: "InvalidResource", Details: fmt.Sprintf(
				"The rule %s from %s doesn't exist in the security group '%s'.", describeRule(r), source, groupID)}
		}
		if i < 0 {
			return nil, missing(ruleSources(r))
		}
		existing := out[i]
		for _, cidr := range r.IPRanges {
			j := slices.Index(existing.IPRanges, cidr)
			if j < 0 {
				return nil, missing(cidr)
			}
			existing.IPRanges = slices.Delete(slices.Clone(existing.IPRanges), j, j+1)
		}
		for _, m := range r.SecurityGroupsMembers {
			j := slices.IndexFunc(existing.SecurityGroupsMembers, func(o oapiMember) bool { return o.SecurityGroupID == m.SecurityGroupID })
			if j < 0 {
				return nil, missing(m.SecurityGroupID)
			}
			existing.SecurityGroupsMembers = slices.Delete(slices.Clone(existing.SecurityGroupsMembers), j, j+1)
		}
		for _, id := range r.ServiceIDs {
			j := slices.Index(existing.ServiceIDs, id)
			if j < 0 {
				return nil, missing(id)
			}
			existing.ServiceIDs = slices.Delete(slices.Clone(existing.ServiceIDs), j, j+1)
		}
		if len(existing.IPRanges)+len(existing.SecurityGroupsMembers)+len(existing.ServiceIDs) == 0 {
			out = slices.Delete(out, i, i+1)
		} else {
			out[i] = existing
		}
	}
	return out, nil
}

func ruleSources(r oapiRule) string {
	var sources []string
	sources = append(sources, r.IPRanges...)
	for _, m := range r.SecurityGroupsMembers {
		sources = append(sources, m.SecurityGroupID)
	}
	sources = append(sources, r.ServiceIDs...)
	return strings.Join(sources, ", ")
}
