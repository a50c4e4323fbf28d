package engine

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluice-stream/sluice/engine/state"
	"github.com/sluice-stream/sluice/vectorized"
)

// WindowJoinSpec is a window join (Flink's WindowJoin): two inputs
// windowed alike (window table functions, or window aggregates over them)
// joined on window_start and window_end and Join's keys and condition.
// Join.Type is any JoinType; Join.Mode is not read.
//
// Each window's rows of both sides wait in state until the watermark
// passes the window end; the window is then joined at once and forgotten.
// The output is insert-only. Rows of windows already fired are late:
// dropped and counted in leftNumLateRecordsDropped /
// rightNumLateRecordsDropped (Flink's metrics) and in numLateRecordsDropped.
type WindowJoinSpec struct {
	Join JoinSpec
	// LeftEnd and RightEnd are the window_end columns (TIMESTAMP(3)). The
	// window_start columns are equal whenever the ends are (one windowing),
	// so the operator does not read them.
	LeftEnd, RightEnd int
	// Window is the windowing of both inputs: its LTZ says the ends are the
	// session time zone's wall clock, and it names the window in String.
	Window WindowSpec
}

// windowJoin buffers, per join key and window end, the rows of each side,
// as Flink's WindowJoinOperator (a list state per side and window, a timer
// at the window end), and joins them when the watermark fires the window
// in the order of Flink's WindowJoinHelper: for each left row the right
// rows (for a right outer join, for each right row the left rows).
//
// State follows the window aggregate's: open windows live in memory; each
// checkpoint writes the key groups whose windows changed to keyed state,
// and the watermark fired up to goes to union operator state, so replayed
// rows of windows fired before the failure stay late after a restore.
type windowJoin struct {
	spec WindowJoinSpec
	rt   *RuntimeContext
	jp   *joinPairs
	tz   *tzShift

	endF [2]int64

	groups      map[string]*wjGroup
	pendingEnds []int64
	byEnd       map[int64][]*wjGroup

	wm   int64
	late [2]interface{ Add(int64) int64 }
	all  interface{ Add(int64) int64 }

	hashes []uint64
	key    []byte
	lefts  [][]byte
	rights [][]byte

	ks      *state.ValueState[[]byte]
	wmState *state.OperatorListState
	dirtyKG *kgSet
}

// wjGroup is one join key's rows in one window.
type wjGroup struct {
	id      string // key bytes + 8-byte window end
	kg      uint16
	end     int64
	nullKey bool
	rows    [2][][]byte
}

// NewWindowJoin is a window join (see WindowJoinSpec).
func NewWindowJoin(spec WindowJoinSpec) (Operator, error) {
	if err := spec.Join.validate(); err != nil {
		return nil, err
	}
	w := &windowJoin{spec: spec}
	for s, c := range []int{spec.LeftEnd, spec.RightEnd} {
		sch := spec.Join.Left
		if s == 1 {
			sch = spec.Join.Right
		}
		if c < 0 || c >= sch.NumFields() {
			return nil, fmt.Errorf("window join: window_end column %d does not exist in input %d", c, s)
		}
		et, ok := sch.Field(c).Type.(*arrow.TimestampType)
		if !ok {
			return nil, fmt.Errorf("window join: window_end must be a TIMESTAMP, not %s", sch.Field(c).Type)
		}
		w.endF[s], _ = millisOf(et)
	}
	return w, nil
}

func (w *windowJoin) String() string {
	return fmt.Sprintf("WindowJoin(joinType=[%s], leftWindow=[%s], rightWindow=[%s], leftKeys=%v, rightKeys=%v)",
		w.spec.Join.Type, w.spec.Window, w.spec.Window, w.spec.Join.LeftKeys, w.spec.Join.RightKeys)
}

func (w *windowJoin) Open(_ context.Context, rt *RuntimeContext) error {
	if w.spec.Window.ProcTime {
		return fmt.Errorf("Processing time Window Join is not supported yet.")
	}
	jp, err := newJoinPairs("window join", w.spec.Join, rt)
	if err != nil {
		return err
	}
	w.rt, w.jp, w.tz = rt, jp, newTZShift(w.spec.Window, rt)
	w.wm = MinWatermark
	w.groups = map[string]*wjGroup{}
	w.byEnd = map[int64][]*wjGroup{}
	w.late = [2]interface{ Add(int64) int64 }{rt.Metrics.Counter("leftNumLateRecordsDropped"), rt.Metrics.Counter("rightNumLateRecordsDropped")}
	w.all = rt.Metrics.Counter("numLateRecordsDropped")
	if rt.ckpt == nil {
		return nil
	}
	if w.ks, w.wmState, err = openWindowState(rt, "window-join"); err != nil {
		return err
	}
	w.dirtyKG = &kgSet{}
	if _, ok := rt.Restored(); ok {
		return w.restore()
	}
	return nil
}

func (w *windowJoin) Process(_ context.Context, input int, b *vectorized.Batch, _ Collector) error {
	if err := insertOnly("a window join", b); err != nil {
		return err
	}
	rec := b.Record
	if err := w.jp.checkInput("window join", input, rec); err != nil {
		return err
	}
	n := int(rec.NumRows())
	if n == 0 {
		return nil
	}
	cols := rec.Columns()
	keyCols := w.jp.keyCols(input, cols)
	if w.ks != nil {
		w.hashes = growUint64(w.hashes, n)
		vectorized.HashColumns(keyCols, w.hashes)
	}
	endCol := w.spec.LeftEnd
	if input == 1 {
		endCol = w.spec.RightEnd
	}
	ends := cols[endCol].(*array.Timestamp)
	dropped := int64(0)
	for i := 0; i < n; i++ {
		if ends.IsNull(i) {
			continue // never produced by a window: in no window
		}
		end := toMillis(int64(ends.Value(i)), w.endF[input])
		if w.tz.fired(end, w.wm) {
			dropped++
			continue
		}
		w.key = appendRow(w.key[:0], keyCols, i)
		w.key = binary.BigEndian.AppendUint64(w.key, uint64(end))
		g := w.groups[string(w.key)]
		if g == nil {
			g = &wjGroup{id: string(w.key), end: end, nullKey: w.jp.nullKey(keyCols, i)}
			if w.ks != nil {
				g.kg = w.rt.KeyGroupOf(w.hashes[i])
			}
			w.groups[g.id] = g
			w.addPending(g)
		}
		g.rows[input] = append(g.rows[input], appendRow(nil, cols, i))
		if w.dirtyKG != nil {
			w.dirtyKG.add(g.kg)
		}
	}
	if dropped > 0 {
		w.late[input].Add(dropped)
		w.all.Add(dropped)
	}
	return nil
}

func (w *windowJoin) addPending(g *wjGroup) {
	gs, ok := w.byEnd[g.end]
	if !ok {
		i, _ := slices.BinarySearch(w.pendingEnds, g.end)
		w.pendingEnds = slices.Insert(w.pendingEnds, i, g.end)
	}
	w.byEnd[g.end] = append(gs, g)
}

// ProcessWatermark joins the windows the watermark completes.
func (w *windowJoin) ProcessWatermark(ctx context.Context, wm int64, out Collector) (int64, error) {
	if wm > w.wm {
		w.wm = wm
	}
	return wm, w.fire(ctx, func(end int64) bool { return w.tz.fired(end, wm) }, out)
}

func (w *windowJoin) fire(ctx context.Context, due func(end int64) bool, out Collector) error {
	k := 0
	for k < len(w.pendingEnds) && due(w.pendingEnds[k]) {
		k++
	}
	if k == 0 {
		return nil
	}
	ends := slices.Clone(w.pendingEnds[:k])
	w.pendingEnds = w.pendingEnds[k:]
	for _, e := range ends {
		for _, g := range w.byEnd[e] {
			if err := w.join(ctx, g, out); err != nil {
				return err
			}
			delete(w.groups, g.id)
			if w.dirtyKG != nil {
				w.dirtyKG.add(g.kg)
			}
		}
		delete(w.byEnd, e)
	}
	return w.jp.flush(ctx, out)
}

// join emits one window's result for one key, as Flink's
// WindowJoinHelper processors.
func (w *windowJoin) join(ctx context.Context, g *wjGroup, out Collector) error {
	L, R := g.rows[0], g.rows[1]
	t := w.spec.Join.Type
	jp := w.jp
	if len(L) == 0 || len(R) == 0 {
		// One side is empty: only padding (or the anti join's rows).
		switch {
		case len(L) > 0 && (t == LeftOuterJoin || t == FullOuterJoin || t == LeftAntiJoin):
			for _, l := range L {
				if err := jp.emit(ctx, out, l, nil); err != nil {
					return err
				}
			}
		case len(R) > 0 && (t == RightOuterJoin || t == FullOuterJoin):
			for _, r := range R {
				if err := jp.emit(ctx, out, nil, r); err != nil {
					return err
				}
			}
		}
		return nil
	}
	// Pair (i, j) of the matrix is at i*len(R)+j.
	w.lefts, w.rights = w.lefts[:0], w.rights[:0]
	if !g.nullKey {
		for _, l := range L {
			for _, r := range R {
				w.lefts, w.rights = append(w.lefts, l), append(w.rights, r)
			}
		}
	}
	match, err := jp.evalPairs(w.lefts, w.rights)
	if err != nil {
		return err
	}
	m := func(i, j int) bool { return !g.nullKey && match[i*len(R)+j] }
	switch t {
	case LeftSemiJoin, LeftAntiJoin:
		for i, l := range L {
			found := false
			for j := range R {
				if m(i, j) {
					found = true
					break
				}
			}
			if found == (t == LeftSemiJoin) {
				if err := jp.emit(ctx, out, l, nil); err != nil {
					return err
				}
			}
		}
	case RightOuterJoin:
		for j, r := range R {
			found := false
			for i, l := range L {
				if m(i, j) {
					found = true
					if err := jp.emit(ctx, out, l, r); err != nil {
						return err
					}
				}
			}
			if !found {
				if err := jp.emit(ctx, out, nil, r); err != nil {
					return err
				}
			}
		}
	default:
		rightHit := make([]bool, len(R))
		for i, l := range L {
			found := false
			for j, r := range R {
				if m(i, j) {
					found, rightHit[j] = true, true
					if err := jp.emit(ctx, out, l, r); err != nil {
						return err
					}
				}
			}
			if !found && (t == LeftOuterJoin || t == FullOuterJoin) {
				if err := jp.emit(ctx, out, l, nil); err != nil {
					return err
				}
			}
		}
		if t == FullOuterJoin {
			for j, r := range R {
				if !rightHit[j] {
					if err := jp.emit(ctx, out, nil, r); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

// EndInput joins what is left (the final MaxWatermark has done it).
func (w *windowJoin) EndInput(ctx context.Context, out Collector) error {
	return w.fire(ctx, func(int64) bool { return true }, out)
}

func (w *windowJoin) Close() error {
	if w.jp != nil {
		w.jp.release()
	}
	return nil
}

// A key group's value: the uvarint count of windows, then per window its
// id (key bytes and end), a null-key byte, and per side the uvarint count
// of rows and each row's bytes.

// SnapshotState writes the key groups whose windows changed since the
// last checkpoint, and the watermark fired up to.
func (w *windowJoin) SnapshotState(context.Context, CheckpointInfo) error {
	if w.ks == nil {
		return nil
	}
	w.wmState.Update([][]byte{encodeRangeWatermark(w.rt, w.wm)})
	if len(w.dirtyKG.list) == 0 {
		return nil
	}
	byKG := map[uint16][]*wjGroup{}
	for _, e := range w.pendingEnds {
		for _, g := range w.byEnd[e] {
			if w.dirtyKG.has(g.kg) {
				byKG[g.kg] = append(byKG[g.kg], g)
			}
		}
	}
	for _, kg := range w.dirtyKG.list {
		gs := byKG[kg]
		if len(gs) == 0 {
			if err := w.ks.Clear(kg, windowStateKey); err != nil {
				return err
			}
			continue
		}
		val := binary.AppendUvarint(nil, uint64(len(gs)))
		for _, g := range gs {
			val = append(appendBytes(val, []byte(g.id)), b2byte(g.nullKey))
			for s := 0; s < 2; s++ {
				val = binary.AppendUvarint(val, uint64(len(g.rows[s])))
				for _, r := range g.rows[s] {
					val = appendBytes(val, r)
				}
			}
		}
		if err := w.ks.Update(kg, windowStateKey, val); err != nil {
			return err
		}
	}
	w.dirtyKG.reset()
	return nil
}

func (w *windowJoin) restore() error {
	wm, err := restoredWatermark(w.rt, w.wmState.Get())
	if err != nil {
		return err
	}
	w.wm = wm
	kr := w.rt.KeyGroups()
	for kg := kr.Start; kg <= kr.End; kg++ {
		val, ok, err := w.ks.Value(uint16(kg), windowStateKey)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if err := w.restoreKG(uint16(kg), val); err != nil {
			return fmt.Errorf("restoring key group %d: %w", kg, err)
		}
	}
	return nil
}

func (w *windowJoin) restoreKG(kg uint16, val []byte) error {
	d := &stateDecoder{b: val}
	n := d.uvarint()
	for i := uint64(0); i < n && d.err == nil; i++ {
		id := decodeBytes(d)
		g := &wjGroup{id: string(id), kg: kg, nullKey: d.byte1() == 1}
		for s := 0; s < 2; s++ {
			nr := d.uvarint()
			for r := uint64(0); r < nr && d.err == nil; r++ {
				g.rows[s] = append(g.rows[s], decodeBytes(d))
			}
		}
		if d.err != nil {
			break
		}
		if len(id) < 8 {
			return fmt.Errorf("%w: window join id", errStateCorrupt)
		}
		g.end = int64(binary.BigEndian.Uint64(id[len(id)-8:]))
		if _, dup := w.groups[g.id]; dup {
			return fmt.Errorf("%w: a window appears twice", errStateCorrupt)
		}
		w.groups[g.id] = g
		w.addPending(g)
	}
	if d.err == nil && len(d.b) != 0 {
		return fmt.Errorf("%w: %d bytes after the window join state", errStateCorrupt, len(d.b))
	}
	return d.err
}
