package store

import (
	"sync"
)

// Memory is a Store that lives only as long as the process.
type Memory struct {
	mu          sync.RWMutex
	collections map[string]map[string][]byte
}

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory {
	return &Memory{collections: map[string]map[string][]byte{}}
}

// View runs fn under a shared lock.
func (m *Memory) View(fn func(Tx) error) error {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return fn(&memTx{base: m.collections})
}

// Update runs fn under the exclusive lock. Writes go to an overlay that is
// applied only when fn succeeds.
func (m *Memory) Update(fn func(Tx) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	tx := &memTx{base: m.collections, writable: true, overlay: map[string]map[string][]byte{}}
	if err := fn(tx); err != nil {
		return err
	}
	for coll, docs := range tx.overlay {
		target := m.collections[coll]
		if target == nil {
			target = map[string][]byte{}
			m.collections[coll] = target
		}
		for id, doc := range docs {
			if doc == nil {
				delete(target, id)
			} else {
				target[id] = doc
			}
		}
		if len(target) == 0 {
			delete(m.collections, coll)
		}
	}
	return nil
}

// Close does nothing: memory is released with the store.
func (m *Memory) Close() error { return nil }

// memTx reads through its overlay (pending writes, nil meaning deleted)
// to the committed collections.
type memTx struct {
	base     map[string]map[string][]byte
	overlay  map[string]map[string][]byte
	writable bool
}

func (t *memTx) Get(collection, id string) ([]byte, bool) {
	if docs, ok := t.overlay[collection]; ok {
		if doc, ok := docs[id]; ok {
			return clone(doc), doc != nil
		}
	}
	doc, ok := t.base[collection][id]
	return clone(doc), ok
}

func (t *memTx) Put(collection, id string, doc []byte) error {
	if !t.writable {
		return ErrReadOnly
	}
	t.pending(collection)[id] = clone(doc)
	return nil
}

func (t *memTx) Delete(collection, id string) error {
	if !t.writable {
		return ErrReadOnly
	}
	t.pending(collection)[id] = nil
	return nil
}

func (t *memTx) List(collection string) []Item {
	merged := map[string][]byte{}
	for id, doc := range t.base[collection] {
		merged[id] = doc
	}
	for id, doc := range t.overlay[collection] {
		if doc == nil {
			delete(merged, id)
		} else {
			merged[id] = doc
		}
	}
	items := make([]Item, 0, len(merged))
	for _, id := range sortedKeys(merged) {
		items = append(items, Item{ID: id, Doc: clone(merged[id])})
	}
	return items
}

func (t *memTx) Collections() []string {
	names := map[string]bool{}
	for name := range t.base {
		names[name] = true
	}
	for name := range t.overlay {
		names[name] = true
	}
	var out []string
	for _, name := range sortedKeys(names) {
		if len(t.List(name)) > 0 {
			out = append(out, name)
		}
	}
	return out
}

func (t *memTx) pending(collection string) map[string][]byte {
	docs := t.overlay[collection]
	if docs == nil {
		docs = map[string][]byte{}
		t.overlay[collection] = docs
	}
	return docs
}

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}
