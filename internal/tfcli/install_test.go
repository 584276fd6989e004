package tfcli

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// What `make install` lays out is enough for `terraform init` (or `tofu
// init`) of every example, with no CLI configuration, no dev_overrides and
// no network: the provider comes from the implied local mirror in the
// home directory. Then a plan of the complete OUTSCALE example works with
// no credentials at all, as a merge check in CI would run it.
func TestInstallProvider_examplesInitFromTheImpliedMirror(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 (make test does) to run terraform init with the CLI")
	}
	t.Parallel()
	ctx := context.Background()
	root, err := RepoRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	cli, err := Find(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	var build bytes.Buffer
	if _, err := InstallProvider(ctx, root, filepath.Join(home, ".terraform.d", "plugins"), "0.1.0", &build); err != nil {
		t.Fatalf("%v\n%s", err, build.String())
	}
	// The examples' module sources are ../../modules: copy both.
	work := t.TempDir()
	for _, dir := range []string{"examples", "modules"} {
		if err := os.CopyFS(filepath.Join(work, dir), os.DirFS(filepath.Join(root, dir))); err != nil {
			t.Fatal(err)
		}
	}
	empty, err := WriteConfig(t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"HOME=" + home, "TF_CLI_CONFIG_FILE=" + empty, "PATH=" + os.Getenv("PATH"), "TF_IN_AUTOMATION=1",
		"TF_VAR_admin_cidrs=[\"203.0.113.7/32\"]",
		"TF_VAR_admins=[{name=\"alice\",ssh_public_key=\"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG8lRxKwBlHoOg3vNlRfBDQzGGhEZYh1vJgoOSjAfA8O alice\"}]",
		"TF_VAR_researchers=[{name=\"bob\",ssh_public_key=\"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl bob\"}]"}
	run := func(dir string, args ...string) string {
		t.Helper()
		cmd := exec.CommandContext(ctx, cli.Path, append([]string{"-chdir=" + dir}, args...)...)
		cmd.Env = env // nothing else: no cloud credentials, no endpoint
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s in %s: %v\n%s", filepath.Base(cli.Path), strings.Join(args, " "), dir, err, out)
		}
		return string(out)
	}
	for _, example := range []string{"complete-outscale", "complete-ovh", "two-clouds", "provider"} {
		out := run(filepath.Join(work, "examples", example), "init", "-input=false", "-no-color")
		// Terraform says "sovhealth/health", OpenTofu the whole address.
		if !regexp.MustCompile(`Installed (registry\.terraform\.io/)?sovhealth/health v0\.1\.0`).MatchString(out) {
			t.Errorf("init of %s did not install the provider from the mirror:\n%s", example, out)
		}
		if strings.Contains(out, "dev_overrides") || strings.Contains(out, "Provider development overrides") {
			t.Errorf("init of %s went through dev_overrides:\n%s", example, out)
		}
	}
	plan := run(filepath.Join(work, "examples", "complete-outscale"), "plan", "-input=false", "-no-color")
	if !strings.Contains(plan, "Plan: ") || !strings.Contains(plan, "to add") {
		t.Fatalf("the plan of complete-outscale plans nothing:\n%s", plan)
	}
}
