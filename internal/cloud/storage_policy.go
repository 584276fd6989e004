package cloud

import (
	"encoding/json"
	"fmt"
	"slices"
)

// The access policy the provider writes for a bucket. Its form depends on
// the cloud, and it holds only statements the cloud documents:
//
//	                               OUTSCALE (bucket policy)   OVHcloud (user policy)
//	AllowWarehouseBucket           -                          Allow s3:* on the bucket only
//	DenyAclChanges                 Deny, Principal "*"        Deny
//	DenyInsecureTransport          - (no conditions)          Deny when aws:SecureTransport is false
//	DenyOutsideAllowedSources      - (no conditions)          Deny data calls when aws:SourceIp is outside
//	DenyWritesWithoutCustomerKey   - (no conditions)          Deny PutObject without SSE-C (customer-key),
//	                                                          but of the wrapped data keys (WrappedKeyPrefix)
//
// DenyAclChanges keeps anyone, the owner included, from opening the bucket
// or an object to the public through an ACL. OVHcloud documents the
// aws:SourceIp condition; whether it evaluates aws:SecureTransport and the
// SSE-C Null condition is unverified (the emulator does, as AWS does).

// Statement ids of the policy.
const (
	SidAllowBucket        = "AllowWarehouseBucket"
	SidDenyACLChanges     = "DenyAclChanges"
	SidDenyInsecure       = "DenyInsecureTransport"
	SidDenyOutsideSources = "DenyOutsideAllowedSources"
	SidDenyUnencrypted    = "DenyWritesWithoutCustomerKey"
)

// SSECAlgorithmKey is the condition key of the SSE-C algorithm header.
const SSECAlgorithmKey = "s3:x-amz-server-side-encryption-customer-algorithm"

// dataActions are the calls on objects and their listing that
// AllowedSourceIPs restricts (names from OVHcloud's list of supported
// actions). Bucket configuration calls stay open to the bucket's key from
// anywhere, so that Terraform can manage the bucket from outside the
// warehouse network.
var dataActions = []string{
	"s3:GetObject", "s3:PutObject", "s3:DeleteObject",
	"s3:ListBucket", "s3:ListBucketVersions", "s3:ListBucketMultipartUploads", "s3:ListMultipartUploadParts",
	"s3:AbortMultipartUpload", "s3:GetObjectTagging", "s3:PutObjectTagging", "s3:DeleteObjectTagging",
}

type policyDocument struct {
	Version   string            `json:"Version"`
	Statement []policyStatement `json:"Statement"`
}

type policyStatement struct {
	Sid       string   `json:"Sid"`
	Effect    string   `json:"Effect"`
	Principal any      `json:"Principal,omitempty"`
	Action    []string `json:"Action"`
	Resource  []string `json:"Resource,omitempty"`
	// NotResource is every resource but these: the deny of writes without
	// SSE-C spares the wrapped data keys kept beside the data.
	NotResource []string                       `json:"NotResource,omitempty"`
	Condition   map[string]map[string][]string `json:"Condition,omitempty"`
}

// RenderAccessPolicy is the access policy a bucket of spec gets on
// cloudName, in canonical JSON, and its kind. It fails with
// ErrPolicyUnsupported for what the cloud cannot enforce: source addresses
// on OUTSCALE, whose bucket policies take no condition.
func RenderAccessPolicy(cloudName string, spec BucketSpec) (doc, kind string, err error) {
	bucket, objects := BucketARN(spec.Name), BucketARN(spec.Name)+"/*"
	both := []string{bucket, objects}
	p := policyDocument{Version: "2012-10-17"}
	switch cloudName {
	case Outscale:
		if len(spec.AllowedSourceIPs) > 0 {
			return "", "", fmt.Errorf("allowed source addresses need a policy condition, and OUTSCALE Object Storage "+
				"does not support conditions in bucket policies: %w", ErrPolicyUnsupported)
		}
		p.Statement = append(p.Statement, policyStatement{Sid: SidDenyACLChanges, Effect: "Deny", Principal: "*",
			Action: []string{"s3:PutBucketAcl", "s3:PutObjectAcl"}, Resource: both})
		kind = PolicyKindBucket
	case OVH:
		p.Statement = append(p.Statement,
			policyStatement{Sid: SidAllowBucket, Effect: "Allow", Action: []string{"s3:*"}, Resource: both},
			policyStatement{Sid: SidDenyACLChanges, Effect: "Deny", Action: []string{"s3:PutBucketAcl", "s3:PutObjectAcl"}, Resource: both},
			policyStatement{Sid: SidDenyInsecure, Effect: "Deny", Action: []string{"s3:*"}, Resource: both,
				Condition: map[string]map[string][]string{"Bool": {"aws:SecureTransport": {"false"}}}},
		)
		if len(spec.AllowedSourceIPs) > 0 {
			ips := slices.Clone(spec.AllowedSourceIPs)
			slices.Sort(ips)
			p.Statement = append(p.Statement, policyStatement{Sid: SidDenyOutsideSources, Effect: "Deny",
				Action: dataActions, Resource: both,
				Condition: map[string]map[string][]string{"NotIpAddress": {"aws:SourceIp": slices.Compact(ips)}}})
		}
		if spec.Encryption == EncryptionCustomerKey {
			// Every object but the wrapped data keys, KMS ciphertexts written
			// without SSE-C so that they can be read to unwrap the data key
			// (the user reaches this bucket only).
			p.Statement = append(p.Statement, policyStatement{Sid: SidDenyUnencrypted, Effect: "Deny",
				Action: []string{"s3:PutObject"}, NotResource: []string{bucket + "/" + WrappedKeyPrefix + "*"},
				Condition: map[string]map[string][]string{"Null": {SSECAlgorithmKey: {"true"}}}})
		}
		kind = PolicyKindUser
	default:
		return "", "", fmt.Errorf("no access policy for the cloud %q", cloudName)
	}
	raw, err := json.Marshal(p)
	if err != nil {
		return "", "", err
	}
	doc, err = CanonicalPolicy(string(raw))
	return doc, kind, err
}

// CanonicalPolicy rewrites a policy document in one canonical form (keys
// sorted, no spaces, single values as they were), so that a policy read
// back from a cloud compares equal to the one rendered when nothing
// changed. An empty document stays empty.
func CanonicalPolicy(doc string) (string, error) {
	if doc == "" {
		return "", nil
	}
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		return "", fmt.Errorf("the policy is not JSON: %w", err)
	}
	out, err := json.Marshal(v)
	return string(out), err
}

// SourceIPsFromPolicy reads the allowed sources back from a policy the
// provider wrote: the addresses of its DenyOutsideAllowedSources statement.
func SourceIPsFromPolicy(doc string) []string {
	if doc == "" {
		return nil
	}
	var p struct {
		Statement []struct {
			Sid       string
			Condition map[string]map[string]json.RawMessage
		}
	}
	if json.Unmarshal([]byte(doc), &p) != nil {
		return nil
	}
	for _, st := range p.Statement {
		if st.Sid != SidDenyOutsideSources {
			continue
		}
		raw := st.Condition["NotIpAddress"]["aws:SourceIp"]
		var many []string
		if json.Unmarshal(raw, &many) == nil {
			return many
		}
		var one string
		if json.Unmarshal(raw, &one) == nil {
			return []string{one}
		}
	}
	return nil
}
