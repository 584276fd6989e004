package ovh

import (
	"testing"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// The API and object storage are paced apart: S3 calls never wait for the
// API's budget.
func TestServicesArePacedApart(t *testing.T) {
	t.Parallel()
	c, err := New(Config{}, cloud.Options{RequestsPerSecond: 1})
	if err != nil {
		t.Fatal(err)
	}
	if c.storageLimiter == nil || c.storageLimiter == c.limiter {
		t.Fatal("the API and object storage share a rate limiter")
	}
}
