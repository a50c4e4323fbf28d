package bench

import (
	"context"
	"time"

	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/python"
)

// The DataStream case: ds.map(lambda x: x + 1, Types.LONG()) against the
// same lambda as a row UDF in SQL, both whole jobs over the same datagen
// sequence into a blackhole sink, in the same process. The DataStream
// program plans its map as a row UDF over column f0 (one crossing per
// batch), so the ratio is what the DataStream layer costs on top of the
// Table path; the target is at least 0.6.
const dataStreamPython = `
import time
from pyflink.common import Types
from pyflink.datastream import StreamExecutionEnvironment
from pyflink.datastream.data_stream import DataStream
from pyflink.table import DataTypes, StreamTableEnvironment
from pyflink.table.udf import udf


def run(rows, batch_size, datastream):
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(1)
    t_env = StreamTableEnvironment.create(env)
    t_env.get_config().set("python.fn-execution.arrow.batch.size", str(batch_size))
    t_env.execute_sql("CREATE TEMPORARY TABLE gen (x BIGINT) WITH ('connector' = 'datagen', "
                      "'rows-per-second' = '1000000000', 'fields.x.kind' = 'sequence', 'fields.x.start' = '1', "
                      "'fields.x.end' = '%d')" % rows)
    t_env.execute_sql("CREATE TEMPORARY TABLE sink_out (x BIGINT) WITH ('connector' = 'blackhole')")
    if datastream:
        # A stream of LONG over the generator's column (what from_source
        # of a source of longs gives), mapped as a DataStream program maps.
        ds = DataStream(env, Types.LONG(), lambda te: te.sql_query("SELECT x AS f0 FROM gen"))
        table = ds.map(lambda x: x + 1, Types.LONG())._table(t_env)
    else:
        plus_one = udf(lambda x: x + 1, result_type=DataTypes.BIGINT())
        table = t_env.from_path("gen").select(plus_one(t_env.from_path("gen").x))
    start = time.perf_counter()
    table.execute_insert("sink_out").wait()
    return time.perf_counter() - start
`

// runDataStreamCases measures the DataStream map and its row UDF baseline.
func runDataStreamCases(ctx context.Context, cfg UDFConfig, size int, emit func(Measurement)) error {
	if err := python.Install(true); err != nil {
		return err
	}
	var run *cpython.Object
	err := cpython.Do(func(py *cpython.GIL) error {
		mod, err := py.LoadModule("sluice_bench_datastream", "<sluice>/bench/datastream.py", dataStreamPython)
		if err != nil {
			return err
		}
		defer py.DecRef(mod)
		run, err = py.GetAttr(mod, "run")
		return err
	})
	if err != nil {
		return err
	}
	defer cpython.Do(func(py *cpython.GIL) error { py.DecRef(run); return nil })
	job := func(datastream bool) func() (time.Duration, error) {
		return func() (time.Duration, error) {
			if err := ctx.Err(); err != nil {
				return 0, err
			}
			var secs float64
			err := cpython.Do(func(py *cpython.GIL) error {
				args := []*cpython.Object{py.Int(int64(cfg.Rows)), py.Int(int64(size)), py.Bool(datastream)}
				defer func() {
					for _, a := range args {
						py.DecRef(a)
					}
				}()
				r, err := py.Call(run, args...)
				if err != nil {
					return err
				}
				defer py.DecRef(r)
				secs, err = py.AsFloat64(r)
				return err
			})
			return time.Duration(secs * float64(time.Second)), err
		}
	}
	d, row, err := interleaved(cfg.Repeat, job(true), job(false))
	if err != nil {
		return err
	}
	m := measurement("datastream map(lambda x: x + 1)", "row", size, cfg.Rows, d)
	m.against("row UDF x + 1 in SQL (same job)", row)
	emit(m)
	return nil
}
