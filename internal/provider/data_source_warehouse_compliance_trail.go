package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/compliance"
)

// The audit trail as evidence. HW-LOG-01 (on the audit bucket) and
// HW-ADM-03 (on each bastion) read what the audit bucket holds, not only
// its settings: the records of every source that ships there (each
// bucket's server access logs, each bastion's trail), that the newest is
// recent, and that it is under retention.

// trailSources are the streams each audit bucket should receive, as the
// report's buckets and bastions are configured, and the bastions whose
// destination the cloud does not say (OVHcloud returns no user-data).
type trailSources struct {
	streams  map[string][]trailStream // by target bucket
	searched []trailStream            // looked for in every audit bucket of the report
}

type trailStream struct {
	bastion string // the bastion subject that ships it; "" for access logs
	facts   compliance.StreamFacts
	// searched streams are kept only where records are found.
	searched bool
}

func (t *trailSources) add(bucket, bastion string, s compliance.StreamFacts) {
	if t.streams == nil {
		t.streams = map[string][]trailStream{}
	}
	t.streams[bucket] = append(t.streams[bucket], trailStream{bastion: bastion, facts: s})
}

// search looks for the trail of the bastion subject, shipped under
// <any prefix><host>/, in the report's audit buckets; extra are streams
// the bastion may ship besides its own (OVHcloud's account audit logs).
func (t *trailSources) search(bastion, host string, extra ...compliance.StreamFacts) {
	for _, st := range append(bastionStreams(host), extra...) {
		st.Prefix = cloud.AnyTopLevel + st.Prefix
		t.searched = append(t.searched, trailStream{bastion: bastion, searched: true, facts: st})
	}
}

// bastionStreams are what a bastion ships, under the audit prefix, as its
// ship script writes them (bastion.ShipScript): the journal, every five
// minutes, and the journal's verification key, once.
func bastionStreams(host string) []compliance.StreamFacts {
	return []compliance.StreamFacts{
		{What: "the audit trail of the bastion " + host, Prefix: host + "/journal/"},
		{What: "the journal verification key of the bastion " + host, Prefix: host + "/journal-seal/", Once: true},
	}
}

// accountLogsStream is the OVHcloud account's audit logs that a bastion
// pulls with its read-only service account (bastion.ShipScript).
func accountLogsStream(host string) compliance.StreamFacts {
	return compliance.StreamFacts{What: "the OVHcloud account's audit logs pulled by the bastion " + host,
		Prefix: host + "/account-logs/"}
}

// readTrails reads each audit bucket's streams once and sets the evidence
// on the audit buckets and the bastions of subjects.
func (d *warehouseComplianceDataSource) readTrails(ctx context.Context, subjects []compliance.Subject, sources *trailSources) {
	now := time.Now().UTC()
	type read struct {
		trail  *compliance.TrailFacts
		owners []string // the bastion subject of each of trail.Streams, "" for access logs
		err    error
	}
	cache := map[string]read{}
	trailOf := func(bucket string, audit bool) read {
		if r, ok := cache[bucket]; ok {
			return r
		}
		wanted := sources.streams[bucket]
		if audit {
			wanted = append(wanted, sources.searched...)
		}
		prefixes := make([]string, len(wanted))
		for i, w := range wanted {
			prefixes[i] = w.facts.Prefix
		}
		got, err := d.data.cloud.ReadAuditTrail(ctx, bucket, prefixes)
		r := read{err: err}
		if err == nil {
			r.trail = &compliance.TrailFacts{Bucket: bucket, Now: now, Created: got.Created}
			for i, w := range wanted {
				f, st := w.facts, got.Streams[i]
				if w.searched && st.Count == 0 {
					continue
				}
				f.Prefix, f.Count, f.Truncated, f.Newest, f.NewestKey = st.Prefix, st.Count, st.Truncated, st.Newest, st.NewestKey
				f.LockMode, f.RetainUntil = st.LockMode, st.RetainUntil
				r.trail.Streams = append(r.trail.Streams, f)
				r.owners = append(r.owners, w.bastion)
			}
		}
		cache[bucket] = r
		return r
	}
	// ownTrail is the part of an audit bucket's trail that the bastion
	// subject ships; nil when it ships nothing there.
	ownTrail := func(r read, bastion string, expected bool) *compliance.TrailFacts {
		own := *r.trail
		own.Streams = nil
		for j, st := range r.trail.Streams {
			if r.owners[j] == bastion {
				own.Streams = append(own.Streams, st)
			} else {
				own.OtherRecords += st.Count
			}
		}
		if !expected && len(own.Streams) == 0 {
			return nil
		}
		return &own
	}
	var auditBuckets []string
	for i := range subjects {
		s := &subjects[i]
		if s.Bucket == nil || s.Bucket.Zone != compliance.ZoneAudit {
			continue
		}
		auditBuckets = append(auditBuckets, s.Name)
		r := trailOf(s.Name, true)
		if r.err != nil {
			s.Unreadable = withReason(s.Unreadable, "object_lock", fmt.Sprintf("the records of the audit bucket could not be read: %v", r.err))
			continue
		}
		s.Bucket.Trail = r.trail
	}
	for i := range subjects {
		s := &subjects[i]
		switch {
		case s.Bastion == nil:
		case s.Bastion.AuditBucket != "":
			r := trailOf(s.Bastion.AuditBucket, false)
			if r.err != nil {
				s.Unreadable = withReason(s.Unreadable, "session_recording",
					fmt.Sprintf("the audit bucket %s could not be read: %v", s.Bastion.AuditBucket, r.err))
				continue
			}
			s.Bastion.Trail = ownTrail(r, s.Name, true)
		default:
			// Shipping somewhere unknown: its trail, if found in an audit
			// bucket of the report.
			for _, b := range auditBuckets {
				if r := cache[b]; r.err == nil {
					if own := ownTrail(r, s.Name, false); own != nil {
						s.Bastion.Trail = own
						break
					}
				}
			}
		}
	}
}

func withReason(m map[string]string, attr, why string) map[string]string {
	if m == nil {
		m = map[string]string{}
	}
	m[attr] = why
	return m
}
