package s3store

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// List returns the names of the buckets the key's owner has, in the
// order the store gives them. It only reads.
func (c *Client) List(ctx context.Context) ([]string, error) {
	var names []string
	err := c.call(ctx, "ListBuckets", true, func(ctx context.Context) error {
		names = names[:0]
		p := s3.NewListBucketsPaginator(c.api, &s3.ListBucketsInput{})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				return err
			}
			for _, b := range out.Buckets {
				names = append(names, aws.ToString(b.Name))
			}
		}
		return nil
	})
	return names, err
}

// SampleEncryption lists up to maxListed current objects of a bucket, picks
// the n newest and asks the store, without any key, how each is encrypted:
// a HEAD of an SSE-C object without its key is refused with 400 Bad Request
// (S3's documented answer; OOS's and OVHcloud's are unverified beyond the
// emulator, which answers as S3 does), and any other object is described
// with the server-side encryption the store applied.
func (c *Client) SampleEncryption(ctx context.Context, name string, n, maxListed int) (cloud.EncryptionSample, error) {
	var out cloud.EncryptionSample
	var all []cloud.ObjectEncryption
	in := &s3.ListObjectsV2Input{Bucket: aws.String(name), MaxKeys: aws.Int32(int32(min(1000, maxListed)))}
listing:
	for {
		var page *s3.ListObjectsV2Output
		err := c.call(ctx, "ListObjectsV2", true, func(ctx context.Context) error {
			var err error
			page, err = c.api.ListObjectsV2(ctx, in)
			return err
		})
		if err != nil {
			return out, fmt.Errorf("listing the objects of the bucket %s: %w", name, err)
		}
		for i, o := range page.Contents {
			if len(all) == maxListed {
				out.Truncated = true
				break listing
			}
			if strings.HasPrefix(aws.ToString(o.Key), cloud.WrappedKeyPrefix) {
				continue
			}
			all = append(all, cloud.ObjectEncryption{Key: aws.ToString(o.Key), LastModified: aws.ToTime(o.LastModified)})
			if len(all) == maxListed && (i < len(page.Contents)-1 || aws.ToBool(page.IsTruncated)) {
				out.Truncated = true
				break listing
			}
		}
		if !aws.ToBool(page.IsTruncated) {
			break
		}
		in.ContinuationToken = page.NextContinuationToken
	}
	out.Listed = len(all)
	sort.SliceStable(all, func(i, j int) bool {
		if !all[i].LastModified.Equal(all[j].LastModified) {
			return all[i].LastModified.After(all[j].LastModified)
		}
		return all[i].Key < all[j].Key
	})
	for _, o := range all[:min(n, len(all))] {
		var head *s3.HeadObjectOutput
		err := c.call(ctx, "HeadObject", true, func(ctx context.Context) error {
			var err error
			head, err = c.api.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(name), Key: aws.String(o.Key)})
			return err
		})
		var apiErr *cloud.APIError
		switch {
		case err == nil:
			o.SSEAlgorithm = string(head.ServerSideEncryption)
			o.CustomerKey = aws.ToString(head.SSECustomerAlgorithm) != ""
		case errors.As(err, &apiErr) && apiErr.Status == http.StatusBadRequest:
			o.CustomerKey = true
		case errors.Is(err, cloud.ErrNotFound) || hasCode(err, codeNotFound):
			continue // deleted since the listing
		default:
			return out, fmt.Errorf("reading the object %s of the bucket %s: %w", o.Key, name, err)
		}
		out.Objects = append(out.Objects, o)
	}
	return out, nil
}
