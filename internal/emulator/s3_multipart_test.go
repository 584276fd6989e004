package emulator_test

import (
	"bytes"
	"crypto/md5" //nolint:gosec // S3's multipart ETag is MD5 by definition
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
)

// Multipart uploads over raw HTTP: the round trip, each refusal of
// CompleteMultipartUpload, and how uploads meet versioning, object lock,
// conditional writes and customer keys.

const partSize = 5 << 20 // S3's smallest part but the last

// upload starts a multipart upload of path and returns its id.
func (c *s3Client) upload(path string, headers ...string) string {
	c.t.Helper()
	r := c.must(200, "POST", path+"?uploads", nil, headers...)
	ids := xmlField(r.body, "UploadId")
	if len(ids) != 1 || ids[0] == "" {
		c.t.Fatalf("CreateMultipartUpload: %s", r.body)
	}
	return ids[0]
}

// part uploads data as part n of an upload and returns its ETag.
func (c *s3Client) part(path, uploadID string, n int, data []byte, headers ...string) string {
	c.t.Helper()
	r := c.must(200, "PUT", fmt.Sprintf("%s?partNumber=%d&uploadId=%s", path, n, uploadID), data, headers...)
	etag := r.header.Get("ETag")
	if etag == "" {
		c.t.Fatalf("UploadPart %d: no ETag", n)
	}
	return etag
}

// completion is the body of a CompleteMultipartUpload naming parts
// (part number, ETag pairs).
func completion(parts ...any) []byte {
	var b strings.Builder
	b.WriteString(`<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">`)
	for i := 0; i+1 < len(parts); i += 2 {
		fmt.Fprintf(&b, "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>", parts[i], parts[i+1])
	}
	b.WriteString("</CompleteMultipartUpload>")
	return []byte(b.String())
}

// multipartETag is S3's ETag of an object made of parts with these ETags.
func multipartETag(etags ...string) string {
	var all []byte
	for _, e := range etags {
		raw, _ := hex.DecodeString(strings.Trim(e, `"`))
		all = append(all, raw...)
	}
	sum := md5.Sum(all) //nolint:gosec // ETag
	return fmt.Sprintf(`"%s-%d"`, hex.EncodeToString(sum[:]), len(etags))
}

func TestS3_multipartRoundTrip(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := outscaleS3(t, emu)
	c.must(200, "PUT", "/wh-mpu", nil)
	c.must(200, "PUT", "/wh-mpu?versioning", []byte(`<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>`))

	id := c.upload("/wh-mpu/cohort/extract.parquet", "Content-Type", "application/vnd.apache.parquet", "X-Amz-Meta-Study", "s-42")
	one, two, tail := bytes.Repeat([]byte("a"), partSize), bytes.Repeat([]byte("b"), partSize), []byte("tail rows")
	e1 := c.part("/wh-mpu/cohort/extract.parquet", id, 1, one)
	// A part uploaded again replaces the one before.
	c.part("/wh-mpu/cohort/extract.parquet", id, 2, []byte("first try"))
	e2 := c.part("/wh-mpu/cohort/extract.parquet", id, 2, two)
	e3 := c.part("/wh-mpu/cohort/extract.parquet", id, 3, tail, "Content-MD5", contentMD5(tail))
	if sum := md5.Sum(tail); e3 != `"`+hex.EncodeToString(sum[:])+`"` { //nolint:gosec // ETag
		t.Fatalf("part ETag %s is not the MD5 of the part", e3)
	}
	c.fails(400, "BadDigest", "PUT", "/wh-mpu/cohort/extract.parquet?partNumber=4&uploadId="+id, tail, "Content-MD5", contentMD5([]byte("x")))

	// The upload and its parts are listed, page by page.
	r := c.must(200, "GET", "/wh-mpu?uploads", nil)
	if got := xmlField(r.body, "UploadId"); len(got) != 1 || got[0] != id || xmlField(r.body, "Key")[0] != "cohort/extract.parquet" {
		t.Fatalf("ListMultipartUploads: %s", r.body)
	}
	if r := c.must(200, "GET", "/wh-mpu?uploads&delimiter=/", nil); xmlField(r.body, "Prefix")[1] != "cohort/" || len(xmlField(r.body, "UploadId")) != 0 {
		t.Fatalf("ListMultipartUploads with a delimiter: %s", r.body)
	}
	r = c.must(200, "GET", "/wh-mpu/cohort/extract.parquet?uploadId="+id+"&max-parts=2", nil)
	if strings.Join(xmlField(r.body, "PartNumber"), ",") != "1,2" || xmlField(r.body, "IsTruncated")[0] != "true" ||
		xmlField(r.body, "NextPartNumberMarker")[0] != "2" || strings.Join(xmlField(r.body, "Size"), ",") != fmt.Sprintf("%d,%d", partSize, partSize) {
		t.Fatalf("ListParts: %s", r.body)
	}
	r = c.must(200, "GET", "/wh-mpu/cohort/extract.parquet?uploadId="+id+"&part-number-marker=2", nil)
	if strings.Join(xmlField(r.body, "PartNumber"), ",") != "3" || html.UnescapeString(xmlField(r.body, "ETag")[0]) != e3 {
		t.Fatalf("ListParts after 2: %s", r.body)
	}

	// Completing makes the object, a new version, with the multipart ETag.
	r = c.must(200, "POST", "/wh-mpu/cohort/extract.parquet?uploadId="+id, completion(1, e1, 2, e2, 3, e3))
	want := multipartETag(e1, e2, e3)
	if got := xmlField(r.body, "ETag"); len(got) != 1 || html.UnescapeString(got[0]) != want ||
		xmlField(r.body, "Key")[0] != "cohort/extract.parquet" || r.header.Get("X-Amz-Version-Id") == "" {
		t.Fatalf("CompleteMultipartUpload: %v %s (want ETag %s)", r.header, r.body, want)
	}
	got := c.must(200, "GET", "/wh-mpu/cohort/extract.parquet", nil)
	if !bytes.Equal(got.body, append(append(append([]byte{}, one...), two...), tail...)) {
		t.Fatalf("the object is not its parts in order (%d bytes)", len(got.body))
	}
	if got.header.Get("ETag") != want || got.header.Get("Content-Type") != "application/vnd.apache.parquet" ||
		got.header.Get("X-Amz-Meta-Study") != "s-42" {
		t.Fatalf("GetObject headers: %v", got.header)
	}

	// The upload is gone.
	c.fails(404, "NoSuchUpload", "GET", "/wh-mpu/cohort/extract.parquet?uploadId="+id, nil)
	c.fails(404, "NoSuchUpload", "POST", "/wh-mpu/cohort/extract.parquet?uploadId="+id, completion(1, e1, 2, e2, 3, e3))
	if r := c.must(200, "GET", "/wh-mpu?uploads", nil); len(xmlField(r.body, "UploadId")) != 0 {
		t.Fatalf("the completed upload is still listed: %s", r.body)
	}
	parts, err := emu.Control().Objects(t.Context(), "s3.parts")
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 0 {
		t.Fatalf("%d part documents left after completion", len(parts))
	}
}

func TestS3_multipartRefusals(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := outscaleS3(t, emu)
	c.must(200, "PUT", "/wh-mpu-err", nil)
	key := "/wh-mpu-err/big"
	c.fails(404, "NoSuchBucket", "POST", "/wh-none/big?uploads", nil)
	c.fails(404, "NoSuchUpload", "PUT", key+"?partNumber=1&uploadId=nope", []byte("x"))
	c.fails(404, "NoSuchUpload", "POST", key+"?uploadId=nope", completion(1, `"x"`))
	c.fails(404, "NoSuchUpload", "DELETE", key+"?uploadId=nope", nil)

	id := c.upload(key)
	for _, n := range []string{"0", "10001", "x"} {
		c.fails(400, "InvalidArgument", "PUT", key+"?partNumber="+n+"&uploadId="+id, []byte("x"))
	}
	// An upload belongs to its key.
	c.fails(404, "NoSuchUpload", "PUT", "/wh-mpu-err/other?partNumber=1&uploadId="+id, []byte("x"))

	small1 := c.part(key, id, 1, []byte("small"))
	big2 := c.part(key, id, 2, bytes.Repeat([]byte("z"), partSize))
	small3 := c.part(key, id, 3, []byte("end"))

	c.fails(400, "MalformedXML", "POST", key+"?uploadId="+id, completion())
	c.fails(400, "MalformedXML", "POST", key+"?uploadId="+id, []byte("<Complete/>"))
	c.fails(400, "InvalidPartOrder", "POST", key+"?uploadId="+id, completion(2, big2, 3, small3, 1, small1))
	c.fails(400, "InvalidPartOrder", "POST", key+"?uploadId="+id, completion(2, big2, 2, big2))
	c.fails(400, "InvalidPart", "POST", key+"?uploadId="+id, completion(2, big2, 4, small3))
	c.fails(400, "InvalidPart", "POST", key+"?uploadId="+id, completion(2, big2, 3, `"00000000000000000000000000000000"`))
	// Every part but the last is at least 5 MiB.
	r := c.fails(400, "EntityTooSmall", "POST", key+"?uploadId="+id, completion(1, small1, 2, big2, 3, small3))
	if xmlField(r.body, "MinSizeAllowed")[0] != fmt.Sprint(partSize) || xmlField(r.body, "PartNumber")[0] != "1" {
		t.Fatalf("EntityTooSmall body: %s", r.body)
	}
	c.fails(404, "NoSuchKey", "GET", key, nil)
	// Refusals leave the upload as it was: a valid list of its parts completes it.
	r = c.must(200, "POST", key+"?uploadId="+id, completion(2, big2, 3, small3))
	if got := html.UnescapeString(xmlField(r.body, "ETag")[0]); got != multipartETag(big2, small3) {
		t.Fatalf("ETag %s, want %s", got, multipartETag(big2, small3))
	}
	if r := c.must(200, "HEAD", key, nil); r.header.Get("Content-Length") != fmt.Sprint(partSize+3) {
		t.Fatalf("HeadObject: %v", r.header)
	}

	// An aborted upload takes no more parts.
	id = c.upload(key)
	c.part(key, id, 1, []byte("x"))
	c.must(204, "DELETE", key+"?uploadId="+id, nil)
	c.fails(404, "NoSuchUpload", "PUT", key+"?partNumber=2&uploadId="+id, []byte("x"))
	c.fails(404, "NoSuchUpload", "DELETE", key+"?uploadId="+id, nil)
	c.fails(404, "NoSuchUpload", "GET", key+"?uploadId="+id, nil)
}

func TestS3_multipartVersionsLockAndConditions(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Now().UTC()
	cfg := emulator.DefaultConfig()
	cfg.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	emu := emutest.Start(t, &cfg)
	c := outscaleS3(t, emu)
	c.now = cfg.Now

	// An unversioned bucket keeps one null version per key.
	c.must(200, "PUT", "/wh-mpu-plain", nil)
	for range 2 {
		id := c.upload("/wh-mpu-plain/k")
		e := c.part("/wh-mpu-plain/k", id, 1, []byte("v"))
		c.must(200, "POST", "/wh-mpu-plain/k?uploadId="+id, completion(1, e))
	}
	if ids := xmlField(c.must(200, "GET", "/wh-mpu-plain?versions", nil).body, "VersionId"); len(ids) != 1 || ids[0] != "null" {
		t.Fatalf("versions of an unversioned bucket: %v", ids)
	}

	// If-None-Match: * on the completion: the first upload to finish wins.
	first, second := c.upload("/wh-mpu-plain/lock"), c.upload("/wh-mpu-plain/lock")
	e1 := c.part("/wh-mpu-plain/lock", first, 1, []byte("first"))
	e2 := c.part("/wh-mpu-plain/lock", second, 1, []byte("second"))
	c.must(200, "POST", "/wh-mpu-plain/lock?uploadId="+second, completion(1, e2), "If-None-Match", "*")
	c.fails(412, "PreconditionFailed", "POST", "/wh-mpu-plain/lock?uploadId="+first, completion(1, e1), "If-None-Match", "*")
	c.must(200, "GET", "/wh-mpu-plain/lock?uploadId="+first, nil) // still there to retry or abort
	c.fails(412, "PreconditionFailed", "POST", "/wh-mpu-plain/lock?uploadId="+first, completion(1, e1), "If-Match", `"0000"`)
	etag := c.must(200, "HEAD", "/wh-mpu-plain/lock", nil).header.Get("ETag")
	c.must(200, "POST", "/wh-mpu-plain/lock?uploadId="+first, completion(1, e1), "If-Match", etag)
	if r := c.must(200, "GET", "/wh-mpu-plain/lock", nil); string(r.body) != "first" {
		t.Fatalf("after If-Match: %q", r.body)
	}

	// Object lock: the bucket's default retention, counted from completion,
	// or the upload's own settings; every completion is a version.
	c.must(200, "PUT", "/wh-mpu-audit", nil, "X-Amz-Bucket-Object-Lock-Enabled", "true")
	olc := []byte(`<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>COMPLIANCE</Mode><Days>1</Days></DefaultRetention></Rule></ObjectLockConfiguration>`)
	c.must(200, "PUT", "/wh-mpu-audit?object-lock", olc, "Content-MD5", contentMD5(olc))
	id := c.upload("/wh-mpu-audit/session.log")
	e := c.part("/wh-mpu-audit/session.log", id, 1, []byte("recording"))
	mu.Lock()
	now = now.Add(time.Hour)
	completedAt := now
	mu.Unlock()
	version := c.must(200, "POST", "/wh-mpu-audit/session.log?uploadId="+id, completion(1, e)).header.Get("X-Amz-Version-Id")
	r := c.must(200, "GET", "/wh-mpu-audit/session.log?retention&versionId="+version, nil)
	if xmlField(r.body, "Mode")[0] != "COMPLIANCE" || !strings.HasPrefix(xmlField(r.body, "RetainUntilDate")[0], completedAt.AddDate(0, 0, 1).Format("2006-01-02T15")) {
		t.Fatalf("retention of a completed upload: %s", r.body)
	}
	c.fails(403, "AccessDenied", "DELETE", "/wh-mpu-audit/session.log?versionId="+version, nil)
	held := c.upload("/wh-mpu-audit/session.log", "X-Amz-Object-Lock-Legal-Hold", "ON")
	e = c.part("/wh-mpu-audit/session.log", held, 1, []byte("again"))
	v2 := c.must(200, "POST", "/wh-mpu-audit/session.log?uploadId="+held, completion(1, e)).header.Get("X-Amz-Version-Id")
	if v2 == version || v2 == "" {
		t.Fatalf("the second completion made no new version: %q", v2)
	}
	if r := c.must(200, "GET", "/wh-mpu-audit/session.log?legal-hold&versionId="+v2, nil); xmlField(r.body, "Status")[0] != "ON" {
		t.Fatalf("legal hold: %s", r.body)
	}
	c.fails(404, "NoSuchObjectLockConfiguration", "GET", "/wh-mpu-audit/session.log?retention&versionId="+v2, nil)
	// Lock headers need a bucket with object lock, and OUTSCALE's mode.
	c.fails(400, "InvalidRequest", "POST", "/wh-mpu-plain/x?uploads", nil, "X-Amz-Object-Lock-Legal-Hold", "ON")
	c.fails(400, "InvalidArgument", "POST", "/wh-mpu-audit/x?uploads", nil, "X-Amz-Object-Lock-Mode", "GOVERNANCE",
		"X-Amz-Object-Lock-Retain-Until-Date", now.Add(time.Hour).Format(time.RFC3339))
}

func TestS3_multipartEncryption(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := outscaleS3(t, emu)
	c.must(200, "PUT", "/wh-mpu-enc", nil)
	key := bytes.Repeat([]byte{7}, 32)
	sum := md5.Sum(key) //nolint:gosec // SSE-C key digest
	ssec := []string{"X-Amz-Server-Side-Encryption-Customer-Algorithm", "AES256",
		"X-Amz-Server-Side-Encryption-Customer-Key", base64.StdEncoding.EncodeToString(key),
		"X-Amz-Server-Side-Encryption-Customer-Key-Md5", base64.StdEncoding.EncodeToString(sum[:])}
	other := bytes.Repeat([]byte{8}, 32)
	osum := md5.Sum(other) //nolint:gosec // SSE-C key digest
	otherKey := []string{ssec[0], ssec[1], ssec[2], base64.StdEncoding.EncodeToString(other), ssec[4], base64.StdEncoding.EncodeToString(osum[:])}

	// SSE-C: the key is given at creation and again with every part.
	r := c.must(200, "POST", "/wh-mpu-enc/cohort?uploads", nil, ssec...)
	id := xmlField(r.body, "UploadId")[0]
	if r.header.Get("X-Amz-Server-Side-Encryption-Customer-Key-Md5") != ssec[5] {
		t.Fatalf("CreateMultipartUpload did not echo the key MD5: %v", r.header)
	}
	one, tail := bytes.Repeat([]byte("p"), partSize), []byte("patient secret rows")
	c.fails(400, "InvalidRequest", "PUT", "/wh-mpu-enc/cohort?partNumber=1&uploadId="+id, one)
	c.fails(400, "InvalidRequest", "PUT", "/wh-mpu-enc/cohort?partNumber=1&uploadId="+id, one, otherKey...)
	c.fails(400, "InvalidArgument", "PUT", "/wh-mpu-enc/cohort?partNumber=1&uploadId="+id, one, ssec[0], ssec[1], ssec[2], ssec[3], ssec[4], "AAAA")
	e1 := c.part("/wh-mpu-enc/cohort", id, 1, one, ssec...)
	e2 := c.part("/wh-mpu-enc/cohort", id, 2, tail, ssec...)
	c.fails(400, "InvalidRequest", "POST", "/wh-mpu-enc/cohort?uploadId="+id, completion(1, e1, 2, e2), otherKey...)
	r = c.must(200, "POST", "/wh-mpu-enc/cohort?uploadId="+id, completion(1, e1, 2, e2))
	if r.header.Get("X-Amz-Server-Side-Encryption-Customer-Algorithm") != "AES256" {
		t.Fatalf("CompleteMultipartUpload headers: %v", r.header)
	}
	c.fails(400, "InvalidRequest", "GET", "/wh-mpu-enc/cohort", nil)
	c.fails(403, "AccessDenied", "GET", "/wh-mpu-enc/cohort", nil, otherKey...)
	if r := c.must(200, "GET", "/wh-mpu-enc/cohort", nil, ssec...); !bytes.Equal(r.body, append(append([]byte{}, one...), tail...)) {
		t.Fatalf("GetObject with the key: %d bytes", len(r.body))
	}
	// The store holds neither the parts in clear nor the key.
	for _, coll := range []string{"s3.objects", "s3.parts", "s3.uploads"} {
		objects, err := emu.Control().Objects(t.Context(), coll)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objects {
			var doc struct{ Data []byte }
			_ = json.Unmarshal(o.Doc, &doc)
			if bytes.Contains(doc.Data, tail) || bytes.Contains(o.Doc, []byte(ssec[3])) {
				t.Fatalf("%s holds the data in clear or the key", coll)
			}
		}
	}
	// Parts of an upload made without a customer key take none.
	plain := c.upload("/wh-mpu-enc/plain")
	c.fails(400, "InvalidRequest", "PUT", "/wh-mpu-enc/plain?partNumber=1&uploadId="+plain, []byte("x"), ssec...)

	// The bucket's default encryption applies to uploads as to PutObject.
	enc := []byte(`<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`)
	c.must(200, "PUT", "/wh-mpu-enc?encryption", enc)
	r = c.must(200, "POST", "/wh-mpu-enc/default?uploads", nil)
	id = xmlField(r.body, "UploadId")[0]
	if r.header.Get("X-Amz-Server-Side-Encryption") != "AES256" {
		t.Fatalf("CreateMultipartUpload under default encryption: %v", r.header)
	}
	e := c.part("/wh-mpu-enc/default", id, 1, []byte("x"))
	c.must(200, "POST", "/wh-mpu-enc/default?uploadId="+id, completion(1, e))
	if r := c.must(200, "HEAD", "/wh-mpu-enc/default", nil); r.header.Get("X-Amz-Server-Side-Encryption") != "AES256" {
		t.Fatalf("HeadObject: %v", r.header)
	}
}

func TestS3_uploadPartCopy(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := outscaleS3(t, emu)
	c.must(200, "PUT", "/wh-mpu-copy", nil)
	source := append(bytes.Repeat([]byte("s"), partSize), []byte("rest of the source")...)
	c.must(200, "PUT", "/wh-mpu-copy/source", source)
	id := c.upload("/wh-mpu-copy/dest")
	copyPart := func(n int, rng string) string {
		r := c.must(200, "PUT", fmt.Sprintf("/wh-mpu-copy/dest?partNumber=%d&uploadId=%s", n, id), nil,
			"X-Amz-Copy-Source", "/wh-mpu-copy/source", "X-Amz-Copy-Source-Range", rng)
		etag := xmlField(r.body, "ETag")
		if len(etag) != 1 {
			t.Fatalf("UploadPartCopy: %s", r.body)
		}
		return html.UnescapeString(etag[0])
	}
	e1 := copyPart(1, fmt.Sprintf("bytes=0-%d", partSize-1))
	e2 := copyPart(2, fmt.Sprintf("bytes=%d-%d", partSize, len(source)-1))
	c.fails(400, "InvalidArgument", "PUT", "/wh-mpu-copy/dest?partNumber=3&uploadId="+id, nil,
		"X-Amz-Copy-Source", "/wh-mpu-copy/source", "X-Amz-Copy-Source-Range", fmt.Sprintf("bytes=0-%d", len(source)))
	c.fails(404, "NoSuchKey", "PUT", "/wh-mpu-copy/dest?partNumber=3&uploadId="+id, nil, "X-Amz-Copy-Source", "/wh-mpu-copy/missing")
	c.fails(400, "InvalidArgument", "PUT", "/wh-mpu-copy/dest?partNumber=3&uploadId="+id, nil, "X-Amz-Copy-Source", "wh-mpu-copy")
	c.must(200, "POST", "/wh-mpu-copy/dest?uploadId="+id, completion(1, e1, 2, e2))
	if r := c.must(200, "GET", "/wh-mpu-copy/dest", nil); !bytes.Equal(r.body, source) {
		t.Fatalf("the copy differs from its source (%d bytes)", len(r.body))
	}
}
