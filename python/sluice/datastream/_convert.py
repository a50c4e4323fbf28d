"""How DataStream elements live in the engine: a stream is a table of one
column ``f0`` whose SQL type comes from the stream's TypeInformation, and
these helpers convert between the two sides: the SQL type of a type
information, the function that turns the value a row UDF receives into
the element PyFlink hands a user function (a tuple for a TupleTypeInfo, an
unpickled object for PICKLED_BYTE_ARRAY), the function that turns an
element into what the engine stores, and PyFlink's print() text of an
element."""
from __future__ import annotations

import decimal
import math
import pickle
from typing import Any, Callable, List, Optional

from sluice.common.typeinfo import (
    ExternalTypeInfo, BasicArrayTypeInfo, BasicType, BasicTypeInfo, DateTypeInfo, ListTypeInfo, LocalTimeTypeInfo, MapTypeInfo,
    ObjectArrayTypeInfo, PickledBytesTypeInfo, PrimitiveArrayTypeInfo, RowTypeInfo, TimestampTypeInfo,
    TimeTypeInfo, TupleTypeInfo, TypeInformation, Types,
)
from sluice.table.types import DataType, DataTypes

__all__ = ["data_type_of", "from_sql", "to_sql", "print_text", "is_pickled", "type_info_of"]

Conv = Optional[Callable[[Any], Any]]

_BASIC = {
    BasicType.STRING: lambda: DataTypes.STRING(),
    BasicType.BYTE: lambda: DataTypes.TINYINT(),
    BasicType.BOOLEAN: lambda: DataTypes.BOOLEAN(),
    BasicType.SHORT: lambda: DataTypes.SMALLINT(),
    BasicType.INT: lambda: DataTypes.INT(),
    BasicType.LONG: lambda: DataTypes.BIGINT(),
    BasicType.FLOAT: lambda: DataTypes.FLOAT(),
    BasicType.DOUBLE: lambda: DataTypes.DOUBLE(),
    BasicType.CHAR: lambda: DataTypes.STRING(),
    BasicType.BIG_INT: lambda: DataTypes.DECIMAL(38, 0),
    BasicType.BIG_DEC: lambda: DataTypes.DECIMAL(38, 18),
    BasicType.INSTANT: lambda: DataTypes.TIMESTAMP_LTZ(9),
}


def is_pickled(ti: Optional[TypeInformation]) -> bool:
    return ti is None or isinstance(ti, PickledBytesTypeInfo)


def _unwrap(ti: Any) -> Any:
    """The type information an ExternalTypeInfo (to_data_stream's type)
    stands for."""
    while isinstance(ti, ExternalTypeInfo):
        ti = ti._type_info
    return ti


def data_type_of(ti: Optional[TypeInformation]) -> DataType:
    """The SQL type of column f0 for elements of type ti."""
    ti = _unwrap(ti)
    if is_pickled(ti):
        return DataTypes.BYTES()
    if isinstance(ti, BasicTypeInfo):
        return _BASIC[ti._basic_type]()
    if isinstance(ti, DateTypeInfo):
        return DataTypes.DATE()
    if isinstance(ti, TimeTypeInfo):
        return DataTypes.TIME()
    if isinstance(ti, TimestampTypeInfo):
        return DataTypes.TIMESTAMP(6)
    if isinstance(ti, LocalTimeTypeInfo):
        kind = ti._time_type.name
        return DataTypes.DATE() if kind == "LOCAL_DATE" else DataTypes.TIME() if kind == "LOCAL_TIME" \
            else DataTypes.TIMESTAMP(6)
    if isinstance(ti, PrimitiveArrayTypeInfo) and isinstance(ti._element_type, BasicTypeInfo) \
            and ti._element_type._basic_type == BasicType.BYTE:
        return DataTypes.BYTES()
    if isinstance(ti, (PrimitiveArrayTypeInfo, BasicArrayTypeInfo, ObjectArrayTypeInfo)):
        return DataTypes.ARRAY(data_type_of(ti._element_type))
    if isinstance(ti, ListTypeInfo):
        return DataTypes.ARRAY(data_type_of(ti.elem_type))
    if isinstance(ti, MapTypeInfo):
        return DataTypes.MAP(data_type_of(ti._key_type_info), data_type_of(ti._value_type_info))
    if isinstance(ti, RowTypeInfo):
        return DataTypes.ROW([DataTypes.FIELD(n, data_type_of(t))
                              for n, t in zip(ti.get_field_names(), ti.get_field_types())])
    if isinstance(ti, TupleTypeInfo):
        return DataTypes.ROW([DataTypes.FIELD("f%d" % i, data_type_of(t)) for i, t in enumerate(ti.get_field_types())])
    raise TypeError("the DataStream API on Sluice has no column type for %r" % (ti,))


def type_info_of(type_sql: str) -> TypeInformation:
    """The type information of a table column of SQL type type_sql (what
    to_data_stream gives its rows' fields), as Flink's
    TypeConversions/LegacyTypeInfoDataTypeConverter pick them."""
    from sluice.table.types import _parse_type
    return _type_info_of_data_type(_parse_type(type_sql))


def _type_info_of_data_type(t: DataType) -> TypeInformation:
    from sluice.table import types as T
    # (Flink's external classes: DATE is a LocalDate, TIME a LocalTime,
    # TIMESTAMP a LocalDateTime, TIMESTAMP_LTZ an Instant.)
    local = LocalTimeTypeInfo.TimeType
    simple = [(T.VarCharType, Types.STRING), (T.CharType, Types.STRING), (T.BooleanType, Types.BOOLEAN),
              (T.TinyIntType, Types.BYTE), (T.SmallIntType, Types.SHORT), (T.IntType, Types.INT),
              (T.BigIntType, Types.LONG), (T.FloatType, Types.FLOAT), (T.DoubleType, Types.DOUBLE),
              (T.DecimalType, Types.BIG_DEC), (T.DateType, lambda: LocalTimeTypeInfo(local.LOCAL_DATE)),
              (T.TimeType, lambda: LocalTimeTypeInfo(local.LOCAL_TIME)),
              (T.LocalZonedTimestampType, Types.INSTANT),
              (T.TimestampType, lambda: LocalTimeTypeInfo(local.LOCAL_DATE_TIME))]
    for cls, f in simple:
        if isinstance(t, cls):
            return f()
    if isinstance(t, (T.VarBinaryType, T.BinaryType)):
        return Types.PRIMITIVE_ARRAY(Types.BYTE())
    if isinstance(t, T.ArrayType):
        return Types.OBJECT_ARRAY(_type_info_of_data_type(t.element_type))
    if isinstance(t, T.MapType):
        return Types.MAP(_type_info_of_data_type(t.key_type), _type_info_of_data_type(t.value_type))
    if isinstance(t, T.RowType):
        return Types.ROW_NAMED(t.field_names(), [_type_info_of_data_type(f.data_type) for f in t.fields])
    return Types.PICKLED_BYTE_ARRAY()


def from_sql(ti: Optional[TypeInformation]) -> Conv:
    """The conversion from the value a row UDF receives for column f0 to
    the element, or None when they are the same."""
    ti = _unwrap(ti)
    if is_pickled(ti):
        return _unpickle
    if isinstance(ti, BasicTypeInfo) and ti._basic_type == BasicType.BIG_INT:
        return lambda v: None if v is None else int(v)
    if isinstance(ti, TupleTypeInfo):
        convs = [from_sql(t) for t in ti.get_field_types()]
        if not any(convs):
            return lambda v: None if v is None else tuple(v)
        return lambda v: None if v is None else tuple(c(x) if c else x for c, x in zip(convs, v))
    if isinstance(ti, RowTypeInfo):
        convs = [from_sql(t) for t in ti.get_field_types()]
        if not any(convs):
            return None
        from sluice.common import Row
        names = ti.get_field_names()

        def row(v: Any) -> Any:
            if v is None:
                return None
            r = Row(*[c(x) if c else x for c, x in zip(convs, v)])
            r.set_field_names(list(names))
            r.set_row_kind(v.get_row_kind())
            return r
        return row
    elements = _element_types(ti)
    if elements is not None:
        c = from_sql(elements)
        if c is None:
            return None
        return lambda v: None if v is None else [c(x) for x in v]
    if isinstance(ti, MapTypeInfo):
        ck, cv = from_sql(ti._key_type_info), from_sql(ti._value_type_info)
        if ck is None and cv is None:
            return None
        ck = ck or _same
        cv = cv or _same
        return lambda v: None if v is None else {ck(k): cv(x) for k, x in v.items()}
    return None


def to_sql(ti: Optional[TypeInformation]) -> Conv:
    """The conversion from an element to what the engine stores in column
    f0 (a row UDF's result, a value of from_collection), or None when the
    element is stored as it is."""
    ti = _unwrap(ti)
    if is_pickled(ti):
        return _pickle
    if isinstance(ti, BasicTypeInfo) and ti._basic_type == BasicType.BIG_INT:
        return lambda v: None if v is None else decimal.Decimal(v)
    if isinstance(ti, (RowTypeInfo, TupleTypeInfo)):
        convs = [to_sql(t) for t in ti.get_field_types()]
        if not any(convs):
            return None
        return lambda v: None if v is None else tuple(c(x) if c else x for c, x in zip(convs, _fields(v, ti)))
    elements = _element_types(ti)
    if elements is not None:
        c = to_sql(elements)
        return None if c is None else (lambda v: None if v is None else [c(x) for x in v])
    if isinstance(ti, MapTypeInfo):
        ck, cv = to_sql(ti._key_type_info), to_sql(ti._value_type_info)
        if ck is None and cv is None:
            return None
        ck = ck or _same
        cv = cv or _same
        return lambda v: None if v is None else {ck(k): cv(x) for k, x in v.items()}
    return None


def _fields(v: Any, ti: Any) -> List[Any]:
    if isinstance(v, dict) and isinstance(ti, RowTypeInfo):
        return [v.get(n) for n in ti.get_field_names()]
    return list(v)


def _element_types(ti: Any) -> Optional[TypeInformation]:
    if isinstance(ti, PrimitiveArrayTypeInfo) and isinstance(ti._element_type, BasicTypeInfo) \
            and ti._element_type._basic_type == BasicType.BYTE:
        return None
    if isinstance(ti, (PrimitiveArrayTypeInfo, BasicArrayTypeInfo, ObjectArrayTypeInfo)):
        return ti._element_type
    if isinstance(ti, ListTypeInfo):
        return ti.elem_type
    return None


def _same(v: Any) -> Any:
    return v


def _pickle(v: Any) -> bytes:
    return pickle.dumps(v)


def _unpickle(v: Any) -> Any:
    return pickle.loads(v)


def compose(*fs: Conv) -> Conv:
    """f1 then f2 ... skipping the Nones; None when all are None."""
    fs2 = [f for f in fs if f is not None]
    if not fs2:
        return None
    if len(fs2) == 1:
        return fs2[0]

    def composed(v: Any) -> Any:
        for f in fs2:
            v = f(v)
        return v
    return composed


# -- print() ---------------------------------------------------------------

def print_text(ti: Optional[TypeInformation]) -> Callable[[Any], Optional[str]]:
    """What PyFlink's print() writes for an element: str() of a pickled
    Python object; "+I[a,b]" (RowKind, then str() of each field) for a Row;
    otherwise Java's toString of the element (a Tuple "(a,b)", a Double
    "1.0E10", a List "[1, 2]", a Map "{k=v}")."""
    ti = _unwrap(ti)
    if is_pickled(ti):
        return lambda v: v if isinstance(v, str) else v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
    if isinstance(ti, RowTypeInfo):
        def row(v: Any) -> Optional[str]:
            if v is None:
                return None
            kind = v.get_row_kind() if hasattr(v, "get_row_kind") else None
            return "%s[%s]" % (kind if kind is not None else "+I", ",".join(str(x) for x in v))
        return row
    return _java_text(ti)


def _java_text(ti: Any) -> Callable[[Any], Optional[str]]:
    ti = _unwrap(ti)
    if isinstance(ti, BasicTypeInfo):
        t = ti._basic_type
        if t == BasicType.DOUBLE:
            return lambda v: None if v is None else java_double(v)
        if t == BasicType.FLOAT:
            from sluice.table._values import _float32_value
            return lambda v: None if v is None else java_double(_float32_value(v))
        if t == BasicType.BOOLEAN:
            return lambda v: None if v is None else ("true" if v else "false")
        if t == BasicType.BIG_DEC:
            return lambda v: None if v is None else _java_big_decimal(v)
    if isinstance(ti, TupleTypeInfo):
        convs = [_java_text(t) for t in ti.get_field_types()]
        return lambda v: None if v is None else "(%s)" % ",".join(_null(c(x)) for c, x in zip(convs, v))
    if isinstance(ti, RowTypeInfo):
        # A Row inside a Java container: Row.toString, "+I[a, b]".
        convs = [_java_text(t) for t in ti.get_field_types()]
        return lambda v: None if v is None else "%s[%s]" % (
            v.get_row_kind() if hasattr(v, "get_row_kind") else "+I", ", ".join(_null(c(x)) for c, x in zip(convs, v)))
    if isinstance(ti, ListTypeInfo):
        c = _java_text(ti.elem_type)
        return lambda v: None if v is None else "[%s]" % ", ".join(_null(c(x)) for x in v)
    if isinstance(ti, MapTypeInfo):
        ck, cv = _java_text(ti._key_type_info), _java_text(ti._value_type_info)
        return lambda v: None if v is None else "{%s}" % ", ".join("%s=%s" % (_null(ck(k)), _null(cv(x)))
                                                                   for k, x in v.items())
    if isinstance(ti, (PrimitiveArrayTypeInfo, BasicArrayTypeInfo, ObjectArrayTypeInfo)):
        # Java prints an array's identity ("[I@1b6d3586"); the elements
        # are more use.
        c = _java_text(ti._element_type)
        return lambda v: None if v is None else "[%s]" % ", ".join(_null(c(x)) for x in v)
    return lambda v: None if v is None else str(v)


def _null(s: Optional[str]) -> str:
    return "null" if s is None else s


def java_double(v: float) -> str:
    """Java's Double.toString: the shortest digits that round-trip, in
    plain notation for 1e-3 <= |v| < 1e7 and as d.dddE±n otherwise."""
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    if v == 0:
        return "-0.0" if math.copysign(1, v) < 0 else "0.0"
    sign = "-" if v < 0 else ""
    a = abs(v)
    if 1e-3 <= a < 1e7:
        r = repr(a)
        if "e" in r or "E" in r:
            r = format(decimal.Decimal(r), "f")
        return sign + (r if "." in r else r + ".0")
    d = decimal.Decimal(repr(a))
    digits = "".join(str(x) for x in d.as_tuple().digits).rstrip("0") or "0"
    exp = d.adjusted()
    mant = digits[0] + "." + (digits[1:] or "0")
    return "%s%sE%d" % (sign, mant, exp)


def _java_big_decimal(v: Any) -> str:
    d = decimal.Decimal(v)
    exp = d.as_tuple().exponent
    if isinstance(exp, int) and exp <= 0 and d.adjusted() >= -6:
        return format(d, "f")
    return str(d).replace("e", "E")


# -- execute_and_collect ------------------------------------------------------

def from_pylist(ti: Optional[TypeInformation]) -> Callable[[Any], Any]:
    """The element of a value pyarrow's to_pylist gives for column f0 (a
    dict for a ROW, (key, value) pairs for a MAP), as PyFlink's
    execute_and_collect gives it: a Row with its field names, a tuple, a
    dict, an unpickled object."""
    ti = _unwrap(ti)
    if is_pickled(ti):
        return lambda v: None if v is None else pickle.loads(v)
    if isinstance(ti, BasicTypeInfo) and ti._basic_type == BasicType.BIG_INT:
        return lambda v: None if v is None else int(v)
    if isinstance(ti, BasicTypeInfo) and ti._basic_type == BasicType.FLOAT:
        from sluice.table._values import _float32_value
        return lambda v: None if v is None else _float32_value(v)
    if isinstance(ti, RowTypeInfo):
        from sluice.common import Row
        names = ti.get_field_names()
        convs = [from_pylist(t) for t in ti.get_field_types()]

        def row(v: Any) -> Any:
            if v is None:
                return None
            r = Row(*[c(x) for c, x in zip(convs, v.values())])
            r.set_field_names(list(names))
            return r
        return row
    if isinstance(ti, TupleTypeInfo):
        convs = [from_pylist(t) for t in ti.get_field_types()]
        return lambda v: None if v is None else tuple(c(x) for c, x in zip(convs, v.values()))
    elements = _element_types(ti)
    if elements is not None:
        c = from_pylist(elements)
        return lambda v: None if v is None else [c(x) for x in v]
    if isinstance(ti, MapTypeInfo):
        ck, cv = from_pylist(ti._key_type_info), from_pylist(ti._value_type_info)
        return lambda v: None if v is None else {ck(k): cv(x) for k, x in v}
    return _same
