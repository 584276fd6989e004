package outscale

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/cloud/s3store"
)

// Object storage on OUTSCALE is OOS, S3-compatible, reached with the
// account's own access key and secret key (OOS knows no other key), path
// style, at https://oos.<region>.outscale.com unless storage_endpoint says
// otherwise. osc-sdk-go v2 has no OOS client: the calls go through
// s3store, on aws-sdk-go-v2's S3 client, as osc-sdk-go v3's pkg/oos does.
//
// What OOS enforces of a warehouse bucket, by its documentation:
//   - default encryption AES256 with OUTSCALE's keys;
//   - versioning, lifecycle rules, tags;
//   - object lock in COMPLIANCE mode only ("OUTSCALE Object Storage
//     currently does not support GOVERNANCE mode");
//   - a bucket policy, but "conditions are not yet supported": the policy
//     written here denies ACL changes to everyone; TLS only, source
//     addresses and SSE-C cannot be required by the bucket (see
//     cloud.RenderAccessPolicy). SSE-C itself is unverified on OOS.

// DefaultStorageEndpoint is OOS's endpoint in a region.
func DefaultStorageEndpoint(region string) string {
	return fmt.Sprintf("https://oos.%s.outscale.com", region)
}

func (c *Client) storageEndpoint() string {
	if c.cfg.StorageEndpoint != "" {
		return strings.TrimSuffix(c.cfg.StorageEndpoint, "/")
	}
	return DefaultStorageEndpoint(c.cfg.Region)
}

// store is an OOS client signing with the account's keys.
func (c *Client) store() *s3store.Client {
	conf := c.api.GetConfig()
	var httpClient *http.Client
	if conf != nil {
		httpClient = conf.HTTPClient
	}
	ua := ""
	if conf != nil {
		ua = conf.UserAgent
	}
	return s3store.New(s3store.Config{
		Cloud: cloud.Outscale, Endpoint: c.storageEndpoint(), Region: c.cfg.Region, BucketPolicies: true,
		HTTPClient: httpClient, UserAgent: ua, Retry: c.retry, Limiter: c.storageLimiter, Log: c.log,
	}, s3store.Keys{AccessKey: c.cfg.AccessKey, SecretKey: c.cfg.SecretKey})
}

// CreateBucket implements cloud.ObjectStorage: the bucket (with object
// lock when asked), its policy first, then its settings.
func (c *Client) CreateBucket(ctx context.Context, spec cloud.BucketSpec) (cloud.Bucket, error) {
	if err := c.missingSettings(); err != nil {
		return cloud.Bucket{}, err
	}
	if spec.ObjectLock != nil && spec.ObjectLock.Mode == cloud.LockGovernance {
		return cloud.Bucket{}, fmt.Errorf("creating the bucket %s: OUTSCALE Object Storage has no GOVERNANCE retention mode: %w",
			spec.Name, cloud.ErrPolicyUnsupported)
	}
	policy, _, err := cloud.RenderAccessPolicy(cloud.Outscale, spec)
	if err != nil {
		return cloud.Bucket{}, fmt.Errorf("creating the bucket %s: %w", spec.Name, err)
	}
	st := c.store()
	err = st.CreateBucket(ctx, spec.Name, spec.ObjectLock != nil)
	if s3store.IsOwnedByYou(err) {
		// Ours already: left by a create that died (the provider killed
		// before Terraform saved the state) if it has neither tag nor
		// object, and then taken over; a finished bucket of ours is not.
		if unfinished, checkErr := st.Unfinished(ctx, spec.Name); checkErr == nil && unfinished {
			err = nil
		}
	}
	if err != nil {
		if errors.Is(err, cloud.ErrConflict) {
			err = fmt.Errorf("%w: the name is taken (bucket names are shared by every account of the region; "+
				"if the bucket is yours, import it)", err)
		}
		return cloud.Bucket{}, fmt.Errorf("creating the bucket %s: %w", spec.Name, err)
	}
	made := c.bucketRef(spec.Name)
	have, err := st.Observe(ctx, spec.Name)
	if err == nil {
		err = st.Converge(ctx, spec.Name, s3store.DesiredFor(spec, policy), have)
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

// bucketRef is what is known of a bucket before reading it.
func (c *Client) bucketRef(name string) cloud.Bucket {
	return cloud.Bucket{Name: name, Region: c.cfg.Region, Endpoint: c.storageEndpoint(), PolicyKind: cloud.PolicyKindBucket,
		CloudIDs: map[string]string{}}
}

// ReadBucket implements cloud.ObjectStorage.
func (c *Client) ReadBucket(ctx context.Context, ref cloud.Bucket) (cloud.Bucket, error) {
	if err := c.missingSettings(); err != nil {
		return cloud.Bucket{}, err
	}
	st, err := c.store().Observe(ctx, ref.Name)
	if err != nil {
		return cloud.Bucket{}, fmt.Errorf("reading the bucket %s: %w", ref.Name, err)
	}
	b := c.bucketRef(ref.Name)
	s3store.Apply(&b, st)
	b.Policy = st.Policy
	return b, nil
}

// UpdateBucket implements cloud.ObjectStorage.
func (c *Client) UpdateBucket(ctx context.Context, current cloud.Bucket, spec cloud.BucketSpec) (cloud.Bucket, error) {
	if err := c.missingSettings(); err != nil {
		return current, err
	}
	policy, _, err := cloud.RenderAccessPolicy(cloud.Outscale, spec)
	if err != nil {
		return current, fmt.Errorf("updating the bucket %s: %w", spec.Name, err)
	}
	if spec.ObjectLock != nil && spec.ObjectLock.Mode == cloud.LockGovernance {
		return current, fmt.Errorf("updating the bucket %s: OUTSCALE Object Storage has no GOVERNANCE retention mode: %w",
			spec.Name, cloud.ErrPolicyUnsupported)
	}
	st := c.store()
	have, err := st.Observe(ctx, current.Name)
	if err != nil {
		return current, fmt.Errorf("reading the bucket %s before updating it: %w", current.Name, err)
	}
	if spec.ObjectLock != nil && !have.ObjectLockEnabled {
		return current, fmt.Errorf("updating the bucket %s: object lock can only be enabled when a bucket is created", current.Name)
	}
	if err := st.Converge(ctx, current.Name, s3store.DesiredFor(spec, policy), have); err != nil {
		return current, fmt.Errorf("updating the bucket %s: %w", current.Name, err)
	}
	return c.ReadBucket(ctx, current)
}

// DeleteBucket implements cloud.ObjectStorage.
func (c *Client) DeleteBucket(ctx context.Context, b cloud.Bucket, force bool) error {
	if err := c.missingSettings(); err != nil {
		return err
	}
	if b.Name == "" {
		return nil // the create failed before the bucket existed
	}
	st := c.store()
	if force {
		have, err := st.Observe(ctx, b.Name)
		if errors.Is(err, cloud.ErrNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading the bucket %s before emptying it: %w", b.Name, err)
		}
		if err := st.Empty(ctx, b.Name, have.ObjectLockEnabled); err != nil {
			return fmt.Errorf("emptying the bucket %s: %w", b.Name, err)
		}
	}
	if err := st.Delete(ctx, b.Name); err != nil {
		return fmt.Errorf("deleting the bucket %s: %w", b.Name, err)
	}
	return nil
}

// BucketCredentials implements cloud.ObjectStorage: OOS takes the
// account's own keys, which reach every bucket of the account.
func (c *Client) BucketCredentials(ctx context.Context, name string) (cloud.BucketCredentials, error) {
	if err := c.missingSettings(); err != nil {
		return cloud.BucketCredentials{}, err
	}
	if err := c.store().Exists(ctx, name); err != nil {
		return cloud.BucketCredentials{}, fmt.Errorf("reading the bucket %s: %w", name, err)
	}
	return cloud.BucketCredentials{AccessKeyID: c.cfg.AccessKey, SecretAccessKey: c.cfg.SecretKey,
		Endpoint: c.storageEndpoint(), Region: c.cfg.Region, Scope: cloud.ScopeAccount}, nil
}

// SampleObjectEncryption implements cloud.ObjectStorage.
func (c *Client) SampleObjectEncryption(ctx context.Context, name string) (cloud.EncryptionSample, error) {
	if err := c.missingSettings(); err != nil {
		return cloud.EncryptionSample{}, err
	}
	return c.store().SampleEncryption(ctx, name, cloud.EncryptionSampleSize, cloud.MaxObjectsListed)
}

// ReadAuditTrail implements cloud.ObjectStorage, with the account's keys.
func (c *Client) ReadAuditTrail(ctx context.Context, bucket string, prefixes []string) (cloud.AuditTrail, error) {
	out := cloud.AuditTrail{Bucket: bucket}
	if err := c.missingSettings(); err != nil {
		return out, err
	}
	st := c.store()
	var err error
	if out.Streams, err = st.Trail(ctx, bucket, prefixes); err != nil {
		return out, err
	}
	out.Created = st.Created(ctx, bucket)
	return out, nil
}
