package jdbc

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/types"
	"github.com/sluice-stream/sluice/vectorized"
)

const (
	I  = vectorized.Insert
	UB = vectorized.UpdateBefore
	UA = vectorized.UpdateAfter
	D  = vectorized.Delete
)

var kvCols = []connector.Column{col("id", types.INT()), col("name", types.STRING()), col("n", types.BIGINT())}

// The sink tests run on SQLite here and on MariaDB in mariadb_test.go.
func eachDatabase(t *testing.T, f func(t *testing.T, db *testDB)) {
	t.Run("sqlite", func(t *testing.T) { f(t, sqliteTestDB(t)) })
	t.Run("mariadb", func(t *testing.T) { f(t, mariaDB(t)) })
}

func TestSinkUpsertAndDelete(t *testing.T) {
	eachDatabase(t, func(t *testing.T, db *testDB) {
		name := db.table("kv", "id INT PRIMARY KEY, name VARCHAR(20), n BIGINT")
		db.exec(fmt.Sprintf("INSERT INTO %s VALUES (9, 'old', 0)", name))
		s, m := openSink(t, kvCols, []int{0}, db.options(name))
		write(t, s, batch(t, kvCols,
			[]any{I, 1, "a", 1},
			[]any{I, 2, "b", 2},
			[]any{UB, 1, "a", 1},
			[]any{UA, 1, "a2", 10},
			[]any{I, 3, nil, nil},
			[]any{D, 9, "old", 0},
		))
		require.NoError(t, s.Finish(context.Background()))
		require.NoError(t, s.Close())
		assert.Equal(t, []string{"1|a2|10", "2|b|2", "3|NULL|NULL"}, db.rows("SELECT id, name, n FROM "+name))
		// -U is skipped and the two changes of key 1 fold into one row.
		assert.Equal(t, int64(4), m.Counter(CounterRowsWritten).Load())
		assert.Equal(t, int64(1), m.Counter(CounterFlushes).Load())
	})
}

func TestSinkPlainInsert(t *testing.T) {
	eachDatabase(t, func(t *testing.T, db *testDB) {
		name := db.table("log", "id INT, name VARCHAR(20), n BIGINT")
		s, m := openSink(t, kvCols, nil, db.options(name, OptionFlushMaxRows, "2"))
		write(t, s, batch(t, kvCols, []any{I, 1, "a", 1}, []any{I, 1, "a", 1}, []any{I, 2, "b", nil}))
		// max-rows = 2: the first two rows were flushed during Write.
		assert.Equal(t, []string{"1|a|1", "1|a|1"}, db.rows("SELECT id, name, n FROM "+name))
		require.NoError(t, s.Finish(context.Background()))
		require.NoError(t, s.Close())
		assert.Equal(t, []string{"1|a|1", "1|a|1", "2|b|NULL"}, db.rows("SELECT id, name, n FROM "+name))
		assert.Equal(t, int64(2), m.Counter(CounterFlushes).Load())

		s, _ = openSink(t, kvCols, nil, db.options(name))
		b := batch(t, kvCols, []any{UA, 1, "a", 1})
		defer b.Release()
		err := s.Write(context.Background(), b)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "has no key, so it only appends, but received a +U row")
		require.NoError(t, s.Close())
	})
}

// Flink's JdbcBufferReduceExecutor: within one buffer the latest change
// of a key wins, and a delete after an upsert ends as a delete.
func TestSinkBufferReduce(t *testing.T) {
	db := sqliteTestDB(t)
	name := db.table("kv", "id INT PRIMARY KEY, name TEXT, n BIGINT")
	db.exec(fmt.Sprintf("INSERT INTO %s VALUES (1, 'stored', 0), (5, 'keep', 5)", name))
	tests := []struct {
		name string
		rows [][]any
		want []string
		// written is what reached the database after folding.
		written int64
	}{
		{"upsert then delete", [][]any{{I, 1, "x", 1}, {UB, 1, "x", 1}, {UA, 1, "y", 2}, {D, 1, "y", 2}},
			[]string{"5|keep|5"}, 1},
		{"delete then insert", [][]any{{D, 5, "keep", 5}, {I, 5, "back", 6}},
			[]string{"5|back|6"}, 1},
		{"many updates of few keys", [][]any{{I, 7, "a", 1}, {UA, 7, "a", 2}, {UA, 7, "a", 3}, {I, 8, "b", 1}, {UA, 8, "b", 9}, {UA, 7, "a", 4}},
			[]string{"5|back|6", "7|a|4", "8|b|9"}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, m := openSink(t, kvCols, []int{0}, db.options(name, OptionFlushMaxRows, "0", OptionFlushInterval, "0"))
			write(t, s, batch(t, kvCols, tc.rows...))
			require.NoError(t, s.Finish(context.Background()))
			require.NoError(t, s.Close())
			assert.Equal(t, tc.want, db.rows("SELECT id, name, n FROM "+name))
			assert.Equal(t, tc.written, m.Counter(CounterRowsWritten).Load())
		})
	}
}

// The background flush writes what is buffered with no further input,
// neither Write nor Finish.
func TestSinkIntervalFlushWithoutInput(t *testing.T) {
	db := sqliteTestDB(t)
	name := db.table("kv", "id INT PRIMARY KEY, name TEXT, n BIGINT")
	s, m := openSink(t, kvCols, []int{0}, db.options(name, OptionFlushMaxRows, "1000", OptionFlushInterval, "50ms"))
	write(t, s, batch(t, kvCols, []any{I, 1, "a", 1}))
	eventually(t, 5*time.Second, func() bool { return len(db.rows("SELECT id FROM "+name)) == 1 }, "the row was not flushed by the interval")
	assert.Equal(t, int64(1), m.Counter(CounterFlushes).Load())
	require.NoError(t, s.Close())
}

// More rows than one statement may bind: the flush is split into
// statements of at most 32766 (SQLite) placeholders, in one transaction.
func TestSinkChunksPlaceholders(t *testing.T) {
	db := sqliteTestDB(t)
	name := db.table("kv", "id INT PRIMARY KEY, name TEXT, n BIGINT")
	const n = 40_000 // 120,000 values, 30,000 keys to delete
	rows := make([][]any, n)
	for i := range rows {
		rows[i] = []any{I, i, "r" + fmt.Sprint(i), i}
	}
	s, m := openSink(t, kvCols, []int{0}, db.options(name, OptionFlushMaxRows, "0", OptionFlushInterval, "0"))
	write(t, s, batch(t, kvCols, rows...))
	require.NoError(t, s.Finish(context.Background()))
	assert.Equal(t, []string{fmt.Sprint(n)}, db.rows("SELECT COUNT(*) FROM "+name))
	dels := make([][]any, 30_000)
	for i := range dels {
		dels[i] = []any{D, i, nil, nil}
	}
	write(t, s, batch(t, kvCols, dels...))
	require.NoError(t, s.Finish(context.Background()))
	require.NoError(t, s.Close())
	assert.Equal(t, []string{"10000|30000|39999"}, db.rows("SELECT COUNT(*), MIN(id), MAX(id) FROM "+name))
	assert.Equal(t, int64(2), m.Counter(CounterFlushes).Load())

	st := statements{d: sqliteDialect, table: `"t"`, cols: []string{`"a"`, `"b"`, `"c"`}}
	assert.Equal(t, sqliteMaxParams/3*3, strings.Count(st.insert(sqliteMaxParams/3), "?"))
}

// A flush that fails for good keeps its rows: Write and Finish report the
// failure, Close counts the rows it could not write.
func TestSinkFailureIsNeverSilent(t *testing.T) {
	db := sqliteTestDB(t)
	name := db.table("kv", "id INT PRIMARY KEY, name TEXT NOT NULL, n BIGINT")
	s, _ := openSink(t, kvCols, []int{0}, db.options(name, OptionFlushMaxRows, "2", OptionFlushInterval, "0"))
	b := batch(t, kvCols, []any{I, 1, "a", 1}, []any{I, 2, nil, 2}, []any{I, 3, "c", 3})
	defer b.Release()
	err := s.Write(context.Background(), b)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "writing 2 rows to table "+name)
	assert.Contains(t, err.Error(), "NOT NULL constraint failed")
	err = s.Finish(context.Background())
	require.Error(t, err, "the failure sticks")
	err = s.Close()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "2 buffered rows were not written to table "+name)
	assert.Empty(t, db.rows("SELECT id FROM "+name), "the failed flush's transaction left nothing")
}

// Close flushes what a cancelled job left in the buffer.
func TestSinkCloseFlushes(t *testing.T) {
	db := sqliteTestDB(t)
	name := db.table("kv", "id INT PRIMARY KEY, name TEXT, n BIGINT")
	s, _ := openSink(t, kvCols, []int{0}, db.options(name, OptionFlushInterval, "0"))
	write(t, s, batch(t, kvCols, []any{I, 1, "a", 1}))
	require.NoError(t, s.Close())
	assert.Equal(t, []string{"1|a|1"}, db.rows("SELECT id, name, n FROM "+name))
}

// SQLite busy: a writer holding the lock longer than
// connection.max-retry-timeout makes the flush retry, and succeed once the
// lock is gone; held for good, the sink gives up saying how often it
// tried.
func TestSinkRetriesWhileSQLiteIsBusy(t *testing.T) {
	db := sqliteTestDB(t)
	name := db.table("kv", "id INT PRIMARY KEY, name TEXT, n BIGINT")
	// lock takes SQLite's write lock from another connection until the
	// returned function is called.
	lock := func() (release func()) {
		conn, err := db.db.Conn(context.Background())
		require.NoError(t, err)
		_, err = conn.ExecContext(context.Background(), "BEGIN IMMEDIATE")
		require.NoError(t, err)
		var once sync.Once
		return func() {
			once.Do(func() {
				_, _ = conn.ExecContext(context.Background(), "ROLLBACK")
				conn.Close()
			})
		}
	}

	s, m := openSink(t, kvCols, []int{0}, db.options(name, OptionFlushInterval, "0", OptionMaxRetryTimeout, "1s", OptionMaxRetries, "3"))
	release := lock()
	time.AfterFunc(1500*time.Millisecond, release)
	write(t, s, batch(t, kvCols, []any{I, 1, "a", 1}))
	require.NoError(t, s.Finish(context.Background()))
	require.NoError(t, s.Close())
	assert.GreaterOrEqual(t, m.Counter(CounterRetries).Load(), int64(1))
	assert.Equal(t, []string{"1|a|1"}, db.rows("SELECT id, name, n FROM "+name))

	s, m = openSink(t, kvCols, []int{0}, db.options(name, OptionFlushInterval, "0", OptionMaxRetryTimeout, "1s", OptionMaxRetries, "1"))
	release = lock()
	write(t, s, batch(t, kvCols, []any{I, 2, "b", 2}))
	err := s.Finish(context.Background())
	release()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "failed 2 times (sink.max-retries = 1); last error: database is locked")
	assert.Equal(t, int64(1), m.Counter(CounterRetries).Load())
	err = s.Close()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "1 buffered rows were not written")
	assert.Equal(t, []string{"1|a|1"}, db.rows("SELECT id, name, n FROM "+name))
}

func TestSinkOpenErrors(t *testing.T) {
	db := sqliteTestDB(t)
	name := db.table("nokey", "id INT, name NUMERIC, n BIGINT")
	tests := []struct {
		name string
		cols []connector.Column
		key  []int
		opts map[string]string
		want string
	}{
		{"missing table", kvCols, nil, db.options("nope"), "table nope does not exist in SQLite database"},
		{"missing column", append(kvCols[:3:3], col("extra", types.INT())), nil, db.options(name), "has no column extra; its columns are id, name, n"},
		{"no unique key", kvCols, []int{0}, db.options(name), `has no PRIMARY KEY or UNIQUE index on (id), the key the sink upserts by`},
		{"inexact decimal", []connector.Column{col("id", types.INT()), col("name", types.DECIMAL(20, 2))}, nil, db.options(name),
			"column name is DECIMAL(20, 2), but column name of table " + name + " in SQLite database"},
		{"missing file", kvCols, nil, map[string]string{"connector": Identifier, OptionURL: "jdbc:sqlite:" + t.TempDir() + "/none.db", OptionTableName: "t"}, "cannot connect to SQLite database"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Factory{}.NewSink(&connector.Context{Table: "t", Columns: tc.cols, UpsertKey: tc.key, Options: tc.opts})
			require.NoError(t, err)
			inst := s.Instance(0, 1)
			err = inst.Open(context.Background(), &engine.RuntimeContext{Parallelism: 1})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			require.NoError(t, inst.Close())
		})
	}
}

func TestSinkRefusesNaNInSQLite(t *testing.T) {
	db := sqliteTestDB(t)
	name := db.table("f", "id INT PRIMARY KEY, v DOUBLE")
	cols := []connector.Column{col("id", types.INT()), col("v", types.DOUBLE())}
	s, _ := openSink(t, cols, []int{0}, db.options(name))
	b := batch(t, cols, []any{I, 1, 0.5}, []any{I, 2, math.NaN()})
	defer b.Release()
	err := s.Write(context.Background(), b)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "column v, row 2 of a batch: NaN cannot be stored in SQLite")
	require.NoError(t, s.Close())
}
