// Package pace slows the emulator's state machines down to a chosen pace,
// for benchmarks that want the clouds' real asynchrony.
//
// By default an object in a transient state (a NAT service "pending", a VM
// "pending", a private network "BUILDING", an operation "in-progress", …)
// moves on at the first read that shows it: tests never wait. A Pace makes
// it stay until it has been shown Reads times and Delay has passed since
// the first read that showed it in that state. Tests leave it nil.
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
