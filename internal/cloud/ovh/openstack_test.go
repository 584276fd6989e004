package ovh_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/cloud/ovh"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/faults"
)

// passwordSpy is a transport that notes every OpenStack password the
// client sends to Keystone, so that tests can look for it where it must
// never be: errors and logs.
type passwordSpy struct {
	mu        sync.Mutex
	passwords []string
}

func (s *passwordSpy) RoundTrip(req *http.Request) (*http.Response, error) {
	if strings.HasSuffix(req.URL.Path, "/auth/tokens") && req.Body != nil {
		raw, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(raw))
		var body struct {
			Auth struct {
				Identity struct {
					Password struct {
						User struct {
							Password string `json:"password"`
						} `json:"user"`
					} `json:"password"`
				} `json:"identity"`
			} `json:"auth"`
		}
		if json.Unmarshal(raw, &body) == nil && body.Auth.Identity.Password.User.Password != "" {
			s.mu.Lock()
			s.passwords = append(s.passwords, body.Auth.Identity.Password.User.Password)
			s.mu.Unlock()
		}
	}
	return http.DefaultTransport.RoundTrip(req)
}

func (s *passwordSpy) seen() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.passwords...)
}

// lines is a cloud.Logger keeping every line, fields included.
type lines struct {
	mu  sync.Mutex
	all []string
}

func (l *lines) Debug(_ context.Context, msg string, fields map[string]any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all = append(l.all, fmt.Sprintf("%s %v", msg, fields))
}

func (l *lines) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.all, "\n")
}

// spiedClient is a client whose Keystone passwords and log lines the test
// sees.
func spiedClient(t *testing.T, emu *emulator.Emulator) (*ovh.Client, *passwordSpy, *lines) {
	t.Helper()
	spy, log := &passwordSpy{}, &lines{}
	c, err := ovh.New(appKeyConfig(emu), cloud.Options{Retry: noWait, RequestsPerSecond: 1000,
		HTTPClient: &http.Client{Transport: spy}, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	return c, spy, log
}

// assertNoPassword fails when a password sent to Keystone shows in texts.
func assertNoPassword(t *testing.T, spy *passwordSpy, texts ...string) {
	t.Helper()
	passwords := spy.seen()
	if len(passwords) == 0 {
		t.Fatal("the client sent Keystone no password: nothing to look for")
	}
	for _, p := range passwords {
		for _, text := range texts {
			if strings.Contains(text, p) {
				t.Fatalf("an OpenStack password shows in:\n%s", text)
			}
		}
	}
}

// callsMatching counts the emulator's calls whose action ends with suffix.
func callsMatching(t *testing.T, emu *emulator.Emulator, prefix, suffix string) int {
	t.Helper()
	calls, err := emu.Control().Calls(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for action, count := range calls {
		if strings.HasPrefix(action, prefix) && strings.HasSuffix(action, suffix) {
			n += count
		}
	}
	return n
}

// The password the API answers at the user's creation opens Keystone: a
// create regenerates none. Another provider process on the same network
// gives the user a new password, which revokes the first process's token;
// the first process then finds its password refused too, and gives the
// user a new one itself, once, and goes on.
func TestOpenStack_anotherProcessChangesThePassword(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	ctx := context.Background()
	first, spy, log := spiedClient(t, emu)
	n, err := first.CreateNetwork(ctx, networkSpec(t, "wh-two-runs", "10.70.0.0/16"))
	if err != nil {
		t.Fatal(err)
	}
	if got := callsMatching(t, emu, "ovh:", "/regeneratePassword"); got != 0 {
		t.Fatalf("the create gave its new user %d new passwords, want none", got)
	}
	second := client(t, appKeyConfig(emu))
	if _, err := second.ReadNetwork(ctx, cloud.Network{ID: n.ID}); err != nil {
		t.Fatalf("another process reading the network: %v", err)
	}
	if got := callsMatching(t, emu, "ovh:", "/regeneratePassword"); got != 1 {
		t.Fatalf("another process gave the user %d new passwords, want 1", got)
	}
	read, err := first.ReadNetwork(ctx, n)
	if err != nil {
		t.Fatalf("the first process after the password changed: %v", err)
	}
	if len(read.Rules) != len(n.Rules) {
		t.Fatalf("the first process reads %d rules, want %d", len(read.Rules), len(n.Rules))
	}
	if got := callsMatching(t, emu, "ovh:", "/regeneratePassword"); got != 2 {
		t.Fatalf("%d new passwords in all, want 2: the first process retried a refused password", got)
	}
	if err := first.DeleteNetwork(ctx, read); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, emu)
	assertNoPassword(t, spy, log.text())
}

// tokenSpoiler is a transport that, once armed, spoils the token of the
// next Neutron call, as Keystone's expiry of a token would.
type tokenSpoiler struct{ armed atomic.Bool }

func (s *tokenSpoiler) RoundTrip(req *http.Request) (*http.Response, error) {
	if strings.Contains(req.URL.Path, "/neutron/") && req.Header.Get("X-Auth-Token") != "" && s.armed.CompareAndSwap(true, false) {
		req = req.Clone(req.Context())
		req.Header.Set("X-Auth-Token", "gAAAAAexpired")
	}
	return http.DefaultTransport.RoundTrip(req)
}

// A token Neutron refuses (expired) makes the client authenticate again
// with the password it knows, without giving the user a new one.
func TestOpenStack_refusedTokenAuthenticatesAgain(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	ctx := context.Background()
	spoiler := &tokenSpoiler{}
	c, err := ovh.New(appKeyConfig(emu), cloud.Options{Retry: noWait, RequestsPerSecond: 1000, HTTPClient: &http.Client{Transport: spoiler}})
	if err != nil {
		t.Fatal(err)
	}
	n, err := c.CreateNetwork(ctx, networkSpec(t, "wh-token", "10.71.0.0/16"))
	if err != nil {
		t.Fatal(err)
	}
	tokens := callsMatching(t, emu, "keystone:", "/auth/tokens")
	spoiler.armed.Store(true)
	if _, err := c.ReadNetwork(ctx, n); err != nil {
		t.Fatalf("reading with a refused token: %v", err)
	}
	if spoiler.armed.Load() {
		t.Fatal("no Neutron call was made")
	}
	if got := callsMatching(t, emu, "keystone:", "/auth/tokens"); got != tokens+1 {
		t.Fatalf("%d authentications after the token was refused, want 1", got-tokens)
	}
	if got := callsMatching(t, emu, "ovh:", "/regeneratePassword"); got != 0 {
		t.Fatalf("the client gave the user %d new passwords, want none", got)
	}
}

// Keystone refusing the user's password, whatever the client does, ends
// the call with an error that names the user and Keystone, and neither the
// error nor the logs hold the password. Neutron's errors keep their type
// and message, and name the call.
func TestOpenStack_errors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("Keystone refuses", func(t *testing.T) {
		t.Parallel()
		emu := emutest.Start(t, nil)
		c, spy, log := spiedClient(t, emu)
		if _, err := emu.Control().AddFault(ctx, faults.Rule{Action: "keystone:*", Rate: 1, Statuses: []int{401}}); err != nil {
			t.Fatal(err)
		}
		n, err := c.CreateNetwork(ctx, networkSpec(t, "wh-refused", "10.72.0.0/16"))
		if err == nil {
			t.Fatal("the create succeeded though Keystone refuses every password")
		}
		msg := err.Error()
		for _, want := range []string{"wh-refused", "authenticating the OpenStack user", "/keystone/v3", "401"} {
			if !strings.Contains(msg, want) {
				t.Errorf("the error does not say %q: %s", want, msg)
			}
		}
		assertNoPassword(t, spy, msg, log.text())
		if err := emu.Control().ClearFaults(ctx); err != nil {
			t.Fatal(err)
		}
		if err := c.DeleteNetwork(ctx, n); err != nil {
			t.Fatalf("deleting the partial network %+v: %v", n, err)
		}
		assertNothingLeft(t, emu)
	})

	t.Run("Neutron refuses", func(t *testing.T) {
		t.Parallel()
		emu := emutest.Start(t, nil)
		c, spy, log := spiedClient(t, emu)
		if _, err := emu.Control().AddFault(ctx, faults.Rule{Action: "neutron:POST /v2.0/security-group-rules", Nth: 3, Statuses: []int{400}}); err != nil {
			t.Fatal(err)
		}
		n, err := c.CreateNetwork(ctx, networkSpec(t, "wh-neutron-400", "10.73.0.0/16"))
		if err == nil {
			t.Fatal("the create succeeded though Neutron refused a rule")
		}
		msg := err.Error()
		for _, want := range []string{"wh-neutron-400", "Neutron POST /v2.0/security-group-rules", "400", "Injected failure"} {
			if !strings.Contains(msg, want) {
				t.Errorf("the error does not say %q: %s", want, msg)
			}
		}
		assertNoPassword(t, spy, msg, log.text())
		if err := c.DeleteNetwork(ctx, n); err != nil {
			t.Fatalf("deleting the partial network %+v: %v", n, err)
		}
		assertNothingLeft(t, emu)
	})
}

// Neutron's calls that fail on the cloud's side, or whose answer is lost,
// do not fail the create: a group is found again by its description, a
// rule made twice is refused as existing, and every object is made once.
func TestOpenStack_partialFailuresAreRetried(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, rule := range map[string]faults.Rule{
		"group answer lost":  {Action: "neutron:POST /v2.0/security-groups", Nth: 2, Drop: "after"},
		"group server error": {Action: "neutron:POST /v2.0/security-groups", Nth: 1, Statuses: []int{503}},
		"rule answer lost":   {Action: "neutron:POST /v2.0/security-group-rules", Nth: 5, Drop: "after"},
		"rule delete lost":   {Action: "neutron:DELETE /v2.0/security-group-rules/{id}", Nth: 2, Drop: "after"},
		"user answer lost":   {Action: "ovh:POST /1.0/cloud/project/{serviceName}/user", Nth: 1, Drop: "after"},
		"keystone 503":       {Action: "keystone:*", Nth: 1, Statuses: []int{503}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			emu := emutest.Start(t, nil)
			c := client(t, appKeyConfig(emu))
			if _, err := emu.Control().AddFault(ctx, rule); err != nil {
				t.Fatal(err)
			}
			spec := networkSpec(t, "wh-retried", "10.74.0.0/16")
			n, err := c.CreateNetwork(ctx, spec)
			if err != nil {
				t.Fatalf("the create failed: %v", err)
			}
			assertComplete(t, n, spec)
			kinds := kindsOf(t, emu)
			if kinds["ovh.users"] != 1 || kinds["ovh.neutron_security_groups"] != 4 || kinds["ovh.neutron_security_group_rules"] != len(n.Rules) {
				t.Fatalf("the create made %v: an object was made twice or left behind", kinds)
			}
			if err := c.DeleteNetwork(ctx, n); err != nil {
				t.Fatal(err)
			}
			assertNothingLeft(t, emu)
		})
	}
}

// deleteGroupOutOfBand deletes a Neutron group as Neutron would: with its
// rules and the rules of other groups naming it.
func deleteGroupOutOfBand(t *testing.T, emu *emulator.Emulator, groupID string) {
	t.Helper()
	ctx := context.Background()
	rules, err := emu.Control().Objects(ctx, "ovh.neutron_security_group_rules")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range rules {
		var r struct {
			Group  string  `json:"security_group_id"`
			Remote *string `json:"remote_group_id"`
		}
		if err := json.Unmarshal(o.Doc, &r); err != nil {
			t.Fatal(err)
		}
		if r.Group == groupID || (r.Remote != nil && *r.Remote == groupID) {
			if err := emu.Control().DeleteObject(ctx, o.Collection, o.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := emu.Control().DeleteObject(ctx, "ovh.neutron_security_groups", groupID); err != nil {
		t.Fatal(err)
	}
}

// A tier's group deleted outside Terraform reads as the tier without a
// group and without the rules naming it; the update makes the group again
// with every rule.
func TestNetwork_securityGroupDeletedOutOfBand(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := client(t, appKeyConfig(emu))
	ctx := context.Background()
	spec := networkSpec(t, "wh-group-drift", "10.75.0.0/16")
	n, err := c.CreateNetwork(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	compute := n.CloudIDs["security_group.compute"]
	deleteGroupOutOfBand(t, emu, compute)
	drifted, err := c.ReadNetwork(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	if drifted.Subnets[cloud.TierCompute].SecurityGroupID != "" || drifted.CloudIDs["security_group.compute"] != "" {
		t.Fatalf("the compute tier still has a group: %+v", drifted)
	}
	for _, r := range drifted.Rules {
		if r.Tier == cloud.TierCompute || r.Peer() == cloud.TierSource(cloud.TierCompute) {
			t.Fatalf("a rule of or naming the deleted group is still read: %+v", r)
		}
	}
	if len(drifted.Rules) >= len(n.Rules) {
		t.Fatalf("%d rules read after the group was deleted, want fewer than %d", len(drifted.Rules), len(n.Rules))
	}
	got, err := c.UpdateNetwork(ctx, drifted, spec)
	if err != nil {
		t.Fatal(err)
	}
	assertComplete(t, got, spec)
	if got.CloudIDs["security_group.compute"] == compute {
		t.Fatal("the compute group was not made again")
	}
	if err := c.DeleteNetwork(ctx, got); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, emu)
}

// An import (Read with the network's id only) finds the OpenStack user and
// the groups by their descriptions; a network whose user was deleted
// outside Terraform reads with no rules, and the update makes a user and
// groups again.
func TestNetwork_openstackUserDeletedOutOfBand(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := client(t, appKeyConfig(emu))
	ctx := context.Background()
	spec := networkSpec(t, "wh-user-drift", "10.76.0.0/16")
	n, err := c.CreateNetwork(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	imported, err := c.ReadNetwork(ctx, cloud.Network{ID: n.ID})
	if err != nil {
		t.Fatal(err)
	}
	if imported.CloudIDs["openstack_user"] != n.CloudIDs["openstack_user"] || len(imported.Rules) != len(n.Rules) {
		t.Fatalf("imported %+v, want the user and rules of %+v", imported, n)
	}
	// The groups go first (the user cannot be deleted while they need it
	// here), then the user, through the API.
	for _, tier := range cloud.Tiers {
		deleteGroupOutOfBand(t, emu, n.CloudIDs["security_group."+tier])
	}
	if err := operator(t, emu).Delete("/cloud/project/"+emulator.DefaultOVHProjectID+"/user/"+n.CloudIDs["openstack_user"], nil); err != nil {
		t.Fatal(err)
	}
	drifted, err := c.ReadNetwork(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	if len(drifted.Rules) != 0 {
		t.Fatalf("rules read without groups: %+v", drifted.Rules)
	}
	got, err := c.UpdateNetwork(ctx, drifted, spec)
	if err != nil {
		t.Fatal(err)
	}
	assertComplete(t, got, spec)
	if kinds := kindsOf(t, emu); kinds["ovh.users"] != 1 || kinds["ovh.neutron_security_groups"] != len(cloud.Tiers) {
		t.Fatalf("after the update the emulator holds %v, want one user and a group per tier", kinds)
	}
	if err := c.DeleteNetwork(ctx, got); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, emu)
}

// outOfBand is an operator with the OpenStack CLI: a user of its own made
// through the API, and raw Neutron calls with its token.
type outOfBand struct {
	t       *testing.T
	token   string
	neutron string // the network endpoint, ending in /
}

func newOutOfBand(t *testing.T, emu *emulator.Emulator) *outOfBand {
	t.Helper()
	api := operator(t, emu)
	base := "/cloud/project/" + emulator.DefaultOVHProjectID + "/user"
	var made struct {
		ID       int64  `json:"id"`
		Username string `json:"username"`
		Password string `json:"password"`
		Status   string `json:"status"`
	}
	if err := api.Post(base, map[string]any{"description": "operator", "roles": []string{"network_security_operator"}}, &made); err != nil {
		t.Fatal(err)
	}
	for made.Status != "ok" {
		if err := api.Get(fmt.Sprintf("%s/%d", base, made.ID), &made); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { _ = api.Delete(fmt.Sprintf("%s/%d", base, made.ID), nil) })
	body := map[string]any{"auth": map[string]any{
		"identity": map[string]any{"methods": []string{"password"}, "password": map[string]any{
			"user": map[string]any{"name": made.Username, "domain": map[string]any{"name": "Default"}, "password": made.Password}}},
		"scope": map[string]any{"project": map[string]any{"id": emulator.DefaultOVHProjectID}}}}
	raw, _ := json.Marshal(body)
	resp, err := http.Post(emu.URL()+"/keystone/v3/auth/tokens", "application/json", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("operator's token: HTTP %d", resp.StatusCode)
	}
	return &outOfBand{t: t, token: resp.Header.Get("X-Subject-Token"), neutron: emu.URL() + "/neutron/" + emulator.DefaultOVHRegion + "/"}
}

// post sends a Neutron POST and checks that the object was created.
func (o *outOfBand) post(path, key string, attrs map[string]any) {
	o.t.Helper()
	raw, _ := json.Marshal(map[string]any{key: attrs})
	req, err := http.NewRequest(http.MethodPost, o.neutron+"v2.0/"+path, bytes.NewReader(raw))
	if err != nil {
		o.t.Fatal(err)
	}
	req.Header.Set("X-Auth-Token", o.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		o.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusCreated {
		o.t.Fatalf("POST %s: HTTP %d, %v", path, resp.StatusCode, err)
	}
	if id, _ := out[key]["id"].(string); id == "" {
		o.t.Fatalf("POST %s: no %s.id in the answer", path, key)
	}
}

// A rule added to a tier's group through Neutron shows in the next read
// and goes with the update; a second group described as a tier's of the
// network goes with the network.
func TestNetwork_rulesAndGroupsAddedOutOfBand(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := client(t, appKeyConfig(emu))
	ctx := context.Background()
	spec := networkSpec(t, "wh-added", "10.77.0.0/16")
	n, err := c.CreateNetwork(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	op := newOutOfBand(t, emu)
	op.post("security-group-rules", "security_group_rule", map[string]any{"security_group_id": n.CloudIDs["security_group.data"],
		"direction": "egress", "ethertype": "IPv4", "protocol": "udp", "port_range_min": 53, "port_range_max": 53,
		"remote_ip_prefix": "198.51.100.53/32"})
	op.post("security-groups", "security_group", map[string]any{"name": "wh-added-data-copy",
		"description": "health_warehouse_network:" + n.ID + " tier:data"})
	drifted, err := c.ReadNetwork(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	added := cloud.Rule{Tier: cloud.TierData, Direction: cloud.Outbound, Protocol: "udp", FromPort: 53, ToPort: 53,
		Destination: "198.51.100.53/32", Purpose: "opened outside this configuration"}
	if !slices.ContainsFunc(drifted.Rules, func(r cloud.Rule) bool { return r.Key() == added.Key() && r.Purpose == added.Purpose }) {
		t.Fatalf("the rule added out of band is not read: %+v", drifted.Rules)
	}
	got, err := c.UpdateNetwork(ctx, drifted, spec)
	if err != nil {
		t.Fatal(err)
	}
	assertComplete(t, got, spec)
	if err := c.DeleteNetwork(ctx, got); err != nil {
		t.Fatal(err)
	}
	for _, o := range objects(t, emu) {
		if !strings.HasPrefix(o, "ovh.users/") { // the operator's own, deleted at cleanup
			t.Fatalf("left after the delete: %v", objects(t, emu))
		}
	}
}
