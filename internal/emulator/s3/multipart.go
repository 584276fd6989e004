package s3

import (
	"crypto/md5" //nolint:gosec // S3's part ETags are MD5 by definition
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// Multipart uploads, as S3 documents them and both clouds' stores serve
// them: CreateMultipartUpload, UploadPart (and UploadPartCopy),
// CompleteMultipartUpload, AbortMultipartUpload, ListParts and
// ListMultipartUploads.
//
// An upload fixes at its creation what the object will be: content type,
// metadata, canned ACL, encryption (an SSE-C key that every UploadPart must
// carry again, or the store's keys), explicit object lock settings. The
// object appears only when the upload completes, as a new version with the
// bucket's versioning, the bucket's default retention when none was given,
// and the conditional headers (If-None-Match, If-Match) of the completion
// applied to the key's current version. Its ETag is the MD5 of the parts'
// binary MD5s followed by "-<number of parts>".
//
// The policy actions are S3's: s3:PutObject for creating, uploading and
// completing, s3:AbortMultipartUpload, s3:ListMultipartUploadParts and
// s3:ListBucketMultipartUploads, the names OVHcloud's user policy guide
// lists too.

const (
	// minPartSize is the smallest part but the last, 5 MiB.
	minPartSize = 5 << 20
	// maxPartNumber is the largest part number.
	maxPartNumber = 10000
)

// newUploadID returns an upload id: long, random and URL-safe, as S3's are.
func newUploadID() string {
	var b [48]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func errNoSuchUpload(id string) *Error {
	return &Error{Status: http.StatusNotFound, Code: "NoSuchUpload",
		Message: "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
		Extra:   map[string]string{"UploadId": id}}
}

// loadUpload finds the upload the request's uploadId names, on its key.
func (q *request) loadUpload(tx store.Tx, b *Bucket) (Upload, error) {
	id := q.query.Get("uploadId")
	u, found, err := store.Get[Upload](tx, CollUploads, uploadDocID(b.Name, id))
	if err != nil {
		return u, err
	}
	if !found || u.Key != q.key {
		return u, errNoSuchUpload(id)
	}
	return u, nil
}

// initiator names who started an upload: the OVHcloud user, or the account.
func (u Upload) initiator() owner {
	if u.Initiator != "" {
		return owner{ID: u.Initiator}
	}
	return owner{ID: u.Owner}
}

// ---- CreateMultipartUpload ----

func (q *request) createMultipartUpload() error {
	if len(q.key) > 1024 {
		return &Error{Status: http.StatusBadRequest, Code: "KeyTooLongError", Message: "Your key is too long"}
	}
	ck, sse, err := q.encryptionRequest()
	if err != nil {
		return err
	}
	acl, err := cannedACL(q.r.Header.Get("X-Amz-Acl"))
	if err != nil {
		return err
	}
	checksum := strings.ToLower(q.r.Header.Get("X-Amz-Checksum-Algorithm"))
	if _, ok := checksumAlgorithms[checksum]; checksum != "" && !ok {
		return errInvalidRequest("Value for x-amz-checksum-algorithm header is invalid.")
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
		var lock Version
		explicit := q.hasLockHeaders()
		if explicit {
			if !b.ObjectLockEnabled {
				return errInvalidRequest("Bucket is missing Object Lock Configuration")
			}
			if err := q.explicitLock(b, &lock); err != nil {
				return err
			}
		}
		b.Seq++
		u := Upload{Bucket: b.Name, Key: q.key, UploadID: newUploadID(), Seq: b.Seq, Initiated: q.now,
			Owner: q.caller.owner, Initiator: q.caller.user, ContentType: q.r.Header.Get("Content-Type"),
			Metadata: userMetadata(q.r.Header), ACL: acl, ExplicitLock: explicit, LockMode: lock.LockMode,
			RetainUntil: lock.RetainUntil, LegalHold: lock.LegalHold, ChecksumAlgorithm: checksum}
		if ck != nil {
			u.SSECKeyMD5 = ck.keyMD5
		} else {
			u.SSE = storeEncryption(b, sse)
		}
		if err := store.Put(tx, CollUploads, uploadDocID(b.Name, u.UploadID), u); err != nil {
			return err
		}
		if err := PutBucket(tx, *b); err != nil {
			return err
		}
		q.encryptionHeaders(u.SSE, u.SSECKeyMD5)
		if checksum != "" {
			q.w.Header().Set("X-Amz-Checksum-Algorithm", strings.ToUpper(checksum))
		}
		return q.ok(initiateMultipartUploadResult{Xmlns: xmlns, Bucket: b.Name, Key: q.key, UploadID: u.UploadID})
	})
}

// ---- UploadPart, UploadPartCopy ----

func partNumberOf(v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxPartNumber {
		return 0, &Error{Status: http.StatusBadRequest, Code: "InvalidArgument",
			Message: "Part number must be an integer between 1 and 10000, inclusive",
			Extra:   map[string]string{"ArgumentName": "partNumber", "ArgumentValue": v}}
	}
	return n, nil
}

// checkPartKey: the parts of an SSE-C upload come with the key the upload
// was created with, and those of any other upload with none.
func checkPartKey(u Upload, ck *customerKey) error {
	switch {
	case u.SSECKeyMD5 != "" && ck == nil:
		return errInvalidRequest("The multipart upload initiate requested encryption. Subsequent part requests must include the appropriate encryption parameters.")
	case u.SSECKeyMD5 == "" && ck != nil:
		// The wording is the emulator's (unverified).
		return errInvalidRequest("The multipart upload initiate did not request encryption with a customer provided key. Subsequent part requests must not include encryption parameters.")
	case ck != nil && ck.keyMD5 != u.SSECKeyMD5:
		return errInvalidRequest("The provided encryption parameters did not match the ones used originally.")
	}
	return nil
}

func (q *request) uploadPart() error {
	number, err := partNumberOf(q.query.Get("partNumber"))
	if err != nil {
		return err
	}
	if q.r.Header.Get("X-Amz-Copy-Source") != "" {
		return q.uploadPartCopy(number)
	}
	data, trailers, err := q.payload()
	if err != nil {
		return err
	}
	checksums, err := q.integrity(data, trailers)
	if err != nil {
		return err
	}
	ck, err := q.sseC()
	if err != nil {
		return err
	}
	return q.inBucket(true, "", func(tx store.Tx, b *Bucket) error {
		if err := q.authorize(b, "s3:PutObject", objectARN(b.Name, q.key)); err != nil {
			return err
		}
		u, err := q.loadUpload(tx, b)
		if err != nil {
			return err
		}
		if err := checkPartKey(u, ck); err != nil {
			return err
		}
		p, err := q.storePart(tx, &u, number, data, checksums, ck)
		if err != nil {
			return err
		}
		q.encryptionHeaders(u.SSE, u.SSECKeyMD5)
		for alg, val := range checksums {
			q.w.Header().Set("X-Amz-Checksum-"+alg, val)
		}
		q.w.Header().Set("ETag", p.ETag)
		q.w.WriteHeader(http.StatusOK)
		return nil
	})
}

// storePart keeps data as part number of u, sealed with the customer's key
// for an SSE-C upload; a part uploaded again replaces the one before.
func (q *request) storePart(tx store.Tx, u *Upload, number int, data []byte, checksums map[string]string, ck *customerKey) (Part, error) {
	stored := data
	if ck != nil {
		stored = ck.seal(data)
	}
	sum := md5.Sum(stored) //nolint:gosec // ETag
	p := Part{Number: number, ETag: `"` + hex.EncodeToString(sum[:]) + `"`, Size: int64(len(data)),
		Stored: int64(len(stored)), Modified: q.now}
	if len(checksums) > 0 {
		p.Checksums = checksums
	}
	if err := store.Put(tx, CollParts, partDocID(u.Bucket, u.UploadID, number), partData{Data: stored}); err != nil {
		return p, err
	}
	if u.Parts == nil {
		u.Parts = map[int]Part{}
	}
	u.Parts[number] = p
	return p, store.Put(tx, CollUploads, uploadDocID(u.Bucket, u.UploadID), *u)
}

// parseCopySource reads x-amz-copy-source: "[/]bucket/key[?versionId=id]",
// URL-encoded.
func parseCopySource(v string) (bucket, key, versionID string, err error) {
	path, query, _ := strings.Cut(v, "?")
	if query != "" {
		values, perr := url.ParseQuery(query)
		if perr != nil {
			return "", "", "", errInvalidArgument("Invalid copy source: %s", v)
		}
		versionID = values.Get("versionId")
	}
	decoded, perr := url.PathUnescape(strings.TrimPrefix(path, "/"))
	if perr != nil {
		return "", "", "", errInvalidArgument("Invalid copy source encoding")
	}
	bucket, key, _ = strings.Cut(decoded, "/")
	if bucket == "" || key == "" {
		return "", "", "", &Error{Status: http.StatusBadRequest, Code: "InvalidArgument",
			Message: "Copy Source must mention the source bucket and key: sourcebucket/sourcekey",
			Extra:   map[string]string{"ArgumentName": "x-amz-copy-source", "ArgumentValue": v}}
	}
	return bucket, key, versionID, nil
}

// copyRange reads x-amz-copy-source-range ("bytes=first-last") against a
// source of size bytes.
func copyRange(v string, size int) (int, int, error) {
	bad := errInvalidArgument("Range specified is not valid for source object of size: %d", size)
	spec, ok := strings.CutPrefix(v, "bytes=")
	if !ok {
		return 0, 0, errInvalidArgument("The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy")
	}
	a, b, ok := strings.Cut(spec, "-")
	first, err1 := strconv.Atoi(a)
	last, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || first < 0 || last < first || last >= size {
		return 0, 0, bad
	}
	return first, last + 1, nil
}

// uploadPartCopy makes a part of (a range of) an existing object, which
// the caller must be allowed to read.
func (q *request) uploadPartCopy(number int) error {
	srcBucket, srcKey, srcVersion, err := parseCopySource(q.r.Header.Get("X-Amz-Copy-Source"))
	if err != nil {
		return err
	}
	for _, cond := range []string{"If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since"} {
		if q.r.Header.Get("X-Amz-Copy-Source-"+cond) != "" {
			return errNotImplemented() // conditional copies are not emulated
		}
	}
	ck, err := q.sseC()
	if err != nil {
		return err
	}
	srcCK, err := q.customerKeyFrom("X-Amz-Copy-Source-Server-Side-Encryption-Customer-")
	if err != nil {
		return err
	}
	return q.inBucket(true, "", func(tx store.Tx, b *Bucket) error {
		if err := q.authorize(b, "s3:PutObject", objectARN(b.Name, q.key)); err != nil {
			return err
		}
		u, err := q.loadUpload(tx, b)
		if err != nil {
			return err
		}
		if err := checkPartKey(u, ck); err != nil {
			return err
		}
		src, found, err := LoadBucket(tx, srcBucket)
		if err != nil {
			return err
		}
		if !found {
			return errNoSuchBucket(srcBucket)
		}
		if err := q.authorize(&src, actionFor(&src, "s3:GetObject", srcVersion != ""), objectARN(srcBucket, srcKey)); err != nil {
			return err
		}
		versions, err := versionsOf(tx, srcBucket, srcKey)
		if err != nil {
			return err
		}
		v, err := pickVersion(versions, srcVersion, srcKey)
		switch {
		case err != nil:
			return err
		case v.DeleteMarker && srcVersion != "":
			return errInvalidRequest("The source of a copy request may not specifically refer to a delete marker by version id.")
		case v.DeleteMarker:
			return errNoSuchKey(srcKey)
		}
		data := v.Data
		switch {
		case v.SSECKeyMD5 != "" && srcCK == nil:
			return errInvalidRequest("The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.")
		case v.SSECKeyMD5 != "" && srcCK.keyMD5 != v.SSECKeyMD5:
			return errAccessDenied()
		case v.SSECKeyMD5 != "":
			if data, err = srcCK.openObject(v); err != nil {
				return errAccessDenied()
			}
		case srcCK != nil:
			return errInvalidRequest("The encryption parameters are not applicable to this object.")
		}
		if rng := q.r.Header.Get("X-Amz-Copy-Source-Range"); rng != "" {
			first, end, err := copyRange(rng, len(data))
			if err != nil {
				return err
			}
			data = data[first:end]
		}
		p, err := q.storePart(tx, &u, number, data, nil, ck)
		if err != nil {
			return err
		}
		if b.Versioning != "" && src.Versioning != "" {
			q.w.Header().Set("X-Amz-Copy-Source-Version-Id", v.VersionID)
		}
		q.encryptionHeaders(u.SSE, u.SSECKeyMD5)
		return q.ok(copyPartResult{Xmlns: xmlns, LastModified: xmlTime(p.Modified), ETag: p.ETag})
	})
}

// ---- CompleteMultipartUpload ----

func errInvalidPart(uploadID string, p completedPart) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "InvalidPart",
		Message: "One or more of the specified parts could not be found. The part might not have been uploaded, or the specified entity tag might not have matched the part's entity tag.",
		Extra:   map[string]string{"UploadId": uploadID, "PartNumber": strconv.Itoa(p.PartNumber), "ETag": p.ETag}}
}

// checksumsAgree: every checksum a completion names for a part is the
// one the part was uploaded with.
func checksumsAgree(named, uploaded map[string]string) bool {
	for alg, v := range named {
		if uploaded[alg] != v {
			return false
		}
	}
	return true
}

func (q *request) completeMultipartUpload() error {
	var req completeMultipartUpload
	if err := q.decodeXML(&req); err != nil {
		return err
	}
	if len(req.Parts) == 0 {
		return errMalformedXML()
	}
	ck, err := q.sseC()
	if err != nil {
		return err
	}
	return q.inBucket(true, "", func(tx store.Tx, b *Bucket) error {
		if err := q.authorize(b, "s3:PutObject", objectARN(b.Name, q.key)); err != nil {
			return err
		}
		u, err := q.loadUpload(tx, b)
		if err != nil {
			return err
		}
		// SSE-C headers are optional on the completion, but must be the
		// upload's when given.
		if ck != nil && ck.keyMD5 != u.SSECKeyMD5 {
			return errInvalidRequest("The provided encryption parameters did not match the ones used originally.")
		}
		// The parts named, in ascending order, each as uploaded, each but
		// the last at least 5 MiB.
		for i := 1; i < len(req.Parts); i++ {
			if req.Parts[i].PartNumber <= req.Parts[i-1].PartNumber {
				return &Error{Status: http.StatusBadRequest, Code: "InvalidPartOrder",
					Message: "The list of parts was not in ascending order. Parts must be ordered by part number.",
					Extra:   map[string]string{"UploadId": u.UploadID}}
			}
		}
		chosen := make([]Part, 0, len(req.Parts))
		for i, named := range req.Parts {
			p, ok := u.Parts[named.PartNumber]
			if !ok || strings.Trim(named.ETag, `"`) != strings.Trim(p.ETag, `"`) || !checksumsAgree(named.checksums(), p.Checksums) {
				return errInvalidPart(u.UploadID, named)
			}
			if i < len(req.Parts)-1 && p.Size < minPartSize {
				return &Error{Status: http.StatusBadRequest, Code: "EntityTooSmall",
					Message: "Your proposed upload is smaller than the minimum allowed object size.",
					Extra: map[string]string{"ProposedSize": strconv.FormatInt(p.Size, 10), "MinSizeAllowed": strconv.Itoa(minPartSize),
						"PartNumber": strconv.Itoa(p.Number), "ETag": strings.Trim(p.ETag, `"`)}}
			}
			chosen = append(chosen, p)
		}

		current, existing, err := currentVersion(tx, b.Name, q.key)
		if err != nil {
			return err
		}
		if err := q.preconditions(current); err != nil {
			return err
		}

		v := Version{Bucket: b.Name, Key: q.key, Modified: q.now, ContentType: u.ContentType, Metadata: u.Metadata,
			ACL: u.ACL, SSE: u.SSE, SSECKeyMD5: u.SSECKeyMD5, LockMode: u.LockMode, RetainUntil: u.RetainUntil, LegalHold: u.LegalHold}
		if !u.ExplicitLock {
			defaultLock(b, &v, q.now)
		}
		digests := md5.New() //nolint:gosec // ETag
		for _, p := range chosen {
			d, found, err := store.Get[partData](tx, CollParts, partDocID(b.Name, u.UploadID, p.Number))
			if err != nil {
				return err
			}
			if !found {
				return fmt.Errorf("the data of part %d of upload %s is missing", p.Number, u.UploadID)
			}
			v.Data = append(v.Data, d.Data...)
			v.Size += p.Size
			if u.SSECKeyMD5 != "" {
				v.Segments = append(v.Segments, p.Stored)
			}
			raw, _ := hex.DecodeString(strings.Trim(p.ETag, `"`))
			digests.Write(raw)
		}
		v.ETag = fmt.Sprintf(`"%s-%d"`, hex.EncodeToString(digests.Sum(nil)), len(chosen))
		if err := commitVersion(tx, b, &v, existing); err != nil {
			return err
		}
		// Parts uploaded but not named go with the upload.
		if err := dropUpload(tx, u); err != nil {
			return err
		}
		q.encryptionHeaders(v.SSE, v.SSECKeyMD5)
		if b.Versioning != "" {
			q.w.Header().Set("X-Amz-Version-Id", v.VersionID)
		}
		return q.ok(completeMultipartUploadResult{Xmlns: xmlns, Location: "http://" + q.r.Host + Prefix + "/" + b.Name + "/" + q.key,
			Bucket: b.Name, Key: q.key, ETag: v.ETag})
	})
}

// ---- AbortMultipartUpload ----

func (q *request) abortMultipartUpload() error {
	return q.inBucket(true, "", func(tx store.Tx, b *Bucket) error {
		if err := q.authorize(b, "s3:AbortMultipartUpload", objectARN(b.Name, q.key)); err != nil {
			return err
		}
		u, err := q.loadUpload(tx, b)
		if err != nil {
			return err
		}
		if err := dropUpload(tx, u); err != nil {
			return err
		}
		return q.noContent()
	})
}

// ---- ListParts, ListMultipartUploads ----

// intParam reads a non-negative integer query parameter, def when absent.
func (q *request) intParam(name string, def int) (int, error) {
	v := q.query.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, errInvalidArgument("Provided %s not an integer or within integer range", name)
	}
	return n, nil
}

func (q *request) listParts() error {
	limit, err := q.intParam("max-parts", 1000)
	if err != nil {
		return err
	}
	limit = min(limit, 1000)
	marker, err := q.intParam("part-number-marker", 0)
	if err != nil {
		return err
	}
	return q.inBucket(false, "", func(tx store.Tx, b *Bucket) error {
		if err := q.authorize(b, "s3:ListMultipartUploadParts", objectARN(b.Name, q.key)); err != nil {
			return err
		}
		u, err := q.loadUpload(tx, b)
		if err != nil {
			return err
		}
		out := listPartsResult{Xmlns: xmlns, Bucket: b.Name, Key: u.Key, UploadID: u.UploadID, Initiator: u.initiator(),
			Owner: owner{ID: u.Owner}, StorageClass: "STANDARD", PartNumberMarker: marker, MaxParts: limit,
			ChecksumAlgorithm: strings.ToUpper(u.ChecksumAlgorithm)}
		numbers := make([]int, 0, len(u.Parts))
		for n := range u.Parts {
			if n > marker {
				numbers = append(numbers, n)
			}
		}
		sort.Ints(numbers)
		for _, n := range numbers {
			if len(out.Parts) == limit {
				out.IsTruncated = true
				break
			}
			p := u.Parts[n]
			out.Parts = append(out.Parts, partItem{PartNumber: n, LastModified: xmlTime(p.Modified), ETag: p.ETag, Size: p.Size,
				ChecksumCRC32: p.Checksums["crc32"], ChecksumCRC32C: p.Checksums["crc32c"],
				ChecksumSHA1: p.Checksums["sha1"], ChecksumSHA256: p.Checksums["sha256"]})
			out.NextPartNumberMarker = n
		}
		return q.ok(out)
	})
}

func (q *request) listMultipartUploads() error {
	limit, err := q.intParam("max-uploads", 1000)
	if err != nil {
		return err
	}
	limit = min(limit, 1000)
	prefix, delimiter := q.query.Get("prefix"), q.query.Get("delimiter")
	keyMarker, idMarker := q.query.Get("key-marker"), q.query.Get("upload-id-marker")
	return q.inBucket(false, "s3:ListBucketMultipartUploads", func(tx store.Tx, b *Bucket) error {
		uploads, err := Uploads(tx, b.Name)
		if err != nil {
			return err
		}
		// With both markers, the listing goes on after that upload of the
		// marker key; with the key marker alone, after the key.
		markerSeq := int64(-1)
		for _, u := range uploads {
			if idMarker != "" && u.Key == keyMarker && u.UploadID == idMarker {
				markerSeq = u.Seq
			}
		}
		out := listMultipartUploadsResult{Xmlns: xmlns, Bucket: b.Name, KeyMarker: keyMarker, UploadIDMarker: idMarker,
			Delimiter: delimiter, Prefix: prefix, MaxUploads: limit}
		seen := map[string]bool{}
		count := 0
		for _, u := range uploads {
			if u.Key < keyMarker || (u.Key == keyMarker && (markerSeq < 0 || u.Seq <= markerSeq)) {
				continue
			}
			if !strings.HasPrefix(u.Key, prefix) {
				continue
			}
			if delimiter != "" {
				if rest := strings.TrimPrefix(u.Key, prefix); strings.Contains(rest, delimiter) {
					cp := prefix + rest[:strings.Index(rest, delimiter)+len(delimiter)]
					if seen[cp] {
						// The markers move past every key of the prefix,
						// so the next page does not list it again.
						out.NextKeyMarker, out.NextUploadIDMarker = u.Key, u.UploadID
						continue
					}
					if count == limit {
						out.IsTruncated = true
						break
					}
					seen[cp] = true
					out.CommonPrefixes = append(out.CommonPrefixes, commonPrefix{Prefix: cp})
					out.NextKeyMarker, out.NextUploadIDMarker = u.Key, u.UploadID
					count++
					continue
				}
			}
			if count == limit {
				out.IsTruncated = true
				break
			}
			out.Uploads = append(out.Uploads, uploadItem{Key: u.Key, UploadID: u.UploadID, Initiator: u.initiator(),
				Owner: owner{ID: u.Owner}, StorageClass: "STANDARD", Initiated: xmlTime(u.Initiated)})
			out.NextKeyMarker, out.NextUploadIDMarker = u.Key, u.UploadID
			count++
		}
		if !out.IsTruncated {
			out.NextKeyMarker, out.NextUploadIDMarker = "", ""
		}
		return q.ok(out)
	})
}
