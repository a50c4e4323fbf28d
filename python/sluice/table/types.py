"""PyFlink's ``DataTypes``: SQL data types that render as Flink SQL text.

Sluice's planner parses that text, so a type here and the same type in a
``CREATE TABLE`` statement are one and the same.
"""
from __future__ import annotations

from typing import List, Optional, Sequence


class DataType:
    """A SQL data type; ``nullable`` is False for ``NOT NULL`` types."""

    def __init__(self, sql: str, nullable: bool = True) -> None:
        self._sql = sql
        self._nullable = nullable

    def not_null(self) -> "DataType":
        return self._copy(False)

    def nullable(self) -> "DataType":
        return self._copy(True)

    def _copy(self, nullable: bool) -> "DataType":
        c = object.__new__(type(self))
        c.__dict__.update(self.__dict__)
        c._nullable = nullable
        return c

    def to_sql(self) -> str:
        return self._sql if self._nullable else self._sql + " NOT NULL"

    def __str__(self) -> str:
        return self.to_sql()

    def __repr__(self) -> str:
        return "DataTypes." + self.to_sql()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DataType) and self.to_sql() == other.to_sql()

    def __hash__(self) -> int:
        return hash(self.to_sql())


class RowField:
    def __init__(self, name: str, data_type: DataType, description: Optional[str] = None) -> None:
        self.name = name
        self.data_type = data_type
        self.description = description

    def to_sql(self) -> str:
        return "`%s` %s" % (self.name.replace("`", "``"), self.data_type.to_sql())


class RowType(DataType):
    def __init__(self, fields: Sequence[RowField], nullable: bool = True) -> None:
        self.fields: List[RowField] = list(fields)
        super().__init__("ROW<%s>" % ", ".join(f.to_sql() for f in self.fields), nullable)

    def field_names(self) -> List[str]:
        return [f.name for f in self.fields]

    def field_types(self) -> List[DataType]:
        return [f.data_type for f in self.fields]


class ArrayType(DataType):
    def __init__(self, element_type: DataType, nullable: bool = True) -> None:
        self.element_type = element_type
        super().__init__("ARRAY<%s>" % element_type.to_sql(), nullable)


class MapType(DataType):
    def __init__(self, key_type: DataType, value_type: DataType, nullable: bool = True) -> None:
        self.key_type = key_type
        self.value_type = value_type
        super().__init__("MAP<%s, %s>" % (key_type.to_sql(), value_type.to_sql()), nullable)


class DataTypes:
    """The factory of data types, as ``pyflink.table.DataTypes``."""

    @staticmethod
    def NULL() -> DataType:
        return DataType("NULL")

    @staticmethod
    def CHAR(length: int = 1, nullable: bool = True) -> DataType:
        return DataType("CHAR(%d)" % length, nullable)

    @staticmethod
    def VARCHAR(length: int = 2147483647, nullable: bool = True) -> DataType:
        return DataType("STRING" if length == 2147483647 else "VARCHAR(%d)" % length, nullable)

    @staticmethod
    def STRING(nullable: bool = True) -> DataType:
        return DataType("STRING", nullable)

    @staticmethod
    def BOOLEAN(nullable: bool = True) -> DataType:
        return DataType("BOOLEAN", nullable)

    @staticmethod
    def BINARY(length: int = 1, nullable: bool = True) -> DataType:
        return DataType("BINARY(%d)" % length, nullable)

    @staticmethod
    def VARBINARY(length: int = 2147483647, nullable: bool = True) -> DataType:
        return DataType("BYTES" if length == 2147483647 else "VARBINARY(%d)" % length, nullable)

    @staticmethod
    def BYTES(nullable: bool = True) -> DataType:
        return DataType("BYTES", nullable)

    @staticmethod
    def DECIMAL(precision: int = 10, scale: int = 0, nullable: bool = True) -> DataType:
        return DataType("DECIMAL(%d, %d)" % (precision, scale), nullable)

    @staticmethod
    def TINYINT(nullable: bool = True) -> DataType:
        return DataType("TINYINT", nullable)

    @staticmethod
    def SMALLINT(nullable: bool = True) -> DataType:
        return DataType("SMALLINT", nullable)

    @staticmethod
    def INT(nullable: bool = True) -> DataType:
        return DataType("INT", nullable)

    @staticmethod
    def BIGINT(nullable: bool = True) -> DataType:
        return DataType("BIGINT", nullable)

    @staticmethod
    def FLOAT(nullable: bool = True) -> DataType:
        return DataType("FLOAT", nullable)

    @staticmethod
    def DOUBLE(nullable: bool = True) -> DataType:
        return DataType("DOUBLE", nullable)

    @staticmethod
    def DATE(nullable: bool = True) -> DataType:
        return DataType("DATE", nullable)

    @staticmethod
    def TIME(precision: int = 0, nullable: bool = True) -> DataType:
        return DataType("TIME(%d)" % precision, nullable)

    @staticmethod
    def TIMESTAMP(precision: int = 6, nullable: bool = True) -> DataType:
        return DataType("TIMESTAMP(%d)" % precision, nullable)

    @staticmethod
    def TIMESTAMP_LTZ(precision: int = 6, nullable: bool = True) -> DataType:
        return DataType("TIMESTAMP_LTZ(%d)" % precision, nullable)

    @staticmethod
    def TIMESTAMP_WITH_LOCAL_TIME_ZONE(precision: int = 6, nullable: bool = True) -> DataType:
        return DataTypes.TIMESTAMP_LTZ(precision, nullable)

    @staticmethod
    def ARRAY(element_type: DataType, nullable: bool = True) -> ArrayType:
        return ArrayType(element_type, nullable)

    @staticmethod
    def MAP(key_type: DataType, value_type: DataType, nullable: bool = True) -> MapType:
        return MapType(key_type, value_type, nullable)

    @staticmethod
    def MULTISET(element_type: DataType, nullable: bool = True) -> DataType:
        raise NotImplementedError("DataTypes.MULTISET: Sluice has no MULTISET type yet")

    @staticmethod
    def FIELD(name: str, data_type: DataType, description: Optional[str] = None) -> RowField:
        return RowField(name, data_type, description)

    @staticmethod
    def ROW(row_fields: Sequence[RowField] = (), nullable: bool = True) -> RowType:
        return RowType(row_fields, nullable)


def _type_sql(t: object) -> str:
    """The SQL text of a DataType, or of a type given as SQL text."""
    if isinstance(t, DataType):
        return t.to_sql()
    if isinstance(t, str):
        return t
    raise TypeError("expected a DataType (DataTypes.INT(), ...), got %s" % type(t).__name__)
