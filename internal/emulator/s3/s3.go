// Package s3 emulates the S3-compatible object storage of both clouds
// (Outscale OOS, OVHcloud Object Storage), path style, under one prefix of
// the emulator's listener: http://<emulator>/s3/<bucket>/<key>.
//
// This is the skeleton: it verifies AWS Signature Version 4 (service "s3")
// and answers S3's XML error shape; bucket operations come with the storage
// resource.
package s3

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/faults"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/sigv4"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// Prefix is the path under which the S3 endpoint is served.
const Prefix = "/s3"

// Credential is an S3 access key and the owner it belongs to.
type Credential struct {
	AccessKey string
	SecretKey string
	Owner     string // account or project the buckets belong to
}

// Options configure the handler.
type Options struct {
	Store  store.Store
	Faults *faults.Injector
	// Credentials returns the credential of an access key. It is a function
	// because OVH S3 credentials are created through the OVH API at run time.
	Credentials func(accessKey string) (Credential, bool)
	Now         func() time.Time
}

// Handler serves the S3 API.
type Handler struct {
	opts     Options
	verifier *sigv4.Verifier
}

// New returns the handler.
func New(opts Options) *Handler {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	h := &Handler{opts: opts}
	h.verifier = &sigv4.Verifier{
		Schemes: []sigv4.Scheme{sigv4.AWS4},
		Secret: func(ak string) (string, bool) {
			c, ok := opts.Credentials(ak)
			return c.SecretKey, ok
		},
		Now:                opts.Now,
		SinglePathEncoding: true,
		MaxSkew:            15 * time.Minute, // S3's RequestTimeTooSkewed limit
	}
	return h
}

// ServeHTTP serves requests under Prefix.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := newRequestID()
	w.Header().Set("X-Amz-Request-Id", requestID)
	resource := strings.TrimPrefix(r.URL.Path, Prefix)
	op := operation(r.Method, resource)
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err != nil {
		return
	}
	h.opts.Faults.Serve(w, r, "s3:"+op,
		func(w http.ResponseWriter, status int) { writeError(w, requestID, resource, faultError(status)) },
		func(w http.ResponseWriter) {
			if _, err := h.verifier.Verify(r, body); err != nil {
				writeError(w, requestID, resource, authError(err))
				return
			}
			switch op {
			case "ListBuckets":
				writeXML(w, http.StatusOK, listAllMyBucketsResult{Xmlns: xmlns})
			default:
				writeError(w, requestID, resource, &Error{Status: http.StatusNotImplemented, Code: "NotImplemented",
					Message: "A header or query you provided implies functionality that is not implemented."})
			}
		})
}

// operation names the S3 operation of a request, for call counts and faults.
func operation(method, resource string) string {
	bucket, key, _ := strings.Cut(strings.TrimPrefix(resource, "/"), "/")
	switch {
	case bucket == "" && method == http.MethodGet:
		return "ListBuckets"
	case key == "":
		return method + "Bucket"
	default:
		return method + "Object"
	}
}

const xmlns = "http://s3.amazonaws.com/doc/2006-03-01/"

type listAllMyBucketsResult struct {
	XMLName xml.Name `xml:"ListAllMyBucketsResult"`
	Xmlns   string   `xml:"xmlns,attr"`
	Owner   struct {
		ID string `xml:"ID"`
	} `xml:"Owner"`
	Buckets struct{} `xml:"Buckets"`
}

// Error is an S3 error.
type Error struct {
	Status  int
	Code    string
	Message string
}

type errorBody struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string   `xml:"Code"`
	Message   string   `xml:"Message"`
	Resource  string   `xml:"Resource,omitempty"`
	RequestID string   `xml:"RequestId"`
}

func writeError(w http.ResponseWriter, requestID, resource string, e *Error) {
	writeXML(w, e.Status, errorBody{Code: e.Code, Message: e.Message, Resource: resource, RequestID: requestID})
}

func writeXML(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, xml.Header)
	_ = xml.NewEncoder(w).Encode(v)
}

func authError(err error) *Error {
	kind := sigv4.Malformed
	if e, ok := sigv4.AsError(err); ok {
		kind = e.Kind
	}
	switch kind {
	case sigv4.Missing:
		return &Error{Status: http.StatusForbidden, Code: "AccessDenied", Message: "Access Denied"}
	case sigv4.UnknownKey:
		return &Error{Status: http.StatusForbidden, Code: "InvalidAccessKeyId",
			Message: "The AWS Access Key Id you provided does not exist in our records."}
	case sigv4.Expired:
		return &Error{Status: http.StatusForbidden, Code: "RequestTimeTooSkewed",
			Message: "The difference between the request time and the current time is too large."}
	case sigv4.Mismatch:
		if strings.Contains(err.Error(), "X-Amz-Content-Sha256") {
			return &Error{Status: http.StatusBadRequest, Code: "XAmzContentSHA256Mismatch",
				Message: "The provided 'x-amz-content-sha256' header does not match what was computed."}
		}
		return &Error{Status: http.StatusForbidden, Code: "SignatureDoesNotMatch",
			Message: "The request signature we calculated does not match the signature you provided. Check your key and signing method."}
	default:
		return &Error{Status: http.StatusBadRequest, Code: "AuthorizationHeaderMalformed", Message: err.Error()}
	}
}

func faultError(status int) *Error {
	switch status {
	case http.StatusServiceUnavailable:
		return &Error{Status: status, Code: "SlowDown", Message: "Please reduce your request rate."}
	case http.StatusInternalServerError:
		return &Error{Status: status, Code: "InternalError", Message: "We encountered an internal error. Please try again."}
	default:
		return &Error{Status: status, Code: "ServiceUnavailable", Message: "Injected failure."}
	}
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return strings.ToUpper(hex.EncodeToString(b[:]))
}
