package outscale

import (
	"net/url"
	"strings"
	"testing"
)

// The transit mount and the key's name (an import id) come from users and
// end up in the key manager's URL: each must keep its place in the path,
// whatever it holds, so that no key id can point a call elsewhere.
func FuzzOpenBaoKeyPath(f *testing.F) {
	for _, s := range []string{"transit", "warehouse/transit", "/transit/", ".", "..", "a/../b", "t?x", "%2e", ""} {
		for _, name := range []string{"cohort-2026-data", "..", ".", "a/b", "x?y", ""} {
			f.Add(s, name)
		}
	}
	f.Fuzz(func(t *testing.T, mount, name string) {
		if ValidateKMSMount(mount) != nil {
			return
		}
		trimmed := strings.Trim(mount, "/")
		for _, seg := range strings.Split(trimmed, "/") {
			if seg == "." || seg == ".." || seg == "" {
				t.Fatalf("ValidateKMSMount accepts %q, whose segment %q a server resolves", mount, seg)
			}
		}
		ob := &openBao{mount: trimmed}
		p := ob.keyPath(name, "config")
		prefix := trimmed + "/keys/"
		rest, ok := strings.CutPrefix(p, prefix)
		if !ok || !strings.HasSuffix(rest, "/config") || strings.ContainsAny(rest, "?#") {
			t.Fatalf("keyPath(%q) under %q = %q", name, mount, p)
		}
		seg := strings.TrimSuffix(rest, "/config")
		if seg == "." || seg == ".." || strings.Contains(seg, "/") {
			t.Fatalf("keyPath(%q) = %q: the name is not one plain segment", name, p)
		}
		if got, err := url.PathUnescape(seg); err != nil || got != name {
			t.Fatalf("keyPath(%q) = %q: the name reads back as %q (%v)", name, p, got, err)
		}
	})
}
