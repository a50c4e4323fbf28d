package sql

// Node is any node of the syntax tree. Nodes are built by the parser and
// never modified afterwards; the planner reads them and builds its own plan
// nodes. String prints canonical SQL that parses back to an equal tree
// (positions aside).
type Node interface {
	// Pos is where the node starts in the parsed text.
	Pos() Pos
	String() string
}

// Statement is a top-level statement: DDL, INSERT, a query, EXPLAIN, ...
type Statement interface {
	Node
	// SourceText is the statement as written in the parsed text (without the
	// terminating ';'); empty for statements not produced by the parser.
	SourceText() string
	base() *StmtBase
	stmtNode()
}

// Expr is a scalar expression. Some expression nodes are only meaningful in
// one place (Star in a select list or COUNT(*), AliasExpr as a select item,
// OrderItem in ORDER BY, TableArg and Descriptor as arguments of window table
// functions); keeping them Exprs lets SQL and PyFlink's expression strings
// share one tree.
type Expr interface {
	Node
	exprNode()
}

// Query is a query expression: SELECT, VALUES, a set operation, WITH or an
// ordered/limited query. Every query is also a Statement.
type Query interface {
	Statement
	queryNode()
}

// TableRef is an item of a FROM clause.
type TableRef interface {
	Node
	tableRefNode()
}

// Ident is one name part as it was written: unquoted names keep their
// spelling (Flink compares names case-sensitively), `quoted` names lose the
// backticks.
type Ident struct {
	Start Pos
	Name  string
}

// QualifiedName is a possibly qualified object name: catalog.db.table.
type QualifiedName struct {
	Parts []*Ident
}

// StmtBase carries what all statements share: the start position and the
// source text.
type StmtBase struct {
	Start Pos
	Text  string
}

func (s *StmtBase) Pos() Pos           { return s.Start }
func (s *StmtBase) SourceText() string { return s.Text }

func (n *Ident) Pos() Pos { return n.Start }
func (n *QualifiedName) Pos() Pos {
	if len(n.Parts) == 0 {
		return Pos{}
	}
	return n.Parts[0].Start
}

// Unqualified returns the last part of the name (the object's own name).
func (n *QualifiedName) Unqualified() string {
	if len(n.Parts) == 0 {
		return ""
	}
	return n.Parts[len(n.Parts)-1].Name
}

// Names returns the parts as plain strings.
func (n *QualifiedName) Names() []string {
	out := make([]string, len(n.Parts))
	for i, p := range n.Parts {
		out[i] = p.Name
	}
	return out
}
