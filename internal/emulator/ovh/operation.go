package ovh

import (
	"encoding/json"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// Operations: the asynchronous work behind the gateway calls, read at
// GET /cloud/project/{serviceName}/operation/{operationId}.
//
// An operation answers "created" to the call that starts it, "in-progress"
// to its first read and "completed" to the next, which applies its effect:
// the gateway's id becomes its resourceId, a creation makes the gateway
// active (the official provider reads the gateway as soon as the operation
// names it, and takes only "active" for done), and a deletion removes the
// gateway. An operation also moves on by itself once it has been in a
// state for pace.Hold (transient.go).
//
// The real API keeps a history of operations. The emulator forgets an
// operation once the gateway it concerns is gone, at the project's next
// call, a deletion once a read saw it complete (or a minute after): it still
// has to answer "completed" to the read that sees it done, and a deleted
// network leaves nothing behind (tests count the objects left after a
// delete).

const collOperations = "ovh.operations"

// Operation statuses (cloud.OperationStatusEnum; "in-error" and "unknown"
// never happen here).
const (
	opCreated    = "created"
	opInProgress = "in-progress"
	opCompleted  = "completed"
)

// Operation actions. The real API names them "<resource>#<verb>" (the
// OVHcloud Terraform provider matches "instance#create"); the gateway's
// names follow that form, unverified.
const (
	actionGatewayCreate = "gateway#create"
	actionGatewayDelete = "gateway#delete"
)

// apiOperation is cloud.Operation.
type apiOperation struct {
	Action        string            `json:"action"`
	CompletedAt   *string           `json:"completedAt"`
	CreatedAt     string            `json:"createdAt"`
	ID            string            `json:"id"`
	Progress      int64             `json:"progress"`
	Regions       []string          `json:"regions"`
	ResourceID    *string           `json:"resourceId"`
	StartedAt     *string           `json:"startedAt"`
	Status        string            `json:"status"`
	SubOperations []json.RawMessage `json:"subOperations"` // always null here
}

type operationRecord struct {
	owner
	// GatewayID is the gateway the operation concerns, shown as the
	// resourceId once the operation completed.
	GatewayID string `json:"gateway_id"`
	// Subject, when set, is the object an operation of another block
	// concerns (an instance, compute.go), shown as the resourceId instead,
	// and kept in SubjectCollection: the operation is forgotten once it is gone.
	Subject           string `json:"subject,omitempty"`
	SubjectCollection string `json:"subject_collection,omitempty"`
	apiOperation
	// Since is when the operation entered its status.
	Since time.Time `json:"since"`
	// Shown is set once a read answered the operation completed.
	Shown bool `json:"shown,omitempty"`
}

func (o operationRecord) view() apiOperation {
	v := o.apiOperation
	v.Regions = append([]string{}, o.Regions...)
	return v
}

// startOperation stores a new operation on a gateway.
func startOperation(tx store.Tx, c *call, p Project, action, region, gatewayID string) (operationRecord, error) {
	op := operationRecord{owner: owner{p.ID}, GatewayID: gatewayID, apiOperation: apiOperation{
		ID:        newUUID(),
		Action:    action,
		Status:    opCreated,
		CreatedAt: c.now(),
		Regions:   []string{region},
	}, Since: c.clock()}
	return op, store.Put(tx, collOperations, op.ID, op)
}

func getOperation(c *call) (any, error) {
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		id := c.r.PathValue("operationId")
		op, found, err := getInProject[operationRecord](tx, collOperations, id, p.ID)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, errNotFound("Operation %s does not exist", id) // unverified wording
		}
		// The pace holds the work itself (in progress), not its start.
		if op.Status == opInProgress && !c.handler.opts.Pace.Ready(collOperations, op.ID, op.Status) {
			return op.view(), nil
		}
		if op.Status != opCompleted {
			if op, err = advanceOperation(tx, op, c.clock()); err != nil {
				return nil, err
			}
		}
		op.Shown = op.Status == opCompleted
		return op.view(), store.Put(tx, collOperations, op.ID, op)
	})
}

// advanceOperation moves an operation one step on at time at, applying its
// effect when it completes. The caller stores the operation.
func advanceOperation(tx store.Tx, op operationRecord, at time.Time) (operationRecord, error) {
	when := apiTime(at)
	switch op.Status {
	case opCreated:
		op.Status, op.Progress, op.StartedAt = opInProgress, 50, &when
	case opInProgress:
		resource := op.GatewayID
		if op.Subject != "" {
			resource = op.Subject
		}
		op.Status, op.Progress, op.CompletedAt, op.ResourceID = opCompleted, 100, &when, &resource
		switch op.Action {
		case actionGatewayDelete:
			if err := tx.Delete(collGateways, op.GatewayID); err != nil {
				return op, err
			}
		case actionGatewayCreate:
			if err := gatewayBuilt(tx, op.GatewayID); err != nil {
				return op, err
			}
		}
	}
	op.Since = at
	return op, nil
}

// completeOperation runs an operation to its end at time at and stores it.
func completeOperation(tx store.Tx, op operationRecord, at time.Time) error {
	for op.Status != opCompleted {
		var err error
		if op, err = advanceOperation(tx, op, at); err != nil {
			return err
		}
	}
	return store.Put(tx, collOperations, op.ID, op)
}

// operationRetention is how long a completed operation whose subject is
// gone is kept when no read saw it complete: longer than a client's wait
// between two reads (the official provider's first read of an operation
// comes 10 s after the call).
const operationRetention = time.Minute

// forgetFinishedOperations deletes the project's operations whose gateway
// (or other subject) is gone (see the file's comment). A deletion whose
// completion no read saw yet is kept until one does, or for
// operationRetention: completed by the sweep, with time, it still answers
// "completed" to the client that waits on it.
func (h *Handler) forgetFinishedOperations(tx store.Tx, project string) error {
	ops, err := listInProject[operationRecord](tx, collOperations, project)
	if err != nil {
		return err
	}
	now := h.opts.Now()
	for _, op := range ops {
		collection, id := collGateways, op.GatewayID
		if op.Subject != "" {
			collection, id = op.SubjectCollection, op.Subject
		}
		if _, exists := tx.Get(collection, id); exists {
			continue
		}
		if op.Action == actionGatewayDelete && op.Status == opCompleted && !op.Shown && now.Sub(op.Since) < operationRetention {
			continue
		}
		if err := tx.Delete(collOperations, op.ID); err != nil {
			return err
		}
	}
	return nil
}
