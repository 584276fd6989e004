package provider

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/sovhealth/terraform-provider-health/internal/bastion"
	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/gateway"
)

// gatewayAccessKeyPattern is what client_access_key_id may be.
var gatewayAccessKeyPattern = regexp.MustCompile(`^[A-Za-z0-9]{16,128}$`)

// dataKeyObjectPattern is what data_key_object may be.
var dataKeyObjectPattern = regexp.MustCompile(`^` + regexp.QuoteMeta(cloud.WrappedKeyPrefix) + `[a-z0-9][a-z0-9.-]{0,126}\.key$`)

// gatewayInput is what a gateway's user-data is rendered from.
type gatewayInput struct {
	Name, Cloud                  string
	Network                      cloud.Network
	PrivateIP                    string
	Clients                      []string
	Port                         int
	Bucket, Endpoint, Region     string
	AccessKeyID, SecretAccessKey string
	Key                          cloud.Key
	Credential                   cloud.KeyCredential
	ClientAccessKeyID            string
	ClientSecretAccessKey        string
	Rclone                       rcloneSettings
	PackageMirror                *bastion.PackageMirror
	Prefixes                     []string
	ReadOnly                     bool
	DataKeyObject                string
}

// renderedGateway is the gateway's user-data and the CA clients pin.
type renderedGateway struct {
	UserData      []byte
	CACertificate string
}

// renderGateway renders the gateway's first boot, with a TLS certificate
// made for it.
func renderGateway(in gatewayInput) (renderedGateway, error) {
	var sources []string
	for _, tier := range in.Clients {
		if sub, ok := in.Network.Subnets[tier]; ok && sub.CIDR != "" {
			sources = append(sources, sub.CIDR)
		}
	}
	if len(sources) == 0 {
		return renderedGateway{}, fmt.Errorf("clients: the network %s has none of the tiers %s", in.Network.ID, strings.Join(in.Clients, ", "))
	}
	slices.Sort(sources)
	issued, err := gateway.IssueTLS(in.Name, in.PrivateIP, time.Now())
	if err != nil {
		return renderedGateway{}, err
	}
	cfg := gateway.Config{
		Name: in.Name, Cloud: in.Cloud,
		Bucket: gateway.Bucket{Name: in.Bucket, Endpoint: in.Endpoint, Region: in.Region, AccessKeyID: in.AccessKeyID,
			SecretAccessKey: in.SecretAccessKey},
		Client:         gateway.ClientKey{AccessKeyID: in.ClientAccessKeyID, SecretAccessKey: in.ClientSecretAccessKey},
		Port:           in.Port,
		TLS:            issued.TLS,
		AllowedSources: sources,
		Rclone:         gateway.Rclone{Version: in.Rclone.Version, Mirror: in.Rclone.Mirror, SHA256: in.Rclone.SHA256},
		PackageMirror:  in.PackageMirror,
		Prefixes:       in.Prefixes,
		ReadOnly:       in.ReadOnly,
		DataKeyObject:  in.DataKeyObject,
	}
	switch in.Cloud {
	case cloud.Outscale:
		cfg.OpenBao = &gateway.OpenBao{Address: in.Credential.Endpoint, CACertPEM: in.Credential.CACertPEM,
			Mount: in.Credential.Mount, KeyName: in.Key.KeyID, WrappingToken: in.Credential.Secret}
	case cloud.OVH:
		cfg.OKMS = &gateway.OKMS{Endpoint: in.Credential.Endpoint, ID: in.Credential.KMSID, KeyID: in.Key.KeyID,
			TokenURL: in.Credential.TokenURL, ClientID: in.Credential.ID, ClientSecret: in.Credential.Secret}
	}
	data, err := gateway.Render(cfg) // which refuses cfg with every problem gateway.Check finds
	if err != nil {
		return renderedGateway{}, err
	}
	return renderedGateway{UserData: data, CACertificate: issued.CACertPEM}, nil
}

// defaultRclone is the rclone release a gateway runs unless told otherwise.
func defaultRclone() rcloneSettings {
	return rcloneSettings{Version: gateway.DefaultRcloneVersion, Mirror: gateway.DefaultRcloneMirror(gateway.DefaultRcloneVersion),
		SHA256: gateway.DefaultRcloneSHA256}
}

// stringsOfSet is a known set's strings, sorted.
func stringsOfSet(v types.Set) []string {
	out, _ := stringsOf(v)
	slices.Sort(out)
	return out
}

// gatewayPrefix is a prefix a gateway can serve (gateway.CheckPrefix).
type gatewayPrefix struct{}

func (gatewayPrefix) Description(context.Context) string {
	return "a prefix such as cohort-2026/diabetes/: letters, digits, _ . = - and /, ending with /"
}
func (v gatewayPrefix) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (gatewayPrefix) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := gateway.CheckPrefix(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Gateway Prefix", fmt.Sprintf("%s: %s.", req.Path, err))
	}
}
