// Command udfdemo runs the CDN job's Python UDFs over generated access logs
// and prints per-province statistics: the row UDF ip_to_province and a
// pandas UDF, on the embedded runtime. Until the engine and the Table API
// exist (issues 3 and 4), the grouping is done here in Go, and checked
// against a plain Go recomputation of the same rows.
package main

import (
	"context"
	_ "embed"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/pandas_udf"
	"github.com/sluice-stream/sluice/vectorized"
)

//go:embed cdn_udf.py
var udfSource string

var provinces = []string{"Beijing", "Tianjin", "Hebei", "Shanxi", "Inner Mongolia", "Liaoning", "Jilin",
	"Heilongjiang", "Shanghai", "Jiangsu", "Zhejiang", "Anhui", "Fujian", "Jiangxi", "Shandong", "Henan",
	"Hubei", "Hunan", "Guangdong", "Guangxi", "Hainan", "Chongqing", "Sichuan", "Guizhou", "Yunnan",
	"Tibet", "Shaanxi", "Gansu", "Qinghai", "Ningxia", "Xinjiang"}

const (
	rows      = 500_000
	batchSize = 10_000
)

type stats struct {
	count, bytes, millis int64
	maxSpeed             float64
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "udfdemo:", err)
		os.Exit(1)
	}
}

// prefixOf is the IP table the demo ships: octets "i.j" belong to province
// (i*7+j) mod len(provinces); 1 in 20 addresses falls outside it.
func prefixOf(a, b int) (string, bool) {
	if a > 100 {
		return "unknown", false
	}
	return provinces[(a*7+b)%len(provinces)], true
}

func run() error {
	if err := cpython.Initialize(); err != nil {
		return err
	}
	var ipFn, speedFn *cpython.Object
	err := cpython.Do(func(py *cpython.GIL) error {
		mod, err := py.LoadModule("cdn_udf", "examples/udfdemo/cdn_udf.py", udfSource)
		if err != nil {
			return err
		}
		defer py.DecRef(mod)
		var entries []*cpython.Object
		for a := 1; a <= 100; a++ {
			for b := 0; b < 16; b++ {
				p, _ := prefixOf(a, b)
				k, v := py.Str(fmt.Sprintf("%d.%d", a, b)), py.Str(p)
				entries = append(entries, py.Tuple(k, v))
				py.DecRef(k)
				py.DecRef(v)
			}
		}
		table := py.List(entries...)
		for _, e := range entries {
			py.DecRef(e)
		}
		defer py.DecRef(table)
		load, err := py.GetAttr(mod, "load_table")
		if err != nil {
			return err
		}
		defer py.DecRef(load)
		r, err := py.Call(load, table)
		if err != nil {
			return err
		}
		py.DecRef(r)
		if ipFn, err = py.GetAttr(mod, "ip_to_province"); err != nil {
			return err
		}
		speedFn, err = py.GetAttr(mod, "request_speed")
		return err
	})
	if err != nil {
		return err
	}

	rowEval, err := cpython.NewRowEvaluator([]cpython.RowUDF{
		{Name: "ip_to_province", Func: ipFn, Args: []int{1}, Result: arrow.BinaryTypes.String}})
	if err != nil {
		return err
	}
	defer rowEval.Close()
	pandasEval, err := pandas_udf.NewEvaluator([]pandas_udf.UDF{
		{Name: "request_speed", Func: speedFn, Args: []int{3, 4}, Result: arrow.PrimitiveTypes.Float64}})
	if err != nil {
		return err
	}
	defer pandasEval.Close()

	ctx := context.Background()
	rng := rand.New(rand.NewPCG(7, 11))
	got := map[string]*stats{}
	want := map[string]*stats{}
	start := time.Now()
	for done := 0; done < rows; done += batchSize {
		rec, truth := logBatch(rng, batchSize)
		b := vectorized.NewBatch(rec)
		prov, err := rowEval.Evaluate(ctx, b)
		if err != nil {
			return err
		}
		speed, err := pandasEval.Evaluate(ctx, b)
		if err != nil {
			return err
		}
		ps, sp := prov[0].(*array.String), speed[0].(*array.Float64)
		size, secs := rec.Column(3).(*array.Int64), rec.Column(4).(*array.Int64)
		for i := 0; i < int(rec.NumRows()); i++ {
			accumulate(got, ps.Value(i), size.Value(i), secs.Value(i), sp.Value(i), sp.IsValid(i))
			t := truth[i]
			accumulate(want, t.province, size.Value(i), secs.Value(i), t.speed, t.hasSpeed)
		}
		prov[0].Release()
		speed[0].Release()
		b.Release()
	}
	elapsed := time.Since(start)

	names := make([]string, 0, len(got))
	for p := range got {
		names = append(names, p)
	}
	sort.Slice(names, func(i, j int) bool { return got[names[i]].count > got[names[j]].count })
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "province\taccess_count\ttotal_download\tdownload_speed\tmax_request_speed\t")
	for _, p := range names {
		s := got[p]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.2f\t%.0f\t\n", p, s.count, s.bytes, float64(s.bytes)*1000/float64(s.millis), s.maxSpeed)
	}
	tw.Flush()

	for p, w := range want {
		g := got[p]
		if g == nil || g.count != w.count || g.bytes != w.bytes || g.millis != w.millis || math.Abs(g.maxSpeed-w.maxSpeed) > 1e-6*w.maxSpeed {
			return fmt.Errorf("province %s: Python UDFs gave %+v, the Go recomputation %+v", p, g, w)
		}
	}
	if len(got) != len(want) {
		return fmt.Errorf("%d provinces from the UDFs, %d from the Go recomputation", len(got), len(want))
	}
	fmt.Printf("\n%d log rows in %d-row batches through ip_to_province (row UDF) and request_speed (pandas UDF) in %v;\n"+
		"per-province totals match a plain Go recomputation.\n", rows, batchSize, elapsed.Round(time.Millisecond))
	return nil
}

func accumulate(m map[string]*stats, p string, size, millis int64, speed float64, hasSpeed bool) {
	s := m[p]
	if s == nil {
		s = &stats{}
		// p may point into an Arrow buffer that is freed with its batch.
		m[strings.Clone(p)] = s
	}
	s.count++
	s.bytes += size
	s.millis += millis
	if hasSpeed && speed > s.maxSpeed {
		s.maxSpeed = speed
	}
}

type truth struct {
	province string
	speed    float64
	hasSpeed bool
}

// logBatch generates access logs (uuid, client_ip, request_time as a
// timestamp string, response_size, request duration in ms) and what the
// UDFs should say about each row.
func logBatch(rng *rand.Rand, n int) (arrow.RecordBatch, []truth) {
	mem := memory.DefaultAllocator
	ub, ib, tb := array.NewStringBuilder(mem), array.NewStringBuilder(mem), array.NewStringBuilder(mem)
	sb, db := array.NewInt64Builder(mem), array.NewInt64Builder(mem)
	tr := make([]truth, n)
	for i := 0; i < n; i++ {
		ub.Append(fmt.Sprintf("%08x-%04x", rng.Uint32(), rng.Uint32()&0xffff))
		a, b := 1+rng.IntN(100), rng.IntN(16)
		if rng.IntN(20) == 0 {
			a = 101 + rng.IntN(100)
		}
		ib.Append(strings.Join([]string{strconv.Itoa(a), strconv.Itoa(b), strconv.Itoa(rng.IntN(256)), strconv.Itoa(rng.IntN(256))}, "."))
		tb.Append(time.Unix(1_700_000_000+int64(rng.IntN(86400)), 0).UTC().Format(time.DateTime))
		size := 1 + rng.Int64N(1<<20)
		millis := rng.Int64N(2000) // 0 ms happens: no speed for that request
		sb.Append(size)
		db.Append(millis)
		p, _ := prefixOf(a, b)
		tr[i] = truth{province: p}
		if millis > 0 {
			tr[i].speed, tr[i].hasSpeed = float64(size)/float64(millis), true
		}
	}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "uuid", Type: arrow.BinaryTypes.String},
		{Name: "client_ip", Type: arrow.BinaryTypes.String},
		{Name: "request_time", Type: arrow.BinaryTypes.String},
		{Name: "response_size", Type: arrow.PrimitiveTypes.Int64},
		{Name: "request_millis", Type: arrow.PrimitiveTypes.Int64},
	}, nil)
	cols := []arrow.Array{ub.NewArray(), ib.NewArray(), tb.NewArray(), sb.NewArray(), db.NewArray()}
	for _, b := range []array.Builder{ub, ib, tb, sb, db} {
		b.Release()
	}
	rec := array.NewRecordBatch(schema, cols, int64(n))
	for _, c := range cols {
		c.Release()
	}
	return rec, tr
}
