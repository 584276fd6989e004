package ovh

import (
	"encoding/base64"
	"encoding/json"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// Public Cloud instances, their floating IPs, and the image and flavor
// catalogues.
//
// Instances are created the way the official provider's
// ovh_cloud_project_instance does it: POST /region/{regionName}/instance
// (newer than the June 2024 schema; its body follows the provider's
// CloudProjectInstanceCreateOpts), which answers an operation whose
// resourceId is the instance once completed; the provider then reads it at
// GET /region/{regionName}/instance/{instanceId} (also newer, answered in
// the shape of the provider's CloudProjectInstanceResponse). They are read,
// started, stopped and deleted through the v1 routes /instance/{instanceId},
// and their floating IPs through /region/{regionName}/floatingip. An
// instance is on the public network (Ext-Net), on one private network, or
// both, and boots with one of the project's SSH keys (sshkey.go), named or
// made with it.
//
// States move as objects are read, and with time (transient.go): an
// instance answers BUILD to its creation and first read, ACTIVE after;
// stopping shows ACTIVE once more, then SHUTOFF; starting shows SHUTOFF
// once more, then ACTIVE; deleting shows DELETING once, then the instance
// is gone and its floating IP is released (down, kept: floating IPs
// outlive their ports, as in Neutron).
//
// The user-data is stored as sent, for tests to read through the control
// API; the API itself never answers it (InstanceDetail has no such field).

const (
	collInstances   = "ovh.instances"
	collFloatingIPs = "ovh.floating_ips"
)

// computeRoutes are the Public Cloud instances, images, flavors and
// floating IPs.
func computeRoutes() map[string]route {
	const project = "/1.0/cloud/project/{serviceName}"
	const regional = project + "/region/{regionName}"
	return map[string]route{
		"GET " + project + "/image":                                       {serve: listImages},
		"GET " + project + "/flavor":                                      {serve: listFlavors},
		"POST " + regional + "/instance":                                  {serve: createInstance},
		"GET " + regional + "/instance/{instanceId}":                      {serve: getRegionalInstance},
		"GET " + project + "/instance":                                    {serve: listInstances},
		"GET " + project + "/instance/{instanceId}":                       {serve: getInstance},
		"PUT " + project + "/instance/{instanceId}":                       {serve: renameInstance},
		"DELETE " + project + "/instance/{instanceId}":                    {serve: deleteInstance},
		"POST " + project + "/instance/{instanceId}/start":                {serve: startInstance},
		"POST " + project + "/instance/{instanceId}/stop":                 {serve: stopInstance},
		"POST " + regional + "/instance/{instanceId}/floatingIp":          {serve: createFloatingIP},
		"POST " + regional + "/instance/{instanceId}/associateFloatingIp": {serve: associateFloatingIP},
		"GET " + regional + "/floatingip":                                 {serve: listFloatingIPs},
		"GET " + regional + "/floatingip/{floatingIpId}":                  {serve: getFloatingIP},
		"DELETE " + regional + "/floatingip/{floatingIpId}":               {serve: deleteFloatingIP},
		"POST " + regional + "/floatingip/{floatingIpId}/detach":          {serve: detachFloatingIP},
	}
}

// Instance statuses (cloud.instance.InstanceStatusEnum).
const (
	instanceBuild    = "BUILD"
	instanceActive   = "ACTIVE"
	instanceShutoff  = "SHUTOFF"
	instanceDeleting = "DELETING"
)

// Operation actions of the instances (the "<resource>#<verb>" form the
// provider matches; the floating IP ones are unverified).
const (
	actionInstanceCreate   = "instance#create"
	actionFloatingIPCreate = "instance#floatingIp"
	actionFloatingIPLink   = "instance#associateFloatingIp"
)

// maxUserData is OpenStack Nova's limit on user data, 65535 bytes once
// base64-encoded; the API hands the user data over to Nova.
const maxUserData = 65535

// ---- catalogues -------------------------------------------------------------

// flavorSpec is one flavor of the catalogue: OVHcloud's General Purpose b2
// and b3 and Discovery d2 ranges, with their published vCPU, memory and
// disk. The catalogue lists b2-7 first, as real 1-AZ regions do: the
// official acceptance tests take a region's first flavor and expect b2-7
// (TestAccCloudProjectInstance_basic), or b3-8 in a 3-AZ region, where the
// older ranges are not sold (TestAccCloudProjectInstance3AZ_basic).
type flavorSpec struct {
	name   string
	vcpus  int64
	ramGB  int64
	diskGB int64
	osType string
	// oneAZOnly: not in 3-AZ regions (unverified beyond the official tests).
	oneAZOnly bool
}

var flavorCatalogue = []flavorSpec{
	{"b2-7", 2, 7, 50, "linux", true}, {"b2-15", 4, 15, 100, "linux", true},
	{"b3-8", 2, 8, 50, "linux", false}, {"b3-16", 4, 16, 100, "linux", false}, {"b3-32", 8, 32, 200, "linux", false},
	{"b3-64", 16, 64, 400, "linux", false},
	{"d2-2", 1, 2, 25, "linux", true}, {"d2-4", 2, 4, 50, "linux", true}, {"d2-8", 4, 8, 50, "linux", true},
	{"win-b3-8", 2, 8, 50, "windows", false}, {"win-b3-16", 4, 16, 100, "windows", false},
}

// availabilityZones are the zones of OVHcloud's 3-AZ regions. Nova names
// the single zone of any other region "nova".
var availabilityZones = map[string][]string{
	"EU-WEST-PAR": {"eu-west-par-a", "eu-west-par-b", "eu-west-par-c"},
}

// defaultZone is the zone an instance lands in when the creation names none.
func defaultZone(region string) string {
	if zones := availabilityZones[region]; len(zones) > 0 {
		return zones[0]
	}
	return "nova"
}

// apiFlavor is cloud.flavor.Flavor.
type apiFlavor struct {
	Available         bool             `json:"available"`
	Capabilities      []flavorCapacity `json:"capabilities"`
	Disk              int64            `json:"disk"`
	ID                string           `json:"id"`
	InboundBandwidth  *int64           `json:"inboundBandwidth"`
	Name              string           `json:"name"`
	OSType            string           `json:"osType"`
	OutboundBandwidth *int64           `json:"outboundBandwidth"`
	PlanCodes         planCodes        `json:"planCodes"`
	Quota             int64            `json:"quota"`
	RAM               int64            `json:"ram"`
	Region            string           `json:"region"`
	Type              string           `json:"type"`
	VCPUs             int64            `json:"vcpus"`
}

type flavorCapacity struct {
	Enabled bool   `json:"enabled"`
	Name    string `json:"name"`
}

type planCodes struct {
	Hourly  *string `json:"hourly"`
	Monthly *string `json:"monthly"`
}

// flavorsOf is the catalogue as region holds it. Ids are OpenStack's
// UUIDs, different in each region.
func flavorsOf(region string) []apiFlavor {
	out := make([]apiFlavor, 0, len(flavorCatalogue))
	for _, f := range flavorCatalogue {
		if f.oneAZOnly && len(availabilityZones[region]) > 0 {
			continue
		}
		hourly, monthly := f.name+".consumption", f.name+".monthly.postpaid"
		bandwidth := int64(500)
		out = append(out, apiFlavor{
			Available:    true,
			Capabilities: []flavorCapacity{{true, "failoverip"}, {true, "resize"}, {true, "snapshot"}, {true, "volume"}},
			Disk:         f.diskGB, ID: derivedUUID("flavor:" + region + ":" + f.name), InboundBandwidth: &bandwidth,
			Name: f.name, OSType: f.osType, OutboundBandwidth: &bandwidth,
			PlanCodes: planCodes{Hourly: &hourly, Monthly: &monthly},
			Quota:     20, RAM: f.ramGB, Region: region,
			Type:  "ovh.ssd.eg", // the flavors' type of the b2 range; b3's own is unverified
			VCPUs: f.vcpus,
		})
	}
	return out
}

func flavorByID(region, id string) (apiFlavor, bool) {
	for _, f := range flavorsOf(region) {
		if f.ID == id {
			return f, true
		}
	}
	return apiFlavor{}, false
}

// imageSpec is one public image: OVHcloud names them after the
// distribution ("Debian 12", "Ubuntu 24.04"), with the distribution's
// default user.
type imageSpec struct {
	name, user, osType, created string
	sizeGiB                     float64
}

var imageCatalogue = []imageSpec{
	{"Debian 11", "debian", "linux", "2024-09-02T08:15:00Z", 2.1},
	{"Debian 12", "debian", "linux", "2025-03-17T07:40:00Z", 2.3},
	{"Ubuntu 22.04", "ubuntu", "linux", "2025-01-13T09:05:00Z", 2.4},
	{"Ubuntu 24.04", "ubuntu", "linux", "2025-02-10T09:30:00Z", 2.6},
	{"Rocky Linux 9", "rocky", "linux", "2024-12-02T10:20:00Z", 1.9},
	{"Windows Server 2022 Standard (Desktop)", "Administrator", "windows", "2025-02-11T12:00:00Z", 21.4},
}

// apiImage is cloud.image.Image.
type apiImage struct {
	CreationDate string   `json:"creationDate"`
	FlavorType   *string  `json:"flavorType"`
	ID           string   `json:"id"`
	MinDisk      int64    `json:"minDisk"`
	MinRAM       int64    `json:"minRam"`
	Name         string   `json:"name"`
	PlanCode     *string  `json:"planCode"`
	Region       string   `json:"region"`
	Size         float64  `json:"size"`
	Status       string   `json:"status"`
	Tags         []string `json:"tags"`
	Type         string   `json:"type"`
	User         string   `json:"user"`
	Visibility   string   `json:"visibility"`
}

func imagesOf(region string) []apiImage {
	out := make([]apiImage, 0, len(imageCatalogue))
	for _, i := range imageCatalogue {
		out = append(out, apiImage{
			CreationDate: i.created, ID: derivedUUID("image:" + region + ":" + i.name), MinDisk: 0, MinRAM: 0,
			Name: i.name, Region: region, Size: i.sizeGiB, Status: "active", Tags: []string{}, Type: i.osType,
			User: i.user, Visibility: "public",
		})
	}
	return out
}

// PublicImageID is the id of region's public image called name ("Debian
// 12"), and PublicFlavorID that of its flavor called name ("b3-8"), as the
// API lists them: for harnesses that must name them before they can call
// the API. Each is "" for a name the catalogue does not have.
func PublicImageID(region, name string) string {
	for _, i := range imagesOf(region) {
		if i.Name == name {
			return i.ID
		}
	}
	return ""
}

// PublicFlavorID: see PublicImageID.
func PublicFlavorID(region, name string) string {
	for _, f := range flavorsOf(region) {
		if f.Name == name {
			return f.ID
		}
	}
	return ""
}

func imageByID(region, id string) (apiImage, bool) {
	for _, i := range imagesOf(region) {
		if i.ID == id {
			return i, true
		}
	}
	return apiImage{}, false
}

// checkQuery refuses query parameters a route does not take (unverified
// answer: the real API ignores or refuses them, undocumented).
func (c *call) checkQuery(allowed ...string) error {
	for name := range c.r.URL.Query() {
		if !slices.Contains(allowed, name) {
			return errBadRequest("Invalid query parameter: %s", name)
		}
	}
	return nil
}

// queryRegion reads ?region=, checking the project has it.
func (c *call) queryRegion(p Project) (string, error) {
	region := c.r.URL.Query().Get("region")
	if region != "" && !slices.Contains(p.Regions, region) {
		return "", errNotFound("Region %s does not exist or is not enabled in project %s", region, p.ID)
	}
	return region, nil
}

func listImages(c *call) (any, error) {
	if err := c.checkQuery("region", "osType", "flavorType"); err != nil {
		return nil, err
	}
	return c.inProject(func(_ store.Tx, p Project) (any, error) {
		region, err := c.queryRegion(p)
		if err != nil {
			return nil, err
		}
		osType := c.r.URL.Query().Get("osType")
		if osType != "" && !slices.Contains([]string{"baremetal-linux", "bsd", "linux", "windows"}, osType) {
			return nil, errBadRequest("[osType] Given data (%s) does not belong to the OSTypeEnum enumeration", osType)
		}
		out := []apiImage{}
		for _, r := range p.Regions {
			if region != "" && r != region {
				continue
			}
			for _, img := range imagesOf(r) {
				if osType == "" || img.Type == osType {
					out = append(out, img)
				}
			}
		}
		return out, nil
	})
}

func listFlavors(c *call) (any, error) {
	if err := c.checkQuery("region"); err != nil {
		return nil, err
	}
	return c.inProject(func(_ store.Tx, p Project) (any, error) {
		region, err := c.queryRegion(p)
		if err != nil {
			return nil, err
		}
		out := []apiFlavor{}
		for _, r := range p.Regions {
			if region == "" || r == region {
				out = append(out, flavorsOf(r)...)
			}
		}
		return out, nil
	})
}

// ---- instances --------------------------------------------------------------

// apiInstanceDetail is cloud.instance.InstanceDetail.
type apiInstanceDetail struct {
	Created                     string          `json:"created"`
	CurrentMonthOutgoingTraffic *int64          `json:"currentMonthOutgoingTraffic"`
	Flavor                      apiFlavor       `json:"flavor"`
	ID                          string          `json:"id"`
	Image                       apiImage        `json:"image"`
	IPAddresses                 []apiIPAddress  `json:"ipAddresses"`
	MonthlyBilling              json.RawMessage `json:"monthlyBilling"`
	Name                        string          `json:"name"`
	OperationIDs                []string        `json:"operationIds"`
	PlanCode                    *string         `json:"planCode"`
	Region                      string          `json:"region"`
	RescuePassword              *string         `json:"rescuePassword"`
	SSHKey                      json.RawMessage `json:"sshKey"`
	Status                      string          `json:"status"`
}

// apiInstance is cloud.instance.Instance, the list's shape.
type apiInstance struct {
	Created                     string          `json:"created"`
	CurrentMonthOutgoingTraffic *int64          `json:"currentMonthOutgoingTraffic"`
	FlavorID                    string          `json:"flavorId"`
	ID                          string          `json:"id"`
	ImageID                     string          `json:"imageId"`
	IPAddresses                 []apiIPAddress  `json:"ipAddresses"`
	MonthlyBilling              json.RawMessage `json:"monthlyBilling"`
	Name                        string          `json:"name"`
	OperationIDs                []string        `json:"operationIds"`
	PlanCode                    *string         `json:"planCode"`
	Region                      string          `json:"region"`
	SSHKeyID                    *string         `json:"sshKeyId"`
	Status                      string          `json:"status"`
}

// apiIPAddress is cloud.instance.IpAddress.
type apiIPAddress struct {
	GatewayIP *string `json:"gatewayIp"`
	IP        string  `json:"ip"`
	NetworkID string  `json:"networkId"`
	Type      string  `json:"type"`
	Version   int64   `json:"version"`
}

// apiRegionalInstance is what GET /region/{regionName}/instance/{instanceId}
// answers. The route is newer than the June 2024 schema: its shape is the
// official provider's CloudProjectInstanceResponse
// (ovh/types_cloud_project_instance.go), the only description found.
type apiRegionalInstance struct {
	Addresses        []apiRegionalAddress `json:"addresses"`
	AttachedVolumes  []apiAttachedVolume  `json:"attachedVolumes"`
	AvailabilityZone string               `json:"availabilityZone"`
	FlavorID         string               `json:"flavorId"`
	FlavorName       string               `json:"flavorName"`
	ID               string               `json:"id"`
	ImageID          string               `json:"imageId"`
	Name             string               `json:"name"`
	Region           string               `json:"region"`
	SSHKey           *string              `json:"sshKey"` // the key's name
	Status           string               `json:"status"`
	TaskState        *string              `json:"taskState"` // Nova's task_state, null when idle
}

type apiRegionalAddress struct {
	IP      string `json:"ip"`
	Version int64  `json:"version"`
}

type apiAttachedVolume struct {
	ID string `json:"id"`
}

type instanceRecord struct {
	owner
	ID       string `json:"id"`
	Name     string `json:"name"`
	Region   string `json:"region"`
	Zone     string `json:"availability_zone,omitempty"`
	FlavorID string `json:"flavor_id"`
	ImageID  string `json:"image_id"`
	Status   string `json:"status"`
	Task     string `json:"task,omitempty"` // powering-off, powering-on
	Created  string `json:"created"`
	// Since is when the instance entered its status or task.
	Since time.Time `json:"since"`
	// SSHKey is the id of the project's SSH key the instance booted with.
	SSHKey string `json:"ssh_key,omitempty"`
	// PublicIP is the instance's address on Ext-Net, when it is public.
	PublicIP string `json:"public_ip,omitempty"`
	// The private network, when it has one.
	NetworkID string `json:"network_id,omitempty"` // the OpenStack network
	SubnetID  string `json:"subnet_id,omitempty"`
	PrivateIP string `json:"private_ip,omitempty"`
	PortID    string `json:"port_id,omitempty"`
	GatewayIP string `json:"gateway_ip,omitempty"`
	// SecurityGroups are the Neutron security groups on the private port
	// (neutron_ports.go).
	SecurityGroups []string `json:"security_groups,omitempty"`
	// UserData is kept as sent; the API never shows it.
	UserData string `json:"user_data,omitempty"`
}

func (r instanceRecord) addresses() []apiIPAddress {
	out := []apiIPAddress{}
	if r.PublicIP != "" {
		gw := publicGateway(r.PublicIP)
		out = append(out, apiIPAddress{GatewayIP: &gw, IP: r.PublicIP, NetworkID: derivedUUID("Ext-Net:" + r.Region), Type: "public", Version: 4})
	}
	if r.PrivateIP != "" {
		var gw *string
		if r.GatewayIP != "" {
			g := r.GatewayIP
			gw = &g
		}
		out = append(out, apiIPAddress{GatewayIP: gw, IP: r.PrivateIP, NetworkID: r.NetworkID, Type: "private", Version: 4})
	}
	return out
}

func (r instanceRecord) detail(tx store.Tx) (apiInstanceDetail, error) {
	flavor, _ := flavorByID(r.Region, r.FlavorID)
	image, _ := imageByID(r.Region, r.ImageID)
	key := json.RawMessage("null")
	if r.SSHKey != "" {
		k, found, err := store.Get[sshKeyRecord](tx, collSSHKeys, r.SSHKey)
		if err != nil {
			return apiInstanceDetail{}, err
		}
		if found {
			raw, err := json.Marshal(k.detail())
			if err != nil {
				return apiInstanceDetail{}, err
			}
			key = raw
		}
	}
	return apiInstanceDetail{
		Created: r.Created, Flavor: flavor, ID: r.ID, Image: image, IPAddresses: r.addresses(),
		MonthlyBilling: json.RawMessage("null"), Name: r.Name, OperationIDs: []string{}, PlanCode: flavor.PlanCodes.Hourly,
		Region: r.Region, SSHKey: key, Status: r.Status,
	}, nil
}

func (r instanceRecord) summary() apiInstance {
	flavor, _ := flavorByID(r.Region, r.FlavorID)
	v := apiInstance{
		Created: r.Created, FlavorID: r.FlavorID, ID: r.ID, ImageID: r.ImageID, IPAddresses: r.addresses(),
		MonthlyBilling: json.RawMessage("null"), Name: r.Name, OperationIDs: []string{}, PlanCode: flavor.PlanCodes.Hourly,
		Region: r.Region, Status: r.Status,
	}
	if r.SSHKey != "" {
		id := r.SSHKey
		v.SSHKeyID = &id
	}
	return v
}

func (r instanceRecord) regional(tx store.Tx) (apiRegionalInstance, error) {
	flavor, _ := flavorByID(r.Region, r.FlavorID)
	v := apiRegionalInstance{
		Addresses: []apiRegionalAddress{}, AttachedVolumes: []apiAttachedVolume{}, AvailabilityZone: r.Zone,
		FlavorID: r.FlavorID, FlavorName: flavor.Name, ID: r.ID, ImageID: r.ImageID, Name: r.Name, Region: r.Region,
		Status: r.Status,
	}
	if v.AvailabilityZone == "" {
		v.AvailabilityZone = defaultZone(r.Region)
	}
	for _, a := range r.addresses() {
		v.Addresses = append(v.Addresses, apiRegionalAddress{IP: a.IP, Version: a.Version})
	}
	switch {
	case r.Task != "":
		task := r.Task
		v.TaskState = &task
	case r.Status == instanceDeleting:
		task := "deleting"
		v.TaskState = &task
	}
	if r.SSHKey != "" {
		k, found, err := store.Get[sshKeyRecord](tx, collSSHKeys, r.SSHKey)
		if err != nil {
			return v, err
		}
		if found {
			name := k.Name
			v.SSHKey = &name
		}
	}
	return v, nil
}

// answered moves the instance one step on after a read showed it.
func (r instanceRecord) answered(tx store.Tx, at time.Time) error {
	_, err := r.moveOn(tx, at)
	return err
}

// transient reports whether the instance is in a state that moves on.
func (r instanceRecord) transient() bool {
	return r.Status == instanceBuild || r.Task != "" || r.Status == instanceDeleting
}

// moveOn moves the instance one step on at time at, and reports whether it
// is gone.
func (r instanceRecord) moveOn(tx store.Tx, at time.Time) (bool, error) {
	switch {
	case r.Status == instanceBuild:
		r.Status = instanceActive
	case r.Task == "powering-off":
		r.Status, r.Task = instanceShutoff, ""
	case r.Task == "powering-on":
		r.Status, r.Task = instanceActive, ""
	case r.Status == instanceDeleting:
		return true, removeInstance(tx, r)
	default:
		return false, nil
	}
	r.Since = at
	return false, store.Put(tx, collInstances, r.ID, r)
}

// removeInstance deletes the instance; its floating IP loses its port.
func removeInstance(tx store.Tx, r instanceRecord) error {
	fips, err := listInProject[floatingIPRecord](tx, collFloatingIPs, r.Project)
	if err != nil {
		return err
	}
	for _, f := range fips {
		if f.AssociatedEntity != nil && f.AssociatedEntity.ID == r.PortID {
			f.AssociatedEntity, f.Status = nil, "down"
			if err := store.Put(tx, collFloatingIPs, f.ID, f); err != nil {
				return err
			}
		}
	}
	return tx.Delete(collInstances, r.ID)
}

func loadInstance(tx store.Tx, p Project, id string) (instanceRecord, error) {
	r, found, err := getInProject[instanceRecord](tx, collInstances, id, p.ID)
	if err != nil {
		return r, err
	}
	if !found {
		return r, errNotFound("Instance %s does not exist", id) // unverified wording
	}
	return r, nil
}

// instanceCreation is the body of POST /region/{regionName}/instance, as
// the official provider sends it (types_cloud_project_instance.go).
type instanceCreation struct {
	AutoBackup       json.RawMessage `json:"autobackup"`
	AvailabilityZone *string         `json:"availabilityZone"`
	BillingPeriod    *string         `json:"billingPeriod"`
	BootFrom         *struct {
		ImageID  *string `json:"imageId"`
		VolumeID *string `json:"volumeId"`
	} `json:"bootFrom"`
	Bulk   int `json:"bulk"`
	Flavor *struct {
		ID string `json:"id"`
	} `json:"flavor"`
	Group  json.RawMessage `json:"group"`
	Name   *string         `json:"name"`
	SSHKey *struct {
		Name *string `json:"name"`
	} `json:"sshKey"`
	SSHKeyCreate *struct {
		Name      *string `json:"name"`
		PublicKey *string `json:"publicKey"`
	} `json:"sshKeyCreate"`
	UserData *string `json:"userData"`
	Network  *struct {
		Public  bool `json:"public"`
		Private *struct {
			FloatingIP       json.RawMessage `json:"floatingIp"`
			FloatingIPCreate *struct {
				Description string `json:"description"`
			} `json:"floatingIpCreate"`
			Gateway *struct {
				ID string `json:"id"`
			} `json:"gateway"`
			GatewayCreate json.RawMessage `json:"gatewayCreate"`
			IP            string          `json:"ip"`
			Network       *struct {
				ID       string `json:"id"`
				SubnetID string `json:"subnetId"`
			} `json:"network"`
			NetworkCreate json.RawMessage `json:"networkCreate"`
		} `json:"private"`
	} `json:"network"`
}

// unsupported refuses the parts of the creation the emulator does not
// implement, rather than ignore them.
func unsupported(parts map[string]json.RawMessage) error {
	for name, raw := range parts {
		if len(raw) > 0 && string(raw) != "null" {
			return errBadRequest("[%s] The emulator does not implement this property", name)
		}
	}
	return nil
}

// checkCreation checks what the creation body says on its own.
func (req instanceCreation) check() error {
	if err := mandatory(property{"name", req.Name != nil}, property{"flavor", req.Flavor != nil},
		property{"bootFrom", req.BootFrom != nil}, property{"billingPeriod", req.BillingPeriod != nil},
		property{"network", req.Network != nil}); err != nil {
		return err
	}
	if err := unsupported(map[string]json.RawMessage{"autobackup": req.AutoBackup, "group": req.Group}); err != nil {
		return err
	}
	if *req.BillingPeriod != "hourly" && *req.BillingPeriod != "monthly" {
		return errBadRequest("[billingPeriod] Given data (%s) does not belong to the BillingPeriodEnum enumeration", *req.BillingPeriod)
	}
	if req.Bulk > 1 {
		return errBadRequest("[bulk] The emulator creates one instance per call")
	}
	if req.BootFrom.ImageID == nil || req.BootFrom.VolumeID != nil {
		return errBadRequest("[bootFrom] The emulator boots from an image only (imageId)")
	}
	if n := len(*req.Name); n == 0 || n > 255 {
		return errBadRequest("[name] An instance name has 1 to 255 characters")
	}
	if req.UserData != nil {
		if n := base64.StdEncoding.EncodedLen(len(*req.UserData)); n > maxUserData {
			return errBadRequest("[userData] The user data is %d bytes once base64-encoded; OpenStack takes at most %d", n, maxUserData)
		}
	}
	// The official provider sends exactly one of the two (ExactlyOneOf in
	// its schema); the emulator also takes none, for clients that hand
	// their keys over in the user data.
	if req.SSHKey != nil && req.SSHKeyCreate != nil {
		return errBadRequest("[sshKey] sshKey and sshKeyCreate are mutually exclusive") // unverified wording
	}
	if req.SSHKey != nil {
		if err := mandatory(property{"sshKey.name", req.SSHKey.Name != nil}); err != nil {
			return err
		}
	}
	if k := req.SSHKeyCreate; k != nil {
		if err := mandatory(property{"sshKeyCreate.name", k.Name != nil}, property{"sshKeyCreate.publicKey", k.PublicKey != nil}); err != nil {
			return err
		}
	}
	priv := req.Network.Private
	if !req.Network.Public && (priv == nil || priv.Network == nil) {
		return errBadRequest("[network] The instance needs the public network, an existing private network (network.private.network), or both")
	}
	if priv == nil {
		return nil
	}
	if priv.Network == nil {
		return errBadRequest("[network.private] The emulator attaches instances to an existing private network only (network.private.network)")
	}
	if err := unsupported(map[string]json.RawMessage{"network.private.floatingIp": priv.FloatingIP,
		"network.private.gatewayCreate": priv.GatewayCreate, "network.private.networkCreate": priv.NetworkCreate}); err != nil {
		return err
	}
	for field, v := range map[string]string{"network.private.network.id": priv.Network.ID, "network.private.network.subnetId": priv.Network.SubnetID} {
		if err := checkUUID(v); err != nil {
			return errBadRequest("[%s] invalid: invalid uuid '%s': %v", field, v, err)
		}
	}
	return nil
}

func createInstance(c *call) (any, error) {
	var req instanceCreation
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := req.check(); err != nil {
		return nil, err
	}
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		region, err := c.regionParam(p)
		if err != nil {
			return nil, err
		}
		flavor, ok := flavorByID(region, req.Flavor.ID)
		if !ok {
			return nil, errNotFound("Flavor %s does not exist in region %s", req.Flavor.ID, region) // unverified wording
		}
		image, ok := imageByID(region, *req.BootFrom.ImageID)
		if !ok {
			return nil, errNotFound("Image %s does not exist in region %s", *req.BootFrom.ImageID, region) // unverified wording
		}
		if image.Type != flavor.OSType {
			return nil, errBadRequest("The image %s (%s) cannot boot on the flavor %s (%s)", image.Name, image.Type, flavor.Name, flavor.OSType)
		}
		zone := defaultZone(region)
		if req.AvailabilityZone != nil {
			zone = *req.AvailabilityZone
			if !slices.Contains(availabilityZones[region], zone) {
				// Unverified wording; Nova's own answer is "The requested
				// availability zone is not available".
				return nil, errBadRequest("[availabilityZone] %s is not an availability zone of region %s (%v)", zone, region, availabilityZones[region])
			}
		}
		r := instanceRecord{owner: owner{p.ID}, ID: newUUID(), Name: *req.Name, Region: region, Zone: zone, FlavorID: flavor.ID,
			ImageID: image.ID, Status: instanceBuild, Created: c.now(), Since: c.clock()}
		if req.UserData != nil {
			r.UserData = *req.UserData
		}
		switch {
		case req.SSHKey != nil:
			k, err := keyByName(tx, p, *req.SSHKey.Name, region)
			if err != nil {
				return nil, err
			}
			r.SSHKey = k.ID
		case req.SSHKeyCreate != nil:
			k, err := addSSHKey(tx, p, *req.SSHKeyCreate.Name, *req.SSHKeyCreate.PublicKey, &region)
			if err != nil {
				return nil, err
			}
			r.SSHKey = k.ID
		}
		if req.Network.Public {
			if r.PublicIP, err = freePublicAddress(tx); err != nil {
				return nil, err
			}
		}
		var gw *gatewayRecord
		if priv := req.Network.Private; priv != nil {
			if gw, err = r.attachPrivate(tx, p, priv.Network.ID, priv.Network.SubnetID, priv.IP); err != nil {
				return nil, err
			}
			if priv.Gateway != nil && (gw == nil || gw.ID != priv.Gateway.ID) {
				return nil, errBadRequest("Gateway %s is not attached to the subnet %s", priv.Gateway.ID, r.SubnetID) // unverified
			}
			if priv.FloatingIPCreate != nil && gw == nil {
				return nil, errBadRequest("A floating IP needs a gateway in the subnet %s: attach one, or ask for gatewayCreate", r.SubnetID) // unverified
			}
		}
		if err := store.Put(tx, collInstances, r.ID, r); err != nil {
			return nil, err
		}
		if priv := req.Network.Private; priv != nil && priv.FloatingIPCreate != nil {
			if _, err := newFloatingIP(tx, p, region, r, gw.ID); err != nil {
				return nil, err
			}
		}
		op, err := startOperation(tx, c, p, actionInstanceCreate, region, "")
		if err != nil {
			return nil, err
		}
		op.Subject, op.SubjectCollection = r.ID, collInstances
		return op.view(), store.Put(tx, collOperations, op.ID, op)
	})
}

// attachPrivate gives the instance a port in a subnet of the private
// network (the OpenStack network openstackID), and returns the gateway of
// that subnet, if any.
func (r *instanceRecord) attachPrivate(tx store.Tx, p Project, openstackID, subnetID, ip string) (*gatewayRecord, error) {
	s, subnetNetwork, err := subnetInRegion(tx, p, r.Region, subnetID)
	if err != nil {
		return nil, err
	}
	if subnetNetwork != openstackID {
		return nil, errNotFound("Subnet %s does not exist in network %s", s.ID, openstackID) // unverified wording
	}
	gw, err := gatewayOn(tx, p, s.ID)
	if err != nil {
		return nil, err
	}
	address, err := freeInstanceAddress(tx, p, s, ip)
	if err != nil {
		return nil, err
	}
	r.NetworkID, r.SubnetID, r.PrivateIP, r.PortID = openstackID, s.ID, address, newUUID()
	if s.GatewayIP != nil {
		r.GatewayIP = *s.GatewayIP
	}
	return gw, nil
}

// publicAddressesOfInstances is the block instances on Ext-Net take their
// address from: TEST-NET-1 (RFC 5737), apart from the gateways' and the
// floating IPs' blocks.
var publicAddressesOfInstances = netip.MustParsePrefix("192.0.2.0/24")

// publicGateway is the router of Ext-Net for a public address.
func publicGateway(string) string {
	return publicAddressesOfInstances.Addr().Next().String()
}

// freePublicAddress picks the lowest Ext-Net address no instance holds,
// the block's first address being the router.
func freePublicAddress(tx store.Tx) (string, error) {
	all, err := store.List[instanceRecord](tx, collInstances)
	if err != nil {
		return "", err
	}
	used := map[string]bool{publicGateway(""): true}
	for _, r := range all {
		used[r.PublicIP] = true
	}
	last := lastAddress(publicAddressesOfInstances)
	for a := publicAddressesOfInstances.Addr().Next(); a.Less(last); a = a.Next() {
		if !used[a.String()] {
			return a.String(), nil
		}
	}
	return "", errConflict("No public address is left for an instance in the emulator (%s)", publicAddressesOfInstances)
}

// freeInstanceAddress gives an instance an address of the subnet's DHCP
// pool, or checks the one asked for.
func freeInstanceAddress(tx store.Tx, p Project, s subnetRecord, asked string) (string, error) {
	used := map[string]bool{}
	if s.GatewayIP != nil {
		used[*s.GatewayIP] = true
	}
	all, err := listInProject[instanceRecord](tx, collInstances, p.ID)
	if err != nil {
		return "", err
	}
	for _, r := range all {
		if r.SubnetID == s.ID {
			used[r.PrivateIP] = true
		}
	}
	var start, end netip.Addr
	for _, pool := range s.IPPools {
		start, _ = netip.ParseAddr(pool.Start)
		end, _ = netip.ParseAddr(pool.End)
	}
	if !start.IsValid() || !end.IsValid() {
		return "", errBadRequest("Subnet %s has no DHCP pool to take an address from", s.ID) // unverified
	}
	if asked != "" {
		a, err := netip.ParseAddr(asked)
		if err != nil || a.Less(start) || end.Less(a) {
			return "", errBadRequest("[network.private.ip] %s is not an address of the pool %s-%s of the subnet %s", asked, start, end, s.ID)
		}
		if used[a.String()] {
			return "", errConflict("The address %s is already in use in the subnet %s", asked, s.ID) // unverified
		}
		return a.String(), nil
	}
	for a := start; !end.Less(a); a = a.Next() {
		if !used[a.String()] {
			return a.String(), nil
		}
	}
	return "", errConflict("No address is left in the subnet %s", s.ID) // unverified
}

// instanceParam reads {instanceId}: the v1 routes take any string, the
// regional ones a UUID.
func (c *call) instanceParam(regional bool) (string, error) {
	if regional {
		return c.uuidParam("instanceId")
	}
	return c.r.PathValue("instanceId"), nil
}

func getInstance(c *call) (any, error) {
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		id, _ := c.instanceParam(false)
		r, err := loadInstance(tx, p, id)
		if err != nil {
			return nil, err
		}
		v, err := r.detail(tx)
		if err != nil {
			return nil, err
		}
		return v, c.advance(collInstances, r.ID, r.Status+"/"+r.Task, func() error { return r.answered(tx, c.clock()) })
	})
}

// getRegionalInstance is GET /region/{regionName}/instance/{instanceId},
// which the official provider polls until the instance is ACTIVE.
func getRegionalInstance(c *call) (any, error) {
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		region, err := c.regionParam(p)
		if err != nil {
			return nil, err
		}
		id, err := c.instanceParam(true)
		if err != nil {
			return nil, err
		}
		r, err := loadInstance(tx, p, id)
		if err != nil {
			return nil, err
		}
		if r.Region != region {
			return nil, errNotFound("Instance %s does not exist in region %s", id, region) // unverified wording
		}
		v, err := r.regional(tx)
		if err != nil {
			return nil, err
		}
		return v, c.advance(collInstances, r.ID, r.Status+"/"+r.Task, func() error { return r.answered(tx, c.clock()) })
	})
}

func listInstances(c *call) (any, error) {
	if err := c.checkQuery("region"); err != nil {
		return nil, err
	}
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		region, err := c.queryRegion(p)
		if err != nil {
			return nil, err
		}
		all, err := listInProject[instanceRecord](tx, collInstances, p.ID)
		if err != nil {
			return nil, err
		}
		out := []apiInstance{}
		for _, r := range all {
			if region != "" && r.Region != region {
				continue
			}
			out = append(out, r.summary())
			if err := c.advance(collInstances, r.ID, r.Status+"/"+r.Task, func() error { return r.answered(tx, c.clock()) }); err != nil {
				return nil, err
			}
		}
		return out, nil
	})
}

func deleteInstance(c *call) (any, error) {
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		id, _ := c.instanceParam(false)
		r, err := loadInstance(tx, p, id)
		if err != nil {
			return nil, err
		}
		r.Status, r.Task, r.Since = instanceDeleting, "", c.clock()
		return nil, store.Put(tx, collInstances, r.ID, r)
	})
}

// renameInstance is PUT /instance/{instanceId} (cloud.ProjectInstanceUpdate).
func renameInstance(c *call) (any, error) {
	var req struct {
		InstanceName *string `json:"instanceName"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := mandatory(property{"instanceName", req.InstanceName != nil}); err != nil {
		return nil, err
	}
	if n := len(*req.InstanceName); n == 0 || n > 255 {
		return nil, errBadRequest("[instanceName] An instance name has 1 to 255 characters")
	}
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		id, _ := c.instanceParam(false)
		r, err := loadInstance(tx, p, id)
		if err != nil {
			return nil, err
		}
		r.Name = *req.InstanceName
		return nil, store.Put(tx, collInstances, r.ID, r)
	})
}

// powerInstance starts or stops an instance. Asking for the state it is
// in answers a conflict, as Nova does (unverified through the OVHcloud API).
func powerInstance(c *call, start bool) (any, error) {
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		id, _ := c.instanceParam(false)
		r, err := loadInstance(tx, p, id)
		if err != nil {
			return nil, err
		}
		switch {
		case start && r.Status == instanceShutoff && r.Task == "":
			r.Task = "powering-on"
		case !start && r.Status == instanceActive && r.Task == "":
			r.Task = "powering-off"
		default:
			verb := map[bool]string{true: "start", false: "stop"}[start]
			return nil, errConflict("Cannot '%s' instance %s while it is %s", verb, r.ID, strings.ToLower(r.Status+" "+r.Task))
		}
		r.Since = c.clock()
		return nil, store.Put(tx, collInstances, r.ID, r)
	})
}

func startInstance(c *call) (any, error) { return powerInstance(c, true) }
func stopInstance(c *call) (any, error)  { return powerInstance(c, false) }

// ---- floating IPs -----------------------------------------------------------

// floatingAddresses is the block floating IPs come from: TEST-NET-3 (RFC
// 5737), apart from the gateways' block.
var floatingAddresses = netip.MustParsePrefix("203.0.113.0/24")

// apiFloatingIP is cloud.project.FloatingIp.
type apiFloatingIP struct {
	AssociatedEntity *associatedEntity `json:"associatedEntity"`
	ID               string            `json:"id"`
	IP               string            `json:"ip"`
	NetworkID        string            `json:"networkId"`
	Region           string            `json:"region"`
	Status           string            `json:"status"`
}

// associatedEntity is cloud.project.floatingIp.AssociatedEntity: the port
// the floating IP reaches, through a gateway.
type associatedEntity struct {
	GatewayID string `json:"gatewayId"`
	ID        string `json:"id"`
	IP        string `json:"ip"`
	Type      string `json:"type"`
}

type floatingIPRecord struct {
	owner
	apiFloatingIP
}

func (f floatingIPRecord) view() apiFloatingIP {
	v := f.apiFloatingIP
	if f.AssociatedEntity != nil {
		e := *f.AssociatedEntity
		v.AssociatedEntity = &e
	}
	return v
}

// newFloatingIP allocates a floating IP and associates it with an
// instance's port through gatewayID.
func newFloatingIP(tx store.Tx, p Project, region string, r instanceRecord, gatewayID string) (floatingIPRecord, error) {
	all, err := store.List[floatingIPRecord](tx, collFloatingIPs)
	if err != nil {
		return floatingIPRecord{}, err
	}
	used := map[string]bool{}
	for _, f := range all {
		used[f.IP] = true
	}
	var address string
	for a := floatingAddresses.Addr().Next(); floatingAddresses.Contains(a); a = a.Next() {
		if !used[a.String()] && a != lastAddress(floatingAddresses) {
			address = a.String()
			break
		}
	}
	if address == "" {
		return floatingIPRecord{}, errConflict("No floating IP is left in the emulator (%s)", floatingAddresses)
	}
	f := floatingIPRecord{owner: owner{p.ID}, apiFloatingIP: apiFloatingIP{
		ID: newUUID(), IP: address, NetworkID: derivedUUID("Ext-Net:" + region), Region: region, Status: "active",
		AssociatedEntity: &associatedEntity{GatewayID: gatewayID, ID: r.PortID, IP: r.PrivateIP, Type: "instance"},
	}}
	return f, store.Put(tx, collFloatingIPs, f.ID, f)
}

func loadFloatingIP(tx store.Tx, p Project, region, id string) (floatingIPRecord, error) {
	f, found, err := getInProject[floatingIPRecord](tx, collFloatingIPs, id, p.ID)
	if err != nil {
		return f, err
	}
	if !found || f.Region != region {
		return f, errNotFound("Floating IP %s does not exist in region %s", id, region) // unverified wording
	}
	return f, nil
}

// floatingIPTarget checks the body of floatingIp and associateFloatingIp:
// the instance's private address, and a gateway in its subnet.
func floatingIPTarget(tx store.Tx, c *call, p Project, ip string, gatewayWanted bool) (string, instanceRecord, *gatewayRecord, error) {
	region, err := c.regionParam(p)
	if err != nil {
		return "", instanceRecord{}, nil, err
	}
	id, err := c.instanceParam(true)
	if err != nil {
		return "", instanceRecord{}, nil, err
	}
	r, err := loadInstance(tx, p, id)
	if err != nil {
		return "", instanceRecord{}, nil, err
	}
	if r.Region != region {
		return "", instanceRecord{}, nil, errNotFound("Instance %s does not exist in region %s", id, region)
	}
	if r.Status == instanceDeleting {
		return "", instanceRecord{}, nil, errConflict("Instance %s is being deleted", id)
	}
	if r.PrivateIP == "" {
		return "", instanceRecord{}, nil, errBadRequest("Instance %s has no private network: a floating IP reaches a private address", id) // unverified
	}
	if ip != r.PrivateIP {
		return "", instanceRecord{}, nil, errBadRequest("[ip] %s is not an address of the instance %s", ip, id) // unverified
	}
	gw, err := gatewayOn(tx, p, r.SubnetID)
	if err != nil {
		return "", instanceRecord{}, nil, err
	}
	if gw == nil && !gatewayWanted {
		return "", instanceRecord{}, nil, errBadRequest("The instance's subnet %s has no gateway: a floating IP needs one", r.SubnetID) // unverified
	}
	return region, r, gw, nil
}

// gatewaySummary is cloud.network.CreateGatewaySummary; the emulator does
// not make gateways this way, and refuses it.
type gatewaySummary struct {
	Model string `json:"model"`
	Name  string `json:"name"`
}

func createFloatingIP(c *call) (any, error) {
	var req struct {
		Gateway *gatewaySummary `json:"gateway"`
		IP      *string         `json:"ip"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := mandatory(property{"ip", req.IP != nil}); err != nil {
		return nil, err
	}
	if req.Gateway != nil {
		return nil, errBadRequest("[gateway] The emulator does not make gateways with a floating IP")
	}
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		region, r, gw, err := floatingIPTarget(tx, c, p, *req.IP, false)
		if err != nil {
			return nil, err
		}
		if err := detachFrom(tx, p, r.PortID); err != nil {
			return nil, err
		}
		f, err := newFloatingIP(tx, p, region, r, gw.ID)
		if err != nil {
			return nil, err
		}
		op, err := startOperation(tx, c, p, actionFloatingIPCreate, region, "")
		if err != nil {
			return nil, err
		}
		op.Subject, op.SubjectCollection = f.ID, collFloatingIPs
		return op.view(), store.Put(tx, collOperations, op.ID, op)
	})
}

func associateFloatingIP(c *call) (any, error) {
	var req struct {
		FloatingIPID *string         `json:"floatingIpId"`
		Gateway      *gatewaySummary `json:"gateway"`
		IP           *string         `json:"ip"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := mandatory(property{"floatingIpId", req.FloatingIPID != nil}, property{"ip", req.IP != nil}); err != nil {
		return nil, err
	}
	if req.Gateway != nil {
		return nil, errBadRequest("[gateway] The emulator does not make gateways with a floating IP")
	}
	if err := checkUUID(*req.FloatingIPID); err != nil {
		return nil, errBadRequest("[floatingIpId] invalid: invalid uuid '%s': %v", *req.FloatingIPID, err)
	}
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		region, r, gw, err := floatingIPTarget(tx, c, p, *req.IP, false)
		if err != nil {
			return nil, err
		}
		f, err := loadFloatingIP(tx, p, region, *req.FloatingIPID)
		if err != nil {
			return nil, err
		}
		if f.AssociatedEntity != nil && f.AssociatedEntity.ID != r.PortID {
			return nil, errConflict("Floating IP %s is associated with the port %s: detach it first", f.ID, f.AssociatedEntity.ID) // unverified
		}
		if err := detachFrom(tx, p, r.PortID); err != nil {
			return nil, err
		}
		f.AssociatedEntity = &associatedEntity{GatewayID: gw.ID, ID: r.PortID, IP: r.PrivateIP, Type: "instance"}
		f.Status = "active"
		if err := store.Put(tx, collFloatingIPs, f.ID, f); err != nil {
			return nil, err
		}
		op, err := startOperation(tx, c, p, actionFloatingIPLink, region, "")
		if err != nil {
			return nil, err
		}
		op.Subject, op.SubjectCollection = f.ID, collFloatingIPs
		return op.view(), store.Put(tx, collOperations, op.ID, op)
	})
}

// detachFrom releases the floating IP a port holds, if any: a port has one
// floating IP at most.
func detachFrom(tx store.Tx, p Project, portID string) error {
	fips, err := listInProject[floatingIPRecord](tx, collFloatingIPs, p.ID)
	if err != nil {
		return err
	}
	for _, f := range fips {
		if f.AssociatedEntity != nil && f.AssociatedEntity.ID == portID {
			f.AssociatedEntity, f.Status = nil, "down"
			if err := store.Put(tx, collFloatingIPs, f.ID, f); err != nil {
				return err
			}
		}
	}
	return nil
}

func listFloatingIPs(c *call) (any, error) {
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		region, err := c.regionParam(p)
		if err != nil {
			return nil, err
		}
		all, err := listInProject[floatingIPRecord](tx, collFloatingIPs, p.ID)
		if err != nil {
			return nil, err
		}
		out := []apiFloatingIP{}
		for _, f := range all {
			if f.Region == region {
				out = append(out, f.view())
			}
		}
		return out, nil
	})
}

// floatingIPParam reads the region and {floatingIpId}.
func (c *call) floatingIPParam(p Project) (string, string, error) {
	region, err := c.regionParam(p)
	if err != nil {
		return "", "", err
	}
	id, err := c.uuidParam("floatingIpId")
	return region, id, err
}

func getFloatingIP(c *call) (any, error) {
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		region, id, err := c.floatingIPParam(p)
		if err != nil {
			return nil, err
		}
		f, err := loadFloatingIP(tx, p, region, id)
		if err != nil {
			return nil, err
		}
		return f.view(), nil
	})
}

func deleteFloatingIP(c *call) (any, error) {
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		region, id, err := c.floatingIPParam(p)
		if err != nil {
			return nil, err
		}
		f, err := loadFloatingIP(tx, p, region, id)
		if err != nil {
			return nil, err
		}
		return nil, tx.Delete(collFloatingIPs, f.ID)
	})
}

func detachFloatingIP(c *call) (any, error) {
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		region, id, err := c.floatingIPParam(p)
		if err != nil {
			return nil, err
		}
		f, err := loadFloatingIP(tx, p, region, id)
		if err != nil {
			return nil, err
		}
		if f.AssociatedEntity == nil {
			return nil, errBadRequest("Floating IP %s is not associated", f.ID) // unverified
		}
		f.AssociatedEntity, f.Status = nil, "down"
		return nil, store.Put(tx, collFloatingIPs, f.ID, f)
	})
}
