package ovh_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/cloud/ovh"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/faults"
)

// bastionIn makes a warehouse network and returns it with a bastion spec.
func bastionIn(t *testing.T, c *ovh.Client, name, cidr string) (cloud.Network, cloud.BastionSpec) {
	t.Helper()
	ctx := context.Background()
	n, err := c.CreateNetwork(ctx, networkSpec(t, name, cidr))
	if err != nil {
		t.Fatal(err)
	}
	image, err := c.ResolveImage(ctx, cloud.ImageDebian12)
	if err != nil {
		t.Fatal(err)
	}
	return n, cloud.BastionSpec{
		Name:        name + "-bastion",
		Network:     n,
		Type:        cloud.BastionType(cloud.OVH, cloud.SizeSmall),
		ImageID:     image.ID,
		UserData:    []byte("#cloud-config\nhostname: " + name + "-bastion\n"),
		Tags:        map[string]string{"owner": "data-office"},
		ClientToken: "fedcba9876543210fedcba9876543210",
	}
}

func TestBastion_createReadDelete(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := client(t, appKeyConfig(emu))
	ctx := context.Background()
	n, spec := bastionIn(t, c, "wh-b1", "10.70.0.0/16")

	b, err := c.CreateBastion(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if !uuidPattern.MatchString(b.ID) || !b.Running || b.State != "ACTIVE" || b.PublicIP == "" || b.Type != "b3-8" ||
		b.ImageID != spec.ImageID || b.Name != spec.Name || b.NetworkID != n.ID || b.UserData != nil || b.UserDataSHA256 != "" ||
		!strings.HasPrefix(b.PrivateIP, "10.70.0.") || b.CloudIDs["floating_ip"] == "" || b.Tags["owner"] != "data-office" {
		t.Fatalf("bastion = %+v", b)
	}
	// The instance's private port is in the bastion tier's Neutron group,
	// and in no other.
	obj, found, err := emu.Control().Object(ctx, "ovh.instances", b.ID)
	if err != nil || !found {
		t.Fatalf("the instance in the emulator: found=%v, %v", found, err)
	}
	var port struct {
		SecurityGroups []string `json:"security_groups"`
	}
	if err := json.Unmarshal(obj.Doc, &port); err != nil {
		t.Fatal(err)
	}
	if want := n.CloudIDs["security_group.bastion"]; len(port.SecurityGroups) != 1 || port.SecurityGroups[0] != want {
		t.Fatalf("the bastion's port is in the groups %v, want only %s", port.SecurityGroups, want)
	}
	// After an import: the instance id alone finds the network and the floating IP.
	again, err := c.ReadBastion(ctx, cloud.Bastion{ID: b.ID})
	if err != nil || again.NetworkID != n.ID || again.PublicIP != b.PublicIP || again.Name != spec.Name {
		t.Fatalf("read by id: %+v %v", again, err)
	}
	if err := c.DeleteBastion(ctx, b); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ReadBastion(ctx, b); !errors.Is(err, cloud.ErrNotFound) {
		t.Errorf("read after delete: %v", err)
	}
	if err := c.DeleteBastion(ctx, b); err != nil {
		t.Errorf("deleting twice: %v", err)
	}
	if err := c.DeleteNetwork(ctx, n); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, emu)
}

func TestBastion_repair(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := client(t, appKeyConfig(emu))
	ctx := context.Background()
	n, spec := bastionIn(t, c, "wh-b2", "10.71.0.0/16")
	b, err := c.CreateBastion(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	op := operator(t, emu)
	project := "/cloud/project/" + appKeyConfig(emu).ProjectID
	if err := op.Post(project+"/instance/"+b.ID+"/stop", nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := op.Post(project+"/region/"+appKeyConfig(emu).Region+"/floatingip/"+b.CloudIDs["floating_ip"]+"/detach", nil, nil); err != nil {
		t.Fatal(err)
	}
	var drifted cloud.Bastion
	for range 2 { // stopping shows ACTIVE once more
		if drifted, err = c.ReadBastion(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	if drifted.Running || drifted.PublicIP != "" || len(drifted.NeedsRepair()) != 2 {
		t.Fatalf("drift not seen: %+v", drifted)
	}
	repaired, err := c.RepairBastion(ctx, drifted)
	if err != nil {
		t.Fatal(err)
	}
	if !repaired.Running || repaired.PublicIP != b.PublicIP {
		t.Errorf("repaired: %+v", repaired)
	}
	// A floating IP deleted out of band is replaced by a new one.
	if err := op.Delete(project+"/region/"+appKeyConfig(emu).Region+"/floatingip/"+b.CloudIDs["floating_ip"], nil); err != nil {
		t.Fatal(err)
	}
	gone, err := c.ReadBastion(ctx, repaired)
	if err != nil || gone.PublicIP != "" || gone.CloudIDs["floating_ip"] != "" {
		t.Fatalf("after the floating IP's deletion: %+v %v", gone, err)
	}
	renewed, err := c.RepairBastion(ctx, gone)
	if err != nil || renewed.PublicIP == "" {
		t.Fatalf("renewed: %+v %v", renewed, err)
	}
	if err := c.DeleteBastion(ctx, renewed); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteNetwork(ctx, n); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, emu)
}

// A create whose answer is lost finds its instance by its provisional
// name; deleting what it returned leaves nothing.
func TestBastion_lostAnswer(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := client(t, appKeyConfig(emu))
	ctx := context.Background()
	n, spec := bastionIn(t, c, "wh-b3", "10.72.0.0/16")
	// The API applies the creation, then the answer is lost.
	if _, err := emu.Control().AddFault(ctx, faults.Rule{
		Action: "ovh:POST /1.0/cloud/project/{serviceName}/region/{regionName}/instance", Nth: 1, Drop: "after"}); err != nil {
		t.Fatal(err)
	}
	// Its provisional name finds it: the create goes on with it.
	b, err := c.CreateBastion(ctx, spec)
	if err != nil {
		t.Fatalf("the create failed: %v", err)
	}
	var instances []string
	for _, o := range objects(t, emu) {
		if strings.HasPrefix(o, "ovh.instances/") {
			instances = append(instances, o)
		}
	}
	if len(instances) != 1 || b.CloudIDs["instance"] == "" || !strings.HasSuffix(instances[0], b.CloudIDs["instance"]) {
		t.Fatalf("instances %v, bastion %+v: want the one instance made", instances, b)
	}
	if err := c.DeleteBastion(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteNetwork(ctx, n); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, emu)
}

func TestBastion_resolveImageAndFlavor(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := client(t, appKeyConfig(emu))
	ctx := context.Background()
	img, err := c.ResolveImage(ctx, cloud.ImageUbuntu24)
	if err != nil || img.Name != "Ubuntu 24.04" {
		t.Fatalf("ubuntu-24.04: %+v %v", img, err)
	}
	if byID, err := c.ResolveImage(ctx, img.ID); err != nil || byID != img {
		t.Errorf("by id: %+v %v", byID, err)
	}
	if _, err := c.ResolveImage(ctx, "00000000-0000-4000-8000-000000000000"); !errors.Is(err, cloud.ErrNotFound) {
		t.Errorf("unknown image: %v", err)
	}
	n, spec := bastionIn(t, c, "wh-b4", "10.73.0.0/16")
	spec.Type = "b9-999"
	if _, err := c.CreateBastion(ctx, spec); !errors.Is(err, cloud.ErrInvalid) || !strings.Contains(err.Error(), "b3-8") {
		t.Errorf("unknown flavor: %v", err)
	}
	if err := c.DeleteNetwork(ctx, n); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, emu)
}
