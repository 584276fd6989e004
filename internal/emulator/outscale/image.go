package outscale

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// Images (ReadImages): the public OMIs OUTSCALE publishes in every Region,
// owned by the account whose alias is "Outscale".
//
// OUTSCALE names its official OMIs "<Distribution>-<version>-<build date>-<n>",
// such as "Ubuntu-22.04-2023.12.04-0" or "Debian-12-2024.04.02-0" (names
// seen in public configurations; the build dates of the catalogue below are
// the emulator's). The catalogue is the emulator's own, never stored: it is
// the same for every account, like the real public catalogue, and a test
// counting what a run left behind does not see it.

// outscaleImagesAccount is the owner of the official OMIs. The alias is
// OUTSCALE's; the account number is the emulator's (unverified).
const (
	outscaleImagesAlias   = "Outscale"
	outscaleImagesAccount = "449977700000"
)

// catalogue lists the official OMIs by name, oldest builds first.
var catalogue = []struct {
	name, description, created string
}{
	{"Debian-12-2024.10.08-0", "Debian 12 (bookworm), official OUTSCALE build", "2024-10-08T09:12:44.000Z"},
	{"Debian-12-2025.03.18-0", "Debian 12 (bookworm), official OUTSCALE build", "2025-03-18T08:40:03.000Z"},
	{"Ubuntu-22.04-2024.11.04-0", "Ubuntu 22.04 LTS (Jammy Jellyfish), official OUTSCALE build", "2024-11-04T10:02:19.000Z"},
	{"Ubuntu-24.04-2025.02.11-0", "Ubuntu 24.04 LTS (Noble Numbat), official OUTSCALE build", "2025-02-11T07:55:31.000Z"},
	{"RockyLinux-9-2024.12.02-0", "Rocky Linux 9, official OUTSCALE build", "2024-12-02T11:20:47.000Z"},
}

// oapiImage is OAPI's Image.
type oapiImage struct {
	AccountAlias        string                `json:"AccountAlias"`
	AccountID           string                `json:"AccountId"`
	Architecture        string                `json:"Architecture"`
	BlockDeviceMappings []imageBlockDevice    `json:"BlockDeviceMappings"`
	BootModes           []string              `json:"BootModes"`
	CreationDate        string                `json:"CreationDate"`
	Description         string                `json:"Description"`
	FileLocation        string                `json:"FileLocation"`
	ImageID             string                `json:"ImageId"`
	ImageName           string                `json:"ImageName"`
	ImageType           string                `json:"ImageType"`
	PermissionsToLaunch permissionsOnResource `json:"PermissionsToLaunch"`
	ProductCodes        []string              `json:"ProductCodes"`
	RootDeviceName      string                `json:"RootDeviceName"`
	RootDeviceType      string                `json:"RootDeviceType"`
	SecureBoot          bool                  `json:"SecureBoot"`
	State               string                `json:"State"`
	StateComment        struct{}              `json:"StateComment"`
	Tags                []resourceTag         `json:"Tags"`
	TpmMandatory        bool                  `json:"TpmMandatory"`
}

type imageBlockDevice struct {
	Bsu        imageBsu `json:"Bsu"`
	DeviceName string   `json:"DeviceName"`
}

type imageBsu struct {
	DeleteOnVmDeletion bool   `json:"DeleteOnVmDeletion"`
	SnapshotID         string `json:"SnapshotId"`
	VolumeSize         int    `json:"VolumeSize"`
	VolumeType         string `json:"VolumeType"`
}

type permissionsOnResource struct {
	AccountIDs       []string `json:"AccountIds"`
	GlobalPermission bool     `json:"GlobalPermission"`
}

// PublicImageID is the id of region's public OMI called name, as
// ReadImages shows it: for harnesses that must name an image before they
// can call the API (an official provider's acceptance tests read one from
// OSC_IMAGE_ID). It is "" for a name the catalogue does not have.
func PublicImageID(region, name string) string {
	for _, img := range imagesOf(region) {
		if img.ImageName == name {
			return img.ImageID
		}
	}
	return ""
}

// DefaultImageName is the OMI harnesses boot when they need one: the newest
// official Debian 12 build, as the provider's bastion picks it.
const DefaultImageName = "Debian-12-2025.03.18-0"

// derivedID is an id that depends only on seed: an OMI keeps its id across
// restarts of the emulator, and differs from one Region to another.
func derivedID(prefix, seed string) string {
	sum := sha256.Sum256([]byte(seed))
	return prefix + hex.EncodeToString(sum[:4])
}

// imagesOf is the catalogue as region holds it.
func imagesOf(region string) []oapiImage {
	out := make([]oapiImage, 0, len(catalogue))
	for _, c := range catalogue {
		out = append(out, oapiImage{
			AccountAlias: outscaleImagesAlias,
			AccountID:    outscaleImagesAccount,
			Architecture: "x86_64",
			BlockDeviceMappings: []imageBlockDevice{{DeviceName: "/dev/sda1", Bsu: imageBsu{
				DeleteOnVmDeletion: true, SnapshotID: derivedID("snap-", region+"/"+c.name), VolumeSize: 10, VolumeType: "standard"}}},
			BootModes:           []string{"legacy", "uefi"},
			CreationDate:        c.created,
			Description:         c.description,
			FileLocation:        outscaleImagesAlias + "/" + c.name,
			ImageID:             derivedID("ami-", region+"/"+c.name),
			ImageName:           c.name,
			ImageType:           "machine",
			PermissionsToLaunch: permissionsOnResource{AccountIDs: []string{}, GlobalPermission: true},
			ProductCodes:        []string{"0001"},
			RootDeviceName:      "/dev/sda1",
			RootDeviceType:      "bsu",
			State:               "available",
			Tags:                []resourceTag{},
		})
	}
	return out
}

// findImage returns the OMI id names in region.
func findImage(region, id string) (oapiImage, bool) {
	for _, img := range imagesOf(region) {
		if img.ImageID == id {
			return img, true
		}
	}
	return oapiImage{}, false
}

func readImages(c *call) (any, error) {
	var req struct {
		DryRun  bool                       `json:"DryRun"`
		Filters map[string]json.RawMessage `json:"Filters"`
		page
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	var f struct {
		AccountAliases   []string `json:"AccountAliases"`
		AccountIDs       []string `json:"AccountIds"`
		Architectures    []string `json:"Architectures"`
		ImageIDs         []string `json:"ImageIds"`
		ImageNames       []string `json:"ImageNames"`
		States           []string `json:"States"`
		GlobalPermission *bool    `json:"PermissionsToLaunchGlobalPermission"`
		tagFilters
	}
	if err := decodeFilters(req.Filters, &f, "FiltersImage", imageFilters); err != nil {
		return nil, err
	}
	return c.view(func(store.Tx) (any, error) {
		var found []oapiImage
		for _, img := range imagesOf(c.account.Region) {
			if !matches(f.AccountAliases, img.AccountAlias) || !matches(f.AccountIDs, img.AccountID) ||
				!matches(f.Architectures, img.Architecture) || !matches(f.ImageIDs, img.ImageID) ||
				!matchesName(f.ImageNames, img.ImageName) || !matches(f.States, img.State) || !f.match(img.Tags) ||
				(f.GlobalPermission != nil && !*f.GlobalPermission) {
				continue
			}
			found = append(found, img)
		}
		images, next, err := paginate(req.page, found)
		if err != nil {
			return nil, err
		}
		return struct {
			Images        []oapiImage `json:"Images"`
			NextPageToken string      `json:"NextPageToken,omitempty"`
		}{images, next}, nil
	})
}

// imageFilters are the FiltersImage names the emulator applies; the spec
// has more, which it refuses rather than ignore.
var imageFilters = []string{"AccountAliases", "AccountIds", "Architectures", "ImageIds", "ImageNames", "States",
	"PermissionsToLaunchGlobalPermission", "TagKeys", "TagValues", "Tags"}

// matchesName matches names with "*" wildcards, as the OMI name filter
// takes them in EC2's tradition (unverified on OAPI, whose documentation
// shows exact names only).
func matchesName(filter []string, name string) bool {
	if len(filter) == 0 {
		return true
	}
	return slices.ContainsFunc(filter, func(pattern string) bool { return wildcardMatch(pattern, name) })
}

func wildcardMatch(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}

// decodeFilters decodes a Filters object into f. A filter the spec defines
// (known) but the emulator does not apply is refused, so that a client never
// gets an unfiltered answer it did not ask for; a filter the spec does not
// define is refused as OAPI does.
func decodeFilters(raw map[string]json.RawMessage, f any, schema string, applied []string) error {
	for name := range raw {
		if !slices.Contains(applied, name) {
			return errInvalidValue("Filters."+name, string(raw[name]),
				"The emulator does not apply this filter of "+schema+" (or it is not one).")
		}
	}
	if len(raw) == 0 {
		return nil
	}
	doc, err := json.Marshal(raw)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(doc, f); err != nil {
		return &Error{Status: 400, Code: "4000", Type: "InvalidParameterValue",
			Details: "The request body is not valid JSON for this action: " + err.Error()}
	}
	return nil
}
