package planner

import (
	"strings"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/catalog"
	"github.com/sluice-stream/sluice/table/connector"
)

// tableAggregateFunction is a user aggregate that may be a table
// aggregate (pyfunc.Function).
type tableAggregateFunction interface {
	IsTableAggregate() bool
}

func isTableAggregate(fn *catalog.Function) bool {
	if fn == nil || fn.Scalar == nil {
		return false
	}
	t, ok := fn.Scalar.(tableAggregateFunction)
	return ok && t.IsTableAggregate()
}

// tableAggregateMisuse refuses a table aggregate where it cannot run:
// Flink 2.3 plans it as an aggregate in SQL and fails when the job calls
// its get_value, and fails to resolve it in a Table API select.
const tableAggregateMisuse = "%s is a table aggregate function: call it in flat_aggregate of the Table API (group_by(...).flat_aggregate(f(...))), not in SQL or select"

// TableAggregate is a table aggregate (Flink's flatAggregate with a
// TableAggregateFunction): Input is the plan that computes it — a group
// aggregate whose value is the list of rows the function emits, unnested
// next to the group's keys (built by the Table API, table/table_agg.go).
// The node itself turns the aggregate's updates into Flink's changelog:
// a group's previous rows are retracted with -D and its new rows emitted
// with +I (engine.NewRetractAsDelete), never -U/+U.
type TableAggregate struct {
	Input Node
	// Call is the table aggregate call as plans show it.
	Call string
}

// NewTableAggregate wraps the plan of a table aggregate.
func NewTableAggregate(in Node, call string) *TableAggregate {
	return &TableAggregate{Input: in, Call: call}
}

func (n *TableAggregate) Schema() Schema { return n.Input.Schema() }

func (n *TableAggregate) Inputs() []Node { return []Node{n.Input} }

func (n *TableAggregate) WithInputs(in ...Node) Node {
	c := *n
	c.Input = in[0]
	return &c
}

func (n *TableAggregate) describe() string {
	return "LogicalTableAggregate(tableAggregate=[[" + n.Call + "]])"
}

// changelogMode: the input's -U/+U become -D/+I.
func (n *TableAggregate) changelogMode() connector.ChangelogMode {
	m := ModeOf(n.Input, true)
	if m.IsInsertOnly() {
		return m
	}
	return connector.KindInsert | connector.KindDelete
}

func (n *TableAggregate) explain(e *explainer) *xnode {
	in := e.node(n.Input)
	return &xnode{text: "TableAggregateEmit(tableAggregate=[" + n.Call + "], select=[" + strings.Join(n.Schema().Names(), ", ") + "])",
		mode: e.mode(n), par: in.par, ins: []*xnode{in}}
}

func (n *TableAggregate) translate(t *translator) (*engine.Vertex, error) {
	in, err := t.node(n.Input)
	if err != nil {
		return nil, err
	}
	name := "TableAggregateEmit(" + n.Call + ")"
	// Row-local: chained behind the unnest, no exchange.
	chain(in, func() engine.Operator { return engine.WithName(name, engine.NewRetractAsDelete()) })
	return in, nil
}
