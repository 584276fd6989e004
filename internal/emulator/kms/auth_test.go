package kms_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/kms"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// These tests speak raw HTTP to the emulated OpenBao's token store, ACL
// policies and response wrapping, and check them against OpenBao's
// statuses and error texts (vault/token_store.go, vault/policy.go,
// vault/wrapping.go).

// doWrapped posts a request with the root token and asks for an answer
// wrapped for wrapTTL.
func (b *bench) doWrapped(path string, body any, wrapTTL string) answer {
	tok := token
	method := http.MethodPost
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
	if wrapTTL != "" {
		req.Header.Set(kms.WrapTTLHeader, wrapTTL)
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

func sub(t *testing.T, m map[string]any, key string) map[string]any {
	t.Helper()
	v, ok := m[key].(map[string]any)
	if !ok {
		t.Fatalf("%s is %v, want an object", key, m[key])
	}
	return v
}

// gatewayPolicy is a machine's right to one key's data keys.
const gatewayPolicy = `path "transit/datakey/wrapped/k1" {
  capabilities = ["update"]
}
path "transit/decrypt/k1" {
  capabilities = ["update"]
}
path "auth/token/renew-self" {
  capabilities = ["update"]
}
`

func TestPolicies_crud(t *testing.T) {
	t.Parallel()
	b := start(t)
	expectStatus(t, b.do(http.MethodPut, "/v1/sys/policies/acl/Gateway", map[string]any{"policy": gatewayPolicy}), http.StatusNoContent)
	got := b.do(http.MethodGet, "/v1/sys/policies/acl/gateway", nil)
	expectStatus(t, got, http.StatusOK)
	if got.data()["name"] != "gateway" || got.data()["policy"] != gatewayPolicy {
		t.Fatalf("read %v", got.data())
	}
	list := b.do("LIST", "/v1/sys/policies/acl", nil)
	expectStatus(t, list, http.StatusOK)
	if keys, _ := json.Marshal(list.data()["keys"]); string(keys) != `["default","gateway","root"]` {
		t.Fatalf("list %s", keys)
	}
	// The control API and tests see the stored policy.
	_ = b.store.View(func(tx store.Tx) error {
		if _, ok := tx.Get(kms.CollectionPolicies, "gateway"); !ok {
			t.Error("the policy is not in the store")
		}
		return nil
	})
	expectStatus(t, b.do(http.MethodDelete, "/v1/sys/policies/acl/gateway", nil), http.StatusNoContent)
	expectStatus(t, b.do(http.MethodGet, "/v1/sys/policies/acl/gateway", nil), http.StatusNotFound)
	expectStatus(t, b.do(http.MethodDelete, "/v1/sys/policies/acl/gateway", nil), http.StatusNoContent)
	expectError(t, b.do(http.MethodDelete, "/v1/sys/policies/acl/default", nil), http.StatusBadRequest, `cannot delete "default" policy`)
	expectError(t, b.do(http.MethodPut, "/v1/sys/policies/acl/root", map[string]any{"policy": gatewayPolicy}), http.StatusBadRequest,
		`cannot update "root" policy`)
}

func TestPolicies_badPolicyIsRefused(t *testing.T) {
	t.Parallel()
	b := start(t)
	for policy, want := range map[string]string{
		`path "transit/*" { capabilities = ["read"`:           "failed to parse policy",
		`path "transit/*" { capabilities = ["rotate"] }`:      `invalid capability "rotate"`,
		`path "transit/*" { capability = ["read"] }`:          `invalid key "capability"`,
		`paths "transit/*" { capabilities = ["read"] }`:       `invalid key "paths"`,
		`path "transit/+*" { capabilities = ["read"] }`:       "'+*' is forbidden",
		`path "transit/*" { policy = "everything" }`:          `invalid policy "everything"`,
		`path "transit/*" { capabilities = "read" }`:          "failed to parse policy",
		`path "transit/keys" { capabilities = ["read"] } x=1`: `invalid key "x"`,
	} {
		expectError(t, b.do(http.MethodPut, "/v1/sys/policies/acl/bad", map[string]any{"policy": policy}), http.StatusBadRequest, want)
	}
	expectError(t, b.do(http.MethodPut, "/v1/sys/policies/acl/bad", map[string]any{}), http.StatusBadRequest,
		"'policy' parameter not supplied or empty")
	expectStatus(t, b.do(http.MethodGet, "/v1/sys/policies/acl/bad", nil), http.StatusNotFound)
}

// createToken makes a token with policies as the root token.
func (b *bench) createToken(path string, params map[string]any) (token, accessor string) {
	b.t.Helper()
	a := b.do(http.MethodPost, path, params)
	expectStatus(b.t, a, http.StatusOK)
	auth := sub(b.t, a.body, "auth")
	token, _ = auth["client_token"].(string)
	accessor, _ = auth["accessor"].(string)
	if !strings.HasPrefix(token, "s.") || accessor == "" {
		b.t.Fatalf("auth %v", auth)
	}
	return token, accessor
}

func TestTokens_createLookupRenewRevoke(t *testing.T) {
	t.Parallel()
	b := start(t)
	expectStatus(t, b.do(http.MethodPut, "/v1/sys/policies/acl/gateway", map[string]any{"policy": gatewayPolicy}), http.StatusNoContent)
	tok, accessor := b.createToken("/v1/auth/token/create-orphan", map[string]any{
		"policies": []string{"gateway"}, "no_default_policy": true, "period": "24h", "display_name": "wh gateway", "renewable": true,
	})

	// The store holds the token's hash, never the token.
	_ = b.store.View(func(tx store.Tx) error {
		for _, it := range tx.List(kms.CollectionTokens) {
			if it.ID == tok || strings.Contains(string(it.Doc), tok) {
				t.Error("the store holds the token in clear")
			}
		}
		if len(tx.List(kms.CollectionTokens)) != 1 {
			t.Error("the token is not in the store")
		}
		return nil
	})

	look := b.do(http.MethodPost, "/v1/auth/token/lookup-accessor", map[string]any{"accessor": accessor})
	expectStatus(t, look, http.StatusOK)
	d := look.data()
	if d["id"] != "" || d["display_name"] != "token-wh-gateway" || d["orphan"] != true || number(t, d, "period") != 86400 ||
		number(t, d, "ttl") != 86400 || d["path"] != "auth/token/create-orphan" {
		t.Fatalf("lookup-accessor %v", d)
	}
	if pols, _ := json.Marshal(d["policies"]); string(pols) != `["gateway"]` {
		t.Fatalf("policies %s", pols)
	}

	// The token may renew itself, not look itself up (no default policy).
	b.clock.Advance(20 * time.Hour)
	renewed := b.doToken(http.MethodPost, "/v1/auth/token/renew-self", map[string]any{}, tok)
	expectStatus(t, renewed, http.StatusOK)
	if number(t, sub(t, renewed.body, "auth"), "lease_duration") != 86400 {
		t.Fatalf("renew %s", renewed.raw)
	}
	expectError(t, b.doToken(http.MethodGet, "/v1/auth/token/lookup-self", nil, tok), http.StatusForbidden, "permission denied")

	// A period without renewal ends the token.
	b.clock.Advance(25 * time.Hour)
	expectError(t, b.doToken(http.MethodPost, "/v1/auth/token/renew-self", map[string]any{}, tok), http.StatusForbidden, "permission denied")
	expectError(t, b.do(http.MethodPost, "/v1/auth/token/lookup-accessor", map[string]any{"accessor": accessor}),
		http.StatusBadRequest, "invalid accessor")

	// Revocation by accessor.
	other, otherAccessor := b.createToken("/v1/auth/token/create", map[string]any{"policies": []string{"gateway"}, "ttl": "1h"})
	self := b.doToken(http.MethodGet, "/v1/auth/token/lookup-self", nil, other)
	expectStatus(t, self, http.StatusOK) // the default policy allows it
	if self.data()["id"] != other || number(t, self.data(), "ttl") != 3600 {
		t.Fatalf("lookup-self %v", self.data())
	}
	expectStatus(t, b.do(http.MethodPost, "/v1/auth/token/revoke-accessor", map[string]any{"accessor": otherAccessor}), http.StatusNoContent)
	expectError(t, b.doToken(http.MethodGet, "/v1/auth/token/lookup-self", nil, other), http.StatusForbidden, "permission denied")
	expectError(t, b.do(http.MethodPost, "/v1/auth/token/revoke-accessor", map[string]any{"accessor": otherAccessor}),
		http.StatusBadRequest, "invalid accessor")
}

// A token without sudo on the create paths may give only its own policies,
// and neither an orphan nor a periodic token through create.
func TestTokens_nonRootCreationRules(t *testing.T) {
	t.Parallel()
	b := start(t)
	expectStatus(t, b.do(http.MethodPut, "/v1/sys/policies/acl/maker", map[string]any{"policy": `
path "auth/token/create" { capabilities = ["update"] }
path "auth/token/create-orphan" { capabilities = ["update"] }
`}), http.StatusNoContent)
	maker, _ := b.createToken("/v1/auth/token/create", map[string]any{"policies": []string{"maker"}})
	expectError(t, b.doToken(http.MethodPost, "/v1/auth/token/create", map[string]any{"policies": []string{"gateway"}}, maker),
		http.StatusBadRequest, "child policies must be subset of parent")
	expectError(t, b.doToken(http.MethodPost, "/v1/auth/token/create", map[string]any{"no_parent": true}, maker),
		http.StatusBadRequest, "root or sudo privileges required to create orphan token")
	expectError(t, b.doToken(http.MethodPost, "/v1/auth/token/create-orphan", map[string]any{"period": "1h"}, maker),
		http.StatusBadRequest, "root or sudo privileges required to create periodic token")
	expectStatus(t, b.doToken(http.MethodPost, "/v1/auth/token/create-orphan", map[string]any{"ttl": "1h"}, maker), http.StatusOK)
	expectError(t, b.doToken("LIST", "/v1/sys/policies/acl", nil, maker), http.StatusForbidden, "permission denied")
}

// unwrap trades a wrapping token for the answer it wraps.
func (b *bench) unwrap(wrapping string) answer {
	b.t.Helper()
	return b.doToken(http.MethodPost, "/v1/sys/wrapping/unwrap", map[string]any{}, wrapping)
}

func TestWrapping_scopedTokenMakesDataKeysOnItsKeyOnly(t *testing.T) {
	t.Parallel()
	b := start(t)
	expectStatus(t, b.do(http.MethodPost, "/v1/transit/keys/k1", nil), http.StatusOK)
	expectStatus(t, b.do(http.MethodPost, "/v1/transit/keys/k2", nil), http.StatusOK)
	expectStatus(t, b.do(http.MethodPut, "/v1/sys/policies/acl/gateway", map[string]any{"policy": gatewayPolicy}), http.StatusNoContent)

	wrapped := b.doWrapped("/v1/auth/token/create-orphan", map[string]any{
		"policies": []string{"gateway"}, "no_default_policy": true, "period": "24h",
	}, "1h")
	expectStatus(t, wrapped, http.StatusOK)
	info := sub(t, wrapped.body, "wrap_info")
	wrapping, _ := info["token"].(string)
	if wrapped.body["auth"] != nil || wrapped.body["data"] != nil || wrapping == "" || number(t, info, "ttl") != 3600 ||
		info["creation_path"] != "auth/token/create-orphan" || info["wrapped_accessor"] == "" || info["accessor"] == "" {
		t.Fatalf("wrapped answer %s", wrapped.raw)
	}

	// Anyone may look the wrapping token up; it can do nothing but unwrap.
	look := b.doToken(http.MethodPost, "/v1/sys/wrapping/lookup", map[string]any{"token": wrapping}, "")
	expectStatus(t, look, http.StatusOK)
	if look.data()["creation_path"] != "auth/token/create-orphan" || number(t, look.data(), "creation_ttl") != 3600 {
		t.Fatalf("lookup %v", look.data())
	}
	expectError(t, b.doToken(http.MethodPost, "/v1/transit/datakey/wrapped/k1", map[string]any{}, wrapping), http.StatusForbidden,
		"permission denied")

	unwrapped := b.unwrap(wrapping)
	expectStatus(t, unwrapped, http.StatusOK)
	auth := sub(t, unwrapped.body, "auth")
	scoped, _ := auth["client_token"].(string)
	if auth["accessor"] != info["wrapped_accessor"] || scoped == "" {
		t.Fatalf("unwrapped %s", unwrapped.raw)
	}
	// Single use.
	expectError(t, b.unwrap(wrapping), http.StatusBadRequest, "wrapping token is not valid or does not exist")
	expectError(t, b.doToken(http.MethodPost, "/v1/sys/wrapping/lookup", map[string]any{"token": wrapping}, ""),
		http.StatusBadRequest, "wrapping token is not valid or does not exist")

	dk := b.doToken(http.MethodPost, "/v1/transit/datakey/wrapped/k1", map[string]any{}, scoped)
	expectStatus(t, dk, http.StatusOK)
	if dk.data()["plaintext"] != nil {
		t.Fatalf("a wrapped data key shows its plaintext: %v", dk.data())
	}
	dec := b.doToken(http.MethodPost, "/v1/transit/decrypt/k1", map[string]any{"ciphertext": dk.data()["ciphertext"]}, scoped)
	expectStatus(t, dec, http.StatusOK)
	if dec.data()["plaintext"] == "" {
		t.Fatalf("decrypt %v", dec.data())
	}
	for _, call := range []struct{ method, path string }{
		{http.MethodPost, "/v1/transit/datakey/wrapped/k2"},
		{http.MethodPost, "/v1/transit/decrypt/k2"},
		{http.MethodPost, "/v1/transit/datakey/plaintext/k1"},
		{http.MethodPost, "/v1/transit/encrypt/k1"},
		{http.MethodGet, "/v1/transit/keys/k1"},
		{http.MethodPost, "/v1/transit/keys/k1/rotate"},
		{http.MethodPost, "/v1/transit/keys/k1/config"},
		{http.MethodDelete, "/v1/transit/keys/k1"},
		{"LIST", "/v1/transit/keys"},
		{http.MethodPut, "/v1/sys/policies/acl/gateway"},
	} {
		expectError(t, b.doToken(call.method, call.path, map[string]any{"plaintext": "aGk=", "policy": "x"}, scoped),
			http.StatusForbidden, "permission denied")
	}
	// Editing the policy changes what the token may do at once.
	expectStatus(t, b.do(http.MethodPut, "/v1/sys/policies/acl/gateway", map[string]any{
		"policy": `path "transit/+/k2" { capabilities = ["update"] }`}), http.StatusNoContent)
	expectError(t, b.doToken(http.MethodPost, "/v1/transit/datakey/wrapped/k1", map[string]any{}, scoped), http.StatusForbidden,
		"permission denied")
	expectStatus(t, b.doToken(http.MethodPost, "/v1/transit/encrypt/k2", map[string]any{"plaintext": "aGk="}, scoped), http.StatusOK)
}

func TestWrapping_expiresOnTheClock(t *testing.T) {
	t.Parallel()
	b := start(t)
	wrapped := b.doWrapped("/v1/auth/token/create", map[string]any{"ttl": "1h"}, "300")
	wrapping, _ := sub(t, wrapped.body, "wrap_info")["token"].(string)
	b.clock.Advance(5 * time.Minute)
	expectError(t, b.unwrap(wrapping), http.StatusBadRequest, "wrapping token is not valid or does not exist")

	// Any answer can be wrapped, and a stored wrapped answer reveals nothing.
	expectStatus(t, b.do(http.MethodPost, "/v1/transit/keys/k1", nil), http.StatusOK)
	dk := b.doWrapped("/v1/transit/datakey/plaintext/k1", map[string]any{}, "1m")
	wrapping, _ = sub(t, dk.body, "wrap_info")["token"].(string)
	if sub(t, dk.body, "wrap_info")["wrapped_accessor"] != "" {
		t.Fatalf("a data key's wrap_info names an accessor: %s", dk.raw)
	}
	_ = b.store.View(func(tx store.Tx) error {
		for _, it := range tx.List(kms.CollectionTokens) {
			if strings.Contains(string(it.Doc), `"plaintext":`) || strings.Contains(string(it.Doc), wrapping) {
				t.Errorf("the store shows the wrapped answer or the wrapping token: %s", it.Doc)
			}
		}
		return nil
	})
	out := b.unwrap(wrapping)
	expectStatus(t, out, http.StatusOK)
	if out.data()["plaintext"] == nil || out.data()["ciphertext"] == nil {
		t.Fatalf("unwrapped data key %s", out.raw)
	}
	// Errors are not wrapped.
	expectError(t, b.doWrapped("/v1/transit/decrypt/k1", map[string]any{"ciphertext": "nope"}, "1m"),
		http.StatusBadRequest, "invalid ciphertext")
}

func TestACL_globsAndSegmentWildcards(t *testing.T) {
	t.Parallel()
	b := start(t)
	expectStatus(t, b.do(http.MethodPost, "/v1/transit/keys/a1", nil), http.StatusOK)
	expectStatus(t, b.do(http.MethodPost, "/v1/transit/keys/b1", nil), http.StatusOK)
	expectStatus(t, b.do(http.MethodPut, "/v1/sys/policies/acl/reader", map[string]any{"policy": `
path "transit/keys/*" { capabilities = ["read", "list"] }
path "transit/keys/b*" { capabilities = ["deny"] }
path "transit/+/a1" { capabilities = ["update"] }
`}), http.StatusNoContent)
	tok, _ := b.createToken("/v1/auth/token/create", map[string]any{"policies": []string{"reader"}})
	expectStatus(t, b.doToken(http.MethodGet, "/v1/transit/keys/a1", nil, tok), http.StatusOK)
	expectError(t, b.doToken(http.MethodGet, "/v1/transit/keys/b1", nil, tok), http.StatusForbidden, "permission denied")
	// transit/keys/* is more specific than transit/+/a1 (its first wildcard
	// comes later): no update on the key through it.
	expectError(t, b.doToken(http.MethodPost, "/v1/transit/keys/a1", map[string]any{}, tok), http.StatusForbidden, "permission denied")
	expectStatus(t, b.doToken(http.MethodPost, "/v1/transit/encrypt/a1", map[string]any{"plaintext": "aGk="}, tok), http.StatusOK)
	expectError(t, b.doToken(http.MethodPost, "/v1/transit/encrypt/a2", map[string]any{"plaintext": "aGk="}, tok), http.StatusForbidden,
		"permission denied")
}
