package cloud

import (
	"context"
	"time"
)

// A key credential is a machine's own, narrow right to one key of the key
// manager: make data keys under it and unwrap them, nothing else (no read of
// other keys, no rotation, no deletion). The data gateway holds one, so that
// the data keys of the objects it writes come from the customer's key
// manager and never rest in plain on the machine.
//
//   - On OUTSCALE (OpenBao) it is an ACL policy allowing
//     transit/datakey/wrapped/<key> and transit/decrypt/<key> only, and an
//     orphan periodic token with that policy alone. The token is handed out
//     response-wrapped: Secret is a single-use wrapping token that expires
//     after WrapTTL, so what sits in the machine's user-data is worthless once
//     the machine has unwrapped it at first boot (and a wrapping token that
//     someone else used first makes the machine fail loudly). ID is the
//     wrapped token's accessor, which reads and revokes it without knowing it.
//   - On OVHcloud (OKMS) it is an OAuth2 service account (client credentials)
//     and an IAM policy allowing that identity the OKMS data-key actions on
//     the key's KMS only. Secret is the client secret. ID is the client id.
//
// Secret exists only in IssueKeyCredential's answer: the caller hands it to
// the machine's user-data and never stores or logs it.

// DefaultKeyCredentialWrapTTL is how long an OpenBao wrapping token waits
// for the machine to unwrap it: the VM's boot, with margin.
const DefaultKeyCredentialWrapTTL = time.Hour

// KeyCredentialSpec asks for a key credential.
type KeyCredentialSpec struct {
	// Name names the credential's objects (policy, token display name,
	// service account), such as "<gateway>-gateway".
	Name string
	// Key is the key as ReadKey returned it.
	Key Key
	// WrapTTL is the wrapping token's life where there is one (OpenBao);
	// 0 means DefaultKeyCredentialWrapTTL.
	WrapTTL time.Duration
}

// KeyCredential is a key credential as the key manager holds it.
type KeyCredential struct {
	// ID is the credential's stable id: the token accessor (OpenBao), the
	// OAuth2 client id (OVHcloud).
	ID string
	// PolicyID names the policy: the ACL policy's name (OpenBao), the IAM
	// policy's id (OVHcloud).
	PolicyID string
	// KeyID is the key the credential reaches, as Key.ID.
	KeyID string
	// Secret is what the machine authenticates with: the single-use wrapping
	// token (OpenBao), the client secret (OVHcloud). Set by
	// IssueKeyCredential only; never log it.
	Secret string
	// Endpoint is where the machine calls the key manager with it: the
	// OpenBao address, the OKMS data plane's base URL; TokenURL is the OAuth2
	// token endpoint where there is one (OVHcloud).
	Endpoint, TokenURL string
	// SecretExpires is when an unused Secret stops working (the wrapping
	// token's end); zero when it does not expire.
	SecretExpires time.Time
	// What else the machine needs to reach the key: the CA the key
	// manager's certificate chains to and the transit engine's mount
	// (OpenBao); the KMS's id (OKMS).
	CACertPEM, Mount, KMSID string
}

// Keys of a key credential's ids in a resource's CloudIDs.
const (
	KeyCredentialID     = "key_credential"
	KeyCredentialPolicy = "key_credential.policy"
)

// IDs are c's ids for CloudIDs, without empty ones.
func (c KeyCredential) IDs() map[string]string {
	out := map[string]string{}
	if c.ID != "" {
		out[KeyCredentialID] = c.ID
	}
	if c.PolicyID != "" {
		out[KeyCredentialPolicy] = c.PolicyID
	}
	return out
}

// KeyCredentialOf reads the ids IDs wrote; ok is false when there is none.
func KeyCredentialOf(ids map[string]string, keyID string) (KeyCredential, bool) {
	c := KeyCredential{ID: ids[KeyCredentialID], PolicyID: ids[KeyCredentialPolicy], KeyID: keyID}
	return c, c.ID != "" || c.PolicyID != ""
}

// KeyCredentials issue machines their own right to one key.
type KeyCredentials interface {
	// IssueKeyCredential makes the policy and the credential; on error it
	// returns what it made, so that RevokeKeyCredential can remove it.
	IssueKeyCredential(ctx context.Context, spec KeyCredentialSpec) (KeyCredential, error)
	// ReadKeyCredential reads ref back (without Secret): ErrNotFound when
	// the credential or its policy is gone, or the policy no longer allows
	// exactly the key's data-key actions (the machine can no longer work,
	// or can do more than it should).
	ReadKeyCredential(ctx context.Context, ref KeyCredential) (KeyCredential, error)
	// RevokeKeyCredential revokes the credential and deletes its policy;
	// what is gone already is fine.
	RevokeKeyCredential(ctx context.Context, ref KeyCredential) error
}
