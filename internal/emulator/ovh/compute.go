package ovh

// computeRoutes are the Public Cloud instances, SSH keys, images, flavors
// and floating IPs. They come with the health_warehouse_bastion resource.
func computeRoutes() map[string]route { return nil }
