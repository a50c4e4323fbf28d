// Package engine owns the job runtime and the relational operators: the
// job graph (vertices, edges, partitioning), tasks that run chains of
// push-based operators in one goroutine per subtask, bounded channels
// between tasks (backpressure), hash/forward/rebalance/broadcast/global
// exchanges, end of input, error propagation and cancellation, metrics;
// and the operators Calc, GroupAggregate, Distinct, Sort, Limit and Union,
// with a values source and a collecting sink for tests and the planner.
//
// It must not know SQL syntax or import cpython or vectorized/expr:
// expressions reach operators as vectorized.Expr values and user-defined
// functions as vectorized.FunctionEvaluator values, both built by the
// planner in package table.
//
// # Execution
//
// Execute runs a JobGraph. Each vertex runs Parallelism subtasks; within a
// subtask the source (or the inbox), the chained operators and the sink call
// each other directly. Tasks exchange batches over channels of
// sluice.exchange.channel-capacity batches (default 4); a full channel
// blocks its producers. A consumer subtask ends its input when every
// producer subtask of every input edge ended; EndInput is then called once
// on each chained operator, in chain order, and Finish on the sink. Sinks are
// the Vertex.Sink field: the last step of a chain, never a separate
// operator.
//
// Hash edges assign rows to subtasks as Flink does: the key hash
// (vectorized.HashColumns, identical in every process) is scrambled into one
// of pipeline.max-parallelism key groups (default 128), and key groups are
// split into contiguous ranges, one per subtask. A batch is split with one
// gather and zero-copy slices per target.
//
// The first error cancels the job; Execute waits for every goroutine,
// releases every batch left in flight, and returns a *TaskError naming job,
// operator and subtask ("job cdn: operator Calc(…) subtask 2/2: …",
// subtasks numbered from 1 as Flink names them). Cancelling the caller's
// context stops sources and makes Execute return ctx.Err().
//
// # Batch ownership
//
// A batch handed to Collector.Collect, Operator.Process or Sink.Write is
// lent: the caller releases it after the call returns, and a callee that
// keeps it takes its own reference (RetainBatch). Every batch is released
// exactly once; the tests run jobs on memory.CheckedAllocator to prove it.
//
// # Changelog semantics
//
// Operators follow Flink's: GroupAggregate is GroupAggFunction (streaming),
// MiniBatchGroupAggFunction (streaming with mini-batch) or a hash aggregate
// emitting at end of input (batch); aggregate functions retract as
// CountAggFunction, SumWithRetractAggFunction, AvgAggFunction and
// MinWithRetractAggFunction do. Calc, Union and Limit pass row kinds
// through; Sort and Limit, bounded-input operators, accept only inserts.
package engine
