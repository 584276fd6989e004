package gateway

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/sigv4"
)

// Credentials of the stand-ins.
const (
	testBucket        = "wh-raw"
	testAccessKeyID   = "AKGATEWAYBACKEND0001"
	testSecretKey     = "backendSecretKey/0001+abcdefghijklmnopqrstu"
	testWrappingToken = "hvs.wrapping-token-0123456789"
	testBaoToken      = "hvs.periodic-gateway-token-abcdef"
	testTransitKey    = "wh-raw-key"
	testOKMSID        = "7f3a1c52-0000-4000-8000-okms00000001"
	testServiceKeyID  = "0b6c5e84-0000-4000-8000-servicekey01"
	testClientID      = "EU.gateway-wh-raw"
	testClientSecret  = "okmsClientSecret0123456789abcdef"
	testBearer        = "eyJ.bearer-token-of-the-gateway"
)

// fakeCloud stands for the object store (S3, signatures checked), OpenBao
// (wrapping, token renewal, transit data keys) and OKMS (OAuth2 and the data
// plane's data keys), with the real APIs' paths, statuses and shapes.
type fakeCloud struct {
	t   *testing.T
	srv *httptest.Server

	mu        sync.Mutex
	objects   map[string]string  // "bucket/key" → body
	puts      []http.Header      // headers of every PutObject
	dataKeys  map[string]string  // wrapped → base64 plaintext
	made      []string           // base64 plaintexts, in the order made
	calls     map[string]int     // "unwrap", "renew", "datakey", "decrypt", "oauth2"
	wrapUsed  bool               //
	beforePut func(f *fakeCloud) // runs (locked) before a PutObject is served
	verifier  *sigv4.Verifier    //
	sigErrors []string           //
	bodies    map[string][]byte  // last request body by path, for assertions
	headers   map[string]http.Header
}

func newFakeCloud(t *testing.T) *fakeCloud {
	t.Helper()
	f := &fakeCloud{t: t, objects: map[string]string{}, dataKeys: map[string]string{}, calls: map[string]int{},
		bodies: map[string][]byte{}, headers: map[string]http.Header{}}
	f.verifier = &sigv4.Verifier{SinglePathEncoding: true, Secret: func(ak string) (string, bool) {
		return testSecretKey, ak == testAccessKeyID
	}}
	f.srv = httptest.NewTLSServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// caPEM is the certificate the stand-ins serve with.
func (f *fakeCloud) caPEM() string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.srv.Certificate().Raw}))
}

func (f *fakeCloud) count(name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[name]
}

func (f *fakeCloud) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.bodies[r.URL.Path], f.headers[r.URL.Path] = body, r.Header.Clone()
	switch {
	case strings.HasPrefix(r.URL.Path, "/v1/"):
		f.openBao(w, r, body)
	case r.URL.Path == "/auth/oauth2/token":
		f.oauth2(w, r, body)
	case strings.HasPrefix(r.URL.Path, "/api/"):
		f.okms(w, r, body)
	default:
		f.s3(w, r, body)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// newDataKey makes a data key and its wrapped form (locked).
func (f *fakeCloud) newDataKey(prefix string) (wrapped, plain string) {
	raw, id := make([]byte, 32), make([]byte, 12)
	_, _ = rand.Read(raw)
	_, _ = rand.Read(id)
	wrapped, plain = prefix+base64.RawURLEncoding.EncodeToString(id), base64.StdEncoding.EncodeToString(raw)
	f.dataKeys[wrapped] = plain
	f.made = append(f.made, plain)
	return wrapped, plain
}

func (f *fakeCloud) s3(w http.ResponseWriter, r *http.Request, body []byte) {
	if _, err := f.verifier.Verify(r, body); err != nil {
		f.sigErrors = append(f.sigErrors, err.Error())
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, "<Error><Code>SignatureDoesNotMatch</Code></Error>")
		return
	}
	key := strings.TrimPrefix(r.URL.Path, "/")
	switch r.Method {
	case http.MethodGet:
		obj, ok := f.objects[key]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, "<Error><Code>NoSuchKey</Code></Error>")
			return
		}
		_, _ = io.WriteString(w, obj)
	case http.MethodPut:
		f.puts = append(f.puts, r.Header.Clone())
		if f.beforePut != nil {
			f.beforePut(f)
		}
		if _, exists := f.objects[key]; exists && r.Header.Get("If-None-Match") == "*" {
			w.WriteHeader(http.StatusPreconditionFailed)
			_, _ = io.WriteString(w, "<Error><Code>PreconditionFailed</Code></Error>")
			return
		}
		f.objects[key] = string(body)
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

func (f *fakeCloud) openBao(w http.ResponseWriter, r *http.Request, body []byte) {
	token := r.Header.Get("X-Vault-Token")
	path := strings.TrimPrefix(r.URL.Path, "/v1/")
	denied := func() { writeJSON(w, http.StatusForbidden, map[string]any{"errors": []string{"permission denied"}}) }
	switch path {
	case "sys/wrapping/unwrap":
		f.calls["unwrap"]++
		if token != testWrappingToken || f.wrapUsed {
			writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []string{"wrapping token is not valid or does not exist"}})
			return
		}
		f.wrapUsed = true
		writeJSON(w, http.StatusOK, map[string]any{"auth": map[string]any{"client_token": testBaoToken, "renewable": true,
			"lease_duration": 86400, "policies": []string{"wh-gateway-gateway"}}})
	case "auth/token/renew-self":
		f.calls["renew"]++
		if token != testBaoToken {
			denied()
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"auth": map[string]any{"client_token": testBaoToken, "lease_duration": 86400}})
	case "transit/datakey/wrapped/" + testTransitKey:
		f.calls["datakey"]++
		var req struct{ Bits int }
		if token != testBaoToken {
			denied()
			return
		}
		if json.Unmarshal(body, &req) != nil || req.Bits != 256 {
			writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []string{"invalid bit length"}})
			return
		}
		wrapped, _ := f.newDataKey("vault:v1:")
		writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"ciphertext": wrapped, "key_version": 1}})
	case "transit/decrypt/" + testTransitKey:
		f.calls["decrypt"]++
		var req struct{ Ciphertext string }
		if token != testBaoToken {
			denied()
			return
		}
		_ = json.Unmarshal(body, &req)
		plain, ok := f.dataKeys[req.Ciphertext]
		if !ok {
			writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []string{"invalid ciphertext: unable to decrypt"}})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"plaintext": plain}})
	default:
		writeJSON(w, http.StatusNotFound, map[string]any{"errors": []string{}})
	}
}

func (f *fakeCloud) oauth2(w http.ResponseWriter, r *http.Request, body []byte) {
	f.calls["oauth2"]++
	id, secret, ok := r.BasicAuth()
	if form, err := url.ParseQuery(string(body)); err != nil || form.Get("grant_type") != "client_credentials" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type"})
		return
	}
	if !ok || id != testClientID || secret != testClientSecret {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client", "error_description": "client authentication failed"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"access_token": testBearer, "token_type": "Bearer", "expires_in": 3599, "scope": "all"})
}

func (f *fakeCloud) okms(w http.ResponseWriter, r *http.Request, body []byte) {
	plane := "/api/" + testOKMSID + "/v1/servicekey/" + testServiceKeyID + "/"
	if r.Header.Get("Authorization") != "Bearer "+testBearer {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error_code": 401, "errors": []string{"unauthorized"}})
		return
	}
	switch r.URL.Path {
	case plane + "datakey":
		f.calls["datakey"]++
		var req struct {
			Name string
			Size int
		}
		if json.Unmarshal(body, &req) != nil || req.Size != 256 {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error_code": 400, "errors": []string{"invalid size"}})
			return
		}
		wrapped, plain := f.newDataKey("eyJhbGciOiJkaXIifQ..")
		writeJSON(w, http.StatusCreated, map[string]any{"key": wrapped, "plaintext": plain})
	case plane + "datakey/decrypt":
		f.calls["decrypt"]++
		var req struct{ Key string }
		_ = json.Unmarshal(body, &req)
		plain, ok := f.dataKeys[req.Key]
		if !ok {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error_code": 400, "errors": []string{"cannot decrypt"}})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"plaintext": plain})
	default:
		writeJSON(w, http.StatusNotFound, map[string]any{"error_code": 404})
	}
}
