package ovh_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // the OVH signature is SHA-1 by definition
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/faults"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/ovh"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// These tests speak raw, signed HTTP to the emulated OKMS routes of the
// OVHcloud API v2.

const (
	okmsID = "00000000-0000-4000-8000-00000000e001"
	ak     = "okmstestappkey01"
	as     = "okmstestappsecret000000000000001"
	ck     = "okmstestconsumerkey0000000000001"
)

type okmsBench struct {
	t   *testing.T
	url string
	st  store.Store
	mu  sync.Mutex
	now time.Time
}

func startOKMS(t *testing.T) *okmsBench {
	t.Helper()
	b := &okmsBench{t: t, st: store.NewMemory(), now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	h := ovh.New(ovh.Options{Store: b.st, Faults: faults.New(), Now: b.clock, Accounts: []ovh.Account{{
		NicHandle: "ok00001-ovh", ApplicationKey: ak, ApplicationSecret: as, ConsumerKey: ck,
		OKMS: []ovh.OKMS{{ID: okmsID, Region: "eu-west-par", Name: "warehouse-kms"}},
	}}})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	b.url = srv.URL
	return b
}

func (b *okmsBench) clock() time.Time { b.mu.Lock(); defer b.mu.Unlock(); return b.now }

func (b *okmsBench) tick() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.now = b.now.Add(time.Second)
}

type okmsAnswer struct {
	status int
	header http.Header
	raw    []byte
}

func (a okmsAnswer) object(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(a.raw, &m); err != nil {
		t.Fatalf("the answer is not an object: %s", a.raw)
	}
	return m
}

// call sends a signed request; headers are extra request headers.
func (b *okmsBench) call(method, path string, body any, headers ...string) okmsAnswer {
	b.t.Helper()
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			b.t.Fatal(err)
		}
	}
	target := b.url + path
	req, err := http.NewRequestWithContext(context.Background(), method, target, bytes.NewReader(raw))
	if err != nil {
		b.t.Fatal(err)
	}
	ts := b.clock().Unix()
	sum := sha1.Sum([]byte(fmt.Sprintf("%s+%s+%s+%s+%s+%d", as, ck, method, target, raw, ts))) //nolint:gosec // see import
	req.Header.Set("X-Ovh-Application", ak)
	req.Header.Set("X-Ovh-Consumer", ck)
	req.Header.Set("X-Ovh-Timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("X-Ovh-Signature", "$1$"+hex.EncodeToString(sum[:]))
	if body != nil {
		req.Header.Set("Content-Type", "application/json;charset=utf-8")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return okmsAnswer{status: resp.StatusCode, header: resp.Header, raw: out}
}

func expectOVHError(t *testing.T, a okmsAnswer, status int, class, text string) {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d: %s", a.status, status, a.raw)
	}
	var e struct{ Class, Message string }
	if err := json.Unmarshal(a.raw, &e); err != nil || e.Class != class || !strings.Contains(e.Message, text) {
		t.Fatalf("error %s, want class %s and a message containing %q", a.raw, class, text)
	}
	if !strings.HasPrefix(a.header.Get("X-Ovh-QueryID"), "EU.") {
		t.Fatalf("no X-Ovh-QueryID on the error: %v", a.header)
	}
}

const keysPath = "/v2/okms/resource/" + okmsID + "/serviceKey"

func (b *okmsBench) create(body map[string]any) map[string]any {
	b.t.Helper()
	b.tick()
	a := b.call(http.MethodPost, keysPath, body)
	if a.status != http.StatusOK {
		b.t.Fatalf("create: %d %s", a.status, a.raw)
	}
	return a.object(b.t)
}

func TestOKMSResource(t *testing.T) {
	t.Parallel()
	b := startOKMS(t)
	a := b.call(http.MethodGet, "/v2/okms/resource/"+okmsID, nil)
	o := a.object(t)
	if a.status != http.StatusOK || o["id"] != okmsID || o["region"] != "eu-west-par" ||
		o["restEndpoint"] != "https://eu-west-par.okms.ovh.net" || o["kmipEndpoint"] != "eu-west-par.okms.ovh.net:5696" {
		t.Fatalf("the KMS: %d %s", a.status, a.raw)
	}
	if iam, _ := o["iam"].(map[string]any); iam["urn"] != "urn:v1:eu:resource:okms:"+okmsID {
		t.Fatalf("iam: %v", o["iam"])
	}
	expectOVHError(t, b.call(http.MethodGet, "/v2/okms/resource/00000000-0000-4000-8000-0000000000ff", nil),
		http.StatusNotFound, "Client::NotFound", "does not exist")
	// Unsigned calls are refused like any other.
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, b.url+"/v2/okms/resource/"+okmsID, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unsigned call: %d", resp.StatusCode)
	}
}

func TestServiceKeyLifecycle(t *testing.T) {
	t.Parallel()
	b := startOKMS(t)
	k := b.create(map[string]any{"name": "wh-key", "type": "oct", "size": 256, "operations": []string{"encrypt", "decrypt"}})
	id, _ := k["id"].(string)
	if len(id) != 36 || k["state"] != "ACTIVE" || k["name"] != "wh-key" || k["type"] != "oct" || k["size"] != float64(256) {
		t.Fatalf("created: %v", k)
	}
	if created, _ := k["createdAt"].(string); !strings.HasSuffix(created, "Z") {
		t.Fatalf("createdAt %q", created)
	} else if _, err := time.Parse(time.RFC3339, created); err != nil {
		t.Fatalf("createdAt: %v", err)
	}
	if iam, _ := k["iam"].(map[string]any); iam["urn"] != "urn:v1:eu:resource:okms:"+okmsID+"/serviceKey/"+id {
		t.Fatalf("iam: %v", k["iam"])
	}
	got := b.call(http.MethodGet, keysPath+"/"+id, nil)
	if got.status != http.StatusOK || bytes.Contains(got.raw, []byte(`"keys"`)) || bytes.Contains(got.raw, []byte(`"k"`)) {
		t.Fatalf("get: %d %s (no key material expected)", got.status, got.raw)
	}

	// An active key cannot be deleted; deactivation needs a reason.
	expectOVHError(t, b.call(http.MethodDelete, keysPath+"/"+id, nil), http.StatusBadRequest, "Client::BadRequest", "deactivate it before deleting it")
	expectOVHError(t, b.call(http.MethodPut, keysPath+"/"+id, map[string]any{"state": "DEACTIVATED"}),
		http.StatusBadRequest, "Client::BadRequest", "[deactivationReason]")
	put := b.call(http.MethodPut, keysPath+"/"+id, map[string]any{"state": "DEACTIVATED", "deactivationReason": "CESSATION_OF_OPERATION"})
	if put.status != http.StatusOK || put.object(t)["state"] != "DEACTIVATED" || put.object(t)["deactivationReason"] != "CESSATION_OF_OPERATION" {
		t.Fatalf("deactivate: %d %s", put.status, put.raw)
	}
	// A deactivated key can be activated again.
	if a := b.call(http.MethodPut, keysPath+"/"+id, map[string]any{"state": "ACTIVE"}); a.object(t)["state"] != "ACTIVE" {
		t.Fatalf("activate: %s", a.raw)
	}
	b.call(http.MethodPut, keysPath+"/"+id, map[string]any{"state": "DEACTIVATED", "deactivationReason": "SUPERSEDED"})
	if a := b.call(http.MethodDelete, keysPath+"/"+id, nil); a.status != http.StatusOK {
		t.Fatalf("delete: %d %s", a.status, a.raw)
	}
	expectOVHError(t, b.call(http.MethodGet, keysPath+"/"+id, nil), http.StatusNotFound, "Client::NotFound", id)
	expectOVHError(t, b.call(http.MethodDelete, keysPath+"/"+id, nil), http.StatusNotFound, "Client::NotFound", id)
}

func TestCompromisedKeysStayCompromised(t *testing.T) {
	t.Parallel()
	b := startOKMS(t)
	k := b.create(map[string]any{"name": "signer", "type": "EC", "curve": "P-384", "operations": []string{"sign", "verify"}})
	id, _ := k["id"].(string)
	if a := b.call(http.MethodPut, keysPath+"/"+id, map[string]any{"state": "COMPROMISED"}); a.object(t)["state"] != "COMPROMISED" {
		t.Fatalf("compromise: %s", a.raw)
	}
	expectOVHError(t, b.call(http.MethodPut, keysPath+"/"+id, map[string]any{"state": "ACTIVE"}),
		http.StatusBadRequest, "Client::BadRequest", "cannot be activated again")
	if a := b.call(http.MethodDelete, keysPath+"/"+id, nil); a.status != http.StatusOK {
		t.Fatalf("a compromised key can be deleted: %d %s", a.status, a.raw)
	}
}

func TestServiceKeyCreationIsChecked(t *testing.T) {
	t.Parallel()
	b := startOKMS(t)
	for _, c := range []struct {
		body map[string]any
		text string
	}{
		{map[string]any{"type": "oct", "size": 256, "operations": []string{"encrypt"}}, "[name] Property is mandatory"},
		{map[string]any{"name": strings.Repeat("n", 33), "type": "oct", "size": 256, "operations": []string{"encrypt"}}, "[name] Length"},
		{map[string]any{"name": "k", "type": "AES", "size": 256, "operations": []string{"encrypt"}}, "[type]"},
		{map[string]any{"name": "k", "type": "oct", "size": 512, "operations": []string{"encrypt"}}, "[size]"},
		{map[string]any{"name": "k", "type": "oct", "curve": "P-256", "size": 256, "operations": []string{"encrypt"}}, "[curve]"},
		{map[string]any{"name": "k", "type": "EC", "size": 256, "curve": "P-256", "operations": []string{"sign"}}, "[size]"},
		{map[string]any{"name": "k", "type": "EC", "curve": "P-256", "operations": []string{"encrypt"}}, "[operations]"},
		{map[string]any{"name": "k", "type": "oct", "size": 256, "operations": []string{"sign"}}, "[operations]"},
		{map[string]any{"name": "k", "type": "oct", "size": 256, "operations": []string{"encrypt"}, "colour": "blue"}, "[colour] Unknown property"},
	} {
		expectOVHError(t, b.call(http.MethodPost, keysPath, c.body), http.StatusBadRequest, "Client::BadRequest", c.text)
	}
	var count int
	_ = b.st.View(func(tx store.Tx) error { count = len(tx.List("ovh.okms_service_keys")); return nil })
	if count != 0 {
		t.Fatalf("%d keys stored by refused creations", count)
	}
}

func TestServiceKeyListPages(t *testing.T) {
	t.Parallel()
	b := startOKMS(t)
	made := map[string]bool{}
	for i := range 12 {
		k := b.create(map[string]any{"name": fmt.Sprintf("k%02d", i), "type": "oct", "size": 256, "operations": []string{"wrapKey", "unwrapKey"}})
		id, _ := k["id"].(string)
		made[id] = true
	}
	seen := map[string]bool{}
	cursor, pages := "", 0
	for {
		headers := []string{"X-Pagination-Size", "5"}
		if cursor != "" {
			headers = append(headers, "X-Pagination-Cursor", cursor)
		}
		a := b.call(http.MethodGet, keysPath, nil, headers...)
		var page []map[string]any
		if a.status != http.StatusOK || json.Unmarshal(a.raw, &page) != nil {
			t.Fatalf("list: %d %s", a.status, a.raw)
		}
		pages++
		for _, k := range page {
			id, _ := k["id"].(string)
			if seen[id] {
				t.Fatalf("%s listed twice", id)
			}
			seen[id] = true
		}
		cursor = a.header.Get("X-Pagination-Cursor-Next")
		if cursor == "" {
			break
		}
		if pages > 5 {
			t.Fatal("the cursor never ends")
		}
	}
	if pages != 3 || len(seen) != len(made) {
		t.Fatalf("%d pages, %d keys; want 3 pages and %d keys", pages, len(seen), len(made))
	}
	expectOVHError(t, b.call(http.MethodGet, keysPath, nil, "X-Pagination-Size", "1000"), http.StatusBadRequest, "Client::BadRequest", "X-Pagination-Size")
}

func TestSeededKMSAreChecked(t *testing.T) {
	t.Parallel()
	if err := ovh.CheckOKMS(ovh.OKMS{ID: okmsID, Region: "eu-west-par"}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []ovh.OKMS{{ID: "kms-1", Region: "eu-west-par"}, {ID: okmsID, Region: "EU-WEST-PAR"}, {ID: okmsID, Region: "GRA11"}} {
		if err := ovh.CheckOKMS(bad); err == nil {
			t.Errorf("CheckOKMS(%+v) accepted", bad)
		}
	}
}

// The KMS's public CAs come only with ?publicCA=true, as the Control Panel
// and ovh/terraform-provider-ovh ask for them, and stay the same.
func TestOKMSPublicCAOnlyWhenAsked(t *testing.T) {
	t.Parallel()
	b := startOKMS(t)
	path := "/v2/okms/resource/" + okmsID
	for _, query := range []string{"", "?publicCA=false", "?publicca=true"} {
		a := b.call(http.MethodGet, path+query, nil)
		o := a.object(t)
		if _, has := o["publicCA"]; a.status != http.StatusOK || has || o["publicRsaCA"] != nil {
			t.Fatalf("GET %s: %d %s (no CA expected)", query, a.status, a.raw)
		}
	}
	first := b.call(http.MethodGet, path+"?publicCA=true", nil).object(t)
	for _, field := range []string{"publicCA", "publicRsaCA"} {
		text, _ := first[field].(string)
		block, _ := pem.Decode([]byte(text))
		if block == nil || block.Type != "CERTIFICATE" {
			t.Fatalf("%s is not a PEM certificate: %q", field, text)
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil || !cert.IsCA || cert.CheckSignatureFrom(cert) != nil {
			t.Fatalf("%s: not a self-signed CA (%v)", field, err)
		}
	}
	if first["id"] != okmsID || first["restEndpoint"] != "https://eu-west-par.okms.ovh.net" {
		t.Fatalf("the KMS's other fields: %v", first)
	}
	again := b.call(http.MethodGet, path+"?publicCA=true", nil).object(t)
	if again["publicCA"] != first["publicCA"] || again["publicRsaCA"] != first["publicRsaCA"] {
		t.Fatal("the CAs changed between two reads")
	}
	expectOVHError(t, b.call(http.MethodGet, path+"?publicCA=maybe", nil), http.StatusBadRequest, "Client::BadRequest", "[publicCA]")
}

func iamTags(t *testing.T, k map[string]any) map[string]any {
	t.Helper()
	iam, _ := k["iam"].(map[string]any)
	tags, _ := iam["tags"].(map[string]any)
	return tags
}

// A key read with ?format=JWK or PEM shows its public half only, as
// ovh_okms_service_key_jwk and the _jwk and _pem data sources read them.
func TestServiceKeyFormats(t *testing.T) {
	t.Parallel()
	b := startOKMS(t)
	rsaKey := b.create(map[string]any{"name": "signer-rsa", "type": "RSA", "size": 2048, "operations": []string{"sign", "verify"}})
	ecKey := b.create(map[string]any{"name": "signer-ec", "type": "EC", "curve": "P-256", "operations": []string{"sign", "verify"}})
	octKey := b.create(map[string]any{"name": "data", "type": "oct", "size": 256, "operations": []string{"encrypt", "decrypt"}, "context": "ctx"})
	if tags := iamTags(t, rsaKey); tags["ovh:type"] != "RSA" || tags["ovh:state"] != "ACTIVE" {
		t.Fatalf("iam tags: %v", rsaKey["iam"])
	}
	if octKey["context"] != "ctx" || rsaKey["context"] != nil {
		t.Fatalf("context: %v, %v", octKey["context"], rsaKey["context"])
	}
	jwkOf := func(k map[string]any) map[string]any {
		t.Helper()
		id, _ := k["id"].(string)
		a := b.call(http.MethodGet, keysPath+"/"+id+"?format=JWK", nil)
		o := a.object(t)
		keys, _ := o["keys"].([]any)
		if a.status != http.StatusOK || len(keys) != 1 || o["name"] != k["name"] || o["createdAt"] != k["createdAt"] {
			t.Fatalf("JWK of %s: %d %s", k["name"], a.status, a.raw)
		}
		j, _ := keys[0].(map[string]any)
		for _, secret := range []string{"d", "k", "p", "q", "dp", "dq", "qi", "alg", "use"} {
			if _, has := j[secret]; has {
				t.Fatalf("the JWK of %s shows %s: %v", k["name"], secret, j)
			}
		}
		if j["kid"] != id || j["kty"] != k["type"] || fmt.Sprint(j["key_ops"]) != fmt.Sprint(k["operations"]) {
			t.Fatalf("JWK of %s: %v", k["name"], j)
		}
		return j
	}
	if j := jwkOf(rsaKey); j["e"] != "AQAB" || j["n"] == nil || j["crv"] != nil {
		t.Fatalf("RSA JWK: %v", j)
	}
	if j := jwkOf(ecKey); j["crv"] != "P-256" || j["x"] == nil || j["y"] == nil || j["n"] != nil {
		t.Fatalf("EC JWK: %v", j)
	}
	if j := jwkOf(octKey); len(j) != 3 {
		t.Fatalf("a symmetric key's JWK shows material: %v", j)
	}
	for _, k := range []map[string]any{rsaKey, ecKey} {
		id, _ := k["id"].(string)
		var got struct {
			KeysPEM []struct{ PEM string } `json:"keysPEM"`
		}
		a := b.call(http.MethodGet, keysPath+"/"+id+"?format=PEM", nil)
		if err := json.Unmarshal(a.raw, &got); err != nil || len(got.KeysPEM) != 1 {
			t.Fatalf("PEM of %s: %s", k["name"], a.raw)
		}
		block, _ := pem.Decode([]byte(got.KeysPEM[0].PEM))
		if block == nil || block.Type != "PUBLIC KEY" {
			t.Fatalf("PEM of %s: %q", k["name"], got.KeysPEM[0].PEM)
		}
		if _, err := x509.ParsePKIXPublicKey(block.Bytes); err != nil {
			t.Fatalf("PEM of %s: %v", k["name"], err)
		}
	}
	octID, _ := octKey["id"].(string)
	if a := b.call(http.MethodGet, keysPath+"/"+octID+"?format=PEM", nil); bytes.Contains(a.raw, []byte("keysPEM")) {
		t.Fatalf("a symmetric key's PEM: %s", a.raw)
	}
	expectOVHError(t, b.call(http.MethodGet, keysPath+"/"+octID+"?format=XML", nil), http.StatusBadRequest, "Client::BadRequest", "[format]")
	// The state tag follows the state.
	put := b.call(http.MethodPut, keysPath+"/"+octID, map[string]any{"state": "DEACTIVATED", "deactivationReason": "UNSPECIFIED"})
	if tags := iamTags(t, put.object(t)); tags["ovh:state"] != "DEACTIVATED" {
		t.Fatalf("iam tags after a deactivation: %s", put.raw)
	}
}

// The import ovh_okms_service_key_jwk makes: one private JWK posted to the
// collection with a trailing slash; the key keeps its public half only.
func TestServiceKeyImport(t *testing.T) {
	t.Parallel()
	b := startOKMS(t)
	enc := base64.RawURLEncoding.EncodeToString
	rsaPriv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsaPriv.Precompute()
	ecPriv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecdhPriv, _ := ecPriv.ECDH()
	point := ecdhPriv.PublicKey().Bytes()[1:]
	octJWK := map[string]any{"kty": "oct", "k": enc(make([]byte, 16)), "key_ops": []string{"encrypt", "decrypt"}, "alg": nil}
	rsaJWK := map[string]any{"kty": "RSA", "key_ops": []string{"sign", "verify"}, "n": enc(rsaPriv.N.Bytes()), "e": "AQAB",
		"d": enc(rsaPriv.D.Bytes()), "p": enc(rsaPriv.Primes[0].Bytes()), "q": enc(rsaPriv.Primes[1].Bytes()),
		"dp": enc(rsaPriv.Precomputed.Dp.Bytes()), "dq": enc(rsaPriv.Precomputed.Dq.Bytes()), "qi": enc(rsaPriv.Precomputed.Qinv.Bytes())}
	ecJWK := map[string]any{"kty": "EC", "crv": "P-256", "key_ops": []string{"sign", "verify"},
		"x": enc(point[:32]), "y": enc(point[32:]), "d": enc(ecdhPriv.Bytes())}
	for _, c := range []struct {
		jwk         map[string]any
		typ, public string
		size        any
	}{{octJWK, "oct", "", float64(128)}, {rsaJWK, "RSA", "n", float64(2048)}, {ecJWK, "EC", "x", nil}} {
		b.tick()
		a := b.call(http.MethodPost, keysPath+"/", map[string]any{"name": "imported-" + c.typ, "context": nil, "keys": []any{c.jwk}})
		k := a.object(t)
		if a.status != http.StatusOK || k["type"] != c.typ || k["size"] != c.size || k["state"] != "ACTIVE" {
			t.Fatalf("import %s: %d %s", c.typ, a.status, a.raw)
		}
		id, _ := k["id"].(string)
		got := b.call(http.MethodGet, keysPath+"/"+id+"?format=JWK", nil)
		for _, secret := range []string{`"d"`, `"k"`, `"p"`, `"qi"`} {
			if bytes.Contains(got.raw, []byte(secret)) {
				t.Fatalf("the imported %s key shows %s: %s", c.typ, secret, got.raw)
			}
		}
		if c.public != "" && !bytes.Contains(got.raw, []byte(fmt.Sprintf("%q:%q", c.public, c.jwk[c.public]))) {
			t.Fatalf("the imported %s key lost its public half: %s", c.typ, got.raw)
		}
		// ovh/terraform-provider-ovh deletes a key by deactivating it first.
		if a := b.call(http.MethodPut, keysPath+"/"+id, map[string]any{"name": "imported-" + c.typ, "state": "DEACTIVATED",
			"deactivationReason": "UNSPECIFIED"}); a.status != http.StatusOK {
			t.Fatalf("deactivate: %d %s", a.status, a.raw)
		}
		if a := b.call(http.MethodDelete, keysPath+"/"+id, nil); a.status != http.StatusOK {
			t.Fatalf("delete: %d %s", a.status, a.raw)
		}
	}
	otherEC := maps.Clone(ecJWK)
	otherEC["y"] = enc(make([]byte, 32))
	shortOct := maps.Clone(octJWK)
	shortOct["k"] = enc(make([]byte, 10))
	for _, c := range []struct {
		body map[string]any
		text string
	}{
		{map[string]any{"name": "k", "keys": []any{otherEC}}, "[keys]"},
		{map[string]any{"name": "k", "keys": []any{shortOct}}, "[keys.k]"},
		{map[string]any{"name": "k", "keys": []any{map[string]any{"key_ops": []string{"encrypt"}, "k": enc(make([]byte, 16))}}}, "[keys.kty]"},
		{map[string]any{"name": "k", "keys": []any{map[string]any{"kty": "oct", "key_ops": []string{"sign"}, "k": enc(make([]byte, 16))}}}, "[keys.key_ops]"},
		{map[string]any{"name": "k", "type": "oct", "keys": []any{octJWK}}, "[type]"},
		{map[string]any{"name": "k", "keys": []any{octJWK, octJWK}}, "[keys]"},
		{map[string]any{"name": "k", "keys": []any{map[string]any{"kty": "oct", "key_ops": []string{"encrypt"}, "k": "x", "colour": "blue"}}}, "[colour]"},
	} {
		expectOVHError(t, b.call(http.MethodPost, keysPath, c.body), http.StatusBadRequest, "Client::BadRequest", c.text)
	}
}
