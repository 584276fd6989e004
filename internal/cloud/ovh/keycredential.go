package ovh

import (
	"context"
	"fmt"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

var _ cloud.KeyCredentials = (*Client)(nil)

// A key credential on OVHcloud is a service account whose IAM policy allows
// the OKMS data-key actions (make a data key, unwrap one) on the KMS the
// key lives in, and nothing else. The policy names the KMS, not the key:
// whether OVHcloud's IAM can name one service key as a resource is
// unverified, and a key's versions are distinct service keys (a rotation
// makes a new one), which a KMS-wide grant keeps working. So the machine
// can make and unwrap data keys with every symmetric key of that KMS; it
// can read, change, rotate or delete none.

// IssueKeyCredential implements cloud.KeyCredentials.
func (c *Client) IssueKeyCredential(ctx context.Context, spec cloud.KeyCredentialSpec) (cloud.KeyCredential, error) {
	if err := c.kmsSettings(); err != nil {
		return cloud.KeyCredential{}, err
	}
	o, err := c.getOKMS(ctx, c.cfg.KMSID)
	if err != nil {
		return cloud.KeyCredential{}, c.explainOKMS(err)
	}
	sa, err := c.makeServiceAccount(ctx, spec.Name,
		fmt.Sprintf("terraform-provider-health: data keys of the key %s of the KMS %s", spec.Key.ID, o.ID),
		[]string{okmsURN(o)}, []string{actionDataKeyCreate, actionDataKeyDecrypt})
	out := cloud.KeyCredential{ID: sa.ClientID, PolicyID: sa.PolicyID, KeyID: spec.Key.ID, Secret: sa.Secret,
		Endpoint: o.RestEndpoint, TokenURL: tokenURL(c.endpoint), KMSID: o.ID}
	if err != nil {
		out.Secret = ""
		return out, err
	}
	return out, nil
}

// ReadKeyCredential implements cloud.KeyCredentials.
func (c *Client) ReadKeyCredential(ctx context.Context, ref cloud.KeyCredential) (cloud.KeyCredential, error) {
	if err := c.kmsSettings(); err != nil {
		return cloud.KeyCredential{}, err
	}
	o, err := c.getOKMS(ctx, c.cfg.KMSID)
	if err != nil {
		return cloud.KeyCredential{}, c.explainOKMS(err)
	}
	err = c.checkServiceAccount(ctx, ref.ID, ref.PolicyID, []string{okmsURN(o)}, []string{actionDataKeyCreate, actionDataKeyDecrypt})
	if err != nil {
		return cloud.KeyCredential{}, err
	}
	ref.Secret, ref.Endpoint, ref.TokenURL = "", o.RestEndpoint, tokenURL(c.endpoint)
	return ref, nil
}

// RevokeKeyCredential implements cloud.KeyCredentials: the policy, then the
// service account, whose tokens stop working with it.
func (c *Client) RevokeKeyCredential(ctx context.Context, ref cloud.KeyCredential) error {
	return c.removeServiceAccount(ctx, ref.ID, ref.PolicyID)
}

// okmsURN is the KMS's IAM URN, as the API gives it or as OKMS names
// them.
func okmsURN(o okmsDetail) string {
	if o.IAM.URN != "" {
		return o.IAM.URN
	}
	return "urn:v1:eu:resource:okms:" + o.ID
}
