package emulator_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
)

// Server access logging: PutBucketLogging and GetBucketLogging, and the
// records the store delivers into the target bucket.

func loggingStatus(target, prefix string) []byte {
	return []byte(`<BucketLoggingStatus xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LoggingEnabled><TargetBucket>` + target +
		`</TargetBucket><TargetPrefix>` + prefix + `</TargetPrefix></LoggingEnabled></BucketLoggingStatus>`)
}

// logRecords returns the access log records delivered for the raw bucket
// into wh-log-audit, under access-logs/raw/.
func logRecords(c *s3Client) []string {
	c.t.Helper()
	bucket, prefix := "wh-log-audit", "access-logs/raw/"
	var out []string
	for _, key := range xmlField(c.must(200, "GET", "/"+bucket+"?list-type=2&prefix="+prefix, nil).body, "Key") {
		body := string(c.must(200, "GET", "/"+bucket+"/"+key, nil).body)
		out = append(out, strings.Split(strings.TrimSpace(body), "\n")...)
	}
	return out
}

func TestS3_accessLogging(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Now().UTC()
	cfg := emulator.DefaultConfig()
	cfg.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	emu := emutest.Start(t, &cfg)
	c := outscaleS3(t, emu)
	c.now = cfg.Now
	ctx := context.Background()

	c.must(200, "PUT", "/wh-log-raw", nil)
	c.must(200, "PUT", "/wh-log-audit", nil, "X-Amz-Bucket-Object-Lock-Enabled", "true")
	lock := []byte(`<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>COMPLIANCE</Mode><Days>180</Days></DefaultRetention></Rule></ObjectLockConfiguration>`)
	c.must(200, "PUT", "/wh-log-audit?object-lock", lock, "Content-MD5", contentMD5(lock))

	if r := c.must(200, "GET", "/wh-log-raw?logging", nil); len(xmlField(r.body, "TargetBucket")) != 0 {
		t.Fatalf("logging of a new bucket: %s", r.body)
	}
	c.fails(400, "MalformedXML", "PUT", "/wh-log-raw?logging", nil)
	c.fails(400, "InvalidTargetBucketForLogging", "PUT", "/wh-log-raw?logging", loggingStatus("wh-log-missing", "x/"))
	c.fails(404, "NoSuchBucket", "PUT", "/wh-log-missing?logging", loggingStatus("wh-log-audit", "x/"))
	c.must(200, "PUT", "/wh-log-raw?logging", loggingStatus("wh-log-audit", "access-logs/raw/"))
	if r := c.must(200, "GET", "/wh-log-raw?logging", nil); xmlField(r.body, "TargetBucket")[0] != "wh-log-audit" ||
		xmlField(r.body, "TargetPrefix")[0] != "access-logs/raw/" {
		t.Fatalf("logging: %s", r.body)
	}

	c.must(200, "PUT", "/wh-log-raw/cohort.csv", []byte("patient,age"))
	c.must(200, "GET", "/wh-log-raw/cohort.csv", nil)
	c.fails(404, "NoSuchKey", "GET", "/wh-log-raw/missing.csv", nil)

	// Nothing is delivered before the delivery delay...
	if keys := xmlField(c.must(200, "GET", "/wh-log-audit?list-type=2", nil).body, "Key"); len(keys) != 0 {
		t.Fatalf("records delivered at once: %v", keys)
	}
	// ...unless the control API asks.
	n, err := emu.Control().DeliverAccessLogs(ctx)
	if err != nil || n < 4 {
		t.Fatalf("DeliverAccessLogs = %d, %v; want the 4 records of the source bucket at least", n, err)
	}
	records := logRecords(c)
	joined := strings.Join(records, "\n")
	for _, want := range []string{
		"wh-log-raw", "REST.PUT.OBJECT cohort.csv \"PUT /s3/wh-log-raw/cohort.csv HTTP/1.1\" 200 - - 11",
		"REST.GET.OBJECT cohort.csv", "REST.GET.OBJECT missing.csv", " 404 NoSuchKey ", "REST.PUT.LOGGING_STATUS",
		"arn:aws:iam::" + emulator.DefaultOutscaleAccountID + ":root", "SigV4",
	} {
		if !strings.Contains(joined, want) {
			t.Fatalf("the records lack %q:\n%s", want, joined)
		}
	}
	for _, r := range records {
		if f := strings.Fields(r); len(f) < 20 || !strings.HasPrefix(f[2], "[") {
			t.Fatalf("not an S3 server access log record: %q", r)
		}
	}
	// A delivered object is a write like any other: the target's default
	// retention locks it.
	key := xmlField(c.must(200, "GET", "/wh-log-audit?list-type=2&prefix=access-logs/raw/", nil).body, "Key")[0]
	if r := c.must(200, "GET", "/wh-log-audit/"+key+"?retention", nil); xmlField(r.body, "Mode")[0] != "COMPLIANCE" {
		t.Fatalf("retention of a log object: %s", r.body)
	}

	// Pending records arrive by themselves after the delivery delay.
	c.must(200, "HEAD", "/wh-log-raw/cohort.csv", nil)
	mu.Lock()
	now = now.Add(2 * time.Hour)
	mu.Unlock()
	if got := logRecords(c); len(got) != len(records)+1 ||
		!strings.Contains(got[len(got)-1], "REST.HEAD.OBJECT cohort.csv") {
		t.Fatalf("after the delay: %d records, want %d:\n%s", len(got), len(records)+1, strings.Join(got, "\n"))
	}

	// Turning logging off stops the records.
	c.must(200, "PUT", "/wh-log-raw?logging", []byte(`<BucketLoggingStatus xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>`))
	if r := c.must(200, "GET", "/wh-log-raw?logging", nil); len(xmlField(r.body, "TargetBucket")) != 0 {
		t.Fatalf("logging after turning it off: %s", r.body)
	}
	c.must(200, "GET", "/wh-log-raw/cohort.csv", nil)
	before := len(logRecords(c))
	if n, err := emu.Control().DeliverAccessLogs(ctx); err != nil || n != 0 {
		t.Fatalf("DeliverAccessLogs = %d, %v; want nothing once logging is off", n, err)
	}
	if got := logRecords(c); len(got) != before {
		t.Fatalf("records after logging was turned off: %d, want %d", len(got), before)
	}
}

// The target belongs to the same account, or project, as the source.
func TestS3_accessLoggingTargetOfAnotherOwner(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := outscaleS3(t, emu)
	o := newOVHStorageAPI(t, emu)
	ownerID, ovhUserKey := ovhUser(t, o, "owner of wh-log-ovh")
	id, _ := strconv.ParseInt(ownerID, 10, 64)
	o.ok("POST", o.regional(emulator.DefaultOVHRegion, "/storage"), ovhObj{"name": "wh-log-ovh", "ownerId": id})
	o.ok("POST", o.regional(emulator.DefaultOVHRegion, "/storage"), ovhObj{"name": "wh-log-ovh-audit"})

	c.must(200, "PUT", "/wh-log-osc", nil)
	c.fails(400, "InvalidTargetBucketForLogging", "PUT", "/wh-log-osc?logging", loggingStatus("wh-log-ovh", ""))
	// Two buckets of one OVHcloud project, owned by different users.
	ovhUserKey.must(200, "PUT", "/wh-log-ovh?logging", loggingStatus("wh-log-ovh-audit", "logs/"))
	ovhUserKey.must(200, "PUT", "/wh-log-ovh/x", []byte("x"))
	if n, err := emu.Control().DeliverAccessLogs(context.Background()); err != nil || n != 2 {
		t.Fatalf("DeliverAccessLogs = %d, %v, want 2", n, err)
	}
}
