package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/vectorized"
)

// UDFConfig says how much `bench udf` measures.
type UDFConfig struct {
	Rows       int   // rows per measurement (10M by default)
	BatchSizes []int // batch sizes to sweep
	Seed       uint64
	// Repeat is how many times each engine run and its baseline run, one
	// after the other; the fastest of each counts, which keeps a noisy
	// machine from favouring either side.
	Repeat int
}

// DefaultUDFConfig is what `sluice bench udf` runs.
func DefaultUDFConfig() UDFConfig {
	return UDFConfig{Rows: 10_000_000, BatchSizes: []int{1_000, 10_000, 100_000}, Seed: 42, Repeat: 3}
}

// Measurement is one case at one batch size, with its baseline measured in
// the same process and run.
type Measurement struct {
	Case       string  `json:"case"`
	Path       string  `json:"path"` // native, row, pandas or arrow
	BatchSize  int     `json:"batch_size"`
	Rows       int     `json:"rows"`
	Seconds    float64 `json:"seconds"`
	RowsPerSec float64 `json:"rows_per_sec"`

	Baseline           string  `json:"baseline,omitempty"`
	BaselineSeconds    float64 `json:"baseline_seconds,omitempty"`
	BaselineRowsPerSec float64 `json:"baseline_rows_per_sec,omitempty"`
	// Ratio is the engine's rows/s over the baseline's: 1.0 means no cost
	// beyond the Python work itself.
	Ratio float64 `json:"ratio,omitempty"`
	// OverheadMicros is (engine - baseline) time per batch, for the
	// identity pandas UDF whose own work is nil.
	OverheadMicros float64 `json:"overhead_us_per_batch,omitempty"`
}

// UDFReport is the whole run.
type UDFReport struct {
	Python       string        `json:"python"`
	Rows         int           `json:"rows"`
	Measurements []Measurement `json:"measurements"`
}

// udfData is the generated input: the same rows serve every case.
type udfData struct {
	rec arrow.RecordBatch // x BIGINT, ip STRING, a DOUBLE, b DOUBLE, v DOUBLE
}

const (
	colX = iota
	colIP
	colA
	colB
	colV
)

// provincePrefixes maps the first two octets of an IPv4 address to a
// province; the benchmark's UDF looks them up in a Python dict.
var provinces = []string{"Beijing", "Tianjin", "Hebei", "Shanxi", "Inner Mongolia", "Liaoning", "Jilin",
	"Heilongjiang", "Shanghai", "Jiangsu", "Zhejiang", "Anhui", "Fujian", "Jiangxi", "Shandong", "Henan",
	"Hubei", "Hunan", "Guangdong", "Guangxi", "Hainan", "Chongqing", "Sichuan", "Guizhou", "Yunnan",
	"Tibet", "Shaanxi", "Gansu", "Qinghai", "Ningxia", "Xinjiang"}

// UDFPython is the Python side of the benchmark: the UDFs, with the same
// functions serving the engine and the baselines.
func udfPython() string {
	var sb strings.Builder
	sb.WriteString("import numpy as np\nfrom scipy.stats import norm\n\nPREFIXES = {\n")
	for i, p := range provinces {
		for j := 0; j < 8; j++ {
			fmt.Fprintf(&sb, "    %q: %q,\n", fmt.Sprintf("%d.%d", 1+i, j*16), p)
		}
	}
	sb.WriteString(`}

def plus_one(x):
    return x + 1

def ip_to_province(ip):
    a, b, _ = ip.split(".", 2)
    return PREFIXES.get(a + "." + b, "unknown")

def add(a, b):
    return a + b

def cdf(v):
    return norm.cdf(v)

def identity(v):
    return v
`)
	return sb.String()
}

func generate(mem memory.Allocator, rows int, seed uint64) *udfData {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	xb := array.NewInt64Builder(mem)
	ib := array.NewStringBuilder(mem)
	ab := array.NewFloat64Builder(mem)
	bb := array.NewFloat64Builder(mem)
	vb := array.NewFloat64Builder(mem)
	xb.Reserve(rows)
	ib.Reserve(rows)
	ib.ReserveData(rows * 14)
	ab.Reserve(rows)
	bb.Reserve(rows)
	vb.Reserve(rows)
	var ip []byte
	for i := 0; i < rows; i++ {
		xb.UnsafeAppend(r.Int64N(1 << 40))
		ip = ip[:0]
		if r.IntN(20) == 0 { // an address outside the table
			ip = strconv.AppendInt(ip, int64(200+r.IntN(50)), 10)
		} else {
			ip = strconv.AppendInt(ip, int64(1+r.IntN(len(provinces))), 10)
		}
		ip = append(ip, '.')
		ip = strconv.AppendInt(ip, int64(r.IntN(8)*16), 10)
		for k := 0; k < 2; k++ {
			ip = append(ip, '.')
			ip = strconv.AppendInt(ip, int64(r.IntN(256)), 10)
		}
		ib.BinaryBuilder.Append(ip)
		ab.UnsafeAppend(r.Float64() * 1000)
		bb.UnsafeAppend(r.Float64() * 1000)
		vb.UnsafeAppend(r.NormFloat64())
	}
	cols := []arrow.Array{xb.NewArray(), ib.NewArray(), ab.NewArray(), bb.NewArray(), vb.NewArray()}
	for _, b := range []array.Builder{xb, ib, ab, bb, vb} {
		b.Release()
	}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "x", Type: arrow.PrimitiveTypes.Int64},
		{Name: "ip", Type: arrow.BinaryTypes.String},
		{Name: "a", Type: arrow.PrimitiveTypes.Float64},
		{Name: "b", Type: arrow.PrimitiveTypes.Float64},
		{Name: "v", Type: arrow.PrimitiveTypes.Float64},
	}, nil)
	rec := array.NewRecordBatch(schema, cols, int64(rows))
	for _, c := range cols {
		c.Release()
	}
	return &udfData{rec: rec}
}

// batches cuts the data into zero-copy slices of size rows.
func (d *udfData) batches(size int) []*vectorized.Batch {
	n := int(d.rec.NumRows())
	out := make([]*vectorized.Batch, 0, (n+size-1)/size)
	for off := 0; off < n; off += size {
		out = append(out, vectorized.NewBatch(d.rec.NewSlice(int64(off), int64(min(off+size, n)))))
	}
	return out
}

func releaseBatches(bs []*vectorized.Batch) {
	for _, b := range bs {
		b.Release()
	}
}

// pyFuncs loads the benchmark's Python module and returns its functions.
func pyFuncs(names ...string) ([]*cpython.Object, func(), error) {
	var out []*cpython.Object
	err := cpython.Do(func(py *cpython.GIL) error {
		mod, err := py.LoadModule("sluice_bench_udfs", "<sluice>/bench/udfs.py", udfPython())
		if err != nil {
			return err
		}
		defer py.DecRef(mod)
		for _, n := range names {
			f, err := py.GetAttr(mod, n)
			if err != nil {
				return err
			}
			out = append(out, f)
		}
		return nil
	})
	release := func() {
		_ = cpython.Do(func(py *cpython.GIL) error {
			for _, f := range out {
				py.DecRef(f)
			}
			return nil
		})
	}
	return out, release, err
}

// timeEvaluator runs ev over every batch and returns the wall time,
// including export, the Python calls, import and release of the results.
func timeEvaluator(ctx context.Context, ev vectorized.FunctionEvaluator, bs []*vectorized.Batch) (time.Duration, error) {
	start := time.Now()
	for _, b := range bs {
		out, err := ev.Evaluate(ctx, b)
		if err != nil {
			return 0, err
		}
		for _, a := range out {
			a.Release()
		}
	}
	return time.Since(start), nil
}

// timeNativePlusOne is the Go-native expression x + 1 through arrow-go's
// compute kernels.
func timeNativePlusOne(ctx context.Context, bs []*vectorized.Batch) (time.Duration, error) {
	one := compute.NewDatum(int64(1))
	defer one.Release()
	opts := compute.ArithmeticOptions{NoCheckOverflow: true}
	start := time.Now()
	for _, b := range bs {
		res, err := compute.Add(ctx, opts, compute.NewDatumWithoutOwning(b.Record.Column(colX)), one)
		if err != nil {
			return 0, err
		}
		res.Release()
	}
	return time.Since(start), nil
}

func timeFloor(fn *cpython.Object, bs []*vectorized.Batch, col int) (time.Duration, error) {
	start := time.Now()
	for _, b := range bs {
		if err := cpython.CallFloor(fn, b.Record.Column(col)); err != nil {
			return 0, err
		}
	}
	return time.Since(start), nil
}

// fastest runs f n times and keeps the shortest time.
func fastest(n int, f func() (time.Duration, error)) (time.Duration, error) {
	best := time.Duration(0)
	for i := 0; i < max(n, 1); i++ {
		d, err := f()
		if err != nil {
			return 0, err
		}
		if best == 0 || d < best {
			best = d
		}
	}
	return best, nil
}

// interleaved alternates the engine and its baseline n times and keeps the
// fastest run of each.
func interleaved(n int, engine, baseline func() (time.Duration, error)) (time.Duration, time.Duration, error) {
	var be, bb time.Duration
	for i := 0; i < max(n, 1); i++ {
		e, err := fastest(1, engine)
		if err != nil {
			return 0, 0, err
		}
		b, err := fastest(1, baseline)
		if err != nil {
			return 0, 0, err
		}
		if be == 0 || e < be {
			be = e
		}
		if bb == 0 || b < bb {
			bb = b
		}
	}
	return be, bb, nil
}

func measurement(name, path string, size, rows int, d time.Duration) Measurement {
	return Measurement{Case: name, Path: path, BatchSize: size, Rows: rows, Seconds: d.Seconds(),
		RowsPerSec: float64(rows) / d.Seconds()}
}

func (m *Measurement) against(name string, d time.Duration) {
	m.Baseline = name
	m.BaselineSeconds = d.Seconds()
	m.BaselineRowsPerSec = float64(m.Rows) / d.Seconds()
	m.Ratio = m.RowsPerSec / m.BaselineRowsPerSec
}

// RunUDF measures every case at every batch size. progress, if not nil,
// receives a line per finished measurement.
func RunUDF(ctx context.Context, cfg UDFConfig, progress io.Writer) (*UDFReport, error) {
	if err := cpython.Initialize(); err != nil {
		return nil, err
	}
	fns, release, err := pyFuncs("plus_one", "ip_to_province", "add", "cdf", "identity")
	if err != nil {
		return nil, err
	}
	defer release()
	plusOne, ipToProvince := fns[0], fns[1]

	data := generate(memory.DefaultAllocator, cfg.Rows, cfg.Seed)
	defer data.rec.Release()
	report := &UDFReport{Rows: cfg.Rows, Python: pythonVersion()}
	emit := func(m Measurement) {
		report.Measurements = append(report.Measurements, m)
		if progress != nil {
			fmt.Fprintf(progress, "  %-34s batch %7d  %12.0f rows/s", m.Case, m.BatchSize, m.RowsPerSec)
			if m.Baseline != "" {
				fmt.Fprintf(progress, "  ratio %.2f", m.Ratio)
			}
			fmt.Fprintln(progress)
		}
	}

	for _, size := range cfg.BatchSizes {
		bs := data.batches(size)
		// Native.
		d, err := fastest(cfg.Repeat, func() (time.Duration, error) { return timeNativePlusOne(ctx, bs) })
		if err != nil {
			releaseBatches(bs)
			return nil, err
		}
		emit(measurement("native x + 1 (BIGINT)", "native", size, cfg.Rows, d))

		// Row UDFs against the call floor.
		for _, rc := range []struct {
			name string
			fn   *cpython.Object
			col  int
			res  arrow.DataType
		}{
			{"row x + 1 (BIGINT)", plusOne, colX, arrow.PrimitiveTypes.Int64},
			{"row ip_to_province (STRING)", ipToProvince, colIP, arrow.BinaryTypes.String},
		} {
			ev, err := cpython.NewRowEvaluator([]cpython.RowUDF{{Name: rc.name, Func: rc.fn, Args: []int{rc.col}, Result: rc.res}})
			if err != nil {
				releaseBatches(bs)
				return nil, err
			}
			d, floor, err := interleaved(cfg.Repeat,
				func() (time.Duration, error) { return timeEvaluator(ctx, ev, bs) },
				func() (time.Duration, error) { return timeFloor(rc.fn, bs, rc.col) })
			ev.Close()
			if err != nil {
				releaseBatches(bs)
				return nil, err
			}
			m := measurement(rc.name, "row", size, cfg.Rows, d)
			m.against("C call loop (floor)", floor)
			emit(m)
		}

		if err := runPandasCases(ctx, fns[2:], bs, cfg, size, emit); err != nil {
			releaseBatches(bs)
			return nil, err
		}
		if err := runArrowCases(ctx, bs, cfg, size, emit); err != nil {
			releaseBatches(bs)
			return nil, err
		}
		if err := runUDAFCases(ctx, plusOne, bs, cfg, size, emit); err != nil {
			releaseBatches(bs)
			return nil, err
		}
		if err := runPandasUDAFCases(ctx, bs, data, cfg, size, emit); err != nil {
			releaseBatches(bs)
			return nil, err
		}
		if err := runAsyncCases(ctx, bs, cfg, size, emit); err != nil {
			releaseBatches(bs)
			return nil, err
		}
		if err := runDataStreamCases(ctx, cfg, size, emit); err != nil {
			releaseBatches(bs)
			return nil, err
		}
		releaseBatches(bs)
	}
	return report, nil
}

func pythonVersion() string {
	var v string
	_ = cpython.Do(func(py *cpython.GIL) error {
		sys, err := py.Import("sys")
		if err != nil {
			return err
		}
		defer py.DecRef(sys)
		ver, err := py.GetAttr(sys, "version")
		if err != nil {
			return err
		}
		defer py.DecRef(ver)
		v, err = py.AsString(ver)
		return err
	})
	if i := strings.IndexByte(v, ' '); i > 0 {
		v = v[:i]
	}
	return v
}

// WriteTable prints the report for people.
func (r *UDFReport) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "Python UDF benchmark: %d rows per measurement, Python %s\n\n", r.Rows, r.Python)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "case\tbatch\trows/s\tbaseline\tbaseline rows/s\tratio\toverhead µs/batch\t")
	for _, m := range r.Measurements {
		base, bps, ratio, over := "-", "-", "-", "-"
		if m.Baseline != "" {
			base = m.Baseline
			bps = humanRate(m.BaselineRowsPerSec)
			ratio = fmt.Sprintf("%.2f", m.Ratio)
		}
		if m.OverheadMicros != 0 {
			over = fmt.Sprintf("%.1f", m.OverheadMicros)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t\n", m.Case, m.BatchSize, humanRate(m.RowsPerSec), base, bps, ratio, over)
	}
	return tw.Flush()
}

// WriteJSON prints the same figures as JSON.
func (r *UDFReport) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func humanRate(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.1fk", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}
