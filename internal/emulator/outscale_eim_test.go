package emulator_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
)

// EIM users, their access keys and policies through OAPI, and OOS
// requests signed with an EIM user's key, authorized by its policies alone.

// eim sends an OAPI call with the account's keys and decodes the answer.
func eim(t *testing.T, emu *emulator.Emulator, action, body string) map[string]any {
	t.Helper()
	r := oapi(t, emu, action, body, emulator.DefaultOutscaleAccessKey, emulator.DefaultOutscaleSecretKey, time.Now())
	if r.status != 200 {
		t.Fatalf("%s: HTTP %d: %s", action, r.status, r.body)
	}
	return r.json(t)
}

func TestOutscale_eimUsersKeysAndPolicies(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	now := time.Now()

	out := eim(t, emu, "CreateUser", `{"UserName":"wh-audit-shipper","Path":"/health/"}`)
	if str(out, "User", "UserName") != "wh-audit-shipper" || str(out, "User", "UserId") == "" || str(out, "User", "Path") != "/health/" {
		t.Fatalf("CreateUser: %v", out)
	}
	assertOAPIError(t, oapi(t, emu, "CreateUser", `{"UserName":"wh-audit-shipper"}`, emulator.DefaultOutscaleAccessKey,
		emulator.DefaultOutscaleSecretKey, now), 409, "9073", "ResourceConflict")
	assertOAPIError(t, oapi(t, emu, "CreateUser", `{}`, emulator.DefaultOutscaleAccessKey, emulator.DefaultOutscaleSecretKey, now),
		400, "7000", "MissingParameter")
	assertOAPIError(t, oapi(t, emu, "CreateUser", `{"UserName":"a b"}`, emulator.DefaultOutscaleAccessKey, emulator.DefaultOutscaleSecretKey, now),
		400, "4078", "InvalidParameterValue")
	if users := eim(t, emu, "ReadUsers", `{}`); length(users, "Users") != 1 {
		t.Fatalf("ReadUsers: %v", users)
	}

	doc := `{"Statement":[{"Effect":"Allow","Action":["s3:PutObject"],"Resource":["arn:aws:s3:::wh-eim-audit/bastions/*"]}]}`
	body, _ := json.Marshal(map[string]string{"PolicyName": "wh-audit-write-only", "Document": doc, "Description": "ships the audit trail"})
	policy := eim(t, emu, "CreatePolicy", string(body))
	orn := str(policy, "Policy", "Orn")
	if !strings.HasPrefix(orn, "orn:ows:idauth::"+emulator.DefaultOutscaleAccountID+":policy/") || dig(policy, "Policy", "IsLinkable") != true {
		t.Fatalf("CreatePolicy: %v", policy)
	}
	assertOAPIError(t, oapi(t, emu, "CreatePolicy", `{"PolicyName":"bad","Document":"not json"}`, emulator.DefaultOutscaleAccessKey,
		emulator.DefaultOutscaleSecretKey, now), 400, "4078", "InvalidParameterValue")
	assertOAPIError(t, oapi(t, emu, "LinkPolicy", `{"PolicyOrn":"not-an-orn","UserName":"wh-audit-shipper"}`,
		emulator.DefaultOutscaleAccessKey, emulator.DefaultOutscaleSecretKey, now), 400, "4078", "InvalidParameterValue")
	eim(t, emu, "LinkPolicy", `{"PolicyOrn":"`+orn+`","UserName":"wh-audit-shipper"}`)
	if linked := eim(t, emu, "ReadLinkedPolicies", `{"UserName":"wh-audit-shipper"}`); length(linked, "Policies") != 1 ||
		str(linked, "Policies", 0, "Orn") != orn {
		t.Fatalf("ReadLinkedPolicies: %v", linked)
	}
	if p := eim(t, emu, "ReadPolicy", `{"PolicyOrn":"`+orn+`"}`); dig(p, "Policy", "ResourcesCount") != float64(1) {
		t.Fatalf("ReadPolicy: %v", p)
	}

	key := eim(t, emu, "CreateAccessKey", `{"UserName":"wh-audit-shipper"}`)
	ak, sk := str(key, "AccessKey", "AccessKeyId"), str(key, "AccessKey", "SecretKey")
	if ak == "" || sk == "" || str(key, "AccessKey", "State") != "ACTIVE" {
		t.Fatalf("CreateAccessKey: %v", key)
	}
	keys := oapi(t, emu, "ReadAccessKeys", `{"UserName":"wh-audit-shipper"}`, emulator.DefaultOutscaleAccessKey, emulator.DefaultOutscaleSecretKey, now)
	if keys.status != 200 || !strings.Contains(string(keys.body), ak) || strings.Contains(string(keys.body), sk) {
		t.Fatalf("ReadAccessKeys must list the key without its secret: %s", keys.body)
	}

	// OOS with the user's key: its policy alone decides, deny by default.
	account := outscaleS3(t, emu)
	account.must(200, "PUT", "/wh-eim-audit", nil)
	account.must(200, "PUT", "/wh-eim-other", nil)
	shipper := &s3Client{t: t, emu: emu, ak: ak, sk: sk, region: emulator.DefaultOutscaleRegion}
	shipper.must(200, "PUT", "/wh-eim-audit/bastions/bastion-1/journal/j1.export.gz", []byte("journal"))
	shipper.fails(403, "AccessDenied", "PUT", "/wh-eim-audit/elsewhere.txt", []byte("x"))
	shipper.fails(403, "AccessDenied", "GET", "/wh-eim-audit/bastions/bastion-1/journal/j1.export.gz", nil)
	shipper.fails(403, "AccessDenied", "DELETE", "/wh-eim-audit/bastions/bastion-1/journal/j1.export.gz", nil)
	shipper.fails(403, "AccessDenied", "GET", "/wh-eim-audit?list-type=2", nil)
	shipper.fails(403, "AccessDenied", "PUT", "/wh-eim-other/bastions/x", []byte("x"))
	shipper.fails(403, "AccessDenied", "GET", "/", nil)
	shipper.fails(403, "AccessDenied", "PUT", "/wh-eim-new", nil)
	// The account's own key is not limited by the user's policy.
	account.must(200, "GET", "/wh-eim-audit/bastions/bastion-1/journal/j1.export.gz", nil)

	// Unlinked, the policy grants nothing; a user with keys or policies
	// cannot be deleted.
	eim(t, emu, "UnlinkPolicy", `{"PolicyOrn":"`+orn+`","UserName":"wh-audit-shipper"}`)
	shipper.fails(403, "AccessDenied", "PUT", "/wh-eim-audit/bastions/bastion-1/j2", []byte("x"))
	eim(t, emu, "LinkPolicy", `{"PolicyOrn":"`+orn+`","UserName":"wh-audit-shipper"}`)
	assertOAPIError(t, oapi(t, emu, "DeleteUser", `{"UserName":"wh-audit-shipper"}`, emulator.DefaultOutscaleAccessKey,
		emulator.DefaultOutscaleSecretKey, now), 409, "9075", "ResourceConflict")
	assertOAPIError(t, oapi(t, emu, "DeletePolicy", `{"PolicyOrn":"`+orn+`"}`, emulator.DefaultOutscaleAccessKey,
		emulator.DefaultOutscaleSecretKey, now), 409, "9076", "ResourceConflict")
	eim(t, emu, "DeleteAccessKey", `{"AccessKeyId":"`+ak+`","UserName":"wh-audit-shipper"}`)
	shipper.fails(403, "InvalidAccessKeyId", "PUT", "/wh-eim-audit/bastions/bastion-1/j3", []byte("x"))
	eim(t, emu, "UnlinkPolicy", `{"PolicyOrn":"`+orn+`","UserName":"wh-audit-shipper"}`)
	eim(t, emu, "DeletePolicy", `{"PolicyOrn":"`+orn+`"}`)
	eim(t, emu, "DeleteUser", `{"UserName":"wh-audit-shipper"}`)
	assertOAPIError(t, oapi(t, emu, "DeleteUser", `{"UserName":"wh-audit-shipper"}`, emulator.DefaultOutscaleAccessKey,
		emulator.DefaultOutscaleSecretKey, now), 400, "5094", "InvalidResource")
	if users := eim(t, emu, "ReadUsers", `{}`); length(users, "Users") != 0 {
		t.Fatalf("ReadUsers after DeleteUser: %v", users)
	}
}

// A policy's versions: a new default version is the one OOS enforces; the
// default version cannot be deleted, nor a policy with other versions;
// five versions at most.
func TestOutscale_eimPolicyVersions(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	now := time.Now()
	account := outscaleS3(t, emu)
	account.must(200, "PUT", "/wh-eim-v-one", nil)
	account.must(200, "PUT", "/wh-eim-v-two", nil)
	account.must(200, "PUT", "/wh-eim-v-one/obj", []byte("one"))
	account.must(200, "PUT", "/wh-eim-v-two/obj", []byte("two"))

	eim(t, emu, "CreateUser", `{"UserName":"wh-ws-reader"}`)
	read := func(bucket string) string {
		return `{"Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::` + bucket + `/*"]}]}`
	}
	body, _ := json.Marshal(map[string]string{"PolicyName": "wh-ws-reader", "Document": read("wh-eim-v-one")})
	orn := str(eim(t, emu, "CreatePolicy", string(body)), "Policy", "Orn")
	eim(t, emu, "LinkPolicy", `{"PolicyOrn":"`+orn+`","UserName":"wh-ws-reader"}`)
	key := eim(t, emu, "CreateAccessKey", `{"UserName":"wh-ws-reader"}`)
	reader := &s3Client{t: t, emu: emu, ak: str(key, "AccessKey", "AccessKeyId"), sk: str(key, "AccessKey", "SecretKey"),
		region: emulator.DefaultOutscaleRegion}
	reader.must(200, "GET", "/wh-eim-v-one/obj", nil)
	reader.fails(403, "AccessDenied", "GET", "/wh-eim-v-two/obj", nil)

	if v := eim(t, emu, "ReadPolicyVersion", `{"PolicyOrn":"`+orn+`","VersionId":"v1"}`); str(v, "PolicyVersion", "Body") != read("wh-eim-v-one") ||
		dig(v, "PolicyVersion", "DefaultVersion") != true {
		t.Fatalf("ReadPolicyVersion v1: %v", v)
	}
	// A version not set as the default changes nothing yet.
	body, _ = json.Marshal(map[string]any{"PolicyOrn": orn, "Document": read("wh-eim-v-two")})
	v2 := eim(t, emu, "CreatePolicyVersion", string(body))
	if str(v2, "PolicyVersion", "VersionId") != "v2" || dig(v2, "PolicyVersion", "DefaultVersion") != false {
		t.Fatalf("CreatePolicyVersion: %v", v2)
	}
	reader.fails(403, "AccessDenied", "GET", "/wh-eim-v-two/obj", nil)
	eim(t, emu, "SetDefaultPolicyVersion", `{"PolicyOrn":"`+orn+`","VersionId":"v2"}`)
	reader.must(200, "GET", "/wh-eim-v-two/obj", nil)
	reader.fails(403, "AccessDenied", "GET", "/wh-eim-v-one/obj", nil)
	if p := eim(t, emu, "ReadPolicy", `{"PolicyOrn":"`+orn+`"}`); str(p, "Policy", "PolicyDefaultVersionId") != "v2" {
		t.Fatalf("ReadPolicy after SetDefaultPolicyVersion: %v", p)
	}
	assertOAPIError(t, oapi(t, emu, "DeletePolicyVersion", `{"PolicyOrn":"`+orn+`","VersionId":"v2"}`, emulator.DefaultOutscaleAccessKey,
		emulator.DefaultOutscaleSecretKey, now), 409, "9078", "ResourceConflict")
	assertOAPIError(t, oapi(t, emu, "ReadPolicyVersion", `{"PolicyOrn":"`+orn+`","VersionId":"v9"}`, emulator.DefaultOutscaleAccessKey,
		emulator.DefaultOutscaleSecretKey, now), 400, "5094", "InvalidResource")
	assertOAPIError(t, oapi(t, emu, "CreatePolicyVersion", `{"PolicyOrn":"`+orn+`"}`, emulator.DefaultOutscaleAccessKey,
		emulator.DefaultOutscaleSecretKey, now), 400, "7000", "MissingParameter")

	// Set as the default when made; five versions at most.
	for i := 3; i <= 5; i++ {
		body, _ = json.Marshal(map[string]any{"PolicyOrn": orn, "Document": read("wh-eim-v-one"), "SetAsDefault": true})
		if v := eim(t, emu, "CreatePolicyVersion", string(body)); dig(v, "PolicyVersion", "DefaultVersion") != true {
			t.Fatalf("CreatePolicyVersion SetAsDefault: %v", v)
		}
	}
	reader.must(200, "GET", "/wh-eim-v-one/obj", nil)
	assertOAPIError(t, oapi(t, emu, "CreatePolicyVersion", string(body), emulator.DefaultOutscaleAccessKey,
		emulator.DefaultOutscaleSecretKey, now), 409, "9077", "ResourceConflict")
	if vs := eim(t, emu, "ReadPolicyVersions", `{"PolicyOrn":"`+orn+`"}`); length(vs, "PolicyVersions") != 5 ||
		str(vs, "PolicyVersions", 4, "VersionId") != "v5" || dig(vs, "PolicyVersions", 4, "DefaultVersion") != true {
		t.Fatalf("ReadPolicyVersions: %v", vs)
	}

	// A policy goes once its other versions are gone; ids are not reused.
	eim(t, emu, "UnlinkPolicy", `{"PolicyOrn":"`+orn+`","UserName":"wh-ws-reader"}`)
	assertOAPIError(t, oapi(t, emu, "DeletePolicy", `{"PolicyOrn":"`+orn+`"}`, emulator.DefaultOutscaleAccessKey,
		emulator.DefaultOutscaleSecretKey, now), 409, "9078", "ResourceConflict")
	for _, v := range []string{"v1", "v2", "v3", "v4"} {
		eim(t, emu, "DeletePolicyVersion", `{"PolicyOrn":"`+orn+`","VersionId":"`+v+`"}`)
	}
	body, _ = json.Marshal(map[string]any{"PolicyOrn": orn, "Document": read("wh-eim-v-two")})
	if v := eim(t, emu, "CreatePolicyVersion", string(body)); str(v, "PolicyVersion", "VersionId") != "v6" {
		t.Fatalf("the version after v5: %v", v)
	}
	eim(t, emu, "DeletePolicyVersion", `{"PolicyOrn":"`+orn+`","VersionId":"v6"}`)
	eim(t, emu, "DeletePolicy", `{"PolicyOrn":"`+orn+`"}`)
}

// An EIM policy's StringLike condition on s3:prefix bounds what a user may
// list to the prefixes it names, as in S3: a listing of another prefix,
// or of the whole bucket, is refused.
func TestOutscale_eimListBucketPrefixCondition(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	account := outscaleS3(t, emu)
	account.must(200, "PUT", "/wh-eim-datasets", nil)
	account.must(200, "PUT", "/wh-eim-datasets/cohort-a/x.csv", []byte("a"))
	account.must(200, "PUT", "/wh-eim-datasets/cohort-b/y.csv", []byte("b"))

	eim(t, emu, "CreateUser", `{"UserName":"wh-ws-lister"}`)
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::wh-eim-datasets/cohort-a/*"]},` +
		`{"Effect":"Allow","Action":["s3:ListBucket"],"Resource":["arn:aws:s3:::wh-eim-datasets"],"Condition":{"StringLike":{"s3:prefix":["cohort-a/*"]}}}]}`
	body, _ := json.Marshal(map[string]string{"PolicyName": "wh-ws-lister", "Document": doc})
	orn := str(eim(t, emu, "CreatePolicy", string(body)), "Policy", "Orn")
	eim(t, emu, "LinkPolicy", `{"PolicyOrn":"`+orn+`","UserName":"wh-ws-lister"}`)
	key := eim(t, emu, "CreateAccessKey", `{"UserName":"wh-ws-lister"}`)
	lister := &s3Client{t: t, emu: emu, ak: str(key, "AccessKey", "AccessKeyId"), sk: str(key, "AccessKey", "SecretKey"),
		region: emulator.DefaultOutscaleRegion}

	listed := lister.must(200, "GET", "/wh-eim-datasets?list-type=2&prefix=cohort-a/", nil)
	if !strings.Contains(string(listed.body), "cohort-a/x.csv") || strings.Contains(string(listed.body), "cohort-b") {
		t.Fatalf("the listing of cohort-a/: %s", listed.body)
	}
	lister.must(200, "GET", "/wh-eim-datasets?prefix=cohort-a/sub/", nil)
	lister.fails(403, "AccessDenied", "GET", "/wh-eim-datasets?list-type=2&prefix=cohort-b/", nil)
	lister.fails(403, "AccessDenied", "GET", "/wh-eim-datasets?list-type=2", nil)
	lister.fails(403, "AccessDenied", "GET", "/wh-eim-datasets?list-type=2&prefix=cohort-", nil)
	lister.fails(403, "AccessDenied", "GET", "/wh-eim-datasets?versions&prefix=cohort-b/", nil)
	lister.must(200, "GET", "/wh-eim-datasets/cohort-a/x.csv", nil)
	lister.fails(403, "AccessDenied", "GET", "/wh-eim-datasets/cohort-b/y.csv", nil)
}
