package bench

import (
	"context"
	"testing"
)

// BenchmarkCDNSQL runs the CDN query with SQL functions alone, in each
// mode, for CPU profiles of one mode: go test -run '^$' -bench CDNSQL
// -cpuprofile cpu.out ./bench/
func BenchmarkCDNSQL(b *testing.B) {
	for _, c := range []sqlCase{
		{name: "streaming", streaming: true},
		{name: "streaming-minibatch", streaming: true, config: miniBatch},
		{name: "batch"},
	} {
		b.Run(c.name, func(b *testing.B) {
			c.shape, c.query = "cdn", cdnSQL
			m, err := runSQLCase(context.Background(), c, int64(b.N), nil)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(1e6/m.RowsPerCPUSec, "cpu-µs/row")
		})
	}
}
