package emulator_test

import (
	"bytes"
	"context"
	"crypto/sha1" //nolint:gosec // the OVH signature is SHA-1 by definition
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/ovh"
)

// These tests speak raw HTTP to the emulated OVHcloud network calls, and
// check every request they send and every answer they get against the
// API's own schema (testdata/ovh-cloud-network-schema.json, a trimmed copy
// of cloud.json): the emulator is only worth the fidelity of its wire format.

// ---- conformance -----------------------------------------------------------

// ovhSchema is the Swagger 1.x style description of the API: routes with
// their operations, and models.
type ovhSchema struct {
	APIs []struct {
		Path       string         `json:"path"`
		Operations []ovhOperation `json:"operations"`
	} `json:"apis"`
	Models map[string]ovhModel `json:"models"`
}

type ovhOperation struct {
	HTTPMethod   string `json:"httpMethod"`
	ResponseType string `json:"responseType"`
	Parameters   []struct {
		Name      string `json:"name"`
		ParamType string `json:"paramType"` // path, query or body
		DataType  string `json:"dataType"`
		Required  bool   `json:"required"`
	} `json:"parameters"`
}

// ovhModel is an object model, or an enumeration when Enum is set.
type ovhModel struct {
	Enum       []string `json:"enum"`
	Properties map[string]struct {
		Type      string `json:"type"`
		CanBeNull bool   `json:"canBeNull"`
		Required  bool   `json:"required"`
	} `json:"properties"`
}

var (
	ovhSchemaOnce sync.Once
	loadedOVH     *ovhSchema
	ovhSchemaErr  error
)

func loadOVHSchema(t *testing.T) *ovhSchema {
	t.Helper()
	ovhSchemaOnce.Do(func() {
		raw, err := os.ReadFile("testdata/ovh-cloud-network-schema.json")
		if err != nil {
			ovhSchemaErr = err
			return
		}
		loadedOVH = &ovhSchema{}
		ovhSchemaErr = json.Unmarshal(raw, loadedOVH)
	})
	if ovhSchemaErr != nil {
		t.Fatal(ovhSchemaErr)
	}
	return loadedOVH
}

// operation finds the operation serving method and path (a path under
// /1.0, query string included), and the values of its path parameters.
// Where several routes match, the one with the most literal segments wins.
func (s *ovhSchema) operation(method, path string) (string, *ovhOperation, map[string]string, error) {
	segments := strings.Split(strings.SplitN(path, "?", 2)[0], "/")
	bestLiterals := -1
	var route string
	var op *ovhOperation
	var params map[string]string
	for _, api := range s.APIs {
		tmpl := strings.Split(api.Path, "/")
		if len(tmpl) != len(segments) {
			continue
		}
		literals, values := 0, map[string]string{}
		for i, seg := range tmpl {
			if strings.HasPrefix(seg, "{") {
				values[strings.Trim(seg, "{}")] = segments[i]
			} else if seg == segments[i] {
				literals++
			} else {
				literals = -1
				break
			}
		}
		if literals <= bestLiterals {
			continue
		}
		for i := range api.Operations {
			if api.Operations[i].HTTPMethod == method {
				bestLiterals, route, op, params = literals, api.Path, &api.Operations[i], values
			}
		}
	}
	if op == nil {
		return "", nil, nil, fmt.Errorf("the schema has no operation %s %s", method, path)
	}
	return route, op, params, nil
}

// checkRequest checks the parameters of a request: its path parameters'
// types, its query parameters' names, and its body against the body model,
// required properties included.
func (s *ovhSchema) checkRequest(method, path string, body any, hasBody bool) []string {
	route, op, values, err := s.operation(method, path)
	if err != nil {
		return []string{err.Error()}
	}
	at := method + " " + route
	var problems []string
	query := map[string]bool{}
	if _, q, ok := strings.Cut(path, "?"); ok {
		for _, kv := range strings.Split(q, "&") {
			if name, _, _ := strings.Cut(kv, "="); name != "" { // "path?" has no parameter
				query[name] = true
			}
		}
	}
	bodyType := ""
	for _, p := range op.Parameters {
		switch p.ParamType {
		case "path":
			problems = append(problems, s.check(p.DataType, false, values[p.Name], at+" path {"+p.Name+"}", false)...)
		case "query":
			delete(query, p.Name)
		case "body":
			bodyType = p.DataType
		}
	}
	for name := range query {
		problems = append(problems, fmt.Sprintf("%s: no query parameter %q", at, name))
	}
	switch {
	case bodyType == "" && hasBody:
		problems = append(problems, at+": the operation takes no body")
	case bodyType != "" && !hasBody:
		problems = append(problems, at+": the body is required")
	case bodyType != "":
		problems = append(problems, s.check(bodyType, false, body, at+" body", true)...)
	}
	return problems
}

// checkResponse checks a 200 answer against the operation's response type.
func (s *ovhSchema) checkResponse(method, path string, body any) []string {
	route, op, _, err := s.operation(method, path)
	if err != nil {
		return []string{err.Error()}
	}
	return s.check(op.ResponseType, false, body, method+" "+route+" answer", false)
}

var ovhUUIDPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// check checks v against an API type: a primitive, a model, an enumeration
// or an array ("T[]") of one of them. In a request body a model's required
// properties must be present; in an answer every property must be, as the
// API writes them all, null when empty (the emulator's own, stricter rule:
// the schema marks no answer property as required).
func (s *ovhSchema) check(typ string, canBeNull bool, v any, at string, request bool) []string {
	if v == nil {
		if canBeNull || typ == "void" {
			return nil
		}
		return []string{at + ": null where the schema does not allow it"}
	}
	if elem, ok := strings.CutSuffix(typ, "[]"); ok {
		arr, ok := v.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s: %s, want an array of %s", at, ovhJSONType(v), elem)}
		}
		var problems []string
		for i, e := range arr {
			problems = append(problems, s.check(elem, false, e, fmt.Sprintf("%s[%d]", at, i), request)...)
		}
		return problems
	}
	if model, ok := s.Models[typ]; ok {
		return s.checkModel(typ, model, v, at, request)
	}
	str, isString := v.(string)
	num, isNumber := v.(json.Number)
	valid := false
	switch typ {
	case "string", "text", "password":
		valid = isString
	case "uuid":
		valid = isString && ovhUUIDPattern.MatchString(str)
	case "ip":
		_, err := netip.ParseAddr(str)
		valid = isString && err == nil
	case "ipv4":
		a, err := netip.ParseAddr(str)
		valid = isString && err == nil && a.Is4()
	case "ipBlock":
		_, err := netip.ParsePrefix(str)
		valid = isString && err == nil
	case "datetime":
		_, err := time.Parse(time.RFC3339, str)
		valid = isString && err == nil
	case "long":
		_, err := num.Int64()
		valid = isNumber && err == nil
	case "double":
		valid = isNumber
	case "boolean":
		_, valid = v.(bool)
	case "void":
		valid = false
	default:
		return []string{fmt.Sprintf("%s: the schema's type %q is unknown to the validator", at, typ)}
	}
	if !valid {
		return []string{fmt.Sprintf("%s: %s is not a valid %s", at, ovhJSONType(v), typ)}
	}
	return nil
}

func (s *ovhSchema) checkModel(name string, model ovhModel, v any, at string, request bool) []string {
	if len(model.Enum) > 0 {
		if str, ok := v.(string); !ok || !slices.Contains(model.Enum, str) {
			return []string{fmt.Sprintf("%s: %s is not one of %s %v", at, ovhJSONType(v), name, model.Enum)}
		}
		return nil
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return []string{fmt.Sprintf("%s: %s, want a %s object", at, ovhJSONType(v), name)}
	}
	var problems []string
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		prop, ok := model.Properties[k]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s.%s: not a property of %s", at, k, name))
			continue
		}
		problems = append(problems, s.check(prop.Type, prop.CanBeNull, obj[k], at+"."+k, request)...)
	}
	for k, prop := range model.Properties {
		if _, present := obj[k]; !present && (!request || prop.Required) {
			problems = append(problems, fmt.Sprintf("%s.%s: missing", at, k))
		}
	}
	return problems
}

func ovhJSONType(v any) string {
	switch x := v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return strconv.Quote(x)
	case json.Number:
		return "the number " + x.String()
	case bool:
		return strconv.FormatBool(x)
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

func ovhDecode(t *testing.T, raw []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // longs must stay integers for the type check
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("not JSON: %v: %s", err, raw)
	}
	return v
}

// ---- client ----------------------------------------------------------------

// ovhAPI sends signed calls as one account to one of its projects, and
// checks them against the schema.
type ovhAPI struct {
	t          *testing.T
	emu        *emulator.Emulator
	ak, as, ck string
	project    string
	schema     *ovhSchema
}

func newOVHAPI(t *testing.T, emu *emulator.Emulator) *ovhAPI {
	return &ovhAPI{t: t, emu: emu, ak: emulator.DefaultOVHApplicationKey, as: emulator.DefaultOVHApplicationSecret,
		ck: emulator.DefaultOVHConsumerKey, project: emulator.DefaultOVHProjectID, schema: loadOVHSchema(t)}
}

// in is the path of a project route: in("/network/private").
func (o *ovhAPI) in(path string) string { return "/cloud/project/" + o.project + path }

// regional is the path of a regional route of the project.
func (o *ovhAPI) regional(region, path string) string { return o.in("/region/" + region + path) }

// call sends a request whose body (nil for none) must conform to the
// schema, and checks the answer.
func (o *ovhAPI) call(method, path string, body any) response {
	o.t.Helper()
	var raw []byte
	if body != nil {
		raw = ovhMarshal(o.t, body)
		if problems := o.schema.checkRequest(method, path, ovhDecode(o.t, raw), true); len(problems) > 0 {
			o.t.Fatalf("the test sends a request the schema refuses:\n%s\n%s", strings.Join(problems, "\n"), raw)
		}
	} else if problems := o.schema.checkRequest(method, path, nil, false); len(problems) > 0 {
		o.t.Fatalf("the test sends a request the schema refuses:\n%s", strings.Join(problems, "\n"))
	}
	return o.send(method, path, raw)
}

// callInvalid sends a request the schema refuses on purpose; the answer is
// still checked.
func (o *ovhAPI) callInvalid(method, path string, raw string) response {
	o.t.Helper()
	var body []byte
	if raw != "" {
		body = []byte(raw)
	}
	return o.send(method, path, body)
}

func (o *ovhAPI) send(method, path string, body []byte) response {
	o.t.Helper()
	target := o.emu.OVHEndpoint() + path
	req, err := http.NewRequest(method, target, bytes.NewReader(body))
	if err != nil {
		o.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json;charset=utf-8")
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	sum := sha1.Sum([]byte(o.as + "+" + o.ck + "+" + method + "+" + target + "+" + string(body) + "+" + ts)) //nolint:gosec // OVH formula
	req.Header.Set("X-Ovh-Application", o.ak)
	req.Header.Set("X-Ovh-Consumer", o.ck)
	req.Header.Set("X-Ovh-Timestamp", ts)
	req.Header.Set("X-Ovh-Signature", "$1$"+hex.EncodeToString(sum[:]))
	r := send(o.t, req)
	if r.status == http.StatusOK {
		if problems := o.schema.checkResponse(method, path, ovhDecode(o.t, r.body)); len(problems) > 0 {
			o.t.Fatalf("the emulator answers what the schema refuses:\n%s\n%s", strings.Join(problems, "\n"), r.body)
		}
	}
	return r
}

// ok sends a conforming call that must succeed, and returns its answer.
func (o *ovhAPI) ok(method, path string, body any) any {
	o.t.Helper()
	r := o.call(method, path, body)
	if r.status != http.StatusOK {
		o.t.Fatalf("%s %s: HTTP %d %s", method, path, r.status, r.body)
	}
	return ovhDecode(o.t, r.body)
}

// fails sends a conforming call that must fail with status and class.
func (o *ovhAPI) fails(method, path string, body any, status int, class string) string {
	o.t.Helper()
	return assertOVHClass(o.t, o.call(method, path, body), status, class)
}

// assertOVHClass checks an error answer's shape, status and class, and
// returns its message.
func assertOVHClass(t *testing.T, r response, status int, class string) string {
	t.Helper()
	assertOVHError(t, r, status, "")
	body := r.json(t)
	if body["class"] != class {
		t.Errorf("class = %v, want %s: %s", body["class"], class, r.body)
	}
	msg, _ := body["message"].(string)
	return msg
}

func ovhMarshal(t *testing.T, body any) []byte {
	t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// ovhDig walks maps by key and slices by index.
func ovhDig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			s, _ := v.([]any)
			if k >= len(s) {
				return nil
			}
			v = s[k]
		}
	}
	return v
}

func ovhStr(v any, path ...any) string {
	s, _ := ovhDig(v, path...).(string)
	return s
}

func ovhLen(v any, path ...any) int {
	s, _ := ovhDig(v, path...).([]any)
	return len(s)
}

type ovhObj = map[string]any

// ovhObjects lists what the emulator holds for the OVHcloud API, OAuth2
// tokens aside.
func ovhObjects(t *testing.T, emu *emulator.Emulator) []string {
	t.Helper()
	objs, err := emu.Control().Objects(context.Background(), "ovh.")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, o := range objs {
		if !strings.HasSuffix(o.Collection, "oauth2_tokens") {
			names = append(names, o.Collection+"/"+o.ID)
		}
	}
	return names
}

// subnetBody is a conforming subnet creation: DHCP from the third address
// to the one before the broadcast address, the gateway on the first.
func subnetBody(cidr, region string) ovhObj {
	p := netip.MustParsePrefix(cidr)
	a := p.Addr().As4()
	binary.BigEndian.PutUint32(a[:], binary.BigEndian.Uint32(a[:])|(1<<(32-p.Bits())-1))
	last := netip.AddrFrom4(a)
	return ovhObj{"dhcp": true, "noGateway": false, "network": cidr, "region": region,
		"start": p.Addr().Next().Next().String(), "end": last.Prev().String()}
}

// activeNetwork creates a private network in region and reads it until it
// is ACTIVE; it returns its id and its OpenStack id there.
func activeNetwork(t *testing.T, o *ovhAPI, name, region string) (string, string) {
	t.Helper()
	n := o.ok("POST", o.in("/network/private"), ovhObj{"name": name, "regions": []string{region}})
	id := ovhStr(n, "id")
	for range 2 {
		n = o.ok("GET", o.in("/network/private/"+id), nil)
	}
	if ovhStr(n, "status") != "ACTIVE" {
		t.Fatalf("the network is still %s after two reads", ovhStr(n, "status"))
	}
	return id, ovhStr(n, "regions", 0, "openstackId")
}

// readOperation reads an operation until it completes and returns it.
func readOperation(t *testing.T, o *ovhAPI, id string) any {
	t.Helper()
	for range 3 {
		op := o.ok("GET", o.in("/operation/"+id), nil)
		if ovhStr(op, "status") == "completed" {
			return op
		}
	}
	t.Fatalf("the operation %s did not complete in three reads", id)
	return nil
}

// ---- the validator itself --------------------------------------------------

// The conformance check would be worthless if it let anything through.
func TestOVHSchemaValidatorCatchesMistakes(t *testing.T) {
	t.Parallel()
	s := loadOVHSchema(t)
	const network = "/cloud/project/p/network/private/pn-1_1"
	valid := `{"id":"pn-1_1","name":"n","vlanId":1,"type":"private","status":"ACTIVE",` +
		`"regions":[{"region":"GRA11","status":"ACTIVE","openstackId":null}]}`
	if p := s.checkResponse("GET", network, ovhDecode(t, []byte(valid))); len(p) > 0 {
		t.Fatalf("a valid network was refused: %v", p)
	}
	for body, want := range map[string]string{
		strings.Replace(valid, `"vlanId":1`, `"vlanId":1.5`, 1):              "not a valid long",
		strings.Replace(valid, `"name":"n"`, `"name":"n","colour":"b"`, 1):   "not a property",
		strings.Replace(valid, `"status":"ACTIVE",`, `"status":"UP",`, 1):    "not one of cloud.network.NetworkStatusEnum",
		strings.Replace(valid, `"type":"private",`, ``, 1):                   ".type: missing",
		strings.Replace(valid, `"name":"n"`, `"name":null`, 1):               "null where",
		strings.Replace(valid, `"regions":[{`, `"regions":{"x":[{`, 1) + "}": "want an array",
	} {
		problems := s.checkResponse("GET", network, ovhDecode(t, []byte(body)))
		if !strings.Contains(strings.Join(problems, "\n"), want) {
			t.Errorf("%s: problems %q, want one saying %q", body, problems, want)
		}
	}
	for _, c := range []struct {
		method, path, body, want string
	}{
		{"POST", "/cloud/project/p/network/private/pn-1_1/subnet",
			`{"dhcp":true,"end":"10.0.0.9","network":"10.0.0.0/24","noGateway":false,"start":"10.0.0.2"}`, "region: missing"},
		{"POST", "/cloud/project/p/network/private/pn-1_1/subnet",
			`{"dhcp":true,"end":"10.0.0.9","network":"10.0.0.0/33","noGateway":false,"region":"R","start":"x"}`, "not a valid ipBlock"},
		{"POST", "/cloud/project/p/region/R/gateway/not-a-uuid/interface", `{"subnetId":"x"}`, "{id}"},
		{"GET", "/cloud/project/p/region/R/gateway?colour=blue", ``, `no query parameter "colour"`},
		{"DELETE", "/cloud/project/p/network/private/pn-1_1", `{}`, "takes no body"},
	} {
		var body any
		if c.body != "" {
			body = ovhDecode(t, []byte(c.body))
		}
		problems := s.checkRequest(c.method, c.path, body, c.body != "")
		if !strings.Contains(strings.Join(problems, "\n"), c.want) {
			t.Errorf("%s %s %s: problems %q, want one saying %q", c.method, c.path, c.body, problems, c.want)
		}
	}
	op := `{"id":"x","action":"a","status":"created","progress":0,"createdAt":"yesterday","startedAt":null,` +
		`"completedAt":null,"regions":null,"resourceId":null,"subOperations":null}`
	if p := s.checkResponse("GET", "/cloud/project/p/operation/x", ovhDecode(t, []byte(op))); !strings.Contains(strings.Join(p, "\n"), "not a valid datetime") {
		t.Errorf("a bad datetime passed: %v", p)
	}
}

// ---- scenarios -------------------------------------------------------------

// TestOVHNetwork_wholeNetwork builds the warehouse's network the way the
// provider does, reads every part back, and takes it down again.
func TestOVHNetwork_wholeNetwork(t *testing.T) {
	t.Parallel()
	emu := startFrozenOVH(t)
	o := newOVHAPI(t, emu)
	region := emulator.DefaultOVHRegion

	n := o.ok("POST", o.in("/network/private"), ovhObj{"name": "wh-net", "regions": []string{region}})
	netID := ovhStr(n, "id")
	if !regexp.MustCompile(`^pn-[0-9]{7}_1$`).MatchString(netID) || ovhDig(n, "vlanId") != json.Number("1") {
		t.Errorf("first network: id %q, vlanId %v; want pn-<7 digits>_1 and the lowest free VLAN, 1", netID, ovhDig(n, "vlanId"))
	}
	if ovhStr(n, "status") != "BUILDING" || ovhStr(n, "type") != "private" || ovhStr(n, "name") != "wh-net" ||
		ovhLen(n, "regions") != 1 || ovhStr(n, "regions", 0, "region") != region || ovhStr(n, "regions", 0, "status") != "BUILDING" {
		t.Fatalf("POST network answered %v", n)
	}
	openstackID := ovhStr(n, "regions", 0, "openstackId")

	// The first read still sees it building; it is active from then on.
	if got := o.ok("GET", o.in("/network/private/"+netID), nil); ovhStr(got, "status") != "BUILDING" {
		t.Fatalf("first read: %v", got)
	}
	got := o.ok("GET", o.in("/network/private/"+netID), nil)
	if ovhStr(got, "status") != "ACTIVE" || ovhStr(got, "regions", 0, "status") != "ACTIVE" ||
		ovhStr(got, "regions", 0, "openstackId") != openstackID {
		t.Fatalf("second read: %v", got)
	}
	// A network without regions is in all the project's regions, with the
	// next free VLAN.
	all := o.ok("POST", o.in("/network/private"), ovhObj{"name": "everywhere"})
	if ovhLen(all, "regions") != 4 || ovhDig(all, "vlanId") != json.Number("2") {
		t.Errorf("network without regions: %v", all)
	}
	if list := o.ok("GET", o.in("/network/private"), nil); ovhLen(list) != 2 {
		t.Fatalf("list: %v", list)
	}

	subnets := map[string]string{}
	for i, cidr := range []string{"10.40.0.0/18", "10.40.64.0/18", "10.40.128.0/18", "10.40.192.0/18"} {
		s := o.ok("POST", o.in("/network/private/"+netID+"/subnet"), subnetBody(cidr, region))
		if ovhStr(s, "cidr") != cidr || ovhDig(s, "dhcpEnabled") != true || ovhLen(s, "ipPools") != 1 {
			t.Fatalf("subnet %d: %v", i, s)
		}
		gw := netip.MustParsePrefix(cidr).Addr().Next().String()
		if ovhStr(s, "gatewayIp") != gw || ovhStr(s, "ipPools", 0, "start") != subnetBody(cidr, region)["start"] ||
			ovhStr(s, "ipPools", 0, "region") != region || ovhStr(s, "ipPools", 0, "network") != cidr {
			t.Errorf("subnet %d: gateway %s and pool %v", i, ovhStr(s, "gatewayIp"), ovhDig(s, "ipPools"))
		}
		subnets[cidr] = ovhStr(s, "id")
	}
	if list := o.ok("GET", o.in("/network/private/"+netID+"/subnet"), nil); ovhLen(list) != 4 {
		t.Fatalf("subnets: %v", list)
	}
	compute := subnets["10.40.64.0/18"]

	// The gateway is asynchronous: an operation, then the gateway itself.
	op := o.ok("POST", o.regional(region, "/network/"+openstackID+"/subnet/"+compute+"/gateway"), ovhObj{"name": "wh-net-gateway", "model": "s"})
	if ovhStr(op, "status") != "created" || ovhDig(op, "resourceId") != nil || ovhStr(op, "action") != "gateway#create" ||
		ovhDig(op, "regions", 0) != region {
		t.Fatalf("gateway creation answered %v", op)
	}
	if read := o.ok("GET", o.in("/operation/"+ovhStr(op, "id")), nil); ovhStr(read, "status") != "in-progress" || ovhDig(read, "startedAt") == nil {
		t.Fatalf("first read of the operation: %v", read)
	}
	done := o.ok("GET", o.in("/operation/"+ovhStr(op, "id")), nil)
	gatewayID := ovhStr(done, "resourceId")
	if ovhStr(done, "status") != "completed" || ovhDig(done, "progress") != json.Number("100") || ovhDig(done, "completedAt") == nil || gatewayID == "" {
		t.Fatalf("second read of the operation: %v", done)
	}
	gateway := o.regional(region, "/gateway/"+gatewayID)
	// Its operation done, the gateway is active (TestOVHGateway_activeOnceBuilt).
	g := o.ok("GET", gateway, nil)
	if ovhStr(g, "status") != "active" || ovhStr(g, "name") != "wh-net-gateway" || ovhStr(g, "model") != "s" ||
		ovhLen(g, "interfaces") != 1 || ovhStr(g, "interfaces", 0, "subnetId") != compute ||
		ovhStr(g, "interfaces", 0, "ip") != "10.40.64.1" || ovhStr(g, "interfaces", 0, "networkId") != openstackID ||
		ovhLen(g, "externalInformation", "ips") != 1 {
		t.Fatalf("the gateway once its operation completed: %v", g)
	}
	if ip, err := netip.ParseAddr(ovhStr(g, "externalInformation", "ips", 0, "ip")); err != nil || !ip.Is4() {
		t.Errorf("the gateway's public address %v", ovhDig(g, "externalInformation"))
	}
	for _, cidr := range []string{"10.40.0.0/18", "10.40.128.0/18", "10.40.192.0/18"} {
		itf := o.ok("POST", gateway+"/interface", ovhObj{"subnetId": subnets[cidr]})
		if ovhStr(itf, "subnetId") != subnets[cidr] || ovhStr(itf, "ip") != netip.MustParsePrefix(cidr).Addr().Next().String() {
			t.Fatalf("interface in %s: %v", cidr, itf)
		}
	}
	interfaces := o.ok("GET", gateway+"/interface", nil)
	if ovhLen(interfaces) != 4 {
		t.Fatalf("interfaces: %v", interfaces)
	}
	bastionItf := ovhStr(interfaces, 1, "id")
	if itf := o.ok("GET", gateway+"/interface/"+bastionItf, nil); ovhStr(itf, "subnetId") != subnets["10.40.0.0/18"] {
		t.Fatalf("GET interface: %v", itf)
	}
	for _, q := range []string{"?subnetId=" + compute, "?subnetId=" + subnets["10.40.192.0/18"], ""} {
		if list := o.ok("GET", o.regional(region, "/gateway"+q), nil); ovhLen(list) != 1 || ovhStr(list, 0, "id") != gatewayID {
			t.Fatalf("gateways%s: %v", q, list)
		}
	}
	if list := o.ok("GET", o.regional(region, "/gateway?subnetId="+ovhStr(all, "regions", 0, "openstackId")), nil); ovhLen(list) != 0 {
		t.Fatalf("gateways of a subnet without any: %v", list)
	}

	// Renames.
	o.ok("PUT", o.in("/network/private/"+netID), ovhObj{"name": "wh-net-renamed"})
	if got := o.ok("GET", o.in("/network/private/"+netID), nil); ovhStr(got, "name") != "wh-net-renamed" {
		t.Fatalf("after the rename: %v", got)
	}
	if g := o.ok("PUT", gateway, ovhObj{"name": "renamed-gateway", "model": "m"}); ovhStr(g, "model") != "m" || ovhStr(g, "name") != "renamed-gateway" {
		t.Fatalf("PUT gateway answered %v", g)
	}

	// Down again, in dependency order.
	o.ok("DELETE", gateway+"/interface/"+bastionItf, nil)
	o.fails("GET", gateway+"/interface/"+bastionItf, nil, 404, "Client::NotFound")
	del := o.ok("DELETE", gateway, nil)
	if ovhStr(del, "action") != "gateway#delete" || ovhStr(del, "status") != "created" {
		t.Fatalf("DELETE gateway answered %v", del)
	}
	if again := o.ok("DELETE", gateway, nil); ovhStr(again, "id") != ovhStr(del, "id") {
		t.Errorf("deleting again while the deletion runs answered another operation: %v", again)
	}
	o.ok("GET", gateway, nil) // still there until the operation completes
	if done := readOperation(t, o, ovhStr(del, "id")); ovhStr(done, "resourceId") != gatewayID {
		t.Errorf("completed deletion: %v", done)
	}
	o.fails("GET", gateway, nil, 404, "Client::NotFound")
	// The gateway being gone, its operations are forgotten.
	o.fails("GET", o.in("/operation/"+ovhStr(del, "id")), nil, 404, "Client::NotFound")
	for _, id := range subnets {
		o.ok("DELETE", o.in("/network/private/"+netID+"/subnet/"+id), nil)
	}
	for _, id := range []string{netID, ovhStr(all, "id")} {
		o.ok("DELETE", o.in("/network/private/"+id), nil)
		if got := o.ok("GET", o.in("/network/private/"+id), nil); ovhStr(got, "status") != "DELETING" {
			t.Fatalf("first read after DELETE: %v", got)
		}
		o.fails("GET", o.in("/network/private/"+id), nil, 404, "Client::NotFound")
	}
	if left := ovhObjects(t, emu); len(left) > 0 {
		t.Fatalf("objects left after the whole network was deleted: %v", left)
	}
}

func TestOVHNetwork_invalidRequests(t *testing.T) {
	t.Parallel()
	emu := startFrozenOVH(t)
	o := newOVHAPI(t, emu)
	region := emulator.DefaultOVHRegion
	const bad, notFound, conflict = "Client::BadRequest", "Client::NotFound", "Client::Conflict"
	networks := o.in("/network/private")

	t.Run("network", func(t *testing.T) {
		o := *o
		o.t = t
		assertOVHClass(t, o.callInvalid("POST", networks, `{"regions":["GRA11"]}`), 400, bad)
		assertOVHClass(t, o.callInvalid("POST", networks, `{"name":"n","colour":"blue"}`), 400, bad)
		assertOVHClass(t, o.callInvalid("POST", networks, `{"name":"n","vlanId":"seven"}`), 400, bad)
		assertOVHClass(t, o.callInvalid("POST", networks, `{"name":"n"`), 400, bad)
		assertOVHClass(t, o.callInvalid("POST", networks, ``), 400, bad)
		o.fails("POST", networks, ovhObj{"name": "n", "regions": []string{"BHS5"}}, 400, bad)
		o.fails("POST", networks, ovhObj{"name": "n", "vlanId": 4001}, 400, bad)
		o.ok("POST", networks, ovhObj{"name": "n", "vlanId": 7})
		if msg := o.fails("POST", networks, ovhObj{"name": "other", "vlanId": 7}, 409, conflict); !strings.Contains(msg, "7") {
			t.Errorf("the VLAN conflict does not name the VLAN: %q", msg)
		}
		if msg := o.fails("GET", networks+"/pn-1234567_99", nil, 404, notFound); !strings.Contains(msg, "does not exist") {
			t.Errorf("unknown network: %q", msg)
		}
		o.fails("PUT", networks+"/pn-1234567_99", ovhObj{"name": "x"}, 404, notFound)
		o.fails("DELETE", networks+"/pn-1234567_99", nil, 404, notFound)
		assertOVHClass(t, o.callInvalid("PUT", networks+"/pn-1234567_99", `{}`), 400, bad)
	})

	netID, openstackID := activeNetwork(t, o, "wh", region)
	subnets := networks + "/" + netID + "/subnet"
	t.Run("subnet", func(t *testing.T) {
		o := *o
		o.t = t
		building := ovhStr(o.ok("POST", networks, ovhObj{"name": "building", "regions": []string{region}}), "id")
		if msg := o.fails("POST", networks+"/"+building+"/subnet", subnetBody("10.1.0.0/24", region), 400, bad); !strings.Contains(msg, "BUILDING") {
			t.Errorf("subnet in a building network: %q", msg)
		}
		o.fails("POST", subnets, subnetBody("10.1.0.0/24", "GRA11"), 400, bad) // the network is not in GRA11
		o.fails("POST", subnets, subnetBody("10.1.0.0/24", "BHS5"), 400, bad)  // nor is the project
		o.fails("POST", networks+"/pn-1234567_99/subnet", subnetBody("10.1.0.0/24", region), 404, notFound)
		for name, change := range map[string]ovhObj{
			"IPv6 block":          {"network": "fd00::/64"},
			"host bits":           {"network": "10.1.0.1/24"},
			"start outside":       {"start": "10.2.0.2"},
			"end is broadcast":    {"end": "10.1.0.255"},
			"start after end":     {"start": "10.1.0.200", "end": "10.1.0.100"},
			"gateway in the pool": {"start": "10.1.0.1"},
		} {
			body := subnetBody("10.1.0.0/24", region)
			for k, v := range change {
				body[k] = v
			}
			if r := o.call("POST", subnets, body); r.status != 400 {
				t.Errorf("%s: HTTP %d %s", name, r.status, r.body)
			} else {
				assertOVHClass(t, r, 400, bad)
			}
		}
		// Without a gateway, the pool may start at the first address.
		body := subnetBody("10.9.0.0/24", region)
		body["noGateway"], body["start"] = true, "10.9.0.1"
		if s := o.ok("POST", subnets, body); ovhDig(s, "gatewayIp") != nil {
			t.Errorf("subnet without gateway: %v", s)
		}
		assertOVHClass(t, o.callInvalid("POST", subnets, `{"dhcp":true,"network":"10.1.0.0/24","noGateway":false,"region":"`+region+`","start":"10.1.0.2"}`), 400, bad)
		assertOVHClass(t, o.callInvalid("POST", subnets, `{"dhcp":"yes","end":"10.1.0.9","network":"10.1.0.0/24","noGateway":false,"region":"`+region+`","start":"10.1.0.2"}`), 400, bad)
		o.ok("POST", subnets, subnetBody("10.1.0.0/24", region))
		if msg := o.fails("POST", subnets, subnetBody("10.1.0.128/25", region), 400, bad); !strings.Contains(msg, "overlaps") {
			t.Errorf("overlapping subnet: %q", msg)
		}
		o.fails("DELETE", subnets+"/"+"00000000-0000-4000-8000-000000000000", nil, 404, notFound)
		if msg := o.fails("DELETE", networks+"/"+netID, nil, 409, conflict); !strings.Contains(msg, "subnet") {
			t.Errorf("deleting a network with subnets: %q", msg)
		}
	})

	t.Run("gateway", func(t *testing.T) {
		o := *o
		o.t = t
		sub := o.ok("POST", subnets, subnetBody("10.2.0.0/24", region))
		subID := ovhStr(sub, "id")
		noGW := subnetBody("10.3.0.0/24", region)
		noGW["noGateway"] = true
		noGWID := ovhStr(o.ok("POST", subnets, noGW), "id")
		create := func(network, subnet string) string {
			return o.regional(region, "/network/"+network+"/subnet/"+subnet+"/gateway")
		}
		gw := ovhObj{"name": "g", "model": "s"}
		if msg := assertOVHClass(t, o.callInvalid("POST", create(netID, subID), `{"name":"g","model":"s"}`), 400, bad); msg != "invalid: invalid uuid '"+netID+"': invalid UUID length: "+strconv.Itoa(len(netID)) {
			t.Errorf("a pn- id where the route takes the OpenStack id: %q", msg)
		}
		o.fails("POST", create("00000000-0000-4000-8000-000000000000", subID), gw, 404, notFound)
		o.fails("POST", create(openstackID, noGWID), gw, 400, bad)
		assertOVHClass(t, o.callInvalid("POST", create(openstackID, subID), `{"name":"g","model":"xxl"}`), 400, bad)
		assertOVHClass(t, o.callInvalid("POST", create(openstackID, subID), `{"name":"g"}`), 400, bad)
		o.fails("POST", o.regional("BHS5", "/network/"+openstackID+"/subnet/"+subID+"/gateway"), gw, 404, notFound)
		op := o.ok("POST", create(openstackID, subID), gw)
		o.fails("POST", create(openstackID, subID), gw, 409, conflict)
		gatewayID := ovhStr(readOperation(t, &o, ovhStr(op, "id")), "resourceId")
		gateway := o.regional(region, "/gateway/"+gatewayID)
		o.ok("GET", gateway, nil)
		o.fails("POST", gateway+"/interface", ovhObj{"subnetId": subID}, 409, conflict)
		o.fails("POST", gateway+"/interface", ovhObj{"subnetId": noGWID}, 400, bad)
		o.fails("POST", gateway+"/interface", ovhObj{"subnetId": "00000000-0000-4000-8000-000000000000"}, 404, notFound)
		assertOVHClass(t, o.callInvalid("POST", gateway+"/interface", `{"subnetId":"`+netID+`"}`), 400, bad)
		if msg := o.fails("DELETE", subnets+"/"+subID, nil, 409, conflict); !strings.Contains(msg, gatewayID) {
			t.Errorf("deleting a subnet with a gateway interface: %q", msg)
		}
		unknown := o.regional(region, "/gateway/00000000-0000-4000-8000-000000000000")
		o.fails("GET", unknown, nil, 404, notFound)
		o.fails("DELETE", unknown, nil, 404, notFound)
		o.fails("GET", gateway+"/interface/00000000-0000-4000-8000-000000000000", nil, 404, notFound)
		o.fails("GET", o.regional("GRA11", "/gateway/"+gatewayID), nil, 404, notFound) // another region
		assertOVHClass(t, o.callInvalid("GET", o.regional(region, "/gateway/xyz"), ""), 400, bad)
		o.fails("GET", o.in("/operation/00000000-0000-4000-8000-000000000000"), nil, 404, notFound)
	})
}

// An account sees only its own projects' objects, and another project's
// object answers exactly like one that does not exist.
func TestOVHNetwork_projectIsolation(t *testing.T) {
	t.Parallel()
	cfg := emulator.DefaultConfig()
	other := ovh.Account{NicHandle: "em00002-ovh", ApplicationKey: "emulatorappkey02",
		ApplicationSecret: "emulatorappsecret000000000000002", ConsumerKey: "emulatorconsumerkey0000000000002",
		Projects: []ovh.Project{{ID: "0000000000000000000000000000e002", Regions: []string{emulator.DefaultOVHRegion}}}}
	cfg.OVH.Accounts = append(cfg.OVH.Accounts, other)
	emu := emutest.Start(t, &cfg)
	region := emulator.DefaultOVHRegion

	a := newOVHAPI(t, emu)
	netID, openstackID := activeNetwork(t, a, "a", region)
	subID := ovhStr(a.ok("POST", a.in("/network/private/"+netID+"/subnet"), subnetBody("10.0.0.0/24", region)), "id")
	op := a.ok("POST", a.regional(region, "/network/"+openstackID+"/subnet/"+subID+"/gateway"), ovhObj{"name": "g", "model": "s"})
	gatewayID := ovhStr(readOperation(t, a, ovhStr(op, "id")), "resourceId")

	b := newOVHAPI(t, emu)
	b.ak, b.as, b.ck, b.project = other.ApplicationKey, other.ApplicationSecret, other.ConsumerKey, other.Projects[0].ID
	if list := b.ok("GET", b.in("/network/private"), nil); ovhLen(list) != 0 {
		t.Fatalf("B lists A's networks: %v", list)
	}
	if list := b.ok("GET", b.regional(region, "/gateway"), nil); ovhLen(list) != 0 {
		t.Fatalf("B lists A's gateways: %v", list)
	}
	// B's own project, A's ids.
	b.fails("GET", b.in("/network/private/"+netID), nil, 404, "Client::NotFound")
	b.fails("DELETE", b.in("/network/private/"+netID+"/subnet/"+subID), nil, 404, "Client::NotFound")
	b.fails("POST", b.regional(region, "/network/"+openstackID+"/subnet/"+subID+"/gateway"), ovhObj{"name": "g", "model": "s"}, 404, "Client::NotFound")
	b.fails("GET", b.regional(region, "/gateway/"+gatewayID), nil, 404, "Client::NotFound")
	b.fails("DELETE", b.regional(region, "/gateway/"+gatewayID), nil, 404, "Client::NotFound")
	b.fails("GET", b.in("/operation/"+ovhStr(op, "id")), nil, 404, "Client::NotFound")
	// A's project.
	b.project = emulator.DefaultOVHProjectID
	b.fails("GET", b.in("/network/private/"+netID), nil, 404, "Client::NotFound")
	b.fails("GET", b.in("/network/private"), nil, 404, "Client::NotFound")
	// B's networks take their VLANs in B's project.
	b.project = other.Projects[0].ID
	if n := b.ok("POST", b.in("/network/private"), ovhObj{"name": "b"}); ovhDig(n, "vlanId") != json.Number("1") || ovhStr(n, "id") == netID {
		t.Fatalf("B's first network: %v", n)
	}
}

func TestOVHNetwork_concurrentCreates(t *testing.T) {
	t.Parallel()
	emu := startFrozenOVH(t)
	o := newOVHAPI(t, emu)
	const n = 12
	ids := make(chan string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := o.send("POST", o.in("/network/private"), ovhMarshal(t, ovhObj{"name": fmt.Sprintf("n%d", i)}))
			if r.status != 200 {
				t.Errorf("HTTP %d %s", r.status, r.body)
				return
			}
			ids <- ovhStr(ovhDecode(t, r.body), "id")
		}()
	}
	wg.Wait()
	close(ids)
	seen := map[string]bool{}
	for id := range ids {
		if seen[id] {
			t.Errorf("two networks got %s", id)
		}
		seen[id] = true
	}
	if len(seen) != n {
		t.Fatalf("%d distinct networks, want %d", len(seen), n)
	}
}

func TestOVHNetwork_persistsAcrossRestart(t *testing.T) {
	t.Parallel()
	cfg := emulator.DefaultConfig()
	cfg.DataDir = t.TempDir()
	emu, err := emulator.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := emu.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	netID, _ := activeNetwork(t, newOVHAPI(t, emu), "kept", emulator.DefaultOVHRegion)
	if err := emu.Close(); err != nil {
		t.Fatal(err)
	}
	o := newOVHAPI(t, emutest.Start(t, &cfg))
	if n := o.ok("GET", o.in("/network/private/"+netID), nil); ovhStr(n, "status") != "ACTIVE" || ovhStr(n, "name") != "kept" {
		t.Fatalf("after the restart: %v", n)
	}
}
