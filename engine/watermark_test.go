package engine

import (
	"context"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/vectorized"
)

// wmLog records, in order, the rows and watermarks its task hands it.
type wmLog struct {
	recorder
}

func (w wmLog) ProcessWatermark(_ context.Context, wm int64, _ Collector) (int64, error) {
	*w.log = append(*w.log, fmt.Sprintf("wm %d", wm))
	return wm, nil
}

// watermarkTask is alignmentTask with an operator that logs watermarks.
func watermarkTask(t *testing.T, mode CheckpointMode) (*task, *[]string) {
	tk, log := alignmentTask(t, mode)
	tk.links[0].op = wmLog{recorder{log}}
	return tk, log
}

func wmEnv(producer int, ts int64) envelope {
	return envelope{input: producer, producer: producer, wm: wmAdvance, ts: ts}
}

func idleEnv(producer int, idle bool) envelope {
	s := wmActive
	if idle {
		s = wmIdle
	}
	return envelope{input: producer, producer: producer, wm: s}
}

// Watermarks keep their place among batches and barriers: during an
// exactly-once alignment those of the held input wait with its batches,
// so the watermark cannot pass rows that come before it; at-least-once
// does not hold them.
func TestWatermarksHeldDuringAlignment(t *testing.T) {
	for _, tc := range []struct {
		mode CheckpointMode
		want []string
	}{
		{ExactlyOnce, []string{"1", "3", "snapshot 1", "2", "wm 10"}},
		{AtLeastOnce, []string{"1", "2", "3", "wm 10", "snapshot 1"}},
	} {
		t.Run(tc.mode.String(), func(t *testing.T) {
			tk, log := watermarkTask(t, tc.mode)
			drive(t, tk, value(t, 0, 1), barrier(0, 1), value(t, 0, 2), wmEnv(0, 20), value(t, 1, 3), wmEnv(1, 10), barrier(1, 1))
			assert.Equal(t, tc.want, *log)
		})
	}
}

// The end of an input counts as MaxWatermark: the other input alone sets
// the watermark, and the end of both is MaxWatermark, before EndInput.
func TestWatermarkEndedInputs(t *testing.T) {
	tk, log := watermarkTask(t, ExactlyOnce)
	drive(t, tk, wmEnv(0, 5), wmEnv(1, 7), envelope{producer: 0, eoi: true}, wmEnv(1, 9))
	drive(t, tk, envelope{producer: 1, input: 1, eoi: true})
	assert.Equal(t, []string{"wm 5", "wm 7", "wm 9", fmt.Sprintf("wm %d", MaxWatermark)}, *log)
}

// An idle input is left out of the minimum; when both are idle the
// largest watermark is flushed; a stale or idle input's watermark is
// ignored.
func TestWatermarkIdleInputs(t *testing.T) {
	tk, log := watermarkTask(t, ExactlyOnce)
	drive(t, tk, wmEnv(0, 5), wmEnv(1, 7), idleEnv(0, true), wmEnv(0, 100), wmEnv(1, 6), idleEnv(1, true))
	assert.Equal(t, []string{"wm 5", "wm 7"}, *log, "all idle: input 1's 7 is the maximum, already out")
	assert.True(t, tk.wm.outIdle)
	drive(t, tk, idleEnv(1, false), wmEnv(1, 12))
	assert.False(t, tk.wm.outIdle)
	assert.Equal(t, []string{"wm 5", "wm 7", "wm 12"}, *log)
}

// A chained operator's watermark flows through the operators after it,
// not before; what an operator returns is what the next one sees.
func TestWatermarkThroughChain(t *testing.T) {
	log := &[]string{}
	g := &JobGraph{Name: "chain", Mem: memory.DefaultAllocator, Vertices: []*Vertex{
		{ID: 1, Name: "src", Parallelism: 1, Source: func(int) Source { return &scripted{cmds: cmdsOf(int64(100))} },
			Chain: []func() Operator{
				func() Operator { return wmLog{recorder{log}} },
				func() Operator { return &halver{} },
				func() Operator { return wmLog{recorder{log}} },
			}},
	}}
	_, err := Execute(context.Background(), g, Config{})
	require.NoError(t, err)
	assert.Equal(t, []string{"wm 100", "wm 50", fmt.Sprintf("wm %d", MaxWatermark), fmt.Sprintf("wm %d", MaxWatermark/2)}, *log)
}

func cmdsOf(cmds ...any) chan any {
	c := make(chan any, len(cmds))
	for _, x := range cmds {
		c <- x
	}
	close(c)
	return c
}

// halver forwards half of each watermark.
type halver struct{}

func (halver) Open(context.Context, *RuntimeContext) error { return nil }
func (halver) Process(ctx context.Context, _ int, b *vectorized.Batch, out Collector) error {
	return out.Collect(ctx, b)
}
func (halver) ProcessWatermark(_ context.Context, wm int64, _ Collector) (int64, error) {
	return wm / 2, nil
}
func (halver) EndInput(context.Context, Collector) error { return nil }
func (halver) Close() error                              { return nil }

// An ended input is active at MaxWatermark: beside an idle input, time
// runs to the end (Flink's valve after a finished input).
func TestWatermarkEndedBesideIdle(t *testing.T) {
	tk, log := watermarkTask(t, ExactlyOnce)
	drive(t, tk, wmEnv(0, 5), wmEnv(1, 7), idleEnv(1, true), envelope{producer: 0, eoi: true})
	assert.Equal(t, []string{"wm 5", fmt.Sprintf("wm %d", MaxWatermark)}, *log)
	assert.False(t, tk.wm.outIdle)
}
