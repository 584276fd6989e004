// Package tooltest finds, for tests, the real tools that will read what a
// renderer writes (cloud-init, sshd, nft, …), installing their Debian
// package once per test binary when they are missing. A test skips,
// loudly, only where the package cannot be installed at all.
//
// The bastion's and the key manager's renderers share it.
package tooltest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	installMu sync.Mutex
	installed = map[string]*installation{}
)

type installation struct {
	once sync.Once
	err  error
}

// Require returns the path of binary, installing pkg with apt-get the
// first time it is missing; it skips the test when that cannot be done.
func Require(t testing.TB, binary, pkg string) string {
	t.Helper()
	if path, err := LookPath(binary); err == nil {
		return path
	}
	installMu.Lock()
	inst, ok := installed[pkg]
	if !ok {
		inst = &installation{}
		installed[pkg] = inst
	}
	installMu.Unlock()
	inst.once.Do(func() { inst.err = aptInstall(pkg) })
	if inst.err != nil {
		t.Skipf("\n\n*** SKIPPED: %s (Debian package %s) is not installed and cannot be: %v ***\n"+
			"*** The rendered files are NOT checked by the real tool on this machine. ***\n\n", binary, pkg, inst.err)
	}
	path, err := LookPath(binary)
	if err != nil {
		t.Fatalf("%s was installed but %s is still missing: %v", pkg, binary, err)
	}
	return path
}

// LookPath also looks in the sbin directories, which a non-login PATH
// may lack.
func LookPath(binary string) (string, error) {
	if p, err := exec.LookPath(binary); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/sbin", "/sbin", "/usr/bin"} {
		p := filepath.Join(dir, binary)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found", binary)
}

func aptInstall(pkg string) error {
	if os.Geteuid() != 0 {
		return errors.New("not root")
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		return errors.New("no apt-get: not a Debian system")
	}
	install := func() ([]byte, error) {
		cmd := exec.Command("apt-get", "install", "-y", "--no-install-recommends", pkg)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		return cmd.CombinedOutput()
	}
	if _, err := install(); err == nil {
		return nil
	}
	// The package lists may be missing or stale.
	if out, err := exec.Command("apt-get", "update").CombinedOutput(); err != nil {
		return fmt.Errorf("apt-get update: %v: %s", err, tail(out))
	}
	if out, err := install(); err != nil {
		return fmt.Errorf("apt-get install %s: %v: %s", pkg, err, tail(out))
	}
	return nil
}

func tail(out []byte) string {
	s := strings.TrimSpace(string(out))
	if len(s) > 600 {
		s = "…" + s[len(s)-600:]
	}
	return s
}
