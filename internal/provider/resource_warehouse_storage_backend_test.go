//go:build unix

package provider_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/sovhealth/terraform-provider-health/internal/acctest"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/tfcli"
)

// Terraform's own S3 backend keeps its state in a bucket this resource
// made, with the S3 lock file (use_lockfile, conditional writes): while one
// apply holds the lock, a second fails with Terraform's lock error, and the
// state afterwards holds what the successful apply wrote.
//
// The first apply is held in the middle of its run, lock taken, by a
// local-exec provisioner that signals on one FIFO and waits on another:
// the test decides when it goes on, and never sleeps.
func TestAccWarehouseStorage_s3Backend(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emulatorOnly(t, "points the S3 backend at the emulator with the bucket's key read from its store")
		emu := acctest.PrivateEmulator(t)
		name := "wh-tfstate-" + cloudName
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             checkStorageGone(emu, cloudName, name),
			Steps: []resource.TestStep{{
				Config: storageConfig(emu, cloudName, name, "  force_destroy = true"),
				Check: func(s *terraform.State) error {
					ak, sk, region := bucketKeys(t, emu, cloudName, s)
					backendScenario(t, emu, backend{bucket: name, region: region, accessKey: ak, secretKey: sk})
					return nil
				},
			}},
		})
	})
}

// backend is where the S3 backend keeps the state.
type backend struct {
	bucket, region, accessKey, secretKey string
}

const stateKey = "warehouse/terraform.tfstate"

// rootModule writes a root module using the backend: one terraform_data
// whose input is who; with a gate, its creation signals on ready and waits
// until the gate FIFO is written to.
func rootModule(t *testing.T, emu *emulator.Emulator, dir string, b backend, who, ready, gate string) {
	t.Helper()
	provisioner := ""
	if gate != "" {
		provisioner = fmt.Sprintf(`
  provisioner "local-exec" {
    command = "echo ready > '%s' && cat '%s' > /dev/null"
  }`, ready, gate)
	}
	main := fmt.Sprintf(`terraform {
  backend "s3" {
    bucket                      = %q
    key                         = %q
    region                      = %q
    endpoints                   = { s3 = %q }
    use_path_style              = true
    access_key                  = %q
    secret_key                  = %q
    skip_credentials_validation = true
    skip_region_validation      = true
    skip_requesting_account_id  = true
    skip_metadata_api_check     = true
    use_lockfile                = true
  }
}

resource "terraform_data" "writer" {
  input = %q%s
}

output "who" {
  value = terraform_data.writer.output
}
`, b.bucket, stateKey, b.region, emu.S3Endpoint(), b.accessKey, b.secretKey, who, provisioner)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(main), 0o600); err != nil {
		t.Fatal(err)
	}
}

// terraformCmd runs the CLI the harness found in dir, with a CLI
// configuration of the test's own and no AWS settings from the environment.
func terraformCmd(ctx context.Context, dir, cliConfig string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, acctest.CLI().Path, args...)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "TF_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "TF_CLI_CONFIG_FILE="+cliConfig, "TF_IN_AUTOMATION=1", "TF_INPUT=0",
		"AWS_EC2_METADATA_DISABLED=true", "CHECKPOINT_DISABLE=1")
	// Its own process group, so that a failed test kills the provisioner too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	return cmd
}

func backendScenario(t *testing.T, emu *emulator.Emulator, b backend) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	work := t.TempDir()
	cliConfig, err := tfcli.WriteConfig(work, "")
	if err != nil {
		t.Fatal(err)
	}
	ready, gate := filepath.Join(work, "ready.fifo"), filepath.Join(work, "gate.fifo")
	for _, f := range []string{ready, gate} {
		if err := syscall.Mkfifo(f, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	dirA, dirB := filepath.Join(work, "a"), filepath.Join(work, "b")
	rootModule(t, emu, dirA, b, "A", ready, gate)
	rootModule(t, emu, dirB, b, "B", "", "")
	for _, dir := range []string{dirA, dirB} {
		if out, err := terraformCmd(ctx, dir, cliConfig, "init", "-input=false", "-no-color").CombinedOutput(); err != nil {
			t.Fatalf("terraform init in %s: %v\n%s", dir, err, out)
		}
	}

	// Hold the ready FIFO open for reading before A can write to it.
	readyFile, err := os.OpenFile(ready, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer readyFile.Close()

	applyA := terraformCmd(ctx, dirA, cliConfig, "apply", "-auto-approve", "-input=false", "-no-color")
	var outA strings.Builder
	applyA.Stdout, applyA.Stderr = &outA, &outA
	if err := applyA.Start(); err != nil {
		t.Fatal(err)
	}
	doneA := make(chan error, 1)
	go func() { doneA <- applyA.Wait() }()
	signalled := make(chan error, 1)
	go func() {
		_, err := bufio.NewReader(readyFile).ReadString('\n')
		signalled <- err
	}()
	select {
	case err := <-signalled:
		if err != nil {
			t.Fatalf("reading A's signal: %v", err)
		}
	case err := <-doneA:
		t.Fatalf("the first apply ended before taking its place: %v\n%s", err, outA.String())
	}

	// A holds the lock: B fails at once with Terraform's lock error.
	outB, err := terraformCmd(ctx, dirB, cliConfig, "apply", "-auto-approve", "-input=false", "-no-color", "-lock-timeout=0s").CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || !strings.Contains(string(outB), "Error acquiring the state lock") {
		t.Fatalf("the second apply, while the first holds the lock: %v\n%s", err, outB)
	}
	if !strings.Contains(string(outB), "PreconditionFailed") && !strings.Contains(string(outB), "412") {
		t.Errorf("the lock error does not come from the conditional write:\n%s", outB)
	}

	// Let A finish.
	g, err := os.OpenFile(gate, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.WriteString(g, "go\n")
	_ = g.Close()
	if err := <-doneA; err != nil {
		t.Fatalf("the first apply: %v\n%s", err, outA.String())
	}
	api := backendClient(emu, b)
	if who, serial := stateWriter(t, api, b.bucket); who != "A" {
		t.Fatalf("after A, the state's output is %q (serial %d), want A", who, serial)
	}
	if _, err := api.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b.bucket), Key: aws.String(stateKey + ".tflock")}); err == nil {
		t.Fatal("the lock file outlived the apply")
	}

	// The lock is free: B applies, and the state holds what B wrote.
	if out, err := terraformCmd(ctx, dirB, cliConfig, "apply", "-auto-approve", "-input=false", "-no-color", "-lock-timeout=0s").CombinedOutput(); err != nil {
		t.Fatalf("the second apply, once the lock is free: %v\n%s", err, out)
	}
	if who, _ := stateWriter(t, api, b.bucket); who != "B" {
		t.Fatalf("after B, the state's output is %q, want B", who)
	}
}

func backendClient(emu *emulator.Emulator, b backend) *s3.Client {
	return s3.New(s3.Options{Region: b.region, BaseEndpoint: aws.String(emu.S3Endpoint()), UsePathStyle: true,
		Credentials:                credentials.NewStaticCredentialsProvider(b.accessKey, b.secretKey, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired, Retryer: aws.NopRetryer{}})
}

// stateWriter reads the state in the bucket: its "who" output and serial.
func stateWriter(t *testing.T, api *s3.Client, bucket string) (string, int) {
	t.Helper()
	out, err := api.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(stateKey)})
	if err != nil {
		t.Fatalf("reading the state: %v", err)
	}
	defer out.Body.Close()
	var state struct {
		Serial  int
		Outputs map[string]struct{ Value any }
	}
	if err := json.NewDecoder(out.Body).Decode(&state); err != nil {
		t.Fatalf("the state is not JSON: %v", err)
	}
	who, _ := state.Outputs["who"].Value.(string)
	return who, state.Serial
}
