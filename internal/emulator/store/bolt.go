package store

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Bolt is a Store persisted in a bbolt file, one bucket per collection.
type Bolt struct {
	db *bolt.DB
}

// BoltFileName is the name of the database file inside the data directory.
const BoltFileName = "emulator.db"

// OpenBolt opens (or creates) the store kept in dir.
func OpenBolt(dir string) (*Bolt, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("store: creating data directory: %w", err)
	}
	path := filepath.Join(dir, BoltFileName)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("store: opening %s (is another emulator using this data directory?): %w", path, err)
	}
	return &Bolt{db: db}, nil
}

// View runs fn in a bbolt read transaction.
func (b *Bolt) View(fn func(Tx) error) error {
	return b.db.View(func(btx *bolt.Tx) error { return fn(boltTx{btx}) })
}

// Update runs fn in a bbolt write transaction, rolled back if fn fails.
func (b *Bolt) Update(fn func(Tx) error) error {
	return b.db.Update(func(btx *bolt.Tx) error { return fn(boltTx{btx}) })
}

// Close closes the database file.
func (b *Bolt) Close() error {
	if b.db == nil {
		return nil
	}
	err := b.db.Close()
	b.db = nil
	return err
}

type boltTx struct{ tx *bolt.Tx }

func (t boltTx) Get(collection, id string) ([]byte, bool) {
	bucket := t.tx.Bucket([]byte(collection))
	if bucket == nil {
		return nil, false
	}
	doc := bucket.Get([]byte(id))
	if doc == nil {
		return nil, false
	}
	return clone(doc), true
}

func (t boltTx) Put(collection, id string, doc []byte) error {
	if !t.tx.Writable() {
		return ErrReadOnly
	}
	bucket, err := t.tx.CreateBucketIfNotExists([]byte(collection))
	if err != nil {
		return err
	}
	return bucket.Put([]byte(id), doc)
}

func (t boltTx) Delete(collection, id string) error {
	if !t.tx.Writable() {
		return ErrReadOnly
	}
	bucket := t.tx.Bucket([]byte(collection))
	if bucket == nil {
		return nil
	}
	if err := bucket.Delete([]byte(id)); err != nil {
		return err
	}
	if k, _ := bucket.Cursor().First(); k == nil {
		return t.tx.DeleteBucket([]byte(collection))
	}
	return nil
}

func (t boltTx) List(collection string) []Item {
	bucket := t.tx.Bucket([]byte(collection))
	if bucket == nil {
		return nil
	}
	var items []Item
	_ = bucket.ForEach(func(k, v []byte) error {
		items = append(items, Item{ID: string(k), Doc: clone(v)})
		return nil
	})
	return items
}

func (t boltTx) Collections() []string {
	var names []string
	_ = t.tx.ForEach(func(name []byte, b *bolt.Bucket) error {
		if k, _ := b.Cursor().First(); k != nil {
			names = append(names, string(name))
		}
		return nil
	})
	return names
}
