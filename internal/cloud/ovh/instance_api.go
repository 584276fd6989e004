package ovh

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// The OVHcloud API calls behind the bastion: images, flavors, instances and
// floating IPs. Instances are created as the official provider's
// ovh_cloud_project_instance does (POST /region/{regionName}/instance,
// answering an operation whose resourceId is the instance), and read,
// renamed, started, stopped and deleted through the v1 routes.

const (
	routeImages              = "/cloud/project/{serviceName}/image"
	routeFlavors             = "/cloud/project/{serviceName}/flavor"
	routeRegionInstances     = "/cloud/project/{serviceName}/region/{regionName}/instance"
	routeInstances           = "/cloud/project/{serviceName}/instance"
	routeInstance            = routeInstances + "/{instanceId}"
	routeInstanceStart       = routeInstance + "/start"
	routeInstanceStop        = routeInstance + "/stop"
	routeInstanceFloatingIP  = routeRegionInstances + "/{instanceId}/floatingIp"
	routeAssociateFloatingIP = routeRegionInstances + "/{instanceId}/associateFloatingIp"
	routeFloatingIPs         = "/cloud/project/{serviceName}/region/{regionName}/floatingip"
	routeFloatingIP          = routeFloatingIPs + "/{floatingIpId}"
)

// image is cloud.image.Image.
type image struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Type         string `json:"type"`
	Status       string `json:"status"`
	CreationDate string `json:"creationDate"`
}

// flavor is cloud.flavor.Flavor.
type flavor struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	OSType    string `json:"osType"`
	Available bool   `json:"available"`
}

// instance is cloud.instance.InstanceDetail.
type instance struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Region      string `json:"region"`
	Status      string `json:"status"`
	Flavor      flavor `json:"flavor"`
	Image       image  `json:"image"`
	IPAddresses []struct {
		IP        string `json:"ip"`
		NetworkID string `json:"networkId"`
		Type      string `json:"type"`
		Version   int    `json:"version"`
	} `json:"ipAddresses"`
}

// privateIP is the instance's address on a private network.
func (i instance) privateIP() (ip, networkID string) {
	for _, a := range i.IPAddresses {
		if a.Type == "private" && a.Version == 4 {
			return a.IP, a.NetworkID
		}
	}
	return "", ""
}

// Instance statuses (cloud.instance.InstanceStatusEnum) the bastion meets.
const (
	instanceActive   = "ACTIVE"
	instanceBuild    = "BUILD"
	instanceBuilding = "BUILDING"
	instanceShutoff  = "SHUTOFF"
	instanceStopped  = "STOPPED"
	instanceDeleting = "DELETING"
	instanceDeleted  = "DELETED"
	instanceError    = "ERROR"
)

// floatingIP is cloud.project.FloatingIp.
type floatingIP struct {
	ID               string `json:"id"`
	IP               string `json:"ip"`
	Status           string `json:"status"`
	AssociatedEntity *struct {
		GatewayID string `json:"gatewayId"`
		ID        string `json:"id"`
		IP        string `json:"ip"`
		Type      string `json:"type"`
	} `json:"associatedEntity"`
}

// instanceCreation is the body of the regional creation, after the
// official provider's CloudProjectInstanceCreateOpts.
type instanceCreation struct {
	BillingPeriod string   `json:"billingPeriod"`
	BootFrom      idHolder `json:"bootFrom"`
	Bulk          int      `json:"bulk"`
	Flavor        struct {
		ID string `json:"id"`
	} `json:"flavor"`
	Name     string `json:"name"`
	UserData string `json:"userData"`
	Network  struct {
		Public  bool `json:"public"`
		Private struct {
			FloatingIPCreate *description `json:"floatingIpCreate,omitempty"`
			Gateway          *idOnly      `json:"gateway,omitempty"`
			IP               string       `json:"ip,omitempty"`
			Network          struct {
				ID       string `json:"id"`
				SubnetID string `json:"subnetId"`
			} `json:"network"`
		} `json:"private"`
	} `json:"network"`
}

type description struct {
	Description string `json:"description"`
}

type idOnly struct {
	ID string `json:"id"`
}

type idHolder struct {
	ImageID string `json:"imageId"`
}

func (c *Client) listImages(ctx context.Context) ([]image, error) {
	var out []image
	path := fill(routeImages, c.cfg.ProjectID) + "?region=" + url.QueryEscape(c.cfg.Region) + "&osType=linux"
	err := c.call(ctx, http.MethodGet, path, routeImages, nil, &out)
	return out, err
}

func (c *Client) listFlavors(ctx context.Context) ([]flavor, error) {
	var out []flavor
	path := fill(routeFlavors, c.cfg.ProjectID) + "?region=" + url.QueryEscape(c.cfg.Region)
	err := c.call(ctx, http.MethodGet, path, routeFlavors, nil, &out)
	return out, err
}

func (c *Client) createInstance(ctx context.Context, body instanceCreation) (operation, error) {
	var out operation
	err := c.call(ctx, http.MethodPost, fill(routeRegionInstances, c.cfg.ProjectID, c.cfg.Region), routeRegionInstances, body, &out)
	return out, err
}

func (c *Client) listInstances(ctx context.Context) ([]struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}, error) {
	var out []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	path := fill(routeInstances, c.cfg.ProjectID) + "?region=" + url.QueryEscape(c.cfg.Region)
	err := c.call(ctx, http.MethodGet, path, routeInstances, nil, &out)
	return out, err
}

func (c *Client) getInstance(ctx context.Context, id string) (instance, error) {
	var out instance
	err := c.call(ctx, http.MethodGet, fill(routeInstance, c.cfg.ProjectID, id), routeInstance, nil, &out)
	return out, err
}

func (c *Client) renameInstance(ctx context.Context, id, name string) error {
	body := struct {
		InstanceName string `json:"instanceName"`
	}{name}
	return c.call(ctx, http.MethodPut, fill(routeInstance, c.cfg.ProjectID, id), routeInstance, body, nil)
}

func (c *Client) deleteInstance(ctx context.Context, id string) error {
	return c.call(ctx, http.MethodDelete, fill(routeInstance, c.cfg.ProjectID, id), routeInstance, nil, nil)
}

func (c *Client) startInstance(ctx context.Context, id string) error {
	return c.call(ctx, http.MethodPost, fill(routeInstanceStart, c.cfg.ProjectID, id), routeInstanceStart, nil, nil)
}

func (c *Client) listFloatingIPs(ctx context.Context) ([]floatingIP, error) {
	var out []floatingIP
	err := c.call(ctx, http.MethodGet, fill(routeFloatingIPs, c.cfg.ProjectID, c.cfg.Region), routeFloatingIPs, nil, &out)
	return out, err
}

func (c *Client) getFloatingIP(ctx context.Context, id string) (floatingIP, error) {
	var out floatingIP
	err := c.call(ctx, http.MethodGet, fill(routeFloatingIP, c.cfg.ProjectID, c.cfg.Region, id), routeFloatingIP, nil, &out)
	return out, err
}

func (c *Client) deleteFloatingIP(ctx context.Context, id string) error {
	return c.call(ctx, http.MethodDelete, fill(routeFloatingIP, c.cfg.ProjectID, c.cfg.Region, id), routeFloatingIP, nil, nil)
}

// createFloatingIP gives an instance's address a new floating IP through
// the gateway of its network.
func (c *Client) createFloatingIP(ctx context.Context, instanceID, privateIP string) (operation, error) {
	body := struct {
		IP string `json:"ip"`
	}{privateIP}
	var out operation
	err := c.call(ctx, http.MethodPost, fill(routeInstanceFloatingIP, c.cfg.ProjectID, c.cfg.Region, instanceID),
		routeInstanceFloatingIP, body, &out)
	return out, err
}

func (c *Client) associateFloatingIP(ctx context.Context, instanceID, floatingIPID, privateIP string) (operation, error) {
	body := struct {
		FloatingIPID string `json:"floatingIpId"`
		IP           string `json:"ip"`
	}{floatingIPID, privateIP}
	var out operation
	err := c.call(ctx, http.MethodPost, fill(routeAssociateFloatingIP, c.cfg.ProjectID, c.cfg.Region, instanceID),
		routeAssociateFloatingIP, body, &out)
	return out, err
}

// waitInstance waits until the instance reaches status, and returns it.
func (c *Client) waitInstance(ctx context.Context, id, status string) (instance, error) {
	var in instance
	err := cloud.WaitFor(ctx, c.retry, "the instance "+id+" to be "+status, func(ctx context.Context) (bool, error) {
		var err error
		if in, err = c.getInstance(ctx, id); err != nil {
			return false, fmt.Errorf("reading the instance %s: %w", id, err)
		}
		switch in.Status {
		case status:
			return true, nil
		case instanceError:
			return false, fmt.Errorf("the instance %s is in error instead of becoming %s", id, status)
		case instanceDeleting, instanceDeleted:
			return false, fmt.Errorf("the instance %s is being deleted: %w", id, cloud.ErrNotFound)
		}
		return false, nil
	})
	return in, err
}

// waitInstanceGone waits until the instance no longer exists.
func (c *Client) waitInstanceGone(ctx context.Context, id string) error {
	return cloud.WaitFor(ctx, c.retry, "the instance "+id+" to be deleted", func(ctx context.Context) (bool, error) {
		in, err := c.getInstance(ctx, id)
		if isNotFound(err) {
			return true, nil
		}
		if err != nil {
			return false, fmt.Errorf("reading the instance %s: %w", id, err)
		}
		return in.Status == instanceDeleted, nil
	})
}
