package s3store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// Records reads what bucket holds under prefix: how many objects, the
// newest, and the retention of the newest (cloud.AuditRecords).
func (c *Client) Records(ctx context.Context, bucket, prefix string) (cloud.AuditRecords, error) {
	out := cloud.AuditRecords{Prefix: prefix}
	in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)}
	for {
		var page *s3.ListObjectsV2Output
		err := c.call(ctx, "ListObjectsV2", true, func(ctx context.Context) error {
			var err error
			page, err = c.api.ListObjectsV2(ctx, in)
			return err
		})
		if err != nil {
			return out, fmt.Errorf("listing s3://%s/%s: %w", bucket, prefix, err)
		}
		for _, o := range page.Contents {
			out.Count++
			if t := aws.ToTime(o.LastModified); t.After(out.Newest) || (t.Equal(out.Newest) && aws.ToString(o.Key) > out.NewestKey) {
				out.Newest, out.NewestKey = t, aws.ToString(o.Key)
			}
		}
		if !aws.ToBool(page.IsTruncated) {
			break
		}
		if out.Count >= cloud.MaxAuditListing {
			out.Truncated = true
			break
		}
		in.ContinuationToken = page.NextContinuationToken
	}
	if out.NewestKey == "" {
		return out, nil
	}
	err := c.call(ctx, "GetObjectRetention", true, func(ctx context.Context) error {
		r, err := c.api.GetObjectRetention(ctx, &s3.GetObjectRetentionInput{Bucket: aws.String(bucket), Key: aws.String(out.NewestKey)})
		if err != nil {
			return err
		}
		if r.Retention != nil {
			out.LockMode, out.RetainUntil = string(r.Retention.Mode), aws.ToTime(r.Retention.RetainUntilDate)
		}
		return nil
	})
	if err != nil && !hasCode(err, codeNoObjectLockConfig, codeNoObjectLock) {
		return out, fmt.Errorf("reading the retention of s3://%s/%s: %w", bucket, out.NewestKey, err)
	}
	return out, nil
}

// Created is the bucket's creation date as ListBuckets gives it; zero when
// the key cannot list buckets or the bucket is not among them.
func (c *Client) Created(ctx context.Context, bucket string) time.Time {
	var created time.Time
	_ = c.call(ctx, "ListBuckets", true, func(ctx context.Context) error {
		out, err := c.api.ListBuckets(ctx, &s3.ListBucketsInput{})
		if err != nil {
			return err
		}
		for _, b := range out.Buckets {
			if aws.ToString(b.Name) == bucket {
				created = aws.ToTime(b.CreationDate)
			}
		}
		return nil
	})
	return created
}

// Trail reads each prefix of bucket (see Records); a prefix starting with
// cloud.AnyTopLevel is looked for at the top of the bucket and under each
// top-level prefix, and the one with the newest record is kept.
func (c *Client) Trail(ctx context.Context, bucket string, prefixes []string) ([]cloud.AuditRecords, error) {
	out := make([]cloud.AuditRecords, len(prefixes))
	reads := make([]func(context.Context) error, len(prefixes))
	var tops []string
	for i, p := range prefixes {
		rest, anywhere := strings.CutPrefix(p, cloud.AnyTopLevel)
		if anywhere && tops == nil {
			var err error
			if tops, err = c.topLevel(ctx, bucket); err != nil {
				return out, err
			}
		}
		reads[i] = func(ctx context.Context) error {
			if !anywhere {
				var err error
				out[i], err = c.Records(ctx, bucket, p)
				return err
			}
			out[i] = cloud.AuditRecords{Prefix: p}
			for _, top := range tops {
				got, err := c.Records(ctx, bucket, top+rest)
				if err != nil {
					return err
				}
				if got.Count > 0 && got.Newest.After(out[i].Newest) {
					out[i] = got
				}
			}
			return nil
		}
	}
	return out, cloud.Parallel(ctx, reads...)
}

// topLevel lists "" and the first-level prefixes of bucket ("bastions/").
func (c *Client) topLevel(ctx context.Context, bucket string) ([]string, error) {
	tops := []string{""}
	in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Delimiter: aws.String("/")}
	for len(tops) <= maxTopLevel {
		var page *s3.ListObjectsV2Output
		err := c.call(ctx, "ListObjectsV2", true, func(ctx context.Context) error {
			var err error
			page, err = c.api.ListObjectsV2(ctx, in)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("listing the prefixes of s3://%s: %w", bucket, err)
		}
		for _, p := range page.CommonPrefixes {
			tops = append(tops, aws.ToString(p.Prefix))
		}
		if !aws.ToBool(page.IsTruncated) {
			break
		}
		in.ContinuationToken = page.NextContinuationToken
	}
	return tops, nil
}

// maxTopLevel bounds the top-level prefixes a search looks under.
const maxTopLevel = 100
