package ovh_test

import (
	"context"
	"strings"
	"testing"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
)

// A bucket's server access logs go to the audit bucket: set at creation,
// read back, moved, turned off, and restored after a change out of band.
func TestStorage_accessLogs(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := storageClient(t, emu)
	ctx := context.Background()

	audit, err := c.CreateBucket(ctx, bucketSpec("wh-ovh-logs-audit"))
	if err != nil {
		t.Fatal(err)
	}
	if audit.AccessLogs != nil {
		t.Fatalf("a bucket made without access logs logs to %+v", audit.AccessLogs)
	}
	spec := bucketSpec("wh-ovh-logs-raw")
	spec.AccessLogs = &cloud.AccessLogs{Bucket: audit.Name, Prefix: "access-logs/raw/"}
	raw, err := c.CreateBucket(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if raw.AccessLogs == nil || *raw.AccessLogs != *spec.AccessLogs {
		t.Fatalf("access logs after create: %+v", raw.AccessLogs)
	}
	spec.AccessLogs = &cloud.AccessLogs{Bucket: audit.Name, Prefix: "logs/raw/"}
	if raw, err = c.UpdateBucket(ctx, raw, spec); err != nil || raw.AccessLogs == nil || raw.AccessLogs.Prefix != "logs/raw/" {
		t.Fatalf("access logs after update: %+v, %v", raw.AccessLogs, err)
	}
	spec.AccessLogs = nil
	if raw, err = c.UpdateBucket(ctx, raw, spec); err != nil || raw.AccessLogs != nil {
		t.Fatalf("access logs after turning them off: %+v, %v", raw.AccessLogs, err)
	}
	if read, err := c.ReadBucket(ctx, raw); err != nil || read.AccessLogs != nil {
		t.Fatalf("read back: %+v, %v", read.AccessLogs, err)
	}

	// A target that does not exist is refused, saying so.
	spec.AccessLogs = &cloud.AccessLogs{Bucket: "wh-ovh-logs-missing"}
	if _, err := c.UpdateBucket(ctx, raw, spec); err == nil || !strings.Contains(err.Error(), "InvalidTargetBucketForLogging") {
		t.Fatalf("logging to a missing bucket: %v", err)
	}
}
