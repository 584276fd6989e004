package tfcli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ProviderAddress is the provider's registry address.
const ProviderAddress = "registry.terraform.io/sovhealth/health"

// WriteProviderSchema builds the provider, asks cli for its schema
// (`providers schema -json`, through a dev_overrides CLI configuration) and
// writes it to out, keyed the way tfplugindocs looks it up: tfplugindocs
// only finds "registry.terraform.io/hashicorp/<name>" or "<name>", and with
// --providers-schema it needs no terraform binary of its own, so docs build
// with OpenTofu too.
func WriteProviderSchema(ctx context.Context, cli CLI, repoRoot, out string) error {
	dir, err := os.MkdirTemp("", "health-schema-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	pluginDir := filepath.Join(dir, "plugins")
	build := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(pluginDir, "terraform-provider-health"), ".")
	build.Dir = repoRoot
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("building the provider: %w", err)
	}
	rc, err := WriteConfig(dir, fmt.Sprintf("provider_installation {\n  dev_overrides {\n    %q = %q\n  }\n  direct {}\n}\n", ProviderAddress, pluginDir))
	if err != nil {
		return err
	}
	work := filepath.Join(dir, "work")
	if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	mainTF := fmt.Sprintf("terraform {\n  required_providers {\n    health = {\n      source = %q\n    }\n  }\n}\n", ProviderAddress)
	if err := os.WriteFile(filepath.Join(work, "main.tf"), []byte(mainTF), 0o600); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, cli.Path, "providers", "schema", "-json")
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+rc, "CHECKPOINT_DISABLE=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s providers schema -json: %w: %s", cli.Path, err, strings.TrimSpace(stderr.String()))
	}
	var schema struct {
		FormatVersion   string                     `json:"format_version"`
		ProviderSchemas map[string]json.RawMessage `json:"provider_schemas"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &schema); err != nil {
		return fmt.Errorf("reading the schema: %w", err)
	}
	var found json.RawMessage
	for addr, s := range schema.ProviderSchemas {
		if strings.HasSuffix(addr, "/sovhealth/health") {
			found = s
		}
	}
	if found == nil {
		return fmt.Errorf("the schema lists no sovhealth/health provider")
	}
	schema.ProviderSchemas = map[string]json.RawMessage{"registry.terraform.io/hashicorp/health": found}
	raw, err := json.MarshalIndent(schema, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	return os.WriteFile(out, raw, 0o644)
}
