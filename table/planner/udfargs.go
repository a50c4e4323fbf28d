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

// callTimePrecision gives a built-in function's TIME result its SQL
// precision, which the kernel's Arrow type does not carry: TIME(0) to
// TIME(3) are all milliseconds (time32[ms]), which FromArrow reads as
// TIME(3). A function of TIME arguments keeps their largest precision
// (ARRAY[TIME '12:00:00'] is ARRAY<TIME(0)>); CURRENT_TIME and LOCALTIME
// are TIME(0), as Flink's.
func callTimePrecision(name string, args []Rex, t types.DataType) types.DataType {
	p := -1
	for _, a := range args {
		p = max(p, maxTimePrecision(a.Type()))
	}
	switch strings.ToUpper(name) {
	case "CURRENT_TIME", "LOCALTIME":
		p = 0
	}
	if p < 0 || p >= 3 {
		return t
	}
	return withTimePrecision(t, p)
}

func maxTimePrecision(t types.DataType) int {
	p := -1
	switch t.Kind {
	case types.Time:
		p = t.Precision
	case types.Array, types.Multiset:
		p = maxTimePrecision(*t.Elem)
	case types.Map:
		p = max(maxTimePrecision(*t.Key), maxTimePrecision(*t.Value))
	case types.Row:
		for _, f := range t.Fields {
			p = max(p, maxTimePrecision(f.Type))
		}
	}
	return p
}

// withTimePrecision is t with its TIME(3) parts (at any depth) TIME(p).
func withTimePrecision(t types.DataType, p int) types.DataType {
	switch t.Kind {
	case types.Time:
		if t.Precision == 3 {
			t.Precision = p
		}
	case types.Array, types.Multiset:
		e := withTimePrecision(*t.Elem, p)
		t.Elem = &e
	case types.Map:
		k, v := withTimePrecision(*t.Key, p), withTimePrecision(*t.Value, p)
		t.Key, t.Value = &k, &v
	case types.Row:
		fs := make([]types.Field, len(t.Fields))
		for i, f := range t.Fields {
			f.Type = withTimePrecision(f.Type, p)
			fs[i] = f
		}
		t.Fields = fs
	}
	return t
}
