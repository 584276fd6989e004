package ovh

import (
	"net"
	"sync"
)

// The account's audit logs, GET /me/logs/audit (audit.Log[] of the /me
// section's schema; no parameter, x-iam-action
// account:apiovh:me/logs/audit/get). OVHcloud documents them as the
// security-relevant record of the account: logins, password changes, and
// IAM users, groups, tokens, policies and identity providers made, changed
// or deleted (audit.LogTypeEnum).
//
// What the emulator records, of what it serves:
//   - LOGIN_SUCCESS for every OAuth2 token it grants (the account's own
//     client or a service account): the emulator's stand-in for a login,
//     since it has no Control Panel. Whether OVHcloud audits
//     client-credentials grants, and as LOGIN_SUCCESS, is unverified.
//   - POLICY_CREATED, POLICY_MODIFIED and POLICY_DELETED for the IAM
//     policy routes, with the schema's details.
//
// Not recorded: signed (application key) calls and every other route,
// which OVHcloud keeps in the activity logs (/me/api/log), not emulated;
// the creation and deletion of OAuth2 clients, for which audit.LogTypeEnum
// has no type. The records live in memory (the newest maxAuditLogs per
// handler, lost at a restart, like OUTSCALE's API logs in the emulator).
// The real route's window and order are unverified: the emulator answers
// every record it holds, oldest first.

const maxAuditLogs = 10000

// auditLog is audit.Log, with the details the emulator records.
type auditLog struct {
	CreatedAt             string             `json:"createdAt"`
	Type                  string             `json:"type"`
	IP                    *string            `json:"ip"`
	AuthDetails           *auditAuthDetails  `json:"authDetails"`
	LoginSuccessDetails   *auditLoginSuccess `json:"loginSuccessDetails,omitempty"`
	PolicyCreatedDetails  *auditPolicyChange `json:"policyCreatedDetails,omitempty"`
	PolicyModifiedDetails *auditPolicyChange `json:"policyModifiedDetails,omitempty"`
	PolicyDeletedDetails  *auditPolicyChange `json:"policyDeletedDetails,omitempty"`
	nic                   string
}

type auditAuthDetails struct {
	UserDetails auditUserDetails `json:"userDetails"`
}

// auditUserDetails is audit.LogAuthUserDetails: type ACCOUNT, PROVIDER or
// USER. A service account is recorded as USER named by its client id
// (unverified).
type auditUserDetails struct {
	Type string  `json:"type"`
	User *string `json:"user"`
}

type auditLoginSuccess struct {
	MFAType   *string `json:"mfaType"`
	UserAgent string  `json:"userAgent"`
}

// auditPolicyChange is audit.LogPolicy{Created,Modified,Deleted}Details.
type auditPolicyChange struct {
	PolicyID   string              `json:"policyId"`
	PolicyName string              `json:"policyName"`
	New        *auditPolicyDetails `json:"new,omitempty"`
	Old        *auditPolicyDetails `json:"old,omitempty"`
	Added      *auditPolicyChanges `json:"added,omitempty"`
	Removed    *auditPolicyChanges `json:"removed,omitempty"`
}

type auditPolicyDetails struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

type auditPolicyChanges struct {
	Identities []string `json:"identities"`
	Resources  []string `json:"resources"`
}

type auditBook struct {
	mu      sync.Mutex
	entries []auditLog
}

func (b *auditBook) add(nic string, l auditLog) {
	b.mu.Lock()
	defer b.mu.Unlock()
	l.nic = nic
	if len(b.entries) >= maxAuditLogs {
		b.entries = b.entries[len(b.entries)-maxAuditLogs+1:]
	}
	b.entries = append(b.entries, l)
}

func (b *auditBook) of(nic string) []auditLog {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := []auditLog{}
	for _, l := range b.entries {
		if l.nic == nic {
			out = append(out, l)
		}
	}
	return out
}

// auditTime is the records' createdAt: UTC with microseconds, fixed width
// (the real API's precision is unverified).
const auditTime = "2006-01-02T15:04:05.000000Z07:00"

// auditEntry is a record of type kind about the call's caller.
func (c *call) auditEntry(kind string, details func(*auditLog)) auditLog {
	l := auditLog{CreatedAt: c.handler.opts.Now().UTC().Format(auditTime), Type: kind, IP: remoteIP(c.r.RemoteAddr),
		AuthDetails: &auditAuthDetails{UserDetails: auditUserDetails{Type: "ACCOUNT"}}}
	if c.client != "" {
		id := c.client
		l.AuthDetails.UserDetails = auditUserDetails{Type: "USER", User: &id}
	}
	details(&l)
	return l
}

func remoteIP(addr string) *string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil
	}
	return &host
}

func listAuditLogs(c *call) (any, error) {
	return c.handler.audit.of(c.account.NicHandle), nil
}
