package emulator_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/pace"
)

// With a pace, a transient state lasts the reads it asks for; without, it
// moves on at the first read (what every test relies on), time aside.
func TestEmulator_paceHoldsTransientStates(t *testing.T) {
	t.Parallel()
	for reads, want := range map[int][]string{1: {"BUILDING", "ACTIVE"}, 3: {"BUILDING", "BUILDING", "BUILDING", "ACTIVE"}} {
		cfg := emulator.DefaultConfig()
		// A frozen clock: the states must move on by reads alone here, not
		// because a slow machine let pace.Hold pass between two reads.
		frozen := time.Now()
		cfg.Now = func() time.Time { return frozen }
		if reads > 1 {
			cfg.Pace = &pace.Pace{Reads: reads}
		}
		emu := emutest.Start(t, &cfg)
		path := "/cloud/project/" + emulator.DefaultOVHProjectID + "/network/private"
		r := ovhCall(t, emu, http.MethodPost, path, `{"name":"paced","regions":["EU-WEST-PAR"]}`, time.Now())
		var n struct{ ID, Status string }
		if err := json.Unmarshal(r.body, &n); err != nil || r.status != 200 {
			t.Fatalf("create: HTTP %d %s", r.status, r.body)
		}
		for i, status := range want {
			r := ovhCall(t, emu, http.MethodGet, path+"/"+n.ID, "", time.Now())
			if err := json.Unmarshal(r.body, &n); err != nil || n.Status != status {
				t.Fatalf("pace of %d reads, read %d: %s, want %s", reads, i+1, r.body, status)
			}
		}
	}
}
