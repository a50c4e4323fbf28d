package engine

import (
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func fromJSON(t *testing.T, mem memory.Allocator, dt arrow.DataType, js string) arrow.Array {
	t.Helper()
	arr, _, err := array.FromJSON(mem, dt, strings.NewReader(js))
	require.NoError(t, err, "%s %s", dt, js)
	return arr
}

// TestAccumulatorStateRoundTrip saves a group of every accumulator kind
// and argument type and loads it into a fresh group: the result is the
// same, and so is the result after retracting values, which needs the
// MIN/MAX and DISTINCT value counts to have come through. Every strict
// prefix of the encoding is refused.
func TestAccumulatorStateRoundTrip(t *testing.T) {
	dec := func(p, s int32) arrow.DataType { return &arrow.Decimal128Type{Precision: p, Scale: s} }
	type tc struct {
		call    AggCall
		arg     arrow.DataType
		values  string // JSON: the values accumulated
		retract string // JSON: values then retracted (with retraction only)
	}
	var cases []tc
	add := func(c tc) { cases = append(cases, c) }
	ints := `[5, 3, null, 9, 3, -2]`
	for _, f := range []AggKind{CountStar, Count, Sum, Avg} {
		add(tc{AggCall{Func: f, Arg: 0}, arrow.PrimitiveTypes.Int32, ints, `[3, 9]`})
		add(tc{AggCall{Func: f, Arg: 0}, arrow.PrimitiveTypes.Float64, `[1.5, null, -0.25, 1e300]`, `[1e300]`})
		add(tc{AggCall{Func: f, Arg: 0}, dec(10, 2), `["1.25", "-99999999.99", null, "3.00"]`, `["1.25"]`})
	}
	add(tc{AggCall{Func: Sum, Arg: 0, Result: dec(38, 4)}, arrow.PrimitiveTypes.Int64, `[9223372036854775807, 5]`, `[5]`})
	for _, f := range []AggKind{VarPop, VarSamp, StddevPop, StddevSamp} {
		add(tc{AggCall{Func: f, Arg: 0}, arrow.PrimitiveTypes.Int32, ints, `[3, 9]`})
		add(tc{AggCall{Func: f, Arg: 0}, arrow.PrimitiveTypes.Float64, `[1.5, null, -0.25, 8]`, `[8]`})
		add(tc{AggCall{Func: f, Arg: 0}, dec(10, 2), `["1.25", "-99.99", null, "3.00"]`, `["1.25"]`})
	}
	minMaxArgs := []struct {
		dt             arrow.DataType
		values, remove string
	}{
		{arrow.PrimitiveTypes.Int8, `[5, -3, null, 9, -3]`, `[-3, 9]`},
		{arrow.PrimitiveTypes.Int16, `[5, -3, null, 9, -3]`, `[-3, 9]`},
		{arrow.PrimitiveTypes.Int32, ints, `[3, 9, -2]`},
		{arrow.PrimitiveTypes.Int64, `[5, -3000000000000, 9]`, `[-3000000000000]`},
		{arrow.PrimitiveTypes.Uint8, `[5, 255, 0]`, `[255]`},
		{arrow.PrimitiveTypes.Uint16, `[5, 65535, 0]`, `[0]`},
		{arrow.PrimitiveTypes.Uint32, `[5, 4294967295, 0]`, `[4294967295]`},
		{arrow.PrimitiveTypes.Uint64, `[5, 18446744073709551615, 0]`, `[0]`},
		{arrow.PrimitiveTypes.Float32, `[1.5, -0.0, 0.0, null]`, `[-0.0]`},
		{arrow.PrimitiveTypes.Float64, `[1.5, -2.5, 7]`, `[7]`},
		{dec(10, 2), `["1.25", "-3.50", "2.00"]`, `["-3.50"]`},
		{arrow.FixedWidthTypes.Boolean, `[true, false, null, true]`, `[false]`},
		{arrow.BinaryTypes.String, `["b", "ä", "", null, "a"]`, `["ä", ""]`},
		{arrow.BinaryTypes.Binary, `["YQ==", "Yg==", null]`, `["Yg=="]`},
		{arrow.FixedWidthTypes.Date32, `[19000, 18000]`, `[18000]`},
		{&arrow.TimestampType{Unit: arrow.Millisecond}, `[1000, 3001, 2000]`, `[3001]`},
	}
	for _, a := range minMaxArgs {
		add(tc{AggCall{Func: Min, Arg: 0}, a.dt, a.values, a.remove})
		add(tc{AggCall{Func: Max, Arg: 0}, a.dt, a.values, a.remove})
	}
	distinctArgs := []struct {
		f              AggKind
		dt             arrow.DataType
		values, remove string
	}{
		{Count, arrow.FixedWidthTypes.Boolean, `[true, true, false, null]`, `[true]`},
		{Count, arrow.PrimitiveTypes.Int8, `[1, 1, 2]`, `[1]`},
		{Count, arrow.PrimitiveTypes.Int16, `[1, 1, 2]`, `[1, 1]`},
		{Sum, arrow.PrimitiveTypes.Int32, `[5, 5, 2, null]`, `[5]`},
		{Avg, arrow.PrimitiveTypes.Float32, `[0.5, 0.5, 2]`, `[2]`},
		{Sum, arrow.PrimitiveTypes.Int64, `[5, 5, 2]`, `[5, 5]`},
		{Max, arrow.PrimitiveTypes.Float64, `[5, 5, 2]`, `[5]`},
		{Sum, dec(10, 2), `["1.25", "1.25", "2.00"]`, `["2.00"]`},
		{Min, arrow.BinaryTypes.String, `["x", "x", "y"]`, `["x"]`},
		{Count, arrow.BinaryTypes.LargeString, `["x", "x", "y"]`, `["y"]`},
	}
	for _, a := range distinctArgs {
		add(tc{AggCall{Func: a.f, Arg: 0, Distinct: true}, a.dt, a.values, a.remove})
	}

	for _, c := range cases {
		for _, retract := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/%s/retract=%v", c.call, c.arg, retract), func(t *testing.T) {
				mem := checkedMem(t)
				argType := c.arg
				if c.call.Func == CountStar {
					argType = nil
				}
				acc, _, err := newAccumulator(c.call, argType, retract)
				require.NoError(t, err)
				acc.grow(2)
				in := fromJSON(t, mem, c.arg, c.values)
				defer in.Release()
				apply := func(arr arrow.Array, g uint32, sign int8) {
					n := arr.Len()
					groups := make([]uint32, n)
					signs := make([]int8, n)
					for i := range groups {
						groups[i], signs[i] = g, sign
					}
					acc.bind(arr)
					acc.update(groups, signs, 0, n)
				}
				apply(in, 0, 1)

				enc := acc.save(nil, 0)
				d := stateDecoder{b: enc}
				acc.load(&d, 1)
				require.NoError(t, d.err)
				require.Empty(t, d.b, "the whole encoding is read")
				acc.appendResult(0)
				acc.appendResult(1)
				assert.True(t, acc.resultEqual(0, 1), "restored result")
				// A second save of the restored group decodes to the same
				// state again (map order may differ, so compare results).
				d2 := stateDecoder{b: acc.save(nil, 1)}
				acc.reset(0)
				acc.load(&d2, 0)
				require.NoError(t, d2.err)

				if retract {
					out := fromJSON(t, mem, c.arg, c.retract)
					defer out.Release()
					apply(out, 0, -1)
					apply(out, 1, -1)
					acc.appendResult(0)
					acc.appendResult(1)
					assert.True(t, acc.resultEqual(2, 3), "result after retractions")
				}
				res, err := acc.flush(mem)
				require.NoError(t, err)
				res.Release()

				for cut := range len(enc) {
					d := stateDecoder{b: enc[:cut]}
					acc.reset(1)
					acc.load(&d, 1)
					assert.Error(t, d.err, "prefix of %d of %d bytes", cut, len(enc))
				}
			})
		}
	}
}

// TestGroupKeyEncoding: the key encoding is injective (keys the group
// table tells apart never share an encoding, NULLs included) and
// deterministic (the same key encodes alike whatever table or group id it
// is in), for every key type.
func TestGroupKeyEncoding(t *testing.T) {
	mem := memory.NewGoAllocator()
	dict := func() arrow.Array {
		idx := fromJSON(t, mem, arrow.PrimitiveTypes.Int32, `[0, 1, null, 2, 0]`)
		defer idx.Release()
		vals := fromJSON(t, mem, arrow.BinaryTypes.String, `["a", "b", null]`)
		defer vals.Release()
		return array.NewDictionaryArray(&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}, idx, vals)
	}
	cases := []struct {
		name string
		cols func() []arrow.Array
	}{}
	one := func(dt arrow.DataType, js string) func() []arrow.Array {
		return func() []arrow.Array { return []arrow.Array{fromJSON(t, mem, dt, js)} }
	}
	add := func(name string, f func() []arrow.Array) {
		cases = append(cases, struct {
			name string
			cols func() []arrow.Array
		}{name, f})
	}
	add("BOOLEAN", one(arrow.FixedWidthTypes.Boolean, `[true, false, null, true]`))
	add("TINYINT", one(arrow.PrimitiveTypes.Int8, `[1, -1, null, 0, 1]`))
	add("SMALLINT", one(arrow.PrimitiveTypes.Int16, `[1, -1, null, 256, 1]`))
	add("INT", one(arrow.PrimitiveTypes.Int32, `[1, -1, null, 0, 16777216]`))
	add("BIGINT", one(arrow.PrimitiveTypes.Int64, `[1, -1, null, 0, 4294967296, 1]`))
	add("UBIGINT", one(arrow.PrimitiveTypes.Uint64, `[1, 18446744073709551615, null]`))
	add("FLOAT", one(arrow.PrimitiveTypes.Float32, `[0.0, -0.0, 1.5, null, 1.5]`))
	add("DOUBLE", one(arrow.PrimitiveTypes.Float64, `[0.0, -0.0, 1.5, null, 1e300]`))
	add("DECIMAL", one(&arrow.Decimal128Type{Precision: 10, Scale: 2}, `["1.00", "-1.00", null, "1.00", "0.01"]`))
	add("DECIMAL256", one(&arrow.Decimal256Type{Precision: 60, Scale: 2}, `["1.00", "-1.00", null, "1.00"]`))
	add("STRING", one(arrow.BinaryTypes.String, `["", null, "a", "ab", "a\u0000", "a very long key of more than sixteen bytes"]`))
	add("LARGE STRING", one(arrow.BinaryTypes.LargeString, `["", null, "a", "ab"]`))
	add("STRING VIEW", one(arrow.BinaryTypes.StringView, `["", null, "a", "a string longer than twelve bytes"]`))
	add("BINARY", one(arrow.BinaryTypes.Binary, `["", null, "YQ==", "YWI="]`))
	add("FIXED BINARY", one(&arrow.FixedSizeBinaryType{ByteWidth: 2}, `["YWI=", null, "YWM="]`))
	add("DATE", one(arrow.FixedWidthTypes.Date32, `[19000, null, 0]`))
	add("TIMESTAMP", one(&arrow.TimestampType{Unit: arrow.Microsecond}, `[1000, null, 0, -1]`))
	add("INTERVAL", one(arrow.FixedWidthTypes.MonthDayNanoInterval, `[{"months": 1, "days": 2, "nanoseconds": 3}, null, {"months": 0, "days": 0, "nanoseconds": 0}]`))
	add("ARRAY<BIGINT>", one(arrow.ListOf(arrow.PrimitiveTypes.Int64), `[[1, 2], [1], [], null, [null], [2, 1], [1, 2]]`))
	add("ARRAY<STRING>", one(arrow.ListOf(arrow.BinaryTypes.String), `[["ab", "c"], ["a", "bc"], [null], [""], []]`))
	add("ROW", one(arrow.StructOf(arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Int64, Nullable: true}, arrow.Field{Name: "b", Type: arrow.BinaryTypes.String, Nullable: true}),
		`[{"a": 1, "b": "x"}, {"a": null, "b": "x"}, null, {"a": 1, "b": null}, {"a": null, "b": null}]`))
	add("MAP", one(arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64),
		`[[{"key": "a", "value": 1}], [{"key": "a", "value": null}], [], null, [{"key": "a", "value": 1}, {"key": "b", "value": 2}]]`))
	add("DICTIONARY", func() []arrow.Array { return []arrow.Array{dict()} })
	add("STRING, STRING", func() []arrow.Array {
		return []arrow.Array{
			fromJSON(t, mem, arrow.BinaryTypes.String, `["ab", "a", null, "a", "", null, ""]`),
			fromJSON(t, mem, arrow.BinaryTypes.String, `["c", "bc", "a", null, "", null, null]`),
		}
	})
	add("BIGINT, BOOLEAN, STRING", func() []arrow.Array {
		return []arrow.Array{
			fromJSON(t, mem, arrow.PrimitiveTypes.Int64, `[1, 1, null, 1]`),
			fromJSON(t, mem, arrow.FixedWidthTypes.Boolean, `[true, null, true, true]`),
			fromJSON(t, mem, arrow.BinaryTypes.String, `[null, "", "x", null]`),
		}
	})
	add("no keys (global aggregate)", func() []arrow.Array { return nil })

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cols := c.cols()
			n := 1
			var types []arrow.DataType
			for _, col := range cols {
				n = col.Len()
				types = append(types, col.DataType())
			}
			// The rows in order, and reversed into another table, so the
			// same keys get other group ids.
			var revCols []arrow.Array
			for _, col := range cols {
				parts := make([]arrow.Array, n)
				for i := range parts {
					parts[i] = array.NewSlice(col, int64(n-1-i), int64(n-i))
				}
				r, err := array.Concatenate(parts, mem)
				require.NoError(t, err)
				for _, p := range parts {
					p.Release()
				}
				revCols = append(revCols, r)
			}
			encode := func(cols []arrow.Array) (*groupTable, []uint32, []string) {
				tbl := newGroupTable(mem, types)
				groups := make([]uint32, n)
				tbl.lookup(cols, n, groups, nil)
				keys := make([]string, n)
				for i, g := range groups {
					keys[i] = string(tbl.appendKey(nil, g))
				}
				return tbl, groups, keys
			}
			tbl, groups, keys := encode(cols)
			_, _, revKeys := encode(revCols)
			byKey := map[string]uint32{}
			for i, k := range keys {
				if g, ok := byKey[k]; ok {
					assert.Equal(t, g, groups[i], "rows %d and an earlier row share encoding %x but not their group", i, k)
				}
				byKey[k] = groups[i]
				assert.Equal(t, k, revKeys[n-1-i], "row %d encodes alike in another table", i)
			}
			assert.Len(t, byKey, tbl.live, "one encoding per group")
			for _, a := range append(cols, revCols...) {
				a.Release()
			}
		})
	}
}
