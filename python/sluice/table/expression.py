"""PyFlink's expression DSL. An Expression renders as the SQL text that
Sluice's expression parser reads for string expressions too, so
``col('a') + 1`` and ``"a + 1"`` build one expression tree."""
from __future__ import annotations

import datetime
import decimal
import re
from typing import Any, List, Sequence

__all__ = ["Expression"]


_UDF_REF = re.compile(r"`\$udf\d+\$((?:[^`]|``)*)`")


def _quote_ident(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _func_name(name: str) -> str:
    # Quoted, so that a function named like a keyword (Offset) is still a
    # function; DSL expressions are parsed as SQL.
    return _quote_ident(name)


def _literal(v: Any) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, int):
        if -2**31 <= v < 2**31:
            return str(v)
        return "CAST(%d AS BIGINT)" % v
    if isinstance(v, float):
        if v != v:
            return "CAST('NaN' AS DOUBLE)"
        if v in (float("inf"), float("-inf")):
            return "CAST('%s' AS DOUBLE)" % ("Infinity" if v > 0 else "-Infinity")
        r = repr(v)
        return r if "e" in r else r + "E0"
    if isinstance(v, decimal.Decimal):
        return str(v)
    if isinstance(v, str):
        return "'" + v.replace("'", "''") + "'"
    if isinstance(v, (bytes, bytearray)):
        return "X'" + bytes(v).hex() + "'"
    if isinstance(v, datetime.datetime):
        return "TIMESTAMP '%s'" % v.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(v, datetime.date):
        return "DATE '%s'" % v.isoformat()
    if isinstance(v, datetime.time):
        return "TIME '%s'" % v.isoformat()
    if isinstance(v, Expression):
        return v._sql
    raise TypeError("cannot make a literal of %s" % type(v).__name__)


def _expr(v: Any) -> "Expression":
    return v if isinstance(v, Expression) else Expression(_literal(v))


class Expression:
    """A column expression. Arithmetic and comparison operators, ``&``,
    ``|``, ``~`` and the methods below build new expressions."""

    def __init__(self, sql: str, udfs: Sequence[Any] = (), alias: str = "", order: str = "") -> None:
        self._sql = sql  # the expression as SQL, without alias or order
        self._udfs: List[Any] = list(udfs)
        self._alias = alias
        self._order = order

    def _item(self) -> tuple:
        """What the engine receives: (SQL text, alias, 'asc'/'desc'/'')."""
        return (self._sql, self._alias, self._order)

    def _new(self, sql: str, *others: Any) -> "Expression":
        udfs = list(self._udfs)
        for o in others:
            if isinstance(o, Expression):
                udfs.extend(o._udfs)
        return Expression(sql, udfs)

    def _bin(self, op: str, other: Any) -> "Expression":
        o = _expr(other)
        return self._new("(%s %s %s)" % (self._sql, op, o._sql), o)

    def _rbin(self, op: str, other: Any) -> "Expression":
        o = _expr(other)
        return self._new("(%s %s %s)" % (o._sql, op, self._sql), o)

    __add__ = lambda self, o: self._bin("+", o)
    __radd__ = lambda self, o: self._rbin("+", o)
    __sub__ = lambda self, o: self._bin("-", o)
    __rsub__ = lambda self, o: self._rbin("-", o)
    __mul__ = lambda self, o: self._bin("*", o)
    __rmul__ = lambda self, o: self._rbin("*", o)
    __truediv__ = lambda self, o: self._bin("/", o)
    __rtruediv__ = lambda self, o: self._rbin("/", o)
    __mod__ = lambda self, o: self._bin("%", o)
    __rmod__ = lambda self, o: self._rbin("%", o)
    __eq__ = lambda self, o: self._bin("=", o)  # type: ignore[assignment]
    __ne__ = lambda self, o: self._bin("<>", o)  # type: ignore[assignment]
    __lt__ = lambda self, o: self._bin("<", o)
    __le__ = lambda self, o: self._bin("<=", o)
    __gt__ = lambda self, o: self._bin(">", o)
    __ge__ = lambda self, o: self._bin(">=", o)
    __and__ = lambda self, o: self._bin("AND", o)
    __rand__ = lambda self, o: self._rbin("AND", o)
    __or__ = lambda self, o: self._bin("OR", o)
    __ror__ = lambda self, o: self._rbin("OR", o)
    __hash__ = object.__hash__

    def __invert__(self) -> "Expression":
        return self._new("(NOT %s)" % self._sql)

    def __neg__(self) -> "Expression":
        return self._new("(- %s)" % self._sql)

    def __pow__(self, o: Any) -> "Expression":
        return self._fn("POWER", o)

    def __bool__(self) -> bool:
        raise TypeError("an Expression has no truth value: combine conditions with & and |, not 'and'/'or'")

    def _fn(self, name: str, *args: Any) -> "Expression":
        others = [_expr(a) for a in args]
        return self._new("%s(%s)" % (name, ", ".join([self._sql] + [o._sql for o in others])), *others)

    def alias(self, name: str, *extra_names: str) -> "Expression":
        if extra_names:
            raise NotImplementedError("alias with several names applies to table functions, which Sluice does not have yet")
        return Expression(self._sql, self._udfs, name, self._order)

    # Aggregates are properties in PyFlink: col('a').sum
    sum = property(lambda self: self._fn("SUM"))
    sum0 = property(lambda self: self._new("COALESCE(SUM(%s), 0)" % self._sql))
    count = property(lambda self: self._fn("COUNT"))
    avg = property(lambda self: self._fn("AVG"))
    min = property(lambda self: self._fn("MIN"))
    max = property(lambda self: self._fn("MAX"))
    stddev_pop = property(lambda self: self._fn("STDDEV_POP"))
    stddev_samp = property(lambda self: self._fn("STDDEV_SAMP"))
    var_pop = property(lambda self: self._fn("VAR_POP"))
    var_samp = property(lambda self: self._fn("VAR_SAMP"))
    asc = property(lambda self: Expression(self._sql, self._udfs, self._alias, "asc"))
    desc = property(lambda self: Expression(self._sql, self._udfs, self._alias, "desc"))
    is_null = property(lambda self: self._new("(%s IS NULL)" % self._sql))
    is_not_null = property(lambda self: self._new("(%s IS NOT NULL)" % self._sql))
    is_true = property(lambda self: self._new("(%s IS TRUE)" % self._sql))
    is_false = property(lambda self: self._new("(%s IS FALSE)" % self._sql))
    upper_case = property(lambda self: self._fn("UPPER"))
    lower_case = property(lambda self: self._fn("LOWER"))
    char_length = property(lambda self: self._fn("CHAR_LENGTH"))
    trim = property(lambda self: self._fn("TRIM"))
    abs = property(lambda self: self._fn("ABS"))
    floor = property(lambda self: self._fn("FLOOR"))
    ceil = property(lambda self: self._fn("CEIL"))
    sqrt = property(lambda self: self._fn("SQRT"))
    ln = property(lambda self: self._fn("LN"))
    exp = property(lambda self: self._fn("EXP"))

    @property
    def distinct(self) -> "Expression":
        # col('a').count.distinct is spelled a.count.distinct in PyFlink;
        # move DISTINCT inside the aggregate's parentheses.
        name, paren, rest = self._sql.partition("(")
        if not paren:
            raise ValueError("distinct applies to an aggregate: col('a').count.distinct")
        return Expression("%s(DISTINCT %s" % (name, rest), self._udfs)

    def cast(self, data_type: Any) -> "Expression":
        from sluice.table.types import _type_sql
        return self._new("CAST(%s AS %s)" % (self._sql, _type_sql(data_type)))

    def in_(self, *values: Any) -> "Expression":
        others = [_expr(v) for v in values]
        return self._new("(%s IN (%s))" % (self._sql, ", ".join(o._sql for o in others)), *others)

    def between(self, lower: Any, upper: Any) -> "Expression":
        lo, hi = _expr(lower), _expr(upper)
        return self._new("(%s BETWEEN %s AND %s)" % (self._sql, lo._sql, hi._sql), lo, hi)

    def not_between(self, lower: Any, upper: Any) -> "Expression":
        lo, hi = _expr(lower), _expr(upper)
        return self._new("(%s NOT BETWEEN %s AND %s)" % (self._sql, lo._sql, hi._sql), lo, hi)

    def like(self, pattern: Any) -> "Expression":
        return self._bin("LIKE", pattern)

    def similar(self, pattern: Any) -> "Expression":
        return self._bin("SIMILAR TO", pattern)

    def if_then_else(self, if_true: Any, if_false: Any) -> "Expression":
        t, f = _expr(if_true), _expr(if_false)
        return self._new("CASE WHEN %s THEN %s ELSE %s END" % (self._sql, t._sql, f._sql), t, f)

    def substring(self, begin: Any, length: Any = None) -> "Expression":
        return self._fn("SUBSTRING", begin) if length is None else self._fn("SUBSTRING", begin, length)

    def concat(self, *others: Any) -> "Expression":
        return self._fn("CONCAT", *others)

    def power(self, o: Any) -> "Expression":
        return self._fn("POWER", o)

    def round(self, places: Any) -> "Expression":
        return self._fn("ROUND", places)

    def __str__(self) -> str:
        # A udf call reads as PyFlink shows it: <lambda>(a), not its key.
        s = _UDF_REF.sub(lambda m: m.group(1).replace("``", "`"), self._sql)
        if self._order:
            s += " " + self._order.upper()
        if self._alias:
            s += " AS " + _quote_ident(self._alias)
        return s

    def __repr__(self) -> str:
        return "Expression(%s)" % self


def _call_udf(wrapper: Any, args: Sequence[Any]) -> Expression:
    others = [_expr(a) for a in args]
    # The SQL names the udf object's own key (udf._inline_keys), never its
    # name: two functions may share a name (every lambda is <lambda>), and a
    # catalog function of that name must not be called instead.
    e = Expression("%s(%s)" % (_quote_ident(wrapper._sluice_ref), ", ".join(o._sql for o in others)), [wrapper])
    for o in others:
        e._udfs.extend(o._udfs)
    return e
