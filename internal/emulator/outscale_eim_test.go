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
