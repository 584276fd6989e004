package s3

import (
	"crypto/md5" //nolint:gosec // S3's ETag is an MD5 by definition
	"encoding/hex"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// Server access logging (PutBucketLogging, GetBucketLogging), as S3
// documents it: a bucket names a target bucket and a key prefix, and the
// store writes a record of every request made on the bucket, in the S3
// server access log format, into objects of the target bucket. The target
// belongs to the same account (OVHcloud: the same project) and region.
//
// S3 delivers records late and in batches ("within a few hours", best
// effort): the emulator keeps the records of each source bucket pending
// and writes them as one object when they are LogDeliveryDelay old, or
// when the control API asks (POST /_emulator/s3/deliver-access-logs), so
// that a test decides when the records arrive and a short test leaves no
// object behind in a locked bucket. A delivered object gets the target's
// default encryption and default retention, like any write.
//
// What the clouds document: OVHcloud Object Storage names a LogDelivery
// group "used for server access logging"; whether it also wants that
// group's WRITE grant on the target, as S3's ACL-based setup did, is
// unverified, and the emulator does not ask for it. OUTSCALE OOS's
// documentation found so far says nothing of server access logging: the
// emulator serves it on both clouds' buckets, and the real OOS answer is
// unverified. Amazon S3 refuses a target with a default retention; neither
// cloud documents that limit, and the emulator does not apply it.

// Logging is a bucket's server access logging configuration.
type Logging struct {
	TargetBucket string `json:"target_bucket"`
	TargetPrefix string `json:"target_prefix,omitempty"`
}

// CollAccessLogs holds the records not yet delivered, one document per
// source bucket, target and prefix (see pendingLogs.id).
const CollAccessLogs = "s3.accesslogs"

// LogDeliveryDelay is how old pending records get before the emulator
// delivers them by itself.
const LogDeliveryDelay = time.Hour

// pendingLogs are the records of one source bucket waiting for delivery.
type pendingLogs struct {
	Source  string    `json:"source"`
	Target  string    `json:"target"`
	Prefix  string    `json:"prefix,omitempty"`
	Since   time.Time `json:"since"`
	Records []string  `json:"records"`
}

func (p pendingLogs) id() string { return p.Target + "#" + p.Source + "#" + p.Prefix }

type bucketLoggingStatus struct {
	XMLName        struct{}        `xml:"BucketLoggingStatus"`
	Xmlns          string          `xml:"xmlns,attr,omitempty"`
	LoggingEnabled *loggingEnabled `xml:"LoggingEnabled,omitempty"`
}

type loggingEnabled struct {
	TargetBucket string `xml:"TargetBucket"`
	TargetPrefix string `xml:"TargetPrefix"`
}

func errInvalidTarget(message string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "InvalidTargetBucketForLogging", Message: message}
}

func (q *request) getLogging() error {
	return q.inBucket(false, "s3:GetBucketLogging", func(_ store.Tx, b *Bucket) error {
		out := bucketLoggingStatus{Xmlns: xmlns}
		if b.Logging != nil {
			out.LoggingEnabled = &loggingEnabled{TargetBucket: b.Logging.TargetBucket, TargetPrefix: b.Logging.TargetPrefix}
		}
		return q.ok(out)
	})
}

func (q *request) putLogging() error {
	var cfg bucketLoggingStatus
	if err := q.decodeXML(&cfg); err != nil {
		return err
	}
	return q.inBucket(true, "s3:PutBucketLogging", func(tx store.Tx, b *Bucket) error {
		if cfg.LoggingEnabled == nil {
			b.Logging = nil
		} else {
			name := cfg.LoggingEnabled.TargetBucket
			if name == "" {
				return errMalformedXML()
			}
			target, found, err := LoadBucket(tx, name)
			switch {
			case err != nil:
				return err
			case !found:
				return errInvalidTarget("The target bucket for logging does not exist")
			case target.Owner != b.Owner:
				return errInvalidTarget("The owner for the bucket to be logged and the target bucket must be the same.")
			case target.Region != b.Region:
				return &Error{Status: http.StatusForbidden, Code: "CrossLocationLoggingProhibited",
					Message: "Cross S3 location logging not allowed.",
					Extra:   map[string]string{"TargetBucketLocation": target.Region}}
			}
			b.Logging = &Logging{TargetBucket: name, TargetPrefix: cfg.LoggingEnabled.TargetPrefix}
		}
		if err := PutBucket(tx, *b); err != nil {
			return err
		}
		q.w.WriteHeader(http.StatusOK)
		return nil
	})
}

// recordingWriter keeps what the access log records of an answer.
type recordingWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *recordingWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *recordingWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// logAccess records q, answered through w, when its bucket logs access.
func (h *Handler) logAccess(q *request, op string, w *recordingWriter) {
	if q.bucket == "" || op == "CreateBucket" {
		return
	}
	_ = h.opts.Store.Update(func(tx store.Tx) error {
		b, found, err := LoadBucket(tx, q.bucket)
		if err != nil || !found || b.Logging == nil {
			return err
		}
		p := pendingLogs{Source: b.Name, Target: b.Logging.TargetBucket, Prefix: b.Logging.TargetPrefix, Since: q.now}
		if held, found, err := store.Get[pendingLogs](tx, CollAccessLogs, p.id()); err != nil {
			return err
		} else if found {
			p = held
		}
		p.Records = append(p.Records, q.accessRecord(b, op, w, h.opts.Now().UTC()))
		return store.Put(tx, CollAccessLogs, p.id(), p)
	})
}

// deliverDueLogs delivers the records pending for LogDeliveryDelay.
func (h *Handler) deliverDueLogs(now time.Time) {
	var due bool
	_ = h.opts.Store.View(func(tx store.Tx) error {
		all, err := store.List[pendingLogs](tx, CollAccessLogs)
		for _, p := range all {
			due = due || now.Sub(p.Since) >= LogDeliveryDelay
		}
		return err
	})
	if due {
		_, _ = deliverPending(h.opts.Store, now, now.Add(-LogDeliveryDelay))
	}
}

// DeliverAccessLogs writes every pending access log record as objects of
// the target buckets, one object per source bucket, now rather than after
// LogDeliveryDelay, and returns how many records it delivered. Records
// whose target bucket is gone are dropped, as S3 drops them.
func (h *Handler) DeliverAccessLogs() (int, error) {
	return deliverPending(h.opts.Store, h.opts.Now().UTC(), time.Time{})
}

// deliverPending delivers the records pending since before (all of them
// for a zero time), as of now.
func deliverPending(st store.Store, now, before time.Time) (int, error) {
	n := 0
	err := st.Update(func(tx store.Tx) error {
		all, err := store.List[pendingLogs](tx, CollAccessLogs)
		if err != nil {
			return err
		}
		sort.Slice(all, func(i, j int) bool { return all[i].Since.Before(all[j].Since) })
		for _, p := range all {
			if !before.IsZero() && !p.Since.Before(before) {
				continue
			}
			if err := deliver(tx, p, now); err != nil {
				return err
			}
			n += len(p.Records)
		}
		return nil
	})
	return n, err
}

// deliver writes p's records as one object of the target, made at, and
// forgets them.
func deliver(tx store.Tx, p pendingLogs, at time.Time) error {
	if err := tx.Delete(CollAccessLogs, p.id()); err != nil {
		return err
	}
	b, found, err := LoadBucket(tx, p.Target)
	if err != nil || !found || len(p.Records) == 0 {
		return err
	}
	data := []byte(strings.Join(p.Records, "\n") + "\n")
	// S3's key: TargetPrefix, then the delivery time, then a unique string.
	key := p.Prefix + at.Format("2006-01-02-15-04-05") + "-" + newRequestID()
	v := Version{Bucket: b.Name, Key: key, Modified: at, Size: int64(len(data)), ContentType: "text/plain", Data: data,
		SSE: storeEncryption(&b, "")}
	defaultLock(&b, &v, at)
	sum := md5.Sum(data) //nolint:gosec // ETag
	v.ETag = `"` + hex.EncodeToString(sum[:]) + `"`
	_, existing, err := currentVersion(tx, b.Name, key)
	if err != nil {
		return err
	}
	return commitVersion(tx, &b, &v, existing)
}

// accessRecord is one line of the S3 server access log format: bucket
// owner, bucket, time, remote IP, requester, request id, operation, key,
// request line, status, error code, bytes sent, object size, total time,
// turn-around time, referer, user agent, version id, host id, signature
// version, cipher suite, authentication type, host, TLS version, access
// point ARN, ACL required.
func (q *request) accessRecord(b Bucket, op string, w *recordingWriter, done time.Time) string {
	dash := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	quoted := func(s string) string { return `"` + strings.ReplaceAll(dash(s), `"`, `\"`) + `"` }
	status := w.status
	if status == 0 {
		status = http.StatusOK
	}
	sent := "-"
	if w.bytes > 0 {
		sent = strconv.FormatInt(w.bytes, 10)
	}
	size := "-"
	if op == "PutObject" || op == "UploadPart" {
		size = strconv.Itoa(len(q.body))
	}
	ms := strconv.FormatInt(done.Sub(q.now).Milliseconds(), 10)
	ip := "-"
	if q.caller.sourceIP.IsValid() {
		ip = q.caller.sourceIP.String()
	}
	key := "-"
	if q.key != "" {
		key = q.key
	}
	cipher, tlsVersion := "-", "-"
	if q.caller.secure {
		cipher, tlsVersion = "ECDHE-RSA-AES128-GCM-SHA256", "TLSv1.3"
	}
	fields := []string{
		dash(b.Owner), b.Name, "[" + q.now.Format("02/Jan/2006:15:04:05 -0700") + "]", ip, dash(q.caller.requester()),
		q.requestID, restOperation(q.r.Method, q.key, q.query), key,
		quoted(q.r.Method + " " + q.r.URL.RequestURI() + " " + q.r.Proto), strconv.Itoa(status), dash(q.errorCode),
		sent, size, ms, "-", quoted(q.r.Referer()), quoted(q.r.UserAgent()), dash(w.Header().Get("X-Amz-Version-Id")),
		"-", "SigV4", cipher, dash(q.authType), dash(q.r.Host), tlsVersion, "-", "-",
	}
	return strings.Join(fields, " ")
}

// restOperation names a request as S3's access logs do: REST.PUT.OBJECT,
// REST.GET.VERSIONING, ...
func restOperation(method, key string, query map[string][]string) string {
	if key != "" {
		if _, ok := query["uploadId"]; ok {
			return "REST." + method + ".UPLOAD"
		}
		return "REST." + method + ".OBJECT"
	}
	for sub, name := range map[string]string{"versioning": "VERSIONING", "logging": "LOGGING_STATUS", "policy": "BUCKETPOLICY",
		"lifecycle": "LIFECYCLE", "tagging": "TAGGING", "encryption": "ENCRYPTION", "object-lock": "OBJECT_LOCK_CONFIGURATION",
		"acl": "ACL", "uploads": "UPLOADS", "versions": "BUCKETVERSIONS", "location": "LOCATION", "delete": "MULTI_OBJECT_DELETE"} {
		if _, ok := query[sub]; ok {
			return "REST." + method + "." + name
		}
	}
	return "REST." + method + ".BUCKET"
}
