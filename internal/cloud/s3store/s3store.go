// Package s3store drives the S3-compatible object storage both clouds
// offer (OUTSCALE OOS, OVHcloud Object Storage) with aws-sdk-go-v2's S3
// client, as OUTSCALE's own SDK (osc-sdk-go v3, pkg/oos) does: a custom
// endpoint (BaseEndpoint), path-style addressing, static keys, and request
// checksums only where S3 requires them (the stores reject the SDK's newer
// default checksums).
//
// It owns what is common to both clouds: reading a bucket's settings,
// bringing them to what is asked, emptying a bucket while honouring object
// lock, and deleting it. The SDK's own retries are off: calls are retried
// through cloud.RetryPolicy, paced by the client's limiter, classified
// into the cloud error classes, and logged without secrets.
package s3store

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	smithymiddleware "github.com/aws/smithy-go/middleware"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// Config is how to reach one cloud's object storage.
type Config struct {
	Cloud    string // cloud.Outscale or cloud.OVH, for errors and logs
	Endpoint string // e.g. https://oos.cloudgouv-eu-west-1.outscale.com
	Region   string // the SigV4 signing region
	// BucketPolicies says the store takes bucket policies (OUTSCALE);
	// OVHcloud has none.
	BucketPolicies bool

	HTTPClient *http.Client
	UserAgent  string
	Retry      cloud.RetryPolicy
	Limiter    *cloud.Limiter
	Log        cloud.Logger
}

// Keys are an S3 access key and its secret.
type Keys struct {
	AccessKey string
	SecretKey string
}

// Client calls one store with one key.
type Client struct {
	cfg Config
	api *s3.Client
}

// New returns a client for cfg signing with keys. It makes no call.
func New(cfg Config, keys Keys) *Client {
	httpClient := cfg.HTTPClient
	if httpClient == nil {
		httpClient = &http.Client{Timeout: 5 * time.Minute}
	}
	endpoint := strings.TrimSuffix(cfg.Endpoint, "/")
	api := s3.New(s3.Options{
		Region:                     cfg.Region,
		BaseEndpoint:               aws.String(endpoint),
		UsePathStyle:               true,
		Credentials:                credentials.NewStaticCredentialsProvider(keys.AccessKey, keys.SecretKey, ""),
		HTTPClient:                 httpClient,
		Retryer:                    aws.NopRetryer{},
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
		APIOptions: []func(*smithymiddleware.Stack) error{
			awsmiddleware.AddUserAgentKey(userAgentKey(cfg.UserAgent)),
		},
	})
	return &Client{cfg: cfg, api: api}
}

// userAgentKey turns the provider's user agent into one token of the SDK's.
func userAgentKey(ua string) string {
	if ua == "" {
		return "terraform-provider-health"
	}
	name, _, _ := strings.Cut(ua, " ")
	return name
}

// call runs one S3 operation with pacing, retries, classification and a log
// line per attempt. idempotent says whether a failure on the cloud's side
// may be retried (see cloud.Retryable).
func (c *Client) call(ctx context.Context, operation string, idempotent bool, fn func(ctx context.Context) error) error {
	attempt := 0
	return c.cfg.Retry.Do(ctx, idempotent, func(ctx context.Context) error {
		attempt++
		if c.cfg.Limiter != nil {
			if err := c.cfg.Limiter.Wait(ctx); err != nil {
				return err
			}
		}
		start := time.Now()
		apiErr := classify(c.cfg.Cloud, operation, fn(ctx))
		c.logCall(ctx, operation, attempt, apiErr, time.Since(start))
		if apiErr == nil {
			return nil
		}
		return apiErr
	})
}

func (c *Client) logCall(ctx context.Context, operation string, attempt int, err *cloud.APIError, took time.Duration) {
	if c.cfg.Log == nil {
		return
	}
	fields := map[string]any{"cloud": c.cfg.Cloud, "operation": "s3:" + operation, "attempt": attempt,
		"duration_ms": took.Milliseconds()}
	if err != nil {
		fields["status"] = err.Status
		fields["error"] = err.Error()
	}
	c.cfg.Log.Debug(ctx, "object storage call", fields)
}

// S3 error codes the package tells apart.
const (
	codeNoSuchBucket        = "NoSuchBucket"
	codeNotFound            = "NotFound" // HEAD answers have no body
	codeBucketNotEmpty      = "BucketNotEmpty"
	codeNoSuchPolicy        = "NoSuchBucketPolicy"
	codeNoSuchLifecycle     = "NoSuchLifecycleConfiguration"
	codeNoSuchTagSet        = "NoSuchTagSet"
	codeNoEncryption        = "ServerSideEncryptionConfigurationNotFoundError"
	codeNoObjectLock        = "ObjectLockConfigurationNotFoundError"
	codeNoObjectLockConfig  = "NoSuchObjectLockConfiguration"
	codeOwnedByYou          = "BucketAlreadyOwnedByYou"
	codeAlreadyExists       = "BucketAlreadyExists"
	codeAccessDenied        = "AccessDenied"
	codeNotImplemented      = "NotImplemented"
	codeInvalidBucketState  = "InvalidBucketState"
	codeOperationAborted    = "OperationAborted"
	codeSlowDown            = "SlowDown"
	codeRequestLimit        = "RequestLimitExceeded"
	codeInternalError       = "InternalError"
	codeServiceUnavailable  = "ServiceUnavailable"
	codeInvalidAccessKey    = "InvalidAccessKeyId"
	codeSignatureMismatch   = "SignatureDoesNotMatch"
	codeRequestTimeTooSkewd = "RequestTimeTooSkewed"
)

// classify turns the error of one SDK call into nil or a *cloud.APIError.
func classify(cloudName, operation string, err error) *cloud.APIError {
	if err == nil {
		return nil
	}
	e := &cloud.APIError{Cloud: cloudName, Operation: "s3:" + operation}
	var respErr *awshttp.ResponseError
	if errors.As(err, &respErr) {
		e.Status = respErr.HTTPStatusCode()
		e.RequestID = respErr.ServiceRequestID()
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		e.Code, e.Message = apiErr.ErrorCode(), apiErr.ErrorMessage()
	}
	if e.Status == 0 && e.Code == "" {
		// No answer: the connection failed or the context ended.
		e.Cause = err
		if !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
			e.Class = cloud.ErrUnavailable
		}
		return e
	}
	e.Class = errorClass(e.Status, e.Code)
	return e
}

func errorClass(status int, code string) error {
	switch code {
	case codeNoSuchBucket:
		return cloud.ErrNotFound
	case codeSlowDown, codeRequestLimit, codeServiceUnavailable:
		return cloud.ErrThrottled
	case codeInternalError:
		return cloud.ErrUnavailable
	case codeInvalidAccessKey, codeSignatureMismatch, codeRequestTimeTooSkewd, codeAccessDenied:
		return cloud.ErrAuth
	case codeBucketNotEmpty, codeOwnedByYou, codeAlreadyExists, codeInvalidBucketState, codeOperationAborted:
		return cloud.ErrConflict
	}
	if status == http.StatusServiceUnavailable {
		return cloud.ErrThrottled
	}
	return cloud.StatusClass(status)
}

// hasCode reports whether err is an S3 error with one of codes.
func hasCode(err error, codes ...string) bool {
	var e *cloud.APIError
	if !errors.As(err, &e) {
		return false
	}
	for _, c := range codes {
		if e.Code == c {
			return true
		}
	}
	return false
}

// denied reports an AccessDenied answer: a policy refused the call.
func denied(err error) bool { return hasCode(err, codeAccessDenied) }
