package state

import (
	"encoding/binary"
	"fmt"
)

// MapState holds a map from user keys (bytes) to values per key, Flink's
// MapState. Each entry is its own backend entry under the key
// uvarint(len(key)) ‖ key ‖ userKey, so one entry is read or written
// without the rest of the map (as Flink's RocksDB map state) and a key's
// entries share a prefix. With TTL every entry expires on its own.
type MapState[V any] struct {
	base
	codec Codec[V]
}

// NewMapState declares (or gets again) a map state on b.
func NewMapState[V any](b *Backend, d Descriptor[V]) (*MapState[V], error) {
	s, err := newBase(b, d.Name, kindMap, d.TTL)
	if err != nil {
		return nil, err
	}
	return &MapState[V]{base: s, codec: d.Codec}, nil
}

func mapPrefix(key []byte) []byte {
	return appendField(make([]byte, 0, binary.MaxVarintLen64+len(key)), key)
}

func (s *MapState[V]) entryKeys(keys, userKeys [][]byte) [][]byte {
	size := 0
	for i := range keys {
		size += binary.MaxVarintLen64 + len(keys[i]) + len(userKeys[i])
	}
	arena := make([]byte, 0, size)
	out := make([][]byte, len(keys))
	for i := range keys {
		start := len(arena)
		arena = appendField(arena, keys[i])
		arena = append(arena, userKeys[i]...)
		out[i] = arena[start:len(arena):len(arena)]
	}
	return out
}

// GetBatch looks up (keys[i], userKeys[i]) for every row.
func (s *MapState[V]) GetBatch(kgs []uint16, keys, userKeys [][]byte, out [][]byte, found []bool) error {
	ek := s.entryKeys(keys, userKeys)
	if err := s.b.s.getBatch(s.name, kgs, ek, out, found); err != nil {
		return err
	}
	return s.unstamp(kgs, ek, out, found)
}

// PutBatch sets (keys[i], userKeys[i]) to vals[i].
func (s *MapState[V]) PutBatch(kgs []uint16, keys, userKeys, vals [][]byte) error {
	return s.b.s.putBatch(s.name, kgs, s.entryKeys(keys, userKeys), s.stamp(vals))
}

// RemoveBatch removes (keys[i], userKeys[i]).
func (s *MapState[V]) RemoveBatch(kgs []uint16, keys, userKeys [][]byte) error {
	return s.b.s.deleteBatch(s.name, kgs, s.entryKeys(keys, userKeys))
}

// Get is the row-at-a-time lookup.
func (s *MapState[V]) Get(kg uint16, key, userKey []byte) (V, bool, error) {
	var zero V
	out, found := make([][]byte, 1), make([]bool, 1)
	if err := s.GetBatch([]uint16{kg}, [][]byte{key}, [][]byte{userKey}, out, found); err != nil || !found[0] {
		return zero, false, err
	}
	v, err := s.codec.Decode(out[0])
	return v, err == nil, err
}

// Put is the row-at-a-time put.
func (s *MapState[V]) Put(kg uint16, key, userKey []byte, v V) error {
	return s.PutBatch([]uint16{kg}, [][]byte{key}, [][]byte{userKey}, [][]byte{s.codec.Append(nil, v)})
}

// Remove is the row-at-a-time remove.
func (s *MapState[V]) Remove(kg uint16, key, userKey []byte) error {
	return s.RemoveBatch([]uint16{kg}, [][]byte{key}, [][]byte{userKey})
}

// Entries calls fn for each live entry of key's map (order unspecified:
// hashmap iterates a Go map) until fn returns false; userKey is only valid
// during the call, and fn must not use the backend (the hashmap backend
// holds its lock while it iterates). Expired entries are skipped and
// deleted afterwards.
func (s *MapState[V]) Entries(kg uint16, key []byte, fn func(userKey []byte, v V) bool) error {
	prefix := mapPrefix(key)
	now := s.b.now()
	var expiredKeys [][]byte
	var derr error
	err := s.b.s.scan(s.name, kg, prefix, func(k, val []byte) bool {
		if s.ttl > 0 {
			if expired(val, s.ttl, now) {
				expiredKeys = append(expiredKeys, append([]byte(nil), k...))
				return true
			}
			val = val[ttlHeader:]
		}
		v, err := s.codec.Decode(val)
		if err != nil {
			derr = fmt.Errorf("state: map state %q: %w", s.name, err)
			return false
		}
		return fn(k[len(prefix):], v)
	})
	if err == nil {
		err = derr
	}
	if err == nil && len(expiredKeys) > 0 {
		err = s.b.s.deleteBatch(s.name, sameKeyGroup(kg, len(expiredKeys)), expiredKeys)
	}
	return err
}

// Clear removes every entry of key's map.
func (s *MapState[V]) Clear(kg uint16, key []byte) error {
	var ks [][]byte
	if err := s.b.s.scan(s.name, kg, mapPrefix(key), func(k, _ []byte) bool {
		ks = append(ks, append([]byte(nil), k...))
		return true
	}); err != nil {
		return err
	}
	if len(ks) == 0 {
		return nil
	}
	return s.b.s.deleteBatch(s.name, sameKeyGroup(kg, len(ks)), ks)
}

func sameKeyGroup(kg uint16, n int) []uint16 {
	kgs := make([]uint16, n)
	for i := range kgs {
		kgs[i] = kg
	}
	return kgs
}
