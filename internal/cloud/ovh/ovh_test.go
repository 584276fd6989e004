package ovh_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/cloud/ovh"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/faults"
)

var noWait = cloud.RetryPolicy{Sleep: func(context.Context, time.Duration) error { return nil }}

func client(t *testing.T, cfg ovh.Config) *ovh.Client {
	t.Helper()
	c, err := ovh.New(cfg, cloud.Options{Retry: noWait, RequestsPerSecond: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// clientAt is client with its clock at now(): another provider process,
// later or on another machine, as leases see it.
func clientAt(t *testing.T, cfg ovh.Config, now func() time.Time) *ovh.Client {
	t.Helper()
	c, err := ovh.New(cfg, cloud.Options{Retry: noWait, RequestsPerSecond: 1000, Now: now})
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
// another's objects whose lease runs, naming want.
func assertInProgress(t *testing.T, err error, want string) {
	t.Helper()
	var busy *cloud.InProgressError
	if !errors.As(err, &busy) || !errors.Is(err, cloud.ErrConflict) || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want a cloud.InProgressError naming %s", err, want)
	}
}

func appKeyConfig(emu *emulator.Emulator) ovh.Config {
	return ovh.Config{Endpoint: emu.OVHEndpoint(), ApplicationKey: emulator.DefaultOVHApplicationKey,
		ApplicationSecret: emulator.DefaultOVHApplicationSecret, ConsumerKey: emulator.DefaultOVHConsumerKey,
		ProjectID: emulator.DefaultOVHProjectID, Region: emulator.DefaultOVHRegion, StorageEndpoint: emu.S3Endpoint()}
}

func oauth2Config(emu *emulator.Emulator) ovh.Config {
	return ovh.Config{Endpoint: emu.OVHEndpoint(), ClientID: emulator.DefaultOVHClientID,
		ClientSecret: emulator.DefaultOVHClientSecret, ProjectID: emulator.DefaultOVHProjectID, Region: emulator.DefaultOVHRegion,
		StorageEndpoint: emu.S3Endpoint()}
}

func TestIdentity_bothAuthenticationMethods(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	for method, cfg := range map[string]ovh.Config{"application-key": appKeyConfig(emu), "oauth2": oauth2Config(emu)} {
		t.Run(method, func(t *testing.T) {
			id, err := client(t, cfg).Identity(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			want := cloud.Identity{Cloud: "ovh", Region: emulator.DefaultOVHRegion, AccountID: emulator.DefaultOVHNicHandle,
				ProjectID: emulator.DefaultOVHProjectID, AuthMethod: method}
			if id != want {
				t.Fatalf("Identity = %+v, want %+v", id, want)
			}
		})
	}
}

func TestWrongCredentialsAreAuthErrors(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	wrongSecret := appKeyConfig(emu)
	wrongSecret.ApplicationSecret = "not-the-application-secret-0000"
	wrongClient := oauth2Config(emu)
	wrongClient.ClientSecret = "not-the-client-secret"
	for name, cfg := range map[string]ovh.Config{"application secret": wrongSecret, "oauth2 client secret": wrongClient} {
		t.Run(name, func(t *testing.T) {
			_, err := client(t, cfg).Identity(context.Background())
			if !errors.Is(err, cloud.ErrAuth) {
				t.Fatalf("err = %v, want ErrAuth", err)
			}
			for _, secret := range []string{wrongSecret.ApplicationSecret, wrongClient.ClientSecret, emulator.DefaultOVHConsumerKey} {
				if strings.Contains(err.Error(), secret) {
					t.Fatal("the error message contains a secret")
				}
			}
		})
	}
}

func TestUnknownProjectIsNotFound(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	cfg := appKeyConfig(emu)
	cfg.ProjectID = "ffffffffffffffffffffffffffffffff"
	_, err := client(t, cfg).Identity(context.Background())
	var apiErr *cloud.APIError
	if !errors.Is(err, cloud.ErrNotFound) || !errors.As(err, &apiErr) || apiErr.RequestID == "" {
		t.Fatalf("err = %v, want ErrNotFound carrying the X-Ovh-QueryID", err)
	}
}

func TestMissingSettingsNameTheirEnvironmentVariables(t *testing.T) {
	t.Parallel()
	_, err := client(t, ovh.Config{ApplicationKey: "ak"}).Identity(context.Background())
	for _, want := range []string{"OVH_APPLICATION_SECRET", "OVH_CONSUMER_KEY", "OVH_CLOUD_PROJECT_SERVICE"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not mention %s", err, want)
		}
	}
	if strings.Contains(err.Error(), "OVH_APPLICATION_KEY") {
		t.Errorf("%q names a setting that is set", err)
	}
}

func TestNewRejectsImpossibleSettings(t *testing.T) {
	t.Parallel()
	for name, cfg := range map[string]ovh.Config{
		"both auth methods":     {ApplicationKey: "a", ClientID: "b"},
		"unknown endpoint name": {Endpoint: "ovh-mars"},
		"trailing slash":        {Endpoint: "https://eu.api.ovh.com/1.0/"},
		"not a URL":             {Endpoint: "ftp://eu.api.ovh.com/1.0"},
	} {
		if _, err := ovh.New(cfg, cloud.Options{}); err == nil {
			t.Errorf("%s: New accepted %+v", name, cfg)
		}
	}
}

func TestThrottledCallsAreRetried(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	ctx := context.Background()
	if _, err := emu.Control().AddFault(ctx, faults.Rule{Action: "ovh:GET /1.0/auth/details", Nth: 1, Statuses: []int{429}}); err != nil {
		t.Fatal(err)
	}
	if _, err := client(t, appKeyConfig(emu)).Identity(ctx); err != nil {
		t.Fatalf("Identity after a throttled answer: %v", err)
	}
}

// Concurrent calls on one client must be safe (run with -race): go-ovh
// clients are not, so the client pools them.
func TestConcurrentCalls(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := client(t, appKeyConfig(emu))
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Identity(context.Background()); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
