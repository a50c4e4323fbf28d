package jdbc

import (
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// dialect is the kind of database a URL names.
type dialect uint8

const (
	mysqlDialect dialect = iota + 1 // MySQL and MariaDB
	sqliteDialect
)

func (d dialect) String() string {
	if d == sqliteDialect {
		return "SQLite"
	}
	return "MySQL"
}

// The JDBC driver classes the `driver` option may name, per dialect. The
// option selects nothing here (the URL does); it is checked so that a DDL
// written for another database fails at once rather than at the first
// write.
var driverClasses = map[string]dialect{
	"com.mysql.jdbc.Driver":    mysqlDialect,
	"com.mysql.cj.jdbc.Driver": mysqlDialect,
	"org.mariadb.jdbc.Driver":  mysqlDialect,
	"org.sqlite.JDBC":          sqliteDialect,
}

func driverClassList() string {
	l := make([]string, 0, len(driverClasses))
	for k := range driverClasses {
		l = append(l, k)
	}
	sort.Strings(l)
	return strings.Join(l, ", ")
}

// endpoint is where a table lives: a MySQL server and database, or a
// SQLite file.
type endpoint struct {
	dialect dialect
	// redacted is the URL as written with any password masked: the only
	// form of the URL that may appear in a message.
	redacted string

	// MySQL: the driver configuration (credentials included, never
	// printed) and what messages name.
	mysql    *mysql.Config
	host     string // host:port
	database string

	// SQLite: the database file.
	path string
}

// where names the database in messages: "database sluice on
// 127.0.0.1:3306", "SQLite database /tmp/x.db".
func (e *endpoint) where() string {
	if e.dialect == sqliteDialect {
		return "SQLite database " + e.path
	}
	db := e.database
	if db == "" {
		db = "(none selected)"
	}
	return "database " + db + " on " + e.host
}

// paramPassword matches the value of a password= URL parameter.
var paramPassword = regexp.MustCompile(`(?i)([?&;]password=)[^&;#]*`)

// redactURL masks the passwords a JDBC URL may carry — in its user info,
// up to the last '@' of the authority (a password may hold '/' or ':'),
// and in a password= parameter — so that it can be quoted in errors and
// plans.
func redactURL(raw string) string {
	s := raw
	if i := strings.Index(s, "//"); i >= 0 {
		rest := s[i+2:]
		end := len(rest)
		if j := strings.IndexAny(rest, "?#"); j >= 0 {
			end = j
		}
		if at := strings.LastIndex(rest[:end], "@"); at >= 0 {
			if c := strings.Index(rest[:at], ":"); c >= 0 {
				s = s[:i+2] + rest[:c+1] + "***" + rest[at:]
			}
		}
	}
	return paramPassword.ReplaceAllString(s, "${1}***")
}

// parseURL reads a JDBC URL: jdbc:mysql://host[:port][/database][?params],
// the same with jdbc:mariadb:, or jdbc:sqlite:<path>.
func parseURL(raw string) (*endpoint, error) {
	red := redactURL(raw)
	switch {
	case strings.HasPrefix(raw, "jdbc:mysql:"), strings.HasPrefix(raw, "jdbc:mariadb:"):
		return parseMySQLURL(raw, red)
	case strings.HasPrefix(raw, "jdbc:sqlite:"):
		return parseSQLiteURL(raw, red)
	}
	return nil, fmt.Errorf("'%s' is not a supported JDBC URL; use jdbc:mysql://host:port/database, jdbc:mariadb://host:port/database or jdbc:sqlite:<file>", red)
}

func parseMySQLURL(raw, red string) (*endpoint, error) {
	bad := func(why string) error {
		return fmt.Errorf("'%s' is not a MySQL JDBC URL: %s; expected jdbc:mysql://host[:port]/database[?params]", red, why)
	}
	u, err := url.Parse(strings.TrimPrefix(raw, "jdbc:"))
	if err != nil {
		return nil, bad("it does not parse")
	}
	if u.Opaque != "" || u.Host == "" {
		return nil, bad("no host")
	}
	if strings.Contains(u.Host, ",") {
		return nil, bad("several hosts (failover and load-balancing URLs) are not supported")
	}
	host, port := u.Hostname(), u.Port()
	if host == "" {
		return nil, bad("no host")
	}
	if port == "" {
		port = "3306"
	}
	db := strings.TrimPrefix(u.Path, "/")
	if strings.Contains(db, "/") {
		return nil, bad("the path is more than a database name")
	}
	cfg := mysql.NewConfig()
	cfg.Net = "tcp"
	cfg.Addr = net.JoinHostPort(host, port)
	cfg.DBName = db
	if u.User != nil {
		cfg.User = u.User.Username()
		cfg.Passwd, _ = u.User.Password()
	}
	// The driver reports what it returns; its own log would repeat it on
	// standard error.
	cfg.Logger = &mysql.NopLogger{}
	// Ask the server for max_allowed_packet, so that the driver sends big
	// parameters as long data instead of failing on the server's limit.
	cfg.MaxAllowedPacket = 0
	// Every session works in UTC: TIMESTAMP_LTZ values are written and read
	// as UTC wall clocks, and MySQL TIMESTAMP columns convert from the
	// session zone.
	cfg.Params = map[string]string{"time_zone": "'+00:00'"}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, bad("its parameters do not parse")
	}
	if err := applyMySQLParams(cfg, q, red); err != nil {
		return nil, err
	}
	return &endpoint{dialect: mysqlDialect, redacted: red, mysql: cfg, host: cfg.Addr, database: db}, nil
}

// Connector/J parameters that have no effect here, and why: the driver
// always speaks utf8mb4, sessions run in UTC, statements are multi-row and
// prepared, and a lost connection is replaced by the sink's retry.
var ignoredMySQLParams = []string{
	"allowPublicKeyRetrieval", "autoReconnect", "cachePrepStmts", "characterEncoding",
	"rewriteBatchedStatements", "serverTimezone", "useLegacyDatetimeCode", "useServerPrepStmts", "useUnicode",
}

var mappedMySQLParams = []string{"connectTimeout", "password", "requireSSL", "socketTimeout", "sslMode", "useSSL", "user", "verifyServerCertificate"}

func applyMySQLParams(cfg *mysql.Config, q url.Values, red string) error {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	tls := ""
	verify := false
	for _, k := range keys {
		v := q.Get(k)
		badValue := func(want string) error {
			return fmt.Errorf("'%s': parameter %s = '%s' is not %s", red, k, v, want)
		}
		switch strings.ToLower(k) {
		case "user":
			cfg.User = v
		case "password":
			cfg.Passwd = v
		case "usessl", "requiressl":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return badValue("a boolean")
			}
			if b {
				tls = "skip-verify"
			} else if tls == "" {
				tls = "false"
			}
		case "verifyservercertificate":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return badValue("a boolean")
			}
			verify = b
		case "sslmode":
			switch strings.ToUpper(v) {
			case "DISABLED":
				tls = "false"
			case "PREFERRED":
				tls = "preferred"
			case "REQUIRED":
				tls = "skip-verify"
			case "VERIFY_CA", "VERIFY_IDENTITY":
				tls = "true"
			default:
				return badValue("DISABLED, PREFERRED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY")
			}
		case "connecttimeout", "sockettimeout":
			ms, err := strconv.ParseInt(v, 10, 64)
			if err != nil || ms < 0 {
				return badValue("a number of milliseconds")
			}
			d := time.Duration(ms) * time.Millisecond
			if strings.EqualFold(k, "connectTimeout") {
				cfg.Timeout = d
			} else {
				cfg.ReadTimeout, cfg.WriteTimeout = d, d
			}
		default:
			if !slices.ContainsFunc(ignoredMySQLParams, func(p string) bool { return strings.EqualFold(p, k) }) {
				return fmt.Errorf("'%s': parameter '%s' is not supported; supported: %s (and, without effect here, %s)",
					red, k, strings.Join(mappedMySQLParams, ", "), strings.Join(ignoredMySQLParams, ", "))
			}
		}
	}
	if tls == "skip-verify" && verify {
		tls = "true"
	}
	cfg.TLSConfig = tls
	return nil
}

func parseSQLiteURL(raw, red string) (*endpoint, error) {
	p := strings.TrimPrefix(raw, "jdbc:sqlite:")
	p = strings.TrimPrefix(p, "file:")
	if strings.Contains(p, "?") {
		return nil, fmt.Errorf("'%s': SQLite URL parameters are not supported; write jdbc:sqlite:<file>", red)
	}
	if p == "" || p == ":memory:" || strings.Contains(p, "mode=memory") {
		// An in-memory database is private to one connection and starts
		// empty, and this connector creates no tables: nothing could be
		// read from it or written to it.
		return nil, fmt.Errorf("'%s': an in-memory SQLite database cannot be used, because each connection gets its own empty one and the jdbc connector does not create tables; name a file: jdbc:sqlite:/path/to/db.sqlite", red)
	}
	return &endpoint{dialect: sqliteDialect, redacted: red, path: filepath.Clean(p)}, nil
}

// sqliteDSN is the go-sqlite3 data source name for the file: mode=rw (ro
// for a reader) so that a wrong path is an error instead of a new empty
// database; a busy timeout so that concurrent subtasks wait for each
// other's locks (connection.max-retry-timeout, after which the flush is
// retried); and for a writer BEGIN IMMEDIATE, so that a flush takes the
// write lock when it starts instead of failing to upgrade a read lock
// halfway.
func (e *endpoint) sqliteDSN(write bool, busy time.Duration) string {
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(e.path)
	mode := "ro"
	if write {
		mode = "rw"
	}
	dsn := fmt.Sprintf("file:%s?mode=%s&_busy_timeout=%d", esc, mode, busy.Milliseconds())
	if write {
		dsn += "&_txlock=immediate"
	}
	return dsn
}
