package bench

import (
	"context"
	"os"
	"testing"
)

// BenchmarkKafkaSource reads the CDN log topic to its end through the
// Sluice source and reports the ratio to librdkafka's bare consumer,
// measured in the same run. It needs SLUICE_TEST_KAFKA (make test sets it).
func BenchmarkKafkaSource(b *testing.B) {
	bs := os.Getenv("SLUICE_TEST_KAFKA")
	if bs == "" {
		b.Skip("SLUICE_TEST_KAFKA is not set")
	}
	cfg := DefaultKafkaConfig()
	cfg.Bootstrap, cfg.Records, cfg.Repeat, cfg.Parallelism = bs, 300_000, 1, []int{1}
	for i := 0; i < b.N; i++ {
		rep, err := RunKafka(context.Background(), cfg, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(rep.Cases[0].RecordsPerSec, "records/s")
		b.ReportMetric(rep.Cases[0].Ratio, "ratio-to-librdkafka")
	}
}
