package reliability

import (
	"strings"
	"testing"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
)

// authConfig is a key, a bucket and a network: each block's first call
// is a signed one.
func authConfig(cloudName string) string {
	exception := ""
	if cloudName == cloud.Outscale {
		exception = `  compliance_exceptions = [{ control = "HW-STO-03", justification = "OOS cannot deny plain HTTP" }]`
	}
	return ProviderConfig(cloudName, rateLimit) + `
resource "health_warehouse_network" "auth" {
  name        = "auth"
  cidr        = "10.70.0.0/16"
  admin_cidrs = ["203.0.113.7/32"]
}

resource "health_warehouse_kms_key" "auth" {
  name                  = "auth-key"
  deletion_protection   = false
  compliance_exceptions = [{ control = "HW-KEY-02", justification = "reliability suite" }]
}

resource "health_warehouse_storage" "auth" {
  name = "auth-results"
  zone = "results"
` + exception + `
}
`
}

// checkAuthDiagnostics fails unless out is a clean refusal: every error is
// a diagnostic that says the cloud refused the credentials and mentions
// the clock, nothing crashed, and the wrong secret is nowhere.
func checkAuthDiagnostics(t *testing.T, out string, wrongSecret string) {
	t.Helper()
	for _, crash := range []string{"panic:", "plugin crashed", "Plugin did not respond", "rpc error", "goroutine "} {
		if strings.Contains(out, crash) {
			t.Fatalf("the provider crashed (%q):\n%s", crash, out)
		}
	}
	if wrongSecret != "" && strings.Contains(out, wrongSecret) {
		t.Fatal("the output shows the secret given")
	}
	errors := strings.Count(out, "Error: ")
	hints := strings.Count(out, "The cloud refused the credentials") + strings.Count(out, "OpenBao refused the token")
	if errors == 0 || hints < errors || !strings.Contains(out, "clock") {
		t.Fatalf("%d errors, %d of them saying the credentials were refused, want all:\n%s", errors, hints, out)
	}
}

// Wrong credentials: every resource fails with a diagnostic that says the
// cloud refused the credentials (and what to check), not a crash, not a
// retry loop, and never the secret.
func TestBadCredentials_clearDiagnostic(t *testing.T) {
	needCLI(t)
	t.Parallel()
	wrong := map[string]map[string]string{
		cloud.Outscale: {"OSC_SECRET_KEY": "WRONGSECRET00000000000000000000000000000", "HEALTH_KMS_TOKEN": "s.wrongtoken00000000000000"},
		cloud.OVH:      {"OVH_APPLICATION_SECRET": "wrongappsecret000000000000000000"},
	}
	for _, cloudName := range clouds {
		t.Run(cloudName, func(t *testing.T) {
			t.Parallel()
			w := workspace(t, authConfig(cloudName))
			var secret string
			for k, v := range wrong[cloudName] {
				w.Env[k] = v
				if strings.Contains(k, "SECRET") {
					secret = v
				}
			}
			out, err := w.Apply(t.Context())
			if err == nil {
				t.Fatalf("the apply succeeded with wrong credentials:\n%s", out)
			}
			checkAuthDiagnostics(t, out, secret)
			// A refusal is not retried: no call was sent as often as the
			// retry policy's attempts.
			calls, err := w.Emu.Control().Calls(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			for action, n := range calls {
				if n >= cloud.DefaultRetry.MaxAttempts {
					t.Fatalf("%s was sent %d times: the refusal was retried", action, n)
				}
			}
			if left := everything(t, w.Emu); len(left) > 0 {
				t.Fatalf("objects made with wrong credentials: %v", left)
			}
		})
	}
}

// An emulator whose clock runs twenty minutes ahead of the provider's
// refuses its signatures (OUTSCALE's API and object storage allow five
// and fifteen minutes): a diagnostic that names the clock, not a crash.
// OVHcloud's client learns the API's time (GET /auth/time) as go-ovh does,
// so its API calls go through; its object storage calls, signed with the
// local clock like every S3 client's, are refused with the same diagnostic.
func TestSkewedClock_clearDiagnostic(t *testing.T) {
	needCLI(t)
	t.Parallel()
	for _, cloudName := range clouds {
		t.Run(cloudName, func(t *testing.T) {
			t.Parallel()
			cfg := emulator.DefaultConfig()
			cfg.Now = func() time.Time { return time.Now().Add(20 * time.Minute) }
			w := workspaceAt(t, emutest.Start(t, &cfg), authConfig(cloudName))
			out, err := w.Apply(t.Context())
			if err == nil {
				t.Fatalf("the apply succeeded with a clock twenty minutes off:\n%s", out)
			}
			checkAuthDiagnostics(t, out, "")
			if cloudName == cloud.OVH && (!strings.Contains(out, "Error: Unable to Create the Warehouse Bucket") ||
				strings.Count(out, "Error: ") != 1) {
				t.Fatalf("on OVHcloud, only the bucket (S3, the local clock) should fail:\n%s", out)
			}
		})
	}
}
