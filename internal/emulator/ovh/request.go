package ovh

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// Helpers shared by the Public Cloud routes: strict body decoding, path
// parameters, ids, and the transaction every such call runs in.

// decode reads the JSON body into v, refusing properties the operation does
// not describe, values of the wrong type and trailing data.
//
// API v1 takes a property named like one of the route's path parameters
// and ignores it: the official provider sends serviceName (and networkId
// for subnets) in its bodies and the real API accepts them. Any other
// top-level property the operation does not describe is refused, as the API
// does ("Received not described parameters: (noRaid, sshKeyName, language,
// customHostname) while calling start", an answer of the real API quoted in
// cornelius-keller/ansible-ovh issue #3); what follows "while calling" is
// the emulator's. Inside a described property, an unknown property is
// refused with the emulator's own wording, and so is any unknown property
// on API v2 (OKMS), whose answers for malformed bodies were not found.
func (c *call) decode(v any) error {
	body, err := c.describedBody(v)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err = dec.Decode(v)
	if err == nil {
		if _, extra := dec.Token(); extra != io.EOF {
			return errBadRequest("Invalid JSON body: unexpected data after the object")
		}
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr):
		return errBadRequest("[%s] Given data is a JSON %s, which is not valid for this property", typeErr.Field, typeErr.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "): // encoding/json has no error type for it
		return errBadRequest("[%s] Unknown property", strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`))
	case errors.Is(err, io.EOF):
		return errBadRequest("Invalid JSON body: the request needs a body")
	default:
		return errBadRequest("Invalid JSON body: %v", err)
	}
}

// describedBody returns the body without the top-level properties that
// repeat a path parameter, or the API v1 refusal of the properties the
// operation does not describe. Bodies that are not JSON objects are left
// for decode to refuse.
func (c *call) describedBody(v any) ([]byte, error) {
	if !strings.HasPrefix(c.routePath(), "/1.0/") {
		return c.body, nil
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(c.body, &top); err != nil || top == nil {
		return c.body, nil //nolint:nilerr // decode refuses what is not a JSON object, with its own wording
	}
	described := jsonFields(reflect.TypeOf(v))
	params := c.pathParams()
	var undescribed []string
	repeated := false
	for name := range top {
		switch {
		case described[name]:
		case slices.Contains(params, name):
			delete(top, name)
			repeated = true
		default:
			undescribed = append(undescribed, name)
		}
	}
	if len(undescribed) > 0 {
		sort.Strings(undescribed)
		return nil, errBadRequest("Received not described parameters: (%s) while calling %s",
			strings.Join(undescribed, ", "), c.pattern)
	}
	if !repeated {
		return c.body, nil
	}
	return json.Marshal(top)
}

// routePath is the path of the route being served, without its method.
func (c *call) routePath() string {
	_, path, _ := strings.Cut(c.pattern, " ")
	return path
}

// pathParams lists the names of the route's path parameters.
func (c *call) pathParams() []string {
	var names []string
	for _, seg := range strings.Split(c.routePath(), "/") {
		if name, ok := strings.CutPrefix(seg, "{"); ok {
			names = append(names, strings.TrimSuffix(name, "}"))
		}
	}
	return names
}

// jsonFields is the set of JSON property names a struct type decodes,
// those of its embedded structs included.
func jsonFields(t reflect.Type) map[string]bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	out := map[string]bool{}
	if t.Kind() != reflect.Struct {
		return out
	}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		switch {
		case name == "-":
		case f.Anonymous && name == "":
			for k := range jsonFields(f.Type) {
				out[k] = true
			}
		case !f.IsExported():
		case name == "":
			out[f.Name] = true
		default:
			out[name] = true
		}
	}
	return out
}

// property is one property of a request body: its name, and whether the
// body set it.
type property struct {
	name string
	set  bool
}

// mandatory checks that the required properties of a body are present.
// Unverified wording.
func mandatory(props ...property) error {
	for _, p := range props {
		if !p.set {
			return errBadRequest("[%s] Property is mandatory", p.name)
		}
	}
	return nil
}

// uuidParam reads a path parameter the API types as a uuid. A malformed one
// gets the answer the real regional routes give (ovh/terraform-provider-ovh
// issue #833: "invalid: invalid uuid 'pn-123456_0': invalid UUID length: 12").
func (c *call) uuidParam(name string) (string, error) {
	v := c.r.PathValue(name)
	if err := checkUUID(v); err != nil {
		return "", errBadRequest("invalid: invalid uuid '%s': %v", v, err)
	}
	return v, nil
}

func checkUUID(s string) error {
	if len(s) != 36 {
		return fmt.Errorf("invalid UUID length: %d", len(s))
	}
	for i, r := range s {
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if r != '-' {
				return errors.New("invalid UUID format")
			}
		case !strings.ContainsRune("0123456789abcdefABCDEF", r):
			return errors.New("invalid UUID format")
		}
	}
	return nil
}

// newUUID returns a random (version 4) UUID, the form of OpenStack ids.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return formatUUID(b, 4)
}

// derivedUUID returns a UUID that depends only on seed, for objects the
// emulator does not store, such as a region's external network.
func derivedUUID(seed string) string {
	sum := sha256.Sum256([]byte(seed))
	return formatUUID([16]byte(sum[:16]), 5)
}

func formatUUID(b [16]byte, version byte) string {
	b[6] = b[6]&0x0f | version<<4
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// inProject runs fn for the caller's project named in the path, in one
// read-write transaction: even reads write, since objects move through
// their states as they are read (see network.go). Just before, in a
// transaction of its own that a failing call does not undo, transient
// states that have lasted long enough move on (transient.go) and finished
// operations are forgotten.
func (c *call) inProject(fn func(tx store.Tx, p Project) (any, error)) (any, error) {
	p, err := c.project()
	if err != nil {
		return nil, err
	}
	err = c.handler.opts.Store.Update(func(tx store.Tx) error {
		if err := c.handler.sweep(tx); err != nil {
			return err
		}
		return c.handler.forgetFinishedOperations(tx, p.ID)
	})
	if err != nil {
		return nil, err
	}
	var out any
	err = c.handler.opts.Store.Update(func(tx store.Tx) error {
		var err error
		out, err = fn(tx, p)
		return err
	})
	return out, err
}

// regionParam reads {regionName} and checks the project has the region.
// The answer for a region outside the project is unverified.
func (c *call) regionParam(p Project) (string, error) {
	region := c.r.PathValue("regionName")
	if !slices.Contains(p.Regions, region) {
		return "", errNotFound("Region %s does not exist or is not enabled in project %s", region, p.ID)
	}
	return region, nil
}

// now is the server clock as the API writes datetimes.
func (c *call) now() string {
	return apiTime(c.clock())
}

// clock is the server clock.
func (c *call) clock() time.Time {
	return c.handler.opts.Now()
}

// apiTime writes a time as the API writes datetimes.
func apiTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339)
}

// listInProject decodes the documents of collection that belong to project.
func listInProject[T interface{ projectID() string }](tx store.Tx, collection, project string) ([]T, error) {
	all, err := store.List[T](tx, collection)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, v := range all {
		if v.projectID() == project {
			out = append(out, v)
		}
	}
	return out, nil
}

// getInProject loads one document of project; another project's document
// is answered as missing, exactly like one that does not exist.
func getInProject[T interface{ projectID() string }](tx store.Tx, collection, id, project string) (T, bool, error) {
	v, found, err := store.Get[T](tx, collection, id)
	if err != nil || !found || v.projectID() != project {
		var zero T
		return zero, false, err
	}
	return v, true, nil
}

// owner is the project an object belongs to. The API never shows it: it is
// the path's {serviceName}.
type owner struct {
	Project string `json:"project"`
}

func (o owner) projectID() string { return o.Project }
