package cloud

import (
	"context"
	"fmt"
	"time"
)

// Poll intervals of WaitFor: the first check is immediate, then the waits
// grow by half from PollMinInterval to PollMaxInterval. The growth and the
// cap bound how late a wait notices the state it waits for: at most one
// interval, so 2 s once the cap is reached. Doubling up to 5 s, as before,
// noticed a 2 s transition 4 s late (make bench); a 60 s boot now costs
// about 33 polls instead of 15, well within the clouds' rate limits.
const (
	PollMinInterval = 250 * time.Millisecond
	PollMaxInterval = 2 * time.Second
)

// WaitFor calls check until it reports done, fails, or ctx ends (the
// resource's timeout). It waits between checks with p.Sleep, so tests that
// replace Sleep never sleep. what names the awaited state in the error,
// such as "NAT service nat-1234 to become available".
func WaitFor(ctx context.Context, p RetryPolicy, what string, check func(ctx context.Context) (done bool, err error)) error {
	p = p.withDefaults()
	interval := PollMinInterval
	for {
		done, err := check(ctx)
		if err != nil || done {
			return err
		}
		if err := p.Sleep(ctx, interval); err != nil {
			return fmt.Errorf("timed out waiting for %s: %w", what, err)
		}
		interval = min(interval*3/2, PollMaxInterval)
	}
}
