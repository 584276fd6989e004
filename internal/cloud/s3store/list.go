package s3store

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
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
