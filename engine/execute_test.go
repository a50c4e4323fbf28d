package engine

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/vectorized"
)

// ---- random tables and a plain Go GROUP BY ----

type keyKind string

const (
	keyString    keyKind = "STRING"
	keyBigint    keyKind = "BIGINT"
	keyDate      keyKind = "DATE"
	keyComposite keyKind = "STRING,BIGINT"
)

// randomTable makes rows (k1, k2, v, s) and cuts them into batches.
func randomTable(t testing.TB, rng *rand.Rand, mem memory.Allocator, kind keyKind, rows, groups int) (*arrow.Schema, [][]any, []*vectorized.Batch) {
	var k1Type arrow.DataType = arrow.BinaryTypes.String
	switch kind {
	case keyBigint:
		k1Type = arrow.PrimitiveTypes.Int64
	case keyDate:
		k1Type = arrow.FixedWidthTypes.Date32
	}
	schema := schemaOf(field("k1", k1Type), field("k2", arrow.PrimitiveTypes.Int64),
		field("v", arrow.PrimitiveTypes.Int64), field("s", arrow.BinaryTypes.String))
	data := make([][]any, rows)
	for i := range data {
		var k1 any
		switch kind {
		case keyString:
			k1 = fmt.Sprintf("key-%d", rng.IntN(groups))
		case keyComposite:
			k1 = fmt.Sprintf("key-%d", rng.IntN(max(groups/10, 1)))
		case keyBigint:
			k1 = int64(rng.IntN(groups)) * 1_000_003
		case keyDate:
			k1 = 18000 + rng.IntN(groups)
		}
		if rng.IntN(25) == 0 {
			k1 = nil // NULL keys are a group of their own
		}
		var k2 any = int64(rng.IntN(10))
		var v any = int64(rng.IntN(2000) - 1000)
		if rng.IntN(10) == 0 {
			v = nil
		}
		var s any = fmt.Sprintf("s%03d", rng.IntN(500))
		if rng.IntN(12) == 0 {
			s = nil
		}
		data[i] = []any{k1, k2, v, s}
	}
	var batches []*vectorized.Batch
	for lo := 0; lo < rows; {
		hi := min(rows, lo+1+rng.IntN(300))
		batches = append(batches, makeBatch(t, mem, schema, nil, data[lo:hi]...))
		lo = hi
	}
	return schema, data, batches
}

func keyColumns(kind keyKind) []int {
	if kind == keyComposite {
		return []int{0, 1}
	}
	return []int{0}
}

var tableAggs = []AggCall{
	{Func: CountStar}, {Func: Count, Arg: 2}, {Func: Sum, Arg: 2}, {Func: Avg, Arg: 2},
	{Func: Min, Arg: 2}, {Func: Max, Arg: 2}, {Func: Count, Arg: 2, Distinct: true},
	{Func: Sum, Arg: 2, Distinct: true}, {Func: Min, Arg: 3}, {Func: Max, Arg: 3},
}

// goGroupBy computes tableAggs over data with maps and loops, rendering
// rows as the engine does.
func goGroupBy(kind keyKind, data [][]any) []string {
	type acc struct {
		keys                   []any
		count, countV, sum     int64
		min, max               int64
		distinct               map[int64]bool
		minS, maxS             string
		hasS                   bool
		sumDistinct, distCount int64
	}
	groups := map[string]*acc{}
	var order []string
	for _, row := range data {
		keys := []any{row[0]}
		if kind == keyComposite {
			keys = append(keys, row[1])
		}
		if kind == keyDate && row[0] != nil {
			keys[0] = arrow.Date32(row[0].(int)).ToTime().Format("2006-01-02")
		}
		id := fmt.Sprintf("%#v", keys)
		a := groups[id]
		if a == nil {
			a = &acc{keys: keys, distinct: map[int64]bool{}}
			groups[id] = a
			order = append(order, id)
		}
		a.count++
		if v, ok := row[2].(int64); ok {
			if a.countV == 0 || v < a.min {
				a.min = v
			}
			if a.countV == 0 || v > a.max {
				a.max = v
			}
			a.countV++
			a.sum += v
			if !a.distinct[v] {
				a.distinct[v] = true
				a.sumDistinct += v
				a.distCount++
			}
		}
		if s, ok := row[3].(string); ok {
			if !a.hasS || s < a.minS {
				a.minS = s
			}
			if !a.hasS || s > a.maxS {
				a.maxS = s
			}
			a.hasS = true
		}
	}
	var out []string
	for _, id := range order {
		a := groups[id]
		vals := append([]any{}, a.keys...)
		if a.countV == 0 {
			vals = append(vals, a.count, int64(0), nil, nil, nil, nil, int64(0), nil)
		} else {
			vals = append(vals, a.count, a.countV, a.sum, a.sum/a.countV, a.min, a.max, a.distCount, a.sumDistinct)
		}
		if a.hasS {
			vals = append(vals, a.minS, a.maxS)
		} else {
			vals = append(vals, nil, nil)
		}
		out = append(out, Row{Kind: vectorized.Insert, Values: vals}.String())
	}
	return out
}

// aggregateJob is values source → hash exchange on the keys → group
// aggregate → collect sink, everything with the given parallelism.
func aggregateJob(mem memory.Allocator, batches []*vectorized.Batch, keys []int, mode AggMode, parallelism int, out *Collected) *JobGraph {
	spec := GroupAggSpec{Keys: keys, Aggs: tableAggs, Mode: mode}
	return &JobGraph{
		Name: "agg", Bounded: true, Mem: mem,
		Vertices: []*Vertex{
			{ID: 1, Name: "values", Parallelism: parallelism, Source: NewValuesSource(batches)},
			{ID: 2, Name: "agg", Parallelism: parallelism,
				Chain:  []func() Operator{func() Operator { return NewGroupAggregate(spec) }},
				Sink:   NewCollectSink(out),
				Inputs: []Edge{{From: 1, Partition: Partitioning{Kind: Hash, Keys: keys}}}},
		},
	}
}

func TestParallelAggregateMatchesGo(t *testing.T) {
	for i, kind := range []keyKind{keyString, keyBigint, keyDate, keyComposite} {
		t.Run(string(kind), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(i), 1))
			mem := checkedMem(t)
			_, data, batches := randomTable(t, rng, mem, kind, 6000, 60)
			defer func() {
				for _, b := range batches {
					b.Release()
				}
			}()
			want := goGroupBy(kind, data)
			sort.Strings(want)
			for _, mode := range []AggMode{Batch, Streaming} {
				for _, p := range []int{1, 2, 4} {
					var out Collected
					res, err := Execute(context.Background(), aggregateJob(mem, batches, keyColumns(kind), mode, p, &out), Config{ConfigBatchSize: "7"})
					require.NoError(t, err)
					rows := out.Rows()
					if mode == Batch {
						for _, r := range rows {
							require.Equal(t, vectorized.Insert, r.Kind, "batch mode emits only inserts")
						}
					}
					final, err := Materialize(rows)
					require.NoError(t, err)
					got := strs(final)
					sort.Strings(got)
					require.Equal(t, want, got, "mode %d parallelism %d", mode, p)
					assert.Equal(t, p, out.Finished())
					src, ok := res.Operator("Values")
					require.True(t, ok)
					assert.Equal(t, int64(len(data)), src.RecordsOut)
				}
			}
		})
	}
}

// keyRecorder notes which subtask saw which key.
type keyRecorder struct {
	mu   *sync.Mutex
	seen map[string]map[int]bool
	sub  int
}

func (k *keyRecorder) Open(_ context.Context, rt *RuntimeContext) error {
	k.sub = rt.Subtask
	return nil
}

func (k *keyRecorder) Process(ctx context.Context, _ int, b *vectorized.Batch, out Collector) error {
	k.mu.Lock()
	for _, r := range BatchRows(b) {
		key := fmt.Sprint(r.Values[0], "|", r.Values[1])
		if k.seen[key] == nil {
			k.seen[key] = map[int]bool{}
		}
		k.seen[key][k.sub] = true
	}
	k.mu.Unlock()
	return out.Collect(ctx, b)
}
func (k *keyRecorder) EndInput(context.Context, Collector) error { return nil }
func (k *keyRecorder) Close() error                              { return nil }

func TestHashExchangeSendsEachKeyToOneSubtask(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	mem := checkedMem(t)
	_, data, batches := randomTable(t, rng, mem, keyComposite, 3000, 100)
	defer func() {
		for _, b := range batches {
			b.Release()
		}
	}()
	var mu sync.Mutex
	seen := map[string]map[int]bool{}
	var out Collected
	g := &JobGraph{Name: "hash", Mem: mem, Vertices: []*Vertex{
		{ID: 1, Name: "values", Parallelism: 3, Source: NewValuesSource(batches)},
		{ID: 2, Name: "rec", Parallelism: 4, Inputs: []Edge{{From: 1, Partition: Partitioning{Kind: Hash, Keys: []int{0, 1}}}},
			Chain: []func() Operator{func() Operator { return &keyRecorder{mu: &mu, seen: seen} }},
			Sink:  NewCollectSink(&out)},
	}}
	_, err := Execute(context.Background(), g, Config{})
	require.NoError(t, err)
	used := map[int]bool{}
	for key, subs := range seen {
		require.Len(t, subs, 1, "key %s went to subtasks %v", key, subs)
		for s := range subs {
			used[s] = true
		}
	}
	assert.Len(t, used, 4, "keys spread over every subtask")
	// Every row arrived once, order within a key preserved.
	require.Len(t, out.Rows(), len(data))
}

func TestUnionAndPartitionings(t *testing.T) {
	mem := checkedMem(t)
	schema := schemaOf(field("x", arrow.PrimitiveTypes.Int64))
	var a, b []*vectorized.Batch
	for i := 0; i < 10; i++ {
		a = append(a, makeBatch(t, mem, schema, nil, []any{i}, []any{100 + i}))
		b = append(b, makeBatch(t, mem, schema, nil, []any{1000 + i}))
	}
	defer func() {
		for _, x := range append(a, b...) {
			x.Release()
		}
	}()
	for _, kind := range []PartitionKind{Rebalance, Broadcast, Global, Hash} {
		t.Run(kind.String(), func(t *testing.T) {
			var out Collected
			var inputs [2]atomic.Int64
			g := &JobGraph{Name: "union", Mem: mem, Vertices: []*Vertex{
				{ID: 1, Name: "a", Parallelism: 2, Source: NewValuesSource(a)},
				{ID: 2, Name: "b", Parallelism: 1, Source: NewValuesSource(b)},
				{ID: 3, Name: "u", Parallelism: 3, Inputs: []Edge{
					{From: 1, Partition: Partitioning{Kind: kind, Keys: []int{0}}},
					{From: 2, Partition: Partitioning{Kind: kind, Keys: []int{0}}},
				}, Chain: []func() Operator{
					func() Operator { return &inputCounter{counts: &inputs} },
					func() Operator { return NewUnion() },
				}, Sink: NewCollectSink(&out)},
			}}
			_, err := Execute(context.Background(), g, Config{})
			require.NoError(t, err)
			copies := 1
			if kind == Broadcast {
				copies = 3
			}
			var got []int64
			for _, r := range out.Rows() {
				got = append(got, r.Values[0].(int64))
			}
			assert.Len(t, got, 30*copies)
			assert.Equal(t, int64(20*copies), inputs[0].Load(), "rows from input 0")
			assert.Equal(t, int64(10*copies), inputs[1].Load(), "rows from input 1")
			assert.Equal(t, 3, out.Finished())
		})
	}
}

// inputCounter counts rows per input edge and forwards them.
type inputCounter struct{ counts *[2]atomic.Int64 }

func (c *inputCounter) Open(context.Context, *RuntimeContext) error { return nil }
func (c *inputCounter) Process(ctx context.Context, input int, b *vectorized.Batch, out Collector) error {
	c.counts[input].Add(b.NumRows())
	return out.Collect(ctx, b)
}
func (c *inputCounter) EndInput(context.Context, Collector) error { return nil }
func (c *inputCounter) Close() error                              { return nil }

// ---- errors, cancellation, backpressure ----

// failingOp fails at its nth batch in subtask failAt.
type failingOp struct {
	failAt, nth int
	sub, seen   int
	closed      *atomic.Int64
}

func (f *failingOp) String() string { return "Failing" }
func (f *failingOp) Open(_ context.Context, rt *RuntimeContext) error {
	f.sub = rt.Subtask
	return nil
}
func (f *failingOp) Process(ctx context.Context, _ int, b *vectorized.Batch, out Collector) error {
	f.seen++
	if f.sub == f.failAt && f.seen == f.nth {
		return fmt.Errorf("boom at batch %d", f.seen)
	}
	return out.Collect(ctx, b)
}
func (f *failingOp) EndInput(context.Context, Collector) error { return nil }
func (f *failingOp) Close() error {
	f.closed.Add(1)
	return nil
}

// generator is an unbounded source: it emits a fresh batch again and again
// until its context is cancelled (or limit batches, if limit > 0).
type generator struct {
	mem      memory.Allocator
	limit    int
	produced *atomic.Int64
	stopped  *atomic.Int64
	rt       *RuntimeContext
}

func (g *generator) String() string { return "Generator" }
func (g *generator) Open(_ context.Context, rt *RuntimeContext) error {
	g.rt = rt
	return nil
}
func (g *generator) Run(ctx context.Context, out Collector) error {
	defer g.stopped.Add(1)
	schema := schemaOf(field("x", arrow.PrimitiveTypes.Int64))
	for i := 0; g.limit <= 0 || i < g.limit; i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		bld := array.NewInt64Builder(g.rt.Mem)
		for j := 0; j < 64; j++ {
			bld.Append(int64(i*64 + j))
		}
		col := bld.NewArray()
		bld.Release()
		b := vectorized.NewBatch(array.NewRecordBatch(schema, []arrow.Array{col}, 64))
		col.Release()
		g.produced.Add(1)
		err := out.Collect(ctx, b)
		b.Release()
		if err != nil {
			return err
		}
	}
	return nil
}
func (g *generator) Close() error { return nil }

func TestErrorPropagation(t *testing.T) {
	mem := checkedMem(t)
	var closed, produced, stopped atomic.Int64
	var out Collected
	g := &JobGraph{Name: "errjob", Mem: mem, Vertices: []*Vertex{
		{ID: 1, Name: "gen", Parallelism: 2, Source: func(int) Source {
			return &generator{mem: mem, produced: &produced, stopped: &stopped}
		}},
		{ID: 2, Name: "work", Parallelism: 2, Inputs: []Edge{{From: 1, Partition: Partitioning{Kind: Rebalance}}},
			Chain: []func() Operator{
				func() Operator {
					return NewCalc(Filter{Cond: predicate{col: 0, name: "x >= 0", f: func(x int64) bool { return x >= 0 }}})
				},
				func() Operator { return &failingOp{failAt: 1, nth: 3, closed: &closed} },
			}},
		{ID: 3, Name: "sink", Parallelism: 1, Inputs: []Edge{{From: 2, Partition: Partitioning{Kind: Global}}}, Sink: NewCollectSink(&out)},
	}}
	done := make(chan struct{})
	var err error
	go func() {
		defer close(done)
		_, err = Execute(context.Background(), g, Config{ConfigChannelCapacity: "2"})
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("Execute did not return after an operator failed")
	}
	require.Error(t, err)
	assert.Equal(t, "job errjob: operator Failing subtask 2/2: boom at batch 3", err.Error())
	var te *TaskError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, 1, te.Subtask)
	assert.Equal(t, "Failing", te.Name)
	// Every instance was closed and every (unbounded) source stopped.
	assert.Equal(t, int64(2), closed.Load())
	assert.Equal(t, int64(2), stopped.Load())
	assert.Equal(t, 0, out.Finished(), "a failed job does not finish its sink")
}

func TestOpenErrorNamesTheSink(t *testing.T) {
	mem := checkedMem(t)
	g := &JobGraph{Name: "j", Mem: mem, Vertices: []*Vertex{
		{ID: 1, Name: "gen", Parallelism: 1, Source: func(int) Source {
			return &generator{mem: mem, produced: new(atomic.Int64), stopped: new(atomic.Int64)}
		}, Sink: func(int) Sink { return failingSink{} }},
	}}
	_, err := Execute(context.Background(), g, Config{})
	require.EqualError(t, err, "job j: sink Broken subtask 1/1: open: no connection")
}

type failingSink struct{}

func (failingSink) String() string                                 { return "Broken" }
func (failingSink) Open(context.Context, *RuntimeContext) error    { return errors.New("no connection") }
func (failingSink) Write(context.Context, *vectorized.Batch) error { return nil }
func (failingSink) Finish(context.Context) error                   { return nil }
func (failingSink) Close() error                                   { return nil }

// gatedSink counts writes and lets the test observe them.
type gatedSink struct {
	onWrite func(b *vectorized.Batch)
	delay   time.Duration
}

func (s *gatedSink) Open(context.Context, *RuntimeContext) error { return nil }
func (s *gatedSink) Write(_ context.Context, b *vectorized.Batch) error {
	s.onWrite(b)
	time.Sleep(s.delay)
	return nil
}
func (s *gatedSink) Finish(context.Context) error { return nil }
func (s *gatedSink) Close() error                 { return nil }

func TestCancellationStopsAnUnboundedSource(t *testing.T) {
	mem := checkedMem(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var produced, stopped, written atomic.Int64
	g := &JobGraph{Name: "forever", Mem: mem, Vertices: []*Vertex{
		{ID: 1, Name: "gen", Parallelism: 2, Source: func(int) Source {
			return &generator{mem: mem, produced: &produced, stopped: &stopped}
		}},
		{ID: 2, Name: "sink", Parallelism: 2, Inputs: []Edge{{From: 1, Partition: Partitioning{Kind: Hash, Keys: []int{0}}}},
			Sink: func(int) Sink {
				return &gatedSink{onWrite: func(*vectorized.Batch) {
					if written.Add(1) == 50 {
						cancel()
					}
				}}
			}},
	}}
	_, err := Execute(ctx, g, Config{})
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, int64(2), stopped.Load())
	assert.GreaterOrEqual(t, written.Load(), int64(50))
}

func TestBackpressureBoundsInFlightBatches(t *testing.T) {
	mem := checkedMem(t)
	const capacity, total = 2, 60
	var produced, stopped, written, maxInFlight atomic.Int64
	g := &JobGraph{Name: "slow", Mem: mem, Vertices: []*Vertex{
		{ID: 1, Name: "gen", Parallelism: 1, Source: func(int) Source {
			return &generator{mem: mem, limit: total, produced: &produced, stopped: &stopped}
		}},
		{ID: 2, Name: "sink", Parallelism: 1, Inputs: []Edge{{From: 1, Partition: Partitioning{Kind: Forward}}},
			Sink: func(int) Sink {
				return &gatedSink{delay: 200 * time.Microsecond, onWrite: func(*vectorized.Batch) {
					w := written.Add(1)
					if d := produced.Load() - w; d > maxInFlight.Load() {
						maxInFlight.Store(d)
					}
				}}
			}},
	}}
	res, err := Execute(context.Background(), g, Config{ConfigChannelCapacity: fmt.Sprint(capacity)})
	require.NoError(t, err)
	assert.Equal(t, int64(total), written.Load())
	// In flight: the channel's batches, plus one the source is trying to
	// send, plus one between the channel and Write.
	assert.LessOrEqual(t, maxInFlight.Load(), int64(capacity+2))
	src, _ := res.Operator("Generator")
	assert.Positive(t, src.BackPressed, "the source waited for the sink")
}

// ---- metrics ----

func TestMetrics(t *testing.T) {
	mem := checkedMem(t)
	schema := schemaOf(field("x", arrow.PrimitiveTypes.Int64))
	var batches []*vectorized.Batch
	for i := 0; i < 8; i++ {
		batches = append(batches, makeBatch(t, mem, schema, nil, []any{i}, []any{-i - 1}, []any{nil}))
	}
	defer func() {
		for _, b := range batches {
			b.Release()
		}
	}()
	var out Collected
	g := &JobGraph{Name: "m", Mem: mem, Vertices: []*Vertex{
		{ID: 1, Name: "values", Parallelism: 2, Source: NewValuesSource(batches),
			Chain: []func() Operator{func() Operator {
				return WithName("Calc(positive)", NewCalc(Filter{Cond: predicate{col: 0, name: "x >= 0", f: func(x int64) bool { return x >= 0 }}}))
			}}},
		{ID: 2, Name: "out", Parallelism: 1, Inputs: []Edge{{From: 1, Partition: Partitioning{Kind: Global}}}, Sink: NewCollectSink(&out)},
	}}
	res, err := Execute(context.Background(), g, Config{})
	require.NoError(t, err)
	src, ok := res.Operator("Values")
	require.True(t, ok)
	assert.Equal(t, int64(24), src.RecordsOut)
	assert.Equal(t, int64(8), src.BatchesOut)
	calc, ok := res.Operator("Calc(positive)")
	require.True(t, ok)
	assert.Equal(t, int64(24), calc.RecordsIn)
	assert.Equal(t, int64(8), calc.BatchesIn)
	assert.Equal(t, int64(8), calc.RecordsOut)
	assert.Equal(t, int64(8), calc.BatchesOut)
	assert.Positive(t, calc.Busy)
	sink, ok := res.Operator("Collect")
	require.True(t, ok)
	assert.Equal(t, int64(8), sink.RecordsIn)
	assert.Equal(t, "sink", sink.Kind)
	assert.Len(t, res.Metrics, 2+2+1, "2 source and 2 calc instances, 1 sink")
	assert.Positive(t, res.Duration)
}

// ---- mini-batch latency needs the processing-time timer ----

// trickle emits a few rows, then idles until cancelled.
type trickle struct{ batches []*vectorized.Batch }

func (s *trickle) Open(context.Context, *RuntimeContext) error { return nil }
func (s *trickle) Run(ctx context.Context, out Collector) error {
	for _, b := range s.batches {
		if err := out.Collect(ctx, b); err != nil {
			return err
		}
	}
	<-ctx.Done()
	return ctx.Err()
}
func (s *trickle) Close() error { return nil }

func TestMiniBatchLatencyFlushesWithoutInput(t *testing.T) {
	mem := checkedMem(t)
	b1 := makeBatch(t, mem, kvSchema, nil, []any{"a", 1}, []any{"b", 2}, []any{"a", 3})
	defer b1.Release()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	var got []string
	spec := GroupAggSpec{Keys: []int{0}, Aggs: []AggCall{{Func: Sum, Arg: 1}}, MiniBatch: MiniBatch{Enabled: true, Size: 1 << 20, Latency: 20 * time.Millisecond}}
	for _, chained := range []bool{false, true} {
		t.Run(fmt.Sprint("chained=", chained), func(t *testing.T) {
			got = nil
			ctx, cancel := context.WithCancel(ctx)
			defer cancel()
			sink := func(int) Sink {
				return &gatedSink{onWrite: func(b *vectorized.Batch) {
					mu.Lock()
					defer mu.Unlock()
					got = append(got, strs(BatchRows(b))...)
					if len(got) >= 2 {
						cancel()
					}
				}}
			}
			agg := []func() Operator{func() Operator { return NewGroupAggregate(spec) }}
			g := &JobGraph{Name: "mb", Mem: mem}
			if chained {
				// The aggregate shares the source's goroutine, which sits
				// in Run: only the timer can flush.
				g.Vertices = []*Vertex{{ID: 1, Name: "src", Parallelism: 1, Source: func(int) Source { return &trickle{batches: []*vectorized.Batch{b1}} }, Chain: agg, Sink: sink}}
			} else {
				g.Vertices = []*Vertex{
					{ID: 1, Name: "src", Parallelism: 1, Source: func(int) Source { return &trickle{batches: []*vectorized.Batch{b1}} }},
					{ID: 2, Name: "agg", Parallelism: 1, Inputs: []Edge{{From: 1, Partition: Partitioning{Kind: Hash, Keys: []int{0}}}}, Chain: agg, Sink: sink},
				}
			}
			done := make(chan error, 1)
			go func() {
				_, err := Execute(ctx, g, Config{})
				done <- err
			}()
			select {
			case err := <-done:
				require.ErrorIs(t, err, context.Canceled)
			case <-time.After(20 * time.Second):
				t.Fatal("the bundle was never flushed")
			}
			mu.Lock()
			defer mu.Unlock()
			assert.ElementsMatch(t, []string{"+I[a, 4]", "+I[b, 2]"}, got)
		})
	}
}

// ---- validation ----

func TestGraphValidation(t *testing.T) {
	src := func(int) Source { return &trickle{} }
	tests := []struct {
		name string
		g    *JobGraph
		want string
	}{
		{"forward needs equal parallelism", &JobGraph{Name: "j", Vertices: []*Vertex{
			{ID: 1, Name: "a", Parallelism: 2, Source: src},
			{ID: 2, Name: "b", Parallelism: 3, Inputs: []Edge{{From: 1}}},
		}}, "forward edge from a (parallelism 2) to b (parallelism 3) needs equal parallelism"},
		{"unknown input", &JobGraph{Name: "j", Vertices: []*Vertex{
			{ID: 2, Name: "b", Parallelism: 1, Inputs: []Edge{{From: 9}}},
		}}, "comes from unknown vertex 9"},
		{"cycle", &JobGraph{Name: "j", Vertices: []*Vertex{
			{ID: 1, Name: "a", Parallelism: 1, Inputs: []Edge{{From: 2}}},
			{ID: 2, Name: "b", Parallelism: 1, Inputs: []Edge{{From: 1}}},
		}}, "cycle"},
		{"hash without keys", &JobGraph{Name: "j", Vertices: []*Vertex{
			{ID: 1, Name: "a", Parallelism: 1, Source: src},
			{ID: 2, Name: "b", Parallelism: 1, Inputs: []Edge{{From: 1, Partition: Partitioning{Kind: Hash}}}},
		}}, "no key columns"},
		{"edge out of a sink", &JobGraph{Name: "j", Vertices: []*Vertex{
			{ID: 1, Name: "a", Parallelism: 1, Source: src, Sink: NewCollectSink(&Collected{})},
			{ID: 2, Name: "b", Parallelism: 1, Inputs: []Edge{{From: 1}}},
		}}, "ends in a sink"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Execute(context.Background(), tc.g, Config{})
			require.Error(t, err)
			assert.True(t, strings.Contains(err.Error(), tc.want), err.Error())
		})
	}
}

func TestSubmitRunningMetricsAndCancel(t *testing.T) {
	mem := checkedMem(t)
	var produced, stopped, written atomic.Int64
	g := &JobGraph{Name: "submitted", Mem: mem, Vertices: []*Vertex{
		{ID: 1, Name: "gen", Parallelism: 2, Source: func(int) Source {
			return &generator{mem: mem, produced: &produced, stopped: &stopped}
		}},
		{ID: 2, Name: "sink", Parallelism: 1, Inputs: []Edge{{From: 1, Partition: Partitioning{Kind: Rebalance}}},
			Sink: func(int) Sink {
				return &gatedSink{onWrite: func(*vectorized.Batch) { written.Add(1) }}
			}},
	}}
	job, err := Submit(context.Background(), g, Config{})
	require.NoError(t, err)
	select {
	case <-job.Running():
	case <-time.After(10 * time.Second):
		t.Fatal("job never reached running")
	}
	require.Eventually(t, func() bool {
		for _, m := range job.Metrics() {
			if m.Kind == "sink" && m.BatchesIn > 10 {
				return true
			}
		}
		return false
	}, 10*time.Second, time.Millisecond)
	select {
	case <-job.Done():
		t.Fatal("an unbounded job ended by itself")
	default:
	}
	job.Cancel()
	res, err := job.Wait()
	require.ErrorIs(t, err, context.Canceled)
	require.NotNil(t, res)
	assert.Equal(t, int64(2), stopped.Load())
	sink, ok := res.Operator("sink")
	require.True(t, ok)
	assert.Equal(t, written.Load(), sink.BatchesIn)
}

func TestCountersAreSnapshotAndSummed(t *testing.T) {
	var m1, m2 OperatorMetrics
	m1.Counter("numRecordsSkipped").Add(2)
	m2.Counter("numRecordsSkipped").Add(3)
	m2.Counter("numRetries").Add(1)
	r := &JobResult{Metrics: []MetricsSnapshot{
		{Operator: "src", Counters: m1.snapshotCounters()},
		{Operator: "src", Subtask: 1, Counters: m2.snapshotCounters()},
	}}
	total, ok := r.Operator("src")
	require.True(t, ok)
	assert.Equal(t, map[string]int64{"numRecordsSkipped": 5, "numRetries": 1}, total.Counters)
	var none OperatorMetrics
	assert.Nil(t, none.snapshotCounters())
}
