package kms

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// OpenBao's token store, ACL policies and response wrapping, as far as a
// machine's narrow key credential needs them (vault/token_store.go,
// vault/policy_store.go, vault/wrapping.go, vault/logical_system.go):
//
//	PUT|POST /v1/sys/policies/acl/:name   {"policy": "<HCL>"}; 400 when it does not parse
//	GET      /v1/sys/policies/acl/:name   {"name", "policy"}; 404 when missing
//	DELETE   /v1/sys/policies/acl/:name   204, also when missing
//	LIST     /v1/sys/policies/acl
//	POST     /v1/auth/token/create, /v1/auth/token/create-orphan
//	GET      /v1/auth/token/lookup-self
//	POST     /v1/auth/token/lookup-accessor, /v1/auth/token/revoke-accessor
//	POST     /v1/auth/token/renew-self
//	POST     /v1/sys/wrapping/unwrap, /v1/sys/wrapping/lookup
//
// The configured tokens (Options.Tokens) are root tokens. Any other token
// is one this server made: it may call only what its policies allow (path
// and capability), else 403 "permission denied", like a token that expired
// or was revoked. Any successful answer with a body is response-wrapped
// when the request carries X-Vault-Wrap-TTL: the answer is then a single-use
// wrapping token that sys/wrapping/unwrap trades for the answer once,
// before it expires on the emulator's clock.
//
// Taken from OpenBao's source: the 403 "permission denied", "invalid
// accessor", "wrapping token is not valid or does not exist", the sudo
// rules of token creation and their texts, the policy parser's checks.
// Unverified (guessed): the exact texts of a bad wrap TTL, of writing the
// root policy and of renewing a token that is not renewable; whether
// writing a policy that does not exist yet asks for create rather than
// update (the emulator asks update outside the transit engine).
//
// The store holds tokens under the SHA-256 of the token, never the token
// itself, and the answer a wrapping token wraps is sealed with a key derived
// from that wrapping token: what the store shows cannot be used.

// Collections of the token store and the policies.
const (
	CollectionTokens   = "openbao.tokens"
	CollectionPolicies = "openbao.policies"
)

// WrapTTLHeader asks for a response-wrapped answer.
const WrapTTLHeader = "X-Vault-Wrap-TTL"

// defaultTokenTTL is the system's default and maximum lease (32 days).
const defaultTokenTTL = 768 * time.Hour

// storedToken is a token as the emulator keeps it, under its hash.
type storedToken struct {
	Accessor       string            `json:"accessor"`
	Policies       []string          `json:"policies"`
	DisplayName    string            `json:"display_name"`
	Path           string            `json:"path"`
	Meta           map[string]string `json:"meta,omitempty"`
	Parent         string            `json:"parent,omitempty"` // the parent's hash; none for an orphan
	Orphan         bool              `json:"orphan"`
	Renewable      bool              `json:"renewable"`
	Period         int64             `json:"period,omitempty"` // seconds
	CreationTTL    int64             `json:"creation_ttl"`     // seconds
	ExplicitMaxTTL int64             `json:"explicit_max_ttl,omitempty"`
	NumUses        int               `json:"num_uses"`
	CreationTime   time.Time         `json:"creation_time"`
	IssueTime      time.Time         `json:"issue_time"`
	ExpireTime     time.Time         `json:"expire_time"`
	// A wrapping token's answer, sealed under a key derived from the
	// wrapping token (base64 of nonce and sealed text), and what
	// sys/wrapping/lookup tells of it.
	Wrapped         string `json:"wrapped,omitempty"`
	WrappedAccessor string `json:"wrapped_accessor,omitempty"`
}

// storedPolicy is an ACL policy.
type storedPolicy struct {
	Name   string `json:"name"`
	Policy string `json:"policy"`
}

// caller is who sent a request.
type caller struct {
	root  bool
	hash  string // "" for a root token
	token *storedToken
	raw   string // the token as sent, to unwrap with
}

func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func (t *storedToken) expired(now time.Time) bool {
	return !t.ExpireTime.IsZero() && !now.Before(t.ExpireTime)
}

// valid tells whether the caller's token works: a root token, or a token
// of the store that has not expired nor been revoked.
func (c *caller) valid() bool { return c != nil && (c.root || c.token != nil) }

// authenticate finds the request's caller: nil without a token, a caller
// that is not valid when the token is unknown, expired or revoked.
func (h *Handler) authenticate(r *http.Request) *caller {
	token := r.Header.Get("X-Vault-Token")
	if bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && token == "" {
		token = bearer
	}
	if token == "" {
		return nil
	}
	for _, t := range h.opts.Tokens {
		if subtle.ConstantTimeCompare([]byte(t), []byte(token)) == 1 {
			return &caller{root: true, raw: token}
		}
	}
	c := &caller{raw: token}
	_ = h.opts.Store.View(func(tx store.Tx) error {
		t, found, err := store.Get[storedToken](tx, CollectionTokens, tokenHash(token))
		if err == nil && found && !t.expired(h.opts.Now()) {
			c = &caller{hash: tokenHash(token), token: &t, raw: token}
		}
		return nil
	})
	return c
}

// policies are the caller's policies.
func (c *caller) policies() []string {
	if c.root {
		return []string{policyRoot}
	}
	return c.token.Policies
}

// allowed tells whether c holds capability on path (relative to /v1/).
func (h *Handler) allowed(c *caller, path, capability string) bool {
	caps := h.capabilitiesOf(c, path)
	return slices.Contains(caps, capability)
}

// capabilitiesOf are c's capabilities on path.
func (h *Handler) capabilitiesOf(c *caller, path string) []string {
	if c.root {
		return []string{capCreate, capRead, capUpdate, capDelete, capList, capSudo, capPatch}
	}
	var rules []pathRule
	_ = h.opts.Store.View(func(tx store.Tx) error {
		for _, name := range c.token.Policies {
			text, found := h.policyText(tx, name)
			if !found {
				continue
			}
			parsed, err := parsePolicy(text)
			if err != nil {
				continue
			}
			rules = append(rules, parsed...)
		}
		return nil
	})
	return capabilities(rules, path)
}

// policyText is a policy's text: the stored one, or a built-in one.
func (h *Handler) policyText(tx store.Tx, name string) (string, bool) {
	p, found, err := store.Get[storedPolicy](tx, CollectionPolicies, name)
	if err == nil && found {
		return p.Policy, true
	}
	switch name {
	case policyDefault:
		return defaultPolicy, true
	case policyResponseWrapped:
		return responseWrappingPolicy, true
	}
	return "", false
}

// requiredCapability is the capability a request needs: read for GET, list
// for LIST, delete for DELETE, and for a write update, or create where the
// path's object does not exist yet (OpenBao's existence check, emulated
// for transit keys, the upserts of keys/:name and encrypt/:name).
func (h *Handler) requiredCapability(method, path string) string {
	switch method {
	case http.MethodGet:
		return capRead
	case "LIST":
		return capList
	case http.MethodDelete:
		return capDelete
	}
	rest, ok := strings.CutPrefix(path, Mount+"/")
	if !ok {
		return capUpdate
	}
	op, name, _ := strings.Cut(rest, "/")
	if (op == "keys" && !strings.Contains(name, "/")) || op == "encrypt" {
		exists := false
		_ = h.opts.Store.View(func(tx store.Tx) error {
			_, exists = tx.Get(CollectionKeys, name)
			return nil
		})
		if !exists {
			return capCreate
		}
	}
	return capUpdate
}

// authorized answers 403 and false unless c may call method on path.
func (h *Handler) authorized(w http.ResponseWriter, c *caller, method, path string) bool {
	switch {
	case path == "sys/wrapping/lookup":
		// Unauthenticated in OpenBao.
		return true
	case path == "sys/wrapping/unwrap" && c != nil && !c.valid():
		// A wrapping token that was used or expired: the unwrap says so.
		return true
	}
	if !c.valid() || !h.allowed(c, path, h.requiredCapability(method, path)) {
		writeErrors(w, http.StatusForbidden, "permission denied")
		return false
	}
	return true
}

// randomID is a token or accessor body: 24 base62 characters.
func randomID() string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	var b [24]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}

// policyName is OpenBao's: lower case, trimmed.
var policyNamePattern = regexp.MustCompile(`^[\w\-.@]+$`)

// policies serves sys/policies/acl and sys/policies/acl/:name.
func (h *Handler) policies(w http.ResponseWriter, method, name string, body []byte) {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" {
		if method != "LIST" {
			writeErrors(w, http.StatusMethodNotAllowed, errorList("unsupported operation"))
			return
		}
		names := []string{policyDefault, policyRoot}
		_ = h.opts.Store.View(func(tx store.Tx) error {
			for _, it := range tx.List(CollectionPolicies) {
				if it.ID != policyDefault {
					names = append(names, it.ID)
				}
			}
			return nil
		})
		sort.Strings(names)
		writeJSON(w, http.StatusOK, sysEnvelope(map[string]any{"keys": names, "policies": names}))
		return
	}
	if !policyNamePattern.MatchString(name) {
		writeErrors(w, http.StatusNotFound, errorList("unsupported path"))
		return
	}
	switch method {
	case http.MethodGet:
		var text string
		var found bool
		_ = h.opts.Store.View(func(tx store.Tx) error {
			text, found = h.policyText(tx, name)
			return nil
		})
		if name == policyRoot {
			text, found = "", true
		}
		if !found || name == policyResponseWrapped {
			writeErrors(w, http.StatusNotFound)
			return
		}
		writeJSON(w, http.StatusOK, sysEnvelope(map[string]any{"name": name, "policy": text, "rules": text}))
	case http.MethodPut, http.MethodPost:
		var params map[string]any
		if len(body) > 0 {
			if err := json.Unmarshal(body, &params); err != nil {
				writeErrors(w, http.StatusBadRequest, "failed to parse JSON input: "+err.Error())
				return
			}
		}
		text, _ := params["policy"].(string)
		if text == "" {
			text, _ = params["rules"].(string)
		}
		if text == "" {
			writeErrors(w, http.StatusBadRequest, "'policy' parameter not supplied or empty")
			return
		}
		if decoded, err := base64.StdEncoding.DecodeString(text); err == nil {
			text = string(decoded)
		}
		switch name {
		case policyRoot:
			writeErrors(w, http.StatusBadRequest, "cannot update \"root\" policy")
			return
		case policyResponseWrapped:
			writeErrors(w, http.StatusBadRequest, "cannot update \"response-wrapping\" policy")
			return
		}
		if _, err := parsePolicy(text); err != nil {
			writeErrors(w, http.StatusBadRequest, err.Error())
			return
		}
		_ = h.opts.Store.Update(func(tx store.Tx) error {
			return store.Put(tx, CollectionPolicies, name, storedPolicy{Name: name, Policy: text})
		})
		w.WriteHeader(http.StatusNoContent)
	case http.MethodDelete:
		switch name {
		case policyRoot, policyDefault, policyResponseWrapped:
			writeErrors(w, http.StatusBadRequest, fmt.Sprintf("cannot delete %q policy", name))
			return
		}
		_ = h.opts.Store.Update(func(tx store.Tx) error { return tx.Delete(CollectionPolicies, name) })
		w.WriteHeader(http.StatusNoContent)
	default:
		writeErrors(w, http.StatusMethodNotAllowed, errorList("unsupported operation"))
	}
}

// sysEnvelope is the answer of a system path.
func sysEnvelope(data any) map[string]any {
	env := envelope(data, nil)
	env["mount_type"] = "system"
	return env
}

// tokenStore serves auth/token/<op>.
func (h *Handler) tokenStore(w http.ResponseWriter, c *caller, method, op string, body []byte) {
	var params map[string]any
	if len(body) > 0 && method != http.MethodGet {
		if err := json.Unmarshal(body, &params); err != nil {
			writeErrors(w, http.StatusBadRequest, "failed to parse JSON input: "+err.Error())
			return
		}
	}
	write := method == http.MethodPost || method == http.MethodPut
	// Outside the transaction: the store's transactions do not nest.
	sudo := h.allowed(c, "auth/token/"+op, capSudo)
	var status int
	var resp any
	err := h.opts.Store.Update(func(tx store.Tx) error {
		var err error
		switch {
		case (op == "create" || op == "create-orphan") && write:
			status, resp, err = h.createToken(tx, c, sudo, op == "create-orphan", params)
		case op == "lookup-self" && (method == http.MethodGet || write):
			status, resp = http.StatusOK, tokenEnvelope(h.lookupData(c.token, c.raw, c))
		case op == "lookup-accessor" && write:
			status, resp, err = h.lookupAccessor(tx, params)
		case op == "revoke-accessor" && write:
			status, err = h.revokeAccessor(tx, params)
		case op == "renew-self" && write:
			status, resp, err = h.renewSelf(tx, c)
		default:
			err = &apiError{status: http.StatusNotFound, messages: []string{errorList("unsupported path")}}
		}
		return err
	})
	h.answerWith(w, status, resp, err)
}

func (h *Handler) answerWith(w http.ResponseWriter, status int, resp any, err error) {
	var apiErr *apiError
	switch {
	case err == nil && status == http.StatusNoContent:
		w.WriteHeader(http.StatusNoContent)
	case err == nil:
		writeJSON(w, status, resp)
	case asAPIError(err, &apiErr):
		writeErrors(w, apiErr.status, apiErr.messages...)
	default:
		writeErrors(w, http.StatusInternalServerError, errorList(err.Error()))
	}
}

func asAPIError(err error, target **apiError) bool {
	e, ok := err.(*apiError) //nolint:errorlint // only this package's errors
	if ok {
		*target = e
	}
	return ok
}

func tokenEnvelope(data any) map[string]any {
	env := envelope(data, nil)
	env["mount_type"] = "token"
	return env
}

func stringList(params map[string]any, name string) ([]string, error) {
	switch v := params[name].(type) {
	case nil:
		return nil, nil
	case string:
		var out []string
		for s := range strings.SplitSeq(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
		return out, nil
	case []any:
		var out []string
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, badRequest(fmt.Sprintf("error converting input %v for field %q", v, name))
			}
			out = append(out, strings.TrimSpace(s))
		}
		return out, nil
	}
	return nil, badRequest(fmt.Sprintf("error converting input %v for field %q", params[name], name))
}

var displayNameSanitize = regexp.MustCompile(`([^a-zA-Z0-9-]+)`)

// createToken is handleCreateCommon without roles, batch tokens or
// entities.
func (h *Handler) createToken(tx store.Tx, c *caller, sudo, orphanPath bool, params map[string]any) (int, any, error) {
	policies, err := stringList(params, "policies")
	if err != nil {
		return 0, nil, err
	}
	noDefault, err := boolParam(params, "no_default_policy")
	if err != nil {
		return 0, nil, err
	}
	noParent, err := boolParam(params, "no_parent")
	if err != nil {
		return 0, nil, err
	}
	path := "auth/token/create"
	if orphanPath {
		path += "-orphan"
	}
	parent := c.policies()
	if len(policies) == 0 {
		policies = slices.Clone(parent)
	} else if !sudo {
		for _, p := range policies {
			if p != policyDefault && !slices.Contains(parent, p) {
				return 0, nil, badRequest("child policies must be subset of parent")
			}
		}
	}
	set := map[string]bool{}
	for _, p := range policies {
		if p = strings.ToLower(strings.TrimSpace(p)); p != "" {
			set[p] = true
		}
	}
	if !set[policyRoot] && !noDefault {
		set[policyDefault] = true
	}
	if noDefault {
		delete(set, policyDefault)
	}
	policies = policies[:0]
	for p := range set {
		policies = append(policies, p)
	}
	sort.Strings(policies)
	if set[policyResponseWrapped] {
		return 0, nil, badRequest(fmt.Sprintf("cannot assign policy %q", policyResponseWrapped))
	}
	if set[policyRoot] && !c.root && !slices.Contains(parent, policyRoot) {
		return 0, nil, badRequest("root tokens may not be created without parent token being root")
	}
	t := &storedToken{Policies: policies, Path: path, NumUses: 0, Renewable: true}
	switch {
	case noParent && !sudo:
		return 0, nil, badRequest("root or sudo privileges required to create orphan token")
	case noParent || orphanPath:
		t.Orphan = true
	default:
		t.Parent = c.hash
		t.Orphan = c.hash == ""
	}
	if v, ok := params["renewable"]; ok && v != nil {
		if t.Renewable, err = boolParam(params, "renewable"); err != nil {
			return 0, nil, err
		}
	}
	if t.ExplicitMaxTTL, err = durationSeconds(params, "explicit_max_ttl"); err != nil {
		return 0, nil, err
	}
	if t.Period, err = durationSeconds(params, "period"); err != nil {
		return 0, nil, err
	}
	if t.Period > 0 && !sudo {
		return 0, nil, badRequest("root or sudo privileges required to create periodic token")
	}
	ttl, err := durationSeconds(params, "ttl")
	if err != nil {
		return 0, nil, err
	}
	if meta, ok := params["meta"].(map[string]any); ok {
		t.Meta = map[string]string{}
		for k, v := range meta {
			t.Meta[k] = fmt.Sprint(v)
		}
	}
	t.DisplayName = "token"
	if dn, _ := params["display_name"].(string); dn != "" {
		t.DisplayName = strings.TrimSuffix(displayNameSanitize.ReplaceAllString("token-"+dn, "-"), "-")
	}
	switch {
	case set[policyRoot] && ttl == 0 && t.Period == 0:
		// A root token without a TTL never expires.
	case t.Period > 0:
		t.CreationTTL = t.Period
	case ttl > 0:
		t.CreationTTL = ttl
	default:
		t.CreationTTL = int64(defaultTokenTTL / time.Second)
	}
	if t.ExplicitMaxTTL > 0 && (t.CreationTTL == 0 || t.CreationTTL > t.ExplicitMaxTTL) {
		t.CreationTTL = t.ExplicitMaxTTL
	}
	now := h.opts.Now().UTC()
	t.CreationTime, t.IssueTime = now, now
	if t.CreationTTL > 0 {
		t.ExpireTime = now.Add(time.Duration(t.CreationTTL) * time.Second)
	}
	token := "s." + randomID()
	t.Accessor = randomID()
	if err := store.Put(tx, CollectionTokens, tokenHash(token), t); err != nil {
		return 0, nil, err
	}
	env := tokenEnvelope(nil)
	env["auth"] = h.authBlock(t, token)
	return http.StatusOK, env, nil
}

// authBlock is the "auth" of an answer that makes or renews a token.
func (h *Handler) authBlock(t *storedToken, token string) map[string]any {
	var meta any
	if len(t.Meta) > 0 {
		meta = t.Meta
	}
	lease := int64(0)
	if !t.ExpireTime.IsZero() {
		lease = int64(t.ExpireTime.Sub(h.opts.Now()) / time.Second)
	}
	return map[string]any{
		"client_token": token, "accessor": t.Accessor, "policies": t.Policies, "token_policies": t.Policies,
		"metadata": meta, "lease_duration": lease, "renewable": t.Renewable, "entity_id": "",
		"token_type": "service", "orphan": t.Orphan, "mfa_requirement": nil, "num_uses": t.NumUses,
	}
}

// lookupData is a token's lookup answer; id is empty for lookup-accessor.
func (h *Handler) lookupData(t *storedToken, id string, c *caller) map[string]any {
	if c != nil && c.root {
		return map[string]any{
			"accessor": "", "creation_time": 0, "creation_ttl": 0, "display_name": "root", "entity_id": "",
			"expire_time": nil, "explicit_max_ttl": 0, "id": id, "meta": nil, "num_uses": 0, "orphan": true,
			"path": "auth/token/root", "policies": []string{policyRoot}, "ttl": 0, "type": "service",
		}
	}
	var expire any
	ttl := int64(0)
	if !t.ExpireTime.IsZero() {
		expire = t.ExpireTime.Format(time.RFC3339Nano)
		ttl = int64(t.ExpireTime.Sub(h.opts.Now()) / time.Second)
	}
	var meta any
	if len(t.Meta) > 0 {
		meta = t.Meta
	}
	data := map[string]any{
		"accessor": t.Accessor, "creation_time": t.CreationTime.Unix(), "creation_ttl": t.CreationTTL,
		"display_name": t.DisplayName, "entity_id": "", "expire_time": expire, "explicit_max_ttl": t.ExplicitMaxTTL,
		"id": id, "issue_time": t.IssueTime.Format(time.RFC3339Nano), "meta": meta, "num_uses": t.NumUses,
		"orphan": t.Orphan, "path": t.Path, "policies": t.Policies, "renewable": t.Renewable, "ttl": ttl,
		"type": "service",
	}
	if t.Period > 0 {
		data["period"] = t.Period
	}
	return data
}

// byAccessor finds a live token by its accessor; hash is "" when none.
func (h *Handler) byAccessor(tx store.Tx, accessor string) (hash string, t *storedToken) {
	for _, it := range tx.List(CollectionTokens) {
		var st storedToken
		if json.Unmarshal(it.Doc, &st) == nil && st.Accessor == accessor && !st.expired(h.opts.Now()) {
			return it.ID, &st
		}
	}
	return "", nil
}

func accessorParam(params map[string]any) (string, error) {
	a, _ := params["accessor"].(string)
	if a == "" {
		return "", badRequest("missing accessor")
	}
	return a, nil
}

func (h *Handler) lookupAccessor(tx store.Tx, params map[string]any) (int, any, error) {
	accessor, err := accessorParam(params)
	if err != nil {
		return 0, nil, err
	}
	_, t := h.byAccessor(tx, accessor)
	if t == nil {
		return 0, nil, badRequest("invalid accessor")
	}
	return http.StatusOK, tokenEnvelope(h.lookupData(t, "", nil)), nil
}

func (h *Handler) revokeAccessor(tx store.Tx, params map[string]any) (int, error) {
	accessor, err := accessorParam(params)
	if err != nil {
		return 0, err
	}
	hash, _ := h.byAccessor(tx, accessor)
	if hash == "" {
		return 0, badRequest("invalid accessor")
	}
	return http.StatusNoContent, h.revokeTree(tx, hash)
}

// revokeTree revokes a token and its children.
func (h *Handler) revokeTree(tx store.Tx, hash string) error {
	for _, it := range tx.List(CollectionTokens) {
		var st storedToken
		if json.Unmarshal(it.Doc, &st) == nil && st.Parent == hash {
			if err := h.revokeTree(tx, it.ID); err != nil {
				return err
			}
		}
	}
	return tx.Delete(CollectionTokens, hash)
}

func (h *Handler) renewSelf(tx store.Tx, c *caller) (int, any, error) {
	if c.root {
		return 0, nil, badRequest("lease is not renewable")
	}
	t := c.token
	if !t.Renewable {
		return 0, nil, badRequest("lease is not renewable")
	}
	now := h.opts.Now().UTC()
	next := now.Add(time.Duration(t.CreationTTL) * time.Second)
	if t.Period > 0 {
		next = now.Add(time.Duration(t.Period) * time.Second)
	}
	if t.ExplicitMaxTTL > 0 {
		if limit := t.CreationTime.Add(time.Duration(t.ExplicitMaxTTL) * time.Second); next.After(limit) {
			next = limit
		}
	}
	t.ExpireTime = next
	if err := store.Put(tx, CollectionTokens, c.hash, t); err != nil {
		return 0, nil, err
	}
	env := tokenEnvelope(nil)
	env["auth"] = h.authBlock(t, c.raw)
	return http.StatusOK, env, nil
}

// Response wrapping.

const errBadWrappingToken = "wrapping token is not valid or does not exist"

// wrap stores answer under a new wrapping token and answers its wrap_info.
func (h *Handler) wrap(w http.ResponseWriter, ttlHeader, creationPath string, answer []byte) {
	ttl, err := durationSeconds(map[string]any{"ttl": ttlHeader}, "ttl")
	if err != nil || ttl <= 0 {
		writeErrors(w, http.StatusBadRequest, fmt.Sprintf("error parsing wrap TTL: %q", ttlHeader))
		return
	}
	var inner struct {
		Auth *struct {
			Accessor string `json:"accessor"`
		} `json:"auth"`
	}
	_ = json.Unmarshal(answer, &inner)
	token := "s." + randomID()
	sealed, err := sealWith(token, answer)
	if err != nil {
		writeErrors(w, http.StatusInternalServerError, errorList(err.Error()))
		return
	}
	now := h.opts.Now().UTC()
	t := &storedToken{
		Accessor: randomID(), Policies: []string{policyResponseWrapped}, DisplayName: "response-wrapping",
		Path: creationPath, Orphan: true, NumUses: 1, CreationTTL: ttl, CreationTime: now, IssueTime: now,
		ExpireTime: now.Add(time.Duration(ttl) * time.Second), Wrapped: sealed,
	}
	if inner.Auth != nil {
		t.WrappedAccessor = inner.Auth.Accessor
	}
	if err := h.opts.Store.Update(func(tx store.Tx) error {
		return store.Put(tx, CollectionTokens, tokenHash(token), t)
	}); err != nil {
		writeErrors(w, http.StatusInternalServerError, errorList(err.Error()))
		return
	}
	env := envelope(nil, nil)
	delete(env, "mount_type")
	env["wrap_info"] = map[string]any{
		"token": token, "accessor": t.Accessor, "ttl": ttl, "creation_time": now.Format(time.RFC3339Nano),
		"creation_path": creationPath, "wrapped_accessor": t.WrappedAccessor,
	}
	writeJSON(w, http.StatusOK, env)
}

// wrapping serves sys/wrapping/unwrap and sys/wrapping/lookup.
func (h *Handler) wrapping(w http.ResponseWriter, c *caller, method, op string, body []byte) {
	if method != http.MethodPost && method != http.MethodPut {
		writeErrors(w, http.StatusMethodNotAllowed, errorList("unsupported operation"))
		return
	}
	var params map[string]any
	if len(body) > 0 {
		if err := json.Unmarshal(body, &params); err != nil {
			writeErrors(w, http.StatusBadRequest, "failed to parse JSON input: "+err.Error())
			return
		}
	}
	token, _ := params["token"].(string)
	if token == "" && c != nil {
		token = c.raw
	}
	if token == "" {
		writeErrors(w, http.StatusBadRequest, "missing token")
		return
	}
	hash := tokenHash(token)
	var t storedToken
	var found bool
	var answer []byte
	err := h.opts.Store.Update(func(tx store.Tx) error {
		var err error
		t, found, err = store.Get[storedToken](tx, CollectionTokens, hash)
		if err != nil {
			return err
		}
		if !found || t.Wrapped == "" || t.expired(h.opts.Now()) {
			return badRequest(errBadWrappingToken)
		}
		if op == "lookup" {
			return nil
		}
		if answer, err = openWith(token, t.Wrapped); err != nil {
			return err
		}
		// Single use: the wrapping token goes with its answer.
		return tx.Delete(CollectionTokens, hash)
	})
	switch {
	case err != nil:
		h.answerWith(w, 0, nil, err)
	case op == "lookup":
		writeJSON(w, http.StatusOK, sysEnvelope(map[string]any{
			"creation_path": t.Path, "creation_time": t.CreationTime.Format(time.RFC3339Nano), "creation_ttl": t.CreationTTL,
		}))
	default:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(answer)
	}
}

// sealWith seals plain under a key derived from the wrapping token.
func sealWith(token string, plain []byte) (string, error) {
	aead, err := wrappingAEAD(token)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(aead.Seal(nonce, nonce, plain, nil)), nil
}

func openWith(token, sealed string) ([]byte, error) {
	raw, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil {
		return nil, err
	}
	aead, err := wrappingAEAD(token)
	if err != nil {
		return nil, err
	}
	if len(raw) < aead.NonceSize() {
		return nil, badRequest(errBadWrappingToken)
	}
	return aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], nil)
}

func wrappingAEAD(token string) (cipher.AEAD, error) {
	key, err := hkdf.Key(sha256.New, []byte(token), nil, "openbao-emulator response wrapping", 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// recorder keeps an answer so that it can be wrapped.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newRecorder() *recorder { return &recorder{header: http.Header{}} }

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}
func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

// flush sends the kept answer.
func (r *recorder) flush(w http.ResponseWriter) {
	for k, v := range r.header {
		w.Header()[k] = v
	}
	if r.status == 0 {
		r.status = http.StatusOK
	}
	w.WriteHeader(r.status)
	_, _ = w.Write(r.body.Bytes())
}
