package workspace

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
	"github.com/sovhealth/terraform-provider-health/internal/tooltest"
)

// What a member does after logging in, for real: a login shell loads the
// profile, and the stock rclone reaches the workspace's buckets by their
// short names, with the key from the group file, against the emulator's
// object storage. A dataset's remote shows its prefix, not the bucket.
func TestMember_rcloneReachesTheBuckets(t *testing.T) {
	t.Parallel()
	rclone := tooltest.Require(t, "rclone", "rclone")
	emu := emutest.Start(t, nil)

	cfg := testConfig(t, cloud.Outscale)
	cfg.DataGateways = nil
	cfg.Buckets.Datasets = cfg.Buckets.Datasets[:1] // s3://wh-pseudonymised/cardio/2024/
	cfg.ObjectStorage = ObjectStorage{Endpoint: emu.S3Endpoint(), Region: emulator.DefaultOutscaleRegion,
		AccessKeyID: emulator.DefaultOutscaleAccessKey, SecretAccessKey: emulator.DefaultOutscaleSecretKey}
	r := render(t, cfg)

	dir := t.TempDir()
	files := map[string]string{PathS3Env: "s3.env", PathRcloneConfig: "rclone.conf", PathAWSConfig: "aws-config"}
	replace := []string{}
	for path, name := range files {
		local := filepath.Join(dir, name)
		must(t, os.WriteFile(local, []byte(r.files[path]), 0o600))
		replace = append(replace, path, local)
	}
	profile := strings.NewReplacer(replace...).Replace(r.files[PathProfile])
	must(t, os.WriteFile(filepath.Join(dir, "data.csv"), []byte("id,age\n1,54\n"), 0o600))

	member := func(command string) string {
		t.Helper()
		cmd := exec.Command("sh", "-c", profile+"\n"+command)
		cmd.Dir = dir
		// A login's environment: nothing but what the profile gives.
		cmd.Env = []string{"PATH=" + filepath.Dir(rclone) + ":/usr/bin:/bin", "HOME=" + dir}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", command, err, out)
		}
		return string(out)
	}
	// The buckets exist on the warehouse (made by the storage resource).
	member("rclone mkdir store,no_check_bucket=false:wh-ws-cardio-working && rclone mkdir store,no_check_bucket=false:wh-pseudonymised")
	member("rclone copyto data.csv store:wh-pseudonymised/cardio/2024/cohort.csv && rclone copyto data.csv store:wh-pseudonymised/onco/other.csv")

	member("rclone copy data.csv working:analysis/")
	if out := member("rclone lsf -R working:"); !strings.Contains(out, "analysis/data.csv") {
		t.Errorf("rclone ls working: shows %q", out)
	}
	out := member("rclone lsf -R cohort-2024:")
	if strings.TrimSpace(out) != "cohort.csv" {
		t.Errorf("the dataset's remote shows %q, want its prefix's objects only", out)
	}
}
