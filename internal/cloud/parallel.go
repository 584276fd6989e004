package cloud

import (
	"context"
	"errors"
	"sync"
)

// Parallel runs the independent steps fns at once and waits for all of
// them; it returns their errors joined, in the order of fns. A failed step
// does not stop the others: each records what it made, so that a failed
// create still returns everything that exists. The client's rate limiter
// paces the calls they make.
func Parallel(ctx context.Context, fns ...func(ctx context.Context) error) error {
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = fn(ctx)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Each runs fn for every item at once (see Parallel).
func Each[T any](ctx context.Context, items []T, fn func(ctx context.Context, item T) error) error {
	fns := make([]func(context.Context) error, len(items))
	for i, it := range items {
		fns[i] = func(ctx context.Context) error { return fn(ctx, it) }
	}
	return Parallel(ctx, fns...)
}
