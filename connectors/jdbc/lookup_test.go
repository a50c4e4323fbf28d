package jdbc

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/types"
	"github.com/sluice-stream/sluice/vectorized"
)

// openLookup creates and opens one subtask's lookup function.
func openLookup(t testing.TB, cols []connector.Column, keys []int, opts map[string]string, mem memory.Allocator) (*lookupFunc, *connector.LookupSource, *engine.OperatorMetrics) {
	t.Helper()
	l, err := Factory{}.NewLookup(&connector.Context{Table: "dim", Columns: cols, Options: opts}, keys)
	require.NoError(t, err)
	f := l.Function().(*lookupFunc)
	m := &engine.OperatorMetrics{}
	require.NoError(t, f.Open(context.Background(), &engine.RuntimeContext{Parallelism: 1, Mem: mem, Metrics: m}))
	t.Cleanup(func() { require.NoError(t, f.Close()) })
	return f, l, m
}

// keyArrays builds lookup key columns of the given Arrow types.
func keyArrays(t testing.TB, mem memory.Allocator, dts []arrow.DataType, rows ...[]any) []arrow.Array {
	t.Helper()
	out := make([]arrow.Array, len(dts))
	for c, dt := range dts {
		b := array.NewBuilder(mem, dt)
		for _, r := range rows {
			switch bb := b.(type) {
			case *array.Int32Builder:
				bb.Append(int32(r[c].(int)))
			case *array.Int64Builder:
				bb.Append(int64(r[c].(int)))
			case *array.StringBuilder:
				bb.Append(r[c].(string))
			case *array.Date32Builder:
				d, err := time.Parse(time.DateOnly, r[c].(string))
				require.NoError(t, err)
				bb.Append(arrow.Date32FromTime(d))
			case *array.TimestampBuilder:
				ts, err := time.Parse(time.DateTime, r[c].(string))
				require.NoError(t, err)
				bb.Append(arrow.Timestamp(ts.UnixMicro()))
			case *array.Decimal128Builder:
				require.NoError(t, bb.AppendValueFromString(r[c].(string)))
			default:
				t.Fatalf("keyArrays: no case for %T", b)
			}
		}
		out[c] = b.NewArray()
		b.Release()
	}
	t.Cleanup(func() {
		for _, a := range out {
			a.Release()
		}
	})
	return out
}

// found renders a lookup's result as "key#: row" lines, in result order.
func found(t testing.TB, res engine.LookupResult) []string {
	t.Helper()
	if res.Rows == nil {
		return nil
	}
	defer res.Rows.Release()
	var out []string
	for r := 0; r < int(res.Rows.NumRows()); r++ {
		var vals []string
		for c := 0; c < int(res.Rows.NumCols()); c++ {
			vals = append(vals, res.Rows.Column(c).ValueStr(r))
		}
		out = append(out, fmt.Sprintf("%d: %s", res.Keys[r], strings.Join(vals, ", ")))
	}
	return out
}

// lookupDBs are the databases the lookup tests run on: SQLite always,
// MariaDB when the services run.
func lookupDBs(t *testing.T, f func(t *testing.T, db *testDB)) {
	t.Run("sqlite", func(t *testing.T) { f(t, sqliteTestDB(t)) })
	t.Run("mariadb", func(t *testing.T) { f(t, mariaDB(t)) })
}

func TestLookupFunction(t *testing.T) {
	lookupDBs(t, func(t *testing.T, db *testDB) {
		name := db.table("dim", "region VARCHAR(10), id INT, name VARCHAR(20), score BIGINT")
		for _, r := range [][]any{{"eu", 1, "one", 10}, {"eu", 1, "uno", 11}, {"us", 1, "won", 12}, {"eu", 2, "two", nil}} {
			db.exec("INSERT INTO "+name+" VALUES (?, ?, ?, ?)", r...)
		}
		cols := []connector.Column{col("region", types.VARCHAR(10)), col("id", types.INT()), col("name", types.VARCHAR(20)), col("score", types.BIGINT())}
		mem := checkedMem(t)
		f, _, _ := openLookup(t, cols, []int{1, 0}, db.options(name), mem)
		res, err := f.Lookup(context.Background(), keyArrays(t, mem, []arrow.DataType{arrow.PrimitiveTypes.Int32, arrow.BinaryTypes.String},
			[]any{2, "eu"}, []any{9, "eu"}, []any{1, "eu"}, []any{1, "us"}))
		require.NoError(t, err)
		got := found(t, res)
		// Rows of one key come in the database's order; keys in order.
		require.Len(t, got, 4)
		assert.Equal(t, "0: eu, 2, two, (null)", got[0])
		assert.ElementsMatch(t, []string{"2: eu, 1, one, 10", "2: eu, 1, uno, 11"}, got[1:3])
		assert.Equal(t, "3: us, 1, won, 12", got[3])

		// Nothing found: no rows.
		res, err = f.Lookup(context.Background(), keyArrays(t, mem, []arrow.DataType{arrow.PrimitiveTypes.Int32, arrow.BinaryTypes.String}, []any{7, "eu"}))
		require.NoError(t, err)
		assert.Nil(t, res.Rows)
	})
}

func TestLookupFunctionManyKeys(t *testing.T) {
	lookupDBs(t, func(t *testing.T, db *testDB) {
		name := db.table("dim", "id BIGINT PRIMARY KEY, v BIGINT")
		for i := 0; i < 400; i += 2 {
			db.exec("INSERT INTO "+name+" VALUES (?, ?)", i, i*10)
		}
		cols := []connector.Column{col("id", types.BIGINT()), col("v", types.BIGINT())}
		mem := checkedMem(t)
		f, _, _ := openLookup(t, cols, []int{0}, db.options(name), mem)
		var keys [][]any
		for i := 399; i >= 0; i-- { // 400 keys: four statements (128 keys each at most)
			keys = append(keys, []any{i})
		}
		res, err := f.Lookup(context.Background(), keyArrays(t, mem, []arrow.DataType{arrow.PrimitiveTypes.Int64}, keys...))
		require.NoError(t, err)
		got := found(t, res)
		require.Len(t, got, 200)
		for _, line := range got {
			var k, id, v int
			_, err := fmt.Sscanf(line, "%d: %d, %d", &k, &id, &v)
			require.NoError(t, err, line)
			assert.Equal(t, 399-k, id, line)
			assert.Equal(t, id*10, v, line)
		}
		assert.Len(t, f.stmts, 2, "statements for 128 keys and for the 16 left")
	})
}

func TestLookupFunctionKeyTypes(t *testing.T) {
	lookupDBs(t, func(t *testing.T, db *testDB) {
		name := db.table("dim", "d DATE, ts DATETIME(3), amount DECIMAL(10, 2), code VARCHAR(8), label VARCHAR(20)")
		db.exec("INSERT INTO " + name + " VALUES ('2024-02-29', '2024-02-29 10:11:12.345', 12.50, 'x', 'found')")
		cols := []connector.Column{col("d", types.DATE()), col("ts", types.TIMESTAMP(3)), col("amount", types.DECIMAL(10, 2)), col("code", types.VARCHAR(8)), col("label", types.VARCHAR(20))}
		mem := checkedMem(t)
		for _, tc := range []struct {
			key  int
			dt   arrow.DataType
			hit  any
			miss any
		}{
			{0, arrow.FixedWidthTypes.Date32, "2024-02-29", "2024-03-01"},
			{2, &arrow.Decimal128Type{Precision: 10, Scale: 2}, "12.50", "12.51"},
			{3, arrow.BinaryTypes.String, "x", "X "},
		} {
			f, _, _ := openLookup(t, cols, []int{tc.key}, db.options(name), mem)
			res, err := f.Lookup(context.Background(), keyArrays(t, mem, []arrow.DataType{tc.dt}, []any{tc.miss}, []any{tc.hit}))
			require.NoError(t, err, cols[tc.key].Name)
			got := found(t, res)
			require.Len(t, got, 1, cols[tc.key].Name)
			assert.True(t, strings.HasPrefix(got[0], "1: "), got[0])
			assert.True(t, strings.HasSuffix(got[0], ", found"), got[0])
		}
	})
}

func TestLookupRetriesALockedTable(t *testing.T) {
	db := sqliteTestDB(t)
	name := db.table("dim", "id INT, v INT")
	db.exec("INSERT INTO " + name + " VALUES (1, 10)")
	cols := []connector.Column{col("id", types.INT()), col("v", types.INT())}
	// A writer holds an exclusive lock for 1.5 s; a lookup waits 1 s
	// (connection.max-retry-timeout) for it, then is retried.
	lock := func() func() {
		conn, err := db.db.Conn(context.Background())
		require.NoError(t, err)
		_, err = conn.ExecContext(context.Background(), "BEGIN EXCLUSIVE")
		require.NoError(t, err)
		return func() {
			_, _ = conn.ExecContext(context.Background(), "ROLLBACK")
			conn.Close()
		}
	}
	mem := checkedMem(t)
	key := func() []arrow.Array { return keyArrays(t, mem, []arrow.DataType{arrow.PrimitiveTypes.Int32}, []any{1}) }

	f, _, m := openLookup(t, cols, []int{0}, db.options(name, OptionMaxRetryTimeout, "1s"), mem)
	unlock := lock()
	go func() { time.Sleep(1500 * time.Millisecond); unlock() }()
	res, err := f.Lookup(context.Background(), key())
	require.NoError(t, err)
	assert.Equal(t, []string{"0: 1, 10"}, found(t, res))
	assert.GreaterOrEqual(t, m.Counter(CounterRetries).Load(), int64(1))

	f, _, _ = openLookup(t, cols, []int{0}, db.options(name, OptionMaxRetryTimeout, "1s", connector.OptionLookupMaxRetries, "0"), mem)
	unlock = lock()
	defer unlock()
	_, err = f.Lookup(context.Background(), key())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "looking up table "+name)
	assert.Contains(t, err.Error(), "by key (id=1)")
	assert.Contains(t, err.Error(), "locked")
}

func TestLookupMissingTable(t *testing.T) {
	db := sqliteTestDB(t)
	l, err := Factory{}.NewLookup(&connector.Context{Table: "dim", Columns: []connector.Column{col("id", types.INT())}, Options: db.options("nope")}, []int{0})
	require.NoError(t, err)
	err = l.Function().Open(context.Background(), &engine.RuntimeContext{Mem: memory.DefaultAllocator})
	require.ErrorContains(t, err, "table nope does not exist")
}

func TestLookupCacheOptions(t *testing.T) {
	cols := []connector.Column{col("id", types.INT())}
	for _, tc := range []struct {
		opts []string
		want string // the cache's description, or the error
	}{
		{nil, "<nil>"},
		{[]string{"lookup.cache", "NONE"}, "<nil>"},
		{[]string{"lookup.cache", "partial", "lookup.partial-cache.max-rows", "100"}, "PARTIAL, max-rows=100"},
		{[]string{"lookup.cache", "PARTIAL", "lookup.partial-cache.expire-after-write", "1 min", "lookup.partial-cache.expire-after-access", "10s",
			"lookup.partial-cache.cache-missing-key", "false"}, "PARTIAL, expire-after-write=1m0s, expire-after-access=10s, cache-missing-key=false"},
		{[]string{"lookup.cache", "PARTIAL"}, "error: jdbc: missing 'lookup.partial-cache.expire-after-access', 'lookup.partial-cache.expire-after-write' or 'lookup.partial-cache.max-rows'"},
		{[]string{"lookup.cache", "FULL"}, "error: jdbc: lookup.cache = 'FULL' is not supported by the jdbc connector"},
		{[]string{"lookup.cache", "LRU"}, "error: jdbc: lookup.cache = 'LRU' is not a cache type"},
		{[]string{"lookup.cache.max-rows", "500", "lookup.cache.ttl", "30s"}, "PARTIAL, max-rows=500, expire-after-write=30s"},
		{[]string{"lookup.cache.max-rows", "500", "lookup.cache.ttl", "30s", "lookup.cache.caching-missing-key", "false"}, "PARTIAL, max-rows=500, expire-after-write=30s, cache-missing-key=false"},
		// Flink: a legacy cache only with both max-rows > 0 and ttl > 0.
		{[]string{"lookup.cache.max-rows", "-1", "lookup.cache.ttl", "30s"}, "<nil>"},
		{[]string{"lookup.cache.max-rows", "500"}, "error: jdbc: either all or none of the following options should be provided: lookup.cache.max-rows, lookup.cache.ttl"},
		// PARTIAL wins over the legacy options.
		{[]string{"lookup.cache.max-rows", "500", "lookup.cache.ttl", "30s", "lookup.cache", "PARTIAL", "lookup.partial-cache.max-rows", "7"}, "PARTIAL, max-rows=7"},
		{[]string{"lookup.max-retries", "-1"}, "error: jdbc: the value of 'lookup.max-retries' option shouldn't be negative, but is -1"},
	} {
		db := &testDB{url: "jdbc:sqlite:/nonexistent/x.db", opts: map[string]string{}}
		l, err := Factory{}.NewLookup(&connector.Context{Table: "dim", Columns: cols, Options: db.options("dim", tc.opts...)}, []int{0})
		got := "<nil>"
		switch {
		case err != nil:
			got = "error: " + err.Error()
		case l.Cache != nil:
			got = l.Cache.String()
		}
		if strings.HasPrefix(tc.want, "error: ") {
			assert.True(t, strings.HasPrefix(got, tc.want), "%v: %s", tc.opts, got)
		} else {
			assert.Equal(t, tc.want, got, "%v", tc.opts)
		}
	}
}

// BenchmarkLookupJoin measures input rows per second through a lookup join
// against a 10,000-row table, 1,024 rows per batch over 10,000 keys:
// without a cache every batch reads its keys from the database (in
// statements of 128 keys); with lookup.cache = 'PARTIAL' they come from
// memory once loaded.
func BenchmarkLookupJoin(b *testing.B) {
	for _, dbName := range []string{"sqlite", "mariadb"} {
		b.Run(dbName, func(b *testing.B) {
			var db *testDB
			if dbName == "sqlite" {
				db = sqliteTestDB(b)
			} else {
				db = mariaDB(b)
			}
			name := db.table("dim", "id BIGINT PRIMARY KEY, name VARCHAR(20)")
			tx, err := db.db.Begin()
			require.NoError(b, err)
			for i := range 10000 {
				_, err := tx.Exec("INSERT INTO "+name+" VALUES (?, ?)", i, fmt.Sprintf("name-%d", i))
				require.NoError(b, err)
			}
			require.NoError(b, tx.Commit())
			cols := []connector.Column{col("id", types.BIGINT()), col("name", types.VARCHAR(20))}
			for _, cached := range []bool{false, true} {
				b.Run(fmt.Sprintf("cache=%v", cached), func(b *testing.B) {
					opts := db.options(name)
					if cached {
						opts[connector.OptionLookupCache] = "PARTIAL"
						opts[connector.OptionLookupPartialMaxRows] = "100000"
					}
					l, err := Factory{}.NewLookup(&connector.Context{Table: "dim", Columns: cols, Options: opts}, []int{0})
					require.NoError(b, err)
					in := arrow.NewSchema([]arrow.Field{{Name: "k", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)
					op, err := engine.NewLookupJoin(engine.LookupJoinSpec{Type: engine.InnerJoin, Left: in, Right: arrowSchemaOf(cols),
						Keys: []vectorized.Expr{vectorized.Col(0, arrow.PrimitiveTypes.Int64, "k")}, Function: l.Function, Cache: l.Cache, Table: "dim"})
					require.NoError(b, err)
					rt := &engine.RuntimeContext{Parallelism: 1, Mem: memory.DefaultAllocator, Metrics: &engine.OperatorMetrics{},
						EvalContext: func() *vectorized.EvalContext { return vectorized.NewEvalContext(context.Background()) }}
					require.NoError(b, op.Open(context.Background(), rt))
					defer op.Close()
					var out int64
					sink := engine.CollectorFunc(func(_ context.Context, r *vectorized.Batch) error { out += r.NumRows(); return nil })
					const rows = 1024
					next := 0
					for b.Loop() {
						kb := array.NewInt64Builder(memory.DefaultAllocator)
						for range rows {
							kb.Append(int64(next * 7919 % 10000))
							next++
						}
						arr := kb.NewArray()
						kb.Release()
						batch := vectorized.NewBatch(array.NewRecordBatch(in, []arrow.Array{arr}, rows))
						arr.Release()
						require.NoError(b, op.Process(context.Background(), 0, batch, sink))
						batch.Release()
					}
					require.Equal(b, int64(b.N*rows), out)
					b.ReportMetric(float64(b.N*rows)/b.Elapsed().Seconds(), "rows/s")
				})
			}
		})
	}
}

func arrowSchemaOf(cols []connector.Column) *arrow.Schema {
	fs := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fs[i] = arrow.Field{Name: c.Name, Type: c.Type.Arrow(), Nullable: true}
	}
	return arrow.NewSchema(fs, nil)
}
