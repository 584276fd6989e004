package cloud_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

func TestWaitForPollsUntilDoneWithGrowingWaits(t *testing.T) {
	t.Parallel()
	var waits []time.Duration
	p := cloud.RetryPolicy{Sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }}
	checks := 0
	err := cloud.WaitFor(context.Background(), p, "the thing", func(context.Context) (bool, error) {
		checks++
		return checks == 4, nil
	})
	if err != nil || checks != 4 {
		t.Fatalf("err = %v after %d checks", err, checks)
	}
	want := []time.Duration{cloud.PollMinInterval, cloud.PollMinInterval * 3 / 2, cloud.PollMinInterval * 9 / 4}
	if fmt.Sprint(waits) != fmt.Sprint(want) {
		t.Fatalf("waits = %v, want %v", waits, want)
	}
}

func TestWaitForReportsWhatItWaitedFor(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := cloud.WaitFor(ctx, cloud.RetryPolicy{}, "NAT service nat-1 to become available",
		func(context.Context) (bool, error) { return false, nil })
	if err == nil || !strings.Contains(err.Error(), "NAT service nat-1 to become available") {
		t.Fatalf("err = %v", err)
	}
}
