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

// Public sources behind the flags. Where a page could only be read as quoted
// by a third party, the entry's Notes say so.
const (
	// OUTSCALE's region and endpoint reference: the five OAPI Regions.
	srcOutscaleRegions = "https://docs.outscale.com/en/userguide/Regions-Endpoints-and-Subregions-Reference.html"
	// OUTSCALE support: the whole cloudgouv-eu-west-1 Region (both
	// Subregions) is SecNumCloud-qualified, eu-west-2 is not.
	srcOutscaleSNC = "https://support.outscale.com/hc/en-us/articles/4420389575195"
	// OUTSCALE's certifications page, which holds its HDS certificate.
	srcOutscaleCerts = "https://en.outscale.com/our-certifications/"
	// OVHcloud Public Cloud region codes, cities and 1-AZ/3-AZ types.
	srcOVHRegions = "https://github.com/ovh/docs/blob/develop/pages/public_cloud/containers_orchestration/managed_kubernetes/datacenters-nodes-storage-flavors/guide.en-gb.md"
	// OVHcloud, per product: HDS-certified "Oui", SecNumCloud 3.2 "Non"
	// for Public Cloud.
	srcOVHGuarantees = "https://github.com/ovh/docs/blob/develop/pages/account_and_service_management/account_information/hds_garanties/guide.fr-fr.md"
	// OVHcloud's HDS-certified products and how to enable HDS on a project.
	srcOVHHDS = "https://github.com/ovh/docs/blob/develop/pages/account_and_service_management/account_information/hds_certification/guide.en-gb.md"
	// Reversibility policy of Managed Dedicated Cloud - SecNumCloud.
	srcOVHVMwareSNC = "https://help.ovhcloud.com/csm/en-gb-reversibility-policy-snc-vmware-on-ovhcloud?id=kb_article_view&sysparm_article=KB0061791"
	// Reversibility policy of Bare Metal Pod SecNumCloud.
	srcOVHBareMetalPodSNC = "https://docs.ovhcloud.com/de/guides/account-and-service-management/reversibility/24-bm-pod-snc-reversbility"
	// Roadmap items of the SNC Cloud Platform (beta).
	srcOVHSNCPlatform = "https://github.com/ovh/private-cloud-roadmap/issues/229"
)

// Notes shared by several entries.
const (
	noteNonEEA                = "Outside the EU/EEA: HDS requires physical hosting in the EEA and SecNumCloud requires hosting and operation in the EU, so neither can apply; subject to non-EU law."
	noteOVHPublicCloudHDS     = "Not SecNumCloud-qualified: OVHcloud states SecNumCloud 3.2 \"Non\" for Public Cloud products. HDS: OVHcloud certifies Public Cloud Instances, Block and Object Storage (activities 1-4 and 6), only for projects with the HDS option enabled (Business or Enterprise support). OVHcloud does not publish which data centres the certificate covers; France is its documented HDS country."
	noteOVHPublicCloudEUNoHDS = "Not SecNumCloud-qualified: OVHcloud states SecNumCloud 3.2 \"Non\" for Public Cloud products. HDS unverified here: OVHcloud does not publish which data centres its certificate covers, and its Hosted Private Cloud page names HDS only for France, local health-data compliance elsewhere."
)

var catalogue = []Region{
	// 3DS OUTSCALE: the five public OAPI Regions (osc-sdk-go v2 and the
	// region reference). The docs give countries, not cities.
	{Cloud: Outscale, Name: "cloudgouv-eu-west-1", Location: "France", Country: "FR", InEU: true,
		SecNumCloud: true, HDS: true, Offer: "3DS OUTSCALE IaaS, SecNumCloud Region (cloudgouv)", ProviderSupported: true,
		Source: srcOutscaleSNC, HDSSource: srcOutscaleCerts,
		Notes: "SecNumCloud 3.2 qualification covers the whole Region, both Subregions (OUTSCALE support, read as quoted in github.com/stephrobert/pepin/issues/167). " +
			"Access is granted on request. HDS: OUTSCALE holds an HDS certificate and offers HDS agreements; a hosting platform built on this Region is documented as HDS and SecNumCloud " +
			"(Scalingo osc-secnum-fr1). The certificate's exact scope and activities could not be read here: check the certificate itself."},
	{Cloud: Outscale, Name: "eu-west-2", Location: "France", Country: "FR", InEU: true,
		Offer: "3DS OUTSCALE public IaaS", ProviderSupported: true, Source: srcOutscaleSNC, HDSSource: srcOutscaleCerts,
		Notes: "Not SecNumCloud-qualified: the qualification is per Region and covers cloudgouv-eu-west-1 only. " +
			"HDS unverified: no public text places this Region within OUTSCALE's HDS certificate."},
	{Cloud: Outscale, Name: "us-east-2", Location: "United States (east)", Country: "US",
		Offer: "OUTSCALE Inc. IaaS", ProviderSupported: true, Source: srcOutscaleRegions, HDSSource: srcOutscaleRegions,
		Notes: noteNonEEA},
	{Cloud: Outscale, Name: "us-west-1", Location: "United States (west)", Country: "US",
		Offer: "OUTSCALE Inc. IaaS", ProviderSupported: true, Source: srcOutscaleRegions, HDSSource: srcOutscaleRegions,
		Notes: noteNonEEA},
	{Cloud: Outscale, Name: "ap-northeast-1", Location: "Japan", Country: "JP",
		Offer: "3DS OUTSCALE IaaS", ProviderSupported: true, Source: srcOutscaleRegions, HDSSource: srcOutscaleRegions,
		Notes: noteNonEEA},

	// OVHcloud Public Cloud: regions of /cloud/project on the EU API.
	{Cloud: OVH, Name: "EU-WEST-PAR", Location: "Paris (3 availability zones)", Country: "FR", InEU: true,
		HDS: true, Offer: "OVHcloud Public Cloud", ProviderSupported: true, Source: srcOVHGuarantees, HDSSource: srcOVHHDS,
		Notes: noteOVHPublicCloudHDS},
	{Cloud: OVH, Name: "GRA5", Location: "Gravelines", Country: "FR", InEU: true,
		HDS: true, Offer: "OVHcloud Public Cloud", ProviderSupported: true, Source: srcOVHGuarantees, HDSSource: srcOVHHDS,
		Notes: noteOVHPublicCloudHDS},
	{Cloud: OVH, Name: "GRA7", Location: "Gravelines", Country: "FR", InEU: true,
		HDS: true, Offer: "OVHcloud Public Cloud", ProviderSupported: true, Source: srcOVHGuarantees, HDSSource: srcOVHHDS,
		Notes: noteOVHPublicCloudHDS},
	{Cloud: OVH, Name: "GRA9", Location: "Gravelines", Country: "FR", InEU: true,
		HDS: true, Offer: "OVHcloud Public Cloud", ProviderSupported: true, Source: srcOVHGuarantees, HDSSource: srcOVHHDS,
		Notes: noteOVHPublicCloudHDS},
	{Cloud: OVH, Name: "GRA11", Location: "Gravelines", Country: "FR", InEU: true,
		HDS: true, Offer: "OVHcloud Public Cloud", ProviderSupported: true, Source: srcOVHGuarantees, HDSSource: srcOVHHDS,
		Notes: noteOVHPublicCloudHDS},
	{Cloud: OVH, Name: "RBX-A", Location: "Roubaix", Country: "FR", InEU: true,
		HDS: true, Offer: "OVHcloud Public Cloud", ProviderSupported: true, Source: srcOVHGuarantees, HDSSource: srcOVHHDS,
		Notes: noteOVHPublicCloudHDS},
	{Cloud: OVH, Name: "SBG5", Location: "Strasbourg", Country: "FR", InEU: true,
		HDS: true, Offer: "OVHcloud Public Cloud", ProviderSupported: true, Source: srcOVHGuarantees, HDSSource: srcOVHHDS,
		Notes: noteOVHPublicCloudHDS},
	{Cloud: OVH, Name: "SBG7", Location: "Strasbourg", Country: "FR", InEU: true,
		HDS: true, Offer: "OVHcloud Public Cloud", ProviderSupported: true, Source: srcOVHGuarantees, HDSSource: srcOVHHDS,
		Notes: noteOVHPublicCloudHDS},
	{Cloud: OVH, Name: "DE1", Location: "Frankfurt", Country: "DE", InEU: true,
		Offer: "OVHcloud Public Cloud", ProviderSupported: true, Source: srcOVHGuarantees, HDSSource: srcOVHHDS,
		Notes: noteOVHPublicCloudEUNoHDS},
	{Cloud: OVH, Name: "EU-SOUTH-MIL", Location: "Milan (3 availability zones)", Country: "IT", InEU: true,
		Offer: "OVHcloud Public Cloud", ProviderSupported: true, Source: srcOVHGuarantees, HDSSource: srcOVHHDS,
		Notes: noteOVHPublicCloudEUNoHDS},
	{Cloud: OVH, Name: "WAW1", Location: "Warsaw", Country: "PL", InEU: true,
		Offer: "OVHcloud Public Cloud", ProviderSupported: true, Source: srcOVHGuarantees, HDSSource: srcOVHHDS,
		Notes: noteOVHPublicCloudEUNoHDS},
	{Cloud: OVH, Name: "UK1", Location: "London", Country: "GB",
		Offer: "OVHcloud Public Cloud", ProviderSupported: true, Source: srcOVHRegions, HDSSource: srcOVHRegions,
		Notes: noteNonEEA},
	{Cloud: OVH, Name: "BHS5", Location: "Beauharnois", Country: "CA",
		Offer: "OVHcloud Public Cloud", ProviderSupported: true, Source: srcOVHRegions, HDSSource: srcOVHRegions,
		Notes: noteNonEEA},
	{Cloud: OVH, Name: "SGP1", Location: "Singapore", Country: "SG",
		Offer: "OVHcloud Public Cloud", ProviderSupported: true, Source: srcOVHRegions, HDSSource: srcOVHRegions,
		Notes: noteNonEEA},
	{Cloud: OVH, Name: "SYD1", Location: "Sydney", Country: "AU",
		Offer: "OVHcloud Public Cloud", ProviderSupported: true, Source: srcOVHRegions, HDSSource: srcOVHRegions,
		Notes: noteNonEEA},
	{Cloud: OVH, Name: "AP-SOUTH-MUM", Location: "Mumbai", Country: "IN",
		Offer: "OVHcloud Public Cloud", ProviderSupported: true, Source: srcOVHRegions, HDSSource: srcOVHRegions,
		Notes: noteNonEEA},

	// OVHcloud's SecNumCloud offers. None is a /cloud/project region, so
	// this provider cannot deploy there; they are listed so that a search
	// for qualified OVHcloud infrastructure does not come back empty-handed.
	{Cloud: OVH, Name: "hosted-private-cloud-snc-rbx", Location: "Roubaix", Country: "FR", InEU: true,
		SecNumCloud: true, HDS: true, Offer: "Hosted Private Cloud VMware SecNumCloud (Managed Dedicated Cloud - SNC)",
		Source: srcOVHVMwareSNC, HDSSource: srcOVHGuarantees,
		Notes: "Managed through vSphere and /dedicatedCloud, not /cloud/project. OVHcloud lists Private Cloud SecNumCloud as HDS-certified."},
	{Cloud: OVH, Name: "hosted-private-cloud-snc-sbg", Location: "Strasbourg", Country: "FR", InEU: true,
		SecNumCloud: true, HDS: true, Offer: "Hosted Private Cloud VMware SecNumCloud (Managed Dedicated Cloud - SNC)",
		Source: srcOVHVMwareSNC, HDSSource: srcOVHGuarantees,
		Notes: "Managed through vSphere and /dedicatedCloud, not /cloud/project. OVHcloud lists Private Cloud SecNumCloud as HDS-certified."},
	{Cloud: OVH, Name: "bare-metal-pod-snc", Location: "France (one to three data centres, not named)", Country: "FR", InEU: true,
		SecNumCloud: true, Offer: "Bare Metal Pod SecNumCloud",
		Source: srcOVHBareMetalPodSNC, HDSSource: srcOVHBareMetalPodSNC,
		Notes: "A dedicated pod driven through its own OpenStack API, not /cloud/project. HDS not stated for this offer."},
	{Cloud: OVH, Name: "eu-west-rbx-snc", Location: "Roubaix", Country: "FR", InEU: true,
		Offer: "SNC Cloud Platform (beta)", Source: srcOVHSNCPlatform, HDSSource: srcOVHSNCPlatform,
		Notes: "In beta and under qualification: not shown as SecNumCloud-qualified yet. Reached through a per-customer OpenStack endpoint, not /cloud/project."},
	{Cloud: OVH, Name: "eu-west-sbg-snc", Location: "Strasbourg", Country: "FR", InEU: true,
		Offer: "SNC Cloud Platform (beta)", Source: srcOVHSNCPlatform, HDSSource: srcOVHSNCPlatform,
		Notes: "In beta and under qualification: not shown as SecNumCloud-qualified yet. Reached through a per-customer OpenStack endpoint, not /cloud/project."},
	{Cloud: OVH, Name: "eu-west-gra-snc", Location: "Gravelines", Country: "FR", InEU: true,
		Offer: "SNC Cloud Platform (beta)", Source: srcOVHSNCPlatform, HDSSource: srcOVHSNCPlatform,
		Notes: "In beta and under qualification: not shown as SecNumCloud-qualified yet. Reached through a per-customer OpenStack endpoint, not /cloud/project."},
}
