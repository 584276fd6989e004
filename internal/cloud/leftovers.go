package cloud

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Leftovers of creates that died, and creates running elsewhere.
//
// Terraform saves a resource's state only when its create returns: a
// provider killed half-way through a create (a SIGKILL, a lost machine, a
// CI job cancelled hard) leaves cloud objects that no state names. The
// next apply creates the resource again. So that the first attempt's
// objects are not orphaned, a create that makes several objects marks its
// first one as "being created" (TagCreating on OUTSCALE, a provisional
// name on OVHcloud) until it returns.
//
// The mark is a lease: the create's token and the time by which that
// create has certainly stopped, its start plus its timeout (the context's
// deadline). A create that finds marked objects of its name:
//
//   - deletes them when their lease has expired (plus LeaseSkew, for
//     clocks that disagree): whoever made them has given up;
//   - leaves them alone otherwise, and fails with an InProgressError that
//     lists them: another run, in another process or on another machine,
//     may still be making them, and no provider deletes what another live
//     run is making.
//
// Only a create of this same process, with the token it started with
// (InFlight), is known to be alive or dead without waiting. Whoever knows
// a run died (its CI job was cancelled, its machine lost) may say so:
// the tokens in Options.TakeOver (the provider's HEALTH_TAKE_OVER) are
// taken over at once, their leases notwithstanding.

// DefaultLease is how long a create that has no deadline holds its mark:
// longer than any create of this provider runs.
const DefaultLease = 2 * time.Hour

// LeaseSkew is how long after its end a lease is still respected: two
// machines' clocks may disagree by that much.
const LeaseSkew = 5 * time.Minute

// Lease is the mark of a create in progress.
type Lease struct {
	// Token is the create's client token.
	Token string
	// Until is when the create has certainly stopped: its deadline. Zero
	// for a mark written before leases, taken as expired.
	Until time.Time
}

// NewLease is the lease of a create with token that starts at now under
// ctx: until ctx's deadline, or DefaultLease without one.
func NewLease(ctx context.Context, token string, now time.Time) Lease {
	until := now.Add(DefaultLease)
	if deadline, ok := ctx.Deadline(); ok {
		until = deadline
	}
	// A whole second later: the lease is written in seconds.
	return Lease{Token: token, Until: until.UTC().Truncate(time.Second).Add(time.Second)}
}

// Expired reports whether the create that holds l has certainly stopped
// at now.
func (l Lease) Expired(now time.Time) bool {
	return l.Until.IsZero() || now.After(l.Until.Add(LeaseSkew))
}

// Abandoned reports whether the create that holds l has stopped at now,
// or is one of the runs someone declared dead. declared are client tokens
// (hexadecimal), whole or their beginning, of at least 8 characters: a
// provisional name on OVHcloud keeps only the first 16 of a token, and a
// user may paste either form.
func (l Lease) Abandoned(now time.Time, declared []string) bool {
	if l.Expired(now) {
		return true
	}
	for _, d := range declared {
		shorter, longer := d, l.Token
		if len(shorter) > len(longer) {
			shorter, longer = longer, shorter
		}
		if len(shorter) >= 8 && isHex(d) && isHex(l.Token) && strings.HasPrefix(longer, shorter) {
			return true
		}
	}
	return false
}

func isHex(s string) bool {
	return s != "" && strings.Trim(s, "0123456789abcdefABCDEF") == ""
}

// Tag is the lease as TagCreating's value: "<token>@<until, RFC 3339>".
func (l Lease) Tag() string {
	if l.Until.IsZero() {
		return l.Token
	}
	return l.Token + "@" + l.Until.UTC().Format(time.RFC3339)
}

// ParseLeaseTag reads TagCreating's value. A value without a time (written
// before leases) is a lease that has expired.
func ParseLeaseTag(v string) Lease {
	token, until, ok := strings.Cut(v, "@")
	if !ok {
		return Lease{Token: v}
	}
	t, err := time.Parse(time.RFC3339, until)
	if err != nil {
		return Lease{Token: v}
	}
	return Lease{Token: token, Until: t}
}

// Suffix is the lease in a provisional name, where only letters, digits
// and "-" are safe: "<until, Unix seconds>-<token>".
func (l Lease) Suffix() string {
	return strconv.FormatInt(l.Until.Unix(), 10) + "-" + l.Token
}

// ParseLeaseSuffix reads what Suffix wrote. A suffix without a time
// (written before leases: the token alone) is a lease that has expired.
func ParseLeaseSuffix(s string) Lease {
	secs, token, ok := strings.Cut(s, "-")
	if n, err := strconv.ParseInt(secs, 10, 64); ok && err == nil && n > 0 {
		return Lease{Token: token, Until: time.Unix(n, 0).UTC()}
	}
	return Lease{Token: s}
}

// InProgressError is the refusal of a create that found objects of its
// name that another create may still be making.
type InProgressError struct {
	// Kind and Name are what is being created: "network", "wh-1".
	Kind, Name string
	// Lease is the other create's.
	Lease Lease
	// Objects are the ids of what the other create made so far.
	Objects []string
}

func (e *InProgressError) Error() string {
	if e.Lease.Until.IsZero() {
		return fmt.Sprintf("the %s %s has objects that carry no mark yet: %s. A create of it died right after making them, "+
			"or another run is making them now: nothing was deleted. If no other run is creating %s, delete them "+
			"(the cloud's console or CLI) and apply again",
			e.Kind, e.Name, strings.Join(e.Objects, ", "), e.Name)
	}
	return fmt.Sprintf("another run is creating the %s %s, or died doing so: it made %s, under the lease of client token %s, "+
		"which runs until %s. Nothing was deleted. If that run is still going, let it finish. If it died, apply again after %s, "+
		"when the next create removes what it made, or now with HEALTH_TAKE_OVER=%s set, which declares that run dead",
		e.Kind, e.Name, strings.Join(e.Objects, ", "), e.Lease.Token, e.Lease.Until.UTC().Format(time.RFC3339),
		e.Lease.Until.Add(LeaseSkew).UTC().Format(time.RFC3339), e.Lease.Token)
}

// Is makes an InProgressError an ErrConflict: the name is taken, for now.
func (e *InProgressError) Is(target error) bool { return target == ErrConflict }

// InFlight is the set of creates a provider process is running, by token.
type InFlight struct{ m sync.Map }

// Start records a create in progress; the returned func ends it.
func (f *InFlight) Start(token string) (done func()) {
	f.m.Store(token, struct{}{})
	return func() { f.m.Delete(token) }
}

// Running reports whether the create of token is in progress in this
// process.
func (f *InFlight) Running(token string) bool {
	_, ok := f.m.Load(token)
	return ok
}
