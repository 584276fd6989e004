package outscale

import (
	"context"
	"errors"
	"net/http"

	osc "github.com/outscale/osc-sdk-go/v2"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// One function per OAPI call the bastion makes (see network_api.go for the
// helpers): VMs, OMIs and the links of public IPs.

// createVM is idempotent when the request carries a client token: sent
// again, it answers the VM the first call made.
func (c *Client) createVM(ctx context.Context, req osc.CreateVmsRequest) (osc.Vm, error) {
	resp, err := do(ctx, c, "CreateVms", req.ClientToken != nil && *req.ClientToken != "",
		func(ctx context.Context) (osc.CreateVmsResponse, *http.Response, error) {
			return c.api.VmApi.CreateVms(ctx).CreateVmsRequest(req).Execute()
		})
	if err != nil {
		return osc.Vm{}, err
	}
	vms := resp.GetVms()
	if len(vms) != 1 {
		return osc.Vm{}, &cloud.APIError{Cloud: cloud.Outscale, Operation: "CreateVms", Status: http.StatusOK,
			Message: "the answer lists no VM", RequestID: requestID(resp.ResponseContext)}
	}
	return vms[0], nil
}

// readVMs lists VMs; an unknown id comes back as an empty list or as a
// not-found error: both mean "none".
func (c *Client) readVMs(ctx context.Context, filters osc.FiltersVm) ([]osc.Vm, error) {
	vms, err := readAll(ctx, c, "ReadVms", func(ctx context.Context, token string) ([]osc.Vm, string, *http.Response, error) {
		resp, httpResp, err := c.api.VmApi.ReadVms(ctx).ReadVmsRequest(osc.ReadVmsRequest{
			Filters: &filters, NextPageToken: pageToken(token)}).Execute()
		return resp.GetVms(), resp.GetNextPageToken(), httpResp, err
	})
	if errors.Is(err, cloud.ErrNotFound) {
		return nil, nil
	}
	return vms, err
}

func (c *Client) startVM(ctx context.Context, id string) error {
	_, err := do(ctx, c, "StartVms", true, func(ctx context.Context) (osc.StartVmsResponse, *http.Response, error) {
		return c.api.VmApi.StartVms(ctx).StartVmsRequest(osc.StartVmsRequest{VmIds: []string{id}}).Execute()
	})
	return err
}

func (c *Client) deleteVM(ctx context.Context, id string) error {
	_, err := do(ctx, c, "DeleteVms", true, func(ctx context.Context) (osc.DeleteVmsResponse, *http.Response, error) {
		return c.api.VmApi.DeleteVms(ctx).DeleteVmsRequest(osc.DeleteVmsRequest{VmIds: []string{id}}).Execute()
	})
	return err
}

func (c *Client) readImages(ctx context.Context, filters osc.FiltersImage) ([]osc.Image, error) {
	images, err := readAll(ctx, c, "ReadImages", func(ctx context.Context, token string) ([]osc.Image, string, *http.Response, error) {
		resp, httpResp, err := c.api.ImageApi.ReadImages(ctx).ReadImagesRequest(osc.ReadImagesRequest{
			Filters: &filters, NextPageToken: pageToken(token)}).Execute()
		return resp.GetImages(), resp.GetNextPageToken(), httpResp, err
	})
	if errors.Is(err, cloud.ErrNotFound) {
		return nil, nil
	}
	return images, err
}

// linkPublicIP links an address to a VM. Linking an address already linked
// to the same VM changes nothing, so the call is repeated safely.
func (c *Client) linkPublicIP(ctx context.Context, publicIPID, vmID string) (string, error) {
	resp, err := do(ctx, c, "LinkPublicIp", true, func(ctx context.Context) (osc.LinkPublicIpResponse, *http.Response, error) {
		return c.api.PublicIpApi.LinkPublicIp(ctx).LinkPublicIpRequest(osc.LinkPublicIpRequest{
			PublicIpId: &publicIPID, VmId: &vmID}).Execute()
	})
	return resp.GetLinkPublicIpId(), err
}

// readPublicIPsOfVM lists the addresses linked to a VM.
func (c *Client) readPublicIPsOfVM(ctx context.Context, vmID string) ([]osc.PublicIp, error) {
	ips, err := readAll(ctx, c, "ReadPublicIps", func(ctx context.Context, token string) ([]osc.PublicIp, string, *http.Response, error) {
		resp, httpResp, err := c.api.PublicIpApi.ReadPublicIps(ctx).ReadPublicIpsRequest(osc.ReadPublicIpsRequest{
			Filters: &osc.FiltersPublicIp{VmIds: &[]string{vmID}}, NextPageToken: pageToken(token)}).Execute()
		return resp.GetPublicIps(), resp.GetNextPageToken(), httpResp, err
	})
	if errors.Is(err, cloud.ErrNotFound) {
		return nil, nil
	}
	return ips, err
}
