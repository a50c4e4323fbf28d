package state

import (
	"encoding/binary"
	"fmt"
)

// ListState holds a list of values per key, Flink's ListState. The stored
// value is the elements one after another, each length-prefixed with a
// uvarint; with TTL each element carries its own write time, as Flink's
// TtlListState expires list elements one by one.
type ListState[T any] struct {
	base
	codec Codec[T]
}

// NewListState declares (or gets again) a list state on b.
func NewListState[T any](b *Backend, d Descriptor[T]) (*ListState[T], error) {
	s, err := newBase(b, d.Name, kindList, d.TTL)
	if err != nil {
		return nil, err
	}
	return &ListState[T]{base: s, codec: d.Codec}, nil
}

// decode splits a stored list into its live elements; dropped tells
// whether expired elements were left out, and kept is then the stored
// form of the survivors with their original write times (a read must not
// extend their life: Flink's OnCreateAndWrite).
func (s *ListState[T]) decode(raw []byte, now int64) (elems [][]byte, kept []byte, dropped bool, err error) {
	for len(raw) > 0 {
		e, rest, ok := readField(raw)
		if !ok {
			return nil, nil, false, fmt.Errorf("state: list state %q holds a corrupt list", s.name)
		}
		raw = rest
		if s.ttl > 0 {
			if expired(e, s.ttl, now) {
				dropped = true
				continue
			}
			kept = appendField(kept, e)
			e = e[ttlHeader:]
		}
		elems = append(elems, e)
	}
	return elems, kept, dropped, nil
}

func (s *ListState[T]) appendElem(dst []byte, now int64, e []byte) []byte {
	if s.ttl > 0 {
		dst = binary.AppendUvarint(dst, uint64(ttlHeader+len(e)))
		return withTimestamp(dst, now, e)
	}
	return appendField(dst, e)
}

// GetBatch returns each key's live elements (out[i] nil for no list). The
// elements must not be modified and stay valid until the next write.
func (s *ListState[T]) GetBatch(kgs []uint16, keys [][]byte, out [][][]byte) error {
	raw := make([][]byte, len(keys))
	found := make([]bool, len(keys))
	if err := s.b.s.getBatch(s.name, kgs, keys, raw, found); err != nil {
		return err
	}
	now := s.b.now()
	var pkgs, dkgs []uint16
	var pkeys, pvals, dkeys [][]byte
	for i := range keys {
		out[i] = nil
		if !found[i] {
			continue
		}
		elems, kept, dropped, err := s.decode(raw[i], now)
		if err != nil {
			return err
		}
		out[i] = elems
		switch {
		case dropped && len(kept) == 0:
			dkgs, dkeys = append(dkgs, kgs[i]), append(dkeys, keys[i])
		case dropped:
			pkgs, pkeys, pvals = append(pkgs, kgs[i]), append(pkeys, keys[i]), append(pvals, kept)
		}
	}
	if len(pkeys)+len(dkeys) == 0 {
		return nil
	}
	// Lists with expired elements are rewritten without them (cleanup on
	// read). Copy the survivors first: the rewrite may invalidate the
	// backend's buffers the out slices point into.
	for i := range out {
		for j, e := range out[i] {
			out[i][j] = append([]byte(nil), e...)
		}
	}
	if len(pkeys) > 0 {
		if err := s.b.s.putBatch(s.name, pkgs, pkeys, pvals); err != nil {
			return err
		}
	}
	if len(dkeys) > 0 {
		return s.b.s.deleteBatch(s.name, dkgs, dkeys)
	}
	return nil
}

// rewrite stores whole lists written at now, deleting empty ones.
func (s *ListState[T]) rewrite(kgs []uint16, keys [][]byte, lists [][][]byte, now int64) error {
	var pkgs, dkgs []uint16
	var pkeys, pvals, dkeys [][]byte
	for i, l := range lists {
		if len(l) == 0 {
			dkgs, dkeys = append(dkgs, kgs[i]), append(dkeys, keys[i])
			continue
		}
		var v []byte
		for _, e := range l {
			v = s.appendElem(v, now, e)
		}
		pkgs, pkeys, pvals = append(pkgs, kgs[i]), append(pkeys, keys[i]), append(pvals, v)
	}
	if len(pkeys) > 0 {
		if err := s.b.s.putBatch(s.name, pkgs, pkeys, pvals); err != nil {
			return err
		}
	}
	if len(dkeys) > 0 {
		return s.b.s.deleteBatch(s.name, dkgs, dkeys)
	}
	return nil
}

// AddBatch appends vals[i] to keys[i]'s list; rows of the same key append
// in row order.
func (s *ListState[T]) AddBatch(kgs []uint16, keys, vals [][]byte) error {
	raw := make([][]byte, len(keys))
	found := make([]bool, len(keys))
	if err := s.b.s.getBatch(s.name, kgs, keys, raw, found); err != nil {
		return err
	}
	now := s.b.now()
	first := make(map[string]int, len(keys)) // key group + key → index in the put batch
	var pkgs []uint16
	var pkeys, pvals [][]byte
	for i, k := range keys {
		id := string(binary.BigEndian.AppendUint16(nil, kgs[i])) + string(k)
		j, ok := first[id]
		if !ok {
			j = len(pkeys)
			first[id] = j
			var cur []byte
			if found[i] {
				cur = append(cur, raw[i]...)
			}
			pkgs, pkeys, pvals = append(pkgs, kgs[i]), append(pkeys, k), append(pvals, cur)
		}
		pvals[j] = s.appendElem(pvals[j], now, vals[i])
	}
	return s.b.s.putBatch(s.name, pkgs, pkeys, pvals)
}

// UpdateBatch replaces keys[i]'s list with lists[i] (an empty list clears
// it), as Flink's ListState.update.
func (s *ListState[T]) UpdateBatch(kgs []uint16, keys [][]byte, lists [][][]byte) error {
	return s.rewrite(kgs, keys, lists, s.b.now())
}

// DeleteBatch clears the lists of a batch of keys.
func (s *ListState[T]) DeleteBatch(kgs []uint16, keys [][]byte) error {
	return s.b.s.deleteBatch(s.name, kgs, keys)
}

// Get returns one key's decoded list.
func (s *ListState[T]) Get(kg uint16, key []byte) ([]T, error) {
	out := make([][][]byte, 1)
	if err := s.GetBatch([]uint16{kg}, [][]byte{key}, out); err != nil {
		return nil, err
	}
	var vs []T
	for _, e := range out[0] {
		v, err := s.codec.Decode(e)
		if err != nil {
			return nil, err
		}
		vs = append(vs, v)
	}
	return vs, nil
}

// Add appends one value to one key's list.
func (s *ListState[T]) Add(kg uint16, key []byte, v T) error {
	return s.AddBatch([]uint16{kg}, [][]byte{key}, [][]byte{s.codec.Append(nil, v)})
}

// Update replaces one key's list.
func (s *ListState[T]) Update(kg uint16, key []byte, vs []T) error {
	l := make([][]byte, len(vs))
	for i, v := range vs {
		l[i] = s.codec.Append(nil, v)
	}
	return s.UpdateBatch([]uint16{kg}, [][]byte{key}, [][][]byte{l})
}

// Clear removes one key's list.
func (s *ListState[T]) Clear(kg uint16, key []byte) error {
	return s.DeleteBatch([]uint16{kg}, [][]byte{key})
}
