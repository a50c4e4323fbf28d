package state

import "time"

// base is what every keyed state kind shares: its backend, name and TTL.
type base struct {
	b    *Backend
	name string
	ttl  time.Duration
}

func newBase(b *Backend, name string, kind stateKind, ttl time.Duration) (base, error) {
	if err := b.register(name, kind, ttl); err != nil {
		return base{}, err
	}
	return base{b: b, name: name, ttl: ttl}, nil
}

// stamp returns vals with the TTL header (the current time) prefixed, all
// in one arena; without TTL it returns vals.
func (s *base) stamp(vals [][]byte) [][]byte {
	if s.ttl == 0 {
		return vals
	}
	now := s.b.now()
	size := 0
	for _, v := range vals {
		size += ttlHeader + len(v)
	}
	arena := make([]byte, 0, size)
	out := make([][]byte, len(vals))
	for i, v := range vals {
		start := len(arena)
		arena = withTimestamp(arena, now, v)
		out[i] = arena[start:len(arena):len(arena)]
	}
	return out
}

// unstamp strips the TTL header of found entries and hides expired ones
// (Flink's NeverReturnExpired), deleting them from the backend — Flink's
// default cleanup of an expired entry when it is read.
func (s *base) unstamp(kgs []uint16, keys [][]byte, out [][]byte, found []bool) error {
	if s.ttl == 0 {
		return nil
	}
	now := s.b.now()
	var dkgs []uint16
	var dkeys [][]byte
	for i := range out {
		if !found[i] {
			continue
		}
		if expired(out[i], s.ttl, now) {
			found[i], out[i] = false, nil
			dkgs = append(dkgs, kgs[i])
			dkeys = append(dkeys, keys[i])
			continue
		}
		out[i] = out[i][ttlHeader:]
	}
	if len(dkeys) > 0 {
		return s.b.s.deleteBatch(s.name, dkgs, dkeys)
	}
	return nil
}

// ValueState holds one value per key, Flink's ValueState.
type ValueState[T any] struct {
	base
	codec Codec[T]
}

// NewValueState declares (or gets again) a value state on b.
func NewValueState[T any](b *Backend, d Descriptor[T]) (*ValueState[T], error) {
	s, err := newBase(b, d.Name, kindValue, d.TTL)
	if err != nil {
		return nil, err
	}
	return &ValueState[T]{base: s, codec: d.Codec}, nil
}

// GetBatch looks up a batch of keys, kgs[i] being keys[i]'s key group:
// out[i] is the encoded value and found[i] whether there is one. out and
// found must be as long as keys. The values must not be modified and stay
// valid until the next write to the backend.
func (s *ValueState[T]) GetBatch(kgs []uint16, keys [][]byte, out [][]byte, found []bool) error {
	if err := s.b.s.getBatch(s.name, kgs, keys, out, found); err != nil {
		return err
	}
	return s.unstamp(kgs, keys, out, found)
}

// PutBatch sets keys[i]'s value to vals[i] (encoded); later rows win over
// earlier rows of the same key, as row-wise puts in order would.
func (s *ValueState[T]) PutBatch(kgs []uint16, keys, vals [][]byte) error {
	return s.b.s.putBatch(s.name, kgs, keys, s.stamp(vals))
}

// DeleteBatch clears the values of a batch of keys.
func (s *ValueState[T]) DeleteBatch(kgs []uint16, keys [][]byte) error {
	return s.b.s.deleteBatch(s.name, kgs, keys)
}

// Values decodes a batch: out[i] is keys[i]'s value (the zero value when
// found[i] is false).
func (s *ValueState[T]) Values(kgs []uint16, keys [][]byte, out []T, found []bool) error {
	raw := make([][]byte, len(keys))
	if err := s.GetBatch(kgs, keys, raw, found); err != nil {
		return err
	}
	var zero T
	for i, r := range raw {
		out[i] = zero
		if found[i] {
			v, err := s.codec.Decode(r)
			if err != nil {
				return err
			}
			out[i] = v
		}
	}
	return nil
}

// UpdateValues encodes and puts a batch of values.
func (s *ValueState[T]) UpdateValues(kgs []uint16, keys [][]byte, vals []T) error {
	var arena []byte
	ends := make([]int, len(vals))
	for i, v := range vals {
		arena = s.codec.Append(arena, v)
		ends[i] = len(arena)
	}
	enc := make([][]byte, len(vals))
	start := 0
	for i := range vals {
		enc[i] = arena[start:ends[i]]
		start = ends[i]
	}
	return s.PutBatch(kgs, keys, enc)
}

// Value is the row-at-a-time Get.
func (s *ValueState[T]) Value(kg uint16, key []byte) (T, bool, error) {
	out, found := []T{*new(T)}, []bool{false}
	err := s.Values([]uint16{kg}, [][]byte{key}, out, found)
	return out[0], found[0], err
}

// Update is the row-at-a-time Put.
func (s *ValueState[T]) Update(kg uint16, key []byte, v T) error {
	return s.UpdateValues([]uint16{kg}, [][]byte{key}, []T{v})
}

// Clear is the row-at-a-time Delete.
func (s *ValueState[T]) Clear(kg uint16, key []byte) error {
	return s.DeleteBatch([]uint16{kg}, [][]byte{key})
}
