package cloud

import (
	"context"
	"encoding/json"
	"strings"
)

// A write-only identity for shipping an audit trail: it may put objects
// under one prefix of one bucket and do nothing else, so that a host that
// ships its logs (the bastion) cannot read, overwrite-and-hide or delete
// what it shipped, nor reach any other bucket. Object lock keeps what was
// written; this identity keeps the host from touching the rest.
//
// On OUTSCALE it is an EIM user with one managed policy and one access key
// (OOS takes no bucket-scoped key otherwise). The secret exists only in
// CreateAuditWriter's answer: OAPI never shows it again, so the caller
// hands it straight to what ships (the bastion's user-data) and never
// stores it. OVHcloud ships with the audit bucket's own user instead, and
// its audit writer is a read-only identity: an OAuth2 service account whose
// IAM policy allows reading the account's audit logs (GET /me/logs/audit)
// and nothing else, which the bastion pulls into the audit trail. Its
// client secret likewise exists only in CreateAuditWriter's answer.

// AuditWriterSpec asks for a write-only identity, or with Access
// AccessReadWrite a read-write one.
type AuditWriterSpec struct {
	Name   string // what it writes for, such as the bastion's name
	Bucket string
	Prefix string // "" for the whole bucket
	// Access is "" (AccessWriteOnly) for the audit trail's write-only
	// identity, AccessReadWrite for a machine that keeps and serves the
	// objects of one bucket (the data gateway), or AccessReadOnly for one
	// that serves some of them (a read-only data gateway).
	Access string
	// Prefixes and KeyObject, with AccessReadOnly: what it reads of the
	// bucket (nil: everything) and, besides, the object holding the wrapped
	// data key.
	Prefixes  []string
	KeyObject string
}

// Accesses of an identity made by CreateAuditWriter.
const (
	// AccessWriteOnly puts objects under the prefix, and reads the
	// account's API logs (AuditWriterPolicy).
	AccessWriteOnly = ""
	// AccessReadWrite gets, puts, lists and deletes the objects of the
	// bucket (under the prefix), multipart uploads included, and nothing
	// else (BucketReadWritePolicy).
	AccessReadWrite = "read-write"
	// AccessReadOnly gets the objects under the prefixes and the wrapped
	// data key, and lists the bucket, and nothing else
	// (BucketReadOnlyPolicy).
	AccessReadOnly = "read-only"
)

// AuditWriter is a write-only identity as the cloud holds it.
//
// On OVHcloud UserName is the service account's name, UserID and
// AccessKeyID its OAuth2 client id, PolicyID its IAM policy's id and
// SecretAccessKey its client secret.
type AuditWriter struct {
	UserName    string
	UserID      string
	PolicyID    string // the managed policy's ORN
	AccessKeyID string
	// SecretAccessKey is set by CreateAuditWriter only; never log it.
	SecretAccessKey string
	// APIEndpoint and APIRegion are where the identity reads the account's
	// API logs (OUTSCALE ReadApiLogs, which its policy allows), set by
	// CreateAuditWriter; "" where it reads none. On OVHcloud APIEndpoint is
	// the API (ending in /1.0) it reads the account's audit logs from, and
	// TokenURL the OAuth2 token endpoint it authenticates at.
	APIEndpoint, APIRegion string
	TokenURL               string
}

// Keys of the audit writer's ids in a bastion's CloudIDs.
const (
	AuditWriterUser      = "audit_writer.user"
	AuditWriterUserID    = "audit_writer.user_id"
	AuditWriterPolicyID  = "audit_writer.policy"
	AuditWriterAccessKey = "audit_writer.access_key"
)

// IDs are w's ids for CloudIDs, without empty ones.
func (w AuditWriter) IDs() map[string]string {
	out := map[string]string{}
	for k, v := range map[string]string{AuditWriterUser: w.UserName, AuditWriterUserID: w.UserID,
		AuditWriterPolicyID: w.PolicyID, AuditWriterAccessKey: w.AccessKeyID} {
		if v != "" {
			out[k] = v
		}
	}
	return out
}

// AuditWriterOf reads the ids IDs wrote; ok is false when there is none.
func AuditWriterOf(ids map[string]string) (AuditWriter, bool) {
	w := AuditWriter{UserName: ids[AuditWriterUser], UserID: ids[AuditWriterUserID], PolicyID: ids[AuditWriterPolicyID],
		AccessKeyID: ids[AuditWriterAccessKey]}
	return w, w.UserName != "" || w.PolicyID != ""
}

// AuditWriters makes write-only identities.
type AuditWriters interface {
	// CreateAuditWriter makes the identity and its key; on error it
	// returns what it made, so that DeleteAuditWriter can remove it.
	// ErrPolicyUnsupported where the cloud has no such identity.
	CreateAuditWriter(ctx context.Context, spec AuditWriterSpec) (AuditWriter, error)
	// ReadAuditWriter reads ref back: ErrNotFound when the user, its key
	// or the link to its policy is gone (it can no longer ship).
	ReadAuditWriter(ctx context.Context, ref AuditWriter) (AuditWriter, error)
	// DeleteAuditWriter removes what ref names; what is gone already is fine.
	DeleteAuditWriter(ctx context.Context, ref AuditWriter) error
}

// AuditWriterPolicy is the policy of a write-only identity: s3:PutObject
// (which also covers multipart uploads) on the objects under prefix of
// bucket, and reading the account's API logs (api:ReadApiLogs, as
// OUTSCALE's EIM names OAPI actions; that an EIM user so allowed reads the
// whole account's logs is unverified; the logs go into the audit trail), and
// nothing else.
func AuditWriterPolicy(bucket, prefix string) string {
	doc := map[string]any{
		"Version": "2012-10-17",
		"Statement": []map[string]any{{
			"Sid":      "WriteAuditTrailOnly",
			"Effect":   "Allow",
			"Action":   []string{"s3:PutObject"},
			"Resource": []string{"arn:aws:s3:::" + bucket + "/" + strings.TrimPrefix(prefix, "/") + "*"},
		}, {
			"Sid":      "ReadApiLogs",
			"Effect":   "Allow",
			"Action":   []string{"api:ReadApiLogs"},
			"Resource": []string{"*"},
		}},
	}
	out, _ := json.Marshal(doc)
	return string(out)
}

// BucketReadWritePolicy is the policy of a read-write identity: get, put
// (multipart uploads included: s3:PutObject covers their creation, parts
// and completion), delete, abort and list the parts of the objects under
// prefix of bucket, and list the bucket and its uploads, and nothing else:
// no other bucket, no bucket configuration (policy, lifecycle, object
// lock), no retention change, no API logs. Listing is of the whole bucket
// (S3's s3:prefix condition is not used: whether OOS honours it is
// unverified), so a prefix bounds what it reads and writes, not the names
// it sees.
func BucketReadWritePolicy(bucket, prefix string) string {
	doc := map[string]any{
		"Version": "2012-10-17",
		"Statement": []map[string]any{{
			"Sid":    "ReadWriteObjects",
			"Effect": "Allow",
			"Action": []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload",
				"s3:ListMultipartUploadParts"},
			"Resource": []string{"arn:aws:s3:::" + bucket + "/" + strings.TrimPrefix(prefix, "/") + "*"},
		}, {
			"Sid":      "ListBucket",
			"Effect":   "Allow",
			"Action":   []string{"s3:ListBucket", "s3:ListBucketMultipartUploads"},
			"Resource": []string{"arn:aws:s3:::" + bucket},
		}},
	}
	out, _ := json.Marshal(doc)
	return string(out)
}

// BucketReadOnlyPolicy is the policy of a read-only identity: s3:GetObject
// on the objects under each prefix of bucket (the whole bucket when there
// is none) and on keyObject (a wrapped data key, worthless without the key
// manager), and listing the bucket, and nothing else. Listing is of the
// whole bucket, as with BucketReadWritePolicy: names are visible to the
// identity, contents only under the prefixes.
func BucketReadOnlyPolicy(bucket string, prefixes []string, keyObject string) string {
	var objects []string
	for _, p := range prefixes {
		objects = append(objects, "arn:aws:s3:::"+bucket+"/"+strings.TrimPrefix(p, "/")+"*")
	}
	if len(prefixes) == 0 {
		objects = append(objects, "arn:aws:s3:::"+bucket+"/*")
	}
	statements := []map[string]any{{
		"Sid":      "ReadObjects",
		"Effect":   "Allow",
		"Action":   []string{"s3:GetObject"},
		"Resource": objects,
	}}
	if keyObject != "" && len(prefixes) > 0 {
		statements = append(statements, map[string]any{
			"Sid":      "ReadWrappedDataKey",
			"Effect":   "Allow",
			"Action":   []string{"s3:GetObject"},
			"Resource": []string{"arn:aws:s3:::" + bucket + "/" + keyObject},
		})
	}
	statements = append(statements, map[string]any{
		"Sid":      "ListBucket",
		"Effect":   "Allow",
		"Action":   []string{"s3:ListBucket"},
		"Resource": []string{"arn:aws:s3:::" + bucket},
	})
	out, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": statements})
	return string(out)
}
