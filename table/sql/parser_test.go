package sql

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestErrorFormat(t *testing.T) {
	_, err := Parse("SELECT a,\n       b\nFROM t WHERE (a = )")
	require.EqualError(t, err, `line 3, column 19: unexpected ")"; expected an expression
  FROM t WHERE (a = )
                    ^`)
	var se *Error
	require.True(t, errors.As(err, &se))
	require.Equal(t, Pos{Offset: 37, Line: 3, Col: 19}, se.Pos)
	require.Equal(t, `unexpected ")"; expected an expression`, se.Msg)
}

func TestErrorAtEndOfInputPointsPastTheLastLine(t *testing.T) {
	_, err := Parse("SELECT a FROM t WHERE\n")
	var se *Error
	require.True(t, errors.As(err, &se))
	require.Equal(t, Pos{Offset: 22, Line: 2, Col: 1}, se.Pos)
	require.Equal(t, "line 2, column 1: unexpected end of input; expected an expression\n  \n  ^", err.Error())
}

func TestErrorWithoutSourceHasNoQuote(t *testing.T) {
	e := &Error{Pos: Pos{Offset: 5, Line: 1, Col: 6}, Msg: "boom"}
	require.Equal(t, "line 1, column 6: boom", e.Error())
}

func TestParseSingleStatement(t *testing.T) {
	s, err := Parse("  SELECT 1 ;  ")
	require.NoError(t, err)
	require.Equal(t, "SELECT 1", s.SourceText())
	require.Equal(t, Pos{Offset: 2, Line: 1, Col: 3}, s.Pos())

	_, err = Parse("SELECT 1;;")
	require.NoError(t, err)

	_, err = Parse("SELECT 1; SELECT 2")
	require.ErrorContains(t, err, "found a second statement after ';'")

	_, err = Parse(" -- nothing\n")
	require.ErrorContains(t, err, "empty statement")

	_, err = Parse("BEGIN STATEMENT SET;")
	require.ErrorContains(t, err, "use ParseScript")
}

func TestParseScriptEmpty(t *testing.T) {
	stmts, err := ParseScript(" ;; -- only comments\n")
	require.NoError(t, err)
	require.Empty(t, stmts)
}

func TestParseQuery(t *testing.T) {
	q, err := ParseQuery("(SELECT a FROM t) UNION ALL SELECT b FROM u")
	require.NoError(t, err)
	op := q.(*SetOp)
	require.Equal(t, Union, op.Op)
	require.True(t, op.All)
	require.Equal(t, "(SELECT a FROM t) UNION ALL SELECT b FROM u", q.SourceText())
	require.Equal(t, 1, q.Pos().Col, "a statement starts at its first token, the parenthesis")

	_, err = ParseQuery("DROP TABLE t")
	require.EqualError(t, err, "line 1, column 1: expected a query, found DROP\n  DROP TABLE t\n  ^")
}

func TestParseTreeShape(t *testing.T) {
	s, err := Parse("SELECT a + b * c AS x FROM t WHERE NOT a = 1 OR b")
	require.NoError(t, err)
	sel := s.(*Select)
	alias := sel.Items[0].(*AliasExpr)
	require.Equal(t, "x", alias.Names[0].Name)
	sum := alias.Expr.(*BinaryExpr)
	require.Equal(t, "+", sum.Op)
	require.Equal(t, "*", sum.Right.(*BinaryExpr).Op)
	require.Equal(t, Pos{Offset: 9, Line: 1, Col: 10}, sum.OpPos)
	or := sel.Where.(*BinaryExpr)
	require.Equal(t, "OR", or.Op)
	not := or.Left.(*UnaryExpr)
	require.Equal(t, "NOT", not.Op)
	require.Equal(t, "=", not.Expr.(*BinaryExpr).Op)
	require.Equal(t, []string{"t"}, sel.From.(*TableName).Name.Names())
}

func TestCreateTableTree(t *testing.T) {
	s, err := Parse(`CREATE TABLE cat.db.t (
  id BIGINT NOT NULL,
  ts TIMESTAMP(3) METADATA FROM 'timestamp' VIRTUAL,
  c AS id * 2,
  PRIMARY KEY (id) NOT ENFORCED,
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
) WITH ('connector' = 'kafka')`)
	require.NoError(t, err)
	ct := s.(*CreateTable)
	require.Equal(t, "t", ct.Name.Unqualified())
	require.Len(t, ct.Columns, 3)
	require.Equal(t, PhysicalColumn, ct.Columns[0].Kind)
	require.True(t, ct.Columns[0].Type.NotNull)
	require.Equal(t, MetadataColumn, ct.Columns[1].Kind)
	require.Equal(t, "timestamp", ct.Columns[1].MetadataKey.Value)
	require.True(t, ct.Columns[1].Virtual)
	require.Equal(t, []int{3}, ct.Columns[1].Type.Params)
	require.Equal(t, ComputedColumn, ct.Columns[2].Kind)
	require.Nil(t, ct.Columns[2].Type)
	require.Equal(t, "id", ct.PrimaryKey.Columns[0].Name)
	require.False(t, ct.PrimaryKey.OnColumn)
	require.Equal(t, []string{"ts"}, ct.Watermark.Column.Names())
	require.Equal(t, "ts - INTERVAL '5' SECOND", ct.Watermark.Expr.String())
	require.Equal(t, "'connector' = 'kafka'", ct.Options[0].String())
	require.Equal(t, 7, ct.Options[0].Key.Start.Line)
}

func TestLegacyMatchesSQL(t *testing.T) {
	// The CDN job's download speed, written both ways.
	py, err := ParseLegacyExpression("sum(response_size) * 1.0d / sum(request_time)")
	require.NoError(t, err)
	sql, err := ParseExpression("SUM(response_size) * 1.0E0 / SUM(request_time)")
	require.NoError(t, err)
	require.Equal(t, stripped(sql), stripped(py))

	py, err = ParseLegacyExpression("a.count.distinct")
	require.NoError(t, err)
	sql, err = ParseExpression("count(DISTINCT a)")
	require.NoError(t, err)
	require.Equal(t, stripped(sql), stripped(py))

	_, err = ParseLegacyExpression("a, b")
	require.ErrorContains(t, err, `unexpected ","; expected end of expression`)
}

func TestLegacyPositions(t *testing.T) {
	es, err := ParseExpressionList("uuid,\n  ip_to_province(client_ip) as province")
	require.NoError(t, err)
	alias := es[1].(*AliasExpr)
	require.Equal(t, Pos{Offset: 8, Line: 2, Col: 3}, alias.Pos())
	require.Equal(t, Pos{Offset: 37, Line: 2, Col: 32}, alias.Names[0].Pos())
}

func TestWalkOrderAndPruning(t *testing.T) {
	s, err := Parse("SELECT f(a, b.c), d FROM t WHERE e > (SELECT g FROM u)")
	require.NoError(t, err)
	var cols []string
	Inspect(s, func(n Node) bool {
		if c, ok := n.(*ColumnRef); ok {
			cols = append(cols, c.String())
		}
		return true
	})
	require.Equal(t, []string{"a", "b.c", "d", "e", "g"}, cols)

	// Returning false skips the subtree: the subquery's column is not seen.
	cols = nil
	Inspect(s, func(n Node) bool {
		if _, ok := n.(*SubqueryExpr); ok {
			return false
		}
		if c, ok := n.(*ColumnRef); ok {
			cols = append(cols, c.String())
		}
		return true
	})
	require.Equal(t, []string{"a", "b.c", "d", "e"}, cols)
}

type depthVisitor struct {
	depth    int
	maxDepth *int
	closes   *int
}

func (v depthVisitor) Visit(n Node) Visitor {
	if n == nil {
		*v.closes++
		return nil
	}
	*v.maxDepth = max(*v.maxDepth, v.depth)
	return depthVisitor{v.depth + 1, v.maxDepth, v.closes}
}

func TestWalkCallsVisitNilAfterChildren(t *testing.T) {
	e, err := ParseExpression("a + 1")
	require.NoError(t, err)
	var maxDepth, closes int
	Walk(depthVisitor{0, &maxDepth, &closes}, e)
	// BinaryExpr > ColumnRef > Ident, and NumberLit: four nodes, each closed.
	require.Equal(t, 2, maxDepth)
	require.Equal(t, 4, closes)
	require.Len(t, Children(e), 2)
}

func TestKindAndReserved(t *testing.T) {
	s, err := Parse("SHOW TABLES")
	require.NoError(t, err)
	require.Equal(t, "Show", Kind(s))
	require.True(t, IsReserved("value"))
	require.True(t, IsReserved("Timestamp"))
	require.False(t, IsReserved("province"))
	require.False(t, IsReserved("metadata"), "Flink adds METADATA as a non-reserved keyword")
}

func TestNodeStrings(t *testing.T) {
	s, err := Parse(`SELECT SUM(x) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW),
CASE WHEN a THEN 1 END FROM t`)
	require.NoError(t, err)
	var got []string
	Inspect(s, func(n Node) bool {
		switch n.(type) {
		case *WindowSpec, *WindowFrame, *FrameBound, *When, *Ident:
			got = append(got, Kind(n)+": "+n.String())
		}
		return true
	})
	require.Equal(t, []string{
		"Ident: x",
		"WindowSpec: (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)",
		"Ident: k",
		"Ident: ts",
		"WindowFrame: ROWS BETWEEN 2 PRECEDING AND CURRENT ROW",
		"FrameBound: 2 PRECEDING",
		"FrameBound: CURRENT ROW",
		"When: WHEN a THEN 1",
		"Ident: a",
		"Ident: t",
	}, got[1:])
	require.True(t, strings.HasPrefix(got[0], "Ident: "))
}
