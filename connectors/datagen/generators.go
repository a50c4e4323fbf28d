package datagen

import (
	"encoding/binary"
	"hash/fnv"
	"math"
	"math/bits"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/sluice-stream/sluice/table/types"
)

// gen appends generated values straight into an Arrow builder: one call per
// column and batch for top-level columns, so the per-value loop is typed.
type gen interface {
	fill(b array.Builder, n int)
}

// keyGen also draws single values as comparable Go values, so that a MAP
// generator can drop duplicate keys as Flink's HashMap does.
type keyGen interface {
	gen
	draw() any
	put(b array.Builder, v any)
}

// genContext creates the generators of one subtask.
type genContext struct {
	seed        uint64
	subtask     int
	parallelism int
	now         func() time.Time
	// pcgs collects the random sources in the order rng creates them,
	// which is fixed by the table's fields: a checkpoint stores their
	// states so that a restored source continues its streams.
	pcgs *[]*rand.PCG
}

// rng is the random stream of one field in one subtask: seeded by the
// table's seed, the subtask and the field's path, so each field draws
// independently of the others and of the batch size, and subtasks differ
// (Flink seeds each parallel RandomGenerator instance separately).
func (c genContext) rng(path string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(path))
	src := rand.NewPCG(mix(c.seed+uint64(c.subtask)*0x9e3779b97f4a7c15), h.Sum64())
	if c.pcgs != nil {
		*c.pcgs = append(*c.pcgs, src)
	}
	return rand.New(src)
}

// mix is SplitMix64's finalizer: nearby seeds give unrelated streams.
func mix(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// nulls decides NULLs at a field's null-rate.
type nulls struct {
	r    *rand.Rand
	rate float64
}

func (n nulls) null() bool { return n.rate > 0 && n.r.Float64() < n.rate }

type appender[T any] interface {
	array.Builder
	Append(T)
}

// scalar generates fixed-width values of Go type T into builders of type B.
type scalar[T comparable, B appender[T]] struct {
	nulls
	before func() // once per fill or draw: reads the clock for time types
	next   func() T
}

func (g *scalar[T, B]) fill(b array.Builder, n int) {
	if g.before != nil {
		g.before()
	}
	bb := b.(B)
	bb.Reserve(n)
	for range n {
		if g.null() {
			bb.AppendNull()
			continue
		}
		bb.Append(g.next())
	}
}

func (g *scalar[T, B]) draw() any {
	if g.before != nil {
		g.before()
	}
	return g.next()
}

func (g *scalar[T, B]) put(b array.Builder, v any) { b.(B).Append(v.(T)) }

func newScalar[T comparable, B appender[T]](n nulls, next func() T) *scalar[T, B] {
	return &scalar[T, B]{nulls: n, next: next}
}

// varBytes generates strings and byte strings into a reused buffer.
type varBytes struct {
	nulls
	next func(dst []byte) []byte
	buf  []byte
}

func binaryBuilder(b array.Builder) *array.BinaryBuilder {
	if s, ok := b.(*array.StringBuilder); ok {
		return s.BinaryBuilder
	}
	return b.(*array.BinaryBuilder)
}

func (g *varBytes) fill(b array.Builder, n int) {
	bb := binaryBuilder(b)
	bb.Reserve(n)
	for range n {
		if g.null() {
			bb.AppendNull()
			continue
		}
		g.buf = g.next(g.buf[:0])
		bb.Append(g.buf)
	}
}

func (g *varBytes) draw() any { return string(g.next(nil)) }

func (g *varBytes) put(b array.Builder, v any) { binaryBuilder(b).AppendString(v.(string)) }

// listGen generates ARRAY and MULTISET values of a fixed number of
// elements (Flink's RandomGenerator.arrayGenerator).
type listGen struct {
	nulls
	length int
	elem   gen
}

func (g *listGen) fill(b array.Builder, n int) {
	lb := b.(*array.ListBuilder)
	vb := lb.ValueBuilder()
	lb.Reserve(n)
	for range n {
		if g.null() {
			lb.AppendNull()
			continue
		}
		lb.Append(true)
		g.elem.fill(vb, g.length)
	}
}

// mapGen generates MAP values: `length` draws of a key and a value, equal
// keys kept once (Flink's mapGenerator puts them into a HashMap).
type mapGen struct {
	nulls
	length int
	key    keyGen
	value  gen
	seen   map[any]struct{}
}

func (g *mapGen) fill(b array.Builder, n int) {
	mb := b.(*array.MapBuilder)
	kb, ib := mb.KeyBuilder(), mb.ItemBuilder()
	mb.Reserve(n)
	for range n {
		if g.null() {
			mb.AppendNull()
			continue
		}
		mb.Append(true)
		clear(g.seen)
		for range g.length {
			k := g.key.draw()
			if _, dup := g.seen[k]; dup {
				continue
			}
			g.seen[k] = struct{}{}
			g.key.put(kb, k)
			g.value.fill(ib, 1)
		}
	}
}

// structGen generates ROW values: each field fills its own child builder
// for the whole batch.
type structGen struct {
	nulls
	fields []gen
	valid  []bool
}

func (g *structGen) fill(b array.Builder, n int) {
	sb := b.(*array.StructBuilder)
	g.valid = g.valid[:0]
	for range n {
		g.valid = append(g.valid, !g.null())
	}
	sb.AppendValues(g.valid)
	for i, f := range g.fields {
		f.fill(sb.FieldBuilder(i), n)
	}
}

// newGen builds the generator of f for one subtask.
func (c genContext) newGen(f *field) gen {
	if f.kind == KindSequence {
		return c.sequenceGen(f)
	}
	r := c.rng(f.path)
	nl := nulls{r: r, rate: f.nullRate}
	t := f.typ
	switch t.Kind {
	case types.Boolean:
		// Flink's booleanGenerator: nextInt(0, 1) == 0, a fair coin.
		return newScalar[bool, *array.BooleanBuilder](nl, func() bool { return r.Uint64()&1 == 1 })
	case types.TinyInt:
		return newScalar[int8, *array.Int8Builder](nl, func() int8 { return int8(randInt(r, f.minI, f.maxI)) })
	case types.SmallInt:
		return newScalar[int16, *array.Int16Builder](nl, func() int16 { return int16(randInt(r, f.minI, f.maxI)) })
	case types.Int:
		return newScalar[int32, *array.Int32Builder](nl, func() int32 { return int32(randInt(r, f.minI, f.maxI)) })
	case types.BigInt:
		return newScalar[int64, *array.Int64Builder](nl, func() int64 { return randInt(r, f.minI, f.maxI) })
	case types.IntervalYearMonth:
		return newScalar[arrow.MonthInterval, *array.MonthIntervalBuilder](nl, func() arrow.MonthInterval {
			return arrow.MonthInterval(randInt(r, f.minI, f.maxI))
		})
	case types.IntervalDayTime:
		return newScalar[arrow.Duration, *array.DurationBuilder](nl, func() arrow.Duration {
			return arrow.Duration(randInt(r, f.minI, f.maxI))
		})
	case types.Float:
		lo, hi := f.minF, f.maxF
		return newScalar[float32, *array.Float32Builder](nl, func() float32 {
			return float32(min(max(uniform(r, lo, hi), lo), hi))
		})
	case types.Double:
		lo, hi := f.minF, f.maxF
		return newScalar[float64, *array.Float64Builder](nl, func() float64 { return uniform(r, lo, hi) })
	case types.Decimal:
		lo := f.minD
		span := f.maxD.Sub(f.minD) // as an unsigned 128-bit number
		return newScalar[decimal128.Num, *array.Decimal128Builder](nl, func() decimal128.Num {
			hi, low := randUint128(r, uint64(span.HighBits()), span.LowBits())
			return lo.Add(decimal128.New(int64(hi), low))
		})
	case types.Char, types.VarChar:
		// Flink: RandomDataGenerator.nextHexString — lower-case hex digits.
		length, varLen := f.length, f.varLen
		return &varBytes{nulls: nl, next: func(dst []byte) []byte {
			return appendHex(dst, r, drawLength(r, length, varLen))
		}}
	case types.Binary, types.VarBinary:
		length, varLen := f.length, f.varLen
		return &varBytes{nulls: nl, next: func(dst []byte) []byte {
			return appendRandomBytes(dst, r, drawLength(r, length, varLen))
		}}
	case types.Date:
		// Flink: always the current date of the local machine.
		var day arrow.Date32
		g := newScalar[arrow.Date32, *array.Date32Builder](nl, func() arrow.Date32 { return day })
		g.before = func() {
			y, m, d := c.now().Date()
			day = arrow.Date32(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
		}
		return g
	case types.Time:
		// Flink: always the current local time, in milliseconds.
		var ms int64
		return timeGen(t, nl, func() int64 { return ms }, func() {
			now := c.now()
			h, m, s := now.Clock()
			ms = int64(h*3600+m*60+s)*1000 + int64(now.Nanosecond()/1e6)
		})
	case types.Timestamp, types.TimestampLTZ:
		// Flink: now minus a uniform draw in [0, max-past] milliseconds.
		// TIMESTAMP gets the epoch value too (TimestampData.fromEpochMillis),
		// so it shows the UTC wall clock, as in Flink.
		var nowMs int64
		maxPast := f.maxPast.Milliseconds()
		unit := t.Arrow().(*arrow.TimestampType).Unit
		g := newScalar[arrow.Timestamp, *array.TimestampBuilder](nl, func() arrow.Timestamp {
			ms := nowMs
			if maxPast > 0 {
				ms -= r.Int64N(maxPast + 1)
			}
			return arrow.Timestamp(msToUnit(truncateMs(ms, t.Precision), unit))
		})
		g.before = func() { nowMs = c.now().UnixMilli() }
		return g
	case types.Array, types.Multiset:
		return &listGen{nulls: nl, length: f.length, elem: c.newGen(f.elem)}
	case types.Map:
		return &mapGen{nulls: nl, length: f.length, key: c.newGen(f.key).(keyGen), value: c.newGen(f.value), seen: map[any]struct{}{}}
	case types.Row:
		g := &structGen{nulls: nl}
		for _, sf := range f.fields {
			g.fields = append(g.fields, c.newGen(sf))
		}
		return g
	}
	panic("datagen: no generator for " + t.String()) // newTable rejected the type
}

// timeGen generates TIME values in the type's Arrow unit from a
// millisecond-of-day reading that before refreshes.
func timeGen(t types.DataType, nl nulls, ms func() int64, before func()) keyGen {
	switch u := t.Arrow().(type) {
	case *arrow.Time32Type:
		g := newScalar[arrow.Time32, *array.Time32Builder](nl, func() arrow.Time32 {
			return arrow.Time32(msToUnit(truncateMs(ms(), t.Precision), u.Unit))
		})
		g.before = before
		return g
	case *arrow.Time64Type:
		g := newScalar[arrow.Time64, *array.Time64Builder](nl, func() arrow.Time64 {
			return arrow.Time64(msToUnit(truncateMs(ms(), t.Precision), u.Unit))
		})
		g.before = before
		return g
	}
	panic("datagen: TIME without a time Arrow type")
}

// truncateMs drops the digits a fractional-second precision below 3 has no
// room for.
func truncateMs(ms int64, precision int) int64 {
	if precision >= 3 {
		return ms
	}
	q := int64(math.Pow10(3 - precision))
	return ms - ((ms%q)+q)%q
}

func msToUnit(ms int64, u arrow.TimeUnit) int64 {
	switch u {
	case arrow.Second:
		if ms < 0 {
			return (ms - 999) / 1000
		}
		return ms / 1000
	case arrow.Microsecond:
		return ms * 1e3
	case arrow.Nanosecond:
		return ms * 1e6
	}
	return ms
}

// randInt draws uniformly from [lo, hi], both inclusive (commons-math's
// RandomDataGenerator.nextLong/nextInt, which Flink uses).
func randInt(r *rand.Rand, lo, hi int64) int64 {
	span := uint64(hi) - uint64(lo)
	if span == math.MaxUint64 {
		return int64(r.Uint64())
	}
	return lo + int64(r.Uint64N(span+1))
}

// uniform draws from [lo, hi] without overflowing when the range is wider
// than the largest float (Flink's nextUniform over [MIN_VALUE, MAX_VALUE]).
func uniform(r *rand.Rand, lo, hi float64) float64 {
	u := r.Float64()
	return lo*(1-u) + hi*u
}

// randUint128 draws uniformly from [0, span] over 128 bits, by rejection.
func randUint128(r *rand.Rand, spanHi, spanLo uint64) (uint64, uint64) {
	if spanHi == 0 {
		if spanLo == math.MaxUint64 {
			return 0, r.Uint64()
		}
		return 0, r.Uint64N(spanLo + 1)
	}
	mask := uint64(math.MaxUint64) >> bits.LeadingZeros64(spanHi)
	for {
		hi, lo := r.Uint64()&mask, r.Uint64()
		if hi < spanHi || (hi == spanHi && lo <= spanLo) {
			return hi, lo
		}
	}
}

// drawLength is the length of one string: fixed, or with var-len uniform
// in [1, length] (Flink draws ThreadLocalRandom.nextInt(1, length), which
// never reaches length itself; Sluice includes it).
func drawLength(r *rand.Rand, length int, varLen bool) int {
	if varLen {
		return 1 + r.IntN(length)
	}
	return length
}

const hexDigits = "0123456789abcdef"

func appendHex(dst []byte, r *rand.Rand, n int) []byte {
	for n > 0 {
		x := r.Uint64()
		for j := 0; j < 16 && n > 0; j++ {
			dst = append(dst, hexDigits[x&15])
			x >>= 4
			n--
		}
	}
	return dst
}

func appendRandomBytes(dst []byte, r *rand.Rand, n int) []byte {
	for n > 0 {
		x := r.Uint64()
		for j := 0; j < 8 && n > 0; j++ {
			dst = append(dst, byte(x))
			x >>= 8
			n--
		}
	}
	return dst
}

// sequence is the share of one subtask of a sequence field, exactly as
// Flink's SequenceGenerator.open splits [start, end]: subtask i of n emits
// start+i, start+i+n, start+i+2n, … — every value once across subtasks.
type sequence struct {
	start   uint64 // start + subtask, modulo 2^64
	step    uint64
	count   int64 // values this subtask emits
	emitted int64
}

func newSequence(f *field, subtask, parallelism int) *sequence {
	total := uint64(f.end) - uint64(f.start) + 1
	n := uint64(parallelism)
	count := total / n
	if total%n > uint64(subtask) {
		count++
	}
	return &sequence{start: uint64(f.start) + uint64(subtask), step: n, count: int64(count)}
}

func (s *sequence) next() int64 {
	v := int64(s.start + uint64(s.emitted)*s.step)
	s.emitted++
	return v
}

// sequenceGen builds the generator of a sequence column; Run stops at the
// shortest sequence (Flink: the row generator ends when any field ends).
func (c genContext) sequenceGen(f *field) gen {
	s := newSequence(f, c.subtask, c.parallelism)
	none := nulls{}
	t := f.typ
	switch t.Kind {
	case types.TinyInt:
		return &seqGen{s, newScalar[int8, *array.Int8Builder](none, func() int8 { return int8(s.next()) })}
	case types.SmallInt:
		return &seqGen{s, newScalar[int16, *array.Int16Builder](none, func() int16 { return int16(s.next()) })}
	case types.Int:
		return &seqGen{s, newScalar[int32, *array.Int32Builder](none, func() int32 { return int32(s.next()) })}
	case types.BigInt:
		return &seqGen{s, newScalar[int64, *array.Int64Builder](none, s.next)}
	case types.Float:
		return &seqGen{s, newScalar[float32, *array.Float32Builder](none, func() float32 { return float32(s.next()) })}
	case types.Double:
		return &seqGen{s, newScalar[float64, *array.Float64Builder](none, func() float64 { return float64(s.next()) })}
	case types.Decimal:
		scale := int32(t.Scale)
		return &seqGen{s, newScalar[decimal128.Num, *array.Decimal128Builder](none, func() decimal128.Num {
			return decimal128.FromI64(s.next()).IncreaseScaleBy(scale)
		})}
	case types.Char, types.VarChar:
		// Flink: the decimal text of the number.
		return &seqGen{s, &varBytes{next: func(dst []byte) []byte { return strconv.AppendInt(dst, s.next(), 10) }}}
	case types.Binary, types.VarBinary:
		// Flink: Longs.toByteArray, 8 big-endian bytes; BINARY(n > 8) is
		// left-padded with zero bytes to its fixed length.
		pad := 0
		if t.Kind == types.Binary {
			pad = t.Length - 8
		}
		return &seqGen{s, &varBytes{next: func(dst []byte) []byte {
			for range pad {
				dst = append(dst, 0)
			}
			return binary.BigEndian.AppendUint64(dst, uint64(s.next()))
		}}}
	}
	panic("datagen: no sequence generator for " + t.String())
}

// seqGen is a sequence column's generator and its remaining count.
type seqGen struct {
	seq *sequence
	gen
}
