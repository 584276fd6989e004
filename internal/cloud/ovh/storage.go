package ovh

import (
	"context"
	"errors"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// errStorageNotYet is answered until object storage lands on OVHcloud.
var errStorageNotYet = errors.New("object storage is not implemented yet on OVHcloud")

// CreateBucket implements cloud.ObjectStorage.
func (c *Client) CreateBucket(context.Context, cloud.BucketSpec) (cloud.Bucket, error) {
	return cloud.Bucket{}, errStorageNotYet
}

// ReadBucket implements cloud.ObjectStorage.
func (c *Client) ReadBucket(context.Context, string) (cloud.Bucket, error) {
	return cloud.Bucket{}, errStorageNotYet
}

// UpdateBucket implements cloud.ObjectStorage.
func (c *Client) UpdateBucket(context.Context, cloud.Bucket, cloud.BucketSpec) (cloud.Bucket, error) {
	return cloud.Bucket{}, errStorageNotYet
}

// DeleteBucket implements cloud.ObjectStorage.
func (c *Client) DeleteBucket(context.Context, cloud.Bucket, bool) error { return errStorageNotYet }
