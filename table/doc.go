// Package table will own data types, the catalog, the SQL and expression
// parsers, planning and the Go Table API (issue 3 onwards).
//
// It must not touch libpython directly: Python UDF calls become
// vectorized.FunctionEvaluator values built by cpython and pandas_udf.
package table
