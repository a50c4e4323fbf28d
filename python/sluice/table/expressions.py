"""``pyflink.table.expressions``: col, lit, call and friends."""
from __future__ import annotations

from typing import Any

from sluice.table.expression import Expression, _call_udf, _expr, _func_name, _literal, _quote_ident

__all__ = ["col", "lit", "call", "call_sql", "and_", "or_", "not_", "if_then_else", "null_of", "concat", "coalesce", "row", "array"]


def col(name: str) -> Expression:
    return Expression(_quote_ident(name))


def lit(v: Any, data_type: Any = None) -> Expression:
    if data_type is not None:
        from sluice.table.types import _type_sql
        return Expression("CAST(%s AS %s)" % (_literal(v), _type_sql(data_type)))
    return Expression(_literal(v))


def call(f: Any, *args: Any) -> Expression:
    """A call of a function by name (a catalog function) or of a udf."""
    if isinstance(f, str):
        others = [_expr(a) for a in args]
        e = Expression("%s(%s)" % (_func_name(f), ", ".join(o._sql for o in others)))
        for o in others:
            e._udfs.extend(o._udfs)
        return e
    if hasattr(f, "_sluice_name"):
        return _call_udf(f, args)
    raise TypeError("call() takes a function name or a udf, not %s" % type(f).__name__)


def call_sql(sql_expression: str) -> Expression:
    return Expression("(%s)" % sql_expression)


def and_(a: Any, b: Any, *rest: Any) -> Expression:
    e = _expr(a) & b
    for r in rest:
        e = e & r
    return e


def or_(a: Any, b: Any, *rest: Any) -> Expression:
    e = _expr(a) | b
    for r in rest:
        e = e | r
    return e


def not_(e: Any) -> Expression:
    return ~_expr(e)


def if_then_else(condition: Any, if_true: Any, if_false: Any) -> Expression:
    return _expr(condition).if_then_else(if_true, if_false)


def null_of(data_type: Any) -> Expression:
    return lit(None, data_type)


def concat(first: Any, *others: Any) -> Expression:
    return _expr(first).concat(*others)


def coalesce(*args: Any) -> Expression:
    return call("COALESCE", *args)


def row(*args: Any) -> Expression:
    return call("ROW", *args)


def array(*args: Any) -> Expression:
    others = [_expr(a) for a in args]
    return Expression("ARRAY[%s]" % ", ".join(o._sql for o in others))
