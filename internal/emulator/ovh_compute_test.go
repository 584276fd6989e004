package emulator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/sovhealth/terraform-provider-health/internal/emulator"
)

// These tests speak raw HTTP to the emulated OVHcloud instance, image,
// flavor and floating IP routes. Requests and answers are checked against
// testdata/ovh-cloud-compute-schema.json: the entries of those routes and
// their models, copied unchanged from the June 2024 cloud.json
// (research/ovh-api-schemas/cloud_v1_2024-06.json), together with the
// network schema. The regional instance creation is newer than that
// schema: its body is checked against the official provider's
// CloudProjectInstanceCreateOpts (instanceCreateOpts below), its answer
// against cloud.Operation.

var (
	computeSchemaOnce sync.Once
	computeSchema     *ovhSchema
	computeSchemaErr  error
)

// regionalInstanceCreate is the route the 2024 schema lacks.
const regionalInstanceCreate = "/cloud/project/{serviceName}/region/{regionName}/instance"

func loadComputeSchema(t *testing.T) *ovhSchema {
	t.Helper()
	network := loadOVHSchema(t)
	computeSchemaOnce.Do(func() {
		raw, err := os.ReadFile("testdata/ovh-cloud-compute-schema.json")
		if err != nil {
			computeSchemaErr = err
			return
		}
		var compute ovhSchema
		if computeSchemaErr = json.Unmarshal(raw, &compute); computeSchemaErr != nil {
			return
		}
		merged := &ovhSchema{Models: map[string]ovhModel{}}
		merged.APIs = append(merged.APIs, network.APIs...)
		merged.APIs = append(merged.APIs, compute.APIs...)
		for k, v := range network.Models {
			merged.Models[k] = v
		}
		for k, v := range compute.Models {
			merged.Models[k] = v
		}
		var create struct {
			Path       string         `json:"path"`
			Operations []ovhOperation `json:"operations"`
		}
		create.Path = regionalInstanceCreate
		create.Operations = []ovhOperation{{HTTPMethod: "POST", ResponseType: "cloud.Operation"}}
		merged.APIs = append(merged.APIs, create)
		computeSchema = merged
	})
	if computeSchemaErr != nil {
		t.Fatal(computeSchemaErr)
	}
	return computeSchema
}

func newComputeAPI(t *testing.T, emu *emulator.Emulator) *ovhAPI {
	o := newOVHAPI(t, emu)
	o.schema = loadComputeSchema(t)
	return o
}

// instanceCreateOpts is the official provider's CloudProjectInstanceCreateOpts
// (ovh/types_cloud_project_instance.go), every field it may send.
type instanceCreateOpts struct {
	AutoBackup       *struct{ Cron, Rotation any } `json:"autobackup,omitempty"`
	AvailabilityZone *string                       `json:"availabilityZone,omitempty"`
	BillingPeriod    string                        `json:"billingPeriod"`
	BootFrom         *struct {
		ImageID  *string `json:"imageId,omitempty"`
		VolumeID *string `json:"volumeId,omitempty"`
	} `json:"bootFrom,omitempty"`
	Bulk   int `json:"bulk"`
	Flavor *struct {
		ID string `json:"id"`
	} `json:"flavor,omitempty"`
	Group        *struct{ ID string }   `json:"group,omitempty"`
	Name         string                 `json:"name"`
	SSHKey       *struct{ Name string } `json:"sshKey,omitempty"`
	SSHKeyCreate *struct {
		Name      string `json:"name"`
		PublicKey string `json:"publicKey"`
	} `json:"sshKeyCreate,omitempty"`
	UserData *string `json:"userData,omitempty"`
	Network  *struct {
		Public  bool `json:"public"`
		Private *struct {
			FloatingIP       *struct{ ID string } `json:"floatingIp,omitempty"`
			FloatingIPCreate *struct {
				Description string `json:"description"`
			} `json:"floatingIpCreate,omitempty"`
			Gateway *struct {
				ID string `json:"id"`
			} `json:"gateway,omitempty"`
			GatewayCreate *struct{ Model, Name string } `json:"gatewayCreate,omitempty"`
			IP            string                        `json:"ip,omitempty"`
			Network       *struct {
				ID       string `json:"id"`
				SubnetID string `json:"subnetId"`
			} `json:"network,omitempty"`
			NetworkCreate json.RawMessage `json:"networkCreate,omitempty"`
		} `json:"private,omitempty"`
	} `json:"network,omitempty"`
}

// createInstance sends the regional creation, its body checked against the
// provider's type, and returns the operation.
func createInstance(t *testing.T, o *ovhAPI, region string, body ovhObj) response {
	t.Helper()
	raw := ovhMarshal(t, body)
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var opts instanceCreateOpts
	if err := dec.Decode(&opts); err != nil {
		t.Fatalf("the test sends a body the official provider would not: %v\n%s", err, raw)
	}
	return o.send("POST", o.regional(region, "/instance"), raw)
}

// computeFixture is a network with its gateway, and the ids an instance
// needs.
type computeFixture struct {
	region, openstackID, subnetID, gatewayID, flavor, image string
}

func newComputeFixture(t *testing.T, o *ovhAPI) computeFixture {
	t.Helper()
	region := emulator.DefaultOVHRegion
	id, openstackID := activeNetwork(t, o, "wh", region)
	subnet := o.ok("POST", o.in("/network/private/"+id+"/subnet"), subnetBody("10.80.0.0/24", region))
	subnetID := ovhStr(subnet, "id")
	op := o.ok("POST", o.regional(region, "/network/"+openstackID+"/subnet/"+subnetID+"/gateway"), ovhObj{"model": "s", "name": "wh-gateway"})
	gatewayID := ovhStr(readOperation(t, o, ovhStr(op, "id")), "resourceId")
	f := computeFixture{region: region, openstackID: openstackID, subnetID: subnetID, gatewayID: gatewayID}
	flavors, _ := o.ok("GET", o.in("/flavor?region="+region), nil).([]any)
	for _, fl := range flavors {
		if ovhStr(fl, "name") == "b3-8" && ovhStr(fl, "osType") == "linux" {
			f.flavor = ovhStr(fl, "id")
		}
	}
	images, _ := o.ok("GET", o.in("/image?region="+region+"&osType=linux"), nil).([]any)
	for _, img := range images {
		if ovhStr(img, "name") == "Debian 12" {
			f.image = ovhStr(img, "id")
		}
	}
	if f.flavor == "" || f.image == "" {
		t.Fatalf("no b3-8 flavor or Debian 12 image in %s", region)
	}
	return f
}

func (f computeFixture) body(name string) ovhObj {
	return ovhObj{
		"name": name, "billingPeriod": "hourly", "bulk": 1,
		"flavor": ovhObj{"id": f.flavor}, "bootFrom": ovhObj{"imageId": f.image},
		"userData": "#cloud-config\nhostname: " + name + "\n",
		"network": ovhObj{"public": false, "private": ovhObj{
			"network":          ovhObj{"id": f.openstackID, "subnetId": f.subnetID},
			"gateway":          ovhObj{"id": f.gatewayID},
			"floatingIpCreate": ovhObj{"description": name},
		}},
	}
}

func instanceStatus(t *testing.T, o *ovhAPI, id string) string {
	t.Helper()
	r := o.call("GET", o.in("/instance/"+id), nil)
	if r.status == http.StatusNotFound {
		return "gone"
	}
	if r.status != http.StatusOK {
		t.Fatalf("GET instance: HTTP %d %s", r.status, r.body)
	}
	return ovhStr(ovhDecode(t, r.body), "status")
}

func TestOVHCompute_instanceLifecycle(t *testing.T) {
	t.Parallel()
	emu := startFrozenOVH(t)
	o := newComputeAPI(t, emu)
	f := newComputeFixture(t, o)

	r := createInstance(t, o, f.region, f.body("wh-bastion"))
	if r.status != http.StatusOK {
		t.Fatalf("create: HTTP %d %s", r.status, r.body)
	}
	op := readOperation(t, o, ovhStr(ovhDecode(t, r.body), "id"))
	if ovhStr(op, "action") != "instance#create" {
		t.Errorf("operation %v", op)
	}
	id := ovhStr(op, "resourceId")
	if !ovhUUIDPattern.MatchString(id) {
		t.Fatalf("resourceId %q is not an instance id", id)
	}
	if s1, s2 := instanceStatus(t, o, id), instanceStatus(t, o, id); s1 != "BUILD" || s2 != "ACTIVE" {
		t.Errorf("building: %s, %s", s1, s2)
	}
	detail := o.ok("GET", o.in("/instance/"+id), nil)
	if ovhStr(detail, "flavor", "name") != "b3-8" || ovhStr(detail, "image", "name") != "Debian 12" ||
		ovhStr(detail, "ipAddresses", 0, "ip") != "10.80.0.2" || ovhStr(detail, "ipAddresses", 0, "networkId") != f.openstackID {
		t.Errorf("instance %v", detail)
	}
	if strings.Contains(string(ovhMarshal(t, detail)), "cloud-config") {
		t.Error("the API shows the user data")
	}
	// The floating IP reaches the instance's port through the gateway.
	fips := o.ok("GET", o.regional(f.region, "/floatingip"), nil)
	if ovhLen(fips) != 1 || ovhStr(fips, 0, "associatedEntity", "ip") != "10.80.0.2" ||
		ovhStr(fips, 0, "associatedEntity", "gatewayId") != f.gatewayID || ovhStr(fips, 0, "status") != "active" {
		t.Fatalf("floating IPs %v", fips)
	}
	fip := ovhStr(fips, 0, "id")
	// The stored user-data is readable through the control API.
	stored, found, err := emu.Control().Object(context.Background(), "ovh.instances", id)
	if err != nil || !found || !strings.Contains(string(stored.Doc), `hostname: wh-bastion`) {
		t.Errorf("ovh.instances/%s: %v %v %s", id, found, err, stored.Doc)
	}

	o.ok("PUT", o.in("/instance/"+id), ovhObj{"instanceName": "wh-bastion-renamed"})
	if got := ovhStr(o.ok("GET", o.in("/instance/"+id), nil), "name"); got != "wh-bastion-renamed" {
		t.Errorf("renamed to %q", got)
	}

	// Stop, start; a second stop is refused.
	o.ok("POST", o.in("/instance/"+id+"/stop"), nil)
	o.fails("POST", o.in("/instance/"+id+"/stop"), nil, http.StatusConflict, "Client::Conflict")
	if s1, s2 := instanceStatus(t, o, id), instanceStatus(t, o, id); s1 != "ACTIVE" || s2 != "SHUTOFF" {
		t.Errorf("stopping: %s, %s", s1, s2)
	}
	o.ok("POST", o.in("/instance/"+id+"/start"), nil)
	if s1, s2 := instanceStatus(t, o, id), instanceStatus(t, o, id); s1 != "SHUTOFF" || s2 != "ACTIVE" {
		t.Errorf("starting: %s, %s", s1, s2)
	}

	// Detach, then associate again.
	o.ok("POST", o.regional(f.region, "/floatingip/"+fip+"/detach"), nil)
	if got := o.ok("GET", o.regional(f.region, "/floatingip/"+fip), nil); ovhDig(got, "associatedEntity") != nil || ovhStr(got, "status") != "down" {
		t.Errorf("detached: %v", got)
	}
	op = o.ok("POST", o.regional(f.region, "/instance/"+id+"/associateFloatingIp"), ovhObj{"floatingIpId": fip, "ip": "10.80.0.2"})
	readOperation(t, o, ovhStr(op, "id"))
	if got := o.ok("GET", o.regional(f.region, "/floatingip/"+fip), nil); ovhStr(got, "associatedEntity", "ip") != "10.80.0.2" {
		t.Errorf("associated again: %v", got)
	}

	// Deleting: DELETING once, then gone; the floating IP stays, down.
	o.ok("DELETE", o.in("/instance/"+id), nil)
	if s1, s2 := instanceStatus(t, o, id), instanceStatus(t, o, id); s1 != "DELETING" || s2 != "gone" {
		t.Errorf("deleting: %s, %s", s1, s2)
	}
	if got := o.ok("GET", o.regional(f.region, "/floatingip/"+fip), nil); ovhDig(got, "associatedEntity") != nil {
		t.Errorf("the floating IP still reaches a deleted instance: %v", got)
	}
	o.ok("DELETE", o.regional(f.region, "/floatingip/"+fip), nil)
	o.ok("GET", o.in("/instance"), nil) // any call forgets the finished operations
	objs, err := emu.Control().Objects(context.Background(), "ovh.")
	if err != nil {
		t.Fatal(err)
	}
	for _, obj := range objs {
		var doc struct {
			Subject string `json:"subject"`
		}
		_ = json.Unmarshal(obj.Doc, &doc)
		if obj.Collection == "ovh.instances" || obj.Collection == "ovh.floating_ips" || doc.Subject != "" {
			t.Errorf("left behind: %s/%s", obj.Collection, obj.ID)
		}
	}
}

// The conformance check of the compute routes can fail.
func TestOVHComputeSchemaCatchesMistakes(t *testing.T) {
	t.Parallel()
	s := loadComputeSchema(t)
	const path = "/cloud/project/p/region/GRA11/floatingip/00000000-0000-4000-8000-000000000000"
	valid := `{"associatedEntity":null,"id":"00000000-0000-4000-8000-000000000000","ip":"203.0.113.1",` +
		`"networkId":"00000000-0000-4000-8000-000000000000","region":"GRA11","status":"down"}`
	if p := s.checkResponse("GET", path, ovhDecode(t, []byte(valid))); len(p) > 0 {
		t.Fatalf("a valid floating IP was refused: %v", p)
	}
	for body, want := range map[string]string{
		strings.Replace(valid, `"down"`, `"detached"`, 1):    "not one of",
		strings.Replace(valid, `"203.0.113.1"`, `"nope"`, 1): "not a valid ip",
		strings.Replace(valid, `"region"`, `"colour"`, 1):    "not a property",
	} {
		if p := s.checkResponse("GET", path, ovhDecode(t, []byte(body))); len(p) == 0 || !strings.Contains(strings.Join(p, "\n"), want) {
			t.Errorf("%s: problems %v, want one saying %q", body, p, want)
		}
	}
	if p := s.checkRequest("POST", "/cloud/project/p/region/GRA11/instance/00000000-0000-4000-8000-000000000000/floatingIp",
		ovhDecode(t, []byte(`{"gateway":null}`)), true); len(p) == 0 {
		t.Error("a floating IP creation without its ip passed")
	}
}

func TestOVHCompute_invalidRequests(t *testing.T) {
	t.Parallel()
	emu := startFrozenOVH(t)
	o := newComputeAPI(t, emu)
	f := newComputeFixture(t, o)
	with := func(mutate func(b ovhObj)) ovhObj {
		b := f.body("bad")
		mutate(b)
		return b
	}
	fails := func(body ovhObj, status int, class, want string) {
		t.Helper()
		r := createInstance(t, o, f.region, body)
		msg := assertOVHClass(t, r, status, class)
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	fails(with(func(b ovhObj) { b["flavor"] = ovhObj{"id": "00000000-0000-4000-8000-000000000000"} }), http.StatusNotFound, "Client::NotFound", "Flavor")
	fails(with(func(b ovhObj) { b["bootFrom"] = ovhObj{"imageId": "00000000-0000-4000-8000-000000000000"} }), http.StatusNotFound, "Client::NotFound", "Image")
	fails(with(func(b ovhObj) { b["billingPeriod"] = "weekly" }), http.StatusBadRequest, "Client::BadRequest", "billingPeriod")
	fails(with(func(b ovhObj) { b["userData"] = strings.Repeat("x", 49200) }), http.StatusBadRequest, "Client::BadRequest", "userData")
	fails(with(func(b ovhObj) {
		network, _ := b["network"].(ovhObj)
		private, _ := network["private"].(ovhObj)
		private["network"] = ovhObj{"id": "pn-1234_5", "subnetId": f.subnetID}
	}), http.StatusBadRequest, "Client::BadRequest", "invalid uuid 'pn-1234_5'")
	fails(with(func(b ovhObj) { delete(b, "name") }), http.StatusBadRequest, "Client::BadRequest", "[name] Property is mandatory")
	r := o.callInvalid("POST", o.regional(f.region, "/instance"), `{"name":"x","colour":"blue"}`)
	assertOVHClass(t, r, http.StatusBadRequest, "Client::BadRequest")
	o.fails("GET", o.in("/instance/nope"), nil, http.StatusNotFound, "Client::NotFound")
	o.fails("GET", o.in("/image?region=NOWHERE"), nil, http.StatusNotFound, "Client::NotFound")
}
