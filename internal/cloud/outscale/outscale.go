// Package outscale implements the cloud contract on 3DS OUTSCALE's API
// (OAPI) with the official SDK, github.com/outscale/osc-sdk-go/v2.
//
// The SDK signs every call with AWS Signature Version 4 (service "oapi"),
// decodes error bodies only for the statuses the spec declares, and has no
// retry of its own: this package parses the raw error body itself, retries
// throttled calls, and paces calls with a rate limiter.
package outscale

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	osc "github.com/outscale/osc-sdk-go/v2"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// Config is the provider's outscale { … } block, environment fallbacks applied.
type Config struct {
	AccessKey string
	SecretKey string
	Region    string
	// Endpoint overrides the API URL (default https://api.<region>.outscale.com/api/v1),
	// for instance to reach the local emulator.
	Endpoint string
	// StorageEndpoint overrides the object storage (OOS) URL, default
	// https://oos.<region>.outscale.com.
	StorageEndpoint string

	// The customer-held key manager: OUTSCALE's API has no KMS, so keys live
	// in an OpenBao server of the customer's, reached over its HTTP API.
	KMSAddress string // e.g. https://10.0.192.10:8200
	KMSToken   string // an OpenBao token allowed to manage the transit keys
	KMSMount   string // the transit engine's mount path; "" means "transit"
	KMSCACert  string // PEM of the CA that signed the server's certificate; "" uses the system roots
}

// The provider settings behind each Config field, for diagnostics.
var (
	SettingAccessKey = cloud.Setting{Attribute: "outscale.access_key", EnvVar: "OSC_ACCESS_KEY"}
	SettingSecretKey = cloud.Setting{Attribute: "outscale.secret_key", EnvVar: "OSC_SECRET_KEY"}
	SettingRegion    = cloud.Setting{Attribute: "outscale.region", EnvVar: "OSC_REGION"}
	SettingEndpoint  = cloud.Setting{Attribute: "outscale.endpoint", EnvVar: "OSC_ENDPOINT_API"}

	SettingStorageEndpoint = cloud.Setting{Attribute: "outscale.storage_endpoint", EnvVar: "OSC_ENDPOINT_OOS"}
	SettingKMSAddress      = cloud.Setting{Attribute: "outscale.kms_address", EnvVar: "HEALTH_KMS_ADDR"}
	SettingKMSToken        = cloud.Setting{Attribute: "outscale.kms_token", EnvVar: "HEALTH_KMS_TOKEN"}
	SettingKMSMount        = cloud.Setting{Attribute: "outscale.kms_mount", EnvVar: "HEALTH_KMS_MOUNT"}
	SettingKMSCACert       = cloud.Setting{Attribute: "outscale.kms_ca_cert", EnvVar: "HEALTH_KMS_CACERT"}
)

// Client is a configured Outscale account.
type Client struct {
	cfg     Config
	api     *osc.APIClient
	limiter *cloud.Limiter // OAPI's calls
	// storageLimiter and kmsLimiter pace object storage (OOS) and the
	// customer's OpenBao: other services, whose calls do not count
	// against OAPI's limits, at the same rate.
	storageLimiter, kmsLimiter *cloud.Limiter
	retry                      cloud.RetryPolicy
	log                        cloud.Logger
	// creating holds the creates in progress, whose objects are no
	// leftovers (see cloud.InFlight).
	creating *cloud.InFlight
	// now is the clock of leases, takeOver the tokens of creates the user
	// declared dead (see cloud.Lease).
	now      func() time.Time
	takeOver []string
	// serviceIDs caches the service ids of the Net access point services
	// by name (see serviceID): they never change in a Region.
	serviceIDs struct {
		sync.Mutex
		ids map[string]string
	}
}

var _ cloud.Cloud = (*Client)(nil)

// New returns a client. It makes no call, and accepts missing credentials:
// the first call that needs them fails with a *cloud.MissingSettingsError.
// It fails only for settings that can never work, such as a malformed endpoint.
func New(cfg Config, opts cloud.Options) (*Client, error) {
	conf := osc.NewConfiguration()
	if cfg.Endpoint != "" {
		if err := ValidateEndpoint(cfg.Endpoint); err != nil {
			return nil, err
		}
		conf.Servers = osc.ServerConfigurations{{URL: strings.TrimSuffix(cfg.Endpoint, "/")}}
	}
	conf.HTTPClient = opts.HTTPClient
	if conf.HTTPClient == nil {
		conf.HTTPClient = &http.Client{Timeout: 2 * time.Minute}
	}
	if opts.UserAgent != "" {
		conf.UserAgent = opts.UserAgent + " " + conf.UserAgent
	}
	conf.Debug = false // the SDK's debug mode dumps requests, signatures included
	rps := opts.RequestsPerSecond
	if rps <= 0 {
		rps = cloud.DefaultRequestsPerSecond[cloud.Outscale]
	}
	return &Client{
		cfg:            cfg,
		api:            osc.NewAPIClient(conf),
		limiter:        cloud.NewLimiter(rps),
		storageLimiter: cloud.NewLimiter(rps),
		kmsLimiter:     cloud.NewLimiter(rps),
		retry:          opts.Retry,
		log:            opts.Logger,

		creating: &cloud.InFlight{},
		now:      opts.Clock(),
		takeOver: opts.TakeOver,
	}, nil
}

// ValidateEndpoint checks that an endpoint override is an absolute http(s) URL.
func ValidateEndpoint(endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("the endpoint %q is not an absolute http:// or https:// URL, such as https://api.cloudgouv-eu-west-1.outscale.com/api/v1", endpoint)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("the endpoint %q must not carry a query or a fragment", endpoint)
	}
	return nil
}

// Name is cloud.Outscale.
func (c *Client) Name() string { return cloud.Outscale }

// Region is the configured region.
func (c *Client) Region() string { return c.cfg.Region }

// Identity reads the account the access key belongs to.
func (c *Client) Identity(ctx context.Context) (cloud.Identity, error) {
	var resp osc.ReadAccountsResponse
	err := c.call(ctx, "ReadAccounts", true, func(ctx context.Context) (*http.Response, error) {
		var httpResp *http.Response
		var err error
		resp, httpResp, err = c.api.AccountApi.ReadAccounts(ctx).ReadAccountsRequest(osc.ReadAccountsRequest{}).Execute()
		return httpResp, err
	})
	if err != nil {
		return cloud.Identity{}, err
	}
	accounts := resp.GetAccounts()
	if len(accounts) == 0 {
		return cloud.Identity{}, &cloud.APIError{Cloud: cloud.Outscale, Operation: "ReadAccounts", Status: http.StatusOK,
			Message: "the answer lists no account", RequestID: requestID(resp.ResponseContext)}
	}
	return cloud.Identity{Cloud: cloud.Outscale, Region: c.cfg.Region, AccountID: accounts[0].GetAccountId(), AuthMethod: "access-key"}, nil
}

// missingSettings lists what a call needs and the configuration lacks.
func (c *Client) missingSettings() error {
	var missing []cloud.Setting
	if c.cfg.AccessKey == "" {
		missing = append(missing, SettingAccessKey)
	}
	if c.cfg.SecretKey == "" {
		missing = append(missing, SettingSecretKey)
	}
	if c.cfg.Region == "" {
		missing = append(missing, SettingRegion)
	}
	if len(missing) > 0 {
		return &cloud.MissingSettingsError{Cloud: cloud.Outscale, Settings: missing}
	}
	return nil
}

// call runs one OAPI action: credentials and region into the context, rate
// limiting, retries, error classification and one log line per attempt.
// fn performs the SDK call and returns its *http.Response and error.
func (c *Client) call(ctx context.Context, action string, idempotent bool, fn func(ctx context.Context) (*http.Response, error)) error {
	if err := c.missingSettings(); err != nil {
		return err
	}
	ctx = context.WithValue(ctx, osc.ContextAWSv4, osc.AWSv4{AccessKey: c.cfg.AccessKey, SecretKey: c.cfg.SecretKey})
	ctx = context.WithValue(ctx, osc.ContextServerVariables, map[string]string{"region": c.cfg.Region})
	attempt := 0
	return c.retry.Do(ctx, idempotent, func(ctx context.Context) error {
		attempt++
		if err := c.limiter.Wait(ctx); err != nil {
			return err
		}
		start := time.Now()
		httpResp, err := fn(ctx)
		apiErr := classify(action, httpResp, err)
		c.logCall(ctx, action, attempt, httpResp, apiErr, time.Since(start))
		if apiErr == nil {
			return nil
		}
		return apiErr
	})
}

func (c *Client) logCall(ctx context.Context, action string, attempt int, httpResp *http.Response, err *cloud.APIError, took time.Duration) {
	if c.log == nil {
		return
	}
	fields := map[string]any{"cloud": cloud.Outscale, "action": action, "attempt": attempt, "duration_ms": took.Milliseconds()}
	if httpResp != nil {
		fields["status"] = httpResp.StatusCode
	}
	if err != nil {
		fields["error"] = err.Error()
	}
	c.log.Debug(ctx, "OUTSCALE API call", fields)
}

func requestID(rc *osc.ResponseContext) string {
	if rc == nil {
		return ""
	}
	return rc.GetRequestId()
}
