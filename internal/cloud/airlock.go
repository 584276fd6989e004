package cloud

import "context"

// The airlock moves data into and out of a workspace under review, like
// AzureTRE's: results a workspace writes into its export bucket reach the
// results zone only once someone else approved exactly those bytes, and
// both the approval and the export are recorded in the audit bucket, where
// object lock keeps them. The workspace's identity can write neither the
// results zone nor the audit bucket: nothing leaves another way.

// ObjectDigest identifies an object's content.
type ObjectDigest struct {
	SHA256 string
	Size   int64
	ETag   string
}

// AirlockPrefix is where the audit bucket keeps the airlock's records:
// <prefix><workspace>/approvals/<sha256>.json and …/exports/<sha256>.json.
const AirlockPrefix = "airlock/"

// AirlockApprovalKey and AirlockExportKey are the records' keys.
func AirlockApprovalKey(workspace, sha256 string) string {
	return AirlockPrefix + workspace + "/approvals/" + sha256 + ".json"
}

// AirlockExportKey is where an export of the object of that digest is
// recorded.
func AirlockExportKey(workspace, sha256 string) string {
	return AirlockPrefix + workspace + "/exports/" + sha256 + ".json"
}

// Airlock is what the airlock needs of object storage, with the provider's
// own credentials (the data office's), never the workspace's.
type Airlock interface {
	// DigestObject reads an object whole and returns its digest.
	DigestObject(ctx context.Context, bucket, key string) (ObjectDigest, error)
	// CopyObject copies src to dst as long as src's ETag is still etag, and
	// returns the SHA-256 of what it copied.
	CopyObject(ctx context.Context, srcBucket, srcKey, etag, dstBucket, dstKey string) (string, error)
	// PutRecord writes a small record once (ErrConflict when it exists).
	PutRecord(ctx context.Context, bucket, key string, record []byte) error
	// GetRecord reads a small record: ErrNotFound when it is absent.
	GetRecord(ctx context.Context, bucket, key string) ([]byte, error)
}
