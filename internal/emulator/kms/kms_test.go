package kms_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/faults"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/kms"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// These tests speak raw HTTP to the emulated OpenBao transit engine and
// check the answers against the shapes, statuses and error texts of
// OpenBao's own transit engine (builtin/logical/transit).

const token = "s.test-token"

// clock is a settable server clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type bench struct {
	t      *testing.T
	url    string
	store  store.Store
	faults *faults.Injector
	clock  *clock
}

func start(t *testing.T) *bench {
	t.Helper()
	st := store.NewMemory()
	inj := faults.New()
	clk := &clock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	h := kms.New(kms.Options{Store: st, Faults: inj, Tokens: []string{token}, Now: clk.Now})
	mux := http.NewServeMux()
	mux.Handle(kms.Prefix+"/", h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &bench{t: t, url: srv.URL + kms.Prefix, store: st, faults: inj, clock: clk}
}

// answer is a decoded answer.
type answer struct {
	status int
	body   map[string]any
	raw    string
}

func (a answer) data() map[string]any {
	d, _ := a.body["data"].(map[string]any)
	return d
}

func (a answer) errors() []string {
	var out []string
	list, _ := a.body["errors"].([]any)
	for _, e := range list {
		s, _ := e.(string)
		out = append(out, s)
	}
	return out
}

func (b *bench) do(method, path string, body any) answer {
	b.t.Helper()
	return b.doToken(method, path, body, token)
}

func (b *bench) doToken(method, path string, body any, tok string) answer {
	b.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			b.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, b.url+path, rd)
	if err != nil {
		b.t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("X-Vault-Token", tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, raw: string(raw)}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &a.body); err != nil {
			b.t.Fatalf("%s %s: the answer is not JSON: %s", method, path, raw)
		}
	}
	return a
}

func expectStatus(t *testing.T, a answer, status int) {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d; body %s", a.status, status, a.raw)
	}
}

func expectError(t *testing.T, a answer, status int, text string) {
	t.Helper()
	expectStatus(t, a, status)
	errs := a.errors()
	if len(errs) != 1 || !strings.Contains(errs[0], text) {
		t.Fatalf("errors %q, want one containing %q", errs, text)
	}
}

func number(t *testing.T, m map[string]any, key string) int64 {
	t.Helper()
	f, ok := m[key].(float64)
	if !ok {
		t.Fatalf("%s is %v (%T), want a number", key, m[key], m[key])
	}
	return int64(f)
}

func TestTokens(t *testing.T) {
	t.Parallel()
	b := start(t)
	expectStatus(t, b.doToken(http.MethodGet, "/v1/sys/health", nil, ""), http.StatusOK)
	expectError(t, b.doToken(http.MethodGet, "/v1/transit/keys/k", nil, ""), http.StatusForbidden, "permission denied")
	expectError(t, b.doToken(http.MethodGet, "/v1/transit/keys/k", nil, "s.wrong"), http.StatusForbidden, "permission denied")
	expectStatus(t, b.do(http.MethodGet, "/v1/sys/mounts", nil), http.StatusOK)
}

func TestCreateReadSymmetricKey(t *testing.T) {
	t.Parallel()
	b := start(t)
	created := b.do(http.MethodPost, "/v1/transit/keys/wh-data", map[string]any{
		"type": "aes256-gcm96", "auto_rotate_period": "2160h", "exportable": false,
	})
	expectStatus(t, created, http.StatusOK)
	read := b.do(http.MethodGet, "/v1/transit/keys/wh-data", nil)
	expectStatus(t, read, http.StatusOK)
	d := read.data()
	if d["name"] != "wh-data" || d["type"] != "aes256-gcm96" || d["deletion_allowed"] != false || d["exportable"] != false {
		t.Fatalf("read %v", d)
	}
	if number(t, d, "latest_version") != 1 || number(t, d, "min_decryption_version") != 1 ||
		number(t, d, "auto_rotate_period") != 90*24*3600 {
		t.Fatalf("versions or period: %v", d)
	}
	if d["supports_encryption"] != true || d["supports_signing"] != false {
		t.Fatalf("capabilities: %v", d)
	}
	keys, ok := d["keys"].(map[string]any)
	if !ok || len(keys) != 1 || number(t, keys, "1") != b.clock.Now().Unix() {
		t.Fatalf("keys %v: want version 1 made now, as a Unix time", d["keys"])
	}
	if read.body["mount_type"] != "transit" || read.body["request_id"] == "" {
		t.Fatalf("envelope %v", read.body)
	}

	// The create call is an upsert: the existing key is answered, unchanged, with a warning.
	again := b.do(http.MethodPost, "/v1/transit/keys/wh-data", map[string]any{"type": "rsa-4096"})
	expectStatus(t, again, http.StatusOK)
	if again.data()["type"] != "aes256-gcm96" || !strings.Contains(again.raw, "key wh-data already existed") {
		t.Fatalf("upsert of an existing key: %s", again.raw)
	}
}

func TestAsymmetricKeysShowPublicKeysOnly(t *testing.T) {
	t.Parallel()
	b := start(t)
	expectStatus(t, b.do(http.MethodPost, "/v1/transit/keys/signer", map[string]any{"type": "ecdsa-p256"}), http.StatusOK)
	read := b.do(http.MethodGet, "/v1/transit/keys/signer", nil)
	expectStatus(t, read, http.StatusOK)
	keys, _ := read.data()["keys"].(map[string]any)
	v1, ok := keys["1"].(map[string]any)
	if !ok {
		t.Fatalf("keys %v", read.data()["keys"])
	}
	pub, _ := v1["public_key"].(string)
	if v1["name"] != "P-256" || !strings.HasPrefix(pub, "-----BEGIN PUBLIC KEY-----") {
		t.Fatalf("version 1: %v", v1)
	}
	created, _ := v1["creation_time"].(string)
	if _, err := time.Parse(time.RFC3339Nano, created); err != nil {
		t.Fatalf("creation_time: %v", err)
	}
	if strings.Contains(read.raw, "PRIVATE") {
		t.Fatal("a read shows private key material")
	}
	if read.data()["supports_encryption"] != false || read.data()["supports_signing"] != true {
		t.Fatalf("capabilities: %v", read.data())
	}
}

func TestCreateRefusals(t *testing.T) {
	t.Parallel()
	b := start(t)
	expectError(t, b.do(http.MethodPost, "/v1/transit/keys/k", map[string]any{"type": "aes512"}),
		http.StatusBadRequest, "unknown key type aes512")
	expectError(t, b.do(http.MethodPost, "/v1/transit/keys/k", map[string]any{"auto_rotate_period": "30m"}),
		http.StatusBadRequest, "auto rotate period must be 0 to disable or at least an hour")
	expectError(t, b.do(http.MethodPost, "/v1/transit/keys/k", map[string]any{"convergent_encryption": true}),
		http.StatusBadRequest, "convergent encryption requires derivation to be enabled")
	// Unknown parameters are ignored, with a warning.
	a := b.do(http.MethodPost, "/v1/transit/keys/k", map[string]any{"colour": "blue"})
	expectStatus(t, a, http.StatusOK)
	if !strings.Contains(a.raw, "Endpoint ignored these unrecognized parameters: [colour]") {
		t.Fatalf("warnings: %s", a.raw)
	}
}

func TestMissingKeys(t *testing.T) {
	t.Parallel()
	b := start(t)
	read := b.do(http.MethodGet, "/v1/transit/keys/nope", nil)
	expectStatus(t, read, http.StatusNotFound)
	if strings.TrimSpace(read.raw) != `{"errors":[]}` {
		t.Fatalf("a missing key's read answers %s, want {\"errors\":[]}", read.raw)
	}
	expectError(t, b.do(http.MethodPost, "/v1/transit/keys/nope/rotate", nil), http.StatusBadRequest, "key not found")
	expectError(t, b.do(http.MethodPost, "/v1/transit/keys/nope/config", map[string]any{"deletion_allowed": true}),
		http.StatusBadRequest, "no existing key named nope could be found")
	expectError(t, b.do(http.MethodDelete, "/v1/transit/keys/nope", nil),
		http.StatusBadRequest, "error deleting policy nope: could not delete policy; not found")
	expectError(t, b.do(http.MethodGet, "/v1/other/keys/nope", nil), http.StatusNotFound, `no handler for route "other/keys/nope"`)
	expectError(t, b.do(http.MethodPost, "/v1/transit/decrypt/nope", map[string]any{"ciphertext": "vault:v1:AAAA"}),
		http.StatusBadRequest, "encryption key not found")
	expectError(t, b.do(http.MethodPost, "/v1/transit/sign/nope", map[string]any{}), http.StatusNotFound, "unsupported path")
}

func TestDeletionNeedsDeletionAllowed(t *testing.T) {
	t.Parallel()
	b := start(t)
	expectStatus(t, b.do(http.MethodPost, "/v1/transit/keys/k", nil), http.StatusOK)
	expectError(t, b.do(http.MethodDelete, "/v1/transit/keys/k", nil),
		http.StatusBadRequest, "error deleting policy k: deletion is not allowed for this policy")
	cfg := b.do(http.MethodPost, "/v1/transit/keys/k/config", map[string]any{"deletion_allowed": true})
	expectStatus(t, cfg, http.StatusOK)
	if cfg.data()["deletion_allowed"] != true {
		t.Fatalf("config answer: %v", cfg.data())
	}
	expectStatus(t, b.do(http.MethodDelete, "/v1/transit/keys/k", nil), http.StatusNoContent)
	expectStatus(t, b.do(http.MethodGet, "/v1/transit/keys/k", nil), http.StatusNotFound)
}

func TestRotationAndVersions(t *testing.T) {
	t.Parallel()
	b := start(t)
	expectStatus(t, b.do(http.MethodPost, "/v1/transit/keys/k", nil), http.StatusOK)
	b.clock.Advance(time.Hour)
	rotated := b.do(http.MethodPost, "/v1/transit/keys/k/rotate", nil)
	expectStatus(t, rotated, http.StatusOK)
	d := rotated.data()
	keys, _ := d["keys"].(map[string]any)
	if number(t, d, "latest_version") != 2 || len(keys) != 2 || number(t, keys, "2") != b.clock.Now().Unix() {
		t.Fatalf("after a rotation: %v", d)
	}
	// Versions below min_decryption_version are refused above the latest.
	expectError(t, b.do(http.MethodPost, "/v1/transit/keys/k/config", map[string]any{"min_decryption_version": 3}),
		http.StatusBadRequest, "cannot set min decryption version of 3, latest key version is 2")
	// exportable is set once and for all.
	expectStatus(t, b.do(http.MethodPost, "/v1/transit/keys/k/config", map[string]any{"exportable": true}), http.StatusOK)
	after := b.do(http.MethodPost, "/v1/transit/keys/k/config", map[string]any{"exportable": false})
	if after.data()["exportable"] != true {
		t.Fatalf("exportable was unset: %v", after.data())
	}
}

func TestAutomaticRotationFollowsTheClock(t *testing.T) {
	t.Parallel()
	b := start(t)
	expectStatus(t, b.do(http.MethodPost, "/v1/transit/keys/k", map[string]any{"auto_rotate_period": 24 * 3600}), http.StatusOK)
	b.clock.Advance(23 * time.Hour)
	if v := number(t, b.do(http.MethodGet, "/v1/transit/keys/k", nil).data(), "latest_version"); v != 1 {
		t.Fatalf("rotated before its period: version %d", v)
	}
	b.clock.Advance(time.Hour)
	if v := number(t, b.do(http.MethodGet, "/v1/transit/keys/k", nil).data(), "latest_version"); v != 2 {
		t.Fatalf("not rotated after its period: version %d", v)
	}
	// Turning it off stops it.
	expectStatus(t, b.do(http.MethodPost, "/v1/transit/keys/k/config", map[string]any{"auto_rotate_period": 0}), http.StatusOK)
	b.clock.Advance(48 * time.Hour)
	if v := number(t, b.do(http.MethodGet, "/v1/transit/keys/k", nil).data(), "latest_version"); v != 2 {
		t.Fatalf("rotated with automatic rotation off: version %d", v)
	}
}

func TestList(t *testing.T) {
	t.Parallel()
	b := start(t)
	expectStatus(t, b.do("LIST", "/v1/transit/keys", nil), http.StatusNotFound)
	for _, n := range []string{"b", "a"} {
		expectStatus(t, b.do(http.MethodPost, "/v1/transit/keys/"+n, nil), http.StatusOK)
	}
	for _, method := range []string{"LIST", http.MethodGet} {
		path := "/v1/transit/keys"
		if method == http.MethodGet {
			path += "?list=true"
		}
		a := b.do(method, path, nil)
		expectStatus(t, a, http.StatusOK)
		if got, _ := json.Marshal(a.data()["keys"]); string(got) != `["a","b"]` {
			t.Fatalf("%s: keys %s", method, got)
		}
	}
}

func TestKeysLiveInTheSharedStore(t *testing.T) {
	t.Parallel()
	b := start(t)
	expectStatus(t, b.do(http.MethodPost, "/v1/transit/keys/k", nil), http.StatusOK)
	// An operator allows deletion out of band, through the store.
	err := b.store.Update(func(tx store.Tx) error {
		doc, ok := tx.Get(kms.CollectionKeys, "k")
		if !ok {
			t.Fatalf("the key is not in %s", kms.CollectionKeys)
		}
		var m map[string]any
		if err := json.Unmarshal(doc, &m); err != nil {
			return err
		}
		m["deletion_allowed"] = true
		return store.Put(tx, kms.CollectionKeys, "k", m)
	})
	if err != nil {
		t.Fatal(err)
	}
	if b.do(http.MethodGet, "/v1/transit/keys/k", nil).data()["deletion_allowed"] != true {
		t.Fatal("a change made in the store does not show")
	}
}

func TestFaultsAreInjectedByRoute(t *testing.T) {
	t.Parallel()
	b := start(t)
	expectStatus(t, b.do(http.MethodPost, "/v1/transit/keys/k", nil), http.StatusOK)
	if _, err := b.faults.Add(faults.Rule{Action: "openbao:POST /v1/transit/keys/{name}/rotate", Nth: 1, Statuses: []int{503}}); err != nil {
		t.Fatal(err)
	}
	expectError(t, b.do(http.MethodPost, "/v1/transit/keys/k/rotate", nil), http.StatusServiceUnavailable, "injected failure")
	if v := number(t, b.do(http.MethodGet, "/v1/transit/keys/k", nil).data(), "latest_version"); v != 1 {
		t.Fatalf("a failed rotation rotated: version %d", v)
	}
}
