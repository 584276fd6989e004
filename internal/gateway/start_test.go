package gateway

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/sovhealth/terraform-provider-health/internal/bastion"
	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

const testRcloneSHA256 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// testConfig is a gateway of cloudName whose KMS and store are at endpoint
// (the stand-ins' URL, or a real-looking one), trusting caPEM for OpenBao.
func testConfig(t testing.TB, cloudName, endpoint, caPEM string) Config {
	t.Helper()
	issued, err := IssueTLS("wh-gateway", "10.40.128.10", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		Name:  "wh-gateway",
		Cloud: cloudName,
		Bucket: Bucket{Name: testBucket, Endpoint: endpoint, Region: "eu-west-2",
			AccessKeyID: testAccessKeyID, SecretAccessKey: testSecretKey},
		Client:         ClientKey{AccessKeyID: "GWCLIENT0001", SecretAccessKey: "gatewayClientSecret-0123456789"},
		TLS:            issued.TLS,
		AllowedSources: []string{"10.40.64.0/18", "10.40.0.0/18"},
		Rclone:         Rclone{Version: "1.71.2", SHA256: testRcloneSHA256},
	}
	switch cloudName {
	case cloud.Outscale:
		cfg.OpenBao = &OpenBao{Address: endpoint, CACertPEM: caPEM, Mount: "transit", KeyName: testTransitKey,
			WrappingToken: testWrappingToken}
	case cloud.OVH:
		cfg.OKMS = &OKMS{Endpoint: endpoint, ID: testOKMSID, KeyID: testServiceKeyID,
			TokenURL: endpoint + "/auth/oauth2/token", ClientID: testClientID, ClientSecret: testClientSecret}
	}
	return cfg
}

// rendered is a user-data document, parsed.
type rendered struct {
	doc   map[string]any
	files map[string]string // path → content
	modes map[string]string // path → permissions
}

func render(t testing.TB, cfg Config) rendered {
	t.Helper()
	raw, err := Render(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("the user-data is not YAML: %v", err)
	}
	var parsed struct {
		WriteFiles []bastion.WriteFile `yaml:"write_files"`
	}
	if err := yaml.Unmarshal(raw, &parsed); err != nil {
		t.Fatal(err)
	}
	r := rendered{doc: doc, files: map[string]string{}, modes: map[string]string{}}
	for _, f := range parsed.WriteFiles {
		r.files[f.Path], r.modes[f.Path] = f.Content, f.Permissions
	}
	return r
}

// machine is a gateway host, as far as the start script sees it: the
// rendered settings, the credentials the unit would load, a state
// directory, and programs on PATH (a fake rclone recording what it was
// given; curl and jq wrapped to record their command lines).
type machine struct {
	t      *testing.T
	dir    string
	script string
	env    []string
	state  string
	record string // the fakes' records
}

// fakeRclone records its arguments and its environment, and exits.
const fakeRclone = `#!/bin/sh
printf '%s\n' "$@" > "$RECORD/rclone.args"
env > "$RECORD/rclone.env"
`

// recordingWrapper records a program's command line, then runs the real one.
func recordingWrapper(program string) string {
	return "#!/bin/sh\nprintf '%s\\n' \"$*\" >> \"$RECORD/cmdlines\"\nexec " + program + " \"$@\"\n"
}

func needTools(t *testing.T) map[string]string {
	t.Helper()
	paths := map[string]string{}
	for _, tool := range []string{"bash", "curl", "jq", "sha256sum", "base64"} {
		p, err := exec.LookPath(tool)
		if err != nil {
			t.Skipf("the start script needs %s, which is not on PATH: not run", tool)
		}
		paths[tool] = p
	}
	return paths
}

func newMachine(t *testing.T, r rendered, f *fakeCloud, tools map[string]string) *machine {
	t.Helper()
	dir := t.TempDir()
	m := &machine{t: t, dir: dir, script: filepath.Join(dir, "health-gateway-start"), state: filepath.Join(dir, "state"),
		record: filepath.Join(dir, "record")}
	bin, creds, tmp := filepath.Join(dir, "bin"), filepath.Join(dir, "credentials"), filepath.Join(dir, "tmp")
	for _, d := range []string{bin, creds, tmp, m.record} {
		must(t, os.MkdirAll(d, 0o700))
	}
	must(t, os.WriteFile(m.script, []byte(r.files[PathStart]), 0o755))
	must(t, os.WriteFile(filepath.Join(bin, "rclone"), []byte(fakeRclone), 0o755))
	for _, tool := range []string{"curl", "jq"} {
		must(t, os.WriteFile(filepath.Join(bin, tool), []byte(recordingWrapper(tools[tool])), 0o755))
	}
	// The credentials, as the unit's LoadCredential= lines hand them.
	for _, l := range strings.Split(r.files[PathUnit], "\n") {
		spec, ok := strings.CutPrefix(l, "LoadCredential=")
		if !ok {
			continue
		}
		name, path, _ := strings.Cut(spec, ":")
		content, written := r.files[path]
		if !written {
			t.Fatalf("the unit loads %s from %s, which the user-data does not write", name, path)
		}
		must(t, os.WriteFile(filepath.Join(creds, name), []byte(content), 0o400))
	}
	ca := filepath.Join(dir, "stand-ins-ca.pem")
	must(t, os.WriteFile(ca, []byte(f.caPEM()), 0o644))
	m.env = []string{"PATH=" + bin + ":" + os.Getenv("PATH"), "CREDENTIALS_DIRECTORY=" + creds, "STATE_DIRECTORY=" + m.state,
		"TMPDIR=" + tmp, "RECORD=" + m.record, "CURL_CA_BUNDLE=" + ca, "LANG=C"}
	// The settings, as the unit's EnvironmentFile= gives them.
	sc := bufio.NewScanner(strings.NewReader(r.files[PathEnv]))
	for sc.Scan() {
		if l := sc.Text(); l != "" && !strings.HasPrefix(l, "#") {
			if strings.HasPrefix(l, "BAO_CACERT=") { // the rendered CA file, where this machine has it
				kmsCA := filepath.Join(dir, "kms-ca.pem")
				must(t, os.WriteFile(kmsCA, []byte(r.files[PathKMSCA]), 0o644))
				l = "BAO_CACERT=" + kmsCA
			}
			m.env = append(m.env, l)
		}
	}
	must(t, os.MkdirAll(m.state, 0o700))
	return m
}

// start runs the start script once; it returns its exit status and what
// it printed.
func (m *machine) start(args ...string) (int, string) {
	m.t.Helper()
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

// rclone is what the fake rclone was given: its arguments and environment,
// or ok false when it did not run.
func (m *machine) rclone() (args []string, env map[string]string, ok bool) {
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

// filesHolding lists the files under the machine's directories (the fakes'
// records aside) that hold s.
func (m *machine) filesHolding(s string) []string {
	var found []string
	err := filepath.WalkDir(m.dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(path, m.record) {
			return err
		}
		b, err := os.ReadFile(path)
		if err == nil && strings.Contains(string(b), s) {
			found = append(found, path)
		}
		return err
	})
	must(m.t, err)
	return found
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// checkServed checks that rclone was started to serve the bucket with
// SSE-C under want, the data key reaching it through its environment
// only, and that no secret went on a command line or into a file.
func checkServed(t *testing.T, m *machine, want string, secrets ...string) {
	t.Helper()
	args, env, ok := m.rclone()
	if !ok {
		t.Fatal("rclone was not started")
	}
	if got := env["RCLONE_S3_SSE_CUSTOMER_KEY_BASE64"]; got != want {
		t.Fatalf("rclone's SSE-C key is %q, want the KMS's plaintext %q", got, want)
	}
	joined := strings.Join(args, " ")
	for _, wantArg := range []string{"serve s3 gateway:", "--s3-sse-customer-algorithm AES256", "--addr :443",
		"--log-level INFO", "--filter - /" + testBucket + "/.health-keys/**"} {
		if !strings.Contains(joined, wantArg) {
			t.Errorf("rclone's arguments lack %q: %v", wantArg, args)
		}
	}
	if env["RCLONE_CONFIG_GATEWAY_UPSTREAMS"] != testBucket+"=backend:"+testBucket || env["RCLONE_CONFIG_BACKEND_SECRET_ACCESS_KEY"] != testSecretKey ||
		env["RCLONE_AUTH_KEY"] != "GWCLIENT0001,gatewayClientSecret-0123456789" {
		t.Errorf("rclone's remotes or client key are not in its environment: %v", env)
	}
	cmdlines, _ := os.ReadFile(filepath.Join(m.record, "cmdlines"))
	for _, s := range append(secrets, want, testSecretKey, "gatewayClientSecret-0123456789") {
		if strings.Contains(joined, s) || strings.Contains(string(cmdlines), s) {
			t.Errorf("the secret %.12s… was on a command line", s)
		}
	}
	if files := m.filesHolding(want); len(files) > 0 {
		t.Errorf("the data key was written to disk: %v", files)
	}
}

// On OUTSCALE, the first start unwraps the single-use wrapping token, has
// OpenBao make a data key, keeps its wrapped form in the bucket (If-None-Match),
// and hands the plaintext to rclone through its environment; the next start
// reuses the token and the wrapped key. A second machine booting with the
// same user-data finds the wrapping token used and fails, saying the
// credential may have been intercepted.
func TestStartScript_openBao(t *testing.T) {
	t.Parallel()
	tools := needTools(t)
	f := newFakeCloud(t)
	r := render(t, testConfig(t, cloud.Outscale, f.srv.URL, f.caPEM()))
	m := newMachine(t, r, f, tools)

	if code, out := m.start(); code != 0 {
		t.Fatalf("first start: exit %d\n%s", code, out)
	} else if !strings.Contains(out, "(made now)") {
		t.Errorf("the first start does not say it made the data key:\n%s", out)
	}
	if len(f.sigErrors) > 0 {
		t.Fatalf("the store refused curl's signatures: %v", f.sigErrors)
	}
	if len(f.made) != 1 || len(f.puts) != 1 || f.puts[0].Get("If-None-Match") != "*" {
		t.Fatalf("data keys made %d, puts %d (%v): want one, conditional", len(f.made), len(f.puts), f.puts)
	}
	stored := f.objects[testBucket+"/"+cloud.WrappedKeyPrefix+"wh-gateway.key"]
	if !strings.HasPrefix(stored, "vault:v1:") {
		t.Fatalf("the bucket keeps %q beside the data, want OpenBao's ciphertext", stored)
	}
	checkServed(t, m, f.made[0], testWrappingToken, testBaoToken)
	token, err := os.ReadFile(filepath.Join(m.state, "openbao-token"))
	if err != nil || string(token) != testBaoToken {
		t.Fatalf("the unwrapped token is not kept in the state directory: %q, %v", token, err)
	}
	if fi, _ := os.Stat(filepath.Join(m.state, "openbao-token")); fi.Mode().Perm() != 0o600 {
		t.Errorf("the token file is %v, want 0600", fi.Mode().Perm())
	}

	// A restart: the same token (renewed), the same wrapped key, no new data key.
	if code, out := m.start(); code != 0 {
		t.Fatalf("second start: exit %d\n%s", code, out)
	} else if !strings.Contains(out, "(kept in the bucket)") {
		t.Errorf("the second start does not say it reused the kept key:\n%s", out)
	}
	if f.count("unwrap") != 1 || f.count("renew") != 1 || len(f.made) != 1 || len(f.puts) != 1 {
		t.Fatalf("second start: unwrap %d, renew %d, data keys %d, puts %d; want 1, 1, 1, 1",
			f.count("unwrap"), f.count("renew"), len(f.made), len(f.puts))
	}
	checkServed(t, m, f.made[0], testWrappingToken, testBaoToken)

	// The timer's renewal.
	if code, out := m.start("renew"); code != 0 || f.count("renew") != 2 {
		t.Fatalf("renew: exit %d, renewals %d\n%s", code, f.count("renew"), out)
	}

	// A token revoked (or expired while the gateway was off): the restart says so.
	must(t, os.WriteFile(filepath.Join(m.state, "openbao-token"), []byte("hvs.revoked"), 0o600))
	if code, out := m.start(); code != 1 || !strings.Contains(out, "OpenBao refused the gateway's token (HTTP 403") ||
		!strings.Contains(out, "replace the gateway") {
		t.Fatalf("a revoked token: exit %d\n%s", code, out)
	}

	// Someone else's first boot with the same user-data: the wrapping token is used.
	other := newMachine(t, r, f, tools)
	code, out := other.start()
	if code != ExitIntercepted || !strings.Contains(out, "may have been intercepted") {
		t.Fatalf("a second unwrap: exit %d, want %d with the interception message:\n%s", code, ExitIntercepted, out)
	}
	if _, _, ran := other.rclone(); ran {
		t.Error("rclone started without a token")
	}
	if strings.Contains(out, testWrappingToken) {
		t.Error("the message shows the wrapping token")
	}
}

// On OVHcloud, the gateway takes a bearer token with its client
// credentials, has OKMS make a data key (JWE), keeps it in the bucket and
// starts rclone with the plaintext; the next start reuses the kept key.
func TestStartScript_okms(t *testing.T) {
	t.Parallel()
	tools := needTools(t)
	f := newFakeCloud(t)
	r := render(t, testConfig(t, cloud.OVH, f.srv.URL, ""))
	m := newMachine(t, r, f, tools)

	if code, out := m.start(); code != 0 {
		t.Fatalf("first start: exit %d\n%s", code, out)
	}
	if len(f.sigErrors) > 0 {
		t.Fatalf("the store refused curl's signatures: %v", f.sigErrors)
	}
	if len(f.made) != 1 || len(f.puts) != 1 || f.puts[0].Get("If-None-Match") != "*" || f.count("oauth2") != 1 {
		t.Fatalf("data keys %d, puts %d, OAuth2 grants %d: want one each, the put conditional", len(f.made), len(f.puts), f.count("oauth2"))
	}
	if stored := f.objects[testBucket+"/"+cloud.WrappedKeyPrefix+"wh-gateway.key"]; !strings.HasPrefix(stored, "eyJ") {
		t.Fatalf("the bucket keeps %q, want OKMS's JWE", stored)
	}
	checkServed(t, m, f.made[0], testClientSecret, testBearer)

	if code, out := m.start(); code != 0 {
		t.Fatalf("second start: exit %d\n%s", code, out)
	}
	if len(f.made) != 1 || len(f.puts) != 1 || f.count("decrypt") != 2 {
		t.Fatalf("second start: data keys %d, puts %d, unwraps %d; want 1, 1, 2", len(f.made), len(f.puts), f.count("decrypt"))
	}
	checkServed(t, m, f.made[0], testClientSecret, testBearer)
}

// Two gateways starting at once never make two data keys: the one whose
// conditional put loses takes the key the other stored.
func TestStartScript_concurrentFirstStartsShareOneKey(t *testing.T) {
	t.Parallel()
	tools := needTools(t)
	f := newFakeCloud(t)
	var theirs string
	f.beforePut = func(f *fakeCloud) {
		// Another start stores its wrapped key between our read and our put.
		wrapped, plain := f.newDataKey("eyJhbGciOiJkaXIifQ..")
		f.objects[testBucket+"/"+cloud.WrappedKeyPrefix+"wh-gateway.key"], theirs = wrapped, plain
		f.beforePut = nil
	}
	m := newMachine(t, render(t, testConfig(t, cloud.OVH, f.srv.URL, "")), f, tools)
	code, out := m.start()
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if !strings.Contains(out, "(made by another start)") {
		t.Errorf("the start does not say it took the other's key:\n%s", out)
	}
	checkServed(t, m, theirs, testClientSecret, testBearer)
}

// A destroyed or wrong KMS key leaves the data unreadable, and the gateway
// says so instead of starting without SSE-C.
func TestStartScript_unwrapRefused(t *testing.T) {
	t.Parallel()
	tools := needTools(t)
	f := newFakeCloud(t)
	f.objects[testBucket+"/"+cloud.WrappedKeyPrefix+"wh-gateway.key"] = "eyJhbGciOiJkaXIifQ..shredded"
	m := newMachine(t, render(t, testConfig(t, cloud.OVH, f.srv.URL, "")), f, tools)
	code, out := m.start()
	if code == 0 || !strings.Contains(out, "OKMS cannot unwrap s3://"+testBucket+"/.health-keys/wh-gateway.key") {
		t.Fatalf("exit %d, want a failure naming the wrapped key:\n%s", code, out)
	}
	if _, _, ran := m.rclone(); ran {
		t.Error("rclone started without the data key")
	}
}

// A read-only gateway serving two prefixes to a workspace: it takes the
// data key its bucket's writer stored (never making one), and rclone
// serves those prefixes only, without writes. Without the writer's key it
// refuses to start, saying why.
func TestStartScript_readOnlyPrefixes(t *testing.T) {
	t.Parallel()
	tools := needTools(t)
	f := newFakeCloud(t)
	cfg := testConfig(t, cloud.OVH, f.srv.URL, "")
	cfg.Name, cfg.ReadOnly, cfg.Prefixes = "wh-ws-cardio-gw", true, []string{"cardio/2024/", "cardio/2025/"}
	cfg.DataKeyObject = WrappedKeyObject("wh-gateway")

	m := newMachine(t, render(t, cfg), f, tools)
	code, out := m.start()
	if code != 1 || !strings.Contains(out, "no data key at s3://"+testBucket+"/.health-keys/wh-gateway.key: a read-only gateway") {
		t.Fatalf("without the writer's key: exit %d, want 1 saying why:\n%s", code, out)
	}
	f.mu.Lock()
	made, puts := len(f.made), len(f.puts)
	f.mu.Unlock()
	if _, _, ran := m.rclone(); ran || made != 0 || puts != 0 {
		t.Fatalf("a read-only gateway made a data key (%d) or stored one (%d), or started", made, puts)
	}

	// The writer's first start, as the stand-ins' handlers would record it
	// (under their lock: they served the first start).
	f.mu.Lock()
	wrapped, plain := f.newDataKey("eyJhbGciOiJkaXIifQ..")
	f.objects[testBucket+"/"+cloud.WrappedKeyPrefix+"wh-gateway.key"] = wrapped
	madeByWriter := len(f.made)
	f.mu.Unlock()
	if code, out := m.start(); code != 0 {
		t.Fatalf("with the writer's key: exit %d\n%s", code, out)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.made) != madeByWriter || len(f.puts) != 0 {
		t.Fatalf("a read-only gateway made a data key (%d) or stored one (%d)", len(f.made), len(f.puts))
	}
	checkServed(t, m, plain, testClientSecret, testBearer)
	args, _, _ := m.rclone()
	joined := strings.Join(args, " ")
	want := "--filter - /" + testBucket + "/.health-keys/** --filter + /" + testBucket + "/cardio/2024/** --filter + /" +
		testBucket + "/cardio/2025/** --filter - ** --read-only"
	if !strings.Contains(joined, want) {
		t.Errorf("rclone does not serve the prefixes alone, read only:\n got %s\nwant %s", joined, want)
	}
}
