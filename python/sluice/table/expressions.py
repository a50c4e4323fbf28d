"""``pyflink.table.expressions``: col, lit, call and the other functions of
PyFlink's expression DSL. Each builds an Expression whose ``str()`` is
PyFlink's and whose SQL the engine runs (see expression.py)."""
from __future__ import annotations

from typing import Any, List, Tuple

from sluice.table.expression import (
    Expression, JsonOnNull, TimePointUnit, _call_udf, _expr, _func_name, _join, _literal, _literal_text, _quote_ident,
)

__all__ = [
    "col", "lit", "range_", "and_", "or_", "not_", "UNBOUNDED_ROW", "UNBOUNDED_RANGE", "CURRENT_ROW", "CURRENT_RANGE",
    "current_database", "current_date", "current_time", "current_timestamp", "current_watermark", "local_time",
    "local_timestamp", "to_date", "to_timestamp", "to_timestamp_ltz", "temporal_overlaps", "date_format",
    "timestamp_diff", "convert_tz", "from_unixtime", "unix_timestamp", "array", "row", "map_", "map_from_arrays",
    "row_interval", "pi", "e", "rand", "rand_integer", "atan2", "negative", "concat", "concat_ws", "uuid", "null_of",
    "log", "source_watermark", "if_then_else", "coalesce", "with_all_columns", "with_columns", "without_columns",
    "json_string", "json_object", "json_array", "lag", "lead", "call", "call_sql", "json", "json_object_agg",
    "json_array_agg", "descriptor", "object_of",
]


def _fn(java: str, sql_name: str, *args: Any) -> Expression:
    """A function call: ``java(args)`` in str(), ``SQL_NAME(args)`` in SQL."""
    others = [_expr(a) for a in args]
    sql, text = _join(others)
    e = Expression("%s(%s)" % (sql_name, sql), text="%s(%s)" % (java, text))
    for o in others:
        e._udfs.extend(o._udfs)
        e._unsupported = e._unsupported or o._unsupported
    return e


def _not_here(java: str, why: str, *args: Any) -> Expression:
    _, text = _join([_expr(a) for a in args])
    return Expression("NULL", text="%s(%s)" % (java, text), unsupported="%s: %s" % (java, why))


def col(name: str) -> Expression:
    """A column by name; ``col('*')`` is every column."""
    if name == "*":
        return Expression("*", text="*")
    return Expression(_quote_ident(name), text=name)


def lit(v: Any, data_type: Any = None) -> Expression:
    """A literal, optionally of a given type."""
    if data_type is not None:
        from sluice.table.types import _type_sql
        return Expression("CAST(%s AS %s)" % (_literal(v), _type_sql(data_type)), text=_literal_text(v), value=v)
    return _expr(v) if not isinstance(v, Expression) else v


def range_(start: Any, end: Any) -> Expression:
    """Columns from start to end (names or 1-based positions), for
    with_columns/without_columns."""
    return Expression("NULL", text="rangeTo(%s, %s)" % (start, end), names=[("range", start, end)],
                      unsupported="range_ selects columns inside with_columns/without_columns")


def and_(predicate0: Any, predicate1: Any, *predicates: Any) -> Expression:
    ps = [_expr(p) for p in (predicate0, predicate1) + predicates]
    e = Expression("(%s)" % " AND ".join(p._sql for p in ps), text="and(%s)" % ", ".join(p._text for p in ps))
    for p in ps:
        e._udfs.extend(p._udfs)
    return e


def or_(predicate0: Any, predicate1: Any, *predicates: Any) -> Expression:
    ps = [_expr(p) for p in (predicate0, predicate1) + predicates]
    e = Expression("(%s)" % " OR ".join(p._sql for p in ps), text="or(%s)" % ", ".join(p._text for p in ps))
    for p in ps:
        e._udfs.extend(p._udfs)
    return e


def not_(expression: Any) -> Expression:
    e = _expr(expression)
    return e._derive("(NOT %s)" % e._sql, "not(%s)" % e._text)


# Over-window bounds: printed as PyFlink does; Over...preceding() and
# following() take them (as the bound names the engine reads), they are no
# values of their own.
def _bound(name: str) -> Expression:
    e = Expression("NULL", text=name, unsupported="%s: OVER windows take it as a bound (Over.order_by(...).preceding(%s)); it is not a value"
                   % (name, name))
    e._window_bound = name  # type: ignore[attr-defined]
    return e


UNBOUNDED_ROW = _bound("UNBOUNDED_ROW")
UNBOUNDED_RANGE = _bound("UNBOUNDED_RANGE")
CURRENT_ROW = _bound("CURRENT_ROW")
CURRENT_RANGE = _bound("CURRENT_RANGE")


def current_database() -> Expression:
    return Expression("CURRENT_DATABASE()", text="currentDatabase()")


def current_date() -> Expression:
    return Expression("CURRENT_DATE", text="currentDate()")


def current_time() -> Expression:
    return Expression("CURRENT_TIME", text="currentTime()")


def current_timestamp() -> Expression:
    return Expression("CURRENT_TIMESTAMP", text="currentTimestamp()")


def current_watermark(rowtimeAttribute: Any) -> Expression:
    return _fn("currentWatermark", "CURRENT_WATERMARK", rowtimeAttribute)


def local_time() -> Expression:
    return Expression("LOCALTIME", text="localTime()")


def local_timestamp() -> Expression:
    return Expression("LOCALTIMESTAMP", text="localTimestamp()")


def to_date(date_str: Any, format: Any = None) -> Expression:
    return _fn("toDate", "TO_DATE", date_str) if format is None else _fn("toDate", "TO_DATE", date_str, format)


def to_timestamp(timestamp_str: Any, format: Any = None) -> Expression:
    if format is None:
        return _fn("toTimestamp", "TO_TIMESTAMP", timestamp_str)
    return _fn("toTimestamp", "TO_TIMESTAMP", timestamp_str, format)


def to_timestamp_ltz(*args: Any) -> Expression:
    return _fn("TO_TIMESTAMP_LTZ", "TO_TIMESTAMP_LTZ", *args)


def temporal_overlaps(left_time_point: Any, left_temporal: Any, right_time_point: Any, right_temporal: Any) -> Expression:
    """Whether two time intervals overlap; each is a point and either an
    interval (its length) or a second point, as Flink's."""
    a, b, c, d = [_expr(x) for x in (left_time_point, left_temporal, right_time_point, right_temporal)]

    def bounds(p: Expression, t: Expression) -> Tuple[str, str]:
        # SQL's OVERLAPS, written out: an interval end is point + length,
        # and the earlier of two points starts.
        end = "(%s + %s)" % (p._sql, t._sql) if "INTERVAL" in t._sql else t._sql
        return ("CASE WHEN %s <= %s THEN %s ELSE %s END" % (p._sql, end, p._sql, end),
                "CASE WHEN %s <= %s THEN %s ELSE %s END" % (p._sql, end, end, p._sql))

    (s1, e1), (s2, e2) = bounds(a, b), bounds(c, d)
    e = Expression("(%s <= %s AND %s <= %s)" % (s1, e2, s2, e1),
                   text="temporalOverlaps(%s, %s, %s, %s)" % (a._text, b._text, c._text, d._text))
    for x in (a, b, c, d):
        e._udfs.extend(x._udfs)
    return e


def date_format(timestamp: Any, format: Any) -> Expression:
    return _fn("dateFormat", "DATE_FORMAT", timestamp, format)


def timestamp_diff(time_point_unit: TimePointUnit, time_point1: Any, time_point2: Any) -> Expression:
    a, b = _expr(time_point1), _expr(time_point2)
    u = time_point_unit.name
    e = Expression("TIMESTAMPDIFF(%s, %s, %s)" % (u, a._sql, b._sql), text="timestampDiff(%s, %s, %s)" % (u, a._text, b._text))
    e._udfs.extend(a._udfs + b._udfs)
    return e


def convert_tz(date_str: Any, tz_from: Any, tz_to: Any) -> Expression:
    return _fn("convertTz", "CONVERT_TZ", date_str, tz_from, tz_to)


def from_unixtime(unixtime: Any, format: Any = None) -> Expression:
    return _fn("fromUnixtime", "FROM_UNIXTIME", unixtime) if format is None else \
        _fn("fromUnixtime", "FROM_UNIXTIME", unixtime, format)


def unix_timestamp(date_str: Any = None, format: Any = None) -> Expression:
    args = [a for a in (date_str, format) if a is not None]
    return _fn("unixTimestamp", "UNIX_TIMESTAMP", *args)


def array(head: Any, *tail: Any) -> Expression:
    others = [_expr(a) for a in (head,) + tail]
    sql, text = _join(others)
    e = Expression("ARRAY[%s]" % sql, text="array(%s)" % text)
    for o in others:
        e._udfs.extend(o._udfs)
    return e


def row(head: Any, *tail: Any) -> Expression:
    e = _fn("row", "ROW", head, *tail)
    # The fields, for from_elements([row(...), ...]): rows of a VALUES.
    e._row_items = [_expr(a) for a in (head,) + tail]  # type: ignore[attr-defined]
    return e


def map_(key: Any, value: Any, *tail: Any) -> Expression:
    others = [_expr(a) for a in (key, value) + tail]
    sql, text = _join(others)
    e = Expression("MAP[%s]" % sql, text="map(%s)" % text)
    for o in others:
        e._udfs.extend(o._udfs)
    return e


def map_from_arrays(key: Any, value: Any) -> Expression:
    return _fn("mapFromArrays", "MAP_FROM_ARRAYS", key, value)


def row_interval(rows: int) -> Expression:
    """An interval of rows: the size of a row-count window, the preceding
    bound of a ROWS over window."""
    e = Expression(str(rows), text=str(rows), value=rows,
                   unsupported="row_interval: a row interval is the size or bound of a window, not a value")
    e._window_bound = "%d.rows" % int(rows)  # type: ignore[attr-defined]
    return e


def pi() -> Expression:
    return Expression("PI()", text="pi()")


def e() -> Expression:
    return Expression("E()", text="e()")


def rand(seed: Any = None) -> Expression:
    return _fn("rand", "RAND") if seed is None else _fn("rand", "RAND", seed)


def rand_integer(bound: Any, seed: Any = None) -> Expression:
    return _fn("randInteger", "RAND_INTEGER", bound) if seed is None else _fn("randInteger", "RAND_INTEGER", seed, bound)


def atan2(y: Any, x: Any) -> Expression:
    return _fn("atan2", "ATAN2", y, x)


def negative(v: Any) -> Expression:
    return -_expr(v)


def concat(first: Any, *others: Any) -> Expression:
    return _fn("concat", "CONCAT", first, *others)


def concat_ws(separator: Any, first: Any, *others: Any) -> Expression:
    return _fn("concat_ws", "CONCAT_WS", separator, first, *others)


def uuid() -> Expression:
    return Expression("UUID()", text="uuid()")


def null_of(data_type: Any) -> Expression:
    from sluice.table.types import _type_sql
    return Expression("CAST(NULL AS %s)" % _type_sql(data_type), text="null", value=None)


def log(v: Any, base: Any = None) -> Expression:
    if base is None:
        return _fn("log", "LN", v)
    return _expr(v).log(base)


def source_watermark() -> Expression:
    return _not_here("sourceWatermark", "SOURCE_WATERMARK() (a connector's own watermarks in a schema) is not supported in Sluice yet; "
                     "declare the watermark as an expression, e.g. Schema.new_builder().watermark('ts', \"ts - INTERVAL '5' SECOND\")")


def if_then_else(condition: Any, if_true: Any, if_false: Any) -> Expression:
    return _expr(condition).then(if_true, if_false)


def coalesce(*args: Any) -> Expression:
    return _fn("coalesce", "COALESCE", *args)


def with_all_columns() -> Expression:
    return Expression("*", text="*")


def _selectors(items: List[Any]) -> List[Any]:
    out: List[Any] = []
    for it in items:
        if isinstance(it, Expression) and it._names:
            out.extend(it._names)
        elif isinstance(it, Expression) and isinstance(it._value, int) and not isinstance(it._value, bool):
            out.append(("index", it._value))
        elif isinstance(it, Expression):
            out.append(("expr", it))
        elif isinstance(it, int):
            out.append(("index", it))
        elif isinstance(it, str):
            out.append(("name", it))
        else:
            raise TypeError("with_columns takes columns, positions and range_(), not %r" % (it,))
    return out


def with_columns(head: Any, *tails: Any) -> Expression:
    """The columns selected by names, positions (1-based) and range_() —
    resolved against the table the expression is used on."""
    items = [head] + list(tails)
    text = ", ".join(str(_expr(i)) if not isinstance(i, Expression) else str(i) for i in items)
    e = Expression("NULL", text="withColumns(%s)" % text, names=[("with", _selectors(items))])
    return e


def without_columns(head: Any, *tails: Any) -> Expression:
    """Every column but those selected, as with_columns selects them."""
    items = [head] + list(tails)
    text = ", ".join(str(_expr(i)) if not isinstance(i, Expression) else str(i) for i in items)
    return Expression("NULL", text="withoutColumns(%s)" % text, names=[("without", _selectors(items))])


def json_string(value: Any) -> Expression:
    return _fn("JSON_STRING", "JSON_STRING", value)


def json_object(on_null: JsonOnNull = JsonOnNull.NULL, *args: Any) -> Expression:
    others = [_expr(a) for a in args]
    pairs = ", ".join("KEY %s VALUE %s" % (others[i]._sql, others[i + 1]._sql) for i in range(0, len(others) - 1, 2))
    _, text = _join(others)
    return Expression("JSON_OBJECT(%s %s ON NULL)" % (pairs, on_null.name),
                      text="JSON_OBJECT(%s%s)" % (on_null.name, ", " + text if text else ""))


def json_array(on_null: JsonOnNull = JsonOnNull.ABSENT, *args: Any) -> Expression:
    others = [_expr(a) for a in args]
    sql, text = _join(others)
    return Expression("JSON_ARRAY(%s %s ON NULL)" % (sql, on_null.name),
                      text="JSON_ARRAY(%s%s)" % (on_null.name, ", " + text if text else ""))


def json(value: Any) -> Expression:
    return _fn("JSON", "JSON", value)


def json_object_agg(on_null: JsonOnNull, key_expr: Any, value_expr: Any) -> Expression:
    k, v = _expr(key_expr), _expr(value_expr)
    return Expression("JSON_OBJECTAGG(KEY %s VALUE %s %s ON NULL)" % (k._sql, v._sql, on_null.name),
                      text="JSON_OBJECTAGG(%s, %s, %s)" % (on_null.name, k._text, v._text))


def json_array_agg(on_null: JsonOnNull, item_expr: Any) -> Expression:
    i = _expr(item_expr)
    return Expression("JSON_ARRAYAGG(%s %s ON NULL)" % (i._sql, on_null.name),
                      text="JSON_ARRAYAGG(%s, %s)" % (on_null.name, i._text))


def descriptor(*column_names: str) -> Expression:
    return _not_here("DESCRIPTOR", "window table functions are not callable from the Table API in Sluice yet; use "
                     "Table.window(Tumble...) or SQL's TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL ...))",
                     *[col(n) for n in column_names])


def object_of(class_name: str, *args: Any) -> Expression:
    return _not_here("OBJECT_OF", "structured types of Java classes do not exist in Sluice", class_name, *args)


def lag(expr: Any, offset: int = 1, default: Any = None) -> Expression:
    """LAG over an over window: ``lag(col('v')).over(col('w'))``."""
    return _fn("LAG", "LAG", expr, offset, default)


def lead(expr: Any, offset: int = 1, default: Any = None) -> Expression:
    """LEAD over an over window: ``lead(col('v')).over(col('w'))``."""
    return _fn("LEAD", "LEAD", expr, offset, default)


def call(f: Any, *args: Any) -> Expression:
    """A call of a function by name (a catalog function) or of a udf."""
    if isinstance(f, str):
        others = [_expr(a) for a in args]
        sql, text = _join(others)
        if f.lower() == "sum0" and len(others) == 1:
            # Flink's built-in sum0 (0 without values) has no SQL name: it
            # is SUM under a COALESCE, as Expression.sum0 writes it.
            e = Expression("COALESCE(SUM(%s), 0)" % sql, text="sum0(%s)" % text)
        else:
            e = Expression("%s(%s)" % (_func_name(f), sql), text="%s(%s)" % (f, text))
        for o in others:
            e._udfs.extend(o._udfs)
            e._unsupported = e._unsupported or o._unsupported
        return e
    if hasattr(f, "_sluice_name"):
        return _call_udf(f, args)
    raise TypeError("call() takes a function name or a udf, not %s" % type(f).__name__)


def call_sql(sql_expression: str) -> Expression:
    return Expression("(%s)" % sql_expression, text=sql_expression)
