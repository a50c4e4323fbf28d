// Package kafka is Flink's `kafka` table connector on librdkafka (through
// confluent-kafka-go, whose module ships librdkafka statically linked).
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
// broker, as Flink. With a group id, offsets are committed (librdkafka's
// auto-commit of stored offsets) only after the batch holding the records
// has been handed on to the job, and at the end of a bounded read;
// `properties.enable.auto.commit` = 'false' turns commits off.
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
// (subtask i writes partition i mod n) or round-robin. With the default
// delivery guarantee at-least-once (acks=all unless set) the first failed
// delivery fails the job, and the end of input waits until every record
// is acknowledged; `none` ignores delivery failures. exactly-once needs
// checkpoints and is rejected.
//
// Flink 1.10's legacy keys map to these: connector.topic,
// connector.properties.*, connector.startup-mode, connector.specific-offsets,
// connector.startup-timestamp-millis, connector.sink-partitioner, and
// connector.version (universal, 0.11, 0.10: one client serves them all;
// properties.zookeeper.connect is accepted and unused, as the universal
// client never used it).
package kafka
