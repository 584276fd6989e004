package store

import (
	"errors"
	"fmt"
	"sync"
	"testing"
)

type doc struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

func stores(t *testing.T) map[string]Store {
	t.Helper()
	b, err := OpenBolt(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return map[string]Store{"memory": NewMemory(), "bolt": b}
}

func TestStore_putGetListDelete(t *testing.T) {
	t.Parallel()
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			err := s.Update(func(tx Tx) error {
				if err := Put(tx, "nets", "vpc-2", doc{Name: "b"}); err != nil {
					return err
				}
				if err := Put(tx, "nets", "vpc-1", doc{Name: "a"}); err != nil {
					return err
				}
				// A transaction sees its own writes.
				got, ok, err := Get[doc](tx, "nets", "vpc-2")
				if err != nil || !ok || got.Name != "b" {
					return fmt.Errorf("read-your-writes: got %+v ok=%v err=%v", got, ok, err)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			_ = s.View(func(tx Tx) error {
				items, err := List[doc](tx, "nets")
				if err != nil {
					t.Fatal(err)
				}
				if len(items) != 2 || items[0].Name != "a" || items[1].Name != "b" {
					t.Fatalf("List = %+v, want a then b (sorted by id)", items)
				}
				if got := tx.Collections(); len(got) != 1 || got[0] != "nets" {
					t.Fatalf("Collections = %v", got)
				}
				if err := tx.Put("nets", "x", []byte("{}")); !errors.Is(err, ErrReadOnly) {
					t.Fatalf("Put in View: err = %v, want ErrReadOnly", err)
				}
				return nil
			})
			if err := s.Update(func(tx Tx) error {
				_ = tx.Delete("nets", "vpc-1")
				return tx.Delete("nets", "vpc-2")
			}); err != nil {
				t.Fatal(err)
			}
			_ = s.View(func(tx Tx) error {
				if _, ok := tx.Get("nets", "vpc-1"); ok {
					t.Fatal("vpc-1 still there after Delete")
				}
				if got := tx.Collections(); len(got) != 0 {
					t.Fatalf("Collections after deleting everything = %v, want none", got)
				}
				return nil
			})
		})
	}
}

func TestStore_failedUpdateKeepsNothing(t *testing.T) {
	t.Parallel()
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			boom := errors.New("boom")
			_ = s.Update(func(tx Tx) error { return Put(tx, "nets", "keep", doc{Name: "kept"}) })
			err := s.Update(func(tx Tx) error {
				_ = Put(tx, "nets", "vpc-1", doc{Name: "half"})
				_ = tx.Delete("nets", "keep")
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatalf("Update error = %v, want boom", err)
			}
			_ = s.View(func(tx Tx) error {
				if _, ok := tx.Get("nets", "vpc-1"); ok {
					t.Error("write of a failed transaction is visible")
				}
				if _, ok := tx.Get("nets", "keep"); !ok {
					t.Error("delete of a failed transaction was applied")
				}
				return nil
			})
		})
	}
}

func TestBolt_persistsAcrossReopen(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	b, err := OpenBolt(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Update(func(tx Tx) error { return Put(tx, "nets", "vpc-1", doc{Name: "a", Count: 3}) }); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	b, err = OpenBolt(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	_ = b.View(func(tx Tx) error {
		got, ok, err := Get[doc](tx, "nets", "vpc-1")
		if err != nil || !ok || got != (doc{Name: "a", Count: 3}) {
			t.Fatalf("after reopen: %+v ok=%v err=%v", got, ok, err)
		}
		return nil
	})
}

// Concurrent read-modify-write updates must not lose increments.
func TestStore_concurrentUpdatesAreSerialised(t *testing.T) {
	t.Parallel()
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			const workers, rounds = 8, 25
			var wg sync.WaitGroup
			for range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range rounds {
						_ = s.Update(func(tx Tx) error {
							d, _, err := Get[doc](tx, "counters", "c")
							if err != nil {
								return err
							}
							d.Count++
							return Put(tx, "counters", "c", d)
						})
						_ = s.View(func(tx Tx) error { _ = tx.List("counters"); return nil })
					}
				}()
			}
			wg.Wait()
			_ = s.View(func(tx Tx) error {
				d, _, _ := Get[doc](tx, "counters", "c")
				if d.Count != workers*rounds {
					t.Fatalf("count = %d, want %d", d.Count, workers*rounds)
				}
				return nil
			})
		})
	}
}
