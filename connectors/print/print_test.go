package print

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/types"
	"github.com/sluice-stream/sluice/vectorized"
)

func newSink(t testing.TB, opts map[string]string) (*connector.Sink, error) {
	t.Helper()
	o := map[string]string{"connector": Identifier}
	for k, v := range opts {
		o[k] = v
	}
	return Factory{}.NewSink(&connector.Context{
		Table:   "out",
		Columns: []connector.Column{{Name: "id", Type: types.BIGINT()}, {Name: "name", Type: types.STRING()}},
		Options: o,
	})
}

// capture redirects print output to buffers for the test.
func capture(t *testing.T) (out, errOut *bytes.Buffer) {
	out, errOut = &bytes.Buffer{}, &bytes.Buffer{}
	t.Cleanup(SetOutput(out, errOut))
	return out, errOut
}

func batch(t testing.TB, mem memory.Allocator, ids []int64, names []string, kinds []vectorized.RowKind) *vectorized.Batch {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	rb := array.NewRecordBuilder(mem, schema)
	defer rb.Release()
	rb.Field(0).(*array.Int64Builder).AppendValues(ids, nil)
	for _, n := range names {
		if n == "<null>" {
			rb.Field(1).AppendNull()
		} else {
			rb.Field(1).(*array.StringBuilder).Append(n)
		}
	}
	return &vectorized.Batch{Record: rb.NewRecordBatch(), Kinds: kinds}
}

func TestRegistered(t *testing.T) {
	f, err := connector.Lookup(Identifier)
	require.NoError(t, err)
	_, ok := f.(connector.SinkFactory)
	assert.True(t, ok)
}

func TestPrefix(t *testing.T) {
	tests := []struct {
		id          string
		hasID       bool
		subtask     int
		parallelism int
		want        string
	}{
		{"", false, 0, 1, ""},
		{"", false, 1, 3, "2> "},
		{"sink", true, 0, 1, "sink> "},
		{"sink", true, 2, 3, "sink:3> "},
		{"", true, 0, 1, ""},    // an empty identifier is no identifier
		{"", true, 0, 2, "1> "}, // as in PrintSinkOutputWriter
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, Prefix(tc.id, tc.hasID, tc.subtask, tc.parallelism), "%+v", tc)
	}
}

func TestOptions(t *testing.T) {
	tests := []struct {
		name     string
		opts     map[string]string
		par      int
		describe string
		err      string
	}{
		{"defaults", nil, 0, "Print to System.out", ""},
		{"standard error", map[string]string{"standard-error": "TRUE"}, 0, "Print to System.err", ""},
		{"sink parallelism", map[string]string{"sink.parallelism": "3"}, 3, "Print to System.out", ""},
		{"bad parallelism", map[string]string{"sink.parallelism": "0"}, 0, "", "print: sink.parallelism = '0' must be at least 1"},
		{"parallelism not a number", map[string]string{"sink.parallelism": "two"}, 0, "", "print: sink.parallelism = 'two' is not an integer"},
		{"bad boolean", map[string]string{"standard-error": "yes"}, 0, "", "print: standard-error = 'yes' is not a boolean (true or false)"},
		{"unknown option", map[string]string{"print-identifer": "x"}, 0, "",
			`connector "print" does not support option 'print-identifer'; supported options: print-identifier, standard-error, sink.parallelism`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := newSink(t, tc.opts)
			if tc.err != "" {
				require.Error(t, err)
				assert.Equal(t, tc.err, err.Error())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, connector.All, s.Accepts)
			assert.Equal(t, tc.par, s.Parallelism)
			assert.Equal(t, tc.describe, s.Describe)
		})
	}
}

func TestSinkWritesLines(t *testing.T) {
	mem := checkedMem(t)
	out, errOut := capture(t)
	b := batch(t, mem, []int64{1, 1, 1, 2}, []string{"a", "a", "b", "<null>"},
		[]vectorized.RowKind{vectorized.Insert, vectorized.UpdateBefore, vectorized.UpdateAfter, vectorized.Delete})
	defer b.Release()
	tests := []struct {
		name   string
		opts   map[string]string
		sub    int
		par    int
		stderr bool
		want   string
	}{
		{"plain", nil, 0, 1, false, "+I[1, a]\n-U[1, a]\n+U[1, b]\n-D[2, null]\n"},
		{"identifier", map[string]string{"print-identifier": "id"}, 0, 1, false, "id> +I[1, a]\nid> -U[1, a]\nid> +U[1, b]\nid> -D[2, null]\n"},
		{"parallel", nil, 1, 2, false, "2> +I[1, a]\n2> -U[1, a]\n2> +U[1, b]\n2> -D[2, null]\n"},
		{"identifier and parallel", map[string]string{"print-identifier": "id"}, 2, 3, false, "id:3> +I[1, a]\nid:3> -U[1, a]\nid:3> +U[1, b]\nid:3> -D[2, null]\n"},
		{"standard error", map[string]string{"standard-error": "true"}, 0, 1, true, "+I[1, a]\n-U[1, a]\n+U[1, b]\n-D[2, null]\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out.Reset()
			errOut.Reset()
			s, err := newSink(t, tc.opts)
			require.NoError(t, err)
			sk := s.Instance(tc.sub, tc.par)
			ctx := context.Background()
			require.NoError(t, sk.Open(ctx, &engine.RuntimeContext{Subtask: tc.sub, Parallelism: tc.par, Mem: mem}))
			require.NoError(t, sk.Write(ctx, b))
			require.NoError(t, sk.Finish(ctx))
			require.NoError(t, sk.Close())
			if tc.stderr {
				assert.Empty(t, out.String())
				assert.Equal(t, tc.want, errOut.String())
			} else {
				assert.Empty(t, errOut.String())
				assert.Equal(t, tc.want, out.String())
			}
		})
	}
}

// writeLog records each Write call: the lock must hand it whole lines.
type writeLog struct{ writes []string }

func (w *writeLog) Write(p []byte) (int, error) {
	w.writes = append(w.writes, string(p))
	return len(p), nil
}

func TestParallelSinksWriteWholeLines(t *testing.T) {
	mem := checkedMem(t)
	log := &writeLog{}
	t.Cleanup(SetOutput(log, nil))
	s, err := newSink(t, map[string]string{"print-identifier": "p"})
	require.NoError(t, err)
	const par, batches = 4, 50
	var wg sync.WaitGroup
	for sub := range par {
		wg.Go(func() {
			sk := s.Instance(sub, par)
			ctx := context.Background()
			assert.NoError(t, sk.Open(ctx, &engine.RuntimeContext{Subtask: sub, Parallelism: par, Mem: mem}))
			for i := range batches {
				b := batch(t, mem, []int64{int64(i), int64(i)}, []string{"x", "y"}, nil)
				assert.NoError(t, sk.Write(ctx, b))
				b.Release()
			}
			assert.NoError(t, sk.Close())
		})
	}
	wg.Wait()
	require.Len(t, log.writes, par*batches, "one write per batch")
	counts := map[string]int{}
	line := regexp.MustCompile(`^(p:[1-4]> )\+I\[(\d+), ([xy])\]$`)
	for _, w := range log.writes {
		lines := strings.Split(strings.TrimSuffix(w, "\n"), "\n")
		require.Len(t, lines, 2, "a write holds a whole batch: %q", w)
		first, second := line.FindStringSubmatch(lines[0]), line.FindStringSubmatch(lines[1])
		require.NotNil(t, first, lines[0])
		require.NotNil(t, second, lines[1])
		assert.Equal(t, []string{first[1], first[2], "x"}, first[1:])
		assert.Equal(t, []string{first[1], first[2], "y"}, second[1:], "both lines of a batch, from the same subtask")
		counts[first[1]]++
	}
	assert.Equal(t, map[string]int{"p:1> ": batches, "p:2> ": batches, "p:3> ": batches, "p:4> ": batches}, counts)
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("pipe closed") }

func TestWriteErrorsReachTheJob(t *testing.T) {
	mem := checkedMem(t)
	t.Cleanup(SetOutput(failingWriter{}, nil))
	s, err := newSink(t, nil)
	require.NoError(t, err)
	sk := s.Instance(0, 1)
	b := batch(t, mem, []int64{1}, []string{"a"}, nil)
	defer b.Release()
	err = sk.Write(context.Background(), b)
	require.Error(t, err)
	assert.Equal(t, "print: pipe closed", err.Error())
}

func TestSetOutputRestores(t *testing.T) {
	a, b := &bytes.Buffer{}, &bytes.Buffer{}
	restoreA := SetOutput(a, nil)
	restoreB := SetOutput(b, nil)
	outMu.Lock()
	assert.Same(t, b, stdout.(*bytes.Buffer))
	outMu.Unlock()
	restoreB()
	outMu.Lock()
	assert.Same(t, a, stdout.(*bytes.Buffer))
	outMu.Unlock()
	restoreA()
}

// TestPrintJob runs a job whose parallel sink prints a changelog, through
// engine.Execute on a checked allocator.
func TestPrintJob(t *testing.T) {
	mem := checkedMem(t)
	out, _ := capture(t)
	var batches []*vectorized.Batch
	for i := range 6 {
		batches = append(batches, batch(t, mem, []int64{int64(i), int64(i)}, []string{"old", "new"},
			[]vectorized.RowKind{vectorized.UpdateBefore, vectorized.UpdateAfter}))
	}
	defer func() {
		for _, b := range batches {
			b.Release()
		}
	}()
	s, err := newSink(t, map[string]string{"print-identifier": "job", "sink.parallelism": "2"})
	require.NoError(t, err)
	g := &engine.JobGraph{Name: "print", Bounded: true, Mem: mem, Vertices: []*engine.Vertex{
		{ID: 1, Name: "values", Parallelism: 2, Source: engine.NewValuesSource(batches)},
		{ID: 2, Name: "print", Parallelism: s.Parallelism, Inputs: []engine.Edge{{From: 1, Partition: engine.Partitioning{Kind: engine.Rebalance}}},
			Sink: func(sub int) engine.Sink { return s.Instance(sub, s.Parallelism) }},
	}}
	res, err := engine.Execute(context.Background(), g, nil)
	require.NoError(t, err)
	sinkMetrics, ok := res.Operator("Print")
	require.True(t, ok, "the sink is named Print")
	assert.EqualValues(t, 12, sinkMetrics.RecordsIn)

	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	require.Len(t, lines, 12)
	var bodies []string
	prefixes := map[string]bool{}
	for _, l := range lines {
		p, body, ok := strings.Cut(l, "> ")
		require.True(t, ok, l)
		prefixes[p] = true
		bodies = append(bodies, body)
	}
	var want []string
	for i := range 6 {
		want = append(want, fmt.Sprintf("-U[%d, old]", i), fmt.Sprintf("+U[%d, new]", i))
	}
	slices.Sort(bodies)
	slices.Sort(want)
	assert.Equal(t, want, bodies)
	for p := range prefixes {
		assert.Contains(t, []string{"job:1", "job:2"}, p)
	}
}
