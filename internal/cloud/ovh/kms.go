package ovh

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// Customer-managed keys on OVHcloud live in the OVHcloud KMS (OKMS) named by
// kms_id, as service keys managed through the API v2 (the control plane;
// the data plane, which encrypts and signs, is another host behind mutual
// TLS and is never called here).
//
// OKMS service keys have no versions and no rotation. A key is therefore a
// series of service keys, one per version, named after the key:
//
//	<name>       version 1; its id is the resource's id
//	<name>.v2    version 2
//	<name>.v3    …
//
// A rotation makes the next version and makes it current (KeyID). Older
// versions stay ACTIVE: OKMS has no decrypt-only state, and a deactivated
// key decrypts nothing, so deactivating them would lose what they
// encrypted. The names are the link between versions, which is why the
// provider refuses to create a key whose name the KMS already holds, and
// why Read finds versions by name after an import.
//
// OKMS never rotates a key by itself: the provider rotates it at the first
// apply after rotation_period has elapsed since the current version was
// made (the plan shows it). Deletion protection and tags are kept by the
// provider only: OKMS has neither. Disabling deactivates every version;
// enabling activates them again (a compromised version stays compromised).

// okmsTypes is how each algorithm is asked of OKMS.
var okmsTypes = map[string]serviceKeyCreation{
	cloud.AlgorithmAES256:  {Type: "oct", Size: 256},
	cloud.AlgorithmRSA3072: {Type: "RSA", Size: 3072},
	cloud.AlgorithmRSA4096: {Type: "RSA", Size: 4096},
	cloud.AlgorithmECP256:  {Type: "EC", Curve: "P-256"},
	cloud.AlgorithmECP384:  {Type: "EC", Curve: "P-384"},
}

// okmsOperations are the operations of each usage.
var okmsOperations = map[string][]string{
	cloud.UsageEncryptDecrypt: {"encrypt", "decrypt"},
	cloud.UsageWrapUnwrap:     {"wrapKey", "unwrapKey"},
	cloud.UsageSignVerify:     {"sign", "verify"},
}

var okmsBackend = cloud.KeyBackend{
	Name:  cloud.BackendOKMS,
	Title: "the OVHcloud KMS (OKMS)",
	Usages: map[string][]string{
		// OVHcloud documents symmetric keys for encrypt/decrypt or
		// wrapKey/unwrapKey, and RSA and EC keys for sign/verify.
		cloud.AlgorithmAES256:  {cloud.UsageEncryptDecrypt, cloud.UsageWrapUnwrap},
		cloud.AlgorithmRSA3072: {cloud.UsageSignVerify},
		cloud.AlgorithmRSA4096: {cloud.UsageSignVerify},
		cloud.AlgorithmECP256:  {cloud.UsageSignVerify},
		cloud.AlgorithmECP384:  {cloud.UsageSignVerify},
	},
	NativeRotation:             false,
	RotationKeepsKeyID:         false,
	RecordsUsage:               true,
	CanDisable:                 true,
	EnforcesDeletionProtection: false,
}

// KeyBackend implements cloud.KeyManager.
func (c *Client) KeyBackend() cloud.KeyBackend { return okmsBackend }

// versionName is the name of a key's version n.
func versionName(name string, n int) string {
	if n <= 1 {
		return name
	}
	return name + ".v" + strconv.Itoa(n)
}

// versionOf returns the version a service key named keyName is of the key
// called name, or 0 when it is none of them.
func versionOf(name, keyName string) int {
	if keyName == name {
		return 1
	}
	rest, ok := strings.CutPrefix(keyName, name+".v")
	if !ok {
		return 0
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 2 || strconv.Itoa(n) != rest {
		return 0
	}
	return n
}

// kmsSettings lists what a key call needs and the configuration lacks.
func (c *Client) kmsSettings() error {
	err := c.missingSettings(false)
	if c.cfg.KMSID != "" {
		return err
	}
	var missing *cloud.MissingSettingsError
	if !errors.As(err, &missing) {
		missing = &cloud.MissingSettingsError{Cloud: cloud.OVH}
	}
	missing.Settings = append(missing.Settings, SettingKMSID)
	return missing
}

// CreateKey implements cloud.KeyManager.
func (c *Client) CreateKey(ctx context.Context, spec cloud.KeySpec) (cloud.Key, error) {
	if err := c.kmsSettings(); err != nil {
		return cloud.Key{}, err
	}
	if err := okmsBackend.CheckAlgorithm(spec.Algorithm, spec.Usage); err != nil {
		return cloud.Key{}, fmt.Errorf("creating the key %s: %w", spec.Name, err)
	}
	if err := c.checkOKMS(ctx); err != nil {
		return cloud.Key{}, c.explainOKMS(err)
	}
	existing, err := c.listServiceKeys(ctx)
	if err != nil {
		return cloud.Key{}, fmt.Errorf("checking that no key is named %s yet: %w", spec.Name, err)
	}
	for _, k := range existing {
		if !k.gone() && versionOf(spec.Name, k.Name) > 0 {
			return cloud.Key{}, &cloud.APIError{Cloud: cloud.OVH, Operation: "create " + spec.Name, Class: cloud.ErrConflict,
				Message: fmt.Sprintf("the KMS %s already holds a service key named %s (%s); import the key, or choose another name",
					c.cfg.KMSID, k.Name, k.ID)}
		}
	}
	first, err := c.makeVersion(ctx, spec.Name, spec.Algorithm, spec.Usage, 1)
	if err != nil {
		if first.ID != "" {
			return cloud.Key{ID: first.ID, KeyID: first.ID, Name: spec.Name, Backend: cloud.BackendOKMS}, err
		}
		return cloud.Key{}, err
	}
	made := cloud.Key{ID: first.ID, KeyID: first.ID, Name: spec.Name, Backend: cloud.BackendOKMS, Version: 1}
	if !spec.Enabled {
		if err := c.setKeyState(ctx, first.ID, keyDeactivated); err != nil {
			return made, fmt.Errorf("deactivating the key %s: %w", spec.Name, err)
		}
	}
	k, err := c.ReadKey(ctx, keyRef(first.ID, spec))
	if err != nil {
		return made, fmt.Errorf("reading the key %s back after creating it: %w", spec.Name, err)
	}
	return k, nil
}

// keyRef is what Read needs to know of a key the backend holds no
// settings of.
func keyRef(id string, spec cloud.KeySpec) cloud.Key {
	return cloud.Key{ID: id, Usage: spec.Usage, RotationPeriod: spec.RotationPeriod,
		DeletionProtection: spec.DeletionProtection, Tags: spec.Tags}
}

// makeVersion creates the service key of a key's version n. The API takes
// no idempotency token: when the answer is lost, the version is looked for
// by its name, which no other key can hold (see CreateKey). On error, the
// returned key's ID is set if the version exists.
func (c *Client) makeVersion(ctx context.Context, name, alg, usage string, n int) (serviceKey, error) {
	body := okmsTypes[alg]
	body.Name = versionName(name, n)
	body.Operations = okmsOperations[usage]
	var k serviceKey
	err := c.retry.Recover(ctx, func(ctx context.Context) error {
		var err error
		k, err = c.createServiceKey(ctx, body)
		return err
	}, func(ctx context.Context) (bool, error) {
		keys, err := c.listServiceKeys(ctx)
		if err != nil {
			return false, fmt.Errorf("listing the service keys to find %s: %w", body.Name, err)
		}
		for _, found := range keys {
			if found.Name == body.Name && !found.gone() {
				k = found
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return serviceKey{}, fmt.Errorf("creating the service key %s in the KMS %s: %w", body.Name, c.cfg.KMSID, err)
	}
	return k, nil
}

// explainOKMS says what a failure to read the KMS itself means.
func (c *Client) explainOKMS(err error) error {
	var apiErr *cloud.APIError
	if errors.As(err, &apiErr) && errors.Is(err, cloud.ErrNotFound) {
		// A configuration error, not a key gone: the class must not be
		// ErrNotFound, or Read would drop the key from the state.
		return &cloud.APIError{Cloud: cloud.OVH, Operation: apiErr.Operation, Status: apiErr.Status, Type: apiErr.Type,
			RequestID: apiErr.RequestID, Class: cloud.ErrInvalid,
			Message: fmt.Sprintf("the KMS %s named by %s does not exist in this OVHcloud account (order one in the "+
				"Control Panel, in the warehouse's region, and give its id)", c.cfg.KMSID, SettingKMSID.Attribute)}
	}
	return fmt.Errorf("reading the KMS %s: %w", c.cfg.KMSID, err)
}

// ReadKey implements cloud.KeyManager.
func (c *Client) ReadKey(ctx context.Context, ref cloud.Key) (cloud.Key, error) {
	if err := c.kmsSettings(); err != nil {
		return cloud.Key{}, err
	}
	first, err := c.getServiceKey(ctx, ref.ID)
	if errors.Is(err, cloud.ErrNotFound) {
		// Gone, unless the KMS itself is missing: then the configuration
		// is wrong, and the key must not leave the state.
		if okmsErr := c.checkOKMS(ctx); okmsErr != nil {
			return cloud.Key{}, c.explainOKMS(okmsErr)
		}
		return cloud.Key{}, err
	}
	if err != nil {
		return cloud.Key{}, err
	}
	if first.gone() {
		return cloud.Key{}, &cloud.APIError{Cloud: cloud.OVH, Operation: "GET " + routeServiceKey, Class: cloud.ErrNotFound,
			Message: fmt.Sprintf("the service key %s is %s", first.ID, first.State)}
	}
	versions, err := c.versions(ctx, first)
	if err != nil {
		return cloud.Key{}, err
	}
	return keyFromVersions(ref, versions)
}

// versions returns the existing versions of the key whose first version is
// first, by version number.
func (c *Client) versions(ctx context.Context, first serviceKey) (map[int]serviceKey, error) {
	all, err := c.listServiceKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing the versions of the key %s: %w", first.Name, err)
	}
	versions := map[int]serviceKey{1: first}
	for _, k := range all {
		if n := versionOf(first.Name, k.Name); n > 1 && !k.gone() {
			if prev, dup := versions[n]; !dup || k.CreatedAt.Before(prev.CreatedAt) {
				versions[n] = k
			}
		}
	}
	return versions, nil
}

func keyFromVersions(ref cloud.Key, versions map[int]serviceKey) (cloud.Key, error) {
	numbers := make([]int, 0, len(versions))
	for n := range versions {
		numbers = append(numbers, n)
	}
	sort.Ints(numbers)
	first, current := versions[1], versions[numbers[len(numbers)-1]]
	alg := algorithmOf(first)
	if alg == "" {
		return cloud.Key{}, fmt.Errorf("the service key %s (%s) is a %s key that health_warehouse_kms_key does not manage "+
			"(it manages oct 256, RSA 3072 and 4096, EC P-256 and P-384 keys)", first.ID, first.Name, describe(first))
	}
	usage := usageOf(first.Operations)
	if usage == "" {
		return cloud.Key{}, fmt.Errorf("the service key %s (%s) allows the operations %s, which are not one usage of "+
			"health_warehouse_kms_key (encrypt and decrypt, wrapKey and unwrapKey, or sign and verify)",
			first.ID, first.Name, strings.Join(first.Operations, ", "))
	}
	k := cloud.Key{
		ID:                 first.ID,
		KeyID:              current.ID,
		Backend:            cloud.BackendOKMS,
		Name:               first.Name,
		Algorithm:          alg,
		Usage:              usage,
		Version:            numbers[len(numbers)-1],
		Enabled:            current.State == keyActive,
		State:              current.State,
		RotationPeriod:     ref.RotationPeriod,
		DeletionProtection: ref.DeletionProtection,
		CreatedAt:          first.CreatedAt.UTC(),
		RotatedAt:          current.CreatedAt.UTC(),
		Tags:               ref.Tags,
	}
	if k.RotationPeriod == 0 {
		k.RotationPeriod = cloud.DefaultRotationPeriod
	}
	for _, n := range numbers[:len(numbers)-1] {
		k.PreviousKeyIDs = append(k.PreviousKeyIDs, versions[n].ID)
	}
	return k, nil
}

func algorithmOf(k serviceKey) string {
	for alg, t := range okmsTypes {
		if t.Type == k.Type && t.Size == k.Size && t.Curve == k.Curve {
			return alg
		}
	}
	return ""
}

func describe(k serviceKey) string {
	if k.Curve != "" {
		return k.Type + " " + k.Curve
	}
	return k.Type + " " + strconv.Itoa(k.Size)
}

func usageOf(operations []string) string {
	ops := slices.Sorted(slices.Values(operations))
	for usage, want := range okmsOperations {
		if slices.Equal(ops, slices.Sorted(slices.Values(want))) {
			return usage
		}
	}
	return ""
}

// UpdateKey implements cloud.KeyManager: enabling or disabling is the only
// change OKMS holds; the rest is the caller's.
func (c *Client) UpdateKey(ctx context.Context, current cloud.Key, spec cloud.KeySpec) (cloud.Key, error) {
	if err := c.kmsSettings(); err != nil {
		return cloud.Key{}, err
	}
	if spec.Enabled != current.Enabled {
		want := keyActive
		if !spec.Enabled {
			want = keyDeactivated
		}
		for _, id := range append(slices.Clone(current.PreviousKeyIDs), current.KeyID) {
			if err := c.setKeyState(ctx, id, want); err != nil {
				return current, fmt.Errorf("setting the state of the key %s (service key %s) to %s: %w", current.Name, id, want, err)
			}
		}
	}
	return c.ReadKey(ctx, keyRef(current.ID, spec))
}

// setKeyState moves a service key to ACTIVE or DEACTIVATED, unless it is
// there already. A compromised key stays compromised: OKMS refuses to
// activate it, and deactivating it would only hide it.
func (c *Client) setKeyState(ctx context.Context, id, state string) error {
	k, err := c.getServiceKey(ctx, id)
	if err != nil {
		return err
	}
	switch {
	case k.State == state:
		return nil
	case k.State == keyCompromised && state == keyDeactivated:
		return nil
	}
	update := serviceKeyUpdate{State: state}
	if state == keyDeactivated {
		update.DeactivationReason = deactivationReason
	}
	return c.updateServiceKey(ctx, id, update)
}

// RotateKey implements cloud.KeyManager: it makes the next version.
func (c *Client) RotateKey(ctx context.Context, current cloud.Key) (cloud.Key, error) {
	if err := c.kmsSettings(); err != nil {
		return cloud.Key{}, err
	}
	if !current.Enabled {
		return current, fmt.Errorf("rotating the key %s: its current version %s is %s; enable the key first", current.Name, current.KeyID, current.State)
	}
	next := current.Version + 1
	if _, err := c.makeVersion(ctx, current.Name, current.Algorithm, current.Usage, next); err != nil {
		return current, fmt.Errorf("rotating the key %s to version %d: %w", current.Name, next, err)
	}
	ref := current
	return c.ReadKey(ctx, ref)
}

// DeleteKey implements cloud.KeyManager: each version is deactivated, then
// deleted, the latest first, so that an interrupted delete leaves the key
// findable by its id.
func (c *Client) DeleteKey(ctx context.Context, current cloud.Key) error {
	if err := c.kmsSettings(); err != nil {
		return err
	}
	// The first version goes last; versions made since the state was saved
	// (a rotation whose answer was lost) are found by name.
	ids := append([]string{current.ID}, current.PreviousKeyIDs...)
	ids = append(ids, current.KeyID)
	if first, err := c.getServiceKey(ctx, current.ID); err == nil {
		versions, err := c.versions(ctx, first)
		if err != nil {
			return err
		}
		numbers := make([]int, 0, len(versions))
		for n := range versions {
			numbers = append(numbers, n)
		}
		sort.Ints(numbers)
		for _, n := range numbers {
			ids = append(ids, versions[n].ID)
		}
	} else if !errors.Is(err, cloud.ErrNotFound) {
		return fmt.Errorf("reading the key %s before deleting it: %w", current.Name, err)
	}
	var ordered []string
	seen := map[string]bool{}
	for _, id := range ids {
		if id != "" && !seen[id] {
			seen[id] = true
			ordered = append(ordered, id)
		}
	}
	for i := len(ordered) - 1; i >= 0; i-- {
		id := ordered[i]
		if err := c.deleteVersion(ctx, id); err != nil {
			return fmt.Errorf("deleting the key %s (service key %s): %w", current.Name, id, err)
		}
	}
	return nil
}

// deleteVersion deactivates a service key, as OKMS requires, then deletes
// it. A key already gone is fine.
func (c *Client) deleteVersion(ctx context.Context, id string) error {
	err := c.setKeyState(ctx, id, keyDeactivated)
	if errors.Is(err, cloud.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := c.deleteServiceKey(ctx, id); err != nil && !errors.Is(err, cloud.ErrNotFound) {
		return err
	}
	return nil
}
