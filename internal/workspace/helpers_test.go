package workspace

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"math/big"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"gopkg.in/yaml.v3"

	"github.com/sovhealth/terraform-provider-health/internal/bastion"
	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/gateway"
)

const (
	testSecret     = "wsSecretKey/0123456789+abcdefXYZ"
	testGWSecret   = "gatewayClientSecret0123456789"
	testEndpoint   = "https://oos.cloudgouv-eu-west-1.outscale.com"
	testBastionNet = "10.40.0.0/24"
)

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func ed25519Key(t testing.TB, comment string) string {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	must(t, err)
	k, err := ssh.NewPublicKey(pub)
	must(t, err)
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k))) + " " + comment
}

// rsa4096Key is a public key of RSA's shape and size, 4096 bits: a random
// odd modulus with its top bit set, as incompressible as a real one (the
// renderer never factors it, and making 40 real keys takes minutes).
func rsa4096Key(t testing.TB, comment string) string {
	t.Helper()
	buf := make([]byte, 512)
	_, err := rand.Read(buf)
	must(t, err)
	buf[0] |= 0x80
	buf[511] |= 1
	k, err := ssh.NewPublicKey(&rsa.PublicKey{N: new(big.Int).SetBytes(buf), E: 65537})
	must(t, err)
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k))) + " " + comment
}

func gatewayCA(t testing.TB) string {
	t.Helper()
	issued, err := gateway.IssueTLS("wh-gw", "10.40.128.10", time.Now())
	must(t, err)
	return issued.CACertPEM
}

func testConfig(t testing.TB, cloudName string) Config {
	t.Helper()
	return Config{
		Workspace: "ws-cardio", Name: "ws-cardio-0", Index: 0, Cloud: cloudName,
		Members: []Member{{Name: "alice", PublicKey: ed25519Key(t, "alice@laptop")},
			{Name: "bob", PublicKey: ed25519Key(t, "bob@laptop")}},
		BastionCIDR: testBastionNet,
		ObjectStorage: ObjectStorage{Endpoint: testEndpoint, Region: "cloudgouv-eu-west-1",
			AccessKeyID: "WSCARDIOKEY0001", SecretAccessKey: testSecret},
		Buckets: Buckets{Working: "wh-ws-cardio-working", Import: "wh-ws-cardio-import", Export: "wh-ws-cardio-export",
			Datasets: []Dataset{{Name: "cohort-2024", Bucket: "wh-pseudonymised", Prefix: "cardio/2024/"},
				{Bucket: "wh-pseudonymised-ck", Prefix: "cardio/"}}},
		DataGateways: []DataGateway{{Bucket: "wh-pseudonymised-ck", Endpoint: "https://10.40.128.10", CAPEM: gatewayCA(t),
			AccessKeyID: "GWCLIENT0001", SecretAccessKey: testGWSecret}},
		PackageMirror: &bastion.PackageMirror{Primary: "http://deb.debian.org/debian", Security: "http://deb.debian.org/debian-security"},
		Size:          "medium", Image: "debian-12",
	}
}

// rendered is a rendered user-data, parsed.
type rendered struct {
	raw    []byte
	doc    map[string]any
	files  map[string]string
	modes  map[string]string
	owners map[string]string
	defers map[string]bool
}

func render(t testing.TB, cfg Config) rendered {
	t.Helper()
	raw, err := Render(cfg)
	must(t, err)
	r := rendered{raw: raw, files: map[string]string{}, modes: map[string]string{}, owners: map[string]string{}, defers: map[string]bool{}}
	text, err := Text(raw)
	must(t, err)
	must(t, yaml.Unmarshal(text, &r.doc))
	var doc struct {
		WriteFiles []bastion.WriteFile `yaml:"write_files"`
	}
	must(t, yaml.Unmarshal(text, &doc))
	for _, f := range doc.WriteFiles {
		r.files[f.Path], r.modes[f.Path], r.owners[f.Path], r.defers[f.Path] = f.Content, f.Permissions, f.Owner, f.Defer
	}
	return r
}

var _ = cloud.Outscale
