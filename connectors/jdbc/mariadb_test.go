package jdbc

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/types"
)

// Where the integration tests find MariaDB (make test sets these).
const (
	envMariaDBURL      = "SLUICE_TEST_MARIADB_URL"
	envMariaDBUser     = "SLUICE_TEST_MARIADB_USER"
	envMariaDBPassword = "SLUICE_TEST_MARIADB_PASSWORD"
)

// mariaDB connects to the MariaDB the environment names. Without the
// variables the test is skipped; with them, a server that does not answer
// fails it.
func mariaDB(t testing.TB) *testDB {
	t.Helper()
	url := os.Getenv(envMariaDBURL)
	if url == "" {
		t.Skipf("MariaDB integration test: set %s (e.g. jdbc:mysql://127.0.0.1:3306/sluice), %s and %s to run it; `make test` sets them and `scripts/services/mariadb.sh up` starts the server",
			envMariaDBURL, envMariaDBUser, envMariaDBPassword)
	}
	ep, err := parseURL(url)
	require.NoError(t, err, "%s", envMariaDBURL)
	require.Equal(t, mysqlDialect, ep.dialect, "%s must be a jdbc:mysql: or jdbc:mariadb: URL", envMariaDBURL)
	user, pass := os.Getenv(envMariaDBUser), os.Getenv(envMariaDBPassword)
	cfg := ep.mysql.Clone()
	cfg.User, cfg.Passwd = user, pass
	c, err := mysql.NewConnector(cfg)
	require.NoError(t, err)
	db := sql.OpenDB(c)
	t.Cleanup(func() { db.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, db.PingContext(ctx), "MariaDB at %s is configured (%s) but does not answer; start it with scripts/services/mariadb.sh up", ep.redacted, envMariaDBURL)
	return &testDB{t: t, dialect: mysqlDialect, url: url, db: db,
		opts: map[string]string{OptionUsername: user, OptionPassword: pass}}
}

func TestMariaDBErrors(t *testing.T) {
	db := mariaDB(t)
	ep, _ := parseURL(db.url)
	opts := db.options("no_such_table")
	cols := []connector.Column{col("id", types.INT())}
	s, err := Factory{}.NewSink(&connector.Context{Table: "t", Columns: cols, Options: opts})
	require.NoError(t, err)
	inst := s.Instance(0, 1)
	err = inst.Open(context.Background(), &engine.RuntimeContext{Parallelism: 1})
	require.Error(t, err)
	assert.Contains(t, err.Error(), fmt.Sprintf("table no_such_table does not exist in database %s on %s", ep.database, ep.host))
	require.NoError(t, inst.Close())

	// Without a unique key ON DUPLICATE KEY UPDATE would add a row per
	// change: the sink refuses to start.
	name := db.table("nokey", "id INT, v INT")
	s, err = Factory{}.NewSink(&connector.Context{Table: "t", Columns: []connector.Column{col("id", types.INT()), col("v", types.INT())},
		UpsertKey: []int{0}, Options: db.options(name)})
	require.NoError(t, err)
	inst = s.Instance(0, 1)
	err = inst.Open(context.Background(), &engine.RuntimeContext{Parallelism: 1})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "has no PRIMARY KEY or UNIQUE index on (id)")
	require.NoError(t, inst.Close())

	// A wrong password: the server's refusal, without the password.
	opts[OptionPassword] = "Wr0ng-Pa55word"
	s, err = Factory{}.NewSink(&connector.Context{Table: "t", Columns: cols, Options: opts})
	require.NoError(t, err)
	inst = s.Instance(0, 1)
	err = inst.Open(context.Background(), &engine.RuntimeContext{Parallelism: 1})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Access denied")
	assert.NotContains(t, err.Error(), "Wr0ng-Pa55word")
	require.NoError(t, inst.Close())
}

// A streaming job writes an aggregate while its connections are killed
// (KILL CONNECTION from another session, in the middle of flushes): the
// sink retries whole flushes, and the table ends exactly right.
func TestMariaDBKilledConnection(t *testing.T) {
	db := mariaDB(t)
	name := db.table("killed", "k INT PRIMARY KEY, n BIGINT, total BIGINT")
	const rows, keys = 12000, 50

	ctx := context.Background()
	killer, err := db.db.Conn(ctx)
	require.NoError(t, err)
	defer killer.Close()
	var self int64
	require.NoError(t, killer.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&self))
	before := map[int64]bool{}
	for _, id := range sessionIDs(t, killer) {
		before[id] = true
	}

	env := table.NewEnvironment(table.Settings{Streaming: true})
	_, err = env.ExecuteSQL(ctx, fmt.Sprintf(`CREATE TABLE gen (id BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '%d',
		'rows-per-second' = '3000', 'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '%d')`, rows, rows))
	require.NoError(t, err)
	_, err = env.ExecuteSQL(ctx, "CREATE TABLE agg (k INT, n BIGINT, total BIGINT, PRIMARY KEY (k) NOT ENFORCED) "+
		withClause(db.options(name, OptionFlushMaxRows, "20", OptionFlushInterval, "20ms", OptionMaxRetries, "20")))
	require.NoError(t, err)
	job, err := env.Submit(ctx, fmt.Sprintf("INSERT INTO agg SELECT CAST(id %% %d AS INT), COUNT(*), SUM(id) FROM gen GROUP BY CAST(id %% %d AS INT)", keys, keys))
	require.NoError(t, err)

	retries := func() int64 {
		var n int64
		for _, m := range job.Metrics() {
			n += m.Counters[CounterRetries]
		}
		return n
	}
	kills := 0
	for done := false; !done && retries() < 5; {
		select {
		case <-job.Done():
			done = true
			continue
		case <-time.After(5 * time.Millisecond):
		}
		// The sink's connection: killed inside a flush's transaction or
		// statement, the flush fails and is retried; killed while idle, the
		// pool replaces it unnoticed.
		for _, id := range sessionIDs(t, killer) {
			if id == self || before[id] {
				continue
			}
			if _, err := killer.ExecContext(ctx, fmt.Sprintf("KILL CONNECTION %d", id)); err == nil {
				kills++
			}
			time.Sleep(150 * time.Millisecond)
			break
		}
	}
	res, err := job.Wait()
	require.NoError(t, err)
	sink, ok := res.Operator("JdbcSink(" + name + ")")
	require.True(t, ok)
	t.Logf("%d kills, %d retries, %d flushes", kills, sink.Counters[CounterRetries], sink.Counters[CounterFlushes])
	require.Greater(t, sink.Counters[CounterRetries], int64(0), "no flush was retried: the test killed nothing in flight")

	var want []string
	for k := range keys {
		n, total := 0, 0
		for id := 1; id <= rows; id++ {
			if id%keys == k {
				n++
				total += id
			}
		}
		want = append(want, fmt.Sprintf("%d|%d|%d", k, n, total))
	}
	sort.Strings(want)
	assert.Equal(t, want, db.rows("SELECT k, n, total FROM "+name))
}

// sessionIDs lists the connections of this user to this database,
// those running a statement first. (Which ones hold an open transaction
// only INNODB_TRX tells, and it needs the PROCESS privilege.)
func sessionIDs(t testing.TB, c *sql.Conn) []int64 {
	t.Helper()
	rows, err := c.QueryContext(context.Background(), `SELECT ID FROM information_schema.PROCESSLIST
		WHERE USER = SUBSTRING_INDEX(USER(), '@', 1) AND DB = DATABASE() ORDER BY COMMAND = 'Sleep'`)
	require.NoError(t, err)
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		require.NoError(t, rows.Scan(&id))
		ids = append(ids, id)
	}
	require.NoError(t, rows.Err())
	return ids
}
