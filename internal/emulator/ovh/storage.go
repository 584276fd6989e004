package ovh

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

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
//     objectLock and tags are newer fields, taken from the OVHcloud
//     Terraform provider's generated schema (resource_cloud_project_storage_gen.go).
//   - Users (/user) answer "creating" to their creation and first read, "ok"
//     after; a deleted user answers "deleting" to the next read and is gone
//     after it (states move on reads, never with time: see network.go).
//   - S3 credentials (/user/{userId}/s3Credentials, BETA) show their secret
//     only in the answer to their creation and to POST …/{access}/secret.
//   - A user's S3 policy (/user/{userId}/policy, BETA) is checked as a
//     policy document and evaluated by the S3 endpoint for requests signed
//     with the user's credentials.
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

// answered moves a user one step on after a read showed it.
func (u userRecord) answered(tx store.Tx) error {
	switch u.Status {
	case userCreating:
		u.Status = userOK
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
			if err := c.advance(collUsers, strconv.FormatInt(u.ID, 10), u.Status, func() error { return u.answered(tx) }); err != nil {
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
		}}
		if req.Description != nil {
			u.Description = *req.Description
		}
		for _, r := range names {
			if !slices.ContainsFunc(u.Roles, func(x apiRole) bool { return x.Name == r }) {
				u.Roles = append(u.Roles, role(r))
			}
		}
		if err := store.Put(tx, collUsers, strconv.FormatInt(u.ID, 10), u); err != nil {
			return nil, err
		}
		return apiUserDetail{apiUser: u.apiUser, Password: randomHex(16)}, nil
	})
}

func getUser(c *call) (any, error) {
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		u, err := c.loadUser(tx, p)
		if err != nil {
			return nil, err
		}
		return u.apiUser, c.advance(collUsers, strconv.FormatInt(u.ID, 10), u.Status, func() error { return u.answered(tx) })
	})
}

func deleteUser(c *call) (any, error) {
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		u, err := c.loadUser(tx, p)
		if err != nil {
			return nil, err
		}
		u.Status = userDeleting
		return nil, store.Put(tx, collUsers, strconv.FormatInt(u.ID, 10), u)
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
	if err := s3.CheckUserPolicy(*req.Policy); err != nil {
		return nil, errBadRequest("[policy] %v", err) // unverified wording
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
		found = true
		return nil
	})
	return out, found
}

// ---- buckets ----------------------------------------------------------------

// apiContainer is cloud.StorageContainer, with the newer objectLock and
// tags.
type apiContainer struct {
	CreatedAt    string            `json:"createdAt"`
	Encryption   *encryptionObject `json:"encryption"`
	Name         string            `json:"name"`
	Objects      []apiObject       `json:"objects"`
	ObjectsCount int64             `json:"objectsCount"`
	ObjectsSize  int64             `json:"objectsSize"`
	OwnerID      int64             `json:"ownerId"`
	Region       string            `json:"region"`
	Versioning   *versioningObject `json:"versioning"`
	VirtualHost  string            `json:"virtualHost"`
	ObjectLock   *objectLockObject `json:"objectLock"`
	Tags         map[string]string `json:"tags"`
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

var periodPattern = regexp.MustCompile(`^P(\d+)([DY])$`)

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
			period := fmt.Sprintf("P%dD", r.Days)
			if r.Years > 0 {
				period = fmt.Sprintf("P%dY", r.Years)
			}
			v.ObjectLock.Rule = &struct {
				Mode   string `json:"mode"`
				Period string `json:"period"`
			}{strings.ToLower(r.Mode), period}
		}
	}
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
	Encryption *encryptionObject `json:"encryption"`
	Versioning *versioningObject `json:"versioning"`
	ObjectLock *objectLockObject `json:"objectLock"`
	Tags       map[string]string `json:"tags"`
}

// apply sets the settings on b, checking them as the API does.
func (s containerSettings) apply(b *s3.Bucket, creating bool) error {
	if e := s.Encryption; e != nil && e.SSEAlgorithm != nil {
		switch *e.SSEAlgorithm {
		case "AES256":
			b.Encryption = &s3.Encryption{Algorithm: "AES256"}
		case "plaintext":
			b.Encryption = nil
		default:
			return errBadRequest("[encryption.sseAlgorithm] Given data (%s) does not belong to the cloud.storage.EncryptionAlgorithmEnum enumeration", *e.SSEAlgorithm)
		}
	}
	if l := s.ObjectLock; l != nil {
		switch {
		case l.Status != "enabled" && l.Status != "disabled":
			return errBadRequest("[objectLock.status] Given data (%s) is not enabled or disabled", l.Status)
		case l.Status == "enabled" && !creating && !b.ObjectLockEnabled:
			return errBadRequest("Object lock can only be enabled when the bucket is created") // unverified
		case l.Status == "disabled" && b.ObjectLockEnabled:
			return errBadRequest("Object lock cannot be disabled once enabled") // unverified
		}
		if l.Status == "enabled" {
			b.ObjectLockEnabled, b.Versioning = true, "Enabled"
			b.LockRule = nil
			if r := l.Rule; r != nil {
				mode := strings.ToUpper(r.Mode)
				m := periodPattern.FindStringSubmatch(r.Period)
				if (mode != "COMPLIANCE" && mode != "GOVERNANCE") || m == nil {
					return errBadRequest("[objectLock.rule] mode must be compliance or governance, period a duration such as P30D") // unverified
				}
				n, _ := strconv.Atoi(m[1])
				if n <= 0 {
					return errBadRequest("[objectLock.rule.period] the period must be positive")
				}
				b.LockRule = &s3.LockRule{Mode: mode}
				if m[2] == "Y" {
					b.LockRule.Years = n
				} else {
					b.LockRule.Days = n
				}
			}
		}
	}
	if v := s.Versioning; v != nil && v.Status != nil {
		status, ok := map[string]string{"disabled": "", "enabled": "Enabled", "suspended": "Suspended"}[*v.Status]
		switch {
		case !ok:
			return errBadRequest("[versioning.status] Given data (%s) does not belong to the cloud.storage.VersioningStatusEnum enumeration", *v.Status)
		case b.ObjectLockEnabled && status != "Enabled":
			return errBadRequest("Versioning cannot be disabled or suspended on a bucket with object lock") // unverified
		case status == "" && b.Versioning != "" && !creating:
			return errBadRequest("Versioning cannot be disabled once enabled: suspend it") // unverified, as S3
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
				return errBadRequest("[tags] %s", e.Message)
			}
			return err
		}
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
		if err := req.apply(&b, true); err != nil {
			return nil, err
		}
		if err := s3.CreateBucket(tx, b); errors.Is(err, s3.ErrBucketExists) {
			return nil, errConflict("Bucket %s already exists", b.Name) // unverified wording and status
		} else if err != nil {
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
		if err := req.apply(&b, false); err != nil {
			return nil, err
		}
		if err := s3.PutBucket(tx, b); err != nil {
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
