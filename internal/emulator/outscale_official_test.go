package emulator_test

import (
	"sync"
	"testing"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
)

// These tests close the gaps a run of the official OUTSCALE provider
// (outscale/terraform-provider-outscale v1.8.0, osc-sdk-go v3) found in the
// emulated OAPI, and replay the calls that provider makes for a whole Net.
// Every request and answer is checked against the OAPI spec
// (outscale_network_test.go).

// testClock is an emulator clock that moves only when told.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock on by d.
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// client is an OAPI client signing with the clock's time, so that the
// signature stays fresh however far the clock goes.
func (c *testClock) client(t *testing.T, emu *emulator.Emulator) *oapiClient {
	o := newOAPIClient(t, emu)
	o.now = c.Now
	return o
}

// startFrozen starts an emulator whose clock stands still until advanced:
// transient states then move on at reads only, deterministically.
func startFrozen(t *testing.T) (*emulator.Emulator, *testClock) {
	t.Helper()
	clock := &testClock{now: time.Now()}
	cfg := emulator.DefaultConfig()
	cfg.Now = clock.Now
	return emutest.Start(t, &cfg), clock
}
