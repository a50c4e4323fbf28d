// Package state owns keyed and operator state for the engine's stateful
// operators: the state API (ValueState, ListState, MapState declared by
// descriptors, operator list state with split/union redistribution, state
// TTL), the two backends behind it (hashmap in memory, pebble on local disk;
// chosen by state.backend.type, rocksdb accepted as an alias of pebble) and
// their snapshots (a directory per snapshot, a manifest written last) and
// restores, including restores into a different key-group range.
//
// The model is Flink's: keyed state is scoped by key group, the unit the
// hash exchange assigns to subtasks, and a backend instance owns one
// contiguous KeyGroupRange (Flink's KeyGroupRangeAssignment). Access is a
// batch at a time — keys and values are bytes at the backend boundary, with
// each key's key group supplied by the caller — so vectorized operators
// never walk a map per row through Go interfaces.
//
// It must not compute key groups from rows (the engine's hash exchange does,
// and callers pass the result), know about operators, batches, SQL or
// checkpoint coordination, or import package engine (the engine imports
// this package, not the reverse).
//
// # Snapshot layout
//
// A snapshot is a directory. The hashmap backend writes one file per
// non-empty key group, kg-NNNNN.bin: records of (state name, key, value),
// each field length-prefixed with a uvarint, sorted, then a footer of the
// record count (8 bytes) and the CRC-32 (Castagnoli) of everything before
// it. The pebble backend writes db/, a Pebble checkpoint (hard links to the
// live sstables, so consecutive snapshots share unchanged files), whose keys
// start with the big-endian key group so a key-group range is one
// contiguous key range. MANIFEST.json (backend, key-group range, every
// file with its size and, for hashmap and operator files, its CRC) is
// written last through a rename: a directory without it, or whose files do
// not match it, is rejected with an error naming the file. Operator state
// is written as operator.bin in a directory of its own. Restore reads
// any number of snapshot directories of either backend and keeps only the
// key groups of the restoring instance's range, which is what makes
// rescaling work.
package state
