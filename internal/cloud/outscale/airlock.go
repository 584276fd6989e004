package outscale

import (
	"context"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/cloud/s3store"
)

// The airlock's object calls on OOS, with the account's keys.

var _ cloud.Airlock = (*Client)(nil)

// DigestObject implements cloud.Airlock.
func (c *Client) DigestObject(ctx context.Context, bucket, key string) (cloud.ObjectDigest, error) {
	if err := c.missingSettings(); err != nil {
		return cloud.ObjectDigest{}, err
	}
	return c.store().Digest(ctx, bucket, key)
}

// CopyObject implements cloud.Airlock.
func (c *Client) CopyObject(ctx context.Context, srcBucket, srcKey, etag, dstBucket, dstKey string) (string, error) {
	if err := c.missingSettings(); err != nil {
		return "", err
	}
	st := c.store()
	return s3store.Copy(ctx, st, srcBucket, srcKey, etag, st, dstBucket, dstKey)
}

// PutRecord implements cloud.Airlock.
func (c *Client) PutRecord(ctx context.Context, bucket, key string, record []byte) error {
	if err := c.missingSettings(); err != nil {
		return err
	}
	return c.store().WriteRecord(ctx, bucket, key, record)
}

// GetRecord implements cloud.Airlock.
func (c *Client) GetRecord(ctx context.Context, bucket, key string) ([]byte, error) {
	if err := c.missingSettings(); err != nil {
		return nil, err
	}
	return c.store().Record(ctx, bucket, key)
}
