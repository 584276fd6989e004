// Package tfcli finds the Terraform CLI the tests and the demo drive, and
// builds OpenTofu from the Go module proxy when there is none: on these
// machines nothing but the module proxy, Debian and npm can be downloaded.
//
// The order is fixed: $TF_ACC_TERRAFORM_PATH; else `terraform` on PATH;
// else `tofu` on PATH; else ./bin/tofu built from
// github.com/opentofu/opentofu at OpenTofuVersion.
package tfcli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// OpenTofuVersion is the OpenTofu built when no CLI is installed. 1.10 lacks
// ephemeral blocks; 1.12.6 needs Go 1.26.6 or later to build.
const OpenTofuVersion = "v1.12.6"

// OpenTofuModule is the Go module OpenTofu is built from.
const OpenTofuModule = "github.com/opentofu/opentofu"

// CLI is a Terraform-compatible command-line tool.
type CLI struct {
	Path     string // absolute
	OpenTofu bool
	Version  string // such as "1.11.4"
	Source   string // how it was found, for messages
}

func (c CLI) String() string {
	name := "Terraform"
	if c.OpenTofu {
		name = "OpenTofu"
	}
	return fmt.Sprintf("%s %s at %s (%s)", name, c.Version, c.Path, c.Source)
}

// Env returns the variables terraform-plugin-testing needs to drive c.
// OpenTofu rejects the harness's default provider addresses (namespace "-"
// on registry.terraform.io), so it needs its own host and namespace.
func (c CLI) Env() map[string]string {
	env := map[string]string{"TF_ACC_TERRAFORM_PATH": c.Path}
	if c.OpenTofu {
		env["TF_ACC_PROVIDER_HOST"] = "registry.opentofu.org"
		env["TF_ACC_PROVIDER_NAMESPACE"] = "hashicorp"
	}
	return env
}

// ErrNotFound means no CLI is installed and none was built yet.
var ErrNotFound = errors.New("no Terraform CLI found: neither $TF_ACC_TERRAFORM_PATH, terraform nor tofu on PATH, nor bin/tofu; run `make tools` to build OpenTofu " + OpenTofuVersion)

// Find looks for a CLI in the documented order. repoRoot locates bin/tofu.
func Find(ctx context.Context, repoRoot string) (CLI, error) {
	if p := os.Getenv("TF_ACC_TERRAFORM_PATH"); p != "" {
		abs, err := filepath.Abs(p)
		if err != nil {
			return CLI{}, err
		}
		if _, err := os.Stat(abs); err != nil {
			return CLI{}, fmt.Errorf("TF_ACC_TERRAFORM_PATH=%s: %w", p, err)
		}
		return inspect(ctx, abs, "$TF_ACC_TERRAFORM_PATH")
	}
	for _, name := range []string{"terraform", "tofu"} {
		if p, err := exec.LookPath(name); err == nil {
			abs, err := filepath.Abs(p)
			if err != nil {
				return CLI{}, err
			}
			return inspect(ctx, abs, name+" on PATH")
		}
	}
	built := BuiltPath(repoRoot)
	if _, err := os.Stat(built); err == nil {
		return inspect(ctx, built, "built by make tools")
	}
	return CLI{}, ErrNotFound
}

// BuiltPath is where Build puts OpenTofu.
func BuiltPath(repoRoot string) string { return filepath.Join(repoRoot, "bin", "tofu") }

// inspect runs `<path> version -json` with an empty CLI configuration file
// of its own: a TF_CLI_CONFIG_FILE pointing at a missing file makes OpenTofu
// print a warning on stdout that would break the parsing.
func inspect(ctx context.Context, path, source string) (CLI, error) {
	dir, err := os.MkdirTemp("", "tfcli-")
	if err != nil {
		return CLI{}, err
	}
	defer os.RemoveAll(dir)
	cfg, err := WriteConfig(dir, "")
	if err != nil {
		return CLI{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	env := append(os.Environ(), "TF_CLI_CONFIG_FILE="+cfg, "CHECKPOINT_DISABLE=1")
	cmd := exec.CommandContext(ctx, path, "version", "-json")
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return CLI{}, fmt.Errorf("%s version -json: %w: %s", path, err, strings.TrimSpace(stderr.String()))
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &v); err != nil {
		return CLI{}, fmt.Errorf("%s version -json printed something else than JSON: %q", path, stdout.String())
	}
	// OpenTofu answers version -json like Terraform; its plain version names it.
	plainCmd := exec.CommandContext(ctx, path, "version")
	plainCmd.Env = env
	plain, err := plainCmd.Output()
	if err != nil {
		return CLI{}, fmt.Errorf("%s version: %w", path, err)
	}
	return CLI{Path: path, Version: v.Version, OpenTofu: strings.Contains(string(plain), "OpenTofu"), Source: source}, nil
}

// WriteConfig writes a CLI configuration file named terraformrc into dir
// and returns its path. body is its HCL content ("" for none).
func WriteConfig(dir, body string) (string, error) {
	path := filepath.Join(dir, "terraformrc")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		return "", err
	}
	return path, nil
}

// Build compiles OpenTofu from the Go module proxy into bin/tofu. `go
// install` refuses the module (its go.mod has a replace directive), so it
// is downloaded with `go mod download` and built inside the module cache.
// log receives progress lines.
func Build(ctx context.Context, repoRoot string, log func(string)) (string, error) {
	log(fmt.Sprintf("building OpenTofu %s from the Go module proxy (a few minutes on 2 cores, once)…", OpenTofuVersion))
	dl := exec.CommandContext(ctx, "go", "mod", "download", "-json", OpenTofuModule+"@"+OpenTofuVersion)
	dl.Dir = os.TempDir() // outside any module, so that the project's go.mod is untouched
	dl.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	out, err := dl.Output()
	if err != nil {
		return "", fmt.Errorf("go mod download %s@%s: %w", OpenTofuModule, OpenTofuVersion, err)
	}
	var mod struct{ Dir, Error string }
	if err := json.Unmarshal(out, &mod); err != nil || mod.Dir == "" {
		return "", fmt.Errorf("go mod download %s@%s: %s", OpenTofuModule, OpenTofuVersion, mod.Error)
	}
	target := BuiltPath(repoRoot)
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return "", err
	}
	tmp := target + ".partial"
	build := exec.CommandContext(ctx, "go", "build", "-mod=readonly", "-trimpath",
		"-ldflags", "-s -w -X github.com/opentofu/opentofu/version.dev=no",
		"-o", tmp, "./cmd/tofu")
	build.Dir = mod.Dir
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("building OpenTofu: %w", err)
	}
	if err := os.Rename(tmp, target); err != nil {
		return "", err
	}
	log("built " + target)
	return target, nil
}

// RepoRoot walks up from dir to the directory holding go.mod.
func RepoRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = parent
	}
}
