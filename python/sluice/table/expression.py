"""PyFlink's expression DSL (``pyflink.table.expression``).

An Expression carries two renderings:

- ``_sql``: the expression as SQL text, which the engine parses with the
  grammar it reads string expressions with, so ``col('a') + 1`` and
  ``"a + 1"`` build one expression tree;
- ``_text``: what ``str()`` shows, PyFlink's (Java's ``asSummaryString``)
  spelling, e.g. ``plus(a, 1)``.

An expression the engine cannot evaluate still prints; using it in a Table
operation raises NotImplementedError naming it. Window properties
(col('w').start) and over aggregates (col('v').sum.over(col('w'))) are
evaluated in the select of a windowed table only.
"""
from __future__ import annotations

import datetime
import decimal
import re
from enum import Enum
from typing import Any, Callable, List, Optional, Sequence, Tuple

__all__ = ["Expression", "TimeIntervalUnit", "TimePointUnit", "JsonType", "JsonExistsOnError",
           "JsonValueOnEmptyOrError", "JsonQueryWrapper", "JsonQueryOnEmptyOrError", "JsonOnNull"]


class TimeIntervalUnit(Enum):
    YEAR = 0,
    YEAR_TO_MONTH = 1,
    QUARTER = 2,
    MONTH = 3,
    WEEK = 4,
    DAY = 5,
    DAY_TO_HOUR = 6,
    DAY_TO_MINUTE = 7,
    DAY_TO_SECOND = 8,
    HOUR = 9,
    SECOND = 10,
    HOUR_TO_MINUTE = 11,
    HOUR_TO_SECOND = 12,
    MINUTE = 13,
    MINUTE_TO_SECOND = 14


class TimePointUnit(Enum):
    YEAR = 0,
    MONTH = 1,
    DAY = 2,
    HOUR = 3,
    MINUTE = 4,
    SECOND = 5,
    QUARTER = 6,
    WEEK = 7,
    MILLISECOND = 8,
    MICROSECOND = 9


class JsonType(Enum):
    VALUE = 0,
    SCALAR = 1,
    ARRAY = 2,
    OBJECT = 3


class JsonExistsOnError(Enum):
    TRUE = 0,
    FALSE = 1,
    UNKNOWN = 2,
    ERROR = 3


class JsonValueOnEmptyOrError(Enum):
    NULL = 0,
    ERROR = 1,
    DEFAULT = 2


class JsonQueryWrapper(Enum):
    WITHOUT_ARRAY = 0,
    CONDITIONAL_ARRAY = 1,
    UNCONDITIONAL_ARRAY = 2


class JsonQueryOnEmptyOrError(Enum):
    NULL = 0,
    EMPTY_ARRAY = 1,
    EMPTY_OBJECT = 2,
    ERROR = 3


class JsonOnNull(Enum):
    NULL = 0,
    ABSENT = 1


def _quote_ident(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _func_name(name: str) -> str:
    # Quoted, so that a function named like a keyword (Offset) is still a
    # function; DSL expressions are parsed as SQL.
    return _quote_ident(name)


_NO_VALUE = object()

# Aggregates stay plain SQL: the engine's aggregate operator runs built-in
# aggregates only. _AGGREGATE_CALL matches their SQL (what .over applies to).
_AGGREGATES = frozenset(("sum", "sum0", "min", "max", "count", "avg", "first_value", "last_value", "stddevPop",
                         "stddevSamp", "varPop", "varSamp", "collect", "ARRAY_AGG", "listAgg", "PERCENTILE"))
_AGGREGATE_CALL = re.compile(r"^(SUM0?|MIN|MAX|COUNT|AVG|STDDEV_POP|STDDEV_SAMP|VAR_POP|VAR_SAMP|COLLECT|ARRAY_AGG|LISTAGG|"
                             r"FIRST_VALUE|LAST_VALUE|PERCENTILE|LAG|LEAD)\(", re.IGNORECASE)


def _builtin(java: str, sql: str) -> str:
    """A DSL call of a Flink built-in function, as the engine parses it:
    the function named java (its BuiltInFunctionDefinitions name), whose
    built-in meaning is the SQL sql. Flink's Table API resolves these names
    through the function catalog, so a temporary system function named
    plus replaces + in t.a + t.b (but not in SQL's a + b)."""
    if java in _AGGREGATES:
        return sql
    return "`$builtin$%s`(%s)" % (java.replace("`", "``"), sql)


def _literal(v: Any) -> str:
    """A Python value as a SQL literal."""
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
    if isinstance(v, list):
        return "ARRAY[%s]" % ", ".join(_literal(x) for x in v)
    if isinstance(v, dict):
        return "MAP[%s]" % ", ".join("%s, %s" % (_literal(k), _literal(x)) for k, x in v.items())
    raise TypeError("cannot make a literal of %s" % type(v).__name__)


def _literal_text(v: Any) -> str:
    """A Python value as Flink's summary string of a literal."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return "'" + v.replace("'", "''") + "'"
    if isinstance(v, (datetime.date, datetime.time)):
        return v.isoformat().replace("T", " ")
    if isinstance(v, list):
        return "[%s]" % ", ".join(_literal_text(x) for x in v)
    return str(v)


def _expr(v: Any) -> "Expression":
    if isinstance(v, Expression):
        return v
    return Expression(_literal(v), text=_literal_text(v), value=v)


def _join(es: Sequence["Expression"]) -> Tuple[str, str]:
    return ", ".join(e._sql for e in es), ", ".join(e._text for e in es)


class Expression(object):
    """A column expression. Arithmetic and comparison operators, ``&``,
    ``|``, ``~`` and the methods below build new expressions."""

    def __init__(self, sql: str, udfs: Sequence[Any] = (), alias: str = "", order: str = "", text: Optional[str] = None,
                 value: Any = _NO_VALUE, unsupported: str = "", names: Sequence[str] = ()) -> None:
        self._sql = sql  # the expression as SQL, without alias or order
        self._text = sql if text is None else text  # str(): PyFlink's spelling
        self._udfs: List[Any] = list(udfs)
        self._alias = alias
        self._order = order
        self._value = value  # the Python value of a literal
        self._unsupported = unsupported  # why the engine cannot run it
        self._names = list(names)  # with_columns/without_columns selectors

    # -- plumbing ---------------------------------------------------------
    def _item(self, context: str = "") -> tuple:
        """What the engine receives: (SQL text, alias, 'asc'/'desc'/'').
        context is "window" in the select of a window grouped table and
        "over" in that of an over windowed table, where window properties
        (w.start) and over aggregates (v.sum.over(w)) are allowed."""
        why = self._unsupported
        if why.startswith("[") and "] " in why:
            needs, why = why[1:].split("] ", 1)
            if needs == context:
                why = ""
        if why:
            raise NotImplementedError(why)
        return (self._sql, self._alias, self._order)

    def _derive(self, sql: str, text: str, *others: "Expression", unsupported: str = "") -> "Expression":
        udfs = list(self._udfs)
        why = unsupported or self._unsupported
        for o in others:
            udfs.extend(o._udfs)
            why = why or o._unsupported
        return Expression(sql, udfs, text=text, unsupported=why)

    def _call(self, java: str, sql_name: str, *args: Any) -> "Expression":
        """A function of this expression and args: ``java(self, args)`` in
        str(), ``SQL_NAME(self, args)`` in SQL."""
        others = [_expr(a) for a in args]
        sql, text = _join([self] + others)
        return self._derive(_builtin(java, "%s(%s)" % (sql_name, sql)), "%s(%s)" % (java, text), *others)

    def _bin(self, java: str, op: str, other: Any, reverse: bool = False) -> "Expression":
        o = _expr(other)
        a, b = (o, self) if reverse else (self, o)
        return self._derive(_builtin(java, "(%s %s %s)" % (a._sql, op, b._sql)), "%s(%s, %s)" % (java, a._text, b._text), o)

    def _postfix(self, java: str, op: str) -> "Expression":
        return self._derive(_builtin(java, "(%s %s)" % (self._sql, op)), "%s(%s)" % (java, self._text))

    def _not_here(self, java: str, why: str, *args: Any) -> "Expression":
        others = [_expr(a) for a in args]
        _, text = _join([self] + others)
        return self._derive("NULL", "%s(%s)" % (java, text), *others, unsupported="%s: %s" % (java, why))

    # -- operators --------------------------------------------------------
    def __add__(self, o: Any) -> "Expression":
        return self._bin("plus", "+", o)

    def __radd__(self, o: Any) -> "Expression":
        return self._bin("plus", "+", o, True)

    def __sub__(self, o: Any) -> "Expression":
        return self._bin("minus", "-", o)

    def __rsub__(self, o: Any) -> "Expression":
        return self._bin("minus", "-", o, True)

    def __mul__(self, o: Any) -> "Expression":
        return self._bin("times", "*", o)

    def __rmul__(self, o: Any) -> "Expression":
        # PyFlink keeps the order for times (multiplication commutes).
        return self._bin("times", "*", o)

    def __truediv__(self, o: Any) -> "Expression":
        return self._bin("divide", "/", o)

    def __rtruediv__(self, o: Any) -> "Expression":
        return self._bin("divide", "/", o, True)

    def __mod__(self, o: Any) -> "Expression":
        return self._bin("mod", "%", o)

    def __rmod__(self, o: Any) -> "Expression":
        return self._bin("mod", "%", o, True)

    def __pow__(self, o: Any) -> "Expression":
        return self._call("power", "POWER", o)

    def __rpow__(self, o: Any) -> "Expression":
        return _expr(o)._call("power", "POWER", self)

    def __eq__(self, o: Any) -> "Expression":  # type: ignore[override]
        return self._bin("equals", "=", o)

    def __ne__(self, o: Any) -> "Expression":  # type: ignore[override]
        return self._bin("notEquals", "<>", o)

    def __lt__(self, o: Any) -> "Expression":
        return self._bin("lessThan", "<", o)

    def __le__(self, o: Any) -> "Expression":
        return self._bin("lessThanOrEqual", "<=", o)

    def __gt__(self, o: Any) -> "Expression":
        return self._bin("greaterThan", ">", o)

    def __ge__(self, o: Any) -> "Expression":
        return self._bin("greaterThanOrEqual", ">=", o)

    def __and__(self, o: Any) -> "Expression":
        return self._bin("and", "AND", o)

    def __rand__(self, o: Any) -> "Expression":
        return self._bin("and", "AND", o, True)

    def __or__(self, o: Any) -> "Expression":
        return self._bin("or", "OR", o)

    def __ror__(self, o: Any) -> "Expression":
        return self._bin("or", "OR", o, True)

    def __invert__(self) -> "Expression":
        return self._postfix("isNotTrue", "IS NOT TRUE")

    def __neg__(self) -> "Expression":
        return self._derive(_builtin("minusPrefix", "(- %s)" % self._sql), "minusPrefix(%s)" % self._text)

    def __abs__(self) -> "Expression":
        return self._call("abs", "ABS")

    __hash__ = object.__hash__

    def __bool__(self) -> bool:
        raise TypeError("an Expression has no truth value: combine conditions with & and |, not 'and'/'or'")

    def __str__(self) -> str:
        s = self._text
        if self._order:
            s = "%s(%s)" % (self._order, s)
        if self._alias:
            s = "as(%s, %s)" % (s, ", ".join("'%s'" % n for n in [self._alias] + getattr(self, "_extra_names", [])))
        return s

    def __repr__(self) -> str:
        return str(self)

    def __getattr__(self, name: str) -> "Expression":
        # PyFlink: an unknown attribute is a field of a ROW value (e.row_field).
        if name.startswith("_"):
            raise AttributeError(name)
        return self.get(name)

    def __getitem__(self, index: Any) -> "Expression":
        return self.at(index)

    # -- arithmetic -------------------------------------------------------
    exp = property(lambda self: self._call("exp", "EXP"))
    log10 = property(lambda self: self._call("log10", "LOG10"))
    log2 = property(lambda self: self._call("log2", "LOG2"))
    ln = property(lambda self: self._call("ln", "LN"))
    cosh = property(lambda self: self._call("cosh", "COSH"))
    sinh = property(lambda self: self._call("sinh", "SINH"))
    sin = property(lambda self: self._call("sin", "SIN"))
    cos = property(lambda self: self._call("cos", "COS"))
    tan = property(lambda self: self._call("tan", "TAN"))
    cot = property(lambda self: self._call("cot", "COT"))
    asin = property(lambda self: self._call("asin", "ASIN"))
    acos = property(lambda self: self._call("acos", "ACOS"))
    atan = property(lambda self: self._call("atan", "ATAN"))
    tanh = property(lambda self: self._call("tanh", "TANH"))
    degrees = property(lambda self: self._call("degrees", "DEGREES"))
    radians = property(lambda self: self._call("radians", "RADIANS"))
    sqrt = property(lambda self: self._call("sqrt", "SQRT"))
    abs = property(lambda self: self._call("abs", "ABS"))
    sign = property(lambda self: self._call("sign", "SIGN"))

    def log(self, base: Any = None) -> "Expression":
        if base is None:
            return self._call("log", "LN")
        b = _expr(base)
        # Flink's log(base) is the logarithm of this value to base.
        return self._derive("LOG(%s, %s)" % (b._sql, self._sql), "log(%s, %s)" % (self._text, b._text), b)

    def round(self, places: Any) -> "Expression":
        return self._call("round", "ROUND", places)

    def power(self, o: Any) -> "Expression":
        return self._call("power", "POWER", o)

    def concat(self, *others: Any) -> "Expression":
        return self._call("concat", "CONCAT", *others)

    def between(self, lower_bound: Any, upper_bound: Any) -> "Expression":
        lo, hi = _expr(lower_bound), _expr(upper_bound)
        return self._derive(_builtin("between", "(%s BETWEEN %s AND %s)" % (self._sql, lo._sql, hi._sql)),
                            "between(%s, %s, %s)" % (self._text, lo._text, hi._text), lo, hi)

    def not_between(self, lower_bound: Any, upper_bound: Any) -> "Expression":
        lo, hi = _expr(lower_bound), _expr(upper_bound)
        return self._derive(_builtin("notBetween", "(%s NOT BETWEEN %s AND %s)" % (self._sql, lo._sql, hi._sql)),
                            "notBetween(%s, %s, %s)" % (self._text, lo._text, hi._text), lo, hi)

    def then(self, if_true: Any, if_false: Any) -> "Expression":
        t, f = _expr(if_true), _expr(if_false)
        return self._derive(_builtin("ifThenElse", "CASE WHEN %s THEN %s ELSE %s END" % (self._sql, t._sql, f._sql)),
                            "ifThenElse(%s, %s, %s)" % (self._text, t._text, f._text), t, f)

    def if_then_else(self, if_true: Any, if_false: Any) -> "Expression":
        return self.then(if_true, if_false)

    def if_null(self, null_replacement: Any) -> "Expression":
        r = _expr(null_replacement)
        return self._derive(_builtin("ifNull", "COALESCE(%s, %s)" % (self._sql, r._sql)), "ifNull(%s, %s)" % (self._text, r._text), r)

    # -- logic ------------------------------------------------------------
    is_null = property(lambda self: self._postfix("isNull", "IS NULL"))
    is_not_null = property(lambda self: self._postfix("isNotNull", "IS NOT NULL"))
    is_true = property(lambda self: self._postfix("isTrue", "IS TRUE"))
    is_false = property(lambda self: self._postfix("isFalse", "IS FALSE"))
    is_not_true = property(lambda self: self._postfix("isNotTrue", "IS NOT TRUE"))
    is_not_false = property(lambda self: self._postfix("isNotFalse", "IS NOT FALSE"))

    # -- aggregates -------------------------------------------------------
    @property
    def distinct(self) -> "Expression":
        # col('a').count.distinct is DISTINCT inside the aggregate's
        # parentheses: COUNT(DISTINCT a).
        name, paren, rest = self._sql.partition("(")
        if not paren or not name.replace("_", "").isalnum():
            return self._derive(self._sql, "distinct(%s)" % self._text,
                                unsupported="distinct applies to an aggregate in Sluice: col('a').count.distinct")
        return self._derive("%s(DISTINCT %s" % (name, rest), "distinct(%s)" % self._text)

    sum = property(lambda self: self._call("sum", "SUM"))
    sum0 = property(lambda self: self._derive("COALESCE(SUM(%s), 0)" % self._sql, "sum0(%s)" % self._text))
    min = property(lambda self: self._call("min", "MIN"))
    max = property(lambda self: self._call("max", "MAX"))
    count = property(lambda self: self._call("count", "COUNT"))
    avg = property(lambda self: self._call("avg", "AVG"))
    first_value = property(lambda self: self._call("first_value", "FIRST_VALUE"))
    last_value = property(lambda self: self._call("last_value", "LAST_VALUE"))
    stddev_pop = property(lambda self: self._call("stddevPop", "STDDEV_POP"))
    stddev_samp = property(lambda self: self._call("stddevSamp", "STDDEV_SAMP"))
    var_pop = property(lambda self: self._call("varPop", "VAR_POP"))
    var_samp = property(lambda self: self._call("varSamp", "VAR_SAMP"))
    collect = property(lambda self: self._call("collect", "COLLECT"))
    array_agg = property(lambda self: self._call("ARRAY_AGG", "ARRAY_AGG"))

    def list_agg(self, separator: Any = None) -> "Expression":
        if separator is None:
            return self._call("listAgg", "LISTAGG")
        return self._call("listAgg", "LISTAGG", separator)

    # -- naming, types, order ---------------------------------------------
    def alias(self, name: str, *extra_names: str) -> "Expression":
        e = Expression(self._sql, self._udfs, name, self._order, self._text, self._value, self._unsupported, self._names)
        if extra_names:
            e._extra_names = list(extra_names)  # type: ignore[attr-defined]
            e._unsupported = e._unsupported or \
                "alias with several names applies to table functions, which Sluice does not have yet"
        return e

    def as_argument(self, name: str) -> "Expression":
        return self._derive(self._sql, "ASSIGNMENT('%s', %s)" % (name, self._text),
                            unsupported="as_argument: named arguments are not supported by Sluice")

    def cast(self, data_type: Any) -> "Expression":
        from sluice.table.types import _type_sql
        t = _type_sql(data_type)
        return self._derive("CAST(%s AS %s)" % (self._sql, t), "cast(%s, %s)" % (self._text, t))

    def try_cast(self, data_type: Any) -> "Expression":
        from sluice.table.types import _type_sql
        t = _type_sql(data_type)
        return self._derive("TRY_CAST(%s AS %s)" % (self._sql, t), "tryCast(%s, %s)" % (self._text, t))

    @property
    def asc(self) -> "Expression":
        return Expression(self._sql, self._udfs, self._alias, "asc", self._text, self._value, self._unsupported)

    @property
    def desc(self) -> "Expression":
        return Expression(self._sql, self._udfs, self._alias, "desc", self._text, self._value, self._unsupported)

    def in_(self, first_element_or_table: Any, *remaining_elements: Any) -> "Expression":
        from sluice.table.table import Table
        if isinstance(first_element_or_table, Table):
            assert not remaining_elements, "one table only"
            name = str(first_element_or_table)  # registers the table as a view
            return self._derive("(%s IN (SELECT * FROM %s))" % (self._sql, _quote_ident(name)),
                                "in(%s, %s)" % (self._text, name))
        others = [_expr(v) for v in (first_element_or_table,) + remaining_elements]
        sql, text = _join(others)
        return self._derive("(%s IN (%s))" % (self._sql, sql), "in(%s, %s)" % (self._text, text), *others)

    # -- window properties and over aggregates -----------------------------
    def _window_property(self, name: str) -> "Expression":
        """w.start and friends: the engine replaces start(w) by the
        property of the group window w (TUMBLE_START(ts, ...))."""
        return self._derive("%s(%s)" % (_quote_ident(name), self._sql), "%s(%s)" % (name, self._text),
                            unsupported="[window] %s: a window property, selected from a windowed table: "
                                        "t.window(Tumble.over(...).on(...).alias('w')).group_by(col('w')).select(col('w').%s)"
                                        % (name, name))

    start = property(lambda self: self._window_property("start"))
    end = property(lambda self: self._window_property("end"))
    rowtime = property(lambda self: self._window_property("rowtime"))
    proctime = property(lambda self: self._window_property("proctime"))

    def over(self, alias: Any) -> "Expression":
        """This aggregate over the over window alias (col('w') or 'w')."""
        w = alias if isinstance(alias, Expression) else Expression(_quote_ident(str(alias)), text=str(alias))
        if not _AGGREGATE_CALL.match(self._sql):
            raise ValueError("over applies to an aggregate call, e.g. col('v').sum.over(col('w')); got %s" % self._text)
        return self._derive("%s OVER %s" % (self._sql, w._sql), "over(%s, %s)" % (self._text, w._text), w,
                            unsupported="[over] over: an over aggregate, selected from an over windowed table: "
                                        "t.over_window(Over.partition_by(...).order_by(...).alias('w')).select(...)")

    # -- numbers as strings, hashes ---------------------------------------
    bin = property(lambda self: self._call("bin", "BIN"))
    hex = property(lambda self: self._call("hex", "HEX"))
    unhex = property(lambda self: self._call("UNHEX", "UNHEX"))

    def truncate(self, n: Any = 0) -> "Expression":
        return self._call("truncate", "TRUNCATE", n)

    def percentile(self, percentage: Any, frequency: Any = None) -> "Expression":
        if frequency is None:
            return self._call("PERCENTILE", "PERCENTILE", percentage)
        return self._call("PERCENTILE", "PERCENTILE", percentage, frequency)

    md5 = property(lambda self: self._call("md5", "MD5"))
    sha1 = property(lambda self: self._call("sha1", "SHA1"))
    sha224 = property(lambda self: self._call("sha224", "SHA224"))
    sha256 = property(lambda self: self._call("sha256", "SHA256"))
    sha384 = property(lambda self: self._call("sha384", "SHA384"))
    sha512 = property(lambda self: self._call("sha512", "SHA512"))

    def sha2(self, hash_length: Any) -> "Expression":
        return self._call("sha2", "SHA2", hash_length)

    # -- strings ----------------------------------------------------------
    def starts_with(self, start_expr: Any) -> "Expression":
        return self._call("STARTSWITH", "STARTSWITH", start_expr)

    def ends_with(self, end_expr: Any) -> "Expression":
        return self._call("ENDSWITH", "ENDSWITH", end_expr)

    def substring(self, begin_index: Any, length: Any = None) -> "Expression":
        if length is None:
            return self._call("substring", "SUBSTRING", begin_index)
        return self._call("substring", "SUBSTRING", begin_index, length)

    def substr(self, begin_index: Any, length: Any = None) -> "Expression":
        if length is None:
            return self._call("substr", "SUBSTR", begin_index)
        return self._call("substr", "SUBSTR", begin_index, length)

    def _trim(self, leading: bool, trailing: bool, character: Any) -> "Expression":
        c = _expr(" " if character is None else character)
        where = "BOTH" if leading and trailing else "LEADING" if leading else "TRAILING"
        return self._derive("TRIM(%s %s FROM %s)" % (where, c._sql, self._sql),
                            "trim(%s, %s, %s, %s)" % (str(leading).lower(), str(trailing).lower(), c._text, self._text), c)

    def trim_leading(self, character: Any = None) -> "Expression":
        return self._trim(True, False, character)

    def trim_trailing(self, character: Any = None) -> "Expression":
        return self._trim(False, True, character)

    def trim(self, character: Any = None) -> "Expression":
        return self._trim(True, True, character)

    def replace(self, search: Any = None, replacement: Any = None) -> "Expression":
        return self._call("replace", "REPLACE", search, replacement)

    def translate(self, from_str: Any, to_str: Any) -> "Expression":
        return self._call("translate", "TRANSLATE", from_str, to_str)

    char_length = property(lambda self: self._call("charLength", "CHAR_LENGTH"))
    upper_case = property(lambda self: self._call("upper", "UPPER"))
    lower_case = property(lambda self: self._call("lower", "LOWER"))
    init_cap = property(lambda self: self._call("initCap", "INITCAP"))

    def like(self, pattern: Any = None, escape: Any = None) -> "Expression":
        p = _expr(pattern)
        if escape is None:
            return self._derive("(%s LIKE %s)" % (self._sql, p._sql), "LIKE(%s, %s)" % (self._text, p._text), p)
        e = _expr(escape)
        return self._derive("(%s LIKE %s ESCAPE %s)" % (self._sql, p._sql, e._sql),
                            "LIKE(%s, %s, %s)" % (self._text, p._text, e._text), p, e)

    def similar(self, pattern: Any = None) -> "Expression":
        p = _expr(pattern)
        return self._derive("(%s SIMILAR TO %s)" % (self._sql, p._sql), "similar(%s, %s)" % (self._text, p._text), p)

    def position(self, haystack: Any = None) -> "Expression":
        h = _expr(haystack)
        return self._derive("POSITION(%s IN %s)" % (self._sql, h._sql), "position(%s, %s)" % (self._text, h._text), h)

    def lpad(self, length: Any, pad: Any) -> "Expression":
        return self._call("lpad", "LPAD", length, pad)

    def rpad(self, length: Any, pad: Any) -> "Expression":
        return self._call("rpad", "RPAD", length, pad)

    def overlay(self, new_string: Any, starting: Any, length: Any = None) -> "Expression":
        n, s = _expr(new_string), _expr(starting)
        if length is None:
            return self._derive("OVERLAY(%s PLACING %s FROM %s)" % (self._sql, n._sql, s._sql),
                                "overlay(%s, %s, %s)" % (self._text, n._text, s._text), n, s)
        ln = _expr(length)
        return self._derive("OVERLAY(%s PLACING %s FROM %s FOR %s)" % (self._sql, n._sql, s._sql, ln._sql),
                            "overlay(%s, %s, %s, %s)" % (self._text, n._text, s._text, ln._text), n, s, ln)

    def regexp(self, regex: Any) -> "Expression":
        return self._call("REGEXP", "REGEXP", regex)

    def regexp_count(self, regex: Any) -> "Expression":
        return self._call("REGEXP_COUNT", "REGEXP_COUNT", regex)

    def regexp_replace(self, regex: Any, replacement: Any) -> "Expression":
        return self._call("REGEXP_REPLACE", "REGEXP_REPLACE", regex, replacement)

    def regexp_extract(self, regex: Any, extract_index: Any = None) -> "Expression":
        if extract_index is None:
            return self._call("REGEXP_EXTRACT", "REGEXP_EXTRACT", regex)
        return self._call("REGEXP_EXTRACT", "REGEXP_EXTRACT", regex, extract_index)

    def regexp_extract_all(self, regex: Any, extract_index: Any = None) -> "Expression":
        if extract_index is None:
            return self._call("REGEXP_EXTRACT_ALL", "REGEXP_EXTRACT_ALL", regex)
        return self._call("REGEXP_EXTRACT_ALL", "REGEXP_EXTRACT_ALL", regex, extract_index)

    def regexp_instr(self, regex: Any) -> "Expression":
        return self._call("REGEXP_INSTR", "REGEXP_INSTR", regex)

    def regexp_substr(self, regex: Any) -> "Expression":
        return self._call("REGEXP_SUBSTR", "REGEXP_SUBSTR", regex)

    from_base64 = property(lambda self: self._call("fromBase64", "FROM_BASE64"))
    to_base64 = property(lambda self: self._call("toBase64", "TO_BASE64"))
    ascii = property(lambda self: self._call("ascii", "ASCII"))
    chr = property(lambda self: self._call("chr", "CHR"))
    reverse = property(lambda self: self._call("reverse", "REVERSE"))

    def decode(self, charset: Any) -> "Expression":
        return self._call("decode", "DECODE", charset)

    def encode(self, charset: Any) -> "Expression":
        return self._call("encode", "ENCODE", charset)

    def left(self, length: Any) -> "Expression":
        return self._call("left", "LEFT", length)

    def right(self, length: Any) -> "Expression":
        return self._call("right", "RIGHT", length)

    def instr(self, s: Any) -> "Expression":
        return self._call("instr", "INSTR", s)

    def locate(self, s: Any, pos: Any = None) -> "Expression":
        # Flink's LOCATE(needle, haystack): this expression is the needle.
        if pos is None:
            return self._call("locate", "LOCATE", s)
        return self._call("locate", "LOCATE", s, pos)

    def url_decode(self) -> "Expression":
        return self._call("urlDecode", "URL_DECODE")

    def url_encode(self) -> "Expression":
        return self._call("urlEncode", "URL_ENCODE")

    def inet_aton(self) -> "Expression":
        return self._call("INET_ATON", "INET_ATON")

    def inet_ntoa(self) -> "Expression":
        return self._call("INET_NTOA", "INET_NTOA")

    is_valid_utf8 = property(lambda self: self._call("IS_VALID_UTF8", "IS_VALID_UTF8"))
    make_valid_utf8 = property(lambda self: self._call("MAKE_VALID_UTF8", "MAKE_VALID_UTF8"))

    def parse_url(self, part_to_extract: Any, key: Any = None) -> "Expression":
        if key is None:
            return self._call("parseUrl", "PARSE_URL", part_to_extract)
        return self._call("parseUrl", "PARSE_URL", part_to_extract, key)

    def printf(self, *obj: Any) -> "Expression":
        return self._call("PRINTF", "PRINTF", *obj)

    def ltrim(self, trim_str: Any = None) -> "Expression":
        return self._call("ltrim", "LTRIM") if trim_str is None else self._call("ltrim", "LTRIM", trim_str)

    def rtrim(self, trim_str: Any = None) -> "Expression":
        return self._call("rtrim", "RTRIM") if trim_str is None else self._call("rtrim", "RTRIM", trim_str)

    def btrim(self, trim_str: Any = None) -> "Expression":
        return self._call("btrim", "BTRIM") if trim_str is None else self._call("btrim", "BTRIM", trim_str)

    def repeat(self, n: Any) -> "Expression":
        return self._call("repeat", "REPEAT", n)

    def split_index(self, separator: Any, index: Any) -> "Expression":
        return self._call("splitIndex", "SPLIT_INDEX", separator, index)

    def str_to_map(self, list_delimiter: Any = None, key_value_delimiter: Any = None) -> "Expression":
        if list_delimiter is None:
            return self._call("strToMap", "STR_TO_MAP")
        return self._call("strToMap", "STR_TO_MAP", list_delimiter, key_value_delimiter)

    def elt(self, expr: Any, *exprs: Any) -> "Expression":
        return self._call("ELT", "ELT", expr, *exprs)

    def split(self, delimiter: Any) -> "Expression":
        return self._call("SPLIT", "SPLIT", delimiter)

    # -- temporal ---------------------------------------------------------
    to_date = property(lambda self: self._cast_text("DATE"))
    to_time = property(lambda self: self._cast_text("TIME(0)"))
    to_timestamp = property(lambda self: self._cast_text("TIMESTAMP(3)"))

    def _cast_text(self, t: str) -> "Expression":
        return self._derive("CAST(%s AS %s)" % (self._sql, t), "cast(%s, %s)" % (self._text, t))

    def extract(self, time_interval_unit: TimeIntervalUnit) -> "Expression":
        u = time_interval_unit.name
        return self._derive("EXTRACT(%s FROM %s)" % (u, self._sql), "extract(%s, %s)" % (u, self._text))

    def floor(self, time_interval_unit: Optional[TimeIntervalUnit] = None) -> "Expression":
        if time_interval_unit is None:
            return self._call("floor", "FLOOR")
        u = time_interval_unit.name
        return self._derive("FLOOR(%s TO %s)" % (self._sql, u), "floor(%s, %s)" % (self._text, u))

    def ceil(self, time_interval_unit: Optional[TimeIntervalUnit] = None) -> "Expression":
        if time_interval_unit is None:
            return self._call("ceil", "CEIL")
        u = time_interval_unit.name
        return self._derive("CEIL(%s TO %s)" % (self._sql, u), "ceil(%s, %s)" % (self._text, u))

    def _interval(self, java: str, unit: str, factor: int, per_unit: int) -> "Expression":
        """An interval of this many units. A literal prints as Flink's value
        (milliseconds or months); SQL gets an INTERVAL literal."""
        v = self._value
        if isinstance(v, int) and not isinstance(v, bool):
            return Expression("INTERVAL '%d' %s" % (v * factor, unit), self._udfs, text=str(v * per_unit))
        return self._derive("(%s * INTERVAL '%d' %s)" % (self._sql, factor, unit), "%s(%s)" % (java, self._text))

    year = property(lambda self: self._interval("year", "YEAR", 1, 12))
    years = property(lambda self: self._interval("years", "YEAR", 1, 12))
    quarter = property(lambda self: self._interval("quarter", "MONTH", 3, 3))
    quarters = property(lambda self: self._interval("quarters", "MONTH", 3, 3))
    month = property(lambda self: self._interval("month", "MONTH", 1, 1))
    months = property(lambda self: self._interval("months", "MONTH", 1, 1))
    week = property(lambda self: self._interval("week", "DAY", 7, 7 * 86400000))
    weeks = property(lambda self: self._interval("weeks", "DAY", 7, 7 * 86400000))
    day = property(lambda self: self._interval("day", "DAY", 1, 86400000))
    days = property(lambda self: self._interval("days", "DAY", 1, 86400000))
    hour = property(lambda self: self._interval("hour", "HOUR", 1, 3600000))
    hours = property(lambda self: self._interval("hours", "HOUR", 1, 3600000))
    minute = property(lambda self: self._interval("minute", "MINUTE", 1, 60000))
    minutes = property(lambda self: self._interval("minutes", "MINUTE", 1, 60000))
    second = property(lambda self: self._interval("second", "SECOND", 1, 1000))
    seconds = property(lambda self: self._interval("seconds", "SECOND", 1, 1000))

    @property
    def milli(self) -> "Expression":
        v = self._value
        if isinstance(v, int) and not isinstance(v, bool):
            sign, n = ("-" if v < 0 else ""), abs(v)
            return Expression("INTERVAL '%s%d.%03d' SECOND(3)" % (sign, n // 1000, n % 1000), self._udfs, text=str(v))
        return self._derive("(%s * INTERVAL '0.001' SECOND(3))" % self._sql, "milli(%s)" % self._text)

    millis = milli

    @property
    def rows(self) -> "Expression":
        # A row-count interval (the size of a row-count window, the bound
        # of a ROWS over window): prints as its number.
        e = self._derive(self._sql, self._text, unsupported="rows: a row interval is the size or bound of a window, not a value")
        e._window_bound = "%s.rows" % self._sql  # type: ignore[attr-defined]
        return e

    # -- collections and rows ---------------------------------------------
    def get(self, name_or_index: Any) -> "Expression":
        k = _expr(name_or_index)
        if isinstance(name_or_index, str):
            sql = "(%s).%s" % (self._sql, _quote_ident(name_or_index))
        else:
            sql = "(%s)[%s]" % (self._sql, k._sql)
        return self._derive(sql, "get(%s, %s)" % (self._text, k._text), k)

    @property
    def flatten(self) -> "Expression":
        """The fields of a ROW value as columns (name$field), as a select
        item; the Table operation expands it against the value's type."""
        e = self._derive(self._sql, "flatten(%s)" % self._text,
                         unsupported="flatten expands into columns: use it as an item of select")
        e._names = [("flatten", self)]
        return e

    def at(self, index: Any) -> "Expression":
        k = _expr(index)
        return self._derive("%s[%s]" % (self._sql, k._sql), "at(%s, %s)" % (self._text, k._text), k)

    cardinality = property(lambda self: self._call("cardinality", "CARDINALITY"))
    element = property(lambda self: self._call("element", "ELEMENT"))
    map_keys = property(lambda self: self._call("mapKeys", "MAP_KEYS"))
    map_values = property(lambda self: self._call("mapValues", "MAP_VALUES"))
    map_entries = property(lambda self: self._call("mapEntries", "MAP_ENTRIES"))

    def array_append(self, addition: Any) -> "Expression":
        return self._call("arrayAppend", "ARRAY_APPEND", addition)

    def array_contains(self, needle: Any) -> "Expression":
        return self._call("arrayContains", "ARRAY_CONTAINS", needle)

    def array_distinct(self) -> "Expression":
        return self._call("arrayDistinct", "ARRAY_DISTINCT")

    def array_position(self, needle: Any) -> "Expression":
        return self._call("arrayPosition", "ARRAY_POSITION", needle)

    def array_prepend(self, addition: Any) -> "Expression":
        return self._call("arrayPrepend", "ARRAY_PREPEND", addition)

    def array_remove(self, needle: Any) -> "Expression":
        return self._call("arrayRemove", "ARRAY_REMOVE", needle)

    def array_reverse(self) -> "Expression":
        return self._call("arrayReverse", "ARRAY_REVERSE")

    def array_slice(self, start_offset: Any, end_offset: Any = None) -> "Expression":
        if end_offset is None:
            return self._call("ARRAY_SLICE", "ARRAY_SLICE", start_offset)
        return self._call("ARRAY_SLICE", "ARRAY_SLICE", start_offset, end_offset)

    def array_sort(self, ascending_order: Any = None, null_first: Any = None) -> "Expression":
        args = [a for a in (ascending_order, null_first) if a is not None]
        return self._call("ARRAY_SORT", "ARRAY_SORT", *args)

    def array_union(self, array: Any) -> "Expression":
        return self._call("arrayUnion", "ARRAY_UNION", array)

    def array_concat(self, *arrays: Any) -> "Expression":
        return self._call("arrayConcat", "ARRAY_CONCAT", *arrays)

    def array_max(self) -> "Expression":
        return self._call("arrayMax", "ARRAY_MAX")

    def array_min(self) -> "Expression":
        return self._call("arrayMin", "ARRAY_MIN")

    def array_join(self, delimiter: Any, null_replacement: Any = None) -> "Expression":
        if null_replacement is None:
            return self._call("ARRAY_JOIN", "ARRAY_JOIN", delimiter)
        return self._call("ARRAY_JOIN", "ARRAY_JOIN", delimiter, null_replacement)

    def array_except(self, array: Any) -> "Expression":
        return self._call("arrayExcept", "ARRAY_EXCEPT", array)

    def array_intersect(self, array: Any) -> "Expression":
        return self._call("arrayIntersect", "ARRAY_INTERSECT", array)

    def map_union(self, *maps: Any) -> "Expression":
        return self._call("mapUnion", "MAP_UNION", *maps)

    # -- JSON -------------------------------------------------------------
    def is_json(self, json_type: Optional[JsonType] = None) -> "Expression":
        if json_type is None:
            return self._derive("(%s IS JSON)" % self._sql, "IS_JSON(%s)" % self._text)
        return self._derive("(%s IS JSON %s)" % (self._sql, json_type.name),
                            "IS_JSON(%s, %s)" % (self._text, json_type.name))

    def json_exists(self, path: str, on_error: Optional[JsonExistsOnError] = None) -> "Expression":
        p = _expr(path)
        if on_error is None or on_error == JsonExistsOnError.FALSE:
            text = "JSON_EXISTS(%s, %s)" % (self._text, p._text) if on_error is None else \
                "JSON_EXISTS(%s, %s, %s)" % (self._text, p._text, on_error.name)
            return self._derive("JSON_EXISTS(%s, %s)" % (self._sql, p._sql), text, p)
        return self._derive("NULL", "JSON_EXISTS(%s, %s, %s)" % (self._text, p._text, on_error.name), p,
                            unsupported="json_exists: only FALSE ON ERROR (the default) is supported by Sluice")

    def json_value(self, path: str, returning_type: Any = None, on_empty: JsonValueOnEmptyOrError = JsonValueOnEmptyOrError.NULL,
                   default_on_empty: Any = None, on_error: JsonValueOnEmptyOrError = JsonValueOnEmptyOrError.NULL,
                   default_on_error: Any = None) -> "Expression":
        from sluice.table.types import DataTypes, _type_sql
        t = _type_sql(returning_type if returning_type is not None else DataTypes.STRING())
        p = _expr(path)
        d1, d2 = _expr(default_on_empty), _expr(default_on_error)

        def clause(b: JsonValueOnEmptyOrError, d: Expression, when: str) -> str:
            return " %s ON %s" % ("DEFAULT " + d._sql if b == JsonValueOnEmptyOrError.DEFAULT else b.name, when)
        text = "JSON_VALUE(%s, %s, %s, %s, %s, %s, %s)" % (self._text, p._text, t, on_empty.name, d1._text, on_error.name, d2._text)
        if t == "STRING" and on_empty == on_error == JsonValueOnEmptyOrError.NULL:
            return self._derive("JSON_VALUE(%s, %s)" % (self._sql, p._sql), text, p)
        # Sluice's SQL has no RETURNING/ON EMPTY/ON ERROR clauses.
        return self._derive("NULL", text, p, unsupported="json_value with a returning type or ON EMPTY/ON ERROR "
                                                        "behaviour is not supported by Sluice")

    def json_query(self, path: str, wrapping_behavior: JsonQueryWrapper = JsonQueryWrapper.WITHOUT_ARRAY,
                   on_empty: JsonQueryOnEmptyOrError = JsonQueryOnEmptyOrError.NULL,
                   on_error: JsonQueryOnEmptyOrError = JsonQueryOnEmptyOrError.NULL) -> "Expression":
        p = _expr(path)
        text = "JSON_QUERY(%s, %s, STRING, %s, %s, %s)" % (self._text, p._text, wrapping_behavior.name, on_empty.name, on_error.name)
        if wrapping_behavior == JsonQueryWrapper.WITHOUT_ARRAY and \
                on_empty == on_error == JsonQueryOnEmptyOrError.NULL:
            return self._derive("JSON_QUERY(%s, %s)" % (self._sql, p._sql), text, p)
        # Sluice's SQL has no WRAPPER/ON EMPTY/ON ERROR clauses.
        return self._derive("NULL", text, p, unsupported="json_query with an array wrapper or ON EMPTY/ON ERROR "
                                                        "behaviour is not supported by Sluice")

    def object_update(self, *kv: Any) -> "Expression":
        return self._not_here("OBJECT_UPDATE", "structured types of Java classes do not exist in Sluice", *kv)

    def json_quote(self) -> "Expression":
        return self._call("JSON_QUOTE", "JSON_QUOTE")

    def json_unquote(self) -> "Expression":
        return self._call("JSON_UNQUOTE", "JSON_UNQUOTE")


def _bitmap_method(name: str) -> Callable[..., Expression]:
    def method(self: Expression, *args: Any) -> Expression:
        return self._call(name.upper(), name.upper(), *args)
    method.__name__ = name
    return method


# Bitmap functions (Flink 2.1+): printed as PyFlink prints them; Sluice's
# engine has none of them, which the planner reports by name.
for _name in ("bitmap_and", "bitmap_andnot", "bitmap_and_agg", "bitmap_and_cardinality_agg", "bitmap_build",
              "bitmap_build_agg", "bitmap_build_cardinality_agg", "bitmap_cardinality", "bitmap_from_bytes",
              "bitmap_or", "bitmap_or_agg", "bitmap_or_cardinality_agg", "bitmap_to_array", "bitmap_to_bytes",
              "bitmap_to_string", "bitmap_xor", "bitmap_xor_agg", "bitmap_xor_cardinality_agg"):
    setattr(Expression, _name, _bitmap_method(_name))


def _call_udf(wrapper: Any, args: Sequence[Any]) -> Expression:
    others = [_expr(a) for a in args]
    sql, text = _join(others)
    # The SQL names the udf object's own key (udf._inline_keys), never its
    # name: two functions may share a name (every lambda is <lambda>), and a
    # catalog function of that name must not be called instead.
    e = Expression("%s(%s)" % (_quote_ident(wrapper._sluice_ref), sql), [wrapper],
                   text="%s(%s)" % (wrapper._sluice_name, text))
    for o in others:
        e._udfs.extend(o._udfs)
        e._unsupported = e._unsupported or o._unsupported
    return e
