package s3

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// Bucket calls: create, head, list, delete, and the bucket's configuration
// subresources.

// CheckBucketName says which of S3's bucket naming rules name breaks, or
// nil. The OVHcloud API applies the same rules to the buckets it makes.
func CheckBucketName(name string) error {
	switch {
	case len(name) < 3 || len(name) > 63:
		return fmt.Errorf("a bucket name is 3 to 63 characters long")
	case strings.Trim(name, "abcdefghijklmnopqrstuvwxyz0123456789.-") != "":
		return fmt.Errorf("a bucket name holds only lowercase letters, digits, dots and hyphens")
	case !isAlnum(name[0]) || !isAlnum(name[len(name)-1]):
		return fmt.Errorf("a bucket name begins and ends with a letter or a digit")
	case strings.Contains(name, ".."):
		return fmt.Errorf("a bucket name has no two adjacent dots")
	}
	if a, err := netip.ParseAddr(name); err == nil && a.Is4() {
		return fmt.Errorf("a bucket name is not an IP address")
	}
	for _, p := range []string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if strings.HasPrefix(name, p) {
			return fmt.Errorf("a bucket name does not start with %q", p)
		}
	}
	for _, s := range []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"} {
		if strings.HasSuffix(name, s) {
			return fmt.Errorf("a bucket name does not end with %q", s)
		}
	}
	return nil
}

func isAlnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

func (q *request) listBuckets() error {
	if err := q.authorize(nil, "s3:ListAllMyBuckets", "*"); err != nil {
		return err
	}
	out := listAllMyBucketsResult{Xmlns: xmlns, Owner: owner{ID: q.caller.owner, DisplayName: q.caller.accountID()}}
	err := q.h.opts.Store.View(func(tx store.Tx) error {
		all, err := store.List[Bucket](tx, CollBuckets)
		for _, b := range all {
			if b.Owner == q.caller.owner {
				out.Buckets = append(out.Buckets, bucketItem{Name: b.Name, CreationDate: xmlTime(b.Created), BucketRegion: b.Region})
			}
		}
		return err
	})
	if err != nil {
		return err
	}
	return q.ok(out)
}

func (q *request) createBucket() error {
	if err := CheckBucketName(q.bucket); err != nil {
		return &Error{Status: http.StatusBadRequest, Code: "InvalidBucketName", Message: "The specified bucket is not valid.",
			Extra: map[string]string{"BucketName": q.bucket}}
	}
	region := q.region
	if len(q.body) > 0 {
		var cfg createBucketConfiguration
		if err := q.decodeXML(&cfg); err != nil {
			return err
		}
		if cfg.LocationConstraint != "" {
			region = cfg.LocationConstraint
		}
	}
	lock := false
	if v := q.r.Header.Get("X-Amz-Bucket-Object-Lock-Enabled"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return errInvalidArgument("x-amz-bucket-object-lock-enabled must be true or false")
		}
		lock = b
	}
	acl, err := cannedACL(q.r.Header.Get("X-Amz-Acl"))
	if err != nil {
		return err
	}
	if err := q.authorize(nil, "s3:CreateBucket", bucketARN(q.bucket)); err != nil {
		return err
	}
	err = q.h.opts.Store.Update(func(tx store.Tx) error {
		existing, found, err := LoadBucket(tx, q.bucket)
		switch {
		case err != nil:
			return err
		case found && existing.Owner == q.caller.owner:
			return &Error{Status: http.StatusConflict, Code: "BucketAlreadyOwnedByYou",
				Message: "Your previous request to create the named bucket succeeded and you already own it.",
				Extra:   map[string]string{"BucketName": q.bucket}}
		case found:
			return &Error{Status: http.StatusConflict, Code: "BucketAlreadyExists",
				Message: "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.",
				Extra:   map[string]string{"BucketName": q.bucket}}
		}
		return CreateBucket(tx, Bucket{Name: q.bucket, Owner: q.caller.owner, OwnerID: q.caller.user, Region: region,
			Created: q.now, ObjectLockEnabled: lock, ACL: acl})
	})
	if err != nil {
		return err
	}
	q.w.Header().Set("Location", "/"+q.bucket)
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (q *request) headBucket() error {
	return q.inBucket(false, "s3:ListBucket", func(_ store.Tx, b *Bucket) error {
		q.w.Header().Set("X-Amz-Bucket-Region", b.Region)
		q.w.WriteHeader(http.StatusOK)
		return nil
	})
}

func (q *request) getLocation() error {
	return q.inBucket(false, "s3:GetBucketLocation", func(_ store.Tx, b *Bucket) error {
		return q.ok(locationConstraint{Xmlns: xmlns, Value: b.Region})
	})
}

func (q *request) deleteBucket() error {
	return q.inBucket(true, "s3:DeleteBucket", func(tx store.Tx, b *Bucket) error {
		if err := DeleteBucket(tx, b.Name); errors.Is(err, ErrBucketNotEmpty) {
			return &Error{Status: http.StatusConflict, Code: "BucketNotEmpty", Message: "The bucket you tried to delete is not empty",
				Extra: map[string]string{"BucketName": b.Name}}
		} else if err != nil {
			return err
		}
		return q.noContent()
	})
}

// ---- versioning ----

func (q *request) getVersioning() error {
	return q.inBucket(false, "s3:GetBucketVersioning", func(_ store.Tx, b *Bucket) error {
		return q.ok(versioningConfiguration{Xmlns: xmlns, Status: b.Versioning})
	})
}

func (q *request) putVersioning() error {
	var cfg versioningConfiguration
	if err := q.decodeXML(&cfg); err != nil {
		return err
	}
	if cfg.Status != "Enabled" && cfg.Status != "Suspended" {
		return errMalformedXML()
	}
	return q.inBucket(true, "s3:PutBucketVersioning", func(tx store.Tx, b *Bucket) error {
		if b.ObjectLockEnabled && cfg.Status != "Enabled" {
			return &Error{Status: http.StatusConflict, Code: "InvalidBucketState",
				Message: "An Object Lock configuration is present on this bucket, so the versioning state cannot be changed."}
		}
		b.Versioning = cfg.Status
		if err := PutBucket(tx, *b); err != nil {
			return err
		}
		q.w.WriteHeader(http.StatusOK)
		return nil
	})
}

// ---- default encryption ----

func (q *request) getEncryption() error {
	return q.inBucket(false, "s3:GetEncryptionConfiguration", func(_ store.Tx, b *Bucket) error {
		if b.Encryption == nil {
			return &Error{Status: http.StatusNotFound, Code: "ServerSideEncryptionConfigurationNotFoundError",
				Message: "The server side encryption configuration was not found", Extra: map[string]string{"BucketName": b.Name}}
		}
		out := serverSideEncryptionConfiguration{Xmlns: xmlns, Rules: []serverSideEncRule{{}}}
		out.Rules[0].Default = &struct {
			SSEAlgorithm   string `xml:"SSEAlgorithm"`
			KMSMasterKeyID string `xml:"KMSMasterKeyID,omitempty"`
		}{b.Encryption.Algorithm, b.Encryption.KMSKeyID}
		f := false
		out.Rules[0].BucketKeyEnabled = &f
		return q.ok(out)
	})
}

func (q *request) putEncryption() error {
	var cfg serverSideEncryptionConfiguration
	if err := q.decodeXML(&cfg); err != nil {
		return err
	}
	if len(cfg.Rules) != 1 || cfg.Rules[0].Default == nil {
		return errMalformedXML()
	}
	d := cfg.Rules[0].Default
	return q.inBucket(true, "s3:PutEncryptionConfiguration", func(tx store.Tx, b *Bucket) error {
		switch {
		case d.SSEAlgorithm == "AES256" && d.KMSMasterKeyID == "":
		case d.SSEAlgorithm == "aws:kms" && b.Cloud() == "outscale":
			// OUTSCALE: "aws:kms currently corresponds to AES256" with
			// OUTSCALE's own key (Bucket Encryption Configuration Reference).
		default:
			return errInvalidArgument("The server-side encryption algorithm %q is not supported: use AES256.", d.SSEAlgorithm)
		}
		b.Encryption = &Encryption{Algorithm: d.SSEAlgorithm, KMSKeyID: d.KMSMasterKeyID}
		if err := PutBucket(tx, *b); err != nil {
			return err
		}
		q.w.WriteHeader(http.StatusOK)
		return nil
	})
}

func (q *request) deleteEncryption() error {
	return q.inBucket(true, "s3:PutEncryptionConfiguration", func(tx store.Tx, b *Bucket) error {
		b.Encryption = nil
		if err := PutBucket(tx, *b); err != nil {
			return err
		}
		return q.noContent()
	})
}

// ---- object lock ----

func (q *request) getObjectLock() error {
	return q.inBucket(false, "s3:GetBucketObjectLockConfiguration", func(_ store.Tx, b *Bucket) error {
		if !b.ObjectLockEnabled {
			return &Error{Status: http.StatusNotFound, Code: "ObjectLockConfigurationNotFoundError",
				Message: "Object Lock configuration does not exist for this bucket", Extra: map[string]string{"BucketName": b.Name}}
		}
		out := objectLockConfiguration{Xmlns: xmlns, ObjectLockEnabled: "Enabled"}
		if r := b.LockRule; r != nil {
			out.Rule = &objectLockRule{}
			out.Rule.DefaultRetention = &struct {
				Mode  string `xml:"Mode,omitempty"`
				Days  *int   `xml:"Days,omitempty"`
				Years *int   `xml:"Years,omitempty"`
			}{Mode: r.Mode}
			if r.Years > 0 {
				y := r.Years
				out.Rule.DefaultRetention.Years = &y
			} else {
				d := r.Days
				out.Rule.DefaultRetention.Days = &d
			}
		}
		return q.ok(out)
	})
}

func (q *request) putObjectLock() error {
	if err := q.requireIntegrityHeader(); err != nil {
		return err
	}
	var cfg objectLockConfiguration
	if err := q.decodeXML(&cfg); err != nil {
		return err
	}
	if cfg.ObjectLockEnabled != "Enabled" {
		return errMalformedXML()
	}
	var rule *LockRule
	if cfg.Rule != nil {
		d := cfg.Rule.DefaultRetention
		if d == nil || (d.Days == nil) == (d.Years == nil) {
			return errMalformedXML()
		}
		rule = &LockRule{Mode: d.Mode}
		if d.Days != nil {
			rule.Days = *d.Days
		} else {
			rule.Years = *d.Years
		}
		if rule.Days < 0 || rule.Years < 0 || rule.Days+rule.Years == 0 {
			return errInvalidArgument("Default retention period must be a positive integer value.")
		}
	}
	return q.inBucket(true, "s3:PutBucketObjectLockConfiguration", func(tx store.Tx, b *Bucket) error {
		if !b.ObjectLockEnabled {
			return &Error{Status: http.StatusConflict, Code: "InvalidBucketState",
				Message: "Object Lock configuration cannot be enabled on existing buckets."}
		}
		if rule != nil {
			if err := checkLockMode(b, rule.Mode); err != nil {
				return err
			}
		}
		b.LockRule = rule
		if err := PutBucket(tx, *b); err != nil {
			return err
		}
		q.w.WriteHeader(http.StatusOK)
		return nil
	})
}

// checkLockMode refuses a retention mode the bucket's cloud does not have:
// OUTSCALE "currently does not support GOVERNANCE mode" (Object Lock
// Configuration Reference). The wording of the refusal is the emulator's.
func checkLockMode(b *Bucket, mode string) error {
	switch {
	case mode != "GOVERNANCE" && mode != "COMPLIANCE":
		return errMalformedXML()
	case mode == "GOVERNANCE" && b.Cloud() == "outscale":
		return errInvalidArgument("OUTSCALE Object Storage does not support the GOVERNANCE retention mode: use COMPLIANCE.")
	}
	return nil
}

// ---- policy ----

func (q *request) getPolicy() error {
	return q.inBucket(false, "s3:GetBucketPolicy", func(_ store.Tx, b *Bucket) error {
		if b.Cloud() == "ovh" {
			return errNotImplemented()
		}
		if b.Policy == "" {
			return &Error{Status: http.StatusNotFound, Code: "NoSuchBucketPolicy", Message: "The bucket policy does not exist",
				Extra: map[string]string{"BucketName": b.Name}}
		}
		q.w.Header().Set("Content-Type", "application/json")
		q.w.WriteHeader(http.StatusOK)
		_, _ = q.w.Write([]byte(b.Policy))
		return nil
	})
}

func (q *request) putPolicy() error {
	return q.inBucket(true, "s3:PutBucketPolicy", func(tx store.Tx, b *Bucket) error {
		if b.Cloud() == "ovh" {
			return errNotImplemented() // "Bucket policies is a feature that is not yet available"
		}
		if _, err := parsePolicy(string(q.body), bucketPolicy, b.Name, false); err != nil {
			return &Error{Status: http.StatusBadRequest, Code: "MalformedPolicy", Message: err.Error()}
		}
		b.Policy = string(q.body)
		if err := PutBucket(tx, *b); err != nil {
			return err
		}
		return q.noContent()
	})
}

func (q *request) deletePolicy() error {
	return q.inBucket(true, "s3:DeleteBucketPolicy", func(tx store.Tx, b *Bucket) error {
		if b.Cloud() == "ovh" {
			return errNotImplemented()
		}
		b.Policy = ""
		if err := PutBucket(tx, *b); err != nil {
			return err
		}
		return q.noContent()
	})
}

// ---- lifecycle ----

func (q *request) getLifecycle() error {
	return q.inBucket(false, "s3:GetLifecycleConfiguration", func(_ store.Tx, b *Bucket) error {
		if len(b.Lifecycle) == 0 {
			return &Error{Status: http.StatusNotFound, Code: "NoSuchLifecycleConfiguration",
				Message: "The lifecycle configuration does not exist", Extra: map[string]string{"BucketName": b.Name}}
		}
		return q.ok(lifecycleConfiguration{Xmlns: xmlns, Rules: b.Lifecycle})
	})
}

func (q *request) putLifecycle() error {
	if err := q.requireIntegrityHeader(); err != nil {
		return err
	}
	var cfg lifecycleConfiguration
	if err := q.decodeXML(&cfg); err != nil {
		return err
	}
	if err := checkLifecycle(cfg.Rules); err != nil {
		return err
	}
	return q.inBucket(true, "s3:PutLifecycleConfiguration", func(tx store.Tx, b *Bucket) error {
		b.Lifecycle = cfg.Rules
		if err := PutBucket(tx, *b); err != nil {
			return err
		}
		q.w.WriteHeader(http.StatusOK)
		return nil
	})
}

// checkLifecycle validates rules as S3 does: at most 1000, unique ids of at
// most 255 characters, a status, at least one action, positive day counts.
func checkLifecycle(rules []LifecycleRule) error {
	if len(rules) == 0 || len(rules) > 1000 {
		return errMalformedXML()
	}
	ids := map[string]bool{}
	positive := func(n *int, what string) error {
		if n != nil && *n <= 0 {
			return errInvalidArgument("'%s' in a lifecycle rule must be a positive integer", what)
		}
		return nil
	}
	for _, r := range rules {
		if len(r.ID) > 255 {
			return errInvalidArgument("ID length should not exceed allowed limit of 255")
		}
		if r.ID != "" && ids[r.ID] {
			return errInvalidArgument("Rule ID must be unique. Found same ID for more than one rule")
		}
		ids[r.ID] = true
		if r.Status != "Enabled" && r.Status != "Disabled" {
			return errMalformedXML()
		}
		if r.Expiration == nil && r.NoncurrentVersionExpiration == nil && r.AbortIncompleteMultipartUpload == nil && len(r.Transitions) == 0 {
			return errInvalidRequest("At least one action needs to be specified in a rule")
		}
		if e := r.Expiration; e != nil {
			if err := positive(e.Days, "Days"); err != nil {
				return err
			}
		}
		if n := r.NoncurrentVersionExpiration; n != nil {
			if n.NoncurrentDays == nil {
				return errMalformedXML()
			}
			if err := positive(n.NoncurrentDays, "NoncurrentDays"); err != nil {
				return err
			}
		}
		if a := r.AbortIncompleteMultipartUpload; a != nil {
			if a.DaysAfterInitiation == nil {
				return errMalformedXML()
			}
			if err := positive(a.DaysAfterInitiation, "DaysAfterInitiation"); err != nil {
				return err
			}
		}
	}
	return nil
}

func (q *request) deleteLifecycle() error {
	return q.inBucket(true, "s3:PutLifecycleConfiguration", func(tx store.Tx, b *Bucket) error {
		b.Lifecycle = nil
		if err := PutBucket(tx, *b); err != nil {
			return err
		}
		return q.noContent()
	})
}

// ---- tags ----

func (q *request) getTagging() error {
	return q.inBucket(false, "s3:GetBucketTagging", func(_ store.Tx, b *Bucket) error {
		if len(b.Tags) == 0 {
			return &Error{Status: http.StatusNotFound, Code: "NoSuchTagSet", Message: "The TagSet does not exist",
				Extra: map[string]string{"BucketName": b.Name}}
		}
		return q.ok(tagging{Xmlns: xmlns, TagSet: b.Tags})
	})
}

func (q *request) putTagging() error {
	var t tagging
	if err := q.decodeXML(&t); err != nil {
		return err
	}
	if err := CheckTags(t.TagSet); err != nil {
		return err
	}
	return q.inBucket(true, "s3:PutBucketTagging", func(tx store.Tx, b *Bucket) error {
		b.Tags = t.TagSet
		sort.Slice(b.Tags, func(i, j int) bool { return b.Tags[i].Key < b.Tags[j].Key })
		if err := PutBucket(tx, *b); err != nil {
			return err
		}
		q.w.WriteHeader(http.StatusOK)
		return nil
	})
}

// CheckTags validates a tag set as S3 does: at most 50 tags, unique keys of
// 1 to 128 characters, values of at most 256, no "aws:" prefix.
func CheckTags(tags []Tag) error {
	if len(tags) > 50 {
		return &Error{Status: http.StatusBadRequest, Code: "InvalidTag", Message: "Object tags cannot be greater than 50"}
	}
	seen := map[string]bool{}
	for _, t := range tags {
		switch {
		case t.Key == "" || len(t.Key) > 128:
			return &Error{Status: http.StatusBadRequest, Code: "InvalidTag", Message: "The TagKey you have provided is invalid"}
		case len(t.Value) > 256:
			return &Error{Status: http.StatusBadRequest, Code: "InvalidTag", Message: "The TagValue you have provided is invalid"}
		case strings.HasPrefix(strings.ToLower(t.Key), "aws:"):
			return &Error{Status: http.StatusBadRequest, Code: "InvalidTag", Message: "System tags cannot be added/updated by requester"}
		case seen[t.Key]:
			return &Error{Status: http.StatusBadRequest, Code: "InvalidTag", Message: "Cannot provide multiple Tags with the same key"}
		}
		seen[t.Key] = true
	}
	return nil
}

func (q *request) deleteTagging() error {
	return q.inBucket(true, "s3:PutBucketTagging", func(tx store.Tx, b *Bucket) error {
		b.Tags = nil
		if err := PutBucket(tx, *b); err != nil {
			return err
		}
		return q.noContent()
	})
}

// ---- canned ACLs ----

// cannedACL checks an x-amz-acl value; "" is private.
func cannedACL(v string) (string, error) {
	switch v {
	case "", "private":
		return "", nil
	case "public-read", "public-read-write", "authenticated-read", "bucket-owner-read", "bucket-owner-full-control":
		return v, nil
	}
	return "", errInvalidArgument("The canned ACL %q is not valid.", v)
}

func (q *request) getBucketACL() error {
	return q.inBucket(false, "s3:GetBucketAcl", func(_ store.Tx, b *Bucket) error {
		out := accessControlPolicy{Xmlns: xmlns, Owner: owner{ID: b.Owner}}
		add := func(typ, id, uri, perm string) {
			var g grant
			g.Grantee.XMLNS = "http://www.w3.org/2001/XMLSchema-instance"
			g.Grantee.Type, g.Grantee.ID, g.Grantee.URI, g.Permission = typ, id, uri, perm
			out.Grants = append(out.Grants, g)
		}
		add("CanonicalUser", b.Owner, "", "FULL_CONTROL")
		switch b.ACL {
		case "public-read":
			add("Group", "", "http://acs.amazonaws.com/groups/global/AllUsers", "READ")
		case "public-read-write":
			add("Group", "", "http://acs.amazonaws.com/groups/global/AllUsers", "READ")
			add("Group", "", "http://acs.amazonaws.com/groups/global/AllUsers", "WRITE")
		case "authenticated-read":
			add("Group", "", "http://acs.amazonaws.com/groups/global/AuthenticatedUsers", "READ")
		}
		return q.ok(out)
	})
}

// putBucketACL takes a canned ACL in x-amz-acl; grant headers and XML
// bodies are not emulated.
func (q *request) putBucketACL() error {
	acl, err := cannedACL(q.r.Header.Get("X-Amz-Acl"))
	if err != nil {
		return err
	}
	if q.r.Header.Get("X-Amz-Acl") == "" {
		return errNotImplemented()
	}
	return q.inBucket(true, "s3:PutBucketAcl", func(tx store.Tx, b *Bucket) error {
		b.ACL = acl
		if err := PutBucket(tx, *b); err != nil {
			return err
		}
		q.w.WriteHeader(http.StatusOK)
		return nil
	})
}
