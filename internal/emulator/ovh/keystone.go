package ovh

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// OpenStack Identity (Keystone v3), as the OpenStack users of a Public Cloud
// project reach it: the RC file of a user (GET /user/{userId}/openrc) names
// its URL, and a password token (POST /v3/auth/tokens) scoped to the
// project opens the project's OpenStack services, of which the emulator
// serves Neutron's security groups and ports (neutron.go). On the real cloud
// Keystone is https://auth.cloud.ovh.net/v3/; here it is KeystonePrefix on
// the emulator's listener.
//
// Users are the project's users (storage.go): their Keystone name is their
// username, in the domain "Default", and their password the one the API
// answered at their creation or at their last /regeneratePassword. A user
// whose status is not ok is not in Keystone yet (or any more).
//
// Tokens are not stored, like Keystone's Fernet tokens: a token carries the
// user, the project and its dates, sealed with a key derived from the
// account's secrets, so that tokens survive a restart of an emulator with
// the same seeds. A token is revoked when its user is deleted or changes
// password after it was issued, as Keystone revokes them. It lives an hour
// (Keystone's default).
//
// Answers have Keystone's shapes: 201 with the token in X-Subject-Token and
// the token's body (methods, user, project, roles, catalog), and errors as
// {"error": {"code", "title", "message"}}.

// KeystonePrefix is where the emulator serves Keystone; its v3 API is under
// KeystonePrefix + "/v3".
const KeystonePrefix = "/keystone"

// keystoneTokenLifetime is Keystone's default token expiration.
const keystoneTokenLifetime = time.Hour

// keystoneDomain is the domain of the users of Public Cloud projects.
const keystoneDomain = "Default"

// passwordRecord is a user's password, kept as a salted hash.
type passwordRecord struct {
	Salt string `json:"salt,omitempty"`
	Hash string `json:"hash,omitempty"`
}

// generation tells a password from the ones before and after it: a token
// carries the generation of the password it was issued with, and is
// revoked once the password changes.
func (p passwordRecord) generation() string {
	sum := sha256.Sum256([]byte("generation:" + p.Salt))
	return hex.EncodeToString(sum[:6])
}

func newPassword(password string) passwordRecord {
	salt := randomHex(8)
	return passwordRecord{Salt: salt, Hash: hashPassword(salt, password)}
}

func hashPassword(salt, password string) string {
	sum := sha256.Sum256([]byte(salt + ":" + password))
	return hex.EncodeToString(sum[:])
}

func (p passwordRecord) matches(password string) bool {
	return p.Hash != "" && subtle.ConstantTimeCompare([]byte(p.Hash), []byte(hashPassword(p.Salt, password))) == 1
}

// keystoneUserID is a user's id in Keystone (32 hexadecimal characters).
func keystoneUserID(id int64) string {
	sum := sha256.Sum256([]byte("keystone-user:" + strconv.FormatInt(id, 10)))
	return hex.EncodeToString(sum[:16])
}

// keystoneError is Keystone's error body.
type keystoneError struct {
	Status  int
	Message string
}

func (e *keystoneError) Error() string { return e.Message }

func (e *keystoneError) write(w http.ResponseWriter) {
	writeJSON(w, e.Status, map[string]any{"error": map[string]any{
		"code": e.Status, "title": http.StatusText(e.Status), "message": e.Message}})
}

// errKeystoneUnauthorized is Keystone's answer to credentials it refuses,
// whatever the reason, so that it tells nothing of which part was wrong.
func errKeystoneUnauthorized() *keystoneError {
	return &keystoneError{Status: http.StatusUnauthorized, Message: "The request you have made requires authentication."}
}

func errKeystoneBadRequest(what string) *keystoneError {
	return &keystoneError{Status: http.StatusBadRequest, Message: what + " The server could not comply with the request " +
		"since it is either malformed or otherwise incorrect. The client is assumed to be in error."}
}

// Keystone serves KeystonePrefix.
func (h *Handler) Keystone() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+KeystonePrefix+"/v3/auth/tokens", func(w http.ResponseWriter, r *http.Request) {
		h.opts.Faults.Serve(w, r, "keystone:POST /v3/auth/tokens",
			func(w http.ResponseWriter, status int) {
				(&keystoneError{Status: status, Message: "Injected failure"}).write(w)
			},
			func(w http.ResponseWriter) { h.issueToken(w, r) })
	})
	mux.HandleFunc(KeystonePrefix+"/", func(w http.ResponseWriter, r *http.Request) {
		(&keystoneError{Status: http.StatusNotFound, Message: "The resource could not be found."}).write(w)
	})
	return mux
}

// tokenRequest is the body of POST /v3/auth/tokens for password
// authentication.
type tokenRequest struct {
	Auth *struct {
		Identity *struct {
			Methods  []string `json:"methods"`
			Password *struct {
				User *struct {
					ID       string         `json:"id"`
					Name     string         `json:"name"`
					Password string         `json:"password"`
					Domain   *keystoneNamed `json:"domain"`
				} `json:"user"`
			} `json:"password"`
		} `json:"identity"`
		Scope *struct {
			Project *struct {
				ID     string         `json:"id"`
				Name   string         `json:"name"`
				Domain *keystoneNamed `json:"domain"`
			} `json:"project"`
		} `json:"scope"`
	} `json:"auth"`
}

type keystoneNamed struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// isDefaultDomain says whether d names the domain "Default" (by its name,
// or its id "default").
func (d *keystoneNamed) isDefaultDomain() bool {
	return d != nil && (d.Name == keystoneDomain || d.ID == strings.ToLower(keystoneDomain))
}

// issueToken is POST /v3/auth/tokens.
func (h *Handler) issueToken(w http.ResponseWriter, r *http.Request) {
	var req tokenRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&req); err != nil {
		errKeystoneBadRequest("Invalid JSON in the request body.").write(w)
		return
	}
	switch {
	case req.Auth == nil:
		errKeystoneBadRequest("Expecting to find auth in request body.").write(w)
		return
	case req.Auth.Identity == nil:
		errKeystoneBadRequest("Expecting to find identity in auth.").write(w)
		return
	case !slices.Contains(req.Auth.Identity.Methods, "password"):
		(&keystoneError{Status: http.StatusUnauthorized, Message: "Attempted to authenticate with an unsupported method."}).write(w)
		return
	case req.Auth.Identity.Password == nil || req.Auth.Identity.Password.User == nil:
		errKeystoneBadRequest("Expecting to find user in password.").write(w)
		return
	}
	who := req.Auth.Identity.Password.User
	if who.ID == "" && (who.Name == "" || who.Domain == nil) {
		errKeystoneBadRequest("Expecting to find domain in user.").write(w)
		return
	}
	var (
		user    userRecord
		account Account
		project Project
		found   bool
	)
	_ = h.opts.Store.View(func(tx store.Tx) error {
		users, err := store.List[userRecord](tx, collUsers)
		if err != nil {
			return err
		}
		for _, u := range users {
			if (who.ID != "" && keystoneUserID(u.ID) == who.ID) || (who.ID == "" && who.Domain.isDefaultDomain() && u.Username == who.Name) {
				user, found = u, true
				return nil
			}
		}
		return nil
	})
	if found {
		account, project, found = h.projectOf(user.Project)
	}
	if !found || user.Status != userOK || !user.Password.matches(who.Password) {
		errKeystoneUnauthorized().write(w)
		return
	}
	scoped := false
	if s := req.Auth.Scope; s != nil && s.Project != nil {
		sameName := s.Project.Name == openstackTenantName(project.ID) && s.Project.Domain.isDefaultDomain()
		if s.Project.ID != project.ID && !sameName {
			errKeystoneUnauthorized().write(w)
			return
		}
		scoped = true
	}
	now := h.opts.Now().UTC()
	t := sealedToken{User: user.ID, Password: user.Password.generation(), Issued: now.UnixNano(),
		Expires: now.Add(keystoneTokenLifetime).Unix()}
	if scoped {
		t.Project = project.ID
	}
	w.Header().Set("X-Subject-Token", t.seal(keystoneKey(account)))
	writeJSON(w, http.StatusCreated, map[string]any{"token": h.tokenBody(r, t, user, project, scoped)})
}

// projectOf finds the account and the project of a project id.
func (h *Handler) projectOf(id string) (Account, Project, bool) {
	for _, a := range h.opts.Accounts {
		for _, p := range a.Projects {
			if p.ID == id {
				return a, p, true
			}
		}
	}
	return Account{}, Project{}, false
}

// tokenBody is the token Keystone describes in its answer.
func (h *Handler) tokenBody(r *http.Request, t sealedToken, u userRecord, p Project, scoped bool) map[string]any {
	domain := map[string]string{"id": strings.ToLower(keystoneDomain), "name": keystoneDomain}
	body := map[string]any{
		"methods":    []string{"password"},
		"user":       map[string]any{"id": keystoneUserID(u.ID), "name": u.Username, "domain": domain, "password_expires_at": nil},
		"audit_ids":  []string{base64.RawURLEncoding.EncodeToString([]byte(randomHex(8)))[:22]},
		"issued_at":  keystoneTime(time.Unix(0, t.Issued)),
		"expires_at": keystoneTime(time.Unix(t.Expires, 0)),
	}
	if !scoped {
		return body
	}
	roles := []map[string]string{}
	for _, role := range u.Roles {
		roles = append(roles, map[string]string{"id": strings.ReplaceAll(role.ID, "-", ""), "name": role.Name})
	}
	base := baseURL(r)
	var network, identity []map[string]string
	for _, region := range p.Regions {
		network = append(network, keystoneEndpoint("network:"+region, region, base+NeutronPrefix+"/"+region+"/"))
		identity = append(identity, keystoneEndpoint("identity:"+region, region, base+KeystonePrefix+"/v3/"))
	}
	body["project"] = map[string]any{"id": p.ID, "name": openstackTenantName(p.ID), "domain": domain}
	body["is_domain"] = false
	body["roles"] = roles
	body["catalog"] = []map[string]any{
		{"id": derivedHex("service:identity"), "type": "identity", "name": "keystone", "endpoints": identity},
		{"id": derivedHex("service:network"), "type": "network", "name": "neutron", "endpoints": network},
	}
	return body
}

func keystoneEndpoint(seed, region, url string) map[string]string {
	return map[string]string{"id": derivedHex("endpoint:" + seed), "interface": "public", "region": region, "region_id": region, "url": url}
}

// keystoneTime writes a time as Keystone does (microseconds, UTC, Z).
func keystoneTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000000Z")
}

// derivedHex is an id of 32 hexadecimal characters that depends only on seed.
func derivedHex(seed string) string {
	sum := sha256.Sum256([]byte(seed))
	return hex.EncodeToString(sum[:16])
}

// baseURL is the scheme and host the request reached the emulator at.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// sealedToken is what a token carries.
type sealedToken struct {
	User     int64  `json:"u"`
	Password string `json:"g"`           // the generation of the user's password
	Project  string `json:"p,omitempty"` // "" for an unscoped token
	Issued   int64  `json:"i"`           // UnixNano
	Expires  int64  `json:"e"`           // Unix
}

// keystoneKey is the key an account's tokens are sealed with.
func keystoneKey(a Account) []byte {
	sum := sha256.Sum256([]byte("keystone-token-key\x00" + a.NicHandle + "\x00" + a.ApplicationSecret + "\x00" + a.ClientSecret))
	return sum[:]
}

// tokenPrefix starts every token, as it starts Keystone's Fernet tokens.
const tokenPrefix = "gAAAAAB"

func (t sealedToken) seal(key []byte) string {
	payload, _ := json.Marshal(t)
	mac := hmac.New(sha256.New, key)
	mac.Write(payload)
	var n [2]byte
	binary.BigEndian.PutUint16(n[:], uint16(len(payload)))
	raw := append(append(n[:], payload...), mac.Sum(nil)...)
	return tokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
}

// openToken checks a token and returns what it carries: its seal, its
// expiry, and that its user still exists with the password it had when the
// token was issued.
func (h *Handler) openToken(token string) (sealedToken, userRecord, Account, Project, bool) {
	var t sealedToken
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(token, tokenPrefix))
	if !strings.HasPrefix(token, tokenPrefix) || err != nil || len(raw) < 2 {
		return t, userRecord{}, Account{}, Project{}, false
	}
	n := int(binary.BigEndian.Uint16(raw[:2]))
	if len(raw) != 2+n+sha256.Size {
		return t, userRecord{}, Account{}, Project{}, false
	}
	payload, sum := raw[2:2+n], raw[2+n:]
	if json.Unmarshal(payload, &t) != nil || t.Project == "" {
		return t, userRecord{}, Account{}, Project{}, false
	}
	account, project, ok := h.projectOf(t.Project)
	if !ok {
		return t, userRecord{}, Account{}, Project{}, false
	}
	mac := hmac.New(sha256.New, keystoneKey(account))
	mac.Write(payload)
	if !hmac.Equal(mac.Sum(nil), sum) || h.opts.Now().Unix() >= t.Expires {
		return t, userRecord{}, Account{}, Project{}, false
	}
	var u userRecord
	var found bool
	_ = h.opts.Store.View(func(tx store.Tx) error {
		u, found, _ = getInProject[userRecord](tx, collUsers, strconv.FormatInt(t.User, 10), project.ID)
		return nil
	})
	if !found || u.Status != userOK || t.Password != u.Password.generation() {
		return t, userRecord{}, Account{}, Project{}, false
	}
	return t, u, account, project, true
}
