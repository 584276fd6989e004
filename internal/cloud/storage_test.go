package cloud_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

func TestCheckBucketName(t *testing.T) {
	t.Parallel()
	for name, rule := range map[string]string{
		"ab":                    "3 to 63 characters",
		strings.Repeat("a", 64): "3 to 63 characters",
		"Warehouse":             `holds 'W'`,
		"wh_raw":                `holds '_'`,
		"wh-données":            `holds 'é'`,
		"-wh":                   "begin and end",
		"wh.":                   "begin and end",
		"wh..raw":               "two adjacent dots",
		"10.0.0.1":              "IP address",
		"xn--wh":                `prefix S3 reserves`,
		"wh-s3alias":            `suffix S3 reserves`,
	} {
		err := cloud.CheckBucketName(name)
		if err == nil || !strings.Contains(err.Error(), rule) {
			t.Errorf("CheckBucketName(%q) = %v, want the rule %q", name, err, rule)
		}
	}
	for _, ok := range []string{"wh-raw", "wh.raw.2026", "abc", strings.Repeat("a", 63)} {
		if err := cloud.CheckBucketName(ok); err != nil {
			t.Errorf("CheckBucketName(%q) = %v", ok, err)
		}
	}
}

func TestCheckSourceIP(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"198.51.100.7", "198.51.100.0/24", "2001:db8::/32"} {
		if err := cloud.CheckSourceIP(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"198.51.100.7/24", "not-an-ip", "300.1.1.1"} {
		if err := cloud.CheckSourceIP(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

// statementIDs lists the Sids of a rendered policy.
func statementIDs(t *testing.T, doc string) []string {
	t.Helper()
	var p struct {
		Statement []struct {
			Sid       string
			Principal any
		}
	}
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, st := range p.Statement {
		out = append(out, st.Sid)
	}
	return out
}

func TestRenderAccessPolicy(t *testing.T) {
	t.Parallel()
	spec := cloud.BucketSpec{Name: "wh-raw", Encryption: cloud.EncryptionCustomerKey, KMSKeyID: "k",
		AllowedSourceIPs: []string{"198.51.100.7/32", "198.51.100.7/32", "192.0.2.0/24"}}
	doc, kind, err := cloud.RenderAccessPolicy(cloud.OVH, spec)
	if err != nil {
		t.Fatal(err)
	}
	if kind != cloud.PolicyKindUser || strings.Contains(doc, "Principal") {
		t.Fatalf("OVHcloud policy (%s) is not a user policy: %s", kind, doc)
	}
	if got := statementIDs(t, doc); !reflect.DeepEqual(got, []string{cloud.SidAllowBucket, cloud.SidDenyACLChanges,
		cloud.SidDenyInsecure, cloud.SidDenyOutsideSources, cloud.SidDenyUnencrypted}) {
		t.Fatalf("OVHcloud statements %v", got)
	}
	if !strings.Contains(doc, `"NotResource":["arn:aws:s3:::wh-raw/.health-keys/*"]`) {
		t.Fatalf("the deny of writes without SSE-C does not spare the wrapped keys: %s", doc)
	}
	if got := cloud.SourceIPsFromPolicy(doc); !reflect.DeepEqual(got, []string{"192.0.2.0/24", "198.51.100.7/32"}) {
		t.Fatalf("sources read back: %v", got)
	}

	if _, _, err := cloud.RenderAccessPolicy(cloud.Outscale, spec); !errors.Is(err, cloud.ErrPolicyUnsupported) {
		t.Fatalf("OUTSCALE with sources = %v", err)
	}
	spec.AllowedSourceIPs = nil
	doc, kind, err = cloud.RenderAccessPolicy(cloud.Outscale, spec)
	if err != nil {
		t.Fatal(err)
	}
	if kind != cloud.PolicyKindBucket || strings.Contains(doc, "Condition") || !strings.Contains(doc, `"Principal":"*"`) {
		t.Fatalf("OUTSCALE policy (%s): %s", kind, doc)
	}
	if got := statementIDs(t, doc); !reflect.DeepEqual(got, []string{cloud.SidDenyACLChanges}) {
		t.Fatalf("OUTSCALE statements %v", got)
	}
	// The same document read back with other spacing and key order is equal.
	pretty := strings.ReplaceAll(doc, ",", ",\n  ")
	if again, err := cloud.CanonicalPolicy(pretty); err != nil || again != doc {
		t.Fatalf("canonical form: %v\n%s\n%s", err, again, doc)
	}
}

func TestStorageTags(t *testing.T) {
	t.Parallel()
	spec := cloud.BucketSpec{Tags: map[string]string{"owner": "dpo"}, Encryption: cloud.EncryptionCustomerKey, KMSKeyID: "k1", Zone: "audit"}
	tags := cloud.StorageTags(spec)
	want := map[string]string{"owner": "dpo", cloud.TagKMSKeyID: "k1", cloud.TagZone: "audit"}
	if !reflect.DeepEqual(tags, want) {
		t.Fatalf("tags %v", tags)
	}
	var b cloud.Bucket
	tags["health:future"] = "x"
	cloud.SplitTags(&b, tags)
	if b.Encryption != cloud.EncryptionCustomerKey || b.KMSKeyID != "k1" || b.Zone != "audit" || !reflect.DeepEqual(b.Tags, spec.Tags) {
		t.Fatalf("split: %+v", b)
	}
}

func TestStorageErrors(t *testing.T) {
	t.Parallel()
	until := time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)
	err := error(&cloud.LockedObjectsError{Bucket: "wh-audit", Locked: 3, Versions: 5, Until: until, Modes: []string{"COMPLIANCE"}, LegalHolds: 1})
	for _, part := range []string{"3 of its 5 object versions", "COMPLIANCE retention until 2027-01-02T03:04:05Z", "1 are under legal hold", "Nothing was deleted"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("%q lacks %q", err, part)
		}
	}
	if !errors.Is(err, cloud.ErrConflict) || !errors.Is(&cloud.BucketNotEmptyError{Bucket: "b", Versions: 2}, cloud.ErrConflict) {
		t.Fatal("storage errors are conflicts")
	}
	if msg := (&cloud.BucketNotEmptyError{Bucket: "b", Versions: -1}).Error(); !strings.Contains(msg, "force_destroy") {
		t.Fatal(msg)
	}
}
