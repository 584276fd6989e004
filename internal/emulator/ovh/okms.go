package ovh

// okmsRoutes are OVHcloud KMS (OKMS) routes of the API v2: the KMS and its
// service keys. They come with the health_warehouse_kms_key resource.
func okmsRoutes() map[string]route { return nil }
