package ovh_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/cloud/ovh"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/faults"
)

const okmsKeys = "ovh.okms_service_keys"

func kmsConfig(emu *emulator.Emulator) ovh.Config {
	cfg := appKeyConfig(emu)
	cfg.KMSID = emulator.DefaultOVHOKMSID
	return cfg
}

func aesKey(name string) cloud.KeySpec {
	return cloud.KeySpec{Name: name, Algorithm: cloud.AlgorithmAES256, Usage: cloud.UsageEncryptDecrypt,
		RotationPeriod: cloud.DefaultRotationPeriod, DeletionProtection: true, Enabled: true}
}

// serviceKeys returns the emulator's service keys by id: their name and state.
func serviceKeys(t *testing.T, emu *emulator.Emulator) map[string][2]string {
	t.Helper()
	objs, err := emu.Control().Objects(context.Background(), okmsKeys)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][2]string{}
	for _, o := range objs {
		var k struct{ Name, State string }
		if err := json.Unmarshal(o.Doc, &k); err != nil {
			t.Fatal(err)
		}
		out[o.ID] = [2]string{k.Name, k.State}
	}
	return out
}

func TestKeyManager_missingKMSID(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	_, err := client(t, appKeyConfig(emu)).CreateKey(context.Background(), aesKey("k"))
	var missing *cloud.MissingSettingsError
	if !errors.As(err, &missing) || len(missing.Settings) != 1 || missing.Settings[0] != ovh.SettingKMSID ||
		!strings.Contains(err.Error(), "ovh.kms_id (or the OVH_OKMS_ID environment variable)") {
		t.Fatalf("err = %v, want the missing ovh.kms_id", err)
	}
}

func TestKeyManager_lifecycle(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := client(t, kmsConfig(emu))
	ctx := context.Background()

	k, err := c.CreateKey(ctx, aesKey("wh-life"))
	if err != nil {
		t.Fatal(err)
	}
	if !uuidPattern.MatchString(k.ID) || k.KeyID != k.ID || k.Version != 1 || !k.Enabled || k.State != "ACTIVE" ||
		k.Backend != cloud.BackendOKMS || len(k.PreviousKeyIDs) != 0 || !k.DeletionProtection || k.CreatedAt.IsZero() {
		t.Fatalf("created %+v", k)
	}

	rotated, err := c.RotateKey(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	if rotated.ID != k.ID || rotated.KeyID == k.ID || rotated.Version != 2 || !slices.Equal(rotated.PreviousKeyIDs, []string{k.ID}) {
		t.Fatalf("rotated %+v", rotated)
	}
	if got := serviceKeys(t, emu); got[k.ID] != [2]string{"wh-life", "ACTIVE"} || got[rotated.KeyID] != [2]string{"wh-life.v2", "ACTIVE"} {
		t.Fatalf("service keys after the rotation: %v (version 1 must stay active)", got)
	}

	// An import knows only the id: the versions are found by name.
	imported, err := c.ReadKey(ctx, cloud.Key{ID: k.ID})
	if err != nil || imported.KeyID != rotated.KeyID || imported.Version != 2 || imported.Usage != cloud.UsageEncryptDecrypt ||
		imported.RotationPeriod != cloud.DefaultRotationPeriod {
		t.Fatalf("imported %+v, %v", imported, err)
	}

	spec := aesKey("wh-life")
	spec.Enabled = false
	disabled, err := c.UpdateKey(ctx, rotated, spec)
	if err != nil || disabled.Enabled || disabled.State != "DEACTIVATED" {
		t.Fatalf("disabled %+v, %v", disabled, err)
	}
	for id, nk := range serviceKeys(t, emu) {
		if nk[1] != "DEACTIVATED" {
			t.Fatalf("service key %s (%s) is %s after disabling the key", id, nk[0], nk[1])
		}
	}
	spec.Enabled = true
	enabled, err := c.UpdateKey(ctx, disabled, spec)
	if err != nil || !enabled.Enabled {
		t.Fatalf("enabled %+v, %v", enabled, err)
	}

	if err := c.DeleteKey(ctx, enabled); err != nil {
		t.Fatal(err)
	}
	if left := serviceKeys(t, emu); len(left) != 0 {
		t.Fatalf("left after delete: %v", left)
	}
	if _, err := c.ReadKey(ctx, enabled); !errors.Is(err, cloud.ErrNotFound) {
		t.Fatalf("read after delete: %v", err)
	}
	if err := c.DeleteKey(ctx, enabled); err != nil {
		t.Fatalf("deleting a key already gone: %v", err)
	}
}

// Versions are found by name, so a name the KMS already holds is refused.
func TestKeyManager_refusesAnExistingName(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	for _, existing := range []string{"taken", "taken.v3"} {
		if err := operator(t, emu).Post("/v2/okms/resource/"+emulator.DefaultOVHOKMSID+"/serviceKey",
			map[string]any{"name": existing, "type": "oct", "size": 256, "operations": []string{"encrypt", "decrypt"}}, nil); err != nil {
			t.Fatal(err)
		}
	}
	_, err := client(t, kmsConfig(emu)).CreateKey(context.Background(), aesKey("taken"))
	if !errors.Is(err, cloud.ErrConflict) || !strings.Contains(err.Error(), "already holds a service key named taken") {
		t.Fatalf("err = %v, want a conflict", err)
	}
	if n := len(serviceKeys(t, emu)); n != 2 {
		t.Fatalf("%d service keys, want the 2 made by the operator", n)
	}
}

// A wrong kms_id is a configuration error: it never reads as a key gone.
func TestKeyManager_unknownKMS(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	cfg := kmsConfig(emu)
	cfg.KMSID = "00000000-0000-4000-8000-0000000000ff"
	c := client(t, cfg)
	for _, call := range []func() error{
		func() error { _, err := c.CreateKey(context.Background(), aesKey("k")); return err },
		func() error {
			_, err := c.ReadKey(context.Background(), cloud.Key{ID: "00000000-0000-4000-8000-000000000001"})
			return err
		},
	} {
		err := call()
		if err == nil || errors.Is(err, cloud.ErrNotFound) || !errors.Is(err, cloud.ErrInvalid) ||
			!strings.Contains(err.Error(), "named by ovh.kms_id does not exist") {
			t.Fatalf("err = %v, want the KMS named as missing", err)
		}
	}
}

// When the answer to a create or a rotation is lost, the version made is
// found by its name rather than made twice.
func TestKeyManager_lostAnswers(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := client(t, kmsConfig(emu))
	ctx := context.Background()
	drop := func() {
		if _, err := emu.Faults().Add(faults.Rule{Action: "ovh:POST /v2/okms/resource/{okmsId}/serviceKey", Nth: 1, Drop: "after"}); err != nil {
			t.Fatal(err)
		}
	}
	drop()
	k, err := c.CreateKey(ctx, aesKey("wh-lost"))
	if err != nil {
		t.Fatalf("create with a lost answer: %v", err)
	}
	drop()
	rotated, err := c.RotateKey(ctx, k)
	if err != nil || rotated.Version != 2 {
		t.Fatalf("rotate with a lost answer: %+v, %v", rotated, err)
	}
	if got := serviceKeys(t, emu); len(got) != 2 {
		t.Fatalf("service keys: %v, want exactly versions 1 and 2", got)
	}
	// A server error did not make the version: it is sent again.
	if _, err := emu.Faults().Add(faults.Rule{Action: "ovh:POST /v2/okms/resource/{okmsId}/serviceKey", Nth: 1, Statuses: []int{500}}); err != nil {
		t.Fatal(err)
	}
	if rotated, err = c.RotateKey(ctx, rotated); err != nil || rotated.Version != 3 {
		t.Fatalf("rotate after a server error: %+v, %v", rotated, err)
	}
	if got := serviceKeys(t, emu); len(got) != 3 {
		t.Fatalf("service keys: %v, want exactly versions 1 to 3", got)
	}
}

// Versions past the first page of the list are found.
func TestKeyManager_versionsAcrossListPages(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	op := operator(t, emu)
	for i := range 55 {
		if err := op.Post("/v2/okms/resource/"+emulator.DefaultOVHOKMSID+"/serviceKey",
			map[string]any{"name": fmt.Sprintf("other-%02d", i), "type": "EC", "curve": "P-256", "operations": []string{"sign", "verify"}}, nil); err != nil {
			t.Fatal(err)
		}
	}
	c := client(t, kmsConfig(emu))
	k, err := c.CreateKey(context.Background(), aesKey("wh-paged"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.RotateKey(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	got, err := c.ReadKey(context.Background(), cloud.Key{ID: k.ID})
	if err != nil || got.Version != 2 {
		t.Fatalf("read across pages: %+v, %v", got, err)
	}
}

func TestKeyManager_backendRefusals(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	spec := aesKey("wh-rsa")
	spec.Algorithm = cloud.AlgorithmRSA4096
	_, err := client(t, kmsConfig(emu)).CreateKey(context.Background(), spec)
	if err == nil || !strings.Contains(err.Error(), "the OVHcloud KMS (OKMS)") {
		t.Fatalf("RSA encryption key: %v", err)
	}
	if n := len(serviceKeys(t, emu)); n != 0 {
		t.Fatalf("%d service keys made", n)
	}
}
