// Package datastream runs PyFlink's keyed stateful DataStream operators
// (KeyedStream.process with a KeyedProcessFunction, KeyedStream.reduce, and
// the keyed windows) on the engine, with their state in the engine's keyed
// state backend and their timers checkpointed with it.
//
// # Contract (for the DataStream API that builds the job graph)
//
// NewKeyedProcess(KeyedProcessSpec) is one operator instance; put
// func() engine.Operator { return datastream.NewKeyedProcess(spec) } in the
// vertex's chain, behind a hash exchange on the key column (the engine's
// key groups of vectorized.HashColumns of that one column). Its input
// batches hold a key column (KeyType: BYTES of pickled keys, a string,
// number, boolean, date, timestamp, or a struct of them), a value column
// (any type; BYTES holds pickles) and optionally a rowtime column
// (TIMESTAMP(3) or BIGINT ms). It emits batches of one column OutName
// (default f0) of OutType, plus the rowtime column when there is one: an
// element's outputs keep its timestamp, an event-time timer's outputs carry
// the timer's time, a processing-time timer's outputs NULL. Outputs are
// insert-only.
//
// Spec.Runner comes from Python:
//
//	sluice.datastream._keyed.make_runner(function, kind, output_type=..., key_type=..., value_type=..., **options)
//
// kind is "process", "reduce", "window-reduce", "window-aggregate" or
// "window-process"; the types are TypeInformation (None: pickled bytes) and
// decide how the key, value and output columns convert. The window kinds
// take options assigner= (a WindowAssigner of sluice.datastream.window:
// tumbling, sliding, session, global or count), window_function= (a
// ProcessWindowFunction or WindowFunction applied to the reduced value or
// the aggregate's result; for window-process the function itself is one),
// trigger= (default: the assigner's) and allowed_lateness= (ms, default 0).
// Each operator instance calls runner.copy() once, so subtasks never share
// a function object.
//
// # Windows
//
// Windows run in the same operator, as Flink's WindowOperator over this
// package's state and timers: per element the assigner's windows, late
// ones dropped (an event-time window whose end + allowed lateness is at or
// before the watermark); the window's contents (the reduced value, the
// aggregate's accumulator, or the elements) in a map state from window to
// contents; the trigger's timers are the key's timers with an index from
// (domain, time) to the windows waiting for them; the trigger's partitioned
// state is a map state per descriptor from window to value. Session
// (merging) windows keep the key's windows in a value state and merge
// contents, trigger state and timers as Flink's MergingWindowSet does.
// Count windows count the key's elements in keyed state (PyFlink's
// assigners and CountTrigger). Outputs carry the window's max timestamp.
// Elements no window takes because they are late are counted in the
// operator's numLateRecordsDropped, as Flink's WindowOperator does.
//
// # One crossing per batch
//
// For a batch, the operator computes each row's key group and key encoding
// (keyed_codec.go: reversible, so timers can hand keys back), loads the
// state of the batch's distinct keys from the backend (every declared
// state: a value, a list's elements, a map's entries), and hands Python
// three Arrow record batches through the C Data Interface: the keys, the
// records (key id, value, timestamp) and the state rows. Python runs the
// function per record against an in-memory view of that state (a key
// appearing several times sees its own earlier changes) and returns four
// record batches: outputs, state writes (set/clear a value, append to or
// replace a list, put/remove/clear map entries), timer registrations and
// deletions, and states declared for the first time. The operator writes
// the state back before the next batch, so the backend is current at
// every checkpoint without a flush.
//
// # Timers
//
// Timers are Flink's: at most one per (key, domain, timestamp), kept in
// memory in a set and a heap per domain. ProcessWatermark pops the
// event-time timers at or before the watermark (ordered by timestamp, then
// key bytes) and calls Python's on_timer with them and their keys' state,
// a batch of timers per call; a timer a callback registers at or before
// the time being fired fires in the same call, in order, and one it deletes
// does not fire. Processing-time timers fire from the task's timer
// (engine.ProcessingTimer) when the clock reaches them; pending ones are
// dropped at the end of a bounded streaming input, as Flink does. At a
// checkpoint, the timers of each key group whose timers changed are
// written to keyed state under that key group, so a restore into any
// key-group range takes its keys' timers; the list of declared states is
// union operator state, so a state a function declares lazily after a
// restore still finds its entries.
//
// # State
//
// Each Python state descriptor is a backend state named "ds/<name>":
// ValueState, ReducingState and AggregatingState are ValueStates of the
// pickled value (the reduced value, the accumulator), ListState a ListState
// of pickled elements, MapState a MapState from pickled user keys to
// pickled values. Values are pickled whatever the descriptor's type
// information. State TTL (StateTtlConfig) is the backend's TTL: expiry TTL
// after the last write, never returning expired entries, in processing
// time; other update types and visibilities are rejected.
//
// Errors: a Python exception in the function is a *FunctionError naming
// the function, the method, the key and the record (or timer), with the
// exception's traceback.
package datastream
