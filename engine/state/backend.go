package state

import (
	"fmt"
	"maps"
	"time"
)

// Options configure a keyed state backend instance (one per stateful
// operator subtask).
type Options struct {
	// Type is state.backend.type: hashmap (default), pebble or rocksdb.
	Type string
	// Dir is where the pebble backend works (Flink's
	// state.backend.rocksdb.localdir): each instance creates a fresh
	// subdirectory there and removes it on Close.
	Dir string
	// Range is the key-group range this instance owns.
	Range KeyGroupRange
	// Clock measures TTL; nil means time.Now.
	Clock Clock
}

// Backend is a keyed state backend owning one key-group range, Flink's
// KeyedStateBackend. It is used by one goroutine (its operator subtask)
// except for the function Snapshot returns, which may run on another while
// the owner goes on writing.
type Backend struct {
	typ    string
	r      KeyGroupRange
	s      store
	clock  Clock
	states map[string]stateInfo
}

type stateKind uint8

const (
	kindValue stateKind = iota + 1
	kindList
	kindMap
)

func (k stateKind) String() string {
	return [...]string{"", "ValueState", "ListState", "MapState"}[k]
}

type stateInfo struct {
	kind stateKind
	ttl  time.Duration
}

// Open creates a backend of o.Type for o.Range.
func Open(o Options) (*Backend, error) {
	typ, err := ParseBackendType(o.Type)
	if err != nil {
		return nil, err
	}
	if o.Range.Len() == 0 || o.Range.Start < 0 || o.Range.End >= MaxKeyGroups {
		return nil, fmt.Errorf("state: invalid key-group range %s", o.Range)
	}
	b := &Backend{typ: typ, r: o.Range, clock: o.Clock, states: map[string]stateInfo{}}
	if b.clock == nil {
		b.clock = time.Now
	}
	switch typ {
	case BackendHashMap:
		b.s = newHashStore(o.Range)
	default:
		if b.s, err = openPebbleStore(o.Dir, o.Range); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// Type is the backend's normalised type (hashmap or pebble).
func (b *Backend) Type() string { return b.typ }

// Range is the key-group range the backend owns.
func (b *Backend) Range() KeyGroupRange { return b.r }

// Close releases the backend (and removes pebble's working subdirectory).
func (b *Backend) Close() error { return b.s.close() }

func (b *Backend) register(name string, kind stateKind, ttl time.Duration) error {
	if name == "" {
		return fmt.Errorf("state: a state needs a name")
	}
	if ttl < 0 {
		return fmt.Errorf("state: %s %q has a negative TTL", kind, name)
	}
	if old, ok := b.states[name]; ok && (old.kind != kind || old.ttl != ttl) {
		return fmt.Errorf("state: %q is already registered as %s with TTL %v", name, old.kind, old.ttl)
	}
	b.states[name] = stateInfo{kind: kind, ttl: ttl}
	return nil
}

func (b *Backend) now() int64 { return b.clock().UnixMilli() }

// keep drops expired entries of value and map states with TTL when a
// snapshot is written or restored: Flink's cleanupFullSnapshot. Lists
// expire element by element and are pruned on read. The registry is
// copied: the returned function may run on a snapshot's goroutine while the
// owner declares more states.
func (b *Backend) keep(now int64) func(ns string, val []byte) bool {
	states := maps.Clone(b.states)
	return func(ns string, val []byte) bool {
		info, ok := states[ns]
		if !ok || info.ttl == 0 || info.kind == kindList {
			return true
		}
		return !expired(val, info.ttl, now)
	}
}

// Snapshot captures the backend's state for dir and returns the function
// that writes it (Flink's synchronous and asynchronous snapshot parts): the
// capture is short (hashmap: copy-on-write marks; pebble: a checkpoint of
// hard links), the write may run on another goroutine while the owner goes
// on reading and writing. The directory is complete once its manifest is
// written, the write function's last step.
func (b *Backend) Snapshot(dir string) (write func() error, err error) {
	return b.s.snapshot(dir, b.keep(b.now()))
}

// Restore loads the entries of the key groups in the backend's range from
// one or several snapshot directories (of either backend type; several
// when subtasks merge on scale-in), skipping every other key group, as
// Flink's restore with key-group ranges. It must run before any access.
// Expired entries are dropped.
func (b *Backend) Restore(dirs ...string) error {
	keep := b.keep(b.now())
	const chunk = 4096
	type pending struct {
		kgs        []uint16
		keys, vals [][]byte
	}
	byNS := map[string]*pending{}
	flush := func(ns string, p *pending) error {
		if len(p.keys) == 0 {
			return nil
		}
		err := b.s.putBatch(ns, p.kgs, p.keys, p.vals)
		p.kgs, p.keys, p.vals = p.kgs[:0], p.keys[:0], p.vals[:0]
		return err
	}
	for _, dir := range dirs {
		err := readKeyedSnapshot(dir, b.r, func(kg uint16, ns string, key, val []byte) error {
			if !keep(ns, val) {
				return nil
			}
			p := byNS[ns]
			if p == nil {
				p = &pending{}
				byNS[ns] = p
			}
			// Pebble's iterator reuses its buffers: copy.
			p.kgs = append(p.kgs, kg)
			p.keys = append(p.keys, append([]byte(nil), key...))
			p.vals = append(p.vals, append([]byte(nil), val...))
			if len(p.keys) >= chunk {
				return flush(ns, p)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	for ns, p := range byNS {
		if err := flush(ns, p); err != nil {
			return err
		}
	}
	return nil
}
