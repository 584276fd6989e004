package outscale_test

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"testing"

	osc "github.com/outscale/osc-sdk-go/v2"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
)

// A data gateway is a VM of the data tier with no public address: made,
// read, stopped and started again, re-tagged and deleted like a bastion.
func TestDataGateway_lifecycle(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := client(t, emu, defaultConfig())
	ctx := context.Background()
	n, b := bastionIn(t, c, "wh-g1", "10.72.0.0/16")
	var err error
	spec := cloud.DataGatewaySpec{Name: "wh-g1-raw", Network: n, Type: b.Type, ImageID: b.ImageID,
		UserData: []byte("#cloud-config\n"), Tags: map[string]string{"owner": "data-office"}, ClientToken: b.ClientToken}

	// The address is chosen first, so that the gateway's certificate can
	// name it; the VM takes it, and the next choice is another one.
	if spec.PrivateIP, err = c.DataGatewayAddress(ctx, n); err != nil {
		t.Fatal(err)
	}
	data := netip.MustParsePrefix(n.Subnets[cloud.TierData].CIDR)
	if ip, err := netip.ParseAddr(spec.PrivateIP); err != nil || !data.Contains(ip) {
		t.Fatalf("address %q is not in the data tier %s", spec.PrivateIP, data)
	}
	g, err := c.CreateDataGateway(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if g.PrivateIP != spec.PrivateIP {
		t.Errorf("the gateway took %s, not the address chosen, %s", g.PrivateIP, spec.PrivateIP)
	}
	if next, err := c.DataGatewayAddress(ctx, n); err != nil || next == g.PrivateIP {
		t.Errorf("the next address is %q (%v): the gateway's is taken", next, err)
	}
	if !g.Running || g.PublicIP != "" || g.CloudIDs["public_ip"] != "" || g.Name != spec.Name || g.Tags["owner"] != "data-office" {
		t.Fatalf("gateway = %+v", g)
	}
	var vm osc.Vm
	outOfBand(t, emu, func(ctx context.Context, api *osc.APIClient) (*http.Response, error) {
		resp, r, err := api.VmApi.ReadVms(ctx).ReadVmsRequest(osc.ReadVmsRequest{Filters: &osc.FiltersVm{VmIds: &[]string{g.ID}}}).Execute()
		if err == nil && len(resp.GetVms()) == 1 {
			vm = resp.GetVms()[0]
		}
		return r, err
	})
	if sgs := vm.GetSecurityGroups(); len(sgs) != 1 || sgs[0].GetSecurityGroupId() != n.Subnets[cloud.TierData].SecurityGroupID {
		t.Errorf("security groups %v, want the data tier's only", sgs)
	}
	// A bastion of the same name is another machine: reading the gateway
	// as a gateway finds its name, and its tags say what it is.
	tags := map[string]string{}
	for _, tag := range vm.GetTags() {
		tags[tag.Key] = tag.Value
	}
	if tags[cloud.TagDataGateway] != spec.Name || tags[cloud.TagBastion] != "" {
		t.Errorf("tags %v", tags)
	}

	outOfBand(t, emu, func(ctx context.Context, api *osc.APIClient) (*http.Response, error) {
		_, r, err := api.VmApi.StopVms(ctx).StopVmsRequest(osc.StopVmsRequest{VmIds: []string{g.ID}}).Execute()
		return r, err
	})
	stopped, err := c.ReadDataGateway(ctx, cloud.DataGateway{ID: g.ID})
	if err != nil || stopped.Running {
		t.Fatalf("after a stop out of band: %+v, %v", stopped, err)
	}
	if repaired, err := c.RepairDataGateway(ctx, stopped); err != nil || !repaired.Running || repaired.PublicIP != "" {
		t.Fatalf("repaired: %+v, %v", repaired, err)
	}
	if after, err := c.UpdateDataGatewayTags(ctx, g, spec.Name, map[string]string{"cost-centre": "42"}); err != nil ||
		len(after.Tags) != 1 || after.Tags["cost-centre"] != "42" {
		t.Fatalf("tags after update: %+v, %v", after.Tags, err)
	}
	if err := c.DeleteDataGateway(ctx, g); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ReadDataGateway(ctx, g); !errors.Is(err, cloud.ErrNotFound) {
		t.Errorf("read after delete: %v", err)
	}
	if err := c.DeleteNetwork(ctx, n); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, emu)
}
