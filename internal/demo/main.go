// Command demo runs `make demo`: the two-clouds example applied with the
// real Terraform (or OpenTofu) CLI against the local emulator, on a machine
// with nothing but Go installed.
//
//	demo [-destroy] [-version 0.1.0]
//
// Everything it writes lives under .demo/ at the repository root: the
// provider build (a filesystem mirror), its own CLI configuration (never
// the user's ~/.terraformrc), the emulator's data, and the working copy of
// examples/two-clouds with its state.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"

	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/tfcli"
)

func main() {
	destroy := flag.Bool("destroy", false, "destroy what the demo created instead of applying")
	version := flag.String("version", "0.1.0", "version stamped on the locally built provider")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *destroy, *version); err != nil {
		fmt.Fprintln(os.Stderr, "\ndemo: "+err.Error())
		os.Exit(1)
	}
}

func step(format string, args ...any) { fmt.Printf("\n==> "+format+"\n", args...) }

func run(ctx context.Context, destroy bool, version string) error {
	root, err := tfcli.RepoRoot(".")
	if err != nil {
		return err
	}
	base := filepath.Join(root, ".demo")
	work := filepath.Join(base, "two-clouds")

	step("Finding a Terraform CLI")
	cli, err := tfcli.Find(ctx, root)
	if errors.Is(err, tfcli.ErrNotFound) {
		if _, err = tfcli.Build(ctx, root, func(s string) { fmt.Println("    " + s) }); err == nil {
			cli, err = tfcli.Find(ctx, root)
		}
	}
	if err != nil {
		return err
	}
	fmt.Println("    " + cli.String())

	step("Building the provider %s into a local filesystem mirror", version)
	mirror, err := tfcli.BuildProviderMirror(ctx, root, base, version, os.Stdout)
	if err != nil {
		return err
	}
	rc := tfcli.MirrorConfig(mirror)
	rcFile, err := tfcli.WriteConfig(base, rc)
	if err != nil {
		return err
	}

	step("Starting the emulator (state kept in .demo/emulator)")
	cfg := emulator.DefaultConfig()
	cfg.DataDir = filepath.Join(base, "emulator")
	emu, err := emulator.New(cfg)
	if err != nil {
		return err
	}
	if err := emu.Start("127.0.0.1:0"); err != nil {
		return err
	}
	defer emu.Close()
	fmt.Print(indent(emu.Summary()))

	step("Preparing the working copy of examples/two-clouds in .demo/two-clouds")
	if err := copyTF(filepath.Join(root, "examples", "two-clouds"), work); err != nil {
		return err
	}
	vars := map[string]string{
		"outscale_endpoint":      emu.OutscaleEndpoint(),
		"outscale_region":        emulator.DefaultOutscaleRegion,
		"outscale_access_key":    emulator.DefaultOutscaleAccessKey,
		"outscale_secret_key":    emulator.DefaultOutscaleSecretKey,
		"ovh_endpoint":           emu.OVHEndpoint(),
		"ovh_region":             emulator.DefaultOVHRegion,
		"ovh_project_id":         emulator.DefaultOVHProjectID,
		"ovh_application_key":    emulator.DefaultOVHApplicationKey,
		"ovh_application_secret": emulator.DefaultOVHApplicationSecret,
		"ovh_consumer_key":       emulator.DefaultOVHConsumerKey,
	}
	raw, _ := json.MarshalIndent(vars, "", "  ")
	if err := os.WriteFile(filepath.Join(work, "emulator.auto.tfvars.json"), raw, 0o600); err != nil {
		return err
	}
	// A rebuilt provider has a new checksum: start from a fresh lock file.
	_ = os.Remove(filepath.Join(work, ".terraform.lock.hcl"))

	env := []string{"TF_CLI_CONFIG_FILE=" + rcFile, "CHECKPOINT_DISABLE=1", "TF_INPUT=0"}
	tf := func(args ...string) error { return runIn(ctx, work, env, cli.Path, args...) }

	step("%s init", filepath.Base(cli.Path))
	if err := tf("init", "-input=false", "-no-color"); err != nil {
		return err
	}
	if destroy {
		step("%s destroy", filepath.Base(cli.Path))
		if err := tf("destroy", "-auto-approve", "-input=false"); err != nil {
			return err
		}
		return summary(ctx, emu)
	}
	step("%s apply", filepath.Base(cli.Path))
	if err := tf("apply", "-auto-approve", "-input=false"); err != nil {
		return err
	}
	if err := summary(ctx, emu); err != nil {
		return err
	}
	step("%s plan -detailed-exitcode (a second plan must find nothing to change)", filepath.Base(cli.Path))
	if err := tf("plan", "-detailed-exitcode", "-input=false"); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() == 2 {
			return errors.New("the plan after apply is not empty: the provider does not read back what it wrote")
		}
		return err
	}
	fmt.Println("\nDone: no drift. Run `make demo-destroy` to tear it down; `make emulator` starts the emulator on its own.")
	return nil
}

// summary prints what the emulator holds and how many calls each API got.
func summary(ctx context.Context, emu *emulator.Emulator) error {
	step("What the emulator holds now")
	ctl := emu.Control()
	objects, err := ctl.Objects(ctx, "")
	if err != nil {
		return err
	}
	perCollection := map[string]int{}
	for _, o := range objects {
		perCollection[o.Collection]++
	}
	if len(perCollection) == 0 {
		fmt.Println("    no cloud objects")
	}
	for _, name := range sortedKeys(perCollection) {
		fmt.Printf("    %-32s %d\n", name, perCollection[name])
	}
	calls, err := ctl.Calls(ctx)
	if err != nil {
		return err
	}
	fmt.Println("    API calls during this run:")
	for _, name := range sortedKeys(calls) {
		fmt.Printf("      %-60s %d\n", name, calls[name])
	}
	return nil
}

func runIn(ctx context.Context, dir string, env []string, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w", filepath.Base(name), strings.Join(args, " "), err)
	}
	return nil
}

// copyTF copies the *.tf files of src into dst, replacing older copies.
func copyTF(src, dst string) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	old, _ := filepath.Glob(filepath.Join(dst, "*.tf"))
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			return err
		}
	}
	files, err := filepath.Glob(filepath.Join(src, "*.tf"))
	if err != nil || len(files) == 0 {
		return fmt.Errorf("no .tf files in %s", src)
	}
	for _, f := range files {
		in, err := os.Open(f)
		if err != nil {
			return err
		}
		out, err := os.Create(filepath.Join(dst, filepath.Base(f)))
		if err != nil {
			in.Close()
			return err
		}
		_, err = io.Copy(out, in)
		in.Close()
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ") + "\n"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
