package s3store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// State is a bucket's settings as the store holds them.
type State struct {
	Versioning        string // "Enabled", "Suspended" or ""
	SSEAlgorithm      string // "" when the bucket has no default encryption
	ObjectLockEnabled bool
	LockRule          *cloud.ObjectLock // the default retention, nil for none
	Lifecycle         []cloud.LifecycleRule
	Tags              map[string]string // every tag, the provider's included
	Policy            string            // canonical JSON; "" for none or where the store has none
	AccessLogs        *cloud.AccessLogs // server access logging; nil when off
}

// Desired is what a bucket's settings must be.
type Desired struct {
	Versioning bool
	LockRule   *cloud.ObjectLock // applied only to a bucket made with object lock
	Lifecycle  []cloud.LifecycleRule
	Tags       map[string]string
	Policy     string // canonical JSON; used where the store takes bucket policies
	AccessLogs *cloud.AccessLogs
}

// CreateBucket makes a bucket, with object lock when asked. When the
// answer is lost and the call may have been applied, a bucket of that name
// that the key now owns is taken as made by this call.
func (c *Client) CreateBucket(ctx context.Context, name string, objectLock bool) error {
	in := &s3.CreateBucketInput{Bucket: aws.String(name)}
	if c.cfg.Region != "" && c.cfg.Region != "us-east-1" {
		in.CreateBucketConfiguration = &types.CreateBucketConfiguration{
			LocationConstraint: types.BucketLocationConstraint(c.cfg.Region)}
	}
	if objectLock {
		in.ObjectLockEnabledForBucket = aws.Bool(true)
	}
	err := c.call(ctx, "CreateBucket", false, func(ctx context.Context) error {
		_, err := c.api.CreateBucket(ctx, in)
		return err
	})
	if err != nil && errors.Is(err, cloud.ErrUnavailable) {
		if _, readErr := c.versioning(ctx, name); readErr == nil {
			return nil // made despite the lost answer: the key can read it
		}
	}
	return err
}

// Observe reads every setting of a bucket. It returns cloud.ErrNotFound
// when the bucket does not exist. The first call is GetBucketVersioning,
// not HeadBucket, which S3 authorizes as s3:ListBucket: a policy that
// restricts listings to the warehouse's addresses must not keep Terraform
// from reading the bucket from elsewhere.
func (c *Client) Observe(ctx context.Context, name string) (State, error) {
	var st State
	var err error
	if st.Versioning, err = c.versioning(ctx, name); err != nil {
		return st, err
	}
	// The bucket exists and the key reads it: the other settings are read
	// at once, each into its own fields.
	st.Tags = map[string]string{}
	reads := []func(ctx context.Context) error{
		func(ctx context.Context) error {
			err := c.call(ctx, "GetBucketEncryption", true, func(ctx context.Context) error {
				out, err := c.api.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String(name)})
				if err != nil {
					return err
				}
				if cfg := out.ServerSideEncryptionConfiguration; cfg != nil {
					for _, r := range cfg.Rules {
						if d := r.ApplyServerSideEncryptionByDefault; d != nil {
							st.SSEAlgorithm = string(d.SSEAlgorithm)
						}
					}
				}
				return nil
			})
			if hasCode(err, codeNoEncryption) {
				return nil
			}
			return err
		},
		func(ctx context.Context) error {
			err := c.call(ctx, "GetObjectLockConfiguration", true, func(ctx context.Context) error {
				out, err := c.api.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: aws.String(name)})
				if err != nil {
					return err
				}
				if cfg := out.ObjectLockConfiguration; cfg != nil && cfg.ObjectLockEnabled == types.ObjectLockEnabledEnabled {
					st.ObjectLockEnabled = true
					if cfg.Rule != nil && cfg.Rule.DefaultRetention != nil {
						d := cfg.Rule.DefaultRetention
						days := int(aws.ToInt32(d.Days))
						if y := aws.ToInt32(d.Years); y > 0 {
							days = int(y) * 365
						}
						st.LockRule = &cloud.ObjectLock{Mode: string(d.Mode), RetentionDays: days}
					}
				}
				return nil
			})
			if hasCode(err, codeNoObjectLock) {
				return nil
			}
			return err
		},
		func(ctx context.Context) error {
			err := c.call(ctx, "GetBucketLifecycleConfiguration", true, func(ctx context.Context) error {
				out, err := c.api.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String(name)})
				if err != nil {
					return err
				}
				st.Lifecycle = nil
				for _, r := range out.Rules {
					if r.Status != types.ExpirationStatusEnabled {
						continue // the provider writes enabled rules only; a disabled one reads as absent
					}
					rule := cloud.LifecycleRule{ID: aws.ToString(r.ID)}
					if n := r.NoncurrentVersionExpiration; n != nil {
						rule.NoncurrentVersionExpirationDays = int(aws.ToInt32(n.NoncurrentDays))
					}
					if a := r.AbortIncompleteMultipartUpload; a != nil {
						rule.AbortIncompleteUploadDays = int(aws.ToInt32(a.DaysAfterInitiation))
					}
					st.Lifecycle = append(st.Lifecycle, rule)
				}
				return nil
			})
			if hasCode(err, codeNoSuchLifecycle) {
				return nil
			}
			return err
		},
		func(ctx context.Context) error {
			err := c.call(ctx, "GetBucketTagging", true, func(ctx context.Context) error {
				out, err := c.api.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String(name)})
				if err != nil {
					return err
				}
				for _, t := range out.TagSet {
					st.Tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
				}
				return nil
			})
			if hasCode(err, codeNoSuchTagSet) {
				return nil
			}
			return err
		},
		func(ctx context.Context) error {
			return c.call(ctx, "GetBucketLogging", true, func(ctx context.Context) error {
				out, err := c.api.GetBucketLogging(ctx, &s3.GetBucketLoggingInput{Bucket: aws.String(name)})
				if err != nil {
					return err
				}
				if l := out.LoggingEnabled; l != nil && aws.ToString(l.TargetBucket) != "" {
					st.AccessLogs = &cloud.AccessLogs{Bucket: aws.ToString(l.TargetBucket), Prefix: aws.ToString(l.TargetPrefix)}
				}
				return nil
			})
		},
	}
	if c.cfg.BucketPolicies {
		reads = append(reads, func(ctx context.Context) error {
			err := c.call(ctx, "GetBucketPolicy", true, func(ctx context.Context) error {
				out, err := c.api.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(name)})
				if err != nil {
					return err
				}
				st.Policy, err = cloud.CanonicalPolicy(aws.ToString(out.Policy))
				return err
			})
			if hasCode(err, codeNoSuchPolicy) {
				return nil
			}
			return err
		})
	}
	return st, cloud.Parallel(ctx, reads...)
}

func (c *Client) versioning(ctx context.Context, name string) (string, error) {
	var status string
	err := c.call(ctx, "GetBucketVersioning", true, func(ctx context.Context) error {
		out, err := c.api.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(name)})
		if err == nil {
			status = string(out.Status)
		}
		return err
	})
	return status, err
}

// Converge brings a bucket's settings from have to want, calling the store
// only for what differs. The policy goes first, so that a bucket is never
// reachable under looser rules than asked while the rest is set.
func (c *Client) Converge(ctx context.Context, name string, want Desired, have State) error {
	b := aws.String(name)
	if c.cfg.BucketPolicies && want.Policy != have.Policy {
		if want.Policy == "" {
			if err := c.call(ctx, "DeleteBucketPolicy", true, func(ctx context.Context) error {
				_, err := c.api.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: b})
				return err
			}); err != nil {
				return fmt.Errorf("deleting the bucket policy: %w", err)
			}
		} else if err := c.call(ctx, "PutBucketPolicy", true, func(ctx context.Context) error {
			_, err := c.api.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: b, Policy: aws.String(want.Policy)})
			return err
		}); err != nil {
			return fmt.Errorf("setting the bucket policy: %w", err)
		}
	}
	// The rest at once: each setting is independent of the others (object
	// lock is set only on a bucket made with it, which S3 versions); the
	// tags last, since they mark a finished bucket (see Unfinished).
	var steps []func(ctx context.Context) error
	status := ""
	switch {
	case want.Versioning && have.Versioning != "Enabled":
		status = "Enabled"
	case !want.Versioning && have.Versioning == "Enabled":
		status = "Suspended" // S3 never turns versioning back off
	}
	if status != "" {
		steps = append(steps, func(ctx context.Context) error {
			if err := c.call(ctx, "PutBucketVersioning", true, func(ctx context.Context) error {
				_, err := c.api.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: b,
					VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatus(status)}})
				return err
			}); err != nil {
				return fmt.Errorf("setting versioning to %s: %w", status, err)
			}
			return nil
		})
	}
	if have.SSEAlgorithm != cloud.SSEAlgorithm {
		steps = append(steps, func(ctx context.Context) error {
			if err := c.call(ctx, "PutBucketEncryption", true, func(ctx context.Context) error {
				_, err := c.api.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: b,
					ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{Rules: []types.ServerSideEncryptionRule{{
						ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: types.ServerSideEncryptionAes256},
					}}}})
				return err
			}); err != nil {
				return fmt.Errorf("setting the default encryption to %s: %w", cloud.SSEAlgorithm, err)
			}
			return nil
		})
	}
	if have.ObjectLockEnabled && !sameLock(want.LockRule, have.LockRule) {
		cfg := &types.ObjectLockConfiguration{ObjectLockEnabled: types.ObjectLockEnabledEnabled}
		if r := want.LockRule; r != nil {
			cfg.Rule = &types.ObjectLockRule{DefaultRetention: &types.DefaultRetention{
				Mode: types.ObjectLockRetentionMode(r.Mode), Days: aws.Int32(int32(r.RetentionDays))}}
		}
		steps = append(steps, func(ctx context.Context) error {
			if err := c.call(ctx, "PutObjectLockConfiguration", true, func(ctx context.Context) error {
				_, err := c.api.PutObjectLockConfiguration(ctx, &s3.PutObjectLockConfigurationInput{Bucket: b, ObjectLockConfiguration: cfg})
				return err
			}); err != nil {
				return fmt.Errorf("setting the default retention: %w", err)
			}
			return nil
		})
	}
	if !sameAccessLogs(want.AccessLogs, have.AccessLogs) {
		steps = append(steps, func(ctx context.Context) error {
			if err := c.putLogging(ctx, name, want.AccessLogs); err != nil {
				return fmt.Errorf("setting the server access logging: %w", err)
			}
			return nil
		})
	}
	if !sameLifecycle(want.Lifecycle, have.Lifecycle) {
		steps = append(steps, func(ctx context.Context) error {
			if err := c.putLifecycle(ctx, name, want.Lifecycle); err != nil {
				return fmt.Errorf("setting the lifecycle rules: %w", err)
			}
			return nil
		})
	}
	if err := cloud.Parallel(ctx, steps...); err != nil {
		return err
	}
	if !sameTags(want.Tags, have.Tags) {
		if err := c.putTags(ctx, name, want.Tags); err != nil {
			return fmt.Errorf("setting the tags: %w", err)
		}
	}
	return nil
}

func (c *Client) putLifecycle(ctx context.Context, name string, rules []cloud.LifecycleRule) error {
	b := aws.String(name)
	if len(rules) == 0 {
		return c.call(ctx, "DeleteBucketLifecycle", true, func(ctx context.Context) error {
			_, err := c.api.DeleteBucketLifecycle(ctx, &s3.DeleteBucketLifecycleInput{Bucket: b})
			return err
		})
	}
	cfg := &types.BucketLifecycleConfiguration{}
	for _, r := range rules {
		rule := types.LifecycleRule{ID: aws.String(r.ID), Status: types.ExpirationStatusEnabled,
			Filter: &types.LifecycleRuleFilter{Prefix: aws.String("")}}
		if r.NoncurrentVersionExpirationDays > 0 {
			rule.NoncurrentVersionExpiration = &types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(int32(r.NoncurrentVersionExpirationDays))}
		}
		if r.AbortIncompleteUploadDays > 0 {
			rule.AbortIncompleteMultipartUpload = &types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(int32(r.AbortIncompleteUploadDays))}
		}
		cfg.Rules = append(cfg.Rules, rule)
	}
	return c.call(ctx, "PutBucketLifecycleConfiguration", true, func(ctx context.Context) error {
		_, err := c.api.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: b, LifecycleConfiguration: cfg})
		return err
	})
}

func (c *Client) putTags(ctx context.Context, name string, tags map[string]string) error {
	b := aws.String(name)
	if len(tags) == 0 {
		return c.call(ctx, "DeleteBucketTagging", true, func(ctx context.Context) error {
			_, err := c.api.DeleteBucketTagging(ctx, &s3.DeleteBucketTaggingInput{Bucket: b})
			return err
		})
	}
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	set := make([]types.Tag, 0, len(keys))
	for _, k := range keys {
		set = append(set, types.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
	}
	return c.call(ctx, "PutBucketTagging", true, func(ctx context.Context) error {
		_, err := c.api.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: b, Tagging: &types.Tagging{TagSet: set}})
		return err
	})
}

// putLogging turns the bucket's server access logging on, towards target,
// or off when target is nil.
func (c *Client) putLogging(ctx context.Context, name string, target *cloud.AccessLogs) error {
	status := &types.BucketLoggingStatus{}
	if target != nil {
		status.LoggingEnabled = &types.LoggingEnabled{TargetBucket: aws.String(target.Bucket), TargetPrefix: aws.String(target.Prefix)}
	}
	return c.call(ctx, "PutBucketLogging", true, func(ctx context.Context) error {
		_, err := c.api.PutBucketLogging(ctx, &s3.PutBucketLoggingInput{Bucket: aws.String(name), BucketLoggingStatus: status})
		return err
	})
}

func sameAccessLogs(a, b *cloud.AccessLogs) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func sameLock(a, b *cloud.ObjectLock) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func sameLifecycle(a, b []cloud.LifecycleRule) bool {
	sorted := func(r []cloud.LifecycleRule) []cloud.LifecycleRule {
		out := slices.Clone(r)
		slices.SortFunc(out, func(x, y cloud.LifecycleRule) int { return strings.Compare(x.ID, y.ID) })
		return out
	}
	return slices.Equal(sorted(a), sorted(b))
}

func sameTags(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// objectVersion is one version or delete marker of a bucket.
type objectVersion struct {
	key, versionID string
	deleteMarker   bool
}

// versions lists every version and delete marker of a bucket.
func (c *Client) versions(ctx context.Context, name string) ([]objectVersion, error) {
	var out []objectVersion
	in := &s3.ListObjectVersionsInput{Bucket: aws.String(name)}
	for {
		var page *s3.ListObjectVersionsOutput
		err := c.call(ctx, "ListObjectVersions", true, func(ctx context.Context) error {
			var err error
			page, err = c.api.ListObjectVersions(ctx, in)
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, v := range page.Versions {
			out = append(out, objectVersion{key: aws.ToString(v.Key), versionID: aws.ToString(v.VersionId)})
		}
		for _, m := range page.DeleteMarkers {
			out = append(out, objectVersion{key: aws.ToString(m.Key), versionID: aws.ToString(m.VersionId), deleteMarker: true})
		}
		if !aws.ToBool(page.IsTruncated) {
			return out, nil
		}
		in.KeyMarker, in.VersionIdMarker = page.NextKeyMarker, page.NextVersionIdMarker
	}
}

// Empty deletes every version and delete marker of a bucket. When object
// lock protects any version now, it deletes nothing and returns a
// *cloud.LockedObjectsError: a forced deletion must not leave a half-emptied
// bucket behind. GOVERNANCE retention is never bypassed.
func (c *Client) Empty(ctx context.Context, name string, objectLock bool) error {
	all, err := c.versions(ctx, name)
	if err != nil {
		if denied(err) {
			return fmt.Errorf("listing the object versions to delete: %w (a policy refuses listings from this "+
				"address: delete the bucket from an allowed address, or remove allowed_source_ips and apply first)", err)
		}
		return fmt.Errorf("listing the object versions to delete: %w", err)
	}
	if objectLock {
		if err := c.checkLocks(ctx, name, all); err != nil {
			return err
		}
	}
	for batch := range slices.Chunk(all, 1000) {
		objects := make([]types.ObjectIdentifier, 0, len(batch))
		for _, v := range batch {
			objects = append(objects, types.ObjectIdentifier{Key: aws.String(v.key), VersionId: aws.String(v.versionID)})
		}
		var out *s3.DeleteObjectsOutput
		err := c.call(ctx, "DeleteObjects", true, func(ctx context.Context) error {
			var err error
			out, err = c.api.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(name),
				Delete: &types.Delete{Objects: objects, Quiet: aws.Bool(true)}})
			return err
		})
		if err != nil {
			return fmt.Errorf("deleting object versions: %w", err)
		}
		if len(out.Errors) > 0 {
			e := out.Errors[0]
			return fmt.Errorf("deleting object versions: %d could not be deleted, the first %s (version %s): %s %s",
				len(out.Errors), aws.ToString(e.Key), aws.ToString(e.VersionId), aws.ToString(e.Code), aws.ToString(e.Message))
		}
	}
	return nil
}

// checkLocks reads the retention and legal hold of every version and fails
// when any protects it now.
func (c *Client) checkLocks(ctx context.Context, name string, all []objectVersion) error {
	lockErr := &cloud.LockedObjectsError{Bucket: name, Versions: len(all)}
	now := time.Now()
	for _, v := range all {
		if v.deleteMarker {
			continue
		}
		locked := false
		err := c.call(ctx, "GetObjectRetention", true, func(ctx context.Context) error {
			out, err := c.api.GetObjectRetention(ctx, &s3.GetObjectRetentionInput{Bucket: aws.String(name),
				Key: aws.String(v.key), VersionId: aws.String(v.versionID)})
			if err != nil {
				return err
			}
			if r := out.Retention; r != nil && r.RetainUntilDate != nil && r.RetainUntilDate.After(now) {
				locked = true
				if r.RetainUntilDate.After(lockErr.Until) {
					lockErr.Until = *r.RetainUntilDate
				}
				if mode := string(r.Mode); !slices.Contains(lockErr.Modes, mode) {
					lockErr.Modes = append(lockErr.Modes, mode)
				}
			}
			return nil
		})
		if err != nil && !hasCode(err, codeNoObjectLockConfig) {
			return fmt.Errorf("reading the retention of %s (version %s): %w", v.key, v.versionID, err)
		}
		err = c.call(ctx, "GetObjectLegalHold", true, func(ctx context.Context) error {
			out, err := c.api.GetObjectLegalHold(ctx, &s3.GetObjectLegalHoldInput{Bucket: aws.String(name),
				Key: aws.String(v.key), VersionId: aws.String(v.versionID)})
			if err != nil {
				return err
			}
			if h := out.LegalHold; h != nil && h.Status == types.ObjectLockLegalHoldStatusOn {
				locked = true
				lockErr.LegalHolds++
			}
			return nil
		})
		if err != nil && !hasCode(err, codeNoObjectLockConfig) {
			return fmt.Errorf("reading the legal hold of %s (version %s): %w", v.key, v.versionID, err)
		}
		if locked {
			lockErr.Locked++
		}
	}
	if lockErr.Locked > 0 {
		sort.Strings(lockErr.Modes)
		return lockErr
	}
	return nil
}

// Delete deletes an empty bucket. A bucket that still holds versions is a
// *cloud.BucketNotEmptyError; a bucket already gone is fine.
func (c *Client) Delete(ctx context.Context, name string) error {
	err := c.call(ctx, "DeleteBucket", true, func(ctx context.Context) error {
		_, err := c.api.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(name)})
		return err
	})
	switch {
	case err == nil, errors.Is(err, cloud.ErrNotFound):
		return nil
	case hasCode(err, codeBucketNotEmpty):
		n := -1
		if all, listErr := c.versions(ctx, name); listErr == nil {
			n = len(all)
		}
		return &cloud.BucketNotEmptyError{Bucket: name, Versions: n}
	}
	return err
}

// IsOwnedByYou reports the answer of a CreateBucket for a bucket its
// caller already owns.
func IsOwnedByYou(err error) bool { return hasCode(err, codeOwnedByYou) }

// Unfinished reports whether a bucket looks like what a create that died
// left: no tag (tags are the last setting a create writes) and no object.
// Taking such a bucket over loses nothing.
func (c *Client) Unfinished(ctx context.Context, name string) (bool, error) {
	var tags map[string]string
	err := c.call(ctx, "GetBucketTagging", true, func(ctx context.Context) error {
		out, err := c.api.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String(name)})
		if err != nil {
			return err
		}
		tags = map[string]string{}
		for _, t := range out.TagSet {
			tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
		return nil
	})
	switch {
	case hasCode(err, codeNoSuchTagSet):
	case err != nil:
		return false, err
	case len(tags) > 0:
		return false, nil
	}
	all, err := c.versions(ctx, name)
	return err == nil && len(all) == 0, err
}

// IsNotImplemented reports an answer saying the store lacks the call.
func IsNotImplemented(err error) bool { return hasCode(err, codeNotImplemented) }

// DesiredFor is what a bucket of spec must hold, its access policy being
// policy (canonical JSON).
func DesiredFor(spec cloud.BucketSpec, policy string) Desired {
	return Desired{
		Versioning: spec.Versioning,
		LockRule:   spec.ObjectLock,
		Lifecycle:  spec.Lifecycle,
		Tags:       cloud.StorageTags(spec),
		Policy:     policy,
		AccessLogs: spec.AccessLogs,
	}
}

// Apply sets on b what st says of the bucket: versioning, encryption,
// object lock, lifecycle, and the tags, split into the user's and what the
// provider's own tags record.
func Apply(b *cloud.Bucket, st State) {
	b.Versioning = st.Versioning
	b.SSEAlgorithm = st.SSEAlgorithm
	b.ObjectLockEnabled = st.ObjectLockEnabled
	b.ObjectLock = st.LockRule
	b.Lifecycle = st.Lifecycle
	b.AccessLogs = st.AccessLogs
	cloud.SplitTags(b, st.Tags)
}

// Exists checks that the bucket exists and the key can read it:
// cloud.ErrNotFound when it is gone.
func (c *Client) Exists(ctx context.Context, name string) error {
	_, err := c.versioning(ctx, name)
	return err
}
