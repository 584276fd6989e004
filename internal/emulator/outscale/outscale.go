// Package outscale emulates the subset of the 3DS OUTSCALE API (OAPI) that
// the provider calls: POST /api/v1/<Action> with a JSON body, signed with
// AWS Signature Version 4 (as osc-sdk-go sends it) or OSC4 (as osc-cli does),
// answering with OAPI's JSON shapes and error codes.
//
// In Outscale an account lives in one Region, and the API host names the
// Region. The emulator serves every Region on one listener, so it takes the
// Region from the account that signed the request.
package outscale

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/faults"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/pace"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/sigv4"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// Account is an Outscale account known to the emulator.
type Account struct {
	AccountID string `json:"account_id"`
	Email     string `json:"email"`
	AccessKey string `json:"access_key"`
	SecretKey string `json:"secret_key"`
	Region    string `json:"region"`
}

// Options configure the handler.
type Options struct {
	Store    store.Store
	Faults   *faults.Injector
	Accounts []Account
	// Regions served, in the order ReadRegions lists them.
	Regions []string
	// Now is the server clock (signature freshness). Default: time.Now.
	Now func() time.Time
	// Pace holds transient states for a while (benchmarks); nil moves
	// them on at the first read that shows them, or at any call once they
	// have lasted pace.DefaultHold (transient.go).
	Pace *pace.Pace
}

// Handler serves the Outscale API.
type Handler struct {
	opts     Options
	verifier *sigv4.Verifier
	byKey    map[string]Account
	actions  map[string]action
	logs     apiLogBook
}

// call is one authenticated (or public) API call being served.
type call struct {
	handler *Handler
	account Account // zero for public actions
	body    []byte
}

type action struct {
	public bool // served without a signature, like ReadRegions
	serve  func(c *call) (any, error)
}

// maxBody bounds a request body: UserData may reach 500 KiB once base64-encoded.
const maxBody = 2 << 20

// New returns the handler.
func New(opts Options) *Handler {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	h := &Handler{opts: opts, byKey: map[string]Account{}}
	for _, a := range opts.Accounts {
		h.byKey[a.AccessKey] = a
	}
	h.verifier = &sigv4.Verifier{
		Schemes: []sigv4.Scheme{sigv4.AWS4, sigv4.OSC4},
		Secret: func(ak string) (string, bool) {
			if a, ok := h.byKey[ak]; ok {
				return a.SecretKey, true
			}
			k, ok := LookupEIMKey(h.opts.Store, ak, h.opts.Now())
			return k.Secret, ok
		},
		Now: opts.Now,
	}
	h.actions = map[string]action{
		"ReadAccounts":   {serve: readAccounts},
		"ReadApiLogs":    {serve: readAPILogs},
		"ReadRegions":    {public: true, serve: readRegions},
		"ReadSubregions": {serve: readSubregions},

		"CreateUser":         {serve: createUser},
		"ReadUsers":          {serve: readUsers},
		"DeleteUser":         {serve: deleteUser},
		"CreateAccessKey":    {serve: createAccessKey},
		"ReadAccessKeys":     {serve: readAccessKeys},
		"DeleteAccessKey":    {serve: deleteAccessKey},
		"CreatePolicy":       {serve: createPolicy},
		"ReadPolicy":         {serve: readPolicy},
		"DeletePolicy":       {serve: deletePolicy},
		"LinkPolicy":         {serve: linkPolicy},
		"UnlinkPolicy":       {serve: unlinkPolicy},
		"ReadLinkedPolicies": {serve: readLinkedPolicies},

		"CreatePolicyVersion":     {serve: createPolicyVersion},
		"ReadPolicyVersion":       {serve: readPolicyVersion},
		"ReadPolicyVersions":      {serve: readPolicyVersions},
		"DeletePolicyVersion":     {serve: deletePolicyVersion},
		"SetDefaultPolicyVersion": {serve: setDefaultPolicyVersion},

		"CreateNet": {serve: createNet},
		"ReadNets":  {serve: readNets},
		"UpdateNet": {serve: updateNet},
		"DeleteNet": {serve: deleteNet},

		"CreateSubnet": {serve: createSubnet},
		"ReadSubnets":  {serve: readSubnets},
		"UpdateSubnet": {serve: updateSubnet},
		"DeleteSubnet": {serve: deleteSubnet},

		"CreateSecurityGroup":     {serve: createSecurityGroup},
		"ReadSecurityGroups":      {serve: readSecurityGroups},
		"DeleteSecurityGroup":     {serve: deleteSecurityGroup},
		"CreateSecurityGroupRule": {serve: createSecurityGroupRule},
		"DeleteSecurityGroupRule": {serve: deleteSecurityGroupRule},

		"CreateInternetService": {serve: createInternetService},
		"LinkInternetService":   {serve: linkInternetService},
		"UnlinkInternetService": {serve: unlinkInternetService},
		"DeleteInternetService": {serve: deleteInternetService},
		"ReadInternetServices":  {serve: readInternetServices},

		"CreatePublicIp": {serve: createPublicIP},
		"ReadPublicIps":  {serve: readPublicIPs},
		"DeletePublicIp": {serve: deletePublicIP},

		"CreateNatService": {serve: createNatService},
		"ReadNatServices":  {serve: readNatServices},
		"DeleteNatService": {serve: deleteNatService},

		"CreateRouteTable": {serve: createRouteTable},
		"ReadRouteTables":  {serve: readRouteTables},
		"DeleteRouteTable": {serve: deleteRouteTable},
		"CreateRoute":      {serve: createRoute},
		"DeleteRoute":      {serve: deleteRoute},
		"LinkRouteTable":   {serve: linkRouteTable},
		"UnlinkRouteTable": {serve: unlinkRouteTable},

		"CreateNetAccessPoint":       {serve: createNetAccessPoint},
		"ReadNetAccessPoints":        {serve: readNetAccessPoints},
		"UpdateNetAccessPoint":       {serve: updateNetAccessPoint},
		"DeleteNetAccessPoint":       {serve: deleteNetAccessPoint},
		"ReadNetAccessPointServices": {public: true, serve: readNetAccessPointServices},

		"CreateTags": {serve: createTags},
		"DeleteTags": {serve: deleteTags},
		"ReadTags":   {serve: readTags},
	}
	for name, act := range vmActions() {
		if _, dup := h.actions[name]; dup {
			panic("outscale emulator: action registered twice: " + name)
		}
		h.actions[name] = act
	}
	return h
}

// Actions lists the actions the handler implements, sorted.
func (h *Handler) Actions() []string {
	out := make([]string, 0, len(h.actions))
	for name := range h.actions {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// ServeHTTP routes POST /api/v1/<Action> (and /api/latest/<Action>).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := newRequestID()
	name, ok := actionName(r.URL.Path)
	if !ok {
		writeError(w, requestID, errUnknownAction(r.URL.Path))
		return
	}
	if r.Method != http.MethodPost {
		writeError(w, requestID, &Error{Status: http.StatusMethodNotAllowed, Code: "3001", Type: "InvalidParameter",
			Details: "OAPI actions are called with POST."})
		return
	}
	act, ok := h.actions[name]
	if !ok {
		writeError(w, requestID, errUnknownAction(name))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return
	}
	if len(body) > maxBody {
		writeError(w, requestID, &Error{Status: http.StatusRequestEntityTooLarge, Code: "3001", Type: "InvalidParameter",
			Details: "The request body is too large."})
		return
	}
	h.opts.Faults.Serve(w, r, "outscale:"+name,
		func(w http.ResponseWriter, status int) { writeError(w, requestID, faultError(status)) },
		func(rw http.ResponseWriter) {
			start := h.opts.Now()
			w := &statusWriter{ResponseWriter: rw}
			// Transient states that have lasted long enough move on
			// before anything is served (transient.go).
			if err := h.sweep(); err != nil {
				writeError(w, requestID, asError(err))
				return
			}
			c := &call{handler: h, body: body}
			if !act.public {
				signed, err := h.verifier.Verify(r, body)
				if err != nil {
					writeError(w, requestID, authError(err))
					return
				}
				a, byAccount := h.byKey[signed.AccessKey]
				if !byAccount {
					// An EIM user's key: its account, and only what its
					// policies allow (deny by default).
					k, _ := LookupEIMKey(h.opts.Store, signed.AccessKey, h.opts.Now())
					for _, acc := range h.opts.Accounts {
						if acc.AccountID == k.AccountID {
							a = acc
						}
					}
					defer h.logCall(r, w, a.AccountID, signed.AccessKey, name, requestID, body, start)
					if a.AccountID == "" || !eimAllows(k.Policies, name) {
						// Code and status unverified: OUTSCALE documents
						// error 4 as "AccessDenied".
						writeError(w, requestID, &Error{Status: http.StatusUnauthorized, Code: "4", Type: "AccessDenied",
							Details: "The EIM user " + k.UserName + " is not allowed to call " + name + " by its policies."})
						return
					}
				} else {
					defer h.logCall(r, w, a.AccountID, signed.AccessKey, name, requestID, body, start)
				}
				c.account = a
			}
			resp, err := act.serve(c)
			if err != nil {
				writeError(w, requestID, asError(err))
				return
			}
			writeJSON(w, http.StatusOK, withResponseContext(resp, requestID))
		})
}

// actionName extracts <Action> from /api/v1/<Action> or /api/latest/<Action>.
func actionName(path string) (string, bool) {
	for _, prefix := range []string{"/api/v1/", "/api/latest/"} {
		if name, ok := strings.CutPrefix(path, prefix); ok && name != "" && !strings.Contains(name, "/") {
			return name, true
		}
	}
	return "", false
}

// decode reads the request body into req, refusing unknown parameters the
// way OAPI does.
func (c *call) decode(req any) error {
	body := bytes.TrimSpace(c.body)
	if len(body) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(req); err != nil {
		var field string
		if msg := err.Error(); strings.HasPrefix(msg, "json: unknown field ") {
			field = strings.Trim(strings.TrimPrefix(msg, "json: unknown field "), `"`)
			return &Error{Status: http.StatusBadRequest, Code: "3001", Type: "InvalidParameter",
				Details: fmt.Sprintf("The parameter '%s' is not valid for this action.", field)}
		}
		return &Error{Status: http.StatusBadRequest, Code: "4000", Type: "InvalidParameterValue",
			Details: "The request body is not valid JSON for this action: " + err.Error()}
	}
	return nil
}

// withResponseContext adds "ResponseContext": {"RequestId": …} to resp.
func withResponseContext(resp any, requestID string) any {
	doc, err := json.Marshal(resp)
	if err != nil {
		return resp
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(doc, &m); err != nil || m == nil {
		m = map[string]json.RawMessage{}
	}
	ctx, _ := json.Marshal(responseContext{RequestID: requestID})
	m["ResponseContext"] = ctx
	return m
}

type responseContext struct {
	RequestID string `json:"RequestId"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// newRequestID returns an id shaped like OAPI's (a UUID).
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	s := hex.EncodeToString(b[:])
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:32]
}

func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Status: http.StatusInternalServerError, Code: "2000", Type: "InternalError", Details: err.Error()}
}
