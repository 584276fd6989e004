package outscale_test

import (
	"context"
	"strings"
	"testing"
	"time"

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

	audit, err := c.CreateBucket(ctx, bucketSpec("wh-outscale-logs-audit"))
	if err != nil {
		t.Fatal(err)
	}
	if audit.AccessLogs != nil {
		t.Fatalf("a bucket made without access logs logs to %+v", audit.AccessLogs)
	}
	spec := bucketSpec("wh-outscale-logs-raw")
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
	spec.AccessLogs = &cloud.AccessLogs{Bucket: "wh-outscale-logs-missing"}
	if _, err := c.UpdateBucket(ctx, raw, spec); err == nil || !strings.Contains(err.Error(), "InvalidTargetBucketForLogging") {
		t.Fatalf("logging to a missing bucket: %v", err)
	}
}

// The audit trail as evidence: the records under each prefix, the newest,
// its retention, and when the bucket was made.
func TestStorage_readAuditTrail(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := storageClient(t, emu)
	ctx := context.Background()
	spec := bucketSpec("wh-outscale-trail-audit")
	spec.ObjectLock = &cloud.ObjectLock{Mode: cloud.LockCompliance, RetentionDays: 180}
	audit, err := c.CreateBucket(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	raw := bucketSpec("wh-outscale-trail-raw")
	raw.AccessLogs = &cloud.AccessLogs{Bucket: audit.Name, Prefix: "access-logs/raw/"}
	if _, err := c.CreateBucket(ctx, raw); err != nil {
		t.Fatal(err)
	}
	if n, err := emu.Control().DeliverAccessLogs(ctx); err != nil || n == 0 {
		t.Fatalf("DeliverAccessLogs = %d, %v", n, err)
	}
	trail, err := c.ReadAuditTrail(ctx, audit.Name, []string{"access-logs/raw/", "bastions/", cloud.AnyTopLevel + "raw/", cloud.AnyTopLevel + "nothing/"})
	if err != nil {
		t.Fatal(err)
	}
	// Searched for under any top-level prefix: found where it is.
	if found, none := trail.Streams[2], trail.Streams[3]; found.Prefix != "access-logs/raw/" || found.Count != 1 || none.Count != 0 {
		t.Fatalf("searched: %+v, %+v", found, none)
	}
	logs, bastions := trail.Streams[0], trail.Streams[1]
	if logs.Count != 1 || !strings.HasPrefix(logs.NewestKey, "access-logs/raw/") || logs.LockMode != cloud.LockCompliance ||
		time.Until(logs.RetainUntil) < 179*24*time.Hour || time.Since(logs.Newest) > time.Hour {
		t.Fatalf("access logs: %+v", logs)
	}
	if bastions.Count != 0 || bastions.NewestKey != "" {
		t.Fatalf("bastions: %+v", bastions)
	}
	if time.Since(trail.Created) > time.Hour {
		t.Fatalf("created %v", trail.Created)
	}
}
