package ovh

import (
	"context"
	"errors"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// errKMSNotYet is answered until the key manager lands on OVHcloud.
var errKMSNotYet = errors.New("customer-managed keys are not implemented yet on OVHcloud")

// Backend implements cloud.KeyManager.
func (c *Client) Backend() string { return "" }

// SupportsAlgorithm implements cloud.KeyManager.
func (c *Client) SupportsAlgorithm(string) bool { return false }

// CreateKey implements cloud.KeyManager.
func (c *Client) CreateKey(context.Context, cloud.KeySpec) (cloud.Key, error) {
	return cloud.Key{}, errKMSNotYet
}

// ReadKey implements cloud.KeyManager.
func (c *Client) ReadKey(context.Context, string) (cloud.Key, error) {
	return cloud.Key{}, errKMSNotYet
}

// UpdateKey implements cloud.KeyManager.
func (c *Client) UpdateKey(context.Context, cloud.Key, cloud.KeySpec) (cloud.Key, error) {
	return cloud.Key{}, errKMSNotYet
}

// RotateKey implements cloud.KeyManager.
func (c *Client) RotateKey(context.Context, string) (cloud.Key, error) {
	return cloud.Key{}, errKMSNotYet
}

// DeleteKey implements cloud.KeyManager.
func (c *Client) DeleteKey(context.Context, string) error { return errKMSNotYet }
