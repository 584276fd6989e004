package s3

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Access policies, and who may do what.
//
// What each cloud documents, and what the emulator therefore does:
//
//   - OUTSCALE OOS has bucket policies ("Bucket Policy Configuration
//     Reference": Effect, Principal "*" or {"AWS": "arn:aws:iam::<account>:root"},
//     Action/NotAction, Resource) and says "Conditions are not yet supported".
//     The emulator refuses a bucket policy that carries a Condition, with
//     MalformedPolicy: a statement that OOS would skip or misread must not
//     look enforced (the real answer to such a policy is unverified).
//   - OVHcloud Object Storage has no bucket policies ("Bucket policies is a
//     feature that is not yet available", s3-bucket-acl guide, 2026): the
//     emulator answers PutBucketPolicy with 501 NotImplemented. It has user
//     policies, set through the OVHcloud API (POST /cloud/project/{sn}/user/
//     {userId}/policy) and evaluated for the requests signed with that user's
//     S3 credentials: an explicit Deny first, then an explicit Allow, then
//     the ACLs, under which the bucket's owner has full control (the
//     "identity and access management" guide) and nobody else has any
//     access: deny by default (see aclAllows). Its only documented condition
//     is aws:SourceIp with IpAddress/NotIpAddress; the emulator also
//     evaluates Bool, Null and the String operators as AWS does, which the
//     real service may or may not do (unverified).
//
// The condition keys a request carries: s3:x-amz-* from its headers, and
// for the listing operations s3:prefix ("" when it has none), s3:delimiter
// and s3:max-keys (see listKeys). The emulator evaluates conditions in
// OUTSCALE EIM policies as S3 does; that OOS honours them there (a
// StringLike on s3:prefix bounding what a user lists) is unverified.
//
// The emulator serves plain HTTP on loopback while standing in for the
// clouds' HTTPS endpoints, so aws:SecureTransport is true for every request
// except one that carries "X-Emulator-Transport: plain": that header lets a
// test prove that a policy refuses plain HTTP. aws:SourceIp is the address
// the request came from (127.0.0.1 in tests).
//
// The bucket owner's own Get/Put/DeleteBucketPolicy calls are never denied
// by the bucket policy, as in S3, where the owner can always repair a policy
// that locks everyone out.

// TransportHeader marks a request as sent without TLS (value "plain").
const TransportHeader = "X-Emulator-Transport"

// MaxPolicySize is S3's limit on a bucket policy, 20 KB.
const MaxPolicySize = 20 * 1024

type policyDoc struct {
	Version   string
	ID        string        `json:"Id"`
	Statement statementList `json:"Statement"`
}

type statementList []policyStatement

// UnmarshalJSON takes one statement or a list of them, as S3 does.
func (s *statementList) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		var one policyStatement
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*s = statementList{one}
		return nil
	}
	var many []policyStatement
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*s = many
	return nil
}

type policyStatement struct {
	Sid          string
	Effect       string
	Principal    json.RawMessage
	NotPrincipal json.RawMessage
	Action       stringList
	NotAction    stringList
	Resource     stringList
	NotResource  stringList
	Condition    map[string]map[string]stringList
}

// stringList is a policy value given as one value or a list; booleans and
// numbers count as their text.
type stringList []string

func (s *stringList) UnmarshalJSON(b []byte) error {
	var raw any
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	one := func(v any) (string, error) {
		switch x := v.(type) {
		case string:
			return x, nil
		case bool:
			return strconv.FormatBool(x), nil
		case float64:
			return strconv.FormatFloat(x, 'f', -1, 64), nil
		}
		return "", fmt.Errorf("%s is not a string or a list of strings", b)
	}
	if list, ok := raw.([]any); ok {
		out := make([]string, 0, len(list))
		for _, v := range list {
			str, err := one(v)
			if err != nil {
				return err
			}
			out = append(out, str)
		}
		*s = out
		return nil
	}
	str, err := one(raw)
	if err != nil {
		return err
	}
	*s = stringList{str}
	return nil
}

// Condition operators the emulator evaluates.
var conditionOperators = map[string]bool{
	"StringEquals": true, "StringNotEquals": true, "StringLike": true, "StringNotLike": true,
	"StringEqualsIgnoreCase": true, "StringNotEqualsIgnoreCase": true,
	"Bool": true, "Null": true, "IpAddress": true, "NotIpAddress": true,
}

// policyKind tells the checks of a bucket policy from those of a user policy.
type policyKind int

const (
	bucketPolicy policyKind = iota
	userPolicy
)

// parsePolicy reads and checks a policy document. For a bucket policy,
// bucket is the bucket it is put on: its resources must name it. The
// messages follow S3's MalformedPolicy answers where one is known.
func parsePolicy(doc string, kind policyKind, bucket string, allowConditions bool) (policyDoc, error) {
	var p policyDoc
	if len(doc) > MaxPolicySize {
		return p, malformed("Policies must be less than 20 KB")
	}
	trimmed := strings.TrimSpace(doc)
	if !strings.HasPrefix(trimmed, "{") {
		return p, malformed("Policies must be valid JSON and the first byte must be '{'")
	}
	dec := json.NewDecoder(strings.NewReader(trimmed))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return p, malformed("This policy contains invalid Json: %v", err)
	}
	if p.Version != "" && p.Version != "2012-10-17" && p.Version != "2008-10-17" {
		return p, malformed("The policy must contain a valid version string: %s", p.Version)
	}
	if len(p.Statement) == 0 {
		return p, malformed("Missing required field Statement")
	}
	for i, st := range p.Statement {
		at := st.Sid
		if at == "" {
			at = "#" + strconv.Itoa(i+1)
		}
		switch {
		case st.Effect != "Allow" && st.Effect != "Deny":
			return p, malformed("Invalid effect: %s", st.Effect)
		case len(st.Action) == 0 && len(st.NotAction) == 0:
			return p, malformed("Missing required field Action in statement %s", at)
		case len(st.Resource) == 0 && len(st.NotResource) == 0:
			return p, malformed("Missing required field Resource in statement %s", at)
		case kind == bucketPolicy && len(st.Principal) == 0 && len(st.NotPrincipal) == 0:
			return p, malformed("Missing required field Principal in statement %s", at)
		case kind == userPolicy && (len(st.Principal) > 0 || len(st.NotPrincipal) > 0):
			return p, malformed("Policy document should not specify a principal (statement %s)", at)
		case len(st.Condition) > 0 && !allowConditions:
			return p, malformed("Conditions are not supported by this object storage (statement %s)", at)
		}
		if kind == bucketPolicy {
			if _, err := principalsOf(st.Principal); err != nil {
				return p, malformed("Invalid principal in policy (statement %s): %v", at, err)
			}
		}
		for _, a := range append(append(stringList{}, st.Action...), st.NotAction...) {
			if a != "*" && !strings.HasPrefix(strings.ToLower(a), "s3:") {
				return p, malformed("Policy has invalid action: %s", a)
			}
		}
		for _, r := range append(append(stringList{}, st.Resource...), st.NotResource...) {
			if kind == bucketPolicy && !resourceOfBucket(r, bucket) {
				return p, malformed("Policy has invalid resource: %s", r)
			}
			if kind == userPolicy && r != "*" && !strings.HasPrefix(r, "arn:aws:s3:::") {
				return p, malformed("Policy has invalid resource: %s", r)
			}
		}
		for op, keys := range st.Condition {
			if !conditionOperators[op] {
				return p, malformed("Invalid Condition type: %s", op)
			}
			for key, values := range keys {
				if len(values) == 0 {
					return p, malformed("Condition %s on %s has no value", op, key)
				}
				if op == "IpAddress" || op == "NotIpAddress" {
					for _, v := range values {
						if _, err := parseAddressOrPrefix(v); err != nil {
							return p, malformed("Invalid IP address or CIDR in condition %s: %s", op, v)
						}
					}
				}
			}
		}
	}
	return p, nil
}

// policyError is a refusal of a policy document, worded as S3's
// MalformedPolicy messages are (capitalized, as the service writes them).
type policyError struct{ msg string }

func (e *policyError) Error() string { return e.msg }

func malformed(format string, args ...any) error {
	return &policyError{msg: fmt.Sprintf(format, args...)}
}

// CheckUserPolicy checks a user policy document, as the OVHcloud API must
// before accepting it (the API's own wording is unverified).
func CheckUserPolicy(doc string) error {
	_, err := parsePolicy(doc, userPolicy, "", true)
	return err
}

// resourceOfBucket reports whether a bucket policy resource names bucket
// or objects in it.
func resourceOfBucket(r, bucket string) bool {
	name, ok := strings.CutPrefix(r, "arn:aws:s3:::")
	if !ok {
		return false
	}
	b, _, _ := strings.Cut(name, "/")
	return b == bucket || (strings.ContainsAny(b, "*?") && globMatch(b, bucket))
}

// principalsOf lists the accounts a principal names; "*" is anyone.
func principalsOf(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if s != "*" {
			return nil, fmt.Errorf("%q: a principal is \"*\" or {\"AWS\": …}", s)
		}
		return []string{"*"}, nil
	}
	var m map[string]stringList
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	var out []string
	for k, v := range m {
		if k != "AWS" {
			return nil, fmt.Errorf("the principal type %q is not supported", k)
		}
		out = append(out, v...)
	}
	return out, nil
}

// caller is who sent a request, and how.
type caller struct {
	owner    string   // the account or project: "outscale:<id>" or "ovh:<project>"
	user     string   // OVHcloud user id; "" for an account's own keys
	policy   string   // the OVHcloud user's policy; "" for none
	policies []string // the OUTSCALE EIM user's linked policy documents
	secure   bool
	sourceIP netip.Addr
	keys     map[string]string // condition keys the request carries (lower case)
}

// eimDecision evaluates the policies linked to an OUTSCALE EIM user: any
// matching Deny wins, then any matching Allow. Statements about other
// services (api:, eim:) match no S3 action; a document that does not parse
// grants nothing. Whether OOS reads EIM policies this way is unverified:
// OUTSCALE documents EIM policies for its API and bucket policies for OOS.
func eimDecision(c caller, action, resource string) decision {
	out := noMatch
	for _, doc := range c.policies {
		var p policyDoc
		if err := json.Unmarshal([]byte(doc), &p); err != nil {
			continue
		}
		switch evaluate(p.Statement, c, action, resource, false) {
		case denied:
			return denied
		case allowed:
			out = allowed
		}
	}
	return out
}

// requester names the caller in access logs: the OVHcloud user, the
// OUTSCALE EIM user, or the account itself.
func (c caller) requester() string {
	switch {
	case ownerCloud(c.owner) == "ovh":
		return c.user
	case c.user != "":
		return "arn:aws:iam::" + c.accountID() + ":user/" + c.user
	case c.accountID() != "":
		return "arn:aws:iam::" + c.accountID() + ":root"
	}
	return ""
}

// accountID is the account part of the owner ("000000000001").
func (c caller) accountID() string {
	_, id, _ := strings.Cut(c.owner, ":")
	return id
}

// decision is the outcome of evaluating statements.
type decision int

const (
	noMatch decision = iota
	allowed
	denied
)

// evaluate applies statements to one action on one resource: any matching
// Deny wins, then any matching Allow.
func evaluate(statements []policyStatement, c caller, action, resource string, checkPrincipal bool) decision {
	out := noMatch
	for _, st := range statements {
		if !matchesAction(st, action) || !matchesResource(st, resource) || !matchesConditions(st, c) {
			continue
		}
		if checkPrincipal && !matchesPrincipal(st, c) {
			continue
		}
		if st.Effect == "Deny" {
			return denied
		}
		out = allowed
	}
	return out
}

func matchesAction(st policyStatement, action string) bool {
	match := func(list stringList) bool {
		for _, a := range list {
			if globMatch(strings.ToLower(a), strings.ToLower(action)) {
				return true
			}
		}
		return false
	}
	if len(st.NotAction) > 0 {
		return !match(st.NotAction)
	}
	return match(st.Action)
}

func matchesResource(st policyStatement, resource string) bool {
	match := func(list stringList) bool {
		for _, r := range list {
			if globMatch(r, resource) {
				return true
			}
		}
		return false
	}
	if len(st.NotResource) > 0 {
		return !match(st.NotResource)
	}
	return match(st.Resource)
}

func matchesPrincipal(st policyStatement, c caller) bool {
	names := func(raw json.RawMessage) bool {
		list, _ := principalsOf(raw)
		for _, p := range list {
			if p == "*" || p == c.accountID() || p == "arn:aws:iam::"+c.accountID()+":root" {
				return true
			}
		}
		return false
	}
	if len(st.NotPrincipal) > 0 {
		return !names(st.NotPrincipal)
	}
	return names(st.Principal)
}

// matchesConditions evaluates every condition of a statement (all must
// hold; within one key, any value may match, and none for negated
// operators).
func matchesConditions(st policyStatement, c caller) bool {
	for op, keys := range st.Condition {
		for key, values := range keys {
			actual, present := c.conditionKey(key)
			if !conditionHolds(op, actual, present, values) {
				return false
			}
		}
	}
	return true
}

func (c caller) conditionKey(key string) (string, bool) {
	switch strings.ToLower(key) {
	case "aws:securetransport":
		return strconv.FormatBool(c.secure), true
	case "aws:sourceip":
		return c.sourceIP.String(), c.sourceIP.IsValid()
	}
	v, ok := c.keys[strings.ToLower(key)]
	return v, ok
}

func conditionHolds(op, actual string, present bool, values []string) bool {
	some := func(pred func(v string) bool) bool {
		for _, v := range values {
			if pred(v) {
				return true
			}
		}
		return false
	}
	switch op {
	case "Null":
		// "true": the key must be absent; "false": present.
		return some(func(v string) bool { return strings.EqualFold(v, "true") != present })
	case "StringNotEquals", "StringNotLike", "StringNotEqualsIgnoreCase", "NotIpAddress":
		if !present {
			return true
		}
	default:
		if !present {
			return false
		}
	}
	switch op {
	case "StringEquals":
		return some(func(v string) bool { return v == actual })
	case "StringNotEquals":
		return !some(func(v string) bool { return v == actual })
	case "StringEqualsIgnoreCase":
		return some(func(v string) bool { return strings.EqualFold(v, actual) })
	case "StringNotEqualsIgnoreCase":
		return !some(func(v string) bool { return strings.EqualFold(v, actual) })
	case "StringLike":
		return some(func(v string) bool { return globMatch(v, actual) })
	case "StringNotLike":
		return !some(func(v string) bool { return globMatch(v, actual) })
	case "Bool":
		return some(func(v string) bool { return strings.EqualFold(v, actual) })
	case "IpAddress", "NotIpAddress":
		ip, err := netip.ParseAddr(actual)
		if err != nil {
			return op == "NotIpAddress"
		}
		in := some(func(v string) bool {
			p, err := parseAddressOrPrefix(v)
			return err == nil && p.Contains(ip)
		})
		return in == (op == "IpAddress")
	}
	return false
}

// parseAddressOrPrefix reads "203.0.113.7/32" or a bare "203.0.113.7".
func parseAddressOrPrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		return netip.ParsePrefix(s)
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// globMatch matches s against a pattern where "*" is any run of characters
// (slashes included) and "?" any one, as policies do.
func globMatch(pattern, s string) bool {
	if !strings.ContainsAny(pattern, "*?") {
		return pattern == s
	}
	pr, sr := []rune(pattern), []rune(s)
	// Two-pointer matching, backtracking to the last "*".
	pi, si, star, mark := 0, 0, -1, 0
	for si < len(sr) {
		switch {
		case pi < len(pr) && (pr[pi] == '?' || pr[pi] == sr[si]):
			pi++
			si++
		case pi < len(pr) && pr[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(pr) && pr[pi] == '*' {
		pi++
	}
	return pi == len(pr)
}
