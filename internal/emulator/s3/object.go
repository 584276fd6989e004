package s3

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/md5" //nolint:gosec // S3's Content-MD5 and SSE-C key digests are MD5 by definition
	"crypto/rand"
	"crypto/sha1" //nolint:gosec // x-amz-checksum-sha1 is SHA-1 by definition
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// Object calls: versions, delete markers, conditional writes, SSE-C and
// object lock.

// ---- payload and integrity ----

// payload returns the object data of a PUT, decoding an aws-chunked body
// (with or without chunk signatures; chunk signatures are not verified),
// and the trailing headers such a body carries.
func (q *request) payload() ([]byte, map[string]string, error) {
	declared := q.r.Header.Get("X-Amz-Content-Sha256")
	if !strings.HasPrefix(declared, "STREAMING-") && !strings.Contains(q.r.Header.Get("Content-Encoding"), "aws-chunked") {
		return q.body, nil, nil
	}
	data, trailers, err := decodeAWSChunked(q.body)
	if err != nil {
		return nil, nil, &Error{Status: http.StatusBadRequest, Code: "IncompleteBody", Message: "The request body terminated unexpectedly: " + err.Error()}
	}
	if n := q.r.Header.Get("X-Amz-Decoded-Content-Length"); n != "" && n != strconv.Itoa(len(data)) {
		return nil, nil, &Error{Status: http.StatusBadRequest, Code: "IncompleteBody",
			Message: "You did not provide the number of bytes specified by the x-amz-decoded-content-length HTTP header"}
	}
	return data, trailers, nil
}

func decodeAWSChunked(body []byte) ([]byte, map[string]string, error) {
	rd := bufio.NewReader(bytes.NewReader(body))
	var data []byte
	for {
		line, err := rd.ReadString('\n')
		if err != nil {
			return nil, nil, fmt.Errorf("no chunk header")
		}
		sizeHex, _, _ := strings.Cut(strings.TrimRight(line, "\r\n"), ";")
		size, err := strconv.ParseInt(sizeHex, 16, 64)
		if err != nil || size < 0 {
			return nil, nil, fmt.Errorf("bad chunk size %q", sizeHex)
		}
		if size == 0 {
			break
		}
		chunk := make([]byte, size)
		if _, err := io.ReadFull(rd, chunk); err != nil {
			return nil, nil, fmt.Errorf("short chunk")
		}
		data = append(data, chunk...)
		if crlf, _ := rd.ReadString('\n'); strings.TrimRight(crlf, "\r\n") != "" {
			return nil, nil, fmt.Errorf("chunk not terminated by CRLF")
		}
	}
	// Trailing headers, up to an empty line or the end of the body.
	trailers := map[string]string{}
	rest, _ := io.ReadAll(rd)
	for _, line := range strings.Split(string(rest), "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" {
			break
		}
		if k, v, ok := strings.Cut(line, ":"); ok {
			trailers[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
		}
	}
	return data, trailers, nil
}

// checksumAlgorithms are the x-amz-checksum-* headers S3 verifies.
var checksumAlgorithms = map[string]func() hash.Hash{
	"crc32":  func() hash.Hash { return crc32.NewIEEE() },
	"crc32c": func() hash.Hash { return crc32.New(crc32.MakeTable(crc32.Castagnoli)) },
	"sha1":   sha1.New,
	"sha256": sha256.New,
}

// integrity checks Content-MD5 and the x-amz-checksum-* values (headers or
// trailers) against data, and returns the checksums to keep.
func (q *request) integrity(data []byte, trailers map[string]string) (map[string]string, error) {
	if md := q.r.Header.Get("Content-Md5"); md != "" {
		sum := md5.Sum(data) //nolint:gosec // Content-MD5
		if md != base64.StdEncoding.EncodeToString(sum[:]) {
			return nil, &Error{Status: http.StatusBadRequest, Code: "BadDigest",
				Message: "The Content-MD5 you specified did not match what we received."}
		}
	}
	out := map[string]string{}
	for alg, newHash := range checksumAlgorithms {
		v := q.r.Header.Get("X-Amz-Checksum-" + alg)
		if v == "" {
			v = trailers["x-amz-checksum-"+alg]
		}
		if v == "" {
			continue
		}
		h := newHash()
		h.Write(data)
		if v != base64.StdEncoding.EncodeToString(h.Sum(nil)) {
			return nil, &Error{Status: http.StatusBadRequest, Code: "BadDigest",
				Message: fmt.Sprintf("The %s you specified did not match the calculated checksum.", strings.ToUpper(alg))}
		}
		out[alg] = v
	}
	return out, nil
}

// requireIntegrityHeader: S3 refuses some calls (DeleteObjects, lifecycle
// and object lock configurations) without Content-MD5 or a checksum.
func (q *request) requireIntegrityHeader() error {
	if _, err := q.integrity(q.body, nil); err != nil {
		return err
	}
	if q.r.Header.Get("Content-Md5") != "" {
		return nil
	}
	for alg := range checksumAlgorithms {
		if q.r.Header.Get("X-Amz-Checksum-"+alg) != "" {
			return nil
		}
	}
	return errInvalidRequest("Missing required header for this request: Content-MD5")
}

// ---- SSE-C ----

// customerKey is the SSE-C key a request carries.
type customerKey struct {
	key    []byte
	keyMD5 string
}

// sseC reads the SSE-C headers: nil when there are none.
func (q *request) sseC() (*customerKey, error) {
	return q.customerKeyFrom("X-Amz-Server-Side-Encryption-Customer-")
}

// customerKeyFrom reads the SSE-C headers named prefix+Algorithm, Key and
// Key-Md5: the object's own, or its copy source's
// (X-Amz-Copy-Source-Server-Side-Encryption-Customer-).
func (q *request) customerKeyFrom(prefix string) (*customerKey, error) {
	h := q.r.Header
	alg := h.Get(prefix + "Algorithm")
	key := h.Get(prefix + "Key")
	keyMD5 := h.Get(prefix + "Key-Md5")
	if alg == "" && key == "" && keyMD5 == "" {
		return nil, nil
	}
	if !q.caller.secure {
		return nil, errInvalidRequest("Requests specifying Server Side Encryption with Customer provided keys must be made over a secure connection.")
	}
	if alg == "" || key == "" || keyMD5 == "" {
		return nil, errInvalidArgument("Requests specifying Server Side Encryption with Customer provided keys must provide the client calculated MD5 of the secret key.")
	}
	if alg != "AES256" {
		return nil, errInvalidArgument("The encryption algorithm specified is not valid.")
	}
	raw, err := base64.StdEncoding.DecodeString(key)
	if err != nil || len(raw) != 32 {
		return nil, errInvalidArgument("The secret key was invalid for the specified algorithm.")
	}
	sum := md5.Sum(raw) //nolint:gosec // SSE-C key digest
	if base64.StdEncoding.EncodeToString(sum[:]) != keyMD5 {
		return nil, errInvalidArgument("The calculated MD5 hash of the key did not match the hash that was provided.")
	}
	return &customerKey{key: raw, keyMD5: keyMD5}, nil
}

// encryptionRequest reads how a write asks for its data to be encrypted:
// an SSE-C key, or x-amz-server-side-encryption (the store's keys).
func (q *request) encryptionRequest() (*customerKey, string, error) {
	ck, err := q.sseC()
	if err != nil {
		return nil, "", err
	}
	sse := q.r.Header.Get("X-Amz-Server-Side-Encryption")
	switch {
	case sse != "" && ck != nil:
		return nil, "", errInvalidArgument("Server Side Encryption with Customer provided key is incompatible with the encryption method specified")
	case sse != "" && sse != "AES256" && sse != "aws:kms":
		return nil, "", errInvalidArgument("The encryption method specified is not supported")
	}
	return ck, sse, nil
}

// seal encrypts data with the customer's key (AES-256-GCM), so that the
// store never holds an SSE-C object in clear, nor the key.
func (k *customerKey) seal(data []byte) []byte {
	block, _ := aes.NewCipher(k.key)
	gcm, _ := cipher.NewGCM(block)
	nonce := make([]byte, gcm.NonceSize())
	_, _ = rand.Read(nonce)
	return gcm.Seal(nonce, nonce, data, nil)
}

// openObject decrypts a version stored with a customer key: one sealed
// blob, or one per part for an object made by a multipart upload.
func (k *customerKey) openObject(v Version) ([]byte, error) {
	if len(v.Segments) == 0 {
		return k.open(v.Data)
	}
	var out []byte
	rest := v.Data
	for _, n := range v.Segments {
		if n > int64(len(rest)) {
			return nil, fmt.Errorf("short ciphertext")
		}
		part, err := k.open(rest[:n])
		if err != nil {
			return nil, err
		}
		out, rest = append(out, part...), rest[n:]
	}
	return out, nil
}

func (k *customerKey) open(sealed []byte) ([]byte, error) {
	block, _ := aes.NewCipher(k.key)
	gcm, _ := cipher.NewGCM(block)
	if len(sealed) < gcm.NonceSize() {
		return nil, fmt.Errorf("short ciphertext")
	}
	return gcm.Open(nil, sealed[:gcm.NonceSize()], sealed[gcm.NonceSize():], nil)
}

// ---- object lock ----

// locked says whether a version may not be deleted now, and why.
func locked(v Version, now time.Time, bypassGovernance bool) (bool, string) {
	if v.LegalHold {
		return true, "a legal hold"
	}
	if v.RetainUntil != nil && v.RetainUntil.After(now) {
		if v.LockMode == "GOVERNANCE" && bypassGovernance {
			return false, ""
		}
		return true, fmt.Sprintf("%s retention until %s", v.LockMode, v.RetainUntil.UTC().Format(time.RFC3339))
	}
	return false, ""
}

func errLocked() *Error {
	return &Error{Status: http.StatusForbidden, Code: "AccessDenied", Message: "Access Denied because object protected by object lock."}
}

// bypassGovernance reads x-amz-bypass-governance-retention, which needs
// s3:BypassGovernanceRetention.
func (q *request) bypassGovernance(b *Bucket, key string) bool {
	if !strings.EqualFold(q.r.Header.Get("X-Amz-Bypass-Governance-Retention"), "true") {
		return false
	}
	return q.authorize(b, "s3:BypassGovernanceRetention", objectARN(b.Name, key)) == nil
}

// ---- helpers over versions ----

// versionsOf returns the versions of one key, newest first.
func versionsOf(tx store.Tx, bucket, key string) ([]Version, error) {
	all, err := Versions(tx, bucket)
	if err != nil {
		return nil, err
	}
	var out []Version
	for _, v := range all {
		if v.Key == key {
			out = append(out, v)
		}
	}
	return out, nil
}

func putVersion(tx store.Tx, v Version) error {
	return store.Put(tx, CollObjects, versionDocID(v.Bucket, v.Seq), v)
}

func dropVersion(tx store.Tx, v Version) error {
	return tx.Delete(CollObjects, versionDocID(v.Bucket, v.Seq))
}

// actionFor names the policy action of a call on a specific version: the
// AWS names on OUTSCALE, whose policies follow AWS's; OVHcloud's list of
// actions has no "…Version" ones.
func actionFor(b *Bucket, base string, versioned bool) string {
	if versioned && b.Cloud() == "outscale" {
		return base + "Version"
	}
	return base
}

// ---- PutObject ----

func (q *request) putObject() error {
	if len(q.key) > 1024 {
		return &Error{Status: http.StatusBadRequest, Code: "KeyTooLongError", Message: "Your key is too long"}
	}
	data, trailers, err := q.payload()
	if err != nil {
		return err
	}
	checksums, err := q.integrity(data, trailers)
	if err != nil {
		return err
	}
	ck, sse, err := q.encryptionRequest()
	if err != nil {
		return err
	}
	if q.r.Header.Get("X-Amz-Copy-Source") != "" {
		return errNotImplemented() // CopyObject is not emulated
	}
	acl, err := cannedACL(q.r.Header.Get("X-Amz-Acl"))
	if err != nil {
		return err
	}
	return q.inBucket(true, "", func(tx store.Tx, b *Bucket) error {
		arn := objectARN(b.Name, q.key)
		if err := q.authorize(b, "s3:PutObject", arn); err != nil {
			return err
		}
		if q.r.Header.Get("X-Amz-Acl") != "" {
			if err := q.authorize(b, "s3:PutObjectAcl", arn); err != nil {
				return err
			}
		}
		v := Version{Bucket: b.Name, Key: q.key, Modified: q.now, Size: int64(len(data)),
			ContentType: q.r.Header.Get("Content-Type"), Metadata: userMetadata(q.r.Header), Checksums: checksums, ACL: acl}
		if q.hasLockHeaders() {
			if !b.ObjectLockEnabled {
				return errInvalidRequest("Bucket is missing Object Lock Configuration")
			}
			if q.r.Header.Get("Content-Md5") == "" && len(checksums) == 0 {
				return errInvalidRequest("Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters")
			}
			if err := q.explicitLock(b, &v); err != nil {
				return err
			}
		} else {
			defaultLock(b, &v, q.now)
		}

		current, existing, err := currentVersion(tx, b.Name, q.key)
		if err != nil {
			return err
		}
		if err := q.preconditions(current); err != nil {
			return err
		}

		if ck != nil {
			v.Data, v.SSECKeyMD5 = ck.seal(data), ck.keyMD5
		} else {
			v.Data = data
			v.SSE = storeEncryption(b, sse)
		}
		sum := md5.Sum(v.Data) //nolint:gosec // ETag
		v.ETag = `"` + hex.EncodeToString(sum[:]) + `"`
		if err := commitVersion(tx, b, &v, existing); err != nil {
			return err
		}
		q.encryptionHeaders(v.SSE, v.SSECKeyMD5)
		q.w.Header().Set("ETag", v.ETag)
		if b.Versioning != "" {
			q.w.Header().Set("X-Amz-Version-Id", v.VersionID)
		}
		for alg, val := range checksums {
			q.w.Header().Set("X-Amz-Checksum-"+alg, val)
		}
		q.w.WriteHeader(http.StatusOK)
		return nil
	})
}

// hasLockHeaders reports whether a write sets object lock explicitly.
func (q *request) hasLockHeaders() bool {
	h := q.r.Header
	return h.Get("X-Amz-Object-Lock-Mode") != "" || h.Get("X-Amz-Object-Lock-Retain-Until-Date") != "" ||
		h.Get("X-Amz-Object-Lock-Legal-Hold") != ""
}

// explicitLock checks the x-amz-object-lock-* headers of a write to a
// bucket with object lock and sets them on v.
func (q *request) explicitLock(b *Bucket, v *Version) error {
	lockMode := q.r.Header.Get("X-Amz-Object-Lock-Mode")
	lockUntil := q.r.Header.Get("X-Amz-Object-Lock-Retain-Until-Date")
	if (lockMode == "") != (lockUntil == "") {
		return errInvalidArgument("x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied")
	}
	if lockMode != "" {
		if err := checkLockMode(b, lockMode); err != nil {
			return err
		}
		until, err := time.Parse(time.RFC3339, lockUntil)
		if err != nil || !until.After(q.now) {
			return errInvalidArgument("The retain until date must be in the future!")
		}
		v.LockMode, v.RetainUntil = lockMode, &until
	}
	switch q.r.Header.Get("X-Amz-Object-Lock-Legal-Hold") {
	case "", "OFF":
	case "ON":
		v.LegalHold = true
	default:
		return errInvalidArgument("Legal Hold must be either of 'ON' or 'OFF'")
	}
	return nil
}

// defaultLock gives v the bucket's default retention, counted from now.
func defaultLock(b *Bucket, v *Version, now time.Time) {
	if b.ObjectLockEnabled && b.LockRule != nil {
		until := b.LockRule.until(now)
		v.LockMode, v.RetainUntil = b.LockRule.Mode, &until
	}
}

// storeEncryption is the server-side encryption a write gets from the
// store's keys: the one it asked for, else the bucket's default.
func storeEncryption(b *Bucket, requested string) string {
	switch {
	case requested != "":
		return requested
	case b.Encryption != nil:
		return b.Encryption.Algorithm
	}
	return ""
}

// encryptionHeaders tells the client how the object is encrypted.
func (q *request) encryptionHeaders(sse, customerKeyMD5 string) {
	switch {
	case customerKeyMD5 != "":
		q.w.Header().Set("X-Amz-Server-Side-Encryption-Customer-Algorithm", "AES256")
		q.w.Header().Set("X-Amz-Server-Side-Encryption-Customer-Key-Md5", customerKeyMD5)
	case sse != "":
		q.w.Header().Set("X-Amz-Server-Side-Encryption", sse)
	}
}

// currentVersion returns the current version of a key (nil when there is
// none, or its latest is a delete marker) and all its versions.
func currentVersion(tx store.Tx, bucket, key string) (*Version, []Version, error) {
	existing, err := versionsOf(tx, bucket, key)
	if err != nil {
		return nil, nil, err
	}
	if len(existing) > 0 && !existing[0].DeleteMarker {
		return &existing[0], existing, nil
	}
	return nil, existing, nil
}

// commitVersion stores v as the newest version of its key: under a new
// version id in a versioned bucket, else as the "null" version, replacing
// the one before.
func commitVersion(tx store.Tx, b *Bucket, v *Version, existing []Version) error {
	if b.Versioning == "Enabled" {
		v.VersionID = newVersionID()
	} else {
		v.VersionID = "null"
		for _, old := range existing {
			if old.VersionID == "null" {
				if err := dropVersion(tx, old); err != nil {
					return err
				}
			}
		}
	}
	b.Seq++
	v.Seq = b.Seq
	if err := putVersion(tx, *v); err != nil {
		return err
	}
	return PutBucket(tx, *b)
}

// preconditions applies a PUT's If-None-Match and If-Match to the object's
// current version (nil when there is none, or its latest is a delete
// marker). Terraform's S3 lock file relies on If-None-Match: *.
func (q *request) preconditions(current *Version) error {
	failed := func(header string) error {
		return &Error{Status: http.StatusPreconditionFailed, Code: "PreconditionFailed",
			Message: "At least one of the pre-conditions you specified did not hold", Extra: map[string]string{"Condition": header}}
	}
	if v := q.r.Header.Get("If-None-Match"); v != "" {
		if v != "*" {
			return errNotImplemented()
		}
		if current != nil {
			return failed("If-None-Match")
		}
	}
	if v := q.r.Header.Get("If-Match"); v != "" {
		if current == nil {
			return &Error{Status: http.StatusNotFound, Code: "NoSuchKey", Message: "The specified key does not exist.",
				Extra: map[string]string{"Key": q.key}}
		}
		if v != "*" && strings.Trim(v, `"`) != strings.Trim(current.ETag, `"`) {
			return failed("If-Match")
		}
	}
	return nil
}

func userMetadata(h http.Header) map[string]string {
	out := map[string]string{}
	for name, values := range h {
		if lower := strings.ToLower(name); strings.HasPrefix(lower, "x-amz-meta-") && len(values) > 0 {
			out[strings.TrimPrefix(lower, "x-amz-meta-")] = values[0]
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// ---- GetObject, HeadObject ----

func (q *request) getObject() error {
	versionID := q.query.Get("versionId")
	ck, err := q.sseC()
	if err != nil {
		return err
	}
	return q.inBucket(false, "", func(tx store.Tx, b *Bucket) error {
		if err := q.authorize(b, actionFor(b, "s3:GetObject", versionID != ""), objectARN(b.Name, q.key)); err != nil {
			return err
		}
		versions, err := versionsOf(tx, b.Name, q.key)
		if err != nil {
			return err
		}
		v, err := pickVersion(versions, versionID, q.key)
		if err != nil {
			return err
		}
		if v.DeleteMarker {
			q.w.Header().Set("X-Amz-Delete-Marker", "true")
			q.w.Header().Set("X-Amz-Version-Id", v.VersionID)
			if versionID != "" {
				return &Error{Status: http.StatusMethodNotAllowed, Code: "MethodNotAllowed",
					Message: "The specified method is not allowed against this resource."}
			}
			return errNoSuchKey(q.key)
		}
		data := v.Data
		switch {
		case v.SSECKeyMD5 != "" && ck == nil:
			return errInvalidRequest("The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.")
		case v.SSECKeyMD5 != "" && ck.keyMD5 != v.SSECKeyMD5:
			return errAccessDenied()
		case v.SSECKeyMD5 != "":
			if data, err = ck.openObject(v); err != nil {
				return errAccessDenied()
			}
			q.w.Header().Set("X-Amz-Server-Side-Encryption-Customer-Algorithm", "AES256")
			q.w.Header().Set("X-Amz-Server-Side-Encryption-Customer-Key-Md5", v.SSECKeyMD5)
		case ck != nil:
			return errInvalidRequest("The encryption parameters are not applicable to this object.")
		}
		if match := q.r.Header.Get("If-Match"); match != "" && match != "*" && strings.Trim(match, `"`) != strings.Trim(v.ETag, `"`) {
			return &Error{Status: http.StatusPreconditionFailed, Code: "PreconditionFailed",
				Message: "At least one of the pre-conditions you specified did not hold", Extra: map[string]string{"Condition": "If-Match"}}
		}
		h := q.w.Header()
		if none := q.r.Header.Get("If-None-Match"); none != "" && (none == "*" || strings.Trim(none, `"`) == strings.Trim(v.ETag, `"`)) {
			h.Set("ETag", v.ETag)
			q.w.WriteHeader(http.StatusNotModified)
			return nil
		}
		h.Set("ETag", v.ETag)
		h.Set("Last-Modified", v.Modified.UTC().Format(http.TimeFormat))
		h.Set("Content-Length", strconv.Itoa(len(data)))
		h.Set("Accept-Ranges", "bytes")
		if v.ContentType != "" {
			h.Set("Content-Type", v.ContentType)
		} else {
			h.Set("Content-Type", "binary/octet-stream")
		}
		if b.Versioning != "" {
			h.Set("X-Amz-Version-Id", v.VersionID)
		}
		if v.SSE != "" {
			h.Set("X-Amz-Server-Side-Encryption", v.SSE)
		}
		for k, val := range v.Metadata {
			h.Set("X-Amz-Meta-"+k, val)
		}
		if v.LockMode != "" && v.RetainUntil != nil {
			h.Set("X-Amz-Object-Lock-Mode", v.LockMode)
			h.Set("X-Amz-Object-Lock-Retain-Until-Date", v.RetainUntil.UTC().Format(time.RFC3339))
		}
		if b.ObjectLockEnabled {
			h.Set("X-Amz-Object-Lock-Legal-Hold", map[bool]string{true: "ON", false: "OFF"}[v.LegalHold])
		}
		if strings.EqualFold(q.r.Header.Get("X-Amz-Checksum-Mode"), "ENABLED") {
			for alg, val := range v.Checksums {
				h.Set("X-Amz-Checksum-"+alg, val)
			}
		}
		q.w.WriteHeader(http.StatusOK)
		if q.r.Method != http.MethodHead {
			_, _ = q.w.Write(data)
		}
		return nil
	})
}

func errNoSuchKey(key string) *Error {
	return &Error{Status: http.StatusNotFound, Code: "NoSuchKey", Message: "The specified key does not exist.",
		Extra: map[string]string{"Key": key}}
}

// pickVersion finds the version a call names, or the latest.
func pickVersion(versions []Version, versionID, key string) (Version, error) {
	if versionID == "" {
		if len(versions) == 0 {
			return Version{}, errNoSuchKey(key)
		}
		return versions[0], nil
	}
	for _, v := range versions {
		if v.VersionID == versionID {
			return v, nil
		}
	}
	return Version{}, &Error{Status: http.StatusNotFound, Code: "NoSuchVersion",
		Message: "The specified version does not exist.", Extra: map[string]string{"Key": key, "VersionId": versionID}}
}

// ---- DeleteObject, DeleteObjects ----

// deletion is what one deletion did.
type deletion struct {
	versionID    string // the version deleted or the delete marker made
	deleteMarker bool
}

// deleteOne deletes key (a version of it when versionID is set), as
// DeleteObject does, after authorizing the caller.
func (q *request) deleteOne(tx store.Tx, b *Bucket, key, versionID string) (deletion, error) {
	if err := q.authorize(b, actionFor(b, "s3:DeleteObject", versionID != ""), objectARN(b.Name, key)); err != nil {
		return deletion{}, err
	}
	versions, err := versionsOf(tx, b.Name, key)
	if err != nil {
		return deletion{}, err
	}
	if versionID != "" {
		for _, v := range versions {
			if v.VersionID != versionID {
				continue
			}
			if isLocked, _ := locked(v, q.now, q.bypassGovernance(b, key)); isLocked {
				return deletion{}, errLocked()
			}
			return deletion{versionID: v.VersionID, deleteMarker: v.DeleteMarker}, dropVersion(tx, v)
		}
		return deletion{versionID: versionID}, nil // S3 answers 204 for a version that is not there
	}
	switch b.Versioning {
	case "":
		for _, v := range versions {
			if err := dropVersion(tx, v); err != nil {
				return deletion{}, err
			}
		}
		return deletion{}, nil
	case "Suspended":
		for _, v := range versions {
			if v.VersionID == "null" {
				if err := dropVersion(tx, v); err != nil {
					return deletion{}, err
				}
			}
		}
	}
	marker := Version{Bucket: b.Name, Key: key, DeleteMarker: true, Modified: q.now, VersionID: "null"}
	if b.Versioning == "Enabled" {
		marker.VersionID = newVersionID()
	}
	b.Seq++
	marker.Seq = b.Seq
	if err := putVersion(tx, marker); err != nil {
		return deletion{}, err
	}
	return deletion{versionID: marker.VersionID, deleteMarker: true}, PutBucket(tx, *b)
}

func (q *request) deleteObject() error {
	versionID := q.query.Get("versionId")
	return q.inBucket(true, "", func(tx store.Tx, b *Bucket) error {
		d, err := q.deleteOne(tx, b, q.key, versionID)
		if err != nil {
			return err
		}
		if d.versionID != "" && b.Versioning != "" {
			q.w.Header().Set("X-Amz-Version-Id", d.versionID)
		}
		if d.deleteMarker {
			q.w.Header().Set("X-Amz-Delete-Marker", "true")
		}
		return q.noContent()
	})
}

func (q *request) deleteObjects() error {
	if err := q.requireIntegrityHeader(); err != nil {
		return err
	}
	var req deleteRequest
	if err := q.decodeXML(&req); err != nil {
		return err
	}
	if len(req.Objects) == 0 || len(req.Objects) > 1000 {
		return errMalformedXML()
	}
	out := deleteResult{Xmlns: xmlns}
	err := q.inBucket(true, "", func(tx store.Tx, b *Bucket) error {
		for _, o := range req.Objects {
			d, err := q.deleteOne(tx, b, o.Key, o.VersionID)
			if err != nil {
				e := asError(err)
				if e.Status >= 500 {
					return err
				}
				out.Errors = append(out.Errors, deleteError{Key: o.Key, VersionID: o.VersionID, Code: e.Code, Message: e.Message})
				continue
			}
			if req.Quiet {
				continue
			}
			item := deletedItem{Key: o.Key, VersionID: o.VersionID}
			if d.deleteMarker {
				item.DeleteMarker = true
				if o.VersionID == "" {
					item.DeleteMarkerVersionID = d.versionID
				}
			}
			out.Deleted = append(out.Deleted, item)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return q.ok(out)
}

// ---- listings ----

func maxKeys(q *request) (int, error) {
	v := q.query.Get("max-keys")
	if v == "" {
		return 1000, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, errInvalidArgument("Provided max-keys not an integer or within integer range")
	}
	return min(n, 1000), nil
}

func (q *request) listVersions() error {
	limit, err := maxKeys(q)
	if err != nil {
		return err
	}
	prefix, delimiter := q.query.Get("prefix"), q.query.Get("delimiter")
	keyMarker, versionMarker := q.query.Get("key-marker"), q.query.Get("version-id-marker")
	return q.inBucket(false, "s3:ListBucketVersions", func(tx store.Tx, b *Bucket) error {
		all, err := Versions(tx, b.Name)
		if err != nil {
			return err
		}
		out := listVersionsResult{Xmlns: xmlns, Name: b.Name, Prefix: prefix, KeyMarker: keyMarker,
			VersionIDMarker: versionMarker, MaxKeys: limit, Delimiter: delimiter}
		own := owner{ID: b.Owner}
		started := keyMarker == ""
		prefixes := map[string]bool{}
		count := 0
		for i, v := range all {
			latest := i == 0 || all[i-1].Key != v.Key
			if !started {
				switch {
				case v.Key < keyMarker:
					continue
				case v.Key == keyMarker && versionMarker == "":
					continue
				case v.Key == keyMarker:
					if v.VersionID == versionMarker {
						started = true
					}
					continue
				}
				started = true
			}
			if !strings.HasPrefix(v.Key, prefix) {
				continue
			}
			if delimiter != "" {
				if rest := strings.TrimPrefix(v.Key, prefix); strings.Contains(rest, delimiter) {
					cp := prefix + rest[:strings.Index(rest, delimiter)+len(delimiter)]
					if !prefixes[cp] {
						if count == limit {
							out.IsTruncated = true
							break
						}
						prefixes[cp] = true
						out.CommonPrefixes = append(out.CommonPrefixes, commonPrefix{Prefix: cp})
						count++
					}
					continue
				}
			}
			if count == limit {
				out.IsTruncated = true
				break
			}
			if v.DeleteMarker {
				out.Entries = append(out.Entries, deleteMarkerEntry{Key: v.Key, VersionID: v.VersionID, IsLatest: latest,
					LastModified: xmlTime(v.Modified), Owner: own})
			} else {
				out.Entries = append(out.Entries, versionEntry{Key: v.Key, VersionID: v.VersionID, IsLatest: latest,
					LastModified: xmlTime(v.Modified), ETag: v.ETag, Size: v.Size, StorageClass: "STANDARD", Owner: own})
			}
			out.NextKeyMarker, out.NextVersionIDMarker = v.Key, v.VersionID
			count++
		}
		if !out.IsTruncated {
			out.NextKeyMarker, out.NextVersionIDMarker = "", ""
		}
		return q.ok(out)
	})
}

// currentObjects are a bucket's objects whose latest version is not a
// delete marker, sorted by key.
func currentObjects(tx store.Tx, bucket string) ([]Version, error) {
	_, _, current, err := Stats(tx, bucket)
	sort.Slice(current, func(i, j int) bool { return current[i].Key < current[j].Key })
	return current, err
}

// listPage walks current objects after `after`, grouping by delimiter, up
// to limit entries; it returns the page and the last key or prefix shown.
func listPage(objects []Version, prefix, delimiter, after string, limit int) (items []Version, prefixes []string, last string, truncated bool) {
	seen := map[string]bool{}
	for _, v := range objects {
		if !strings.HasPrefix(v.Key, prefix) || v.Key <= after {
			continue
		}
		if delimiter != "" {
			if rest := strings.TrimPrefix(v.Key, prefix); strings.Contains(rest, delimiter) {
				cp := prefix + rest[:strings.Index(rest, delimiter)+len(delimiter)]
				if seen[cp] || cp <= after {
					continue
				}
				if len(items)+len(prefixes) == limit {
					return items, prefixes, last, true
				}
				seen[cp] = true
				prefixes = append(prefixes, cp)
				last = cp
				continue
			}
		}
		if len(items)+len(prefixes) == limit {
			return items, prefixes, last, true
		}
		items = append(items, v)
		last = v.Key
	}
	return items, prefixes, last, false
}

func (q *request) listObjectsV2() error {
	limit, err := maxKeys(q)
	if err != nil {
		return err
	}
	prefix, delimiter := q.query.Get("prefix"), q.query.Get("delimiter")
	after := q.query.Get("start-after")
	token := q.query.Get("continuation-token")
	if token != "" {
		raw, err := base64.URLEncoding.DecodeString(token)
		if err != nil {
			return errInvalidArgument("The continuation token provided is incorrect")
		}
		after = string(raw)
	}
	return q.inBucket(false, "s3:ListBucket", func(tx store.Tx, b *Bucket) error {
		objects, err := currentObjects(tx, b.Name)
		if err != nil {
			return err
		}
		items, prefixes, last, truncated := listPage(objects, prefix, delimiter, after, limit)
		n := len(items) + len(prefixes)
		out := listBucketResult{Xmlns: xmlns, Name: b.Name, Prefix: prefix, MaxKeys: limit, Delimiter: delimiter,
			IsTruncated: truncated, KeyCount: &n, ContinuationToken: token, StartAfter: q.query.Get("start-after")}
		if truncated {
			out.NextContinuationToken = base64.URLEncoding.EncodeToString([]byte(last))
		}
		fetchOwner := q.query.Get("fetch-owner") == "true"
		for _, v := range items {
			item := objectItem{Key: v.Key, LastModified: xmlTime(v.Modified), ETag: v.ETag, Size: v.Size, StorageClass: "STANDARD"}
			if fetchOwner {
				item.Owner = &owner{ID: b.Owner}
			}
			out.Contents = append(out.Contents, item)
		}
		for _, p := range prefixes {
			out.CommonPrefixes = append(out.CommonPrefixes, commonPrefix{Prefix: p})
		}
		return q.ok(out)
	})
}

func (q *request) listObjectsV1() error {
	limit, err := maxKeys(q)
	if err != nil {
		return err
	}
	prefix, delimiter, marker := q.query.Get("prefix"), q.query.Get("delimiter"), q.query.Get("marker")
	return q.inBucket(false, "s3:ListBucket", func(tx store.Tx, b *Bucket) error {
		objects, err := currentObjects(tx, b.Name)
		if err != nil {
			return err
		}
		items, prefixes, last, truncated := listPage(objects, prefix, delimiter, marker, limit)
		out := listBucketResult{Xmlns: xmlns, Name: b.Name, Prefix: prefix, Marker: &marker, MaxKeys: limit,
			Delimiter: delimiter, IsTruncated: truncated}
		if truncated && delimiter != "" {
			out.NextMarker = last
		}
		for _, v := range items {
			out.Contents = append(out.Contents, objectItem{Key: v.Key, LastModified: xmlTime(v.Modified), ETag: v.ETag,
				Size: v.Size, StorageClass: "STANDARD", Owner: &owner{ID: b.Owner}})
		}
		for _, p := range prefixes {
			out.CommonPrefixes = append(out.CommonPrefixes, commonPrefix{Prefix: p})
		}
		return q.ok(out)
	})
}

// ---- object ACL, retention, legal hold ----

func (q *request) putObjectACL() error {
	acl, err := cannedACL(q.r.Header.Get("X-Amz-Acl"))
	if err != nil {
		return err
	}
	if q.r.Header.Get("X-Amz-Acl") == "" {
		return errNotImplemented()
	}
	versionID := q.query.Get("versionId")
	return q.inBucket(true, "", func(tx store.Tx, b *Bucket) error {
		if err := q.authorize(b, "s3:PutObjectAcl", objectARN(b.Name, q.key)); err != nil {
			return err
		}
		versions, err := versionsOf(tx, b.Name, q.key)
		if err != nil {
			return err
		}
		v, err := pickVersion(versions, versionID, q.key)
		if err != nil {
			return err
		}
		if v.DeleteMarker {
			return errNoSuchKey(q.key)
		}
		v.ACL = acl
		if err := putVersion(tx, v); err != nil {
			return err
		}
		q.w.WriteHeader(http.StatusOK)
		return nil
	})
}

// lockedVersion finds the version a retention or legal hold call names.
func (q *request) lockedVersion(tx store.Tx, b *Bucket, action string) (Version, error) {
	if err := q.authorize(b, action, objectARN(b.Name, q.key)); err != nil {
		return Version{}, err
	}
	if !b.ObjectLockEnabled {
		return Version{}, errInvalidRequest("Bucket is missing Object Lock Configuration")
	}
	versions, err := versionsOf(tx, b.Name, q.key)
	if err != nil {
		return Version{}, err
	}
	v, err := pickVersion(versions, q.query.Get("versionId"), q.key)
	if err == nil && v.DeleteMarker {
		return v, &Error{Status: http.StatusMethodNotAllowed, Code: "MethodNotAllowed",
			Message: "The specified method is not allowed against this resource."}
	}
	return v, err
}

func errNoLockConfiguration() *Error {
	return &Error{Status: http.StatusNotFound, Code: "NoSuchObjectLockConfiguration",
		Message: "The specified object does not have a ObjectLock configuration"}
}

func (q *request) getRetention() error {
	return q.inBucket(false, "", func(tx store.Tx, b *Bucket) error {
		v, err := q.lockedVersion(tx, b, "s3:GetObjectRetention")
		if err != nil {
			return err
		}
		if v.LockMode == "" || v.RetainUntil == nil {
			return errNoLockConfiguration()
		}
		return q.ok(retention{Xmlns: xmlns, Mode: v.LockMode, RetainUntilDate: xmlTime(*v.RetainUntil)})
	})
}

func (q *request) getLegalHold() error {
	return q.inBucket(false, "", func(tx store.Tx, b *Bucket) error {
		v, err := q.lockedVersion(tx, b, "s3:GetObjectLegalHold")
		if err != nil {
			return err
		}
		if !v.LegalHold {
			return errNoLockConfiguration()
		}
		return q.ok(legalHold{Xmlns: xmlns, Status: "ON"})
	})
}
