package planner

import (
	"strconv"
	"strings"

	"github.com/sluice-stream/sluice/table/types"
)

// constantUDFArg is how Flink hands a user-defined function a constant
// argument: as the literal's own value (PyFlink's planner converts the
// RexLiteral, whose cast to DECIMAL keeps the literal's digits), so
// CAST(1.05 AS DECIMAL) — a DECIMAL(10, 0) — arrives as Decimal('1.05'),
// not rounded to the scale; digits beyond the precision's integer part still
// make it NULL. The cast keeps the literal's scale then.
func constantUDFArg(a Rex) Rex {
	c, ok := a.(*CastRex)
	if !ok || c.Try || c.T.Kind != types.Decimal {
		return a
	}
	l, ok := c.Arg.(*Literal)
	if !ok {
		return a
	}
	scale := -1
	switch l.T.Kind {
	case types.Decimal:
		scale = l.T.Scale
	case types.Double, types.Float:
		// a DOUBLE literal (1.5e0, the Table API's lit(1.05)) keeps its
		// shortest decimal digits, as BigDecimal.valueOf
		if v, ok := l.Value.(float64); ok {
			s := strconv.FormatFloat(v, 'f', -1, 64)
			if i := strings.IndexByte(s, '.'); i >= 0 {
				scale = len(s) - i - 1
			}
		}
	}
	if scale <= c.T.Scale || scale > 38 {
		return a
	}
	t := c.T
	t.Precision = min(38, t.Precision-t.Scale+scale)
	t.Scale = scale
	return &CastRex{Arg: l, T: t}
}
