"""DataStream sources and sinks (FileSource/FileSink, KafkaSource/KafkaSink
with SimpleStringSchema and JSON rows) and event time
(assign_timestamps_and_watermarks). Expected values are PyFlink 2.3's
for the same programs where Flink runs them without extra jars (files,
watermarks); the Kafka tests round-trip through a broker
(SLUICE_TEST_KAFKA, started by `make test`)."""
import glob
import os
import uuid

import pytest

from pyflink.common import Duration, Row, Types, WatermarkStrategy
from pyflink.common.serialization import Encoder, SimpleStringSchema
from pyflink.common.watermark_strategy import TimestampAssigner
from pyflink.datastream import StreamExecutionEnvironment
from pyflink.datastream.connectors.file_system import FileSink, FileSource, StreamFormat
from pyflink.datastream.connectors.kafka import (KafkaOffsetsInitializer, KafkaRecordSerializationSchema, KafkaSink,
                                                 KafkaSource)
from pyflink.datastream.formats.json import JsonRowDeserializationSchema, JsonRowSerializationSchema
from pyflink.table import Schema, StreamTableEnvironment


@pytest.fixture
def env():
    e = StreamExecutionEnvironment.get_execution_environment()
    e.set_parallelism(1)
    return e


def test_file_source_lines(env, tmp_path):
    p = tmp_path / "lines.txt"
    p.write_text("a b\nc\n\nd e f\n")
    src = FileSource.for_record_stream_format(StreamFormat.text_line_format(), str(p)).build()
    fs = env.from_source(src, WatermarkStrategy.no_watermarks(), "files")
    assert repr(fs.get_type()) == "String"
    assert list(fs.execute_and_collect()) == ["a b", "c", "", "d e f"]
    assert list(fs.flat_map(lambda line: line.split(), Types.STRING()).execute_and_collect()) == [
        "a", "b", "c", "d", "e", "f"]
    assert list(env.read_text_file(str(p)).execute_and_collect()) == ["a b", "c", "", "d e f"]


def test_file_sink_writes_each_elements_text(env, tmp_path):
    out = tmp_path / "out"
    ds = env.from_collection([(1, "a"), (2, "b")], Types.ROW([Types.INT(), Types.STRING()]))
    ds.sink_to(FileSink.for_row_format(str(out), Encoder.simple_string_encoder()).build())
    env.from_collection([1.5, 2.0], Types.DOUBLE()).sink_to(
        FileSink.for_row_format(str(tmp_path / "d"), Encoder.simple_string_encoder()).build())
    env.execute()
    lines = [line for f in sorted(glob.glob(str(out / "**"), recursive=True)) if os.path.isfile(f)
             for line in open(f).read().splitlines()]
    assert sorted(lines) == ["+I[1,a]", "+I[2,b]"]
    lines = [line for f in glob.glob(str(tmp_path / "d" / "**"), recursive=True) if os.path.isfile(f)
             for line in open(f).read().splitlines()]
    assert sorted(lines) == ["1.5", "2.0"]


class FirstField(TimestampAssigner):
    def extract_timestamp(self, value, record_timestamp):
        assert record_timestamp == -9223372036854775808
        return value[0]


DATA = [(1000, "a"), (2000, "b"), (7000, "a"), (3000, "late?"), (12000, "c"), (4000, "late")]
ROWTIME = Schema.new_builder().column_by_metadata("rowtime", "TIMESTAMP_LTZ(3)").watermark(
    "rowtime", "SOURCE_WATERMARK()").build()


@pytest.mark.parametrize("strategy", [
    WatermarkStrategy.for_bounded_out_of_orderness(Duration.of_seconds(2)),
    WatermarkStrategy.for_monotonous_timestamps()])
def test_timestamps_and_watermarks_reach_an_event_time_window(env, strategy):
    t_env = StreamTableEnvironment.create(env)
    t_env.get_config().set("table.local-time-zone", "UTC")
    ds = env.from_collection(DATA, Types.TUPLE([Types.LONG(), Types.STRING()]))
    ws = ds.assign_timestamps_and_watermarks(strategy.with_timestamp_assigner(FirstField()))
    t = t_env.from_data_stream(ws, ROWTIME)
    assert t.get_schema().get_field_names() == ["f0", "f1", "rowtime"]
    assert str(t.get_schema().get_field_data_types()[2]) == "TIMESTAMP_LTZ(3) *ROWTIME*"
    t_env.create_temporary_view("ev", t)
    r = t_env.execute_sql("SELECT window_start, window_end, COUNT(*) AS c, MAX(f1) FROM TABLE(TUMBLE(TABLE ev, "
                          "DESCRIPTOR(rowtime), INTERVAL '5' SECOND)) GROUP BY window_start, window_end")
    # Flink 2.3: the elements arrive before the first periodic watermark,
    # so none is late.
    assert sorted(tuple(str(x) for x in row) for row in r.collect()) == [
        ("1970-01-01 00:00:00", "1970-01-01 00:00:05", "4", "late?"),
        ("1970-01-01 00:00:05", "1970-01-01 00:00:10", "1", "a"),
        ("1970-01-01 00:00:10", "1970-01-01 00:00:15", "1", "c")]
    # the timestamps go on through map and filter
    m = ws.map(lambda v: v[1], Types.STRING()).filter(lambda s: s != "c")
    t2 = t_env.from_data_stream(m, ROWTIME)
    assert [(r[0], r[1].timestamp()) for r in t2.execute().collect()] == [
        ("a", 1.0), ("b", 2.0), ("a", 7.0), ("late?", 3.0), ("late", 4.0)]


def test_idleness_is_passed_on(env):
    ds = env.from_collection(DATA, Types.TUPLE([Types.LONG(), Types.STRING()])).assign_timestamps_and_watermarks(
        WatermarkStrategy.for_monotonous_timestamps().with_idleness(Duration.of_millis(300))
        .with_timestamp_assigner(FirstField()))
    # (the strategy's idle timeout reaches the watermark assigner: the
    # planner reads SLUICE_DS_WATERMARK's fourth argument)
    assert [v[1] for v in ds.execute_and_collect()] == [v[1] for v in DATA]


def test_watermarks_need_timestamps(env):
    with pytest.raises(ValueError, match="TimestampAssigner"):
        env.from_collection([1], Types.INT()).assign_timestamps_and_watermarks(
            WatermarkStrategy.for_monotonous_timestamps())


KAFKA = os.environ.get("SLUICE_TEST_KAFKA")
needs_kafka = pytest.mark.skipif(not KAFKA, reason="SLUICE_TEST_KAFKA is not set: run `make test`, which starts Kafka")


@needs_kafka
def test_kafka_strings_round_trip(env):
    topic = "ds_str_" + uuid.uuid4().hex[:8]
    sink = KafkaSink.builder().set_bootstrap_servers(KAFKA).set_record_serializer(
        KafkaRecordSerializationSchema.builder().set_topic(topic).set_value_serialization_schema(
            SimpleStringSchema()).build()).build()
    env.from_collection([(1, "a"), (2, "b")], Types.ROW([Types.INT(), Types.STRING()])).sink_to(sink)
    env.from_collection(["x"], Types.STRING()).sink_to(sink)
    env.execute()
    src = KafkaSource.builder().set_bootstrap_servers(KAFKA).set_topics(topic).set_group_id("g") \
        .set_starting_offsets(KafkaOffsetsInitializer.earliest()).set_bounded(KafkaOffsetsInitializer.latest()) \
        .set_value_only_deserializer(SimpleStringSchema()).build()
    ds = env.from_source(src, WatermarkStrategy.no_watermarks(), "kafka")
    assert sorted(ds.execute_and_collect()) == ["+I[1,a]", "+I[2,b]", "x"]


@needs_kafka
def test_kafka_json_rows_round_trip(env):
    topic = "ds_json_" + uuid.uuid4().hex[:8]
    ti = Types.ROW_NAMED(["id", "name"], [Types.INT(), Types.STRING()])
    sink = KafkaSink.builder().set_bootstrap_servers(KAFKA).set_record_serializer(
        KafkaRecordSerializationSchema.builder().set_topic(topic).set_value_serialization_schema(
            JsonRowSerializationSchema.builder().with_type_info(ti).build()).build()).build()
    env.from_collection([(1, "a"), (2, None)], ti).sink_to(sink)
    env.execute()
    src = KafkaSource.builder().set_bootstrap_servers(KAFKA).set_topics(topic) \
        .set_starting_offsets(KafkaOffsetsInitializer.earliest()).set_bounded(KafkaOffsetsInitializer.latest()) \
        .set_value_only_deserializer(JsonRowDeserializationSchema.builder().type_info(ti).build()).build()
    rows = list(env.from_source(src, WatermarkStrategy.no_watermarks(), "kafka").execute_and_collect())
    # (the topic's partitions are read in no fixed order)
    assert sorted(repr(r) for r in rows) == ["Row(id=1, name='a')", "Row(id=2, name=None)"]
    assert Row(id=1, name="a") in rows
