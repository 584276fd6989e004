# Which account are these credentials for? One authenticated call: a quick
# way to check the credentials before building anything.
data "health_caller_identity" "current" {}

output "account" {
  value = "${data.health_caller_identity.current.cloud} account ${data.health_caller_identity.current.account_id} (${data.health_caller_identity.current.auth_method})"
}
