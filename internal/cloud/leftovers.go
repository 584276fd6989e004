package cloud

import "sync"

// Leftovers of creates that died.
//
// Terraform saves a resource's state only when its create returns: a
// provider killed half-way through a create (a SIGKILL, a lost machine, a
// CI job cancelled hard) leaves cloud objects that no state names. The
// next apply creates the resource again. So that the first attempt's
// objects are not orphaned, a create that makes several objects marks its
// first one as "being created" (TagCreating on OUTSCALE, a provisional
// name on OVHcloud) until it returns, and a create first deletes the
// marked objects of the same name that no create of this provider process
// is still making.
//
// What this cannot tell apart: two Terraform runs, in two processes,
// creating an object of the same name in the same account at the same
// time; the second would delete the first's work in progress. Names are
// meant to be unique in an account, and the plan shows them.

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
