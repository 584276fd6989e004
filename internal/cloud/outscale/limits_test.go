package outscale

import (
	"testing"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// OAPI, object storage and the customer's OpenBao are paced apart: calls to
// one never wait for the budget of another (with OUTSCALE's default of 5
// calls a second, a warehouse's apply spent 33 s queueing its S3 and
// OpenBao calls behind OAPI's; make bench).
func TestServicesArePacedApart(t *testing.T) {
	t.Parallel()
	c, err := New(Config{}, cloud.Options{RequestsPerSecond: 1})
	if err != nil {
		t.Fatal(err)
	}
	if c.storageLimiter == nil || c.kmsLimiter == nil || c.storageLimiter == c.limiter || c.kmsLimiter == c.limiter ||
		c.storageLimiter == c.kmsLimiter {
		t.Fatal("the API, object storage and the key manager share a rate limiter")
	}
}
