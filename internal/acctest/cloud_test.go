package acctest_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/sovhealth/terraform-provider-health/internal/acctest"
	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
)

// stateOf is the state a test would hold of a network and a bucket.
func stateOf(n cloud.Network, bucket string) *terraform.State {
	attrs := map[string]string{"id": n.ID, "name": n.Name}
	for k, v := range n.CloudIDs {
		attrs["cloud_ids."+k] = v
	}
	return &terraform.State{Modules: []*terraform.ModuleState{{Path: []string{"root"}, Resources: map[string]*terraform.ResourceState{
		"health_warehouse_network.test": {Type: "health_warehouse_network", Primary: &terraform.InstanceState{ID: n.ID, Attributes: attrs}},
		"health_warehouse_storage.test": {Type: "health_warehouse_storage",
			Primary: &terraform.InstanceState{ID: bucket, Attributes: map[string]string{"id": bucket, "name": bucket}}},
	}}}}
}

// CheckDestroy asks the cloud: it fails while a resource of the state
// exists, and while an object named after the test is left that no state
// names; Disappear deletes a resource through the cloud package.
func TestCheckDestroy_asksTheCloud(t *testing.T) {
	for _, cloudName := range cloud.Names {
		t.Run(cloudName, func(t *testing.T) {
			t.Parallel()
			emu := emutest.Start(t, nil)
			c, err := acctest.Client(emu, cloudName)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			base := acctest.RandomName("chk")
			subnets, err := cloud.DefaultSubnets("10.90.0.0/16")
			if err != nil {
				t.Fatal(err)
			}
			n, err := c.CreateNetwork(ctx, cloud.NetworkSpec{Name: base, CIDR: "10.90.0.0/16", Subnets: subnets,
				AdminCIDRs: []string{"203.0.113.7/32"}, NATEgress: true, ClientToken: "0123456789abcdef0123456789abcdef"})
			if err != nil {
				t.Fatal(err)
			}
			bucket := base + "-results"
			if _, err := c.CreateBucket(ctx, cloud.BucketSpec{Name: bucket, Versioning: true, Encryption: cloud.EncryptionProviderManaged}); err != nil {
				t.Fatal(err)
			}
			state := stateOf(n, bucket)

			err = acctest.CheckDestroy(emu, cloudName, base)(state)
			if err == nil || !strings.Contains(err.Error(), n.ID+" still exists after destroy") ||
				!strings.Contains(err.Error(), bucket+" still exists after destroy") ||
				!strings.Contains(err.Error(), "network "+base+" (") || !strings.Contains(err.Error(), "bucket "+bucket+" (") {
				t.Fatalf("CheckDestroy with the network and the bucket alive: %v", err)
			}

			// The network gone through the cloud package; the bucket left
			// behind by a run whose state was lost.
			if err := acctest.Disappear(emu, cloudName, "health_warehouse_network.test")(state); err != nil {
				t.Fatal(err)
			}
			if _, err := c.ReadNetwork(ctx, n); !errors.Is(err, cloud.ErrNotFound) {
				t.Fatalf("the network after Disappear: %v", err)
			}
			delete(state.RootModule().Resources, "health_warehouse_storage.test")
			err = acctest.CheckDestroy(emu, cloudName, base)(state)
			if err == nil || strings.Contains(err.Error(), "still exists") || !strings.Contains(err.Error(), "1 objects named "+base+" left") ||
				!strings.Contains(err.Error(), "bucket "+bucket+" (") {
				t.Fatalf("CheckDestroy with a bucket no state names: %v", err)
			}

			if err := acctest.Disappear(emu, cloudName, "health_warehouse_storage.test")(stateOf(n, bucket)); err != nil {
				t.Fatal(err)
			}
			if err := acctest.CheckDestroy(emu, cloudName, base)(state); err != nil {
				t.Fatalf("CheckDestroy once everything is gone: %v", err)
			}
		})
	}
}
