"""PyFlink's data types (``pyflink.table.types``): the type classes with
PyFlink's ``repr``/``str``, equality and hashing, ``DataTypes``, value
conversion (``to_sql_type``/``from_sql_type``), schema inference and the
type verifier of ``from_elements``.

Each type also renders as Flink SQL text (``_type_sql``), which is what
Sluice's planner reads: a type here and the same type in a ``CREATE TABLE``
statement are one and the same.
"""
from __future__ import annotations

import calendar
import ctypes
import datetime
import decimal
import time
from array import array
from copy import copy
from enum import Enum
from functools import reduce
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from _sluice_runtime import Row, RowKind, _create_row

__all__ = ["DataTypes", "UserDefinedType", "Row", "RowKind"]

_MAX_LENGTH = 0x7FFFFFFF


def _null_sql(t: "DataType", sql: str) -> str:
    return sql if t._nullable else sql + " NOT NULL"


class DataType(object):
    """A data type; ``nullable`` says whether the type holds None."""

    def __init__(self, nullable: bool = True) -> None:
        self._nullable = nullable
        self._conversion_cls = ""

    def __repr__(self) -> str:
        return "%s(%s)" % (self.__class__.__name__, str(self._nullable).lower())

    def __str__(self, *args: Any, **kwargs: Any) -> str:
        return self.__class__.type_name()

    def __hash__(self) -> int:
        return hash(str(self))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, self.__class__) and self.__dict__ == other.__dict__

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def not_null(self) -> "DataType":
        cp = copy(self)
        cp._nullable = False
        return cp

    def nullable(self) -> "DataType":
        cp = copy(self)
        cp._nullable = True
        return cp

    @classmethod
    def type_name(cls) -> str:
        return cls.__name__[:-4].upper()

    def bridged_to(self, conversion_cls: str) -> "DataType":
        self._conversion_cls = conversion_cls
        return self

    def need_conversion(self) -> bool:
        return False

    def to_sql_type(self, obj: Any) -> Any:
        """A Python value as PyFlink's internal representation."""
        return obj

    def from_sql_type(self, obj: Any) -> Any:
        """PyFlink's internal representation as a Python value."""
        return obj

    # -- Sluice: the type as Flink SQL text ------------------------------
    def _sql_text(self) -> str:
        raise NotImplementedError("%r has no SQL type in Sluice" % self)

    def to_sql(self) -> str:
        """The type as Flink SQL text (``BIGINT NOT NULL``)."""
        return _null_sql(self, self._sql_text())


class AtomicType(DataType):
    pass


class NullType(AtomicType):
    def __init__(self) -> None:
        super().__init__(True)

    def _sql_text(self) -> str:
        return "NULL"

    def to_sql(self) -> str:
        return "NULL"


class NumericType(AtomicType):
    pass


class IntegralType(NumericType):
    pass


class FractionalType(NumericType):
    pass


class CharType(AtomicType):
    def __init__(self, length: int = 1, nullable: bool = True) -> None:
        super().__init__(nullable)
        self.length = length

    def __repr__(self) -> str:
        return "CharType(%d, %s)" % (self.length, str(self._nullable).lower())

    def _sql_text(self) -> str:
        return "CHAR(%d)" % self.length


class VarCharType(AtomicType):
    def __init__(self, length: int = 1, nullable: bool = True) -> None:
        super().__init__(nullable)
        self.length = length

    def __repr__(self) -> str:
        return "VarCharType(%d, %s)" % (self.length, str(self._nullable).lower())

    def _sql_text(self) -> str:
        return "STRING" if self.length == _MAX_LENGTH else "VARCHAR(%d)" % self.length


class BinaryType(AtomicType):
    def __init__(self, length: int = 1, nullable: bool = True) -> None:
        super().__init__(nullable)
        self.length = length

    def __repr__(self) -> str:
        return "BinaryType(%d, %s)" % (self.length, str(self._nullable).lower())

    def _sql_text(self) -> str:
        return "BINARY(%d)" % self.length


class VarBinaryType(AtomicType):
    def __init__(self, length: int = 1, nullable: bool = True) -> None:
        super().__init__(nullable)
        self.length = length

    def __repr__(self) -> str:
        return "VarBinaryType(%d, %s)" % (self.length, str(self._nullable).lower())

    def _sql_text(self) -> str:
        return "BYTES" if self.length == _MAX_LENGTH else "VARBINARY(%d)" % self.length


class BooleanType(AtomicType):
    def _sql_text(self) -> str:
        return "BOOLEAN"


class TinyIntType(IntegralType):
    def _sql_text(self) -> str:
        return "TINYINT"


class SmallIntType(IntegralType):
    def _sql_text(self) -> str:
        return "SMALLINT"


class IntType(IntegralType):
    def _sql_text(self) -> str:
        return "INT"


class BigIntType(IntegralType):
    def _sql_text(self) -> str:
        return "BIGINT"


class FloatType(FractionalType):
    def _sql_text(self) -> str:
        return "FLOAT"


class DoubleType(FractionalType):
    def _sql_text(self) -> str:
        return "DOUBLE"


class DecimalType(FractionalType):
    def __init__(self, precision: int = 10, scale: int = 0, nullable: bool = True) -> None:
        super().__init__(nullable)
        assert 1 <= precision <= 38
        assert 0 <= scale <= precision
        self.precision = precision
        self.scale = scale
        self.has_precision_info = True

    def __repr__(self) -> str:
        return "DecimalType(%d, %d, %s)" % (self.precision, self.scale, str(self._nullable).lower())

    def _sql_text(self) -> str:
        return "DECIMAL(%d, %d)" % (self.precision, self.scale)


class DateType(AtomicType):
    EPOCH_ORDINAL = datetime.datetime(1970, 1, 1).toordinal()

    def need_conversion(self) -> bool:
        return True

    def to_sql_type(self, d: Any) -> Any:
        if d is not None:
            return d.toordinal() - self.EPOCH_ORDINAL

    def from_sql_type(self, v: Any) -> Any:
        if v is not None:
            return datetime.date.fromordinal(v + self.EPOCH_ORDINAL)

    def _sql_text(self) -> str:
        return "DATE"


class TimeType(AtomicType):
    EPOCH_ORDINAL = calendar.timegm(time.localtime(0)) * 10 ** 6

    def __init__(self, precision: int = 0, nullable: bool = True) -> None:
        super().__init__(nullable)
        assert 0 <= precision <= 9
        self.precision = precision

    def __repr__(self) -> str:
        return "TimeType(%s, %s)" % (self.precision, str(self._nullable).lower())

    def need_conversion(self) -> bool:
        return True

    def to_sql_type(self, t: Any) -> Any:
        # Microseconds of the day, shifted as PyFlink does (by the zone of an
        # aware time, else by the local zone's offset at the epoch).
        if t is not None:
            if t.tzinfo is not None:
                offset = t.utcoffset() or datetime.timedelta()
                offset_us = (offset.days * 86400 + offset.seconds) * 10 ** 6 + offset.microseconds
            else:
                offset_us = self.EPOCH_ORDINAL
            seconds = (t.hour * 60 + t.minute) * 60 + t.second
            return seconds * 10 ** 6 + t.microsecond - offset_us

    def from_sql_type(self, t: Any) -> Any:
        if t is not None:
            seconds, microseconds = divmod(t + self.EPOCH_ORDINAL, 10 ** 6)
            minutes, seconds = divmod(seconds, 60)
            hours, minutes = divmod(minutes, 60)
            return datetime.time(hours, minutes, seconds, microseconds)

    def _sql_text(self) -> str:
        return "TIME(%d)" % self.precision


class TimestampType(AtomicType):
    def __init__(self, precision: int = 6, nullable: bool = True) -> None:
        super().__init__(nullable)
        assert 0 <= precision <= 9
        self.precision = precision

    def __repr__(self) -> str:
        return "TimestampType(%s, %s)" % (self.precision, str(self._nullable).lower())

    def need_conversion(self) -> bool:
        return True

    def to_sql_type(self, dt: Any) -> Any:
        if dt is not None:
            seconds = calendar.timegm(dt.utctimetuple()) if dt.tzinfo else time.mktime(dt.timetuple())
            return int(seconds) * 10 ** 6 + dt.microsecond

    def from_sql_type(self, ts: Any) -> Any:
        if ts is not None:
            return datetime.datetime.fromtimestamp(ts // 10 ** 6).replace(microsecond=ts % 10 ** 6)

    def _sql_text(self) -> str:
        return "TIMESTAMP(%d)" % self.precision


class LocalZonedTimestampType(AtomicType):
    EPOCH_ORDINAL = calendar.timegm(time.localtime(0)) * 10 ** 6

    def __init__(self, precision: int = 6, nullable: bool = True) -> None:
        super().__init__(nullable)
        assert 0 <= precision <= 9
        self.precision = precision

    def __repr__(self) -> str:
        return "LocalZonedTimestampType(%s, %s)" % (self.precision, str(self._nullable).lower())

    def need_conversion(self) -> bool:
        return True

    def to_sql_type(self, dt: Any) -> Any:
        if dt is not None:
            seconds = calendar.timegm(dt.utctimetuple()) if dt.tzinfo else time.mktime(dt.timetuple())
            return int(seconds) * 10 ** 6 + dt.microsecond + self.EPOCH_ORDINAL

    def from_sql_type(self, ts: Any) -> Any:
        if ts is not None:
            ts = ts - self.EPOCH_ORDINAL
            return datetime.datetime.fromtimestamp(ts // 10 ** 6).replace(microsecond=ts % 10 ** 6)

    def _sql_text(self) -> str:
        return "TIMESTAMP_LTZ(%d)" % self.precision


class ZonedTimestampType(AtomicType):
    def __init__(self, precision: int = 6, nullable: bool = True) -> None:
        super().__init__(nullable)
        assert 0 <= precision <= 9
        self.precision = precision

    def __repr__(self) -> str:
        return "ZonedTimestampType(%s, %s)" % (self.precision, str(self._nullable).lower())

    def need_conversion(self) -> bool:
        return True

    def to_sql_type(self, dt: Any) -> Any:
        # (local microseconds since the epoch, zone offset in seconds).
        if dt is not None:
            seconds = calendar.timegm(dt.utctimetuple()) if dt.tzinfo else time.mktime(dt.timetuple())
            tzinfo = dt.tzinfo if dt.tzinfo else datetime.datetime.now(datetime.timezone.utc).astimezone().tzinfo
            offset = int(tzinfo.utcoffset(dt).total_seconds())
            return int(seconds + offset) * 10 ** 6 + dt.microsecond, offset

    def from_sql_type(self, zoned_ts: Any) -> Any:
        if zoned_ts is not None:
            ts = zoned_ts[0] - zoned_ts[1] * 10 ** 6
            tz = datetime.timezone(datetime.timedelta(seconds=zoned_ts[1]))
            return datetime.datetime.fromtimestamp(ts // 10 ** 6, tz=tz).replace(microsecond=ts % 10 ** 6)

    def _sql_text(self) -> str:
        raise NotImplementedError("TIMESTAMP WITH TIME ZONE: Flink and Sluice have no such column type; use TIMESTAMP_LTZ")


class Resolution(object):
    """The resolution of an interval type: a unit and a precision."""

    class IntervalUnit(Enum):
        SECOND = 0
        MINUTE = 1
        HOUR = 2
        DAY = 3
        MONTH = 4
        YEAR = 5

    def __init__(self, unit: "Resolution.IntervalUnit", precision: int = -1) -> None:
        self._unit = unit
        self._precision = precision

    @property
    def unit(self) -> "Resolution.IntervalUnit":
        return self._unit

    @property
    def precision(self) -> int:
        return self._precision

    def __str__(self) -> str:
        return "%s(%s)" % (str(self._unit), str(self._precision))


class YearMonthIntervalType(AtomicType):
    class YearMonthResolution(object):
        YEAR = 1
        MONTH = 2
        YEAR_TO_MONTH = 3

    DEFAULT_PRECISION = 2

    def __init__(self, resolution: int, precision: int = DEFAULT_PRECISION, nullable: bool = True) -> None:
        R = YearMonthIntervalType.YearMonthResolution
        assert resolution in (R.YEAR, R.MONTH, R.YEAR_TO_MONTH)
        assert resolution != R.MONTH or precision == self.DEFAULT_PRECISION
        assert 1 <= precision <= 4
        self._resolution = resolution
        self._precision = precision
        super().__init__(nullable)

    @property
    def resolution(self) -> int:
        return self._resolution

    @property
    def precision(self) -> int:
        return self._precision

    def _sql_text(self) -> str:
        R = YearMonthIntervalType.YearMonthResolution
        if self._resolution == R.YEAR:
            return "INTERVAL YEAR(%d)" % self._precision
        if self._resolution == R.MONTH:
            return "INTERVAL MONTH"
        return "INTERVAL YEAR(%d) TO MONTH" % self._precision


class DayTimeIntervalType(AtomicType):
    class DayTimeResolution(Enum):
        DAY = 1
        DAY_TO_HOUR = 2
        DAY_TO_MINUTE = 3
        DAY_TO_SECOND = 4
        HOUR = 5
        HOUR_TO_MINUTE = 6
        HOUR_TO_SECOND = 7
        MINUTE = 8
        MINUTE_TO_SECOND = 9
        SECOND = 10

    DEFAULT_DAY_PRECISION = 2
    DEFAULT_FRACTIONAL_PRECISION = 6

    def __init__(self, resolution: "DayTimeIntervalType.DayTimeResolution", day_precision: int = DEFAULT_DAY_PRECISION,
                 fractional_precision: int = DEFAULT_FRACTIONAL_PRECISION, nullable: bool = True) -> None:
        assert isinstance(resolution, DayTimeIntervalType.DayTimeResolution)
        assert not self._needs_default_day_precision(resolution) or day_precision == self.DEFAULT_DAY_PRECISION
        assert not self._needs_default_fractional_precision(resolution) or \
            fractional_precision == self.DEFAULT_FRACTIONAL_PRECISION
        assert 1 <= day_precision <= 6
        assert 0 <= fractional_precision <= 9
        self._resolution = resolution
        self._day_precision = day_precision
        self._fractional_precision = fractional_precision
        super().__init__(nullable)

    def need_conversion(self) -> bool:
        return True

    def to_sql_type(self, timedelta: Any) -> Any:
        if timedelta is not None:
            return (timedelta.days * 86400 + timedelta.seconds) * 10 ** 6 + timedelta.microseconds

    def from_sql_type(self, ts: Any) -> Any:
        if ts is not None:
            return datetime.timedelta(microseconds=ts)

    @property
    def resolution(self) -> "DayTimeIntervalType.DayTimeResolution":
        return self._resolution

    @property
    def day_precision(self) -> int:
        return self._day_precision

    @property
    def fractional_precision(self) -> int:
        return self._fractional_precision

    @staticmethod
    def _needs_default_day_precision(resolution: "DayTimeIntervalType.DayTimeResolution") -> bool:
        return resolution.name.startswith(("HOUR", "MINUTE", "SECOND"))

    @staticmethod
    def _needs_default_fractional_precision(resolution: "DayTimeIntervalType.DayTimeResolution") -> bool:
        return not resolution.name.endswith("SECOND")

    def _sql_text(self) -> str:
        upper, _, lower = self._resolution.name.partition("_TO_")

        def unit(u: str) -> str:
            if u == "DAY":
                return "DAY(%d)" % self._day_precision
            if u == "SECOND":
                return "SECOND(%d)" % self._fractional_precision
            return u

        return "INTERVAL " + unit(upper) + (" TO " + unit(lower) if lower else "")


_R = Resolution.IntervalUnit
_DTR = DayTimeIntervalType.DayTimeResolution
_YMR = YearMonthIntervalType.YearMonthResolution
_FP = DayTimeIntervalType.DEFAULT_FRACTIONAL_PRECISION
_DP = DayTimeIntervalType.DEFAULT_DAY_PRECISION
_resolution_mappings: Dict[Tuple[Any, Any], Callable[[int, int], DataType]] = {
    (_R.YEAR, None): lambda p1, p2: YearMonthIntervalType(_YMR.YEAR, p1),
    (_R.MONTH, None): lambda p1, p2: YearMonthIntervalType(_YMR.MONTH),
    (_R.YEAR, _R.MONTH): lambda p1, p2: YearMonthIntervalType(_YMR.YEAR_TO_MONTH),
    (_R.DAY, None): lambda p1, p2: DayTimeIntervalType(_DTR.DAY, p1, _FP),
    (_R.DAY, _R.HOUR): lambda p1, p2: DayTimeIntervalType(_DTR.DAY_TO_HOUR, p1, _FP),
    (_R.DAY, _R.MINUTE): lambda p1, p2: DayTimeIntervalType(_DTR.DAY_TO_MINUTE, p1, _FP),
    (_R.DAY, _R.SECOND): lambda p1, p2: DayTimeIntervalType(_DTR.DAY_TO_SECOND, p1, p2),
    (_R.HOUR, None): lambda p1, p2: DayTimeIntervalType(_DTR.HOUR),
    (_R.HOUR, _R.MINUTE): lambda p1, p2: DayTimeIntervalType(_DTR.HOUR_TO_MINUTE),
    (_R.HOUR, _R.SECOND): lambda p1, p2: DayTimeIntervalType(_DTR.HOUR_TO_SECOND, _DP, p2),
    (_R.MINUTE, None): lambda p1, p2: DayTimeIntervalType(_DTR.MINUTE),
    (_R.MINUTE, _R.SECOND): lambda p1, p2: DayTimeIntervalType(_DTR.MINUTE_TO_SECOND, _DP, p2),
    (_R.SECOND, None): lambda p1, p2: DayTimeIntervalType(_DTR.SECOND, _DP, p1),
}


def _from_resolution(upper_resolution: Resolution, lower_resolution: Optional[Resolution] = None) -> DataType:
    lower_unit = None if lower_resolution is None else lower_resolution.unit
    lower_precision = -1 if lower_resolution is None else lower_resolution.precision
    provider = _resolution_mappings.get((upper_resolution.unit, lower_unit))
    if provider is None:
        raise ValueError("Unsupported interval definition '%s TO %s'. Please check the documentation for "
                         "supported combinations for year-month and day-time intervals."
                         % (upper_resolution, lower_resolution))
    return provider(upper_resolution.precision, lower_precision)


class ArrayType(DataType):
    def __init__(self, element_type: DataType, nullable: bool = True) -> None:
        assert isinstance(element_type, DataType), \
            "element_type %s should be an instance of %s" % (element_type, DataType)
        super().__init__(nullable)
        self.element_type = element_type

    def __repr__(self) -> str:
        return "ArrayType(%s, %s)" % (repr(self.element_type), str(self._nullable).lower())

    def need_conversion(self) -> bool:
        return self.element_type.need_conversion()

    def to_sql_type(self, obj: Any) -> Any:
        if not self.need_conversion():
            return obj
        return obj and [self.element_type.to_sql_type(v) for v in obj]

    def from_sql_type(self, obj: Any) -> Any:
        if not self.need_conversion():
            return obj
        return obj and [self.element_type.from_sql_type(v) for v in obj]

    def _sql_text(self) -> str:
        return "ARRAY<%s>" % self.element_type.to_sql()


class ListViewType(DataType):
    def __init__(self, element_type: DataType) -> None:
        assert isinstance(element_type, DataType), \
            "element_type %s should be an instance of %s" % (element_type, DataType)
        super().__init__(False)
        self._element_type = element_type

    def __repr__(self) -> str:
        return "ListViewType(%s)" % repr(self._element_type)

    def to_sql_type(self, obj: Any) -> Any:
        raise Exception("ListViewType can only be used in accumulator type declaration of AggregateFunction.")

    def from_sql_type(self, obj: Any) -> Any:
        raise Exception("ListViewType can only be used in accumulator type declaration of AggregateFunction.")


class MapType(DataType):
    def __init__(self, key_type: DataType, value_type: DataType, nullable: bool = True) -> None:
        assert isinstance(key_type, DataType), "key_type %s should be an instance of %s" % (key_type, DataType)
        assert isinstance(value_type, DataType), "value_type %s should be an instance of %s" % (value_type, DataType)
        super().__init__(nullable)
        self.key_type = key_type
        self.value_type = value_type

    def __repr__(self) -> str:
        return "MapType(%s, %s, %s)" % (repr(self.key_type), repr(self.value_type), str(self._nullable).lower())

    def need_conversion(self) -> bool:
        return self.key_type.need_conversion() or self.value_type.need_conversion()

    def to_sql_type(self, obj: Any) -> Any:
        if not self.need_conversion():
            return obj
        return obj and {self.key_type.to_sql_type(k): self.value_type.to_sql_type(v) for k, v in obj.items()}

    def from_sql_type(self, obj: Any) -> Any:
        if not self.need_conversion():
            return obj
        return obj and {self.key_type.from_sql_type(k): self.value_type.from_sql_type(v) for k, v in obj.items()}

    def _sql_text(self) -> str:
        return "MAP<%s, %s>" % (self.key_type.to_sql(), self.value_type.to_sql())


class MapViewType(DataType):
    def __init__(self, key_type: DataType, value_type: DataType) -> None:
        assert isinstance(key_type, DataType), "element_type %s should be an instance of %s" % (key_type, DataType)
        assert isinstance(value_type, DataType), "element_type %s should be an instance of %s" % (value_type, DataType)
        super().__init__(False)
        self._key_type = key_type
        self._value_type = value_type

    def __repr__(self) -> str:
        return "MapViewType(%s, %s)" % (repr(self._key_type), repr(self._value_type))

    def to_sql_type(self, obj: Any) -> Any:
        raise Exception("MapViewType can only be used in accumulator type declaration of AggregateFunction.")

    def from_sql_type(self, obj: Any) -> Any:
        raise Exception("MapViewType can only be used in accumulator type declaration of AggregateFunction.")


class MultisetType(DataType):
    def __init__(self, element_type: DataType, nullable: bool = True) -> None:
        assert isinstance(element_type, DataType), \
            "element_type %s should be an instance of %s" % (element_type, DataType)
        super().__init__(nullable)
        self.element_type = element_type

    def __repr__(self) -> str:
        return "MultisetType(%s, %s)" % (repr(self.element_type), str(self._nullable).lower())

    def need_conversion(self) -> bool:
        return self.element_type.need_conversion()

    def _sql_text(self) -> str:
        return "MULTISET<%s>" % self.element_type.to_sql()


class RowField(object):
    """A field of a RowType: name, type, description."""

    def __init__(self, name: str, data_type: DataType, description: Optional[str] = None) -> None:
        assert isinstance(data_type, DataType), "data_type %s should be an instance of %s" % (data_type, DataType)
        assert isinstance(name, str), "field name %s should be string" % name
        if description is not None:
            assert isinstance(description, str), "description %s should be string" % description
        self.name = name
        self.data_type = data_type
        self.description = "..." if description is None else description

    def __repr__(self) -> str:
        return "RowField(%s, %s, %s)" % (self.name, repr(self.data_type), self.description)

    def __str__(self, *args: Any, **kwargs: Any) -> str:
        return "RowField(%s, %s)" % (self.name, self.data_type)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, self.__class__) and self.__dict__ == other.__dict__

    def need_conversion(self) -> bool:
        return self.data_type.need_conversion()

    def to_sql_type(self, obj: Any) -> Any:
        return self.data_type.to_sql_type(obj)

    def from_sql_type(self, obj: Any) -> Any:
        return self.data_type.from_sql_type(obj)

    def to_sql(self) -> str:
        return "`%s` %s" % (self.name.replace("`", "``"), self.data_type.to_sql())


class RowType(DataType):
    """A row type: a list of RowFields, iterable, indexable by name or
    position."""

    def __init__(self, fields: Optional[List[RowField]] = None, nullable: bool = True) -> None:
        super().__init__(nullable)
        if not fields:
            self.fields: List[RowField] = []
            self.names: List[str] = []
        else:
            self.fields = fields if isinstance(fields, list) else list(fields)
            self.names = [f.name for f in self.fields]
            assert all(isinstance(f, RowField) for f in self.fields), "fields should be a list of RowField"
        self._need_conversion = [f.need_conversion() for f in self]
        self._need_serialize_any_field = any(self._need_conversion)

    def add(self, field: Union[str, RowField], data_type: Optional[DataType] = None) -> "RowType":
        """Appends a field (a RowField, or a name and a DataType) and returns
        this RowType, as PyFlink's ``add``."""
        if isinstance(field, RowField):
            self.fields.append(field)
            self.names.append(field.name)
        else:
            if isinstance(field, str) and data_type is None:
                raise ValueError("Must specify DataType if passing name of row_field to create.")
            self.fields.append(RowField(field, data_type))  # type: ignore[arg-type]
            self.names.append(field)  # type: ignore[arg-type]
        self._need_conversion = [f.need_conversion() for f in self]
        self._need_serialize_any_field = any(self._need_conversion)
        return self

    def __iter__(self) -> Any:
        return iter(self.fields)

    def __len__(self) -> int:
        return len(self.fields)

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            for field in self:
                if field.name == key:
                    return field
            raise KeyError("No RowField named {0}".format(key))
        if isinstance(key, int):
            try:
                return self.fields[key]
            except IndexError:
                raise IndexError("RowType index out of range")
        if isinstance(key, slice):
            return RowType(self.fields[key])
        raise TypeError("RowType keys should be strings, integers or slices")

    def __repr__(self) -> str:
        return "RowType(%s)" % ",".join(repr(field) for field in self)

    def field_names(self) -> List[str]:
        return list(self.names)

    def field_types(self) -> List[DataType]:
        return [f.data_type for f in self.fields]

    def need_conversion(self) -> bool:
        return True

    def to_sql_type(self, obj: Any) -> Any:
        """A row value (dict, Row, tuple, list or object) as PyFlink's
        internal tuple: the row kind's value, then the fields."""
        if obj is None:
            return None
        conv = self._need_conversion

        def f(i: int, v: Any) -> Any:
            return self.fields[i].to_sql_type(v) if conv[i] else v

        if isinstance(obj, dict):
            return (RowKind.INSERT.value,) + tuple(f(i, obj.get(n)) for i, n in enumerate(self.names))
        if isinstance(obj, Row) and hasattr(obj, "_fields"):
            return (obj.get_row_kind().value,) + tuple(f(i, obj[n]) for i, n in enumerate(self.names))
        if isinstance(obj, Row):
            return (obj.get_row_kind().value,) + tuple(f(i, v) for i, v in enumerate(obj))
        if isinstance(obj, (list, tuple)):
            return (RowKind.INSERT.value,) + tuple(f(i, v) for i, v in enumerate(obj))
        if hasattr(obj, "__dict__"):
            d = obj.__dict__
            return (RowKind.INSERT.value,) + tuple(f(i, d.get(n)) for i, n in enumerate(self.names))
        raise ValueError("Unexpected tuple %r with RowType" % obj)

    def from_sql_type(self, obj: Any) -> Any:
        if obj is None:
            return None
        if isinstance(obj, Row):
            return obj
        if self._need_serialize_any_field:
            values = [fl.from_sql_type(v) if c else v for fl, v, c in zip(self.fields, obj, self._need_conversion)]
        else:
            values = obj
        return _create_row(self.names, values)

    def _sql_text(self) -> str:
        return "ROW<%s>" % ", ".join(f.to_sql() for f in self.fields)


class RawType(DataType):
    def from_sql_type(self, obj: Any) -> Any:
        import pickle
        return pickle.loads(obj)


class UserDefinedType(DataType):
    """User-defined type (UDT); Flink internal."""

    def __eq__(self, other: object) -> bool:
        return type(self) == type(other)

    @classmethod
    def type_name(cls) -> str:
        return cls.__name__.lower()

    @classmethod
    def sql_type(cls) -> DataType:
        raise NotImplementedError("UDT must implement sql_type().")

    @classmethod
    def module(cls) -> str:
        raise NotImplementedError("UDT must implement module().")

    @classmethod
    def java_udt(cls) -> str:
        return ""

    def need_conversion(self) -> bool:
        return True

    def to_sql_type(self, obj: Any) -> Any:
        if obj is not None:
            return self.sql_type().to_sql_type(self.serialize(obj))

    def from_sql_type(self, obj: Any) -> Any:
        v = self.sql_type().from_sql_type(obj)
        if v is not None:
            return self.deserialize(v)

    def serialize(self, obj: Any) -> Any:
        raise NotImplementedError("UDT must implement serialize().")

    def deserialize(self, datum: Any) -> Any:
        raise NotImplementedError("UDT must implement deserialize().")

    def _sql_text(self) -> str:
        return self.sql_type()._sql_text()


# -- inference ------------------------------------------------------------

# Python types to Flink types, as PyFlink's _type_mappings; bytes too, which
# PyFlink leaves out (only bytearray) but which is the usual binary value.
_type_mappings: Dict[type, DataType] = {
    bool: BooleanType(),
    int: BigIntType(),
    float: DoubleType(),
    str: VarCharType(_MAX_LENGTH),
    bytearray: VarBinaryType(_MAX_LENGTH),
    bytes: VarBinaryType(_MAX_LENGTH),
    decimal.Decimal: DecimalType(38, 18),
    datetime.date: DateType(),
    datetime.datetime: LocalZonedTimestampType(),
    datetime.time: TimeType(),
}

# Python's array typecodes → element types, from the C sizes of this
# platform as PyFlink computes them: signed codes by their size, unsigned
# ones one bit wider (the JVM's types are signed), codes too wide for
# BIGINT (unsigned long) left out.
_array_signed_int_typecode_ctype_mappings = {"b": ctypes.c_byte, "h": ctypes.c_short, "i": ctypes.c_int, "l": ctypes.c_long}
_array_unsigned_int_typecode_ctype_mappings = {"B": ctypes.c_ubyte, "H": ctypes.c_ushort, "I": ctypes.c_uint, "L": ctypes.c_ulong}


def _int_size_to_type(size: int) -> Optional[DataType]:
    if size <= 8:
        return TinyIntType()
    if size <= 16:
        return SmallIntType()
    if size <= 32:
        return IntType()
    if size <= 64:
        return BigIntType()
    return None


_array_type_mappings: Dict[str, DataType] = {"f": FloatType(), "d": DoubleType()}
for _code, _ctype in _array_signed_int_typecode_ctype_mappings.items():
    _t = _int_size_to_type(ctypes.sizeof(_ctype) * 8)
    if _t is not None:
        _array_type_mappings[_code] = _t
for _code, _ctype in _array_unsigned_int_typecode_ctype_mappings.items():
    _t = _int_size_to_type(ctypes.sizeof(_ctype) * 8 + 1)
    if _t is not None:
        _array_type_mappings[_code] = _t
_array_type_mappings["u"] = CharType(ctypes.sizeof(ctypes.c_wchar))


def _infer_type(obj: Any) -> DataType:
    """The data type of a Python value, as PyFlink infers it."""
    if obj is None:
        return NullType()
    if hasattr(obj, "__UDT__"):
        return obj.__UDT__
    data_type = _type_mappings.get(type(obj))
    if data_type is not None:
        return data_type
    if isinstance(obj, dict):
        for key, value in obj.items():
            if key is not None and value is not None:
                return MapType(_infer_type(key).not_null(), _infer_type(value))
        return MapType(NullType(), NullType())
    if isinstance(obj, list):
        for v in obj:
            if v is not None:
                return ArrayType(_infer_type(obj[0]))
        return ArrayType(NullType())
    if isinstance(obj, array):
        if obj.typecode in _array_type_mappings:
            return ArrayType(_array_type_mappings[obj.typecode].not_null())
        raise TypeError("not supported type: array(%s)" % obj.typecode)
    try:
        return _infer_schema(obj)
    except TypeError:
        raise TypeError("not supported type: %s" % type(obj))


def _infer_schema(row: Any, names: Optional[List[str]] = None) -> RowType:
    """The RowType of a dict, Row, namedtuple, tuple, list or object."""
    if isinstance(row, dict):
        items: Iterable[Tuple[str, Any]] = sorted(row.items())
    elif isinstance(row, (Row, tuple, list)):
        if hasattr(row, "_fields"):  # namedtuple and Row
            items = zip(row._fields, tuple(row))
        else:
            if names is None:
                names = ["_%d" % i for i in range(1, len(row) + 1)]
            elif len(names) < len(row):
                names.extend("_%d" % i for i in range(len(names) + 1, len(row) + 1))
            items = zip(names, row)
    elif hasattr(row, "__dict__"):
        items = sorted(row.__dict__.items())
    else:
        raise TypeError("Can not infer schema for type: %s" % type(row))
    return RowType([RowField(k, _infer_type(v)) for k, v in items])


def _has_nulltype(dt: DataType) -> bool:
    if isinstance(dt, RowType):
        return any(_has_nulltype(f.data_type) for f in dt.fields)
    if isinstance(dt, (ArrayType, MultisetType)):
        return _has_nulltype(dt.element_type)
    if isinstance(dt, MapType):
        return _has_nulltype(dt.key_type) or _has_nulltype(dt.value_type)
    return isinstance(dt, NullType)


def _merge_type(a: DataType, b: DataType, name: Optional[str] = None) -> DataType:
    if name is None:
        def new_msg(msg: str) -> str:
            return msg

        def new_name(n: str) -> str:
            return "field %s" % n
    else:
        def new_msg(msg: str) -> str:
            return "%s: %s" % (name, msg)

        def new_name(n: str) -> str:
            return "field %s in %s" % (n, name)

    if isinstance(a, NullType):
        return b
    if isinstance(b, NullType):
        return a
    if type(a) is not type(b):
        raise TypeError(new_msg("Can not merge type %s and %s" % (type(a), type(b))))
    if isinstance(a, RowType):
        nfs = dict((f.name, f.data_type) for f in b.fields)  # type: ignore[attr-defined]
        fields = [RowField(f.name, _merge_type(f.data_type, nfs.get(f.name, NullType()), name=new_name(f.name)))
                  for f in a.fields]
        known = set(f.name for f in fields)
        for n in nfs:
            if n not in known:
                fields.append(RowField(n, nfs[n]))
        return RowType(fields)
    if isinstance(a, ArrayType):
        return ArrayType(_merge_type(a.element_type, b.element_type, name="element in array %s" % name))  # type: ignore[attr-defined]
    if isinstance(a, MultisetType):
        return MultisetType(_merge_type(a.element_type, b.element_type, name="element in multiset %s" % name))  # type: ignore[attr-defined]
    if isinstance(a, MapType):
        return MapType(_merge_type(a.key_type, b.key_type, name="key of map %s" % name),  # type: ignore[attr-defined]
                       _merge_type(a.value_type, b.value_type, name="value of map %s" % name))  # type: ignore[attr-defined]
    return a


_NONE_TYPE = type(None)


def _shape_key(row: Any) -> Optional[Tuple[Any, ...]]:
    """What the schema inferred from row depends on, for a tuple, list or
    Row of atomic values; None for anything else."""
    if isinstance(row, Row) or (isinstance(row, tuple) and hasattr(row, "_fields")):
        fields = tuple(getattr(row, "_fields", None) or ())
        values = tuple(row)
    elif isinstance(row, (tuple, list)):
        fields, values = (), tuple(row)
    else:
        return None
    kinds = tuple(type(v) for v in values)
    if not all(k in _type_mappings or k is _NONE_TYPE for k in kinds):
        return None
    return (type(row), fields, kinds)


def _infer_schema_from_data(elements: Sequence[Any], names: Optional[List[str]] = None) -> RowType:
    """The RowType of a list of rows, merged over all of them."""
    if not elements:
        raise ValueError("can not infer schema from empty data set")
    # Rows of the same shape (kind, field names, Python types of atomic
    # values) infer the same schema, and merging a schema with itself
    # changes nothing: infer each shape once (PyFlink infers every row).
    seen = set()
    schemas = []
    for row in elements:
        key = _shape_key(row)
        if key is not None:
            if key in seen:
                continue
            seen.add(key)
        schemas.append(_infer_schema(row, list(names) if names is not None else None))
    schema = reduce(_merge_type, schemas)
    if _has_nulltype(schema):
        raise ValueError("Some column types cannot be determined after inferring")
    return schema  # type: ignore[return-value]


# -- verification ---------------------------------------------------------

_acceptable_types: Dict[type, Tuple[type, ...]] = {
    BooleanType: (bool,),
    TinyIntType: (int,),
    SmallIntType: (int,),
    IntType: (int,),
    BigIntType: (int,),
    FloatType: (float,),
    DoubleType: (float,),
    DecimalType: (decimal.Decimal,),
    CharType: (str,),
    VarCharType: (str,),
    BinaryType: (bytearray, bytes),
    VarBinaryType: (bytearray, bytes),
    DateType: (datetime.date, datetime.datetime),
    TimeType: (datetime.time,),
    TimestampType: (datetime.datetime,),
    DayTimeIntervalType: (datetime.timedelta,),
    LocalZonedTimestampType: (datetime.datetime,),
    ZonedTimestampType: (datetime.datetime,),
    ArrayType: (list, tuple, array),
    MapType: (dict,),
    RowType: (tuple, list, dict),
    NullType: (type(None),),
}

# BIGINT has no range check in PyFlink's verifier either.
_INT_RANGES = {TinyIntType: (-128, 127), SmallIntType: (-32768, 32767), IntType: (-2147483648, 2147483647)}


def _create_type_verifier(data_type: DataType, name: Optional[str] = None) -> Callable[[Any], None]:
    """A function that raises TypeError for a value of the wrong Python
    type and ValueError for one out of the type's range, with PyFlink's
    messages."""
    if name is None:
        def new_msg(msg: str) -> str:
            return msg

        def new_name(n: str) -> str:
            return "field %s" % n
    else:
        def new_msg(msg: str) -> str:
            return "%s: %s" % (name, msg)

        def new_name(n: str) -> str:
            return "field %s in %s" % (n, name)

    _type = type(data_type)
    assert _type in _acceptable_types or isinstance(data_type, UserDefinedType), \
        new_msg("unknown datatype: %s" % data_type)

    def verify_acceptable_types(obj: Any) -> None:
        if type(obj) not in _acceptable_types[_type]:
            raise TypeError(new_msg("%s can not accept object %r in type %s" % (data_type, obj, type(obj))))

    verify_value: Callable[[Any], None]
    if isinstance(data_type, CharType):
        def verify_value(obj: Any) -> None:
            verify_acceptable_types(obj)
            if len(obj) != data_type.length:
                raise ValueError(new_msg("length of object (%s) of CharType is not: %d" % (obj, data_type.length)))
    elif isinstance(data_type, VarCharType):
        def verify_value(obj: Any) -> None:
            verify_acceptable_types(obj)
            if len(obj) > data_type.length:
                raise ValueError(new_msg("length of object (%s) of VarCharType exceeds: %d" % (obj, data_type.length)))
    elif isinstance(data_type, BinaryType):
        def verify_value(obj: Any) -> None:
            verify_acceptable_types(obj)
            if len(obj) != data_type.length:
                raise ValueError(new_msg("length of object (%s) of BinaryType is not: %d" % (obj, data_type.length)))
    elif isinstance(data_type, VarBinaryType):
        def verify_value(obj: Any) -> None:
            verify_acceptable_types(obj)
            if len(obj) > data_type.length:
                raise ValueError(new_msg("length of object (%s) of VarBinaryType exceeds: %d" % (obj, data_type.length)))
    elif isinstance(data_type, UserDefinedType):
        sql_type = data_type.sql_type()
        verifier = _create_type_verifier(sql_type, name=name)

        def verify_value(obj: Any) -> None:
            if not (hasattr(obj, "__UDT__") and obj.__UDT__ == data_type):
                raise ValueError(new_msg("%r is not an instance of type %r" % (obj, data_type)))
            data = data_type.to_sql_type(obj)
            verifier(data[1:] if isinstance(sql_type, RowType) else data)
    elif _type in _INT_RANGES:
        lo, hi = _INT_RANGES[_type]

        def verify_value(obj: Any) -> None:
            verify_acceptable_types(obj)
            if obj < lo or obj > hi:
                raise ValueError(new_msg("object of %s out of range, got: %s" % (_type.__name__, obj)))
    elif isinstance(data_type, ArrayType):
        element_verifier = _create_type_verifier(data_type.element_type, name="element in array %s" % name)

        def verify_value(obj: Any) -> None:
            verify_acceptable_types(obj)
            for i in obj:
                element_verifier(i)
    elif isinstance(data_type, MapType):
        key_verifier = _create_type_verifier(data_type.key_type, name="key of map %s" % name)
        value_verifier = _create_type_verifier(data_type.value_type, name="value of map %s" % name)

        def verify_value(obj: Any) -> None:
            verify_acceptable_types(obj)
            for k, v in obj.items():
                key_verifier(k)
                value_verifier(v)
    elif isinstance(data_type, RowType):
        verifiers = [(f.name, _create_type_verifier(f.data_type, name=new_name(f.name))) for f in data_type.fields]

        def verify_value(obj: Any) -> None:
            if isinstance(obj, dict):
                for f, verifier in verifiers:
                    verifier(obj.get(f))
            elif isinstance(obj, Row):
                if obj._from_dict:
                    for f, verifier in verifiers:
                        verifier(obj[f])
                else:
                    for idx, (_, verifier) in enumerate(verifiers):
                        verifier(obj[idx])
            elif isinstance(obj, (tuple, list)):
                if len(obj) != len(verifiers):
                    raise ValueError(new_msg("Length of object (%d) does not match with length of fields (%d)"
                                             % (len(obj), len(verifiers))))
                for v, (_, verifier) in zip(obj, verifiers):
                    verifier(v)
            elif hasattr(obj, "__dict__"):
                d = obj.__dict__
                for f, verifier in verifiers:
                    verifier(d.get(f))
            else:
                raise TypeError(new_msg("RowType can not accept object %r in type %s" % (obj, type(obj))))
    else:
        def verify_value(obj: Any) -> None:
            verify_acceptable_types(obj)

    def verify(obj: Any) -> None:
        if obj is None:
            if not data_type._nullable:
                raise ValueError(new_msg("This field is not nullable, but got None"))
            return
        verify_value(obj)

    return verify


# -- DataTypes ------------------------------------------------------------


class DataTypes(object):
    """The factory of data types, as ``pyflink.table.DataTypes``."""

    @staticmethod
    def NULL() -> NullType:
        return NullType()

    @staticmethod
    def CHAR(length: int = 1, nullable: bool = True) -> CharType:
        return CharType(length, nullable)

    @staticmethod
    def VARCHAR(length: int = _MAX_LENGTH, nullable: bool = True) -> VarCharType:
        return VarCharType(length, nullable)

    @staticmethod
    def STRING(nullable: bool = True) -> VarCharType:
        return DataTypes.VARCHAR(_MAX_LENGTH, nullable)

    @staticmethod
    def BOOLEAN(nullable: bool = True) -> BooleanType:
        return BooleanType(nullable)

    @staticmethod
    def BINARY(length: int = 1, nullable: bool = True) -> BinaryType:
        return BinaryType(length, nullable)

    @staticmethod
    def VARBINARY(length: int = _MAX_LENGTH, nullable: bool = True) -> VarBinaryType:
        return VarBinaryType(length, nullable)

    @staticmethod
    def BYTES(nullable: bool = True) -> VarBinaryType:
        return DataTypes.VARBINARY(_MAX_LENGTH, nullable)

    @staticmethod
    def DECIMAL(precision: int = 10, scale: int = 0, nullable: bool = True) -> DecimalType:
        return DecimalType(precision, scale, nullable)

    @staticmethod
    def TINYINT(nullable: bool = True) -> TinyIntType:
        return TinyIntType(nullable)

    @staticmethod
    def SMALLINT(nullable: bool = True) -> SmallIntType:
        return SmallIntType(nullable)

    @staticmethod
    def INT(nullable: bool = True) -> IntType:
        return IntType(nullable)

    @staticmethod
    def BIGINT(nullable: bool = True) -> BigIntType:
        return BigIntType(nullable)

    @staticmethod
    def FLOAT(nullable: bool = True) -> FloatType:
        return FloatType(nullable)

    @staticmethod
    def DOUBLE(nullable: bool = True) -> DoubleType:
        return DoubleType(nullable)

    @staticmethod
    def DATE(nullable: bool = True) -> DateType:
        return DateType(nullable)

    @staticmethod
    def TIME(precision: int = 0, nullable: bool = True) -> TimeType:
        return TimeType(precision, nullable)

    @staticmethod
    def TIMESTAMP(precision: int = 6, nullable: bool = True) -> TimestampType:
        return TimestampType(precision, nullable)

    @staticmethod
    def TIMESTAMP_WITH_LOCAL_TIME_ZONE(precision: int = 6, nullable: bool = True) -> LocalZonedTimestampType:
        return LocalZonedTimestampType(precision, nullable)

    @staticmethod
    def TIMESTAMP_LTZ(precision: int = 6, nullable: bool = True) -> LocalZonedTimestampType:
        return LocalZonedTimestampType(precision, nullable)

    @staticmethod
    def ARRAY(element_type: DataType, nullable: bool = True) -> ArrayType:
        return ArrayType(element_type, nullable)

    @staticmethod
    def LIST_VIEW(element_type: DataType) -> ListViewType:
        return ListViewType(element_type)

    @staticmethod
    def MAP(key_type: DataType, value_type: DataType, nullable: bool = True) -> MapType:
        return MapType(key_type, value_type, nullable)

    @staticmethod
    def MAP_VIEW(key_type: DataType, value_type: DataType) -> MapViewType:
        return MapViewType(key_type, value_type)

    @staticmethod
    def MULTISET(element_type: DataType, nullable: bool = True) -> MultisetType:
        return MultisetType(element_type, nullable)

    @staticmethod
    def ROW(row_fields: Sequence[RowField] = (), nullable: bool = True) -> RowType:
        return RowType(list(row_fields), nullable)

    @staticmethod
    def FIELD(name: str, data_type: DataType, description: Optional[str] = None) -> RowField:
        return RowField(name, data_type, description)

    @staticmethod
    def SECOND(precision: int = DayTimeIntervalType.DEFAULT_FRACTIONAL_PRECISION) -> Resolution:
        return Resolution(Resolution.IntervalUnit.SECOND, precision)

    @staticmethod
    def MINUTE() -> Resolution:
        return Resolution(Resolution.IntervalUnit.MINUTE)

    @staticmethod
    def HOUR() -> Resolution:
        return Resolution(Resolution.IntervalUnit.HOUR)

    @staticmethod
    def DAY(precision: int = DayTimeIntervalType.DEFAULT_DAY_PRECISION) -> Resolution:
        return Resolution(Resolution.IntervalUnit.DAY, precision)

    @staticmethod
    def MONTH() -> Resolution:
        return Resolution(Resolution.IntervalUnit.MONTH)

    @staticmethod
    def YEAR(precision: int = YearMonthIntervalType.DEFAULT_PRECISION) -> Resolution:
        return Resolution(Resolution.IntervalUnit.YEAR, precision)

    @staticmethod
    def INTERVAL(upper_resolution: Resolution,
                 lower_resolution: Optional[Resolution] = None) -> Union[DayTimeIntervalType, YearMonthIntervalType]:
        return _from_resolution(upper_resolution, lower_resolution)  # type: ignore[return-value]


def _to_java_data_type(data_type: DataType) -> Any:
    raise NotImplementedError("_to_java_data_type: Sluice runs no JVM; types travel as SQL text (DataType.to_sql())")


def _from_java_data_type(j_data_type: Any) -> DataType:
    raise NotImplementedError("_from_java_data_type: Sluice runs no JVM; read types with _parse_type(sql_text)")


def _to_java_type(data_type: DataType) -> Any:
    # Flink 1.10's name for the same conversion.
    raise NotImplementedError("_to_java_type: Sluice runs no JVM; types travel as SQL text (DataType.to_sql())")


def _from_java_type(j_data_type: Any) -> DataType:
    raise NotImplementedError("_from_java_type: Sluice runs no JVM; read types with _parse_type(sql_text)")


def _type_sql(t: object) -> str:
    """The SQL text of a DataType, or of a type given as SQL text."""
    if isinstance(t, DataType):
        return t.to_sql()
    if isinstance(t, str):
        return t
    raise TypeError("expected a DataType (DataTypes.INT(), ...), got %s" % type(t).__name__)


# -- SQL text → DataType (schemas the engine reports) ---------------------

class _TypeParser:
    """Reads the type text Sluice's engine prints (BIGINT, STRING,
    DECIMAL(10, 2), ROW<`a` INT NOT NULL, ...>, TIMESTAMP_LTZ(3), ...)."""

    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0

    def _ws(self) -> None:
        while self.i < len(self.s) and self.s[self.i].isspace():
            self.i += 1

    def _peek(self, tok: str) -> bool:
        self._ws()
        return self.s[self.i:self.i + len(tok)].upper() == tok

    def _take(self, tok: str) -> bool:
        if self._peek(tok):
            self.i += len(tok)
            return True
        return False

    def _word(self) -> str:
        self._ws()
        j = self.i
        while j < len(self.s) and (self.s[j].isalnum() or self.s[j] == "_"):
            j += 1
        w, self.i = self.s[self.i:j], j
        return w.upper()

    def _ints(self) -> List[int]:
        out: List[int] = []
        if self._take("("):
            while not self._take(")"):
                self._take(",")
                self._ws()
                j = self.i
                while j < len(self.s) and self.s[j].isdigit():
                    j += 1
                out.append(int(self.s[self.i:j]))
                self.i = j
        return out

    def _ident(self) -> str:
        self._ws()
        if self.s[self.i] == "`":
            j = self.i + 1
            name = ""
            while True:
                k = self.s.index("`", j)
                name += self.s[j:k]
                if self.s[k + 1:k + 2] == "`":
                    name += "`"
                    j = k + 2
                    continue
                self.i = k + 1
                return name
        return self._word()

    def parse(self) -> DataType:
        w = self._word()
        t: DataType
        if w == "ARRAY":
            self._take("<")
            t = ArrayType(self.parse())
            self._take(">")
        elif w == "MULTISET":
            self._take("<")
            t = MultisetType(self.parse())
            self._take(">")
        elif w == "MAP":
            self._take("<")
            k = self.parse()
            self._take(",")
            t = MapType(k, self.parse())
            self._take(">")
        elif w == "ROW":
            self._take("<")
            fields = []
            while not self._take(">"):
                self._take(",")
                name = self._ident()
                ft = self.parse()
                desc = None
                self._ws()
                if self.s[self.i:self.i + 1] == "'":
                    k = self.s.index("'", self.i + 1)
                    desc, self.i = self.s[self.i + 1:k], k + 1
                fields.append(RowField(name, ft, desc))
            t = RowType(fields)
        elif w == "INTERVAL":
            u = self._word()
            p = self._ints()
            if u in ("YEAR", "MONTH"):
                if self._take("TO"):
                    self._word()
                    t = DataTypes.INTERVAL(DataTypes.YEAR(*p), DataTypes.MONTH())
                else:
                    t = DataTypes.INTERVAL(DataTypes.YEAR(*p) if u == "YEAR" else DataTypes.MONTH())
            else:
                upper = {"DAY": lambda: DataTypes.DAY(*p), "HOUR": DataTypes.HOUR, "MINUTE": DataTypes.MINUTE,
                         "SECOND": lambda: DataTypes.SECOND(*p)}[u]()
                lower = None
                if self._take("TO"):
                    lu = self._word()
                    lp = self._ints()
                    lower = {"HOUR": DataTypes.HOUR, "MINUTE": DataTypes.MINUTE,
                             "SECOND": lambda: DataTypes.SECOND(*lp)}[lu]()
                t = DataTypes.INTERVAL(upper, lower)
        else:
            p = self._ints()
            simple: Dict[str, Callable[..., DataType]] = {
                "BOOLEAN": BooleanType, "TINYINT": TinyIntType, "SMALLINT": SmallIntType, "INT": IntType,
                "INTEGER": IntType, "BIGINT": BigIntType, "FLOAT": FloatType, "DOUBLE": DoubleType, "DATE": DateType,
                "STRING": lambda: VarCharType(_MAX_LENGTH), "BYTES": lambda: VarBinaryType(_MAX_LENGTH),
                "NULL": NullType,
            }
            if w in simple:
                t = simple[w]()
            elif w == "DECIMAL":
                t = DecimalType(*p) if p else DecimalType()
            elif w in ("CHAR", "VARCHAR", "BINARY", "VARBINARY"):
                t = {"CHAR": CharType, "VARCHAR": VarCharType, "BINARY": BinaryType, "VARBINARY": VarBinaryType}[w](*(p or [1]))
            elif w == "TIME":
                t = TimeType(*(p or [0]))
            elif w == "TIMESTAMP_LTZ":
                t = LocalZonedTimestampType(*(p or [6]))
            elif w == "TIMESTAMP":
                if self._take("WITH LOCAL TIME ZONE"):
                    t = LocalZonedTimestampType(*(p or [6]))
                else:
                    t = TimestampType(*(p or [6]))
            elif w == "RAW":
                t = RawType()
            else:
                raise ValueError("unknown type %s in %r" % (w, self.s))
        if self._take("NOT NULL"):
            t._nullable = False
        return t


def _parse_type(text: str) -> DataType:
    """The DataType of a SQL type text the engine reports."""
    return _TypeParser(text).parse()
