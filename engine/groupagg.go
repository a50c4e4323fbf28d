package engine

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluice-stream/sluice/vectorized"
)

// AggKind is a built-in aggregate function.
type AggKind int

const (
	CountStar AggKind = iota // COUNT(*)
	Count                    // COUNT(x): non-NULL values
	Sum
	Avg
	Min
	Max
	// The variance aggregates (accumulators_welford.go); STDDEV and
	// VARIANCE are the SAMP ones.
	VarPop
	VarSamp
	StddevPop
	StddevSamp
	// UserDefined is a user-defined aggregate (AggCall.User) over the
	// columns AggCall.Args.
	UserDefined
	// The value aggregates (accumulators_value.go); LISTAGG's separator
	// is AggCall.Sep.
	FirstValueAgg
	LastValueAgg
	ListAgg
)

// lastAggKind is the last AggKind, for range checks.
const lastAggKind = ListAgg

func (k AggKind) String() string {
	switch k {
	case CountStar:
		return "COUNT(*)"
	case Count:
		return "COUNT"
	case Sum:
		return "SUM"
	case Avg:
		return "AVG"
	case Min:
		return "MIN"
	case Max:
		return "MAX"
	case VarPop:
		return "VAR_POP"
	case VarSamp:
		return "VAR_SAMP"
	case StddevPop:
		return "STDDEV_POP"
	case StddevSamp:
		return "STDDEV_SAMP"
	case UserDefined:
		return "USER_DEFINED"
	case FirstValueAgg:
		return "FIRST_VALUE"
	case LastValueAgg:
		return "LAST_VALUE"
	case ListAgg:
		return "LISTAGG"
	}
	return fmt.Sprintf("AggKind(%d)", int(k))
}

// AggCall is one aggregate of a GROUP BY.
type AggCall struct {
	Func AggKind
	Arg  int // input column; ignored by CountStar
	// Distinct aggregates each distinct non-NULL value once.
	Distinct bool
	// Result is the output type; the planner's is authoritative. Nil means
	// Flink's rule (see DefaultAggResultType).
	Result arrow.DataType
	// Filtered means FILTER (WHERE p): only rows whose BOOLEAN input
	// column Filter is TRUE are aggregated (a separate flag keeps the zero
	// AggCall unfiltered).
	Filtered bool
	Filter   int
	// User and Args are a user-defined aggregate (Func UserDefined) and
	// its argument columns.
	User UserAggregate
	Args []int
	// Sep is LISTAGG's separator, a constant (the planner fills in
	// DefaultListAggSeparator when the call gives none).
	Sep string
}

func (c AggCall) String() string {
	f := ""
	if c.Filtered {
		f = fmt.Sprintf(" FILTER $%d", c.Filter)
	}
	if c.Func == UserDefined {
		args := make([]string, len(c.Args))
		for i, a := range c.Args {
			args[i] = fmt.Sprintf("$%d", a)
		}
		name := "?"
		if c.User != nil {
			name = c.User.Name()
		}
		return fmt.Sprintf("%s(%s)%s", name, strings.Join(args, ", "), f)
	}
	if c.Func == CountStar {
		return "COUNT(*)" + f
	}
	d := ""
	if c.Distinct {
		d = "DISTINCT "
	}
	if c.Func == ListAgg {
		return fmt.Sprintf("%s(%s$%d, %q)%s", c.Func, d, c.Arg, c.Sep, f)
	}
	return fmt.Sprintf("%s(%s$%d)%s", c.Func, d, c.Arg, f)
}

// checkFilter checks that a filtered call's filter column is a BOOLEAN
// column of the input.
func (c AggCall) checkFilter(schema *arrow.Schema) error {
	if !c.Filtered {
		return nil
	}
	if c.Filter < 0 || c.Filter >= schema.NumFields() {
		return fmt.Errorf("%s: filter column %d does not exist in the input (%d columns)", c, c.Filter, schema.NumFields())
	}
	if t := schema.Field(c.Filter).Type; t.ID() != arrow.BOOL {
		return fmt.Errorf("%s: filter column %d is %s, not BOOLEAN", c, c.Filter, t)
	}
	return nil
}

// bindAccs binds each accumulator to its argument column (and filter
// column) of a batch.
func bindAccs(accs []accumulator, calls []AggCall, rec arrow.RecordBatch) {
	for j, c := range calls {
		acc := accs[j]
		if c.Filtered {
			acc.(*filterAcc).bindFilter(rec.Column(c.Filter))
			acc = acc.(*filterAcc).inner
		}
		if c.Func == UserDefined {
			acc.(*userAcc).bindArgs(rec, c.Args)
			continue
		}
		var arg arrow.Array
		if c.Func != CountStar {
			arg = rec.Column(c.Arg)
		}
		acc.bind(arg)
	}
}

// AggMode says whether a group aggregate emits a changelog as input
// arrives (Streaming) or the final groups at the end of input (Batch).
type AggMode int

const (
	Streaming AggMode = iota
	Batch
)

// MiniBatch is Flink's table.exec.mini-batch.*: buffer input and emit each
// touched key once per bundle. A bundle ends after Size rows or Latency
// after its first row, whichever comes first (a non-positive value turns
// that trigger off; with both off every input batch is a bundle).
type MiniBatch struct {
	Enabled bool
	Size    int
	Latency time.Duration
}

// GroupAggSpec configures NewGroupAggregate. Output columns: the keys, then
// the aggregates.
type GroupAggSpec struct {
	Keys        []int
	Aggs        []AggCall
	Mode        AggMode
	MiniBatch   MiniBatch
	OutputNames []string
	// InsertOnlyInput tells a streaming aggregate its input never retracts
	// (Flink's needRetraction = false): MIN/MAX then keep no per-value
	// counts. A retraction arriving anyway fails the job.
	InsertOnlyInput bool
	// NoUpdateBefore drops -U rows from the output, for consumers that
	// upsert by key (Flink's generateUpdateBefore = false).
	NoUpdateBefore bool
}

// DefaultAggResultType is Flink's result type of an aggregate: COUNT is
// BIGINT; SUM keeps the argument type except DECIMAL(p, s) → DECIMAL(38, s)
// (LogicalTypeMerging.findSumAggType); AVG keeps the argument type except
// DECIMAL(p, s) → DECIMAL(38, max(6, s)) (findAvgAggType); MIN, MAX,
// FIRST_VALUE and LAST_VALUE keep the argument type; LISTAGG is STRING.
func DefaultAggResultType(kind AggKind, arg arrow.DataType) arrow.DataType {
	switch kind {
	case CountStar, Count:
		return arrow.PrimitiveTypes.Int64
	case Sum:
		if d, ok := arg.(*arrow.Decimal128Type); ok {
			return &arrow.Decimal128Type{Precision: 38, Scale: d.Scale}
		}
	case Avg, VarPop, VarSamp, StddevPop, StddevSamp:
		if d, ok := arg.(*arrow.Decimal128Type); ok {
			return &arrow.Decimal128Type{Precision: 38, Scale: max(6, d.Scale)}
		}
	case ListAgg:
		return arrow.BinaryTypes.String
	}
	return arg
}

// GroupAggregate is GROUP BY with COUNT, SUM, AVG, MIN, MAX (DISTINCT or
// not), Flink's GroupAggFunction (streaming), MiniBatchGroupAggFunction
// (streaming with mini-batch) and hash aggregate (batch).
//
// Groups live in a group table (key → dense group id) and in columnar
// accumulators indexed by group id, updated a batch at a time. In batch
// mode that is all: bounded input is not checkpointed (as in Flink) and
// the result is emitted at the end of input. In streaming modes the state
// of record is the instance's keyed state backend (RuntimeContext.
// KeyedState, hashmap or pebble): one ValueState whose entry per key —
// key encoded by groupTable.appendKey, key group from the same hash the
// hash exchange routes by — holds the whole group (Flink's accState and
// record count, MIN/MAX value counts, DISTINCT value maps; see
// groupagg_state.go). The table and accumulators are a write-back cache
// in front of it, bounded by sluice.exec.state.cache-size groups: a batch
// reads the state of its keys not cached with one GetBatch, applies its
// rows with the vectorized loops, deletes dead groups with one
// DeleteBatch, and writes evicted groups with one PutBatch; SnapshotState
// writes every changed cached group so the runtime's snapshot of the
// backend is complete. table.exec.state.ttl expires groups not written for
// that long, as Flink's StateTtlConfig for GroupAggFunction.
type GroupAggregate struct {
	spec       GroupAggSpec
	allKeys    bool // DISTINCT: every input column is a key
	name       string
	rt         *RuntimeContext
	retract    bool // accumulators must support retraction
	batchLen   int
	batchBytes int // ConfigBatchBytes, for output built from state

	inSchema  *arrow.Schema
	outSchema *arrow.Schema
	table     *groupTable
	accs      []accumulator
	resTypes  []arrow.DataType

	alive    []bool  // group has state (Flink: accState != null)
	rowCount []int64 // Flink's RecordCounter: accumulated minus retracted rows

	// per batch
	groups    []uint32
	created   []uint32
	signs     []int8
	outRows   []int32 // input row of each output row (streaming)
	outGroups []uint32
	outKinds  []vectorized.RowKind
	dead      []uint32
	acts      []uint8 // streaming: what each row does (stream)
	changed   []bool  // streaming: the row changed its group's result
	sel       []int32 // streaming: the buffered results that are output

	// mini-batch
	bundle      []bundled
	bundleRows  int
	bundleStart time.Time
	stamp       []uint32 // bundle number that last touched the group
	bundleNo    uint32
	pending     []bool // no state at bundle start and no accumulate yet
	firstRow    []bool
	prevAt      []int32 // result row holding the group's value before the bundle
	touched     []uint32

	// keyed state (streaming in a job); nil keeps every group in memory
	ks      *keyedAgg
	now     func() time.Time // TTL clock; tests set it
	keyEnds []int
	valEnds []int
}

type bundled struct {
	b      *vectorized.Batch
	groups []uint32
}

// NewGroupAggregate makes a group aggregate.
func NewGroupAggregate(spec GroupAggSpec) *GroupAggregate {
	return &GroupAggregate{spec: spec}
}

// DistinctSpec configures NewDistinct.
type DistinctSpec struct {
	Mode            AggMode
	MiniBatch       MiniBatch
	InsertOnlyInput bool
}

// NewDistinct is SELECT DISTINCT: a group aggregate keyed by every input
// column, with no aggregates. In streaming it emits +I on the first
// occurrence of a row and -D when its last copy is retracted (Flink plans
// DISTINCT as such a GroupAggFunction).
func NewDistinct(spec DistinctSpec) *GroupAggregate {
	return &GroupAggregate{
		spec:    GroupAggSpec{Mode: spec.Mode, MiniBatch: spec.MiniBatch, InsertOnlyInput: spec.InsertOnlyInput},
		allKeys: true,
	}
}

func (a *GroupAggregate) String() string {
	if a.allKeys {
		return "Distinct"
	}
	var b strings.Builder
	b.WriteString("GroupAggregate(")
	if len(a.spec.Keys) > 0 {
		fmt.Fprintf(&b, "groupBy=%v, ", a.spec.Keys)
	}
	b.WriteString("select=[")
	for i, c := range a.spec.Aggs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.String())
	}
	b.WriteString("])")
	return b.String()
}

func (a *GroupAggregate) Open(_ context.Context, rt *RuntimeContext) error {
	a.rt = rt
	n, err := rt.Config.Int(ConfigBatchSize, DefaultBatchSize)
	if err != nil {
		return err
	}
	a.batchLen = max(n, 1)
	if a.batchBytes, err = BatchBytes(rt.Config); err != nil {
		return err
	}
	a.retract = a.spec.Mode == Streaming && !a.spec.InsertOnlyInput
	for _, c := range a.spec.Aggs {
		if c.Func < CountStar || c.Func > lastAggKind {
			return fmt.Errorf("unknown aggregate %v", c.Func)
		}
	}
	return a.openKeyed(rt)
}

// init builds the state for the input schema, known at the first batch.
func (a *GroupAggregate) init(schema *arrow.Schema) error {
	a.inSchema = schema
	if a.allKeys {
		a.spec.Keys = make([]int, schema.NumFields())
		for i := range a.spec.Keys {
			a.spec.Keys[i] = i
		}
	}
	keyTypes := make([]arrow.DataType, len(a.spec.Keys))
	fields := make([]arrow.Field, 0, len(a.spec.Keys)+len(a.spec.Aggs))
	for i, k := range a.spec.Keys {
		if k < 0 || k >= schema.NumFields() {
			return fmt.Errorf("group key column %d does not exist in the input (%d columns)", k, schema.NumFields())
		}
		f := schema.Field(k)
		keyTypes[i] = f.Type
		fields = append(fields, arrow.Field{Name: f.Name, Type: f.Type, Nullable: true})
	}
	a.accs = a.accs[:0]
	a.resTypes = a.resTypes[:0]
	for i, c := range a.spec.Aggs {
		if err := c.checkFilter(schema); err != nil {
			return err
		}
		acc, res, err := newAccumulatorFor(c, schema, a.retract)
		if err != nil {
			return err
		}
		a.accs = append(a.accs, acc)
		a.resTypes = append(a.resTypes, res)
		fields = append(fields, arrow.Field{Name: fmt.Sprintf("EXPR$%d", i), Type: res, Nullable: true})
	}
	if names := a.spec.OutputNames; len(names) > 0 {
		if len(names) != len(fields) {
			return fmt.Errorf("%d output names for %d output columns", len(names), len(fields))
		}
		for i := range fields {
			fields[i].Name = names[i]
		}
	}
	a.outSchema = arrow.NewSchema(fields, nil)
	a.table = newGroupTable(a.rt.Mem, keyTypes)
	return nil
}

// newAccumulatorFor checks the argument columns of call c against the
// input schema and picks its accumulator; errors name the call.
func newAccumulatorFor(c AggCall, schema *arrow.Schema, retract bool) (accumulator, arrow.DataType, error) {
	if c.Func == UserDefined {
		types := make([]arrow.DataType, len(c.Args))
		for i, a := range c.Args {
			if a < 0 || a >= schema.NumFields() {
				return nil, nil, fmt.Errorf("%s: column %d does not exist in the input (%d columns)", c, a, schema.NumFields())
			}
			types[i] = schema.Field(a).Type
		}
		acc, res, err := newUserAcc(c, types, retract)
		if err != nil {
			return nil, nil, err
		}
		if c.Filtered {
			acc = &filterAcc{inner: acc}
		}
		return acc, res, nil
	}
	var argType arrow.DataType
	if c.Func != CountStar {
		if c.Arg < 0 || c.Arg >= schema.NumFields() {
			return nil, nil, fmt.Errorf("%s: column %d does not exist in the input (%d columns)", c, c.Arg, schema.NumFields())
		}
		argType = schema.Field(c.Arg).Type
	}
	acc, res, err := newAccumulator(c, argType, retract)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", c, err)
	}
	return acc, res, nil
}

// newAccumulator picks the accumulator of one built-in call and its
// result type.
func newAccumulator(c AggCall, argType arrow.DataType, retract bool) (accumulator, arrow.DataType, error) {
	res := c.Result
	if res == nil {
		if c.Func == CountStar {
			res = arrow.PrimitiveTypes.Int64
		} else {
			res = DefaultAggResultType(c.Func, argType)
		}
	}
	var acc accumulator
	var err error
	switch c.Func {
	case CountStar:
		if !isIntegerID(res.ID()) {
			return nil, nil, fmt.Errorf("COUNT cannot produce %s", res)
		}
		acc = &countAcc{dt: res}
	case Count:
		if !isIntegerID(res.ID()) {
			return nil, nil, fmt.Errorf("COUNT cannot produce %s", res)
		}
		acc = &countAcc{dt: res}
	case Sum, Avg:
		acc, err = newSumAcc(c.Func == Avg, argType, res)
	case VarPop, VarSamp, StddevPop, StddevSamp:
		acc, err = newWelfordAcc(c.Func, argType, res)
	case Min, Max:
		if !arrow.TypeEqual(res, argType) {
			return nil, nil, fmt.Errorf("result type %s differs from the argument type %s", res, argType)
		}
		// DISTINCT feeds MIN/MAX each value once: the extreme is the same,
		// but the per-value counts are needed either way with retraction.
		acc, err = newMinMax(c.Func == Max, retract, argType)
	case FirstValueAgg, LastValueAgg:
		if !arrow.TypeEqual(res, argType) {
			return nil, nil, fmt.Errorf("result type %s differs from the argument type %s", res, argType)
		}
		acc, err = newValueAcc(c.Func == LastValueAgg, retract, argType)
	case ListAgg:
		acc, err = newListAggAcc(c.Sep, retract, argType, res)
	}
	if err != nil {
		return nil, nil, err
	}
	if c.Distinct && c.Func != CountStar {
		if acc, err = newDistinct(acc, argType); err != nil {
			return nil, nil, err
		}
	}
	if c.Filtered {
		acc = &filterAcc{inner: acc}
	}
	return acc, res, nil
}

func (a *GroupAggregate) growState() {
	n := a.table.size()
	if len(a.alive) >= n {
		return
	}
	a.alive = growTo(a.alive, n)
	a.rowCount = growTo(a.rowCount, n)
	a.stamp = growTo(a.stamp, n)
	a.pending = growTo(a.pending, n)
	a.firstRow = growTo(a.firstRow, n)
	a.prevAt = growTo(a.prevAt, n)
	for _, acc := range a.accs {
		acc.grow(n)
	}
	if a.ks != nil {
		a.ks.grow(n)
	}
}

func (a *GroupAggregate) keyColumns(rec arrow.RecordBatch) []arrow.Array {
	cols := make([]arrow.Array, len(a.spec.Keys))
	for i, k := range a.spec.Keys {
		cols[i] = rec.Column(k)
	}
	return cols
}

// rowSigns is +1 for +I/+U rows and -1 for -U/-D rows (Flink's
// isAccumulateMsg / isRetractMsg).
func (a *GroupAggregate) rowSigns(b *vectorized.Batch) []int8 {
	n := int(b.NumRows())
	a.signs = grow(a.signs, n)
	for i := range a.signs {
		a.signs[i] = 1
	}
	for i, k := range b.Kinds {
		if k == vectorized.UpdateBefore || k == vectorized.Delete {
			a.signs[i] = -1
		}
	}
	return a.signs
}

func hasRetraction(b *vectorized.Batch) (vectorized.RowKind, bool) {
	for _, k := range b.Kinds {
		if k == vectorized.UpdateBefore || k == vectorized.Delete {
			return k, true
		}
	}
	return 0, false
}

func (a *GroupAggregate) Process(ctx context.Context, _ int, b *vectorized.Batch, out Collector) error {
	n := int(b.NumRows())
	if n == 0 {
		return nil
	}
	if a.inSchema == nil {
		if err := a.init(b.Record.Schema()); err != nil {
			return err
		}
	} else if !sameTypes(a.inSchema, b.Record.Schema()) {
		return fmt.Errorf("input schema changed from %s to %s", a.inSchema, b.Record.Schema())
	}
	if !a.retract {
		if k, ok := hasRetraction(b); ok {
			if a.spec.Mode == Batch {
				return fmt.Errorf("batch aggregate received a %s row: batch mode needs an insert-only input", k)
			}
			return fmt.Errorf("aggregate planned for an insert-only input received a %s row", k)
		}
	}
	a.groups = grow(a.groups, n)
	a.created = a.table.lookup(a.keyColumns(b.Record), n, a.groups, a.created[:0])
	a.growState()
	if a.ks != nil {
		if err := a.loadCreated(); err != nil {
			return err
		}
		a.expireCached(a.groups[:n])
	}

	switch {
	case a.spec.Mode == Batch:
		bindAccs(a.accs, a.spec.Aggs, b.Record)
		for _, acc := range a.accs {
			acc.update(a.groups, nil, 0, n)
		}
		for _, g := range a.created {
			a.alive[g] = true
		}
		return nil
	case a.spec.MiniBatch.Enabled:
		if len(a.bundle) == 0 {
			a.bundleStart = time.Now()
		}
		a.bundle = append(a.bundle, bundled{b: RetainBatch(b), groups: append([]uint32(nil), a.groups[:n]...)})
		a.bundleRows += n
		mb := a.spec.MiniBatch
		if (mb.Size > 0 && a.bundleRows >= mb.Size) || (mb.Size <= 0 && mb.Latency <= 0) {
			return a.finishBundle(ctx, out)
		}
		return nil
	default:
		return a.processRows(ctx, b, out)
	}
}

// processRows is Flink's GroupAggFunction.processElement, row by row: a
// retraction for a key without state is dropped; the first row of a key
// emits +I; a changed result emits -U(old), +U(new) (+U alone with
// NoUpdateBefore); an unchanged result emits nothing unless state TTL is
// on (Flink then emits it so that downstream state is refreshed); when the
// key's row count drops to 0 it emits -D(old) and the state is dropped.
//
// What each row does to its group's existence and row count does not
// depend on the aggregate values, so it is decided first in one pass; the
// accumulators then apply the rows in one typed loop each, buffering the
// results before and after each row (stream), and the output keeps the
// buffered results that are changes.
func (a *GroupAggregate) processRows(ctx context.Context, b *vectorized.Batch, out Collector) error {
	n := int(b.NumRows())
	bindAccs(a.accs, a.spec.Aggs, b.Record)
	signs := a.rowSigns(b)
	a.acts, a.changed = grow(a.acts, n), grow(a.changed, n)
	acts, changed := a.acts, a.changed
	clear(changed)
	groups := a.groups[:n]
	// Flink's GroupAggFunction does not emit a result equal to the
	// previous one, unless state retention is on. The previous result is
	// kept only for -U rows; otherwise it is only compared.
	update := streamUpdate | streamPrev | streamNew | streamCmp
	switch emitEqual := a.ks != nil && a.ks.ttl > 0; {
	case a.spec.NoUpdateBefore && emitEqual:
		update = streamUpdate | streamNew
	case a.spec.NoUpdateBefore:
		update = streamUpdate | streamNew | streamCmp
	case emitEqual:
		update = streamUpdate | streamPrev | streamNew
	}
	// a.dead may already hold groups whose TTL ran out (expireCached).
	alive, rowCount := a.alive, a.rowCount
	for i, g := range groups {
		s := signs[i]
		first := !alive[g]
		if first {
			if s < 0 {
				acts[i] = 0
				continue
			}
			alive[g] = true
		}
		rowCount[g] += int64(s)
		switch {
		case rowCount[g] == 0:
			// Flink: recordCountIsZero → DELETE the previous result
			// (never for a first row) and clear the state; the
			// accumulators reset the group after applying the row.
			acts[i] = streamReset
			if !first {
				acts[i] |= streamPrev
			}
			alive[g] = false
			a.dead = append(a.dead, g)
		case first:
			acts[i] = streamNew
		default:
			acts[i] = update
		}
	}
	for _, acc := range a.accs {
		acc.stream(groups, signs, acts, changed, 0, n)
	}
	// Local slices: appending to the operator's fields would take a GC
	// write barrier per row.
	sel, outGroups, outKinds, outRows := a.sel[:0], a.outGroups[:0], a.outKinds[:0], a.outRows[:0]
	slot := int32(0)
	for i, act := range acts[:n] {
		kind := vectorized.Insert
		switch {
		case act == 0 || act == streamReset:
			continue
		case act&streamReset != 0: // with streamPrev
			kind = vectorized.Delete
			sel = append(sel, slot)
			slot++
		case act&streamUpdate == 0:
			sel = append(sel, slot)
			slot++
		default:
			p := slot
			if act&streamPrev != 0 {
				slot++
			}
			slot++
			if act&streamCmp != 0 && !changed[i] {
				continue
			}
			if act&streamPrev != 0 {
				sel = append(sel, p)
				outGroups, outKinds, outRows = append(outGroups, groups[i]), append(outKinds, vectorized.UpdateBefore), append(outRows, int32(i))
			}
			kind = vectorized.UpdateAfter
			sel = append(sel, slot-1)
		}
		outGroups, outKinds, outRows = append(outGroups, groups[i]), append(outKinds, kind), append(outRows, int32(i))
	}
	a.outGroups, a.outKinds, a.outRows = outGroups, outKinds, outRows
	a.sel = sel
	if len(sel) < int(slot) {
		for _, acc := range a.accs {
			acc.keep(sel)
		}
	}
	err := a.emit(ctx, b, out)
	if a.ks != nil {
		a.touch(groups)
	}
	return a.endBatch(err)
}

// endBatch drops the groups that died and, with keyed state, brings the
// cache back to its capacity; err is the batch's error so far.
func (a *GroupAggregate) endBatch(err error) error {
	if derr := a.dropDead(); err == nil {
		err = derr
	}
	if err == nil && a.ks != nil {
		err = a.evict()
	}
	return err
}

func (a *GroupAggregate) appendResults(g uint32, kind vectorized.RowKind) {
	for _, acc := range a.accs {
		acc.appendResult(g)
	}
	a.outGroups = append(a.outGroups, g)
	a.outKinds = append(a.outKinds, kind)
}

func (a *GroupAggregate) resultsEqual(i, j int) bool {
	for _, acc := range a.accs {
		if !acc.resultEqual(i, j) {
			return false
		}
	}
	return true
}

func (a *GroupAggregate) truncateResults(n int) {
	for _, acc := range a.accs {
		acc.truncate(n)
	}
	a.outGroups, a.outKinds = a.outGroups[:n], a.outKinds[:n]
}

// clearGroup drops a key's state; its key stays readable until dropDead,
// after the output that mentions it was built.
func (a *GroupAggregate) clearGroup(g uint32) {
	a.alive[g] = false
	a.rowCount[g] = 0
	for _, acc := range a.accs {
		acc.reset(g)
	}
	a.dead = append(a.dead, g)
}

// dropDead removes from the table the groups left without state: those
// cleared and those created by a retraction that was dropped. With keyed
// state their entries are deleted from the backend.
func (a *GroupAggregate) dropDead() error {
	var err error
	if a.ks != nil {
		gone := a.ks.gone[:0]
		for _, g := range a.dead {
			if !a.alive[g] {
				gone = append(gone, g)
			}
		}
		for _, g := range a.created {
			if !a.alive[g] {
				gone = append(gone, g)
			}
		}
		a.ks.gone = gone
		err = a.deleteStored(gone)
	}
	for _, g := range a.dead {
		if !a.alive[g] {
			a.table.remove(g)
		}
	}
	for _, g := range a.created {
		if !a.alive[g] {
			a.table.remove(g)
		}
	}
	a.dead, a.created = a.dead[:0], a.created[:0]
	return err
}

// emit builds the pending output rows of a streaming batch — keys gathered
// from the input rows that produced them, values from the accumulators'
// result buffers — and sends them.
func (a *GroupAggregate) emit(ctx context.Context, in *vectorized.Batch, out Collector) error {
	if len(a.outKinds) == 0 {
		return nil
	}
	keys := make([]arrow.Array, 0, len(a.spec.Keys))
	// One output row per input row, in order (every row changed its
	// group and no -U rows): the input's key columns are the output's.
	// outRows is non-decreasing, so n distinct rows of n are 0..n-1.
	if len(a.outRows) == int(in.NumRows()) && distinctRows(a.outRows) {
		for _, k := range a.spec.Keys {
			col := in.Record.Column(k)
			col.Retain()
			keys = append(keys, col)
		}
		b, err := a.buildOutput(a.outGroups, a.outKinds, keys)
		if err != nil {
			return err
		}
		return a.send(ctx, b, out)
	}
	for _, k := range a.spec.Keys {
		col, err := takeArray(ctx, a.rt.Mem, in.Record.Column(k), a.outRows)
		if err != nil {
			releaseAll(keys)
			return err
		}
		keys = append(keys, col)
	}
	b, err := a.buildOutput(a.outGroups, a.outKinds, keys)
	if err != nil {
		return err
	}
	return a.send(ctx, b, out)
}

// distinctRows reports whether a non-decreasing list of rows has no row
// twice.
func distinctRows(rows []int32) bool {
	for i := 1; i < len(rows); i++ {
		if rows[i] == rows[i-1] {
			return false
		}
	}
	return true
}

// buildOutput makes a batch of the given groups' keys and the accumulators'
// buffered results (one per group, in order). keys, when given, are the
// key columns already built; buildOutput takes them over.
func (a *GroupAggregate) buildOutput(groups []uint32, kinds []vectorized.RowKind, keys []arrow.Array) (*vectorized.Batch, error) {
	cols := keys
	if cols == nil {
		var err error
		if cols, err = a.table.keys(groups); err != nil {
			return nil, err
		}
	}
	for _, acc := range a.accs {
		arr, err := acc.flush(a.rt.Mem)
		if err != nil {
			for _, c := range cols {
				c.Release()
			}
			return nil, err
		}
		cols = append(cols, arr)
	}
	rec := array.NewRecordBatch(a.outSchema, cols, int64(len(groups)))
	for _, c := range cols {
		c.Release()
	}
	b := &vectorized.Batch{Record: rec}
	for _, k := range kinds {
		if k != vectorized.Insert {
			b.Kinds = append([]vectorized.RowKind(nil), kinds...)
			break
		}
	}
	return b, nil
}

// send emits b, without its -U rows when the consumer does not want them
// (Flink's generateUpdateBefore = false), and releases it.
func (a *GroupAggregate) send(ctx context.Context, b *vectorized.Batch, out Collector) error {
	if a.spec.NoUpdateBefore && b.Kinds != nil {
		keep := make([]int32, 0, len(b.Kinds))
		for i, k := range b.Kinds {
			if k != vectorized.UpdateBefore {
				keep = append(keep, int32(i))
			}
		}
		if len(keep) < len(b.Kinds) {
			nb, err := takeBatch(ctx, a.rt.Mem, b, keep)
			b.Release()
			if err != nil {
				return err
			}
			b = nb
		}
	}
	defer b.Release()
	return out.Collect(ctx, b)
}

// finishBundle is Flink's MiniBatchGroupAggFunction.finishBundle: for each
// key touched by the bundle, leading retractions of a key without state are
// dropped, all its rows are applied, and one change is emitted comparing
// the value before the bundle with the value after it.
func (a *GroupAggregate) finishBundle(ctx context.Context, out Collector) error {
	if len(a.bundle) == 0 {
		return nil
	}
	err := a.applyBundle(ctx, out)
	if a.ks != nil {
		a.touch(a.touched)
	}
	return a.endBatch(err)
}

// applyBundle applies the bundle's rows and emits its changes.
func (a *GroupAggregate) applyBundle(ctx context.Context, out Collector) error {
	bundle := a.bundle
	a.bundle, a.bundleRows = nil, 0
	defer func() {
		for _, x := range bundle {
			x.b.Release()
		}
	}()
	a.bundleNo++
	a.touched = a.touched[:0]
	// a.dead may already hold groups whose TTL ran out (expireCached);
	// the groups of the bundle's lookups are handled as pending below.
	a.outGroups, a.outKinds = a.outGroups[:0], a.outKinds[:0]
	a.created = a.created[:0]
	for _, x := range bundle {
		signs := a.rowSigns(x.b)
		for i, g := range x.groups {
			if a.stamp[g] != a.bundleNo {
				a.stamp[g] = a.bundleNo
				a.touched = append(a.touched, g)
				a.firstRow[g] = false
				a.pending[g] = !a.alive[g]
				a.prevAt[g] = -1
				if a.alive[g] {
					a.prevAt[g] = int32(len(a.outKinds))
					a.appendResults(g, vectorized.UpdateBefore)
				}
			}
			if a.pending[g] {
				if signs[i] < 0 {
					signs[i] = 0 // Flink: no accumulator is created for a retraction
					continue
				}
				a.pending[g], a.firstRow[g] = false, true
			}
		}
		n := len(x.groups)
		bindAccs(a.accs, a.spec.Aggs, x.b.Record)
		for _, acc := range a.accs {
			acc.update(x.groups, signs, 0, n)
		}
		for i, g := range x.groups {
			a.rowCount[g] += int64(signs[i])
		}
	}
	// prev rows sit at the front; new values follow and the output order
	// is chosen with one gather.
	var order []int32
	var kinds []vectorized.RowKind
	for _, g := range a.touched {
		if a.pending[g] {
			a.dead = append(a.dead, g) // only retractions: never had state
			continue
		}
		prev := a.prevAt[g]
		if a.rowCount[g] == 0 {
			if !a.firstRow[g] {
				order = append(order, prev)
				kinds = append(kinds, vectorized.Delete)
			}
			a.clearGroup(g)
			continue
		}
		a.alive[g] = true
		at := int32(len(a.outKinds))
		a.appendResults(g, vectorized.UpdateAfter)
		switch {
		case a.firstRow[g]:
			order = append(order, at)
			kinds = append(kinds, vectorized.Insert)
		case a.resultsEqual(int(prev), int(at)):
		case a.spec.NoUpdateBefore:
			order = append(order, at)
			kinds = append(kinds, vectorized.UpdateAfter)
		default:
			order = append(order, prev, at)
			kinds = append(kinds, vectorized.UpdateBefore, vectorized.UpdateAfter)
		}
	}
	if len(order) == 0 {
		a.truncateResults(0)
		return nil
	}
	all, err := a.buildOutput(a.outGroups, nil, nil)
	a.outGroups, a.outKinds = a.outGroups[:0], a.outKinds[:0]
	if err != nil {
		return err
	}
	b, err := takeBatch(ctx, a.rt.Mem, all, order)
	all.Release()
	if err != nil {
		return err
	}
	b.Kinds = kinds
	return a.send(ctx, b, out)
}

// NextTimer is when the current bundle's latency runs out.
func (a *GroupAggregate) NextTimer() time.Time {
	if !a.spec.MiniBatch.Enabled || a.spec.MiniBatch.Latency <= 0 || len(a.bundle) == 0 {
		return time.Time{}
	}
	return a.bundleStart.Add(a.spec.MiniBatch.Latency)
}

// OnTimer ends the bundle when its latency ran out.
func (a *GroupAggregate) OnTimer(ctx context.Context, now time.Time, out Collector) error {
	if next := a.NextTimer(); next.IsZero() || next.After(now) {
		return nil
	}
	return a.finishBundle(ctx, out)
}

func (a *GroupAggregate) EndInput(ctx context.Context, out Collector) error {
	switch {
	case a.spec.Mode == Batch:
		return a.emitAll(ctx, out)
	case a.spec.MiniBatch.Enabled:
		return a.finishBundle(ctx, out)
	}
	return nil
}

// emitAll is the batch result: one +I row per group, in order of first
// appearance. A global aggregate (no keys) always has a row, even for an
// empty input: COUNT is 0 and the others are NULL, as in Flink.
func (a *GroupAggregate) emitAll(ctx context.Context, out Collector) error {
	if a.inSchema == nil {
		if len(a.spec.Keys) > 0 || a.allKeys {
			return nil
		}
		return a.emitEmptyGlobal(ctx, out)
	}
	var groups []uint32
	for g := 0; g < a.table.size(); g++ {
		if a.alive[g] {
			groups = append(groups, uint32(g))
		}
	}
	// The first chunk is sized by its keys' encoded bytes (and a word per
	// aggregate) until it reaches the byte cap; the next ones hold as many
	// rows as fit under the cap at the widest row size built so far.
	rowBytes := 0
	var scratch []byte
	for lo := 0; lo < len(groups); {
		rows := 0
		if rowBytes == 0 {
			for size := 0; rows < min(a.batchLen, len(groups)-lo) && (rows == 0 || size < a.batchBytes); rows++ {
				scratch = a.table.appendKey(scratch[:0], groups[lo+rows])
				size += len(scratch) + 8*len(a.accs)
			}
		} else {
			rows = vectorized.RowsUnder(a.batchLen, a.batchBytes, rowBytes)
		}
		chunk := groups[lo:min(lo+rows, len(groups))]
		lo += len(chunk)
		for _, g := range chunk {
			for _, acc := range a.accs {
				acc.appendResult(g)
			}
		}
		b, err := a.buildOutput(chunk, nil, nil)
		if err != nil {
			return err
		}
		rowBytes = max(rowBytes, (vectorized.RecordBytes(b.Record)+len(chunk)-1)/len(chunk))
		if err := a.send(ctx, b, out); err != nil {
			return err
		}
	}
	return nil
}

func (a *GroupAggregate) emitEmptyGlobal(ctx context.Context, out Collector) error {
	mem := a.rt.Mem
	fields := make([]arrow.Field, len(a.spec.Aggs))
	cols := make([]arrow.Array, len(a.spec.Aggs))
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for i, c := range a.spec.Aggs {
		res := c.Result
		if res == nil {
			if c.Func != CountStar && c.Func != Count {
				return fmt.Errorf("%s: the result type is needed for an empty global aggregate", c)
			}
			res = arrow.PrimitiveTypes.Int64
		}
		fields[i] = arrow.Field{Name: fmt.Sprintf("EXPR$%d", i), Type: res, Nullable: true}
		if len(a.spec.OutputNames) == len(fields) {
			fields[i].Name = a.spec.OutputNames[i]
		}
		var err error
		if c.Func == CountStar || c.Func == Count {
			cols[i], err = buildInts(mem, res, []int64{0}, nil)
		} else {
			cols[i] = array.MakeArrayOfNull(mem, res, 1)
		}
		if err != nil {
			return err
		}
	}
	rec := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, 1)
	b := vectorized.NewBatch(rec)
	defer b.Release()
	return out.Collect(ctx, b)
}

func (a *GroupAggregate) Close() error {
	for _, x := range a.bundle {
		x.b.Release()
	}
	a.bundle = nil
	if a.table != nil {
		a.table.release()
	}
	return closeAccs(a.accs)
}

// sameTypes compares column types only: the inputs of a union may name
// their columns differently.
func sameTypes(x, y *arrow.Schema) bool {
	if x == y {
		return true
	}
	if x.NumFields() != y.NumFields() {
		return false
	}
	for i := 0; i < x.NumFields(); i++ {
		if !arrow.TypeEqual(x.Field(i).Type, y.Field(i).Type) {
			return false
		}
	}
	return true
}
