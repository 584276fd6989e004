package outscale_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sovhealth/terraform-provider-health/internal/bastion"
	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
)

// The bastion's ship script pulls the account's API logs (ReadApiLogs)
// with its write-only identity's key, signed by curl as on the VM, and
// moves them under api-logs/: run here for real against the emulator, with
// stand-ins for journalctl and rclone only.
func TestAuditWriter_shipScriptPullsApiLogs(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"sh", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s", tool)
		}
	}
	emu := emutest.Start(t, nil)
	c := storageClient(t, emu)
	ctx := context.Background()
	w, err := c.CreateAuditWriter(ctx, cloud.AuditWriterSpec{Name: "wh-bastion", Bucket: "wh-osc-apilogs-audit", Prefix: "bastions/"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.DeleteAuditWriter(context.Background(), w) })
	if w.APIEndpoint != emu.OutscaleEndpoint() || w.APIRegion == "" {
		t.Fatalf("the writer reads API logs from %q in %q, want %q", w.APIEndpoint, w.APIRegion, emu.OutscaleEndpoint())
	}

	dir := t.TempDir()
	bin, state, bucket, log := filepath.Join(dir, "bin"), filepath.Join(dir, "state"), filepath.Join(dir, "bucket"), filepath.Join(dir, "log")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	fakes := map[string]string{
		"journalctl": "#!/bin/sh\n",
		// rclone move: the files of --include into the bucket's directory.
		"rclone": `#!/bin/sh
echo "rclone $*" >> "` + log + `"
[ "$1" = move ] || exit 0
src=$2 dest=$3
shift 3
pat='*'
while [ $# -gt 0 ]; do if [ "$1" = --include ]; then pat=$2; fi; shift; done
mkdir -p "` + bucket + `/${dest#audit:}"
for f in "$src"/$pat; do if [ -e "$f" ]; then mv "$f" "` + bucket + `/${dest#audit:}/"; fi; done
`,
	}
	for name, body := range fakes {
		if err := os.WriteFile(filepath.Join(bin, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	script := filepath.Join(dir, "ship")
	body := strings.ReplaceAll(bastion.ShipScript(bastion.ModeOpenSSH), "/var/lib/health-bastion", state)
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	env := filepath.Join(dir, "env")
	if err := os.WriteFile(env, []byte(bastion.ShipEnv(bastion.AuditBucket{Endpoint: emu.S3Endpoint(), Region: "x", Bucket: "wh-osc-apilogs-audit",
		Prefix: "bastions/", AccessKeyID: w.AccessKeyID, SecretAccessKey: w.SecretAccessKey,
		APILogsEndpoint: w.APIEndpoint, APILogsRegion: w.APIRegion})), 0o600); err != nil {
		t.Fatal(err)
	}
	run := exec.Command("sh", "-c", "set -a && . "+env+" && exec sh "+script)
	run.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"))
	out, err := run.CombinedOutput()
	if err != nil {
		t.Fatalf("the ship script: %v\n%s", err, out)
	}
	if strings.Contains(string(out), w.SecretAccessKey) {
		t.Fatal("the ship script printed the secret")
	}
	host, _ := os.Hostname()
	pages, _ := filepath.Glob(filepath.Join(bucket, "wh-osc-apilogs-audit", "bastions", host, "api-logs", "api-logs-*.json"))
	if len(pages) != 1 {
		t.Fatalf("API log pages shipped: %v", pages)
	}
	raw, err := os.ReadFile(pages[0])
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Logs []struct{ QueryCallName, QueryAccessKey string }
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	calls := map[string]bool{}
	for _, l := range got.Logs {
		calls[l.QueryCallName] = true
	}
	if !calls["CreateUser"] || !calls["CreateAccessKey"] || !calls["LinkPolicy"] {
		t.Fatalf("the shipped logs lack the calls that made the writer: %s", raw)
	}
	if after, err := os.ReadFile(filepath.Join(state, "api-logs.after")); err != nil || len(after) == 0 {
		t.Fatalf("no cursor kept for the next pull: %v", err)
	}
}
