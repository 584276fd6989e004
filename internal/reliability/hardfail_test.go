package reliability

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/faults"
)

// EnvFull runs every case of the bounded scenarios (every creating call of
// every resource, not a sample of them): HEALTH_RELIABILITY_FULL=1.
const EnvFull = "HEALTH_RELIABILITY_FULL"

// maxCasesPerResource bounds the hard-failure cases of one resource on one
// cloud in `make test`: the first call of each kind, then the last call and
// calls evenly spread between the others (see sample).
const maxCasesPerResource = 5

// creating matches the calls that make or change something: the calls a
// create can fail at.
var creating = regexp.MustCompile(`^(outscale:(Create|Link|Update)|ovh:(POST|PUT) |s3:(Create|Put)|openbao:(POST|PUT) )`)

// hardFailCase is one resource type under test: deps is applied first,
// then config adds the resource at address.
type hardFailCase struct {
	kind    string
	address string
	deps    func(cloudName string) string
	config  func(cloudName string) string
	// adoptsOn is the cloud where the resource makes nothing (the key
	// manager adopts OVHcloud's OKMS).
	adoptsOn string
}

var hardFailCases = []hardFailCase{
	{kind: "network", address: "health_warehouse_network.hf",
		config: func(string) string { return networkHCL }},
	{kind: "kms_key", address: "health_warehouse_kms_key.hf",
		config: func(string) string {
			return `
resource "health_warehouse_kms_key" "hf" {
  name                  = "hf-key"
  deletion_protection   = false
  compliance_exceptions = [{ control = "HW-KEY-02", justification = "reliability suite" }]
}
`
		}},
	{kind: "storage", address: "health_warehouse_storage.hf",
		config: func(cloudName string) string {
			exception := ""
			if cloudName == cloud.Outscale {
				exception = `  compliance_exceptions = [{ control = "HW-STO-03", justification = "OOS cannot deny plain HTTP" }]`
			}
			return fmt.Sprintf(`
resource "health_warehouse_storage" "hf" {
  name            = "hf-raw"
  zone            = "raw"
  encryption      = { mode = "customer-key", kms_key_id = "hf-wrapping-key" }
  lifecycle_rules = [{ id = "old-versions", noncurrent_version_expiration_days = 90 }]
  tags            = { project = "hf" }
%s
}
`, exception)
		}},
	{kind: "bastion", address: "health_warehouse_bastion.hf",
		deps: func(string) string { return networkHCL },
		config: func(string) string {
			return networkHCL + `
resource "health_warehouse_bastion" "hf" {
  network_id    = health_warehouse_network.hf.id
  network_rules = health_warehouse_network.hf.rules
  name          = "hf-bastion"
  admins        = [{ name = "alice", ssh_public_key = "` + hardFailAdminKey + `" }]
}
`
		}},
	{kind: "key_manager", address: "health_warehouse_key_manager.hf", adoptsOn: cloud.OVH,
		deps: func(string) string { return networkHCL },
		config: func(string) string {
			return networkHCL + `
resource "health_warehouse_key_manager" "hf" {
  network_id    = health_warehouse_network.hf.id
  network_rules = health_warehouse_network.hf.rules
  name          = "hf-kms"
}
`
		}},
}

const networkHCL = `
resource "health_warehouse_network" "hf" {
  name        = "hf"
  cidr        = "10.60.0.0/16"
  admin_cidrs = ["203.0.113.7/32"]
  # The first boots take their software from Debian's archive and GitHub.
  egress_allow = [
    { name = "debian", cidr = "198.51.100.0/24", from_port = 80, tiers = ["bastion", "kms"], hosts = ["deb.debian.org"] },
    { name = "github", cidr = "192.0.2.0/24", from_port = 443, tiers = ["kms"], hosts = ["github.com"] },
  ]
}
`

// hardFailAdminKey is a fixed ed25519 key, so that every case plans the same.
const hardFailAdminKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl alice@laptop"

// creatingCall is the occurrence-th call of action.
type creatingCall struct {
	action     string
	occurrence int
}

// recorded is what a fault-free create of one resource does: its creating
// calls in order, and the shape it leaves.
type recorded struct {
	calls []creatingCall
	shape Shape
}

var recordings sync.Map // cloud/kind → func() (recorded, error)

// record applies c's configuration without faults, records the creating
// calls the resource makes, in order, and the shape it leaves.
func record(t *testing.T, cloudName string, c hardFailCase) recorded {
	t.Helper()
	once, _ := recordings.LoadOrStore(cloudName+"/"+c.kind, sync.OnceValues(func() (recorded, error) {
		var rec recorded
		w, err := initWorkspace(t, emutest.Start(t, nil), ProviderConfig(cloudName, rateLimit)+depsOf(c, cloudName))
		if err != nil {
			return rec, err
		}
		if c.deps != nil {
			if _, err := w.Apply(t.Context()); err != nil {
				return rec, err
			}
		}
		if err := w.Write(ProviderConfig(cloudName, rateLimit) + c.config(cloudName)); err != nil {
			return rec, err
		}
		var mu sync.Mutex
		seen := map[string]int{}
		w.Emu.Faults().SetHook(func(_ context.Context, action string) bool {
			if creating.MatchString(action) {
				mu.Lock()
				seen[action]++
				rec.calls = append(rec.calls, creatingCall{action, seen[action]})
				mu.Unlock()
			}
			return false
		})
		_, err = w.Apply(t.Context())
		w.Emu.Faults().SetHook(nil)
		if err != nil {
			return rec, err
		}
		state, err := w.RawState()
		if err != nil {
			return rec, err
		}
		rec.shape = shape(inventory(t, w.Emu), state)
		_, err = w.Destroy(t.Context())
		return rec, err
	}))
	get, _ := once.(func() (recorded, error))
	rec, err := get()
	if err != nil {
		t.Fatalf("the fault-free create of the %s on %s: %v", c.kind, cloudName, err)
	}
	return rec
}

func depsOf(c hardFailCase, cloudName string) string {
	if c.deps == nil {
		return ""
	}
	return c.deps(cloudName)
}

// sample picks up to maxCasesPerResource of calls: the first call of each kind of call (the
// kinds evenly spread when there are more than n), then the last call and
// calls evenly spread between the others, in the order they were made.
func sample(calls []creatingCall) []creatingCall {
	const n = maxCasesPerResource
	if os.Getenv(EnvFull) == "1" || len(calls) <= n {
		return calls
	}
	var firsts []int
	for i, c := range calls {
		if c.occurrence == 1 {
			firsts = append(firsts, i)
		}
	}
	picked := map[int]bool{}
	for _, i := range spread(firsts, n) {
		picked[i] = true
	}
	rest := make([]int, 0, len(calls))
	for i := len(calls) - 1; i >= 0; i-- { // the last call first
		if !picked[i] {
			rest = append(rest, i)
		}
	}
	for _, i := range spread(rest, n-len(picked)) {
		picked[i] = true
	}
	out := make([]creatingCall, 0, n)
	for i, c := range calls {
		if picked[i] {
			out = append(out, c)
		}
	}
	return out
}

// spread picks up to n of xs, the first and the last among them, the others
// evenly spaced.
func spread(xs []int, n int) []int {
	switch {
	case n <= 0:
		return nil
	case len(xs) <= n:
		return xs
	case n == 1:
		return xs[:1]
	}
	out := make([]int, 0, n)
	for i := range n {
		out = append(out, xs[i*(len(xs)-1)/(n-1)])
	}
	return out
}

// A create refused by the cloud half-way (HTTP 400 at its k-th creating
// call, for k in turn) fails the apply and leaves the resource tainted, or
// not created at all; the next apply replaces it and the emulator then
// holds exactly what a fault-free create holds (the tainted attempt's
// objects all deleted); destroy leaves nothing.
func TestHardFailure_midCreate(t *testing.T) {
	needCLI(t)
	t.Parallel()
	for _, cloudName := range clouds {
		for _, c := range hardFailCases {
			t.Run(cloudName+"/"+c.kind, func(t *testing.T) {
				t.Parallel()
				rec := record(t, cloudName, c)
				if len(rec.calls) == 0 {
					if c.adoptsOn == cloudName {
						t.Skipf("the %s on %s adopts what the cloud has: its create makes nothing to fail", c.kind, cloudName)
					}
					t.Fatal("the fault-free create made no creating call")
				}
				for _, call := range sample(rec.calls) {
					t.Run(fmt.Sprintf("%s #%d", call.action, call.occurrence), func(t *testing.T) {
						t.Parallel()
						hardFailOnce(t, cloudName, c, call, rec.shape)
					})
				}
			})
		}
	}
}

func hardFailOnce(t *testing.T, cloudName string, c hardFailCase, call creatingCall, want Shape) {
	emu := emutest.Start(t, nil)
	w := workspaceAt(t, emu, ProviderConfig(cloudName, rateLimit)+depsOf(c, cloudName))
	if c.deps != nil {
		if _, err := w.Apply(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Write(ProviderConfig(cloudName, rateLimit) + c.config(cloudName)); err != nil {
		t.Fatal(err)
	}
	addFaults(t, emu, faults.Rule{Action: call.action, Nth: call.occurrence, Statuses: []int{http.StatusBadRequest}})
	out, err := w.Apply(t.Context())
	if err == nil {
		t.Fatalf("the apply succeeded although the cloud refused %s #%d:\n%s", call.action, call.occurrence, out)
	}
	state, err := w.ShowState(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range state.Resources() {
		if r.Address == c.address && !r.Tainted {
			t.Fatalf("%s is in the state untainted after its create failed", c.address)
		}
	}
	if out, err := w.Apply(t.Context()); err != nil {
		t.Fatalf("the apply after the failure: %v\n%s", err, out)
	}
	checkMatchesState(t, w, want)
	if _, err := w.Destroy(t.Context()); err != nil {
		t.Fatal(err)
	}
	checkNothingLeft(t, w)
	if !strings.Contains(out, "Error") {
		t.Logf("the failed apply said:\n%s", out)
	}
}

// The bounded sample fails every kind of call a create makes before it
// fails a second call of one kind: a key manager's VMs are made after its
// group, its rule and their tags, and a sample of evenly spaced calls
// missed them.
func TestSample_everyKindOfCallFirst(t *testing.T) {
	t.Setenv(EnvFull, "")
	calls := []creatingCall{
		{"outscale:CreateSecurityGroup", 1}, {"outscale:CreateTags", 1}, {"outscale:CreateSecurityGroupRule", 1},
		{"outscale:CreateTags", 2}, {"outscale:CreateTags", 3}, {"outscale:CreateTags", 4}, {"outscale:CreateTags", 5},
		{"outscale:CreateVms", 1}, {"outscale:CreateVms", 2}, {"outscale:CreateVms", 3}, {"outscale:CreateTags", 6},
	}
	got := sample(calls)
	want := []creatingCall{
		{"outscale:CreateSecurityGroup", 1}, {"outscale:CreateTags", 1}, {"outscale:CreateSecurityGroupRule", 1},
		{"outscale:CreateVms", 1}, {"outscale:CreateTags", 6},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("sample = %v, want %v", got, want)
	}
	if got := sample(calls[:4]); len(got) != 4 {
		t.Errorf("a create of 4 calls is sampled as %v, want all 4", got)
	}
	t.Setenv(EnvFull, "1")
	if got := sample(calls); len(got) != len(calls) {
		t.Errorf("with %s=1, %d cases, want every call (%d)", EnvFull, len(got), len(calls))
	}
}
