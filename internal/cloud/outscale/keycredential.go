package outscale

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

var _ cloud.KeyCredentials = (*Client)(nil)

// Key credentials on OUTSCALE (cloud.KeyCredentials): in the customer's
// OpenBao, an ACL policy "health-kc-<name>" allowing the machine to make
// wrapped data keys under one transit key and to decrypt them, and nothing
// else, and an orphan periodic service token holding that policy alone (no
// "default" policy), handed out response-wrapped.
//
//   - Orphan: revoking the provider's own token (or its rotation) does not
//     revoke the machines' tokens with it.
//   - Periodic (KeyCredentialPeriod): the token never reaches a maximum
//     life, but dies unless it is renewed within each period. The machine
//     renews it (auth/token/renew-self, which its policy allows) well within
//     the period, every few hours; a machine stopped for longer than a
//     period, or a copy of the token nobody renews, stops working by itself,
//     and the credential is then issued anew (a new resource).
//   - Wrapped: the provider never sees the token itself, only a single-use
//     wrapping token valid for WrapTTL, which the machine trades for the
//     token at first boot. A wrapping token used first by someone else makes
//     the machine's unwrap fail, loudly.
//   - ID is the token's accessor: it reads and revokes the token without
//     being able to use it.

// KeyCredentialPeriod is the period of a machine's token.
const KeyCredentialPeriod = 24 * time.Hour

// keyCredentialPolicyPrefix starts the name of every key credential's
// policy, so that the provider's token may write those policies and no
// other (see keymanager.TerraformPolicy).
const keyCredentialPolicyPrefix = "health-kc-"

// transitKeyName is the transit engine's key name pattern: no glob
// character can reach a policy path through it.
var transitKeyName = regexp.MustCompile(`^\w(([\w\-.@]+)?\w)?$`)

var notPolicyNameRune = regexp.MustCompile(`[^a-z0-9_.@-]+`)

// keyCredentialPolicyName is the ACL policy's name for a credential name,
// in OpenBao's form (lower case).
func keyCredentialPolicyName(name string) string {
	return keyCredentialPolicyPrefix + strings.Trim(notPolicyNameRune.ReplaceAllString(strings.ToLower(name), "-"), "-")
}

// KeyCredentialPolicy is the ACL policy of a machine's token on the key
// named key of the transit engine at mount: wrapped data keys and their
// decryption under that key, and renewing the token itself.
func KeyCredentialPolicy(mount, key string) string {
	return `# A machine's key credential (terraform-provider-health): data keys of the
# transit key "` + key + `" only, made wrapped and decrypted; renewing its own token.
path "` + mount + `/datakey/wrapped/` + key + `" {
  capabilities = ["update"]
}
path "` + mount + `/decrypt/` + key + `" {
  capabilities = ["update"]
}
path "auth/token/renew-self" {
  capabilities = ["update"]
}
`
}

// IssueKeyCredential implements cloud.KeyCredentials.
func (c *Client) IssueKeyCredential(ctx context.Context, spec cloud.KeyCredentialSpec) (cloud.KeyCredential, error) {
	out := cloud.KeyCredential{KeyID: spec.Key.ID}
	ob, err := c.keyManager()
	if err != nil {
		return out, err
	}
	if !transitKeyName.MatchString(spec.Key.ID) {
		return out, fmt.Errorf("%w: the key id %q is not a transit key name", cloud.ErrInvalid, spec.Key.ID)
	}
	name := keyCredentialPolicyName(spec.Name)
	if name == keyCredentialPolicyPrefix {
		return out, fmt.Errorf("%w: the key credential's name %q has no letter or digit", cloud.ErrInvalid, spec.Name)
	}
	wrapTTL := spec.WrapTTL
	if wrapTTL <= 0 {
		wrapTTL = cloud.DefaultKeyCredentialWrapTTL
	}
	policy := KeyCredentialPolicy(ob.mount, spec.Key.ID)
	// A policy of that name that says something else is someone's: refuse
	// it rather than widen or narrow what its tokens do. The same text is
	// a retry's, and is kept.
	switch existing, err := c.readACLPolicy(ctx, ob, name); {
	case err == nil && existing != policy:
		return out, fmt.Errorf("%w: the key manager already has an ACL policy named %s, which this credential did not write",
			cloud.ErrConflict, name)
	case err != nil && !errors.Is(err, cloud.ErrNotFound):
		return out, fmt.Errorf("reading the ACL policy %s: %w", name, err)
	}
	if err := c.baoCall(ctx, ob, true, http.MethodPut, "sys/policies/acl/"+name, map[string]string{"policy": policy}, nil); err != nil {
		return out, fmt.Errorf("writing the ACL policy %s: %w", name, err)
	}
	out.PolicyID = name
	// Not retried: a retry after a lost answer would make a second token.
	info, err := c.baoWrapped(ctx, ob, false, http.MethodPost, "auth/token/create-orphan", map[string]any{
		"policies":          []string{name},
		"no_default_policy": true,
		"period":            fmt.Sprintf("%ds", int64(KeyCredentialPeriod/time.Second)),
		"renewable":         true,
		"display_name":      strings.TrimPrefix(name, keyCredentialPolicyPrefix),
		"meta":              map[string]string{"key": spec.Key.ID, "created_by": "terraform-provider-health"},
	}, wrapTTL)
	if err != nil {
		return out, fmt.Errorf("creating the token of the key credential %s: %w", name, err)
	}
	if info.WrappedAccessor == "" {
		return out, fmt.Errorf("creating the token of the key credential %s: the wrapped answer names no token accessor", name)
	}
	out.ID, out.Secret, out.Endpoint = info.WrappedAccessor, info.Token, strings.TrimSuffix(c.cfg.KMSAddress, "/")
	out.CACertPEM, out.Mount = c.cfg.KMSCACert, ob.mount
	created := info.CreationTime
	if created.IsZero() {
		created = time.Now()
	}
	out.SecretExpires = created.Add(time.Duration(info.TTL) * time.Second).UTC()
	return out, nil
}

// readACLPolicy reads a policy's text: ErrNotFound when there is none.
func (c *Client) readACLPolicy(ctx context.Context, ob *openBao, name string) (string, error) {
	var data struct {
		Policy string `json:"policy"`
		Rules  string `json:"rules"`
	}
	if err := c.baoCall(ctx, ob, true, http.MethodGet, "sys/policies/acl/"+name, nil, &data); err != nil {
		return "", err
	}
	if data.Policy == "" {
		return data.Rules, nil
	}
	return data.Policy, nil
}

// ReadKeyCredential implements cloud.KeyCredentials.
func (c *Client) ReadKeyCredential(ctx context.Context, ref cloud.KeyCredential) (cloud.KeyCredential, error) {
	out := cloud.KeyCredential{ID: ref.ID, PolicyID: ref.PolicyID, KeyID: ref.KeyID}
	ob, err := c.keyManager()
	if err != nil {
		return out, err
	}
	out.Endpoint = strings.TrimSuffix(c.cfg.KMSAddress, "/")
	gone := func(what string) error {
		return fmt.Errorf("the key credential %s: %s: %w", ref.PolicyID, what, cloud.ErrNotFound)
	}
	var token struct {
		Policies []string `json:"policies"`
		Orphan   bool     `json:"orphan"`
		Period   int64    `json:"period"`
	}
	err = c.baoCall(ctx, ob, true, http.MethodPost, "auth/token/lookup-accessor", map[string]string{"accessor": ref.ID}, &token)
	switch {
	case errors.Is(err, cloud.ErrNotFound):
		return out, gone("its token is revoked or expired")
	case err != nil:
		return out, fmt.Errorf("looking up the token of the key credential %s: %w", ref.PolicyID, err)
	case !slices.Equal(token.Policies, []string{ref.PolicyID}):
		return out, gone(fmt.Sprintf("its token holds the policies %v rather than %s alone", token.Policies, ref.PolicyID))
	}
	// OpenBao answers a policy's text as it was written (policy.Raw in its
	// source; unverified on a server): compared as it is.
	policy, err := c.readACLPolicy(ctx, ob, ref.PolicyID)
	switch {
	case errors.Is(err, cloud.ErrNotFound):
		return out, gone("its ACL policy is gone")
	case err != nil:
		return out, fmt.Errorf("reading the ACL policy %s: %w", ref.PolicyID, err)
	case policy != KeyCredentialPolicy(ob.mount, ref.KeyID):
		return out, gone("its ACL policy was changed: it no longer allows exactly the data keys of " + ref.KeyID)
	}
	return out, nil
}

// RevokeKeyCredential implements cloud.KeyCredentials: the token, then its
// policy.
func (c *Client) RevokeKeyCredential(ctx context.Context, ref cloud.KeyCredential) error {
	ob, err := c.keyManager()
	if err != nil {
		return err
	}
	if ref.ID != "" {
		err := c.baoCall(ctx, ob, true, http.MethodPost, "auth/token/revoke-accessor", map[string]string{"accessor": ref.ID}, nil)
		if err != nil && !errors.Is(err, cloud.ErrNotFound) {
			return fmt.Errorf("revoking the token of the key credential %s: %w", ref.PolicyID, err)
		}
	}
	if ref.PolicyID != "" {
		if !strings.HasPrefix(ref.PolicyID, keyCredentialPolicyPrefix) {
			return fmt.Errorf("%w: %q is not a key credential's policy", cloud.ErrInvalid, ref.PolicyID)
		}
		err := c.baoCall(ctx, ob, true, http.MethodDelete, "sys/policies/acl/"+ref.PolicyID, nil, nil)
		if err != nil && !errors.Is(err, cloud.ErrNotFound) {
			return fmt.Errorf("deleting the ACL policy %s: %w", ref.PolicyID, err)
		}
	}
	return nil
}
