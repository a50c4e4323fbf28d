"""KeyedStream.process and reduce on the keyed stateful operator (state in
the engine's keyed backend, timers checkpointed with it). Expected values
are PyFlink 2.3's for the same programs (run with /tmp/pyflink-venv,
parallelism 2, outputs sorted: the order across keys is not defined)."""
import sqlite3
from typing import Any, List

import pytest

from pyflink.common import Row, Time, Types, WatermarkStrategy
from pyflink.common.watermark_strategy import TimestampAssigner
from pyflink.datastream import StreamExecutionEnvironment
from pyflink.datastream.functions import AggregateFunction, KeyedProcessFunction, ProcessWindowFunction, ReduceFunction
from pyflink.datastream.state import ListStateDescriptor, MapStateDescriptor, ValueStateDescriptor
from pyflink.datastream.window import (CountSlidingWindowAssigner, CountTumblingWindowAssigner,
                                       EventTimeSessionWindows, SlidingEventTimeWindows, TumblingEventTimeWindows)
from pyflink.table import StreamTableEnvironment

from _restore import savepoint_round_trip

DATA = [("a", 1, 1000), ("b", 2, 2000), ("a", 3, 3000), ("c", 4, 4000), ("a", 5, 12000), ("b", 6, 13000),
        ("a", 7, 21000), ("c", 8, 25000)]
T = Types.TUPLE([Types.STRING(), Types.INT(), Types.LONG()])
MIN = -9223372036854775808


@pytest.fixture
def env() -> Any:
    e = StreamExecutionEnvironment.get_execution_environment()
    e.set_parallelism(2)
    return e


def collect(ds: Any) -> List[str]:
    with ds.execute_and_collect() as res:
        return sorted(str(r) for r in res)


class TS(TimestampAssigner):
    def extract_timestamp(self, value: Any, record_timestamp: int) -> int:
        return value[2]


def timed(env: Any) -> Any:
    return env.from_collection(DATA, type_info=T).assign_timestamps_and_watermarks(
        WatermarkStrategy.for_monotonous_timestamps().with_timestamp_assigner(TS()))


class Count(KeyedProcessFunction):
    def open(self, ctx: Any) -> None:
        self.count = ctx.get_state(ValueStateDescriptor("count", Types.LONG()))
        self.seen = ctx.get_list_state(ListStateDescriptor("seen", Types.INT()))
        self.m = ctx.get_map_state(MapStateDescriptor("m", Types.STRING(), Types.INT()))

    def process_element(self, value: Any, ctx: Any) -> Any:
        c = (self.count.value() or 0) + 1
        self.count.update(c)
        self.seen.add(value[1])
        self.m.put("last", value[1])
        yield "%s count=%d seen=%s last=%s ts=%s" % (ctx.get_current_key(), c, list(self.seen.get()),
                                                     self.m.get("last"), ctx.timestamp())


def test_value_list_and_map_state_per_key(env: Any) -> None:
    want = ["a count=1 seen=[1] last=1 ts=%s", "a count=2 seen=[1, 3] last=3 ts=%s",
            "a count=3 seen=[1, 3, 5] last=5 ts=%s", "a count=4 seen=[1, 3, 5, 7] last=7 ts=%s",
            "b count=1 seen=[2] last=2 ts=%s", "b count=2 seen=[2, 6] last=6 ts=%s",
            "c count=1 seen=[4] last=4 ts=%s", "c count=2 seen=[4, 8] last=8 ts=%s"]
    ds = env.from_collection(DATA, type_info=T).key_by(lambda x: x[0], key_type=Types.STRING())
    # Without timestamps ctx.timestamp() is Long.MIN_VALUE, as PyFlink's.
    assert collect(ds.process(Count(), output_type=Types.STRING())) == [w % MIN for w in want]
    stamps = [1000, 3000, 12000, 21000, 2000, 13000, 4000, 25000]
    assert collect(timed(env).key_by(lambda x: x[0]).process(Count(), output_type=Types.STRING())) == [
        w % t for w, t in zip(want, stamps)]


def test_reduce_emits_the_running_value(env: Any) -> None:
    ds = env.from_collection(DATA, type_info=T).key_by(lambda x: x[0]).reduce(lambda a, b: (a[0], a[1] + b[1], b[2]))
    assert collect(ds) == ["('a', 1, 1000)", "('a', 16, 21000)", "('a', 4, 3000)", "('a', 9, 12000)",
                           "('b', 2, 2000)", "('b', 8, 13000)", "('c', 12, 25000)", "('c', 4, 4000)"]

    class Max(ReduceFunction):
        def reduce(self, a: Any, b: Any) -> Any:
            return a if a[1] >= b[1] else b

    assert collect(env.from_collection(DATA, type_info=T).key_by(lambda x: x[0]).reduce(Max())) == [
        "('a', 1, 1000)", "('a', 3, 3000)", "('a', 5, 12000)", "('a', 7, 21000)", "('b', 2, 2000)",
        "('b', 6, 13000)", "('c', 4, 4000)", "('c', 8, 25000)"]


class Timers(KeyedProcessFunction):
    def open(self, ctx: Any) -> None:
        self.sum = ctx.get_state(ValueStateDescriptor("sum", Types.LONG()))

    def process_element(self, value: Any, ctx: Any) -> Any:
        self.sum.update((self.sum.value() or 0) + value[1])
        ctx.timer_service().register_event_time_timer(ctx.timestamp() + 5000)
        yield "in %s %d wm=%d" % (ctx.get_current_key(), value[1], ctx.timer_service().current_watermark())

    def on_timer(self, ts: int, ctx: Any) -> Any:
        yield "timer %s %d %s sum=%d" % (ctx.get_current_key(), ts, ctx.time_domain(), self.sum.value())


def test_event_time_timers(env: Any) -> None:
    ds = timed(env).key_by(lambda x: x[0], key_type=Types.STRING()).process(Timers(), output_type=Types.STRING())
    assert collect(ds) == [
        "in a 1 wm=%d" % MIN, "in a 3 wm=%d" % MIN, "in a 5 wm=%d" % MIN, "in a 7 wm=%d" % MIN,
        "in b 2 wm=%d" % MIN, "in b 6 wm=%d" % MIN, "in c 4 wm=%d" % MIN, "in c 8 wm=%d" % MIN,
        "timer a 17000 TimeDomain.EVENT_TIME sum=16", "timer a 26000 TimeDomain.EVENT_TIME sum=16",
        "timer a 6000 TimeDomain.EVENT_TIME sum=16", "timer a 8000 TimeDomain.EVENT_TIME sum=16",
        "timer b 18000 TimeDomain.EVENT_TIME sum=8", "timer b 7000 TimeDomain.EVENT_TIME sum=8",
        "timer c 30000 TimeDomain.EVENT_TIME sum=12", "timer c 9000 TimeDomain.EVENT_TIME sum=12"]


class Failing(KeyedProcessFunction):
    def process_element(self, value: Any, ctx: Any) -> Any:
        if value[1] == 6:
            raise ValueError("no sixes")
        yield value[0]


def test_an_exception_names_the_function_key_and_record(env: Any) -> None:
    ds = env.from_collection(DATA, type_info=T).key_by(lambda x: x[0]).process(Failing(), Types.STRING())
    with pytest.raises(Exception) as e:
        collect(ds)
    msg = str(e.value)
    assert "KeyedProcess(function=[Failing]): process_element on key 'b', record ('b', 6, 13000)" in msg
    assert "ValueError: no sixes" in msg and "Traceback" in msg


class SumCount(KeyedProcessFunction):
    def open(self, ctx: Any) -> None:
        self.sum = ctx.get_state(ValueStateDescriptor("sum", Types.LONG()))
        self.n = ctx.get_map_state(MapStateDescriptor("n", Types.STRING(), Types.LONG()))

    def process_element(self, value: Any, ctx: Any) -> Any:
        s = (self.sum.value() or 0) + value[0]
        self.sum.update(s)
        self.n.put("n", (self.n.get("n") or 0) + 1)
        yield Row(ctx.get_current_key(), s, self.n.get("n"))


def test_keyed_state_survives_a_savepoint_and_restore(tmp_path: Any) -> None:
    """A job keeps a running sum and count per key (key = a % 5) of a
    sequence and upserts them into SQLite; it stops with a savepoint half
    way and a second job restores it and reads the rest: the sums and counts
    are those of the whole sequence, so every key's state came back."""
    n = 20000
    db = tmp_path / "sums.db"

    def insert(t_env: StreamTableEnvironment) -> Any:
        t_env.execute_sql("CREATE TABLE sums (k BIGINT, s BIGINT, c BIGINT, PRIMARY KEY (k) NOT ENFORCED) WITH ("
                          "'connector' = 'jdbc', 'url' = 'jdbc:sqlite:%s', 'table-name' = 'sums')" % db)
        ds = t_env.to_data_stream(t_env.from_path("src"))
        out = ds.key_by(lambda r: r[0] % 5, key_type=Types.LONG()).process(
            SumCount(), output_type=Types.ROW_NAMED(["k", "s", "c"], [Types.LONG(), Types.LONG(), Types.LONG()]))
        return t_env.from_data_stream(out).execute_insert("sums")

    con = sqlite3.connect(str(db))
    con.execute("CREATE TABLE sums (k INTEGER PRIMARY KEY, s INTEGER, c INTEGER)")
    con.commit()
    half, got = savepoint_round_trip(tmp_path, n, insert,
                                     lambda: {k: (s, c) for k, s, c in con.execute("SELECT k, s, c FROM sums")})
    assert half and sum(c for _, c in half.values()) < n
    assert got == {k: (sum(a for a in range(1, n + 1) if a % 5 == k), n // 5) for k in range(5)}


class SeqTime(TimestampAssigner):
    def extract_timestamp(self, value: Any, record_timestamp: int) -> int:
        return value[0] * 1000


class CountUntilEnd(KeyedProcessFunction):
    """Counts a key's elements; its first element registers the one
    event-time timer that reports the count, at the end of event time."""

    def __init__(self, end: int) -> None:
        self.end = end

    def open(self, ctx: Any) -> None:
        self.count = ctx.get_state(ValueStateDescriptor("count", Types.LONG()))

    def process_element(self, value: Any, ctx: Any) -> Any:
        c = self.count.value()
        if c is None:
            ctx.timer_service().register_event_time_timer(self.end)
        self.count.update((c or 0) + 1)
        return []

    def on_timer(self, ts: int, ctx: Any) -> Any:
        yield Row(ctx.get_current_key(), self.count.value(), ts)


def test_pending_timers_survive_a_savepoint_and_restore(tmp_path: Any) -> None:
    """Each key's timer is registered by its first element, in the first
    job (all five keys show up in its first rows), and can only fire when
    the second job's input ends: the second job registers none, so its rows
    come from timers restored from the savepoint, with the counts of the
    whole sequence."""
    n = 20000
    end = (n + 1) * 1000
    db = tmp_path / "fired.db"

    def insert(t_env: StreamTableEnvironment) -> Any:
        t_env.execute_sql("CREATE TABLE fired (k BIGINT, c BIGINT, ts BIGINT, PRIMARY KEY (k) NOT ENFORCED) WITH ("
                          "'connector' = 'jdbc', 'url' = 'jdbc:sqlite:%s', 'table-name' = 'fired')" % db)
        ds = t_env.to_data_stream(t_env.from_path("src")).assign_timestamps_and_watermarks(
            WatermarkStrategy.for_monotonous_timestamps().with_timestamp_assigner(SeqTime()))
        out = ds.key_by(lambda r: r[0] % 5, key_type=Types.LONG()).process(
            CountUntilEnd(end), output_type=Types.ROW_NAMED(["k", "c", "ts"], [Types.LONG(), Types.LONG(), Types.LONG()]))
        return t_env.from_data_stream(out).execute_insert("fired")

    con = sqlite3.connect(str(db))
    con.execute("CREATE TABLE fired (k INTEGER PRIMARY KEY, c INTEGER, ts INTEGER)")
    con.commit()
    half, got = savepoint_round_trip(tmp_path, n, insert,
                                     lambda: sorted(con.execute("SELECT k, c, ts FROM fired").fetchall()))
    assert half == []  # no timer fired before the savepoint
    assert got == [(k, n // 5, end) for k in range(5)]


class Avg(AggregateFunction):
    def create_accumulator(self) -> Any:
        return (0, 0)

    def add(self, v: Any, acc: Any) -> Any:
        return (acc[0] + v[1], acc[1] + 1)

    def get_result(self, acc: Any) -> Any:
        return acc[0] / acc[1]

    def merge(self, a: Any, b: Any) -> Any:
        return (a[0] + b[0], a[1] + b[1])


class Describe(ProcessWindowFunction):
    def process(self, key: Any, context: Any, elements: Any) -> Any:
        w = context.window()
        yield "%s [%d,%d) %s" % (key, w.start, w.end, [e[1] for e in elements])


class Ids(ProcessWindowFunction):
    def process(self, key: Any, context: Any, elements: Any) -> Any:
        yield "%s %s %s" % (key, context.window(), [e[1] for e in elements])


def windowed(ks: Any, assigner: Any) -> Any:
    # KeyedStream.window / count_window once the API hands windows to the
    # keyed operator; until then the same object, built directly.
    from sluice.datastream._keyed import WindowedStream
    return WindowedStream(ks, assigner)


def test_event_time_windows(env: Any) -> None:
    tumble = windowed(timed(env).key_by(lambda x: x[0]), TumblingEventTimeWindows.of(Time.seconds(10)))
    assert collect(tumble.reduce(lambda a, b: (a[0], a[1] + b[1], b[2]), output_type=T)) == [
        "('a', 4, 3000)", "('a', 5, 12000)", "('a', 7, 21000)", "('b', 2, 2000)", "('b', 6, 13000)",
        "('c', 4, 4000)", "('c', 8, 25000)"]
    slide = windowed(timed(env).key_by(lambda x: x[0]), SlidingEventTimeWindows.of(Time.seconds(10), Time.seconds(5)))
    assert collect(slide.aggregate(Avg(), output_type=Types.DOUBLE())) == [
        "2.0", "2.0", "2.0", "2.0", "4.0", "4.0", "5.0", "5.0", "6.0", "6.0", "7.0", "7.0", "8.0", "8.0"]
    session = windowed(timed(env).key_by(lambda x: x[0], key_type=Types.STRING()),
                       EventTimeSessionWindows.with_gap(Time.seconds(8)))
    assert collect(session.process(Describe(), Types.STRING())) == [
        "a [1000,11000) [1, 3]", "a [12000,20000) [5]", "a [21000,29000) [7]", "b [13000,21000) [6]",
        "b [2000,10000) [2]", "c [25000,33000) [8]", "c [4000,12000) [4]"]


def test_count_windows(env: Any) -> None:
    env.set_parallelism(1)
    P = Types.TUPLE([Types.STRING(), Types.INT()])
    data = [("a", 1), ("b", 2), ("a", 3), ("b", 4), ("a", 5), ("a", 7), ("b", 6)]
    ks = env.from_collection(data, P).key_by(lambda x: x[0])
    # (parallelism 1: the order is PyFlink's)
    with windowed(ks, CountTumblingWindowAssigner.of(2)).reduce(lambda a, b: (a[0], a[1] + b[1])) \
            .execute_and_collect() as r:
        assert [str(x) for x in r] == ["('a', 4)", "('b', 6)", "('a', 12)"]
    seq = env.from_collection([("a", i) for i in range(7)], P).key_by(lambda x: x[0], Types.STRING())
    with windowed(seq, CountSlidingWindowAssigner.of(3, 2)).process(Ids(), Types.STRING()).execute_and_collect() as r:
        assert [str(x) for x in r] == [
            "a CountWindow(id=0) [0, 1, 2]", "a CountWindow(id=1) [2, 3, 4]", "a CountWindow(id=2) [4, 5, 6]"]
