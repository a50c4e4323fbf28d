"""Pandas aggregate functions (``udaf(f, func_type="pandas")``): f receives
all the rows of a group as pandas Series and returns one value. The
expected values are those PyFlink 2.3 gives for the same programs over the
same rows.

PyFlink plans pandas aggregates in batch GROUP BY, legacy group windows
(Table API windows, SQL TUMBLE/HOP in GROUP BY) and bounded OVER windows,
and rejects them in a streaming GROUP BY. Sluice rejects that too, and
also runs them where PyFlink 2.3 does not: window TVFs, session windows
and UNBOUNDED PRECEDING OVER windows in streaming mode; the tests check
those against the same rows through the forms PyFlink runs."""
from __future__ import annotations

from typing import Any, List

import pandas as pd
import pytest

from pyflink.table import DataTypes, EnvironmentSettings, TableEnvironment
from pyflink.table.expressions import col, lit
from pyflink.table.udf import udaf
from pyflink.table.window import Slide, Tumble

ROWS = """a,1.0,2,2024-01-01 00:00:01
b,2.0,3,2024-01-01 00:00:02
a,,1,2024-01-01 00:00:04
a,3.0,5,2024-01-01 00:00:07
b,5.0,,2024-01-01 00:00:09
a,4.0,2,2024-01-01 00:00:12
b,6.0,1,2024-01-01 00:00:13
c,,4,2024-01-01 00:00:14
a,8.0,3,2024-01-01 00:00:16
"""

mean_udaf = udaf(lambda v: v.mean(), result_type=DataTypes.DOUBLE(), func_type="pandas")
max_udaf = udaf(lambda v: v.max(), result_type=DataTypes.DOUBLE(), func_type="pandas")
wmean = udaf(lambda v, w: (v * w).sum() / w.sum(), result_type=DataTypes.DOUBLE(), func_type="pandas")
cnt = udaf(lambda v: len(v), result_type=DataTypes.BIGINT(), func_type="pandas")
isum = udaf(lambda a: a.sum(), result_type=DataTypes.BIGINT(), func_type="pandas")
# None for groups of fewer than three rows: a NULL result.
nonesum = udaf(lambda v: None if len(v) < 3 else float(v.sum()), result_type=DataTypes.DOUBLE(), func_type="pandas")


def dtypes(v: pd.Series, a: pd.Series) -> str:
    assert list(v.index) == list(range(len(v))) and list(a.index) == list(range(len(a)))
    return "%s/%s/%d" % (v.dtype, a.dtype, len(v))


desc = udaf(dtypes, result_type=DataTypes.STRING(), func_type="pandas")


def boom(v: pd.Series) -> float:
    return 1 / (len(v) - len(v))


def env(tmp_path: Any, stream: bool) -> TableEnvironment:
    src = tmp_path / "src.csv"
    src.write_text(ROWS)
    settings = EnvironmentSettings.in_streaming_mode() if stream else EnvironmentSettings.in_batch_mode()
    e = TableEnvironment.create(settings)
    e.get_config().set("parallelism.default", "1")
    wm = ", WATERMARK FOR ts AS ts" if stream else ""
    e.execute_sql("CREATE TABLE src (k STRING, v DOUBLE, a BIGINT, ts TIMESTAMP(3)%s) WITH ('connector' = 'filesystem', "
                  "'path' = '%s', 'format' = 'csv', 'csv.null-literal' = '')" % (wm, src))
    for name, f in [("mean_udaf", mean_udaf), ("max_udaf", max_udaf), ("wmean", wmean), ("cnt", cnt),
                    ("isum", isum), ("nonesum", nonesum), ("desc_udaf", desc),
                    ("boom", udaf(boom, result_type=DataTypes.DOUBLE(), func_type="pandas"))]:
        e.create_temporary_function(name, f)
    return e


def rows(result: Any) -> List[str]:
    with result.collect() as it:
        return ["%s%s" % (str(r.get_row_kind()), list(r)) for r in it]


def ts(s: int) -> str:
    return "datetime.datetime(2024, 1, 1, 0, 0%s)" % ("" if s == 0 else ", %d" % s)


def test_batch_group_by_as_pyflink(tmp_path: Any) -> None:
    e = env(tmp_path, stream=False)
    got = rows(e.execute_sql("SELECT k, mean_udaf(v), max_udaf(v), wmean(v, a), cnt(v), isum(a), nonesum(v) "
                             "FROM src GROUP BY k"))
    # c: v is all NULL, so mean and max are NaN, which comes back as NULL.
    assert sorted(got) == [
        "+I['a', 4.0, 8.0, 3.769230769230769, 5, 13, 16.0]",
        "+I['b', 4.333333333333333, 6.0, 3.0, 3, 4, 13.0]",
        "+I['c', None, None, 0.0, 1, 4, None]"]
    assert rows(e.execute_sql("SELECT mean_udaf(v), cnt(a) FROM src")) == ["+I[4.142857142857143, 9]"]
    t = e.from_path("src")
    got = rows(t.group_by(col("k")).select(col("k"), mean_udaf(col("v")), wmean(col("v"), col("a"))).execute())
    assert sorted(got) == ["+I['a', 4.0, 3.769230769230769]", "+I['b', 4.333333333333333, 3.0]", "+I['c', None, 0.0]"]


def test_group_series_dtypes(tmp_path: Any) -> None:
    # Each group's Series is indexed from 0. DOUBLE with NULLs is float64
    # with NaN, and a BIGINT group without NULLs int64, as PyFlink gives
    # them; a BIGINT group with a NULL (b) is pandas' nullable Int64 in
    # Sluice, where PyFlink gives float64 with NaN.
    e = env(tmp_path, stream=False)
    assert sorted(rows(e.execute_sql("SELECT k, desc_udaf(v, a) FROM src GROUP BY k"))) == [
        "+I['a', 'float64/int64/5']", "+I['b', 'float64/Int64/3']", "+I['c', 'float64/int64/1']"]


def test_streaming_group_windows_as_pyflink(tmp_path: Any) -> None:
    e = env(tmp_path, stream=True)
    t = e.from_path("src")
    tumble = rows(t.window(Tumble.over(lit(10).seconds).on(col("ts")).alias("w")).group_by(col("w"), col("k"))
                  .select(col("k"), col("w").start, col("w").end, mean_udaf(col("v")), wmean(col("v"), col("a")))
                  .execute())
    assert sorted(tumble) == sorted([
        "+I['a', %s, %s, 2.0, 2.125]" % (ts(0), ts(10)),
        "+I['b', %s, %s, 3.5, 2.0]" % (ts(0), ts(10)),
        "+I['a', %s, %s, 6.0, 6.4]" % (ts(10), ts(20)),
        "+I['c', %s, %s, None, 0.0]" % (ts(10), ts(20)),
        "+I['b', %s, %s, 6.0, 6.0]" % (ts(10), ts(20))])
    slide = rows(t.window(Slide.over(lit(10).seconds).every(lit(5).seconds).on(col("ts")).alias("w"))
                 .group_by(col("w"), col("k")).select(col("k"), col("w").start, mean_udaf(col("v")), cnt(col("v")))
                 .execute())
    assert sorted(slide) == sorted([
        "+I['a', datetime.datetime(2023, 12, 31, 23, 59, 55), 1.0, 2]",
        "+I['b', datetime.datetime(2023, 12, 31, 23, 59, 55), 2.0, 1]",
        "+I['a', %s, 2.0, 3]" % ts(0), "+I['b', %s, 3.5, 2]" % ts(0),
        "+I['b', %s, 5.5, 2]" % ts(5), "+I['a', %s, 3.5, 2]" % ts(5), "+I['c', %s, None, 1]" % ts(5),
        "+I['c', %s, None, 1]" % ts(10), "+I['b', %s, 6.0, 1]" % ts(10), "+I['a', %s, 6.0, 2]" % ts(10),
        "+I['a', %s, 8.0, 1]" % ts(15)])
    legacy = rows(e.execute_sql("SELECT k, TUMBLE_START(ts, INTERVAL '10' SECOND), mean_udaf(v), isum(a) FROM src "
                                "GROUP BY k, TUMBLE(ts, INTERVAL '10' SECOND)"))
    assert sorted(legacy) == sorted([
        "+I['a', %s, 2.0, 8]" % ts(0), "+I['b', %s, 3.5, 3]" % ts(0), "+I['a', %s, 6.0, 5]" % ts(10),
        "+I['c', %s, None, 4]" % ts(10), "+I['b', %s, 6.0, 1]" % ts(10)])


def test_window_tvfs_and_sessions(tmp_path: Any) -> None:
    # PyFlink 2.3 rejects these in streaming mode ("Pandas UDAFs are not
    # supported in streaming mode currently", "Session Group Window is
    # currently not supported for Pandas UDAF"); Sluice runs them, with the
    # values of the group windows above.
    e = env(tmp_path, stream=True)
    got = rows(e.execute_sql(
        "SELECT k, window_start, window_end, mean_udaf(v), max_udaf(v), wmean(v, a), cnt(v) "
        "FROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY k, window_start, window_end"))
    assert sorted(got) == sorted([
        "+I['a', %s, %s, 2.0, 3.0, 2.125, 3]" % (ts(0), ts(10)),
        "+I['b', %s, %s, 3.5, 5.0, 2.0, 2]" % (ts(0), ts(10)),
        "+I['a', %s, %s, 6.0, 8.0, 6.4, 2]" % (ts(10), ts(20)),
        "+I['b', %s, %s, 6.0, 6.0, 6.0, 1]" % (ts(10), ts(20)),
        "+I['c', %s, %s, None, None, 0.0, 1]" % (ts(10), ts(20))])
    hop = rows(e.execute_sql(
        "SELECT k, window_start, mean_udaf(v), cnt(v) FROM TABLE(HOP(TABLE src, DESCRIPTOR(ts), INTERVAL '5' SECOND, "
        "INTERVAL '10' SECOND)) GROUP BY k, window_start, window_end"))
    assert len(hop) == 11 and "+I['a', %s, 3.5, 2]" % ts(5) in hop and "+I['c', %s, None, 1]" % ts(10) in hop
    session = rows(e.execute_sql(
        "SELECT k, SESSION_START(ts, INTERVAL '3' SECOND), cnt(v), mean_udaf(v) FROM src "
        "GROUP BY k, SESSION(ts, INTERVAL '3' SECOND)"))
    # a: 00:01, 00:04, 00:07 chain into one session (gaps of 3 s), then
    # 00:12 and 00:16 alone.
    assert sorted(session) == sorted([
        "+I['a', %s, 3, 2.0]" % ts(1), "+I['a', %s, 1, 4.0]" % ts(12), "+I['a', %s, 1, 8.0]" % ts(16),
        "+I['b', %s, 1, 2.0]" % ts(2), "+I['b', %s, 1, 5.0]" % ts(9), "+I['b', %s, 1, 6.0]" % ts(13),
        "+I['c', %s, 1, None]" % ts(14)])


OVER_ROWS = [  # k, v, second, mean over ROWS 2 PRECEDING, mean over RANGE 5 s, count and mean since the start
    ("a", 1.0, 1, 1.0, 1.0, 1, 1.0), ("b", 2.0, 2, 2.0, 2.0, 1, 2.0), ("a", None, 4, 1.0, 1.0, 2, 1.0),
    ("a", 3.0, 7, 2.0, 3.0, 3, 2.0), ("b", 5.0, 9, 3.5, 5.0, 2, 3.5), ("a", 4.0, 12, 3.5, 3.5, 4, 2.6666666666666665),
    ("b", 6.0, 13, 4.333333333333333, 5.5, 3, 4.333333333333333), ("c", None, 14, None, None, 1, None),
    ("a", 8.0, 16, 5.0, 6.0, 5, 4.0)]


@pytest.mark.parametrize("stream", [False, True])
def test_over_windows_as_pyflink(tmp_path: Any, stream: bool) -> None:
    e = env(tmp_path, stream=stream)

    def over(frame: str, f: str = "mean_udaf") -> List[str]:
        got = rows(e.execute_sql("SELECT k, v, ts, %s(v) OVER (PARTITION BY k ORDER BY ts %s) FROM src" % (f, frame)))
        return sorted(got)

    def want(i: int) -> List[str]:
        return sorted("+I[%r, %r, %s, %r]" % (k, v, ts(s), r[i]) for k, v, s, *r in OVER_ROWS)

    assert over("ROWS BETWEEN 2 PRECEDING AND CURRENT ROW") == want(0)
    assert over("RANGE BETWEEN INTERVAL '5' SECOND PRECEDING AND CURRENT ROW") == want(1)
    # PyFlink runs UNBOUNDED PRECEDING only in batch mode ("Python UDAF is
    # not supported to be used in UNBOUNDED PRECEDING OVER windows" when
    # streaming); Sluice in both.
    assert over("ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW", "cnt") == want(2)
    assert over("RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW") == want(3)


def test_streaming_group_by_is_rejected_as_pyflink(tmp_path: Any) -> None:
    e = env(tmp_path, stream=True)
    with pytest.raises(Exception, match="Pandas UDAFs are not supported in streaming mode currently"):
        rows(e.execute_sql("SELECT k, mean_udaf(v) FROM src GROUP BY k"))
    t = e.from_path("src")
    with pytest.raises(Exception, match="Pandas UDAFs are not supported in streaming mode currently"):
        rows(t.group_by(col("k")).select(col("k"), mean_udaf(col("v"))).execute())


@pytest.mark.parametrize("stream", [False, True])
def test_an_exception_names_the_function_and_traceback(tmp_path: Any, stream: bool) -> None:
    e = env(tmp_path, stream=stream)
    q = ("SELECT k, boom(v) FROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), INTERVAL '10' SECOND)) "
         "GROUP BY k, window_start, window_end") if stream else "SELECT k, boom(v) FROM src GROUP BY k"
    with pytest.raises(Exception) as err:
        rows(e.execute_sql(q))
    msg = str(err.value)
    for want in ("pandas aggregate function boom raised an exception", "ZeroDivisionError",
                 "test_pandas_udaf.py", "in boom"):
        assert want in msg


def test_a_result_that_is_not_one_value(tmp_path: Any) -> None:
    e = env(tmp_path, stream=False)
    e.create_temporary_function("series", udaf(lambda v: v * 2, result_type=DataTypes.DOUBLE(), func_type="pandas"))
    with pytest.raises(Exception, match="pandas aggregate function series returned a Series for a group"):
        rows(e.execute_sql("SELECT k, series(v) FROM src GROUP BY k"))


@pytest.mark.parametrize("sql", [False, True])
def test_percentiles_example(tmp_path: Any, sql: bool) -> None:
    """examples/pandas_udaf/percentiles.py: its p50 and p95 per province and
    minute are pandas' quantiles of the generated logs grouped the same
    way."""
    import pathlib
    import runpy
    path = pathlib.Path(__file__).resolve().parents[2] / "examples" / "pandas_udaf" / "percentiles.py"
    ex = runpy.run_path(str(path))
    logs = str(tmp_path / "logs")
    ex["generate"](logs, 3000, 1000, 3)
    got = ex["percentiles"](logs, sql=sql)
    lookup = ex["ip_to_province"]._func
    frames = [pd.read_csv(f, header=None, names=["uuid", "client_ip", "request_time", "response_size", "uri",
                                                 "log_time"]) for f in sorted(pathlib.Path(logs).rglob("*")) if f.is_file()]
    df = pd.concat(frames)
    df["province"] = df["client_ip"].map(lookup)
    df["minute"] = pd.to_datetime(df["log_time"], format="ISO8601").dt.floor("min").astype(str)
    want = []
    for (province, minute), g in df.groupby(["province", "minute"]):
        want.append((province, minute, len(g), g["response_size"].quantile(0.5), g["response_size"].quantile(0.95)))
    assert len(df) == 3000 and len(got) == len(want) > 30
    assert sorted(got, key=lambda r: (r[1], r[0])) == sorted(want, key=lambda r: (r[1], r[0]))


def test_a_function_may_keep_its_series(tmp_path: Any) -> None:
    # A numeric column without NULLs reaches pandas as a view of Sluice's
    # buffer: a Series kept beyond its call keeps that memory valid.
    kept: List[pd.Series] = []

    def keep(v: pd.Series) -> float:
        kept.append(v)
        return float(v.sum())

    e = env(tmp_path, stream=False)
    e.create_temporary_function("keep", udaf(keep, result_type=DataTypes.DOUBLE(), func_type="pandas"))
    got = rows(e.execute_sql("SELECT k, keep(CAST(a AS DOUBLE)) FROM src WHERE a IS NOT NULL GROUP BY k"))
    assert sorted(got) == ["+I['a', 13.0]", "+I['b', 4.0]", "+I['c', 4.0]"]
    # Other work reuses freed memory; the kept Series still hold their rows.
    rows(e.execute_sql("SELECT k, mean_udaf(v), cnt(a) FROM src GROUP BY k"))
    assert sorted(sorted(s.tolist()) for s in kept) == [[1.0, 2.0, 2.0, 3.0, 5.0], [1.0, 3.0], [4.0]]


def test_groups_of_one_size_see_their_own_series() -> None:
    """Groups of equal size, one numeric argument: the driver may hand the
    next group the Series the last call did not keep. Whatever a call
    leaves on its Series (a name, a cached property) must not reach the
    next group, and a Series kept or returned is never handed out again."""
    seen: List[Any] = []
    kept: List[pd.Series] = []

    def probe(v: pd.Series) -> float:
        seen.append((v.name, v.hasnans, v.tolist()))
        v.name = "renamed"
        if len(seen) % 3 == 0:
            kept.append(v)
        return float(v.sum())

    e = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
    e.get_config().set("parallelism.default", "1")
    data = [(k, float(k * 10 + i)) for k in range(9) for i in range(4)]
    t = e.from_elements(data, ["k", "v"])
    f = udaf(probe, result_type=DataTypes.DOUBLE(), func_type="pandas")
    got = sorted(tuple(r) for r in t.group_by(t.k).select(t.k, f(t.v)).execute().collect())
    assert got == [(k, float(sum(k * 10 + i for i in range(4)))) for k in range(9)]
    assert sorted(x[2] for x in seen) == [[float(k * 10 + i) for i in range(4)] for k in range(9)]
    assert all(name is None and not nans for name, nans, _ in seen)
    assert sorted(s.tolist() for s in kept) == sorted(x[2] for i, x in enumerate(seen) if (i + 1) % 3 == 0)


def test_row_based_aggregate_as_pyflink() -> None:
    # PyFlink's documented pandas udaf in a row-based aggregate: the group's
    # rows as one DataFrame, a ROW result as columns.
    e = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
    e.get_config().set("parallelism.default", "1")
    t = e.from_elements([(1, 2, 3.0), (3, 2, 4.0), (1, 5, 5.0)], ["a", "b", "c"])
    agg = udaf(lambda pd: (pd.b.mean(), pd.b.max()),
               result_type=DataTypes.ROW([DataTypes.FIELD("a", DataTypes.FLOAT()), DataTypes.FIELD("b", DataTypes.INT())]),
               func_type="pandas")
    res = t.select(t.a, t.b).group_by(t.a).aggregate(agg.alias("x", "y")).select(col("a"), col("x"), col("y"))
    assert sorted(rows(res.execute())) == ["+I[1, 3.5, 5]", "+I[3, 2.0, 2]"]
