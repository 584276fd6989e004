package bastion

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"
)

// Public keys for the tests, made in process.

// dsaKey is a real ssh-dss public key (made with ssh-keygen -t dsa).
const dsaKey = "ssh-dss AAAAB3NzaC1kc3MAAACBAPXIQl8GmigRvtTjuUU7es8dbVx/Tdj28xr/CEG/xa8w5DDDhY4+pifeG4YSb+2qX/tJmEN34zwda3t4/9ttpSdOIW2/kNkORJFRUEsRAVe+jc1tR/WiVvSfnQ/SC0IcwUZ/cG74K0GK+6jRIxDyjyNoMp3S1iHqVFHBwI/RI2UTAAAAFQCfFnBnVwXkcEvnCjXm9xA7k+IEVwAAAIB9djnFhd0wpR75Jnf1atLwt9eROG/FKyHzhUF0fmmJmiAdc6RFprqsfikWxqaoz+b3lrddBGuLT0SzmOHCI7UBhGr0gwhVwCN+uO74LkpfrDbxy1WtkHFnVbt4Y5S7C6pQ34DE+QzhzZhEyyKKlflhrmZwlzBQMyHwL1+Kqc8qDgAAAIEAj8wA9rhjqpO7nBVK/vCeBPxM9odOTcFk9jRqh7fsPgD3TuoI7ZiPuAo0PA5KVezpbRyU6i2um61kXbS+EqKiVw76kVpmGk9nDPoJGOAiL+dH4gYmPrkMGsNM4JX4tGt//u44ET5yY0vhnbORSASDgWn+QLt96Z2v6O2LHM0H5c4= test@dsa"

func authorized(t testing.TB, pub any, comment string) string {
	t.Helper()
	k, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k))) + " " + comment
}

func ed25519Key(t testing.TB, comment string) string {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return authorized(t, pub, comment)
}

func ecdsaKey(t testing.TB, curve elliptic.Curve) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return authorized(t, &k.PublicKey, "test@ecdsa")
}

var (
	rsaMu   sync.Mutex
	rsaKeys = map[int]string{}
)

// rsaKey makes (once per size and test binary: RSA is slow) an RSA key.
func rsaKey(t testing.TB, bits int) string {
	t.Helper()
	rsaMu.Lock()
	defer rsaMu.Unlock()
	if k, ok := rsaKeys[bits]; ok {
		return k
	}
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	rsaKeys[bits] = authorized(t, &k.PublicKey, "test@rsa")
	return rsaKeys[bits]
}

// skEd25519Key builds a FIDO2 ed25519 public key in OpenSSH's wire format
// (PROTOCOL.u2f): no hardware is needed to write one.
func skEd25519Key(t testing.TB, comment string) string {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	wire := ssh.Marshal(struct {
		Type        string
		Key         []byte
		Application string
	}{ssh.KeyAlgoSKED25519, pub, "ssh:"})
	k, err := ssh.ParsePublicKey(wire)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k))) + " " + comment
}

// certificateKey is an ed25519 user certificate signed by a throwaway CA.
func certificateKey(t *testing.T) string {
	t.Helper()
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	_, caPriv, _ := ed25519.GenerateKey(rand.Reader)
	signer, err := ssh.NewSignerFromKey(caPriv)
	if err != nil {
		t.Fatal(err)
	}
	sshPub, _ := ssh.NewPublicKey(pub)
	cert := &ssh.Certificate{Key: sshPub, CertType: ssh.UserCert, KeyId: "alice", ValidBefore: ssh.CertTimeInfinity}
	if err := cert.SignCert(rand.Reader, signer); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(cert)))
}
