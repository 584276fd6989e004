// Command emulator runs the local sovereign-cloud emulator in the foreground
// (`make emulator`).
//
//	emulator [-listen 127.0.0.1:8787] [-data DIR] [-config seed.json] [-admin-token T] [-v]
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/sovhealth/terraform-provider-health/internal/emulator"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:8787", "address to listen on (keep it on loopback)")
	data := flag.String("data", "", "directory keeping the state across restarts (default: in memory)")
	config := flag.String("config", "", "JSON seed file: accounts, credentials, projects (default: the documented seed)")
	adminToken := flag.String("admin-token", os.Getenv("HEALTH_EMULATOR_ADMIN_TOKEN"),
		"bearer token of the control API (default: $HEALTH_EMULATOR_ADMIN_TOKEN, else random)")
	verbose := flag.Bool("v", false, "log every request (method, path, status, duration; never bodies or headers)")
	flag.Parse()

	cfg := emulator.DefaultConfig()
	if *config != "" {
		var err error
		if cfg, err = emulator.LoadConfig(*config); err != nil {
			log.Fatal(err)
		}
	}
	if *data != "" {
		cfg.DataDir = *data
	}
	if *adminToken != "" {
		cfg.AdminToken = *adminToken
	}
	emu, err := emulator.New(cfg)
	if err != nil {
		log.Fatal(err)
	}
	if *verbose {
		emu.LogRequests(log.New(os.Stderr, "", log.LstdFlags))
	}
	if err := emu.Start(*listen); err != nil {
		log.Fatal(err)
	}
	fmt.Print(emu.Summary())
	fmt.Printf("  Admin token       %s\n", emu.AdminToken())
	if cfg.DataDir != "" {
		fmt.Printf("  State kept in     %s\n", cfg.DataDir)
	} else {
		fmt.Println("  State kept in     memory (lost at exit; use -data DIR to keep it)")
	}
	fmt.Println()
	fmt.Println("Point the provider at it with, for Outscale:")
	fmt.Printf("  export OSC_ENDPOINT_API=%s OSC_REGION=%s OSC_ACCESS_KEY=%s OSC_SECRET_KEY=%s\n",
		emu.OutscaleEndpoint(), emulator.DefaultOutscaleRegion, emulator.DefaultOutscaleAccessKey, emulator.DefaultOutscaleSecretKey)
	fmt.Println("and for OVHcloud:")
	fmt.Printf("  export OVH_ENDPOINT=%s OVH_APPLICATION_KEY=%s OVH_APPLICATION_SECRET=%s OVH_CONSUMER_KEY=%s OVH_CLOUD_PROJECT_SERVICE=%s\n",
		emu.OVHEndpoint(), emulator.DefaultOVHApplicationKey, emulator.DefaultOVHApplicationSecret,
		emulator.DefaultOVHConsumerKey, emulator.DefaultOVHProjectID)
	fmt.Println("(these are the emulator's public seed credentials: never use them anywhere else)")

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	<-stop
	if err := emu.Close(); err != nil {
		log.Fatal(err)
	}
}
