"""Tables declared without DDL: TableDescriptor/FormatDescriptor/Schema
(Flink 1.14+, str() as PyFlink 2.3 prints it) and the Flink 1.10-1.13
descriptors of connect() (to_properties() as Flink's DescriptorProperties),
both registered through generated DDL."""
import collections
import os

import pytest

from pyflink.table import DataTypes, FormatDescriptor, Schema, TableDescriptor
from pyflink.table.descriptors import (Csv, CustomConnectorDescriptor, FileSystem, Json, Kafka, OldCsv, Rowtime)
from pyflink.table.descriptors import Schema as LegacySchema
from pyflink.table.expressions import col


def full_schema():
    return (Schema.new_builder()
            .column("id", DataTypes.BIGINT().not_null())
            .column("name", DataTypes.STRING())
            .column("ts", "TIMESTAMP(3)")
            .column_by_expression("id2", "id * 2")
            .column_by_expression("id3", col("id") + 1)
            .column_by_metadata("off", DataTypes.BIGINT(), "offset", True)
            .watermark("ts", "ts - INTERVAL '5' SECOND")
            .primary_key("id")
            .build())


def test_schema_str_as_flink():
    assert str(full_schema()) == (
        "(\n  `id` BIGINT NOT NULL,\n  `name` STRING,\n  `ts` [TIMESTAMP(3)],\n  `id2` AS [id * 2],\n"
        "  `id3` AS plus(id, 1),\n  `off` BIGINT METADATA FROM 'offset' VIRTUAL,\n"
        "  WATERMARK FOR `ts` AS [ts - INTERVAL '5' SECOND],\n  CONSTRAINT `PK_id` PRIMARY KEY (`id`) NOT ENFORCED\n)")
    s = (Schema.new_builder().from_row_data_type(DataTypes.ROW([DataTypes.FIELD("a", DataTypes.INT()),
                                                               DataTypes.FIELD("b", DataTypes.STRING())]))
         .primary_key_named("pk", "a").build())
    assert str(s) == "(\n  `a` INT,\n  `b` STRING,\n  CONSTRAINT `pk` PRIMARY KEY (`a`) NOT ENFORCED\n)"
    s = Schema.new_builder().from_fields(["a", "b"], [DataTypes.INT(), DataTypes.STRING()]).build()
    assert str(s) == "(\n  `a` INT,\n  `b` STRING\n)"


def test_table_descriptor_str_and_getters_as_flink():
    d = (TableDescriptor.for_connector("kafka").schema(full_schema()).option("topic", "t")
         .option("properties.bootstrap.servers", "x:9092")
         .format(FormatDescriptor.for_format("csv").option("field-delimiter", "|").build())
         .partitioned_by("name").comment("a comment").build())
    assert str(d) == str(full_schema()) + (
        "\nCOMMENT 'a comment'\nPARTITIONED BY (`name`)\nWITH (\n  'properties.bootstrap.servers' = 'x:9092',\n"
        "  'connector' = 'kafka',\n  'format' = 'csv',\n  'topic' = 't',\n  'csv.field-delimiter' = '|'\n)")
    # Options in the order of Flink's HashMap, as PyFlink returns them.
    assert list(d.get_options().items()) == [("properties.bootstrap.servers", "x:9092"), ("connector", "kafka"),
                                             ("format", "csv"), ("topic", "t"), ("csv.field-delimiter", "|")]
    assert d.get_partition_keys() == ["name"] and d.get_comment() == "a comment"
    assert d.get_schema() == full_schema()
    assert str(TableDescriptor.for_connector("kafka").format("json").build()) == \
        "\nWITH (\n  'connector' = 'kafka',\n  'format' = 'json'\n)"
    fd = FormatDescriptor.for_format("json").option("ignore-parse-errors", "true").build()
    assert (str(fd), fd.get_format(), fd.get_options()) == ("json[{ignore-parse-errors=true}]", "json", {"ignore-parse-errors": "true"})
    d = TableDescriptor.for_connector("kafka").format(fd, "value.format").build()
    assert d.get_options() == {"connector": "kafka", "value.format": "json", "value.json.ignore-parse-errors": "true"}


def datagen(rows=3):
    return (TableDescriptor.for_connector("datagen")
            .schema(Schema.new_builder().column("a", DataTypes.INT()).column_by_expression("b", col("a") + 1).build())
            .option("number-of-rows", str(rows)).option("fields.a.kind", "sequence")
            .option("fields.a.start", "1").option("fields.a.end", str(rows)).build())


def test_descriptor_tables_run(batch_env, tmp_path):
    batch_env.create_temporary_table("src", datagen())
    assert [tuple(r) for r in batch_env.from_path("src").execute().collect()] == [(1, 2), (2, 3), (3, 4)]
    t = batch_env.from_descriptor(datagen(2))
    assert [tuple(r) for r in t.execute().collect()] == [(1, 2), (2, 3)]
    assert batch_env.list_tables() == ["src"]  # anonymous tables are listed nowhere
    assert batch_env.create_table("perm", datagen()) is True
    assert batch_env.create_table("perm", datagen(), ignore_if_exists=True) is False
    assert batch_env.list_temporary_tables() == ["src"]
    with pytest.raises(ValueError, match=r"Could not execute CreateTable in path `default_catalog`.`default_database`.`perm`"):
        batch_env.create_table("perm", datagen())
    batch_env.create_temporary_table("src", datagen(), True)  # exists: a no-op
    with pytest.raises(ValueError, match=r"Temporary table '`default_catalog`.`default_database`.`src`' already exists"):
        batch_env.create_temporary_table("src", datagen())
    sink = (TableDescriptor.for_connector("filesystem").option("path", str(tmp_path))
            .format(FormatDescriptor.for_format("csv").option("field-delimiter", "|").build()).build())
    t.execute_insert(sink).wait()
    assert sorted(open(os.path.join(tmp_path, f)).read() for f in os.listdir(tmp_path)) == ["1|2\n2|3\n"]


def test_descriptor_errors_come_from_the_connector(batch_env):
    bad = TableDescriptor.for_connector("datagen").schema(Schema.new_builder().column("a", DataTypes.INT()).build()) \
        .option("no-such-option", "1").build()
    batch_env.create_temporary_table("bad", bad)  # options are checked where the table is used, as in Flink
    with pytest.raises(ValueError, match="no-such-option"):
        batch_env.from_path("bad")
    with pytest.raises(ValueError, match="has no schema"):
        batch_env.create_temporary_table("bad2", TableDescriptor.for_connector("datagen").build())


def test_legacy_connector_properties():
    assert FileSystem().path("/test.csv").to_properties() == {
        "connector.property-version": "1", "connector.type": "filesystem", "connector.path": "/test.csv"}
    assert Kafka().version("0.11").topic("topic1").to_properties() == {
        "connector.version": "0.11", "connector.type": "kafka", "connector.topic": "topic1",
        "connector.startup-mode": "group-offsets", "connector.property-version": "1"}
    assert Kafka().properties({"bootstrap.servers": "localhost:9092"}).property("group.id", "g").to_properties() == {
        "connector.type": "kafka", "connector.startup-mode": "group-offsets", "connector.property-version": "1",
        "connector.properties.bootstrap.servers": "localhost:9092", "connector.properties.group.id": "g"}
    assert Kafka().start_from_earliest().to_properties()["connector.startup-mode"] == "earliest-offset"
    assert Kafka().start_from_latest().to_properties()["connector.startup-mode"] == "latest-offset"
    p = Kafka().start_from_specific_offsets({1: 220, 3: 400}).to_properties()
    assert (p["connector.startup-mode"], p["connector.specific-offsets"]) == ("specific-offsets", "partition:1,offset:220;partition:3,offset:400")
    assert Kafka().start_from_specific_offset(3, 300).to_properties()["connector.specific-offsets"] == "partition:3,offset:300"
    assert Kafka().sink_partitioner_round_robin().to_properties()["connector.sink-partitioner"] == "round-robin"
    assert CustomConnectorDescriptor("kafka", 1, True).property("connector.topic", "t1") \
        .properties({"connector.version": "0.11"}).to_properties() == {
        "connector.type": "kafka", "connector.property-version": "1", "connector.topic": "t1", "connector.version": "0.11"}


def test_legacy_format_and_schema_properties():
    assert OldCsv().field_delimiter("|").field("a", DataTypes.BIGINT()).field("b", DataTypes.STRING()) \
        .field("c", "SQL_TIMESTAMP").to_properties() == {
        "format.field-delimiter": "|", "format.type": "csv", "format.property-version": "1",
        "format.fields.0.name": "a", "format.fields.0.data-type": "BIGINT",
        "format.fields.1.name": "b", "format.fields.1.data-type": "VARCHAR(2147483647)",
        "format.fields.2.name": "c", "format.fields.2.data-type": "TIMESTAMP(3)"}
    assert Csv().schema(DataTypes.ROW([DataTypes.FIELD("a", DataTypes.INT()), DataTypes.FIELD("b", DataTypes.STRING())])) \
        .to_properties() == {"format.schema": "ROW<a INT, b VARCHAR>", "format.property-version": "1", "format.type": "csv"}
    assert Csv().derive_schema().ignore_parse_errors().to_properties() == {
        "format.derive-schema": "true", "format.ignore-parse-errors": "true", "format.property-version": "1", "format.type": "csv"}
    assert Json().fail_on_missing_field(True).to_properties() == {
        "format.fail-on-missing-field": "true", "format.property-version": "1", "format.type": "json"}
    fields = collections.OrderedDict([("i", DataTypes.INT()), ("t", DataTypes.TIME()), ("s", "VARCHAR"), ("d", "SQL_DATE")])
    assert LegacySchema().fields(fields).to_properties() == {
        "schema.0.name": "i", "schema.0.data-type": "INT", "schema.1.name": "t", "schema.1.data-type": "TIME(0)",
        "schema.2.name": "s", "schema.2.data-type": "VARCHAR", "schema.3.name": "d", "schema.3.data-type": "DATE"}
    s = LegacySchema().field("p", DataTypes.BIGINT()).proctime() \
        .field("r", DataTypes.BIGINT()).rowtime(Rowtime().timestamps_from_field("r").watermarks_periodic_bounded(5000))
    assert s.to_properties() == {
        "schema.0.name": "p", "schema.0.data-type": "BIGINT", "schema.0.proctime": "true",
        "schema.1.name": "r", "schema.1.data-type": "BIGINT", "schema.1.rowtime.timestamps.type": "from-field",
        "schema.1.rowtime.timestamps.from": "r", "schema.1.rowtime.watermarks.type": "periodic-bounded",
        "schema.1.rowtime.watermarks.delay": "5000"}


def test_connect_table_descriptor_properties(stream_env):
    d = stream_env.connect(FileSystem()).with_format(OldCsv()).with_schema(LegacySchema().field("a", "INT"))
    assert d.to_properties() == {"schema.0.name": "a", "schema.0.data-type": "INT", "format.type": "csv",
                                 "format.property-version": "1", "connector.type": "filesystem",
                                 "connector.property-version": "1"}
    assert d.in_append_mode().to_properties()["update-mode"] == "append"


def test_connect_registers_legacy_tables_that_run(batch_env, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("1,Hi,Hello\n2,Hello,Hello\n")
    out = tmp_path / "out"

    def schema():
        return LegacySchema().field("a", DataTypes.INT()).field("b", DataTypes.STRING()).field("c", DataTypes.STRING())

    batch_env.connect(FileSystem().path(str(src))) \
        .with_format(OldCsv().field_delimiter(",").field("a", DataTypes.INT()).field("b", DataTypes.STRING())
                     .field("c", DataTypes.STRING())) \
        .with_schema(schema()).create_temporary_table("source")
    sink = batch_env.connect(FileSystem().path(str(out))).with_format(OldCsv().field_delimiter("|")).with_schema(schema())
    sink.register_table_sink("sink")
    sink.register_table_source("sink")  # the same table as a source too: no error
    batch_env.from_path("source").execute_insert("sink").wait()
    assert [open(os.path.join(out, f)).read() for f in os.listdir(out)] == ["1|Hi|Hello\n2|Hello|Hello\n"]


def test_connect_kafka_declares_the_seed_table(stream_env):
    stream_env.connect(Kafka().version("universal").topic("cdn").start_from_earliest()
                       .property("bootstrap.servers", "localhost:9092").property("group.id", "g")) \
        .with_format(Csv().field_delimiter(",").derive_schema()) \
        .with_schema(LegacySchema().field("uuid", DataTypes.STRING()).field("ts", DataTypes.TIMESTAMP(3))
                     .rowtime(Rowtime().timestamps_from_field("ts").watermarks_periodic_bounded(5000))) \
        .in_append_mode().create_temporary_table("cdn_access_log")
    rows = [tuple(r) for r in stream_env.execute_sql("DESCRIBE cdn_access_log").collect()]
    assert [r[0] for r in rows] == ["uuid", "ts"]
    assert "INTERVAL" in str(rows[1][5])
    stream_env.connect(Kafka().version("0.8").topic("t")).with_format(Csv()) \
        .with_schema(LegacySchema().field("a", "INT")).create_temporary_table("old")
    with pytest.raises(ValueError, match="connector.version"):
        stream_env.from_path("old")
