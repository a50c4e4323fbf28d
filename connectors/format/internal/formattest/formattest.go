package formattest

import (
	"fmt"
	"math"
	"math/big"
	mrand "math/rand"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/connectors/format"
	"github.com/sluice-stream/sluice/connectors/internal/option"
	"github.com/sluice-stream/sluice/connectors/print"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/types"
)

// Col is a column.
func Col(name string, t types.DataType) connector.Column {
	return connector.Column{Name: name, Type: t}
}

// Context is a format context with options opts (prefix is the name
// messages use, "csv") and the session zone loc (UTC when nil).
func Context(prefix string, cols []connector.Column, opts map[string]string, loc *time.Location) *format.Context {
	if loc == nil {
		loc = time.UTC
	}
	if opts == nil {
		opts = map[string]string{}
	}
	return &format.Context{Columns: cols, Options: option.Reader{Connector: prefix, Options: opts}, Location: loc}
}

// Builders makes one builder per column; release them with Release.
func Builders(mem memory.Allocator, cols []connector.Column) []array.Builder {
	bs := make([]array.Builder, len(cols))
	for i, c := range cols {
		bs[i] = array.NewBuilder(mem, c.Type.Arrow())
	}
	return bs
}

// Finish turns builders into arrays and releases the builders.
func Finish(bs []array.Builder) []arrow.Array {
	out := make([]arrow.Array, len(bs))
	for i, b := range bs {
		out[i] = b.NewArray()
		b.Release()
	}
	return out
}

// Release releases arrays.
func Release(arrs []arrow.Array) {
	for _, a := range arrs {
		a.Release()
	}
}

// Lens are the lengths of builders.
func Lens(bs []array.Builder) []int {
	n := make([]int, len(bs))
	for i, b := range bs {
		n[i] = b.Len()
	}
	return n
}

// Row renders row i of arrays as Flink's print connector would: one
// string per column, NULL as "null"; every type has one exact text, so
// comparing renderings compares values (NaN included).
func Row(arrs []arrow.Array, i int) []string {
	out := make([]string, len(arrs))
	for c, a := range arrs {
		out[c] = print.FormatValue(a, i)
	}
	return out
}

// Equal checks that got holds the same rows as want, row by row; context
// goes into the message.
func Equal(t testing.TB, want, got []arrow.Array, context string) {
	t.Helper()
	require.Equal(t, len(want), len(got), "columns")
	for c := range want {
		require.Equal(t, want[c].Len(), got[c].Len(), "rows of column %d", c)
	}
	for i := 0; i < want[0].Len(); i++ {
		require.Equal(t, Row(want, i), Row(got, i), "row %d %s", i, context)
	}
}

// RoundTrip encodes every row of arrs with enc, parses each record with
// dec and appends it: the arrays it returns hold what came back. records
// are the encoded records.
func RoundTrip(t testing.TB, mem memory.Allocator, cols []connector.Column, enc format.Encoder, dec format.Decoder, arrs []arrow.Array) (back []arrow.Array, records []string) {
	t.Helper()
	bs := Builders(mem, cols)
	// Never nil: an empty record is not a missing one (a nil Kafka value).
	buf := make([]byte, 0, 256)
	for i := 0; i < arrs[0].Len(); i++ {
		var err error
		buf, err = enc.Encode(buf[:0], arrs, i)
		require.NoError(t, err, "row %d: %v", i, Row(arrs, i))
		records = append(records, string(buf))
		ok, err := dec.Parse(buf)
		require.NoError(t, err, "row %d: %v\nrecord: %s", i, Row(arrs, i), buf)
		require.True(t, ok, "row %d: record %q holds no row", i, buf)
		dec.Append(bs)
		clear(buf) // the decoder must not keep pointing into a record after Append
	}
	return Finish(bs), records
}

// Gen makes random columns.
type Gen struct {
	R *rand.Rand
	// NullRate is the chance of a NULL at every level.
	NullRate float64
	// NoNullText leaves CHAR/VARCHAR/BINARY values non-NULL everywhere.
	NoNullText bool
	// NoSingletons gives no ARRAY exactly one element.
	NoSingletons bool
	// MinElems is the fewest elements of an ARRAY.
	MinElems int
	// Text makes a string; nested is true inside ARRAY, MAP and ROW. By
	// default: Tricky.
	Text func(r *rand.Rand, nested bool) string
}

// Tricky picks strings that break codecs: delimiters, quotes, escapes,
// line breaks, white space, multi-byte characters.
func Tricky(r *rand.Rand, _ bool) string {
	pieces := []string{"a", "Zz", "0", " ", ",", ";", "\"", "'", "\\", "\n", "\r\n", "\t", "#", "|",
		"é", "中文", "😀", "null", "N", "{", "}", "[", "]", ":", "\u0001", "x\u2028y"}
	var b strings.Builder
	for range r.IntN(6) {
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	return b.String()
}

// Plain picks strings of letters, digits, spaces and multi-byte
// characters only.
func Plain(r *rand.Rand, _ bool) string {
	pieces := []string{"a", "Zz", "0", "42", " ", "é", "中文", "😀", "x_y", "-"}
	var b strings.Builder
	for range 1 + r.IntN(5) {
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	return b.String()
}

// Columns builds rows random rows of cols.
func (g *Gen) Columns(mem memory.Allocator, cols []connector.Column, rows int) []arrow.Array {
	bs := Builders(mem, cols)
	for range rows {
		for i, c := range cols {
			g.Value(bs[i], c.Type, false)
		}
	}
	return Finish(bs)
}

func isText(t types.DataType) bool {
	switch t.Kind {
	case types.Char, types.VarChar, types.Binary, types.VarBinary:
		return true
	}
	return false
}

// Value appends a random value of t to b.
func (g *Gen) Value(b array.Builder, t types.DataType, nested bool) {
	r := g.R
	if !t.NotNull && r.Float64() < g.NullRate && !(g.NoNullText && isText(t)) {
		b.AppendNull()
		return
	}
	text := g.Text
	if text == nil {
		text = Tricky
	}
	switch bb := b.(type) {
	case *array.BooleanBuilder:
		bb.Append(r.IntN(2) == 0)
	case *array.Int8Builder:
		bb.Append(int8(pick(r, []int64{math.MinInt8, math.MaxInt8, 0, -1}, func() int64 { return r.Int64N(256) - 128 })))
	case *array.Int16Builder:
		bb.Append(int16(pick(r, []int64{math.MinInt16, math.MaxInt16, 0}, func() int64 { return r.Int64N(65536) - 32768 })))
	case *array.Int32Builder:
		bb.Append(int32(pick(r, []int64{math.MinInt32, math.MaxInt32, 0}, func() int64 { return int64(int32(r.Uint32())) })))
	case *array.Int64Builder:
		bb.Append(pick(r, []int64{math.MinInt64, math.MaxInt64, 0, 1700000000123}, func() int64 { return int64(r.Uint64()) >> r.IntN(64) }))
	case *array.Float32Builder:
		bb.Append(float32(pickF(r, []float64{0, math.Copysign(0, -1), math.MaxFloat32, math.SmallestNonzeroFloat32, -1.5e-7, 1e7, 0.001, math.Inf(1), math.Inf(-1), math.NaN()},
			func() float64 { return float64(math.Float32frombits(r.Uint32())) })))
	case *array.Float64Builder:
		bb.Append(pickF(r, []float64{0, math.Copysign(0, -1), math.MaxFloat64, math.SmallestNonzeroFloat64, 4.9e-324, 1e-300, 123456789.125, 0.1, math.Inf(1), math.NaN()},
			func() float64 { return math.Float64frombits(r.Uint64()) }))
	case *array.Decimal128Builder:
		bb.Append(randDecimal(r, t.Precision))
	case *array.StringBuilder:
		bb.Append(text(r, nested))
	case *array.BinaryBuilder:
		v := make([]byte, r.IntN(7))
		for i := range v {
			v[i] = byte(r.Uint32())
		}
		bb.Append(v)
	case *array.Date32Builder:
		// Years 0001…9999 mostly; leap days, the epoch and far years too.
		bb.Append(arrow.Date32(pick(r, []int64{0, -1, 11016 /*2000-02-29*/, -25508 /*1900-03-01*/, -719162 /*0001-01-01*/, 2932896 /*9999-12-31*/, -719528 /*0000-01-01*/, -719529, 3000000},
			func() int64 { return r.Int64N(2932896+719162) - 719162 })))
	case *array.Time32Builder:
		per := int64(1)
		if bb.Type().(*arrow.Time32Type).Unit == arrow.Millisecond {
			per = 1000
		}
		v := pick(r, []int64{0, 86399 * per, 43200 * per}, func() int64 { return r.Int64N(86400 * per) })
		bb.Append(arrow.Time32(truncate(v, per, t.Precision)))
	case *array.Time64Builder:
		per := int64(1e6)
		if bb.Type().(*arrow.Time64Type).Unit == arrow.Nanosecond {
			per = 1e9
		}
		v := pick(r, []int64{0, 86400*per - 1}, func() int64 { return r.Int64N(86400 * per) })
		bb.Append(arrow.Time64(truncate(v, per, t.Precision)))
	case *array.TimestampBuilder:
		per := [...]int64{1, 1e3, 1e6, 1e9}[bb.Type().(*arrow.TimestampType).Unit]
		lo, hi := int64(-62135596800), int64(253402300799) // 0001-01-01 … 9999-12-31
		if per == 1e9 {
			lo, hi = math.MinInt64/per+1, math.MaxInt64/per-1
		}
		secs := pick(r, []int64{0, -1, 951782400 /*2000-02-29*/, lo, hi}, func() int64 { return lo + r.Int64N(hi-lo) })
		bb.Append(arrow.Timestamp(truncate(secs*per+r.Int64N(per), per, t.Precision)))
	case *array.MonthIntervalBuilder:
		bb.Append(arrow.MonthInterval(int32(r.Uint32())))
	case *array.DurationBuilder:
		bb.Append(arrow.Duration(int64(r.Uint64()) >> 8))
	case *array.ListBuilder:
		n := g.MinElems + r.IntN(4)
		if g.NoSingletons && n == 1 {
			n = 2
		}
		bb.Append(true)
		for range n {
			g.Value(bb.ValueBuilder(), *t.Elem, true)
		}
	case *array.MapBuilder:
		bb.Append(true)
		seen := map[string]bool{}
		for range r.IntN(4) {
			// Keys are unique, as a JSON object's are: a key is made twice
			// from one seed, once to see it, once into the map.
			s1, s2 := r.Uint64(), r.Uint64()
			sub := *g
			sub.R = rand.New(rand.NewPCG(s1, s2))
			kb := array.NewBuilder(memory.DefaultAllocator, t.Key.Arrow())
			sub.Value(kb, t.Key.NotNullable(), true)
			ka := kb.NewArray()
			key := print.FormatValue(ka, 0)
			ka.Release()
			kb.Release()
			if seen[key] {
				continue
			}
			seen[key] = true
			sub.R = rand.New(rand.NewPCG(s1, s2))
			sub.Value(bb.KeyBuilder(), t.Key.NotNullable(), true)
			g.Value(bb.ItemBuilder(), *t.Value, true)
		}
	case *array.StructBuilder:
		bb.Append(true)
		for i, f := range t.Fields {
			g.Value(bb.FieldBuilder(i), f.Type, true)
		}
	case *array.NullBuilder:
		bb.AppendNull()
	default:
		panic(fmt.Sprintf("formattest: no generator for %T", b))
	}
}

func pick(r *rand.Rand, edges []int64, random func() int64) int64 {
	if r.IntN(4) == 0 {
		return edges[r.IntN(len(edges))]
	}
	return random()
}

func pickF(r *rand.Rand, edges []float64, random func() float64) float64 {
	if r.IntN(4) == 0 {
		return edges[r.IntN(len(edges))]
	}
	return random()
}

// truncate drops the digits finer than precision from v, in units of
// 1/per seconds.
func truncate(v, per int64, precision int) int64 {
	q := int64(math.Pow10(9-precision)) * per / 1e9
	if q <= 1 {
		return v
	}
	return v - ((v%q)+q)%q
}

func randDecimal(r *rand.Rand, precision int) decimal128.Num {
	digits := 1 + r.IntN(precision)
	if r.IntN(5) == 0 {
		digits = precision
	}
	limit := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(digits)), nil)
	v := new(big.Int).Rand(mrand.New(randSource{r}), limit)
	if r.IntN(2) == 0 {
		v.Neg(v)
	}
	return decimal128.FromBigInt(v)
}

// randSource adapts math/rand/v2 to the math/rand source big.Int wants.
type randSource struct{ r *rand.Rand }

func (s randSource) Int63() int64 { return int64(s.r.Uint64() >> 1) }
func (s randSource) Seed(int64)   {}

// FromJSON builds an array of type t from Arrow's JSON form of its values
// (array.FromJSON): `[1, null]`, `["2024-02-29"]`, `[[{"key": "a", "value": 1}]]`.
func FromJSON(t testing.TB, typ types.DataType, values string) arrow.Array {
	t.Helper()
	a, _, err := array.FromJSON(memory.DefaultAllocator, typ.Arrow(), strings.NewReader(values))
	require.NoError(t, err, "%s: %s", typ, values)
	return a
}

// CDNColumns is the CDN access log of the seed job.
func CDNColumns() []connector.Column {
	return []connector.Column{
		Col("uuid", types.STRING()), Col("client_ip", types.STRING()), Col("request_time", types.BIGINT()),
		Col("response_size", types.BIGINT()), Col("uri", types.STRING()),
	}
}

// CDNLog is n access log rows like
// f4b2c3a0-1c5e-4b7e-9a1d-2f3e4d5c6b7a, 112.10.23.45, 1700000000123, 52340,
// /static/js/app.3f9a.js.
func CDNLog(mem memory.Allocator, n int) []arrow.Array {
	r := rand.New(rand.NewPCG(7, 7))
	bs := Builders(mem, CDNColumns())
	files := []string{"/static/js/app.%04x.js", "/static/css/site.%04x.css", "/img/banner-%d.png", "/video/%d/seg.ts", "/index.html?v=%d"}
	for range n {
		bs[0].(*array.StringBuilder).Append(fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", r.Uint32(), r.Uint32()&0xffff, r.Uint32()&0xfff, r.Uint32()&0xffff, r.Uint64()&0xffffffffffff))
		bs[1].(*array.StringBuilder).Append(fmt.Sprintf("%d.%d.%d.%d", 1+r.IntN(223), r.IntN(256), r.IntN(256), r.IntN(256)))
		bs[2].(*array.Int64Builder).Append(1700000000000 + r.Int64N(86400000))
		bs[3].(*array.Int64Builder).Append(r.Int64N(1 << 20))
		bs[4].(*array.StringBuilder).Append(fmt.Sprintf(files[r.IntN(len(files))], r.IntN(1<<16)))
	}
	return Finish(bs)
}

// BenchmarkDecode decodes records (the CDN log encoded by the format)
// into a record builder, len(records) rows per batch reserved up front as
// the Kafka source does, and reports the cost per record.
func BenchmarkDecode(b *testing.B, f format.Factory, cols []connector.Column, records [][]byte, opts map[string]string) {
	dec, err := f.NewDecoder(Context(f.Identifier(), cols, opts, nil))
	require.NoError(b, err)
	fs := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fs[i] = arrow.Field{Name: c.Name, Type: c.Type.Arrow(), Nullable: true}
	}
	rb := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema(fs, nil))
	defer rb.Release()
	builders := rb.Fields()
	var bytes int
	for _, r := range records {
		bytes += len(r)
	}
	b.SetBytes(int64(bytes))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rb.Reserve(len(records))
		for _, r := range records {
			ok, err := dec.Parse(r)
			if err != nil || !ok {
				b.Fatalf("%q: %v", r, err)
			}
			dec.Append(builders)
		}
		rb.NewRecordBatch().Release()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(records)), "ns/record")
	b.ReportMetric(float64(b.N*len(records))/b.Elapsed().Seconds(), "records/s")
}

// Encode encodes every row of arrs.
func Encode(t testing.TB, f format.Factory, cols []connector.Column, arrs []arrow.Array, opts map[string]string) [][]byte {
	enc, err := f.NewEncoder(Context(f.Identifier(), cols, opts, nil))
	require.NoError(t, err)
	out := make([][]byte, arrs[0].Len())
	for i := range out {
		out[i], err = enc.Encode(nil, arrs, i)
		require.NoError(t, err)
	}
	return out
}
