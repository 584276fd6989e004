package ovh_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/bastion"
	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
)

// tickingClock moves on a millisecond at every reading, so that records
// made one after the other never share a time.
func tickingClock() func() time.Time {
	start, n := time.Now(), atomic.Int64{}
	return func() time.Time { return start.Add(time.Duration(n.Add(1)) * time.Millisecond) }
}

// The audit writer on OVHcloud is a read-only service account: it may read
// the account's audit logs and nothing else. The bastion's ship script,
// run here for real with curl and jq against the emulator (stand-ins for
// journalctl and rclone only), gets its token, pulls the audit logs newer
// than its last pull and moves them under account-logs/. Read notices the
// policy changed or deleted out of band; Delete removes both objects.
func TestAuditWriter_readsAccountLogsOnly(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"sh", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s", tool)
		}
	}
	cfg := emulator.DefaultConfig()
	cfg.Now = tickingClock()
	emu := emutest.Start(t, &cfg)
	c := client(t, kmsConfig(emu))
	ctx := context.Background()
	w, err := c.CreateAuditWriter(ctx, cloud.AuditWriterSpec{Name: "wh-bastion", Bucket: "wh-ovh-audit", Prefix: "bastions/"})
	if err != nil {
		t.Fatal(err)
	}
	if w.AccessKeyID == "" || w.UserID != w.AccessKeyID || w.PolicyID == "" || w.SecretAccessKey == "" ||
		w.APIEndpoint != emu.URL()+"/1.0" || w.TokenURL != emu.URL()+"/auth/oauth2/token" {
		t.Fatalf("writer %+v", w)
	}
	if _, err := c.ReadAuditWriter(ctx, cloud.AuditWriter{UserID: w.UserID, PolicyID: w.PolicyID, AccessKeyID: w.AccessKeyID}); err != nil {
		t.Fatal(err)
	}
	// Its token reads the audit logs and nothing else.
	status, token := clientToken(t, w.TokenURL, w.AccessKeyID, w.SecretAccessKey)
	if status != 200 {
		t.Fatalf("the reader's token: %d", status)
	}
	if status, _ := postJSON(t, emu.URL()+"/1.0/me/api/oauth2/client", token, map[string]any{"name": "x", "description": "x", "flow": "CLIENT_CREDENTIALS"}); status != 403 {
		t.Fatalf("the reader makes a service account: %d", status)
	}
	key, err := c.CreateKey(ctx, aesKey("wh-audit-key"))
	if err != nil {
		t.Fatal(err)
	}
	if status, _ := postJSON(t, emu.OKMSDataPlane()+"/api/"+emulator.DefaultOVHOKMSID+"/v1/servicekey/"+key.KeyID+"/datakey", token, map[string]any{"size": 256}); status != 403 {
		t.Fatalf("the reader makes a data key: %d", status)
	}

	dir := t.TempDir()
	bin, state, bucket := filepath.Join(dir, "bin"), filepath.Join(dir, "state"), filepath.Join(dir, "bucket")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	fakes := map[string]string{
		"journalctl": "#!/bin/sh\n",
		// rclone move: the files of --include into the bucket's directory.
		"rclone": `#!/bin/sh
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
	if err := os.WriteFile(script, []byte(strings.ReplaceAll(bastion.ShipScript(bastion.ModeOpenSSH), "/var/lib/health-bastion", state)), 0o755); err != nil {
		t.Fatal(err)
	}
	env := filepath.Join(dir, "env")
	if err := os.WriteFile(env, []byte(bastion.ShipEnv(bastion.AuditBucket{Endpoint: emu.S3Endpoint(), Region: "x", Bucket: "wh-ovh-audit",
		Prefix: "bastions/", AccessKeyID: "bucket-key", SecretAccessKey: "bucket-secret",
		AccountLogs: &bastion.AccountLogsReader{Endpoint: w.APIEndpoint, TokenURL: w.TokenURL, ClientID: w.AccessKeyID,
			ClientSecret: w.SecretAccessKey}})), 0o600); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	ship := func() []map[string]any {
		t.Helper()
		before, _ := filepath.Glob(filepath.Join(bucket, "wh-ovh-audit", "bastions", host, "account-logs", "*.json"))
		run := exec.Command("sh", "-c", "set -a && . "+env+" && exec sh "+script)
		run.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"))
		out, err := run.CombinedOutput()
		if err != nil {
			t.Fatalf("the ship script: %v\n%s", err, out)
		}
		if strings.Contains(string(out), w.SecretAccessKey) {
			t.Fatal("the ship script printed the secret")
		}
		after, _ := filepath.Glob(filepath.Join(bucket, "wh-ovh-audit", "bastions", host, "account-logs", "account-logs-*.json"))
		var fresh []string
		for _, f := range after {
			if !contains(before, f) {
				fresh = append(fresh, f)
			}
		}
		if len(fresh) != 1 {
			t.Fatalf("account log files shipped by this run: %v (before %v)", fresh, before)
		}
		raw, err := os.ReadFile(fresh[0])
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(fresh[0]); err != nil { // the next run writes a file of the same second
			t.Fatal(err)
		}
		var records []map[string]any
		if err := json.Unmarshal(raw, &records); err != nil {
			t.Fatalf("%v: %s", err, raw)
		}
		return records
	}
	kinds := func(records []map[string]any) map[string]int {
		out := map[string]int{}
		for _, r := range records {
			typ, _ := r["type"].(string)
			out[typ]++
			raw, _ := json.Marshal(r)
			if strings.Contains(string(raw), "wh-gateway") {
				out["gateway policy"]++
			}
		}
		return out
	}
	first := kinds(ship())
	if first["POLICY_CREATED"] != 1 || first["LOGIN_SUCCESS"] < 2 {
		t.Fatalf("first pull: %v, want the writer's own policy and the token grants", first)
	}
	// A change between the pulls: the second ships it, and nothing twice.
	cred, err := c.IssueKeyCredential(ctx, cloud.KeyCredentialSpec{Name: "wh-gateway", Key: key})
	if err != nil {
		t.Fatal(err)
	}
	second := kinds(ship())
	if second["POLICY_CREATED"] != 1 || second["gateway policy"] != 1 || second["LOGIN_SUCCESS"] != 1 {
		t.Fatalf("second pull: %v, want the gateway's policy and this pull's token grant only", second)
	}
	if cursor, err := os.ReadFile(filepath.Join(state, "account-logs.after")); err != nil || len(cursor) == 0 {
		t.Fatalf("no cursor kept for the next pull: %v", err)
	}
	if err := c.RevokeKeyCredential(ctx, cred); err != nil {
		t.Fatal(err)
	}

	// Drift: the policy widened, then gone.
	obj, _, err := emu.Control().Object(ctx, "ovh.iam_policies", w.PolicyID)
	if err != nil {
		t.Fatal(err)
	}
	widened := strings.Replace(string(obj.Doc), `"allow":[`, `"allow":[{"action":"account:apiovh:*"},`, 1)
	if err := emu.Control().PutObject(ctx, "ovh.iam_policies", w.PolicyID, json.RawMessage(widened)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ReadAuditWriter(ctx, w); !errors.Is(err, cloud.ErrNotFound) {
		t.Fatalf("read of a widened policy: %v", err)
	}
	if err := emu.Control().DeleteObject(ctx, "ovh.iam_policies", w.PolicyID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ReadAuditWriter(ctx, w); !errors.Is(err, cloud.ErrNotFound) {
		t.Fatalf("read without its policy: %v", err)
	}
	if err := c.DeleteAuditWriter(ctx, w); err != nil {
		t.Fatal(err)
	}
	if objs, err := emu.Control().Objects(ctx, "ovh.oauth2_clients"); err != nil || len(objs) != 0 {
		t.Fatalf("service accounts left: %v %v", objs, err)
	}
	if status, _ := clientToken(t, w.TokenURL, w.AccessKeyID, w.SecretAccessKey); status != 401 {
		t.Fatalf("token of a deleted reader: %d", status)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
