// Package kms emulates the customer-held key manager the warehouse uses on
// Outscale: an OpenBao (Vault-compatible) server with its transit engine,
// served under /openbao so that its address is http://<emulator>/openbao.
// (OVHcloud's managed KMS is part of the OVH API, under /v2/okms.)
//
// This is the skeleton: token authentication (X-Vault-Token), Vault's error
// shape {"errors": [...]}, /v1/sys/health and /v1/sys/mounts; transit keys
// come with the KMS key resource.
package kms

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/faults"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// Prefix is the path under which the OpenBao API is served.
const Prefix = "/openbao"

// Options configure the handler.
type Options struct {
	Store  store.Store
	Faults *faults.Injector
	// Tokens are the accepted client tokens.
	Tokens []string
}

// Handler serves the OpenBao API.
type Handler struct {
	opts Options
}

// New returns the handler.
func New(opts Options) *Handler { return &Handler{opts: opts} }

// ServeHTTP serves requests under Prefix.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, Prefix)
	op := r.Method + " " + path
	h.opts.Faults.Serve(w, r, "openbao:"+op,
		func(w http.ResponseWriter, status int) { writeErrors(w, status, "injected failure") },
		func(w http.ResponseWriter) {
			if path == "/v1/sys/health" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
				writeJSON(w, http.StatusOK, map[string]any{
					"initialized": true, "sealed": false, "standby": false,
					"version": "2.0.0+emulator", "cluster_name": "health-emulator",
				})
				return
			}
			if !h.validToken(r.Header.Get("X-Vault-Token")) {
				writeErrors(w, http.StatusForbidden, "permission denied")
				return
			}
			switch {
			case path == "/v1/sys/mounts" && r.Method == http.MethodGet:
				mounts := map[string]any{
					"transit/": map[string]any{"type": "transit", "description": "customer-held keys of the warehouse", "options": map[string]string{}},
				}
				// Vault answers the mounts both at the top level and under "data".
				resp := map[string]any{"data": mounts}
				for k, v := range mounts {
					resp[k] = v
				}
				writeJSON(w, http.StatusOK, resp)
			default:
				writeErrors(w, http.StatusNotFound)
			}
		})
}

func (h *Handler) validToken(token string) bool {
	if token == "" {
		return false
	}
	for _, t := range h.opts.Tokens {
		if subtle.ConstantTimeCompare([]byte(t), []byte(token)) == 1 {
			return true
		}
	}
	return false
}

// writeErrors answers Vault's error shape: {"errors": [...]}.
func writeErrors(w http.ResponseWriter, status int, messages ...string) {
	if messages == nil {
		messages = []string{}
	}
	writeJSON(w, status, map[string][]string{"errors": messages})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
