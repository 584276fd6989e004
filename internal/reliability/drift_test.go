package reliability

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
)

// driftCase is one change a cloud's console or API can make to a
// warehouse outside Terraform, made through the emulator's control API.
type driftCase struct {
	what      string // the change, in words
	address   string // the resource it touches
	attribute string // the attribute the next plan must show changed
	// corrected: the plan must also change the resource back (an update or
	// a replacement); false for what Terraform only records (a rotation
	// the key manager made by itself).
	corrected bool
	change    func(ctx context.Context, emu *emulator.Emulator, ids map[string]map[string]any) error
}

const (
	driftNetwork = `health_warehouse_network.wh["drift"]`
	driftBastion = `health_warehouse_bastion.admin["drift"]`
	driftRaw     = `health_warehouse_storage.zone["drift-raw"]`
	driftAudit   = `health_warehouse_storage.zone["drift-audit"]`
	driftKey     = `health_warehouse_kms_key.data["drift"]`
)

// envDriftOnly runs only the drift cases whose description holds its
// value, for debugging one: HEALTH_RELIABILITY_DRIFT_ONLY="NAT".
const envDriftOnly = "HEALTH_RELIABILITY_DRIFT_ONLY"

// The drift cases the resources' own acceptance tests do not cover (those
// cover: a rule removed and a subnet deleted from a network, a bucket's
// versioning, encryption, policy, tags and default retention, a key
// deactivated or its deletion allowed, a bastion stopped, unlinked or
// terminated, and each resource deleted).
//
// Known gap, left to the bastion's owner: a bastion's VM renamed outside
// Terraform (OUTSCALE's Name tag, OVHcloud's instance name) does not show:
// Read keeps the configured name, and name forces a replacement, which an
// out-of-band rename should not.
var driftCases = map[string][]driftCase{
	cloud.Outscale: {
		{"SSH opened to the whole Internet on the bastion tier's group", driftNetwork, "rules", true,
			func(ctx context.Context, emu *emulator.Emulator, ids map[string]map[string]any) error {
				// OAPI keeps one rule per protocol and ports: a new source
				// joins the existing rule's IpRanges.
				return edit(ctx, emu, "outscale.security_groups", cloudID(ids, driftNetwork, "security_group.bastion"), func(doc map[string]any) {
					rules, _ := doc["InboundRules"].([]any)
					for _, r := range rules {
						rule, _ := r.(map[string]any)
						if ranges, ok := rule["IpRanges"].([]any); ok && rule["FromPortRange"] == float64(22) {
							rule["IpRanges"] = append(ranges, "0.0.0.0/0")
						}
					}
				})
			}},
		{"the Net's tags edited", driftNetwork, "tags", true,
			func(ctx context.Context, emu *emulator.Emulator, ids map[string]map[string]any) error {
				return edit(ctx, emu, "outscale.nets", cloudID(ids, driftNetwork, "net"), func(doc map[string]any) {
					doc["Tags"] = setTag(doc["Tags"], "Key", "Value", "project", "someone-else")
				})
			}},
		{"the NAT service deleted", driftNetwork, "nat_egress", true,
			// As DeleteNatService leaves it: deleting, gone at the next read,
			// its public IP released.
			func(ctx context.Context, emu *emulator.Emulator, ids map[string]map[string]any) error {
				return edit(ctx, emu, "outscale.nat_services", cloudID(ids, driftNetwork, "nat_service"), func(doc map[string]any) {
					doc["State"] = "deleting"
				})
			}},
		{"the bastion VM's tags edited", driftBastion, "tags", true,
			func(ctx context.Context, emu *emulator.Emulator, ids map[string]map[string]any) error {
				return edit(ctx, emu, "outscale.vms", cloudID(ids, driftBastion, "vm"), func(doc map[string]any) {
					doc["Tags"] = setTag(doc["Tags"], "Key", "Value", "project", "someone-else")
				})
			}},
		{"the bastion VM's type changed", driftBastion, "vm_type", true,
			func(ctx context.Context, emu *emulator.Emulator, ids map[string]map[string]any) error {
				return edit(ctx, emu, "outscale.vms", cloudID(ids, driftBastion, "vm"), func(doc map[string]any) {
					doc["VmType"] = "tinav6.c8r16p2"
				})
			}},
		{"the raw bucket's lifecycle rules removed", driftRaw, "lifecycle_rules", true, removeLifecycle("drift-raw")},
		{"the audit bucket's retention shortened", driftAudit, "object_lock", true, shortenRetention("drift-audit")},
		{"the key's rotation period changed in OpenBao", driftKey, "rotation_period", true,
			func(ctx context.Context, emu *emulator.Emulator, _ map[string]map[string]any) error {
				return edit(ctx, emu, "openbao.transit_keys", "drift-data", func(doc map[string]any) {
					doc["auto_rotate_period"] = 3600 * 24 * 400
				})
			}},
		{"the key rotated by OpenBao itself", driftKey, "version", false,
			func(ctx context.Context, emu *emulator.Emulator, _ map[string]map[string]any) error {
				return edit(ctx, emu, "openbao.transit_keys", "drift-data", func(doc map[string]any) {
					versions, _ := doc["versions"].(map[string]any)
					versions["2"] = versions["1"]
					doc["latest_version"] = 2
				})
			}},
	},
	cloud.OVH: {
		{"the private network renamed", driftNetwork, "name", true,
			func(ctx context.Context, emu *emulator.Emulator, ids map[string]map[string]any) error {
				return edit(ctx, emu, "ovh.networks", cloudID(ids, driftNetwork, "network"), func(doc map[string]any) {
					doc["name"] = "renamed-by-hand"
				})
			}},
		{"the gateway deleted", driftNetwork, "nat_egress", true,
			func(ctx context.Context, emu *emulator.Emulator, ids map[string]map[string]any) error {
				return emu.Control().DeleteObject(ctx, "ovh.gateways", cloudID(ids, driftNetwork, "gateway"))
			}},
		{"the bastion's floating IP deleted", driftBastion, "public_ip", true,
			func(ctx context.Context, emu *emulator.Emulator, ids map[string]map[string]any) error {
				return emu.Control().DeleteObject(ctx, "ovh.floating_ips", cloudID(ids, driftBastion, "floating_ip"))
			}},
		{"the key's service key renamed in the KMS", driftKey, "name", true,
			func(ctx context.Context, emu *emulator.Emulator, ids map[string]map[string]any) error {
				id, _ := ids[driftKey]["id"].(string)
				return edit(ctx, emu, "ovh.okms_service_keys", id, func(doc map[string]any) { doc["name"] = "renamed-by-hand" })
			}},
		{"the raw bucket's lifecycle rules removed", driftRaw, "lifecycle_rules", true, removeLifecycle("drift-raw")},
		{"the audit bucket's retention shortened", driftAudit, "object_lock", true, shortenRetention("drift-audit")},
	},
}

func removeLifecycle(bucket string) func(context.Context, *emulator.Emulator, map[string]map[string]any) error {
	return func(ctx context.Context, emu *emulator.Emulator, _ map[string]map[string]any) error {
		return edit(ctx, emu, "s3.buckets", bucket, func(doc map[string]any) { delete(doc, "lifecycle") })
	}
}

func shortenRetention(bucket string) func(context.Context, *emulator.Emulator, map[string]map[string]any) error {
	return func(ctx context.Context, emu *emulator.Emulator, _ map[string]map[string]any) error {
		return edit(ctx, emu, "s3.buckets", bucket, func(doc map[string]any) {
			rule, _ := doc["object_lock_rule"].(map[string]any)
			rule["days"] = 30
		})
	}
}

// A whole warehouse per cloud is changed outside Terraform in every way
// the table lists, all at once; the next plan shows each change as drift
// (what `plan` reports under "Objects have changed outside of Terraform")
// and, where the configuration says otherwise, changes the resource back;
// the apply then restores everything: the plan after it is empty.
func TestDrift_everyOutOfBandChangeShows(t *testing.T) {
	needCLI(t)
	t.Parallel()
	for _, cloudName := range clouds {
		t.Run(cloudName, func(t *testing.T) {
			t.Parallel()
			w := workspace(t, warehouse(t, cloudName, "drift"))
			if _, err := w.Apply(t.Context()); err != nil {
				t.Fatal(err)
			}
			state, err := w.ShowState(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			values := map[string]map[string]any{}
			for _, r := range state.Resources() {
				var v map[string]any
				if err := json.Unmarshal(r.Values, &v); err != nil {
					t.Fatal(err)
				}
				values[r.Address] = v
			}
			for _, c := range driftCases[cloudName] {
				if only := os.Getenv(envDriftOnly); only != "" && !strings.Contains(c.what, only) {
					continue
				}
				if err := c.change(t.Context(), w.Emu, values); err != nil {
					t.Fatalf("%s: %v", c.what, err)
				}
			}
			changes, drift, err := w.PlanWithDrift(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range driftCases[cloudName] {
				if only := os.Getenv(envDriftOnly); only != "" && !strings.Contains(c.what, only) {
					continue
				}
				t.Run(c.what, func(t *testing.T) {
					if d := find(drift, c.address); d == nil || !slices.Contains(d.Changed, c.attribute) {
						t.Errorf("the plan does not show %s as drift of %s.%s: drift %+v", c.what, c.address, c.attribute, d)
					}
					if ch := find(changes, c.address); c.corrected && (ch == nil || slices.Equal(ch.Actions, []string{"no-op"})) {
						t.Errorf("the plan does not undo %s on %s: %+v", c.what, c.address, ch)
					}
				})
			}
			if t.Failed() {
				return
			}
			if out, err := w.Apply(t.Context()); err != nil {
				t.Fatalf("the apply that undoes the drift: %v\n%s", err, out)
			}
			checkNoChanges(t, w)
			if _, err := w.Destroy(t.Context()); err != nil {
				t.Fatal(err)
			}
			checkNothingLeft(t, w)
		})
	}
}

func find(changes []PlannedChange, address string) *PlannedChange {
	for i := range changes {
		if changes[i].Address == address {
			return &changes[i]
		}
	}
	return nil
}

// cloudID is an id from a resource's cloud_ids in the state.
func cloudID(values map[string]map[string]any, address, key string) string {
	ids, _ := values[address]["cloud_ids"].(map[string]any)
	id, _ := ids[key].(string)
	return id
}

// edit changes one stored document, as the cloud would after a call made
// outside Terraform.
func edit(ctx context.Context, emu *emulator.Emulator, collection, id string, change func(doc map[string]any)) error {
	if id == "" {
		return fmt.Errorf("no id for an object of %s", collection)
	}
	o, found, err := emu.Control().Object(ctx, collection, id)
	if err != nil || !found {
		return fmt.Errorf("%s/%s: found %v, %v", collection, id, found, err)
	}
	var doc map[string]any
	if err := json.Unmarshal(o.Doc, &doc); err != nil {
		return err
	}
	change(doc)
	raw, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	return emu.Control().PutObject(ctx, collection, id, raw)
}

// setTag sets a tag in a list of {key, value} objects.
func setTag(tags any, keyField, valueField, key, value string) []any {
	list, _ := tags.([]any)
	for _, t := range list {
		if m, _ := t.(map[string]any); strings.EqualFold(fmt.Sprint(m[keyField]), key) {
			m[valueField] = value
			return list
		}
	}
	return append(list, map[string]any{keyField: key, valueField: value})
}
