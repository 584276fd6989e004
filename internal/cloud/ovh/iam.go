package ovh

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// Machine identities on OVHcloud: an OAuth2 service account (an OAuth2
// client of the account with the CLIENT_CREDENTIALS flow, whose identity is
// urn:v1:eu:identity:credential:<nic>/oauth2-<clientId>) and an IAM policy
// naming that identity, the resources and the actions it may use. OVHcloud's
// IAM denies a service account whatever no policy allows, so the policy is
// the whole of its rights. The client secret is shown once, in the
// creation's answer, and is handed on without being kept.

// Routes of the service accounts (API v1) and the IAM policies (API v2).
const (
	routeOAuth2Clients = "/me/api/oauth2/client"
	routeOAuth2Client  = routeOAuth2Clients + "/{clientId}"
	routeIAMPolicies   = "/v2/iam/policy"
	routeIAMPolicy     = routeIAMPolicies + "/{policyId}"
)

// IAM actions the identities are given. The OKMS data-key actions are not
// in the API schemas at hand; the names are those customers grant for
// these data-plane calls in public runbooks, following OVHcloud's
// documented okms:apikms:secret/create form (unverified against
// OVHcloud's IAM reference). The audit-log action is GET /me/logs/audit's
// x-iam-action in the API's /me schema.
const (
	actionDataKeyCreate  = "okms:apikms:serviceKey/dataKey/create"
	actionDataKeyDecrypt = "okms:apikms:serviceKey/dataKey/decrypt"
	actionAuditLogsGet   = "account:apiovh:me/logs/audit/get"
)

// oauth2ClientRequest is oauth2.clientRequest.
type oauth2ClientRequest struct {
	Name         string   `json:"name"`
	Description  string   `json:"description"`
	Flow         string   `json:"flow"`
	CallbackURLs []string `json:"callbackUrls"`
}

// oauth2Client is oauth2.client.
type oauth2Client struct {
	ClientID string `json:"clientId"`
	Name     string `json:"name"`
	Flow     string `json:"flow"`
	Identity string `json:"identity"`
}

// iamPolicy is iam.policy.Creation and the fields of iam.policy.Response
// this package reads.
type iamPolicy struct {
	ID          string         `json:"id,omitempty"`
	Name        string         `json:"name"`
	Description string         `json:"description"`
	Identities  []string       `json:"identities"`
	Resources   []iamResource  `json:"resources"`
	Permissions iamPermissions `json:"permissions"`
	// Read only, compared by Read: a policy widened out of band by
	// permission groups, conditions or an expiry is not the one made.
	PermissionsGroups []iamResource `json:"permissionsGroups,omitempty"`
	Conditions        any           `json:"conditions,omitempty"`
	ExpiredAt         *string       `json:"expiredAt,omitempty"`
}

type iamResource struct {
	URN string `json:"urn"`
}

type iamAction struct {
	Action string `json:"action"`
}

type iamPermissions struct {
	Allow  []iamAction `json:"allow"`
	Except []iamAction `json:"except,omitempty"`
	Deny   []iamAction `json:"deny,omitempty"`
}

// serviceAccount is a service account and its policy as made.
type serviceAccount struct {
	ClientID, Secret, Identity, PolicyID string
}

// makeServiceAccount makes a CLIENT_CREDENTIALS client named name and a
// policy allowing it actions on resources. On error it returns what it
// made, for removeServiceAccount.
func (c *Client) makeServiceAccount(ctx context.Context, name, description string, resources, actions []string) (serviceAccount, error) {
	var made struct {
		ClientID     string `json:"clientId"`
		ClientSecret string `json:"clientSecret"`
	}
	err := c.call(ctx, http.MethodPost, routeOAuth2Clients, routeOAuth2Clients,
		oauth2ClientRequest{Name: name, Description: description, Flow: "CLIENT_CREDENTIALS", CallbackURLs: []string{}}, &made)
	if err != nil {
		return serviceAccount{}, fmt.Errorf("making the service account %s: %w", name, err)
	}
	sa := serviceAccount{ClientID: made.ClientID, Secret: made.ClientSecret}
	client, err := c.getServiceAccount(ctx, sa.ClientID)
	if err != nil {
		return sa, fmt.Errorf("reading the service account %s back: %w", sa.ClientID, err)
	}
	sa.Identity = client.Identity
	p := policyFor(name+"-"+policySuffix(sa.ClientID), description, sa.Identity, resources, actions)
	var policy iamPolicy
	if err := c.call(ctx, http.MethodPost, routeIAMPolicies, routeIAMPolicies, p, &policy); err != nil {
		return sa, fmt.Errorf("making the IAM policy of the service account %s: %w", sa.ClientID, err)
	}
	sa.PolicyID = policy.ID
	return sa, nil
}

// policySuffix makes a policy's name unique to its client: the client id's
// letters and digits.
func policySuffix(clientID string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, strings.TrimPrefix(clientID, "EU."))
}

func policyFor(name, description, identity string, resources, actions []string) iamPolicy {
	p := iamPolicy{Name: name, Description: description, Identities: []string{identity}}
	for _, r := range resources {
		p.Resources = append(p.Resources, iamResource{URN: r})
	}
	for _, a := range actions {
		p.Permissions.Allow = append(p.Permissions.Allow, iamAction{Action: a})
	}
	return p
}

func (c *Client) getServiceAccount(ctx context.Context, clientID string) (oauth2Client, error) {
	var out oauth2Client
	err := c.call(ctx, http.MethodGet, fill(routeOAuth2Client, clientID), routeOAuth2Client, nil, &out)
	return out, err
}

// checkServiceAccount reads a service account and its policy back:
// ErrNotFound when either is gone or the policy no longer grants exactly
// actions on resources to exactly that identity.
func (c *Client) checkServiceAccount(ctx context.Context, clientID, policyID string, resources, actions []string) error {
	if clientID == "" || policyID == "" {
		return fmt.Errorf("the service account or its policy is not recorded: %w", cloud.ErrNotFound)
	}
	client, err := c.getServiceAccount(ctx, clientID)
	if errors.Is(err, cloud.ErrNotFound) {
		return fmt.Errorf("the service account %s is gone: %w", clientID, err)
	}
	if err != nil {
		return fmt.Errorf("reading the service account %s: %w", clientID, err)
	}
	var p iamPolicy
	err = c.call(ctx, http.MethodGet, fill(routeIAMPolicy, policyID), routeIAMPolicy, nil, &p)
	if errors.Is(err, cloud.ErrNotFound) {
		return fmt.Errorf("the IAM policy %s of the service account %s is gone: %w", policyID, clientID, err)
	}
	if err != nil {
		return fmt.Errorf("reading the IAM policy %s: %w", policyID, err)
	}
	want := policyFor("", "", client.Identity, resources, actions)
	if why := policyDrift(p, want); why != "" {
		return fmt.Errorf("the IAM policy %s of the service account %s was changed outside Terraform (%s): %w",
			policyID, clientID, why, cloud.ErrNotFound)
	}
	return nil
}

// policyDrift says how got differs from want in what it grants; "" when
// it grants exactly the same.
func policyDrift(got, want iamPolicy) string {
	sameSet := func(a, b []string) bool {
		a, b = slices.Clone(a), slices.Clone(b)
		slices.Sort(a)
		slices.Sort(b)
		return slices.Equal(slices.Compact(a), slices.Compact(b))
	}
	urns := func(rs []iamResource) []string {
		out := []string{}
		for _, r := range rs {
			out = append(out, r.URN)
		}
		return out
	}
	actions := func(as []iamAction) []string {
		out := []string{}
		for _, a := range as {
			out = append(out, a.Action)
		}
		return out
	}
	switch {
	case !sameSet(got.Identities, want.Identities):
		return fmt.Sprintf("identities %v instead of %v", got.Identities, want.Identities)
	case !sameSet(urns(got.Resources), urns(want.Resources)):
		return fmt.Sprintf("resources %v instead of %v", urns(got.Resources), urns(want.Resources))
	case !sameSet(actions(got.Permissions.Allow), actions(want.Permissions.Allow)):
		return fmt.Sprintf("allowed actions %v instead of %v", actions(got.Permissions.Allow), actions(want.Permissions.Allow))
	case len(got.Permissions.Except) > 0 || len(got.Permissions.Deny) > 0:
		return "actions excepted or denied"
	case len(got.PermissionsGroups) > 0:
		return "permission groups added"
	case got.Conditions != nil:
		return "conditions added"
	case got.ExpiredAt != nil:
		return "an expiry added"
	}
	return ""
}

// removeServiceAccount deletes a policy and a service account; what is
// gone already is fine.
func (c *Client) removeServiceAccount(ctx context.Context, clientID, policyID string) error {
	var errs []error
	if policyID != "" {
		err := c.call(ctx, http.MethodDelete, fill(routeIAMPolicy, policyID), routeIAMPolicy, nil, nil)
		if err != nil && !errors.Is(err, cloud.ErrNotFound) {
			errs = append(errs, fmt.Errorf("deleting the IAM policy %s: %w", policyID, err))
		}
	}
	if clientID != "" {
		err := c.call(ctx, http.MethodDelete, fill(routeOAuth2Client, clientID), routeOAuth2Client, nil, nil)
		if err != nil && !errors.Is(err, cloud.ErrNotFound) {
			errs = append(errs, fmt.Errorf("deleting the service account %s: %w", clientID, err))
		}
	}
	return errors.Join(errs...)
}

// tokenURL is the OAuth2 token endpoint of the API endpoint: go-ovh's for
// the public ones, /auth/oauth2/token on the endpoint's host otherwise.
func tokenURL(endpoint string) string {
	if u, ok := oauth2TokenURLs[endpoint]; ok {
		return u
	}
	u, _ := url.Parse(endpoint)
	return u.Scheme + "://" + u.Host + "/auth/oauth2/token"
}

// accountURN is the account as an IAM resource (OVHcloud's service-account
// guide grants /me actions on urn:v1:eu:resource:account:<nic>), in the
// region its identities name (eu unless they say otherwise).
func (c *Client) accountURN(ctx context.Context) (string, error) {
	var details struct {
		Account    string   `json:"account"`
		Identities []string `json:"identities"`
	}
	if err := c.call(ctx, http.MethodGet, "/auth/details", "/auth/details", nil, &details); err != nil {
		return "", err
	}
	region := "eu"
	for _, id := range details.Identities {
		if parts := strings.Split(id, ":"); len(parts) > 3 && parts[0] == "urn" && parts[1] == "v1" && parts[2] != "" {
			region = parts[2]
			break
		}
	}
	return "urn:v1:" + region + ":resource:account:" + details.Account, nil
}
