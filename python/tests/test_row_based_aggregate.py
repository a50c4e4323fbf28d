"""Row-based aggregate (``GroupedTable.aggregate``, ``Table.aggregate``):
an aggregate whose ROW value becomes columns, then ``select``; names,
aliases, changelogs and errors as PyFlink 2.3 gives them.

PyFlink runs general Python aggregates only in streaming mode; Sluice
also runs them in batch mode, with the same final rows."""
from __future__ import annotations

from typing import Any, List

import pytest

from pyflink.common import Row
from pyflink.table import DataTypes, EnvironmentSettings, TableEnvironment
from pyflink.table.expressions import col
from pyflink.table.udf import AggregateFunction, udaf, udf

from _agg_helpers import env_of, pyflink_table, rows


class CountAndSum(AggregateFunction):
    """PyFlink's test CountAndSumAggregateFunction: the whole row comes as
    args[0]."""

    def get_value(self, accumulator: Row) -> Row:
        return Row(accumulator[0], accumulator[1])

    def create_accumulator(self) -> Row:
        return Row(0, 0)

    def accumulate(self, accumulator: Row, *args: Any) -> None:
        accumulator[0] += 1
        accumulator[1] += args[0][1]

    def retract(self, accumulator: Row, *args: Any) -> None:
        accumulator[0] -= 1
        accumulator[1] -= args[0][1]

    def get_accumulator_type(self) -> Any:
        return DataTypes.ROW([DataTypes.FIELD("a", DataTypes.BIGINT()), DataTypes.FIELD("b", DataTypes.BIGINT())])

    def get_result_type(self) -> Any:
        return DataTypes.ROW([DataTypes.FIELD("a", DataTypes.BIGINT()), DataTypes.FIELD("b", DataTypes.BIGINT())])


class MaxMin(AggregateFunction):
    def get_value(self, acc: List[Any]) -> Row:
        return Row(acc[0], acc[1])

    def create_accumulator(self) -> List[Any]:
        return [None, None]

    def accumulate(self, acc: List[Any], v: Any) -> None:
        if v is not None:
            acc[0] = v if acc[0] is None else max(acc[0], v)
            acc[1] = v if acc[1] is None else min(acc[1], v)

    def get_result_type(self) -> str:
        return "ROW<mx BIGINT, mn BIGINT>"

    def get_accumulator_type(self) -> str:
        return "ARRAY<BIGINT>"


@pytest.mark.parametrize("streaming", [True, False])
def test_aggregate_as_pyflink(streaming: bool) -> None:
    env = env_of(streaming)
    # PyFlink's test_aggregate: a bare udaf gets the row, alias names the
    # fields.
    t = env.from_elements([(1, 2, 3), (2, 1, 3), (1, 5, 4), (1, 8, 6), (2, 3, 4)],
                          DataTypes.ROW([DataTypes.FIELD("a", DataTypes.BIGINT()),
                                         DataTypes.FIELD("b", DataTypes.SMALLINT()),
                                         DataTypes.FIELD("c", DataTypes.INT())]))
    f = CountAndSum()
    agg = udaf(f, result_type=f.get_result_type(), accumulator_type=f.get_accumulator_type(), name="CountAndSum")
    res = t.group_by(t.a).aggregate(agg.alias("c", "d")).select(col("a"), col("c"), col("d"))
    assert sorted(rows(res)) == ["+I[1, 3, 15]", "+I[2, 2, 4]"]


@pytest.mark.parametrize("streaming", [True, False])
def test_names_and_aliases_as_pyflink(streaming: bool) -> None:
    env = env_of(streaming)
    t = pyflink_table(env)
    mm = udaf(MaxMin())
    plain = t.group_by(t.c).aggregate(mm(t.a)).select(col("*"))
    assert plain.get_schema().get_field_names() == ["c", "TMP_0$mx", "TMP_0$mn"]
    assert rows(plain) == ["+I['Hello', 7, 1]", "+I['hi', 5, 3]"]
    aliased = t.group_by(t.c).aggregate(mm(t.a).alias("p", "q")).select(col("q"), col("c"), col("p"))
    assert aliased.get_schema().get_field_names() == ["q", "c", "p"]
    assert rows(aliased) == ["+I[1, 'Hello', 7]", "+I[3, 'hi', 5]"]
    whole = t.aggregate(mm(t.a).alias("p", "q")).select(col("*"))
    assert rows(whole) == ["+I[7, 1]"]
    # A built-in aggregate: one column TMP_0, or its alias.
    builtin = t.group_by(t.c).aggregate(t.a.sum.alias("s")).select(col("*"))
    assert builtin.get_schema().get_field_names() == ["c", "s"]
    assert t.group_by(t.c).aggregate(t.a.sum).select(col("*")).get_schema().get_field_names() == ["c", "TMP_0"]


def test_builtin_aggregate_changelog_as_pyflink() -> None:
    env = env_of()
    t = pyflink_table(env)
    assert rows(t.group_by(t.c).aggregate(t.a.sum.alias("s")).select(col("*"))) == [
        "+I['Hello', 1]", "+I['hi', 3]", "-U['hi', 3]", "+U['hi', 8]", "-U['Hello', 1]", "+U['Hello', 8]",
        "-U['Hello', 8]", "+U['Hello', 10]"]


def test_streaming_changelog_per_bundle_as_pyflink(tmp_path: Any) -> None:
    src = tmp_path / "in.csv"
    src.write_text("1,Hi,Hello\n3,Hi,hi\n5,Hi2,hi\n7,Hi,Hello\n2,Hi,Hello\n7,x,Hello\n")
    env = env_of()
    env.get_config().set("python.fn-execution.bundle.size", "1")
    env.get_config().set("sluice.exec.batch-size", "1")
    env.execute_sql("CREATE TABLE src (a BIGINT, b STRING, c STRING) WITH ('connector' = 'filesystem', "
                    "'path' = '%s', 'format' = 'csv')" % src)
    t = env.from_path("src")
    mm = udaf(MaxMin())
    assert rows(t.group_by(t.c).aggregate(mm(t.a).alias("p", "q")).select(col("*"))) == [
        "+I['Hello', 1, 1]", "+I['hi', 3, 3]", "-U['hi', 3, 3]", "+U['hi', 5, 3]", "-U['Hello', 1, 1]",
        "+U['Hello', 7, 1]"]


def test_errors_as_pyflink() -> None:
    env = env_of()
    t = pyflink_table(env)
    mm = udaf(MaxMin())
    with pytest.raises(ValueError) as e:
        t.group_by(t.c).aggregate(udf(lambda x: x, result_type="BIGINT")(t.a))
    assert str(e.value) == "Aggregate function expected. Got: <lambda>(a)"
    with pytest.raises(ValueError) as e:
        t.group_by(t.c).aggregate(mm(t.a).alias("x", "r", "z"))
    assert str(e.value) == ("List of column aliases must have same degree as table; the returned table of function "
                            "'MaxMin(a)' has 2 columns, whereas alias list has 3 columns")


def test_aggregate_with_pandas_udaf_as_pyflink() -> None:
    """PyFlink's batch test_aggregate_with_pandas_udaf(_without_keys): a
    bare pandas udaf gets one DataFrame of the columns."""
    env = env_of(streaming=False)
    t = env.from_elements([(1, 2, 3), (2, 1, 3), (1, 5, 4), (1, 8, 6), (2, 3, 4)],
                          DataTypes.ROW([DataTypes.FIELD("a", DataTypes.TINYINT()),
                                         DataTypes.FIELD("b", DataTypes.SMALLINT()),
                                         DataTypes.FIELD("c", DataTypes.INT())]))
    result_type = DataTypes.ROW([DataTypes.FIELD("a", DataTypes.FLOAT()), DataTypes.FIELD("b", DataTypes.INT())])
    keyed = udaf(lambda pd: (pd.b.mean(), pd.a.max()), result_type=result_type, func_type="pandas")
    assert rows(t.select(t.a, t.b).group_by(t.a).aggregate(keyed).select(col("*"))) == [
        "+I[1, 5.0, 1]", "+I[2, 2.0, 2]"]
    whole = udaf(lambda pd: Row(pd.b.mean(), pd.b.max()), result_type=result_type, func_type="pandas")
    assert rows(t.select(t.b).aggregate(whole.alias("a", "b")).select(col("a"), col("b"))) == ["+I[3.8, 8]"]


def test_window_aggregate_as_pyflink(tmp_path: Any) -> None:
    """A group window's row-based aggregate: the keys and the fields
    (PyFlink 2.3's rows); Flink 2.3 refuses window properties there."""
    from pyflink.table.expressions import lit
    from pyflink.table.window import Tumble
    src = tmp_path / "w.csv"
    src.write_text("1,2,2018-03-11 03:10:00\n3,5,2018-03-11 03:10:00\n2,1,2018-03-11 03:20:00\n"
                   "1,3,2018-03-11 03:40:00\n1,8,2018-03-11 04:20:00\n2,3,2018-03-11 03:30:00\n")
    env = env_of()
    env.execute_sql("CREATE TABLE w (a BIGINT, b BIGINT, rowtime TIMESTAMP(3), WATERMARK FOR rowtime AS rowtime) "
                    "WITH ('connector' = 'filesystem', 'path' = '%s', 'format' = 'csv')" % src)
    tw = env.from_path("w")
    mm = udaf(MaxMin())
    w = Tumble.over(lit(1).hours).on(col("rowtime")).alias("w")
    keyed = tw.window(w).group_by(col("w"), col("a")).aggregate(mm(tw.b).alias("p", "q")).select(
        col("a"), col("p"), col("q"))
    assert keyed.get_schema().get_field_names() == ["a", "p", "q"]
    assert rows(keyed) == ["+I[1, 3, 2]", "+I[3, 5, 5]", "+I[2, 3, 1]", "+I[1, 8, 8]"]
    assert rows(tw.window(w).group_by(col("w")).aggregate(mm(tw.b).alias("p", "q")).select(col("p"), col("q"))) == [
        "+I[5, 1]", "+I[8, 8]"]
    plain = tw.window(w).group_by(col("w")).aggregate(mm(tw.b)).select(col("TMP_0$mx"), col("TMP_0$mn") + 1)
    assert rows(plain) == ["+I[5, 2]", "+I[8, 9]"]
    with pytest.raises(Exception, match="Invalid function call:\nstart\\(ROW<`a` BIGINT"):
        tw.window(w).group_by(col("w")).aggregate(mm(tw.b).alias("p", "q")).select(col("w").start, col("p"))
    with pytest.raises(Exception, match="Can not use \\* for window aggregate!"):
        tw.window(w).group_by(col("w")).aggregate(mm(tw.b)).select(col("*"))
