package outscale

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"weak"

	baoapi "github.com/openbao/openbao/api/v2"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// The customer-held key manager of a warehouse on OUTSCALE: an OpenBao
// server of the customer's, reached over its HTTP API with the official
// client, github.com/openbao/openbao/api/v2.
//
// The client is built for this package's needs rather than from the
// environment: it reads no BAO_* or VAULT_* variable (the provider's
// settings are the only source, so what Terraform shows is what is used),
// does not retry by itself (calls go through the client's retry policy,
// which knows which calls are idempotent), and never logs a request.

// DefaultKMSMount is the transit engine's mount path when kms_mount is unset.
const DefaultKMSMount = "transit"

// openBaoCloud is how errors name the key manager.
const openBaoCloud = cloud.OpenBao

// ValidateKMSAddress checks the key manager's address: an absolute http(s)
// URL with no query or fragment, such as https://10.0.192.10:8200.
func ValidateKMSAddress(addr string) error {
	u, err := url.Parse(addr)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("the key manager address %q is not an absolute http:// or https:// URL, such as https://10.0.192.10:8200", addr)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("the key manager address %q must not carry credentials, a query or a fragment", addr)
	}
	return nil
}

// ValidateKMSCACert checks that pem holds at least one PEM certificate.
func ValidateKMSCACert(pem string) error {
	if !x509.NewCertPool().AppendCertsFromPEM([]byte(pem)) {
		return errors.New("kms_ca_cert holds no PEM certificate (-----BEGIN CERTIFICATE----- …)")
	}
	return nil
}

// ValidateKMSMount checks the transit engine's mount path.
func ValidateKMSMount(mount string) error {
	trimmed := strings.Trim(mount, "/")
	if trimmed == "" || strings.Contains(trimmed, "//") || strings.ContainsAny(trimmed, "?#% ") || strings.Contains(trimmed, "..") ||
		slices.Contains(strings.Split(trimmed, "/"), ".") {
		return fmt.Errorf("the transit mount path %q is not a path such as \"transit\" or \"warehouse/transit\"", mount)
	}
	return nil
}

// openBao is a configured client of the key manager.
type openBao struct {
	api   *baoapi.Client
	mount string // without slashes around it
}

// openBaoClients caches each Client's key manager client, so that its
// connections are reused across calls. The key is a weak pointer: the entry
// goes when the Client does.
var openBaoClients sync.Map // weak.Pointer[Client] → *openBao

// keyManager returns the key manager client, or why there is none: a
// *cloud.MissingSettingsError naming the unset settings, or a setting that
// can never work.
func (c *Client) keyManager() (*openBao, error) {
	var missing []cloud.Setting
	if c.cfg.KMSAddress == "" {
		missing = append(missing, SettingKMSAddress)
	}
	if c.cfg.KMSToken == "" {
		missing = append(missing, SettingKMSToken)
	}
	if len(missing) > 0 {
		return nil, &cloud.MissingSettingsError{Cloud: cloud.Outscale, Settings: missing}
	}
	key := weak.Make(c)
	if v, ok := openBaoClients.Load(key); ok {
		return v.(*openBao), nil //nolint:forcetypeassert // only *openBao is stored
	}
	ob, err := newOpenBao(c.cfg)
	if err != nil {
		return nil, err
	}
	v, loaded := openBaoClients.LoadOrStore(key, ob)
	if !loaded {
		runtime.AddCleanup(c, func(k weak.Pointer[Client]) { openBaoClients.Delete(k) }, key)
	}
	return v.(*openBao), nil //nolint:forcetypeassert // only *openBao is stored
}

func newOpenBao(cfg Config) (*openBao, error) {
	if err := ValidateKMSAddress(cfg.KMSAddress); err != nil {
		return nil, fmt.Errorf("%s: %w", SettingKMSAddress.Attribute, err)
	}
	mount := DefaultKMSMount
	if cfg.KMSMount != "" {
		if err := ValidateKMSMount(cfg.KMSMount); err != nil {
			return nil, fmt.Errorf("%s: %w", SettingKMSMount.Attribute, err)
		}
		mount = strings.Trim(cfg.KMSMount, "/")
	}
	conf := baoapi.NewConfig() // reads no environment variable
	if conf.Error != nil {
		return nil, fmt.Errorf("configuring the OpenBao client: %w", conf.Error)
	}
	conf.Address = strings.TrimSuffix(cfg.KMSAddress, "/")
	conf.MaxRetries = 0 // retried by the caller, which knows what is idempotent
	conf.Timeout = time.Minute
	if cfg.KMSCACert != "" {
		if err := ValidateKMSCACert(cfg.KMSCACert); err != nil {
			return nil, fmt.Errorf("%s: %w", SettingKMSCACert.Attribute, err)
		}
		if err := conf.ConfigureTLS(&baoapi.TLSConfig{CACertBytes: []byte(cfg.KMSCACert)}); err != nil {
			return nil, fmt.Errorf("%s: %w", SettingKMSCACert.Attribute, err)
		}
	}
	client, err := baoapi.NewClient(conf)
	if err != nil {
		return nil, fmt.Errorf("configuring the OpenBao client for %s: %w", conf.Address, err)
	}
	client.SetToken(cfg.KMSToken)
	return &openBao{api: client, mount: mount}, nil
}

// keyPath is the path of a transit key, or of one of its sub-paths.
func (ob *openBao) keyPath(name string, sub ...string) string {
	// A "." or ".." name (an import id) would be resolved by the client's
	// path.Join into another route: escaped, it names no key.
	segment := url.PathEscape(name)
	if name == "." || name == ".." {
		segment = strings.Repeat("%2E", len(name))
	}
	p := ob.mount + "/keys/" + segment
	for _, s := range sub {
		p += "/" + s
	}
	return p
}

// envelope is OpenBao's answer to a logical request.
type envelope struct {
	Data     json.RawMessage `json:"data"`
	Warnings []string        `json:"warnings"`
	WrapInfo *wrapInfo       `json:"wrap_info"`
}

// wrapInfo is a response-wrapped answer's wrap_info.
type wrapInfo struct {
	Token           string    `json:"token"`
	Accessor        string    `json:"accessor"`
	TTL             int64     `json:"ttl"`
	CreationTime    time.Time `json:"creation_time"`
	CreationPath    string    `json:"creation_path"`
	WrappedAccessor string    `json:"wrapped_accessor"`
}

// baoCall runs one request to the key manager: rate limiting, retries,
// error classification and one log line per attempt. path is relative to
// /v1/; out receives the answer's data, when not nil.
func (c *Client) baoCall(ctx context.Context, ob *openBao, idempotent bool, method, path string, body, out any) error {
	return c.baoRequest(ctx, ob, baoOptions{idempotent: idempotent}, method, path, body, out)
}

// baoWrapped is baoCall asking for the answer response-wrapped for ttl
// (X-Vault-Wrap-TTL): it returns the wrap_info, whose token is a secret.
func (c *Client) baoWrapped(ctx context.Context, ob *openBao, idempotent bool, method, path string, body any,
	ttl time.Duration) (wrapInfo, error) {
	var info wrapInfo
	err := c.baoRequest(ctx, ob, baoOptions{idempotent: idempotent, wrapTTL: ttl, wrapped: &info}, method, path, body, nil)
	return info, err
}

// baoOptions are a request's options beyond its method, path and body.
type baoOptions struct {
	idempotent bool
	wrapTTL    time.Duration // > 0: ask for a wrapped answer into wrapped
	wrapped    *wrapInfo
}

func (c *Client) baoRequest(ctx context.Context, ob *openBao, opts baoOptions, method, path string, body, out any) error {
	idempotent := opts.idempotent
	operation := method + " " + path
	attempt := 0
	return c.retry.Do(ctx, idempotent, func(ctx context.Context) error {
		attempt++
		if err := c.kmsLimiter.Wait(ctx); err != nil {
			return err
		}
		req := ob.api.NewRequest(method, "/v1/"+path)
		if opts.wrapTTL > 0 {
			req.WrapTTL = strconv.FormatInt(int64(opts.wrapTTL/time.Second), 10) + "s"
		}
		if body != nil {
			if err := req.SetJSONBody(body); err != nil {
				return err
			}
		}
		start := time.Now()
		resp, err := ob.api.RawRequestWithContext(ctx, req)
		status := 0
		if resp != nil {
			status = resp.StatusCode
			defer resp.Body.Close() //nolint:errcheck // read-only body
		}
		apiErr := classifyOpenBao(operation, status, err)
		if apiErr == nil && opts.wrapped != nil {
			var env envelope
			if decodeErr := resp.DecodeJSON(&env); decodeErr != nil || env.WrapInfo == nil || env.WrapInfo.Token == "" {
				apiErr = &cloud.APIError{Cloud: openBaoCloud, Operation: operation, Status: status,
					Message: "the answer is not response-wrapped"}
			} else {
				*opts.wrapped = *env.WrapInfo
			}
		} else if apiErr == nil && out != nil && status != http.StatusNoContent {
			var env envelope
			if decodeErr := resp.DecodeJSON(&env); decodeErr != nil {
				apiErr = &cloud.APIError{Cloud: openBaoCloud, Operation: operation, Status: status,
					Message: "unreadable answer: " + decodeErr.Error()}
			} else if decodeErr := json.Unmarshal(env.Data, out); len(env.Data) > 0 && decodeErr != nil {
				apiErr = &cloud.APIError{Cloud: openBaoCloud, Operation: operation, Status: status,
					Message: "unreadable answer: " + decodeErr.Error()}
			}
		}
		c.logOpenBaoCall(ctx, operation, attempt, status, apiErr, time.Since(start))
		if apiErr == nil {
			return nil
		}
		return apiErr
	})
}

func (c *Client) logOpenBaoCall(ctx context.Context, operation string, attempt, status int, err *cloud.APIError, took time.Duration) {
	if c.log == nil {
		return
	}
	fields := map[string]any{"cloud": cloud.Outscale, "key_manager": "openbao", "operation": operation,
		"attempt": attempt, "duration_ms": took.Milliseconds()}
	if status != 0 {
		fields["status"] = status
	}
	if err != nil {
		fields["error"] = err.Error()
	}
	c.log.Debug(ctx, "OpenBao API call", fields)
}

// Messages of the transit engine that mean the key does not exist. It
// answers 404 to a read, but 400 to the other calls on a missing key.
var openBaoNotFound = []string{
	"could not delete policy; not found", // DELETE keys/:name
	"no existing key named",              // POST keys/:name/config
	"key not found",                      // POST keys/:name/rotate
	"invalid accessor",                   // POST auth/token/lookup-accessor, revoke-accessor
}

// classifyOpenBao turns the outcome of one request into nil or a
// *cloud.APIError. The answer's error messages are OpenBao's own; they never
// carry the token.
func classifyOpenBao(operation string, status int, err error) *cloud.APIError {
	if err == nil && status < 300 {
		return nil
	}
	e := &cloud.APIError{Cloud: openBaoCloud, Operation: operation, Status: status}
	var respErr *baoapi.ResponseError
	switch {
	case errors.As(err, &respErr):
		e.Status = respErr.StatusCode
		if !respErr.RawError {
			e.Message = strings.Join(respErr.Errors, "; ")
		} else {
			e.Message = "answer without OpenBao's error shape"
		}
	case status == 0:
		e.Cause = err
		var certErr *tls.CertificateVerificationError
		switch {
		case errors.As(err, &certErr):
			// Not worth retrying: the server's certificate is not trusted.
			e.Class = cloud.ErrInvalid
			e.Cause = fmt.Errorf("the key manager's TLS certificate is not trusted; give the authority that signed it "+
				"in %s: %w", SettingKMSCACert, err)
		case err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded):
			e.Class = cloud.ErrUnavailable
		}
		return e
	default:
		e.Cause = err
	}
	e.Class = openBaoErrorClass(e.Status, e.Message)
	return e
}

func openBaoErrorClass(status int, message string) error {
	switch {
	case status == http.StatusNotFound && strings.Contains(message, "no handler for route"):
		// The transit engine is not mounted where kms_mount says: the key
		// is not known to be gone, the configuration is wrong.
		return cloud.ErrInvalid
	case status == http.StatusNotFound:
		return cloud.ErrNotFound
	case status == http.StatusBadRequest:
		for _, m := range openBaoNotFound {
			if strings.Contains(message, m) {
				return cloud.ErrNotFound
			}
		}
		if strings.Contains(message, "deletion is not allowed") {
			return cloud.ErrConflict
		}
		return cloud.ErrInvalid
	case status == http.StatusServiceUnavailable:
		// Sealed, or a standby without a leader yet.
		return cloud.ErrUnavailable
	}
	return cloud.StatusClass(status)
}
