package compliance

import (
	"strings"
	"testing"
	"time"
)

// HW-LOG-01 and HW-ADM-03 read from the cloud: records present, recent, and
// under retention, or the control fails and says which source and why.
func TestTrailEvidence(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	stream := func(what, prefix string, count int, age time.Duration, mode string, keptFor time.Duration) StreamFacts {
		s := StreamFacts{What: what, Prefix: prefix, Count: count, Once: strings.Contains(prefix, "journal-seal")}
		if count > 0 {
			s.Newest, s.NewestKey = now.Add(-age), prefix+"2026-12-03-11-00-00-ABC"
			s.LockMode, s.RetainUntil = mode, now.Add(keptFor)
		}
		return s
	}
	logs := func(count int, age time.Duration) StreamFacts {
		return stream("access logs of wh-raw", "access-logs/raw/", count, age, "COMPLIANCE", 365*24*time.Hour)
	}
	bastion := func(count int, age time.Duration) StreamFacts {
		return stream("the audit trail of the bastion wh-bastion", "bastions/", count, age, "COMPLIANCE", 365*24*time.Hour)
	}
	trail := func(created time.Duration, streams ...StreamFacts) *TrailFacts {
		return &TrailFacts{Bucket: "wh-audit", Now: now, Created: now.Add(-created), Streams: streams}
	}
	for _, c := range []struct {
		name     string
		trail    *TrailFacts
		want     Status
		evidence string
	}{
		{"records arrive and are locked", trail(72*time.Hour, logs(12, time.Hour), bastion(3, 10*time.Minute)), StatusPass,
			"access logs of wh-raw: 12 records under s3://wh-audit/access-logs/raw/"},
		{"a new warehouse, nothing yet", trail(10*time.Minute, logs(0, 0), bastion(0, 0)), StatusUnknown, "no record in s3://wh-audit yet"},
		{"nothing for days", trail(72*time.Hour, logs(0, 0), bastion(0, 0)), StatusFail,
			"no record of access logs of wh-raw under s3://wh-audit/access-logs/raw/"},
		{"the bastion ships nothing", trail(time.Hour, logs(4, time.Hour), bastion(0, 0)), StatusFail,
			"no record of the audit trail of the bastion wh-bastion under s3://wh-audit/bastions/ (the bucket was made 2026-12-03T11:00:00Z): its shipping is broken"},
		{"shipping stopped", trail(30*24*time.Hour, logs(40, 72*time.Hour)), StatusFail, "more than 48h0m0s ago: its shipping stopped"},
		{"the newest record is not locked", trail(72*time.Hour, stream("access logs of wh-raw", "access-logs/raw/", 2, time.Hour, "", 0)),
			StatusFail, "is not under retention"},
		{"retention over", trail(72*time.Hour, stream("access logs of wh-raw", "access-logs/raw/", 2, time.Hour, "COMPLIANCE", -time.Hour)),
			StatusFail, "is not under retention"},
		{"the verification key, shipped once long ago", trail(90*24*time.Hour, logs(12, time.Hour), bastion(3, time.Minute),
			stream("the journal verification key of the bastion wh-bastion", "bastions/wh-bastion/journal-seal/", 1, 89*24*time.Hour,
				"COMPLIANCE", 90*24*time.Hour)), StatusPass, "the journal verification key of the bastion wh-bastion: 1 record under"},
		{"no verification key", trail(72*time.Hour, logs(12, time.Hour), bastion(3, time.Minute),
			stream("the journal verification key of the bastion wh-bastion", "bastions/wh-bastion/journal-seal/", 0, 0, "", 0)),
			StatusFail, "no record of the journal verification key of the bastion wh-bastion under s3://wh-audit/bastions/wh-bastion/journal-seal/"},
		{"the bastion ships nothing while others do", &TrailFacts{Bucket: "wh-audit", Now: now, Created: now.Add(-time.Hour),
			Streams: []StreamFacts{bastion(0, 0)}, OtherRecords: 5}, StatusFail, "its shipping is broken"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := goodBucket(ZoneAudit)
			b.Trail = c.trail
			f := findingOf(t, Evaluate(ProfileSecNumCloud, Subject{Kind: KindStorage, Name: "wh-audit", Region: qualified, Bucket: b}, nil), "HW-LOG-01")
			if f.Status != c.want || !strings.Contains(f.Evidence, c.evidence) || !strings.Contains(f.Evidence, "retention_days = 365") {
				t.Fatalf("HW-LOG-01 = %s %q, want %s mentioning %q", f.Status, f.Evidence, c.want, c.evidence)
			}
			// The bastion's own control reads the same evidence.
			s := Subject{Kind: KindBastion, Name: "wh-bastion", Region: qualified,
				Bastion: &BastionFacts{MFA: "totp", SessionRecording: true, AuditBucket: "wh-audit", Trail: c.trail}}
			if g := findingOf(t, Evaluate(ProfileSecNumCloud, s, nil), "HW-ADM-03"); g.Status != c.want || !strings.Contains(g.Evidence, c.evidence) {
				t.Fatalf("HW-ADM-03 = %s %q, want %s mentioning %q", g.Status, g.Evidence, c.want, c.evidence)
			}
		})
	}
}

// A bastion whose settings the cloud does not return (OVHcloud): its trail,
// found by its host name, is cited; records arriving leave HW-ADM-03
// unknown (they do not say sessions are recorded), records stopping fail it.
func TestTrailEvidence_unreadableBastion(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name     string
		age      time.Duration
		want     Status
		evidence string
	}{
		{"records arrive", 10 * time.Minute, StatusUnknown, "check the recording on the VM; the audit trail of the bastion wh-bastion: 3 records"},
		{"shipping stopped", 72 * time.Hour, StatusFail, "check the recording on the VM; the newest record of the audit trail"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			trail := &TrailFacts{Bucket: "wh-audit", Now: now, Created: now.Add(-30 * 24 * time.Hour), Streams: []StreamFacts{{
				What: "the audit trail of the bastion wh-bastion", Prefix: "bastions/wh-bastion/", Count: 3,
				Newest: now.Add(-c.age), NewestKey: "bastions/wh-bastion/journal/j.export.gz", LockMode: "COMPLIANCE", RetainUntil: now.Add(time.Hour),
			}}}
			s := Subject{Kind: KindBastion, Name: "wh-bastion", Region: qualified, Bastion: &BastionFacts{Trail: trail},
				Unreadable: map[string]string{"session_recording": "check the recording on the VM", "mfa": "check the second factor on the VM"}}
			if f := findingOf(t, Evaluate(ProfileSecNumCloud, s, nil), "HW-ADM-03"); f.Status != c.want || !strings.Contains(f.Evidence, c.evidence) {
				t.Fatalf("HW-ADM-03 = %s %q, want %s mentioning %q", f.Status, f.Evidence, c.want, c.evidence)
			}
		})
	}
}

// The evidence of a trail is the same at every read while the bucket holds
// the same records: the report is read at every plan, and evidence that
// moved with the clock would show the report as changed each time.
func TestTrailEvidence_sameAtEveryRead(t *testing.T) {
	t.Parallel()
	created := time.Date(2026, 12, 3, 11, 50, 0, 0, time.UTC)
	for _, streams := range [][]StreamFacts{
		{{What: "access logs of wh-raw", Prefix: "access-logs/raw/"}},                                                                                     // young and empty: unknown
		{{What: "the audit trail of the bastion wh-bastion", Prefix: "bastions/"}, {What: "access logs of wh-raw", Prefix: "access-logs/raw/", Count: 1}}, // broken
	} {
		var seen []string
		for _, later := range []time.Duration{0, 40 * time.Second, 31 * time.Minute} {
			tr := &TrailFacts{Bucket: "wh-audit", Now: created.Add(5*time.Minute + later), Created: created, Streams: streams, OtherRecords: len(streams) - 1}
			_, ev := trailEvidence(tr)
			seen = append(seen, ev)
		}
		if seen[0] != seen[1] || seen[1] != seen[2] {
			t.Errorf("the evidence changed with the clock alone:\n%s\n%s\n%s", seen[0], seen[1], seen[2])
		}
	}
}
