// Package reliability holds the fault-injection suite of the provider (its
// tests) and the harness it shares with the benchmark (internal/bench):
// the provider built from this repository into a filesystem mirror, driven
// by the real Terraform CLI in a working directory of its own, against a
// private emulator per run.
//
// The suite drives the CLI directly rather than through
// terraform-plugin-testing, for what the in-process provider of that
// framework cannot give: a provider process of its own that a test can
// SIGKILL half-way through an apply, the provider's peak memory from /proc,
// and the CLI's and the provider's TRACE logs exactly as a user's run
// writes them.
package reliability

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/acctest"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/tfcli"
)

// ProviderVersion is the version the harness stamps on the provider it builds.
const ProviderVersion = "0.1.0"

// Harness is a Terraform CLI and the provider built from this repository.
type Harness struct {
	Root   string    // the repository
	CLI    tfcli.CLI // the Terraform or OpenTofu in use
	RCFile string    // a CLI configuration installing the provider built here
	Mirror string    // the filesystem mirror holding it
}

// NewHarness finds the CLI and builds the provider under dir.
func NewHarness(ctx context.Context, dir string) (*Harness, error) {
	root, err := tfcli.RepoRoot(".")
	if err != nil {
		return nil, err
	}
	cli, err := tfcli.Find(ctx, root)
	if err != nil {
		return nil, err
	}
	var build bytes.Buffer
	mirror, err := tfcli.BuildProviderMirror(ctx, root, dir, ProviderVersion, &build)
	if err != nil {
		return nil, fmt.Errorf("%w\n%s", err, build.String())
	}
	rc, err := tfcli.WriteConfig(dir, tfcli.MirrorConfig(mirror))
	if err != nil {
		return nil, err
	}
	// No plugin cache: Terraform's is not safe for concurrent inits.
	return &Harness{Root: root, CLI: cli, RCFile: rc, Mirror: mirror}, nil
}

// ProviderBinaryName is the file name of the provider's executable, as
// Terraform starts it: how the harness finds the plugin process.
func ProviderBinaryName() string { return "terraform-provider-health_v" + ProviderVersion }

// Workspace is one Terraform working directory pointed at one emulator.
type Workspace struct {
	H   *Harness
	Dir string
	Emu *emulator.Emulator
	// Env adds to (or, with an empty value, removes from) the environment
	// of every command.
	Env map[string]string
}

// Workspace returns a workspace in dir (created if needed) whose provider
// settings point at emu through the environment: no credential is ever
// written in the configuration nor the state.
func (h *Harness) Workspace(dir string, emu *emulator.Emulator) (*Workspace, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return &Workspace{H: h, Dir: dir, Emu: emu, Env: map[string]string{}}, nil
}

// Write writes main.tf.
func (w *Workspace) Write(config string) error {
	return os.WriteFile(filepath.Join(w.Dir, "main.tf"), []byte(config), 0o644)
}

// environ is the environment of a command: the caller's, minus anything
// that could point Terraform or the provider elsewhere, plus the
// emulator's settings and w.Env.
func (w *Workspace) environ() []string {
	env := map[string]string{
		"TF_CLI_CONFIG_FILE": w.H.RCFile, "TF_PLUGIN_CACHE_DIR": "",
		"CHECKPOINT_DISABLE": "1", "TF_INPUT": "0", "TF_IN_AUTOMATION": "1",
	}
	if w.Emu != nil {
		for k, v := range acctest.EmulatorEnv(w.Emu) {
			env[k] = v
		}
	}
	for k, v := range w.Env {
		env[k] = v
	}
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if _, set := env[k]; set || strings.HasPrefix(k, "TF_LOG") || strings.HasPrefix(k, "HEALTH_") ||
			strings.HasPrefix(k, "OSC_") || strings.HasPrefix(k, "OVH_") || k == "TF_VAR_" {
			continue
		}
		out = append(out, kv)
	}
	for k, v := range env {
		if v != "" {
			out = append(out, k+"="+v)
		}
	}
	return out
}

// Command prepares a CLI command in the workspace; its output goes to out.
func (w *Workspace) Command(ctx context.Context, out io.Writer, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, w.H.CLI.Path, args...)
	cmd.Dir, cmd.Env = w.Dir, w.environ()
	cmd.Stdout, cmd.Stderr = out, out
	// Terraform stops its provider when it is interrupted; a SIGKILL of the
	// CLI alone would leave the plugin running.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 30 * time.Second
	return cmd
}

// Run runs the CLI with args and returns its combined output; a non-zero
// exit is an *exec.ExitError wrapped with the output's tail.
func (w *Workspace) Run(ctx context.Context, args ...string) (string, error) {
	var out bytes.Buffer
	err := w.Command(ctx, &out, args...).Run()
	if err != nil {
		return out.String(), &RunError{Args: args, Err: err, Output: out.String()}
	}
	return out.String(), nil
}

// RunError is a CLI command that failed.
type RunError struct {
	Args   []string
	Err    error
	Output string
}

func (e *RunError) Error() string {
	return fmt.Sprintf("terraform %s: %v\n%s", strings.Join(e.Args, " "), e.Err, tail(e.Output, 6000))
}

func (e *RunError) Unwrap() error { return e.Err }

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// Init runs terraform init.
func (w *Workspace) Init(ctx context.Context) error {
	_, err := w.Run(ctx, "init", "-no-color", "-input=false")
	return err
}

// Apply runs terraform apply -auto-approve.
func (w *Workspace) Apply(ctx context.Context, extra ...string) (string, error) {
	return w.Run(ctx, append([]string{"apply", "-no-color", "-input=false", "-auto-approve"}, extra...)...)
}

// Destroy runs terraform destroy -auto-approve.
func (w *Workspace) Destroy(ctx context.Context, extra ...string) (string, error) {
	return w.Run(ctx, append([]string{"destroy", "-no-color", "-input=false", "-auto-approve"}, extra...)...)
}

// State is the part of `terraform show -json` the suite reads.
type State struct {
	Values *struct {
		RootModule StateModule `json:"root_module"`
	} `json:"values"`
}

// StateModule is a module of the state.
type StateModule struct {
	Resources    []StateResource `json:"resources"`
	ChildModules []StateModule   `json:"child_modules"`
}

// StateResource is one resource instance of the state.
type StateResource struct {
	Address string          `json:"address"`
	Type    string          `json:"type"`
	Values  json.RawMessage `json:"values"`
	Tainted bool            `json:"tainted"`
}

// Resources lists every resource instance of the state.
func (s State) Resources() []StateResource {
	if s.Values == nil {
		return nil
	}
	var out []StateResource
	var walk func(m StateModule)
	walk = func(m StateModule) {
		out = append(out, m.Resources...)
		for _, c := range m.ChildModules {
			walk(c)
		}
	}
	walk(s.Values.RootModule)
	return out
}

// ShowState reads the state with `terraform show -json`.
func (w *Workspace) ShowState(ctx context.Context) (State, error) {
	var out bytes.Buffer
	var errOut bytes.Buffer
	cmd := w.Command(ctx, &out, "show", "-json", "-no-color")
	cmd.Stderr = &errOut
	if err := cmd.Run(); err != nil {
		return State{}, fmt.Errorf("terraform show -json: %w\n%s", err, errOut.String())
	}
	var s State
	if err := json.Unmarshal(out.Bytes(), &s); err != nil {
		return State{}, fmt.Errorf("terraform show -json: %w", err)
	}
	return s, nil
}

// RawState is the state file as Terraform wrote it.
func (w *Workspace) RawState() ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(w.Dir, "terraform.tfstate"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return b, err
}

// PlannedChange is one resource change of a saved plan.
type PlannedChange struct {
	Address string   `json:"address"`
	Actions []string `json:"actions"`
	// Attributes whose value the plan changes (top level).
	Changed []string `json:"-"`
}

// Plan runs `terraform plan -out` then `show -json` of the plan and
// returns the resources it would change (no-ops left out).
func (w *Workspace) Plan(ctx context.Context, extra ...string) ([]PlannedChange, error) {
	changes, _, err := w.PlanWithDrift(ctx, extra...)
	return changes, err
}

// PlanWithDrift is Plan, with the changes the refresh found made outside
// Terraform (the plan's resource_drift, what `plan` shows under "Objects
// have changed outside of Terraform").
func (w *Workspace) PlanWithDrift(ctx context.Context, extra ...string) (changes, drift []PlannedChange, err error) {
	args := append([]string{"plan", "-no-color", "-input=false", "-out=tfplan"}, extra...)
	if _, err := w.Run(ctx, args...); err != nil {
		return nil, nil, err
	}
	var out, errOut bytes.Buffer
	cmd := w.Command(ctx, &out, "show", "-json", "tfplan")
	cmd.Stderr = &errOut
	if err := cmd.Run(); err != nil {
		return nil, nil, fmt.Errorf("terraform show -json tfplan: %w\n%s", err, errOut.String())
	}
	type resourceChange struct {
		Address string `json:"address"`
		Change  struct {
			Actions []string                   `json:"actions"`
			Before  map[string]json.RawMessage `json:"before"`
			After   map[string]json.RawMessage `json:"after"`
		} `json:"change"`
	}
	var plan struct {
		ResourceChanges []resourceChange `json:"resource_changes"`
		ResourceDrift   []resourceChange `json:"resource_drift"`
	}
	if err := json.Unmarshal(out.Bytes(), &plan); err != nil {
		return nil, nil, err
	}
	summarize := func(rcs []resourceChange) []PlannedChange {
		var out []PlannedChange
		for _, rc := range rcs {
			c := PlannedChange{Address: rc.Address, Actions: rc.Change.Actions}
			for k, before := range rc.Change.Before {
				if after, ok := rc.Change.After[k]; !ok || !bytes.Equal(before, after) {
					c.Changed = append(c.Changed, k)
				}
			}
			if len(c.Actions) == 1 && (c.Actions[0] == "no-op" || c.Actions[0] == "read") && len(c.Changed) == 0 {
				continue
			}
			out = append(out, c)
		}
		return out
	}
	return summarize(plan.ResourceChanges), summarize(plan.ResourceDrift), nil
}

// ProviderProcesses lists the provider's plugin processes that parent (a
// Terraform CLI) started, by their executable's name, from /proc (Linux).
func ProviderProcesses(parent int) ([]int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue // gone meanwhile
		}
		// pid (comm) state ppid …: comm may hold spaces and parentheses.
		rest := string(stat[bytes.LastIndexByte(stat, ')')+1:])
		fields := strings.Fields(rest)
		if len(fields) < 2 {
			continue
		}
		if ppid, _ := strconv.Atoi(fields[1]); ppid != parent {
			continue
		}
		exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err != nil || filepath.Base(strings.TrimSuffix(exe, " (deleted)")) != ProviderBinaryName() {
			continue
		}
		out = append(out, pid)
	}
	return out, nil
}
