"""Table aggregate functions (``udtaf`` over a TableAggregateFunction) in
``flat_aggregate``: the rows and changelogs PyFlink 2.3 gives for the same
programs, errors with its messages, and accumulators that survive a
savepoint and restore.

PyFlink runs Python table aggregates only in streaming mode; Sluice also
runs them in batch mode (the rows of the last emission)."""
from __future__ import annotations

import sqlite3
from typing import Any, Iterator, List, Optional

import pytest

from pyflink.common import Row
from pyflink.table import (DataTypes, EnvironmentSettings, StreamTableEnvironment, TableAggregateFunction,
                           TableEnvironment)
from pyflink.table.expressions import col
from pyflink.table.udf import AggregateFunction, udaf, udtaf

from _agg_helpers import env_of, pyflink_table, rows
from _restore import savepoint_round_trip


class Top2(TableAggregateFunction):
    """PyFlink's test Top2: the whole row comes as args[0]."""

    def emit_value(self, accumulator: List[Any]) -> Iterator[Row]:
        yield Row(accumulator[0])
        yield Row(accumulator[1])

    def create_accumulator(self) -> List[Any]:
        return [None, None]

    def accumulate(self, accumulator: List[Any], *args: Any) -> None:
        if args[0][0] is not None:
            if accumulator[0] is None or args[0][0] > accumulator[0]:
                accumulator[1] = accumulator[0]
                accumulator[0] = args[0][0]
            elif accumulator[1] is None or args[0][0] > accumulator[1]:
                accumulator[1] = args[0][0]

    def retract(self, accumulator: List[Any], *args: Any) -> None:
        accumulator[0] = accumulator[0] - 1

    def get_accumulator_type(self) -> Any:
        return DataTypes.ARRAY(DataTypes.BIGINT())

    def get_result_type(self) -> Any:
        return DataTypes.ROW([DataTypes.FIELD("a", DataTypes.BIGINT())])


class Top2Ranked(TableAggregateFunction):
    """Top 2 values of its argument with their rank (the Flink docs' form)."""

    def emit_value(self, accumulator: List[Any]) -> Iterator[Row]:
        if accumulator[0] is not None:
            yield Row(accumulator[0], 1)
        if accumulator[1] is not None:
            yield Row(accumulator[1], 2)

    def create_accumulator(self) -> List[Any]:
        return [None, None]

    def accumulate(self, accumulator: List[Any], v: Optional[int]) -> None:
        if v is not None:
            if accumulator[0] is None or v > accumulator[0]:
                accumulator[1] = accumulator[0]
                accumulator[0] = v
            elif accumulator[1] is None or v > accumulator[1]:
                accumulator[1] = v

    def get_accumulator_type(self) -> str:
        return "ARRAY<BIGINT>"

    def get_result_type(self) -> str:
        return "ROW<v BIGINT, `rank` INT>"


class SumAndCount(TableAggregateFunction):
    """Two rows per group, ('sum', s) and ('count', n), with retract: each
    depends on every row the group ever got."""

    def emit_value(self, accumulator: List[int]) -> Iterator[tuple]:
        yield "sum", accumulator[0]
        yield "count", accumulator[1]

    def create_accumulator(self) -> List[int]:
        return [0, 0]

    def accumulate(self, accumulator: List[int], v: int) -> None:
        accumulator[0] += v
        accumulator[1] += 1

    def retract(self, accumulator: List[int], v: int) -> None:
        accumulator[0] -= v
        accumulator[1] -= 1

    def get_accumulator_type(self) -> str:
        return "ARRAY<BIGINT>"

    def get_result_type(self) -> str:
        return "ROW<name STRING, v BIGINT>"


@pytest.mark.parametrize("streaming", [True, False])
def test_flat_aggregate_as_pyflink(streaming: bool) -> None:
    env = env_of(streaming)
    t = pyflink_table(env)
    mytop = udtaf(Top2())
    # PyFlink's test_flat_aggregate: a bare udtaf gets the row; the second
    # flat_aggregate runs over the whole table.
    res = (t.select(t.a, t.c).group_by(t.c).flat_aggregate(mytop).select(t.a)
           .flat_aggregate(mytop.alias("b")).select(col("b")))
    assert res.get_schema().get_field_names() == ["b"]
    assert rows(res) == ["+I[7]", "+I[5]"]
    grouped = t.select(t.a, t.c).group_by(t.c).flat_aggregate(udtaf(Top2())).select(col("*"))
    assert grouped.get_schema().get_field_names() == ["c", "a"]
    # One bundle (PyFlink's python.fn-execution.bundle.size is 100000):
    # each key's rows once.
    assert rows(grouped) == ["+I['Hello', 7]", "+I['Hello', 2]", "+I['hi', 5]", "+I['hi', 3]"]


@pytest.mark.parametrize("streaming", [True, False])
def test_call_alias_and_whole_table_as_pyflink(streaming: bool) -> None:
    env = env_of(streaming)
    t = pyflink_table(env)
    top2 = udtaf(Top2Ranked())
    aliased = t.group_by(t.c).flat_aggregate(top2(t.a).alias("x", "r")).select(col("c"), col("x"), col("r"))
    assert aliased.get_schema().get_field_names() == ["c", "x", "r"]
    assert [str(x) for x in aliased.get_schema().get_field_data_types()] == ["STRING", "BIGINT", "INT"]
    assert rows(aliased) == ["+I['Hello', 7, 1]", "+I['Hello', 2, 2]", "+I['hi', 5, 1]", "+I['hi', 3, 2]"]
    named = t.group_by(t.c).flat_aggregate(top2(t.a)).select(col("*"))
    assert named.get_schema().get_field_names() == ["c", "v", "rank"]
    whole = t.flat_aggregate(top2(t.a)).select(col("*"))
    assert whole.get_schema().get_field_names() == ["v", "rank"]
    assert rows(whole) == ["+I[7, 1]", "+I[5, 2]"]


def test_streaming_changelog_retracts_and_reemits_per_bundle_as_pyflink(tmp_path: Any) -> None:
    """One row per bundle: after each row the key's earlier rows are
    retracted (-D) and its rows emitted again (+I), even when they did not
    change (the row 2): PyFlink 2.3's changelog for the same program."""
    src = tmp_path / "in.csv"
    src.write_text("1,Hi,Hello\n3,Hi,hi\n5,Hi2,hi\n7,Hi,Hello\n2,Hi,Hello\n7,x,Hello\n")
    env = env_of()
    env.get_config().set("python.fn-execution.bundle.size", "1")
    env.get_config().set("sluice.exec.batch-size", "1")
    env.execute_sql("CREATE TABLE src (a BIGINT, b STRING, c STRING) WITH ('connector' = 'filesystem', "
                    "'path' = '%s', 'format' = 'csv')" % src)
    t = env.from_path("src")
    top2 = udtaf(Top2Ranked())
    assert rows(t.group_by(t.c).flat_aggregate(top2(t.a).alias("x", "r")).select(col("c"), col("x"), col("r"))) == [
        "+I['Hello', 1, 1]",
        "+I['hi', 3, 1]",
        "-D['hi', 3, 1]", "+I['hi', 5, 1]", "+I['hi', 3, 2]",
        "-D['Hello', 1, 1]", "+I['Hello', 7, 1]", "+I['Hello', 1, 2]",
        "-D['Hello', 7, 1]", "-D['Hello', 1, 2]", "+I['Hello', 7, 1]", "+I['Hello', 2, 2]",
        "-D['Hello', 7, 1]", "-D['Hello', 2, 2]", "+I['Hello', 7, 1]", "+I['Hello', 7, 2]"]
    assert rows(t.flat_aggregate(top2(t.a).alias("x", "r")).select(col("*")))[-4:] == [
        "-D[7, 1]", "-D[5, 2]", "+I[7, 1]", "+I[7, 2]"]


def test_over_an_updating_input_and_into_an_aggregate() -> None:
    """A table aggregate retracts what an updating input retracts; its
    -D/+I feed a downstream aggregate."""
    env = env_of()
    t = env.from_elements([("a", 1), ("b", 2), ("a", 3), ("a", 4), ("b", 5)], ["k", "v"])
    sums = env.sql_query("SELECT k, SUM(v) AS s FROM %s GROUP BY k" % t)
    sc = udtaf(SumAndCount())
    # Over the per-key sums (a: 8, b: 7): their sum and how many there are.
    assert rows(sums.flat_aggregate(sc(sums.s)).select(col("*"))) == ["+I['sum', 15]", "+I['count', 2]"]
    per_key = t.group_by(t.k).flat_aggregate(sc(t.v)).select(col("k"), col("name"), col("v"))
    total = per_key.group_by(col("name")).select(col("name"), col("v").sum.alias("total"))
    got = {}
    with total.execute().collect() as it:
        for r in it:
            if str(r.get_row_kind()) in ("+I", "+U"):
                got[r[0]] = r[1]
            else:
                got.pop(r[0], None)
    assert got == {"sum": 15, "count": 5}


def test_errors_as_pyflink() -> None:
    env = env_of()
    t = pyflink_table(env)
    top2 = udtaf(Top2Ranked())

    class MaxOf(AggregateFunction):
        def create_accumulator(self) -> List[Any]:
            return [None]

        def accumulate(self, acc: List[Any], v: Any) -> None:
            acc[0] = v if acc[0] is None else max(acc[0], v)

        def get_value(self, acc: List[Any]) -> Any:
            return acc[0]

    mx = udaf(MaxOf(), result_type="BIGINT", accumulator_type="ARRAY<BIGINT>")
    not_table_agg = ("A flatAggregate only accepts an expression which defines a table aggregate function "
                     "that might be followed by some alias.")
    with pytest.raises(ValueError) as e:
        t.group_by(t.c).flat_aggregate(mx(t.a))
    assert str(e.value) == not_table_agg
    with pytest.raises(ValueError) as e:
        t.group_by(t.c).flat_aggregate(t.a.sum)
    assert str(e.value) == not_table_agg
    with pytest.raises(ValueError) as e:
        t.group_by(t.c).aggregate(top2(t.a))
    assert str(e.value) == "Aggregate function expected. Got: Top2Ranked(a)"
    with pytest.raises(ValueError) as e:
        t.group_by(t.c).flat_aggregate(top2(t.a).alias("x", "r", "z"))
    assert str(e.value) == ("List of column aliases must have same degree as table; the returned table of function "
                            "'Top2Ranked' has 2 columns, whereas alias list has 3 columns")


def test_udtaf_checks_as_pyflink() -> None:
    with pytest.raises(ValueError, match="The func_type must be 'general', got pandas."):
        udtaf(Top2Ranked(), func_type="pandas")
    with pytest.raises(TypeError, match="TableAggregateFunction instance"):
        udtaf(Top2Ranked)

    class NoTypes(TableAggregateFunction):
        def create_accumulator(self) -> List[int]:
            return [0]

        def accumulate(self, acc: List[int], v: int) -> None:
            acc[0] += v

        def emit_value(self, acc: List[int]) -> Iterator[Row]:
            yield Row(acc[0])

    with pytest.raises(RuntimeError, match="Method get_accumulator_type is not implemented"):
        udtaf(NoTypes())
    with pytest.raises(TypeError, match="result_type and accumulator_type should be DataType or str at the same time."):
        udtaf(NoTypes(), result_type=DataTypes.ROW([DataTypes.FIELD("a", DataTypes.BIGINT())]),
              accumulator_type="ARRAY<BIGINT>")
    deco = udtaf(result_type="ROW<a BIGINT>", accumulator_type="ARRAY<BIGINT>", name="total")
    assert repr(deco(NoTypes())).startswith("<udtaf total -> ROW<")
    with pytest.raises(TypeError):  # emit_value and the rest are abstract
        type("Bare", (TableAggregateFunction,), {})()


def test_accumulators_survive_a_savepoint_and_restore(tmp_path: Any) -> None:
    """Each key's sum and count of a sequence go into SQLite (an upsert
    sink keyed by key and name: -D deletes, +I writes); the job stops with
    a savepoint half way and a second one restores it: the rows are those
    of the whole sequence, so every table aggregate's accumulator came back
    (a lost one would miss the first half)."""
    n = 20000
    db = tmp_path / "sc.db"

    def insert(t_env: StreamTableEnvironment) -> Any:
        t_env.execute_sql("CREATE TABLE sc (k BIGINT, name STRING, v BIGINT, PRIMARY KEY (k, name) NOT ENFORCED) "
                          "WITH ('connector' = 'jdbc', 'url' = 'jdbc:sqlite:%s', 'table-name' = 'sc')" % db)
        src = t_env.from_path("src").select((col("a") % 5).alias("k"), col("a"))
        res = src.group_by(col("k")).flat_aggregate(udtaf(SumAndCount())(col("a"))).select(col("*"))
        return res.execute_insert("sc")

    con = sqlite3.connect(str(db))
    con.execute("CREATE TABLE sc (k INTEGER, name TEXT, v INTEGER, PRIMARY KEY (k, name))")
    con.commit()
    half, got = savepoint_round_trip(tmp_path, n, insert, lambda: {
        (k, name): v for k, name, v in con.execute("SELECT k, name, v FROM sc")})
    assert half and sum(v for (_, name), v in half.items() if name == "count") < n
    want = {}
    for k in range(5):
        want[(k, "sum")] = sum(a for a in range(1, n + 1) if a % 5 == k)
        want[(k, "count")] = n // 5
    assert got == want


def test_parallel_changelog_applies_to_the_model(tmp_path: Any) -> None:
    """3000 rows over 37 keys at parallelism 3, 7 rows per batch and
    bundle: every -D retracts a row emitted before, and what remains is
    each key's top 2 (a Python model of the same rows)."""
    env = env_of()
    env.get_config().set("parallelism.default", "3")
    env.get_config().set("sluice.exec.batch-size", "7")
    env.get_config().set("python.fn-execution.bundle.size", "7")
    data = [(i % 37, (i * 7919) % 1009) for i in range(3000)]
    src = tmp_path / "in.csv"
    src.write_text("".join("%d,%d\n" % r for r in data))
    env.execute_sql("CREATE TABLE src (k INT, v BIGINT) WITH ('connector' = 'filesystem', 'path' = '%s', "
                    "'format' = 'csv')" % src)
    t = env.from_path("src")
    top2 = udtaf(Top2Ranked())
    live: dict = {}
    retractions = 0
    with t.group_by(t.k).flat_aggregate(top2(t.v)).select(col("*")).execute().collect() as it:
        for r in it:
            key = tuple(r)
            if str(r.get_row_kind()) == "-D":
                assert live.get(key, 0) > 0, "retracted a row never emitted: %s" % (key,)
                live[key] -= 1
                retractions += 1
            else:
                assert str(r.get_row_kind()) == "+I"
                live[key] = live.get(key, 0) + 1
    got = sorted(k for k, n in live.items() for _ in range(n))
    want = []
    for k in range(37):
        vs = sorted((v for kk, v in data if kk == k), reverse=True)
        want += [(k, vs[0], 1), (k, vs[1], 2)]
    assert got == sorted(want)
    assert retractions > 0


def test_explain_shows_the_aggregate_its_unnest_and_the_emit() -> None:
    env = env_of()
    t = pyflink_table(env)
    plan = t.group_by(t.c).flat_aggregate(udtaf(Top2Ranked())(t.a)).select(col("*")).explain()
    physical = plan.split("== Optimized Physical Plan ==")[1]
    lines = [x.strip("+- ").split("(")[0] for x in physical.strip().splitlines()[:5]]
    assert lines == ["TableAggregateEmit", "Calc", "Correlate", "Calc", "PythonGroupAggregate"]
    assert "TableAggregateEmit(tableAggregate=[Top2Ranked(a)], select=[c, v, rank])" in physical


class ListViewConcat(TableAggregateFunction):
    """PyFlink's ListViewConcatTableAggregateFunction: a ListView in the
    accumulator."""

    def emit_value(self, accumulator: Row) -> Iterator[Row]:
        result = accumulator[1].join(accumulator[0])
        yield Row(result)
        yield Row(result)

    def create_accumulator(self) -> Row:
        from pyflink.table import ListView
        return Row(ListView(), '')

    def accumulate(self, accumulator: Row, *args: Any) -> None:
        accumulator[1] = args[1]
        accumulator[0].add(args[0])

    def retract(self, accumulator: Row, *args: Any) -> None:
        raise NotImplementedError

    def get_accumulator_type(self) -> Any:
        return DataTypes.ROW([DataTypes.FIELD("f0", DataTypes.LIST_VIEW(DataTypes.STRING())),
                              DataTypes.FIELD("f1", DataTypes.BIGINT())])

    def get_result_type(self) -> Any:
        return DataTypes.ROW([DataTypes.FIELD("a", DataTypes.STRING())])


def test_flat_aggregate_list_view_as_pyflink() -> None:
    env = env_of()
    env.get_config().get_configuration().set_string("python.fn-execution.bundle.size", "2")
    env.get_config().get_configuration().set_string("python.state.cache-size", "2")
    t = env.from_elements([(1, 'Hi', 'Hello'), (3, 'Hi', 'hi'), (3, 'Hi2', 'hi'), (3, 'Hi', 'hi'), (2, 'Hi', 'Hello'),
                           (1, 'Hi2', 'Hello'), (3, 'Hi3', 'hi'), (3, 'Hi2', 'Hello'), (3, 'Hi3', 'hi'),
                           (2, 'Hi3', 'Hello')], ['a', 'b', 'c'])
    my_concat = udtaf(ListViewConcat())
    result = t.group_by(t.c).flat_aggregate(my_concat(t.b, ',').alias("b")).select(t.b, t.c).alias("a, c")
    df = result.to_pandas().sort_values('c').reset_index(drop=True)
    assert df.values.tolist() == [["Hi,Hi,Hi2,Hi2,Hi3", "Hello"], ["Hi,Hi,Hi2,Hi2,Hi3", "Hello"],
                                  ["Hi,Hi2,Hi,Hi3,Hi3", "hi"], ["Hi,Hi2,Hi,Hi3,Hi3", "hi"]]
    assert list(df.columns) == ["a", "c"]


def test_a_table_aggregate_outside_flat_aggregate_is_refused() -> None:
    """Flink 2.3 plans a udtaf in SQL as an aggregate and fails when the
    job runs (no get_value), and cannot resolve it in a select: Sluice
    refuses both when planning."""
    env = env_of()
    t = pyflink_table(env)
    top2 = udtaf(Top2Ranked())
    env.create_temporary_function("top2", top2)
    env.create_temporary_view("t", t)
    with pytest.raises(Exception, match="top2 is a table aggregate function: call it in flat_aggregate"):
        env.sql_query("SELECT c, top2(a) FROM t GROUP BY c")
    with pytest.raises(Exception, match="Top2Ranked is a table aggregate function"):
        t.group_by(t.c).select(t.c, top2(t.a))
