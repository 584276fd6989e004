// Command tfcli makes sure a Terraform-compatible CLI is available (`make tools`).
//
//	tfcli ensure       find terraform or tofu, building OpenTofu into bin/ if there is none
//	tfcli path         the same, then print the CLI's absolute path on stdout
//	tfcli schema FILE  the same, then write the provider's schema, as tfplugindocs reads it, to FILE
//	tfcli install VERSION [PLUGINS_DIR]
//	                   build the provider into the implied local mirror (~/.terraform.d/plugins by
//	                   default), where terraform init and tofu init find it with no configuration
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
		case "install":
			usage = len(os.Args) != 3 && len(os.Args) != 4
		default:
			usage = true
		}
	}
	if usage {
		fmt.Fprintln(os.Stderr, "usage: tfcli ensure | path | schema FILE | install VERSION [PLUGINS_DIR]")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	root, err := tfcli.RepoRoot(".")
	if err != nil {
		fail(err)
	}
	if os.Args[1] == "install" {
		install(ctx, root, os.Args[2:])
		return
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

// install lays the provider out where both CLIs look before any registry.
func install(ctx context.Context, root string, args []string) {
	version := args[0]
	plugins, err := tfcli.PluginsDir()
	if len(args) == 2 {
		plugins = args[1]
	}
	if err != nil {
		fail(err)
	}
	bin, err := tfcli.InstallProvider(ctx, root, plugins, version, os.Stderr)
	if err != nil {
		fail(err)
	}
	fmt.Fprintf(os.Stderr, "tfcli: installed %s\n", bin)
	fmt.Fprintf(os.Stderr, "tfcli: terraform init and tofu init now install %s %s from there, with no dev_overrides and no network\n",
		tfcli.ProviderAddress, version)
}
