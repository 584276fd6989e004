package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/faults"
)

// Control is a client of the control API of a running emulator, in this
// process or another one.
type Control struct {
	URL   string // base URL of the emulator, such as http://127.0.0.1:8787
	Token string // admin token
	HTTP  *http.Client
}

// Control returns a client of this emulator's control API.
func (e *Emulator) Control() *Control {
	return &Control{URL: e.URL(), Token: e.cfg.AdminToken}
}

// Objects lists stored objects whose collection starts with prefix ("" for all).
func (c *Control) Objects(ctx context.Context, prefix string) ([]Object, error) {
	var out struct {
		Objects []Object `json:"objects"`
	}
	err := c.do(ctx, http.MethodGet, "objects?collection="+url.QueryEscape(prefix), nil, &out)
	return out.Objects, err
}

// Object fetches one object; found is false when it does not exist.
func (c *Control) Object(ctx context.Context, collection, id string) (obj Object, found bool, err error) {
	err = c.do(ctx, http.MethodGet, "objects/"+url.PathEscape(collection)+"/"+url.PathEscape(id), nil, &obj)
	if isStatus(err, http.StatusNotFound) {
		return Object{}, false, nil
	}
	return obj, err == nil, err
}

// PutObject replaces an existing object's document, as a change made out of
// band in the cloud's console would.
func (c *Control) PutObject(ctx context.Context, collection, id string, doc json.RawMessage) error {
	return c.do(ctx, http.MethodPut, "objects/"+url.PathEscape(collection)+"/"+url.PathEscape(id), doc, nil)
}

// DeleteObject deletes an object out of band.
func (c *Control) DeleteObject(ctx context.Context, collection, id string) error {
	return c.do(ctx, http.MethodDelete, "objects/"+url.PathEscape(collection)+"/"+url.PathEscape(id), nil, nil)
}

// DeliverAccessLogs has the emulated object storage deliver every pending
// server access log record now, and returns how many it delivered.
func (c *Control) DeliverAccessLogs(ctx context.Context) (int, error) {
	var out struct {
		Delivered int `json:"delivered"`
	}
	err := c.do(ctx, http.MethodPost, "s3/deliver-access-logs", nil, &out)
	return out.Delivered, err
}

// Calls returns the call counts per action.
func (c *Control) Calls(ctx context.Context) (map[string]int, error) {
	var out struct {
		Calls map[string]int `json:"calls"`
	}
	err := c.do(ctx, http.MethodGet, "calls", nil, &out)
	return out.Calls, err
}

// ResetCalls sets every call count back to zero.
func (c *Control) ResetCalls(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "calls", nil, nil)
}

// AddFault adds a fault rule and returns it with its id.
func (c *Control) AddFault(ctx context.Context, rule faults.Rule) (faults.Rule, error) {
	body, err := json.Marshal(rule)
	if err != nil {
		return faults.Rule{}, err
	}
	var out faults.Rule
	err = c.do(ctx, http.MethodPost, "faults", body, &out)
	return out, err
}

// ClearFaults removes every fault rule.
func (c *Control) ClearFaults(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "faults", nil, nil)
}

// StatusError is a control API answer outside 2xx.
type StatusError struct {
	Status int
	Body   string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("emulator control API: HTTP %d: %s", e.Status, strings.TrimSpace(e.Body))
}

func isStatus(err error, status int) bool {
	se, ok := err.(*StatusError)
	return ok && se.Status == status
}

func (c *Control) do(ctx context.Context, method, path string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(c.URL, "/")+controlPrefix+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	client := c.HTTP
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &StatusError{Status: resp.StatusCode, Body: string(raw)}
	}
	if out == nil || len(raw) == 0 {
		return nil
	}
	return json.Unmarshal(raw, out)
}
