package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
)

// Warehouse is a warehouse written with an official provider's resources
// (testdata/warehouse-<cloud>/main.tf): the same network, groups, routes,
// buckets, keys and bastion as health_warehouse_* make, one official
// resource per cloud object.
type Warehouse struct {
	// Dir holds the configuration.
	Dir string
	// Vars are the configuration's input variables for a target.
	Vars func(t Target) map[string]string
	// ImportID is the id `terraform import` takes for a resource of type
	// typ whose state holds attrs; most take the "id" attribute.
	ImportID func(typ string, attrs map[string]any) string
	// NotImported names the resource types, or resources by address, whose
	// import cannot give back what their configuration holds (a key pair's
	// public key, which the API never returns), with the reason: they are
	// left out of the import step, and the report says why.
	NotImported map[string]string
	// Empty reports what the emulator still holds of this cloud's objects
	// that it did not hold before the apply: nothing, after the destroy.
	Empty func(ctx context.Context, before map[string]bool) ([]string, error)
	// Snapshot lists the emulator's objects of this cloud, as ids.
	Snapshot func(ctx context.Context) (map[string]bool, error)
}

// WarehouseResult is the outcome of each step of a warehouse's life.
type WarehouseResult struct {
	Cloud string
	Steps []Step
}

// Step is one step of a warehouse's life: build, init, apply, plan,
// import, destroy, empty.
type Step struct {
	Name   string
	Status Status
	Detail string
}

// CLI is the Terraform CLI the warehouse is driven with.
type CLI struct {
	Path string
	// Env is what it needs besides (TF_CLI_CONFIG_FILE is set per run).
	Env map[string]string
}

// RunWarehouse builds suite's provider from src into a filesystem mirror,
// then applies the warehouse, plans again (nothing may change), imports
// every resource into a fresh state (nothing may change but the imports),
// destroys it and checks the emulator holds nothing more than before.
// Steps after a failed one are reported as not run.
func (r *Runner) RunWarehouse(ctx context.Context, suite Suite, src string, wh Warehouse, cli CLI, target Target) WarehouseResult {
	out := WarehouseResult{Cloud: suite.Cloud}
	names := []string{"build the provider", "init from a filesystem mirror", "apply", "plan: no change",
		"import every resource: no change", "destroy", "emulator left as before"}
	failed := ""
	step := func(i int, fn func() (string, error)) {
		if failed != "" {
			out.Steps = append(out.Steps, Step{Name: names[i], Status: NotRun, Detail: "after " + failed})
			return
		}
		r.logf("%s warehouse: %s", suite.Cloud, names[i])
		detail, err := fn()
		if err != nil {
			failed = names[i]
			out.Steps = append(out.Steps, Step{Name: names[i], Status: Fail, Detail: err.Error()})
			return
		}
		out.Steps = append(out.Steps, Step{Name: names[i], Status: Pass, Detail: detail})
	}

	base := filepath.Join(r.WorkDir, "warehouse-"+suite.Cloud)
	mirror := filepath.Join(base, "mirror")
	applyDir, importDir := filepath.Join(base, "apply"), filepath.Join(base, "import")
	version := strings.TrimPrefix(suite.Version, "v")
	env := map[string]string{}
	for k, v := range cli.Env {
		env[k] = v
	}
	if suite.Env != nil {
		for k, v := range suite.Env(target) {
			env[k] = v
		}
	}
	for k, v := range wh.Vars(target) {
		env["TF_VAR_"+k] = v
	}
	var before map[string]bool
	var resources []stateResource

	step(0, func() (string, error) {
		typ := suite.Address[strings.LastIndex(suite.Address, "/")+1:]
		bin := filepath.Join(mirror, suite.Address, version, runtime.GOOS+"_"+runtime.GOARCH, "terraform-provider-"+typ+"_v"+version)
		cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
		cmd.Dir = src
		cmd.Env = r.environ(nil)
		if msg, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("go build: %s", firstLines(string(msg), 4))
		}
		return "", nil
	})
	step(1, func() (string, error) {
		cfg := filepath.Join(base, "cli.tfrc")
		if err := os.WriteFile(cfg, []byte(mirrorConfig(mirror, suite.Address)), 0o644); err != nil {
			return "", err
		}
		env["TF_CLI_CONFIG_FILE"] = cfg
		for _, dir := range []string{applyDir, importDir} {
			if err := copyTree(wh.Dir, dir); err != nil {
				return "", err
			}
		}
		if _, err := r.tf(ctx, cli, env, applyDir, "init", "-input=false"); err != nil {
			return "", err
		}
		return "", nil
	})
	step(2, func() (string, error) {
		var err error
		if before, err = wh.Snapshot(ctx); err != nil {
			return "", err
		}
		if _, err := r.tf(ctx, cli, env, applyDir, "apply", "-input=false", "-auto-approve"); err != nil {
			return "", err
		}
		if resources, err = r.stateResources(ctx, cli, env, applyDir); err != nil {
			return "", err
		}
		return fmt.Sprintf("%d resources", len(resources)), nil
	})
	step(3, func() (string, error) {
		return "", r.planNoChange(ctx, cli, env, applyDir, 0)
	})
	step(4, func() (string, error) {
		var blocks strings.Builder
		imported, skipped := 0, map[string]string{}
		for _, res := range resources {
			if key, why, ok := notImported(wh.NotImported, res); ok {
				skipped[key] = why
				continue
			}
			fmt.Fprintf(&blocks, "import {\n  to = %s\n  id = %q\n}\n\n", res.Address, wh.ImportID(res.Type, res.Values))
			imported++
		}
		if err := os.WriteFile(filepath.Join(importDir, "imports.tf"), []byte(blocks.String()), 0o644); err != nil {
			return "", err
		}
		// The import step plans with the types that cannot be imported
		// already in state, so that only the imports are planned.
		if err := r.seedState(ctx, cli, env, applyDir, importDir, skipped); err != nil {
			return "", err
		}
		detail := fmt.Sprintf("%d imported", imported)
		for typ, why := range skipped {
			detail += fmt.Sprintf("; %s not imported: %s", typ, why)
		}
		return detail, r.planNoChange(ctx, cli, env, importDir, imported)
	})
	step(5, func() (string, error) {
		_, err := r.tf(ctx, cli, env, applyDir, "destroy", "-input=false", "-auto-approve")
		return "", err
	})
	step(6, func() (string, error) {
		left, err := wh.Empty(ctx, before)
		if err != nil {
			return "", err
		}
		if len(left) > 0 {
			return "", fmt.Errorf("the emulator still holds %s", strings.Join(left, ", "))
		}
		return "", nil
	})
	return out
}

// seedState initialises dir and, when some types cannot be imported, gives
// it a copy of from's state holding only the resources of those types.
func (r *Runner) seedState(ctx context.Context, cli CLI, env map[string]string, from, dir string, types map[string]string) error {
	if _, err := r.tf(ctx, cli, env, dir, "init", "-input=false"); err != nil {
		return err
	}
	if len(types) == 0 {
		return nil
	}
	raw, err := r.tf(ctx, cli, env, from, "state", "pull")
	if err != nil {
		return err
	}
	var state map[string]any
	if err := json.Unmarshal([]byte(raw), &state); err != nil {
		return fmt.Errorf("reading the state: %w", err)
	}
	all, _ := state["resources"].([]any)
	var kept []any
	for _, res := range all {
		m, ok := res.(map[string]any)
		if !ok || m["mode"] != "managed" {
			continue
		}
		address := fmt.Sprintf("%s.%s", m["type"], m["name"])
		if _, _, skip := notImported(types, stateResource{Address: address, Type: fmt.Sprint(m["type"])}); skip {
			kept = append(kept, m)
		}
	}
	state["resources"] = kept
	seeded, err := json.Marshal(state)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "terraform.tfstate"), seeded, 0o644)
}

// notImported finds res in rules, by type or by address (with or without
// its instance key).
func notImported(rules map[string]string, res stateResource) (key, why string, ok bool) {
	base, _, _ := strings.Cut(res.Address, "[")
	for _, k := range []string{res.Type, base} {
		if why, ok := rules[k]; ok {
			return k, why, true
		}
	}
	return "", "", false
}

func mirrorConfig(mirror, address string) string {
	return fmt.Sprintf("provider_installation {\n  filesystem_mirror {\n    path    = %q\n    include = [%q]\n  }\n  direct {\n    exclude = [%q]\n  }\n}\n",
		mirror, address, address)
}

// tf runs the CLI in dir and returns its standard output; a failure carries
// the error blocks it printed.
func (r *Runner) tf(ctx context.Context, cli CLI, env map[string]string, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, cli.Path, append([]string{"-chdir=" + dir}, args...)...)
	cmd.Env = r.environ(env)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return stdout.String(), fmt.Errorf("%s %s: %s", filepath.Base(cli.Path), args[0], causeOf(stderr.String()+stdout.String()))
		}
		return stdout.String(), err
	}
	return stdout.String(), nil
}

type stateResource struct {
	Address string
	Type    string
	Values  map[string]any
}

func (r *Runner) stateResources(ctx context.Context, cli CLI, env map[string]string, dir string) ([]stateResource, error) {
	raw, err := r.tf(ctx, cli, env, dir, "show", "-json")
	if err != nil {
		return nil, err
	}
	var state struct {
		Values struct {
			RootModule struct {
				Resources []struct {
					Address string         `json:"address"`
					Mode    string         `json:"mode"`
					Type    string         `json:"type"`
					Values  map[string]any `json:"values"`
				} `json:"resources"`
			} `json:"root_module"`
		} `json:"values"`
	}
	if err := json.Unmarshal([]byte(raw), &state); err != nil {
		return nil, fmt.Errorf("reading the state: %w", err)
	}
	var out []stateResource
	for _, res := range state.Values.RootModule.Resources {
		if res.Mode == "managed" {
			out = append(out, stateResource{Address: res.Address, Type: res.Type, Values: res.Values})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Address < out[j].Address })
	return out, nil
}

// planNoChange plans in dir and fails unless every resource change is a
// no-op, imports aside, and exactly imports resources are imported.
func (r *Runner) planNoChange(ctx context.Context, cli CLI, env map[string]string, dir string, imports int) error {
	if _, err := r.tf(ctx, cli, env, dir, "plan", "-input=false", "-out=conformance.tfplan"); err != nil {
		return err
	}
	raw, err := r.tf(ctx, cli, env, dir, "show", "-json", "conformance.tfplan")
	if err != nil {
		return err
	}
	var plan struct {
		ResourceChanges []struct {
			Address string `json:"address"`
			Change  struct {
				Actions   []string        `json:"actions"`
				Importing json.RawMessage `json:"importing"`
			} `json:"change"`
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal([]byte(raw), &plan); err != nil {
		return fmt.Errorf("reading the plan: %w", err)
	}
	var changes []string
	imported := 0
	for _, rc := range plan.ResourceChanges {
		if len(rc.Change.Importing) > 0 && string(rc.Change.Importing) != "null" {
			imported++
		}
		if len(rc.Change.Actions) != 1 || rc.Change.Actions[0] != "no-op" {
			changes = append(changes, fmt.Sprintf("%s (%s)", rc.Address, strings.Join(rc.Change.Actions, ", ")))
		}
	}
	if len(changes) > 0 {
		return fmt.Errorf("the plan changes %s", strings.Join(changes, "; "))
	}
	if imported != imports {
		return fmt.Errorf("the plan imports %d resources, want %d", imported, imports)
	}
	return nil
}
