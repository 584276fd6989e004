package ovh

// storageRoutes are the Public Cloud object storage routes (S3 buckets of a
// region) and the users and S3 credentials that reach them. They come with
// the health_warehouse_storage resource.
func storageRoutes() map[string]route { return nil }
