package engine

import (
	"context"
	"fmt"
	"math/rand"
	"sort"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/vectorized"
)

// rollupSpec is ROLLUP(a, b) over (a, b, v): {a, b}, {a}, {} with Flink's
// expand ids 0, 1, 3.
var rollupSpec = ExpandSpec{Nulled: [][]int{nil, {1}, {0, 1}}, IDs: []int64{0, 1, 3}, IDName: "$e"}

func TestExpand(t *testing.T) {
	schema := schemaOf(field("a", arrow.BinaryTypes.String), field("b", arrow.PrimitiveTypes.Int32),
		field("v", &arrow.Decimal128Type{Precision: 10, Scale: 2}))
	tests := []struct {
		name  string
		spec  ExpandSpec
		kinds string
		rows  [][]any
		want  []string
	}{
		{
			name: "rollup, row by row", spec: rollupSpec,
			rows: [][]any{{"x", 1, "1.50"}, {"y", nil, nil}},
			want: []string{
				"+I[x, 1, 1.50, 0]", "+I[x, null, 1.50, 1]", "+I[null, null, 1.50, 3]",
				"+I[y, null, null, 0]", "+I[y, null, null, 1]", "+I[null, null, null, 3]",
			},
		},
		{
			// A retraction expands into one retraction per grouping set.
			name: "row kinds go with their copies", spec: rollupSpec, kinds: "+I -U +U -D",
			rows: [][]any{{"x", 1, "1.00"}, {"x", 1, "1.00"}, {"x", 2, "2.00"}, {"x", 2, "2.00"}},
			want: []string{
				"+I[x, 1, 1.00, 0]", "+I[x, null, 1.00, 1]", "+I[null, null, 1.00, 3]",
				"-U[x, 1, 1.00, 0]", "-U[x, null, 1.00, 1]", "-U[null, null, 1.00, 3]",
				"+U[x, 2, 2.00, 0]", "+U[x, null, 2.00, 1]", "+U[null, null, 2.00, 3]",
				"-D[x, 2, 2.00, 0]", "-D[x, null, 2.00, 1]", "-D[null, null, 2.00, 3]",
			},
		},
		{
			// GROUPING SETS ((a), (b)): each projection nulls the other key.
			name: "disjoint sets", spec: ExpandSpec{Nulled: [][]int{{1}, {0}}, IDs: []int64{1, 2}, IDName: "$e"},
			rows: [][]any{{"x", 1, "1.00"}},
			want: []string{"+I[x, null, 1.00, 1]", "+I[null, 1, 1.00, 2]"},
		},
		{
			// Duplicate grouping sets are separate projections.
			name: "a set twice", spec: ExpandSpec{Nulled: [][]int{{0}, {0}}, IDs: []int64{1, 1}, IDName: "$e"},
			rows: [][]any{{"x", 1, "1.00"}},
			want: []string{"+I[null, 1, 1.00, 1]", "+I[null, 1, 1.00, 1]"},
		},
		{name: "empty batch", spec: rollupSpec},
	}
	for _, tt := range tests {
		for _, size := range []int{1, 4, 1000} {
			t.Run(fmt.Sprintf("%s/batch=%d", tt.name, size), func(t *testing.T) {
				mem := checkedMem(t)
				h := newHarness(t, mem, NewExpand(tt.spec), Config{ConfigBatchSize: fmt.Sprint(size)})
				var ks []vectorized.RowKind
				if tt.kinds != "" {
					ks = kinds(tt.kinds)
				}
				var got []string
				b := makeBatch(t, mem, schema, ks, tt.rows...)
				defer b.Release()
				err := h.op.Process(context.Background(), 0, b, CollectorFunc(func(_ context.Context, ob *vectorized.Batch) error {
					n := int(ob.NumRows())
					assert.Positive(t, n, "no empty batches")
					assert.LessOrEqual(t, n, max(size, len(tt.spec.IDs)), "at most the batch size, at least one row's projections")
					assert.Zero(t, n%len(tt.spec.IDs), "a row's projections stay together")
					require.EqualValues(t, 4, ob.Record.NumCols())
					sch := ob.Record.Schema()
					assert.Equal(t, "$e", sch.Field(3).Name)
					assert.False(t, sch.Field(3).Nullable)
					assert.Equal(t, arrow.PrimitiveTypes.Int64, sch.Field(3).Type)
					got = append(got, strs(BatchRows(ob))...)
					return nil
				}))
				require.NoError(t, err)
				assert.Equal(t, tt.want, got)
			})
		}
	}
}

// A sliced input column (an offset into its buffers) is gathered and
// masked like any other.
func TestExpandSlicedInput(t *testing.T) {
	mem := checkedMem(t)
	schema := schemaOf(field("a", arrow.PrimitiveTypes.Int64), field("b", arrow.BinaryTypes.String))
	b := makeBatch(t, mem, schema, nil, []any{1, "p"}, []any{nil, "q"}, []any{3, nil}, []any{4, "s"})
	defer b.Release()
	sliced := &vectorized.Batch{Record: b.Record.NewSlice(1, 4)}
	defer sliced.Release()
	h := newHarness(t, mem, NewExpand(ExpandSpec{Nulled: [][]int{{1}, {0}}, IDs: []int64{1, 2}, IDName: "$e"}), nil)
	require.NoError(t, h.op.Process(context.Background(), 0, sliced, h))
	assert.Equal(t, []string{
		"+I[null, null, 1]", "+I[null, q, 2]",
		"+I[3, null, 1]", "+I[null, null, 2]",
		"+I[4, null, 1]", "+I[null, s, 2]",
	}, strs(h.out))
}

func TestExpandErrors(t *testing.T) {
	mem := checkedMem(t)
	rt := &RuntimeContext{Config: Config{}}
	assert.EqualError(t, NewExpand(ExpandSpec{Nulled: [][]int{nil}, IDs: []int64{0, 1}}).Open(context.Background(), rt), "expand: 1 projections with 2 ids")
	assert.EqualError(t, NewExpand(ExpandSpec{}).Open(context.Background(), rt), "expand: 0 projections with 0 ids")
	h := newHarness(t, mem, NewExpand(ExpandSpec{Nulled: [][]int{{2}}, IDs: []int64{1}, IDName: "$e"}), nil)
	schema := schemaOf(field("a", arrow.PrimitiveTypes.Int64), field("b", arrow.PrimitiveTypes.Int64))
	assert.EqualError(t, h.processErr(makeBatch(t, mem, schema, nil, []any{1, 2})), "expand: projection 0 nulls column 2 of a 2-column input")
}

// Expand followed by one aggregate grouped by the keys and $e computes
// every grouping set: the result equals aggregating each set on its own
// (a model in maps), in batch and in streaming with retractions.
func TestExpandAggregateMatchesPerSetGrouping(t *testing.T) {
	// CUBE(a, b) over (a, b, v).
	spec := ExpandSpec{Nulled: [][]int{nil, {1}, {0}, {0, 1}}, IDs: []int64{0, 1, 2, 3}, IDName: "$e"}
	sets := [][]bool{{true, true}, {true, false}, {false, true}, {false, false}}
	schema := schemaOf(field("a", arrow.PrimitiveTypes.Int64), field("b", arrow.BinaryTypes.String), field("v", arrow.PrimitiveTypes.Int64))
	rng := rand.New(rand.NewSource(7))
	type row struct {
		a    any
		b    any
		v    int64
		kind vectorized.RowKind
	}
	var rows []row
	live := []row{}
	for i := 0; i < 400; i++ {
		if len(live) > 0 && rng.Intn(4) == 0 {
			// Retract a row inserted before.
			j := rng.Intn(len(live))
			r := live[j]
			live = append(live[:j], live[j+1:]...)
			r.kind = vectorized.Delete
			rows = append(rows, r)
			continue
		}
		r := row{a: int64(rng.Intn(4)), b: []string{"p", "q", "r"}[rng.Intn(3)], v: int64(rng.Intn(100)), kind: vectorized.Insert}
		if rng.Intn(5) == 0 {
			r.a = nil
		}
		if rng.Intn(6) == 0 {
			r.b = nil
		}
		rows = append(rows, r)
		live = append(live, r)
	}
	// The model: per set, per key, the sum and count of the live rows.
	model := map[string][2]int64{}
	for _, r := range live {
		for s, keep := range sets {
			a, b := "null", "null"
			if keep[0] && r.a != nil {
				a = fmt.Sprint(r.a)
			}
			if keep[1] && r.b != nil {
				b = fmt.Sprint(r.b)
			}
			k := fmt.Sprintf("%s, %s, %d", a, b, spec.IDs[s])
			m := model[k]
			model[k] = [2]int64{m[0] + r.v, m[1] + 1}
		}
	}
	var want []string
	for k, m := range model {
		want = append(want, fmt.Sprintf("%s, %d, %d", k, m[0], m[1]))
	}
	sort.Strings(want)

	for _, size := range []int{1, 7, 1000} {
		t.Run(fmt.Sprintf("batch=%d", size), func(t *testing.T) {
			mem := checkedMem(t)
			cfg := Config{ConfigBatchSize: fmt.Sprint(size)}
			ex := newHarness(t, mem, NewExpand(spec), cfg)
			agg := newHarness(t, mem, NewGroupAggregate(GroupAggSpec{Keys: []int{0, 1, 3}, Mode: Streaming,
				Aggs: []AggCall{{Func: Sum, Arg: 2}, {Func: CountStar}}}), cfg)
			// The table the aggregate's changelog materializes to.
			table := map[string]string{}
			apply := func(out []Row) {
				for _, r := range out {
					s := r.String()
					body := s[3 : len(s)-1]
					key := body[:nthIndex(body, ',', 3)]
					switch s[:2] {
					case "+I", "+U":
						table[key] = body
					case "-U", "-D":
						delete(table, key)
					}
				}
			}
			for lo := 0; lo < len(rows); lo += 50 {
				chunk := rows[lo:min(len(rows), lo+50)]
				vals := make([][]any, len(chunk))
				ks := make([]vectorized.RowKind, len(chunk))
				for i, r := range chunk {
					vals[i] = []any{r.a, r.b, r.v}
					ks[i] = r.kind
				}
				b := makeBatch(t, mem, schema, ks, vals...)
				require.NoError(t, ex.op.Process(context.Background(), 0, b, CollectorFunc(func(_ context.Context, ob *vectorized.Batch) error {
					agg.out = nil
					require.NoError(t, agg.op.Process(context.Background(), 0, ob, agg))
					apply(agg.out)
					return nil
				})))
				b.Release()
			}
			var got []string
			for _, v := range table {
				got = append(got, v)
			}
			sort.Strings(got)
			assert.Equal(t, want, got)
		})
	}
}

// nthIndex is the index of the n-th occurrence (1-based) of c in s.
func nthIndex(s string, c byte, n int) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			n--
			if n == 0 {
				return i
			}
		}
	}
	return len(s)
}

// BenchmarkExpand measures ROLLUP(a, b)'s Expand over batches of 10000
// rows (a BIGINT, a short string, a BIGINT value): three output rows per
// input row.
func BenchmarkExpand(b *testing.B) {
	mem := checkedMem(b)
	schema := schemaOf(field("a", arrow.PrimitiveTypes.Int64), field("b", arrow.BinaryTypes.String), field("v", arrow.PrimitiveTypes.Int64))
	rows := make([][]any, 10000)
	for i := range rows {
		rows[i] = []any{int64(i % 100), fmt.Sprintf("k%d", i%37), int64(i)}
	}
	batch := makeBatch(b, mem, schema, nil, rows...)
	defer batch.Release()
	h := newHarness(b, mem, NewExpand(rollupSpec), Config{ConfigBatchSize: "30000"})
	discard := CollectorFunc(func(context.Context, *vectorized.Batch) error { return nil })
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := h.op.Process(context.Background(), 0, batch, discard); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(rows))/b.Elapsed().Seconds(), "inrows/s")
}
