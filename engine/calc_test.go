package engine

import (
	"context"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/vectorized"
)

// provinceUDF is a FunctionEvaluator written in Go for the test: two calls
// over column 0 (an int64 "ip"): province(ip) as a string and ip*2.
type provinceUDF struct {
	mem     memory.Allocator
	calls   int
	failAt  int // fail on this call (1-based); 0 never
	badRows bool
}

func (u *provinceUDF) Evaluate(_ context.Context, b *vectorized.Batch) ([]arrow.Array, error) {
	u.calls++
	if u.calls == u.failAt {
		return nil, fmt.Errorf("python UDF ip_to_province raised ValueError on row 0")
	}
	ips := b.Record.Column(0).(*array.Int64)
	prov := array.NewStringBuilder(u.mem)
	defer prov.Release()
	twice := array.NewInt64Builder(u.mem)
	defer twice.Release()
	n := ips.Len()
	if u.badRows {
		n--
	}
	for i := 0; i < n; i++ {
		if ips.IsNull(i) {
			prov.AppendNull()
			twice.AppendNull()
			continue
		}
		prov.Append([]string{"Beijing", "Shanghai", "Guangdong"}[(ips.Value(i)%3+3)%3])
		twice.Append(ips.Value(i) * 2)
	}
	return []arrow.Array{prov.NewArray(), twice.NewArray()}, nil
}

func (u *provinceUDF) Close() error { return nil }

func TestCalc(t *testing.T) {
	schema := schemaOf(field("ip", arrow.PrimitiveTypes.Int64), field("name", arrow.BinaryTypes.String))
	positive := predicate{col: 0, name: "ip > 0", f: func(x int64) bool { return x > 0 }}
	tests := []struct {
		name      string
		steps     func(mem memory.Allocator) []CalcStep
		kinds     string
		rows      [][]any
		want      []string
		wantNames []string
	}{
		{
			name: "append a computed column",
			steps: func(memory.Allocator) []CalcStep {
				return []CalcStep{AppendColumns{Exprs: []vectorized.Expr{exprFunc{col: 0, name: "ip + 1", f: func(x int64) int64 { return x + 1 }}}}}
			},
			rows:      [][]any{{1, "a"}, {nil, "b"}},
			want:      []string{"+I[1, a, 2]", "+I[null, b, null]"},
			wantNames: []string{"ip", "name", "ip + 1"},
		},
		{
			name: "filter: NULL counts as false, row kinds are compacted with their rows",
			steps: func(memory.Allocator) []CalcStep {
				return []CalcStep{Filter{Cond: positive}}
			},
			kinds: "+I -U +U -D",
			rows:  [][]any{{1, "a"}, {nil, "b"}, {-2, "c"}, {3, "d"}},
			want:  []string{"+I[1, a]", "-D[3, d]"},
		},
		{
			name: "filter keeping every row passes the batch through",
			steps: func(memory.Allocator) []CalcStep {
				return []CalcStep{Filter{Cond: positive}}
			},
			kinds: "-U +U",
			rows:  [][]any{{1, "a"}, {2, "b"}},
			want:  []string{"-U[1, a]", "+U[2, b]"},
		},
		{
			name: "filter dropping every row emits nothing",
			steps: func(memory.Allocator) []CalcStep {
				return []CalcStep{Filter{Cond: positive}, Project{Exprs: []vectorized.Expr{vectorized.Col(1, arrow.BinaryTypes.String, "name")}}}
			},
			rows: [][]any{{0, "a"}, {nil, "b"}},
			want: nil,
		},
		{
			name: "evaluator columns, then filter and project over them",
			steps: func(mem memory.Allocator) []CalcStep {
				return []CalcStep{
					AppendEvaluated{Evaluator: &provinceUDF{mem: mem}, Names: []string{"province", "twice"}},
					Filter{Cond: positive},
					Project{
						Exprs: []vectorized.Expr{vectorized.Col(2, arrow.BinaryTypes.String, "province"), vectorized.Col(3, arrow.PrimitiveTypes.Int64, "twice"), vectorized.Col(1, arrow.BinaryTypes.String, "name")},
						Names: []string{"province", "ip2", "who"},
					},
				}
			},
			kinds:     "+I +I -D +I",
			rows:      [][]any{{4, "a"}, {-1, "b"}, {5, "c"}, {nil, "d"}},
			want:      []string{"+I[Shanghai, 8, a]", "-D[Guangdong, 10, c]"},
			wantNames: []string{"province", "ip2", "who"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mem := checkedMem(t)
			h := newHarness(t, mem, NewCalc(tc.steps(mem)...), Config{})
			var ks []vectorized.RowKind
			if tc.kinds != "" {
				ks = kinds(tc.kinds)
			}
			var names []string
			h2 := CollectorFunc(func(ctx context.Context, b *vectorized.Batch) error {
				for _, f := range b.Record.Schema().Fields() {
					names = append(names, f.Name)
				}
				return h.Collect(ctx, b)
			})
			b := makeBatch(t, mem, schema, ks, tc.rows...)
			defer b.Release()
			require.NoError(t, h.op.Process(context.Background(), 0, b, h2))
			assert.Equal(t, tc.want, nilIfEmpty(strs(h.out)))
			if tc.wantNames != nil {
				assert.Equal(t, tc.wantNames, names)
			}
		})
	}
}

func TestCalcErrors(t *testing.T) {
	schema := schemaOf(field("ip", arrow.PrimitiveTypes.Int64))
	t.Run("short evaluator result", func(t *testing.T) {
		mem := checkedMem(t)
		h := newHarness(t, mem, NewCalc(AppendEvaluated{Evaluator: &provinceUDF{mem: mem, badRows: true}}), Config{})
		err := h.processErr(makeBatch(t, mem, schema, nil, []any{1}, []any{2}))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "has 1 rows for a batch of 2")
	})
	t.Run("non-boolean filter is refused at open", func(t *testing.T) {
		c := NewCalc(Filter{Cond: vectorized.Col(0, arrow.PrimitiveTypes.Int64, "ip")})
		err := c.Open(context.Background(), &RuntimeContext{})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "not BOOLEAN")
	})
	t.Run("a column reference of the wrong type", func(t *testing.T) {
		mem := checkedMem(t)
		h := newHarness(t, mem, NewCalc(Project{Exprs: []vectorized.Expr{vectorized.Col(0, arrow.BinaryTypes.String, "ip")}}), Config{})
		err := h.processErr(makeBatch(t, mem, schema, nil, []any{1}))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "the plan expects utf8")
	})
}

// TestCalcUDFErrorInAJob: the evaluator's error reaches Execute's caller
// with the job, operator and subtask names.
func TestCalcUDFErrorInAJob(t *testing.T) {
	mem := checkedMem(t)
	schema := schemaOf(field("ip", arrow.PrimitiveTypes.Int64))
	var batches []*vectorized.Batch
	for i := 0; i < 6; i++ {
		batches = append(batches, makeBatch(t, mem, schema, nil, []any{i}))
	}
	defer func() {
		for _, b := range batches {
			b.Release()
		}
	}()
	g := &JobGraph{Name: "cdn", Mem: mem, Bounded: true, Vertices: []*Vertex{
		{ID: 1, Name: "values", Parallelism: 2, Source: NewValuesSource(batches), Chain: []func() Operator{
			func() Operator {
				return WithName("Calc(ip_to_province)", NewCalc(AppendEvaluated{Evaluator: &provinceUDF{mem: mem, failAt: 2}}))
			},
		}, Sink: NewCollectSink(&Collected{})},
	}}
	_, err := Execute(context.Background(), g, Config{})
	require.Error(t, err)
	assert.Regexp(t, `^job cdn: operator Calc\(ip_to_province\) subtask [12]/2: python UDF ip_to_province raised ValueError on row 0$`, err.Error())
}

func TestSortAndLimit(t *testing.T) {
	schema := schemaOf(field("x", arrow.PrimitiveTypes.Int64), field("s", arrow.BinaryTypes.String))
	rows := [][]any{{3, "c"}, {nil, "n1"}, {1, "a"}, {2, "b2"}, {nil, "n2"}, {2, "b1"}, {5, "e"}}
	tests := []struct {
		name          string
		keys          []SortKey
		offset, limit int64
		want          []string
	}{
		{"ASC, Flink's default NULLS FIRST", []SortKey{{Col: 0, NullsFirst: DefaultNullsFirst(false)}}, 0, -1,
			[]string{"null/n1", "null/n2", "1/a", "2/b2", "2/b1", "3/c", "5/e"}},
		{"DESC, Flink's default NULLS LAST", []SortKey{{Col: 0, Desc: true, NullsFirst: DefaultNullsFirst(true)}}, 0, -1,
			[]string{"5/e", "3/c", "2/b2", "2/b1", "1/a", "null/n1", "null/n2"}},
		{"ASC NULLS LAST, then s DESC", []SortKey{{Col: 0}, {Col: 1, Desc: true}}, 0, -1,
			[]string{"1/a", "2/b2", "2/b1", "3/c", "5/e", "null/n2", "null/n1"}},
		{"LIMIT 3 OFFSET 2", []SortKey{{Col: 1}}, 2, 3,
			[]string{"2/b2", "3/c", "5/e"}},
		{"OFFSET past the end", []SortKey{{Col: 1}}, 10, 3, nil},
		{"LIMIT 0", []SortKey{{Col: 1}}, 0, 0, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mem := checkedMem(t)
			// Through a job: a parallel source, a Global edge into the sort.
			var batches []*vectorized.Batch
			for _, r := range rows {
				batches = append(batches, makeBatch(t, mem, schema, nil, r))
			}
			defer func() {
				for _, b := range batches {
					b.Release()
				}
			}()
			var out Collected
			g := &JobGraph{Name: "sort", Mem: mem, Bounded: true, Vertices: []*Vertex{
				{ID: 1, Name: "values", Parallelism: 1, Source: NewValuesSource(batches)},
				{ID: 2, Name: "sort", Parallelism: 1, Inputs: []Edge{{From: 1, Partition: Partitioning{Kind: Global}}},
					Chain: []func() Operator{func() Operator { return NewSort(tc.keys, tc.offset, tc.limit) }},
					Sink:  NewCollectSink(&out)},
			}}
			_, err := Execute(context.Background(), g, Config{ConfigBatchSize: "2"})
			require.NoError(t, err)
			var got []string
			for _, r := range out.Rows() {
				got = append(got, fmt.Sprintf("%v/%v", orNull(r.Values[0]), r.Values[1]))
			}
			assert.Equal(t, tc.want, got)
		})
	}
	t.Run("retractions are refused", func(t *testing.T) {
		mem := checkedMem(t)
		h := newHarness(t, mem, NewSort([]SortKey{{Col: 0}}, 0, -1), Config{})
		err := h.processErr(makeBatch(t, mem, schema, kinds("-D"), []any{1, "a"}))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "insert-only")
	})
}

func orNull(v any) any {
	if v == nil {
		return "null"
	}
	return v
}

func TestLimit(t *testing.T) {
	mem := checkedMem(t)
	schema := schemaOf(field("x", arrow.PrimitiveTypes.Int64))
	h := newHarness(t, mem, NewLimit(3, 4), Config{})
	var got []string
	for i := 0; i < 4; i++ {
		got = append(got, strs(h.process(makeBatch(t, mem, schema, nil, []any{i * 2}, []any{i*2 + 1})))...)
	}
	assert.Equal(t, []string{"+I[3]", "+I[4]", "+I[5]", "+I[6]"}, got)
}
