package cloud

import (
	"context"
	"time"
)

// KeySpec is a customer-managed key a warehouse asks for.
type KeySpec struct {
	Name               string
	Algorithm          string // "aes-256", "rsa-3072", "rsa-4096", "ec-p256", "ec-p384"
	Usage              string // "encrypt-decrypt", "wrap-unwrap", "sign-verify"
	RotationPeriod     time.Duration
	DeletionProtection bool
	Tags               map[string]string
}

// Key is a key as the key manager holds it. It never carries key material.
type Key struct {
	ID             string
	KeyID          string // the backend's own id
	Backend        string // "ovh-okms" or "openbao"
	Name           string
	Algorithm      string
	Usage          string
	Version        int
	Enabled        bool
	RotationPeriod time.Duration
	CreatedAt      time.Time
	RotatedAt      time.Time
	Tags           map[string]string
}

// KeyManager is the KMS block: OVHcloud KMS (OKMS), or a customer-held
// OpenBao transit engine on OUTSCALE, whose API has no KMS.
type KeyManager interface {
	// Backend is "ovh-okms" or "openbao".
	Backend() string
	// SupportsAlgorithm says whether the backend can make keys of alg.
	SupportsAlgorithm(alg string) bool
	CreateKey(ctx context.Context, spec KeySpec) (Key, error)
	ReadKey(ctx context.Context, id string) (Key, error)
	UpdateKey(ctx context.Context, current Key, spec KeySpec) (Key, error)
	RotateKey(ctx context.Context, id string) (Key, error)
	DeleteKey(ctx context.Context, id string) error
}
