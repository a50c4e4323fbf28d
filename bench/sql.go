package bench

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"sort"
	"strconv"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	_ "github.com/sluice-stream/sluice/connectors/blackhole"
	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/pyfunc"
	"github.com/sluice-stream/sluice/table/types"
	"github.com/sluice-stream/sluice/vectorized"
)

// genFactory is the benchmark's source: batches generated once, before the
// clock starts, and replayed until `rows` rows were emitted, so the
// measurement is the engine's work and not data generation.
type genFactory struct{}

const genIdentifier = "sluice-bench-gen"

func init() { connector.Register(genFactory{}) }

func (genFactory) Identifier() string { return genIdentifier }
func (genFactory) Options() []connector.Option {
	return []connector.Option{{Key: "rows", Required: true}, {Key: "keys", Default: "8"}, {Key: "batch", Default: "10000"},
		{Key: "shape", Default: "kv"}}
}

func (f genFactory) NewSource(ctx *connector.Context) (*connector.Source, error) {
	rows, err := strconv.ParseInt(ctx.Options["rows"], 10, 64)
	if err != nil {
		return nil, err
	}
	keys, batch := 8, 10000
	if v, ok := ctx.Options["keys"]; ok {
		if keys, err = strconv.Atoi(v); err != nil {
			return nil, err
		}
	}
	if v, ok := ctx.Options["batch"]; ok {
		if batch, err = strconv.Atoi(v); err != nil {
			return nil, err
		}
	}
	var batches []*vectorized.Batch
	switch shape := ctx.Options["shape"]; shape {
	case "", "kv":
		batches = genBatches(keys, batch, 16)
	case "cdn":
		batches = cdnBatches(batch, 16)
	default:
		return nil, fmt.Errorf("shape %q: expected kv or cdn", shape)
	}
	return &connector.Source{Bounded: true, Mode: connector.InsertOnly, Parallelism: 1,
		Instance: func(int, int) engine.Source { return &genSource{batches: batches, rows: rows} },
		Describe: fmt.Sprintf("rows=%d, keys=%d", rows, keys)}, nil
}

// genBatches makes n batches of (k STRING, x BIGINT, v DOUBLE).
func genBatches(keys, size, n int) []*vectorized.Batch {
	r := rand.New(rand.NewPCG(1, 2))
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "k", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "x", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "v", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	}, nil)
	out := make([]*vectorized.Batch, n)
	for b := range out {
		kb := array.NewStringBuilder(memory.DefaultAllocator)
		xb := array.NewInt64Builder(memory.DefaultAllocator)
		vb := array.NewFloat64Builder(memory.DefaultAllocator)
		for i := 0; i < size; i++ {
			kb.Append("province-" + strconv.Itoa(r.IntN(keys)))
			xb.Append(r.Int64N(1 << 40))
			vb.Append(r.Float64() * 1000)
		}
		cols := []arrow.Array{kb.NewArray(), xb.NewArray(), vb.NewArray()}
		kb.Release()
		xb.Release()
		vb.Release()
		out[b] = vectorized.NewBatch(array.NewRecordBatch(schema, cols, int64(size)))
		for _, c := range cols {
			c.Release()
		}
	}
	return out
}

type genSource struct {
	batches []*vectorized.Batch
	rows    int64
}

func (s *genSource) Open(context.Context, *engine.RuntimeContext) error { return nil }
func (s *genSource) Close() error                                       { return nil }
func (s *genSource) Run(ctx context.Context, out engine.Collector) error {
	var sent int64
	for i := 0; sent < s.rows; i++ {
		b := s.batches[i%len(s.batches)]
		if left := s.rows - sent; left < b.NumRows() {
			sl := &vectorized.Batch{Record: b.Record.NewSlice(0, left)}
			err := out.Collect(ctx, sl)
			sl.Release()
			return err
		}
		if err := out.Collect(ctx, b); err != nil {
			return err
		}
		sent += b.NumRows()
	}
	return nil
}

// SQLMeasurement is one query of `sluice bench sql`.
type SQLMeasurement struct {
	Case          string  `json:"case"`
	Rows          int64   `json:"rows"`
	Seconds       float64 `json:"seconds"`
	CPUSeconds    float64 `json:"cpu_seconds"`
	RowsPerSec    float64 `json:"rows_per_sec"`
	RowsPerCPUSec float64 `json:"rows_per_cpu_sec"`
	// For the Python UDF case: the same UDF through its evaluator alone,
	// over the same batches, in this run.
	BaselineRowsPerSec float64 `json:"baseline_rows_per_sec,omitempty"`
	Ratio              float64 `json:"ratio,omitempty"`
	// For a streaming case that has a batch twin: CPU time per row in
	// streaming mode over CPU time per row in batch mode, both the median
	// of the interleaved repeats.
	StreamingOverBatch float64 `json:"streaming_over_batch,omitempty"`
}

// SQLReport is the result of RunSQL.
type SQLReport struct {
	Rows         int64            `json:"rows"`
	Measurements []SQLMeasurement `json:"measurements"`
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// sqlCase is one query of RunSQL over the generated table gen.
type sqlCase struct {
	name      string
	shape     string // the gen table's columns: "kv" or "cdn"
	query     string
	streaming bool
	// rowsDiv divides the run's row count for cases slower per row.
	rowsDiv int64
	// twin names the batch case a streaming case is compared with.
	twin string
	// config is set on the table environment before planning.
	config map[string]string
}

// miniBatch is Flink's recommended mini-batch setting for aggregations
// (the performance tuning page's example): a bundle per 5000 rows or 5 s.
var miniBatch = map[string]string{
	"table.exec.mini-batch.enabled":       "true",
	"table.exec.mini-batch.allow-latency": "5 s",
	"table.exec.mini-batch.size":          "5000",
}

// The CDN job (examples/cdn) groups log rows by the province of their
// client IP and computes a download speed with decimal arithmetic cast to
// the sink's DOUBLE. The engine form maps the IP with SQL functions (34
// keys, as the UDF's provinces) so the figure is the engine's own cost.
const (
	cdnAgg = "SELECT province, COUNT(client_ip) AS access_count, SUM(response_size) AS total_download, " +
		"CAST(SUM(response_size) * 1.0 / SUM(request_time) AS DOUBLE) AS download_speed FROM "
	cdnSQL = cdnAgg + "(SELECT CONCAT('p-', SPLIT_INDEX(client_ip, '.', 0)) AS province, client_ip, response_size, request_time FROM gen) GROUP BY province"
	cdnPy  = cdnAgg + "(SELECT ip_to_province(client_ip) AS province, client_ip, response_size, request_time FROM gen) GROUP BY province"
)

// cdnRepeats is how many times each CDN case runs, streaming and batch
// interleaved so that drift on a shared machine hits both alike.
const cdnRepeats = 3

// RunSQL measures SQL jobs through the planner and engine over rows
// generated rows: filter + projection, GROUP BY with COUNT/SUM on a
// low-cardinality key (batch mode), a calc with one Python row UDF against
// that UDF's evaluator alone, and the CDN job's query in streaming and
// batch mode (with SQL functions and with the Python UDF), with the ratio
// of their CPU time per row; the SQL functions form also streaming with
// mini-batch on (the default is off, as in Flink).
func RunSQL(ctx context.Context, rows int64, progress io.Writer) (*SQLReport, error) {
	if err := cpython.Initialize(); err != nil {
		return nil, err
	}
	fns, release, err := pyFuncs("plus_one", "ip_to_province")
	if err != nil {
		return nil, err
	}
	defer release()
	plusOne, err := pyfunc.New("plus_one", fns[0], pyfunc.Row, types.BIGINT())
	if err != nil {
		return nil, err
	}
	ipToProvince, err := pyfunc.New("ip_to_province", fns[1], pyfunc.Row, types.STRING())
	if err != nil {
		return nil, err
	}

	rep := &SQLReport{Rows: rows}
	cases := []sqlCase{
		{name: "filter + projection", query: "SELECT k, x * 2 + 1 AS y, v / 2 AS h FROM gen WHERE x % 3 <> 0 AND v > 10"},
		{name: "GROUP BY k: COUNT(*), SUM(x) (8 keys, batch)", query: "SELECT k, COUNT(*) AS n, SUM(x) AS s FROM gen GROUP BY k"},
		{name: "calc with python plus_one(x)", query: "SELECT plus_one(x) AS y FROM gen"},
	}
	var cdn []sqlCase
	for r := 0; r < cdnRepeats; r++ {
		cdn = append(cdn,
			sqlCase{name: "CDN query, SQL functions, streaming", shape: "cdn", query: cdnSQL, streaming: true, rowsDiv: 10,
				twin: "CDN query, SQL functions, batch"},
			sqlCase{name: "CDN query, SQL functions, batch", shape: "cdn", query: cdnSQL, rowsDiv: 10},
			sqlCase{name: "CDN query, SQL functions, streaming, mini-batch", shape: "cdn", query: cdnSQL, streaming: true, rowsDiv: 10,
				twin: "CDN query, SQL functions, batch", config: miniBatch},
			sqlCase{name: "CDN query, Python ip_to_province, streaming", shape: "cdn", query: cdnPy, streaming: true, rowsDiv: 25,
				twin: "CDN query, Python ip_to_province, batch"},
			sqlCase{name: "CDN query, Python ip_to_province, batch", shape: "cdn", query: cdnPy, rowsDiv: 25})
	}
	runs := map[string][]SQLMeasurement{}
	var order []string
	for _, c := range append(cases, cdn...) {
		m, err := runSQLCase(ctx, c, rows, map[string]*pyfunc.Function{"plus_one": plusOne, "ip_to_province": ipToProvince})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.name, err)
		}
		if c.name == "calc with python plus_one(x)" {
			base, err := udfAlone(ctx, fns[0], rows)
			if err != nil {
				return nil, err
			}
			m.BaselineRowsPerSec = base
			m.Ratio = m.RowsPerSec / base
		}
		if _, seen := runs[c.name]; !seen {
			order = append(order, c.name)
		}
		runs[c.name] = append(runs[c.name], m)
		if progress != nil {
			fmt.Fprintf(progress, "  %-48s %12.0f rows/s %12.0f rows/CPU-s\n", m.Case, m.RowsPerSec, m.RowsPerCPUSec)
		}
	}
	medians := map[string]SQLMeasurement{}
	for _, name := range order {
		medians[name] = medianRun(runs[name])
	}
	for _, c := range append(cases, cdn[:5]...) {
		m := medians[c.name]
		if c.twin != "" {
			m.StreamingOverBatch = medians[c.twin].RowsPerCPUSec / m.RowsPerCPUSec
		}
		rep.Measurements = append(rep.Measurements, m)
	}
	return rep, nil
}

// medianRun is the run with the median CPU time per row.
func medianRun(ms []SQLMeasurement) SQLMeasurement {
	s := append([]SQLMeasurement(nil), ms...)
	sort.Slice(s, func(i, j int) bool { return s[i].RowsPerCPUSec < s[j].RowsPerCPUSec })
	return s[len(s)/2]
}

// runSQLCase plans and runs one case into a blackhole sink.
func runSQLCase(ctx context.Context, c sqlCase, rows int64, fns map[string]*pyfunc.Function) (SQLMeasurement, error) {
	if c.rowsDiv > 1 {
		rows = max(rows/c.rowsDiv, 1)
	}
	env := table.NewEnvironment(table.Settings{Streaming: c.streaming})
	for k, v := range c.config {
		if err := env.SetConfig(k, v); err != nil {
			return SQLMeasurement{}, err
		}
	}
	for name, fn := range fns {
		if err := env.CreateTemporaryFunction(name, fn); err != nil {
			return SQLMeasurement{}, err
		}
	}
	ddl := fmt.Sprintf("CREATE TABLE gen (k STRING, x BIGINT, v DOUBLE) WITH ('connector' = '%s', 'rows' = '%d')", genIdentifier, rows)
	if c.shape == "cdn" {
		ddl = fmt.Sprintf("CREATE TABLE gen (client_ip STRING, response_size BIGINT, request_time BIGINT) "+
			"WITH ('connector' = '%s', 'rows' = '%d', 'shape' = 'cdn')", genIdentifier, rows)
	}
	if _, err := env.ExecuteSQL(ctx, ddl); err != nil {
		return SQLMeasurement{}, err
	}
	q, err := env.SQLQuery(c.query)
	if err != nil {
		return SQLMeasurement{}, err
	}
	sinkDDL := "CREATE TABLE sink ("
	for i, f := range q.Schema() {
		if i > 0 {
			sinkDDL += ", "
		}
		sinkDDL += "`" + f.Name + "` " + f.Type.Nullable().String()
	}
	sinkDDL += ") WITH ('connector' = 'blackhole')"
	if _, err := env.ExecuteSQL(ctx, sinkDDL); err != nil {
		return SQLMeasurement{}, err
	}
	cpu0, t0 := cpuTime(), time.Now()
	if _, err := q.ExecuteInsert(ctx, "sink"); err != nil {
		return SQLMeasurement{}, err
	}
	wall, cpu := time.Since(t0), cpuTime()-cpu0
	return SQLMeasurement{Case: c.name, Rows: rows, Seconds: wall.Seconds(), CPUSeconds: cpu.Seconds(),
		RowsPerSec: float64(rows) / wall.Seconds(), RowsPerCPUSec: float64(rows) / cpu.Seconds()}, nil
}

// udfAlone is the row UDF's evaluator over the same generated batches,
// with no engine around it.
func udfAlone(ctx context.Context, fn *cpython.Object, rows int64) (float64, error) {
	batches := genBatches(8, 10000, 16)
	defer releaseBatches(batches)
	ev, err := cpython.NewRowEvaluator([]cpython.RowUDF{{Name: "plus_one", Func: fn, Args: []int{1}, Result: arrow.PrimitiveTypes.Int64}})
	if err != nil {
		return 0, err
	}
	defer ev.Close()
	start := time.Now()
	var done int64
	for i := 0; done < rows; i++ {
		out, err := ev.Evaluate(ctx, batches[i%len(batches)])
		if err != nil {
			return 0, err
		}
		out[0].Release()
		done += batches[i%len(batches)].NumRows()
	}
	return float64(done) / time.Since(start).Seconds(), nil
}

// WriteTable prints the SQL report.
func (r *SQLReport) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "SQL benchmark: %d generated rows per query (parallelism 1)\n\n", r.Rows)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "case\trows\trows/s\trows per CPU-second\tµs per row (CPU)\tUDF alone rows/s\tratio\tstreaming/batch\t")
	for _, m := range r.Measurements {
		base, ratio, sb := "-", "-", "-"
		if m.BaselineRowsPerSec > 0 {
			base, ratio = humanRate(m.BaselineRowsPerSec), fmt.Sprintf("%.2f", m.Ratio)
		}
		if m.StreamingOverBatch > 0 {
			sb = fmt.Sprintf("%.2f×", m.StreamingOverBatch)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%.3f\t%s\t%s\t%s\t\n", m.Case, m.Rows, humanRate(m.RowsPerSec), humanRate(m.RowsPerCPUSec),
			1e6/m.RowsPerCPUSec, base, ratio, sb)
	}
	return tw.Flush()
}
