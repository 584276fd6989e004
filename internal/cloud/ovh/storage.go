package ovh

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/cloud/s3store"
)

// A warehouse bucket on OVHcloud is, in the client's region:
//
//   - a Public Cloud user with the objectstore_operator role, described as
//     "health_warehouse_storage:<bucket>", made first and waited for;
//   - its S3 credential (access key and secret): the bucket's key;
//   - its S3 user policy, set through the API before the bucket exists:
//     OVHcloud Object Storage has no bucket policies, and evaluates a user's
//     policy first (explicit Deny, then Allow), then the ACLs, which give the
//     bucket's owner full control (see cloud.RenderAccessPolicy);
//   - the bucket, made through the API (POST …/region/{r}/storage) with the
//     user as its owner (ownerId), default encryption AES256 (SSE-OMK,
//     OVHcloud's keys), versioning, and object lock when asked;
//   - then, through S3 with the bucket's key, its lifecycle rules and tags.
//
// The provider needs an S3 key for the S3 calls. It uses the bucket's own:
// the secret is fetched from the API (POST …/s3Credentials/{access}/secret)
// at the start of each operation, kept in memory for that operation only,
// never logged, never returned in state. The key's policy restricts object
// reads, writes and listings to allowed_source_ips, not the configuration
// calls, so Terraform can manage the bucket from outside the network; a
// forced deletion, which lists and deletes objects, must run from an
// allowed address.

// Keys of Bucket.CloudIDs.
const (
	keyUser      = "user"
	keyAccessKey = "access_key"
)

// userDescription marks the user made for a bucket.
func userDescription(bucket string) string { return "health_warehouse_storage:" + bucket }

// DefaultStorageEndpoint is the S3 endpoint of a region's object storage,
// https://s3.<region>.io.cloud.ovh.net, where the S3 region is the Public
// Cloud region in lower case without its trailing digits (GRA11 → gra,
// EU-WEST-PAR → eu-west-par). Unverified for every region: set
// storage_endpoint where it differs.
func DefaultStorageEndpoint(region string) string {
	return fmt.Sprintf("https://s3.%s.io.cloud.ovh.net", storageRegion(region))
}

var trailingDigits = regexp.MustCompile(`^([a-z]+)\d+$`)

// storageRegion is the S3 region of a Public Cloud region.
func storageRegion(region string) string {
	r := strings.ToLower(region)
	if m := trailingDigits.FindStringSubmatch(r); m != nil {
		return m[1]
	}
	return r
}

func (c *Client) storageEndpoint() string {
	if c.cfg.StorageEndpoint != "" {
		return strings.TrimSuffix(c.cfg.StorageEndpoint, "/")
	}
	return DefaultStorageEndpoint(c.cfg.Region)
}

// store is an S3 client signing with a bucket's key.
func (c *Client) store(keys s3store.Keys) *s3store.Client {
	return s3store.New(s3store.Config{
		Cloud: cloud.OVH, Endpoint: c.storageEndpoint(), Region: storageRegion(c.cfg.Region),
		Retry: c.retry, Limiter: c.storageLimiter, Log: c.log,
	}, keys)
}

// storageSettings checks the settings every storage call needs.
func (c *Client) storageSettings() error { return c.networkSettings() }

// CreateBucket implements cloud.ObjectStorage. It records the user and its
// key in the returned Bucket as soon as they exist, so that on error
// DeleteBucket can remove them.
func (c *Client) CreateBucket(ctx context.Context, spec cloud.BucketSpec) (cloud.Bucket, error) {
	if err := c.storageSettings(); err != nil {
		return cloud.Bucket{}, err
	}
	policy, _, err := cloud.RenderAccessPolicy(cloud.OVH, spec)
	if err != nil {
		return cloud.Bucket{}, fmt.Errorf("creating the bucket %s: %w", spec.Name, err)
	}
	made := c.bucketRef(spec.Name)
	made.Name = "" // nothing of the bucket exists yet
	u, err := c.makeUser(ctx, spec.Name)
	if u != 0 {
		made.CloudIDs[keyUser] = strconv.FormatInt(u, 10)
	}
	if err != nil {
		return made, fmt.Errorf("creating the user of the bucket %s: %w", spec.Name, err)
	}
	cred, err := c.makeS3Credentials(ctx, u)
	if err != nil {
		return made, fmt.Errorf("creating the S3 credentials of the user %d: %w", u, err)
	}
	made.CloudIDs[keyAccessKey], made.AccessKeyID = cred.Access, cred.Access
	st := c.store(s3store.Keys{AccessKey: cred.Access, SecretKey: cred.Secret})
	if got, err := c.getContainer(ctx, spec.Name); err == nil && got.OwnerID == u {
		// The user was taken over with the bucket it owns: only an
		// unfinished one is ours to finish, before anything of it changes.
		if unfinished, err := st.Unfinished(ctx, spec.Name); err != nil || !unfinished {
			return cloud.Bucket{}, fmt.Errorf("creating the bucket %s in %s: it exists already, made by health_warehouse_storage "+
				"(its user %d): import it (%w)", spec.Name, c.cfg.Region, u, errors.Join(cloud.ErrConflict, err))
		}
	}
	if err := c.setUserPolicy(ctx, u, policy); err != nil {
		return made, fmt.Errorf("setting the S3 policy of the user %d: %w", u, err)
	}
	if err := c.makeContainer(ctx, spec, u, st); err != nil {
		return made, err
	}
	made.Name = spec.Name
	have, err := st.Observe(ctx, spec.Name)
	if err == nil {
		err = st.Converge(ctx, spec.Name, s3store.DesiredFor(spec, ""), have)
	}
	if err != nil {
		return made, fmt.Errorf("configuring the bucket %s: %w", spec.Name, err)
	}
	read, err := c.ReadBucket(ctx, made)
	if err != nil {
		return made, fmt.Errorf("reading the bucket %s back after creating it: %w", spec.Name, err)
	}
	return read, nil
}

// makeUser makes the bucket's user and waits until it is ready. The API
// takes no idempotency token: when the answer is lost, the user is found
// by its description.
//
// A user of that description that already exists was left by a create
// that died before Terraform saved the state (a bucket's user is deleted
// with it otherwise): it is taken over, with its key, rather than left
// behind. Its bucket, if it made one, is taken over only if unfinished
// (see makeContainer).
func (c *Client) makeUser(ctx context.Context, bucket string) (int64, error) {
	id, err := c.findUser(ctx, bucket)
	if err != nil || id != 0 {
		return id, err
	}
	err = c.retry.Recover(ctx, func(ctx context.Context) error {
		u, err := c.createUser(ctx, userDescription(bucket))
		id = u.ID
		return err
	}, func(ctx context.Context) (bool, error) {
		var err error
		id, err = c.findUser(ctx, bucket)
		return id != 0, err
	})
	if err != nil {
		return 0, err
	}
	return id, c.waitUserOK(ctx, id)
}

// findUser returns the one live user made for bucket, or 0.
func (c *Client) findUser(ctx context.Context, bucket string) (int64, error) {
	return c.findUserDescribed(ctx, userDescription(bucket), "the bucket "+bucket)
}

// findUserDescribed returns the one live user of that description, made
// for owner ("the bucket b"), or 0. More than one is an error: the
// description was meant to be unique.
func (c *Client) findUserDescribed(ctx context.Context, description, owner string) (int64, error) {
	users, err := c.listUsers(ctx)
	if err != nil {
		return 0, fmt.Errorf("listing the users to find the one of %s: %w", owner, err)
	}
	var found []int64
	for _, u := range users {
		if u.Description == description && u.Status != userStatusDelete && u.Status != userStatusGone {
			found = append(found, u.ID)
		}
	}
	switch len(found) {
	case 0:
		return 0, nil
	case 1:
		return found[0], nil
	}
	return 0, fmt.Errorf("%d users are described as %q: %v", len(found), description, found)
}

// makeS3Credentials gives the bucket's user its S3 key. The user is the
// bucket's alone: a key it already holds (made by a call whose answer was
// lost, or by a create that died) is the bucket's key.
func (c *Client) makeS3Credentials(ctx context.Context, userID int64) (s3Credentials, error) {
	var cred s3Credentials
	existing := func(ctx context.Context) (bool, error) {
		creds, err := c.listS3Credentials(ctx, userID)
		if err != nil || len(creds) == 0 {
			return false, err
		}
		secret, err := c.s3Secret(ctx, userID, creds[0].Access)
		cred = s3Credentials{Access: creds[0].Access, Secret: secret, UserID: creds[0].UserID}
		return err == nil, err
	}
	if found, err := existing(ctx); err != nil || found {
		return cred, err
	}
	err := c.retry.Recover(ctx, func(ctx context.Context) error {
		var err error
		cred, err = c.createS3Credentials(ctx, userID)
		return err
	}, existing)
	return cred, err
}

// makeContainer makes the bucket through the API, owned by the user.
func (c *Client) makeContainer(ctx context.Context, spec cloud.BucketSpec, owner int64, st *s3store.Client) error {
	body := containerCreation{Name: spec.Name, OwnerID: owner, Encryption: sseObject{SSEAlgorithm: cloud.SSEAlgorithm},
		Versioning: statusObject{Status: "disabled"}}
	if spec.Versioning || spec.ObjectLock != nil {
		body.Versioning.Status = "enabled"
	}
	if l := spec.ObjectLock; l != nil {
		body.ObjectLock = &objectLockBody{Status: "enabled", Rule: &struct {
			Mode   string `json:"mode"`
			Period string `json:"period"`
		}{strings.ToLower(l.Mode), fmt.Sprintf("P%dD", l.RetentionDays)}}
	}
	// A lost answer, a retry of a create that went through, or a create
	// that died: the bucket is ours if the user owns it and it is still
	// unfinished (no tag, no object). A finished one is another state's.
	ours := func(ctx context.Context) (bool, error) {
		got, err := c.getContainer(ctx, spec.Name)
		if isNotFound(err) {
			return false, nil
		}
		if err != nil || got.OwnerID != owner {
			return false, err
		}
		return st.Unfinished(ctx, spec.Name)
	}
	err := c.retry.Recover(ctx, func(ctx context.Context) error {
		_, err := c.createContainer(ctx, body)
		return err
	}, ours)
	if err == nil {
		return nil
	}
	if errors.Is(err, cloud.ErrConflict) {
		if mine, _ := ours(ctx); mine {
			return nil
		}
	}
	if errors.Is(err, cloud.ErrConflict) {
		err = fmt.Errorf("%w: the name is taken (bucket names are shared in the region; if the bucket is yours, import it)", err)
	}
	return fmt.Errorf("creating the bucket %s in %s: %w", spec.Name, c.cfg.Region, err)
}

// bucketRef is what is known of a bucket before reading it.
func (c *Client) bucketRef(name string) cloud.Bucket {
	return cloud.Bucket{Name: name, Region: c.cfg.Region, Endpoint: c.storageEndpoint(), PolicyKind: cloud.PolicyKindUser,
		CloudIDs: map[string]string{}}
}

// bucketKey finds a bucket's owner, the owner's S3 key and its secret.
// ref.CloudIDs name the key the state knows; after an import, the owner's
// first key is used.
func (c *Client) bucketKey(ctx context.Context, ref cloud.Bucket) (int64, s3store.Keys, error) {
	got, err := c.getContainer(ctx, ref.Name)
	if err != nil {
		return 0, s3store.Keys{}, fmt.Errorf("reading the bucket %s: %w", ref.Name, err)
	}
	owner := got.OwnerID
	// The owner and its keys at once.
	var u user
	var creds []s3Credentials
	err = cloud.Parallel(ctx,
		func(ctx context.Context) error {
			var err error
			if u, err = c.getUser(ctx, owner); err != nil {
				return fmt.Errorf("reading the user %d that owns the bucket %s: %w", owner, ref.Name, err)
			}
			return nil
		},
		func(ctx context.Context) error {
			var err error
			if creds, err = c.listS3Credentials(ctx, owner); err != nil {
				return fmt.Errorf("listing the S3 credentials of the user %d: %w", owner, err)
			}
			return nil
		})
	if err != nil {
		return owner, s3store.Keys{}, err
	}
	if u.Description != userDescription(ref.Name) {
		return owner, s3store.Keys{}, fmt.Errorf("the bucket %s is owned by the user %d (%q), which health_warehouse_storage "+
			"did not make for it: the provider manages only buckets it made, with their own user", ref.Name, owner, u.Description)
	}
	access := ""
	for _, cr := range creds {
		if cr.Access == ref.CloudIDs[keyAccessKey] || access == "" {
			access = cr.Access
		}
	}
	if access == "" {
		return owner, s3store.Keys{}, fmt.Errorf("the user %d that owns the bucket %s has no S3 credentials left: "+
			"the provider cannot reach the bucket; replace the resource (terraform apply -replace)", owner, ref.Name)
	}
	secret, err := c.s3Secret(ctx, owner, access)
	if err != nil {
		return owner, s3store.Keys{}, fmt.Errorf("reading the secret of the S3 key %s: %w", access, err)
	}
	return owner, s3store.Keys{AccessKey: access, SecretKey: secret}, nil
}

// ReadBucket implements cloud.ObjectStorage.
func (c *Client) ReadBucket(ctx context.Context, ref cloud.Bucket) (cloud.Bucket, error) {
	if err := c.storageSettings(); err != nil {
		return cloud.Bucket{}, err
	}
	owner, keys, err := c.bucketKey(ctx, ref)
	if err != nil {
		return cloud.Bucket{}, err
	}
	// The bucket's settings and its user's policy at once.
	var st s3store.State
	var policy string
	err = cloud.Parallel(ctx,
		func(ctx context.Context) error {
			var err error
			if st, err = c.store(keys).Observe(ctx, ref.Name); err != nil {
				return fmt.Errorf("reading the bucket %s: %w", ref.Name, err)
			}
			return nil
		},
		func(ctx context.Context) error {
			var err error
			if policy, err = c.getUserPolicy(ctx, owner); err != nil {
				return fmt.Errorf("reading the S3 policy of the user %d: %w", owner, err)
			}
			return nil
		})
	if err != nil {
		return cloud.Bucket{}, err
	}
	b := c.bucketRef(ref.Name)
	s3store.Apply(&b, st)
	if b.Policy, err = cloud.CanonicalPolicy(policy); err != nil {
		return cloud.Bucket{}, fmt.Errorf("reading the S3 policy of the user %d: %w", owner, err)
	}
	b.AllowedSourceIPs = cloud.SourceIPsFromPolicy(b.Policy)
	b.AccessKeyID = keys.AccessKey
	b.CloudIDs[keyUser], b.CloudIDs[keyAccessKey] = strconv.FormatInt(owner, 10), keys.AccessKey
	return b, nil
}

// UpdateBucket implements cloud.ObjectStorage.
func (c *Client) UpdateBucket(ctx context.Context, current cloud.Bucket, spec cloud.BucketSpec) (cloud.Bucket, error) {
	if err := c.storageSettings(); err != nil {
		return current, err
	}
	policy, _, err := cloud.RenderAccessPolicy(cloud.OVH, spec)
	if err != nil {
		return current, fmt.Errorf("updating the bucket %s: %w", spec.Name, err)
	}
	owner, keys, err := c.bucketKey(ctx, current)
	if err != nil {
		return current, err
	}
	held, err := c.getUserPolicy(ctx, owner)
	if err != nil {
		return current, fmt.Errorf("reading the S3 policy of the user %d: %w", owner, err)
	}
	if canonical, _ := cloud.CanonicalPolicy(held); canonical != policy {
		if err := c.setUserPolicy(ctx, owner, policy); err != nil {
			return current, fmt.Errorf("setting the S3 policy of the user %d: %w", owner, err)
		}
	}
	st := c.store(keys)
	have, err := st.Observe(ctx, current.Name)
	if err != nil {
		return current, fmt.Errorf("reading the bucket %s before updating it: %w", current.Name, err)
	}
	if spec.ObjectLock != nil && !have.ObjectLockEnabled {
		return current, fmt.Errorf("updating the bucket %s: object lock can only be enabled when a bucket is created", current.Name)
	}
	if err := st.Converge(ctx, current.Name, s3store.DesiredFor(spec, ""), have); err != nil {
		return current, fmt.Errorf("updating the bucket %s: %w", current.Name, err)
	}
	return c.ReadBucket(ctx, current)
}

// DeleteBucket implements cloud.ObjectStorage: the bucket (emptied first
// with force), then its user and the user's credentials.
func (c *Client) DeleteBucket(ctx context.Context, b cloud.Bucket, force bool) error {
	if err := c.storageSettings(); err != nil {
		return err
	}
	owner, _ := strconv.ParseInt(b.CloudIDs[keyUser], 10, 64)
	if b.Name != "" {
		got, err := c.getContainer(ctx, b.Name)
		switch {
		case isNotFound(err):
		case err != nil:
			return fmt.Errorf("reading the bucket %s: %w", b.Name, err)
		default:
			owner = got.OwnerID
			if err := c.emptyAndDelete(ctx, b, force); err != nil {
				return err
			}
		}
	}
	if owner == 0 {
		return nil
	}
	if err := c.deleteUser(ctx, owner); err != nil && !isNotFound(err) {
		return fmt.Errorf("deleting the user %d of the bucket %s: %w", owner, b.Name, err)
	}
	return c.waitUserGone(ctx, owner)
}

func (c *Client) emptyAndDelete(ctx context.Context, b cloud.Bucket, force bool) error {
	_, keys, err := c.bucketKey(ctx, b)
	if err != nil {
		return err
	}
	st := c.store(keys)
	if force {
		have, err := st.Observe(ctx, b.Name)
		if err != nil {
			return fmt.Errorf("reading the bucket %s before emptying it: %w", b.Name, err)
		}
		if err := st.Empty(ctx, b.Name, have.ObjectLockEnabled); err != nil {
			return fmt.Errorf("emptying the bucket %s: %w", b.Name, err)
		}
	}
	err = c.deleteContainer(ctx, b.Name)
	switch {
	case err == nil, isNotFound(err):
		return nil
	case errors.Is(err, cloud.ErrConflict):
		// The API refuses a bucket that still holds versions; S3 counts them.
		if s3err := st.Delete(ctx, b.Name); s3err != nil {
			return fmt.Errorf("deleting the bucket %s: %w", b.Name, s3err)
		}
		return nil
	}
	return fmt.Errorf("deleting the bucket %s: %w", b.Name, err)
}

// BucketCredentials implements cloud.ObjectStorage: the bucket's own key.
func (c *Client) BucketCredentials(ctx context.Context, name string) (cloud.BucketCredentials, error) {
	if err := c.storageSettings(); err != nil {
		return cloud.BucketCredentials{}, err
	}
	_, keys, err := c.bucketKey(ctx, cloud.Bucket{Name: name})
	if err != nil {
		return cloud.BucketCredentials{}, err
	}
	return cloud.BucketCredentials{AccessKeyID: keys.AccessKey, SecretAccessKey: keys.SecretKey,
		Endpoint: c.storageEndpoint(), Region: storageRegion(c.cfg.Region), Scope: cloud.ScopeBucket}, nil
}

// SampleObjectEncryption implements cloud.ObjectStorage, with the bucket's
// own key: where allowed_source_ips is set, its policy refuses the listing
// from anywhere else (cloud.ErrAuth).
func (c *Client) SampleObjectEncryption(ctx context.Context, name string) (cloud.EncryptionSample, error) {
	if err := c.storageSettings(); err != nil {
		return cloud.EncryptionSample{}, err
	}
	_, keys, err := c.bucketKey(ctx, cloud.Bucket{Name: name})
	if err != nil {
		return cloud.EncryptionSample{}, err
	}
	return c.store(keys).SampleEncryption(ctx, name, cloud.EncryptionSampleSize, cloud.MaxObjectsListed)
}

// ReadAuditTrail implements cloud.ObjectStorage, with the bucket's own key;
// the bucket's creation date comes from the API.
func (c *Client) ReadAuditTrail(ctx context.Context, bucket string, prefixes []string) (cloud.AuditTrail, error) {
	out := cloud.AuditTrail{Bucket: bucket}
	if err := c.storageSettings(); err != nil {
		return out, err
	}
	_, keys, err := c.bucketKey(ctx, cloud.Bucket{Name: bucket})
	if err != nil {
		return out, err
	}
	if out.Streams, err = c.store(keys).Trail(ctx, bucket, prefixes); err != nil {
		return out, err
	}
	if got, err := c.getContainer(ctx, bucket); err == nil {
		out.Created, _ = time.Parse(time.RFC3339, got.CreatedAt)
	}
	return out, nil
}
