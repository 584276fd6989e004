package ovh

import (
	"context"
	"errors"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// errBastionNotYet is answered until the bastion lands on OVHcloud.
var errBastionNotYet = errors.New("the bastion is not implemented yet on OVHcloud")

// FindImage implements cloud.Bastions.
func (c *Client) FindImage(context.Context, string) (string, error) { return "", errBastionNotYet }

// CreateBastion implements cloud.Bastions.
func (c *Client) CreateBastion(context.Context, cloud.BastionSpec) (cloud.Bastion, error) {
	return cloud.Bastion{}, errBastionNotYet
}

// ReadBastion implements cloud.Bastions.
func (c *Client) ReadBastion(context.Context, string) (cloud.Bastion, error) {
	return cloud.Bastion{}, errBastionNotYet
}

// DeleteBastion implements cloud.Bastions.
func (c *Client) DeleteBastion(context.Context, cloud.Bastion) error { return errBastionNotYet }
