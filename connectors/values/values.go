package values

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/sluice-stream/sluice/connectors/internal/option"
	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/engine/state"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/types"
	"github.com/sluice-stream/sluice/vectorized"
)

// Identifier is the value of the `connector` option.
const Identifier = "values"

// Options.
const (
	OptionData              = "data"
	OptionChangelogMode     = "changelog-mode"
	OptionBounded           = "bounded"
	OptionSinkID            = "sink-id"
	OptionSinkChangelogMode = "sink-changelog-mode"
	OptionFailAfter         = "source.fail-after"
	// OptionSinkGuarantee 'exactly-once' makes the sink transactional, as
	// Kafka's exactly-once sink: rows become visible when the checkpoint
	// after them completes (or at the end of input), and a restore drops
	// what came after the restored checkpoint. Recovery goldens of jobs
	// with two sources need it: the other source goes on emitting between
	// the checkpoint and the injected failure.
	OptionSinkGuarantee = "sink.delivery-guarantee"
)

// Factory is the values connector, source and sink.
type Factory struct{}

func init() { connector.Register(Factory{}) }

// Identifier implements connector.Factory.
func (Factory) Identifier() string { return Identifier }

// Options implements connector.Factory.
func (Factory) Options() []connector.Option {
	return []connector.Option{
		{Key: OptionData, Description: "The source's rows in the print format, one per line or separated by ';'."},
		{Key: OptionChangelogMode, Default: "I", Description: "Row kinds the source produces: a comma list of I, UB, UA, D."},
		{Key: OptionBounded, Default: "true", Description: "Whether the source ends after its rows; when false it idles until cancelled."},
		{Key: OptionSinkID, Description: "Name under which the sink collects rows (Collected); by default the table's name."},
		{Key: OptionSinkChangelogMode, Default: "I,UB,UA,D", Description: "Row kinds the sink accepts."},
		{Key: OptionSinkGuarantee, Default: "at-least-once", Description: "exactly-once: rows become visible when the checkpoint after them completes (a restore drops the rest)."},
		{Key: OptionFailAfter, Description: "Fail the job once, after the source emitted this many rows and a checkpoint taken after them completed (needs checkpointing and a restart strategy): the job restores and the source continues from the checkpointed row, to test recovery."},
	}
}

// ParseChangelogMode reads a comma list of I, UB, UA and D (Flink's
// ChangelogMode short names, as EXPLAIN prints them), in any case.
func ParseChangelogMode(s string) (connector.ChangelogMode, error) {
	var m connector.ChangelogMode
	for part := range strings.SplitSeq(s, ",") {
		switch strings.ToUpper(strings.TrimSpace(part)) {
		case "I":
			m |= connector.KindInsert
		case "UB":
			m |= connector.KindUpdateBefore
		case "UA":
			m |= connector.KindUpdateAfter
		case "D":
			m |= connector.KindDelete
		default:
			return 0, fmt.Errorf("'%s' is not a row kind; use I, UB, UA or D", strings.TrimSpace(part))
		}
	}
	return m, nil
}

func kindBit(k vectorized.RowKind) connector.ChangelogMode {
	return [...]connector.ChangelogMode{connector.KindInsert, connector.KindUpdateBefore, connector.KindUpdateAfter, connector.KindDelete}[k]
}

var kindNames = [...]string{"I", "UB", "UA", "D"}

func readMode(r option.Reader, key, def string) (connector.ChangelogMode, error) {
	m, err := ParseChangelogMode(r.String(key, def))
	if err != nil {
		return 0, r.Errorf(key, "is not a changelog mode: %v", err)
	}
	return m, nil
}

func sessionZone(cfg engine.Config) (*time.Location, error) {
	loc, err := option.SessionZone(cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", Identifier, err)
	}
	return loc, nil
}

// NewSource implements connector.SourceFactory.
func (Factory) NewSource(ctx *connector.Context) (*connector.Source, error) {
	if err := connector.ValidateOptions(Factory{}, ctx.Options); err != nil {
		return nil, err
	}
	r := option.Reader{Connector: Identifier, Options: ctx.Options}
	mode, err := readMode(r, OptionChangelogMode, "I")
	if err != nil {
		return nil, err
	}
	bounded, err := r.Bool(OptionBounded, true)
	if err != nil {
		return nil, err
	}
	loc, err := sessionZone(ctx.Config)
	if err != nil {
		return nil, err
	}
	rows, err := ParseRows(r.String(OptionData, ""), ctx.Columns, loc)
	if err != nil {
		return nil, fmt.Errorf("%s: table %s: %s: %w", Identifier, ctx.Table, OptionData, err)
	}
	for i, row := range rows {
		if !mode.Contains(kindBit(row.Kind)) {
			return nil, fmt.Errorf("%s: table %s: %s: row %d is %s, but %s is '%s' %s; add %s to it",
				Identifier, ctx.Table, OptionData, i+1, row.Kind, OptionChangelogMode, r.String(OptionChangelogMode, "I"), mode, kindNames[row.Kind])
		}
	}
	batch, err := option.BatchSize(ctx.Config)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", Identifier, err)
	}
	failAfter, err := r.Int(OptionFailAfter, 0)
	if err != nil {
		return nil, err
	}
	if failAfter < 0 || failAfter > len(rows) {
		return nil, fmt.Errorf("%s: table %s: %s is %d, not between 1 and the table's %d rows", Identifier, ctx.Table, OptionFailAfter, failAfter, len(rows))
	}
	t := &table{name: ctx.Table, cols: ctx.Columns, rows: rows, bounded: bounded, batch: batch, failAfter: failAfter}
	fs := make([]arrow.Field, len(ctx.Columns))
	for i, c := range ctx.Columns {
		fs[i] = arrow.Field{Name: c.Name, Type: c.Type.Arrow(), Nullable: !c.Type.NotNull}
	}
	t.schema = arrow.NewSchema(fs, nil)
	describe := fmt.Sprintf("rows=%d, changelog-mode=%s", len(rows), mode)
	if !bounded {
		describe += ", bounded=false"
	}
	if failAfter > 0 {
		describe += fmt.Sprintf(", fail-after=%d", failAfter)
	}
	return &connector.Source{
		Bounded: bounded,
		Mode:    mode,
		// Flink's test values source is not parallel either: one subtask
		// keeps the rows in the order written.
		Parallelism: 1,
		Instance: func(subtask, _ int) engine.Source {
			return &source{t: t, subtask: subtask}
		},
		Describe: describe,
	}, nil
}

// table is a parsed values table.
type table struct {
	name      string
	cols      []connector.Column
	schema    *arrow.Schema
	rows      []Row
	bounded   bool
	batch     int
	failAfter int
}

// source emits the rows of a values table from subtask 0. With
// checkpointing it keeps its position (the rows emitted) in operator
// state, so that a restored job continues after the checkpointed row.
type source struct {
	t       *table
	subtask int
	batch   int
	rb      *array.RecordBuilder
	rt      *engine.RuntimeContext

	pos  int                      // rows emitted
	list *state.OperatorListState // the position, when checkpointing
	// source.fail-after: the position each pending checkpoint recorded,
	// and whether one at or past failAfter has completed.
	snapped  map[int64]int
	complete bool
	failed   bool // this attempt restored after the injected failure
}

func (s *source) String() string { return "Values" }

// stateName names the position's list state.
const stateName = "values-position"

func (s *source) Open(_ context.Context, rt *engine.RuntimeContext) error {
	s.batch, s.rt = s.t.batch, rt
	if rt.Config != nil {
		var err error
		if s.batch, err = option.BatchSize(rt.Config); err != nil {
			return err
		}
	}
	_, restored := rt.Restored()
	if s.t.failAfter > 0 && !rt.CheckpointingEnabled() {
		return fmt.Errorf("%s: table %s: %s needs checkpointing (execution.checkpointing.interval)", Identifier, s.t.name, OptionFailAfter)
	}
	if rt.CheckpointingEnabled() || restored {
		ops, err := rt.OperatorState()
		if err != nil {
			return fmt.Errorf("%s: %w", Identifier, err)
		}
		if s.list, err = ops.ListState(stateName, state.SplitDistribute); err != nil {
			return fmt.Errorf("%s: %w", Identifier, err)
		}
	}
	if restored {
		// Only subtask 0 emits; its position goes back to whichever
		// subtask gets the element, and is honoured by subtask 0 only
		// (the source's parallelism is always 1).
		for _, e := range s.list.Get() {
			v, w := binary.Uvarint(e)
			if w <= 0 || w != len(e) || v > uint64(len(s.t.rows)) {
				return fmt.Errorf("%s: table %s: the checkpointed position is corrupt or past the table's %d rows; restore with the table unchanged", Identifier, s.t.name, len(s.t.rows))
			}
			s.pos = int(v)
		}
		// A restored source does not fail again: the injected failure
		// happened once, after the checkpoint it restores from.
		s.failed = true
	}
	s.snapped = map[int64]int{}
	s.rb = array.NewRecordBuilder(rt.Mem, s.t.schema)
	return nil
}

// Run emits the rows in batches of sluice.exec.batch-size; an unbounded
// table then waits for the job to be cancelled.
func (s *source) Run(ctx context.Context, out engine.Collector) error {
	if s.subtask == 0 {
		for s.pos < len(s.t.rows) {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := s.maybeFail(ctx, out); err != nil {
				return err
			}
			n := min(len(s.t.rows)-s.pos, s.batch)
			if f := s.t.failAfter; f > 0 && !s.failed && s.pos < f {
				n = min(n, f-s.pos)
			}
			b := s.build(s.t.rows[s.pos : s.pos+n])
			// The position moves before Collect: a checkpoint taken in
			// Collect follows the batch.
			s.pos += n
			err := out.Collect(ctx, b)
			b.Release()
			if err != nil {
				return err
			}
		}
		if err := s.maybeFail(ctx, out); err != nil {
			return err
		}
	}
	if !s.t.bounded {
		<-ctx.Done()
		return ctx.Err()
	}
	return nil
}

// maybeFail is source.fail-after: once failAfter rows went out, it waits
// (yielding, so that barriers and completions reach the source) for a
// checkpoint taken after them to complete, then fails the attempt. Nothing
// is emitted between that checkpoint and the failure, so a restored job
// replays exactly the rows after it.
func (s *source) maybeFail(ctx context.Context, out engine.Collector) error {
	if s.t.failAfter == 0 || s.failed || s.pos < s.t.failAfter {
		return nil
	}
	for !s.complete {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
		if err := engine.Yield(ctx, out); err != nil {
			return err
		}
	}
	return fmt.Errorf("%s: table %s: failure injected after %d rows (%s)", Identifier, s.t.name, s.pos, OptionFailAfter)
}

// SnapshotState records the position (subtask 0 only: the others emit
// nothing).
func (s *source) SnapshotState(_ context.Context, cp engine.CheckpointInfo) error {
	if s.list == nil || s.subtask != 0 {
		return nil
	}
	s.list.Update([][]byte{binary.AppendUvarint(nil, uint64(s.pos))})
	s.snapped[cp.ID] = s.pos
	return nil
}

// NotifyCheckpointComplete arms source.fail-after once a checkpoint that
// covers its rows completed.
func (s *source) NotifyCheckpointComplete(_ context.Context, id int64) error {
	if p, ok := s.snapped[id]; ok && s.t.failAfter > 0 && p >= s.t.failAfter {
		s.complete = true
	}
	for k := range s.snapped {
		if k <= id {
			delete(s.snapped, k)
		}
	}
	return nil
}

func (s *source) build(rows []Row) *vectorized.Batch {
	var kinds []vectorized.RowKind
	for i, r := range rows {
		if r.Kind != vectorized.Insert && kinds == nil {
			kinds = make([]vectorized.RowKind, len(rows))
			for j := range i {
				kinds[j] = rows[j].Kind
			}
		}
		if kinds != nil {
			kinds[i] = r.Kind
		}
		for c, col := range s.t.cols {
			appendValue(s.rb.Field(c), col.Type, r.Values[c])
		}
	}
	return &vectorized.Batch{Record: s.rb.NewRecordBatch(), Kinds: kinds}
}

func (s *source) Close() error {
	if s.rb != nil {
		s.rb.Release()
		s.rb = nil
	}
	return nil
}

// appendValue appends one parsed value (see ParseRows) to its builder.
func appendValue(b array.Builder, t types.DataType, v any) {
	if v == nil {
		b.AppendNull()
		return
	}
	switch bb := b.(type) {
	case *array.BooleanBuilder:
		bb.Append(v.(bool))
	case *array.Int8Builder:
		bb.Append(int8(v.(int64)))
	case *array.Int16Builder:
		bb.Append(int16(v.(int64)))
	case *array.Int32Builder:
		bb.Append(int32(v.(int64)))
	case *array.Int64Builder:
		bb.Append(v.(int64))
	case *array.Float32Builder:
		bb.Append(float32(v.(float64)))
	case *array.Float64Builder:
		bb.Append(v.(float64))
	case *array.Decimal128Builder:
		bb.Append(v.(decimal128.Num))
	case *array.StringBuilder:
		bb.Append(v.(string))
	case *array.BinaryBuilder:
		bb.Append(v.([]byte))
	case *array.Date32Builder:
		bb.Append(arrow.Date32(v.(int32)))
	case *array.Time32Builder:
		bb.Append(arrow.Time32(v.(int64)))
	case *array.Time64Builder:
		bb.Append(arrow.Time64(v.(int64)))
	case *array.TimestampBuilder:
		bb.Append(arrow.Timestamp(v.(int64)))
	case *array.MonthIntervalBuilder:
		bb.Append(arrow.MonthInterval(v.(int64)))
	case *array.DurationBuilder:
		bb.Append(arrow.Duration(v.(int64)))
	case *array.MapBuilder:
		bb.Append(true)
		for _, e := range v.([]kv) {
			appendValue(bb.KeyBuilder(), *t.Key, e.key)
			appendValue(bb.ItemBuilder(), *t.Value, e.value)
		}
	case *array.ListBuilder:
		bb.Append(true)
		for _, e := range v.([]any) {
			appendValue(bb.ValueBuilder(), *t.Elem, e)
		}
	case *array.StructBuilder:
		bb.Append(true)
		for i, f := range v.([]any) {
			appendValue(bb.FieldBuilder(i), t.Fields[i].Type, f)
		}
	default:
		panic(fmt.Sprintf("values: no builder case for %T", b)) // ParseRows rejected the type
	}
}

// The sinks' registry: every values sink appends to the Collected of its
// sink-id, where tests read the changelog and the materialised table.
var (
	registryMu sync.Mutex
	registry   = map[string]*engine.Collected{}
)

// Collected is what the values sinks with the given sink-id received, from
// every job and subtask since the last Reset; it is created empty on first
// use, so a test may take it before or after running the job.
func Collected(sinkID string) *engine.Collected {
	registryMu.Lock()
	defer registryMu.Unlock()
	c, ok := registry[sinkID]
	if !ok {
		c = &engine.Collected{}
		registry[sinkID] = c
	}
	return c
}

// Reset forgets what the sinks with sink-id received; the next sink with
// that id starts an empty changelog.
func Reset(sinkID string) {
	registryMu.Lock()
	defer registryMu.Unlock()
	delete(registry, sinkID)
}

// NewSink implements connector.SinkFactory.
func (Factory) NewSink(ctx *connector.Context) (*connector.Sink, error) {
	if err := connector.ValidateOptions(Factory{}, ctx.Options); err != nil {
		return nil, err
	}
	r := option.Reader{Connector: Identifier, Options: ctx.Options}
	accepts, err := readMode(r, OptionSinkChangelogMode, "I,UB,UA,D")
	if err != nil {
		return nil, err
	}
	id := r.String(OptionSinkID, ctx.Table)
	if id == "" {
		return nil, fmt.Errorf("%s: the sink needs a %s (or a table name)", Identifier, OptionSinkID)
	}
	var eos bool
	switch g := r.String(OptionSinkGuarantee, "at-least-once"); g {
	case "at-least-once", "none":
	case "exactly-once":
		eos = true
	default:
		return nil, fmt.Errorf("%s: %s is %q; it is at-least-once or exactly-once", Identifier, OptionSinkGuarantee, g)
	}
	return &connector.Sink{
		Accepts: accepts,
		Instance: func(subtask, _ int) engine.Sink {
			return &sink{id: id, accepts: accepts, Sink: engine.NewCollectSink(Collected(id))(subtask), eos: eos, subtask: subtask}
		},
		Describe: fmt.Sprintf("sink-id=%s", id),
	}, nil
}

// sink collects into the registry, and refuses row kinds it does not
// accept: receiving one means the plan is wrong.
type sink struct {
	engine.Sink
	id      string
	accepts connector.ChangelogMode
	// eos: exactly-once (OptionSinkGuarantee); pending are the batches
	// since the last checkpoint.
	eos     bool
	subtask int
	pending []*vectorized.Batch
}

// staged holds, per exactly-once sink instance (id/subtask), the batches
// of each checkpoint not yet known to be complete. It outlives the
// instance, as a transaction outlives a crashed Kafka producer: the
// restored instance commits those of the checkpoint it restores from.
var (
	stagedMu sync.Mutex
	staged   = map[string]map[int64][]*vectorized.Batch{}
)

func (s *sink) stageKey() string { return fmt.Sprintf("%s/%d", s.id, s.subtask) }

func (s *sink) Open(ctx context.Context, rt *engine.RuntimeContext) error {
	if err := s.Sink.Open(ctx, rt); err != nil {
		return err
	}
	if !s.eos {
		return nil
	}
	stagedMu.Lock()
	epochs := staged[s.stageKey()]
	delete(staged, s.stageKey())
	stagedMu.Unlock()
	restored, ok := rt.Restored()
	var ids []int64
	for id := range epochs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		// Rows of checkpoints up to the restored one are committed; later
		// ones belong to the failed attempt and are dropped.
		for _, b := range epochs[id] {
			var err error
			if ok && id <= restored.CheckpointID {
				err = s.Sink.Write(ctx, b)
			}
			b.Record.Release()
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// SnapshotState stages the batches since the last checkpoint under it.
func (s *sink) SnapshotState(_ context.Context, cp engine.CheckpointInfo) error {
	if !s.eos {
		return nil
	}
	stagedMu.Lock()
	defer stagedMu.Unlock()
	m := staged[s.stageKey()]
	if m == nil {
		m = map[int64][]*vectorized.Batch{}
		staged[s.stageKey()] = m
	}
	m[cp.ID] = append(m[cp.ID], s.pending...)
	s.pending = nil
	return nil
}

// NotifyCheckpointComplete commits the staged batches of checkpoints up to
// id.
func (s *sink) NotifyCheckpointComplete(ctx context.Context, id int64) error {
	if !s.eos {
		return nil
	}
	stagedMu.Lock()
	m := staged[s.stageKey()]
	var ids []int64
	for k := range m {
		if k <= id {
			ids = append(ids, k)
		}
	}
	slices.Sort(ids)
	var commit []*vectorized.Batch
	for _, k := range ids {
		commit = append(commit, m[k]...)
		delete(m, k)
	}
	stagedMu.Unlock()
	return s.writeAll(ctx, commit)
}

// Finish commits what is left at the end of input (Flink's sinks commit
// their last transaction there).
func (s *sink) Finish(ctx context.Context) error {
	if s.eos {
		stagedMu.Lock()
		m := staged[s.stageKey()]
		var ids []int64
		for k := range m {
			ids = append(ids, k)
		}
		slices.Sort(ids)
		var commit []*vectorized.Batch
		for _, k := range ids {
			commit = append(commit, m[k]...)
		}
		delete(staged, s.stageKey())
		stagedMu.Unlock()
		commit = append(commit, s.pending...)
		s.pending = nil
		if err := s.writeAll(ctx, commit); err != nil {
			return err
		}
	}
	return s.Sink.Finish(ctx)
}

func (s *sink) writeAll(ctx context.Context, bs []*vectorized.Batch) error {
	var first error
	for _, b := range bs {
		if first == nil {
			first = s.Sink.Write(ctx, b)
		}
		b.Record.Release()
	}
	return first
}

func (s *sink) Close() error {
	for _, b := range s.pending {
		b.Record.Release()
	}
	s.pending = nil
	return s.Sink.Close()
}

func (s *sink) String() string { return "Values(" + s.id + ")" }

func (s *sink) Write(ctx context.Context, b *vectorized.Batch) error {
	if b.Kinds != nil && s.accepts != connector.All {
		for i, k := range b.Kinds {
			if !s.accepts.Contains(kindBit(k)) {
				return fmt.Errorf("%s: sink %s accepts %s but row %d of a batch is %s", Identifier, s.id, s.accepts, i, k)
			}
		}
	}
	if b.Kinds == nil && !s.accepts.Contains(connector.KindInsert) {
		return fmt.Errorf("%s: sink %s accepts %s but received inserts", Identifier, s.id, s.accepts)
	}
	if s.eos {
		s.pending = append(s.pending, engine.RetainBatch(b))
		return nil
	}
	return s.Sink.Write(ctx, b)
}
