"""Python values ↔ Arrow for ``from_elements`` and ``collect()``.

``from_elements`` builds one Arrow record batch from the elements with the
Arrow types Sluice's engine uses for each SQL type (table/types in Go), so
nested values (ARRAY, MAP, ROW) reach the engine without a SQL literal for
each; ``collect()`` turns Arrow values back into PyFlink's Python values
(ROW → Row, MAP → dict).
"""
from __future__ import annotations

import datetime
import struct
from typing import Any, Callable, List, Sequence

from _sluice_runtime import Row, make_result_row
from sluice.table.types import (
    ArrayType, BigIntType, BinaryType, BooleanType, CharType, DataType, DateType, DayTimeIntervalType,
    DecimalType, DoubleType, FloatType, IntType, LocalZonedTimestampType, MapType, MultisetType, NullType,
    RowType, SmallIntType, TimestampType, TimeType, TinyIntType, UserDefinedType, VarBinaryType, VarCharType,
)


def _unit(precision: int) -> str:
    # The coarsest unit that holds the precision, as the engine's timeUnit.
    if precision == 0:
        return "s"
    if precision <= 3:
        return "ms"
    if precision <= 6:
        return "us"
    return "ns"


def arrow_type(t: DataType) -> Any:
    """The Arrow type the engine uses for t."""
    import pyarrow as pa
    simple = {BooleanType: pa.bool_(), TinyIntType: pa.int8(), SmallIntType: pa.int16(), IntType: pa.int32(),
              BigIntType: pa.int64(), FloatType: pa.float32(), DoubleType: pa.float64(), DateType: pa.date32(),
              CharType: pa.string(), VarCharType: pa.string(), BinaryType: pa.binary(), VarBinaryType: pa.binary(),
              NullType: pa.null()}
    if type(t) in simple:
        return simple[type(t)]
    if isinstance(t, UserDefinedType):
        return arrow_type(t.sql_type())
    if isinstance(t, DecimalType):
        return pa.decimal128(t.precision, t.scale)
    if isinstance(t, TimeType):
        # Milliseconds of the day up to TIME(3), as Flink keeps every TIME
        # (a TIME(0) value keeps 12:00:00.123; only a CAST truncates).
        u = _unit(t.precision)
        return pa.time32("ms") if u in ("s", "ms") else pa.time64(u)
    if isinstance(t, TimestampType):
        return pa.timestamp(_unit(t.precision))
    if isinstance(t, LocalZonedTimestampType):
        return pa.timestamp(_unit(t.precision), "UTC")
    if isinstance(t, DayTimeIntervalType):
        return pa.duration("ms")
    if isinstance(t, ArrayType):
        return pa.list_(pa.field("item", arrow_type(t.element_type), t.element_type._nullable))
    if isinstance(t, MapType):
        return pa.map_(arrow_type(t.key_type), arrow_type(t.value_type))
    if isinstance(t, RowType):
        return pa.struct([pa.field(f.name, arrow_type(f.data_type), f.data_type._nullable) for f in t.fields])
    if isinstance(t, MultisetType):
        raise NotImplementedError("from_elements: MULTISET values are not supported by Sluice")
    raise NotImplementedError("from_elements: values of type %s are not supported by Sluice" % t.to_sql())


def _field_values(obj: Any, names: Sequence[str]) -> List[Any]:
    """The fields of one row value in the order of names, as PyFlink's
    RowType.to_sql_type reads dicts, Rows, tuples, lists and objects."""
    if isinstance(obj, dict):
        return [obj.get(n) for n in names]
    if isinstance(obj, Row):
        return [obj[n] for n in names] if hasattr(obj, "_fields") else list(obj)
    if isinstance(obj, (list, tuple)):
        return list(obj)
    if hasattr(obj, "__dict__"):
        return [obj.__dict__.get(n) for n in names]
    raise ValueError("Unexpected tuple %r with RowType" % (obj,))


def _identity(v: Any) -> Any:
    return v


def converter(t: DataType) -> Callable[[Any], Any]:
    """A function from a Python value of type t to what pyarrow takes for
    arrow_type(t)."""
    if isinstance(t, UserDefinedType):
        # A UDT travels as its SQL type's value (serialize()), as PyFlink's.
        inner = converter(t.sql_type())
        return lambda v: None if v is None else inner(t.serialize(v))
    if isinstance(t, RowType):
        names = t.field_names()
        convs = [converter(f.data_type) for f in t.fields]

        def conv_row(v: Any) -> Any:
            if v is None:
                return None
            vals = _field_values(v, names)
            if len(vals) != len(names):
                raise ValueError("Length of object (%d) does not match with length of fields (%d)" % (len(vals), len(names)))
            return {n: c(x) for n, c, x in zip(names, convs, vals)}
        return conv_row
    if isinstance(t, ArrayType):
        ce = converter(t.element_type)
        return lambda v: None if v is None else [ce(x) for x in v]
    if isinstance(t, MapType):
        ck, cv = converter(t.key_type), converter(t.value_type)
        return lambda v: None if v is None else [(ck(k), cv(x)) for k, x in v.items()]
    if isinstance(t, DecimalType):
        return _decimal_converter(t.precision, t.scale)
    if isinstance(t, LocalZonedTimestampType):
        # A naive datetime is local time, as PyFlink's to_sql_type takes it.
        return lambda v: v.astimezone() if isinstance(v, datetime.datetime) and v.tzinfo is None else v
    if isinstance(t, (VarBinaryType, BinaryType)):
        return lambda v: bytes(v) if isinstance(v, bytearray) else v
    return _identity


def _decimal_converter(precision: int, scale: int) -> Callable[[Any], Any]:
    """Decimals rounded HALF_UP to the scale, and None when the digits
    overflow the precision, as Flink's DecimalData.fromBigDecimal."""
    import decimal
    exp = decimal.Decimal(1).scaleb(-scale)
    limit = decimal.Decimal(10) ** (precision - scale)

    def conv(v: Any) -> Any:
        if not isinstance(v, decimal.Decimal):
            return v
        with decimal.localcontext() as ctx:
            ctx.prec = 100
            q = v.quantize(exp, rounding=decimal.ROUND_HALF_UP)
        return None if abs(q) >= limit else q
    return conv


def record_batch(elements: Sequence[Any], schema: RowType) -> Any:
    """One Arrow record batch of the elements (rows) under schema."""
    import pyarrow as pa
    names = schema.field_names()
    convs = [converter(f.data_type) for f in schema.fields]
    columns: List[List[Any]]
    width = len(names)
    if all(type(e) is tuple and len(e) == width for e in elements):
        # Plain tuples (the usual case): transpose at C speed.
        columns = [list(c) for c in zip(*elements)] if elements else [[] for _ in names]
        columns = [col if c is _identity else [c(v) for v in col] for col, c in zip(columns, convs)]
    else:
        columns = [[] for _ in names]
        for e in elements:
            vals = _field_values(e, names)
            if len(vals) != width:
                raise ValueError("Length of object (%d) does not match with length of fields (%d)" % (len(vals), width))
            for col, c, v in zip(columns, convs, vals):
                col.append(v if c is _identity else c(v))
    arrays = []
    fields = []
    for name, f, col in zip(names, schema.fields, columns):
        at = arrow_type(f.data_type)
        try:
            arrays.append(pa.array(col, type=at))
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError) as err:
            raise TypeError("from_elements: the values of field %s do not fit %s: %s" % (name, f.data_type.to_sql(), err)) from None
        # TIME(0..2) share TIME(3)'s Arrow type: the field says which it is
        # (a CAST to it would cut the milliseconds Flink keeps).
        meta = {"sluice.sql_type": f.data_type.to_sql().replace(" NOT NULL", "")} \
            if isinstance(f.data_type, TimeType) and f.data_type.precision < 3 else None
        fields.append(pa.field(name, at, f.data_type._nullable, metadata=meta))
    return pa.RecordBatch.from_arrays(arrays, schema=pa.schema(fields))


def column_values(arr: Any) -> List[Any]:
    """The Python values of an Arrow column as PyFlink gives them: ROW
    values as Row, MAP values as dict."""
    return _py_converter(arr.type)(arr.to_pylist())


def _py_converter(at: Any) -> Callable[[List[Any]], List[Any]]:
    conv = _value_converter(at)
    if conv is None:
        return lambda vs: vs
    return lambda vs: [None if v is None else conv(v) for v in vs]


def _value_converter(at: Any) -> Any:
    """None when pyarrow's to_pylist value is already PyFlink's."""
    import pyarrow as pa
    if pa.types.is_struct(at):
        names = [at.field(i).name for i in range(at.num_fields)]
        convs = [_value_converter(at.field(i).type) for i in range(at.num_fields)]

        def row(v: Any) -> Any:
            return make_result_row(names, [v[n] if c is None or v[n] is None else c(v[n]) for n, c in zip(names, convs)])
        return row
    if pa.types.is_map(at):
        ck, cv = _value_converter(at.key_type), _value_converter(at.item_type)
        return lambda v: {(k if ck is None else ck(k)): (x if cv is None or x is None else cv(x)) for k, x in v}
    if pa.types.is_list(at) or pa.types.is_large_list(at):
        ce = _value_converter(at.value_type)
        if ce is None:
            return None
        return lambda v: [None if x is None else ce(x) for x in v]
    if pa.types.is_float32(at):
        return _float32_value
    if pa.types.is_binary(at) or pa.types.is_large_binary(at) or pa.types.is_fixed_size_binary(at):
        return bytearray  # PyFlink gives BYTES/BINARY values as bytearray
    return None


_F32 = struct.Struct("f")


def _float32_value(v: float) -> float:
    """A FLOAT value as PyFlink gives it: the shortest decimal that reads
    back as the same float32 (1.23, not the widened 1.2300000190734863)."""
    if v != v or v in (float("inf"), float("-inf")):
        return v
    for digits in (6, 7, 8, 9):
        s = float("%.*g" % (digits, v))
        if _F32.unpack(_F32.pack(s))[0] == v:
            return s
    return v
