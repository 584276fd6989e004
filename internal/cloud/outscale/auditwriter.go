package outscale

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"

	osc "github.com/outscale/osc-sdk-go/v2"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// A write-only identity for the audit trail (cloud.AuditWriters): an EIM
// user "health-audit-<name>-<random>", a managed policy of the same name
// allowing s3:PutObject under the audit prefix only, linked to it, and one
// access key. With cloud.AccessReadWrite the same machinery makes a
// read-write identity on one bucket (the data gateway's): the user is
// "health-rw-<name>-<random>" and its policy cloud.BucketReadWritePolicy;
// with cloud.AccessReadOnly a read-only one ("health-ro-…",
// cloud.BucketReadOnlyPolicy). The random part keeps a create that died from colliding
// with the next one; what it left is named in the partial state, and
// removed by the next destroy or replacement.
//
// Whether OOS authorizes requests signed with an EIM user's key by the
// user's EIM policies is not stated in the OUTSCALE documentation found so
// far (it documents bucket policies for OOS, and EIM policies for the
// API): the emulator does, deny by default, and a real account should be
// checked once (see the warehouse module's README).

var notUserNameRune = regexp.MustCompile(`[^A-Za-z0-9+=,.@_-]+`)

// auditWriterName is the EIM user and policy name for spec, within the
// 64 characters a user name takes: health-audit-… for the write-only
// identity, health-rw-… for a read-write one.
func auditWriterName(name, access string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	base := notUserNameRune.ReplaceAllString(name, "-")
	if len(base) > 40 {
		base = base[:40]
	}
	kind := "audit"
	switch access {
	case cloud.AccessReadWrite:
		kind = "rw"
	case cloud.AccessReadOnly:
		kind = "ro"
	}
	return "health-" + kind + "-" + base + "-" + hex.EncodeToString(b[:])
}

// auditWriterPolicy is the document and description of spec's policy.
func auditWriterPolicy(spec cloud.AuditWriterSpec) (document, description string, err error) {
	switch spec.Access {
	case cloud.AccessWriteOnly:
		return cloud.AuditWriterPolicy(spec.Bucket, spec.Prefix),
			"Write-only: s3:PutObject under s3://" + spec.Bucket + "/" + spec.Prefix + " (terraform-provider-health)", nil
	case cloud.AccessReadWrite:
		return cloud.BucketReadWritePolicy(spec.Bucket, spec.Prefix),
			"Read-write: the objects under s3://" + spec.Bucket + "/" + spec.Prefix + " only (terraform-provider-health)", nil
	case cloud.AccessReadOnly:
		what := "s3://" + spec.Bucket + "/" + strings.Join(spec.Prefixes, ", ")
		return cloud.BucketReadOnlyPolicy(spec.Bucket, spec.Prefixes, spec.KeyObject),
			"Read-only: the objects under " + what + " only (terraform-provider-health)", nil
	}
	return "", "", fmt.Errorf("%w: the access %q is none of %q, %q and %q", cloud.ErrInvalid, spec.Access,
		cloud.AccessWriteOnly, cloud.AccessReadWrite, cloud.AccessReadOnly)
}

// CreateAuditWriter implements cloud.AuditWriters.
func (c *Client) CreateAuditWriter(ctx context.Context, spec cloud.AuditWriterSpec) (cloud.AuditWriter, error) {
	var w cloud.AuditWriter
	if err := c.missingSettings(); err != nil {
		return w, err
	}
	document, description, err := auditWriterPolicy(spec)
	if err != nil {
		return w, err
	}
	name := auditWriterName(spec.Name, spec.Access)
	user, err := do(ctx, c, "CreateUser", false, func(ctx context.Context) (osc.CreateUserResponse, *http.Response, error) {
		return c.api.UserApi.CreateUser(ctx).CreateUserRequest(osc.CreateUserRequest{UserName: name, Path: ptr("/health/")}).Execute()
	})
	if err != nil {
		return w, fmt.Errorf("creating the EIM user %s: %w", name, err)
	}
	w.UserName, w.UserID = name, user.User.GetUserId()
	policy, err := do(ctx, c, "CreatePolicy", false, func(ctx context.Context) (osc.CreatePolicyResponse, *http.Response, error) {
		return c.api.PolicyApi.CreatePolicy(ctx).CreatePolicyRequest(osc.CreatePolicyRequest{PolicyName: name,
			Document:    document,
			Description: ptr(description),
		}).Execute()
	})
	if err != nil {
		return w, fmt.Errorf("creating the EIM policy %s: %w", name, err)
	}
	w.PolicyID = policy.Policy.GetOrn()
	if _, err := do(ctx, c, "LinkPolicy", true, func(ctx context.Context) (osc.LinkPolicyResponse, *http.Response, error) {
		return c.api.PolicyApi.LinkPolicy(ctx).LinkPolicyRequest(osc.LinkPolicyRequest{PolicyOrn: w.PolicyID, UserName: name}).Execute()
	}); err != nil {
		return w, fmt.Errorf("linking the policy %s to the EIM user %s: %w", w.PolicyID, name, err)
	}
	key, err := do(ctx, c, "CreateAccessKey", false, func(ctx context.Context) (osc.CreateAccessKeyResponse, *http.Response, error) {
		return c.api.AccessKeyApi.CreateAccessKey(ctx).CreateAccessKeyRequest(osc.CreateAccessKeyRequest{UserName: ptr(name)}).Execute()
	})
	if err != nil {
		return w, fmt.Errorf("creating the access key of the EIM user %s: %w", name, err)
	}
	w.AccessKeyID, w.SecretAccessKey = key.AccessKey.GetAccessKeyId(), key.AccessKey.GetSecretKey()
	if spec.Access == cloud.AccessWriteOnly {
		// Only the write-only identity reads the API logs.
		w.APIEndpoint, w.APIRegion = c.apiEndpoint(), c.cfg.Region
	}
	return w, nil
}

// apiEndpoint is the OAPI URL calls go to.
func (c *Client) apiEndpoint() string {
	if c.cfg.Endpoint != "" {
		return strings.TrimSuffix(c.cfg.Endpoint, "/")
	}
	return "https://api." + c.cfg.Region + ".outscale.com/api/v1"
}

// ReadAuditWriter implements cloud.AuditWriters.
func (c *Client) ReadAuditWriter(ctx context.Context, ref cloud.AuditWriter) (cloud.AuditWriter, error) {
	if err := c.missingSettings(); err != nil {
		return ref, err
	}
	gone := func(what string) error {
		return fmt.Errorf("the audit writer %s: %s: %w", ref.UserName, what, cloud.ErrNotFound)
	}
	keys, err := do(ctx, c, "ReadAccessKeys", true, func(ctx context.Context) (osc.ReadAccessKeysResponse, *http.Response, error) {
		return c.api.AccessKeyApi.ReadAccessKeys(ctx).ReadAccessKeysRequest(osc.ReadAccessKeysRequest{UserName: ptr(ref.UserName)}).Execute()
	})
	if errors.Is(err, cloud.ErrNotFound) {
		return ref, gone("the EIM user is gone")
	}
	if err != nil {
		return ref, fmt.Errorf("reading the access keys of the EIM user %s: %w", ref.UserName, err)
	}
	if !slices.ContainsFunc(keys.GetAccessKeys(), func(k osc.AccessKey) bool {
		return k.GetAccessKeyId() == ref.AccessKeyID && k.GetState() == "ACTIVE"
	}) {
		return ref, gone("its access key " + ref.AccessKeyID + " is gone or inactive")
	}
	linked, err := do(ctx, c, "ReadLinkedPolicies", true, func(ctx context.Context) (osc.ReadLinkedPoliciesResponse, *http.Response, error) {
		return c.api.PolicyApi.ReadLinkedPolicies(ctx).ReadLinkedPoliciesRequest(osc.ReadLinkedPoliciesRequest{UserName: ref.UserName}).Execute()
	})
	if err != nil {
		return ref, fmt.Errorf("reading the policies of the EIM user %s: %w", ref.UserName, err)
	}
	if !slices.ContainsFunc(linked.GetPolicies(), func(p osc.LinkedPolicy) bool { return p.GetOrn() == ref.PolicyID }) {
		return ref, gone("its policy " + ref.PolicyID + " is no longer linked")
	}
	return ref, nil
}

// DeleteAuditWriter implements cloud.AuditWriters: the user's keys, the
// policy's link, the policy, then the user.
func (c *Client) DeleteAuditWriter(ctx context.Context, ref cloud.AuditWriter) error {
	if err := c.missingSettings(); err != nil {
		return err
	}
	ignoreGone := func(err error) error {
		if errors.Is(err, cloud.ErrNotFound) {
			return nil
		}
		return err
	}
	if ref.UserName != "" {
		keys, err := do(ctx, c, "ReadAccessKeys", true, func(ctx context.Context) (osc.ReadAccessKeysResponse, *http.Response, error) {
			return c.api.AccessKeyApi.ReadAccessKeys(ctx).ReadAccessKeysRequest(osc.ReadAccessKeysRequest{UserName: ptr(ref.UserName)}).Execute()
		})
		if ignoreGone(err) != nil {
			return fmt.Errorf("reading the access keys of the EIM user %s: %w", ref.UserName, err)
		}
		for _, k := range keys.GetAccessKeys() {
			id := k.GetAccessKeyId()
			_, err := do(ctx, c, "DeleteAccessKey", true, func(ctx context.Context) (osc.DeleteAccessKeyResponse, *http.Response, error) {
				return c.api.AccessKeyApi.DeleteAccessKey(ctx).DeleteAccessKeyRequest(osc.DeleteAccessKeyRequest{AccessKeyId: id,
					UserName: ptr(ref.UserName)}).Execute()
			})
			if ignoreGone(err) != nil {
				return fmt.Errorf("deleting the access key %s of the EIM user %s: %w", id, ref.UserName, err)
			}
		}
	}
	if ref.PolicyID != "" {
		if ref.UserName != "" {
			_, err := do(ctx, c, "UnlinkPolicy", true, func(ctx context.Context) (osc.UnlinkPolicyResponse, *http.Response, error) {
				return c.api.PolicyApi.UnlinkPolicy(ctx).UnlinkPolicyRequest(osc.UnlinkPolicyRequest{PolicyOrn: ref.PolicyID,
					UserName: ref.UserName}).Execute()
			})
			if ignoreGone(err) != nil {
				return fmt.Errorf("unlinking the policy %s from the EIM user %s: %w", ref.PolicyID, ref.UserName, err)
			}
		}
		_, err := do(ctx, c, "DeletePolicy", true, func(ctx context.Context) (osc.DeletePolicyResponse, *http.Response, error) {
			return c.api.PolicyApi.DeletePolicy(ctx).DeletePolicyRequest(osc.DeletePolicyRequest{PolicyOrn: ref.PolicyID}).Execute()
		})
		if ignoreGone(err) != nil {
			return fmt.Errorf("deleting the EIM policy %s: %w", ref.PolicyID, err)
		}
	}
	if ref.UserName != "" {
		_, err := do(ctx, c, "DeleteUser", true, func(ctx context.Context) (osc.DeleteUserResponse, *http.Response, error) {
			return c.api.UserApi.DeleteUser(ctx).DeleteUserRequest(osc.DeleteUserRequest{UserName: ref.UserName}).Execute()
		})
		if ignoreGone(err) != nil {
			return fmt.Errorf("deleting the EIM user %s: %w", ref.UserName, err)
		}
	}
	return nil
}
