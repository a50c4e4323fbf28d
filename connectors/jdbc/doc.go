// Package jdbc is Flink's `jdbc` table connector for MySQL/MariaDB
// (github.com/go-sql-driver/mysql) and SQLite (github.com/mattn/go-sqlite3):
// a bounded scan source, optionally split into numeric ranges read by
// parallel subtasks, and a sink that upserts by the table's key (or
// appends, without one) in buffered, reduced, transactional flushes that
// survive a lost connection.
//
// It owns the JDBC URL and option forms (current and Flink 1.10 legacy),
// the SQL it sends and the mapping between Sluice's scalar types and the
// databases' values. It does not create tables, and it must not reach into
// the planner: what it needs from the query (the upsert key) arrives in
// connector.Context. docs/connectors/jdbc.md is the user's manual.
//
// # Checkpoints
//
// When the job takes checkpoints the sink flushes its buffer in
// SnapshotState and returns only after the flush's transaction committed,
// as Flink's JdbcOutputFormat flushes in snapshotState: a completed
// checkpoint never covers rows that were only in memory. After a restore
// the rows after the checkpoint are replayed. With a key (upsert mode)
// they are upserts and deletes of the same keys, so the table ends as if
// nothing had failed: exactly-once in effect. Without a key the sink
// appends, and replayed rows that had already been flushed (by size or
// interval) before the failure are inserted again: at-least-once, which
// subtask 0 says once in the engine log (engine.Logf) when it opens. The
// scan source keeps no position, as Flink's JdbcInputFormat source: a
// restored job reads its ranges again.
package jdbc
