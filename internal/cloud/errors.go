package cloud

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Error classes. Test them with errors.Is; the errors the clouds return wrap
// exactly one of them (or none, for errors worth no special handling).
var (
	// ErrNotFound: the object does not exist (any more). Read removes the
	// resource from state; Delete counts it as done.
	ErrNotFound = errors.New("not found")
	// ErrConflict: the object is in a state that forbids the call for now,
	// such as a Net with dependencies still attached, or a name in use.
	ErrConflict = errors.New("conflict")
	// ErrThrottled: the cloud refused the call because of its rate limits
	// (HTTP 429, 503, RequestLimitExceeded). Retried with backoff.
	ErrThrottled = errors.New("throttled")
	// ErrUnavailable: the cloud failed on its side (5xx) or the connection
	// broke. Retried with backoff when the call is idempotent.
	ErrUnavailable = errors.New("cloud unavailable")
	// ErrAuth: the credentials are missing, unknown, or refused.
	ErrAuth = errors.New("authentication failed")
	// ErrInvalid: the cloud rejected a parameter.
	ErrInvalid = errors.New("invalid request")
	// ErrQuota: an account quota or the cloud's capacity is exhausted.
	ErrQuota = errors.New("quota exceeded")
)

// APIError is an error answered by a cloud's API.
type APIError struct {
	Cloud     string // Outscale or OVH
	Operation string // "CreateNet", "GET /cloud/project/{serviceName}", …
	Status    int    // HTTP status, 0 when no answer came back
	Code      string // the cloud's error code ("5065", "INVALID_SIGNATURE", …)
	Type      string // the cloud's error type or class
	Message   string // the cloud's own explanation
	RequestID string // the cloud's request id, for its support
	// RetryAfter is how long the cloud asked to wait before retrying (0: not said).
	RetryAfter time.Duration
	Class      error // one of the Err* classes above, or nil
	Cause      error // the underlying error, for transport failures
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", Title(e.Cloud), e.Operation)
	switch {
	case e.Status == 0 && e.Cause != nil:
		fmt.Fprintf(&b, ": %v", e.Cause)
	default:
		b.WriteString(": ")
		if e.Status != 0 {
			fmt.Fprintf(&b, "HTTP %d", e.Status)
		}
		if e.Type != "" || e.Code != "" {
			fmt.Fprintf(&b, " %s", strings.TrimSpace(e.Type+" "+parenthesise(e.Code)))
		}
		if e.Message != "" {
			fmt.Fprintf(&b, ": %s", e.Message)
		}
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request id %s)", e.RequestID)
	}
	return b.String()
}

// Unwrap exposes the error class and the cause to errors.Is and errors.As.
func (e *APIError) Unwrap() []error {
	var out []error
	if e.Class != nil {
		out = append(out, e.Class)
	}
	if e.Cause != nil {
		out = append(out, e.Cause)
	}
	return out
}

func parenthesise(s string) string {
	if s == "" {
		return ""
	}
	return "(" + s + ")"
}

// StatusClass is the error class an HTTP status implies, for errors whose
// body says nothing more precise.
func StatusClass(status int) error {
	switch {
	case status == http.StatusTooManyRequests:
		return ErrThrottled
	case status == http.StatusUnauthorized, status == http.StatusForbidden:
		return ErrAuth
	case status == http.StatusNotFound:
		return ErrNotFound
	case status == http.StatusConflict, status == http.StatusFailedDependency:
		// 424 is OUTSCALE's DependencyProblem: the object still has
		// dependents, the same situation as a 409 while things unlink.
		return ErrConflict
	case status >= 500:
		return ErrUnavailable
	case status >= 400:
		return ErrInvalid
	}
	return nil
}

// Setting is one provider setting the cloud needs, with the environment
// variable that can hold it instead.
type Setting struct {
	Attribute string // path in the provider block, such as "outscale.access_key"
	EnvVar    string // such as "OSC_ACCESS_KEY"; empty when there is none
}

func (s Setting) String() string {
	if s.EnvVar == "" {
		return s.Attribute
	}
	return fmt.Sprintf("%s (or the %s environment variable)", s.Attribute, s.EnvVar)
}

// MissingSettingsError reports settings that must be set before the cloud
// can be called. The provider accepts a configuration without credentials
// (so that `terraform plan` works in CI with none); the first call that
// needs them fails with this error. It is an ErrAuth.
type MissingSettingsError struct {
	Cloud    string
	Settings []Setting
}

func (e *MissingSettingsError) Error() string {
	names := make([]string, len(e.Settings))
	for i, s := range e.Settings {
		names[i] = s.String()
	}
	verb := "is"
	if len(names) > 1 {
		verb = "are"
	}
	return fmt.Sprintf("calling %s needs provider settings that %s not set: %s", Title(e.Cloud), verb, strings.Join(names, ", "))
}

// Is makes a MissingSettingsError an ErrAuth.
func (e *MissingSettingsError) Is(target error) bool { return target == ErrAuth }

// Title returns the display name of a cloud: "OUTSCALE" or "OVHcloud".
func Title(name string) string {
	switch name {
	case Outscale:
		return "OUTSCALE"
	case OVH:
		return "OVHcloud"
	default:
		return name
	}
}
