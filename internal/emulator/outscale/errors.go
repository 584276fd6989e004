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

// Errors of the network actions.
//
// What is verified (see research/errors.md): the envelope; Type
// InvalidResource with HTTP 400 for an unknown id, and its Details wording
// ("The ImageId 'ami-…' doesn't exist."); InvalidParameterValue with HTTP
// 400 and the Details wording "The provided value ('…') for the parameter
// '…' is invalid."; ResourceConflict 9085 for a security group still
// referenced; InsufficientCapacity 10001; the code ranges (5xxx not found,
// 9xxx conflict, 1xxx DependencyProblem with HTTP 424, 10xxx capacity).
//
// What is not: the number of each code below except 9085 and 10001, the
// HTTP status of ResourceConflict (409, which the spec declares on CreateNet
// and CreateSubnet and the real service answers on CreateNatService), and
// MissingParameter 7000. Each keeps to its verified range, so a client that
// classifies by range (as osc-sdk-go v3 does) behaves as with the real API.

// Not-found codes (InvalidResource), by the parameter that named the object.
// Only the range is verified; the numbers are unverified.
var notFoundCodes = map[string]string{
	"NetId":              "5065",
	"SubnetId":           "5057",
	"SecurityGroupId":    "5020",
	"SecurityGroupName":  "5020",
	"SecurityGroupRule":  "5054",
	"InternetServiceId":  "5036",
	"GatewayId":          "5036",
	"PublicIpId":         "5025",
	"PublicIp":           "5025",
	"NatServiceId":       "5106",
	"RouteTableId":       "5046",
	"LinkRouteTableId":   "5045",
	"DestinationIpRange": "5047",
	"NetAccessPointId":   "5115",
	"LinkPublicIpId":     "5026", // verified: the official provider skips it as "already destroyed"
	"KeypairName":        "5073",
	"KeypairId":          "5073",
	"VolumeId":           "5064",
	"NetPeeringId":       "5066",
	"NicId":              "5035",
	"VmId":               "5063",
	"ResourceId":         "5000",
}

// Conflict codes (ResourceConflict, HTTP 409). 9085 is verified, and so
// is 9095 (the official provider, outscale/terraform-provider-outscale
// v1.8.0, retries DeleteSubnet on "409 (subnet in-use)" with code 9095);
// the others are unverified numbers in the verified range.
const (
	codeRuleDuplicate        = "9011"
	codeSecurityGroupInUse   = "9085"
	codeSecurityGroupName    = "9008"
	codeSubnetOverlap        = "9038"
	codeAlreadyLinked        = "9029"
	codePublicIPInUse        = "9034"
	codeSubnetAlreadyLinked  = "9044"
	codeRouteExists          = "9042"
	codeRouteToServiceExists = "9043"
	codeSubnetInUse          = "9095"
	codeKeypairExists        = "9012"
	codeVolumeInUse          = "9036"
)

// InvalidState codes (6xxx, answered as ResourceConflict like the VM's,
// vm.go): unverified numbers in the verified range.
const (
	codeNetAccessPointState = "6004"
)

// Dependency codes (DependencyProblem, HTTP 424): the type and status are
// those of the 1xxx rows of the error table. The official provider's
// internet service link (resource_outscale_internet_service_link.go) tells
// three apart on UnlinkInternetService: 1004 when the Net still maps
// public IPs (it unlinks them, read through ReadNics, and tries again),
// 1005 when a load balancer or a NAT service still holds the Net (it
// retries: its PR #807 "retry on conflict when NATs are still linked"),
// 1007 when the service is already unlinked. The other numbers are
// unverified.
const (
	codeInternetServiceHasPublicIPs = "1004"
	codeInternetServiceHasServices  = "1005"
	codeInternetServiceLinked       = "1006"
	codeInternetServiceNotLinked    = "1007"
	codeNetHasDependencies          = "1008"
	codeRouteTableHasLinks          = "1011"
)

// errMissingParameter: a required parameter is absent. Type and code are
// unverified (no public sample); the research infers MissingParameter 7000.
func errMissingParameter(name string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "7000", Type: "MissingParameter",
		Details: fmt.Sprintf("The parameter '%s' is required.", name)}
}

// errInvalidValue: a parameter's value is refused. 4078 is the code the
// SDK's documentation gives as its example of InvalidParameterValue; the
// real code varies per parameter and is unverified.
func errInvalidValue(param, value, why string) *Error {
	details := fmt.Sprintf("The provided value ('%s') for the parameter '%s' is invalid.", value, param)
	if why != "" {
		details += " " + why
	}
	return &Error{Status: http.StatusBadRequest, Code: "4078", Type: "InvalidParameterValue", Details: details}
}

// errNotFound: the id names no object of the caller's account.
func errNotFound(param, id string) *Error {
	code, ok := notFoundCodes[param]
	if !ok {
		code = notFoundCodes["ResourceId"]
	}
	return &Error{Status: http.StatusBadRequest, Code: code, Type: "InvalidResource",
		Details: fmt.Sprintf("The %s '%s' doesn't exist.", param, id)}
}

func errConflict(code, details string) *Error {
	return &Error{Status: http.StatusConflict, Code: code, Type: "ResourceConflict", Details: details}
}

func errDependency(code, details string) *Error {
	return &Error{Status: http.StatusFailedDependency, Code: code, Type: "DependencyProblem", Details: details}
}

// errCapacity is the verified capacity answer (seen on CreateNet).
func errCapacity(details string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "10001", Type: "InsufficientCapacity", Details: details}
}
