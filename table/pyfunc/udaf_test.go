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

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/connectors/values"
	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table"
)

// udafModule declares aggregate functions as the Python API's udaf() does:
// an object of func type "aggregate" with PyFlink's AggregateFunction
// methods.
const udafModule = `
class _Agg:
    _sluice_func_type = "aggregate"

    def __init__(self, result_type):
        self._sluice_result_type = result_type


class MySum(_Agg):
    def create_accumulator(self):
        return [0]

    def accumulate(self, acc, x):
        if x is not None:
            acc[0] += x

    def retract(self, acc, x):
        if x is not None:
            acc[0] -= x

    def get_value(self, acc):
        return acc[0]


class WeightedAvg(_Agg):
    def create_accumulator(self):
        return [0, 0]

    def accumulate(self, acc, v, w):
        acc[0] += v * w
        acc[1] += w

    def retract(self, acc, v, w):
        acc[0] -= v * w
        acc[1] -= w

    def get_value(self, acc):
        return None if acc[1] == 0 else acc[0] / acc[1]


class Joined(_Agg):
    """Every value seen, sorted and joined: an accumulator whose size
    grows with the group (what ListView is for)."""
    def create_accumulator(self):
        return {"items": []}

    def accumulate(self, acc, s):
        acc["items"].append(s)

    def retract(self, acc, s):
        acc["items"].remove(s)

    def get_value(self, acc):
        return ",".join(sorted(acc["items"]))


class NoRetract(_Agg):
    def create_accumulator(self):
        return [0]

    def accumulate(self, acc, x):
        acc[0] += 1

    def get_value(self, acc):
        return acc[0]


class Boom(_Agg):
    def create_accumulator(self):
        return [0]

    def accumulate(self, acc, x):
        acc[0] += 10 // (x - 3)

    def get_value(self, acc):
        return acc[0]


my_sum = MySum("BIGINT")
wavg = WeightedAvg("DOUBLE")
joined = Joined("STRING")
no_retract = NoRetract("BIGINT")
boom = Boom("BIGINT")
`

var udafOnce sync.Once

func udafEnv(t *testing.T, streaming bool, par string) *table.Environment {
	udafOnce.Do(func() {
		dir, err := os.MkdirTemp("", "sluice-udaf")
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "udaf_mod.py"), []byte(udafModule), 0o644))
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
	for _, f := range []string{"my_sum", "wavg", "joined", "no_retract", "boom"} {
		_, err := env.ExecuteSQL(context.Background(), fmt.Sprintf("CREATE TEMPORARY SYSTEM FUNCTION %s AS 'udaf_mod.%s' LANGUAGE PYTHON", f, f))
		require.NoError(t, err)
	}
	return env
}

// finalRows applies a changelog: the table it leaves, sorted.
func finalRows(res *table.Result) []string {
	var out []string
	for _, r := range rowsOf(res) {
		kind, row, _ := strings.Cut(r, " ")
		switch kind {
		case "+I", "+U":
			out = append(out, row)
		default:
			for i, o := range out {
				if o == row {
					out = append(out[:i], out[i+1:]...)
					break
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

func sortedRows(res *table.Result) []string {
	rows := rowsOf(res)
	sort.Strings(rows)
	return rows
}

const udafInput = "(VALUES ('a', CAST(1 AS BIGINT), CAST(2 AS BIGINT)), ('b', CAST(2 AS BIGINT), CAST(3 AS BIGINT)), " +
	"('a', CAST(3 AS BIGINT), CAST(1 AS BIGINT)), ('a', CAST(NULL AS BIGINT), CAST(0 AS BIGINT)), ('a', CAST(4 AS BIGINT), CAST(5 AS BIGINT))) AS t(k, x, w)"

// A Python aggregate gives what the built-in one gives, in batch and
// streaming, at parallelism 1 and 3 (the streaming changelog is a
// bundle's, as PyFlink's Python group aggregate emits it).
func TestUDAFGroupBy(t *testing.T) {
	for _, streaming := range []bool{false, true} {
		for _, par := range []string{"1", "3"} {
			for _, batch := range []string{"1", "7", ""} {
				t.Run(fmt.Sprintf("streaming=%v/par=%s/batch=%s", streaming, par, batch), func(t *testing.T) {
					env := udafEnv(t, streaming, par)
					if batch != "" {
						require.NoError(t, env.SetConfig(engine.ConfigBatchSize, batch))
					}
					res, err := env.ExecuteSQL(context.Background(),
						"SELECT k, my_sum(x), SUM(x), wavg(x, w), joined(CAST(x AS STRING)), COUNT(*) FROM "+udafInput+" WHERE x IS NOT NULL GROUP BY k")
					require.NoError(t, err)
					// A bundle may end inside the input at small batch sizes:
					// the table the changelog leaves is the same.
					assert.Equal(t, []string{"a, 8, 8, 3.125, 1,3,4, 3", "b, 2, 2, 2.0, 2, 1"}, finalRows(res))
				})
			}
		}
	}
}

// Over an updating input the aggregate retracts: the count per key
// changes, and the sum of the counts follows.
func TestUDAFRetraction(t *testing.T) {
	env := udafEnv(t, true, "1")
	ctx := context.Background()
	res, err := env.ExecuteSQL(ctx, "SELECT my_sum(c), joined(CAST(c AS STRING)) FROM (SELECT k, COUNT(*) AS c FROM "+udafInput+" GROUP BY k)")
	require.NoError(t, err)
	assert.Equal(t, []string{"5, 1,4"}, finalRows(res))

	// Without retract, the retraction fails the job with PyFlink's base
	// class message or ours.
	_, err = env.ExecuteSQL(ctx, "SELECT no_retract(c) FROM (SELECT k, COUNT(*) AS c FROM "+udafInput+" GROUP BY k)")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no_retract")
	assert.Contains(t, err.Error(), "retract")
}

// Window aggregates and OVER windows take Python aggregates too.
func TestUDAFWindowAndOver(t *testing.T) {
	env := udafEnv(t, true, "2")
	ctx := context.Background()
	_, err := env.ExecuteSQL(ctx, `CREATE TABLE ev (k STRING, v BIGINT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ('connector' = 'values',
  'data' = '[a, 1, 2024-01-01 00:00:01]; [b, 2, 2024-01-01 00:00:02]; [a, 3, 2024-01-01 00:00:07]; [a, 4, 2024-01-01 00:00:12]; [b, 5, 2024-01-01 00:00:13]')`)
	require.NoError(t, err)
	res, err := env.ExecuteSQL(ctx, "SELECT k, window_start, my_sum(v), SUM(v), joined(k) FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY k, window_start, window_end")
	require.NoError(t, err)
	assert.Equal(t, []string{
		"+I a, 2024-01-01 00:00:00.000, 4, 4, a,a",
		"+I a, 2024-01-01 00:00:10.000, 4, 4, a",
		"+I b, 2024-01-01 00:00:00.000, 2, 2, b",
		"+I b, 2024-01-01 00:00:10.000, 5, 5, b",
	}, sortedRows(res))
	res, err = env.ExecuteSQL(ctx, "SELECT k, v, my_sum(v) OVER w, SUM(v) OVER w, joined(CAST(v AS STRING)) OVER w FROM ev "+
		"WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)")
	require.NoError(t, err)
	assert.Equal(t, []string{"+I a, 1, 1, 1, 1", "+I a, 3, 4, 4, 1,3", "+I a, 4, 7, 7, 3,4", "+I b, 2, 2, 2, 2", "+I b, 5, 7, 7, 2,5"}, sortedRows(res))
	res, err = env.ExecuteSQL(ctx, "SELECT k, window_start, wavg(v, v) FROM TABLE(SESSION(TABLE ev PARTITION BY k, DESCRIPTOR(ts), INTERVAL '5' SECOND)) GROUP BY k, window_start, window_end")
	require.NoError(t, err)
	// a: 1 alone, then 3 and 4 (00:07 + 5 s reaches 00:12: Flink merges
	// windows that touch), sum(v*v)/sum(v) = 25/7; b: 2, then 5.
	assert.Equal(t, []string{"+I a, 2024-01-01 00:00:01.000, 1.0", "+I a, 2024-01-01 00:00:07.000, 3.5714285714285716",
		"+I b, 2024-01-01 00:00:02.000, 2.0", "+I b, 2024-01-01 00:00:13.000, 5.0"}, sortedRows(res))
}

// A failing accumulate names the function, the row's arguments and
// carries the Python traceback.
func TestUDAFError(t *testing.T) {
	env := udafEnv(t, false, "1")
	_, err := env.ExecuteSQL(context.Background(), "SELECT k, boom(x) FROM "+udafInput+" GROUP BY k")
	require.Error(t, err)
	for _, want := range []string{"python aggregate function boom failed in accumulate", "with arguments (3)", "ZeroDivisionError", "udaf_mod.py"} {
		assert.Contains(t, err.Error(), want)
	}
	var ae *cpython.AggError
	assert.ErrorAs(t, err, &ae)
}

// The accumulators are pickled into keyed state: with a state cache of
// two groups they leave memory and come back, and after a failure the
// job restores them from the last checkpoint, ending with the
// uninterrupted result (the sink is exactly-once).
func TestUDAFStateAndRecovery(t *testing.T) {
	for _, tc := range []struct{ par, batch string }{{"1", ""}, {"2", ""}, {"3", "7"}, {"3", "1"}} {
		t.Run(fmt.Sprintf("par=%s/batch=%s", tc.par, tc.batch), func(t *testing.T) { udafRecovery(t, tc.par, tc.batch) })
	}
}

func udafRecovery(t *testing.T, par, batch string) {
	env := udafEnv(t, true, par)
	if batch != "" {
		require.NoError(t, env.SetConfig(engine.ConfigBatchSize, batch))
	}
	ctx := context.Background()
	var data []string
	for i := 0; i < 40; i++ {
		data = append(data, fmt.Sprintf("[k%d, %d]", i%7, i))
	}
	for _, stmt := range []string{
		"SET 'execution.checkpointing.interval' = '20 ms'",
		"SET 'restart-strategy.type' = 'fixed-delay'",
		"SET 'restart-strategy.fixed-delay.attempts' = '1'",
		"SET 'restart-strategy.fixed-delay.delay' = '10 ms'",
		"SET '" + engine.ConfigStateCacheSize + "' = '2'",
		"SET 'state.backend.type' = 'rocksdb'",
		fmt.Sprintf("CREATE TABLE src (k STRING, v BIGINT) WITH ('connector' = 'values', 'source.fail-after' = '25', 'data' = '%s')", strings.Join(data, "; ")),
		"CREATE TABLE agg_out (k STRING, s BIGINT, j STRING, n BIGINT, PRIMARY KEY (k) NOT ENFORCED) WITH ('connector' = 'values', 'sink-id' = 'udaf_recovered', 'sink.delivery-guarantee' = 'exactly-once')",
	} {
		_, err := env.ExecuteSQL(ctx, stmt)
		require.NoError(t, err, stmt)
	}
	values.Reset("udaf_recovered")
	res, err := env.ExecuteSQL(ctx, "INSERT INTO agg_out SELECT k, my_sum(v), joined(CAST(v AS STRING)), COUNT(*) FROM src GROUP BY k")
	require.NoError(t, err)
	assert.EqualValues(t, 1, res.Job.Checkpoints.Restarts, "the source failed once after a checkpoint")
	final, err := values.Collected("udaf_recovered").Materialize()
	require.NoError(t, err)
	var got []string
	for _, r := range final {
		got = append(got, fmt.Sprint(r.Values))
	}
	sort.Strings(got)
	var want []string
	for k := 0; k < 7; k++ {
		sum, n := 0, 0
		var items []string
		for i := k; i < 40; i += 7 {
			sum += i
			n++
			items = append(items, fmt.Sprint(i))
		}
		sort.Strings(items)
		want = append(want, fmt.Sprint([]any{fmt.Sprintf("k%d", k), int64(sum), strings.Join(items, ","), int64(n)}))
	}
	sort.Strings(want)
	assert.Equal(t, want, got)
}
