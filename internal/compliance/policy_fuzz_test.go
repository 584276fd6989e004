package compliance

import "testing"

// The policy reader takes what a cloud answers (a bucket's policy, which
// anyone with the rights may have rewritten): it must refuse what it
// cannot read, never panic, whatever the shapes of its fields.
func FuzzParsePolicy(f *testing.F) {
	for _, s := range []string{
		`{"Version":"2012-10-17","Statement":[{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":"*","Action":"s3:*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`,
		`{"Statement":[{"Effect":"Deny","Principal":{"AWS":["*"]},"Action":["s3:PutObject"],"Condition":{"Null":{"s3:x-amz-server-side-encryption-customer-algorithm":"true"}}}]}`,
		`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject"}]}`,
		`{"Statement":[{"Principal":5,"Action":{"a":1},"Condition":{"Bool":[1]}}]}`,
		`{"Statement":null}`, `{"Statement":{}}`, `[]`, `null`, `  `, `{"Statement":[null]}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		p, err := parsePolicy(doc)
		if err != nil {
			return
		}
		for _, kind := range []string{PolicyKindBucket, PolicyKindUser} {
			_ = p.deniesInsecureTransport(kind)
		}
		_ = p.deniesWritesWithoutCustomerKey()
		_, _ = p.allowsAnonymous()
	})
}
