# Run by `make test` against the local emulator, which the test harness
# starts and points the provider at through the environment. One file per
# cloud: each file has its own state, so neither cloud reads the other's objects.

provider "health" {
  cloud          = "outscale"
  api_rate_limit = 500 # the emulator has no rate limit; real accounts do (default 5/s)
}

variables {
  admins = [
    { name = "alice", ssh_public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICyOE4rVfqh+6/a5GS9lamDhkTLUj4i/ODVBZULqgC+E alice@data-office.example" },
    { name = "bob", ssh_public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIvuKKTnv0t9KjCCXO0FdEh0mlo5jzfIojs3PkoxCHWu bob@data-office.example" },
  ]
}

# The bastion goes in a network: made first, with the network module.
run "network_outscale" {
  module {
    source = "../network"
  }
  variables {
    name        = "modtest-bastion-osc"
    cidr        = "10.30.0.0/16"
    admin_cidrs = ["203.0.113.7/32"]
    egress_allow = [{
      name      = "debian"
      cidr      = "198.51.100.0/24"
      from_port = 80
      tiers     = ["bastion", "kms"]
      hosts     = ["deb.debian.org"]
      }, {
      name      = "github"
      cidr      = "192.0.2.0/24"
      from_port = 443
      tiers     = ["bastion", "kms"]
      hosts     = ["github.com"]
    }]
  }
}

run "outscale_bastion" {

  variables {
    name          = "modtest-bastion-osc"
    network_id    = run.network_outscale.id
    network_rules = run.network_outscale.rules
    audit_bucket = {
      bucket        = "modtest-bastion-audit"
      access_key_id = "AKMODTESTAUDIT000001"
    }
    audit_secret_access_key = "modtest-audit-secret-never-stored"
  }

  assert {
    condition     = output.public_ip != "" && strcontains(output.known_hosts, output.public_ip) && startswith(output.host_key_fingerprint, "SHA256:")
    error_message = "the known_hosts line must pin the host key for the public address"
  }
  assert {
    condition     = strcontains(output.ssh_config, "Host modtest-bastion-osc") && strcontains(output.ssh_config, "RemoteCommand ssh -tt -- %n") && !strcontains(output.ssh_config, "ProxyJump")
    error_message = "ssh_config must hold the bastion and the tiers' recorded-hop blocks, and no ProxyJump: ${output.ssh_config}"
  }
  assert {
    condition     = output.mfa == "totp" && health_warehouse_bastion.this.session_recording
    error_message = "ed25519 keys give TOTP as second factor, and every session is recorded"
  }
  assert {
    condition     = output.audit_shipping == "s3://modtest-bastion-audit/bastions/"
    error_message = "the audit trail goes to the audit bucket under bastions/"
  }
}

