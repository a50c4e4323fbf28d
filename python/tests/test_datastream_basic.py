"""DataStream programs: from_collection, map / flat_map / filter / union,
print() and execute_and_collect(). Expected values and printed lines are
PyFlink 2.3's for the same programs (run with /tmp/pyflink-venv)."""
import datetime
import decimal

import pytest

from pyflink.common import Row, Types
from pyflink.datastream import StreamExecutionEnvironment
from pyflink.datastream.functions import (CoFlatMapFunction, CoMapFunction, FilterFunction, FlatMapFunction,
                                          MapFunction, RuntimeContext)


@pytest.fixture
def env():
    e = StreamExecutionEnvironment.get_execution_environment()
    e.set_parallelism(1)
    return e


ROW = Types.ROW([Types.INT(), Types.STRING()])


def collect(ds):
    return list(ds.execute_and_collect())


def test_from_collection_without_type_is_pickled(env):
    ds = env.from_collection([1, (1, "a"), "x", None, 1.5, [1, 2], {"a": 1}])
    assert repr(ds.get_type()) == "PickledByteArrayTypeInfo"
    assert collect(ds) == [1, (1, "a"), "x", None, 1.5, [1, 2], {"a": 1}]
    m = env.from_collection([1, 2, 3]).map(lambda x: x + 1)
    assert repr(m.get_type()) == "PickledByteArrayTypeInfo" and collect(m) == [2, 3, 4]


def test_typed_collections_give_pyflinks_values(env):
    assert collect(env.from_collection([1, 2, 3], Types.INT())) == [1, 2, 3]
    assert collect(env.from_collection([1, 2, 3], Types.INT()).map(lambda x: x * 2, Types.LONG())) == [2, 4, 6]
    rows = collect(env.from_collection([(1, "a"), (2, "b")], ROW))
    assert [repr(r) for r in rows] == ["Row(f0=1, f1='a')", "Row(f0=2, f1='b')"]
    named = collect(env.from_collection([(1, "a")], Types.ROW_NAMED(["id", "name"], [Types.INT(), Types.STRING()])))
    assert repr(named) == "[Row(id=1, name='a')]" and named[0].name == "a"
    assert collect(env.from_collection([(1, "a"), (2, "b")], Types.TUPLE([Types.INT(), Types.STRING()]))) == [
        (1, "a"), (2, "b")]
    assert collect(env.from_collection([[1, 2], [3]], Types.BASIC_ARRAY(Types.INT()))) == [[1, 2], [3]]
    assert collect(env.from_collection([[1, 2], [3]], Types.PRIMITIVE_ARRAY(Types.INT()))) == [[1, 2], [3]]
    assert collect(env.from_collection([1.5, 2.0, 1e10], Types.DOUBLE())) == [1.5, 2.0, 10000000000.0]
    assert collect(env.from_collection([{"a": 1}], Types.MAP(Types.STRING(), Types.INT()))) == [{"a": 1}]


def test_map_between_row_tuple_and_pickled(env):
    r = env.from_collection([(1, "a"), (2, "b")], ROW)
    t = r.map(lambda x: (x[0], x[1] + "x"), Types.TUPLE([Types.INT(), Types.STRING()]))
    assert repr(t.get_type()) == "TupleTypeInfo(Integer, String)" and collect(t) == [(1, "ax"), (2, "bx")]
    rr = r.map(lambda x: Row(x[0], x[1] + "x"), ROW)
    assert [repr(v) for v in collect(rr)] == ["Row(f0=1, f1='ax')", "Row(f0=2, f1='bx')"]
    # A Row's fields by name inside the function, as PyFlink's
    by_name = r.map(lambda x: x.f1 * 2, Types.STRING())
    assert collect(by_name) == ["aa", "bb"]
    assert collect(r.map(lambda x: (x[0], x[1] + "x"))) == [(1, "ax"), (2, "bx")]
    # a tuple stream's elements are tuples in the next function
    assert collect(t.map(lambda x: type(x).__name__, Types.STRING())) == ["tuple", "tuple"]


def test_flat_map_filter_union(env):
    words = env.from_collection(["a b", "c"], Types.STRING())
    assert collect(words.flat_map(lambda s: s.split(" "), Types.STRING())) == ["a", "b", "c"]
    assert collect(words.flat_map(lambda s: s.split(" "))) == ["a", "b", "c"]

    def gen(s):
        for i, w in enumerate(s.split(" ")):
            yield i, w
    pairs = words.flat_map(gen, Types.TUPLE([Types.INT(), Types.STRING()]))
    assert collect(pairs) == [(0, "a"), (1, "b"), (0, "c")]
    rows = words.flat_map(gen, ROW)
    assert [repr(v) for v in collect(rows)] == ["Row(f0=0, f1='a')", "Row(f0=1, f1='b')", "Row(f0=0, f1='c')"]
    assert collect(env.from_collection([1, 2, 3, 4], Types.INT()).filter(lambda x: x % 2 == 0)) == [2, 4]
    assert collect(env.from_collection([1, 2, 3, 4]).filter(lambda x: x > 2)) == [3, 4]
    u = env.from_collection([1, 2], Types.INT()).union(env.from_collection([3], Types.INT()),
                                                       env.from_collection([4], Types.INT()))
    assert sorted(collect(u)) == [1, 2, 3, 4]
    with pytest.raises(ValueError):
        env.from_collection([1], Types.INT()).union(env.from_collection(["a"], Types.STRING()))


CLOSED = []


class AddK(MapFunction):
    def open(self, runtime_context: RuntimeContext):
        self.k = 10
        self.info = (runtime_context.get_number_of_parallel_subtasks(), runtime_context.get_index_of_this_subtask())

    def map(self, value):
        return (value + self.k, self.info)

    def close(self):
        CLOSED.append(self.k)


class Repeat(FlatMapFunction):
    def flat_map(self, value):
        for _ in range(value):
            yield value


class Above1(FilterFunction):
    def filter(self, value):
        return value > 1


def test_function_classes_are_opened(env):
    ds = env.from_collection([1, 2], Types.INT())
    assert collect(ds.map(AddK())) == [(11, (1, 0)), (12, (1, 0))]
    assert CLOSED == [10]  # close() ran when the job ended
    assert collect(ds.flat_map(Repeat(), Types.INT())) == [1, 2, 2]
    assert collect(ds.filter(Above1())) == [2]
    with pytest.raises(TypeError):
        ds.map(Repeat())


def test_connected_streams_co_map_and_co_flat_map(env):
    class M(CoMapFunction):
        def map1(self, value):
            return "int %d" % value

        def map2(self, value):
            return "str " + value

    class F(CoFlatMapFunction):
        def flat_map1(self, value):
            yield value
            yield value

        def flat_map2(self, value):
            yield len(value)

    a = env.from_collection([1, 2], Types.INT())
    b = env.from_collection(["x"], Types.STRING())
    assert sorted(collect(a.connect(b).map(M(), Types.STRING()))) == ["int 1", "int 2", "str x"]
    assert sorted(collect(a.connect(b).flat_map(F(), Types.INT()))) == [1, 1, 1, 2, 2]


def test_print_formats_as_pyflink(env, capfd):
    def run(ds, *args):
        ds.print(*args)
        env.execute()
        return capfd.readouterr().out.splitlines()

    assert run(env.from_collection([1, 2], Types.INT())) == ["1", "2"]
    assert run(env.from_collection([1, (1, "a"), "x", None, 1.5, [1, 2], {"a": 1}])) == [
        "1", "(1, 'a')", "x", "None", "1.5", "[1, 2]", "{'a': 1}"]
    assert run(env.from_collection([(1, "a", None, 1.5, True)], Types.ROW(
        [Types.INT(), Types.STRING(), Types.STRING(), Types.DOUBLE(), Types.BOOLEAN()]))) == ["+I[1,a,None,1.5,True]"]
    assert run(env.from_collection([(1, ("a", 2))], Types.ROW_NAMED(["x", "y"], [
        Types.INT(), Types.ROW([Types.STRING(), Types.INT()])]))) == ["+I[1,Row(f0='a', f1=2)]"]
    assert run(env.from_collection([(1, "a", 2.5)], Types.TUPLE([Types.INT(), Types.STRING(), Types.DOUBLE()]))) == [
        "(1,a,2.5)"]
    assert run(env.from_collection([1.5, 2.0, 1e10, 1e-5, 123456789.0], Types.DOUBLE())) == [
        "1.5", "2.0", "1.0E10", "1.0E-5", "1.23456789E8"]
    assert run(env.from_collection([1.5, 0.1], Types.FLOAT())) == ["1.5", "0.1"]
    assert run(env.from_collection([(1, [1, 2], {"a": 1})], Types.ROW([
        Types.INT(), Types.LIST(Types.INT()), Types.MAP(Types.STRING(), Types.INT())]))) == ["+I[1,[1, 2],{'a': 1}]"]
    assert run(env.from_collection([(datetime.date(2020, 1, 2), datetime.time(1, 2, 3))], Types.ROW([
        Types.SQL_DATE(), Types.SQL_TIME()]))) == ["+I[2020-01-02,01:02:03]"]
    assert run(env.from_collection([1], Types.INT()), "ident") == ["ident> 1"]


def test_print_in_parallel_prefixes_the_subtask(env, capfd):
    env.set_parallelism(2)
    env.from_collection([1, 2, 3, 4], Types.INT()).map(lambda x: x, Types.INT()).print()
    env.execute()
    lines = capfd.readouterr().out.splitlines()
    # Which subtask gets which element is the rebalance's choice (Flink
    # starts it at a random subtask, Sluice deals whole batches): the
    # prefixes and the elements.
    assert sorted(line.split("> ")[1] for line in lines) == ["1", "2", "3", "4"]
    assert {line.split("> ")[0] for line in lines} <= {"1", "2"}


def test_execute_runs_every_sink_and_refuses_an_empty_program(env, capfd):
    env.from_collection(["a"], Types.STRING()).print()
    env.from_collection(["b"], Types.STRING()).print("two")
    result = env.execute("two sinks")
    assert sorted(capfd.readouterr().out.splitlines()) == ["a", "two> b"]
    assert result.get_net_runtime() >= 0
    with pytest.raises(RuntimeError, match="No operators defined in streaming topology"):
        env.execute()


def test_execute_and_collect_limit_and_async(env, capfd):
    assert env.from_collection(range(100), Types.LONG()).execute_and_collect(limit=3) == [0, 1, 2]
    env.from_collection([7], Types.INT()).print()
    client = env.execute_async("async")
    client.get_job_execution_result().result()
    assert capfd.readouterr().out == "7\n"


def test_big_values_and_decimals(env):
    assert collect(env.from_collection([2 ** 70], Types.BIG_INT())) == [2 ** 70]
    assert collect(env.from_collection([decimal.Decimal("1.5")], Types.BIG_DEC())) == [decimal.Decimal("1.5")]


def test_process_function_sees_the_elements_timestamps(env):
    from pyflink.common import WatermarkStrategy
    from pyflink.common.watermark_strategy import TimestampAssigner
    from pyflink.datastream.functions import ProcessFunction

    class Ts(TimestampAssigner):
        def extract_timestamp(self, value, record_timestamp):
            return value * 10

    class P(ProcessFunction):
        def process_element(self, value, ctx):
            yield "%d@%s" % (value, ctx.timestamp())

    ds = env.from_collection([1, 2], Types.INT())
    assert list(ds.process(P(), Types.STRING()).execute_and_collect()) == ["1@-9223372036854775808",
                                                                                 "2@-9223372036854775808"]
    ts = ds.assign_timestamps_and_watermarks(WatermarkStrategy.for_monotonous_timestamps().with_timestamp_assigner(Ts()))
    assert list(ts.process(P(), Types.STRING()).execute_and_collect()) == ["1@10", "2@20"]


def test_maps_of_pickled_objects_run_as_one_function(env):
    def inc(x):
        return x + 1

    def dbl(x):
        return x * 2
    m1 = env.from_collection([1, 2, 3]).map(inc)
    m2 = m1.map(dbl).map(str)
    plan = m2._table().explain().split("== Optimized Execution Plan ==")[1]
    # one Python call per element: no unpickle/pickle between the maps
    assert plan.count("PythonCalc") == 1 and "inc(" not in plan and "dbl(" not in plan
    assert collect(m2) == ["4", "6", "8"]
    assert collect(m1) == [2, 3, 4]  # the first map still runs as itself
    typed = m1.map(dbl, Types.INT()).map(lambda x: x + 1)
    assert collect(typed) == [5, 7, 9]
