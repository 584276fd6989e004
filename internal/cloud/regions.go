package cloud

// Region is one entry of the regions catalogue: a region of a cloud's API,
// or a qualified offer reached through other APIs, with what public
// statements say of it.
//
// The catalogue is truthful by construction: a flag is true only when a
// public source says so, the source's URL is recorded, and Notes says what
// could not be verified.
type Region struct {
	Cloud    string
	Name     string // the API's region code, or the location of an offer outside the API
	Location string
	Country  string // ISO 3166-1 alpha-2
	InEU     bool
	// SecNumCloud: a public source names it SecNumCloud-qualified by ANSSI.
	SecNumCloud bool
	// HDS: a public source places it within an HDS certificate.
	HDS   bool
	Offer string
	// ProviderSupported: this provider can deploy there (the region is
	// reachable through the API the provider uses).
	ProviderSupported bool
	Source            string // URL behind SecNumCloud
	HDSSource         string // URL behind HDS
	Notes             string
}

// Regions returns the catalogue, OUTSCALE first.
func Regions() []Region {
	out := make([]Region, len(catalogue))
	copy(out, catalogue)
	return out
}

// LookupRegion finds a region of a cloud by its exact name.
func LookupRegion(cloudName, name string) (Region, bool) {
	for _, r := range catalogue {
		if r.Cloud == cloudName && r.Name == name {
			return r, true
		}
	}
	return Region{}, false
}

// Sources quoted by several entries.
const (
	srcOutscaleRegions = "https://docs.outscale.com/en/userguide/Regions-Endpoints-and-Availability-Zones-Reference.html"
	srcOVHRegions      = "https://www.ovhcloud.com/en/public-cloud/regions-availability/"
)

var catalogue = []Region{
	// 3DS OUTSCALE: the five Regions of OAPI (osc-sdk-go v2 configuration).
	{Cloud: Outscale, Name: "cloudgouv-eu-west-1", Location: "Paris area", Country: "FR", InEU: true,
		SecNumCloud: true, HDS: true, Offer: "3DS OUTSCALE IaaS, cloudgouv Region", ProviderSupported: true,
		Source: srcOutscaleRegions, HDSSource: srcOutscaleRegions,
		Notes: "PROVISIONAL"},
	{Cloud: Outscale, Name: "eu-west-2", Location: "Paris area", Country: "FR", InEU: true,
		Offer: "3DS OUTSCALE IaaS", ProviderSupported: true, Source: srcOutscaleRegions, HDSSource: srcOutscaleRegions,
		Notes: "PROVISIONAL"},
	{Cloud: Outscale, Name: "us-east-2", Location: "New Jersey", Country: "US",
		Offer: "3DS OUTSCALE IaaS", ProviderSupported: true, Source: srcOutscaleRegions, HDSSource: srcOutscaleRegions,
		Notes: "Outside the EU: subject to non-EU law."},
	{Cloud: Outscale, Name: "us-west-1", Location: "California", Country: "US",
		Offer: "3DS OUTSCALE IaaS", ProviderSupported: true, Source: srcOutscaleRegions, HDSSource: srcOutscaleRegions,
		Notes: "Outside the EU: subject to non-EU law."},
	{Cloud: Outscale, Name: "ap-northeast-1", Location: "Tokyo", Country: "JP",
		Offer: "3DS OUTSCALE IaaS", ProviderSupported: true, Source: srcOutscaleRegions, HDSSource: srcOutscaleRegions,
		Notes: "Outside the EU."},

	// OVHcloud Public Cloud regions reachable through /cloud/project.
	{Cloud: OVH, Name: "EU-WEST-PAR", Location: "Paris (3 availability zones)", Country: "FR", InEU: true,
		Offer: "OVHcloud Public Cloud", ProviderSupported: true, Source: srcOVHRegions, HDSSource: srcOVHRegions, Notes: "PROVISIONAL"},
	{Cloud: OVH, Name: "GRA11", Location: "Gravelines", Country: "FR", InEU: true,
		Offer: "OVHcloud Public Cloud", ProviderSupported: true, Source: srcOVHRegions, HDSSource: srcOVHRegions, Notes: "PROVISIONAL"},
	{Cloud: OVH, Name: "RBX-A", Location: "Roubaix", Country: "FR", InEU: true,
		Offer: "OVHcloud Public Cloud", ProviderSupported: true, Source: srcOVHRegions, HDSSource: srcOVHRegions, Notes: "PROVISIONAL"},
	{Cloud: OVH, Name: "SBG5", Location: "Strasbourg", Country: "FR", InEU: true,
		Offer: "OVHcloud Public Cloud", ProviderSupported: true, Source: srcOVHRegions, HDSSource: srcOVHRegions, Notes: "PROVISIONAL"},
}
