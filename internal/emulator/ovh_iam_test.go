package emulator_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/ovh"
)

// ovhIAM drives the OVH API with bearer tokens.
type ovhIAM struct {
	t   *testing.T
	url string
}

func (o ovhIAM) token(id, secret string) response {
	o.t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}}
	req, _ := http.NewRequest(http.MethodPost, o.url+"/auth/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "iam-test")
	req.SetBasicAuth(id, secret)
	return send(o.t, req)
}

func (o ovhIAM) bearer(id, secret string) string {
	o.t.Helper()
	r := o.token(id, secret)
	tok, _ := r.json(o.t)["access_token"].(string)
	if r.status != 200 || tok == "" {
		o.t.Fatalf("token for %s: %d %s", id, r.status, r.body)
	}
	return tok
}

func (o ovhIAM) call(method, path string, body any, bearer string) response {
	o.t.Helper()
	var rd *bytes.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, o.url+path, rd)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+bearer)
	return send(o.t, req)
}

// A service account (OAuth2 client credentials) gets its own token and
// identity, and may do only what an IAM policy allows it: here make and
// unwrap data keys on one KMS, then read the account's audit logs, which
// record its token grants and the policies' changes. Deleting the policy
// takes the right away; deleting the client kills its tokens.
func TestOVHIAM_serviceAccountDenyByDefault(t *testing.T) {
	t.Parallel()
	cfg := emulator.DefaultConfig()
	const otherKMS = "00000000-0000-4000-8000-00000000e002"
	cfg.OVH.Accounts[0].OKMS = append(cfg.OVH.Accounts[0].OKMS, ovh.OKMS{ID: otherKMS, Region: emulator.DefaultOVHOKMSRegion, Name: "other"})
	emu := emutest.Start(t, &cfg)
	o := ovhIAM{t: t, url: emu.URL()}
	admin := o.bearer(emulator.DefaultOVHClientID, emulator.DefaultOVHClientSecret)

	if r := o.call("POST", "/1.0/me/api/oauth2/client", map[string]any{"name": "gw", "description": "gateway", "flow": "IMPLICIT"}, admin); r.status != 400 {
		t.Fatalf("client with an unknown flow: %d %s", r.status, r.body)
	}
	made := o.call("POST", "/1.0/me/api/oauth2/client", map[string]any{"name": "gw", "description": "gateway", "flow": "CLIENT_CREDENTIALS"}, admin)
	if made.status != 200 {
		t.Fatalf("create client: %d %s", made.status, made.body)
	}
	clientID, _ := made.json(t)["clientId"].(string)
	secret, _ := made.json(t)["clientSecret"].(string)
	got := o.call("GET", "/1.0/me/api/oauth2/client/"+clientID, nil, admin)
	urn := "urn:v1:eu:identity:credential:" + emulator.DefaultOVHNicHandle + "/oauth2-" + clientID
	if got.status != 200 || got.json(t)["identity"] != urn || strings.Contains(string(got.body), secret) {
		t.Fatalf("read client: %d %s (want identity %s and no secret)", got.status, got.body, urn)
	}
	if r := o.token(clientID, "wrong"); r.status != 401 {
		t.Fatalf("token with a wrong secret: %d %s", r.status, r.body)
	}
	svc := o.bearer(clientID, secret)
	if r := o.call("GET", "/1.0/auth/details", nil, svc); r.status != 200 || !strings.Contains(string(r.body), urn) {
		t.Fatalf("auth/details of the service account: %d %s", r.status, r.body)
	}
	for _, path := range []string{"/1.0/me/logs/audit", "/1.0/me", "/1.0/cloud/project", "/v2/iam/policy"} {
		if r := o.call("GET", path, nil, svc); r.status != 403 || r.json(t)["errorCode"] != "NOT_GRANTED_CALL" {
			t.Fatalf("GET %s without a policy: %d %s", path, r.status, r.body)
		}
	}

	key := o.call("POST", "/v2/okms/resource/"+emulator.DefaultOVHOKMSID+"/serviceKey",
		map[string]any{"name": "wrap", "type": "oct", "size": 256, "operations": []string{"encrypt", "decrypt"}}, admin)
	keyID, _ := key.json(t)["id"].(string)
	other := o.call("POST", "/v2/okms/resource/"+otherKMS+"/serviceKey",
		map[string]any{"name": "wrap", "type": "oct", "size": 256, "operations": []string{"encrypt", "decrypt"}}, admin)
	otherKeyID, _ := other.json(t)["id"].(string)
	plane := emu.OKMSDataPlane() + "/api/" + emulator.DefaultOVHOKMSID + "/v1/servicekey/" + keyID
	otherPlane := emu.OKMSDataPlane() + "/api/" + otherKMS + "/v1/servicekey/" + otherKeyID
	dataKey := func(base, bearer string) response {
		t.Helper()
		return ovhIAM{t: t}.call("POST", base+"/datakey", map[string]any{"size": 256}, bearer)
	}
	if r := dataKey(plane, svc); r.status != 403 {
		t.Fatalf("datakey without a policy: %d %s", r.status, r.body)
	}

	if r := o.call("POST", "/v2/iam/policy", map[string]any{"name": "bad", "resources": []any{}, "permissions": map[string]any{}}, admin); r.status != 400 ||
		!strings.Contains(string(r.body), "identities") {
		t.Fatalf("policy without identities: %d %s", r.status, r.body)
	}
	policy := o.call("POST", "/v2/iam/policy", map[string]any{
		"name": "gw-datakeys", "description": "data keys of one KMS", "identities": []string{urn},
		"resources":   []map[string]string{{"urn": "urn:v1:eu:resource:okms:" + emulator.DefaultOVHOKMSID}},
		"permissions": map[string]any{"allow": []map[string]string{{"action": ovh.ActionDataKeyCreate}, {"action": ovh.ActionDataKeyDecrypt}}},
	}, admin)
	if policy.status != 200 {
		t.Fatalf("create policy: %d %s", policy.status, policy.body)
	}
	policyID, _ := policy.json(t)["id"].(string)
	if p := policy.json(t); p["owner"] != emulator.DefaultOVHNicHandle || p["readOnly"] != false {
		t.Fatalf("policy answer: %s", policy.body)
	}
	r := dataKey(plane, svc)
	if r.status != 201 {
		t.Fatalf("datakey with the policy: %d %s", r.status, r.body)
	}
	wrapped, _ := r.json(t)["key"].(string)
	if r := (ovhIAM{t: t}).call("POST", plane+"/datakey/decrypt", map[string]any{"key": wrapped}, svc); r.status != 200 {
		t.Fatalf("decrypt with the policy: %d %s", r.status, r.body)
	}
	if r := dataKey(otherPlane, svc); r.status != 403 {
		t.Fatalf("datakey on another KMS: %d %s", r.status, r.body)
	}
	if r := dataKey(otherPlane, admin); r.status != 201 {
		t.Fatalf("the account's own token on the other KMS: %d %s", r.status, r.body)
	}
	if r := o.call("GET", "/1.0/me/logs/audit", nil, svc); r.status != 403 {
		t.Fatalf("audit logs with the data-key policy only: %d %s", r.status, r.body)
	}

	// A deny wins over an allow.
	deny := o.call("POST", "/v2/iam/policy", map[string]any{
		"name": "no-decrypt", "identities": []string{urn},
		"resources":   []map[string]string{{"urn": "urn:v1:eu:resource:okms:" + emulator.DefaultOVHOKMSID}},
		"permissions": map[string]any{"deny": []map[string]string{{"action": "okms:apikms:serviceKey/dataKey/*"}}},
	}, admin)
	if r := dataKey(plane, svc); deny.status != 200 || r.status != 403 {
		t.Fatalf("datakey under a deny: policy %d, datakey %d %s", deny.status, r.status, r.body)
	}
	denyID, _ := deny.json(t)["id"].(string)
	if r := o.call("DELETE", "/v2/iam/policy/"+denyID, nil, admin); r.status != 200 {
		t.Fatalf("delete deny: %d %s", r.status, r.body)
	}

	reader := o.call("POST", "/v2/iam/policy", map[string]any{
		"name": "audit-reader", "identities": []string{urn},
		"resources":   []map[string]string{{"urn": "urn:v1:eu:resource:account:" + emulator.DefaultOVHNicHandle}},
		"permissions": map[string]any{"allow": []map[string]string{{"action": ovh.ActionAuditLogsGet}}},
	}, admin)
	if reader.status != 200 {
		t.Fatalf("reader policy: %d %s", reader.status, reader.body)
	}
	logs := o.call("GET", "/1.0/me/logs/audit", nil, svc)
	var records []map[string]any
	if err := json.Unmarshal(logs.body, &records); logs.status != 200 || err != nil {
		t.Fatalf("audit logs: %d %s", logs.status, logs.body)
	}
	seen := map[string]bool{}
	for _, rec := range records {
		typ, _ := rec["type"].(string)
		seen[typ] = true
		if typ == "LOGIN_SUCCESS" && strings.Contains(string(mustJSON(t, rec)), clientID) {
			seen["service login"] = true
		}
		if typ == "POLICY_DELETED" && strings.Contains(string(mustJSON(t, rec)), "no-decrypt") {
			seen["deny deleted"] = true
		}
	}
	for _, want := range []string{"LOGIN_SUCCESS", "POLICY_CREATED", "service login", "deny deleted"} {
		if !seen[want] {
			t.Fatalf("audit logs lack %s: %s", want, logs.body)
		}
	}
	if r := o.call("GET", "/1.0/me/api/oauth2/client", nil, svc); r.status != 403 {
		t.Fatalf("listing clients with the reader policy: %d %s", r.status, r.body)
	}

	if r := o.call("DELETE", "/v2/iam/policy/"+policyID, nil, admin); r.status != 200 {
		t.Fatalf("delete policy: %d %s", r.status, r.body)
	}
	if r := dataKey(plane, svc); r.status != 403 {
		t.Fatalf("datakey once the policy is deleted: %d %s", r.status, r.body)
	}
	if r := o.call("DELETE", "/1.0/me/api/oauth2/client/"+clientID, nil, admin); r.status != 200 {
		t.Fatalf("delete client: %d %s", r.status, r.body)
	}
	if r := o.call("GET", "/1.0/auth/details", nil, svc); r.status != 401 {
		t.Fatalf("token of a deleted client: %d %s", r.status, r.body)
	}
	if r := o.token(clientID, secret); r.status != 401 {
		t.Fatalf("token grant for a deleted client: %d %s", r.status, r.body)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// ovh/terraform-provider-ovh's ovh_me_api_oauth2_client and ovh_iam_policy
// make these calls with these bodies: create (callbackUrls always sent,
// empty for CLIENT_CREDENTIALS), read, update (callbackUrls, description,
// name), delete; policies listed as objects, updated with PUT answering the
// policy.
func TestOVHIAM_officialProviderCalls(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	o := ovhIAM{t: t, url: emu.URL()}
	admin := o.bearer(emulator.DefaultOVHClientID, emulator.DefaultOVHClientSecret)
	made := o.call("POST", "/1.0/me/api/oauth2/client",
		map[string]any{"callbackUrls": []string{}, "description": "ci", "flow": "CLIENT_CREDENTIALS", "name": "tf-ci"}, admin)
	id, _ := made.json(t)["clientId"].(string)
	if made.status != 200 || id == "" {
		t.Fatalf("create: %d %s", made.status, made.body)
	}
	if r := o.call("PUT", "/1.0/me/api/oauth2/client/"+id, map[string]any{"callbackUrls": []string{}, "description": "ci runner", "name": "tf-ci"}, admin); r.status != 200 {
		t.Fatalf("update: %d %s", r.status, r.body)
	}
	got := o.call("GET", "/1.0/me/api/oauth2/client/"+id, nil, admin).json(t)
	for k, want := range map[string]any{"clientId": id, "description": "ci runner", "flow": "CLIENT_CREDENTIALS", "name": "tf-ci"} {
		if got[k] != want {
			t.Fatalf("read: %s = %v, want %v (%v)", k, got[k], want, got)
		}
	}
	if urls, ok := got["callbackUrls"].([]any); !ok || len(urls) != 0 {
		t.Fatalf("read: callbackUrls %v", got["callbackUrls"])
	}
	if r := o.call("GET", "/1.0/me/api/oauth2/client", nil, admin); r.status != 200 || !strings.Contains(string(r.body), id) {
		t.Fatalf("list: %d %s", r.status, r.body)
	}
	policy := map[string]any{"name": "tf-ci-read", "description": "", "identities": []string{got["identity"].(string)}, //nolint:forcetypeassert // checked by the read above
		"resources":         []map[string]string{{"urn": "urn:v1:eu:resource:account:" + emulator.DefaultOVHNicHandle}},
		"permissions":       map[string]any{"allow": []map[string]string{{"action": "account:apiovh:me/get"}}, "except": []any{}, "deny": []any{}},
		"permissionsGroups": []any{}}
	p := o.call("POST", "/v2/iam/policy", policy, admin)
	pid, _ := p.json(t)["id"].(string)
	if p.status != 200 || pid == "" {
		t.Fatalf("policy: %d %s", p.status, p.body)
	}
	policy["description"] = "read me"
	if r := o.call("PUT", "/v2/iam/policy/"+pid, policy, admin); r.status != 200 || r.json(t)["description"] != "read me" || r.json(t)["updatedAt"] == nil {
		t.Fatalf("policy update: %d %s", r.status, r.body)
	}
	var list []map[string]any
	if r := o.call("GET", "/v2/iam/policy", nil, admin); r.status != 200 || json.Unmarshal(r.body, &list) != nil || len(list) != 1 || list[0]["id"] != pid {
		t.Fatalf("policy list: %d %s", r.status, r.body)
	}
	if r := o.call("GET", "/v2/iam/policy/"+pid+"?details=true", nil, admin); r.status != 200 {
		t.Fatalf("policy read with details: %d %s", r.status, r.body)
	}
	for _, path := range []string{"/v2/iam/policy/" + pid, "/1.0/me/api/oauth2/client/" + id} {
		if r := o.call("DELETE", path, nil, admin); r.status != 200 {
			t.Fatalf("delete %s: %d %s", path, r.status, r.body)
		}
		if r := o.call("GET", path, nil, admin); r.status != 404 {
			t.Fatalf("read %s after delete: %d %s", path, r.status, r.body)
		}
	}
}
