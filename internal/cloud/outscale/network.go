package outscale

import (
	"context"
	"errors"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

var errNotImplemented = errors.New("not implemented yet")

// CreateNetwork implements cloud.Networks.
func (c *Client) CreateNetwork(ctx context.Context, spec cloud.NetworkSpec) (cloud.Network, error) {
	return cloud.Network{}, errNotImplemented
}

// ReadNetwork implements cloud.Networks.
func (c *Client) ReadNetwork(ctx context.Context, ref cloud.Network) (cloud.Network, error) {
	return cloud.Network{}, errNotImplemented
}

// UpdateNetwork implements cloud.Networks.
func (c *Client) UpdateNetwork(ctx context.Context, current cloud.Network, spec cloud.NetworkSpec) (cloud.Network, error) {
	return cloud.Network{}, errNotImplemented
}

// DeleteNetwork implements cloud.Networks.
func (c *Client) DeleteNetwork(ctx context.Context, n cloud.Network) error {
	return errNotImplemented
}
