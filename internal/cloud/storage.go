package cloud

import "context"

// BucketSpec is the object storage bucket a warehouse asks for.
type BucketSpec struct {
	Name       string
	Versioning bool
	ObjectLock *ObjectLock // only at creation
	Lifecycle  []LifecycleRule
	// Encryption is "provider-managed" (server-side AES256 as the bucket
	// default) or "customer-key" (writes must carry SSE-C headers).
	Encryption string
	KMSKeyID   string // the wrapping key of the envelope, with "customer-key"
	Policy     string // the bucket policy document, rendered by the provider
	Tags       map[string]string
}

// ObjectLock is a bucket's default retention.
type ObjectLock struct {
	Mode          string // "GOVERNANCE" or "COMPLIANCE"
	RetentionDays int
}

// LifecycleRule expires old versions and abandoned uploads.
type LifecycleRule struct {
	ID                              string
	NoncurrentVersionExpirationDays int
	AbortIncompleteUploadDays       int
}

// Bucket is a bucket as the cloud holds it.
type Bucket struct {
	Name       string
	Region     string
	Endpoint   string
	Versioning string // "Enabled", "Suspended" or ""
	Encryption string
	ObjectLock *ObjectLock
	Lifecycle  []LifecycleRule
	Policy     string
	Tags       map[string]string
	CloudIDs   map[string]string // OVHcloud S3 user and access key id, …
}

// ObjectStorage is the storage block.
type ObjectStorage interface {
	CreateBucket(ctx context.Context, spec BucketSpec) (Bucket, error)
	ReadBucket(ctx context.Context, name string) (Bucket, error)
	UpdateBucket(ctx context.Context, current Bucket, spec BucketSpec) (Bucket, error)
	// DeleteBucket refuses a non-empty bucket unless force; with force it
	// deletes every version, and fails (losing nothing) on locked ones.
	DeleteBucket(ctx context.Context, b Bucket, force bool) error
}
