package emulator_test

import (
	"bytes"
	"context"
	"crypto/md5" //nolint:gosec // S3's Content-MD5 is MD5 by definition
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"hash/crc32"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
)

// These tests speak raw HTTP to the emulated S3 endpoint, signing with the
// AWS SDK's SigV4 signer, and check S3's documented answers.

// s3Client signs requests with one access key.
type s3Client struct {
	t       *testing.T
	emu     *emulator.Emulator
	ak, sk  string
	region  string
	headers map[string]string // added to every request
	now     func() time.Time  // the signing clock; nil: time.Now
}

func outscaleS3(t *testing.T, emu *emulator.Emulator) *s3Client {
	return &s3Client{t: t, emu: emu, ak: emulator.DefaultOutscaleAccessKey, sk: emulator.DefaultOutscaleSecretKey,
		region: emulator.DefaultOutscaleRegion}
}

// call sends method path (under the S3 prefix, query included) with body
// and extra headers.
func (c *s3Client) call(method, path string, body []byte, headers ...string) response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.emu.S3Endpoint()+path, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	sum := sha256.Sum256(body)
	if req.Header.Get("X-Amz-Content-Sha256") == "" {
		req.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
	}
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	err = signer.SignHTTP(context.Background(), aws.Credentials{AccessKeyID: c.ak, SecretAccessKey: c.sk}, req,
		req.Header.Get("X-Amz-Content-Sha256"), "s3", c.region, c.clock())
	if err != nil {
		c.t.Fatal(err)
	}
	return send(c.t, req)
}

func (c *s3Client) clock() time.Time {
	if c.now != nil {
		return c.now()
	}
	return time.Now()
}

// must sends a call that must answer want.
func (c *s3Client) must(want int, method, path string, body []byte, headers ...string) response {
	c.t.Helper()
	r := c.call(method, path, body, headers...)
	if r.status != want {
		c.t.Fatalf("%s %s: HTTP %d, want %d: %s", method, path, r.status, want, r.body)
	}
	return r
}

// fails sends a call that must fail with status and S3 error code.
func (c *s3Client) fails(status int, code, method, path string, body []byte, headers ...string) response {
	c.t.Helper()
	r := c.call(method, path, body, headers...)
	assertS3Error(c.t, r, status, code)
	return r
}

func assertS3Error(t *testing.T, r response, status int, code string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("HTTP %d, want %d %s: %s", r.status, status, code, r.body)
	}
	if len(r.body) == 0 {
		return // HEAD: no body
	}
	var e struct {
		XMLName   xml.Name `xml:"Error"`
		Code      string
		Message   string
		RequestID string `xml:"RequestId"`
	}
	if err := xml.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("the error body is not S3's <Error>: %v: %s", err, r.body)
	}
	if e.Code != code || e.Message == "" || e.RequestID == "" {
		t.Fatalf("error %s (%q, request id %q), want %s: %s", e.Code, e.Message, e.RequestID, code, r.body)
	}
}

func contentMD5(body []byte) string {
	sum := md5.Sum(body) //nolint:gosec // Content-MD5
	return base64.StdEncoding.EncodeToString(sum[:])
}

func crc32Base64(body []byte) string {
	sum := crc32.ChecksumIEEE(body)
	return base64.StdEncoding.EncodeToString([]byte{byte(sum >> 24), byte(sum >> 16), byte(sum >> 8), byte(sum)})
}

// xmlField extracts the text of every <name> element of an answer.
func xmlField(body []byte, name string) []string {
	re := regexp.MustCompile("<" + name + ">([^<]*)</" + name + ">")
	var out []string
	for _, m := range re.FindAllSubmatch(body, -1) {
		out = append(out, string(m[1]))
	}
	return out
}

func TestS3_buckets(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := outscaleS3(t, emu)

	for _, name := range []string{"ab", "Upper-case", "-dash-first", "two..dots", "192.168.1.10", "xn--punycode", "data-s3alias"} {
		c.fails(400, "InvalidBucketName", "PUT", "/"+name, nil)
	}
	c.must(200, "PUT", "/wh-raw", nil)
	c.fails(409, "BucketAlreadyOwnedByYou", "PUT", "/wh-raw", nil)
	if r := c.must(200, "HEAD", "/wh-raw", nil); r.header.Get("X-Amz-Bucket-Region") != emulator.DefaultOutscaleRegion {
		t.Fatalf("HeadBucket region = %q", r.header.Get("X-Amz-Bucket-Region"))
	}
	c.fails(404, "NoSuchBucket", "HEAD", "/wh-missing", nil)
	if r := c.must(200, "GET", "/", nil); !slicesContain(xmlField(r.body, "Name"), "wh-raw") {
		t.Fatalf("ListBuckets: %s", r.body)
	}
	// Another account's keys see nothing of it.
	other := &s3Client{t: t, emu: emu, ak: emulator.DefaultOVHApplicationKey, sk: "x", region: "gra"}
	other.fails(403, "InvalidAccessKeyId", "HEAD", "/wh-raw", nil)

	// Versioning.
	if r := c.must(200, "GET", "/wh-raw?versioning", nil); len(xmlField(r.body, "Status")) != 0 {
		t.Fatalf("versioning of a new bucket: %s", r.body)
	}
	c.fails(400, "MalformedXML", "PUT", "/wh-raw?versioning", []byte(`<VersioningConfiguration><Status>On</Status></VersioningConfiguration>`))
	c.must(200, "PUT", "/wh-raw?versioning", []byte(`<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status></VersioningConfiguration>`))
	if r := c.must(200, "GET", "/wh-raw?versioning", nil); xmlField(r.body, "Status")[0] != "Enabled" {
		t.Fatalf("versioning: %s", r.body)
	}

	// Default encryption.
	c.fails(404, "ServerSideEncryptionConfigurationNotFoundError", "GET", "/wh-raw?encryption", nil)
	enc := []byte(`<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`)
	c.must(200, "PUT", "/wh-raw?encryption", enc)
	if r := c.must(200, "GET", "/wh-raw?encryption", nil); xmlField(r.body, "SSEAlgorithm")[0] != "AES256" {
		t.Fatalf("encryption: %s", r.body)
	}
	c.fails(400, "InvalidArgument", "PUT", "/wh-raw?encryption", bytes.ReplaceAll(enc, []byte("AES256"), []byte("aws:kms:dsse")))
	c.must(204, "DELETE", "/wh-raw?encryption", nil)
	c.fails(404, "ServerSideEncryptionConfigurationNotFoundError", "GET", "/wh-raw?encryption", nil)

	// Lifecycle: S3 wants an integrity header, and one action per rule.
	lc := []byte(`<LifecycleConfiguration><Rule><ID>old-versions</ID><Filter><Prefix></Prefix></Filter><Status>Enabled</Status>` +
		`<NoncurrentVersionExpiration><NoncurrentDays>30</NoncurrentDays></NoncurrentVersionExpiration>` +
		`<AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule></LifecycleConfiguration>`)
	c.fails(400, "InvalidRequest", "PUT", "/wh-raw?lifecycle", lc)
	c.fails(400, "BadDigest", "PUT", "/wh-raw?lifecycle", lc, "Content-MD5", contentMD5([]byte("other")))
	noAction := []byte(`<LifecycleConfiguration><Rule><ID>x</ID><Status>Enabled</Status></Rule></LifecycleConfiguration>`)
	c.fails(400, "InvalidRequest", "PUT", "/wh-raw?lifecycle", noAction, "Content-MD5", contentMD5(noAction))
	c.fails(404, "NoSuchLifecycleConfiguration", "GET", "/wh-raw?lifecycle", nil)
	c.must(200, "PUT", "/wh-raw?lifecycle", lc, "X-Amz-Checksum-Crc32", crc32Base64(lc))
	if r := c.must(200, "GET", "/wh-raw?lifecycle", nil); xmlField(r.body, "NoncurrentDays")[0] != "30" || xmlField(r.body, "DaysAfterInitiation")[0] != "7" {
		t.Fatalf("lifecycle: %s", r.body)
	}
	c.must(204, "DELETE", "/wh-raw?lifecycle", nil)

	// Tags.
	c.fails(404, "NoSuchTagSet", "GET", "/wh-raw?tagging", nil)
	c.fails(400, "InvalidTag", "PUT", "/wh-raw?tagging", []byte(`<Tagging><TagSet><Tag><Key>aws:x</Key><Value>v</Value></Tag></TagSet></Tagging>`))
	c.must(200, "PUT", "/wh-raw?tagging", []byte(`<Tagging><TagSet><Tag><Key>zone</Key><Value>raw</Value></Tag><Tag><Key>team</Key><Value>dpo</Value></Tag></TagSet></Tagging>`))
	if r := c.must(200, "GET", "/wh-raw?tagging", nil); strings.Join(xmlField(r.body, "Key"), ",") != "team,zone" {
		t.Fatalf("tags: %s", r.body)
	}
	c.must(204, "DELETE", "/wh-raw?tagging", nil)

	// Object lock needs a bucket made with it.
	c.fails(404, "ObjectLockConfigurationNotFoundError", "GET", "/wh-raw?object-lock", nil)
	olc := []byte(`<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>COMPLIANCE</Mode><Days>1</Days></DefaultRetention></Rule></ObjectLockConfiguration>`)
	c.fails(409, "InvalidBucketState", "PUT", "/wh-raw?object-lock", olc, "Content-MD5", contentMD5(olc))

	c.fails(501, "NotImplemented", "GET", "/wh-raw?website", nil)
	c.must(204, "DELETE", "/wh-raw", nil)
	c.fails(404, "NoSuchBucket", "DELETE", "/wh-raw", nil)
}

func slicesContain(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestS3_versionsAndConditionalWrites(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := outscaleS3(t, emu)
	c.must(200, "PUT", "/wh-state", nil)
	c.must(200, "PUT", "/wh-state?versioning", []byte(`<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>`))

	// Terraform's lock file: the first If-None-Match: * wins, the second
	// finds the object and fails with 412.
	first := c.must(200, "PUT", "/wh-state/env/terraform.tfstate.tflock", []byte(`{"ID":"a"}`), "If-None-Match", "*")
	if first.header.Get("X-Amz-Version-Id") == "" || first.header.Get("ETag") == "" {
		t.Fatalf("PutObject headers: %v", first.header)
	}
	r := c.fails(412, "PreconditionFailed", "PUT", "/wh-state/env/terraform.tfstate.tflock", []byte(`{"ID":"b"}`), "If-None-Match", "*")
	if !bytes.Contains(r.body, []byte("<Condition>If-None-Match</Condition>")) {
		t.Fatalf("412 body: %s", r.body)
	}
	if r := c.must(200, "GET", "/wh-state/env/terraform.tfstate.tflock", nil); string(r.body) != `{"ID":"a"}` {
		t.Fatalf("the lock holder changed: %s", r.body)
	}
	// Unlocking leaves a delete marker; the next lock succeeds.
	if r := c.must(204, "DELETE", "/wh-state/env/terraform.tfstate.tflock", nil); r.header.Get("X-Amz-Delete-Marker") != "true" {
		t.Fatalf("DeleteObject in a versioned bucket made no delete marker: %v", r.header)
	}
	c.fails(404, "NoSuchKey", "GET", "/wh-state/env/terraform.tfstate.tflock", nil)
	c.must(200, "PUT", "/wh-state/env/terraform.tfstate.tflock", []byte(`{"ID":"b"}`), "If-None-Match", "*")

	// If-Match: only the current ETag replaces the object.
	put := c.must(200, "PUT", "/wh-state/env/terraform.tfstate", []byte("v1"))
	c.fails(412, "PreconditionFailed", "PUT", "/wh-state/env/terraform.tfstate", []byte("v2"), "If-Match", `"0000"`)
	c.must(200, "PUT", "/wh-state/env/terraform.tfstate", []byte("v2"), "If-Match", put.header.Get("ETag"))
	c.fails(404, "NoSuchKey", "PUT", "/wh-state/env/other", []byte("x"), "If-Match", put.header.Get("ETag"))
	c.fails(501, "NotImplemented", "PUT", "/wh-state/env/x", []byte("x"), "If-None-Match", `"abc"`)

	// Versions, newest first per key, delete markers included.
	r = c.must(200, "GET", "/wh-state?versions", nil)
	if got := strings.Join(xmlField(r.body, "Key"), ","); got != "env/terraform.tfstate,env/terraform.tfstate,"+
		"env/terraform.tfstate.tflock,env/terraform.tfstate.tflock,env/terraform.tfstate.tflock" {
		t.Fatalf("ListObjectVersions keys: %s\n%s", got, r.body)
	}
	if !bytes.Contains(r.body, []byte("<DeleteMarker>")) {
		t.Fatalf("no delete marker listed: %s", r.body)
	}
	ids := xmlField(r.body, "VersionId")
	if r := c.must(200, "GET", "/wh-state/env/terraform.tfstate?versionId="+ids[1], nil); string(r.body) != "v1" {
		t.Fatalf("old version: %q", r.body)
	}
	// Paging through versions one at a time visits every one once.
	var seen []string
	marker := ""
	for i := 0; i < 10; i++ {
		r := c.must(200, "GET", "/wh-state?versions&max-keys=1"+marker, nil)
		seen = append(seen, xmlField(r.body, "VersionId")...)
		if xmlField(r.body, "IsTruncated")[0] != "true" {
			break
		}
		marker = "&key-marker=" + xmlField(r.body, "NextKeyMarker")[0] + "&version-id-marker=" + xmlField(r.body, "NextVersionIdMarker")[0]
	}
	if strings.Join(seen, ",") != strings.Join(ids, ",") {
		t.Fatalf("paged versions %v, want %v", seen, ids)
	}

	// ListObjectsV2 shows current objects only, grouped by delimiter.
	r = c.must(200, "GET", "/wh-state?list-type=2&prefix=env/", nil)
	if got := strings.Join(xmlField(r.body, "Key"), ","); got != "env/terraform.tfstate,env/terraform.tfstate.tflock" {
		t.Fatalf("ListObjectsV2: %s", r.body)
	}
	r = c.must(200, "GET", "/wh-state?list-type=2&delimiter=/", nil)
	if xmlField(r.body, "Prefix")[1] != "env/" || xmlField(r.body, "KeyCount")[0] != "1" {
		t.Fatalf("ListObjectsV2 with a delimiter: %s", r.body)
	}

	// A bucket with versions cannot go; once every version is deleted it can.
	c.fails(409, "BucketNotEmpty", "DELETE", "/wh-state", nil)
	var del strings.Builder
	del.WriteString("<Delete><Quiet>true</Quiet>")
	all := c.must(200, "GET", "/wh-state?versions", nil)
	for i, k := range xmlField(all.body, "Key") {
		fmt.Fprintf(&del, "<Object><Key>%s</Key><VersionId>%s</VersionId></Object>", k, xmlField(all.body, "VersionId")[i])
	}
	del.WriteString("</Delete>")
	c.fails(400, "InvalidRequest", "POST", "/wh-state?delete", []byte(del.String()))
	r = c.must(200, "POST", "/wh-state?delete", []byte(del.String()), "Content-MD5", contentMD5([]byte(del.String())))
	if bytes.Contains(r.body, []byte("<Error>")) || bytes.Contains(r.body, []byte("<Deleted>")) {
		t.Fatalf("quiet DeleteObjects: %s", r.body)
	}
	c.must(204, "DELETE", "/wh-state", nil)
}

func TestS3_unversionedOverwriteAndPayloads(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := outscaleS3(t, emu)
	c.must(200, "PUT", "/wh-plain", nil)
	c.must(200, "PUT", "/wh-plain/a", []byte("one"))
	c.must(200, "PUT", "/wh-plain/a", []byte("two"), "Content-MD5", contentMD5([]byte("two")))
	r := c.must(200, "GET", "/wh-plain?versions", nil)
	if ids := xmlField(r.body, "VersionId"); len(ids) != 1 || ids[0] != "null" {
		t.Fatalf("an unversioned bucket keeps one null version per key: %s", r.body)
	}
	c.fails(400, "BadDigest", "PUT", "/wh-plain/a", []byte("three"), "X-Amz-Checksum-Crc32", crc32Base64([]byte("other")))

	// aws-chunked with a trailing checksum, as the AWS SDKs stream over TLS.
	data := []byte("streamed state")
	body := fmt.Sprintf("%x\r\n%s\r\n0\r\nx-amz-checksum-crc32:%s\r\n\r\n", len(data), data, crc32Base64(data))
	c.must(200, "PUT", "/wh-plain/streamed", []byte(body),
		"X-Amz-Content-Sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "Content-Encoding", "aws-chunked",
		"X-Amz-Decoded-Content-Length", fmt.Sprint(len(data)), "X-Amz-Trailer", "x-amz-checksum-crc32")
	if r := c.must(200, "GET", "/wh-plain/streamed", nil, "X-Amz-Checksum-Mode", "ENABLED"); string(r.body) != string(data) ||
		r.header.Get("X-Amz-Checksum-Crc32") != crc32Base64(data) {
		t.Fatalf("streamed object: %q %v", r.body, r.header)
	}
	bad := fmt.Sprintf("%x\r\n%s\r\n0\r\nx-amz-checksum-crc32:%s\r\n\r\n", len(data), data, crc32Base64([]byte("x")))
	c.fails(400, "BadDigest", "PUT", "/wh-plain/streamed", []byte(bad),
		"X-Amz-Content-Sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "Content-Encoding", "aws-chunked",
		"X-Amz-Decoded-Content-Length", fmt.Sprint(len(data)))
}

func TestS3_customerKeys(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := outscaleS3(t, emu)
	c.must(200, "PUT", "/wh-ssec", nil)
	key := bytes.Repeat([]byte{7}, 32)
	sum := md5.Sum(key) //nolint:gosec // SSE-C key digest
	ssec := []string{"X-Amz-Server-Side-Encryption-Customer-Algorithm", "AES256",
		"X-Amz-Server-Side-Encryption-Customer-Key", base64.StdEncoding.EncodeToString(key),
		"X-Amz-Server-Side-Encryption-Customer-Key-Md5", base64.StdEncoding.EncodeToString(sum[:])}
	r := c.must(200, "PUT", "/wh-ssec/cohort.parquet", []byte("secret rows"), ssec...)
	if r.header.Get("X-Amz-Server-Side-Encryption-Customer-Algorithm") != "AES256" ||
		r.header.Get("X-Amz-Server-Side-Encryption-Customer-Key-Md5") != ssec[5] {
		t.Fatalf("SSE-C headers not echoed: %v", r.header)
	}
	// The store holds neither the data in clear nor the key.
	objects, err := emu.Control().Objects(t.Context(), "s3.objects")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objects {
		if bytes.Contains(o.Doc, []byte(base64.StdEncoding.EncodeToString([]byte("secret rows")))) || bytes.Contains(o.Doc, []byte(ssec[3])) {
			t.Fatalf("the stored object holds the data in clear or the key: %s", o.Doc)
		}
	}
	c.fails(400, "InvalidRequest", "GET", "/wh-ssec/cohort.parquet", nil)
	other := bytes.Repeat([]byte{8}, 32)
	osum := md5.Sum(other) //nolint:gosec // SSE-C key digest
	c.fails(403, "AccessDenied", "GET", "/wh-ssec/cohort.parquet", nil,
		ssec[0], ssec[1], ssec[2], base64.StdEncoding.EncodeToString(other), ssec[4], base64.StdEncoding.EncodeToString(osum[:]))
	if r := c.must(200, "GET", "/wh-ssec/cohort.parquet", nil, ssec...); string(r.body) != "secret rows" {
		t.Fatalf("GetObject with the key: %q", r.body)
	}
	c.fails(400, "InvalidArgument", "PUT", "/wh-ssec/x", []byte("x"), ssec[0], ssec[1], ssec[2], ssec[3], ssec[4], "AAAA")
	// SSE-C over plain HTTP is refused, as S3 does.
	c.fails(400, "InvalidRequest", "PUT", "/wh-ssec/y", []byte("y"), append(ssec, "X-Emulator-Transport", "plain")...)
}

func TestS3_objectLock(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Now().UTC()
	cfg := emulator.DefaultConfig()
	cfg.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	emu := emutest.Start(t, &cfg)
	c := outscaleS3(t, emu)
	c.now = cfg.Now
	c.must(200, "PUT", "/wh-audit", nil, "X-Amz-Bucket-Object-Lock-Enabled", "true")
	if r := c.must(200, "GET", "/wh-audit?versioning", nil); xmlField(r.body, "Status")[0] != "Enabled" {
		t.Fatalf("object lock did not turn versioning on: %s", r.body)
	}
	c.fails(409, "InvalidBucketState", "PUT", "/wh-audit?versioning", []byte(`<VersioningConfiguration><Status>Suspended</Status></VersioningConfiguration>`))
	governance := []byte(`<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>1</Days></DefaultRetention></Rule></ObjectLockConfiguration>`)
	// OUTSCALE has no GOVERNANCE mode.
	c.fails(400, "InvalidArgument", "PUT", "/wh-audit?object-lock", governance, "Content-MD5", contentMD5(governance))
	compliance := bytes.ReplaceAll(governance, []byte("GOVERNANCE"), []byte("COMPLIANCE"))
	c.must(200, "PUT", "/wh-audit?object-lock", compliance, "Content-MD5", contentMD5(compliance))
	if r := c.must(200, "GET", "/wh-audit?object-lock", nil); xmlField(r.body, "Mode")[0] != "COMPLIANCE" || xmlField(r.body, "Days")[0] != "1" {
		t.Fatalf("object lock configuration: %s", r.body)
	}

	put := c.must(200, "PUT", "/wh-audit/session.log", []byte("recording"))
	version := put.header.Get("X-Amz-Version-Id")
	r := c.must(200, "GET", "/wh-audit/session.log?retention&versionId="+version, nil)
	if xmlField(r.body, "Mode")[0] != "COMPLIANCE" || !strings.HasPrefix(xmlField(r.body, "RetainUntilDate")[0], now.AddDate(0, 0, 1).Format("2006-01-02")) {
		t.Fatalf("retention: %s", r.body)
	}
	c.fails(404, "NoSuchObjectLockConfiguration", "GET", "/wh-audit/session.log?legal-hold", nil)
	c.fails(403, "AccessDenied", "DELETE", "/wh-audit/session.log?versionId="+version, nil)
	del := []byte(fmt.Sprintf("<Delete><Object><Key>session.log</Key><VersionId>%s</VersionId></Object></Delete>", version))
	r = c.must(200, "POST", "/wh-audit?delete", del, "Content-MD5", contentMD5(del))
	if xmlField(r.body, "Code")[0] != "AccessDenied" {
		t.Fatalf("DeleteObjects of a locked version: %s", r.body)
	}
	// Hiding the object behind a delete marker is allowed; the version stays.
	c.must(204, "DELETE", "/wh-audit/session.log", nil)
	c.must(200, "GET", "/wh-audit/session.log?versionId="+version, nil)

	// Explicit lock headers need an integrity header.
	until := now.Add(48 * time.Hour).Format(time.RFC3339)
	c.fails(400, "InvalidRequest", "PUT", "/wh-audit/explicit", []byte("x"), "X-Amz-Object-Lock-Mode", "COMPLIANCE",
		"X-Amz-Object-Lock-Retain-Until-Date", until)
	c.must(200, "PUT", "/wh-audit/explicit", []byte("x"), "X-Amz-Object-Lock-Mode", "COMPLIANCE",
		"X-Amz-Object-Lock-Retain-Until-Date", until, "Content-MD5", contentMD5([]byte("x")))

	// Once the retention date passes, the version can be deleted.
	mu.Lock()
	now = now.AddDate(0, 0, 2)
	mu.Unlock()
	c.must(204, "DELETE", "/wh-audit/session.log?versionId="+version, nil)

	// A bucket without object lock refuses lock headers.
	c.must(200, "PUT", "/wh-nolock", nil)
	c.fails(400, "InvalidRequest", "PUT", "/wh-nolock/x", []byte("x"), "X-Amz-Object-Lock-Legal-Hold", "ON",
		"Content-MD5", contentMD5([]byte("x")))
}

func TestS3_outscaleBucketPolicy(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := outscaleS3(t, emu)
	c.must(200, "PUT", "/wh-policy", nil)
	c.fails(404, "NoSuchBucketPolicy", "GET", "/wh-policy?policy", nil)
	// OUTSCALE does not support conditions: the emulator refuses them.
	withCondition := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*",` +
		`"Resource":["arn:aws:s3:::wh-policy","arn:aws:s3:::wh-policy/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`
	c.fails(400, "MalformedPolicy", "PUT", "/wh-policy?policy", []byte(withCondition))
	c.fails(400, "MalformedPolicy", "PUT", "/wh-policy?policy", []byte(`{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::other/*"}]}`))
	c.fails(400, "MalformedPolicy", "PUT", "/wh-policy?policy", []byte(`not json`))
	policy := `{"Version":"2012-10-17","Statement":[{"Sid":"DenyAclChanges","Effect":"Deny","Principal":"*",` +
		`"Action":["s3:PutBucketAcl","s3:PutObjectAcl"],"Resource":["arn:aws:s3:::wh-policy","arn:aws:s3:::wh-policy/*"]},` +
		`{"Sid":"DenyEverything","Effect":"Deny","Principal":{"AWS":"arn:aws:iam::` + emulator.DefaultOutscaleAccountID + `:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::wh-policy/private/*"}]}`
	c.must(204, "PUT", "/wh-policy?policy", []byte(policy))
	if r := c.must(200, "GET", "/wh-policy?policy", nil); string(r.body) != policy {
		t.Fatalf("GetBucketPolicy: %s", r.body)
	}
	c.fails(403, "AccessDenied", "PUT", "/wh-policy?acl", nil, "X-Amz-Acl", "public-read")
	c.fails(403, "AccessDenied", "PUT", "/wh-policy/public.txt", []byte("x"), "X-Amz-Acl", "public-read")
	c.must(200, "PUT", "/wh-policy/private/a", []byte("x"))
	c.fails(403, "AccessDenied", "GET", "/wh-policy/private/a", nil)
	c.must(200, "PUT", "/wh-policy/public/a", []byte("x"))
	c.must(200, "GET", "/wh-policy/public/a", nil)
	// The owner can always repair the policy.
	c.must(204, "DELETE", "/wh-policy?policy", nil)
	c.must(200, "GET", "/wh-policy/private/a", nil)
}
