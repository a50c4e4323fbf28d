package engine

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/vectorized"
)

// panicky panics in the method named by where, on its second batch for
// Process.
type panicky struct {
	where  string
	seen   int
	closed *atomic.Int64
}

func (p *panicky) String() string { return "Panicky" }
func (p *panicky) Open(context.Context, *RuntimeContext) error {
	if p.where == "open" {
		panic("open exploded")
	}
	return nil
}
func (p *panicky) Process(ctx context.Context, _ int, b *vectorized.Batch, out Collector) error {
	p.seen++
	if p.where == "process" && p.seen == 2 {
		var m map[string]int
		m["x"]++ // a runtime error: assignment to entry in nil map
	}
	return out.Collect(ctx, b)
}
func (p *panicky) EndInput(context.Context, Collector) error {
	if p.where == "end" {
		panic(42)
	}
	return nil
}
func (p *panicky) Close() error {
	p.closed.Add(1)
	if p.where == "close" {
		panic("close exploded")
	}
	return nil
}

type panickySink struct{ where string }

func (s panickySink) String() string                              { return "PanickySink" }
func (s panickySink) Open(context.Context, *RuntimeContext) error { return nil }
func (s panickySink) Write(context.Context, *vectorized.Batch) error {
	if s.where == "write" {
		panic("write exploded")
	}
	return nil
}
func (s panickySink) Finish(context.Context) error {
	if s.where == "finish" {
		panic("finish exploded")
	}
	return nil
}
func (s panickySink) Close() error { return nil }

type panickySource struct{ generator }

func (p *panickySource) String() string { return "PanickySource" }
func (p *panickySource) Run(context.Context, Collector) error {
	panic("source exploded")
}

func TestPanicBecomesTaskError(t *testing.T) {
	tests := []struct {
		name      string
		opWhere   string
		sinkWhere string
		source    bool
		kind      string
		component string
		value     string
	}{
		{name: "operator process", opWhere: "process", kind: "operator", component: "Panicky", value: "assignment to entry in nil map"},
		{name: "operator open", opWhere: "open", kind: "operator", component: "Panicky", value: "open exploded"},
		{name: "operator end of input", opWhere: "end", kind: "operator", component: "Panicky", value: "42"},
		{name: "operator close", opWhere: "close", kind: "operator", component: "Panicky", value: "close exploded"},
		{name: "sink write", sinkWhere: "write", kind: "sink", component: "PanickySink", value: "write exploded"},
		{name: "sink finish", sinkWhere: "finish", kind: "sink", component: "PanickySink", value: "finish exploded"},
		{name: "source run", source: true, kind: "source", component: "PanickySource", value: "source exploded"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mem := checkedMem(t)
			var closed atomic.Int64
			src := func(int) Source {
				g := generator{mem: mem, limit: 4, produced: new(atomic.Int64), stopped: new(atomic.Int64)}
				if tc.source {
					return &panickySource{g}
				}
				return &g
			}
			g := &JobGraph{Name: "pj", Mem: mem, Vertices: []*Vertex{
				{ID: 1, Name: "gen", Parallelism: 1, Source: src,
					Chain: []func() Operator{func() Operator { return &panicky{where: tc.opWhere, closed: &closed} }},
					Sink:  func(int) Sink { return panickySink{where: tc.sinkWhere} }},
			}}
			done := make(chan struct{})
			var err error
			go func() {
				defer close(done)
				_, err = Execute(context.Background(), g, Config{})
			}()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				t.Fatal("Execute did not return after a panic")
			}
			require.Error(t, err)
			var te *TaskError
			require.ErrorAs(t, err, &te)
			assert.Equal(t, "pj", te.Job)
			assert.Equal(t, tc.kind, te.Kind)
			assert.Equal(t, tc.component, te.Name)
			assert.Equal(t, 0, te.Subtask)
			var pe *PanicError
			require.ErrorAs(t, err, &pe)
			assert.Contains(t, err.Error(), tc.value)
			assert.Contains(t, string(pe.Stack), "panic_test.go", "the stack shows where it panicked")
			if !tc.source {
				assert.Equal(t, int64(1), closed.Load(), "the operator was closed after the panic")
			}
		})
	}
}
