// Package kms emulates the customer-held key manager the warehouse uses on
// Outscale: an OpenBao (Vault-compatible) server with its transit engine
// mounted at transit/, served under /openbao so that its address is
// http://<emulator>/openbao. (OVHcloud's managed KMS is part of the OVH API,
// under /v2/okms.)
//
// What it serves, with OpenBao's request and answer shapes, statuses and
// error texts (taken from OpenBao's transit engine source):
//
//	GET    /v1/sys/health                   no token needed
//	GET    /v1/sys/mounts
//	POST   /v1/transit/keys/:name           create (an upsert)
//	GET    /v1/transit/keys/:name           read; 404 {"errors":[]} when missing
//	DELETE /v1/transit/keys/:name           400 unless deletion_allowed
//	LIST   /v1/transit/keys                 (or GET ?list=true)
//	POST   /v1/transit/keys/:name/config    min versions, deletion_allowed, exportable, auto_rotate_period
//	POST   /v1/transit/keys/:name/rotate
//	POST   /v1/transit/encrypt/:name        plaintext or batch_input; an upsert of the key, as in OpenBao
//	POST   /v1/transit/decrypt/:name        ciphertext or batch_input
//	POST   /v1/transit/rewrap/:name         ciphertext or batch_input, to the latest (or key_version)
//	POST   /v1/transit/datakey/:type/:name  type plaintext or wrapped; bits 128, 256 or 512
//
// and the token store, ACL policies and response wrapping that auth.go
// describes (sys/policies/acl, auth/token, sys/wrapping).
//
// Requests carry the token in X-Vault-Token (or Authorization: Bearer).
// The configured tokens are root tokens; the tokens the server makes may
// do only what their policies allow.
// Keys are stored in the shared store, collection "openbao.transit_keys",
// one document per key, so the control API lists them and tests can change
// or delete them out of band.
//
// Encryption is real: each version of a symmetric key carries its own
// random key material (AES-GCM with a 96-bit nonce, or ChaCha20-Poly1305),
// derived per context with HKDF-SHA256 for derived keys, and RSA keys
// encrypt with RSA-OAEP (SHA-256), as OpenBao's keysutil does; ciphertexts
// read vault:v<version>:<base64 of nonce and sealed text>. The material
// lives in the key's document (a read never shows it), so deleting the key
// makes its ciphertexts undecryptable, as on a real server. Signing is not
// emulated: ECDSA and Ed25519 versions keep their public key only.
//
// Automatic rotation follows the emulator's clock (Options.Now): a key
// whose auto_rotate_period has elapsed since its latest version is rotated
// when it is next touched, as OpenBao's periodic check would have done.
package kms

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/faults"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// Prefix is the path under which the OpenBao API is served.
const Prefix = "/openbao"

// Mount is the path the transit engine is mounted at.
const Mount = "transit"

// CollectionKeys holds the transit keys, by name.
const CollectionKeys = "openbao.transit_keys"

// Options configure the handler.
type Options struct {
	Store  store.Store
	Faults *faults.Injector
	// Tokens are the accepted client tokens.
	Tokens []string
	// Now is the server clock (key creation times, automatic rotation).
	// Default: time.Now.
	Now func() time.Time
}

// Handler serves the OpenBao API.
type Handler struct {
	opts Options
}

// New returns the handler.
func New(opts Options) *Handler {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Handler{opts: opts}
}

// keyName is the transit engine's name pattern (framework.GenericNameRegex).
var keyName = regexp.MustCompile(`^\w(([\w\-.@]+)?\w)?$`)

// ServeHTTP serves requests under Prefix.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, Prefix)
	method := r.Method
	if method == http.MethodGet && r.URL.Query().Get("list") == "true" {
		method = "LIST"
	}
	h.opts.Faults.Serve(w, r, "openbao:"+method+" "+routeOf(path),
		func(w http.ResponseWriter, status int) { writeErrors(w, status, "injected failure") },
		func(w http.ResponseWriter) {
			if path == "/v1/sys/health" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
				writeJSON(w, http.StatusOK, map[string]any{
					"initialized": true, "sealed": false, "standby": false,
					"version": "2.0.0+emulator", "cluster_name": "health-emulator",
				})
				return
			}
			c := h.authenticate(r)
			body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
			if err != nil {
				return
			}
			rel := strings.TrimPrefix(path, "/v1/")
			if !h.authorized(w, c, method, rel) {
				return
			}
			wrapTTL := r.Header.Get(WrapTTLHeader)
			if wrapTTL == "" || rel == "sys/wrapping/unwrap" || rel == "sys/wrapping/lookup" {
				h.dispatch(w, c, method, r.Method, path, body)
				return
			}
			rec := newRecorder()
			h.dispatch(rec, c, method, r.Method, path, body)
			if rec.status == http.StatusOK && rec.body.Len() > 0 {
				h.wrap(w, wrapTTL, rel, rec.body.Bytes())
				return
			}
			rec.flush(w)
		})
}

// dispatch serves an authorized request.
func (h *Handler) dispatch(w http.ResponseWriter, c *caller, method, httpMethod, path string, body []byte) {
	switch {
	case path == "/v1/sys/mounts" && httpMethod == http.MethodGet:
		mounts := map[string]any{
			Mount + "/": map[string]any{"type": "transit", "description": "customer-held keys of the warehouse", "options": map[string]string{}},
		}
		// OpenBao answers the mounts both at the top level and under "data".
		resp := map[string]any{"data": mounts}
		for k, v := range mounts {
			resp[k] = v
		}
		writeJSON(w, http.StatusOK, resp)
	case strings.HasPrefix(path, "/v1/"+Mount+"/"):
		h.transit(w, method, strings.TrimPrefix(path, "/v1/"+Mount+"/"), body)
	case path == "/v1/sys/policies/acl" || strings.HasPrefix(path, "/v1/sys/policies/acl/"):
		h.policies(w, method, strings.TrimPrefix(strings.TrimPrefix(path, "/v1/sys/policies/acl"), "/"), body)
	case strings.HasPrefix(path, "/v1/auth/token/"):
		h.tokenStore(w, c, method, strings.TrimPrefix(path, "/v1/auth/token/"), body)
	case path == "/v1/sys/wrapping/unwrap" || path == "/v1/sys/wrapping/lookup":
		h.wrapping(w, c, method, strings.TrimPrefix(path, "/v1/sys/wrapping/"), body)
	default:
		writeErrors(w, http.StatusNotFound,
			fmt.Sprintf("no handler for route %q. route entry not found.", strings.TrimPrefix(path, "/v1/")))
	}
}

// routeOf names a request path for call counts and fault rules:
// "/v1/transit/keys/{name}/rotate" or "/v1/transit/encrypt/{name}" rather
// than the key's own name.
func routeOf(path string) string {
	if name, ok := strings.CutPrefix(path, "/v1/sys/policies/acl/"); ok && name != "" {
		return "/v1/sys/policies/acl/{name}"
	}
	rest, ok := strings.CutPrefix(path, "/v1/"+Mount+"/")
	if !ok {
		return path
	}
	op, tail, found := strings.Cut(rest, "/")
	if !found || tail == "" {
		return path
	}
	switch op {
	case "keys":
		if _, sub, found := strings.Cut(tail, "/"); found {
			return "/v1/" + Mount + "/keys/{name}/" + sub
		}
		return "/v1/" + Mount + "/keys/{name}"
	case "encrypt", "decrypt", "rewrap":
		return "/v1/" + Mount + "/" + op + "/{name}"
	case "datakey":
		if kind, _, found := strings.Cut(tail, "/"); found {
			return "/v1/" + Mount + "/datakey/" + kind + "/{name}"
		}
	}
	return path
}

// transit serves the transit engine's paths (relative to its mount).
func (h *Handler) transit(w http.ResponseWriter, method, path string, body []byte) {
	if path == "keys" || path == "keys/" {
		if method != "LIST" {
			writeErrors(w, http.StatusMethodNotAllowed, errorList("unsupported operation"))
			return
		}
		h.listKeys(w)
		return
	}
	req, serve, ok := h.route(method, path)
	if !ok {
		writeErrors(w, http.StatusNotFound, errorList("unsupported path"))
		return
	}
	if serve == nil {
		writeErrors(w, http.StatusMethodNotAllowed, errorList("unsupported operation"))
		return
	}
	if len(body) > 0 && method != http.MethodGet && method != http.MethodDelete {
		if err := json.Unmarshal(body, &req.params); err != nil {
			writeErrors(w, http.StatusBadRequest, "failed to parse JSON input: "+err.Error())
			return
		}
	}
	var status int
	var resp any
	err := h.opts.Store.Update(func(tx store.Tx) error {
		var err error
		status, resp, err = serve(tx, req)
		return err
	})
	var apiErr *apiError
	switch {
	case errors.As(err, &apiErr):
		writeErrors(w, apiErr.status, apiErr.messages...)
	case err != nil:
		writeErrors(w, http.StatusInternalServerError, errorList(err.Error()))
	case status == http.StatusNoContent:
		w.WriteHeader(http.StatusNoContent)
	default:
		writeJSON(w, status, resp)
	}
}

// serveFunc serves one call on a key inside a store transaction. An error
// answers it and rolls the transaction back; an answer with an error
// status (a failed batch item, a failed encryption after an upsert) keeps
// what the call changed, as OpenBao does.
type serveFunc func(tx store.Tx, req request) (int, any, error)

// route finds what serves path: ok is false for a path the engine does
// not have (404), serve nil for a method the path does not take (405).
func (h *Handler) route(method, path string) (req request, serve serveFunc, ok bool) {
	write := method == http.MethodPost || method == http.MethodPut
	op, rest, _ := strings.Cut(path, "/")
	switch op {
	case "keys":
		name, sub, _ := strings.Cut(rest, "/")
		if !keyName.MatchString(name) {
			return req, nil, false
		}
		req.name = name
		switch {
		case sub == "" && write:
			serve = h.createKey
		case sub == "" && method == http.MethodGet:
			serve = h.readKey
		case sub == "" && method == http.MethodDelete:
			serve = h.deleteKey
		case sub == "config" && write:
			serve = h.configKey
		case sub == "rotate" && write:
			serve = h.rotateKey
		case sub == "" || sub == "config" || sub == "rotate":
		default:
			return req, nil, false
		}
		return req, serve, true
	case "encrypt", "decrypt", "rewrap":
		if !keyName.MatchString(rest) {
			return req, nil, false
		}
		req.name = rest
		if write {
			serve = map[string]serveFunc{"encrypt": h.encrypt, "decrypt": h.decrypt, "rewrap": h.rewrap}[op]
		}
		return req, serve, true
	case "datakey":
		// Any name matches the type segment; the handler refuses all but
		// plaintext and wrapped, as OpenBao does.
		kind, name, _ := strings.Cut(rest, "/")
		if !keyName.MatchString(kind) || !keyName.MatchString(name) {
			return req, nil, false
		}
		req.name, req.kind = name, kind
		if write {
			serve = h.datakey
		}
		return req, serve, true
	}
	return req, nil, false
}

// request is one call on a key: its name and its JSON parameters.
type request struct {
	name   string
	kind   string // datakey's plaintext or wrapped
	params map[string]any
}

// apiError is an error answer; it also rolls the transaction back.
type apiError struct {
	status   int
	messages []string
}

func (e *apiError) Error() string { return strings.Join(e.messages, "; ") }

func badRequest(msg string) error {
	return &apiError{status: http.StatusBadRequest, messages: []string{msg}}
}

// errorList is how OpenBao words errors that went through a multierror.
func errorList(msg string) string { return "1 error occurred:\n\t* " + msg + "\n\n" }

// Key types the engine makes.
var keyTypes = map[string]struct {
	encryption, signing, derivation bool
}{
	"aes128-gcm96":      {encryption: true, derivation: true},
	"aes256-gcm96":      {encryption: true, derivation: true},
	"chacha20-poly1305": {encryption: true, derivation: true},
	"ecdsa-p256":        {signing: true},
	"ecdsa-p384":        {signing: true},
	"ecdsa-p521":        {signing: true},
	"ed25519":           {signing: true, derivation: true},
	"rsa-2048":          {encryption: true, signing: true},
	"rsa-3072":          {encryption: true, signing: true},
	"rsa-4096":          {encryption: true, signing: true},
	"hmac":              {},
}

// storedKey is a transit key as the emulator keeps it.
type storedKey struct {
	Name                 string `json:"name"`
	Type                 string `json:"type"`
	Derived              bool   `json:"derived,omitempty"`
	ConvergentEncryption bool   `json:"convergent_encryption,omitempty"`
	// ConvergentVersion is 3 for every key made here, OpenBao's current
	// scheme: the nonce is an HMAC of the plaintext under a derived key.
	ConvergentVersion    int                 `json:"convergent_version,omitempty"`
	DeletionAllowed      bool                `json:"deletion_allowed"`
	Exportable           bool                `json:"exportable"`
	AllowPlaintextBackup bool                `json:"allow_plaintext_backup"`
	LatestVersion        int                 `json:"latest_version"`
	MinDecryptionVersion int                 `json:"min_decryption_version"`
	MinEncryptionVersion int                 `json:"min_encryption_version"`
	AutoRotatePeriod     int64               `json:"auto_rotate_period"` // seconds
	Versions             map[string]*version `json:"versions"`
}

// version is one version of a key: when it was made, its public key for
// asymmetric types, and the secret material encryption needs.
type version struct {
	CreationTime time.Time `json:"creation_time"`
	PublicKey    string    `json:"public_key,omitempty"`
	// Secret is the version's key material, base64: the raw key of the
	// symmetric types, the PKCS #8 private key of the RSA types; none for
	// the signing-only types, whose signing is not emulated. Reads never
	// show it (export is not emulated either).
	Secret string `json:"secret,omitempty"`
}

// accepted are the parameters each call takes; others are ignored with a
// warning, as OpenBao does.
var accepted = map[string][]string{
	"create": {"type", "derived", "convergent_encryption", "exportable", "allow_plaintext_backup", "context",
		"auto_rotate_period", "key_size", "managed_key_name", "managed_key_id"},
	"config": {"min_decryption_version", "min_encryption_version", "deletion_allowed", "exportable",
		"allow_plaintext_backup", "auto_rotate_period"},
	"rotate": {"managed_key_name", "managed_key_id"},
	"encrypt": {"plaintext", "context", "type", "convergent_encryption", "key_version", "partial_failure_response_code",
		"associated_data", "batch_input"},
	"decrypt": {"ciphertext", "context", "nonce", "partial_failure_response_code", "associated_data", "batch_input"},
	"rewrap":  {"ciphertext", "context", "key_version", "batch_input"},
	"datakey": {"context", "nonce", "bits", "key_version"},
}

func ignoredWarning(call string, params map[string]any) []string {
	var ignored []string
	for k := range params {
		known := false
		for _, a := range accepted[call] {
			known = known || a == k
		}
		if !known {
			ignored = append(ignored, k)
		}
	}
	if len(ignored) == 0 {
		return nil
	}
	sort.Strings(ignored)
	return []string{fmt.Sprintf("Endpoint ignored these unrecognized parameters: [%s]", strings.Join(ignored, " "))}
}

func (h *Handler) load(tx store.Tx, name string) (*storedKey, error) {
	k, found, err := store.Get[storedKey](tx, CollectionKeys, name)
	if err != nil || !found {
		return nil, err
	}
	if err := h.autoRotate(tx, &k); err != nil {
		return nil, err
	}
	return &k, nil
}

// autoRotate rotates k if its automatic rotation period has elapsed since
// its latest version was made.
func (h *Handler) autoRotate(tx store.Tx, k *storedKey) error {
	if k.AutoRotatePeriod <= 0 {
		return nil
	}
	latest, ok := k.Versions[strconv.Itoa(k.LatestVersion)]
	if !ok || h.opts.Now().Before(latest.CreationTime.Add(time.Duration(k.AutoRotatePeriod)*time.Second)) {
		return nil
	}
	if err := h.addVersion(k); err != nil {
		return err
	}
	return store.Put(tx, CollectionKeys, k.Name, k)
}

func (h *Handler) addVersion(k *storedKey) error {
	v := &version{CreationTime: h.opts.Now().UTC()}
	var err error
	if v.PublicKey, v.Secret, err = keyMaterial(k.Type); err != nil {
		return err
	}
	if k.Versions == nil {
		k.Versions = map[string]*version{}
	}
	k.LatestVersion++
	k.Versions[strconv.Itoa(k.LatestVersion)] = v
	return nil
}

// keyMaterial makes a new version's material: for the symmetric types a
// random key of the type's size (base64), for RSA a key pair (the public
// half in PEM, the private half in PKCS #8, base64), for ECDSA a key pair
// whose private half is thrown away (signing is not emulated).
func keyMaterial(keyType string) (public, secret string, err error) {
	switch keyType {
	case "aes128-gcm96", "aes256-gcm96", "chacha20-poly1305", "hmac":
		raw := make([]byte, symmetricKeySize(keyType))
		if _, err := rand.Read(raw); err != nil {
			return "", "", err
		}
		return "", base64.StdEncoding.EncodeToString(raw), nil
	case "ecdsa-p256", "ecdsa-p384", "ecdsa-p521":
		curve := map[string]elliptic.Curve{"ecdsa-p256": elliptic.P256(), "ecdsa-p384": elliptic.P384(), "ecdsa-p521": elliptic.P521()}[keyType]
		priv, err := ecdsa.GenerateKey(curve, rand.Reader)
		if err != nil {
			return "", "", err
		}
		public, err = publicPEM(&priv.PublicKey)
		return public, "", err
	case "rsa-2048", "rsa-3072", "rsa-4096":
		bits, _ := strconv.Atoi(strings.TrimPrefix(keyType, "rsa-"))
		priv, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			return "", "", err
		}
		if public, err = publicPEM(&priv.PublicKey); err != nil {
			return "", "", err
		}
		der, err := x509.MarshalPKCS8PrivateKey(priv)
		if err != nil {
			return "", "", err
		}
		return public, base64.StdEncoding.EncodeToString(der), nil
	}
	return "", "", nil
}

// symmetricKeySize is the size in bytes of a symmetric type's keys.
func symmetricKeySize(keyType string) int {
	if keyType == "aes128-gcm96" {
		return 16
	}
	return 32
}

// publicPEM is a public key as a read shows it.
func publicPEM(pub any) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), nil
}

func (h *Handler) createKey(tx store.Tx, req request) (int, any, error) {
	warnings := ignoredWarning("create", req.params)
	keyType := "aes256-gcm96"
	if v, ok := req.params["type"]; ok {
		s, isString := v.(string)
		if !isString {
			return 0, nil, badRequest(fmt.Sprintf("unknown key type %v", v))
		}
		keyType = s
	}
	if _, ok := keyTypes[keyType]; !ok {
		return 0, nil, badRequest(fmt.Sprintf("unknown key type %v", keyType))
	}
	period, err := durationSeconds(req.params, "auto_rotate_period")
	if err != nil {
		return 0, nil, err
	}
	if period != 0 && period < 3600 {
		return 0, nil, badRequest("auto rotate period must be 0 to disable or at least an hour")
	}
	derived, err := boolParam(req.params, "derived")
	if err != nil {
		return 0, nil, err
	}
	convergent, err := boolParam(req.params, "convergent_encryption")
	if err != nil {
		return 0, nil, err
	}
	if convergent && !derived {
		return 0, nil, badRequest("convergent encryption requires derivation to be enabled")
	}
	existing, err := h.load(tx, req.name)
	if err != nil {
		return 0, nil, err
	}
	if existing != nil {
		// An upsert of an existing key changes nothing.
		warnings = append(warnings, fmt.Sprintf("key %s already existed", req.name))
		return http.StatusOK, h.answer(existing, warnings), nil
	}
	exportable, err := boolParam(req.params, "exportable")
	if err != nil {
		return 0, nil, err
	}
	backup, err := boolParam(req.params, "allow_plaintext_backup")
	if err != nil {
		return 0, nil, err
	}
	k, err := h.newKey(tx, req.name, keyType, derived, convergent, func(k *storedKey) {
		k.Exportable, k.AllowPlaintextBackup, k.AutoRotatePeriod = exportable, backup, period
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, h.answer(k, warnings), nil
}

// newKey makes and stores a key with its first version: the upsert of
// keys/:name and of encrypt/:name. The type's checks are those of
// OpenBao's lock manager, whose plain errors answer 500.
func (h *Handler) newKey(tx store.Tx, name, keyType string, derived, convergent bool, set func(*storedKey)) (*storedKey, error) {
	switch {
	case strings.HasPrefix(keyType, "aes"), keyType == "chacha20-poly1305":
		if convergent && !derived {
			return nil, badRequest("convergent encryption requires derivation to be enabled")
		}
	case keyType == "ed25519":
		if convergent {
			return nil, &apiError{status: http.StatusInternalServerError,
				messages: []string{fmt.Sprintf("convergent encryption not supported for keys of type %s", keyType)}}
		}
	default:
		if derived || convergent {
			return nil, &apiError{status: http.StatusInternalServerError,
				messages: []string{fmt.Sprintf("key derivation and convergent encryption not supported for keys of type %s", keyType)}}
		}
	}
	k := &storedKey{Name: name, Type: keyType, Derived: derived, ConvergentEncryption: convergent, MinDecryptionVersion: 1}
	if convergent {
		k.ConvergentVersion = 3
	}
	if set != nil {
		set(k)
	}
	if err := h.addVersion(k); err != nil {
		return nil, err
	}
	if err := store.Put(tx, CollectionKeys, k.Name, k); err != nil {
		return nil, err
	}
	return k, nil
}

func (h *Handler) readKey(tx store.Tx, req request) (int, any, error) {
	k, err := h.load(tx, req.name)
	if err != nil {
		return 0, nil, err
	}
	if k == nil {
		return 0, nil, &apiError{status: http.StatusNotFound, messages: []string{}}
	}
	return http.StatusOK, h.answer(k, nil), nil
}

func (h *Handler) deleteKey(tx store.Tx, req request) (int, any, error) {
	k, found, err := store.Get[storedKey](tx, CollectionKeys, req.name)
	if err != nil {
		return 0, nil, err
	}
	if !found {
		return 0, nil, badRequest(fmt.Sprintf("error deleting policy %s: could not delete policy; not found", req.name))
	}
	if !k.DeletionAllowed {
		return 0, nil, badRequest(fmt.Sprintf("error deleting policy %s: deletion is not allowed for this policy", req.name))
	}
	if err := tx.Delete(CollectionKeys, req.name); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}

func (h *Handler) configKey(tx store.Tx, req request) (int, any, error) {
	warnings := ignoredWarning("config", req.params)
	k, err := h.load(tx, req.name)
	if err != nil {
		return 0, nil, err
	}
	if k == nil {
		return 0, nil, badRequest(fmt.Sprintf("no existing key named %s could be found", req.name))
	}
	if v, ok, err := intParam(req.params, "min_decryption_version"); err != nil {
		return 0, nil, err
	} else if ok {
		switch {
		case v < 0:
			return 0, nil, badRequest("min decryption version cannot be negative")
		case v == 0:
			v = 1
			warnings = append(warnings, "since Vault 0.3 (prior to the OpenBao fork), transit key numbering starts at 1; forcing minimum to 1")
		case v > k.LatestVersion:
			return 0, nil, badRequest(fmt.Sprintf("cannot set min decryption version of %d, latest key version is %d", v, k.LatestVersion))
		}
		k.MinDecryptionVersion = v
	}
	if v, ok, err := intParam(req.params, "min_encryption_version"); err != nil {
		return 0, nil, err
	} else if ok {
		switch {
		case v < 0:
			return 0, nil, badRequest("min encryption version cannot be negative")
		case v > k.LatestVersion:
			return 0, nil, badRequest(fmt.Sprintf("cannot set min encryption version of %d, latest key version is %d", v, k.LatestVersion))
		}
		k.MinEncryptionVersion = v
	}
	if k.MinEncryptionVersion > 0 && k.MinEncryptionVersion < k.MinDecryptionVersion {
		return 0, nil, badRequest(fmt.Sprintf("cannot set min encryption/decryption values; min encryption version of %d must be "+
			"greater than or equal to min decryption version of %d", k.MinEncryptionVersion, k.MinDecryptionVersion))
	}
	if _, ok := req.params["deletion_allowed"]; ok {
		if k.DeletionAllowed, err = boolParam(req.params, "deletion_allowed"); err != nil {
			return 0, nil, err
		}
	}
	// exportable and allow_plaintext_backup can be set, never unset.
	if v, err := boolParam(req.params, "exportable"); err != nil {
		return 0, nil, err
	} else if v {
		k.Exportable = true
	}
	if v, err := boolParam(req.params, "allow_plaintext_backup"); err != nil {
		return 0, nil, err
	} else if v {
		k.AllowPlaintextBackup = true
	}
	if _, ok := req.params["auto_rotate_period"]; ok {
		period, err := durationSeconds(req.params, "auto_rotate_period")
		if err != nil {
			return 0, nil, err
		}
		if period != 0 && period < 3600 {
			return 0, nil, badRequest("auto rotate period must be 0 to disable or at least an hour")
		}
		k.AutoRotatePeriod = period
	}
	if err := store.Put(tx, CollectionKeys, k.Name, k); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, h.answer(k, warnings), nil
}

func (h *Handler) rotateKey(tx store.Tx, req request) (int, any, error) {
	warnings := ignoredWarning("rotate", req.params)
	k, err := h.load(tx, req.name)
	if err != nil {
		return 0, nil, err
	}
	if k == nil {
		return 0, nil, badRequest("key not found")
	}
	if err := h.addVersion(k); err != nil {
		return 0, nil, err
	}
	if err := store.Put(tx, CollectionKeys, k.Name, k); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, h.answer(k, warnings), nil
}

func (h *Handler) listKeys(w http.ResponseWriter) {
	var names []string
	_ = h.opts.Store.View(func(tx store.Tx) error {
		for _, it := range tx.List(CollectionKeys) {
			names = append(names, it.ID)
		}
		return nil
	})
	if len(names) == 0 {
		writeErrors(w, http.StatusNotFound)
		return
	}
	writeJSON(w, http.StatusOK, envelope(map[string]any{"keys": names}, nil))
}

// answer is the read answer for k: OpenBao's formatKeyPolicy.
func (h *Handler) answer(k *storedKey, warnings []string) map[string]any {
	caps := keyTypes[k.Type]
	data := map[string]any{
		"name":                   k.Name,
		"type":                   k.Type,
		"derived":                k.Derived,
		"deletion_allowed":       k.DeletionAllowed,
		"min_available_version":  0,
		"min_decryption_version": k.MinDecryptionVersion,
		"min_encryption_version": k.MinEncryptionVersion,
		"latest_version":         k.LatestVersion,
		"exportable":             k.Exportable,
		"allow_plaintext_backup": k.AllowPlaintextBackup,
		"supports_encryption":    caps.encryption,
		"supports_decryption":    caps.encryption,
		"supports_signing":       caps.signing,
		"supports_derivation":    caps.derivation,
		"auto_rotate_period":     k.AutoRotatePeriod,
		"imported_key":           false,
	}
	if k.Derived {
		data["kdf"] = "hkdf_sha256"
		data["convergent_encryption"] = k.ConvergentEncryption
		if k.ConvergentEncryption {
			data["convergent_encryption_version"] = k.ConvergentVersion
		}
	}
	switch {
	case strings.HasPrefix(k.Type, "ecdsa-"), strings.HasPrefix(k.Type, "rsa-"), k.Type == "ed25519":
		keys := map[string]any{}
		for n, v := range k.Versions {
			name := map[string]string{"ecdsa-p256": "P-256", "ecdsa-p384": "P-384", "ecdsa-p521": "P-521"}[k.Type]
			if name == "" {
				name = k.Type
			}
			keys[n] = map[string]any{"name": name, "public_key": v.PublicKey, "creation_time": v.CreationTime.Format(time.RFC3339Nano)}
		}
		data["keys"] = keys
	default:
		keys := map[string]int64{}
		for n, v := range k.Versions {
			keys[n] = v.CreationTime.Unix()
		}
		data["keys"] = keys
	}
	return envelope(data, warnings)
}

// envelope is OpenBao's answer to a logical request.
func envelope(data any, warnings []string) map[string]any {
	var w any
	if len(warnings) > 0 {
		w = warnings
	}
	return map[string]any{
		"request_id":     newRequestID(),
		"lease_id":       "",
		"renewable":      false,
		"lease_duration": 0,
		"data":           data,
		"wrap_info":      nil,
		"warnings":       w,
		"auth":           nil,
		"mount_type":     "transit",
	}
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// Parameter decoding, as OpenBao's framework does it: booleans from JSON
// booleans or strings, integers from numbers or strings, durations in
// seconds from numbers or duration strings.

func boolParam(params map[string]any, name string) (bool, error) {
	switch v := params[name].(type) {
	case nil:
		return false, nil
	case bool:
		return v, nil
	case string:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return false, badRequest(fmt.Sprintf("error converting input %s for field %q: %v", v, name, err))
		}
		return b, nil
	default:
		return false, badRequest(fmt.Sprintf("error converting input %v for field %q", v, name))
	}
}

func intParam(params map[string]any, name string) (int, bool, error) {
	switch v := params[name].(type) {
	case nil:
		return 0, false, nil
	case float64:
		if v != float64(int(v)) {
			return 0, false, badRequest(fmt.Sprintf("error converting input %v for field %q", v, name))
		}
		return int(v), true, nil
	case string:
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, false, badRequest(fmt.Sprintf("error converting input %s for field %q", v, name))
		}
		return n, true, nil
	default:
		return 0, false, badRequest(fmt.Sprintf("error converting input %v for field %q", v, name))
	}
}

func durationSeconds(params map[string]any, name string) (int64, error) {
	switch v := params[name].(type) {
	case nil:
		return 0, nil
	case float64:
		if v < 0 || v != float64(int64(v)) {
			return 0, badRequest(fmt.Sprintf("error converting input %v for field %q", v, name))
		}
		return int64(v), nil
	case string:
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
			return n, nil
		}
		if days, ok := strings.CutSuffix(v, "d"); ok {
			if n, err := strconv.ParseInt(days, 10, 64); err == nil && n >= 0 {
				return n * 86400, nil
			}
		}
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return 0, badRequest(fmt.Sprintf("error converting input %s for field %q: time: invalid duration %q", v, name, v))
		}
		return int64(d / time.Second), nil
	default:
		return 0, badRequest(fmt.Sprintf("error converting input %v for field %q", v, name))
	}
}

// writeErrors answers OpenBao's error shape: {"errors": [...]}.
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
