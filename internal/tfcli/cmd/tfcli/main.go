// Command tfcli makes sure a Terraform-compatible CLI is available (`make tools`).
//
//	tfcli ensure       find terraform or tofu, building OpenTofu into bin/ if there is none
//	tfcli path         the same, then print the CLI's absolute path on stdout
//	tfcli schema FILE  the same, then write the provider's schema, as tfplugindocs reads it, to FILE
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"

	"github.com/sovhealth/terraform-provider-health/internal/tfcli"
)

func main() {
	usage := len(os.Args) < 2
	if !usage {
		switch os.Args[1] {
		case "ensure", "path":
			usage = len(os.Args) != 2
		case "schema":
			usage = len(os.Args) != 3
		default:
			usage = true
		}
	}
	if usage {
		fmt.Fprintln(os.Stderr, "usage: tfcli ensure | path | schema FILE")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	root, err := tfcli.RepoRoot(".")
	if err != nil {
		fail(err)
	}
	cli, err := tfcli.Find(ctx, root)
	if errors.Is(err, tfcli.ErrNotFound) {
		fmt.Fprintln(os.Stderr, "tfcli: no terraform or tofu on PATH")
		if _, err = tfcli.Build(ctx, root, func(s string) { fmt.Fprintln(os.Stderr, "tfcli: "+s) }); err == nil {
			cli, err = tfcli.Find(ctx, root)
		}
	}
	if err != nil {
		fail(err)
	}
	fmt.Fprintln(os.Stderr, "tfcli: using "+cli.String())
	switch os.Args[1] {
	case "path":
		fmt.Println(cli.Path)
	case "schema":
		if err := tfcli.WriteProviderSchema(ctx, cli, root, os.Args[2]); err != nil {
			fail(err)
		}
		fmt.Fprintln(os.Stderr, "tfcli: wrote "+os.Args[2])
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "tfcli: "+err.Error())
	os.Exit(1)
}
