package compliance

import (
	"fmt"
	"strings"
)

// checkCustomerKey is HW-ENC-02. From a plan it sees the configuration: the
// zone, the mode and the key id. From the cloud (reports) it also sees
// whether the key manager holds that key, enabled, and how the newest
// objects are stored: a missing or disabled key, or an object stored under
// the cloud's own key, fails it, named.
func checkCustomerKey(_ string, s Subject) (Status, string) {
	b := s.Bucket
	if s.unknown("zone") {
		return StatusUnknown, s.why("zone")
	}
	if b.Zone != ZoneRaw && b.Zone != ZonePseudonymised {
		return StatusNotApplicable, "zone = " + or(b.Zone, "not set")
	}
	if s.unknown("encryption") {
		return StatusUnknown, s.why("encryption")
	}
	ev := fmt.Sprintf("zone = %s, encryption = %s", b.Zone, or(b.Encryption, "none"))
	if b.Encryption != "customer-key" || b.KMSKeyID == "" {
		return StatusFail, ev
	}
	ev += ", kms_key_id = " + b.KMSKeyID
	if p, err := parsePolicy(b.Policy); err == nil && !s.unknown("policy") {
		if p.deniesWritesWithoutCustomerKey() {
			// Only OVHcloud's user policies carry it, and OVHcloud documents
			// no condition but aws:SourceIp: the statement is there, its
			// enforcement is not claimed.
			ev += "; the access policy refuses uploads without an SSE-C key, by a condition the cloud does not document " +
				"(unverified that it enforces it: encrypting every upload stays the data pipeline's duty)"
		} else {
			ev += "; the cloud does not refuse uploads without an SSE-C key: encrypting every upload is the data pipeline's duty"
		}
	}
	var failed, unknown []string
	switch k := b.KMSKey; {
	case s.unknown("kms_key"):
		unknown = append(unknown, s.why("kms_key"))
	case k == nil:
	case !k.Found:
		failed = append(failed, fmt.Sprintf("the bucket %s names the key %s, which %s does not hold", s.Name, b.KMSKeyID, k.Manager))
	case !k.Enabled:
		failed = append(failed, fmt.Sprintf("the key %s of the bucket %s is disabled in %s (%s)", b.KMSKeyID, s.Name, k.Manager,
			or(k.State, "not usable")))
	default:
		ev += fmt.Sprintf("; %s holds the key %s, enabled", k.Manager, b.KMSKeyID)
	}
	switch o := b.Objects; {
	case s.unknown("objects"):
		unknown = append(unknown, s.why("objects"))
	case o == nil:
	case len(o.Sampled) == 0:
		ev += "; the bucket holds no object yet"
	default:
		var plain, sealed []string
		for _, obj := range o.Sampled {
			switch {
			case obj.CustomerKey:
				sealed = append(sealed, obj.Key)
			case obj.SSEAlgorithm != "":
				plain = append(plain, fmt.Sprintf("%s is stored under the cloud's own key (%s), not SSE-C", obj.Key, obj.SSEAlgorithm))
			default:
				plain = append(plain, obj.Key+" is stored unencrypted")
			}
		}
		of := fmt.Sprintf("%d", o.Listed)
		if o.Truncated {
			of = "the first " + of + " listed"
		}
		if len(plain) > 0 {
			failed = append(failed, fmt.Sprintf("of the %d newest of %s objects of the bucket %s, %s", len(o.Sampled), of, s.Name,
				strings.Join(plain, "; ")))
		} else {
			ev += fmt.Sprintf("; the %d newest of %s objects carry SSE-C (%s)", len(o.Sampled), of, strings.Join(sealed, ", "))
		}
	}
	switch {
	case len(failed) > 0:
		return StatusFail, ev + "; " + strings.Join(failed, "; ")
	case len(unknown) > 0:
		return StatusUnknown, ev + "; " + strings.Join(unknown, "; ")
	}
	return StatusPass, ev
}
