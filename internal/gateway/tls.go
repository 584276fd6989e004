package gateway

import (
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/keymanager"
)

// IssuedTLS is a gateway's TLS material: the CA clients pin (ca_cert_pem)
// and the certificate and key the gateway serves with (Config.TLS).
type IssuedTLS struct {
	CACertPEM string
	TLS       TLS
}

// IssueTLS makes the gateway's certificate the way the key manager's are
// made (keymanager.NewCA): a CA of its own, constrained to the gateway's
// name and private address, signs the certificate and is then forgotten,
// so that nobody, the provider included, can issue another certificate the
// gateway's clients would trust. ip is the gateway's private IPv4 address,
// which the provider fixes before the VM is made.
func IssueTLS(name, ip string, now time.Time) (IssuedTLS, error) {
	node := keymanager.Node{Index: 1, Name: name, IP: ip}
	ca, err := keymanager.NewCA(name, []keymanager.Node{node}, now)
	if err != nil {
		return IssuedTLS{}, err
	}
	defer ca.Discard()
	cert, key, err := ca.Issue(node, now)
	if err != nil {
		return IssuedTLS{}, err
	}
	return IssuedTLS{CACertPEM: ca.CertPEM(), TLS: TLS{CertPEM: cert, KeyPEM: key}}, nil
}
