package ovh

import (
	"encoding/json"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// Operations: the asynchronous work behind the gateway calls, read at
// GET /cloud/project/{serviceName}/operation/{operationId}.
//
// An operation answers "created" to the call that starts it, "in-progress"
// to its first read and "completed" to the next, which applies its effect:
// the gateway's id becomes its resourceId, and a deletion removes the
// gateway.
//
// The real API keeps a history of operations. The emulator forgets an
// operation once the gateway it concerns is gone, at the project's next
// call (it may still have to answer "completed" to the call that removed
// the gateway), so that a deleted network leaves nothing behind: tests
// count the objects left after a delete.

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
	}}
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
		switch op.Status {
		case opCreated:
			now := c.now()
			op.Status, op.Progress, op.StartedAt = opInProgress, 50, &now
		case opInProgress:
			now, resource := c.now(), op.GatewayID
			if op.Subject != "" {
				resource = op.Subject
			}
			op.Status, op.Progress, op.CompletedAt, op.ResourceID = opCompleted, 100, &now, &resource
			if op.Action == actionGatewayDelete {
				if err := tx.Delete(collGateways, op.GatewayID); err != nil {
					return nil, err
				}
			}
		}
		return op.view(), store.Put(tx, collOperations, op.ID, op)
	})
}

// forgetFinishedOperations deletes the project's operations whose gateway
// is gone (see the file's comment).
func forgetFinishedOperations(tx store.Tx, project string) error {
	ops, err := listInProject[operationRecord](tx, collOperations, project)
	if err != nil {
		return err
	}
	for _, op := range ops {
		collection, id := collGateways, op.GatewayID
		if op.Subject != "" {
			collection, id = op.SubjectCollection, op.Subject
		}
		if _, exists := tx.Get(collection, id); !exists {
			if err := tx.Delete(collOperations, op.ID); err != nil {
				return err
			}
		}
	}
	return nil
}
