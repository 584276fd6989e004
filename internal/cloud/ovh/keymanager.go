package ovh

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// The key manager on OVHcloud is the OVHcloud KMS (OKMS) the provider's
// kms_id names: a service OVHcloud runs in the region, whose keys live in
// OVHcloud's HSMs. The provider makes nothing here; it reads the KMS
// through the API v2 and publishes its REST endpoint and its public CA, so
// that the same configuration stands on both clouds. Deleting the resource
// forgets the KMS: it is never deleted.
//
// What that means, said plainly: the keys are held by OVHcloud, not by the
// customer. OKMS keeps key material inside OVHcloud's infrastructure, and
// the customer reaches it with OVHcloud-issued credentials; it is not the
// customer-held key manager OUTSCALE's OpenBao cluster is.

// okmsDetail is okms.Resource with the fields the key manager publishes.
type okmsDetail struct {
	ID           string `json:"id"`
	Region       string `json:"region"`
	RestEndpoint string `json:"restEndpoint"`
	KMIPEndpoint string `json:"kmipEndpoint"`
	// PublicCA is the CA of the KMS's REST endpoint, which the API answers
	// only when asked with ?publicCA=true (withPublicCA). The field is
	// publicCA in the OVHcloud Control Panel's model; ovh/terraform-provider-ovh
	// names it publicCa, which Go's case-insensitive decoding also matches.
	PublicCA string `json:"publicCA"`
	// IAM names the KMS as an IAM resource (iam.urn), for the policies
	// of key credentials.
	IAM struct {
		URN string `json:"urn"`
	} `json:"iam"`
}

// withPublicCA asks a read of the KMS for its public CAs (publicCA and
// publicRsaCA), as the Control Panel and ovh/terraform-provider-ovh do;
// without it the answer carries none.
const withPublicCA = "?publicCA=true"

// Keys of KeyManagerCluster.CloudIDs on OVHcloud.
const keyOKMS = "okms"

// KeyManagerBackend implements cloud.KeyManagerClusters.
func (c *Client) KeyManagerBackend() string { return cloud.BackendOKMS }

// KeyManagerAddresses implements cloud.KeyManagerClusters: no server is
// made on OVHcloud.
func (c *Client) KeyManagerAddresses(context.Context, cloud.Network, int) ([]string, error) {
	return nil, nil
}

func (c *Client) getOKMS(ctx context.Context, id string) (okmsDetail, error) {
	var o okmsDetail
	err := c.call(ctx, http.MethodGet, fill(routeOKMS, id)+withPublicCA, routeOKMS, nil, &o)
	return o, err
}

func (k okmsDetail) cluster(ref cloud.KeyManagerCluster) cloud.KeyManagerCluster {
	tags := map[string]string{}
	maps.Copy(tags, ref.Tags)
	return cloud.KeyManagerCluster{
		ID:        k.ID,
		Name:      ref.Name,
		Backend:   cloud.BackendOKMS,
		NetworkID: ref.NetworkID,
		Region:    k.Region,
		Address:   k.RestEndpoint,
		CACertPEM: k.PublicCA,
		Tags:      tags,
		CloudIDs:  map[string]string{keyOKMS: k.ID},
	}
}

// CreateKeyManager implements cloud.KeyManagerClusters: it checks that the
// KMS named by kms_id exists, and makes nothing.
func (c *Client) CreateKeyManager(ctx context.Context, spec cloud.KeyManagerSpec) (cloud.KeyManagerCluster, error) {
	if err := c.kmsSettings(); err != nil {
		return cloud.KeyManagerCluster{}, err
	}
	o, err := c.getOKMS(ctx, c.cfg.KMSID)
	if err != nil {
		return cloud.KeyManagerCluster{}, c.explainOKMS(err)
	}
	return o.cluster(cloud.KeyManagerCluster{Name: spec.Name, NetworkID: spec.Network.ID, Tags: spec.Tags}), nil
}

// ReadKeyManager implements cloud.KeyManagerClusters: the KMS the state
// names, whatever kms_id says now (the resource compares them).
func (c *Client) ReadKeyManager(ctx context.Context, ref cloud.KeyManagerCluster) (cloud.KeyManagerCluster, error) {
	id := ref.ID
	if id == "" {
		id = ref.CloudIDs[keyOKMS]
	}
	if id == "" {
		return cloud.KeyManagerCluster{}, fmt.Errorf("the key manager has no OKMS id: %w", cloud.ErrNotFound)
	}
	o, err := c.getOKMS(ctx, id)
	if errors.Is(err, cloud.ErrNotFound) {
		return cloud.KeyManagerCluster{}, fmt.Errorf("the KMS %s does not exist (any more) in this OVHcloud account: %w", id, err)
	}
	if err != nil {
		return cloud.KeyManagerCluster{}, fmt.Errorf("reading the KMS %s: %w", id, err)
	}
	return o.cluster(ref), nil
}

// RepairKeyManager implements cloud.KeyManagerClusters: OVHcloud runs the
// KMS; there is nothing of the customer's to repair.
func (c *Client) RepairKeyManager(ctx context.Context, ref cloud.KeyManagerCluster, _ cloud.KeyManagerSpec) (cloud.KeyManagerCluster, error) {
	return c.ReadKeyManager(ctx, ref)
}

// UpdateKeyManagerTags implements cloud.KeyManagerClusters: OKMS has no
// tags of the provider's kind; they are kept in the state only.
func (c *Client) UpdateKeyManagerTags(ctx context.Context, ref cloud.KeyManagerCluster, tags map[string]string) (cloud.KeyManagerCluster, error) {
	ref.Tags = tags
	return c.ReadKeyManager(ctx, ref)
}

// DeleteKeyManager implements cloud.KeyManagerClusters: the KMS is
// OVHcloud's service, ordered outside Terraform; the resource forgets it.
func (c *Client) DeleteKeyManager(context.Context, cloud.KeyManagerCluster) error { return nil }
