package keymanager

import (
	"fmt"
	"strings"
)

// The runbooks the resource publishes (init_instructions): what the key
// manager's custodians do, once, by hand, before it holds a key.

// Default key shares: five holders, three of whom unseal.
const (
	DefaultKeyShares    = 5
	DefaultKeyThreshold = 3
)

// RunbookInput is what the OpenBao runbook names.
type RunbookInput struct {
	Cluster   string
	Addresses []string // the servers' private addresses, in order
	Mount     string
}

// Runbook is the OpenBao cluster's initialisation runbook, in Markdown.
func Runbook(in RunbookInput) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	first := ""
	if len(in.Addresses) > 0 {
		first = fmt.Sprintf("https://%s:%d", in.Addresses[0], PortAPI)
	}
	mount := in.Mount
	if mount == "" {
		mount = DefaultMount
	}
	w("# Initialising the key manager %s", in.Cluster)
	w("")
	w("OpenBao runs on %d server(s), sealed and uninitialised on purpose: no key exists yet, and the", len(in.Addresses))
	w("provider never sees the unseal keys nor the root token. Do this once, from a machine of the")
	w("warehouse's compute tier (the only tier the servers' API admits), with the `bao` CLI %s.", OpenBaoVersion)
	w("")
	w("1. **Trust the cluster's CA.** Save this resource's `ca_cert_pem` as `kms-ca.pem`, then:")
	w("")
	w("   ```sh")
	w("   export BAO_ADDR=%s BAO_CACERT=kms-ca.pem", first)
	w("   ```")
	w("")
	w("2. **Initialise, once, with named key holders.** Choose %d people (the data protection officer,", DefaultKeyShares)
	w("   the CISO, operators of different teams); any %d of them unseal. Give `-pgp-keys` with one", DefaultKeyThreshold)
	w("   public key per holder so that each share is encrypted for its holder only:")
	w("")
	w("   ```sh")
	w("   bao operator init -key-shares=%d -key-threshold=%d \\", DefaultKeyShares, DefaultKeyThreshold)
	w("     -pgp-keys=\"alice.asc,bob.asc,carol.asc,dave.asc,erin.asc\"")
	w("   ```")
	w("")
	w("   Hand each share to its holder, and keep the initial root token for steps 4 and 5 only.")
	w("   Never store the shares together, nor in the warehouse, nor in Terraform.")
	w("")
	w("3. **Unseal every server.** %d holders each run, against each server in turn:", DefaultKeyThreshold)
	w("")
	w("   ```sh")
	for _, a := range in.Addresses {
		w("   BAO_ADDR=https://%s:%d bao operator unseal", a, PortAPI)
	}
	w("   ```")
	w("")
	w("   The first server becomes the active node; the others join it (Raft `retry_join`) once unsealed.")
	w("   `bao operator raft list-peers` shows them all. A server that restarts comes back sealed: unseal it")
	w("   the same way (automatic security updates never reboot the servers).")
	w("")
	w("4. **Mount the transit engine and make Terraform's token.** With the root token:")
	w("")
	w("   ```sh")
	w("   bao secrets enable -path=%s transit", mount)
	w("   bao policy write %s - <<'EOF'", TerraformPolicyName)
	b.WriteString(indent(TerraformPolicy(mount), "   "))
	w("   EOF")
	w("   bao token create -orphan -policy=%s -period=768h -display-name=terraform", TerraformPolicyName)
	w("   ```")
	w("")
	w("   The token renews for 32 days at a time: renew it (`bao token renew`) at least monthly, from the")
	w("   job that runs Terraform. Give it to the provider through `HEALTH_KMS_TOKEN`, never in a `.tf` file.")
	w("   Besides the keys, the policy lets it issue the machines' key credentials (the data gateway's): an")
	w("   ACL policy `health-kc-<name>` per machine, allowing that machine's data keys under one key only,")
	w("   and an orphan token with that policy alone, handed to the machine response-wrapped, read and")
	w("   revoked by its accessor. The `sudo` on `auth/token/create-orphan` is what OpenBao asks for a")
	w("   periodic token with a policy its maker does not hold; with it this token could make a token with")
	w("   any policy but `root`, so guard it like the keys' deletion right it already carries.")
	w("")
	w("5. **Revoke the root token:** `bao token revoke -self`. A new one takes a quorum of key holders")
	w("   (`bao operator generate-root`).")
	w("")
	w("6. **Point the provider at the key manager** in a second apply (a provider cannot be configured")
	w("   from a resource of the apply that creates it): `outscale { kms_address = \"%s\",", first)
	w("   kms_ca_cert = <this resource's ca_cert_pem> }`, then add the `health_warehouse_kms_key` resources.")
	w("")
	w("OpenBao's file audit device is declared in its configuration: from the first unseal, every request")
	w("is logged, secrets HMAC'd, in `%s` on the active server. Ship it to the audit bucket, and take", PathAuditLog)
	w("Raft snapshots (`bao operator raft snapshot save`) to keep outside the warehouse: if the cluster is")
	w("lost without one, every key is lost, and with them every piece of data they encrypted.")
	return b.String()
}

func indent(text, prefix string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		b.WriteString(prefix + l + "\n")
	}
	return b.String()
}

// OKMSRunbook is the OVHcloud KMS's runbook: nothing to initialise, and
// who holds what, said plainly.
func OKMSRunbook(id, region, endpoint string) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	w("# The OVHcloud KMS %s", id)
	w("")
	w("Nothing to initialise or unseal: the OVHcloud KMS (OKMS) is a service OVHcloud runs in %s, and", region)
	w("this resource made nothing. Its keys are generated and kept in OVHcloud's HSMs: **OVHcloud holds")
	w("them, not you** — unlike OUTSCALE's customer-held OpenBao cluster. Weigh that against your risk")
	w("analysis (the key custody question the Health Data Hub raised) before you put health data under them.")
	w("")
	w("1. The provider manages keys with its OVHcloud API credentials (`ovh.kms_id` names this KMS):")
	w("   add the `health_warehouse_kms_key` resources; no second apply is needed.")
	w("2. Applications encrypt and decrypt at `%s` with an OKMS access certificate (mutual TLS),", endpoint)
	w("   created in the OVHcloud Control Panel for each application, with an IAM policy per key.")
	w("3. Deleting this resource forgets the KMS; it never deletes it, nor its keys.")
	return b.String()
}
