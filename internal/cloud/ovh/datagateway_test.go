package ovh_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"testing"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
)

// A data gateway is an instance of the data tier with no floating IP, its
// port in the data tier's Neutron group only; stopped out of band it is
// started again; deleting it leaves nothing.
func TestDataGateway_lifecycle(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := client(t, appKeyConfig(emu))
	ctx := context.Background()
	n, b := bastionIn(t, c, "wh-g1", "10.72.0.0/16")
	var err error
	spec := cloud.DataGatewaySpec{Name: "wh-g1-raw", Network: n, Type: b.Type, ImageID: b.ImageID,
		UserData: []byte("#cloud-config\n"), ClientToken: b.ClientToken}

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
	if !g.Running || g.PublicIP != "" || g.CloudIDs["floating_ip"] != "" || g.Name != spec.Name {
		t.Fatalf("gateway = %+v", g)
	}
	obj, found, err := emu.Control().Object(ctx, "ovh.instances", g.ID)
	if err != nil || !found {
		t.Fatalf("the instance in the emulator: found=%v, %v", found, err)
	}
	var port struct {
		SecurityGroups []string `json:"security_groups"`
	}
	if err := json.Unmarshal(obj.Doc, &port); err != nil {
		t.Fatal(err)
	}
	if want := n.CloudIDs["security_group.data"]; len(port.SecurityGroups) != 1 || port.SecurityGroups[0] != want {
		t.Fatalf("the gateway's port is in the groups %v, want only %s", port.SecurityGroups, want)
	}

	op := operator(t, emu)
	project := "/cloud/project/" + appKeyConfig(emu).ProjectID
	if err := op.Post(project+"/instance/"+g.ID+"/stop", nil, nil); err != nil {
		t.Fatal(err)
	}
	var stopped cloud.DataGateway
	for range 2 { // stopping shows ACTIVE once more
		if stopped, err = c.ReadDataGateway(ctx, cloud.DataGateway{ID: g.ID}); err != nil {
			t.Fatal(err)
		}
	}
	if stopped.Running || stopped.NetworkID != n.ID {
		t.Fatalf("after a stop out of band: %+v", stopped)
	}
	if repaired, err := c.RepairDataGateway(ctx, stopped); err != nil || !repaired.Running || repaired.PublicIP != "" {
		t.Fatalf("repaired: %+v, %v", repaired, err)
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
