"""``pyflink.datastream.connectors``: DataStream sources and sinks. Each
is declared as a table of the engine's connectors (kafka, filesystem) and
read or written through it: a source's records become the elements in
column f0, a sink's table receives the elements' columns (SimpleStringSchema
and text files: the element's text, as Java's toString; JSON: a Row's
fields)."""
from __future__ import annotations

import itertools
from typing import Any, Dict, List, Optional, Tuple

__all__ = ["Source", "Sink", "DeliveryGuarantee"]

_tables = itertools.count(1)


class Source(object):
    """A DataStream source (from_source)."""

    def _declare(self, type_info: Any) -> Tuple[List[Tuple[str, str]], Dict[str, str], Any, str]:
        """(columns (name, SQL type), connector options, element type,
        SQL of f0 over the columns)."""
        raise NotImplementedError


class Sink(object):
    """A DataStream sink (sink_to)."""

    def _declare_sink(self, stream: Any) -> Tuple[Any, str, Dict[str, str]]:
        """(a builder of the table the sink writes, its column DDL, its
        connector options)."""
        raise NotImplementedError


class DeliveryGuarantee(object):
    EXACTLY_ONCE = "exactly-once"
    AT_LEAST_ONCE = "at-least-once"
    NONE = "none"


def _declare_table(t_env: Any, columns: List[Tuple[str, str]], options: Dict[str, str]) -> str:
    from sluice.table.expression import _quote_ident
    name = "__datastream_table_%d" % next(_tables)
    cols = ", ".join("%s %s" % (_quote_ident(n), t) for n, t in columns)
    with_ = ", ".join("'%s' = '%s'" % (k, str(v).replace("'", "''")) for k, v in options.items())
    t_env.execute_sql("CREATE TEMPORARY TABLE %s (%s) WITH (%s)" % (_quote_ident(name), cols, with_))
    return name


def _source_stream(env: Any, source: Any, source_name: str, type_info: Optional[Any]) -> Any:
    from sluice.datastream.data_stream import DataStream
    if not isinstance(source, Source):
        raise TypeError("from_source takes a Source of pyflink.datastream.connectors (KafkaSource, FileSource), "
                        "not %r" % (source,))
    columns, options, element_type, f0 = source._declare(type_info)

    def build(t_env: Any) -> Any:
        from sluice.table.expression import _quote_ident
        name = _declare_table(t_env, columns, options)
        return t_env.sql_query("SELECT %s AS `f0` FROM %s" % (f0, _quote_ident(name)))
    return DataStream(env, element_type, build, source_name)


def _text_file_stream(env: Any, path: str, source_name: str) -> Any:
    from sluice.datastream.connectors.file_system import FileSource, StreamFormat
    return _source_stream(env, FileSource.for_record_stream_format(StreamFormat.text_line_format(), path).build(),
                          source_name, None)


def _sink_of(stream: Any, sink: Any) -> Any:
    if not isinstance(sink, Sink):
        raise TypeError("sink_to/add_sink take a Sink of pyflink.datastream.connectors (KafkaSink, FileSink, "
                        "FlinkKafkaProducer), not %r" % (sink,))
    build, columns, options = sink._declare_sink(stream)

    def target(t_env: Any) -> str:
        return _declare_table(t_env, columns, options)
    from sluice.datastream.data_stream import DataStream
    values = DataStream(stream._env, stream._type_info, build, "Sink", [stream])
    return stream._env._add_sink(values, type(sink).__name__, target)


def _text_columns(stream: Any) -> Tuple[Any, List[Tuple[str, str]]]:
    """The elements as their text (Java's toString, as SimpleStringSchema
    and SimpleStringEncoder write them): a builder, one STRING column."""
    text = stream._as_text()
    return text._values_only(), [("f0", "STRING")]


def _row_columns(stream: Any, type_info: Any) -> Tuple[Any, List[Tuple[str, str]]]:
    """A stream of Rows as the Rows' fields (JSON rows)."""
    from sluice.common.typeinfo import RowTypeInfo
    from sluice.datastream import _convert
    from sluice.table.expression import _quote_ident
    if not isinstance(type_info, RowTypeInfo):
        raise TypeError("a JSON row schema takes a RowTypeInfo (Types.ROW_NAMED), not %r" % (type_info,))
    names = type_info.get_field_names()
    types = [_convert.data_type_of(t).to_sql() for t in type_info.get_field_types()]
    if _convert._unwrap(stream.get_type()) != type_info:
        stream = stream.map(lambda v: v, type_info)
    inner = stream._values_only()

    def build(t_env: Any) -> Any:
        view = _quote_ident(str(inner(t_env)))
        return t_env.sql_query("SELECT %s FROM %s" % (
            ", ".join("(`f0`).%s AS %s" % (_quote_ident(n), _quote_ident(n)) for n in names), view))
    return build, list(zip(names, types))


def _row_source_columns(type_info: Any) -> Tuple[List[Tuple[str, str]], str]:
    """A source table's columns for Rows of type_info, and f0 over them."""
    from sluice.common.typeinfo import RowTypeInfo
    from sluice.datastream import _convert
    from sluice.table.expression import _quote_ident
    if not isinstance(type_info, RowTypeInfo):
        raise TypeError("a JSON row schema takes a RowTypeInfo (Types.ROW_NAMED), not %r" % (type_info,))
    names = type_info.get_field_names()
    types = [_convert.data_type_of(t).to_sql() for t in type_info.get_field_types()]
    row = _convert.data_type_of(type_info).to_sql().replace(" NOT NULL", "")
    f0 = "CAST(ROW(%s) AS %s)" % (", ".join(_quote_ident(n) for n in names), row)
    return list(zip(names, types)), f0


def _value_format(schema: Any, type_info: Any = None) -> Tuple[List[Tuple[str, str]], Dict[str, str], Any, str]:
    """Columns, format options, element type and f0 of a
    DeserializationSchema."""
    from sluice.common.serialization import ByteArraySchema, SimpleStringSchema
    from sluice.common.typeinfo import Types
    from sluice.datastream.formats.json import JsonRowDeserializationSchema
    if isinstance(schema, SimpleStringSchema):
        return [("f0", "STRING")], {"format": "raw"}, Types.STRING(), "`f0`"
    if isinstance(schema, ByteArraySchema):
        return [("f0", "BYTES")], {"format": "raw"}, Types.PRIMITIVE_ARRAY(Types.BYTE()), "`f0`"
    if isinstance(schema, JsonRowDeserializationSchema):
        cols, f0 = _row_source_columns(schema._type_info)
        opts = {"format": "json"}
        if schema._ignore_parse_errors:
            opts["json.ignore-parse-errors"] = "true"
        if schema._fail_on_missing_field:
            opts["json.fail-on-missing-field"] = "true"
        return cols, opts, schema._type_info, f0
    raise TypeError("Sluice reads SimpleStringSchema, ByteArraySchema and JsonRowDeserializationSchema records, "
                    "not %s" % type(schema).__name__)


def _sink_format(schema: Any, stream: Any) -> Tuple[Any, List[Tuple[str, str]], Dict[str, str]]:
    from sluice.common.serialization import SimpleStringSchema
    from sluice.datastream.formats.json import JsonRowSerializationSchema
    if isinstance(schema, SimpleStringSchema):
        build, cols = _text_columns(stream)
        return build, cols, {"format": "raw"}
    if isinstance(schema, JsonRowSerializationSchema):
        build, cols = _row_columns(stream, schema._type_info)
        return build, cols, {"format": "json"}
    raise TypeError("Sluice writes SimpleStringSchema and JsonRowSerializationSchema records, not %s"
                    % type(schema).__name__)
