package bench

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/go-sql-driver/mysql"

	"github.com/sluice-stream/sluice/connectors/jdbc"
	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/types"
	"github.com/sluice-stream/sluice/vectorized"
)

// Where `bench jdbc` finds MariaDB by default: the variables the
// integration tests read (make test sets them).
const (
	EnvMariaDBURL      = "SLUICE_TEST_MARIADB_URL"
	EnvMariaDBUser     = "SLUICE_TEST_MARIADB_USER"
	EnvMariaDBPassword = "SLUICE_TEST_MARIADB_PASSWORD"
)

// ErrJDBCNotConfigured is RunJDBC's answer when no MariaDB URL is given.
var ErrJDBCNotConfigured = fmt.Errorf("no MariaDB to measure against: set %s (e.g. jdbc:mysql://127.0.0.1:3306/sluice), %s and %s, or pass --url; scripts/services/mariadb.sh up starts one",
	EnvMariaDBURL, EnvMariaDBUser, EnvMariaDBPassword)

// JDBCConfig says what `bench jdbc` measures.
type JDBCConfig struct {
	URL      string // jdbc:mysql://host:port/database
	User     string
	Password string
	// Rows is the number of rows written per measurement; buffer sizes
	// below 100 commit every few rows and write Rows/50 (at least 1000).
	Rows        int
	BufferSizes []int // sink.buffer-flush.max-rows values to sweep
	// Keys is the number of distinct keys the rows cycle through; more
	// than the largest buffer, so that no buffer folds two changes of a
	// key and both sides write every row.
	Keys int
	// Repeat is how many times each side runs, alternating; the fastest
	// run of each counts.
	Repeat int
}

// DefaultJDBCConfig is what `sluice bench jdbc` runs; the server comes
// from the environment.
func DefaultJDBCConfig() JDBCConfig {
	return JDBCConfig{
		URL: os.Getenv(EnvMariaDBURL), User: os.Getenv(EnvMariaDBUser), Password: os.Getenv(EnvMariaDBPassword),
		Rows: 100_000, BufferSizes: []int{1, 100, 1000}, Keys: 10_000, Repeat: 3,
	}
}

// JDBCMeasurement is one buffer size: the connector's sink against a
// hand-written loop of the same multi-row upserts over database/sql.
type JDBCMeasurement struct {
	BufferSize         int     `json:"buffer_size"`
	Rows               int     `json:"rows"`
	Seconds            float64 `json:"seconds"`
	RowsPerSec         float64 `json:"rows_per_sec"`
	BaselineSeconds    float64 `json:"baseline_seconds"`
	BaselineRowsPerSec float64 `json:"baseline_rows_per_sec"`
	// Ratio is the connector's rows/s over the baseline's: 1.0 means the
	// connector costs nothing beyond the database's own work.
	Ratio float64 `json:"ratio"`
}

// JDBCReport is the whole run.
type JDBCReport struct {
	Server       string            `json:"server"`
	Keys         int               `json:"keys"`
	Measurements []JDBCMeasurement `json:"measurements"`
}

const jdbcBenchColumns = "k BIGINT PRIMARY KEY, name VARCHAR(32), x BIGINT, v DOUBLE"

var jdbcBenchSchema = []connector.Column{
	{Name: "k", Type: types.BIGINT()}, {Name: "name", Type: types.STRING()},
	{Name: "x", Type: types.BIGINT()}, {Name: "v", Type: types.DOUBLE()},
}

// RunJDBC measures upserts into MariaDB through the jdbc connector's sink
// at each buffer size, against the same rows written by a plain
// database/sql loop of multi-row INSERT … ON DUPLICATE KEY UPDATE, one
// transaction per buffer, measured in the same run.
func RunJDBC(ctx context.Context, cfg JDBCConfig, progress io.Writer) (*JDBCReport, error) {
	if cfg.URL == "" {
		return nil, ErrJDBCNotConfigured
	}
	if cfg.Repeat < 1 {
		cfg.Repeat = 1
	}
	for _, b := range cfg.BufferSizes {
		if b < 1 || b > cfg.Keys {
			return nil, fmt.Errorf("bench jdbc: buffer size %d must be in [1, keys = %d]", b, cfg.Keys)
		}
	}
	db, addr, err := benchDB(cfg)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	var version string
	if err := db.QueryRowContext(ctx, "SELECT VERSION()").Scan(&version); err != nil {
		return nil, fmt.Errorf("bench jdbc: %s: %w", addr, err)
	}
	name := fmt.Sprintf("sluice_bench_jdbc_%d", os.Getpid())
	if _, err := db.ExecContext(ctx, "CREATE TABLE "+name+" ("+jdbcBenchColumns+")"); err != nil {
		return nil, fmt.Errorf("bench jdbc: creating table %s: %w", name, err)
	}
	defer db.ExecContext(context.Background(), "DROP TABLE IF EXISTS "+name)

	rep := &JDBCReport{Server: version + " at " + addr, Keys: cfg.Keys}
	for _, size := range cfg.BufferSizes {
		rows := cfg.Rows
		if size < 100 {
			rows = max(cfg.Rows/50, 1000)
		}
		batches, values := jdbcBenchRows(rows, cfg.Keys)
		var best, bestBase time.Duration
		sink := func() (time.Duration, error) { return timeJDBCSink(ctx, db, cfg, name, size, batches) }
		loop := func() (time.Duration, error) { return timeUpsertLoop(ctx, db, name, size, values) }
		for r := range cfg.Repeat {
			// Alternate which side goes first, so that neither always
			// meets a warmer (or a busier) server.
			first, second := sink, loop
			if r%2 == 1 {
				first, second = loop, sink
			}
			a, err := first()
			if err == nil {
				var b time.Duration
				b, err = second()
				if r%2 == 1 {
					a, b = b, a
				}
				best, bestBase = fastestOf(best, a), fastestOf(bestBase, b)
			}
			if err != nil {
				releaseBatches(batches)
				return nil, err
			}
		}
		releaseBatches(batches)
		m := JDBCMeasurement{BufferSize: size, Rows: rows, Seconds: best.Seconds(), RowsPerSec: float64(rows) / best.Seconds(),
			BaselineSeconds: bestBase.Seconds(), BaselineRowsPerSec: float64(rows) / bestBase.Seconds()}
		m.Ratio = m.RowsPerSec / m.BaselineRowsPerSec
		rep.Measurements = append(rep.Measurements, m)
		if progress != nil {
			fmt.Fprintf(progress, "  buffer %5d: %10.0f rows/s (database/sql loop %10.0f rows/s)\n", size, m.RowsPerSec, m.BaselineRowsPerSec)
		}
	}
	return rep, nil
}

func fastestOf(best, d time.Duration) time.Duration {
	if best == 0 || d < best {
		return d
	}
	return best
}

// benchDB connects the baseline and the table set-up, with the settings
// the connector's sessions use.
func benchDB(cfg JDBCConfig) (*sql.DB, string, error) {
	rest, ok := strings.CutPrefix(cfg.URL, "jdbc:mysql://")
	if !ok {
		rest, ok = strings.CutPrefix(cfg.URL, "jdbc:mariadb://")
	}
	if !ok {
		return nil, "", fmt.Errorf("bench jdbc: the URL must be jdbc:mysql://host:port/database or jdbc:mariadb://…")
	}
	addr, dbName, _ := strings.Cut(rest, "/")
	dbName, _, _ = strings.Cut(dbName, "?")
	mc := mysql.NewConfig()
	mc.Net, mc.Addr, mc.DBName, mc.User, mc.Passwd = "tcp", addr, dbName, cfg.User, cfg.Password
	mc.Params = map[string]string{"time_zone": "'+00:00'"}
	c, err := mysql.NewConnector(mc)
	if err != nil {
		return nil, "", fmt.Errorf("bench jdbc: %w", err)
	}
	db := sql.OpenDB(c)
	db.SetMaxOpenConns(1)
	return db, addr + "/" + dbName, nil
}

// jdbcBenchRows generates the rows once, before any clock starts: as
// Arrow batches of 1000 rows for the sink, as driver values for the loop.
func jdbcBenchRows(n, keys int) ([]*vectorized.Batch, [][]any) {
	values := make([][]any, n)
	var batches []*vectorized.Batch
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "k", Type: arrow.PrimitiveTypes.Int64, Nullable: true}, {Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "x", Type: arrow.PrimitiveTypes.Int64, Nullable: true}, {Name: "v", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	}, nil)
	rb := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer rb.Release()
	for i := range n {
		k, name, x, v := int64(i%keys), "province-"+strconv.Itoa(i%31), int64(i), float64(i)*0.5
		values[i] = []any{k, name, x, v}
		rb.Field(0).(*array.Int64Builder).Append(k)
		rb.Field(1).(*array.StringBuilder).Append(name)
		rb.Field(2).(*array.Int64Builder).Append(x)
		rb.Field(3).(*array.Float64Builder).Append(v)
		if (i+1)%1000 == 0 || i == n-1 {
			batches = append(batches, vectorized.NewBatch(rb.NewRecordBatch()))
		}
	}
	return batches, values
}

func truncate(ctx context.Context, db *sql.DB, name string) error {
	_, err := db.ExecContext(ctx, "TRUNCATE TABLE "+name)
	return err
}

// timeJDBCSink writes the batches through one subtask of the jdbc sink,
// as the engine drives it: Open, Write per batch, Finish, Close.
func timeJDBCSink(ctx context.Context, db *sql.DB, cfg JDBCConfig, name string, size int, batches []*vectorized.Batch) (time.Duration, error) {
	if err := truncate(ctx, db, name); err != nil {
		return 0, err
	}
	opts := map[string]string{
		"connector": jdbc.Identifier, jdbc.OptionURL: cfg.URL, jdbc.OptionTableName: name,
		jdbc.OptionUsername: cfg.User, jdbc.OptionPassword: cfg.Password,
		jdbc.OptionFlushMaxRows: strconv.Itoa(size), jdbc.OptionFlushInterval: "0",
	}
	target, err := jdbc.Factory{}.NewSink(&connector.Context{Table: name, Columns: jdbcBenchSchema, UpsertKey: []int{0}, Options: opts})
	if err != nil {
		return 0, err
	}
	s := target.Instance(0, 1)
	if err := s.Open(ctx, &engine.RuntimeContext{Parallelism: 1, Mem: memory.DefaultAllocator, Metrics: &engine.OperatorMetrics{}}); err != nil {
		return 0, errors.Join(err, s.Close())
	}
	start := time.Now()
	for _, b := range batches {
		if err := s.Write(ctx, b); err != nil {
			return 0, errors.Join(err, s.Close())
		}
	}
	if err := s.Finish(ctx); err != nil {
		return 0, errors.Join(err, s.Close())
	}
	d := time.Since(start)
	return d, s.Close()
}

// timeUpsertLoop is the baseline: what a program that knows its rows and
// its table would write by hand — one prepared multi-row upsert per
// buffer, each in its own transaction.
func timeUpsertLoop(ctx context.Context, db *sql.DB, name string, size int, rows [][]any) (time.Duration, error) {
	if err := truncate(ctx, db, name); err != nil {
		return 0, err
	}
	stmts := map[int]*sql.Stmt{}
	defer func() {
		for _, st := range stmts {
			st.Close()
		}
	}()
	prepare := func(n int) (*sql.Stmt, error) {
		if st, ok := stmts[n]; ok {
			return st, nil
		}
		q := "INSERT INTO " + name + " (k, name, x, v) VALUES " +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?), ", n), ", ") +
			" ON DUPLICATE KEY UPDATE name = VALUES(name), x = VALUES(x), v = VALUES(v)"
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			return nil, err
		}
		stmts[n] = st
		return st, nil
	}
	args := make([]any, 0, 4*size)
	start := time.Now()
	for len(rows) > 0 {
		chunk := rows[:min(size, len(rows))]
		rows = rows[len(chunk):]
		st, err := prepare(len(chunk))
		if err != nil {
			return 0, err
		}
		args = args[:0]
		for _, r := range chunk {
			args = append(args, r...)
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return 0, err
		}
		if _, err := tx.StmtContext(ctx, st).ExecContext(ctx, args...); err != nil {
			_ = tx.Rollback()
			return 0, err
		}
		if err := tx.Commit(); err != nil {
			return 0, err
		}
	}
	return time.Since(start), nil
}

// WriteTable prints the report for people.
func (r *JDBCReport) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "JDBC upsert benchmark: MariaDB %s; table (%s), %d keys; one sink subtask\n", r.Server, jdbcBenchColumns, r.Keys)
	fmt.Fprintf(w, "baseline: the same rows as prepared multi-row INSERT … ON DUPLICATE KEY UPDATE over database/sql, one transaction per buffer\n\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "sink.buffer-flush.max-rows\trows\tconnector rows/s\tbaseline rows/s\tratio\t")
	for _, m := range r.Measurements {
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%.2f\t\n", m.BufferSize, m.Rows, humanRate(m.RowsPerSec), humanRate(m.BaselineRowsPerSec), m.Ratio)
	}
	return tw.Flush()
}

// WriteJSON prints the same figures as JSON.
func (r *JDBCReport) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
