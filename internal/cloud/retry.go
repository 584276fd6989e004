package cloud

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"time"

	"golang.org/x/time/rate"
)

// RetryPolicy retries calls that the cloud throttled or failed on its side,
// with full-jitter exponential backoff: the n-th wait is a random duration
// in [0, min(MaxDelay, BaseDelay·2ⁿ)], and never shorter than a Retry-After
// the cloud asked for.
type RetryPolicy struct {
	MaxAttempts int           // attempts in all, first included
	BaseDelay   time.Duration // cap of the first wait
	MaxDelay    time.Duration // cap of any wait
	// Sleep waits d or until ctx ends; tests replace it to observe the waits.
	Sleep func(ctx context.Context, d time.Duration) error
	// Jitter returns a number in [0, 1); tests replace it for determinism.
	Jitter func() float64
}

// DefaultRetry is the policy used when Options.Retry is the zero value:
// up to 10 attempts, waits capped at 0.5 s doubling to 20 s (about a minute
// and a half of retrying at most, unless the context ends first).
var DefaultRetry = RetryPolicy{MaxAttempts: 10, BaseDelay: 500 * time.Millisecond, MaxDelay: 20 * time.Second}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = DefaultRetry.MaxAttempts
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = DefaultRetry.BaseDelay
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = DefaultRetry.MaxDelay
	}
	if p.Sleep == nil {
		p.Sleep = sleep
	}
	if p.Jitter == nil {
		p.Jitter = rand.Float64
	}
	return p
}

// Retryable reports whether a call that failed with err may be sent again.
// Throttling refuses a call before it has any effect, so it is always
// retried; a failure on the cloud's side or a broken connection may have
// left the call applied, so it is retried only when the call is idempotent
// (reads, deletes, creates carrying a client token), or when the request
// provably never left (the connection could not be opened).
func Retryable(err error, idempotent bool) bool {
	switch {
	case errors.Is(err, ErrThrottled):
		return true
	case errors.Is(err, ErrUnavailable):
		return idempotent || notSent(err)
	default:
		return false
	}
}

// notSent reports a transport failure that happened before the request was
// written: dialing failed.
func notSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// Do runs op until it succeeds, fails in a way that must not be retried,
// runs out of attempts, or ctx ends. It returns op's last error.
func (p RetryPolicy) Do(ctx context.Context, idempotent bool, op func(ctx context.Context) error) error {
	p = p.withDefaults()
	var err error
	for attempt := 0; attempt < p.MaxAttempts; attempt++ {
		if err = op(ctx); err == nil || !Retryable(err, idempotent) || attempt == p.MaxAttempts-1 {
			return err
		}
		if waitErr := p.Sleep(ctx, p.delay(attempt, err)); waitErr != nil {
			return err // the context ended: report what the cloud said, not "context canceled"
		}
	}
	return err
}

// MayHaveApplied reports whether a call that failed with err may still
// have taken effect: the cloud failed on its side, or the answer was lost.
func MayHaveApplied(err error) bool { return errors.Is(err, ErrUnavailable) }

// Recover runs a create that the cloud cannot deduplicate (no client token)
// until it succeeds. When it fails in a way that may have applied it (see
// MayHaveApplied), find looks for the object the lost call may have made:
// found, the create is done; not found, the call is sent again after a
// backoff, up to the policy's attempts. Other failures, and a find that
// fails, end it with the create's error. find must recognise the object
// unambiguously (a name or a block no other object can hold); create and
// find record what they got themselves.
func (p RetryPolicy) Recover(ctx context.Context, create func(ctx context.Context) error,
	find func(ctx context.Context) (bool, error)) error {
	p = p.withDefaults()
	var err error
	for attempt := 0; attempt < p.MaxAttempts; attempt++ {
		if err = create(ctx); err == nil || !MayHaveApplied(err) {
			return err
		}
		found, findErr := find(ctx)
		if findErr != nil {
			return errors.Join(err, findErr)
		}
		if found {
			return nil
		}
		if attempt == p.MaxAttempts-1 {
			break
		}
		if waitErr := p.Sleep(ctx, p.delay(attempt, err)); waitErr != nil {
			return err
		}
	}
	return err
}

func (p RetryPolicy) delay(attempt int, err error) time.Duration {
	ceiling := p.MaxDelay
	if attempt < 30 {
		if d := p.BaseDelay << attempt; d > 0 && d < ceiling {
			ceiling = d
		}
	}
	d := time.Duration(p.Jitter() * float64(ceiling))
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.RetryAfter > d {
		d = min(apiErr.RetryAfter, p.MaxDelay)
	}
	return d
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// DefaultRequestsPerSecond is the call rate of a client when the provider
// sets none. OUTSCALE's own SDK (osc-sdk-go v3) limits itself to 5 calls per
// second; OVHcloud publishes no figure, and its own Terraform provider sets
// no limit by default: 20 per second keeps well clear of abuse.
var DefaultRequestsPerSecond = map[string]float64{Outscale: 5, OVH: 20}

// Limiter spaces a client's calls to a steady rate, allowing short bursts.
type Limiter struct{ l *rate.Limiter }

// NewLimiter returns a limiter of rps calls per second with a burst of
// twice that (at least 1).
func NewLimiter(rps float64) *Limiter {
	burst := int(2 * rps)
	if burst < 1 {
		burst = 1
	}
	return &Limiter{l: rate.NewLimiter(rate.Limit(rps), burst)}
}

// Wait blocks until the next call may go, or ctx ends.
func (l *Limiter) Wait(ctx context.Context) error { return l.l.Wait(ctx) }
