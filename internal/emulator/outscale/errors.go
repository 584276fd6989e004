package outscale

import (
	"fmt"
	"net/http"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/sigv4"
)

// Error is an OAPI error: one entry of "Errors" and its HTTP status.
type Error struct {
	Status  int
	Code    string // a number, sent as a JSON string
	Type    string
	Details string
}

func (e *Error) Error() string { return fmt.Sprintf("%s (%s): %s", e.Type, e.Code, e.Details) }

type errorBody struct {
	Errors          []errorEntry    `json:"Errors"`
	ResponseContext responseContext `json:"ResponseContext"`
}

type errorEntry struct {
	Code    string `json:"Code"`
	Type    string `json:"Type"`
	Details string `json:"Details"`
}

func writeError(w http.ResponseWriter, requestID string, e *Error) {
	writeJSON(w, e.Status, errorBody{
		Errors:          []errorEntry{{Code: e.Code, Type: e.Type, Details: e.Details}},
		ResponseContext: responseContext{RequestID: requestID},
	})
}

// authError maps a signature failure to OAPI's answer.
func authError(err error) *Error {
	e, ok := sigv4.AsError(err)
	if !ok {
		return &Error{Status: http.StatusUnauthorized, Code: "1", Type: "AccessDenied", Details: err.Error()}
	}
	switch e.Kind {
	case sigv4.Missing:
		return &Error{Status: http.StatusUnauthorized, Code: "7", Type: "AuthFailure",
			Details: "The request is not signed: it has no Authorization header."}
	case sigv4.UnknownKey:
		return &Error{Status: http.StatusUnauthorized, Code: "5", Type: "AuthFailure", Details: e.Msg}
	case sigv4.Expired:
		return &Error{Status: http.StatusUnauthorized, Code: "14", Type: "AuthFailure", Details: e.Msg}
	case sigv4.Mismatch:
		return &Error{Status: http.StatusUnauthorized, Code: "1", Type: "AccessDenied", Details: e.Msg}
	default:
		return &Error{Status: http.StatusUnauthorized, Code: "20", Type: "AuthFailure", Details: e.Msg}
	}
}

// faultError is the answer to a call failed by the fault injector.
func faultError(status int) *Error {
	switch status {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		return &Error{Status: status, Code: "-", Type: "RequestLimitExceeded",
			Details: "You have reached the limit of identical requests allowed in a given time period."}
	default:
		return &Error{Status: status, Code: "2000", Type: "InternalError", Details: "Injected failure."}
	}
}

func errUnknownAction(name string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "3001", Type: "InvalidParameter",
		Details: fmt.Sprintf("The action '%s' is not valid for this web service.", name)}
}
