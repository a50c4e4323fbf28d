package table

import (
	"fmt"

	"github.com/sluice-stream/sluice/table/sql"
)

// Sort is ORDER BY fields with an optional FETCH (fetch < 0: none) and
// OFFSET (offset <= 0: none) in one query, as Flink's Table API merges
// order_by(...).offset(n).fetch(m) into one sort. Without fields it keeps
// the input's order.
func (t *Table) Sort(fields []any, fetch, offset int64) *Table {
	var limit, skip sql.Expr
	if fetch >= 0 {
		limit = &sql.NumberLit{Value: fmt.Sprint(fetch), Kind: sql.IntegerNumber}
	}
	if offset > 0 {
		skip = &sql.NumberLit{Value: fmt.Sprint(offset), Kind: sql.IntegerNumber}
	}
	return t.ordered(fields, limit, skip)
}
