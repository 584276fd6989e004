package emulator_test

import (
	"bytes"
	"crypto/md5" //nolint:gosec // SSE-C key digests are MD5 by definition
	"encoding/base64"
	"strconv"
	"testing"

	"github.com/sovhealth/terraform-provider-health/internal/emulator"
)

// A user policy denying s3:PutObject without the SSE-C algorithm header (a
// Null condition) covers every call S3 authorizes as s3:PutObject, as on
// AWS: PutObject, CreateMultipartUpload, UploadPart and
// CompleteMultipartUpload, which must then repeat the SSE-C headers. A
// HEAD of the SSE-C object without its key is refused with 400, and one of
// an object under the store's key answers with its algorithm: what a
// compliance report samples.
func TestOVHStorage_customerKeyPolicyCoversUploads(t *testing.T) {
	t.Parallel()
	emu := startFrozenOVH(t)
	o := newOVHStorageAPI(t, emu)
	owner, s3c := ovhUser(t, o, "health_warehouse_storage wh-ovh-ssec")
	ownerID, _ := strconv.ParseInt(owner, 10, 64)
	o.ok("POST", o.regional(emulator.DefaultOVHRegion, "/storage"), ovhObj{"name": "wh-ovh-ssec", "ownerId": ownerID,
		"encryption": ovhObj{"sseAlgorithm": "AES256"}})
	key := bytes.Repeat([]byte{9}, 32)
	sum := md5.Sum(key) //nolint:gosec // SSE-C key digest
	ssec := []string{"X-Amz-Server-Side-Encryption-Customer-Algorithm", "AES256",
		"X-Amz-Server-Side-Encryption-Customer-Key", base64.StdEncoding.EncodeToString(key),
		"X-Amz-Server-Side-Encryption-Customer-Key-Md5", base64.StdEncoding.EncodeToString(sum[:])}

	// Before the deny: an object under the store's key.
	s3c.must(200, "PUT", "/wh-ovh-ssec/before.csv", []byte("rows"))
	if r := s3c.must(200, "HEAD", "/wh-ovh-ssec/before.csv", nil); r.header.Get("X-Amz-Server-Side-Encryption") != "AES256" {
		t.Fatalf("HEAD of an object under the store's key: %v", r.header)
	}

	o.ok("POST", o.in("/user/"+owner+"/policy"), ovhObj{"policy": `{"Statement":[` +
		`{"Sid":"AllowBucket","Effect":"Allow","Action":["s3:*"],"Resource":["arn:aws:s3:::wh-ovh-ssec","arn:aws:s3:::wh-ovh-ssec/*"]},` +
		`{"Sid":"DenyWritesWithoutCustomerKey","Effect":"Deny","Action":["s3:PutObject"],"Resource":["arn:aws:s3:::wh-ovh-ssec/*"],` +
		`"Condition":{"Null":{"s3:x-amz-server-side-encryption-customer-algorithm":["true"]}}}]}`})

	// Without SSE-C: refused, whether the store's own encryption is asked or not.
	s3c.fails(403, "AccessDenied", "PUT", "/wh-ovh-ssec/plain.csv", []byte("rows"))
	s3c.fails(403, "AccessDenied", "PUT", "/wh-ovh-ssec/plain.csv", []byte("rows"), "X-Amz-Server-Side-Encryption", "AES256")
	s3c.fails(403, "AccessDenied", "POST", "/wh-ovh-ssec/big.csv?uploads", nil)

	// With SSE-C: a multipart upload whose every call carries the key.
	id := s3c.upload("/wh-ovh-ssec/big.csv", ssec...)
	s3c.fails(403, "AccessDenied", "PUT", "/wh-ovh-ssec/big.csv?partNumber=1&uploadId="+id, []byte("part"))
	e1 := s3c.part("/wh-ovh-ssec/big.csv", id, 1, []byte("part"), ssec...)
	s3c.fails(403, "AccessDenied", "POST", "/wh-ovh-ssec/big.csv?uploadId="+id, completion(1, e1))
	s3c.must(200, "POST", "/wh-ovh-ssec/big.csv?uploadId="+id, completion(1, e1), ssec...)

	// Reads are not writes: the object under the store's key is still read,
	// and the SSE-C one only with its key.
	s3c.must(200, "GET", "/wh-ovh-ssec/before.csv", nil)
	if r := s3c.call("HEAD", "/wh-ovh-ssec/big.csv", nil); r.status != 400 {
		t.Fatalf("HEAD of an SSE-C object without its key: %d, want 400", r.status)
	}
	if r := s3c.must(200, "GET", "/wh-ovh-ssec/big.csv", nil, ssec...); string(r.body) != "part" {
		t.Fatalf("GET with the key: %q", r.body)
	}
}
