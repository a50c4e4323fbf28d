// Package kafka holds Flink's `kafka` and `upsert-kafka` table
// connectors, on librdkafka (through confluent-kafka-go, whose module
// ships librdkafka statically linked).
//
// Source: the topic's partitions are spread over the source's parallel
// subtasks (sorted by topic and partition, round-robin), each subtask runs
// one consumer with the partitions assigned to it (no group rebalancing,
// as Flink), and builds Arrow batches straight from the records through
// the value format (and the key format for `key.fields`). Where a
// partition starts is fixed while the job opens, so a job that is running
// (engine.Job.Running) reads everything produced after that:
//
//	scan.startup.mode   earliest-offset | latest-offset | group-offsets (default) |
//	                    timestamp (scan.startup.timestamp-millis) |
//	                    specific-offsets (scan.startup.specific-offsets =
//	                    'partition:0,offset:42;partition:1,offset:300')
//
// group-offsets reads the offsets committed by `properties.group.id`; a
// partition without one starts where `properties.auto.offset.reset` says
// (earliest, latest — Kafka's default, as in Flink 1.10 — or none, which
// fails). Without a group id nothing is read from or committed to the
// broker, as Flink. Without checkpoints and with a group id, offsets are
// committed (librdkafka's auto-commit of stored offsets) only after the
// batch holding the records has been handed on to the job, and at the end
// of a bounded read; `properties.enable.auto.commit` = 'false' turns
// commits off.
//
// # Checkpoints (source)
//
// Each subtask keeps, in a union operator list state, every partition it
// reads with its next offset (and the stop offset of a bounded read).
// SnapshotState runs between batches — in Collect, or in engine.Yield,
// which Run calls only when no row is pending in the batch builder, after
// every poll that returned nothing and at least every 100 ms — so the
// state covers exactly the rows emitted. On restore the restored offsets
// win over scan.startup.mode; every subtask gets the whole list and keeps
// the partitions the assignment rule gives it, so a restore at another
// parallelism reads every partition once. A partition the checkpoint does
// not hold (created since, or of a topic added to the table) starts at its
// earliest offset, as Flink's FlinkKafkaConsumer does, so nothing written
// to it since the checkpoint is lost. With checkpoints the client never
// commits on its own: the offsets of a checkpoint go to the group when it
// completes (NotifyCheckpointComplete, in the background; the
// commitsSucceeded and commitsFailed metrics count them, and a failed
// commit does not fail the job, as in Flink, since a restore starts from
// the checkpoint). `properties.commit.offsets.on.checkpoint` = 'false'
// (Flink's KafkaSource property) turns these commits off. A bounded read
// that ended commits its last offsets when the job's final checkpoint
// completes.
//
// `scan.bounded.mode` (latest-offset, group-offsets, timestamp,
// specific-offsets) makes the source bounded: each partition stops at the
// offset resolved when the job opens; partitions not named by
// scan.bounded.specific-offsets stop at their end at that time.
//
// Malformed records fail the job with an error naming topic, partition,
// offset and the record, unless the format's `ignore-parse-errors` is set:
// they are then skipped and counted in the source's numRecordsSkipped
// metric. A record with a null value is skipped (a tombstone).
//
// Sink: append-only rows are encoded with the value format (and the key
// format) and produced asynchronously; sink.partitioner is default (the
// key's hash, or librdkafka's sticky partitioner without a key), fixed
// (subtask i writes partition i mod n) or round-robin.
// `sink.delivery-guarantee` is Flink's:
//
//   - at-least-once (the default; acks=all unless set): the first failed
//     delivery fails the job; each checkpoint, and the end of input, waits
//     until every record received before it is acknowledged (Flink's
//     KafkaWriter flush), so a completed checkpoint never misses a record.
//   - none: records are produced and delivery failures ignored.
//   - exactly-once: Kafka transactions; `sink.transactional-id-prefix` is
//     required and must be unique per sink table of every running job (a
//     second sink with the same prefix fences the first). Readers see the
//     records only with isolation.level = read_committed.
//
// # Exactly-once sink
//
// Flink writes each checkpoint's records into a transaction as they come,
// pre-commits it at the checkpoint and commits it when the checkpoint
// completes; after a crash between completion and commit it resumes the
// prepared transaction of the dead producer by reflection into the Java
// client. librdkafka cannot take over another producer's transaction:
// InitTransactions with the same transactional.id aborts it. A crash in
// that window would lose the checkpoint's records, so this sink writes
// ahead instead (Flink's GenericWriteAheadSink):
//
//  1. Write encodes the records into the open epoch, in memory.
//  2. SnapshotState closes the epoch with the checkpoint's id and stores
//     the epochs not yet committed in the operator state: the records are
//     part of the checkpoint.
//  3. NotifyCheckpointComplete produces those epochs in one transaction of
//     the subtask's producer (transactional.id <prefix>-<subtask>) that
//     also commits a marker: through SendOffsetsToTransaction, the offset
//     of consumer group <prefix>-<subtask>-commits on partition 0 of the
//     sink's topic is set to the checkpoint id, its metadata to the run's
//     random id. The marker is committed if and only if the records are.
//  4. On restore, each subtask calls InitTransactions for its slot — which
//     aborts the dead producer's open transaction, or finishes its commit
//     if the coordinator had already decided it — then reads the slot's
//     marker with a read_committed consumer and produces again, each in a
//     transaction with its marker, the restored epochs the marker does not
//     cover (marker run = epoch run and marker id >= epoch id; a run's
//     epochs are committed in checkpoint order). After a restore at a
//     lower parallelism the subtask i also recovers every old slot j with
//     j mod parallelism = i, with a producer of that slot's transactional
//     id, so no slot is left with a lingering transaction.
//
// A kill at any moment therefore leaves each checkpoint's records in Kafka
// exactly once: before the checkpoint completes nothing was written and the
// job restarts from the previous one; after it, the records are either
// committed with their marker or replayed from the checkpoint. An aborted
// checkpoint's epoch is committed with the next completed one. At the end
// of input the records since the last checkpoint wait for the final
// checkpoint the runtime takes after it (Flink's FLIP-147), whose
// completion commits them.
//
// The cost: every record is kept in memory from Write until its checkpoint
// completes and written once more, into the checkpoint; a read_committed
// consumer sees records one checkpoint interval plus one commit later (as
// with Flink, whose transactions also commit on completion); the producing
// happens in NotifyCheckpointComplete, which holds the sink's input back
// while the epoch is sent (BenchmarkSinkCheckpointCycle, one local
// broker: 0.2 s per 100 000 small records; Write, snapshot and commit
// together ran at 473 000 records/s against 493 000 for at-least-once). The marker group is never consumed and expires
// with the broker's offsets.retention.minutes (7 days): restoring a
// checkpoint older than that may write its last epoch twice. Restoring a
// checkpoint older than the newest completed one (a fallback) replays
// what came after it, as with any transactional sink.
//
// Without checkpoints an exactly-once sink writes into one transaction
// committed at the end of input (Flink commits on checkpoints only; its
// bounded jobs commit at the end); its transaction.timeout.ms defaults to
// 15 minutes (the broker's maximum) and a longer job fails, telling to
// enable checkpointing. A cancelled job aborts the transaction.
//
// # upsert-kafka
//
// The `upsert-kafka` connector (UpsertFactory) is Flink's: a table with a
// PRIMARY KEY ... NOT ENFORCED (required) over a topic holding, per key,
// its successive rows. Options: topic, properties.*, key.format and
// value.format (both required; the key holds the primary key columns,
// which is why there is no key.fields), key.fields-prefix,
// value.fields-include (ALL, the default, or EXCEPT_KEY),
// sink.parallelism, sink.buffer-flush.max-rows and
// sink.buffer-flush.interval, sink.delivery-guarantee and
// sink.transactional-id-prefix as for `kafka`.
//
// As a sink it accepts an upsert changelog, so a GROUP BY can be written
// to Kafka: +I and +U rows become records whose key is the primary key in
// key.format and whose value is the row in value.format; -D rows become
// tombstones (the key with a null value); -U rows are dropped (the
// planner drops them before any upsert sink). The planner routes rows to
// the sink's subtasks by the primary key, so all changes of a key pass
// through one subtask in order, and the producer partitions by the
// key's murmur2 hash (librdkafka's murmur2_random, Kafka's Java default,
// unless properties.partitioner is set), so they land on one partition
// in order and on the partition Flink would choose.
//
// With both sink.buffer-flush options above zero (Flink requires them
// together) the sink keeps the last record of each key, up to max-rows
// keys, and writes them when the buffer is full, every interval, before
// each checkpoint and at the end of input (Flink's ReducingUpsertSink):
// fewer records for a hot key, same final table. An exactly-once sink
// flushes its buffer into the epoch only when full and at the
// checkpoint, since its records become visible at the checkpoint's
// completion anyway; the epoch then holds one record per key.
//
// Delivery guarantees are the `kafka` sink's, with the same write-ahead
// epochs, transactions and markers: at-least-once replays the updates
// after the last checkpoint after a restore (a reader may see a key's
// count fall back, then rise again to the right value), exactly-once
// commits each update once, so a read_committed reader sees every key's
// values in order, never going back
// (TestUpsertKafkaGroupBySurvivesKills kills a Kafka → GROUP BY →
// upsert-kafka job with SIGKILL and checks exactly that).
//
// As a source it reads the topic from its beginning (the last value of
// every key is needed; a restore starts from the checkpoint) as a
// changelog: a record is an upsert of its key, a tombstone its delete.
// Flink emits that through a ChangelogNormalize step after a hash
// exchange on the key, keeping each key's last row in keyed state; here
// the source does it itself (normalizer), from each key's last value in
// the instance's keyed state (rt.KeyedState, snapshotted with every
// checkpoint): +I for a new key, -U of the previous row and +U for a
// changed one, -D of the previous row for a tombstone; a record equal to
// the key's last value and a tombstone of an unknown key are dropped, as
// Flink does. Downstream operators thus get a full changelog, and a
// GROUP BY over the table retracts correctly. This relies on every record
// of a key being in one partition, which is how upsert-kafka, Kafka
// Streams and any keyed producer write: the partition is the unit of
// both reading and state. A partition's state lives in the key group
// partitionGroup gives it (the radical inverse of its number, which
// spreads any number of partitions evenly), and the partition is read by
// the subtask whose key-group range holds that group, so a restore at
// another parallelism moves the keys' last values with their partitions.
// The source keeps the kafka source's offsets in operator state and its
// commits to properties.group.id on checkpoint completion; its state
// holds every live key's last value (Flink's holds the whole row too).
//
// Flink 1.10's legacy keys map to these: connector.topic,
// connector.properties.*, connector.startup-mode, connector.specific-offsets,
// connector.startup-timestamp-millis, connector.sink-partitioner, and
// connector.version (universal, 0.11, 0.10: one client serves them all;
// properties.zookeeper.connect is accepted and unused, as the universal
// client never used it).
package kafka
