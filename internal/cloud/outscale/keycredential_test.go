package outscale_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/cloud/outscale"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
	"github.com/sovhealth/terraform-provider-health/internal/keymanager"
)

// baoAs calls the emulated OpenBao with tok, as a machine would, and
// returns the status and the decoded answer.
func baoAs(t *testing.T, emu *emulator.Emulator, tok, method, path string, body any) (int, map[string]any) {
	t.Helper()
	raw, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(context.Background(), method, emu.OpenBaoAddress()+"/v1/"+path, bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Vault-Token", tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	data, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(data, &out)
	return resp.StatusCode, out
}

// unwrapToken trades a wrapping token for the token it wraps.
func unwrapToken(t *testing.T, emu *emulator.Emulator, wrapping string) (string, int) {
	t.Helper()
	status, out := baoAs(t, emu, wrapping, http.MethodPost, "sys/wrapping/unwrap", map[string]any{})
	auth, _ := out["auth"].(map[string]any)
	tok, _ := auth["client_token"].(string)
	return tok, status
}

func TestKeyCredential_lifecycle(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	log := &lines{}
	c := kmsClient(t, kmsConfig(emu), log)
	ctx := context.Background()
	key, err := c.CreateKey(ctx, keySpec("wh-raw"))
	if err != nil {
		t.Fatal(err)
	}
	other, err := c.CreateKey(ctx, keySpec("wh-other"))
	if err != nil {
		t.Fatal(err)
	}

	before := time.Now()
	kc, err := c.IssueKeyCredential(ctx, cloud.KeyCredentialSpec{Name: "WH gateway", Key: key, WrapTTL: 30 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if kc.ID == "" || kc.PolicyID != "health-kc-wh-gateway" || kc.KeyID != "wh-raw" || !strings.HasPrefix(kc.Secret, "s.") ||
		kc.Endpoint != emu.OpenBaoAddress() || kc.SecretExpires.Before(before.Add(29*time.Minute)) ||
		kc.SecretExpires.After(time.Now().Add(31*time.Minute)) {
		t.Fatalf("issued %+v", kc)
	}
	if read, err := c.ReadKeyCredential(ctx, cloud.KeyCredential{ID: kc.ID, PolicyID: kc.PolicyID, KeyID: kc.KeyID}); err != nil ||
		read.ID != kc.ID || read.Secret != "" {
		t.Fatalf("read %+v, %v", read, err)
	}

	// The machine unwraps its token once, makes data keys under its key and
	// decrypts them; nothing more.
	tok, status := unwrapToken(t, emu, kc.Secret)
	if status != http.StatusOK || tok == "" {
		t.Fatalf("unwrap: %d", status)
	}
	if _, status := unwrapToken(t, emu, kc.Secret); status != http.StatusBadRequest {
		t.Fatalf("a second unwrap answered %d", status)
	}
	status, dk := baoAs(t, emu, tok, http.MethodPost, "transit/datakey/wrapped/wh-raw", map[string]any{})
	if status != http.StatusOK {
		t.Fatalf("datakey: %d %v", status, dk)
	}
	data, _ := dk["data"].(map[string]any)
	ciphertext := data["ciphertext"]
	if status, _ := baoAs(t, emu, tok, http.MethodPost, "transit/decrypt/wh-raw", map[string]any{"ciphertext": ciphertext}); status != http.StatusOK {
		t.Fatalf("decrypt: %d", status)
	}
	if status, _ := baoAs(t, emu, tok, http.MethodPost, "auth/token/renew-self", map[string]any{}); status != http.StatusOK {
		t.Fatalf("renew-self: %d", status)
	}
	for _, call := range [][2]string{
		{http.MethodPost, "transit/datakey/wrapped/" + other.ID},
		{http.MethodPost, "transit/decrypt/" + other.ID},
		{http.MethodPost, "transit/datakey/plaintext/wh-raw"},
		{http.MethodPost, "transit/keys/wh-raw/rotate"},
		{http.MethodGet, "transit/keys/wh-raw"},
		{http.MethodPut, "sys/policies/acl/" + kc.PolicyID},
	} {
		if status, _ := baoAs(t, emu, tok, call[0], call[1], map[string]any{"ciphertext": ciphertext, "policy": "x"}); status != http.StatusForbidden {
			t.Errorf("%s %s answered %d, want 403", call[0], call[1], status)
		}
	}

	if err := c.RevokeKeyCredential(ctx, kc); err != nil {
		t.Fatal(err)
	}
	if status, _ := baoAs(t, emu, tok, http.MethodPost, "transit/datakey/wrapped/wh-raw", map[string]any{}); status != http.StatusForbidden {
		t.Fatalf("datakey after revocation: %d", status)
	}
	if _, err := c.ReadKeyCredential(ctx, kc); !errors.Is(err, cloud.ErrNotFound) {
		t.Fatalf("read after revocation: %v", err)
	}
	if err := c.RevokeKeyCredential(ctx, kc); err != nil {
		t.Fatalf("revoking what is gone: %v", err)
	}
	logged := log.all()
	for _, secret := range []string{kc.Secret, tok, emulator.DefaultOpenBaoToken} {
		if strings.Contains(logged, secret) {
			t.Fatal("a token is in the log")
		}
	}
	if !strings.Contains(logged, "POST auth/token/create-orphan") || !strings.Contains(logged, "POST auth/token/revoke-accessor") {
		t.Fatalf("log lines: %s", logged)
	}
}

// A policy changed out of band, a token given more policies, or a policy
// of the same name that someone else wrote: the credential is not what it
// should be.
func TestKeyCredential_driftAndConflicts(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := kmsClient(t, kmsConfig(emu), nil)
	ctx := context.Background()
	key, err := c.CreateKey(ctx, keySpec("wh-drift"))
	if err != nil {
		t.Fatal(err)
	}
	kc, err := c.IssueKeyCredential(ctx, cloud.KeyCredentialSpec{Name: "drift", Key: key})
	if err != nil {
		t.Fatal(err)
	}
	if time.Until(kc.SecretExpires) < 59*time.Minute {
		t.Fatalf("the default wrap TTL: expires %s", kc.SecretExpires)
	}
	openBao(t, emu, http.MethodPut, "sys/policies/acl/"+kc.PolicyID, map[string]any{
		"policy": outscale.KeyCredentialPolicy("transit", "wh-drift") + `path "transit/keys/*" { capabilities = ["read"] }` + "\n"})
	if _, err := c.ReadKeyCredential(ctx, kc); !errors.Is(err, cloud.ErrNotFound) || !strings.Contains(err.Error(), "changed") {
		t.Fatalf("read of a widened policy: %v", err)
	}
	openBao(t, emu, http.MethodDelete, "sys/policies/acl/"+kc.PolicyID, nil)
	if _, err := c.ReadKeyCredential(ctx, kc); !errors.Is(err, cloud.ErrNotFound) || !strings.Contains(err.Error(), "gone") {
		t.Fatalf("read of a deleted policy: %v", err)
	}

	// Someone's policy of the same name is neither adopted nor overwritten.
	openBao(t, emu, http.MethodPut, "sys/policies/acl/health-kc-taken", map[string]any{"policy": `path "x" { capabilities = ["read"] }`})
	got, err := c.IssueKeyCredential(ctx, cloud.KeyCredentialSpec{Name: "taken", Key: key})
	if !errors.Is(err, cloud.ErrConflict) || got.PolicyID != "" || got.ID != "" {
		t.Fatalf("issue over someone's policy: %+v, %v", got, err)
	}
	if _, err := c.IssueKeyCredential(ctx, cloud.KeyCredentialSpec{Name: "bad", Key: cloud.Key{ID: "transit/*"}}); !errors.Is(err, cloud.ErrInvalid) {
		t.Fatalf("a key id with a glob: %v", err)
	}
}

// The provider's token needs no more than the runbook's policy: issue,
// read and revoke work with a token that holds it alone.
func TestKeyCredential_runbookPolicySuffices(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	root := kmsClient(t, kmsConfig(emu), nil)
	ctx := context.Background()
	key, err := root.CreateKey(ctx, keySpec("wh-scoped"))
	if err != nil {
		t.Fatal(err)
	}
	openBao(t, emu, http.MethodPut, "sys/policies/acl/"+keymanager.TerraformPolicyName,
		map[string]any{"policy": keymanager.TerraformPolicy("transit")})
	status, made := baoAs(t, emu, emulator.DefaultOpenBaoToken, http.MethodPost, "auth/token/create-orphan",
		map[string]any{"policies": []string{keymanager.TerraformPolicyName}, "period": "768h"})
	if status != http.StatusOK {
		t.Fatalf("making the provider's token: %d %v", status, made)
	}
	cfg := kmsConfig(emu)
	auth, _ := made["auth"].(map[string]any)
	cfg.KMSToken, _ = auth["client_token"].(string)
	c := kmsClient(t, cfg, nil)
	kc, err := c.IssueKeyCredential(ctx, cloud.KeyCredentialSpec{Name: "scoped", Key: key})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ReadKeyCredential(ctx, kc); err != nil {
		t.Fatal(err)
	}
	if err := c.RevokeKeyCredential(ctx, kc); err != nil {
		t.Fatal(err)
	}
	// And it may not write any other policy.
	if status, _ := baoAs(t, emu, cfg.KMSToken, http.MethodPut, "sys/policies/acl/admin",
		map[string]any{"policy": `path "*" { capabilities = ["sudo"] }`}); status != http.StatusForbidden {
		t.Fatalf("the provider's token wrote another policy: %d", status)
	}
}
