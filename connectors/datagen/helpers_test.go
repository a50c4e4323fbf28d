package datagen

import (
	"context"
	"errors"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/types"
	"github.com/sluice-stream/sluice/vectorized"
)

// checkedMem fails the test if anything allocated through it is still
// live when the test ends.
func checkedMem(t testing.TB) *memory.CheckedAllocator {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}

func col(name string, t types.DataType) connector.Column {
	return connector.Column{Name: name, Type: t}
}

func newSourceFor(cols []connector.Column, opts map[string]string, cfg engine.Config) (*connector.Source, error) {
	o := map[string]string{"connector": Identifier}
	for k, v := range opts {
		o[k] = v
	}
	return Factory{}.NewSource(&connector.Context{Table: "t", Columns: cols, Options: o, Config: cfg})
}

func mustSource(t testing.TB, cols []connector.Column, opts map[string]string, cfg engine.Config) *connector.Source {
	t.Helper()
	src, err := newSourceFor(cols, opts, cfg)
	require.NoError(t, err)
	return src
}

// output is what one subtask emitted: its records (kept alive until the
// test ends) and the error Run returned.
type output struct {
	recs []arrow.RecordBatch
	err  error
}

func (o *output) rows() int {
	n := 0
	for _, r := range o.recs {
		n += int(r.NumRows())
	}
	return n
}

func (o *output) sizes() []int {
	s := make([]int, len(o.recs))
	for i, r := range o.recs {
		s[i] = int(r.NumRows())
	}
	return s
}

// changelog is the rows as engine rows, for comparing outputs.
func (o *output) changelog() []engine.Row {
	var rows []engine.Row
	for _, r := range o.recs {
		rows = append(rows, engine.BatchRows(vectorized.NewBatch(r))...)
	}
	return rows
}

// column concatenates column c of every record, each as its own array.
func (o *output) column(c int) []arrow.Array {
	arrs := make([]arrow.Array, len(o.recs))
	for i, r := range o.recs {
		arrs[i] = r.Column(c)
	}
	return arrs
}

// runSubtask opens and runs subtask i of n until the source ends or, when
// stopAfter > 0, until it emitted at least stopAfter rows (then it cancels).
func runSubtask(t testing.TB, src *connector.Source, i, n int, cfg engine.Config, mem memory.Allocator, stopAfter int) *output {
	t.Helper()
	s := src.Instance(i, n)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	require.NoError(t, s.Open(ctx, &engine.RuntimeContext{Subtask: i, Parallelism: n, Mem: mem, Config: cfg}))
	out := &output{}
	t.Cleanup(func() {
		for _, r := range out.recs {
			r.Release()
		}
	})
	rows := 0
	out.err = s.Run(ctx, engine.CollectorFunc(func(_ context.Context, b *vectorized.Batch) error {
		b.Record.Retain()
		out.recs = append(out.recs, b.Record)
		rows += int(b.NumRows())
		if stopAfter > 0 && rows >= stopAfter {
			cancel()
		}
		return nil
	}))
	require.NoError(t, s.Close())
	if stopAfter > 0 {
		require.True(t, errors.Is(out.err, context.Canceled), "an unbounded source ends by cancellation, got %v", out.err)
	} else {
		require.NoError(t, out.err)
	}
	return out
}
