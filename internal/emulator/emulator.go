// Package emulator is a local emulator of the two sovereign clouds the
// provider targets, in the LocalStack manner: one HTTP listener on 127.0.0.1
// that speaks the real wire protocols, so the real SDKs talk to it unchanged.
//
//	/api/v1/<Action>        3DS OUTSCALE API (OAPI), SigV4 / OSC4 signed
//	/1.0/..., /v2/...       OVHcloud API, "$1$" signed or OAuth2 bearer
//	/auth/oauth2/token      OVHcloud OAuth2 client-credentials grant
//	/keystone/v3/...        OVHcloud's OpenStack Identity (Keystone v3), password tokens
//	/neutron/<region>/v2.0  OVHcloud's OpenStack Networking (Neutron): security groups, ports
//	/s3/<bucket>/<key>      S3-compatible object storage of both clouds
//	/openbao/v1/...         the customer-held OpenBao key manager (Outscale)
//	/_emulator/...          control API: objects, call counts, fault injection
//
// It imports neither the clouds' SDKs nor the Terraform plugin framework: it
// speaks HTTP like the real services, so a bug cannot hide behind shared code.
package emulator

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/faults"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/kms"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/outscale"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/ovh"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/s3"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// Emulator is one running emulator.
type Emulator struct {
	cfg     Config
	store   store.Store
	faults  *faults.Injector
	handler http.Handler
	s3      *s3.Handler

	mu       sync.Mutex
	server   *http.Server
	listener net.Listener
	served   chan error
}

// New builds an emulator from cfg. It does not listen yet: call Start, or
// mount Handler in a server of your own.
func New(cfg Config) (*Emulator, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.AdminToken == "" {
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, err
		}
		cfg.AdminToken = hex.EncodeToString(b[:])
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	var st store.Store = store.NewMemory()
	if cfg.DataDir != "" {
		b, err := store.OpenBolt(cfg.DataDir)
		if err != nil {
			return nil, err
		}
		st = b
	}
	e := &Emulator{cfg: cfg, store: st, faults: faults.New()}

	s3Keys := map[string]s3.Credential{}
	for _, a := range cfg.Outscale.Accounts {
		// Outscale object storage (OOS) takes the account's own access keys.
		s3Keys[a.AccessKey] = s3.Credential{AccessKey: a.AccessKey, SecretKey: a.SecretKey, Owner: "outscale:" + a.AccountID}
	}

	mux := http.NewServeMux()
	osc := outscale.New(outscale.Options{Store: st, Faults: e.faults, Accounts: cfg.Outscale.Accounts,
		Regions: cfg.Outscale.Regions, Now: cfg.Now, Pace: cfg.Pace})
	mux.Handle("/api/", osc)
	ovhAPI := ovh.New(ovh.Options{Store: st, Faults: e.faults, Accounts: cfg.OVH.Accounts, Now: cfg.Now, Pace: cfg.Pace})
	mux.Handle("/1.0/", ovhAPI)
	mux.Handle("/v2/", ovhAPI)
	mux.Handle("/auth/oauth2/", ovhAPI)
	mux.Handle(ovh.DataPlanePrefix+"/", ovhAPI.DataPlane())
	mux.Handle(ovh.KeystonePrefix+"/", ovhAPI.Keystone())
	mux.Handle(ovh.NeutronPrefix+"/", ovhAPI.Neutron())
	s3API := s3.New(s3.Options{Store: st, Faults: e.faults, Now: cfg.Now,
		Credentials: func(ak string) (s3.Credential, bool) {
			if c, ok := s3Keys[ak]; ok {
				return c, true
			}
			// OUTSCALE EIM users' keys, and OVHcloud S3 credentials, are made
			// through the clouds' APIs at run time.
			if k, ok := outscale.LookupEIMKey(st, ak, cfg.Now()); ok {
				return s3.Credential{AccessKey: ak, SecretKey: k.Secret, Owner: s3.OwnerPrefixOutscale + k.AccountID,
					User: k.UserName, Policies: k.Policies}, true
			}
			k, ok := ovh.LookupS3Key(st, ak)
			return s3.Credential{AccessKey: ak, SecretKey: k.Secret, Owner: s3.OwnerPrefixOVH + k.Project,
				User: k.UserID, Policy: k.Policy}, ok
		}})
	e.s3 = s3API
	mux.Handle(s3.Prefix+"/", s3API)
	mux.Handle(s3.Prefix, s3API)
	mux.Handle(kms.Prefix+"/", kms.New(kms.Options{Store: st, Faults: e.faults, Tokens: cfg.OpenBao.Tokens, Now: cfg.Now}))
	mux.Handle(controlPrefix, e.control())
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{
			"error": fmt.Sprintf("no emulated service at %s; services: /api/v1 (Outscale), /1.0 and /v2 (OVHcloud), %s and %s (OVHcloud OpenStack), %s (S3), %s (OpenBao), %s (control)",
				r.URL.Path, ovh.KeystonePrefix, ovh.NeutronPrefix, s3.Prefix, kms.Prefix, controlPrefix),
		})
	})
	e.handler = mux
	return e, nil
}

// LogRequests logs one line per request (method, path, status, duration)
// to l. Bodies and headers are never logged: they carry credentials. Call it
// before Start.
func (e *Emulator) LogRequests(l *log.Logger) {
	next := e.handler
	e.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			l.Printf("%s %s -> %d (%s)", r.Method, r.URL.Path, rec.status, time.Since(start).Round(time.Millisecond))
		}()
		next.ServeHTTP(rec, r)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(status int) {
	s.status = status
	s.ResponseWriter.WriteHeader(status)
}

// Handler serves every emulated service.
func (e *Emulator) Handler() http.Handler { return e.handler }

// Config returns the configuration in use, with its admin token.
func (e *Emulator) Config() Config { return e.cfg }

// AdminToken is the bearer token of the control API.
func (e *Emulator) AdminToken() string { return e.cfg.AdminToken }

// Faults is the fault injector, for in-process tests.
func (e *Emulator) Faults() *faults.Injector { return e.faults }

// Store is the emulator's state, for in-process tests.
func (e *Emulator) Store() store.Store { return e.store }

// Start listens on addr ("127.0.0.1:0" picks a free port) and serves in the
// background until Close.
func (e *Emulator) Start(addr string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.server != nil {
		return errors.New("emulator: already started")
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("emulator: listening on %s: %w", addr, err)
	}
	// The serving goroutine gets its own copies: Close clears the fields.
	server := &http.Server{Handler: e.handler, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	e.listener, e.server, e.served = l, server, served
	go func() { served <- server.Serve(l) }()
	return nil
}

// URL is the base URL of the listener, such as http://127.0.0.1:40123.
func (e *Emulator) URL() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.listener == nil {
		return ""
	}
	return "http://" + e.listener.Addr().String()
}

// OutscaleEndpoint is the endpoint to give osc-sdk-go (OSC_ENDPOINT_API).
func (e *Emulator) OutscaleEndpoint() string { return e.URL() + "/api/v1" }

// OVHEndpoint is the endpoint to give go-ovh (OVH_ENDPOINT).
func (e *Emulator) OVHEndpoint() string { return e.URL() + "/1.0" }

// S3Endpoint is the object storage endpoint (path style).
func (e *Emulator) S3Endpoint() string { return e.URL() + s3.Prefix }

// OKMSDataPlane is where the emulator serves the OVHcloud KMS's data plane
// (https://<region>.okms.ovh.net on the real service).
func (e *Emulator) OKMSDataPlane() string { return e.URL() + ovh.DataPlanePrefix }

// OpenBaoAddress is the address to give the OpenBao client (HEALTH_KMS_ADDR).
func (e *Emulator) OpenBaoAddress() string { return e.URL() + kms.Prefix }

// Close stops the listener and closes the store.
func (e *Emulator) Close() error {
	e.mu.Lock()
	server, served := e.server, e.served
	e.server, e.listener = nil, nil
	e.mu.Unlock()
	var errs []error
	if server != nil {
		// Let requests in flight finish, but do not wait for connections a
		// client opened and never used: net/http only deems those idle after
		// five seconds.
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := server.Shutdown(ctx); err != nil {
			_ = server.Close()
		}
		if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
	}
	errs = append(errs, e.store.Close())
	return errors.Join(errs...)
}

// Summary lists the endpoints, for people starting the emulator by hand.
func (e *Emulator) Summary() string {
	u := e.URL()
	var b strings.Builder
	fmt.Fprintf(&b, "health cloud emulator listening on %s\n", u)
	fmt.Fprintf(&b, "  Outscale API      %s   (OSC_ENDPOINT_API)\n", e.OutscaleEndpoint())
	fmt.Fprintf(&b, "  OVHcloud API      %s      (OVH_ENDPOINT)\n", e.OVHEndpoint())
	fmt.Fprintf(&b, "  Object storage    %s\n", e.S3Endpoint())
	fmt.Fprintf(&b, "  OpenBao (KMS)     %s  (HEALTH_KMS_ADDR)\n", e.OpenBaoAddress())
	fmt.Fprintf(&b, "  Control API       %s%s  (Authorization: Bearer <admin token>)\n", u, controlPrefix)
	return b.String()
}
