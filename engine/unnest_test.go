package engine

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/vectorized"
)

// unnestInput is id, arr ARRAY<BIGINT>, m MAP<STRING, BIGINT>, rs
// ARRAY<ROW<x BIGINT, y STRING>> over the rows of unnest.test:
// 1: [1, 2, 3], {a=1, b=2}, [(1, p), (2, q)]
// 2: [], {}, []
// 3: NULL, NULL, NULL
// 4: [5, NULL, 5], {c=NULL}, [(NULL, NULL), NULL]
// with the row kinds +I +I -U +U.
func unnestInput(t *testing.T, mem memory.Allocator) *vectorized.Batch {
	rowT := arrow.StructOf(field("x", arrow.PrimitiveTypes.Int64), field("y", arrow.BinaryTypes.String))
	schema := schemaOf(field("id", arrow.PrimitiveTypes.Int64),
		field("arr", arrow.ListOf(arrow.PrimitiveTypes.Int64)),
		field("m", arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64)),
		field("rs", arrow.ListOf(rowT)))
	bld := array.NewRecordBuilder(mem, schema)
	defer bld.Release()
	ids := bld.Field(0).(*array.Int64Builder)
	arr := bld.Field(1).(*array.ListBuilder)
	av := arr.ValueBuilder().(*array.Int64Builder)
	m := bld.Field(2).(*array.MapBuilder)
	mk, mv := m.KeyBuilder().(*array.StringBuilder), m.ItemBuilder().(*array.Int64Builder)
	rs := bld.Field(3).(*array.ListBuilder)
	rv := rs.ValueBuilder().(*array.StructBuilder)
	rx, ry := rv.FieldBuilder(0).(*array.Int64Builder), rv.FieldBuilder(1).(*array.StringBuilder)

	ids.AppendValues([]int64{1, 2, 3, 4}, nil)
	arr.Append(true)
	av.AppendValues([]int64{1, 2, 3}, nil)
	arr.Append(true)
	arr.AppendNull()
	arr.Append(true)
	av.AppendValues([]int64{5, 0, 5}, []bool{true, false, true})

	m.Append(true)
	mk.AppendValues([]string{"a", "b"}, nil)
	mv.AppendValues([]int64{1, 2}, nil)
	m.Append(true)
	m.AppendNull()
	m.Append(true)
	mk.Append("c")
	mv.AppendNull()

	rs.Append(true)
	rv.Append(true)
	rx.Append(1)
	ry.Append("p")
	rv.Append(true)
	rx.Append(2)
	ry.Append("q")
	rs.Append(true)
	rs.AppendNull()
	rs.Append(true)
	rv.Append(true)
	rx.AppendNull()
	ry.AppendNull()
	rv.AppendNull()

	rec := bld.NewRecordBatch()
	return &vectorized.Batch{Record: rec, Kinds: kinds("+I +I -U +U")}
}

func TestUnnest(t *testing.T) {
	mem := checkedMem(t)
	xGT := func(col int, v int64) vectorized.Expr {
		return predicate{col: col, name: "x > v", f: func(x int64) bool { return x > v }}
	}
	for _, tc := range []struct {
		name string
		spec UnnestSpec
		want []string
	}{
		{"array", UnnestSpec{Col: 1}, []string{"+I[1, 1]", "+I[1, 2]", "+I[1, 3]", "+U[4, 5]", "+U[4, null]", "+U[4, 5]"}},
		{"array with ordinality", UnnestSpec{Col: 1, Ordinality: true}, []string{"+I[1, 1, 1]", "+I[1, 2, 2]", "+I[1, 3, 3]", "+U[4, 5, 1]", "+U[4, null, 2]", "+U[4, 5, 3]"}},
		{"left outer array with ordinality", UnnestSpec{Col: 1, Ordinality: true, LeftOuter: true}, []string{
			"+I[1, 1, 1]", "+I[1, 2, 2]", "+I[1, 3, 3]", "+I[2, null, null]", "-U[3, null, null]", "+U[4, 5, 1]", "+U[4, null, 2]", "+U[4, 5, 3]"}},
		{"left outer array on x > 1", UnnestSpec{Col: 1, LeftOuter: true, Cond: xGT(4, 1)}, []string{
			"+I[1, 2]", "+I[1, 3]", "+I[2, null]", "-U[3, null]", "+U[4, 5]", "+U[4, 5]"}},
		{"left outer array on x > 3: nothing passes for 1", UnnestSpec{Col: 1, LeftOuter: true, Cond: xGT(4, 3)}, []string{
			"+I[1, null]", "+I[2, null]", "-U[3, null]", "+U[4, 5]", "+U[4, 5]"}},
		{"inner array on x > 3", UnnestSpec{Col: 1, Cond: xGT(4, 3)}, []string{"+U[4, 5]", "+U[4, 5]"}},
		{"map", UnnestSpec{Col: 2, Ordinality: true}, []string{"+I[1, a, 1, 1]", "+I[1, b, 2, 2]", "+U[4, c, null, 1]"}},
		{"left outer map", UnnestSpec{Col: 2, LeftOuter: true}, []string{"+I[1, a, 1]", "+I[1, b, 2]", "+I[2, null, null]", "-U[3, null, null]", "+U[4, c, null]"}},
		{"rows: a NULL row is skipped", UnnestSpec{Col: 3}, []string{"+I[1, 1, p]", "+I[1, 2, q]", "+U[4, null, null]"}},
		{"left outer rows with ordinality", UnnestSpec{Col: 3, LeftOuter: true, Ordinality: true}, []string{
			"+I[1, 1, p, 1]", "+I[1, 2, q, 2]", "+I[2, null, null, null]", "-U[3, null, null, null]", "+U[4, null, null, 1]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := unnestInput(t, mem)
			tc.spec.Input = in.Record.Schema()
			op, err := NewUnnest(tc.spec)
			require.NoError(t, err)
			h := newHarness(t, mem, op, nil)
			rows := h.process(in)
			// Only the id and the element columns: the collections
			// themselves are passed through unchanged.
			var got []string
			for _, r := range rows {
				r.Values = append(r.Values[:1], r.Values[4:]...)
				got = append(got, r.String())
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestUnnestAllEmpty(t *testing.T) {
	mem := checkedMem(t)
	schema := schemaOf(field("id", arrow.PrimitiveTypes.Int64), field("arr", arrow.ListOf(arrow.BinaryTypes.String)))
	bld := array.NewRecordBuilder(mem, schema)
	defer bld.Release()
	for _, outer := range []bool{false, true} {
		op, err := NewUnnest(UnnestSpec{Col: 1, LeftOuter: outer, Input: schema})
		require.NoError(t, err)
		h := newHarness(t, mem, op, nil)
		bld.Field(0).(*array.Int64Builder).AppendValues([]int64{1, 2}, nil)
		bld.Field(1).(*array.ListBuilder).Append(true)
		bld.Field(1).(*array.ListBuilder).AppendNull()
		rows := h.process(vectorized.NewBatch(bld.NewRecordBatch()))
		if !outer {
			assert.Empty(t, rows)
			continue
		}
		assert.Equal(t, []string{"+I[1, [], null]", "+I[2, null, null]"}, strs(rows))
	}
}

func TestUnnestSpecErrors(t *testing.T) {
	schema := schemaOf(field("id", arrow.PrimitiveTypes.Int64))
	_, err := NewUnnest(UnnestSpec{Col: 0, Input: schema})
	require.EqualError(t, err, "unnest: the column is int64, not an ARRAY, MULTISET or MAP")
	_, err = NewUnnest(UnnestSpec{Col: 3, Input: schema})
	require.EqualError(t, err, "unnest: column 3 does not exist in the input")
}
