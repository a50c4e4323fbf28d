// Package sql owns the front end of Sluice's two query languages: the
// Flink SQL dialect and PyFlink's string expressions.
//
// It holds a hand-written lexer that gives every token a position (line,
// column, byte offset), an immutable AST whose String methods print canonical
// SQL, a recursive-descent parser for statements, queries, expressions and
// data types, and a parser for the legacy expression strings that PyFlink
// jobs pass to Table.select, group_by and friends ("a, b.sum as total").
// Both parsers produce the same expression tree, so the planner sees one
// language.
//
// Entry points: Parse (one statement), ParseScript (a ';'-separated script),
// ParseQuery, ParseExpression, ParseDataType and ParseExpressionList (PyFlink
// strings). Every syntax error is a *Error that names the line and column and
// quotes the offending line with a caret under the column.
//
// The package must not resolve names, check types or know the catalog: it
// is syntax only. Data types are kept as written (a DataType node with a
// name, parameters and children); mapping them to engine types, resolving
// functions and validating semantics is the planner's job in package table.
package sql
