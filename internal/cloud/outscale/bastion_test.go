package outscale_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"

	osc "github.com/outscale/osc-sdk-go/v2"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/cloud/outscale"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/faults"
)

// bastionIn makes a warehouse network and returns it with a bastion spec.
func bastionIn(t *testing.T, c *outscale.Client, name, cidr string) (cloud.Network, cloud.BastionSpec) {
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
		Name:               name + "-bastion",
		Network:            n,
		Type:               cloud.BastionType(cloud.Outscale, cloud.SizeSmall),
		ImageID:            image.ID,
		UserData:           []byte("#cloud-config\nhostname: " + name + "-bastion\n"),
		HostKeyFingerprint: "SHA256:abc",
		Tags:               map[string]string{"owner": "data-office"},
		ClientToken:        "fedcba9876543210fedcba9876543210",
	}
}

func TestBastion_createReadDelete(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := client(t, emu, defaultConfig())
	ctx := context.Background()
	n, spec := bastionIn(t, c, "wh-b1", "10.70.0.0/16")

	b, err := c.CreateBastion(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(spec.UserData)
	if !regexp.MustCompile(`^i-[0-9a-f]{8}$`).MatchString(b.ID) || !b.Running || b.State != "running" || b.PublicIP == "" ||
		b.Type != "tinav6.c2r4p2" || b.ImageID != spec.ImageID || b.Name != spec.Name || b.NetworkID != n.ID ||
		b.UserDataSHA256 != hex.EncodeToString(sum[:]) || string(b.UserData) != string(spec.UserData) || b.Tags["owner"] != "data-office" {
		t.Fatalf("bastion = %+v", b)
	}
	if !strings.HasPrefix(b.PrivateIP, "10.70.0.") || b.CloudIDs["public_ip"] == "" || b.CloudIDs["public_ip.link"] == "" {
		t.Errorf("addresses: %s %v", b.PrivateIP, b.CloudIDs)
	}
	if len(b.NeedsRepair()) != 0 {
		t.Errorf("a new bastion needs repair: %v", b.NeedsRepair())
	}
	// Read by id alone, as after an import.
	again, err := c.ReadBastion(ctx, cloud.Bastion{ID: b.ID})
	if err != nil || again.PublicIP != b.PublicIP || again.CloudIDs["public_ip"] != b.CloudIDs["public_ip"] {
		t.Fatalf("read by id: %+v %v", again, err)
	}
	if _, err := c.UpdateBastionTags(ctx, b, spec.Name, map[string]string{"cost-centre": "42"}); err != nil {
		t.Fatal(err)
	}
	if after, _ := c.ReadBastion(ctx, b); len(after.Tags) != 1 || after.Tags["cost-centre"] != "42" {
		t.Errorf("tags after update: %v", after.Tags)
	}
	// The network cannot go while the bastion lives in it.
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

// A VM stopped and an address unlinked outside Terraform are set right.
func TestBastion_repair(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := client(t, emu, defaultConfig())
	ctx := context.Background()
	n, spec := bastionIn(t, c, "wh-b2", "10.71.0.0/16")
	b, err := c.CreateBastion(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	outOfBand(t, emu, func(ctx context.Context, api *osc.APIClient) (*http.Response, error) {
		_, r, err := api.VmApi.StopVms(ctx).StopVmsRequest(osc.StopVmsRequest{VmIds: []string{b.ID}}).Execute()
		if err != nil {
			return r, err
		}
		link := b.CloudIDs["public_ip.link"]
		_, r, err = api.PublicIpApi.UnlinkPublicIp(ctx).UnlinkPublicIpRequest(osc.UnlinkPublicIpRequest{LinkPublicIpId: &link}).Execute()
		return r, err
	})
	drifted, err := c.ReadBastion(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	if drifted.Running || drifted.PublicIP != "" || len(drifted.NeedsRepair()) != 2 || drifted.CloudIDs["public_ip"] != b.CloudIDs["public_ip"] {
		t.Fatalf("drift not seen: %+v %v", drifted, drifted.NeedsRepair())
	}
	repaired, err := c.RepairBastion(ctx, drifted)
	if err != nil {
		t.Fatal(err)
	}
	if !repaired.Running || repaired.PublicIP != b.PublicIP {
		t.Errorf("repaired: %+v", repaired)
	}
	if err := c.DeleteBastion(ctx, repaired); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteNetwork(ctx, n); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, emu)
}

// A create failing at any call returns what it made; deleting that leaves
// nothing of the bastion.
func TestBastion_partialCreate(t *testing.T) {
	t.Parallel()
	for _, action := range []string{"CreateTags", "CreatePublicIp", "LinkPublicIp"} {
		t.Run(action, func(t *testing.T) {
			t.Parallel()
			emu := emutest.Start(t, nil)
			c := client(t, emu, defaultConfig())
			ctx := context.Background()
			n, spec := bastionIn(t, c, "wh-b3", "10.72.0.0/16")
			if _, err := emu.Control().AddFault(ctx, faults.Rule{Action: "outscale:" + action, Nth: 1, Statuses: []int{400}}); err != nil {
				t.Fatal(err)
			}
			b, err := c.CreateBastion(ctx, spec)
			if err == nil {
				t.Fatal("the create succeeded despite the fault")
			}
			if b.CloudIDs["vm"] == "" {
				t.Fatalf("the partial bastion lists no VM: %+v", b)
			}
			if err := c.DeleteBastion(ctx, b); err != nil {
				t.Fatal(err)
			}
			if err := c.DeleteNetwork(ctx, n); err != nil {
				t.Fatal(err)
			}
			assertNothingLeft(t, emu)
		})
	}
}

func TestBastion_resolveImage(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := client(t, emu, defaultConfig())
	ctx := context.Background()
	debian, err := c.ResolveImage(ctx, cloud.ImageDebian12)
	if err != nil || !strings.HasPrefix(debian.Name, "Debian-12-2025") {
		t.Fatalf("debian-12: %+v %v", debian, err)
	}
	ubuntu, err := c.ResolveImage(ctx, cloud.ImageUbuntu24)
	if err != nil || !strings.HasPrefix(ubuntu.Name, "Ubuntu-24.04-") {
		t.Fatalf("ubuntu-24.04: %+v %v", ubuntu, err)
	}
	byID, err := c.ResolveImage(ctx, debian.ID)
	if err != nil || byID != debian {
		t.Errorf("by id: %+v %v", byID, err)
	}
	if _, err := c.ResolveImage(ctx, "ami-00000000"); !errors.Is(err, cloud.ErrNotFound) {
		t.Errorf("unknown OMI: %v", err)
	}
	if _, err := c.ReadBastion(ctx, cloud.Bastion{ID: "i-00000000"}); !errors.Is(err, cloud.ErrNotFound) {
		t.Errorf("unknown VM: %v", err)
	}
}

// A bastion create that died after making its VM and public IP leaves them
// marked as being created, with its lease; a create of the same name
// refuses to touch them while the lease runs, and deletes them before
// making its own once it has expired.
func TestBastion_leftoversOfAnInterruptedCreateAreRemoved(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := client(t, emu, defaultConfig())
	ctx := context.Background()
	n, spec := bastionIn(t, c, "wh-b5", "10.74.0.0/16")
	if _, err := emu.Control().AddFault(ctx, faults.Rule{Action: "outscale:LinkPublicIp", Nth: 1, Statuses: []int{400}}); err != nil {
		t.Fatal(err)
	}
	interrupted, err := c.CreateBastion(ctx, spec)
	if err == nil {
		t.Fatal("the interrupted create did not fail")
	}
	spec.ClientToken = strings.Repeat("c", 32)
	_, err = client(t, emu, defaultConfig()).CreateBastion(ctx, spec)
	assertInProgress(t, err, interrupted.ID)
	b, err := clientAt(t, emu, defaultConfig(), afterLeases).CreateBastion(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteBastion(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteNetwork(ctx, n); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, emu)
}
