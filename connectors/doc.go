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
// Connectors must not reach into the planner's internals.
package connectors
