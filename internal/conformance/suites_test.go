package conformance

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
)

// Every suite names each test once, says why a test cannot run, points the
// tests at everything they read, and its warehouse exists with every
// variable it declares given a value.
func TestSuites_wellFormed(t *testing.T) {
	t.Parallel()
	for _, suite := range Suites() {
		t.Run(suite.Cloud, func(t *testing.T) {
			t.Parallel()
			cfg := emulator.DefaultConfig()
			if suite.Seed != nil {
				suite.Seed(&cfg)
			}
			emu := emutest.Start(t, &cfg)
			target := TargetOf(emu)
			seen := map[string]bool{}
			for _, c := range suite.Cases {
				if seen[c.Test] || !strings.HasPrefix(c.Test, "TestAcc") || c.Covers == "" {
					t.Errorf("case %+v: duplicate, not an acceptance test, or covering nothing", c)
				}
				seen[c.Test] = true
			}
			for k, v := range suite.Env(target) {
				if v == "" {
					t.Errorf("%s is empty for the tests", k)
				}
			}
			wh := WarehouseOf(suite.Cloud, emu)
			vars := wh.Vars(target)
			for k, v := range vars {
				if v == "" {
					t.Errorf("warehouse variable %s is empty", k)
				}
			}
			main, err := os.ReadFile(filepath.Join(wh.Dir, "main.tf"))
			if err != nil {
				t.Fatal(err)
			}
			// Each variable without a default gets a value from the harness.
			for _, block := range strings.Split(string(main), "\nvariable \"")[1:] {
				name, body, _ := strings.Cut(block, "\"")
				body, _, _ = strings.Cut(body, "\n}\n")
				if _, given := vars[name]; !given && !strings.Contains(body, "default") {
					t.Errorf("variable %s has no default and the harness gives it no value", name)
				}
			}
		})
	}
}

// What make test runs of make conformance: the first selected test of
// each official provider against the emulator, when the Go module proxy
// serves the provider. On a machine where it does not, the test says so
// and why (the full run records it in internal/emulator/CONFORMANCE.md).
func TestSuites_officialSubset(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 (make test does) to run the official providers' tests")
	}
	cli, err := exec.LookPath("terraform")
	if err != nil {
		cli, err = exec.LookPath("tofu")
	}
	if p := os.Getenv("TF_ACC_TERRAFORM_PATH"); p != "" {
		cli, err = p, nil
	}
	if err != nil {
		t.Skip("no Terraform CLI: make test finds or builds one")
	}
	for _, suite := range Suites() {
		t.Run(suite.Cloud, func(t *testing.T) {
			t.Parallel()
			cfg := emulator.DefaultConfig()
			if suite.Seed != nil {
				suite.Seed(&cfg)
			}
			emu := emutest.Start(t, &cfg)
			r := &Runner{WorkDir: t.TempDir(), Env: map[string]string{"TF_ACC_TERRAFORM_PATH": cli}}
			if _, err := r.Fetch(context.Background(), suite); err != nil {
				var blocked *BlockedError
				if errors.As(err, &blocked) {
					t.Skipf("not run here: %s", blocked.Reason)
				}
				t.Fatal(err)
			}
			suite.Cases = suite.Cases[:1]
			res, err := r.Run(context.Background(), suite, TargetOf(emu))
			if err != nil {
				t.Fatal(err)
			}
			if res.Results[0].Status != Pass {
				t.Errorf("%s: %s: %s", res.Results[0].Test, res.Results[0].Status, res.Results[0].Cause)
			}
		})
	}
}
