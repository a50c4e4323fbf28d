// Package values is a connector for tests and examples, in the spirit of
// Flink's test-only `values` connector (TestValuesTableFactory): a source
// whose rows are written inline in the `data` option, and a sink that
// collects what it receives in process, where a test reads the changelog
// and the materialised table (Collected(id).Rows(), .Materialize()).
//
// Options:
//
//	option               default     meaning
//	data                 (empty)     the source's rows, in the print format
//	changelog-mode       I           row kinds the source produces: comma list of I, UB, UA, D
//	bounded              true        false: after its rows the source idles until the job is cancelled
//	sink-id              table name  the name the sink collects under (Collected, Reset)
//	sink-changelog-mode  I,UB,UA,D   row kinds the sink accepts; any other kind is an error
//
// # The data format
//
// Rows are written as Flink's print connector prints them, one per line or
// separated by ';': +I[1, a], -U[1, a], +U[1, b], -D[1, b]. A bare [1, a]
// is an insert. Each value is read as its column's type:
//
//	NULL                   null, unquoted, in any case ('null' quoted is text)
//	BOOLEAN                true, false (any case)
//	TINYINT … BIGINT       42, -7 (range-checked)
//	FLOAT, DOUBLE          1.5, 1.0E10, NaN, Infinity, -Infinity
//	DECIMAL(p, s)          12.30, 1E-8; rounded HALF_UP to s digits, as Flink does
//	CHAR, VARCHAR, STRING  the text, trimmed; at most the type's length
//	BINARY, BYTES          [1, -2, 127] (Flink's print form) or x'01fe7f'
//	DATE                   2024-01-31
//	TIME(p)                10:15, 10:15:30, 10:15:30.123
//	TIMESTAMP(p)           2024-01-31T10:15:30.123 or 2024-01-31 10:15:30.123
//	TIMESTAMP_LTZ(p)       …Z or …+08:00; without an offset, table.local-time-zone
//	INTERVAL MONTH         P1Y2M, P0D, or a number of months
//	INTERVAL SECOND(3)     PT1H30M, PT0.5S, P2DT1H, or a number of milliseconds
//	ARRAY<T>, MULTISET<T>  [1, null, 3]
//	MAP<K, V>              {a=1, b=2} (keys must not be NULL)
//	ROW<…>                 +I[a, 1] as Flink prints nested rows, or [a, 1], or (a, 1)
//
// Fractional seconds finer than the type's precision are an error, not
// rounded away.
//
// Quoting: a value may be written in single quotes, with ” for a quote
// inside ('it”s'). A quoted value keeps its spaces and is never NULL.
// Quote a string that contains , ] ) } = or ', that starts with [ ( { or
// +I[, that has leading or trailing spaces, that is empty in a one-column
// table (+I[”] — +I[] is a row of no values), or that reads null.
// Unquoted strings are taken as written, so text that starts with a
// bracket is kept with its brackets ([a, b] for a STRING is "[a, b]").
//
// Errors name the row (1-based) and the column: "values: table t: data:
// row 2, column ts (TIMESTAMP(3)): '2024-13-01' is not a TIMESTAMP(3) (no
// such date)"; syntax errors name the line and column of the text.
//
// The source runs with parallelism 1, so rows arrive in the order written,
// in batches of sluice.exec.batch-size rows. It must not reach into the
// planner's internals.
package values
