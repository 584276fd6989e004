// Package gatewaytest runs a rendered data gateway's start script on the
// test's host, as the gateway's unit would at boot: its credentials in a
// credentials directory, its settings in the environment, a state
// directory, and a fake rclone that records what it was given instead of
// serving. Tests point the settings at stand-ins or at the emulator (behind
// a TLS proxy, since the script speaks HTTPS only) and read back what rclone
// would have started with.
package gatewaytest

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sovhealth/terraform-provider-health/internal/gateway"
)

// fakeRclone records its arguments and environment instead of serving.
const fakeRclone = `#!/bin/sh
printf '%s\n' "$@" > "$RECORD/rclone.args"
env > "$RECORD/rclone.env"
`

// Tools are the programs the start script needs on the host.
var Tools = []string{"bash", "curl", "jq", "sha256sum", "base64"}

// Machine is one gateway's first boot, replayed on the test's host.
type Machine struct {
	t      testing.TB
	dir    string
	script string
	record string
	env    []string
}

// New lays out the machine the user-data describes. override replaces
// settings of the rendered environment file (such as S3_ENDPOINT or
// BAO_ADDR, to reach the emulator through a proxy); files are written into
// the machine's directory and override names them by their key ("$name"
// in an override value is replaced by the file's path). It skips the test
// when a tool of Tools is missing.
func New(t testing.TB, userData []byte, override map[string]string, files map[string]string) *Machine {
	t.Helper()
	for _, tool := range Tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the gateway's start script needs %s, which is not on PATH: not run", tool)
		}
	}
	written, err := gateway.WrittenFiles(userData)
	if err != nil {
		t.Fatalf("reading the gateway's user-data: %v", err)
	}
	dir := t.TempDir()
	m := &Machine{t: t, dir: dir, script: filepath.Join(dir, "health-gateway-start"), record: filepath.Join(dir, "record")}
	bin, creds, state, tmp := filepath.Join(dir, "bin"), filepath.Join(dir, "credentials"), filepath.Join(dir, "state"), filepath.Join(dir, "tmp")
	for _, d := range []string{bin, creds, state, tmp, m.record} {
		must(t, os.MkdirAll(d, 0o700))
	}
	start, ok := written[gateway.PathStart]
	if !ok {
		t.Fatalf("the user-data writes no %s", gateway.PathStart)
	}
	must(t, os.WriteFile(m.script, []byte(start), 0o755))
	must(t, os.WriteFile(filepath.Join(bin, "rclone"), []byte(fakeRclone), 0o755))
	// The credentials, as the unit's LoadCredential= lines hand them.
	for _, l := range strings.Split(written[gateway.PathUnit], "\n") {
		spec, ok := strings.CutPrefix(l, "LoadCredential=")
		if !ok {
			continue
		}
		name, path, _ := strings.Cut(spec, ":")
		content, found := written[path]
		if !found {
			t.Fatalf("the unit loads %s from %s, which the user-data does not write", name, path)
		}
		must(t, os.WriteFile(filepath.Join(creds, name), []byte(content), 0o400))
	}
	paths := map[string]string{}
	for name, content := range files {
		paths[name] = filepath.Join(dir, "file-"+name)
		must(t, os.WriteFile(paths[name], []byte(content), 0o644))
	}
	m.env = []string{"PATH=" + bin + ":" + os.Getenv("PATH"), "CREDENTIALS_DIRECTORY=" + creds, "STATE_DIRECTORY=" + state,
		"TMPDIR=" + tmp, "RECORD=" + m.record, "LANG=C"}
	if ca, ok := paths["ca"]; ok {
		m.env = append(m.env, "CURL_CA_BUNDLE="+ca)
	}
	sc := bufio.NewScanner(strings.NewReader(written[gateway.PathEnv]))
	for sc.Scan() {
		l := sc.Text()
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		k, _, _ := strings.Cut(l, "=")
		if v, ok := override[k]; ok {
			for name, p := range paths {
				v = strings.ReplaceAll(v, "$"+name, p)
			}
			l = k + "=" + v
		}
		m.env = append(m.env, l)
	}
	return m
}

// Start runs the start script once ("serve" by default, as the unit does);
// it returns its exit status and what it printed.
func (m *Machine) Start(args ...string) (int, string) {
	m.t.Helper()
	if len(args) == 0 {
		args = []string{"serve"}
	}
	_ = os.Remove(filepath.Join(m.record, "rclone.args"))
	_ = os.Remove(filepath.Join(m.record, "rclone.env"))
	cmd := exec.Command("bash", append([]string{m.script}, args...)...)
	cmd.Env = m.env
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, string(out)
	case errors.As(err, &exit):
		return exit.ExitCode(), string(out)
	}
	m.t.Fatalf("running the start script: %v", err)
	return 0, ""
}

// Rclone is what the fake rclone was started with: its arguments and
// environment; ok is false when the script did not start it.
func (m *Machine) Rclone() (args []string, env map[string]string, ok bool) {
	m.t.Helper()
	rawArgs, err := os.ReadFile(filepath.Join(m.record, "rclone.args"))
	if err != nil {
		return nil, nil, false
	}
	rawEnv, err := os.ReadFile(filepath.Join(m.record, "rclone.env"))
	must(m.t, err)
	env = map[string]string{}
	for _, l := range strings.Split(string(rawEnv), "\n") {
		if k, v, found := strings.Cut(l, "="); found {
			env[k] = v
		}
	}
	return strings.Split(strings.TrimSuffix(string(rawArgs), "\n"), "\n"), env, true
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
