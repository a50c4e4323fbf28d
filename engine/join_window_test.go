package engine

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/engine/state"
	"github.com/sluice-stream/sluice/vectorized"
)

// The window join tests read column 1 of each input (lt, rt) as the
// window_end: rows with equal keys and equal ends are in one window.
func windowJoinSpec(t JoinType) WindowJoinSpec {
	return WindowJoinSpec{
		Join:    JoinSpec{Type: t, LeftKeys: []int{0}, RightKeys: []int{0}, Left: joinLeft, Right: joinRight},
		LeftEnd: 1, RightEnd: 1,
		Window: WindowSpec{Kind: Tumble, TimeCol: 1, Size: 10 * time.Millisecond},
	}
}

// One window of key 1 (end 10) with two left and two right rows, one of
// key 2 with only a left row and one of key 3 with only a right row, the
// condition v > w, a NULL key on each side, and a late row on each side
// after the watermark fired the window: each join type's rows in Flink's
// order (WindowJoinHelper), late rows counted per side.
func TestWindowJoinTypes(t *testing.T) {
	evs := []jev{
		rowsOn(0, []any{1, 10, 5}, []any{1, 10, 1}, []any{2, 10, 7}, []any{nil, 10, 9}),
		rowsOn(1, []any{1, 10, 4}, []any{1, 10, 0}, []any{3, 10, 8}, []any{nil, 10, 2}),
		wmEv(8),
		wmEv(9), // fires end 10 (its last ms is 9)
		rowsOn(0, []any{1, 10, 6}),
		rowsOn(1, []any{1, 10, 6}, []any{1, 20, 6}),
		wmEv(MaxWatermark),
	}
	cases := []struct {
		typ  JoinType
		want []string
	}{
		{InnerJoin, []string{jr(1, 10, 5, 1, 10, 4), jr(1, 10, 5, 1, 10, 0), jr(1, 10, 1, 1, 10, 0)}},
		{LeftOuterJoin, []string{
			jr(1, 10, 5, 1, 10, 4), jr(1, 10, 5, 1, 10, 0), jr(1, 10, 1, 1, 10, 0),
			jr(2, 10, 7, nil, nil, nil), jr(nil, 10, 9, nil, nil, nil),
		}},
		{RightOuterJoin, []string{
			jr(1, 10, 5, 1, 10, 4), jr(1, 10, 5, 1, 10, 0), jr(1, 10, 1, 1, 10, 0),
			jr(nil, nil, nil, 3, 10, 8), jr(nil, nil, nil, nil, 10, 2), jr(nil, nil, nil, 1, 20, 6),
		}},
		{FullOuterJoin, []string{
			jr(1, 10, 5, 1, 10, 4), jr(1, 10, 5, 1, 10, 0), jr(1, 10, 1, 1, 10, 0),
			jr(2, 10, 7, nil, nil, nil), jr(nil, 10, 9, nil, nil, nil),
			jr(nil, nil, nil, 3, 10, 8), jr(nil, nil, nil, nil, 10, 2), jr(nil, nil, nil, 1, 20, 6),
		}},
	}
	for _, c := range cases {
		t.Run(c.typ.String(), func(t *testing.T) {
			mem := checkedMem(t)
			spec := windowJoinSpec(c.typ)
			spec.Join.Cond = wGreater{}
			op, err := NewWindowJoin(spec)
			require.NoError(t, err)
			rt := newHarnessRT(mem)
			d := newJoinDriver(t, mem, op, rt)
			d.run(evs[:3]...)
			assert.Empty(t, d.out, "the window has not ended")
			d.run(evs[3:]...)
			d.end()
			got, want := slices.Clone(d.out), slices.Clone(c.want)
			sort.Strings(got)
			sort.Strings(want)
			assert.Equal(t, want, got)
			assert.Equal(t, int64(1), rt.Metrics.Counter("leftNumLateRecordsDropped").Load())
			assert.Equal(t, int64(1), rt.Metrics.Counter("rightNumLateRecordsDropped").Load())
			assert.Equal(t, int64(2), rt.Metrics.Counter("numLateRecordsDropped").Load())
			assert.Equal(t, []int64{8, 9, MaxWatermark}, d.fwd)
		})
	}
}

// Semi and anti joins output the left columns only, each left row once.
func TestWindowJoinSemiAnti(t *testing.T) {
	for _, typ := range []JoinType{LeftSemiJoin, LeftAntiJoin} {
		t.Run(typ.String(), func(t *testing.T) {
			mem := checkedMem(t)
			spec := windowJoinSpec(typ)
			spec.Join.Cond = wGreater{}
			op, err := NewWindowJoin(spec)
			require.NoError(t, err)
			d := newJoinDriver(t, mem, op, nil)
			d.run(
				rowsOn(0, []any{1, 10, 5}, []any{1, 10, 1}, []any{2, 10, 7}, []any{nil, 10, 9}),
				rowsOn(1, []any{1, 10, 4}, []any{1, 10, 0}, []any{1, 10, 3}, []any{nil, 10, 2}),
				wmEv(MaxWatermark),
			)
			want := []string{"+I[1, " + tsString(10) + ", 5]", "+I[1, " + tsString(10) + ", 1]"}
			if typ == LeftAntiJoin {
				want = []string{"+I[2, " + tsString(10) + ", 7]", "+I[null, " + tsString(10) + ", 9]"}
			}
			assert.Equal(t, want, d.out)
		})
	}
}

// The order within a window is Flink's: for each left row the right rows
// (a right outer join: for each right row the left rows), then the
// padding of unmatched right rows of a full join.
func TestWindowJoinOrder(t *testing.T) {
	mem := checkedMem(t)
	evs := []jev{
		rowsOn(0, []any{1, 10, 1}, []any{1, 10, 2}),
		rowsOn(1, []any{1, 10, 1}, []any{1, 10, 9}, []any{1, 10, 0}),
		wmEv(MaxWatermark),
	}
	for typ, want := range map[JoinType][]string{
		FullOuterJoin:  {jr(1, 10, 1, 1, 10, 0), jr(1, 10, 2, 1, 10, 1), jr(1, 10, 2, 1, 10, 0), jr(nil, nil, nil, 1, 10, 9)},
		RightOuterJoin: {jr(1, 10, 2, 1, 10, 1), jr(nil, nil, nil, 1, 10, 9), jr(1, 10, 1, 1, 10, 0), jr(1, 10, 2, 1, 10, 0)},
	} {
		spec := windowJoinSpec(typ)
		spec.Join.Cond = wGreater{}
		op, err := NewWindowJoin(spec)
		require.NoError(t, err)
		d := newJoinDriver(t, mem, op, nil)
		d.run(evs...)
		assert.Equal(t, want, d.out, typ)
	}
}

// refWindowJoin joins generated rows by definition (the window end is
// the time rounded up to a multiple of 50 ms).
func refWindowJoin(typ JoinType, evs []ijEvent) []string {
	end := func(e ijEvent) int64 { return (e.t/50 + 1) * 50 }
	var out []string
	matched := make([]bool, len(evs))
	for i, l := range evs {
		if l.side != 0 {
			continue
		}
		for j, r := range evs {
			if r.side != 1 || r.k != l.k || end(l) != end(r) || !(l.vw > r.vw) {
				continue
			}
			matched[i], matched[j] = true, true
			if !typ.Projects() {
				out = append(out, jr(l.k, end(l), l.vw, r.k, end(r), r.vw))
			}
		}
	}
	for i, e := range evs {
		switch {
		case matched[i]:
		case typ == LeftAntiJoin && e.side == 0:
			out = append(out, fmt.Sprintf("+I[%d, %s, %d]", e.k, tsString(end(e)), e.vw))
		case outerSide(typ, e.side) && e.side == 0:
			out = append(out, jr(e.k, end(e), e.vw, nil, nil, nil))
		case outerSide(typ, e.side):
			out = append(out, jr(nil, nil, nil, e.k, end(e), e.vw))
		}
	}
	if typ == LeftSemiJoin {
		out = out[:0:0]
		for i, e := range evs {
			if e.side == 0 && matched[i] {
				out = append(out, fmt.Sprintf("+I[%d, %s, %d]", e.k, tsString(end(e)), e.vw))
			}
		}
	}
	sort.Strings(out)
	return out
}

// Random windows against the definition for every join type, and the
// same run checkpointed mid-way and restored (hashmap and pebble).
func TestWindowJoinRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	evs := genJoinEvents(rng, 400, 5)
	for i := range evs {
		evs[i].t = (evs[i].t/50 + 1) * 50 // the window end is the row's column
	}
	steps := feedEvents(evs, 4, 100)
	for i := range evs {
		evs[i].t-- // refWindowJoin rounds up again
	}
	for _, typ := range []JoinType{InnerJoin, LeftOuterJoin, RightOuterJoin, FullOuterJoin, LeftSemiJoin, LeftAntiJoin} {
		spec := windowJoinSpec(typ)
		spec.Join.Cond = wGreater{}
		want := refWindowJoin(typ, evs)
		require.NotEmpty(t, want)
		t.Run(typ.String(), func(t *testing.T) {
			mem := checkedMem(t)
			op, err := NewWindowJoin(spec)
			require.NoError(t, err)
			d := newJoinDriver(t, mem, op, nil)
			d.run(steps...)
			d.run(wmEv(MaxWatermark))
			got := slices.Clone(d.out)
			sort.Strings(got)
			assert.Equal(t, want, got)
		})
		for _, backend := range []string{state.BackendHashMap, state.BackendPebble} {
			t.Run(typ.String()+"/restore/"+backend, func(t *testing.T) {
				mem := checkedMem(t)
				got := runWithRestore(t, mem, backend, func() Operator {
					op, err := NewWindowJoin(spec)
					require.NoError(t, err)
					return op
				}, steps)
				assert.Equal(t, want, got)
			})
		}
	}
}

func TestWindowJoinRejects(t *testing.T) {
	s := windowJoinSpec(InnerJoin)
	s.LeftEnd = 2
	_, err := NewWindowJoin(s)
	assert.ErrorContains(t, err, "window join: window_end must be a TIMESTAMP")
	s = windowJoinSpec(InnerJoin)
	s.Window.ProcTime = true
	op, err := NewWindowJoin(s)
	require.NoError(t, err)
	assert.ErrorContains(t, op.Open(t.Context(), newHarnessRT(checkedMem(t))), "Processing time Window Join is not supported yet.")
	op, err = NewWindowJoin(windowJoinSpec(InnerJoin))
	require.NoError(t, err)
	d := newJoinDriver(t, checkedMem(t), op, nil)
	b := makeBatch(t, d.mem, joinLeft, []vectorized.RowKind{vectorized.Delete}, []any{1, 10, 1})
	defer b.Release()
	assert.ErrorContains(t, op.Process(t.Context(), 0, b, d), "a window join needs an insert-only input")
}

// keyGroupOfInt is the key group of a BIGINT join key.
func keyGroupOfInt(rt *RuntimeContext, k int64) uint16 {
	b := array.NewInt64Builder(memory.DefaultAllocator)
	b.Append(k)
	col := b.NewArray()
	defer col.Release()
	h := make([]uint64, 1)
	vectorized.HashColumns([]arrow.Array{col}, h)
	return rt.KeyGroupOf(h[0])
}

// State written by three subtasks, each fed the rows of its key groups,
// restores into one subtask that runs the rest: both joins give the rows
// of the definition (whole key groups move with their windows, caches
// and timers).
func TestJoinsRescale(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	evs := genJoinEvents(rng, 300, 40)
	wevs := slices.Clone(evs)
	for i := range wevs {
		wevs[i].t = (wevs[i].t/50 + 1) * 50
	}
	ispec := intervalSpec(FullOuterJoin, -30, 45)
	ispec.Join.Cond = wGreater{}
	wspec := windowJoinSpec(FullOuterJoin)
	wspec.Join.Cond = wGreater{}
	refW := slices.Clone(wevs)
	for i := range refW {
		refW[i].t--
	}
	for _, c := range []struct {
		name string
		mk   func() (Operator, error)
		evs  []ijEvent
		want []string
	}{
		{"interval", func() (Operator, error) { return NewIntervalJoin(ispec) }, evs, refIntervalJoin(ispec, true, evs)},
		{"window", func() (Operator, error) { return NewWindowJoin(wspec) }, wevs, refWindowJoin(FullOuterJoin, refW)},
	} {
		t.Run(c.name, func(t *testing.T) {
			mem := checkedMem(t)
			ctx := context.Background()
			half := len(c.evs) / 2
			var dirs, got []string
			for sub := 0; sub < 3; sub++ {
				inst := NewInstanceForTest(InstanceOptions{Subtask: sub, Parallelism: 3, Mem: mem, Checkpointing: true})
				op, err := c.mk()
				require.NoError(t, err)
				require.NoError(t, op.Open(ctx, inst.RT))
				r := inst.RT.KeyGroups()
				var mine []ijEvent
				for _, e := range c.evs[:half] {
					if kg := keyGroupOfInt(inst.RT, e.k); int(kg) >= r.Start && int(kg) <= r.End {
						mine = append(mine, e)
					}
				}
				d := &joinDriver{t: t, mem: mem, op: op, schemas: [2]*arrow.Schema{joinLeft, joinRight}}
				// The watermark stays behind every row of the run.
				for _, s := range feedEvents(mine, 4, 100) {
					if !s.isWM {
						d.run(s)
					}
				}
				d.run(wmEv(c.evs[half].t - 1000))
				got = append(got, d.out...)
				require.NoError(t, op.(Checkpointed).SnapshotState(ctx, CheckpointInfo{ID: 1}))
				dir := t.TempDir()
				require.NoError(t, inst.Snapshot(dir))
				dirs = append(dirs, dir)
				require.NoError(t, op.Close())
				require.NoError(t, inst.Close())
			}
			inst := NewInstanceForTest(InstanceOptions{Mem: mem, Checkpointing: true, RestoreFrom: dirs, RestoreID: 1})
			op, err := c.mk()
			require.NoError(t, err)
			require.NoError(t, op.Open(ctx, inst.RT))
			d := &joinDriver{t: t, mem: mem, op: op, schemas: [2]*arrow.Schema{joinLeft, joinRight}}
			d.run(feedEvents(c.evs[half:], 4, 100)...)
			d.run(wmEv(MaxWatermark))
			require.NoError(t, op.Close())
			require.NoError(t, inst.Close())
			got = append(got, d.out...)
			sort.Strings(got)
			assert.Equal(t, c.want, got)
		})
	}
}
