"""Flink 1.10-1.13 descriptors (``pyflink.table.descriptors``):
``t_env.connect(Kafka()...).with_format(Csv()...).with_schema(Schema()
.field(...)).create_temporary_table(name)`` and the ``register_table_*``
methods of those versions.

Every descriptor produces Flink's descriptor properties
(``to_properties()``: ``connector.type``, ``connector.topic``,
``format.type``, ``schema.0.name``, ...). Registering one writes a CREATE
TEMPORARY TABLE whose columns come from the schema properties and whose
WITH options are the connector and format properties: the connector
registry already reads Flink 1.10's legacy keys (table/connector/legacy.go),
so these tables are validated and run exactly as the same legacy DDL."""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple, Union

__all__ = ["Rowtime", "Schema", "OldCsv", "Csv", "Avro", "Json", "CustomFormatDescriptor", "FileSystem", "Kafka",
           "Elasticsearch", "HBase", "CustomConnectorDescriptor", "ConnectTableDescriptor", "StreamTableDescriptor",
           "BatchTableDescriptor", "Descriptor", "FormatDescriptor", "ConnectorDescriptor"]

# Legacy type strings (TypeStringUtils) a field may be declared with.
_LEGACY_PROPERTY = {"SQL_TIMESTAMP": "TIMESTAMP(3)", "SQL_TIME": "TIME(0)", "SQL_DATE": "DATE"}
_LEGACY_SQL = {"SQL_TIMESTAMP": "TIMESTAMP(3)", "SQL_TIME": "TIME(0)", "SQL_DATE": "DATE", "VARCHAR": "STRING",
               "STRING": "STRING", "LONG": "BIGINT", "BYTE": "TINYINT", "SHORT": "SMALLINT", "BOOL": "BOOLEAN",
               "TIMESTAMP": "TIMESTAMP(3)", "TIME": "TIME(0)"}


def _serializable(data_type: Any) -> str:
    """A DataType as LogicalType.asSerializableString (what Flink writes
    into descriptor properties): STRING is VARCHAR(2147483647), TIME is
    TIME(0)."""
    if isinstance(data_type, str):
        return _LEGACY_PROPERTY.get(data_type.strip().upper(), data_type)
    sql = data_type.to_sql()
    sql = re.sub(r"\bSTRING\b", "VARCHAR(2147483647)", sql)
    sql = re.sub(r"\bBYTES\b", "VARBINARY(2147483647)", sql)
    sql = re.sub(r"\bTIME\b(?!\s*\()", "TIME(0)", sql)
    sql = re.sub(r"\bTIMESTAMP\b(?!\s*\()(?! WITH)", "TIMESTAMP(6)", sql)
    return sql


def _ddl_type(type_text: str) -> str:
    """A property's type as a DDL column type (legacy names translated)."""
    return _LEGACY_SQL.get(type_text.strip().upper(), type_text)


def _legacy_type_string(data_type: Any) -> str:
    """A DataType as a legacy type string (TypeStringUtils), which the
    ``format.schema`` property holds: ``ROW<a INT, b VARCHAR>``."""
    if isinstance(data_type, str):
        return data_type
    fields = getattr(data_type, "fields", None)
    if fields is not None:
        return "ROW<%s>" % ", ".join("%s %s" % (f.name, _legacy_type_string(f.data_type)) for f in fields)
    sql = re.sub(r"\s+NOT NULL$", "", data_type.to_sql())
    return {"STRING": "VARCHAR", "BYTES": "VARBINARY", "TIMESTAMP(3)": "TIMESTAMP", "TIME(0)": "TIME"}.get(sql, sql)


class Descriptor:
    """Something with descriptor properties."""

    def __init__(self) -> None:
        self._props: Dict[str, str] = {}

    def to_properties(self) -> Dict[str, str]:
        return dict(self._props)

    def _put(self, key: str, value: Any) -> Any:
        self._props[key] = "true" if value is True else "false" if value is False else str(value)
        return self


# -- rowtime and schema ---------------------------------------------------

class Rowtime(Descriptor):
    """A rowtime attribute: where timestamps come from and how watermarks
    are generated."""

    def timestamps_from_field(self, field_name: str) -> "Rowtime":
        self._put("rowtime.timestamps.type", "from-field")
        return self._put("rowtime.timestamps.from", field_name)

    def timestamps_from_source(self) -> "Rowtime":
        return self._put("rowtime.timestamps.type", "from-source")

    def timestamps_from_extractor(self, extractor: str) -> "Rowtime":
        raise NotImplementedError("Rowtime.timestamps_from_extractor: a Java TimestampExtractor; Sluice runs no Java. "
                                  "Use timestamps_from_field")

    def watermarks_periodic_ascending(self) -> "Rowtime":
        return self._put("rowtime.watermarks.type", "periodic-ascending")

    def watermarks_periodic_bounded(self, delay: int) -> "Rowtime":
        self._put("rowtime.watermarks.type", "periodic-bounded")
        return self._put("rowtime.watermarks.delay", int(delay))

    def watermarks_from_source(self) -> "Rowtime":
        return self._put("rowtime.watermarks.type", "from-source")

    def watermarks_from_strategy(self, strategy: str) -> "Rowtime":
        raise NotImplementedError("Rowtime.watermarks_from_strategy: a Java WatermarkStrategy; Sluice runs no Java. "
                                  "Use watermarks_periodic_bounded")


class Schema(Descriptor):
    """The table's fields (``schema.N.name``, ``schema.N.data-type``),
    with proctime and rowtime attributes."""

    def __init__(self, fields: Optional[Dict[str, Any]] = None) -> None:
        super().__init__()
        self._n = 0
        if fields:
            self.fields(fields)

    def schema(self, table_schema: Any) -> "Schema":
        for n, t in zip(table_schema.get_field_names(), table_schema.get_field_data_types()):
            self.field(n, t)
        return self

    def field(self, field_name: str, field_type: Any) -> "Schema":
        self._put("schema.%d.name" % self._n, field_name)
        self._put("schema.%d.data-type" % self._n, _serializable(field_type))
        self._n += 1
        return self

    def fields(self, fields: Dict[str, Any]) -> "Schema":
        if not isinstance(fields, dict):
            raise TypeError("fields takes a dict of field names to types (an OrderedDict keeps their order)")
        for n, t in fields.items():
            self.field(n, t)
        return self

    def _last(self) -> int:
        if self._n == 0:
            raise ValueError("No field previously defined. Use field() before.")
        return self._n - 1

    def from_origin_field(self, origin_field_name: str) -> "Schema":
        return self._put("schema.%d.from" % self._last(), origin_field_name)

    def proctime(self) -> "Schema":
        return self._put("schema.%d.proctime" % self._last(), True)

    def rowtime(self, rowtime: Rowtime) -> "Schema":
        i = self._last()
        for k, v in rowtime.to_properties().items():
            self._put("schema.%d.%s" % (i, k), v)
        return self


# -- formats ------------------------------------------------------------------

class FormatDescriptor(Descriptor):
    def __init__(self, type: str, version: int = 1) -> None:
        super().__init__()
        self._put("format.type", type)
        self._put("format.property-version", version)


class OldCsv(FormatDescriptor):
    """Flink's old CSV format (``format.type = csv`` with explicit fields)."""

    def __init__(self) -> None:
        super().__init__("csv")
        self._n = 0

    def field_delimiter(self, delimiter: str) -> "OldCsv":
        return self._put("format.field-delimiter", delimiter)

    def line_delimiter(self, delimiter: str) -> "OldCsv":
        return self._put("format.line-delimiter", delimiter)

    def quote_character(self, quote_character: str) -> "OldCsv":
        return self._put("format.quote-character", quote_character)

    def comment_prefix(self, prefix: str) -> "OldCsv":
        return self._put("format.comment-prefix", prefix)

    def ignore_first_line(self) -> "OldCsv":
        return self._put("format.ignore-first-line", True)

    def ignore_parse_errors(self) -> "OldCsv":
        return self._put("format.ignore-parse-errors", True)

    def field(self, field_name: str, field_type: Any) -> "OldCsv":
        self._put("format.fields.%d.name" % self._n, field_name)
        self._put("format.fields.%d.data-type" % self._n, _serializable(field_type))
        self._n += 1
        return self

    def schema(self, table_schema: Any) -> "OldCsv":
        for n, t in zip(table_schema.get_field_names(), table_schema.get_field_data_types()):
            self.field(n, t)
        return self


class Csv(FormatDescriptor):
    """The RFC 4180 CSV format."""

    def __init__(self) -> None:
        super().__init__("csv")

    def field_delimiter(self, delimiter: str) -> "Csv":
        return self._put("format.field-delimiter", delimiter)

    def line_delimiter(self, delimiter: str) -> "Csv":
        return self._put("format.line-delimiter", delimiter)

    def quote_character(self, quote_character: str) -> "Csv":
        return self._put("format.quote-character", quote_character)

    def allow_comments(self) -> "Csv":
        return self._put("format.allow-comments", True)

    def ignore_parse_errors(self) -> "Csv":
        return self._put("format.ignore-parse-errors", True)

    def array_element_delimiter(self, delimiter: str) -> "Csv":
        return self._put("format.array-element-delimiter", delimiter)

    def escape_character(self, escape_character: str) -> "Csv":
        return self._put("format.escape-character", escape_character)

    def null_literal(self, null_literal: str) -> "Csv":
        return self._put("format.null-literal", null_literal)

    def schema(self, schema_data_type: Any) -> "Csv":
        return self._put("format.schema", _legacy_type_string(schema_data_type))

    def derive_schema(self) -> "Csv":
        return self._put("format.derive-schema", True)


class Avro(FormatDescriptor):
    def __init__(self) -> None:
        super().__init__("avro")

    def record_class(self, record_class: str) -> "Avro":
        return self._put("format.record-class", record_class)

    def avro_schema(self, avro_schema: str) -> "Avro":
        return self._put("format.avro-schema", avro_schema)


class Json(FormatDescriptor):
    def __init__(self) -> None:
        super().__init__("json")

    def fail_on_missing_field(self, fail_on_missing_field: bool) -> "Json":
        return self._put("format.fail-on-missing-field", bool(fail_on_missing_field))

    def ignore_parse_errors(self, ignore_parse_errors: bool) -> "Json":
        return self._put("format.ignore-parse-errors", bool(ignore_parse_errors))

    def json_schema(self, json_schema: str) -> "Json":
        return self._put("format.json-schema", json_schema)

    def schema(self, schema_data_type: Any) -> "Json":
        return self._put("format.schema", _legacy_type_string(schema_data_type))

    def derive_schema(self) -> "Json":
        return self._put("format.derive-schema", True)


class CustomFormatDescriptor(FormatDescriptor):
    def __init__(self, type: str, version: int) -> None:
        super().__init__(type, version)

    def property(self, key: str, value: str) -> "CustomFormatDescriptor":
        return self._put(key, value)

    def properties(self, property_dict: Dict[str, str]) -> "CustomFormatDescriptor":
        for k, v in property_dict.items():
            self._put(k, v)
        return self


# -- connectors ----------------------------------------------------------

class ConnectorDescriptor(Descriptor):
    def __init__(self, type: str, version: int = 1, format_needed: bool = True) -> None:
        super().__init__()
        self._put("connector.type", type)
        self._put("connector.property-version", version)
        self._format_needed = format_needed


class FileSystem(ConnectorDescriptor):
    def __init__(self) -> None:
        super().__init__("filesystem")

    def path(self, path_str: str) -> "FileSystem":
        return self._put("connector.path", path_str)


class Kafka(ConnectorDescriptor):
    """Kafka, by Flink 1.10's keys; the start mode defaults to the consumer
    group's offsets, as there."""

    def __init__(self) -> None:
        super().__init__("kafka")
        self._put("connector.startup-mode", "group-offsets")
        self._offsets: List[Tuple[int, int]] = []

    def version(self, version: str) -> "Kafka":
        return self._put("connector.version", version)

    def topic(self, topic: str) -> "Kafka":
        return self._put("connector.topic", topic)

    def properties(self, property_dict: Dict[str, str]) -> "Kafka":
        for k, v in property_dict.items():
            self.property(k, v)
        return self

    def property(self, key: str, value: str) -> "Kafka":
        return self._put("connector.properties.%s" % key, value)

    def start_from_earliest(self) -> "Kafka":
        return self._start("earliest-offset")

    def start_from_latest(self) -> "Kafka":
        return self._start("latest-offset")

    def start_from_group_offsets(self) -> "Kafka":
        return self._start("group-offsets")

    def start_from_timestamp(self, timestamp: int) -> "Kafka":
        self._start("timestamp")
        return self._put("connector.startup-timestamp-millis", int(timestamp))

    def _start(self, mode: str) -> "Kafka":
        self._props.pop("connector.specific-offsets", None)
        self._props.pop("connector.startup-timestamp-millis", None)
        self._offsets = []
        return self._put("connector.startup-mode", mode)

    def start_from_specific_offsets(self, specific_offsets_dict: Dict[int, int]) -> "Kafka":
        self._start("specific-offsets")
        self._offsets = [(int(p), int(o)) for p, o in specific_offsets_dict.items()]
        return self._put("connector.specific-offsets", ";".join("partition:%d,offset:%d" % po for po in self._offsets))

    def start_from_specific_offset(self, partition: int, specific_offset: int) -> "Kafka":
        offsets = [po for po in self._offsets if po[0] != partition] + [(int(partition), int(specific_offset))]
        self._put("connector.startup-mode", "specific-offsets")
        self._offsets = offsets
        return self._put("connector.specific-offsets", ";".join("partition:%d,offset:%d" % po for po in offsets))

    def sink_partitioner_fixed(self) -> "Kafka":
        return self._put("connector.sink-partitioner", "fixed")

    def sink_partitioner_round_robin(self) -> "Kafka":
        return self._put("connector.sink-partitioner", "round-robin")

    def sink_partitioner_custom(self, partitioner_class_name: str) -> "Kafka":
        self._put("connector.sink-partitioner", "custom")
        return self._put("connector.sink-partitioner-class", partitioner_class_name)


class Elasticsearch(ConnectorDescriptor):
    """Properties only: the engine has no Elasticsearch connector, which
    registering the table reports."""

    def __init__(self) -> None:
        super().__init__("elasticsearch")
        self._hosts: List[str] = []

    def version(self, version: str) -> "Elasticsearch":
        return self._put("connector.version", version)

    def host(self, hostname: str, port: Union[int, str], protocol: str) -> "Elasticsearch":
        self._hosts.append("%s://%s:%s" % (protocol, hostname, port))
        return self._put("connector.hosts", ";".join(self._hosts))

    def index(self, index: str) -> "Elasticsearch":
        return self._put("connector.index", index)

    def document_type(self, document_type: str) -> "Elasticsearch":
        return self._put("connector.document-type", document_type)

    def key_delimiter(self, key_delimiter: str) -> "Elasticsearch":
        return self._put("connector.key-delimiter", key_delimiter)

    def key_null_literal(self, key_null_literal: str) -> "Elasticsearch":
        return self._put("connector.key-null-literal", key_null_literal)

    def failure_handler_fail(self) -> "Elasticsearch":
        return self._put("connector.failure-handler", "fail")

    def failure_handler_ignore(self) -> "Elasticsearch":
        return self._put("connector.failure-handler", "ignore")

    def failure_handler_retry_rejected(self) -> "Elasticsearch":
        return self._put("connector.failure-handler", "retry-rejected")

    def failure_handler_custom(self, failure_handler_class_name: str) -> "Elasticsearch":
        self._put("connector.failure-handler", "custom")
        return self._put("connector.failure-handler-class", failure_handler_class_name)

    def disable_flush_on_checkpoint(self) -> "Elasticsearch":
        return self._put("connector.flush-on-checkpoint", False)

    def bulk_flush_max_actions(self, max_actions_num: int) -> "Elasticsearch":
        return self._put("connector.bulk-flush.max-actions", max_actions_num)

    def bulk_flush_max_size(self, max_size: str) -> "Elasticsearch":
        return self._put("connector.bulk-flush.max-size", max_size)

    def bulk_flush_interval(self, interval: int) -> "Elasticsearch":
        return self._put("connector.bulk-flush.interval", interval)

    def bulk_flush_backoff_exponential(self) -> "Elasticsearch":
        return self._put("connector.bulk-flush.backoff.type", "exponential")

    def bulk_flush_backoff_constant(self) -> "Elasticsearch":
        return self._put("connector.bulk-flush.backoff.type", "constant")

    def bulk_flush_backoff_max_retries(self, max_retries: int) -> "Elasticsearch":
        return self._put("connector.bulk-flush.backoff.max-retries", max_retries)

    def bulk_flush_backoff_delay(self, delay: int) -> "Elasticsearch":
        return self._put("connector.bulk-flush.backoff.delay", delay)

    def connection_max_retry_timeout(self, max_retry_timeout: int) -> "Elasticsearch":
        return self._put("connector.connection-max-retry-timeout", max_retry_timeout)

    def connection_path_prefix(self, path_prefix: str) -> "Elasticsearch":
        return self._put("connector.connection-path-prefix", path_prefix)


class HBase(ConnectorDescriptor):
    """Properties only: the engine has no HBase connector."""

    def __init__(self) -> None:
        super().__init__("hbase", 1, False)

    def version(self, version: Any) -> "HBase":
        return self._put("connector.version", str(version))

    def table_name(self, table_name: str) -> "HBase":
        return self._put("connector.table-name", table_name)

    def zookeeper_quorum(self, zookeeper_quorum: str) -> "HBase":
        return self._put("connector.zookeeper.quorum", zookeeper_quorum)

    def zookeeper_node_parent(self, zookeeper_node_parent: str) -> "HBase":
        return self._put("connector.zookeeper.znode.parent", zookeeper_node_parent)

    def write_buffer_flush_max_size(self, max_size: Union[int, str]) -> "HBase":
        # MemorySize's text: a bare number is bytes; "10mb" is "10 mb".
        m = re.fullmatch(r"\s*(\d+)\s*([a-zA-Z]*)\s*", str(max_size))
        text = str(max_size) if not m else "%s %s" % (m.group(1), m.group(2).lower() or "bytes")
        return self._put("connector.write.buffer-flush.max-size", text)

    def write_buffer_flush_max_rows(self, write_buffer_flush_max_rows: int) -> "HBase":
        return self._put("connector.write.buffer-flush.max-rows", write_buffer_flush_max_rows)

    def write_buffer_flush_interval(self, interval: Union[int, str]) -> "HBase":
        return self._put("connector.write.buffer-flush.interval", interval)


class CustomConnectorDescriptor(ConnectorDescriptor):
    def __init__(self, type: str, version: int, format_needed: bool) -> None:
        super().__init__(type, version, format_needed)

    def property(self, key: str, value: str) -> "CustomConnectorDescriptor":
        return self._put(key, value)

    def properties(self, property_dict: Dict[str, str]) -> "CustomConnectorDescriptor":
        for k, v in property_dict.items():
            self._put(k, v)
        return self


# -- connect(): the table descriptor --------------------------------------

class ConnectTableDescriptor(Descriptor):
    """``t_env.connect(connector)``: the connector, a format, a schema and,
    for streams, an update mode; registered as a temporary table."""

    def __init__(self, t_env: Any, connector: ConnectorDescriptor) -> None:
        super().__init__()
        self._t_env = t_env
        self._connector = connector
        self._format: Optional[FormatDescriptor] = None
        self._schema: Optional[Schema] = None
        self._update_mode: Optional[str] = None

    def with_format(self, format_descriptor: FormatDescriptor) -> "ConnectTableDescriptor":
        self._format = format_descriptor
        return self

    def with_schema(self, schema: Schema) -> "ConnectTableDescriptor":
        self._schema = schema
        return self

    def to_properties(self) -> Dict[str, str]:
        props: Dict[str, str] = {}
        for d in (self._connector, self._format, self._schema):
            if d is not None:
                props.update(d.to_properties())
        if self._update_mode is not None:
            props["update-mode"] = self._update_mode
        return props

    def _ddl(self, name: str) -> str:
        props = self.to_properties()
        columns, watermark = _schema_columns(props)
        if not columns:
            raise ValueError("table %s: with_schema(Schema().field(...)) declares no fields; the engine takes a table's "
                             "columns from its schema" % name)
        # The update mode of Flink 1.10 streams: the planner infers what a
        # query produces and checks it against what the connector accepts.
        options = {k: v for k, v in props.items() if not k.startswith("schema.") and k != "update-mode"}
        items = columns + ([watermark] if watermark else [])
        return "CREATE TEMPORARY TABLE `%s` (\n  %s\n) WITH (\n  %s\n)" % (
            name.replace("`", "``"), ",\n  ".join(items),
            ",\n  ".join("'%s' = '%s'" % (k.replace("'", "''"), v.replace("'", "''")) for k, v in sorted(options.items())))

    def create_temporary_table(self, path: str) -> None:
        from sluice.table.table_environment import _unqualify
        self._register(_unqualify(path))

    def register_table_source(self, name: str) -> None:
        self._register(name)

    def register_table_sink(self, name: str) -> None:
        self._register(name)

    def register_table_source_and_sink(self, name: str) -> None:
        self._register(name)

    def _register(self, name: str) -> None:
        """One table serves as source and sink; registering the same
        properties under a name again (register_table_source, then
        register_table_sink) is a no-op, different ones fail as DDL."""
        ddl = self._ddl(name)
        seen = self._t_env.__dict__.setdefault("_descriptor_ddl", {})
        if seen.get(name) == ddl and name in self._t_env.list_temporary_tables():
            return
        self._t_env.execute_sql(ddl)
        seen[name] = ddl


class StreamTableDescriptor(ConnectTableDescriptor):
    def in_append_mode(self) -> "StreamTableDescriptor":
        self._update_mode = "append"
        return self

    def in_retract_mode(self) -> "StreamTableDescriptor":
        self._update_mode = "retract"
        return self

    def in_upsert_mode(self) -> "StreamTableDescriptor":
        self._update_mode = "upsert"
        return self


class BatchTableDescriptor(ConnectTableDescriptor):
    pass


def _schema_columns(props: Dict[str, str]) -> Tuple[List[str], Optional[str]]:
    """DDL column items and the watermark item for schema.N.* properties."""
    idx = sorted({int(m.group(1)) for k in props for m in [re.match(r"schema\.(\d+)\.name$", k)] if m})
    cols: List[str] = []
    watermark: Optional[str] = None
    for i in idx:
        p = "schema.%d." % i
        name = props[p + "name"]
        q = "`%s`" % name.replace("`", "``")
        if props.get(p + "from"):
            raise NotImplementedError("Schema.from_origin_field(%r) for field %r: the engine reads a field by its own name; "
                                      "name the field %r" % (props[p + "from"], name, props[p + "from"]))
        if props.get(p + "proctime") == "true":
            cols.append("%s AS PROCTIME()" % q)
            continue
        cols.append("%s %s" % (q, _ddl_type(props[p + "data-type"])))
        kind = props.get(p + "rowtime.timestamps.type")
        if kind is None:
            continue
        if kind != "from-field" or props.get(p + "rowtime.timestamps.from") != name:
            raise NotImplementedError("Rowtime of field %r: only timestamps_from_field(%r) (the field itself) is supported; "
                                      "declare the time column under its own name" % (name, name))
        wm = props.get(p + "rowtime.watermarks.type")
        if wm == "periodic-bounded":
            ms = int(props.get(p + "rowtime.watermarks.delay", "0"))
            watermark = "WATERMARK FOR %s AS %s - INTERVAL '%d.%03d' SECOND" % (q, q, ms // 1000, ms % 1000)
        elif wm == "periodic-ascending":
            watermark = "WATERMARK FOR %s AS %s - INTERVAL '0.001' SECOND" % (q, q)
    return cols, watermark
