// Package cloud is the contract between the Terraform provider and the two
// clouds it drives: plain Go types for the warehouse's building blocks, one
// interface per block, error classes a resource can test with errors.Is,
// retries and rate limiting.
//
// The provider (internal/provider) sees only this package. The
// implementations live in internal/cloud/outscale and internal/cloud/ovh,
// which alone import the clouds' SDKs; neither imports the Terraform plugin
// framework.
package cloud

import (
	"context"
	"net/http"
	"time"
)

// Names of the supported clouds, as written in the provider's "cloud" attribute.
const (
	Outscale = "outscale"
	OVH      = "ovh"
)

// Names lists the supported clouds.
var Names = []string{Outscale, OVH}

// Cloud is one configured cloud account and its four building blocks.
type Cloud interface {
	// Name is Outscale or OVH.
	Name() string
	// Region is the region the provider works in ("" if not configured).
	Region() string
	// Identity asks the cloud who the configured credentials belong to. It is
	// the cheapest authenticated call and proves the credentials work.
	Identity(ctx context.Context) (Identity, error)

	Networks
	KeyManager
	KeyManagerClusters
	ObjectStorage
	Bastions
	AuditWriters
	DataGateways
	KeyCredentials
	Airlock
	Workspaces
}

// Identity describes the account behind the configured credentials.
type Identity struct {
	Cloud     string
	Region    string
	AccountID string // Outscale account id, or OVHcloud NIC handle
	ProjectID string // OVHcloud Public Cloud project (empty on Outscale)
	// AuthMethod says how the provider authenticated: "access-key" (Outscale),
	// "application-key" or "oauth2" (OVHcloud).
	AuthMethod string
}

// Options are the settings common to both clouds' clients.
type Options struct {
	// UserAgent is sent with every call.
	UserAgent string
	// HTTPClient carries the calls; nil uses a client with sane timeouts.
	HTTPClient *http.Client
	// Logger receives one line per API call; nil discards them.
	Logger Logger
	// RequestsPerSecond bounds the call rate of this client; 0 uses the
	// cloud's default (see DefaultRequestsPerSecond).
	RequestsPerSecond float64
	// Retry shapes retries of throttled and failed calls; the zero value
	// uses DefaultRetry.
	Retry RetryPolicy
	// Now is the clock leases are written and judged with (see Lease);
	// nil is time.Now. Tests move it to make a lease expire.
	Now func() time.Time
	// TakeOver are the client tokens of creates the user declared dead:
	// what they left is taken over although their lease runs (see Lease).
	TakeOver []string
}

// Clock returns o.Now, or time.Now.
func (o Options) Clock() func() time.Time {
	if o.Now != nil {
		return o.Now
	}
	return time.Now
}

// Logger receives structured log lines. Field values are never secrets:
// callers log ids, actions, statuses and durations only.
type Logger interface {
	Debug(ctx context.Context, msg string, fields map[string]any)
}
