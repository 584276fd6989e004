package modtest_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/acctest"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/tfcli"
)

// The harness, set up once per test binary by TestMain.
var (
	root   string    // the repository
	cli    tfcli.CLI // the Terraform or OpenTofu the tests drive
	rcFile string    // a CLI configuration installing the provider built here
	emu    *emulator.Emulator
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if os.Getenv("TF_ACC") == "" {
		fmt.Println("modtest: skipped, set TF_ACC=1 (make test does) to run the module tests with the Terraform CLI")
		return 0
	}
	ctx := context.Background()
	var err error
	if root, err = tfcli.RepoRoot("."); err != nil {
		return fail(err)
	}
	if cli, err = tfcli.Find(ctx, root); err != nil {
		return fail(err)
	}
	dir, err := os.MkdirTemp("", "health-modtest-")
	if err != nil {
		return fail(err)
	}
	defer os.RemoveAll(dir)
	var build bytes.Buffer
	mirror, err := tfcli.BuildProviderMirror(ctx, root, dir, "0.1.0", &build)
	if err != nil {
		return fail(fmt.Errorf("%w\n%s", err, build.String()))
	}
	if rcFile, err = tfcli.WriteConfig(dir, tfcli.MirrorConfig(mirror)); err != nil {
		return fail(err)
	}
	if emu, err = emulator.New(emulator.DefaultConfig()); err != nil {
		return fail(err)
	}
	if err := emu.Start("127.0.0.1:0"); err != nil {
		return fail(err)
	}
	defer emu.Close()
	return m.Run()
}

func fail(err error) int {
	fmt.Fprintln(os.Stderr, "modtest:", err)
	return 1
}

// tf runs the CLI in dir with the harness's configuration and the
// emulator's settings, and returns its combined output.
func tf(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	return tfLogged(t, dir, "", 0, args...)
}

// moduleTestTimeout bounds one module's `terraform test`: about thirty
// seconds each on two cores; one that takes ten minutes is stuck.
const moduleTestTimeout = 10 * time.Minute

// tfLogged is tf, with the CLI's and the provider's DEBUG log written to
// logPath (when set) and the command stopped after timeout (when set).
func tfLogged(t *testing.T, dir, logPath string, timeout time.Duration, args ...string) (string, error) {
	t.Helper()
	ctx := t.Context()
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, cli.Path, args...)
	// Interrupted, Terraform stops its providers; killed, it would leave
	// them running.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 30 * time.Second
	cmd.Dir = dir
	env := map[string]string{
		"TF_CLI_CONFIG_FILE": rcFile, "CHECKPOINT_DISABLE": "1", "TF_INPUT": "0", "TF_IN_AUTOMATION": "1",
		// Never let a variable of the developer's shell reach the tests.
		"HEALTH_CLOUD": "", "HEALTH_COMPLIANCE_PROFILE": "",
	}
	for k, v := range acctest.EmulatorEnv(emu) {
		env[k] = v
	}
	if logPath != "" {
		env["TF_LOG"], env["TF_LOG_PATH"] = "DEBUG", logPath
	}
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ctx.Err() == context.DeadlineExceeded {
		err = fmt.Errorf("stopped after %s: %w", timeout, err)
	}
	return out.String(), err
}

// logTail is the last n lines of the log at path.
func logTail(path string, n int) string {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// copyTree copies the modules/ tree into a temporary directory, so that
// `init` and `test` leave nothing in the repository, and modules that call
// their siblings (../network) find them.
func copyTree(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	copyTreeTo(t, src, dst)
	return dst
}

// copyTreeTo copies the tree at src to dst, as copyTree does.
func copyTreeTo(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() && (d.Name() == ".terraform") {
			return filepath.SkipDir
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if strings.HasSuffix(d.Name(), ".tfstate") || d.Name() == ".terraform.lock.hcl" {
			return nil
		}
		in, err := os.Open(path)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(target)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
	if err != nil {
		t.Fatal(err)
	}
}

// dirsWithTF lists the directories under parent, at any depth, that hold
// .tf files, relative to parent. Test fixtures (tests/) are not configurations.
func dirsWithTF(t *testing.T, parent string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(parent, func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if d.Name() == ".terraform" || d.Name() == "tests" {
			return filepath.SkipDir
		}
		if tf, _ := filepath.Glob(filepath.Join(path, "*.tf")); len(tf) > 0 && path != parent {
			rel, _ := filepath.Rel(parent, path)
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// Every module is tested with its own `terraform test` files, on both
// clouds, against the emulator.
func TestModules(t *testing.T) {
	t.Parallel()
	var modules []string
	for _, m := range dirsWithTF(t, filepath.Join(root, "modules")) {
		if !strings.Contains(m, string(filepath.Separator)) {
			modules = append(modules, m)
		}
	}
	if len(modules) == 0 {
		t.Fatal("no module under modules/")
	}
	tree := copyTree(t, filepath.Join(root, "modules"))
	for _, name := range modules {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(tree, name)
			tests, _ := filepath.Glob(filepath.Join(dir, "tests", "*.tftest.hcl"))
			if len(tests) == 0 {
				t.Fatalf("modules/%s has no tests/*.tftest.hcl", name)
			}
			if out, err := tf(t, dir, "init", "-input=false", "-no-color", "-backend=false"); err != nil {
				t.Fatalf("init: %v\n%s", err, out)
			}
			// The CLI's and the provider's log, read back when the run
			// fails or hangs: a module's test runs a dozen applies, and
			// its output alone does not say which call went wrong.
			logPath := filepath.Join(t.TempDir(), "terraform.log")
			out, err := tfLogged(t, dir, logPath, moduleTestTimeout, "test", "-no-color")
			if err != nil {
				t.Fatalf("%s test: %v\n%s\nthe end of its log (%s):\n%s", filepath.Base(cli.Path), err, out, logPath, logTail(logPath, 150))
			}
			t.Logf("%s", lastLine(out))
		})
	}
}

// Every module and example is valid and formatted.
func TestValidateAndFormat(t *testing.T) {
	t.Parallel()
	for _, parent := range []string{"modules", "examples"} {
		tree := copyTree(t, filepath.Join(root, parent))
		if parent == "examples" {
			// The complete examples call ../../modules/warehouse.
			copyTreeTo(t, filepath.Join(root, "modules"), filepath.Join(filepath.Dir(tree), "modules"))
		}
		for _, name := range dirsWithTF(t, tree) {
			t.Run(parent+"/"+name, func(t *testing.T) {
				t.Parallel()
				dir := filepath.Join(tree, name)
				if out, err := tf(t, dir, "fmt", "-check", "-recursive", "-diff", "-no-color"); err != nil {
					t.Errorf("not formatted (run make fmt): %v\n%s", err, out)
				}
				requireProvider(t, dir)
				if other := otherProviders(t, dir); len(other) > 0 {
					// Offline, only this provider can be installed.
					t.Logf("formatted only: the example also uses %s, which cannot be installed here", strings.Join(other, ", "))
					return
				}
				if out, err := tf(t, dir, "init", "-input=false", "-no-color", "-backend=false"); err != nil {
					t.Fatalf("init: %v\n%s", err, out)
				}
				if out, err := tf(t, dir, "validate", "-no-color"); err != nil {
					t.Errorf("validate: %v\n%s", err, out)
				}
			})
		}
	}
}

// requireProvider gives a documentation snippet, which names no provider
// source, the one it is written for, in the test's copy only.
func requireProvider(t *testing.T, dir string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.tf"))
	for _, f := range files {
		if b, err := os.ReadFile(f); err == nil && bytes.Contains(b, []byte("required_providers")) {
			return
		}
	}
	snippet := fmt.Sprintf("terraform {\n  required_providers {\n    health = { source = %q }\n  }\n}\n", tfcli.ProviderAddress)
	if err := os.WriteFile(filepath.Join(dir, "zz_modtest_providers.tf"), []byte(snippet), 0o600); err != nil {
		t.Fatal(err)
	}
}

// blockType matches the type of a resource, data source or ephemeral block.
var blockType = regexp.MustCompile(`(?m)^(?:resource|data|ephemeral)\s+"([a-z0-9]+)_[a-z0-9_]*"`)

// otherProviders lists the providers besides health whose resources the
// configuration in dir uses.
func otherProviders(t *testing.T, dir string) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.tf"))
	seen := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range blockType.FindAllSubmatch(b, -1) {
			if p := string(m[1]); p != "health" {
				seen[p] = true
			}
		}
	}
	var out []string
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
