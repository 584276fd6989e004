package cloud

// The four building blocks of a warehouse. Each cloud implements each block;
// a block's interface joins Cloud when its resource lands.
//
// Contract shared by every Create: it returns the object as far as it got,
// even with an error, listing every cloud object it made (in the Cloud IDs
// of the returned value), so that the resource can save a tainted state that
// Delete cleans up completely. Every cloud object it makes is tagged with the
// resource's name and ClientToken, so that a Read can find objects created
// by a run that died before Terraform saved any state.
//
// Read returns ErrNotFound when the object is gone. Delete treats objects
// already gone as deleted, and deletes in dependency order.
