package s3store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// The airlock's object calls: an object read whole to hash it, copied
// through the provider on the condition that it did not change, and small
// records written once.

// MaxRecord is the largest record Record reads.
const MaxRecord = 1 << 20

// Digest reads an object and returns its SHA-256, size and ETag.
func (c *Client) Digest(ctx context.Context, bucket, key string) (cloud.ObjectDigest, error) {
	var out cloud.ObjectDigest
	err := c.call(ctx, "GetObject", true, func(ctx context.Context) error {
		resp, err := c.api.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		h := sha256.New()
		n, err := io.Copy(h, resp.Body)
		if err != nil {
			return err
		}
		out = cloud.ObjectDigest{SHA256: hex.EncodeToString(h.Sum(nil)), Size: n, ETag: aws.ToString(resp.ETag)}
		return nil
	})
	return out, err
}

// Open reads an object while its ETag is still etag (If-Match); the caller
// closes the body.
func (c *Client) Open(ctx context.Context, bucket, key, etag string) (io.ReadCloser, int64, error) {
	var body io.ReadCloser
	var size int64
	err := c.call(ctx, "GetObject", true, func(ctx context.Context) error {
		in := &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}
		if etag != "" {
			in.IfMatch = aws.String(etag)
		}
		resp, err := c.api.GetObject(ctx, in)
		if err != nil {
			return err
		}
		body, size = resp.Body, aws.ToInt64(resp.ContentLength)
		return nil
	})
	return body, size, err
}

// Write puts an object from body (size bytes); with once, it refuses to
// replace an existing object (If-None-Match: *: ErrConflict).
func (c *Client) Write(ctx context.Context, bucket, key string, body io.Reader, size int64, contentType string, once bool) error {
	// Not retried: the body is a stream read once.
	return c.call(ctx, "PutObject", false, func(ctx context.Context) error {
		in := &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: body, ContentLength: aws.Int64(size)}
		if contentType != "" {
			in.ContentType = aws.String(contentType)
		}
		if once {
			in.IfNoneMatch = aws.String("*")
		}
		var opts []func(*s3.Options)
		if _, seekable := body.(io.Seeker); !seekable {
			// A stream is signed as UNSIGNED-PAYLOAD: hashing it first would
			// mean holding it whole.
			opts = append(opts, s3.WithAPIOptions(v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware))
		}
		_, err := c.api.PutObject(ctx, in, opts...)
		return err
	})
}

// Record reads a small object whole: cloud.ErrNotFound when it is absent.
func (c *Client) Record(ctx context.Context, bucket, key string) ([]byte, error) {
	var out []byte
	err := c.call(ctx, "GetObject", true, func(ctx context.Context) error {
		resp, err := c.api.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		out, err = io.ReadAll(io.LimitReader(resp.Body, MaxRecord+1))
		if err == nil && len(out) > MaxRecord {
			return fmt.Errorf("s3://%s/%s is larger than %d bytes: not a record", bucket, key, MaxRecord)
		}
		return err
	})
	return out, err
}

// Copy copies src to dst through the provider (each side may take its own
// key), as long as src's ETag is still etag, and returns the SHA-256 of
// what it copied.
func Copy(ctx context.Context, src *Client, srcBucket, srcKey, etag string, dst *Client, dstBucket, dstKey string) (string, error) {
	body, size, err := src.Open(ctx, srcBucket, srcKey, etag)
	if err != nil {
		return "", err
	}
	defer body.Close()
	h := sha256.New()
	if err := dst.Write(ctx, dstBucket, dstKey, io.TeeReader(body, h), size, "", false); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// WriteRecord writes a small record once.
func (c *Client) WriteRecord(ctx context.Context, bucket, key string, record []byte) error {
	return c.Write(ctx, bucket, key, bytes.NewReader(record), int64(len(record)), "application/json", true)
}
