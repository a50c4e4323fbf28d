package planner

import (
	"fmt"
	"strings"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/sql"
	"github.com/sluice-stream/sluice/table/types"
)

// isValueAgg reports whether kind is FIRST_VALUE, LAST_VALUE or LISTAGG,
// the aggregates bindValueAggCall binds.
func isValueAgg(kind engine.AggKind) bool {
	return kind == engine.FirstValueAgg || kind == engine.LastValueAgg || kind == engine.ListAgg
}

// bindValueAggCall binds FIRST_VALUE(x), LAST_VALUE(x) and LISTAGG(x [,
// sep]) as Flink validates them (Calcite's operand checks, with its
// messages): FIRST_VALUE/LAST_VALUE take one value of any type and keep
// it (nullable); LISTAGG takes a character string and an optional
// separator that must be a non-NULL character string literal (default
// ','), and its result has the argument's type.
func (p *Planner) bindValueAggCall(f *sql.FuncCall, name string, kind engine.AggKind, sc *scope) (AggCall, Rex, error) {
	maxArgs := 1
	if kind == engine.ListAgg {
		maxArgs = 2
	}
	if len(f.Args) < 1 || len(f.Args) > maxArgs {
		// Calcite names the arguments the call's first form takes.
		return AggCall{}, nil, p.ErrAt(f.Pos(), "Invalid number of arguments to function '%s'. Was expecting 1 arguments", name)
	}
	if _, star := f.Args[0].(*sql.Star); star {
		return AggCall{}, nil, p.ErrAt(f.Args[0].Pos(), "%s does not take *", name)
	}
	for _, a := range f.Args {
		if err := p.noNestedAgg(a); err != nil {
			return AggCall{}, nil, err
		}
	}
	arg, err := p.bindExpr(f.Args[0], sc)
	if err != nil {
		return AggCall{}, nil, err
	}
	at := arg.Type()
	// A regular aggregate materializes a time attribute.
	rt := at.Nullable().Materialized()
	call := AggCall{Kind: kind, Distinct: f.Distinct, Type: rt}
	if kind != engine.ListAgg {
		if at.Kind >= types.Array || at.Kind == types.Null {
			return AggCall{}, nil, p.ErrAt(f.Args[0].Pos(), "%s of %s is not supported yet", name, at)
		}
		return call, arg, nil
	}
	if len(f.Args) == 2 {
		sep, sepType, sepOK, err := p.listAggSeparator(f.Args[1], sc)
		if err != nil {
			return AggCall{}, nil, err
		}
		call.Sep = &sep
		if !sepOK {
			return AggCall{}, nil, p.ErrAt(f.Pos(), "Cannot apply 'LISTAGG' to arguments of type 'LISTAGG(<%s>, <%s>)'. Supported form(s): 'LISTAGG(<CHARACTER>)'", at.Nullable(), sepType.Nullable())
		}
	}
	if !at.IsString() {
		return AggCall{}, nil, p.ErrAt(f.Pos(), "Cannot apply 'LISTAGG' to arguments of type 'LISTAGG(<%s>)'. Supported form(s): 'LISTAGG(<CHARACTER>)'", at.Nullable())
	}
	// Calcite's LISTAGG returns its argument's type, nullability included.
	call.Type = at.Materialized()
	return call, arg, nil
}

// listAggSeparator reads LISTAGG's separator: a literal (a CAST of one
// folds to one), not NULL; ok is false when it is not a character string
// (its type is then returned for the message).
func (p *Planner) listAggSeparator(e sql.Expr, sc *scope) (sep string, t types.DataType, ok bool, err error) {
	switch e.(type) {
	case *sql.StringLit, *sql.NullLit, *sql.NumberLit, *sql.BoolLit, *sql.BinaryLit, *sql.TypedLit, *sql.CastExpr:
	default:
		return "", t, false, p.ErrAt(e.Pos(), "Argument to function 'LISTAGG' must be a literal")
	}
	x, err := p.bindExpr(e, sc)
	if err != nil {
		return "", t, false, err
	}
	lit, isLit := foldCall(x).(*Literal)
	if !isLit {
		return "", t, false, p.ErrAt(e.Pos(), "Argument to function 'LISTAGG' must be a literal")
	}
	if lit.Value == nil {
		return "", t, false, p.ErrAt(e.Pos(), "Argument to function 'LISTAGG' must not be NULL")
	}
	s, isStr := lit.Value.(string)
	if !isStr || !lit.T.IsString() {
		return "", lit.T, false, nil
	}
	return s, lit.T, true, nil
}

// noNestedAgg rejects an aggregate call inside an aggregate's argument.
func (p *Planner) noNestedAgg(e sql.Expr) error {
	var nested error
	sql.Inspect(e, func(x sql.Node) bool {
		if ex, ok := x.(sql.Expr); ok {
			if g, ok := p.isAggCall(ex); ok && nested == nil {
				nested = p.ErrAt(g.Name.Pos(), "aggregate function calls cannot be nested")
			}
		}
		return nested == nil
	})
	return nested
}

// separator is the LISTAGG separator the engine applies.
func (c AggCall) separator() string {
	if c.Sep == nil {
		return engine.DefaultListAggSeparator
	}
	return *c.Sep
}

// listAggText is LISTAGG's call as plans show it: the separator, when the
// call gives one, as a quoted literal after the argument.
func listAggText(fn, arg string, sep *string) string {
	if sep == nil {
		return fmt.Sprintf("%s(%s)", fn, arg)
	}
	return fmt.Sprintf("%s(%s, '%s')", fn, arg, strings.ReplaceAll(*sep, "'", "''"))
}

// rejectValueAggMerge rejects FIRST_VALUE and LAST_VALUE in a streaming
// HOP, CUMULATE or SESSION window aggregate, as Flink does: those windows
// merge the accumulators of slices (or of merged sessions), and Flink's
// FirstValueAggFunction and LastValueAggFunction have no merge method
// (their order is the processing time a value came, which two slices do
// not share). TUMBLE needs no merge; in batch mode Flink plans them
// without one.
func (p *Planner) rejectValueAggMerge(q *sql.Select, kind engine.WindowKind) error {
	if !p.Streaming || kind == engine.Tumble {
		return nil
	}
	var err error
	for _, root := range append(append([]sql.Expr(nil), q.Items...), q.Having) {
		if root == nil || err != nil {
			continue
		}
		sql.Inspect(root, func(x sql.Node) bool {
			f, ok := x.(*sql.FuncCall)
			if !ok || err != nil || f.Over != nil || f.OverName != nil {
				return err == nil
			}
			name := strings.ToUpper(f.Name.Unqualified())
			class := map[string]string{"FIRST_VALUE": "FirstValueAggFunction", "LAST_VALUE": "LastValueAggFunction"}[name]
			if class == "" || len(f.Name.Parts) != 1 || p.resolveFunction(f) != nil {
				return true
			}
			err = p.ErrAt(f.Pos(), "Could not find an implementation method 'merge' in class 'org.apache.flink.table.runtime.functions.aggregate.%s' for function '%s': a %s window merges accumulators, and %s cannot", class, name, map[engine.WindowKind]string{engine.Hop: "HOP", engine.Cumulate: "CUMULATE", engine.Session: "SESSION"}[kind], name)
			return false
		})
	}
	return err
}
