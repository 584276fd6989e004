package modtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/tfcli"
)

// The backend block modules/state-backend prints is the one Terraform
// needs: a root module pasting it keeps its state in the bucket, locked with
// the S3 lock file, on both clouds. The test makes the bucket with the
// module, writes the snippet into another root module, and applies that
// twice; the second plan finds the state the first apply wrote.
func TestStateBackendSnippet(t *testing.T) {
	t.Parallel()
	tree := copyTree(t, filepath.Join(root, "modules"))
	for _, c := range []string{cloud.Outscale, cloud.OVH} {
		t.Run(c, func(t *testing.T) {
			t.Parallel()
			bucket := "modtest-snippet-" + c
			// Beside the modules, so that its local sources stay in one package.
			maker := filepath.Join(tree, "zz-snippet-"+c)
			writeFile(t, filepath.Join(maker, "main.tf"), providerFor(c)+fmt.Sprintf(`
module "state" {
  source       = %q
  name         = %q
  state_key    = "cohort/terraform.tfstate"
  history_days = 1
}

output "snippet" {
  value = module.state.backend_snippet
}

output "access_key_id" {
  value = module.state.access_key_id
}
`, "../state-backend", bucket))
			mustTF(t, maker, nil, "init", "-input=false", "-no-color")
			mustTF(t, maker, nil, "apply", "-auto-approve", "-input=false", "-no-color")
			var outs struct {
				Snippet     struct{ Value string } `json:"snippet"`
				AccessKeyID struct{ Value string } `json:"access_key_id"`
			}
			if err := json.Unmarshal([]byte(mustTF(t, maker, nil, "output", "-json")), &outs); err != nil {
				t.Fatal(err)
			}
			ak, sk := s3Keys(t, c, outs.AccessKeyID.Value)
			aws := map[string]string{"AWS_ACCESS_KEY_ID": ak, "AWS_SECRET_ACCESS_KEY": sk, "AWS_EC2_METADATA_DISABLED": "true"}

			user := filepath.Join(t.TempDir(), "user")
			writeFile(t, filepath.Join(user, "backend.tf"), outs.Snippet.Value)
			writeFile(t, filepath.Join(user, "main.tf"), `
variable "who" {
  type = string
}

resource "terraform_data" "writer" {
  input = var.who
}

output "who" {
  value = terraform_data.writer.output
}
`)
			mustTF(t, user, aws, "init", "-input=false", "-no-color")
			mustTF(t, user, aws, "apply", "-auto-approve", "-input=false", "-no-color", "-lock-timeout=0s", "-var", "who=first")
			// A lock left behind would fail this at once (-lock-timeout=0s).
			mustTF(t, user, aws, "apply", "-auto-approve", "-input=false", "-no-color", "-lock-timeout=0s", "-var", "who=second")
			// A fresh working copy finds the state in the bucket.
			if err := os.RemoveAll(filepath.Join(user, ".terraform")); err != nil {
				t.Fatal(err)
			}
			mustTF(t, user, aws, "init", "-input=false", "-no-color")
			if out := mustTF(t, user, aws, "output", "-raw", "who"); out != "second" {
				t.Fatalf("the state in the bucket says who = %q, want second", out)
			}
		})
	}
}

// providerFor is the provider block module tests use, for cloudName.
func providerFor(cloudName string) string {
	required := fmt.Sprintf("terraform {\n  required_providers {\n    health = { source = %q }\n  }\n}\n\n", tfcli.ProviderAddress)
	if cloudName == cloud.OVH {
		return required + "provider \"health\" {\n  cloud              = \"ovh\"\n  api_rate_limit     = 500\n  compliance_profile = \"hds\"\n  ovh {\n    region = \"EU-WEST-PAR\"\n  }\n}\n"
	}
	return required + "provider \"health\" {\n  cloud          = \"outscale\"\n  api_rate_limit = 500\n}\n"
}

// s3Keys are the keys that reach the state bucket: OUTSCALE's account keys,
// or the OVHcloud bucket's own key, whose secret the emulator holds.
func s3Keys(t *testing.T, cloudName, accessKeyID string) (string, string) {
	t.Helper()
	if cloudName == cloud.Outscale {
		return emulator.DefaultOutscaleAccessKey, emulator.DefaultOutscaleSecretKey
	}
	o, found, err := emu.Control().Object(context.Background(), "ovh.s3_credentials", accessKeyID)
	if err != nil || !found {
		t.Fatalf("the S3 key %q: found %v, %v", accessKeyID, found, err)
	}
	var doc struct{ Secret string }
	if err := json.Unmarshal(o.Doc, &doc); err != nil || doc.Secret == "" {
		t.Fatalf("no secret for %s: %v", accessKeyID, err)
	}
	return accessKeyID, doc.Secret
}

// mustTF runs the CLI like tf, with extra environment variables, and fails
// the test on an error; it returns standard output alone.
func mustTF(t *testing.T, dir string, extra map[string]string, args ...string) string {
	t.Helper()
	if extra == nil {
		out, err := tf(t, dir, args...)
		if err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
		if args[0] == "output" {
			return strings.TrimSpace(out)
		}
		return out
	}
	cmd := exec.CommandContext(t.Context(), cli.Path, args...)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "TF_CLI_CONFIG_FILE="+rcFile, "CHECKPOINT_DISABLE=1", "TF_INPUT=0", "TF_IN_AUTOMATION=1")
	for k, v := range extra {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return strings.TrimSpace(stdout.String())
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
