package ovh

import (
	"crypto/rand"
	"crypto/sha1" //nolint:gosec // the OVH API signature is SHA-1 by definition ("$1$").
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// authenticate checks the caller's credentials: an OAuth2 bearer token, or
// the application key, consumer key, timestamp and "$1$" signature headers.
func (h *Handler) authenticate(c *call) error {
	r := c.r
	if token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		account, client, ok := h.lookupToken(token)
		if !ok {
			return &Error{Status: http.StatusUnauthorized, Class: "Client::Unauthorized",
				ErrorCode: "INVALID_CREDENTIAL", Message: "The access token is invalid or expired"}
		}
		c.account, c.method, c.client = account, "oauth2", client
		return nil
	}

	ak := r.Header.Get("X-Ovh-Application")
	if ak == "" {
		// The real answer carries no errorCode here, only the message.
		return &Error{Status: http.StatusUnauthorized, Class: "Client::Unauthorized", Message: "You must login first"}
	}
	account, ok := h.byAK[ak]
	if !ok {
		return &Error{Status: http.StatusForbidden, Class: "Client::Forbidden",
			ErrorCode: "INVALID_KEY", Message: "This application key is invalid"}
	}
	ck := r.Header.Get("X-Ovh-Consumer")
	if byCK, ok := h.byCK[ck]; !ok || byCK.ApplicationKey != ak {
		return &Error{Status: http.StatusForbidden, Class: "Client::Forbidden",
			ErrorCode: "NOT_CREDENTIAL", Message: "This credential does not exist"}
	}
	ts, err := strconv.ParseInt(r.Header.Get("X-Ovh-Timestamp"), 10, 64)
	if err != nil {
		return &Error{Status: http.StatusBadRequest, Class: "Client::BadRequest",
			ErrorCode: "INVALID_SIGNATURE", Message: "Invalid timestamp"}
	}
	if skew := h.opts.Now().Sub(time.Unix(ts, 0)); skew > MaxTimestampSkew || skew < -MaxTimestampSkew {
		return &Error{Status: http.StatusBadRequest, Class: "Client::BadRequest",
			ErrorCode: "QUERY_TIME_OUT", Message: "Query out of time"}
	}
	target := "http://" + r.Host + r.URL.RequestURI()
	if r.TLS != nil {
		target = "https://" + r.Host + r.URL.RequestURI()
	}
	sum := sha1.Sum([]byte(fmt.Sprintf("%s+%s+%s+%s+%s+%d",
		account.ApplicationSecret, ck, r.Method, target, c.body, ts))) //nolint:gosec // see import
	want := "$1$" + hex.EncodeToString(sum[:])
	if subtle.ConstantTimeCompare([]byte(want), []byte(r.Header.Get("X-Ovh-Signature"))) != 1 {
		return &Error{Status: http.StatusBadRequest, Class: "Client::BadRequest",
			ErrorCode: "INVALID_SIGNATURE", Message: "Invalid signature"}
	}
	c.account, c.method = account, "application"
	return nil
}

// OAuth2 access tokens live an hour. Only their SHA-256 is stored.
const tokenLifetime = time.Hour

const tokensCollection = "ovh.oauth2_tokens"

type storedToken struct {
	ClientID  string    `json:"client_id"`
	ExpiresAt time.Time `json:"expires_at"`
	// Service is set for a service account's token (iam.go): ClientID is
	// then one of oauth2ClientsCollection, of the account Nic.
	Service bool   `json:"service,omitempty"`
	Nic     string `json:"nic,omitempty"`
}

func tokenKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// lookupToken returns the token's account, and its service account's
// client id when a service account holds it. A service account's token
// stops working when its client is deleted.
func (h *Handler) lookupToken(token string) (Account, string, bool) {
	var st storedToken
	var found, client bool
	_ = h.opts.Store.View(func(tx store.Tx) error {
		st, found, _ = store.Get[storedToken](tx, tokensCollection, tokenKey(token))
		if found && st.Service {
			var s serviceClient
			s, client, _ = store.Get[serviceClient](tx, oauth2ClientsCollection, st.ClientID)
			client = client && s.Nic == st.Nic
		}
		return nil
	})
	if !found || h.opts.Now().After(st.ExpiresAt) {
		return Account{}, "", false
	}
	if st.Service {
		account, ok := h.byNic[st.Nic]
		return account, st.ClientID, ok && client
	}
	account, ok := h.byCID[st.ClientID]
	return account, "", ok
}

// oauth2Token is the client-credentials grant of OVHcloud's OAuth2 server,
// served here at /auth/oauth2/token (www.ovh.com/auth/oauth2/token in the EU).
func (h *Handler) oauth2Token(w http.ResponseWriter, r *http.Request) {
	h.opts.Faults.Serve(w, r, "ovh:POST /auth/oauth2/token",
		func(w http.ResponseWriter, status int) { writeError(w, faultError(status)) },
		func(w http.ResponseWriter) {
			if err := r.ParseForm(); err != nil {
				writeOAuth2Error(w, http.StatusBadRequest, "invalid_request", "the request body is not a form")
				return
			}
			if gt := r.PostForm.Get("grant_type"); gt != "client_credentials" {
				writeOAuth2Error(w, http.StatusBadRequest, "unsupported_grant_type", "only client_credentials is supported")
				return
			}
			id, secret, ok := r.BasicAuth()
			if !ok {
				id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
			}
			st := storedToken{ClientID: id, ExpiresAt: h.opts.Now().Add(tokenLifetime)}
			account, known := h.byCID[id]
			if known && subtle.ConstantTimeCompare([]byte(account.ClientSecret), []byte(secret)) != 1 {
				known = false
			}
			var service string
			if !known {
				// A service account of an account (iam.go).
				s, ok := h.serviceToken(id, secret)
				if !ok {
					writeOAuth2Error(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
					return
				}
				account, st.Service, st.Nic, service = h.byNic[s.Nic], true, s.Nic, s.ClientID
			}
			token := randomHex(32)
			err := h.opts.Store.Update(func(tx store.Tx) error {
				return store.Put(tx, tokensCollection, tokenKey(token), st)
			})
			if err != nil {
				writeOAuth2Error(w, http.StatusInternalServerError, "server_error", "could not store the token")
				return
			}
			c := &call{handler: h, r: r, account: account, client: service}
			h.audit.add(account.NicHandle, c.auditEntry("LOGIN_SUCCESS", func(l *auditLog) {
				l.LoginSuccessDetails = &auditLoginSuccess{UserAgent: r.UserAgent()}
			}))
			w.Header().Set("Cache-Control", "no-store")
			writeJSON(w, http.StatusOK, map[string]any{
				"access_token": token,
				"token_type":   "Bearer",
				"expires_in":   int(tokenLifetime.Seconds()) - 1,
				"scope":        "all",
			})
		})
}

func writeOAuth2Error(w http.ResponseWriter, status int, code, description string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": description})
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
