package kafka

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"sync"
	"time"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/sluice-stream/sluice/connectors/internal/option"
	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
)

// UpsertIdentifier is the `connector` option of Flink's upsert-kafka.
const UpsertIdentifier = "upsert-kafka"

// Options of upsert-kafka's reducing buffer (Flink's
// ReducingUpsertSink): both set above zero turn it on.
const (
	OptionBufferMaxRows  = "sink.buffer-flush.max-rows"
	OptionBufferInterval = "sink.buffer-flush.interval"
)

// UpsertFactory is the upsert-kafka connector: a table keyed by its
// PRIMARY KEY over a topic whose records are the rows by key (see doc.go).
type UpsertFactory struct{}

func init() { connector.Register(UpsertFactory{}) }

// Identifier implements connector.Factory.
func (UpsertFactory) Identifier() string { return UpsertIdentifier }

// Options implements connector.Factory: Flink's upsert-kafka options.
// There is no key.fields (the primary key is the key), no format (key
// and value each name theirs), no sink.partitioner (records are
// partitioned by key so that one key's changes stay in order) and no
// scan.startup.* (an upsert table is read from the beginning).
func (UpsertFactory) Options() []connector.Option {
	return []connector.Option{
		{Key: "topic", Required: true, Description: "topic name"},
		{Key: "properties.", Prefix: true, Description: "client properties (librdkafka names, which match the Java client's for the common ones)"},
		{Key: "key.format", Format: true, Required: true, Description: "format of the key, which holds the primary key columns"},
		{Key: "value.format", Format: true, Required: true, Description: "format of the value"},
		{Key: "key.fields-prefix", Description: "prefix of the key columns' names that the key format does not see"},
		{Key: "value.fields-include", Default: "ALL", Description: "ALL or EXCEPT_KEY"},
		{Key: "sink.parallelism"},
		{Key: OptionBufferMaxRows, Default: "0", Description: "with sink.buffer-flush.interval: buffer up to this many keys, keeping the last change of each"},
		{Key: OptionBufferInterval, Default: "0", Description: "with sink.buffer-flush.max-rows: flush the buffer this often"},
		{Key: "sink.delivery-guarantee", Default: "at-least-once", Description: "at-least-once (flush on checkpoint and at the end), exactly-once (Kafka transactions committed when a checkpoint completes) or none"},
		{Key: "sink.transactional-id-prefix", Description: "prefix of the transactional ids of an exactly-once sink (<prefix>-<subtask>); required for exactly-once, unique per job"},
	}
}

// upsertOptions is what upsert-kafka adds to the kafka sink's config.
type upsertOptions struct {
	// bufRows and bufInterval are the reducing buffer's bounds; 0 when
	// there is no buffer.
	bufRows     int
	bufInterval time.Duration
}

// parseUpsert reads upsert-kafka's options into the kafka connector's
// config: the primary key becomes key.fields.
func parseUpsert(ctx *connector.Context, sink bool) (*config, error) {
	r := option.Reader{Connector: UpsertIdentifier, Options: ctx.Options}
	if len(ctx.PrimaryKey) == 0 {
		// Flink's UpsertKafkaDynamicTableFactory says the same.
		return nil, fmt.Errorf("%s: table %s: 'upsert-kafka' tables require to define a PRIMARY KEY constraint. The PRIMARY KEY specifies which columns should be read from or write to the Kafka message key. The PRIMARY KEY also defines records in the 'upsert-kafka' table should update or delete on which keys", UpsertIdentifier, ctx.Table)
	}
	for _, k := range []string{"key.format", "value.format"} {
		if !r.Has(k) {
			return nil, fmt.Errorf("%s: option '%s' is required; formats: %s", UpsertIdentifier, k, strings.Join(rowFormats(), ", "))
		}
	}
	up := &upsertOptions{}
	var err error
	if up.bufRows, err = r.Int(OptionBufferMaxRows, 0); err != nil {
		return nil, err
	}
	if up.bufInterval, err = r.Duration(OptionBufferInterval, 0); err != nil {
		return nil, err
	}
	if up.bufRows < 0 {
		return nil, r.Errorf(OptionBufferMaxRows, "must not be negative")
	}
	if up.bufInterval < 0 {
		return nil, r.Errorf(OptionBufferInterval, "must not be negative")
	}
	if (up.bufRows > 0) != (up.bufInterval > 0) {
		// As Flink's validateSinkBufferFlush.
		return nil, fmt.Errorf("%s: '%s' and '%s' must be set to be greater than zero together to enable sink buffer flushing", UpsertIdentifier, OptionBufferMaxRows, OptionBufferInterval)
	}
	names := make([]string, len(ctx.PrimaryKey))
	for i, k := range ctx.PrimaryKey {
		names[i] = ctx.Columns[k].Name
	}
	opts := maps.Clone(ctx.Options)
	opts["key.fields"] = strings.Join(names, ";")
	delete(opts, OptionBufferMaxRows)
	delete(opts, OptionBufferInterval)
	if !sink {
		// Flink reads an upsert table from the beginning: every key's
		// last value is needed. A restore starts from the checkpoint.
		opts["scan.startup.mode"] = modeEarliest
	}
	kctx := *ctx
	kctx.Options = opts
	c, err := parse(&kctx, sink)
	if err != nil {
		// The kafka connector's checks, said in this connector's name.
		if rest, ok := strings.CutPrefix(err.Error(), Identifier+": "); ok {
			return nil, fmt.Errorf("%s: %s", UpsertIdentifier, rest)
		}
		return nil, err
	}
	c.up = up
	return c, nil
}

// NewSource implements connector.SourceFactory: the topic read from its
// beginning as a changelog keyed by the primary key (see normalizer).
func (UpsertFactory) NewSource(ctx *connector.Context) (*connector.Source, error) {
	c, err := parseUpsert(ctx, false)
	if err != nil {
		return nil, err
	}
	if _, err := c.newDecoders(); err != nil {
		return nil, err
	}
	return &connector.Source{
		Mode:     connector.All,
		Describe: fmt.Sprintf("topic=%s, upsert", strings.Join(c.topics, ";")),
		Instance: func(subtask, parallelism int) engine.Source {
			return &source{c: c, subtask: subtask, parallelism: parallelism}
		},
	}, nil
}

// NewSink implements connector.SinkFactory.
func (UpsertFactory) NewSink(ctx *connector.Context) (*connector.Sink, error) {
	c, err := parseUpsert(ctx, true)
	if err != nil {
		return nil, err
	}
	if _, err := c.newEncoders(); err != nil {
		return nil, err
	}
	names := make([]string, len(ctx.PrimaryKey))
	for i, k := range ctx.PrimaryKey {
		names[i] = ctx.Columns[k].Name
	}
	desc := fmt.Sprintf("topic=%s, key=(%s), delivery=%s", c.topics[0], strings.Join(names, ", "), c.delivery)
	if c.up.bufRows > 0 {
		desc += fmt.Sprintf(", buffer=%d rows/%v", c.up.bufRows, c.up.bufInterval)
	}
	return &connector.Sink{
		// -U is not needed: the planner drops it and routes rows by the
		// primary key, so one subtask writes all changes of a key, in
		// order, and they go to one partition.
		Accepts:     connector.Upsert,
		Parallelism: c.sinkPar,
		Describe:    desc,
		Instance: func(subtask, parallelism int) engine.Sink {
			return &sink{c: c, subtask: subtask, parallelism: parallelism}
		},
	}, nil
}

// upsertProducerConfig is what an upsert sink's producer adds: the Java
// client's partitioner (murmur2 of the key), so that a key lands on the
// partition Flink and Kafka Streams would put it on — co-partitioned
// topics and compaction-based readers rely on it — unless the user chose
// a partitioner.
func (c *config) upsertProducerConfig(extra ckafka.ConfigMap) {
	if _, ok := c.props["partitioner"]; !ok {
		extra["partitioner"] = "murmur2_random"
	}
}

// reduceBuffer is Flink's ReducingUpsertWriter: it keeps the last record
// of each key, up to bufRows keys, and hands them to the sink when full,
// every bufInterval (at-least-once and none only) and before every
// checkpoint and the end of input. An exactly-once sink's records become
// visible only when a checkpoint completes, so flushing on a timer would
// gain nothing: its buffer is flushed into the epoch when full and at the
// checkpoint, in the instance's goroutine.
type reduceBuffer struct {
	// mu serializes Write's additions with the interval flush: records
	// of one key must reach the producer in order, so a flush produces
	// while holding it.
	mu    sync.Mutex
	index map[string]int // key → position in recs
	recs  []bufRecord
	max   int
	msg   ckafka.Message

	stop chan struct{}
	done chan struct{}
}

type bufRecord struct {
	key, value []byte // value nil: a tombstone
}

// openBuffer starts the upsert sink's buffer, if configured, and its
// interval flush.
func (s *sink) openBuffer(ctx context.Context) {
	if s.c.up == nil || s.c.up.bufRows == 0 {
		return
	}
	s.buf = &reduceBuffer{index: map[string]int{}, max: s.c.up.bufRows}
	if s.txn != nil {
		return
	}
	s.buf.stop, s.buf.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(s.buf.done)
		t := time.NewTicker(s.c.up.bufInterval)
		defer t.Stop()
		for {
			select {
			case <-s.buf.stop:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				if err := s.flushBuffer(ctx); err != nil {
					// Write, the next checkpoint or Finish reports it.
					s.fail(err)
				}
			}
		}
	}()
}

// buffer adds a record, replacing the key's previous one, and flushes
// when the buffer holds max keys.
func (s *sink) buffer(ctx context.Context, key, value []byte) error {
	b := s.buf
	b.mu.Lock()
	defer b.mu.Unlock()
	rec := bufRecord{key: append([]byte(nil), key...)}
	if value != nil {
		rec.value = append([]byte{}, value...)
	}
	if i, ok := b.index[string(key)]; ok {
		b.recs[i] = rec
		return nil
	}
	b.index[string(rec.key)] = len(b.recs)
	b.recs = append(b.recs, rec)
	if len(b.recs) >= b.max {
		return s.flushLocked(ctx)
	}
	return nil
}

// flushBuffer hands the buffered records to the producer or the open
// epoch; nothing to do without a buffer.
func (s *sink) flushBuffer(ctx context.Context) error {
	if s.buf == nil {
		return nil
	}
	s.buf.mu.Lock()
	defer s.buf.mu.Unlock()
	return s.flushLocked(ctx)
}

func (s *sink) flushLocked(ctx context.Context) error {
	b := s.buf
	msg := &b.msg
	for i, r := range b.recs {
		msg.TopicPartition = ckafka.TopicPartition{Topic: &s.topic, Partition: ckafka.PartitionAny}
		msg.Key, msg.Value = r.key, r.value
		if err := s.emit(ctx, msg); err != nil {
			// What was emitted is gone from the buffer; the rest stays.
			for _, done := range b.recs[:i] {
				delete(b.index, string(done.key))
			}
			b.recs = append(b.recs[:0], b.recs[i:]...)
			for j, r := range b.recs {
				b.index[string(r.key)] = j
			}
			return err
		}
	}
	clear(b.index)
	clear(b.recs)
	b.recs = b.recs[:0]
	return nil
}

// closeBuffer stops the interval flush.
func (s *sink) closeBuffer() {
	if s.buf == nil || s.buf.stop == nil {
		return
	}
	close(s.buf.stop)
	<-s.buf.done
	s.buf.stop = nil
}
