package emulator_test

import (
	"bytes"
	"crypto/md5"  //nolint:gosec // SSE-C key digests are MD5 by definition
	"crypto/sha1" //nolint:gosec // the OVH signature is SHA-1 by definition
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/emulator"
)

// These tests speak raw HTTP to the emulated OVHcloud object storage calls
// (users, S3 credentials, user policies, region storage), and check every
// request and answer against testdata/ovh-cloud-storage-schema.json (see
// testdata/README.md); the buckets they make are then used through the S3
// endpoint with the users' credentials.

var (
	storageSchemaOnce sync.Once
	storageSchema     *ovhSchema
	storageSchemaErr  error
)

func newOVHStorageAPI(t *testing.T, emu *emulator.Emulator) *ovhAPI {
	t.Helper()
	storageSchemaOnce.Do(func() {
		raw, err := os.ReadFile("testdata/ovh-cloud-storage-schema.json")
		if err != nil {
			storageSchemaErr = err
			return
		}
		storageSchema = &ovhSchema{}
		storageSchemaErr = json.Unmarshal(raw, storageSchema)
		// The checker reads path values as the strings they are in a URL;
		// {userId} is a long, which ovhUser checks is all digits.
		for i := range storageSchema.APIs {
			for j := range storageSchema.APIs[i].Operations {
				for k, p := range storageSchema.APIs[i].Operations[j].Parameters {
					if p.ParamType == "path" && p.DataType == "long" {
						storageSchema.APIs[i].Operations[j].Parameters[k].DataType = "string"
					}
				}
			}
		}
	})
	if storageSchemaErr != nil {
		t.Fatal(storageSchemaErr)
	}
	o := newOVHAPI(t, emu)
	o.schema = storageSchema
	return o
}

// ovhUser makes a user with the object storage role, waits until it is ok,
// and gives it S3 credentials. It returns the user id and an S3 client.
func ovhUser(t *testing.T, o *ovhAPI, description string) (string, *s3Client) {
	t.Helper()
	created := o.ok("POST", o.in("/user"), ovhObj{"description": description, "role": "objectstore_operator"})
	if ovhStr(created, "status") != "creating" || ovhStr(created, "password") == "" {
		t.Fatalf("user creation: %v", created)
	}
	id := ovhNumber(created, "id")
	if _, err := strconv.ParseInt(id, 10, 64); err != nil {
		t.Fatalf("user id %q is not a long", id)
	}
	// Credentials wait for the user to be ready.
	o.fails("POST", o.in("/user/"+id+"/s3Credentials"), nil, 400, "Client::BadRequest")
	if s := ovhStr(o.ok("GET", o.in("/user/"+id), nil), "status"); s != "creating" {
		t.Fatalf("first read of a new user: %s", s)
	}
	if s := ovhStr(o.ok("GET", o.in("/user/"+id), nil), "status"); s != "ok" {
		t.Fatalf("second read of a new user: %s", s)
	}
	cred := o.ok("POST", o.in("/user/"+id+"/s3Credentials"), nil)
	access, secret := ovhStr(cred, "access"), ovhStr(cred, "secret")
	if access == "" || secret == "" || ovhStr(cred, "userId") != id {
		t.Fatalf("S3 credentials: %v", cred)
	}
	return id, &s3Client{t: t, emu: o.emu, ak: access, sk: secret, region: "eu-west-par"}
}

func TestOVHStorage_usersAndCredentials(t *testing.T) {
	t.Parallel()
	emu := startFrozenOVH(t)
	o := newOVHStorageAPI(t, emu)
	assertOVHClass(t, o.callInvalid("POST", o.in("/user"), `{"role":"superuser"}`), 400, "Client::BadRequest")
	id, s3c := ovhUser(t, o, "health_warehouse_storage wh-creds")

	// The secret shows only at creation and through …/secret.
	list := o.ok("GET", o.in("/user/"+id+"/s3Credentials"), nil)
	if ovhLen(list) != 1 || ovhDig(list, 0, "secret") != nil {
		t.Fatalf("credential list: %v", list)
	}
	if got := o.ok("GET", o.in("/user/"+id+"/s3Credentials/"+s3c.ak), nil); ovhDig(got, "secret") != nil {
		t.Fatalf("credential read shows the secret: %v", got)
	}
	if got := o.ok("POST", o.in("/user/"+id+"/s3Credentials/"+s3c.ak+"/secret"), nil); ovhStr(got, "secret") != s3c.sk {
		t.Fatalf("…/secret: %v", got)
	}
	o.fails("GET", o.in("/user/"+id+"/s3Credentials/0000"), nil, 404, "Client::NotFound")
	o.fails("GET", o.in("/user/999999"), nil, 404, "Client::NotFound")

	// The user policy is checked as a policy document.
	o.fails("POST", o.in("/user/"+id+"/policy"), ovhObj{"policy": "{}"}, 400, "Client::BadRequest")
	o.fails("POST", o.in("/user/"+id+"/policy"), ovhObj{"policy": `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}`},
		400, "Client::BadRequest")
	policy := `{"Statement":[{"Sid":"Everything","Effect":"Allow","Action":["s3:*"],"Resource":["*"]}]}`
	o.ok("POST", o.in("/user/"+id+"/policy"), ovhObj{"policy": policy})
	if got := o.ok("GET", o.in("/user/"+id+"/policy"), nil); ovhStr(got, "policy") != policy {
		t.Fatalf("policy: %v", got)
	}

	// S3 answers the user's keys until the user is deleted.
	s3c.must(200, "GET", "/", nil)
	o.ok("DELETE", o.in("/user/"+id), nil)
	if s := ovhStr(o.ok("GET", o.in("/user/"+id), nil), "status"); s != "deleting" {
		t.Fatalf("read of a deleted user: %s", s)
	}
	o.fails("GET", o.in("/user/"+id), nil, 404, "Client::NotFound")
	s3c.fails(403, "InvalidAccessKeyId", "GET", "/", nil)
	if left := ovhObjects(t, emu); len(left) != 0 {
		t.Fatalf("left after the user's deletion: %v", left)
	}
}

func TestOVHStorage_bucketsAndUserPolicies(t *testing.T) {
	t.Parallel()
	emu := startFrozenOVH(t)
	o := newOVHStorageAPI(t, emu)
	region := emulator.DefaultOVHRegion
	owner, s3c := ovhUser(t, o, "health_warehouse_storage wh-ovh-raw")
	ownerID, _ := strconv.ParseInt(owner, 10, 64)

	o.fails("POST", o.regional(region, "/storage"), ovhObj{"name": "Bad_Name"}, 400, "Client::BadRequest")
	o.fails("POST", o.regional(region, "/storage"), ovhObj{"name": "wh-ovh-x", "ownerId": 4242}, 400, "Client::BadRequest")
	o.fails("POST", o.regional("NOWHERE", "/storage"), ovhObj{"name": "wh-ovh-x"}, 404, "Client::NotFound")
	made := o.ok("POST", o.regional(region, "/storage"), ovhObj{"name": "wh-ovh-raw", "ownerId": ownerID,
		"encryption": ovhObj{"sseAlgorithm": "AES256"}, "versioning": ovhObj{"status": "enabled"}})
	if ovhStr(made, "encryption", "sseAlgorithm") != "AES256" || ovhStr(made, "versioning", "status") != "enabled" ||
		ovhNumber(made, "ownerId") != owner {
		t.Fatalf("created bucket: %v", made)
	}
	o.fails("POST", o.regional(region, "/storage"), ovhObj{"name": "wh-ovh-raw"}, 409, "Client::Conflict")

	// The bucket is the S3 endpoint's too, with the settings the API set.
	if r := s3c.must(200, "GET", "/wh-ovh-raw?encryption", nil); xmlField(r.body, "SSEAlgorithm")[0] != "AES256" {
		t.Fatalf("S3 default encryption: %s", r.body)
	}
	if r := s3c.must(200, "GET", "/wh-ovh-raw?versioning", nil); xmlField(r.body, "Status")[0] != "Enabled" {
		t.Fatalf("S3 versioning: %s", r.body)
	}
	// OVHcloud has no bucket policies.
	s3c.fails(501, "NotImplemented", "PUT", "/wh-ovh-raw?policy",
		[]byte(`{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::wh-ovh-raw/*"}]}`))

	// The owner's user policy: TLS only, writes only with a customer key.
	policy := `{"Statement":[` +
		`{"Sid":"AllowBucket","Effect":"Allow","Action":["s3:*"],"Resource":["arn:aws:s3:::wh-ovh-raw","arn:aws:s3:::wh-ovh-raw/*"]},` +
		`{"Sid":"DenyInsecureTransport","Effect":"Deny","Action":["s3:*"],"Resource":["arn:aws:s3:::wh-ovh-raw","arn:aws:s3:::wh-ovh-raw/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}},` +
		`{"Sid":"DenyOutsideNetwork","Effect":"Deny","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::wh-ovh-raw/*"],"Condition":{"NotIpAddress":{"aws:SourceIp":["198.51.100.7/32"]}}},` +
		`{"Sid":"DenyWithoutCustomerKey","Effect":"Deny","Action":["s3:PutObject"],"Resource":["arn:aws:s3:::wh-ovh-raw/*"],"Condition":{"Null":{"s3:x-amz-server-side-encryption-customer-algorithm":"true"}}}]}`
	o.ok("POST", o.in("/user/"+owner+"/policy"), ovhObj{"policy": policy})
	s3c.fails(403, "AccessDenied", "PUT", "/wh-ovh-raw/cohort.csv", []byte("rows"))
	key := bytes.Repeat([]byte{3}, 32)
	sum := md5.Sum(key) //nolint:gosec // SSE-C key digest
	ssec := []string{"X-Amz-Server-Side-Encryption-Customer-Algorithm", "AES256",
		"X-Amz-Server-Side-Encryption-Customer-Key", base64.StdEncoding.EncodeToString(key),
		"X-Amz-Server-Side-Encryption-Customer-Key-Md5", base64.StdEncoding.EncodeToString(sum[:])}
	s3c.must(200, "PUT", "/wh-ovh-raw/cohort.csv", []byte("rows"), ssec...)
	s3c.fails(403, "AccessDenied", "GET", "/wh-ovh-raw?versioning", nil, "X-Emulator-Transport", "plain")
	// 127.0.0.1 is outside the allowed source.
	s3c.fails(403, "AccessDenied", "GET", "/wh-ovh-raw/cohort.csv", nil, ssec...)
	s3c.must(200, "HEAD", "/wh-ovh-raw", nil)

	// Another user of the project is neither the owner nor allowed.
	_, intruder := ovhUser(t, o, "someone else")
	intruder.fails(403, "AccessDenied", "HEAD", "/wh-ovh-raw", nil)
	outscale := outscaleS3(t, emu)
	outscale.fails(403, "AccessDenied", "GET", "/wh-ovh-raw?versioning", nil)

	// The API counts the current objects.
	got := o.ok("GET", o.regional(region, "/storage/wh-ovh-raw"), nil)
	if ovhNumber(got, "objectsCount") != "1" || ovhStr(got, "objects", 0, "key") != "cohort.csv" {
		t.Fatalf("bucket read: %v", got)
	}
	if ovhLen(o.ok("GET", o.regional(region, "/storage"), nil)) != 1 {
		t.Fatal("the bucket is not listed")
	}
	if ovhLen(o.ok("GET", o.regional(region, "/storage/wh-ovh-raw?prefix=other"), nil), "objects") != 0 {
		t.Fatal("prefix ignored")
	}

	// Settings change through PUT; versioning cannot go back to disabled.
	o.fails("PUT", o.regional(region, "/storage/wh-ovh-raw"), ovhObj{"versioning": ovhObj{"status": "disabled"}}, 400, "Client::BadRequest")
	changed := o.ok("PUT", o.regional(region, "/storage/wh-ovh-raw"), ovhObj{"versioning": ovhObj{"status": "suspended"},
		"encryption": ovhObj{"sseAlgorithm": "plaintext"}})
	if ovhStr(changed, "versioning", "status") != "suspended" || ovhStr(changed, "encryption", "sseAlgorithm") != "plaintext" {
		t.Fatalf("update: %v", changed)
	}

	// A bucket with versions cannot be deleted.
	o.fails("DELETE", o.regional(region, "/storage/wh-ovh-raw"), nil, 409, "Client::Conflict")
	versions := s3c.must(200, "GET", "/wh-ovh-raw?versions", nil)
	for _, v := range xmlField(versions.body, "VersionId") {
		s3c.must(204, "DELETE", "/wh-ovh-raw/cohort.csv?versionId="+v, nil)
	}
	o.ok("DELETE", o.regional(region, "/storage/wh-ovh-raw"), nil)
	o.fails("GET", o.regional(region, "/storage/wh-ovh-raw"), nil, 404, "Client::NotFound")
}

func TestOVHStorage_objectLockAndTags(t *testing.T) {
	t.Parallel()
	emu := startFrozenOVH(t)
	o := newOVHStorageAPI(t, emu)
	region := emulator.DefaultOVHRegion
	owner, s3c := ovhUser(t, o, "health_warehouse_storage wh-ovh-audit")
	ownerID, _ := strconv.ParseInt(owner, 10, 64)
	o.fails("POST", o.regional(region, "/storage"), ovhObj{"name": "wh-ovh-audit", "objectLock": ovhObj{"status": "enabled",
		"rule": ovhObj{"mode": "governance", "period": "30 days"}}}, 400, "Client::BadRequest")
	made := o.ok("POST", o.regional(region, "/storage"), ovhObj{"name": "wh-ovh-audit", "ownerId": ownerID,
		"objectLock": ovhObj{"status": "enabled", "rule": ovhObj{"mode": "governance", "period": "P2D"}}})
	if ovhStr(made, "objectLock", "status") != "enabled" || ovhStr(made, "objectLock", "rule", "period") != "P2D" ||
		ovhStr(made, "versioning", "status") != "enabled" {
		t.Fatalf("bucket with object lock: %v", made)
	}
	// OVHcloud has the GOVERNANCE mode, which the owner may bypass.
	if r := s3c.must(200, "GET", "/wh-ovh-audit?object-lock", nil); xmlField(r.body, "Mode")[0] != "GOVERNANCE" || xmlField(r.body, "Days")[0] != "2" {
		t.Fatalf("object lock: %s", r.body)
	}
	v := s3c.must(200, "PUT", "/wh-ovh-audit/log", []byte("x")).header.Get("X-Amz-Version-Id")
	s3c.fails(403, "AccessDenied", "DELETE", "/wh-ovh-audit/log?versionId="+v, nil)
	s3c.must(204, "DELETE", "/wh-ovh-audit/log?versionId="+v, nil, "X-Amz-Bypass-Governance-Retention", "true")

	// Tags given at creation are the S3 bucket's tags. The answer carries a
	// map the schema checker does not model, so it is read unchecked.
	r := ovhUnchecked(t, o, "POST", o.regional(region, "/storage"), ovhObj{"name": "wh-ovh-tagged", "ownerId": ownerID,
		"tags": ovhObj{"zone": "results"}})
	if r.status != 200 || !bytes.Contains(r.body, []byte(`"tags":{"zone":"results"}`)) {
		t.Fatalf("bucket with tags: HTTP %d %s", r.status, r.body)
	}
	if r := s3c.must(200, "GET", "/wh-ovh-tagged?tagging", nil); xmlField(r.body, "Value")[0] != "results" {
		t.Fatalf("S3 tags: %s", r.body)
	}
}

// ovhNumber is the number at path, as text ("" when it is not a number).
func ovhNumber(v any, path ...any) string {
	n, _ := ovhDig(v, path...).(json.Number)
	return n.String()
}

// ovhUnchecked signs and sends a call as ovhAPI.send does, without
// checking the request or the answer against the schema.
func ovhUnchecked(t *testing.T, o *ovhAPI, method, path string, body any) response {
	t.Helper()
	raw := ovhMarshal(t, body)
	target := o.emu.OVHEndpoint() + path
	req, err := http.NewRequest(method, target, bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json;charset=utf-8")
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	sum := sha1.Sum([]byte(o.as + "+" + o.ck + "+" + method + "+" + target + "+" + string(raw) + "+" + ts)) //nolint:gosec // OVH formula
	req.Header.Set("X-Ovh-Application", o.ak)
	req.Header.Set("X-Ovh-Consumer", o.ck)
	req.Header.Set("X-Ovh-Timestamp", ts)
	req.Header.Set("X-Ovh-Signature", "$1$"+hex.EncodeToString(sum[:]))
	return send(t, req)
}
