package kafka

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/engine/state"
)

// txnAttempts is how many times a transaction that failed in an abortable
// way (a record the broker refused, a coordinator that moved) is aborted
// and tried again before the job fails.
const txnAttempts = 3

// directTxnTimeout is transaction.timeout.ms of an exactly-once sink
// without checkpoints, whose one transaction stays open until the end of
// input: the broker's default transaction.max.timeout.ms (15 min), not
// librdkafka's 60 s.
const directTxnTimeout = 15 * 60 * 1000

// Crash points a test can stop a commit at, as if the process died there.
const (
	crashBeforeMarker = "before-marker" // records produced in the transaction
	crashBeforeCommit = "before-commit" // records and marker sent, not committed
)

// errCrash is what commit returns at a test crash point.
var errCrash = errors.New("kafka: simulated crash")

// txnSink is the exactly-once side of a sink subtask. See doc.go for the
// protocol.
type txnSink struct {
	s *sink
	// run identifies this run of the subtask in commit markers.
	run string
	// buffered: the job takes checkpoints, records wait in cur until a
	// checkpoint closes their epoch and are produced when it completes.
	// Otherwise records go straight into one transaction committed at
	// the end of input.
	buffered bool
	list     *state.OperatorListState // nil when no checkpoint is taken or restored
	restored *engine.Restored

	cur      []byte // records of the open epoch (appendRecord)
	curCount int
	pending  []epoch // closed by a checkpoint, not committed; by id
	inTxn    bool    // a transaction is open (direct mode)
	direct   int     // records produced in the open transaction

	// crashAt, set by tests, stops the next commit at that point.
	crashAt string
}

func newTxnSink(s *sink) *txnSink {
	var b [8]byte
	_, _ = rand.Read(b[:])
	t := &txnSink{s: s, run: hex.EncodeToString(b[:]), buffered: s.ckpt.enabled && s.ckpt.op != nil, restored: s.ckpt.restored}
	return t
}

// transactionalID of a slot: one per sink subtask index, stable across
// runs, so that a new run's InitTransactions fences the old one.
func transactionalID(prefix string, slot int) string {
	return fmt.Sprintf("%s-%d", prefix, slot)
}

// markerGroup is the consumer group whose committed offset on partition 0
// of the sink's topic records, in the same transaction as the records,
// which checkpoint's records a slot committed last.
func markerGroup(prefix string, slot int) string {
	return fmt.Sprintf("%s-%d-commits", prefix, slot)
}

func (t *txnSink) producerConfig(slot int) ckafka.ConfigMap {
	m := ckafka.ConfigMap{"transactional.id": transactionalID(t.s.c.txnPrefix, slot)}
	if _, ok := t.s.c.props["transaction.timeout.ms"]; !ok && !t.buffered {
		m["transaction.timeout.ms"] = directTxnTimeout
	}
	return m
}

// open fences earlier producers of this subtask's transactional id
// (their open transaction is aborted), replays the epochs of the restored
// checkpoint that never reached Kafka, and in direct mode begins the
// transaction.
func (t *txnSink) open(ctx context.Context) error {
	if err := initTransactions(ctx, t.s.producer, t.s.c.txnPrefix, t.s.subtask); err != nil {
		return err
	}
	if t.s.ckpt.op != nil {
		var err error
		if t.list, err = t.s.ckpt.op.ListState(sinkStateName, state.UnionRedistribute); err != nil {
			return err
		}
		if err := t.recover(ctx); err != nil {
			return err
		}
	}
	if !t.buffered {
		if err := t.s.producer.BeginTransaction(); err != nil {
			return fmt.Errorf("%s: beginning a transaction: %w", Identifier, err)
		}
		t.inTxn = true
	}
	return nil
}

func initTransactions(ctx context.Context, p *ckafka.Producer, prefix string, slot int) error {
	err := retryTxn(ctx, func(ctx context.Context) error { return p.InitTransactions(ctx) })
	if err != nil {
		return fmt.Errorf("%s: initializing transactions of transactional id %s: %w", Identifier, transactionalID(prefix, slot), err)
	}
	return nil
}

// retryTxn runs a transactional call until it succeeds or fails with an
// error that is not retriable, each try bounded by requestTimeout.
func retryTxn(ctx context.Context, f func(ctx context.Context) error) error {
	deadline := time.Now().Add(4 * requestTimeout)
	for {
		cctx, cancel := context.WithTimeout(ctx, requestTimeout)
		err := f(cctx)
		cancel()
		var ke ckafka.Error
		if err == nil || !errors.As(err, &ke) || !ke.IsRetriable() || time.Now().After(deadline) || ctx.Err() != nil {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// recover handles the slots this subtask owns in the restored state:
// its own and, after a restore at a lower parallelism, every old slot j
// with j mod parallelism = subtask. Each slot's lingering transaction is
// aborted (InitTransactions with its transactional id) and each epoch its
// marker does not show as committed is produced and committed again.
func (t *txnSink) recover(ctx context.Context) error {
	bySlot := map[int][]epoch{}
	slots := 0
	for _, b := range t.list.Get() {
		e, err := decodeEpoch(b)
		if err != nil {
			return err
		}
		bySlot[e.slot] = append(bySlot[e.slot], e)
		slots = max(slots, e.slot+1)
	}
	// What was restored is handled now; the next snapshot holds only
	// this run's epochs.
	t.list.Clear()
	if t.restored != nil {
		slots = max(slots, t.restored.Parallelism)
	}
	for j := t.s.subtask; j < slots; j += t.s.parallelism {
		if j == t.s.subtask {
			if err := t.replay(ctx, t.s.producer, j, bySlot[j]); err != nil {
				return err
			}
			continue
		}
		if err := t.recoverSlot(ctx, j, bySlot[j]); err != nil {
			return err
		}
	}
	return nil
}

// recoverSlot recovers an old slot this subtask took over, with a
// producer of that slot's transactional id.
func (t *txnSink) recoverSlot(ctx context.Context, slot int, epochs []epoch) error {
	cfg := t.s.c.clientConfig(ckafka.ConfigMap{
		"transactional.id":          transactionalID(t.s.c.txnPrefix, slot),
		"go.delivery.report.fields": "none",
	})
	p, err := ckafka.NewProducer(&cfg)
	if err != nil {
		return fmt.Errorf("%s: creating the producer of transactional id %s: %w", Identifier, transactionalID(t.s.c.txnPrefix, slot), err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range p.Events() {
		}
	}()
	defer func() {
		p.Close()
		<-done
	}()
	if err := initTransactions(ctx, p, t.s.c.txnPrefix, slot); err != nil {
		return err
	}
	return t.replay(ctx, p, slot, epochs)
}

// replay commits, each in its own transaction with its marker, the
// epochs the slot's marker does not cover. Marker (offset N, metadata R)
// means the epochs of run R up to checkpoint N are in Kafka: a run's
// epochs are committed in checkpoint order.
func (t *txnSink) replay(ctx context.Context, p *ckafka.Producer, slot int, epochs []epoch) error {
	if len(epochs) == 0 {
		return nil
	}
	slices.SortFunc(epochs, func(a, b epoch) int { return cmp.Compare(a.id, b.id) })
	off, run, err := t.readMarker(ctx, slot)
	if err != nil {
		return err
	}
	for _, e := range epochs {
		if run == e.run && off >= e.id {
			continue
		}
		engine.Logf("%s: transactional id %s: the %d records of checkpoint %d were not committed before the restart; writing them now", Identifier, transactionalID(t.s.c.txnPrefix, slot), e.count, e.id)
		if err := t.commit(ctx, p, slot, []epoch{e}); err != nil {
			return err
		}
	}
	return nil
}

// readMarker reads a slot's marker: the committed offset and metadata of
// its marker group, as a read_committed consumer sees it, so a commit in
// progress is waited for (InitTransactions already settled it).
func (t *txnSink) readMarker(ctx context.Context, slot int) (int64, string, error) {
	group := markerGroup(t.s.c.txnPrefix, slot)
	cfg := t.s.c.clientConfig(ckafka.ConfigMap{
		"group.id":           group,
		"isolation.level":    "read_committed",
		"enable.auto.commit": false,
	})
	c, err := ckafka.NewConsumer(&cfg)
	if err != nil {
		return 0, "", fmt.Errorf("%s: creating a consumer of group %s: %w", Identifier, group, err)
	}
	defer c.Close()
	topic := t.s.topic
	var got []ckafka.TopicPartition
	err = retry(func() (err error) {
		got, err = c.Committed([]ckafka.TopicPartition{{Topic: &topic, Partition: 0}}, int(requestTimeout/time.Millisecond))
		return err
	})
	if err != nil {
		return 0, "", fmt.Errorf("%s: reading the commit marker of group %s: %w", Identifier, group, err)
	}
	if len(got) != 1 || got[0].Offset < 0 {
		return -1, "", nil
	}
	if got[0].Error != nil {
		return 0, "", fmt.Errorf("%s: reading the commit marker of group %s: %w", Identifier, group, got[0].Error)
	}
	run := ""
	if got[0].Metadata != nil {
		run = *got[0].Metadata
	}
	return int64(got[0].Offset), run, nil
}

// add appends a record to the open epoch.
func (t *txnSink) add(part int32, key, value []byte) {
	t.cur = appendRecord(t.cur, part, key, value)
	t.curCount++
}

// snapshot closes the open epoch with the checkpoint's id and writes
// every epoch not yet committed into the operator state.
func (t *txnSink) snapshot(cp engine.CheckpointInfo) error {
	if !t.buffered || t.list == nil {
		return nil
	}
	if t.curCount > 0 {
		t.pending = append(t.pending, epoch{slot: t.s.subtask, run: t.run, id: cp.ID, count: t.curCount, records: t.cur})
		t.cur, t.curCount = nil, 0
	}
	elems := make([][]byte, len(t.pending))
	for i, e := range t.pending {
		elems[i] = encodeEpoch(e)
	}
	t.list.Update(elems)
	return nil
}

// complete commits the epochs of checkpoint id and older.
func (t *txnSink) complete(ctx context.Context, id int64) error {
	if !t.buffered {
		return nil
	}
	n := 0
	for n < len(t.pending) && t.pending[n].id <= id {
		n++
	}
	if n == 0 {
		return nil
	}
	if err := t.commit(ctx, t.s.producer, t.s.subtask, t.pending[:n]); err != nil {
		return err
	}
	t.pending = slices.Delete(t.pending, 0, n)
	if len(t.pending) == 0 {
		// Nothing left to replay: the state a finished task leaves for
		// every later checkpoint is empty.
		t.list.Clear()
	}
	return nil
}

// finish ends the input. With checkpoints the records since the last
// checkpoint stay in the open epoch: the job's final checkpoint (Flink's
// FLIP-147), which the runtime takes after the end of input, closes it
// and its completion commits it, exactly once, whereas a commit here
// would be replayed if another task failed before the job ended. Without
// checkpoints the transaction open since Open is committed.
func (t *txnSink) finish(ctx context.Context) error {
	if !t.buffered {
		if !t.inTxn {
			return nil
		}
		err := retryTxn(ctx, func(ctx context.Context) error { return t.s.producer.CommitTransaction(ctx) })
		t.inTxn = false
		if err != nil {
			return fmt.Errorf("%s: committing the transaction at the end of input (without checkpoints an exactly-once sink keeps one transaction open until the end, at most transaction.timeout.ms; enable checkpointing): %w", Identifier, err)
		}
		t.s.delivered.Add(int64(t.direct))
	}
	return nil
}

// commit produces epochs in one transaction of p together with the
// slot's marker — the last epoch's checkpoint id and run — and commits
// it. An abortable failure aborts and tries again.
func (t *txnSink) commit(ctx context.Context, p *ckafka.Producer, slot int, epochs []epoch) error {
	group := markerGroup(t.s.c.txnPrefix, slot)
	cgm, err := ckafka.NewTestConsumerGroupMetadata(group)
	if err != nil {
		return fmt.Errorf("%s: consumer group metadata of %s: %w", Identifier, group, err)
	}
	markID, markRun := epochs[len(epochs)-1].id, epochs[len(epochs)-1].run
	count := 0
	for _, e := range epochs {
		count += e.count
	}
	for attempt := 1; ; attempt++ {
		err := t.try(ctx, p, cgm, epochs, markID, markRun)
		if err == nil {
			t.s.delivered.Add(int64(count))
			return nil
		}
		var ke ckafka.Error
		if errors.Is(err, errCrash) || !errors.As(err, &ke) || !ke.TxnRequiresAbort() || attempt == txnAttempts {
			return fmt.Errorf("%s: transaction of checkpoint %d (transactional id %s): %w", Identifier, markID, transactionalID(t.s.c.txnPrefix, slot), err)
		}
		if aerr := retryTxn(ctx, func(ctx context.Context) error { return p.AbortTransaction(ctx) }); aerr != nil {
			return fmt.Errorf("%s: aborting a failed transaction (%v): %w", Identifier, err, aerr)
		}
	}
}

func (t *txnSink) try(ctx context.Context, p *ckafka.Producer, cgm *ckafka.ConsumerGroupMetadata, epochs []epoch, markID int64, markRun string) error {
	if err := p.BeginTransaction(); err != nil {
		return err
	}
	msg := &ckafka.Message{}
	send := func(part int32, key, value []byte) error {
		msg.TopicPartition = ckafka.TopicPartition{Topic: &t.s.topic, Partition: part}
		msg.Key, msg.Value = key, value
		return produceTxn(ctx, p, msg)
	}
	for _, e := range epochs {
		if err := eachRecord(e.records, send); err != nil {
			return err
		}
	}
	if t.crash(crashBeforeMarker) {
		return errCrash
	}
	topic := t.s.topic
	marker := []ckafka.TopicPartition{{Topic: &topic, Partition: 0, Offset: ckafka.Offset(markID), Metadata: &markRun}}
	err := retryTxn(ctx, func(ctx context.Context) error { return p.SendOffsetsToTransaction(ctx, marker, cgm) })
	if err != nil {
		return err
	}
	if t.crash(crashBeforeCommit) {
		return errCrash
	}
	return retryTxn(ctx, func(ctx context.Context) error { return p.CommitTransaction(ctx) })
}

func (t *txnSink) crash(at string) bool {
	if t.crashAt == at {
		t.crashAt = ""
		return true
	}
	return false
}

// produceTxn queues a record of a transaction, making room when the
// local queue is full; the commit waits for the deliveries.
func produceTxn(ctx context.Context, p *ckafka.Producer, msg *ckafka.Message) error {
	for {
		err := p.Produce(msg, nil)
		var ke ckafka.Error
		if err == nil || !errors.As(err, &ke) || ke.Code() != ckafka.ErrQueueFull {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		p.Flush(10)
	}
}

// close aborts the transaction a direct-mode sink leaves open (the job
// was cancelled or failed), so read_committed consumers are not held back
// until it times out.
func (t *txnSink) close() {
	if !t.inTxn {
		return
	}
	t.inTxn = false
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = t.s.producer.AbortTransaction(ctx)
}
