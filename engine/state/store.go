package state

import (
	"fmt"
	"strings"
)

// Configuration keys and backend names, as Flink's.
const (
	ConfigBackendType = "state.backend.type"
	BackendHashMap    = "hashmap"
	BackendPebble     = "pebble"
	// BackendRocksDB is Flink's name for its disk backend; Sluice runs
	// Pebble (a RocksDB-compatible LSM in Go) in its place.
	BackendRocksDB = "rocksdb"
)

// ParseBackendType normalises a state.backend.type value; "" is the
// default, hashmap.
func ParseBackendType(s string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", BackendHashMap:
		return BackendHashMap, nil
	case BackendPebble, BackendRocksDB:
		return BackendPebble, nil
	}
	return "", fmt.Errorf("state: %s = %q: expected %s or %s (%s is an alias of %s)", ConfigBackendType, s, BackendHashMap, BackendPebble, BackendRocksDB, BackendPebble)
}

// store is the byte-level interface both backends implement. ns is the
// state's name; every key belongs to the key group given beside it, which
// must lie in the store's range. Values returned by getBatch and scan stay
// valid until the next write to the store and must not be modified; values
// passed to putBatch are copied.
type store interface {
	getBatch(ns string, kgs []uint16, keys [][]byte, out [][]byte, found []bool) error
	putBatch(ns string, kgs []uint16, keys, vals [][]byte) error
	deleteBatch(ns string, kgs []uint16, keys [][]byte) error
	// scan calls fn for each entry of ns in key group kg whose key starts
	// with prefix, until fn returns false. key and val are valid only
	// during the call; fn must not write to the store.
	scan(ns string, kg uint16, prefix []byte, fn func(key, val []byte) bool) error
	// snapshot captures the store's state synchronously (a short,
	// consistent capture) and returns the function that writes it into
	// dir; writes may continue while that function runs. keep filters
	// entries (TTL cleanup on snapshot) where the backend can.
	snapshot(dir string, keep func(ns string, val []byte) bool) (func() error, error)
	close() error
}
