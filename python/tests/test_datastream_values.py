"""The DataStream-side values PyFlink programs import (type informations,
time, watermark strategies, windows, output tags, catalog paths): they
behave as PyFlink's (expected values as PyFlink 2.3 gives them), and
running DataStream programs is refused where it happens, not at import."""
import datetime
from io import BytesIO

import pytest

from pyflink.common import Duration, Row, Time, Types, WatermarkStrategy
from pyflink.common.serializer import TypeSerializer
from pyflink.common.typeinfo import BasicTypeInfo, RowTypeInfo, TypeInformation
from pyflink.common.watermark_strategy import TimestampAssigner
from pyflink.datastream import (MergingWindowAssigner, OutputTag, ProcessFunction, StreamExecutionEnvironment,
                                TimeWindow, CountWindow, Trigger, TriggerResult)
from pyflink.datastream.functions import WindowFunction
from pyflink.datastream.window import (CountSlidingWindowAssigner, CountWindowSerializer, EventTimeSessionWindows,
                                       SlidingEventTimeWindows, TimeWindowSerializer, TumblingEventTimeWindows)
from pyflink.table.catalog import CatalogDescriptor, ObjectPath


def test_type_information_repr_and_equality():
    assert [repr(getattr(Types, n)()) for n in ("STRING", "BYTE", "INT", "LONG", "BIG_DEC", "INSTANT", "SQL_DATE",
                                                 "SQL_TIMESTAMP", "PICKLED_BYTE_ARRAY")] == [
        "String", "Byte", "Integer", "Long", "BigDecimal", "Instant", "DateTypeInfo", "TimestampTypeInfo",
        "PickledByteArrayTypeInfo"]
    assert repr(Types.ROW([Types.INT(), Types.STRING()])) == "RowTypeInfo(Integer, String)"
    assert repr(Types.ROW_NAMED(["a", "b"], [Types.INT(), Types.STRING()])) == "RowTypeInfo(a: Integer, b: String)"
    assert repr(Types.TUPLE([Types.INT()])) == "TupleTypeInfo(Integer)"
    assert repr(Types.PRIMITIVE_ARRAY(Types.INT())) == "PrimitiveArrayTypeInfo<Integer>"
    assert repr(Types.BASIC_ARRAY(Types.INT())) == "BasicArrayTypeInfo<Integer>"
    assert repr(Types.OBJECT_ARRAY(Types.INT())) == "ObjectArrayTypeInfo<Integer>"
    assert repr(Types.MAP(Types.INT(), Types.STRING())) == "MapTypeInfo<Integer, String>"
    assert repr(Types.LIST(Types.INT())) == "ListTypeInfo<Integer>"
    assert Types.INT() == BasicTypeInfo.INT_TYPE_INFO() and Types.INT() != Types.LONG()
    assert Types.MAP(Types.INT(), Types.STRING()) != Types.MAP(Types.INT(), Types.LONG())
    # RowTypeInfo compares field types only, as PyFlink's
    assert Types.ROW([Types.INT()]) == Types.ROW_NAMED(["x"], [Types.INT()])
    assert isinstance(Types.INT(), TypeInformation)
    with pytest.raises(TypeError):
        hash(Types.INT())


def test_type_information_conversions():
    t = RowTypeInfo([Types.INT(), Types.SQL_DATE()], ["a", "b"])
    assert t.to_internal_type(Row(a=1, b=datetime.date(2020, 1, 2))) == (0, 1, 18263)
    assert t.from_internal_type([1, 18263]) == [1, 18263]
    assert Types.SQL_DATE().from_internal_type(18263) == datetime.date(2020, 1, 2)
    assert t.get_field_names() == ["a", "b"] and t.get_field_index("b") == 1


def test_time_values():
    assert str(Time.seconds(3)) == "3000 ms" and Time.minutes(1).to_milliseconds() == 60000
    assert Duration.of_seconds(2) == Duration.of_millis(2000)
    assert Duration.of_millis(1500).to_milliseconds() == 1500
    assert repr(Duration.of_minutes(61)) == "PT1H1M" and repr(Duration.of_millis(100)) == "PT0.1S"


def test_watermark_strategy_records_its_settings():
    class Assigner(TimestampAssigner):
        def extract_timestamp(self, value, record_timestamp):
            return value[0]

    a = Assigner()
    w = WatermarkStrategy.for_bounded_out_of_orderness(Duration.of_seconds(5))
    assert w.with_timestamp_assigner(a) is w and w._timestamp_assigner is a
    assert w._kind == "bounded_out_of_orderness" and w._max_out_of_orderness == Duration.of_seconds(5)
    idle = w.with_idleness(Duration.of_millis(100))
    assert idle is not w and idle._idle_timeout == Duration.of_millis(100)
    assert idle._max_out_of_orderness == Duration.of_seconds(5)
    assert WatermarkStrategy.for_monotonous_timestamps()._kind == "monotonous"
    with pytest.raises(TypeError):
        WatermarkStrategy.for_bounded_out_of_orderness(5)


def test_time_window_behaves_as_pyflinks():
    w = TimeWindow(0, 5)
    assert repr(w) == "TimeWindow(start=0, end=5)" and w.max_timestamp() == 4
    assert hash(w) == -1415878253157068815 and hash(CountWindow(7)) == 249359016132361011
    assert TimeWindow(0, 5) < TimeWindow(0, 6) and TimeWindow.get_window_start_with_offset(12, 0, 5) == 10
    calls = []

    class CB(MergingWindowAssigner.MergeCallback):
        def merge(self, to_be_merged, merge_result):
            calls.append((sorted(to_be_merged), merge_result))

    TimeWindow.merge_windows([TimeWindow(0, 5), TimeWindow(3, 8), TimeWindow(10, 15)], CB())
    assert calls == [([TimeWindow(0, 5), TimeWindow(3, 8)], TimeWindow(0, 8))]


def test_window_serializers_and_assigners():
    b = BytesIO()
    TimeWindowSerializer().serialize(TimeWindow(1, 2), b)
    assert b.getvalue() == b"\x00" * 7 + b"\x01" + b"\x00" * 7 + b"\x02"
    assert TimeWindowSerializer().deserialize(BytesIO(b.getvalue())) == TimeWindow(1, 2)
    b = BytesIO()
    CountWindowSerializer().serialize(CountWindow(3), b)
    assert b.getvalue() == b"\x00" * 7 + b"\x03"
    assert isinstance(TimeWindowSerializer(), TypeSerializer) and TimeWindowSerializer() == TimeWindowSerializer()
    assert TumblingEventTimeWindows.of(Time.seconds(5)).assign_windows(None, 12345, None) == [TimeWindow(10000, 15000)]
    assert SlidingEventTimeWindows.of(Time.seconds(10), Time.seconds(5)).assign_windows(None, 12345, None) == [
        TimeWindow(10000, 20000), TimeWindow(5000, 15000)]
    assert EventTimeSessionWindows.with_gap(Time.seconds(5)).assign_windows(None, 12345, None) == [
        TimeWindow(12345, 17345)]
    assert repr(TumblingEventTimeWindows.of(Time.seconds(5))) == "TumblingEventTimeWindows(5000, 0)"
    assert repr(CountSlidingWindowAssigner.of(3, 2)) == "CountSlidingWindowAssigner(3, 2)"
    assert TriggerResult.FIRE.is_fire() and not TriggerResult.FIRE.is_purge()
    assert TriggerResult.FIRE_AND_PURGE.value == (True, True)


def test_user_defined_windows_and_functions_subclass():
    class Assigner(MergingWindowAssigner[tuple, TimeWindow]):
        def merge_windows(self, windows, callback):
            pass

        def assign_windows(self, element, timestamp, context):
            return [TimeWindow(timestamp, timestamp + 5)]

        def get_default_trigger(self, env):
            return None

        def get_window_serializer(self):
            return TimeWindowSerializer()

        def is_event_time(self):
            return True

    class T(Trigger[tuple, TimeWindow]):
        def on_element(self, element, timestamp, window, ctx):
            return TriggerResult.CONTINUE

        def on_processing_time(self, time, window, ctx):
            return TriggerResult.CONTINUE

        def on_event_time(self, time, window, ctx):
            return TriggerResult.FIRE_AND_PURGE if time >= window.max_timestamp() else TriggerResult.CONTINUE

        def clear(self, window, ctx):
            pass

    class Sum(WindowFunction[tuple, tuple, str, TimeWindow]):
        def apply(self, key, window, inputs):
            return [(key, sum(i[1] for i in inputs))]

    class P(ProcessFunction):
        def process_element(self, value, ctx):
            yield value

    assert Assigner().assign_windows(None, 3, None) == [TimeWindow(3, 8)]
    assert T().on_event_time(4, TimeWindow(0, 5), None) is TriggerResult.FIRE_AND_PURGE
    assert Sum().apply("k", TimeWindow(0, 5), [("k", 1), ("k", 2)]) == [("k", 3)]
    assert list(P().process_element(1, None)) == [1]


def test_output_tag():
    t = OutputTag("side")
    assert t.tag_id == "side" and repr(t.type_info) == "PickledByteArrayTypeInfo"
    assert repr(OutputTag("r", [Types.INT()]).type_info) == "RowTypeInfo(Integer)"
    with pytest.raises(ValueError, match="tag_id cannot be None or empty string"):
        OutputTag("")


def test_datastream_programs_run():
    # (test_datastream_basic.py has the operators)
    env = StreamExecutionEnvironment.get_execution_environment()
    ds = env.from_collection([(1, "a")], type_info=Types.ROW([Types.INT(), Types.STRING()]))
    assert ds.get_type() == Types.ROW([Types.INT(), Types.STRING()])
    assert [tuple(r) for r in ds.execute_and_collect()] == [(1, "a")]


def test_object_path_and_catalog(stream_env):
    from pyflink.table import DataTypes, Schema, TableDescriptor
    p = ObjectPath("default_database", "T")
    assert str(p) == "default_database.T" and p == ObjectPath.from_string("default_database.T")
    assert p.get_database_name() == "default_database" and p.get_object_name() == "T"
    with pytest.raises(ValueError):
        ObjectPath.from_string("a.b.c")
    schema = Schema.new_builder().column("f0", DataTypes.INT()).build()
    stream_env.create_table("T", TableDescriptor.for_connector("datagen").schema(schema)
                            .option("number-of-rows", "1").build())
    catalog = stream_env.get_catalog(stream_env.get_current_catalog())
    assert catalog.table_exists(p) and not catalog.table_exists(ObjectPath("default_database", "U"))
    t = catalog.get_table(p)
    assert t.get_unresolved_schema() == schema
    assert t.get_options() == {"connector": "datagen", "number-of-rows": "1"}
    assert catalog.list_tables("default_database") == ["T"]
    assert stream_env.get_catalog("nope") is None
    table = stream_env.from_descriptor(TableDescriptor.for_connector("datagen").schema(schema).build())
    assert Schema.new_builder().from_resolved_schema(table.get_resolved_schema()).build() == schema
    d = CatalogDescriptor.of("mycat", __import__("pyflink.common", fromlist=["Configuration"]).Configuration())
    assert d.get_catalog_name() == "mycat"


def test_more_datastream_side_names():
    from pyflink.common import (ConfigOptions, InputDependencyConstraint, RestartStrategies, SimpleStringSchema)
    from pyflink.datastream import (DataStream, EmbeddedRocksDBStateBackend, HashMapStateBackend, MemorySize,
                                    SlotSharingGroup, TimeDomain, JobManagerCheckpointStorage)
    o = ConfigOptions.key("a.b").int_type().default_value(3)
    assert o.key() == "a.b" and o.default_value() == 3 and o.has_default_value()
    assert not ConfigOptions.key("c").string_type().no_default_value().has_default_value()
    r = RestartStrategies.fixed_delay_restart(3, 1000)
    assert r.get_restart_attempts() == 3 and r.get_delay_between_attempts_interval().total_seconds() == 1
    assert r == RestartStrategies.fixed_delay_restart(3, 1000) and RestartStrategies.no_restart() != r
    assert InputDependencyConstraint.ALL.name == "ALL" and TimeDomain.EVENT_TIME.value == 0
    s = SimpleStringSchema()
    assert s.deserialize(s.serialize("hé")) == "hé"
    m = MemorySize.of_mebi_bytes(3)
    assert m.get_bytes() == 3 << 20 and m.get_kibi_bytes() == 3 << 10 and m == MemorySize(bytes_size=3 << 20)
    g = SlotSharingGroup.builder("g").set_cpu_cores(1.5).set_task_heap_memory_mb(100).build()
    assert g.get_name() == "g" and g.get_cpu_cores() == 1.5 and g.get_task_heap_memory() == MemorySize.of_mebi_bytes(100)
    assert EmbeddedRocksDBStateBackend(True).is_incremental_checkpoints_enabled()
    assert JobManagerCheckpointStorage().get_max_state_size() == 5 * 1024 * 1024
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_state_backend(HashMapStateBackend())
    assert env.get_config().to_dict()["state.backend.type"] == "hashmap"
    assert isinstance(env.from_collection([1]), DataStream)
