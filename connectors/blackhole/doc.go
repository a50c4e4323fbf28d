// Package blackhole is Flink's `blackhole` table sink: it accepts every
// row of every changelog kind and discards it. It is for performance tests
// and for jobs whose output does not matter; the engine still counts what
// reaches it in the sink's metrics.
//
// Like Flink's BlackHoleTableSinkFactory it takes no option but
// `connector`. It must not reach into the planner's internals.
package blackhole
