package engine

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/vectorized"
)

// memTable is an in-memory dimension table read by key columns: what a
// connector's LookupFunction does, without a database. It records the
// keys of each call and fails the next `fail` calls.
type memTable struct {
	t      testing.TB
	schema *arrow.Schema
	keyCol []int // the table's columns the lookup keys compare with
	rows   [][]any
	calls  [][]string
	fail   int
	mem    memory.Allocator
	index  map[string][][]any // key (as the calls record it) → rows
}

func (m *memTable) Open(_ context.Context, rt *RuntimeContext) error { m.mem = rt.Mem; return nil }
func (m *memTable) Close() error                                     { return nil }

func (m *memTable) Lookup(_ context.Context, keys []arrow.Array) (LookupResult, error) {
	var call []string
	n := keys[0].Len()
	for i := 0; i < n; i++ {
		var parts []string
		for _, k := range keys {
			parts = append(parts, k.ValueStr(i))
		}
		call = append(call, fmt.Sprint(parts))
	}
	m.calls = append(m.calls, call)
	if m.fail > 0 {
		m.fail--
		return LookupResult{}, errors.New("connection refused")
	}
	if m.index == nil {
		m.index = map[string][][]any{}
		for _, r := range m.rows {
			var parts []string
			for _, c := range m.keyCol {
				parts = append(parts, fmt.Sprint(r[c]))
			}
			k := fmt.Sprint(parts)
			m.index[k] = append(m.index[k], r)
		}
	}
	var found [][]any
	var at []int32
	for i, k := range call {
		for _, r := range m.index[k] {
			found = append(found, r)
			at = append(at, int32(i))
		}
	}
	if len(found) == 0 {
		return LookupResult{}, nil
	}
	b := makeBatch(m.t, m.mem, m.schema, nil, found...)
	return LookupResult{Rows: b.Record, Keys: at}, nil
}

// constString is a constant VARCHAR key (`dim.kind = 'x'`).
type constString string

func (c constString) DataType() arrow.DataType { return arrow.BinaryTypes.String }
func (c constString) String() string           { return "'" + string(c) + "'" }
func (c constString) Eval(ec *vectorized.EvalContext, rec arrow.RecordBatch) (arrow.Array, error) {
	b := array.NewStringBuilder(ec.Mem)
	defer b.Release()
	for i := 0; i < int(rec.NumRows()); i++ {
		b.Append(string(c))
	}
	return b.NewArray(), nil
}

var (
	ordersSchema = schemaOf(field("id", arrow.PrimitiveTypes.Int64), field("k", arrow.PrimitiveTypes.Int64))
	dimSchema    = schemaOf(field("did", arrow.PrimitiveTypes.Int64), field("kind", arrow.BinaryTypes.String), field("v", arrow.PrimitiveTypes.Int64))
)

func dimTable(t testing.TB) *memTable {
	return &memTable{t: t, schema: dimSchema, keyCol: []int{0}, rows: [][]any{
		{int64(1), "a", int64(10)},
		{int64(1), "b", int64(11)},
		{int64(2), "a", int64(20)},
		{int64(3), "b", int64(30)},
	}}
}

func newLookupHarness(t *testing.T, mem memory.Allocator, spec LookupJoinSpec, tab *memTable) *harness {
	t.Helper()
	spec.Left, spec.Right, spec.Table = ordersSchema, dimSchema, "dim"
	spec.Function = func() LookupFunction { return tab }
	op, err := NewLookupJoin(spec)
	require.NoError(t, err)
	return newHarness(t, mem, op, nil)
}

func orders(t testing.TB, mem memory.Allocator, ks []vectorized.RowKind, rows ...[]any) *vectorized.Batch {
	return makeBatch(t, mem, ordersSchema, ks, rows...)
}

func TestLookupJoinInnerAndLeft(t *testing.T) {
	in := [][]any{{int64(100), int64(1)}, {int64(101), nil}, {int64(102), int64(4)}, {int64(103), int64(2)}, {int64(104), int64(1)}}
	keyK := []vectorized.Expr{vectorized.Col(1, arrow.PrimitiveTypes.Int64, "k")}
	cases := []struct {
		name string
		spec LookupJoinSpec
		want []string
	}{
		{"inner", LookupJoinSpec{Type: InnerJoin, Keys: keyK}, []string{
			"+I[100, 1, 1, a, 10]", "+I[100, 1, 1, b, 11]", "+I[103, 2, 2, a, 20]", "+I[104, 1, 1, a, 10]", "+I[104, 1, 1, b, 11]"}},
		{"left pads a NULL key and a key without rows", LookupJoinSpec{Type: LeftOuterJoin, Keys: keyK}, []string{
			"+I[100, 1, 1, a, 10]", "+I[100, 1, 1, b, 11]", "+I[101, null, null, null, null]", "+I[102, 4, null, null, null]",
			"+I[103, 2, 2, a, 20]", "+I[104, 1, 1, a, 10]", "+I[104, 1, 1, b, 11]"}},
		{"inner with a condition on the table's rows", LookupJoinSpec{Type: InnerJoin, Keys: keyK,
			Cond: predicate{col: 4, name: "v > 10", f: func(v int64) bool { return v > 10 }}}, []string{
			"+I[100, 1, 1, b, 11]", "+I[103, 2, 2, a, 20]", "+I[104, 1, 1, b, 11]"}},
		{"left pads a row none of whose matches pass the condition", LookupJoinSpec{Type: LeftOuterJoin, Keys: keyK,
			Cond: predicate{col: 4, name: "v > 15", f: func(v int64) bool { return v > 15 }}}, []string{
			"+I[100, 1, null, null, null]", "+I[101, null, null, null, null]", "+I[102, 4, null, null, null]",
			"+I[103, 2, 2, a, 20]", "+I[104, 1, null, null, null]"}},
		{"a condition on the input row", LookupJoinSpec{Type: LeftOuterJoin, Keys: keyK,
			Cond: predicate{col: 0, name: "id > 102", f: func(v int64) bool { return v > 102 }}}, []string{
			"+I[100, 1, null, null, null]", "+I[101, null, null, null, null]", "+I[102, 4, null, null, null]",
			"+I[103, 2, 2, a, 20]", "+I[104, 1, 1, a, 10]", "+I[104, 1, 1, b, 11]"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mem := checkedMem(t)
			tab := dimTable(t)
			h := newLookupHarness(t, mem, tc.spec, tab)
			assert.Equal(t, tc.want, strs(h.process(orders(t, mem, nil, in...))))
			// Distinct non-NULL keys go to the table once per batch.
			assert.Equal(t, [][]string{{"[1]", "[4]", "[2]"}}, tab.calls)
		})
	}
}

func TestLookupJoinCompositeAndConstantKey(t *testing.T) {
	mem := checkedMem(t)
	tab := dimTable(t)
	tab.keyCol = []int{0, 1}
	spec := LookupJoinSpec{Type: InnerJoin, Keys: []vectorized.Expr{vectorized.Col(1, arrow.PrimitiveTypes.Int64, "k"), constString("b")}}
	spec.Left, spec.Right, spec.Table = ordersSchema, dimSchema, "dim"
	spec.Function = func() LookupFunction { return tab }
	op, err := NewLookupJoin(spec)
	require.NoError(t, err)
	h := newHarness(t, mem, op, nil)
	got := h.process(orders(t, mem, nil, []any{int64(1), int64(1)}, []any{int64(2), int64(2)}, []any{int64(3), int64(3)}))
	assert.Equal(t, []string{"+I[1, 1, 1, b, 11]", "+I[3, 3, 3, b, 30]"}, strs(got))
	assert.Equal(t, [][]string{{"[1 b]", "[2 b]", "[3 b]"}}, tab.calls)
}

func TestLookupJoinKeepsRowKinds(t *testing.T) {
	mem := checkedMem(t)
	h := newLookupHarness(t, mem, LookupJoinSpec{Type: LeftOuterJoin, Keys: []vectorized.Expr{vectorized.Col(1, arrow.PrimitiveTypes.Int64, "k")}}, dimTable(t))
	got := h.process(orders(t, mem, kinds("+I -U +U -D"),
		[]any{int64(1), int64(2)}, []any{int64(1), int64(2)}, []any{int64(1), int64(1)}, []any{int64(1), int64(9)}))
	assert.Equal(t, []string{"+I[1, 2, 2, a, 20]", "-U[1, 2, 2, a, 20]", "+U[1, 1, 1, a, 10]", "+U[1, 1, 1, b, 11]", "-D[1, 9, null, null, null]"}, strs(got))
}

// clock is a settable time for the cache's expiry.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time            { return c.now }
func (c *clock) advance(d time.Duration)   { c.now = c.now.Add(d) }
func counters(h *harness) map[string]int64 { return h.rt.Metrics.snapshotCounters() }

func TestLookupJoinCache(t *testing.T) {
	keyK := []vectorized.Expr{vectorized.Col(1, arrow.PrimitiveTypes.Int64, "k")}
	row := func(k int64) []any { return []any{int64(0), k} }

	t.Run("hits, expiry after write and missing keys", func(t *testing.T) {
		mem := checkedMem(t)
		ck := &clock{now: time.Unix(1000, 0)}
		tab := dimTable(t)
		h := newLookupHarness(t, mem, LookupJoinSpec{Type: InnerJoin, Keys: keyK,
			Cache: &LookupCacheSpec{ExpireAfterWrite: 10 * time.Second, CacheMissingKey: true, Now: ck.Now}}, tab)
		h.process(orders(t, mem, nil, row(1), row(7)))
		ck.advance(9 * time.Second)
		got := h.process(orders(t, mem, nil, row(1), row(7), row(2)))
		assert.Equal(t, []string{"+I[0, 1, 1, a, 10]", "+I[0, 1, 1, b, 11]", "+I[0, 2, 2, a, 20]"}, strs(got))
		// 1 and the missing 7 come from the cache; only 2 is loaded.
		assert.Equal(t, [][]string{{"[1]", "[7]"}, {"[2]"}}, tab.calls)
		ck.advance(time.Second) // 1 and 7 were written 10 s ago
		h.process(orders(t, mem, nil, row(1), row(7), row(2)))
		assert.Equal(t, []string{"[1]", "[7]"}, tab.calls[2])
		c := counters(h)
		assert.Contains(t, c, "latestLoadTime")
		delete(c, "latestLoadTime")
		assert.Equal(t, map[string]int64{"hitCount": 3, "missCount": 5, "loadCount": 5, "numLoadFailures": 0,
			"numCachedRecords": 3}, c)
	})

	t.Run("missing keys not cached", func(t *testing.T) {
		mem := checkedMem(t)
		tab := dimTable(t)
		h := newLookupHarness(t, mem, LookupJoinSpec{Type: LeftOuterJoin, Keys: keyK,
			Cache: &LookupCacheSpec{MaxRows: 100, CacheMissingKey: false}}, tab)
		h.process(orders(t, mem, nil, row(1), row(7)))
		got := h.process(orders(t, mem, nil, row(1), row(7)))
		assert.Equal(t, []string{"+I[0, 1, 1, a, 10]", "+I[0, 1, 1, b, 11]", "+I[0, 7, null, null, null]"}, strs(got))
		assert.Equal(t, [][]string{{"[1]", "[7]"}, {"[7]"}}, tab.calls)
		assert.Equal(t, int64(1), counters(h)["numCachedRecords"])
	})

	t.Run("expiry after access", func(t *testing.T) {
		mem := checkedMem(t)
		ck := &clock{now: time.Unix(1000, 0)}
		tab := dimTable(t)
		h := newLookupHarness(t, mem, LookupJoinSpec{Type: InnerJoin, Keys: keyK,
			Cache: &LookupCacheSpec{ExpireAfterAccess: 5 * time.Second, CacheMissingKey: true, Now: ck.Now}}, tab)
		h.process(orders(t, mem, nil, row(1), row(2)))
		for range 3 { // reading 1 every 4 s keeps it; 2 expires
			ck.advance(4 * time.Second)
			h.process(orders(t, mem, nil, row(1)))
		}
		h.process(orders(t, mem, nil, row(1), row(2)))
		assert.Equal(t, [][]string{{"[1]", "[2]"}, {"[2]"}}, tab.calls)
	})

	t.Run("max rows evicts the least recently used key", func(t *testing.T) {
		mem := checkedMem(t)
		tab := dimTable(t)
		h := newLookupHarness(t, mem, LookupJoinSpec{Type: InnerJoin, Keys: keyK,
			Cache: &LookupCacheSpec{MaxRows: 2, CacheMissingKey: true}}, tab)
		h.process(orders(t, mem, nil, row(1)))
		h.process(orders(t, mem, nil, row(2)))
		h.process(orders(t, mem, nil, row(1))) // 1 is now more recent than 2
		h.process(orders(t, mem, nil, row(3))) // evicts 2
		h.process(orders(t, mem, nil, row(1), row(2)))
		assert.Equal(t, [][]string{{"[1]"}, {"[2]"}, {"[3]"}, {"[2]"}}, tab.calls)
		assert.Equal(t, int64(2), counters(h)["numCachedRecords"])
	})

	t.Run("a failed load is counted and names the table", func(t *testing.T) {
		mem := checkedMem(t)
		tab := dimTable(t)
		tab.fail = 1
		h := newLookupHarness(t, mem, LookupJoinSpec{Type: InnerJoin, Keys: keyK,
			Cache: &LookupCacheSpec{MaxRows: 10, CacheMissingKey: true}}, tab)
		err := h.processErr(orders(t, mem, nil, row(1)))
		require.ErrorContains(t, err, "connection refused")
		assert.Equal(t, int64(1), counters(h)["numLoadFailures"])
		// Nothing was cached: the next row loads again.
		assert.Len(t, h.process(orders(t, mem, nil, row(1))), 2)
		assert.Len(t, tab.calls, 2)
	})
}

func TestLookupJoinSpecErrors(t *testing.T) {
	fn := func() LookupFunction { return dimTable(t) }
	keys := []vectorized.Expr{vectorized.Col(1, arrow.PrimitiveTypes.Int64, "k")}
	for _, tc := range []struct {
		spec LookupJoinSpec
		want string
	}{
		{LookupJoinSpec{Type: FullOuterJoin, Keys: keys}, "FullOuterJoin is not supported"},
		{LookupJoinSpec{Type: InnerJoin}, "no lookup key"},
		{LookupJoinSpec{Type: InnerJoin, Keys: keys, Cache: &LookupCacheSpec{CacheMissingKey: true}}, "never evict"},
	} {
		tc.spec.Left, tc.spec.Right, tc.spec.Function, tc.spec.Table = ordersSchema, dimSchema, fn, "dim"
		_, err := NewLookupJoin(tc.spec)
		assert.ErrorContains(t, err, tc.want)
	}
}

// BenchmarkLookupJoin measures rows per second through the join over an
// in-memory table of 1000 keys, with and without the cache (the cost of
// the join itself; a database adds its round trips on misses).
func BenchmarkLookupJoin(b *testing.B) {
	tab := &memTable{t: b, schema: dimSchema, keyCol: []int{0}}
	for k := range 1000 {
		tab.rows = append(tab.rows, []any{int64(k), "x", int64(k)})
	}
	rows := make([][]any, 1000)
	for i := range rows {
		rows[i] = []any{int64(i), int64(i * 7 % 1000)}
	}
	for _, cached := range []bool{false, true} {
		b.Run(fmt.Sprintf("cache=%v", cached), func(b *testing.B) {
			spec := LookupJoinSpec{Type: InnerJoin, Keys: []vectorized.Expr{vectorized.Col(1, arrow.PrimitiveTypes.Int64, "k")},
				Left: ordersSchema, Right: dimSchema, Table: "dim", Function: func() LookupFunction { return tab }}
			if cached {
				spec.Cache = &LookupCacheSpec{MaxRows: 10000, CacheMissingKey: true}
			}
			op, err := NewLookupJoin(spec)
			require.NoError(b, err)
			h := newHarness(b, memory.DefaultAllocator, op, nil)
			for b.Loop() {
				h.process(orders(b, memory.DefaultAllocator, nil, rows...))
			}
			b.ReportMetric(float64(b.N*len(rows))/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
