package kms_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	baoapi "github.com/openbao/openbao/api/v2"
)

// The official OpenBao client works against the emulator unchanged: the
// emulator is the provider's stand-in for a real server.
func TestOfficialClientWorksUnchanged(t *testing.T) {
	t.Parallel()
	b := start(t)
	conf := baoapi.NewConfig()
	conf.Address = b.url
	conf.MaxRetries = 0
	client, err := baoapi.NewClient(conf)
	if err != nil {
		t.Fatal(err)
	}
	client.SetToken(token)
	logical := client.Logical()

	if _, err := logical.Write("transit/keys/signer", map[string]any{"type": "ecdsa-p384", "auto_rotate_period": "720h"}); err != nil {
		t.Fatal(err)
	}
	secret, err := logical.Read("transit/keys/signer")
	if err != nil || secret == nil {
		t.Fatalf("read: %v, %v", secret, err)
	}
	if v, _ := secret.Data["latest_version"].(json.Number); v.String() != "1" {
		t.Fatalf("latest_version %v", secret.Data["latest_version"])
	}
	if v, _ := secret.Data["auto_rotate_period"].(json.Number); v.String() != "2592000" {
		t.Fatalf("auto_rotate_period %v", secret.Data["auto_rotate_period"])
	}

	if _, err := logical.Write("transit/keys/signer/rotate", nil); err != nil {
		t.Fatal(err)
	}
	_, err = logical.Delete("transit/keys/signer")
	var respErr *baoapi.ResponseError
	if !errors.As(err, &respErr) || respErr.StatusCode != http.StatusBadRequest || len(respErr.Errors) != 1 ||
		respErr.Errors[0] != "error deleting policy signer: deletion is not allowed for this policy" {
		t.Fatalf("deleting a protected key: %v", err)
	}
	if _, err := logical.Write("transit/keys/signer/config", map[string]any{"deletion_allowed": true}); err != nil {
		t.Fatal(err)
	}
	listed, err := logical.List("transit/keys")
	if err != nil || listed == nil {
		t.Fatalf("list: %v, %v", listed, err)
	}
	if _, err := logical.Delete("transit/keys/signer"); err != nil {
		t.Fatal(err)
	}
	// A missing key reads as nil, without error: the client's own contract.
	if secret, err := logical.Read("transit/keys/signer"); err != nil || secret != nil {
		t.Fatalf("read after delete: %v, %v", secret, err)
	}
	if listed, err := logical.List("transit/keys"); err != nil || listed != nil {
		t.Fatalf("list of nothing: %v, %v", listed, err)
	}

	// A wrong token is refused with OpenBao's own error.
	client.SetToken("s.wrong")
	_, err = logical.Read("transit/keys/signer")
	if !errors.As(err, &respErr) || respErr.StatusCode != http.StatusForbidden {
		t.Fatalf("wrong token: %v", err)
	}
}

// The official client encrypts, decrypts and makes data keys through the
// emulator as through a real server.
func TestOfficialClientEncryptsAndDecrypts(t *testing.T) {
	t.Parallel()
	b := start(t)
	conf := baoapi.NewConfig()
	conf.Address = b.url
	conf.MaxRetries = 0
	client, err := baoapi.NewClient(conf)
	if err != nil {
		t.Fatal(err)
	}
	client.SetToken(token)
	logical := client.Logical()
	if _, err := logical.Write("transit/keys/wh-data", map[string]any{"type": "aes256-gcm96"}); err != nil {
		t.Fatal(err)
	}
	enc, err := logical.Write("transit/encrypt/wh-data", map[string]any{"plaintext": b64("cohort 2026")})
	if err != nil {
		t.Fatal(err)
	}
	ciphertext, _ := enc.Data["ciphertext"].(string)
	dec, err := logical.Write("transit/decrypt/wh-data", map[string]any{"ciphertext": ciphertext})
	if err != nil || dec.Data["plaintext"] != b64("cohort 2026") {
		t.Fatalf("decrypt: %v, %v", dec, err)
	}
	dk, err := logical.Write("transit/datakey/wrapped/wh-data", map[string]any{"bits": 256})
	if err != nil || dk.Data["ciphertext"] == nil || dk.Data["plaintext"] != nil {
		t.Fatalf("wrapped data key: %v, %v", dk, err)
	}
	_, err = logical.Write("transit/decrypt/wh-data", map[string]any{"ciphertext": "vault:v1:" + b64("not made by this key")})
	var respErr *baoapi.ResponseError
	if !errors.As(err, &respErr) || respErr.StatusCode != http.StatusBadRequest || len(respErr.Errors) != 1 ||
		respErr.Errors[0] != "cipher: message authentication failed" {
		t.Fatalf("decrypting a foreign ciphertext: %v", err)
	}
}
