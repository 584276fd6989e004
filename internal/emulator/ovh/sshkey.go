package ovh

import (
	"bytes"
	"crypto/md5" //nolint:gosec // Nova's key pair fingerprint is MD5 by definition
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"slices"
	"strings"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// The project's SSH keys (/cloud/project/{serviceName}/sshkey): OpenStack
// key pairs, named uniquely in the project, each in some of its regions.
// The official provider's ovh_cloud_project_ssh_key makes, reads and
// deletes them there; its ovh_cloud_project_instance names one (sshKey) or
// makes one with the instance (sshKeyCreate).
//
// The public key is stored trimmed: a key read from a .pub file ends with a
// newline, which the API drops (the official provider's
// TestAccCloudProjectSSHKey_trailingNewline says so). The fingerprint is
// Nova's, the MD5 of the key's blob in colon-separated hexadecimal.
//
//	ovh.sshkeys/<id> {"project":…, "id":…, "name":…, "public_key":…, "regions":[…]}
const collSSHKeys = "ovh.sshkeys"

// apiSSHKey is cloud.sshkey.SshKey, the list's shape.
type apiSSHKey struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	PublicKey string   `json:"publicKey"`
	Regions   []string `json:"regions"`
}

// apiSSHKeyDetail is cloud.sshkey.SshKeyDetail.
type apiSSHKeyDetail struct {
	FingerPrint string   `json:"fingerPrint"`
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	PublicKey   string   `json:"publicKey"`
	Regions     []string `json:"regions"`
}

type sshKeyRecord struct {
	owner
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	PublicKey   string   `json:"public_key"`
	Fingerprint string   `json:"fingerprint"`
	Regions     []string `json:"regions"`
}

func (k sshKeyRecord) summary() apiSSHKey {
	return apiSSHKey{ID: k.ID, Name: k.Name, PublicKey: k.PublicKey, Regions: append([]string{}, k.Regions...)}
}

func (k sshKeyRecord) detail() apiSSHKeyDetail {
	return apiSSHKeyDetail{FingerPrint: k.Fingerprint, ID: k.ID, Name: k.Name, PublicKey: k.PublicKey,
		Regions: append([]string{}, k.Regions...)}
}

// sshKeyRoutes are the project's SSH keys.
func sshKeyRoutes() map[string]route {
	const keys = "/1.0/cloud/project/{serviceName}/sshkey"
	return map[string]route{
		"GET " + keys:                 {serve: listSSHKeys},
		"POST " + keys:                {serve: createSSHKey},
		"GET " + keys + "/{keyId}":    {serve: getSSHKey},
		"DELETE " + keys + "/{keyId}": {serve: deleteSSHKey},
	}
}

// sshKeyID is a key's id: the unpadded URL-safe base64 of its name, which
// is unique in the project. The form of the real ids is unverified.
func sshKeyID(name string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(name))
}

// sshKeyTypes are the key types Nova takes.
var sshKeyTypes = []string{"ssh-rsa", "ssh-dss", "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"}

// parsePublicKey checks a public key in the authorized_keys form ("type
// base64 [comment]") and returns it trimmed with its fingerprint. Nova's
// answer to a bad key is "Keypair data is invalid: failed to generate
// fingerprint" (400), which the API passes on (unverified).
func parsePublicKey(key string) (trimmed, fingerprint string, err error) {
	trimmed = strings.TrimSpace(key)
	fields := strings.Fields(trimmed)
	invalid := errBadRequest("Keypair data is invalid: failed to generate fingerprint")
	if len(fields) < 2 || !slices.Contains(sshKeyTypes, fields[0]) {
		return "", "", invalid
	}
	blob, err := base64.StdEncoding.DecodeString(fields[1])
	if err != nil || len(blob) < 4 {
		return "", "", invalid
	}
	// The blob starts with the key type, as a length-prefixed string.
	n := binary.BigEndian.Uint32(blob[:4])
	if uint64(n) > uint64(len(blob)-4) || !bytes.Equal(blob[4:4+n], []byte(fields[0])) {
		return "", "", invalid
	}
	sum := md5.Sum(blob) //nolint:gosec // see import
	hexSum := hex.EncodeToString(sum[:])
	parts := make([]string, 0, len(sum))
	for i := 0; i < len(hexSum); i += 2 {
		parts = append(parts, hexSum[i:i+2])
	}
	return trimmed, strings.Join(parts, ":"), nil
}

// addSSHKey stores a new key named name in region, or in every region of
// the project when region is nil. A key of the same name and public key is
// taken again (in one more region if need be); another key of that name is
// a conflict, as for Nova's key pairs.
func addSSHKey(tx store.Tx, p Project, name, publicKey string, region *string) (sshKeyRecord, error) {
	if name == "" || len(name) > 255 {
		return sshKeyRecord{}, errBadRequest("[name] An SSH key name has 1 to 255 characters") // unverified wording
	}
	key, fingerprint, err := parsePublicKey(publicKey)
	if err != nil {
		return sshKeyRecord{}, err
	}
	regions := append([]string{}, p.Regions...)
	if region != nil {
		if !slices.Contains(p.Regions, *region) {
			return sshKeyRecord{}, errBadRequest("Region %s is not available for project %s", *region, p.ID) // unverified
		}
		regions = []string{*region}
	}
	k := sshKeyRecord{owner: owner{p.ID}, ID: sshKeyID(name), Name: name, PublicKey: key, Fingerprint: fingerprint, Regions: regions}
	existing, found, err := getInProject[sshKeyRecord](tx, collSSHKeys, k.ID, p.ID)
	if err != nil {
		return k, err
	}
	if found {
		if existing.PublicKey != key {
			return k, errConflict("Key pair '%s' already exists.", name) // Nova's wording
		}
		for _, r := range regions {
			if !slices.Contains(existing.Regions, r) {
				existing.Regions = append(existing.Regions, r)
			}
		}
		return existing, store.Put(tx, collSSHKeys, existing.ID, existing)
	}
	return k, store.Put(tx, collSSHKeys, k.ID, k)
}

// keyByName finds the project's key named name, which must be in region.
func keyByName(tx store.Tx, p Project, name, region string) (sshKeyRecord, error) {
	k, found, err := getInProject[sshKeyRecord](tx, collSSHKeys, sshKeyID(name), p.ID)
	if err != nil {
		return k, err
	}
	if !found || k.Name != name || !slices.Contains(k.Regions, region) {
		return k, errNotFound("SSH key %s does not exist in region %s", name, region) // unverified wording
	}
	return k, nil
}

func listSSHKeys(c *call) (any, error) {
	if err := c.checkQuery("region"); err != nil {
		return nil, err
	}
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		region, err := c.queryRegion(p)
		if err != nil {
			return nil, err
		}
		all, err := listInProject[sshKeyRecord](tx, collSSHKeys, p.ID)
		if err != nil {
			return nil, err
		}
		out := []apiSSHKey{}
		for _, k := range all {
			if region == "" || slices.Contains(k.Regions, region) {
				out = append(out, k.summary())
			}
		}
		return out, nil
	})
}

func createSSHKey(c *call) (any, error) {
	var req struct {
		Name      *string `json:"name"`
		PublicKey *string `json:"publicKey"`
		Region    *string `json:"region"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := mandatory(property{"name", req.Name != nil}, property{"publicKey", req.PublicKey != nil}); err != nil {
		return nil, err
	}
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		if _, found, err := getInProject[sshKeyRecord](tx, collSSHKeys, sshKeyID(*req.Name), p.ID); err != nil || found {
			if found {
				return nil, errConflict("Key pair '%s' already exists.", *req.Name) // Nova's wording
			}
			return nil, err
		}
		k, err := addSSHKey(tx, p, *req.Name, *req.PublicKey, req.Region)
		return k.detail(), err
	})
}

// loadSSHKey reads the key of {keyId}.
func (c *call) loadSSHKey(tx store.Tx, p Project) (sshKeyRecord, error) {
	id := c.r.PathValue("keyId")
	k, found, err := getInProject[sshKeyRecord](tx, collSSHKeys, id, p.ID)
	if err != nil {
		return k, err
	}
	if !found {
		return k, errNotFound("SSH key %s does not exist", id) // unverified wording
	}
	return k, nil
}

func getSSHKey(c *call) (any, error) {
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		k, err := c.loadSSHKey(tx, p)
		return k.detail(), err
	})
}

// deleteSSHKey removes the key; instances that booted with it keep it, as
// Nova's do.
func deleteSSHKey(c *call) (any, error) {
	return c.inProject(func(tx store.Tx, p Project) (any, error) {
		k, err := c.loadSSHKey(tx, p)
		if err != nil {
			return nil, err
		}
		return nil, tx.Delete(collSSHKeys, k.ID)
	})
}
