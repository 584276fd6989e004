// Package conformance runs the official OUTSCALE and OVHcloud Terraform
// providers' own acceptance tests against the emulator, and a warehouse
// written with their resources through the real CLI, so that the emulator
// is measured against code its authors did not write (`make conformance`).
//
// Each provider is pinned (Suite.Module at Suite.Version) and fetched from
// the Go module proxy, the only place these machines can fetch code from;
// its acceptance tests run with `go test` in a copy of the module, pointed
// at the emulator through the environment variables the provider's tests
// read. A test that needs what no emulator can give (a marketplace order, a
// registry download) is listed in the suite with the reason, and not run.
package conformance

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/emulator"
)

// Suite is one official provider's acceptance tests, pinned.
type Suite struct {
	// Cloud is the cloud the provider drives: "outscale" or "ovh".
	Cloud string
	// Module and Version pin the provider's Go module, as the Go module
	// proxy serves it.
	Module  string
	Version string
	// Package holds the acceptance tests, relative to the module's root.
	Package string
	// Address is the provider's registry address, such as
	// registry.terraform.io/outscale/outscale.
	Address string
	// Cases are the acceptance tests selected: every one that covers an
	// object the emulator emulates.
	Cases []Case
	// Env points the provider's tests at the emulator.
	Env func(t Target) map[string]string
	// Seed adapts the emulator's seed to what the tests take for granted
	// (a Region named in their configurations); nil keeps the default.
	Seed func(cfg *emulator.Config)
	// Prepare makes what the tests expect to exist before they run (an
	// account's key pair), through the emulated API; nil makes nothing.
	Prepare func(ctx context.Context, t Target) error
}

// Case is one acceptance test of the official provider.
type Case struct {
	// Test is the Go test function.
	Test string
	// Covers names the objects it creates, for the report.
	Covers string
	// NotRun, when set, is why no emulator can pass it: it is listed in the
	// report with this reason and never run.
	NotRun string
}

// Target is what a suite's tests are pointed at.
type Target struct {
	// URL is the emulator's base URL, such as http://127.0.0.1:40123.
	URL string
	// Values are the seed's identifiers and credentials the tests need
	// (account ids, keys, the project, a region, an image id, …), by name.
	Values map[string]string
}

// Status is the outcome of one case.
type Status string

// The outcomes of a case.
const (
	Pass    Status = "pass"
	Fail    Status = "fail"
	Skip    Status = "skip"    // the test skipped itself
	NotRun  Status = "not run" // listed with the reason no emulator can pass it
	Blocked Status = "blocked" // the suite could not be fetched or built here
)

// Result is the outcome of one case.
type Result struct {
	Case
	Status Status
	// Cause is why it failed, skipped or did not run: the first lines of
	// the test's own output, or the harness's reason.
	Cause   string
	Elapsed time.Duration
}

// SuiteResult is the outcome of one suite.
type SuiteResult struct {
	Suite   Suite
	Results []Result
	// Blocked, when set, is why the suite could not run at all.
	Blocked string
}

// Counts returns the number of passed cases and of cases that were run.
func (r SuiteResult) Counts() (passed, selected int) {
	for _, res := range r.Results {
		if res.Status == NotRun {
			continue
		}
		selected++
		if res.Status == Pass {
			passed++
		}
	}
	return passed, selected
}

// Runner runs suites.
type Runner struct {
	// WorkDir is a scratch directory, removed by the caller.
	WorkDir string
	// Env is added to every go command the runner starts: GOPROXY,
	// GOFLAGS, a Terraform CLI (TF_ACC_TERRAFORM_PATH), a CLI
	// configuration file (TF_CLI_CONFIG_FILE).
	Env map[string]string
	// Timeout bounds one suite's `go test`.
	Timeout time.Duration
	// Log receives progress lines; nil discards them.
	Log io.Writer

	fetched map[string]string // module@version → writable copy
}

// Run fetches suite's module and runs its selected cases against target.
// Failing to fetch or build the module is not an error: every selected
// case is then reported Blocked with the reason.
func (r *Runner) Run(ctx context.Context, suite Suite, target Target) (SuiteResult, error) {
	out := SuiteResult{Suite: suite}
	src, err := r.Fetch(ctx, suite)
	if err != nil {
		var blocked *BlockedError
		if !errors.As(err, &blocked) {
			return out, err
		}
		out.Blocked = blocked.Reason
		for _, c := range suite.Cases {
			res := Result{Case: c, Status: NotRun, Cause: c.NotRun}
			if c.NotRun == "" {
				res.Status, res.Cause = Blocked, blocked.Reason
			}
			out.Results = append(out.Results, res)
		}
		return out, nil
	}
	if suite.Prepare != nil {
		if err := suite.Prepare(ctx, target); err != nil {
			return out, fmt.Errorf("preparing the emulator for %s: %w", suite.Module, err)
		}
	}
	var selected []string
	for _, c := range suite.Cases {
		if c.NotRun == "" {
			selected = append(selected, c.Test)
		}
	}
	events, err := r.goTest(ctx, src, suite, target, selected)
	if err != nil {
		return out, err
	}
	for _, c := range suite.Cases {
		if c.NotRun != "" {
			out.Results = append(out.Results, Result{Case: c, Status: NotRun, Cause: c.NotRun})
			continue
		}
		out.Results = append(out.Results, events.result(c))
	}
	return out, nil
}

// BlockedError means a suite cannot run on this machine: its module could
// not be fetched or built.
type BlockedError struct{ Reason string }

func (e *BlockedError) Error() string { return e.Reason }

// Fetch downloads suite's module through the Go module proxy and copies it
// into a writable directory (the module cache is read-only), which it
// returns. A module the proxy refuses is a *BlockedError naming the answer.
func (r *Runner) Fetch(ctx context.Context, suite Suite) (string, error) {
	ref := suite.Module + "@" + suite.Version
	if dir, ok := r.fetched[ref]; ok {
		return dir, nil
	}
	r.logf("fetching %s through the Go module proxy", ref)
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", ref)
	cmd.Dir = r.WorkDir
	cmd.Env = r.environ(nil)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	raw, runErr := cmd.Output()
	var info struct{ Dir, Error string }
	if err := json.Unmarshal(raw, &info); err != nil {
		if runErr != nil {
			return "", &BlockedError{Reason: fmt.Sprintf("go mod download %s failed: %s", ref, firstLines(stderr.String(), 3))}
		}
		return "", fmt.Errorf("go mod download %s: reading its answer: %w", ref, err)
	}
	if info.Error != "" || info.Dir == "" {
		return "", &BlockedError{Reason: fmt.Sprintf("the Go module proxy did not serve %s: %s", ref, proxyAnswer(info.Error))}
	}
	dst := filepath.Join(r.WorkDir, "src", suite.Cloud)
	if err := copyTree(info.Dir, dst); err != nil {
		return "", fmt.Errorf("copying %s: %w", ref, err)
	}
	if r.fetched == nil {
		r.fetched = map[string]string{}
	}
	r.fetched[ref] = dst
	return dst, nil
}

// proxyAnswer keeps what matters of go's download error: the status and
// the proxy's words, without the URL's length of noise.
func proxyAnswer(msg string) string {
	msg = strings.TrimSpace(msg)
	if i := strings.Index(msg, ": 4"); i >= 0 && strings.Contains(msg, "reading http") {
		msg = msg[i+2:]
	}
	return strings.Join(strings.Fields(msg), " ")
}

// goTest runs the selected tests of suite in src and collects their events.
func (r *Runner) goTest(ctx context.Context, src string, suite Suite, target Target, tests []string) (testEvents, error) {
	events := testEvents{}
	if len(tests) == 0 {
		return events, nil
	}
	quoted := make([]string, len(tests))
	for i, t := range tests {
		quoted[i] = regexp.QuoteMeta(t)
	}
	timeout := r.Timeout
	if timeout == 0 {
		timeout = 60 * time.Minute
	}
	args := []string{"test", "-json", "-count=1", "-timeout", timeout.String(),
		"-run", "^(" + strings.Join(quoted, "|") + ")$", suite.Package}
	r.logf("running %d acceptance tests of %s@%s against %s", len(tests), suite.Module, suite.Version, target.URL)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = src
	env := map[string]string{"TF_ACC": "1"}
	if suite.Env != nil {
		for k, v := range suite.Env(target) {
			env[k] = v
		}
	}
	cmd.Env = r.environ(env)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return events, err
	}
	if err := cmd.Start(); err != nil {
		return events, err
	}
	events.read(stdout, r.Log)
	// go test exits 1 when a test fails: the events say which.
	if err := cmd.Wait(); err != nil && len(events) == 0 {
		return events, &BlockedError{Reason: fmt.Sprintf("go test %s did not run: %s", suite.Package, firstLines(stderr.String(), 5))}
	}
	if len(events) == 0 && stderr.Len() > 0 {
		return events, fmt.Errorf("go test %s: %s", suite.Package, firstLines(stderr.String(), 5))
	}
	return events, nil
}

func (r *Runner) environ(extra map[string]string) []string {
	env := os.Environ()
	for _, m := range []map[string]string{r.Env, extra} {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			env = append(env, k+"="+m[k])
		}
	}
	return env
}

func (r *Runner) logf(format string, args ...any) {
	if r.Log != nil {
		fmt.Fprintf(r.Log, "conformance: "+format+"\n", args...)
	}
}

// testEvents gathers `go test -json` (test2json) events per top-level test.
type testEvents map[string]*testRecord

type testRecord struct {
	action  string
	elapsed float64
	output  strings.Builder
}

// read consumes the event stream; lines that are not events (a build
// failure's output) are kept under the empty test name.
func (ev testEvents) read(rd io.Reader, echo io.Writer) {
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e struct {
			Action  string
			Test    string
			Output  string
			Elapsed float64
			// ImportPath marks a build's output (Action "build-output").
			ImportPath string
		}
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			ev.record("").output.WriteString(sc.Text() + "\n")
			continue
		}
		// Subtests count towards their top-level test.
		name, _, _ := strings.Cut(e.Test, "/")
		rec := ev.record(name)
		switch e.Action {
		case "output", "build-output":
			rec.output.WriteString(e.Output)
		case "pass", "fail", "skip":
			if e.Test == name {
				rec.action, rec.elapsed = e.Action, e.Elapsed
				if echo != nil && name != "" {
					fmt.Fprintf(echo, "conformance: %-4s %s (%.1fs)\n", e.Action, name, e.Elapsed)
				}
			}
		}
	}
}

func (ev testEvents) record(name string) *testRecord {
	rec, ok := ev[name]
	if !ok {
		rec = &testRecord{}
		ev[name] = rec
	}
	return rec
}

// result is c's outcome. A selected test that never reported is a failure:
// it does not exist at this version, or the run died before it.
func (ev testEvents) result(c Case) Result {
	rec, ok := ev[c.Test]
	if !ok || rec.action == "" {
		cause := "the test did not run: it does not exist at this version, or go test stopped before it"
		if pkg, ok := ev[""]; ok && pkg.output.Len() > 0 {
			cause += ": " + firstLines(pkg.output.String(), 3)
		}
		return Result{Case: c, Status: Fail, Cause: cause}
	}
	res := Result{Case: c, Elapsed: time.Duration(rec.elapsed * float64(time.Second))}
	switch rec.action {
	case "pass":
		res.Status = Pass
	case "skip":
		res.Status, res.Cause = Skip, causeOf(rec.output.String())
	default:
		res.Status, res.Cause = Fail, causeOf(rec.output.String())
	}
	return res
}

// causeOf picks the lines of a test's output that say why it failed or
// skipped: Terraform's "Error:" blocks and the testing package's messages,
// not the "=== RUN" chatter.
func causeOf(output string) string {
	var keep []string
	for _, line := range strings.Split(output, "\n") {
		t := goSourcePrefix.ReplaceAllString(strings.TrimSpace(line), "")
		switch {
		case t == "", strings.HasPrefix(t, "=== "), strings.HasPrefix(t, "--- "),
			strings.HasPrefix(t, "PASS"), strings.HasPrefix(t, "FAIL"), strings.HasPrefix(t, "ok "):
			continue
		}
		keep = append(keep, strings.Trim(t, "│╷╵ "))
	}
	for i, line := range keep {
		if strings.HasPrefix(line, "Error:") {
			keep = keep[i:]
			break
		}
	}
	return firstLines(strings.Join(keep, "\n"), 4)
}

// goSourcePrefix is what t.Log and t.Fatal put before a message.
var goSourcePrefix = regexp.MustCompile(`^[\w.-]+\.go:\d+: `)

func firstLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	var kept []string
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" {
			kept = append(kept, l)
		}
		if len(kept) == n {
			break
		}
	}
	out := strings.Join(kept, " / ")
	if len(out) > 400 {
		out = out[:400] + "…"
	}
	return out
}

// copyTree copies the regular files and directories under src to dst,
// writable by the owner.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
}
