package cloud

import (
	"context"
	"time"
)

// The four building blocks of a warehouse. Each cloud implements each block;
// a block's interface joins Cloud when its resource lands.
//
// Contract shared by every Create: it returns the object as far as it got,
// even with an error, listing every cloud object it made (in the Cloud IDs
// of the returned value), so that the resource can save a tainted state that
// Delete cleans up completely. Every cloud object it makes is tagged with the
// resource's name and ClientToken, so that a Read can find objects created
// by a run that died before Terraform saved any state.
//
// Read returns ErrNotFound when the object is gone. Delete treats objects
// already gone as deleted, and deletes in dependency order.

// KeySpec is a customer-managed key a warehouse asks for.
type KeySpec struct {
	Name               string
	Algorithm          string // "aes-256", "rsa-3072", "rsa-4096", "ec-p256", "ec-p384"
	Usage              string // "encrypt-decrypt", "wrap-unwrap", "sign-verify"
	RotationPeriod     time.Duration
	DeletionProtection bool
	Tags               map[string]string
}

// Key is a key as the key manager holds it. It never carries key material.
type Key struct {
	ID             string
	KeyID          string // the backend's own id
	Backend        string // "ovh-okms" or "openbao"
	Name           string
	Algorithm      string
	Usage          string
	Version        int
	Enabled        bool
	RotationPeriod time.Duration
	CreatedAt      time.Time
	RotatedAt      time.Time
	Tags           map[string]string
}

// KeyManager is the KMS block: OVHcloud KMS (OKMS), or a customer-held
// OpenBao transit engine on OUTSCALE, whose API has no KMS.
type KeyManager interface {
	// Backend is "ovh-okms" or "openbao".
	Backend() string
	// SupportsAlgorithm says whether the backend can make keys of alg.
	SupportsAlgorithm(alg string) bool
	CreateKey(ctx context.Context, spec KeySpec) (Key, error)
	ReadKey(ctx context.Context, id string) (Key, error)
	UpdateKey(ctx context.Context, current Key, spec KeySpec) (Key, error)
	RotateKey(ctx context.Context, id string) (Key, error)
	DeleteKey(ctx context.Context, id string) error
}

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

// BastionSpec is the administrative entry point a warehouse asks for.
type BastionSpec struct {
	Name            string
	NetworkID       string
	SubnetID        string // the network's bastion tier
	SecurityGroupID string // the bastion tier's security group
	Size            string // the cloud's VM type or flavor, resolved by the provider
	ImageID         string // resolved by the provider (ReadImages / image list)
	UserData        []byte // rendered cloud-init; never logged
	Tags            map[string]string
	ClientToken     string
}

// Bastion is a bastion VM as the cloud holds it.
type Bastion struct {
	ID             string
	VMID           string
	State          string // "pending", "running", "stopped", …
	PublicIP       string
	PrivateIP      string
	ImageID        string
	Size           string
	UserDataSHA256 string
	Tags           map[string]string
	CloudIDs       map[string]string // public IP, its link, key pair, …
}

// Bastions is the bastion block.
type Bastions interface {
	FindImage(ctx context.Context, namePattern string) (id string, err error)
	CreateBastion(ctx context.Context, spec BastionSpec) (Bastion, error)
	ReadBastion(ctx context.Context, id string) (Bastion, error)
	DeleteBastion(ctx context.Context, b Bastion) error
}
