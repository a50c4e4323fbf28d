package expr

import (
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-stream/sluice/vectorized"
)

const benchRows = 1 << 20

// benchBatch builds a 1M-row batch: BIGINT (10% NULL), DOUBLE, two
// BOOLEANs, and a STRING of decimal numbers.
func benchBatch(b *testing.B) arrow.RecordBatch {
	benchOnce.Do(func() { benchRec = buildBenchBatch() })
	benchRec.Retain()
	return benchRec
}

var (
	benchOnce sync.Once
	benchRec  arrow.RecordBatch
)

func buildBenchBatch() arrow.RecordBatch {
	mem := memory.DefaultAllocator
	ib := array.NewInt64Builder(mem)
	fb := array.NewFloat64Builder(mem)
	b1 := array.NewBooleanBuilder(mem)
	b2 := array.NewBooleanBuilder(mem)
	sb := array.NewStringBuilder(mem)
	for i := 0; i < benchRows; i++ {
		if i%10 == 0 {
			ib.AppendNull()
		} else {
			ib.Append(int64(i*7919) % 1000)
		}
		fb.Append(float64(i%1000) / 7)
		b1.Append(i%3 == 0)
		if i%5 == 0 {
			b2.AppendNull()
		} else {
			b2.Append(i%2 == 0)
		}
		sb.Append(strconv.Itoa(i % 100000))
	}
	cols := []arrow.Array{ib.NewArray(), fb.NewArray(), b1.NewArray(), b2.NewArray(), sb.NewArray()}
	fields := []arrow.Field{{Name: "i", Type: tInt64}, {Name: "d", Type: tFloat64}, {Name: "b1", Type: tBool},
		{Name: "b2", Type: tBool}, {Name: "s", Type: tString}}
	return array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, benchRows)
}

func runBench(b *testing.B, e vectorized.Expr, rec arrow.RecordBatch) {
	ec := testCtx()
	ec.Mem = memory.DefaultAllocator
	b.ReportAllocs()
	runtime.GC()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		arr, err := e.Eval(ec, rec)
		if err != nil {
			b.Fatal(err)
		}
		arr.Release()
	}
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

func benchCall(b *testing.B, name string, args ...vectorized.Expr) vectorized.Expr {
	e, err := Call(name, args...)
	if err != nil {
		b.Fatal(err)
	}
	return e
}

func benchLit(b *testing.B, v any, dt arrow.DataType) vectorized.Expr {
	e, err := Literal(v, dt)
	if err != nil {
		b.Fatal(err)
	}
	return e
}

func BenchmarkBigintPlusLiteral(b *testing.B) {
	rec := benchBatch(b)
	defer rec.Release()
	e := benchCall(b, "+", vectorized.Col(0, tInt64, "i"), benchLit(b, int64(42), tInt64))
	runBench(b, e, rec)
}

func BenchmarkDoubleComparison(b *testing.B) {
	rec := benchBatch(b)
	defer rec.Release()
	e := benchCall(b, "<", vectorized.Col(1, tFloat64, "d"), benchLit(b, 70.5, tFloat64))
	runBench(b, e, rec)
}

func BenchmarkAndOfBooleanColumns(b *testing.B) {
	rec := benchBatch(b)
	defer rec.Release()
	e := benchCall(b, "AND", vectorized.Col(2, tBool, "b1"), vectorized.Col(3, tBool, "b2"))
	runBench(b, e, rec)
}

func BenchmarkLikePrefix(b *testing.B) {
	rec := benchBatch(b)
	defer rec.Release()
	e := benchCall(b, "LIKE", vectorized.Col(4, tString, "s"), benchLit(b, "12%", tString))
	runBench(b, e, rec)
}

func BenchmarkCaseTwoBranches(b *testing.B) {
	rec := benchBatch(b)
	defer rec.Release()
	i := vectorized.Col(0, tInt64, "i")
	e := benchCall(b, "CASE",
		benchCall(b, ">", i, benchLit(b, int64(500), tInt64)), benchCall(b, "*", i, benchLit(b, int64(2), tInt64)),
		benchCall(b, "+", i, benchLit(b, int64(1), tInt64)))
	runBench(b, e, rec)
}

func BenchmarkCastStringToInt(b *testing.B) {
	rec := benchBatch(b)
	defer rec.Release()
	e, err := Cast(vectorized.Col(4, tString, "s"), tInt32, false)
	if err != nil {
		b.Fatal(err)
	}
	runBench(b, e, rec)
}

// BenchmarkCaseLazyDivision measures the filtered path: the ELSE branch can
// fail, so it only runs on the rows that reach it.
func BenchmarkCaseLazyDivision(b *testing.B) {
	rec := benchBatch(b)
	defer rec.Release()
	i := vectorized.Col(0, tInt64, "i")
	zero := benchLit(b, int64(0), tInt64)
	e := benchCall(b, "CASE", benchCall(b, "=", i, zero), zero, benchCall(b, "/", benchLit(b, int64(1000), tInt64), i))
	runBench(b, e, rec)
}

func Example() {
	rec := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int32}}, nil), nil, 0)
	defer rec.Release()
	x := vectorized.Col(0, arrow.PrimitiveTypes.Int32, "x")
	ten, _ := Literal(int64(10), arrow.PrimitiveTypes.Int32)
	zero, _ := Literal(int64(0), arrow.PrimitiveTypes.Int32)
	isZero, _ := Call("=", x, zero)
	div, _ := Call("/", ten, x)
	e, _ := Call("CASE", isZero, zero, div)
	fmt.Println(e, SQLTypeName(e.DataType()))
	// Output: CASE WHEN (x = 0) THEN 0 ELSE (10 / x) END INT
}

// BenchmarkCDNDownloadSpeed is the CDN job's projection after its
// aggregate: CAST(x * 1.0 / y AS DOUBLE) over BIGINT sums, with DECIMAL
// arithmetic in between (the planner's types: DECIMAL(19,0) * DECIMAL(2,1)
// / DECIMAL(19,0) → DECIMAL(38,18)).
func BenchmarkCDNDownloadSpeed(b *testing.B) {
	rec := benchBatch(b)
	defer rec.Release()
	one, err := Cast(benchLit(b, "1.0", tString), DecimalType(2, 1), false)
	if err != nil {
		b.Fatal(err)
	}
	x := benchCall(b, "*", vectorized.Col(0, tInt64, "i"), benchLit(b, int64(1000003), tInt64))
	y := benchCall(b, "+", vectorized.Col(0, tInt64, "i"), benchLit(b, int64(1), tInt64))
	speed := benchCall(b, "/", benchCall(b, "*", x, one), y)
	e, err := Cast(speed, tFloat64, false)
	if err != nil {
		b.Fatal(err)
	}
	runBench(b, e, rec)
}

// BenchmarkDecimalToDouble casts a DECIMAL(38,18) column to DOUBLE.
func BenchmarkDecimalToDouble(b *testing.B) {
	rec := benchBatch(b)
	defer rec.Release()
	d, err := Cast(vectorized.Col(1, tFloat64, "d"), DecimalType(38, 18), false)
	if err != nil {
		b.Fatal(err)
	}
	arr, err := d.Eval(testCtx(), rec)
	if err != nil {
		b.Fatal(err)
	}
	decs := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "x", Type: DecimalType(38, 18)}}, nil), []arrow.Array{arr}, benchRows)
	arr.Release()
	defer decs.Release()
	e, err := Cast(vectorized.Col(0, DecimalType(38, 18), "x"), tFloat64, false)
	if err != nil {
		b.Fatal(err)
	}
	runBench(b, e, decs)
}

// BenchmarkConcat is CONCAT(s, '-', s) over a STRING column.
func BenchmarkConcat(b *testing.B) {
	rec := benchBatch(b)
	defer rec.Release()
	s := vectorized.Col(4, tString, "s")
	runBench(b, benchCall(b, "CONCAT", s, benchLit(b, "-", tString), s), rec)
}
