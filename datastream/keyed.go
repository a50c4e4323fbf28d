package datastream

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/engine/state"
	"github.com/sluice-stream/sluice/vectorized"
)

// KeyedProcessSpec describes a keyed stateful DataStream operator: a
// KeyedProcessFunction (KeyedStream.process), a running reduce
// (KeyedStream.reduce) or a window (KeyedStream.window(...).reduce/
// aggregate/process), all run by one Python runner.
type KeyedProcessSpec struct {
	// Name is the user function's name (its class or function name), used
	// in errors: "KeyedProcessFunction CountPerKey: process_element on key
	// 'a', record ...".
	Name string
	// Runner is sluice.datastream._keyed.make_runner(...)'s result. Each
	// instance (subtask) runs its own copy (runner.copy()), as PyFlink
	// gives each subtask its own deserialized function. The spec's owner
	// keeps this reference.
	Runner *cpython.Object
	// KeyCol is the key column (the key selector's result; its hash
	// decides the key group, as the hash exchange in front of the
	// operator), ValueCol the record.
	KeyCol, ValueCol int
	// RowtimeCol is the record timestamp column (TIMESTAMP(3) or BIGINT
	// milliseconds), -1 for none. With one, the output has that column
	// too: an element's outputs keep its timestamp, an event-time timer's
	// outputs get the timer's time, a processing-time timer's none (NULL).
	RowtimeCol int
	// KeyType is the key column's type: timers restored from a checkpoint
	// hand their keys to Python before any record arrived.
	KeyType arrow.DataType
	// Rowtime is the output's timestamp column (name and type) when
	// RowtimeCol >= 0: the input's rowtime field.
	Rowtime arrow.Field
	// OutType is the Arrow type of the output column; OutName its name
	// (default "f0").
	OutType arrow.DataType
	OutName string
	// Now is the processing-time clock (nil: time.Now); tests inject one.
	Now func() time.Time
}

// FunctionError is a failure of the user function: which function, where
// (the method, the key and the record or timer), and the Python exception
// with its traceback.
type FunctionError struct {
	Function string
	Where    string
	Cause    error
}

func (e *FunctionError) Error() string {
	if e.Where == "" {
		return fmt.Sprintf("%s: %v", e.Function, e.Cause)
	}
	return fmt.Sprintf("%s: %s: %v", e.Function, e.Where, e.Cause)
}

func (e *FunctionError) Unwrap() error { return e.Cause }

// State kinds, as _keyed.py numbers them.
const (
	kindValue int8 = iota
	kindList
	kindMap
	kindReducing
	kindAggregating
)

// State write operations, as _keyed.py numbers them.
const (
	opSet int8 = iota
	opClear
	opAppend
	opPut
	opRemove
)

// pyState is one state the Python function declared, in the backend.
type pyState struct {
	name  string
	kind  int8
	ttl   int64 // ms, 0 = none
	value *state.ValueState[[]byte]
	list  *state.ListState[[]byte]
	mp    *state.MapState[[]byte]
}

// backendName is the state's name in the backend: user names cannot
// collide with the operator's own states.
func backendName(name string) string { return "ds/" + name }

type keyedProcess struct {
	spec      KeyedProcessSpec
	rt        *engine.RuntimeContext
	mem       memory.Allocator
	runner    *cpython.Object
	labels    *cpython.Labels
	label     *cpython.Label
	backend   *state.Backend
	states    []*pyState
	timers    *timers
	timerSt   *state.ValueState[[]byte]
	descSt    *state.OperatorListState
	watermark int64
	outSchema *arrow.Schema
	// pySchema is the output schema Python is given: the output column
	// only (the timestamp column is always int64 ms there).
	pySchema  *arrow.Schema
	batchSize int
	// windowed: the runner is a window runner, which counts late elements.
	windowed bool
	lateSeen int64
}

// NewKeyedProcess returns one instance of the keyed stateful operator.
// Its input must be hash-partitioned on KeyCol (key group of
// vectorized.HashColumns of that column, as the engine's hash exchange).
func NewKeyedProcess(spec KeyedProcessSpec) engine.Operator {
	if spec.OutName == "" {
		spec.OutName = "f0"
	}
	if spec.Now == nil {
		spec.Now = time.Now
	}
	return &keyedProcess{spec: spec, watermark: engine.MinWatermark}
}

// String is the spec's name: the planner's node name
// ("KeyedProcess(function=[Count])"), which errors and metrics show.
func (k *keyedProcess) String() string { return k.spec.Name }

// Open restores the timers and the list of declared states, copies the
// runner and opens the user function.
func (k *keyedProcess) Open(ctx context.Context, rt *engine.RuntimeContext) error {
	k.rt = rt
	k.mem = rt.Mem
	if k.mem == nil {
		k.mem = memory.DefaultAllocator
	}
	bs, err := rt.Config.Int(engine.ConfigBatchSize, engine.DefaultBatchSize)
	if err != nil {
		return err
	}
	k.batchSize = max(bs, 1)
	if k.backend, err = rt.KeyedState(); err != nil {
		return err
	}
	if k.timerSt, err = state.NewValueState(k.backend, state.Descriptor[[]byte]{Name: "ds-timers", Codec: state.BytesCodec{}}); err != nil {
		return err
	}
	k.timers = newTimers()
	if err := k.timers.restore(k.timerSt, rt.KeyGroups()); err != nil {
		return err
	}
	ops, err := rt.OperatorState()
	if err != nil {
		return err
	}
	if k.descSt, err = ops.ListState("ds-states", state.UnionRedistribute); err != nil {
		return err
	}
	known, err := decodeDescriptors(k.descSt.Get())
	if err != nil {
		return err
	}
	for _, d := range known {
		if err := k.register(d); err != nil {
			return err
		}
	}
	if k.spec.RowtimeCol >= 0 && k.spec.RowtimeCol == k.spec.KeyCol {
		return fmt.Errorf("%s: the timestamp column cannot be the key column", k)
	}
	if err := checkKeyType(k.spec.KeyType); err != nil {
		return fmt.Errorf("%s: %w", k, err)
	}
	outFields := []arrow.Field{{Name: k.spec.OutName, Type: k.spec.OutType, Nullable: true}}
	k.pySchema = arrow.NewSchema(outFields, nil)
	k.outSchema = k.pySchema
	if k.spec.RowtimeCol >= 0 {
		rf := k.spec.Rowtime
		rf.Nullable = true
		switch t := rf.Type.(type) {
		case *arrow.Int64Type:
		case *arrow.TimestampType:
			if t.Unit != arrow.Millisecond {
				return fmt.Errorf("%s: a timestamp column of unit %s is not supported; TIMESTAMP(3) expected", k, t.Unit)
			}
		default:
			return fmt.Errorf("%s: the timestamp column has type %s; TIMESTAMP(3) or BIGINT milliseconds expected", k, rf.Type)
		}
		k.outSchema = arrow.NewSchema(append(outFields, rf), nil)
	}
	k.labels = cpython.NewLabels(k.spec.Name)
	k.label = k.labels.For(rt.JobName)
	return cpython.DoBatch(ctx, k.label, func(py *cpython.GIL) error {
		cp, err := py.GetAttr(k.spec.Runner, "copy")
		if err != nil {
			return err
		}
		defer py.DecRef(cp)
		if k.runner, err = py.Call(cp); err != nil {
			return err
		}
		if o, err := py.GetAttr(k.runner, "late_dropped"); err == nil {
			k.windowed = true
			py.DecRef(o)
		}
		ps := newPairs(1)
		defer ps.free()
		ps.exportSchema(0, k.pySchema)
		var items []*cpython.Object
		for _, d := range known {
			n, kd, t := py.Str(d.name), py.Int(int64(d.kind)), py.Int(d.ttl)
			items = append(items, py.Tuple(n, kd, t))
			py.DecRef(n)
			py.DecRef(kd)
			py.DecRef(t)
		}
		knownList := py.List(items...)
		for _, it := range items {
			py.DecRef(it)
		}
		defer py.DecRef(knownList)
		if err := k.call(py, "open", []cpython.Arg{cpython.IntArg(ps.addr(0) + int64(arraySize)), cpython.ObjectArg(knownList)},
			py.Str(rt.TaskName), py.Int(int64(rt.Subtask)), py.Int(int64(rt.Parallelism)), py.Int(int64(rt.MaxParallelism))); err != nil {
			return err
		}
		// States the function declared in open() are loaded with the
		// first batch.
		out := newPairs(1)
		defer out.free()
		if err := k.call(py, "descriptors", []cpython.Arg{cpython.IntArg(out.addr(0))}); err != nil {
			return err
		}
		rec, err := out.importBatch(0)
		if err != nil {
			return err
		}
		defer rec.Release()
		return k.applyDescriptors(rec)
	})
}

// call calls runner.method(args..., extra...) (whose results come back
// through the C structs, so its return value is dropped) and turns a
// Python failure into a FunctionError. extra objects are new references it
// releases.
func (k *keyedProcess) call(py *cpython.GIL, method string, args []cpython.Arg, extra ...*cpython.Object) error {
	defer func() {
		for _, o := range extra {
			py.DecRef(o)
		}
	}()
	for _, o := range extra {
		args = append(args, cpython.ObjectArg(o))
	}
	defer cpython.ReleaseArgs(args)
	fn, err := py.GetAttr(k.runner, method)
	if err != nil {
		return err
	}
	defer py.DecRef(fn)
	res, err := py.CallArgs(fn, args)
	if err != nil {
		var pe *cpython.Error
		if !errors.As(err, &pe) {
			return err
		}
		where := ""
		if f, ferr := py.GetAttr(k.runner, "failure"); ferr == nil {
			where, _ = py.AsString(f)
			py.DecRef(f)
		}
		return &FunctionError{Function: k.spec.Name, Where: where, Cause: err}
	}
	py.DecRef(res)
	return nil
}

// register declares a state in the backend.
func (k *keyedProcess) register(d descriptor) error {
	s := &pyState{name: d.name, kind: d.kind, ttl: d.ttl}
	desc := state.Descriptor[[]byte]{Name: backendName(d.name), Codec: state.BytesCodec{}, TTL: time.Duration(d.ttl) * time.Millisecond}
	var err error
	switch d.kind {
	case kindValue, kindReducing, kindAggregating:
		s.value, err = state.NewValueState(k.backend, desc)
	case kindList:
		s.list, err = state.NewListState(k.backend, desc)
	case kindMap:
		s.mp, err = state.NewMapState(k.backend, desc)
	default:
		err = fmt.Errorf("unknown state kind %d", d.kind)
	}
	if err != nil {
		return fmt.Errorf("%s: state %q: %w", k, d.name, err)
	}
	k.states = append(k.states, s)
	return nil
}

func (k *keyedProcess) applyDescriptors(rec arrow.RecordBatch) error {
	sids := rec.Column(0).(*array.Int32)
	names := rec.Column(1).(*array.String)
	kinds := rec.Column(2).(*array.Int8)
	ttls := rec.Column(3).(*array.Int64)
	for i := 0; i < int(rec.NumRows()); i++ {
		if int(sids.Value(i)) != len(k.states) {
			return fmt.Errorf("%s: state %q declared with id %d, expected %d", k, names.Value(i), sids.Value(i), len(k.states))
		}
		// A copy: the name's bytes are Python's, released after the call.
		if err := k.register(descriptor{name: strings.Clone(names.Value(i)), kind: kinds.Value(i), ttl: ttls.Value(i)}); err != nil {
			return err
		}
	}
	return nil
}

// batchKeys are the distinct keys of a call.
type batchKeys struct {
	keys []string
	kgs  []uint16
	ids  map[string]int32
}

func (bk *batchKeys) id(key string, kg uint16) int32 {
	if id, ok := bk.ids[key]; ok {
		return id
	}
	id := int32(len(bk.keys))
	bk.ids[key] = id
	bk.keys = append(bk.keys, key)
	bk.kgs = append(bk.kgs, kg)
	return id
}

func (bk *batchKeys) rawKeys() [][]byte {
	out := make([][]byte, len(bk.keys))
	for i, k := range bk.keys {
		out[i] = []byte(k)
	}
	return out
}

// Process hands the batch, its keys and their state to Python, then
// emits the outputs and writes back the state and timers that changed.
func (k *keyedProcess) Process(ctx context.Context, _ int, b *vectorized.Batch, out engine.Collector) error {
	n := int(b.Record.NumRows())
	if n == 0 {
		return nil
	}
	keyCol := b.Record.Column(k.spec.KeyCol)
	if !arrow.TypeEqual(keyCol.DataType(), k.spec.KeyType) {
		return fmt.Errorf("%s: the key column has type %s, the spec says %s", k, keyCol.DataType(), k.spec.KeyType)
	}
	hashes := make([]uint64, n)
	vectorized.HashColumns([]arrow.Array{keyCol}, hashes)
	r := k.rt.KeyGroups()
	bk := &batchKeys{ids: map[string]int32{}}
	kidB := array.NewInt32Builder(k.mem)
	defer kidB.Release()
	kidB.Reserve(n)
	var buf []byte
	for i := 0; i < n; i++ {
		kg := k.rt.KeyGroupOf(hashes[i])
		if !r.Contains(int(kg)) {
			return fmt.Errorf("%s: a key of key group %d reached subtask %d (key groups %s): the input is not partitioned by the key", k, kg, k.rt.Subtask+1, r)
		}
		buf = appendKey(buf[:0], keyCol, i)
		kidB.Append(bk.id(string(buf), kg))
	}
	kids := kidB.NewArray()
	defer kids.Release()
	ts, err := k.timestamps(b.Record)
	if err != nil {
		return err
	}
	defer ts.Release()
	// A sliced struct column would not survive the export (see
	// vectorized.ForExport).
	value, err := vectorized.ForExport(b.Record.Column(k.spec.ValueCol), k.mem)
	if err != nil {
		return err
	}
	defer value.Release()
	in := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{
		{Name: "kid", Type: arrow.PrimitiveTypes.Int32},
		{Name: "value", Type: value.DataType(), Nullable: true},
		{Name: "ts", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	}, nil), []arrow.Array{kids, value, ts}, int64(n))
	defer in.Release()
	return k.run(ctx, "process", bk, in, out)
}

// timestamps is the rowtime column as int64 ms (all NULL without one).
func (k *keyedProcess) timestamps(rec arrow.RecordBatch) (arrow.Array, error) {
	n := int(rec.NumRows())
	if k.spec.RowtimeCol < 0 {
		b := array.NewInt64Builder(k.mem)
		defer b.Release()
		b.AppendNulls(n)
		return b.NewArray(), nil
	}
	col := rec.Column(k.spec.RowtimeCol)
	b := array.NewInt64Builder(k.mem)
	defer b.Release()
	b.Reserve(n)
	switch c := col.(type) {
	case *array.Int64:
		for i := 0; i < n; i++ {
			if c.IsNull(i) {
				b.AppendNull()
			} else {
				b.Append(c.Value(i))
			}
		}
	case *array.Timestamp:
		unit := c.DataType().(*arrow.TimestampType).Unit
		for i := 0; i < n; i++ {
			if c.IsNull(i) {
				b.AppendNull()
				continue
			}
			v := int64(c.Value(i))
			switch unit {
			case arrow.Second:
				v *= 1000
			case arrow.Microsecond:
				v /= 1000
			case arrow.Nanosecond:
				v /= 1000000
			}
			b.Append(v)
		}
	default:
		return nil, fmt.Errorf("%s: the timestamp column has type %s; TIMESTAMP or BIGINT milliseconds expected", k, col.DataType())
	}
	return b.NewArray(), nil
}

// loadState reads the state of the call's keys: one row per value, list
// element and map entry.
func (k *keyedProcess) loadState(bk *batchKeys) (arrow.RecordBatch, error) {
	kidB := array.NewInt32Builder(k.mem)
	sidB := array.NewInt32Builder(k.mem)
	ukB := array.NewBinaryBuilder(k.mem, arrow.BinaryTypes.Binary)
	valB := array.NewBinaryBuilder(k.mem, arrow.BinaryTypes.Binary)
	defer kidB.Release()
	defer sidB.Release()
	defer ukB.Release()
	defer valB.Release()
	raw := bk.rawKeys()
	nk := len(raw)
	for sid, s := range k.states {
		switch {
		case s.value != nil:
			vals := make([][]byte, nk)
			found := make([]bool, nk)
			if err := s.value.GetBatch(bk.kgs, raw, vals, found); err != nil {
				return nil, err
			}
			for i := range vals {
				if found[i] {
					kidB.Append(int32(i))
					sidB.Append(int32(sid))
					ukB.AppendNull()
					valB.Append(vals[i])
				}
			}
		case s.list != nil:
			lists := make([][][]byte, nk)
			if err := s.list.GetBatch(bk.kgs, raw, lists); err != nil {
				return nil, err
			}
			for i, l := range lists {
				for _, e := range l {
					kidB.Append(int32(i))
					sidB.Append(int32(sid))
					ukB.AppendNull()
					valB.Append(e)
				}
			}
		case s.mp != nil:
			for i := range raw {
				if err := s.mp.Entries(bk.kgs[i], raw[i], func(uk, v []byte) bool {
					kidB.Append(int32(i))
					sidB.Append(int32(sid))
					ukB.Append(uk)
					valB.Append(v)
					return true
				}); err != nil {
					return nil, err
				}
			}
		}
	}
	cols := []arrow.Array{kidB.NewArray(), sidB.NewArray(), ukB.NewArray(), valB.NewArray()}
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()
	return array.NewRecordBatch(stateSchema, cols, int64(cols[0].Len())), nil
}

var stateSchema = arrow.NewSchema([]arrow.Field{
	{Name: "kid", Type: arrow.PrimitiveTypes.Int32},
	{Name: "sid", Type: arrow.PrimitiveTypes.Int32},
	{Name: "ukey", Type: arrow.BinaryTypes.Binary, Nullable: true},
	{Name: "val", Type: arrow.BinaryTypes.Binary, Nullable: true},
}, nil)

// keysBatch is (kid, key) for the call's distinct keys.
func (k *keyedProcess) keysBatch(bk *batchKeys, keyType arrow.DataType) (arrow.RecordBatch, error) {
	keys, err := decodeKeys(k.mem, keyType, bk.keys)
	if err != nil {
		return nil, err
	}
	defer keys.Release()
	kb := array.NewInt32Builder(k.mem)
	defer kb.Release()
	for i := range bk.keys {
		kb.Append(int32(i))
	}
	kids := kb.NewArray()
	defer kids.Release()
	return array.NewRecordBatch(arrow.NewSchema([]arrow.Field{
		{Name: "kid", Type: arrow.PrimitiveTypes.Int32},
		{Name: "key", Type: keyType, Nullable: true},
	}, nil), []arrow.Array{kids, keys}, int64(len(bk.keys))), nil
}

// run makes one call to Python (process or on_timer with its second
// batch), then applies and emits what it returned.
func (k *keyedProcess) run(ctx context.Context, method string, bk *batchKeys, second arrow.RecordBatch, out engine.Collector) error {
	st, err := k.loadState(bk)
	if err != nil {
		return err
	}
	defer st.Release()
	keys, err := k.keysBatch(bk, k.keyType())
	if err != nil {
		return err
	}
	defer keys.Release()
	var emit arrow.RecordBatch
	err = cpython.DoBatch(ctx, k.label, func(py *cpython.GIL) error {
		in := newPairs(3)
		defer in.free()
		res := newPairs(4)
		defer res.free()
		in.export(0, keys)
		in.export(1, second)
		in.export(2, st)
		now := k.spec.Now().UnixMilli()
		if err := k.call(py, method, []cpython.Arg{
			cpython.IntArg(in.addr(0)), cpython.IntArg(in.addr(1)), cpython.IntArg(in.addr(2)), cpython.IntArg(res.addr(0)),
			cpython.IntArg(k.watermark), cpython.IntArg(now),
		}); err != nil {
			return err
		}
		if k.windowed && method == "process" {
			if err := k.countLate(py); err != nil {
				return err
			}
		}
		recs := make([]arrow.RecordBatch, 4)
		defer func() {
			for _, r := range recs {
				if r != nil {
					r.Release()
				}
			}
		}()
		for i := range recs {
			if recs[i], err = res.importBatch(i); err != nil {
				return fmt.Errorf("%s: result %d of %s: %w", k, i, method, err)
			}
		}
		// Descriptors first: the writes may name a state declared in
		// this call.
		if err := k.applyDescriptors(recs[3]); err != nil {
			return err
		}
		if err := k.applyWrites(bk, recs[1]); err != nil {
			return err
		}
		k.applyTimers(bk, recs[2])
		if recs[0].NumRows() > 0 {
			// Copied into Go memory while the GIL is held: nothing of
			// Python's outlives the call.
			if emit, err = k.output(recs[0]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		if emit != nil {
			emit.Release()
		}
		return err
	}
	if emit == nil {
		return nil
	}
	defer emit.Release()
	return out.Collect(ctx, &vectorized.Batch{Record: emit})
}

// countLate adds the elements a window runner dropped as late since the
// last batch to the operator's numLateRecordsDropped, as Flink's
// WindowOperator counts them.
func (k *keyedProcess) countLate(py *cpython.GIL) error {
	o, err := py.GetAttr(k.runner, "late_dropped")
	if err != nil {
		return err
	}
	defer py.DecRef(o)
	n, err := py.AsInt64(o)
	if err != nil {
		return err
	}
	if d := n - k.lateSeen; d > 0 {
		k.rt.Metrics.Counter("numLateRecordsDropped").Add(d)
	}
	k.lateSeen = n
	return nil
}

func (k *keyedProcess) keyType() arrow.DataType { return k.spec.KeyType }

// output builds the emitted batch from Python's (f0, ts).
func (k *keyedProcess) output(rec arrow.RecordBatch) (arrow.RecordBatch, error) {
	if !arrow.TypeEqual(rec.Column(0).DataType(), k.spec.OutType) {
		return nil, fmt.Errorf("%s: the function's outputs came back as %s, not %s", k, rec.Column(0).DataType(), k.spec.OutType)
	}
	f0, err := copyArray(k.mem, rec.Column(0))
	if err != nil {
		return nil, err
	}
	defer f0.Release()
	if k.spec.RowtimeCol < 0 {
		return array.NewRecordBatch(k.outSchema, []arrow.Array{f0}, rec.NumRows()), nil
	}
	ts, err := copyArray(k.mem, rec.Column(1))
	if err != nil {
		return nil, err
	}
	defer ts.Release()
	tsCol := ts
	if rt := k.outSchema.Field(1).Type; rt.ID() == arrow.TIMESTAMP {
		// Same layout as int64 milliseconds: retype the buffers.
		data := array.NewData(rt, ts.Len(), ts.Data().Buffers(), nil, ts.NullN(), ts.Data().Offset())
		defer data.Release()
		tsCol = array.MakeFromData(data)
		defer tsCol.Release()
	}
	return array.NewRecordBatch(k.outSchema, []arrow.Array{f0, tsCol}, rec.NumRows()), nil
}

// applyWrites writes the state Python changed back to the backend.
func (k *keyedProcess) applyWrites(bk *batchKeys, rec arrow.RecordBatch) error {
	n := int(rec.NumRows())
	if n == 0 {
		return nil
	}
	kids := rec.Column(0).(*array.Int32)
	sids := rec.Column(1).(*array.Int32)
	ops := rec.Column(2).(*array.Int8)
	uks := rec.Column(3).(*array.Binary)
	vals := rec.Column(4).(*array.Binary)
	type batch struct {
		kgs       []uint16
		keys      [][]byte
		vals      [][]byte
		dkgs      []uint16
		dkeys     [][]byte
		listKeys  map[int32]int // kid → index in lists
		lists     [][][]byte
		listKGs   []uint16
		listRaw   [][]byte
		clearAll  []int32
		rkgs      []uint16
		rkeys     [][]byte
		appendKGs []uint16
		appendKs  [][]byte
		appendVs  [][]byte
	}
	per := make([]*batch, len(k.states))
	get := func(sid int32) (*batch, error) {
		if int(sid) >= len(per) || sid < 0 {
			return nil, fmt.Errorf("%s: a state write names state %d of %d", k, sid, len(per))
		}
		if per[sid] == nil {
			per[sid] = &batch{listKeys: map[int32]int{}}
		}
		return per[sid], nil
	}
	cp := func(b []byte) []byte { return append([]byte(nil), b...) }
	for i := 0; i < n; i++ {
		kid, sid := kids.Value(i), sids.Value(i)
		if int(kid) >= len(bk.keys) || kid < 0 {
			return fmt.Errorf("%s: a state write names key %d of %d", k, kid, len(bk.keys))
		}
		b, err := get(sid)
		if err != nil {
			return err
		}
		kg, key := bk.kgs[kid], []byte(bk.keys[kid])
		s := k.states[sid]
		switch op := ops.Value(i); {
		case s.value != nil && op == opSet:
			b.kgs, b.keys, b.vals = append(b.kgs, kg), append(b.keys, key), append(b.vals, cp(vals.Value(i)))
		case s.value != nil && op == opClear:
			b.dkgs, b.dkeys = append(b.dkgs, kg), append(b.dkeys, key)
		case s.list != nil && op == opClear:
			b.listKeys[kid] = len(b.lists)
			b.lists = append(b.lists, [][]byte{})
			b.listKGs, b.listRaw = append(b.listKGs, kg), append(b.listRaw, key)
		case s.list != nil && op == opAppend:
			if j, ok := b.listKeys[kid]; ok {
				b.lists[j] = append(b.lists[j], cp(vals.Value(i)))
			} else {
				b.appendKGs, b.appendKs, b.appendVs = append(b.appendKGs, kg), append(b.appendKs, key), append(b.appendVs, cp(vals.Value(i)))
			}
		case s.mp != nil && op == opClear:
			b.clearAll = append(b.clearAll, kid)
		case s.mp != nil && op == opPut:
			b.kgs, b.keys, b.vals = append(b.kgs, kg), append(b.keys, key), append(b.vals, cp(vals.Value(i)))
			b.rkeys = append(b.rkeys, cp(uks.Value(i))) // user keys of the puts, parallel to keys
		case s.mp != nil && op == opRemove:
			b.dkgs, b.dkeys = append(b.dkgs, kg), append(b.dkeys, key)
			b.appendKs = append(b.appendKs, cp(uks.Value(i))) // user keys of the removes, parallel to dkeys
		default:
			return fmt.Errorf("%s: state %q: unknown write %d", k, s.name, op)
		}
	}
	for sid, b := range per {
		if b == nil {
			continue
		}
		s := k.states[sid]
		var err error
		switch {
		case s.value != nil:
			if len(b.keys) > 0 {
				err = s.value.PutBatch(b.kgs, b.keys, b.vals)
			}
			if err == nil && len(b.dkeys) > 0 {
				err = s.value.DeleteBatch(b.dkgs, b.dkeys)
			}
		case s.list != nil:
			if len(b.lists) > 0 {
				err = s.list.UpdateBatch(b.listKGs, b.listRaw, b.lists)
			}
			if err == nil && len(b.appendKs) > 0 {
				err = s.list.AddBatch(b.appendKGs, b.appendKs, b.appendVs)
			}
		case s.mp != nil:
			for _, kid := range b.clearAll {
				if err = s.mp.Clear(bk.kgs[kid], []byte(bk.keys[kid])); err != nil {
					break
				}
			}
			if err == nil && len(b.dkeys) > 0 {
				err = s.mp.RemoveBatch(b.dkgs, b.dkeys, b.appendKs)
			}
			if err == nil && len(b.keys) > 0 {
				err = s.mp.PutBatch(b.kgs, b.keys, b.rkeys, b.vals)
			}
		}
		if err != nil {
			return fmt.Errorf("%s: state %q: %w", k, s.name, err)
		}
	}
	return nil
}

// applyTimers registers and deletes the timers Python reported.
func (k *keyedProcess) applyTimers(bk *batchKeys, rec arrow.RecordBatch) {
	kids := rec.Column(0).(*array.Int32)
	tss := rec.Column(1).(*array.Int64)
	doms := rec.Column(2).(*array.Int8)
	ops := rec.Column(3).(*array.Int8)
	for i := 0; i < int(rec.NumRows()); i++ {
		kid := kids.Value(i)
		t := timer{ts: tss.Value(i), kg: bk.kgs[kid], key: bk.keys[kid], domain: doms.Value(i)}
		if ops.Value(i) == 1 {
			k.timers.add(t)
		} else {
			k.timers.remove(t)
		}
	}
}

// fire runs the timers of domain due at until, a batch of them per call.
func (k *keyedProcess) fire(ctx context.Context, domain int8, until int64, out engine.Collector) error {
	for {
		due := k.timers.popUntil(domain, until, k.batchSize)
		if len(due) == 0 {
			return nil
		}
		// Key ids in key order: Python breaks timestamp ties by key id,
		// which then agrees with the heap's (timestamp, key bytes) order.
		bk := &batchKeys{ids: map[string]int32{}}
		sorted := append([]timer(nil), due...)
		sort.Slice(sorted, func(i, j int) bool { return sorted[i].key < sorted[j].key })
		for _, t := range sorted {
			bk.id(t.key, t.kg)
		}
		kidB := array.NewInt32Builder(k.mem)
		tsB := array.NewInt64Builder(k.mem)
		domB := array.NewInt8Builder(k.mem)
		for _, t := range due {
			kidB.Append(bk.id(t.key, t.kg))
			tsB.Append(t.ts)
			domB.Append(t.domain)
		}
		cols := []arrow.Array{kidB.NewArray(), tsB.NewArray(), domB.NewArray()}
		kidB.Release()
		tsB.Release()
		domB.Release()
		rec := array.NewRecordBatch(timersSchema, cols, int64(len(due)))
		for _, c := range cols {
			c.Release()
		}
		err := k.run(ctx, "on_timer", bk, rec, out)
		rec.Release()
		if err != nil {
			return err
		}
	}
}

var timersSchema = arrow.NewSchema([]arrow.Field{
	{Name: "kid", Type: arrow.PrimitiveTypes.Int32},
	{Name: "ts", Type: arrow.PrimitiveTypes.Int64},
	{Name: "domain", Type: arrow.PrimitiveTypes.Int8},
}, nil)

// ProcessWatermark fires the event-time timers the watermark reached, in
// timestamp order, then forwards it.
func (k *keyedProcess) ProcessWatermark(ctx context.Context, wm int64, out engine.Collector) (int64, error) {
	if wm > k.watermark {
		k.watermark = wm
	}
	if err := k.fire(ctx, eventTime, wm, out); err != nil {
		return 0, err
	}
	return wm, nil
}

// NextTimer is when the earliest processing-time timer is due.
func (k *keyedProcess) NextTimer() time.Time {
	if k.timers == nil {
		return time.Time{}
	}
	t, ok := k.timers.proc.peek()
	if !ok {
		return time.Time{}
	}
	return time.UnixMilli(t.ts)
}

// OnTimer fires the processing-time timers due at now.
func (k *keyedProcess) OnTimer(ctx context.Context, now time.Time, out engine.Collector) error {
	return k.fire(ctx, processingTime, now.UnixMilli(), out)
}

// EndInput: Flink fires every event-time timer with the final watermark
// (which the runtime delivers before EndInput) and drops processing-time
// timers still pending when a streaming job's input ends.
func (k *keyedProcess) EndInput(context.Context, engine.Collector) error { return nil }

// SnapshotState writes the timers of the key groups whose timers changed
// and the list of declared states; the state itself is written back after
// every call, so the backend is current.
func (k *keyedProcess) SnapshotState(context.Context, engine.CheckpointInfo) error {
	if err := k.timers.snapshot(k.timerSt); err != nil {
		return fmt.Errorf("%s: timers: %w", k, err)
	}
	ds := make([]descriptor, len(k.states))
	for i, s := range k.states {
		ds[i] = descriptor{name: s.name, kind: s.kind, ttl: s.ttl}
	}
	k.descSt.Update(encodeDescriptors(ds))
	return nil
}

// Close closes the user function and drops the runner.
func (k *keyedProcess) Close() error {
	if k.runner == nil {
		return nil
	}
	err := cpython.Do(func(py *cpython.GIL) error {
		err := k.call(py, "close", nil)
		py.DecRef(k.runner)
		k.runner = nil
		return err
	})
	k.labels.Free()
	return err
}

// descriptor is a declared state as the operator state keeps it.
type descriptor struct {
	name string
	kind int8
	ttl  int64
}

// encodeDescriptors: one element per state (kind byte, ttl int64, name).
func encodeDescriptors(ds []descriptor) [][]byte {
	out := make([][]byte, len(ds))
	for i, d := range ds {
		b := []byte{byte(d.kind)}
		b = binary.BigEndian.AppendUint64(b, uint64(d.ttl))
		out[i] = append(b, d.name...)
	}
	return out
}

// decodeDescriptors reads them back; union redistribution hands every
// subtask every old subtask's list, so names repeat: the first wins.
func decodeDescriptors(elems [][]byte) ([]descriptor, error) {
	seen := map[string]bool{}
	var out []descriptor
	for _, e := range elems {
		if len(e) < 9 {
			return nil, fmt.Errorf("datastream: a declared state of %d bytes in the checkpoint", len(e))
		}
		d := descriptor{kind: int8(e[0]), ttl: int64(binary.BigEndian.Uint64(e[1:9])), name: string(e[9:])}
		if seen[d.name] {
			continue
		}
		seen[d.name] = true
		out = append(out, d)
	}
	return out, nil
}
