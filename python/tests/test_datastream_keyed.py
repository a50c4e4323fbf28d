"""KeyedStream.reduce / sum / process on the keyed stateful operator
(key_by's selector into a key column, a hash exchange on it, state and
timers per key). Expected values are PyFlink 2.3's for the same programs."""
import pytest

from pyflink.common import Row, Types, WatermarkStrategy
from pyflink.common.watermark_strategy import TimestampAssigner
from pyflink.datastream import StreamExecutionEnvironment
from pyflink.datastream.functions import KeyedProcessFunction, RuntimeContext
from pyflink.datastream.state import ValueStateDescriptor

DATA = [("a", 1), ("b", 2), ("a", 3), ("c", 4), ("a", 5), ("b", 6)]
PAIR = Types.TUPLE([Types.STRING(), Types.INT()])


@pytest.fixture
def env():
    e = StreamExecutionEnvironment.get_execution_environment()
    e.set_parallelism(1)
    return e


def test_reduce_and_sum(env, capfd):
    ds = env.from_collection(DATA, PAIR)
    r = ds.key_by(lambda x: x[0]).reduce(lambda a, b: (a[0], a[1] + b[1]))
    assert repr(r.get_type()) == "TupleTypeInfo(String, Integer)"
    assert list(r.execute_and_collect()) == [("a", 1), ("b", 2), ("a", 4), ("c", 4), ("a", 9), ("b", 8)]
    r2 = env.from_collection(DATA).key_by(lambda x: x[0]).reduce(lambda a, b: (a[0], a[1] + b[1]))
    assert list(r2.execute_and_collect()) == [("a", 1), ("b", 2), ("a", 4), ("c", 4), ("a", 9), ("b", 8)]
    ds.key_by(lambda x: x[0]).sum(1).print()
    env.execute()
    assert capfd.readouterr().out.splitlines() == ["(a,1)", "(b,2)", "(a,4)", "(c,4)", "(a,9)", "(b,8)"]


def test_running_totals_in_parallel_are_per_key(env):
    env.set_parallelism(3)
    data = [("k%d" % (i % 7), i) for i in range(500)]
    r = env.from_collection(data, PAIR).key_by(lambda x: x[0], Types.STRING()).reduce(
        lambda a, b: (a[0], a[1] + b[1]))
    out = list(r.execute_and_collect())
    assert len(out) == 500
    final = {}
    for k, v in out:
        assert v >= final.get(k, 0)
        final[k] = v
    assert final == {"k%d" % j: sum(i for i in range(500) if i % 7 == j) for j in range(7)}


class Count(KeyedProcessFunction):
    def open(self, ctx: RuntimeContext):
        self.s = ctx.get_state(ValueStateDescriptor("c", Types.LONG()))

    def process_element(self, value, ctx):
        c = (self.s.value() or 0) + 1
        self.s.update(c)
        yield Row(ctx.get_current_key(), c, value[1])


def test_keyed_process_function_with_state(env):
    p = env.from_collection(DATA, PAIR).key_by(lambda x: x[0], key_type=Types.STRING()).process(
        Count(), Types.ROW_NAMED(["k", "n", "v"], [Types.STRING(), Types.LONG(), Types.INT()]))
    assert repr(list(p.execute_and_collect())) == (
        "[Row(k='a', n=1, v=1), Row(k='b', n=1, v=2), Row(k='a', n=2, v=3), Row(k='c', n=1, v=4), "
        "Row(k='a', n=3, v=5), Row(k='b', n=2, v=6)]")


class ThirdField(TimestampAssigner):
    def extract_timestamp(self, value, record_timestamp):
        return value[2]


class SumWithTimers(KeyedProcessFunction):
    def open(self, ctx: RuntimeContext):
        self.s = ctx.get_state(ValueStateDescriptor("s", Types.LONG()))

    def process_element(self, value, ctx):
        self.s.update((self.s.value() or 0) + value[1])
        ctx.timer_service().register_event_time_timer(ctx.timestamp() + 2000)
        yield "in %s %d @%d" % (value[0], value[1], ctx.timestamp())

    def on_timer(self, ts, ctx):
        yield "timer %s %d sum=%d" % (ctx.get_current_key(), ts, self.s.value())


def test_event_time_timers(env):
    data = [("a", 1, 1000), ("b", 2, 1500), ("a", 3, 2000), ("a", 5, 6000), ("b", 6, 9000)]
    ds = env.from_collection(data, Types.TUPLE([Types.STRING(), Types.INT(), Types.LONG()])) \
        .assign_timestamps_and_watermarks(WatermarkStrategy.for_monotonous_timestamps()
                                          .with_timestamp_assigner(ThirdField()))
    p = ds.key_by(lambda x: x[0], Types.STRING()).process(SumWithTimers(), Types.STRING())
    assert list(p.execute_and_collect()) == [
        "in a 1 @1000", "in b 2 @1500", "in a 3 @2000", "in a 5 @6000", "in b 6 @9000", "timer a 3000 sum=9",
        "timer b 3500 sum=8", "timer a 4000 sum=9", "timer a 8000 sum=9", "timer b 11000 sum=8"]


def test_window_arguments_are_checked(env):
    # (test_datastream_windows.py runs windows)
    with pytest.raises(TypeError, match="takes a WindowAssigner"):
        env.from_collection(DATA, PAIR).key_by(lambda x: x[0]).window(5)
