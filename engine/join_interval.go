package engine

import (
	"container/heap"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluice-stream/sluice/engine/state"
	"github.com/sluice-stream/sluice/vectorized"
)

// IntervalJoinSpec is a time interval join (Flink's IntervalJoin): a join
// whose condition bounds the left time attribute by the right one,
//
//	l.time BETWEEN r.time + LeftLowerBound AND r.time + LeftUpperBound
//
// with Join's equi keys and remaining condition (without the time bounds,
// which the operator enforces). Join.Type is InnerJoin, LeftOuterJoin,
// RightOuterJoin or FullOuterJoin; Join.Mode is not read (a batch job runs
// the interval condition as a regular join's).
//
// The output is insert-only and keeps both sides' time attributes. Rows
// wait in keyed state until the watermark (ProcTime: the clock) passes
// their time plus the opposite side's bound; an outer side's rows that
// never matched are emitted NULL-padded then. The output watermark is held
// back by the larger bound, so downstream event-time operators see joined
// rows before the watermark that completes them.
type IntervalJoinSpec struct {
	Join JoinSpec
	// LeftTimeCol and RightTimeCol are the time attribute columns (TIMESTAMP
	// or TIMESTAMP_LTZ, read in ms); not read with ProcTime.
	LeftTimeCol, RightTimeCol int
	// ProcTime: both time attributes are PROCTIME(): a row's time is the
	// clock when it arrives and state expires by the clock.
	ProcTime bool
	// LeftLowerBound and LeftUpperBound are in milliseconds, either may
	// be negative. An upper bound below the lower one matches nothing:
	// inner joins emit nothing and outer joins pad every row at once (Flink's
	// negative-window join).
	LeftLowerBound, LeftUpperBound int64
}

// MaxOutputDelay is how much the join holds back the watermark (Flink's
// RowTimeIntervalJoin.getMaxOutputDelay).
func (s IntervalJoinSpec) MaxOutputDelay() int64 {
	return max(-s.LeftLowerBound, s.LeftUpperBound)
}

// intervalJoin follows Flink's TimeIntervalJoin: per key, each side keeps
// its rows by time with an "emitted" flag; a row probes the other side's
// rows in [t - other's bound, t + own bound], is cached while the other
// side can still send matches, and a cleanup timer per key and side
// expires the cache (padding never-emitted rows of an outer side). Flink's
// details are kept on purpose, as they decide which late rows still join:
// the operator time is max(watermark, 0); the expiration times are per
// operator, not per key; a probe skips the cache when the other side's
// expiration time already passed its upper bound; a row not cached (the
// other side's time passed its upper bound) is padded at once when
// unmatched.
//
// State: the per-key caches live in memory; each checkpoint writes the
// key groups that changed to keyed state, one value per key group (the
// keys, their rows and flags, and their cleanup timers), so a restore
// into any key-group range continues as the uninterrupted run. Like
// Flink's, the expiration times and the operator time are not state.
type intervalJoin struct {
	spec IntervalJoinSpec
	rt   *RuntimeContext
	jp   *joinPairs
	// rel[0] is Flink's leftRelativeSize (-LeftLowerBound), rel[1] its
	// rightRelativeSize (LeftUpperBound).
	rel      [2]int64
	negative bool
	timeF    [2]int64 // ms factor of each side's time column
	clock    func() time.Time

	keys   map[string]*ijKey
	timers ijTimers
	opTime int64
	exp    [2]int64 // expiration time of each side's cache
	wm     int64

	hashes []uint64
	key    []byte
	lefts  [][]byte
	rights [][]byte
	cands  []*ijRow

	ks      *state.ValueState[[]byte]
	dirtyKG *kgSet
}

// ijKey is one join key's caches and cleanup timers.
type ijKey struct {
	id      string
	kg      uint16
	nullKey bool
	cache   [2][]ijEntry // sorted by time
	// cleanAt[s] is the pending timer that expires cache s (Flink keeps the
	// timer expiring the right cache in the "left timer" state and vice
	// versa), valid when hasClean[s].
	cleanAt  [2]int64
	hasClean [2]bool
}

type ijEntry struct {
	t    int64
	rows []*ijRow
}

type ijRow struct {
	row     []byte
	emitted bool
}

// ijTimer is a registered cleanup timer; a fired timer whose key no longer
// holds it (the key re-registered) is ignored, as in Flink.
type ijTimer struct {
	t int64
	k *ijKey
}

type ijTimers []ijTimer

func (h ijTimers) Len() int           { return len(h) }
func (h ijTimers) Less(i, j int) bool { return h[i].t < h[j].t }
func (h ijTimers) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *ijTimers) Push(x any)        { *h = append(*h, x.(ijTimer)) }
func (h *ijTimers) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// NewIntervalJoin is a time interval join (see IntervalJoinSpec).
func NewIntervalJoin(spec IntervalJoinSpec) (Operator, error) {
	if err := spec.Join.validate(); err != nil {
		return nil, err
	}
	switch spec.Join.Type {
	case InnerJoin, LeftOuterJoin, RightOuterJoin, FullOuterJoin:
	default:
		return nil, fmt.Errorf("Interval Join: %s Join between stream and stream is not supported yet.", spec.Join.Type)
	}
	j := &intervalJoin{spec: spec, clock: time.Now}
	j.rel = [2]int64{-spec.LeftLowerBound, spec.LeftUpperBound}
	j.negative = spec.LeftUpperBound < spec.LeftLowerBound
	if !spec.ProcTime && !j.negative {
		for s, c := range []int{spec.LeftTimeCol, spec.RightTimeCol} {
			sch := spec.Join.Left
			if s == 1 {
				sch = spec.Join.Right
			}
			if c < 0 || c >= sch.NumFields() {
				return nil, fmt.Errorf("interval join: time column %d does not exist in input %d", c, s)
			}
			f, err := millisOf(sch.Field(c).Type)
			if err != nil {
				return nil, fmt.Errorf("interval join: the time attribute %s: %w", sch.Field(c).Name, err)
			}
			j.timeF[s] = f
		}
	}
	return j, nil
}

func (j *intervalJoin) String() string {
	return fmt.Sprintf("IntervalJoin(joinType=[%s], windowBounds=[isRowTime=%t, leftLowerBound=%d, leftUpperBound=%d, leftTimeIndex=%d, rightTimeIndex=%d], leftKeys=%v, rightKeys=%v)",
		j.spec.Join.Type, !j.spec.ProcTime, j.spec.LeftLowerBound, j.spec.LeftUpperBound, j.spec.LeftTimeCol, j.spec.RightTimeCol, j.spec.Join.LeftKeys, j.spec.Join.RightKeys)
}

func (j *intervalJoin) Open(_ context.Context, rt *RuntimeContext) error {
	jp, err := newJoinPairs("interval join", j.spec.Join, rt)
	if err != nil {
		return err
	}
	j.rt, j.jp = rt, jp
	j.keys = map[string]*ijKey{}
	j.wm = MinWatermark
	if j.spec.ProcTime {
		j.opTime = j.clock().UnixMilli()
	}
	if rt.ckpt == nil {
		return nil
	}
	be, err := rt.KeyedState()
	if err != nil {
		return err
	}
	if j.ks, err = state.NewValueState(be, state.Descriptor[[]byte]{Name: "interval-join", Codec: state.BytesCodec{}}); err != nil {
		return err
	}
	j.dirtyKG = &kgSet{}
	if _, ok := rt.Restored(); ok {
		return j.restore()
	}
	return nil
}

func (j *intervalJoin) Process(ctx context.Context, input int, b *vectorized.Batch, out Collector) error {
	if err := insertOnly("an interval join", b); err != nil {
		return err
	}
	rec := b.Record
	if err := j.jp.checkInput("interval join", input, rec); err != nil {
		return err
	}
	n := int(rec.NumRows())
	if n == 0 {
		return nil
	}
	cols := rec.Columns()
	if j.negative {
		// No row can match: pad an outer side's rows, drop the others.
		if outerSide(j.spec.Join.Type, input) {
			for i := 0; i < n; i++ {
				row := appendRow(nil, cols, i)
				var err error
				if input == 0 {
					err = j.jp.emit(ctx, out, row, nil)
				} else {
					err = j.jp.emit(ctx, out, nil, row)
				}
				if err != nil {
					return err
				}
			}
		}
		return j.jp.flush(ctx, out)
	}
	keyCols := j.jp.keyCols(input, cols)
	if j.ks != nil {
		j.hashes = growUint64(j.hashes, n)
		vectorized.HashColumns(keyCols, j.hashes)
	}
	var times *array.Timestamp
	if j.spec.ProcTime {
		j.opTime = j.clock().UnixMilli()
	} else {
		tc := j.spec.LeftTimeCol
		if input == 1 {
			tc = j.spec.RightTimeCol
		}
		times = cols[tc].(*array.Timestamp)
	}
	for i := 0; i < n; i++ {
		t := j.opTime
		if times != nil {
			// Flink reads a NULL time as 0 (a null field's bytes are zero).
			t = 0
			if times.IsValid(i) {
				t = toMillis(int64(times.Value(i)), j.timeF[input])
			}
		}
		j.key = appendRow(j.key[:0], keyCols, i)
		k := j.keys[string(j.key)]
		if k == nil {
			k = &ijKey{id: string(j.key), nullKey: j.jp.nullKey(keyCols, i)}
			if j.ks != nil {
				k.kg = j.rt.KeyGroupOf(j.hashes[i])
			}
			j.keys[k.id] = k
		}
		if err := j.processRow(ctx, out, k, input, appendRow(nil, cols, i), t); err != nil {
			return err
		}
		j.dirty(k)
		j.gc(k)
	}
	return j.jp.flush(ctx, out)
}

func (j *intervalJoin) dirty(k *ijKey) {
	if j.dirtyKG != nil {
		j.dirtyKG.add(k.kg)
	}
}

// expiration is Flink's calExpirationTime (allowed lateness 0).
func expiration(opTime, rel int64) int64 {
	if opTime == math.MaxInt64 {
		return math.MaxInt64
	}
	return opTime - rel - 1
}

// processRow is Flink's processElement1/2 for a row of side s at time t.
func (j *intervalJoin) processRow(ctx context.Context, out Collector, k *ijKey, s int, row []byte, t int64) error {
	o := 1 - s
	lower, upper := t-j.rel[o], t+j.rel[s]
	emitted := false
	if j.exp[o] < upper {
		j.exp[o] = expiration(j.opTime, j.rel[o])
		// First the candidates, tested against the condition in one go;
		// then the pass that emits, marks and expires as Flink's loop.
		j.lefts, j.rights, j.cands = j.lefts[:0], j.rights[:0], j.cands[:0]
		if !k.nullKey {
			for _, e := range k.cache[o] {
				if e.t < lower || e.t > upper {
					continue
				}
				for _, r := range e.rows {
					if s == 0 {
						j.lefts, j.rights = append(j.lefts, row), append(j.rights, r.row)
					} else {
						j.lefts, j.rights = append(j.lefts, r.row), append(j.rights, row)
					}
					j.cands = append(j.cands, r)
				}
			}
		}
		match, err := j.jp.evalPairs(j.lefts, j.rights)
		if err != nil {
			return err
		}
		for p, r := range j.cands {
			if !match[p] {
				continue
			}
			if err := j.jp.emit(ctx, out, j.lefts[p], j.rights[p]); err != nil {
				return err
			}
			emitted = true
			r.emitted = true // only read for an outer side
		}
		if err := j.expire(ctx, out, k, o, j.exp[o], false); err != nil {
			return err
		}
	}
	if j.opTime < upper {
		// The other side may still send matches: keep the row.
		c := k.cache[s]
		p := sort.Search(len(c), func(x int) bool { return c[x].t >= t })
		if p == len(c) || c[p].t != t {
			c = append(c, ijEntry{})
			copy(c[p+1:], c[p:])
			c[p] = ijEntry{t: t}
		}
		c[p].rows = append(c[p].rows, &ijRow{row: row, emitted: emitted})
		k.cache[s] = c
		if !k.hasClean[s] {
			j.register(k, s, t)
		}
	} else if !emitted && outerSide(j.spec.Join.Type, s) {
		if s == 0 {
			return j.jp.emit(ctx, out, row, nil)
		}
		return j.jp.emit(ctx, out, nil, row)
	}
	return nil
}

// register is Flink's registerCleanUpTimer: the timer expiring cache s
// once the other side cannot match a row of time t any more.
func (j *intervalJoin) register(k *ijKey, s int, t int64) {
	at := t + j.rel[s] + 1
	k.cleanAt[s], k.hasClean[s] = at, true
	heap.Push(&j.timers, ijTimer{t: at, k: k})
}

// expire removes cache s's entries at or before exp, padding the
// never-emitted rows of an outer side. With timer (a cleanup timer fired)
// it re-registers the timer for what is left, or clears the cache when
// nothing after time 0 is left (as Flink, whose timer state uses 0 for
// "none").
func (j *intervalJoin) expire(ctx context.Context, out Collector, k *ijKey, s int, exp int64, timer bool) error {
	c := k.cache[s]
	pad := outerSide(j.spec.Join.Type, s)
	kept := c[:0]
	earliest := int64(-1)
	for _, e := range c {
		if e.t > exp {
			kept = append(kept, e)
			if e.t < earliest || earliest < 0 {
				earliest = e.t
			}
			continue
		}
		if !pad {
			continue
		}
		for _, r := range e.rows {
			if r.emitted {
				continue
			}
			var err error
			if s == 0 {
				err = j.jp.emit(ctx, out, r.row, nil)
			} else {
				err = j.jp.emit(ctx, out, nil, r.row)
			}
			if err != nil {
				return err
			}
		}
	}
	clear(c[len(kept):])
	k.cache[s] = kept
	if timer {
		if earliest > 0 {
			j.register(k, s, earliest)
		} else {
			k.hasClean[s] = false
			k.cache[s] = nil
		}
	}
	return nil
}

// gc forgets a key that holds nothing.
func (j *intervalJoin) gc(k *ijKey) {
	if len(k.cache[0]) == 0 && len(k.cache[1]) == 0 && !k.hasClean[0] && !k.hasClean[1] {
		delete(j.keys, k.id)
	}
}

// fire runs the cleanup timers due at the operator time (Flink's onTimer:
// the right cache's timer first, then the left's).
func (j *intervalJoin) fire(ctx context.Context, out Collector) error {
	for len(j.timers) > 0 && j.timers[0].t <= j.opTime {
		tm := heap.Pop(&j.timers).(ijTimer)
		k := tm.k
		if j.keys[k.id] != k {
			continue // the key was cleared since
		}
		fired := false
		for _, s := range []int{1, 0} {
			if k.hasClean[s] && k.cleanAt[s] == tm.t {
				j.exp[s] = expiration(j.opTime, j.rel[s])
				if err := j.expire(ctx, out, k, s, j.exp[s], true); err != nil {
					return err
				}
				fired = true
			}
		}
		if fired {
			j.dirty(k)
			j.gc(k)
		}
	}
	return j.jp.flush(ctx, out)
}

// ProcessWatermark advances the operator time, fires the due cleanup
// timers and forwards the watermark held back by MaxOutputDelay.
func (j *intervalJoin) ProcessWatermark(ctx context.Context, wm int64, out Collector) (int64, error) {
	if j.spec.ProcTime || j.negative {
		return wm, nil
	}
	if wm > j.wm {
		j.wm = wm
	}
	j.opTime = max(j.wm, 0)
	if err := j.fire(ctx, out); err != nil {
		return 0, err
	}
	if wm == MinWatermark || wm == MaxWatermark {
		return wm, nil
	}
	return wm - j.spec.MaxOutputDelay(), nil
}

// NextTimer is the earliest cleanup timer of a processing-time join.
func (j *intervalJoin) NextTimer() time.Time {
	if !j.spec.ProcTime || len(j.timers) == 0 {
		return time.Time{}
	}
	return time.UnixMilli(j.timers[0].t)
}

func (j *intervalJoin) OnTimer(ctx context.Context, now time.Time, out Collector) error {
	if !j.spec.ProcTime {
		return nil
	}
	j.opTime = now.UnixMilli()
	return j.fire(ctx, out)
}

// EndInput expires everything on event time, as the final watermark
// does (an outer side's unmatched rows are padded). On processing time it
// does nothing: Flink does not fire processing-time timers at the end of a
// bounded input, so rows still waiting are never padded.
func (j *intervalJoin) EndInput(ctx context.Context, out Collector) error {
	if j.negative || j.spec.ProcTime {
		return nil
	}
	j.opTime = math.MaxInt64
	return j.fire(ctx, out)
}

func (j *intervalJoin) Close() error {
	if j.jp != nil {
		j.jp.release()
	}
	return nil
}

// A key group's value: the uvarint count of keys, then per key its id, a
// null-key byte, and per side (left, right) the cleanup timer (a byte 0,
// or 1 and the varint time), the uvarint count of time entries and per
// entry the varint time, the uvarint count of rows and per row an emitted
// byte and the row bytes.

// SnapshotState writes the key groups whose keys changed.
func (j *intervalJoin) SnapshotState(context.Context, CheckpointInfo) error {
	return writeDirtyKeyGroups(j.ks, j.dirtyKG, j.keys, func(k *ijKey) uint16 { return k.kg },
		func(a, b *ijKey) bool { return a.id < b.id },
		func(val []byte, k *ijKey) []byte {
			val = appendBytes(val, []byte(k.id))
			val = append(val, b2byte(k.nullKey))
			for s := 0; s < 2; s++ {
				val = append(val, b2byte(k.hasClean[s]))
				if k.hasClean[s] {
					val = binary.AppendVarint(val, k.cleanAt[s])
				}
				val = binary.AppendUvarint(val, uint64(len(k.cache[s])))
				for _, e := range k.cache[s] {
					val = binary.AppendVarint(val, e.t)
					val = binary.AppendUvarint(val, uint64(len(e.rows)))
					for _, r := range e.rows {
						val = appendBytes(append(val, b2byte(r.emitted)), r.row)
					}
				}
			}
			return val
		})
}

func b2byte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

func (j *intervalJoin) restore() error {
	kr := j.rt.KeyGroups()
	for kg := kr.Start; kg <= kr.End; kg++ {
		val, ok, err := j.ks.Value(uint16(kg), windowStateKey)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if err := j.restoreKG(uint16(kg), val); err != nil {
			return fmt.Errorf("restoring key group %d: %w", kg, err)
		}
	}
	return nil
}

func (j *intervalJoin) restoreKG(kg uint16, val []byte) error {
	d := &stateDecoder{b: val}
	nk := d.uvarint()
	for i := uint64(0); i < nk && d.err == nil; i++ {
		k := &ijKey{id: string(decodeBytes(d)), kg: kg, nullKey: d.byte1() == 1}
		for s := 0; s < 2; s++ {
			if d.byte1() == 1 {
				k.hasClean[s], k.cleanAt[s] = true, d.varint()
			}
			ne := d.uvarint()
			for e := uint64(0); e < ne && d.err == nil; e++ {
				en := ijEntry{t: d.varint()}
				nr := d.uvarint()
				for r := uint64(0); r < nr && d.err == nil; r++ {
					emitted := d.byte1() == 1
					en.rows = append(en.rows, &ijRow{emitted: emitted, row: decodeBytes(d)})
				}
				k.cache[s] = append(k.cache[s], en)
			}
		}
		if d.err != nil {
			break
		}
		if _, dup := j.keys[k.id]; dup {
			return fmt.Errorf("%w: an interval join key appears twice", errStateCorrupt)
		}
		j.keys[k.id] = k
		for s := 0; s < 2; s++ {
			if k.hasClean[s] {
				heap.Push(&j.timers, ijTimer{t: k.cleanAt[s], k: k})
			}
		}
	}
	if d.err == nil && len(d.b) != 0 {
		return fmt.Errorf("%w: %d bytes after the interval join state", errStateCorrupt, len(d.b))
	}
	return d.err
}
