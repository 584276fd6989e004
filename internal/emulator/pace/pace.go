// Package pace sets how long the emulator's transient states last.
//
// An object in a transient state (a NAT service "pending", a VM "pending",
// a private network "BUILDING", an operation "in-progress", …) moves on in
// two ways, as on the real clouds, where states advance with time whether
// anyone looks or not:
//
//   - at a read that shows it: by default the first such read (tests never
//     wait); a Pace makes it stay until it has been shown Reads times and
//     Delay has passed since the first read that showed it;
//   - at any call of anything, once it has been in that state for Hold: an
//     object nobody reads again (a Net access point deleted by a client
//     that does not wait, a gateway whose operation was the thing watched)
//     does not stay transient forever.
//
// Tests leave the Pace nil; benchmarks set one for the clouds' asynchrony.
package pace

import (
	"sync"
	"time"
)

// Pace gates the transitions of transient states. A nil *Pace lets every
// transition happen at once.
type Pace struct {
	// Reads is how many reads must show a transient state before it moves
	// on (at least 1).
	Reads int
	// Delay is how long a transient state lasts at least, from the first
	// read that showed it.
	Delay time.Duration
	// Now is the clock; nil is time.Now.
	Now func() time.Time

	mu   sync.Mutex
	seen map[string]*sighting
}

// DefaultHold is how long a transient state lasts, at most, without a Pace
// (or with a shorter Delay): long enough that a client's create-then-read
// sees the state it would see on the real cloud, short enough that nothing
// waits on it.
const DefaultHold = time.Second

// Hold is how long an object stays in a transient state before a call of
// anything, not only a read that shows it, moves it on: Delay, and never
// less than DefaultHold.
func (p *Pace) Hold() time.Duration {
	if p == nil {
		return DefaultHold
	}
	return max(p.Delay, DefaultHold)
}

// Expired reports whether an object that entered its transient state at
// since has been in it for Hold at now, so that any call moves it on. A
// zero since (a record written before states were timed) has expired.
func (p *Pace) Expired(since, now time.Time) bool {
	return since.IsZero() || now.Sub(since) >= p.Hold()
}

type sighting struct {
	first time.Time
	reads int
}

// Ready records that a read showed the object id of kind in state, and
// reports whether the object may now move on from that state.
func (p *Pace) Ready(kind, id, state string) bool {
	if p == nil {
		return true
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	key := kind + "\x00" + id + "\x00" + state
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.seen == nil {
		p.seen = map[string]*sighting{}
	}
	s, ok := p.seen[key]
	if !ok {
		s = &sighting{first: now()}
		p.seen[key] = s
	}
	s.reads++
	if s.reads < max(p.Reads, 1) || now().Sub(s.first) < p.Delay {
		return false
	}
	delete(p.seen, key)
	return true
}
