package state

import (
	"fmt"
	"maps"
	"sync"
)

// hashStore is the hashmap backend: one Go map per (state, key group), as
// Flink's HashMapStateBackend keeps a StateTable split into key-group
// maps. Snapshots are copy-on-write at key-group granularity (Flink's
// CopyOnWriteStateMap does it per entry): capturing a snapshot only marks
// every map shared, and the first write to a shared map clones it, so the
// capture is short and the snapshot is written while writes go on.
type hashStore struct {
	r      KeyGroupRange
	mu     sync.Mutex // writes against snapshot capture
	tables map[string]*hashTable
}

type hashTable struct {
	groups []map[string][]byte // index kg - r.Start; nil until written
	shared []bool              // the map is referenced by a snapshot in progress
}

func newHashStore(r KeyGroupRange) *hashStore {
	return &hashStore{r: r, tables: map[string]*hashTable{}}
}

func (s *hashStore) table(ns string) *hashTable {
	t := s.tables[ns]
	if t == nil {
		t = &hashTable{groups: make([]map[string][]byte, s.r.Len()), shared: make([]bool, s.r.Len())}
		s.tables[ns] = t
	}
	return t
}

func (s *hashStore) index(kg uint16) (int, error) {
	if !s.r.Contains(int(kg)) {
		return 0, fmt.Errorf("state: key group %d is outside this backend's range %s", kg, s.r)
	}
	return int(kg) - s.r.Start, nil
}

// writable returns the map of key group i, cloning it first when a
// snapshot still holds it.
func (t *hashTable) writable(i int) map[string][]byte {
	m := t.groups[i]
	switch {
	case m == nil:
		m = map[string][]byte{}
		t.groups[i] = m
	case t.shared[i]:
		m = maps.Clone(m)
		t.groups[i] = m
		t.shared[i] = false
	}
	return m
}

func (s *hashStore) getBatch(ns string, kgs []uint16, keys [][]byte, out [][]byte, found []bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tables[ns]
	for i, k := range keys {
		gi, err := s.index(kgs[i])
		if err != nil {
			return err
		}
		var v []byte
		ok := false
		if t != nil && t.groups[gi] != nil {
			v, ok = t.groups[gi][string(k)]
		}
		out[i], found[i] = v, ok
	}
	return nil
}

func (s *hashStore) putBatch(ns string, kgs []uint16, keys, vals [][]byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.table(ns)
	for i, k := range keys {
		gi, err := s.index(kgs[i])
		if err != nil {
			return err
		}
		// Stored values are never modified in place (a snapshot may be
		// writing them), so each put stores a fresh copy.
		t.writable(gi)[string(k)] = append([]byte(nil), vals[i]...)
	}
	return nil
}

func (s *hashStore) deleteBatch(ns string, kgs []uint16, keys [][]byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tables[ns]
	for i, k := range keys {
		gi, err := s.index(kgs[i])
		if err != nil {
			return err
		}
		if t == nil || t.groups[gi] == nil {
			continue
		}
		if _, ok := t.groups[gi][string(k)]; ok {
			delete(t.writable(gi), string(k))
		}
	}
	return nil
}

func (s *hashStore) scan(ns string, kg uint16, prefix []byte, fn func(key, val []byte) bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	gi, err := s.index(kg)
	if err != nil {
		return err
	}
	t := s.tables[ns]
	if t == nil {
		return nil
	}
	for k, v := range t.groups[gi] {
		if len(k) >= len(prefix) && k[:len(prefix)] == string(prefix) {
			if !fn([]byte(k), v) {
				break
			}
		}
	}
	return nil
}

type capturedMap struct {
	ns string
	m  map[string][]byte
}

func (s *hashStore) snapshot(dir string, keep func(ns string, val []byte) bool) (func() error, error) {
	w, err := newSnapshotWriter(dir, BackendHashMap, s.r)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	groups := make([][]capturedMap, s.r.Len())
	for ns, t := range s.tables {
		for i, m := range t.groups {
			if len(m) > 0 {
				t.shared[i] = true
				groups[i] = append(groups[i], capturedMap{ns, m})
			}
		}
	}
	s.mu.Unlock()
	return func() error {
		for i, cms := range groups {
			if len(cms) == 0 {
				continue
			}
			var recs []record
			for _, cm := range cms {
				for k, v := range cm.m {
					if keep == nil || keep(cm.ns, v) {
						recs = append(recs, record{ns: cm.ns, key: []byte(k), val: v})
					}
				}
			}
			if err := w.writeKeyGroup(s.r.Start+i, recs); err != nil {
				return err
			}
		}
		return w.finish()
	}, nil
}

func (s *hashStore) close() error {
	s.mu.Lock()
	s.tables = map[string]*hashTable{}
	s.mu.Unlock()
	return nil
}
