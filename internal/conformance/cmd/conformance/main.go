// Command conformance is `make conformance`: the official OUTSCALE and
// OVHcloud providers' own acceptance tests, and a warehouse written with
// their resources, against the emulator; the result is written to
// internal/emulator/CONFORMANCE.md.
//
//	go run ./internal/conformance/cmd/conformance [-cloud outscale|ovh] [-run REGEXP] [-out FILE]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/conformance"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/tfcli"
)

func main() {
	out := flag.String("out", "internal/emulator/CONFORMANCE.md", "where to write the table (empty: nowhere)")
	only := flag.String("cloud", "", "run one cloud's suite only: outscale or ovh")
	run := flag.String("run", "", "run only the acceptance tests whose name matches this regular expression")
	timeout := flag.Duration("timeout", 60*time.Minute, "bound on each suite's go test")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := conform(ctx, *out, *only, *run, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "conformance: "+err.Error())
		os.Exit(1)
	}
}

func conform(ctx context.Context, out, only, run string, timeout time.Duration) error {
	var filter *regexp.Regexp
	if run != "" {
		var err error
		if filter, err = regexp.Compile(run); err != nil {
			return fmt.Errorf("-run: %w", err)
		}
	}
	root, err := tfcli.RepoRoot(".")
	if err != nil {
		return err
	}
	cli, err := tfcli.Find(ctx, root)
	if errors.Is(err, tfcli.ErrNotFound) {
		if _, err = tfcli.Build(ctx, root, func(s string) { fmt.Fprintln(os.Stderr, "tfcli: "+s) }); err == nil {
			cli, err = tfcli.Find(ctx, root)
		}
	}
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "health-conformance-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	cliConfig, err := tfcli.WriteConfig(work, "")
	if err != nil {
		return err
	}
	env := map[string]string{"TF_CLI_CONFIG_FILE": cliConfig}
	for k, v := range cli.Env() {
		env[k] = v
	}
	runner := &conformance.Runner{WorkDir: work, Env: env, Timeout: timeout, Log: os.Stderr}
	name := "Terraform"
	if cli.OpenTofu {
		name = "OpenTofu"
	}
	report := conformance.Report{CLI: name + " " + cli.Version, Date: time.Now().UTC().Format("2006-01-02")}
	for _, suite := range conformance.Suites() {
		if only != "" && suite.Cloud != only {
			continue
		}
		if filter != nil {
			suite.Cases = selectCases(suite.Cases, filter)
		}
		res, wh, err := runSuite(ctx, runner, suite, conformance.CLI{Path: cli.Path, Env: env})
		if err != nil {
			return err
		}
		report.Suites = append(report.Suites, res)
		if wh != nil {
			report.Warehouses = append(report.Warehouses, *wh)
		}
		if res.Blocked != "" {
			fmt.Fprintf(os.Stderr, "conformance: %s was not run: %s\n", suite.Module, res.Blocked)
			continue
		}
		passed, selected := res.Counts()
		fmt.Fprintf(os.Stderr, "conformance: %s: %d of %d acceptance tests passed\n", suite.Module, passed, selected)
	}
	if out == "" {
		return nil
	}
	f, err := os.Create(filepath.Join(root, out))
	if err != nil {
		return err
	}
	if err := report.WriteMarkdown(f); err != nil {
		_ = f.Close()
		return err
	}
	fmt.Fprintln(os.Stderr, "conformance: wrote "+out)
	return f.Close()
}

// runSuite runs suite's acceptance tests against one fresh emulator, then
// its warehouse against another, so that what the tests leave behind
// cannot hide what the warehouse leaves.
func runSuite(ctx context.Context, runner *conformance.Runner, suite conformance.Suite, cli conformance.CLI) (conformance.SuiteResult, *conformance.WarehouseResult, error) {
	emu, err := startEmulator(suite)
	if err != nil {
		return conformance.SuiteResult{}, nil, err
	}
	res, err := runner.Run(ctx, suite, conformance.TargetOf(emu))
	_ = emu.Close()
	if err != nil || res.Blocked != "" {
		return res, nil, err
	}
	src, err := runner.Fetch(ctx, suite)
	if err != nil {
		return res, nil, err
	}
	whEmu, err := startEmulator(suite)
	if err != nil {
		return res, nil, err
	}
	defer whEmu.Close()
	wh := runner.RunWarehouse(ctx, suite, src, conformance.WarehouseOf(suite.Cloud, whEmu), cli, conformance.TargetOf(whEmu))
	return res, &wh, nil
}

func startEmulator(suite conformance.Suite) (*emulator.Emulator, error) {
	cfg := emulator.DefaultConfig()
	if suite.Seed != nil {
		suite.Seed(&cfg)
	}
	emu, err := emulator.New(cfg)
	if err != nil {
		return nil, err
	}
	if err := emu.Start("127.0.0.1:0"); err != nil {
		return nil, err
	}
	return emu, nil
}

func selectCases(cases []conformance.Case, filter *regexp.Regexp) []conformance.Case {
	var out []conformance.Case
	for _, c := range cases {
		if filter.MatchString(c.Test) {
			out = append(out, c)
		}
	}
	return out
}
