package ovh

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// The OVHcloud API v1 calls behind object storage (cloud.json): the
// region's buckets, the project's users, their S3 credentials and S3
// policies. Only the fields this package reads are typed.

const (
	routeStorages    = "/cloud/project/{serviceName}/region/{regionName}/storage"
	routeStorage     = routeStorages + "/{name}"
	routeUsers       = "/cloud/project/{serviceName}/user"
	routeUser        = routeUsers + "/{userId}"
	routeS3Creds     = routeUser + "/s3Credentials"
	routeS3Cred      = routeS3Creds + "/{access}"
	routeS3Secret    = routeS3Cred + "/secret"
	routeUserPolicy  = routeUser + "/policy"
	roleObjectStore  = "objectstore_operator"
	userStatusOK     = "ok"
	userStatusGone   = "deleted"
	userStatusDelete = "deleting"
)

// container is cloud.StorageContainer (objectLock is newer than the June
// 2024 schema).
type container struct {
	Name       string `json:"name"`
	CreatedAt  string `json:"createdAt"`
	OwnerID    int64  `json:"ownerId"`
	Region     string `json:"region"`
	Encryption *struct {
		SSEAlgorithm string `json:"sseAlgorithm"`
	} `json:"encryption"`
	Versioning *struct {
		Status string `json:"status"`
	} `json:"versioning"`
}

// containerCreation is cloud.StorageContainerCreation, with the newer
// objectLock.
type containerCreation struct {
	Name       string          `json:"name"`
	OwnerID    int64           `json:"ownerId"`
	Encryption sseObject       `json:"encryption"`
	Versioning statusObject    `json:"versioning"`
	ObjectLock *objectLockBody `json:"objectLock,omitempty"`
}

type sseObject struct {
	SSEAlgorithm string `json:"sseAlgorithm"`
}

type statusObject struct {
	Status string `json:"status"`
}

type objectLockBody struct {
	Status string `json:"status"`
	Rule   *struct {
		Mode   string `json:"mode"`   // compliance or governance
		Period string `json:"period"` // ISO 8601, e.g. P30D
	} `json:"rule,omitempty"`
}

// user is cloud.user.User.
type user struct {
	ID          int64  `json:"id"`
	Description string `json:"description"`
	Status      string `json:"status"` // creating, ok, deleting, deleted
	Roles       []struct {
		Name string `json:"name"`
	} `json:"roles"`
}

// s3Credentials is cloud.user.S3Credentials[WithSecret].
type s3Credentials struct {
	Access string `json:"access"`
	Secret string `json:"secret"` // only in the answer to the creation
	UserID string `json:"userId"`
}

func (c *Client) getContainer(ctx context.Context, name string) (container, error) {
	var out container
	err := c.call(ctx, http.MethodGet, fill(routeStorage, c.cfg.ProjectID, c.cfg.Region, name)+"?limit=1", routeStorage, nil, &out)
	return out, err
}

func (c *Client) createContainer(ctx context.Context, body containerCreation) (container, error) {
	var out container
	err := c.call(ctx, http.MethodPost, fill(routeStorages, c.cfg.ProjectID, c.cfg.Region), routeStorages, body, &out)
	return out, err
}

func (c *Client) deleteContainer(ctx context.Context, name string) error {
	return c.call(ctx, http.MethodDelete, fill(routeStorage, c.cfg.ProjectID, c.cfg.Region, name), routeStorage, nil, nil)
}

func (c *Client) listUsers(ctx context.Context) ([]user, error) {
	var out []user
	err := c.call(ctx, http.MethodGet, fill(routeUsers, c.cfg.ProjectID), routeUsers, nil, &out)
	return out, err
}

func (c *Client) createUser(ctx context.Context, description string) (user, error) {
	body := struct {
		Description string `json:"description"`
		Role        string `json:"role"`
	}{description, roleObjectStore}
	var out user
	err := c.call(ctx, http.MethodPost, fill(routeUsers, c.cfg.ProjectID), routeUsers, body, &out)
	return out, err
}

func (c *Client) getUser(ctx context.Context, id int64) (user, error) {
	var out user
	err := c.call(ctx, http.MethodGet, fill(routeUser, c.cfg.ProjectID, strconv.FormatInt(id, 10)), routeUser, nil, &out)
	return out, err
}

func (c *Client) deleteUser(ctx context.Context, id int64) error {
	return c.call(ctx, http.MethodDelete, fill(routeUser, c.cfg.ProjectID, strconv.FormatInt(id, 10)), routeUser, nil, nil)
}

func (c *Client) listS3Credentials(ctx context.Context, userID int64) ([]s3Credentials, error) {
	var out []s3Credentials
	err := c.call(ctx, http.MethodGet, fill(routeS3Creds, c.cfg.ProjectID, strconv.FormatInt(userID, 10)), routeS3Creds, nil, &out)
	return out, err
}

func (c *Client) createS3Credentials(ctx context.Context, userID int64) (s3Credentials, error) {
	var out s3Credentials
	err := c.call(ctx, http.MethodPost, fill(routeS3Creds, c.cfg.ProjectID, strconv.FormatInt(userID, 10)), routeS3Creds, nil, &out)
	return out, err
}

// s3Secret fetches the secret of an S3 key; it is never logged nor kept.
func (c *Client) s3Secret(ctx context.Context, userID int64, access string) (string, error) {
	var out struct {
		Secret string `json:"secret"`
	}
	// A POST that reads: sending it twice is harmless.
	err := c.callIdempotent(ctx, true, http.MethodPost, fill(routeS3Secret, c.cfg.ProjectID, strconv.FormatInt(userID, 10), access), routeS3Secret, nil, &out)
	return out.Secret, err
}

func (c *Client) getUserPolicy(ctx context.Context, userID int64) (string, error) {
	var out struct {
		Policy string `json:"policy"`
	}
	err := c.call(ctx, http.MethodGet, fill(routeUserPolicy, c.cfg.ProjectID, strconv.FormatInt(userID, 10)), routeUserPolicy, nil, &out)
	return out.Policy, err
}

func (c *Client) setUserPolicy(ctx context.Context, userID int64, policy string) error {
	body := struct {
		Policy string `json:"policy"`
	}{policy}
	// Setting the same policy twice is harmless: the call is idempotent,
	// though a POST.
	return c.callIdempotent(ctx, true, http.MethodPost, fill(routeUserPolicy, c.cfg.ProjectID, strconv.FormatInt(userID, 10)), routeUserPolicy, body, nil)
}

// waitUserOK waits until a user is ready.
func (c *Client) waitUserOK(ctx context.Context, id int64) error {
	return cloud.WaitFor(ctx, c.retry, fmt.Sprintf("the user %d to become %s", id, userStatusOK), func(ctx context.Context) (bool, error) {
		u, err := c.getUser(ctx, id)
		if err != nil {
			return false, fmt.Errorf("reading the user %d: %w", id, err)
		}
		return u.Status == userStatusOK, nil
	})
}

// waitUserGone waits until a user is deleted.
func (c *Client) waitUserGone(ctx context.Context, id int64) error {
	return cloud.WaitFor(ctx, c.retry, fmt.Sprintf("the user %d to be deleted", id), func(ctx context.Context) (bool, error) {
		u, err := c.getUser(ctx, id)
		if isNotFound(err) {
			return true, nil
		}
		if err != nil {
			return false, fmt.Errorf("reading the user %d: %w", id, err)
		}
		return u.Status == userStatusGone, nil
	})
}
