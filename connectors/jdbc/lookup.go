package jdbc

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluice-stream/sluice/connectors/internal/option"
	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
)

// The JDBC connector's own (legacy) cache options, Flink's
// JdbcConnectorOptions: both or neither of max-rows and ttl; a cache only
// when max-rows > 0 and ttl > 0. lookup.cache = 'PARTIAL' wins over them.
const (
	OptionLookupCacheMaxRows    = "lookup.cache.max-rows"
	OptionLookupCacheTTL        = "lookup.cache.ttl"
	OptionLookupCacheMissingKey = "lookup.cache.caching-missing-key"
)

// lookupChunk is the most keys one lookup statement carries. Each key is
// one SELECT of a UNION ALL (SQLite allows 500 per compound statement).
const lookupChunk = 128

func lookupOptions() []connector.Option {
	return append(connector.LookupOptions(),
		connector.Option{Key: OptionLookupCacheMaxRows, Default: "-1", Description: "Legacy form of lookup.partial-cache.max-rows (with lookup.cache.ttl)."},
		connector.Option{Key: OptionLookupCacheTTL, Default: "10s", Description: "Legacy form of lookup.partial-cache.expire-after-write (with lookup.cache.max-rows)."},
		connector.Option{Key: OptionLookupCacheMissingKey, Default: "true", Description: "Legacy form of lookup.partial-cache.cache-missing-key."},
	)
}

// readLookupCache reads the cache options as Flink's JDBC factory does.
func readLookupCache(r option.Reader) (*engine.LookupCacheSpec, error) {
	var cache *engine.LookupCacheSpec
	if r.Has(OptionLookupCacheMaxRows) != r.Has(OptionLookupCacheTTL) {
		return nil, fail("either all or none of the following options should be provided: %s, %s (as in Flink)", OptionLookupCacheMaxRows, OptionLookupCacheTTL)
	}
	maxRows, err := r.Int64(OptionLookupCacheMaxRows, -1)
	if err != nil {
		return nil, err
	}
	ttl, err := r.Duration(OptionLookupCacheTTL, 10*time.Second)
	if err != nil {
		return nil, err
	}
	legacyMissing, err := r.Bool(OptionLookupCacheMissingKey, true)
	if err != nil {
		return nil, err
	}
	if maxRows > 0 && ttl > 0 {
		cache = &engine.LookupCacheSpec{MaxRows: maxRows, ExpireAfterWrite: ttl, CacheMissingKey: legacyMissing}
	}
	switch kind := strings.ToUpper(strings.TrimSpace(r.String(connector.OptionLookupCache, "NONE"))); kind {
	case "NONE":
	case "PARTIAL":
		partial := []string{connector.OptionLookupPartialExpireAfterAccess, connector.OptionLookupPartialExpireAfterWrite, connector.OptionLookupPartialMaxRows}
		given := false
		for _, k := range partial {
			given = given || r.Has(k)
		}
		if !given {
			// Flink's DefaultLookupCache.fromConfig.
			return nil, fail("missing '%s', '%s' or '%s': the cache would have no eviction and could grow without bound", partial[0], partial[1], partial[2])
		}
		cache = &engine.LookupCacheSpec{}
		if cache.ExpireAfterAccess, err = r.Duration(partial[0], 0); err != nil {
			return nil, err
		}
		if cache.ExpireAfterWrite, err = r.Duration(partial[1], 0); err != nil {
			return nil, err
		}
		if cache.MaxRows, err = r.Int64(partial[2], 0); err != nil {
			return nil, err
		}
		if cache.CacheMissingKey, err = r.Bool(connector.OptionLookupPartialCacheMissingKey, true); err != nil {
			return nil, err
		}
		for _, k := range partial {
			if v := strings.TrimSpace(r.Options[k]); r.Has(k) && (strings.HasPrefix(v, "-") || v == "0" || strings.HasPrefix(v, "0 ")) {
				return nil, r.Errorf(k, "must be positive")
			}
		}
	case "FULL":
		return nil, r.Errorf(connector.OptionLookupCache, "is not supported by the jdbc connector (as in Flink, whose JDBC tables have no full cache); use NONE or PARTIAL")
	default:
		return nil, r.Errorf(connector.OptionLookupCache, "is not a cache type; use NONE or PARTIAL")
	}
	return cache, nil
}

// lookupConfig is the table, its lookup columns and the retry setting.
type lookupConfig struct {
	*tableConfig
	keys       []int // into cols
	maxRetries int
	schema     *arrow.Schema
}

// NewLookup implements connector.LookupFactory: the rows of a batch's
// keys are read with one statement per 128 keys, a UNION ALL of one
// `SELECT <ordinal>, cols FROM t WHERE k1 = ? AND k2 = ?` per key. A
// `(k1, k2) IN (...)` would also read them in one statement, but its rows
// would have to be matched back to their keys in Go, and the database's
// own `=` (case-insensitive collations in MySQL, numeric affinity in
// SQLite) would no longer be what decides a match, as it is in Flink's
// per-key query. The ordinal says which key a row belongs to.
func (Factory) NewLookup(ctx *connector.Context, keys []int) (*connector.LookupSource, error) {
	tc, r, err := readTable(ctx)
	if err != nil {
		return nil, err
	}
	lc := &lookupConfig{tableConfig: tc, keys: append([]int(nil), keys...)}
	if lc.maxRetries, err = r.Int(connector.OptionLookupMaxRetries, DefaultMaxRetries); err != nil {
		return nil, err
	}
	if lc.maxRetries < 0 {
		return nil, fail("the value of '%s' option shouldn't be negative, but is %d", connector.OptionLookupMaxRetries, lc.maxRetries)
	}
	cache, err := readLookupCache(r)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, fail("table %s: a lookup needs at least one key column", ctx.Table)
	}
	names := make([]string, len(keys))
	for i, k := range keys {
		if k < 0 || k >= len(ctx.Columns) {
			return nil, fail("table %s: lookup key column %d does not exist", ctx.Table, k)
		}
		names[i] = ctx.Columns[k].Name
	}
	fs := make([]arrow.Field, len(ctx.Columns))
	for i, c := range ctx.Columns {
		fs[i] = arrow.Field{Name: c.Name, Type: c.Type.Arrow(), Nullable: !c.Type.NotNull}
	}
	lc.schema = arrow.NewSchema(fs, nil)
	describe := fmt.Sprintf("url=%s, table-name=%s, lookup=(%s)", tc.ep.redacted, tc.name, strings.Join(names, ", "))
	if cache != nil {
		describe += ", cache=" + cache.String()
	}
	return &connector.LookupSource{
		Function: func() engine.LookupFunction { return &lookupFunc{cfg: lc} },
		Cache:    cache,
		Describe: describe,
	}, nil
}

// lookupFunc is one subtask's lookup: one connection, statements
// prepared per number of keys.
type lookupFunc struct {
	cfg     *lookupConfig
	db      *sql.DB
	stmts   map[int]*sql.Stmt
	rb      *array.RecordBuilder
	cells   []cell
	dest    []any
	ord     int64
	retries interface{ Add(int64) int64 }
	sleep   func(ctx context.Context, d time.Duration) error
}

func (f *lookupFunc) Open(ctx context.Context, rt *engine.RuntimeContext) error {
	db, err := openDB(ctx, f.cfg.tableConfig, false)
	if err != nil {
		return err
	}
	f.db = db
	if _, err := inspect(ctx, db, f.cfg.tableConfig); err != nil {
		return err
	}
	f.stmts = map[int]*sql.Stmt{}
	f.rb = array.NewRecordBuilder(rt.Mem, f.cfg.schema)
	f.cells = make([]cell, len(f.cfg.cols))
	f.dest = make([]any, 0, len(f.cfg.cols)+1)
	f.dest = append(f.dest, &f.ord)
	for i, c := range f.cfg.cols {
		f.cells[i] = cell{app: newAppender(c.Type, f.rb.Field(i)), b: f.rb.Field(i), notNull: c.Type.NotNull}
		f.dest = append(f.dest, &f.cells[i])
	}
	m := rt.Metrics
	if m == nil {
		m = &engine.OperatorMetrics{}
	}
	f.retries = m.Counter(CounterRetries)
	if f.sleep == nil {
		f.sleep = sleepCtx
	}
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// query is the statement for n keys.
func (c *lookupConfig) query(n int) string {
	var sb strings.Builder
	var where strings.Builder
	for i, k := range c.keys {
		if i > 0 {
			where.WriteString(" AND ")
		}
		where.WriteString(c.stmts.cols[k])
		where.WriteString(" = ?")
	}
	for q := range n {
		if q > 0 {
			sb.WriteString(" UNION ALL ")
		}
		sb.WriteString("SELECT ")
		sb.WriteString(strconv.Itoa(q))
		for _, col := range c.stmts.cols {
			sb.WriteString(", ")
			if c.ep.dialect == sqliteDialect {
				// As the scan: the stored value as it is (see selectAll).
				sb.WriteByte('+')
			}
			sb.WriteString(col)
		}
		sb.WriteString(" FROM ")
		sb.WriteString(c.stmts.table)
		sb.WriteString(" WHERE ")
		sb.WriteString(where.String())
	}
	return sb.String()
}

// Lookup implements engine.LookupFunction.
func (f *lookupFunc) Lookup(ctx context.Context, keys []arrow.Array) (engine.LookupResult, error) {
	n := keys[0].Len()
	params := make([]paramFunc, len(keys))
	for c, k := range keys {
		pf, err := paramReader(f.cfg.ep.dialect, f.cfg.cols[f.cfg.keys[c]].Type, k)
		if err != nil {
			return engine.LookupResult{}, fail("table %s: lookup key %s: %v", f.cfg.name, f.cfg.cols[f.cfg.keys[c]].Name, err)
		}
		params[c] = pf
	}
	var at []int32
	args := make([]any, 0, min(n, lookupChunk)*len(keys))
	for lo := 0; lo < n; lo += lookupChunk {
		hi := min(lo+lookupChunk, n)
		args = args[:0]
		for i := lo; i < hi; i++ {
			for _, pf := range params {
				v, err := pf(i)
				if err != nil {
					return engine.LookupResult{}, fail("table %s: lookup key %s: %v", f.cfg.name, f.keyText(keys, i), err)
				}
				args = append(args, v)
			}
		}
		var err error
		if at, err = f.query(ctx, keys, lo, hi, args, at); err != nil {
			f.rb.NewRecordBatch().Release() // drop a partial result
			return engine.LookupResult{}, err
		}
	}
	if len(at) == 0 {
		f.rb.NewRecordBatch().Release()
		return engine.LookupResult{}, nil
	}
	return engine.LookupResult{Rows: f.rb.NewRecordBatch(), Keys: at}, nil
}

// query reads keys [lo, hi) with retries, as Flink's
// JdbcRowDataLookupFunction: up to lookup.max-retries more attempts,
// waiting 0 s, 1 s, 2 s, ... before them; only errors of a lost
// connection or a lock are tried again (others fail the same way every
// time).
func (f *lookupFunc) query(ctx context.Context, keys []arrow.Array, lo, hi int, args []any, at []int32) ([]int32, error) {
	for attempt := 0; ; attempt++ {
		mark := f.rb.Field(0).Len()
		before := len(at)
		out, err := f.attempt(ctx, lo, hi, args, at)
		if err == nil {
			return out, nil
		}
		if cerr := ctx.Err(); cerr != nil {
			return nil, cerr
		}
		if f.rb.Field(0).Len() != mark {
			// Rows of a failed attempt cannot be taken back from the
			// builders one by one: a partial read is not retried.
			return nil, f.lookupErr(keys, lo, hi, err)
		}
		at = at[:before]
		if !transient(err) || attempt >= f.cfg.maxRetries {
			return nil, f.lookupErr(keys, lo, hi, err)
		}
		f.retries.Add(1)
		if err := f.sleep(ctx, time.Duration(attempt)*time.Second); err != nil {
			return nil, err
		}
	}
}

func (f *lookupFunc) attempt(ctx context.Context, lo, hi int, args []any, at []int32) ([]int32, error) {
	st, ok := f.stmts[hi-lo]
	if !ok {
		var err error
		if st, err = f.db.PrepareContext(ctx, f.cfg.query(hi-lo)); err != nil {
			return at, err
		}
		f.stmts[hi-lo] = st
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return at, err
	}
	defer rows.Close()
	for rows.Next() {
		if err := rows.Scan(f.dest...); err != nil {
			for i := range f.cells {
				if c := &f.cells[i]; c.err != nil {
					err := fmt.Errorf("column %s: value %s does not fit %s: %v", f.cfg.cols[i].Name, c.value, f.cfg.cols[i].Type, c.err)
					c.err = nil
					return at, err
				}
			}
			return at, err
		}
		at = append(at, int32(lo)+int32(f.ord))
	}
	return at, rows.Err()
}

func (f *lookupFunc) lookupErr(keys []arrow.Array, lo, hi int, err error) error {
	which := "key " + f.keyText(keys, lo)
	if hi-lo > 1 {
		which = fmt.Sprintf("%d keys, the first %s", hi-lo, f.keyText(keys, lo))
	}
	return fail("looking up table %s in %s by %s: %v", f.cfg.name, f.cfg.whereTable(), which, err)
}

// keyText is key row i as (col=value, ...).
func (f *lookupFunc) keyText(keys []arrow.Array, i int) string {
	parts := make([]string, len(keys))
	for c, k := range keys {
		parts[c] = f.cfg.cols[f.cfg.keys[c]].Name + "=" + k.ValueStr(i)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func (f *lookupFunc) Close() error {
	for _, st := range f.stmts {
		st.Close()
	}
	f.stmts = nil
	if f.rb != nil {
		f.rb.Release()
		f.rb = nil
	}
	if f.db != nil {
		err := f.db.Close()
		f.db = nil
		if err != nil {
			return fail("closing the connection to %s: %v", f.cfg.ep.where(), err)
		}
	}
	return nil
}
