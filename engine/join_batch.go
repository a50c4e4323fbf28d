package engine

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"runtime"
	"sync"

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
	// ConfigHashJoinProbeThreads is how many goroutines of one batch join
	// instance probe its hash table; by default GOMAXPROCS divided by the
	// operator's parallelism (the cores its share leaves it).
	ConfigHashJoinProbeThreads = "sluice.exec.hash-join.probe-threads"
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

	batchLen   int
	batchBytes int // sluice.exec.batch-bytes
	budget     int64
	// joined is the schema Cond is evaluated over: left then right
	// columns as the inputs declare them.
	joined *arrow.Schema
	out    *arrow.Schema

	probeThreads int // 0: by GOMAXPROCS

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
	if j.batchBytes, err = BatchBytes(rt.Config); err != nil {
		return err
	}
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
	if j.probeThreads, err = rt.Config.Int(ConfigHashJoinProbeThreads, 0); err != nil {
		return err
	}
	if j.probeThreads < 0 {
		return fmt.Errorf("config %s = %d: must be at least 1 (or 0 for one per core)", ConfigHashJoinProbeThreads, j.probeThreads)
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
	defer func() { hjReleaseRecs(recs) }()
	err := build.each(func(r arrow.RecordBatch) error {
		r.Retain()
		recs = append(recs, r)
		return nil
	})
	if err != nil {
		return err
	}
	jr, err := j.newJoinRunner(ctx, recs, buildLeft)
	if err != nil {
		return err
	}
	defer jr.release()
	// The build batches are concatenated: release them early.
	hjReleaseRecs(recs)
	recs = nil
	emit := func(rec arrow.RecordBatch) error {
		b := vectorized.NewBatch(rec)
		defer b.Release()
		return out.Collect(ctx, b)
	}
	if workers := j.probeWorkers(); workers > 1 {
		err = jr.probeParallel(probe, workers, emit)
	} else {
		pr := jr.newProber(jr.buildMatched)
		err = probe.each(func(rec arrow.RecordBatch) error { return pr.probe(rec, j.evalContext(ctx), emit) })
	}
	if err != nil {
		return err
	}
	return jr.finish(emit)
}

// probeWorkers is how many goroutines probe: the configured number, by
// default the cores this subtask's share of GOMAXPROCS leaves it.
func (j *batchJoin) probeWorkers() int {
	if j.probeThreads > 0 {
		return j.probeThreads
	}
	par := 1
	if j.rt != nil && j.rt.Parallelism > 1 {
		par = j.rt.Parallelism
	}
	return max(1, runtime.GOMAXPROCS(0)/par)
}

// hjOut is an output batch of a probe worker, or its error.
type hjOut struct {
	rec arrow.RecordBatch
	err error
}

// probeParallel probes with several goroutines, a probe batch each at a
// time. Outputs are emitted from the calling goroutine (collectors are
// not safe for concurrent use) in the order of the probe batches, each
// job's batches through a small channel: a worker whose output waits
// blocks, so memory stays bounded however many rows a batch produces.
func (jr *hjJoinRunner) probeParallel(probe hjRun, workers int, emit func(arrow.RecordBatch) error) error {
	type job struct {
		rec arrow.RecordBatch
		ec  *vectorized.EvalContext
		out chan hjOut
	}
	jobs := make(chan job, workers)
	var wg sync.WaitGroup
	probers := make([]*hjProber, workers)
	for w := range probers {
		var matched []bool
		if jr.trackBuild {
			matched = make([]bool, jr.buildN)
		}
		pr := jr.newProber(matched)
		probers[w] = pr
		wg.Add(1)
		go func() {
			defer wg.Done()
			for jb := range jobs {
				err := func() (err error) {
					defer func() {
						if r := recover(); r != nil {
							err = fmt.Errorf("join: probe worker panicked: %v", r)
						}
					}()
					return pr.probe(jb.rec, jb.ec, func(rec arrow.RecordBatch) error {
						jb.out <- hjOut{rec: rec}
						return nil
					})
				}()
				jb.rec.Release()
				if err != nil {
					jb.out <- hjOut{err: err}
				}
				close(jb.out)
			}
		}()
	}
	var pending []chan hjOut
	var firstErr error
	// drain emits (or, after an error, releases) the head job's output.
	drain := func() {
		ch := pending[0]
		pending = pending[1:]
		for o := range ch {
			switch {
			case o.err != nil:
				if firstErr == nil {
					firstErr = o.err
				}
			case firstErr != nil:
				o.rec.Release()
			default:
				if err := emit(o.rec); err != nil {
					firstErr = err
				}
			}
		}
	}
	err := probe.each(func(rec arrow.RecordBatch) error {
		for len(pending) >= 2*workers {
			drain()
		}
		if firstErr != nil {
			return firstErr
		}
		rec.Retain()
		ch := make(chan hjOut, 4)
		pending = append(pending, ch)
		jobs <- job{rec: rec, ec: jr.j.evalContext(jr.ctx), out: ch}
		return nil
	})
	close(jobs)
	for len(pending) > 0 {
		drain()
	}
	wg.Wait()
	if err == nil {
		err = firstErr
	}
	if err != nil {
		return err
	}
	if jr.trackBuild {
		for _, pr := range probers {
			for i, m := range pr.buildMatched {
				if m {
					jr.buildMatched[i] = true
				}
			}
		}
	}
	return nil
}

// hjJoinRunner is the build side of a join run, shared read-only by the
// probers once built.
type hjJoinRunner struct {
	j   *batchJoin
	ctx context.Context

	buildLeft bool
	// build holds the build side's columns, concatenated.
	build  []arrow.Array
	buildN int
	// buildRowBytes is the build side's mean row size, for batch-bytes.
	buildRowBytes int
	buildKeys     []arrow.Array
	probeKeys     []int // key columns of the probe side
	nullEq        []bool
	// fromProbe[c] is the key whose probe column holds build column c's
	// value in every matched pair (-1: none): output gathers it from the
	// probe batch, sequentially, not from the build side at random.
	fromProbe []int
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
	pairLimit    int
}

// hjProber probes batches against a runner's build side; each probing
// goroutine has its own.
type hjProber struct {
	jr           *hjJoinRunner
	buildMatched []bool
	probeMatched []bool
	ph           []uint64
	skip         []bool
	pi, bi       []int32
	ok           []bool
}

func (jr *hjJoinRunner) newProber(buildMatched []bool) *hjProber {
	return &hjProber{jr: jr, buildMatched: buildMatched}
}

func (j *batchJoin) newJoinRunner(ctx context.Context, recs []arrow.RecordBatch, buildLeft bool) (*hjJoinRunner, error) {
	jr := &hjJoinRunner{j: j, ctx: ctx, buildLeft: buildLeft}
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
	if n > 0 {
		size := 0
		for _, r := range recs {
			size += vectorized.RecordBytes(r)
		}
		jr.buildRowBytes = size / n
	}
	jr.build = make([]arrow.Array, schema.NumFields())
	for c := range jr.build {
		a, err := hjConcatColumn(j.mem, schema.Field(c).Type, recs, c)
		if err != nil {
			jr.release()
			return nil, err
		}
		jr.build[c] = a
	}
	jr.fromProbe = make([]int, len(jr.build))
	for c := range jr.fromProbe {
		jr.fromProbe[c] = -1
	}
	for k, c := range bkeys {
		jr.buildKeys = append(jr.buildKeys, jr.build[c])
		// Matched keys are equal by their bits (or both NULL), so either
		// side's value is the output's.
		if jr.fromProbe[c] < 0 {
			jr.fromProbe[c] = k
		}
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

	skip := hjNullKeyRows(jr.buildKeys, jr.nullEq, n, nil)
	if len(bkeys) == 1 && !jr.nullEq[0] && jr.tab.buildDirect(jr.buildKeys[0], skip) {
		return jr, nil
	}
	hashes := make([]uint64, n)
	vectorized.HashColumns(jr.buildKeys, hashes)
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

// probe joins one batch of the probe side, handing each output batch to
// emit (which takes it over).
func (pr *hjProber) probe(rec arrow.RecordBatch, ec *vectorized.EvalContext, emit func(arrow.RecordBatch) error) error {
	jr := pr.jr
	n := int(rec.NumRows())
	if n == 0 {
		return nil
	}
	keys := make([]arrow.Array, len(jr.probeKeys))
	for i, k := range jr.probeKeys {
		keys[i] = rec.Column(k)
	}
	if !jr.tab.direct {
		pr.ph = grow(pr.ph, n)
		vectorized.HashColumns(keys, pr.ph)
	}
	skip := hjNullKeyRows(keys, jr.nullEq, n, pr.skip)
	if skip != nil {
		pr.skip = skip
	}
	needProbe := jr.padProbe || jr.semiProbe || jr.antiProbe
	if needProbe {
		pr.probeMatched = grow(pr.probeMatched, n)
		clear(pr.probeMatched)
	}
	var st hjProbeState
	for st.row < n {
		if jr.tab.direct {
			pr.pi, pr.bi = jr.tab.probeDirect(keys[0], skip, &st, pr.pi[:0], pr.bi[:0], jr.pairLimit)
		} else {
			pr.pi, pr.bi = jr.tab.probe(pr.ph, skip, &st, pr.pi[:0], pr.bi[:0], jr.pairLimit)
		}
		if len(pr.pi) == 0 {
			continue
		}
		if err := pr.matchPairs(rec, keys, ec); err != nil {
			return err
		}
		if needProbe {
			for _, p := range pr.pi {
				pr.probeMatched[p] = true
			}
		}
		if jr.trackBuild {
			for _, b := range pr.bi {
				pr.buildMatched[b] = true
			}
		}
		if jr.emitPairs {
			if err := pr.emitPairRows(rec, keys, emit); err != nil {
				return err
			}
		}
	}
	if needProbe {
		// Rows to output: the matched ones for semi, the rest otherwise.
		want := jr.semiProbe
		idx := pr.pi[:0]
		for i, m := range pr.probeMatched[:n] {
			if m == want {
				idx = append(idx, int32(i))
			}
		}
		pr.pi = idx
		return jr.emitOneSide(rec.Columns(), !jr.buildLeft, idx, vectorized.RecordBytes(rec)/n, emit)
	}
	return nil
}

// matchPairs keeps the candidate pairs (pr.pi, pr.bi) whose keys are
// equal and whose Cond is TRUE.
func (pr *hjProber) matchPairs(rec arrow.RecordBatch, keys []arrow.Array, ec *vectorized.EvalContext) error {
	jr := pr.jr
	m := len(pr.pi)
	// A direct table's candidates have equal keys by construction.
	if len(keys) > 0 && !jr.tab.direct {
		pr.ok = grow(pr.ok, m)
		for i := range pr.ok {
			pr.ok[i] = true
		}
		for k := range keys {
			hjKeysEqual(keys[k], jr.buildKeys[k], pr.pi, pr.bi, pr.ok, jr.nullEq[k])
		}
		pr.compact()
	}
	cond := jr.j.spec.Cond
	if cond == nil || len(pr.pi) == 0 {
		return nil
	}
	li, ri := pr.pi, pr.bi
	lcols, rcols := rec.Columns(), jr.build
	if jr.buildLeft {
		li, ri = pr.bi, pr.pi
		lcols, rcols = jr.build, rec.Columns()
	}
	cand, err := jr.gatherJoined(lcols, rcols, li, ri, jr.j.joined)
	if err != nil {
		return err
	}
	defer cand.Release()
	res, err := cond.Eval(ec, cand)
	if err != nil {
		return fmt.Errorf("join condition %s: %w", cond, err)
	}
	defer res.Release()
	b, isBool := res.(*array.Boolean)
	if !isBool {
		return fmt.Errorf("join condition %s is %s, not BOOLEAN", cond, res.DataType())
	}
	pr.ok = grow(pr.ok, len(pr.pi))
	for i := range pr.ok {
		pr.ok[i] = b.IsValid(i) && b.Value(i)
	}
	pr.compact()
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

// compact keeps the pairs whose pr.ok is set.
func (pr *hjProber) compact() {
	w := 0
	for k, keep := range pr.ok[:len(pr.pi)] {
		if keep {
			pr.pi[w], pr.bi[w] = pr.pi[k], pr.bi[k]
			w++
		}
	}
	pr.pi, pr.bi = pr.pi[:w], pr.bi[:w]
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

// emitPairRows outputs the matched pairs, at most batchLen rows and about
// batchBytes bytes a batch.
func (pr *hjProber) emitPairRows(rec arrow.RecordBatch, keys []arrow.Array, emit func(arrow.RecordBatch) error) error {
	jr := pr.jr
	probeCols := rec.Columns()
	step := vectorized.RowsUnder(jr.j.batchLen, jr.j.batchBytes, vectorized.RecordBytes(rec)/int(rec.NumRows())+jr.buildRowBytes)
	for lo := 0; lo < len(pr.pi); lo += step {
		hi := min(lo+step, len(pr.pi))
		pi, bi := pr.pi[lo:hi], pr.bi[lo:hi]
		cols := make([]arrow.Array, 0, jr.j.out.NumFields())
		add := func(src arrow.Array, idx []int32) error {
			a, err := takeArray(jr.ctx, jr.j.mem, src, idx)
			if err != nil {
				for _, x := range cols {
					x.Release()
				}
				return err
			}
			cols = append(cols, a)
			return nil
		}
		addBuild := func() error {
			for c, src := range jr.build {
				var err error
				if k := jr.fromProbe[c]; k >= 0 {
					err = add(keys[k], pi)
				} else {
					err = add(src, bi)
				}
				if err != nil {
					return err
				}
			}
			return nil
		}
		addProbe := func() error {
			for _, src := range probeCols {
				if err := add(src, pi); err != nil {
					return err
				}
			}
			return nil
		}
		first, second := addProbe, addBuild
		if jr.buildLeft {
			first, second = addBuild, addProbe
		}
		if err := first(); err != nil {
			return err
		}
		if err := second(); err != nil {
			return err
		}
		out := array.NewRecordBatch(jr.j.out, cols, int64(len(pi)))
		for _, x := range cols {
			x.Release()
		}
		if err := emit(out); err != nil {
			return err
		}
	}
	return nil
}

// emitOneSide outputs rows idx of cols, which are the left side's columns
// when left is set: padded with NULLs for the other side, unless the join
// outputs only the left columns.
// Batches hold at most batchLen rows and about batchBytes bytes, a row
// taking rowBytes.
func (jr *hjJoinRunner) emitOneSide(cols []arrow.Array, left bool, idx []int32, rowBytes int, emit func(arrow.RecordBatch) error) error {
	spec := jr.j.spec
	step := vectorized.RowsUnder(jr.j.batchLen, jr.j.batchBytes, rowBytes)
	for lo := 0; lo < len(idx); lo += step {
		hi := min(lo+step, len(idx))
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
		if err := emit(rec); err != nil {
			return err
		}
	}
	return nil
}

// finish outputs the build rows the join type asks for once every probe
// row went by.
func (jr *hjJoinRunner) finish(emit func(arrow.RecordBatch) error) error {
	if !jr.trackBuild {
		return nil
	}
	var idx []int32
	for i, m := range jr.buildMatched {
		if m == jr.semiBuild {
			idx = append(idx, int32(i))
		}
	}
	return jr.emitOneSide(jr.build, jr.buildLeft, idx, jr.buildRowBytes, emit)
}

// hjJoinTable is an open-addressing hash table over build row indexes. A
// slot is 8 bytes — the hash's high 32 bits as a tag and the first build
// row with it — so a probe usually costs one cache miss; slots are
// indexed by the hash's low bits. Rows with the same tag in one probe
// sequence are chained through next, in build order, and a slot without
// a chain is never followed into next. Tags may collide: the probe's key
// comparison sorts candidates out.
type hjJoinTable struct {
	slots []hjJoinSlot
	mask  uint64
	next  []int32 // next row of the chain, +1; 0 ends the chain

	// direct: a single integer key whose build values span a range not
	// much wider than the build side (DuckDB's perfect hash join) indexes
	// heads by value - lo; no hashing, no key comparison.
	direct bool
	lo     int64
	heads  []uint32 // as hjJoinSlot.head
}

type hjJoinSlot struct {
	tag uint32
	// head is the first build row + 1 (0: an empty slot), with hjMulti
	// set when the chain has more than one row.
	head uint32
}

const hjMulti = 1 << 31

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
		tag := uint32(h >> 32)
		for s := h & t.mask; ; s = (s + 1) & t.mask {
			sl := &t.slots[s]
			if sl.head == 0 {
				sl.tag, sl.head = tag, uint32(r+1)
				break
			}
			if sl.tag == tag {
				t.next[r] = int32(sl.head &^ hjMulti)
				sl.head = uint32(r+1) | hjMulti
				break
			}
		}
	}
}

// hjDirectSpan bounds a direct table: at most this many heads per build
// row (and a few to spare for tiny inputs).
const hjDirectSpan = 4

// buildDirect builds a direct table over the integer key column col when
// its values (those not marked in skip) span a narrow enough range; it
// reports whether it did.
func (t *hjJoinTable) buildDirect(col arrow.Array, skip []bool) bool {
	switch col.DataType().ID() {
	case arrow.INT8:
		return hjBuildDirect[int8](t, col, skip)
	case arrow.INT16:
		return hjBuildDirect[int16](t, col, skip)
	case arrow.INT32, arrow.DATE32, arrow.TIME32:
		return hjBuildDirect[int32](t, col, skip)
	case arrow.INT64, arrow.DATE64, arrow.TIME64, arrow.TIMESTAMP, arrow.DURATION:
		return hjBuildDirect[int64](t, col, skip)
	}
	return false
}

func hjBuildDirect[T int8 | int16 | int32 | int64](t *hjJoinTable, col arrow.Array, skip []bool) bool {
	vals := arrow.GetValues[T](col.Data(), 1)
	n := len(vals)
	lo, hi, seen := int64(math.MaxInt64), int64(math.MinInt64), false
	for r, v := range vals {
		if skip != nil && skip[r] {
			continue
		}
		lo, hi, seen = min(lo, int64(v)), max(hi, int64(v)), true
	}
	// hi - lo may overflow int64 but not uint64.
	var span uint64
	if seen {
		if uint64(hi-lo) >= uint64(hjDirectSpan*n+1024) {
			return false
		}
		span = uint64(hi-lo) + 1
	} else {
		lo = 0
	}
	t.direct, t.lo = true, lo
	t.heads = make([]uint32, span)
	t.next = make([]int32, n)
	for r := n - 1; r >= 0; r-- {
		if skip != nil && skip[r] {
			continue
		}
		h := &t.heads[int64(vals[r])-lo]
		if *h != 0 {
			t.next[r] = int32(*h &^ hjMulti)
			*h = uint32(r+1) | hjMulti
		} else {
			*h = uint32(r + 1)
		}
	}
	return true
}

// probeDirect is probe for a direct table, over the probe key column.
func (t *hjJoinTable) probeDirect(col arrow.Array, skip []bool, st *hjProbeState, pi, bi []int32, limit int) ([]int32, []int32) {
	switch col.DataType().ID() {
	case arrow.INT8:
		return hjProbeDirect[int8](t, col, skip, st, pi, bi, limit)
	case arrow.INT16:
		return hjProbeDirect[int16](t, col, skip, st, pi, bi, limit)
	case arrow.INT32, arrow.DATE32, arrow.TIME32:
		return hjProbeDirect[int32](t, col, skip, st, pi, bi, limit)
	}
	return hjProbeDirect[int64](t, col, skip, st, pi, bi, limit)
}

func hjProbeDirect[T int8 | int16 | int32 | int64](t *hjJoinTable, col arrow.Array, skip []bool, st *hjProbeState, pi, bi []int32, limit int) ([]int32, []int32) {
	vals := arrow.GetValues[T](col.Data(), 1)
	heads, next, lo, span := t.heads, t.next, t.lo, uint64(len(t.heads))
	n := len(vals)
	for st.row < n && len(pi) < limit {
		i := st.row
		b := st.cur
		if b == 0 {
			if skip != nil && skip[i] {
				st.row++
				continue
			}
			off := uint64(int64(vals[i]) - lo)
			if off >= span {
				st.row++
				continue
			}
			head := heads[off]
			if head == 0 {
				st.row++
				continue
			}
			b = int32(head &^ hjMulti)
			if head&hjMulti == 0 {
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
			tag := uint32(h >> 32)
			var head uint32
			for s := h & mask; ; s = (s + 1) & mask {
				sl := slots[s]
				if sl.head == 0 {
					break
				}
				if sl.tag == tag {
					head = sl.head
					break
				}
			}
			if head == 0 {
				st.row++
				continue
			}
			b = int32(head &^ hjMulti)
			if head&hjMulti == 0 {
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
