package tfcli

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// fakeCLI writes an executable that answers `version` like Terraform or
// OpenTofu would.
func fakeCLI(t *testing.T, dir, name, product string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	script := "#!/bin/sh\nif [ \"$2\" = \"-json\" ]; then echo '{\"terraform_version\":\"1.99.0\"}'; else echo '" + product + " v1.99.0'; fi\n"
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestFind_order(t *testing.T) {
	root := t.TempDir()
	pathDir := t.TempDir()
	t.Setenv("PATH", pathDir)
	t.Setenv("TF_ACC_TERRAFORM_PATH", "")
	ctx := context.Background()

	if _, err := Find(ctx, root); !errors.Is(err, ErrNotFound) {
		t.Fatalf("nothing installed: err = %v, want ErrNotFound", err)
	}

	built := BuiltPath(root)
	if err := os.MkdirAll(filepath.Dir(built), 0o755); err != nil {
		t.Fatal(err)
	}
	fakeCLI(t, filepath.Dir(built), "tofu", "OpenTofu")
	if cli, err := Find(ctx, root); err != nil || cli.Path != built || !cli.OpenTofu {
		t.Fatalf("bin/tofu: %+v, %v", cli, err)
	}

	tofu := fakeCLI(t, pathDir, "tofu", "OpenTofu")
	if cli, err := Find(ctx, root); err != nil || cli.Path != tofu {
		t.Fatalf("tofu on PATH must win over bin/tofu: %+v, %v", cli, err)
	}

	terraform := fakeCLI(t, pathDir, "terraform", "Terraform")
	cli, err := Find(ctx, root)
	if err != nil || cli.Path != terraform || cli.OpenTofu || cli.Version != "1.99.0" {
		t.Fatalf("terraform on PATH must win over tofu: %+v, %v", cli, err)
	}

	explicit := fakeCLI(t, t.TempDir(), "my-tofu", "OpenTofu")
	t.Setenv("TF_ACC_TERRAFORM_PATH", explicit)
	if cli, err := Find(ctx, root); err != nil || cli.Path != explicit || !cli.OpenTofu {
		t.Fatalf("TF_ACC_TERRAFORM_PATH must win: %+v, %v", cli, err)
	}

	t.Setenv("TF_ACC_TERRAFORM_PATH", filepath.Join(root, "missing"))
	if _, err := Find(ctx, root); err == nil {
		t.Fatal("a TF_ACC_TERRAFORM_PATH that does not exist was accepted")
	}
}

// The harness must get an absolute path, and OpenTofu its provider host.
func TestCLI_env(t *testing.T) {
	t.Parallel()
	tofu := CLI{Path: "/abs/tofu", OpenTofu: true}.Env()
	if tofu["TF_ACC_TERRAFORM_PATH"] != "/abs/tofu" || tofu["TF_ACC_PROVIDER_HOST"] != "registry.opentofu.org" ||
		tofu["TF_ACC_PROVIDER_NAMESPACE"] != "hashicorp" {
		t.Fatalf("OpenTofu env = %v", tofu)
	}
	tf := CLI{Path: "/abs/terraform"}.Env()
	if _, set := tf["TF_ACC_PROVIDER_HOST"]; set || len(tf) != 1 {
		t.Fatalf("Terraform env = %v", tf)
	}
}

// A TF_CLI_CONFIG_FILE pointing at a missing file must not break the
// version probe (OpenTofu prints a warning on stdout then).
func TestFind_ignoresTheUsersCLIConfig(t *testing.T) {
	pathDir := t.TempDir()
	t.Setenv("PATH", pathDir)
	t.Setenv("TF_ACC_TERRAFORM_PATH", "")
	t.Setenv("TF_CLI_CONFIG_FILE", filepath.Join(pathDir, "does-not-exist"))
	script := "#!/bin/sh\n[ -f \"$TF_CLI_CONFIG_FILE\" ] || echo 'Warning: Unable to open CLI configuration file'\n" +
		"if [ \"$2\" = \"-json\" ]; then echo '{\"terraform_version\":\"1.12.6\"}'; else echo 'OpenTofu v1.12.6'; fi\n"
	if err := os.WriteFile(filepath.Join(pathDir, "tofu"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	cli, err := Find(context.Background(), t.TempDir())
	if err != nil || cli.Version != "1.12.6" {
		t.Fatalf("Find = %+v, %v", cli, err)
	}
}

func TestRepoRoot(t *testing.T) {
	t.Parallel()
	root, err := RepoRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("RepoRoot = %s: %v", root, err)
	}
}
