package engine

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"

	"github.com/sluice-stream/sluice/engine/state"
	"github.com/sluice-stream/sluice/vectorized"
)

// streamJoin is the streaming regular join, following Flink 2.3's
// StreamingJoinOperator (INNER/LEFT/RIGHT/FULL) and
// StreamingSemiAntiJoinOperator (SEMI/ANTI) row for row.
//
// State: per side and join key, the side's rows with their multiplicity
// (Flink's JoinRecordStateViews / OuterJoinRecordStateViews for an input
// without a unique key: a map row → count, plus, on an outer side, the
// row's number of associations — how many rows of the other side it
// joins with — so the operator knows when a NULL-padded row has to be
// retracted or emitted again). The left side of a semi/anti join is kept
// as an outer side for the same reason. The rows of one (side, key) are
// one keyed ValueState entry (Flink keeps a MapState per key; the hashmap
// backend here can only list a map's entries by scanning the whole key
// group, so the list is one value): a row of the input reads the lists of
// its key on both sides, and the lists touched by a batch are read once
// per batch (GetBatch) and written back once at its end (PutBatch), so the
// state is current at every checkpoint barrier. Key groups (rt.KeyGroupOf
// of HashColumns of the key columns, in key order, as the hash exchange
// routes both inputs) make restores into any parallelism work.
//
// Emission, as Flink (see processRow): on an inner side an accumulate row
// (+I/+U) joins each matching row of the other side with its own kind and
// a retraction (-U/-D) with its own kind; an outer side's rows are always
// emitted as +I and -D, and a row of an outer side that gains its first
// association retracts its NULL-padded row (-D) before the joined row is
// inserted, and one that loses its last association emits it again (+I).
// A row of the other side with multiplicity m is joined m times.
//
// The remaining condition (Cond) is evaluated vectorized over the
// candidate pairs (input row, other side's row of the same key) of a chunk
// of the batch's rows, at most sluice.exec.batch-size pairs (or one row)
// at a time: an input batch changes its own side's lists only, so the
// other side's rows a batch can meet are known before its first row is
// processed.
//
// One departure from Flink, where Flink is not deterministic: an input row
// meets several rows of the other side in the order they arrived; Flink
// meets them in the order of its state map (hash order on the heap
// backend, byte order on RocksDB).
//
// FilterNulls: a NULL in a filtered key column never matches (Flink's
// JoinConditionWithNullFilters), so such a row is never stored (it could
// never be joined again); on an outer side it is still emitted padded.
//
// table.exec.state.ttl expires a (side, key) list when it was not written
// for that long; Flink expires each row on its own. A list is written when
// a row of it is added or retracted or an association count changes.
type streamJoin struct {
	spec  JoinSpec
	rt    *RuntimeContext
	sides [2]*sjSide
	semi  bool // semi or anti
	anti  bool

	outSchema  *arrow.Schema
	condSchema *arrow.Schema
	outDec     *rowDecoder
	condDec    *rowDecoder
	batchSize  int
	outK       []vectorized.RowKind

	// Per batch scratch.
	hashes  []uint64
	kgs     []uint16
	nullKey []bool
	keyBuf  []byte
	keyEnd  []int
	rowBuf  []byte
	rowEnd  []int
	lists   [2][]*sjList // per row: its key's list on each side (nil for a NULL key)
	// Candidate pairs of the rows [chunk, chunk+len(pairEnd)) of the batch:
	// row i's are [pairEnd[i-chunk-1], pairEnd[i-chunk]).
	chunk   int
	pairEnd []int
	pairEnt []int32 // entry index of each pair in the other side's list
	matched []bool  // Cond was TRUE for the pair
	scratch []byte
	arena   []byte
}

// sjSide is one input of the join.
type sjSide struct {
	name       string // "left" or "right", for errors
	keys       []int
	schema     *arrow.Schema
	outer      bool // keeps association counts (Flink's OuterJoinRecordStateView)
	insertOnly bool
	store      sjStore
	pad        []byte // the encoding of a row of NULLs
	cache      map[string]*sjList
	pool       []sjList // the lists of the batch (cache points into it)
}

// sjEntry is one distinct row of a (side, key) list.
type sjEntry struct {
	row   []byte
	count int // 0: retracted (dropped when the list is written)
	assoc int // outer side: number of associations
}

// sjList is the rows of one (side, key), decoded for a batch. The input
// side's list of an insert-only input is not decoded: rows are only
// appended to it, so it is written back as the stored bytes (raw) followed
// by the added entries.
type sjList struct {
	kg      uint16
	key     string
	raw     []byte
	entries []sjEntry
	index   map[string]int // row → entry, built for long lists
	dirty   bool
}

// sjIndexMin is the list length from which rows are found by a map rather
// than by comparing them one after the other.
const sjIndexMin = 16

func newStreamJoin(spec JoinSpec) Operator { return &streamJoin{spec: spec} }

func (j *streamJoin) String() string {
	return fmt.Sprintf("Join(joinType=[%s], leftKeys=%v, rightKeys=%v)", j.spec.Type, j.spec.LeftKeys, j.spec.RightKeys)
}

func (j *streamJoin) Open(_ context.Context, rt *RuntimeContext) error {
	s := j.spec
	j.rt = rt
	j.semi = s.Type.Projects()
	j.anti = s.Type == LeftAntiJoin
	if s.Cond != nil && s.Cond.DataType().ID() != arrow.BOOL {
		return fmt.Errorf("join: condition %s is %s, not BOOLEAN", s.Cond, s.Cond.DataType())
	}
	n, err := rt.Config.Int(ConfigBatchSize, DefaultBatchSize)
	if err != nil {
		return err
	}
	j.batchSize = max(n, 1)
	ttl, err := rt.Config.Duration(ConfigStateTTL, 0)
	if err != nil {
		return err
	}
	if ttl < 0 {
		return fmt.Errorf("%s = %v: must not be negative", ConfigStateTTL, ttl)
	}
	leftOuter := s.Type == LeftOuterJoin || s.Type == FullOuterJoin || j.semi
	rightOuter := s.Type == RightOuterJoin || s.Type == FullOuterJoin
	specs := [2]struct {
		name       string
		keys       []int
		schema     *arrow.Schema
		outer      bool
		insertOnly bool
	}{
		{"left", s.LeftKeys, s.Left, leftOuter, s.LeftInsertOnly},
		{"right", s.RightKeys, s.Right, rightOuter, s.RightInsertOnly},
	}
	var condFields []arrow.Field
	var condKinds []rowColKind
	for i, sp := range specs {
		kinds, err := rowColumnKinds("join", sp.schema)
		if err != nil {
			return err
		}
		condFields = append(condFields, sp.schema.Fields()...)
		condKinds = append(condKinds, kinds...)
		st, err := openJoinStore(rt, sp.name+"-records", ttl)
		if err != nil {
			return err
		}
		j.sides[i] = &sjSide{name: sp.name, keys: sp.keys, schema: sp.schema, outer: sp.outer,
			insertOnly: sp.insertOnly, store: st, pad: make([]byte, sp.schema.NumFields())}
	}
	j.condSchema = arrow.NewSchema(condFields, nil)
	j.outSchema = s.OutputSchema()
	outKinds := condKinds
	if j.semi {
		outKinds = condKinds[:s.Left.NumFields()]
	}
	j.outDec = newRowDecoder(rt.Mem, j.outSchema, outKinds)
	if s.Cond != nil {
		j.condDec = newRowDecoder(rt.Mem, j.condSchema, condKinds)
	}
	return nil
}

// sjStore keeps the encoded lists of one side: the keyed state backend in
// a job, a map when the operator runs by hand without one.
type sjStore interface {
	getBatch(kgs []uint16, keys [][]byte, out [][]byte, found []bool) error
	putBatch(kgs []uint16, keys, vals [][]byte) error
	deleteBatch(kgs []uint16, keys [][]byte) error
}

func openJoinStore(rt *RuntimeContext, name string, ttl time.Duration) (sjStore, error) {
	if rt.ckpt == nil {
		return sjMapStore{}, nil
	}
	be, err := rt.KeyedState()
	if err != nil {
		return nil, err
	}
	vs, err := state.NewValueState(be, state.Descriptor[[]byte]{Name: name, Codec: state.BytesCodec{}, TTL: ttl})
	if err != nil {
		return nil, err
	}
	return sjKeyedStore{vs}, nil
}

type sjKeyedStore struct{ vs *state.ValueState[[]byte] }

func (s sjKeyedStore) getBatch(kgs []uint16, keys [][]byte, out [][]byte, found []bool) error {
	return s.vs.GetBatch(kgs, keys, out, found)
}
func (s sjKeyedStore) putBatch(kgs []uint16, keys, vals [][]byte) error {
	return s.vs.PutBatch(kgs, keys, vals)
}
func (s sjKeyedStore) deleteBatch(kgs []uint16, keys [][]byte) error {
	return s.vs.DeleteBatch(kgs, keys)
}

type sjMapStore map[string][]byte

func (s sjMapStore) getBatch(_ []uint16, keys [][]byte, out [][]byte, found []bool) error {
	for i, k := range keys {
		out[i], found[i] = s[string(k)]
	}
	return nil
}
func (s sjMapStore) putBatch(_ []uint16, keys, vals [][]byte) error {
	for i, k := range keys {
		s[string(k)] = bytes.Clone(vals[i])
	}
	return nil
}
func (s sjMapStore) deleteBatch(_ []uint16, keys [][]byte) error {
	for _, k := range keys {
		delete(s, string(k))
	}
	return nil
}

// A list in state: per distinct row, uvarint length and the row (the
// concatenated appendKeyValue of its columns), uvarint count and, on an
// outer side, the zigzag varint number of associations.
func (sd *sjSide) encode(dst []byte, l *sjList) []byte {
	dst = append(dst, l.raw...)
	for _, e := range l.entries {
		if e.count <= 0 {
			continue
		}
		dst = binary.AppendUvarint(dst, uint64(len(e.row)))
		dst = append(dst, e.row...)
		dst = binary.AppendUvarint(dst, uint64(e.count))
		if sd.outer {
			dst = binary.AppendVarint(dst, int64(e.assoc))
		}
	}
	return dst
}

func (sd *sjSide) decode(l *sjList, val []byte) error {
	d := stateDecoder{b: val}
	for len(d.b) > 0 && d.err == nil {
		var e sjEntry
		e.row = d.fixed(int(d.uvarint()))
		e.count = int(d.uvarint())
		if sd.outer {
			v, n := binary.Varint(d.b)
			if n <= 0 {
				d.fail("association count")
				break
			}
			d.b = d.b[n:]
			e.assoc = int(v)
		}
		l.entries = append(l.entries, e)
	}
	if d.err != nil {
		return fmt.Errorf("join: %s rows: %w", sd.name, d.err)
	}
	return nil
}

// find returns the entry holding row, or -1.
func (l *sjList) find(row []byte) int {
	if l.index == nil && len(l.entries) >= sjIndexMin {
		l.index = make(map[string]int, len(l.entries))
		for i, e := range l.entries {
			if e.count > 0 {
				l.index[string(e.row)] = i
			}
		}
	}
	if l.index != nil {
		if i, ok := l.index[string(row)]; ok {
			return i
		}
		return -1
	}
	for i, e := range l.entries {
		if e.count > 0 && bytes.Equal(e.row, row) {
			return i
		}
	}
	return -1
}

// add is addRecord: one more copy of row; on an outer side its number of
// associations becomes assoc (Flink overwrites it for every copy).
func (l *sjList) add(row []byte, assoc int, insertOnly bool) {
	l.dirty = true
	if !insertOnly {
		// An insert-only side never retracts, so its copies need not be
		// merged: each is an entry of its own.
		if i := l.find(row); i >= 0 {
			l.entries[i].count++
			l.entries[i].assoc = assoc
			return
		}
	}
	l.entries = append(l.entries, sjEntry{row: bytes.Clone(row), count: 1, assoc: assoc})
	if l.index != nil {
		l.index[string(row)] = len(l.entries) - 1
	}
}

// retract is retractRecord: one copy less of row, if it is there.
func (l *sjList) retract(row []byte) {
	i := l.find(row)
	if i < 0 {
		return
	}
	l.dirty = true
	l.entries[i].count--
	if l.entries[i].count == 0 && l.index != nil {
		delete(l.index, string(row))
	}
}

func (j *streamJoin) Process(ctx context.Context, input int, b *vectorized.Batch, out Collector) error {
	if input != 0 && input != 1 {
		return fmt.Errorf("join: input %d: a join has inputs 0 (left) and 1 (right)", input)
	}
	in, other := j.sides[input], j.sides[1-input]
	rec := b.Record
	n := int(rec.NumRows())
	if n == 0 {
		return nil
	}
	if err := j.checkSchema(in, rec.Schema()); err != nil {
		return err
	}
	if in.insertOnly {
		if err := insertOnly("join: the "+in.name+" input, declared insert-only,", b); err != nil {
			return err
		}
	}
	cols := rec.Columns()
	if err := j.prepare(in, other, cols, n); err != nil {
		return err
	}
	j.outK = j.outK[:0]
	// Rows are taken in chunks of at most batchSize candidate pairs (or
	// one row), so that the pairs Cond is evaluated over stay bounded;
	// the other side's rows do not change within the batch, so listing a
	// chunk's pairs before processing it is the same as listing them all.
	for a := 0; a < n; {
		end, pairs := a, 0
		for end < n && (end == a || pairs+j.candidates(end) <= j.batchSize) {
			pairs += j.candidates(end)
			end++
		}
		j.listPairs(a, end)
		if err := j.evalCond(ctx, input, a, end); err != nil {
			return err
		}
		for i := a; i < end; i++ {
			if j.semi {
				j.processSemiRow(input, i, b.Kind(i))
			} else {
				j.processRow(input, i, b.Kind(i))
			}
			if len(j.outK) >= j.batchSize {
				if err := j.flush(ctx, out); err != nil {
					return err
				}
			}
		}
		a = end
	}
	if err := j.writeBack(); err != nil {
		return err
	}
	return j.flush(ctx, out)
}

func (j *streamJoin) checkSchema(sd *sjSide, got *arrow.Schema) error {
	if got.NumFields() != sd.schema.NumFields() {
		return fmt.Errorf("join: the %s input has %d columns, the plan expects %d", sd.name, got.NumFields(), sd.schema.NumFields())
	}
	for c, f := range got.Fields() {
		if !arrow.TypeEqual(f.Type, sd.schema.Field(c).Type) {
			return fmt.Errorf("join: column %d of the %s input is %s, the plan expects %s", c, sd.name, f.Type, sd.schema.Field(c).Type)
		}
	}
	return nil
}

// prepare encodes the batch's keys and rows, loads the lists of the
// batch's keys on both sides and lists the candidate pairs.
func (j *streamJoin) prepare(in, other *sjSide, cols []arrow.Array, n int) error {
	keyCols := pickColumns(cols, in.keys)
	j.hashes = growUint64(j.hashes, n)
	if len(keyCols) > 0 {
		vectorized.HashColumns(keyCols, j.hashes)
	} else {
		clear(j.hashes) // no keys: one global key (the planner runs it at parallelism 1)
	}
	j.kgs = j.kgs[:0]
	j.nullKey = j.nullKey[:0]
	j.keyBuf, j.keyEnd = j.keyBuf[:0], j.keyEnd[:0]
	j.rowBuf, j.rowEnd = j.rowBuf[:0], j.rowEnd[:0]
	var rng state.KeyGroupRange
	checkRange := j.rt.ckpt != nil
	if checkRange {
		rng = j.rt.KeyGroups()
	}
	for i := 0; i < n; i++ {
		var kg uint16 // by hand, without a backend, the map store ignores it
		if checkRange {
			kg = j.rt.KeyGroupOf(j.hashes[i])
		}
		if checkRange && !rng.Contains(int(kg)) {
			return fmt.Errorf("join: a %s key of key group %d reached subtask %d, which owns key groups %s: the input is not hash-partitioned by the join keys", in.name, kg, j.rt.Subtask, rng)
		}
		j.kgs = append(j.kgs, kg)
		null := false
		for k, c := range keyCols {
			if c.IsNull(i) && j.spec.filterNull(k) {
				null = true
				break
			}
		}
		j.nullKey = append(j.nullKey, null)
		j.keyBuf = appendRow(j.keyBuf, keyCols, i)
		j.keyEnd = append(j.keyEnd, len(j.keyBuf))
		j.rowBuf = appendRow(j.rowBuf, cols, i)
		j.rowEnd = append(j.rowEnd, len(j.rowBuf))
	}
	for s, sd := range [2]*sjSide{in, other} {
		if sd.cache == nil {
			sd.cache = map[string]*sjList{}
		}
		clear(sd.cache)
		if cap(sd.pool) < n {
			sd.pool = make([]sjList, 0, n) // never grows within the batch: the cache points into it
		}
		sd.pool = sd.pool[:0]
		appendOnly := s == 0 && in.insertOnly
		var kgs []uint16
		var keys [][]byte
		var lists []*sjList
		j.lists[s] = j.lists[s][:0]
		for i := 0; i < n; i++ {
			if j.nullKey[i] {
				j.lists[s] = append(j.lists[s], nil)
				continue
			}
			key := j.key(i)
			l := sd.cache[string(key)]
			if l == nil {
				sd.pool = append(sd.pool, sjList{kg: j.kgs[i], key: string(key)})
				l = &sd.pool[len(sd.pool)-1]
				sd.cache[l.key] = l
				kgs = append(kgs, l.kg)
				keys = append(keys, key)
				lists = append(lists, l)
			}
			j.lists[s] = append(j.lists[s], l)
		}
		if len(keys) == 0 {
			continue
		}
		vals, found := make([][]byte, len(keys)), make([]bool, len(keys))
		if err := sd.store.getBatch(kgs, keys, vals, found); err != nil {
			return fmt.Errorf("join: %s rows: %w", sd.name, err)
		}
		for k, l := range lists {
			if found[k] && appendOnly {
				l.raw = vals[k] // valid until the first write, in writeBack
			} else if found[k] {
				if err := sd.decode(l, vals[k]); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// candidates is the number of rows of the other side row i can meet.
func (j *streamJoin) candidates(i int) int {
	if l := j.lists[1][i]; l != nil {
		return len(l.entries)
	}
	return 0
}

// listPairs lists the candidate pairs of rows [a, b): every live entry of
// the other side's list of the row's key.
func (j *streamJoin) listPairs(a, b int) {
	j.chunk = a
	j.pairEnd, j.pairEnt = j.pairEnd[:0], j.pairEnt[:0]
	for i := a; i < b; i++ {
		if l := j.lists[1][i]; l != nil {
			for e := range l.entries {
				if l.entries[e].count > 0 {
					j.pairEnt = append(j.pairEnt, int32(e))
				}
			}
		}
		j.pairEnd = append(j.pairEnd, len(j.pairEnt))
	}
}

func (j *streamJoin) key(i int) []byte {
	start := 0
	if i > 0 {
		start = j.keyEnd[i-1]
	}
	return j.keyBuf[start:j.keyEnd[i]]
}

func (j *streamJoin) row(i int) []byte {
	start := 0
	if i > 0 {
		start = j.rowEnd[i-1]
	}
	return j.rowBuf[start:j.rowEnd[i]]
}

func (j *streamJoin) pairs(i int) (int, int) {
	i -= j.chunk
	start := 0
	if i > 0 {
		start = j.pairEnd[i-1]
	}
	return start, j.pairEnd[i]
}

// evalCond evaluates Cond over every candidate pair, as one batch of the
// joined rows (left columns, then right columns).
func (j *streamJoin) evalCond(ctx context.Context, input, a, b int) error {
	total := len(j.pairEnt)
	j.matched = j.matched[:0]
	if j.spec.Cond == nil || total == 0 {
		for range total {
			j.matched = append(j.matched, true)
		}
		return nil
	}
	for i := a; i < b; i++ {
		pa, pb := j.pairs(i)
		l := j.lists[1][i]
		for p := pa; p < pb; p++ {
			j.scratch = j.pair(input, j.row(i), l.entries[j.pairEnt[p]].row)
			if err := j.condDec.add(j.scratch); err != nil {
				return err
			}
		}
	}
	cols := j.condDec.finish()
	rec := array.NewRecordBatch(j.condSchema, cols, int64(total))
	releaseAll(cols)
	defer rec.Release()
	var ec *vectorized.EvalContext
	if j.rt.EvalContext != nil {
		ec = j.rt.EvalContext()
	} else {
		ec = vectorized.NewEvalContext(ctx)
		ec.Mem = j.rt.Mem
	}
	ec.Ctx = ctx
	res, err := j.spec.Cond.Eval(ec, rec)
	if err != nil {
		return fmt.Errorf("join condition %s: %w", j.spec.Cond, err)
	}
	defer res.Release()
	mask, ok := res.(*array.Boolean)
	if !ok || mask.Len() != total {
		return fmt.Errorf("join condition %s returned %s of %d rows for %d pairs", j.spec.Cond, res.DataType(), res.Len(), total)
	}
	values := mask.Data().Buffers()[1].Bytes()
	off := mask.Data().Offset()
	for p := 0; p < total; p++ {
		j.matched = append(j.matched, mask.IsValid(p) && bitutil.BitIsSet(values, off+p))
	}
	return nil
}

// pair is the joined row of an input row and a row of the other side, in
// left-then-right order, in j.scratch.
func (j *streamJoin) pair(input int, row, otherRow []byte) []byte {
	if input == 0 {
		return append(append(j.scratch[:0], row...), otherRow...)
	}
	return append(append(j.scratch[:0], otherRow...), row...)
}

// emitPair queues the joined row of an input row and an other-side row.
func (j *streamJoin) emitPair(kind vectorized.RowKind, input int, row, otherRow []byte) {
	j.emitRow(kind, j.pair(input, row, otherRow))
}

// emitPadded queues a row of side s padded with NULLs on the other side.
func (j *streamJoin) emitPadded(kind vectorized.RowKind, s int, row []byte) {
	if s == 0 {
		j.scratch = append(append(j.scratch[:0], row...), j.sides[1].pad...)
	} else {
		j.scratch = append(append(j.scratch[:0], j.sides[0].pad...), row...)
	}
	j.emitRow(kind, j.scratch)
}

func (j *streamJoin) emitRow(kind vectorized.RowKind, row []byte) {
	if err := j.outDec.add(row); err != nil {
		panic(err) // rows are the operator's own encoding
	}
	j.outK = append(j.outK, kind)
}

func accumulates(k vectorized.RowKind) bool {
	return k == vectorized.Insert || k == vectorized.UpdateAfter
}

// processRow is StreamingJoinOperator.processElement for row i of input.
func (j *streamJoin) processRow(input, i int, kind vectorized.RowKind) {
	in, other := j.sides[input], j.sides[1-input]
	own, ol := j.lists[0][i], j.lists[1][i]
	row := j.row(i)
	a, b := j.pairs(i)
	hasMatch := false
	for p := a; p < b; p++ {
		if j.matched[p] {
			hasMatch = true
			break
		}
	}
	// Each matching entry of the other side is met count times; its
	// association count is read once (Flink's iterator hands out one
	// snapshot for all copies of a row) and each copy sets it from that.
	if accumulates(kind) {
		if !in.outer && own != nil {
			own.add(row, 0, in.insertOnly)
		}
		if !hasMatch {
			if in.outer {
				j.emitPadded(vectorized.Insert, input, row)
				if own != nil {
					own.add(row, 0, in.insertOnly)
				}
			}
			return
		}
		outKind := kind
		if in.outer || other.outer {
			outKind = vectorized.Insert
		}
		total := 0
		for p := a; p < b; p++ {
			if !j.matched[p] {
				continue
			}
			e := &ol.entries[j.pairEnt[p]]
			snap := e.assoc
			for range e.count {
				if other.outer {
					if snap == 0 {
						j.emitPadded(vectorized.Delete, 1-input, e.row)
					}
					e.assoc = snap + 1
					ol.dirty = true
				}
				j.emitPair(outKind, input, row, e.row)
				total++
			}
		}
		if in.outer {
			own.add(row, total, in.insertOnly)
		}
		return
	}
	if own != nil {
		own.retract(row)
	}
	if !hasMatch {
		if in.outer {
			j.emitPadded(vectorized.Delete, input, row)
		}
		return
	}
	outKind := kind
	if in.outer {
		outKind = vectorized.Delete
	}
	for p := a; p < b; p++ {
		if !j.matched[p] {
			continue
		}
		e := &ol.entries[j.pairEnt[p]]
		snap := e.assoc
		for range e.count {
			j.emitPair(outKind, input, row, e.row)
			if other.outer {
				if snap == 1 {
					j.emitPadded(vectorized.Insert, 1-input, e.row)
				}
				e.assoc = snap - 1
				ol.dirty = true
			}
		}
	}
}

// processSemiRow is StreamingSemiAntiJoinOperator's processElement1 (a
// left row) and processElement2 (a right row) for row i of input.
func (j *streamJoin) processSemiRow(input, i int, kind vectorized.RowKind) {
	own, ol := j.lists[0][i], j.lists[1][i]
	row := j.row(i)
	a, b := j.pairs(i)
	if input == 0 {
		// The left row itself, with its own kind, when it has a match
		// (semi) or none (anti).
		total := 0
		for p := a; p < b; p++ {
			if j.matched[p] {
				total += ol.entries[j.pairEnt[p]].count
			}
		}
		if (total == 0) == j.anti {
			j.emitRow(kind, row)
		}
		if own == nil {
			return
		}
		if accumulates(kind) {
			own.add(row, total, j.sides[0].insertOnly)
		} else {
			own.retract(row)
		}
		return
	}
	acc := accumulates(kind)
	if own != nil {
		if acc {
			own.add(row, 0, j.sides[1].insertOnly)
		} else {
			own.retract(row)
		}
	}
	for p := a; p < b; p++ {
		if !j.matched[p] {
			continue
		}
		e := &ol.entries[j.pairEnt[p]]
		snap := e.assoc
		for range e.count {
			switch {
			case acc && snap == 0 && j.anti:
				j.emitRow(vectorized.Delete, e.row)
			case acc && snap == 0:
				j.emitRow(kind, e.row)
			case !acc && snap == 1 && j.anti:
				j.emitRow(vectorized.Insert, e.row)
			case !acc && snap == 1:
				j.emitRow(kind, e.row)
			}
			if acc {
				e.assoc = snap + 1
			} else {
				e.assoc = snap - 1
			}
			ol.dirty = true
		}
	}
}

// writeBack stores the lists the batch changed: all are encoded before
// the first write, as the values read stay valid only until then.
func (j *streamJoin) writeBack() error {
	for _, sd := range j.sides {
		var pkgs, dkgs []uint16
		var pkeys, pvals, dkeys [][]byte
		// The backends copy what they store, so the encoding arena is
		// reused from batch to batch.
		arena := j.arena[:0]
		var ends []int
		for _, l := range sd.cache {
			if !l.dirty {
				continue
			}
			start := len(arena)
			arena = sd.encode(arena, l)
			if len(arena) == start {
				dkgs = append(dkgs, l.kg)
				dkeys = append(dkeys, []byte(l.key))
				continue
			}
			pkgs = append(pkgs, l.kg)
			pkeys = append(pkeys, []byte(l.key))
			ends = append(ends, len(arena))
		}
		start := 0
		for _, e := range ends {
			pvals = append(pvals, arena[start:e:e])
			start = e
		}
		j.arena = arena
		clear(sd.cache)
		clear(sd.pool) // drop the references to rows and stored values
		if len(dkeys) > 0 {
			if err := sd.store.deleteBatch(dkgs, dkeys); err != nil {
				return fmt.Errorf("join: %s rows: %w", sd.name, err)
			}
		}
		if len(pkeys) > 0 {
			if err := sd.store.putBatch(pkgs, pkeys, pvals); err != nil {
				return fmt.Errorf("join: %s rows: %w", sd.name, err)
			}
		}
	}
	return nil
}

func (j *streamJoin) flush(ctx context.Context, out Collector) error {
	if len(j.outK) == 0 {
		return nil
	}
	err := emitRows(ctx, out, j.outSchema, j.outDec.finish(), j.outK)
	j.outK = j.outK[:0]
	return err
}

func (j *streamJoin) EndInput(context.Context, Collector) error { return nil }

func (j *streamJoin) Close() error {
	if j.outDec != nil {
		j.outDec.release()
	}
	if j.condDec != nil {
		j.condDec.release()
	}
	return nil
}
