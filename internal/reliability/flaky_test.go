package reliability

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/faults"
)

// flakyCloud is a cloud having a bad day: about one call in ten of every
// API (OUTSCALE, OVHcloud, S3, OpenBao) answers 503 or 429, and one read in
// twenty loses its connection, before or after the cloud served it (a
// read that advanced a state machine and was then lost).
func flakyCloud(seed uint64) []faults.Rule {
	rules := []faults.Rule{{Action: "*", Rate: 0.1, Statuses: []int{http.StatusServiceUnavailable, http.StatusTooManyRequests}, Seed: seed}}
	for i, reads := range []string{"outscale:Read*", "ovh:GET *", "s3:Get*", "s3:Head*", "s3:List*", "openbao:GET *"} {
		drop := "before"
		if i%2 == 1 {
			drop = "after"
		}
		rules = append(rules, faults.Rule{Action: reads, Rate: 0.05, Drop: drop, Seed: seed + uint64(i) + 1})
	}
	return rules
}

// On a flaky cloud, one `terraform apply` of a whole warehouse converges,
// and the emulator then holds exactly what a fault-free apply holds: no
// object made twice by a retried create, none left out of the state. The
// plan that follows is empty, and destroy leaves nothing, faults still on.
func TestFlakyCloud_warehouseConverges(t *testing.T) {
	needCLI(t)
	t.Parallel()
	for _, cloudName := range clouds {
		for _, seed := range []uint64{20260101, 20260102} {
			t.Run(fmt.Sprintf("%s/seed=%d", cloudName, seed), func(t *testing.T) {
				t.Parallel()
				want := reference(t, cloudName, "flaky")
				w := workspace(t, warehouse(t, cloudName, "flaky"))
				addFaults(t, w.Emu, flakyCloud(seed)...)
				if _, err := w.Apply(t.Context()); err != nil {
					t.Fatal(err)
				}
				checkMatchesState(t, w, want)
				checkNoChanges(t, w)
				if _, err := w.Destroy(t.Context()); err != nil {
					t.Fatal(err)
				}
				checkNothingLeft(t, w)
				injected := 0
				for _, r := range w.Emu.Faults().Rules() {
					injected += r.Injected
				}
				if injected < 10 {
					t.Fatalf("only %d faults were injected: the scenario tested nothing", injected)
				}
				t.Logf("%d faults injected", injected)
			})
		}
	}
}
