package outscale_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/cloud/outscale"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/faults"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/kms"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// lines records what the client logs.
type lines struct {
	mu     sync.Mutex
	fields []map[string]any
}

func (l *lines) Debug(_ context.Context, _ string, fields map[string]any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.fields = append(l.fields, fields)
}

func (l *lines) all() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return fmt.Sprint(l.fields)
}

func kmsConfig(emu *emulator.Emulator) outscale.Config {
	cfg := defaultConfig()
	cfg.Endpoint = emu.OutscaleEndpoint()
	cfg.KMSAddress = emu.OpenBaoAddress()
	cfg.KMSToken = emulator.DefaultOpenBaoToken
	return cfg
}

func kmsClient(t *testing.T, cfg outscale.Config, log cloud.Logger) *outscale.Client {
	t.Helper()
	c, err := outscale.New(cfg, cloud.Options{Retry: noWait, RequestsPerSecond: 1000, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func keySpec(name string) cloud.KeySpec {
	return cloud.KeySpec{Name: name, Algorithm: cloud.AlgorithmAES256, Usage: cloud.UsageEncryptDecrypt,
		RotationPeriod: cloud.DefaultRotationPeriod, DeletionProtection: true, Enabled: true}
}

// openBao calls the emulated OpenBao directly, as its operator would.
func openBao(t *testing.T, emu *emulator.Emulator, method, path string, body any) {
	t.Helper()
	raw, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(context.Background(), method, emu.OpenBaoAddress()+"/v1/"+path, bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Vault-Token", emulator.DefaultOpenBaoToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		t.Fatalf("%s %s: %d", method, path, resp.StatusCode)
	}
}

func TestKeyManager_missingSettings(t *testing.T) {
	t.Parallel()
	c := kmsClient(t, defaultConfig(), nil)
	_, err := c.CreateKey(context.Background(), keySpec("k"))
	var missing *cloud.MissingSettingsError
	if !errors.As(err, &missing) || !errors.Is(err, cloud.ErrAuth) {
		t.Fatalf("err = %v, want a *cloud.MissingSettingsError", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "outscale.kms_address (or the HEALTH_KMS_ADDR environment variable)") ||
		!strings.Contains(msg, "outscale.kms_token (or the HEALTH_KMS_TOKEN environment variable)") {
		t.Fatalf("the error does not name the settings: %s", msg)
	}
	// A malformed address is no missing setting, and says what is wrong.
	cfg := defaultConfig()
	cfg.KMSAddress, cfg.KMSToken = "10.0.192.10:8200", "s.token"
	if _, err := kmsClient(t, cfg, nil).ReadKey(context.Background(), cloud.Key{ID: "k"}); err == nil ||
		!strings.Contains(err.Error(), "outscale.kms_address") || strings.Contains(err.Error(), "s.token") {
		t.Fatalf("malformed address: %v", err)
	}
}

func TestKeyManager_lifecycle(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	log := &lines{}
	c := kmsClient(t, kmsConfig(emu), log)
	ctx := context.Background()

	k, err := c.CreateKey(ctx, keySpec("wh-life"))
	if err != nil {
		t.Fatal(err)
	}
	if k.ID != "wh-life" || k.KeyID != "wh-life" || k.Backend != cloud.BackendOpenBao || k.Version != 1 || !k.Enabled ||
		!k.DeletionProtection || k.RotationPeriod != cloud.DefaultRotationPeriod || k.Exportable || k.CreatedAt.IsZero() ||
		!k.CreatedAt.Equal(k.RotatedAt) || k.Algorithm != cloud.AlgorithmAES256 || k.Usage != cloud.UsageEncryptDecrypt {
		t.Fatalf("created %+v", k)
	}

	rotated, err := c.RotateKey(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	if rotated.Version != 2 || rotated.KeyID != k.KeyID || rotated.RotatedAt.Before(k.RotatedAt) || !rotated.CreatedAt.Equal(k.CreatedAt) {
		t.Fatalf("rotated %+v", rotated)
	}

	spec := keySpec("wh-life")
	spec.RotationPeriod, spec.DeletionProtection = 30*24*time.Hour, false
	updated, err := c.UpdateKey(ctx, rotated, spec)
	if err != nil {
		t.Fatal(err)
	}
	if updated.RotationPeriod != 30*24*time.Hour || updated.DeletionProtection || updated.Version != 2 {
		t.Fatalf("updated %+v", updated)
	}

	if err := c.DeleteKey(ctx, updated); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ReadKey(ctx, cloud.Key{ID: "wh-life"}); !errors.Is(err, cloud.ErrNotFound) {
		t.Fatalf("read after delete: %v", err)
	}
	if err := c.DeleteKey(ctx, updated); err != nil {
		t.Fatalf("deleting a key already gone: %v", err)
	}
	if strings.Contains(log.all(), emulator.DefaultOpenBaoToken) || !strings.Contains(log.all(), "POST transit/keys/wh-life/rotate") {
		t.Fatalf("log lines: %s", log.all())
	}
}

// OpenBao's create call would answer an existing key as if it made it: the
// client refuses the name instead of adopting someone's key.
func TestKeyManager_refusesAnExistingName(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	openBao(t, emu, http.MethodPost, "transit/keys/taken", map[string]any{"type": "rsa-2048"})
	_, err := kmsClient(t, kmsConfig(emu), nil).CreateKey(context.Background(), keySpec("taken"))
	if !errors.Is(err, cloud.ErrConflict) || !strings.Contains(err.Error(), "already holds a key named taken") {
		t.Fatalf("err = %v, want a conflict", err)
	}
}

func TestKeyManager_readReportsWhatTheProviderCannotManage(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := kmsClient(t, kmsConfig(emu), nil)
	openBao(t, emu, http.MethodPost, "transit/keys/small", map[string]any{"type": "aes128-gcm96"})
	if _, err := c.ReadKey(context.Background(), cloud.Key{ID: "small"}); err == nil || !strings.Contains(err.Error(), "aes128-gcm96") {
		t.Fatalf("reading an aes128 key: %v", err)
	}
	// A key made exportable out of band is reported.
	if _, err := c.CreateKey(context.Background(), keySpec("leaky")); err != nil {
		t.Fatal(err)
	}
	openBao(t, emu, http.MethodPost, "transit/keys/leaky/config", map[string]any{"exportable": true})
	k, err := c.ReadKey(context.Background(), cloud.Key{ID: "leaky"})
	if err != nil || !k.Exportable {
		t.Fatalf("exportable key: %+v, %v", k, err)
	}
}

// A wrong mount is a configuration error, never a key gone: Read must not
// drop keys from the state because of it.
func TestKeyManager_wrongMountIsNotNotFound(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	cfg := kmsConfig(emu)
	cfg.KMSMount = "elsewhere"
	_, err := kmsClient(t, cfg, nil).ReadKey(context.Background(), cloud.Key{ID: "k"})
	if errors.Is(err, cloud.ErrNotFound) || !errors.Is(err, cloud.ErrInvalid) || !strings.Contains(err.Error(), "no handler for route") {
		t.Fatalf("err = %v, want an invalid-request error", err)
	}
}

func TestKeyManager_wrongTokenIsAnAuthError(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	cfg := kmsConfig(emu)
	cfg.KMSToken = "s.not-the-token"
	_, err := kmsClient(t, cfg, nil).ReadKey(context.Background(), cloud.Key{ID: "k"})
	var apiErr *cloud.APIError
	if !errors.Is(err, cloud.ErrAuth) || !errors.As(err, &apiErr) || apiErr.Cloud != cloud.OpenBao || apiErr.Status != http.StatusForbidden {
		t.Fatalf("err = %v, want OpenBao's 403 as an auth error", err)
	}
	if strings.Contains(err.Error(), "s.not-the-token") {
		t.Fatal("the error shows the token")
	}
}

// Throttled reads are retried; a rotation that failed on OpenBao's side is
// not, since it may have happened.
func TestKeyManager_retries(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := kmsClient(t, kmsConfig(emu), nil)
	ctx := context.Background()
	k, err := c.CreateKey(ctx, keySpec("wh-retry"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := emu.Faults().Add(faults.Rule{Action: "openbao:GET /v1/transit/keys/{name}", Nth: 1, Statuses: []int{429}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ReadKey(ctx, k); err != nil {
		t.Fatalf("a throttled read was not retried: %v", err)
	}
	if _, err := emu.Faults().Add(faults.Rule{Action: "openbao:POST /v1/transit/keys/{name}/rotate", Nth: 1, Statuses: []int{500}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RotateKey(ctx, k); !errors.Is(err, cloud.ErrUnavailable) {
		t.Fatalf("rotate with a 500: %v", err)
	}
	if again, err := c.ReadKey(ctx, k); err != nil || again.Version != 1 {
		t.Fatalf("after a failed rotation: version %d, %v (a retry would have rotated)", again.Version, err)
	}
}

func TestValidateKMSSettings(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"https://10.0.192.10:8200", "http://127.0.0.1:8787/openbao"} {
		if err := outscale.ValidateKMSAddress(ok); err != nil {
			t.Errorf("ValidateKMSAddress(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"10.0.192.10:8200", "ftp://kms", "https://", "https://kms?x=1", "https://user:pw@kms"} {
		if err := outscale.ValidateKMSAddress(bad); err == nil {
			t.Errorf("ValidateKMSAddress(%q) accepted", bad)
		}
	}
	for _, bad := range []string{"", "/", "a//b", "a/../b", "a b"} {
		if err := outscale.ValidateKMSMount(bad); err == nil {
			t.Errorf("ValidateKMSMount(%q) accepted", bad)
		}
	}
	if outscale.ValidateKMSMount("warehouse/transit/") != nil || outscale.ValidateKMSCACert("not a certificate") == nil {
		t.Error("mount or CA certificate check")
	}
}

// kms_ca_cert makes the client trust an OpenBao server whose certificate a
// private authority signed; without it, the system roots refuse it.
func TestKeyManager_privateCA(t *testing.T) {
	t.Parallel()
	handler := kms.New(kms.Options{Store: store.NewMemory(), Faults: faults.New(), Tokens: []string{"s.tls-token"}})
	mux := http.NewServeMux()
	mux.Handle(kms.Prefix+"/", handler)
	srv := httptest.NewTLSServer(mux)
	t.Cleanup(srv.Close)
	caPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))

	cfg := defaultConfig()
	cfg.KMSAddress, cfg.KMSToken = srv.URL+kms.Prefix, "s.tls-token"
	_, err := kmsClient(t, cfg, nil).ReadKey(context.Background(), cloud.Key{ID: "k"})
	if !errors.Is(err, cloud.ErrInvalid) || errors.Is(err, cloud.ErrUnavailable) || !strings.Contains(err.Error(), "outscale.kms_ca_cert") {
		t.Fatalf("without kms_ca_cert: %v, want an untrusted certificate error naming kms_ca_cert, not retried", err)
	}
	cfg.KMSCACert = caPEM
	c := kmsClient(t, cfg, nil)
	if _, err := c.CreateKey(context.Background(), keySpec("over-tls")); err != nil {
		t.Fatalf("with kms_ca_cert: %v", err)
	}
}
