package filesystem

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/types"
	"github.com/sluice-stream/sluice/vectorized"
)

// writeParquet writes one record batch, built by fill, as a parquet file
// the way other tools do: with or without the Arrow schema stored.
func writeParquet(t *testing.T, path string, schema *arrow.Schema, storeSchema bool, fill func(b *array.RecordBuilder)) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	fill(b)
	rec := b.NewRecordBatch()
	defer rec.Release()
	f, err := os.Create(path)
	require.NoError(t, err)
	var opts []pqarrow.WriterOption
	if storeSchema {
		opts = append(opts, pqarrow.WithStoreSchema())
	}
	w, err := pqarrow.NewFileWriter(schema, f, parquet.NewWriterProperties(), pqarrow.NewArrowWriterProperties(opts...))
	require.NoError(t, err)
	if rec.NumRows() > 0 {
		require.NoError(t, w.Write(rec))
	}
	require.NoError(t, w.Close())
}

// Files written by other tools hold other Arrow types than the table's:
// the source converts them, and its batches have exactly the table's.
func TestParquetForeignTypesAreConverted(t *testing.T) {
	fields := []arrow.Field{
		{Name: "ID", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "name", Type: arrow.BinaryTypes.LargeString, Nullable: true},
		{Name: "tag", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int16, ValueType: arrow.BinaryTypes.String}, Nullable: true},
		{Name: "raw_text", Type: arrow.BinaryTypes.Binary, Nullable: true},
		{Name: "fixed", Type: &arrow.FixedSizeBinaryType{ByteWidth: 2}, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Nanosecond}, Nullable: true},
		{Name: "ltz", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
		{Name: "t", Type: arrow.FixedWidthTypes.Time64us, Nullable: true},
		{Name: "f", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "amount", Type: &arrow.Decimal128Type{Precision: 5, Scale: 2}, Nullable: true},
		{Name: "small", Type: arrow.PrimitiveTypes.Int8, Nullable: true},
		{Name: "lst", Type: arrow.LargeListOf(arrow.PrimitiveTypes.Int16), Nullable: true},
		{Name: "r", Type: arrow.StructOf(
			arrow.Field{Name: "y", Type: arrow.BinaryTypes.String, Nullable: true},
			arrow.Field{Name: "extra", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
			arrow.Field{Name: "X", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		), Nullable: true},
		{Name: "m", Type: arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int32), Nullable: true},
		{Name: "unused", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	}
	cols := []connector.Column{
		col("id", types.BIGINT()), col("name", types.STRING()), col("tag", types.STRING()), col("raw_text", types.STRING()),
		col("fixed", types.BYTES()), col("ts", types.TIMESTAMP(3)), col("ltz", types.TIMESTAMP_LTZ(3)), col("t", types.TIME(3)),
		col("f", types.DOUBLE()), col("amount", types.DECIMAL(10, 4)), col("small", types.INT()),
		col("lst", types.ARRAY(types.INT())),
		col("r", types.ROW(types.FIELD("x", types.BIGINT()), types.FIELD("y", types.STRING()))),
		col("m", types.MAP(types.STRING(), types.BIGINT())),
	}
	fill := func(b *array.RecordBuilder) {
		b.Field(0).(*array.Int32Builder).AppendValues([]int32{1, 0}, []bool{true, false})
		b.Field(1).(*array.LargeStringBuilder).AppendValues([]string{"ann", ""}, []bool{true, false})
		require.NoError(t, b.Field(2).(*array.BinaryDictionaryBuilder).AppendString("red"))
		b.Field(2).AppendNull()
		b.Field(3).(*array.BinaryBuilder).AppendValues([][]byte{[]byte("héllo"), nil}, []bool{true, false})
		b.Field(4).(*array.FixedSizeBinaryBuilder).AppendValues([][]byte{{1, 2}, nil}, []bool{true, false})
		// 1969-12-31 23:59:59.999999999 truncates toward the past.
		b.Field(5).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{-1, 0}, []bool{true, false})
		b.Field(6).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{1_706_696_130_123_456, 0}, []bool{true, false})
		b.Field(7).(*array.Time64Builder).AppendValues([]arrow.Time64{36_930_123_456, 0}, []bool{true, false})
		b.Field(8).(*array.Float32Builder).AppendValues([]float32{1.5, 0}, []bool{true, false})
		b.Field(9).(*array.Decimal128Builder).AppendValues([]decimal128.Num{decimal128.FromI64(-12345), {}}, []bool{true, false})
		b.Field(10).(*array.Int8Builder).AppendValues([]int8{-128, 0}, []bool{true, false})
		lb := b.Field(11).(*array.LargeListBuilder)
		lb.Append(true)
		lb.ValueBuilder().(*array.Int16Builder).AppendValues([]int16{7, 0}, []bool{true, false})
		lb.AppendNull()
		sb := b.Field(12).(*array.StructBuilder)
		sb.Append(true)
		sb.FieldBuilder(0).(*array.StringBuilder).Append("why")
		sb.FieldBuilder(1).(*array.BooleanBuilder).Append(true)
		sb.FieldBuilder(2).(*array.Int32Builder).Append(42)
		sb.AppendNull()
		mb := b.Field(13).(*array.MapBuilder)
		mb.Append(true)
		mb.KeyBuilder().(*array.StringBuilder).AppendValues([]string{"k1", "k2"}, nil)
		mb.ItemBuilder().(*array.Int32Builder).AppendValues([]int32{1, 0}, []bool{true, false})
		mb.AppendNull()
		b.Field(14).(*array.Float64Builder).AppendValues([]float64{9, 9}, nil)
	}
	want := []string{
		"+I[1, ann, red, héllo, [1, 2], 1969-12-31T23:59:59.999, 2024-01-31T10:15:30.123Z, 10:15:30.123, 1.5, -123.4500, -128, [7, null], +I[42, why], {k1=1, k2=null}]",
		"+I[null, null, null, null, null, null, null, null, null, null, null, null, null, null]",
	}
	for _, store := range []bool{true, false} {
		name := "without the Arrow schema"
		if store {
			name = "with the Arrow schema"
		}
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			writeParquet(t, filepath.Join(dir, "foreign.parquet"), arrow.NewSchema(fields, nil), store, fill)
			src, err := Factory{}.NewSource(tableContext(cols, map[string]string{"path": dir, "format": "parquet"}))
			require.NoError(t, err)
			rows, schemas, _, err := runSource(t, src, 1, checkedMem(t))
			require.NoError(t, err)
			assert.Equal(t, want, rows[0])
			for _, sc := range schemas {
				for i, c := range cols {
					assert.Equal(t, c.Type.Arrow().String(), sc.Field(i).Type.String(), "column %s", c.Name)
					assert.Truef(t, arrow.TypeEqual(c.Type.Arrow(), sc.Field(i).Type), "column %s", c.Name)
					assert.Equal(t, c.Name, sc.Field(i).Name)
				}
			}
		})
	}
}

func TestParquetErrorsNameFileAndColumn(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "data.parquet")
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "big", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "d", Type: &arrow.Decimal128Type{Precision: 10, Scale: 4}, Nullable: true},
		{Name: "r", Type: arrow.StructOf(arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Int32, Nullable: true}), Nullable: true},
		{Name: "n", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	}, nil)
	writeParquet(t, path, schema, true, func(b *array.RecordBuilder) {
		b.Field(0).(*array.StringBuilder).Append("x")
		b.Field(1).(*array.Int64Builder).Append(1)
		b.Field(2).(*array.Decimal128Builder).Append(decimal128.FromI64(123456))
		b.Field(3).(*array.StructBuilder).Append(true)
		b.Field(3).(*array.StructBuilder).FieldBuilder(0).(*array.Int32Builder).Append(1)
		b.Field(4).AppendNull()
	})
	notParquet := filepath.Join(t.TempDir(), "x.parquet")
	writeFile(t, notParquet, "not parquet at all")

	tests := []struct {
		name string
		path string
		cols []connector.Column
		want string
	}{
		{"missing column", path, []connector.Column{col("nope", types.INT())},
			"filesystem: " + path + ": no column 'nope' in the file; it has columns s, big, d, r, n"},
		{"incompatible type", path, []connector.Column{col("s", types.INT())},
			"filesystem: " + path + ": column s: the file's utf8 cannot be read as INT: no conversion from utf8 to int32"},
		{"narrowing integer", path, []connector.Column{col("big", types.INT())},
			"filesystem: " + path + ": column big: the file's int64 cannot be read as INT: no conversion from int64 to int32"},
		{"decimal digits lost", path, []connector.Column{col("d", types.DECIMAL(10, 2))},
			"filesystem: " + path + ": column d: the file's decimal(10, 4) cannot be read as DECIMAL(10, 2): decimal(10, 4) has more fraction digits than decimal(10, 2)"},
		{"decimal value too wide", path, []connector.Column{col("d", types.DECIMAL(5, 4))},
			"filesystem: " + path + ": column d: value 12.3456 does not fit decimal(5, 4)"},
		{"nested field missing", path, []connector.Column{col("r", types.ROW(types.FIELD("b", types.INT())))},
			"filesystem: " + path + ": column r: the file's struct<a: int32 nullable> cannot be read as ROW<`b` INT>: no field b in struct<a: int32 nullable>"},
		{"NULL in a NOT NULL column", path, []connector.Column{col("n", types.INT().NotNullable())},
			"filesystem: " + path + ": column n is NOT NULL but the file holds NULLs in it"},
		{"not a parquet file", notParquet, []connector.Column{col("s", types.STRING())},
			"filesystem: " + notParquet + ": not a readable parquet file: "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src, err := Factory{}.NewSource(tableContext(tc.cols, map[string]string{"path": tc.path, "format": "parquet"}))
			require.NoError(t, err)
			_, _, _, err = runSource(t, src, 1, checkedMem(t))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestParquetEmptyFile(t *testing.T) {
	dir := t.TempDir()
	schema := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int32, Nullable: true}, {Name: "name", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	writeParquet(t, filepath.Join(dir, "empty.parquet"), schema, false, func(*array.RecordBuilder) {})
	assert.Empty(t, readAll(t, dir, 1, map[string]string{"format": "parquet"}))
}

// Slots below a NULL struct may hold any value in Arrow. pqarrow (v18.8)
// writes a DECIMAL leaf with such values but no NULL of its own densely,
// shifting the rows after the NULL, and refuses a list with elements
// there; the sink rewrites such columns first (canonical.go).
func TestParquetDecimalBelowNullStruct(t *testing.T) {
	mem := checkedMem(t)
	cols := []connector.Column{col("r", types.ROW(types.FIELD("x", types.DECIMAL(5, 1)), types.FIELD("y", types.ARRAY(types.ROW(types.FIELD("z", types.DECIMAL(3, 0)))))))}
	rt := cols[0].Type.Arrow().(*arrow.StructType)
	xb := array.NewDecimal128Builder(mem, rt.Field(0).Type.(*arrow.Decimal128Type))
	defer xb.Release()
	for i := range 4 {
		xb.Append(decimal128.FromI64(int64(i + 1))) // no NULL of its own
	}
	x := xb.NewArray()
	defer x.Release()
	yb := array.NewBuilder(mem, rt.Field(1).Type).(*array.ListBuilder)
	defer yb.Release()
	zb := yb.ValueBuilder().(*array.StructBuilder)
	for i := range 4 {
		yb.Append(true)
		zb.Append(true)
		zb.FieldBuilder(0).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(10 * (i + 1))))
	}
	y := yb.NewArray()
	defer y.Release()
	valid := memory.NewBufferBytes([]byte{0b1101}) // row 1 is NULL
	rd := array.NewData(rt, 4, []*memory.Buffer{valid}, []arrow.ArrayData{x.Data(), y.Data()}, 1, 0)
	r := array.MakeFromData(rd)
	rd.Release()
	defer r.Release()
	sliced := array.NewSlice(r, 1, 4) // and an offset
	defer sliced.Release()

	for _, tc := range []struct {
		name string
		arr  arrow.Array
		want []string
	}{
		{"whole", r, []string{"+I[+I[0.1, [+I[10]]]]", "+I[null]", "+I[+I[0.3, [+I[30]]]]", "+I[+I[0.4, [+I[40]]]]"}},
		{"sliced", sliced, []string{"+I[null]", "+I[+I[0.3, [+I[30]]]]", "+I[+I[0.4, [+I[40]]]]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			snk, err := Factory{}.NewSink(tableContext(cols, map[string]string{"path": dir, "format": "parquet"}))
			require.NoError(t, err)
			s := snk.Instance(0, 1)
			ctx := context.Background()
			require.NoError(t, s.Open(ctx, &engine.RuntimeContext{Parallelism: 1, Mem: mem}))
			schema := arrow.NewSchema([]arrow.Field{{Name: "r", Type: rt, Nullable: true}}, nil)
			b := vectorized.NewBatch(array.NewRecordBatch(schema, []arrow.Array{tc.arr}, int64(tc.arr.Len())))
			require.NoError(t, s.Write(ctx, b))
			b.Release()
			require.NoError(t, s.Finish(ctx))
			require.NoError(t, s.Close())

			src, err := Factory{}.NewSource(tableContext(cols, map[string]string{"path": dir, "format": "parquet"}))
			require.NoError(t, err)
			rows, _, _, err := runSource(t, src, 1, mem)
			require.NoError(t, err)
			assert.Equal(t, tc.want, rows[0])
		})
	}
}

// A NULL list slot may cover elements in Arrow; pqarrow refuses it, so
// the sink rewrites the column.
func TestParquetNullListWithElements(t *testing.T) {
	mem := checkedMem(t)
	cols := []connector.Column{col("l", types.ARRAY(types.INT()))}
	lt := cols[0].Type.Arrow()
	eb := array.NewInt32Builder(mem)
	defer eb.Release()
	eb.AppendValues([]int32{1, 2, 3}, nil)
	elems := eb.NewArray()
	defer elems.Release()
	offsets := memory.NewBufferBytes(arrow.Int32Traits.CastToBytes([]int32{0, 1, 2, 3}))
	valid := memory.NewBufferBytes([]byte{0b101})
	ld := array.NewData(lt, 3, []*memory.Buffer{valid, offsets}, []arrow.ArrayData{elems.Data()}, 1, 0)
	l := array.MakeFromData(ld)
	ld.Release()
	defer l.Release()

	dir := t.TempDir()
	snk, err := Factory{}.NewSink(tableContext(cols, map[string]string{"path": dir, "format": "parquet"}))
	require.NoError(t, err)
	s := snk.Instance(0, 1)
	ctx := context.Background()
	require.NoError(t, s.Open(ctx, &engine.RuntimeContext{Parallelism: 1, Mem: mem}))
	b := vectorized.NewBatch(array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "l", Type: lt, Nullable: true}}, nil), []arrow.Array{l}, 3))
	require.NoError(t, s.Write(ctx, b))
	b.Release()
	require.NoError(t, s.Finish(ctx))
	require.NoError(t, s.Close())
	src, err := Factory{}.NewSource(tableContext(cols, map[string]string{"path": dir, "format": "parquet"}))
	require.NoError(t, err)
	rows, _, _, err := runSource(t, src, 1, mem)
	require.NoError(t, err)
	assert.Equal(t, []string{"+I[[1]]", "+I[null]", "+I[[3]]"}, rows[0])
}
