package ovh

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// OpenStack Networking (Neutron v2.0), the part of it the warehouse needs:
// security groups, their rules, and the ports of instances (to put groups
// on them, neutron_ports.go). The OVHcloud API v1 has no security groups:
// they are Neutron's, reached with a Keystone token (keystone.go) at the
// network endpoint of the token's catalog, one per region. On the real
// cloud that is https://network.compute.<region>.cloud.ovh.net/; here it is
// NeutronPrefix/<region>/ on the emulator's listener.
//
// What Neutron does and the emulator does too:
//   - a new group holds two rules letting everything out (IPv4 and IPv6);
//   - rules are checked as Neutron checks them (direction, ethertype,
//     protocol, ports, remote_ip_prefix or remote_group_id, not both, the
//     CIDR's family the ethertype's), and a rule the group already holds is
//     refused with 409 SecurityGroupRuleExists naming it;
//   - deleting a group deletes its rules and the rules of other groups that
//     name it as their remote group; a group on a port is in use (409);
//   - lists take Neutron's filters (?name=…&id=…), and refuse unknown ones;
//   - errors are {"NeutronError": {"type", "message", "detail"}}, and a
//     request without a valid token gets keystonemiddleware's 401.
//
// What it does not: the project's "default" group (Neutron makes it on the
// project's first call; the emulator has none, so instances' ports start
// with no group), address groups, tags, pagination (limit, marker), field
// selection (fields is accepted and ignored), sorting (likewise), IPv6
// beyond the default egress rule. Writes need one of the OVHcloud roles
// in neutronWriters (unverified: OVHcloud does not publish its policy).
//
//	ovh.neutron_security_groups/<id>      {"project", "region", "id", "name", …}
//	ovh.neutron_security_group_rules/<id> {"project", "region", "id", "security_group_id", …}
const (
	collSecurityGroups     = "ovh.neutron_security_groups"
	collSecurityGroupRules = "ovh.neutron_security_group_rules"
)

// NeutronPrefix is where the emulator serves Neutron: NeutronPrefix/<region>/v2.0/….
const NeutronPrefix = "/neutron"

// neutronWriters are the roles allowed to change security groups and
// rules; portWriters those allowed to change ports.
var (
	neutronWriters = []string{"admin", "administrator", "network_operator", "network_security_operator"}
	portWriters    = []string{"admin", "administrator", "network_operator"}
)

// neutronError is Neutron's error.
type neutronError struct {
	Status  int
	Type    string
	Message string
}

func (e *neutronError) Error() string { return e.Type + ": " + e.Message }

func writeNeutronError(w http.ResponseWriter, e *neutronError) {
	writeJSON(w, e.Status, map[string]any{"NeutronError": map[string]string{"type": e.Type, "message": e.Message, "detail": ""}})
}

func errNeutronBadRequest(format string, args ...any) *neutronError {
	return &neutronError{Status: http.StatusBadRequest, Type: "HTTPBadRequest", Message: fmt.Sprintf(format, args...)}
}

func errGroupNotFound(id string) *neutronError {
	return &neutronError{Status: http.StatusNotFound, Type: "SecurityGroupNotFound", Message: fmt.Sprintf("Security group %s does not exist", id)}
}

func errRuleNotFound(id string) *neutronError {
	return &neutronError{Status: http.StatusNotFound, Type: "SecurityGroupRuleNotFound", Message: fmt.Sprintf("Security group rule %s does not exist", id)}
}

// neutronCall is one Neutron request being served.
type neutronCall struct {
	h       *Handler
	r       *http.Request
	user    userRecord
	project Project
	region  string
	body    []byte
}

type neutronRoute func(c *neutronCall, tx store.Tx) (int, any, error)

// Neutron serves NeutronPrefix.
func (h *Handler) Neutron() http.Handler {
	mux := http.NewServeMux()
	const base = NeutronPrefix + "/{region}"
	routes := map[string]neutronRoute{
		"GET /v2.0/security-groups":              listSecurityGroups,
		"POST /v2.0/security-groups":             createSecurityGroup,
		"GET /v2.0/security-groups/{id}":         getSecurityGroup,
		"PUT /v2.0/security-groups/{id}":         updateSecurityGroup,
		"DELETE /v2.0/security-groups/{id}":      deleteSecurityGroup,
		"GET /v2.0/security-group-rules":         listSecurityGroupRules,
		"POST /v2.0/security-group-rules":        createSecurityGroupRule,
		"GET /v2.0/security-group-rules/{id}":    getSecurityGroupRule,
		"DELETE /v2.0/security-group-rules/{id}": deleteSecurityGroupRule,
		"GET /v2.0/ports":                        listPorts,
		"GET /v2.0/ports/{id}":                   getPort,
		"PUT /v2.0/ports/{id}":                   updatePort,
	}
	for pattern, serve := range routes {
		method, path, _ := strings.Cut(pattern, " ")
		mux.Handle(method+" "+base+path, h.neutronHandler(pattern, serve))
	}
	// The versions document gophercloud reads to learn the endpoint's
	// major version; Neutron serves it without a token.
	mux.HandleFunc("GET "+base+"/{$}", func(w http.ResponseWriter, r *http.Request) {
		href := baseURL(r) + NeutronPrefix + "/" + r.PathValue("region") + "/v2.0/"
		writeJSON(w, http.StatusOK, map[string]any{"versions": []map[string]any{{
			"id": "v2.0", "status": "CURRENT", "links": []map[string]string{{"href": href, "rel": "self"}}}}})
	})
	mux.HandleFunc(NeutronPrefix+"/", func(w http.ResponseWriter, r *http.Request) {
		writeNeutronError(w, &neutronError{Status: http.StatusNotFound, Type: "HTTPNotFound", Message: "The resource could not be found."})
	})
	return mux
}

func (h *Handler) neutronHandler(pattern string, serve neutronRoute) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			return
		}
		h.opts.Faults.Serve(w, r, "neutron:"+pattern,
			func(w http.ResponseWriter, status int) {
				writeNeutronError(w, &neutronError{Status: status, Type: "HTTPServiceUnavailable", Message: "Injected failure"})
			},
			func(w http.ResponseWriter) {
				_, user, _, project, ok := h.openToken(r.Header.Get("X-Auth-Token"))
				if !ok {
					// keystonemiddleware's answer, before Neutron sees the request.
					w.Header().Set("WWW-Authenticate", fmt.Sprintf("Keystone uri=%q", baseURL(r)+KeystonePrefix+"/v3/"))
					errKeystoneUnauthorized().write(w)
					return
				}
				c := &neutronCall{h: h, r: r, user: user, project: project, region: r.PathValue("region"), body: body}
				if !slices.Contains(project.Regions, c.region) {
					writeNeutronError(w, &neutronError{Status: http.StatusNotFound, Type: "HTTPNotFound", Message: "The resource could not be found."})
					return
				}
				var status int
				var out any
				err := h.opts.Store.Update(func(tx store.Tx) error {
					var err error
					status, out, err = serve(c, tx)
					return err
				})
				if err != nil {
					var ne *neutronError
					if !errors.As(err, &ne) {
						ne = &neutronError{Status: http.StatusInternalServerError, Type: "HTTPInternalServerError",
							Message: "Request Failed: internal server error while processing your request."}
					}
					writeNeutronError(w, ne)
					return
				}
				if status == http.StatusNoContent {
					w.WriteHeader(status)
					return
				}
				writeJSON(w, status, out)
			})
	})
}

// allowed refuses a write the caller's roles do not allow, as Neutron's
// policy engine does.
func (c *neutronCall) allowed(rule string, roles []string) error {
	if slices.ContainsFunc(c.user.Roles, func(r apiRole) bool { return slices.Contains(roles, r.Name) }) {
		return nil
	}
	return &neutronError{Status: http.StatusForbidden, Type: "PolicyNotAuthorized", Message: fmt.Sprintf("rule:%s is disallowed by policy", rule)}
}

// resourceBody decodes {"<key>": {…}} into its attributes, refusing those
// not in accepted.
func (c *neutronCall) resourceBody(key string, accepted ...string) (map[string]json.RawMessage, error) {
	var outer map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(c.body))
	if err := dec.Decode(&outer); err != nil {
		return nil, errNeutronBadRequest("Malformed request body")
	}
	inner, ok := outer[key]
	if !ok || len(outer) != 1 {
		return nil, errNeutronBadRequest("Unable to find '%s' in request body", key)
	}
	var attrs map[string]json.RawMessage
	if err := json.Unmarshal(inner, &attrs); err != nil || attrs == nil {
		return nil, errNeutronBadRequest("Malformed request body")
	}
	var unknown []string
	for k := range attrs {
		if !slices.Contains(accepted, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, errNeutronBadRequest("Unrecognized attribute(s) '%s'", strings.Join(unknown, ", "))
	}
	return attrs, nil
}

// stringAttr reads a string (or null, as absent) attribute.
func stringAttr(attrs map[string]json.RawMessage, name string) (*string, error) {
	raw, ok := attrs[name]
	if !ok || string(raw) == "null" {
		return nil, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, errNeutronBadRequest("Invalid input for %s. Reason: '%s' is not a valid string.", name, raw)
	}
	return &s, nil
}

// projectAttrs checks the project_id and tenant_id a body may give: the
// caller's project only.
func (c *neutronCall) projectAttrs(attrs map[string]json.RawMessage) error {
	for _, name := range []string{"project_id", "tenant_id"} {
		v, err := stringAttr(attrs, name)
		if err != nil {
			return err
		}
		if v != nil && *v != c.project.ID {
			return &neutronError{Status: http.StatusForbidden, Type: "HTTPForbidden",
				Message: "Specifying 'project_id' or 'tenant_id' other than the authenticated project in request requires admin privileges"}
		}
	}
	return nil
}

// filters reads a list's query: each accepted attribute may be given
// several times (any value matches); fields, sort_key and sort_dir are
// accepted and ignored.
func (c *neutronCall) filters(accepted ...string) (map[string][]string, error) {
	out := map[string][]string{}
	for k, values := range c.r.URL.Query() {
		switch {
		case k == "fields" || k == "sort_key" || k == "sort_dir":
		case slices.Contains(accepted, k):
			out[k] = values
		default:
			return nil, errNeutronBadRequest("[%s] is invalid attribute for filtering", k)
		}
	}
	return out, nil
}

// matches says whether an object's attributes pass the filters.
func matches(filters map[string][]string, attrs map[string]string) bool {
	for k, values := range filters {
		if !slices.Contains(values, attrs[k]) {
			return false
		}
	}
	return true
}

// ---- security groups --------------------------------------------------------

type securityGroupRecord struct {
	owner
	Region      string `json:"region"`
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Stateful    bool   `json:"stateful"`
	Created     string `json:"created_at"`
	Updated     string `json:"updated_at"`
	Revision    int    `json:"revision_number"`
}

// apiSecurityGroup is a security group as Neutron shows it.
type apiSecurityGroup struct {
	ID          string                 `json:"id"`
	Name        string                 `json:"name"`
	Description string                 `json:"description"`
	Stateful    bool                   `json:"stateful"`
	Shared      bool                   `json:"shared"`
	TenantID    string                 `json:"tenant_id"`
	ProjectID   string                 `json:"project_id"`
	Rules       []apiSecurityGroupRule `json:"security_group_rules"`
	Tags        []string               `json:"tags"`
	Created     string                 `json:"created_at"`
	Updated     string                 `json:"updated_at"`
	Revision    int                    `json:"revision_number"`
}

func (g securityGroupRecord) filterAttrs() map[string]string {
	return map[string]string{"id": g.ID, "name": g.Name, "description": g.Description, "project_id": g.Project,
		"tenant_id": g.Project, "stateful": strconv.FormatBool(g.Stateful), "revision_number": strconv.Itoa(g.Revision)}
}

func (c *neutronCall) groupView(tx store.Tx, g securityGroupRecord) (apiSecurityGroup, error) {
	rules, err := c.rulesOf(tx, g.ID)
	if err != nil {
		return apiSecurityGroup{}, err
	}
	out := apiSecurityGroup{ID: g.ID, Name: g.Name, Description: g.Description, Stateful: g.Stateful, TenantID: g.Project,
		ProjectID: g.Project, Rules: []apiSecurityGroupRule{}, Tags: []string{}, Created: g.Created, Updated: g.Updated, Revision: g.Revision}
	for _, r := range rules {
		out.Rules = append(out.Rules, r.view())
	}
	return out, nil
}

// loadGroup reads a group of the caller's project and region.
func (c *neutronCall) loadGroup(tx store.Tx, id string) (securityGroupRecord, error) {
	g, found, err := getInProject[securityGroupRecord](tx, collSecurityGroups, id, c.project.ID)
	if err != nil {
		return g, err
	}
	if !found || g.Region != c.region {
		return g, errGroupNotFound(id)
	}
	return g, nil
}

func (c *neutronCall) groups(tx store.Tx) ([]securityGroupRecord, error) {
	all, err := listInProject[securityGroupRecord](tx, collSecurityGroups, c.project.ID)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(g securityGroupRecord) bool { return g.Region != c.region }), nil
}

func listSecurityGroups(c *neutronCall, tx store.Tx) (int, any, error) {
	filters, err := c.filters("id", "name", "description", "project_id", "tenant_id", "stateful", "revision_number")
	if err != nil {
		return 0, nil, err
	}
	all, err := c.groups(tx)
	if err != nil {
		return 0, nil, err
	}
	out := []apiSecurityGroup{}
	for _, g := range all {
		if !matches(filters, g.filterAttrs()) {
			continue
		}
		v, err := c.groupView(tx, g)
		if err != nil {
			return 0, nil, err
		}
		out = append(out, v)
	}
	return http.StatusOK, map[string]any{"security_groups": out}, nil
}

func getSecurityGroup(c *neutronCall, tx store.Tx) (int, any, error) {
	g, err := c.loadGroup(tx, c.r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	v, err := c.groupView(tx, g)
	return http.StatusOK, map[string]any{"security_group": v}, err
}

// groupAttrs reads the name, description and stateful of a group's body.
func groupAttrs(attrs map[string]json.RawMessage, g *securityGroupRecord) error {
	for name, field := range map[string]*string{"name": &g.Name, "description": &g.Description} {
		v, err := stringAttr(attrs, name)
		if err != nil {
			return err
		}
		if v != nil {
			if len(*v) > 255 {
				return errNeutronBadRequest("Invalid input for %s. Reason: '%s' exceeds maximum length of 255.", name, *v)
			}
			*field = *v
		}
	}
	if raw, ok := attrs["stateful"]; ok {
		if err := json.Unmarshal(raw, &g.Stateful); err != nil {
			return errNeutronBadRequest("Invalid input for stateful. Reason: '%s' cannot be converted to boolean.", raw)
		}
	}
	return nil
}

func createSecurityGroup(c *neutronCall, tx store.Tx) (int, any, error) {
	if err := c.allowed("create_security_group", neutronWriters); err != nil {
		return 0, nil, err
	}
	attrs, err := c.resourceBody("security_group", "name", "description", "stateful", "project_id", "tenant_id")
	if err != nil {
		return 0, nil, err
	}
	if err := c.projectAttrs(attrs); err != nil {
		return 0, nil, err
	}
	now := c.h.opts.Now()
	g := securityGroupRecord{owner: owner{c.project.ID}, Region: c.region, ID: newUUID(), Stateful: true,
		Created: apiTime(now), Updated: apiTime(now), Revision: 1}
	if err := groupAttrs(attrs, &g); err != nil {
		return 0, nil, err
	}
	if g.Name == "default" {
		return 0, nil, &neutronError{Status: http.StatusConflict, Type: "SecurityGroupDefaultAlreadyExists",
			Message: "Default security group already exists."}
	}
	if err := store.Put(tx, collSecurityGroups, g.ID, g); err != nil {
		return 0, nil, err
	}
	// Neutron lets everything out of a new group.
	for _, ethertype := range []string{"IPv4", "IPv6"} {
		r := securityGroupRuleRecord{owner: g.owner, Region: g.Region, ID: newUUID(), SecurityGroupID: g.ID,
			Direction: "egress", Ethertype: ethertype, Created: g.Created, Updated: g.Created}
		if err := store.Put(tx, collSecurityGroupRules, r.ID, r); err != nil {
			return 0, nil, err
		}
	}
	v, err := c.groupView(tx, g)
	return http.StatusCreated, map[string]any{"security_group": v}, err
}

func updateSecurityGroup(c *neutronCall, tx store.Tx) (int, any, error) {
	if err := c.allowed("update_security_group", neutronWriters); err != nil {
		return 0, nil, err
	}
	g, err := c.loadGroup(tx, c.r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	attrs, err := c.resourceBody("security_group", "name", "description", "stateful")
	if err != nil {
		return 0, nil, err
	}
	if err := groupAttrs(attrs, &g); err != nil {
		return 0, nil, err
	}
	g.Updated, g.Revision = apiTime(c.h.opts.Now()), g.Revision+1
	if err := store.Put(tx, collSecurityGroups, g.ID, g); err != nil {
		return 0, nil, err
	}
	v, err := c.groupView(tx, g)
	return http.StatusOK, map[string]any{"security_group": v}, err
}

func deleteSecurityGroup(c *neutronCall, tx store.Tx) (int, any, error) {
	if err := c.allowed("delete_security_group", neutronWriters); err != nil {
		return 0, nil, err
	}
	g, err := c.loadGroup(tx, c.r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	ports, err := c.ports(tx)
	if err != nil {
		return 0, nil, err
	}
	for _, p := range ports {
		if slices.Contains(p.SecurityGroups, g.ID) {
			return 0, nil, &neutronError{Status: http.StatusConflict, Type: "SecurityGroupInUse",
				Message: fmt.Sprintf("Security Group %s in use.", g.ID)}
		}
	}
	// Its rules, and the rules naming it as their remote group (Neutron's
	// foreign key cascades).
	rules, err := listInProject[securityGroupRuleRecord](tx, collSecurityGroupRules, c.project.ID)
	if err != nil {
		return 0, nil, err
	}
	for _, r := range rules {
		if r.SecurityGroupID == g.ID || (r.RemoteGroupID != nil && *r.RemoteGroupID == g.ID) {
			if err := tx.Delete(collSecurityGroupRules, r.ID); err != nil {
				return 0, nil, err
			}
		}
	}
	return http.StatusNoContent, nil, tx.Delete(collSecurityGroups, g.ID)
}

// ---- security group rules ---------------------------------------------------

type securityGroupRuleRecord struct {
	owner
	Region          string  `json:"region"`
	ID              string  `json:"id"`
	SecurityGroupID string  `json:"security_group_id"`
	Direction       string  `json:"direction"`
	Ethertype       string  `json:"ethertype"`
	Protocol        *string `json:"protocol"`
	PortRangeMin    *int    `json:"port_range_min"`
	PortRangeMax    *int    `json:"port_range_max"`
	RemoteIPPrefix  *string `json:"remote_ip_prefix"`
	RemoteGroupID   *string `json:"remote_group_id"`
	Description     string  `json:"description"`
	Created         string  `json:"created_at"`
	Updated         string  `json:"updated_at"`
	Revision        int     `json:"revision_number"`
}

// apiSecurityGroupRule is a rule as Neutron shows it.
type apiSecurityGroupRule struct {
	ID                   string   `json:"id"`
	SecurityGroupID      string   `json:"security_group_id"`
	Direction            string   `json:"direction"`
	Ethertype            string   `json:"ethertype"`
	Protocol             *string  `json:"protocol"`
	PortRangeMin         *int     `json:"port_range_min"`
	PortRangeMax         *int     `json:"port_range_max"`
	RemoteIPPrefix       *string  `json:"remote_ip_prefix"`
	NormalizedCIDR       *string  `json:"normalized_cidr"`
	RemoteGroupID        *string  `json:"remote_group_id"`
	RemoteAddressGroupID *string  `json:"remote_address_group_id"`
	Description          string   `json:"description"`
	TenantID             string   `json:"tenant_id"`
	ProjectID            string   `json:"project_id"`
	Tags                 []string `json:"tags"`
	Created              string   `json:"created_at"`
	Updated              string   `json:"updated_at"`
	Revision             int      `json:"revision_number"`
	BelongsToDefaultSG   bool     `json:"belongs_to_default_sg"`
}

func (r securityGroupRuleRecord) view() apiSecurityGroupRule {
	out := apiSecurityGroupRule{ID: r.ID, SecurityGroupID: r.SecurityGroupID, Direction: r.Direction, Ethertype: r.Ethertype,
		Protocol: r.Protocol, PortRangeMin: r.PortRangeMin, PortRangeMax: r.PortRangeMax, RemoteIPPrefix: r.RemoteIPPrefix,
		RemoteGroupID: r.RemoteGroupID, Description: r.Description, TenantID: r.Project, ProjectID: r.Project,
		Tags: []string{}, Created: r.Created, Updated: r.Updated, Revision: r.Revision}
	if r.RemoteIPPrefix != nil {
		if p, err := netip.ParsePrefix(*r.RemoteIPPrefix); err == nil {
			s := p.Masked().String()
			out.NormalizedCIDR = &s
		}
	}
	return out
}

func (r securityGroupRuleRecord) filterAttrs() map[string]string {
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	num := func(p *int) string {
		if p == nil {
			return ""
		}
		return strconv.Itoa(*p)
	}
	return map[string]string{"id": r.ID, "security_group_id": r.SecurityGroupID, "direction": r.Direction,
		"ethertype": r.Ethertype, "protocol": str(r.Protocol), "port_range_min": num(r.PortRangeMin),
		"port_range_max": num(r.PortRangeMax), "remote_ip_prefix": str(r.RemoteIPPrefix),
		"remote_group_id": str(r.RemoteGroupID), "description": r.Description, "project_id": r.Project,
		"tenant_id": r.Project, "revision_number": strconv.Itoa(r.Revision)}
}

// sameRule says whether two rules open the same traffic: Neutron refuses
// the second.
func (r securityGroupRuleRecord) sameRule(o securityGroupRuleRecord) bool {
	eq := func(a, b *string) bool { return (a == nil && b == nil) || (a != nil && b != nil && *a == *b) }
	eqn := func(a, b *int) bool { return (a == nil && b == nil) || (a != nil && b != nil && *a == *b) }
	prefix := func(p *string) *string {
		if p == nil {
			return nil
		}
		if q, err := netip.ParsePrefix(*p); err == nil {
			s := q.Masked().String()
			return &s
		}
		return p
	}
	return r.SecurityGroupID == o.SecurityGroupID && r.Direction == o.Direction && r.Ethertype == o.Ethertype &&
		eq(r.Protocol, o.Protocol) && eqn(r.PortRangeMin, o.PortRangeMin) && eqn(r.PortRangeMax, o.PortRangeMax) &&
		eq(prefix(r.RemoteIPPrefix), prefix(o.RemoteIPPrefix)) && eq(r.RemoteGroupID, o.RemoteGroupID)
}

// rulesOf lists a group's rules, by id.
func (c *neutronCall) rulesOf(tx store.Tx, groupID string) ([]securityGroupRuleRecord, error) {
	all, err := c.rules(tx)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(r securityGroupRuleRecord) bool { return r.SecurityGroupID != groupID }), nil
}

func (c *neutronCall) rules(tx store.Tx) ([]securityGroupRuleRecord, error) {
	all, err := listInProject[securityGroupRuleRecord](tx, collSecurityGroupRules, c.project.ID)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(r securityGroupRuleRecord) bool { return r.Region != c.region }), nil
}

func listSecurityGroupRules(c *neutronCall, tx store.Tx) (int, any, error) {
	filters, err := c.filters("id", "security_group_id", "direction", "ethertype", "protocol", "port_range_min",
		"port_range_max", "remote_ip_prefix", "remote_group_id", "description", "project_id", "tenant_id", "revision_number")
	if err != nil {
		return 0, nil, err
	}
	all, err := c.rules(tx)
	if err != nil {
		return 0, nil, err
	}
	out := []apiSecurityGroupRule{}
	for _, r := range all {
		if matches(filters, r.filterAttrs()) {
			out = append(out, r.view())
		}
	}
	return http.StatusOK, map[string]any{"security_group_rules": out}, nil
}

func (c *neutronCall) loadRule(tx store.Tx, id string) (securityGroupRuleRecord, error) {
	r, found, err := getInProject[securityGroupRuleRecord](tx, collSecurityGroupRules, id, c.project.ID)
	if err != nil {
		return r, err
	}
	if !found || r.Region != c.region {
		return r, errRuleNotFound(id)
	}
	return r, nil
}

func getSecurityGroupRule(c *neutronCall, tx store.Tx) (int, any, error) {
	r, err := c.loadRule(tx, c.r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"security_group_rule": r.view()}, nil
}

func deleteSecurityGroupRule(c *neutronCall, tx store.Tx) (int, any, error) {
	if err := c.allowed("delete_security_group_rule", neutronWriters); err != nil {
		return 0, nil, err
	}
	r, err := c.loadRule(tx, c.r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, tx.Delete(collSecurityGroupRules, r.ID)
}

// ipProtocols are the protocol names Neutron takes, with their numbers.
var ipProtocols = map[string]int{"ah": 51, "dccp": 33, "egp": 8, "esp": 50, "gre": 47, "icmp": 1, "icmpv6": 58,
	"igmp": 2, "ipip": 4, "ipv6-encap": 41, "ipv6-frag": 44, "ipv6-icmp": 58, "ipv6-nonxt": 59, "ipv6-opts": 60,
	"ipv6-route": 43, "ospf": 89, "pgm": 113, "rsvp": 46, "sctp": 132, "tcp": 6, "udp": 17, "udplite": 136, "vrrp": 112}

// portAttr reads port_range_min or port_range_max: an integer, or a string
// of one, or null.
func portAttr(attrs map[string]json.RawMessage, name string) (*int, error) {
	raw, ok := attrs[name]
	if !ok || string(raw) == "null" {
		return nil, nil
	}
	var n int
	if err := json.Unmarshal(raw, &n); err != nil {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil, errNeutronBadRequest("Invalid input for %s. Reason: '%s' is not a valid port number.", name, raw)
		}
		v, err := strconv.Atoi(s)
		if err != nil {
			return nil, errNeutronBadRequest("Invalid input for %s. Reason: '%s' is not a valid port number.", name, s)
		}
		n = v
	}
	if n < 0 || n > 65535 {
		return nil, errNeutronBadRequest("Invalid input for %s. Reason: '%d' is not a valid port number.", name, n)
	}
	return &n, nil
}

func createSecurityGroupRule(c *neutronCall, tx store.Tx) (int, any, error) {
	if err := c.allowed("create_security_group_rule", neutronWriters); err != nil {
		return 0, nil, err
	}
	attrs, err := c.resourceBody("security_group_rule", "security_group_id", "direction", "ethertype", "protocol",
		"port_range_min", "port_range_max", "remote_ip_prefix", "remote_group_id", "description", "project_id", "tenant_id")
	if err != nil {
		return 0, nil, err
	}
	if err := c.projectAttrs(attrs); err != nil {
		return 0, nil, err
	}
	r, err := c.parseRule(tx, attrs)
	if err != nil {
		return 0, nil, err
	}
	existing, err := c.rulesOf(tx, r.SecurityGroupID)
	if err != nil {
		return 0, nil, err
	}
	for _, e := range existing {
		if e.sameRule(r) {
			return 0, nil, &neutronError{Status: http.StatusConflict, Type: "SecurityGroupRuleExists",
				Message: fmt.Sprintf("Security group rule already exists. Rule id is %s.", e.ID)}
		}
	}
	if err := store.Put(tx, collSecurityGroupRules, r.ID, r); err != nil {
		return 0, nil, err
	}
	// A rule change is a change of its group.
	g, err := c.loadGroup(tx, r.SecurityGroupID)
	if err != nil {
		return 0, nil, err
	}
	g.Revision++
	if err := store.Put(tx, collSecurityGroups, g.ID, g); err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, map[string]any{"security_group_rule": r.view()}, nil
}

// parseRule checks a rule's body as Neutron does.
func (c *neutronCall) parseRule(tx store.Tx, attrs map[string]json.RawMessage) (securityGroupRuleRecord, error) {
	now := apiTime(c.h.opts.Now())
	r := securityGroupRuleRecord{owner: owner{c.project.ID}, Region: c.region, ID: newUUID(), Ethertype: "IPv4",
		Created: now, Updated: now}
	group, err := stringAttr(attrs, "security_group_id")
	if err != nil {
		return r, err
	}
	direction, err := stringAttr(attrs, "direction")
	if err != nil {
		return r, err
	}
	for name, v := range map[string]*string{"security_group_id": group, "direction": direction} {
		if v == nil {
			return r, errNeutronBadRequest("Failed to parse request. Required attribute '%s' not specified", name)
		}
	}
	if *direction != "ingress" && *direction != "egress" {
		return r, errNeutronBadRequest("Invalid input for direction. Reason: '%s' is not in ['ingress', 'egress'].", *direction)
	}
	r.SecurityGroupID, r.Direction = *group, *direction
	if ethertype, err := stringAttr(attrs, "ethertype"); err != nil {
		return r, err
	} else if ethertype != nil {
		if *ethertype != "IPv4" && *ethertype != "IPv6" {
			return r, &neutronError{Status: http.StatusBadRequest, Type: "SecurityGroupRuleInvalidEtherType",
				Message: fmt.Sprintf("Security group rule for ethertype '%s' not supported. Allowed values are ['IPv4', 'IPv6'].", *ethertype)}
		}
		r.Ethertype = *ethertype
	}
	if r.Protocol, err = protocolAttr(attrs); err != nil {
		return r, err
	}
	if r.PortRangeMin, err = portAttr(attrs, "port_range_min"); err != nil {
		return r, err
	}
	if r.PortRangeMax, err = portAttr(attrs, "port_range_max"); err != nil {
		return r, err
	}
	if err := r.checkPorts(); err != nil {
		return r, err
	}
	if d, err := stringAttr(attrs, "description"); err != nil {
		return r, err
	} else if d != nil {
		r.Description = *d
	}
	if r.RemoteIPPrefix, err = stringAttr(attrs, "remote_ip_prefix"); err != nil {
		return r, err
	}
	if r.RemoteGroupID, err = stringAttr(attrs, "remote_group_id"); err != nil {
		return r, err
	}
	if r.RemoteIPPrefix != nil && r.RemoteGroupID != nil {
		return r, &neutronError{Status: http.StatusBadRequest, Type: "SecurityGroupRemoteGroupAndRemoteIpPrefix",
			Message: "Only remote_ip_prefix or remote_group_id may be provided."}
	}
	if r.RemoteIPPrefix != nil {
		p, err := netip.ParsePrefix(*r.RemoteIPPrefix)
		if err != nil {
			return r, errNeutronBadRequest("Invalid input for remote_ip_prefix. Reason: '%s' is not a valid IP subnet.", *r.RemoteIPPrefix)
		}
		if p.Addr().Is4() != (r.Ethertype == "IPv4") {
			return r, &neutronError{Status: http.StatusBadRequest, Type: "SecurityGroupRuleParameterConflict",
				Message: fmt.Sprintf("Conflicting value ethertype %s for CIDR %s", r.Ethertype, *r.RemoteIPPrefix)}
		}
	}
	if _, err := c.loadGroup(tx, r.SecurityGroupID); err != nil {
		return r, err
	}
	if r.RemoteGroupID != nil {
		if _, err := c.loadGroup(tx, *r.RemoteGroupID); err != nil {
			return r, err
		}
	}
	return r, nil
}

// protocolAttr reads protocol: a name Neutron knows, a number from 0 to 255
// (as an integer or a string), "any", or null. It is kept as given, names
// in lower case; "any" and 0 mean every protocol, kept as null.
func protocolAttr(attrs map[string]json.RawMessage) (*string, error) {
	raw, ok := attrs["protocol"]
	if !ok || string(raw) == "null" {
		return nil, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		var n int
		if json.Unmarshal(raw, &n) != nil {
			return nil, errNeutronBadRequest("Invalid input for protocol. Reason: '%s' is not a valid protocol.", raw)
		}
		s = strconv.Itoa(n)
	}
	s = strings.ToLower(s)
	if s == "any" || s == "0" {
		return nil, nil
	}
	if _, named := ipProtocols[s]; !named {
		if n, err := strconv.Atoi(s); err != nil || n < 0 || n > 255 {
			return nil, &neutronError{Status: http.StatusBadRequest, Type: "SecurityGroupRuleInvalidProtocol",
				Message: fmt.Sprintf("Security group rule protocol %s not supported. Only protocol values [None, 'ah', 'dccp', "+
					"'egp', 'esp', 'gre', 'icmp', 'icmpv6', 'igmp', 'ipip', 'ipv6-encap', 'ipv6-frag', 'ipv6-icmp', 'ipv6-nonxt', "+
					"'ipv6-opts', 'ipv6-route', 'ospf', 'pgm', 'rsvp', 'sctp', 'tcp', 'udp', 'udplite', 'vrrp'] and integer "+
					"representations [0 to 255] are supported.", s)}
		}
	}
	return &s, nil
}

// checkPorts checks the port range against the protocol: ports need a
// protocol; for the protocols with ports, min ≤ max and no port 0; for
// ICMP, min is the type and max the code, each 0 to 255, and a code needs
// a type.
func (r securityGroupRuleRecord) checkPorts() error {
	low, high := r.PortRangeMin, r.PortRangeMax
	if low == nil && high == nil {
		return nil
	}
	if r.Protocol == nil {
		return &neutronError{Status: http.StatusBadRequest, Type: "SecurityGroupProtocolRequiredWithPorts",
			Message: "Must also specify protocol if port range is given."}
	}
	number := *r.Protocol
	if n, named := ipProtocols[number]; named {
		number = strconv.Itoa(n)
	}
	switch number {
	case "6", "17", "33", "132", "136": // tcp, udp, dccp, sctp, udplite
		for _, p := range []*int{low, high} {
			if p != nil && *p == 0 {
				return &neutronError{Status: http.StatusBadRequest, Type: "SecurityGroupInvalidPortValue", Message: "Invalid value for port 0"}
			}
		}
		if low != nil && high != nil && *low > *high {
			return &neutronError{Status: http.StatusBadRequest, Type: "SecurityGroupInvalidPortRange",
				Message: "For TCP/UDP protocols, port_range_min must be <= port_range_max"}
		}
	case "1", "58": // icmp, icmpv6
		for _, f := range []struct {
			name  string
			value *int
		}{{"type", low}, {"code", high}} {
			if f.value != nil && *f.value > 255 {
				return &neutronError{Status: http.StatusBadRequest, Type: "SecurityGroupInvalidIcmpValue",
					Message: fmt.Sprintf("Invalid value for ICMP %s (port-range-%s): %d. It must be 0 to 255.", f.name,
						map[string]string{"type": "low", "code": "high"}[f.name], *f.value)}
			}
		}
		if low == nil {
			return &neutronError{Status: http.StatusBadRequest, Type: "SecurityGroupMissingIcmpType",
				Message: fmt.Sprintf("ICMP code (port-range-high) %d is provided but ICMP type (port-range-low) is missing.", *high)}
		}
	}
	return nil
}
