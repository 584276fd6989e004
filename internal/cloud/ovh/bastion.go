package ovh

import (
	"context"
	"errors"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// errBastionNotYet is answered until the bastion lands on OVHcloud.
var errBastionNotYet = errors.New("the bastion is not implemented yet on OVHcloud")

// ResolveImage implements cloud.Bastions.
func (c *Client) ResolveImage(context.Context, string) (cloud.Image, error) {
	return cloud.Image{}, errBastionNotYet
}

// CreateBastion implements cloud.Bastions.
func (c *Client) CreateBastion(context.Context, cloud.BastionSpec) (cloud.Bastion, error) {
	return cloud.Bastion{}, errBastionNotYet
}

// ReadBastion implements cloud.Bastions.
func (c *Client) ReadBastion(context.Context, cloud.Bastion) (cloud.Bastion, error) {
	return cloud.Bastion{}, errBastionNotYet
}

// RepairBastion implements cloud.Bastions.
func (c *Client) RepairBastion(context.Context, cloud.Bastion) (cloud.Bastion, error) {
	return cloud.Bastion{}, errBastionNotYet
}

// UpdateBastionTags implements cloud.Bastions.
func (c *Client) UpdateBastionTags(context.Context, cloud.Bastion, string, map[string]string) (cloud.Bastion, error) {
	return cloud.Bastion{}, errBastionNotYet
}

// DeleteBastion implements cloud.Bastions.
func (c *Client) DeleteBastion(context.Context, cloud.Bastion) error { return errBastionNotYet }

// AuditStorage implements cloud.Bastions.
func (c *Client) AuditStorage() (string, string) { return "", "" }
