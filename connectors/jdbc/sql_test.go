package jdbc

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/sluice-stream/sluice/connectors/values"
	"github.com/sluice-stream/sluice/table"
)

// orders is a changelog source: inserts, updates and deletes.
const orders = `CREATE TABLE orders (id INT, city STRING, amount INT) WITH (
  'connector' = 'values',
  'changelog-mode' = 'I,UB,UA,D',
  'data' = '+I[1, bj, 10]; +I[2, sh, 20]; +I[3, bj, 5]; -U[1, bj, 10]; +U[1, bj, 30]; -D[3, bj, 5]; +I[4, gz, 7]; -D[2, sh, 20]; +I[5, sz, 1]'
)`

func runSQL(t *testing.T, env *table.Environment, stmts ...string) *table.Result {
	t.Helper()
	var res *table.Result
	for _, s := range stmts {
		var err error
		res, err = env.ExecuteSQL(context.Background(), s)
		require.NoError(t, err, s)
	}
	return res
}

// An updating GROUP BY into a table with a primary key: upserts and
// deletes leave the final aggregate, whatever the buffer size.
func TestSQLUpsertFromChangelog(t *testing.T) {
	eachDatabase(t, func(t *testing.T, db *testDB) {
		for _, maxRows := range []string{"1", "3", "100"} {
			t.Run("max-rows "+maxRows, func(t *testing.T) {
				name := db.table("city_stats", "city VARCHAR(10) PRIMARY KEY, n BIGINT, total INT")
				env := table.NewEnvironment(table.Settings{Streaming: true})
				res := runSQL(t, env, orders,
					"CREATE TABLE stats (city STRING, n BIGINT, total INT, PRIMARY KEY (city) NOT ENFORCED) "+withClause(db.options(name, OptionFlushMaxRows, maxRows)),
					"INSERT INTO stats SELECT city, COUNT(*), SUM(amount) FROM orders GROUP BY city")
				assert.Equal(t, []string{"bj|1|30", "gz|1|7", "sz|1|1"}, db.rows("SELECT city, n, total FROM "+name))
				m, ok := res.Job.Operator("JdbcSink(" + name + ")")
				require.True(t, ok)
				assert.Zero(t, m.Counters[CounterRetries])

				// Read back through the connector, in batch mode.
				res = runSQL(t, table.NewEnvironment(table.Settings{}),
					"CREATE TABLE stats (city STRING, n BIGINT, total INT) "+withClause(db.options(name)),
					"SELECT city, total FROM stats WHERE n = 1 ORDER BY city")
				assert.Equal(t, [][]string{{"bj", "30"}, {"gz", "7"}, {"sz", "1"}}, res.Text())
			})
		}
	})
}

// The CDN job's sink as PyFlink 1.10 declared it: legacy keys, no primary
// key; the upsert key comes from the query's GROUP BY.
func TestSQLLegacyDDL(t *testing.T) {
	eachDatabase(t, func(t *testing.T, db *testDB) {
		name := db.table("access_statistic", "province VARCHAR(20) PRIMARY KEY, access_count BIGINT, total_download BIGINT, download_speed DOUBLE")
		legacy := []string{"'connector.type' = 'jdbc'", "'connector.url' = '" + db.url + "'", "'connector.table' = '" + name + "'",
			"'connector.write.flush.interval' = '1s'"}
		if db.dialect == mysqlDialect {
			legacy = append(legacy, "'connector.driver' = 'com.mysql.jdbc.Driver'",
				"'connector.username' = '"+db.opts[OptionUsername]+"'", "'connector.password' = '"+db.opts[OptionPassword]+"'")
		}
		env := table.NewEnvironment(table.Settings{Streaming: true})
		runSQL(t, env, `CREATE TABLE cdn_access_log (uuid VARCHAR, province VARCHAR, request_time BIGINT, response_size BIGINT) WITH (
			'connector' = 'values',
			'data' = '+I[a, Beijing, 4, 100]; +I[b, Shanghai, 2, 300]; +I[c, Beijing, 5, 50]; +I[d, Beijing, 1, 10]')`,
			`CREATE TABLE cdn_access_statistic (
			  province VARCHAR,
			  access_count BIGINT,
			  total_download BIGINT,
			  download_speed DOUBLE
			) WITH (`+strings.Join(legacy, ", ")+`)`,
			`INSERT INTO cdn_access_statistic
			 SELECT province, COUNT(uuid) AS access_count, SUM(response_size) AS total_download,
			        SUM(response_size) * 1.0 / SUM(request_time) AS download_speed
			 FROM cdn_access_log GROUP BY province`)
		assert.Equal(t, []string{"Beijing|3|160|16", "Shanghai|1|300|150"},
			db.rows("SELECT province, access_count, total_download, download_speed FROM "+name))
	})
}

func TestSQLPlanErrors(t *testing.T) {
	db := sqliteTestDB(t)
	name := db.table("appendonly", "city TEXT, n BIGINT")
	env := table.NewEnvironment(table.Settings{Streaming: true})
	runSQL(t, env, orders, "CREATE TABLE sink (city STRING, n BIGINT) "+withClause(db.options(name)))
	// Without a key the sink only appends; an updating query needs one.
	_, err := env.ExecuteSQL(context.Background(), "INSERT INTO sink SELECT city, COUNT(*) FROM orders GROUP BY city")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "accepts only [I]")
	assert.Contains(t, err.Error(), "PRIMARY KEY (city) NOT ENFORCED")

	// JDBC tables hold scalar types only, as in Flink.
	runSQL(t, env, "CREATE TABLE arrays (a ARRAY<INT>) WITH ('connector' = 'values', 'data' = '+I[[1, 2]]')",
		"CREATE TABLE arr (a ARRAY<INT>) "+withClause(db.options(name)))
	for _, stmt := range []string{"INSERT INTO arr SELECT a FROM arrays", "SELECT * FROM arr"} {
		_, err = env.ExecuteSQL(context.Background(), stmt)
		require.Error(t, err, stmt)
		assert.Contains(t, err.Error(), "column a has type ARRAY<INT>, which a JDBC table cannot hold", stmt)
	}
}
