package kms

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/hashicorp/hcl"
	"github.com/hashicorp/hcl/hcl/ast"
)

// ACL policies as OpenBao parses and applies them (vault/policy.go,
// vault/acl.go): HCL with path "<pattern>" { capabilities = [...] } blocks,
// where a trailing * makes a prefix and a + segment matches any one segment.
// Only capabilities are emulated: a policy with allowed_parameters and the
// like parses, but their restrictions are not applied.

// Capabilities a path rule may grant.
const (
	capCreate = "create"
	capRead   = "read"
	capUpdate = "update"
	capDelete = "delete"
	capList   = "list"
	capSudo   = "sudo"
	capDeny   = "deny"
	capPatch  = "patch"
)

// Built-in policies.
const (
	policyRoot            = "root"
	policyDefault         = "default"
	policyResponseWrapped = "response-wrapping"
)

// defaultPolicy is the text of the "default" policy until someone writes
// another: what every token may do on itself (the part of OpenBao's default
// policy the emulator serves).
const defaultPolicy = `# Allow tokens to look up their own properties
path "auth/token/lookup-self" {
    capabilities = ["read"]
}

# Allow tokens to renew themselves
path "auth/token/renew-self" {
    capabilities = ["update"]
}

# Allow tokens to revoke themselves
path "auth/token/revoke-self" {
    capabilities = ["update"]
}

# Allow a token to wrap arbitrary values in a response-wrapping token
path "sys/wrapping/wrap" {
    capabilities = ["update"]
}

# Allow a token to look up response-wrapping properties
path "sys/wrapping/lookup" {
    capabilities = ["update"]
}

# Allow a token to unwrap a response-wrapping token
path "sys/wrapping/unwrap" {
    capabilities = ["update"]
}
`

// responseWrappingPolicy is what a wrapping token may do: unwrap itself.
const responseWrappingPolicy = `path "sys/wrapping/unwrap" {
    capabilities = ["update"]
}
`

// pathRule is one path block of a parsed policy.
type pathRule struct {
	pattern string // as written
	exact   bool   // no wildcard
	match   *regexp.Regexp
	caps    []string
}

// policyKeys are the keys a path block may hold (vault/policy.go).
var policyKeys = []string{"comment", "policy", "capabilities", "allowed_parameters", "denied_parameters",
	"required_parameters", "min_wrapping_ttl", "max_wrapping_ttl", "mfa_methods", "control_group", "pagination_limit",
	"list_scan_response_keys_filter_path"}

// parsePolicy parses a policy's text; its errors read as OpenBao's.
func parsePolicy(rules string) ([]pathRule, error) {
	root, err := hcl.Parse(rules)
	if err != nil {
		return nil, fmt.Errorf("failed to parse policy: %w", err)
	}
	list, ok := root.Node.(*ast.ObjectList)
	if !ok {
		return nil, errors.New("failed to parse policy: does not contain a root object")
	}
	if err := checkHCLKeys(list, []string{"name", "path"}); err != nil {
		return nil, fmt.Errorf("failed to parse policy: %w", err)
	}
	var parsed []pathRule
	for _, item := range list.Filter("path").Items {
		key := "path"
		if len(item.Keys) > 0 {
			key, _ = item.Keys[0].Token.Value().(string)
		}
		obj, isObject := item.Val.(*ast.ObjectType)
		if !isObject {
			return nil, fmt.Errorf("failed to parse policy: path %q: not an object", key)
		}
		if err := checkHCLKeys(obj.List, policyKeys); err != nil {
			return nil, fmt.Errorf("failed to parse policy: path %q: %w", key, err)
		}
		var block struct {
			Policy       string   `hcl:"policy"`
			Capabilities []string `hcl:"capabilities"`
		}
		if err := hcl.DecodeObject(&block, item.Val); err != nil {
			return nil, fmt.Errorf("failed to parse policy: path %q: %w", key, err)
		}
		rule, err := newPathRule(key, block.Policy, block.Capabilities)
		if err != nil {
			return nil, fmt.Errorf("failed to parse policy: %w", err)
		}
		parsed = append(parsed, rule)
	}
	return parsed, nil
}

// checkHCLKeys refuses keys outside valid, as OpenBao's hclutil does.
func checkHCLKeys(list *ast.ObjectList, valid []string) error {
	var errs []string
	for _, item := range list.Items {
		if len(item.Keys) == 0 {
			continue
		}
		key, _ := item.Keys[0].Token.Value().(string)
		if !slices.Contains(valid, key) {
			errs = append(errs, fmt.Sprintf("invalid key %q on line %d", key, item.Assign.Line))
		}
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

func newPathRule(pattern, oldPolicy string, caps []string) (pathRule, error) {
	if strings.Contains(pattern, "+*") {
		return pathRule{}, fmt.Errorf("path %q: invalid use of wildcards ('+*' is forbidden)", pattern)
	}
	switch oldPolicy {
	case "":
	case "deny":
		caps = []string{capDeny}
	case "read":
		caps = append(caps, capRead, capList)
	case "write":
		caps = append(caps, capCreate, capRead, capUpdate, capDelete, capList)
	case "sudo":
		caps = append(caps, capCreate, capRead, capUpdate, capDelete, capList, capSudo)
	default:
		return pathRule{}, fmt.Errorf("path %q: invalid policy %q", pattern, oldPolicy)
	}
	for _, c := range caps {
		if c == capDeny {
			// Deny takes no other capability with it.
			caps = []string{capDeny}
			break
		}
		if !slices.Contains([]string{capCreate, capRead, capUpdate, capDelete, capList, capSudo, capPatch}, c) {
			return pathRule{}, fmt.Errorf("path %q: invalid capability %q", pattern, c)
		}
	}
	segments := pattern == "+" || strings.HasPrefix(pattern, "+/") || strings.Contains(pattern, "/+")
	prefix := strings.HasSuffix(pattern, "*")
	rule := pathRule{pattern: pattern, exact: !segments && !prefix, caps: caps}
	var re strings.Builder
	re.WriteString("^")
	body := strings.TrimSuffix(pattern, "*")
	for i, seg := range strings.Split(body, "/") {
		if i > 0 {
			re.WriteString("/")
		}
		if seg == "+" {
			re.WriteString("[^/]+")
			continue
		}
		re.WriteString(regexp.QuoteMeta(seg))
	}
	if prefix {
		re.WriteString(".*")
	}
	re.WriteString("$")
	rule.match = regexp.MustCompile(re.String())
	return rule, nil
}

// capabilities are what rules (of all of a token's policies) grant on
// path: the exact rules if one matches, else the most specific pattern's
// (vault/acl.go: exact match, then the longest or most specific glob, then
// segment wildcards, compared by CompareSpecificity); "deny" wins over all.
func capabilities(rules []pathRule, path string) []string {
	var exact []string
	byPattern := map[string][]string{}
	for _, r := range rules {
		if !r.match.MatchString(path) {
			continue
		}
		if r.exact {
			exact = append(exact, r.caps...)
		} else {
			byPattern[r.pattern] = append(byPattern[r.pattern], r.caps...)
		}
	}
	caps := exact
	if len(exact) == 0 {
		best := ""
		for p := range byPattern {
			if best == "" || moreSpecific(p, best) {
				best = p
			}
		}
		caps = byPattern[best]
	}
	if slices.Contains(caps, capDeny) {
		return nil
	}
	return caps
}

// moreSpecific is OpenBao's CompareSpecificity for two patterns that both
// match: the later first wildcard wins, then a pattern without the trailing
// *, then fewer + segments, then the longer pattern, then the one that
// sorts last.
func moreSpecific(a, b string) bool {
	firstWildcard := func(p string) int {
		i := strings.Index(p, "+")
		if j := strings.Index(p, "*"); j >= 0 && (i < 0 || j < i) {
			i = j
		}
		if i < 0 {
			i = len(p)
		}
		return i
	}
	if fa, fb := firstWildcard(a), firstWildcard(b); fa != fb {
		return fa > fb
	}
	if pa, pb := strings.HasSuffix(a, "*"), strings.HasSuffix(b, "*"); pa != pb {
		return !pa
	}
	if ca, cb := strings.Count(a, "+"), strings.Count(b, "+"); ca != cb {
		return ca < cb
	}
	if len(a) != len(b) {
		return len(a) > len(b)
	}
	return a > b
}
