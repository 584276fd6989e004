package ovh

import (
	"context"
	"fmt"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// On OVHcloud the bastion ships its trail with the audit bucket's own user
// and key (see the warehouse module): no write-only identity is made for
// that. Its audit writer is instead a read-only service account whose IAM
// policy allows reading the account's audit logs (GET /me/logs/audit) and
// nothing else: the bastion pulls them into the audit trail, next to its
// own records, as OUTSCALE's bastion pulls the API logs.

// CreateAuditWriter implements cloud.AuditWriters: the account-log reader.
// spec.Bucket and spec.Prefix are not the reader's business: it writes
// nothing.
func (c *Client) CreateAuditWriter(ctx context.Context, spec cloud.AuditWriterSpec) (cloud.AuditWriter, error) {
	if spec.Access != cloud.AccessWriteOnly {
		return cloud.AuditWriter{}, fmt.Errorf("a bucket identity of its own is made on OUTSCALE only: on OVHcloud, give the "+
			"bucket's own key (health_warehouse_storage_credentials): %w", cloud.ErrPolicyUnsupported)
	}
	account, err := c.accountURN(ctx)
	if err != nil {
		return cloud.AuditWriter{}, fmt.Errorf("reading the account: %w", err)
	}
	name := spec.Name + "-account-logs"
	sa, err := c.makeServiceAccount(ctx, name,
		fmt.Sprintf("terraform-provider-health: the bastion %s reads the account's audit logs", spec.Name),
		[]string{account}, []string{actionAuditLogsGet})
	w := cloud.AuditWriter{UserName: name, UserID: sa.ClientID, PolicyID: sa.PolicyID, AccessKeyID: sa.ClientID,
		SecretAccessKey: sa.Secret, APIEndpoint: c.endpoint, TokenURL: tokenURL(c.endpoint)}
	if err != nil {
		w.SecretAccessKey = ""
		return w, err
	}
	return w, nil
}

// ReadAuditWriter implements cloud.AuditWriters: ErrNotFound when the
// service account or its policy is gone, or the policy no longer allows
// exactly reading the audit logs.
func (c *Client) ReadAuditWriter(ctx context.Context, ref cloud.AuditWriter) (cloud.AuditWriter, error) {
	account, err := c.accountURN(ctx)
	if err != nil {
		return cloud.AuditWriter{}, fmt.Errorf("reading the account: %w", err)
	}
	id := ref.UserID
	if id == "" {
		id = ref.AccessKeyID
	}
	if err := c.checkServiceAccount(ctx, id, ref.PolicyID, []string{account}, []string{actionAuditLogsGet}); err != nil {
		return cloud.AuditWriter{}, err
	}
	ref.SecretAccessKey, ref.APIEndpoint, ref.TokenURL = "", c.endpoint, tokenURL(c.endpoint)
	return ref, nil
}

// DeleteAuditWriter implements cloud.AuditWriters.
func (c *Client) DeleteAuditWriter(ctx context.Context, ref cloud.AuditWriter) error {
	id := ref.UserID
	if id == "" {
		id = ref.AccessKeyID
	}
	return c.removeServiceAccount(ctx, id, ref.PolicyID)
}
