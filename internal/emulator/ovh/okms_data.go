package ovh

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// The OKMS data plane, as far as envelope encryption needs it: data keys
// made and unwrapped by a symmetric service key. The real data plane is a
// REST API on https://<region>.okms.ovh.net behind mutual TLS or an OAuth2 /
// personal access token (okms-sdk-go's published OpenAPI, "OVHcloud KMS
// REST API"); the emulator serves it under DataPlanePrefix on its one
// listener, and takes the OAuth2 bearer tokens of the OVHcloud API (no
// client certificates).
//
//	POST /api/{okmsId}/v1/servicekey/{keyId}/datakey          {name?, size}  → 201 {key, plaintext}
//	POST /api/{okmsId}/v1/servicekey/{keyId}/datakey/decrypt  {key}          → 200 {plaintext}
//
// key is a JWE token in compact form. The emulator's is "dir" with
// AES-GCM under the service key's material, kid the service key's id (the
// real token's algorithms are unverified). Errors have the data plane's
// ErrorResponse shape ({error_code, errors, request_id}); their codes and
// wordings are unverified. Deleting the service key deletes its material:
// the data keys it wrapped can no longer be unwrapped.

// DataPlanePrefix is where the emulator serves the OKMS data plane.
const DataPlanePrefix = "/okms"

// DataPlane returns the handler of the OKMS data plane, to be mounted at
// DataPlanePrefix.
func (h *Handler) DataPlane() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+DataPlanePrefix+"/api/{okmsId}/v1/servicekey/{keyId}/datakey", h.dataPlane(ActionDataKeyCreate, generateDataKey))
	mux.HandleFunc("POST "+DataPlanePrefix+"/api/{okmsId}/v1/servicekey/{keyId}/datakey/decrypt", h.dataPlane(ActionDataKeyDecrypt, decryptDataKey))
	mux.HandleFunc(DataPlanePrefix+"/", func(w http.ResponseWriter, _ *http.Request) {
		writeDataPlaneError(w, http.StatusNotFound, "no such route") // unverified wording
	})
	return mux
}

// dataPlaneError is the data plane's ErrorResponse.
type dataPlaneError struct {
	Status int
	Msg    string
}

func (e *dataPlaneError) Error() string { return e.Msg }

func writeDataPlaneError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"error_code": status, "errors": []string{msg}, "request_id": newUUID()})
}

func (h *Handler) dataPlane(action string, serve func(c *call, key serviceKeyRecord) (int, any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			return
		}
		h.opts.Faults.Serve(w, r, "okms:"+r.Pattern,
			func(w http.ResponseWriter, status int) { writeDataPlaneError(w, status, http.StatusText(status)) },
			func(w http.ResponseWriter) {
				status, out, err := h.serveDataPlane(r, body, action, serve)
				if err != nil {
					e, ok := err.(*dataPlaneError) //nolint:errorlint // the handlers return it unwrapped
					if !ok {
						e = &dataPlaneError{Status: http.StatusInternalServerError, Msg: err.Error()}
					}
					writeDataPlaneError(w, e.Status, e.Msg)
					return
				}
				writeJSON(w, status, out)
			})
	}
}

// serveDataPlane authenticates the bearer token and, for a service
// account, checks that an IAM policy allows it action on the KMS (its URN:
// whether OKMS's IAM can name one service key instead is unverified).
func (h *Handler) serveDataPlane(r *http.Request, body []byte, action string, serve func(c *call, key serviceKeyRecord) (int, any, error)) (int, any, error) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	account, client, known := h.lookupToken(token)
	if !ok || !known {
		return 0, nil, &dataPlaneError{http.StatusUnauthorized, "missing or invalid credentials"} // unverified wording
	}
	c := &call{handler: h, r: r, body: body, account: account, method: "oauth2", client: client}
	o, err := c.okms()
	if err != nil {
		return 0, nil, &dataPlaneError{http.StatusNotFound, err.Error()}
	}
	if err := c.grant(action, okmsURN(o.ID)); err != nil {
		return 0, nil, &dataPlaneError{http.StatusForbidden, "the caller is not allowed " + action + " on " + okmsURN(o.ID)} // unverified wording
	}
	keyID, err := c.serviceKeyID()
	if err != nil {
		return 0, nil, &dataPlaneError{http.StatusBadRequest, err.Error()}
	}
	var key serviceKeyRecord
	err = h.opts.Store.View(func(tx store.Tx) error {
		var err error
		key, err = loadServiceKey(tx, o.ID, keyID)
		return err
	})
	if err != nil {
		return 0, nil, &dataPlaneError{http.StatusNotFound, err.Error()}
	}
	if key.Type != "oct" || len(key.Material) == 0 {
		return 0, nil, &dataPlaneError{http.StatusBadRequest, fmt.Sprintf("service key %s is not a symmetric key", keyID)} // unverified wording
	}
	return serve(c, key)
}

func generateDataKey(c *call, key serviceKeyRecord) (int, any, error) {
	var req struct {
		Name *string `json:"name"`
		Size *int    `json:"size"`
	}
	dec := json.NewDecoder(strings.NewReader(string(c.body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return 0, nil, &dataPlaneError{http.StatusBadRequest, "invalid request body: " + err.Error()}
	}
	switch {
	case req.Size == nil:
		return 0, nil, &dataPlaneError{http.StatusBadRequest, "size is required"}
	case *req.Size < 64 || *req.Size > 4096 || *req.Size%8 != 0:
		return 0, nil, &dataPlaneError{http.StatusBadRequest, fmt.Sprintf("size %d must be a multiple of 8 between 64 and 4096 bits", *req.Size)}
	case req.Name != nil && len(*req.Name) > 32:
		return 0, nil, &dataPlaneError{http.StatusBadRequest, "name is longer than 32 characters"}
	case key.State != stateActive:
		// Deactivated and compromised keys protect nothing new (KMIP).
		return 0, nil, &dataPlaneError{http.StatusBadRequest, fmt.Sprintf("service key %s is %s", key.ID, key.State)}
	}
	plain := make([]byte, *req.Size/8)
	if _, err := rand.Read(plain); err != nil {
		return 0, nil, err
	}
	token, err := sealJWE(key, plain)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, map[string]any{"key": token, "plaintext": plain}, nil
}

func decryptDataKey(c *call, key serviceKeyRecord) (int, any, error) {
	var req struct {
		Key *string `json:"key"`
	}
	dec := json.NewDecoder(strings.NewReader(string(c.body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil || req.Key == nil || *req.Key == "" {
		return 0, nil, &dataPlaneError{http.StatusBadRequest, "key is required"}
	}
	plain, err := openJWE(key, *req.Key)
	if err != nil {
		return 0, nil, &dataPlaneError{http.StatusBadRequest, "the data key cannot be decrypted with service key " + key.ID}
	}
	return http.StatusOK, map[string]any{"plaintext": plain}, nil
}

// jweHeader is the protected header of the emulator's data key tokens.
type jweHeader struct {
	Alg string `json:"alg"`
	Enc string `json:"enc"`
	Kid string `json:"kid"`
}

func gcmOf(material []byte) (cipher.AEAD, string, error) {
	block, err := aes.NewCipher(material)
	if err != nil {
		return nil, "", err
	}
	aead, err := cipher.NewGCM(block)
	return aead, fmt.Sprintf("A%dGCM", len(material)*8), err
}

// sealJWE wraps plain in a compact JWE (RFC 7516): "dir" key management,
// AES-GCM, the encoded protected header as additional data.
func sealJWE(key serviceKeyRecord, plain []byte) (string, error) {
	aead, enc, err := gcmOf(key.Material)
	if err != nil {
		return "", err
	}
	raw, err := json.Marshal(jweHeader{Alg: "dir", Enc: enc, Kid: key.ID})
	if err != nil {
		return "", err
	}
	header := b64url(raw)
	iv := make([]byte, aead.NonceSize())
	if _, err := rand.Read(iv); err != nil {
		return "", err
	}
	sealed := aead.Seal(nil, iv, plain, []byte(header))
	cut := len(sealed) - aead.Overhead()
	return strings.Join([]string{header, "", b64url(iv), b64url(sealed[:cut]), b64url(sealed[cut:])}, "."), nil
}

func openJWE(key serviceKeyRecord, token string) ([]byte, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 5 || parts[1] != "" {
		return nil, fmt.Errorf("not a compact JWE with direct encryption")
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return nil, err
	}
	var h jweHeader
	if err := json.Unmarshal(raw, &h); err != nil || h.Kid != key.ID || h.Alg != "dir" {
		return nil, fmt.Errorf("the token is not for this key")
	}
	aead, _, err := gcmOf(key.Material)
	if err != nil {
		return nil, err
	}
	var chunks [3][]byte
	for i, p := range parts[2:] {
		if chunks[i], err = base64.RawURLEncoding.DecodeString(p); err != nil {
			return nil, err
		}
	}
	if len(chunks[0]) != aead.NonceSize() {
		return nil, fmt.Errorf("bad IV")
	}
	return aead.Open(nil, chunks[0], append(chunks[1], chunks[2]...), []byte(parts[0]))
}
