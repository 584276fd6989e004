# Run by `make test` against the local emulator, which the test harness
# starts and points the provider at through the environment. One file per
# cloud: each file has its own state, so neither cloud reads the other's objects.

provider "health" {
  cloud          = "outscale"
  api_rate_limit = 500 # the emulator has no rate limit; real accounts do (default 5/s)
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
run "network_outscale" {
  module {
    source = "../network"
  }
  variables {
    name        = "mt-ws-osc"
    cidr        = "10.32.0.0/16"
    admin_cidrs = ["203.0.113.7/32"]
  }
}

run "outscale_workspace" {
  variables {
    name         = "mt-ws-osc"
    network      = run.network_outscale
    datasets     = [{ bucket = "mt-ws-osc-pseudonymised", prefix = "diabetes/" }]
    audit_bucket = null
    bastion_name = "mt-ws-osc-bastion"
  }

  assert {
    condition     = alltrue([for r, b in module.bucket : b.zone == "workspace" && b.name == "mt-ws-osc-${r}"]) && length(module.bucket) == 3
    error_message = "the working, import and export buckets are the workspace's own, in zone workspace"
  }
  assert {
    condition     = output.buckets.working.encryption == "customer-key" && output.buckets.working.kms_key_id == output.key.id && output.key.name == "mt-ws-osc-ws"
    error_message = "the working bucket is under the workspace's own key: ${jsonencode(output.buckets.working)} ${jsonencode(output.key)}"
  }
  assert {
    condition     = output.buckets.import.encryption == "provider-managed" && output.buckets.export.encryption == "provider-managed"
    error_message = "the airlock's buckets use the cloud's encryption, which the airlock's plain reads can read"
  }
  assert {
    condition     = length(output.machines) == 1 && output.machines[0].private_ip != "" && startswith(output.machines[0].private_ip, "10.32.")
    error_message = "one machine in the compute tier: ${jsonencode(output.machines)}"
  }
  assert {
    condition     = output.compliance_id == "${var.network.id}/mt-ws-osc/${output.id}" && output.identity_id != ""
    error_message = "the compliance data source takes <network_id>/<name>/<id>: ${output.compliance_id}"
  }
  assert {
    condition     = strcontains(output.connect.text, "ssh -F ssh_config -i <your key file> -l <your login> ${output.machines[0].private_ip}") && strcontains(output.connect.machines[0].restrict_agent, "-h \"mt-ws-osc-bastion>${output.machines[0].private_ip}\"")
    error_message = "a member is told to restrict the agent to the bastion and the machine, then connect through the bastion's ssh_config: ${output.connect.text}"
  }
  assert {
    condition     = strcontains(jsonencode(output.identity_policy), "mt-ws-osc-working") && strcontains(jsonencode(output.identity_policy), "diabetes/")
    error_message = "the identity may use the working bucket and read the dataset's prefix: ${jsonencode(output.identity_policy)}"
  }
}

# Retiring lifts the key's deletion protection with a stated HW-KEY-02
# exception, so that the test's own destroy can delete it.
run "outscale_retire" {
  variables {
    name         = "mt-ws-osc"
    network      = run.network_outscale
    retire       = true
    bastion_name = "mt-ws-osc-bastion"
  }

  assert {
    condition     = [for e in output.compliance_exceptions : e.subject if e.control == "HW-KEY-02"] == [output.key.id]
    error_message = "retiring states HW-KEY-02 on the workspace's key: ${jsonencode(output.compliance_exceptions)}"
  }
}
