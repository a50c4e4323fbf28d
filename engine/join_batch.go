package engine

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/decimal256"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-stream/sluice/vectorized"
)

// Configuration of the batch hash join.
const (
	// ConfigHashJoinMemory is the memory a batch hash join buffers before
	// it spills to disk: Flink's table.exec.resource.hash-join.memory, a
	// MemorySize ("128mb").
	ConfigHashJoinMemory = "table.exec.resource.hash-join.memory"
	// DefaultHashJoinMemory is Flink's default of that key.
	DefaultHashJoinMemory = 128 << 20
)

// batchJoin is the batch runtime of a regular join (Flink's batch
// HashJoin): both inputs are buffered as they arrive — the engine has no
// input selection, so either may end first — and joined at EndInput. The
// smaller side is hashed into an open-addressing table over its row
// indexes (the build side) and the other side probes it a batch at a
// time: hashes and key comparisons run column by column in typed loops,
// Cond runs over the gathered candidate pairs, and output columns are
// gathered with typed take loops. Either side may build for every join
// type: a bitmap of build rows that matched gives the outer join's padded
// build rows and the semi/anti join's output when the left side built.
//
// Past the memory budget both sides are hash-partitioned to Arrow IPC
// files (a grace hash join, spill.go) and joined partition by partition;
// a partition whose build side is still too large is partitioned again
// on further bits of the hash.
type batchJoin struct {
	spec JoinSpec
	rt   *RuntimeContext
	mem  memory.Allocator

	batchLen int
	budget   int64
	// joined is the schema Cond is evaluated over: left then right
	// columns as the inputs declare them.
	joined *arrow.Schema
	out    *arrow.Schema

	sides [2][]arrow.RecordBatch
	bytes [2]int64
	spill *hjSpiller
}

func newBatchJoin(spec JoinSpec) Operator { return &batchJoin{spec: spec} }

func (j *batchJoin) String() string {
	return fmt.Sprintf("HashJoin(joinType=[%s], leftKeys=%v, rightKeys=%v)", j.spec.Type, j.spec.LeftKeys, j.spec.RightKeys)
}

func (j *batchJoin) Open(_ context.Context, rt *RuntimeContext) error {
	n, err := rt.Config.Int(ConfigBatchSize, DefaultBatchSize)
	if err != nil {
		return err
	}
	j.rt, j.mem, j.batchLen = rt, rt.Mem, max(n, 1)
	if j.mem == nil {
		j.mem = memory.DefaultAllocator
	}
	j.budget = j.spec.MemoryBudget
	if j.budget <= 0 {
		j.budget = DefaultHashJoinMemory
		if v, ok := rt.Config[ConfigHashJoinMemory]; ok {
			b, err := ParseMemorySize(v)
			if err != nil {
				return fmt.Errorf("config %s = %q: %w", ConfigHashJoinMemory, v, err)
			}
			if b < 1 {
				return fmt.Errorf("config %s = %q: must be at least 1 byte", ConfigHashJoinMemory, v)
			}
			j.budget = b
		}
	}
	fs := append(append([]arrow.Field{}, j.spec.Left.Fields()...), j.spec.Right.Fields()...)
	j.joined = arrow.NewSchema(fs, nil)
	j.out = j.spec.OutputSchema()
	return nil
}

func (j *batchJoin) Process(_ context.Context, input int, b *vectorized.Batch, _ Collector) error {
	if input != 0 && input != 1 {
		return fmt.Errorf("join: input %d; a join has inputs 0 and 1", input)
	}
	if err := insertOnly("a batch join", b); err != nil {
		return err
	}
	rec := b.Record
	if rec.NumRows() == 0 {
		return nil
	}
	want := j.spec.Left
	if input == 1 {
		want = j.spec.Right
	}
	if int(rec.NumCols()) != want.NumFields() {
		return fmt.Errorf("join: input %d has %d columns, the plan expects %d", input, rec.NumCols(), want.NumFields())
	}
	for c := 0; c < want.NumFields(); c++ {
		if !arrow.TypeEqual(rec.Column(c).DataType(), want.Field(c).Type) {
			return fmt.Errorf("join: column %d of input %d is %s, the plan expects %s", c, input, rec.Column(c).DataType(), want.Field(c).Type)
		}
	}
	if j.spill != nil {
		return j.spill.add(input, rec)
	}
	rec.Retain()
	j.sides[input] = append(j.sides[input], rec)
	j.bytes[input] += int64(vectorized.RecordBytes(rec))
	if j.bytes[0]+j.bytes[1] > j.budget {
		return j.startSpill()
	}
	return nil
}

// startSpill moves everything buffered so far into partition files; later
// batches go straight to them.
func (j *batchJoin) startSpill() error {
	sp, err := hjNewSpiller(j.mem, j.spec, j.spec.SpillDir, 0)
	if err != nil {
		return err
	}
	j.spill = sp
	for side := range j.sides {
		for i, rec := range j.sides[side] {
			err := sp.add(side, rec)
			rec.Release()
			j.sides[side][i] = nil
			if err != nil {
				return err
			}
		}
		j.sides[side], j.bytes[side] = nil, 0
	}
	return nil
}

func (j *batchJoin) EndInput(ctx context.Context, out Collector) error {
	if j.spill == nil {
		left, right := j.sides[0], j.sides[1]
		j.sides = [2][]arrow.RecordBatch{}
		defer hjReleaseRecs(left)
		defer hjReleaseRecs(right)
		return j.joinRun(ctx, hjMemRun(left), hjMemRun(right), j.bytes[0], j.bytes[1], out)
	}
	sp := j.spill
	if err := sp.finish(); err != nil {
		return err
	}
	return j.joinSpilled(ctx, sp, out)
}

// joinSpilled joins the partitions of sp one by one, partitioning again
// those whose build side alone exceeds the budget.
func (j *batchJoin) joinSpilled(ctx context.Context, sp *hjSpiller, out Collector) error {
	for p := range sp.parts {
		l, r := &sp.parts[p][0], &sp.parts[p][1]
		build := min(l.bytes, r.bytes)
		if build > j.budget && len(j.spec.LeftKeys) > 0 && sp.level+1 < spillMaxLevels {
			sub, err := hjNewSpiller(j.mem, j.spec, sp.dir, sp.level+1)
			if err != nil {
				return err
			}
			err = sp.repartition(p, sub)
			if err == nil {
				err = sub.finish()
			}
			if err == nil {
				err = j.joinSpilled(ctx, sub, out)
			}
			if cerr := sub.close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
			continue
		}
		// Beyond the last level (or without keys, where every row hashes
		// alike) the partition is joined in memory regardless: the keys
		// of a partition that big are mostly one value, which no further
		// partitioning separates.
		if err := j.joinRun(ctx, l.open(j.mem), r.open(j.mem), l.bytes, r.bytes, out); err != nil {
			return err
		}
		sp.drop(p)
	}
	return nil
}

func (j *batchJoin) Close() error {
	for s := range j.sides {
		hjReleaseRecs(j.sides[s])
		j.sides[s] = nil
	}
	if j.spill != nil {
		err := j.spill.close()
		j.spill = nil
		return err
	}
	return nil
}

func hjReleaseRecs(recs []arrow.RecordBatch) {
	for _, r := range recs {
		if r != nil {
			r.Release()
		}
	}
}

// hjRun is one side of a join run: its batches, in memory or in a file.
// each calls f with every batch, lent for the call.
type hjRun interface {
	each(f func(arrow.RecordBatch) error) error
}

type hjMemRun []arrow.RecordBatch

func (m hjMemRun) each(f func(arrow.RecordBatch) error) error {
	for _, r := range m {
		if err := f(r); err != nil {
			return err
		}
	}
	return nil
}

// joinRun joins two inputs whose build side fits in memory: the side
// with fewer bytes builds.
func (j *batchJoin) joinRun(ctx context.Context, left, right hjRun, lbytes, rbytes int64, out Collector) error {
	buildLeft := lbytes < rbytes
	build, probe := right, left
	if buildLeft {
		build, probe = left, right
	}
	var recs []arrow.RecordBatch
	err := build.each(func(r arrow.RecordBatch) error {
		r.Retain()
		recs = append(recs, r)
		return nil
	})
	defer hjReleaseRecs(recs)
	if err != nil {
		return err
	}
	jr, err := j.newJoinRunner(ctx, recs, buildLeft, out)
	if err != nil {
		return err
	}
	defer jr.release()
	// The build batches are concatenated: release them early.
	hjReleaseRecs(recs)
	recs = nil
	if err := probe.each(jr.probe); err != nil {
		return err
	}
	return jr.finish()
}

// hjJoinRunner joins probe batches against one build side.
type hjJoinRunner struct {
	j   *batchJoin
	ctx context.Context
	out Collector

	buildLeft bool
	// build holds the build side's columns, concatenated.
	build     []arrow.Array
	buildN    int
	buildKeys []arrow.Array
	probeKeys []int // key columns of the probe side
	nullEq    []bool
	tab       hjJoinTable

	// What the join type asks of each side.
	emitPairs    bool // inner and outer joins output matched pairs
	padProbe     bool // unmatched probe rows are output, padded
	padBuild     bool // unmatched build rows are output, padded
	semiProbe    bool // matched probe rows are output once (semi, left probes)
	antiProbe    bool // unmatched probe rows are output (anti, left probes)
	semiBuild    bool // matched build rows are output (semi, left builds)
	antiBuild    bool // unmatched build rows are output (anti, left builds)
	trackBuild   bool
	buildMatched []bool
	probeMatched []bool
	ph           []uint64
	skip         []bool
	pi, bi       []int32
	ok           []bool
	pairLimit    int
}

func (j *batchJoin) newJoinRunner(ctx context.Context, recs []arrow.RecordBatch, buildLeft bool, out Collector) (*hjJoinRunner, error) {
	jr := &hjJoinRunner{j: j, ctx: ctx, out: out, buildLeft: buildLeft}
	schema, bkeys, pkeys := j.spec.Right, j.spec.RightKeys, j.spec.LeftKeys
	if buildLeft {
		schema, bkeys, pkeys = j.spec.Left, j.spec.LeftKeys, j.spec.RightKeys
	}
	jr.probeKeys = pkeys
	for i := range bkeys {
		jr.nullEq = append(jr.nullEq, !j.spec.filterNull(i))
	}
	n := 0
	for _, r := range recs {
		n += int(r.NumRows())
	}
	if n > math.MaxInt32 {
		return nil, fmt.Errorf("join: %d build rows; a build side holds at most %d", n, math.MaxInt32)
	}
	jr.buildN = n
	jr.build = make([]arrow.Array, schema.NumFields())
	for c := range jr.build {
		a, err := hjConcatColumn(j.mem, schema.Field(c).Type, recs, c)
		if err != nil {
			jr.release()
			return nil, err
		}
		jr.build[c] = a
	}
	for _, k := range bkeys {
		jr.buildKeys = append(jr.buildKeys, jr.build[k])
	}

	t := j.spec.Type
	jr.emitPairs = !t.Projects()
	switch t {
	case LeftOuterJoin:
		jr.padProbe, jr.padBuild = !buildLeft, buildLeft
	case RightOuterJoin:
		jr.padProbe, jr.padBuild = buildLeft, !buildLeft
	case FullOuterJoin:
		jr.padProbe, jr.padBuild = true, true
	case LeftSemiJoin:
		jr.semiProbe, jr.semiBuild = !buildLeft, buildLeft
	case LeftAntiJoin:
		jr.antiProbe, jr.antiBuild = !buildLeft, buildLeft
	}
	jr.trackBuild = jr.padBuild || jr.semiBuild || jr.antiBuild
	if jr.trackBuild {
		jr.buildMatched = make([]bool, n)
	}
	// Candidate pairs are produced a chunk at a time so a many-to-many key
	// (or a nested loop) never holds its whole product.
	jr.pairLimit = max(j.batchLen, 4096)

	hashes := make([]uint64, n)
	vectorized.HashColumns(jr.buildKeys, hashes)
	skip := hjNullKeyRows(jr.buildKeys, jr.nullEq, n, nil)
	jr.tab.build(hashes, skip)
	return jr, nil
}

// hjConcatColumn concatenates column c of recs (an empty array of dt when
// there are none).
func hjConcatColumn(mem memory.Allocator, dt arrow.DataType, recs []arrow.RecordBatch, c int) (arrow.Array, error) {
	switch len(recs) {
	case 0:
		return array.MakeArrayOfNull(mem, dt, 0), nil
	case 1:
		a := recs[0].Column(c)
		a.Retain()
		return a, nil
	}
	arrs := make([]arrow.Array, len(recs))
	for i, r := range recs {
		arrs[i] = r.Column(c)
	}
	a, err := array.Concatenate(arrs, mem)
	if err != nil {
		return nil, fmt.Errorf("join: build side column %d: %w", c, err)
	}
	return a, nil
}

// hjNullKeyRows marks the rows with a NULL in a key that does not match
// NULLs: they never match. It returns nil when no row is marked.
func hjNullKeyRows(keys []arrow.Array, nullEq []bool, n int, skip []bool) []bool {
	var out []bool
	for k, c := range keys {
		if nullEq[k] || c.NullN() == 0 {
			continue
		}
		if out == nil {
			out = grow(skip, n)
			clear(out)
		}
		for i := 0; i < n; i++ {
			if c.IsNull(i) {
				out[i] = true
			}
		}
	}
	return out
}

func (jr *hjJoinRunner) release() {
	for _, a := range jr.build {
		if a != nil {
			a.Release()
		}
	}
	jr.build = nil
}

// probe joins one batch of the probe side.
func (jr *hjJoinRunner) probe(rec arrow.RecordBatch) error {
	n := int(rec.NumRows())
	if n == 0 {
		return nil
	}
	keys := make([]arrow.Array, len(jr.probeKeys))
	for i, k := range jr.probeKeys {
		keys[i] = rec.Column(k)
	}
	jr.ph = grow(jr.ph, n)
	vectorized.HashColumns(keys, jr.ph)
	skip := hjNullKeyRows(keys, jr.nullEq, n, jr.skip)
	if skip != nil {
		jr.skip = skip
	}
	needProbe := jr.padProbe || jr.semiProbe || jr.antiProbe
	if needProbe {
		jr.probeMatched = grow(jr.probeMatched, n)
		clear(jr.probeMatched)
	}
	var st hjProbeState
	for st.row < n {
		jr.pi, jr.bi = jr.tab.probe(jr.ph, skip, &st, jr.pi[:0], jr.bi[:0], jr.pairLimit)
		if len(jr.pi) == 0 {
			continue
		}
		if err := jr.matchPairs(rec, keys); err != nil {
			return err
		}
		for _, p := range jr.pi {
			if needProbe {
				jr.probeMatched[p] = true
			}
		}
		if jr.trackBuild {
			for _, b := range jr.bi {
				jr.buildMatched[b] = true
			}
		}
		if jr.emitPairs {
			if err := jr.emitPairRows(rec); err != nil {
				return err
			}
		}
	}
	if needProbe {
		// Rows to output: the matched ones for semi, the rest otherwise.
		want := jr.semiProbe
		idx := jr.pi[:0]
		for i, m := range jr.probeMatched[:n] {
			if m == want {
				idx = append(idx, int32(i))
			}
		}
		jr.pi = idx
		return jr.emitOneSide(rec.Columns(), !jr.buildLeft, idx)
	}
	return nil
}

// matchPairs keeps the candidate pairs (jr.pi, jr.bi) whose keys are
// equal and whose Cond is TRUE.
func (jr *hjJoinRunner) matchPairs(rec arrow.RecordBatch, keys []arrow.Array) error {
	m := len(jr.pi)
	if len(keys) > 0 {
		jr.ok = grow(jr.ok, m)
		for i := range jr.ok {
			jr.ok[i] = true
		}
		for k := range keys {
			hjKeysEqual(keys[k], jr.buildKeys[k], jr.pi, jr.bi, jr.ok, jr.nullEq[k])
		}
		jr.compact()
	}
	if jr.j.spec.Cond == nil || len(jr.pi) == 0 {
		return nil
	}
	li, ri := jr.pi, jr.bi
	lcols, rcols := rec.Columns(), jr.build
	if jr.buildLeft {
		li, ri = jr.bi, jr.pi
		lcols, rcols = jr.build, rec.Columns()
	}
	cand, err := jr.gatherJoined(lcols, rcols, li, ri, jr.j.joined)
	if err != nil {
		return err
	}
	defer cand.Release()
	ec := jr.j.evalContext(jr.ctx)
	res, err := jr.j.spec.Cond.Eval(ec, cand)
	if err != nil {
		return fmt.Errorf("join condition %s: %w", jr.j.spec.Cond, err)
	}
	defer res.Release()
	b, isBool := res.(*array.Boolean)
	if !isBool {
		return fmt.Errorf("join condition %s is %s, not BOOLEAN", jr.j.spec.Cond, res.DataType())
	}
	jr.ok = grow(jr.ok, len(jr.pi))
	for i := range jr.ok {
		jr.ok[i] = b.IsValid(i) && b.Value(i)
	}
	jr.compact()
	return nil
}

func (j *batchJoin) evalContext(ctx context.Context) *vectorized.EvalContext {
	if j.rt != nil && j.rt.EvalContext != nil {
		return j.rt.EvalContext()
	}
	ec := vectorized.NewEvalContext(ctx)
	ec.Mem = j.mem
	return ec
}

// compact keeps the pairs whose jr.ok is set.
func (jr *hjJoinRunner) compact() {
	w := 0
	for k, keep := range jr.ok[:len(jr.pi)] {
		if keep {
			jr.pi[w], jr.bi[w] = jr.pi[k], jr.bi[k]
			w++
		}
	}
	jr.pi, jr.bi = jr.pi[:w], jr.bi[:w]
}

// gatherJoined builds a record of schema from the rows li of lcols and ri
// of rcols (lcols then rcols, column by column).
func (jr *hjJoinRunner) gatherJoined(lcols, rcols []arrow.Array, li, ri []int32, schema *arrow.Schema) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, 0, len(lcols)+len(rcols))
	release := func() {
		for _, c := range cols {
			c.Release()
		}
	}
	for _, c := range lcols {
		a, err := takeArray(jr.ctx, jr.j.mem, c, li)
		if err != nil {
			release()
			return nil, err
		}
		cols = append(cols, a)
	}
	for _, c := range rcols {
		a, err := takeArray(jr.ctx, jr.j.mem, c, ri)
		if err != nil {
			release()
			return nil, err
		}
		cols = append(cols, a)
	}
	rec := array.NewRecordBatch(schema, cols, int64(len(li)))
	release()
	return rec, nil
}

// emitPairRows outputs the matched pairs, at most batchLen rows a batch.
func (jr *hjJoinRunner) emitPairRows(rec arrow.RecordBatch) error {
	for lo := 0; lo < len(jr.pi); lo += jr.j.batchLen {
		hi := min(lo+jr.j.batchLen, len(jr.pi))
		li, ri := jr.pi[lo:hi], jr.bi[lo:hi]
		lcols, rcols := rec.Columns(), jr.build
		if jr.buildLeft {
			li, ri = ri, li
			lcols, rcols = rcols, lcols
		}
		outRec, err := jr.gatherJoined(lcols, rcols, li, ri, jr.j.out)
		if err != nil {
			return err
		}
		err = jr.emit(outRec)
		if err != nil {
			return err
		}
	}
	return nil
}

// emitOneSide outputs rows idx of cols, which are the left side's columns
// when left is set: padded with NULLs for the other side, unless the join
// outputs only the left columns.
func (jr *hjJoinRunner) emitOneSide(cols []arrow.Array, left bool, idx []int32) error {
	spec := jr.j.spec
	for lo := 0; lo < len(idx); lo += jr.j.batchLen {
		hi := min(lo+jr.j.batchLen, len(idx))
		part := idx[lo:hi]
		out := make([]arrow.Array, 0, jr.j.out.NumFields())
		nulls := func(s *arrow.Schema) {
			for _, f := range s.Fields() {
				out = append(out, array.MakeArrayOfNull(jr.j.mem, f.Type, len(part)))
			}
		}
		if !left {
			nulls(spec.Left)
		}
		for _, c := range cols {
			a, err := takeArray(jr.ctx, jr.j.mem, c, part)
			if err != nil {
				for _, x := range out {
					x.Release()
				}
				return err
			}
			out = append(out, a)
		}
		if left && !spec.Type.Projects() {
			nulls(spec.Right)
		}
		rec := array.NewRecordBatch(jr.j.out, out, int64(len(part)))
		for _, x := range out {
			x.Release()
		}
		if err := jr.emit(rec); err != nil {
			return err
		}
	}
	return nil
}

func (jr *hjJoinRunner) emit(rec arrow.RecordBatch) error {
	b := vectorized.NewBatch(rec)
	defer b.Release()
	return jr.out.Collect(jr.ctx, b)
}

// finish outputs the build rows the join type asks for once every probe
// row went by.
func (jr *hjJoinRunner) finish() error {
	if !jr.trackBuild {
		return nil
	}
	var idx []int32
	for i, m := range jr.buildMatched {
		if m == jr.semiBuild {
			idx = append(idx, int32(i))
		}
	}
	return jr.emitOneSide(jr.build, jr.buildLeft, idx)
}

// hjJoinTable is an open-addressing hash table over build row indexes. A
// slot holds a full 64-bit hash and the first build row with it; rows
// sharing a hash are chained through next, in build order, and a slot
// without a chain is never followed into next (one memory access for a
// unique key).
type hjJoinTable struct {
	slots []hjJoinSlot
	mask  uint64
	next  []int32 // next row with the same hash, +1; 0 ends the chain
}

type hjJoinSlot struct {
	h     uint64
	head  int32 // first build row + 1; 0 is an empty slot
	multi bool  // the chain has more than one row
}

// build inserts every row not marked in skip.
func (t *hjJoinTable) build(hashes []uint64, skip []bool) {
	n := len(hashes)
	c := 16
	for c < 2*n {
		c *= 2
	}
	t.slots = make([]hjJoinSlot, c)
	t.mask = uint64(c - 1)
	t.next = make([]int32, n)
	// Backwards, so that each chain lists its rows in build order.
	for r := n - 1; r >= 0; r-- {
		if skip != nil && skip[r] {
			continue
		}
		h := hashes[r]
		for s := h & t.mask; ; s = (s + 1) & t.mask {
			sl := &t.slots[s]
			if sl.head == 0 {
				sl.h, sl.head = h, int32(r+1)
				break
			}
			if sl.h == h {
				t.next[r] = sl.head
				sl.head, sl.multi = int32(r+1), true
				break
			}
		}
	}
}

// hjProbeState is where a probe of one batch stopped: at row `row`, and
// within its chain at build row cur-1 (0: the row's lookup is still to
// do).
type hjProbeState struct {
	row int
	cur int32
}

// probe appends candidate pairs (probe row, build row) whose hashes are
// equal to pi and bi, until limit pairs or the end of the batch.
func (t *hjJoinTable) probe(ph []uint64, skip []bool, st *hjProbeState, pi, bi []int32, limit int) ([]int32, []int32) {
	slots, mask, next := t.slots, t.mask, t.next
	n := len(ph)
	for st.row < n && len(pi) < limit {
		i := st.row
		b := st.cur
		if b == 0 {
			if skip != nil && skip[i] {
				st.row++
				continue
			}
			h := ph[i]
			multi := false
			for s := h & mask; ; s = (s + 1) & mask {
				sl := &slots[s]
				if sl.head == 0 {
					break
				}
				if sl.h == h {
					b, multi = sl.head, sl.multi
					break
				}
			}
			if b == 0 {
				st.row++
				continue
			}
			if !multi {
				pi = append(pi, int32(i))
				bi = append(bi, b-1)
				st.row++
				continue
			}
		}
		for b != 0 && len(pi) < limit {
			pi = append(pi, int32(i))
			bi = append(bi, b-1)
			b = next[b-1]
		}
		st.cur = b
		if b == 0 {
			st.row++
		}
	}
	return pi, bi
}

// hjSpillTempDir is where spill files go when the spec names no directory.
func hjSpillTempDir(dir string) string {
	if dir == "" {
		return os.TempDir()
	}
	return dir
}

// hjKeysEqual clears ok[k] where value pi[k] of the probe column p differs
// from value bi[k] of the build column b: by their bits for fixed-width
// types (the hash's equality, Flink's binary-row key comparison), by
// their bytes for strings, by their key encoding otherwise. NULL equals
// NULL only when nullEq.
func hjKeysEqual(p, b arrow.Array, pi, bi []int32, ok []bool, nullEq bool) {
	if p.NullN() > 0 || b.NullN() > 0 {
		for k := range pi {
			pn, bn := p.IsNull(int(pi[k])), b.IsNull(int(bi[k]))
			if pn || bn {
				if !(nullEq && pn && bn) {
					ok[k] = false
				}
			}
		}
	}
	// Pairs with a NULL compare their (arbitrary) value slots below: a
	// NULL pair that should match was already decided and must stay.
	nulls := p.NullN() > 0 || b.NullN() > 0
	switch p.DataType().ID() {
	case arrow.INT8, arrow.UINT8:
		hjEqFixed[uint8](p, b, pi, bi, ok, nulls)
	case arrow.INT16, arrow.UINT16, arrow.FLOAT16:
		hjEqFixed[uint16](p, b, pi, bi, ok, nulls)
	case arrow.INT32, arrow.UINT32, arrow.FLOAT32, arrow.DATE32, arrow.TIME32, arrow.INTERVAL_MONTHS, arrow.DECIMAL32:
		hjEqFixed[uint32](p, b, pi, bi, ok, nulls)
	case arrow.INT64, arrow.UINT64, arrow.FLOAT64, arrow.DATE64, arrow.TIME64, arrow.TIMESTAMP, arrow.DURATION,
		arrow.DECIMAL64, arrow.INTERVAL_DAY_TIME:
		hjEqFixed[uint64](p, b, pi, bi, ok, nulls)
	case arrow.DECIMAL128, arrow.INTERVAL_MONTH_DAY_NANO:
		hjEqFixed[decimal128.Num](p, b, pi, bi, ok, nulls)
	case arrow.DECIMAL256:
		hjEqFixed[decimal256.Num](p, b, pi, bi, ok, nulls)
	case arrow.STRING, arrow.LARGE_STRING, arrow.BINARY, arrow.LARGE_BINARY, arrow.FIXED_SIZE_BINARY,
		arrow.STRING_VIEW, arrow.BINARY_VIEW:
		pc, bc := newBinaryColumn(p), newBinaryColumn(b)
		for k := range pi {
			if ok[k] && !(nulls && p.IsNull(int(pi[k]))) && !bytes.Equal(pc.value(int(pi[k])), bc.value(int(bi[k]))) {
				ok[k] = false
			}
		}
	case arrow.BOOL:
		pa, ba := p.(*array.Boolean), b.(*array.Boolean)
		for k := range pi {
			if ok[k] && !(nulls && p.IsNull(int(pi[k]))) && pa.Value(int(pi[k])) != ba.Value(int(bi[k])) {
				ok[k] = false
			}
		}
	default:
		var pk, bk []byte
		for k := range pi {
			if !ok[k] {
				continue
			}
			pk = appendKeyValue(pk[:0], p, int(pi[k]))
			bk = appendKeyValue(bk[:0], b, int(bi[k]))
			if !bytes.Equal(pk, bk) {
				ok[k] = false
			}
		}
	}
}

func hjEqFixed[T fixedWidth](p, b arrow.Array, pi, bi []int32, ok []bool, nulls bool) {
	pv, bv := arrow.GetValues[T](p.Data(), 1), arrow.GetValues[T](b.Data(), 1)
	if !nulls {
		for k, i := range pi {
			if pv[i] != bv[bi[k]] {
				ok[k] = false
			}
		}
		return
	}
	for k, i := range pi {
		if ok[k] && p.IsValid(int(i)) && pv[i] != bv[bi[k]] {
			ok[k] = false
		}
	}
}
