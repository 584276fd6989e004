package emulator_test

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
)

// ReadApiLogs answers, in the spec's Log shape (every answer is checked
// against the OAPI spec), the calls the emulator received from the
// account; an EIM user reads them when its policies allow api:ReadApiLogs,
// and calls nothing else (deny by default).
func TestOutscale_readApiLogs(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	o := newOAPIClient(t, emu)
	now := time.Now()
	o.ok("ReadSubregions", obj{})
	o.sendInvalid("CreateUser", obj{})

	out := o.ok("ReadApiLogs", obj{"Filters": obj{"QueryCallNames": []string{"ReadSubregions", "CreateUser"}}})
	if length(out, "Logs") != 2 {
		t.Fatalf("ReadApiLogs: %v", out)
	}
	if str(out, "Logs", 0, "QueryCallName") != "ReadSubregions" || fmt.Sprint(dig(out, "Logs", 0, "ResponseStatusCode")) != "200" ||
		str(out, "Logs", 0, "QueryApiName") != "oapi" || str(out, "Logs", 0, "AccountId") != emulator.DefaultOutscaleAccountID ||
		str(out, "Logs", 0, "QueryAccessKey") != emulator.DefaultOutscaleAccessKey || str(out, "Logs", 0, "QueryIpAddress") != "127.0.0.1" ||
		str(out, "Logs", 0, "RequestId") == "" {
		t.Fatalf("the first log: %v", dig(out, "Logs", 0))
	}
	if size, err := strconv.Atoi(fmt.Sprint(dig(out, "Logs", 0, "ResponseSize"))); err != nil || size <= 0 {
		t.Fatalf("the first log's ResponseSize: %v", dig(out, "Logs", 0))
	}
	if str(out, "Logs", 1, "QueryCallName") != "CreateUser" || fmt.Sprint(dig(out, "Logs", 1, "ResponseStatusCode")) != "400" ||
		str(out, "Logs", 1, "QueryPayloadRaw") != "{}" {
		t.Fatalf("the second log: %v", dig(out, "Logs", 1))
	}
	if at, err := time.Parse("2006-01-02T15:04:05.000Z", str(out, "Logs", 0, "QueryDate")); err != nil || now.Sub(at) > time.Minute {
		t.Fatalf("QueryDate %v: %v", dig(out, "Logs", 0, "QueryDate"), err)
	}
	if strings.Contains(strings.ToLower(str(out, "Logs", 0, "QueryHeaderRaw")), "authorization") {
		t.Fatalf("the logged header holds the signature: %q", str(out, "Logs", 0, "QueryHeaderRaw"))
	}
	// With hides fields; the window and the pages follow the request.
	out = o.ok("ReadApiLogs", obj{"Filters": obj{"QueryCallNames": []string{"ReadSubregions"}},
		"With": obj{"QueryHeaderRaw": false, "QueryPayloadRaw": false}})
	if dig(out, "Logs", 0, "QueryHeaderRaw") != nil || dig(out, "Logs", 0, "QueryPayloadRaw") != nil || str(out, "Logs", 0, "QueryCallName") == "" {
		t.Fatalf("With: %v", out)
	}
	old := now.Add(-72 * time.Hour).UTC().Format("2006-01-02T15:04:05.000Z")
	if out := o.ok("ReadApiLogs", obj{"Filters": obj{"QueryDateAfter": old}}); length(out, "Logs") != 0 {
		t.Fatalf("logs 72h ago, within 48h: %v", out)
	}
	page := o.ok("ReadApiLogs", obj{"ResultsPerPage": 1})
	if length(page, "Logs") != 1 || str(page, "NextPageToken") == "" {
		t.Fatalf("a page of one: %v", page)
	}
	o.fails("ReadApiLogs", obj{"Filters": obj{"QueryDateAfter": "yesterday"}}, 400, "4078", "InvalidParameterValue")

	// An EIM user allowed ReadApiLogs reads the account's logs, and nothing else.
	o.ok("CreateUser", obj{"UserName": "wh-api-logs"})
	doc := `{"Statement":[{"Effect":"Allow","Action":["api:ReadApiLogs"],"Resource":["*"]}]}`
	orn := str(o.ok("CreatePolicy", obj{"PolicyName": "wh-read-api-logs", "Document": doc}), "Policy", "Orn")
	key := o.ok("CreateAccessKey", obj{"UserName": "wh-api-logs"})
	ak, sk := str(key, "AccessKey", "AccessKeyId"), str(key, "AccessKey", "SecretKey")
	user := o.as(ak, sk)
	user.fails("ReadApiLogs", obj{}, 401, "4", "AccessDenied")
	o.ok("LinkPolicy", obj{"PolicyOrn": orn, "UserName": "wh-api-logs"})
	read := user.ok("ReadApiLogs", obj{"Filters": obj{"QueryCallNames": []string{"CreateAccessKey"}}})
	raw, _ := json.Marshal(read)
	if length(read, "Logs") != 1 || strings.Contains(string(raw), sk) {
		t.Fatalf("ReadApiLogs with the user's key: %s", raw)
	}
	user.fails("ReadSubregions", obj{}, 401, "4", "AccessDenied")
	// The denied calls are logged too, under the user's key.
	denied := o.ok("ReadApiLogs", obj{"Filters": obj{"QueryAccessKeys": []string{ak}, "ResponseStatusCodes": []int{401}}})
	if length(denied, "Logs") != 2 {
		t.Fatalf("the user's denied calls: %v", denied)
	}
}
