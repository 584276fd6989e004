// Package ovh emulates the subset of the OVHcloud API that the provider
// and the official OVHcloud provider's Public Cloud resources call (the
// caller and its projects; private networks, subnets, gateways and
// operations; instances and SSH keys; users, S3 credentials and buckets;
// OKMS): API v1 under /1.0 and API v2 under
// /v2, authenticated with the application key / consumer key "$1$" SHA-1
// signature or an OAuth2 bearer token, answering with the API's JSON shapes
// and {class, message} errors.
package ovh

import (
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
	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// Account is an OVHcloud customer account (a NIC handle) with one set of
// API credentials of each kind and its Public Cloud projects.
type Account struct {
	NicHandle         string    `json:"nic_handle"`
	Email             string    `json:"email"`
	ApplicationKey    string    `json:"application_key"`
	ApplicationSecret string    `json:"application_secret"`
	ConsumerKey       string    `json:"consumer_key"`
	ClientID          string    `json:"client_id"`
	ClientSecret      string    `json:"client_secret"`
	Projects          []Project `json:"projects"`
	// OKMS are the account's OVHcloud KMS (ordered, not made by the API).
	OKMS []OKMS `json:"okms,omitempty"`
}

// Project is a Public Cloud project.
type Project struct {
	ID          string   `json:"id"`
	Description string   `json:"description"`
	Regions     []string `json:"regions"`
}

// Options configure the handler.
type Options struct {
	Store    store.Store
	Faults   *faults.Injector
	Accounts []Account
	// Now is the server clock (/auth/time and signature freshness).
	Now func() time.Time
	// Pace holds transient states for a while (benchmarks); nil moves
	// them on at the first read, as tests want.
	Pace *pace.Pace
}

// Handler serves the OVHcloud API.
type Handler struct {
	opts     Options
	mux      *http.ServeMux
	patterns []string
	byAK     map[string]Account
	byCK     map[string]Account
	byCID    map[string]Account
	byNic    map[string]Account
	// audit holds the accounts' audit logs (audit_log.go).
	audit auditBook
}

// call is one API call being served.
type call struct {
	handler *Handler
	r       *http.Request
	account Account
	method  string // "application" or "oauth2"
	// client is the service account's OAuth2 client id when a service
	// account calls (iam.go); "" when the account's own credentials do.
	client  string
	pattern string // the route served, "METHOD /path/{param}"
	body    []byte
	header  http.Header // answer headers a route sets, such as pagination cursors
}

type route struct {
	public bool
	// open routes take any authenticated identity (the caller's own
	// details and the server's time).
	open bool
	// iam is the IAM action a service account needs on the account's URN
	// (the route's x-iam-actions); a route without one refuses service
	// accounts (iam.go).
	iam   string
	serve func(c *call) (any, error)
}

// MaxTimestampSkew is how far X-Ovh-Timestamp may be from the server clock.
const MaxTimestampSkew = 5 * time.Minute

// New returns the handler.
func New(opts Options) *Handler {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	h := &Handler{opts: opts, mux: http.NewServeMux(),
		byAK: map[string]Account{}, byCK: map[string]Account{}, byCID: map[string]Account{}, byNic: map[string]Account{}}
	for _, a := range opts.Accounts {
		if a.ApplicationKey != "" {
			h.byAK[a.ApplicationKey] = a
		}
		if a.ConsumerKey != "" {
			h.byCK[a.ConsumerKey] = a
		}
		if a.ClientID != "" {
			h.byCID[a.ClientID] = a
		}
		h.byNic[a.NicHandle] = a
	}
	routes := map[string]route{}
	for _, table := range []map[string]route{accountRoutes(), networkRoutes(), networkRegionRoutes(), okmsRoutes(),
		storageRoutes(), computeRoutes(), sshKeyRoutes(), oauth2Routes()} {
		for pattern, rt := range table {
			if _, dup := routes[pattern]; dup {
				panic("ovh emulator: route registered twice: " + pattern)
			}
			routes[pattern] = rt
		}
	}
	for pattern, rt := range routes {
		h.mux.Handle(pattern, h.wrap(pattern, rt))
		h.patterns = append(h.patterns, pattern)
	}
	sort.Strings(h.patterns)
	h.mux.HandleFunc("POST /auth/oauth2/token", h.oauth2Token)
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, &Error{Status: http.StatusNotFound, Class: "Client::NotFound",
			Message: fmt.Sprintf("Got an invalid (or empty) URL: %s %s", r.Method, r.URL.Path)})
	})
	return h
}

// Routes lists the API routes the handler implements, sorted.
func (h *Handler) Routes() []string {
	return append([]string(nil), h.patterns...)
}

// ServeHTTP serves /1.0/..., /v2/... and /auth/oauth2/token.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Ovh-QueryID", newQueryID())
	h.mux.ServeHTTP(w, r)
}

func (h *Handler) wrap(pattern string, rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 2<<20))
		if err != nil {
			return
		}
		h.opts.Faults.Serve(w, r, "ovh:"+pattern,
			func(w http.ResponseWriter, status int) { writeError(w, faultError(status)) },
			func(w http.ResponseWriter) {
				c := &call{handler: h, r: r, body: body, pattern: pattern}
				if !rt.public {
					if err := h.authenticate(c); err != nil {
						writeError(w, asError(err))
						return
					}
					if !rt.open {
						if err := c.grant(rt.iam, accountURN(c.account.NicHandle)); err != nil {
							writeError(w, asError(err))
							return
						}
					}
				}
				resp, err := rt.serve(c)
				if err != nil {
					writeError(w, asError(err))
					return
				}
				for k, v := range c.header {
					w.Header()[k] = v
				}
				writeJSON(w, http.StatusOK, resp)
			})
	})
}

// project returns the caller's project named in the path, or the API's 404.
func (c *call) project() (Project, error) {
	id := c.r.PathValue("serviceName")
	for _, p := range c.account.Projects {
		if p.ID == id {
			return p, nil
		}
	}
	return Project{}, &Error{Status: http.StatusNotFound, Class: "Client::NotFound",
		Message: fmt.Sprintf("This service does not exist: %s", id)}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// newQueryID returns an id shaped like the API's X-Ovh-QueryID.
func newQueryID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "EU.ext-emulator." + hex.EncodeToString(b[:])
}

func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Status: http.StatusInternalServerError, Class: "Server::InternalServerError::Unknown",
		Message: "Internal server error: " + strings.TrimSpace(err.Error())}
}

// accountRoutes are the caller's identity and projects.
func accountRoutes() map[string]route {
	return map[string]route{
		"GET /1.0/auth/time":                                       {public: true, serve: authTime},
		"GET /1.0/auth/details":                                    {open: true, serve: authDetails},
		"GET /1.0/me":                                              {serve: me},
		"GET /1.0/cloud/project":                                   {serve: listProjects},
		"GET /1.0/cloud/project/{serviceName}":                     {serve: getProject},
		"GET /1.0/cloud/project/{serviceName}/region":              {serve: listProjectRegions},
		"GET /1.0/cloud/project/{serviceName}/region/{regionName}": {serve: getProjectRegion},
	}
}

// networkRoutes are the private networks, subnets, gateways and the
// operations they answer with.
func networkRoutes() map[string]route {
	return map[string]route{
		"GET /1.0/cloud/project/{serviceName}/network/private":                                                    {serve: listNetworks},
		"POST /1.0/cloud/project/{serviceName}/network/private":                                                   {serve: createNetwork},
		"GET /1.0/cloud/project/{serviceName}/network/private/{networkId}":                                        {serve: getNetwork},
		"PUT /1.0/cloud/project/{serviceName}/network/private/{networkId}":                                        {serve: renameNetwork},
		"DELETE /1.0/cloud/project/{serviceName}/network/private/{networkId}":                                     {serve: deleteNetwork},
		"GET /1.0/cloud/project/{serviceName}/network/private/{networkId}/subnet":                                 {serve: listSubnets},
		"POST /1.0/cloud/project/{serviceName}/network/private/{networkId}/subnet":                                {serve: createSubnet},
		"DELETE /1.0/cloud/project/{serviceName}/network/private/{networkId}/subnet/{subnetId}":                   {serve: deleteSubnet},
		"POST /1.0/cloud/project/{serviceName}/region/{regionName}/network/{networkId}/subnet/{subnetId}/gateway": {serve: createGateway},
		"GET /1.0/cloud/project/{serviceName}/region/{regionName}/gateway":                                        {serve: listGateways},
		"GET /1.0/cloud/project/{serviceName}/region/{regionName}/gateway/{id}":                                   {serve: getGateway},
		"PUT /1.0/cloud/project/{serviceName}/region/{regionName}/gateway/{id}":                                   {serve: updateGateway},
		"DELETE /1.0/cloud/project/{serviceName}/region/{regionName}/gateway/{id}":                                {serve: deleteGateway},
		"GET /1.0/cloud/project/{serviceName}/region/{regionName}/gateway/{id}/interface":                         {serve: listInterfaces},
		"POST /1.0/cloud/project/{serviceName}/region/{regionName}/gateway/{id}/interface":                        {serve: createInterface},
		"GET /1.0/cloud/project/{serviceName}/region/{regionName}/gateway/{id}/interface/{interfaceId}":           {serve: getInterface},
		"DELETE /1.0/cloud/project/{serviceName}/region/{regionName}/gateway/{id}/interface/{interfaceId}":        {serve: deleteInterface},
		"GET /1.0/cloud/project/{serviceName}/operation/{operationId}":                                            {serve: getOperation},
	}
}

// advance runs the state transition a read causes, unless the pace holds
// the object in its state a while longer (see Options.Pace).
func (c *call) advance(kind, id, state string, answered func() error) error {
	if !c.handler.opts.Pace.Ready(kind, id, state) {
		return nil
	}
	return answered()
}
