// Package datagen is Flink's `datagen` table source: rows of random or
// sequential values generated in process, for trying queries and for load
// tests without an external system.
//
// Table options (Flink's DataGenConnectorOptions, plus seed):
//
//	option           default   meaning
//	rows-per-second  10000     rate limit of the whole source, split evenly across its subtasks
//	number-of-rows   (none)    total rows to emit; the source is bounded when set
//	seed             (random)  Sluice extension: seed of the random generators, for reproducible tests
//
// Field options, fields.<field>.<option>; <field> is a column, or a nested
// field named as Flink names it — <column>.element for ARRAY and MULTISET
// elements, <column>.key and <column>.value for MAP, <column>.<name> for a
// ROW field:
//
//	option     applies to                               default              meaning
//	kind       columns                                  random               random or sequence
//	min, max   TINYINT…BIGINT, FLOAT, DOUBLE, DECIMAL,  the type's range     bounds of random values, inclusive
//	           INTERVAL                                 (see below)
//	max-past   TIMESTAMP, TIMESTAMP_LTZ                 0                    random values lie in [now - max-past, now]
//	length     VARCHAR, VARBINARY                       n of VARCHAR(n);     length of random strings and bytes
//	                                                    100 for STRING/BYTES
//	           ARRAY, MULTISET, MAP                     3                    number of elements (MAP: draws; equal keys kept once)
//	var-len    VARCHAR, VARBINARY                       false                lengths uniform in [1, length]
//	start, end sequence columns                         (required)           the sequence, both ends inclusive
//	null-rate  random fields                            0                    fraction of NULLs, 0 to 1
//
// Random values follow Flink's RandomGeneratorVisitor: integers are
// uniform over [min, max] with the type's range as default; FLOAT and
// DOUBLE default to Flink's [MIN_VALUE, MAX_VALUE] (smallest positive to
// largest); DECIMAL(p, s) defaults to [0, 10^(p-s) - 10^-s], as Flink's
// DecimalDataRandomGenerator; CHAR(n) and VARCHAR are lower-case hex
// digits (nextHexString), CHAR(n) and BINARY(n) of length n; BOOLEAN is a
// fair coin; DATE and TIME are the current local date and time (Flink:
// always now); TIMESTAMP and TIMESTAMP_LTZ are now minus a uniform number
// of milliseconds up to max-past (TIMESTAMP holds the UTC wall clock, as
// Flink's TimestampData.fromEpochMillis gives); INTERVAL MONTH defaults to
// [0, 120000] months and INTERVAL SECOND to the whole BIGINT range of
// milliseconds; ARRAY, MULTISET and MAP hold `length` random elements; ROW
// values have random fields. DATE, TIME and TIMESTAMP values come from the
// clock and are not reproducible by the seed.
//
// A sequence column (TINYINT…BIGINT, FLOAT, DOUBLE, DECIMAL as integers,
// CHAR/VARCHAR as decimal text, BINARY/VARBINARY as 8 big-endian bytes)
// emits every value of [start, end] exactly once across the subtasks,
// split as Flink's SequenceGenerator splits it: subtask i of n emits
// start+i, start+i+n, … . A table with a sequence column is bounded; a
// subtask ends when its share of the shortest sequence, or of
// number-of-rows, is exhausted.
//
// Each subtask draws its own random streams — one per field, seeded from
// the seed, the subtask index and the field's name — so the values of a
// field do not depend on the batch size or on the other fields, and a
// fixed seed reproduces the same rows for the same parallelism.
//
// Batches are built column by column straight into Arrow builders. A
// batch holds sluice.exec.batch-size rows (engine.ConfigBatchSize), at
// most one second's worth of the subtask's rate, and no more than fit
// sluice.exec.batch-bytes (engine.ConfigBatchBytes) at the widest row seen
// (variable-width rows are measured on a first batch sized for 16 KiB
// rows); the k-th row of a subtask is not emitted before start + k/rate.
//
// # Checkpoints
//
// When the job takes checkpoints, each subtask keeps its position in
// operator state (split-redistributed list state): for its share of the
// rows — the subtask and parallelism whose split it generates — the rows
// emitted, which is where its sequences stand and how much of
// number-of-rows is left, and the states of its random streams. A
// restored subtask continues them: sequences go on from the next value
// and random fields draw what an uninterrupted run would have drawn (the
// seed of the new run does not matter), so with an exactly-once pipeline
// the rows up to the checkpoint plus the restored run's rows are those of
// a run without failure (DATE, TIME and TIMESTAMP fields excepted: they
// read the clock). Shares survive a change of parallelism: each old
// subtask's share goes whole to one new subtask, which generates its
// shares one after the other, so every sequence value is still emitted
// once; subtasks a rescale adds get no share of a bounded source, and a
// stream of their own in an unbounded one. While it waits for its rate
// (batches of one second's rows are a second apart) the source yields
// every 50 ms, so checkpoint barriers pass without waiting for the next
// batch.
//
// Options are checked when the table is created: an unknown fields.* key
// names the table's columns, a bad value names the option and the type
// ("datagen: fields.size.min = 'abc' is not a BIGINT").
//
// Not supported: Flink's waveform rate options, LIMIT push-down, and
// MAP keys of nested types (ROW, ARRAY, MAP), which cannot be compared to
// drop duplicates. The package must not reach into the planner's
// internals.
package datagen
