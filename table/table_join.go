package table

import (
	"fmt"
	"strings"

	"github.com/sluice-stream/sluice/table/sql"
)

// Join is an inner join with o, Flink's Table.join: the output has t's
// columns then o's, whose names must all differ. cond (a string or an
// Expr) is optional: without it the join is a cross product that a later
// Where narrows (Flink's left.join(right).where(a == d)), which the
// planner turns into the same equi-join.
func (t *Table) Join(o *Table, cond ...any) *Table { return t.join(o, sql.InnerJoin, cond) }

// LeftOuterJoin is Flink's left_outer_join: every row of t, padded with
// NULLs where o has no match; without cond every row of o matches.
func (t *Table) LeftOuterJoin(o *Table, cond ...any) *Table {
	return t.join(o, sql.LeftJoin, cond)
}

// RightOuterJoin is Flink's right_outer_join (cond required).
func (t *Table) RightOuterJoin(o *Table, cond any) *Table {
	return t.join(o, sql.RightJoin, []any{cond})
}

// FullOuterJoin is Flink's full_outer_join (cond required).
func (t *Table) FullOuterJoin(o *Table, cond any) *Table {
	return t.join(o, sql.FullJoin, []any{cond})
}

func (t *Table) join(o *Table, kind sql.JoinKind, cond []any) *Table {
	if t.err != nil {
		return t
	}
	if o.err != nil {
		return o
	}
	if err := joinNamesDistinct(t, o); err != nil {
		return &Table{env: t.env, err: err}
	}
	if len(cond) > 1 {
		return &Table{env: t.env, err: fmt.Errorf("a join takes one condition, got %d", len(cond))}
	}
	return t.derive(func(from func(*Table) sql.TableRef) (sql.Query, error) {
		j := &sql.Join{Kind: kind, Left: from(t), Right: from(o)}
		if len(cond) == 1 && cond[0] != nil {
			es, err := exprArgs(cond)
			if err != nil {
				return nil, err
			}
			if len(es) != 1 {
				return nil, fmt.Errorf("a join takes one condition, got %d", len(es))
			}
			j.On = es[0]
		} else if kind == sql.InnerJoin {
			j.Kind = sql.CrossJoin
		} else {
			j.On = &sql.BoolLit{Value: "TRUE"}
		}
		return &sql.Select{Items: star(), From: j}, nil
	})
}

// joinNamesDistinct is Flink's JoinOperationFactory check: both sides'
// columns are reachable by plain name, so no name may repeat.
func joinNamesDistinct(t, o *Table) error {
	left := map[string]bool{}
	for _, n := range t.node.Schema().Names() {
		left[n] = true
	}
	var dup []string
	for _, n := range o.node.Schema().Names() {
		if left[n] {
			dup = append(dup, n)
		}
	}
	if len(dup) > 0 {
		return fmt.Errorf("join relations with ambiguous names: [%s]", strings.Join(dup, ", "))
	}
	return nil
}
