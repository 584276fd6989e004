package s3

import (
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// Buckets and their object versions live in the shared store, so that the
// control API lists them and tests can change them out of band:
//
//	s3.buckets/<bucket>                    a Bucket
//	s3.objects/<bucket>#<sequence>         one version of one object (a Version)
//	s3.uploads/<bucket>#<upload id>        a multipart upload in progress (an Upload)
//	s3.parts/<bucket>#<upload id>#<part>   the data of one of its parts
//
// The sequence number is the bucket's write counter at the time the version
// was made; it orders versions by age without trusting the clock. The OVH
// emulator creates buckets through the OVHcloud API, so the record and the
// helpers that keep it consistent are exported here.
const (
	CollBuckets = "s3.buckets"
	CollObjects = "s3.objects"
	CollUploads = "s3.uploads"
	CollParts   = "s3.parts"
)

// Owners of buckets, by cloud. The S3 endpoint of each cloud only serves
// its own accounts' keys: OUTSCALE OOS takes the account's access keys,
// OVHcloud Object Storage the S3 credentials of a Public Cloud user.
const (
	OwnerPrefixOutscale = "outscale:"
	OwnerPrefixOVH      = "ovh:"
)

// Bucket is a bucket as stored.
type Bucket struct {
	Name    string    `json:"name"`
	Owner   string    `json:"owner"`                // "outscale:<account id>" or "ovh:<project id>"
	OwnerID string    `json:"owner_user,omitempty"` // OVHcloud: the user holding the FULL_CONTROL grant
	Region  string    `json:"region"`
	Created time.Time `json:"created"`
	// Versioning is "" (never enabled), "Enabled" or "Suspended".
	Versioning        string          `json:"versioning,omitempty"`
	ObjectLockEnabled bool            `json:"object_lock_enabled,omitempty"`
	LockRule          *LockRule       `json:"object_lock_rule,omitempty"`
	Encryption        *Encryption     `json:"encryption,omitempty"` // the default; nil: none
	Policy            string          `json:"policy,omitempty"`
	Lifecycle         []LifecycleRule `json:"lifecycle,omitempty"`
	Tags              []Tag           `json:"tags,omitempty"`
	ACL               string          `json:"acl,omitempty"` // canned ACL; "" is private
	// Logging is where the bucket's server access logs go; nil: nowhere.
	Logging *Logging `json:"logging,omitempty"`
	Seq     int64    `json:"seq"` // write counter of the bucket's versions
}

// LockRule is a bucket's default retention.
type LockRule struct {
	Mode  string `json:"mode"`
	Days  int    `json:"days,omitempty"`
	Years int    `json:"years,omitempty"`
}

// until is the retention date of an object written at t under the rule.
func (r LockRule) until(t time.Time) time.Time {
	if r.Years > 0 {
		return t.AddDate(r.Years, 0, 0)
	}
	return t.AddDate(0, 0, r.Days)
}

// Encryption is a bucket's default server-side encryption.
type Encryption struct {
	Algorithm string `json:"algorithm"` // "AES256" or "aws:kms"
	KMSKeyID  string `json:"kms_key_id,omitempty"`
}

// Cloud is the cloud whose object storage holds the bucket: "outscale" or
// "ovh". The two differ where the clouds' documentation says they do (see
// policy.go and the object lock modes).
func (b Bucket) Cloud() string { return ownerCloud(b.Owner) }

func ownerCloud(owner string) string {
	cloud, _, _ := strings.Cut(owner, ":")
	return cloud
}

// Version is one version of an object, or a delete marker.
type Version struct {
	Bucket       string            `json:"bucket"`
	Key          string            `json:"key"`
	VersionID    string            `json:"version_id"` // "null" for a write to an unversioned bucket
	Seq          int64             `json:"seq"`
	DeleteMarker bool              `json:"delete_marker,omitempty"`
	Modified     time.Time         `json:"last_modified"`
	Data         []byte            `json:"data,omitempty"` // ciphertext when SSECKeyMD5 is set
	Size         int64             `json:"size"`
	ETag         string            `json:"etag,omitempty"` // quoted, as on the wire
	ContentType  string            `json:"content_type,omitempty"`
	Metadata     map[string]string `json:"metadata,omitempty"`
	SSE          string            `json:"sse,omitempty"`          // "AES256" when encrypted with the store's keys
	SSECKeyMD5   string            `json:"ssec_key_md5,omitempty"` // the customer key's MD5, base64; never the key
	LockMode     string            `json:"lock_mode,omitempty"`    // GOVERNANCE or COMPLIANCE
	RetainUntil  *time.Time        `json:"retain_until,omitempty"` //
	LegalHold    bool              `json:"legal_hold,omitempty"`   //
	Checksums    map[string]string `json:"checksums,omitempty"`    // algorithm → base64 value
	ACL          string            `json:"acl,omitempty"`
	// Segments are the sizes of the separately sealed parts of an SSE-C
	// object made by a multipart upload: each part was sealed with the key
	// its UploadPart carried, which the store never keeps.
	Segments []int64 `json:"segments,omitempty"`
}

func versionDocID(bucket string, seq int64) string { return fmt.Sprintf("%s#%020d", bucket, seq) }

// LoadBucket reads a bucket.
func LoadBucket(tx store.Tx, name string) (Bucket, bool, error) {
	return store.Get[Bucket](tx, CollBuckets, name)
}

// PutBucket stores a bucket.
func PutBucket(tx store.Tx, b Bucket) error { return store.Put(tx, CollBuckets, b.Name, b) }

// ErrBucketExists is returned by CreateBucket for a name already taken.
var ErrBucketExists = errors.New("the bucket already exists")

// CreateBucket stores a new bucket b; b.Name must be free and valid.
func CreateBucket(tx store.Tx, b Bucket) error {
	if _, found, err := LoadBucket(tx, b.Name); err != nil || found {
		if found {
			return ErrBucketExists
		}
		return err
	}
	if b.ObjectLockEnabled {
		b.Versioning = "Enabled" // S3 turns versioning on with object lock
	}
	return PutBucket(tx, b)
}

// Versions returns every version of every object of a bucket, sorted by
// key, newest first within a key.
func Versions(tx store.Tx, bucket string) ([]Version, error) {
	all, err := store.List[Version](tx, CollObjects)
	if err != nil {
		return nil, err
	}
	var out []Version
	for _, v := range all {
		if v.Bucket == bucket {
			out = append(out, v)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Key != out[j].Key {
			return out[i].Key < out[j].Key
		}
		return out[i].Seq > out[j].Seq
	})
	return out, nil
}

// Stats counts a bucket's current objects (not delete markers, not older
// versions) and their size.
func Stats(tx store.Tx, bucket string) (count, size int64, current []Version, err error) {
	all, err := Versions(tx, bucket)
	if err != nil {
		return 0, 0, nil, err
	}
	for i, v := range all {
		if i > 0 && all[i-1].Key == v.Key {
			continue // not the latest version of its key
		}
		if !v.DeleteMarker {
			count++
			size += v.Size
			current = append(current, v)
		}
	}
	return count, size, current, nil
}

// ErrBucketNotEmpty is returned by DeleteBucket while versions remain.
var ErrBucketNotEmpty = errors.New("the bucket is not empty")

// DeleteBucket removes an empty bucket: no object version and no delete
// marker left, as S3 requires. Multipart uploads still in progress go with
// it (whether the real stores refuse instead is unverified).
func DeleteBucket(tx store.Tx, name string) error {
	versions, err := Versions(tx, name)
	if err != nil {
		return err
	}
	if len(versions) > 0 {
		return ErrBucketNotEmpty
	}
	uploads, err := Uploads(tx, name)
	if err != nil {
		return err
	}
	for _, u := range uploads {
		if err := dropUpload(tx, u); err != nil {
			return err
		}
	}
	// Access log records not yet delivered to this bucket are lost with it.
	pending, err := store.List[pendingLogs](tx, CollAccessLogs)
	if err != nil {
		return err
	}
	for _, p := range pending {
		if p.Target == name {
			if err := tx.Delete(CollAccessLogs, p.id()); err != nil {
				return err
			}
		}
	}
	return tx.Delete(CollBuckets, name)
}

// Upload is a multipart upload in progress: what its
// CreateMultipartUpload asked for, and the parts uploaded so far (their
// data is stored apart, one document per part).
type Upload struct {
	Bucket    string    `json:"bucket"`
	Key       string    `json:"key"`
	UploadID  string    `json:"upload_id"`
	Seq       int64     `json:"seq"` // the bucket's write counter at initiation: orders uploads of a key
	Initiated time.Time `json:"initiated"`
	Owner     string    `json:"owner"`               // the account or project that initiated it
	Initiator string    `json:"initiator,omitempty"` // the OVHcloud user that did; "" for an account's keys
	// What the object gets when the upload completes.
	ContentType       string            `json:"content_type,omitempty"`
	Metadata          map[string]string `json:"metadata,omitempty"`
	ACL               string            `json:"acl,omitempty"`
	SSE               string            `json:"sse,omitempty"`           // the store's keys: AES256 or aws:kms
	SSECKeyMD5        string            `json:"ssec_key_md5,omitempty"`  // every part must come with this customer key
	ExplicitLock      bool              `json:"explicit_lock,omitempty"` // lock headers given: no default retention
	LockMode          string            `json:"lock_mode,omitempty"`
	RetainUntil       *time.Time        `json:"retain_until,omitempty"`
	LegalHold         bool              `json:"legal_hold,omitempty"`
	ChecksumAlgorithm string            `json:"checksum_algorithm,omitempty"` // lower case, as x-amz-checksum-* names it
	Parts             map[int]Part      `json:"parts,omitempty"`
}

// Part is one uploaded part of a multipart upload.
type Part struct {
	Number    int               `json:"number"`
	ETag      string            `json:"etag"` // quoted, as on the wire
	Size      int64             `json:"size"` // of the data as sent
	Stored    int64             `json:"stored"`
	Modified  time.Time         `json:"last_modified"`
	Checksums map[string]string `json:"checksums,omitempty"`
}

// partData is the document holding a part's bytes (sealed with the
// customer's key for an SSE-C upload).
type partData struct {
	Data []byte `json:"data"`
}

func uploadDocID(bucket, uploadID string) string { return bucket + "#" + uploadID }

func partDocID(bucket, uploadID string, number int) string {
	return fmt.Sprintf("%s#%s#%05d", bucket, uploadID, number)
}

// Uploads returns a bucket's multipart uploads in progress, sorted by key
// and, within a key, by initiation.
func Uploads(tx store.Tx, bucket string) ([]Upload, error) {
	all, err := store.List[Upload](tx, CollUploads)
	if err != nil {
		return nil, err
	}
	var out []Upload
	for _, u := range all {
		if u.Bucket == bucket {
			out = append(out, u)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Key != out[j].Key {
			return out[i].Key < out[j].Key
		}
		return out[i].Seq < out[j].Seq
	})
	return out, nil
}

// dropUpload removes an upload and the data of all its parts.
func dropUpload(tx store.Tx, u Upload) error {
	for n := range u.Parts {
		if err := tx.Delete(CollParts, partDocID(u.Bucket, u.UploadID, n)); err != nil {
			return err
		}
	}
	return tx.Delete(CollUploads, uploadDocID(u.Bucket, u.UploadID))
}

// newVersionID returns a version id shaped like S3's: 32 URL-safe characters.
func newVersionID() string {
	var b [20]byte
	_, _ = rand.Read(b[:])
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}
