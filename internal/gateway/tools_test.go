package gateway

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/tooltest"
)

// The real tools that read what the renderer writes accept it: cloud-init's
// schema, nft, and the shells.

func TestRender_cloudInitSchemaAccepts(t *testing.T) {
	t.Parallel()
	cloudInit := tooltest.Require(t, "cloud-init", "cloud-init")
	ca := caOf(t)
	for _, cloudName := range cloud.Names {
		raw, err := Render(testConfig(t, cloudName, testEndpoint, ca))
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), cloudName+".yaml")
		must(t, os.WriteFile(path, raw, 0o600))
		out, err := exec.Command(cloudInit, "schema", "--config-file", path).CombinedOutput()
		if err != nil || !bytes.Contains(out, []byte("Valid cloud-config")) {
			t.Fatalf("cloud-init schema refuses the %s gateway's user-data: %v\n%s", cloudName, err, out)
		}
	}
}

func TestNftablesConfig_nftAccepts(t *testing.T) {
	t.Parallel()
	nft := tooltest.Require(t, "nft", "nftables")
	rules := NftablesConfig(testConfig(t, cloud.OVH, testEndpoint, ""))
	dir := t.TempDir()
	for name, text := range map[string]string{"good": rules, "bad": strings.Replace(rules, "policy drop;", "policy dropp;", 1)} {
		path := filepath.Join(dir, name+".nft")
		must(t, os.WriteFile(path, []byte(text), 0o600))
		out, err := exec.Command(nft, "-c", "-f", path).CombinedOutput()
		if err != nil && bytes.Contains(out, []byte("Operation not permitted")) {
			t.Skipf("\n\n*** SKIPPED: nft -c needs CAP_NET_ADMIN here: %s ***\n\n", out)
		}
		// The service user does not exist on this machine: nft resolves
		// skuid names when it loads the rules.
		if err != nil && bytes.Contains(out, []byte(ServiceUser)) && name == "good" {
			text = strings.ReplaceAll(text, `meta skuid "`+ServiceUser+`"`, "meta skuid 0")
			must(t, os.WriteFile(path, []byte(text), 0o600))
			out, err = exec.Command(nft, "-c", "-f", path).CombinedOutput()
		}
		if (err == nil) != (name == "good") {
			t.Fatalf("nft -c on the %s rule set: %v\n%s", name, err, out)
		}
	}
}

func TestScripts_parse(t *testing.T) {
	t.Parallel()
	for shell, script := range map[string]string{"bash": StartScript(), "sh": InstallScript("1.71.2", DefaultRcloneMirror("1.71.2"), testRcloneSHA256)} {
		if _, err := exec.LookPath(shell); err != nil {
			t.Skipf("no %s: the scripts' syntax is not checked", shell)
		}
		cmd := exec.Command(shell, "-n")
		cmd.Stdin = strings.NewReader(script)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s -n refuses the script: %v\n%s", shell, err, out)
		}
	}
}
