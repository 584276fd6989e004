package compliance

import (
	"strings"
	"testing"
)

// HW-ENC-02 from the cloud: the key must exist in the key manager, enabled,
// and the newest objects must carry SSE-C; each failure names what failed.
func TestCustomerKeyEvidenceFromTheCloud(t *testing.T) {
	t.Parallel()
	held := &KMSKeyFacts{Manager: "OpenBao", Found: true, Enabled: true}
	sealed := &ObjectSampleFacts{Listed: 2, Sampled: []SampledObject{{Key: "b.csv", CustomerKey: true}, {Key: "a.csv", CustomerKey: true}}}
	raw := func(key *KMSKeyFacts, objects *ObjectSampleFacts, unreadable map[string]string) Subject {
		b := goodBucket(ZoneRaw)
		b.KMSKeyID, b.KMSKey, b.Objects = "does-not-exist", key, objects
		return Subject{Kind: KindStorage, Name: "wh-raw", Bucket: b, Unreadable: unreadable}
	}
	for _, c := range []struct {
		name     string
		subject  Subject
		want     Status
		evidence []string
	}{
		{"a plan reads nothing: as before", raw(nil, nil, nil), StatusPass, []string{"kms_key_id = does-not-exist"}},
		{"a key the key manager does not hold", raw(&KMSKeyFacts{Manager: "OpenBao"}, sealed, nil), StatusFail,
			[]string{"the bucket wh-raw names the key does-not-exist, which OpenBao does not hold"}},
		{"a disabled key", raw(&KMSKeyFacts{Manager: "OVHcloud KMS", Found: true, State: "DEACTIVATED"}, sealed, nil), StatusFail,
			[]string{"the key does-not-exist of the bucket wh-raw is disabled in OVHcloud KMS (DEACTIVATED)"}},
		{"an enabled key and sealed objects", raw(held, sealed, nil), StatusPass,
			[]string{"OpenBao holds the key does-not-exist, enabled", "the 2 newest of 2 objects carry SSE-C (b.csv, a.csv)"}},
		{"an object under the cloud's key", raw(held, &ObjectSampleFacts{Listed: 7, Sampled: []SampledObject{
			{Key: "new.csv", CustomerKey: true}, {Key: "plain.csv", SSEAlgorithm: "AES256"}, {Key: "clear.csv"}}}, nil), StatusFail,
			[]string{"of the 3 newest of 7 objects of the bucket wh-raw, plain.csv is stored under the cloud's own key (AES256), not SSE-C; clear.csv is stored unencrypted"}},
		{"a bucket listed in part", raw(held, &ObjectSampleFacts{Listed: 10000, Truncated: true, Sampled: []SampledObject{{Key: "x", CustomerKey: true}}}, nil),
			StatusPass, []string{"the 1 newest of the first 10000 listed objects carry SSE-C (x)"}},
		{"an empty bucket", raw(held, &ObjectSampleFacts{}, nil), StatusPass, []string{"the bucket holds no object yet"}},
		{"objects the policy keeps from the report", raw(held, nil, map[string]string{"objects": "the bucket's policy refuses listings from this address"}),
			StatusUnknown, []string{"refuses listings from this address"}},
		{"a missing key fails even when objects are unreadable", raw(&KMSKeyFacts{Manager: "OpenBao"}, nil, map[string]string{"objects": "denied"}),
			StatusFail, []string{"which OpenBao does not hold"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := findingOf(t, Evaluate(ProfileSecNumCloud, c.subject, nil), "HW-ENC-02")
			if f.Status != c.want {
				t.Fatalf("status %s, want %s (evidence %q)", f.Status, c.want, f.Evidence)
			}
			for _, e := range c.evidence {
				if !strings.Contains(f.Evidence, e) {
					t.Errorf("evidence %q lacks %q", f.Evidence, e)
				}
			}
		})
	}
}
