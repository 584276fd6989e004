package emulator_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
)

// These tests speak raw HTTP to the OpenStack side of an OVHcloud project,
// as gophercloud does: a project user's RC file names Keystone, a password
// token opens Neutron's security groups, rules and ports, in the shapes of
// the OpenStack API reference (Identity v3, Networking v2.0).

// openstackUser makes a project user with roles through the OVHcloud API,
// waits until it is ok, and returns its id, username and password.
func openstackUser(t *testing.T, o *ovhAPI, roles ...string) (id, username, password string) {
	t.Helper()
	created := o.ok("POST", o.in("/user"), ovhObj{"description": "openstack " + strings.Join(roles, ","), "roles": roles})
	id, password = ovhNumber(created, "id"), ovhStr(created, "password")
	for ovhStr(o.ok("GET", o.in("/user/"+id), nil), "status") != "ok" {
	}
	return id, ovhStr(created, "username"), password
}

// openrcValue reads one exported variable of an RC file.
func openrcValue(t *testing.T, rc, name string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^export ` + name + `="?([^"\n]*)"?$`).FindStringSubmatch(rc)
	if m == nil {
		t.Fatalf("no %s in the RC file:\n%s", name, rc)
	}
	return m[1]
}

// openstack sends OpenStack requests, with a token once it has one.
type openstack struct {
	t     *testing.T
	token string
}

func (os *openstack) send(method, url string, body any) (response, map[string]any) {
	os.t.Helper()
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			os.t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, url, bytes.NewReader(raw))
	if err != nil {
		os.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if os.token != "" {
		req.Header.Set("X-Auth-Token", os.token)
	}
	r := send(os.t, req)
	var decoded map[string]any
	if len(r.body) > 0 {
		if err := json.Unmarshal(r.body, &decoded); err != nil {
			os.t.Fatalf("%s %s: HTTP %d, not JSON: %s", method, url, r.status, r.body)
		}
	}
	return r, decoded
}

// expect sends a request that must answer status, and returns its body.
func (os *openstack) expect(status int, method, url string, body any) map[string]any {
	os.t.Helper()
	r, decoded := os.send(method, url, body)
	if r.status != status {
		os.t.Fatalf("%s %s: HTTP %d, want %d: %s", method, url, r.status, status, r.body)
	}
	return decoded
}

// neutronFails sends a request that must fail with Neutron's error shape.
func (os *openstack) neutronFails(status int, errType, method, url string, body any) string {
	os.t.Helper()
	decoded := os.expect(status, method, url, body)
	e, _ := decoded["NeutronError"].(map[string]any)
	if e == nil || e["type"] != errType || e["message"] == "" {
		os.t.Fatalf("%s %s: want NeutronError %s, got %v", method, url, errType, decoded)
	}
	msg, _ := e["message"].(string)
	return msg
}

// keystoneUnauthorized checks Keystone's 401 shape.
func keystoneUnauthorized(t *testing.T, decoded map[string]any) {
	t.Helper()
	e, _ := decoded["error"].(map[string]any)
	if e == nil || e["code"] != float64(401) || e["title"] != "Unauthorized" || e["message"] == "" {
		t.Fatalf("want Keystone's 401, got %v", decoded)
	}
}

func passwordAuth(username, password, project string) map[string]any {
	return map[string]any{"auth": map[string]any{
		"identity": map[string]any{"methods": []string{"password"}, "password": map[string]any{
			"user": map[string]any{"name": username, "domain": map[string]any{"name": "Default"}, "password": password}}},
		"scope": map[string]any{"project": map[string]any{"id": project}}}}
}

// login asks Keystone for a token as gophercloud does, and returns it with
// the URL of the network endpoint of the catalog for the default region.
func login(t *testing.T, authURL, username, password string) (string, string) {
	t.Helper()
	project, region := emulator.DefaultOVHProjectID, emulator.DefaultOVHRegion
	os := &openstack{t: t}
	r, body := os.send("POST", authURL+"auth/tokens", passwordAuth(username, password, project))
	if r.status != http.StatusCreated {
		t.Fatalf("token: HTTP %d: %s", r.status, r.body)
	}
	token := r.header.Get("X-Subject-Token")
	if !strings.HasPrefix(token, "gAAAAA") {
		t.Fatalf("X-Subject-Token = %q", token)
	}
	tok, _ := body["token"].(map[string]any)
	if ovhStr(tok, "project", "id") != project || ovhStr(tok, "user", "name") != username ||
		ovhStr(tok, "user", "domain", "name") != "Default" || ovhStr(tok, "expires_at") == "" || ovhLen(tok, "methods") != 1 {
		t.Fatalf("token body: %v", tok)
	}
	catalog, _ := tok["catalog"].([]any)
	for _, entry := range catalog {
		if ovhStr(entry, "type") != "network" {
			continue
		}
		endpoints, _ := ovhDig(entry, "endpoints").([]any)
		for _, e := range endpoints {
			if ovhStr(e, "region") == region && ovhStr(e, "interface") == "public" {
				return token, ovhStr(e, "url")
			}
		}
	}
	t.Fatalf("no public network endpoint in %s in the catalog: %v", region, catalog)
	return "", ""
}

func TestOVHOpenStack_keystoneAndSecurityGroups(t *testing.T) {
	t.Parallel()
	emu := startFrozenOVH(t)
	o := newOVHStorageAPI(t, emu)
	id, username, password := openstackUser(t, o, "network_security_operator")
	project, region := emulator.DefaultOVHProjectID, emulator.DefaultOVHRegion

	// The RC file names the emulator's Keystone, the project and the user.
	official := newOfficialAPI(t, emu)
	rc := ovhStr(official.ok("GET", official.in("/user/"+id+"/openrc?region="+region+"&version=v3"), nil), "content")
	authURL := openrcValue(t, rc, "OS_AUTH_URL")
	if authURL != emu.URL()+"/keystone/v3/" || openrcValue(t, rc, "OS_TENANT_ID") != project ||
		openrcValue(t, rc, "OS_USERNAME") != username || openrcValue(t, rc, "OS_REGION_NAME") != region {
		t.Fatalf("RC file:\n%s", rc)
	}

	// Keystone refuses a wrong password, a wrong project and a malformed body.
	anon := &openstack{t: t}
	keystoneUnauthorized(t, anon.expect(401, "POST", authURL+"auth/tokens", passwordAuth(username, "wrong", project)))
	keystoneUnauthorized(t, anon.expect(401, "POST", authURL+"auth/tokens", passwordAuth(username, password, "0000000000000000000000000000ffff")))
	if e := anon.expect(400, "POST", authURL+"auth/tokens", map[string]any{"auth": map[string]any{}}); ovhDig(e, "error", "code") != float64(400) {
		t.Fatalf("malformed auth: %v", e)
	}
	token, network := login(t, authURL, username, password)
	if network != emu.URL()+"/neutron/"+region+"/" {
		t.Fatalf("network endpoint %s", network)
	}

	// The endpoint's versions document needs no token; its routes do.
	if v := anon.expect(200, "GET", network, nil); ovhStr(v, "versions", 0, "id") != "v2.0" || ovhStr(v, "versions", 0, "status") != "CURRENT" {
		t.Fatalf("versions: %v", v)
	}
	api := network + "v2.0/"
	r, body := anon.send("GET", api+"security-groups", nil)
	if r.status != 401 || !strings.Contains(r.header.Get("WWW-Authenticate"), "Keystone uri=") {
		t.Fatalf("without a token: HTTP %d %v", r.status, r.header)
	}
	keystoneUnauthorized(t, body)
	forged := &openstack{t: t, token: token[:len(token)-4] + "AAAA"}
	forged.expect(401, "GET", api+"security-groups", nil)

	os := &openstack{t: t, token: token}
	// A new group lets everything out, IPv4 and IPv6.
	created := os.expect(201, "POST", api+"security-groups", map[string]any{"security_group": map[string]any{
		"name": "wh-compute", "description": "compute tier"}})
	group, ok := ovhDig(created, "security_group").(map[string]any)
	if !ok {
		t.Fatalf("no security_group in %v", created)
	}
	groupID := ovhStr(group, "id")
	if ovhStr(group, "project_id") != project || ovhStr(group, "tenant_id") != project || group["stateful"] != true || ovhLen(group, "security_group_rules") != 2 {
		t.Fatalf("group: %v", group)
	}
	for i := range 2 {
		rule := ovhDig(group, "security_group_rules", i)
		if ovhStr(rule, "direction") != "egress" || ovhDig(rule, "protocol") != nil || ovhDig(rule, "remote_ip_prefix") != nil {
			t.Fatalf("default rule %d: %v", i, rule)
		}
	}
	other := ovhStr(os.expect(201, "POST", api+"security-groups", map[string]any{"security_group": map[string]any{"name": "wh-data"}}), "security_group", "id")
	os.neutronFails(409, "SecurityGroupDefaultAlreadyExists", "POST", api+"security-groups", map[string]any{"security_group": map[string]any{"name": "default"}})
	os.neutronFails(400, "HTTPBadRequest", "POST", api+"security-groups", map[string]any{"security_group": map[string]any{"name": "x", "color": "red"}})

	// Rules, checked as Neutron checks them.
	rule := func(attrs map[string]any) map[string]any {
		attrs["security_group_id"] = groupID
		return map[string]any{"security_group_rule": attrs}
	}
	ssh := os.expect(201, "POST", api+"security-group-rules", rule(map[string]any{"direction": "ingress", "ethertype": "IPv4",
		"protocol": "tcp", "port_range_min": 22, "port_range_max": 22, "remote_group_id": other}))
	sshID := ovhStr(ssh, "security_group_rule", "id")
	if ovhStr(ssh, "security_group_rule", "remote_group_id") != other || ovhDig(ssh, "security_group_rule", "port_range_min") != float64(22) {
		t.Fatalf("rule: %v", ssh)
	}
	msg := os.neutronFails(409, "SecurityGroupRuleExists", "POST", api+"security-group-rules", rule(map[string]any{"direction": "ingress",
		"protocol": "tcp", "port_range_min": 22, "port_range_max": 22, "remote_group_id": other}))
	if !strings.Contains(msg, sshID) {
		t.Fatalf("the conflict does not name the rule %s: %s", sshID, msg)
	}
	os.expect(201, "POST", api+"security-group-rules", rule(map[string]any{"direction": "egress", "protocol": "tcp",
		"port_range_min": 443, "port_range_max": 443, "remote_ip_prefix": "198.51.100.0/24"}))
	for _, c := range []struct {
		attrs   map[string]any
		status  int
		errType string
	}{
		{map[string]any{"direction": "sideways"}, 400, "HTTPBadRequest"},
		{map[string]any{"protocol": "tcp"}, 400, "HTTPBadRequest"},
		{map[string]any{"direction": "ingress", "ethertype": "IPv5"}, 400, "SecurityGroupRuleInvalidEtherType"},
		{map[string]any{"direction": "ingress", "protocol": "carrier-pigeon"}, 400, "SecurityGroupRuleInvalidProtocol"},
		{map[string]any{"direction": "ingress", "protocol": "tcp", "port_range_min": 443, "port_range_max": 80}, 400, "SecurityGroupInvalidPortRange"},
		{map[string]any{"direction": "ingress", "port_range_min": 22, "port_range_max": 22}, 400, "SecurityGroupProtocolRequiredWithPorts"},
		{map[string]any{"direction": "ingress", "remote_ip_prefix": "10.0.0.0/8", "remote_group_id": other}, 400, "SecurityGroupRemoteGroupAndRemoteIpPrefix"},
		{map[string]any{"direction": "ingress", "remote_ip_prefix": "2001:db8::/32"}, 400, "SecurityGroupRuleParameterConflict"},
		{map[string]any{"direction": "ingress", "remote_group_id": "6d3ae7c2-7d8a-4a4e-9a0c-000000000000"}, 404, "SecurityGroupNotFound"},
		{map[string]any{"direction": "ingress", "shiny": true}, 400, "HTTPBadRequest"},
	} {
		os.neutronFails(c.status, c.errType, "POST", api+"security-group-rules", rule(c.attrs))
	}

	// Lists take Neutron's filters, and refuse unknown ones.
	list := os.expect(200, "GET", api+"security-group-rules?security_group_id="+groupID+"&direction=ingress", nil)
	if ovhLen(list, "security_group_rules") != 1 || ovhStr(list, "security_group_rules", 0, "id") != sshID {
		t.Fatalf("filtered rules: %v", list)
	}
	if got := os.expect(200, "GET", api+"security-groups?name=wh-compute", nil); ovhLen(got, "security_groups") != 1 || ovhLen(got, "security_groups", 0, "security_group_rules") != 4 {
		t.Fatalf("groups named wh-compute: %v", got)
	}
	os.neutronFails(400, "HTTPBadRequest", "GET", api+"security-groups?colour=red", nil)

	// Renaming; deleting a rule; deleting a group takes its rules and those
	// naming it.
	if got := os.expect(200, "PUT", api+"security-groups/"+groupID, map[string]any{"security_group": map[string]any{"name": "wh-compute-2"}}); ovhStr(got, "security_group", "name") != "wh-compute-2" {
		t.Fatalf("rename: %v", got)
	}
	os.expect(204, "DELETE", api+"security-group-rules/"+sshID, nil)
	os.neutronFails(404, "SecurityGroupRuleNotFound", "GET", api+"security-group-rules/"+sshID, nil)
	os.expect(201, "POST", api+"security-group-rules", rule(map[string]any{"direction": "ingress", "protocol": "tcp",
		"port_range_min": 22, "port_range_max": 22, "remote_group_id": other}))
	os.expect(204, "DELETE", api+"security-groups/"+other, nil)
	if got := os.expect(200, "GET", api+"security-groups/"+groupID, nil); ovhLen(got, "security_group", "security_group_rules") != 3 {
		t.Fatalf("after deleting the remote group: %v", got)
	}
	os.expect(204, "DELETE", api+"security-groups/"+groupID, nil)
	os.neutronFails(404, "SecurityGroupNotFound", "GET", api+"security-groups/"+groupID, nil)

	// A new password revokes the tokens issued before.
	renewed := ovhStr(official.ok("POST", official.in("/user/"+id+"/regeneratePassword"), nil), "password")
	os.expect(401, "GET", api+"security-groups", nil)
	keystoneUnauthorized(t, anon.expect(401, "POST", authURL+"auth/tokens", passwordAuth(username, password, project)))
	os.token, _ = login(t, authURL, username, renewed)
	os.expect(200, "GET", api+"security-groups", nil)

	// Deleting the user revokes its tokens too; nothing is left.
	o.ok("DELETE", o.in("/user/"+id), nil)
	o.ok("GET", o.in("/user/"+id), nil)
	os.expect(401, "GET", api+"security-groups", nil)
	if left := ovhObjects(t, emu); len(left) != 0 {
		t.Fatalf("left: %v", left)
	}
}

// A user without a network role reads security groups but cannot change
// them; a region's groups are not seen from another region.
func TestOVHOpenStack_rolesAndScope(t *testing.T) {
	t.Parallel()
	emu := startFrozenOVH(t)
	o := newOVHStorageAPI(t, emu)
	authURL := emu.URL() + "/keystone/v3/"
	_, writer, writerPassword := openstackUser(t, o, "network_security_operator")
	_, reader, readerPassword := openstackUser(t, o, "objectstore_operator")
	wtoken, network := login(t, authURL, writer, writerPassword)
	rtoken, _ := login(t, authURL, reader, readerPassword)
	w, r := &openstack{t: t, token: wtoken}, &openstack{t: t, token: rtoken}
	api := network + "v2.0/"
	id := ovhStr(w.expect(201, "POST", api+"security-groups", map[string]any{"security_group": map[string]any{"name": "g"}}), "security_group", "id")
	if got := r.expect(200, "GET", api+"security-groups/"+id, nil); ovhStr(got, "security_group", "id") != id {
		t.Fatalf("read: %v", got)
	}
	msg := r.neutronFails(403, "PolicyNotAuthorized", "DELETE", api+"security-groups/"+id, nil)
	if !strings.Contains(msg, "delete_security_group") {
		t.Fatalf("policy message: %s", msg)
	}
	r.neutronFails(403, "PolicyNotAuthorized", "POST", api+"security-group-rules", map[string]any{"security_group_rule": map[string]any{
		"security_group_id": id, "direction": "ingress"}})
	// Groups are regional; a region outside the project has no endpoint.
	w.neutronFails(404, "SecurityGroupNotFound", "GET", emu.URL()+"/neutron/GRA11/v2.0/security-groups/"+id, nil)
	w.neutronFails(404, "HTTPNotFound", "GET", emu.URL()+"/neutron/BHS5/v2.0/security-groups", nil)
	w.expect(204, "DELETE", api+"security-groups/"+id, nil)
}

// Tokens, users' passwords and groups outlive a restart of an emulator
// with the same data directory and seeds.
func TestOVHOpenStack_persistsAcrossRestart(t *testing.T) {
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
	region := emulator.DefaultOVHRegion
	_, username, password := openstackUser(t, newOVHStorageAPI(t, emu), "network_security_operator")
	token, network := login(t, emu.URL()+"/keystone/v3/", username, password)
	id := ovhStr((&openstack{t: t, token: token}).expect(201, "POST", network+"v2.0/security-groups",
		map[string]any{"security_group": map[string]any{"name": "kept"}}), "security_group", "id")
	if err := emu.Close(); err != nil {
		t.Fatal(err)
	}
	again := emutest.Start(t, &cfg)
	network = again.URL() + "/neutron/" + region + "/"
	if got := (&openstack{t: t, token: token}).expect(200, "GET", network+"v2.0/security-groups/"+id, nil); ovhStr(got, "security_group", "name") != "kept" {
		t.Fatalf("after the restart: %v", got)
	}
	login(t, again.URL()+"/keystone/v3/", username, password)
}
