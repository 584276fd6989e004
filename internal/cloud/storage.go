package cloud

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// The storage block: one S3 bucket per resource, private, versioned,
// encrypted at rest, with an access policy the provider writes. Both clouds'
// object stores speak S3 (OUTSCALE OOS; OVHcloud Object Storage), and
// differ in what they can enforce:
//
//   - OUTSCALE OOS takes bucket policies but "conditions are not yet
//     supported", so nothing that needs a condition (TLS only, source
//     addresses, SSE-C headers) can be enforced by the bucket; its object
//     lock has only the COMPLIANCE mode; it authenticates with the
//     account's own access keys.
//   - OVHcloud Object Storage has no bucket policies, but user policies,
//     set through the OVHcloud API, with explicit Deny statements evaluated
//     first and an aws:SourceIp condition documented. Each bucket gets its
//     own user, owner of the bucket, whose policy carries the access rules;
//     its S3 key is the bucket's credential.
//
// Neither binds a bucket to a customer's KMS key: default encryption is
// AES256 with the cloud's keys. A "customer-key" bucket records the id of
// the wrapping key its data pipeline uses for envelope encryption, and on
// OVHcloud its policy refuses writes without SSE-C headers.

// Encryption modes of a bucket.
const (
	// EncryptionProviderManaged: server-side AES256 with the cloud's keys
	// as the bucket's default.
	EncryptionProviderManaged = "provider-managed"
	// EncryptionCustomerKey: the same default, plus the customer's key:
	// objects are written with SSE-C (a key per request), and the bucket
	// records the KMS key that wraps those keys.
	EncryptionCustomerKey = "customer-key"
)

// EncryptionModes lists the modes.
var EncryptionModes = []string{EncryptionProviderManaged, EncryptionCustomerKey}

// SSEAlgorithm is the default server-side encryption both clouds offer.
const SSEAlgorithm = "AES256"

// Object lock retention modes.
const (
	LockGovernance = "GOVERNANCE"
	LockCompliance = "COMPLIANCE"
)

// LockModes lists the modes.
var LockModes = []string{LockGovernance, LockCompliance}

// Bounds of a default retention, in days.
const (
	MinRetentionDays = 1
	MaxRetentionDays = 36500 // a hundred years, as S3 allows
)

// Tags the provider keeps on a bucket, next to the user's.
const (
	// TagKMSKeyID records the wrapping key of a customer-key bucket.
	TagKMSKeyID = "health:kms-key-id"
	// TagZone records the data zone (raw, pseudonymised, results, audit).
	TagZone = "health:zone"
)

// ReservedTagPrefix starts the keys of the provider's own tags.
const ReservedTagPrefix = "health:"

// Data zones of a warehouse's buckets.
var Zones = []string{"raw", "pseudonymised", "results", "audit", "workspace"}

// Kinds of access policy (Bucket.PolicyKind).
const (
	// PolicyKindBucket: a bucket policy, put on the bucket (OUTSCALE).
	PolicyKindBucket = "bucket-policy"
	// PolicyKindUser: the user policy of the bucket's own user, set
	// through the cloud's API (OVHcloud, which has no bucket policies).
	PolicyKindUser = "user-policy"
)

// Scopes of the credentials BucketCredentials returns.
const (
	// ScopeBucket: a key that reaches one bucket only (OVHcloud).
	ScopeBucket = "bucket"
	// ScopeAccount: the account's own key, which reaches everything the
	// account holds (OUTSCALE, whose object storage takes no other).
	ScopeAccount = "account"
)

// BucketSpec is the object storage bucket a warehouse asks for.
type BucketSpec struct {
	Name       string
	Versioning bool
	ObjectLock *ObjectLock // object lock is enabled only at creation
	Lifecycle  []LifecycleRule
	Encryption string // EncryptionProviderManaged or EncryptionCustomerKey
	KMSKeyID   string // the wrapping key, with EncryptionCustomerKey
	Zone       string // one of Zones, or ""
	// AllowedSourceIPs restricts object reads, writes and listings to these
	// addresses or blocks (OVHcloud: the warehouse network's egress_ips).
	AllowedSourceIPs []string
	Tags             map[string]string // the user's; keys "health:*" are the provider's
	// AccessLogs is where the store writes a record of every request made
	// on the bucket (S3 server access logging); nil for nowhere.
	AccessLogs *AccessLogs
}

// AccessLogs is the target of a bucket's server access logs: a bucket of
// the same account (OVHcloud: project) and region, and a key prefix.
type AccessLogs struct {
	Bucket string
	Prefix string
}

// ObjectLock is a bucket's default retention.
type ObjectLock struct {
	Mode          string // LockGovernance or LockCompliance
	RetentionDays int
}

// LifecycleRule expires old versions and abandoned uploads.
type LifecycleRule struct {
	ID                              string
	NoncurrentVersionExpirationDays int // 0: not set
	AbortIncompleteUploadDays       int // 0: not set
}

// Bucket is a bucket as the cloud holds it.
type Bucket struct {
	Name       string
	Region     string
	Endpoint   string // the S3 endpoint, path style
	Versioning string // "Enabled", "Suspended" or "" (never enabled)
	// SSEAlgorithm is the default encryption as read, "" for none.
	SSEAlgorithm string
	// Encryption is EncryptionCustomerKey when the bucket records a
	// wrapping key, else EncryptionProviderManaged.
	Encryption string
	KMSKeyID   string
	Zone       string
	// ObjectLockEnabled: the bucket was made with object lock; ObjectLock
	// is its default retention, nil when it has none.
	ObjectLockEnabled bool
	ObjectLock        *ObjectLock
	Lifecycle         []LifecycleRule
	// Policy is the access policy as the cloud holds it, in canonical JSON
	// (see CanonicalPolicy), "" for none; PolicyKind says what it is.
	Policy     string
	PolicyKind string
	// AllowedSourceIPs are read back from the policy.
	AllowedSourceIPs []string
	// AccessLogs is the bucket's server access logging, nil when off.
	AccessLogs *AccessLogs
	Tags       map[string]string // the user's tags, without the provider's
	// AccessKeyID is the bucket's own S3 key (OVHcloud), "" on OUTSCALE.
	AccessKeyID string
	// CloudIDs names the cloud objects behind the bucket besides the bucket
	// itself: "user" and "access_key" on OVHcloud.
	CloudIDs map[string]string
}

// ARN is the name S3 policies give the bucket.
func (b Bucket) ARN() string { return BucketARN(b.Name) }

// BucketARN is the name S3 policies give a bucket.
func BucketARN(name string) string { return "arn:aws:s3:::" + name }

// BucketCredentials are an S3 key that reaches a bucket. The secret is
// never logged, never put in an error, and never stored by the provider.
type BucketCredentials struct {
	AccessKeyID     string
	SecretAccessKey string
	Endpoint        string
	Region          string
	Scope           string // ScopeBucket or ScopeAccount
}

// ObjectStorage is the storage block.
type ObjectStorage interface {
	// CreateBucket makes the bucket and everything it needs, protected by
	// its access policy from the start; on error it returns what it made
	// (see the contract in blocks.go).
	CreateBucket(ctx context.Context, spec BucketSpec) (Bucket, error)
	// ReadBucket reads the bucket ref.Name names; ref.CloudIDs are what
	// the last state knows (empty after an import). ErrNotFound when the
	// bucket is gone.
	ReadBucket(ctx context.Context, ref Bucket) (Bucket, error)
	// UpdateBucket brings the bucket to spec: versioning, encryption, the
	// default retention, lifecycle, tags and the access policy.
	UpdateBucket(ctx context.Context, current Bucket, spec BucketSpec) (Bucket, error)
	// DeleteBucket refuses a non-empty bucket unless force (a
	// *BucketNotEmptyError); with force it deletes every version and delete
	// marker, unless some version is locked, in which case it deletes
	// nothing and returns a *LockedObjectsError. Then it deletes the
	// bucket and what was made for it. A bucket already gone is fine.
	DeleteBucket(ctx context.Context, b Bucket, force bool) error
	// BucketCredentials returns a key that reaches the bucket.
	BucketCredentials(ctx context.Context, name string) (BucketCredentials, error)
	// SampleObjectEncryption shows how the newest objects of the bucket
	// are encrypted, as the store answers a request that carries no key
	// (see EncryptionSample). It only reads, and never sends a key.
	SampleObjectEncryption(ctx context.Context, name string) (EncryptionSample, error)
	// ReadAuditTrail reads what an audit bucket holds under each prefix:
	// evidence that records arrive and are kept, for the compliance report.
	// A prefix starting with AnyTopLevel is searched for (see AnyTopLevel).
	ReadAuditTrail(ctx context.Context, bucket string, prefixes []string) (AuditTrail, error)
}

// WrappedKeyPrefix starts the names of the objects that keep, beside the
// data, the data keys the KMS wrapped (envelope encryption): KMS
// ciphertexts, readable without SSE-C by design, which
// SampleObjectEncryption leaves out.
const WrappedKeyPrefix = ".health-keys/"

// Bounds of SampleObjectEncryption.
const (
	// EncryptionSampleSize is how many of the newest objects are checked.
	EncryptionSampleSize = 5
	// MaxObjectsListed bounds the listing the newest are picked from.
	MaxObjectsListed = 10000
)

// ObjectEncryption is how the store shows one object is encrypted.
type ObjectEncryption struct {
	Key          string
	LastModified time.Time
	// CustomerKey: the object is stored with SSE-C, which the store shows by
	// refusing to describe it (HEAD: 400 Bad Request) to a request that does
	// not carry its key.
	CustomerKey bool
	// SSEAlgorithm is the server-side encryption the store reports for an
	// object it describes without a key ("AES256": the cloud's own keys),
	// "" when it reports none.
	SSEAlgorithm string
}

// EncryptionSample is what SampleObjectEncryption found: the newest current
// objects (at most EncryptionSampleSize, newest first) among the first
// MaxObjectsListed of the bucket's listing, wrapped keys (WrappedKeyPrefix)
// left out.
type EncryptionSample struct {
	Listed    int  // current objects listed
	Truncated bool // the bucket holds more than MaxObjectsListed objects
	Objects   []ObjectEncryption
}

// AnyTopLevel, at the start of a prefix given to ReadAuditTrail, stands for
// "at the top of the bucket or under any top-level prefix": where a source
// is known to ship but not to which prefix (a bastion whose user-data the
// cloud does not return). The records read name the prefix found.
const AnyTopLevel = "*/"

// MaxAuditListing bounds the objects ReadAuditTrail lists under a prefix.
const MaxAuditListing = 20000

// AuditTrail is what an audit bucket holds: when it was made, and the
// records under each prefix asked for.
type AuditTrail struct {
	Bucket  string
	Created time.Time // zero where the cloud does not say
	Streams []AuditRecords
}

// AuditRecords are the records under one prefix of an audit bucket.
type AuditRecords struct {
	Prefix    string
	Count     int  // objects listed under Prefix
	Truncated bool // more than MaxAuditListing: Newest is among those listed
	// Newest is the last modification of the newest object; zero with none.
	Newest    time.Time
	NewestKey string
	// LockMode and RetainUntil are the newest object's retention; "" and
	// zero when it has none.
	LockMode    string
	RetainUntil time.Time
}

// BucketNotEmptyError refuses to delete a bucket that still holds data.
type BucketNotEmptyError struct {
	Bucket   string
	Versions int // object versions and delete markers; -1 when they could not be counted
}

func (e *BucketNotEmptyError) Error() string {
	held := "object versions"
	switch {
	case e.Versions == 1:
		held = "1 object version or delete marker"
	case e.Versions >= 0:
		held = fmt.Sprintf("%d object versions or delete markers", e.Versions)
	}
	return fmt.Sprintf("the bucket %s is not empty: it holds %s. Empty it, or set force_destroy = true to delete "+
		"every version with the bucket", e.Bucket, held)
}

// Is makes a BucketNotEmptyError an ErrConflict.
func (e *BucketNotEmptyError) Is(target error) bool { return target == ErrConflict }

// LockedObjectsError refuses a forced deletion while object lock protects
// some versions. Nothing was deleted.
type LockedObjectsError struct {
	Bucket     string
	Locked     int       // versions under retention or legal hold
	Versions   int       // versions and delete markers in the bucket
	Until      time.Time // the latest retention date among them
	Modes      []string  // the retention modes met
	LegalHolds int       // versions under legal hold
}

func (e *LockedObjectsError) Error() string {
	var b strings.Builder
	verb := "are"
	if e.Locked == 1 {
		verb = "is"
	}
	fmt.Fprintf(&b, "the bucket %s cannot be deleted: %d of its %d object %s %s protected by object lock",
		e.Bucket, e.Locked, e.Versions, plural(e.Versions, "version", "versions"), verb)
	if !e.Until.IsZero() {
		fmt.Fprintf(&b, " (%s retention until %s at the latest)", strings.Join(e.Modes, " and "), e.Until.UTC().Format(time.RFC3339))
	}
	if e.LegalHolds > 0 {
		fmt.Fprintf(&b, "; %d are under legal hold, which lasts until it is removed", e.LegalHolds)
	}
	b.WriteString(". Nothing was deleted: the bucket and all its versions are still there. Delete it once the " +
		"retention has passed (and legal holds are removed)")
	return b.String()
}

// Is makes a LockedObjectsError an ErrConflict.
func (e *LockedObjectsError) Is(target error) bool { return target == ErrConflict }

// CheckBucketName says which of S3's bucket naming rules name breaks, or
// nil. Both clouds follow S3's rules for general purpose buckets.
func CheckBucketName(name string) error {
	switch {
	case len(name) < 3 || len(name) > 63:
		return fmt.Errorf("%q is %d characters long: a bucket name is 3 to 63 characters", name, len(name))
	case strings.IndexFunc(name, notBucketRune) >= 0:
		bad := []rune(name[strings.IndexFunc(name, notBucketRune):])[0]
		return fmt.Errorf("%q holds %q: a bucket name holds only lowercase letters, digits, dots (.) and hyphens (-)", name, bad)
	case !alnum(name[0]) || !alnum(name[len(name)-1]):
		return fmt.Errorf("%q must begin and end with a lowercase letter or a digit", name)
	case strings.Contains(name, ".."):
		return fmt.Errorf("%q has two adjacent dots, which a bucket name must not have", name)
	}
	if a, err := netip.ParseAddr(name); err == nil && a.Is4() {
		return fmt.Errorf("%q is formatted as an IP address, which a bucket name must not be", name)
	}
	for _, p := range []string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if strings.HasPrefix(name, p) {
			return fmt.Errorf("%q starts with %q, a prefix S3 reserves", name, p)
		}
	}
	for _, s := range []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"} {
		if strings.HasSuffix(name, s) {
			return fmt.Errorf("%q ends with %q, a suffix S3 reserves", name, s)
		}
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func alnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

func notBucketRune(r rune) bool {
	return (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '.' && r != '-'
}

// CheckSourceIP says why s cannot be an allowed source, or nil: an IPv4 or
// IPv6 address, or a block with no host bits set.
func CheckSourceIP(s string) error {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return fmt.Errorf("%q is not an IP address or CIDR block such as 198.51.100.7/32", s)
		}
		if p.Masked() != p {
			return fmt.Errorf("%q has host bits set: write %s", s, p.Masked())
		}
		return nil
	}
	if _, err := netip.ParseAddr(s); err != nil {
		return fmt.Errorf("%q is not an IP address or CIDR block such as 198.51.100.7/32", s)
	}
	return nil
}

// StorageTags are the tags a bucket carries for spec: the user's, and the
// provider's own (the wrapping key, the zone).
func StorageTags(spec BucketSpec) map[string]string {
	out := map[string]string{}
	for k, v := range spec.Tags {
		out[k] = v
	}
	if spec.Encryption == EncryptionCustomerKey && spec.KMSKeyID != "" {
		out[TagKMSKeyID] = spec.KMSKeyID
	}
	if spec.Zone != "" {
		out[TagZone] = spec.Zone
	}
	return out
}

// SplitTags separates the provider's tags from the user's in tags read
// from a bucket, and sets what they record on b.
func SplitTags(b *Bucket, tags map[string]string) {
	b.Tags = map[string]string{}
	b.Encryption, b.KMSKeyID, b.Zone = EncryptionProviderManaged, "", ""
	for k, v := range tags {
		switch {
		case k == TagKMSKeyID:
			b.Encryption, b.KMSKeyID = EncryptionCustomerKey, v
		case k == TagZone:
			b.Zone = v
		case strings.HasPrefix(k, ReservedTagPrefix):
		default:
			b.Tags[k] = v
		}
	}
}

// ErrPolicyUnsupported: the cloud cannot enforce part of what a spec asks.
var ErrPolicyUnsupported = errors.New("not enforceable on this cloud")
