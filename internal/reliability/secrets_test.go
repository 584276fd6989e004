package reliability

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
)

// secret is one secret the run handled, and where it may legitimately be.
type secret struct {
	what  string
	value string
}

// finder looks for secrets and key material in a text; its findings name
// what was found and where, never the secret itself.
type finder struct{ secrets []secret }

// privateKeyMaterial matches a private key in any PEM or OpenSSH armour.
var privateKeyMaterial = regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----`)

func (f finder) find(where string, text []byte) []string {
	var found []string
	for _, s := range f.secrets {
		if i := bytes.Index(text, []byte(s.value)); i >= 0 {
			found = append(found, fmt.Sprintf("%s in %s at byte %d", s.what, where, i))
		}
	}
	if loc := privateKeyMaterial.FindIndex(text); loc != nil {
		found = append(found, fmt.Sprintf("private key material in %s at byte %d", where, loc[0]))
	}
	return found
}

// One whole warehouse applied and destroyed with the CLI's and the
// provider's logs at TRACE, its bastion shipping its audit trail with the
// audit bucket's S3 key (read by the ephemeral resource, given
// write-only), and a sensitive output of every resource's values: no
// secret the run handled (the clouds' credentials, the KMS token, the S3
// secrets, the bastion's private host key) is in the logs, the CLI's
// output or the state. The host key is read back from the user-data the
// emulator stores, the S3 secrets from the emulator's records. The scan
// first proves it finds each kind of needle planted in the run's own log.
func TestSecrets_warehouseAtTrace(t *testing.T) {
	needCLI(t)
	t.Parallel()
	for _, cloudName := range clouds {
		t.Run(cloudName, func(t *testing.T) {
			t.Parallel()
			config, err := WarehouseConfig(WarehouseOptions{Cloud: cloudName, Names: []string{"sec"}, RateLimit: rateLimit,
				Outputs: true, ShipAudit: true, OutscaleAccessKey: emulator.DefaultOutscaleAccessKey})
			if err != nil {
				t.Fatal(err)
			}
			w := workspace(t, config)
			logPath := filepath.Join(t.TempDir(), "trace.log")
			w.Env["TF_LOG"], w.Env["TF_LOG_PROVIDER"], w.Env["TF_LOG_PATH"] = "trace", "trace", logPath

			var output bytes.Buffer
			out, err := w.Apply(t.Context())
			output.WriteString(out)
			if err != nil {
				t.Fatal(err)
			}
			// What only the cloud knows, read before destroy takes it away.
			f := finder{secrets: []secret{
				{"the OUTSCALE secret key", emulator.DefaultOutscaleSecretKey},
				{"the OVHcloud application secret", emulator.DefaultOVHApplicationSecret},
				{"the OVHcloud consumer key", emulator.DefaultOVHConsumerKey},
				{"the OVHcloud OAuth2 client secret", emulator.DefaultOVHClientSecret},
				{"the OpenBao token", emulator.DefaultOpenBaoToken},
			}}
			s3 := s3Secrets(t, w.Emu, cloudName)
			hosts, userData := hostKeys(t, w.Emu, cloudName)
			f.secrets = append(append(f.secrets, s3...), hosts...)
			// The run did handle an S3 secret: the ephemeral resource read
			// the audit bucket's, and the bastion got it in its user-data.
			shipped := false
			for _, s := range append(s3, secret{"", emulator.DefaultOutscaleSecretKey}) {
				shipped = shipped || strings.Contains(userData, s.value)
			}
			if !shipped {
				t.Fatal("the bastion's user-data holds no S3 secret: the audit shipping was not configured")
			}
			if out, err = w.Run(t.Context(), "output", "-no-color", "-json"); err != nil {
				t.Fatal(err)
			}
			output.WriteString(out)
			state, err := w.RawState()
			if err != nil {
				t.Fatal(err)
			}
			out, err = w.Destroy(t.Context())
			output.WriteString(out)
			if err != nil {
				t.Fatal(err)
			}
			log, err := os.ReadFile(logPath)
			if err != nil {
				t.Fatal(err)
			}
			if len(log) < 100_000 || !bytes.Contains(log, []byte("[TRACE]")) || !bytes.Contains(log, []byte("API call")) {
				t.Fatalf("the log (%d bytes) is not a TRACE log with the provider's calls: the scan would prove nothing", len(log))
			}

			// The scan finds each secret, and key material, planted in the
			// run's own log and state.
			for _, s := range f.secrets {
				planted := append(append([]byte{}, log...), " value="+s.value...)
				if len(f.find("the planted log", planted)) == 0 {
					t.Fatalf("the scan misses %s planted in the log", s.what)
				}
			}
			if len(f.find("the planted state", append(append([]byte{}, state...),
				"\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n"...))) == 0 {
				t.Fatal("the scan misses private key material planted in the state")
			}

			var found []string
			found = append(found, f.find("the TRACE log", log)...)
			found = append(found, f.find("the CLI's output", output.Bytes())...)
			found = append(found, f.find("the state", state)...)
			if len(found) > 0 {
				t.Fatalf("secrets leaked:\n  %s", strings.Join(found, "\n  "))
			}
			t.Logf("%d secrets looked for in %d bytes of TRACE log, %d of output, %d of state", len(f.secrets), len(log), output.Len(), len(state))
		})
	}
}

// s3Secrets are the S3 secrets of the run: the account's own on OUTSCALE
// (already listed), each bucket user's key on OVHcloud.
func s3Secrets(t *testing.T, emu *emulator.Emulator, cloudName string) []secret {
	t.Helper()
	if cloudName != cloud.OVH {
		return nil
	}
	creds, err := emu.Control().Objects(t.Context(), "ovh.s3_credentials")
	if err != nil {
		t.Fatal(err)
	}
	var out []secret
	for _, c := range creds {
		var doc struct{ Secret string }
		if err := json.Unmarshal(c.Doc, &doc); err != nil || doc.Secret == "" {
			t.Fatalf("no secret in the S3 credential %s: %v", c.ID, err)
		}
		out = append(out, secret{"the S3 secret of " + c.ID, doc.Secret})
	}
	if len(out) != 4 {
		t.Fatalf("%d S3 secrets, want one per bucket", len(out))
	}
	return out
}

// hostKeys are the bastions' private host keys, read from the user-data
// the emulator holds: the body of the OpenSSH private key block, whose
// longest line is the needle.
func hostKeys(t *testing.T, emu *emulator.Emulator, cloudName string) ([]secret, string) {
	t.Helper()
	collection, field := "outscale.vms", "UserData"
	if cloudName == cloud.OVH {
		collection, field = "ovh.instances", "user_data"
	}
	vms, err := emu.Control().Objects(t.Context(), collection)
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile(`(?s)-----BEGIN OPENSSH PRIVATE KEY-----(.*?)-----END OPENSSH PRIVATE KEY-----`)
	var out []secret
	var all string
	for _, vm := range vms {
		var doc map[string]any
		if err := json.Unmarshal(vm.Doc, &doc); err != nil {
			t.Fatal(err)
		}
		userData, _ := doc[field].(string)
		if decoded, err := base64.StdEncoding.DecodeString(userData); err == nil {
			userData = string(decoded)
		}
		all += userData
		m := block.FindStringSubmatch(userData)
		if m == nil {
			t.Fatalf("no private host key in the user-data of %s", vm.ID)
		}
		body := strings.Fields(strings.ReplaceAll(m[1], `\n`, "\n"))
		longest := ""
		for _, line := range body {
			if len(line) > len(longest) {
				longest = line
			}
		}
		if len(longest) < 40 {
			t.Fatalf("the private host key of %s is too short to look for: %d characters", vm.ID, len(longest))
		}
		out = append(out, secret{"the private host key of " + vm.ID, longest})
	}
	if len(out) != 1 {
		t.Fatalf("%d bastion VMs, want 1", len(out))
	}
	return out, all
}
