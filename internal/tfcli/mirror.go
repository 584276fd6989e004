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
	target := runtime.GOOS + "_" + runtime.GOARCH
	bin := filepath.Join(mirror, ProviderAddress, version, target, "terraform-provider-health_v"+version)
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", "-X main.version="+version, "-o", bin, ".")
	cmd.Dir = repoRoot
	cmd.Stdout, cmd.Stderr = logw, logw
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("building the provider: %w", err)
	}
	return mirror, nil
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
