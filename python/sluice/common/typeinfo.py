"""``pyflink.common.typeinfo``: TypeInformation, the DataStream API's type
descriptions (``Types.INT()``, ``Types.ROW_NAMED([...], [...])``), with
PyFlink's repr, equality and Python/internal conversions. Sluice has no
JVM: ``get_java_type_info()`` raises."""
from __future__ import annotations

import calendar
import datetime
import time
from enum import Enum
from typing import Any, List, Optional

__all__ = [
    "TypeInformation", "BasicType", "BasicTypeInfo", "InstantTypeInfo", "SqlTimeTypeInfo", "PrimitiveArrayTypeInfo",
    "BasicArrayTypeInfo", "ObjectArrayTypeInfo", "PickledBytesTypeInfo", "RowTypeInfo", "TupleTypeInfo",
    "DateTypeInfo", "TimeTypeInfo", "TimestampTypeInfo", "ListTypeInfo", "MapTypeInfo", "LocalTimeTypeInfo",
    "ExternalTypeInfo", "Types",
]


class TypeInformation(object):
    """The type of the values of a DataStream (Flink's TypeInformation)."""

    # Instances compare by value and are mutable: unhashable, as PyFlink's.
    __hash__ = None  # type: ignore[assignment]

    def __init__(self) -> None:
        self._j_typeinfo = None

    def get_java_type_info(self) -> Any:
        raise NotImplementedError("%r.get_java_type_info(): Sluice runs no JVM" % (self,))

    def need_conversion(self) -> bool:
        return False

    def to_internal_type(self, obj: Any) -> Any:
        return obj

    def from_internal_type(self, obj: Any) -> Any:
        return obj


class BasicType(Enum):
    STRING = "String"
    BYTE = "Byte"
    BOOLEAN = "Boolean"
    SHORT = "Short"
    INT = "Integer"
    LONG = "Long"
    FLOAT = "Float"
    DOUBLE = "Double"
    CHAR = "Char"
    BIG_INT = "BigInteger"
    BIG_DEC = "BigDecimal"
    INSTANT = "Instant"


class BasicTypeInfo(TypeInformation):
    """Primitive types, String, BigInteger and BigDecimal."""

    def __init__(self, basic_type: BasicType) -> None:
        self._basic_type = basic_type
        super().__init__()

    def __eq__(self, o: Any) -> bool:
        return isinstance(o, BasicTypeInfo) and self._basic_type == o._basic_type

    def __repr__(self) -> str:
        return self._basic_type.value

    @staticmethod
    def STRING_TYPE_INFO() -> "BasicTypeInfo":
        return BasicTypeInfo(BasicType.STRING)

    @staticmethod
    def BOOLEAN_TYPE_INFO() -> "BasicTypeInfo":
        return BasicTypeInfo(BasicType.BOOLEAN)

    @staticmethod
    def BYTE_TYPE_INFO() -> "BasicTypeInfo":
        return BasicTypeInfo(BasicType.BYTE)

    @staticmethod
    def SHORT_TYPE_INFO() -> "BasicTypeInfo":
        return BasicTypeInfo(BasicType.SHORT)

    @staticmethod
    def INT_TYPE_INFO() -> "BasicTypeInfo":
        return BasicTypeInfo(BasicType.INT)

    @staticmethod
    def LONG_TYPE_INFO() -> "BasicTypeInfo":
        return BasicTypeInfo(BasicType.LONG)

    @staticmethod
    def FLOAT_TYPE_INFO() -> "BasicTypeInfo":
        return BasicTypeInfo(BasicType.FLOAT)

    @staticmethod
    def DOUBLE_TYPE_INFO() -> "BasicTypeInfo":
        return BasicTypeInfo(BasicType.DOUBLE)

    @staticmethod
    def CHAR_TYPE_INFO() -> "BasicTypeInfo":
        return BasicTypeInfo(BasicType.CHAR)

    @staticmethod
    def BIG_INT_TYPE_INFO() -> "BasicTypeInfo":
        return BasicTypeInfo(BasicType.BIG_INT)

    @staticmethod
    def BIG_DEC_TYPE_INFO() -> "BasicTypeInfo":
        return BasicTypeInfo(BasicType.BIG_DEC)

    @staticmethod
    def INSTANT_TYPE_INFO() -> "InstantTypeInfo":
        return InstantTypeInfo(BasicType.INSTANT)


class InstantTypeInfo(BasicTypeInfo):
    """java.time.Instant; internally microseconds since the epoch."""

    def need_conversion(self) -> bool:
        return True

    def to_internal_type(self, obj: Any) -> Any:
        return None if obj is None else obj.seconds * 10 ** 6 + obj.nanos // 1000

    def from_internal_type(self, obj: Any) -> Any:
        if obj is None:
            return None
        from sluice.common.time import Instant
        return Instant(obj // 10 ** 6, (obj % 10 ** 6) * 1000)


class SqlTimeTypeInfo(TypeInformation):
    """java.sql.Date/Time/Timestamp."""

    @staticmethod
    def DATE() -> "DateTypeInfo":
        return DateTypeInfo()

    @staticmethod
    def TIME() -> "TimeTypeInfo":
        return TimeTypeInfo()

    @staticmethod
    def TIMESTAMP() -> "TimestampTypeInfo":
        return TimestampTypeInfo()


class _ElementTypeInfo(TypeInformation):
    _label = ""

    def __init__(self, element_type: TypeInformation) -> None:
        self._element_type = element_type
        super().__init__()

    def __eq__(self, o: Any) -> bool:
        return type(o) is type(self) and self._element_type == o._element_type

    def __repr__(self) -> str:
        return "%s<%s>" % (self._label, self._element_type)


class PrimitiveArrayTypeInfo(_ElementTypeInfo):
    """Arrays of primitives (int[], double[], ...)."""
    _label = "PrimitiveArrayTypeInfo"


class BasicArrayTypeInfo(_ElementTypeInfo):
    """Arrays of boxed basic types (Integer[], String[], ...)."""
    _label = "BasicArrayTypeInfo"


class ObjectArrayTypeInfo(_ElementTypeInfo):
    """Arrays of any type."""
    _label = "ObjectArrayTypeInfo"


class PickledBytesTypeInfo(TypeInformation):
    """Any Python object, pickled."""

    def __eq__(self, o: Any) -> bool:
        return isinstance(o, PickledBytesTypeInfo)

    def __repr__(self) -> str:
        return "PickledByteArrayTypeInfo"


class RowTypeInfo(TypeInformation):
    """Rows: field types, optionally names (default f0, f1, ...)."""

    def __init__(self, field_types: List[TypeInformation], field_names: Optional[List[str]] = None) -> None:
        self._field_types = list(field_types)
        self._field_names = list(field_names) if field_names is not None else None
        self._need_conversion = [f.need_conversion() if isinstance(f, TypeInformation) else None
                                 for f in self._field_types]
        self._need_serialize_any_field = any(self._need_conversion)
        super().__init__()

    def get_field_names(self) -> List[str]:
        if not self._field_names:
            self._field_names = ["f%d" % i for i in range(len(self._field_types))]
        return self._field_names

    def get_field_index(self, field_name: str) -> int:
        if self._field_names:
            return self._field_names.index(field_name)
        return -1

    def get_field_types(self) -> List[TypeInformation]:
        return self._field_types

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, RowTypeInfo) and self._field_types == other._field_types

    def __repr__(self) -> str:
        if self._field_names:
            return "RowTypeInfo(%s)" % ", ".join("%s: %s" % (n, t) for n, t in zip(self._field_names, self._field_types))
        return "RowTypeInfo(%s)" % ", ".join(str(t) for t in self._field_types)

    def need_conversion(self) -> bool:
        return True

    def _values(self, obj: Any) -> Any:
        from sluice.common import Row, RowKind
        names = self.get_field_names()
        if isinstance(obj, dict):
            return RowKind.INSERT.value, [obj.get(n) for n in names]
        if isinstance(obj, Row) and hasattr(obj, "_fields"):
            return obj.get_row_kind().value, [obj[n] for n in names]
        if isinstance(obj, Row):
            return obj.get_row_kind().value, list(obj)
        if isinstance(obj, (tuple, list)):
            return RowKind.INSERT.value, list(obj)
        if hasattr(obj, "__dict__"):
            return RowKind.INSERT.value, [obj.__dict__.get(n) for n in names]
        raise ValueError("Unexpected tuple %r with RowTypeInfo" % (obj,))

    def to_internal_type(self, obj: Any) -> Any:
        if obj is None:
            return None
        kind, values = self._values(obj)
        if self._need_serialize_any_field:
            values = [f.to_internal_type(v) if c else v for f, v, c in zip(self._field_types, values, self._need_conversion)]
        return (kind,) + tuple(values)

    def from_internal_type(self, obj: Any) -> Any:
        if obj is None or isinstance(obj, (tuple, list)):
            return obj
        if self._need_serialize_any_field:
            return tuple(f.from_internal_type(v) if c else v for f, v, c in zip(self._field_types, obj, self._need_conversion))
        return tuple(obj)


class TupleTypeInfo(TypeInformation):
    """Java tuples (Tuple1 ... Tuple25)."""

    def __init__(self, field_types: List[TypeInformation]) -> None:
        self._field_types = list(field_types)
        self._need_conversion = [f.need_conversion() if isinstance(f, TypeInformation) else None
                                 for f in self._field_types]
        self._need_serialize_any_field = any(self._need_conversion)
        super().__init__()

    def get_field_types(self) -> List[TypeInformation]:
        return self._field_types

    def need_conversion(self) -> bool:
        return self._need_serialize_any_field

    def to_internal_type(self, obj: Any) -> Any:
        if obj is None or not self._need_serialize_any_field:
            return obj
        return tuple(f.to_internal_type(v) if c else v for f, v, c in zip(self._field_types, obj, self._need_conversion))

    def from_internal_type(self, obj: Any) -> Any:
        if obj is None or not self._need_serialize_any_field:
            return obj
        return tuple(f.from_internal_type(v) if c else v for f, v, c in zip(self._field_types, obj, self._need_conversion))

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, TupleTypeInfo) and self._field_types == other._field_types

    def __repr__(self) -> str:
        return "TupleTypeInfo(%s)" % ", ".join(str(t) for t in self._field_types)


class DateTypeInfo(TypeInformation):
    """java.sql.Date; internally days since 1970-01-01."""

    EPOCH_ORDINAL = datetime.datetime(1970, 1, 1).toordinal()

    def need_conversion(self) -> bool:
        return True

    def to_internal_type(self, d: Any) -> Any:
        return None if d is None else d.toordinal() - self.EPOCH_ORDINAL

    def from_internal_type(self, v: Any) -> Any:
        return None if v is None else datetime.date.fromordinal(v + self.EPOCH_ORDINAL)

    def __eq__(self, o: Any) -> bool:
        return isinstance(o, DateTypeInfo)

    def __repr__(self) -> str:
        return "DateTypeInfo"


class TimeTypeInfo(TypeInformation):
    """java.sql.Time; internally microseconds of the day (local time, as
    java.sql.Time)."""

    EPOCH_ORDINAL = calendar.timegm(time.localtime(0)) * 10 ** 6

    def need_conversion(self) -> bool:
        return True

    def to_internal_type(self, t: Any) -> Any:
        if t is None:
            return None
        if t.tzinfo is not None:
            off = t.utcoffset() or datetime.timedelta()
            offset = (off.days * 86400 + off.seconds) * 10 ** 6 + off.microseconds
        else:
            offset = self.EPOCH_ORDINAL
        return ((t.hour * 60 + t.minute) * 60 + t.second) * 10 ** 6 + t.microsecond - offset

    def from_internal_type(self, t: Any) -> Any:
        if t is None:
            return None
        seconds, micros = divmod(t + self.EPOCH_ORDINAL, 10 ** 6)
        minutes, seconds = divmod(seconds, 60)
        hours, minutes = divmod(minutes, 60)
        return datetime.time(hours, minutes, seconds, micros)

    def __eq__(self, o: Any) -> bool:
        return isinstance(o, TimeTypeInfo)

    def __repr__(self) -> str:
        return "TimeTypeInfo"


class TimestampTypeInfo(TypeInformation):
    """java.sql.Timestamp; internally microseconds since the epoch."""

    def need_conversion(self) -> bool:
        return True

    def to_internal_type(self, dt: Any) -> Any:
        if dt is None:
            return None
        seconds = calendar.timegm(dt.utctimetuple()) if dt.tzinfo else time.mktime(dt.timetuple())
        return int(seconds) * 10 ** 6 + dt.microsecond

    def from_internal_type(self, ts: Any) -> Any:
        if ts is None:
            return None
        return datetime.datetime.fromtimestamp(ts // 10 ** 6).replace(microsecond=ts % 10 ** 6)

    def __eq__(self, o: Any) -> bool:
        return isinstance(o, TimestampTypeInfo)

    def __repr__(self) -> str:
        return "TimestampTypeInfo"


class ListTypeInfo(TypeInformation):
    """java.util.List of one element type."""

    def __init__(self, element_type: TypeInformation) -> None:
        self.elem_type = element_type
        super().__init__()

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, ListTypeInfo) and self.elem_type == other.elem_type

    def __repr__(self) -> str:
        return "ListTypeInfo<%s>" % self.elem_type


class MapTypeInfo(TypeInformation):
    """java.util.Map of a key and a value type."""

    def __init__(self, key_type_info: TypeInformation, value_type_info: TypeInformation) -> None:
        self._key_type_info = key_type_info
        self._value_type_info = value_type_info
        super().__init__()

    def __eq__(self, other: Any) -> bool:
        return (isinstance(other, MapTypeInfo) and self._key_type_info == other._key_type_info
                and self._value_type_info == other._value_type_info)

    def __repr__(self) -> str:
        return "MapTypeInfo<%s, %s>" % (self._key_type_info, self._value_type_info)


class LocalTimeTypeInfo(TypeInformation):
    """java.time.LocalDate/LocalTime/LocalDateTime."""

    class TimeType(Enum):
        LOCAL_DATE = 0
        LOCAL_TIME = 1
        LOCAL_DATE_TIME = 2

    def __init__(self, time_type: "LocalTimeTypeInfo.TimeType") -> None:
        self._time_type = time_type
        super().__init__()

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, LocalTimeTypeInfo) and self._time_type == other._time_type

    def __repr__(self) -> str:
        return "LocalTimeTypeInfo<%s>" % self._time_type.name


class ExternalTypeInfo(TypeInformation):
    """A Table API DataType used as a DataStream type."""

    def __init__(self, type_info: Any) -> None:
        self._type_info = type_info
        super().__init__()

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, ExternalTypeInfo) and self._type_info == other._type_info

    def __repr__(self) -> str:
        return "ExternalTypeInfo<%s>" % (self._type_info,)


class Types(object):
    """Factories of the type informations (``Types.INT()``, ...)."""

    @staticmethod
    def STRING() -> TypeInformation:
        return BasicTypeInfo.STRING_TYPE_INFO()

    @staticmethod
    def BYTE() -> TypeInformation:
        return BasicTypeInfo.BYTE_TYPE_INFO()

    @staticmethod
    def BOOLEAN() -> TypeInformation:
        return BasicTypeInfo.BOOLEAN_TYPE_INFO()

    @staticmethod
    def SHORT() -> TypeInformation:
        return BasicTypeInfo.SHORT_TYPE_INFO()

    @staticmethod
    def INT() -> TypeInformation:
        return BasicTypeInfo.INT_TYPE_INFO()

    @staticmethod
    def LONG() -> TypeInformation:
        return BasicTypeInfo.LONG_TYPE_INFO()

    @staticmethod
    def FLOAT() -> TypeInformation:
        return BasicTypeInfo.FLOAT_TYPE_INFO()

    @staticmethod
    def DOUBLE() -> TypeInformation:
        return BasicTypeInfo.DOUBLE_TYPE_INFO()

    @staticmethod
    def CHAR() -> TypeInformation:
        return BasicTypeInfo.CHAR_TYPE_INFO()

    @staticmethod
    def BIG_INT() -> TypeInformation:
        return BasicTypeInfo.BIG_INT_TYPE_INFO()

    @staticmethod
    def BIG_DEC() -> TypeInformation:
        return BasicTypeInfo.BIG_DEC_TYPE_INFO()

    @staticmethod
    def INSTANT() -> TypeInformation:
        return BasicTypeInfo.INSTANT_TYPE_INFO()

    @staticmethod
    def SQL_DATE() -> TypeInformation:
        return DateTypeInfo()

    @staticmethod
    def SQL_TIME() -> TypeInformation:
        return TimeTypeInfo()

    @staticmethod
    def SQL_TIMESTAMP() -> TypeInformation:
        return TimestampTypeInfo()

    @staticmethod
    def PICKLED_BYTE_ARRAY() -> TypeInformation:
        return PickledBytesTypeInfo()

    @staticmethod
    def ROW(field_types: List[TypeInformation]) -> TypeInformation:
        return RowTypeInfo(field_types)

    @staticmethod
    def ROW_NAMED(field_names: List[str], field_types: List[TypeInformation]) -> TypeInformation:
        return RowTypeInfo(field_types, field_names)

    @staticmethod
    def TUPLE(field_types: List[TypeInformation]) -> TypeInformation:
        return TupleTypeInfo(field_types)

    @staticmethod
    def PRIMITIVE_ARRAY(element_type: TypeInformation) -> TypeInformation:
        return PrimitiveArrayTypeInfo(element_type)

    @staticmethod
    def BASIC_ARRAY(element_type: TypeInformation) -> TypeInformation:
        return BasicArrayTypeInfo(element_type)

    @staticmethod
    def OBJECT_ARRAY(element_type: TypeInformation) -> TypeInformation:
        return ObjectArrayTypeInfo(element_type)

    @staticmethod
    def MAP(key_type_info: TypeInformation, value_type_info: TypeInformation) -> TypeInformation:
        return MapTypeInfo(key_type_info, value_type_info)

    @staticmethod
    def LIST(element_type_info: TypeInformation) -> TypeInformation:
        return ListTypeInfo(element_type_info)
