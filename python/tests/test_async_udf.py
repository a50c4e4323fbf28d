"""Async scalar functions: udf() over an ``async def`` (or a ScalarFunction
whose eval is one) awaits a batch's calls concurrently, at most
``concurrency`` at a time, and keeps the rows in order; values, NULLs and
errors are a row function's."""
from __future__ import annotations

import asyncio
import datetime
import decimal
import random
import sys
from typing import Any, List

import pytest

from pyflink.common import Row
from pyflink.table import DataTypes, TableEnvironment
from pyflink.table.expressions import call, col
from pyflink.table.udf import FunctionContext, ScalarFunction, udf


def values(result: Any) -> List[Any]:
    return [r[0] for r in result.collect()]


class InFlight:
    """Counts the calls running at once."""

    def __init__(self) -> None:
        self.now = 0
        self.most = 0
        self.calls = 0

    async def run(self, seconds: float) -> None:
        self.now += 1
        self.calls += 1
        self.most = max(self.most, self.now)
        try:
            await asyncio.sleep(seconds)
        finally:
            self.now -= 1


def test_rows_keep_their_order_whatever_order_the_calls_finish_in(batch_env: TableEnvironment) -> None:
    finished: List[int] = []
    rnd = random.Random(7)
    delays = [rnd.random() * 0.02 for _ in range(400)]

    @udf(result_type=DataTypes.BIGINT(), concurrency=50)
    async def twice(x: int) -> int:
        await asyncio.sleep(delays[x])
        finished.append(x)
        return x * 2

    t = batch_env.from_elements([(i,) for i in range(400)], ["a"])
    assert values(t.select(twice(col("a"))).execute()) == [2 * i for i in range(400)]
    # The calls did finish out of order: the order above is the engine's.
    assert sorted(finished) == list(range(400))
    assert finished != list(range(400))


def test_at_most_concurrency_calls_are_in_flight(batch_env: TableEnvironment) -> None:
    fl = InFlight()

    @udf(result_type=DataTypes.BIGINT(), concurrency=7)
    async def limited(x: int) -> int:
        await fl.run(0.003)
        return x

    t = batch_env.from_elements([(i,) for i in range(120)], ["a"])
    assert values(t.select(limited(col("a"))).execute()) == list(range(120))
    assert fl.calls == 120
    assert fl.most == 7


def test_the_default_concurrency_is_100_and_a_scalar_function_may_declare_its_own(batch_env: TableEnvironment) -> None:
    fl = InFlight()

    @udf(result_type=DataTypes.BIGINT())
    async def default(x: int) -> int:
        await fl.run(0.02)
        return x

    t = batch_env.from_elements([(i,) for i in range(250)], ["a"])
    assert values(t.select(default(col("a"))).execute()) == list(range(250))
    assert fl.most == 100

    class Declared(ScalarFunction):
        concurrency = 3

        def __init__(self) -> None:
            self.fl = InFlight()

        async def eval(self, x: int) -> int:
            await self.fl.run(0.002)
            return x + 1

    f = Declared()
    declared = udf(f, result_type=DataTypes.BIGINT())
    assert values(t.select(declared(col("a"))).execute()) == list(range(1, 251))
    assert f.fl.most == 3
    # udf(concurrency=) wins over the attribute.
    g = Declared()
    assert values(t.select(udf(g, result_type=DataTypes.BIGINT(), concurrency=11)(col("a"))).execute()) == list(range(1, 251))
    assert g.fl.most == 11


def test_nulls_arrive_as_none_and_none_is_null(batch_env: TableEnvironment) -> None:
    seen: List[Any] = []

    @udf(result_type=DataTypes.STRING())
    async def describe(a: Any, s: Any) -> Any:
        await asyncio.sleep(0)
        seen.append((a, s))
        if a is None and s is None:
            return None
        return "%r/%r" % (a, s)

    t = batch_env.from_elements([(1, "x"), (None, "y"), (3, None), (None, None)],
                                DataTypes.ROW([DataTypes.FIELD("a", DataTypes.INT()),
                                               DataTypes.FIELD("s", DataTypes.STRING())]))
    assert values(t.select(describe(col("a"), col("s"))).execute()) == ["1/'x'", "None/'y'", "3/None", None]
    assert sorted(seen, key=repr) == sorted([(1, "x"), (None, "y"), (3, None), (None, None)], key=repr)


def test_an_exception_names_the_function_the_row_its_arguments_and_the_traceback(batch_env: TableEnvironment) -> None:
    started: List[int] = []

    @udf(result_type=DataTypes.BIGINT(), concurrency=4)
    async def lookup(x: int, s: str) -> int:
        started.append(x)
        await asyncio.sleep(0.001 * (x % 5))
        if x in (13, 17):
            raise LookupError("no entry for %d" % x)
        return x

    t = batch_env.from_elements([(i, "k%d" % i) for i in range(200)], ["a", "s"])
    with pytest.raises(Exception) as info:
        values(t.select(lookup(col("a"), col("s"))).execute())
    msg = str(info.value)
    # The lowest failing row, as a row function reports it.
    assert "python UDF lookup raised an exception at row 13 with arguments (13, 'k13'):" in msg
    assert "Traceback (most recent call last):" in msg
    assert 'in lookup\n    raise LookupError("no entry for %d" % x)' in msg
    assert "LookupError: no entry for 13" in msg
    # Only the user's frames: none of the wrapper's.
    assert "sluice/table/_async_udf.py" not in msg and msg.count('  File "') == 1
    # Rows after the failure were not all started.
    assert max(started) < 199


def test_a_result_the_type_cannot_hold_is_a_row_error(batch_env: TableEnvironment) -> None:
    @udf(result_type=DataTypes.INT())
    async def halves(x: int) -> Any:
        return x / 2 if x == 3 else x

    t = batch_env.from_elements([(i,) for i in range(6)], ["a"])
    with pytest.raises(Exception, match=r"python UDF halves returned a wrong result at row 3 with arguments \(3\): "
                                        r"TypeError: expected int for INT, got 1\.5 of type float"):
        values(t.select(halves(col("a"))).execute())

    @udf(result_type=DataTypes.TINYINT())
    async def big(x: int) -> int:
        return x * 100

    with pytest.raises(Exception, match=r"python UDF big returned a wrong result at row 2 with arguments \(2\): "
                                        r"OverflowError: value 200 is out of range for TINYINT"):
        values(t.select(big(col("a"))).execute())


def test_sql_and_table_api_calls(batch_env: TableEnvironment) -> None:
    @udf(result_type=DataTypes.STRING(), concurrency=8)
    async def shout(s: Any) -> Any:
        await asyncio.sleep(0.001)
        return None if s is None else s.upper() + "!"

    t = batch_env.from_elements([("a",), ("bc",), (None,)], ["s"])
    batch_env.create_temporary_view("async_words", t)
    batch_env.create_temporary_function("shout", shout)
    want = ["A!", "BC!", None]
    assert values(batch_env.execute_sql("SELECT shout(s) FROM async_words")) == want
    assert values(t.select(shout(col("s"))).execute()) == want
    assert values(t.select(call("shout", col("s"))).execute()) == want
    # Nested in expressions, around and inside other calls.
    assert values(batch_env.execute_sql(
        "SELECT CONCAT(shout(s), '-', shout(LOWER(shout(s)))) FROM async_words WHERE s IS NOT NULL")) \
        == ["A!-A!!", "BC!-BC!!"]


def test_streaming_mode(stream_env: TableEnvironment) -> None:
    @udf(result_type=DataTypes.BIGINT(), concurrency=16)
    async def plus(a: int, b: int) -> int:
        await asyncio.sleep(0.001)
        return a + b

    t = stream_env.from_elements([(i, i * 10) for i in range(50)], ["a", "b"])
    stream_env.create_temporary_view("async_pairs", t)
    stream_env.create_temporary_system_function("plus", plus)
    assert sorted(values(stream_env.execute_sql("SELECT plus(a, b) FROM async_pairs"))) == [i * 11 for i in range(50)]


def test_a_scalar_function_is_opened_and_closed(batch_env: TableEnvironment) -> None:
    events: List[Any] = []

    class Prefixed(ScalarFunction):
        def open(self, function_context: FunctionContext) -> None:
            self.prefix = function_context.get_job_parameter("prefix", "none")
            events.append(("open", function_context.get_index_of_this_subtask()))

        async def eval(self, s: str) -> str:
            await asyncio.sleep(0)
            return self.prefix + ":" + s

        def close(self) -> None:
            events.append("close")

    batch_env.get_config().set("pipeline.global-job-parameters", "prefix:p")
    f = udf(Prefixed(), result_type=DataTypes.STRING())
    t = batch_env.from_elements([("a",), ("b",)], ["s"])
    assert values(t.select(f(col("s"))).execute()) == ["p:a", "p:b"]
    assert events == [("open", 0), "close"]


def test_an_async_open_and_close_run_on_the_functions_loop(batch_env: TableEnvironment) -> None:
    loops: List[Any] = []

    class Session(ScalarFunction):
        async def open(self, function_context: FunctionContext) -> None:
            # What an aiohttp.ClientSession needs: the loop the calls run on.
            self.loop = asyncio.get_running_loop()
            self.queue: asyncio.Queue = asyncio.Queue()
            loops.append(self.loop)

        async def eval(self, x: int) -> int:
            assert asyncio.get_running_loop() is self.loop
            await self.queue.put(x)
            return await self.queue.get() * 3

        async def close(self) -> None:
            loops.append(asyncio.get_running_loop())

    f = udf(Session(), result_type=DataTypes.BIGINT())
    t = batch_env.from_elements([(i,) for i in range(10)], ["a"])
    assert values(t.select(f(col("a"))).execute()) == [3 * i for i in range(10)]
    assert len(loops) == 2 and loops[0] is loops[1]


def test_values_are_the_row_functions(batch_env: TableEnvironment) -> None:
    seen: List[Any] = []

    @udf(result_type=DataTypes.ROW([DataTypes.FIELD("n", DataTypes.BIGINT()),
                                    DataTypes.FIELD("keys", DataTypes.ARRAY(DataTypes.STRING())),
                                    DataTypes.FIELD("total", DataTypes.DECIMAL(10, 2)),
                                    DataTypes.FIELD("at", DataTypes.TIMESTAMP_LTZ(3))]))
    async def summarize(r: Any, m: Any, ts: Any) -> Any:
        seen.append((r, m, ts))
        await asyncio.sleep(0)
        if r is None:
            return None
        at = ts.astimezone(datetime.timezone(datetime.timedelta(hours=8)))
        return Row(n=r.id * 10, keys=sorted(m), total=decimal.Decimal("1.005") * r.id, at=at)

    row_t = DataTypes.ROW([DataTypes.FIELD("id", DataTypes.INT()), DataTypes.FIELD("name", DataTypes.STRING())])
    schema = DataTypes.ROW([DataTypes.FIELD("r", row_t),
                            DataTypes.FIELD("m", DataTypes.MAP(DataTypes.STRING(), DataTypes.INT())),
                            DataTypes.FIELD("ts", DataTypes.TIMESTAMP_LTZ(3))])
    utc = datetime.timezone.utc
    ts = datetime.datetime(2024, 5, 1, 12, 30, 0, 123000, tzinfo=utc)
    t = batch_env.from_elements([(Row(1, "a"), {"x": 1, "y": 2}, ts), (None, {}, ts)], schema)
    got = values(t.select(summarize(col("r"), col("m"), col("ts"))).execute())
    r, m, at = seen[0] if seen[0][0] is not None else seen[1]
    # ROW as a Row with names, MAP as dict, TIMESTAMP_LTZ in UTC.
    assert isinstance(r, Row) and r.id == 1 and r.name == "a"
    assert m == {"x": 1, "y": 2}
    assert at == ts and at.tzinfo is utc
    first = got[0]
    assert (first[0], first[1], first[2]) == (10, ["x", "y"], decimal.Decimal("1.01"))  # HALF_UP, as Flink
    assert first[3] == ts  # an aware datetime is an instant, stored in UTC
    assert got[1] is None


def test_table_map_with_an_async_function(batch_env: TableEnvironment) -> None:
    fl = InFlight()

    @udf(result_type=DataTypes.ROW([DataTypes.FIELD("id", DataTypes.BIGINT()),
                                    DataTypes.FIELD("label", DataTypes.STRING())]), concurrency=5)
    async def label(row: Row) -> Row:
        await fl.run(0.002)
        return Row(row.id * 2, row.name.upper())

    t = batch_env.from_elements([(i, "n%d" % i) for i in range(40)], ["id", "name"])
    res = t.map(label).execute()
    assert [tuple(r) for r in res.collect()] == [(2 * i, "N%d" % i) for i in range(40)]
    assert fl.most == 5


def test_create_temporary_function_language_python(batch_env: TableEnvironment, tmp_path: Any) -> None:
    (tmp_path / "async_udfs_mod.py").write_text(
        "import asyncio\n"
        "from pyflink.table import DataTypes\n"
        "from pyflink.table.udf import udf\n"
        "@udf(result_type=DataTypes.INT(), concurrency=2)\n"
        "async def slen(s):\n"
        "    await asyncio.sleep(0)\n"
        "    return len(s)\n")
    sys.path.insert(0, str(tmp_path))
    try:
        batch_env.execute_sql("CREATE TEMPORARY FUNCTION slen AS 'async_udfs_mod.slen' LANGUAGE PYTHON")
        assert values(batch_env.execute_sql("SELECT slen(s) FROM (VALUES ('a'), ('abc')) AS v(s)")) == [1, 3]
    finally:
        sys.path.remove(str(tmp_path))


def test_definition_errors() -> None:
    async def f(x: int) -> int:
        return x

    with pytest.raises(ValueError, match="concurrency must be a positive int, got 0"):
        udf(f, result_type=DataTypes.INT(), concurrency=0)
    with pytest.raises(ValueError, match="concurrency applies to async functions"):
        udf(lambda x: x, result_type=DataTypes.INT(), concurrency=4)
    with pytest.raises(ValueError, match="func_type must be 'general', got 'pandas'"):
        udf(f, result_type=DataTypes.INT(), func_type="pandas")
    w = udf(f, result_type=DataTypes.INT(), concurrency=3)
    assert repr(w) == "<udf f -> INT (async, concurrency 3)>"
    assert w._func_type == "general"


def test_ip_lookup_example(capsys: Any) -> None:
    import collections
    import pathlib
    import runpy
    path = pathlib.Path(__file__).resolve().parents[2] / "examples" / "async" / "ip_lookup.py"
    ns = runpy.run_path(str(path))
    got = ns["main"]()
    # The same aggregation in plain Python over the example's own rows.
    requests: Any = collections.Counter()
    traffic: Any = collections.Counter()
    for _, ip, size in ns["access_log"]():
        requests[ns["province_of"](ip)] += 1
        traffic[ns["province_of"](ip)] += size
    assert got == sorted(((p, n, traffic[p]) for p, n in requests.items()), key=lambda r: (-r[1], r[0]))
    assert "2000 lookups of 5 ms each" in capsys.readouterr().out


def test_cancelling_the_job_cancels_the_calls_in_flight(stream_env: TableEnvironment) -> None:
    import time
    from pyflink.common import JobStatus
    started: List[int] = []
    cancelled: List[int] = []

    @udf(result_type=DataTypes.BIGINT(), concurrency=4)
    async def hang(x: int) -> int:
        started.append(x)
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.append(x)
            raise
        return x

    stream_env.create_temporary_system_function("hang", hang)
    stream_env.execute_sql("CREATE TABLE endless_ids (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '50')")
    stream_env.execute_sql("CREATE TABLE drop_ids (id BIGINT) WITH ('connector' = 'blackhole')")
    client = stream_env.execute_sql("INSERT INTO drop_ids SELECT hang(id) FROM endless_ids").get_job_client()
    deadline = time.monotonic() + 20
    while not started and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)  # the batch's other calls start meanwhile
    assert 1 <= len(started) <= 4  # the limit: a fifth call would wait
    t0 = time.monotonic()
    client.cancel().result()
    assert client.get_job_status().result() is JobStatus.CANCELED
    assert time.monotonic() - t0 < 5  # not the calls' 60 s
    deadline = time.monotonic() + 5
    while len(cancelled) < len(started) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sorted(cancelled) == sorted(started)


def test_the_limit_holds_across_subtasks(stream_env: TableEnvironment) -> None:
    fl = InFlight()

    @udf(result_type=DataTypes.BIGINT(), concurrency=5)
    async def shared(x: int) -> int:
        await fl.run(0.002)
        return -x

    stream_env.get_config().set("parallelism.default", "3")
    stream_env.create_temporary_system_function("shared", shared)
    stream_env.execute_sql("CREATE TABLE seq300 (id BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '300', "
                           "'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '300')")
    got = values(stream_env.execute_sql("SELECT shared(id) FROM seq300"))
    assert sorted(got) == sorted(-i for i in range(1, 301))
    assert fl.most == 5


def test_a_function_without_arguments_is_called_once_per_row(batch_env: TableEnvironment) -> None:
    import itertools
    counter = itertools.count()

    @udf(result_type=DataTypes.BIGINT(), deterministic=False)
    async def tick() -> int:
        await asyncio.sleep(0)
        return next(counter)

    batch_env.create_temporary_function("tick", tick)
    got = [tuple(r) for r in batch_env.execute_sql("SELECT tick(), s FROM (VALUES ('x'), ('y'), ('z')) AS v(s)").collect()]
    assert got == [(0, "x"), (1, "y"), (2, "z")]
    t = batch_env.from_elements([(1,), (2,)], ["a"])
    assert values(t.select(tick()).execute()) == [3, 4]


def test_every_type_arrives_and_returns_as_for_a_row_function(batch_env: TableEnvironment) -> None:
    utc = datetime.timezone.utc
    columns = [
        ("b", DataTypes.BOOLEAN(), [True, None, False]),
        ("i8", DataTypes.TINYINT(), [-128, None, 127]),
        ("i64", DataTypes.BIGINT(), [-(1 << 63), None, (1 << 63) - 1]),
        ("f", DataTypes.FLOAT(), [1.25, None, -3.5]),
        ("d", DataTypes.DOUBLE(), [0.1, None, 1e300]),
        ("dec", DataTypes.DECIMAL(38, 10), [decimal.Decimal("12345678901234567890.0123456789"), None, decimal.Decimal("-1.5")]),
        ("s", DataTypes.STRING(), ["héllo", None, ""]),
        ("by", DataTypes.BYTES(), [b"\x00\xff", None, b""]),
        ("dt", DataTypes.DATE(), [datetime.date(1, 1, 1), None, datetime.date(2024, 2, 29)]),
        ("tm", DataTypes.TIME(3), [datetime.time(23, 59, 59, 999000), None, datetime.time(0, 0)]),
        ("ts", DataTypes.TIMESTAMP(6), [datetime.datetime(1969, 12, 31, 23, 59, 59, 999999), None,
                                        datetime.datetime(2024, 5, 1, 12, 0, 0, 1)]),
        ("ltz", DataTypes.TIMESTAMP_LTZ(3), [datetime.datetime(2024, 5, 1, 12, 0, 0, 123000, tzinfo=utc), None,
                                             datetime.datetime(1970, 1, 1, tzinfo=utc)]),
        ("arr", DataTypes.ARRAY(DataTypes.INT()), [[1, None, 3], None, []]),
        ("mp", DataTypes.MAP(DataTypes.STRING(), DataTypes.ARRAY(DataTypes.STRING())), [{"k": ["v", None]}, None, {}]),
        ("rw", DataTypes.ROW([DataTypes.FIELD("x", DataTypes.INT()), DataTypes.FIELD("y", DataTypes.ARRAY(DataTypes.DATE()))]),
         [Row(1, [datetime.date(2020, 1, 2)]), None, Row(None, None)]),
    ]
    schema = DataTypes.ROW([DataTypes.FIELD(n, t) for n, t, _ in columns])
    t = batch_env.from_elements([tuple(c[2][i] for c in columns) for i in range(3)], schema)
    for name, typ, _ in columns:
        seen_row: List[Any] = []
        seen_async: List[Any] = []

        def ident(v: Any) -> Any:
            seen_row.append(v)
            return v

        async def aident(v: Any) -> Any:
            seen_async.append(v)
            await asyncio.sleep(0)
            return v

        by_row = values(t.select(udf(ident, result_type=typ)(col(name))).execute())
        by_async = values(t.select(udf(aident, result_type=typ)(col(name))).execute())
        assert by_async == by_row, name
        assert seen_async == seen_row, name
        assert [type(v) for v in seen_async] == [type(v) for v in seen_row], name
        assert [getattr(v, "tzinfo", None) for v in seen_async] == [getattr(v, "tzinfo", None) for v in seen_row], name


@pytest.mark.parametrize("typ,bad", [
    (DataTypes.INT(), 1.5),
    (DataTypes.TINYINT(), 300),
    (DataTypes.BOOLEAN(), 1),
    (DataTypes.FLOAT(), 1e300),
    (DataTypes.STRING(), 5),
    (DataTypes.BYTES(), "text"),
    (DataTypes.DATE(), datetime.datetime(2024, 1, 1)),
    (DataTypes.DECIMAL(5, 2), 1.5),
    (DataTypes.DECIMAL(5, 2), decimal.Decimal("12345.6")),
    (DataTypes.ARRAY(DataTypes.INT()), "abc"),
    (DataTypes.ARRAY(DataTypes.INT()), [1, "x"]),
    (DataTypes.MAP(DataTypes.STRING(), DataTypes.INT()), [1]),
    (DataTypes.MAP(DataTypes.STRING(), DataTypes.INT()), {None: 1}),
    (DataTypes.ROW([DataTypes.FIELD("a", DataTypes.INT())]), 5),
    (DataTypes.ROW([DataTypes.FIELD("a", DataTypes.INT()), DataTypes.FIELD("b", DataTypes.INT())]), (1,)),
    (DataTypes.ROW([DataTypes.FIELD("a", DataTypes.INT())]), {"b": 1}),
])
def test_a_wrong_result_is_refused_as_a_row_function_refuses_it(batch_env: TableEnvironment, typ: Any, bad: Any) -> None:
    t = batch_env.from_elements([(0,), (1,)], ["a"])

    def bad_value(x: int) -> Any:
        return bad if x == 1 else None

    async def bad_async(x: int) -> Any:
        return bad if x == 1 else None

    messages = []
    for f in (bad_value, bad_async):
        with pytest.raises(Exception) as info:
            values(t.select(udf(f, result_type=typ, name="bad")(col("a"))).execute())
        messages.append(str(info.value).split(": ", 1)[1])  # past "job collect"
    assert "python UDF bad returned a wrong result at row 1 with arguments (1): " in messages[0]
    assert messages[1] == messages[0]


def test_an_argument_python_cannot_hold_is_refused_as_for_a_row_function(batch_env: TableEnvironment) -> None:
    messages = []
    for f in (lambda ts: ts, udf_async_identity):
        batch_env.create_temporary_function("ident_ts", udf(f, result_type=DataTypes.TIMESTAMP(6)))
        with pytest.raises(Exception) as info:
            values(batch_env.execute_sql(
                "SELECT ident_ts(ts) FROM (VALUES (CAST('2024-01-01 00:00:00.123456' AS TIMESTAMP(9))), "
                "(CAST('2024-01-01 00:00:00.123456789' AS TIMESTAMP(9)))) AS v(ts)"))
        batch_env.drop_temporary_function("ident_ts")
        messages.append(str(info.value).split(": ", 1)[1])
    assert "python UDF ident_ts could not receive its argument at row 1: ValueError: TIMESTAMP(9) value " \
           "1704067200123456789 ns has nanoseconds, which datetime.datetime cannot hold" in messages[0]
    assert messages[1] == messages[0]


async def udf_async_identity(v: Any) -> Any:
    return v
