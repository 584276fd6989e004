package main

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sovhealth/terraform-provider-health/internal/tfcli"
)

// `make demo` end to end, in a temporary directory: apply, outputs, both
// compliance reports, a zero-change plan; a second run that changes
// nothing (the emulator's data persisted); then `make demo-destroy`, which
// fails unless the emulator is left empty. Needs the Terraform CLI, like
// every acceptance test: TF_ACC=1 (make test sets it).
func TestDemo_endToEnd(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("set TF_ACC=1 (make test does) to run the demo with the Terraform CLI")
	}
	t.Parallel()
	root, err := tfcli.RepoRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	o := options{root: root, dir: t.TempDir(), listen: freeAddress(t), version: "0.1.0", out: &out}
	run := func(what string) {
		t.Helper()
		out.Reset()
		if err := run(t.Context(), o); err != nil {
			t.Fatalf("%s: %v\n%s", what, err, out.String())
		}
	}

	run("make demo")
	for _, want := range []string{"Apply complete! Resources: 28 added", "comparison = {", `"keys: held by"`, `"workspace: machines"`, "known_hosts = {",
		"ssh_config = {", "No changes.", "no drift"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the demo's output lacks %q:\n%s", want, out.String())
		}
	}
	for _, c := range []string{"outscale", "ovh"} {
		md, err := os.ReadFile(filepath.Join(o.dir, "reports", c+".md"))
		if err != nil || !strings.Contains(string(md), "**Compliant**") {
			t.Errorf("reports/%s.md is missing or does not say the warehouse is compliant (%v):\n%s", c, err, md)
		}
		raw, err := os.ReadFile(filepath.Join(o.dir, "reports", c+".json"))
		var report struct {
			Cloud   string
			Summary struct{ Compliant bool }
		}
		if err != nil || json.Unmarshal(raw, &report) != nil || report.Cloud != c || !report.Summary.Compliant {
			t.Errorf("reports/%s.json is not %s's compliant report (%v): %.300s", c, c, err, raw)
		}
	}
	for _, ip := range workspaceMachineIPs(t, o.dir) {
		// The commands name the machine's address and the files the demo
		// wrote: the bastion's ssh_config and known_hosts, and the key.
		var ssh string
		for _, l := range strings.Split(out.String(), "\n") {
			if f := strings.Fields(l); len(f) > 0 && f[0] == "ssh" && f[len(f)-1] == ip {
				ssh = l
			}
		}
		if ssh == "" {
			t.Errorf("no ssh command to the workspace machine %s in the demo's output:\n%s", ip, out.String())
			continue
		}
		for _, f := range strings.Fields(strings.ReplaceAll(ssh, "=", " ")) {
			if !filepath.IsAbs(f) {
				continue
			}
			if _, err := os.Stat(f); err != nil || !strings.HasPrefix(f, o.dir) {
				t.Errorf("the ssh command names %s, which the demo did not write (%v): %s", f, err, ssh)
			}
		}
		if !strings.Contains(out.String(), ">"+ip+`" `) {
			t.Errorf("no ssh-add restricting the agent to the bastion and %s:\n%s", ip, out.String())
		}
		// The machine's host key, pinned for that restriction.
		var pinned bool
		for _, c := range []string{"outscale", "ovh"} {
			tiers, _ := os.ReadFile(filepath.Join(o.dir, "ssh", c, "known_hosts.tiers"))
			for _, l := range strings.Split(string(tiers), "\n") {
				pinned = pinned || strings.HasPrefix(l, ip+" ssh-ed25519 ")
			}
		}
		if !pinned {
			t.Errorf("the demo's known_hosts.tiers files do not pin the host key of %s", ip)
		}
	}
	if fi, err := os.Stat(filepath.Join(o.dir, "admin_ed25519")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the administrator's private key must exist, readable by its owner only: %v %v", fi, err)
	}

	run("make demo, again")
	if !strings.Contains(out.String(), "Resources: 0 added, 0 changed, 0 destroyed") {
		t.Errorf("a second demo must change nothing:\n%s", out.String())
	}

	o.destroy = true
	run("make demo-destroy")
	if !strings.Contains(out.String(), "Resources: 28 destroyed") || !strings.Contains(out.String(), "no cloud objects") {
		t.Errorf("demo-destroy must destroy all 28 resources and leave the emulator empty:\n%s", out.String())
	}
}

// workspaceMachineIPs reads the private addresses of the workspaces'
// machines from the demo's state: one workspace per cloud, one machine each.
func workspaceMachineIPs(t *testing.T, dir string) []string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "examples", "two-clouds", "terraform.tfstate"))
	if err != nil {
		t.Fatal(err)
	}
	var state struct {
		Resources []struct {
			Type      string
			Instances []struct {
				Attributes struct {
					Machines []struct {
						PrivateIP string `json:"private_ip"`
					}
				}
			}
		}
	}
	if err := json.Unmarshal(raw, &state); err != nil {
		t.Fatal(err)
	}
	var ips []string
	for _, r := range state.Resources {
		if r.Type != "health_warehouse_workspace" {
			continue
		}
		for _, i := range r.Instances {
			for _, m := range i.Attributes.Machines {
				ips = append(ips, m.PrivateIP)
			}
		}
	}
	if len(ips) != 2 {
		t.Fatalf("want one workspace machine per cloud in the state, got %q", ips)
	}
	return ips
}

// freeAddress is a loopback address nothing listens on, kept for the
// demo's runs: its state records the emulator's endpoints.
func freeAddress(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}
