package jdbc

import (
	"slices"
	"strings"
)

// Placeholders one statement may carry: MySQL's prepared statements count
// parameters in 16 bits; SQLite's SQLITE_MAX_VARIABLE_NUMBER is 32766
// since 3.32 (go-sqlite3 bundles a later SQLite).
const (
	mysqlMaxParams  = 65535
	sqliteMaxParams = 32766
)

func (d dialect) maxParams() int {
	if d == sqliteDialect {
		return sqliteMaxParams
	}
	return mysqlMaxParams
}

// quote quotes an identifier: `name` for MySQL, "name" for SQLite, with
// the quote character doubled inside.
func (d dialect) quote(ident string) string {
	q := "`"
	if d == sqliteDialect {
		q = `"`
	}
	return q + strings.ReplaceAll(ident, q, q+q) + q
}

// tableName is a table as written in the table-name option: "t" or
// "database.t" (MySQL) / "schema.t" (SQLite).
type tableName struct {
	schema, name string
}

func parseTableName(s string) tableName {
	if schema, name, ok := strings.Cut(s, "."); ok && schema != "" && name != "" {
		return tableName{schema: schema, name: name}
	}
	return tableName{name: s}
}

func (t tableName) String() string {
	if t.schema != "" {
		return t.schema + "." + t.name
	}
	return t.name
}

func (d dialect) quoteTable(t tableName) string {
	if t.schema != "" {
		return d.quote(t.schema) + "." + d.quote(t.name)
	}
	return d.quote(t.name)
}

// statements builds the SQL a sink and a source send for one table.
type statements struct {
	d     dialect
	table string   // quoted
	cols  []string // quoted, in the table's column order
	key   []int    // indexes into cols; nil for a table without a key
}

func (s *statements) columnList() string { return strings.Join(s.cols, ", ") }

func (s *statements) rowPlaceholders(sb *strings.Builder, n, rows int) {
	for r := range rows {
		if r > 0 {
			sb.WriteString(", ")
		}
		sb.WriteByte('(')
		for c := range n {
			if c > 0 {
				sb.WriteString(", ")
			}
			sb.WriteByte('?')
		}
		sb.WriteByte(')')
	}
}

// insert is a multi-row INSERT of rows rows.
func (s *statements) insert(rows int) string {
	var sb strings.Builder
	sb.WriteString("INSERT INTO ")
	sb.WriteString(s.table)
	sb.WriteString(" (")
	sb.WriteString(s.columnList())
	sb.WriteString(") VALUES ")
	s.rowPlaceholders(&sb, len(s.cols), rows)
	return sb.String()
}

// upsert is a multi-row insert that updates the row of an existing key:
// MySQL's ON DUPLICATE KEY UPDATE (as Flink's MySqlDialect), SQLite's
// ON CONFLICT … DO UPDATE. Key columns are left as they are.
func (s *statements) upsert(rows int) string {
	var sb strings.Builder
	sb.WriteString(s.insert(rows))
	var rest []string
	for i, c := range s.cols {
		if !slices.Contains(s.key, i) {
			rest = append(rest, c)
		}
	}
	switch s.d {
	case mysqlDialect:
		sb.WriteString(" ON DUPLICATE KEY UPDATE ")
		if len(rest) == 0 {
			// Every column is in the key: nothing to change, but the
			// clause needs an assignment.
			rest = []string{s.cols[s.key[0]]}
		}
		for i, c := range rest {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(c + " = VALUES(" + c + ")")
		}
	case sqliteDialect:
		sb.WriteString(" ON CONFLICT (")
		for i, k := range s.key {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(s.cols[k])
		}
		sb.WriteString(")")
		if len(rest) == 0 {
			sb.WriteString(" DO NOTHING")
			break
		}
		sb.WriteString(" DO UPDATE SET ")
		for i, c := range rest {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(c + " = excluded." + c)
		}
	}
	return sb.String()
}

// delete removes rows keys: WHERE k IN (…), or for a compound key a
// row-value IN (SQLite wants the right side as a VALUES subquery).
func (s *statements) delete(rows int) string {
	var sb strings.Builder
	sb.WriteString("DELETE FROM ")
	sb.WriteString(s.table)
	sb.WriteString(" WHERE ")
	if len(s.key) == 1 {
		sb.WriteString(s.cols[s.key[0]])
		sb.WriteString(" IN (")
		for r := range rows {
			if r > 0 {
				sb.WriteString(", ")
			}
			sb.WriteByte('?')
		}
		sb.WriteByte(')')
		return sb.String()
	}
	sb.WriteByte('(')
	for i, k := range s.key {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(s.cols[k])
	}
	sb.WriteString(") IN (")
	if s.d == sqliteDialect {
		sb.WriteString("VALUES ")
	}
	s.rowPlaceholders(&sb, len(s.key), rows)
	sb.WriteByte(')')
	return sb.String()
}

// selectAll reads every column; where, if not empty, is a condition.
// SQLite reads +"col": an expression has no declared type, so go-sqlite3
// hands over the stored value as it is instead of turning text in a
// DATE/DATETIME/TIMESTAMP column into a time.Time (and text it cannot
// parse into the zero time, silently).
func (s *statements) selectAll(where string) string {
	var sb strings.Builder
	sb.WriteString("SELECT ")
	for i, c := range s.cols {
		if i > 0 {
			sb.WriteString(", ")
		}
		if s.d == sqliteDialect {
			sb.WriteByte('+')
		}
		sb.WriteString(c)
	}
	sb.WriteString(" FROM ")
	sb.WriteString(s.table)
	if where != "" {
		sb.WriteString(" WHERE ")
		sb.WriteString(where)
	}
	return sb.String()
}
