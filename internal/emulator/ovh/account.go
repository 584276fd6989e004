package ovh

import (
	"strings"
	"time"
)

// Routes about the caller and its Public Cloud projects.

// authTime answers the server's Unix time as a bare JSON integer.
func authTime(c *call) (any, error) {
	return c.handler.opts.Now().Unix(), nil
}

type allowedRoute struct {
	Method string `json:"method"`
	Path   string `json:"path"`
}

// authDetails describes the credential used to sign the call.
func authDetails(c *call) (any, error) {
	identity := "urn:v1:eu:identity:account:" + c.account.NicHandle
	if c.client != "" {
		identity = identityURN(c.account.NicHandle, c.client)
	}
	return map[string]any{
		"account":       c.account.NicHandle,
		"method":        map[string]string{"application": "account", "oauth2": "oauth2_client_credentials"}[c.method],
		"user":          "",
		"identities":    []string{identity},
		"allowedRoutes": []allowedRoute{{"GET", "/*"}, {"POST", "/*"}, {"PUT", "/*"}, {"DELETE", "/*"}},
		"description":   "",
	}, nil
}

func listProjects(c *call) (any, error) {
	ids := []string{}
	for _, p := range c.account.Projects {
		ids = append(ids, p.ID)
	}
	return ids, nil
}

// projectCreationDate is a fixed date so that reads are stable.
var projectCreationDate = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

func getProject(c *call) (any, error) {
	p, err := c.project()
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"project_id":   p.ID,
		"projectName":  p.Description,
		"description":  p.Description,
		"status":       "ok",
		"access":       "full",
		"planCode":     "project.2018",
		"creationDate": projectCreationDate.Format(time.RFC3339),
		"expiration":   nil,
		"manualQuota":  false,
		"orderId":      nil,
		"unleash":      false,
		// iam.ResourceMetadata: the id is a UUID (the project's own id is
		// not one), derived from the project id; no tags.
		"iam": map[string]any{
			"id":          derivedUUID("iam:" + p.ID),
			"urn":         "urn:v1:eu:resource:publicCloudProject:" + p.ID,
			"displayName": p.Description,
			"tags":        nil,
		},
	}, nil
}

func listProjectRegions(c *call) (any, error) {
	p, err := c.project()
	if err != nil {
		return nil, err
	}
	regions := append([]string{}, p.Regions...)
	return regions, nil
}

// me is GET /me, nichandle.Nichandle: the account's holder. The official
// provider reads it for its ovh_me data source and for the subsidiary of
// the services it orders. No schema of /me is at hand (research keeps
// cloud.json only): the fields are those of the API console's
// nichandle.Nichandle as remembered, the values the emulator's own
// (unverified shape).
func me(c *call) (any, error) {
	a := c.account
	return map[string]any{
		"nichandle":                           a.NicHandle,
		"email":                               a.Email,
		"name":                                "Warehouse",
		"firstname":                           "Emulated",
		"organisation":                        "",
		"legalform":                           "corporation",
		"address":                             "2 rue Kellermann",
		"zip":                                 "59100",
		"city":                                "Roubaix",
		"area":                                "",
		"state":                               "complete",
		"country":                             "FR",
		"phone":                               "+33.972101007",
		"phoneCountry":                        "FR",
		"fax":                                 "",
		"language":                            "fr_FR",
		"ovhCompany":                          "ovh",
		"ovhSubsidiary":                       "FR",
		"currency":                            map[string]string{"code": "EUR", "symbol": "EURO"},
		"customerCode":                        "0000-0000-00",
		"vat":                                 "",
		"spareEmail":                          nil,
		"sex":                                 nil,
		"birthDay":                            nil,
		"birthCity":                           nil,
		"nationalIdentificationNumber":        nil,
		"companyNationalIdentificationNumber": nil,
		"corporationType":                     nil,
		"italianSDI":                          nil,
		"kycValidated":                        true,
	}, nil
}

// apiRegion is cloud.Region.
type apiRegion struct {
	ContinentCode      string         `json:"continentCode"`
	DatacenterLocation string         `json:"datacenterLocation"`
	IPCountries        []string       `json:"ipCountries"`
	Name               string         `json:"name"`
	Services           []apiComponent `json:"services"`
	Status             string         `json:"status"`
	Type               string         `json:"type"`
}

// apiComponent is cloud.Component, a service of a region.
type apiComponent struct {
	Endpoint string `json:"endpoint"`
	Name     string `json:"name"`
	Status   string `json:"status"`
}

// regionServices are the services every emulated region runs, all UP: the
// official provider's ovh_cloud_project_regions filters regions on them
// (has_services_up = ["network"] in its subnet acceptance test). The names
// are the OpenStack services' as the API lists them; the endpoints are
// shaped like the real ones (unverified).
var regionServices = []string{"compute", "image", "instance", "network", "storage", "volume", "workflow"}

// getProjectRegion is GET /cloud/project/{serviceName}/region/{regionName}.
func getProjectRegion(c *call) (any, error) {
	p, err := c.project()
	if err != nil {
		return nil, err
	}
	region, err := c.regionParam(p)
	if err != nil {
		return nil, err
	}
	// The datacenter is the region's letters (GRA11 → GRA, RBX-A → RBX);
	// the 3-AZ region names its metropolitan area (EU-WEST-PAR → PAR).
	parts := strings.Split(region, "-")
	location := strings.TrimRight(parts[0], "0123456789")
	if len(parts) > 2 {
		location = parts[len(parts)-1]
	}
	v := apiRegion{ContinentCode: "EU", DatacenterLocation: location, IPCountries: []string{"fr"}, Name: region,
		Status: "UP", Type: "region"}
	host := strings.ToLower(region)
	for _, s := range regionServices {
		v.Services = append(v.Services, apiComponent{Endpoint: "https://" + s + "." + host + ".cloud.ovh.net/", Name: s, Status: "UP"})
	}
	return v, nil
}
