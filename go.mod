module github.com/sovhealth/terraform-provider-health

go 1.26.0

require (
	github.com/aws/aws-sdk-go v1.55.8
	github.com/outscale/osc-sdk-go/v2 v2.35.0
	github.com/ovh/go-ovh v1.9.0
	go.etcd.io/bbolt v1.4.3
	golang.org/x/oauth2 v0.36.0
	golang.org/x/time v0.16.0
)

require (
	github.com/davecgh/go-spew v1.1.2-0.20180830191138-d8f796af33cc // indirect
	github.com/jmespath/go-jmespath v0.4.0 // indirect
	github.com/pmezard/go-difflib v1.0.1-0.20181226105442-5d4384ee4fb2 // indirect
	golang.org/x/sync v0.20.0 // indirect
	golang.org/x/sys v0.43.0 // indirect
	gopkg.in/ini.v1 v1.67.0 // indirect
)
