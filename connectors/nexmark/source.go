package nexmark

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluice-stream/sluice/connectors/internal/option"
	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/engine/state"
	"github.com/sluice-stream/sluice/vectorized"
)

// stateName is the operator list state holding the subtask's splits.
const stateName = "nexmark-splits"

// yieldEvery is the longest the source waits for the wall clock without
// yielding (engine.Yielder asks for 100 ms at most).
const yieldEvery = 50 * time.Millisecond

// split is one generator of the event sequence (Nexmark's
// NexmarkSourceSplit): generator index of n, how many events it emitted,
// and what its events' contents depend on, so that a restored job
// continues it exactly.
type split struct {
	index, n      int
	baseTime      int64
	seed          uint64
	wallclockBase int64 // ms; -1 until the first event is emitted
	gen           *generator
}

// source is one subtask of a nexmark table.
type source struct {
	t                    *table
	subtask, parallelism int
	batch                int
	batchBytes           int // engine.ConfigBatchBytes
	rowBytes             int // widest bytes per row: the estimate from the average sizes, or a batch's when wider
	splits               []*split
	rb                   *array.RecordBuilder
	w                    *writer
	list                 *state.OperatorListState // nil without checkpoints
	ev                   event
}

func newSource(t *table, subtask, parallelism int) *source {
	return &source{t: t, subtask: subtask, parallelism: parallelism}
}

func (s *source) String() string { return "Nexmark" }

func (s *source) newSplit(index, n int, baseTime int64, seed uint64, count, wallclockBase int64) *split {
	cfg := s.t.split(index, n, baseTime, seed)
	return &split{index: index, n: n, baseTime: baseTime, seed: seed, wallclockBase: wallclockBase,
		gen: &generator{cfg: cfg, count: count}}
}

// Open takes the subtask's split, or the splits its operator state hands
// it after a restore.
func (s *source) Open(_ context.Context, rt *engine.RuntimeContext) error {
	if s.parallelism < 1 {
		s.subtask, s.parallelism = rt.Subtask, rt.Parallelism
	}
	var err error
	s.batch = s.t.batchSize
	if rt.Config != nil {
		if s.batch, err = option.BatchSize(rt.Config); err != nil {
			return err
		}
	}
	if s.batchBytes, err = engine.BatchBytes(rt.Config); err != nil {
		return err
	}
	// Every row holds all three ROWs' fields (NULL ones too): 8 bytes per
	// BIGINT or TIMESTAMP, a 4-byte offset per string; plus the event's
	// strings, which its average size bounds (+20%).
	p := &s.t.params
	s.rowBytes = 4 + 8*(4+7+3) + 4*(6+3+4) + max(p.avgPersonSize, p.avgAuctionSize, p.avgBidSize)*6/5

	_, restored := rt.Restored()
	if rt.CheckpointingEnabled() || restored {
		ops, err := rt.OperatorState()
		if err != nil {
			return fmt.Errorf("%s: %w", Identifier, err)
		}
		// At the same parallelism each subtask gets its splits back; at
		// another, each split goes whole to one subtask (Flink's split
		// reassignment): every event is still generated once.
		if s.list, err = ops.ListState(stateName, state.SplitDistribute); err != nil {
			return fmt.Errorf("%s: %w", Identifier, err)
		}
	}
	if restored {
		for _, e := range s.list.Get() {
			sp, err := s.decodeSplit(e)
			if err != nil {
				return err
			}
			s.splits = append(s.splits, sp)
		}
	} else {
		s.splits = []*split{s.newSplit(s.subtask, s.parallelism, s.t.params.baseTime, s.t.params.seed, 0, -1)}
	}
	s.rb = array.NewRecordBuilder(rt.Mem, s.t.schema)
	s.w = newWriter(s.rb)
	return nil
}

// Run generates the splits' events in batches. With max-emit-speed off an
// event is not emitted before its dateTime, measured from when the split
// emitted its first event (Nexmark's wallclock timestamp).
func (s *source) Run(ctx context.Context, out engine.Collector) error {
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	wait := func(d time.Duration) error {
		if timer == nil {
			timer = time.NewTimer(d)
		} else {
			timer.Reset(d)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
		}
		return engine.Yield(ctx, out)
	}
	for {
		sp := s.earliest()
		if sp == nil {
			break
		}
		g := sp.gen
		if err := ctx.Err(); err != nil {
			return err
		}
		n, limit := 0, vectorized.RowsUnder(s.batch, s.batchBytes, s.rowBytes)
		s.w.reserve(int(min(int64(limit), g.cfg.maxEvents-g.count)))
		for n < limit && g.hasNext() {
			if !s.t.maxSpeed {
				now := time.Now().UnixMilli()
				if sp.wallclockBase < 0 {
					sp.wallclockBase = now
				}
				due := sp.wallclockBase + g.nextTimestamp() - sp.baseTime
				if due > now {
					if n > 0 {
						break // emit what is due first
					}
					if err := wait(min(time.Duration(due-now)*time.Millisecond, yieldEvery)); err != nil {
						return err
					}
					continue
				}
			}
			// The position (g.count) moves before Collect: a checkpoint
			// taken in Collect must count the batch it follows.
			g.next(&s.ev)
			s.w.append(&s.ev)
			n++
		}
		if n == 0 {
			continue
		}
		b := vectorized.NewBatch(s.w.finish())
		s.rowBytes = max(s.rowBytes, vectorized.RecordBytes(b.Record)/n)
		err := out.Collect(ctx, b)
		b.Release()
		if err != nil {
			return err
		}
	}
	if s.t.keepAlive {
		// Flink's keep-alive: the source stays, idle, until cancelled.
		for {
			if err := wait(yieldEvery); err != nil {
				return err
			}
		}
	}
	return nil
}

// earliest is the split with events left whose next event is earliest in
// event time, nil when all are done. A subtask runs several splits only
// after a restore at a lower parallelism; each split is a timeline from
// the same base time, so generating them one after the other would put
// the second one's events behind the watermark the first one drove, and
// windows would drop them as late. Taking the earliest batch by batch
// keeps the subtask's dateTime as ordered as one split's.
func (s *source) earliest() *split {
	var best *split
	var bestTs int64
	for _, sp := range s.splits {
		if !sp.gen.hasNext() {
			continue
		}
		if ts := sp.gen.nextTimestamp(); best == nil || ts < bestTs {
			best, bestTs = sp, ts
		}
	}
	return best
}

// SnapshotState records each split's position.
func (s *source) SnapshotState(context.Context, engine.CheckpointInfo) error {
	if s.list == nil {
		return nil
	}
	elems := make([][]byte, len(s.splits))
	for i, sp := range s.splits {
		elems[i] = sp.encode()
	}
	s.list.Update(elems)
	return nil
}

// splitVersion starts an encoded split, for a later change of the layout.
const splitVersion = 1

// encode: version, then index, n, count as uvarints, then base time,
// seed and wall-clock base as 8 bytes each.
func (sp *split) encode() []byte {
	b := []byte{splitVersion}
	b = binary.AppendUvarint(b, uint64(sp.index))
	b = binary.AppendUvarint(b, uint64(sp.n))
	b = binary.AppendUvarint(b, uint64(sp.gen.count))
	b = binary.BigEndian.AppendUint64(b, uint64(sp.baseTime))
	b = binary.BigEndian.AppendUint64(b, sp.seed)
	return binary.BigEndian.AppendUint64(b, uint64(sp.wallclockBase))
}

func (s *source) decodeSplit(e []byte) (*split, error) {
	corrupt := fmt.Errorf("%s: table %s: the checkpointed position is corrupt", Identifier, s.t.name)
	if len(e) == 0 || e[0] != splitVersion {
		return nil, corrupt
	}
	e = e[1:]
	var nums [3]uint64
	for i := range nums {
		v, w := binary.Uvarint(e)
		if w <= 0 {
			return nil, corrupt
		}
		nums[i], e = v, e[w:]
	}
	if len(e) != 24 {
		return nil, corrupt
	}
	index, n, count := int(nums[0]), int(nums[1]), int64(nums[2])
	if n < 1 || index >= n {
		return nil, corrupt
	}
	sp := s.newSplit(index, n, int64(binary.BigEndian.Uint64(e)), binary.BigEndian.Uint64(e[8:]), count, int64(binary.BigEndian.Uint64(e[16:])))
	if count > sp.gen.cfg.maxEvents {
		return nil, fmt.Errorf("%s: table %s: the checkpoint says generator %d of %d emitted %d events, more than its %d; restore with the table's options unchanged",
			Identifier, s.t.name, index, n, count, sp.gen.cfg.maxEvents)
	}
	return sp, nil
}

// Close releases the builder.
func (s *source) Close() error {
	if s.rb != nil {
		s.rb.Release()
		s.rb = nil
	}
	return nil
}

// writer appends events to the record builder: event_type, then the ROW
// of the event's stream, the other two ROWs NULL. NULL rows are appended
// in runs (a person row is NULL for about 49 events in 50).
type writer struct {
	rb      *array.RecordBuilder
	typ     *array.Int32Builder
	structs [3]*array.StructBuilder
	pending [3]int // NULL rows not appended yet, per stream
	ints    [3][]*array.Int64Builder
	strs    [3][]*array.StringBuilder
	tss     [3][]tsField
	// dataLen is each string builder's bytes in the previous batch: the
	// next batch reserves as much up front, since growing the buffers by
	// doubling copies them (a third of the generator's time, measured).
	dataLen [3][]int
	rows    int // rows of the previous batch
}

type tsField struct {
	b    *array.TimestampBuilder
	unit arrow.TimeUnit
}

func newWriter(rb *array.RecordBuilder) *writer {
	w := &writer{rb: rb, typ: rb.Field(0).(*array.Int32Builder)}
	for i := range 3 {
		sb := rb.Field(i + 1).(*array.StructBuilder)
		w.structs[i] = sb
		for j := range sb.NumField() {
			switch fb := sb.FieldBuilder(j).(type) {
			case *array.Int64Builder:
				w.ints[i] = append(w.ints[i], fb)
			case *array.StringBuilder:
				w.strs[i] = append(w.strs[i], fb)
				w.dataLen[i] = append(w.dataLen[i], 0)
			case *array.TimestampBuilder:
				w.tss[i] = append(w.tss[i], tsField{fb, fb.Type().(*arrow.TimestampType).Unit})
			}
		}
	}
	return w
}

func (f tsField) append(ms int64) {
	switch f.unit {
	case arrow.Second:
		ms /= 1000 // event times are after 1970: no rounding towards -inf needed
	case arrow.Microsecond:
		ms *= 1e3
	case arrow.Nanosecond:
		ms *= 1e6
	}
	f.b.Append(arrow.Timestamp(ms))
}

// reserve sizes the builders for a batch of n rows, by the previous
// batch's string bytes per row.
func (w *writer) reserve(n int) {
	w.typ.Reserve(n)
	for i, sb := range w.structs {
		sb.Reserve(n)
		for j, b := range w.strs[i] {
			if w.rows > 0 {
				b.ReserveData(w.dataLen[i][j] * n / w.rows * 11 / 10)
			}
		}
	}
}

func (w *writer) append(e *event) {
	w.typ.Append(int32(e.typ))
	for i := range 3 {
		if i != e.typ {
			w.pending[i]++
		}
	}
	w.flushNulls(e.typ)
	w.structs[e.typ].Append(true)
	ints, strs, tss := w.ints[e.typ], w.strs[e.typ], w.tss[e.typ]
	switch e.typ {
	case TypePerson:
		p := &e.person
		ints[0].Append(p.id)
		strs[0].Append(p.name)
		strs[1].Append(p.email)
		strs[2].Append(p.creditCard)
		strs[3].Append(p.city)
		strs[4].Append(p.state)
		tss[0].append(p.dateTime)
		strs[5].Append(p.extra)
	case TypeAuction:
		a := &e.auction
		ints[0].Append(a.id)
		strs[0].Append(a.itemName)
		strs[1].Append(a.desc)
		ints[1].Append(a.initialBid)
		ints[2].Append(a.reserve)
		tss[0].append(a.dateTime)
		tss[1].append(a.expires)
		ints[3].Append(a.seller)
		ints[4].Append(a.category)
		strs[2].Append(a.extra)
	default:
		b := &e.bid
		ints[0].Append(b.auction)
		ints[1].Append(b.bidder)
		ints[2].Append(b.price)
		strs[0].Append(b.channel)
		strs[1].Append(b.url)
		tss[0].append(b.dateTime)
		strs[2].Append(b.extra)
	}
}

func (w *writer) flushNulls(i int) {
	if w.pending[i] > 0 {
		w.structs[i].AppendNulls(w.pending[i])
		w.pending[i] = 0
	}
}

func (w *writer) finish() arrow.RecordBatch {
	for i := range 3 {
		w.flushNulls(i)
		for j, b := range w.strs[i] {
			w.dataLen[i][j] = b.DataLen()
		}
	}
	w.rows = w.typ.Len()
	return w.rb.NewRecordBatch()
}

var (
	_ engine.Source       = (*source)(nil)
	_ engine.Checkpointed = (*source)(nil)
)
