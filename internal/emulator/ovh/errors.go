package ovh

import (
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
