// Package ovh implements the cloud contract on the OVHcloud API with the
// official client, github.com/ovh/go-ovh.
//
// Two deliberate departures from go-ovh's defaults:
//   - Credentials come only from the provider configuration (environment
//     fallbacks applied by the provider), never from ovh.conf files or stray
//     OVH_* variables that go-ovh would otherwise merge in, so what Terraform
//     shows is what is used.
//   - go-ovh writes Client.Client.Timeout on every request, a data race when
//     one *ovh.Client serves concurrent calls, so calls borrow a client from
//     a small pool (see pool).
//
// OAuth2 client credentials: go-ovh only knows the token URLs of the three
// public endpoints and refuses OAuth2 elsewhere. This package fetches the
// token itself, from the same URLs, or from <endpoint origin>/auth/oauth2/token
// for a custom endpoint such as the local emulator.
package ovh

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	ovhsdk "github.com/ovh/go-ovh/ovh"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// Config is the provider's ovh { … } block, environment fallbacks applied.
type Config struct {
	// Endpoint is an endpoint name ("ovh-eu", "ovh-ca", "ovh-us") or an API
	// URL ending in /1.0. Default: "ovh-eu".
	Endpoint          string
	ApplicationKey    string
	ApplicationSecret string
	ConsumerKey       string
	ClientID          string
	ClientSecret      string
	ProjectID         string
	Region            string
	// StorageEndpoint overrides the S3 endpoint of the region's object
	// storage (default https://s3.<region>.io.cloud.ovh.net).
	StorageEndpoint string
	// KMSID is the OVHcloud KMS (OKMS) the warehouse's keys live in.
	KMSID string
}

// The provider settings behind each Config field, for diagnostics.
var (
	SettingEndpoint          = cloud.Setting{Attribute: "ovh.endpoint", EnvVar: "OVH_ENDPOINT"}
	SettingApplicationKey    = cloud.Setting{Attribute: "ovh.application_key", EnvVar: "OVH_APPLICATION_KEY"}
	SettingApplicationSecret = cloud.Setting{Attribute: "ovh.application_secret", EnvVar: "OVH_APPLICATION_SECRET"}
	SettingConsumerKey       = cloud.Setting{Attribute: "ovh.consumer_key", EnvVar: "OVH_CONSUMER_KEY"}
	SettingClientID          = cloud.Setting{Attribute: "ovh.client_id", EnvVar: "OVH_CLIENT_ID"}
	SettingClientSecret      = cloud.Setting{Attribute: "ovh.client_secret", EnvVar: "OVH_CLIENT_SECRET"}
	SettingProjectID         = cloud.Setting{Attribute: "ovh.project_id", EnvVar: "OVH_CLOUD_PROJECT_SERVICE"}
	SettingRegion            = cloud.Setting{Attribute: "ovh.region"}
	SettingStorageEndpoint   = cloud.Setting{Attribute: "ovh.storage_endpoint", EnvVar: "OVH_S3_ENDPOINT"}
	SettingKMSID             = cloud.Setting{Attribute: "ovh.kms_id", EnvVar: "OVH_OKMS_ID"}
)

// DefaultEndpoint is used when the configuration names none.
const DefaultEndpoint = "ovh-eu"

// oauth2TokenURLs are the token endpoints of the public API endpoints
// (the same as go-ovh's).
var oauth2TokenURLs = map[string]string{
	ovhsdk.OvhEU: "https://www.ovh.com/auth/oauth2/token",
	ovhsdk.OvhCA: "https://ca.ovh.com/auth/oauth2/token",
	ovhsdk.OvhUS: "https://us.ovhcloud.com/auth/oauth2/token",
}

// Client is a configured OVHcloud account and project.
type Client struct {
	cfg      Config
	endpoint string // resolved API URL
	oauth2   bool
	pool     *pool
	limiter  *cloud.Limiter // the API's calls (v1 and v2, OKMS included)
	// storageLimiter paces object storage (S3), another service, whose
	// calls do not count against the API's limits, at the same rate;
	// openstackLimiter likewise paces Keystone and Neutron (openstack.go).
	storageLimiter   *cloud.Limiter
	openstackLimiter *cloud.Limiter
	// transport carries the OpenStack calls, userAgent names the provider
	// in them; sessions are the OpenStack users' clients (openstack.go).
	transport http.RoundTripper
	userAgent string
	sessions  *sessions
	// storageAddrs are object storage's addresses, for the security
	// groups' outbound rules (secgroups.go).
	storageAddrs storageAddresses
	retry        cloud.RetryPolicy
	log          cloud.Logger
	// creating holds the provisional names of the creates in progress,
	// whose objects are no leftovers (see cloud.InFlight).
	creating *cloud.InFlight
	// now is the clock of leases, takeOver the tokens of creates the user
	// declared dead (see cloud.Lease).
	now      func() time.Time
	takeOver []string
}

var _ cloud.Cloud = (*Client)(nil)

// New returns a client. It makes no call, and accepts missing credentials:
// the first call that needs them fails with a *cloud.MissingSettingsError.
// It fails for settings that can never work: an unknown endpoint name, a
// malformed URL, or both authentication methods at once.
func New(cfg Config, opts cloud.Options) (*Client, error) {
	endpoint, err := ResolveEndpoint(cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	if err := CheckAuthMethods(cfg); err != nil {
		return nil, err
	}
	httpClient := opts.HTTPClient
	if httpClient == nil {
		httpClient = &http.Client{}
	}
	c := &Client{
		cfg:      cfg,
		endpoint: endpoint,
		oauth2:   cfg.ClientID != "" || cfg.ClientSecret != "",
		retry:    opts.Retry,
		log:      opts.Logger,
		creating: &cloud.InFlight{},
		now:      opts.Clock(),
		takeOver: opts.TakeOver,
	}
	transport := httpClient.Transport
	if transport == nil {
		transport = http.DefaultTransport
	}
	c.transport, c.userAgent, c.sessions = transport, opts.UserAgent, &sessions{}
	if c.oauth2 && cfg.ClientID != "" && cfg.ClientSecret != "" {
		cc := clientcredentials.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, TokenURL: tokenURL(endpoint), Scopes: []string{"all"}}
		base := context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Transport: transport, Timeout: time.Minute})
		transport = &oauth2.Transport{Source: cc.TokenSource(base), Base: transport}
	}
	userAgent := opts.UserAgent
	c.pool = &pool{newClient: func() *ovhsdk.Client {
		sdk := &ovhsdk.Client{
			Client:    &http.Client{Transport: transport},
			Timeout:   2 * time.Minute,
			UserAgent: userAgent,
		}
		if !c.oauth2 {
			sdk.AppKey, sdk.AppSecret, sdk.ConsumerKey = cfg.ApplicationKey, cfg.ApplicationSecret, cfg.ConsumerKey
		}
		_ = sdk.SetEndpoint(endpoint) // endpoint validated above
		return sdk
	}}
	rps := opts.RequestsPerSecond
	if rps <= 0 {
		rps = cloud.DefaultRequestsPerSecond[cloud.OVH]
	}
	c.limiter, c.storageLimiter, c.openstackLimiter = cloud.NewLimiter(rps), cloud.NewLimiter(rps), cloud.NewLimiter(rps)
	return c, nil
}

// ResolveEndpoint turns an endpoint name or URL into the API URL.
func ResolveEndpoint(endpoint string) (string, error) {
	if endpoint == "" {
		endpoint = DefaultEndpoint
	}
	if !strings.Contains(endpoint, "/") {
		u, ok := ovhsdk.Endpoints[endpoint]
		if !ok {
			return "", fmt.Errorf("the endpoint %q is neither a known endpoint name (ovh-eu, ovh-ca, ovh-us) nor an API URL", endpoint)
		}
		return u, nil
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("the endpoint %q is not an absolute http:// or https:// URL, such as https://eu.api.ovh.com/1.0", endpoint)
	}
	if strings.HasSuffix(endpoint, "/") {
		return "", fmt.Errorf("the endpoint %q must not end with a slash", endpoint)
	}
	return endpoint, nil
}

// CheckAuthMethods refuses a configuration that sets both the application
// key method and the OAuth2 method: the API takes one.
func CheckAuthMethods(cfg Config) error {
	app := cfg.ApplicationKey != "" || cfg.ApplicationSecret != "" || cfg.ConsumerKey != ""
	oauth := cfg.ClientID != "" || cfg.ClientSecret != ""
	if app && oauth {
		return errors.New("both authentication methods are set: use either application_key, application_secret " +
			"and consumer_key, or client_id and client_secret (OAuth2), not both")
	}
	return nil
}

// Name is cloud.OVH.
func (c *Client) Name() string { return cloud.OVH }

// Region is the configured Public Cloud region.
func (c *Client) Region() string { return c.cfg.Region }

// Identity reads the credential's account and checks the project exists.
func (c *Client) Identity(ctx context.Context) (cloud.Identity, error) {
	if err := c.missingSettings(true); err != nil {
		return cloud.Identity{}, err
	}
	var details struct {
		Account string `json:"account"`
	}
	if err := c.call(ctx, http.MethodGet, "/auth/details", "/auth/details", nil, &details); err != nil {
		return cloud.Identity{}, err
	}
	var project struct {
		ProjectID string `json:"project_id"`
		Status    string `json:"status"`
	}
	if err := c.call(ctx, http.MethodGet, "/cloud/project/"+url.PathEscape(c.cfg.ProjectID),
		"/cloud/project/{serviceName}", nil, &project); err != nil {
		return cloud.Identity{}, err
	}
	method := "application-key"
	if c.oauth2 {
		method = "oauth2"
	}
	return cloud.Identity{Cloud: cloud.OVH, Region: c.cfg.Region, AccountID: details.Account,
		ProjectID: project.ProjectID, AuthMethod: method}, nil
}

// missingSettings lists the credentials (and the project, if needProject)
// that the configuration lacks.
func (c *Client) missingSettings(needProject bool) error {
	var missing []cloud.Setting
	if c.oauth2 {
		if c.cfg.ClientID == "" {
			missing = append(missing, SettingClientID)
		}
		if c.cfg.ClientSecret == "" {
			missing = append(missing, SettingClientSecret)
		}
	} else {
		for _, s := range []struct {
			value   string
			setting cloud.Setting
		}{
			{c.cfg.ApplicationKey, SettingApplicationKey},
			{c.cfg.ApplicationSecret, SettingApplicationSecret},
			{c.cfg.ConsumerKey, SettingConsumerKey},
		} {
			if s.value == "" {
				missing = append(missing, s.setting)
			}
		}
	}
	if needProject && c.cfg.ProjectID == "" {
		missing = append(missing, SettingProjectID)
	}
	if len(missing) > 0 {
		return &cloud.MissingSettingsError{Cloud: cloud.OVH, Settings: missing}
	}
	return nil
}

// call performs one API call with rate limiting, retries, classification and
// logging. route is the path template, used in logs and errors. A POST is
// deemed not idempotent: a failure on the cloud's side is not sent again
// (see callIdempotent, and cloud.RetryPolicy.Recover for creates).
func (c *Client) call(ctx context.Context, method, path, route string, body, out any) error {
	return c.callIdempotent(ctx, method != http.MethodPost, method, path, route, body, out)
}

// callIdempotent is call for a POST that can safely be sent twice, such as
// one that sets a policy or reads a secret.
func (c *Client) callIdempotent(ctx context.Context, idempotent bool, method, path, route string, body, out any) error {
	if err := c.missingSettings(false); err != nil {
		return err
	}
	operation := method + " " + route
	attempt := 0
	return c.retry.Do(ctx, idempotent, func(ctx context.Context) error {
		attempt++
		if err := c.limiter.Wait(ctx); err != nil {
			return err
		}
		sdk := c.pool.get()
		defer c.pool.put(sdk)
		start := time.Now()
		err := sdk.CallAPIWithContext(ctx, method, path, body, out, true)
		apiErr := classify(operation, err)
		c.logCall(ctx, operation, attempt, apiErr, time.Since(start))
		if apiErr == nil {
			return nil
		}
		return apiErr
	})
}

func (c *Client) logCall(ctx context.Context, operation string, attempt int, err *cloud.APIError, took time.Duration) {
	if c.log == nil {
		return
	}
	fields := map[string]any{"cloud": cloud.OVH, "operation": operation, "attempt": attempt, "duration_ms": took.Milliseconds()}
	if err != nil {
		fields["status"] = err.Status
		fields["error"] = err.Error()
	}
	c.log.Debug(ctx, "OVHcloud API call", fields)
}

// pool hands out go-ovh clients, one per concurrent call. go-ovh assigns
// c.Client.Timeout in every NewRequest, so a client must not serve two
// calls at once. Each pooled client learns the server's clock once
// (GET /auth/time) and keeps it.
type pool struct {
	mu        sync.Mutex
	free      []*ovhsdk.Client
	newClient func() *ovhsdk.Client
}

func (p *pool) get() *ovhsdk.Client {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.free); n > 0 {
		c := p.free[n-1]
		p.free = p.free[:n-1]
		return c
	}
	return p.newClient()
}

func (p *pool) put(c *ovhsdk.Client) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.free = append(p.free, c)
}
