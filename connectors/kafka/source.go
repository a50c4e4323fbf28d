package kafka

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/engine/state"
	"github.com/sluice-stream/sluice/vectorized"
)

// Timeouts of the metadata and offset requests made when a source opens.
const requestTimeout = 30 * time.Second

// maxBatchDelay bounds how long a row waits in a partly filled batch: a
// slow topic still reaches the job within this time.
const maxBatchDelay = 100 * time.Millisecond

// pollTimeout is how long one Poll waits for an event; it bounds the
// reaction to cancellation.
const pollTimeout = 50 * time.Millisecond

// yieldInterval is the longest a source goes without offering the
// runtime a point between batches (engine.Yield) while it holds no
// pending rows: checkpoint barriers reach a source only there.
const yieldInterval = 100 * time.Millisecond

// maxPendingCommits bounds the offsets kept for checkpoints that have not
// completed (Flink's FlinkKafkaConsumerBase keeps 100): a checkpoint that
// never completes must not grow the map without end.
const maxPendingCommits = 100

// Counter names in the job's metrics.
const (
	// CounterSkipped counts malformed records skipped under
	// ignore-parse-errors.
	CounterSkipped = "numRecordsSkipped"
	// CounterPartitions is the number of partitions a subtask reads.
	CounterPartitions = "numAssignedPartitions"
	// CounterCommitsSucceeded and CounterCommitsFailed count the offset
	// commits to the consumer group made when checkpoints complete
	// (Flink's KafkaSource metrics of the same names). A failed commit
	// does not fail the job: the checkpoint, not the group, is where a
	// restore starts.
	CounterCommitsSucceeded = "commitsSucceeded"
	CounterCommitsFailed    = "commitsFailed"
)

type partKey struct {
	topic string
	part  int32
}

// partState is one assigned partition.
type partState struct {
	key   partKey
	start int64 // resolved start offset, or ckafka.OffsetBeginning
	stop  int64 // first offset not to read (bounded), -1 when unbounded
	next  int64 // offset after the last record handed on or skipped
	done  bool
	dirty bool // next moved since the last stored offset
	// Watermark generation per partition (partWatermarks): the largest
	// expression value seen, and when the partition last had records.
	wm   int64
	seen time.Time
}

type source struct {
	c                    *config
	subtask, parallelism int

	rt       *engine.RuntimeContext
	consumer *ckafka.Consumer
	// commit says offsets go to the consumer group; onCheckpoint that they
	// go only when a checkpoint completes, with that checkpoint's offsets.
	commit, onCheckpoint bool

	// ckpt is the runtime's checkpoint side.
	ckpt *ckptSide
	// offsets is the operator state holding every assigned partition's
	// position; nil when the job neither takes nor restores checkpoints.
	offsets *state.OperatorListState
	// pending are the offsets of snapshotted checkpoints, by checkpoint
	// id, to commit when the checkpoint completes.
	pending       map[int64][]ckafka.TopicPartition
	commitQ       chan []ckafka.TopicPartition
	commitDone    chan struct{}
	commitsOK     *atomic.Int64
	commitsFailed *atomic.Int64
	parts         map[partKey]*partState
	open          int // partitions not done
	dec           *decoders
	rb            *array.RecordBuilder
	keyB          []array.Builder
	valB          []array.Builder
	rows          int
	bytes         int       // estimated bytes of the pending rows
	first         time.Time // when the oldest row of the pending batch arrived
	// last is the partition of the previous record: messages come in
	// runs per partition, so this spares a map lookup per record.
	last     *partState
	skipped  interface{ Add(int64) int64 }
	lastWarn error
	// norm turns an upsert-kafka topic into a changelog; nil for kafka.
	norm *normalizer
	// wms generates watermarks per partition when the table has a
	// WATERMARK the planner pushed down; nil otherwise.
	wms *partWatermarks
}

func (s *source) String() string { return "KafkaSource(" + strings.Join(s.c.topics, ";") + ")" }

func (s *source) Open(ctx context.Context, rt *engine.RuntimeContext) error {
	s.rt = rt
	s.skipped = rt.Metrics.Counter(CounterSkipped)
	s.commitsOK = rt.Metrics.Counter(CounterCommitsSucceeded)
	s.commitsFailed = rt.Metrics.Counter(CounterCommitsFailed)
	var err error
	if s.ckpt, err = ckptOf(rt); err != nil {
		return err
	}
	if s.ckpt.op != nil {
		if s.offsets, err = s.ckpt.op.ListState(sourceStateName, state.UnionRedistribute); err != nil {
			return err
		}
	}
	dec, err := s.c.newDecoders()
	if err != nil {
		return err
	}
	s.dec = dec
	if len(s.c.valueCols) == len(s.c.cols) {
		// value.fields-include = ALL: the value holds the key's columns
		// too, and Flink takes them from the value; the key is not read.
		s.dec.key = nil
	}
	fields := make([]arrow.Field, len(s.c.cols))
	for i, col := range s.c.cols {
		fields[i] = arrow.Field{Name: col.Name, Type: col.Type.Arrow(), Nullable: !col.Type.NotNull}
	}
	s.rb = array.NewRecordBuilder(rt.Mem, arrow.NewSchema(fields, nil))
	s.rb.Reserve(s.c.batch)
	for _, i := range s.c.keyCols {
		s.keyB = append(s.keyB, s.rb.Field(i))
	}
	for _, i := range s.c.valueCols {
		s.valB = append(s.valB, s.rb.Field(i))
	}

	group := s.c.groupID
	s.commit = group != ""
	if s.ckpt.enabled {
		// As Flink: with checkpoints, offsets are committed when a
		// checkpoint completes unless commit.offsets.on.checkpoint is
		// false; the client's auto-commit is always off.
		s.commit = s.commit && s.c.commitOnCheckpoint
		s.onCheckpoint = s.commit
	} else if v, ok := s.c.props["enable.auto.commit"]; ok && strings.EqualFold(fmt.Sprint(v), "false") {
		s.commit = false
	}
	if group == "" {
		// librdkafka wants a group even for assigned partitions; one of
		// our own that never commits changes no one's offsets.
		var b [6]byte
		_, _ = rand.Read(b[:])
		group = "sluice-" + rt.JobName + "-" + hex.EncodeToString(b[:])
	}
	cfg := s.c.clientConfig(ckafka.ConfigMap{
		"group.id":                 group,
		"enable.auto.commit":       s.commit && !s.onCheckpoint,
		"enable.auto.offset.store": false,
		"enable.partition.eof":     s.c.bounded.mode != modeUnbounded,
		"auto.offset.reset":        resetFor(s.c.reset),
	})
	if s.consumer, err = ckafka.NewConsumer(&cfg); err != nil {
		return fmt.Errorf("%s: creating the consumer: %w", Identifier, err)
	}
	if s.onCheckpoint {
		s.pending = map[int64][]ckafka.TopicPartition{}
		s.commitQ = make(chan []ckafka.TopicPartition, 1)
		s.commitDone = make(chan struct{})
		go s.commitLoop()
	}
	if s.c.up != nil {
		if err := s.openNormalizer(rt); err != nil {
			return err
		}
	}
	return s.assign()
}

// restoredOffsets reads the positions of the checkpoint the job starts
// from: nil when there are none (a fresh start, or an operator the
// checkpoint does not know), which leaves every partition to
// scan.startup.mode.
func (s *source) restoredOffsets() (map[partKey]partOffset, error) {
	if s.offsets == nil || len(s.offsets.Get()) == 0 {
		return nil, nil
	}
	out := map[partKey]partOffset{}
	for _, e := range s.offsets.Get() {
		p, err := decodePartOffset(e)
		if err != nil {
			return nil, err
		}
		out[p.key] = p
	}
	return out, nil
}

// resetFor is librdkafka's auto.offset.reset for a position that no
// longer exists (out of range): Flink resets to the same strategy.
func resetFor(r string) string {
	if r == "none" {
		return "error"
	}
	return r
}

// assign finds this subtask's partitions and resolves where each starts
// (and stops), so that once Open returns the source's position is fixed.
func (s *source) assign() error {
	ms := int(requestTimeout / time.Millisecond)
	var all []partKey
	for _, topic := range s.c.topics {
		var md *ckafka.Metadata
		err := retry(func() (err error) {
			md, err = s.consumer.GetMetadata(&topic, false, ms)
			if err == nil {
				if tm, ok := md.Topics[topic]; ok && transient(tm.Error) {
					return tm.Error
				}
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("%s: metadata of topic %s from %v: %w", Identifier, topic, s.c.props["bootstrap.servers"], err)
		}
		tm, ok := md.Topics[topic]
		if !ok || tm.Error.Code() == ckafka.ErrUnknownTopicOrPart || tm.Error.Code() == ckafka.ErrUnknownTopic {
			return fmt.Errorf("%s: topic %s does not exist on %v", Identifier, topic, s.c.props["bootstrap.servers"])
		}
		if tm.Error.Code() != ckafka.ErrNoError {
			return fmt.Errorf("%s: metadata of topic %s: %w", Identifier, topic, tm.Error)
		}
		for _, p := range tm.Partitions {
			all = append(all, partKey{topic, p.ID})
		}
	}
	sortKeys(all)
	s.parts = map[partKey]*partState{}
	var mine []partKey
	for i, k := range all {
		if s.owns(i, k) {
			mine = append(mine, k)
		}
	}
	s.rt.Metrics.Counter(CounterPartitions).Store(int64(len(mine)))
	if len(mine) == 0 {
		return nil
	}
	restored, err := s.restoredOffsets()
	if err != nil {
		return err
	}
	var starts []int64
	if restored == nil {
		if starts, err = s.resolve(mine, s.c.startup, true); err != nil {
			return err
		}
	} else {
		// Restored positions win over scan.startup.mode. A partition the
		// checkpoint does not hold was created after it (or its topic
		// added to the table): as Flink's FlinkKafkaConsumerBase, it is
		// read from its earliest offset, so nothing written to it since
		// the checkpoint is lost.
		starts = make([]int64, len(mine))
		for i, k := range mine {
			starts[i] = int64(ckafka.OffsetBeginning)
			if p, ok := restored[k]; ok {
				starts[i] = p.next
			}
		}
	}
	stops := make([]int64, len(mine))
	for i := range stops {
		stops[i] = -1
	}
	if s.c.bounded.mode != modeUnbounded {
		if stops, err = s.resolve(mine, s.c.bounded, false); err != nil {
			return err
		}
		// A restored partition keeps the stop offset resolved when the
		// job first opened (Flink keeps it in the split's state), so a
		// restore does not move the end of a bounded read.
		for i, k := range mine {
			if p, ok := restored[k]; ok && p.stop >= 0 {
				stops[i] = p.stop
			}
		}
	}
	var tps []ckafka.TopicPartition
	for i, k := range mine {
		st := &partState{key: k, start: starts[i], stop: stops[i], next: starts[i], wm: engine.MinWatermark, seen: time.Now()}
		if st.stop >= 0 {
			if st.start == int64(ckafka.OffsetBeginning) {
				var low int64
				err := retry(func() (err error) {
					low, _, err = s.consumer.QueryWatermarkOffsets(k.topic, k.part, ms)
					return err
				})
				if err != nil {
					return s.partErr(k, "watermark offsets", err)
				}
				st.start, st.next = low, low
			}
			st.done = st.start >= st.stop
		}
		s.parts[k] = st
		if !st.done {
			s.open++
		}
		topic := k.topic
		tps = append(tps, ckafka.TopicPartition{Topic: &topic, Partition: k.part, Offset: ckafka.Offset(st.start)})
	}
	if err := s.consumer.Assign(tps); err != nil {
		return fmt.Errorf("%s: assigning partitions: %w", Identifier, err)
	}
	return nil
}

// retry runs a request until it succeeds, fails for good, or
// requestTimeout passes: right after a topic is created, or while a
// leader moves, brokers answer "not leader" for a moment.
func retry(f func() error) error {
	deadline := time.Now().Add(requestTimeout)
	wait := 50 * time.Millisecond
	for {
		err := f()
		if err == nil || !transient(err) || time.Now().Add(wait).After(deadline) {
			return err
		}
		time.Sleep(wait)
		wait = min(2*wait, time.Second)
	}
}

func transient(err error) bool {
	var ke ckafka.Error
	if !errors.As(err, &ke) {
		return false
	}
	switch ke.Code() {
	case ckafka.ErrNotLeaderForPartition, ckafka.ErrLeaderNotAvailable, ckafka.ErrNotCoordinator,
		ckafka.ErrCoordinatorNotAvailable, ckafka.ErrCoordinatorLoadInProgress, ckafka.ErrTransport,
		ckafka.ErrTimedOut, ckafka.ErrRequestTimedOut, ckafka.ErrAllBrokersDown, ckafka.ErrUnknownLeaderEpoch,
		ckafka.ErrFencedLeaderEpoch, ckafka.ErrOffsetNotAvailable:
		return true
	}
	return ke.IsRetriable()
}

func (s *source) partErr(k partKey, what string, err error) error {
	return fmt.Errorf("%s: topic %s partition %d: %s: %w", Identifier, k.topic, k.part, what, err)
}

// resolve turns a position into concrete offsets (or OffsetBeginning,
// which needs no request) for each partition.
func (s *source) resolve(parts []partKey, p position, start bool) ([]int64, error) {
	ms := int(requestTimeout / time.Millisecond)
	out := make([]int64, len(parts))
	high := func(i int) (int64, error) {
		var h int64
		err := retry(func() (err error) {
			_, h, err = s.consumer.QueryWatermarkOffsets(parts[i].topic, parts[i].part, ms)
			return err
		})
		if err != nil {
			return 0, s.partErr(parts[i], "watermark offsets", err)
		}
		return h, nil
	}
	reset := func(i int) (int64, error) {
		switch s.c.reset {
		case "earliest":
			return int64(ckafka.OffsetBeginning), nil
		case "latest":
			return high(i)
		}
		return 0, fmt.Errorf("%s: topic %s partition %d has no committed offset for group %s and properties.auto.offset.reset is none", Identifier, parts[i].topic, parts[i].part, s.c.groupID)
	}
	committed := func() ([]int64, error) {
		tps := make([]ckafka.TopicPartition, len(parts))
		for i, k := range parts {
			topic := k.topic
			tps[i] = ckafka.TopicPartition{Topic: &topic, Partition: k.part}
		}
		var got []ckafka.TopicPartition
		err := retry(func() (err error) {
			got, err = s.consumer.Committed(tps, ms)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("%s: committed offsets of group %s: %w", Identifier, s.c.groupID, err)
		}
		offs := make([]int64, len(parts))
		for i := range offs {
			offs[i] = -1
		}
		for _, tp := range got {
			for i, k := range parts {
				if *tp.Topic == k.topic && tp.Partition == k.part && tp.Offset >= 0 {
					offs[i] = int64(tp.Offset)
				}
			}
		}
		return offs, nil
	}
	var err error
	switch p.mode {
	case modeEarliest:
		for i := range out {
			out[i] = int64(ckafka.OffsetBeginning)
		}
	case modeLatest:
		for i := range out {
			if out[i], err = high(i); err != nil {
				return nil, err
			}
		}
	case modeGroup:
		offs := make([]int64, len(parts))
		for i := range offs {
			offs[i] = -1
		}
		if s.c.groupID != "" {
			if offs, err = committed(); err != nil {
				return nil, err
			}
		}
		for i := range out {
			switch {
			case offs[i] >= 0:
				out[i] = offs[i]
			case !start:
				return nil, fmt.Errorf("%s: scan.bounded.mode = 'group-offsets' but group %s has no committed offset for topic %s partition %d", Identifier, s.c.groupID, parts[i].topic, parts[i].part)
			default:
				if out[i], err = reset(i); err != nil {
					return nil, err
				}
			}
		}
	case modeTimestamp:
		tps := make([]ckafka.TopicPartition, len(parts))
		for i, k := range parts {
			topic := k.topic
			tps[i] = ckafka.TopicPartition{Topic: &topic, Partition: k.part, Offset: ckafka.Offset(p.timestamp)}
		}
		var got []ckafka.TopicPartition
		err := retry(func() (err error) {
			got, err = s.consumer.OffsetsForTimes(tps, ms)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("%s: offsets for timestamp %d: %w", Identifier, p.timestamp, err)
		}
		for i, k := range parts {
			out[i] = -1
			for _, tp := range got {
				if *tp.Topic == k.topic && tp.Partition == k.part {
					if tp.Error != nil {
						return nil, s.partErr(k, "offset for timestamp", tp.Error)
					}
					out[i] = int64(tp.Offset)
				}
			}
			if out[i] < 0 {
				// No record at or after the timestamp: the end.
				if out[i], err = high(i); err != nil {
					return nil, err
				}
			}
		}
	case modeSpecific:
		var offs []int64
		if s.c.groupID != "" && start {
			if offs, err = committed(); err != nil {
				return nil, err
			}
		}
		for i, k := range parts {
			if o, ok := p.offsets[k.part]; ok {
				out[i] = o
				continue
			}
			switch {
			case !start:
				// Partitions without a stop offset stop at today's end.
				if out[i], err = high(i); err != nil {
					return nil, err
				}
			case offs != nil && offs[i] >= 0:
				out[i] = offs[i]
			default:
				out[i] = int64(ckafka.OffsetBeginning)
			}
		}
	}
	return out, nil
}

func (s *source) Run(ctx context.Context, out engine.Collector) error {
	if len(s.parts) == 0 || (s.open == 0 && s.c.bounded.mode != modeUnbounded) {
		if s.c.bounded.mode != modeUnbounded {
			return nil
		}
		// Nothing to read, but barriers and notifications must still
		// pass through this subtask; it holds no watermark back.
		if s.wms != nil {
			if wc, ok := out.(engine.WatermarkCollector); ok {
				if err := wc.MarkIdle(ctx, true); err != nil {
					return err
				}
			}
		}
		tick := time.NewTicker(yieldInterval)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-tick.C:
				if err := engine.Yield(ctx, out); err != nil {
					return err
				}
			}
		}
	}
	poll := int(pollTimeout / time.Millisecond)
	lastYield := time.Now()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		ev := s.consumer.Poll(poll)
		switch e := ev.(type) {
		case *ckafka.Message:
			if err := s.record(e); err != nil {
				return err
			}
		case ckafka.PartitionEOF:
			if e.Topic != nil {
				s.atEnd(partKey{*e.Topic, e.Partition}, int64(e.Offset))
			}
		case ckafka.Error:
			if e.IsFatal() || e.Code() == ckafka.ErrUnknownTopicOrPart || e.Code() == ckafka.ErrTopicAuthorizationFailed || e.Code() == ckafka.ErrGroupAuthorizationFailed {
				return fmt.Errorf("%s: %w", Identifier, e)
			}
			// Transient (a broker down, a timeout): librdkafka retries.
			s.lastWarn = e
		}
		if s.rows >= s.c.batch || s.bytes >= s.c.batchBytes || (s.rows > 0 && (ev == nil || time.Since(s.first) >= maxBatchDelay)) {
			if err := s.emit(ctx, out); err != nil {
				return err
			}
			// Collect was a point between batches too.
			lastYield = time.Now()
		}
		if s.open == 0 && s.c.bounded.mode != modeUnbounded {
			if s.rows > 0 {
				if err := s.emit(ctx, out); err != nil {
					return err
				}
			}
			if s.commit && !s.onCheckpoint {
				if _, err := s.consumer.Commit(); err != nil && !isNoOffset(err) {
					return fmt.Errorf("%s: committing offsets of group %s: %w", Identifier, s.c.groupID, err)
				}
			}
			return nil
		}
		// Yield only without pending rows: a snapshot taken now must
		// hold exactly the offsets of the batches emitted so far, and
		// the offsets of rows in the builder have already moved.
		if s.rows == 0 && (ev == nil || time.Since(lastYield) >= yieldInterval) {
			if err := engine.Yield(ctx, out); err != nil {
				return err
			}
			lastYield = time.Now()
			// Partitions going idle release the watermark without rows.
			if s.wms != nil && s.wms.spec.IdleTimeout > 0 && lastYield.Sub(s.wms.last) >= yieldInterval {
				if err := s.wms.advance(ctx, out, s.parts, lastYield); err != nil {
					return err
				}
			}
		}
	}
}

// SnapshotState implements engine.Checkpointed. It runs between batches
// (in Collect after a batch went downstream, or in Yield, which Run calls
// only without pending rows), so every partition's next offset is that of
// the records emitted so far.
func (s *source) SnapshotState(ctx context.Context, cp engine.CheckpointInfo) error {
	if s.offsets == nil {
		return nil
	}
	keys := make([]partKey, 0, len(s.parts))
	for k := range s.parts {
		keys = append(keys, k)
	}
	sortKeys(keys)
	elems := make([][]byte, len(keys))
	var tps []ckafka.TopicPartition
	for i, k := range keys {
		st := s.parts[k]
		elems[i] = encodePartOffset(partOffset{key: k, next: st.next, stop: st.stop})
		if s.onCheckpoint && st.next >= 0 {
			topic := k.topic
			tps = append(tps, ckafka.TopicPartition{Topic: &topic, Partition: k.part, Offset: ckafka.Offset(st.next)})
		}
	}
	s.offsets.Update(elems)
	if s.onCheckpoint {
		s.pending[cp.ID] = tps
		for len(s.pending) > maxPendingCommits {
			oldest := cp.ID
			for id := range s.pending {
				oldest = min(oldest, id)
			}
			delete(s.pending, oldest)
		}
	}
	return nil
}

// NotifyCheckpointComplete implements engine.CheckpointListener: the
// offsets of checkpoint id go to the consumer group (Flink's
// commit-on-checkpoint), and the offsets of older checkpoints, which this
// one supersedes, are dropped.
func (s *source) NotifyCheckpointComplete(ctx context.Context, id int64) error {
	if !s.onCheckpoint {
		return nil
	}
	tps, ok := s.pending[id]
	for p := range s.pending {
		if p <= id {
			delete(s.pending, p)
		}
	}
	if !ok || len(tps) == 0 {
		return nil
	}
	// The commit runs in the background, so a slow coordinator does not
	// hold back the records; only the newest waiting commit matters.
	select {
	case s.commitQ <- tps:
	default:
		select {
		case <-s.commitQ:
		default:
		}
		s.commitQ <- tps
	}
	return nil
}

// commitLoop commits the offsets of completed checkpoints, one at a time
// and in order, so the group never goes back.
func (s *source) commitLoop() {
	defer close(s.commitDone)
	for tps := range s.commitQ {
		if _, err := s.consumer.CommitOffsets(tps); err != nil {
			s.commitsFailed.Add(1)
			engine.Logf("warning: %s: committing the offsets of a completed checkpoint to group %s failed (the job goes on; a restore starts from the checkpoint): %v", s, s.c.groupID, err)
			continue
		}
		s.commitsOK.Add(1)
	}
}

func sortKeys(keys []partKey) {
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].topic != keys[j].topic {
			return keys[i].topic < keys[j].topic
		}
		return keys[i].part < keys[j].part
	})
}

func isNoOffset(err error) bool {
	var ke ckafka.Error
	return errors.As(err, &ke) && ke.Code() == ckafka.ErrNoOffset
}

// record decodes one message into the pending batch.
func (s *source) record(m *ckafka.Message) error {
	tp := m.TopicPartition
	if tp.Error != nil {
		return fmt.Errorf("%s: topic %s partition %d: %w", Identifier, topicOf(tp), tp.Partition, tp.Error)
	}
	st := s.last
	if st == nil || st.key.part != tp.Partition || st.key.topic != *tp.Topic {
		st = s.parts[partKey{*tp.Topic, tp.Partition}]
		s.last = st
	}
	if st == nil || st.done {
		return nil
	}
	k := st.key
	off := int64(tp.Offset)
	if st.stop >= 0 && off >= st.stop {
		s.finish(k, st)
		return nil
	}
	if s.norm != nil {
		if err := s.normalize(m, k, off); err != nil {
			return err
		}
		s.advance(k, st, off)
		return nil
	}
	ok, err := s.dec.value.Parse(m.Value)
	part := "value"
	if err == nil && ok && s.dec.key != nil {
		part = "key"
		ok, err = s.dec.key.Parse(m.Key)
	}
	switch {
	case err != nil:
		if !s.c.ignoreErr {
			rec := m.Value
			if part == "key" {
				rec = m.Key
			}
			return fmt.Errorf("%s: topic %s, partition %d, offset %d: bad %s: %w; record: %s", Identifier, k.topic, k.part, off, part, err, quoteRecord(rec))
		}
		s.skipped.Add(1)
	case ok:
		if s.dec.key != nil {
			s.dec.key.Append(s.keyB)
		}
		s.dec.value.Append(s.valB)
		if s.wms != nil {
			s.wms.row(st)
		}
		if s.rows == 0 {
			s.first = time.Now()
		}
		s.rows++
		// a decoded row takes about its record's bytes, plus up to a
		// word per column for numbers, offsets and validity
		s.bytes += len(m.Key) + len(m.Value) + 8*(len(s.keyB)+len(s.valB))
	}
	st.next = off + 1
	st.dirty = true
	if st.stop >= 0 && st.next >= st.stop {
		s.finish(k, st)
	}
	return nil
}

func (s *source) atEnd(k partKey, off int64) {
	st := s.parts[k]
	if st == nil || st.done || st.stop < 0 {
		return
	}
	// Offsets can have gaps (compaction, transaction markers): the end
	// of the partition past the stop offset ends it too.
	if off >= st.stop {
		s.finish(k, st)
	}
}

func (s *source) finish(k partKey, st *partState) {
	st.done = true
	s.open--
	topic := k.topic
	_ = s.consumer.Pause([]ckafka.TopicPartition{{Topic: &topic, Partition: k.part}})
}

// emit hands the pending batch on and then marks its offsets for the
// next commit: a record is committed only once the job has it.
func (s *source) emit(ctx context.Context, out engine.Collector) error {
	rec := s.rb.NewRecordBatch()
	n := s.rows
	s.rows, s.bytes = 0, 0
	b := &vectorized.Batch{Record: rec}
	if s.norm != nil {
		b.Kinds = s.norm.takeKinds()
	}
	var now time.Time
	if s.wms != nil {
		now = time.Now()
		if err := s.wms.observe(s.rt, rec, now); err != nil {
			rec.Release()
			return err
		}
	}
	err := out.Collect(ctx, b)
	rec.Release()
	if err != nil {
		return err
	}
	if s.wms != nil {
		// The rows went downstream first: none of them is behind the
		// watermark they moved.
		if err := s.wms.advance(ctx, out, s.parts, now); err != nil {
			return err
		}
	}
	if n > 0 {
		s.rb.Reserve(s.c.batch)
	}
	var tps []ckafka.TopicPartition
	for _, st := range s.parts {
		if st.dirty {
			st.dirty = false
			topic := st.key.topic
			tps = append(tps, ckafka.TopicPartition{Topic: &topic, Partition: st.key.part, Offset: ckafka.Offset(st.next)})
		}
	}
	if s.commit && !s.onCheckpoint && len(tps) > 0 {
		if _, err := s.consumer.StoreOffsets(tps); err != nil {
			return fmt.Errorf("%s: storing offsets for commit: %w", Identifier, err)
		}
	}
	return nil
}

func topicOf(tp ckafka.TopicPartition) string {
	if tp.Topic == nil {
		return "?"
	}
	return *tp.Topic
}

// quoteRecord shows a bad record in an error, cut to a readable length.
func quoteRecord(b []byte) string {
	const max = 200
	if b == nil {
		return "null"
	}
	s := string(b)
	if len(s) > max {
		return fmt.Sprintf("%q… (%d bytes)", s[:max], len(b))
	}
	return fmt.Sprintf("%q", s)
}

func (s *source) Close() error {
	var err error
	if s.commitQ != nil {
		close(s.commitQ)
		<-s.commitDone
		s.commitQ = nil
	}
	if s.consumer != nil {
		err = s.consumer.Close()
		s.consumer = nil
	}
	if s.rb != nil {
		s.rb.Release()
		s.rb = nil
	}
	return err
}
