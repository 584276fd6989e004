package bastion

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// PackageMirror is where apt takes packages from, at first boot and for
// the automatic security updates after: the distribution's archive and
// its security archive. apt checks every package against the archive's
// Release file, signed with the distribution's keys that the image
// carries: a mirror can withhold packages, not alter them.
type PackageMirror struct {
	Primary  string `json:"primary"`
	Security string `json:"security"`
}

// DefaultPackageMirror is the mirror of the official archive of an image
// family, the one its official images name: nothing for an image id,
// whose distribution the provider cannot tell.
func DefaultPackageMirror(image string) (PackageMirror, bool) {
	switch image {
	case "debian-12":
		return PackageMirror{Primary: "http://deb.debian.org/debian", Security: "http://deb.debian.org/debian-security"}, true
	case "ubuntu-24.04":
		return PackageMirror{Primary: "http://archive.ubuntu.com/ubuntu", Security: "http://security.ubuntu.com/ubuntu"}, true
	}
	return PackageMirror{}, false
}

// CheckMirrorURL says why u cannot be a mirror's URL, or nil: an http or
// https URL with a host, and neither credentials, query nor fragment.
func CheckMirrorURL(u string) error {
	p, err := url.Parse(u)
	switch {
	case err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Hostname() == "":
		return fmt.Errorf("%q is not an http:// or https:// URL such as http://deb.debian.org/debian", u)
	case p.User != nil:
		return fmt.Errorf("%q carries credentials: they would be written in the machine's user-data", u)
	case p.RawQuery != "" || p.Fragment != "":
		return fmt.Errorf("%q has a query or a fragment: a mirror is a base URL", u)
	case strings.ContainsAny(u, " \t\n\"'\\"):
		return fmt.Errorf("%q has spaces or quotes", u)
	}
	return nil
}

// Download is one place a machine downloads software from at first boot.
type Download struct {
	What string // the attribute that sets it ("package_mirror.primary")
	URL  string
}

// Endpoint is the host and TCP port a download connects to.
func (d Download) Endpoint() (host string, port int, err error) {
	p, err := url.Parse(d.URL)
	if err != nil || p.Hostname() == "" {
		return "", 0, fmt.Errorf("%s: %q is not a URL", d.What, d.URL)
	}
	port = 443
	if p.Scheme == "http" {
		port = 80
	}
	if s := p.Port(); s != "" {
		if port, err = strconv.Atoi(s); err != nil {
			return "", 0, fmt.Errorf("%s: %q has no valid port", d.What, d.URL)
		}
	}
	return p.Hostname(), port, nil
}

// String is the download's endpoint in words, such as
// deb.debian.org:80 (package_mirror.primary).
func (d Download) String() string {
	host, port, err := d.Endpoint()
	if err != nil {
		return d.What
	}
	return net.JoinHostPort(host, strconv.Itoa(port)) + " (" + d.What + ")"
}

// TheBastionSource is where the-bastion mode takes The Bastion and
// ovh-ttyrec from: their repositories and releases on GitHub.
const TheBastionSource = "https://github.com/ovh/the-bastion"

// Downloads lists where cfg's first boot downloads software from.
func Downloads(cfg Config) []Download {
	var out []Download
	if cfg.PackageMirror != nil {
		out = append(out, Download{What: "package_mirror.primary", URL: cfg.PackageMirror.Primary},
			Download{What: "package_mirror.security", URL: cfg.PackageMirror.Security})
	}
	if cfg.Mode == ModeTheBastion {
		out = append(out, Download{What: "mode", URL: TheBastionSource})
	}
	return out
}

// AptConfig is cloud-init's apt module: the mirrors replace the image's.
type AptConfig struct {
	Primary  []aptMirror `yaml:"primary"`
	Security []aptMirror `yaml:"security"`
}

type aptMirror struct {
	Arches []string `yaml:"arches"`
	URI    string   `yaml:"uri"`
}

// AptConfigOf is the apt section of a cloud-config for m, or nil for none.
func AptConfigOf(m *PackageMirror) *AptConfig {
	if m == nil {
		return nil
	}
	return &AptConfig{
		Primary:  []aptMirror{{Arches: []string{"default"}, URI: m.Primary}},
		Security: []aptMirror{{Arches: []string{"default"}, URI: m.Security}},
	}
}
