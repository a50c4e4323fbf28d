package jdbc

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/types"
	"github.com/sluice-stream/sluice/vectorized"
)

// fillRange puts ids 1..n into a new table, plus rows the partitioning
// does not cover (outside the bounds, or NULL), which Flink's
// BETWEEN ranges skip too.
func fillRange(t *testing.T, db *testDB, n int) string {
	name := db.table("scan", "id BIGINT, v VARCHAR(20)")
	var vals []string
	for i := 1; i <= n; i++ {
		vals = append(vals, fmt.Sprintf("(%d, 'v%d')", i, i))
	}
	vals = append(vals, "(0, 'below')", fmt.Sprintf("(%d, 'above')", n+1), "(NULL, 'null')")
	db.exec(fmt.Sprintf("INSERT INTO %s (id, v) VALUES %s", name, strings.Join(vals, ", ")))
	return name
}

// With scan.partition.*, the range is split into ranges spread over the
// subtasks: every row in the bounds is read exactly once, whatever the
// parallelism.
func TestPartitionedScan(t *testing.T) {
	eachDatabase(t, func(t *testing.T, db *testDB) {
		const n = 1000
		name := fillRange(t, db, n)
		cols := []connector.Column{col("id", types.BIGINT()), col("v", types.STRING())}
		for _, tc := range []struct{ parallelism, partitions int }{{1, 1}, {2, 7}, {3, 7}, {3, 2}, {2, 1000}} {
			t.Run(fmt.Sprintf("parallelism %d, %d partitions", tc.parallelism, tc.partitions), func(t *testing.T) {
				src, err := Factory{}.NewSource(&connector.Context{Table: "t", Columns: cols, Options: db.options(name,
					OptionPartitionColumn, "id", OptionPartitionNum, strconv.Itoa(tc.partitions),
					OptionPartitionLower, "1", OptionPartitionUpper, strconv.Itoa(n),
					OptionAutoCommit, strconv.FormatBool(tc.partitions != 7))}) // both ways of reading
				require.NoError(t, err)
				assert.Equal(t, 0, src.Parallelism, "the ranges are spread over the job's parallelism")
				per := scan(t, src, tc.parallelism, checkedMem(t))
				seen := map[string]int{}
				for sub, rows := range per {
					if tc.partitions >= tc.parallelism {
						assert.NotEmpty(t, rows, "subtask %d read nothing", sub)
					}
					for _, r := range rows {
						seen[r]++
					}
				}
				require.Len(t, seen, n)
				for i := 1; i <= n; i++ {
					assert.Equal(t, 1, seen[fmt.Sprintf("+I[%d, v%d]", i, i)], "id %d", i)
				}
			})
		}
		// Without partitioning, subtask 0 reads everything, NULLs included.
		src, err := Factory{}.NewSource(&connector.Context{Table: "t", Columns: cols, Options: db.options(name)})
		require.NoError(t, err)
		assert.Equal(t, 1, src.Parallelism)
		per := scan(t, src, 1, checkedMem(t))
		assert.Len(t, per[0], n+3)
		assert.Contains(t, per[0], "+I[null, null]")
	})
}

// Through SQL, with the job's parallelism at 2 and 3.
func TestPartitionedScanSQL(t *testing.T) {
	eachDatabase(t, func(t *testing.T, db *testDB) {
		const n = 500
		name := fillRange(t, db, n)
		for _, par := range []string{"2", "3"} {
			env := table.NewEnvironment(table.Settings{Config: map[string]string{"parallelism.default": par, engine.ConfigBatchSize: "16"}})
			_, err := env.ExecuteSQL(context.Background(), "CREATE TABLE src (id BIGINT, v STRING) "+withClause(db.options(name,
				OptionPartitionColumn, "id", OptionPartitionNum, "5", OptionPartitionLower, "1", OptionPartitionUpper, strconv.Itoa(n))))
			require.NoError(t, err)
			res, err := env.ExecuteSQL(context.Background(), "SELECT COUNT(*), COUNT(DISTINCT id), MIN(id), MAX(id), SUM(id) FROM src")
			require.NoError(t, err)
			assert.Equal(t, [][]string{{"500", "500", "1", "500", "125250"}}, res.Text(), "parallelism %s", par)
		}
	})
}

// A value the declared type cannot hold is an error naming the table,
// the column, the row and the value.
func TestScanValueErrors(t *testing.T) {
	db := sqliteTestDB(t)
	name := db.table("bad", "id INTEGER, small INTEGER, d TEXT")
	db.exec(fmt.Sprintf("INSERT INTO %s VALUES (1, 1, NULL), (2, 300, '2024-01-01'), (3, 1, 'soon')", name))
	tests := []struct {
		cols []connector.Column
		want string
	}{
		{[]connector.Column{col("id", types.INT()), col("small", types.TINYINT())},
			"table " + name + " in SQLite database " + db.url[len("jdbc:sqlite:"):] + ": column small, row 2: value 300 does not fit TINYINT: out of range for TINYINT"},
		{[]connector.Column{col("id", types.INT()), col("d", types.DATE())},
			"column d, row 3: value 'soon' does not fit DATE: DATE: expected a date yyyy-MM-dd"},
		{[]connector.Column{col("id", types.INT()), col("d", types.DATE().NotNullable())},
			"column d, row 1: value NULL does not fit DATE NOT NULL: NULL in a NOT NULL column"},
	}
	for _, tc := range tests {
		src, err := Factory{}.NewSource(&connector.Context{Table: "t", Columns: tc.cols, Options: db.options(name)})
		require.NoError(t, err)
		s := src.Instance(0, 1)
		require.NoError(t, s.Open(context.Background(), &engine.RuntimeContext{Parallelism: 1, Mem: checkedMem(t)}))
		err = s.Run(context.Background(), engine.CollectorFunc(func(context.Context, *vectorized.Batch) error { return nil }))
		require.NoError(t, s.Close())
		require.Error(t, err)
		assert.Contains(t, err.Error(), tc.want)
	}
}

// Rows arrive in batches of sluice.exec.batch-size.
func TestScanBatchSize(t *testing.T) {
	db := sqliteTestDB(t)
	name := fillRange(t, db, 200)
	src, err := Factory{}.NewSource(&connector.Context{Table: "t", Columns: []connector.Column{col("id", types.BIGINT())}, Options: db.options(name)})
	require.NoError(t, err)
	s := src.Instance(0, 1)
	require.NoError(t, s.Open(context.Background(), &engine.RuntimeContext{Parallelism: 1, Mem: checkedMem(t), Config: engine.Config{engine.ConfigBatchSize: "64"}}))
	var sizes []int64
	require.NoError(t, s.Run(context.Background(), engine.CollectorFunc(func(_ context.Context, b *vectorized.Batch) error {
		sizes = append(sizes, b.NumRows())
		return nil
	})))
	require.NoError(t, s.Close())
	assert.Equal(t, []int64{64, 64, 64, 11}, sizes)
}
