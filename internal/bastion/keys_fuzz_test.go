package bastion

import (
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

// Fuzz tests of what administrators write (their keys and logins) and of
// what the bastion reads back from a cloud (its user-data). The seeds in
// f.Add and testdata/fuzz run as ordinary tests.

// A real key of each accepted family, and a few near misses.
var keySeeds = []string{
	"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl alice@laptop",
	"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
	`command="/bin/sh" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl x`,
	"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl a\nssh-ed25519 AAAA b",
	"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl a ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl b",
	"ssh-dss AAAAB3NzaC1kc3M= old",
	"-----BEGIN OPENSSH PRIVATE KEY-----",
	"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAAQC= short",
	"ssh-ed25519 !!!! broken",
	"",
}

func FuzzParseAdminKey(f *testing.F) {
	for _, s := range keySeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		k, err := ParseAdminKey(text)
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("an empty error for %q", text)
			}
			return
		}
		// What the bastion writes is one line, with no option the user
		// smuggled in, and reads back as the same key.
		for _, mfa := range []string{MFATOTP, MFAFIDO2} {
			line := AuthorizedKeysLine(mfa, k, "alice")
			if strings.ContainsAny(line, "\r\n\x00") {
				t.Fatalf("the authorized_keys line for %q spans lines: %q", text, line)
			}
			pub, comment, options, rest, err := ssh.ParseAuthorizedKey([]byte(line))
			if err != nil || len(rest) > 0 || ssh.FingerprintSHA256(pub) != k.Fingerprint || comment != "alice" {
				t.Fatalf("the authorized_keys line %q does not read back as the key of %q: %v", line, text, err)
			}
			for _, o := range options {
				if !strings.HasPrefix(o, "restrict") && o != "agent-forwarding" && o != "pty" && o != "verify-required" {
					t.Fatalf("the line for %q carries the option %q", text, o)
				}
			}
		}
		if fp, err := HostKeyFingerprint(k.Line); err != nil || fp != k.Fingerprint {
			t.Fatalf("the canonical line of %q has fingerprint %q (%v), want %q", text, fp, err, k.Fingerprint)
		}
	})
}

func FuzzCheckAdminName(f *testing.F) {
	for _, s := range []string{"alice", "root", "_svc", "Alice", "a-b_c9", "", "x" + strings.Repeat("y", 40), "bob\nroot", "../etc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if err := CheckAdminName(name); err != nil {
			return
		}
		// An accepted login is safe in a passwd entry, a path and a
		// sshd_config Match line.
		if name == "" || len(name) > 32 || strings.ContainsAny(name, " \t\r\n:/,.*?!\"'\\$`") || name != strings.ToLower(name) {
			t.Fatalf("CheckAdminName accepts %q", name)
		}
	})
}

func FuzzHostKeyFingerprint(f *testing.F) {
	for _, s := range keySeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, public string) {
		fp, err := HostKeyFingerprint(public)
		if err == nil && !strings.HasPrefix(fp, "SHA256:") {
			t.Fatalf("HostKeyFingerprint(%q) = %q", public, fp)
		}
		_ = KnownHostsLine([]string{"203.0.113.7", ""}, public)
	})
}

// Recover reads what a cloud answers (a VM's user-data), which anyone with
// the API's rights may have changed: it must refuse, never panic.
func FuzzRecover(f *testing.F) {
	for _, s := range []string{
		"#cloud-config\nwrite_files:\n- path: /etc/health-bastion/bastion.json\n  content: '{\"renderer\":\"terraform-provider-health/bastion/1\"}'\n",
		"#cloud-config\nwrite_files: 5\n",
		"#cloud-config\nssh_keys: [1, 2]\nwrite_files:\n- path: /etc/health-bastion/bastion.json\n  content: '{'\n",
		"#cloud-config\n&a [*a, *a]\n",
		"#!/bin/sh\necho hi\n",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, userData []byte) {
		r, err := Recover(userData)
		if err == nil && !strings.HasPrefix(r.Spec.Renderer, "terraform-provider-health/bastion/") {
			t.Fatalf("Recover accepts user-data no bastion rendered: %+v", r.Spec)
		}
	})
}
