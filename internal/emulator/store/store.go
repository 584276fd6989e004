// Package store is the emulator's state: named collections of JSON documents,
// read and written in transactions, kept in memory or in a bbolt file.
//
// Every request handler of the emulator works inside one transaction, so a
// request either applies all of its changes or none, and concurrent requests
// never see each other's half-done work.
package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
)

// Store holds the emulator's collections.
type Store interface {
	// View runs fn in a read-only transaction.
	View(fn func(Tx) error) error
	// Update runs fn in a read-write transaction. If fn returns an error,
	// none of its writes are kept.
	Update(fn func(Tx) error) error
	// Close releases the store. It is safe to call more than once.
	Close() error
}

// Tx is a transaction over the store's collections.
type Tx interface {
	// Get returns the document stored under id in collection.
	Get(collection, id string) ([]byte, bool)
	// Put stores doc under id in collection, creating the collection if needed.
	Put(collection, id string, doc []byte) error
	// Delete removes id from collection. Deleting a missing id is not an error.
	Delete(collection, id string) error
	// List returns the documents of collection, sorted by id.
	List(collection string) []Item
	// Collections returns the names of the non-empty collections, sorted.
	Collections() []string
}

// Item is one document of a collection.
type Item struct {
	ID  string
	Doc []byte
}

// ErrReadOnly is returned by writes inside View.
var ErrReadOnly = errors.New("store: write in a read-only transaction")

// Get decodes the document stored under id in collection into a T.
func Get[T any](tx Tx, collection, id string) (T, bool, error) {
	var v T
	doc, ok := tx.Get(collection, id)
	if !ok {
		return v, false, nil
	}
	if err := json.Unmarshal(doc, &v); err != nil {
		return v, true, fmt.Errorf("store: decoding %s/%s: %w", collection, id, err)
	}
	return v, true, nil
}

// Put encodes v as JSON and stores it under id in collection.
func Put(tx Tx, collection, id string, v any) error {
	doc, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("store: encoding %s/%s: %w", collection, id, err)
	}
	return tx.Put(collection, id, doc)
}

// List decodes every document of collection into a T, in id order.
func List[T any](tx Tx, collection string) ([]T, error) {
	items := tx.List(collection)
	out := make([]T, 0, len(items))
	for _, it := range items {
		var v T
		if err := json.Unmarshal(it.Doc, &v); err != nil {
			return nil, fmt.Errorf("store: decoding %s/%s: %w", collection, it.ID, err)
		}
		out = append(out, v)
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
