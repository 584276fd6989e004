package outscale

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// Customer-managed keys on OUTSCALE. The OUTSCALE API (OAPI 1.42) has no key
// manager, so the warehouse's keys live in an OpenBao server that the
// customer runs inside the warehouse (modules/kms deploys it), in its
// transit engine. A key is one transit key:
//
//   - its versions are the transit key's (latest_version); a rotation adds
//     one, and older ones keep decrypting and verifying;
//   - rotation_period is the key's auto_rotate_period: OpenBao rotates the
//     key by itself, whether Terraform runs or not;
//   - deletion protection is the key's deletion_allowed = false: OpenBao
//     itself refuses to delete the key, from Terraform or not;
//   - keys are never exportable nor backed up in plaintext: the provider
//     sets neither flag, and reports a key that has them.
//
// What the engine cannot hold: the usage (transit keys carry no operation
// list; OpenBao policies grant transit/encrypt/<name>, transit/sign/<name>,
// …), tags, and a disabled state.

// openBaoKeyTypes maps algorithms to transit key types.
var openBaoKeyTypes = map[string]string{
	cloud.AlgorithmAES256:  "aes256-gcm96",
	cloud.AlgorithmRSA3072: "rsa-3072",
	cloud.AlgorithmRSA4096: "rsa-4096",
	cloud.AlgorithmECP256:  "ecdsa-p256",
	cloud.AlgorithmECP384:  "ecdsa-p384",
}

var openBaoBackend = cloud.KeyBackend{
	Name:  cloud.BackendOpenBao,
	Title: "OpenBao (the customer-held key manager on OUTSCALE)",
	Usages: map[string][]string{
		// aes256-gcm96 encrypts, decrypts and makes data keys (wrapping);
		// RSA keys encrypt with OAEP and sign; ECDSA keys only sign.
		cloud.AlgorithmAES256:  {cloud.UsageEncryptDecrypt, cloud.UsageWrapUnwrap},
		cloud.AlgorithmRSA3072: {cloud.UsageEncryptDecrypt, cloud.UsageWrapUnwrap, cloud.UsageSignVerify},
		cloud.AlgorithmRSA4096: {cloud.UsageEncryptDecrypt, cloud.UsageWrapUnwrap, cloud.UsageSignVerify},
		cloud.AlgorithmECP256:  {cloud.UsageSignVerify},
		cloud.AlgorithmECP384:  {cloud.UsageSignVerify},
	},
	NativeRotation:             true,
	RotationKeepsKeyID:         true,
	RecordsUsage:               false,
	CanDisable:                 false,
	EnforcesDeletionProtection: true,
}

// KeyBackend implements cloud.KeyManager.
func (c *Client) KeyBackend() cloud.KeyBackend { return openBaoBackend }

// transitKey is the answer to GET /v1/<mount>/keys/<name>, without the
// public keys of asymmetric versions, which are never read.
type transitKey struct {
	Name                 string                     `json:"name"`
	Type                 string                     `json:"type"`
	DeletionAllowed      bool                       `json:"deletion_allowed"`
	Exportable           bool                       `json:"exportable"`
	AllowPlaintextBackup bool                       `json:"allow_plaintext_backup"`
	LatestVersion        int                        `json:"latest_version"`
	AutoRotatePeriod     int64                      `json:"auto_rotate_period"` // seconds
	Keys                 map[string]json.RawMessage `json:"keys"`
}

// versionCreated reads a version's creation time: a Unix time in seconds
// for symmetric keys, an object with creation_time for asymmetric ones.
func versionCreated(raw json.RawMessage) (time.Time, error) {
	var unix int64
	if err := json.Unmarshal(raw, &unix); err == nil {
		return time.Unix(unix, 0).UTC(), nil
	}
	var asym struct {
		CreationTime time.Time `json:"creation_time"`
	}
	if err := json.Unmarshal(raw, &asym); err != nil {
		return time.Time{}, errors.New("a key version carries no creation time")
	}
	return asym.CreationTime.UTC(), nil
}

// CreateKey implements cloud.KeyManager. It refuses a name the engine
// already holds: the create call of the transit engine would silently
// answer with the existing key.
func (c *Client) CreateKey(ctx context.Context, spec cloud.KeySpec) (cloud.Key, error) {
	ob, err := c.keyManager()
	if err != nil {
		return cloud.Key{}, err
	}
	keyType, ok := openBaoKeyTypes[spec.Algorithm]
	if err := openBaoBackend.CheckAlgorithm(spec.Algorithm, spec.Usage); !ok || err != nil {
		return cloud.Key{}, fmt.Errorf("creating the key %s: %w", spec.Name, err)
	}
	if spec.RotationPeriod < time.Hour {
		return cloud.Key{}, fmt.Errorf("creating the key %s: OpenBao rotates keys every hour at the most often, not every %s", spec.Name, spec.RotationPeriod)
	}
	if !spec.Enabled {
		return cloud.Key{}, fmt.Errorf("creating the key %s: OpenBao transit keys cannot be disabled", spec.Name)
	}
	var existing transitKey
	err = c.baoCall(ctx, ob, true, http.MethodGet, ob.keyPath(spec.Name), nil, &existing)
	switch {
	case err == nil:
		return cloud.Key{}, &cloud.APIError{Cloud: openBaoCloud, Operation: "create " + ob.keyPath(spec.Name), Class: cloud.ErrConflict,
			Message: fmt.Sprintf("the transit engine at %s already holds a key named %s; import it, or choose another name", ob.mount, spec.Name)}
	case !errors.Is(err, cloud.ErrNotFound):
		return cloud.Key{}, fmt.Errorf("checking that no key is named %s yet: %w", spec.Name, err)
	}
	// The create call is an upsert: sent again after a lost answer, it
	// changes nothing.
	create := map[string]any{
		"type":                   keyType,
		"exportable":             false,
		"allow_plaintext_backup": false,
		"auto_rotate_period":     int64(spec.RotationPeriod / time.Second),
	}
	if err := c.baoCall(ctx, ob, true, http.MethodPost, ob.keyPath(spec.Name), create, nil); err != nil {
		k := cloud.Key{}
		if errors.Is(err, cloud.ErrUnavailable) {
			k.ID = spec.Name // it may exist: Delete will find out
		}
		return k, fmt.Errorf("creating the key %s: %w", spec.Name, err)
	}
	made := cloud.Key{ID: spec.Name, KeyID: spec.Name, Name: spec.Name, Backend: cloud.BackendOpenBao,
		Algorithm: spec.Algorithm, Usage: spec.Usage, DeletionProtection: true}
	if !spec.DeletionProtection {
		if err := c.setKeyConfig(ctx, ob, spec.Name, map[string]any{"deletion_allowed": true}); err != nil {
			return made, fmt.Errorf("allowing the deletion of the key %s: %w", spec.Name, err)
		}
	}
	k, err := c.ReadKey(ctx, cloud.Key{ID: spec.Name, Usage: spec.Usage})
	if err != nil {
		return made, fmt.Errorf("reading the key %s back after creating it: %w", spec.Name, err)
	}
	return k, nil
}

// ReadKey implements cloud.KeyManager.
func (c *Client) ReadKey(ctx context.Context, ref cloud.Key) (cloud.Key, error) {
	ob, err := c.keyManager()
	if err != nil {
		return cloud.Key{}, err
	}
	var tk transitKey
	if err := c.baoCall(ctx, ob, true, http.MethodGet, ob.keyPath(ref.ID), nil, &tk); err != nil {
		return cloud.Key{}, err
	}
	return keyFromTransit(ref, tk)
}

func keyFromTransit(ref cloud.Key, tk transitKey) (cloud.Key, error) {
	var alg string
	for a, t := range openBaoKeyTypes {
		if t == tk.Type {
			alg = a
		}
	}
	if alg == "" {
		return cloud.Key{}, fmt.Errorf("the OpenBao key %s is of type %s, which health_warehouse_kms_key does not manage "+
			"(it manages aes256-gcm96, rsa-3072, rsa-4096, ecdsa-p256 and ecdsa-p384 keys)", ref.ID, tk.Type)
	}
	usage := ref.Usage
	if openBaoBackend.CheckAlgorithm(alg, usage) != nil || usage == "" {
		usage = openBaoBackend.DefaultUsage(alg)
	}
	k := cloud.Key{
		ID:                 ref.ID,
		KeyID:              ref.ID,
		Backend:            cloud.BackendOpenBao,
		Name:               ref.ID,
		Algorithm:          alg,
		Usage:              usage,
		Version:            tk.LatestVersion,
		Enabled:            true,
		RotationPeriod:     time.Duration(tk.AutoRotatePeriod) * time.Second,
		DeletionProtection: !tk.DeletionAllowed,
		Exportable:         tk.Exportable || tk.AllowPlaintextBackup,
		Tags:               ref.Tags,
	}
	versions := make([]int, 0, len(tk.Keys))
	for v := range tk.Keys {
		n, err := strconv.Atoi(v)
		if err != nil {
			return cloud.Key{}, fmt.Errorf("the OpenBao key %s lists a version %q", ref.ID, v)
		}
		versions = append(versions, n)
	}
	sort.Ints(versions)
	if len(versions) > 0 {
		first, err := versionCreated(tk.Keys[strconv.Itoa(versions[0])])
		if err != nil {
			return cloud.Key{}, fmt.Errorf("the OpenBao key %s: %w", ref.ID, err)
		}
		k.CreatedAt = first
	}
	if raw, ok := tk.Keys[strconv.Itoa(tk.LatestVersion)]; ok {
		latest, err := versionCreated(raw)
		if err != nil {
			return cloud.Key{}, fmt.Errorf("the OpenBao key %s: %w", ref.ID, err)
		}
		k.RotatedAt = latest
	}
	return k, nil
}

// UpdateKey implements cloud.KeyManager: the rotation period and the
// deletion protection, in one config call.
func (c *Client) UpdateKey(ctx context.Context, current cloud.Key, spec cloud.KeySpec) (cloud.Key, error) {
	ob, err := c.keyManager()
	if err != nil {
		return cloud.Key{}, err
	}
	if !spec.Enabled {
		return current, fmt.Errorf("updating the key %s: OpenBao transit keys cannot be disabled", current.ID)
	}
	config := map[string]any{}
	if spec.RotationPeriod != current.RotationPeriod {
		config["auto_rotate_period"] = int64(spec.RotationPeriod / time.Second)
	}
	if spec.DeletionProtection != current.DeletionProtection {
		config["deletion_allowed"] = !spec.DeletionProtection
	}
	if len(config) > 0 {
		if err := c.setKeyConfig(ctx, ob, current.ID, config); err != nil {
			return current, fmt.Errorf("configuring the key %s: %w", current.ID, err)
		}
	}
	ref := current
	ref.Usage, ref.Tags = spec.Usage, spec.Tags
	return c.ReadKey(ctx, ref)
}

func (c *Client) setKeyConfig(ctx context.Context, ob *openBao, name string, config map[string]any) error {
	// Setting values is idempotent: a retry after a lost answer sets them again.
	return c.baoCall(ctx, ob, true, http.MethodPost, ob.keyPath(name, "config"), config, nil)
}

// RotateKey implements cloud.KeyManager. A rotation is not idempotent: it
// is retried only when OpenBao provably did not get it (throttled, or the
// connection never opened).
func (c *Client) RotateKey(ctx context.Context, current cloud.Key) (cloud.Key, error) {
	ob, err := c.keyManager()
	if err != nil {
		return cloud.Key{}, err
	}
	if err := c.baoCall(ctx, ob, false, http.MethodPost, ob.keyPath(current.ID, "rotate"), nil, nil); err != nil {
		return current, fmt.Errorf("rotating the key %s: %w", current.ID, err)
	}
	return c.ReadKey(ctx, current)
}

// DeleteKey implements cloud.KeyManager: allow the key's deletion, then
// delete it, with every version.
func (c *Client) DeleteKey(ctx context.Context, current cloud.Key) error {
	ob, err := c.keyManager()
	if err != nil {
		return err
	}
	err = c.setKeyConfig(ctx, ob, current.ID, map[string]any{"deletion_allowed": true})
	if errors.Is(err, cloud.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("allowing the deletion of the key %s: %w", current.ID, err)
	}
	err = c.baoCall(ctx, ob, true, http.MethodDelete, ob.keyPath(current.ID), nil, nil)
	if err != nil && !errors.Is(err, cloud.ErrNotFound) {
		return fmt.Errorf("deleting the key %s: %w", current.ID, err)
	}
	return nil
}
