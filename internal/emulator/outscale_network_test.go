package emulator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/outscale"
)

// These tests speak raw HTTP to the emulated OUTSCALE network calls, and
// check every request they send and every answer they get against the
// OpenAPI description of OAPI that osc-sdk-go ships (api/openapi.yaml): the
// emulator is only worth the fidelity of its wire format.

// ---- conformance ---------------------------------------------------------

// oapiSpec is the OpenAPI document, decoded as plain maps.
type oapiSpec struct {
	doc map[string]any
}

var (
	specOnce   sync.Once
	loadedSpec *oapiSpec
	specErr    error
)

// loadOAPISpec reads api/openapi.yaml from the osc-sdk-go/v2 module the
// project depends on, so the check follows the SDK version in go.mod.
func loadOAPISpec(t *testing.T) *oapiSpec {
	t.Helper()
	specOnce.Do(func() {
		// go test puts the go command that runs it first on PATH.
		out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/outscale/osc-sdk-go/v2").Output()
		if err != nil {
			specErr = fmt.Errorf("locating osc-sdk-go/v2: %w", err)
			return
		}
		raw, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "api", "openapi.yaml"))
		if err != nil {
			specErr = err
			return
		}
		var doc map[string]any
		if err := yaml.Unmarshal(raw, &doc); err != nil {
			specErr = fmt.Errorf("parsing openapi.yaml: %w", err)
			return
		}
		loadedSpec = &oapiSpec{doc: doc}
	})
	if specErr != nil {
		t.Fatal(specErr)
	}
	return loadedSpec
}

func (s *oapiSpec) operation(action string) (map[string]any, error) {
	op, ok := dig(s.doc, "paths", "/"+action, "post").(map[string]any)
	if !ok {
		return nil, fmt.Errorf("the spec has no action %s", action)
	}
	return op, nil
}

func (s *oapiSpec) requestSchema(action string) (map[string]any, error) {
	op, err := s.operation(action)
	if err != nil {
		return nil, err
	}
	schema, ok := dig(op, "requestBody", "content", "application/json", "schema").(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s has no JSON request schema", action)
	}
	return schema, nil
}

// responseSchema is the schema of the answer of status. The spec declares
// error answers for a few statuses per action only, while the real API
// sends the same ErrorResponse whatever the status (research/outscale.md,
// §3.3): undeclared error statuses are checked against ErrorResponse.
func (s *oapiSpec) responseSchema(action string, status int) (map[string]any, error) {
	op, err := s.operation(action)
	if err != nil {
		return nil, err
	}
	if schema, ok := dig(op, "responses", strconv.Itoa(status), "content", "application/json", "schema").(map[string]any); ok {
		return schema, nil
	}
	if status >= 400 {
		return map[string]any{"$ref": "#/components/schemas/ErrorResponse"}, nil
	}
	return nil, fmt.Errorf("%s declares no answer for HTTP %d", action, status)
}

// validate checks value against schema: every property present is in the
// schema with the right JSON type, recursively through $ref, arrays and
// objects; required properties are present; enums hold. It returns one line
// per problem.
func (s *oapiSpec) validate(schema map[string]any, value any, path string) []string {
	if ref, ok := schema["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		target, ok := dig(s.doc, "components", "schemas", name).(map[string]any)
		if !ok {
			return []string{path + ": unresolvable $ref " + ref}
		}
		return s.validate(target, value, path)
	}
	if value == nil {
		if nullable, _ := schema["nullable"].(bool); nullable {
			return nil
		}
		return []string{path + ": null where the spec does not allow it"}
	}
	typ, _ := schema["type"].(string)
	if typ == "" && schema["properties"] != nil {
		typ = "object"
	}
	var problems []string
	switch typ {
	case "object":
		obj, ok := value.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: %s, want an object", path, jsonType(value))}
		}
		props, _ := schema["properties"].(map[string]any)
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			sub, ok := props[k].(map[string]any)
			if !ok {
				problems = append(problems, fmt.Sprintf("%s.%s: not a property of the schema", path, k))
				continue
			}
			problems = append(problems, s.validate(sub, obj[k], path+"."+k)...)
		}
		required, _ := schema["required"].([]any)
		for _, r := range required {
			if _, ok := obj[r.(string)]; !ok {
				problems = append(problems, fmt.Sprintf("%s.%s: required, missing", path, r))
			}
		}
	case "array":
		arr, ok := value.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s: %s, want an array", path, jsonType(value))}
		}
		items, _ := schema["items"].(map[string]any)
		for i, v := range arr {
			problems = append(problems, s.validate(items, v, fmt.Sprintf("%s[%d]", path, i))...)
		}
	case "string":
		str, ok := value.(string)
		if !ok {
			return []string{fmt.Sprintf("%s: %s, want a string", path, jsonType(value))}
		}
		if enum, ok := schema["enum"].([]any); ok && !slices.Contains(enum, any(str)) {
			problems = append(problems, fmt.Sprintf("%s: %q is not one of %v", path, str, enum))
		}
	case "integer":
		n, ok := value.(json.Number)
		if _, err := n.Int64(); !ok || err != nil {
			return []string{fmt.Sprintf("%s: %s, want an integer", path, jsonType(value))}
		}
	case "number":
		if _, ok := value.(json.Number); !ok {
			return []string{fmt.Sprintf("%s: %s, want a number", path, jsonType(value))}
		}
	case "boolean":
		if _, ok := value.(bool); !ok {
			return []string{fmt.Sprintf("%s: %s, want a boolean", path, jsonType(value))}
		}
	default:
		problems = append(problems, fmt.Sprintf("%s: the schema has no type the validator knows (%v)", path, schema["type"]))
	}
	return problems
}

func jsonType(v any) string {
	switch x := v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return fmt.Sprintf("the string %q", x)
	case json.Number:
		return "the number " + x.String()
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// dig walks maps by key and slices by index.
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			s, ok := v.([]any)
			if !ok || k >= len(s) {
				return nil
			}
			v = s[k]
		}
	}
	return v
}

func decodeJSON(t *testing.T, raw []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // integers must stay integers for the type check
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("not JSON: %v: %s", err, raw)
	}
	return v
}

// ---- client --------------------------------------------------------------

// oapiClient sends OAPI calls as one account and checks them against the spec.
type oapiClient struct {
	t      *testing.T
	emu    *emulator.Emulator
	ak, sk string
	spec   *oapiSpec
	// now is the time requests are signed at: the emulator's clock.
	now func() time.Time
}

func newOAPIClient(t *testing.T, emu *emulator.Emulator) *oapiClient {
	return &oapiClient{t: t, emu: emu, ak: emulator.DefaultOutscaleAccessKey, sk: emulator.DefaultOutscaleSecretKey,
		spec: loadOAPISpec(t), now: time.Now}
}

func (o *oapiClient) as(ak, sk string) *oapiClient {
	c := *o
	c.ak, c.sk = ak, sk
	return &c
}

// send calls action with a body that must conform to the spec.
func (o *oapiClient) send(action string, body any) response {
	o.t.Helper()
	raw := marshalBody(o.t, body)
	schema, err := o.spec.requestSchema(action)
	if err != nil {
		o.t.Fatal(err)
	}
	if problems := o.spec.validate(schema, decodeJSON(o.t, raw), action+" request"); len(problems) > 0 {
		o.t.Fatalf("the test sends a request the spec refuses:\n%s\n%s", strings.Join(problems, "\n"), raw)
	}
	return o.sendUnchecked(action, raw)
}

// sendInvalid calls action with a body the spec refuses on purpose; the
// answer is still checked.
func (o *oapiClient) sendInvalid(action string, body any) response {
	o.t.Helper()
	return o.sendUnchecked(action, marshalBody(o.t, body))
}

func (o *oapiClient) sendUnchecked(action string, raw []byte) response {
	o.t.Helper()
	r := oapi(o.t, o.emu, action, string(raw), o.ak, o.sk, o.now())
	schema, err := o.spec.responseSchema(action, r.status)
	if err != nil {
		o.t.Fatalf("%v: %s", err, r.body)
	}
	if problems := o.spec.validate(schema, decodeJSON(o.t, r.body), fmt.Sprintf("%s answer (HTTP %d)", action, r.status)); len(problems) > 0 {
		o.t.Fatalf("the emulator answers what the spec refuses:\n%s\n%s", strings.Join(problems, "\n"), r.body)
	}
	return r
}

// ok sends a conforming call that must succeed, and returns its answer.
func (o *oapiClient) ok(action string, body any) any {
	o.t.Helper()
	r := o.send(action, body)
	if r.status != 200 {
		o.t.Fatalf("%s: HTTP %d %s", action, r.status, r.body)
	}
	return decodeJSON(o.t, r.body)
}

// fails sends a conforming call that must fail with the given error.
func (o *oapiClient) fails(action string, body any, status int, code, typ string) {
	o.t.Helper()
	assertOAPIError(o.t, o.send(action, body), status, code, typ)
}

func marshalBody(t *testing.T, body any) []byte {
	t.Helper()
	if s, ok := body.(string); ok {
		return []byte(s)
	}
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

type obj = map[string]any

func str(v any, path ...any) string {
	s, _ := dig(v, path...).(string)
	return s
}

func length(v any, path ...any) int {
	s, _ := dig(v, path...).([]any)
	return len(s)
}

func assertID(t *testing.T, prefix, id string) {
	t.Helper()
	if !regexp.MustCompile("^" + prefix + "-[0-9a-f]{8}$").MatchString(id) {
		t.Errorf("id %q is not %s- followed by 8 hexadecimal characters", id, prefix)
	}
}

// ---- the validator itself --------------------------------------------------

// The conformance check would be worthless if it let anything through.
func TestOAPISpecValidatorCatchesMistakes(t *testing.T) {
	t.Parallel()
	spec := loadOAPISpec(t)
	schema, err := spec.responseSchema("CreateNet", 200)
	if err != nil {
		t.Fatal(err)
	}
	for body, want := range map[string]string{
		`{"Net":{"NetId":"vpc-12345678","Colour":"blue"}}`:                  "not a property",
		`{"Net":{"NetId":12}}`:                                              "want a string",
		`{"Net":{"Tags":[{"Key":"k"}]}}`:                                    "required, missing",
		`{"Net":{"Tags":null}}`:                                             "null where",
		`{"ResponseContext":{"RequestId":["x"]}}`:                           "want a string",
		`{"Net":{"NetId":"vpc-12345678","Tags":[{"Key":"k","Value":1.5}]}}`: "want a string",
	} {
		problems := spec.validate(schema, decodeJSON(t, []byte(body)), "CreateNet")
		if len(problems) == 0 || !strings.Contains(strings.Join(problems, "\n"), want) {
			t.Errorf("%s: problems %q, want one saying %q", body, problems, want)
		}
	}
	subnet, _ := spec.responseSchema("CreateSubnet", 200)
	if p := spec.validate(subnet, decodeJSON(t, []byte(`{"Subnet":{"AvailableIpsCount":1.5}}`)), "CreateSubnet"); len(p) == 0 {
		t.Error("a fractional integer passed")
	}
}

// ---- scenarios -------------------------------------------------------------

// TestOutscaleNetwork_wholeNetwork builds the warehouse's network the way
// the provider does and reads every part back.
func TestOutscaleNetwork_wholeNetwork(t *testing.T) {
	t.Parallel()
	emu, clock := startFrozen(t)
	o := clock.client(t, emu)
	region := emulator.DefaultOutscaleRegion

	net := o.ok("CreateNet", obj{"IpRange": "10.50.0.0/16"})
	netID := str(net, "Net", "NetId")
	assertID(t, "vpc", netID)
	if str(net, "Net", "State") != "available" || str(net, "Net", "IpRange") != "10.50.0.0/16" || str(net, "Net", "Tenancy") != "default" {
		t.Fatalf("CreateNet answered %v", net)
	}
	assertID(t, "dopt", str(net, "Net", "DhcpOptionsSetId"))

	// The Net came with its main route table and its default security group.
	mains := o.ok("ReadRouteTables", obj{"Filters": obj{"NetIds": []string{netID}, "LinkRouteTableMain": true}})
	if length(mains, "RouteTables") != 1 || dig(mains, "RouteTables", 0, "LinkRouteTables", 0, "Main") != true {
		t.Fatalf("main route table: %v", mains)
	}
	assertID(t, "rtbassoc", str(mains, "RouteTables", 0, "LinkRouteTables", 0, "LinkRouteTableId"))
	if str(mains, "RouteTables", 0, "Routes", 0, "DestinationIpRange") != "10.50.0.0/16" {
		t.Fatalf("the main route table has no local route: %v", mains)
	}
	defaults := o.ok("ReadSecurityGroups", obj{"Filters": obj{"NetIds": []string{netID}}})
	if length(defaults, "SecurityGroups") != 1 || str(defaults, "SecurityGroups", 0, "SecurityGroupName") != "default" {
		t.Fatalf("default security group: %v", defaults)
	}

	bastion := o.ok("CreateSubnet", obj{"NetId": netID, "IpRange": "10.50.0.0/18"})
	compute := o.ok("CreateSubnet", obj{"NetId": netID, "IpRange": "10.50.64.0/18", "SubregionName": region + "b"})
	bastionID, computeID := str(bastion, "Subnet", "SubnetId"), str(compute, "Subnet", "SubnetId")
	assertID(t, "subnet", bastionID)
	if n, _ := dig(bastion, "Subnet", "AvailableIpsCount").(json.Number); n.String() != "16379" {
		t.Errorf("AvailableIpsCount of a /18 = %v, want 16379 as in the spec's example", n)
	}
	if str(compute, "Subnet", "SubregionName") != region+"b" || str(bastion, "Subnet", "SubregionName") != region+"a" {
		t.Errorf("subregions: %v / %v", bastion, compute)
	}

	sgBastion := str(o.ok("CreateSecurityGroup", obj{"NetId": netID, "SecurityGroupName": "wh-bastion",
		"Description": "Warehouse bastion tier: SSH from administrators"}), "SecurityGroup", "SecurityGroupId")
	sgCompute := o.ok("CreateSecurityGroup", obj{"NetId": netID, "SecurityGroupName": "wh-compute", "Description": "Warehouse compute tier"})
	sgComputeID := str(sgCompute, "SecurityGroup", "SecurityGroupId")
	assertID(t, "sg", sgComputeID)
	if str(sgCompute, "SecurityGroup", "OutboundRules", 0, "IpRanges", 0) != "0.0.0.0/0" || length(sgCompute, "SecurityGroup", "InboundRules") != 0 {
		t.Errorf("a new group in a Net allows all outbound traffic and nothing inbound: %v", sgCompute)
	}
	// The flat form and the Rules form, CIDR and group sources.
	o.ok("CreateSecurityGroupRule", obj{"Flow": "Inbound", "SecurityGroupId": sgBastion,
		"IpProtocol": "tcp", "FromPortRange": 22, "ToPortRange": 22, "IpRange": "203.0.113.7/32"})
	withRules := o.ok("CreateSecurityGroupRule", obj{"Flow": "Inbound", "SecurityGroupId": sgComputeID, "Rules": []obj{
		{"IpProtocol": "tcp", "FromPortRange": 22, "ToPortRange": 22, "SecurityGroupsMembers": []obj{{"SecurityGroupId": sgBastion}}},
		{"IpProtocol": "tcp", "FromPortRange": 8200, "ToPortRange": 8200, "IpRanges": []string{"10.50.0.0/18", "10.50.64.0/18"}},
	}})
	rules, _ := dig(withRules, "SecurityGroup", "InboundRules").([]any)
	if len(rules) != 2 || str(rules[0], "SecurityGroupsMembers", 0, "SecurityGroupName") != "wh-bastion" ||
		str(rules[0], "SecurityGroupsMembers", 0, "AccountId") != emulator.DefaultOutscaleAccountID || length(rules[1], "IpRanges") != 2 {
		t.Fatalf("InboundRules = %v", rules)
	}
	// Adding a source to an existing port range joins the same rule.
	o.ok("CreateSecurityGroupRule", obj{"Flow": "Inbound", "SecurityGroupId": sgComputeID, "Rules": []obj{
		{"IpProtocol": "tcp", "FromPortRange": 8200, "ToPortRange": 8200, "IpRanges": []string{"10.50.128.0/18"}}}})
	o.ok("DeleteSecurityGroupRule", obj{"Flow": "Inbound", "SecurityGroupId": sgComputeID, "Rules": []obj{
		{"IpProtocol": "tcp", "FromPortRange": 8200, "ToPortRange": 8200, "IpRanges": []string{"10.50.0.0/18"}}}})
	groups := o.ok("ReadSecurityGroups", obj{"Filters": obj{"SecurityGroupIds": []string{sgComputeID}}})
	if got := dig(groups, "SecurityGroups", 0, "InboundRules", 1, "IpRanges"); fmt.Sprint(got) != "[10.50.64.0/18 10.50.128.0/18]" {
		t.Fatalf("port 8200 sources = %v", got)
	}
	byRule := o.ok("ReadSecurityGroups", obj{"Filters": obj{"InboundRuleSecurityGroupIds": []string{sgBastion}}})
	if length(byRule, "SecurityGroups") != 1 || str(byRule, "SecurityGroups", 0, "SecurityGroupId") != sgComputeID {
		t.Fatalf("filter on rule members: %v", byRule)
	}

	igw := o.ok("CreateInternetService", obj{})
	igwID := str(igw, "InternetService", "InternetServiceId")
	assertID(t, "igw", igwID)
	o.ok("LinkInternetService", obj{"InternetServiceId": igwID, "NetId": netID})
	linked := o.ok("ReadInternetServices", obj{"Filters": obj{"LinkNetIds": []string{netID}}})
	if str(linked, "InternetServices", 0, "State") != "available" || str(linked, "InternetServices", 0, "NetId") != netID {
		t.Fatalf("linked internet service: %v", linked)
	}

	public := o.ok("CreateRouteTable", obj{"NetId": netID})
	publicID := str(public, "RouteTable", "RouteTableId")
	assertID(t, "rtb", publicID)
	o.ok("CreateRoute", obj{"RouteTableId": publicID, "DestinationIpRange": "0.0.0.0/0", "GatewayId": igwID})
	link := o.ok("LinkRouteTable", obj{"RouteTableId": publicID, "SubnetId": bastionID})
	assertID(t, "rtbassoc", str(link, "LinkRouteTableId"))

	ip := o.ok("CreatePublicIp", obj{})
	ipID, address := str(ip, "PublicIp", "PublicIpId"), str(ip, "PublicIp", "PublicIp")
	assertID(t, "eipalloc", ipID)
	nat := o.ok("CreateNatService", obj{"SubnetId": bastionID, "PublicIpId": ipID, "ClientToken": "wh-1-nat"})
	natID := str(nat, "NatService", "NatServiceId")
	assertID(t, "nat", natID)
	if str(nat, "NatService", "State") != "pending" || str(nat, "NatService", "PublicIps", 0, "PublicIp") != address ||
		str(nat, "NatService", "NetId") != netID {
		t.Fatalf("CreateNatService answered %v", nat)
	}
	// pending, seen once, then available.
	for _, want := range []string{"pending", "available", "available"} {
		got := o.ok("ReadNatServices", obj{"Filters": obj{"NatServiceIds": []string{natID}}})
		if str(got, "NatServices", 0, "State") != want {
			t.Fatalf("NAT state = %v, want %s", got, want)
		}
	}
	linkedIP := o.ok("ReadPublicIps", obj{"Filters": obj{"PublicIpIds": []string{ipID}}})
	if str(linkedIP, "PublicIps", 0, "NatServiceId") != natID {
		t.Fatalf("the NAT's public IP does not name it: %v", linkedIP)
	}
	assertID(t, "eipassoc", str(linkedIP, "PublicIps", 0, "LinkPublicIpId"))

	private := str(o.ok("CreateRouteTable", obj{"NetId": netID}), "RouteTable", "RouteTableId")
	o.ok("CreateRoute", obj{"RouteTableId": private, "DestinationIpRange": "0.0.0.0/0", "NatServiceId": natID})
	o.ok("LinkRouteTable", obj{"RouteTableId": private, "SubnetId": computeID})

	// ReadNetAccessPointServices needs no signature, like the real one.
	services := o.as("", "").ok("ReadNetAccessPointServices", obj{"Filters": obj{"ServiceNames": []string{"com.outscale." + region + ".oos"}}})
	serviceID := str(services, "Services", 0, "ServiceId")
	if length(services, "Services") != 1 || !strings.HasPrefix(serviceID, "pl-") {
		t.Fatalf("services: %v", services)
	}
	nap := o.ok("CreateNetAccessPoint", obj{"NetId": netID, "ServiceName": "com.outscale." + region + ".oos",
		"RouteTableIds": []string{publicID, private}})
	napID := str(nap, "NetAccessPoint", "NetAccessPointId")
	assertID(t, "vpce", napID)
	if str(nap, "NetAccessPoint", "State") != "pending" || length(nap, "NetAccessPoint", "RouteTableIds") != 2 {
		t.Fatalf("CreateNetAccessPoint answered %v", nap)
	}
	routed := o.ok("ReadRouteTables", obj{"Filters": obj{"RouteDestinationServiceIds": []string{serviceID}}})
	if length(routed, "RouteTables") != 2 {
		t.Fatalf("the access point added no route to its route tables: %v", routed)
	}

	everything := []string{netID, bastionID, computeID, sgBastion, sgComputeID, igwID, publicID, private, ipID, natID, napID}
	o.ok("CreateTags", obj{"ResourceIds": everything, "Tags": []obj{{"Key": "health:network", "Value": "wh"}, {"Key": "Name", "Value": "x"}}})
	o.ok("CreateTags", obj{"ResourceIds": []string{netID}, "Tags": []obj{{"Key": "Name", "Value": "wh"}, {"Key": "owner", "Value": ""}}})
	o.ok("DeleteTags", obj{"ResourceIds": []string{computeID}, "Tags": []obj{{"Key": "Name", "Value": ""}}})
	o.ok("DeleteTags", obj{"ResourceIds": []string{bastionID}, "Tags": []obj{{"Key": "Name", "Value": "not-its-value"}}})
	tags := o.ok("ReadTags", obj{"Filters": obj{"Keys": []string{"health:network"}}})
	if length(tags, "Tags") != len(everything) {
		t.Fatalf("ReadTags: %v", tags)
	}
	types := map[string]string{}
	for i := range length(tags, "Tags") {
		types[str(tags, "Tags", i, "ResourceId")] = str(tags, "Tags", i, "ResourceType")
	}
	if types[netID] != "vpc" || types[natID] != "natgateway" || types[ipID] != "public-ip" || types[napID] != "vpc-endpoint" {
		t.Errorf("resource types: %v", types)
	}

	// Each object shows its tags, and the tag filters of the Read calls work.
	nets := o.ok("ReadNets", obj{"Filters": obj{"Tags": []string{"Name=wh"}, "TagKeys": []string{"owner"}}})
	if length(nets, "Nets") != 1 || length(nets, "Nets", 0, "Tags") != 3 {
		t.Fatalf("ReadNets by tag: %v", nets)
	}
	if got := o.ok("ReadNets", obj{"Filters": obj{"Tags": []string{"Name=x"}}}); length(got, "Nets") != 0 {
		t.Fatalf("the Net's Name tag was replaced, yet Name=x finds it: %v", got)
	}
	subnets := o.ok("ReadSubnets", obj{"Filters": obj{"NetIds": []string{netID}, "TagKeys": []string{"Name"}}})
	if length(subnets, "Subnets") != 1 || str(subnets, "Subnets", 0, "SubnetId") != bastionID {
		t.Fatalf("ReadSubnets by tag key: %v", subnets)
	}
	for action, collection := range map[string]string{"ReadNatServices": "NatServices", "ReadNetAccessPoints": "NetAccessPoints",
		"ReadRouteTables": "RouteTables", "ReadInternetServices": "InternetServices", "ReadPublicIps": "PublicIps",
		"ReadSecurityGroups": "SecurityGroups"} {
		got := o.ok(action, obj{"Filters": obj{"TagValues": []string{"wh"}}})
		if length(got, collection) == 0 || length(got, collection, 0, "Tags") == 0 {
			t.Errorf("%s by tag value: %v", action, got)
		}
	}
	points := o.ok("ReadNetAccessPoints", obj{"Filters": obj{"NetIds": []string{netID}}})
	if str(points, "NetAccessPoints", 0, "State") != "available" {
		t.Errorf("the access point is not available after being read: %v", points)
	}
}

// TestOutscaleNetwork_invalidRequests checks each refusal's HTTP status,
// Type and Code (see errors.go in the emulator for which are verified).
func TestOutscaleNetwork_invalidRequests(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	o := newOAPIClient(t, emu)
	netID := str(o.ok("CreateNet", obj{"IpRange": "10.60.0.0/16"}), "Net", "NetId")
	subnetID := str(o.ok("CreateSubnet", obj{"NetId": netID, "IpRange": "10.60.0.0/24"}), "Subnet", "SubnetId")
	sgID := str(o.ok("CreateSecurityGroup", obj{"NetId": netID, "SecurityGroupName": "a", "Description": "a"}), "SecurityGroup", "SecurityGroupId")
	o.ok("CreateSecurityGroupRule", obj{"Flow": "Inbound", "SecurityGroupId": sgID, "IpProtocol": "tcp",
		"FromPortRange": 443, "ToPortRange": 443, "IpRange": "10.60.0.0/24"})
	rtID := str(o.ok("CreateRouteTable", obj{"NetId": netID}), "RouteTable", "RouteTableId")

	const (
		missing  = "MissingParameter"
		invalid  = "InvalidParameterValue"
		resource = "InvalidResource"
		conflict = "ResourceConflict"
	)
	for _, c := range []struct {
		name, action string
		body         any
		status       int
		code, typ    string
		nonConform   bool // the body breaks the spec on purpose
	}{
		{"net without IpRange", "CreateNet", obj{}, 400, "7000", missing, true},
		{"net range not a CIDR", "CreateNet", obj{"IpRange": "10.0.0.0"}, 400, "4078", invalid, false},
		{"net larger than /16", "CreateNet", obj{"IpRange": "10.0.0.0/15"}, 400, "4078", invalid, false},
		{"net smaller than /28", "CreateNet", obj{"IpRange": "10.0.0.0/29"}, 400, "4078", invalid, false},
		{"net with host bits", "CreateNet", obj{"IpRange": "10.0.0.1/16"}, 400, "4078", invalid, false},
		{"net IPv6", "CreateNet", obj{"IpRange": "fd00::/48"}, 400, "4078", invalid, false},
		{"unknown parameter", "CreateNet", obj{"IpRange": "10.0.0.0/16", "Colour": "blue"}, 400, "3001", "InvalidParameter", true},
		{"parameter of the wrong type", "CreateNet", obj{"IpRange": 16}, 400, "4000", invalid, true},
		{"subnet in an unknown Net", "CreateSubnet", obj{"NetId": "vpc-00000000", "IpRange": "10.60.1.0/24"}, 400, "5065", resource, false},
		{"subnet without NetId", "CreateSubnet", obj{"IpRange": "10.60.1.0/24"}, 400, "7000", missing, true},
		{"subnet outside its Net", "CreateSubnet", obj{"NetId": netID, "IpRange": "10.61.0.0/24"}, 400, "4078", invalid, false},
		{"subnet larger than its Net", "CreateSubnet", obj{"NetId": netID, "IpRange": "10.0.0.0/16"}, 400, "4078", invalid, false},
		{"overlapping subnets", "CreateSubnet", obj{"NetId": netID, "IpRange": "10.60.0.128/25"}, 409, "9038", conflict, false},
		{"unknown Subregion", "CreateSubnet", obj{"NetId": netID, "IpRange": "10.60.1.0/24", "SubregionName": "eu-west-2a"}, 400, "4078", invalid, false},
		{"delete an unknown subnet", "DeleteSubnet", obj{"SubnetId": "subnet-00000000"}, 400, "5057", resource, false},
		{"delete an unknown Net", "DeleteNet", obj{"NetId": "vpc-00000000"}, 400, "5065", resource, false},
		{"group name taken in the Net", "CreateSecurityGroup", obj{"NetId": netID, "SecurityGroupName": "a", "Description": "b"}, 409, "9008", conflict, false},
		{"group name like an id", "CreateSecurityGroup", obj{"NetId": netID, "SecurityGroupName": "sg-x", "Description": "b"}, 400, "4078", invalid, false},
		{"group description with a bad character", "CreateSecurityGroup", obj{"NetId": netID, "SecurityGroupName": "c", "Description": "<b>"}, 400, "4078", invalid, false},
		{"group without description", "CreateSecurityGroup", obj{"NetId": netID, "SecurityGroupName": "c"}, 400, "7000", missing, true},
		{"rule on an unknown group", "CreateSecurityGroupRule", obj{"Flow": "Inbound", "SecurityGroupId": "sg-00000000",
			"IpProtocol": "tcp", "FromPortRange": 22, "ToPortRange": 22, "IpRange": "10.0.0.0/8"}, 400, "5020", resource, false},
		{"rule admitting an unknown group", "CreateSecurityGroupRule", obj{"Flow": "Inbound", "SecurityGroupId": sgID, "Rules": []obj{
			{"IpProtocol": "tcp", "FromPortRange": 22, "ToPortRange": 22, "SecurityGroupsMembers": []obj{{"SecurityGroupId": "sg-00000000"}}}}},
			400, "5020", resource, false},
		{"duplicate rule", "CreateSecurityGroupRule", obj{"Flow": "Inbound", "SecurityGroupId": sgID, "Rules": []obj{
			{"IpProtocol": "tcp", "FromPortRange": 443, "ToPortRange": 443, "IpRanges": []string{"10.60.0.0/24"}}}}, 409, "9011", conflict, false},
		{"rule without Flow", "CreateSecurityGroupRule", obj{"SecurityGroupId": sgID, "IpRange": "10.0.0.0/8"}, 400, "7000", missing, true},
		{"rule with a bad Flow", "CreateSecurityGroupRule", obj{"Flow": "Sideways", "SecurityGroupId": sgID, "IpRange": "10.0.0.0/8"}, 400, "4078", invalid, false},
		{"tcp rule without ports", "CreateSecurityGroupRule", obj{"Flow": "Inbound", "SecurityGroupId": sgID, "IpProtocol": "tcp", "IpRange": "10.0.0.0/8"}, 400, "7000", missing, false},
		{"port out of range", "CreateSecurityGroupRule", obj{"Flow": "Inbound", "SecurityGroupId": sgID, "IpProtocol": "tcp",
			"FromPortRange": 22, "ToPortRange": 70000, "IpRange": "10.0.0.0/8"}, 400, "4078", invalid, false},
		{"flat and Rules together", "CreateSecurityGroupRule", obj{"Flow": "Inbound", "SecurityGroupId": sgID, "IpRange": "10.0.0.0/8",
			"Rules": []obj{{"IpProtocol": "tcp", "FromPortRange": 1, "ToPortRange": 1, "IpRanges": []string{"10.0.0.0/8"}}}}, 400, "4078", invalid, false},
		{"delete a rule that does not exist", "DeleteSecurityGroupRule", obj{"Flow": "Inbound", "SecurityGroupId": sgID,
			"IpProtocol": "tcp", "FromPortRange": 22, "ToPortRange": 22, "IpRange": "10.0.0.0/8"}, 400, "5054", resource, false},
		{"delete the default group", "DeleteSecurityGroup", obj{"SecurityGroupId": defaultGroup(t, o, netID)}, 400, "4078", invalid, false},
		{"delete a group named nothing", "DeleteSecurityGroup", obj{}, 400, "7000", missing, false},
		{"link an unknown internet service", "LinkInternetService", obj{"InternetServiceId": "igw-00000000", "NetId": netID}, 400, "5036", resource, false},
		{"delete an unknown public IP", "DeletePublicIp", obj{"PublicIpId": "eipalloc-00000000"}, 400, "5025", resource, false},
		{"NAT in an unknown subnet", "CreateNatService", obj{"SubnetId": "subnet-00000000", "PublicIpId": "eipalloc-00000000"}, 400, "5057", resource, false},
		{"NAT without public IP", "CreateNatService", obj{"SubnetId": subnetID}, 400, "7000", missing, true},
		{"route without target", "CreateRoute", obj{"RouteTableId": rtID, "DestinationIpRange": "0.0.0.0/0"}, 400, "7000", missing, false},
		{"route with two targets", "CreateRoute", obj{"RouteTableId": rtID, "DestinationIpRange": "0.0.0.0/0",
			"GatewayId": "igw-00000000", "NatServiceId": "nat-00000000"}, 400, "4078", invalid, false},
		{"route to an unknown NAT", "CreateRoute", obj{"RouteTableId": rtID, "DestinationIpRange": "0.0.0.0/0", "NatServiceId": "nat-00000000"}, 400, "5106", resource, false},
		{"delete the local route", "DeleteRoute", obj{"RouteTableId": rtID, "DestinationIpRange": "10.60.0.0/16"}, 400, "4078", invalid, false},
		{"delete the main route table", "DeleteRouteTable", obj{"RouteTableId": mainRouteTable(t, o, netID)}, 400, "4078", invalid, false},
		{"unlink an unknown link", "UnlinkRouteTable", obj{"LinkRouteTableId": "rtbassoc-00000000"}, 400, "5045", resource, false},
		{"access point to another Region", "CreateNetAccessPoint", obj{"NetId": netID, "ServiceName": "com.outscale.eu-west-2.oos"}, 400, "4078", invalid, false},
		{"access point to no service", "CreateNetAccessPoint", obj{"NetId": netID, "ServiceName": "com.outscale." + emulator.DefaultOutscaleRegion + ".s3"}, 400, "4078", invalid, false},
		{"tag an unknown Net", "CreateTags", obj{"ResourceIds": []string{"vpc-00000000"}, "Tags": []obj{{"Key": "k", "Value": "v"}}}, 400, "5065", resource, false},
		{"tag without value", "CreateTags", obj{"ResourceIds": []string{netID}, "Tags": []obj{{"Key": "k"}}}, 400, "7000", missing, true},
		{"tag with an empty key", "CreateTags", obj{"ResourceIds": []string{netID}, "Tags": []obj{{"Key": "", "Value": "v"}}}, 400, "4078", invalid, false},
		{"bad page size", "ReadNets", obj{"ResultsPerPage": 0}, 400, "4078", invalid, false},
		{"forged page token", "ReadNets", obj{"NextPageToken": "bm90LWEtdG9rZW4="}, 400, "4078", invalid, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := newOAPIClient(t, emu)
			var r response
			if c.nonConform {
				r = o.sendInvalid(c.action, c.body)
			} else {
				r = o.send(c.action, c.body)
			}
			assertOAPIError(t, r, c.status, c.code, c.typ)
		})
	}
}

func defaultGroup(t *testing.T, o *oapiClient, netID string) string {
	t.Helper()
	return str(o.ok("ReadSecurityGroups", obj{"Filters": obj{"NetIds": []string{netID}, "SecurityGroupNames": []string{"default"}}}),
		"SecurityGroups", 0, "SecurityGroupId")
}

func mainRouteTable(t *testing.T, o *oapiClient, netID string) string {
	t.Helper()
	return str(o.ok("ReadRouteTables", obj{"Filters": obj{"NetIds": []string{netID}, "LinkRouteTableMain": true}}),
		"RouteTables", 0, "RouteTableId")
}

// TestOutscaleNetwork_dependencies walks a teardown in the wrong order
// first, then in the right one: what is still in use answers a conflict,
// and a NAT service holds its subnet and public IP until it is deleted. The
// clock stands still: states move on at reads only.
func TestOutscaleNetwork_dependencies(t *testing.T) {
	t.Parallel()
	emu, clock := startFrozen(t)
	o := clock.client(t, emu)
	netID := str(o.ok("CreateNet", obj{"IpRange": "10.70.0.0/16"}), "Net", "NetId")
	subnetID := str(o.ok("CreateSubnet", obj{"NetId": netID, "IpRange": "10.70.0.0/24"}), "Subnet", "SubnetId")
	sgA := str(o.ok("CreateSecurityGroup", obj{"NetId": netID, "SecurityGroupName": "a", "Description": "a"}), "SecurityGroup", "SecurityGroupId")
	sgB := str(o.ok("CreateSecurityGroup", obj{"NetId": netID, "SecurityGroupName": "b", "Description": "b"}), "SecurityGroup", "SecurityGroupId")
	o.ok("CreateSecurityGroupRule", obj{"Flow": "Inbound", "SecurityGroupId": sgB, "Rules": []obj{
		{"IpProtocol": "tcp", "FromPortRange": 22, "ToPortRange": 22, "SecurityGroupsMembers": []obj{{"SecurityGroupId": sgA}}}}})
	igwID := str(o.ok("CreateInternetService", obj{}), "InternetService", "InternetServiceId")
	o.ok("LinkInternetService", obj{"InternetServiceId": igwID, "NetId": netID})
	rtID := str(o.ok("CreateRouteTable", obj{"NetId": netID}), "RouteTable", "RouteTableId")
	linkID := str(o.ok("LinkRouteTable", obj{"RouteTableId": rtID, "SubnetId": subnetID}), "LinkRouteTableId")
	ipID := str(o.ok("CreatePublicIp", obj{}), "PublicIp", "PublicIpId")
	natID := str(o.ok("CreateNatService", obj{"SubnetId": subnetID, "PublicIpId": ipID}), "NatService", "NatServiceId")
	o.ok("CreateRoute", obj{"RouteTableId": rtID, "DestinationIpRange": "0.0.0.0/0", "NatServiceId": natID})
	napID := str(o.ok("CreateNetAccessPoint", obj{"NetId": netID, "ServiceName": "com.outscale." + emulator.DefaultOutscaleRegion + ".oos",
		"RouteTableIds": []string{rtID}}), "NetAccessPoint", "NetAccessPointId")

	// Everything in use refuses to go.
	o.fails("DeleteNet", obj{"NetId": netID}, 424, "1008", "DependencyProblem")
	o.fails("DeleteSecurityGroup", obj{"SecurityGroupId": sgA}, 409, "9085", "ResourceConflict")
	o.fails("DeletePublicIp", obj{"PublicIpId": ipID}, 409, "9034", "ResourceConflict")
	o.fails("DeleteSubnet", obj{"SubnetId": subnetID}, 409, "9095", "ResourceConflict")
	o.fails("DeleteInternetService", obj{"InternetServiceId": igwID}, 424, "1006", "DependencyProblem")
	o.fails("UnlinkInternetService", obj{"InternetServiceId": igwID, "NetId": netID}, 424, "1005", "DependencyProblem")
	o.fails("DeleteRouteTable", obj{"RouteTableId": rtID}, 424, "1011", "DependencyProblem")
	o.fails("CreateNatService", obj{"SubnetId": subnetID, "PublicIpId": ipID}, 409, "9034", "ResourceConflict")

	// Deleting the NAT service does not free anything yet.
	o.ok("DeleteNatService", obj{"NatServiceId": natID})
	o.fails("DeletePublicIp", obj{"PublicIpId": ipID}, 409, "9034", "ResourceConflict")
	o.fails("DeleteSubnet", obj{"SubnetId": subnetID}, 409, "9095", "ResourceConflict")
	o.fails("UnlinkInternetService", obj{"InternetServiceId": igwID, "NetId": netID}, 424, "1005", "DependencyProblem")
	o.ok("DeleteNatService", obj{"NatServiceId": natID}) // a second delete is harmless
	// deleting, then deleted (what the official provider waits for), then gone.
	for _, want := range []string{"deleting", "deleted"} {
		seen := o.ok("ReadNatServices", obj{"Filters": obj{"NetIds": []string{netID}}})
		if str(seen, "NatServices", 0, "State") != want {
			t.Fatalf("ReadNatServices after delete: %v, want %s", seen, want)
		}
	}
	if gone := o.ok("ReadNatServices", obj{"Filters": obj{"NetIds": []string{netID}}}); length(gone, "NatServices") != 0 {
		t.Fatalf("the NAT service is still there after being seen deleted: %v", gone)
	}
	o.fails("DeleteNatService", obj{"NatServiceId": natID}, 400, "5106", "InvalidResource")
	if ip := o.ok("ReadPublicIps", obj{"Filters": obj{"PublicIpIds": []string{ipID}}}); str(ip, "PublicIps", 0, "NatServiceId") != "" {
		t.Fatalf("the public IP still names the NAT service: %v", ip)
	}
	o.ok("DeletePublicIp", obj{"PublicIpId": ipID})

	// The access point's routes go at once; the access point after reads.
	o.ok("DeleteNetAccessPoint", obj{"NetAccessPointId": napID})
	if rt := o.ok("ReadRouteTables", obj{"Filters": obj{"RouteTableIds": []string{rtID}}}); length(rt, "RouteTables", 0, "Routes") != 2 {
		t.Fatalf("routes after deleting the access point: %v", rt)
	}
	o.fails("DeleteNet", obj{"NetId": netID}, 424, "1008", "DependencyProblem")
	for _, want := range []string{"deleting", "deleted"} {
		seen := o.ok("ReadNetAccessPoints", obj{"Filters": obj{"NetAccessPointIds": []string{napID}}})
		if str(seen, "NetAccessPoints", 0, "State") != want {
			t.Fatalf("ReadNetAccessPoints after delete: %v, want %s", seen, want)
		}
	}
	if gone := o.ok("ReadNetAccessPoints", obj{"Filters": obj{"NetIds": []string{netID}}}); length(gone, "NetAccessPoints") != 0 {
		t.Fatalf("the access point is still there: %v", gone)
	}

	// "It does not delete any NAT service routes in your route tables."
	routes := o.ok("ReadRouteTables", obj{"Filters": obj{"RouteNatServiceIds": []string{natID}}})
	if length(routes, "RouteTables") != 1 {
		t.Fatalf("the route to the deleted NAT service went with it: %v", routes)
	}
	if left := o.ok("DeleteRoute", obj{"RouteTableId": rtID, "DestinationIpRange": "0.0.0.0/0"}); length(left, "RouteTable", "Routes") != 1 {
		t.Fatalf("DeleteRoute answered %v", left)
	}
	o.ok("UnlinkRouteTable", obj{"LinkRouteTableId": linkID})
	o.ok("DeleteRouteTable", obj{"RouteTableId": rtID})
	o.ok("UnlinkInternetService", obj{"InternetServiceId": igwID, "NetId": netID})
	o.ok("DeleteInternetService", obj{"InternetServiceId": igwID})
	o.ok("DeleteSecurityGroupRule", obj{"Flow": "Inbound", "SecurityGroupId": sgB, "Rules": []obj{
		{"IpProtocol": "tcp", "FromPortRange": 22, "ToPortRange": 22, "SecurityGroupsMembers": []obj{{"SecurityGroupId": sgA}}}}})
	o.ok("DeleteSecurityGroup", obj{"SecurityGroupId": sgA})
	o.ok("DeleteSecurityGroup", obj{"SecurityGroupId": sgB})
	o.ok("DeleteSubnet", obj{"SubnetId": subnetID})
	o.ok("DeleteNet", obj{"NetId": netID})

	// The main route table and the default group went with the Net; the
	// access point's public IP with the access point.
	left, err := emu.Control().Objects(context.Background(), "outscale.")
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Fatalf("objects left: %v", left)
	}
}

// A subnet's route table link goes with the subnet.
func TestOutscaleNetwork_deleteSubnetDropsItsLink(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	o := newOAPIClient(t, emu)
	netID := str(o.ok("CreateNet", obj{"IpRange": "10.71.0.0/16"}), "Net", "NetId")
	subnetID := str(o.ok("CreateSubnet", obj{"NetId": netID, "IpRange": "10.71.0.0/24"}), "Subnet", "SubnetId")
	rtID := str(o.ok("CreateRouteTable", obj{"NetId": netID}), "RouteTable", "RouteTableId")
	o.ok("LinkRouteTable", obj{"RouteTableId": rtID, "SubnetId": subnetID})
	o.fails("LinkRouteTable", obj{"RouteTableId": rtID, "SubnetId": subnetID}, 409, "9044", "ResourceConflict")
	o.ok("DeleteSubnet", obj{"SubnetId": subnetID})
	o.ok("DeleteRouteTable", obj{"RouteTableId": rtID})
}

// The same ClientToken gives back the same NAT service; with other
// parameters it is refused.
func TestOutscaleNetwork_natClientToken(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	o := newOAPIClient(t, emu)
	netID := str(o.ok("CreateNet", obj{"IpRange": "10.72.0.0/16"}), "Net", "NetId")
	subnetID := str(o.ok("CreateSubnet", obj{"NetId": netID, "IpRange": "10.72.0.0/24"}), "Subnet", "SubnetId")
	ipID := str(o.ok("CreatePublicIp", obj{}), "PublicIp", "PublicIpId")
	other := str(o.ok("CreatePublicIp", obj{}), "PublicIp", "PublicIpId")
	req := obj{"SubnetId": subnetID, "PublicIpId": ipID, "ClientToken": "token-1"}
	first := str(o.ok("CreateNatService", req), "NatService", "NatServiceId")
	again := o.ok("CreateNatService", req)
	if str(again, "NatService", "NatServiceId") != first || str(again, "NatService", "ClientToken") != "token-1" {
		t.Fatalf("the same token made another NAT service: %v", again)
	}
	o.fails("CreateNatService", obj{"SubnetId": subnetID, "PublicIpId": other, "ClientToken": "token-1"}, 400, "4078", "InvalidParameterValue")
	if nats := o.ok("ReadNatServices", obj{"Filters": obj{"ClientTokens": []string{"token-1"}}}); length(nats, "NatServices") != 1 {
		t.Fatalf("NAT services: %v", nats)
	}
}

// Objects of one account are invisible to another: they answer as if they
// did not exist.
func TestOutscaleNetwork_accountIsolation(t *testing.T) {
	t.Parallel()
	cfg := emulator.DefaultConfig()
	const otherAK, otherSK = "EMULATORAK0000000002", "EMULATORSK000000000000000000000000000002"
	cfg.Outscale.Accounts = append(cfg.Outscale.Accounts, outscale.Account{AccountID: "000000000002", Email: "other@example.org",
		AccessKey: otherAK, SecretKey: otherSK, Region: emulator.DefaultOutscaleRegion})
	emu := emutest.Start(t, &cfg)
	mine := newOAPIClient(t, emu)
	theirs := mine.as(otherAK, otherSK)

	netID := str(mine.ok("CreateNet", obj{"IpRange": "10.80.0.0/16"}), "Net", "NetId")
	sgID := str(mine.ok("CreateSecurityGroup", obj{"NetId": netID, "SecurityGroupName": "a", "Description": "a"}), "SecurityGroup", "SecurityGroupId")
	mine.ok("CreateTags", obj{"ResourceIds": []string{netID}, "Tags": []obj{{"Key": "Name", "Value": "mine"}}})

	if got := theirs.ok("ReadNets", obj{"Filters": obj{"NetIds": []string{netID}}}); length(got, "Nets") != 0 {
		t.Fatalf("another account reads the Net: %v", got)
	}
	if got := theirs.ok("ReadSecurityGroups", obj{}); length(got, "SecurityGroups") != 0 {
		t.Fatalf("another account lists the groups: %v", got)
	}
	if got := theirs.ok("ReadTags", obj{}); length(got, "Tags") != 0 {
		t.Fatalf("another account reads the tags: %v", got)
	}
	theirs.fails("DeleteNet", obj{"NetId": netID}, 400, "5065", "InvalidResource")
	theirs.fails("CreateSubnet", obj{"NetId": netID, "IpRange": "10.80.0.0/24"}, 400, "5065", "InvalidResource")
	theirs.fails("CreateTags", obj{"ResourceIds": []string{netID}, "Tags": []obj{{"Key": "Name", "Value": "theirs"}}}, 400, "5065", "InvalidResource")
	theirs.fails("DeleteSecurityGroup", obj{"SecurityGroupId": sgID}, 400, "5020", "InvalidResource")
	// Their own Net may use the same range.
	theirNet := str(theirs.ok("CreateNet", obj{"IpRange": "10.80.0.0/16"}), "Net", "NetId")
	theirSG := str(theirs.ok("CreateSecurityGroup", obj{"NetId": theirNet, "SecurityGroupName": "a", "Description": "a"}), "SecurityGroup", "SecurityGroupId")
	mine.fails("CreateSecurityGroupRule", obj{"Flow": "Inbound", "SecurityGroupId": sgID, "Rules": []obj{
		{"IpProtocol": "tcp", "FromPortRange": 22, "ToPortRange": 22, "SecurityGroupsMembers": []obj{{"SecurityGroupId": theirSG}}}}},
		400, "5020", "InvalidResource")
	if got := mine.ok("ReadNets", obj{}); length(got, "Nets") != 1 || str(got, "Nets", 0, "Tags", 0, "Value") != "mine" {
		t.Fatalf("my Nets: %v", got)
	}
}

// Objects kept with DataDir survive a restart, states and tags included.
func TestOutscaleNetwork_persistsAcrossRestart(t *testing.T) {
	t.Parallel()
	cfg := emulator.DefaultConfig()
	cfg.DataDir = t.TempDir()
	first, err := emulator.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	o := newOAPIClient(t, first)
	netID := str(o.ok("CreateNet", obj{"IpRange": "10.90.0.0/16"}), "Net", "NetId")
	subnetID := str(o.ok("CreateSubnet", obj{"NetId": netID, "IpRange": "10.90.0.0/24"}), "Subnet", "SubnetId")
	ipID := str(o.ok("CreatePublicIp", obj{}), "PublicIp", "PublicIpId")
	natID := str(o.ok("CreateNatService", obj{"SubnetId": subnetID, "PublicIpId": ipID}), "NatService", "NatServiceId")
	o.ok("CreateTags", obj{"ResourceIds": []string{netID, natID}, "Tags": []obj{{"Key": "Name", "Value": "kept"}}})
	before := string(o.send("ReadNets", obj{}).body)
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}

	o = newOAPIClient(t, emutest.Start(t, &cfg))
	after := string(o.send("ReadNets", obj{}).body)
	if strip := regexp.MustCompile(`"RequestId":"[^"]*"`); strip.ReplaceAllString(before, "") != strip.ReplaceAllString(after, "") {
		t.Fatalf("ReadNets before the restart:\n%s\nafter:\n%s", before, after)
	}
	nat := o.ok("ReadNatServices", obj{"Filters": obj{"Tags": []string{"Name=kept"}}})
	if str(nat, "NatServices", 0, "NatServiceId") != natID || str(nat, "NatServices", 0, "State") != "pending" {
		t.Fatalf("the NAT service after the restart: %v", nat)
	}
}

// Concurrent creates go through one at a time: of many requests for the
// same block, exactly one gets it.
func TestOutscaleNetwork_concurrentCreates(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	o := newOAPIClient(t, emu)
	netID := str(o.ok("CreateNet", obj{"IpRange": "10.100.0.0/16"}), "Net", "NetId")
	var wg sync.WaitGroup
	statuses := make(chan int, 24)
	for i := range 24 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			block := "10.100.0.0/24" // half of them race for the same block
			if i%2 == 1 {
				block = fmt.Sprintf("10.100.%d.0/24", i)
			}
			r := oapi(t, emu, "CreateSubnet", fmt.Sprintf(`{"NetId":%q,"IpRange":%q}`, netID, block),
				emulator.DefaultOutscaleAccessKey, emulator.DefaultOutscaleSecretKey, time.Now())
			statuses <- r.status
		}()
	}
	wg.Wait()
	close(statuses)
	counts := map[int]int{}
	for s := range statuses {
		counts[s]++
	}
	if counts[200] != 13 || counts[409] != 11 {
		t.Fatalf("answers = %v, want 13 subnets made and 11 conflicts", counts)
	}
	if got := o.ok("ReadSubnets", obj{"Filters": obj{"NetIds": []string{netID}}}); length(got, "Subnets") != 13 {
		t.Fatalf("subnets: %d", length(got, "Subnets"))
	}
}

func TestOutscaleNetwork_pagination(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	o := newOAPIClient(t, emu)
	for i := range 5 {
		o.ok("CreateNet", obj{"IpRange": fmt.Sprintf("10.%d.0.0/16", 110+i)})
	}
	var seen []string
	token := ""
	for pages := 0; ; pages++ {
		req := obj{"ResultsPerPage": 2}
		if token != "" {
			req["NextPageToken"] = token
		}
		page := o.ok("ReadNets", req)
		for i := range length(page, "Nets") {
			seen = append(seen, str(page, "Nets", i, "NetId"))
		}
		token = str(page, "NextPageToken")
		if token == "" {
			if pages != 2 {
				t.Errorf("%d pages, want 3", pages+1)
			}
			break
		}
	}
	if len(seen) != 5 || len(slices.Compact(slices.Sorted(slices.Values(seen)))) != 5 {
		t.Fatalf("paged through %v", seen)
	}
}

// A DryRun request is checked like a real one and changes nothing.
func TestOutscaleNetwork_dryRun(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	o := newOAPIClient(t, emu)
	if r := o.ok("CreateNet", obj{"IpRange": "10.120.0.0/16", "DryRun": true}); dig(r, "Net") != nil {
		t.Fatalf("a dry run answered a Net: %v", r)
	}
	o.fails("CreateNet", obj{"IpRange": "10.120.0.0/12", "DryRun": true}, 400, "4078", "InvalidParameterValue")
	if got := o.ok("ReadNets", obj{}); length(got, "Nets") != 0 {
		t.Fatalf("a dry run made a Net: %v", got)
	}
}

// TestOutscaleNetwork_outboundRules follows the provider's egress rules
// over raw HTTP: a group in a Net starts with a rule letting everything
// out and a public-Cloud group with none; the rule goes with the flat form
// the official provider's remove_default_outbound_rule sends; outbound
// rules to groups and to a Net access point service are stored, served,
// filtered and deleted like inbound ones.
func TestOutscaleNetwork_outboundRules(t *testing.T) {
	t.Parallel()
	emu, clock := startFrozen(t)
	o := clock.client(t, emu)
	region := emulator.DefaultOutscaleRegion

	netID := str(o.ok("CreateNet", obj{"IpRange": "10.51.0.0/16"}), "Net", "NetId")
	inNet := o.ok("CreateSecurityGroup", obj{"NetId": netID, "SecurityGroupName": "wh-kms", "Description": "Warehouse kms tier"})
	kms := str(inNet, "SecurityGroup", "SecurityGroupId")
	if got := dig(inNet, "SecurityGroup", "OutboundRules"); fmt.Sprint(got) != "[map[FromPortRange:-1 IpProtocol:-1 IpRanges:[0.0.0.0/0] ToPortRange:-1]]" {
		t.Fatalf("a new group in a Net lets out %v, want everything, as the spec's example", got)
	}
	public := o.ok("CreateSecurityGroup", obj{"SecurityGroupName": "wh-public", "Description": "public Cloud group"})
	if length(public, "SecurityGroup", "OutboundRules") != 0 || dig(public, "SecurityGroup", "OutboundRules") == nil {
		t.Fatalf("a public-Cloud group has outbound rules: %v", public)
	}
	compute := str(o.ok("CreateSecurityGroup", obj{"NetId": netID, "SecurityGroupName": "wh-compute", "Description": "Warehouse compute tier"}),
		"SecurityGroup", "SecurityGroupId")

	// remove_default_outbound_rule: Flow, protocol -1 and 0.0.0.0/0, no ports.
	emptied := o.ok("DeleteSecurityGroupRule", obj{"SecurityGroupId": kms, "Flow": "Outbound", "IpProtocol": "-1", "IpRange": "0.0.0.0/0"})
	if length(emptied, "SecurityGroup", "OutboundRules") != 0 {
		t.Fatalf("the rule letting everything out is still there: %v", emptied)
	}
	o.fails("DeleteSecurityGroupRule", obj{"SecurityGroupId": kms, "Flow": "Outbound", "IpProtocol": "-1", "IpRange": "0.0.0.0/0"},
		400, "5054", "InvalidResource")

	oos := str(o.ok("ReadNetAccessPointServices", obj{"Filters": obj{"ServiceNames": []string{"com.outscale." + region + ".oos"}}}),
		"Services", 0, "ServiceId")
	o.ok("CreateSecurityGroupRule", obj{"SecurityGroupId": compute, "Flow": "Outbound", "Rules": []obj{
		{"IpProtocol": "tcp", "FromPortRange": 8200, "ToPortRange": 8200, "SecurityGroupsMembers": []obj{{"SecurityGroupId": kms}}},
		{"IpProtocol": "tcp", "FromPortRange": 443, "ToPortRange": 443, "ServiceIds": []string{oos}},
		{"IpProtocol": "tcp", "FromPortRange": 443, "ToPortRange": 443, "IpRanges": []string{"198.51.100.0/24"}},
	}})
	read := o.ok("ReadSecurityGroups", obj{"Filters": obj{"SecurityGroupIds": []string{compute}}})
	rules, _ := dig(read, "SecurityGroups", 0, "OutboundRules").([]any)
	if len(rules) != 3 || str(rules[0], "IpRanges", 0) != "0.0.0.0/0" || str(rules[1], "SecurityGroupsMembers", 0, "SecurityGroupId") != kms ||
		str(rules[2], "ServiceIds", 0) != oos || str(rules[2], "IpRanges", 0) != "198.51.100.0/24" {
		t.Fatalf("OutboundRules = %v: the default rule, then 8200 to kms, then 443 to OOS and to the block", rules)
	}
	if length(read, "SecurityGroups", 0, "InboundRules") != 0 {
		t.Errorf("outbound rules leaked into InboundRules: %v", read)
	}
	byDestination := o.ok("ReadSecurityGroups", obj{"Filters": obj{"OutboundRuleSecurityGroupIds": []string{kms}}})
	if length(byDestination, "SecurityGroups") != 1 || str(byDestination, "SecurityGroups", 0, "SecurityGroupId") != compute {
		t.Fatalf("filter on outbound rule members: %v", byDestination)
	}
	o.fails("CreateSecurityGroupRule", obj{"SecurityGroupId": compute, "Flow": "Outbound", "Rules": []obj{
		{"IpProtocol": "tcp", "FromPortRange": 443, "ToPortRange": 443, "ServiceIds": []string{oos}}}}, 409, "9011", "ResourceConflict")
	o.fails("CreateSecurityGroupRule", obj{"SecurityGroupId": compute, "Flow": "Outbound", "Rules": []obj{
		{"IpProtocol": "tcp", "FromPortRange": 443, "ToPortRange": 443, "ServiceIds": []string{"pl-00000000"}}}}, 400, "4078", "InvalidParameterValue")

	// A rule names a group: the group cannot go while the rule is there.
	o.fails("DeleteSecurityGroup", obj{"SecurityGroupId": kms}, 409, "9085", "ResourceConflict")
	o.ok("DeleteSecurityGroupRule", obj{"SecurityGroupId": compute, "Flow": "Outbound", "Rules": []obj{
		{"IpProtocol": "tcp", "FromPortRange": 8200, "ToPortRange": 8200, "SecurityGroupsMembers": []obj{{"SecurityGroupId": kms}}},
		{"IpProtocol": "tcp", "FromPortRange": 443, "ToPortRange": 443, "ServiceIds": []string{oos}}}})
	left := o.ok("ReadSecurityGroups", obj{"Filters": obj{"SecurityGroupIds": []string{compute}}})
	if got := fmt.Sprint(dig(left, "SecurityGroups", 0, "OutboundRules")); !strings.Contains(got, "198.51.100.0/24") ||
		strings.Contains(got, oos) || strings.Contains(got, kms) {
		t.Fatalf("after deleting two rules: %v", got)
	}
	o.ok("DeleteSecurityGroup", obj{"SecurityGroupId": kms})
}
