package outscale

import (
	"context"
	"errors"
	"net/http"

	osc "github.com/outscale/osc-sdk-go/v2"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// The OAPI calls of the key manager beyond the bastion's (vm_api.go) and
// the network's (network_api.go): security groups by id.

// readSecurityGroupsByID reads security groups by id; an unknown id comes
// back as an empty list or as a not-found error: both mean "none".
func (c *Client) readSecurityGroupsByID(ctx context.Context, groupIDs ...string) ([]osc.SecurityGroup, error) {
	if len(groupIDs) == 0 {
		return nil, errNoIDs
	}
	groups, err := readAll(ctx, c, "ReadSecurityGroups", func(ctx context.Context, token string) ([]osc.SecurityGroup, string, *http.Response, error) {
		resp, httpResp, err := c.api.SecurityGroupApi.ReadSecurityGroups(ctx).ReadSecurityGroupsRequest(osc.ReadSecurityGroupsRequest{
			Filters: &osc.FiltersSecurityGroup{SecurityGroupIds: &groupIDs}, NextPageToken: pageToken(token)}).Execute()
		return resp.GetSecurityGroups(), resp.GetNextPageToken(), httpResp, err
	})
	if errors.Is(err, cloud.ErrNotFound) {
		return nil, nil
	}
	return groups, err
}

// readSecurityGroupsByName finds a Net's groups by name: how a group whose
// creation answer was lost is found again.
func (c *Client) readSecurityGroupsByName(ctx context.Context, netID, name string) ([]osc.SecurityGroup, error) {
	groups, err := readAll(ctx, c, "ReadSecurityGroups", func(ctx context.Context, token string) ([]osc.SecurityGroup, string, *http.Response, error) {
		resp, httpResp, err := c.api.SecurityGroupApi.ReadSecurityGroups(ctx).ReadSecurityGroupsRequest(osc.ReadSecurityGroupsRequest{
			Filters:       &osc.FiltersSecurityGroup{NetIds: &[]string{netID}, SecurityGroupNames: &[]string{name}},
			NextPageToken: pageToken(token)}).Execute()
		return resp.GetSecurityGroups(), resp.GetNextPageToken(), httpResp, err
	})
	if errors.Is(err, cloud.ErrNotFound) {
		return nil, nil
	}
	return groups, err
}
