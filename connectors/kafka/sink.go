package kafka

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/vectorized"
)

// CounterDelivered counts records the broker acknowledged.
const CounterDelivered = "numRecordsDelivered"

type sink struct {
	c                    *config
	subtask, parallelism int

	// ckpt is the runtime's checkpoint side (exactly-once only).
	ckpt *ckptSide
	// txn is the exactly-once side; nil for the other guarantees.
	txn *txnSink
	// buf is upsert-kafka's reducing buffer; nil without one.
	buf *reduceBuffer

	producer   *ckafka.Producer
	enc        *encoders
	topic      string
	partitions int32
	next       int32 // round-robin
	keyBuf     []byte
	valBuf     []byte
	keyCols    []arrow.Array
	msg        ckafka.Message // reused: librdkafka copies what it sends
	valCols    []arrow.Array

	inFlight  atomic.Int64
	delivered *atomic.Int64
	mu        sync.Mutex
	failure   error // first delivery error
	events    sync.WaitGroup
}

func (s *sink) String() string { return "KafkaSink(" + s.topic + ")" }

func (s *sink) Open(ctx context.Context, rt *engine.RuntimeContext) error {
	s.topic = s.c.topics[0]
	s.delivered = rt.Metrics.Counter(CounterDelivered)
	enc, err := s.c.newEncoders()
	if err != nil {
		return err
	}
	s.enc = enc
	if s.c.delivery == "exactly-once" {
		if s.ckpt, err = ckptOf(rt); err != nil {
			return err
		}
	}
	extra := ckafka.ConfigMap{
		// Delivery reports tell success or failure; they need not carry
		// the record back.
		"go.delivery.report.fields": "none",
	}
	switch s.c.delivery {
	case "at-least-once":
		if _, ok := s.c.props["acks"]; !ok {
			extra["acks"] = "all"
		}
	case "exactly-once":
		s.txn = newTxnSink(s)
		for k, v := range s.txn.producerConfig(s.subtask) {
			extra[k] = v
		}
	}
	if s.c.up != nil {
		s.c.upsertProducerConfig(extra)
	}
	cfg := s.c.clientConfig(extra)
	if s.producer, err = ckafka.NewProducer(&cfg); err != nil {
		return fmt.Errorf("%s: creating the producer: %w", Identifier, err)
	}
	if s.c.part != "default" {
		var md *ckafka.Metadata
		err := retry(func() (err error) {
			md, err = s.producer.GetMetadata(&s.topic, false, int(requestTimeout/time.Millisecond))
			if err == nil {
				if tm, ok := md.Topics[s.topic]; ok && transient(tm.Error) {
					return tm.Error
				}
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("%s: metadata of topic %s: %w", Identifier, s.topic, err)
		}
		tm, ok := md.Topics[s.topic]
		if !ok || len(tm.Partitions) == 0 {
			return fmt.Errorf("%s: topic %s does not exist on %v", Identifier, s.topic, s.c.props["bootstrap.servers"])
		}
		s.partitions = int32(len(tm.Partitions))
		s.next = int32(s.subtask) % s.partitions
	}
	s.events.Add(1)
	go s.reports()
	if s.txn != nil {
		if err := s.txn.open(ctx); err != nil {
			return err
		}
	}
	s.openBuffer(ctx)
	return nil
}

// reports reads delivery reports until the producer closes.
func (s *sink) reports() {
	defer s.events.Done()
	for ev := range s.producer.Events() {
		switch e := ev.(type) {
		case *ckafka.Message:
			s.inFlight.Add(-1)
			if s.txn != nil {
				// A failed record makes its transaction fail to
				// commit, which retries or fails the job; records
				// count as delivered once their transaction commits.
				continue
			}
			if e.TopicPartition.Error != nil {
				s.fail(fmt.Errorf("%s: delivery to topic %s partition %d failed: %w", Identifier, s.topic, e.TopicPartition.Partition, e.TopicPartition.Error))
				continue
			}
			s.delivered.Add(1)
		case ckafka.Error:
			if e.IsFatal() {
				s.fail(fmt.Errorf("%s: producer: %w", Identifier, e))
			}
		}
	}
}

func (s *sink) fail(err error) {
	s.mu.Lock()
	if s.failure == nil {
		s.failure = err
	}
	s.mu.Unlock()
}

func (s *sink) err() error {
	if s.c.delivery == "none" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failure
}

func (s *sink) Write(ctx context.Context, b *vectorized.Batch) error {
	if err := s.err(); err != nil {
		return err
	}
	rec := b.Record
	s.valCols = s.valCols[:0]
	for _, i := range s.c.valueCols {
		s.valCols = append(s.valCols, rec.Column(i))
	}
	s.keyCols = s.keyCols[:0]
	for _, i := range s.c.keyCols {
		s.keyCols = append(s.keyCols, rec.Column(i))
	}
	n := int(rec.NumRows())
	for row := 0; row < n; row++ {
		kind := vectorized.Insert
		if b.Kinds != nil {
			kind = b.Kinds[row]
		}
		if kind != vectorized.Insert && s.c.up == nil {
			return fmt.Errorf("%s: the sink is append-only but received a %s row; write updates to an upsert sink (connector 'upsert-kafka')", Identifier, kind)
		}
		if kind == vectorized.UpdateBefore {
			// upsert-kafka writes the new row of an update; -U carries
			// nothing it needs (Flink's upsert sinks drop it too).
			continue
		}
		msg := &s.msg
		msg.TopicPartition = ckafka.TopicPartition{Topic: &s.topic, Partition: s.partition()}
		msg.Value, msg.Key = nil, nil
		var err error
		if kind != vectorized.Delete {
			if s.valBuf, err = s.enc.value.Encode(s.valBuf[:0], s.valCols, row); err != nil {
				return fmt.Errorf("%s: encoding row %d of a batch: %w", Identifier, row, err)
			}
			// A nil value is a tombstone: an empty encoding is not one.
			msg.Value = s.valBuf
			if msg.Value == nil {
				msg.Value = []byte{}
			}
		}
		if s.enc.key != nil {
			if s.keyBuf, err = s.enc.key.Encode(s.keyBuf[:0], s.keyCols, row); err != nil {
				return fmt.Errorf("%s: encoding the key of row %d of a batch: %w", Identifier, row, err)
			}
			msg.Key = s.keyBuf
		}
		if s.buf != nil {
			if err := s.buffer(ctx, msg.Key, msg.Value); err != nil {
				return err
			}
			continue
		}
		if err := s.emit(ctx, msg); err != nil {
			return err
		}
	}
	return nil
}

// emit hands one record on: into the open epoch of an exactly-once sink
// that takes checkpoints, else to the producer.
func (s *sink) emit(ctx context.Context, msg *ckafka.Message) error {
	if s.txn != nil && s.txn.buffered {
		s.txn.add(msg.TopicPartition.Partition, msg.Key, msg.Value)
		return nil
	}
	if err := s.produce(ctx, msg); err != nil {
		return err
	}
	if s.txn != nil {
		s.txn.direct++
	}
	return nil
}

func (s *sink) partition() int32 {
	switch s.c.part {
	case "fixed":
		return int32(s.subtask) % s.partitions
	case "round-robin":
		p := s.next
		s.next = (s.next + 1) % s.partitions
		return p
	}
	return ckafka.PartitionAny
}

// produce queues one message (librdkafka copies it), waiting while the
// local queue is full: that is backpressure from the broker.
func (s *sink) produce(ctx context.Context, msg *ckafka.Message) error {
	for {
		s.inFlight.Add(1)
		err := s.producer.Produce(msg, nil)
		if err == nil {
			return nil
		}
		s.inFlight.Add(-1)
		var ke ckafka.Error
		if !errors.As(err, &ke) || ke.Code() != ckafka.ErrQueueFull {
			return fmt.Errorf("%s: producing to topic %s: %w", Identifier, s.topic, err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		s.producer.Flush(10)
		if err := s.err(); err != nil {
			return err
		}
	}
}

// Finish waits until the broker acknowledged every record: at-least-once
// at the end of input. An exactly-once sink commits what it holds.
func (s *sink) Finish(ctx context.Context) error {
	if err := s.flushBuffer(ctx); err != nil {
		return err
	}
	if s.txn != nil {
		return s.txn.finish(ctx)
	}
	return s.flush(ctx)
}

// flush waits until every record produced so far is acknowledged, and
// reports the first delivery failure.
func (s *sink) flush(ctx context.Context) error {
	for s.inFlight.Load() > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		s.producer.Flush(100)
		if err := s.err(); err != nil {
			return err
		}
	}
	return s.err()
}

// SnapshotState implements engine.Checkpointed. at-least-once: every
// record received before the barrier is acknowledged before the
// checkpoint can complete (Flink's KafkaWriter flushes on checkpoint);
// exactly-once: the records received since the last checkpoint are
// written ahead into the operator state, to be committed when the
// checkpoint completes; none: nothing.
func (s *sink) SnapshotState(ctx context.Context, cp engine.CheckpointInfo) error {
	// upsert-kafka's buffered records belong to this checkpoint.
	if err := s.flushBuffer(ctx); err != nil {
		return err
	}
	switch {
	case s.txn != nil:
		return s.txn.snapshot(cp)
	case s.c.delivery == "at-least-once":
		return s.flush(ctx)
	}
	return nil
}

// NotifyCheckpointComplete implements engine.CheckpointListener: an
// exactly-once sink commits the epochs of the checkpoint (and of older
// ones whose notification it missed).
func (s *sink) NotifyCheckpointComplete(ctx context.Context, id int64) error {
	if s.txn == nil {
		return nil
	}
	return s.txn.complete(ctx, id)
}

func (s *sink) Close() error {
	if s.producer == nil {
		return nil
	}
	s.closeBuffer()
	if s.txn != nil {
		s.txn.close()
	}
	s.producer.Close()
	s.events.Wait()
	s.producer = nil
	return nil
}
