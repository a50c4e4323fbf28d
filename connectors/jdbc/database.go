package jdbc

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/mattn/go-sqlite3"

	"github.com/sluice-stream/sluice/table/types"
)

// openDB opens a pool of one connection — a subtask writes or reads
// through one connection, as Flink's JDBC sink and input format do — and
// checks that it connects.
func openDB(ctx context.Context, tc *tableConfig, write bool) (*sql.DB, error) {
	var db *sql.DB
	switch tc.ep.dialect {
	case mysqlDialect:
		c, err := mysql.NewConnector(tc.ep.mysql)
		if err != nil {
			return nil, fail("%s: %v", tc.ep.where(), err)
		}
		db = sql.OpenDB(c)
	case sqliteDialect:
		var err error
		if db, err = sql.Open("sqlite3", tc.ep.sqliteDSN(write, tc.retryTimeout)); err != nil {
			return nil, fail("%s: %v", tc.ep.where(), err)
		}
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	pctx, cancel := context.WithTimeout(ctx, tc.retryTimeout)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		who := ""
		if tc.ep.dialect == mysqlDialect {
			who = " as user " + tc.ep.mysql.User
		}
		return nil, fail("cannot connect to %s%s: %v", tc.ep.where(), who, err)
	}
	return db, nil
}

// tableInfo is what the database says about a table.
type tableInfo struct {
	columns []string
	// declared holds each column's declared type (SQLite only), by
	// column name in lower case.
	declared map[string]string
	// uniqueKeys are the column sets of the primary key and of every
	// unique index.
	uniqueKeys [][]string
}

// inspect reads a table's columns and unique keys; a table without
// columns does not exist.
func inspect(ctx context.Context, db *sql.DB, tc *tableConfig) (*tableInfo, error) {
	var info tableInfo
	var err error
	// A connection lost while the job starts is retried as a flush is,
	// within connection.max-retry-timeout.
	deadline := time.Now().Add(tc.retryTimeout)
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, time.Second) {
		info = tableInfo{}
		switch tc.ep.dialect {
		case mysqlDialect:
			err = inspectMySQL(ctx, db, tc, &info)
		case sqliteDialect:
			err = inspectSQLite(ctx, db, tc, &info)
		}
		if err == nil || !transient(err) || time.Now().Add(wait).After(deadline) || ctx.Err() != nil {
			break
		}
		time.Sleep(wait)
	}
	if err != nil {
		return nil, fail("reading the definition of table %s in %s: %v", tc.name, tc.ep.where(), err)
	}
	if len(info.columns) == 0 {
		return nil, fail("table %s does not exist in %s; the jdbc connector does not create tables (as Flink's): create it first", tc.name, tc.whereTable())
	}
	var missing []string
	for _, c := range tc.cols {
		if !slices.ContainsFunc(info.columns, func(d string) bool { return strings.EqualFold(d, c.Name) }) {
			missing = append(missing, c.Name)
		}
	}
	if len(missing) > 0 {
		return nil, fail("table %s in %s has no column %s; its columns are %s", tc.name, tc.whereTable(), strings.Join(missing, ", "), strings.Join(info.columns, ", "))
	}
	return &info, nil
}

// whereTable names the database of the table, qualified or not.
func (tc *tableConfig) whereTable() string {
	if tc.ep.dialect == mysqlDialect && tc.name.schema != "" {
		return "database " + tc.name.schema + " on " + tc.ep.host
	}
	return tc.ep.where()
}

func inspectMySQL(ctx context.Context, db *sql.DB, tc *tableConfig, info *tableInfo) error {
	var schema any
	if tc.name.schema != "" {
		schema = tc.name.schema
	}
	cols, err := strings1(ctx, db, `SELECT COLUMN_NAME FROM information_schema.COLUMNS
		WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`, schema, tc.name.name)
	if err != nil {
		return err
	}
	info.columns = cols
	rows, err := db.QueryContext(ctx, `SELECT INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS
		WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? AND NON_UNIQUE = 0
		ORDER BY INDEX_NAME, SEQ_IN_INDEX`, schema, tc.name.name)
	if err != nil {
		return err
	}
	defer rows.Close()
	last := ""
	for rows.Next() {
		var idx, col string
		if err := rows.Scan(&idx, &col); err != nil {
			return err
		}
		if idx != last || len(info.uniqueKeys) == 0 {
			info.uniqueKeys = append(info.uniqueKeys, nil)
			last = idx
		}
		k := &info.uniqueKeys[len(info.uniqueKeys)-1]
		*k = append(*k, col)
	}
	return rows.Err()
}

func inspectSQLite(ctx context.Context, db *sql.DB, tc *tableConfig, info *tableInfo) error {
	schema := tc.name.schema
	if schema == "" {
		schema = "main"
	}
	rows, err := db.QueryContext(ctx, `SELECT name, type, pk FROM pragma_table_info(?, ?) ORDER BY cid`, tc.name.name, schema)
	if err != nil {
		return err
	}
	var pk []string
	info.declared = map[string]string{}
	for rows.Next() {
		var name, typ string
		var pos int
		if err := rows.Scan(&name, &typ, &pos); err != nil {
			rows.Close()
			return err
		}
		info.columns = append(info.columns, name)
		info.declared[strings.ToLower(name)] = typ
		if pos > 0 {
			pk = append(pk, name)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(pk) > 0 {
		// An INTEGER PRIMARY KEY is the rowid and has no index of its own.
		info.uniqueKeys = append(info.uniqueKeys, pk)
	}
	idx, err := strings1(ctx, db, `SELECT name FROM pragma_index_list(?, ?) WHERE "unique" = 1`, tc.name.name, schema)
	if err != nil {
		return err
	}
	for _, name := range idx {
		cols, err := strings1(ctx, db, `SELECT name FROM pragma_index_info(?, ?) ORDER BY seqno`, name, schema)
		if err != nil {
			return err
		}
		info.uniqueKeys = append(info.uniqueKeys, cols)
	}
	return nil
}

// strings1 runs a query of one string column.
func strings1(ctx context.Context, db *sql.DB, query string, args ...any) ([]string, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s sql.NullString
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s.String)
	}
	return out, rows.Err()
}

// hasUniqueKey reports whether some unique key of the table is exactly the
// set of columns cols (in any order, any case): what both MySQL's ON
// DUPLICATE KEY and SQLite's ON CONFLICT need to find the row of a key.
func (info *tableInfo) hasUniqueKey(cols []string) bool {
	for _, k := range info.uniqueKeys {
		if len(k) != len(cols) {
			continue
		}
		all := true
		for _, c := range cols {
			if !slices.ContainsFunc(k, func(d string) bool { return strings.EqualFold(c, d) }) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// MySQL and MariaDB errors after which the same work on a new connection
// (or a moment later) may succeed.
var transientMySQL = []uint16{
	1040, // too many connections
	1053, // server shutdown in progress
	1158, // ER_NET_READ_ERROR
	1159, // ER_NET_READ_INTERRUPTED
	1160, // ER_NET_ERROR_ON_WRITE
	1161, // ER_NET_WRITE_INTERRUPTED
	1205, // lock wait timeout
	1213, // deadlock: InnoDB rolled the transaction back
	1317, // query interrupted (KILL QUERY)
	1927, // MariaDB: connection was killed
	2006, // server has gone away
	2013, // lost connection during query
	4031, // MySQL 8: disconnected by the server because of inactivity
}

// transient reports whether err is a lost connection or a lock conflict:
// the whole flush may be tried again. Anything else (a constraint, a value
// the column refuses, a missing table) fails the same way every time.
func transient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysql.ErrInvalidConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return slices.Contains(transientMySQL, me.Number)
	}
	var se sqlite3.Error
	if errors.As(err, &se) {
		return se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked
	}
	var ne net.Error
	return errors.As(err, &ne)
}

// sqliteNumericAffinity reports whether SQLite turns text that looks like
// a number into an INTEGER or REAL in a column of this declared type
// (the affinity rules of https://sqlite.org/datatype3.html, 3.1).
func sqliteNumericAffinity(declared string) bool {
	d := strings.ToUpper(declared)
	switch {
	case strings.Contains(d, "INT"):
		return true
	case strings.Contains(d, "CHAR"), strings.Contains(d, "CLOB"), strings.Contains(d, "TEXT"):
		return false
	case strings.Contains(d, "BLOB"), d == "":
		return false
	}
	return true // REAL or NUMERIC
}

// sqliteDecimalDigits is what SQLite keeps of a number it converts from
// text: 15 significant digits.
const sqliteDecimalDigits = 15

// checkSQLiteDecimals refuses DECIMAL columns whose values SQLite would
// round: in a column of numeric affinity a decimal of more than 15 digits
// becomes an inexact REAL. A TEXT column keeps every digit.
func checkSQLiteDecimals(tc *tableConfig, info *tableInfo) error {
	for _, c := range tc.cols {
		if c.Type.Kind != types.Decimal || c.Type.Precision <= sqliteDecimalDigits {
			continue
		}
		if decl := info.declared[strings.ToLower(c.Name)]; sqliteNumericAffinity(decl) {
			return fmt.Errorf("%s: column %s is %s, but column %s of table %s in %s is declared %s, in which SQLite keeps only %d significant digits of a number; declare it TEXT to keep every digit, or use a precision of at most %d",
				Identifier, c.Name, c.Type, c.Name, tc.name, tc.whereTable(), decl, sqliteDecimalDigits, sqliteDecimalDigits)
		}
	}
	return nil
}

// checkUpsertKey refuses a table without a unique key on the sink's key:
// ON DUPLICATE KEY would silently add a row per change, ON CONFLICT fails.
func checkUpsertKey(tc *tableConfig, info *tableInfo, key []int) error {
	names := make([]string, len(key))
	for i, k := range key {
		names[i] = tc.cols[k].Name
	}
	if info.hasUniqueKey(names) {
		return nil
	}
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = tc.ep.dialect.quote(n)
	}
	return fmt.Errorf("%s: table %s in %s has no PRIMARY KEY or UNIQUE index on (%s), the key the sink upserts by; without one, changes of a key could not replace its row. Add one, e.g. CREATE UNIQUE INDEX %s ON %s (%s)",
		Identifier, tc.name, tc.whereTable(), strings.Join(names, ", "),
		tc.ep.dialect.quote(tc.name.name+"_upsert_key"), tc.ep.dialect.quoteTable(tc.name), strings.Join(quoted, ", "))
}
