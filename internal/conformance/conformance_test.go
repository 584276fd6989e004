package conformance

import (
	"archive/zip"
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
)

// fakeProvider is a module shaped like an official provider: acceptance
// tests behind TF_ACC that reach the emulator named in the environment.
// Served through a file:// module proxy, it proves the harness end to end
// (fetch, copy, go test -json, outcome per test, report) on a machine
// where the real providers cannot be fetched.
var fakeProvider = map[string]string{
	"go.mod": "module example.com/conformance/fakeprovider\n\ngo 1.24\n",
	"acc/acc_test.go": `package acc

import (
	"net/http"
	"os"
	"testing"
)

func TestAccFake_reachesEmulator(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Fatal("TF_ACC is not set")
	}
	resp, err := http.Get(os.Getenv("FAKE_ENDPOINT") + "/_emulator/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("health: HTTP %d", resp.StatusCode)
	}
}

func TestAccFake_fails(t *testing.T) {
	t.Log("=== chatter the report leaves out")
	t.Fatal("Error: the emulator answered 400 InvalidParameter")
}

func TestAccFake_skips(t *testing.T) {
	t.Skip("OVH_TEST_ORDER must be set")
}

func TestAccFake_subtests(t *testing.T) {
	t.Run("one", func(t *testing.T) {})
	t.Run("two", func(t *testing.T) {})
}

func TestAccFake_notSelected(t *testing.T) {
	t.Fatal("a test the suite does not select must not run")
}
`,
}

// moduleProxy writes a file:// Go module proxy serving module at version
// with files, and returns its URL.
func moduleProxy(t *testing.T, module, version string, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, filepath.FromSlash(module), "@v")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var zipped bytes.Buffer
	zw := zip.NewWriter(&zipped)
	for name, body := range files {
		w, err := zw.Create(module + "@" + version + "/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string][]byte{
		"list":            []byte(version + "\n"),
		version + ".info": []byte(`{"Version":"` + version + `","Time":"2026-01-01T00:00:00Z"}`),
		version + ".mod":  []byte(files["go.mod"]),
		version + ".zip":  zipped.Bytes(),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return "file://" + filepath.ToSlash(root)
}

// isolatedGo is the environment of go commands that fetch only from proxy,
// into a module cache of their own (removed after the test: the go command
// makes it read-only).
func isolatedGo(t *testing.T, proxy string) map[string]string {
	t.Helper()
	cache := t.TempDir()
	t.Cleanup(func() {
		cmd := exec.Command("go", "clean", "-modcache")
		cmd.Env = append(os.Environ(), "GOMODCACHE="+cache)
		_ = cmd.Run()
	})
	return map[string]string{"GOPROXY": proxy, "GOMODCACHE": cache, "GOSUMDB": "off",
		"GOFLAGS": "-mod=mod", "GOTOOLCHAIN": "local", "GOWORK": "off"}
}

func TestRunner_runsTheSelectedAcceptanceTestsOfAFetchedModule(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	const module, version = "example.com/conformance/fakeprovider", "v1.0.0"
	r := &Runner{WorkDir: t.TempDir(), Env: isolatedGo(t, moduleProxy(t, module, version, fakeProvider))}
	suite := Suite{
		Cloud: "fake", Module: module, Version: version, Package: "./acc",
		Cases: []Case{
			{Test: "TestAccFake_reachesEmulator", Covers: "health"},
			{Test: "TestAccFake_fails", Covers: "errors"},
			{Test: "TestAccFake_skips", Covers: "orders"},
			{Test: "TestAccFake_subtests", Covers: "subtests"},
			{Test: "TestAccFake_renamedUpstream", Covers: "nothing"},
			{Test: "TestAccFake_order", Covers: "an order", NotRun: "needs a marketplace order"},
		},
		Env: func(target Target) map[string]string { return map[string]string{"FAKE_ENDPOINT": target.URL} },
	}
	got, err := r.Run(context.Background(), suite, Target{URL: emu.URL()})
	if err != nil {
		t.Fatal(err)
	}
	if got.Blocked != "" {
		t.Fatalf("blocked: %s", got.Blocked)
	}
	want := map[string]Status{
		"TestAccFake_reachesEmulator": Pass, "TestAccFake_fails": Fail, "TestAccFake_skips": Skip,
		"TestAccFake_subtests": Pass, "TestAccFake_renamedUpstream": Fail, "TestAccFake_order": NotRun,
	}
	if len(got.Results) != len(want) {
		t.Fatalf("%d results, want %d: %+v", len(got.Results), len(want), got.Results)
	}
	for _, res := range got.Results {
		if res.Status != want[res.Test] {
			t.Errorf("%s: %s (%s), want %s", res.Test, res.Status, res.Cause, want[res.Test])
		}
	}
	causes := map[string]string{}
	for _, res := range got.Results {
		causes[res.Test] = res.Cause
	}
	if c := causes["TestAccFake_fails"]; c != "Error: the emulator answered 400 InvalidParameter" {
		t.Errorf("the failure's cause is %q", c)
	}
	if c := causes["TestAccFake_skips"]; !strings.Contains(c, "OVH_TEST_ORDER must be set") {
		t.Errorf("the skip's cause is %q", c)
	}
	if c := causes["TestAccFake_renamedUpstream"]; !strings.Contains(c, "did not run") {
		t.Errorf("a selected test that does not exist is reported as %q", c)
	}
	if passed, selected := got.Counts(); passed != 2 || selected != 5 {
		t.Errorf("counts: %d of %d, want 2 of 5", passed, selected)
	}
}

func TestRunner_aModuleTheProxyRefusesBlocksItsSuite(t *testing.T) {
	t.Parallel()
	refusing := httptestProxy(t)
	r := &Runner{WorkDir: t.TempDir(), Env: isolatedGo(t, refusing)}
	suite := Suite{Cloud: "outscale", Module: "example.com/refused/provider", Version: "v1.8.0", Package: "./outscale",
		Cases: []Case{{Test: "TestAccNet_basic", Covers: "net"}, {Test: "TestAccOrder", NotRun: "needs an order"}}}
	got, err := r.Run(context.Background(), suite, Target{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got.Blocked, "403 Forbidden") || !strings.Contains(got.Blocked, "example.com/refused/provider@v1.8.0") {
		t.Fatalf("blocked reason %q does not give the module and the proxy's answer", got.Blocked)
	}
	if got.Results[0].Status != Blocked || got.Results[1].Status != NotRun || got.Results[1].Cause != "needs an order" {
		t.Fatalf("results: %+v", got.Results)
	}
	var md bytes.Buffer
	if err := (Report{CLI: "Terraform 1.11.4", Date: "2026-12-03", Suites: []SuiteResult{got}}).WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"not run here (1 selected)", "**Not run on this machine**", "403 Forbidden",
		"| `TestAccOrder` |  | not run | needs an order |"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, md.String())
		}
	}
}

// httptestProxy is a module proxy that refuses every module the way
// proxy.golang.org refuses the official providers here.
func httptestProxy(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "This module version is not available.", http.StatusForbidden)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}
