package planner

// The Python DataStream API runs a stream as a table of one column f0
// (python/sluice/datastream). What SQL cannot say about such a stream it
// says with three table functions of Sluice's own, which only the API
// writes:
//
//	TABLE(SLUICE_DS_OPERATOR(TABLE v, id))           a registered operator (a keyed process function, a reduce, a window)
//	TABLE(SLUICE_DS_WATERMARK(TABLE v, DESCRIPTOR(ts), expr[, idle ms]))  ts becomes v's rowtime, watermarks expr (assign_timestamps_and_watermarks)
//	TABLE(SLUICE_DS_CHANGELOG(TABLE v))             v's rows with their row kind as a column `kind`, insert-only (to_changelog_stream)
//	TABLE(SLUICE_DS_FROM_CHANGELOG(TABLE v))        the reverse: v's column `kind` back as the rows' kinds (from_changelog_stream)

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/sql"
	"github.com/sluice-stream/sluice/table/types"
	"github.com/sluice-stream/sluice/vectorized"
)

// DataStreamOperator is an engine operator the DataStream API puts into a
// plan through SLUICE_DS_OPERATOR: the input is hashed by KeyCol to the
// operator's subtasks (the key groups of that one column, as keyed state
// expects) and the output is Out, then the input's Rowtime column when one
// is named (its time attribute kept). The output is insert-only.
type DataStreamOperator struct {
	// Name is the node's EXPLAIN text ("KeyedProcess(function=[Count])").
	Name string
	// KeyCol, ValueCol and Rowtime name input columns; Rowtime may be "".
	KeyCol, ValueCol, Rowtime string
	Out                       Field
	// New makes one operator instance, given the input's schema and the
	// columns' indexes (rowtime -1 when none).
	New func(in Schema, key, value, rowtime int) (engine.Operator, error)
}

var (
	dsOpsMu sync.Mutex
	dsOps   = map[int64]*DataStreamOperator{}
	dsOpsID int64
)

// RegisterDataStreamOperator makes op known to SLUICE_DS_OPERATOR under the
// returned id; ops live as long as the process (a program declares few).
func RegisterDataStreamOperator(op *DataStreamOperator) int64 {
	dsOpsMu.Lock()
	defer dsOpsMu.Unlock()
	dsOpsID++
	dsOps[dsOpsID] = op
	return dsOpsID
}

func isDataStreamTVF(f *sql.FuncCall) bool {
	if len(f.Name.Parts) != 1 {
		return false
	}
	switch strings.ToUpper(f.Name.Unqualified()) {
	case "SLUICE_DS_OPERATOR", "SLUICE_DS_WATERMARK", "SLUICE_DS_CHANGELOG", "SLUICE_DS_FROM_CHANGELOG":
		return true
	}
	return false
}

// bindDataStreamTVF binds one of the three functions.
func (p *Planner) bindDataStreamTVF(f *sql.FuncCall) (Node, error) {
	fname := strings.ToUpper(f.Name.Unqualified())
	if len(f.Args) == 0 {
		return nil, p.ErrAt(f.Name.Pos(), "%s: the first argument is TABLE name", fname)
	}
	data, ok := f.Args[0].(*sql.TableArg)
	if !ok {
		return nil, p.ErrAt(f.Args[0].Pos(), "%s: the first argument is TABLE name", fname)
	}
	in, err := p.bindTable(data.Name)
	if err != nil {
		return nil, err
	}
	schema := in.Schema()
	col := func(name string, pos sql.Pos) (int, error) {
		for i, fl := range schema {
			if fl.Name == name {
				return i, nil
			}
		}
		return 0, p.ErrAt(pos, "%s: no column %s in %s", fname, name, strings.Join(schema.Names(), ", "))
	}
	switch fname {
	case "SLUICE_DS_CHANGELOG":
		return &DataStreamChangelog{Input: in}, nil
	case "SLUICE_DS_FROM_CHANGELOG":
		k, err := col("kind", f.Args[0].Pos())
		if err != nil {
			return nil, err
		}
		if schema[k].Type.Kind != types.TinyInt {
			return nil, p.ErrAt(f.Args[0].Pos(), "%s: column kind is %s, not TINYINT", fname, schema[k].Type)
		}
		return &DataStreamFromChangelog{Input: in, Kind: k}, nil
	case "SLUICE_DS_WATERMARK":
		if len(f.Args) != 3 && len(f.Args) != 4 {
			return nil, p.ErrAt(f.Name.Pos(), "%s(TABLE t, DESCRIPTOR(ts), watermark expression[, idle timeout ms])", fname)
		}
		var idle time.Duration
		if len(f.Args) == 4 {
			lit, ok := f.Args[3].(*sql.NumberLit)
			ms, err := strconv.ParseInt(litValue(lit, ok), 10, 64)
			if !ok || err != nil || ms < 0 {
				return nil, p.ErrAt(f.Args[3].Pos(), "%s: the idle timeout is a number of milliseconds", fname)
			}
			idle = time.Duration(ms) * time.Millisecond
		}
		d, ok := f.Args[1].(*sql.Descriptor)
		if !ok || len(d.Columns) != 1 {
			return nil, p.ErrAt(f.Args[1].Pos(), "%s: the second argument is DESCRIPTOR(column)", fname)
		}
		rt, err := col(d.Columns[0].Name, d.Columns[0].Start)
		if err != nil {
			return nil, err
		}
		wm, err := p.bindExpr(f.Args[2], scopeOf(in, ""))
		if err != nil {
			return nil, err
		}
		if !p.Streaming {
			return in, nil
		}
		return &WatermarkAssigner{Input: in, Rowtime: rt, Expr: wm, IdleTimeout: idle}, nil
	default:
		if len(f.Args) != 2 {
			return nil, p.ErrAt(f.Name.Pos(), "%s(TABLE t, operator id)", fname)
		}
		lit, ok := f.Args[1].(*sql.NumberLit)
		id, err := strconv.ParseInt(litValue(lit, ok), 10, 64)
		if !ok || err != nil {
			return nil, p.ErrAt(f.Args[1].Pos(), "%s: the second argument is an operator id", fname)
		}
		dsOpsMu.Lock()
		op := dsOps[id]
		dsOpsMu.Unlock()
		if op == nil {
			return nil, p.ErrAt(f.Args[1].Pos(), "%s: no operator %d", fname, id)
		}
		if p.Streaming && !ModeOf(in, true).IsInsertOnly() {
			return nil, p.ErrAt(f.Name.Pos(), "%s consumes an insert-only stream; this one has updates (a changelog stream: convert it with to_changelog_stream first)", op.Name)
		}
		n := &DataStreamOp{Input: in, Op: op, Rowtime: -1}
		if n.Key, err = col(op.KeyCol, f.Name.Pos()); err != nil {
			return nil, err
		}
		if n.Value, err = col(op.ValueCol, f.Name.Pos()); err != nil {
			return nil, err
		}
		if op.Rowtime != "" {
			if n.Rowtime, err = col(op.Rowtime, f.Name.Pos()); err != nil {
				return nil, err
			}
		}
		if _, err := op.New(schema, n.Key, n.Value, n.Rowtime); err != nil {
			return nil, p.ErrAt(f.Name.Pos(), "%s: %v", op.Name, err)
		}
		return n, nil
	}
}

func litValue(lit *sql.NumberLit, ok bool) string {
	if !ok {
		return ""
	}
	return lit.Value
}

// DataStreamOp runs a registered DataStreamOperator behind a hash exchange
// on its key column.
type DataStreamOp struct {
	Input               Node
	Op                  *DataStreamOperator
	Key, Value, Rowtime int
}

func (n *DataStreamOp) Schema() Schema {
	out := Schema{n.Op.Out}
	if n.Rowtime >= 0 {
		out = append(out, n.Input.Schema()[n.Rowtime])
	}
	return out
}

func (n *DataStreamOp) Inputs() []Node { return []Node{n.Input} }

func (n *DataStreamOp) WithInputs(in ...Node) Node {
	c := *n
	c.Input = in[0]
	return &c
}

func (n *DataStreamOp) describe() string { return n.Op.Name }

func (n *DataStreamOp) changelogMode() connector.ChangelogMode { return connector.InsertOnly }

func (n *DataStreamOp) explain(e *explainer) *xnode {
	in := e.node(n.Input)
	below := e.exchange(in, "hash["+n.Input.Schema()[n.Key].Name+"]", e.mode(n.Input))
	return &xnode{text: n.Op.Name, mode: e.mode(n), par: e.p.parallelism(), ins: []*xnode{below}}
}

func (n *DataStreamOp) translate(t *translator) (*engine.Vertex, error) {
	in, err := t.node(n.Input)
	if err != nil {
		return nil, err
	}
	schema := n.Input.Schema()
	v := t.vertex(strings.SplitN(n.Op.Name, "(", 2)[0], t.p.parallelism(),
		engine.Edge{From: in.ID, Partition: engine.Partitioning{Kind: engine.Hash, Keys: []int{n.Key}}})
	op, name := n.Op, n.Op.Name
	key, value, rowtime := n.Key, n.Value, n.Rowtime
	chain(v, func() engine.Operator {
		o, err := op.New(schema, key, value, rowtime)
		if err != nil {
			panic(err) // checked at bind with the same arguments
		}
		return engine.WithName(name, o)
	})
	return v, nil
}

// DataStreamChangelog is its input's rows with their row kind as a last
// column `kind` (TINYINT: 0 +I, 1 -U, 2 +U, 3 -D), as insert-only rows: how
// to_changelog_stream hands Rows with their RowKind to Python functions.
type DataStreamChangelog struct {
	Input Node
}

func (n *DataStreamChangelog) Schema() Schema {
	return append(append(Schema(nil), n.Input.Schema()...), Field{Name: "kind", Type: types.TINYINT().NotNullable()})
}

func (n *DataStreamChangelog) Inputs() []Node { return []Node{n.Input} }

func (n *DataStreamChangelog) WithInputs(in ...Node) Node {
	c := *n
	c.Input = in[0]
	return &c
}

func (n *DataStreamChangelog) describe() string { return "ToChangelog" }

func (n *DataStreamChangelog) changelogMode() connector.ChangelogMode { return connector.InsertOnly }

func (n *DataStreamChangelog) explain(e *explainer) *xnode {
	in := e.node(n.Input)
	return &xnode{text: "ToChangelog(select=[" + strings.Join(n.Schema().Names(), ", ") + "])", mode: e.mode(n), par: in.par, ins: []*xnode{in}}
}

func (n *DataStreamChangelog) translate(t *translator) (*engine.Vertex, error) {
	in, err := t.node(n.Input)
	if err != nil {
		return nil, err
	}
	schema := arrowSchema(n.Schema())
	chain(in, func() engine.Operator { return engine.WithName("ToChangelog", &changelogColumn{schema: schema}) })
	return in, nil
}

// changelogColumn appends each row's kind and drops the batch's kinds.
type changelogColumn struct {
	schema *arrow.Schema
}

func (c *changelogColumn) Open(context.Context, *engine.RuntimeContext) error { return nil }

func (c *changelogColumn) Process(ctx context.Context, _ int, b *vectorized.Batch, out engine.Collector) error {
	n := int(b.NumRows())
	kb := array.NewInt8Builder(memory.DefaultAllocator)
	defer kb.Release()
	kb.Reserve(n)
	for i := range n {
		kb.UnsafeAppend(int8(b.Kind(i)))
	}
	kinds := kb.NewArray()
	defer kinds.Release()
	cols := append(append([]arrow.Array(nil), b.Record.Columns()...), kinds)
	rec := array.NewRecordBatch(c.schema, cols, int64(n))
	ob := vectorized.NewBatch(rec)
	defer ob.Release()
	return out.Collect(ctx, ob)
}

func (c *changelogColumn) EndInput(context.Context, engine.Collector) error { return nil }

func (c *changelogColumn) Close() error { return nil }

// DataStreamFromChangelog takes its input's column Kind (as
// DataStreamChangelog writes it) back as the rows' kinds: an updating
// table of the other columns.
type DataStreamFromChangelog struct {
	Input Node
	Kind  int
}

func (n *DataStreamFromChangelog) Schema() Schema {
	in := n.Input.Schema()
	return append(append(Schema(nil), in[:n.Kind]...), in[n.Kind+1:]...)
}

func (n *DataStreamFromChangelog) Inputs() []Node { return []Node{n.Input} }

func (n *DataStreamFromChangelog) WithInputs(in ...Node) Node {
	c := *n
	c.Input = in[0]
	return &c
}

func (n *DataStreamFromChangelog) describe() string { return "FromChangelog" }

func (n *DataStreamFromChangelog) changelogMode() connector.ChangelogMode { return connector.All }

func (n *DataStreamFromChangelog) explain(e *explainer) *xnode {
	in := e.node(n.Input)
	return &xnode{text: "FromChangelog(select=[" + strings.Join(n.Schema().Names(), ", ") + "])", mode: e.mode(n), par: in.par, ins: []*xnode{in}}
}

func (n *DataStreamFromChangelog) translate(t *translator) (*engine.Vertex, error) {
	in, err := t.node(n.Input)
	if err != nil {
		return nil, err
	}
	schema, kind := arrowSchema(n.Schema()), n.Kind
	chain(in, func() engine.Operator {
		return engine.WithName("FromChangelog", &changelogKinds{schema: schema, kind: kind})
	})
	return in, nil
}

// changelogKinds sets each row's kind from column kind and drops it.
type changelogKinds struct {
	schema *arrow.Schema
	kind   int
}

func (c *changelogKinds) Open(context.Context, *engine.RuntimeContext) error { return nil }

func (c *changelogKinds) Process(ctx context.Context, _ int, b *vectorized.Batch, out engine.Collector) error {
	n := int(b.NumRows())
	col := b.Record.Column(c.kind).(*array.Int8)
	kinds := make([]vectorized.RowKind, n)
	insertOnly := true
	for i := range n {
		k := vectorized.RowKind(col.Value(i))
		if col.IsNull(i) || k < vectorized.Insert || k > vectorized.Delete {
			return fmt.Errorf("FromChangelog: row %d has no row kind (kind = %v)", i, col.GetOneForMarshal(i))
		}
		kinds[i] = k
		insertOnly = insertOnly && k == vectorized.Insert
	}
	cols := make([]arrow.Array, 0, len(b.Record.Columns())-1)
	for i, a := range b.Record.Columns() {
		if i != c.kind {
			cols = append(cols, a)
		}
	}
	ob := vectorized.NewBatch(array.NewRecordBatch(c.schema, cols, int64(n)))
	if !insertOnly {
		ob.Kinds = kinds
	}
	defer ob.Release()
	return out.Collect(ctx, ob)
}

func (c *changelogKinds) EndInput(context.Context, engine.Collector) error { return nil }

func (c *changelogKinds) Close() error { return nil }
