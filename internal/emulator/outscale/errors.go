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

// authError maps a signature failure to OAPI's answer. The codes follow the
// OAPI error table (docs.outscale.com/api-errors.html) and bodies measured
// on eu-west-2: an unknown access key is a 400 InvalidParameterValue 4120
// (it is a parameter the caller got wrong), everything else a 401 AccessDenied
// 1 ("AuthenticationFailed"). Outscale does not document a distinct code for
// a missing header or an expired timestamp; the table's "authentication
// failed" is the closest, and Details tells the two apart.
func authError(err error) *Error {
	e, ok := sigv4.AsError(err)
	if !ok {
		return &Error{Status: http.StatusUnauthorized, Code: "1", Type: "AccessDenied", Details: err.Error()}
	}
	switch e.Kind {
	case sigv4.Missing:
		return &Error{Status: http.StatusUnauthorized, Code: "1", Type: "AccessDenied",
			Details: "The request is not signed: it has no Authorization header."}
	case sigv4.UnknownKey:
		return &Error{Status: http.StatusBadRequest, Code: "4120", Type: "InvalidParameterValue", Details: e.Msg}
	default: // Malformed, Expired, Mismatch
		return &Error{Status: http.StatusUnauthorized, Code: "1", Type: "AccessDenied", Details: e.Msg}
	}
}

// faultError is the answer to a call failed by the fault injector. Rate
// limiting is code 25 (ErrorOperationThrottledPerCall, HTTP 429) in the
// current table; APIs up to 1.28 answered code 6 with HTTP 503, which is
// what an injected 503 imitates.
func faultError(status int) *Error {
	switch status {
	case http.StatusTooManyRequests:
		return &Error{Status: status, Code: "25", Type: "AccessDenied", Details: "Request rate exceeded."}
	case http.StatusServiceUnavailable:
		return &Error{Status: status, Code: "6", Type: "AccessDenied", Details: "Request rate exceeded."}
	default:
		return &Error{Status: status, Code: "0", Type: "DefaultError", Details: "Injected failure."}
	}
}

func errUnknownAction(name string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "3001", Type: "InvalidParameter",
		Details: fmt.Sprintf("The action '%s' is not valid for this web service.", name)}
}
