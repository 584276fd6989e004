package ovh

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/s3"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// Public Cloud object storage: the S3 buckets of a region, and the users
// and S3 credentials that reach them (API v1, cloud.json).
//
//   - Buckets are made, read, changed and deleted under
//     /cloud/project/{sn}/region/{regionName}/storage. They are the S3
//     endpoint's buckets (s3.buckets in the store), owned by the project,
//     with the user named by ownerId holding full control, as the
//     "identity and access management" guide describes. The 2024-06 schema
//     of the creation body has name, ownerId, encryption and versioning;
//     objectLock, tags and replication are newer fields, taken from the
//     OVHcloud Terraform provider's generated schema
//     (resource_cloud_project_storage_gen.go). What S3 does not keep (the
//     lock period as written, replication rules) is kept beside the bucket
//     in ovh.storage_settings. Their objects are listed (/object, with
//     their versions) and deleted in bulk (/bulkDeleteObjects), which is
//     how the official provider empties a bucket before deleting it.
//   - Users (/user) answer "creating" to their creation and first read, "ok"
//     after; a deleted user answers "deleting" to the next read and is gone
//     after it (states move on reads, and with time: see transient.go).
//     Their roles come from the project's catalogue (/role); their OpenStack
//     RC file (/openrc) and a new password (/regeneratePassword) are served
//     as the official provider's ovh_cloud_project_user reads them.
//   - S3 credentials (/user/{userId}/s3Credentials, BETA) show their secret
//     only in the answer to their creation and to POST …/{access}/secret.
//   - A user's S3 policy (/user/{userId}/policy, BETA) is checked as a
//     policy document and evaluated by the S3 endpoint for requests signed
//     with the user's credentials; an empty one ({"Statement":[]}) removes
//     it.
//
// Wordings of the errors are the emulator's where marked unverified.
//
//	ovh.users/<id>              {"project":…, "id":…, "status":…, "policy":…}
//	ovh.s3_credentials/<access> {"project":…, "user_id":…, "access":…, "secret":…}
const (
	collUsers         = "ovh.users"
	collS3Credentials = "ovh.s3_credentials"
)

// User statuses (cloud.user.UserStatusEnum).
const (
	userCreating = "creating"
	userOK       = "ok"
	userDeleting = "deleting"
)

// userRoles is cloud.user.RoleEnum.
var userRoles = []string{"admin", "administrator", "ai_training_operator", "ai_training_read", "authentication",
	"backup_operator", "compute_operator", "image_operator", "infrastructure_supervisor", "network_operator",
	"network_security_operator", "objectstore_operator", "volume_operator"}

// storageRoles are the roles that open the S3 endpoint to a user.
var storageRoles = []string{"admin", "administrator", "objectstore_operator"}

// storageRoutes are the Public Cloud object storage routes (S3 buckets of a
// region) and the users and S3 credentials that reach them.
func storageRoutes() map[string]route {
	const region = "/1.0/cloud/project/{serviceName}/region/{regionName}/storage"
	const user = "/1.0/cloud/project/{serviceName}/user"
	return map[string]route{
		"GET " + region:                                            {serve: listContainers},
		"POST " + region:                                           {serve: createContainer},
		"GET " + region + "/{name}":                                {serve: getContainer},
		"PUT " + region + "/{name}":                                {serve: updateContainer},
		"DELETE " + region + "/{name}":                             {serve: deleteContainer},
		"GET " + user:                                              {serve: listUsers},
		"POST " + user:                                             {serve: createUser},
		"GET " + user + "/{userId}":                                {serve: getUser},
		"DELETE " + user + "/{userId}":                             {serve: deleteUser},
		"GET " + user + "/{userId}/s3Credentials":                  {serve: listS3Credentials},
		"POST " + user + "/{userId}/s3Credentials":                 {serve: createS3Credentials},
		"GET " + user + "/{userId}/s3Credentials/{access}":         {serve: getS3Credentials},
		"DELETE " + user + "/{userId}/s3Credentials/{access}":      {serve: deleteS3Credentials},
		"POST " + user + "/{userId}/s3Credentials/{access}/secret": {serve: getS3Secret},
		"GET " + user + "/{userId}/policy":                         {serve: getUserPolicy},
		"POST " + user + "/{userId}/policy":                        {serve: setUserPolicy},
		"GET " + user + "/{userId}/openrc":                         {serve: getOpenrc},
		"POST " + user + "/{userId}/regeneratePassword":            {serve: regeneratePassword},
		"GET " + user + "/{userId}/role":                           {serve: listUserRoles},
		"PUT " + user + "/{userId}/role":                           {serve: setUserRoles},
		"GET /1.0/cloud/project/{serviceName}/role":                {serve: listRoles},
		"GET " + region + "/{name}/object":                         {serve: listContainerObjects},
		"POST " + region + "/{name}/bulkDeleteObjects":             {serve: bulkDeleteObjects},
	}
}

// ---- users ------------------------------------------------------------------

// apiRole is cloud.role.Role.
type apiRole struct {
	Description string   `json:"description"`
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Permissions []string `json:"permissions"`
}

// apiUser is cloud.user.User.
type apiUser struct {
	CreationDate string    `json:"creationDate"`
	Description  string    `json:"description"`
	ID           int64     `json:"id"`
	OpenstackID  *string   `json:"openstackId"`
	Roles        []apiRole `json:"roles"`
	Status       string    `json:"status"`
	Username     string    `json:"username"`
}

// apiUserDetail is cloud.user.UserDetail: a user with its password, only
// in the answer to its creation.
type apiUserDetail struct {
	apiUser
	Password string `json:"password"`
}

type userRecord struct {
	owner
	apiUser
	Policy string `json:"policy,omitempty"`
	// Since is when the user entered its status.
	Since time.Time `json:"since"`
	// Password is the user's OpenStack password (see keystone.go).
	Password passwordRecord `json:"password"`
}

// role describes a role; the ids and permissions are the emulator's
// (unverified).
func role(name string) apiRole {
	return apiRole{Description: strings.ReplaceAll(name, "_", " "), ID: derivedUUID("role:" + name), Name: name,
		Permissions: []string{name + ":*"}}
}

func (u userRecord) hasStorageRole() bool {
	return slices.ContainsFunc(u.Roles, func(r apiRole) bool { return slices.Contains(storageRoles, r.Name) })
}

// answered moves a user one step on after a read showed it, or once its
// state has lasted long enough (transient.go).
func (u userRecord) answered(tx store.Tx, at time.Time) error {
	switch u.Status {
	case userCreating:
		u.Status, u.Since = userOK, at
		return store.Put(tx, collUsers, strconv.FormatInt(u.ID, 10), u)
	case userDeleting:
		return removeUser(tx, u)
	}
	return nil
}

// removeUser deletes a user and its S3 credentials.
func removeUser(tx store.Tx, u userRecord) error {
	creds, err := listInProject[credentialRecord](tx, collS3Credentials, u.Project)
	if err != nil {
		return err
	}
	for _, c := range creds {
		if c.UserID == u.ID {
			if err := tx.Delete(collS3Credentials, c.Access); err != nil {
				return err
			}
		}
	}
	return tx.Delete(collUsers, strconv.FormatInt(u.ID, 10))
}

// loadUser reads the user named by {userId} in the project.
func (c *call) loadUser(tx store.Tx, p Project) (userRecord, error) {
	raw := c.r.PathValue("userId")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return userRecord{}, errBadRequest("[userId] Given data (%s) is not valid for type long", raw)
	}
	u, found, err := getInProject[userRecord](tx, collUsers, strconv.FormatInt(id, 10), p.ID)
	if err != nil {
		return u, err
	}
	if !found {
		return u, errNotFound("The requested object (userId = %d) does not exist", id) // unverified wording
	}
	return u, nil
}

func listUsers(c *call) (any, error) {
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		all, err := listInProject[userRecord](tx, collUsers, p.ID)
		if err != nil {
			return nil, err
		}
		out := []apiUser{}
		for _, u := range all {
			out = append(out, u.apiUser)
			if err := c.advance(collUsers, strconv.FormatInt(u.ID, 10), u.Status, func() error { return u.answered(tx, c.clock()) }); err != nil {
				return nil, err
			}
		}
		return out, nil
	})
}

func createUser(c *call) (any, error) {
	var req struct {
		Description *string  `json:"description"`
		Role        *string  `json:"role"`
		Roles       []string `json:"roles"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	names := req.Roles
	if req.Role != nil {
		names = append([]string{*req.Role}, names...)
	}
	for _, r := range names {
		if !slices.Contains(userRoles, r) {
			return nil, errBadRequest("[role] Given data (%s) does not belong to the cloud.user.RoleEnum enumeration", r)
		}
	}
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		all, err := store.List[userRecord](tx, collUsers)
		if err != nil {
			return nil, err
		}
		// Ids are longs, unique across projects; the real ones are larger.
		next := int64(100001)
		for _, u := range all {
			next = max(next, u.ID+1)
		}
		u := userRecord{owner: owner{p.ID}, apiUser: apiUser{
			CreationDate: c.now(),
			ID:           next,
			Roles:        []apiRole{},
			Status:       userCreating,
			Username:     "user-" + randomHex(6),
		}, Since: c.clock()}
		if req.Description != nil {
			u.Description = *req.Description
		}
		for _, r := range names {
			if !slices.ContainsFunc(u.Roles, func(x apiRole) bool { return x.Name == r }) {
				u.Roles = append(u.Roles, role(r))
			}
		}
		password := randomHex(16)
		u.Password = newPassword(password)
		if err := store.Put(tx, collUsers, strconv.FormatInt(u.ID, 10), u); err != nil {
			return nil, err
		}
		return apiUserDetail{apiUser: u.apiUser, Password: password}, nil
	})
}

func getUser(c *call) (any, error) {
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		u, err := c.loadUser(tx, p)
		if err != nil {
			return nil, err
		}
		return u.apiUser, c.advance(collUsers, strconv.FormatInt(u.ID, 10), u.Status, func() error { return u.answered(tx, c.clock()) })
	})
}

func deleteUser(c *call) (any, error) {
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		u, err := c.loadUser(tx, p)
		if err != nil {
			return nil, err
		}
		u.Status, u.Since = userDeleting, c.clock()
		return nil, store.Put(tx, collUsers, strconv.FormatInt(u.ID, 10), u)
	})
}

// apiRoles is cloud.role.Roles: the roles a user may be given, and the
// services' permissions (none listed here).
type apiRoles struct {
	Roles    []apiRole         `json:"roles"`
	Services []json.RawMessage `json:"services"`
}

// listRoles is GET /role, the catalogue the official provider checks a
// user's role names against, and takes role ids from.
func listRoles(c *call) (any, error) {
	if _, err := c.project(); err != nil {
		return nil, err
	}
	out := apiRoles{Roles: []apiRole{}, Services: []json.RawMessage{}}
	for _, name := range userRoles {
		out.Roles = append(out.Roles, role(name))
	}
	return out, nil
}

func listUserRoles(c *call) (any, error) {
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		u, err := c.loadUser(tx, p)
		if err != nil {
			return nil, err
		}
		return append([]apiRole{}, u.Roles...), nil
	})
}

// setUserRoles is PUT /user/{userId}/role: the user's roles become those
// of rolesIds. It answers the user with an empty password, which it does
// not change (unverified: the schema says cloud.user.UserDetail).
func setUserRoles(c *call) (any, error) {
	var req struct {
		RolesIDs []string `json:"rolesIds"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := mandatory(property{"rolesIds", req.RolesIDs != nil}); err != nil {
		return nil, err
	}
	roles := []apiRole{}
	for _, id := range req.RolesIDs {
		i := slices.IndexFunc(userRoles, func(name string) bool { return role(name).ID == id })
		if i < 0 {
			return nil, errBadRequest("[rolesIds] Role %s does not exist", id) // unverified wording
		}
		if !slices.ContainsFunc(roles, func(r apiRole) bool { return r.ID == id }) {
			roles = append(roles, role(userRoles[i]))
		}
	}
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		u, err := c.loadUser(tx, p)
		if err != nil {
			return nil, err
		}
		if u.Status == userDeleting {
			return nil, errBadRequest("The user %d is being deleted", u.ID) // unverified
		}
		u.Roles = roles
		return apiUserDetail{apiUser: u.apiUser}, store.Put(tx, collUsers, strconv.FormatInt(u.ID, 10), u)
	})
}

// regeneratePassword gives the user a new password, shown once.
func regeneratePassword(c *call) (any, error) {
	if len(c.body) > 0 {
		return nil, errBadRequest("The operation takes no body")
	}
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		u, err := c.loadUser(tx, p)
		if err != nil {
			return nil, err
		}
		if u.Status != userOK {
			return nil, errBadRequest("The user %d is not ready (status %s)", u.ID, u.Status) // unverified
		}
		// The new password replaces the old one in Keystone, which revokes
		// the tokens issued before.
		password := randomHex(16)
		u.Password = newPassword(password)
		return apiUserDetail{apiUser: u.apiUser, Password: password}, store.Put(tx, collUsers, strconv.FormatInt(u.ID, 10), u)
	})
}

// openstackTenantName is the OpenStack project name of a Public Cloud
// project: sixteen digits on the real cloud, derived here from its id.
func openstackTenantName(project string) string {
	sum := sha256.Sum256([]byte("tenant:" + project))
	return fmt.Sprintf("%016d", binary.BigEndian.Uint64(sum[:8])%10_000_000_000_000_000)
}

// getOpenrc is GET /user/{userId}/openrc?region=…[&version=…]: the
// OpenStack RC file of the user, cloud.user.Openrc. The region is written
// into the file as given: the official provider asks for region
// a placeholder region, spelt as in its source, and the real API answers. The script's lines are those
// the provider extracts (OS_AUTH_URL, OS_TENANT_ID, OS_TENANT_NAME,
// OS_USERNAME), in the form of OVHcloud's RC files.
func getOpenrc(c *call) (any, error) {
	if err := c.checkQuery("region", "version"); err != nil {
		return nil, err
	}
	q := c.r.URL.Query()
	if !q.Has("region") {
		return nil, errBadRequest("[region] Property is mandatory") // unverified wording
	}
	version := q.Get("version")
	if version == "" {
		version = "v3"
	}
	if version != "v2.0" && version != "v3" {
		return nil, errBadRequest("[version] Given data (%s) does not belong to the cloud.user.OpenrcVersionEnum enumeration", version)
	}
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		u, err := c.loadUser(tx, p)
		if err != nil {
			return nil, err
		}
		var b strings.Builder
		b.WriteString("#!/usr/bin/env bash\n\n")
		// The real file names https://auth.cloud.ovh.net/<version>/; the
		// emulator's Keystone answers on its own listener (keystone.go).
		fmt.Fprintf(&b, "export OS_AUTH_URL=%s%s/%s/\n", baseURL(c.r), KeystonePrefix, version)
		if version == "v3" {
			b.WriteString("export OS_IDENTITY_API_VERSION=3\n")
			b.WriteString("export OS_USER_DOMAIN_NAME=${OS_USER_DOMAIN_NAME:-\"Default\"}\n")
			b.WriteString("export OS_PROJECT_DOMAIN_NAME=${OS_PROJECT_DOMAIN_NAME:-\"Default\"}\n")
		}
		fmt.Fprintf(&b, "export OS_TENANT_ID=%s\n", p.ID)
		fmt.Fprintf(&b, "export OS_TENANT_NAME=\"%s\"\n", openstackTenantName(p.ID))
		fmt.Fprintf(&b, "export OS_USERNAME=\"%s\"\n", u.Username)
		b.WriteString("echo \"Please enter your OpenStack Password: \"\n")
		b.WriteString("read -sr OS_PASSWORD_INPUT\n")
		b.WriteString("export OS_PASSWORD=$OS_PASSWORD_INPUT\n")
		fmt.Fprintf(&b, "export OS_REGION_NAME=\"%s\"\n", q.Get("region"))
		return struct {
			Content string `json:"content"`
		}{b.String()}, nil
	})
}

// ---- S3 credentials ---------------------------------------------------------

type credentialRecord struct {
	owner
	UserID int64  `json:"user_id"`
	Access string `json:"access"`
	Secret string `json:"secret"`
}

// apiS3Credentials is cloud.user.S3Credentials.
type apiS3Credentials struct {
	Access   string `json:"access"`
	TenantID string `json:"tenantId"`
	UserID   string `json:"userId"`
}

func (r credentialRecord) view() apiS3Credentials {
	// tenantId is the project's OpenStack tenant: the project id itself
	// on the real API (unverified).
	return apiS3Credentials{Access: r.Access, TenantID: r.Project, UserID: strconv.FormatInt(r.UserID, 10)}
}

// loadCredential reads {access} of the user.
func (c *call) loadCredential(tx store.Tx, p Project, u userRecord) (credentialRecord, error) {
	access := c.r.PathValue("access")
	r, found, err := getInProject[credentialRecord](tx, collS3Credentials, access, p.ID)
	if err != nil {
		return r, err
	}
	if !found || r.UserID != u.ID {
		return r, errNotFound("The requested object (access = %s) does not exist", access) // unverified wording
	}
	return r, nil
}

func listS3Credentials(c *call) (any, error) {
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		u, err := c.loadUser(tx, p)
		if err != nil {
			return nil, err
		}
		all, err := listInProject[credentialRecord](tx, collS3Credentials, p.ID)
		if err != nil {
			return nil, err
		}
		out := []apiS3Credentials{}
		for _, r := range all {
			if r.UserID == u.ID {
				out = append(out, r.view())
			}
		}
		return out, nil
	})
}

func createS3Credentials(c *call) (any, error) {
	if len(c.body) > 0 {
		return nil, errBadRequest("The operation takes no body")
	}
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		u, err := c.loadUser(tx, p)
		if err != nil {
			return nil, err
		}
		if u.Status != userOK {
			// Unverified: the real API's answer for a user still being made.
			return nil, errBadRequest("The user %d is not ready yet (status %s)", u.ID, u.Status)
		}
		r := credentialRecord{owner: owner{p.ID}, UserID: u.ID, Access: randomHex(16), Secret: randomHex(16)}
		if err := store.Put(tx, collS3Credentials, r.Access, r); err != nil {
			return nil, err
		}
		v := r.view()
		return struct {
			apiS3Credentials
			Secret string `json:"secret"`
		}{v, r.Secret}, nil
	})
}

func getS3Credentials(c *call) (any, error) {
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		u, err := c.loadUser(tx, p)
		if err != nil {
			return nil, err
		}
		r, err := c.loadCredential(tx, p, u)
		return r.view(), err
	})
}

func deleteS3Credentials(c *call) (any, error) {
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		u, err := c.loadUser(tx, p)
		if err != nil {
			return nil, err
		}
		r, err := c.loadCredential(tx, p, u)
		if err != nil {
			return nil, err
		}
		return nil, tx.Delete(collS3Credentials, r.Access)
	})
}

func getS3Secret(c *call) (any, error) {
	if len(c.body) > 0 {
		return nil, errBadRequest("The operation takes no body")
	}
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		u, err := c.loadUser(tx, p)
		if err != nil {
			return nil, err
		}
		r, err := c.loadCredential(tx, p, u)
		if err != nil {
			return nil, err
		}
		return struct {
			Secret string `json:"secret"`
		}{r.Secret}, nil
	})
}

// ---- user policy ------------------------------------------------------------

func getUserPolicy(c *call) (any, error) {
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		u, err := c.loadUser(tx, p)
		if err != nil {
			return nil, err
		}
		return struct {
			Policy string `json:"policy"`
		}{u.Policy}, nil
	})
}

func setUserPolicy(c *call) (any, error) {
	var req struct {
		Policy *string `json:"policy"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := mandatory(property{"policy", req.Policy != nil}); err != nil {
		return nil, err
	}
	if !emptyPolicy(*req.Policy) {
		if err := s3.CheckUserPolicy(*req.Policy); err != nil {
			return nil, errBadRequest("[policy] %v", err) // unverified wording
		}
	}
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		u, err := c.loadUser(tx, p)
		if err != nil {
			return nil, err
		}
		u.Policy = *req.Policy
		return nil, store.Put(tx, collUsers, strconv.FormatInt(u.ID, 10), u)
	})
}

// emptyPolicy reports whether a policy document has no statement at all,
// {"Statement":[]}: what the official provider's
// ovh_cloud_project_user_s3_policy writes to remove a user's policy. The
// API takes it, and the user is back to what its roles give, as without
// a policy.
func emptyPolicy(doc string) bool {
	var p struct {
		Version   string            `json:"Version"`
		Statement []json.RawMessage `json:"Statement"`
	}
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.DisallowUnknownFields()
	return dec.Decode(&p) == nil && p.Statement != nil && len(p.Statement) == 0 &&
		(p.Version == "" || p.Version == "2012-10-17" || p.Version == "2008-10-17")
}

// S3Key is what the S3 endpoint knows of an OVHcloud S3 credential.
type S3Key struct {
	Secret  string
	Project string
	UserID  string
	Policy  string
}

// LookupS3Key finds the credential of an access key, for the S3 endpoint.
// A key opens the endpoint only while its user exists, is ready and holds
// an object storage role.
func LookupS3Key(st store.Store, access string) (S3Key, bool) {
	var out S3Key
	found := false
	_ = st.View(func(tx store.Tx) error {
		r, ok, err := store.Get[credentialRecord](tx, collS3Credentials, access)
		if err != nil || !ok {
			return err
		}
		u, ok, err := store.Get[userRecord](tx, collUsers, strconv.FormatInt(r.UserID, 10))
		if err != nil || !ok || u.Status == userDeleting || !u.hasStorageRole() {
			return err
		}
		out = S3Key{Secret: r.Secret, Project: r.Project, UserID: strconv.FormatInt(u.ID, 10), Policy: u.Policy}
		if emptyPolicy(u.Policy) {
			out.Policy = ""
		}
		found = true
		return nil
	})
	return out, found
}

// ---- buckets ----------------------------------------------------------------

// apiContainer is cloud.StorageContainer, with the newer objectLock, tags
// and replication.
type apiContainer struct {
	CreatedAt    string             `json:"createdAt"`
	Encryption   *encryptionObject  `json:"encryption"`
	Name         string             `json:"name"`
	Objects      []apiObject        `json:"objects"`
	ObjectsCount int64              `json:"objectsCount"`
	ObjectsSize  int64              `json:"objectsSize"`
	OwnerID      int64              `json:"ownerId"`
	Region       string             `json:"region"`
	Versioning   *versioningObject  `json:"versioning"`
	VirtualHost  string             `json:"virtualHost"`
	ObjectLock   *objectLockObject  `json:"objectLock"`
	Tags         map[string]string  `json:"tags"`
	Replication  *replicationObject `json:"replication"`
}

// encryptionObject is cloud.StorageEncryptionObject.
type encryptionObject struct {
	SSEAlgorithm *string `json:"sseAlgorithm"` // AES256 or plaintext
}

// versioningObject is cloud.StorageVersioningObject.
type versioningObject struct {
	Status *string `json:"status"` // disabled, enabled or suspended
}

// objectLockObject is the newer objectLock field: status enabled or
// disabled, and a default rule whose period is an ISO 8601 duration (P30D).
type objectLockObject struct {
	Status string `json:"status"`
	Rule   *struct {
		Mode   string `json:"mode"` // compliance or governance
		Period string `json:"period"`
	} `json:"rule"`
}

// apiObject is cloud.StorageObject.
type apiObject struct {
	ETag         string `json:"etag"`
	Key          string `json:"key"`
	LastModified string `json:"lastModified"`
	Size         int64  `json:"size"`
	StorageClass string `json:"storageClass"`
}

// periodPattern is an ISO 8601 duration of whole years, months, weeks and
// days (P30D, P1W, P1Y, P1Y6M): the official provider documents the period
// as "e.g., P30D", and its users write weeks (P1W). A time part (PT12H) is
// refused, S3 retention counting whole days.
var periodPattern = regexp.MustCompile(`^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$`)

// lockRuleOf turns an object lock period into the S3 default retention,
// which holds whole years or days: a period of years only is kept in years;
// any other counts its years as 365 days, its months as 30 and its weeks as
// 7 (how the real API converts months is unverified).
func lockRuleOf(mode, period string) (*s3.LockRule, error) {
	m := periodPattern.FindStringSubmatch(period)
	if m == nil || period == "P" {
		return nil, errBadRequest("[objectLock.rule.period] Given data (%s) is not an ISO 8601 duration of years, months, weeks or days, such as P30D", period) // unverified
	}
	var n [4]int
	for i, part := range m[1:] {
		if part == "" {
			continue
		}
		v, err := strconv.Atoi(part)
		if err != nil || v > 36500 {
			return nil, errBadRequest("[objectLock.rule.period] %s is too long", period) // unverified
		}
		n[i] = v
	}
	years, months, weeks, days := n[0], n[1], n[2], n[3]
	rule := &s3.LockRule{Mode: mode}
	if months == 0 && weeks == 0 && days == 0 {
		rule.Years = years
	} else {
		rule.Days = years*365 + months*30 + weeks*7 + days
	}
	if rule.Years <= 0 && rule.Days <= 0 {
		return nil, errBadRequest("[objectLock.rule.period] the period must be positive")
	}
	return rule, nil
}

// Settings of a bucket that S3 does not keep, in the words the API was
// given: the object lock period as written (P1W reads back P1W, not P7D),
// with the rule it stands for. They go with the bucket (forgotten when
// the bucket is gone, at the next sweep if it went through S3).
const collContainerSettings = "ovh.storage_settings"

type containerExtra struct {
	owner
	Bucket      string            `json:"bucket"`
	LockPeriod  string            `json:"lock_period,omitempty"`
	LockRule    *s3.LockRule      `json:"lock_rule,omitempty"`
	Replication []replicationRule `json:"replication,omitempty"`
}

// lockPeriod is how the API shows the bucket's default retention: as it
// was written, while S3's rule is still the one it made.
func lockPeriod(tx store.Tx, b s3.Bucket) (string, error) {
	r := b.LockRule
	extra, found, err := store.Get[containerExtra](tx, collContainerSettings, b.Name)
	if err != nil {
		return "", err
	}
	if found && extra.LockRule != nil && *extra.LockRule == *r {
		return extra.LockPeriod, nil
	}
	if r.Years > 0 {
		return fmt.Sprintf("P%dY", r.Years), nil
	}
	return fmt.Sprintf("P%dD", r.Days), nil
}

// saveSettings keeps what the API was given beyond S3's settings: the
// period of the bucket's lock rule (when lock is set, nil otherwise) and
// its replication rules (when replication is set).
func saveSettings(tx store.Tx, b s3.Bucket, period *string, replication *replicationObject) error {
	extra, _, err := store.Get[containerExtra](tx, collContainerSettings, b.Name)
	if err != nil {
		return err
	}
	extra.owner, extra.Bucket = owner{strings.TrimPrefix(b.Owner, s3.OwnerPrefixOVH)}, b.Name
	if period != nil {
		extra.LockPeriod, extra.LockRule = "", nil
		if b.LockRule != nil && *period != "" {
			rule := *b.LockRule
			extra.LockPeriod, extra.LockRule = *period, &rule
		}
	}
	if replication != nil {
		extra.Replication = replication.Rules
	}
	if extra.LockRule == nil && len(extra.Replication) == 0 {
		return tx.Delete(collContainerSettings, b.Name)
	}
	return store.Put(tx, collContainerSettings, b.Name, extra)
}

// forgetContainerSettings drops the settings of buckets that are gone.
func forgetContainerSettings(tx store.Tx) error {
	all, err := store.List[containerExtra](tx, collContainerSettings)
	if err != nil {
		return err
	}
	for _, e := range all {
		if _, found, err := s3.LoadBucket(tx, e.Bucket); err != nil || !found {
			if err != nil {
				return err
			}
			if err := tx.Delete(collContainerSettings, e.Bucket); err != nil {
				return err
			}
		}
	}
	return nil
}

// containerView shows a bucket as the API does.
func containerView(tx store.Tx, b s3.Bucket, withObjects bool) (apiContainer, error) {
	count, size, current, err := s3.Stats(tx, b.Name)
	if err != nil {
		return apiContainer{}, err
	}
	ownerID, _ := strconv.ParseInt(b.OwnerID, 10, 64)
	alg := "plaintext"
	if b.Encryption != nil {
		alg = "AES256"
	}
	status := map[string]string{"": "disabled", "Enabled": "enabled", "Suspended": "suspended"}[b.Versioning]
	v := apiContainer{
		CreatedAt:    b.Created.UTC().Format("2006-01-02T15:04:05Z07:00"),
		Encryption:   &encryptionObject{SSEAlgorithm: &alg},
		Name:         b.Name,
		Objects:      []apiObject{},
		ObjectsCount: count,
		ObjectsSize:  size,
		OwnerID:      ownerID,
		Region:       b.Region,
		Versioning:   &versioningObject{Status: &status},
		VirtualHost:  fmt.Sprintf("https://%s.s3.%s.io.cloud.ovh.net/", b.Name, strings.ToLower(b.Region)),
		ObjectLock:   &objectLockObject{Status: "disabled"},
	}
	if b.ObjectLockEnabled {
		v.ObjectLock = &objectLockObject{Status: "enabled"}
		if r := b.LockRule; r != nil {
			period, err := lockPeriod(tx, b)
			if err != nil {
				return apiContainer{}, err
			}
			v.ObjectLock.Rule = &struct {
				Mode   string `json:"mode"`
				Period string `json:"period"`
			}{strings.ToLower(r.Mode), period}
		}
	}
	extra, _, err := store.Get[containerExtra](tx, collContainerSettings, b.Name)
	if err != nil {
		return apiContainer{}, err
	}
	v.Replication = &replicationObject{Rules: append([]replicationRule{}, extra.Replication...)}
	if len(b.Tags) > 0 {
		v.Tags = map[string]string{}
		for _, t := range b.Tags {
			v.Tags[t.Key] = t.Value
		}
	}
	if withObjects {
		for _, o := range current {
			v.Objects = append(v.Objects, apiObject{ETag: o.ETag, Key: o.Key, LastModified: o.Modified.UTC().Format("2006-01-02T15:04:05Z07:00"),
				Size: o.Size, StorageClass: "STANDARD"})
		}
	}
	return v, nil
}

// loadContainer reads {name}: a bucket of the project in the region.
func (c *call) loadContainer(tx store.Tx, p Project, region string) (s3.Bucket, error) {
	name := c.r.PathValue("name")
	b, found, err := s3.LoadBucket(tx, name)
	if err != nil {
		return b, err
	}
	if !found || b.Owner != s3.OwnerPrefixOVH+p.ID || b.Region != region {
		return b, errNotFound("Bucket %s does not exist in region %s", name, region) // unverified wording
	}
	return b, nil
}

func listContainers(c *call) (any, error) {
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		region, err := c.regionParam(p)
		if err != nil {
			return nil, err
		}
		all, err := store.List[s3.Bucket](tx, s3.CollBuckets)
		if err != nil {
			return nil, err
		}
		out := []apiContainer{}
		for _, b := range all {
			if b.Owner == s3.OwnerPrefixOVH+p.ID && b.Region == region {
				v, err := containerView(tx, b, false)
				if err != nil {
					return nil, err
				}
				out = append(out, v)
			}
		}
		return out, nil
	})
}

// containerSettings are the settable fields of a creation or update body.
type containerSettings struct {
	Encryption  *encryptionObject  `json:"encryption"`
	Versioning  *versioningObject  `json:"versioning"`
	ObjectLock  *objectLockObject  `json:"objectLock"`
	Tags        map[string]string  `json:"tags"`
	Replication *replicationObject `json:"replication"`
}

// apply sets the settings on b, checking them as the API does. When the
// body sets the object lock, it returns the period as written (empty for
// no default retention), for saveLockPeriod; nil when it does not.
func (s containerSettings) apply(b *s3.Bucket, creating bool) (*string, error) {
	if e := s.Encryption; e != nil && e.SSEAlgorithm != nil {
		switch *e.SSEAlgorithm {
		case "AES256":
			b.Encryption = &s3.Encryption{Algorithm: "AES256"}
		case "plaintext":
			b.Encryption = nil
		default:
			return nil, errBadRequest("[encryption.sseAlgorithm] Given data (%s) does not belong to the cloud.storage.EncryptionAlgorithmEnum enumeration", *e.SSEAlgorithm)
		}
	}
	var period *string
	if l := s.ObjectLock; l != nil {
		switch {
		case l.Status != "enabled" && l.Status != "disabled":
			return nil, errBadRequest("[objectLock.status] Given data (%s) is not enabled or disabled", l.Status)
		case l.Status == "enabled" && !creating && !b.ObjectLockEnabled:
			return nil, errBadRequest("Object lock can only be enabled when the bucket is created") // unverified
		case l.Status == "disabled" && b.ObjectLockEnabled:
			return nil, errBadRequest("Object lock cannot be disabled once enabled") // unverified
		}
		if l.Status == "enabled" {
			b.ObjectLockEnabled, b.Versioning = true, "Enabled"
			b.LockRule, period = nil, new(string)
			if r := l.Rule; r != nil {
				mode := strings.ToUpper(r.Mode)
				if mode != "COMPLIANCE" && mode != "GOVERNANCE" {
					return nil, errBadRequest("[objectLock.rule.mode] Given data (%s) does not belong to the cloud.storage.ObjectLockModeEnum enumeration", r.Mode)
				}
				rule, err := lockRuleOf(mode, r.Period)
				if err != nil {
					return nil, err
				}
				b.LockRule, *period = rule, r.Period
			}
		}
	}
	if v := s.Versioning; v != nil && v.Status != nil {
		status, ok := map[string]string{"disabled": "", "enabled": "Enabled", "suspended": "Suspended"}[*v.Status]
		switch {
		case !ok:
			return nil, errBadRequest("[versioning.status] Given data (%s) does not belong to the cloud.storage.VersioningStatusEnum enumeration", *v.Status)
		case b.ObjectLockEnabled && status != "Enabled":
			return nil, errBadRequest("Versioning cannot be disabled or suspended on a bucket with object lock") // unverified
		case status == "" && b.Versioning != "" && !creating:
			return nil, errBadRequest("Versioning cannot be disabled once enabled: suspend it") // unverified, as S3
		}
		b.Versioning = status
	}
	if s.Tags != nil {
		b.Tags = nil
		for k, v := range s.Tags {
			b.Tags = append(b.Tags, s3.Tag{Key: k, Value: v})
		}
		slices.SortFunc(b.Tags, func(x, y s3.Tag) int { return strings.Compare(x.Key, y.Key) })
		if err := s3.CheckTags(b.Tags); err != nil {
			var e *s3.Error
			if errors.As(err, &e) {
				return nil, errBadRequest("[tags] %s", e.Message)
			}
			return nil, err
		}
	}
	if r := s.Replication; r != nil {
		if err := r.check(b); err != nil {
			return nil, err
		}
	}
	return period, nil
}

// replicationObject is the newer replication field (the official
// provider's ReplicationValue): rules that copy the bucket's new objects to
// other buckets. The emulator keeps and shows them; it copies nothing.
type replicationObject struct {
	Rules []replicationRule `json:"rules"`
}

// replicationRule is one rule, with the defaults the API fills in shown
// (unverified defaults: priority 1, status enabled, STANDARD, delete
// markers not replicated, an empty prefix).
type replicationRule struct {
	ID                      string                 `json:"id"`
	Priority                *int64                 `json:"priority"`
	Status                  string                 `json:"status"`
	Destination             *replicationTarget     `json:"destination"`
	Filter                  *replicationRuleFilter `json:"filter"`
	DeleteMarkerReplication string                 `json:"deleteMarkerReplication"`
}

type replicationTarget struct {
	Name                       string `json:"name"`
	Region                     string `json:"region"`
	StorageClass               string `json:"storageClass"`
	RemoveOnMainBucketDeletion *bool  `json:"removeOnMainBucketDeletion"`
}

type replicationRuleFilter struct {
	Prefix string            `json:"prefix"`
	Tags   map[string]string `json:"tags"`
}

// check validates the rules as S3 replication does (versioning on, at
// most 1000 rules, unique ids and priorities) and fills in the defaults.
func (r *replicationObject) check(b *s3.Bucket) error {
	if len(r.Rules) > 0 && b.Versioning != "Enabled" {
		return errBadRequest("[replication] Replication needs versioning enabled on the bucket") // unverified wording
	}
	if len(r.Rules) > 1000 {
		return errBadRequest("[replication.rules] At most 1000 rules") // S3's limit
	}
	ids, priorities := map[string]bool{}, map[int64]bool{}
	for i := range r.Rules {
		rule := &r.Rules[i]
		at := fmt.Sprintf("[replication.rules[%d]", i)
		if rule.ID == "" {
			rule.ID = "rule-" + strconv.Itoa(i+1)
		}
		if rule.Priority == nil {
			p := int64(i + 1)
			rule.Priority = &p
		}
		if rule.Status == "" {
			rule.Status = "enabled"
		}
		if rule.DeleteMarkerReplication == "" {
			rule.DeleteMarkerReplication = "disabled"
		}
		if rule.Filter == nil {
			rule.Filter = &replicationRuleFilter{}
		}
		switch d := rule.Destination; {
		case d == nil || d.Name == "" || d.Region == "":
			return errBadRequest("%s.destination] name and region are mandatory", at)
		case d.StorageClass == "":
			d.StorageClass = "STANDARD"
		}
		switch {
		case ids[rule.ID]:
			return errBadRequest("%s.id] %s is used twice", at, rule.ID)
		case priorities[*rule.Priority]:
			return errBadRequest("%s.priority] %d is used twice", at, *rule.Priority)
		case rule.Status != "enabled" && rule.Status != "disabled":
			return errBadRequest("%s.status] Given data (%s) is not enabled or disabled", at, rule.Status)
		case rule.DeleteMarkerReplication != "enabled" && rule.DeleteMarkerReplication != "disabled":
			return errBadRequest("%s.deleteMarkerReplication] Given data (%s) is not enabled or disabled", at, rule.DeleteMarkerReplication)
		case !slices.Contains([]string{"HIGH_PERF", "STANDARD", "STANDARD_IA"}, rule.Destination.StorageClass):
			return errBadRequest("%s.destination.storageClass] Given data (%s) does not belong to the cloud.storage.StorageClassEnum enumeration",
				at, rule.Destination.StorageClass)
		case rule.Destination.Name == b.Name:
			return errBadRequest("%s.destination] A bucket does not replicate to itself", at)
		}
		ids[rule.ID], priorities[*rule.Priority] = true, true
	}
	return nil
}

func createContainer(c *call) (any, error) {
	var req struct {
		Name    *string `json:"name"`
		OwnerID *int64  `json:"ownerId"`
		containerSettings
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := mandatory(property{"name", req.Name != nil}); err != nil {
		return nil, err
	}
	if err := s3.CheckBucketName(*req.Name); err != nil {
		return nil, errBadRequest("[name] Invalid bucket name %s: %v", *req.Name, err) // unverified wording
	}
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		region, err := c.regionParam(p)
		if err != nil {
			return nil, err
		}
		b := s3.Bucket{Name: *req.Name, Owner: s3.OwnerPrefixOVH + p.ID, Region: region, Created: c.handler.opts.Now().UTC()}
		if req.OwnerID != nil {
			u, found, err := getInProject[userRecord](tx, collUsers, strconv.FormatInt(*req.OwnerID, 10), p.ID)
			if err != nil {
				return nil, err
			}
			if !found || u.Status == userDeleting {
				return nil, errBadRequest("[ownerId] The user %d does not exist in project %s", *req.OwnerID, p.ID) // unverified
			}
			b.OwnerID = strconv.FormatInt(u.ID, 10)
		}
		period, err := req.apply(&b, true)
		if err != nil {
			return nil, err
		}
		if err := s3.CreateBucket(tx, b); errors.Is(err, s3.ErrBucketExists) {
			return nil, errConflict("Bucket %s already exists", b.Name) // unverified wording and status
		} else if err != nil {
			return nil, err
		}
		if err := saveSettings(tx, b, period, req.Replication); err != nil {
			return nil, err
		}
		return containerView(tx, b, false)
	})
}

func getContainer(c *call) (any, error) {
	q := c.r.URL.Query()
	for name := range q {
		if name != "limit" && name != "marker" && name != "prefix" {
			return nil, errBadRequest("Unknown parameter %s", name)
		}
	}
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		region, err := c.regionParam(p)
		if err != nil {
			return nil, err
		}
		b, err := c.loadContainer(tx, p, region)
		if err != nil {
			return nil, err
		}
		v, err := containerView(tx, b, true)
		if err != nil {
			return nil, err
		}
		limit := 1000
		if l := q.Get("limit"); l != "" {
			if limit, err = strconv.Atoi(l); err != nil || limit < 1 || limit > 1000 {
				return nil, errBadRequest("[limit] must be between 1 and 1000")
			}
		}
		objects := v.Objects[:0]
		for _, o := range v.Objects {
			if strings.HasPrefix(o.Key, q.Get("prefix")) && o.Key > q.Get("marker") && len(objects) < limit {
				objects = append(objects, o)
			}
		}
		v.Objects = objects
		return v, nil
	})
}

func updateContainer(c *call) (any, error) {
	// The body is a cloud.StorageContainer: its read-only fields may be
	// sent back as read, and are ignored.
	var req struct {
		CreatedAt    *string     `json:"createdAt"`
		Name         *string     `json:"name"`
		Objects      []apiObject `json:"objects"`
		ObjectsCount *int64      `json:"objectsCount"`
		ObjectsSize  *int64      `json:"objectsSize"`
		OwnerID      *int64      `json:"ownerId"`
		Region       *string     `json:"region"`
		VirtualHost  *string     `json:"virtualHost"`
		containerSettings
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		region, err := c.regionParam(p)
		if err != nil {
			return nil, err
		}
		b, err := c.loadContainer(tx, p, region)
		if err != nil {
			return nil, err
		}
		period, err := req.apply(&b, false)
		if err != nil {
			return nil, err
		}
		if err := s3.PutBucket(tx, b); err != nil {
			return nil, err
		}
		if err := saveSettings(tx, b, period, req.Replication); err != nil {
			return nil, err
		}
		return containerView(tx, b, false)
	})
}

func deleteContainer(c *call) (any, error) {
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		region, err := c.regionParam(p)
		if err != nil {
			return nil, err
		}
		b, err := c.loadContainer(tx, p, region)
		if err != nil {
			return nil, err
		}
		if err := tx.Delete(collContainerSettings, b.Name); err != nil {
			return nil, err
		}
		if err := s3.DeleteBucket(tx, b.Name); errors.Is(err, s3.ErrBucketNotEmpty) {
			// Unverified: the OVHcloud Terraform provider empties a
			// bucket before deleting it, which suggests the API refuses.
			return nil, errConflict("Bucket %s is not empty: delete its objects and their versions first", b.Name)
		} else if err != nil {
			return nil, err
		}
		return nil, nil
	})
}

// ---- objects ----------------------------------------------------------------

// apiObjectVersion is one entry of GET /storage/{name}/object: an object,
// or with withVersions=true every version and delete marker. The route is
// newer than the June 2024 schema; the shape is the official provider's
// ObjectsValue (resource_cloud_project_storage_gen.go), cloud.StorageObject
// and the versioning fields.
type apiObjectVersion struct {
	ETag           string `json:"etag"`
	IsDeleteMarker bool   `json:"isDeleteMarker"`
	IsLatest       bool   `json:"isLatest"`
	Key            string `json:"key"`
	LastModified   string `json:"lastModified"`
	Size           int64  `json:"size"`
	StorageClass   string `json:"storageClass"`
	VersionID      string `json:"versionId"`
}

// maxObjectsListed is how many objects one call lists at most (the
// official provider loops "a maximum of 1000 objects are returned at each
// GET call").
const maxObjectsListed = 1000

// listContainerObjects lists a bucket's objects, newest version first
// within a key. The query parameters besides withVersions (prefix, limit,
// keyMarker, versionIdMarker) are the emulator's reading of the S3 listing
// the route fronts (unverified names).
func listContainerObjects(c *call) (any, error) {
	if err := c.checkQuery("withVersions", "prefix", "limit", "keyMarker", "versionIdMarker"); err != nil {
		return nil, err
	}
	q := c.r.URL.Query()
	withVersions := false
	if w := q.Get("withVersions"); w != "" {
		b, err := strconv.ParseBool(w)
		if err != nil {
			return nil, errBadRequest("[withVersions] Given data (%s) is not valid for type boolean", w)
		}
		withVersions = b
	}
	limit := maxObjectsListed
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > maxObjectsListed {
			return nil, errBadRequest("[limit] must be between 1 and %d", maxObjectsListed)
		}
		limit = n
	}
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		region, err := c.regionParam(p)
		if err != nil {
			return nil, err
		}
		b, err := c.loadContainer(tx, p, region)
		if err != nil {
			return nil, err
		}
		versions, err := s3.Versions(tx, b.Name)
		if err != nil {
			return nil, err
		}
		out := []apiObjectVersion{}
		// Past the markers: S3's order, by key then newest first.
		past := q.Get("keyMarker") == ""
		for i, v := range versions {
			latest := i == 0 || versions[i-1].Key != v.Key
			if !past {
				past = v.Key > q.Get("keyMarker") || (v.Key == q.Get("keyMarker") && q.Get("versionIdMarker") != "" &&
					i > 0 && versions[i-1].VersionID == q.Get("versionIdMarker") && versions[i-1].Key == v.Key)
			}
			if !past || !strings.HasPrefix(v.Key, q.Get("prefix")) || (!withVersions && (!latest || v.DeleteMarker)) {
				continue
			}
			if len(out) == limit {
				break
			}
			o := apiObjectVersion{ETag: v.ETag, IsDeleteMarker: v.DeleteMarker, IsLatest: latest, Key: v.Key,
				LastModified: apiTime(v.Modified), Size: v.Size, StorageClass: "STANDARD", VersionID: v.VersionID}
			if v.DeleteMarker {
				o.StorageClass = ""
			}
			out = append(out, o)
		}
		return out, nil
	})
}

// bulkDeleteObjects is POST /storage/{name}/bulkDeleteObjects
// {objects: [{key, versionId}]}, how the official provider empties a
// bucket before deleting it. A versionId deletes that version for good; a
// key alone deletes the current object, leaving a delete marker in a
// versioned bucket (S3's DeleteObjects). A version under retention or legal
// hold stops the whole call (403, unverified: the provider says only that
// locked objects make the deletion fail, to be unlocked by hand), and a key
// or version that does not exist is skipped, as S3 does.
func bulkDeleteObjects(c *call) (any, error) {
	var req struct {
		Objects []struct {
			Key       *string `json:"key"`
			VersionID *string `json:"versionId"`
		} `json:"objects"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := mandatory(property{"objects", req.Objects != nil}); err != nil {
		return nil, err
	}
	if len(req.Objects) > maxObjectsListed {
		return nil, errBadRequest("[objects] At most %d objects per call", maxObjectsListed) // S3's limit
	}
	for i, o := range req.Objects {
		if o.Key == nil || *o.Key == "" {
			return nil, errBadRequest("[objects[%d].key] Property is mandatory", i)
		}
	}
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		region, err := c.regionParam(p)
		if err != nil {
			return nil, err
		}
		b, err := c.loadContainer(tx, p, region)
		if err != nil {
			return nil, err
		}
		now := c.clock()
		for _, o := range req.Objects {
			if o.VersionID == nil || *o.VersionID == "" {
				if err := deleteCurrentObject(tx, b, *o.Key, now); err != nil {
					return nil, err
				}
				continue
			}
			if err := deleteObjectVersion(tx, b, *o.Key, *o.VersionID, now); err != nil {
				return nil, err
			}
		}
		return nil, nil
	})
}

// objectVersionDocs finds the stored documents of a bucket's versions of
// key, newest first, with their store ids.
func objectVersionDocs(tx store.Tx, bucket, key string) ([]store.Item, []s3.Version, error) {
	var items []store.Item
	var versions []s3.Version
	for _, it := range tx.List(s3.CollObjects) {
		var v s3.Version
		if err := json.Unmarshal(it.Doc, &v); err != nil {
			return nil, nil, err
		}
		if v.Bucket == bucket && v.Key == key {
			items, versions = append(items, it), append(versions, v)
		}
	}
	order := make([]int, len(versions))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return int(versions[b].Seq - versions[a].Seq) })
	sortedItems, sortedVersions := make([]store.Item, len(order)), make([]s3.Version, len(order))
	for i, j := range order {
		sortedItems[i], sortedVersions[i] = items[j], versions[j]
	}
	return sortedItems, sortedVersions, nil
}

// locked refuses to remove a version under retention or legal hold.
func locked(v s3.Version, now time.Time) error {
	if v.LegalHold || (v.RetainUntil != nil && now.Before(*v.RetainUntil)) {
		return &Error{Status: http.StatusForbidden, Class: "Client::Forbidden",
			Message: fmt.Sprintf("Object %s (version %s) is locked: remove its retention or legal hold first", v.Key, v.VersionID)} // unverified
	}
	return nil
}

func deleteObjectVersion(tx store.Tx, b s3.Bucket, key, versionID string, now time.Time) error {
	items, versions, err := objectVersionDocs(tx, b.Name, key)
	if err != nil {
		return err
	}
	for i, v := range versions {
		if v.VersionID != versionID {
			continue
		}
		if err := locked(v, now); err != nil {
			return err
		}
		return tx.Delete(s3.CollObjects, items[i].ID)
	}
	return nil
}

// deleteCurrentObject deletes a key given without a version: the object
// itself when the bucket never had versioning. In a versioned bucket S3
// would write a delete marker; the emulator leaves that to its S3 endpoint
// and asks for the version (the official provider always names it, from
// the listing withVersions=true).
func deleteCurrentObject(tx store.Tx, b s3.Bucket, key string, now time.Time) error {
	items, versions, err := objectVersionDocs(tx, b.Name, key)
	if err != nil || len(versions) == 0 || versions[0].DeleteMarker {
		return err
	}
	if b.Versioning != "" {
		return errBadRequest("[objects] %s: name the version to delete (versionId) in a versioned bucket", key) // the emulator's limit
	}
	if err := locked(versions[0], now); err != nil {
		return err
	}
	return tx.Delete(s3.CollObjects, items[0].ID)
}
