package python

// Results and streams: rows as text, Arrow batches handed to pyarrow
// through the C Data Interface, metrics.

// #include <stdlib.h>
import "C"

import (
	"context"
	"errors"
	"sort"
	"strings"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/cdata"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table"
	"github.com/sluice-stream/sluice/vectorized"
)

// resultRows gives the rows of a result that has no batches (DDL, SHOW,
// DESCRIBE, EXPLAIN) as text: [kinds, rows].
func resultRows(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	res, err := lookup[*table.Result](py, args[0])
	if err != nil {
		return nil, err
	}
	var rows, kinds []*cpython.Object
	for i, r := range res.Text() {
		rows = append(rows, strList(py, r))
		kinds = append(kinds, py.Str(res.Rows[i].Kind))
	}
	rl, kl := py.List(rows...), py.List(kinds...)
	for _, o := range append(rows, kinds...) {
		py.DecRef(o)
	}
	defer py.DecRef(rl)
	defer py.DecRef(kl)
	return py.Tuple(kl, rl), nil
}

// streamState is a running query read batch by batch from Python.
type streamState struct {
	s    *table.Stream
	imp  *cpython.Object // pyarrow.RecordBatch._import_from_c
	done bool
}

func tableStream(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	t, err := lookup[*table.Table](py, args[0])
	if err != nil {
		return nil, err
	}
	s, err := t.Stream(context.Background())
	if err != nil {
		return nil, err
	}
	return py.Int(keep(&streamState{s: s})), nil
}

// streamNext waits (without the GIL) for the next batch and returns
// (pyarrow batch, kinds or None), or None when the query has ended.
func streamNext(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	st, err := lookup[*streamState](py, args[0])
	if err != nil {
		return nil, err
	}
	if st.done {
		return nil, nil
	}
	b, _ := blocking(py, func() (*vectorized.Batch, error) { return <-st.s.C, nil })
	if b == nil {
		st.done = true
		if _, err := blocking(py, st.s.Job.Wait); err != nil && !errors.Is(err, context.Canceled) {
			return nil, err
		}
		return nil, nil
	}
	defer b.Release()
	if st.imp == nil {
		if st.imp, err = importFromC(py); err != nil {
			return nil, err
		}
	}
	o, err := exportBatch(py, st.imp, b)
	if err != nil {
		return nil, err
	}
	defer py.DecRef(o)
	kinds := py.None()
	if b.Kinds != nil {
		py.DecRef(kinds)
		var sb strings.Builder
		for _, k := range b.Kinds {
			sb.WriteString(k.String())
		}
		kinds = py.Str(sb.String())
	}
	defer py.DecRef(kinds)
	return py.Tuple(o, kinds), nil
}

func streamCancel(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	st, err := lookup[*streamState](py, args[0])
	if err != nil {
		return nil, err
	}
	st.s.Job.Cancel()
	_, _ = blocking(py, func() (struct{}, error) {
		for b := range st.s.C {
			b.Release()
		}
		return struct{}{}, nil
	})
	st.done = true
	return nil, nil
}

func importFromC(py *cpython.GIL) (*cpython.Object, error) {
	pa, err := py.Import("pyarrow")
	if err != nil {
		return nil, err
	}
	defer py.DecRef(pa)
	rb, err := py.GetAttr(pa, "RecordBatch")
	if err != nil {
		return nil, err
	}
	defer py.DecRef(rb)
	return py.GetAttr(rb, "_import_from_c")
}

func resultText(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	res, err := lookup[*table.Result](py, args[0])
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	res.Print(&b)
	return py.Str(b.String()), nil
}

func resultColumns(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	res, err := lookup[*table.Result](py, args[0])
	if err != nil {
		return nil, err
	}
	return strList(py, res.Columns), nil
}

// resultArrow hands the result's batches to pyarrow through the C Data
// Interface (no copy) and returns [batches, kinds] where kinds holds one
// string of +I/-U/+U/-D per batch, or None for insert-only batches.
func resultArrow(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	res, err := lookup[*table.Result](py, args[0])
	if err != nil {
		return nil, err
	}
	pa, err := py.Import("pyarrow")
	if err != nil {
		return nil, err
	}
	defer py.DecRef(pa)
	rbCls, err := py.GetAttr(pa, "RecordBatch")
	if err != nil {
		return nil, err
	}
	defer py.DecRef(rbCls)
	imp, err := py.GetAttr(rbCls, "_import_from_c")
	if err != nil {
		return nil, err
	}
	defer py.DecRef(imp)
	var batches, kinds []*cpython.Object
	defer func() {
		for _, o := range append(batches, kinds...) {
			py.DecRef(o)
		}
	}()
	for _, b := range res.Batches {
		o, err := exportBatch(py, imp, b)
		if err != nil {
			return nil, err
		}
		batches = append(batches, o)
		if b.Kinds == nil {
			kinds = append(kinds, py.None())
			continue
		}
		var sb strings.Builder
		for _, k := range b.Kinds {
			sb.WriteString(k.String())
		}
		kinds = append(kinds, py.Str(sb.String()))
	}
	bl, kl := py.List(batches...), py.List(kinds...)
	defer py.DecRef(bl)
	defer py.DecRef(kl)
	return py.Tuple(bl, kl), nil
}

func exportBatch(py *cpython.GIL, imp *cpython.Object, b *vectorized.Batch) (*cpython.Object, error) {
	// C memory: pyarrow reads the structs by address.
	arr := (*cdata.CArrowArray)(C.calloc(1, C.size_t(unsafe.Sizeof(cdata.CArrowArray{}))))
	sch := (*cdata.CArrowSchema)(C.calloc(1, C.size_t(unsafe.Sizeof(cdata.CArrowSchema{}))))
	defer C.free(unsafe.Pointer(arr))
	defer C.free(unsafe.Pointer(sch))
	cols := make([]arrow.Array, b.Record.NumCols())
	for i, c := range b.Record.Columns() {
		fixed, err := vectorized.ForExport(c, memory.DefaultAllocator)
		if err != nil {
			for _, f := range cols[:i] {
				f.Release()
			}
			return nil, err
		}
		cols[i] = fixed
	}
	rec := array.NewRecordBatch(b.Record.Schema(), cols, b.Record.NumRows())
	for _, c := range cols {
		c.Release()
	}
	defer rec.Release()
	cdata.ExportArrowRecordBatch(rec, arr, sch)
	a := py.Int(int64(uintptr(unsafe.Pointer(arr))))
	s := py.Int(int64(uintptr(unsafe.Pointer(sch))))
	defer py.DecRef(a)
	defer py.DecRef(s)
	o, err := py.Call(imp, a, s)
	if err != nil {
		cdata.ReleaseCArrowArray(arr)
		cdata.ReleaseCArrowSchema(sch)
		return nil, err
	}
	return o, nil
}

func metricsList(py *cpython.GIL, ms []engine.MetricsSnapshot) *cpython.Object {
	var items []*cpython.Object
	for _, m := range ms {
		d, err := newDict(py)
		if err != nil {
			continue
		}
		_ = dictSet(py, d, "vertex", py.Str(m.Vertex))
		_ = dictSet(py, d, "operator", py.Str(m.Operator))
		_ = dictSet(py, d, "kind", py.Str(m.Kind))
		_ = dictSet(py, d, "subtask", py.Int(int64(m.Subtask)))
		_ = dictSet(py, d, "records_in", py.Int(m.RecordsIn))
		_ = dictSet(py, d, "records_out", py.Int(m.RecordsOut))
		_ = dictSet(py, d, "busy_ms", py.Float(float64(m.Busy.Microseconds())/1000))
		keys := make([]string, 0, len(m.Counters))
		for k := range m.Counters {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			_ = dictSet(py, d, k, py.Int(m.Counters[k]))
		}
		items = append(items, d)
	}
	l := py.List(items...)
	for _, o := range items {
		py.DecRef(o)
	}
	return l
}

func resultMetrics(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	res, err := lookup[*table.Result](py, args[0])
	if err != nil {
		return nil, err
	}
	if res.Job == nil {
		return py.List(), nil
	}
	return metricsList(py, res.Job.Metrics), nil
}
