package emulator_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
)

// ReadApiLogs answers, in the spec's Log shape, the calls the emulator
// received from the account; an EIM user reads them when its policies
// allow api:ReadApiLogs, and calls nothing else (deny by default).
func TestOutscale_readApiLogs(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	now := time.Now()
	eim(t, emu, "ReadSubregions", `{}`, 200)
	assertOAPIError(t, oapi(t, emu, "CreateUser", `{}`, emulator.DefaultOutscaleAccessKey, emulator.DefaultOutscaleSecretKey, now),
		400, "7000", "MissingParameter")

	out := eim(t, emu, "ReadApiLogs", `{"Filters":{"QueryCallNames":["ReadSubregions","CreateUser"]}}`, 200)
	logs, _ := out["Logs"].([]any)
	if len(logs) != 2 {
		t.Fatalf("ReadApiLogs: %v", out)
	}
	first, second := logs[0].(map[string]any), logs[1].(map[string]any)
	if first["QueryCallName"] != "ReadSubregions" || first["ResponseStatusCode"] != float64(200) || first["QueryApiName"] != "oapi" ||
		first["AccountId"] != emulator.DefaultOutscaleAccountID || first["QueryAccessKey"] != emulator.DefaultOutscaleAccessKey ||
		first["QueryIpAddress"] != "127.0.0.1" || first["RequestId"] == "" || first["ResponseSize"].(float64) <= 0 {
		t.Fatalf("the first log: %v", first)
	}
	if second["QueryCallName"] != "CreateUser" || second["ResponseStatusCode"] != float64(400) || second["QueryPayloadRaw"] != "{}" {
		t.Fatalf("the second log: %v", second)
	}
	if at, err := time.Parse("2006-01-02T15:04:05.000Z", first["QueryDate"].(string)); err != nil || now.Sub(at) > time.Minute {
		t.Fatalf("QueryDate %v: %v", first["QueryDate"], err)
	}
	if h, _ := first["QueryHeaderRaw"].(string); strings.Contains(strings.ToLower(h), "authorization") {
		t.Fatalf("the logged header holds the signature: %q", h)
	}
	// With hides fields; the window and the pages follow the request.
	out = eim(t, emu, "ReadApiLogs", `{"Filters":{"QueryCallNames":["ReadSubregions"]},"With":{"QueryHeaderRaw":false,"QueryPayloadRaw":false}}`, 200)
	if l := out["Logs"].([]any)[0].(map[string]any); l["QueryHeaderRaw"] != nil || l["QueryPayloadRaw"] != nil || l["QueryCallName"] == nil {
		t.Fatalf("With: %v", l)
	}
	old := now.Add(-72 * time.Hour).UTC().Format("2006-01-02T15:04:05.000Z")
	if out := eim(t, emu, "ReadApiLogs", `{"Filters":{"QueryDateAfter":"`+old+`"}}`, 200); len(out["Logs"].([]any)) != 0 {
		t.Fatalf("logs 72h ago, within 48h: %v", out)
	}
	page := eim(t, emu, "ReadApiLogs", `{"ResultsPerPage":1}`, 200)
	if len(page["Logs"].([]any)) != 1 || page["NextPageToken"] == nil {
		t.Fatalf("a page of one: %v", page)
	}
	assertOAPIError(t, oapi(t, emu, "ReadApiLogs", `{"Filters":{"QueryDateAfter":"yesterday"}}`, emulator.DefaultOutscaleAccessKey,
		emulator.DefaultOutscaleSecretKey, now), 400, "4078", "InvalidParameterValue")

	// An EIM user allowed ReadApiLogs reads the account's logs, and nothing else.
	eim(t, emu, "CreateUser", `{"UserName":"wh-api-logs"}`, 200)
	doc := `{"Statement":[{"Effect":"Allow","Action":["api:ReadApiLogs"],"Resource":["*"]}]}`
	body, _ := json.Marshal(map[string]string{"PolicyName": "wh-read-api-logs", "Document": doc})
	orn := eim(t, emu, "CreatePolicy", string(body), 200)["Policy"].(map[string]any)["Orn"].(string)
	key := eim(t, emu, "CreateAccessKey", `{"UserName":"wh-api-logs"}`, 200)["AccessKey"].(map[string]any)
	ak, sk := key["AccessKeyId"].(string), key["SecretKey"].(string)
	assertOAPIError(t, oapi(t, emu, "ReadApiLogs", `{}`, ak, sk, now), 401, "4", "AccessDenied")
	eim(t, emu, "LinkPolicy", `{"PolicyOrn":"`+orn+`","UserName":"wh-api-logs"}`, 200)
	r := oapi(t, emu, "ReadApiLogs", `{"Filters":{"QueryCallNames":["CreateAccessKey"]}}`, ak, sk, now)
	if r.status != 200 || !strings.Contains(string(r.body), `"QueryCallName":"CreateAccessKey"`) || strings.Contains(string(r.body), sk) {
		t.Fatalf("ReadApiLogs with the user's key: HTTP %d %s", r.status, r.body)
	}
	assertOAPIError(t, oapi(t, emu, "ReadSubregions", `{}`, ak, sk, now), 401, "4", "AccessDenied")
	// The denied call is logged too, under the user's key.
	logged := eim(t, emu, "ReadApiLogs", `{"Filters":{"QueryAccessKeys":["`+ak+`"],"ResponseStatusCodes":[401]}}`, 200)
	if len(logged["Logs"].([]any)) != 2 {
		t.Fatalf("the user's denied calls: %v", logged)
	}
}
