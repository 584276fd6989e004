package faults

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func TestInjector_countsCalls(t *testing.T) {
	t.Parallel()
	inj := New()
	inj.Call("outscale:CreateNet")
	inj.Call("outscale:CreateNet")
	inj.Call("ovh:GET /1.0/auth/time")
	got := inj.Counts()
	if got["outscale:CreateNet"] != 2 || got["ovh:GET /1.0/auth/time"] != 1 {
		t.Fatalf("Counts = %v", got)
	}
	inj.ResetCounts()
	if len(inj.Counts()) != 0 {
		t.Fatalf("Counts after reset = %v", inj.Counts())
	}
}

func TestInjector_nthFailsExactlyOnce(t *testing.T) {
	t.Parallel()
	inj := New()
	if _, err := inj.Add(Rule{Action: "outscale:Create*", Nth: 3, Statuses: []int{500}}); err != nil {
		t.Fatal(err)
	}
	var statuses []int
	for _, a := range []string{"outscale:CreateNet", "outscale:ReadNets", "outscale:CreateSubnet", "outscale:CreateSubnet", "outscale:CreateSubnet"} {
		statuses = append(statuses, inj.Call(a).Status)
	}
	want := []int{0, 0, 0, 500, 0} // ReadNets does not match; the 3rd Create* call fails
	for i := range want {
		if statuses[i] != want[i] {
			t.Fatalf("statuses = %v, want %v", statuses, want)
		}
	}
	if len(inj.Rules()) != 0 {
		t.Fatalf("a spent nth rule is still active: %+v", inj.Rules())
	}
}

func TestInjector_rateIsSeededPerAction(t *testing.T) {
	t.Parallel()
	run := func(interleave bool) []bool {
		inj := New()
		if _, err := inj.Add(Rule{Action: "*", Rate: 0.3, Seed: 42, Statuses: []int{503, 429}}); err != nil {
			t.Fatal(err)
		}
		var fails []bool
		for range 200 {
			if interleave {
				inj.Call("ovh:GET /1.0/other")
			}
			d := inj.Call("outscale:CreateNet")
			if d.Status != 0 && d.Status != 503 && d.Status != 429 {
				t.Fatalf("status %d not among the rule's statuses", d.Status)
			}
			fails = append(fails, d.Fails())
		}
		return fails
	}
	a, b := run(false), run(true)
	n := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("call %d of CreateNet changed outcome when other actions were interleaved", i)
		}
		if a[i] {
			n++
		}
	}
	if n < 30 || n > 90 {
		t.Fatalf("%d failures out of 200 at rate 0.3", n)
	}
}

func TestInjector_rejectsBadRules(t *testing.T) {
	t.Parallel()
	for _, r := range []Rule{
		{},
		{Action: "*", Rate: 1.5},
		{Action: "*", Rate: 0.1, Nth: 2},
		{Action: "*", Drop: "sideways"},
		{Action: "*", Nth: 1, Statuses: []int{200}},
	} {
		if _, err := New().Add(r); err == nil {
			t.Errorf("Add(%+v) accepted a bad rule", r)
		}
	}
}

func serveThrough(inj *Injector, action string) (*http.Response, error) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inj.Serve(w, r, action,
			func(w http.ResponseWriter, status int) { w.WriteHeader(status); _, _ = io.WriteString(w, "injected") },
			func(w http.ResponseWriter) { _, _ = io.WriteString(w, "served") })
	}))
	defer srv.Close()
	return srv.Client().Get(srv.URL)
}

func TestInjector_serve(t *testing.T) {
	t.Parallel()
	inj := New()
	resp, err := serveThrough(inj, "s3:CreateBucket")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "served" {
		t.Fatalf("no rule: %d %q", resp.StatusCode, body)
	}

	_, _ = inj.Add(Rule{Action: "s3:*", Nth: 1, Statuses: []int{429}})
	resp, err = serveThrough(inj, "s3:CreateBucket")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 429 || string(body) != "injected" {
		t.Fatalf("nth rule: %d %q", resp.StatusCode, body)
	}

	for _, when := range []string{"before", "after"} {
		_, _ = inj.Add(Rule{Action: "s3:*", Nth: 1, Drop: when})
		if resp, err := serveThrough(inj, "s3:CreateBucket"); err == nil {
			resp.Body.Close()
			t.Fatalf("drop %s: got a response (%d), want a dropped connection", when, resp.StatusCode)
		} else if !strings.Contains(err.Error(), "EOF") {
			t.Logf("drop %s: %v", when, err)
		}
	}
}

func TestInjector_stackedOneShotsFailConsecutiveCalls(t *testing.T) {
	t.Parallel()
	inj := New()
	_, _ = inj.Add(Rule{Action: "x:A", Nth: 1, Statuses: []int{503}})
	_, _ = inj.Add(Rule{Action: "x:A", Nth: 1, Statuses: []int{429}})
	got := []int{inj.Call("x:A").Status, inj.Call("x:A").Status, inj.Call("x:A").Status}
	if got[0] != 503 || got[1] != 429 || got[2] != 0 {
		t.Fatalf("statuses = %v, want [503 429 0]", got)
	}
}

// A hook sees calls in order and can hold one; a call whose client went
// away while it was held is served or dropped as the hook says.
func TestInjector_hookSeesAndHoldsCalls(t *testing.T) {
	t.Parallel()
	inj := New()
	var seen []string
	inj.SetHook(func(_ context.Context, action string) bool { seen = append(seen, action); return false })
	for _, a := range []string{"s3:CreateBucket", "s3:PutBucketPolicy"} {
		resp, err := serveThrough(inj, a)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if strings.Join(seen, ",") != "s3:CreateBucket,s3:PutBucketPolicy" {
		t.Fatalf("the hook saw %v", seen)
	}

	for _, serveIfAbandoned := range []bool{false, true} {
		held := make(chan struct{})
		inj.SetHook(func(ctx context.Context, _ string) bool {
			close(held)
			<-ctx.Done() // hold the call until its client is gone
			return serveIfAbandoned
		})
		served := make(chan bool, 1)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			done := false
			inj.Serve(w, r, "s3:CreateBucket", func(w http.ResponseWriter, status int) { w.WriteHeader(status) },
				func(http.ResponseWriter) { done = true })
			served <- done
		}))
		go func() {
			if resp, err := srv.Client().Get(srv.URL); err == nil {
				resp.Body.Close()
			}
		}()
		<-held
		srv.CloseClientConnections() // the client goes away
		if got := <-served; got != serveIfAbandoned {
			t.Fatalf("serveIfAbandoned = %v: served = %v", serveIfAbandoned, got)
		}
		srv.Close()
	}
}

// A call the hook held past its client's departure is served afterwards,
// on the server's time; Settle returns only once it has been: a kill test
// that applies again at once must find what that call made. The hook's ctx
// ends when the client goes away even when the call's body was not read.
func TestSettle_waitsForTheAbandonedCallToBeServed(t *testing.T) {
	t.Parallel()
	inj := New()
	held := make(chan struct{})
	inj.SetHook(func(ctx context.Context, _ string) bool {
		close(held)
		<-ctx.Done()
		return true
	})
	release := make(chan struct{})
	var served atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inj.Serve(w, r, "ovh:POST /v2/okms/resource/{okmsId}/serviceKey", func(w http.ResponseWriter, status int) { w.WriteHeader(status) },
			func(http.ResponseWriter) { <-release; served.Store(true) })
	}))
	defer srv.Close()
	go func() {
		// A body the handler has not read yet: Go's server notices a client
		// gone only once it is read, so the injector reads it before the hook.
		if resp, err := srv.Client().Post(srv.URL, "application/json", strings.NewReader(`{"name":"raw"}`)); err == nil {
			resp.Body.Close()
		}
	}()
	<-held
	srv.CloseClientConnections()
	settled := make(chan struct{})
	go func() { inj.Settle(); close(settled) }()
	select {
	case <-settled:
		t.Fatal("Settle returned while the abandoned call was still being served")
	case release <- struct{}{}:
	}
	<-settled
	if !served.Load() {
		t.Fatal("Settle returned before the abandoned call was served")
	}
}
