package ovh_test

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"testing"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/cloud/ovh"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
)

// On OVHcloud the key manager is the KMS kms_id names: read, never made
// nor deleted.
func TestKeyManagerCluster_readsTheKMS(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := client(t, kmsConfig(emu))
	ctx := context.Background()
	if c.KeyManagerBackend() != cloud.BackendOKMS {
		t.Fatalf("backend %s", c.KeyManagerBackend())
	}
	if addrs, err := c.KeyManagerAddresses(ctx, cloud.Network{ID: "pn-1"}, 3); err != nil || addrs != nil {
		t.Errorf("addresses on OVHcloud: %v %v", addrs, err)
	}
	before, err := emu.Control().Objects(ctx, "ovh.")
	if err != nil {
		t.Fatal(err)
	}
	k, err := c.CreateKeyManager(ctx, cloud.KeyManagerSpec{Name: "wh-kms", Network: cloud.Network{ID: "pn-1"},
		Tags: map[string]string{"owner": "data-office"}})
	if err != nil {
		t.Fatal(err)
	}
	if k.ID != emulator.DefaultOVHOKMSID || k.Backend != cloud.BackendOKMS || k.Region != emulator.DefaultOVHOKMSRegion ||
		k.Address != "https://"+emulator.DefaultOVHOKMSRegion+".okms.ovh.net" || k.Name != "wh-kms" || k.NetworkID != "pn-1" ||
		k.Tags["owner"] != "data-office" || len(k.Nodes) != 0 || k.CloudIDs["okms"] != k.ID {
		t.Fatalf("key manager = %+v", k)
	}
	// Read by id alone, as after an import.
	again, err := c.ReadKeyManager(ctx, cloud.KeyManagerCluster{ID: k.ID})
	if err != nil || again.Address != k.Address || again.Name != "" {
		t.Fatalf("read by id: %+v %v", again, err)
	}
	if err := c.DeleteKeyManager(ctx, k); err != nil {
		t.Fatal(err)
	}
	after, err := emu.Control().Objects(ctx, "ovh.")
	if err != nil || len(after) != len(before) {
		t.Errorf("the key manager made or deleted objects: %d before, %d after (%v)", len(before), len(after), err)
	}
	if _, err := c.ReadKeyManager(ctx, k); err != nil {
		t.Errorf("the KMS is gone after a delete: %v", err)
	}
}

func TestKeyManagerCluster_settingsAndMissingKMS(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	ctx := context.Background()
	_, err := client(t, appKeyConfig(emu)).CreateKeyManager(ctx, cloud.KeyManagerSpec{Name: "wh-kms"})
	var missing *cloud.MissingSettingsError
	if !errors.As(err, &missing) || len(missing.Settings) != 1 || missing.Settings[0] != ovh.SettingKMSID {
		t.Fatalf("err = %v, want the missing ovh.kms_id", err)
	}
	cfg := kmsConfig(emu)
	cfg.KMSID = "00000000-0000-4000-8000-0000000000ff"
	c := client(t, cfg)
	// A wrong kms_id at create is a configuration error...
	if _, err := c.CreateKeyManager(ctx, cloud.KeyManagerSpec{Name: "wh-kms"}); errors.Is(err, cloud.ErrNotFound) ||
		!errors.Is(err, cloud.ErrInvalid) || !strings.Contains(err.Error(), "named by ovh.kms_id does not exist") {
		t.Errorf("create with an unknown KMS: %v", err)
	}
	// ... while a KMS the state names and the account no longer has is gone.
	if _, err := c.ReadKeyManager(ctx, cloud.KeyManagerCluster{ID: cfg.KMSID}); !errors.Is(err, cloud.ErrNotFound) {
		t.Errorf("read of a KMS gone: %v", err)
	}
}

// The key manager publishes the KMS's public CA, which the API answers
// only to a read with ?publicCA=true.
func TestKeyManagerCluster_publishesTheOKMSPublicCA(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := client(t, kmsConfig(emu))
	ctx := context.Background()
	k, err := c.CreateKeyManager(ctx, cloud.KeyManagerSpec{Name: "wh-kms", Network: cloud.Network{ID: "pn-1"}})
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode([]byte(k.CACertPEM))
	if block == nil || block.Type != "CERTIFICATE" {
		t.Fatalf("ca_cert_pem on OVHcloud is %q, want the KMS's public CA", k.CACertPEM)
	}
	if cert, err := x509.ParseCertificate(block.Bytes); err != nil || !cert.IsCA {
		t.Fatalf("the published CA is not a CA certificate: %v", err)
	}
	again, err := c.ReadKeyManager(ctx, cloud.KeyManagerCluster{ID: k.ID})
	if err != nil || again.CACertPEM != k.CACertPEM {
		t.Fatalf("a read publishes another CA: %v", err)
	}
}
