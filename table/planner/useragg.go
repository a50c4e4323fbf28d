package planner

import (
	"fmt"
	"strings"
	"time"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/catalog"
	"github.com/sluice-stream/sluice/table/sql"
)

// User-defined aggregate functions (PyFlink's udaf): a catalog function
// whose object also implements UserAggFunction. It is bound where the
// built-in aggregates are — GROUP BY, window aggregates, OVER — as an
// AggCall of kind engine.UserDefined over any number of argument columns;
// the engine drives its accumulators as it drives the built-in ones and
// keeps their bytes in keyed state.

// UserAggFunction is a catalog function that aggregates: ResultType (of
// catalog.ScalarFunction) types a call, AggregateFunction is what the
// engine runs. A function whose AggregateFunction is nil is scalar.
type UserAggFunction interface {
	catalog.ScalarFunction
	AggregateFunction() engine.UserAggregate
}

// userAggregate returns fn's aggregate, nil when fn is no aggregate.
func userAggregate(fn *catalog.Function) engine.UserAggregate {
	if fn == nil || fn.Scalar == nil {
		return nil
	}
	if u, ok := fn.Scalar.(UserAggFunction); ok {
		return u.AggregateFunction()
	}
	return nil
}

// bindUserAggCall binds a call of user-defined aggregate fn: its
// arguments, cast to the declared input types, and its result type, which
// is nullable (an aggregate of no rows, a group whose value is None).
func (p *Planner) bindUserAggCall(f *sql.FuncCall, fn *catalog.Function, sc *scope) (AggCall, []Rex, error) {
	name := f.Name.Unqualified()
	if isTableAggregate(fn) && !p.TableAggregates {
		return AggCall{}, nil, p.ErrAt(f.Pos(), tableAggregateMisuse, fn.Name)
	}
	u := userAggregate(fn)
	if _, ok := u.(engine.DistinctAggregate); f.Distinct && !ok {
		return AggCall{}, nil, p.ErrAt(f.Pos(), "DISTINCT is not supported for the aggregate function %s", name)
	}
	var nested error
	args := make([]Rex, 0, len(f.Args))
	for _, a := range f.Args {
		if _, star := a.(*sql.Star); star {
			return AggCall{}, nil, p.ErrAt(a.Pos(), "* is only allowed in COUNT(*)")
		}
		sql.Inspect(a, func(x sql.Node) bool {
			if e, ok := x.(sql.Expr); ok {
				if g, ok := p.isAggCall(e); ok && nested == nil {
					nested = p.ErrAt(g.Name.Pos(), "aggregate function calls cannot be nested")
				}
			}
			return nested == nil
		})
		if nested != nil {
			return AggCall{}, nil, nested
		}
		x, err := p.bindExpr(a, sc)
		if err != nil {
			return AggCall{}, nil, err
		}
		args = append(args, x)
	}
	rt, err := p.typeUDFCall(f, fn, args)
	if err != nil {
		return AggCall{}, nil, err
	}
	return AggCall{Kind: engine.UserDefined, User: u, UserName: fn.Name, Arg: -1, Distinct: f.Distinct, Type: rt.Nullable()}, args, nil
}

// engineCall is the engine's spec of the call.
func (c AggCall) engineCall() engine.AggCall {
	return engine.AggCall{Func: c.Kind, Arg: c.Arg, Distinct: c.Distinct, Result: c.Type.Arrow(),
		Filtered: c.Filtered, Filter: c.Filter, User: c.User, Args: c.Args, Sep: c.separator()}
}

// callText is the call as plans show it, over the input's column names:
// SUM(x), COUNT(*), COUNT(DISTINCT x), my_udaf(a, b).
func (c AggCall) callText(in Schema) string {
	if c.Kind == engine.UserDefined {
		names := make([]string, len(c.Args))
		for i, a := range c.Args {
			names[i] = in[a].Name
		}
		d := ""
		if c.Distinct {
			d = "DISTINCT "
		}
		return c.UserName + "(" + d + strings.Join(names, ", ") + ")"
	}
	arg := "*"
	if c.Arg >= 0 {
		arg = in[c.Arg].Name
		if c.Distinct {
			arg = "DISTINCT " + arg
		}
	}
	fn := c.Kind.String()
	if c.Kind == engine.CountStar {
		fn = "COUNT"
	}
	if c.Kind == engine.ListAgg {
		return listAggText(fn, arg, c.Sep)
	}
	return fn + "(" + arg + ")"
}

// astText is the call as Calcite's logical plan writes it, over input
// column numbers: SUM($1), COUNT(), COUNT(DISTINCT $0) FILTER $2.
func (c AggCall) astText() string {
	var b strings.Builder
	switch c.Kind {
	case engine.UserDefined:
		b.WriteString(c.UserName + "(")
		if c.Distinct {
			b.WriteString("DISTINCT ")
		}
		for i, a := range c.Args {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "$%d", a)
		}
		b.WriteString(")")
	case engine.CountStar:
		b.WriteString("COUNT()")
	case engine.ListAgg:
		d := ""
		if c.Distinct {
			d = "DISTINCT "
		}
		b.WriteString(listAggText(c.Kind.String(), fmt.Sprintf("%s$%d", d, c.Arg), c.Sep))
	default:
		d := ""
		if c.Distinct {
			d = "DISTINCT "
		}
		fmt.Fprintf(&b, "%s(%s$%d)", c.Kind, d, c.Arg)
	}
	if c.Filtered {
		fmt.Fprintf(&b, " FILTER $%d", c.Filter)
	}
	return b.String()
}

func hasUserAgg(calls []AggCall) bool {
	for _, c := range calls {
		if c.Kind == engine.UserDefined {
			return true
		}
	}
	return false
}

// pythonBundle is the mini-batch of a streaming group aggregate with a
// Python aggregate function: PyFlink's Python group aggregate applies a
// bundle of rows (python.fn-execution.bundle.size rows, or
// python.fn-execution.bundle.time) and then emits each touched key's
// change once, so its changelog is that of a mini-batch aggregate.
func (t *translator) pythonBundle() (engine.MiniBatch, error) {
	cfg := t.p.Config
	size, err := cfg.Int("python.fn-execution.bundle.size", 100000)
	if err != nil {
		return engine.MiniBatch{}, err
	}
	lat, err := cfg.Duration("python.fn-execution.bundle.time", time.Second)
	if err != nil {
		return engine.MiniBatch{}, err
	}
	return engine.MiniBatch{Enabled: true, Size: size, Latency: lat}, nil
}
