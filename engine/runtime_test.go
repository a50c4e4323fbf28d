package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/vectorized"
)

// TestTakeArrayMatchesArrow: the typed gathers give what Arrow's take
// kernel gives, on sliced arrays with NULLs.
func TestTakeArrayMatchesArrow(t *testing.T) {
	mem := checkedMem(t)
	tests := []struct {
		dt arrow.DataType
		js string
	}{
		{arrow.PrimitiveTypes.Int8, `[1, null, -3, 4, 5, null, 7]`},
		{arrow.PrimitiveTypes.Int16, `[1, null, -3, 4, 5, null, 7]`},
		{arrow.PrimitiveTypes.Int32, `[1, null, -3, 4, 5, null, 7]`},
		{arrow.PrimitiveTypes.Int64, `[1, null, -3, 4, 5, null, 7]`},
		{arrow.PrimitiveTypes.Float64, `[1.5, null, -3, 4, 5, null, 7]`},
		{arrow.FixedWidthTypes.Date32, `["2020-01-01", null, "2021-01-01", "2022-01-01", "2023-01-01", null, "2024-01-01"]`},
		{&arrow.Decimal128Type{Precision: 12, Scale: 3}, `["1.5", null, "-3", "4", "5", null, "7.125"]`},
		{arrow.BinaryTypes.String, `["a", null, "", "dd", "eee", null, "fffffff"]`},
		{arrow.BinaryTypes.LargeString, `["a", null, "", "dd", "eee", null, "fffffff"]`},
		{arrow.BinaryTypes.Binary, `["YQ==", null, "", "ZGQ=", "ZWVl", null, "Zg=="]`},
		{arrow.FixedWidthTypes.Boolean, `[true, null, false, true, false, null, true]`},
		{arrow.ListOf(arrow.PrimitiveTypes.Int64), `[[1], null, [], [2, 3], [4], null, [5]]`},
	}
	idx := []int32{4, 0, 0, 3, 1, 2}
	for _, tc := range tests {
		t.Run(tc.dt.String(), func(t *testing.T) {
			full, _, err := array.FromJSON(mem, tc.dt, strings.NewReader(tc.js))
			require.NoError(t, err)
			defer full.Release()
			arr := array.NewSlice(full, 1, 7)
			defer arr.Release()
			got, err := takeArray(context.Background(), mem, arr, idx)
			require.NoError(t, err)
			defer got.Release()
			want, err := compute.TakeArray(compute.WithAllocator(context.Background(), mem), arr, indexArray(idx))
			require.NoError(t, err)
			defer want.Release()
			assert.True(t, array.Equal(want, got), "got %s, want %s", got, want)
			assert.Equal(t, want.NullN(), got.NullN())
		})
	}
}

func TestMaterialize(t *testing.T) {
	r := func(k string, vals ...any) Row { return Row{Kind: kinds(k)[0], Values: vals} }
	got, err := Materialize([]Row{
		r("+I", "a", int64(1)), r("+I", "b", int64(2)), r("-U", "a", int64(1)), r("+U", "a", int64(3)),
		r("+I", "b", int64(2)), r("-D", "b", int64(2)), r("+I", "c", nil),
	})
	require.NoError(t, err)
	// -D removes the first equal row: the second b stays, after a.
	assert.Equal(t, []string{"+I[a, 3]", "+I[b, 2]", "+I[c, null]"}, strs(got))

	_, err = Materialize([]Row{r("+I", "a", int64(1)), r("-D", "a", "1")})
	require.Error(t, err, "values of another type are another row")
	assert.Contains(t, err.Error(), "retracts a row that is not in the table")
}

func TestValueRendering(t *testing.T) {
	mem := checkedMem(t)
	schema := schemaOf(
		field("d", arrow.FixedWidthTypes.Date32),
		field("ts", &arrow.TimestampType{Unit: arrow.Millisecond}),
		field("dec", &arrow.Decimal128Type{Precision: 10, Scale: 2}),
		field("i8", arrow.PrimitiveTypes.Int8),
		field("b", arrow.BinaryTypes.Binary),
	)
	b := makeBatch(t, mem, schema, nil, []any{19000, 1700000000123, "-12.30", 7, []byte{1, 2}}, []any{nil, nil, nil, nil, nil})
	defer b.Release()
	rows := BatchRows(b)
	assert.Equal(t, []any{"2022-01-08", "2023-11-14 22:13:20.123", "-12.30", int64(7), []byte{1, 2}}, rows[0].Values)
	assert.Equal(t, "+I[null, null, null, null, null]", rows[1].String())
}

func TestConfig(t *testing.T) {
	c := Config{"n": "12", "bad": "x", "d1": "5 s", "d2": "1m30s", "d3": "250", "b": "true"}
	n, err := c.Int("n", 1)
	require.NoError(t, err)
	assert.Equal(t, 12, n)
	n, err = c.Int("missing", 7)
	require.NoError(t, err)
	assert.Equal(t, 7, n)
	_, err = c.Int("bad", 1)
	require.EqualError(t, err, `config bad = "x": not an integer`)
	for key, want := range map[string]time.Duration{"d1": 5 * time.Second, "d2": 90 * time.Second, "d3": 250 * time.Millisecond} {
		d, err := c.Duration(key, 0)
		require.NoError(t, err)
		assert.Equal(t, want, d, key)
	}
	_, err = c.Duration("bad", 0)
	require.Error(t, err)
	bv, err := c.Bool("b", false)
	require.NoError(t, err)
	assert.True(t, bv)
	for s, want := range map[string]time.Duration{"2 min": 2 * time.Minute, "1 d": 24 * time.Hour, "10ms": 10 * time.Millisecond} {
		d, err := ParseDuration(s)
		require.NoError(t, err)
		assert.Equal(t, want, d, s)
	}
}

// TestEvalContextNow: a bounded job evaluates "now" once (Flink's batch
// mode), so every batch sees the same instant.
func TestEvalContextNow(t *testing.T) {
	mem := checkedMem(t)
	schema := schemaOf(field("x", arrow.PrimitiveTypes.Int64))
	var batches []*vectorized.Batch
	for i := 0; i < 3; i++ {
		batches = append(batches, makeBatch(t, mem, schema, nil, []any{i}))
	}
	defer func() {
		for _, b := range batches {
			b.Release()
		}
	}()
	for _, bounded := range []bool{true, false} {
		var nows []time.Time
		g := &JobGraph{Name: "now", Mem: mem, Bounded: bounded, Vertices: []*Vertex{
			{ID: 1, Name: "v", Parallelism: 1, Source: NewValuesSource(batches), Chain: []func() Operator{
				func() Operator { return &nowRecorder{nows: &nows} },
			}},
		}}
		_, err := Execute(context.Background(), g, Config{ConfigLocalTimeZone: "Asia/Shanghai"})
		require.NoError(t, err)
		require.Len(t, nows, 3)
		if bounded {
			assert.Equal(t, nows[0], nows[2])
		} else {
			assert.False(t, nows[2].Before(nows[0]))
		}
		assert.Equal(t, "Asia/Shanghai", nows[0].Location().String())
	}
}

type nowRecorder struct {
	rt   *RuntimeContext
	nows *[]time.Time
}

func (n *nowRecorder) Open(_ context.Context, rt *RuntimeContext) error {
	n.rt = rt
	return nil
}
func (n *nowRecorder) Process(context.Context, int, *vectorized.Batch, Collector) error {
	ec := n.rt.EvalContext()
	*n.nows = append(*n.nows, ec.Now.In(ec.Location))
	return nil
}
func (n *nowRecorder) EndInput(context.Context, Collector) error { return nil }
func (n *nowRecorder) Close() error                              { return nil }
