package ovh

import "time"

// Routes about the caller and its Public Cloud projects.

// authTime answers the server's Unix time as a bare JSON integer.
func authTime(c *call) (any, error) {
	return c.handler.opts.Now().Unix(), nil
}

type allowedRoute struct {
	Method string `json:"method"`
	Path   string `json:"path"`
}

// authDetails describes the credential used to sign the call.
func authDetails(c *call) (any, error) {
	return map[string]any{
		"account":       c.account.NicHandle,
		"method":        map[string]string{"application": "account", "oauth2": "oauth2_client_credentials"}[c.method],
		"user":          "",
		"identities":    []string{"urn:v1:eu:identity:account:" + c.account.NicHandle},
		"allowedRoutes": []allowedRoute{{"GET", "/*"}, {"POST", "/*"}, {"PUT", "/*"}, {"DELETE", "/*"}},
		"description":   "",
	}, nil
}

func listProjects(c *call) (any, error) {
	ids := []string{}
	for _, p := range c.account.Projects {
		ids = append(ids, p.ID)
	}
	return ids, nil
}

// projectCreationDate is a fixed date so that reads are stable.
var projectCreationDate = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

func getProject(c *call) (any, error) {
	p, err := c.project()
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"project_id":   p.ID,
		"projectName":  p.Description,
		"description":  p.Description,
		"status":       "ok",
		"access":       "full",
		"planCode":     "project.2018",
		"creationDate": projectCreationDate.Format(time.RFC3339),
		"expiration":   nil,
		"manualQuota":  false,
		"orderId":      nil,
		"unleash":      false,
		"iam": map[string]any{
			"id":          p.ID,
			"urn":         "urn:v1:eu:resource:publicCloudProject:" + p.ID,
			"displayName": p.Description,
		},
	}, nil
}

func listProjectRegions(c *call) (any, error) {
	p, err := c.project()
	if err != nil {
		return nil, err
	}
	regions := append([]string{}, p.Regions...)
	return regions, nil
}
