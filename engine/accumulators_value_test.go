package engine

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// valueModel is what Flink's FIRST_VALUE/LAST_VALUE/LISTAGG with
// retraction keep: the non-NULL values in arrival order, a retraction
// removing the value's earliest copy (a value not kept is ignored).
type valueModel struct{ vals []string }

func (m *valueModel) apply(v *string, sign int8) {
	if v == nil {
		return
	}
	if sign > 0 {
		m.vals = append(m.vals, *v)
		return
	}
	for i, x := range m.vals {
		if x == *v {
			m.vals = append(m.vals[:i], m.vals[i+1:]...)
			return
		}
	}
}

func (m *valueModel) result(kind AggKind, sep string) string {
	if len(m.vals) == 0 {
		return "NULL"
	}
	switch kind {
	case FirstValueAgg:
		return m.vals[0]
	case LastValueAgg:
		return m.vals[len(m.vals)-1]
	}
	return strings.Join(m.vals, sep)
}

// resultStrings flushes acc's result buffer as strings ("NULL" for NULL).
func resultStrings(t *testing.T, acc accumulator) []string {
	t.Helper()
	mem := checkedMem(t)
	arr, err := acc.flush(mem)
	require.NoError(t, err)
	defer arr.Release()
	out := make([]string, arr.Len())
	for i := range out {
		if arr.IsNull(i) {
			out[i] = "NULL"
		} else {
			out[i] = arr.ValueStr(i)
		}
	}
	return out
}

// TestValueAggsAgainstModel drives FIRST_VALUE, LAST_VALUE and LISTAGG
// with retraction through random accumulates and retractions of a few
// values and NULLs over two groups, row by row through stream (the
// streaming aggregate's path) and checks every result against the model;
// halfway each group is saved and loaded into a fresh accumulator.
func TestValueAggsAgainstModel(t *testing.T) {
	values := []string{"a", "b", "c", "é", ""}
	for _, kind := range []AggKind{FirstValueAgg, LastValueAgg, ListAgg} {
		for seed := range uint64(20) {
			t.Run(fmt.Sprintf("%s/%d", kind, seed), func(t *testing.T) {
				mem := checkedMem(t)
				r := rand.New(rand.NewPCG(seed, 7))
				call := AggCall{Func: kind, Arg: 0, Sep: "|"}
				acc, _, err := newAccumulator(call, arrow.BinaryTypes.String, true)
				require.NoError(t, err)
				acc.grow(2)
				models := [2]valueModel{}
				const n = 200
				vals := make([]*string, n)
				groups := make([]uint32, n)
				signs := make([]int8, n)
				acts := make([]uint8, n)
				var want []string
				for i := range n {
					g := uint32(r.IntN(2))
					groups[i] = g
					if r.IntN(6) > 0 {
						v := values[r.IntN(len(values))]
						vals[i] = &v
					}
					signs[i] = 1
					if r.IntN(3) == 0 {
						signs[i] = -1 // retracts sometimes a value never kept
					}
					acts[i] = streamNew
					models[g].apply(vals[i], signs[i])
					want = append(want, models[g].result(kind, "|"))
				}
				b := array.NewStringBuilder(mem)
				for _, v := range vals {
					if v == nil {
						b.AppendNull()
					} else {
						b.Append(*v)
					}
				}
				arr := b.NewArray()
				b.Release()
				defer arr.Release()

				acc.bind(arr)
				acc.stream(groups, signs, acts, make([]bool, n), 0, n/2)
				// Move both groups through their state encoding.
				fresh, _, err := newAccumulator(call, arrow.BinaryTypes.String, true)
				require.NoError(t, err)
				fresh.grow(2)
				for g := range uint32(2) {
					d := stateDecoder{b: acc.save(nil, g)}
					fresh.load(&d, g)
					require.NoError(t, d.err)
					require.Empty(t, d.b)
				}
				got := resultStrings(t, acc)
				fresh.bind(arr)
				fresh.stream(groups, signs, acts, make([]bool, n), n/2, n)
				got = append(got, resultStrings(t, fresh)...)
				require.Equal(t, want, got)
			})
		}
	}
}

// TestValueAggsInsertOnly: without retraction FIRST_VALUE keeps the first
// non-NULL value, LAST_VALUE the last, LISTAGG joins them as they come
// (with the default separator when the call gives it); a group of NULLs
// gives NULL. Results for each type, through update, save and load.
func TestValueAggsInsertOnly(t *testing.T) {
	dec := &arrow.Decimal128Type{Precision: 10, Scale: 2}
	cases := []struct {
		kind   AggKind
		dt     arrow.DataType
		values string
		want   string // group 0's result (group 1, all NULL, gives NULL)
	}{
		{FirstValueAgg, arrow.PrimitiveTypes.Int32, `[null, 5, 3, null]`, "5"},
		{LastValueAgg, arrow.PrimitiveTypes.Int32, `[null, 5, 3, null]`, "3"},
		{FirstValueAgg, arrow.PrimitiveTypes.Int8, `[-1, 2]`, "-1"},
		{LastValueAgg, arrow.PrimitiveTypes.Int64, `[1, 9223372036854775807]`, "9223372036854775807"},
		{LastValueAgg, arrow.PrimitiveTypes.Float64, `[1.5, -0.0, null]`, "-0"},
		{FirstValueAgg, arrow.PrimitiveTypes.Float32, `[null, 2.5]`, "2.5"},
		{LastValueAgg, dec, `["1.25", "3.50"]`, "3.5"},
		{FirstValueAgg, arrow.FixedWidthTypes.Boolean, `[false, true]`, "false"},
		{LastValueAgg, arrow.FixedWidthTypes.Date32, `[19000, 18000]`, "2019-04-14"},
		{FirstValueAgg, arrow.BinaryTypes.String, `[null, "x", "y"]`, "x"},
		{LastValueAgg, arrow.BinaryTypes.Binary, `["YQ==", "Yg=="]`, "Yg=="},
		{ListAgg, arrow.BinaryTypes.String, `["x", null, "", "y"]`, "x,,y"},
		{ListAgg, arrow.BinaryTypes.LargeString, `["x", "y"]`, "x,y"},
	}
	for _, c := range cases {
		for _, retract := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/%s/retract=%v", c.kind, c.dt, retract), func(t *testing.T) {
				mem := checkedMem(t)
				call := AggCall{Func: c.kind, Arg: 0, Sep: DefaultListAggSeparator}
				acc, res, err := newAccumulator(call, c.dt, retract)
				require.NoError(t, err)
				if c.kind == ListAgg {
					assert.Equal(t, arrow.BinaryTypes.String, res)
				} else {
					assert.True(t, arrow.TypeEqual(c.dt, res), "result type %s", res)
				}
				acc.grow(3)
				in := fromJSON(t, mem, c.dt, c.values)
				defer in.Release()
				nulls := fromJSON(t, mem, c.dt, `[null, null]`)
				defer nulls.Release()
				acc.bind(in)
				acc.update(make([]uint32, in.Len()), nil, 0, in.Len())
				acc.bind(nulls)
				acc.update([]uint32{1, 1}, nil, 0, 2)
				d := stateDecoder{b: acc.save(nil, 0)}
				acc.load(&d, 2)
				require.NoError(t, d.err)
				acc.appendResult(0)
				acc.appendResult(1)
				acc.appendResult(2)
				got := resultStrings(t, acc)
				want := c.want
				assert.Equal(t, []string{want, "NULL", want}, got)
			})
		}
	}
}

// TestValueAggStateRefusesPrefixes: every strict prefix of a group's
// encoding fails to load, with and without retraction.
func TestValueAggStateRefusesPrefixes(t *testing.T) {
	for _, kind := range []AggKind{FirstValueAgg, LastValueAgg, ListAgg} {
		for _, retract := range []bool{false, true} {
			mem := checkedMem(t)
			acc, _, err := newAccumulator(AggCall{Func: kind, Arg: 0, Sep: ";"}, arrow.BinaryTypes.String, retract)
			require.NoError(t, err)
			acc.grow(2)
			in := fromJSON(t, mem, arrow.BinaryTypes.String, `["ab", "c", "ab"]`)
			acc.bind(in)
			acc.update([]uint32{0, 0, 0}, nil, 0, 3)
			in.Release()
			enc := acc.save(nil, 0)
			for cut := range len(enc) {
				d := stateDecoder{b: enc[:cut]}
				acc.reset(1)
				acc.load(&d, 1)
				assert.Error(t, d.err, "%s retract=%v: prefix of %d of %d bytes", kind, retract, cut, len(enc))
			}
		}
	}
}

// TestValueAggErrors: the types the engine refuses, with the call named.
func TestValueAggErrors(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "i", Type: arrow.PrimitiveTypes.Int32},
		{Name: "l", Type: arrow.ListOf(arrow.PrimitiveTypes.Int32)},
	}, nil)
	_, _, err := newAccumulatorFor(AggCall{Func: ListAgg, Arg: 0, Sep: ","}, schema, false)
	assert.EqualError(t, err, `LISTAGG($0, ","): LISTAGG takes a character string argument, got int32`)
	_, _, err = newAccumulatorFor(AggCall{Func: FirstValueAgg, Arg: 1}, schema, false)
	assert.EqualError(t, err, "FIRST_VALUE($1): FIRST_VALUE of list<item: int32, nullable> is not supported")
	_, _, err = newAccumulatorFor(AggCall{Func: LastValueAgg, Arg: 0, Result: arrow.PrimitiveTypes.Int64}, schema, false)
	assert.EqualError(t, err, "LAST_VALUE($0): result type int64 differs from the argument type int32")
}
