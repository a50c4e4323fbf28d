package pandas_udf

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/vectorized"
)

func TestMain(m *testing.M) {
	if err := cpython.Initialize(); err != nil {
		fmt.Fprintln(os.Stderr, "pandas_udf tests need the embedded interpreter:", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// pyFunc defines Python source and returns the global called name. The
// caller owns the reference; t.Cleanup gives it back.
func pyFunc(t testing.TB, src, name string) *cpython.Object {
	t.Helper()
	var fn *cpython.Object
	require.NoError(t, cpython.Do(func(py *cpython.GIL) error {
		ns, err := py.Exec("<test "+t.Name()+">", src)
		if err != nil {
			return err
		}
		defer py.DecRef(ns)
		fn, err = py.GetItem(ns, name)
		return err
	}))
	t.Cleanup(func() { _ = cpython.Do(func(py *cpython.GIL) error { py.DecRef(fn); return nil }) })
	return fn
}

// pyFuncs is pyFunc for several globals of one source, which share its
// module-level state.
func pyFuncs(t testing.TB, src string, names ...string) []*cpython.Object {
	t.Helper()
	fns := make([]*cpython.Object, len(names))
	require.NoError(t, cpython.Do(func(py *cpython.GIL) error {
		ns, err := py.Exec("<test "+t.Name()+">", src)
		if err != nil {
			return err
		}
		defer py.DecRef(ns)
		for i, name := range names {
			if fns[i], err = py.GetItem(ns, name); err != nil {
				return err
			}
		}
		return nil
	}))
	t.Cleanup(func() {
		_ = cpython.Do(func(py *cpython.GIL) error {
			for _, fn := range fns {
				py.DecRef(fn)
			}
			return nil
		})
	})
	return fns
}

// pyLambda is pyFunc for a single expression: pyLambda(t, "lambda x: x").
func pyLambda(t testing.TB, expr string) *cpython.Object {
	return pyFunc(t, "import numpy as np\nimport pandas as pd\nf = "+expr+"\n", "f")
}

func newEvaluator(t testing.TB, udfs ...UDF) *Evaluator {
	t.Helper()
	e, err := NewEvaluator(udfs)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, e.Close()) })
	return e
}

// record builds a batch from columns named c0, c1, ...; it takes over the
// arrays' references.
func record(cols ...arrow.Array) arrow.RecordBatch {
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = arrow.Field{Name: fmt.Sprintf("c%d", i), Type: c.DataType(), Nullable: true}
	}
	rec := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, -1)
	for _, c := range cols {
		c.Release()
	}
	return rec
}

// evaluate runs e over a batch of cols and returns its results, released
// at the end of the test.
func evaluate(t testing.TB, e *Evaluator, cols ...arrow.Array) ([]arrow.Array, error) {
	t.Helper()
	rec := record(cols...)
	defer rec.Release()
	out, err := e.Evaluate(context.Background(), vectorized.NewBatch(rec))
	t.Cleanup(func() {
		for _, a := range out {
			a.Release()
		}
	})
	return out, err
}

// fromJSON builds an array of type dt from its JSON form.
func fromJSON(t testing.TB, mem memory.Allocator, dt arrow.DataType, js string) arrow.Array {
	t.Helper()
	arr, _, err := array.FromJSON(mem, dt, strings.NewReader(js))
	require.NoError(t, err)
	return arr
}

// assertSameValues checks that got holds the values of want. array.Equal
// also compares the child values under NULL rows of a nested struct, which
// carry no meaning (pyarrow writes zeros there); the JSON forms say NULL.
func assertSameValues(t testing.TB, want, got arrow.Array) {
	t.Helper()
	require.Truef(t, arrow.TypeEqual(want.DataType(), got.DataType()), "type %s, want %s", got.DataType(), want.DataType())
	require.Equal(t, want.Len(), got.Len(), "length")
	require.Equal(t, want.NullN(), got.NullN(), "NULL count")
	if array.Equal(want, got) {
		return
	}
	wj, err := want.MarshalJSON()
	require.NoError(t, err)
	gj, err := got.MarshalJSON()
	require.NoError(t, err)
	assert.JSONEq(t, string(wj), string(gj), "sent %v\ngot  %v", want, got)
}
