package planner

import (
	"fmt"
	"strings"

	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/sql"
	"github.com/sluice-stream/sluice/table/types"
	"github.com/sluice-stream/sluice/vectorized/expr"
)

// BindSink puts a query into a catalog table: column count and types are
// checked (with Flink's implicit casts) and so is the changelog the sink
// can take.
func (p *Planner) BindSink(table string, q Node, pos sql.Pos) (*Sink, error) {
	t, v, err := p.Catalog.Lookup(table)
	if err != nil {
		return nil, p.ErrAt(pos, "%v", err)
	}
	if v != nil {
		return nil, p.ErrAt(pos, "%s is a view; INSERT needs a table", table)
	}
	f, opts, err := Factory(t)
	if err != nil {
		return nil, p.ErrAt(pos, "%v", err)
	}
	sf, ok := f.(connector.SinkFactory)
	if !ok {
		return nil, p.ErrAt(pos, "table %s: connector %q cannot be written to", table, f.Identifier())
	}
	phys := t.Physical()
	qs := q.Schema()
	if len(qs) != len(phys) {
		pn := make([]string, len(phys))
		for i, c := range phys {
			pn[i] = c.Name
		}
		return nil, p.ErrAt(pos, "the query has %d columns (%s) but sink %s has %d (%s)", len(qs), strings.Join(qs.Names(), ", "), table, len(phys), strings.Join(pn, ", "))
	}
	exprs := make([]Rex, len(qs))
	names := make([]string, len(qs))
	fields := make(Schema, len(qs))
	needCast := false
	for i, c := range phys {
		ref := &InputRef{Index: i, T: qs[i].Type, Name: qs[i].Name}
		exprs[i], names[i] = ref, c.Name
		fields[i] = Field{Name: c.Name, Type: c.Type}
		if qs[i].Type.Nullable().Materialized().Equal(c.Type.Nullable()) {
			continue
		}
		if !implicitCast(qs[i].Type, c.Type) && !intervalIntoInteger(qs[i].Type, c.Type) {
			return nil, p.ErrAt(pos, "column %d of the query, %s %s, does not fit sink column %s %s of %s; CAST it in the query", i+1, qs[i].Name, qs[i].Type, c.Name, c.Type, table)
		}
		exprs[i] = sinkCast(ref, c.Type.Nullable())
		needCast = true
	}
	if needCast || !equalNames(qs.Names(), names) {
		q = &Project{Input: q, Exprs: exprs, Names: names}
	}
	mode := ModeOf(q, p.Streaming)
	sink := &Sink{Input: q, Table: table, Fields: fields}
	for _, k := range t.PrimaryKey {
		for i, c := range phys {
			if c.Name == k {
				sink.KeyCols = append(sink.KeyCols, i)
			}
		}
	}
	if sink.KeyCols == nil && connector.IsLegacy(t.Options) {
		// Flink 1.10 upsert sinks took their key from the query's unique key.
		sink.KeyCols = UniqueKey(q)
	}
	// The sink is created once the key is known: a legacy sink's key comes
	// from the query, and what it accepts may depend on having one.
	cctx := ConnectorContext(t, opts, p.Config)
	cctx.UpsertKey = sink.KeyCols
	target, err := sf.NewSink(cctx)
	if err != nil {
		return nil, p.ErrAt(pos, "table %s: %v", table, err)
	}
	sink.Target = target
	need := mode
	if !target.Accepts.Contains(connector.KindUpdateBefore) {
		need &^= connector.KindUpdateBefore
	}
	if !target.Accepts.Contains(need) {
		return nil, p.ErrAt(pos, "sink %s receives a changelog %s but its connector accepts only %s; %s", table, mode, target.Accepts, sinkAdvice(mode, target.Accepts, table, q))
	}
	if !mode.IsInsertOnly() && !target.Accepts.Contains(connector.KindUpdateBefore) && sink.KeyCols == nil && !target.Discards {
		return nil, p.ErrAt(pos, "sink %s receives updates but has no key to apply them by; declare PRIMARY KEY (%s) NOT ENFORCED", table, keyHint(q))
	}
	return sink, nil
}

func sinkAdvice(mode, accepts connector.ChangelogMode, table string, q Node) string {
	if accepts.IsInsertOnly() {
		return fmt.Sprintf("write the updating result to a sink that takes updates (an upsert sink with PRIMARY KEY (%s) NOT ENFORCED, or print), or make the query append-only", keyHint(q))
	}
	return "change the query or the sink"
}

func keyHint(q Node) string {
	if k := UniqueKey(q); k != nil {
		s := q.Schema()
		names := make([]string, len(k))
		for i, c := range k {
			names[i] = s[c].Name
		}
		return strings.Join(names, ", ")
	}
	return "..."
}

// UniqueKey finds columns that identify a row of n's output: the grouping
// keys of an aggregate, followed through projections. Nil when unknown.
func UniqueKey(n Node) []int {
	if u, ok := n.(uniqueKeyer); ok {
		return u.uniqueKey()
	}
	switch x := n.(type) {
	case *Aggregate:
		if len(x.Keys) == 0 {
			return nil
		}
		out := make([]int, len(x.Keys))
		for i := range out {
			out[i] = i
		}
		return out
	case *Filter, *Sort:
		return UniqueKey(n.Inputs()[0])
	case *Rank:
		return x.uniqueKey()
	case *Project:
		return keyThrough(UniqueKey(x.Input), x.Exprs)
	case *Calc:
		return keyThrough(UniqueKey(x.Input), x.Exprs)
	}
	return nil
}

func keyThrough(in []int, exprs []Rex) []int {
	if in == nil {
		return nil
	}
	var out []int
	for _, k := range in {
		found := false
		for i, e := range exprs {
			if r, ok := e.(*InputRef); ok && r.Index == k {
				out = append(out, i)
				found = true
				break
			}
		}
		if !found {
			return nil
		}
	}
	return out
}

// implicitCast is Flink's supportsImplicitCast for sink columns: numeric
// widening (and any numeric into DOUBLE/FLOAT/DECIMAL), strings into
// strings, timestamps between precisions, NULL into anything.
func implicitCast(from, to types.DataType) bool {
	switch {
	case from.Kind == types.Null:
		return true
	case from.IsNumeric() && to.IsNumeric():
		if to.Kind == types.Double || to.Kind == types.Float || to.Kind == types.Decimal {
			return true
		}
		return from.IsIntegral() && to.IsIntegral() && from.Kind <= to.Kind
	case from.IsString() && to.IsString():
		return true
	case (from.Kind == types.Binary || from.Kind == types.VarBinary) && (to.Kind == types.Binary || to.Kind == types.VarBinary):
		return true
	case from.Kind == to.Kind && (from.Kind == types.Timestamp || from.Kind == types.TimestampLTZ || from.Kind == types.Time):
		return true
	case from.Kind == to.Kind:
		return expr.CanCast(from.Arrow(), to.Arrow())
	}
	return false
}

// intervalIntoInteger: an INSERT may write an interval into an INT or
// BIGINT column (Calcite's sink coercion; Flink's code generation has no
// cast to TINYINT or SMALLINT). Not an implicit cast elsewhere.
func intervalIntoInteger(from, to types.DataType) bool {
	return (from.Kind == types.IntervalDayTime || from.Kind == types.IntervalYearMonth) && (to.Kind == types.Int || to.Kind == types.BigInt)
}

// sinkCast converts a query column to its sink column's type. An interval
// goes into an integer column as a number of its unit, as Calcite's
// makeCastIntervalToExact does for Flink's INSERT: INTERVAL SECOND(3) as
// seconds (its milliseconds / 1000, truncated), INTERVAL MONTH as months.
func sinkCast(ref Rex, to types.DataType) Rex {
	from := ref.Type()
	switch {
	case from.Kind == types.IntervalDayTime && intervalIntoInteger(from, to):
		secs := &CallRex{Name: "/", Args: []Rex{ref, &Literal{Value: int64(1000), T: types.INT().NotNullable(), Text: "1000"}}, T: from}
		var r Rex = &CastRex{Arg: secs, T: types.INT().Nullable()}
		if to.Kind != types.Int {
			r = &CastRex{Arg: r, T: to}
		}
		return r
	case from.Kind == types.IntervalYearMonth && intervalIntoInteger(from, to):
		var r Rex = &CastRex{Arg: ref, T: types.BIGINT().Nullable()}
		if to.Kind != types.BigInt {
			r = &CastRex{Arg: r, T: to}
		}
		return r
	}
	return &CastRex{Arg: ref, T: to}
}
