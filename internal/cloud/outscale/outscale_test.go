package outscale_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/cloud/outscale"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/faults"
)

// noWait retries at once, so that tests never sleep.
var noWait = cloud.RetryPolicy{Sleep: func(context.Context, time.Duration) error { return nil }}

func client(t *testing.T, emu *emulator.Emulator, cfg outscale.Config) *outscale.Client {
	t.Helper()
	if cfg.Endpoint == "" {
		cfg.Endpoint = emu.OutscaleEndpoint()
	}
	c, err := outscale.New(cfg, cloud.Options{Retry: noWait, RequestsPerSecond: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// clientAt is client with its clock at now(): another provider process,
// later or on another machine, as leases see it.
func clientAt(t *testing.T, emu *emulator.Emulator, cfg outscale.Config, now func() time.Time) *outscale.Client {
	t.Helper()
	if cfg.Endpoint == "" {
		cfg.Endpoint = emu.OutscaleEndpoint()
	}
	c, err := outscale.New(cfg, cloud.Options{Retry: noWait, RequestsPerSecond: 1000, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// clientTakingOver is client for a user who declared the creates of
// tokens dead (HEALTH_TAKE_OVER).
func clientTakingOver(t *testing.T, emu *emulator.Emulator, cfg outscale.Config, tokens ...string) *outscale.Client {
	t.Helper()
	if cfg.Endpoint == "" {
		cfg.Endpoint = emu.OutscaleEndpoint()
	}
	c, err := outscale.New(cfg, cloud.Options{Retry: noWait, RequestsPerSecond: 1000, TakeOver: tokens})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// afterLeases is a clock past every lease a create started now can hold.
func afterLeases() time.Time {
	return time.Now().Add(cloud.DefaultLease + cloud.LeaseSkew + time.Minute)
}

// assertInProgress checks err is the refusal of a create that found
// another's objects whose lease runs, naming the first of want.
func assertInProgress(t *testing.T, err error, want string) {
	t.Helper()
	var busy *cloud.InProgressError
	if !errors.As(err, &busy) || !errors.Is(err, cloud.ErrConflict) || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want a cloud.InProgressError naming %s", err, want)
	}
}

func defaultConfig() outscale.Config {
	return outscale.Config{AccessKey: emulator.DefaultOutscaleAccessKey, SecretKey: emulator.DefaultOutscaleSecretKey,
		Region: emulator.DefaultOutscaleRegion}
}

func TestIdentity(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	id, err := client(t, emu, defaultConfig()).Identity(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := cloud.Identity{Cloud: "outscale", Region: emulator.DefaultOutscaleRegion, AccountID: emulator.DefaultOutscaleAccountID, AuthMethod: "access-key"}
	if id != want {
		t.Fatalf("Identity = %+v, want %+v", id, want)
	}
}

func TestWrongSecretKeyIsAnAuthError(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	cfg := defaultConfig()
	cfg.SecretKey = "NOTTHESECRET000000000000000000000000000"
	_, err := client(t, emu, cfg).Identity(context.Background())
	var apiErr *cloud.APIError
	if !errors.Is(err, cloud.ErrAuth) || !errors.As(err, &apiErr) {
		t.Fatalf("err = %v, want an ErrAuth *cloud.APIError", err)
	}
	if apiErr.Status != 401 || apiErr.Code == "" || apiErr.RequestID == "" {
		t.Fatalf("error = %+v: the raw OAPI error body was not parsed", apiErr)
	}
	if strings.Contains(err.Error(), cfg.SecretKey) || strings.Contains(err.Error(), emulator.DefaultOutscaleSecretKey) {
		t.Fatal("the error message contains a secret key")
	}
}

func TestUnknownAccessKeyIsAnAuthError(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	cfg := defaultConfig()
	cfg.AccessKey = "NOSUCHACCESSKEY00000"
	_, err := client(t, emu, cfg).Identity(context.Background())
	// OUTSCALE answers 400 InvalidParameterValue 4120, not a 401.
	if !errors.Is(err, cloud.ErrAuth) {
		t.Fatalf("err = %v, want ErrAuth", err)
	}
}

func TestMissingSettingsNameTheirEnvironmentVariables(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	_, err := client(t, emu, outscale.Config{}).Identity(context.Background())
	var missing *cloud.MissingSettingsError
	if !errors.As(err, &missing) {
		t.Fatalf("err = %v, want a MissingSettingsError", err)
	}
	for _, want := range []string{"outscale.access_key", "OSC_ACCESS_KEY", "outscale.secret_key", "OSC_SECRET_KEY", "outscale.region", "OSC_REGION"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not mention %s", err, want)
		}
	}
	calls, _ := emu.Control().Calls(context.Background())
	if len(calls) != 0 {
		t.Fatalf("a call was sent without credentials: %v", calls)
	}
}

func TestThrottledCallsAreRetried(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	ctl := emu.Control()
	ctx := context.Background()
	for _, status := range []int{503, 429} {
		if _, err := ctl.AddFault(ctx, faults.Rule{Action: "outscale:ReadAccounts", Nth: 1, Statuses: []int{status}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := client(t, emu, defaultConfig()).Identity(ctx); err != nil {
		t.Fatalf("Identity after two throttled answers: %v", err)
	}
	calls, _ := ctl.Calls(ctx)
	if calls["outscale:ReadAccounts"] != 3 {
		t.Fatalf("ReadAccounts calls = %d, want 3 (two throttled, one served)", calls["outscale:ReadAccounts"])
	}
}

func TestDroppedConnectionOnAReadIsRetried(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	ctx := context.Background()
	if _, err := emu.Control().AddFault(ctx, faults.Rule{Action: "outscale:ReadAccounts", Nth: 1, Drop: "after"}); err != nil {
		t.Fatal(err)
	}
	if _, err := client(t, emu, defaultConfig()).Identity(ctx); err != nil {
		t.Fatalf("Identity after a dropped connection: %v", err)
	}
}

func TestNewRejectsAMalformedEndpoint(t *testing.T) {
	t.Parallel()
	for _, endpoint := range []string{"api.eu-west-2.outscale.com", "ftp://x/api/v1", "http://", "https://h/api/v1?x=1"} {
		if _, err := outscale.New(outscale.Config{Endpoint: endpoint}, cloud.Options{}); err == nil {
			t.Errorf("New accepted the endpoint %q", endpoint)
		}
	}
}
