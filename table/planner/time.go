package planner

import (
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/catalog"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/sql"
	"github.com/sluice-stream/sluice/table/types"
	"github.com/sluice-stream/sluice/vectorized"
	"github.com/sluice-stream/sluice/vectorized/expr"
)

// Event time in plans (issue 11): a table's WATERMARK clause becomes a
// WatermarkAssigner right above its scan (and its computed columns), which
// marks the rowtime column as a time attribute; window table-valued
// functions become WindowTVF nodes; a GROUP BY over a window's
// window_start and window_end, or over a Flink 1.10 group window
// (TUMBLE(ts, ...)), becomes one WindowAggregate that assigns the windows
// itself. The engine side is engine/time.go.

// Option keys of event time.
const (
	// OptionIdleTimeout is the table option that marks a source split idle
	// after this long without rows (Flink's scan.watermark.idle-timeout);
	// it overrides ConfigIdleTimeout for the table.
	OptionIdleTimeout = "scan.watermark.idle-timeout"
	// OptionEmitStrategy is the table option scan.watermark.emit.strategy:
	// on-periodic (every pipeline.auto-watermark-interval, the default) or
	// on-event (after every batch of rows).
	OptionEmitStrategy = "scan.watermark.emit.strategy"
	// ConfigIdleTimeout is table.exec.source.idle-timeout.
	ConfigIdleTimeout = "table.exec.source.idle-timeout"
	// ConfigWatermarkInterval is pipeline.auto-watermark-interval (Flink's
	// default 200 ms).
	ConfigWatermarkInterval = "pipeline.auto-watermark-interval"
)

// Window is the window of a windowing table-valued function or of a
// group window, over its node's input columns.
type Window struct {
	Kind     engine.WindowKind
	TimeCol  int
	TimeName string
	ProcTime bool
	// LTZ: the rowtime is a TIMESTAMP_LTZ, so window_start and window_end
	// are too.
	LTZ                            bool
	Size, Slide, Step, Gap, Offset time.Duration
	PartitionKeys                  []int
	PartitionNames                 []string
}

func (w Window) spec() engine.WindowSpec {
	return engine.WindowSpec{Kind: w.Kind, TimeCol: w.TimeCol, ProcTime: w.ProcTime, Size: w.Size, Slide: w.Slide,
		Step: w.Step, Gap: w.Gap, Offset: w.Offset, PartitionKeys: w.PartitionKeys, LTZ: w.LTZ}
}

// describe is Flink's text of a window TVF's window
// (WindowTableFunction, WindowAggregate).
func (w Window) describe() string {
	parts := []string{"time_col=[" + w.TimeName + "]"}
	switch w.Kind {
	case engine.Tumble:
		parts = append(parts, "size=["+flinkDuration(w.Size)+"]")
	case engine.Hop:
		parts = append(parts, "size=["+flinkDuration(w.Size)+"]", "slide=["+flinkDuration(w.Slide)+"]")
	case engine.Cumulate:
		parts = append(parts, "max_size=["+flinkDuration(w.Size)+"]", "step=["+flinkDuration(w.Step)+"]")
	case engine.Session:
		parts = append(parts, "gap=["+flinkDuration(w.Gap)+"]")
		if len(w.PartitionNames) > 0 {
			parts = append(parts, "partition keys=["+strings.Join(w.PartitionNames, ", ")+"]")
		}
	}
	if w.Offset != 0 {
		parts = append(parts, "offset=["+flinkDuration(w.Offset)+"]")
	}
	return windowKindName(w.Kind) + "(" + strings.Join(parts, ", ") + ")"
}

// groupDescribe is Flink's text of a 1.10 group window
// (TumblingGroupWindow('w$, ts, 3600000)).
func (w Window) groupDescribe() string {
	ms := func(d time.Duration) string { return fmt.Sprint(d.Milliseconds()) }
	switch w.Kind {
	case engine.Hop:
		return fmt.Sprintf("SlidingGroupWindow('w$, %s, %s, %s)", w.TimeName, ms(w.Size), ms(w.Slide))
	case engine.Session:
		return fmt.Sprintf("SessionGroupWindow('w$, %s, %s)", w.TimeName, ms(w.Gap))
	}
	return fmt.Sprintf("TumblingGroupWindow('w$, %s, %s)", w.TimeName, ms(w.Size))
}

func windowKindName(k engine.WindowKind) string {
	return [...]string{"TUMBLE", "HOP", "CUMULATE", "SESSION"}[k]
}

// flinkDuration writes d in its largest whole unit, as Flink's
// TimeUtils.formatWithHighestUnit: 10 min, 90 s, 1 h, 500 ms.
func flinkDuration(d time.Duration) string {
	ms := d.Milliseconds()
	units := []struct {
		ms   int64
		name string
	}{{86400000, "d"}, {3600000, "h"}, {60000, "min"}, {1000, "s"}}
	for _, u := range units {
		if ms != 0 && ms%u.ms == 0 {
			return fmt.Sprintf("%d %s", ms/u.ms, u.name)
		}
	}
	return fmt.Sprintf("%d ms", ms)
}

// windowFields are the columns a window adds: window_start and window_end
// (TIMESTAMP(3), whatever the time attribute, as Flink 2.3 types them) and
// window_time, the window's time attribute (rowtime: window_end - 1 ms, a
// TIMESTAMP_LTZ(3) over an LTZ rowtime; proctime: TIMESTAMP_LTZ(3)).
func windowFields(w Window, names [3]string) Schema {
	bound := types.TIMESTAMP(3).NotNullable()
	tt := bound
	if w.LTZ || w.ProcTime {
		tt = types.TIMESTAMP_LTZ(3).NotNullable()
	}
	tt.TimeAttr = types.Rowtime
	if w.ProcTime {
		tt.TimeAttr = types.Proctime
	}
	return Schema{{Name: names[0], Type: bound}, {Name: names[1], Type: bound}, {Name: names[2], Type: tt}}
}

var tvfWindowNames = [3]string{"window_start", "window_end", "window_time"}

// WatermarkAssigner generates watermarks from Expr over each row of its
// input (a table's WATERMARK FOR column AS expr) and marks column Rowtime
// as the rowtime attribute.
type WatermarkAssigner struct {
	Input       Node
	Rowtime     int
	Expr        Rex
	IdleTimeout time.Duration
	// OnEvent emits a watermark after every batch instead of periodically
	// (scan.watermark.emit.strategy = 'on-event').
	OnEvent bool
}

// WindowTVF is TUMBLE/HOP/CUMULATE(TABLE t, DESCRIPTOR(ts), ...): the
// input's rows with window_start, window_end and window_time, one row per
// window a row belongs to.
type WindowTVF struct {
	Input  Node
	Window Window
}

// WindowAggregate groups by Keys within the windows of Window (assigned
// from its time column): output keys, aggregates, then window_start,
// window_end and window_time (Names holds them all). Group marks the Flink
// 1.10 form GROUP BY TUMBLE(ts, ...), explained as GroupWindowAggregate.
type WindowAggregate struct {
	Input  Node
	Keys   []int
	Aggs   []AggCall
	Window Window
	Names  []string
	Group  bool
}

func (n *WatermarkAssigner) Schema() Schema {
	in := n.Input.Schema()
	out := append(Schema(nil), in...)
	out[n.Rowtime].Type.TimeAttr = types.Rowtime
	return out
}

func (n *WindowTVF) Schema() Schema {
	return append(append(Schema(nil), n.Input.Schema()...), windowFields(n.Window, tvfWindowNames)...)
}

func (n *WindowAggregate) Schema() Schema {
	in := n.Input.Schema()
	out := make(Schema, 0, len(n.Names))
	for i, k := range n.Keys {
		out = append(out, Field{Name: n.Names[i], Type: in[k].Type.Materialized()})
	}
	for _, a := range n.Aggs {
		out = append(out, Field{Name: a.Name, Type: a.Type})
	}
	wnames := [3]string{}
	copy(wnames[:], n.Names[len(n.Keys)+len(n.Aggs):])
	wf := windowFields(n.Window, wnames)
	if n.Group && !n.Window.ProcTime && !n.Window.LTZ {
		// TUMBLE_ROWTIME of a TIMESTAMP rowtime is nullable in Flink's
		// group windows (of a TIMESTAMP_LTZ one it is not).
		wf[2].Type = wf[2].Type.Nullable()
	}
	return append(out, wf...)
}

func (n *WatermarkAssigner) Inputs() []Node { return []Node{n.Input} }
func (n *WindowTVF) Inputs() []Node         { return []Node{n.Input} }
func (n *WindowAggregate) Inputs() []Node   { return []Node{n.Input} }

func (n *WatermarkAssigner) WithInputs(in ...Node) Node {
	c := *n
	c.Input = in[0]
	return &c
}
func (n *WindowTVF) WithInputs(in ...Node) Node {
	c := *n
	c.Input = in[0]
	return &c
}
func (n *WindowAggregate) WithInputs(in ...Node) Node {
	c := *n
	c.Input = in[0]
	return &c
}

func (n *WatermarkAssigner) describe() string {
	return fmt.Sprintf("WatermarkAssigner(rowtime=[%s], watermark=[%s])", n.Input.Schema()[n.Rowtime].Name, n.Expr)
}

func (n *WindowTVF) describe() string {
	return "WindowTableFunction(window=[" + n.Window.describe() + "])"
}

func (n *WindowAggregate) describe() string {
	in := n.Input.Schema()
	keys := make([]string, len(n.Keys))
	for i, k := range n.Keys {
		keys[i] = in[k].Name
	}
	sel := append([]string(nil), keys...)
	for _, a := range n.Aggs {
		sel = append(sel, fmt.Sprintf("%s AS %s", a.callText(in), a.Name))
	}
	props := n.Names[len(n.Keys)+len(n.Aggs):]
	timeFn := "rowtime"
	if n.Window.ProcTime {
		timeFn = "proctime"
	}
	sel = append(sel, "start('w$) AS "+props[0], "end('w$) AS "+props[1], timeFn+"('w$) AS "+props[2])
	var parts []string
	if len(keys) > 0 {
		parts = append(parts, "groupBy=["+strings.Join(keys, ", ")+"]")
	}
	name := "WindowAggregate"
	if n.Group {
		name = "GroupWindowAggregate"
		if hasUserAgg(n.Aggs) {
			name = "PythonGroupWindowAggregate"
		}
		parts = append(parts, "window=["+n.Window.groupDescribe()+"]", "properties=["+strings.Join(props, ", ")+"]")
	} else {
		parts = append(parts, "window=["+n.Window.describe()+"]")
	}
	parts = append(parts, "select=["+strings.Join(sel, ", ")+"]")
	return name + "(" + strings.Join(parts, ", ") + ")"
}

// windowAggSpec is the engine's spec of a window aggregate.
func (n *WindowAggregate) windowAggSpec() engine.WindowAggSpec {
	spec := engine.WindowAggSpec{Keys: n.Keys, Window: n.Window.spec(), OutputNames: n.Schema().Names()}
	for _, c := range n.Aggs {
		spec.Aggs = append(spec.Aggs, c.engineCall())
	}
	return spec
}

// -- translation ---------------------------------------------------------------

// plannerOptions are the table options the planner reads itself, valid
// for every source as in Flink; connectors never see them.
var plannerOptions = []string{OptionIdleTimeout, OptionEmitStrategy}

func (t *translator) watermarkAssigner(n *WatermarkAssigner) (*engine.Vertex, error) {
	in, err := t.node(n.Input)
	if err != nil {
		return nil, err
	}
	e, err := Compile(n.Expr)
	if err != nil {
		return nil, err
	}
	interval, err := t.p.Config.Duration(ConfigWatermarkInterval, 200*time.Millisecond)
	if err != nil {
		return nil, err
	}
	if n.OnEvent {
		interval = 0
	}
	spec := engine.WatermarkSpec{Expr: e, Interval: interval, IdleTimeout: n.IdleTimeout}
	desc := n.describe()
	// Chained into the source's vertex: watermarks are generated per
	// source subtask, before any exchange.
	chain(in, func() engine.Operator { return engine.WithName(desc, engine.NewWatermarkAssigner(spec)) })
	return in, nil
}

func (t *translator) windowTVF(n *WindowTVF) (*engine.Vertex, error) {
	if n.Window.ProcTime && !t.p.Streaming {
		return nil, errBatchProcTimeTVF
	}
	in, err := t.node(n.Input)
	if err != nil {
		return nil, err
	}
	spec := n.Window.spec()
	desc := n.describe()
	if n.Window.Kind == engine.Session && !t.p.Streaming {
		return nil, errBatchSessionTVF
	}
	if n.Window.Kind == engine.Session {
		// Sessions merge as rows arrive: the rows of a partition's
		// sessions are kept in one subtask until their session closes.
		par, part := t.p.parallelism(), engine.Partitioning{Kind: engine.Hash, Keys: n.Window.PartitionKeys}
		if len(n.Window.PartitionKeys) == 0 {
			par, part = 1, engine.Partitioning{Kind: engine.Global}
		}
		v := t.vertex("WindowTableFunction", par, engine.Edge{From: in.ID, Partition: part})
		chain(v, func() engine.Operator { return engine.WithName(desc, engine.NewWindowTVF(spec)) })
		return v, nil
	}
	chain(in, func() engine.Operator { return engine.WithName(desc, engine.NewWindowTVF(spec)) })
	return in, nil
}

// errBatchProcTimeTVF is Flink's error for a processing-time window table
// function in batch mode (BatchExecWindowTableFunction).
var errBatchProcTimeTVF = errorString("Processing time Window TableFunction is not supported yet.")

// errBatchSessionTVF is Flink's error for a SESSION window table function
// in batch mode, alone or under a window aggregate (the 1.10 group window
// GROUP BY SESSION(...) runs in batch).
var errBatchSessionTVF = errorString("Unaligned windows like session are not supported in batch mode yet.")

func (t *translator) windowAggregate(a *WindowAggregate) (*engine.Vertex, error) {
	if a.Window.ProcTime && !t.p.Streaming {
		return nil, errBatchProcTimeTVF
	}
	if a.Window.Kind == engine.Session && !a.Group && !t.p.Streaming {
		return nil, errBatchSessionTVF
	}
	// Flink's experimental early and late firing turn a window's result
	// into updates; Sluice's window aggregates emit once, at the window's
	// end, so a job that asks for them is refused rather than run with
	// other results.
	for _, key := range []string{"table.exec.emit.early-fire.enabled", "table.exec.emit.late-fire.enabled"} {
		on, err := t.p.Config.Bool(key, false)
		if err != nil {
			return nil, err
		}
		if on && t.p.Streaming {
			return nil, fmt.Errorf("%s: early and late firing of window aggregates are not supported yet; window results are emitted once, when the watermark passes the window's end", key)
		}
	}
	in, err := t.node(a.Input)
	if err != nil {
		return nil, err
	}
	par := t.p.parallelism()
	part := engine.Partitioning{Kind: engine.Hash, Keys: a.Keys}
	if len(a.Keys) == 0 {
		par, part = 1, engine.Partitioning{Kind: engine.Global}
	}
	desc := a.describe()
	spec := a.windowAggSpec()
	v := t.vertex(strings.SplitN(desc, "(", 2)[0], par, engine.Edge{From: in.ID, Partition: part})
	chain(v, func() engine.Operator { return engine.WithName(desc, engine.NewWindowAggregate(spec)) })
	return v, nil
}

// modeOfTime is the changelog of the event-time nodes: window aggregates
// only ever insert; the others pass their input's on.
func modeOfTime(n Node) (connector.ChangelogMode, bool) {
	switch n := n.(type) {
	case *WindowAggregate:
		return connector.InsertOnly, true
	case *WatermarkAssigner:
		return ModeOf(n.Input, true), true
	case *WindowTVF:
		return ModeOf(n.Input, true), true
	}
	return 0, false
}

// -- functions of time attributes ---------------------------------------------

// Names of the calls the planner evaluates itself (no registry function).
const (
	fnProctime         = "PROCTIME"
	fnCurrentWatermark = "CURRENT_WATERMARK"
)

// compileTimeCall compiles PROCTIME() (the processing time, as
// CURRENT_TIMESTAMP evaluates it: per batch in streaming) and
// CURRENT_WATERMARK(ts); false when r is neither.
func compileTimeCall(c *CallRex, args []vectorized.Expr) (vectorized.Expr, bool, error) {
	switch c.Name {
	case fnProctime:
		e, err := expr.Call("CURRENT_TIMESTAMP")
		return e, true, err
	case fnCurrentWatermark:
		return currentWatermark{t: c.T.Arrow()}, true, nil
	}
	return nil, false, nil
}

// currentWatermark is CURRENT_WATERMARK(ts): the evaluating task's current
// input watermark, NULL before the first (Flink).
type currentWatermark struct{ t arrow.DataType }

func (c currentWatermark) DataType() arrow.DataType { return c.t }
func (c currentWatermark) String() string           { return "CURRENT_WATERMARK()" }
func (c currentWatermark) Eval(ec *vectorized.EvalContext, rec arrow.RecordBatch) (arrow.Array, error) {
	mem := ec.Mem
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	b := array.NewTimestampBuilder(mem, c.t.(*arrow.TimestampType))
	defer b.Release()
	n := int(rec.NumRows())
	b.Reserve(n)
	if !ec.HasWatermark || ec.Watermark == engine.MinWatermark {
		b.AppendNulls(n)
		return b.NewArray(), nil
	}
	// Watermarks are milliseconds; a TIMESTAMP(0) rowtime is in seconds.
	wm := ec.Watermark
	switch c.t.(*arrow.TimestampType).Unit {
	case arrow.Second:
		wm /= 1000
	case arrow.Microsecond:
		wm *= 1000
	case arrow.Nanosecond:
		wm *= 1000000
	}
	v := arrow.Timestamp(wm)
	for i := 0; i < n; i++ {
		b.Append(v)
	}
	return b.NewArray(), nil
}

// bindTimeFunction binds PROCTIME() and CURRENT_WATERMARK(rowtime); false
// for any other call.
func (p *Planner) bindTimeFunction(f *sql.FuncCall, sc *scope) (Rex, bool, error) {
	switch strings.ToUpper(f.Name.Unqualified()) {
	case fnProctime:
		if len(f.Args) != 0 {
			return nil, true, p.ErrAt(f.Name.Pos(), "PROCTIME() takes no arguments")
		}
		t := types.TIMESTAMP_LTZ(3).NotNullable()
		t.TimeAttr = types.Proctime
		return &CallRex{Name: fnProctime, T: t}, true, nil
	case fnCurrentWatermark:
		if len(f.Args) != 1 {
			return nil, true, p.ErrAt(f.Name.Pos(), "CURRENT_WATERMARK takes one argument, a rowtime attribute")
		}
		x, err := p.bindExpr(f.Args[0], sc)
		if err != nil {
			return nil, true, err
		}
		if x.Type().TimeAttr != types.Rowtime {
			return nil, true, p.ErrAt(f.Args[0].Pos(), "The argument of CURRENT_WATERMARK() must be a rowtime attribute, but was '%s'.", x.Type())
		}
		return &CallRex{Name: fnCurrentWatermark, Args: []Rex{x}, T: x.Type().Materialized().Nullable()}, true, nil
	}
	return nil, false, nil
}

// windowParams are the parameters of each windowing TVF, in positional
// order, and how many are required (Flink's SqlWindowTableFunction).
var windowParams = map[string]struct {
	kind     engine.WindowKind
	names    []string
	required int
}{
	"TUMBLE":   {engine.Tumble, []string{"DATA", "TIMECOL", "SIZE", "OFFSET"}, 3},
	"HOP":      {engine.Hop, []string{"DATA", "TIMECOL", "SLIDE", "SIZE", "OFFSET"}, 4},
	"CUMULATE": {engine.Cumulate, []string{"DATA", "TIMECOL", "STEP", "SIZE", "OFFSET"}, 4},
	"SESSION":  {engine.Session, []string{"DATA", "TIMECOL", "GAP"}, 3},
}

// windowSignature is how Flink's errors write each TVF's signature.
var windowSignature = map[string]string{
	"TUMBLE":   "TUMBLE(TABLE table_name, DESCRIPTOR(timecol), datetime interval[, datetime interval])",
	"HOP":      "HOP(TABLE table_name, DESCRIPTOR(timecol), datetime interval, datetime interval[, datetime interval])",
	"CUMULATE": "CUMULATE(TABLE table_name, DESCRIPTOR(timecol), datetime interval, datetime interval[, datetime interval])",
	"SESSION":  "SESSION(TABLE table_name [PARTITION BY (keycols, ...)], DESCRIPTOR(timecol), datetime interval)",
}

// isWindowTVF reports whether a TABLE(...) call is a windowing TVF.
func isWindowTVF(f *sql.FuncCall) bool {
	_, ok := windowParams[strings.ToUpper(f.Name.Unqualified())]
	return ok && len(f.Name.Parts) == 1
}

// bindWindowTVF binds TABLE(TUMBLE|HOP|CUMULATE|SESSION(...)), with
// positional or named (DATA => ..., TIMECOL => ...) arguments.
func (p *Planner) bindWindowTVF(f *sql.FuncCall) (*WindowTVF, error) {
	fname := strings.ToUpper(f.Name.Unqualified())
	def := windowParams[fname]
	args := map[string]sql.Expr{}
	named := false
	for i, a := range f.Args {
		na, ok := a.(*sql.NamedArg)
		if i > 0 && ok != named {
			return nil, p.ErrAt(a.Pos(), "%s: all arguments are named (name => value) or none", fname)
		}
		named = ok
		if ok {
			key := strings.ToUpper(na.Name.Name)
			known := false
			for _, n := range def.names {
				known = known || n == key
			}
			if !known {
				return nil, p.ErrAt(na.Name.Start, "%s has no parameter %s; its parameters are %s", fname, na.Name.Name, strings.Join(def.names, ", "))
			}
			if _, dup := args[key]; dup {
				return nil, p.ErrAt(na.Name.Start, "%s: parameter %s is given twice", fname, key)
			}
			args[key] = na.Value
			continue
		}
		if i < len(def.names) {
			args[def.names[i]] = a
		}
	}
	if !named && (len(f.Args) < def.required || len(f.Args) > len(def.names)) || named && len(args) < def.required {
		// Calcite names the required count only, the optional offset aside.
		return nil, p.ErrAt(f.Name.Pos(), "Invalid number of arguments to function '%s'. Was expecting %d arguments", fname, def.required)
	}
	for _, n := range def.names[:def.required] {
		if args[n] == nil {
			return nil, p.ErrAt(f.Name.Pos(), "%s: parameter %s is missing", fname, n)
		}
	}
	data, ok := args["DATA"].(*sql.TableArg)
	if !ok {
		return nil, p.ErrAt(args["DATA"].Pos(), "the first argument of %s is TABLE table_name", fname)
	}
	in, err := p.bindTable(data.Name)
	if err != nil {
		return nil, err
	}
	schema := in.Schema()
	col := func(id *sql.Ident) (int, error) {
		for i, f := range schema {
			if f.Name == id.Name {
				return i, nil
			}
		}
		return 0, p.ErrAt(id.Start, "Unknown identifier '%s'", id.Name)
	}
	w := Window{Kind: def.kind}
	if len(data.PartitionBy) > 0 && def.kind != engine.Session {
		return nil, p.ErrAt(data.PartitionBy[0].Pos(), "%s does not take PARTITION BY; only SESSION windows are partitioned", fname)
	}
	for _, k := range data.PartitionBy {
		ref, ok := k.(*sql.ColumnRef)
		if !ok || len(ref.Parts) != 1 {
			return nil, p.ErrAt(k.Pos(), "PARTITION BY of a window takes column names")
		}
		i, err := col(ref.Parts[0])
		if err != nil {
			return nil, err
		}
		w.PartitionKeys = append(w.PartitionKeys, i)
		w.PartitionNames = append(w.PartitionNames, schema[i].Name)
	}
	desc, ok := args["TIMECOL"].(*sql.Descriptor)
	if !ok || len(desc.Columns) != 1 {
		return nil, p.ErrAt(args["TIMECOL"].Pos(), "the time column of %s is DESCRIPTOR(column)", fname)
	}
	if w.TimeCol, err = col(desc.Columns[0]); err != nil {
		return nil, err
	}
	tt := schema[w.TimeCol].Type
	w.TimeName = schema[w.TimeCol].Name
	if tt.Kind != types.Timestamp && tt.Kind != types.TimestampLTZ {
		return nil, p.ErrAt(desc.Start, "The window function %s requires the timecol to be TIMESTAMP or TIMESTAMP_LTZ, but is %s.\nBesides, the timecol must be a time attribute type in streaming mode.", windowSignature[fname], tt.Materialized().Nullable())
	}
	if p.Streaming && !tt.IsTimeAttr() {
		return nil, p.ErrAt(desc.Start, "The window function requires the timecol is a time attribute type, but is %s.", tt.Materialized().Nullable())
	}
	w.ProcTime = tt.TimeAttr == types.Proctime
	w.LTZ = tt.Kind == types.TimestampLTZ && !w.ProcTime
	for name, dst := range map[string]*time.Duration{"SIZE": &w.Size, "SLIDE": &w.Slide, "STEP": &w.Step, "GAP": &w.Gap, "OFFSET": &w.Offset} {
		e, ok := args[name]
		if !ok {
			continue
		}
		if *dst, err = p.windowInterval(e, fname, name); err != nil {
			return nil, err
		}
	}
	if p.Streaming && !ModeOf(in, true).IsInsertOnly() {
		return nil, p.ErrAt(f.Name.Pos(), "%s doesn't support consuming update and delete changes which are produced by table %s (%s)", fname, data.Name.Unqualified(), ModeOf(in, true))
	}
	if w.Kind == engine.Cumulate && w.Size%w.Step != 0 {
		return nil, p.ErrAt(f.Name.Pos(), "CUMULATE table function based aggregate requires maxSize must be an integral multiple of step, but got maxSize %d ms and step %d ms.", w.Size.Milliseconds(), w.Step.Milliseconds())
	}
	return &WindowTVF{Input: in, Window: w}, nil
}

// windowInterval reads a window's size, slide, step, gap or offset: a
// positive day-time interval literal (an offset may be negative).
func (p *Planner) windowInterval(e sql.Expr, fname, param string) (time.Duration, error) {
	x, err := p.bindExpr(e, &scope{})
	if err == nil {
		x = foldCall(x)
	}
	if err != nil {
		return 0, err
	}
	lit, _ := x.(*Literal)
	var d time.Duration
	isDur := false
	if lit != nil {
		d, isDur = lit.Value.(time.Duration)
	}
	if !isDur || x.Type().Kind != types.IntervalDayTime {
		return 0, p.ErrAt(e.Pos(), "%s: %s must be a day-time interval literal such as INTERVAL '10' MINUTES, got %s", fname, param, x.Type())
	}
	if param != "OFFSET" && d <= 0 {
		return 0, p.ErrAt(e.Pos(), "%s: %s must be positive, got %s", fname, param, lit.Text)
	}
	if d%time.Millisecond != 0 {
		return 0, p.ErrAt(e.Pos(), "%s: %s must be a whole number of milliseconds", fname, param)
	}
	return d, nil
}

// groupWindowScope is the group window of GROUP BY TUMBLE(ts, ...):
// TUMBLE_START(ts, ...) and friends with the same arguments read its
// properties, columns first.. first+2 of the aggregate.
type groupWindowScope struct {
	fn       string   // TUMBLE, HOP or SESSION
	args     []string // the call's arguments as written (canonical SQL)
	first    int
	names    []string // the property columns' names
	procTime bool
}

// groupWindowFns are Flink 1.10's group window functions.
var groupWindowFns = map[string]engine.WindowKind{"TUMBLE": engine.Tumble, "HOP": engine.Hop, "SESSION": engine.Session}

// groupWindowCall reports whether e is TUMBLE/HOP/SESSION(ts, ...) in a
// GROUP BY.
func (p *Planner) groupWindowCall(e sql.Expr) (*sql.FuncCall, bool) {
	f, ok := e.(*sql.FuncCall)
	if !ok || f.Over != nil || len(f.Name.Parts) != 1 {
		return nil, false
	}
	if _, ok := groupWindowFns[strings.ToUpper(f.Name.Unqualified())]; !ok {
		return nil, false
	}
	return f, p.Catalog.SystemFunction(f.Name.Unqualified()) == nil
}

// bindGroupWindowProperty binds TUMBLE_START(ts, ...), _END, _ROWTIME and
// _PROCTIME (and HOP_*, SESSION_*) over a group window aggregate; false
// when e is no such call.
func (p *Planner) bindGroupWindowProperty(e sql.Expr, agg *aggScope) (Rex, bool, error) {
	f, ok := e.(*sql.FuncCall)
	if !ok || len(f.Name.Parts) != 1 {
		return nil, false, nil
	}
	name := strings.ToUpper(f.Name.Unqualified())
	fn, prop, ok := strings.Cut(name, "_")
	if _, isWindow := groupWindowFns[fn]; !ok || !isWindow {
		return nil, false, nil
	}
	offset := map[string]int{"START": 0, "END": 1, "ROWTIME": 2, "PROCTIME": 2}
	off, ok := offset[prop]
	if !ok {
		return nil, false, nil
	}
	w := agg.window
	matches := w != nil && w.fn == fn && len(f.Args) == len(w.args)
	for i := 0; matches && i < len(f.Args); i++ {
		matches = f.Args[i].String() == w.args[i]
	}
	if !matches {
		return nil, true, p.ErrAt(f.Pos(), "Call to auxiliary group function '%s' must have matching call to group function '$%s' in GROUP BY clause", name, fn)
	}
	if prop == "ROWTIME" && w.procTime || prop == "PROCTIME" && !w.procTime {
		return nil, true, p.ErrAt(f.Pos(), "%s is not available on a window over a %s attribute", name, map[bool]string{true: "processing time", false: "event time"}[w.procTime])
	}
	col := w.first + off
	return &InputRef{Index: col, T: agg.types[col], Name: w.names[off]}, true, nil
}

// windowKeys classifies GROUP BY items for a window aggregate.
type windowKeys struct {
	exprs []Rex    // the regular keys, bound over the select's input
	names []string // their names
	items []sql.Expr
	// roles maps an item index to the window column it groups by (0
	// window_start, 1 window_end, 2 window_time).
	roles map[int]int
	group *sql.FuncCall // GROUP BY TUMBLE(ts, ...)
}

// bindWindowAggregate plans a GROUP BY that groups by a windowing TVF's
// window_start and window_end, or by a 1.10 group window (TUMBLE(ts, ...)),
// as one WindowAggregate. The window TVF itself is folded into the
// aggregate (which assigns windows from the time column, as Flink's
// WindowAggregate does): the filters and projections between them are
// moved under it. ok is false for any other GROUP BY.
func (p *Planner) bindWindowAggregate(q *sql.Select, in Node, sc *scope) (Node, *scope, bool, error) {
	var groupCall *sql.FuncCall
	for _, g := range q.GroupBy {
		if f, ok := p.groupWindowCall(g); ok {
			if groupCall != nil {
				return nil, nil, true, p.ErrAt(g.Pos(), "Only a single window group function may be used in GROUP BY")
			}
			groupCall = f
		}
	}
	if groupCall != nil {
		return p.bindGroupWindowAggregate(q, in, sc, groupCall)
	}
	tvf, rebased, conds, ok := windowLineage(in)
	if !ok {
		return nil, nil, false, nil
	}
	width := len(tvf.Input.Schema())
	roles := map[int]int{}
	var bound []Rex
	for i, g := range q.GroupBy {
		if _, isExpr := g.(*sql.GroupingSets); isExpr {
			return nil, nil, false, nil
		}
		x, err := p.bindExpr(g, sc)
		if err != nil {
			return nil, nil, true, err
		}
		bound = append(bound, x)
		if ref, ok := substitute(x, rebased).(*InputRef); ok && ref.Index >= width {
			roles[i] = ref.Index - width
		}
	}
	hasStart, hasEnd := false, false
	for _, r := range roles {
		hasStart = hasStart || r == 0
		hasEnd = hasEnd || r == 1
	}
	if !hasStart || !hasEnd {
		// Flink plans a regular aggregate unless both are grouped.
		return nil, nil, false, nil
	}
	w := tvf.Window
	if w.Kind == engine.Hop && w.Size%w.Slide != 0 {
		return nil, nil, true, p.ErrAt(q.GroupBy[0].Pos(), "HOP table function based aggregate requires size must be an integral multiple of slide, but got size %d ms and slide %d ms.", w.Size.Milliseconds(), w.Slide.Milliseconds())
	}
	agg := &aggScope{input: sc, aggs: map[string]int{}}
	var pre []Rex
	var preNames []string
	for i, g := range q.GroupBy {
		if _, isWindow := roles[i]; isWindow {
			continue
		}
		pre = append(pre, bound[i])
		preNames = append(preNames, deriveName(g, len(pre)-1))
	}
	nkeys := len(pre)
	keys := make([]int, nkeys)
	for i := range keys {
		keys[i] = i
	}
	if err := p.rejectAggFilter(q, "window aggregates"); err != nil {
		return nil, nil, true, err
	}
	if err := p.rejectValueAggMerge(q, w.Kind); err != nil {
		return nil, nil, true, err
	}
	calls, err := p.collectAggCalls(q, sc, agg, &pre, &preNames, nkeys, len(q.GroupBy))
	if err != nil {
		return nil, nil, true, err
	}
	// Everything under the aggregate is rebased onto the TVF's input; a
	// window column used anywhere but as a key cannot be.
	for i := range pre {
		pre[i] = substitute(pre[i], rebased)
	}
	for i := range conds {
		conds[i] = substitute(conds[i], rebased)
	}
	for _, r := range append(append([]Rex(nil), pre...), conds...) {
		used := map[int]bool{}
		refs(r, used)
		for c := range used {
			if c >= width {
				return nil, nil, true, p.ErrAt(q.Pos(), "window_start, window_end and window_time can only be grouped by in a window aggregate; filtering or aggregating them before the GROUP BY is not supported yet")
			}
		}
	}
	inSchema := tvf.Input.Schema()
	w.TimeCol = len(pre)
	pre = append(pre, &InputRef{Index: tvf.Window.TimeCol, T: inSchema[tvf.Window.TimeCol].Type, Name: w.TimeName})
	preNames = append(preNames, w.TimeName)
	w.PartitionKeys = nil
	if w.Kind == engine.Session {
		// Flink folds a SESSION TVF into the window aggregate only when
		// the other keys are exactly its PARTITION BY columns (sessions
		// are then per key); otherwise it plans the sessions apart (the
		// table function) and a regular, updating aggregate over them.
		same := nkeys == len(tvf.Window.PartitionKeys)
		for _, pk := range tvf.Window.PartitionKeys {
			found := -1
			for k := 0; k < nkeys; k++ {
				if ref, ok := pre[k].(*InputRef); ok && ref.Index == pk {
					found = k
				}
			}
			same = same && found >= 0
			w.PartitionKeys = append(w.PartitionKeys, found)
		}
		if !same {
			return nil, nil, false, nil
		}
	}
	var input Node = tvf.Input
	if c := conjoin(conds); c != nil {
		input = &Filter{Input: input, Cond: c}
	}
	input = &Project{Input: input, Exprs: pre, Names: uniqueNames(preNames)}
	names := append(append([]string(nil), preNames[:nkeys]...), callNames(calls)...)
	names = append(names, tvfWindowNames[:]...)
	node := &WindowAggregate{Input: input, Keys: keys, Aggs: calls, Window: w, Names: names}
	out := &scope{agg: agg}
	for _, f := range node.Schema() {
		out.cols = append(out.cols, scopeCol{name: f.Name, typ: f.Type})
		agg.types = append(agg.types, f.Type)
	}
	base := nkeys + len(calls)
	k := 0
	for i, x := range bound {
		agg.keys = append(agg.keys, identityKey(x))
		agg.keyType = append(agg.keyType, x.Type())
		if r, isWindow := roles[i]; isWindow {
			agg.keyCol = append(agg.keyCol, base+r)
			continue
		}
		agg.keyCol = append(agg.keyCol, k)
		k++
	}
	return node, out, true, nil
}

func callNames(calls []AggCall) []string {
	out := make([]string, len(calls))
	for i, c := range calls {
		out[i] = c.Name
	}
	return out
}

// windowLineage finds the window TVF under a chain of filters and
// projections: rebased maps each column of n to an expression over the
// TVF's output, conds are the chain's filters over it.
func windowLineage(n Node) (tvf *WindowTVF, rebased []Rex, conds []Rex, ok bool) {
	switch x := n.(type) {
	case *WindowTVF:
		s := x.Schema()
		rebased = make([]Rex, len(s))
		for i, f := range s {
			rebased[i] = &InputRef{Index: i, T: f.Type, Name: f.Name}
		}
		return x, rebased, nil, true
	case *Filter:
		tvf, rebased, conds, ok = windowLineage(x.Input)
		if ok {
			conds = append(conds, substitute(x.Cond, rebased))
		}
		return tvf, rebased, conds, ok
	case *Project:
		if tvf, rebased, conds, ok = windowLineage(x.Input); ok {
			out := make([]Rex, len(x.Exprs))
			for i, e := range x.Exprs {
				out[i] = substitute(e, rebased)
			}
			rebased = out
		}
		return tvf, rebased, conds, ok
	}
	return nil, nil, nil, false
}

// bindGroupWindowAggregate plans GROUP BY TUMBLE(ts, size), k (HOP(ts,
// slide, size), SESSION(ts, gap)): Flink 1.10's group windows, the same
// window aggregate with the properties named w$start, w$end and
// w$rowtime (w$proctime).
func (p *Planner) bindGroupWindowAggregate(q *sql.Select, in Node, sc *scope, call *sql.FuncCall) (Node, *scope, bool, error) {
	fn := strings.ToUpper(call.Name.Unqualified())
	w := Window{Kind: groupWindowFns[fn]}
	nargs := map[string][2]int{"TUMBLE": {2, 3}, "HOP": {3, 4}, "SESSION": {2, 2}}[fn]
	if len(call.Args) < nargs[0] || len(call.Args) > nargs[1] {
		return nil, nil, true, p.ErrAt(call.Name.Pos(), "Invalid number of arguments to function '%s'. Was expecting %d arguments", fn, nargs[0])
	}
	ts, err := p.bindExpr(call.Args[0], sc)
	if err != nil {
		return nil, nil, true, err
	}
	tt := ts.Type()
	if tt.Kind != types.Timestamp && tt.Kind != types.TimestampLTZ {
		return nil, nil, true, p.ErrAt(call.Args[0].Pos(), "Window aggregate can only be defined over a time attribute column, but %s encountered.", tt.Materialized().Nullable())
	}
	if p.Streaming && !tt.IsTimeAttr() {
		return nil, nil, true, p.ErrAt(call.Args[0].Pos(), "Window aggregate can only be defined over a time attribute column, but %s encountered.", tt.Materialized().Nullable())
	}
	w.ProcTime = tt.TimeAttr == types.Proctime
	if w.ProcTime && !p.Streaming {
		return nil, nil, true, p.ErrAt(call.Args[0].Pos(), "Window can not be defined over a proctime attribute column for batch mode")
	}
	w.LTZ = tt.Kind == types.TimestampLTZ && !w.ProcTime
	w.TimeName = ts.String()
	if p.Streaming && !ModeOf(in, true).IsInsertOnly() {
		return nil, nil, true, p.ErrAt(call.Pos(), "a group window aggregate doesn't support consuming update and delete changes (its input produces %s)", ModeOf(in, true))
	}
	params := map[string][]string{"TUMBLE": {"SIZE", "OFFSET"}, "HOP": {"SLIDE", "SIZE", "OFFSET"}, "SESSION": {"GAP"}}[fn]
	dst := map[string]*time.Duration{"SIZE": &w.Size, "SLIDE": &w.Slide, "GAP": &w.Gap, "OFFSET": &w.Offset}
	for i, a := range call.Args[1:] {
		if *dst[params[i]], err = p.windowInterval(a, fn, params[i]); err != nil {
			return nil, nil, true, err
		}
	}
	agg := &aggScope{input: sc, aggs: map[string]int{}}
	var pre []Rex
	var preNames []string
	var bound []Rex
	for _, g := range q.GroupBy {
		if g == sql.Expr(call) {
			continue
		}
		if _, ok := g.(*sql.GroupingSets); ok {
			return nil, nil, true, p.ErrAt(g.Pos(), "GROUPING SETS are not supported yet")
		}
		x, err := p.bindExpr(g, sc)
		if err != nil {
			return nil, nil, true, err
		}
		bound = append(bound, x)
		pre = append(pre, x)
		preNames = append(preNames, deriveName(g, len(pre)-1))
	}
	nkeys := len(pre)
	keys := make([]int, nkeys)
	for i := range keys {
		keys[i] = i
	}
	if err := p.rejectAggFilter(q, "window aggregates"); err != nil {
		return nil, nil, true, err
	}
	if err := p.rejectValueAggMerge(q, w.Kind); err != nil {
		return nil, nil, true, err
	}
	calls, err := p.collectAggCalls(q, sc, agg, &pre, &preNames, nkeys, len(q.GroupBy))
	if err != nil {
		return nil, nil, true, err
	}
	w.TimeCol = len(pre)
	pre = append(pre, ts)
	preNames = append(preNames, w.TimeName)
	timeProp := "w$rowtime"
	if w.ProcTime {
		timeProp = "w$proctime"
	}
	names := append(append([]string(nil), preNames[:nkeys]...), callNames(calls)...)
	names = append(names, "w$start", "w$end", timeProp)
	node := &WindowAggregate{Input: &Project{Input: in, Exprs: pre, Names: uniqueNames(preNames)}, Keys: keys, Aggs: calls, Window: w, Names: names, Group: true}
	out := &scope{agg: agg}
	for _, f := range node.Schema() {
		out.cols = append(out.cols, scopeCol{name: f.Name, typ: f.Type})
		agg.types = append(agg.types, f.Type)
	}
	for i, x := range bound {
		agg.keys = append(agg.keys, identityKey(x))
		agg.keyType = append(agg.keyType, x.Type())
		agg.keyCol = append(agg.keyCol, i)
	}
	args := make([]string, len(call.Args))
	for i, a := range call.Args {
		args[i] = a.String()
	}
	agg.window = &groupWindowScope{fn: fn, args: args, first: nkeys + len(calls), names: names[nkeys+len(calls):], procTime: w.ProcTime}
	return node, out, true, nil
}

// pruneThroughWatermark is projection push-down through a watermark
// assigner (Flink's ProjectWatermarkAssignerTransposeRule): the assigner
// keeps only the columns read above it, its rowtime and what its
// expression reads, so unread computed columns (a PROCTIME()) and physical
// ones are not produced at the source.
func pruneThroughWatermark(n Node) Node {
	var exprs []Rex
	var cond Rex
	var wa *WatermarkAssigner
	switch x := n.(type) {
	case *Project:
		wa, _ = x.Input.(*WatermarkAssigner)
		exprs = x.Exprs
	case *Calc:
		wa, _ = x.Input.(*WatermarkAssigner)
		exprs, cond = x.Exprs, x.Cond
	}
	if wa == nil {
		return n
	}
	used := map[int]bool{wa.Rowtime: true}
	for _, e := range exprs {
		refs(e, used)
	}
	if cond != nil {
		refs(cond, used)
	}
	refs(wa.Expr, used)
	in := wa.Input.Schema()
	if len(used) == len(in) {
		return n
	}
	remap := map[int]int{}
	var keep []Rex
	var names []string
	for i, f := range in {
		if used[i] {
			remap[i] = len(keep)
			keep = append(keep, &InputRef{Index: i, T: f.Type, Name: f.Name})
			names = append(names, f.Name)
		}
	}
	re := func(r Rex) Rex {
		return rewriteRex(r, func(x Rex) Rex {
			if ref, ok := x.(*InputRef); ok {
				return &InputRef{Index: remap[ref.Index], T: ref.T, Name: ref.Name, Alias: ref.Alias}
			}
			return x
		})
	}
	nw := &WatermarkAssigner{Input: narrow(wa.Input, keep, names), Rowtime: remap[wa.Rowtime], Expr: re(wa.Expr), IdleTimeout: wa.IdleTimeout, OnEvent: wa.OnEvent}
	switch x := n.(type) {
	case *Project:
		return &Project{Input: nw, Exprs: mapRex(x.Exprs, re), Names: x.Names, TableAPI: x.TableAPI}
	case *Calc:
		var c Rex
		if x.Cond != nil {
			c = re(x.Cond)
		}
		return &Calc{Input: nw, Cond: c, Exprs: mapRex(x.Exprs, re), Names: x.Names}
	}
	return n
}

// narrow selects columns (keep, references to in's columns) of in: a
// projection or condition-free calc is narrowed itself, and disappears when
// what is left passes its own input on unchanged.
func narrow(in Node, keep []Rex, names []string) Node {
	var inner []Rex
	var below Node
	switch x := in.(type) {
	case *Project:
		inner, below = x.Exprs, x.Input
	case *Calc:
		if x.Cond == nil {
			inner, below = x.Exprs, x.Input
		}
	}
	if below == nil {
		return &Project{Input: in, Exprs: keep, Names: names}
	}
	exprs := make([]Rex, len(keep))
	for i, k := range keep {
		exprs[i] = inner[k.(*InputRef).Index]
	}
	bs := below.Schema()
	trivial := len(exprs) == len(bs)
	for i, e := range exprs {
		ref, ok := e.(*InputRef)
		trivial = trivial && ok && ref.Index == i && names[i] == bs[i].Name
	}
	if trivial {
		return below
	}
	if c, ok := in.(*Calc); ok {
		return &Calc{Input: c.Input, Exprs: exprs, Names: names}
	}
	return &Project{Input: below, Exprs: exprs, Names: names}
}

// windowRanking reports ROW_NUMBER/RANK/DENSE_RANK() OVER (PARTITION BY
// window_start, window_end ...): Flink's window Top-N and window
// deduplication, which bindTopN plans when a WHERE bounds the rank.
func windowRanking(f *sql.FuncCall) bool {
	if !rankFunctions[strings.ToUpper(f.Name.Unqualified())] || f.Over == nil {
		return false
	}
	seen := map[string]bool{}
	for _, e := range f.Over.PartitionBy {
		if c, ok := e.(*sql.ColumnRef); ok {
			seen[strings.ToLower(c.Parts[len(c.Parts)-1].Name)] = true
		}
	}
	return seen["window_start"] && seen["window_end"]
}

// windowRoles finds the window columns of n's output, as Flink's
// FlinkRelMdWindowProperties: roles maps a column to 1 (window_start), 2
// (window_end) or 3 (window_time) when it is that column of a window
// table function or window aggregate below, followed through
// projections and filters; w is that window (nil when there is none).
func windowRoles(n Node) (roles map[int]int, w *Window) {
	switch x := n.(type) {
	case *WindowTVF:
		base := len(x.Input.Schema())
		return map[int]int{base: 1, base + 1: 2, base + 2: 3}, &x.Window
	case *WindowAggregate:
		if x.Group {
			return nil, nil
		}
		base := len(x.Keys) + len(x.Aggs)
		return map[int]int{base: 1, base + 1: 2, base + 2: 3}, &x.Window
	case *Filter:
		return windowRoles(x.Input)
	case *Project, *Calc:
		var exprs []Rex
		var in Node
		if p, ok := x.(*Project); ok {
			exprs, in = p.Exprs, p.Input
		} else {
			exprs, in = x.(*Calc).Exprs, x.(*Calc).Input
		}
		inner, w := windowRoles(in)
		if w == nil {
			return nil, nil
		}
		roles = map[int]int{}
		for i, e := range exprs {
			if ref, ok := e.(*InputRef); ok && inner[ref.Index] > 0 {
				roles[i] = inner[ref.Index]
			}
		}
		return roles, w
	}
	return nil, nil
}

// attachedDescribe is Flink's text of a window read from its
// window_start and window_end columns (WindowAttachedWindowingStrategy).
func (w Window) attachedDescribe(start, end string) string {
	d := w.describe()
	return strings.Replace(d, "time_col=["+w.TimeName+"]", "win_start=["+start+"], win_end=["+end+"]", 1)
}

// watermarkOptions reads a table's idle timeout (its
// scan.watermark.idle-timeout, else table.exec.source.idle-timeout) and
// emit strategy.
func (p *Planner) watermarkOptions(t *catalog.Table, pos sql.Pos) (idle time.Duration, onEvent bool, err error) {
	if idle, err = p.Config.Duration(ConfigIdleTimeout, 0); err != nil {
		return 0, false, p.ErrAt(pos, "%v", err)
	}
	if v, ok := t.Options[OptionIdleTimeout]; ok {
		if idle, err = engine.ParseDuration(v); err != nil {
			return 0, false, p.ErrAt(pos, "table %s: %s = '%s': %v", t.Name, OptionIdleTimeout, v, err)
		}
	}
	switch v := t.Options[OptionEmitStrategy]; v {
	case "", "on-periodic":
	case "on-event":
		onEvent = true
	default:
		return 0, false, p.ErrAt(pos, "table %s: %s = '%s': the strategies are 'on-periodic' and 'on-event'", t.Name, OptionEmitStrategy, v)
	}
	return idle, onEvent, nil
}

// pushableWatermark is the table's watermark strategy for its connector
// (connector.Context.Watermark), when the WATERMARK expression reads
// physical columns only; nil otherwise (the assigner then evaluates it
// after the computed columns).
func (p *Planner) pushableWatermark(t *catalog.Table, pos sql.Pos) (*engine.WatermarkSpec, Rex, error) {
	sc := &scope{}
	for _, c := range t.Physical() {
		sc.cols = append(sc.cols, scopeCol{qual: t.Name, name: c.Name, typ: c.Type})
	}
	x, err := p.bindExpr(t.Watermark.Expr, sc)
	if err != nil || !watermarkType(x.Type()) {
		return nil, nil, nil // reads computed columns, or fails the checks made after
	}
	e, err := Compile(x)
	if err != nil {
		return nil, nil, nil
	}
	idle, onEvent, err := p.watermarkOptions(t, pos)
	if err != nil {
		return nil, nil, err
	}
	interval, err := p.Config.Duration(ConfigWatermarkInterval, 200*time.Millisecond)
	if err != nil {
		return nil, nil, p.ErrAt(pos, "%v", err)
	}
	if onEvent {
		interval = 0
	}
	return &engine.WatermarkSpec{Expr: e, Interval: interval, IdleTimeout: idle}, x, nil
}
