package cloud

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"
)

// recorder replaces sleeping: it records the waits and never blocks.
type recorder struct{ waits []time.Duration }

func (r *recorder) policy() RetryPolicy {
	return RetryPolicy{MaxAttempts: 5, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second,
		Sleep:  func(_ context.Context, d time.Duration) error { r.waits = append(r.waits, d); return nil },
		Jitter: func() float64 { return 0.999 }}
}

func failing(errs ...error) (func(context.Context) error, *int) {
	calls := 0
	return func(context.Context) error {
		calls++
		if calls <= len(errs) {
			return errs[calls-1]
		}
		return nil
	}, &calls
}

func apiErr(class error) error {
	return &APIError{Cloud: Outscale, Operation: "CreateNet", Status: 503, Class: class}
}

func TestRetry_throttledCallsAreRetriedWithGrowingWaits(t *testing.T) {
	t.Parallel()
	var rec recorder
	op, calls := failing(apiErr(ErrThrottled), apiErr(ErrThrottled), apiErr(ErrThrottled))
	if err := rec.policy().Do(context.Background(), false, op); err != nil {
		t.Fatalf("Do = %v, want success on the 4th attempt", err)
	}
	if *calls != 4 || len(rec.waits) != 3 {
		t.Fatalf("calls = %d, waits = %v", *calls, rec.waits)
	}
	for i := 1; i < len(rec.waits); i++ {
		if rec.waits[i] <= rec.waits[i-1] {
			t.Fatalf("waits do not grow: %v", rec.waits)
		}
	}
	if rec.waits[0] > 100*time.Millisecond {
		t.Fatalf("first wait %v exceeds the base delay", rec.waits[0])
	}
}

func TestRetry_waitsAreCappedAndHonourRetryAfter(t *testing.T) {
	t.Parallel()
	var rec recorder
	p := rec.policy()
	p.MaxAttempts = 8
	throttled := &APIError{Class: ErrThrottled, RetryAfter: 700 * time.Millisecond}
	op, _ := failing(throttled, apiErr(ErrThrottled), apiErr(ErrThrottled), apiErr(ErrThrottled), apiErr(ErrThrottled), apiErr(ErrThrottled))
	_ = p.Do(context.Background(), true, op)
	if rec.waits[0] < 700*time.Millisecond {
		t.Fatalf("first wait %v is shorter than the Retry-After the cloud asked for", rec.waits[0])
	}
	for _, w := range rec.waits {
		if w > time.Second {
			t.Fatalf("wait %v exceeds MaxDelay", w)
		}
	}
}

func TestRetry_serverFailuresAreRetriedOnlyWhenSafe(t *testing.T) {
	t.Parallel()
	dialErr := &APIError{Class: ErrUnavailable, Cause: &net.OpError{Op: "dial", Err: errors.New("connection refused")}}
	readErr := &APIError{Class: ErrUnavailable, Cause: &net.OpError{Op: "read", Err: errors.New("connection reset by peer")}}
	cases := []struct {
		name       string
		err        error
		idempotent bool
		wantCalls  int
	}{
		{"5xx on a read", apiErr(ErrUnavailable), true, 2},
		{"5xx on a create", apiErr(ErrUnavailable), false, 1},
		{"reset on a read", readErr, true, 2},
		{"reset on a create", readErr, false, 1},
		{"dial failure on a create (never sent)", dialErr, false, 2},
		{"not found", apiErr(ErrNotFound), true, 1},
		{"auth", apiErr(ErrAuth), true, 1},
		{"plain error", fmt.Errorf("boom"), true, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var rec recorder
			op, calls := failing(c.err)
			_ = rec.policy().Do(context.Background(), c.idempotent, op)
			if *calls != c.wantCalls {
				t.Fatalf("calls = %d, want %d", *calls, c.wantCalls)
			}
		})
	}
}

func TestRetry_givesUpAndReportsTheCloudsError(t *testing.T) {
	t.Parallel()
	var rec recorder
	last := apiErr(ErrThrottled)
	calls := 0
	err := rec.policy().Do(context.Background(), true, func(context.Context) error { calls++; return last })
	if calls != 5 || err != last {
		t.Fatalf("calls = %d, err = %v; want 5 attempts and the last error", calls, err)
	}

	// When the context ends during a wait, the cloud's error is returned,
	// not a bare "context canceled".
	ctx, cancel := context.WithCancel(context.Background())
	p := rec.policy()
	p.Sleep = func(context.Context, time.Duration) error { cancel(); return context.Canceled }
	err = p.Do(ctx, true, func(context.Context) error { return last })
	if err != last {
		t.Fatalf("err = %v, want the throttling error", err)
	}
}

func TestAPIError_classesAndMessage(t *testing.T) {
	t.Parallel()
	e := &APIError{Cloud: Outscale, Operation: "ReadNets", Status: 400, Code: "5065", Type: "InvalidResource",
		Message: "The NetId 'vpc-1' doesn't exist.", RequestID: "req-1", Class: ErrNotFound}
	if !errors.Is(e, ErrNotFound) || errors.Is(e, ErrConflict) {
		t.Fatal("errors.Is does not see the class")
	}
	want := "OUTSCALE ReadNets: HTTP 400 InvalidResource (5065): The NetId 'vpc-1' doesn't exist. (request id req-1)"
	if e.Error() != want {
		t.Fatalf("Error() = %q\nwant      %q", e.Error(), want)
	}
	missing := &MissingSettingsError{Cloud: OVH, Settings: []Setting{{"ovh.project_id", "OVH_CLOUD_PROJECT_SERVICE"}, {"ovh.region", ""}}}
	if !errors.Is(missing, ErrAuth) {
		t.Fatal("a MissingSettingsError is not an ErrAuth")
	}
	wantMissing := "calling OVHcloud needs provider settings that are not set: ovh.project_id (or the OVH_CLOUD_PROJECT_SERVICE environment variable), ovh.region"
	if missing.Error() != wantMissing {
		t.Fatalf("Error() = %q", missing.Error())
	}
}

func TestRecover_aLostCreateIsFoundInsteadOfSentAgain(t *testing.T) {
	t.Parallel()
	var rec recorder
	creates, finds := 0, 0
	err := rec.policy().Recover(context.Background(),
		func(context.Context) error { creates++; return apiErr(ErrUnavailable) },
		func(context.Context) (bool, error) { finds++; return true, nil })
	if err != nil || creates != 1 || finds != 1 {
		t.Fatalf("Recover = %v after %d creates and %d finds, want success after one of each", err, creates, finds)
	}
}

func TestRecover_aCreateThatDidNotApplyIsSentAgain(t *testing.T) {
	t.Parallel()
	var rec recorder
	create, creates := failing(apiErr(ErrUnavailable), apiErr(ErrUnavailable))
	finds := 0
	err := rec.policy().Recover(context.Background(), create,
		func(context.Context) (bool, error) { finds++; return false, nil })
	if err != nil || *creates != 3 || finds != 2 || len(rec.waits) != 2 {
		t.Fatalf("Recover = %v after %d creates, %d finds, waits %v", err, *creates, finds, rec.waits)
	}
}

func TestRecover_stopsOnWhatCannotHaveApplied(t *testing.T) {
	t.Parallel()
	for name, class := range map[string]error{"invalid": ErrInvalid, "conflict": ErrConflict, "auth": ErrAuth} {
		var rec recorder
		create, creates := failing(apiErr(class))
		err := rec.policy().Recover(context.Background(), create,
			func(context.Context) (bool, error) { t.Fatalf("%s: find called", name); return false, nil })
		if !errors.Is(err, class) || *creates != 1 {
			t.Fatalf("%s: Recover = %v after %d creates", name, err, *creates)
		}
	}
}

func TestRecover_aFailedFindEndsItWithBothErrors(t *testing.T) {
	t.Parallel()
	var rec recorder
	create, _ := failing(apiErr(ErrUnavailable))
	lookup := errors.New("listing failed")
	err := rec.policy().Recover(context.Background(), create, func(context.Context) (bool, error) { return false, lookup })
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, lookup) {
		t.Fatalf("Recover = %v, want both the create's and the find's errors", err)
	}
}

func TestRecover_givesUpAfterTheAttempts(t *testing.T) {
	t.Parallel()
	var rec recorder
	creates := 0
	err := rec.policy().Recover(context.Background(),
		func(context.Context) error { creates++; return apiErr(ErrUnavailable) },
		func(context.Context) (bool, error) { return false, nil })
	if !errors.Is(err, ErrUnavailable) || creates != 5 {
		t.Fatalf("Recover = %v after %d creates, want the error after 5", err, creates)
	}
}

func TestParallel_runsEveryStepAndJoinsTheirErrors(t *testing.T) {
	t.Parallel()
	first, third := errors.New("first"), errors.New("third")
	ran := make([]bool, 3)
	err := Parallel(context.Background(),
		func(context.Context) error { ran[0] = true; return first },
		func(context.Context) error { ran[1] = true; return nil },
		func(context.Context) error { ran[2] = true; return third })
	if !ran[0] || !ran[1] || !ran[2] {
		t.Fatalf("a step did not run after another failed: %v", ran)
	}
	if !errors.Is(err, first) || !errors.Is(err, third) {
		t.Fatalf("err = %v, want both failures", err)
	}
	if err := Each(context.Background(), []int{1, 2, 3}, func(context.Context, int) error { return nil }); err != nil {
		t.Fatal(err)
	}
}
