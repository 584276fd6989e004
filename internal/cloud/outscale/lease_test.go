package outscale_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/cloud/outscale"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
)

// childEnv makes the test binary a second provider process: it creates one
// network against the emulator at OSC_ENDPOINT_API and writes what came of
// it to the file it names, instead of running the tests.
const childEnv = "HEALTH_TEST_CREATE_NETWORK_RESULT"

func TestMain(m *testing.M) {
	if out := os.Getenv(childEnv); out != "" {
		os.Exit(createNetworkAsChild(out))
	}
	os.Exit(m.Run())
}

// childResult is what a child process reports.
type childResult struct {
	NetworkID  string `json:"network_id"`
	Error      string `json:"error"`
	InProgress bool   `json:"in_progress"`
}

func createNetworkAsChild(out string) int {
	subnets, err := cloud.DefaultSubnets("10.90.0.0/16")
	if err != nil {
		return 2
	}
	c, err := outscale.New(outscale.Config{Endpoint: os.Getenv("OSC_ENDPOINT_API"), AccessKey: emulator.DefaultOutscaleAccessKey,
		SecretKey: emulator.DefaultOutscaleSecretKey, Region: emulator.DefaultOutscaleRegion},
		cloud.Options{Retry: noWait, RequestsPerSecond: 1000})
	if err != nil {
		return 2
	}
	// The create's deadline, as Terraform's create timeout gives it.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	n, err := c.CreateNetwork(ctx, cloud.NetworkSpec{Name: "wh-twice", CIDR: "10.90.0.0/16", Subnets: subnets,
		AdminCIDRs: []string{"203.0.113.7/32"}, NATEgress: true, ClientToken: os.Getenv("HEALTH_TEST_CLIENT_TOKEN")})
	res := childResult{NetworkID: n.ID}
	if err != nil {
		var busy *cloud.InProgressError
		res.Error, res.InProgress = err.Error(), errors.As(err, &busy)
	}
	doc, _ := json.Marshal(res)
	if os.WriteFile(out, doc, 0o600) != nil {
		return 2
	}
	return 0
}

// child starts this test binary as another provider process creating the
// network wh-twice with token; wait returns what it reported.
func child(t *testing.T, emu *emulator.Emulator, token string) (wait func() childResult) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "result.json")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+out, "OSC_ENDPOINT_API="+emu.OutscaleEndpoint(), "HEALTH_TEST_CLIENT_TOKEN="+token)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
	})
	return func() childResult {
		t.Helper()
		if err := <-done; err != nil {
			t.Fatalf("the process creating with token %s failed: %v\n%s", token, err, stderr.String())
		}
		var res childResult
		doc, err := os.ReadFile(out)
		if err == nil {
			err = json.Unmarshal(doc, &res)
		}
		if err != nil {
			t.Fatalf("the process creating with token %s reported nothing: %v", token, err)
		}
		return res
	}
}

// Two provider processes create a network of the same name at the same
// time, as two pipelines applying the same configuration would. The
// second finds the first's Net, marked with a lease that runs: it deletes
// nothing and fails, naming the Net and how to go on. The first, held
// half-way meanwhile, then finishes: its network is whole, and it is all
// the cloud holds.
func TestLease_twoProcessesCreatingTheSameNetwork(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	held, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	emu.Faults().SetHook(func(ctx context.Context, action string) bool {
		if action != "outscale:CreateRouteTable" {
			return false
		}
		first := false
		once.Do(func() { first = true })
		if first {
			close(held)
			select { // hold the first process half-way through its create
			case <-release:
			case <-ctx.Done():
			}
		}
		return false
	})
	const tokenA, tokenB = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	waitA := child(t, emu, tokenA)
	<-held

	netA := netMarkedBy(t, emu, tokenA)
	second := child(t, emu, tokenB)()
	if !second.InProgress || !strings.Contains(second.Error, netA) || !strings.Contains(second.Error, tokenA) {
		t.Fatalf("the second create: %+v, want it refused, naming the first's Net %s and token", second, netA)
	}
	if netMarkedBy(t, emu, tokenA) != netA {
		t.Fatal("the second create touched the first's Net")
	}

	close(release)
	first := waitA()
	if first.Error != "" || first.NetworkID != netA {
		t.Fatalf("the first create, once released: %+v, want its network %s made", first, netA)
	}
	c := client(t, emu, defaultConfig())
	n, err := c.ReadNetwork(context.Background(), cloud.Network{ID: netA})
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range cloudIDKeys {
		if n.CloudIDs[key] == "" {
			t.Errorf("the first network lacks its %s", key)
		}
	}
	// The second process made nothing: once the first's network is gone,
	// so is everything.
	if err := c.DeleteNetwork(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, emu)
}

// netMarkedBy is the id of the Net whose lease token holds.
func netMarkedBy(t *testing.T, emu *emulator.Emulator, token string) string {
	t.Helper()
	for _, o := range objects(t, emu) {
		var net struct {
			NetID string `json:"NetId"`
			Tags  []struct{ Key, Value string }
		}
		if o.Collection != "outscale.nets" || json.Unmarshal(o.Doc, &net) != nil {
			continue
		}
		for _, tag := range net.Tags {
			if tag.Key == cloud.TagCreating && cloud.ParseLeaseTag(tag.Value).Token == token {
				return net.NetID
			}
		}
	}
	t.Fatalf("no Net carries the lease of %s", token)
	return ""
}
