package cloud

import (
	"encoding/json"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// Fuzz tests of the validators and parsers that take what users write.
// Their seeds (f.Add and testdata/fuzz) run as ordinary tests; run one for
// real with, for instance, go test -fuzz=FuzzCheckNetworkCIDR ./internal/cloud.
// Every one asserts that the function never panics, that a refusal is an
// error that names the value, and a property that acceptance implies.

func FuzzCheckNetworkCIDR(f *testing.F) {
	for _, s := range []string{"10.20.0.0/16", "192.168.1.0/24", "10.0.0.1/16", "8.8.8.0/24", "fd00::/48", "", "10.0.0.0/33", "10.0.0.0/-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cidr string) {
		err := CheckNetworkCIDR(cidr)
		if err != nil {
			checkNamesValue(t, err, cidr)
			return
		}
		// An accepted block splits into four tiers that the layout check
		// accepts: the defaults always work.
		subnets, err := DefaultSubnets(cidr)
		if err != nil {
			t.Fatalf("CheckNetworkCIDR(%q) accepts a block DefaultSubnets refuses: %v", cidr, err)
		}
		if problems := CheckSubnets(cidr, subnets); len(problems) > 0 {
			t.Fatalf("the default layout of %q is refused: %+v", cidr, problems)
		}
	})
}

func FuzzDefaultSubnets(f *testing.F) {
	for _, s := range []string{"10.20.0.0/16", "10.20.0.0/31", "10.20.0.0/30", "::/0", "garbage", "0.0.0.0/0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cidr string) {
		subnets, err := DefaultSubnets(cidr)
		if err != nil {
			return
		}
		network := netip.MustParsePrefix(cidr).Masked()
		var seen []netip.Prefix
		for _, tier := range Tiers {
			p, err := netip.ParsePrefix(subnets[tier])
			if err != nil || !network.Contains(p.Addr()) || p.Bits() != network.Bits()+2 {
				t.Fatalf("DefaultSubnets(%q)[%s] = %q: not a quarter of the block", cidr, tier, subnets[tier])
			}
			for _, q := range seen {
				if q.Overlaps(p) {
					t.Fatalf("DefaultSubnets(%q): %s overlaps %s", cidr, p, q)
				}
			}
			seen = append(seen, p)
		}
	})
}

func FuzzCheckSubnets(f *testing.F) {
	f.Add("10.20.0.0/16", "10.20.0.0/18", "10.20.64.0/18", "10.20.128.0/18", "10.20.192.0/18")
	f.Add("10.20.0.0/16", "10.20.0.0/18", "10.20.0.0/18", "10.21.0.0/18", "10.20.192.1/18")
	f.Add("10.20.0.0/16", "", "x", "10.20.0.0/29", "::1/128")
	f.Add("not a cidr", "10.20.0.0/18", "10.20.64.0/18", "10.20.128.0/18", "10.20.192.0/18")
	f.Fuzz(func(t *testing.T, network, bastion, compute, data, kms string) {
		subnets := map[string]string{TierBastion: bastion, TierCompute: compute, TierData: data, TierKMS: kms}
		for _, p := range CheckSubnets(network, subnets) {
			if p.Msg == "" || subnets[p.Tier] == "" && !strings.Contains(p.Msg, `""`) {
				t.Fatalf("a problem that does not say what is wrong: %+v", p)
			}
		}
	})
}

func FuzzCheckAdminCIDR(f *testing.F) {
	for _, s := range []string{"203.0.113.7/32", "0.0.0.0/0", "203.0.113.7/24", "2001:db8::/32", "203.0.113.7", ""} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, cidr string, anywhere bool) {
		err := CheckAdminCIDR(cidr, anywhere)
		if err != nil {
			checkNamesValue(t, err, cidr)
			return
		}
		p, perr := netip.ParsePrefix(cidr)
		if perr != nil || !p.Addr().Is4() || p.Masked() != p || (p.Bits() == 0 && !anywhere) {
			t.Fatalf("CheckAdminCIDR(%q, %v) accepts it", cidr, anywhere)
		}
	})
}

func FuzzParseRotationPeriod(f *testing.F) {
	for _, s := range []string{"90d", "2160h", "720h30m", "0d", "-1d", "+5d", "366d", "99999999999999999999d", "1e9h", "d", "24h0m0s", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseRotationPeriod(s)
		if err != nil {
			checkNamesValue(t, err, s)
			return
		}
		if d < MinRotationPeriod || d > MaxRotationPeriod {
			t.Fatalf("ParseRotationPeriod(%q) = %s, outside the bounds", s, d)
		}
		// What the provider writes back reads as the same period.
		back, err := ParseRotationPeriod(FormatRotationPeriod(d))
		if err != nil || back != d || !SameRotationPeriod(s, d) {
			t.Fatalf("ParseRotationPeriod(%q) = %s, written %q, read back %s (%v)", s, d, FormatRotationPeriod(d), back, err)
		}
	})
}

func FuzzCheckKeyName(f *testing.F) {
	for _, s := range []string{"cohort-2026-data", "", "-lead", "a.b", "../x", strings.Repeat("k", 25), "ключ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if err := CheckKeyName(name); err != nil {
			return
		}
		// An accepted name is safe in a URL path segment and in OKMS's names.
		if len(name) > MaxKeyNameLength || name == "." || name == ".." || strings.ContainsAny(name, "/?#%. ") {
			t.Fatalf("CheckKeyName accepts %q", name)
		}
	})
}

func FuzzCheckBucketName(f *testing.F) {
	for _, s := range []string{"cohort-2026-raw", "ab", "Upper", "a..b", "192.168.1.1", "xn--abc", "abc-s3alias", "-abc", "abc.", "ä-bucket"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		err := CheckBucketName(name)
		if err != nil {
			if utf8.ValidString(name) {
				checkNamesValue(t, err, name)
			}
			return
		}
		if len(name) < 3 || len(name) > 63 || strings.ToLower(name) != name || strings.Contains(name, "..") ||
			strings.ContainsAny(name, "/?#% _") {
			t.Fatalf("CheckBucketName accepts %q", name)
		}
	})
}

func FuzzCheckSourceIP(f *testing.F) {
	for _, s := range []string{"198.51.100.7", "198.51.100.0/24", "198.51.100.7/24", "2001:db8::1", "2001:db8::/32", "", "/", "1.2.3.4/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if err := CheckSourceIP(s); err != nil {
			return
		}
		if _, err := netip.ParsePrefix(s); err != nil {
			if _, err := netip.ParseAddr(s); err != nil {
				t.Fatalf("CheckSourceIP accepts %q", s)
			}
		}
	})
}

func FuzzCanonicalPolicy(f *testing.F) {
	for _, s := range []string{
		`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::b"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`,
		`{"Statement":[{"Sid":"DenyOutsideAllowedSources","Condition":{"NotIpAddress":{"aws:SourceIp":["198.51.100.0/24"]}}}]}`,
		`{"Statement":[{"Sid":"DenyOutsideAllowedSources","Condition":{"NotIpAddress":{"aws:SourceIp":"1.2.3.4"}}}]}`,
		`{"Statement":"x"}`, `[]`, `null`, `{`, ``, `"\ud800"`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		_ = SourceIPsFromPolicy(doc)
		c, err := CanonicalPolicy(doc)
		if err != nil {
			return
		}
		// Canonical is a fixed point, and still the same JSON value.
		again, err := CanonicalPolicy(c)
		if err != nil || again != c {
			t.Fatalf("CanonicalPolicy is not idempotent on %q: %q then %q (%v)", doc, c, again, err)
		}
		if doc != "" && !json.Valid([]byte(c)) {
			t.Fatalf("CanonicalPolicy(%q) = %q, not JSON", doc, c)
		}
	})
}

// checkNamesValue fails unless a refusal quotes the value it refuses, so
// that the diagnostic tells the user what to fix. Values that Go quotes
// with escapes are found by their quoted form.
func checkNamesValue(t *testing.T, err error, value string) {
	t.Helper()
	msg := err.Error()
	if msg == "" {
		t.Fatalf("an empty error for %q", value)
	}
	if !strings.Contains(msg, value) && !strings.Contains(msg, strings.Trim(quote(value), `"`)) {
		t.Fatalf("the error for %q does not name it: %v", value, err)
	}
}

func quote(s string) string { return strconv.Quote(s) }

// FuzzParseKeyManagerLayout reads the layout tag of a key manager's
// servers, which anyone able to tag the cloud's objects can write: it never
// panics, and what it accepts is a list of addresses that writes back as
// the same tag.
func FuzzParseKeyManagerLayout(f *testing.F) {
	for _, s := range []string{"10.20.3.10,10.20.3.11,10.20.3.12", "10.20.3.10", "", ",", "10.20.3.10,", "fd00::1,10.0.0.1", "10.0.0.256", "a,b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tag string) {
		addresses := ParseKeyManagerLayout(tag)
		if addresses == nil {
			return
		}
		for _, a := range addresses {
			if _, err := netip.ParseAddr(a); err != nil {
				t.Fatalf("ParseKeyManagerLayout(%q) accepts %q, not an address", tag, a)
			}
		}
		if back := FormatKeyManagerLayout(addresses); back != tag {
			t.Fatalf("ParseKeyManagerLayout(%q) writes back as %q", tag, back)
		}
	})
}
