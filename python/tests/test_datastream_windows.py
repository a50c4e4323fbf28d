"""key_by(...).window(...) / count_window(...) on the keyed stateful
operator: reduce, aggregate, apply and process over tumbling, sliding,
session and count windows. Expected values are PyFlink 2.3's for the same
programs."""
import pytest

from pyflink.common import Time, Types, WatermarkStrategy
from pyflink.common.watermark_strategy import TimestampAssigner
from pyflink.datastream import StreamExecutionEnvironment
from pyflink.datastream.functions import AggregateFunction, ProcessWindowFunction, WindowFunction
from pyflink.datastream.window import EventTimeSessionWindows, SlidingEventTimeWindows, TumblingEventTimeWindows

DATA = [("a", 1, 1000), ("b", 2, 1500), ("a", 3, 2000), ("a", 5, 6000), ("b", 6, 9000), ("a", 7, 9500)]
T3 = Types.TUPLE([Types.STRING(), Types.INT(), Types.LONG()])


class ThirdField(TimestampAssigner):
    def extract_timestamp(self, value, record_timestamp):
        return value[2]


@pytest.fixture
def env():
    e = StreamExecutionEnvironment.get_execution_environment()
    e.set_parallelism(1)
    return e


@pytest.fixture
def keyed(env):
    ds = env.from_collection(DATA, T3).assign_timestamps_and_watermarks(
        WatermarkStrategy.for_monotonous_timestamps().with_timestamp_assigner(ThirdField()))
    return ds.key_by(lambda x: x[0], Types.STRING())


class Avg(AggregateFunction):
    def create_accumulator(self):
        return (0, 0)

    def add(self, value, acc):
        return (acc[0] + value[1], acc[1] + 1)

    def get_result(self, acc):
        return acc[0] / acc[1]

    def merge(self, a, b):
        return (a[0] + b[0], a[1] + b[1])


class Contents(ProcessWindowFunction):
    def process(self, key, context, elements):
        w = context.window()
        yield "%s [%d,%d) %s" % (key, w.start, w.end, sorted(e[1] for e in elements))


class Sizes(WindowFunction):
    def apply(self, key, window, inputs):
        return ["%s %d %d" % (key, window.end, len(list(inputs)))]


def test_tumbling_reduce_and_apply(keyed):
    r = keyed.window(TumblingEventTimeWindows.of(Time.seconds(5))).reduce(
        lambda a, b: (a[0], a[1] + b[1], max(a[2], b[2])))
    assert repr(r.get_type()) == "TupleTypeInfo(String, Integer, Long)"
    assert list(r.execute_and_collect()) == [("a", 4, 2000), ("b", 2, 1500), ("a", 12, 9500), ("b", 6, 9000)]
    a = keyed.window(TumblingEventTimeWindows.of(Time.seconds(5))).apply(Sizes(), Types.STRING())
    assert list(a.execute_and_collect()) == ["a 5000 2", "b 5000 1", "a 10000 2", "b 10000 1"]


def test_sliding_aggregate(keyed):
    g = keyed.window(SlidingEventTimeWindows.of(Time.seconds(6), Time.seconds(3))).aggregate(
        Avg(), output_type=Types.DOUBLE())
    # Flink 2.3 gives [2.0, 2.0, 2.0, 2.0, 5.0, 6.0, 6.0, 6.0, 7.0]; windows
    # of different keys ending at the same time may fire in either order.
    assert sorted(g.execute_and_collect()) == [2.0, 2.0, 2.0, 2.0, 5.0, 6.0, 6.0, 6.0, 7.0]


def test_session_process(keyed):
    p = keyed.window(EventTimeSessionWindows.with_gap(Time.seconds(3))).process(Contents(), Types.STRING())
    assert list(p.execute_and_collect()) == [
        "b [1500,4500) [2]", "a [1000,5000) [1, 3]", "a [6000,9000) [5]", "b [9000,12000) [6]", "a [9500,12500) [7]"]


def test_count_window(env):
    c = env.from_collection(DATA, T3).key_by(lambda x: x[0], Types.STRING()).count_window(2).reduce(
        lambda a, b: (a[0], a[1] + b[1], b[2]))
    assert list(c.execute_and_collect()) == [("a", 4, 2000), ("b", 8, 9000), ("a", 12, 9500)]


def test_a_tables_rowtime_times_the_windows_of_its_stream(env, tmp_path):
    # (PyFlink 2.3 cannot key a stream of rows with a TIMESTAMP field; the
    # windows here are the tumbling windows of the rows' ts by hand.)
    from pyflink.table import StreamTableEnvironment
    p = tmp_path / "ev.csv"
    p.write_text("a,1,2024-01-01 00:00:01\nb,2,2024-01-01 00:00:03\na,3,2024-01-01 00:00:07\n"
                 "a,4,2024-01-01 00:00:12\n")
    t_env = StreamTableEnvironment.create(env)
    t_env.get_config().set("table.local-time-zone", "UTC")
    t_env.execute_sql("CREATE TABLE ev (k STRING, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' "
                      "SECOND) WITH ('connector' = 'filesystem', 'path' = '%s', 'format' = 'csv')" % p)
    ds = t_env.to_data_stream(t_env.from_path("ev"))
    assert repr(ds.get_type()) == ("ExternalTypeInfo<RowTypeInfo(k: String, v: Integer, "
                                   "ts: LocalTimeTypeInfo<LOCAL_DATE_TIME>)>")

    class Values(ProcessWindowFunction):
        def process(self, key, context, elements):
            yield "%s %d %s" % (key, context.window().end, [e.v for e in elements])

    w = ds.key_by(lambda r: r.k, Types.STRING()).window(TumblingEventTimeWindows.of(Time.seconds(5))).process(
        Values(), Types.STRING())
    start = 1704067200000  # 2024-01-01 00:00:00 UTC
    assert list(w.execute_and_collect()) == [
        "a %d [1]" % (start + 5000), "b %d [2]" % (start + 5000), "a %d [3]" % (start + 10000),
        "a %d [4]" % (start + 15000)]


def test_a_keyed_streams_map_keeps_the_timestamps(keyed):
    # the map's results are windowed by the elements' timestamps
    w = keyed.map(lambda x: (x[0], x[1] * 10, x[2]), T3).key_by(lambda x: x[0], Types.STRING()).window(
        TumblingEventTimeWindows.of(Time.seconds(5))).reduce(lambda a, b: (a[0], a[1] + b[1], max(a[2], b[2])))
    assert list(w.execute_and_collect()) == [("a", 40, 2000), ("b", 20, 1500), ("a", 120, 9500), ("b", 60, 9000)]
