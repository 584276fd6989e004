package kms_test

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/faults"
)

// These tests speak raw HTTP to the transit engine's cryptographic paths
// and check the answers against OpenBao's transit paths and keysutil
// (builtin/logical/transit/path_{encrypt,decrypt,rewrap,datakey}.go).

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func (b *bench) encrypt(key, plaintext string, extra map[string]any) string {
	b.t.Helper()
	body := map[string]any{"plaintext": b64(plaintext)}
	for k, v := range extra {
		body[k] = v
	}
	a := b.do(http.MethodPost, "/v1/transit/encrypt/"+key, body)
	expectStatus(b.t, a, http.StatusOK)
	ct, _ := a.data()["ciphertext"].(string)
	return ct
}

func (b *bench) decrypt(key, ciphertext string, extra map[string]any) answer {
	b.t.Helper()
	body := map[string]any{"ciphertext": ciphertext}
	for k, v := range extra {
		body[k] = v
	}
	return b.do(http.MethodPost, "/v1/transit/decrypt/"+key, body)
}

func plaintextOf(t *testing.T, a answer) string {
	t.Helper()
	expectStatus(t, a, http.StatusOK)
	p, _ := a.data()["plaintext"].(string)
	raw, err := base64.StdEncoding.DecodeString(p)
	if err != nil {
		t.Fatalf("plaintext %q is not base64: %v", p, err)
	}
	return string(raw)
}

func TestEncryptDecryptRoundTrip(t *testing.T) {
	t.Parallel()
	b := start(t)
	for _, keyType := range []string{"aes256-gcm96", "aes128-gcm96", "chacha20-poly1305", "rsa-2048"} {
		expectStatus(t, b.do(http.MethodPost, "/v1/transit/keys/"+keyType, map[string]any{"type": keyType}), http.StatusOK)
		a := b.do(http.MethodPost, "/v1/transit/encrypt/"+keyType, map[string]any{"plaintext": b64("patient 42")})
		expectStatus(t, a, http.StatusOK)
		ct, _ := a.data()["ciphertext"].(string)
		if !strings.HasPrefix(ct, "vault:v1:") || number(t, a.data(), "key_version") != 1 || strings.Contains(ct, b64("patient 42")) {
			t.Fatalf("%s: encrypt answered %v", keyType, a.data())
		}
		if again := b.encrypt(keyType, "patient 42", nil); again == ct {
			t.Fatalf("%s: two encryptions of one plaintext gave one ciphertext", keyType)
		}
		if got := plaintextOf(t, b.decrypt(keyType, ct, nil)); got != "patient 42" {
			t.Fatalf("%s: decrypted %q", keyType, got)
		}
	}
	// Associated data is authenticated with the AEAD types only.
	ct := b.encrypt("aes256-gcm96", "x", map[string]any{"associated_data": b64("row 7")})
	expectError(t, b.decrypt("aes256-gcm96", ct, nil), http.StatusBadRequest, "cipher: message authentication failed")
	if got := plaintextOf(t, b.decrypt("aes256-gcm96", ct, map[string]any{"associated_data": b64("row 7")})); got != "x" {
		t.Fatalf("with associated data: %q", got)
	}
	expectError(t, b.do(http.MethodPost, "/v1/transit/encrypt/rsa-2048", map[string]any{"plaintext": b64("x"), "associated_data": b64("a")}),
		http.StatusBadRequest, "'[0].associated_data' provided for non-AEAD cipher suite rsa-2048")
}

func TestDecryptRefusesWhatTheKeyDidNotMake(t *testing.T) {
	t.Parallel()
	b := start(t)
	for _, n := range []string{"a", "b"} {
		expectStatus(t, b.do(http.MethodPost, "/v1/transit/keys/"+n, nil), http.StatusOK)
	}
	ct := b.encrypt("a", "secret", nil)
	// Another key's ciphertext, and a tampered one, fail authentication.
	expectError(t, b.decrypt("b", ct, nil), http.StatusBadRequest, "cipher: message authentication failed")
	raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(ct, "vault:v1:"))
	raw[len(raw)-1] ^= 1
	expectError(t, b.decrypt("a", "vault:v1:"+base64.StdEncoding.EncodeToString(raw), nil),
		http.StatusBadRequest, "cipher: message authentication failed")
	for ciphertext, text := range map[string]string{
		"v1:" + strings.TrimPrefix(ct, "vault:v1:"): "invalid ciphertext: no prefix",
		"vault:v1":            "invalid ciphertext: wrong number of fields",
		"vault:vx:AAAA":       "invalid ciphertext: version number could not be decoded",
		"vault:v9:AAAA":       "invalid ciphertext: version is too new",
		"vault:v1:not b64!":   "invalid ciphertext: could not decode base64",
		"vault:v1:AAAAAAAA":   "invalid ciphertext length",
		"vault:v1:" + b64(""): "invalid ciphertext length",
	} {
		expectError(t, b.decrypt("a", ciphertext, nil), http.StatusBadRequest, text)
	}
	expectError(t, b.do(http.MethodPost, "/v1/transit/decrypt/a", map[string]any{}), http.StatusBadRequest, "missing ciphertext to decrypt")
	expectError(t, b.do(http.MethodPost, "/v1/transit/encrypt/a", map[string]any{}), http.StatusBadRequest, "missing plaintext to encrypt")
	expectError(t, b.do(http.MethodPost, "/v1/transit/encrypt/a", map[string]any{"plaintext": "not base64!"}),
		http.StatusBadRequest, "illegal base64 data at input byte 3")
	expectError(t, b.do(http.MethodGet, "/v1/transit/encrypt/a", nil), http.StatusMethodNotAllowed, "unsupported operation")
}

func TestVersionsRotationAndMinimums(t *testing.T) {
	t.Parallel()
	b := start(t)
	expectStatus(t, b.do(http.MethodPost, "/v1/transit/keys/k", nil), http.StatusOK)
	v1 := b.encrypt("k", "one", nil)
	expectStatus(t, b.do(http.MethodPost, "/v1/transit/keys/k/rotate", nil), http.StatusOK)
	v2 := b.encrypt("k", "two", nil)
	if !strings.HasPrefix(v2, "vault:v2:") {
		t.Fatalf("after a rotation: %s", v2)
	}
	if old := b.encrypt("k", "old", map[string]any{"key_version": 1}); !strings.HasPrefix(old, "vault:v1:") {
		t.Fatalf("key_version 1: %s", old)
	}
	expectError(t, b.do(http.MethodPost, "/v1/transit/encrypt/k", map[string]any{"plaintext": b64("x"), "key_version": 3}),
		http.StatusBadRequest, "requested version for encryption is higher than the latest key version")
	expectError(t, b.do(http.MethodPost, "/v1/transit/encrypt/k", map[string]any{"plaintext": b64("x"), "key_version": -1}),
		http.StatusBadRequest, "requested version for encryption is negative")
	if plaintextOf(t, b.decrypt("k", v1, nil)) != "one" || plaintextOf(t, b.decrypt("k", v2, nil)) != "two" {
		t.Fatal("both versions decrypt")
	}
	// rewrap moves a ciphertext to the latest version.
	rw := b.do(http.MethodPost, "/v1/transit/rewrap/k", map[string]any{"ciphertext": v1})
	expectStatus(t, rw, http.StatusOK)
	rewrapped, _ := rw.data()["ciphertext"].(string)
	if !strings.HasPrefix(rewrapped, "vault:v2:") || number(t, rw.data(), "key_version") != 2 || plaintextOf(t, b.decrypt("k", rewrapped, nil)) != "one" {
		t.Fatalf("rewrap: %v", rw.data())
	}
	// min_decryption_version retires version 1, min_encryption_version stops its use.
	expectStatus(t, b.do(http.MethodPost, "/v1/transit/keys/k/config", map[string]any{"min_decryption_version": 2, "min_encryption_version": 2}), http.StatusOK)
	expectError(t, b.decrypt("k", v1, nil), http.StatusBadRequest, "ciphertext or signature version is disallowed by policy (too old)")
	expectError(t, b.do(http.MethodPost, "/v1/transit/rewrap/k", map[string]any{"ciphertext": v1}),
		http.StatusBadRequest, "ciphertext or signature version is disallowed by policy (too old)")
	expectError(t, b.do(http.MethodPost, "/v1/transit/encrypt/k", map[string]any{"plaintext": b64("x"), "key_version": 1}),
		http.StatusBadRequest, "requested version for encryption is less than the minimum encryption key version")
	if plaintextOf(t, b.decrypt("k", v2, nil)) != "two" {
		t.Fatal("version 2 no longer decrypts")
	}
}

func TestAutomaticRotationReachesEncryption(t *testing.T) {
	t.Parallel()
	b := start(t)
	expectStatus(t, b.do(http.MethodPost, "/v1/transit/keys/k", map[string]any{"auto_rotate_period": "24h"}), http.StatusOK)
	v1 := b.encrypt("k", "before", nil)
	b.clock.Advance(25 * time.Hour)
	if v2 := b.encrypt("k", "after", nil); !strings.HasPrefix(v2, "vault:v2:") {
		t.Fatalf("encryption after the rotation period: %s", v2)
	}
	if plaintextOf(t, b.decrypt("k", v1, nil)) != "before" {
		t.Fatal("the first version no longer decrypts")
	}
}

// Deleting a key deletes its material: what it encrypted is gone for good,
// even under a new key of the same name (crypto-shredding).
func TestDeletingAKeyShredsItsCiphertexts(t *testing.T) {
	t.Parallel()
	b := start(t)
	expectStatus(t, b.do(http.MethodPost, "/v1/transit/keys/k", nil), http.StatusOK)
	ct := b.encrypt("k", "shred me", nil)
	expectStatus(t, b.do(http.MethodPost, "/v1/transit/keys/k/config", map[string]any{"deletion_allowed": true}), http.StatusOK)
	expectStatus(t, b.do(http.MethodDelete, "/v1/transit/keys/k", nil), http.StatusNoContent)
	expectError(t, b.decrypt("k", ct, nil), http.StatusBadRequest, "encryption key not found")
	expectError(t, b.do(http.MethodPost, "/v1/transit/rewrap/k", map[string]any{"ciphertext": ct}), http.StatusBadRequest, "encryption key not found")
	expectError(t, b.do(http.MethodPost, "/v1/transit/datakey/plaintext/k", nil), http.StatusBadRequest, "encryption key not found")
	expectStatus(t, b.do(http.MethodPost, "/v1/transit/keys/k", nil), http.StatusOK)
	expectError(t, b.decrypt("k", ct, nil), http.StatusBadRequest, "cipher: message authentication failed")
}

func TestEncryptUpsertsAndDerivesKeys(t *testing.T) {
	t.Parallel()
	b := start(t)
	// Encrypting with a missing key makes it, derived when a context comes.
	ctx := b64("tenant-a")
	ct := b.encrypt("auto", "hello", map[string]any{"context": ctx})
	read := b.do(http.MethodGet, "/v1/transit/keys/auto", nil)
	expectStatus(t, read, http.StatusOK)
	if d := read.data(); d["type"] != "aes256-gcm96" || d["derived"] != true || d["kdf"] != "hkdf_sha256" || d["convergent_encryption"] != false {
		t.Fatalf("the upserted key: %v", d)
	}
	expectError(t, b.decrypt("auto", ct, nil), http.StatusBadRequest, "missing 'context' for key derivation")
	expectError(t, b.decrypt("auto", ct, map[string]any{"context": b64("tenant-b")}), http.StatusBadRequest, "cipher: message authentication failed")
	if plaintextOf(t, b.decrypt("auto", ct, map[string]any{"context": ctx})) != "hello" {
		t.Fatal("the derived key does not decrypt with its context")
	}
	// Convergent keys give one ciphertext per plaintext and context.
	expectError(t, b.do(http.MethodPost, "/v1/transit/encrypt/conv", map[string]any{"plaintext": b64("x"), "convergent_encryption": true}),
		http.StatusBadRequest, "convergent encryption requires derivation to be enabled, so context is required")
	first := b.encrypt("conv", "same", map[string]any{"context": ctx, "convergent_encryption": true})
	if second := b.encrypt("conv", "same", map[string]any{"context": ctx}); second != first {
		t.Fatalf("convergent encryption gave %s then %s", first, second)
	}
	if other := b.encrypt("conv", "same", map[string]any{"context": b64("tenant-b")}); other == first {
		t.Fatal("convergent encryption ignores the context")
	}
	if plaintextOf(t, b.decrypt("conv", first, map[string]any{"context": ctx})) != "same" {
		t.Fatal("a convergent ciphertext does not decrypt")
	}
	// keys/:name takes derived too; signing types refuse derivation.
	expectStatus(t, b.do(http.MethodPost, "/v1/transit/keys/d", map[string]any{"derived": true, "type": "chacha20-poly1305"}), http.StatusOK)
	expectError(t, b.do(http.MethodPost, "/v1/transit/encrypt/d", map[string]any{"plaintext": b64("x")}),
		http.StatusBadRequest, "missing 'context' for key derivation")
	expectError(t, b.do(http.MethodPost, "/v1/transit/keys/e", map[string]any{"derived": true, "type": "ecdsa-p256"}),
		http.StatusInternalServerError, "key derivation and convergent encryption not supported for keys of type ecdsa-p256")
	expectError(t, b.do(http.MethodPost, "/v1/transit/encrypt/mixed", map[string]any{"batch_input": []any{
		map[string]any{"plaintext": b64("a"), "context": ctx}, map[string]any{"plaintext": b64("b")}}}),
		http.StatusBadRequest, "context should be set either in all the request blocks or in none")
}

func TestKeyTypesThatCannotEncrypt(t *testing.T) {
	t.Parallel()
	b := start(t)
	for _, keyType := range []string{"ecdsa-p256", "hmac"} {
		expectStatus(t, b.do(http.MethodPost, "/v1/transit/keys/"+keyType, map[string]any{"type": keyType}), http.StatusOK)
		expectError(t, b.do(http.MethodPost, "/v1/transit/encrypt/"+keyType, map[string]any{"plaintext": b64("x")}),
			http.StatusBadRequest, "message encryption not supported for key type "+keyType)
		expectError(t, b.decrypt(keyType, "vault:v1:AAAA", nil), http.StatusBadRequest, "message decryption not supported for key type "+keyType)
		expectError(t, b.do(http.MethodPost, "/v1/transit/datakey/wrapped/"+keyType, nil),
			http.StatusBadRequest, "message encryption not supported for key type "+keyType)
	}
	expectError(t, b.do(http.MethodPost, "/v1/transit/encrypt/new", map[string]any{"plaintext": b64("x"), "type": "ecdsa-p384"}),
		http.StatusBadRequest, "key type ecdsa-p384 not supported for this operation")
	expectError(t, b.do(http.MethodPost, "/v1/transit/encrypt/new", map[string]any{"plaintext": b64("x"), "type": "rsa-2048"}),
		http.StatusBadRequest, "unknown key type rsa-2048")
	expectStatus(t, b.do(http.MethodGet, "/v1/transit/keys/new", nil), http.StatusNotFound)
}

func TestBatches(t *testing.T) {
	t.Parallel()
	b := start(t)
	expectStatus(t, b.do(http.MethodPost, "/v1/transit/keys/k", nil), http.StatusOK)
	input := []any{
		map[string]any{"plaintext": b64("a"), "reference": "r1"},
		map[string]any{"plaintext": "not base64!", "reference": "r2"},
		map[string]any{"plaintext": b64("c"), "reference": "r3"},
	}
	a := b.do(http.MethodPost, "/v1/transit/encrypt/k", map[string]any{"batch_input": input})
	expectStatus(t, a, http.StatusBadRequest)
	results, _ := a.data()["batch_results"].([]any)
	if len(results) != 3 {
		t.Fatalf("batch results %v", a.data())
	}
	var ciphertexts []any
	for i, r := range results {
		m, _ := r.(map[string]any)
		if m["reference"] != []string{"r1", "r2", "r3"}[i] {
			t.Fatalf("item %d: %v", i, m)
		}
		if i == 1 {
			if e, _ := m["error"].(string); !strings.Contains(e, "illegal base64 data") || m["ciphertext"] != nil {
				t.Fatalf("the bad item: %v", m)
			}
			continue
		}
		ciphertexts = append(ciphertexts, map[string]any{"ciphertext": m["ciphertext"], "reference": m["reference"]})
	}
	partial := b.do(http.MethodPost, "/v1/transit/encrypt/k", map[string]any{"batch_input": input, "partial_failure_response_code": 207})
	expectStatus(t, partial, 207)

	d := b.do(http.MethodPost, "/v1/transit/decrypt/k", map[string]any{"batch_input": ciphertexts})
	expectStatus(t, d, http.StatusOK)
	out, _ := d.data()["batch_results"].([]any)
	for i, want := range []string{"a", "c"} {
		m, _ := out[i].(map[string]any)
		if p, _ := m["plaintext"].(string); p != b64(want) {
			t.Fatalf("decrypted item %d: %v", i, m)
		}
	}
	// An item without a ciphertext is a decoding error of the whole batch.
	expectError(t, b.do(http.MethodPost, "/v1/transit/decrypt/k", map[string]any{"batch_input": []any{map[string]any{}}}),
		http.StatusInternalServerError, "'[0].ciphertext' missing ciphertext to decrypt")
	expectError(t, b.do(http.MethodPost, "/v1/transit/encrypt/k", map[string]any{"batch_input": []any{}}),
		http.StatusBadRequest, "missing batch input to process")
	// rewrap answers 200 with the failures in the results.
	rw := b.do(http.MethodPost, "/v1/transit/rewrap/k", map[string]any{"batch_input": []any{
		ciphertexts[0], map[string]any{"ciphertext": "vault:v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAA"}}})
	expectStatus(t, rw, http.StatusOK)
	rr, _ := rw.data()["batch_results"].([]any)
	first, _ := rr[0].(map[string]any)
	second, _ := rr[1].(map[string]any)
	if ct, _ := first["ciphertext"].(string); !strings.HasPrefix(ct, "vault:v1:") || second["error"] != "cipher: message authentication failed" {
		t.Fatalf("rewrap batch: %v", rr)
	}
}

func TestDataKeys(t *testing.T) {
	t.Parallel()
	b := start(t)
	expectStatus(t, b.do(http.MethodPost, "/v1/transit/keys/k", nil), http.StatusOK)
	for bits, size := range map[int]int{128: 16, 256: 32, 512: 64} {
		a := b.do(http.MethodPost, "/v1/transit/datakey/plaintext/k", map[string]any{"bits": bits})
		expectStatus(t, a, http.StatusOK)
		p, _ := a.data()["plaintext"].(string)
		key, _ := base64.StdEncoding.DecodeString(p)
		ct, _ := a.data()["ciphertext"].(string)
		if len(key) != size || !strings.HasPrefix(ct, "vault:v1:") || number(t, a.data(), "key_version") != 1 {
			t.Fatalf("%d bits: %v", bits, a.data())
		}
		if got := plaintextOf(t, b.decrypt("k", ct, nil)); got != string(key) {
			t.Fatalf("%d bits: the wrapped key decrypts to another key", bits)
		}
	}
	wrapped := b.do(http.MethodPost, "/v1/transit/datakey/wrapped/k", nil)
	expectStatus(t, wrapped, http.StatusOK)
	if _, has := wrapped.data()["plaintext"]; has {
		t.Fatalf("a wrapped data key shows its plaintext: %v", wrapped.data())
	}
	expectError(t, b.do(http.MethodPost, "/v1/transit/datakey/plaintext/k", map[string]any{"bits": 100}), http.StatusBadRequest, "invalid bit length")
	expectError(t, b.do(http.MethodPost, "/v1/transit/datakey/clear/k", nil), http.StatusBadRequest, "Invalid path, must be 'plaintext' or 'wrapped'")
}

func TestCryptoFaultsAreInjectedByRoute(t *testing.T) {
	t.Parallel()
	b := start(t)
	ct := b.encrypt("k", "x", nil)
	if _, err := b.faults.Add(faults.Rule{Action: "openbao:POST /v1/transit/decrypt/{name}", Nth: 1, Statuses: []int{503}}); err != nil {
		t.Fatal(err)
	}
	expectError(t, b.decrypt("k", ct, nil), http.StatusServiceUnavailable, "injected failure")
	if plaintextOf(t, b.decrypt("k", ct, nil)) != "x" {
		t.Fatal("the second call failed too")
	}
}
