# Every region of both clouds, with its qualification and the sources.
data "health_secnumcloud_regions" "all" {}

# Only the regions a SecNumCloud warehouse may use on OUTSCALE.
data "health_secnumcloud_regions" "qualified" {
  cloud                 = "outscale"
  secnumcloud_qualified = true
}

output "qualified_outscale_regions" {
  value = data.health_secnumcloud_regions.qualified.names
}

# Refuse to plan a warehouse outside a qualified region.
variable "region" {
  type    = string
  default = "cloudgouv-eu-west-1"
}

check "region_is_qualified" {
  assert {
    condition     = contains(data.health_secnumcloud_regions.qualified.names, var.region)
    error_message = "The region ${var.region} is not SecNumCloud-qualified."
  }
}
