package emulator_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
)

// The OKMS data plane makes data keys wrapped by a symmetric service key and
// unwraps them; once the service key is deleted, its data keys can no
// longer be unwrapped (crypto-shredding).
func TestOKMSDataPlane_dataKeysAndShredding(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	form := url.Values{"grant_type": {"client_credentials"}}
	req, _ := http.NewRequest(http.MethodPost, emu.URL()+"/auth/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(emulator.DefaultOVHClientID, emulator.DefaultOVHClientSecret)
	token, _ := send(t, req).json(t)["access_token"].(string)
	call := func(method, u string, body any, bearer string) response {
		t.Helper()
		raw, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, u, bytes.NewReader(raw))
		req.Header.Set("Content-Type", "application/json")
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		return send(t, req)
	}
	api := emu.URL() + "/v2/okms/resource/" + emulator.DefaultOVHOKMSID + "/serviceKey"
	made := call("POST", api, map[string]any{"name": "wrap", "type": "oct", "size": 256, "operations": []string{"encrypt", "decrypt"}}, token)
	if made.status != 200 {
		t.Fatalf("service key: %d %s", made.status, made.body)
	}
	keyID, _ := made.json(t)["id"].(string)
	if bytes.Contains(made.body, []byte("material")) {
		t.Fatalf("the API shows the key's material: %s", made.body)
	}
	plane := emu.OKMSDataPlane() + "/api/" + emulator.DefaultOVHOKMSID + "/v1/servicekey/" + keyID

	if r := call("POST", plane+"/datakey", map[string]any{"size": 256}, ""); r.status != 401 {
		t.Fatalf("datakey without credentials: %d %s", r.status, r.body)
	}
	if r := call("POST", plane+"/datakey", map[string]any{"size": 100}, token); r.status != 400 || !strings.Contains(string(r.body), `"error_code":400`) {
		t.Fatalf("datakey of 100 bits: %d %s", r.status, r.body)
	}
	r := call("POST", plane+"/datakey", map[string]any{"name": "cohort", "size": 256}, token)
	if r.status != 201 {
		t.Fatalf("datakey: %d %s", r.status, r.body)
	}
	got := r.json(t)
	wrapped, _ := got["key"].(string)
	plain, _ := base64.StdEncoding.DecodeString(got["plaintext"].(string)) //nolint:forcetypeassert // checked below
	if len(plain) != 32 || strings.Count(wrapped, ".") != 4 {
		t.Fatalf("datakey answered %s", r.body)
	}
	r = call("POST", plane+"/datakey/decrypt", map[string]any{"key": wrapped}, token)
	if r.status != 200 {
		t.Fatalf("decrypt: %d %s", r.status, r.body)
	}
	if back, _ := base64.StdEncoding.DecodeString(r.json(t)["plaintext"].(string)); !bytes.Equal(back, plain) { //nolint:forcetypeassert // the answer's shape
		t.Fatal("the unwrapped data key differs from the one made")
	}
	if r := call("POST", plane+"/datakey/decrypt", map[string]any{"key": wrapped[:len(wrapped)-4] + "AAAA"}, token); r.status != 400 {
		t.Fatalf("decrypt of a tampered key: %d %s", r.status, r.body)
	}

	// Retired: deactivated (no new data keys), then deleted (nothing unwraps).
	if r := call("PUT", api+"/"+keyID, map[string]any{"name": "wrap", "state": "DEACTIVATED", "deactivationReason": "CESSATION_OF_OPERATION"}, token); r.status != 200 {
		t.Fatalf("deactivate: %d %s", r.status, r.body)
	}
	if r := call("POST", plane+"/datakey", map[string]any{"size": 256}, token); r.status != 400 {
		t.Fatalf("datakey of a deactivated key: %d %s", r.status, r.body)
	}
	if r := call("DELETE", api+"/"+keyID, nil, token); r.status != 200 {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	if r := call("POST", plane+"/datakey/decrypt", map[string]any{"key": wrapped}, token); r.status != 404 {
		t.Fatalf("decrypt after the key's deletion: %d %s", r.status, r.body)
	}
}
