package reliability

import (
	"context"
	"fmt"
	"os"
	"testing"
)

// harness is the CLI and the provider built for this test binary.
var harness *Harness

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	if os.Getenv("TF_ACC") == "" {
		// The fuzz seeds and unit tests of the package still run.
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "health-reliability-")
	if err != nil {
		return fail(err)
	}
	defer os.RemoveAll(dir)
	if harness, err = NewHarness(context.Background(), dir); err != nil {
		return fail(err)
	}
	return m.Run()
}

func fail(err error) int {
	fmt.Fprintln(os.Stderr, "reliability:", err)
	return 1
}

// needCLI skips a test that drives the CLI when TF_ACC is not set.
func needCLI(t *testing.T) {
	t.Helper()
	if harness == nil {
		t.Skip("set TF_ACC=1 (make test does) to run the reliability suite with the Terraform CLI")
	}
}
