package emulator_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
)

// Who may do what on OVHcloud Object Storage: a user's policy, then the
// ACLs, under which only a bucket's owner has access; everything else is
// refused.

// rwPolicy is the OVHcloud guide's read/write user policy for one bucket.
func rwPolicy(bucket string) string {
	return `{"Statement":[{"Sid":"RWContainer","Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:DeleteObject",` +
		`"s3:ListBucket","s3:ListMultipartUploadParts","s3:ListBucketMultipartUploads","s3:AbortMultipartUpload","s3:GetBucketLocation"],` +
		`"Resource":["arn:aws:s3:::` + bucket + `","arn:aws:s3:::` + bucket + `/*"]}]}`
}

func TestS3_ovhUserPolicyDeniesByDefault(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	o := newOVHStorageAPI(t, emu)
	region := emulator.DefaultOVHRegion
	ownerA, a := ovhUser(t, o, "owner of wh-acl-a")
	idA, _ := strconv.ParseInt(ownerA, 10, 64)
	o.ok("POST", o.regional(region, "/storage"), ovhObj{"name": "wh-acl-a", "ownerId": idA})
	ownerB, _ := ovhUser(t, o, "owner of wh-acl-b")
	idB, _ := strconv.ParseInt(ownerB, 10, 64)
	o.ok("POST", o.regional(region, "/storage"), ovhObj{"name": "wh-acl-b", "ownerId": idB})
	// A bucket made through the API without naming its owner.
	o.ok("POST", o.regional(region, "/storage"), ovhObj{"name": "wh-acl-c"})

	// A user whose policy is the guide's read/write access to bucket A.
	readerID, reader := ovhUser(t, o, "reader of wh-acl-a")
	o.ok("POST", o.in("/user/"+readerID+"/policy"), ovhObj{"policy": rwPolicy("wh-acl-a")})
	reader.must(200, "PUT", "/wh-acl-a/data.csv", []byte("rows"))
	reader.must(200, "GET", "/wh-acl-a/data.csv", nil)
	reader.must(200, "GET", "/wh-acl-a?list-type=2", nil)
	// Nothing the policy does not allow, on no other bucket.
	for _, bucket := range []string{"wh-acl-c", "wh-acl-b"} {
		reader.fails(403, "AccessDenied", "PUT", "/"+bucket+"/data.csv", []byte("rows"))
		reader.fails(403, "AccessDenied", "GET", "/"+bucket+"?list-type=2", nil)
	}
	reader.fails(403, "AccessDenied", "PUT", "/wh-acl-a?tagging", []byte(`<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>`))
	reader.fails(403, "AccessDenied", "PUT", "/wh-acl-new", nil)
	reader.fails(403, "AccessDenied", "GET", "/", nil)
	// Multipart uploads too: the guide's actions on bucket A only.
	id := reader.upload("/wh-acl-a/big")
	reader.must(200, "GET", "/wh-acl-a?uploads", nil)
	reader.must(200, "GET", "/wh-acl-a/big?uploadId="+id, nil)
	reader.must(204, "DELETE", "/wh-acl-a/big?uploadId="+id, nil)
	reader.fails(403, "AccessDenied", "POST", "/wh-acl-c/big?uploads", nil)
	reader.fails(403, "AccessDenied", "GET", "/wh-acl-c?uploads", nil)
	// Presigned URLs go through the same checks.
	if r := fetch(t, "GET", reader.presign("GET", "/wh-acl-a/data.csv", time.Hour), nil); r.status != 200 || string(r.body) != "rows" {
		t.Fatalf("presigned GET within the policy: %d %s", r.status, r.body)
	}
	assertS3Error(t, fetch(t, "PUT", reader.presign("PUT", "/wh-acl-c/data.csv", time.Hour), []byte("rows")), 403, "AccessDenied")

	// A user without a policy has the ACLs: its own buckets, and new ones.
	a.must(200, "PUT", "/wh-acl-a/own.csv", []byte("rows"))
	a.fails(403, "AccessDenied", "PUT", "/wh-acl-c/data.csv", []byte("rows"))
	a.fails(403, "AccessDenied", "GET", "/wh-acl-b?list-type=2", nil)
	a.must(200, "PUT", "/wh-acl-mine", nil)
	a.must(200, "PUT", "/wh-acl-mine/x", []byte("x"))
	reader.fails(403, "AccessDenied", "GET", "/wh-acl-mine/x", nil)

	// The owner of a bucket keeps its FULL_CONTROL grant whatever its policy
	// leaves out (OVHcloud: no implicit deny for the bucket owner); only an
	// explicit Deny takes it away.
	o.ok("POST", o.in("/user/"+ownerA+"/policy"), ovhObj{"policy": rwPolicy("wh-acl-mine")})
	a.must(200, "PUT", "/wh-acl-a/still-mine.csv", []byte("rows"))
	a.fails(403, "AccessDenied", "PUT", "/wh-acl-c/data.csv", []byte("rows"))
	a.fails(403, "AccessDenied", "PUT", "/wh-acl-other", nil)
	o.ok("POST", o.in("/user/"+ownerA+"/policy"), ovhObj{"policy": `{"Statement":[{"Effect":"Deny","Action":["s3:PutObject"],` +
		`"Resource":["arn:aws:s3:::wh-acl-a/*"]}]}`})
	a.fails(403, "AccessDenied", "PUT", "/wh-acl-a/denied.csv", []byte("rows"))
	a.must(200, "GET", "/wh-acl-a/own.csv", nil)
}

// A user policy that lets a user list one prefix of a bucket only, as a
// research workspace's does for a dataset: s3:ListBucket under a
// StringLike condition on s3:prefix, evaluated with S3's semantics (a
// listing without a prefix, or outside it, is refused). Whether OVHcloud
// evaluates s3:prefix is unverified.
func TestS3_ovhUserPolicyListsGrantedPrefixOnly(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	o := newOVHStorageAPI(t, emu)
	ownerID, owner := ovhUser(t, o, "owner of wh-prefix")
	id, _ := strconv.ParseInt(ownerID, 10, 64)
	o.ok("POST", o.regional(emulator.DefaultOVHRegion, "/storage"), ovhObj{"name": "wh-prefix", "ownerId": id})
	owner.must(200, "PUT", "/wh-prefix/cohort-a/rows.csv", []byte("a"))
	owner.must(200, "PUT", "/wh-prefix/cohort-b/rows.csv", []byte("b"))

	readerID, reader := ovhUser(t, o, "reader of wh-prefix/cohort-a/")
	o.ok("POST", o.in("/user/"+readerID+"/policy"), ovhObj{"policy": `{"Version":"2012-10-17","Statement":[` +
		`{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::wh-prefix/cohort-a/*"]},` +
		`{"Effect":"Allow","Action":["s3:ListBucket"],"Resource":["arn:aws:s3:::wh-prefix"],` +
		`"Condition":{"StringLike":{"s3:prefix":["cohort-a/*"]}}}]}`})
	for _, list := range []string{"/wh-prefix?list-type=2&prefix=cohort-a/", "/wh-prefix?prefix=cohort-a/rows"} {
		reader.must(200, "GET", list, nil)
	}
	reader.must(200, "GET", "/wh-prefix/cohort-a/rows.csv", nil)
	for _, list := range []string{"/wh-prefix?list-type=2", "/wh-prefix?list-type=2&prefix=", "/wh-prefix?list-type=2&prefix=cohort-b/",
		"/wh-prefix", "/wh-prefix?list-type=2&prefix=cohort-"} {
		reader.fails(403, "AccessDenied", "GET", list, nil)
	}
	reader.fails(403, "AccessDenied", "GET", "/wh-prefix/cohort-b/rows.csv", nil)
}
