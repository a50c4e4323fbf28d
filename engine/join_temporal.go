package engine

import (
	"bytes"
	"container/heap"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"

	"github.com/sluice-stream/sluice/engine/state"
	"github.com/sluice-stream/sluice/vectorized"
)

// TemporalJoinSpec configures NewTemporalJoin, the event-time temporal join
// of Flink 2.3 (`FROM l JOIN r FOR SYSTEM_TIME AS OF l.rowtime ON l.k =
// r.pk`, TemporalRowTimeJoinOperator): each left row joins the version of
// the right row of its key that was valid at the left row's rowtime, the
// right row of the greatest rowtime not after it. Input 0 is the left side
// (the probe), input 1 the right (the versioned table's changelog); the
// planner routes both by their keys.
//
// Output columns are the left's then the right's; a left outer join pads
// the right side with NULLs where no version matched. Each output row has
// the kind of its left row.
type TemporalJoinSpec struct {
	// LeftOuter makes a left row without a matching version emit once
	// with NULLs on the right (LEFT JOIN); otherwise it emits nothing.
	LeftOuter bool
	// LeftKeys[i] = RightKeys[i] are the equi-join conditions (they
	// include the right side's primary key). Keys compare as values, as
	// Flink's keyed state does: a NULL key matches a NULL key (a versioned
	// view's key may be NULL), for = as for IS NOT DISTINCT FROM.
	LeftKeys, RightKeys []int
	// LeftTime and RightTime are the rowtime columns (TIMESTAMP or
	// TIMESTAMP_LTZ) of each side.
	LeftTime, RightTime int
	// Cond is the rest of the join condition over the joined row (left
	// columns, then right columns); nil is TRUE. A version where Cond is
	// not TRUE is no match.
	Cond        vectorized.Expr
	Left, Right *arrow.Schema
}

// OutputSchema is the left columns then the right's (nullable for a left
// outer join).
func (s TemporalJoinSpec) OutputSchema() *arrow.Schema {
	fs := append([]arrow.Field(nil), s.Left.Fields()...)
	for _, f := range s.Right.Fields() {
		if s.LeftOuter {
			f.Nullable = true
		}
		fs = append(fs, f)
	}
	return arrow.NewSchema(fs, nil)
}

func (s TemporalJoinSpec) validate() error {
	js := JoinSpec{Left: s.Left, Right: s.Right, LeftKeys: s.LeftKeys, RightKeys: s.RightKeys}
	if err := js.validate(); err != nil {
		return fmt.Errorf("temporal %w", err)
	}
	if len(s.LeftKeys) == 0 {
		return fmt.Errorf("temporal join: no join keys")
	}
	for _, c := range []struct {
		side   string
		schema *arrow.Schema
		col    int
	}{{"left", s.Left, s.LeftTime}, {"right", s.Right, s.RightTime}} {
		if c.col < 0 || c.col >= c.schema.NumFields() {
			return fmt.Errorf("temporal join: the %s time column %d does not exist", c.side, c.col)
		}
		if _, ok := c.schema.Field(c.col).Type.(*arrow.TimestampType); !ok {
			return fmt.Errorf("temporal join: the %s time column %s is %s, not a TIMESTAMP", c.side, c.schema.Field(c.col).Name, c.schema.Field(c.col).Type)
		}
	}
	if s.Cond != nil && s.Cond.DataType().ID() != arrow.BOOL {
		return fmt.Errorf("temporal join: the condition %s is %s, not BOOLEAN", s.Cond, s.Cond.DataType())
	}
	return nil
}

// NewTemporalJoin is the event-time temporal join (see TemporalJoinSpec).
//
// As Flink's operator, per key it keeps the left rows not yet emitted (in
// arrival order) and the right versions by rowtime (a right row replaces
// the version of the same rowtime; a -D row is a version that matches
// nothing, so the key has no value from its rowtime on). An event-time
// timer per key at the smallest rowtime that arrived since it last fired
// (and at the smallest left rowtime still waiting) fires when the
// watermark (the minimum of both inputs') reaches it: the left rows whose
// rowtime the watermark reached are joined in arrival order and dropped,
// then the versions older than the latest one not after the watermark are
// dropped (no left row on time can need them). Left rows behind the
// watermark are not dropped as late: they join at the next watermark with
// the versions still kept. -U rows of the right side are ignored, as the
// planner's DropUpdateBefore does before Flink's operator (the +U that
// follows is the new version).
//
// State lives in memory, indexed by key, and is written at each checkpoint
// per key group that changed (as the window operators' open windows), so
// a restore into any key group range resumes the keys' rows and timers.
// Flink's processing-time state retention (table.exec.state.ttl) is not
// applied: state shrinks with the watermark only.
func NewTemporalJoin(spec TemporalJoinSpec) (Operator, error) {
	if err := spec.validate(); err != nil {
		return nil, err
	}
	for _, s := range []*arrow.Schema{spec.Left, spec.Right} {
		if _, err := rowColumnKinds("temporal join", s); err != nil {
			return nil, err
		}
	}
	return &temporalJoin{spec: spec, out: spec.OutputSchema()}, nil
}

type temporalJoin struct {
	spec TemporalJoinSpec
	out  *arrow.Schema
	rt   *RuntimeContext

	batchLen   int
	nullRight  []byte // an all-NULL right row
	leftDec    *rowDecoder
	rightDec   *rowDecoder
	leftKinds  []rowColKind
	rightKinds []rowColKind
	nullTime   interface{ Add(int64) int64 }

	keys   map[string]*tjKey
	timers tjTimers
	seq    uint64

	ks      *state.ValueState[[]byte]
	dirtyKG *kgSet

	hashes []uint64
	key    []byte
}

// tjKey is one join key's state.
type tjKey struct {
	key   string
	kg    uint16
	left  []tjRow // arrival order
	right []tjRow // by rowtime, unique
	// timer is the key's event-time timer, math.MaxInt64 when none.
	timer int64
}

type tjRow struct {
	seq  uint64 // arrival (left rows)
	ts   int64  // rowtime, ms
	kind vectorized.RowKind
	row  []byte
}

// tjTimers is a min-heap of (time, key) timers; an entry is stale when its
// key's timer moved since it was pushed.
type tjTimers []tjTimer

type tjTimer struct {
	ts  int64
	seq uint64
	k   *tjKey
}

func (h tjTimers) Len() int { return len(h) }
func (h tjTimers) Less(i, j int) bool {
	return h[i].ts < h[j].ts || h[i].ts == h[j].ts && h[i].seq < h[j].seq
}
func (h tjTimers) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *tjTimers) Push(x any)   { *h = append(*h, x.(tjTimer)) }
func (h *tjTimers) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func (j *temporalJoin) String() string {
	t := "InnerJoin"
	if j.spec.LeftOuter {
		t = "LeftOuterJoin"
	}
	return fmt.Sprintf("TemporalJoin(joinType=[%s], leftKeys=%v, rightKeys=%v, leftTime=[$%d], rightTime=[$%d])", t, j.spec.LeftKeys, j.spec.RightKeys, j.spec.LeftTime, j.spec.RightTime)
}

func (j *temporalJoin) Open(_ context.Context, rt *RuntimeContext) error {
	n, err := rt.Config.Int(ConfigBatchSize, DefaultBatchSize)
	if err != nil {
		return err
	}
	j.rt, j.batchLen = rt, max(n, 1)
	j.nullTime = rt.Metrics.Counter("numNullRowTimeRecordsDropped")
	j.keys = map[string]*tjKey{}
	j.leftKinds, _ = rowColumnKinds("temporal join", j.spec.Left)
	j.rightKinds, _ = rowColumnKinds("temporal join", j.spec.Right)
	j.leftDec = newRowDecoder(rt.Mem, j.spec.Left, j.leftKinds)
	j.rightDec = newRowDecoder(rt.Mem, j.spec.Right, j.rightKinds)
	// A NULL value is its one NULL byte (appendKeyValue).
	j.nullRight = make([]byte, j.spec.Right.NumFields())
	if rt.ckpt == nil {
		return nil
	}
	be, err := rt.KeyedState()
	if err != nil {
		return err
	}
	if j.ks, err = state.NewValueState(be, state.Descriptor[[]byte]{Name: "temporal-join", Codec: state.BytesCodec{}}); err != nil {
		return err
	}
	j.dirtyKG = &kgSet{}
	if _, ok := rt.Restored(); ok {
		return j.restore()
	}
	return nil
}

func (j *temporalJoin) Process(_ context.Context, input int, b *vectorized.Batch, _ Collector) error {
	rec := b.Record
	n := int(rec.NumRows())
	if n == 0 {
		return nil
	}
	keyIdx, timeCol, schema := j.spec.LeftKeys, j.spec.LeftTime, j.spec.Left
	if input == 1 {
		keyIdx, timeCol, schema = j.spec.RightKeys, j.spec.RightTime, j.spec.Right
	}
	if int(rec.NumCols()) != schema.NumFields() {
		return fmt.Errorf("temporal join: input %d has %d columns, not %d", input, rec.NumCols(), schema.NumFields())
	}
	cols := rec.Columns()
	keyCols := pickColumns(cols, keyIdx)
	j.hashes = growUint64(j.hashes, n)
	vectorized.HashColumns(keyCols, j.hashes)
	times := cols[timeCol]
	tf, err := millisOf(times.DataType())
	if err != nil {
		return err
	}
	var nullTimes int64
	for i := 0; i < n; i++ {
		kind := b.Kind(i)
		if input == 1 && kind == vectorized.UpdateBefore {
			continue
		}
		if times.IsNull(i) {
			nullTimes++
			continue
		}
		ts := toMillis(int64Value(times, i), tf)
		j.key = appendRow(j.key[:0], keyCols, i)
		k := j.keys[string(j.key)]
		if k == nil {
			k = &tjKey{key: string(j.key), kg: j.rt.KeyGroupOf(j.hashes[i]), timer: math.MaxInt64}
			j.keys[k.key] = k
		}
		row := appendRow(nil, cols, i)
		if input == 0 {
			j.seq++
			k.left = append(k.left, tjRow{seq: j.seq, ts: ts, kind: kind, row: row})
		} else {
			p := sort.Search(len(k.right), func(x int) bool { return k.right[x].ts >= ts })
			r := tjRow{ts: ts, kind: kind, row: row}
			if p < len(k.right) && k.right[p].ts == ts {
				k.right[p] = r
			} else {
				k.right = append(k.right, tjRow{})
				copy(k.right[p+1:], k.right[p:])
				k.right[p] = r
			}
		}
		j.setTimer(k, ts)
		if j.dirtyKG != nil {
			j.dirtyKG.add(k.kg)
		}
	}
	if nullTimes > 0 {
		j.nullTime.Add(nullTimes)
	}
	return nil
}

// setTimer moves k's timer to ts when that is earlier (Flink's
// registerSmallestTimer).
func (j *temporalJoin) setTimer(k *tjKey, ts int64) {
	if ts >= k.timer {
		return
	}
	k.timer = ts
	j.seq++
	heap.Push(&j.timers, tjTimer{ts: ts, seq: j.seq, k: k})
}

// ProcessWatermark fires the keys' timers the watermark reached, in timer
// order.
func (j *temporalJoin) ProcessWatermark(ctx context.Context, wm int64, out Collector) (int64, error) {
	var pend tjPending
	for len(j.timers) > 0 && j.timers[0].ts <= wm {
		t := heap.Pop(&j.timers).(tjTimer)
		k := t.k
		if k.timer != t.ts || j.keys[k.key] != k {
			continue // stale
		}
		k.timer = math.MaxInt64
		if err := j.fire(ctx, k, wm, &pend, out); err != nil {
			return wm, err
		}
	}
	return wm, j.flush(ctx, &pend, out)
}

// tjPending is the output being gathered: joined pairs in emission order.
type tjPending struct {
	left, right [][]byte // right nil: padded
	kinds       []vectorized.RowKind
}

func (j *temporalJoin) fire(ctx context.Context, k *tjKey, wm int64, pend *tjPending, out Collector) error {
	if j.dirtyKG != nil {
		j.dirtyKG.add(k.kg)
	}
	rest := k.left[:0]
	next := int64(math.MaxInt64)
	for _, l := range k.left {
		if l.ts > wm {
			rest = append(rest, l)
			next = min(next, l.ts)
			continue
		}
		// The version valid at l.ts: the last with a rowtime not after it.
		p := sort.Search(len(k.right), func(x int) bool { return k.right[x].ts > l.ts }) - 1
		var right []byte
		if p >= 0 && (k.right[p].kind == vectorized.Insert || k.right[p].kind == vectorized.UpdateAfter) {
			right = k.right[p].row
		}
		if right == nil && !j.spec.LeftOuter {
			continue
		}
		pend.left = append(pend.left, l.row)
		pend.right = append(pend.right, right)
		pend.kinds = append(pend.kinds, l.kind)
		if len(pend.kinds) >= j.batchLen {
			if err := j.flush(ctx, pend, out); err != nil {
				return err
			}
		}
	}
	clear(k.left[len(rest):])
	k.left = rest
	// Keep the latest version not after the watermark and the newer ones.
	if keep := sort.Search(len(k.right), func(x int) bool { return k.right[x].ts > wm }) - 1; keep > 0 {
		n := copy(k.right, k.right[keep:])
		clear(k.right[n:])
		k.right = k.right[:n]
	}
	if next != math.MaxInt64 {
		j.setTimer(k, next)
	}
	if len(k.left) == 0 && len(k.right) == 0 {
		delete(j.keys, k.key)
	}
	return nil
}

// flush emits the pending pairs: Cond decides which matched, a left
// outer join pads the rest.
func (j *temporalJoin) flush(ctx context.Context, pend *tjPending, out Collector) error {
	if len(pend.kinds) == 0 {
		return nil
	}
	defer func() {
		pend.left, pend.right, pend.kinds = pend.left[:0], pend.right[:0], pend.kinds[:0]
	}()
	if j.spec.Cond != nil {
		if err := j.applyCond(ctx, pend); err != nil {
			return err
		}
	}
	var kinds []vectorized.RowKind
	for i, k := range pend.kinds {
		r := pend.right[i]
		if r == nil {
			if !j.spec.LeftOuter {
				continue
			}
			r = j.nullRight
		}
		if err := j.leftDec.add(pend.left[i]); err != nil {
			return err
		}
		if err := j.rightDec.add(r); err != nil {
			return err
		}
		kinds = append(kinds, k)
	}
	if len(kinds) == 0 {
		return nil
	}
	cols := append(j.leftDec.finish(), j.rightDec.finish()...)
	return emitRows(ctx, out, j.out, cols, kinds)
}

// applyCond evaluates Cond over the matched pairs and unmatches those
// where it is not TRUE.
func (j *temporalJoin) applyCond(ctx context.Context, pend *tjPending) error {
	var idx []int
	for i, r := range pend.right {
		if r != nil {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return nil
	}
	for _, i := range idx {
		if err := j.leftDec.add(pend.left[i]); err != nil {
			return err
		}
		if err := j.rightDec.add(pend.right[i]); err != nil {
			return err
		}
	}
	cols := append(j.leftDec.finish(), j.rightDec.finish()...)
	rec := array.NewRecordBatch(j.out, cols, int64(len(idx)))
	for _, c := range cols {
		c.Release()
	}
	defer rec.Release()
	ec := j.evalContext(ctx)
	res, err := j.spec.Cond.Eval(ec, rec)
	if err != nil {
		return fmt.Errorf("temporal join condition %s: %w", j.spec.Cond, err)
	}
	defer res.Release()
	mask, ok := res.(*array.Boolean)
	if !ok || mask.Len() != len(idx) {
		return fmt.Errorf("temporal join condition %s returned %s of %d rows for %d", j.spec.Cond, res.DataType(), res.Len(), len(idx))
	}
	values := mask.Data().Buffers()[1].Bytes()
	valid, voff := validBits(mask)
	off := mask.Data().Offset()
	for x, i := range idx {
		if !bitutil.BitIsSet(values, off+x) || valid != nil && !bitutil.BitIsSet(valid, voff+x) {
			pend.right[i] = nil
		}
	}
	return nil
}

func (j *temporalJoin) evalContext(ctx context.Context) *vectorized.EvalContext {
	var ec *vectorized.EvalContext
	if j.rt.EvalContext != nil {
		ec = j.rt.EvalContext()
	} else {
		ec = &vectorized.EvalContext{}
	}
	ec.Ctx = ctx
	return ec
}

// EndInput: the final MaxWatermark has fired every timer.
func (j *temporalJoin) EndInput(context.Context, Collector) error { return nil }

func (j *temporalJoin) Close() error {
	for _, d := range []*rowDecoder{j.leftDec, j.rightDec} {
		if d != nil {
			d.release()
		}
	}
	return nil
}

// A key group's state: the uvarint count of keys, then per key the
// uvarint length and bytes of the key, the varint timer, the uvarint
// count of left rows and of right rows, and per row its varint rowtime,
// kind byte and uvarint length and bytes. Left rows are in arrival order.

// SnapshotState writes the keys of the key groups that changed.
func (j *temporalJoin) SnapshotState(context.Context, CheckpointInfo) error {
	return writeDirtyKeyGroups(j.ks, j.dirtyKG, j.keys, func(k *tjKey) uint16 { return k.kg },
		func(a, b *tjKey) bool { return a.key < b.key },
		func(val []byte, k *tjKey) []byte {
			val = binary.AppendUvarint(val, uint64(len(k.key)))
			val = append(val, k.key...)
			val = binary.AppendVarint(val, k.timer)
			val = binary.AppendUvarint(val, uint64(len(k.left)))
			val = binary.AppendUvarint(val, uint64(len(k.right)))
			for _, rows := range [][]tjRow{k.left, k.right} {
				for _, r := range rows {
					val = binary.AppendVarint(val, r.ts)
					val = append(val, byte(r.kind))
					val = binary.AppendUvarint(val, uint64(len(r.row)))
					val = append(val, r.row...)
				}
			}
			return val
		})
}

func (j *temporalJoin) restore() error {
	r := j.rt.KeyGroups()
	var restored []*tjKey
	for kg := r.Start; kg <= r.End; kg++ {
		val, ok, err := j.ks.Value(uint16(kg), windowStateKey)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		ks, err := j.decodeKG(uint16(kg), val)
		if err != nil {
			return fmt.Errorf("restoring key group %d: %w", kg, err)
		}
		restored = append(restored, ks...)
	}
	// Left rows keep their arrival order within a key; across keys only
	// the timers order the output.
	for _, k := range restored {
		for x := range k.left {
			j.seq++
			k.left[x].seq = j.seq
		}
		j.keys[k.key] = k
		if t := k.timer; t != math.MaxInt64 {
			k.timer = math.MaxInt64
			j.setTimer(k, t)
		}
	}
	return nil
}

func (j *temporalJoin) decodeKG(kg uint16, p []byte) ([]*tjKey, error) {
	bad := fmt.Errorf("%w: temporal join state", errStateCorrupt)
	uv := func() (uint64, bool) {
		v, n := binary.Uvarint(p)
		if n <= 0 {
			return 0, false
		}
		p = p[n:]
		return v, true
	}
	sv := func() (int64, bool) {
		v, n := binary.Varint(p)
		if n <= 0 {
			return 0, false
		}
		p = p[n:]
		return v, true
	}
	bs := func() ([]byte, bool) {
		m, ok := uv()
		if !ok || uint64(len(p)) < m {
			return nil, false
		}
		v := bytes.Clone(p[:m])
		p = p[m:]
		return v, true
	}
	count, ok := uv()
	if !ok {
		return nil, bad
	}
	var out []*tjKey
	for i := uint64(0); i < count; i++ {
		key, ok1 := bs()
		timer, ok2 := sv()
		nl, ok3 := uv()
		nr, ok4 := uv()
		if !ok1 || !ok2 || !ok3 || !ok4 {
			return nil, bad
		}
		k := &tjKey{key: string(key), kg: kg, timer: timer}
		for x := uint64(0); x < nl+nr; x++ {
			ts, ok := sv()
			if !ok || len(p) == 0 {
				return nil, bad
			}
			kind := vectorized.RowKind(p[0])
			p = p[1:]
			row, ok := bs()
			if !ok {
				return nil, bad
			}
			r := tjRow{ts: ts, kind: kind, row: row}
			if x < nl {
				k.left = append(k.left, r)
			} else {
				k.right = append(k.right, r)
			}
		}
		out = append(out, k)
	}
	return out, nil
}
