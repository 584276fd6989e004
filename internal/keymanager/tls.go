package keymanager

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/netip"
	"strings"
	"time"
)

// TLS of the cluster.
//
// The provider makes a CA when it makes servers, signs each server's
// certificate with it, and drops the CA's private key: it is never written
// anywhere, so nobody, the provider included, can issue another certificate
// the servers' clients would trust. A server made later (one replaced after
// it was terminated outside Terraform) gets a CA of its own; clients then
// trust every CA of the cluster's live servers (ca_cert_pem is a bundle).
//
// Keys are ECDSA on P-256 (ANSSI's RGS B1 lists the curve), certificates
// signed with SHA-256. Each server's certificate names its private address,
// 127.0.0.1 (the CLI on the server itself), its host name and localhost;
// the CA is constrained to exactly those names, so that even a leaked CA
// key (which does not exist after signing) could not vouch for another
// host.

// CertificateLifetime is how long the CA and the servers' certificates are
// valid. Before it ends, replace the servers one at a time (see the docs):
// each replacement gets a new CA and certificate.
const CertificateLifetime = 3 * 365 * 24 * time.Hour

// clockSkew backdates certificates so that a server whose clock is a bit
// behind accepts them at once.
const clockSkew = 5 * time.Minute

// CA is a certificate authority for some servers of a cluster, alive while
// the provider signs their certificates.
type CA struct {
	cert    *x509.Certificate
	certPEM string
	key     *ecdsa.PrivateKey
	nodes   []Node
}

// NewCA makes a CA allowed to sign the certificates of nodes only.
func NewCA(cluster string, nodes []Node, now time.Time) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating the CA's key: %w", err)
	}
	serial, err := serialNumber()
	if err != nil {
		return nil, err
	}
	ipRanges := []*net.IPNet{{IP: net.IPv4(127, 0, 0, 1).To4(), Mask: net.CIDRMask(32, 32)}}
	dns := []string{"localhost"}
	for _, n := range nodes {
		a, err := netip.ParseAddr(n.IP)
		if err != nil || !a.Is4() {
			return nil, fmt.Errorf("the server %s has no IPv4 address (%q)", n.Name, n.IP)
		}
		ipRanges = append(ipRanges, &net.IPNet{IP: net.IP(a.AsSlice()), Mask: net.CIDRMask(32, 32)})
		dns = append(dns, n.Name)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject: pkix.Name{Organization: []string{"health_warehouse_key_manager " + cluster},
			CommonName: fmt.Sprintf("%s OpenBao CA %s", cluster, now.UTC().Format("2006-01-02T15:04:05Z"))},
		NotBefore:                   now.Add(-clockSkew),
		NotAfter:                    now.Add(CertificateLifetime),
		KeyUsage:                    x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid:       true,
		IsCA:                        true,
		MaxPathLenZero:              true,
		PermittedDNSDomainsCritical: true,
		PermittedDNSDomains:         dns,
		PermittedIPRanges:           ipRanges,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("signing the CA's certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &CA{cert: cert, certPEM: encodePEM("CERTIFICATE", der), key: key, nodes: nodes}, nil
}

// CertPEM is the CA's certificate.
func (ca *CA) CertPEM() string { return ca.certPEM }

// ErrDiscarded: the CA's key is gone; it signs nothing any more.
var ErrDiscarded = errors.New("the CA's private key was discarded after signing")

// Issue signs a server's certificate and returns it with its new private
// key (PKCS #8), both in PEM.
func (ca *CA) Issue(n Node, now time.Time) (certPEM, keyPEM string, err error) {
	if ca.key == nil {
		return "", "", ErrDiscarded
	}
	a, err := netip.ParseAddr(n.IP)
	if err != nil || !a.Is4() {
		return "", "", fmt.Errorf("the server %s has no IPv4 address (%q)", n.Name, n.IP)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", fmt.Errorf("generating the key of %s: %w", n.Name, err)
	}
	serial, err := serialNumber()
	if err != nil {
		return "", "", err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{Organization: ca.cert.Subject.Organization, CommonName: n.Name},
		NotBefore:    now.Add(-clockSkew),
		NotAfter:     ca.cert.NotAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		DNSNames:     []string{n.Name, "localhost"},
		IPAddresses:  []net.IP{net.IP(a.AsSlice()), net.IPv4(127, 0, 0, 1).To4()},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return "", "", fmt.Errorf("signing the certificate of %s: %w", n.Name, err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", "", fmt.Errorf("encoding the key of %s: %w", n.Name, err)
	}
	return encodePEM("CERTIFICATE", der), encodePEM("PRIVATE KEY", pkcs8), nil
}

// Discard drops the CA's private key: it was never written anywhere, and
// once dropped the CA signs nothing more. Go cannot wipe the memory it
// held; the process (a Terraform plugin run) ends soon after.
func (ca *CA) Discard() { ca.key = nil }

func serialNumber() (*big.Int, error) {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("drawing a serial number: %w", err)
	}
	return n.Add(n, big.NewInt(1)), nil
}

func encodePEM(kind string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}))
}

// Certificates parses every certificate of a PEM bundle, in order.
func Certificates(bundle string) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	rest := []byte(bundle)
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("a %s block where certificates were expected", block.Type)
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("no PEM certificate")
	}
	return out, nil
}

// Fingerprint is the SHA-256 of a certificate's DER, in hex.
func Fingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return hex.EncodeToString(sum[:])
}

// Bundle joins PEM certificates into one bundle, each once, in the order
// given.
func Bundle(pems ...string) string {
	var b strings.Builder
	seen := map[string]bool{}
	for _, p := range pems {
		certs, err := Certificates(p)
		if err != nil {
			continue
		}
		for _, c := range certs {
			fp := Fingerprint(c)
			if seen[fp] {
				continue
			}
			seen[fp] = true
			b.WriteString(encodePEM("CERTIFICATE", c.Raw))
		}
	}
	return b.String()
}
