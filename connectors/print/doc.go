// Package print is Flink's `print` table sink: every row it receives, of
// every changelog kind, becomes one line of text on standard output (or
// standard error), rendered exactly as Flink's print connector renders it
// — "+I[1, a, null]", "-U[…]", "+U[…]", "-D[…]" (see format.go for each
// type).
//
// Options (Flink's PrintConnectorOptions):
//
//	option             default   meaning
//	print-identifier   (none)    text prefixed to every line: "id> +I[…]"
//	standard-error     false     print to standard error instead of standard output
//	sink.parallelism   (job's)   parallelism of the sink
//
// With a parallelism above 1 each line also carries the 1-based number of
// the subtask that printed it, as Flink's PrintSinkOutputWriter does:
// "2> +I[…]", or "id:2> +I[…]" with an identifier.
//
// Output goes through SetOutput's writers (os.Stdout and os.Stderr by
// default). Each batch is rendered into one buffer and written in one
// call under a lock shared by every print sink in the process, so lines of
// parallel subtasks never interleave.
//
// The package also exports the formatting itself (FormatRow, RowFormatter,
// AppendValue) for the SQL client and for tests that compare with Flink's
// output. It must not reach into the planner's internals.
package print
