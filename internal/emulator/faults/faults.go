// Package faults counts the emulator's API calls and injects failures into
// them: latency, error statuses at a seeded rate, a one-shot failure of the
// Nth call, and dropped connections.
//
// Calls are named "<service>:<action>", for example "outscale:CreateNet",
// "ovh:POST /1.0/cloud/project/{serviceName}/network/private" or
// "s3:CreateBucket". Rules select calls with a glob in which "*" matches any
// run of characters (slashes included).
package faults

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Rule is one fault to inject. The zero value of each field means "not this
// kind of fault"; a rule with Rate and Nth both zero only adds latency.
type Rule struct {
	// ID is assigned by the injector when the rule is added.
	ID string `json:"id"`
	// Action selects calls: a glob over "<service>:<action>".
	Action string `json:"action"`
	// LatencyMS delays every matching call by this many milliseconds.
	LatencyMS int `json:"latency_ms,omitempty"`
	// Rate is the probability, in [0, 1], that a matching call fails.
	Rate float64 `json:"rate,omitempty"`
	// Nth fails only the Nth matching call (1-based, counted from when the
	// rule was added); the rule is then spent and removed.
	Nth int `json:"nth,omitempty"`
	// Statuses are the HTTP statuses a failure answers with, picked at random
	// when there are several. Default: 503.
	Statuses []int `json:"statuses,omitempty"`
	// Drop closes the connection instead of answering a failing call:
	// "before" the call is handled, or "after" it was handled and its
	// response thrown away (the nastier case for non-idempotent calls).
	Drop string `json:"drop,omitempty"`
	// Seed makes Rate decisions reproducible. Each action gets its own
	// random stream derived from the seed, so the outcome of a call does not
	// depend on how calls to other actions interleave with it.
	Seed uint64 `json:"seed,omitempty"`
	// Matched counts the calls this rule has seen (read-only).
	Matched int `json:"matched"`
	// Injected counts the failures this rule has caused (read-only).
	Injected int `json:"injected"`
}

// Decision is what the injector decided for one call.
type Decision struct {
	Latency time.Duration
	// Status is the HTTP status to fail with, or 0 to serve the call.
	Status int
	// Drop is "", "before" or "after".
	Drop string
}

// Fails reports whether the call must not be served normally.
func (d Decision) Fails() bool { return d.Status != 0 || d.Drop != "" }

// Injector holds the rules and the per-action call counts. It is safe for
// concurrent use.
type Injector struct {
	mu     sync.Mutex
	rules  []*rule
	counts map[string]int
	nextID int
	hook   Hook
	// held counts the calls the hook has seen and that are not yet served
	// or dropped; idle is signalled when it falls to zero.
	held int
	idle *sync.Cond
}

// Hook sees every call, in the order calls arrive, before it is served
// (and before any injected latency): in-process tests use it to learn the
// order of calls, or to hold one call while they do something (such as
// killing the client that sent it; ctx, the request's, ends when the
// client goes away). It runs outside the injector's lock and may block.
// Its result decides what happens to a call whose client went away while
// the hook held it: true serves it anyway (a server that applies a request
// whose answer nobody will read), false drops it.
type Hook func(ctx context.Context, action string) (serveIfAbandoned bool)

// SetHook installs h; nil removes the hook.
func (inj *Injector) SetHook(h Hook) {
	inj.mu.Lock()
	defer inj.mu.Unlock()
	inj.hook = h
}

type rule struct {
	Rule
	match   *regexp.Regexp
	streams map[string]*rand.Rand
}

// New returns an injector with no rules.
func New() *Injector {
	inj := &Injector{counts: map[string]int{}}
	inj.idle = sync.NewCond(&inj.mu)
	return inj
}

// Settle waits until every call the hook has seen is served or dropped. A
// call the hook held past its client's departure is served (or not) after
// the hook returns, on the server's own time: a test that killed the client
// calls Settle before looking at what the call left, or before the next
// run, which must find it.
func (inj *Injector) Settle() {
	inj.mu.Lock()
	defer inj.mu.Unlock()
	for inj.held > 0 {
		inj.idle.Wait()
	}
}

// Add validates r and adds it, returning it with its ID set.
func (inj *Injector) Add(r Rule) (Rule, error) {
	if r.Action == "" {
		return Rule{}, errors.New(`fault rule: "action" is required (a glob such as "outscale:Create*" or "*")`)
	}
	if r.Rate < 0 || r.Rate > 1 {
		return Rule{}, fmt.Errorf("fault rule: rate %v is outside [0, 1]", r.Rate)
	}
	if r.Nth < 0 || r.LatencyMS < 0 {
		return Rule{}, errors.New("fault rule: nth and latency_ms must not be negative")
	}
	if r.Rate > 0 && r.Nth > 0 {
		return Rule{}, errors.New("fault rule: set rate or nth, not both")
	}
	switch r.Drop {
	case "", "before", "after":
	default:
		return Rule{}, fmt.Errorf(`fault rule: drop %q must be "before" or "after"`, r.Drop)
	}
	for _, s := range r.Statuses {
		if s < 400 || s > 599 {
			return Rule{}, fmt.Errorf("fault rule: status %d is not an HTTP error status (400-599)", s)
		}
	}
	if len(r.Statuses) == 0 && r.Drop == "" && (r.Rate > 0 || r.Nth > 0) {
		r.Statuses = []int{http.StatusServiceUnavailable}
	}
	inj.mu.Lock()
	defer inj.mu.Unlock()
	inj.nextID++
	r.ID = "fault-" + strconv.Itoa(inj.nextID)
	r.Matched, r.Injected = 0, 0
	inj.rules = append(inj.rules, &rule{Rule: r, match: glob(r.Action), streams: map[string]*rand.Rand{}})
	return r, nil
}

// Rules returns the active rules.
func (inj *Injector) Rules() []Rule {
	inj.mu.Lock()
	defer inj.mu.Unlock()
	out := make([]Rule, 0, len(inj.rules))
	for _, r := range inj.rules {
		out = append(out, r.Rule)
	}
	return out
}

// Remove deletes the rule with the given ID and reports whether it existed.
func (inj *Injector) Remove(id string) bool {
	inj.mu.Lock()
	defer inj.mu.Unlock()
	for i, r := range inj.rules {
		if r.ID == id {
			inj.rules = append(inj.rules[:i], inj.rules[i+1:]...)
			return true
		}
	}
	return false
}

// Clear removes every rule.
func (inj *Injector) Clear() {
	inj.mu.Lock()
	defer inj.mu.Unlock()
	inj.rules = nil
}

// Counts returns how many times each action was called.
func (inj *Injector) Counts() map[string]int {
	inj.mu.Lock()
	defer inj.mu.Unlock()
	out := make(map[string]int, len(inj.counts))
	for k, v := range inj.counts {
		out[k] = v
	}
	return out
}

// ResetCounts sets every call count back to zero.
func (inj *Injector) ResetCounts() {
	inj.mu.Lock()
	defer inj.mu.Unlock()
	inj.counts = map[string]int{}
}

// Call counts one call to action and decides what happens to it. The first
// rule that fails the call wins; latencies of the rules up to it add up.
func (inj *Injector) Call(action string) Decision {
	inj.mu.Lock()
	defer inj.mu.Unlock()
	inj.counts[action]++
	var d Decision
	kept := inj.rules[:0]
	for _, r := range inj.rules {
		// A call already failed by an earlier rule does not count for later
		// ones: two "nth: 1" rules fail two calls in a row.
		if d.Fails() || !r.match.MatchString(action) {
			kept = append(kept, r)
			continue
		}
		r.Matched++
		d.Latency += time.Duration(r.LatencyMS) * time.Millisecond
		fail, spent := false, false
		switch {
		case r.Nth > 0:
			fail = r.Matched == r.Nth
			spent = fail
		case r.Rate > 0:
			fail = r.stream(action).Float64() < r.Rate
		}
		if fail {
			r.Injected++
			d.Drop = r.Drop
			if r.Drop == "" {
				d.Status = r.Statuses[r.stream(action).IntN(len(r.Statuses))]
			}
		}
		if !spent {
			kept = append(kept, r)
		}
	}
	inj.rules = kept
	return d
}

func (r *rule) stream(action string) *rand.Rand {
	s, ok := r.streams[action]
	if !ok {
		h := fnv.New64a()
		_, _ = h.Write([]byte(action))
		s = rand.New(rand.NewPCG(r.Seed, h.Sum64()))
		r.streams[action] = s
	}
	return s
}

// Serve runs one call through the injector: it waits the injected latency,
// then drops the connection, answers with renderError, or calls serve (and
// throws its answer away when the rule drops the connection afterwards).
func (inj *Injector) Serve(w http.ResponseWriter, r *http.Request, action string,
	renderError func(w http.ResponseWriter, status int), serve func(w http.ResponseWriter)) {
	inj.mu.Lock()
	hook := inj.hook
	if hook != nil {
		inj.held++
	}
	inj.mu.Unlock()
	if hook != nil {
		// Go's server notices a client gone only once the request's body
		// has been read: read it now, so that the hook's ctx ends when the
		// client goes away, as Hook promises, whatever the call's body.
		if body, err := io.ReadAll(r.Body); err == nil {
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		defer func() {
			inj.mu.Lock()
			if inj.held--; inj.held == 0 {
				inj.idle.Broadcast()
			}
			inj.mu.Unlock()
		}()
		serveIfAbandoned := hook(r.Context(), action)
		if r.Context().Err() != nil {
			if serveIfAbandoned {
				serve(&discardWriter{header: http.Header{}})
			}
			return
		}
	}
	d := inj.Call(action)
	if d.Latency > 0 {
		t := time.NewTimer(d.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	switch {
	case d.Drop == "before":
		panic(http.ErrAbortHandler)
	case d.Drop == "after":
		serve(&discardWriter{header: http.Header{}})
		panic(http.ErrAbortHandler)
	case d.Status != 0:
		renderError(w, d.Status)
	default:
		serve(w)
	}
}

func glob(pattern string) *regexp.Regexp {
	parts := strings.Split(pattern, "*")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile("^" + strings.Join(parts, ".*") + "$")
}

// discardWriter takes a response that will never be sent.
type discardWriter struct {
	header http.Header
	body   bytes.Buffer
}

func (d *discardWriter) Header() http.Header         { return d.header }
func (d *discardWriter) Write(b []byte) (int, error) { return d.body.Write(b) }
func (d *discardWriter) WriteHeader(int)             {}
