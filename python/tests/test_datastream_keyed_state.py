"""KeyedStream.process and reduce on the keyed stateful operator (state in
the engine's keyed backend, timers checkpointed with it). Expected values
are PyFlink 2.3's for the same programs (run with /tmp/pyflink-venv,
parallelism 2, outputs sorted: the order across keys is not defined)."""
from typing import Any, List

import pytest

from pyflink.common import Types, WatermarkStrategy
from pyflink.common.watermark_strategy import TimestampAssigner
from pyflink.datastream import StreamExecutionEnvironment
from pyflink.datastream.functions import KeyedProcessFunction, ReduceFunction
from pyflink.datastream.state import (AggregatingStateDescriptor, ListStateDescriptor, MapStateDescriptor,
                                      ReducingStateDescriptor, ValueStateDescriptor)

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
