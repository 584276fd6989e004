package outscale

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// errorBody is OAPI's error answer. osc-sdk-go decodes it only for the
// statuses the spec declares per action, so it is parsed here from the raw
// body, whatever the status.
type errorBody struct {
	Errors []struct {
		Code    string `json:"Code"`
		Type    string `json:"Type"`
		Details string `json:"Details"`
	} `json:"Errors"`
	ResponseContext struct {
		RequestID string `json:"RequestId"`
	} `json:"ResponseContext"`
}

// Authentication error codes, as osc-sdk-go v3 lists them (pkg/osc/errors.go),
// plus 4 (UnauthorizedOperation: the identity lacks an EIM permission).
var authCodes = map[string]bool{"1": true, "4": true, "5": true, "7": true, "14": true, "20": true, "4120": true}

// Throttling codes from the OAPI error table: 24 and 25 (per account, per
// call; HTTP 429) and 6 on APIs up to 1.28 (HTTP 503). Their Type is
// AccessDenied, so they must be recognised before the auth codes.
var throttleCodes = map[string]bool{"6": true, "24": true, "25": true}

// classify turns the outcome of one SDK call into nil or a *cloud.APIError.
func classify(action string, httpResp *http.Response, err error) *cloud.APIError {
	if err == nil && (httpResp == nil || httpResp.StatusCode < 300) {
		return nil
	}
	e := &cloud.APIError{Cloud: cloud.Outscale, Operation: action}
	if httpResp == nil {
		// No answer: the connection failed or the context ended.
		e.Cause = err
		if !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
			e.Class = cloud.ErrUnavailable
		}
		return e
	}
	e.Status = httpResp.StatusCode
	e.RetryAfter = retryAfter(httpResp.Header.Get("Retry-After"))
	if httpResp.Body != nil {
		raw, _ := io.ReadAll(io.LimitReader(httpResp.Body, 1<<20))
		var body errorBody
		if json.Unmarshal(raw, &body) == nil && len(body.Errors) > 0 {
			first := body.Errors[0]
			e.Code, e.Type, e.Message = first.Code, first.Type, first.Details
			e.RequestID = body.ResponseContext.RequestID
		} else if e.Status < 300 {
			// A success status whose body the SDK could not decode.
			e.Message = "unreadable answer: " + err.Error()
			return e
		}
	}
	e.Class = errorClass(e.Status, e.Code, e.Type)
	return e
}

// errorClass maps an OAPI error to a class: by its code range first (as
// osc-sdk-go v3 does), then by its HTTP status. OUTSCALE throttles with 503
// as well as 429.
func errorClass(status int, code, typ string) error {
	if throttleCodes[code] || typ == "RequestLimitExceeded" || status == http.StatusServiceUnavailable {
		return cloud.ErrThrottled
	}
	if authCodes[code] {
		return cloud.ErrAuth
	}
	if n, err := strconv.Atoi(code); err == nil {
		switch {
		case n >= 5000 && n <= 5999:
			return cloud.ErrNotFound
		case n >= 1000 && n <= 1999, n >= 6000 && n <= 6999, n >= 9000 && n <= 9999:
			// 1xxx DependencyProblem, 6xxx/9xxx InvalidState and ResourceConflict.
			return cloud.ErrConflict
		case n >= 10000 && n <= 10999:
			return cloud.ErrQuota
		}
	}
	return cloud.StatusClass(status)
}

// retryAfter reads a Retry-After header given in seconds.
func retryAfter(v string) time.Duration {
	if s, err := strconv.Atoi(v); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	return 0
}
