package table

import (
	"fmt"
	"strings"

	"github.com/sluice-stream/sluice/table/planner"
	"github.com/sluice-stream/sluice/table/sql"
)

// checkMinusIntersect is Flink's SetOperationFactory validation of the
// Table API's minus and intersect (all or not), with its messages: they
// are refused in streaming mode, and both tables must have as many
// columns, of types that widen to a common one. SQL's EXCEPT and
// INTERSECT run in both modes (the planner checks them).
func (t *Table) checkMinusIntersect(o *Table, op sql.SetOpKind) error {
	name := "minus"
	if op == sql.Intersect {
		name = "intersect"
	}
	if t.env.Streaming() {
		return fmt.Errorf("The %s operation on two unbounded tables is currently not supported.", strings.ToUpper(name))
	}
	ls, rs := t.Schema(), o.Schema()
	if len(ls) != len(rs) {
		return fmt.Errorf("The %s operation on two tables of different column sizes: %d and %d is not supported", name, len(ls), len(rs))
	}
	for i := range ls {
		if _, err := planner.SetOpCommonType(ls[i].Type, rs[i].Type); err != nil {
			return fmt.Errorf("Incompatible types for %s operation. Could not find a common type at position %d for '%s' and '%s'.",
				name, i, ls[i].Type.Nullable(), rs[i].Type.Nullable())
		}
	}
	return nil
}
