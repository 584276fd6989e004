package ovh

import (
	"net/url"
	"strings"
	"testing"
)

// Ids reach API paths from what users write (an import id, a kms_id): each
// must stay one path segment, whatever it holds, so that no id can point a
// call at another route ("..", "a/b", "x?y").
func FuzzFill(f *testing.F) {
	for _, s := range []string{"pn-1234567_1", "..", ".", "a/b", "../../me", "x?y=1", "%2e%2e", "#", "", "ü", "a b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		path := fill(routeSubnet, "0000000000000000000000000000e001", id, "sub")
		parts := strings.Split(path, "/")
		template := strings.Split(routeSubnet, "/")
		if len(parts) != len(template) || strings.ContainsAny(path, "?#") {
			t.Fatalf("fill(%q) = %q: not the route's %d segments", id, path, len(template))
		}
		for i, p := range parts {
			if p == "." || p == ".." {
				t.Fatalf("fill(%q) = %q: segment %d is %q, which a server resolves", id, path, i, p)
			}
		}
		got, err := url.PathUnescape(parts[len(parts)-3])
		if err != nil || got != id {
			t.Fatalf("fill(%q) = %q: the id segment reads back as %q (%v)", id, path, got, err)
		}
	})
}
