package emulator_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/pace"
)

// These tests speak raw HTTP to the OVHcloud routes the official OVHcloud
// provider (ovh/terraform-provider-ovh v2.19, folder ovh/) calls for
// ovh_cloud_project_network_private, _network_private_subnet(_v2),
// _gateway, _user, _user_s3_credential, _user_s3_policy, _storage,
// _ssh_key and _instance, with the bodies it sends, and check the answers
// against the vendor schema (testdata/ovh-cloud-official-schema.json with
// the network, compute and storage extracts). The last one replays the
// provider's whole call sequence, create to destroy.

// ---- clock -----------------------------------------------------------------

// ovhClock is the emulator's clock, moved by the test only: transient
// states last until reads move them or the test moves time past
// pace.DefaultHold, so that tests asserting them are deterministic.
type ovhClock struct {
	mu  sync.Mutex
	now time.Time
}

func newOVHClock() *ovhClock { return &ovhClock{now: time.Now()} }

func (c *ovhClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *ovhClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// startOVH starts an emulator on clock, its project in the default
// regions and extra ones (GRA9 is the region of the official SSH key and
// network tests).
func startOVH(t *testing.T, clock *ovhClock, extraRegions ...string) *emulator.Emulator {
	t.Helper()
	cfg := emulator.DefaultConfig()
	cfg.Now = clock.Now
	project := &cfg.OVH.Accounts[0].Projects[0]
	project.Regions = append(slices.Clone(project.Regions), extraRegions...)
	return emutest.Start(t, &cfg)
}

// startFrozenOVH starts an emulator whose clock never moves.
func startFrozenOVH(t *testing.T, extraRegions ...string) *emulator.Emulator {
	t.Helper()
	return startOVH(t, newOVHClock(), extraRegions...)
}

// ---- schema ----------------------------------------------------------------

var (
	officialSchemaOnce sync.Once
	officialSchema     *ovhSchema
	officialSchemaErr  error
)

// loadOfficialSchema merges every OVHcloud extract of testdata.
func loadOfficialSchema(t *testing.T) *ovhSchema {
	t.Helper()
	network := loadOVHSchema(t)
	officialSchemaOnce.Do(func() {
		merged := &ovhSchema{Models: map[string]ovhModel{}}
		merged.APIs = append(merged.APIs, network.APIs...)
		for k, v := range network.Models {
			merged.Models[k] = v
		}
		for _, f := range []string{"ovh-cloud-compute-schema.json", "ovh-cloud-storage-schema.json", "ovh-cloud-official-schema.json"} {
			raw, err := os.ReadFile("testdata/" + f)
			if err != nil {
				officialSchemaErr = err
				return
			}
			var s ovhSchema
			if officialSchemaErr = json.Unmarshal(raw, &s); officialSchemaErr != nil {
				return
			}
			merged.APIs = append(merged.APIs, s.APIs...)
			for k, v := range s.Models {
				merged.Models[k] = v
			}
		}
		// Path values are read as strings; {userId} is a long.
		for i := range merged.APIs {
			for j := range merged.APIs[i].Operations {
				for k, p := range merged.APIs[i].Operations[j].Parameters {
					if p.ParamType == "path" && p.DataType == "long" {
						merged.APIs[i].Operations[j].Parameters[k].DataType = "string"
					}
				}
			}
		}
		officialSchema = merged
	})
	if officialSchemaErr != nil {
		t.Fatal(officialSchemaErr)
	}
	return officialSchema
}

func newOfficialAPI(t *testing.T, emu *emulator.Emulator) *ovhAPI {
	o := newOVHAPI(t, emu)
	o.schema = loadOfficialSchema(t)
	return o
}

// providerPost sends a body as the official provider does: the schema's
// body plus properties that repeat the route's path parameters
// (serviceName, networkId), which the check leaves aside. The answer must
// be 200.
func providerPost(o *ovhAPI, path string, body ovhObj) any {
	const method = "POST"
	o.t.Helper()
	raw := ovhMarshal(o.t, body)
	_, _, params, err := o.schema.operation(method, path)
	if err != nil {
		o.t.Fatal(err)
	}
	described := ovhObj{}
	for k, v := range body {
		if _, isParam := params[k]; !isParam {
			described[k] = v
		}
	}
	if problems := o.schema.checkRequest(method, path, ovhDecode(o.t, ovhMarshal(o.t, described)), true); len(problems) > 0 {
		o.t.Fatalf("the test sends a request the schema refuses:\n%s", strings.Join(problems, "\n"))
	}
	r := o.send(method, path, raw)
	if r.status != http.StatusOK {
		o.t.Fatalf("%s %s: HTTP %d %s", method, path, r.status, r.body)
	}
	return ovhDecode(o.t, r.body)
}

// officialOpenrcRegion is the region the official provider asks the RC
// file for, spelt as it sends it.
const officialOpenrcRegion = "to_be_overriden" //nolint:misspell // the provider's spelling, on the wire

// testPublicKey is the public key of the official provider's SSH key tests.
const testPublicKey = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC9xPpdqP3sx2H+gcBm65tJEaUbuifQ1uGkgrWtNY0PRKNNPdy+3yoVOtxk6Vjo4YZ0EU/" +
	"JhmQfnrK7X7Q5vhqYxmozi0LiTRt0BxgqHJ+4hWTWMIOgr+C2jLx7ZsCReRk+fy5AHr6h0PHQEuXVLXeUy/TDyuY2JPtUZ5jcqvLYgQ== my-nuclear-power-plant"

// ---- one test per gap ------------------------------------------------------

// The API takes a property that repeats a path parameter (the provider
// sends serviceName, and networkId for subnets) and refuses the others it
// does not describe.
func TestOVHOfficial_pathParametersInBodies(t *testing.T) {
	t.Parallel()
	o := newOfficialAPI(t, startFrozenOVH(t))
	region := emulator.DefaultOVHRegion
	n := providerPost(o, o.in("/network/private"), ovhObj{"serviceName": o.project, "vlanId": 0, "name": "pn", "regions": []string{region}})
	id := ovhStr(n, "id")
	if !strings.HasSuffix(id, "_0") {
		t.Errorf("vlanId 0: network %s", id)
	}
	o.ok("GET", o.in("/network/private/"+id), nil)
	body := subnetBody("10.9.0.0/24", region)
	body["serviceName"], body["networkId"] = o.project, id
	if s := providerPost(o, o.in("/network/private/"+id+"/subnet"), body); ovhStr(s, "cidr") != "10.9.0.0/24" {
		t.Fatalf("subnet: %v", s)
	}
	r := o.callInvalid("POST", o.in("/network/private"), `{"name":"pn2","colour":"blue","size":3}`)
	if msg := assertOVHClass(t, r, 400, "Client::BadRequest"); !strings.HasPrefix(msg, "Received not described parameters: (colour, size)") {
		t.Errorf("message %q", msg)
	}
}

// GET /me answers the account's holder.
func TestOVHOfficial_me(t *testing.T) {
	t.Parallel()
	o := newOfficialAPI(t, startFrozenOVH(t))
	me := o.ok("GET", "/me", nil)
	if ovhStr(me, "nichandle") != emulator.DefaultOVHNicHandle || ovhStr(me, "ovhSubsidiary") == "" {
		t.Fatalf("/me: %v", me)
	}
}

// A region's detail lists its services, which the provider's regions data
// source filters on.
func TestOVHOfficial_projectRegion(t *testing.T) {
	t.Parallel()
	o := newOfficialAPI(t, startFrozenOVH(t, "GRA9"))
	r := o.ok("GET", o.in("/region/GRA9"), nil)
	up := false
	for i := range ovhLen(r, "services") {
		up = up || (ovhStr(r, "services", i, "name") == "network" && ovhStr(r, "services", i, "status") == "UP")
	}
	if ovhStr(r, "name") != "GRA9" || ovhStr(r, "datacenterLocation") != "GRA" || !up {
		t.Fatalf("region: %v", r)
	}
	o.fails("GET", o.in("/region/NOWHERE1"), nil, 404, "Client::NotFound")
}

// The role catalogue, and a user's roles set by id, as the provider's user
// update does.
func TestOVHOfficial_roles(t *testing.T) {
	t.Parallel()
	o := newOfficialAPI(t, startFrozenOVH(t))
	roles := o.ok("GET", o.in("/role"), nil)
	ids := map[string]string{}
	for i := range ovhLen(roles, "roles") {
		ids[ovhStr(roles, "roles", i, "name")] = ovhStr(roles, "roles", i, "id")
	}
	if ids["administrator"] == "" || ids["objectstore_operator"] == "" {
		t.Fatalf("roles: %v", roles)
	}
	u := o.ok("POST", o.in("/user"), ovhObj{"description": "d", "role": "administrator"})
	id := ovhNumber(u, "id")
	if ovhStr(u, "roles", 0, "id") != ids["administrator"] {
		t.Errorf("a user's role has another id than the catalogue's: %v", u)
	}
	got := o.ok("PUT", o.in("/user/"+id+"/role"), ovhObj{"rolesIds": []string{ids["administrator"], ids["compute_operator"]}})
	if ovhLen(got, "roles") != 2 || ovhStr(got, "roles", 1, "name") != "compute_operator" {
		t.Fatalf("PUT role: %v", got)
	}
	if list := o.ok("GET", o.in("/user/"+id+"/role"), nil); ovhLen(list) != 2 {
		t.Fatalf("GET role: %v", list)
	}
	o.fails("PUT", o.in("/user/"+id+"/role"), ovhObj{"rolesIds": []string{"nope"}}, 400, "Client::BadRequest")
}

// The OpenStack RC file carries what the provider extracts from it, for
// any region it names (it asks for a placeholder), and a password is
// regenerated on demand.
func TestOVHOfficial_userOpenrcAndPassword(t *testing.T) {
	t.Parallel()
	o := newOfficialAPI(t, startFrozenOVH(t))
	u := o.ok("POST", o.in("/user"), ovhObj{"description": "rc"})
	id := ovhNumber(u, "id")
	o.ok("GET", o.in("/user/"+id), nil)
	rc := ovhStr(o.ok("GET", o.in("/user/"+id+"/openrc?region="+officialOpenrcRegion), nil), "content")
	for name, re := range map[string]string{ // the provider's expressions
		"OS_AUTH_URL": `export OS_AUTH_URL="??([[:^space:]]+)"??`, "OS_TENANT_ID": `export OS_TENANT_ID="??([[:alnum:]]+)"??`,
		"OS_TENANT_NAME": `export OS_TENANT_NAME="?([[:alnum:]]+)"?`, "OS_USERNAME": `export OS_USERNAME="?([[:alnum:]]+)"?`,
	} {
		if m := regexp.MustCompile(re).FindStringSubmatch(rc); m == nil || m[1] == "" {
			t.Errorf("%s not found in\n%s", name, rc)
		}
	}
	if !strings.Contains(rc, `OS_USERNAME="`+ovhStr(u, "username")+`"`) || !strings.Contains(rc, officialOpenrcRegion) {
		t.Errorf("openrc:\n%s", rc)
	}
	o.fails("GET", o.in("/user/"+id+"/openrc"), nil, 400, "Client::BadRequest")
	if p := ovhStr(o.ok("POST", o.in("/user/"+id+"/regeneratePassword"), nil), "password"); p == "" || p == ovhStr(u, "password") {
		t.Errorf("regenerated password %q", p)
	}
}

// The project's SSH keys: made (trimmed) in a region or in all, listed,
// read and deleted; names are unique and keys must parse.
func TestOVHOfficial_sshKeys(t *testing.T) {
	t.Parallel()
	o := newOfficialAPI(t, startFrozenOVH(t, "GRA9"))
	k := o.ok("POST", o.in("/sshkey"), ovhObj{"name": "k1", "publicKey": testPublicKey + "\n", "region": "GRA9"})
	id := ovhStr(k, "id")
	if ovhStr(k, "publicKey") != testPublicKey || ovhLen(k, "regions") != 1 || ovhStr(k, "regions", 0) != "GRA9" ||
		!regexp.MustCompile(`^([0-9a-f]{2}:){15}[0-9a-f]{2}$`).MatchString(ovhStr(k, "fingerPrint")) {
		t.Fatalf("created key: %v", k)
	}
	all := o.ok("POST", o.in("/sshkey"), ovhObj{"name": "everywhere", "publicKey": testPublicKey})
	if ovhLen(all, "regions") != 5 {
		t.Errorf("a key without region: %v", all)
	}
	if got := o.ok("GET", o.in("/sshkey/"+id), nil); ovhStr(got, "name") != "k1" {
		t.Fatalf("read: %v", got)
	}
	if list := o.ok("GET", o.in("/sshkey?region=GRA9"), nil); ovhLen(list) != 2 {
		t.Errorf("keys of GRA9: %v", list)
	}
	if list := o.ok("GET", o.in("/sshkey?region=GRA11"), nil); ovhLen(list) != 1 {
		t.Errorf("keys of GRA11: %v", list)
	}
	o.fails("POST", o.in("/sshkey"), ovhObj{"name": "k1", "publicKey": testPublicKey}, 409, "Client::Conflict")
	o.fails("POST", o.in("/sshkey"), ovhObj{"name": "bad", "publicKey": "ssh-rsa not-base64"}, 400, "Client::BadRequest")
	o.ok("DELETE", o.in("/sshkey/"+id), nil)
	o.fails("GET", o.in("/sshkey/"+id), nil, 404, "Client::NotFound")
}

// The regional instance routes: created with an SSH key by name or made
// with it, on the public network, read at the regional route the provider
// polls; a 3-AZ region takes its zones.
func TestOVHOfficial_regionalInstance(t *testing.T) {
	t.Parallel()
	o := newOfficialAPI(t, startFrozenOVH(t, "GRA9"))
	const region = "GRA9"
	flavors, _ := o.ok("GET", o.in("/flavor?region="+region), nil).([]any)
	if ovhStr(flavors, 0, "name") != "b2-7" {
		t.Errorf("the first flavor of %s is %s, the official test expects b2-7", region, ovhStr(flavors, 0, "name"))
	}
	images := o.ok("GET", o.in("/image?region="+region+"&osType=linux&flavorType="+ovhStr(flavors, 0, "type")), nil)
	body := func(name string) ovhObj {
		return ovhObj{"name": name, "billingPeriod": "hourly", "bulk": 0, "flavor": ovhObj{"id": ovhStr(flavors, 0, "id")},
			"bootFrom": ovhObj{"imageId": ovhStr(images, 0, "id")}, "network": ovhObj{"public": true}}
	}
	o.ok("POST", o.in("/sshkey"), ovhObj{"name": "ops", "publicKey": testPublicKey, "region": region})

	b := body("with-key")
	b["sshKey"] = ovhObj{"name": "ops"}
	id := createAndWait(t, o, region, b)
	got := o.ok("GET", o.regional(region, "/instance/"+id), nil)
	if ovhStr(got, "status") != "ACTIVE" || ovhStr(got, "flavorName") != "b2-7" || ovhStr(got, "sshKey") != "ops" ||
		ovhLen(got, "addresses") != 1 || ovhStr(got, "availabilityZone") != "nova" {
		t.Fatalf("regional instance: %v", got)
	}
	if v1 := o.ok("GET", o.in("/instance/"+id), nil); ovhStr(v1, "ipAddresses", 0, "type") != "public" || ovhStr(v1, "sshKey", "name") != "ops" {
		t.Fatalf("v1 instance: %v", v1)
	}

	b = body("key-made")
	b["sshKeyCreate"] = ovhObj{"name": "made-with-instance", "publicKey": testPublicKey}
	createAndWait(t, o, region, b)
	if list := o.ok("GET", o.in("/sshkey?region="+region), nil); ovhLen(list) != 2 {
		t.Errorf("sshKeyCreate made no key: %v", list)
	}

	b = body("both")
	b["sshKey"], b["sshKeyCreate"] = ovhObj{"name": "ops"}, ovhObj{"name": "x", "publicKey": testPublicKey}
	assertOVHClass(t, createInstance(t, o, region, b), 400, "Client::BadRequest")
	b = body("unknown-key")
	b["sshKey"] = ovhObj{"name": "nobody"}
	assertOVHClass(t, createInstance(t, o, region, b), 404, "Client::NotFound")

	// 3-AZ: b3-8 is the first flavor; the zone is one of the region's.
	par := emulator.DefaultOVHRegion
	flavors, _ = o.ok("GET", o.in("/flavor?region="+par), nil).([]any)
	if ovhStr(flavors, 0, "name") != "b3-8" {
		t.Errorf("the first flavor of %s is %s, the official 3-AZ test expects b3-8", par, ovhStr(flavors, 0, "name"))
	}
	images = o.ok("GET", o.in("/image?region="+par+"&osType=linux"), nil)
	b = ovhObj{"name": "zoned", "billingPeriod": "hourly", "bulk": 0, "flavor": ovhObj{"id": ovhStr(flavors, 0, "id")},
		"bootFrom": ovhObj{"imageId": ovhStr(images, 0, "id")}, "network": ovhObj{"public": true},
		"availabilityZone": "eu-west-par-b", "sshKeyCreate": ovhObj{"name": "par", "publicKey": testPublicKey}}
	id = createAndWait(t, o, par, b)
	if got := o.ok("GET", o.regional(par, "/instance/"+id), nil); ovhStr(got, "availabilityZone") != "eu-west-par-b" {
		t.Fatalf("zoned instance: %v", got)
	}
	b["name"], b["availabilityZone"] = "nowhere", "eu-west-par-z"
	assertOVHClass(t, createInstance(t, o, par, b), 400, "Client::BadRequest")
}

// createAndWait creates an instance, waits as the provider does (the
// operation, then the regional instance until ACTIVE), and returns its id.
func createAndWait(t *testing.T, o *ovhAPI, region string, body ovhObj) string {
	t.Helper()
	r := createInstance(t, o, region, body)
	if r.status != http.StatusOK {
		t.Fatalf("create: HTTP %d %s", r.status, r.body)
	}
	id := ovhStr(readOperation(t, o, ovhStr(ovhDecode(t, r.body), "id")), "resourceId")
	for range 3 {
		if ovhStr(o.ok("GET", o.regional(region, "/instance/"+id), nil), "status") == "ACTIVE" {
			return id
		}
	}
	t.Fatalf("instance %s is not ACTIVE after three reads", id)
	return ""
}

// A gateway is active as soon as its creation's operation completes: the
// provider reads it then and takes nothing else for done. While the work
// runs it is building and takes no interface.
func TestOVHGateway_activeOnceBuilt(t *testing.T) {
	t.Parallel()
	o := newOfficialAPI(t, startFrozenOVH(t))
	region := emulator.DefaultOVHRegion
	netID, openstackID := activeNetwork(t, o, "gw", region)
	subnet := ovhStr(o.ok("POST", o.in("/network/private/"+netID+"/subnet"), subnetBody("10.7.0.0/24", region)), "id")
	op := o.ok("POST", o.regional(region, "/network/"+openstackID+"/subnet/"+subnet+"/gateway"), ovhObj{"name": "g", "model": "s"})
	done := readOperation(t, o, ovhStr(op, "id"))
	if g := o.ok("GET", o.regional(region, "/gateway/"+ovhStr(done, "resourceId")), nil); ovhStr(g, "status") != "active" {
		t.Fatalf("the gateway of a completed operation: %v", g)
	}

	// With a pace that holds states for two reads, the list shows the
	// gateway building, and an interface waits.
	cfg := emulator.DefaultConfig()
	cfg.Pace = &pace.Pace{Reads: 2}
	clock := newOVHClock()
	cfg.Now = clock.Now
	o = newOfficialAPI(t, emutest.Start(t, &cfg))
	netID, openstackID = activeNetworkPaced(t, o, region)
	subnet = ovhStr(o.ok("POST", o.in("/network/private/"+netID+"/subnet"), subnetBody("10.7.0.0/24", region)), "id")
	other := ovhStr(o.ok("POST", o.in("/network/private/"+netID+"/subnet"), subnetBody("10.8.0.0/24", region)), "id")
	o.ok("POST", o.regional(region, "/network/"+openstackID+"/subnet/"+subnet+"/gateway"), ovhObj{"name": "g", "model": "s"})
	list := o.ok("GET", o.regional(region, "/gateway"), nil)
	if ovhStr(list, 0, "status") != "building" {
		t.Fatalf("gateway while its operation runs: %v", list)
	}
	o.fails("POST", o.regional(region, "/gateway/"+ovhStr(list, 0, "id")+"/interface"), ovhObj{"subnetId": other}, 400, "Client::BadRequest")
}

// activeNetworkPaced is activeNetwork under a pace of two reads.
func activeNetworkPaced(t *testing.T, o *ovhAPI, region string) (string, string) {
	t.Helper()
	n := o.ok("POST", o.in("/network/private"), ovhObj{"name": "paced", "regions": []string{region}})
	for range 3 {
		n = o.ok("GET", o.in("/network/private/"+ovhStr(n, "id")), nil)
	}
	if ovhStr(n, "status") != "ACTIVE" {
		t.Fatalf("network %v", n)
	}
	return ovhStr(n, "id"), ovhStr(n, "regions", 0, "openstackId")
}

// A network's regions change as the provider's update does: adding one
// (BUILDING until ready; one it has is "already activated"), reading and
// removing one through the regional route.
func TestOVHOfficial_networkRegions(t *testing.T) {
	t.Parallel()
	o := newOfficialAPI(t, startFrozenOVH(t, "GRA9"))
	id, openstackID := activeNetwork(t, o, "multi", "GRA11")
	r := o.call("POST", o.in("/network/private/"+id+"/region"), ovhObj{"region": "GRA11"})
	if msg := assertOVHClass(t, r, 400, "Client::BadRequest"); !strings.Contains(msg, "already activated") {
		t.Errorf("message %q lacks what the provider matches", msg)
	}
	n := o.ok("POST", o.in("/network/private/"+id+"/region"), ovhObj{"region": "GRA9"})
	if ovhStr(n, "status") != "BUILDING" || ovhLen(n, "regions") != 2 {
		t.Fatalf("adding GRA9: %v", n)
	}
	o.ok("GET", o.in("/network/private/"+id), nil)
	n = o.ok("GET", o.in("/network/private/"+id), nil)
	if ovhStr(n, "status") != "ACTIVE" || ovhStr(n, "regions", 1, "status") != "ACTIVE" {
		t.Fatalf("after the region is built: %v", n)
	}
	regional := o.ok("GET", o.regional("GRA11", "/network/"+openstackID), nil)
	if ovhStr(regional, "id") != openstackID || ovhStr(regional, "visibility") != "private" || ovhStr(regional, "region") != "GRA11" {
		t.Fatalf("regional network: %v", regional)
	}
	o.ok("POST", o.in("/network/private/"+id+"/subnet"), subnetBody("10.1.0.0/24", "GRA11"))
	o.ok("DELETE", o.regional("GRA11", "/network/"+openstackID), nil)
	n = o.ok("GET", o.in("/network/private/"+id), nil)
	if ovhLen(n, "regions") != 1 || ovhStr(n, "regions", 0, "region") != "GRA9" {
		t.Fatalf("after removing GRA11: %v", n)
	}
	if subnets := o.ok("GET", o.in("/network/private/"+id+"/subnet"), nil); ovhLen(subnets) != 0 {
		t.Errorf("the subnets of the removed region stay: %v", subnets)
	}
	o.fails("GET", o.regional("GRA11", "/network/"+openstackID), nil, 404, "Client::NotFound")
}

// Subnets through the regional routes (ovh_cloud_project_network_private_subnet_v2).
func TestOVHOfficial_regionalSubnets(t *testing.T) {
	t.Parallel()
	o := newOfficialAPI(t, startFrozenOVH(t))
	region := emulator.DefaultOVHRegion
	_, openstackID := activeNetwork(t, o, "v2", region)
	base := o.regional(region, "/network/"+openstackID+"/subnet")
	s := o.ok("POST", base, ovhObj{"name": "s", "cidr": "10.3.0.0/24", "ipVersion": 4, "enableDhcp": true, "enableGatewayIp": true,
		"allocationPools": []ovhObj{{"start": "10.3.0.10", "end": "10.3.0.200"}}, "dnsNameServers": []string{"213.186.33.99"},
		"hostRoutes": []ovhObj{}, "useDefaultPublicDNSResolver": nil})
	if ovhStr(s, "gatewayIp") != "10.3.0.1" || ovhStr(s, "allocationPools", 0, "start") != "10.3.0.10" || ovhDig(s, "dhcpEnabled") != true {
		t.Fatalf("v2 subnet: %v", s)
	}
	none := o.ok("POST", base, ovhObj{"name": "bare", "cidr": "10.4.0.0/29", "ipVersion": 4, "enableDhcp": false, "enableGatewayIp": false})
	if ovhDig(none, "gatewayIp") != nil || ovhStr(none, "allocationPools", 0, "start") != "10.4.0.1" || ovhStr(none, "allocationPools", 0, "end") != "10.4.0.6" {
		t.Fatalf("subnet without gateway: %v", none)
	}
	o.fails("POST", base, ovhObj{"cidr": "10.3.0.128/25", "ipVersion": 4, "enableDhcp": true, "enableGatewayIp": true}, 400, "Client::BadRequest")
	if list := o.ok("GET", base, nil); ovhLen(list) != 2 {
		t.Fatalf("list: %v", list)
	}
	o.ok("GET", base+"/"+ovhStr(s, "id"), nil)
	o.ok("DELETE", base+"/"+ovhStr(s, "id"), nil)
	o.fails("GET", base+"/"+ovhStr(s, "id"), nil, 404, "Client::NotFound")
}

// A bucket's objects and their versions are listed as the provider reads
// them before deleting a bucket, and deleted in bulk.
func TestOVHOfficial_containerObjects(t *testing.T) {
	t.Parallel()
	emu := startFrozenOVH(t)
	o := newOfficialAPI(t, emu)
	region := emulator.DefaultOVHRegion
	owner, s3c := ovhUser(t, o, "objects")
	ownerID, _ := strconv.ParseInt(owner, 10, 64)
	o.ok("POST", o.regional(region, "/storage"), ovhObj{"name": "wh-objects", "ownerId": ownerID, "versioning": ovhObj{"status": "enabled"}})
	for _, body := range []string{"one", "two"} {
		s3c.must(200, "PUT", "/wh-objects/a.csv", []byte(body))
	}
	s3c.must(200, "PUT", "/wh-objects/b.csv", []byte("b"))
	s3c.must(204, "DELETE", "/wh-objects/b.csv", nil)
	objects := o.regional(region, "/storage/wh-objects/object")
	all := o.ok("GET", objects+"?withVersions=true", nil)
	if ovhLen(all) != 4 || ovhStr(all, 0, "key") != "a.csv" || ovhDig(all, 0, "isLatest") != true || ovhDig(all, 1, "isLatest") != false ||
		ovhDig(all, 2, "isDeleteMarker") != true || ovhStr(all, 0, "versionId") == "" {
		t.Fatalf("versions: %v", all)
	}
	if current := o.ok("GET", objects, nil); ovhLen(current) != 1 {
		t.Fatalf("current objects: %v", current)
	}
	o.fails("DELETE", o.regional(region, "/storage/wh-objects"), nil, 409, "Client::Conflict")
	var ids []ovhObj
	for i := range ovhLen(all) {
		ids = append(ids, ovhObj{"key": ovhStr(all, i, "key"), "versionId": ovhStr(all, i, "versionId")})
	}
	o.ok("POST", o.regional(region, "/storage/wh-objects/bulkDeleteObjects"), ovhObj{"objects": ids})
	if left := o.ok("GET", objects+"?withVersions=true", nil); ovhLen(left) != 0 {
		t.Fatalf("left: %v", left)
	}
	o.ok("DELETE", o.regional(region, "/storage/wh-objects"), nil)
}

// Object lock periods are ISO 8601 durations: weeks, months, years and
// days, read back as written, applied by S3 in days or years.
func TestOVHOfficial_objectLockPeriods(t *testing.T) {
	t.Parallel()
	emu := startFrozenOVH(t)
	o := newOfficialAPI(t, emu)
	region := emulator.DefaultOVHRegion
	owner, s3c := ovhUser(t, o, "lock")
	ownerID, _ := strconv.ParseInt(owner, 10, 64)
	for i, c := range []struct{ period, days, years string }{{"P1W", "7", ""}, {"P1Y", "", "1"}, {"P2W3D", "17", ""}, {"P1M", "30", ""}} {
		name := "wh-lock-" + strconv.Itoa(i)
		b := o.ok("POST", o.regional(region, "/storage"), ovhObj{"name": name, "ownerId": ownerID,
			"objectLock": ovhObj{"status": "enabled", "rule": ovhObj{"mode": "compliance", "period": c.period}}})
		if got := ovhStr(b, "objectLock", "rule", "period"); got != c.period {
			t.Errorf("%s read back as %s", c.period, got)
		}
		if got := ovhStr(o.ok("GET", o.regional(region, "/storage/"+name), nil), "objectLock", "rule", "period"); got != c.period {
			t.Errorf("%s read back as %s", c.period, got)
		}
		r := s3c.must(200, "GET", "/"+name+"?object-lock", nil)
		if days, years := strings.Join(xmlField(r.body, "Days"), ""), strings.Join(xmlField(r.body, "Years"), ""); days != c.days || years != c.years {
			t.Errorf("%s: S3 rule %s", c.period, r.body)
		}
		o.ok("DELETE", o.regional(region, "/storage/"+name), nil)
	}
	for _, bad := range []string{"PT12H", "P", "30D", "P0D"} {
		o.fails("POST", o.regional(region, "/storage"), ovhObj{"name": "wh-lock-bad",
			"objectLock": ovhObj{"status": "enabled", "rule": ovhObj{"mode": "compliance", "period": bad}}}, 400, "Client::BadRequest")
	}
	if left := ovhObjects(t, emu); slices.ContainsFunc(left, func(s string) bool { return strings.HasPrefix(s, "ovh.storage_settings/") }) {
		t.Errorf("settings of deleted buckets left: %v", left)
	}
}

// Replication rules are kept and shown with the API's defaults, and
// changed by an update (TestAccCloudProjectRegionStorage_withReplication).
func TestOVHOfficial_replication(t *testing.T) {
	t.Parallel()
	emu := startFrozenOVH(t)
	o := newOfficialAPI(t, emu)
	region := emulator.DefaultOVHRegion
	rule := func(prefix string) ovhObj {
		return ovhObj{"id": "test", "priority": 1, "status": "enabled", "deleteMarkerReplication": "disabled",
			"destination": ovhObj{"name": "wh-replica", "region": region}, "filter": ovhObj{"prefix": prefix}}
	}
	o.fails("POST", o.regional(region, "/storage"), ovhObj{"name": "wh-replicated",
		"replication": ovhObj{"rules": []ovhObj{rule("test")}}}, 400, "Client::BadRequest")
	b := o.ok("POST", o.regional(region, "/storage"), ovhObj{"name": "wh-replicated", "versioning": ovhObj{"status": "enabled"},
		"replication": ovhObj{"rules": []ovhObj{rule("test")}}})
	if ovhLen(b, "replication", "rules") != 1 || ovhStr(b, "replication", "rules", 0, "destination", "storageClass") != "STANDARD" ||
		ovhStr(b, "replication", "rules", 0, "filter", "prefix") != "test" {
		t.Fatalf("created: %v", b)
	}
	bucket := o.regional(region, "/storage/wh-replicated")
	o.ok("PUT", bucket, ovhObj{"replication": ovhObj{"rules": []ovhObj{rule("test-updated")}}})
	if got := o.ok("GET", bucket, nil); ovhStr(got, "replication", "rules", 0, "filter", "prefix") != "test-updated" {
		t.Fatalf("updated: %v", got)
	}
	if list := o.ok("GET", o.regional(region, "/storage"), nil); ovhLen(list, 0, "replication", "rules") != 1 {
		t.Fatalf("list: %v", list)
	}
	// Tags in a filter come back as given (read unchecked: the checker
	// does not model maps).
	tagged := rule("t")
	tagged["filter"] = ovhObj{"prefix": "t", "tags": ovhObj{"key": "test"}}
	r := ovhUnchecked(t, o, "PUT", bucket, ovhObj{"replication": ovhObj{"rules": []ovhObj{tagged}}})
	if r.status != 200 || !strings.Contains(string(r.body), `"tags":{"key":"test"}`) {
		t.Fatalf("rule with tags: HTTP %d %s", r.status, r.body)
	}
	o.ok("DELETE", bucket, nil)
	if left := ovhObjects(t, emu); len(left) > 0 {
		t.Fatalf("left: %v", left)
	}
}

// An empty user policy, which the provider writes to remove one, is taken,
// and leaves the user what its role gives.
func TestOVHOfficial_emptyUserPolicy(t *testing.T) {
	t.Parallel()
	o := newOfficialAPI(t, startFrozenOVH(t))
	owner, s3c := ovhUser(t, o, "policy")
	o.ok("POST", o.in("/user/"+owner+"/policy"), ovhObj{"policy": `{"Statement":[{"Effect":"Deny","Action":["s3:*"],"Resource":["*"]}]}`})
	s3c.fails(403, "AccessDenied", "PUT", "/wh-policy", nil)
	o.ok("POST", o.in("/user/"+owner+"/policy"), ovhObj{"policy": `{"Statement":[]}`})
	if got := ovhStr(o.ok("GET", o.in("/user/"+owner+"/policy"), nil), "policy"); got != `{"Statement":[]}` {
		t.Errorf("policy %q", got)
	}
	s3c.must(200, "PUT", "/wh-policy", nil)
}

// Transient states move on with time, at any call, without a read of the
// object: a network builds, an operation runs to its end (its gateway
// built), a user is made, an instance boots, and deletions finish.
func TestOVHOfficial_statesMoveWithTime(t *testing.T) {
	t.Parallel()
	clock := newOVHClock()
	emu := startOVH(t, clock)
	o := newOfficialAPI(t, emu)
	region := emulator.DefaultOVHRegion
	hold := pace.DefaultHold

	n := o.ok("POST", o.in("/network/private"), ovhObj{"name": "timed", "regions": []string{region}})
	clock.Advance(hold)
	o.ok("GET", o.in("/user"), nil) // a call of anything
	if got := o.ok("GET", o.in("/network/private/"+ovhStr(n, "id")), nil); ovhStr(got, "status") != "ACTIVE" {
		t.Fatalf("a network built for Hold: %v", got)
	}
	openstackID := ovhStr(n, "regions", 0, "openstackId")
	subnet := ovhStr(o.ok("POST", o.in("/network/private/"+ovhStr(n, "id")+"/subnet"), subnetBody("10.5.0.0/24", region)), "id")
	op := o.ok("POST", o.regional(region, "/network/"+openstackID+"/subnet/"+subnet+"/gateway"), ovhObj{"name": "g", "model": "s"})
	u := o.ok("POST", o.in("/user"), ovhObj{"description": "timed"})
	clock.Advance(2 * hold) // created → in-progress → completed
	done := o.ok("GET", o.in("/operation/"+ovhStr(op, "id")), nil)
	if ovhStr(done, "status") != "completed" || ovhStr(done, "resourceId") == "" {
		t.Fatalf("an operation left for two Holds: %v", done)
	}
	started, _ := time.Parse(time.RFC3339, ovhStr(done, "startedAt"))
	completed, _ := time.Parse(time.RFC3339, ovhStr(done, "completedAt"))
	if completed.Sub(started) != hold {
		t.Errorf("the steps are not a Hold apart: %v", done)
	}
	gateways := o.ok("GET", o.regional(region, "/gateway"), nil)
	if ovhStr(gateways, 0, "status") != "active" {
		t.Fatalf("the gateway of that operation: %v", gateways)
	}
	if got := o.ok("GET", o.in("/user/"+ovhNumber(u, "id")), nil); ovhStr(got, "status") != "ok" {
		t.Fatalf("a user made for Hold: %v", got)
	}
	o.ok("DELETE", o.in("/user/"+ovhNumber(u, "id")), nil)
	o.ok("DELETE", o.in("/network/private/"+ovhStr(o.ok("POST", o.in("/network/private"), ovhObj{"name": "gone"}), "id")), nil)
	clock.Advance(hold)
	o.fails("GET", o.in("/user/"+ovhNumber(u, "id")), nil, 404, "Client::NotFound")
	if list := o.ok("GET", o.in("/network/private"), nil); ovhLen(list) != 1 {
		t.Fatalf("networks after a deletion left for Hold: %v", list)
	}
}

// ---- the official provider's whole sequence --------------------------------

// TestOVHOfficial_providerSequence replays the official provider's calls
// for a private network with a subnet and a gateway, a user with S3
// credentials and a policy, a bucket, an SSH key and an instance: create
// (with the provider's waits: a state refresh after a 10 s delay, or at
// once for the instance), read, update where the provider updates, then
// destroy in reverse order, and nothing is left in the emulator.
func TestOVHOfficial_providerSequence(t *testing.T) {
	t.Parallel()
	clock := newOVHClock()
	emu := startOVH(t, clock)
	o := newOfficialAPI(t, emu)
	region := emulator.DefaultOVHRegion
	const delay = 10 * time.Second // resource.StateChangeConf's Delay in the provider

	// ovh_cloud_project_network_private: create, wait BUILDING → ACTIVE, read.
	n := providerPost(o, o.in("/network/private"), ovhObj{"serviceName": o.project, "vlanId": 0, "name": "tf-net",
		"regions": []string{region, "GRA11"}})
	netID := ovhStr(n, "id")
	network := o.in("/network/private/" + netID)
	clock.Advance(delay)
	if got := o.ok("GET", network, nil); ovhStr(got, "status") != "ACTIVE" {
		t.Fatalf("network after the wait: %v", got)
	}
	n = o.ok("GET", network, nil)
	openstackIDs := map[string]string{}
	for i := range ovhLen(n, "regions") {
		openstackIDs[ovhStr(n, "regions", i, "region")] = ovhStr(n, "regions", i, "openstackId")
	}

	// ovh_cloud_project_network_private_subnet: create, read (the list).
	body := subnetBody("10.20.0.0/24", region)
	body["serviceName"], body["networkId"] = o.project, netID
	subnetID := ovhStr(providerPost(o, network+"/subnet", body), "id")
	if list := o.ok("GET", network+"/subnet", nil); ovhLen(list) != 1 || ovhStr(list, 0, "id") != subnetID {
		t.Fatalf("subnets: %v", list)
	}

	// ovh_cloud_project_gateway: create, wait on the operation (reading the
	// gateway once it is named), read the operation again, read; update.
	op := o.ok("POST", o.regional(region, "/network/"+openstackIDs[region]+"/subnet/"+subnetID+"/gateway"), ovhObj{"name": "tf-gw", "model": "s"})
	clock.Advance(delay)
	refreshed := o.ok("GET", o.in("/operation/"+ovhStr(op, "id")), nil)
	gatewayID := ovhStr(refreshed, "resourceId")
	gateway := o.regional(ovhStr(refreshed, "regions", 0), "/gateway/"+gatewayID)
	if g := o.ok("GET", gateway, nil); gatewayID == "" || ovhStr(g, "status") != "active" {
		t.Fatalf("gateway wait: operation %v, gateway %v", refreshed, g)
	}
	o.ok("GET", o.in("/operation/"+ovhStr(op, "id")), nil)
	o.ok("GET", gateway, nil)
	o.ok("PUT", gateway, ovhObj{"name": "tf-gw", "model": "m"})
	if g := o.ok("GET", gateway, nil); ovhStr(g, "model") != "m" {
		t.Fatalf("gateway update: %v", g)
	}

	// The network's update to one region: each region of the configuration
	// is activated (already so here), then the others are removed.
	r := o.call("POST", network+"/region", ovhObj{"region": region})
	if msg := assertOVHClass(t, r, 400, "Client::BadRequest"); !strings.Contains(msg, "already activated") {
		t.Fatalf("region update: %s", msg)
	}
	o.ok("GET", network, nil)
	o.ok("DELETE", o.regional("GRA11", "/network/"+openstackIDs["GRA11"]), nil)
	if got := o.ok("GET", network, nil); ovhLen(got, "regions") != 1 {
		t.Fatalf("network update: %v", got)
	}

	// ovh_cloud_project_user: roles checked, create, wait creating → ok, read
	// with its RC file.
	o.ok("GET", o.in("/role"), nil)
	u := o.ok("POST", o.in("/user"), ovhObj{"description": "tf-user", "roles": []string{"objectstore_operator"}})
	userID := ovhNumber(u, "id")
	user := o.in("/user/" + userID)
	clock.Advance(delay)
	if got := o.ok("GET", user, nil); ovhStr(got, "status") != "ok" {
		t.Fatalf("user wait: %v", got)
	}
	o.ok("GET", user, nil)
	o.ok("GET", user+"/openrc?region="+officialOpenrcRegion, nil)

	// ovh_cloud_project_user_s3_credential and _s3_policy.
	cred := o.ok("POST", user+"/s3Credentials", nil)
	access := ovhStr(cred, "access")
	o.ok("GET", user+"/s3Credentials/"+access, nil)
	policy := `{"Statement":[{"Sid":"RWContainer","Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:DeleteObject",` +
		`"s3:ListBucket","s3:ListMultipartUploadParts","s3:ListBucketMultipartUploads","s3:AbortMultipartUpload","s3:GetBucketLocation"],` +
		`"Resource":["arn:aws:s3:::tf-bucket","arn:aws:s3:::tf-bucket/*"]}]}`
	o.ok("POST", user+"/policy", ovhObj{"policy": policy})
	o.ok("GET", user+"/policy", nil)

	// ovh_cloud_project_storage: create (ToCreate), read (with its empty
	// query string), update (ToUpdate), read.
	bucket := o.regional(region, "/storage/tf-bucket")
	ownerID, _ := strconv.ParseInt(userID, 10, 64)
	o.ok("POST", o.regional(region, "/storage"), ovhObj{"name": "tf-bucket", "ownerId": ownerID,
		"encryption": ovhObj{"sseAlgorithm": "AES256"}, "versioning": ovhObj{"status": "enabled"}})
	o.ok("GET", bucket+"?", nil)
	o.ok("PUT", bucket, ovhObj{"encryption": ovhObj{"sseAlgorithm": "plaintext"}, "versioning": ovhObj{"status": "enabled"}})
	o.ok("GET", bucket+"?", nil)
	s3c := &s3Client{t: t, emu: emu, ak: access, sk: ovhStr(cred, "secret"), region: "eu-west-par"}
	s3c.must(200, "PUT", "/tf-bucket/data.csv", []byte("v1"))
	s3c.must(200, "PUT", "/tf-bucket/data.csv", []byte("v2"))

	// ovh_cloud_project_ssh_key: create, read.
	key := o.ok("POST", o.in("/sshkey"), ovhObj{"name": "tf-key", "publicKey": testPublicKey + "\n", "region": region})
	o.ok("GET", o.in("/sshkey/"+ovhStr(key, "id")), nil)

	// ovh_cloud_project_instance: create, wait the operation, wait ACTIVE, read.
	flavors := o.ok("GET", o.in("/flavor?region="+region), nil)
	images := o.ok("GET", o.in("/image?region="+region+"&osType=linux&flavorType="+ovhStr(flavors, 0, "type")), nil)
	instanceID := createAndWait(t, o, region, ovhObj{"name": "tf-vm", "billingPeriod": "hourly", "bulk": 0,
		"flavor": ovhObj{"id": ovhStr(flavors, 0, "id")}, "bootFrom": ovhObj{"imageId": ovhStr(images, 0, "id")},
		"sshKey": ovhObj{"name": "tf-key"}, "network": ovhObj{"public": true, "private": ovhObj{
			"network": ovhObj{"id": openstackIDs[region], "subnetId": subnetID}, "gateway": ovhObj{"id": gatewayID}}}})
	if got := o.ok("GET", o.regional(region, "/instance/"+instanceID), nil); ovhLen(got, "addresses") != 2 {
		t.Fatalf("instance: %v", got)
	}

	// Destroy, in reverse order of dependency.
	o.ok("DELETE", o.in("/instance/"+instanceID), nil)
	clock.Advance(20 * time.Second) // the provider sleeps 20 s
	o.ok("DELETE", o.in("/sshkey/"+ovhStr(key, "id")), nil)
	for range 2 { // list, delete, list again until empty
		versions := o.ok("GET", bucket+"/object?withVersions=true", nil)
		if ovhLen(versions) == 0 {
			break
		}
		var ids []ovhObj
		for i := range ovhLen(versions) {
			ids = append(ids, ovhObj{"key": ovhStr(versions, i, "key"), "versionId": ovhStr(versions, i, "versionId")})
		}
		o.ok("POST", bucket+"/bulkDeleteObjects", ovhObj{"objects": ids})
	}
	o.ok("DELETE", bucket, nil)
	o.ok("POST", user+"/policy", ovhObj{"policy": `{"Statement":[]}`})
	o.ok("DELETE", user+"/s3Credentials/"+access, nil)
	o.ok("DELETE", user, nil)
	clock.Advance(delay)
	o.fails("GET", user, nil, 404, "Client::NotFound") // "deleted"
	del := o.ok("DELETE", gateway, nil)
	clock.Advance(delay)
	if got := o.ok("GET", o.in("/operation/"+ovhStr(del, "id")), nil); ovhStr(got, "status") != "completed" {
		t.Fatalf("gateway deletion: %v", got)
	}
	o.ok("DELETE", network+"/subnet/"+subnetID, nil)
	o.ok("DELETE", network, nil)
	clock.Advance(delay)
	o.fails("GET", network, nil, 404, "Client::NotFound")

	if left := ovhObjects(t, emu); len(left) > 0 {
		t.Fatalf("left in the emulator after the destroy: %v", left)
	}
	s3Left, err := emu.Control().Objects(context.Background(), "s3.")
	if err != nil {
		t.Fatal(err)
	}
	if len(s3Left) > 0 {
		t.Fatalf("left in object storage after the destroy: %d objects, first %s/%s", len(s3Left), s3Left[0].Collection, s3Left[0].ID)
	}
}
