// Command demo runs `make demo`: the two-clouds example — the same
// warehouse on OUTSCALE and OVHcloud — applied with the real Terraform (or
// OpenTofu) CLI against the local emulator, on a machine with nothing but Go
// installed.
//
//	demo [-destroy] [-version 0.1.0] [-dir .demo] [-listen 127.0.0.1:8790]
//
// Everything it writes lives under .demo/ at the repository root: the
// provider build (a filesystem mirror) and its own CLI configuration (never
// the user's ~/.terraformrc), the emulator's data, an administrator SSH key
// pair made for the demo, a working copy of examples/ and modules/ with the
// state, and the compliance reports.
//
// The emulator listens on a fixed address so that a second `make demo`
// finds the endpoints its state recorded, and shows no change.
package main

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/tfcli"
)

// DefaultListen is where the demo's emulator listens: not `make emulator`'s
// 8787, so that both can run at once.
const DefaultListen = "127.0.0.1:8790"

// DemoAdminCIDR is the address block the demo's administrators "connect
// from": a documentation range (RFC 5737), since nothing reaches the
// emulator's bastions anyway.
const DemoAdminCIDR = "198.51.100.10/32"

// options are the demo's settings.
type options struct {
	root    string    // the repository
	dir     string    // where everything the demo writes goes
	listen  string    // the emulator's address
	version string    // stamped on the locally built provider
	destroy bool      // tear down instead of applying
	out     io.Writer // progress and the CLI's output
}

func main() {
	destroy := flag.Bool("destroy", false, "destroy what the demo created instead of applying")
	version := flag.String("version", "0.1.0", "version stamped on the locally built provider")
	dir := flag.String("dir", "", "where the demo keeps its files (default: .demo at the repository root)")
	listen := flag.String("listen", DefaultListen, "the emulator's address; keep it the same between runs")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	root, err := tfcli.RepoRoot(".")
	if err == nil {
		if *dir == "" {
			*dir = filepath.Join(root, ".demo")
		}
		err = run(ctx, options{root: root, dir: *dir, listen: *listen, version: *version, destroy: *destroy, out: os.Stdout})
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "\ndemo: "+err.Error())
		os.Exit(1)
	}
}

// demo holds what one run has set up.
type demo struct {
	options
	cli     tfcli.CLI
	rcFile  string
	emu     *emulator.Emulator
	work    string // the working copy of examples/two-clouds
	started time.Time
}

func (d *demo) step(format string, args ...any) {
	fmt.Fprintf(d.out, "\n==> [%3ds] "+format+"\n", append([]any{int(time.Since(d.started).Seconds())}, args...)...)
}

func (d *demo) note(format string, args ...any) { fmt.Fprintf(d.out, "    "+format+"\n", args...) }

func run(ctx context.Context, o options) error {
	d := &demo{options: o, started: time.Now()}
	if err := os.MkdirAll(d.dir, 0o700); err != nil {
		return err
	}

	d.step("Finding a Terraform CLI")
	cli, err := tfcli.Find(ctx, d.root)
	if errors.Is(err, tfcli.ErrNotFound) {
		if _, err = tfcli.Build(ctx, d.root, func(s string) { d.note("%s", s) }); err == nil {
			cli, err = tfcli.Find(ctx, d.root)
		}
	}
	if err != nil {
		return err
	}
	d.cli = cli
	d.note("%s", cli.String())

	d.step("Building the provider %s into a local filesystem mirror (%s)", d.version, d.rel(filepath.Join(d.dir, "plugins")))
	mirror, err := tfcli.BuildProviderMirror(ctx, d.root, d.dir, d.version, d.out)
	if err != nil {
		return err
	}
	if d.rcFile, err = tfcli.WriteConfig(d.dir, tfcli.MirrorConfig(mirror)); err != nil {
		return err
	}

	d.step("Starting the emulator of both clouds on %s (its data stays in %s)", d.listen, d.rel(filepath.Join(d.dir, "emulator")))
	cfg := emulator.DefaultConfig()
	cfg.DataDir = filepath.Join(d.dir, "emulator")
	if d.emu, err = emulator.New(cfg); err != nil {
		return err
	}
	if err := d.emu.Start(d.listen); err != nil {
		return fmt.Errorf("starting the emulator on %s (is another demo running? pass -listen): %w", d.listen, err)
	}
	defer d.emu.Close()
	fmt.Fprint(d.out, indent(d.emu.Summary()))

	d.step("Preparing the working copy of examples/two-clouds and modules/")
	if err := d.prepare(); err != nil {
		return err
	}
	if _, err := d.capture(ctx, "init", "-input=false", "-no-color"); err != nil {
		return err
	}
	d.note("%s init: the provider from the mirror, the modules from the copy", filepath.Base(d.cli.Path))
	if d.destroy {
		return d.teardown(ctx)
	}
	return d.apply(ctx)
}

// prepare copies the example and the modules it calls, writes the
// emulator's settings as variables, and makes the administrator's key.
func (d *demo) prepare() error {
	d.work = filepath.Join(d.dir, "examples", "two-clouds")
	// Files removed from the repository must not linger in the copy.
	if err := os.RemoveAll(filepath.Join(d.dir, "modules")); err != nil {
		return err
	}
	old, _ := filepath.Glob(filepath.Join(d.work, "*.tf"))
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			return err
		}
	}
	for _, sub := range []string{"modules", filepath.Join("examples", "two-clouds")} {
		if err := copyTree(filepath.Join(d.root, sub), filepath.Join(d.dir, sub)); err != nil {
			return err
		}
	}
	pub, created, err := adminKey(d.dir)
	if err != nil {
		return err
	}
	if created {
		d.note("made the administrator's SSH key pair: .demo/admin_ed25519 (private, never leaves this machine) and .pub")
	}
	vars := map[string]any{
		"outscale_endpoint":         d.emu.OutscaleEndpoint(),
		"outscale_region":           emulator.DefaultOutscaleRegion,
		"outscale_access_key":       emulator.DefaultOutscaleAccessKey,
		"outscale_secret_key":       emulator.DefaultOutscaleSecretKey,
		"outscale_storage_endpoint": d.emu.S3Endpoint(),
		"outscale_kms_address":      d.emu.OpenBaoAddress(),
		"outscale_kms_token":        emulator.DefaultOpenBaoToken,
		// OOS takes only the account's keys; the emulator's stand in for the
		// write-only key an operator would give the bastion.
		"outscale_audit_access_key_id":     emulator.DefaultOutscaleAccessKey,
		"outscale_audit_secret_access_key": emulator.DefaultOutscaleSecretKey,
		"ovh_endpoint":                     d.emu.OVHEndpoint(),
		"ovh_region":                       emulator.DefaultOVHRegion,
		"ovh_project_id":                   emulator.DefaultOVHProjectID,
		"ovh_application_key":              emulator.DefaultOVHApplicationKey,
		"ovh_application_secret":           emulator.DefaultOVHApplicationSecret,
		"ovh_consumer_key":                 emulator.DefaultOVHConsumerKey,
		"ovh_storage_endpoint":             d.emu.S3Endpoint(),
		"ovh_kms_id":                       emulator.DefaultOVHOKMSID,
		"admin_cidrs":                      []string{DemoAdminCIDR},
		"admins":                           []map[string]string{{"name": "demo", "ssh_public_key": pub}},
		"tags":                             map[string]string{"purpose": "demo"},
		// The emulator has no rate limit; real accounts keep the defaults.
		"api_rate_limit": 200,
	}
	raw, _ := json.MarshalIndent(vars, "", "  ")
	if err := os.WriteFile(filepath.Join(d.work, "emulator.auto.tfvars.json"), raw, 0o600); err != nil {
		return err
	}
	// A rebuilt provider has a new checksum: start from a fresh lock file.
	_ = os.Remove(filepath.Join(d.work, ".terraform.lock.hcl"))
	return nil
}

func (d *demo) apply(ctx context.Context) error {
	bin := filepath.Base(d.cli.Path)
	d.step("%s apply: the same warehouse on OUTSCALE and OVHcloud (network, key manager, keys, four buckets, bastion, a research workspace, compliance report)", bin)
	if err := d.tfProgress(ctx, "apply", "-auto-approve", "-input=false"); err != nil {
		return err
	}

	d.step("The two warehouses, side by side")
	for _, name := range []string{"comparison", "ssh_config", "known_hosts", "buckets", "keys", "compliance"} {
		out, err := d.output(ctx, name, false)
		if err != nil {
			return err
		}
		fmt.Fprintf(d.out, "\n%s = %s\n", name, strings.TrimSpace(out))
	}

	if err := d.connectInstructions(ctx); err != nil {
		return err
	}

	d.step("Writing the compliance reports")
	reports := filepath.Join(d.dir, "reports")
	if err := os.MkdirAll(reports, 0o755); err != nil {
		return err
	}
	for _, c := range []string{"outscale", "ovh"} {
		for ext, kind := range map[string]string{"md": "markdown", "json": "json"} {
			body, err := d.output(ctx, c+"_compliance_report_"+kind, true)
			if err != nil {
				return err
			}
			path := filepath.Join(reports, c+"."+ext)
			if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
				return err
			}
			d.note("%s", d.rel(path))
		}
	}

	if err := d.summary(ctx, "What was created, as the emulator holds it"); err != nil {
		return err
	}

	d.step("%s plan -detailed-exitcode: a second plan must find nothing to change", bin)
	if err := d.tf(ctx, "plan", "-detailed-exitcode", "-input=false", "-no-color", "-compact-warnings"); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() == 2 {
			return errors.New("the plan after apply is not empty: the provider does not read back what it wrote")
		}
		return err
	}
	fmt.Fprintf(d.out, "\nDone in %s: no drift. The reports are in %s; `make demo-destroy` tears it all down.\n",
		time.Since(d.started).Round(time.Second), d.rel(reports))
	return nil
}

// connectInstructions writes each bastion's ssh_config and pinned
// known_hosts line under the demo's directory, and prints, for each
// cloud's workspace machine, the commands a member types to reach it:
// restrict the agent, then ssh through the bastion's recorded hop.
func (d *demo) connectInstructions(ctx context.Context) error {
	d.step("How a member connects to each cloud's workspace machine (files in %s)", d.rel(filepath.Join(d.dir, "ssh")))
	var outs struct {
		SSHConfig  map[string]string `json:"ssh_config"`
		KnownHosts map[string]string `json:"known_hosts"`
		Workspaces map[string]map[string]struct {
			Name    string
			Connect struct {
				Bastion  string
				Logins   []string
				Machines []struct {
					Name       string `json:"name"`
					PrivateIP  string `json:"private_ip"`
					KnownHosts string `json:"known_hosts"`
				}
			}
		}
	}
	raw, err := d.capture(ctx, "output", "-json")
	if err != nil {
		return err
	}
	var all map[string]struct{ Value json.RawMessage }
	if err := json.Unmarshal([]byte(raw), &all); err != nil {
		return fmt.Errorf("reading the outputs: %w", err)
	}
	for name, into := range map[string]any{"ssh_config": &outs.SSHConfig, "known_hosts": &outs.KnownHosts, "workspaces": &outs.Workspaces} {
		if err := json.Unmarshal(all[name].Value, into); err != nil {
			return fmt.Errorf("reading the output %s: %w", name, err)
		}
	}
	key := filepath.Join(d.dir, "admin_ed25519")
	for _, c := range []string{"outscale", "ovh"} {
		dir := filepath.Join(d.dir, "ssh", c)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		config, knownHosts, tiers := filepath.Join(dir, "ssh_config"), filepath.Join(dir, "known_hosts"), filepath.Join(dir, "known_hosts.tiers")
		if err := os.WriteFile(config, []byte(outs.SSHConfig[c]), 0o600); err != nil {
			return err
		}
		if err := os.WriteFile(knownHosts, []byte(strings.TrimSpace(outs.KnownHosts[c])+"\n"), 0o600); err != nil {
			return err
		}
		// The machines' host keys, made by the provider, pinned for the
		// agent restriction.
		var pins []string
		for _, ws := range sortedKeys(outs.Workspaces[c]) {
			for _, m := range outs.Workspaces[c][ws].Connect.Machines {
				if m.KnownHosts != "" {
					pins = append(pins, m.KnownHosts)
				}
			}
		}
		if err := os.WriteFile(tiers, []byte(strings.Join(append(pins, ""), "\n")), 0o600); err != nil {
			return err
		}
		for _, ws := range sortedKeys(outs.Workspaces[c]) {
			w := outs.Workspaces[c][ws]
			login := "<your login>"
			if len(w.Connect.Logins) > 0 {
				login = w.Connect.Logins[0]
			}
			for _, m := range w.Connect.Machines {
				b := w.Connect.Bastion
				fmt.Fprintf(d.out, "\n    %s: workspace %s, machine %s at %s, through the bastion %s (a recorded hop)\n", c, w.Name, m.Name, m.PrivateIP, b)
				d.note("  # once per machine (its host key is pinned in %s): the agent signs for the bastion and this machine only", tiers)
				d.note("  ssh-add -H %s -H %s -h %s -h \"%s>%s\" %s", knownHosts, tiers, b, b, m.PrivateIP, key)
				d.note("  ssh -F %s -o UserKnownHostsFile=%s -i %s -l %s %s", config, knownHosts, key, login, m.PrivateIP)
			}
		}
	}
	d.note("")
	d.note("The emulator's machines run nothing: these are the commands a member types against a real cloud.")
	return nil
}

// teardown retires both warehouses (the keys' deletion protection lifted
// with a stated HW-KEY-02 exception), destroys them, and checks that the
// emulator holds nothing the demo made.
func (d *demo) teardown(ctx context.Context) error {
	bin := filepath.Base(d.cli.Path)
	state, err := d.capture(ctx, "state", "list")
	if err != nil {
		return err
	}
	if strings.TrimSpace(state) == "" {
		d.note("nothing to destroy: the demo's state is empty")
		return d.expectEmpty(ctx)
	}
	retire := filepath.Join(d.work, "retire.auto.tfvars.json")
	if err := os.WriteFile(retire, []byte(`{"retire": true}`+"\n"), 0o600); err != nil {
		return err
	}
	defer os.Remove(retire)
	d.step("%s apply -var retire=true: lift the keys' deletion protection, with the HW-KEY-02 exception stated", bin)
	if err := d.tfProgress(ctx, "apply", "-auto-approve", "-input=false"); err != nil {
		return err
	}
	d.step("%s destroy", bin)
	if err := d.tfProgress(ctx, "destroy", "-auto-approve", "-input=false"); err != nil {
		return err
	}
	if err := d.expectEmpty(ctx); err != nil {
		return err
	}
	fmt.Fprintf(d.out, "\nDone in %s: both warehouses destroyed, the emulator holds nothing the demo made.\n",
		time.Since(d.started).Round(time.Second))
	return nil
}

// expectEmpty fails when the emulator holds cloud objects besides its seeds.
func (d *demo) expectEmpty(ctx context.Context) error {
	if err := d.summary(ctx, "What the emulator holds now"); err != nil {
		return err
	}
	left, err := madeObjects(ctx, d.emu)
	if err != nil {
		return err
	}
	if len(left) > 0 {
		return fmt.Errorf("%d objects left in the emulator after destroy: %s", len(left), strings.Join(left, ", "))
	}
	return nil
}

// seeded reports the collections that hold no cloud object: the emulator
// seeds its accounts outside the store, and OAuth2 tokens are the clients'.
func seeded(collection string) bool {
	return strings.HasSuffix(collection, "oauth2_tokens")
}

// madeObjects lists the objects the demo made: everything but the seeds.
func madeObjects(ctx context.Context, emu *emulator.Emulator) ([]string, error) {
	objects, err := emu.Control().Objects(ctx, "")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, o := range objects {
		if !seeded(o.Collection) {
			out = append(out, o.Collection+"/"+o.ID)
		}
	}
	return out, nil
}

// summary prints what the emulator holds and how many calls each API got.
func (d *demo) summary(ctx context.Context, title string) error {
	d.step("%s", title)
	ctl := d.emu.Control()
	objects, err := ctl.Objects(ctx, "")
	if err != nil {
		return err
	}
	perCollection := map[string]int{}
	for _, o := range objects {
		if !seeded(o.Collection) {
			perCollection[o.Collection]++
		}
	}
	if len(perCollection) == 0 {
		d.note("no cloud objects")
	}
	for _, name := range sortedKeys(perCollection) {
		d.note("%-32s %d", name, perCollection[name])
	}
	calls, err := ctl.Calls(ctx)
	if err != nil {
		return err
	}
	total := 0
	for _, n := range calls {
		total += n
	}
	d.note("%d API calls since the emulator started, the most frequent:", total)
	names := sortedKeys(calls)
	sort.SliceStable(names, func(i, j int) bool { return calls[names[i]] > calls[names[j]] })
	for _, name := range names[:min(len(names), 12)] {
		d.note("  %-60s %d", name, calls[name])
	}
	return nil
}

// env is the CLI's environment: the demo's own CLI configuration, and none
// of the developer's cloud settings, which would win over nothing here but
// could surprise.
func (d *demo) env() []string {
	var env []string
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "OSC_") || strings.HasPrefix(k, "OVH_") ||
			strings.HasPrefix(k, "HEALTH_") || strings.HasPrefix(k, "TF_VAR_") || k == "TF_CLI_CONFIG_FILE" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "TF_CLI_CONFIG_FILE="+d.rcFile, "CHECKPOINT_DISABLE=1", "TF_INPUT=0", "TF_IN_AUTOMATION=1")
}

// tf runs the CLI in the working copy, its output shown as it comes, but
// for the outputs an apply prints at its end: the demo shows the ones that
// matter afterwards, and the reports go to files.
func (d *demo) tf(ctx context.Context, args ...string) error {
	cmd := exec.CommandContext(ctx, d.cli.Path, args...)
	cmd.Dir, cmd.Env = d.work, d.env()
	cmd.Stdout, cmd.Stderr = &untilOutputs{w: prefixed(d.out)}, prefixed(d.out)
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w", filepath.Base(d.cli.Path), strings.Join(args, " "), err)
	}
	return nil
}

// tfProgress runs an apply or a destroy with machine-readable output and
// shows its progress: each resource as it is done, warnings once each,
// errors in full, and the summary. The plan and the outputs, long with two
// compliance reports in them, are left out.
func (d *demo) tfProgress(ctx context.Context, args ...string) error {
	cmd := exec.CommandContext(ctx, d.cli.Path, append(args, "-json")...)
	cmd.Dir, cmd.Env = d.work, d.env()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	warned := map[string]int{}
	scanner := bufio.NewScanner(stdout)
	scanner.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for scanner.Scan() {
		var m struct {
			Message    string `json:"@message"`
			Type       string `json:"type"`
			Diagnostic struct {
				Severity string `json:"severity"`
				Summary  string `json:"summary"`
				Detail   string `json:"detail"`
				Address  string `json:"address"`
			} `json:"diagnostic"`
		}
		if json.Unmarshal(scanner.Bytes(), &m) != nil {
			continue
		}
		switch m.Type {
		case "apply_complete", "apply_errored", "apply_progress", "change_summary":
			d.note("%s", m.Message)
		case "diagnostic":
			if m.Diagnostic.Severity == "warning" {
				if warned[m.Diagnostic.Summary]++; warned[m.Diagnostic.Summary] == 1 {
					d.note("Warning: %s", m.Diagnostic.Summary)
				}
				continue
			}
			d.note("Error: %s (%s)\n%s", m.Diagnostic.Summary, m.Diagnostic.Address, indent(m.Diagnostic.Detail))
		}
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("%s %s: %w\n%s", filepath.Base(d.cli.Path), strings.Join(args, " "), err, stderr.String())
	}
	return nil
}

// capture runs the CLI in the working copy and returns its standard output.
func (d *demo) capture(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, d.cli.Path, args...)
	cmd.Dir, cmd.Env = d.work, d.env()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s %s: %w\n%s", filepath.Base(d.cli.Path), strings.Join(args, " "), err, stderr.String())
	}
	return string(out), nil
}

func (d *demo) output(ctx context.Context, name string, raw bool) (string, error) {
	if raw {
		return d.capture(ctx, "output", "-no-color", "-raw", name)
	}
	return d.capture(ctx, "output", "-no-color", name)
}

func (d *demo) rel(path string) string {
	if r, err := filepath.Rel(d.root, path); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return path
}

// adminKey returns the public key of the demo's administrator, making the
// ed25519 key pair under dir the first time.
func adminKey(dir string) (string, bool, error) {
	privPath := filepath.Join(dir, "admin_ed25519")
	pubPath := privPath + ".pub"
	if b, err := os.ReadFile(pubPath); err == nil {
		if _, err := os.Stat(privPath); err == nil {
			return strings.TrimSpace(string(b)), false, nil
		}
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", false, err
	}
	block, err := ssh.MarshalPrivateKey(priv, "health demo administrator")
	if err != nil {
		return "", false, err
	}
	if err := os.WriteFile(privPath, pem.EncodeToMemory(block), 0o600); err != nil {
		return "", false, err
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		return "", false, err
	}
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sshPub))) + " demo@health-warehouse"
	if err := os.WriteFile(pubPath, []byte(line+"\n"), 0o644); err != nil {
		return "", false, err
	}
	return line, true, nil
}

// copyTree copies the Terraform files of src into dst, leaving working
// directories (.terraform, state, variables written by the demo) alone.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if e.IsDir() {
			if e.Name() == ".terraform" {
				return filepath.SkipDir
			}
			return os.MkdirAll(target, 0o755)
		}
		if !strings.HasSuffix(e.Name(), ".tf") && !strings.HasSuffix(e.Name(), ".tftest.hcl") && !strings.HasSuffix(e.Name(), ".md") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
}

// untilOutputs passes on what it is written until a line "Outputs:".
type untilOutputs struct {
	w       io.Writer
	line    []byte
	stopped bool
}

func (u *untilOutputs) Write(b []byte) (int, error) {
	for _, c := range b {
		if u.stopped {
			break
		}
		u.line = append(u.line, c)
		if c != '\n' {
			continue
		}
		if strings.TrimSpace(string(u.line)) == "Outputs:" {
			u.stopped = true
			break
		}
		if _, err := u.w.Write(u.line); err != nil {
			return 0, err
		}
		u.line = u.line[:0]
	}
	return len(b), nil
}

// prefixed indents the CLI's output under the demo's steps.
func prefixed(w io.Writer) io.Writer { return &indenter{w: w, start: true} }

type indenter struct {
	w     io.Writer
	start bool
}

func (p *indenter) Write(b []byte) (int, error) {
	var out []byte
	for _, c := range b {
		if p.start {
			out = append(out, "    "...)
		}
		out = append(out, c)
		p.start = c == '\n'
	}
	if _, err := p.w.Write(out); err != nil {
		return 0, err
	}
	return len(b), nil
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ") + "\n"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
