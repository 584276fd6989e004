package ovh

import (
	"context"
	"errors"
	"net/http"
	"strings"

	ovhsdk "github.com/ovh/go-ovh/ovh"
	"golang.org/x/oauth2"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// classify turns the error of one go-ovh call into nil or a *cloud.APIError.
func classify(operation string, err error) *cloud.APIError {
	if err == nil {
		return nil
	}
	e := &cloud.APIError{Cloud: cloud.OVH, Operation: operation}
	var apiErr *ovhsdk.APIError
	var tokenErr *oauth2.RetrieveError
	switch {
	case errors.As(err, &apiErr):
		e.Status, e.Type, e.Message, e.RequestID = apiErr.Code, apiErr.Class, apiErr.Message, apiErr.QueryID
		e.Class = errorClass(apiErr.Code, apiErr.Message)
	case errors.As(err, &tokenErr):
		e.Operation = "OAuth2 token request for " + operation
		e.Status, e.Code, e.Message = tokenErr.Response.StatusCode, tokenErr.ErrorCode, tokenErr.ErrorDescription
		e.Class = cloud.ErrAuth
		if e.Status == http.StatusTooManyRequests {
			e.Class = cloud.ErrThrottled
		} else if e.Status >= 500 {
			e.Class = cloud.ErrUnavailable
		}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		e.Cause = err
	default:
		// No answer: the connection failed, or /auth/time could not be read.
		e.Cause = err
		e.Class = cloud.ErrUnavailable
	}
	return e
}

// errorClass maps an API error to a class by its HTTP status, except that
// the API answers some authentication failures (invalid signature, query out
// of time) with 400.
func errorClass(status int, message string) error {
	if status == http.StatusBadRequest && (strings.Contains(message, "Invalid signature") || strings.Contains(message, "Query out of time")) {
		return cloud.ErrAuth
	}
	return cloud.StatusClass(status)
}
