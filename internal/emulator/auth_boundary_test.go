package emulator_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
)

// The emulator's authentication boundary, beyond the cases of
// emulator_test.go: requests signed in the future, tampered after signing
// (body or a signed header), replayed late, on every signed API; and an
// emulator whose clock is skewed refuses what a correct client signs now,
// so that the provider's clock-skew diagnostics can be tested.

func TestOutscale_signatureBoundary(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	ak, sk := emulator.DefaultOutscaleAccessKey, emulator.DefaultOutscaleSecretKey
	now := time.Now()
	t.Run("signed 6 minutes in the future", func(t *testing.T) {
		assertOAPIError(t, oapi(t, emu, "ReadAccounts", `{}`, ak, sk, now.Add(6*time.Minute)), 401, "1", "AccessDenied")
	})
	t.Run("within the 5 minutes allowed", func(t *testing.T) {
		if r := oapi(t, emu, "ReadAccounts", `{}`, ak, sk, now.Add(-4*time.Minute)); r.status != 200 {
			t.Fatalf("HTTP %d %s", r.status, r.body)
		}
	})
	t.Run("a signed header changed", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, emu.OutscaleEndpoint()+"/ReadAccounts", strings.NewReader(`{}`))
		req.Header.Set("Content-Type", "application/json")
		sign(t, req, `{}`, "oapi", "eu-west-2", ak, sk, now)
		req.Header.Set("Content-Type", "text/plain")
		assertOAPIError(t, send(t, req), 401, "1", "AccessDenied")
	})
	t.Run("signed for another action", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, emu.OutscaleEndpoint()+"/ReadAccounts", strings.NewReader(`{}`))
		sign(t, req, `{}`, "oapi", "eu-west-2", ak, sk, now)
		req.URL.Path = strings.Replace(req.URL.Path, "ReadAccounts", "DeleteNet", 1)
		assertOAPIError(t, send(t, req), 401, "1", "AccessDenied")
	})
}

// ovhSigned sends an OVH API call signed over signedBody, carrying body.
func ovhSigned(t *testing.T, emu *emulator.Emulator, method, path, signedBody, body string, at time.Time) response {
	t.Helper()
	req := buildOVHRequest(emu, method, path, signedBody, at)
	req.Body = io.NopCloser(strings.NewReader(body))
	req.ContentLength = int64(len(body))
	return send(t, req)
}

// s3Tampered sends an S3 call signed over signed (its payload hash
// declared), carrying body instead.
func s3Tampered(t *testing.T, emu *emulator.Emulator, method, path string, signed, body []byte) response {
	t.Helper()
	req, _ := http.NewRequest(method, emu.S3Endpoint()+path, bytes.NewReader(signed))
	sum := sha256.Sum256(signed)
	req.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	if err := signer.SignHTTP(context.Background(), aws.Credentials{AccessKeyID: emulator.DefaultOutscaleAccessKey,
		SecretAccessKey: emulator.DefaultOutscaleSecretKey}, req, hex.EncodeToString(sum[:]), "s3", emulator.DefaultOutscaleRegion, time.Now()); err != nil {
		t.Fatal(err)
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	return send(t, req)
}

func TestOVH_signatureBoundary(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	path := "/cloud/project/" + emulator.DefaultOVHProjectID + "/network/private"
	now := time.Now()
	t.Run("body tampered after signing", func(t *testing.T) {
		assertOVHError(t, ovhSigned(t, emu, http.MethodPost, path, `{"name":"a"}`, `{"name":"b"}`, now), 400, "INVALID_SIGNATURE")
	})
	t.Run("signed 6 minutes in the future", func(t *testing.T) {
		assertOVHError(t, ovhCall(t, emu, http.MethodGet, path, "", now.Add(6*time.Minute)), 400, "QUERY_TIME_OUT")
	})
	t.Run("replayed after 5 minutes", func(t *testing.T) {
		assertOVHError(t, ovhCall(t, emu, http.MethodGet, path, "", now.Add(-6*time.Minute)), 400, "QUERY_TIME_OUT")
	})
	t.Run("signed for another path", func(t *testing.T) {
		req := buildOVHRequest(emu, http.MethodGet, path, "", now)
		req.URL.Path += "/pn-1"
		assertOVHError(t, send(t, req), 400, "INVALID_SIGNATURE")
	})
}

func TestS3_signatureBoundary(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := outscaleS3(t, emu)
	c.must(http.StatusOK, http.MethodPut, "/wh-boundary", nil)
	t.Run("replayed after 15 minutes", func(t *testing.T) {
		late := *c
		late.now = func() time.Time { return time.Now().Add(-16 * time.Minute) }
		late.fails(http.StatusForbidden, "RequestTimeTooSkewed", http.MethodGet, "/wh-boundary?versioning", nil)
	})
	t.Run("signed 16 minutes in the future", func(t *testing.T) {
		early := *c
		early.now = func() time.Time { return time.Now().Add(16 * time.Minute) }
		early.fails(http.StatusForbidden, "RequestTimeTooSkewed", http.MethodGet, "/wh-boundary?versioning", nil)
	})
	t.Run("body tampered after signing", func(t *testing.T) {
		body := []byte(`<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>`)
		// The signature covers the declared payload hash; the body sent
		// does not match it.
		tampered := bytes.Replace(body, []byte("<Value>b"), []byte("<Value>c"), 1)
		assertS3Error(t, s3Tampered(t, emu, http.MethodPut, "/wh-boundary?tagging", body, tampered), http.StatusBadRequest, "XAmzContentSHA256Mismatch")
	})
}

// A private emulator with its clock twenty minutes ahead (beyond the 5
// minutes OUTSCALE and OVHcloud allow, and S3's 15) refuses what a
// client with a correct clock signs now, on every signed API.
func TestEmulator_skewedClockRefusesCorrectClients(t *testing.T) {
	t.Parallel()
	cfg := emulator.DefaultConfig()
	cfg.Now = func() time.Time { return time.Now().Add(20 * time.Minute) }
	emu := emutest.Start(t, &cfg)
	now := time.Now()
	assertOAPIError(t, oapi(t, emu, "ReadAccounts", `{}`, emulator.DefaultOutscaleAccessKey, emulator.DefaultOutscaleSecretKey, now),
		401, "1", "AccessDenied")
	assertOVHError(t, ovhCall(t, emu, http.MethodGet, "/auth/details", "", now), 400, "QUERY_TIME_OUT")
	c := outscaleS3(t, emu)
	c.fails(http.StatusForbidden, "RequestTimeTooSkewed", http.MethodGet, "/", nil)
	// What the server's clock says, a client can learn (go-ovh does):
	// signed with it, the call goes through.
	if r := ovhCall(t, emu, http.MethodGet, "/auth/details", "", cfg.Now()); r.status != 200 {
		t.Fatalf("signed with the server's time: HTTP %d %s", r.status, r.body)
	}
}
