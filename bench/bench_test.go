package bench

import (
	"context"
	"testing"

	"github.com/sluice-stream/sluice/cpython"
)

// The Go benchmarks report the same domain figures as `sluice bench`, for
// benchstat comparisons between commits: go test -bench . ./bench/

func BenchmarkSQL(b *testing.B) {
	for i := 0; i < b.N; i++ {
		rep, err := RunSQL(context.Background(), 5_000_000, nil)
		if err != nil {
			b.Fatal(err)
		}
		for _, m := range rep.Measurements {
			switch m.Case {
			case "filter + projection":
				b.ReportMetric(m.RowsPerCPUSec, "filter-project-rows/cpu-s")
			case "GROUP BY k: COUNT(*), SUM(x) (8 keys, batch)":
				b.ReportMetric(m.RowsPerCPUSec, "groupby-rows/cpu-s")
			case "calc with python plus_one(x)":
				b.ReportMetric(m.Ratio, "udf-calc/udf-alone")
			case "CDN query, SQL functions, streaming":
				b.ReportMetric(m.StreamingOverBatch, "cdn-sql-streaming/batch")
			case "CDN query, SQL functions, streaming, mini-batch":
				b.ReportMetric(m.StreamingOverBatch, "cdn-sql-minibatch/batch")
			case "CDN query, Python ip_to_province, streaming":
				b.ReportMetric(m.StreamingOverBatch, "cdn-python-streaming/batch")
			}
		}
	}
}

func BenchmarkUDF(b *testing.B) {
	cfg := UDFConfig{Rows: 1_000_000, BatchSizes: []int{10_000}, Seed: 1, Repeat: 1}
	for i := 0; i < b.N; i++ {
		rep, err := RunUDF(context.Background(), cfg, nil)
		if err != nil {
			b.Fatal(err)
		}
		for _, m := range rep.Measurements {
			switch m.Case {
			case "row x + 1 (BIGINT)":
				b.ReportMetric(m.Ratio, "row-plus-one/floor")
			case "pandas norm.cdf(v) (DOUBLE)":
				b.ReportMetric(m.Ratio, "pandas-cdf/preloaded")
			case "pandas identity (DOUBLE)":
				b.ReportMetric(m.OverheadMicros, "identity-µs/batch")
			case "arrow pc.add(x, 1) (BIGINT)":
				b.ReportMetric(m.Ratio, "arrow-add/preloaded")
			case "datastream map(lambda x: x + 1)":
				b.ReportMetric(m.Ratio, "datastream-map/row-udf")
			}
		}
	}
}

func TestMain(m *testing.M) {
	if err := cpython.Initialize(); err != nil {
		panic(err)
	}
	m.Run()
}
