"""Python aggregate functions (``udaf`` over an AggregateFunction): the
values PyFlink 2.3 gives for the same programs, the data views, errors,
and accumulators that survive a savepoint and restore.

PyFlink runs general Python aggregates only in streaming GROUP BY and group
windows; Sluice also runs them in batch GROUP BY and over OVER windows,
where the tests compare them with the built-in aggregate of the same
meaning."""
from __future__ import annotations

import sqlite3
from typing import Any, List

import pytest

from pyflink.common import Row
from pyflink.table import (DataTypes, EnvironmentSettings, ListView, MapView, StreamTableEnvironment,
                           TableEnvironment)
from pyflink.table.expressions import call, col, lit
from pyflink.table.udf import AggregateFunction, FunctionContext, udaf
from pyflink.table.window import Tumble

from _restore import savepoint_round_trip


class MySum(AggregateFunction):
    def create_accumulator(self) -> Row:
        return Row(0)

    def accumulate(self, acc: Row, x: Any) -> None:
        if x is not None:
            acc[0] += x

    def retract(self, acc: Row, x: Any) -> None:
        if x is not None:
            acc[0] -= x

    def get_value(self, acc: Row) -> int:
        return acc[0]

    def get_result_type(self) -> DataTypes:
        return DataTypes.BIGINT()

    def get_accumulator_type(self) -> DataTypes:
        return DataTypes.ROW([DataTypes.FIELD("f0", DataTypes.BIGINT())])


class WeightedAvg(AggregateFunction):
    def create_accumulator(self) -> List[int]:
        return [0, 0]

    def accumulate(self, acc: List[int], v: int, w: int) -> None:
        acc[0] += v * w
        acc[1] += w

    def retract(self, acc: List[int], v: int, w: int) -> None:
        acc[0] -= v * w
        acc[1] -= w

    def get_value(self, acc: List[int]) -> Any:
        return None if acc[1] == 0 else acc[0] / acc[1]


class DistinctConcat(AggregateFunction):
    """The distinct values seen, with their counts in a MapView."""

    def create_accumulator(self) -> Row:
        return Row(MapView())

    def accumulate(self, acc: Row, s: Any) -> None:
        if s is not None:
            m = acc[0]
            m[s] = m[s] + 1 if s in m else 1

    def retract(self, acc: Row, s: Any) -> None:
        m = acc[0]
        if s in m:
            m[s] -= 1
            if m[s] == 0:
                del m[s]

    def get_value(self, acc: Row) -> str:
        return ",".join(sorted(acc[0].keys()))

    def get_result_type(self) -> DataTypes:
        return DataTypes.STRING()

    def get_accumulator_type(self) -> DataTypes:
        return DataTypes.ROW([DataTypes.FIELD("f0", DataTypes.MAP_VIEW(DataTypes.STRING(), DataTypes.BIGINT()))])


class Collect(AggregateFunction):
    """The values seen, in a ListView."""

    def create_accumulator(self) -> List[Any]:
        return [ListView()]

    def accumulate(self, acc: List[Any], v: Any) -> None:
        acc[0].add(v)

    def get_value(self, acc: List[Any]) -> str:
        return "|".join(str(v) for v in acc[0])


def rows(result: Any) -> List[str]:
    with result.collect() as it:
        return ["%s%s" % (str(r.get_row_kind()), list(r)) for r in it]


def stream_env() -> TableEnvironment:
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    env.get_config().set("parallelism.default", "1")
    return env


def table(env: TableEnvironment) -> Any:
    return env.from_elements([(1, "a", 2), (2, "b", 3), (3, "a", 1), (4, "a", 5)], ["x", "k", "w"])


def test_group_by_table_api_and_sql_as_pyflink() -> None:
    env = stream_env()
    t = table(env)
    my_sum = udaf(MySum())
    wavg = udaf(WeightedAvg(), result_type=DataTypes.DOUBLE(), accumulator_type=DataTypes.ARRAY(DataTypes.BIGINT()))
    # PyFlink's Python group aggregate applies a bundle, then emits each
    # key's result once.
    assert rows(t.group_by(t.k).select(t.k, my_sum(t.x).alias("s"), wavg(t.x, t.w).alias("a")).execute()) == [
        "+I['a', 8, 3.125]", "+I['b', 2, 2.0]"]
    env.create_temporary_view("t", t)
    env.create_temporary_function("my_sum", my_sum)
    env.create_temporary_function("wavg", wavg)
    assert rows(env.execute_sql("SELECT k, my_sum(x), wavg(x, w), COUNT(*) FROM t GROUP BY k")) == [
        "+I['a', 8, 3.125, 3]", "+I['b', 2, 2.0, 1]"]
    # Over an updating input the aggregate retracts.
    assert rows(env.execute_sql("SELECT my_sum(c) FROM (SELECT k, COUNT(*) AS c FROM t GROUP BY k)")) == ["+I[4]"]


def test_decorator_forms_and_declared_types() -> None:
    env = stream_env()
    deco = udaf(result_type=DataTypes.BIGINT(), accumulator_type=DataTypes.ARRAY(DataTypes.BIGINT()), name="total")
    total = deco(MySum())
    assert repr(total).startswith("<udaf total -> BIGINT")
    with pytest.raises(TypeError, match="AggregateFunction instance"):
        udaf(MySum)  # the class, not an instance
    t = table(env)
    assert rows(t.group_by(t.k).select(t.k, total(t.x)).execute()) == ["+I['a', 8]", "+I['b', 2]"]


def test_udaf_argument_checks_match_pyflink() -> None:
    with pytest.raises(ValueError, match="The func_type must be one of 'general, pandas', got arrow."):
        udaf(MySum(), func_type="arrow")
    with pytest.raises(TypeError, match="AggregateFunction instance"):
        udaf(lambda x: x, result_type=DataTypes.BIGINT(), accumulator_type=DataTypes.BIGINT())

    class NoTypes(AggregateFunction):
        def create_accumulator(self) -> List[int]:
            return [0]

        def accumulate(self, acc: List[int], x: int) -> None:
            acc[0] += x

        def get_value(self, acc: List[int]) -> int:
            return acc[0]

    with pytest.raises(RuntimeError, match="Method get_accumulator_type is not implemented"):
        udaf(NoTypes())
    with pytest.raises(TypeError, match="result_type and accumulator_type should be DataType or str at the same time."):
        udaf(NoTypes(), result_type=DataTypes.BIGINT(), accumulator_type="ARRAY<BIGINT>")
    with pytest.raises(TypeError, match="Invalid returnType"):
        udaf(NoTypes(), result_type=42, accumulator_type="BIGINT")
    assert udaf(NoTypes(), result_type="BIGINT", accumulator_type="ARRAY<BIGINT>") is not None


def test_group_window_with_data_views_as_pyflink(tmp_path: Any) -> None:
    src = tmp_path / "src.csv"
    src.write_text("a,1,2024-01-01 00:00:01\nb,2,2024-01-01 00:00:02\na,3,2024-01-01 00:00:07\n"
                   "a,4,2024-01-01 00:00:12\nb,5,2024-01-01 00:00:13\n")
    env = stream_env()
    env.execute_sql("CREATE TABLE src (k STRING, v BIGINT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) "
                    "WITH ('connector' = 'filesystem', 'path' = '%s', 'format' = 'csv')" % src)
    env.create_temporary_function("my_sum", udaf(MySum()))
    env.create_temporary_function("cd", udaf(DistinctConcat()))
    assert rows(env.execute_sql(
        "SELECT k, window_start, my_sum(v), cd(k) FROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), INTERVAL '10' SECOND)) "
        "GROUP BY k, window_start, window_end")) == [
        "+I['a', datetime.datetime(2024, 1, 1, 0, 0), 4, 'a']",
        "+I['b', datetime.datetime(2024, 1, 1, 0, 0), 2, 'b']",
        "+I['a', datetime.datetime(2024, 1, 1, 0, 0, 10), 4, 'a']",
        "+I['b', datetime.datetime(2024, 1, 1, 0, 0, 10), 5, 'b']"]
    # The Table API's group window, with a ListView accumulator.
    collect = udaf(Collect(), result_type=DataTypes.STRING(),
                   accumulator_type=DataTypes.ROW([DataTypes.FIELD("f0", DataTypes.LIST_VIEW(DataTypes.BIGINT()))]))
    t = env.from_path("src")
    res = (t.window(Tumble.over(lit(10).seconds).on(col("ts")).alias("w"))
           .group_by(col("w"), col("k"))
           .select(col("k"), col("w").start, collect(col("v"))))
    assert sorted(rows(res.execute())) == [
        "+I['a', datetime.datetime(2024, 1, 1, 0, 0), '1|3']",
        "+I['a', datetime.datetime(2024, 1, 1, 0, 0, 10), '4']",
        "+I['b', datetime.datetime(2024, 1, 1, 0, 0), '2']",
        "+I['b', datetime.datetime(2024, 1, 1, 0, 0, 10), '5']"]


def test_batch_group_by_and_over_agree_with_the_builtin_aggregates() -> None:
    # PyFlink plans neither ("non-Pandas UDAFs are not supported in batch
    # mode currently", "... in stream mode" over OVER); Sluice runs both.
    env = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
    env.create_temporary_view("t", table(env))
    env.create_temporary_function("my_sum", udaf(MySum()))
    assert sorted(rows(env.execute_sql("SELECT k, my_sum(x), SUM(x) FROM t GROUP BY k"))) == [
        "+I['a', 8, 8]", "+I['b', 2, 2]"]
    over = rows(env.execute_sql(
        "SELECT x, my_sum(x) OVER w, SUM(x) OVER w FROM t WINDOW w AS (PARTITION BY k ORDER BY x "
        "ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)"))
    assert sorted(over) == ["+I[1, 1, 1]", "+I[2, 2, 2]", "+I[3, 4, 4]", "+I[4, 7, 7]"]


def test_open_receives_a_function_context() -> None:
    seen: List[str] = []

    class Opened(MySum):
        def open(self, function_context: FunctionContext) -> None:
            seen.append(type(function_context).__name__)

    env = stream_env()
    t = table(env)
    f = udaf(Opened())
    assert rows(t.group_by(t.k).select(t.k, f(t.x)).execute()) == ["+I['a', 8]", "+I['b', 2]"]
    assert seen == ["FunctionContext"]


def test_an_exception_names_the_function_row_and_traceback() -> None:
    class Boom(MySum):
        def accumulate(self, acc: Row, x: Any) -> None:
            acc[0] += 10 // (x - 3)

    env = stream_env()
    t = table(env)
    boom = udaf(Boom(), name="boom")
    with pytest.raises(Exception) as e:
        rows(t.group_by(t.k).select(t.k, boom(t.x)).execute())
    msg = str(e.value)
    for want in ("python aggregate function boom failed in accumulate", "with arguments (3)",
                 "ZeroDivisionError", "test_udaf.py"):
        assert want in msg


def test_retraction_without_retract_fails_with_pyflinks_message() -> None:
    class NoRetract(AggregateFunction):
        def create_accumulator(self) -> List[int]:
            return [0]

        def accumulate(self, acc: List[int], x: Any) -> None:
            acc[0] += 1

        def get_value(self, acc: List[int]) -> int:
            return acc[0]

    env = stream_env()
    env.create_temporary_view("t", table(env))
    env.create_temporary_function("nr", udaf(NoRetract(), result_type="BIGINT", accumulator_type="ARRAY<BIGINT>"))
    with pytest.raises(Exception, match="Method retract is not implemented"):
        rows(env.execute_sql("SELECT nr(c) FROM (SELECT k, COUNT(*) AS c FROM t GROUP BY k)"))


def test_accumulators_survive_a_savepoint_and_restore(tmp_path: Any) -> None:
    """A job sums a sequence per key into SQLite (an upsert sink), stops
    with a savepoint half way; a second job restores it and reads the rest:
    the sums are those of the whole sequence, so every accumulator came
    back with what it had (a lost one would miss the first half)."""
    n = 20000
    db = tmp_path / "sums.db"

    def insert(t_env: StreamTableEnvironment) -> Any:
        t_env.execute_sql("CREATE TABLE sums (k BIGINT, s BIGINT, c STRING, PRIMARY KEY (k) NOT ENFORCED) WITH ("
                          "'connector' = 'jdbc', 'url' = 'jdbc:sqlite:%s', 'table-name' = 'sums')" % db)
        t_env.create_temporary_function("my_sum", udaf(MySum()))
        t_env.create_temporary_function("parities", udaf(DistinctConcat()))
        return t_env.execute_sql("INSERT INTO sums SELECT a % 5, my_sum(a), parities(CAST(a % 2 AS STRING)) "
                                 "FROM src GROUP BY a % 5")

    con = sqlite3.connect(str(db))
    con.execute("CREATE TABLE sums (k INTEGER PRIMARY KEY, s INTEGER, c TEXT)")
    con.commit()
    half, got = savepoint_round_trip(tmp_path, n, insert,
                                     lambda: {k: (s, c) for k, s, c in con.execute("SELECT k, s, c FROM sums")})
    assert half and sum(s for s, _ in half.values()) < n * (n + 1) // 2
    assert got == {k: (sum(a for a in range(1, n + 1) if a % 5 == k), "0,1") for k in range(5)}


def test_distinct_filter_and_explain_as_pyflink(tmp_path: Any) -> None:
    src = tmp_path / "src.csv"
    src.write_text("a,1\nb,2\na,3\na,3\na,4\nb,5\nb,2\n")
    env = stream_env()
    env.execute_sql("CREATE TABLE src (k STRING, v BIGINT) WITH ('connector' = 'filesystem', 'path' = '%s', "
                    "'format' = 'csv')" % src)
    # An AggregateFunction registers as is: its get_result_type and
    # get_accumulator_type declare it.
    env.create_temporary_function("my_sum", MySum())
    assert rows(env.execute_sql("SELECT k, my_sum(DISTINCT v), my_sum(v) FILTER (WHERE v > 1), my_sum(v) "
                                "FROM src GROUP BY k")) == ["+I['a', 8, 10, 11]", "+I['b', 7, 9, 9]"]
    plan = env.sql_query("SELECT k, my_sum(DISTINCT v) FILTER (WHERE v > 1), COUNT(*) FROM src GROUP BY k").explain()
    assert "PythonGroupAggregate(groupBy=[k], select=[k, my_sum(DISTINCT $f1) FILTER $f2 AS EXPR$1, " \
           "COUNT(*) AS EXPR$2])" in plan
    assert "my_sum(DISTINCT $1) FILTER $2" in plan
    t = env.from_path("src")
    r = t.group_by(t.k).select(call("my_sum", t.v).alias("s"), t.k)
    assert "PythonGroupAggregate(groupBy=[k], " in r.explain()
    schema = r.get_schema()
    assert schema.get_field_data_type(0) == DataTypes.BIGINT() and schema.get_field_data_type("k") == DataTypes.STRING()
    assert schema.get_field_data_type(2) is None and schema.get_field_name(1) == "k"
    assert schema.to_row_data_type() == DataTypes.ROW([DataTypes.FIELD("s", DataTypes.BIGINT()),
                                                       DataTypes.FIELD("k", DataTypes.STRING())])
    # Counts go 1, 2, 3, 4 (a) and 1, 2, 3 (b): each retracted value leaves
    # the DISTINCT sum, the last ones (4 and 3) stay.
    assert rows(env.execute_sql("SELECT my_sum(DISTINCT c) FROM (SELECT k, COUNT(*) AS c FROM src GROUP BY k)")) \
        == ["+I[7]"]


class CountAll(AggregateFunction):
    def create_accumulator(self) -> List[int]:
        return [0]

    def accumulate(self, acc: List[int], *args: Any) -> None:
        acc[0] += 1

    def retract(self, acc: List[int], *args: Any) -> None:
        acc[0] -= 1

    def get_value(self, acc: List[int]) -> int:
        return acc[0]

    def get_result_type(self) -> DataTypes:
        return DataTypes.BIGINT()

    def get_accumulator_type(self) -> DataTypes:
        return DataTypes.ARRAY(DataTypes.BIGINT())


class Joiner(AggregateFunction):
    """A ListView and the separator, PyFlink's documented two-argument form."""

    def create_accumulator(self) -> Row:
        return Row(ListView(), "")

    def accumulate(self, acc: Row, s: str, sep: str) -> None:
        acc[1] = sep
        acc[0].add(s)

    def get_value(self, acc: Row) -> str:
        return acc[1].join(acc[0])

    def get_result_type(self) -> DataTypes:
        return DataTypes.STRING()

    def get_accumulator_type(self) -> DataTypes:
        return DataTypes.ROW([DataTypes.FIELD("f0", DataTypes.LIST_VIEW(DataTypes.STRING())),
                              DataTypes.FIELD("f1", DataTypes.STRING())])


def test_functions_called_by_name_over_an_aggregate_with_small_bundles() -> None:
    env = stream_env()
    env.register_function("my_count", CountAll())
    env.create_temporary_function("my_sum", MySum())
    # Bundles of 2 rows and a state cache of one group: the accumulators go
    # through keyed state between bundles.
    env.get_config().set("python.fn-execution.bundle.size", "2")
    env.get_config().set("sluice.exec.state.cache-size", "1")
    t = env.from_elements([(1, "Hi", "Hello"), (3, "Hi", "hi"), (3, "Hi2", "hi"), (3, "Hi", "hi2"), (2, "Hi", "Hello")],
                          ["a", "b", "c"])
    inner = t.group_by(t.c).select(call("my_count", t.a).alias("a"), call("my_sum", t.a).alias("b"), t.c)
    outer = inner.select(call("my_count", col("a")).alias("a"), call("my_sum", col("b")).alias("b"),
                         call("sum0", col("b")).alias("c"), call("sum0", col("b").cast(DataTypes.DOUBLE())).alias("d"))
    assert outer.to_pandas().values.tolist() == [[3, 12, 12, 12.0]]
    joined = udaf(Joiner())
    t = env.from_elements([(1, "Hi", "Hello"), (3, "Hi", "hi"), (3, "Hi2", "hi"), (2, "Hi", "Hello"),
                           (1, "Hi2", "Hello"), (3, "Hi3", "hi")], ["a", "b", "c"])
    got = t.group_by(t.c).select(joined(t.b, ",").alias("a"), t.c).to_pandas().sort_values("c").values.tolist()
    assert got == [["Hi,Hi,Hi2", "Hello"], ["Hi,Hi2,Hi3", "hi"]]
