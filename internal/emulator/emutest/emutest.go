// Package emutest starts emulators for tests.
package emutest

import (
	"testing"

	"github.com/sovhealth/terraform-provider-health/internal/emulator"
)

// Start runs an emulator with cfg (the default seed when cfg is nil) on a
// free loopback port, closed when the test ends.
func Start(t testing.TB, cfg *emulator.Config) *emulator.Emulator {
	t.Helper()
	c := emulator.DefaultConfig()
	if cfg != nil {
		c = *cfg
	}
	emu, err := emulator.New(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := emu.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = emu.Close() })
	return emu
}
