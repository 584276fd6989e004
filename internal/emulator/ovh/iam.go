package ovh

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// Machine identities: OAuth2 service accounts (/me/api/oauth2/client, flow
// CLIENT_CREDENTIALS) and the IAM policies (/v2/iam/policy) that say what
// each may do. Shapes and IAM action names are those of the API's schemas
// (the /me section's oauth2.client, oauth2.clientRequest,
// oauth2.clientSecret; iam.policy.Creation, Update and Response of the v2
// IAM schema) and OVHcloud's service-account guide, which names a service
// account's identity urn:v1:eu:identity:credential:<nic>/oauth2-<clientId>.
//
// Enforcement: the account's own credentials (signed calls, its own OAuth2
// client) may do everything, as on the real API for the account holder. A
// service account's token may call a route only when an IAM policy of the
// account names its identity, the route's resource and an action allowed
// (not excepted, not denied) matching the route's IAM action: deny by
// default. The routes that carry an IAM action here are those of this file,
// GET /me/logs/audit (the account's URN as resource) and the OKMS data
// plane (the KMS's URN); every other route refuses service accounts, which
// is stricter than the real API (unverified which routes OVHcloud's IAM
// covers). Resource groups, permission groups and conditions are accepted
// and kept but not evaluated (unverified: the real IAM evaluates them).

const (
	oauth2ClientsCollection = "ovh.oauth2_clients"
	iamPoliciesCollection   = "ovh.iam_policies"
)

// serviceClient is an OAuth2 client of the account, as stored: the secret
// only as its SHA-256.
type serviceClient struct {
	ClientID     string   `json:"clientId"`
	Nic          string   `json:"nic"`
	Name         string   `json:"name"`
	Description  string   `json:"description"`
	Flow         string   `json:"flow"`
	CallbackURLs []string `json:"callbackUrls"`
	SecretSHA256 string   `json:"secretSha256"`
}

// identityURN is a service account's IAM identity.
func identityURN(nic, clientID string) string {
	return "urn:v1:eu:identity:credential:" + nic + "/oauth2-" + clientID
}

// accountURN is the account as an IAM resource (the service-account guide's
// example policy names urn:v1:eu:resource:account:<nic>).
func accountURN(nic string) string { return "urn:v1:eu:resource:account:" + nic }

// okmsURN is a KMS as an IAM resource (its iam.urn).
func okmsURN(id string) string { return "urn:v1:eu:resource:okms:" + id }

// IAM actions of the OKMS data plane's data-key operations. They are not in
// the API schemas at hand (the data plane's own OpenAPI is not either);
// they are the names customers' runbooks and guides grant for these calls
// (okms:apikms:serviceKey/dataKey/create, okms:apikms:serviceKey/dataKey/decrypt),
// which follow the okms:apikms:<path>/<verb> form of OVHcloud's documented
// okms:apikms:secret/create (unverified against OVHcloud's IAM reference).
const (
	ActionDataKeyCreate  = "okms:apikms:serviceKey/dataKey/create"
	ActionDataKeyDecrypt = "okms:apikms:serviceKey/dataKey/decrypt"
	// ActionAuditLogsGet is GET /me/logs/audit's x-iam-action.
	ActionAuditLogsGet = "account:apiovh:me/logs/audit/get"
)

func oauth2Routes() map[string]route {
	const get, create, edit, del = "account:apiovh:me/api/oauth2/client/get", "account:apiovh:me/api/oauth2/client/create",
		"account:apiovh:me/api/oauth2/client/edit", "account:apiovh:me/api/oauth2/client/delete"
	return map[string]route{
		"GET /1.0/me/api/oauth2/client":               {iam: get, serve: listOAuth2Clients},
		"POST /1.0/me/api/oauth2/client":              {iam: create, serve: createOAuth2Client},
		"GET /1.0/me/api/oauth2/client/{clientId}":    {iam: get, serve: getOAuth2Client},
		"PUT /1.0/me/api/oauth2/client/{clientId}":    {iam: edit, serve: updateOAuth2Client},
		"DELETE /1.0/me/api/oauth2/client/{clientId}": {iam: del, serve: deleteOAuth2Client},
		"GET /1.0/me/logs/audit":                      {iam: ActionAuditLogsGet, serve: listAuditLogs},
		"GET /v2/iam/policy":                          {iam: "account:apiovh:iam/policy/get", serve: listPolicies},
		"POST /v2/iam/policy":                         {iam: "account:apiovh:iam/policy/create", serve: createPolicy},
		"GET /v2/iam/policy/{policyId}":               {iam: "account:apiovh:iam/policy/get", serve: getPolicy},
		"PUT /v2/iam/policy/{policyId}":               {iam: "account:apiovh:iam/policy/edit", serve: updatePolicy},
		"DELETE /v2/iam/policy/{policyId}":            {iam: "account:apiovh:iam/policy/delete", serve: deletePolicy},
	}
}

// errNotGranted is the API's answer to a call the caller may not make
// (the answer of calls outside a consumer key's rules; that IAM refusals
// answer the same is unverified).
func errNotGranted() *Error {
	return &Error{Status: http.StatusForbidden, Class: "Client::Forbidden", ErrorCode: "NOT_GRANTED_CALL",
		Message: "This call has not been granted"}
}

// oauth2ClientView is oauth2.client.
type oauth2ClientView struct {
	ClientID     string   `json:"clientId"`
	Name         string   `json:"name"`
	Description  string   `json:"description"`
	Flow         string   `json:"flow"`
	CallbackURLs []string `json:"callbackUrls"`
	Identity     string   `json:"identity"`
}

func (s serviceClient) view() oauth2ClientView {
	urls := s.CallbackURLs
	if urls == nil {
		urls = []string{}
	}
	return oauth2ClientView{ClientID: s.ClientID, Name: s.Name, Description: s.Description, Flow: s.Flow,
		CallbackURLs: urls, Identity: identityURN(s.Nic, s.ClientID)}
}

func listOAuth2Clients(c *call) (any, error) {
	ids := []string{}
	err := c.handler.opts.Store.View(func(tx store.Tx) error {
		all, err := store.List[serviceClient](tx, oauth2ClientsCollection)
		for _, s := range all {
			if s.Nic == c.account.NicHandle {
				ids = append(ids, s.ClientID)
			}
		}
		return err
	})
	return ids, err
}

// oauth2ClientRequest is oauth2.clientRequest.
type oauth2ClientRequest struct {
	CallbackURLs []string `json:"callbackUrls"`
	Description  *string  `json:"description"`
	Flow         *string  `json:"flow"`
	Name         *string  `json:"name"`
}

// createOAuth2Client answers oauth2.clientSecret: the only time the secret
// is shown. Which fields the real API requires is unverified: name,
// description and flow are required by ovh/terraform-provider-ovh's
// ovh_me_api_oauth2_client, and so here.
func createOAuth2Client(c *call) (any, error) {
	var req oauth2ClientRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	switch {
	case req.Name == nil || *req.Name == "":
		return nil, errBadRequest("[name] Property is mandatory")
	case req.Description == nil:
		return nil, errBadRequest("[description] Property is mandatory")
	case req.Flow == nil:
		return nil, errBadRequest("[flow] Property is mandatory")
	case *req.Flow != "CLIENT_CREDENTIALS" && *req.Flow != "AUTHORIZATION_CODE":
		return nil, errBadRequest("[flow] Given data (%s) does not belong to the oauth2.FlowEnum enumeration", *req.Flow)
	case *req.Flow == "CLIENT_CREDENTIALS" && len(req.CallbackURLs) > 0:
		return nil, errBadRequest("callbackUrls are for the AUTHORIZATION_CODE flow only") // unverified wording
	case *req.Flow == "AUTHORIZATION_CODE" && len(req.CallbackURLs) == 0:
		return nil, errBadRequest("callbackUrls are required for the AUTHORIZATION_CODE flow") // unverified wording
	}
	// Client ids are the region's prefix and 16 hex digits, like the real
	// ones (EU.0123456789abcdef); secrets 32 hex digits (unverified length).
	s := serviceClient{ClientID: "EU." + randomHex(8), Nic: c.account.NicHandle, Name: *req.Name, Description: *req.Description,
		Flow: *req.Flow, CallbackURLs: req.CallbackURLs}
	secret := randomHex(16)
	s.SecretSHA256 = secretHash(secret)
	err := c.handler.opts.Store.Update(func(tx store.Tx) error {
		return store.Put(tx, oauth2ClientsCollection, s.ClientID, s)
	})
	if err != nil {
		return nil, err
	}
	return map[string]string{"clientId": s.ClientID, "clientSecret": secret}, nil
}

func secretHash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// serviceClientOf returns the caller's OAuth2 client named in the path.
func (c *call) serviceClientOf(tx store.Tx) (serviceClient, error) {
	id := c.r.PathValue("clientId")
	s, ok, err := store.Get[serviceClient](tx, oauth2ClientsCollection, id)
	if err != nil {
		return s, err
	}
	if !ok || s.Nic != c.account.NicHandle {
		// Unverified wording.
		return s, errNotFound("The requested object (clientId = %s) does not exist", id)
	}
	return s, nil
}

func getOAuth2Client(c *call) (any, error) {
	var out oauth2ClientView
	err := c.handler.opts.Store.View(func(tx store.Tx) error {
		s, err := c.serviceClientOf(tx)
		out = s.view()
		return err
	})
	return out, err
}

func updateOAuth2Client(c *call) (any, error) {
	var req struct {
		CallbackURLs []string `json:"callbackUrls"`
		Description  *string  `json:"description"`
		Name         *string  `json:"name"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	return nil, c.handler.opts.Store.Update(func(tx store.Tx) error {
		s, err := c.serviceClientOf(tx)
		if err != nil {
			return err
		}
		if req.Name != nil {
			s.Name = *req.Name
		}
		if req.Description != nil {
			s.Description = *req.Description
		}
		if req.CallbackURLs != nil {
			if s.Flow == "CLIENT_CREDENTIALS" && len(req.CallbackURLs) > 0 {
				return errBadRequest("callbackUrls are for the AUTHORIZATION_CODE flow only") // unverified wording
			}
			s.CallbackURLs = req.CallbackURLs
		}
		return store.Put(tx, oauth2ClientsCollection, s.ClientID, s)
	})
}

// deleteOAuth2Client deletes the client: its tokens stop working at once
// (lookupToken checks the client).
func deleteOAuth2Client(c *call) (any, error) {
	return nil, c.handler.opts.Store.Update(func(tx store.Tx) error {
		s, err := c.serviceClientOf(tx)
		if err != nil {
			return err
		}
		return tx.Delete(oauth2ClientsCollection, s.ClientID)
	})
}

// serviceToken authenticates a service account at the token endpoint.
func (h *Handler) serviceToken(id, secret string) (serviceClient, bool) {
	var s serviceClient
	var found bool
	_ = h.opts.Store.View(func(tx store.Tx) error {
		s, found, _ = store.Get[serviceClient](tx, oauth2ClientsCollection, id)
		return nil
	})
	if !found || s.Flow != "CLIENT_CREDENTIALS" {
		return s, false
	}
	if _, ok := h.byNic[s.Nic]; !ok {
		return s, false
	}
	return s, subtle.ConstantTimeCompare([]byte(s.SecretSHA256), []byte(secretHash(secret))) == 1
}

// IAM policies.

type policyAction struct {
	Action string `json:"action"`
}

type policyPermissions struct {
	Allow  []policyAction `json:"allow,omitempty"`
	Except []policyAction `json:"except,omitempty"`
	Deny   []policyAction `json:"deny,omitempty"`
}

type policyResource struct {
	URN string `json:"urn"`
}

type policyGroup struct {
	URN string `json:"urn"`
}

// policyWrite is iam.policy.Creation and iam.policy.Update (the same
// properties).
type policyWrite struct {
	Conditions        any                `json:"conditions"`
	Description       *string            `json:"description"`
	ExpiredAt         *string            `json:"expiredAt"`
	Identities        []string           `json:"identities"`
	Name              *string            `json:"name"`
	Permissions       *policyPermissions `json:"permissions"`
	PermissionsGroups []policyGroup      `json:"permissionsGroups"`
	Resources         []policyResource   `json:"resources"`
}

// iamPolicy is iam.policy.Response.
type iamPolicy struct {
	ID                string            `json:"id"`
	Name              string            `json:"name"`
	Description       string            `json:"description,omitempty"`
	Identities        []string          `json:"identities"`
	Resources         []policyResource  `json:"resources"`
	Permissions       policyPermissions `json:"permissions"`
	PermissionsGroups []policyGroup     `json:"permissionsGroups"`
	Conditions        any               `json:"conditions,omitempty"`
	ExpiredAt         *string           `json:"expiredAt,omitempty"`
	Owner             string            `json:"owner"`
	ReadOnly          bool              `json:"readOnly"`
	CreatedAt         string            `json:"createdAt"`
	UpdatedAt         *string           `json:"updatedAt,omitempty"`
}

// check validates a policy body. The rules on names and URNs are the
// emulator's (unverified wordings): required properties as the schema
// says, URNs of the urn:v1:<region>: form, actions not empty.
func (p policyWrite) check() error {
	switch {
	case p.Name == nil || *p.Name == "":
		return errBadRequest("[name] Property is mandatory")
	case p.Identities == nil:
		return errBadRequest("[identities] Property is mandatory")
	case p.Resources == nil:
		return errBadRequest("[resources] Property is mandatory")
	case p.Permissions == nil:
		return errBadRequest("[permissions] Property is mandatory")
	}
	for _, id := range p.Identities {
		if !strings.HasPrefix(id, "urn:v1:") || !strings.Contains(id, ":identity:") {
			return errBadRequest("[identities] %q is not an identity URN", id)
		}
	}
	for _, r := range p.Resources {
		if !strings.HasPrefix(r.URN, "urn:v1:") || !strings.Contains(r.URN, ":resource:") {
			return errBadRequest("[resources] %q is not a resource URN", r.URN)
		}
	}
	for _, list := range [][]policyAction{p.Permissions.Allow, p.Permissions.Except, p.Permissions.Deny} {
		for _, a := range list {
			if a.Action == "" {
				return errBadRequest("[permissions] an action is empty")
			}
		}
	}
	if p.ExpiredAt != nil {
		if _, err := time.Parse(time.RFC3339, *p.ExpiredAt); err != nil {
			return errBadRequest("[expiredAt] Given data (%s) is not a valid date", *p.ExpiredAt)
		}
	}
	return nil
}

func (p policyWrite) apply(to *iamPolicy) {
	to.Name, to.Identities, to.Resources, to.Permissions = *p.Name, p.Identities, p.Resources, *p.Permissions
	to.Description = ""
	if p.Description != nil {
		to.Description = *p.Description
	}
	to.PermissionsGroups = p.PermissionsGroups
	if to.PermissionsGroups == nil {
		to.PermissionsGroups = []policyGroup{}
	}
	to.Conditions, to.ExpiredAt = p.Conditions, p.ExpiredAt
}

func (h *Handler) policiesOf(tx store.Tx, nic string) ([]iamPolicy, error) {
	all, err := store.List[iamPolicy](tx, iamPoliciesCollection)
	out := all[:0]
	for _, p := range all {
		if p.Owner == nic {
			out = append(out, p)
		}
	}
	return out, err
}

func listPolicies(c *call) (any, error) {
	q := c.r.URL.Query()
	out := []iamPolicy{}
	err := c.handler.opts.Store.View(func(tx store.Tx) error {
		all, err := c.handler.policiesOf(tx, c.account.NicHandle)
		for _, p := range all {
			if ids := q["identity"]; len(ids) > 0 && !slices.ContainsFunc(ids, func(id string) bool { return slices.Contains(p.Identities, id) }) {
				continue
			}
			if urns := q["resourceURN"]; len(urns) > 0 && !slices.ContainsFunc(p.Resources, func(r policyResource) bool { return slices.Contains(urns, r.URN) }) {
				continue
			}
			out = append(out, p)
		}
		return err
	})
	return out, err
}

func createPolicy(c *call) (any, error) {
	var req policyWrite
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := req.check(); err != nil {
		return nil, err
	}
	now := c.handler.opts.Now().UTC()
	p := iamPolicy{ID: newUUID(), Owner: c.account.NicHandle, CreatedAt: now.Format(time.RFC3339Nano)}
	req.apply(&p)
	err := c.handler.opts.Store.Update(func(tx store.Tx) error {
		all, err := c.handler.policiesOf(tx, c.account.NicHandle)
		if err != nil {
			return err
		}
		for _, o := range all {
			if o.Name == p.Name {
				return errConflict("A policy named %s already exists", p.Name) // unverified status and wording
			}
		}
		return store.Put(tx, iamPoliciesCollection, p.ID, p)
	})
	if err != nil {
		return nil, err
	}
	c.handler.audit.add(c.account.NicHandle, c.auditEntry("POLICY_CREATED", func(l *auditLog) {
		l.PolicyCreatedDetails = &auditPolicyChange{PolicyID: p.ID, PolicyName: p.Name,
			New: &auditPolicyDetails{Name: p.Name, Description: p.Description}, Added: p.changes()}
	}))
	return p, nil
}

func (p iamPolicy) changes() *auditPolicyChanges {
	out := &auditPolicyChanges{Identities: p.Identities, Resources: []string{}}
	for _, r := range p.Resources {
		out.Resources = append(out.Resources, r.URN)
	}
	return out
}

func (c *call) policy(tx store.Tx) (iamPolicy, error) {
	id := c.r.PathValue("policyId")
	p, ok, err := store.Get[iamPolicy](tx, iamPoliciesCollection, id)
	if err != nil {
		return p, err
	}
	if !ok || p.Owner != c.account.NicHandle {
		return p, errNotFound("Policy %s not found", id) // unverified wording
	}
	return p, nil
}

func getPolicy(c *call) (any, error) {
	var p iamPolicy
	err := c.handler.opts.Store.View(func(tx store.Tx) error {
		var err error
		p, err = c.policy(tx)
		return err
	})
	return p, err
}

func updatePolicy(c *call) (any, error) {
	var req policyWrite
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := req.check(); err != nil {
		return nil, err
	}
	var old, p iamPolicy
	err := c.handler.opts.Store.Update(func(tx store.Tx) error {
		var err error
		if old, err = c.policy(tx); err != nil {
			return err
		}
		if old.ReadOnly {
			return &Error{Status: http.StatusForbidden, Class: "Client::Forbidden", Message: "This policy is read-only"} // unverified
		}
		p = old
		req.apply(&p)
		now := c.handler.opts.Now().UTC().Format(time.RFC3339Nano)
		p.UpdatedAt = &now
		return store.Put(tx, iamPoliciesCollection, p.ID, p)
	})
	if err != nil {
		return nil, err
	}
	c.handler.audit.add(c.account.NicHandle, c.auditEntry("POLICY_MODIFIED", func(l *auditLog) {
		l.PolicyModifiedDetails = &auditPolicyChange{PolicyID: p.ID, PolicyName: p.Name,
			Old: &auditPolicyDetails{Name: old.Name, Description: old.Description},
			New: &auditPolicyDetails{Name: p.Name, Description: p.Description}, Added: p.changes(), Removed: old.changes()}
	}))
	return p, nil
}

func deletePolicy(c *call) (any, error) {
	var p iamPolicy
	err := c.handler.opts.Store.Update(func(tx store.Tx) error {
		var err error
		if p, err = c.policy(tx); err != nil {
			return err
		}
		return tx.Delete(iamPoliciesCollection, p.ID)
	})
	if err != nil {
		return nil, err
	}
	c.handler.audit.add(c.account.NicHandle, c.auditEntry("POLICY_DELETED", func(l *auditLog) {
		l.PolicyDeletedDetails = &auditPolicyChange{PolicyID: p.ID, PolicyName: p.Name,
			Old: &auditPolicyDetails{Name: p.Name, Description: p.Description}, Removed: p.changes()}
	}))
	return nil, nil
}

// authorized evaluates the account's policies for identity: some policy
// naming it and the resource allows the action (and does not except it),
// and none denies it.
func (h *Handler) authorized(nic, identity, action, resource string) bool {
	var policies []iamPolicy
	_ = h.opts.Store.View(func(tx store.Tx) error {
		policies, _ = h.policiesOf(tx, nic)
		return nil
	})
	now := h.opts.Now()
	allowed := false
	for _, p := range policies {
		if p.ExpiredAt != nil {
			if at, err := time.Parse(time.RFC3339, *p.ExpiredAt); err == nil && now.After(at) {
				continue
			}
		}
		if !slices.Contains(p.Identities, identity) ||
			!slices.ContainsFunc(p.Resources, func(r policyResource) bool { return r.URN == resource }) {
			continue
		}
		matches := func(list []policyAction) bool {
			return slices.ContainsFunc(list, func(a policyAction) bool { return actionMatch(a.Action, action) })
		}
		if matches(p.Permissions.Deny) {
			return false
		}
		if matches(p.Permissions.Allow) && !matches(p.Permissions.Except) {
			allowed = true
		}
	}
	return allowed
}

// actionMatch matches an action against a pattern whose "*" stands for any
// run of characters ("okms:apikms:*", "*").
func actionMatch(pattern, action string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == action
	}
	if !strings.HasPrefix(action, parts[0]) {
		return false
	}
	rest := action[len(parts[0]):]
	for _, mid := range parts[1 : len(parts)-1] {
		i := strings.Index(rest, mid)
		if i < 0 {
			return false
		}
		rest = rest[i+len(mid):]
	}
	return strings.HasSuffix(rest, parts[len(parts)-1])
}

// grant checks a service account's call against the IAM policies.
func (c *call) grant(action, resource string) error {
	if c.client == "" {
		return nil // the account's own credentials
	}
	if action == "" || !c.handler.authorized(c.account.NicHandle, identityURN(c.account.NicHandle, c.client), action, resource) {
		return errNotGranted()
	}
	return nil
}
