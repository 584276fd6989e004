package ovh

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// OpenStack, for what the OVHcloud API does not expose: a Public Cloud
// project is an OpenStack project, and its security groups exist only in
// OpenStack Networking (Neutron). This package reaches Neutron with
// gophercloud, as a project user it makes for each warehouse network
// through the OVHcloud API:
//
//   - the user is described "health_warehouse_network:<private network id>"
//     (found again by that description after an import, or when a create
//     died), with the roles network_security_operator (security groups
//     and their rules) and network_operator (the ports of the machines the
//     groups are put on; which role allows that is not published by
//     OVHcloud: unverified);
//   - its password is never stored: the API answers it at the user's
//     creation and at POST /user/{id}/regeneratePassword, which this
//     package calls once per provider process and user when it needs
//     Neutron and has no password in memory (a plan after the apply, an
//     import). A new password revokes the user's older tokens, so a second
//     process working on the same network at the same time makes the first
//     one authenticate again (openstackCall does, once per call): with the
//     password it knows, and with a new one when Keystone refuses that;
//   - its RC file (GET /user/{id}/openrc) gives the Keystone URL, the
//     project (tenant) and the username; Keystone v3 password
//     authentication, scoped to the project, gives the token and the
//     catalog, whose network endpoint in the client's region is Neutron.
//
// The user is deleted with the network.

// openstackRoles are the roles of a network's OpenStack user.
var openstackRoles = []string{"network_security_operator", "network_operator"}

// keyOpenstackUser is the CloudIDs key of the network's OpenStack user.
const keyOpenstackUser = "openstack_user"

// openstackUserDescription marks the OpenStack user of a private network.
func openstackUserDescription(networkID string) string {
	return "health_warehouse_network:" + networkID
}

const (
	routeRegeneratePassword = routeUser + "/regeneratePassword"
	routeOpenrc             = routeUser + "/openrc"
)

// userDetail is cloud.user.UserDetail: a user with its password, only in
// the answers to its creation and to regeneratePassword.
type userDetail struct {
	user
	Username string `json:"username"`
	Password string `json:"password"`
}

func (c *Client) createOpenstackUser(ctx context.Context, description string) (userDetail, error) {
	body := struct {
		Description string   `json:"description"`
		Roles       []string `json:"roles"`
	}{description, openstackRoles}
	var out userDetail
	err := c.call(ctx, http.MethodPost, fill(routeUsers, c.cfg.ProjectID), routeUsers, body, &out)
	return out, err
}

// regeneratePassword gives a user a new password; it is never logged nor
// kept beyond the process.
func (c *Client) regeneratePassword(ctx context.Context, id int64) (string, error) {
	var out userDetail
	// Sending it twice only makes another password: the last one answered
	// is the one in force.
	err := c.callIdempotent(ctx, true, http.MethodPost, fill(routeRegeneratePassword, c.cfg.ProjectID, strconv.FormatInt(id, 10)),
		routeRegeneratePassword, nil, &out)
	if err == nil && out.Password == "" {
		err = fmt.Errorf("the API answered no password for the user %d", id)
	}
	return out.Password, err
}

// openrc is what an RC file says of a user's OpenStack access.
type openrc struct {
	AuthURL  string
	TenantID string
	Username string
	Domain   string // the user's domain
}

var openrcLine = regexp.MustCompile(`(?m)^export (OS_[A-Z_]+)=(.*)$`)

// parseOpenrc reads the variables of an RC file: OS_AUTH_URL, OS_TENANT_ID
// (or OS_PROJECT_ID), OS_USERNAME and OS_USER_DOMAIN_NAME, whose value may be
// quoted or a shell default such as ${OS_USER_DOMAIN_NAME:-"Default"}.
func parseOpenrc(content string) (openrc, error) {
	vars := map[string]string{}
	for _, m := range openrcLine.FindAllStringSubmatch(content, -1) {
		v := strings.TrimSpace(m[2])
		if inner, ok := strings.CutPrefix(v, "${"+m[1]+":-"); ok {
			v = strings.TrimSuffix(inner, "}")
		}
		vars[m[1]] = strings.Trim(v, `"'`)
	}
	rc := openrc{AuthURL: vars["OS_AUTH_URL"], TenantID: vars["OS_TENANT_ID"], Username: vars["OS_USERNAME"],
		Domain: vars["OS_USER_DOMAIN_NAME"]}
	if rc.TenantID == "" {
		rc.TenantID = vars["OS_PROJECT_ID"]
	}
	if rc.Domain == "" {
		rc.Domain = "Default"
	}
	if u, err := url.Parse(rc.AuthURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return rc, fmt.Errorf("the RC file names no Keystone URL (OS_AUTH_URL): %q", rc.AuthURL)
	}
	if rc.TenantID == "" || rc.Username == "" {
		return rc, errors.New("the RC file names no project (OS_TENANT_ID) or no user (OS_USERNAME)")
	}
	return rc, nil
}

func (c *Client) getOpenrc(ctx context.Context, id int64) (openrc, error) {
	var out struct {
		Content string `json:"content"`
	}
	path := fill(routeOpenrc, c.cfg.ProjectID, strconv.FormatInt(id, 10)) + "?region=" + url.QueryEscape(c.cfg.Region) + "&version=v3"
	if err := c.call(ctx, http.MethodGet, path, routeOpenrc, nil, &out); err != nil {
		return openrc{}, err
	}
	return parseOpenrc(out.Content)
}

// sessions holds, per OpenStack user, its password while the process
// knows it and its authenticated Neutron client.
type sessions struct {
	// login serialises authentications: two calls of one process that
	// each gave the user a new password would revoke each other's.
	login     sync.Mutex
	mu        sync.Mutex
	passwords map[int64]string
	neutron   map[int64]*gophercloud.ServiceClient
}

func (s *sessions) client(id int64) *gophercloud.ServiceClient {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.neutron[id]
}

func (s *sessions) password(id int64) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.passwords[id]
}

func (s *sessions) remember(id int64, password string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.passwords == nil {
		s.passwords = map[int64]string{}
	}
	s.passwords[id] = password
}

// forget drops a user's client and password: its password was refused, or
// the user is gone.
func (s *sessions) forget(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.passwords, id)
	delete(s.neutron, id)
}

// expire drops a user's client, whose token was refused, and keeps its
// password for the next authentication.
func (s *sessions) expire(id int64, sc *gophercloud.ServiceClient) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.neutron[id] == sc {
		delete(s.neutron, id)
	}
}

// maxKeystoneRefusals bounds how often authentication is retried while
// Keystone refuses a password the API has just answered: a new user, or a
// new password, takes a moment to reach Keystone on the real cloud
// (unverified how long). With the waits of cloud.WaitFor it is about a
// minute.
const maxKeystoneRefusals = 30

// neutron returns an authenticated Neutron client of the user, making one
// when the process has none: with the password it knows, or a new one when
// it knows none or Keystone refuses the one it knows (another process gave
// the user a new password meanwhile).
func (c *Client) neutron(ctx context.Context, userID int64) (*gophercloud.ServiceClient, error) {
	if sc := c.sessions.client(userID); sc != nil {
		return sc, nil
	}
	c.sessions.login.Lock()
	defer c.sessions.login.Unlock()
	if sc := c.sessions.client(userID); sc != nil {
		return sc, nil // made while this call waited
	}
	rc, err := c.getOpenrc(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("reading the OpenStack RC file of the user %d: %w", userID, err)
	}
	sc, err := c.login(ctx, userID, rc, c.sessions.password(userID))
	if err != nil {
		return nil, err
	}
	c.sessions.mu.Lock()
	defer c.sessions.mu.Unlock()
	if c.sessions.neutron == nil {
		c.sessions.neutron = map[int64]*gophercloud.ServiceClient{}
	}
	c.sessions.neutron[userID] = sc
	return sc, nil
}

// login authenticates the user with known, the password the process knows
// ("" for none), or with a new one.
func (c *Client) login(ctx context.Context, userID int64, rc openrc, known string) (*gophercloud.ServiceClient, error) {
	if known != "" {
		sc, err := c.authenticate(ctx, rc, known)
		if err == nil || !errors.Is(err, cloud.ErrAuth) {
			if err != nil {
				err = fmt.Errorf("authenticating the OpenStack user %d (%s) at %s: %w", userID, rc.Username, rc.AuthURL, err)
			}
			return sc, err
		}
		// Refused: another process changed the password.
		c.sessions.forget(userID)
	}
	password, err := c.regeneratePassword(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("giving the OpenStack user %d a new password: %w", userID, err)
	}
	c.sessions.remember(userID, password)
	var sc *gophercloud.ServiceClient
	refusals := 0
	err = cloud.WaitFor(ctx, c.retry, fmt.Sprintf("Keystone to accept the OpenStack user %d", userID), func(ctx context.Context) (bool, error) {
		sc, err = c.authenticate(ctx, rc, password)
		if err != nil && errors.Is(err, cloud.ErrAuth) && refusals < maxKeystoneRefusals {
			refusals++
			return false, nil
		}
		return err == nil, err
	})
	if err != nil {
		c.sessions.forget(userID)
		return nil, fmt.Errorf("authenticating the OpenStack user %d (%s) at %s: %w", userID, rc.Username, rc.AuthURL, err)
	}
	return sc, nil
}

// authenticate asks Keystone for a token scoped to the project, and finds
// Neutron in its catalog for the client's region.
func (c *Client) authenticate(ctx context.Context, rc openrc, password string) (*gophercloud.ServiceClient, error) {
	if err := c.openstackLimiter.Wait(ctx); err != nil {
		return nil, err
	}
	provider, err := openstack.NewClient(rc.AuthURL)
	if err != nil {
		return nil, fmt.Errorf("the Keystone URL %q: %w", rc.AuthURL, err)
	}
	provider.HTTPClient = http.Client{Transport: c.transport, Timeout: 2 * time.Minute}
	if c.userAgent != "" {
		provider.UserAgent.Prepend(c.userAgent)
	}
	start := time.Now()
	err = openstack.Authenticate(ctx, provider, gophercloud.AuthOptions{IdentityEndpoint: rc.AuthURL, Username: rc.Username,
		Password: password, DomainName: rc.Domain, TenantID: rc.TenantID})
	const operation = "Keystone POST /v3/auth/tokens"
	apiErr := classifyOpenStack(operation, err)
	c.logCall(ctx, operation, 1, apiErr, time.Since(start))
	if apiErr != nil {
		return nil, apiErr
	}
	sc, err := openstack.NewNetworkV2(provider, gophercloud.EndpointOpts{Region: c.cfg.Region})
	if err != nil {
		return nil, fmt.Errorf("finding the network service (Neutron) of %s in the catalog: %w", c.cfg.Region, classifyOpenStack("Neutron version discovery", err))
	}
	return sc, nil
}

// openstackCall runs one Neutron call as the user, with rate limiting,
// retries, classification and logging. A token refused (the user's
// password changed meanwhile) makes the client authenticate again, once.
func (c *Client) openstackCall(ctx context.Context, userID int64, operation string, idempotent bool,
	fn func(ctx context.Context, sc *gophercloud.ServiceClient) error) error {
	operation = "Neutron " + operation
	attempt := 0
	reauthenticated := false
	return c.retry.Do(ctx, idempotent, func(ctx context.Context) error {
		for {
			sc, err := c.neutron(ctx, userID)
			if err != nil {
				return err
			}
			attempt++
			if err := c.openstackLimiter.Wait(ctx); err != nil {
				return err
			}
			start := time.Now()
			apiErr := classifyOpenStack(operation, fn(ctx, sc))
			c.logCall(ctx, operation, attempt, apiErr, time.Since(start))
			if apiErr == nil {
				return nil
			}
			if apiErr.Status == http.StatusUnauthorized && !reauthenticated {
				reauthenticated = true
				c.sessions.expire(userID, sc)
				continue
			}
			return apiErr
		}
	})
}

// classifyOpenStack turns the error of a gophercloud call into nil or a
// *cloud.APIError, reading Neutron's {"NeutronError": {type, message}} and
// Keystone's {"error": {title, message}} bodies.
func classifyOpenStack(operation string, err error) *cloud.APIError {
	if err == nil {
		return nil
	}
	e := &cloud.APIError{Cloud: cloud.OVH, Operation: operation}
	var code gophercloud.ErrUnexpectedResponseCode
	switch {
	case errors.As(err, &code):
		e.Status = code.Actual
		var body struct {
			Neutron *struct {
				Type    string `json:"type"`
				Message string `json:"message"`
			} `json:"NeutronError"`
			Keystone *struct {
				Title   string `json:"title"`
				Message string `json:"message"`
			} `json:"error"`
		}
		_ = json.Unmarshal(code.Body, &body)
		switch {
		case body.Neutron != nil:
			e.Type, e.Message = body.Neutron.Type, body.Neutron.Message
		case body.Keystone != nil:
			e.Type, e.Message = body.Keystone.Title, body.Keystone.Message
		default:
			e.Message = strings.TrimSpace(string(code.Body))
		}
		if r := code.ResponseHeader; r != nil {
			e.RequestID = r.Get("X-Openstack-Request-Id")
			if s, err := strconv.Atoi(r.Get("Retry-After")); err == nil {
				e.RetryAfter = time.Duration(s) * time.Second
			}
		}
		e.Class = cloud.StatusClass(e.Status)
		if e.Status == http.StatusUnauthorized {
			e.Class = cloud.ErrAuth
		}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		e.Cause = err
	default:
		var urlErr *url.Error
		e.Cause = err
		if errors.As(err, &urlErr) {
			e.Class = cloud.ErrUnavailable // no answer: the connection failed
		}
	}
	return e
}
