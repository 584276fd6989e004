package ovh

import (
	"context"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/cloud/s3store"
)

// The airlock's object calls on OVHcloud object storage, each bucket with
// its own user's key (as the provider reads every bucket).

var _ cloud.Airlock = (*Client)(nil)

// storeOf is the object storage client with the bucket's own key.
func (c *Client) storeOf(ctx context.Context, bucket string) (*s3store.Client, error) {
	if err := c.storageSettings(); err != nil {
		return nil, err
	}
	_, keys, err := c.bucketKey(ctx, cloud.Bucket{Name: bucket})
	if err != nil {
		return nil, err
	}
	return c.store(keys), nil
}

// DigestObject implements cloud.Airlock.
func (c *Client) DigestObject(ctx context.Context, bucket, key string) (cloud.ObjectDigest, error) {
	st, err := c.storeOf(ctx, bucket)
	if err != nil {
		return cloud.ObjectDigest{}, err
	}
	return st.Digest(ctx, bucket, key)
}

// CopyObject implements cloud.Airlock: read with the source bucket's key,
// written with the destination's.
func (c *Client) CopyObject(ctx context.Context, srcBucket, srcKey, etag, dstBucket, dstKey string) (string, error) {
	src, err := c.storeOf(ctx, srcBucket)
	if err != nil {
		return "", err
	}
	dst, err := c.storeOf(ctx, dstBucket)
	if err != nil {
		return "", err
	}
	return s3store.Copy(ctx, src, srcBucket, srcKey, etag, dst, dstBucket, dstKey)
}

// PutRecord implements cloud.Airlock.
func (c *Client) PutRecord(ctx context.Context, bucket, key string, record []byte) error {
	st, err := c.storeOf(ctx, bucket)
	if err != nil {
		return err
	}
	return st.WriteRecord(ctx, bucket, key, record)
}

// GetRecord implements cloud.Airlock.
func (c *Client) GetRecord(ctx context.Context, bucket, key string) ([]byte, error) {
	st, err := c.storeOf(ctx, bucket)
	if err != nil {
		return nil, err
	}
	return st.Record(ctx, bucket, key)
}
