// Package modtest holds the tests of the HCL modules and examples: every
// module's `terraform test` files run against an in-process emulator with
// the provider built from this repository, and every module and example
// must pass `terraform validate` and `terraform fmt -check`.
package modtest
