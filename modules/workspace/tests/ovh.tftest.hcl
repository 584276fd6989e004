# Run by `make test` against the local emulator, which the test harness
# starts and points the provider at through the environment. One file per
# cloud: each file has its own state, so neither cloud reads the other's objects.

provider "health" {
  cloud              = "ovh"
  api_rate_limit     = 500   # the emulator has no rate limit; real accounts do (default 20/s)
  compliance_profile = "hds" # OVHcloud Public Cloud regions are HDS-certified, not SecNumCloud-qualified
  ovh {
    region = "EU-WEST-PAR"
  }
}

variables {
  members = [
    { name = "alice", ssh_public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICyOE4rVfqh+6/a5GS9lamDhkTLUj4i/ODVBZULqgC+E alice@data-office.example" },
  ]
  # Set in every run: terraform test requires an ephemeral input variable
  # set at plan to be set at apply too, and its default does not count.
  data_gateway_secrets = {}
}

# The workspace goes in a network: made first, with the network module.
run "network_ovh" {
  module {
    source = "../network"
  }
  variables {
    name        = "mt-ws-ovh"
    cidr        = "10.33.0.0/16"
    admin_cidrs = ["203.0.113.7/32"]
  }
}

run "ovh_workspace" {
  variables {
    name         = "mt-ws-ovh"
    network      = run.network_ovh
    datasets     = [{ bucket = "mt-ws-ovh-pseudonymised", prefix = "diabetes/" }]
    audit_bucket = null
    bastion_name = "mt-ws-ovh-bastion"
  }

  assert {
    condition     = alltrue([for r, b in module.bucket : b.zone == "workspace" && b.name == "mt-ws-ovh-${r}"]) && length(module.bucket) == 3
    error_message = "the working, import and export buckets are the workspace's own, in zone workspace"
  }
  assert {
    condition     = output.buckets.working.encryption == "customer-key" && output.buckets.working.kms_key_id == output.key.id && output.key.name == "mt-ws-ovh-ws"
    error_message = "the working bucket is under the workspace's own key: ${jsonencode(output.buckets.working)} ${jsonencode(output.key)}"
  }
  assert {
    condition     = output.buckets.import.encryption == "provider-managed" && output.buckets.export.encryption == "provider-managed"
    error_message = "the airlock's buckets use the cloud's encryption, which the airlock's plain reads can read"
  }
  assert {
    condition     = length(output.machines) == 1 && output.machines[0].private_ip != "" && startswith(output.machines[0].private_ip, "10.33.")
    error_message = "one machine in the compute tier: ${jsonencode(output.machines)}"
  }
  assert {
    condition     = output.compliance_id == "${var.network.id}/mt-ws-ovh/${output.id}" && output.identity_id != ""
    error_message = "the compliance data source takes <network_id>/<name>/<id>: ${output.compliance_id}"
  }
  assert {
    condition     = strcontains(output.connect.text, "ssh -F ssh_config -i <your key file> -l <your login> ${output.machines[0].private_ip}") && strcontains(output.connect.machines[0].restrict_agent, "-h \"mt-ws-ovh-bastion>${output.machines[0].private_ip}\"")
    error_message = "a member is told to restrict the agent to the bastion and the machine, then connect through the bastion's ssh_config: ${output.connect.text}"
  }
  assert {
    condition     = strcontains(jsonencode(output.identity_policy), "mt-ws-ovh-working") && strcontains(jsonencode(output.identity_policy), "diabetes/")
    error_message = "the identity may use the working bucket and read the dataset's prefix: ${jsonencode(output.identity_policy)}"
  }
}

# The working bucket behind a data gateway (a stand-in's endpoint and CA:
# the workspace does not call the gateway; this CA certificate expires in
# December 2029): its objects then carry the workspace's key, and the
# identity loses its direct access there. The secret is ephemeral.
run "ovh_working_behind_gateway" {
  variables {
    name         = "mt-ws-ovh"
    network      = run.network_ovh
    datasets     = [{ bucket = "mt-ws-ovh-pseudonymised", prefix = "diabetes/" }]
    audit_bucket = null
    bastion_name = "mt-ws-ovh-bastion"
    data_gateways = [{
      bucket                = "mt-ws-ovh-working"
      endpoint              = "https://10.33.128.10"
      tls_ca_certificate    = <<-EOT
        -----BEGIN CERTIFICATE-----
        MIICYTCCAgagAwIBAgIQJOFo+q8GQsgajoOSy/8QiDAKBggqhkjOPQQDAjBrMTIw
        MAYDVQQKDCloZWFsdGhfd2FyZWhvdXNlX2tleV9tYW5hZ2VyIG10LXdzLW92aC1n
        dzE1MDMGA1UEAxMsbXQtd3Mtb3ZoLWd3IE9wZW5CYW8gQ0EgMjAyNi0xMi0wM1Qx
        Njo1NjoxOFowHhcNMjYxMjAzMTY1MTE4WhcNMjkxMjAyMTY1NjE4WjBrMTIwMAYD
        VQQKDCloZWFsdGhfd2FyZWhvdXNlX2tleV9tYW5hZ2VyIG10LXdzLW92aC1ndzE1
        MDMGA1UEAxMsbXQtd3Mtb3ZoLWd3IE9wZW5CYW8gQ0EgMjAyNi0xMi0wM1QxNjo1
        NjoxOFowWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAATMO8/vTxwWy1fxJMBs8D8B
        Rl9H9MNFCwPXw/4fZ5zcev0yUVP47xlsn19T+ONZ8DRfONJaPQbuP8DN2uIrqFhP
        o4GLMIGIMA4GA1UdDwEB/wQEAwIBBjASBgNVHRMBAf8ECDAGAQH/AgEAMB0GA1Ud
        DgQWBBT/V8nWuTa7P1pL8lOfgc4FGy1X7zBDBgNVHR4BAf8EOTA3oDUwC4IJbG9j
        YWxob3N0MA6CDG10LXdzLW92aC1ndzAKhwh/AAAB/////zAKhwgKIYAK/////zAK
        BggqhkjOPQQDAgNJADBGAiEA0mut27c0OfhghHVjG8z6fugfKehObB1WMDC96BYc
        YzwCIQCEEE0nlYZvMVX2oocz8L69HIW3qoXqvIRdT4/DvNY/2g==
        -----END CERTIFICATE-----
      EOT
      client_access_key_id  = "workinggateway0001"
      client_secret_version = 1
    }]
    data_gateway_secrets = { "mt-ws-ovh-working" = "a-client-secret-of-32-characters-or-more" }
  }

  assert {
    condition     = !strcontains(jsonencode(output.identity_policy), "mt-ws-ovh-working") && strcontains(jsonencode(output.identity_policy), "diabetes/")
    error_message = "behind its gateway, the working bucket is out of the identity's reach: ${jsonencode(output.identity_policy)}"
  }
}

# Retiring lifts the key's deletion protection with a stated HW-KEY-02
# exception, so that the test's own destroy can delete it.
run "ovh_retire" {
  variables {
    name         = "mt-ws-ovh"
    network      = run.network_ovh
    retire       = true
    bastion_name = "mt-ws-ovh-bastion"
  }

  assert {
    condition     = [for e in output.compliance_exceptions : e.subject if e.control == "HW-KEY-02"] == [output.key.id]
    error_message = "retiring states HW-KEY-02 on the workspace's key: ${jsonencode(output.compliance_exceptions)}"
  }
}
