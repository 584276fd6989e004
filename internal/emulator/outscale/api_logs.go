package outscale

import (
	"encoding/json"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// ReadApiLogs: OUTSCALE logs every OAPI call of an account, and the
// account (or an EIM user whose policies allow api:ReadApiLogs) reads them
// back. The emulator logs the signed calls it actually serves, in memory
// (the newest maxAPILogs; lost at a restart, unlike the store), with the
// spec's Log shape.

// maxAPILogs bounds the calls the emulator remembers.
const maxAPILogs = 100000

// apiLogWindow is ReadApiLogs' default span when one bound is missing.
const apiLogWindow = 48 * time.Hour

// apiLogVersion is the OAPI version the emulator answers as.
const apiLogVersion = "1.42"

// apiLog is one logged call, in the spec's Log shape.
type apiLog struct {
	AccountID          string `json:"AccountId"`
	CallDuration       int    `json:"CallDuration"`
	QueryAccessKey     string `json:"QueryAccessKey"`
	QueryAPIName       string `json:"QueryApiName"`
	QueryAPIVersion    string `json:"QueryApiVersion"`
	QueryCallName      string `json:"QueryCallName"`
	QueryDate          string `json:"QueryDate"`
	QueryHeaderRaw     string `json:"QueryHeaderRaw"`
	QueryHeaderSize    int    `json:"QueryHeaderSize"`
	QueryIPAddress     string `json:"QueryIpAddress"`
	QueryPayloadRaw    string `json:"QueryPayloadRaw"`
	QueryPayloadSize   int    `json:"QueryPayloadSize"`
	QueryUserAgent     string `json:"QueryUserAgent"`
	RequestID          string `json:"RequestId"`
	ResponseSize       int    `json:"ResponseSize"`
	ResponseStatusCode int    `json:"ResponseStatusCode"`

	at time.Time
}

type apiLogBook struct {
	mu      sync.Mutex
	entries []apiLog
}

func (b *apiLogBook) add(l apiLog) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.entries) >= maxAPILogs {
		b.entries = slices.Delete(b.entries, 0, len(b.entries)-maxAPILogs+1)
	}
	b.entries = append(b.entries, l)
}

func (b *apiLogBook) of(accountID string) []apiLog {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []apiLog
	for _, l := range b.entries {
		if l.AccountID == accountID {
			out = append(out, l)
		}
	}
	return out
}

// statusWriter remembers what a call answered, for its log.
type statusWriter struct {
	http.ResponseWriter
	status, size int
}

func (w *statusWriter) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.size += n
	return n, err
}

// logCall logs a signed call once answered. The raw header is logged
// without its Authorization (the real log's content there is unverified),
// the raw payload as sent.
func (h *Handler) logCall(r *http.Request, w *statusWriter, accountID, accessKey, name, requestID string, body []byte, start time.Time) {
	var header strings.Builder
	for k, vs := range r.Header {
		if strings.EqualFold(k, "Authorization") {
			continue
		}
		for _, v := range vs {
			header.WriteString(k + ": " + v + "\r\n")
		}
	}
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	h.logs.add(apiLog{AccountID: accountID, CallDuration: int(time.Since(start).Microseconds()), QueryAccessKey: accessKey,
		QueryAPIName: "oapi", QueryAPIVersion: apiLogVersion, QueryCallName: name,
		QueryDate: start.UTC().Format("2006-01-02T15:04:05.000Z"), QueryHeaderRaw: header.String(), QueryHeaderSize: header.Len(),
		QueryIPAddress: ip, QueryPayloadRaw: string(body), QueryPayloadSize: len(body), QueryUserAgent: r.UserAgent(),
		RequestID: requestID, ResponseSize: w.size, ResponseStatusCode: w.status, at: start.UTC()})
}

func readAPILogs(c *call) (any, error) {
	var req struct {
		DryRun  bool `json:"DryRun"`
		Filters struct {
			QueryAccessKeys     []string `json:"QueryAccessKeys"`
			QueryAPINames       []string `json:"QueryApiNames"`
			QueryCallNames      []string `json:"QueryCallNames"`
			QueryDateAfter      string   `json:"QueryDateAfter"`
			QueryDateBefore     string   `json:"QueryDateBefore"`
			QueryIPAddresses    []string `json:"QueryIpAddresses"`
			QueryUserAgents     []string `json:"QueryUserAgents"`
			RequestIDs          []string `json:"RequestIds"`
			ResponseStatusCodes []int    `json:"ResponseStatusCodes"`
		} `json:"Filters"`
		With map[string]bool `json:"With"`
		page
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	for k := range req.With {
		if !slices.Contains(logFields, k) {
			return nil, errInvalidValue("With", k, "It is not a field of a log.")
		}
	}
	f := req.Filters
	var after, before time.Time
	var err error
	if f.QueryDateAfter != "" {
		if after, err = parseOAPIDate(f.QueryDateAfter); err != nil {
			return nil, errInvalidValue("QueryDateAfter", f.QueryDateAfter, "It must be an ISO 8601 date or date and time.")
		}
	}
	if f.QueryDateBefore != "" {
		if before, err = parseOAPIDate(f.QueryDateBefore); err != nil {
			return nil, errInvalidValue("QueryDateBefore", f.QueryDateBefore, "It must be an ISO 8601 date or date and time.")
		}
	}
	switch {
	case after.IsZero() && before.IsZero():
		before = c.handler.opts.Now()
		after = before.Add(-apiLogWindow)
	case after.IsZero():
		after = before.Add(-apiLogWindow)
	case before.IsZero():
		before = after.Add(apiLogWindow)
	}
	in := func(list []string, v string) bool { return len(list) == 0 || slices.Contains(list, v) }
	var out []map[string]any
	for _, l := range c.handler.logs.of(c.account.AccountID) {
		if l.at.Before(after) || !l.at.Before(before) || !in(f.QueryAccessKeys, l.QueryAccessKey) || !in(f.QueryAPINames, l.QueryAPIName) ||
			!in(f.QueryCallNames, l.QueryCallName) || !in(f.QueryIPAddresses, l.QueryIPAddress) || !in(f.QueryUserAgents, l.QueryUserAgent) ||
			!in(f.RequestIDs, l.RequestID) || (len(f.ResponseStatusCodes) > 0 && !slices.Contains(f.ResponseStatusCodes, l.ResponseStatusCode)) {
			continue
		}
		out = append(out, l.with(req.With))
	}
	if req.DryRun {
		return struct{}{}, nil
	}
	shown, next, err := paginate(req.page, out)
	if err != nil {
		return nil, err
	}
	return struct {
		Logs          []map[string]any `json:"Logs"`
		NextPageToken string           `json:"NextPageToken,omitempty"`
	}{shown, next}, nil
}

// logFields are the fields of a Log, each shown unless With says false.
var logFields = []string{"AccountId", "CallDuration", "QueryAccessKey", "QueryApiName", "QueryApiVersion", "QueryCallName",
	"QueryDate", "QueryHeaderRaw", "QueryHeaderSize", "QueryIpAddress", "QueryPayloadRaw", "QueryPayloadSize", "QueryUserAgent",
	"RequestId", "ResponseSize", "ResponseStatusCode"}

func (l apiLog) with(with map[string]bool) map[string]any {
	raw, _ := json.Marshal(l)
	var all map[string]any
	_ = json.Unmarshal(raw, &all)
	for k, show := range with {
		if !show {
			delete(all, k)
		}
	}
	return all
}

// eimAllows says whether the policy documents allow the OAPI action:
// an Allow statement whose Action matches "api:<Action>" (or "api:*",
// "*"), and no Deny that does. Resource is not checked: OAPI actions take
// "*" (unverified beyond the examples of OUTSCALE's EIM documentation).
func eimAllows(docs []string, name string) bool {
	allowed := false
	for _, d := range docs {
		var p struct {
			Statement []struct {
				Effect string          `json:"Effect"`
				Action json.RawMessage `json:"Action"`
			} `json:"Statement"`
		}
		if json.Unmarshal([]byte(d), &p) != nil {
			continue
		}
		for _, s := range p.Statement {
			var actions []string
			if json.Unmarshal(s.Action, &actions) != nil {
				var one string
				if json.Unmarshal(s.Action, &one) != nil {
					continue
				}
				actions = []string{one}
			}
			matches := slices.ContainsFunc(actions, func(a string) bool {
				return a == "*" || strings.EqualFold(a, "api:*") || strings.EqualFold(a, "api:"+name)
			})
			switch {
			case matches && s.Effect == "Deny":
				return false
			case matches && s.Effect == "Allow":
				allowed = true
			}
		}
	}
	return allowed
}
