package jdbc

import (
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-stream/sluice/connectors/internal/option"
	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
)

// Identifier is the value of the `connector` option (and of Flink 1.10's
// `connector.type`).
const Identifier = "jdbc"

// Options, with Flink's names (JdbcConnectorOptions).
const (
	OptionURL             = "url"
	OptionTableName       = "table-name"
	OptionDriver          = "driver"
	OptionUsername        = "username"
	OptionPassword        = "password"
	OptionMaxRetryTimeout = "connection.max-retry-timeout"
	OptionPartitionColumn = "scan.partition.column"
	OptionPartitionNum    = "scan.partition.num"
	OptionPartitionLower  = "scan.partition.lower-bound"
	OptionPartitionUpper  = "scan.partition.upper-bound"
	OptionFetchSize       = "scan.fetch-size"
	OptionAutoCommit      = "scan.auto-commit"
	OptionFlushMaxRows    = "sink.buffer-flush.max-rows"
	OptionFlushInterval   = "sink.buffer-flush.interval"
	OptionMaxRetries      = "sink.max-retries"
	OptionSinkParallelism = "sink.parallelism"
)

// Defaults, as Flink's JdbcConnectorOptions.
const (
	DefaultFlushMaxRows    = 100
	DefaultFlushInterval   = time.Second
	DefaultMaxRetries      = 3
	DefaultMaxRetryTimeout = 60 * time.Second
)

// Factory is the jdbc connector, source and sink.
type Factory struct{}

func init() { connector.Register(Factory{}) }

// Identifier implements connector.Factory.
func (Factory) Identifier() string { return Identifier }

// Options implements connector.Factory.
func (Factory) Options() []connector.Option {
	return append(lookupOptions(), []connector.Option{
		{Key: OptionURL, Required: true, Description: "JDBC URL: jdbc:mysql://host:port/database, jdbc:mariadb://…, or jdbc:sqlite:<file>."},
		{Key: OptionTableName, Required: true, Description: "The table in the database (optionally database.table)."},
		{Key: OptionDriver, Description: "JDBC driver class; checked against the URL (com.mysql.cj.jdbc.Driver, org.mariadb.jdbc.Driver, org.sqlite.JDBC, …)."},
		{Key: OptionUsername, Description: "User name; overrides one in the URL."},
		{Key: OptionPassword, Description: "Password; overrides one in the URL. Never printed."},
		{Key: OptionMaxRetryTimeout, Default: "60s", Description: "Timeout of connecting and of checking a connection, in whole seconds; for SQLite also how long a statement waits for another writer's lock."},
		{Key: OptionPartitionColumn, Description: "Numeric column whose range [lower-bound, upper-bound] splits the scan."},
		{Key: OptionPartitionNum, Description: "Number of ranges the scan is split into."},
		{Key: OptionPartitionLower, Description: "Smallest value of the first range."},
		{Key: OptionPartitionUpper, Description: "Largest value of the last range."},
		{Key: OptionFetchSize, Default: "0", Description: "Rows fetched per round trip; both drivers stream rows, so it bounds nothing further."},
		{Key: OptionAutoCommit, Default: "true", Description: "When false, each range is read in one read-only transaction."},
		{Key: OptionFlushMaxRows, Default: "100", Description: "Buffered rows that trigger a flush; 0 disables."},
		{Key: OptionFlushInterval, Default: "1s", Description: "Interval of background flushes; 0 disables."},
		{Key: OptionMaxRetries, Default: "3", Description: "Retries of a flush that lost its connection or met a lock conflict."},
		{Key: OptionSinkParallelism, Description: "Parallelism of the sink; by default the job's."},
	}...)
}

// LegacyKeys implements connector.LegacyFactory: Flink 1.10's
// `connector.*` keys of the JDBC descriptor.
func (Factory) LegacyKeys() map[string]string {
	return map[string]string{
		"url":                        OptionURL,
		"table":                      OptionTableName,
		"driver":                     OptionDriver,
		"username":                   OptionUsername,
		"password":                   OptionPassword,
		"read.partition.column":      OptionPartitionColumn,
		"read.partition.num":         OptionPartitionNum,
		"read.partition.lower-bound": OptionPartitionLower,
		"read.partition.upper-bound": OptionPartitionUpper,
		"read.fetch-size":            OptionFetchSize,
		"write.flush.max-rows":       OptionFlushMaxRows,
		"write.flush.interval":       OptionFlushInterval,
		"write.max-retries":          OptionMaxRetries,
		"lookup.cache.max-rows":      OptionLookupCacheMaxRows,
		"lookup.cache.ttl":           OptionLookupCacheTTL,
		"lookup.max-retries":         connector.OptionLookupMaxRetries,
	}
}

// LegacyVersions implements connector.LegacyFactory: the JDBC descriptor
// had no version.
func (Factory) LegacyVersions() []string { return nil }

// tableConfig is what sources and sinks share: where the table is, its
// columns and how long connecting may take.
type tableConfig struct {
	ep           *endpoint
	name         tableName
	cols         []connector.Column
	retryTimeout time.Duration
	stmts        statements
}

// fail is an error about the table in the connector's voice.
func fail(format string, args ...any) error {
	return fmt.Errorf("%s: %s", Identifier, fmt.Sprintf(format, args...))
}

func readTable(ctx *connector.Context) (*tableConfig, option.Reader, error) {
	r := option.Reader{Connector: Identifier, Options: ctx.Options}
	if err := connector.ValidateOptions(Factory{}, ctx.Options); err != nil {
		return nil, r, err
	}
	ep, err := parseURL(ctx.Options[OptionURL])
	if err != nil {
		return nil, r, fail("%s %v", OptionURL, err)
	}
	if r.Has(OptionDriver) {
		drv := strings.TrimSpace(ctx.Options[OptionDriver])
		d, ok := driverClasses[drv]
		switch {
		case !ok:
			return nil, r, r.Errorf(OptionDriver, "is not a supported driver; supported: %s", driverClassList())
		case d != ep.dialect:
			return nil, r, r.Errorf(OptionDriver, "is a %s driver, but url '%s' names a %s database", d, ep.redacted, ep.dialect)
		}
	}
	if ep.dialect == mysqlDialect {
		// The options win over credentials in the URL, as with Connector/J's
		// DriverManager.getConnection(url, user, password).
		if r.Has(OptionUsername) {
			ep.mysql.User = ctx.Options[OptionUsername]
		}
		if r.Has(OptionPassword) {
			ep.mysql.Passwd = ctx.Options[OptionPassword]
		}
	}
	name := parseTableName(strings.TrimSpace(r.String(OptionTableName, "")))
	if name.name == "" {
		return nil, r, r.Errorf(OptionTableName, "is empty")
	}
	if ep.dialect == mysqlDialect && ep.database == "" && name.schema == "" {
		return nil, r, fail("url '%s' names no database and %s '%s' is not qualified; write jdbc:mysql://host:port/database or %s = 'database.%s'",
			ep.redacted, OptionTableName, name, OptionTableName, name.name)
	}
	timeout, err := r.Duration(OptionMaxRetryTimeout, DefaultMaxRetryTimeout)
	if err != nil {
		return nil, r, err
	}
	if timeout < time.Second || timeout%time.Second != 0 {
		// Flink: "The timeout should be in second granularity and shouldn't
		// be smaller than 1 second."
		return nil, r, r.Errorf(OptionMaxRetryTimeout, "must be whole seconds, at least 1 s")
	}
	if len(ctx.Columns) == 0 {
		return nil, r, fail("table %s has no columns", ctx.Table)
	}
	if err := checkColumns(ep.dialect, ctx.Columns); err != nil {
		return nil, r, fail("table %s: %v", ctx.Table, err)
	}
	if ep.dialect == mysqlDialect {
		ep.mysql.Timeout = timeout
	}
	tc := &tableConfig{ep: ep, name: name, cols: ctx.Columns, retryTimeout: timeout}
	tc.stmts = statements{d: ep.dialect, table: ep.dialect.quoteTable(name)}
	for _, c := range ctx.Columns {
		tc.stmts.cols = append(tc.stmts.cols, ep.dialect.quote(c.Name))
	}
	return tc, r, nil
}

// sinkConfig is a sink's table and its buffering and retry settings.
type sinkConfig struct {
	*tableConfig
	key        []int // upsert key; nil: plain inserts
	maxRows    int
	interval   time.Duration
	maxRetries int
}

// NewSink implements connector.SinkFactory. With an upsert key (the
// primary key, or a legacy sink's GROUP BY key) it accepts an upsert
// changelog and writes upserts and deletes; without one it appends.
func (Factory) NewSink(ctx *connector.Context) (*connector.Sink, error) {
	tc, r, err := readTable(ctx)
	if err != nil {
		return nil, err
	}
	sc := &sinkConfig{tableConfig: tc}
	if sc.maxRows, err = r.Int(OptionFlushMaxRows, DefaultFlushMaxRows); err != nil {
		return nil, err
	}
	if sc.maxRows < 0 {
		return nil, r.Errorf(OptionFlushMaxRows, "must not be negative (0 disables flushing by size)")
	}
	if sc.interval, err = r.Duration(OptionFlushInterval, DefaultFlushInterval); err != nil {
		return nil, err
	}
	if sc.interval < 0 {
		return nil, r.Errorf(OptionFlushInterval, "must not be negative (0 disables flushing by time)")
	}
	if sc.maxRetries, err = r.Int(OptionMaxRetries, DefaultMaxRetries); err != nil {
		return nil, err
	}
	if sc.maxRetries < 0 {
		return nil, r.Errorf(OptionMaxRetries, "must not be negative")
	}
	par, err := r.Int(OptionSinkParallelism, 0)
	if err != nil {
		return nil, err
	}
	if r.Has(OptionSinkParallelism) && par < 1 {
		return nil, r.Errorf(OptionSinkParallelism, "must be at least 1")
	}
	for _, k := range ctx.UpsertKey {
		if k < 0 || k >= len(ctx.Columns) {
			return nil, fail("table %s: upsert key column %d does not exist", ctx.Table, k)
		}
	}
	sc.key = append([]int(nil), ctx.UpsertKey...)
	sc.stmts.key = sc.key
	accepts := connector.InsertOnly
	describe := fmt.Sprintf("url=%s, table-name=%s", tc.ep.redacted, tc.name)
	if len(sc.key) > 0 {
		// Flink's JDBC sink: upsert mode with a key, -U not needed.
		accepts = connector.Upsert
		names := make([]string, len(sc.key))
		for i, k := range sc.key {
			names[i] = ctx.Columns[k].Name
		}
		describe += ", upsert-key=(" + strings.Join(names, ", ") + ")"
	}
	return &connector.Sink{
		Accepts:     accepts,
		Parallelism: par,
		Instance: func(subtask, _ int) engine.Sink {
			return &sink{cfg: sc, subtask: subtask}
		},
		Describe: describe,
	}, nil
}

// scanConfig is a source's table, its ranges and how to read them.
type scanConfig struct {
	*tableConfig
	splits     []split // nil: one scan of the whole table
	partCol    string  // quoted
	autoCommit bool
	batch      int
	schema     *arrow.Schema
}

// split is one range of the partition column, both ends included.
type split struct{ lo, hi int64 }

// NewSource implements connector.SourceFactory: a bounded, insert-only
// scan, split by scan.partition.* into ranges read in parallel.
func (Factory) NewSource(ctx *connector.Context) (*connector.Source, error) {
	tc, r, err := readTable(ctx)
	if err != nil {
		return nil, err
	}
	sc := &scanConfig{tableConfig: tc}
	if sc.autoCommit, err = r.Bool(OptionAutoCommit, true); err != nil {
		return nil, err
	}
	fetch, err := r.Int(OptionFetchSize, 0)
	if err != nil {
		return nil, err
	}
	if fetch < 0 {
		return nil, r.Errorf(OptionFetchSize, "must not be negative")
	}
	if sc.batch, err = option.BatchSize(ctx.Config); err != nil {
		return nil, fail("%v", err)
	}
	parts := []string{OptionPartitionColumn, OptionPartitionNum, OptionPartitionLower, OptionPartitionUpper}
	given := 0
	for _, k := range parts {
		if r.Has(k) {
			given++
		}
	}
	describe := fmt.Sprintf("url=%s, table-name=%s", tc.ep.redacted, tc.name)
	par := 1
	switch given {
	case 0:
	case len(parts):
		if sc.splits, sc.partCol, err = readPartitions(r, ctx, tc.ep.dialect); err != nil {
			return nil, err
		}
		// The ranges are spread over the job's parallel subtasks.
		par = 0
		describe += fmt.Sprintf(", partitions=%d on %s in [%s, %s]", len(sc.splits), ctx.Options[OptionPartitionColumn],
			ctx.Options[OptionPartitionLower], ctx.Options[OptionPartitionUpper])
	default:
		return nil, fail("either all or none of %s must be given (as in Flink)", strings.Join(parts, ", "))
	}
	fs := make([]arrow.Field, len(ctx.Columns))
	for i, c := range ctx.Columns {
		fs[i] = arrow.Field{Name: c.Name, Type: c.Type.Arrow(), Nullable: !c.Type.NotNull}
	}
	sc.schema = arrow.NewSchema(fs, nil)
	return &connector.Source{
		Bounded:     true,
		Mode:        connector.InsertOnly,
		Parallelism: par,
		Instance: func(subtask, parallelism int) engine.Source {
			return &source{cfg: sc, subtask: subtask, parallelism: parallelism}
		},
		Describe: describe,
	}, nil
}

func readPartitions(r option.Reader, ctx *connector.Context, d dialect) ([]split, string, error) {
	col := strings.TrimSpace(ctx.Options[OptionPartitionColumn])
	if col == "" {
		return nil, "", r.Errorf(OptionPartitionColumn, "is empty")
	}
	// The column may be one the DDL leaves out; when declared it must be
	// numeric, since the ranges are numeric.
	for _, c := range ctx.Columns {
		if strings.EqualFold(c.Name, col) && !c.Type.IsNumeric() {
			return nil, "", r.Errorf(OptionPartitionColumn, "is %s; the partition column must be numeric", c.Type)
		}
	}
	num, err := r.Int(OptionPartitionNum, 0)
	if err != nil {
		return nil, "", err
	}
	if num < 1 {
		return nil, "", r.Errorf(OptionPartitionNum, "must be at least 1")
	}
	lo, err := r.Int64(OptionPartitionLower, 0)
	if err != nil {
		return nil, "", err
	}
	hi, err := r.Int64(OptionPartitionUpper, 0)
	if err != nil {
		return nil, "", err
	}
	if lo > hi {
		return nil, "", fail("%s = %d is greater than %s = %d", OptionPartitionLower, lo, OptionPartitionUpper, hi)
	}
	return numericSplits(lo, hi, num), d.quote(col), nil
}

// numericSplits splits [lo, hi] into num ranges as Flink's
// JdbcNumericBetweenParametersProvider does: at most one range per value;
// ranges of ceil(count/num) values first, then ranges one value shorter.
// The arithmetic is exact where Flink's goes through a double.
func numericSplits(lo, hi int64, num int) []split {
	one := big.NewInt(1)
	count := new(big.Int).Sub(big.NewInt(hi), big.NewInt(lo))
	count.Add(count, one)
	n := big.NewInt(int64(num))
	if count.Cmp(n) < 0 {
		n.Set(count)
	}
	size := new(big.Int).Add(count, new(big.Int).Sub(n, one))
	size.Div(size, n)
	// The first `long` ranges hold size values, the others size-1.
	long := new(big.Int).Sub(count, new(big.Int).Mul(new(big.Int).Sub(size, one), n))
	out := make([]split, n.Int64())
	start := big.NewInt(lo)
	for i := range out {
		end := new(big.Int).Add(start, size)
		end.Sub(end, one)
		if big.NewInt(int64(i)).Cmp(long) >= 0 {
			end.Sub(end, one)
		}
		out[i] = split{lo: start.Int64(), hi: end.Int64()}
		start = end.Add(end, one)
	}
	return out
}
