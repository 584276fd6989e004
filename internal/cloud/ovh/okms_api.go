package ovh

import (
	"context"
	"net/http"
	"time"
)

// The OVHcloud KMS (OKMS) calls of the API v2 behind the key resource,
// typed after the models the OVHcloud Control Panel and ovh/terraform-
// provider-ovh use (only the fields this package reads). The key material
// itself is never requested: the routes are called without ?format=, so
// answers carry no JWK.

// Routes, as the API documents them; call logs them and names them in errors.
const (
	routeOKMS        = "/v2/okms/resource/{okmsId}"
	routeServiceKeys = routeOKMS + "/serviceKey"
	routeServiceKey  = routeServiceKeys + "/{keyId}"
)

// okms is okms.Resource.
type okms struct {
	ID     string `json:"id"`
	Region string `json:"region"`
}

// serviceKey is okms.ServiceKey, as the control plane answers it.
type serviceKey struct {
	ID                 string    `json:"id"`
	Name               string    `json:"name"`
	Type               string    `json:"type"` // oct, RSA, EC
	Size               int       `json:"size,omitempty"`
	Curve              string    `json:"curve,omitempty"`
	Operations         []string  `json:"operations"`
	State              string    `json:"state"`
	DeactivationReason string    `json:"deactivationReason,omitempty"`
	CreatedAt          time.Time `json:"createdAt"`
}

// Service key states (okms.ServiceKeyStateEnum).
const (
	keyActive               = "ACTIVE"
	keyDeactivated          = "DEACTIVATED"
	keyCompromised          = "COMPROMISED"
	keyDestroyed            = "DESTROYED"
	keyDestroyedCompromised = "DESTROYED_COMPROMISED"
)

// gone reports a key whose material no longer exists.
func (k serviceKey) gone() bool {
	return k.State == keyDestroyed || k.State == keyDestroyedCompromised
}

// serviceKeyCreation is okms.ServiceKeyCreation.
type serviceKeyCreation struct {
	Name       string   `json:"name"`
	Type       string   `json:"type"`
	Size       int      `json:"size,omitempty"`
	Curve      string   `json:"curve,omitempty"`
	Operations []string `json:"operations"`
}

// serviceKeyUpdate is okms.ServiceKeyUpdate.
type serviceKeyUpdate struct {
	Name               string `json:"name,omitempty"`
	State              string `json:"state,omitempty"`
	DeactivationReason string `json:"deactivationReason,omitempty"`
}

// deactivationReason is given when the provider deactivates a key: it is
// no longer needed, or the configuration disables it.
const deactivationReason = "CESSATION_OF_OPERATION"

// checkOKMS reads the KMS, which proves it exists in the account.
func (c *Client) checkOKMS(ctx context.Context) error {
	var o okms
	return c.call(ctx, http.MethodGet, fill(routeOKMS, c.cfg.KMSID), routeOKMS, nil, &o)
}

func (c *Client) getServiceKey(ctx context.Context, id string) (serviceKey, error) {
	var k serviceKey
	err := c.call(ctx, http.MethodGet, fill(routeServiceKey, c.cfg.KMSID, id), routeServiceKey, nil, &k)
	return k, err
}

func (c *Client) createServiceKey(ctx context.Context, body serviceKeyCreation) (serviceKey, error) {
	var k serviceKey
	err := c.call(ctx, http.MethodPost, fill(routeServiceKeys, c.cfg.KMSID), routeServiceKeys, body, &k)
	return k, err
}

func (c *Client) updateServiceKey(ctx context.Context, id string, body serviceKeyUpdate) error {
	return c.call(ctx, http.MethodPut, fill(routeServiceKey, c.cfg.KMSID, id), routeServiceKey, body, nil)
}

func (c *Client) deleteServiceKey(ctx context.Context, id string) error {
	return c.call(ctx, http.MethodDelete, fill(routeServiceKey, c.cfg.KMSID, id), routeServiceKey, nil, nil)
}

// listServiceKeys reads every service key of the OKMS, following the API
// v2's cursor pagination (X-Pagination-Cursor, X-Pagination-Cursor-Next).
func (c *Client) listServiceKeys(ctx context.Context) ([]serviceKey, error) {
	var all []serviceKey
	cursor := ""
	for page := 0; ; page++ {
		var keys []serviceKey
		next, err := c.callPage(ctx, fill(routeServiceKeys, c.cfg.KMSID), routeServiceKeys, cursor, &keys)
		if err != nil {
			return nil, err
		}
		all = append(all, keys...)
		if next == "" || next == cursor || page > 1000 {
			return all, nil
		}
		cursor = next
	}
}

// callPage is call for one page of a paginated GET of the API v2: it sends
// the cursor and returns the next one ("" after the last page).
func (c *Client) callPage(ctx context.Context, path, route, cursor string, out any) (string, error) {
	if err := c.missingSettings(false); err != nil {
		return "", err
	}
	operation := http.MethodGet + " " + route
	attempt := 0
	next := ""
	err := c.retry.Do(ctx, true, func(ctx context.Context) error {
		attempt++
		if err := c.limiter.Wait(ctx); err != nil {
			return err
		}
		sdk := c.pool.get()
		defer c.pool.put(sdk)
		start := time.Now()
		err := func() error {
			req, err := sdk.NewRequest(http.MethodGet, path, nil, true)
			if err != nil {
				return err
			}
			if cursor != "" {
				req.Header.Set("X-Pagination-Cursor", cursor)
			}
			resp, err := sdk.Do(req.WithContext(ctx))
			if err != nil {
				return err
			}
			next = resp.Header.Get("X-Pagination-Cursor-Next")
			return sdk.UnmarshalResponse(resp, out)
		}()
		apiErr := classify(operation, err)
		c.logCall(ctx, operation, attempt, apiErr, time.Since(start))
		if apiErr == nil {
			return nil
		}
		return apiErr
	})
	return next, err
}
