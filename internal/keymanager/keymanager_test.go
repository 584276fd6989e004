package keymanager

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl"
	"gopkg.in/yaml.v3"

	"github.com/sovhealth/terraform-provider-health/internal/bastion"
)

var testNow = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func testNodes(n int) []Node {
	out := make([]Node, n)
	for i := range out {
		out[i] = Node{Index: i + 1, Name: fmt.Sprintf("cohort-kms-%d", i+1), IP: fmt.Sprintf("10.20.3.%d", 10+i)}
	}
	return out
}

// testCluster renders the configurations of an n-server cluster the way
// the provider does: one CA, one certificate per server, the CA dropped.
func testCluster(t *testing.T, n int) ([]Config, *CA) {
	t.Helper()
	nodes := testNodes(n)
	ca, err := NewCA("cohort-kms", nodes, testNow)
	if err != nil {
		t.Fatal(err)
	}
	var out []Config
	for _, node := range nodes {
		cert, key, err := ca.Issue(node, testNow)
		if err != nil {
			t.Fatal(err)
		}
		hk, err := bastion.GenerateHostKey(node.Name)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, Config{
			Cluster: "cohort-kms", NetworkID: "vpc-12345678", Cloud: "outscale", Size: "small", Node: node, Peers: nodes,
			Mount: DefaultMount, Version: OpenBaoVersion, HostKey: hk,
			TLS: ServerTLS{TrustBundle: ca.CertPEM(), Issuer: ca.CertPEM(), Cert: cert, Key: key},
			Inbound: []InboundRule{
				{Protocol: "tcp", FromPort: 22, ToPort: 22, Source: "10.20.0.0/24", Purpose: "SSH from the bastion"},
				{Protocol: "tcp", FromPort: 8200, ToPort: 8200, Source: "10.20.1.0/24", Purpose: "key manager API from compute"},
			},
			NetworkRules: []bastion.NetworkRule{
				{Tier: "kms", Protocol: "tcp", FromPort: 22, ToPort: 22, Source: "tier:bastion", Purpose: "SSH from the bastion"},
				{Tier: "kms", Protocol: "tcp", FromPort: 8200, ToPort: 8200, Source: "tier:compute", Purpose: "key manager API from compute"},
			},
		})
	}
	ca.Discard()
	return out, ca
}

func TestCA_certificatesChainAndNameTheServer(t *testing.T) {
	t.Parallel()
	cfgs, ca := testCluster(t, 3)
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(ca.CertPEM())) {
		t.Fatal("the CA's PEM does not parse")
	}
	for _, cfg := range cfgs {
		certs, err := Certificates(cfg.TLS.Cert)
		if err != nil {
			t.Fatal(err)
		}
		leaf := certs[0]
		for _, host := range []string{cfg.Node.IP, "127.0.0.1", cfg.Node.Name, "localhost"} {
			if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: host, CurrentTime: testNow.Add(time.Hour)}); err != nil {
				t.Errorf("%s's certificate does not verify for %s: %v", cfg.Node.Name, host, err)
			}
		}
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: "10.20.3.99", CurrentTime: testNow}); err == nil {
			t.Errorf("%s's certificate verifies for an address that is not its own", cfg.Node.Name)
		}
		if leaf.PublicKeyAlgorithm != x509.ECDSA || leaf.SignatureAlgorithm != x509.ECDSAWithSHA256 {
			t.Errorf("%s: %v signed with %v, want ECDSA with SHA-256", cfg.Node.Name, leaf.PublicKeyAlgorithm, leaf.SignatureAlgorithm)
		}
		if got := leaf.NotAfter.Sub(testNow); got != CertificateLifetime {
			t.Errorf("%s is valid for %s, want %s", cfg.Node.Name, got, CertificateLifetime)
		}
		// The key in the user-data is the certificate's.
		if _, err := tls.X509KeyPair([]byte(cfg.TLS.Cert), []byte(cfg.TLS.Key)); err != nil {
			t.Errorf("%s's key does not match its certificate: %v", cfg.Node.Name, err)
		}
	}
	// Two servers never share a key.
	if cfgs[0].TLS.Key == cfgs[1].TLS.Key {
		t.Error("two servers got the same private key")
	}
}

func TestCA_discardedSignsNothing(t *testing.T) {
	t.Parallel()
	_, ca := testCluster(t, 1)
	if _, _, err := ca.Issue(testNodes(1)[0], testNow); !errors.Is(err, ErrDiscarded) {
		t.Fatalf("a discarded CA issued a certificate (err %v)", err)
	}
}

// Even with its key, the CA vouches for its servers' names only: a
// certificate it signs for another host fails verification.
func TestCA_nameConstraints(t *testing.T) {
	t.Parallel()
	nodes := testNodes(1)
	ca, err := NewCA("cohort-kms", nodes, testNow)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "evil"},
		NotBefore: testNow.Add(-time.Hour), NotAfter: testNow.Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames: []string{"kms.example.org"}, IPAddresses: []net.IP{net.ParseIP("192.0.2.1")}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	forged, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	if _, err := forged.Verify(x509.VerifyOptions{Roots: pool, DNSName: "192.0.2.1", CurrentTime: testNow}); err == nil {
		t.Fatal("the CA's name constraints let it vouch for 192.0.2.1")
	}
}

// userDataDoc is what the tests read of a rendered document.
type userDataDoc struct {
	Hostname string `yaml:"hostname"`
	SSHKeys  struct {
		Private string `yaml:"ed25519_private"`
		Public  string `yaml:"ed25519_public"`
	} `yaml:"ssh_keys"`
	Users []struct {
		Name string `yaml:"name"`
	} `yaml:"users"`
	WriteFiles []struct {
		Path        string `yaml:"path"`
		Permissions string `yaml:"permissions"`
		Content     string `yaml:"content"`
	} `yaml:"write_files"`
	RunCmd [][]string `yaml:"runcmd"`
}

func parseUserData(t *testing.T, raw []byte) (userDataDoc, map[string]string) {
	t.Helper()
	var doc userDataDoc
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, f := range doc.WriteFiles {
		files[f.Path] = f.Content
	}
	return doc, files
}

func TestRender_serverFiles(t *testing.T) {
	t.Parallel()
	cfgs, _ := testCluster(t, 3)
	cfg := cfgs[1]
	raw, err := Render(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(raw), "#cloud-config\n") {
		t.Fatalf("not a cloud-config document:\n%.200s", raw)
	}
	doc, files := parseUserData(t, raw)
	if doc.Hostname != "cohort-kms-2" || doc.SSHKeys.Public != cfg.HostKey.Public {
		t.Errorf("hostname %q, host key %q", doc.Hostname, doc.SSHKeys.Public)
	}
	// No default account: the only user is the placeholder, which cannot log in.
	if len(doc.Users) != 1 || doc.Users[0].Name != setupAccount {
		t.Errorf("users: %+v", doc.Users)
	}
	// The private TLS key is in one file, root-only, and nowhere else.
	for _, f := range doc.WriteFiles {
		hasKey := strings.Contains(f.Content, "PRIVATE KEY")
		switch {
		case f.Path == PathServerKey && (!hasKey || f.Permissions != "0600"):
			t.Errorf("%s: key %v, mode %s", f.Path, hasKey, f.Permissions)
		case f.Path != PathServerKey && hasKey:
			t.Errorf("%s holds a private key", f.Path)
		}
	}
	// OpenBao's configuration parses as HCL and says what the cluster needs.
	var conf struct {
		ClusterName  string `hcl:"cluster_name"`
		APIAddr      string `hcl:"api_addr"`
		ClusterAddr  string `hcl:"cluster_addr"`
		DisableMlock bool   `hcl:"disable_mlock"`
		Listener     []map[string][]map[string]any
		Storage      []map[string][]map[string]any
		Audit        []map[string][]map[string][]map[string]any
		Seal         any `hcl:"seal"`
	}
	if err := hcl.Decode(&conf, files[PathOpenBaoConfig]); err != nil {
		t.Fatalf("the OpenBao configuration is not HCL: %v\n%s", err, files[PathOpenBaoConfig])
	}
	if conf.APIAddr != "https://10.20.3.11:8200" || conf.ClusterAddr != "https://10.20.3.11:8201" || conf.ClusterName != "cohort-kms" {
		t.Errorf("addresses: %+v", conf)
	}
	if conf.Seal != nil {
		t.Error("a seal stanza: the servers must use Shamir's, with shares the customer holds")
	}
	raftConf := conf.Storage[0]["raft"][0]
	if raftConf["node_id"] != "cohort-kms-2" || raftConf["path"] != PathRaft {
		t.Errorf("raft: %v", raftConf)
	}
	joins, _ := raftConf["retry_join"].([]map[string]any)
	var leaders []string
	for _, j := range joins {
		leaders = append(leaders, j["leader_api_addr"].(string)) //nolint:forcetypeassert // the test's own HCL
		if j["leader_ca_cert_file"] != PathTrustBundle {
			t.Errorf("retry_join trusts %v", j["leader_ca_cert_file"])
		}
	}
	if !slices.Equal(leaders, []string{"https://10.20.3.10:8200", "https://10.20.3.12:8200"}) {
		t.Errorf("retry_join leaders %v: want the two other servers", leaders)
	}
	tcp := conf.Listener[0]["tcp"][0]
	if tcp["tls_cert_file"] != PathServerCert || tcp["tls_key_file"] != PathServerKey || tcp["tls_min_version"] != "tls12" {
		t.Errorf("listener: %v", tcp)
	}
	audit := conf.Audit[0]["file"][0]["file"][0]
	if opts, _ := audit["options"].([]map[string]any); len(opts) != 1 || opts[0]["file_path"] != PathAuditLog {
		t.Errorf("audit device: %v", audit)
	}
	// Terraform's policy reaches the transit keys, and the key credentials'
	// policies and tokens, and nothing else.
	var policy struct {
		Path map[string]struct {
			Capabilities []string `hcl:"capabilities"`
		} `hcl:"path"`
	}
	if err := hcl.Decode(&policy, files[PathPolicy]); err != nil {
		t.Fatal(err)
	}
	crud := []string{"create", "read", "update", "delete"}
	if len(policy.Path) != 5 || !slices.Equal(policy.Path["transit/keys/*"].Capabilities, crud) ||
		!slices.Equal(policy.Path["sys/policies/acl/health-kc-*"].Capabilities, crud) ||
		!slices.Equal(policy.Path["auth/token/create-orphan"].Capabilities, []string{"update", "sudo"}) ||
		!slices.Equal(policy.Path["auth/token/lookup-accessor"].Capabilities, []string{"update"}) ||
		!slices.Equal(policy.Path["auth/token/revoke-accessor"].Capabilities, []string{"update"}) {
		t.Errorf("policy: %+v", policy)
	}
	// The pinned release, and no automatic reboot (it would seal OpenBao).
	if !strings.Contains(files[PathInstall], "version='"+OpenBaoVersion+"'") {
		t.Errorf("the install script does not pin %s", OpenBaoVersion)
	}
	if !strings.Contains(files[PathUnattended], `Automatic-Reboot "false"`) {
		t.Error("unattended-upgrades may reboot the server")
	}
	if !strings.Contains(files[PathUnit], "LimitCORE=0") || !strings.Contains(files[PathUnit], "User=openbao") {
		t.Error("the unit lets OpenBao dump core, or runs it as root")
	}
	// OpenBao starts after its files are the service's, and after the firewall.
	order := func(prefix string) int {
		return slices.IndexFunc(doc.RunCmd, func(c []string) bool { return strings.HasPrefix(strings.Join(c, " "), prefix) })
	}
	install, perms, start, firewall := order(PathInstall), order("sh -c chown -R root:openbao"), order("sh -c systemctl daemon-reload"),
		order("sh -c systemctl enable nftables")
	if firewall < 0 || install < firewall || perms < install || start < perms {
		t.Errorf("runcmd order: firewall %d, install %d, permissions %d, start %d", firewall, install, perms, start)
	}
}

func TestRecover_readsBackWithoutSecrets(t *testing.T) {
	t.Parallel()
	cfgs, ca := testCluster(t, 3)
	raw, err := Render(cfgs[2])
	if err != nil {
		t.Fatal(err)
	}
	rec, err := Recover(raw)
	if err != nil {
		t.Fatal(err)
	}
	s := rec.Spec
	if s.Cluster != "cohort-kms" || s.Node.Index != 3 || len(s.Peers) != 3 || s.Size != "small" || s.Mount != "transit" ||
		len(s.NetworkRules) != 2 || s.HostKey.Fingerprint != cfgs[2].HostKey.Fingerprint {
		t.Errorf("recovered %+v", s)
	}
	if rec.Issuer != ca.CertPEM() || rec.Cert != cfgs[2].TLS.Cert || rec.TrustBundle != ca.CertPEM() {
		t.Error("the public TLS material is not recovered as written")
	}
	blob, _ := json.Marshal(rec)
	if strings.Contains(string(blob), "PRIVATE KEY") {
		t.Fatal("Recover returns a private key")
	}
	if _, err := Recover([]byte("#cloud-config\nhostname: x\n")); !errors.Is(err, ErrNotAKeyManager) {
		t.Errorf("a stranger's user-data: %v", err)
	}
}

func TestRender_refusesIncompleteConfigs(t *testing.T) {
	t.Parallel()
	cfgs, _ := testCluster(t, 1)
	for name, mutate := range map[string]func(*Config){
		"no key":          func(c *Config) { c.TLS.Key = "" },
		"no host key":     func(c *Config) { c.HostKey = bastion.HostKey{} },
		"stranger":        func(c *Config) { c.Node = Node{Index: 9, Name: "other-9", IP: "10.20.3.99"} },
		"bad name":        func(c *Config) { c.Cluster = "Cohort_KMS" },
		"bad rule source": func(c *Config) { c.Inbound = []InboundRule{{Protocol: "tcp", Source: "tier:compute"}} },
		"bad version":     func(c *Config) { c.Version = "latest" },
	} {
		c := cfgs[0]
		mutate(&c)
		if _, err := Render(c); err == nil {
			t.Errorf("%s: rendered", name)
		}
	}
}

func TestBundle_keepsEachCertificateOnce(t *testing.T) {
	t.Parallel()
	_, a := testCluster(t, 1)
	_, b := testCluster(t, 1)
	bundle := Bundle(a.CertPEM(), b.CertPEM(), a.CertPEM(), "not a certificate")
	certs, err := Certificates(bundle)
	if err != nil || len(certs) != 2 {
		t.Fatalf("%d certificates (%v)", len(certs), err)
	}
}

func TestRunbook_namesEveryServerAndTheSteps(t *testing.T) {
	t.Parallel()
	md := Runbook(RunbookInput{Cluster: "cohort-kms", Addresses: []string{"10.20.3.10", "10.20.3.11", "10.20.3.12"}, Mount: "transit"})
	for _, want := range []string{
		"export BAO_ADDR=https://10.20.3.10:8200 BAO_CACERT=kms-ca.pem",
		"bao operator init -key-shares=5 -key-threshold=3",
		"BAO_ADDR=https://10.20.3.12:8200 bao operator unseal",
		"bao secrets enable -path=transit transit",
		`path "transit/keys/*"`,
		"bao token revoke -self",
		"kms_address",
		"second apply",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the runbook lacks %q:\n%s", want, md)
		}
	}
	okms := OKMSRunbook("3a5b…", "eu-west-par", "https://eu-west-par.okms.ovh.net")
	if !strings.Contains(okms, "OVHcloud holds") || !strings.Contains(okms, "https://eu-west-par.okms.ovh.net") {
		t.Errorf("the OKMS runbook:\n%s", okms)
	}
}

// The documentation names the release and the lifetimes the code uses.
func TestDocs_sayWhatTheCodeDoes(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../../templates/resources/warehouse_key_manager.md.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	years := int(CertificateLifetime / (365 * 24 * time.Hour))
	for _, want := range []string{
		"**OpenBao " + OpenBaoVersion + "**",
		fmt.Sprintf("valid %d years", years),
		fmt.Sprintf("-key-shares=%d -key-threshold=%d", DefaultKeyShares, DefaultKeyThreshold),
		PathAuditLog,
		PathPolicy,
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("the documentation does not say %q", want)
		}
	}
}

// The servers take their packages and OpenBao from the mirrors they are
// given, written into their first boot and spec file, and pin OpenBao's
// package when told its SHA-256; a plain-HTTP OpenBao mirror needs a pin.
func TestRender_mirrors(t *testing.T) {
	t.Parallel()
	cfgs, _ := testCluster(t, 1)
	cfg := cfgs[0]
	if got := Downloads(cfg); len(got) != 1 || got[0].String() != "github.com:443 (openbao_mirror)" {
		t.Fatalf("by default the servers download from %v", got)
	}
	pin := strings.Repeat("0a", 32)
	cfg.PackageMirror = &bastion.PackageMirror{Primary: "http://10.9.0.10/debian", Security: "http://10.9.0.10/debian-security"}
	cfg.OpenBaoMirror, cfg.OpenBaoSHA256 = "http://10.9.0.10/openbao/v"+OpenBaoVersion+"/", pin
	raw, err := Render(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"apt:\n    primary:\n        - arches:\n            - default\n          uri: http://10.9.0.10/debian\n",
		"base='http://10.9.0.10/openbao/v" + OpenBaoVersion + "'", "pin='" + pin + "'"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("the user-data lacks %q", want)
		}
	}
	rec, err := Recover(raw)
	if err != nil || rec.Spec.OpenBaoSHA256 != pin || rec.Spec.PackageMirror == nil || rec.Spec.OpenBaoMirror != "http://10.9.0.10/openbao/v"+OpenBaoVersion {
		t.Fatalf("the spec file records %+v (%v)", rec.Spec, err)
	}
	var got []string
	for _, d := range Downloads(cfg) {
		got = append(got, d.String())
	}
	if want := []string{"10.9.0.10:80 (package_mirror.primary)", "10.9.0.10:80 (package_mirror.security)", "10.9.0.10:80 (openbao_mirror)"}; !slices.Equal(got, want) {
		t.Errorf("Downloads = %v, want %v", got, want)
	}
	cfg.OpenBaoSHA256 = ""
	if _, err := Render(cfg); err == nil || !strings.Contains(err.Error(), "give openbao_sha256") {
		t.Errorf("a plain-HTTP mirror without a pin: %v", err)
	}
	cfg.OpenBaoMirror, cfg.OpenBaoSHA256 = "", "not-a-sum"
	if _, err := Render(cfg); err == nil || !strings.Contains(err.Error(), "is not a SHA-256") {
		t.Errorf("a bad pin: %v", err)
	}
}
