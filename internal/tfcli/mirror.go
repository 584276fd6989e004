package tfcli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// BuildProviderMirror compiles the provider at repoRoot into a filesystem
// mirror under dir, stamped with version, and returns the mirror's path.
// Terraform and OpenTofu then install it like a released provider, with
// none of the warnings dev_overrides prints. Build output goes to logw.
func BuildProviderMirror(ctx context.Context, repoRoot, dir, version string, logw io.Writer) (string, error) {
	mirror := filepath.Join(dir, "plugins")
	if err := os.RemoveAll(filepath.Join(mirror, ProviderAddress)); err != nil {
		return "", err
	}
	if _, err := InstallProvider(ctx, repoRoot, mirror, version, logw); err != nil {
		return "", err
	}
	return mirror, nil
}

// PluginsDir is the implied local mirror both CLIs search before any
// registry: ~/.terraform.d/plugins. A provider laid out there installs with
// `terraform init` or `tofu init` and no CLI configuration at all.
func PluginsDir() (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".terraform.d", "plugins"), nil
}

// InstallProvider compiles the provider at repoRoot, stamped with version,
// into the filesystem mirror layout under plugins
// (<plugins>/registry.terraform.io/sovhealth/health/<version>/<os>_<arch>/
// terraform-provider-health_v<version>), and returns the binary's path. Any
// other version already there stays. Build output goes to logw.
func InstallProvider(ctx context.Context, repoRoot, plugins, version string, logw io.Writer) (string, error) {
	target := runtime.GOOS + "_" + runtime.GOARCH
	bin := filepath.Join(plugins, ProviderAddress, version, target, "terraform-provider-health_v"+version)
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", "-X main.version="+version, "-o", bin, ".")
	cmd.Dir = repoRoot
	cmd.Stdout, cmd.Stderr = logw, logw
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("building the provider: %w", err)
	}
	return bin, nil
}

// MirrorConfig is a CLI configuration that installs this provider only from
// mirror, and every other provider as usual.
func MirrorConfig(mirror string) string {
	return fmt.Sprintf(`# Written by the project's tooling: the locally built provider, and nothing else.
provider_installation {
  filesystem_mirror {
    path    = %q
    include = [%q]
  }
  direct {
    exclude = [%q]
  }
}
`, mirror, ProviderAddress, ProviderAddress)
}
