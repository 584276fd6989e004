package outscale

import "slices"

// Actions about the account and the Regions.

type accountOut struct {
	AccountID string `json:"AccountId"`
	Email     string `json:"Email"`
}

func readAccounts(c *call) (any, error) {
	var req struct {
		DryRun bool `json:"DryRun"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	return struct {
		Accounts []accountOut `json:"Accounts"`
	}{[]accountOut{{AccountID: c.account.AccountID, Email: c.account.Email}}}, nil
}

type regionOut struct {
	RegionName string `json:"RegionName"`
	Endpoint   string `json:"Endpoint"`
}

func readRegions(c *call) (any, error) {
	var req struct {
		DryRun  bool `json:"DryRun"`
		Filters struct {
			RegionNames []string `json:"RegionNames"`
		} `json:"Filters"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	out := []regionOut{}
	for _, r := range c.handler.opts.Regions {
		if len(req.Filters.RegionNames) > 0 && !slices.Contains(req.Filters.RegionNames, r) {
			continue
		}
		out = append(out, regionOut{RegionName: r, Endpoint: "api." + r + ".outscale.com"})
	}
	return struct {
		Regions []regionOut `json:"Regions"`
	}{out}, nil
}

type subregionOut struct {
	SubregionName string `json:"SubregionName"`
	RegionName    string `json:"RegionName"`
	State         string `json:"State"`
	LocationCode  string `json:"LocationCode"`
}

// readSubregions lists the Subregions of the caller's Region. The spec's
// examples show "a" in PAR1 and "b" in PAR4; the emulator serves those two.
func readSubregions(c *call) (any, error) {
	var req struct {
		DryRun  bool `json:"DryRun"`
		Filters struct {
			SubregionNames []string `json:"SubregionNames"`
			RegionNames    []string `json:"RegionNames"`
			States         []string `json:"States"`
		} `json:"Filters"`
		page
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	region := c.account.Region
	out := []subregionOut{}
	for _, z := range []struct{ suffix, location string }{{"a", "PAR1"}, {"b", "PAR4"}} {
		s := subregionOut{SubregionName: region + z.suffix, RegionName: region, State: "available", LocationCode: z.location}
		f := req.Filters
		if (len(f.SubregionNames) > 0 && !slices.Contains(f.SubregionNames, s.SubregionName)) ||
			(len(f.RegionNames) > 0 && !slices.Contains(f.RegionNames, region)) ||
			(len(f.States) > 0 && !slices.Contains(f.States, s.State)) {
			continue
		}
		out = append(out, s)
	}
	shown, next, err := paginate(req.page, out)
	if err != nil {
		return nil, err
	}
	return struct {
		Subregions    []subregionOut `json:"Subregions"`
		NextPageToken string         `json:"NextPageToken,omitempty"`
	}{shown, next}, nil
}
