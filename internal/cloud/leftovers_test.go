package cloud

import (
	"context"
	"testing"
	"time"
)

func TestLease_writtenAndRead(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	ctx, cancel := context.WithDeadline(context.Background(), now.Add(20*time.Minute))
	defer cancel()
	l := NewLease(ctx, "0123456789abcdef", now)
	if want := now.Add(20*time.Minute + time.Second); !l.Until.Equal(want) {
		t.Fatalf("until %s, want the deadline, rounded up: %s", l.Until, want)
	}
	if got := ParseLeaseTag(l.Tag()); got != l {
		t.Errorf("tag %q reads back as %+v", l.Tag(), got)
	}
	if got := ParseLeaseSuffix(l.Suffix()); got != l {
		t.Errorf("suffix %q reads back as %+v", l.Suffix(), got)
	}
	if NewLease(context.Background(), "t", now).Until.Before(now.Add(DefaultLease)) {
		t.Error("a create without a deadline holds its lease less than DefaultLease")
	}
	// Marks written before leases: the token alone, taken as expired.
	for _, old := range []Lease{ParseLeaseTag("0123456789abcdef"), ParseLeaseSuffix("0123456789abcdef")} {
		if old.Token != "0123456789abcdef" || !old.Expired(now) {
			t.Errorf("an old mark reads as %+v, expired %v", old, old.Expired(now))
		}
	}
}

func TestLease_abandoned(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	l := Lease{Token: "0123456789abcdef0123456789abcdef", Until: now.Add(10 * time.Minute)}
	for _, c := range []struct {
		at       time.Time
		declared []string
		want     bool
	}{
		{now, nil, false},
		{now.Add(10*time.Minute + LeaseSkew), nil, false}, // within the skew
		{now.Add(10*time.Minute + LeaseSkew + time.Second), nil, true},
		{now, []string{"0123456789abcdef"}, true},                        // the beginning of the token, as OVHcloud names show it
		{now, []string{"0123456789abcdef0123456789abcdef-extra"}, false}, // another token
		{now, []string{"0123"}, false},                                   // too short to name one run
		{now, []string{"fedcba9876543210"}, false},
	} {
		if got := l.Abandoned(c.at, c.declared); got != c.want {
			t.Errorf("at %s declared %v: abandoned = %v, want %v", c.at, c.declared, got, c.want)
		}
	}
	short := Lease{Token: "0123456789abcdef", Until: now.Add(time.Hour)}
	if !short.Abandoned(now, []string{"0123456789abcdef0123456789abcdef"}) {
		t.Error("the whole token does not declare dead the run whose name shows its beginning")
	}
}
