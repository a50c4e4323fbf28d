package jdbc

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/mattn/go-sqlite3"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/types"
)

func TestRegistered(t *testing.T) {
	f, err := connector.Lookup(Identifier)
	require.NoError(t, err)
	_, ok := f.(connector.SourceFactory)
	assert.True(t, ok)
	_, ok = f.(connector.SinkFactory)
	assert.True(t, ok)
	_, ok = f.(connector.LegacyFactory)
	assert.True(t, ok)
}

func TestParseURL(t *testing.T) {
	tests := []struct {
		url                    string
		dialect                dialect
		addr, db, user, passwd string
		path                   string
	}{
		{url: "jdbc:mysql://127.0.0.1:3306/sluice", dialect: mysqlDialect, addr: "127.0.0.1:3306", db: "sluice"},
		{url: "jdbc:mysql://localhost/Flink", dialect: mysqlDialect, addr: "localhost:3306", db: "Flink"},
		{url: "jdbc:mariadb://db.example:3307/x?user=u&password=p", dialect: mysqlDialect, addr: "db.example:3307", db: "x", user: "u", passwd: "p"},
		{url: "jdbc:mysql://u:p%40ss@[::1]:3306/x?useSSL=false&serverTimezone=UTC&characterEncoding=utf8", dialect: mysqlDialect, addr: "[::1]:3306", db: "x", user: "u", passwd: "p@ss"},
		{url: "jdbc:mysql://h:1", dialect: mysqlDialect, addr: "h:1"},
		{url: "jdbc:sqlite:/tmp/a.db", dialect: sqliteDialect, path: "/tmp/a.db"},
		{url: "jdbc:sqlite:file:rel/b.db", dialect: sqliteDialect, path: "rel/b.db"},
	}
	for _, tc := range tests {
		t.Run(tc.url, func(t *testing.T) {
			ep, err := parseURL(tc.url)
			require.NoError(t, err)
			assert.Equal(t, tc.dialect, ep.dialect)
			if tc.dialect == mysqlDialect {
				assert.Equal(t, tc.addr, ep.mysql.Addr)
				assert.Equal(t, tc.db, ep.mysql.DBName)
				assert.Equal(t, tc.user, ep.mysql.User)
				assert.Equal(t, tc.passwd, ep.mysql.Passwd)
				assert.Equal(t, "'+00:00'", ep.mysql.Params["time_zone"])
			} else {
				assert.Equal(t, tc.path, ep.path)
			}
		})
	}
}

func TestMySQLURLParameters(t *testing.T) {
	tests := []struct {
		params, tls string
	}{
		{"", ""},
		{"useSSL=false", "false"},
		{"useSSL=true", "skip-verify"},
		{"useSSL=true&verifyServerCertificate=true", "true"},
		{"sslMode=PREFERRED", "preferred"},
		{"sslMode=VERIFY_IDENTITY", "true"},
		{"sslMode=disabled", "false"},
	}
	for _, tc := range tests {
		ep, err := parseURL("jdbc:mysql://h:3306/d?" + tc.params)
		require.NoError(t, err, tc.params)
		assert.Equal(t, tc.tls, ep.mysql.TLSConfig, tc.params)
	}
	ep, err := parseURL("jdbc:mysql://h:3306/d?connectTimeout=2500&socketTimeout=30000")
	require.NoError(t, err)
	assert.Equal(t, "2.5s", ep.mysql.Timeout.String())
	assert.Equal(t, "30s", ep.mysql.ReadTimeout.String())
}

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"jdbc:mysql://root:s3cret@localhost:3306/db", "jdbc:mysql://root:***@localhost:3306/db"},
		{"jdbc:mysql://localhost/db?user=root&password=s3cret&useSSL=false", "jdbc:mysql://localhost/db?user=root&password=***&useSSL=false"},
		{"jdbc:mysql://localhost/db?PASSWORD=s3cret", "jdbc:mysql://localhost/db?PASSWORD=***"},
		{"jdbc:mysql://root@localhost/db", "jdbc:mysql://root@localhost/db"},
		{"jdbc:mysql://u:pa/s:s@h:3306/db", "jdbc:mysql://u:***@h:3306/db"},
		{"jdbc:mysql://h:3306/db?user=a@b", "jdbc:mysql://h:3306/db?user=a@b"},
		{"jdbc:sqlite:/tmp/x.db", "jdbc:sqlite:/tmp/x.db"},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, redactURL(tc.in))
	}
}

// Errors name the option and never carry a password, whether it came in
// the URL or in the password option.
func TestOptionErrors(t *testing.T) {
	cols := []connector.Column{col("id", types.INT()), col("name", types.STRING())}
	base := func(kv ...string) map[string]string {
		o := map[string]string{"connector": Identifier, OptionURL: "jdbc:mysql://localhost:3306/db", OptionTableName: "t",
			OptionUsername: "root", OptionPassword: "Sup3rS3cret"}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "<delete>" {
				delete(o, kv[i])
				continue
			}
			o[kv[i]] = kv[i+1]
		}
		return o
	}
	tests := []struct {
		name   string
		opts   map[string]string
		cols   []connector.Column
		source bool
		want   string
	}{
		{name: "no url", opts: base(OptionURL, "<delete>"), want: "requires option 'url'"},
		{name: "no table", opts: base(OptionTableName, "<delete>"), want: "requires option 'table-name'"},
		{name: "unknown lookup option", opts: base("lookup.cache.size", "10"), want: "does not support option 'lookup.cache.size'"},
		{name: "other database", opts: base(OptionURL, "jdbc:postgresql://h/db"), want: "is not a supported JDBC URL"},
		{name: "memory", opts: base(OptionURL, "jdbc:sqlite::memory:"), want: "in-memory SQLite database cannot be used"},
		{name: "no host", opts: base(OptionURL, "jdbc:mysql:///db"), want: "no host"},
		{name: "failover", opts: base(OptionURL, "jdbc:mysql://a,b/db"), want: "several hosts"},
		{name: "url param", opts: base(OptionURL, "jdbc:mysql://u:Sup3rS3cret@h/db?password=Sup3rS3cret&bogus=1"), want: "parameter 'bogus' is not supported"},
		{name: "bad ssl mode", opts: base(OptionURL, "jdbc:mysql://h/db?sslMode=SOMETIMES"), want: "sslMode = 'SOMETIMES' is not DISABLED"},
		{name: "no database", opts: base(OptionURL, "jdbc:mysql://h:3306"), want: "names no database"},
		{name: "driver mismatch", opts: base(OptionDriver, "org.sqlite.JDBC"), want: "driver = 'org.sqlite.JDBC' is a SQLite driver, but url 'jdbc:mysql://localhost:3306/db' names a MySQL database"},
		{name: "driver unknown", opts: base(OptionDriver, "org.postgresql.Driver"), want: "driver = 'org.postgresql.Driver' is not a supported driver"},
		{name: "max-rows", opts: base(OptionFlushMaxRows, "ten"), want: "sink.buffer-flush.max-rows = 'ten' is not an integer"},
		{name: "negative max-rows", opts: base(OptionFlushMaxRows, "-1"), want: "sink.buffer-flush.max-rows = '-1' must not be negative"},
		{name: "interval", opts: base(OptionFlushInterval, "soon"), want: "sink.buffer-flush.interval = 'soon' is not a duration"},
		{name: "retries", opts: base(OptionMaxRetries, "-2"), want: "sink.max-retries = '-2' must not be negative"},
		{name: "parallelism", opts: base(OptionSinkParallelism, "0"), want: "sink.parallelism = '0' must be at least 1"},
		{name: "retry timeout", opts: base(OptionMaxRetryTimeout, "500ms"), want: "connection.max-retry-timeout = '500ms' must be whole seconds"},
		{name: "array column", opts: base(), cols: []connector.Column{col("a", types.ARRAY(types.INT()))}, want: "column a has type ARRAY<INT>, which a JDBC table cannot hold"},
		{name: "row column", opts: base(), cols: []connector.Column{col("r", types.ROW(types.FIELD("x", types.INT())))}, source: true, want: "column r has type ROW<"},
		{name: "mysql nanos", opts: base(), cols: []connector.Column{col("ts", types.TIMESTAMP(9))}, want: "column ts is TIMESTAMP(9), but MySQL keeps at most 6 fractional digits"},
		{name: "partial partitioning", opts: base(OptionPartitionColumn, "id", OptionPartitionNum, "2"), source: true,
			want: "either all or none of scan.partition.column, scan.partition.num, scan.partition.lower-bound, scan.partition.upper-bound"},
		{name: "partition num", opts: base(OptionPartitionColumn, "id", OptionPartitionNum, "0", OptionPartitionLower, "1", OptionPartitionUpper, "9"), source: true,
			want: "scan.partition.num = '0' must be at least 1"},
		{name: "partition bounds", opts: base(OptionPartitionColumn, "id", OptionPartitionNum, "2", OptionPartitionLower, "10", OptionPartitionUpper, "9"), source: true,
			want: "scan.partition.lower-bound = 10 is greater than scan.partition.upper-bound = 9"},
		{name: "partition column type", opts: base(OptionPartitionColumn, "name", OptionPartitionNum, "2", OptionPartitionLower, "1", OptionPartitionUpper, "9"), source: true,
			want: "scan.partition.column = 'name' is STRING; the partition column must be numeric"},
		{name: "fetch size", opts: base(OptionFetchSize, "-1"), source: true, want: "scan.fetch-size = '-1' must not be negative"},
		{name: "auto-commit", opts: base(OptionAutoCommit, "maybe"), source: true, want: "scan.auto-commit = 'maybe' is not a boolean"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := cols
			if tc.cols != nil {
				c = tc.cols
			}
			ctx := &connector.Context{Table: "t", Columns: c, Options: tc.opts, Config: engine.Config{}}
			var err error
			if tc.source {
				_, err = Factory{}.NewSource(ctx)
			} else {
				_, err = Factory{}.NewSink(ctx)
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "Sup3rS3cret")
		})
	}
}

// A server that cannot be reached: the error names where, never the
// password.
func TestConnectErrorHasNoPassword(t *testing.T) {
	opts := map[string]string{"connector": Identifier, OptionURL: "jdbc:mysql://sluice:Sup3rS3cret@127.0.0.1:1/db?connectTimeout=1000",
		OptionTableName: "t", OptionMaxRetryTimeout: "1s"}
	s, err := Factory{}.NewSink(&connector.Context{Table: "t", Columns: []connector.Column{col("id", types.INT())}, Options: opts})
	require.NoError(t, err)
	assert.NotContains(t, s.Describe, "Sup3rS3cret")
	inst := s.Instance(0, 1)
	err = inst.Open(context.Background(), &engine.RuntimeContext{Parallelism: 1})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cannot connect to database db on 127.0.0.1:1 as user sluice")
	assert.NotContains(t, err.Error(), "Sup3rS3cret")
	require.NoError(t, inst.Close())
}

func TestLegacyKeys(t *testing.T) {
	opts, err := connector.Normalize(Factory{}, map[string]string{
		"connector.type":                       "jdbc",
		"connector.url":                        "jdbc:mysql://localhost:3306/Flink",
		"connector.table":                      "access_statistic",
		"connector.driver":                     "com.mysql.jdbc.Driver",
		"connector.username":                   "root",
		"connector.password":                   "root",
		"connector.read.partition.column":      "id",
		"connector.read.partition.num":         "4",
		"connector.read.partition.lower-bound": "1",
		"connector.read.partition.upper-bound": "100",
		"connector.read.fetch-size":            "500",
		"connector.write.flush.max-rows":       "5000",
		"connector.write.flush.interval":       "1s",
		"connector.write.max-retries":          "2",
	})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{
		"connector": "jdbc", "url": "jdbc:mysql://localhost:3306/Flink", "table-name": "access_statistic",
		"driver": "com.mysql.jdbc.Driver", "username": "root", "password": "root",
		"scan.partition.column": "id", "scan.partition.num": "4", "scan.partition.lower-bound": "1", "scan.partition.upper-bound": "100",
		"scan.fetch-size": "500", "sink.buffer-flush.max-rows": "5000", "sink.buffer-flush.interval": "1s", "sink.max-retries": "2",
	}, opts)
	require.NoError(t, connector.ValidateOptions(Factory{}, opts))

	// Flink 1.10's lookup keys are the JDBC connector's legacy lookup options.
	opts, err = connector.Normalize(Factory{}, map[string]string{"connector.type": "jdbc", "connector.lookup.cache.max-rows": "10",
		"connector.lookup.cache.ttl": "5s", "connector.lookup.max-retries": "1"})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"connector": "jdbc", "lookup.cache.max-rows": "10", "lookup.cache.ttl": "5s", "lookup.max-retries": "1"}, opts)
}

// The ranges are Flink's JdbcNumericBetweenParametersProvider's.
func TestNumericSplits(t *testing.T) {
	tests := []struct {
		lo, hi int64
		num    int
		want   []split
	}{
		{1, 10, 3, []split{{1, 4}, {5, 7}, {8, 10}}},
		{1, 10, 1, []split{{1, 10}}},
		{1, 10, 10, []split{{1, 1}, {2, 2}, {3, 3}, {4, 4}, {5, 5}, {6, 6}, {7, 7}, {8, 8}, {9, 9}, {10, 10}}},
		{1, 3, 5, []split{{1, 1}, {2, 2}, {3, 3}}},
		{-5, 4, 4, []split{{-5, -3}, {-2, 0}, {1, 2}, {3, 4}}},
		{7, 7, 3, []split{{7, 7}}},
		{0, 999, 4, []split{{0, 249}, {250, 499}, {500, 749}, {750, 999}}},
		{-1 << 63, 1<<63 - 1, 2, []split{{-1 << 63, -1}, {0, 1<<63 - 1}}},
	}
	for _, tc := range tests {
		got := numericSplits(tc.lo, tc.hi, tc.num)
		assert.Equal(t, tc.want, got, "[%d, %d] / %d", tc.lo, tc.hi, tc.num)
	}
}

func TestStatements(t *testing.T) {
	my := statements{d: mysqlDialect, table: mysqlDialect.quoteTable(parseTableName("db.t`x")),
		cols: []string{"`id`", "`na``me`", "`v`"}, key: []int{0}}
	lite := statements{d: sqliteDialect, table: sqliteDialect.quoteTable(parseTableName(`t"x`)),
		cols: []string{`"id"`, `"k2"`, `"v"`}, key: []int{0, 1}}
	tests := []struct{ got, want string }{
		{my.insert(2), "INSERT INTO `db`.`t``x` (`id`, `na``me`, `v`) VALUES (?, ?, ?), (?, ?, ?)"},
		{my.upsert(1), "INSERT INTO `db`.`t``x` (`id`, `na``me`, `v`) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE `na``me` = VALUES(`na``me`), `v` = VALUES(`v`)"},
		{my.delete(3), "DELETE FROM `db`.`t``x` WHERE `id` IN (?, ?, ?)"},
		{my.selectAll("`id` BETWEEN ? AND ?"), "SELECT `id`, `na``me`, `v` FROM `db`.`t``x` WHERE `id` BETWEEN ? AND ?"},
		{lite.upsert(2), `INSERT INTO "t""x" ("id", "k2", "v") VALUES (?, ?, ?), (?, ?, ?) ON CONFLICT ("id", "k2") DO UPDATE SET "v" = excluded."v"`},
		{lite.delete(2), `DELETE FROM "t""x" WHERE ("id", "k2") IN (VALUES (?, ?), (?, ?))`},
		{lite.selectAll(""), `SELECT +"id", +"k2", +"v" FROM "t""x"`},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, tc.got)
	}
	allKey := statements{d: sqliteDialect, table: `"t"`, cols: []string{`"k"`}, key: []int{0}}
	assert.Equal(t, `INSERT INTO "t" ("k") VALUES (?) ON CONFLICT ("k") DO NOTHING`, allKey.upsert(1))
	allKey.d = mysqlDialect
	assert.Equal(t, `INSERT INTO "t" ("k") VALUES (?) ON DUPLICATE KEY UPDATE "k" = VALUES("k")`, allKey.upsert(1))
}

func TestTextForms(t *testing.T) {
	assert.Equal(t, "1970-01-01", string(appendDate(nil, 0)))
	assert.Equal(t, "1969-12-31", string(appendDate(nil, -1)))
	assert.Equal(t, "9999-12-31", string(appendDate(nil, 2932896)))
	assert.Equal(t, "0001-01-01", string(appendDate(nil, -719162)))
	assert.Equal(t, "23:59:59.123", string(appendTime(nil, 86399_123_456_789, 3)))
	assert.Equal(t, "00:00:01", string(appendTime(nil, 1_999_999_999, 0)))
	assert.Equal(t, "12:00:00.000000001", string(appendTime(nil, 43200_000_000_001, 9)))
	sec, nanos := splitEpoch(-1, 3) // -1 ns
	assert.Equal(t, "1969-12-31 23:59:59.999999999", string(appendTimestamp(nil, sec, nanos, 9)))
	assert.Equal(t, "1969-12-31 23:59:59.999", string(appendTimestamp(nil, sec, nanos, 3)))
}

func TestTransient(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{nil, false},
		{context.Canceled, false},
		{fmt.Errorf("x: %w", context.DeadlineExceeded), false},
		{driver.ErrBadConn, true},
		{fmt.Errorf("exec: %w", mysql.ErrInvalidConn), true},
		{io.ErrUnexpectedEOF, true},
		{&net.OpError{Op: "read", Err: syscall.ECONNRESET}, true},
		{&mysql.MySQLError{Number: 1927, Message: "Connection was killed"}, true},
		{&mysql.MySQLError{Number: 2013}, true},
		{&mysql.MySQLError{Number: 1213}, true},
		{&mysql.MySQLError{Number: 1062, Message: "Duplicate entry"}, false},
		{&mysql.MySQLError{Number: 1406, Message: "Data too long"}, false},
		{sqlite3.Error{Code: sqlite3.ErrBusy}, true},
		{sqlite3.Error{Code: sqlite3.ErrConstraint}, false},
		{errors.New("syntax error"), false},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, transient(tc.err), "%v", tc.err)
	}
}
