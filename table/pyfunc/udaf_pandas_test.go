package pyfunc_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/connectors/values"
	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/pandas_udf"
	"github.com/sluice-stream/sluice/table"
	"github.com/sluice-stream/sluice/table/pyfunc"
)

// pandasUDAFModule declares pandas aggregates as the Python API's udaf(...,
// func_type="pandas") does. CALLS counts the calls of joined by the
// length of its argument, to see how often Python is entered.
const pandasUDAFModule = `
class _PandasAgg:
    _sluice_func_type = "pandas_aggregate"

    def __init__(self, f, result_type):
        self._sluice_callable = f
        self._sluice_result_type = result_type


CALLS = []


def _joined(v):
    CALLS.append(len(v))
    return "|".join("%g" % x for x in v)


def _boom(v):
    raise ValueError("no %d" % len(v))


def _mean(v):
    return v.mean()


p_mean = _PandasAgg(_mean, "DOUBLE")
p_joined = _PandasAgg(_joined, "STRING")
p_cnt = _PandasAgg(lambda v: len(v), "BIGINT")
p_boom = _PandasAgg(_boom, "DOUBLE")
`

var pandasUDAFOnce sync.Once

func pandasUDAFEnv(t *testing.T, streaming bool, par string) *table.Environment {
	pandasUDAFOnce.Do(func() {
		dir, err := os.MkdirTemp("", "sluice-pandas-udaf")
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "pandas_udaf_mod.py"), []byte(pandasUDAFModule), 0o644))
		require.NoError(t, cpython.Do(func(py *cpython.GIL) error {
			ns, err := py.Exec("<test>", fmt.Sprintf("import sys\nsys.path.insert(0, %q)\n", dir))
			if err == nil {
				py.DecRef(ns)
			}
			return err
		}))
	})
	env := table.NewEnvironment(table.Settings{Streaming: streaming, Config: map[string]string{"parallelism.default": par}})
	require.NoError(t, env.SetConfig("state.checkpoints.dir", t.TempDir()))
	for _, f := range []string{"p_mean", "p_joined", "p_cnt", "p_boom"} {
		_, err := env.ExecuteSQL(context.Background(), fmt.Sprintf("CREATE TEMPORARY SYSTEM FUNCTION %s AS 'pandas_udaf_mod.%s' LANGUAGE PYTHON", f, f))
		require.NoError(t, err)
	}
	return env
}

func pandasAccs(t *testing.T, name string, args []arrow.DataType, result arrow.DataType) engine.UserAccumulators {
	pandasUDAFEnv(t, false, "1")
	fn, err := pyfunc.Load("pandas_udaf_mod." + name)
	require.NoError(t, err)
	agg := fn.(*pyfunc.Function).AggregateFunction()
	require.NotNil(t, agg)
	accs, err := agg.NewAccumulators(args, result, true)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, accs.Close()) })
	return accs
}

func float64s(vals ...float64) arrow.Array {
	b := array.NewFloat64Builder(memory.DefaultAllocator)
	defer b.Release()
	b.AppendValues(vals, nil)
	return b.NewArray()
}

func flushStrings(t *testing.T, accs engine.UserAccumulators) []string {
	arr, err := accs.Flush(memory.DefaultAllocator)
	require.NoError(t, err)
	defer arr.Release()
	out := make([]string, arr.Len())
	for i := range out {
		// A copy: a string array's values alias its buffers.
		out[i] = strings.Clone(arr.ValueStr(i))
	}
	return out
}

func pythonCalls(t *testing.T) []int64 {
	var calls []int64
	require.NoError(t, cpython.Do(func(py *cpython.GIL) error {
		ns, err := py.Exec("<test>", "import pandas_udaf_mod\ncalls = list(pandas_udaf_mod.CALLS)\npandas_udaf_mod.CALLS.clear()\n")
		if err != nil {
			return err
		}
		defer py.DecRef(ns)
		lst, err := py.GetItem(ns, "calls")
		if err != nil {
			return err
		}
		defer py.DecRef(lst)
		items, err := py.Items(lst)
		if err != nil {
			return err
		}
		for _, o := range items {
			v, err := py.AsInt64(o)
			py.DecRef(o)
			if err != nil {
				return err
			}
			calls = append(calls, v)
		}
		return nil
	}))
	return calls
}

// A result is the group's rows when it was asked for; retraction removes
// the very row (an OVER frame's oldest); Keep, Truncate and DropPrev edit
// the buffered results; all of them are evaluated by Flush.
func TestPandasAccumulators(t *testing.T) {
	accs := pandasAccs(t, "p_joined", []arrow.DataType{arrow.PrimitiveTypes.Float64}, arrow.BinaryTypes.String)
	accs.Grow(2)
	b1 := float64s(1, 2, 3, 4, 5)
	defer b1.Release()
	accs.Bind([]arrow.Array{b1})
	accs.Update([]uint32{0, 0, 1, 1, 0}, nil, 0, 5)
	accs.AppendResult(0)
	accs.AppendResult(1)
	// Row 0 leaves group 0: the rows of 2 and 5 remain.
	accs.Update([]uint32{0, 0, 0, 0, 0}, []int8{-1, 0, 0, 0, 0}, 0, 5)
	accs.AppendResult(0)
	b2 := float64s(6, 5)
	defer b2.Release()
	accs.Bind([]arrow.Array{b2})
	// A row of another batch is retracted by value (5 leaves group 0).
	accs.Update([]uint32{0, 0}, []int8{1, -1}, 0, 2)
	accs.AppendResult(0)
	accs.AppendResult(1)
	require.NoError(t, accs.Err())
	pythonCalls(t)
	assert.Equal(t, []string{"1|2|5", "3|4", "2|5", "2|6", "3|4"}, flushStrings(t, accs))
	assert.Equal(t, []int64{3, 2, 2, 2, 2}, pythonCalls(t), "one call per result, in one flush")

	for _, g := range []uint32{0, 1, 0, 1} {
		accs.AppendResult(g)
	}
	accs.Keep([]int32{0, 1, 3}) // 2|6, 3|4, 3|4
	accs.DropPrev()             // 2|6, 3|4
	accs.AppendResult(0)        // 2|6, 3|4, 2|6
	accs.Truncate(2)            // 2|6, 3|4
	assert.True(t, accs.ResultEqual(0, 0))
	assert.False(t, accs.ResultEqual(0, 1))
	assert.Equal(t, []string{"2|6", "3|4"}, flushStrings(t, accs))

	// Saved and loaded into fresh accumulators, a group has its rows.
	saved := accs.Save(nil, 0)
	accs.Reset(0)
	accs.AppendResult(0)
	assert.Equal(t, []string{""}, flushStrings(t, accs), "a reset group is empty")
	other := pandasAccs(t, "p_joined", []arrow.DataType{arrow.PrimitiveTypes.Float64}, arrow.BinaryTypes.String)
	other.Grow(1)
	other.Load(saved, 0)
	other.AppendResult(0)
	assert.Equal(t, []string{"2|6"}, flushStrings(t, other))
	assert.Empty(t, accs.Save(nil, 0), "an empty group saves nothing")
}

// Non-numeric arguments cross too, with their NULLs, gathered from rows of
// several batches.
func TestPandasAccumulatorsStrings(t *testing.T) {
	_, err := pyfunc.Load("pandas_udaf_mod.p_cnt")
	require.NoError(t, err)
	accs := pandasAccs(t, "p_cnt", []arrow.DataType{arrow.BinaryTypes.String}, arrow.PrimitiveTypes.Int64)
	accs.Grow(2)
	for _, vals := range [][]string{{"a", "b", ""}, {"c", "", "d"}} {
		b := array.NewStringBuilder(memory.DefaultAllocator)
		for _, v := range vals {
			if v == "" {
				b.AppendNull()
			} else {
				b.Append(v)
			}
		}
		col := b.NewArray()
		b.Release()
		accs.Bind([]arrow.Array{col})
		col.Release()
		accs.Update([]uint32{0, 1, 0}, nil, 0, 3)
	}
	accs.AppendResult(0)
	accs.AppendResult(1)
	assert.Equal(t, []string{"4", "2"}, flushStrings(t, accs))
}

// A raising function fails the flush with its traceback and the group's
// size.
func TestPandasUDAFError(t *testing.T) {
	env := pandasUDAFEnv(t, false, "1")
	_, err := env.ExecuteSQL(context.Background(), "SELECT k, p_boom(x) FROM (VALUES ('a', 1.0), ('a', 2.0)) AS t(k, x) GROUP BY k")
	require.Error(t, err)
	var ae *pandas_udf.AggError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, int64(2), ae.Rows)
	for _, want := range []string{"pandas aggregate function p_boom raised an exception on a group of 2 rows", "ValueError: no 2", "pandas_udaf_mod.py"} {
		assert.Contains(t, err.Error(), want)
	}
}

// A batch GROUP BY of many groups crosses into Python once per flush, not
// per group.
func TestPandasUDAFOneCallPerFlush(t *testing.T) {
	env := pandasUDAFEnv(t, false, "1")
	pythonCalls(t)
	res, err := env.ExecuteSQL(context.Background(), "SELECT k, p_joined(x), p_mean(x) FROM (VALUES (1, 1.0), (2, 2.0), (1, 3.0), (3, 4.0), (2, 5.0)) AS t(k, x) GROUP BY k")
	require.NoError(t, err)
	assert.Equal(t, []string{"+I 1, 1|3, 2.0", "+I 2, 2|5, 3.5", "+I 3, 4, 4.0"}, sortedRows(res))
	assert.ElementsMatch(t, []int64{2, 2, 1}, pythonCalls(t))
}

// A tumbling window's buffered rows are saved in checkpoints: the source
// fails once after a checkpoint, the job restores the windows still open
// and ends with what an uninterrupted run gives (the sink is
// exactly-once).
func TestPandasUDAFWindowRecovery(t *testing.T) {
	env := pandasUDAFEnv(t, true, "2")
	ctx := context.Background()
	var data []string
	for i := 0; i < 40; i++ {
		data = append(data, fmt.Sprintf("[k%d, %d, 2024-01-01 00:00:%02d]", i%3, i, i))
	}
	for _, stmt := range []string{
		"SET 'execution.checkpointing.interval' = '20 ms'",
		"SET 'restart-strategy.type' = 'fixed-delay'",
		"SET 'restart-strategy.fixed-delay.attempts' = '1'",
		"SET 'restart-strategy.fixed-delay.delay' = '10 ms'",
		fmt.Sprintf("CREATE TABLE src (k STRING, v DOUBLE, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ('connector' = 'values', "+
			"'source.fail-after' = '25', 'data' = '%s')", strings.Join(data, "; ")),
		"CREATE TABLE win_out (k STRING, ws TIMESTAMP(3), j STRING, m DOUBLE, n BIGINT) WITH ('connector' = 'values', " +
			"'sink-id' = 'pandas_udaf_recovered', 'sink.delivery-guarantee' = 'exactly-once')",
	} {
		_, err := env.ExecuteSQL(ctx, stmt)
		require.NoError(t, err, stmt)
	}
	values.Reset("pandas_udaf_recovered")
	res, err := env.ExecuteSQL(ctx, "INSERT INTO win_out SELECT k, window_start, p_joined(v), p_mean(v), p_cnt(v) "+
		"FROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY k, window_start, window_end")
	require.NoError(t, err)
	assert.EqualValues(t, 1, res.Job.Checkpoints.Restarts, "the source failed once after a checkpoint")
	final, err := values.Collected("pandas_udaf_recovered").Materialize()
	require.NoError(t, err)
	var got []string
	for _, r := range final {
		got = append(got, fmt.Sprint(r.Values[0], " ", r.Values[2], " ", r.Values[3], " ", r.Values[4]))
	}
	sort.Strings(got)
	var want []string
	for w := 0; w < 4; w++ {
		for k := 0; k < 3; k++ {
			var items []string
			sum, n := 0, 0
			for i := w * 10; i < w*10+10; i++ {
				if i%3 == k {
					items = append(items, fmt.Sprint(i))
					sum += i
					n++
				}
			}
			want = append(want, fmt.Sprint(fmt.Sprintf("k%d", k), " ", strings.Join(items, "|"), " ", float64(sum)/float64(n), " ", n))
		}
	}
	sort.Strings(want)
	assert.Equal(t, want, got)
}
