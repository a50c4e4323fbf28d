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
package jdbc
