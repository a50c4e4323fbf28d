// Package connectors is the home of Sluice's table connectors and formats.
// The registry and the factory contract live in table/connector; each
// connector is a sub-package that registers its factory in init:
//
//	datagen    Flink's datagen source: random and sequence rows, rate-limited
//	print      Flink's print sink: every changelog row as +I[…] text
//	blackhole  Flink's blackhole sink: discards everything
//	values     inline rows for tests and examples, and a collecting sink
//	jdbc       Flink's jdbc connector: MySQL/MariaDB and SQLite tables, scanned or upserted
//	filesystem Flink's filesystem connector: files and directories in csv, json, raw or parquet
//	builtin    imports all of the above
//
// The row formats of the byte-moving connectors (kafka, filesystem) live
// under format/: the registry (`format` option) and the decoder/encoder
// contract, and one sub-package per format, registered in init:
//
//	format/csv   Flink's csv format: RFC 4180 quoting, Flink's text forms
//	format/json  Flink's json format: one object per record
//	format/raw   Flink's raw format: one column's bytes
//	format/all   imports the three
//
// Connectors must not reach into the planner's internals.
package connectors
