package planner

import (
	"fmt"

	"github.com/sluice-stream/sluice/table/sql"
	"github.com/sluice-stream/sluice/table/types"
)

// TypeFromAST resolves a parsed type with Flink's defaults: DECIMAL is
// DECIMAL(10, 0), CHAR/BINARY are length 1, VARCHAR/VARBINARY without a
// length are the maximum, TIME is TIME(0), TIMESTAMP(_LTZ) is precision 6.
func TypeFromAST(t *sql.DataType) (types.DataType, error) {
	param := func(i, def int) int {
		if i < len(t.Params) {
			return t.Params[i]
		}
		return def
	}
	var out types.DataType
	switch t.Name {
	case sql.TypeBoolean:
		out = types.BOOLEAN()
	case sql.TypeTinyInt:
		out = types.TINYINT()
	case sql.TypeSmallInt:
		out = types.SMALLINT()
	case sql.TypeInt:
		out = types.INT()
	case sql.TypeBigInt:
		out = types.BIGINT()
	case sql.TypeFloat:
		out = types.FLOAT()
	case sql.TypeDouble:
		out = types.DOUBLE()
	case sql.TypeDecimal:
		p, s := param(0, 10), param(1, 0)
		if p < 1 || p > 38 || s < 0 || s > p {
			return out, &sql.Error{Pos: t.Start, Msg: fmt.Sprintf("DECIMAL(%d, %d) is out of range: precision must be 1..38 and scale 0..precision", p, s)}
		}
		out = types.DECIMAL(p, s)
	case sql.TypeChar:
		out = types.CHAR(param(0, 1))
	case sql.TypeVarchar:
		out = types.VARCHAR(param(0, types.MaxLength))
	case sql.TypeString:
		out = types.STRING()
	case sql.TypeBinary:
		out = types.BINARY(param(0, 1))
	case sql.TypeVarbinary:
		out = types.VARBINARY(param(0, types.MaxLength))
	case sql.TypeBytes:
		out = types.BYTES()
	case sql.TypeDate:
		out = types.DATE()
	case sql.TypeTime:
		out = types.TIME(param(0, 0))
	case sql.TypeTimestamp:
		out = types.TIMESTAMP(param(0, 6))
	case sql.TypeTimestampLTZ:
		out = types.TIMESTAMP_LTZ(param(0, 6))
	case sql.TypeInterval:
		if t.Interval != nil && (t.Interval.From == "YEAR" || t.Interval.From == "MONTH") {
			out = types.INTERVAL_YEAR_MONTH()
		} else {
			out = types.INTERVAL_DAY_TIME()
		}
	case sql.TypeArray, sql.TypeMultiset:
		e, err := TypeFromAST(t.Elem)
		if err != nil {
			return out, err
		}
		if t.Name == sql.TypeArray {
			out = types.ARRAY(e)
		} else {
			out = types.MULTISET(e)
		}
	case sql.TypeMap:
		k, err := TypeFromAST(t.Key)
		if err != nil {
			return out, err
		}
		v, err := TypeFromAST(t.Value)
		if err != nil {
			return out, err
		}
		out = types.MAP(k, v)
	case sql.TypeRow:
		fs := make([]types.Field, len(t.Fields))
		for i, f := range t.Fields {
			ft, err := TypeFromAST(f.Type)
			if err != nil {
				return out, err
			}
			fs[i] = types.Field{Name: f.Name.Name, Type: ft}
			if f.Description != nil {
				fs[i].Description = f.Description.Value
			}
		}
		out = types.ROW(fs...)
	default:
		return out, &sql.Error{Pos: t.Start, Msg: fmt.Sprintf("type %s is not supported", t.Name)}
	}
	out.NotNull = t.NotNull
	return out, nil
}
