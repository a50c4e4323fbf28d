// Package filesystem is Flink's `filesystem` table connector for local
// files, bounded: a source that reads a file or a directory tree, and a
// sink that writes part files into a directory.
//
// Options (Flink's FileSystemConnectorOptions):
//
//	option                                  default   meaning
//	path                                    (required) a file or a directory (or a file: URI); the sink's directory
//	format                                  (required) csv, json, raw (connectors/format) or parquet
//	source.path.regex-pattern               (none)    read only files whose absolute path matches (whole path)
//	sink.parallelism                        (job's)   parallelism of the sink
//	sink.rolling-policy.file-size           128mb     start a new part file once the current one is larger
//	sink.rolling-policy.rollover-interval   30 min    start a new part file once the current one is this old
//	sink.rolling-policy.check-interval      1 min     accepted for Flink DDL; the policy is checked at every batch
//
// A row format's own options sit under its name (`csv.field-delimiter`,
// `json.ignore-parse-errors`); parquet's are Hadoop's ParquetOutputFormat
// keys, as Flink passes them through: `parquet.compression` (snappy, zstd,
// gzip, brotli, lz4_raw, none; default snappy), `parquet.block.size` (row
// group size, 128mb), `parquet.page.size` (1mb), `parquet.enable.dictionary`
// (true). Sizes are Flink MemorySize text: 1024, 64kb, 128 mb.
//
// Paths are local: a plain path or a file: URI (file:///tmp/t, as
// Flink's documentation writes them); other schemes (hdfs, s3) are an
// error.
//
// Flink 1.10's legacy keys work too: 'connector.type' = 'filesystem',
// 'connector.path' = …, 'format.type' = 'csv' and format.* keys, which
// become csv.* options (csv.line-delimiter, Flink 1.10's, ends the
// records the sink writes). Unlike Flink 1.10's CsvTableSink, the sink
// always writes a directory of part files.
//
// # Source
//
// The path may be a file or a directory, read recursively. Below the path,
// names starting with '.' or '_' are skipped, as Flink's DefaultFileFilter
// skips them (in-progress part files, _SUCCESS markers). Files are not
// split: each goes whole to one subtask, assigned largest first to the
// subtask with the fewest bytes; every subtask lists the path itself when
// it opens and computes the same assignment, so each file is read exactly
// once (as long as no file appears or vanishes while the subtasks open:
// the sink's renames happen only at its end). Rows go straight into Arrow
// builders, sluice.exec.batch-size rows per batch, cut earlier once the
// records reach sluice.exec.batch-bytes (parquet: rows per batch from the
// file's uncompressed bytes per row).
//
// Row formats frame records with the format's Splitter (CSV with quoted
// line breaks) or else by lines (LF or CRLF; the last line may lack its
// break); JSON skips blank lines. A malformed record fails the job with
// the file, the line the record starts on, the format's error and the
// record; with <format>.ignore-parse-errors it is skipped and counted in
// the source's numRecordsSkipped counter.
//
// Parquet files are read with arrow-go's pqarrow, only the table's
// columns, matched by name (exactly, else case-insensitively). Values are
// converted to exactly the table's Arrow types (other time units,
// large or dictionary strings, narrower integers, list field names), so
// batches carry the planner's schema; a missing column, or one whose type
// cannot hold the table's, is an error naming the file and the column.
//
// # Sink
//
// Insert-only. Each subtask writes part-<uuid>-<subtask>-<n>.<ext> (.csv,
// .json, .parquet; no extension for raw) into the directory, which is
// created when missing; a path naming a file is an error. Without
// checkpoints a part file is written under the hidden name
// .part-….inprogress and renamed when the input ends, Flink's in-progress
// → finished life cycle without the checkpoint step; a failed subtask
// removes its in-progress files. Row formats write one record and '\n' per row;
// parquet writes every type of DESIGN.md §3 with the Arrow schema stored
// in the file (exact types on the way back), TIME and TIMESTAMP in their
// own unit (nanoseconds included). A row group is closed at
// parquet.block.size of Arrow data, and the rolling size is checked
// between batches. Columns whose NULL structs or lists cover values are
// first rewritten in canonical form, which arrow-go's writer needs (see
// canonical.go).
//
// # Checkpoints
//
// Source: each subtask keeps the position of every file it started in
// operator state — finished, or the byte offset and line after the last
// record emitted (parquet: the rows emitted) — written in SnapshotState,
// which the runtime calls inside Collect after a batch went downstream,
// when every record parsed so far has been emitted. A restored subtask
// skips finished files and resumes the file it was reading at the record
// after the last one emitted (parquet: whole row groups skipped by their
// metadata, then the rows of the next). The positions are union list
// state: every subtask gets all of them back and keeps those of the files
// its assignment gives it, so a restore at another parallelism still
// reads each line once. The files are listed again at the restore: a file
// added since is read from its start, one removed is forgotten.
//
// Sink, Flink's FileSink part file life cycle: part files are written as
// .part-<uuid>-<subtask>-<n>[.ext].inprogress.<uuid> (a hidden name, a
// fresh UUID per file); SnapshotState closes the file in progress, which
// becomes pending and is recorded in operator state with the checkpoint's
// ID (every format rolls at every checkpoint: an open file cannot be
// resumed); NotifyCheckpointComplete renames the pending files of that
// checkpoint and earlier ones to their finished names, visible to readers,
// which skip hidden names (the source here, Flink's, ls). At the input's
// end the file in progress is closed, and the final checkpoint the engine
// takes after the end (FLIP-147: the task waits for it) records and
// publishes it, so rows after the previous checkpoint are published once
// even if another task fails later. Files published after the checkpoint
// a job restores from (an explicit -s to an older checkpoint) are removed
// by the restore (see below) and their rows written again. The
// part-file UUID is one per sink, shared by its subtasks, and
// carried by the checkpoint with each subtask's counter, so every attempt
// of a sink names its files alike.
//
// On a restore each new subtask j of n takes the files of old subtasks k
// with k mod n = j (a dropped subtask number's counter is carried on in
// the state). It publishes the files the checkpoint recorded as pending
// (the checkpoint completed; the notification may have been lost), then
// removes what the failed attempt wrote after the checkpoint: in-progress
// and pending files of the sink's UUID, and its finished files numbered
// at or above their subtask's counter in the checkpoint (opened after
// it); and hidden part files of other UUIDs older than the process (a run
// killed before its first checkpoint completed, restarted afresh).
// A restart in the same process before any checkpoint completed (same
// UUID, no restore) removes every file of the sink's UUID that falls to
// the subtask, finished ones included: the job writes all rows again.
// Another sink's recent files and other UUIDs' finished files are left
// alone. A failed subtask that is closed keeps its checkpointed pending
// files for the restore to publish. Together with a source that replays
// from its checkpoint, every row lands in exactly one finished file:
// exactly-once. A pending file the restore finds under neither name was
// published before the failure and moved away by a reader; it is not an
// error.
//
// The package must not reach into the planner's internals.
package filesystem
