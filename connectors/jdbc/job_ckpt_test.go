package jdbc

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/sluice-stream/sluice/connectors/datagen"
	"github.com/sluice-stream/sluice/table"
)

// A GROUP BY into a keyed table with checkpoints, cancelled half-way and
// started again from the latest checkpoint: the source and the aggregate
// continue from the checkpoint, the replayed changes are upserts of the
// same keys, and the table ends as a run without failure leaves it. The
// buffer is flushed only by checkpoints and at the end (max-rows and the
// interval are off).
func TestSQLCheckpointedUpsertRestoresLatest(t *testing.T) {
	eachDatabase(t, func(t *testing.T, db *testDB) {
		name := db.table("bucket_stats", "bucket INT PRIMARY KEY, n BIGINT, total BIGINT")
		ckpt := filepath.Join(t.TempDir(), "ckpt")
		stmts := func(restore bool) []string {
			s := []string{
				"SET 'execution.checkpointing.interval' = '30ms'",
				"SET 'state.checkpoints.dir' = '" + ckpt + "'",
				"SET 'sluice.exec.batch-size' = '20'",
				`CREATE TABLE gen (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '2000',
				  'fields.id.kind' = 'sequence', 'fields.id.start' = '0', 'fields.id.end' = '1199')`,
				"CREATE TABLE stats (bucket INT, n BIGINT, total BIGINT, PRIMARY KEY (bucket) NOT ENFORCED) " +
					withClause(db.options(name, OptionFlushMaxRows, "1000000", OptionFlushInterval, "0")),
			}
			if restore {
				s = append(s, "SET 'sluice.restore' = 'latest'")
			}
			return append(s, "INSERT INTO stats SELECT CAST(id % 10 AS INT), COUNT(*), SUM(id) FROM gen GROUP BY id % 10")
		}
		env := table.NewEnvironment(table.Settings{Streaming: true, Config: map[string]string{"parallelism.default": "2"}})
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		var err error
		for _, s := range stmts(false) {
			if _, err = env.ExecuteSQL(ctx, s); err != nil {
				break
			}
		}
		require.Error(t, err, "cancelled half-way")
		require.NotEmpty(t, db.rows("SELECT bucket FROM "+name))

		env = table.NewEnvironment(table.Settings{Streaming: true, Config: map[string]string{"parallelism.default": "2"}})
		runSQL(t, env, stmts(true)...)
		var want []string
		for b := range 10 {
			total := 0
			for id := b; id < 1200; id += 10 {
				total += id
			}
			want = append(want, fmt.Sprintf("%d|120|%d", b, total))
		}
		assert.Equal(t, want, db.rows("SELECT bucket, n, total FROM "+name))
	})
}
