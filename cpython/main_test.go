package cpython_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/vectorized"
)

func TestMain(m *testing.M) {
	if err := cpython.Initialize(); err != nil {
		fmt.Fprintln(os.Stderr, "starting Python:", err)
		os.Exit(1)
	}
	if os.Getenv(crashEnv) != "" {
		crashChild() // TestCrashReportNamesTheUDFAndJob's child process
	}
	os.Exit(m.Run())
}

// pyFuncs executes source and returns the named callables from it.
func pyFuncs(t testing.TB, source string, names ...string) []*cpython.Object {
	t.Helper()
	var out []*cpython.Object
	require.NoError(t, cpython.Do(func(py *cpython.GIL) error {
		ns, err := py.Exec("<udf>", source)
		if err != nil {
			return err
		}
		defer py.DecRef(ns)
		for _, n := range names {
			f, err := py.GetItem(ns, n)
			if err != nil {
				return err
			}
			out = append(out, f)
		}
		return nil
	}))
	t.Cleanup(func() {
		_ = cpython.Do(func(py *cpython.GIL) error {
			for _, f := range out {
				py.DecRef(f)
			}
			return nil
		})
	})
	return out
}

func pyFunc(t testing.TB, source, name string) *cpython.Object {
	t.Helper()
	return pyFuncs(t, source, name)[0]
}

// fromJSON builds an Arrow array of type dt from a JSON list.
func fromJSON(t testing.TB, mem memory.Allocator, dt arrow.DataType, js string) arrow.Array {
	t.Helper()
	arr, _, err := array.FromJSON(mem, dt, strings.NewReader(js))
	require.NoError(t, err, "JSON for %s", dt)
	return arr
}

// record makes a batch of the given columns, named c0, c1, ….
func record(cols ...arrow.Array) arrow.RecordBatch {
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = arrow.Field{Name: fmt.Sprintf("c%d", i), Type: c.DataType(), Nullable: true}
	}
	n := int64(0)
	if len(cols) > 0 {
		n = int64(cols[0].Len())
	}
	return array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, n)
}

// evalOne runs a single row UDF over rec and returns its result column.
func evalOne(t testing.TB, fn *cpython.Object, result arrow.DataType, rec arrow.RecordBatch, args ...int) (arrow.Array, error) {
	t.Helper()
	ev, err := cpython.NewRowEvaluator([]cpython.RowUDF{{Name: "f", Func: fn, Args: args, Result: result}})
	if err != nil {
		return nil, err
	}
	defer ev.Close()
	out, err := ev.Evaluate(context.Background(), vectorized.NewBatch(rec))
	if err != nil {
		return nil, err
	}
	return out[0], nil
}
