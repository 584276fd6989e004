package outscale_test

import (
	"context"
	"net/http"
	"reflect"
	"slices"
	"testing"

	osc "github.com/outscale/osc-sdk-go/v2"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
)

// The bastion pulls the account's API logs: the network gives the bastion's
// route table a Net access point to the API service and the bastion's group
// HTTPS to it, named by its service id. An access point deleted out of band
// is missing from the next Read and made again by Update; Delete leaves
// nothing.
func TestNetwork_apiAccessPoint(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := client(t, emu, defaultConfig())
	ctx := context.Background()
	spec := networkSpec(t, "wh-api", "10.52.0.0/16")
	spec.CloudAPI = true
	n, err := c.CreateNetwork(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	apiService := "com.outscale." + emulator.DefaultOutscaleRegion + ".api"
	var service osc.Service
	outOfBand(t, emu, func(ctx context.Context, api *osc.APIClient) (*http.Response, error) {
		resp, httpResp, err := api.NetAccessPointApi.ReadNetAccessPointServices(ctx).ReadNetAccessPointServicesRequest(
			osc.ReadNetAccessPointServicesRequest{Filters: &osc.FiltersService{ServiceNames: &[]string{apiService}}}).Execute()
		if len(resp.GetServices()) == 1 {
			service = resp.GetServices()[0]
		}
		return httpResp, err
	})
	if service.GetServiceId() == "" || len(service.GetIpRanges()) == 0 {
		t.Fatalf("ReadNetAccessPointServices lists %s as %+v, want its id and address ranges", apiService, service)
	}
	point := func(id string) osc.NetAccessPoint {
		var out []osc.NetAccessPoint
		outOfBand(t, emu, func(ctx context.Context, api *osc.APIClient) (*http.Response, error) {
			resp, httpResp, err := api.NetAccessPointApi.ReadNetAccessPoints(ctx).ReadNetAccessPointsRequest(osc.ReadNetAccessPointsRequest{
				Filters: &osc.FiltersNetAccessPoint{NetAccessPointIds: &[]string{id}}}).Execute()
			out = resp.GetNetAccessPoints()
			return httpResp, err
		})
		if len(out) != 1 {
			t.Fatalf("the Net access point %s: %+v", id, out)
		}
		return out[0]
	}
	id := n.CloudIDs["net_access_point.api"]
	ap := point(id)
	if ap.GetServiceName() != apiService || ap.GetNetId() != n.ID ||
		!reflect.DeepEqual(ap.GetRouteTableIds(), []string{n.CloudIDs["route_table.public"]}) {
		t.Errorf("the API's Net access point = %+v, want %s on the bastion's route table %s only", ap, apiService, n.CloudIDs["route_table.public"])
	}
	if n.CloudIDs["net_access_point"] == id {
		t.Errorf("object storage and the API share the access point %s", id)
	}
	// The bastion's group lets HTTPS out to the API's service id; no other
	// group does, and nothing names 0.0.0.0/0.
	var groups []osc.SecurityGroup
	outOfBand(t, emu, func(ctx context.Context, api *osc.APIClient) (*http.Response, error) {
		resp, httpResp, err := api.SecurityGroupApi.ReadSecurityGroups(ctx).ReadSecurityGroupsRequest(osc.ReadSecurityGroupsRequest{
			Filters: &osc.FiltersSecurityGroup{NetIds: &[]string{n.ID}}}).Execute()
		groups = resp.GetSecurityGroups()
		return httpResp, err
	})
	for tier, sub := range n.Subnets {
		i := slices.IndexFunc(groups, func(g osc.SecurityGroup) bool { return g.GetSecurityGroupId() == sub.SecurityGroupID })
		if i < 0 {
			t.Fatalf("no group for the %s tier", tier)
		}
		reaches := false
		for _, r := range groups[i].GetOutboundRules() {
			if slices.Contains(r.GetServiceIds(), service.GetServiceId()) && r.GetIpProtocol() == "tcp" && r.GetFromPortRange() == 443 {
				reaches = true
			}
			if slices.Contains(r.GetIpRanges(), cloud.Anywhere) {
				t.Errorf("the %s group lets everything out: %+v", tier, r)
			}
		}
		if want := tier == cloud.TierBastion; reaches != want {
			t.Errorf("the %s group reaches the API's service id: %v, want %v", tier, reaches, want)
		}
	}
	if _, ok := cloud.ReachesService(n.Rules, cloud.TierBastion, cloud.ServiceAPI, 443); !ok {
		t.Errorf("Read shows no bastion rule to %s: %+v", cloud.ServiceAPI, n.Rules)
	}
	if !reflect.DeepEqual(n.Rules, cloud.DesiredRules(spec)) {
		t.Errorf("Rules = %+v\nwant %+v", n.Rules, cloud.DesiredRules(spec))
	}

	// Deleted out of band: the next Read lacks it, Update makes it again.
	outOfBand(t, emu, func(ctx context.Context, api *osc.APIClient) (*http.Response, error) {
		_, resp, err := api.NetAccessPointApi.DeleteNetAccessPoint(ctx).DeleteNetAccessPointRequest(
			osc.DeleteNetAccessPointRequest{NetAccessPointId: id}).Execute()
		return resp, err
	})
	drifted, err := c.ReadNetwork(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := drifted.CloudIDs["net_access_point.api"]; ok {
		t.Fatalf("Read still shows the deleted access point: net_access_point.api = %s", got)
	}
	if drifted.CloudIDs["net_access_point"] != n.CloudIDs["net_access_point"] {
		t.Errorf("object storage's access point changed: %s, was %s", drifted.CloudIDs["net_access_point"], n.CloudIDs["net_access_point"])
	}
	got, err := c.UpdateNetwork(ctx, drifted, spec)
	if err != nil {
		t.Fatal(err)
	}
	again := got.CloudIDs["net_access_point.api"]
	if again == "" || again == id {
		t.Fatalf("after update net_access_point.api = %q, want a new access point (the old one was %s)", again, id)
	}
	if ap := point(again); ap.GetState() != "available" ||
		!reflect.DeepEqual(ap.GetRouteTableIds(), []string{n.CloudIDs["route_table.public"]}) {
		t.Errorf("the access point made again = %+v", ap)
	}
	if err := c.DeleteNetwork(ctx, got); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, emu)
}
