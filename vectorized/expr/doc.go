// Package expr owns Sluice's vectorized scalar expressions: the kernels that
// evaluate SQL functions and operators over whole Arrow batches, and the one
// registry that maps SQL function and operator names to those kernels.
//
// The planner (package table) resolves every call through Call, Cast and
// Literal at planning time; operators only ever see the resulting
// vectorized.Expr trees and call Eval once per batch. Nothing here is looked
// up by name at run time.
//
// Semantics follow Flink SQL (1.15+, table.exec.legacy-cast-behaviour
// disabled): Java integer wrap-around for + - * on integers, errors for
// integer division by zero, Flink's DECIMAL precision/scale derivation
// (LogicalTypeMerging) with HALF_UP rounding and NULL on overflow, SQL
// three-valued logic, lazily evaluated CASE/IF/COALESCE branches and Flink's
// cast rules. Each kernel cites the Flink behaviour it reproduces.
//
// Argument conventions for SQL syntax that is not a plain call:
//
//	TRIM(BOTH|LEADING|TRAILING chars FROM s)  -> TRIM(mode, chars, s); TRIM(s) trims spaces
//	POSITION(needle IN haystack)              -> POSITION(needle, haystack)
//	EXTRACT(unit FROM v)                      -> EXTRACT(unit, v)
//	FLOOR(ts TO unit), CEIL(ts TO unit)       -> FLOOR(ts, unit), CEIL(ts, unit)
//	TIMESTAMPADD(unit, n, ts), TIMESTAMPDIFF(unit, a, b)
//	x [NOT] IN (a, b, ...)                    -> IN(x, a, b, ...), NOT IN(x, a, b, ...)
//	x [NOT] BETWEEN lo AND hi                 -> BETWEEN(x, lo, hi), NOT BETWEEN(x, lo, hi)
//	CASE WHEN c1 THEN v1 ... [ELSE e] END     -> CASE(c1, v1, ..., [e])
//	s LIKE p [ESCAPE e]                       -> LIKE(s, p[, e])
//
// Unit and mode arguments are string literals (case-insensitive).
//
// This package must not call Python, know SQL syntax (it receives resolved
// names and typed arguments) or hold mutable global state beyond the
// registry filled at init.
package expr
