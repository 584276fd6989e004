package outscale

import (
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// Transient states move on in two ways, as on the real cloud where they
// advance whether anyone looks or not (see package pace):
//
//   - at a read that shows the object (readNatServices, readNetAccessPoints,
//     readVMs), gated by the Pace;
//   - at the start of any call, once the object has been in its state for
//     pace.Hold(): sweep below. A Net access point deleted by a client that
//     never reads it again, or a VM whose termination nobody watches, does
//     not stay transient forever.
//
// A record in a transient state carries the time it entered that state
// (StateSince). The terminal states, a NAT service or Net access point
// "deleted" and a VM "terminated", are what the real API lists for a while
// after the object is gone; the emulator drops them at the next read that
// shows them or after linger, whichever comes first.

// stage is where a state stands in its state machine.
type stage int

const (
	settled   stage = iota // nothing moves it on by itself
	moving                 // transient: moves on after pace.Hold()
	lingering              // terminal: the record goes away after linger
)

// lingerHolds is how many Holds a terminal record stays listed unread. A
// minute with the default Hold: long enough that a client polling every
// 10 s (terraform-plugin-sdk's StateChangeConf backs off to 10 s) sees the
// terminal state before it goes; the real API keeps deleted NAT services
// and terminated VMs listed longer (about an hour, as EC2 does; unverified).
const lingerHolds = 60

func (h *Handler) linger() time.Duration { return lingerHolds * h.opts.Pace.Hold() }

// due reports whether a record in a state of stage st, entered at since,
// moves on now.
func (h *Handler) due(st stage, since, now time.Time) bool {
	switch st {
	case moving:
		return h.opts.Pace.Expired(since, now)
	case lingering:
		return since.IsZero() || now.Sub(since) >= h.linger()
	}
	return false
}

// sweep moves on every record, of any account, whose state has lasted long
// enough. It looks in a read-only transaction first, so that a call finds
// nothing to do without taking the write lock, and re-checks what it moves
// inside the write transaction.
func (h *Handler) sweep() error {
	now := h.opts.Now()
	var pending bool
	err := h.opts.Store.View(func(tx store.Tx) error {
		var err error
		pending, err = h.sweepIn(tx, now, true)
		return err
	})
	if err != nil || !pending {
		return err
	}
	return h.opts.Store.Update(func(tx store.Tx) error {
		_, err := h.sweepIn(tx, now, false)
		return err
	})
}

// sweepIn finds the records due now; unless dryRun, it moves them on. It
// reports whether it found any.
func (h *Handler) sweepIn(tx store.Tx, now time.Time, dryRun bool) (bool, error) {
	found := false
	nats, err := store.List[natServiceRecord](tx, collNatServices)
	if err != nil {
		return false, err
	}
	for _, n := range nats {
		if h.due(natStage(n.State), n.StateSince, now) {
			found = true
			if !dryRun {
				if err := advanceNatService(tx, n, now); err != nil {
					return false, err
				}
			}
		}
	}
	points, err := store.List[netAccessPointRecord](tx, collNetAccessPoints)
	if err != nil {
		return false, err
	}
	for _, p := range points {
		if h.due(accessPointStage(p.State), p.StateSince, now) {
			found = true
			if !dryRun {
				if err := advanceNetAccessPoint(tx, p, now); err != nil {
					return false, err
				}
			}
		}
	}
	vms, err := store.List[vmRecord](tx, collVMs)
	if err != nil {
		return false, err
	}
	for _, vm := range vms {
		if h.due(vmStage(vm.State), vm.StateSince, now) {
			found = true
			if !dryRun {
				if err := advanceVM(tx, vm, now); err != nil {
					return false, err
				}
			}
		}
	}
	// A volume whose VM is gone without being terminated through the API
	// (deleted through the control API, as a drift test does) goes the
	// way the VM's termination would have sent it.
	volumes, err := store.List[volumeRecord](tx, collVolumes)
	if err != nil {
		return false, err
	}
	for _, v := range volumes {
		if len(v.LinkedVolumes) == 0 {
			continue
		}
		if _, exists := tx.Get(collVMs, v.LinkedVolumes[0].VMID); exists {
			continue
		}
		found = true
		if !dryRun {
			if err := orphanVolume(tx, v); err != nil {
				return false, err
			}
		}
	}
	return found, nil
}
