package ovh

import (
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// States move on with time.
//
// On the real cloud a network builds, an operation runs and a user is made
// whether anyone looks or not. Reads move what they show one step on (see
// network.go); besides, every record in a transient state carries the time
// it entered it, and at the start of every call of a project (in a
// transaction just before the call's, so that a call that fails does not
// undo it) the records of every project that have been in their state for
// pace.Hold move on. A record that has waited several Holds
// moves as many steps, each one dated a Hold after the previous one, so
// that an operation nobody watched for a minute is completed, not merely
// started. Calls outside a project (/auth/time, /me) do not sweep. The
// sweep also forgets the API-side settings of buckets deleted through S3.

// sweep moves on every record whose transient state has lasted Hold.
func (h *Handler) sweep(tx store.Tx) error {
	now := h.opts.Now()
	expired := func(since time.Time) bool { return h.opts.Pace.Expired(since, now) }
	// next is when a record that entered its state at since left it.
	next := func(since time.Time) time.Time {
		if since.IsZero() {
			return now
		}
		return since.Add(h.opts.Pace.Hold())
	}

	networks, err := store.List[networkRecord](tx, collNetworks)
	if err != nil {
		return err
	}
	for _, n := range networks {
		if (n.Status == statusBuilding || n.Status == statusDeleting) && expired(n.Since) {
			if err := n.answered(tx); err != nil {
				return err
			}
		}
	}

	// Operations before gateways: completing a creation builds its gateway.
	ops, err := store.List[operationRecord](tx, collOperations)
	if err != nil {
		return err
	}
	for _, op := range ops {
		moved := false
		for op.Status != opCompleted && expired(op.Since) {
			if op, err = advanceOperation(tx, op, next(op.Since)); err != nil {
				return err
			}
			moved = true
		}
		if moved {
			if err := store.Put(tx, collOperations, op.ID, op); err != nil {
				return err
			}
		}
	}

	users, err := store.List[userRecord](tx, collUsers)
	if err != nil {
		return err
	}
	for _, u := range users {
		if (u.Status == userCreating || u.Status == userDeleting) && expired(u.Since) {
			if err := u.answered(tx, now); err != nil {
				return err
			}
		}
	}

	instances, err := store.List[instanceRecord](tx, collInstances)
	if err != nil {
		return err
	}
	for _, r := range instances {
		for r.transient() && expired(r.Since) {
			at := next(r.Since)
			gone, err := r.moveOn(tx, at)
			if err != nil {
				return err
			}
			if gone {
				break
			}
			if r, _, err = store.Get[instanceRecord](tx, collInstances, r.ID); err != nil {
				return err
			}
		}
	}
	return forgetContainerSettings(tx)
}
