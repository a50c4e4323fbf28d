// Package cpython is Sluice's own thin cgo binding to libpython: it starts
// the interpreter once per process, gives any goroutine a GIL scope, holds
// Python objects with exact reference counts, turns Python exceptions into
// Go errors with their tracebacks, and runs row-at-a-time Python UDFs over
// whole Arrow batches in C — one cgo crossing per batch, never per row. For
// callers that hand Python whole buffers (the pandas UDFs), CallArgs builds
// a call's arguments in the crossing that makes it, including sluice.View
// objects: memory outside Python, read and written through the buffer
// protocol, whose fill method copies a numpy array into an Arrow buffer
// and validity bitmap.
//
// Go owns the process's signals; this package does for Python what its
// own handlers would: Interrupt forwards a stop signal to Python's main
// thread, DoBatch interrupts a cancelled batch's UDFs with an asynchronous
// JobCancelled, and a fatal signal in Python code is reported with the
// crashing thread's Python stack and the UDF and job it ran (signals.c).
//
// It must not know about SQL, plans or operators: the planner hands it
// functions and column indexes, and gets back a vectorized.FunctionEvaluator.
package cpython
