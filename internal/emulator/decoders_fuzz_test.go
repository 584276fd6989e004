package emulator_test

import (
	"bytes"
	"crypto/sha1" //nolint:gosec // the OVH signature is SHA-1 by definition
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
)

// Fuzz tests of the emulator's request decoders: correctly signed requests
// with arbitrary bodies. Whatever the body, the emulator answers (a panic
// would drop the connection), with a client error in the service's own
// shape, never a 5xx. The seeds run as ordinary tests.

var oapiActions = []string{"CreateNet", "CreateSubnet", "CreateSecurityGroup", "CreateSecurityGroupRule", "CreateVms",
	"CreateTags", "CreateRoute", "LinkRouteTable", "CreateNatService", "CreateNetAccessPoint", "ReadNets", "ReadVms",
	"DeleteNet", "LinkPublicIp", "ReadImages"}

func FuzzOutscaleDecoders(f *testing.F) {
	for i, body := range []string{`{}`, `{"IpRange":"10.0.0.0/16"}`, `{"IpRange":5}`, `{"Filters":{"NetIds":"x"}}`,
		`{"Rules":[{"IpRanges":[null]}]}`, `{"ResourceIds":["vpc-1"],"Tags":[{}]}`, `[`, ``, `null`, `{"UserData":"!!"}`,
		`{"ResultsPerPage":-1}`, `{"NextPageToken":"b2Zmc2V0Oi0x"}`, `{"VmIds":[]}`} {
		f.Add(uint8(i), body)
	}
	emu := emutest.Start(f, nil)
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		action := oapiActions[int(which)%len(oapiActions)]
		r := oapi(t, emu, action, body, emulator.DefaultOutscaleAccessKey, emulator.DefaultOutscaleSecretKey, time.Now())
		if r.status >= 500 || (r.status >= 400 && !bytes.Contains(r.body, []byte(`"Errors"`))) {
			t.Fatalf("%s %q: HTTP %d %s", action, body, r.status, r.body)
		}
	})
}

var ovhRoutes = []string{
	"POST /cloud/project/" + emulator.DefaultOVHProjectID + "/network/private",
	"POST /cloud/project/" + emulator.DefaultOVHProjectID + "/network/private/pn-1/subnet",
	"POST /cloud/project/" + emulator.DefaultOVHProjectID + "/user",
	"POST /cloud/project/" + emulator.DefaultOVHProjectID + "/region/EU-WEST-PAR/storage",
	"POST /cloud/project/" + emulator.DefaultOVHProjectID + "/region/EU-WEST-PAR/instance",
	"PUT /cloud/project/" + emulator.DefaultOVHProjectID + "/network/private/pn-1",
	"POST /v2/okms/resource/" + emulator.DefaultOVHOKMSID + "/serviceKey",
}

// ovhCall sends an OVH API call signed with the "$1$" formula.
func ovhCall(t *testing.T, emu *emulator.Emulator, method, path, body string, at time.Time) response {
	t.Helper()
	return send(t, buildOVHRequest(emu, method, path, body, at))
}

// buildOVHRequest prepares an OVH API call signed with the "$1$" formula.
func buildOVHRequest(emu *emulator.Emulator, method, path, body string, at time.Time) *http.Request {
	target := emu.OVHEndpoint() + path
	if strings.HasPrefix(path, "/v2/") {
		target = strings.TrimSuffix(emu.OVHEndpoint(), "/1.0") + path
	}
	req, _ := http.NewRequest(method, target, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json;charset=utf-8")
	ts := strconv.FormatInt(at.Unix(), 10)
	sum := sha1.Sum([]byte(emulator.DefaultOVHApplicationSecret + "+" + emulator.DefaultOVHConsumerKey + "+" + method + "+" + //nolint:gosec // OVH formula
		target + "+" + body + "+" + ts))
	req.Header.Set("X-Ovh-Application", emulator.DefaultOVHApplicationKey)
	req.Header.Set("X-Ovh-Consumer", emulator.DefaultOVHConsumerKey)
	req.Header.Set("X-Ovh-Timestamp", ts)
	req.Header.Set("X-Ovh-Signature", "$1$"+hex.EncodeToString(sum[:]))
	return req
}

func FuzzOVHDecoders(f *testing.F) {
	for i, body := range []string{`{}`, `{"name":"pn","regions":["EU-WEST-PAR"]}`, `{"name":5}`, `{"vlanId":-1}`,
		`{"network":"10.0.0.0/33","start":"x","end":"y","region":"EU-WEST-PAR"}`, `{"description":"x","role":"nope"}`,
		`{"name":"b","ownerId":"x","encryption":{"sseAlgorithm":"ROT13"}}`, `{"flavor":{"id":null}}`, `[`, ``, `null`,
		`{"name":"k","type":"oct","size":-256,"operations":["encrypt"]}`} {
		f.Add(uint8(i), body)
	}
	emu := emutest.Start(f, nil)
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		route := ovhRoutes[int(which)%len(ovhRoutes)]
		method, path, _ := strings.Cut(route, " ")
		r := ovhCall(t, emu, method, path, body, time.Now())
		if r.status >= 500 || (r.status >= 400 && !bytes.Contains(r.body, []byte(`"message"`))) {
			t.Fatalf("%s %q: HTTP %d %s", route, body, r.status, r.body)
		}
	})
}

var s3Subresources = []string{"policy", "lifecycle", "tagging", "versioning", "object-lock", "encryption", "acl"}

func FuzzS3Decoders(f *testing.F) {
	for i, body := range []string{`{}`, `<Tagging><TagSet><Tag><Key>a</Key></Tag></TagSet></Tagging>`,
		`<LifecycleConfiguration><Rule><Expiration><Days>-1</Days></Expiration></Rule></LifecycleConfiguration>`,
		`<VersioningConfiguration><Status>Maybe</Status></VersioningConfiguration>`,
		`<ObjectLockConfiguration><Rule><DefaultRetention><Days>99999999999</Days></DefaultRetention></Rule></ObjectLockConfiguration>`,
		`{"Statement":[{"Effect":"Deny","Principal":{"AWS":5}}]}`, `<<<`, ``, `<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>`} {
		f.Add(uint8(i), body)
	}
	emu := emutest.Start(f, nil)
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		c := outscaleS3(t, emu)
		c.call(http.MethodPut, "/fuzz-bucket", nil) // exists after the first run
		sub := s3Subresources[int(which)%len(s3Subresources)]
		r := c.call(http.MethodPut, "/fuzz-bucket?"+sub, []byte(body), "Content-MD5", contentMD5([]byte(body)))
		// 501 NotImplemented is how S3 refuses a call it lacks: deliberate.
		if (r.status >= 500 && r.status != http.StatusNotImplemented) || (r.status >= 400 && !bytes.Contains(r.body, []byte("<Code>"))) {
			t.Fatalf("PUT ?%s %q: HTTP %d %s", sub, body, r.status, r.body)
		}
	})
}
