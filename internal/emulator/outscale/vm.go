package outscale

// vmActions are the VM, keypair, image and public IP link actions. They come
// with the health_warehouse_bastion resource.
func vmActions() map[string]action { return nil }
