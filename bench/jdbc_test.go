package bench

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkJDBC reports the jdbc sink's upsert rate into MariaDB at
// buffer sizes 1, 100 and 1000, and its ratio to a plain database/sql
// loop of the same statements. It needs the MariaDB of
// scripts/services/mariadb.sh (SLUICE_TEST_MARIADB_URL, _USER, _PASSWORD).
func BenchmarkJDBC(b *testing.B) {
	cfg := DefaultJDBCConfig()
	if cfg.URL == "" {
		b.Skip(ErrJDBCNotConfigured)
	}
	cfg.Rows, cfg.Repeat = 20_000, 1
	for i := 0; i < b.N; i++ {
		rep, err := RunJDBC(context.Background(), cfg, nil)
		if err != nil {
			b.Fatal(err)
		}
		for _, m := range rep.Measurements {
			b.ReportMetric(m.RowsPerSec, fmt.Sprintf("rows/s@%d", m.BufferSize))
			b.ReportMetric(m.Ratio, fmt.Sprintf("sink/loop@%d", m.BufferSize))
		}
	}
}
