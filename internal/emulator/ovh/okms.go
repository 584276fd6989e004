package ovh

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// OVHcloud KMS (OKMS): the API v2 routes of the KMS and of its service keys
// (the control plane, on the API's host; the data plane, which encrypts and
// signs behind mutual TLS on <region>.okms.ovh.net, is not emulated).
//
// The KMS itself is ordered through the order funnel, not made by the API:
// the emulator's accounts are seeded with theirs (Account.OKMS). Service keys
// are stored in the collection "ovh.okms_service_keys", keyed by their id,
// with the KMS they belong to. Shapes follow the models the OVHcloud Control
// Panel and ovh/terraform-provider-ovh use; error wordings no real answer
// could be found for are marked "unverified".
//
// A service key is ACTIVE from its creation. PUT moves it between ACTIVE and
// DEACTIVATED (with a reason), or to COMPROMISED, which is final. DELETE
// takes a key that is not ACTIVE (OVHcloud's guide: "Deleting an encryption
// key is only possible on a key that has been previously disabled"), and
// the key is gone. No key material is made or stored.

// OKMS is a KMS an account owns.
type OKMS struct {
	ID     string `json:"id"`
	Region string `json:"region"` // such as eu-west-par
	Name   string `json:"name"`   // the display name; default the id
}

const collServiceKeys = "ovh.okms_service_keys"

// Page sizes of the v2 lists (X-Pagination-Size). The real defaults are
// unverified.
const (
	defaultPageSize = 50
	maxPageSize     = 100
)

// Service key states and the values the API takes.
var (
	keyTypes     = []string{"oct", "RSA", "EC"}
	keySizes     = map[string][]int{"oct": {128, 192, 256}, "RSA": {2048, 3072, 4096}}
	keyCurves    = []string{"P-256", "P-384", "P-521"}
	keyOps       = []string{"encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"}
	keyTypeOps   = map[string][]string{"oct": {"encrypt", "decrypt", "wrapKey", "unwrapKey"}, "RSA": keyOps, "EC": {"sign", "verify"}}
	deactivation = []string{"AFFILIATION_CHANGED", "CA_COMPROMISE", "CESSATION_OF_OPERATION", "KEY_COMPROMISE",
		"PRIVILEGE_WITHDRAWN", "SUPERSEDED", "UNSPECIFIED"}
)

const (
	stateActive      = "ACTIVE"
	stateDeactivated = "DEACTIVATED"
	stateCompromised = "COMPROMISED"
)

// iamObject is the IAM block of every v2 resource.
type iamObject struct {
	ID          string `json:"id"`
	URN         string `json:"urn"`
	DisplayName string `json:"displayName"`
}

// apiServiceKey is okms.ServiceKey.
type apiServiceKey struct {
	ID                 string    `json:"id"`
	Name               string    `json:"name"`
	Type               string    `json:"type"`
	Size               *int      `json:"size,omitempty"`
	Curve              *string   `json:"curve,omitempty"`
	Operations         []string  `json:"operations"`
	Context            string    `json:"context,omitempty"`
	State              string    `json:"state"`
	DeactivationReason *string   `json:"deactivationReason,omitempty"`
	CreatedAt          string    `json:"createdAt"`
	IAM                iamObject `json:"iam"`
}

type serviceKeyRecord struct {
	OKMS string `json:"okms"` // the KMS it belongs to; the API never shows it
	apiServiceKey
}

func okmsRoutes() map[string]route {
	return map[string]route{
		"GET /v2/okms/resource":                                {serve: listOKMS},
		"GET /v2/okms/resource/{okmsId}":                       {serve: getOKMS},
		"GET /v2/okms/resource/{okmsId}/serviceKey":            {serve: listServiceKeys},
		"POST /v2/okms/resource/{okmsId}/serviceKey":           {serve: createServiceKey},
		"GET /v2/okms/resource/{okmsId}/serviceKey/{keyId}":    {serve: getServiceKey},
		"PUT /v2/okms/resource/{okmsId}/serviceKey/{keyId}":    {serve: updateServiceKey},
		"DELETE /v2/okms/resource/{okmsId}/serviceKey/{keyId}": {serve: deleteServiceKey},
	}
}

// okms returns the caller's KMS named in the path, or the API's 404.
func (c *call) okms() (OKMS, error) {
	id := c.r.PathValue("okmsId")
	for _, o := range c.account.OKMS {
		if o.ID == id {
			return o, nil
		}
	}
	// Unverified wording.
	return OKMS{}, errNotFound("The requested object (okmsId = %s) does not exist", id)
}

func okmsView(o OKMS, keys int) map[string]any {
	name := o.Name
	if name == "" {
		name = o.ID
	}
	host := o.Region + ".okms.ovh.net"
	return map[string]any{
		"id":                 o.ID,
		"region":             o.Region,
		"restEndpoint":       "https://" + host,
		"kmipEndpoint":       host + ":5696",
		"kmipRsaEndpoint":    host + ":5697",
		"swaggerEndpoint":    "https://swagger-" + host,
		"serviceKeyCount":    keys,
		"kmipObjectCount":    0,
		"secretCount":        0,
		"secretVersionCount": 0,
		"iam": map[string]any{
			"id":          o.ID,
			"urn":         "urn:v1:eu:resource:okms:" + o.ID,
			"displayName": name,
			"state":       "OK",
		},
	}
}

func listOKMS(c *call) (any, error) {
	out := []map[string]any{}
	err := c.handler.opts.Store.View(func(tx store.Tx) error {
		for _, o := range c.account.OKMS {
			keys, err := keysOf(tx, o.ID)
			if err != nil {
				return err
			}
			out = append(out, okmsView(o, len(keys)))
		}
		return nil
	})
	return out, err
}

func getOKMS(c *call) (any, error) {
	o, err := c.okms()
	if err != nil {
		return nil, err
	}
	var out map[string]any
	err = c.handler.opts.Store.View(func(tx store.Tx) error {
		keys, err := keysOf(tx, o.ID)
		out = okmsView(o, len(keys))
		return err
	})
	return out, err
}

// keysOf lists a KMS's service keys, oldest first.
func keysOf(tx store.Tx, okmsID string) ([]serviceKeyRecord, error) {
	all, err := store.List[serviceKeyRecord](tx, collServiceKeys)
	if err != nil {
		return nil, err
	}
	var out []serviceKeyRecord
	for _, k := range all {
		if k.OKMS == okmsID {
			out = append(out, k)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].CreatedAt != out[j].CreatedAt {
			return out[i].CreatedAt < out[j].CreatedAt
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// listServiceKeys pages with X-Pagination-Size and X-Pagination-Cursor; the
// answer carries X-Pagination-Cursor-Next while keys remain.
func listServiceKeys(c *call) (any, error) {
	o, err := c.okms()
	if err != nil {
		return nil, err
	}
	size := defaultPageSize
	if v := c.r.Header.Get("X-Pagination-Size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPageSize {
			return nil, errBadRequest("Invalid X-Pagination-Size %q: must be between 1 and %d", v, maxPageSize) // unverified wording
		}
		size = n
	}
	after := ""
	if v := c.r.Header.Get("X-Pagination-Cursor"); v != "" {
		raw, err := base64.RawURLEncoding.DecodeString(v)
		if err != nil {
			return nil, errBadRequest("Invalid X-Pagination-Cursor") // unverified wording
		}
		after = string(raw)
	}
	var page []apiServiceKey
	err = c.handler.opts.Store.View(func(tx store.Tx) error {
		keys, err := keysOf(tx, o.ID)
		if err != nil {
			return err
		}
		start := 0
		if after != "" {
			start = len(keys)
			for i, k := range keys {
				if k.CreatedAt+"|"+k.ID > after {
					start = i
					break
				}
			}
		}
		end := min(start+size, len(keys))
		page = []apiServiceKey{}
		for _, k := range keys[start:end] {
			page = append(page, k.apiServiceKey)
		}
		if end < len(keys) {
			last := keys[end-1]
			c.respHeader().Set("X-Pagination-Cursor-Next", base64.RawURLEncoding.EncodeToString([]byte(last.CreatedAt+"|"+last.ID)))
		}
		return nil
	})
	return page, err
}

// respHeader lets a route set answer headers: wrap writes them with the body.
func (c *call) respHeader() http.Header {
	if c.header == nil {
		c.header = http.Header{}
	}
	return c.header
}

func createServiceKey(c *call) (any, error) {
	o, err := c.okms()
	if err != nil {
		return nil, err
	}
	var req struct {
		Name       *string   `json:"name"`
		Context    *string   `json:"context"`
		Type       *string   `json:"type"`
		Size       *int      `json:"size"`
		Curve      *string   `json:"curve"`
		Operations *[]string `json:"operations"`
		Keys       *[]any    `json:"keys"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := mandatory(property{"name", req.Name != nil}, property{"type", req.Type != nil},
		property{"operations", req.Operations != nil}); err != nil {
		return nil, err
	}
	if req.Keys != nil {
		return nil, errBadRequest("[keys] Importing key material is not emulated")
	}
	if err := checkKeyName(*req.Name); err != nil {
		return nil, err
	}
	if req.Context != nil && len(*req.Context) > 64 {
		return nil, errBadRequest("[context] Length must be at most 64") // unverified wording
	}
	typ := *req.Type
	if !slices.Contains(keyTypes, typ) {
		return nil, errBadRequest("[type] Given data (%s) does not belong to the KeyTypeEnum enumeration", typ)
	}
	switch typ {
	case "EC":
		if req.Size != nil {
			return nil, errBadRequest("[size] Must not be given for EC keys") // unverified wording
		}
		if req.Curve == nil {
			return nil, errBadRequest("[curve] Property is mandatory for EC keys") // unverified wording
		}
		if !slices.Contains(keyCurves, *req.Curve) {
			return nil, errBadRequest("[curve] Given data (%s) does not belong to the CurveEnum enumeration", *req.Curve)
		}
	default:
		if req.Curve != nil {
			return nil, errBadRequest("[curve] Must only be given for EC keys") // unverified wording
		}
		if req.Size == nil {
			return nil, errBadRequest("[size] Property is mandatory for %s keys", typ) // unverified wording
		}
		if !slices.Contains(keySizes[typ], *req.Size) {
			return nil, errBadRequest("[size] %d is not a valid size for %s keys", *req.Size, typ) // unverified wording
		}
	}
	ops := *req.Operations
	if len(ops) == 0 {
		return nil, errBadRequest("[operations] At least one operation is required") // unverified wording
	}
	for _, op := range ops {
		if !slices.Contains(keyOps, op) {
			return nil, errBadRequest("[operations] Given data (%s) does not belong to the CryptographicUsageEnum enumeration", op)
		}
		if !slices.Contains(keyTypeOps[typ], op) {
			return nil, errBadRequest("[operations] %s is not an operation of %s keys", op, typ) // unverified wording
		}
	}
	var out apiServiceKey
	err = c.handler.opts.Store.Update(func(tx store.Tx) error {
		id := newUUID()
		k := serviceKeyRecord{OKMS: o.ID, apiServiceKey: apiServiceKey{
			ID:         id,
			Name:       *req.Name,
			Type:       typ,
			Size:       req.Size,
			Curve:      req.Curve,
			Operations: slices.Clone(ops),
			State:      stateActive,
			CreatedAt:  c.handler.opts.Now().UTC().Format(time.RFC3339),
			IAM: iamObject{ID: id, URN: "urn:v1:eu:resource:okms:" + o.ID + "/serviceKey/" + id,
				DisplayName: *req.Name},
		}}
		if req.Context != nil {
			k.Context = *req.Context
		}
		out = k.apiServiceKey
		return store.Put(tx, collServiceKeys, id, k)
	})
	return out, err
}

// checkKeyName: 1 to 32 printable ASCII characters (the Control Panel's
// rule; the API's own wording is unverified).
func checkKeyName(name string) error {
	if len(name) < 1 || len(name) > 32 {
		return errBadRequest("[name] Length must be between 1 and 32")
	}
	for _, r := range name {
		if r < 0x20 || r > 0x7e {
			return errBadRequest("[name] Only printable ASCII characters are allowed")
		}
	}
	return nil
}

// loadServiceKey finds a key of the KMS; another KMS's key is missing.
func loadServiceKey(tx store.Tx, okmsID, keyID string) (serviceKeyRecord, error) {
	k, found, err := store.Get[serviceKeyRecord](tx, collServiceKeys, keyID)
	if err != nil {
		return k, err
	}
	if !found || k.OKMS != okmsID {
		// Unverified wording.
		return k, errNotFound("The requested object (keyId = %s) does not exist", keyID)
	}
	return k, nil
}

func (c *call) serviceKeyID() (string, error) {
	v := c.r.PathValue("keyId")
	if err := checkUUID(v); err != nil {
		return "", errBadRequest("Invalid keyId %q: %v", v, err) // unverified wording
	}
	return v, nil
}

func getServiceKey(c *call) (any, error) {
	o, err := c.okms()
	if err != nil {
		return nil, err
	}
	id, err := c.serviceKeyID()
	if err != nil {
		return nil, err
	}
	if f := c.r.URL.Query().Get("format"); f != "" {
		return nil, errBadRequest("[format] Exporting key material is not emulated")
	}
	var out apiServiceKey
	err = c.handler.opts.Store.View(func(tx store.Tx) error {
		k, err := loadServiceKey(tx, o.ID, id)
		out = k.apiServiceKey
		return err
	})
	return out, err
}

func updateServiceKey(c *call) (any, error) {
	o, err := c.okms()
	if err != nil {
		return nil, err
	}
	id, err := c.serviceKeyID()
	if err != nil {
		return nil, err
	}
	var req struct {
		Name               *string `json:"name"`
		State              *string `json:"state"`
		DeactivationReason *string `json:"deactivationReason"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if req.Name != nil {
		if err := checkKeyName(*req.Name); err != nil {
			return nil, err
		}
	}
	if req.DeactivationReason != nil && !slices.Contains(deactivation, *req.DeactivationReason) {
		return nil, errBadRequest("[deactivationReason] Given data (%s) does not belong to the RevocationReasonEnum enumeration",
			*req.DeactivationReason)
	}
	var out apiServiceKey
	err = c.handler.opts.Store.Update(func(tx store.Tx) error {
		k, err := loadServiceKey(tx, o.ID, id)
		if err != nil {
			return err
		}
		if req.Name != nil {
			k.Name, k.IAM.DisplayName = *req.Name, *req.Name
		}
		if req.State != nil {
			if err := k.moveTo(*req.State, req.DeactivationReason); err != nil {
				return err
			}
		}
		out = k.apiServiceKey
		return store.Put(tx, collServiceKeys, k.ID, k)
	})
	return out, err
}

// moveTo applies a state change asked by PUT. Unverified wordings.
func (k *serviceKeyRecord) moveTo(state string, reason *string) error {
	switch state {
	case stateActive:
		if k.State == stateCompromised {
			return errBadRequest("Service key %s is COMPROMISED and cannot be activated again", k.ID)
		}
		k.State, k.DeactivationReason = stateActive, nil
	case stateDeactivated:
		if reason == nil {
			return errBadRequest("[deactivationReason] Property is mandatory to deactivate a service key")
		}
		if k.State == stateCompromised {
			return errBadRequest("Service key %s is COMPROMISED and cannot be deactivated", k.ID)
		}
		r := *reason
		k.State, k.DeactivationReason = stateDeactivated, &r
	case stateCompromised:
		r := "KEY_COMPROMISE"
		if reason != nil {
			r = *reason
		}
		k.State, k.DeactivationReason = stateCompromised, &r
	default:
		return errBadRequest("[state] Given data (%s) does not belong to the ServiceKeyStateEnum enumeration of writable states "+
			"(ACTIVE, COMPROMISED, DEACTIVATED)", state)
	}
	return nil
}

func deleteServiceKey(c *call) (any, error) {
	o, err := c.okms()
	if err != nil {
		return nil, err
	}
	id, err := c.serviceKeyID()
	if err != nil {
		return nil, err
	}
	return nil, c.handler.opts.Store.Update(func(tx store.Tx) error {
		k, err := loadServiceKey(tx, o.ID, id)
		if err != nil {
			return err
		}
		if k.State == stateActive {
			return errBadRequest("Service key %s is ACTIVE: deactivate it before deleting it", k.ID) // unverified wording
		}
		return tx.Delete(collServiceKeys, k.ID)
	})
}

// okmsRegionPattern is the form of OKMS region names (eu-west-par,
// eu-west-rbx, ca-east-bhs, …).
func validOKMSRegion(r string) bool {
	parts := strings.Split(r, "-")
	if len(parts) != 3 {
		return false
	}
	for _, p := range parts {
		if p == "" || strings.ToLower(p) != p {
			return false
		}
	}
	return true
}

// CheckOKMS says why a seeded KMS cannot be served, or nil.
func CheckOKMS(o OKMS) error {
	if err := checkUUID(o.ID); err != nil {
		return fmt.Errorf("okms %q: the id must be a UUID: %w", o.ID, err)
	}
	if !validOKMSRegion(o.Region) {
		return fmt.Errorf("okms %s: the region %q is not an OKMS region name such as eu-west-par", o.ID, o.Region)
	}
	return nil
}
