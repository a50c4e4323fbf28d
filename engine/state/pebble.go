package state

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/vfs"
)

// pebbleCheckpointDir is the subdirectory of a snapshot holding the Pebble
// checkpoint.
const pebbleCheckpointDir = "db"

// pebbleStore is the disk backend, Flink's EmbeddedRocksDBStateBackend
// with Pebble in RocksDB's place. Every key starts with its big-endian key
// group (Flink's RocksDB backend prefixes keys with the key group for the
// same reason): a key-group range is one contiguous key range, so restores
// read only the ranges they keep.
type pebbleStore struct {
	r   KeyGroupRange
	db  *pebble.DB
	dir string
	buf []byte
}

func openPebbleStore(parent string, r KeyGroupRange) (*pebbleStore, error) {
	if parent == "" {
		return nil, fmt.Errorf("state: the %s backend needs a local directory", BackendPebble)
	}
	// Each instance works in a fresh directory of its own under parent
	// (as Flink's RocksDB backend under state.backend.rocksdb.localdir):
	// durability comes from snapshots, not from the WAL (Flink runs RocksDB
	// with its WAL disabled), so nothing left from an earlier run is read.
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	dir, err := os.MkdirTemp(parent, "pebble-")
	if err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	db, err := pebble.Open(dir, &pebble.Options{DisableWAL: true})
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("state: open pebble in %s: %w", dir, err)
	}
	return &pebbleStore{r: r, db: db, dir: dir}, nil
}

// appendPebbleKey encodes (key group, state name, key).
func appendPebbleKey(dst []byte, kg uint16, ns string, key []byte) []byte {
	dst = binary.BigEndian.AppendUint16(dst, kg)
	dst = binary.AppendUvarint(dst, uint64(len(ns)))
	dst = append(dst, ns...)
	return append(dst, key...)
}

func decodePebbleKey(k []byte) (kg uint16, ns string, key []byte, ok bool) {
	if len(k) < 2 {
		return 0, "", nil, false
	}
	kg = binary.BigEndian.Uint16(k)
	n, w := binary.Uvarint(k[2:])
	if w <= 0 || uint64(len(k)-2-w) < n {
		return 0, "", nil, false
	}
	return kg, string(k[2+w : 2+w+int(n)]), k[2+w+int(n):], true
}

// prefixEnd is the smallest key greater than every key starting with p.
func prefixEnd(p []byte) []byte {
	end := bytes.Clone(p)
	for i := len(end) - 1; i >= 0; i-- {
		end[i]++
		if end[i] != 0 {
			return end[:i+1]
		}
	}
	return nil
}

func (s *pebbleStore) check(kg uint16) error {
	if !s.r.Contains(int(kg)) {
		return fmt.Errorf("state: key group %d is outside this backend's range %s", kg, s.r)
	}
	return nil
}

func (s *pebbleStore) getBatch(ns string, kgs []uint16, keys [][]byte, out [][]byte, found []bool) error {
	// The batch's keys are encoded, sorted and looked up with one
	// iterator moving forward (SeekGE), instead of one point Get (which
	// builds an iterator) per key. Values are copied into one arena:
	// Pebble's are valid only until the iterator moves.
	enc := make([][]byte, len(keys))
	var kbuf []byte
	ends := make([]int, len(keys))
	for i, k := range keys {
		if err := s.check(kgs[i]); err != nil {
			return err
		}
		kbuf = appendPebbleKey(kbuf, kgs[i], ns, k)
		ends[i] = len(kbuf)
	}
	start := 0
	for i := range keys {
		enc[i] = kbuf[start:ends[i]]
		start = ends[i]
	}
	order := make([]int32, len(keys))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return bytes.Compare(enc[a], enc[b]) })
	it, err := s.db.NewIter(nil)
	if err != nil {
		return fmt.Errorf("state: pebble get: %w", err)
	}
	var arena []byte
	vstart := make([]int, len(keys))
	vend := make([]int, len(keys))
	for _, i := range order {
		found[i] = it.SeekGE(enc[i]) && bytes.Equal(it.Key(), enc[i])
		if found[i] {
			vstart[i] = len(arena)
			arena = append(arena, it.Value()...)
			vend[i] = len(arena)
		}
	}
	if err := it.Close(); err != nil {
		return fmt.Errorf("state: pebble get: %w", err)
	}
	for i := range keys {
		out[i] = nil
		if found[i] {
			out[i] = arena[vstart[i]:vend[i]:vend[i]]
		}
	}
	return nil
}

func (s *pebbleStore) putBatch(ns string, kgs []uint16, keys, vals [][]byte) error {
	b := s.db.NewBatch()
	defer b.Close()
	for i, k := range keys {
		if err := s.check(kgs[i]); err != nil {
			return err
		}
		s.buf = appendPebbleKey(s.buf[:0], kgs[i], ns, k)
		if err := b.Set(s.buf, vals[i], nil); err != nil {
			return err
		}
	}
	return b.Commit(pebble.NoSync)
}

func (s *pebbleStore) deleteBatch(ns string, kgs []uint16, keys [][]byte) error {
	b := s.db.NewBatch()
	defer b.Close()
	for i, k := range keys {
		if err := s.check(kgs[i]); err != nil {
			return err
		}
		s.buf = appendPebbleKey(s.buf[:0], kgs[i], ns, k)
		if err := b.Delete(s.buf, nil); err != nil {
			return err
		}
	}
	return b.Commit(pebble.NoSync)
}

func (s *pebbleStore) scan(ns string, kg uint16, prefix []byte, fn func(key, val []byte) bool) error {
	if err := s.check(kg); err != nil {
		return err
	}
	head := appendPebbleKey(nil, kg, ns, nil)
	lower := append(bytes.Clone(head), prefix...)
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: prefixEnd(lower)})
	if err != nil {
		return err
	}
	for it.First(); it.Valid(); it.Next() {
		if !fn(it.Key()[len(head):], it.Value()) {
			break
		}
	}
	return it.Close()
}

// snapshot takes a Pebble checkpoint: a consistent point-in-time copy made
// of hard links to the immutable sstables (so the work and space are only
// those of files changed since the last snapshot) plus the manifest and
// options. The memtable is flushed first because the WAL is off. The
// returned function records the files and writes the snapshot manifest.
// TTL filtering happens on restore: sstables are not rewritten.
func (s *pebbleStore) snapshot(dir string, _ func(ns string, val []byte) bool) (func() error, error) {
	w, err := newSnapshotWriter(dir, BackendPebble, s.r)
	if err != nil {
		return nil, err
	}
	if err := s.db.Flush(); err != nil {
		return nil, fmt.Errorf("state: pebble flush: %w", err)
	}
	dest := filepath.Join(dir, pebbleCheckpointDir)
	lo := binary.BigEndian.AppendUint16(nil, uint16(s.r.Start))
	hi := prefixEnd(binary.BigEndian.AppendUint16(nil, uint16(s.r.End)))
	if err := s.db.Checkpoint(dest, pebble.WithRestrictToSpans([]pebble.CheckpointSpan{{Start: lo, End: hi}})); err != nil {
		return nil, fmt.Errorf("state: pebble checkpoint into %s: %w", dest, err)
	}
	return func() error {
		if err := w.addTree(pebbleCheckpointDir); err != nil {
			return fmt.Errorf("state: snapshot: %w", err)
		}
		return w.finish()
	}, nil
}

func (s *pebbleStore) close() error {
	err := s.db.Close()
	if rerr := os.RemoveAll(s.dir); err == nil {
		err = rerr
	}
	return err
}

// noLockFS opens a checkpoint without Pebble's directory lock: the
// checkpoint is immutable and opened read-only, and several subtasks of one
// process restore from the same snapshot at once when rescaling.
type noLockFS struct{ vfs.FS }

type nopCloser struct{}

func (nopCloser) Close() error { return nil }

func (noLockFS) Lock(string) (io.Closer, error) { return nopCloser{}, nil }

func readPebbleCheckpoint(dir string, r KeyGroupRange, fn func(kg uint16, ns string, key, val []byte) error) error {
	db, err := pebble.Open(dir, &pebble.Options{ReadOnly: true, FS: noLockFS{vfs.Default}})
	if err != nil {
		return fmt.Errorf("state: open pebble checkpoint %s: %w", dir, err)
	}
	defer db.Close()
	lo := binary.BigEndian.AppendUint16(nil, uint16(r.Start))
	hi := prefixEnd(binary.BigEndian.AppendUint16(nil, uint16(r.End)))
	it, err := db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	if err != nil {
		return err
	}
	for it.First(); it.Valid(); it.Next() {
		kg, ns, key, ok := decodePebbleKey(it.Key())
		if !ok {
			it.Close()
			return fmt.Errorf("state: pebble checkpoint %s holds a malformed key %x", dir, it.Key())
		}
		if err := fn(kg, ns, key, it.Value()); err != nil {
			it.Close()
			return err
		}
	}
	return it.Close()
}
