package reliability

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/faults"
)

// clouds are the clouds every scenario runs on.
var clouds = []string{cloud.Outscale, cloud.OVH}

// rateLimit is the provider's api_rate_limit in the suite: the emulator
// answers at once, and the suite measures the provider, not its pacing.
const rateLimit = 500

// workspace starts a private emulator and a workspace holding config,
// initialised.
func workspace(t *testing.T, config string) *Workspace {
	t.Helper()
	return workspaceAt(t, emutest.Start(t, nil), config)
}

// workspaceAt is workspace against a given emulator.
func workspaceAt(t *testing.T, emu *emulator.Emulator, config string) *Workspace {
	t.Helper()
	needCLI(t)
	w, err := initWorkspace(t, emu, config)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// initWorkspace is workspaceAt's work, failing with an error instead of
// the test: for code that must not stop the goroutine it runs on (inside
// a sync.OnceValues, whose later callers would then see a bare panic).
func initWorkspace(t *testing.T, emu *emulator.Emulator, config string) (*Workspace, error) {
	w, err := harness.Workspace(t.TempDir(), emu)
	if err != nil {
		return nil, err
	}
	if err := w.Write(config); err != nil {
		return nil, err
	}
	return w, w.Init(t.Context())
}

// warehouse is the configuration of one warehouse named name.
func warehouse(t *testing.T, cloudName, name string) string {
	t.Helper()
	config, err := WarehouseConfig(WarehouseOptions{Cloud: cloudName, Names: []string{name}, RateLimit: rateLimit})
	if err != nil {
		t.Fatal(err)
	}
	return config
}

// addFaults adds fault rules to the workspace's emulator.
func addFaults(t *testing.T, emu *emulator.Emulator, rules ...faults.Rule) {
	t.Helper()
	for _, r := range rules {
		if _, err := emu.Control().AddFault(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
}

// Collections that record calls rather than hold cloud objects: a
// retried call may leave one more of them, which costs nobody anything.
var bookkeeping = []string{"ovh.operations", "ovh.oauth2_tokens"}

// Inventory is what an emulator holds: ids by collection.
type Inventory map[string][]string

// inventory lists every object of the emulator but its bookkeeping.
func inventory(t *testing.T, emu *emulator.Emulator) Inventory {
	t.Helper()
	objs, err := emu.Control().Objects(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	inv := Inventory{}
	for _, o := range objs {
		if !slices.Contains(bookkeeping, o.Collection) {
			inv[o.Collection] = append(inv[o.Collection], o.ID)
		}
	}
	return inv
}

// everything lists every object of the emulator, bookkeeping included,
// but the OAuth2 tokens of the API's clients.
func everything(t *testing.T, emu *emulator.Emulator) []string {
	t.Helper()
	objs, err := emu.Control().Objects(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, o := range objs {
		if !strings.HasSuffix(o.Collection, "oauth2_tokens") {
			out = append(out, o.Collection+"/"+o.ID)
		}
	}
	return out
}

// Shape is an inventory seen from the state: for each collection, how
// many objects the state names by id and how many it does not (those a
// cloud makes along with another, such as a Net's main route table).
type Shape map[string][2]int

func (s Shape) String() string {
	keys := slices.Sorted(maps.Keys(s))
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "  %-32s %d named by the state, %d not\n", k, s[k][0], s[k][1])
	}
	return b.String()
}

// shape is the shape of inv against a state file.
func shape(inv Inventory, state []byte) Shape {
	out := Shape{}
	for coll, ids := range inv {
		var c [2]int
		for _, id := range ids {
			if strings.Contains(string(state), `"`+id+`"`) {
				c[0]++
			} else {
				c[1]++
			}
		}
		out[coll] = c
	}
	return out
}

// references hold the shape of one clean warehouse apply per cloud,
// computed once per test binary by whichever test asks first.
var references sync.Map // cloud → func() (Shape, error)

// reference is the shape a fault-free apply of warehouse(cloudName, name)
// leaves in a fresh emulator.
func reference(t *testing.T, cloudName, name string) Shape {
	t.Helper()
	once, _ := references.LoadOrStore(cloudName+"/"+name, sync.OnceValues(func() (Shape, error) {
		return referenceShape(t, cloudName, name)
	}))
	get, _ := once.(func() (Shape, error))
	s, err := get()
	if err != nil {
		t.Fatalf("the reference apply on %s: %v", cloudName, err)
	}
	return s
}

func referenceShape(t *testing.T, cloudName, name string) (Shape, error) {
	emu, err := emulator.New(emulator.DefaultConfig())
	if err != nil {
		return nil, err
	}
	if err := emu.Start("127.0.0.1:0"); err != nil {
		return nil, err
	}
	defer emu.Close()
	w, err := harness.Workspace(t.TempDir(), emu)
	if err != nil {
		return nil, err
	}
	if err := w.Write(warehouse(t, cloudName, name)); err != nil {
		return nil, err
	}
	ctx := context.Background()
	if err := w.Init(ctx); err != nil {
		return nil, err
	}
	if _, err := w.Apply(ctx); err != nil {
		return nil, err
	}
	state, err := w.RawState()
	if err != nil {
		return nil, err
	}
	objs, err := emu.Control().Objects(ctx, "")
	if err != nil {
		return nil, err
	}
	inv := Inventory{}
	for _, o := range objs {
		if !slices.Contains(bookkeeping, o.Collection) {
			inv[o.Collection] = append(inv[o.Collection], o.ID)
		}
	}
	if _, err := w.Destroy(ctx); err != nil {
		return nil, err
	}
	return shape(inv, state), nil
}

// checkMatchesState fails unless the emulator holds exactly what a clean
// apply of the same configuration holds: as many objects of each kind,
// as many of them named by the state. One more means a duplicate or an
// orphan; one fewer, something the state names that is gone.
func checkMatchesState(t *testing.T, w *Workspace, want Shape) {
	t.Helper()
	state, err := w.RawState()
	if err != nil {
		t.Fatal(err)
	}
	got := shape(inventory(t, w.Emu), state)
	if !maps.Equal(got, want) {
		t.Fatalf("the emulator does not hold what the state says.\ngot:\n%swant (a fault-free apply):\n%s", got, want)
	}
}

// checkNothingLeft fails if the emulator holds anything, bookkeeping
// included.
func checkNothingLeft(t *testing.T, w *Workspace) {
	t.Helper()
	if left := everything(t, w.Emu); len(left) > 0 {
		sort.Strings(left)
		t.Fatalf("%d objects left in the emulator: %s", len(left), strings.Join(left, ", "))
	}
}

// checkNoChanges fails if a plan would change anything: the apply
// converged and the state reads back as configured.
func checkNoChanges(t *testing.T, w *Workspace) {
	t.Helper()
	changes, err := w.Plan(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) > 0 {
		t.Fatalf("the plan after apply still changes %d resources: %+v", len(changes), changes)
	}
}
