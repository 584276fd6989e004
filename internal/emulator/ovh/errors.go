package ovh

import (
	"fmt"
	"net/http"
	"strconv"
)

// Error is an OVHcloud API error. The API answers {"class", "message"}, and
// adds "errorCode" and "httpCode" to authentication failures.
type Error struct {
	Status    int
	Class     string
	ErrorCode string
	Message   string
}

func (e *Error) Error() string { return e.Class + ": " + e.Message }

type errorBody struct {
	Class     string `json:"class,omitempty"`
	Message   string `json:"message"`
	ErrorCode string `json:"errorCode,omitempty"`
	HTTPCode  string `json:"httpCode,omitempty"`
}

func writeError(w http.ResponseWriter, e *Error) {
	body := errorBody{Class: e.Class, Message: e.Message, ErrorCode: e.ErrorCode}
	if e.ErrorCode != "" {
		body.HTTPCode = httpCode(e.Status)
	}
	writeJSON(w, e.Status, body)
}

func httpCode(status int) string {
	return strconv.Itoa(status) + " " + http.StatusText(status)
}

// faultError is the answer to a call failed by the fault injector.
func faultError(status int) *Error {
	switch status {
	case http.StatusTooManyRequests:
		return &Error{Status: status, Class: "Client::TooManyRequests", Message: "Too many requests, please retry later"}
	case http.StatusServiceUnavailable:
		return &Error{Status: status, Class: "Server::ServiceUnavailable", Message: "The service is temporarily unavailable, please retry later"}
	default:
		return &Error{Status: status, Class: "Server::InternalServerError", Message: "Injected failure"}
	}
}

// Errors of the Public Cloud routes. The classes are the API's; the
// messages are written in its style, and say "unverified" where no real
// answer to the same mistake could be found.

func errBadRequest(format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Class: "Client::BadRequest", Message: fmt.Sprintf(format, args...)}
}

func errNotFound(format string, args ...any) *Error {
	return &Error{Status: http.StatusNotFound, Class: "Client::NotFound", Message: fmt.Sprintf(format, args...)}
}

// errConflict: the class is inferred from the API's naming (Client::<Kind>)
// and the 409 status; no real 409 body of these routes was found (unverified).
func errConflict(format string, args ...any) *Error {
	return &Error{Status: http.StatusConflict, Class: "Client::Conflict", Message: fmt.Sprintf(format, args...)}
}
