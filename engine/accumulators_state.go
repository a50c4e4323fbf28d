package engine

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// The byte encodings of accumulator state, written into the keyed state
// backend when a group leaves the operator's cache or a checkpoint is
// taken, and read back when the group's key shows up again (or after a
// restore). Integers are varints (counts and integer sums are small in
// the common case), floating-point sums their IEEE bits, decimals and the
// values of MIN/MAX and DISTINCT their in-memory bits. The fixed-width
// encodings copy the host's bytes: every platform Go and Sluice run on is
// little-endian (init checks it), so a snapshot moves between machines.

func init() {
	x := uint16(1)
	if *(*byte)(unsafe.Pointer(&x)) != 1 {
		panic("engine: the keyed state encodings assume a little-endian host")
	}
}

// errStateCorrupt is returned for state bytes that do not decode.
var errStateCorrupt = errors.New("corrupt group state")

// stateDecoder reads state bytes; the first error sticks and every later
// read returns zero values, so decoding loops check once at the end.
type stateDecoder struct {
	b   []byte
	err error
}

func (d *stateDecoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: truncated %s", errStateCorrupt, what)
	}
	d.b = nil
}

func (d *stateDecoder) byte1() byte {
	if len(d.b) < 1 {
		d.fail("byte")
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *stateDecoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("uvarint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *stateDecoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail("varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *stateDecoder) fixed(n int) []byte {
	if n < 0 || len(d.b) < n {
		d.fail(fmt.Sprintf("%d-byte value", n))
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

func (d *stateDecoder) uint64() uint64 {
	b := d.fixed(8)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint64(b)
}

// count reads a length that is followed by at least min bytes per item,
// refusing lengths the remaining bytes cannot hold (a corrupt length must
// not allocate a huge map).
func (d *stateDecoder) count(min int) int {
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.b)/max(min, 1)) {
		d.fail("count")
		return 0
	}
	return int(n)
}

// valCodec encodes the values MIN/MAX and DISTINCT keep per group.
type valCodec[T comparable] struct {
	put func(dst []byte, v T) []byte
	get func(d *stateDecoder) T
	min int // least encoded size
}

// codecFor picks the encoding of T: strings length-prefixed, bool one
// byte, every other T (the integers, float bits and decimal128.Num the
// accumulators are instantiated with, all pointer-free) its memory bytes.
func codecFor[T comparable]() valCodec[T] {
	var z T
	switch any(z).(type) {
	case string:
		return any(valCodec[string]{
			put: func(dst []byte, v string) []byte {
				dst = binary.AppendUvarint(dst, uint64(len(v)))
				return append(dst, v...)
			},
			get: func(d *stateDecoder) string {
				n := d.count(1)
				return string(d.fixed(n))
			},
			min: 1,
		}).(valCodec[T])
	case bool:
		return any(valCodec[bool]{
			put: func(dst []byte, v bool) []byte {
				if v {
					return append(dst, 1)
				}
				return append(dst, 0)
			},
			get: func(d *stateDecoder) bool {
				switch d.byte1() {
				case 0:
					return false
				case 1:
					return true
				}
				d.fail("bool")
				return false
			},
			min: 1,
		}).(valCodec[T])
	}
	size := int(unsafe.Sizeof(z))
	return valCodec[T]{
		put: func(dst []byte, v T) []byte {
			return append(dst, unsafe.Slice((*byte)(unsafe.Pointer(&v)), size)...)
		},
		get: func(d *stateDecoder) T {
			var v T
			if b := d.fixed(size); b != nil {
				copy(unsafe.Slice((*byte)(unsafe.Pointer(&v)), size), b)
			}
			return v
		},
		min: size,
	}
}

// saveCounts appends a value → count map: its size, then (value, count)
// pairs in map order (the encoding need not be canonical: it is read back,
// never compared).
func saveCounts[T comparable](dst []byte, c valCodec[T], m map[T]int64) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(m)))
	for v, n := range m {
		dst = c.put(dst, v)
		dst = binary.AppendVarint(dst, n)
	}
	return dst
}

func loadCounts[T comparable](d *stateDecoder, c valCodec[T]) map[T]int64 {
	n := d.count(c.min + 1)
	if n == 0 {
		return nil
	}
	m := make(map[T]int64, n)
	for range n {
		v := c.get(d)
		m[v] = d.varint()
	}
	return m
}

// ---- COUNT ----

func (a *countAcc) save(dst []byte, g uint32) []byte { return binary.AppendVarint(dst, a.cnt[g]) }
func (a *countAcc) load(d *stateDecoder, g uint32)   { a.cnt[g] = d.varint() }

// ---- SUM and AVG: the count of non-NULL values, then the sum ----

func (a *sumAcc) save(dst []byte, g uint32) []byte {
	dst = binary.AppendVarint(dst, a.cnt[g])
	switch a.domain {
	case intDomain:
		return binary.AppendVarint(dst, a.isum[g])
	case floatDomain:
		return binary.LittleEndian.AppendUint64(dst, math.Float64bits(a.fsum[g]))
	}
	v := a.dsum[g]
	dst = binary.LittleEndian.AppendUint64(dst, v.LowBits())
	return binary.LittleEndian.AppendUint64(dst, uint64(v.HighBits()))
}

func (a *sumAcc) load(d *stateDecoder, g uint32) {
	a.cnt[g] = d.varint()
	switch a.domain {
	case intDomain:
		a.isum[g] = d.varint()
	case floatDomain:
		a.fsum[g] = math.Float64frombits(d.uint64())
	default:
		lo := d.uint64()
		hi := d.uint64()
		a.dsum[g] = decimal128.New(int64(hi), lo)
	}
}

// ---- MIN and MAX: the number of values, the extreme when there is one,
// and with retraction the count of every value ----

func (a *minMaxAcc[T]) codecs() valCodec[T] {
	if a.codec.put == nil {
		a.codec = codecFor[T]()
	}
	return a.codec
}

func (a *minMaxAcc[T]) save(dst []byte, g uint32) []byte {
	c := a.codecs()
	dst = binary.AppendVarint(dst, a.size[g])
	if a.size[g] > 0 {
		dst = c.put(dst, a.ext[g])
	}
	if a.retract {
		dst = saveCounts(dst, c, a.counts[g])
	}
	return dst
}

func (a *minMaxAcc[T]) load(d *stateDecoder, g uint32) {
	c := a.codecs()
	a.size[g] = d.varint()
	if a.size[g] > 0 {
		a.ext[g] = c.get(d)
	}
	if a.retract {
		a.counts[g] = loadCounts(d, c)
	}
}

// ---- DISTINCT: the count of every value, then the inner aggregate ----

func (a *distinctAcc[K]) codecs() valCodec[K] {
	if a.codec.put == nil {
		a.codec = codecFor[K]()
	}
	return a.codec
}

func (a *distinctAcc[K]) save(dst []byte, g uint32) []byte {
	dst = saveCounts(dst, a.codecs(), a.counts[g])
	return a.inner.save(dst, g)
}

func (a *distinctAcc[K]) load(d *stateDecoder, g uint32) {
	a.counts[g] = loadCounts(d, a.codecs())
	a.inner.load(d, g)
}
