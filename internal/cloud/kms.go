package cloud

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The KMS block: customer-managed keys with rotation, the like-for-like of
// Azure Key Vault keys used as customer-managed keys (purge protection, a
// rotation policy). Two backends:
//
//   - OVHcloud KMS (OKMS), the cloud's managed key manager, driven through
//     the OVHcloud API v2. Its service keys have no versions and no rotation
//     of their own: a rotation makes a new service key (the key's next
//     version) and keeps the older ones active so that what they encrypted
//     can still be decrypted (see BackendOKMS).
//   - OpenBao, a customer-held key manager (the transit engine) inside the
//     warehouse, on OUTSCALE, whose API has no KMS: the keys never are in
//     the hosting provider's hands. Transit keys have versions and rotate by
//     themselves (auto_rotate_period).
//
// No key material ever crosses this contract: Key carries ids, versions,
// dates and settings only.

// Key algorithms, as written in the resource.
const (
	AlgorithmAES256  = "aes-256"
	AlgorithmRSA3072 = "rsa-3072"
	AlgorithmRSA4096 = "rsa-4096"
	AlgorithmECP256  = "ec-p256"
	AlgorithmECP384  = "ec-p384"
)

// KeyAlgorithms lists the algorithms in the order the docs show them.
var KeyAlgorithms = []string{AlgorithmAES256, AlgorithmRSA3072, AlgorithmRSA4096, AlgorithmECP256, AlgorithmECP384}

// Key usages: the pair of operations a key is for.
const (
	UsageEncryptDecrypt = "encrypt-decrypt"
	UsageWrapUnwrap     = "wrap-unwrap"
	UsageSignVerify     = "sign-verify"
)

// KeyUsages lists the usages.
var KeyUsages = []string{UsageEncryptDecrypt, UsageWrapUnwrap, UsageSignVerify}

// Key backends.
const (
	BackendOKMS    = "ovh-okms"
	BackendOpenBao = "openbao"
)

// OpenBao is the APIError.Cloud of errors answered by the customer-held
// OpenBao, so that diagnostics can tell them from the cloud's own.
const OpenBao = "OpenBao"

// Bounds of a key's rotation period.
const (
	MinRotationPeriod     = 24 * time.Hour
	MaxRotationPeriod     = 365 * 24 * time.Hour
	DefaultRotationPeriod = 90 * 24 * time.Hour
)

// MaxKeyNameLength keeps a key's name, and the names the OVHcloud KMS gives
// its later versions ("<name>.v<N>"), within OKMS's 32 characters.
const MaxKeyNameLength = 24

var keyNamePattern = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_-]*$`)

// CheckKeyName says why name cannot name a key, or nil. Names are letters,
// digits, "-" and "_", starting with a letter or digit: valid as an OpenBao
// key name and as an OKMS service key name, with room for version suffixes.
func CheckKeyName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("the name is empty")
	case len(name) > MaxKeyNameLength:
		return fmt.Errorf("%q is %d characters long; the limit is %d (OVHcloud KMS names are 32 characters at most, "+
			"and later versions are named <name>.v<N>)", name, len(name), MaxKeyNameLength)
	case !keyNamePattern.MatchString(name):
		return fmt.Errorf("%q must be letters, digits, - and _, starting with a letter or digit", name)
	}
	return nil
}

// ParseRotationPeriod reads a rotation period: a number of days ("90d") or
// a Go duration ("2160h", "720h30m"). It checks the bounds.
func ParseRotationPeriod(s string) (time.Duration, error) {
	d, err := parsePeriod(s)
	if err != nil {
		return 0, err
	}
	if d < MinRotationPeriod || d > MaxRotationPeriod {
		return 0, fmt.Errorf("%q is %s; a rotation period must be between 1 day (\"1d\" or \"24h\") and 1 year (\"365d\")",
			s, FormatRotationPeriod(d))
	}
	return d, nil
}

func parsePeriod(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 || strings.HasPrefix(days, "+") {
			return 0, fmt.Errorf("%q is not a number of days such as \"90d\"", s)
		}
		if n > 100*365 {
			return 0, fmt.Errorf("%q is far too long for a rotation period", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is neither a number of days such as \"90d\" nor a duration such as \"2160h\"", s)
	}
	return d, nil
}

// FormatRotationPeriod writes d as days when it is a whole number of days
// ("90d"), as a Go duration otherwise ("36h0m0s").
func FormatRotationPeriod(d time.Duration) string {
	if d > 0 && d%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
	}
	return d.String()
}

// SameRotationPeriod reports whether the period written s lasts d. An
// unreadable s is never the same.
func SameRotationPeriod(s string, d time.Duration) bool {
	p, err := parsePeriod(s)
	return err == nil && p == d
}

// RotationDue reports whether a key last rotated at rotatedAt must be
// rotated at now, for a backend that does not rotate keys by itself.
func RotationDue(rotatedAt time.Time, period time.Duration, now time.Time) bool {
	return !rotatedAt.IsZero() && period > 0 && !now.Before(rotatedAt.Add(period))
}

// DefaultUsage is a key's usage when the configuration gives none: what the
// algorithm is for on every backend (AES encrypts; RSA and EC keys sign).
func DefaultUsage(alg string) string {
	if alg == AlgorithmAES256 {
		return UsageEncryptDecrypt
	}
	return UsageSignVerify
}

// CheckUsage says why no backend can use a key of alg for usage, or nil:
// AES keys do not sign, EC keys neither encrypt nor wrap. What a backend
// supports beyond that is KeyBackend.CheckAlgorithm's to say.
func CheckUsage(alg, usage string) error {
	switch {
	case alg == AlgorithmAES256 && usage == UsageSignVerify:
		return fmt.Errorf("%s keys are symmetric and cannot sign: use %s or %s, or an RSA or EC algorithm to sign",
			alg, UsageEncryptDecrypt, UsageWrapUnwrap)
	case (alg == AlgorithmECP256 || alg == AlgorithmECP384) && usage != UsageSignVerify:
		return fmt.Errorf("%s keys only sign and verify: use %s, or aes-256 for %s", alg, UsageSignVerify, usage)
	}
	return nil
}

// KeyBackend describes what a key manager can do. It is known without any
// call, so that plans can check a configuration against it.
type KeyBackend struct {
	Name  string // BackendOKMS or BackendOpenBao
	Title string // how the docs and diagnostics name it
	// Usages are the usages each algorithm supports on this backend;
	// algorithms it cannot make are absent.
	Usages map[string][]string
	// NativeRotation: the backend rotates keys on their rotation period by
	// itself. Without it, the provider rotates a key at the first apply
	// after its period has elapsed.
	NativeRotation bool
	// RotationKeepsKeyID: a rotation adds a version under the same backend
	// id (OpenBao). Without it, each version is a key of its own and KeyID
	// changes (OKMS).
	RotationKeepsKeyID bool
	// RecordsUsage: the backend holds the key's operations, so a usage
	// cannot change in place (OKMS). OpenBao transit keys have no operation
	// list; there the usage is the configuration's, enforced by policies.
	RecordsUsage bool
	// CanDisable: a key can be disabled and enabled again (OKMS deactivate
	// and activate). OpenBao transit keys have no such state.
	CanDisable bool
	// EnforcesDeletionProtection: the backend itself refuses to delete a
	// protected key (OpenBao deletion_allowed = false). Without it, only the
	// provider refuses.
	EnforcesDeletionProtection bool
}

// CheckAlgorithm says why the backend cannot make a key of alg for usage,
// naming the backend, or nil.
func (b KeyBackend) CheckAlgorithm(alg, usage string) error {
	usages, ok := b.Usages[alg]
	if !ok {
		var supported []string
		for _, a := range KeyAlgorithms {
			if _, ok := b.Usages[a]; ok {
				supported = append(supported, a)
			}
		}
		return fmt.Errorf("%s cannot make %s keys; it supports %s", b.Title, alg, strings.Join(supported, ", "))
	}
	if usage != "" && !slices.Contains(usages, usage) {
		return fmt.Errorf("%s keys of %s are for %s, not %s", alg, b.Title, strings.Join(usages, " or "), usage)
	}
	return nil
}

// DefaultUsage is the usage a key of alg gets when nothing says otherwise,
// such as after an import from a backend that does not record usages.
func (b KeyBackend) DefaultUsage(alg string) string {
	if usages := b.Usages[alg]; len(usages) > 0 {
		return usages[0]
	}
	return ""
}

// KeySpec is a customer-managed key a warehouse asks for.
type KeySpec struct {
	Name               string
	Algorithm          string // one of KeyAlgorithms
	Usage              string // one of KeyUsages
	RotationPeriod     time.Duration
	DeletionProtection bool
	Enabled            bool
	Tags               map[string]string // kept by the caller: neither backend holds tags
}

// Key is a key as the key manager holds it. It never carries key material.
type Key struct {
	// ID is the resource's stable id: the transit key's name (OpenBao), the
	// first version's service key id (OKMS).
	ID string
	// KeyID is what consumers name the current version by: the transit
	// key's name (OpenBao), the current version's service key id (OKMS).
	KeyID   string
	Backend string // BackendOKMS or BackendOpenBao
	Name    string
	// Algorithm and Usage as the backend holds them; Usage is the caller's
	// where the backend does not record one (see KeyBackend.RecordsUsage).
	Algorithm string
	Usage     string
	Version   int // the current version, from 1
	// Enabled is false when the current version cannot be used: deactivated
	// or compromised (OKMS).
	Enabled bool
	// State is the backend's own word for Enabled ("ACTIVE", "DEACTIVATED",
	// "COMPROMISED" on OKMS; "" on OpenBao).
	State string
	// RotationPeriod is the backend's (OpenBao auto_rotate_period, 0 when
	// automatic rotation is off), or the caller's where the backend has
	// none (OKMS).
	RotationPeriod time.Duration
	// DeletionProtection is the backend's (OpenBao: deletion not allowed),
	// or the caller's where the backend has none (OKMS).
	DeletionProtection bool
	// Exportable: the backend lets the key material be exported (OpenBao
	// exportable or allow_plaintext_backup, which cannot be turned off).
	Exportable bool
	CreatedAt  time.Time // the first version's creation
	RotatedAt  time.Time // the current version's creation
	// PreviousKeyIDs are the backend ids of the older versions that still
	// exist, oldest first, where each version is a key of its own (OKMS);
	// they stay active so that what they encrypted can be decrypted.
	PreviousKeyIDs []string
	Tags           map[string]string
}

// KeyManager is the KMS block: OVHcloud KMS (OKMS), or a customer-held
// OpenBao transit engine on OUTSCALE, whose API has no KMS.
type KeyManager interface {
	// KeyBackend describes the key manager; it makes no call.
	KeyBackend() KeyBackend
	// CreateKey makes the key's first version. It refuses (ErrConflict) a
	// name the key manager already holds rather than adopt someone's key.
	CreateKey(ctx context.Context, spec KeySpec) (Key, error)
	// ReadKey reads the key ref.ID names. ref carries what the caller knows
	// (the last state); after an import only ref.ID is set. It returns
	// ErrNotFound when the key is gone.
	ReadKey(ctx context.Context, ref Key) (Key, error)
	// UpdateKey brings current to spec in place: rotation period, deletion
	// protection, enabled. Name and algorithm never change in place.
	UpdateKey(ctx context.Context, current Key, spec KeySpec) (Key, error)
	// RotateKey makes a new version of current and makes it the current one;
	// older versions stay usable for decryption and verification.
	RotateKey(ctx context.Context, current Key) (Key, error)
	// DeleteKey deletes every version of the key, the way the backend
	// requires (OKMS: deactivate, then delete; OpenBao: allow deletion,
	// then delete). Versions already gone are fine. It does not check the
	// caller's deletion protection: the resource does.
	DeleteKey(ctx context.Context, current Key) error
}
