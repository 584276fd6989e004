package ovh

import (
	"context"
	"fmt"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// OVHcloud ships the audit trail with the audit bucket's own user and key
// (see the warehouse module): no separate write-only identity is made.

// CreateAuditWriter implements cloud.AuditWriters: not on OVHcloud.
func (c *Client) CreateAuditWriter(context.Context, cloud.AuditWriterSpec) (cloud.AuditWriter, error) {
	return cloud.AuditWriter{}, fmt.Errorf("a dedicated write-only audit identity is made on OUTSCALE only: on OVHcloud, "+
		"give the audit bucket's own key (health_warehouse_storage_credentials): %w", cloud.ErrPolicyUnsupported)
}

// ReadAuditWriter implements cloud.AuditWriters: there is none to read.
func (c *Client) ReadAuditWriter(_ context.Context, ref cloud.AuditWriter) (cloud.AuditWriter, error) {
	return ref, nil
}

// DeleteAuditWriter implements cloud.AuditWriters: there is none to delete.
func (c *Client) DeleteAuditWriter(context.Context, cloud.AuditWriter) error { return nil }
