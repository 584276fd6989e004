package bastion

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// fakeJournalctl stands for journalctl: --setup-keys leaves a sealing key
// in the journal's directory and prints a verification key, as journalctl
// does when not on a terminal; the ship script's export finds nothing new.
const fakeJournalctl = `#!/bin/sh
echo "journalctl $*" >> "$FAKE_LOG"
case "$*" in
  *--setup-keys*) mkdir -p "$FAKE_JOURNAL" && : > "$FAKE_JOURNAL/fss" && echo "1a2b3c-4d5e6f-7a8b9c-0d1e2f/1b3f7-35a4e900" ;;
esac
`

// fakeRclone stands for rclone: move takes the files of its --include
// pattern into a directory standing for the bucket.
const fakeRclone = `#!/bin/sh
echo "rclone $*" >> "$FAKE_LOG"
[ "$1" = move ] || exit 0
src=$2 dest=$3
shift 3
pat='*'
while [ $# -gt 0 ]; do
  if [ "$1" = --include ]; then pat=$2; fi
  shift
done
dir="$FAKE_BUCKET/${dest#audit:}"
mkdir -p "$dir"
for f in "$src"/$pat; do
  if [ -e "$f" ]; then mv "$f" "$dir/"; fi
done
`

// Journald's sealing is set up once at first boot, and its verification
// key leaves the host for the audit bucket at the next shipping: only the
// sealing key stays, where journald needs it.
func TestJournalSealing_verificationKeyLeavesTheHost(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	dir := t.TempDir()
	state, journal, bucket, bin := filepath.Join(dir, "state"), filepath.Join(dir, "journal"), filepath.Join(dir, "bucket"), filepath.Join(dir, "bin")
	machineID := filepath.Join(dir, "machine-id")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(bin, 0o755))
	must(os.WriteFile(machineID, []byte("0123abcd\n"), 0o644))
	must(os.WriteFile(filepath.Join(bin, "journalctl"), []byte(fakeJournalctl), 0o755))
	must(os.WriteFile(filepath.Join(bin, "rclone"), []byte(fakeRclone), 0o755))
	// The scripts, pointed at the test's directories instead of the host's.
	local := strings.NewReplacer(shipStateDir, state, "/var/log/journal", journal, "/etc/machine-id", machineID)
	seal, ship := filepath.Join(dir, "seal"), filepath.Join(dir, "ship")
	must(os.WriteFile(seal, []byte(local.Replace(JournalSealScript())), 0o755))
	must(os.WriteFile(ship, []byte(local.Replace(ShipScript(ModeOpenSSH))), 0o755))
	log := filepath.Join(dir, "log")
	run := func(script string) {
		t.Helper()
		cmd := exec.Command("sh", script)
		cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "FAKE_LOG="+log, "FAKE_BUCKET="+bucket,
			"FAKE_JOURNAL="+filepath.Join(journal, "0123abcd"), "AUDIT_BUCKET=wh-audit", "AUDIT_PREFIX=bastions/")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", filepath.Base(script), err, out)
		}
	}
	run(seal)
	run(seal) // a reboot: the keys are made once
	calls, err := os.ReadFile(log)
	must(err)
	if n := strings.Count(string(calls), "--setup-keys --interval="+JournalSealInterval); n != 1 {
		t.Fatalf("--setup-keys ran %d times:\n%s", n, calls)
	}
	if !strings.Contains(string(calls), "journalctl --rotate") {
		t.Errorf("the journal was not rotated after the keys were made:\n%s", calls)
	}
	spooled, _ := filepath.Glob(filepath.Join(state, "spool", "journal-verification-key-*.txt"))
	if len(spooled) != 1 {
		t.Fatalf("spooled verification keys: %v", spooled)
	}
	if fi, err := os.Stat(spooled[0]); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the spooled key: %v, %v", fi, err)
	}

	run(ship)
	host, err := os.Hostname()
	must(err)
	shipped, _ := filepath.Glob(filepath.Join(bucket, "wh-audit", "bastions", host, "journal-seal", "journal-verification-key-*.txt"))
	if len(shipped) != 1 {
		t.Fatalf("nothing shipped under wh-audit/bastions/%s/journal-seal/ (calls:\n%s)", host, readFile(t, log))
	}
	if got := readFile(t, shipped[0]); got != "1a2b3c-4d5e6f-7a8b9c-0d1e2f/1b3f7-35a4e900\n" {
		t.Errorf("the shipped verification key: %q", got)
	}
	if left, _ := filepath.Glob(filepath.Join(state, "spool", "journal-verification-key-*")); len(left) != 0 {
		t.Errorf("the verification key stayed on the host: %v", left)
	}
	if _, err := os.Stat(filepath.Join(journal, "0123abcd", "fss")); err != nil {
		t.Errorf("the sealing key is not where journald reads it: %v", err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// First boot writes the sealing script and runs it once journald has taken
// its configuration (Seal=yes), in both modes.
func TestRender_setsUpJournalSealing(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{ModeOpenSSH, ModeTheBastion} {
		cfg := testConfig(t, MFATOTP)
		cfg.Mode = mode
		raw, err := Render(cfg)
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := yaml.Unmarshal(raw, &doc); err != nil {
			t.Fatal(err)
		}
		written := false
		for _, f := range list(t, doc["write_files"]) {
			m := object(t, f)
			if m["path"] == PathJournalSeal && m["permissions"] == "0700" && strings.Contains(text(t, m["content"]), "--setup-keys") {
				written = true
			}
		}
		restarted, sealed := -1, -1
		for i, c := range list(t, doc["runcmd"]) {
			switch strings.Join(strings.Fields(strings.Trim(strings.ReplaceAll(fmt.Sprint(c), ",", " "), "[]")), " ") {
			case "systemctl restart systemd-journald":
				restarted = i
			case PathJournalSeal:
				sealed = i
			}
		}
		if !written || restarted < 0 || sealed < restarted {
			t.Errorf("%s: sealing script written %v, journald restarted at %d, sealing run at %d", mode, written, restarted, sealed)
		}
	}
}
