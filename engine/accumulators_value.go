package engine

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// The value aggregates FIRST_VALUE, LAST_VALUE and LISTAGG. NULL values
// are skipped; a group without a non-NULL value gives NULL.
//
// Without retraction they are Flink's FirstValueAggFunction,
// LastValueAggFunction and ListAggFunction: the first value kept, the
// last one kept, the values joined as they come. With retraction they
// are the *WithRetractAggFunction variants, which keep every accumulated
// value in arrival order (Flink orders them by the processing time they
// arrived at, ties in arrival order, which is arrival order); retracting
// a value removes its earliest copy still kept, and FIRST/LAST/LISTAGG
// then read what is left. A retraction of a value that is not kept
// changes nothing.

// DefaultListAggSeparator is LISTAGG's separator when the call gives none.
const DefaultListAggSeparator = ","

// valueAcc is FIRST_VALUE (last false) or LAST_VALUE (last true).
type valueAcc[T comparable] struct {
	last    bool
	retract bool
	read    func(arg arrow.Array) func(i int) T
	build   func(mem memory.Allocator, vals []T, valid []bool) (arrow.Array, error)
	val     []T    // without retraction: the value kept
	has     []bool // without retraction: a value is kept
	seq     [][]T  // with retraction: the values kept, in arrival order
	res     results[T]
	value   func(i int) T // bound
	bm      []byte
	off     int
	codec   valCodec[T] // state encoding, picked on first use
}

func (a *valueAcc[T]) bind(arg arrow.Array) {
	a.value = a.read(arg)
	a.bm, a.off = validBits(arg)
}

func (a *valueAcc[T]) grow(n int) {
	if a.retract {
		a.seq = growTo(a.seq, n)
		return
	}
	a.val = growTo(a.val, n)
	a.has = growTo(a.has, n)
}

func (a *valueAcc[T]) reset(g uint32) {
	if a.retract {
		a.seq[g] = nil
		return
	}
	var z T
	a.val[g], a.has[g] = z, false
}

func (a *valueAcc[T]) update(groups []uint32, signs []int8, from, to int) {
	value, bm, off := a.value, a.bm, a.off
	for i := from; i < to; i++ {
		if bm != nil && !bitutil.BitIsSet(bm, off+i) {
			continue
		}
		s := sign(signs, i)
		if s == 0 {
			continue
		}
		g := groups[i]
		v := value(i)
		if !a.retract {
			// Insert-only input: a retraction never reaches here (the
			// operators refuse it before).
			if s > 0 && (a.last || !a.has[g]) {
				a.val[g], a.has[g] = v, true
			}
			continue
		}
		if s > 0 {
			a.seq[g] = append(a.seq[g], v)
			continue
		}
		a.seq[g] = removeFirst(a.seq[g], v)
	}
}

// removeFirst removes the earliest copy of v from seq, if any.
func removeFirst[T comparable](seq []T, v T) []T {
	for j, x := range seq {
		if x == v {
			copy(seq[j:], seq[j+1:])
			var z T
			seq[len(seq)-1] = z // let a removed string be collected
			seq = seq[:len(seq)-1]
			if len(seq) == 0 {
				return nil
			}
			return seq
		}
	}
	return seq
}

func (a *valueAcc[T]) appendResult(g uint32) {
	if !a.retract {
		a.res.add(a.val[g], a.has[g])
		return
	}
	s := a.seq[g]
	if len(s) == 0 {
		var z T
		a.res.add(z, false)
		return
	}
	if a.last {
		a.res.add(s[len(s)-1], true)
	} else {
		a.res.add(s[0], true)
	}
}

func (a *valueAcc[T]) resultEqual(i, j int) bool { return a.res.equal(i, j) }
func (a *valueAcc[T]) truncate(n int)            { a.res.truncate(n) }
func (a *valueAcc[T]) keep(sel []int32)          { a.res.keep(sel) }
func (a *valueAcc[T]) dropPrev()                 { a.res.dropPrev() }
func (a *valueAcc[T]) stream(groups []uint32, signs []int8, acts []uint8, changed []bool, from, to int) {
	streamEach(a, groups, signs, acts, changed, from, to)
}
func (a *valueAcc[T]) flush(mem memory.Allocator) (arrow.Array, error) {
	v, ok := a.res.take()
	return a.build(mem, v, ok)
}

// newValueAcc builds FIRST_VALUE/LAST_VALUE for an argument type; the
// result type is the argument type. The value types are MIN/MAX's (the
// value is kept as the same Go type: floats as their bits, so that a
// retraction matches a value as Java's Double.equals does).
func newValueAcc(last, retract bool, argType arrow.DataType) (accumulator, error) {
	switch argType.ID() {
	case arrow.INT8:
		return valueOrdered[int8](last, retract, argType), nil
	case arrow.INT16:
		return valueOrdered[int16](last, retract, argType), nil
	case arrow.INT32, arrow.DATE32, arrow.TIME32:
		return valueOrdered[int32](last, retract, argType), nil
	case arrow.INT64, arrow.DATE64, arrow.TIME64, arrow.TIMESTAMP, arrow.DURATION:
		return valueOrdered[int64](last, retract, argType), nil
	case arrow.UINT8:
		return valueOrdered[uint8](last, retract, argType), nil
	case arrow.UINT16:
		return valueOrdered[uint16](last, retract, argType), nil
	case arrow.UINT32:
		return valueOrdered[uint32](last, retract, argType), nil
	case arrow.UINT64:
		return valueOrdered[uint64](last, retract, argType), nil
	case arrow.FLOAT32:
		return &valueAcc[uint32]{last: last, retract: retract, read: fixedReader[uint32],
			build: func(mem memory.Allocator, v []uint32, ok []bool) (arrow.Array, error) {
				return buildFixed(mem, argType, v, ok), nil
			}}, nil
	case arrow.FLOAT64:
		return &valueAcc[uint64]{last: last, retract: retract, read: fixedReader[uint64],
			build: func(mem memory.Allocator, v []uint64, ok []bool) (arrow.Array, error) {
				return buildFixed(mem, argType, v, ok), nil
			}}, nil
	case arrow.DECIMAL128:
		return &valueAcc[decimal128.Num]{last: last, retract: retract, read: fixedReader[decimal128.Num],
			build: func(mem memory.Allocator, v []decimal128.Num, ok []bool) (arrow.Array, error) {
				return buildFixed(mem, argType, v, ok), nil
			}}, nil
	case arrow.BOOL:
		return &valueAcc[bool]{last: last, retract: retract,
			read: func(arg arrow.Array) func(int) bool { return arg.(*array.Boolean).Value },
			build: func(mem memory.Allocator, v []bool, ok []bool) (arrow.Array, error) {
				b := array.NewBooleanBuilder(mem)
				defer b.Release()
				b.AppendValues(v, ok)
				return b.NewArray(), nil
			}}, nil
	case arrow.STRING, arrow.LARGE_STRING, arrow.BINARY, arrow.LARGE_BINARY, arrow.FIXED_SIZE_BINARY,
		arrow.STRING_VIEW, arrow.BINARY_VIEW:
		return &valueAcc[string]{last: last, retract: retract, read: stringReader,
			build: func(mem memory.Allocator, v []string, ok []bool) (arrow.Array, error) {
				return buildStrings(mem, argType, v, ok)
			}}, nil
	}
	name := "FIRST_VALUE"
	if last {
		name = "LAST_VALUE"
	}
	return nil, fmt.Errorf("%s of %s is not supported", name, argType)
}

func valueOrdered[T ordered](last, retract bool, dt arrow.DataType) accumulator {
	return &valueAcc[T]{last: last, retract: retract, read: orderedReader[T],
		build: func(mem memory.Allocator, v []T, ok []bool) (arrow.Array, error) {
			return buildOrdered(mem, dt, v, ok), nil
		}}
}

// stringReader reads a byte-string column into Go strings (copies: the
// accumulator outlives the batch).
func stringReader(arg arrow.Array) func(int) string {
	c := newBinaryColumn(arg)
	return func(i int) string { return string(c.value(i)) }
}

// listAggAcc is LISTAGG(x [, sep]): the non-NULL values joined by sep
// (Flink's ListAggFunction, and ListAggWithRetractAggFunction /
// ListAggWsWithRetractAggFunction with retraction).
type listAggAcc struct {
	sep     string
	retract bool
	dt      arrow.DataType
	joined  [][]byte   // without retraction: the values so far, joined
	has     []bool     // without retraction: a value came
	lists   [][]string // with retraction: the values kept, in arrival order
	res     results[string]
	col     binaryColumn // bound
	bm      []byte
	off     int
}

func newListAggAcc(sep string, retract bool, argType, res arrow.DataType) (accumulator, error) {
	switch argType.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
	default:
		return nil, fmt.Errorf("LISTAGG takes a character string argument, got %s", argType)
	}
	switch res.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
	default:
		return nil, fmt.Errorf("LISTAGG cannot produce %s", res)
	}
	return &listAggAcc{sep: sep, retract: retract, dt: res}, nil
}

func (a *listAggAcc) bind(arg arrow.Array) {
	a.col = newBinaryColumn(arg)
	a.bm, a.off = validBits(arg)
}

func (a *listAggAcc) grow(n int) {
	if a.retract {
		a.lists = growTo(a.lists, n)
		return
	}
	a.joined = growTo(a.joined, n)
	a.has = growTo(a.has, n)
}

func (a *listAggAcc) reset(g uint32) {
	if a.retract {
		a.lists[g] = nil
		return
	}
	a.joined[g], a.has[g] = nil, false
}

func (a *listAggAcc) update(groups []uint32, signs []int8, from, to int) {
	for i := from; i < to; i++ {
		if a.bm != nil && !bitutil.BitIsSet(a.bm, a.off+i) {
			continue
		}
		s := sign(signs, i)
		if s == 0 {
			continue
		}
		g := groups[i]
		v := a.col.value(i)
		if !a.retract {
			if s > 0 {
				if a.has[g] {
					a.joined[g] = append(a.joined[g], a.sep...)
				}
				a.joined[g] = append(a.joined[g], v...)
				a.has[g] = true
			}
			continue
		}
		if s > 0 {
			a.lists[g] = append(a.lists[g], string(v))
			continue
		}
		a.lists[g] = removeFirst(a.lists[g], string(v))
	}
}

func (a *listAggAcc) appendResult(g uint32) {
	if !a.retract {
		a.res.add(string(a.joined[g]), a.has[g])
		return
	}
	l := a.lists[g]
	a.res.add(strings.Join(l, a.sep), len(l) > 0)
}

func (a *listAggAcc) resultEqual(i, j int) bool { return a.res.equal(i, j) }
func (a *listAggAcc) truncate(n int)            { a.res.truncate(n) }
func (a *listAggAcc) keep(sel []int32)          { a.res.keep(sel) }
func (a *listAggAcc) dropPrev()                 { a.res.dropPrev() }
func (a *listAggAcc) stream(groups []uint32, signs []int8, acts []uint8, changed []bool, from, to int) {
	streamEach(a, groups, signs, acts, changed, from, to)
}
func (a *listAggAcc) flush(mem memory.Allocator) (arrow.Array, error) {
	v, ok := a.res.take()
	return buildStrings(mem, a.dt, v, ok)
}

// ---- state: whether a value is kept and the value (without
// retraction), or the number of values kept and the values (with) ----

func (a *valueAcc[T]) codecs() valCodec[T] {
	if a.codec.put == nil {
		a.codec = codecFor[T]()
	}
	return a.codec
}

func (a *valueAcc[T]) save(dst []byte, g uint32) []byte {
	c := a.codecs()
	if !a.retract {
		if !a.has[g] {
			return append(dst, 0)
		}
		return c.put(append(dst, 1), a.val[g])
	}
	dst = binary.AppendUvarint(dst, uint64(len(a.seq[g])))
	for _, v := range a.seq[g] {
		dst = c.put(dst, v)
	}
	return dst
}

func (a *valueAcc[T]) load(d *stateDecoder, g uint32) {
	c := a.codecs()
	if !a.retract {
		switch d.byte1() {
		case 0:
		case 1:
			a.val[g], a.has[g] = c.get(d), true
		default:
			d.fail("value flag")
		}
		return
	}
	n := d.count(c.min)
	if n == 0 {
		return
	}
	s := make([]T, n)
	for j := range s {
		s[j] = c.get(d)
	}
	a.seq[g] = s
}

func (a *listAggAcc) save(dst []byte, g uint32) []byte {
	if !a.retract {
		if !a.has[g] {
			return append(dst, 0)
		}
		dst = binary.AppendUvarint(append(dst, 1), uint64(len(a.joined[g])))
		return append(dst, a.joined[g]...)
	}
	dst = binary.AppendUvarint(dst, uint64(len(a.lists[g])))
	for _, v := range a.lists[g] {
		dst = binary.AppendUvarint(dst, uint64(len(v)))
		dst = append(dst, v...)
	}
	return dst
}

func (a *listAggAcc) load(d *stateDecoder, g uint32) {
	if !a.retract {
		switch d.byte1() {
		case 0:
		case 1:
			n := d.count(1)
			a.joined[g] = append([]byte(nil), d.fixed(n)...)
			a.has[g] = true
		default:
			d.fail("value flag")
		}
		return
	}
	n := d.count(1)
	if n == 0 {
		return
	}
	l := make([]string, n)
	for j := range l {
		l[j] = string(d.fixed(d.count(1)))
	}
	a.lists[g] = l
}
