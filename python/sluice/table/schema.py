"""``Schema`` (``pyflink.table.Schema``, Flink 1.14+): the columns,
watermark and primary key of a table declared without DDL. ``str()``
prints as Flink's Schema; ``_ddl_items()`` gives the same declaration as
CREATE TABLE column items, which TableDescriptor turns into DDL."""
from __future__ import annotations

from typing import Any, List, Optional, Tuple, Union

__all__ = ["Schema"]


def _quote(name: str) -> str:
    return "`%s`" % name.replace("`", "``")


def _type_sql(data_type: Any) -> str:
    """A column type as SQL: a DataType's SQL form, or the string given."""
    if isinstance(data_type, str):
        return data_type
    to_sql = getattr(data_type, "to_sql", None)
    if callable(to_sql):
        return to_sql()
    raise TypeError("a column type is a DataType or a SQL type string, got %s" % type(data_type).__name__)


def _type_str(data_type: Any) -> str:
    """As Flink prints a column type: a string type is unresolved and
    shown in brackets."""
    return "[%s]" % data_type if isinstance(data_type, str) else _type_sql(data_type)


def _expr_sql(expr: Any) -> str:
    """SQL text of a column expression: a SQL string, or an Expression."""
    if isinstance(expr, str):
        return expr
    item = getattr(expr, "_item", None)
    if callable(item):
        return item()[0]
    raise TypeError("an expression is a SQL string or an Expression, got %s" % type(expr).__name__)


def _expr_str(expr: Any) -> str:
    """As Flink prints it: SQL strings in brackets, expressions by their
    summary (``plus(id, 1)``)."""
    return "[%s]" % expr if isinstance(expr, str) else str(expr)


class Schema:
    """A table's schema; built with ``Schema.new_builder()``."""

    class Builder:
        def __init__(self) -> None:
            # Items: ("physical", name, type) | ("computed", name, expr) |
            # ("metadata", name, type, key, virtual)
            self._columns: List[Tuple[Any, ...]] = []
            self._watermark: Optional[Tuple[str, Any]] = None
            self._primary_key: Optional[Tuple[str, List[str]]] = None

        def from_schema(self, unresolved_schema: "Schema") -> "Schema.Builder":
            self._columns += unresolved_schema._columns
            if unresolved_schema._watermark is not None:
                self._watermark = unresolved_schema._watermark
            if unresolved_schema._primary_key is not None:
                self._primary_key = unresolved_schema._primary_key
            return self

        def from_resolved_schema(self, resolved_schema: Any) -> "Schema.Builder":
            """The columns of a ResolvedSchema (``table.get_resolved_schema()``)
            or, as Flink 1.12-1.13 scripts pass, a TableSchema."""
            if hasattr(resolved_schema, "get_column_names"):
                names = resolved_schema.get_column_names()
                types = resolved_schema.get_column_data_types()
            else:
                from sluice.table.types import _parse_type
                names = resolved_schema.get_field_names()
                types = [_parse_type(t) if isinstance(t, str) else t for t in resolved_schema.get_field_data_types()]
            return self.from_fields(names, types)

        def from_row_data_type(self, data_type: Any) -> "Schema.Builder":
            """The fields of a ROW type, as physical columns."""
            fields = getattr(data_type, "fields", None)
            if fields is None:
                raise TypeError("from_row_data_type takes DataTypes.ROW([...])")
            for f in fields:
                self.column(f.name, f.data_type)
            return self

        def from_fields(self, field_names: List[str], field_data_types: List[Any]) -> "Schema.Builder":
            if len(field_names) != len(field_data_types):
                raise ValueError("Field names and field data types must have the same length.")
            for n, t in zip(field_names, field_data_types):
                self.column(n, t)
            return self

        def column(self, column_name: str, data_type: Union[str, Any]) -> "Schema.Builder":
            """A physical column: its type is a DataType or a SQL type."""
            _type_sql(data_type)
            self._columns.append(("physical", column_name, data_type))
            return self

        def column_by_expression(self, column_name: str, expr: Union[str, Any]) -> "Schema.Builder":
            """A computed column: a SQL expression or an Expression over the
            other columns."""
            _expr_sql(expr)
            self._columns.append(("computed", column_name, expr))
            return self

        def column_by_metadata(self, column_name: str, data_type: Union[str, Any],
                               metadata_key: Optional[str] = None, is_virtual: bool = False) -> "Schema.Builder":
            self._columns.append(("metadata", column_name, data_type, metadata_key, is_virtual))
            return self

        def watermark(self, column_name: str, watermark_expr: Union[str, Any]) -> "Schema.Builder":
            _expr_sql(watermark_expr)
            self._watermark = (column_name, watermark_expr)
            return self

        def primary_key(self, *column_names: str) -> "Schema.Builder":
            """A primary key named ``PK_<columns>``, as Flink names it."""
            return self.primary_key_named("PK_" + "_".join(column_names), *column_names)

        def primary_key_named(self, constraint_name: str, *column_names: str) -> "Schema.Builder":
            if self._primary_key is not None:
                raise ValueError("Multiple primary keys are not supported.")
            if not column_names:
                raise ValueError("Primary key constraint must be defined for at least a single column.")
            self._primary_key = (constraint_name, list(column_names))
            return self

        def build(self) -> "Schema":
            return Schema(list(self._columns), self._watermark, self._primary_key)

    def __init__(self, columns: Optional[List[Tuple[Any, ...]]] = None, watermark: Optional[Tuple[str, Any]] = None,
                 primary_key: Optional[Tuple[str, List[str]]] = None) -> None:
        self._columns = list(columns or [])
        self._watermark = watermark
        self._primary_key = primary_key

    @staticmethod
    def new_builder() -> "Schema.Builder":
        return Schema.Builder()

    def _items(self, sql: bool) -> List[str]:
        out = []
        for c in self._columns:
            kind, name = c[0], _quote(c[1])
            if kind == "physical":
                out.append("%s %s" % (name, _type_sql(c[2]) if sql else _type_str(c[2])))
            elif kind == "computed":
                out.append("%s AS %s" % (name, _expr_sql(c[2]) if sql else _expr_str(c[2])))
            else:
                s = "%s %s METADATA" % (name, _type_sql(c[2]) if sql else _type_str(c[2]))
                if c[3] is not None:
                    s += " FROM '%s'" % c[3].replace("'", "''")
                if c[4]:
                    s += " VIRTUAL"
                out.append(s)
        if self._watermark is not None:
            col, expr = self._watermark
            out.append("WATERMARK FOR %s AS %s" % (_quote(col), _expr_sql(expr) if sql else _expr_str(expr)))
        if self._primary_key is not None:
            name, cols = self._primary_key
            out.append("CONSTRAINT %s PRIMARY KEY (%s) NOT ENFORCED" % (_quote(name), ", ".join(_quote(c) for c in cols)))
        return out

    def _ddl_items(self) -> List[str]:
        return self._items(True)

    def _field_names(self) -> List[str]:
        return [c[1] for c in self._columns]

    def __str__(self) -> str:
        items = self._items(False)
        if not items:
            return "(\n\n)"
        return "(\n" + ",\n".join("  " + i for i in items) + "\n)"

    def __repr__(self) -> str:
        return str(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Schema) and str(other) == str(self)

    def __hash__(self) -> int:
        return hash(str(self))
