package jdbc

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/connectors/print"
	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/types"
	"github.com/sluice-stream/sluice/vectorized"
)

// testDB is a database the tests create tables in and read back from
// with plain database/sql: a SQLite file or the MariaDB of
// scripts/services/mariadb.sh.
type testDB struct {
	t       testing.TB
	dialect dialect
	url     string
	opts    map[string]string // username/password
	db      *sql.DB
}

func sqliteTestDB(t testing.TB) *testDB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.db")
	db, err := sql.Open("sqlite3", "file:"+path)
	require.NoError(t, err)
	require.NoError(t, db.Ping()) // creates the file
	t.Cleanup(func() { db.Close() })
	return &testDB{t: t, dialect: sqliteDialect, url: "jdbc:sqlite:" + path, opts: map[string]string{}, db: db}
}

func (d *testDB) exec(query string, args ...any) {
	d.t.Helper()
	_, err := d.db.Exec(query, args...)
	require.NoError(d.t, err, query)
}

// table creates a table whose name is unique to the test (MariaDB is
// shared) with the given column list, and drops it at the end.
func (d *testDB) table(base, columns string) string {
	d.t.Helper()
	name := uniqueName(base)
	ddl := fmt.Sprintf("CREATE TABLE %s (%s)", name, columns)
	if d.dialect == mysqlDialect {
		// Exact text comparison, whatever the server's defaults.
		ddl += " DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin"
	}
	d.exec(ddl)
	d.t.Cleanup(func() { _, _ = d.db.Exec("DROP TABLE IF EXISTS " + name) })
	return name
}

var nameSeq atomic.Int64

func uniqueName(base string) string {
	return fmt.Sprintf("%s_%d_%d", base, time.Now().UnixNano()%1_000_000_000, nameSeq.Add(1))
}

// rows reads a query's rows as text, sorted: NULL as "NULL", []byte as
// its text.
func (d *testDB) rows(query string, args ...any) []string {
	d.t.Helper()
	rs, err := d.db.Query(query, args...)
	require.NoError(d.t, err, query)
	defer rs.Close()
	cols, err := rs.Columns()
	require.NoError(d.t, err)
	var out []string
	for rs.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		require.NoError(d.t, rs.Scan(ptrs...))
		parts := make([]string, len(vals))
		for i, v := range vals {
			switch x := v.(type) {
			case nil:
				parts[i] = "NULL"
			case []byte:
				parts[i] = string(x)
			default:
				parts[i] = fmt.Sprint(x)
			}
		}
		out = append(out, strings.Join(parts, "|"))
	}
	require.NoError(d.t, rs.Err())
	sort.Strings(out)
	return out
}

// options are the WITH options of a jdbc table over name.
func (d *testDB) options(name string, extra ...string) map[string]string {
	o := map[string]string{"connector": Identifier, OptionURL: d.url, OptionTableName: name}
	for k, v := range d.opts {
		o[k] = v
	}
	for i := 0; i+1 < len(extra); i += 2 {
		o[extra[i]] = extra[i+1]
	}
	return o
}

// withClause renders options as a WITH clause.
func withClause(o map[string]string) string {
	keys := make([]string, 0, len(o))
	for k := range o {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("'%s' = '%s'", k, o[k])
	}
	return "WITH (" + strings.Join(parts, ", ") + ")"
}

func col(name string, t types.DataType) connector.Column {
	return connector.Column{Name: name, Type: t}
}

func checkedMem(t testing.TB) *memory.CheckedAllocator {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}

// openSink creates subtask 0 of a sink and opens it.
func openSink(t testing.TB, cols []connector.Column, key []int, opts map[string]string) (engine.Sink, *engine.OperatorMetrics) {
	t.Helper()
	s, err := Factory{}.NewSink(&connector.Context{Table: "t", Columns: cols, UpsertKey: key, Options: opts})
	require.NoError(t, err)
	inst := s.Instance(0, 1)
	m := &engine.OperatorMetrics{}
	require.NoError(t, inst.Open(context.Background(), &engine.RuntimeContext{Parallelism: 1, Mem: memory.DefaultAllocator, Metrics: m}))
	return inst, m
}

// batch builds a changelog batch of (INT, STRING, BIGINT)-like rows: each
// row is a kind and one Go value per column (nil for NULL).
func batch(t testing.TB, cols []connector.Column, rows ...[]any) *vectorized.Batch {
	t.Helper()
	fs := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fs[i] = arrow.Field{Name: c.Name, Type: c.Type.Arrow(), Nullable: true}
	}
	rb := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema(fs, nil))
	defer rb.Release()
	var kinds []vectorized.RowKind
	changelog := false
	for _, r := range rows {
		k := r[0].(vectorized.RowKind)
		kinds = append(kinds, k)
		changelog = changelog || k != vectorized.Insert
		for c, v := range r[1:] {
			b := rb.Field(c)
			if v == nil {
				b.AppendNull()
				continue
			}
			switch bb := b.(type) {
			case *array.Int32Builder:
				bb.Append(int32(v.(int)))
			case *array.Int64Builder:
				bb.Append(int64(v.(int)))
			case *array.StringBuilder:
				bb.Append(v.(string))
			case *array.Float64Builder:
				bb.Append(v.(float64))
			default:
				t.Fatalf("batch: no case for %T", b)
			}
		}
	}
	b := &vectorized.Batch{Record: rb.NewRecordBatch()}
	if changelog {
		b.Kinds = kinds
	}
	return b
}

func write(t testing.TB, s engine.Sink, b *vectorized.Batch) {
	t.Helper()
	defer b.Release()
	require.NoError(t, s.Write(context.Background(), b))
}

// scan runs every subtask of a source and returns each subtask's rows in
// the print format.
func scan(t testing.TB, src *connector.Source, parallelism int, mem memory.Allocator) [][]string {
	t.Helper()
	out := make([][]string, parallelism)
	for sub := range parallelism {
		s := src.Instance(sub, parallelism)
		ctx := context.Background()
		require.NoError(t, s.Open(ctx, &engine.RuntimeContext{Subtask: sub, Parallelism: parallelism, Mem: mem, Config: engine.Config{engine.ConfigBatchSize: "64"}}))
		err := s.Run(ctx, engine.CollectorFunc(func(_ context.Context, b *vectorized.Batch) error {
			f := print.NewRowFormatter(b)
			for i := range int(b.NumRows()) {
				out[sub] = append(out[sub], string(f.AppendRow(nil, i)))
			}
			return nil
		}))
		require.NoError(t, s.Close())
		require.NoError(t, err)
	}
	return out
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t testing.TB, within time.Duration, cond func() bool, msg string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", within, msg)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
