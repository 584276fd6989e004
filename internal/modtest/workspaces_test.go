package modtest_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// Workspace members become administrators of the bastion, and a login is
// one account with one key: the warehouse refuses a login given two
// different keys at plan time, naming the login and where it was given,
// before the bastion sees a duplicate.
func TestWarehouseWorkspaces_loginWithTwoKeys(t *testing.T) {
	t.Parallel()
	tree := copyTree(t, filepath.Join(root, "modules"))
	dir := filepath.Join(tree, "zz-workspaces-two-keys")
	writeFile(t, filepath.Join(dir, "main.tf"), providerFor(cloud.OVH)+`
module "under_test" {
  source      = "../warehouse"
  name        = "mt-ws-twokeys"
  admin_cidrs = ["203.0.113.7/32"]
  admins = [
    { name = "alice", ssh_public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICyOE4rVfqh+6/a5GS9lamDhkTLUj4i/ODVBZULqgC+E alice@laptop" },
  ]
  workspaces = {
    diab = {
      members = [
        # The same key as in admins, another comment: one account.
        { name = "alice", ssh_public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICyOE4rVfqh+6/a5GS9lamDhkTLUj4i/ODVBZULqgC+E alice@workstation" },
        { name = "bob", ssh_public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIvuKKTnv0t9KjCCXO0FdEh0mlo5jzfIojs3PkoxCHWu bob@laptop" },
      ]
    }
    asthma = {
      members = [
        { name = "bob", ssh_public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl bob@desktop" },
      ]
    }
  }
}
`)
	mustTF(t, dir, nil, "init", "-input=false", "-no-color")
	out, err := tf(t, dir, "plan", "-input=false", "-no-color")
	if err == nil {
		t.Fatalf("the plan succeeded; want bob's two keys refused:\n%s", out)
	}
	flat := strings.Join(strings.Fields(out), " ")
	if !strings.Contains(flat, `"bob" in workspaces["asthma"], workspaces["diab"]`) {
		t.Errorf("want the error to name bob and the two workspaces giving him different keys:\n%s", out)
	}
	if strings.Contains(flat, `"alice" in`) {
		t.Errorf("alice has one key under two comments: one account, not an error:\n%s", out)
	}
	if strings.Contains(out, "Invalid Bastion Configuration") {
		t.Errorf("the bastion must not see the duplicate: the module's error says it first:\n%s", out)
	}
}
