package ovh_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/ovh"
)

// postJSON posts body with a bearer token; it answers the status and the
// decoded answer.
func postJSON(t *testing.T, u, bearer string, body any) (int, map[string]any) {
	t.Helper()
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, u, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+bearer)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// clientToken is the machine's side: a client-credentials grant at tokenURL.
func clientToken(t *testing.T, tokenURL, id, secret string) (int, string) {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}, "scope": {"all"}}
	resp, err := http.PostForm(tokenURL, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out.AccessToken
}

// A key credential is a service account that may make and unwrap data keys
// on the key's KMS and nothing else: refused on another KMS, refused once
// its policy is deleted, and its tokens refused once revoked. Read notices
// a policy changed or deleted out of band.
func TestKeyCredential_dataKeysOnlyOnItsKMS(t *testing.T) {
	t.Parallel()
	cfg := emulator.DefaultConfig()
	const otherKMS = "00000000-0000-4000-8000-00000000e0f2"
	cfg.OVH.Accounts[0].OKMS = append(cfg.OVH.Accounts[0].OKMS, ovh.OKMS{ID: otherKMS, Region: emulator.DefaultOVHOKMSRegion, Name: "other"})
	emu := emutest.Start(t, &cfg)
	ctx := context.Background()
	c := client(t, kmsConfig(emu))
	otherCfg := kmsConfig(emu)
	otherCfg.KMSID = otherKMS
	other := client(t, otherCfg)

	key, err := c.CreateKey(ctx, aesKey("wh-gateway-key"))
	if err != nil {
		t.Fatal(err)
	}
	otherKey, err := other.CreateKey(ctx, aesKey("wh-other-key"))
	if err != nil {
		t.Fatal(err)
	}
	cred, err := c.IssueKeyCredential(ctx, cloud.KeyCredentialSpec{Name: "wh-gateway", Key: key})
	if err != nil {
		t.Fatal(err)
	}
	if cred.ID == "" || cred.PolicyID == "" || cred.Secret == "" || cred.KeyID != key.ID ||
		cred.TokenURL != emu.URL()+"/auth/oauth2/token" || cred.Endpoint != "https://"+emulator.DefaultOVHOKMSRegion+".okms.ovh.net" {
		t.Fatalf("issued %+v", cred)
	}
	// The emulator serves the data plane under its own address.
	plane := func(okmsID, keyID string) string {
		return emu.OKMSDataPlane() + "/api/" + okmsID + "/v1/servicekey/" + keyID
	}
	status, token := clientToken(t, cred.TokenURL, cred.ID, cred.Secret)
	if status != 200 || token == "" {
		t.Fatalf("the machine's token: %d", status)
	}
	status, made := postJSON(t, plane(emulator.DefaultOVHOKMSID, key.KeyID)+"/datakey", token, map[string]any{"size": 256})
	if status != 201 {
		t.Fatalf("datakey on its key: %d %v", status, made)
	}
	if status, out := postJSON(t, plane(emulator.DefaultOVHOKMSID, key.KeyID)+"/datakey/decrypt", token, map[string]any{"key": made["key"]}); status != 200 || out["plaintext"] != made["plaintext"] {
		t.Fatalf("unwrap: %d %v", status, out)
	}
	if status, out := postJSON(t, plane(otherKMS, otherKey.KeyID)+"/datakey", token, map[string]any{"size": 256}); status != 403 {
		t.Fatalf("datakey on another KMS: %d %v", status, out)
	}
	// Nothing of the API either.
	req, _ := http.NewRequest(http.MethodGet, emu.URL()+"/v2/okms/resource/"+emulator.DefaultOVHOKMSID+"/serviceKey/"+key.KeyID, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 403 {
		t.Fatalf("reading the key through the API: %v %v", resp.StatusCode, err)
	}

	if got, err := c.ReadKeyCredential(ctx, cloud.KeyCredential{ID: cred.ID, PolicyID: cred.PolicyID, KeyID: key.ID}); err != nil ||
		got.Secret != "" || got.Endpoint != cred.Endpoint {
		t.Fatalf("read: %+v %v", got, err)
	}

	// Widened out of band: Read says it is no longer the credential made.
	const policies = "ovh.iam_policies"
	obj, _, err := emu.Control().Object(ctx, policies, cred.PolicyID)
	if err != nil {
		t.Fatal(err)
	}
	widened := strings.Replace(string(obj.Doc), `"allow":[`, `"allow":[{"action":"okms:apikms:serviceKey/delete"},`, 1)
	if err := emu.Control().PutObject(ctx, policies, cred.PolicyID, json.RawMessage(widened)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ReadKeyCredential(ctx, cred); !errors.Is(err, cloud.ErrNotFound) || !strings.Contains(err.Error(), "serviceKey/delete") {
		t.Fatalf("read of a widened policy: %v", err)
	}
	if err := emu.Control().DeleteObject(ctx, policies, cred.PolicyID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ReadKeyCredential(ctx, cred); !errors.Is(err, cloud.ErrNotFound) {
		t.Fatalf("read without its policy: %v", err)
	}
	if status, _ := postJSON(t, plane(emulator.DefaultOVHOKMSID, key.KeyID)+"/datakey", token, map[string]any{"size": 256}); status != 403 {
		t.Fatalf("datakey without its policy: %d", status)
	}

	if err := c.RevokeKeyCredential(ctx, cred); err != nil {
		t.Fatal(err)
	}
	if status, _ := postJSON(t, plane(emulator.DefaultOVHOKMSID, key.KeyID)+"/datakey", token, map[string]any{"size": 256}); status != 401 {
		t.Fatalf("datakey with a revoked credential's token: %d", status)
	}
	if status, _ := clientToken(t, cred.TokenURL, cred.ID, cred.Secret); status != 401 {
		t.Fatalf("token for a revoked credential: %d", status)
	}
	if err := c.RevokeKeyCredential(ctx, cred); err != nil {
		t.Fatalf("revoking again: %v", err)
	}
	if _, err := c.ReadKeyCredential(ctx, cred); !errors.Is(err, cloud.ErrNotFound) {
		t.Fatalf("read after revoke: %v", err)
	}
	objs, err := emu.Control().Objects(ctx, "ovh.oauth2_clients")
	if err != nil || len(objs) != 0 {
		t.Fatalf("service accounts left: %v %v", objs, err)
	}
}
