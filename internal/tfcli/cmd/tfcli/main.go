// Command tfcli makes sure a Terraform-compatible CLI is available (`make tools`).
//
//	tfcli ensure   find terraform or tofu, building OpenTofu into bin/ if there is none
//	tfcli path     the same, then print the CLI's absolute path on stdout
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
	if len(os.Args) != 2 || (os.Args[1] != "ensure" && os.Args[1] != "path") {
		fmt.Fprintln(os.Stderr, "usage: tfcli ensure|path")
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
	if os.Args[1] == "path" {
		fmt.Println(cli.Path)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "tfcli: "+err.Error())
	os.Exit(1)
}
