package sql

import (
	"fmt"
	"strconv"
	"strings"
)

// parser is a recursive-descent parser over a fully lexed token slice. Errors
// unwind the recursion with a panic carrying a *Error, recovered at the entry
// points (as go/parser does), which keeps the grammar functions readable.
type parser struct {
	src   string
	toks  []Token
	i     int
	depth int
}

type bailout struct{ err *Error }

// maxDepth bounds nesting (parentheses, subqueries, nested types) so that
// hostile input fails with an error instead of exhausting the stack.
const maxDepth = 300

func newParser(src string, mode lexMode) (*parser, error) {
	toks, err := lex(src, mode)
	if err != nil {
		return nil, err
	}
	return &parser{src: src, toks: toks}, nil
}

// run calls f, turning a bailout panic into an error.
func (p *parser) run(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			b, ok := r.(bailout)
			if !ok {
				panic(r)
			}
			err = b.err
		}
	}()
	f()
	return nil
}

// Parse parses exactly one statement; a trailing ';' is allowed. Use
// ParseScript for several statements and for BEGIN STATEMENT SET blocks.
func Parse(src string) (Statement, error) {
	p, err := newParser(src, modeSQL)
	if err != nil {
		return nil, err
	}
	var stmt Statement
	err = p.run(func() {
		start := p.i
		if p.peek().Kind == EOF {
			p.failf(p.peek().Pos, "empty statement")
		}
		if p.isWord("BEGIN") {
			p.failf(p.peek().Pos, "BEGIN STATEMENT SET opens a statement set of a script: use ParseScript, or EXECUTE STATEMENT SET BEGIN ...; END")
		}
		stmt = p.parseStatement()
		p.setText(stmt, start)
		if p.acceptPunct(";") {
			for p.acceptPunct(";") {
			}
			if p.peek().Kind != EOF {
				p.failf(p.peek().Pos, "found a second statement after ';'; Parse reads one statement (use ParseScript for scripts)")
			}
		}
		p.expectEOF("end of statement")
	})
	if err != nil {
		return nil, err
	}
	return stmt, nil
}

// ParseQuery parses one query (SELECT, VALUES, WITH, set operations).
func ParseQuery(src string) (Query, error) {
	stmt, err := Parse(src)
	if err != nil {
		return nil, err
	}
	q, ok := stmt.(Query)
	if !ok {
		return nil, &Error{Pos: stmt.Pos(), Msg: "expected a query, found " + describeStmt(stmt), Source: src}
	}
	return q, nil
}

// ParseScript parses a ';'-separated script, as the SQL client runs it.
// BEGIN STATEMENT SET; INSERT ...; INSERT ...; END; becomes one
// *StatementSet. Every statement keeps its position and source text.
func ParseScript(src string) ([]Statement, error) {
	p, err := newParser(src, modeSQL)
	if err != nil {
		return nil, err
	}
	var stmts []Statement
	err = p.run(func() {
		for {
			for p.acceptPunct(";") {
			}
			if p.peek().Kind == EOF {
				return
			}
			start := p.i
			var stmt Statement
			if p.isWord("BEGIN") {
				stmt = p.parseBeginStatementSet()
			} else {
				if p.isWord("END") {
					p.failf(p.peek().Pos, "END without BEGIN STATEMENT SET")
				}
				stmt = p.parseStatement()
			}
			p.setText(stmt, start)
			stmts = append(stmts, stmt)
			if p.peek().Kind != EOF {
				p.expectPunct(";", "\";\" between statements")
			}
		}
	})
	if err != nil {
		return nil, err
	}
	return stmts, nil
}

// ParseExpression parses one SQL expression, such as a computed column or a
// PyFlink call_sql("...") string.
//
// The Table API DSL's calls of Flink's built-in functions arrive marked,
// `$builtin$plus`((a + b)): a call of the function named plus whose
// built-in meaning is a + b (FuncCall.Builtin), so that a temporary system
// function named plus is called instead, as Flink's Table API resolves
// the built-ins it calls by name; SQL's own operators are not shadowed.
// Every parse accepts the mark, as DSL text also reaches statements
// (computed columns of descriptors' schemas).
func ParseExpression(src string) (Expr, error) {
	p, err := newParser(src, modeSQL)
	if err != nil {
		return nil, err
	}
	var e Expr
	err = p.run(func() {
		e = p.parseExpr()
		p.expectEOF("end of expression")
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// ParseDataType parses a SQL data type such as "ROW<a INT, b ARRAY<STRING>>".
func ParseDataType(src string) (*DataType, error) {
	p, err := newParser(src, modeSQL)
	if err != nil {
		return nil, err
	}
	var t *DataType
	err = p.run(func() {
		t = p.parseDataType()
		p.expectEOF("end of data type")
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

func describeStmt(s Statement) string {
	switch s.(type) {
	case *CreateTable:
		return "CREATE TABLE"
	case *CreateView:
		return "CREATE VIEW"
	case *CreateFunction:
		return "CREATE FUNCTION"
	case *Drop:
		return "DROP"
	case *AlterTable:
		return "ALTER TABLE"
	case *AlterView:
		return "ALTER VIEW"
	case *AlterFunction:
		return "ALTER FUNCTION"
	case *Insert:
		return "INSERT"
	case *StatementSet:
		return "a statement set"
	case *Explain:
		return "EXPLAIN"
	case *Show:
		return "SHOW"
	case *Describe:
		return "DESCRIBE"
	case *Set:
		return "SET"
	case *Reset:
		return "RESET"
	case *Use:
		return "USE"
	}
	return "a query"
}

// setText records the statement's source text, from its first token to the
// last token consumed, and makes the statement start at its first token
// (which may be a parenthesis before the SELECT).
func (p *parser) setText(stmt Statement, start int) {
	b := stmt.base()
	b.Start = p.toks[start].Pos
	b.Text = p.src[p.toks[start].Pos.Offset:p.toks[p.i-1].End]
}

func (s *StmtBase) base() *StmtBase { return s }

// --- token helpers ---

func (p *parser) peek() Token { return p.toks[p.i] }

func (p *parser) peekAt(k int) Token {
	if p.i+k < len(p.toks) {
		return p.toks[p.i+k]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) next() Token {
	t := p.toks[p.i]
	if t.Kind != EOF {
		p.i++
	}
	return t
}

func (p *parser) isWord(kw string) bool { return p.peek().upper() == kw }

func (p *parser) isWordAt(k int, kw string) bool { return p.peekAt(k).upper() == kw }

func (p *parser) acceptWord(kw string) bool {
	if p.isWord(kw) {
		p.next()
		return true
	}
	return false
}

// acceptWords consumes the keyword sequence kws if it is next.
func (p *parser) acceptWords(kws ...string) bool {
	for k, kw := range kws {
		if !p.isWordAt(k, kw) {
			return false
		}
	}
	p.i += len(kws)
	return true
}

func (p *parser) expectWord(kw string) Token {
	if !p.isWord(kw) {
		p.unexpected(kw)
	}
	return p.next()
}

func (p *parser) isPunct(s string) bool {
	t := p.peek()
	return t.Kind == Punct && t.Value == s
}

func (p *parser) isPunctAt(k int, s string) bool {
	t := p.peekAt(k)
	return t.Kind == Punct && t.Value == s
}

func (p *parser) acceptPunct(s string) bool {
	if p.isPunct(s) {
		p.next()
		return true
	}
	return false
}

func (p *parser) expectPunct(s, expected string) Token {
	if !p.isPunct(s) {
		if expected == "" {
			expected = strconv.Quote(s)
		}
		p.unexpected(expected)
	}
	return p.next()
}

func (p *parser) expectEOF(expected string) {
	if p.peek().Kind != EOF {
		p.unexpected(expected)
	}
}

func (p *parser) failf(pos Pos, format string, args ...any) {
	panic(bailout{&Error{Pos: pos, Msg: fmt.Sprintf(format, args...), Source: p.src}})
}

// unexpected fails at the current token: unexpected X; expected Y. When a
// comma precedes a closing token, the comma is the likely mistake.
func (p *parser) unexpected(expected string) {
	t := p.peek()
	msg := fmt.Sprintf("unexpected %s; expected %s", t.describe(), expected)
	if p.i > 0 && p.toks[p.i-1].Kind == Punct && p.toks[p.i-1].Value == "," &&
		(t.Kind == EOF || t.Kind == Punct && (t.Value == ")" || t.Value == "]") || structural[t.upper()]) {
		msg += " (trailing comma?)"
	}
	p.failf(t.Pos, "%s", msg)
}

// startsItem reports whether t could begin another list element, which after
// a complete element means a comma is probably missing.
func startsItem(t Token) bool {
	switch t.Kind {
	case QuotedIdent, String, Number, BinaryString:
		return true
	case Word:
		return !reserved[t.upper()]
	}
	return false
}

// listSep consumes the "," between list elements and reports whether another
// element follows. At the closing token it returns false without consuming.
func (p *parser) listSep(close, expected string) bool {
	if p.acceptPunct(",") {
		return true
	}
	if p.isPunct(close) {
		return false
	}
	if startsItem(p.peek()) {
		p.failf(p.peek().Pos, "unexpected %s; expected %s (missing comma?)", p.peek().describe(), expected)
	}
	p.unexpected(expected)
	return false
}

func (p *parser) enter() {
	p.depth++
	if p.depth > maxDepth {
		p.failf(p.peek().Pos, "query nested too deeply (more than %d levels)", maxDepth)
	}
}

func (p *parser) leave() { p.depth-- }

// --- names ---

// structural are reserved words that end or join clauses; when one appears
// where a name or expression is expected, the input is malformed rather than
// using a reserved word as a name.
var structural = makeSet(`
AND AS BETWEEN BY CROSS ELSE END ESCAPE EXCEPT FETCH FILTER FOR FROM FULL
GROUP HAVING IN INNER INTERSECT INTO IS JOIN LEFT LIKE LIMIT MINUS NATURAL NOT
OFFSET ON OR ORDER OVER PARTITION RIGHT SELECT SET SIMILAR THEN TO UNION
USING VALUES WHEN WHERE WINDOW WITH RANGE ROWS CREATE DROP INSERT EXPLAIN
SHOW DESCRIBE RESET USE
`)

func (p *parser) failReserved(t Token) {
	p.failf(t.Pos, "%q is a reserved keyword; to use it as a name, quote it with backticks: `%s`", t.Value, t.Value)
}

// isIdentToken reports whether t can be a name.
func isIdentToken(t Token) bool {
	return t.Kind == QuotedIdent || t.Kind == Word && !reserved[t.upper()]
}

// parseIdent reads a name; what describes it for errors ("a column name").
func (p *parser) parseIdent(what string) *Ident {
	t := p.peek()
	switch {
	case isIdentToken(t):
		p.next()
		return &Ident{Start: t.Pos, Name: t.Value}
	case t.Kind == Word && !structural[t.upper()]:
		p.failReserved(t)
	case t.Kind == Word && what != "" && !(p.i > 0 && p.toks[p.i-1].Kind == Punct && p.toks[p.i-1].Value == ","):
		// FROM, ORDER, ... may be a forgotten name or a name that needs quoting.
		p.failf(t.Pos, "unexpected keyword %s; expected %s (to use %s as a name, quote it with backticks: `%s`)",
			t.upper(), what, t.upper(), t.Value)
	}
	p.unexpected(what)
	return nil
}

func (p *parser) parseQualifiedName(what string) *QualifiedName {
	n := &QualifiedName{Parts: []*Ident{p.parseIdent(what)}}
	for p.isPunct(".") {
		p.next()
		n.Parts = append(n.Parts, p.parseIdent(what))
	}
	return n
}

// parseIdentList reads (a, b, c).
func (p *parser) parseIdentList(what string) []*Ident {
	p.expectPunct("(", "\"(\"")
	var ids []*Ident
	for {
		ids = append(ids, p.parseIdent(what))
		if !p.listSep(")", `"," or ")"`) {
			break
		}
	}
	p.expectPunct(")", "")
	return ids
}

// parseString reads a string literal. Like Calcite, literals separated by
// whitespace that contains a line break are one literal: 'abc'
// 'def' is 'abcdef'. A literal following on the same line is left for the
// caller, which reports it (usually as a missing comma).
func (p *parser) parseString(what string) *StringLit {
	t := p.peek()
	if t.Kind != String {
		p.unexpected(what)
	}
	p.next()
	s := &StringLit{Start: t.Pos, Value: t.Value}
	for p.peek().Kind == String && strings.Contains(p.src[p.toks[p.i-1].End:p.peek().Pos.Offset], "\n") {
		s.Value += p.next().Value
	}
	return s
}

// parseInt reads an unsigned integer literal.
func (p *parser) parseInt(what string) int {
	t := p.peek()
	if t.Kind != Number || strings.ContainsAny(t.Value, ".eE") {
		p.unexpected(what)
	}
	n, err := strconv.Atoi(t.Value)
	if err != nil {
		p.failf(t.Pos, "number %s is out of range", t.Value)
	}
	p.next()
	return n
}

// --- statements ---

var statementStarts = []string{"CREATE", "DROP", "INSERT", "SELECT", "WITH", "VALUES",
	"EXPLAIN", "SHOW", "DESCRIBE", "DESC", "SET", "RESET", "USE", "BEGIN", "EXECUTE"}

func (p *parser) parseStatement() Statement {
	t := p.peek()
	switch t.upper() {
	case "CREATE":
		return p.parseCreate()
	case "DROP":
		return p.parseDrop()
	case "INSERT":
		return p.parseInsert()
	case "SELECT", "WITH", "VALUES":
		return p.parseQuery()
	case "EXPLAIN":
		return p.parseExplain()
	case "SHOW":
		return p.parseShow()
	case "DESCRIBE", "DESC":
		return p.parseDescribe()
	case "SET":
		return p.parseSet()
	case "RESET":
		return p.parseReset()
	case "USE":
		return p.parseUse()
	case "EXECUTE":
		p.next()
		if p.isWord("STATEMENT") {
			return p.parseStatementSetBlock(t.Pos)
		}
		if p.isWord("INSERT") {
			return p.parseInsert()
		}
		if p.isQueryStart() {
			return p.parseQuery()
		}
		p.unexpected("STATEMENT SET, INSERT or a query after EXECUTE")
	case "ALTER":
		return p.parseAlter()
	case "TRUNCATE", "DELETE", "UPDATE", "UPSERT", "MERGE", "LOAD", "UNLOAD",
		"ADD", "REMOVE", "ANALYZE", "COMPILE", "STOP", "CALL":
		p.failf(t.Pos, "%s statements are not supported", t.upper())
	}
	if p.isPunct("(") && p.isQueryStart() {
		return p.parseQuery()
	}
	if t.Kind == EOF {
		p.unexpected("a statement")
	}
	msg := fmt.Sprintf("unknown statement starting with %s; expected CREATE, DROP, INSERT, SELECT, WITH, VALUES, EXPLAIN, SHOW, DESCRIBE, SET, RESET, USE or BEGIN STATEMENT SET", t.describe())
	if t.Kind == Word {
		if s := suggest(t.upper(), statementStarts); s != "" {
			msg += " (did you mean " + s + "?)"
		}
	}
	p.failf(t.Pos, "%s", msg)
	return nil
}

func (p *parser) parseCreate() Statement {
	start := p.expectWord("CREATE").Pos
	if p.isWord("OR") {
		p.failf(p.peek().Pos, "CREATE OR REPLACE is not supported")
	}
	temporary := p.acceptWord("TEMPORARY")
	system := false
	if p.isWord("SYSTEM") {
		if !temporary {
			p.failf(p.peek().Pos, "system functions can only be temporary: use CREATE TEMPORARY SYSTEM FUNCTION")
		}
		p.next()
		system = true
		if !p.isWord("FUNCTION") {
			p.unexpected("FUNCTION after SYSTEM")
		}
	}
	switch p.peek().upper() {
	case "TABLE":
		return p.parseCreateTable(start, temporary)
	case "VIEW":
		return p.parseCreateView(start, temporary)
	case "FUNCTION":
		return p.parseCreateFunction(start, temporary, system)
	case "CATALOG", "DATABASE", "MODEL", "MATERIALIZED":
		p.failf(p.peek().Pos, "CREATE %s is not supported", p.peek().upper())
	}
	p.unexpected("TABLE, VIEW or FUNCTION after CREATE")
	return nil
}

func (p *parser) parseIfNotExists() bool {
	return p.acceptWords("IF", "NOT", "EXISTS")
}

func (p *parser) parseCreateTable(start Pos, temporary bool) *CreateTable {
	p.expectWord("TABLE")
	ct := &CreateTable{StmtBase: StmtBase{Start: start}, Temporary: temporary}
	ct.IfNotExists = p.parseIfNotExists()
	ct.Name = p.parseQualifiedName("a table name")
	if p.acceptPunct("(") {
		for {
			p.parseTableElement(ct)
			if !p.listSep(")", `"," or ")" after a column definition`) {
				break
			}
		}
		p.expectPunct(")", "")
	}
	if p.acceptWord("COMMENT") {
		ct.Comment = p.parseString("a comment string")
	}
	if p.acceptWord("PARTITIONED") {
		p.expectWord("BY")
		ct.PartitionBy = p.parseIdentList("a partition column")
	}
	if p.acceptWord("WITH") {
		ct.Options = p.parseOptions()
	}
	if t := p.peek(); p.acceptWord("LIKE") {
		ct.Like = p.parseTableLike(t.Pos)
	}
	if p.acceptWord("AS") {
		ct.AsQuery = p.parseQuery()
	}
	return ct
}

func (p *parser) parseTableElement(ct *CreateTable) {
	t := p.peek()
	switch t.upper() {
	case "WATERMARK":
		p.next()
		if ct.Watermark != nil {
			p.failf(t.Pos, "a table has at most one WATERMARK definition")
		}
		p.expectWord("FOR")
		col := p.parseQualifiedName("the rowtime column")
		p.expectWord("AS")
		ct.Watermark = &Watermark{Start: t.Pos, Column: col, Expr: p.parseExpr()}
		return
	case "CONSTRAINT", "PRIMARY", "UNIQUE":
		var name *Ident
		if p.acceptWord("CONSTRAINT") {
			name = p.parseIdent("a constraint name")
		}
		p.parsePrimaryKeyWords()
		cols := p.parseIdentList("a key column")
		p.parseNotEnforced()
		p.setPrimaryKey(ct, &PrimaryKey{Start: t.Pos, Name: name, Columns: cols})
		return
	}
	col := &ColumnDef{Name: p.parseIdent("a column name, WATERMARK or PRIMARY KEY")}
	if p.acceptWord("AS") {
		col.Kind = ComputedColumn
		col.Expr = p.parseExpr()
	} else {
		if p.peek().Kind == Punct || p.peek().Kind == EOF {
			p.unexpected("a data type for column " + quoteIdent(col.Name.Name))
		}
		col.Type = p.parseDataType()
		if p.acceptWord("METADATA") {
			col.Kind = MetadataColumn
			if p.acceptWord("FROM") {
				col.MetadataKey = p.parseString("a metadata key string")
			}
			col.Virtual = p.acceptWord("VIRTUAL")
		} else if k := p.peek(); p.isWord("CONSTRAINT") || p.isWord("PRIMARY") || p.isWord("UNIQUE") {
			var name *Ident
			if p.acceptWord("CONSTRAINT") {
				name = p.parseIdent("a constraint name")
			}
			p.parsePrimaryKeyWords()
			p.parseNotEnforced()
			p.setPrimaryKey(ct, &PrimaryKey{Start: k.Pos, Name: name, Columns: []*Ident{{Start: col.Name.Start, Name: col.Name.Name}}, OnColumn: true})
		}
	}
	if p.acceptWord("COMMENT") {
		col.Comment = p.parseString("a comment string")
	}
	ct.Columns = append(ct.Columns, col)
}

func (p *parser) parsePrimaryKeyWords() {
	if p.isWord("UNIQUE") {
		p.failf(p.peek().Pos, "UNIQUE constraints are not supported; declare PRIMARY KEY (...) NOT ENFORCED")
	}
	p.expectWord("PRIMARY")
	p.expectWord("KEY")
}

// parseNotEnforced reads the mandatory NOT ENFORCED. Flink rejects ENFORCED
// keys (and a missing clause means ENFORCED) because it does not own the
// data and cannot check the key.
func (p *parser) parseNotEnforced() {
	if p.acceptWords("NOT", "ENFORCED") {
		return
	}
	t := p.peek()
	if t.upper() == "ENFORCED" {
		p.failf(t.Pos, "Flink cannot enforce a primary key because it does not own the data; write NOT ENFORCED")
	}
	p.failf(t.Pos, "unexpected %s; expected NOT ENFORCED (Flink only supports primary keys that are NOT ENFORCED)", t.describe())
}

func (p *parser) setPrimaryKey(ct *CreateTable, pk *PrimaryKey) {
	if ct.PrimaryKey != nil {
		p.failf(pk.Start, "duplicate primary key: a table has at most one PRIMARY KEY")
	}
	ct.PrimaryKey = pk
}

// parseOptions reads ('key' = 'value', ...).
func (p *parser) parseOptions() []*Option {
	p.expectPunct("(", "\"(\" after WITH")
	opts := []*Option{}
	if p.acceptPunct(")") {
		return opts
	}
	for {
		if t := p.peek(); t.Kind == Word || t.Kind == QuotedIdent {
			p.failf(t.Pos, "option keys are string literals: write '%s' = '...'", t.Value)
		}
		key := p.parseString("an option key string such as 'connector'")
		p.expectPunct("=", "\"=\" after the option key")
		if t := p.peek(); t.Kind != String {
			if t.Kind == Number || t.Kind == Word {
				p.failf(t.Pos, "option values are string literals: write '%s'", p.src[t.Pos.Offset:t.End])
			}
		}
		val := p.parseString("an option value string")
		opts = append(opts, &Option{Key: key, Value: val})
		if !p.listSep(")", `"," or ")" after an option`) {
			break
		}
	}
	p.expectPunct(")", "")
	return opts
}

func (p *parser) parseTableLike(start Pos) *TableLike {
	l := &TableLike{Start: start, Name: p.parseQualifiedName("the source table of LIKE")}
	if !p.acceptPunct("(") {
		return l
	}
	for {
		t := p.peek()
		strategy := t.upper()
		if strategy != "INCLUDING" && strategy != "EXCLUDING" && strategy != "OVERWRITING" {
			p.unexpected("INCLUDING, EXCLUDING or OVERWRITING")
		}
		p.next()
		feature := p.peek().upper()
		switch feature {
		case "ALL", "CONSTRAINTS", "GENERATED", "METADATA", "OPTIONS", "PARTITIONS", "WATERMARKS":
		default:
			p.unexpected("ALL, CONSTRAINTS, GENERATED, METADATA, OPTIONS, PARTITIONS or WATERMARKS")
		}
		p.next()
		l.Options = append(l.Options, &LikeOption{Start: t.Pos, Strategy: strategy, Feature: feature})
		if p.acceptPunct(")") {
			return l
		}
	}
}

func (p *parser) parseCreateView(start Pos, temporary bool) *CreateView {
	p.expectWord("VIEW")
	v := &CreateView{StmtBase: StmtBase{Start: start}, Temporary: temporary}
	v.IfNotExists = p.parseIfNotExists()
	v.Name = p.parseQualifiedName("a view name")
	if p.isPunct("(") {
		v.Columns = p.parseIdentList("a column name")
	}
	if p.acceptWord("COMMENT") {
		v.Comment = p.parseString("a comment string")
	}
	p.expectWord("AS")
	v.Query = p.parseQuery()
	return v
}

func (p *parser) parseCreateFunction(start Pos, temporary, system bool) *CreateFunction {
	p.expectWord("FUNCTION")
	f := &CreateFunction{StmtBase: StmtBase{Start: start}, Temporary: temporary, System: system}
	f.IfNotExists = p.parseIfNotExists()
	f.Name = p.parseQualifiedName("a function name")
	if system && len(f.Name.Parts) > 1 {
		p.failf(f.Name.Parts[1].Start, "a temporary system function has a simple name, not a qualified one")
	}
	p.expectWord("AS")
	if t := p.peek(); t.Kind != String {
		p.failf(t.Pos, "unexpected %s; expected the function's class or Python path as a string, e.g. AS 'udfs.ip_to_province'", t.describe())
	}
	f.Identifier = p.parseString("")
	if p.acceptWord("LANGUAGE") {
		lang := p.peek().upper()
		switch lang {
		case "JAVA", "SCALA", "PYTHON", "SQL":
			p.next()
			f.Language = lang
		default:
			p.unexpected("JAVA, SCALA, PYTHON or SQL after LANGUAGE")
		}
	}
	if p.isWord("USING") {
		p.failf(p.peek().Pos, "CREATE FUNCTION ... USING JAR is not supported")
	}
	return f
}

// parseAlter reads Flink's ALTER TABLE ... SET/RESET/RENAME TO, ALTER VIEW
// ... RENAME TO/AS and ALTER [TEMPORARY [SYSTEM]] FUNCTION ... AS.
func (p *parser) parseAlter() Statement {
	start := p.expectWord("ALTER").Pos
	temporary := p.acceptWord("TEMPORARY")
	system := false
	if t := p.peek(); p.acceptWord("SYSTEM") {
		if !temporary {
			p.failf(t.Pos, "system functions are temporary: use ALTER TEMPORARY SYSTEM FUNCTION")
		}
		system = true
		if !p.isWord("FUNCTION") {
			p.unexpected("FUNCTION after SYSTEM")
		}
	}
	kind := p.peek()
	switch kind.upper() {
	case "TABLE":
		if temporary {
			p.failf(kind.Pos, "ALTER TEMPORARY TABLE is not supported: ALTER TABLE alters a temporary table too")
		}
		p.next()
		a := &AlterTable{StmtBase: StmtBase{Start: start}}
		a.IfExists = p.acceptWords("IF", "EXISTS")
		a.Name = p.parseQualifiedName("a table name")
		switch t := p.peek(); t.upper() {
		case "SET":
			p.next()
			a.Set = p.parseOptions()
		case "RESET":
			p.next()
			p.expectPunct("(", "\"(\" after RESET")
			if p.isPunct(")") {
				p.failf(p.peek().Pos, "ALTER TABLE RESET does not support empty key")
			}
			a.Reset = []*StringLit{}
			for {
				a.Reset = append(a.Reset, p.parseString("an option key string such as 'connector'"))
				if !p.listSep(")", `"," or ")" after an option key`) {
					break
				}
			}
			p.expectPunct(")", "")
		case "RENAME":
			p.next()
			if p.acceptWord("TO") {
				a.RenameTo = p.parseQualifiedName("the new table name")
				break
			}
			a.RenameColumn = p.parseIdent("a column name or TO after RENAME")
			p.expectWord("TO")
			a.RenameColumnTo = p.parseIdent("the new column name")
		case "ADD", "MODIFY":
			p.next()
			var cols []*AlterColumn
			one := func() {
				if w := p.peek(); w.upper() == "PRIMARY" || w.upper() == "CONSTRAINT" || w.upper() == "WATERMARK" || w.upper() == "UNIQUE" {
					p.failf(w.Pos, "ALTER TABLE ... %s %s is not supported yet: Sluice adds and modifies columns", t.upper(), w.upper())
				}
				ct := &CreateTable{}
				p.parseTableElement(ct)
				if ct.PrimaryKey != nil {
					p.failf(ct.PrimaryKey.Start, "ALTER TABLE ... %s of a PRIMARY KEY is not supported yet", t.upper())
				}
				c := &AlterColumn{Column: ct.Columns[0]}
				if p.acceptWord("FIRST") {
					c.First = true
				} else if p.acceptWord("AFTER") {
					c.After = p.parseIdent("a column name after AFTER")
				}
				cols = append(cols, c)
			}
			if p.acceptPunct("(") {
				for {
					one()
					if !p.listSep(")", `"," or ")" after a column`) {
						break
					}
				}
				p.expectPunct(")", "")
			} else {
				one()
			}
			if t.upper() == "ADD" {
				a.Add = cols
			} else {
				a.Modify = cols
			}
		case "DROP":
			p.next()
			switch {
			case p.acceptWords("PRIMARY", "KEY"):
				a.DropPrimaryKey = true
			case p.acceptWord("WATERMARK"):
				a.DropWatermark = true
			case p.isWord("CONSTRAINT"):
				p.failf(p.peek().Pos, "ALTER TABLE ... DROP CONSTRAINT is not supported yet; DROP PRIMARY KEY drops the key")
			case p.isPunct("("):
				a.Drop = p.parseIdentList("a column name")
			default:
				a.Drop = []*Ident{p.parseIdent("a column name, PRIMARY KEY or WATERMARK after DROP")}
			}
		default:
			p.unexpected("SET, RESET, RENAME, ADD, MODIFY or DROP after the table name")
		}
		return a
	case "VIEW":
		if temporary {
			p.failf(kind.Pos, "ALTER TEMPORARY VIEW is not supported: ALTER VIEW alters a temporary view too")
		}
		p.next()
		v := &AlterView{StmtBase: StmtBase{Start: start}}
		v.Name = p.parseQualifiedName("a view name")
		switch {
		case p.acceptWord("RENAME"):
			p.expectWord("TO")
			v.RenameTo = p.parseQualifiedName("the new view name")
		case p.acceptWord("AS"):
			v.Query = p.parseQuery()
		default:
			p.unexpected("RENAME TO or AS after the view name")
		}
		return v
	case "FUNCTION":
		p.next()
		f := &AlterFunction{StmtBase: StmtBase{Start: start}, Temporary: temporary, System: system}
		f.IfExists = p.acceptWords("IF", "EXISTS")
		f.Name = p.parseQualifiedName("a function name")
		p.expectWord("AS")
		if t := p.peek(); t.Kind != String {
			p.failf(t.Pos, "unexpected %s; expected the function's class or Python path as a string, e.g. AS 'udfs.ip_to_province'", t.describe())
		}
		f.Identifier = p.parseString("")
		if p.acceptWord("LANGUAGE") {
			lang := p.peek().upper()
			switch lang {
			case "JAVA", "SCALA", "PYTHON", "SQL":
				p.next()
				f.Language = lang
			default:
				p.unexpected("JAVA, SCALA, PYTHON or SQL after LANGUAGE")
			}
		}
		return f
	case "CATALOG", "DATABASE", "MODEL", "MATERIALIZED":
		p.failf(kind.Pos, "ALTER %s is not supported", kind.upper())
	}
	p.unexpected("TABLE, VIEW or FUNCTION after ALTER")
	return nil
}

func (p *parser) parseDrop() *Drop {
	start := p.expectWord("DROP").Pos
	d := &Drop{StmtBase: StmtBase{Start: start}}
	d.Temporary = p.acceptWord("TEMPORARY")
	if t := p.peek(); p.acceptWord("SYSTEM") {
		if !d.Temporary {
			p.failf(t.Pos, "system functions are temporary: use DROP TEMPORARY SYSTEM FUNCTION")
		}
		d.System = true
		if !p.isWord("FUNCTION") {
			p.unexpected("FUNCTION after SYSTEM")
		}
	}
	switch kind := p.peek().upper(); kind {
	case "TABLE", "VIEW", "FUNCTION":
		d.Kind = ObjectKind(kind)
		p.next()
	case "CATALOG", "DATABASE", "MODEL", "MATERIALIZED":
		p.failf(p.peek().Pos, "DROP %s is not supported", kind)
	default:
		p.unexpected("TABLE, VIEW or FUNCTION after DROP")
	}
	d.IfExists = p.acceptWords("IF", "EXISTS")
	d.Name = p.parseQualifiedName("a name")
	return d
}

func (p *parser) parseInsert() *Insert {
	start := p.expectWord("INSERT").Pos
	ins := &Insert{StmtBase: StmtBase{Start: start}}
	switch {
	case p.acceptWord("INTO"):
	case p.acceptWord("OVERWRITE"):
		ins.Overwrite = true
	default:
		p.unexpected("INTO or OVERWRITE after INSERT")
	}
	ins.Table = p.parseQualifiedName("a table name")
	// Flink has accepted the PARTITION clause both before (1.13+) and after
	// (1.11) the column list.
	ins.Partition = p.parseInsertPartition()
	if p.isPunct("(") && !p.isQueryStart() {
		ins.Columns = p.parseIdentList("a column name")
	}
	if ins.Partition == nil {
		ins.Partition = p.parseInsertPartition()
	}
	if !p.isQueryStart() {
		p.unexpected("a query (SELECT, VALUES or WITH) to insert")
	}
	ins.Query = p.parseQuery()
	return ins
}

func (p *parser) parseInsertPartition() []*PartitionValue {
	if !p.acceptWord("PARTITION") {
		return nil
	}
	p.expectPunct("(", "\"(\" after PARTITION")
	var pvs []*PartitionValue
	for {
		col := p.parseIdent("a partition column")
		p.expectPunct("=", "\"=\"")
		t := p.peek()
		v := p.parseUnary()
		if !isLiteral(v) {
			p.failf(t.Pos, "a PARTITION value must be a literal")
		}
		pvs = append(pvs, &PartitionValue{Column: col, Value: v})
		if !p.listSep(")", `"," or ")"`) {
			break
		}
	}
	p.expectPunct(")", "")
	return pvs
}

func isLiteral(e Expr) bool {
	switch e := e.(type) {
	case *NumberLit, *StringLit, *BoolLit, *NullLit, *TypedLit, *IntervalLit, *BinaryLit:
		return true
	case *UnaryExpr:
		_, ok := e.Expr.(*NumberLit)
		return ok && e.Op != "NOT"
	}
	return false
}

// parseBeginStatementSet reads BEGIN STATEMENT SET; INSERT ...; ... END in a
// script (Flink SQL client syntax).
func (p *parser) parseBeginStatementSet() *StatementSet {
	begin := p.expectWord("BEGIN")
	if !p.acceptWords("STATEMENT", "SET") {
		p.unexpected("STATEMENT SET after BEGIN")
	}
	set := &StatementSet{StmtBase: StmtBase{Start: begin.Pos}}
	if p.peek().Kind != EOF {
		p.expectPunct(";", "\";\" after BEGIN STATEMENT SET")
	}
	for {
		for p.acceptPunct(";") {
		}
		if t := p.peek(); p.acceptWord("END") {
			if len(set.Inserts) == 0 {
				p.failf(t.Pos, "a statement set needs at least one INSERT before END")
			}
			return set
		}
		if p.peek().Kind == EOF {
			p.failf(begin.Pos, "BEGIN STATEMENT SET has no matching END")
		}
		set.Inserts = append(set.Inserts, p.parseSetMember())
		if !p.isWord("END") {
			p.expectPunct(";", "\";\" after the INSERT")
		}
	}
}

func (p *parser) parseSetMember() *Insert {
	t := p.peek()
	if !p.isWord("INSERT") {
		if t.Kind == EOF {
			p.unexpected("INSERT or END")
		}
		p.failf(t.Pos, "only INSERT statements may appear in a statement set; found %s", t.describe())
	}
	return p.parseInsert()
}

// parseStatementSetBlock reads STATEMENT SET BEGIN INSERT ...; ... END, the
// form used after EXECUTE and EXPLAIN.
func (p *parser) parseStatementSetBlock(start Pos) *StatementSet {
	if !p.acceptWords("STATEMENT", "SET") {
		p.unexpected("STATEMENT SET")
	}
	p.expectWord("BEGIN")
	set := &StatementSet{StmtBase: StmtBase{Start: start}}
	for {
		set.Inserts = append(set.Inserts, p.parseSetMember())
		p.expectPunct(";", "\";\" after the INSERT")
		if p.acceptWord("END") {
			return set
		}
	}
}

var explainDetails = makeSet(`ESTIMATED_COST CHANGELOG_MODE JSON_EXECUTION_PLAN PLAN_ADVICE`)

func (p *parser) parseExplain() *Explain {
	start := p.expectWord("EXPLAIN").Pos
	e := &Explain{StmtBase: StmtBase{Start: start}}
	if !p.acceptWords("PLAN", "FOR") {
		for explainDetails[p.peek().upper()] {
			t := p.next()
			for _, d := range e.Details {
				if d == t.upper() {
					p.failf(t.Pos, "duplicate EXPLAIN detail %s", d)
				}
			}
			e.Details = append(e.Details, t.upper())
			if !p.acceptPunct(",") {
				break
			}
		}
	}
	t := p.peek()
	switch {
	case p.isWord("STATEMENT"):
		e.Statement = p.parseStatementSetBlock(t.Pos)
	case p.isWord("EXECUTE") && p.isWordAt(1, "STATEMENT"):
		p.next()
		e.Statement = p.parseStatementSetBlock(t.Pos)
	case p.isWord("INSERT"):
		e.Statement = p.parseInsert()
	case p.isQueryStart():
		e.Statement = p.parseQuery()
	default:
		p.unexpected("a query, an INSERT or STATEMENT SET to explain, or an EXPLAIN detail (ESTIMATED_COST, CHANGELOG_MODE, JSON_EXECUTION_PLAN, PLAN_ADVICE)")
	}
	return e
}

func (p *parser) parseShow() *Show {
	start := p.expectWord("SHOW").Pos
	s := &Show{StmtBase: StmtBase{Start: start}}
	switch {
	case p.acceptWord("CATALOGS"):
		s.Kind = ShowCatalogs
	case p.acceptWords("CURRENT", "CATALOG"):
		s.Kind = ShowCurrentCatalog
	case p.acceptWords("CURRENT", "DATABASE"):
		s.Kind = ShowCurrentDatabase
	case p.acceptWord("DATABASES"):
		s.Kind = ShowDatabases
	case p.acceptWord("TABLES"):
		s.Kind = ShowTables
		if p.acceptWord("FROM") || p.acceptWord("IN") {
			s.Name = p.parseQualifiedName("a database name")
		}
		p.parseShowLike(s)
	case p.acceptWord("VIEWS"):
		s.Kind = ShowViews
	case p.acceptWord("FUNCTIONS"):
		s.Kind = ShowFunctions
	case p.acceptWords("USER", "FUNCTIONS"):
		s.Kind = ShowUserFunctions
	case p.acceptWord("COLUMNS"):
		s.Kind = ShowColumns
		if !p.acceptWord("FROM") && !p.acceptWord("IN") {
			p.unexpected("FROM or IN after SHOW COLUMNS")
		}
		s.Name = p.parseQualifiedName("a table name")
		p.parseShowLike(s)
	case p.acceptWords("CREATE", "TABLE"):
		s.Kind = ShowCreateTable
		s.Name = p.parseQualifiedName("a table name")
	case p.acceptWords("CREATE", "VIEW"):
		s.Kind = ShowCreateView
		s.Name = p.parseQualifiedName("a view name")
	case p.acceptWord("MODULES"):
		s.Kind = ShowModules
	case p.acceptWords("FULL", "MODULES"):
		s.Kind = ShowFullModules
	case p.acceptWord("JARS"):
		s.Kind = ShowJars
	default:
		p.unexpected("CATALOGS, CURRENT CATALOG, CURRENT DATABASE, DATABASES, TABLES, VIEWS, FUNCTIONS, USER FUNCTIONS, COLUMNS, CREATE TABLE, CREATE VIEW, MODULES, FULL MODULES or JARS after SHOW")
	}
	return s
}

func (p *parser) parseShowLike(s *Show) {
	if p.acceptWords("NOT", "LIKE") {
		s.NotLike = true
	} else if !p.acceptWord("LIKE") {
		return
	}
	s.Like = p.parseString("a LIKE pattern string")
}

func (p *parser) parseDescribe() *Describe {
	start := p.next().Pos
	d := &Describe{StmtBase: StmtBase{Start: start}}
	d.Extended = p.acceptWord("EXTENDED")
	d.Name = p.parseQualifiedName("a table name")
	return d
}

func (p *parser) parseSet() *Set {
	start := p.expectWord("SET").Pos
	s := &Set{StmtBase: StmtBase{Start: start}}
	t := p.peek()
	if t.Kind == EOF || p.isPunct(";") {
		return s
	}
	if t.Kind != String {
		p.failf(t.Pos, "unexpected %s; SET takes a quoted key and value: SET 'key' = 'value'", t.describe())
	}
	s.Key = p.parseString("")
	p.expectPunct("=", "\"=\" after the key")
	if t := p.peek(); t.Kind != String {
		p.failf(t.Pos, "unexpected %s; SET takes a quoted value: SET '%s' = 'value'", t.describe(), s.Key.Value)
	}
	s.Value = p.parseString("")
	return s
}

func (p *parser) parseReset() *Reset {
	start := p.expectWord("RESET").Pos
	r := &Reset{StmtBase: StmtBase{Start: start}}
	if p.peek().Kind == String {
		r.Key = p.parseString("")
	} else if p.peek().Kind != EOF && !p.isPunct(";") {
		p.failf(p.peek().Pos, "unexpected %s; RESET takes a quoted key: RESET 'key'", p.peek().describe())
	}
	return r
}

func (p *parser) parseUse() *Use {
	start := p.expectWord("USE").Pos
	u := &Use{StmtBase: StmtBase{Start: start}}
	switch {
	case p.isWord("CATALOG") && isIdentToken(p.peekAt(1)):
		p.next()
		u.Catalog = true
		u.Name = p.parseQualifiedName("a catalog name")
		if len(u.Name.Parts) > 1 {
			p.failf(u.Name.Parts[1].Start, "a catalog name has one part")
		}
	case p.acceptWord("MODULES"):
		for {
			u.Modules = append(u.Modules, p.parseIdent("a module name"))
			if !p.acceptPunct(",") {
				break
			}
		}
	default:
		u.Name = p.parseQualifiedName("a database name")
	}
	return u
}

// suggest returns the candidate closest to word when it is a likely typo
// (edit distance at most 2, and less than half the word).
func suggest(word string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if d := editDistance(word, c); d < bestD && d*2 < len(word) {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
