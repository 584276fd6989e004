package compliance

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// policy is an S3 bucket policy, as far as the controls read it.
type policy struct {
	Statement []statement
}

type statement struct {
	Sid         string
	Effect      string
	Principal   json.RawMessage
	Action      stringOrList
	NotAction   stringOrList
	Resource    stringOrList
	NotResource stringOrList
	Condition   map[string]map[string]stringOrList
}

// stringOrList is a policy field that may be a string or a list of strings.
type stringOrList []string

func (s *stringOrList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*s = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("expected a string or a list of strings, got %s", b)
	}
	*s = many
	return nil
}

// parsePolicy reads a bucket policy document; an empty document is a policy
// with no statement.
func parsePolicy(doc string) (policy, error) {
	var p policy
	if strings.TrimSpace(doc) == "" {
		return p, nil
	}
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return p, fmt.Errorf("the bucket policy is not a valid policy document: %v", err)
	}
	if p.Statement == nil {
		return p, errors.New("the bucket policy has no Statement")
	}
	return p, nil
}

// everyone reports whether a statement's principal is anyone at all:
// "*" or {"AWS": "*"}.
func (st statement) everyone() bool {
	var s string
	if json.Unmarshal(st.Principal, &s) == nil {
		return s == "*"
	}
	var m map[string]stringOrList
	if json.Unmarshal(st.Principal, &m) == nil {
		return slices.Contains(m["AWS"], "*")
	}
	return false
}

// coversAllS3 reports whether the statement's actions cover every S3 call.
func (st statement) coversAllS3() bool {
	return slices.ContainsFunc(st.Action, func(a string) bool { return a == "*" || strings.EqualFold(a, "s3:*") })
}

// deniesInsecureTransport reports whether a statement denies every call
// made without TLS: from anyone in a bucket policy; from the policy's user
// in a user policy, whose statements name no principal.
func (p policy) deniesInsecureTransport(kind string) bool {
	for _, st := range p.Statement {
		if st.Effect != "Deny" || !st.coversAllS3() || (kind != PolicyKindUser && !st.everyone()) {
			continue
		}
		for op, kv := range st.Condition {
			if !strings.EqualFold(op, "Bool") {
				continue
			}
			for k, v := range kv {
				if strings.EqualFold(k, "aws:SecureTransport") && slices.Contains(v, "false") {
					return true
				}
			}
		}
	}
	return false
}

// restrictingConditions are the condition keys that narrow who may call,
// so that a statement naming everyone is not public.
var restrictingConditions = []string{
	"aws:sourceip", "aws:sourcevpc", "aws:sourcevpce", "aws:principalarn", "aws:principalaccount",
	"aws:userid", "aws:username", "aws:principalorgid",
}

// deniesWritesWithoutCustomerKey reports whether a statement refuses the
// uploads that carry no SSE-C key.
func (p policy) deniesWritesWithoutCustomerKey() bool {
	for _, st := range p.Statement {
		if st.Effect != "Deny" {
			continue
		}
		for op, kv := range st.Condition {
			for k, v := range kv {
				if strings.EqualFold(op, "Null") && strings.EqualFold(k, "s3:x-amz-server-side-encryption-customer-algorithm") &&
					slices.Contains(v, "true") {
					return true
				}
			}
		}
	}
	return false
}

// allowsAnonymous returns the first statement that allows anyone with no
// condition restricting the caller.
func (p policy) allowsAnonymous() (sid string, found bool) {
	for _, st := range p.Statement {
		if st.Effect != "Allow" || !st.everyone() {
			continue
		}
		restricted := false
		for op, kv := range st.Condition {
			if strings.HasPrefix(strings.ToLower(op), "not") {
				continue // NotIpAddress and the like widen as much as they narrow
			}
			for k := range kv {
				restricted = restricted || slices.Contains(restrictingConditions, strings.ToLower(k))
			}
		}
		if !restricted {
			return st.Sid, true
		}
	}
	return "", false
}
