package emulator_test

import (
	"bytes"
	"context"
	"crypto/sha1" //nolint:gosec // the OVH signature is SHA-1 by definition
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/faults"
)

// These tests speak raw HTTP, signing with an implementation independent of
// the emulator (the AWS SDK's SigV4 signer, and the OVH formula by hand).

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v: %s", err, r.body)
	}
	return m
}

func send(t *testing.T, req *http.Request) response {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: body}
}

// sign signs req with the AWS SDK's SigV4 signer.
func sign(t *testing.T, req *http.Request, body, service, region, ak, sk string, at time.Time) {
	t.Helper()
	sum := sha256.Sum256([]byte(body))
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = service == "s3" })
	creds := aws.Credentials{AccessKeyID: ak, SecretAccessKey: sk}
	if err := signer.SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), service, region, at); err != nil {
		t.Fatal(err)
	}
}

// oapi sends a SigV4-signed OAPI call, with the scope osc-sdk-go v2 uses
// (service "oapi", region "eu-west-2" whatever the real Region).
func oapi(t *testing.T, emu *emulator.Emulator, action, body, ak, sk string, at time.Time) response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, emu.OutscaleEndpoint()+"/"+action, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if ak != "" {
		sign(t, req, body, "oapi", "eu-west-2", ak, sk, at)
	}
	return send(t, req)
}

// assertOAPIError checks the real OAPI error shape:
// {"Errors":[{"Code":"<string>","Type":…,"Details":…}],"ResponseContext":{"RequestId":…}}.
func assertOAPIError(t *testing.T, r response, status int, code, typ string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("HTTP %d, want %d: %s", r.status, status, r.body)
	}
	var body struct {
		Errors []struct {
			Code    any
			Type    string
			Details string
		}
		ResponseContext struct{ RequestId string }
	}
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatalf("error body is not JSON: %s", r.body)
	}
	if len(body.Errors) != 1 {
		t.Fatalf("Errors = %+v, want one entry", body.Errors)
	}
	e := body.Errors[0]
	if _, isString := e.Code.(string); !isString || e.Code == "" {
		t.Errorf("Code = %#v, want a non-empty JSON string", e.Code)
	}
	if e.Code != code || e.Type != typ || e.Details == "" {
		t.Errorf("error = %+v, want Code %q, Type %q and some Details", e, code, typ)
	}
	if body.ResponseContext.RequestId == "" {
		t.Error("ResponseContext.RequestId is missing")
	}
	for _, secret := range []string{emulator.DefaultOutscaleSecretKey} {
		if bytes.Contains(r.body, []byte(secret)) {
			t.Error("the error body contains a secret key")
		}
	}
}

func TestOutscale_signedCall(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	r := oapi(t, emu, "ReadAccounts", `{}`, emulator.DefaultOutscaleAccessKey, emulator.DefaultOutscaleSecretKey, time.Now())
	if r.status != http.StatusOK {
		t.Fatalf("HTTP %d: %s", r.status, r.body)
	}
	body := r.json(t)
	accounts, _ := body["Accounts"].([]any)
	if len(accounts) != 1 {
		t.Fatalf("Accounts = %v", body["Accounts"])
	}
	if account, _ := accounts[0].(map[string]any); account["AccountId"] != emulator.DefaultOutscaleAccountID {
		t.Fatalf("Accounts = %v", body["Accounts"])
	}
	if rc, _ := body["ResponseContext"].(map[string]any); rc["RequestId"] == "" || rc["RequestId"] == nil {
		t.Fatalf("no ResponseContext.RequestId in %s", r.body)
	}
}

func TestOutscale_rejectsBadSignatures(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	ak, sk := emulator.DefaultOutscaleAccessKey, emulator.DefaultOutscaleSecretKey
	now := time.Now()
	t.Run("wrong secret key", func(t *testing.T) {
		assertOAPIError(t, oapi(t, emu, "ReadAccounts", `{}`, ak, "WRONGSECRET0000000000000000000000000000", now), 401, "1", "AccessDenied")
	})
	t.Run("unknown access key", func(t *testing.T) {
		assertOAPIError(t, oapi(t, emu, "ReadAccounts", `{}`, "UNKNOWNAK00000000000", sk, now), 400, "4120", "InvalidParameterValue")
	})
	t.Run("not signed", func(t *testing.T) {
		assertOAPIError(t, oapi(t, emu, "ReadAccounts", `{}`, "", "", now), 401, "1", "AccessDenied")
	})
	t.Run("replayed after 5 minutes", func(t *testing.T) {
		assertOAPIError(t, oapi(t, emu, "ReadAccounts", `{}`, ak, sk, now.Add(-6*time.Minute)), 401, "1", "AccessDenied")
	})
	t.Run("body tampered after signing", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, emu.OutscaleEndpoint()+"/ReadAccounts", strings.NewReader(`{}`))
		sign(t, req, `{}`, "oapi", "eu-west-2", ak, sk, now)
		req.Body = io.NopCloser(strings.NewReader(`{"DryRun":true}`))
		req.ContentLength = int64(len(`{"DryRun":true}`))
		assertOAPIError(t, send(t, req), 401, "1", "AccessDenied")
	})
}

func TestOutscale_strictRequests(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	ak, sk := emulator.DefaultOutscaleAccessKey, emulator.DefaultOutscaleSecretKey
	assertOAPIError(t, oapi(t, emu, "CreateTeapot", `{}`, ak, sk, time.Now()), 400, "3001", "InvalidParameter")
	assertOAPIError(t, oapi(t, emu, "ReadAccounts", `{"Colour":"blue"}`, ak, sk, time.Now()), 400, "3001", "InvalidParameter")
	// ReadRegions is public, like the real one.
	r := oapi(t, emu, "ReadRegions", `{}`, "", "", time.Now())
	if r.status != 200 || !bytes.Contains(r.body, []byte(`"cloudgouv-eu-west-1"`)) {
		t.Fatalf("ReadRegions: HTTP %d %s", r.status, r.body)
	}
}

// ovhGet sends an OVH API GET signed with the "$1$" formula.
func ovhGet(t *testing.T, emu *emulator.Emulator, path, ak, as, ck string, at time.Time) response {
	t.Helper()
	const method, body = http.MethodGet, ""
	t.Helper()
	target := emu.OVHEndpoint() + path
	req, _ := http.NewRequest(method, target, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json;charset=utf-8")
	}
	if ak != "" {
		ts := strconv.FormatInt(at.Unix(), 10)
		sum := sha1.Sum([]byte(as + "+" + ck + "+" + method + "+" + target + "+" + body + "+" + ts)) //nolint:gosec // OVH formula
		req.Header.Set("X-Ovh-Application", ak)
		req.Header.Set("X-Ovh-Consumer", ck)
		req.Header.Set("X-Ovh-Timestamp", ts)
		req.Header.Set("X-Ovh-Signature", "$1$"+hex.EncodeToString(sum[:]))
	}
	return send(t, req)
}

// assertOVHError checks the OVH error shape: {"class":…, "message":…} and
// an X-Ovh-QueryID header.
func assertOVHError(t *testing.T, r response, status int, errorCode string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("HTTP %d, want %d: %s", r.status, status, r.body)
	}
	body := r.json(t)
	if msg, _ := body["message"].(string); msg == "" {
		t.Errorf("no message in %s", r.body)
	}
	if class, _ := body["class"].(string); class == "" {
		t.Errorf("no class in %s", r.body)
	}
	if errorCode != "" && body["errorCode"] != errorCode {
		t.Errorf("errorCode = %v, want %s", body["errorCode"], errorCode)
	}
	if r.header.Get("X-Ovh-QueryID") == "" {
		t.Error("no X-Ovh-QueryID header")
	}
	for _, secret := range []string{emulator.DefaultOVHApplicationSecret, emulator.DefaultOVHConsumerKey} {
		if bytes.Contains(r.body, []byte(secret)) {
			t.Error("the error body contains a secret")
		}
	}
}

func TestOVH_signedCall(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	r := ovhGet(t, emu, "/auth/time", "", "", "", time.Now())
	if _, err := strconv.ParseInt(strings.TrimSpace(string(r.body)), 10, 64); r.status != 200 || err != nil {
		t.Fatalf("/auth/time: HTTP %d %q, want a bare integer", r.status, r.body)
	}
	r = ovhGet(t, emu, "/cloud/project/"+emulator.DefaultOVHProjectID,
		emulator.DefaultOVHApplicationKey, emulator.DefaultOVHApplicationSecret, emulator.DefaultOVHConsumerKey, time.Now())
	if r.status != 200 || r.json(t)["project_id"] != emulator.DefaultOVHProjectID {
		t.Fatalf("GET project: HTTP %d %s", r.status, r.body)
	}
}

func TestOVH_rejectsBadSignatures(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	ak, as, ck := emulator.DefaultOVHApplicationKey, emulator.DefaultOVHApplicationSecret, emulator.DefaultOVHConsumerKey
	now := time.Now()
	path := "/auth/details"
	assertOVHError(t, ovhGet(t, emu, path, ak, "wrong-secret", ck, now), 400, "INVALID_SIGNATURE")
	assertOVHError(t, ovhGet(t, emu, path, "unknownappkey000", as, ck, now), 403, "INVALID_KEY")
	assertOVHError(t, ovhGet(t, emu, path, ak, as, "unknownconsumer", now), 403, "NOT_CREDENTIAL")
	assertOVHError(t, ovhGet(t, emu, path, ak, as, ck, now.Add(-6*time.Minute)), 400, "QUERY_TIME_OUT")
	assertOVHError(t, ovhGet(t, emu, path, "", "", "", now), 401, "")
	if signed := ovhGet(t, emu, path, ak, as, ck, now); signed.status != 200 {
		t.Fatalf("correctly signed call refused: %d %s", signed.status, signed.body)
	}
	// An unknown route answers the API's 404.
	assertOVHError(t, ovhGet(t, emu, "/cloud/teapot", ak, as, ck, now), 404, "")
	// Another account's project is not found.
	assertOVHError(t, ovhGet(t, emu, "/cloud/project/ffffffffffffffffffffffffffffffff", ak, as, ck, now), 404, "")
}

func TestOVH_oauth2ClientCredentials(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	token := func(id, secret string) response {
		form := url.Values{"grant_type": {"client_credentials"}, "scope": {"all"}}
		req, _ := http.NewRequest(http.MethodPost, emu.URL()+"/auth/oauth2/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(id, secret)
		return send(t, req)
	}
	bad := token(emulator.DefaultOVHClientID, "wrong")
	if bad.status != 401 || bad.json(t)["error"] != "invalid_client" {
		t.Fatalf("bad client secret: HTTP %d %s", bad.status, bad.body)
	}
	good := token(emulator.DefaultOVHClientID, emulator.DefaultOVHClientSecret)
	access, _ := good.json(t)["access_token"].(string)
	if good.status != 200 || access == "" {
		t.Fatalf("token: HTTP %d %s", good.status, good.body)
	}
	req, _ := http.NewRequest(http.MethodGet, emu.OVHEndpoint()+"/auth/details", nil)
	req.Header.Set("Authorization", "Bearer "+access)
	if r := send(t, req); r.status != 200 || r.json(t)["account"] != emulator.DefaultOVHNicHandle {
		t.Fatalf("bearer call: HTTP %d %s", r.status, r.body)
	}
	req.Header.Set("Authorization", "Bearer not-a-token")
	assertOVHError(t, send(t, req), 401, "")
}

func TestS3_rejectsBadSignatures(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	list := func(sk string) response {
		req, _ := http.NewRequest(http.MethodGet, emu.S3Endpoint()+"/", nil)
		sign(t, req, "", "s3", "cloudgouv-eu-west-1", emulator.DefaultOutscaleAccessKey, sk, time.Now())
		return send(t, req)
	}
	if r := list(emulator.DefaultOutscaleSecretKey); r.status != 200 || !bytes.Contains(r.body, []byte("<ListAllMyBucketsResult")) {
		t.Fatalf("ListBuckets: HTTP %d %s", r.status, r.body)
	}
	r := list("WRONG")
	if r.status != 403 || !bytes.Contains(r.body, []byte("<Code>SignatureDoesNotMatch</Code>")) || !bytes.Contains(r.body, []byte("<RequestId>")) {
		t.Fatalf("mis-signed: HTTP %d %s", r.status, r.body)
	}
}

func TestOpenBao_tokenRequired(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	get := func(token string) response {
		req, _ := http.NewRequest(http.MethodGet, emu.OpenBaoAddress()+"/v1/sys/mounts", nil)
		if token != "" {
			req.Header.Set("X-Vault-Token", token)
		}
		return send(t, req)
	}
	for _, token := range []string{"", "s.wrong"} {
		r := get(token)
		if r.status != 403 || string(bytes.TrimSpace(r.body)) != `{"errors":["permission denied"]}` {
			t.Fatalf("token %q: HTTP %d %s", token, r.status, r.body)
		}
	}
	if r := get(emulator.DefaultOpenBaoToken); r.status != 200 || !bytes.Contains(r.body, []byte(`"transit/"`)) {
		t.Fatalf("valid token: HTTP %d %s", r.status, r.body)
	}
}

func TestControl_needsAdminToken(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	wrong := &emulator.Control{URL: emu.URL(), Token: "not-the-token"}
	if _, err := wrong.Calls(context.Background()); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("control API without the admin token: err = %v, want HTTP 401", err)
	}
	// The cloud credentials do not open the control API either.
	withCloudKey := &emulator.Control{URL: emu.URL(), Token: emulator.DefaultOutscaleSecretKey}
	if _, err := withCloudKey.Objects(context.Background(), ""); err == nil {
		t.Fatal("control API accepted a cloud secret key as admin token")
	}
}

func TestControl_countsAndInjectsFaults(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	ctl := emu.Control()
	ctx := context.Background()
	ak, sk := emulator.DefaultOutscaleAccessKey, emulator.DefaultOutscaleSecretKey

	if _, err := ctl.AddFault(ctx, faults.Rule{Action: "outscale:ReadAccounts", Nth: 2, Statuses: []int{503}}); err != nil {
		t.Fatal(err)
	}
	if r := oapi(t, emu, "ReadAccounts", `{}`, ak, sk, time.Now()); r.status != 200 {
		t.Fatalf("1st call: %d", r.status)
	}
	// The injected failure has the cloud's own error shape.
	assertOAPIError(t, oapi(t, emu, "ReadAccounts", `{}`, ak, sk, time.Now()), 503, "6", "AccessDenied")
	if r := oapi(t, emu, "ReadAccounts", `{}`, ak, sk, time.Now()); r.status != 200 {
		t.Fatalf("3rd call: %d (the nth rule must fire once)", r.status)
	}
	calls, err := ctl.Calls(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if calls["outscale:ReadAccounts"] != 3 {
		t.Fatalf("calls = %v, want 3 ReadAccounts", calls)
	}
	if _, err := ctl.AddFault(ctx, faults.Rule{Action: "ovh:*", Rate: 1, Statuses: []int{429}}); err != nil {
		t.Fatal(err)
	}
	r := ovhGet(t, emu, "/auth/details", emulator.DefaultOVHApplicationKey,
		emulator.DefaultOVHApplicationSecret, emulator.DefaultOVHConsumerKey, time.Now())
	assertOVHError(t, r, 429, "")
	if err := ctl.ClearFaults(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := ctl.AddFault(ctx, faults.Rule{Action: "x", Rate: 2}); err == nil {
		t.Fatal("a bad fault rule was accepted")
	}
}

// State kept with DataDir survives a restart: an OAuth2 token issued before
// the restart is still accepted after it.
func TestEmulator_persistsAcrossRestart(t *testing.T) {
	t.Parallel()
	cfg := emulator.DefaultConfig()
	cfg.DataDir = t.TempDir()
	emu, err := emulator.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := emu.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	form := url.Values{"grant_type": {"client_credentials"}}
	req, _ := http.NewRequest(http.MethodPost, emu.URL()+"/auth/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(emulator.DefaultOVHClientID, emulator.DefaultOVHClientSecret)
	access, _ := send(t, req).json(t)["access_token"].(string)
	before, _ := emu.Control().Objects(context.Background(), "")
	if err := emu.Close(); err != nil {
		t.Fatal(err)
	}

	emu = emutest.Start(t, &cfg)
	after, err := emu.Control().Objects(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(before) == 0 || len(after) != len(before) {
		t.Fatalf("objects before restart: %d, after: %d", len(before), len(after))
	}
	req, _ = http.NewRequest(http.MethodGet, emu.OVHEndpoint()+"/auth/details", nil)
	req.Header.Set("Authorization", "Bearer "+access)
	if r := send(t, req); r.status != 200 {
		t.Fatalf("token issued before the restart refused after it: %d %s", r.status, r.body)
	}
}

func TestEmulator_concurrentRequests(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var r response
			if i%2 == 0 {
				r = oapi(t, emu, "ReadAccounts", `{}`, emulator.DefaultOutscaleAccessKey, emulator.DefaultOutscaleSecretKey, time.Now())
			} else {
				r = ovhGet(t, emu, "/auth/details", emulator.DefaultOVHApplicationKey,
					emulator.DefaultOVHApplicationSecret, emulator.DefaultOVHConsumerKey, time.Now())
			}
			if r.status != 200 {
				errs <- fmt.Errorf("call %d: HTTP %d %s", i, r.status, r.body)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	calls, _ := emu.Control().Calls(context.Background())
	if calls["outscale:ReadAccounts"] != 16 || calls["ovh:GET /1.0/auth/details"] != 16 {
		t.Fatalf("calls = %v", calls)
	}
}

func TestEmulator_unknownPath(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	req, _ := http.NewRequest(http.MethodGet, emu.URL()+"/nothing-here", nil)
	if r := send(t, req); r.status != 404 {
		t.Fatalf("HTTP %d", r.status)
	}
}

// A test that fails early closes its emulator right after starting it; that
// must be safe while the listener's goroutine is still starting (go test
// -race caught Close clearing fields the goroutine read).
func TestEmulator_closeRightAfterStart(t *testing.T) {
	t.Parallel()
	for range 20 {
		emu, err := emulator.New(emulator.DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		if err := emu.Start("127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		if err := emu.Close(); err != nil {
			t.Fatal(err)
		}
		if emu.URL() != "" {
			t.Fatalf("URL() = %q after Close", emu.URL())
		}
	}
}
