package outscale

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// EIM (Elastic Identity Management) through OAPI: users of an account
// (CreateUser, ReadUsers, DeleteUser), their access keys (CreateAccessKey
// with UserName, ReadAccessKeys, DeleteAccessKey), and managed policies,
// JSON documents linked to users (CreatePolicy, ReadPolicy, DeletePolicy,
// LinkPolicy, UnlinkPolicy, ReadLinkedPolicies) and their versions
// (CreatePolicyVersion, ReadPolicyVersion(s), DeletePolicyVersion,
// SetDefaultPolicyVersion: the default version is the one in force). Shapes and parameters
// follow the OAPI spec (osc-sdk-go v2 api/openapi.yaml); the error codes of
// these calls are not in the public samples and are unverified.
//
// An EIM user's access key signs object storage (OOS) requests: the S3
// endpoint looks it up (LookupEIMKey) and authorizes the request by the
// user's linked policies alone, deny by default. OAPI calls signed with
// an EIM user's key are not emulated (the provider makes none).

const (
	collEIMUsers    = "outscale.eim_users"
	collEIMPolicies = "outscale.eim_policies"
	collAccessKeys  = "outscale.access_keys"
)

// eimUser is OAPI's User, with the policies linked to it.
type eimUser struct {
	owner
	UserName             string   `json:"UserName"`
	UserID               string   `json:"UserId"`
	UserEmail            string   `json:"UserEmail,omitempty"`
	Path                 string   `json:"Path"`
	CreationDate         string   `json:"CreationDate"`
	LastModificationDate string   `json:"LastModificationDate"`
	Policies             []string `json:"linked_policies,omitempty"` // ORNs
}

type userOut struct {
	UserName             string `json:"UserName"`
	UserID               string `json:"UserId"`
	UserEmail            string `json:"UserEmail,omitempty"`
	Path                 string `json:"Path"`
	CreationDate         string `json:"CreationDate"`
	LastModificationDate string `json:"LastModificationDate"`
	OutscaleLoginAllowed bool   `json:"OutscaleLoginAllowed"`
}

func (u eimUser) view() userOut {
	return userOut{UserName: u.UserName, UserID: u.UserID, UserEmail: u.UserEmail, Path: u.Path,
		CreationDate: u.CreationDate, LastModificationDate: u.LastModificationDate}
}

// eimPolicy is OAPI's Policy, with its document.
type eimPolicy struct {
	owner
	PolicyName             string `json:"PolicyName"`
	PolicyID               string `json:"PolicyId"`
	Orn                    string `json:"Orn"`
	Path                   string `json:"Path"`
	Description            string `json:"Description,omitempty"`
	Document               string `json:"document"` // the default version's body
	PolicyDefaultVersionID string `json:"PolicyDefaultVersionId"`
	CreationDate           string `json:"CreationDate"`
	LastModificationDate   string `json:"LastModificationDate"`
	// Versions are the policy's versions, v1 first; a policy stored before
	// versions existed has none here and its Document is v1.
	Versions    []policyVersion `json:"versions,omitempty"`
	LastVersion int             `json:"last_version,omitempty"`
}

// policyVersion is OAPI's PolicyVersion, without DefaultVersion, which the
// policy's PolicyDefaultVersionId says.
type policyVersion struct {
	VersionID    string `json:"VersionId"`
	Body         string `json:"Body"`
	CreationDate string `json:"CreationDate"`
}

type policyVersionOut struct {
	VersionID      string `json:"VersionId"`
	Body           string `json:"Body"`
	CreationDate   string `json:"CreationDate"`
	DefaultVersion bool   `json:"DefaultVersion"`
}

// versions are p's versions, v1 made from Document for a policy stored
// before versions existed.
func (p eimPolicy) versions() []policyVersion {
	if len(p.Versions) > 0 {
		return p.Versions
	}
	return []policyVersion{{VersionID: "v1", Body: p.Document, CreationDate: p.CreationDate}}
}

func (p eimPolicy) versionView(v policyVersion) policyVersionOut {
	return policyVersionOut{VersionID: v.VersionID, Body: v.Body, CreationDate: v.CreationDate,
		DefaultVersion: v.VersionID == p.PolicyDefaultVersionID}
}

type policyOut struct {
	PolicyName             string `json:"PolicyName"`
	PolicyID               string `json:"PolicyId"`
	Orn                    string `json:"Orn"`
	Path                   string `json:"Path"`
	Description            string `json:"Description,omitempty"`
	PolicyDefaultVersionID string `json:"PolicyDefaultVersionId"`
	CreationDate           string `json:"CreationDate"`
	LastModificationDate   string `json:"LastModificationDate"`
	IsLinkable             bool   `json:"IsLinkable"`
	ResourcesCount         int    `json:"ResourcesCount"`
}

// accessKey is an access key of an account's EIM user; the account's own
// keys are the emulator's configuration.
type accessKey struct {
	owner
	AccessKeyID          string `json:"AccessKeyId"`
	SecretKey            string `json:"secret_key"`
	UserName             string `json:"user_name"`
	State                string `json:"State"`
	Tag                  string `json:"Tag,omitempty"`
	ExpirationDate       string `json:"ExpirationDate,omitempty"`
	CreationDate         string `json:"CreationDate"`
	LastModificationDate string `json:"LastModificationDate"`
}

type accessKeyOut struct {
	AccessKeyID          string `json:"AccessKeyId"`
	State                string `json:"State"`
	Tag                  string `json:"Tag,omitempty"`
	ExpirationDate       string `json:"ExpirationDate,omitempty"`
	CreationDate         string `json:"CreationDate"`
	LastModificationDate string `json:"LastModificationDate"`
}

func (k accessKey) view() accessKeyOut {
	return accessKeyOut{AccessKeyID: k.AccessKeyID, State: k.State, Tag: k.Tag, ExpirationDate: k.ExpirationDate,
		CreationDate: k.CreationDate, LastModificationDate: k.LastModificationDate}
}

// Error codes of the EIM calls (unverified: no public sample).
const (
	codeEIMUserExists   = "9073"
	codeEIMPolicyExists = "9074"
	codeEIMUserHasKeys  = "9075"
	codeEIMPolicyLinked = "9076"
	codeEIMNotFound     = "5094"
	// The limit of five versions, and the default version, which
	// DeletePolicyVersion refuses to delete.
	codeEIMVersionLimit   = "9077"
	codeEIMDefaultVersion = "9078"
)

// maxPolicyVersions is the spec's limit (CreatePolicyVersion: a managed
// policy can have up to five versions).
const maxPolicyVersions = 5

var (
	userNamePattern   = regexp.MustCompile(`^[A-Za-z0-9+=,.@_-]{1,64}$`)
	policyNamePattern = regexp.MustCompile(`^[A-Za-z0-9+=,.@_-]{1,128}$`)
	pathPattern       = regexp.MustCompile(`^/([A-Za-z0-9_/]{0,510}/)?$`)
	ornPattern        = regexp.MustCompile(`^orn:ows:(iam|idauth):\S*:\d{12}:policy/\S+$`)
)

// maxPolicyDocument is the spec's limit on a document, in non-whitespace
// characters.
const maxPolicyDocument = 5120

func errEIMNotFound(what, name string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: codeEIMNotFound, Type: "InvalidResource",
		Details: fmt.Sprintf("The %s '%s' doesn't exist.", what, name)}
}

func eimTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func userDocID(account, name string) string { return account + "/" + name }

func eimUserOf(tx store.Tx, account, name string) (eimUser, error) {
	u, found, err := store.Get[eimUser](tx, collEIMUsers, userDocID(account, name))
	if err != nil {
		return u, err
	}
	if !found {
		return u, errEIMNotFound("user", name)
	}
	return u, nil
}

func createUser(c *call) (any, error) {
	var req struct {
		DryRun    bool    `json:"DryRun"`
		UserName  *string `json:"UserName"`
		UserEmail string  `json:"UserEmail"`
		Path      string  `json:"Path"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := required("UserName", req.UserName); err != nil {
		return nil, err
	}
	if !userNamePattern.MatchString(*req.UserName) {
		return nil, errInvalidValue("UserName", *req.UserName, "It must have 1 to 64 alphanumeric characters, +, =, ,, ., @, - or _.")
	}
	if req.Path == "" {
		req.Path = "/"
	}
	if !pathPattern.MatchString(req.Path) {
		return nil, errInvalidValue("Path", req.Path, "It must begin and end with a slash.")
	}
	account := c.account.AccountID
	now := eimTime(c.handler.opts.Now())
	return c.mutate(req.DryRun, func(tx store.Tx) (any, error) {
		if _, found, err := store.Get[eimUser](tx, collEIMUsers, userDocID(account, *req.UserName)); err != nil {
			return nil, err
		} else if found {
			return nil, errConflict(codeEIMUserExists, fmt.Sprintf("The user '%s' already exists.", *req.UserName))
		}
		u := eimUser{owner: owner{account}, UserName: *req.UserName, UserID: randomEIMID(), UserEmail: req.UserEmail,
			Path: req.Path, CreationDate: now, LastModificationDate: now}
		if err := store.Put(tx, collEIMUsers, userDocID(account, u.UserName), u); err != nil {
			return nil, err
		}
		return struct {
			User userOut `json:"User"`
		}{u.view()}, nil
	})
}

func readUsers(c *call) (any, error) {
	var req struct {
		DryRun  bool `json:"DryRun"`
		Filters struct {
			UserIDs []string `json:"UserIds"`
		} `json:"Filters"`
		FirstItem      int `json:"FirstItem"`
		ResultsPerPage int `json:"ResultsPerPage"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	account := c.account.AccountID
	return c.view(func(tx store.Tx) (any, error) {
		all, err := listOwned[eimUser](tx, collEIMUsers, account)
		if err != nil {
			return nil, err
		}
		out := []userOut{}
		for _, u := range all {
			if len(req.Filters.UserIDs) == 0 || slices.Contains(req.Filters.UserIDs, u.UserID) {
				out = append(out, u.view())
			}
		}
		slices.SortFunc(out, func(a, b userOut) int { return strings.Compare(a.UserName, b.UserName) })
		shown, more := window(out, req.FirstItem, req.ResultsPerPage)
		return struct {
			Users        []userOut `json:"Users"`
			HasMoreItems bool      `json:"HasMoreItems"`
		}{shown, more}, nil
	})
}

// window is the page FirstItem and ResultsPerPage ask for.
func window[T any](all []T, first, per int) ([]T, bool) {
	if first < 0 || first > len(all) {
		first = len(all)
	}
	all = all[first:]
	if per > 0 && per < len(all) {
		return all[:per], true
	}
	return all, false
}

// deleteUser deletes a user with neither access key nor linked policy, as
// IAM requires (whether OAPI refuses the same way is unverified).
func deleteUser(c *call) (any, error) {
	var req struct {
		DryRun   bool    `json:"DryRun"`
		UserName *string `json:"UserName"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := required("UserName", req.UserName); err != nil {
		return nil, err
	}
	account := c.account.AccountID
	return c.mutate(req.DryRun, func(tx store.Tx) (any, error) {
		u, err := eimUserOf(tx, account, *req.UserName)
		if err != nil {
			return nil, err
		}
		keys, err := userKeys(tx, account, u.UserName)
		if err != nil {
			return nil, err
		}
		if len(keys) > 0 {
			return nil, errConflict(codeEIMUserHasKeys, fmt.Sprintf("The user '%s' still has %d access keys: delete them first.", u.UserName, len(keys)))
		}
		if len(u.Policies) > 0 {
			return nil, errConflict(codeEIMPolicyLinked, fmt.Sprintf("The user '%s' still has %d linked policies: unlink them first.", u.UserName, len(u.Policies)))
		}
		return struct{}{}, tx.Delete(collEIMUsers, userDocID(account, u.UserName))
	})
}

func userKeys(tx store.Tx, account, user string) ([]accessKey, error) {
	all, err := listOwned[accessKey](tx, collAccessKeys, account)
	if err != nil {
		return nil, err
	}
	var out []accessKey
	for _, k := range all {
		if k.UserName == user {
			out = append(out, k)
		}
	}
	return out, nil
}

// createAccessKey makes an access key for an EIM user, answering its
// secret this once. Without UserName the key would be the caller's own:
// the emulator's accounts have fixed keys, so it refuses that.
func createAccessKey(c *call) (any, error) {
	var req struct {
		DryRun         bool   `json:"DryRun"`
		UserName       string `json:"UserName"`
		ExpirationDate string `json:"ExpirationDate"`
		Tag            string `json:"Tag"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if req.UserName == "" {
		return nil, errInvalidValue("UserName", "", "The emulator makes access keys for EIM users only.")
	}
	if req.ExpirationDate != "" {
		if _, err := parseOAPIDate(req.ExpirationDate); err != nil {
			return nil, errInvalidValue("ExpirationDate", req.ExpirationDate, "It must be an ISO 8601 date.")
		}
	}
	account := c.account.AccountID
	now := eimTime(c.handler.opts.Now())
	return c.mutate(req.DryRun, func(tx store.Tx) (any, error) {
		if _, err := eimUserOf(tx, account, req.UserName); err != nil {
			return nil, err
		}
		if keys, err := userKeys(tx, account, req.UserName); err != nil {
			return nil, err
		} else if len(keys) >= 2 {
			return nil, errConflict(codeEIMUserHasKeys, fmt.Sprintf("The user '%s' already has 2 access keys, the most a user may have.", req.UserName))
		}
		k := accessKey{owner: owner{account}, AccessKeyID: randomKey(20), SecretKey: randomKey(40), UserName: req.UserName,
			State: "ACTIVE", Tag: req.Tag, ExpirationDate: req.ExpirationDate, CreationDate: now, LastModificationDate: now}
		if err := store.Put(tx, collAccessKeys, k.AccessKeyID, k); err != nil {
			return nil, err
		}
		type withSecret struct {
			accessKeyOut
			SecretKey string `json:"SecretKey"`
		}
		return struct {
			AccessKey withSecret `json:"AccessKey"`
		}{withSecret{k.view(), k.SecretKey}}, nil
	})
}

func parseOAPIDate(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05.000Z", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not a date: %q", s)
}

// readAccessKeys lists the access keys of an EIM user (UserName), never
// their secrets.
func readAccessKeys(c *call) (any, error) {
	var req struct {
		DryRun   bool   `json:"DryRun"`
		UserName string `json:"UserName"`
		Tag      string `json:"Tag"`
		Filters  struct {
			AccessKeyIDs []string `json:"AccessKeyIds"`
			States       []string `json:"States"`
		} `json:"Filters"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	account := c.account.AccountID
	return c.view(func(tx store.Tx) (any, error) {
		if req.UserName != "" {
			if _, err := eimUserOf(tx, account, req.UserName); err != nil {
				return nil, err
			}
		}
		keys, err := userKeys(tx, account, req.UserName)
		if err != nil {
			return nil, err
		}
		out := []accessKeyOut{}
		for _, k := range keys {
			f := req.Filters
			if (len(f.AccessKeyIDs) > 0 && !slices.Contains(f.AccessKeyIDs, k.AccessKeyID)) ||
				(len(f.States) > 0 && !slices.Contains(f.States, k.State)) || (req.Tag != "" && req.Tag != k.Tag) {
				continue
			}
			out = append(out, k.view())
		}
		return struct {
			AccessKeys []accessKeyOut `json:"AccessKeys"`
		}{out}, nil
	})
}

func deleteAccessKey(c *call) (any, error) {
	var req struct {
		DryRun      bool    `json:"DryRun"`
		AccessKeyID *string `json:"AccessKeyId"`
		UserName    string  `json:"UserName"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := required("AccessKeyId", req.AccessKeyID); err != nil {
		return nil, err
	}
	account := c.account.AccountID
	return c.mutate(req.DryRun, func(tx store.Tx) (any, error) {
		k, found, err := store.Get[accessKey](tx, collAccessKeys, *req.AccessKeyID)
		if err != nil {
			return nil, err
		}
		if !found || k.AccountID != account || (req.UserName != "" && k.UserName != req.UserName) {
			return nil, errEIMNotFound("access key", *req.AccessKeyID)
		}
		return struct{}{}, tx.Delete(collAccessKeys, k.AccessKeyID)
	})
}

func createPolicy(c *call) (any, error) {
	var req struct {
		DryRun      bool    `json:"DryRun"`
		PolicyName  *string `json:"PolicyName"`
		Document    *string `json:"Document"`
		Description string  `json:"Description"`
		Path        string  `json:"Path"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := required("PolicyName", req.PolicyName); err != nil {
		return nil, err
	}
	if err := required("Document", req.Document); err != nil {
		return nil, err
	}
	if !policyNamePattern.MatchString(*req.PolicyName) {
		return nil, errInvalidValue("PolicyName", *req.PolicyName, "")
	}
	if err := checkPolicyDocument(*req.Document); err != nil {
		return nil, errInvalidValue("Document", "…", err.Error())
	}
	if req.Path == "" {
		req.Path = "/"
	}
	if !pathPattern.MatchString(req.Path) {
		return nil, errInvalidValue("Path", req.Path, "It must begin and end with a slash.")
	}
	account := c.account.AccountID
	now := eimTime(c.handler.opts.Now())
	orn := "orn:ows:idauth::" + account + ":policy" + req.Path + *req.PolicyName
	return c.mutate(req.DryRun, func(tx store.Tx) (any, error) {
		all, err := listOwned[eimPolicy](tx, collEIMPolicies, account)
		if err != nil {
			return nil, err
		}
		for _, p := range all {
			if p.PolicyName == *req.PolicyName {
				return nil, errConflict(codeEIMPolicyExists, fmt.Sprintf("The policy '%s' already exists.", *req.PolicyName))
			}
		}
		p := eimPolicy{owner: owner{account}, PolicyName: *req.PolicyName, PolicyID: randomEIMID(), Orn: orn, Path: req.Path,
			Description: req.Description, Document: *req.Document, PolicyDefaultVersionID: "v1", CreationDate: now, LastModificationDate: now,
			Versions: []policyVersion{{VersionID: "v1", Body: *req.Document, CreationDate: now}}, LastVersion: 1}
		if err := store.Put(tx, collEIMPolicies, orn, p); err != nil {
			return nil, err
		}
		return struct {
			Policy policyOut `json:"Policy"`
		}{policyView(tx, p)}, nil
	})
}

// checkPolicyDocument reads an EIM policy document: JSON, with statements
// that each have an Effect, actions and resources, and no more than the
// spec's 5120 non-whitespace characters.
func checkPolicyDocument(doc string) error {
	if n := len(strings.Join(strings.Fields(doc), "")); n > maxPolicyDocument {
		return fmt.Errorf("the document has %d non-whitespace characters, more than %d", n, maxPolicyDocument)
	}
	var p struct {
		Statement []struct {
			Effect   string
			Action   json.RawMessage
			Resource json.RawMessage
		}
	}
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return fmt.Errorf("the document is not a JSON policy: %v", err)
	}
	if len(p.Statement) == 0 {
		return fmt.Errorf("the document has no Statement")
	}
	for i, st := range p.Statement {
		if st.Effect != "Allow" && st.Effect != "Deny" {
			return fmt.Errorf("statement %d: Effect is Allow or Deny", i+1)
		}
		if len(st.Action) == 0 || len(st.Resource) == 0 {
			return fmt.Errorf("statement %d needs Action and Resource", i+1)
		}
	}
	return nil
}

func policyView(tx store.Tx, p eimPolicy) policyOut {
	users, _ := listOwned[eimUser](tx, collEIMUsers, p.AccountID)
	n := 0
	for _, u := range users {
		if slices.Contains(u.Policies, p.Orn) {
			n++
		}
	}
	return policyOut{PolicyName: p.PolicyName, PolicyID: p.PolicyID, Orn: p.Orn, Path: p.Path, Description: p.Description,
		PolicyDefaultVersionID: p.PolicyDefaultVersionID, CreationDate: p.CreationDate,
		LastModificationDate: p.LastModificationDate, IsLinkable: true, ResourcesCount: n}
}

func policyByOrn(tx store.Tx, account string, orn *string) (eimPolicy, error) {
	if err := required("PolicyOrn", orn); err != nil {
		return eimPolicy{}, err
	}
	if !ornPattern.MatchString(*orn) {
		return eimPolicy{}, errInvalidValue("PolicyOrn", *orn, "It must match ^orn:ows:(iam|idauth):\\S*:\\d{12}:policy/\\S+$.")
	}
	p, found, err := store.Get[eimPolicy](tx, collEIMPolicies, *orn)
	if err != nil {
		return p, err
	}
	if !found || p.AccountID != account {
		return p, errEIMNotFound("policy", *orn)
	}
	return p, nil
}

func readPolicy(c *call) (any, error) {
	var req struct {
		DryRun    bool    `json:"DryRun"`
		PolicyOrn *string `json:"PolicyOrn"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	account := c.account.AccountID
	return c.view(func(tx store.Tx) (any, error) {
		p, err := policyByOrn(tx, account, req.PolicyOrn)
		if err != nil {
			return nil, err
		}
		return struct {
			Policy policyOut `json:"Policy"`
		}{policyView(tx, p)}, nil
	})
}

// deletePolicy deletes a policy linked to no user.
func deletePolicy(c *call) (any, error) {
	var req struct {
		DryRun    bool    `json:"DryRun"`
		PolicyOrn *string `json:"PolicyOrn"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	account := c.account.AccountID
	return c.mutate(req.DryRun, func(tx store.Tx) (any, error) {
		p, err := policyByOrn(tx, account, req.PolicyOrn)
		if err != nil {
			return nil, err
		}
		if v := policyView(tx, p); v.ResourcesCount > 0 {
			return nil, errConflict(codeEIMPolicyLinked, fmt.Sprintf("The policy '%s' is linked to %d users: unlink it first.", p.Orn, v.ResourcesCount))
		}
		// "You must … delete all the versions of the policy, except the
		// default one" (the spec's DeletePolicy).
		if n := len(p.versions()); n > 1 {
			return nil, errConflict(codeEIMDefaultVersion, fmt.Sprintf("The policy '%s' has %d versions besides its default one: delete them first.", p.Orn, n-1))
		}
		return struct{}{}, tx.Delete(collEIMPolicies, p.Orn)
	})
}

// createPolicyVersion adds a version to a policy (five at most), the
// default one when SetAsDefault.
func createPolicyVersion(c *call) (any, error) {
	var req struct {
		DryRun       bool    `json:"DryRun"`
		PolicyOrn    *string `json:"PolicyOrn"`
		Document     *string `json:"Document"`
		SetAsDefault bool    `json:"SetAsDefault"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := required("Document", req.Document); err != nil {
		return nil, err
	}
	if err := checkPolicyDocument(*req.Document); err != nil {
		return nil, errInvalidValue("Document", "…", err.Error())
	}
	account := c.account.AccountID
	now := eimTime(c.handler.opts.Now())
	return c.mutate(req.DryRun, func(tx store.Tx) (any, error) {
		p, err := policyByOrn(tx, account, req.PolicyOrn)
		if err != nil {
			return nil, err
		}
		versions := p.versions()
		if len(versions) >= maxPolicyVersions {
			return nil, errConflict(codeEIMVersionLimit, fmt.Sprintf("The policy '%s' already has %d versions, the most a policy may have: delete one first.", p.Orn, len(versions)))
		}
		last := max(p.LastVersion, len(versions))
		v := policyVersion{VersionID: fmt.Sprintf("v%d", last+1), Body: *req.Document, CreationDate: now}
		p.Versions, p.LastVersion, p.LastModificationDate = append(slices.Clone(versions), v), last+1, now
		if req.SetAsDefault {
			p.PolicyDefaultVersionID, p.Document = v.VersionID, v.Body
		}
		if err := store.Put(tx, collEIMPolicies, p.Orn, p); err != nil {
			return nil, err
		}
		return struct {
			PolicyVersion policyVersionOut `json:"PolicyVersion"`
		}{p.versionView(v)}, nil
	})
}

// policyVersionOf finds a version of p.
func policyVersionOf(p eimPolicy, id *string) (policyVersion, error) {
	if err := required("VersionId", id); err != nil {
		return policyVersion{}, err
	}
	for _, v := range p.versions() {
		if v.VersionID == *id {
			return v, nil
		}
	}
	return policyVersion{}, errEIMNotFound("policy version", *id)
}

func readPolicyVersion(c *call) (any, error) {
	var req struct {
		DryRun    bool    `json:"DryRun"`
		PolicyOrn *string `json:"PolicyOrn"`
		VersionID *string `json:"VersionId"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	account := c.account.AccountID
	return c.view(func(tx store.Tx) (any, error) {
		p, err := policyByOrn(tx, account, req.PolicyOrn)
		if err != nil {
			return nil, err
		}
		v, err := policyVersionOf(p, req.VersionID)
		if err != nil {
			return nil, err
		}
		return struct {
			PolicyVersion policyVersionOut `json:"PolicyVersion"`
		}{p.versionView(v)}, nil
	})
}

func readPolicyVersions(c *call) (any, error) {
	var req struct {
		DryRun         bool    `json:"DryRun"`
		PolicyOrn      *string `json:"PolicyOrn"`
		FirstItem      int     `json:"FirstItem"`
		ResultsPerPage int     `json:"ResultsPerPage"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	account := c.account.AccountID
	return c.view(func(tx store.Tx) (any, error) {
		p, err := policyByOrn(tx, account, req.PolicyOrn)
		if err != nil {
			return nil, err
		}
		out := []policyVersionOut{}
		for _, v := range p.versions() {
			out = append(out, p.versionView(v))
		}
		shown, more := window(out, req.FirstItem, req.ResultsPerPage)
		return struct {
			PolicyVersions  []policyVersionOut `json:"PolicyVersions"`
			HasMoreItems    bool               `json:"HasMoreItems"`
			MaxResultsLimit int                `json:"MaxResultsLimit"`
		}{shown, more, 100}, nil
	})
}

// deletePolicyVersion deletes a version that is not the default one.
func deletePolicyVersion(c *call) (any, error) {
	var req struct {
		DryRun    bool    `json:"DryRun"`
		PolicyOrn *string `json:"PolicyOrn"`
		VersionID *string `json:"VersionId"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	account := c.account.AccountID
	now := eimTime(c.handler.opts.Now())
	return c.mutate(req.DryRun, func(tx store.Tx) (any, error) {
		p, err := policyByOrn(tx, account, req.PolicyOrn)
		if err != nil {
			return nil, err
		}
		v, err := policyVersionOf(p, req.VersionID)
		if err != nil {
			return nil, err
		}
		if v.VersionID == p.PolicyDefaultVersionID {
			return nil, errConflict(codeEIMDefaultVersion, fmt.Sprintf("The version '%s' is the default version of the policy '%s': set another as the default first.", v.VersionID, p.Orn))
		}
		versions := p.versions()
		p.LastVersion = max(p.LastVersion, len(versions))
		p.Versions = slices.DeleteFunc(slices.Clone(versions), func(x policyVersion) bool { return x.VersionID == v.VersionID })
		p.LastModificationDate = now
		return struct{}{}, store.Put(tx, collEIMPolicies, p.Orn, p)
	})
}

func setDefaultPolicyVersion(c *call) (any, error) {
	var req struct {
		DryRun    bool    `json:"DryRun"`
		PolicyOrn *string `json:"PolicyOrn"`
		VersionID *string `json:"VersionId"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	account := c.account.AccountID
	now := eimTime(c.handler.opts.Now())
	return c.mutate(req.DryRun, func(tx store.Tx) (any, error) {
		p, err := policyByOrn(tx, account, req.PolicyOrn)
		if err != nil {
			return nil, err
		}
		v, err := policyVersionOf(p, req.VersionID)
		if err != nil {
			return nil, err
		}
		p.Versions = p.versions()
		p.PolicyDefaultVersionID, p.Document, p.LastModificationDate = v.VersionID, v.Body, now
		return struct{}{}, store.Put(tx, collEIMPolicies, p.Orn, p)
	})
}

func linkPolicy(c *call) (any, error)   { return changeLink(c, true) }
func unlinkPolicy(c *call) (any, error) { return changeLink(c, false) }

func changeLink(c *call, link bool) (any, error) {
	var req struct {
		DryRun    bool    `json:"DryRun"`
		PolicyOrn *string `json:"PolicyOrn"`
		UserName  *string `json:"UserName"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := required("UserName", req.UserName); err != nil {
		return nil, err
	}
	account := c.account.AccountID
	return c.mutate(req.DryRun, func(tx store.Tx) (any, error) {
		p, err := policyByOrn(tx, account, req.PolicyOrn)
		if err != nil {
			return nil, err
		}
		u, err := eimUserOf(tx, account, *req.UserName)
		if err != nil {
			return nil, err
		}
		linked := slices.Contains(u.Policies, p.Orn)
		switch {
		case link && !linked:
			u.Policies = append(u.Policies, p.Orn)
		case !link && linked:
			u.Policies = slices.DeleteFunc(u.Policies, func(o string) bool { return o == p.Orn })
		case !link:
			return nil, errEIMNotFound("policy linked to the user", p.Orn)
		}
		return struct{}{}, store.Put(tx, collEIMUsers, userDocID(account, u.UserName), u)
	})
}

func readLinkedPolicies(c *call) (any, error) {
	var req struct {
		DryRun   bool    `json:"DryRun"`
		UserName *string `json:"UserName"`
		Filters  struct {
			PathPrefix string `json:"PathPrefix"`
		} `json:"Filters"`
		FirstItem      int `json:"FirstItem"`
		ResultsPerPage int `json:"ResultsPerPage"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := required("UserName", req.UserName); err != nil {
		return nil, err
	}
	account := c.account.AccountID
	return c.view(func(tx store.Tx) (any, error) {
		u, err := eimUserOf(tx, account, *req.UserName)
		if err != nil {
			return nil, err
		}
		type linkedOut struct {
			PolicyName           string `json:"PolicyName"`
			PolicyID             string `json:"PolicyId"`
			Orn                  string `json:"Orn"`
			CreationDate         string `json:"CreationDate"`
			LastModificationDate string `json:"LastModificationDate"`
		}
		out := []linkedOut{}
		for _, orn := range u.Policies {
			p, found, err := store.Get[eimPolicy](tx, collEIMPolicies, orn)
			if err != nil {
				return nil, err
			}
			if found && strings.HasPrefix(p.Path, req.Filters.PathPrefix) {
				out = append(out, linkedOut{p.PolicyName, p.PolicyID, p.Orn, p.CreationDate, p.LastModificationDate})
			}
		}
		shown, more := window(out, req.FirstItem, req.ResultsPerPage)
		return struct {
			Policies     []linkedOut `json:"Policies"`
			HasMoreItems bool        `json:"HasMoreItems"`
		}{shown, more}, nil
	})
}

// EIMKey is an EIM user's access key as the S3 endpoint sees it: its
// secret, the account, the user, and the documents of its linked policies.
type EIMKey struct {
	AccountID string
	UserName  string
	Secret    string
	Policies  []string
}

// LookupEIMKey finds an active EIM access key, for the S3 endpoint.
func LookupEIMKey(st store.Store, accessKeyID string, now time.Time) (EIMKey, bool) {
	var out EIMKey
	var ok bool
	_ = st.View(func(tx store.Tx) error {
		k, found, err := store.Get[accessKey](tx, collAccessKeys, accessKeyID)
		if err != nil || !found || k.State != "ACTIVE" {
			return err
		}
		if k.ExpirationDate != "" {
			if until, err := parseOAPIDate(k.ExpirationDate); err == nil && !now.Before(until) {
				return nil
			}
		}
		u, found, err := store.Get[eimUser](tx, collEIMUsers, userDocID(k.AccountID, k.UserName))
		if err != nil || !found {
			return err
		}
		out = EIMKey{AccountID: k.AccountID, UserName: u.UserName, Secret: k.SecretKey}
		for _, orn := range u.Policies {
			if p, found, err := store.Get[eimPolicy](tx, collEIMPolicies, orn); err == nil && found {
				out.Policies = append(out.Policies, p.Document)
			}
		}
		ok = true
		return nil
	})
	return out, ok
}

// randomEIMID is an id shaped like EIM's: 32 upper-case letters and digits.
func randomEIMID() string { return randomKey(32) }

// randomKey is a random string of upper-case letters and digits.
func randomKey(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
