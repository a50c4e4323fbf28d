package engine

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-stream/sluice/vectorized"
)

// UnnestSpec configures NewUnnest: `FROM t CROSS JOIN UNNEST(t.c) [WITH
// ORDINALITY]` and `LEFT JOIN UNNEST(...) ON cond`, Flink's correlate of
// its UNNEST_ROWS table function (UnnestRowsFunction). Each input row is
// followed by one output row per element of its collection column Col:
// the input's columns, then the element's: the fields of a ROW element,
// the key and value of a MAP entry, else the element itself; then, with
// Ordinality, the element's 1-based position (INT). A NULL collection has
// no elements, nor has a NULL element of an array of rows. Row kinds
// pass through.
type UnnestSpec struct {
	// Col is the collection column of the input: an ARRAY or MULTISET
	// (an Arrow list) or a MAP.
	Col int
	// Ordinality appends the position of each element.
	Ordinality bool
	// LeftOuter emits an input row whose collection is NULL, empty or has
	// no element passing Cond once, with NULL element columns (LEFT JOIN
	// UNNEST ... ON cond).
	LeftOuter bool
	// Cond is evaluated over each output row; only rows where it is TRUE
	// are emitted. Nil is TRUE.
	Cond vectorized.Expr
	// Input is the input schema.
	Input *arrow.Schema
	// Names name the element columns and the ordinality in the output
	// schema; nil keeps f0, f1, ... and ordinality.
	Names []string
}

// elementFields are the columns an element of collection type dt becomes.
func unnestElementFields(dt arrow.DataType) ([]arrow.Field, error) {
	switch t := dt.(type) {
	case *arrow.MapType:
		return []arrow.Field{
			{Name: "f0", Type: t.KeyType(), Nullable: true},
			{Name: "f1", Type: t.ItemType(), Nullable: true},
		}, nil
	case arrow.ListLikeType:
		if st, ok := t.Elem().(*arrow.StructType); ok {
			fs := make([]arrow.Field, st.NumFields())
			for i, f := range st.Fields() {
				f.Nullable = true
				fs[i] = f
			}
			return fs, nil
		}
		return []arrow.Field{{Name: "f0", Type: t.Elem(), Nullable: true}}, nil
	}
	return nil, fmt.Errorf("unnest: the column is %s, not an ARRAY, MULTISET or MAP", dt)
}

// OutputSchema is the input's columns, the element's, the ordinality.
func (s UnnestSpec) OutputSchema() (*arrow.Schema, error) {
	if s.Input == nil || s.Col < 0 || s.Col >= s.Input.NumFields() {
		return nil, fmt.Errorf("unnest: column %d does not exist in the input", s.Col)
	}
	els, err := unnestElementFields(s.Input.Field(s.Col).Type)
	if err != nil {
		return nil, err
	}
	fs := append(append([]arrow.Field(nil), s.Input.Fields()...), els...)
	if s.Ordinality {
		fs = append(fs, arrow.Field{Name: "ordinality", Type: arrow.PrimitiveTypes.Int32, Nullable: s.LeftOuter})
	}
	if s.Names != nil {
		n := s.Input.NumFields()
		if len(s.Names) != len(fs)-n {
			return nil, fmt.Errorf("unnest: %d names for %d columns", len(s.Names), len(fs)-n)
		}
		for i, name := range s.Names {
			fs[n+i].Name = name
		}
	}
	return arrow.NewSchema(fs, nil), nil
}

// NewUnnest is the unnest operator (see UnnestSpec). It works on whole
// batches: the positions of the elements come from the collection's
// offsets, and each output column is one gather (take) of an input
// column or of the collection's element array.
func NewUnnest(spec UnnestSpec) (Operator, error) {
	out, err := spec.OutputSchema()
	if err != nil {
		return nil, err
	}
	if spec.Cond != nil && spec.Cond.DataType().ID() != arrow.BOOL {
		return nil, fmt.Errorf("unnest: the condition %s is %s, not BOOLEAN", spec.Cond, spec.Cond.DataType())
	}
	return &unnest{spec: spec, out: out}, nil
}

type unnest struct {
	spec UnnestSpec
	out  *arrow.Schema
	rt   *RuntimeContext
}

func (u *unnest) String() string {
	s := fmt.Sprintf("Unnest($%d", u.spec.Col)
	if u.spec.Ordinality {
		s += ", ordinality"
	}
	if u.spec.LeftOuter {
		s += ", left"
	}
	return s + ")"
}

func (u *unnest) Open(_ context.Context, rt *RuntimeContext) error {
	u.rt = rt
	return nil
}

func (u *unnest) Process(ctx context.Context, _ int, b *vectorized.Batch, out Collector) error {
	n := int(b.NumRows())
	if n == 0 {
		return nil
	}
	coll := b.Record.Column(u.spec.Col)
	list, ok := coll.(array.ListLike)
	if !ok {
		return fmt.Errorf("unnest: column %d is %s, not a list or map", u.spec.Col, coll.DataType())
	}
	// parent[j] is the input row of output row j, child[j] the element
	// (an index of list.ListValues()).
	var parent, child []int32
	// A NULL element of an array of rows has no fields to expand: Flink's
	// UnnestRowsFunction skips it.
	rows, _ := list.ListValues().(*array.Struct)
	for i := 0; i < n; i++ {
		if list.IsNull(i) {
			continue
		}
		s, e := list.ValueOffsets(i)
		for c := s; c < e; c++ {
			if rows != nil && rows.IsNull(int(c)) {
				continue
			}
			parent = append(parent, int32(i))
			child = append(child, int32(c))
		}
	}
	if u.spec.Cond != nil && len(parent) > 0 {
		keep, err := u.evalCond(ctx, b, list, parent, child)
		if err != nil {
			return err
		}
		p, c := parent[:0], child[:0]
		for j, k := range keep {
			if k {
				p, c = append(p, parent[j]), append(c, child[j])
			}
		}
		parent, child = p, c
	}
	if u.spec.LeftOuter {
		parent, child = padParents(n, parent, child)
	}
	if len(parent) == 0 {
		return nil
	}
	cols, err := u.build(ctx, b, list, parent, child)
	if err != nil {
		return err
	}
	var kinds []vectorized.RowKind
	if b.Kinds != nil {
		kinds = make([]vectorized.RowKind, len(parent))
		for j, p := range parent {
			kinds[j] = b.Kinds[p]
		}
	} else {
		kinds = make([]vectorized.RowKind, len(parent))
	}
	return emitRows(ctx, out, u.out, cols, kinds)
}

// padParents inserts, in input order, a row with child -1 (NULL element
// columns) for each input row without output rows.
func padParents(n int, parent, child []int32) ([]int32, []int32) {
	p := make([]int32, 0, len(parent)+n)
	c := make([]int32, 0, len(parent)+n)
	j := 0
	for i := int32(0); i < int32(n); i++ {
		if j < len(parent) && parent[j] == i {
			for ; j < len(parent) && parent[j] == i; j++ {
				p, c = append(p, i), append(c, child[j])
			}
			continue
		}
		p, c = append(p, i), append(c, -1)
	}
	return p, c
}

// evalCond evaluates Cond over the output rows (parent, child) and says
// which are TRUE.
func (u *unnest) evalCond(ctx context.Context, b *vectorized.Batch, list array.ListLike, parent, child []int32) ([]bool, error) {
	cols, err := u.build(ctx, b, list, parent, child)
	if err != nil {
		return nil, err
	}
	rec := array.NewRecordBatch(u.out, cols, int64(len(parent)))
	releaseAll(cols)
	defer rec.Release()
	var ec *vectorized.EvalContext
	if u.rt.EvalContext != nil {
		ec = u.rt.EvalContext()
	} else {
		ec = vectorized.NewEvalContext(ctx)
		ec.Mem = u.rt.Mem
	}
	ec.Ctx = ctx
	res, err := u.spec.Cond.Eval(ec, rec)
	if err != nil {
		return nil, fmt.Errorf("unnest condition %s: %w", u.spec.Cond, err)
	}
	defer res.Release()
	mask, ok := res.(*array.Boolean)
	if !ok || mask.Len() != len(parent) {
		return nil, fmt.Errorf("unnest condition %s returned %s of %d rows for %d", u.spec.Cond, res.DataType(), res.Len(), len(parent))
	}
	keep := make([]bool, len(parent))
	for j := range keep {
		keep[j] = mask.IsValid(j) && mask.Value(j)
	}
	return keep, nil
}

// build gathers the output columns of rows (parent, child); child -1 is
// a padded row.
func (u *unnest) build(ctx context.Context, b *vectorized.Batch, list array.ListLike, parent, child []int32) ([]arrow.Array, error) {
	mem := u.rt.Mem
	var cols []arrow.Array
	fail := func(err error) ([]arrow.Array, error) {
		releaseAll(cols)
		return nil, err
	}
	for _, c := range b.Record.Columns() {
		g, err := takeArray(ctx, mem, c, parent)
		if err != nil {
			return fail(err)
		}
		cols = append(cols, g)
	}
	// Padded rows gather element 0 (any valid index) and are then masked.
	idx := child
	var pad []bool
	for j, c := range child {
		if c < 0 {
			if pad == nil {
				pad = make([]bool, len(child))
				idx = append([]int32(nil), child...)
			}
			pad[j], idx[j] = true, 0
		}
	}
	vals := list.ListValues()
	var parts []arrow.Array // the element's columns
	switch st := vals.(type) {
	case *array.Struct:
		// Rows expand to their fields, map entries to key and value (the
		// NULL rows were skipped).
		for f := 0; f < st.NumField(); f++ {
			parts = append(parts, st.Field(f))
		}
	default:
		parts = []arrow.Array{vals}
	}
	for _, p := range parts {
		if vals.Len() == 0 {
			// Every row is padded: there is no element to gather.
			cols = append(cols, array.MakeArrayOfNull(mem, p.DataType(), len(child)))
			continue
		}
		g, err := takeArray(ctx, mem, p, idx)
		if err != nil {
			return fail(err)
		}
		if pad != nil {
			m := withNulls(mem, g, func(j int) bool { return pad[j] })
			g.Release()
			g = m
		}
		cols = append(cols, g)
	}
	if u.spec.Ordinality {
		bld := array.NewInt32Builder(mem)
		bld.Reserve(len(child))
		for j, c := range child {
			if c < 0 {
				bld.AppendNull()
				continue
			}
			s, _ := list.ValueOffsets(int(parent[j]))
			bld.UnsafeAppend(int32(int64(c)-s) + 1)
		}
		cols = append(cols, bld.NewArray())
		bld.Release()
	}
	return cols, nil
}

// withNulls returns arr with the rows where null(j) also NULL: its data
// with a new validity bitmap (children untouched, which is valid Arrow for
// lists and structs).
func withNulls(mem memory.Allocator, arr arrow.Array, null func(int) bool) arrow.Array {
	d := arr.Data()
	if d.DataType().ID() == arrow.NULL {
		arr.Retain()
		return arr
	}
	n, off := arr.Len(), d.Offset()
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(int(bitutil.BytesForBits(int64(off + n))))
	bits := buf.Bytes()
	clear(bits)
	nulls := 0
	for j := 0; j < n; j++ {
		if arr.IsValid(j) && !null(j) {
			bitutil.SetBit(bits, off+j)
		} else {
			nulls++
		}
	}
	bufs := append([]*memory.Buffer{buf}, d.Buffers()[1:]...)
	nd := array.NewData(d.DataType(), n, bufs, d.Children(), nulls, off)
	buf.Release()
	defer nd.Release()
	return array.MakeFromData(nd)
}

func (u *unnest) EndInput(context.Context, Collector) error { return nil }
func (u *unnest) Close() error                              { return nil }
