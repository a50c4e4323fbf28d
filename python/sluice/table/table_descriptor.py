"""``TableDescriptor`` and ``FormatDescriptor`` (Flink 1.14+): tables
declared without DDL.

A descriptor is turned into DDL (``CREATE [TEMPORARY] TABLE ... WITH
(...)``) when it is registered, so it goes through the same connector
registry, option validation and errors as SQL. ``str()`` prints as
Flink's, options in the order Flink's HashMap holds them."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple, Union

from sluice.table._java_order import hashmap_order, map_string
from sluice.table.schema import Schema, _quote

__all__ = ["TableDescriptor", "FormatDescriptor"]


def _sql_string(s: str) -> str:
    return "'%s'" % str(s).replace("'", "''")


class FormatDescriptor:
    """A format and its options, e.g. ``FormatDescriptor.for_format('csv')
    .option('field-delimiter', '|').build()``; the options go under the
    format's prefix (``csv.field-delimiter``) in the table's options."""

    class Builder:
        def __init__(self, format: str) -> None:
            if not format:
                raise ValueError("Format must not be null or empty.")
            self._format = format
            self._options: List[Tuple[str, str]] = []

        def option(self, key: str, value: Any) -> "FormatDescriptor.Builder":
            self._options.append((str(key), _option_value(value)))
            return self

        def build(self) -> "FormatDescriptor":
            return FormatDescriptor(self._format, self._options)

    def __init__(self, format: str, options: Optional[List[Tuple[str, str]]] = None) -> None:
        self._format = format
        self._options = hashmap_order(list(options or []))

    @staticmethod
    def for_format(format: str) -> "FormatDescriptor.Builder":
        return FormatDescriptor.Builder(format)

    def get_format(self) -> str:
        return self._format

    def get_options(self) -> Dict[str, str]:
        return dict(self._options)

    def __str__(self) -> str:
        return "%s[%s]" % (self._format, map_string(self._options))

    def __repr__(self) -> str:
        return str(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FormatDescriptor) and (other._format, other._options) == (self._format, self._options)

    def __hash__(self) -> int:
        return hash((self._format, tuple(self._options.items())))


def _option_value(value: Any) -> str:
    """Option values as Flink's ConfigurationUtils writes them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class TableDescriptor:
    """A table's connector, schema, options, partition keys and comment:
    ``TableDescriptor.for_connector('datagen').schema(...).option(...)
    .build()``, registered with ``create_temporary_table``/``create_table``
    or read with ``from_descriptor``."""

    class Builder:
        def __init__(self, connector: Optional[str] = None) -> None:
            self._schema: Optional[Schema] = None
            self._options: List[Tuple[str, str]] = []
            if connector is not None:
                if not connector:
                    raise ValueError("Connector must not be null or empty.")
                self._options.append(("connector", connector))
            self._partition_keys: List[str] = []
            self._comment: Optional[str] = None

        def schema(self, schema: Schema) -> "TableDescriptor.Builder":
            self._schema = schema
            return self

        def option(self, key: str, value: Any) -> "TableDescriptor.Builder":
            self._options.append((str(key), _option_value(value)))
            return self

        def format(self, format: Union[str, FormatDescriptor], format_option: Optional[str] = None) -> "TableDescriptor.Builder":
            """The format, by name or as a FormatDescriptor whose options
            go under its prefix. ``format_option`` is the key that names
            the format (``value.format``, ``key.format``; default
            ``format``); its options then go under ``value.<format>.``."""
            key = format_option if format_option is not None else "format"
            key = getattr(key, "key", lambda: key)() if not isinstance(key, str) else key
            fd = format if isinstance(format, FormatDescriptor) else FormatDescriptor(format)
            self._options.append((key, fd.get_format()))
            prefix = key[:-len("format")] if key.endswith("format") else key + "."
            for k, v in fd.get_options().items():
                self._options.append(("%s%s.%s" % (prefix, fd.get_format(), k), v))
            return self

        def partitioned_by(self, *partition_keys: str) -> "TableDescriptor.Builder":
            self._partition_keys = list(partition_keys)
            return self

        def comment(self, comment: str) -> "TableDescriptor.Builder":
            self._comment = comment
            return self

        def build(self) -> "TableDescriptor":
            return TableDescriptor(self._schema, self._options, self._partition_keys, self._comment)

    def __init__(self, schema: Optional[Schema], options: List[Tuple[str, str]], partition_keys: List[str],
                 comment: Optional[str]) -> None:
        self._schema = schema
        self._options = hashmap_order(options)
        self._partition_keys = list(partition_keys)
        self._comment = comment

    @staticmethod
    def for_connector(connector: str) -> "TableDescriptor.Builder":
        return TableDescriptor.Builder(connector)

    def get_schema(self) -> Optional[Schema]:
        return self._schema

    def get_options(self) -> Dict[str, str]:
        return dict(self._options)

    def get_partition_keys(self) -> List[str]:
        return list(self._partition_keys)

    def get_comment(self) -> Optional[str]:
        return self._comment

    def to_builder(self) -> "TableDescriptor.Builder":
        b = TableDescriptor.Builder()
        b._schema = self._schema
        b._options = list(self._options.items())
        b._partition_keys = list(self._partition_keys)
        b._comment = self._comment
        return b

    def _ddl(self, name: str, temporary: bool, if_not_exists: bool = False, schema: Optional[Schema] = None) -> str:
        """CREATE TABLE for this descriptor; ``schema`` stands in when the
        descriptor has none (execute_insert takes the table's)."""
        schema = self._schema or schema
        if schema is None:
            raise ValueError("Table descriptor of connector '%s' has no schema: the engine cannot derive one from "
                             "the connector; set .schema(Schema.new_builder()...build())" % self._options.get("connector", "?"))
        parts = ["CREATE %sTABLE %s%s (\n  %s\n)" % ("TEMPORARY " if temporary else "", "IF NOT EXISTS " if if_not_exists else "",
                                                    _quote(name), ",\n  ".join(schema._ddl_items()))]
        if self._comment is not None:
            parts.append("COMMENT %s" % _sql_string(self._comment))
        if self._partition_keys:
            parts.append("PARTITIONED BY (%s)" % ", ".join(_quote(k) for k in self._partition_keys))
        parts.append("WITH (\n  %s\n)" % ",\n  ".join("%s = %s" % (_sql_string(k), _sql_string(v)) for k, v in self._options.items()))
        return "\n".join(parts)

    def __str__(self) -> str:
        out = str(self._schema) if self._schema is not None else ""
        out += "\n"
        if self._comment is not None:
            out += "COMMENT %s\n" % _sql_string(self._comment)
        if self._partition_keys:
            out += "PARTITIONED BY (%s)\n" % ", ".join(_quote(k) for k in self._partition_keys)
        out += "WITH (\n%s\n)" % ",\n".join("  %s = %s" % (_sql_string(k), _sql_string(v)) for k, v in self._options.items())
        return out

    def __repr__(self) -> str:
        return str(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TableDescriptor) and str(other) == str(self)

    def __hash__(self) -> int:
        return hash(str(self))
