"""The Table API's group windows (Table.window with Tumble, Slide and
Session) and over windows (Table.over_window with Over), in the expression
DSL and in PyFlink 1.10's string expressions.

Every expected schema and row below is what PyFlink 2.3 prints for the same
program over the same rows (a CSV table with an event-time attribute ts,
watermark ts - 1 s, and a processing-time attribute pt), and every error
carries the meaning of Flink's message for the same misuse."""
import datetime

import pytest

from pyflink.table import EnvironmentSettings, TableEnvironment
from pyflink.table.expressions import CURRENT_RANGE, CURRENT_ROW, UNBOUNDED_RANGE, UNBOUNDED_ROW, col, lit, row_interval
from pyflink.table.window import Over, Session, Slide, Tumble

ROWS = """a,1,2024-01-01 00:00:01
b,2,2024-01-01 00:03:00
a,3,2024-01-01 00:07:00
a,4,2024-01-01 00:12:00
b,5,2024-01-01 00:14:00
a,6,2024-01-01 00:31:00
"""


def d(minute, second=0, micro=0, hour=0, day=1):
    return datetime.datetime(2024 if day else 2023, 1 if day else 12, day or 31, hour, minute, second, micro)


def make_table(tmp_path, streaming):
    path = tmp_path / "t.csv"
    path.write_text(ROWS)
    s = EnvironmentSettings.in_streaming_mode() if streaming else EnvironmentSettings.in_batch_mode()
    env = TableEnvironment.create(s)
    env.get_config().set("parallelism.default", "1")
    env.execute_sql("""CREATE TABLE t (k STRING, v INT, ts TIMESTAMP(3), pt AS PROCTIME(),
        WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
        WITH ('connector' = 'filesystem', 'path' = '%s', 'format' = 'csv')""" % path)
    return env.from_path("t")


@pytest.fixture(params=[True, False], ids=["streaming", "batch"])
def t(request, tmp_path):
    tb = make_table(tmp_path, request.param)
    tb._streaming = request.param
    return tb


@pytest.fixture
def st(tmp_path):
    return make_table(tmp_path, True)


@pytest.fixture
def bt(tmp_path):
    return make_table(tmp_path, False)


def schema(table):
    return [line.strip().rstrip(",") for line in str(table.get_resolved_schema()).splitlines()[1:-1]]


def rows(table):
    return sorted((r.get_row_kind(), tuple(r)) for r in table.execute().collect())


def inserts(*rs):
    return sorted(("+I", r) for r in rs)


TUMBLE_SCHEMA = ["`k` STRING", "`EXPR$0` TIMESTAMP(3)", "`EXPR$1` TIMESTAMP(3)", "`EXPR$2` INT"]
TUMBLE_ROWS = inserts(("a", d(0), d(10), 4), ("a", d(10), d(20), 4), ("a", d(30), d(40), 6),
                      ("b", d(0), d(10), 2), ("b", d(10), d(20), 5))


# -- group windows -------------------------------------------------------------

def test_tumble_dsl(t):
    r = t.window(Tumble.over(lit(10).minutes).on(col("ts")).alias("w")) \
        .group_by(col("w"), col("k")) \
        .select(col("k"), col("w").start, col("w").end, col("v").sum)
    assert schema(r) == TUMBLE_SCHEMA
    assert rows(r) == TUMBLE_ROWS


def test_tumble_strings(t):
    r = t.window(Tumble.over("10.minutes").on("ts").alias("w")).group_by("w, k").select("k, w.start, w.end, v.sum")
    assert schema(r) == TUMBLE_SCHEMA
    assert rows(r) == TUMBLE_ROWS


def test_tumble_properties_with_aliases_and_rowtime(t):
    r = t.window(Tumble.over(lit(10).minutes).on(col("ts")).alias("w")).group_by(col("k"), col("w")) \
        .select(col("k"), col("w").start.alias("s"), col("w").end.alias("e"), col("w").rowtime.alias("rt"),
                col("v").sum.alias("total"), col("v").count)
    # Flink's batch mode has no time attributes: the rowtime is a plain TIMESTAMP(3).
    rt = "TIMESTAMP(3) *ROWTIME*" if t._streaming else "TIMESTAMP(3)"
    assert schema(r) == ["`k` STRING", "`s` TIMESTAMP(3)", "`e` TIMESTAMP(3)", "`rt` %s" % rt, "`total` INT",
                         "`EXPR$4` BIGINT NOT NULL"]
    assert rows(r) == inserts(("a", d(0), d(10), d(9, 59, 999000), 4, 2), ("a", d(10), d(20), d(19, 59, 999000), 4, 1),
                              ("a", d(30), d(40), d(39, 59, 999000), 6, 1), ("b", d(0), d(10), d(9, 59, 999000), 2, 1),
                              ("b", d(10), d(20), d(19, 59, 999000), 5, 1))


def test_group_by_the_window_only(t):
    r = t.window(Tumble.over("10.minutes").on("ts").alias("w")).group_by("w").select("w.end, v.max, v.avg")
    assert schema(r) == ["`EXPR$0` TIMESTAMP(3)", "`EXPR$1` INT", "`EXPR$2` INT"]
    assert rows(r) == inserts((d(10), 3, 2), (d(20), 5, 4), (d(40), 6, 6))


def test_tumble_of_milliseconds(t):
    r = t.window(Tumble.over(lit(600000).millis).on(col("ts")).alias("w")).group_by(col("w")) \
        .select(col("w").start, col("v").sum)
    assert rows(r) == inserts((d(0), 6), (d(10), 9), (d(30), 6))


def test_names_of_aggregates_and_properties(t):
    # Flink numbers aggregates and properties in order of first appearance
    # (an equal aggregate once); other unnamed expressions are _c<position>.
    r = t.window(Tumble.over(lit(10).minutes).on(col("ts")).alias("w")).group_by(col("w"), col("k")) \
        .select(col("k"), col("v").sum + 1, col("w").start, col("v").sum, col("v").sum.alias("x"), col("v").count)
    assert schema(r) == ["`k` STRING", "`_c1` INT", "`EXPR$1` TIMESTAMP(3)", "`EXPR$0` INT", "`x` INT",
                         "`EXPR$2` BIGINT NOT NULL"]
    assert rows(r) == inserts(("a", 5, d(0), 4, 4, 2), ("a", 5, d(10), 4, 4, 1), ("a", 7, d(30), 6, 6, 1),
                              ("b", 3, d(0), 2, 2, 1), ("b", 6, d(10), 5, 5, 1))
    r = t.window(Tumble.over(lit(10).minutes).on(col("ts")).alias("w")).group_by(col("w"), col("k")) \
        .select(col("k"), col("w").end - lit(1).minutes, col("v").sum)
    assert schema(r) == ["`k` STRING", "`_c1` TIMESTAMP(3)", "`EXPR$1` INT"]
    assert rows(r) == inserts(("a", d(9), 4), ("a", d(19), 4), ("a", d(39), 6), ("b", d(9), 2), ("b", d(19), 5))


SLIDE_ROWS = inserts(("a", d(55, day=0, hour=23), d(5), 1), ("a", d(0), d(10), 4), ("a", d(5), d(15), 7),
                     ("a", d(10), d(20), 4), ("a", d(25), d(35), 6), ("a", d(30), d(40), 6),
                     ("b", d(55, day=0, hour=23), d(5), 2), ("b", d(0), d(10), 2), ("b", d(5), d(15), 5),
                     ("b", d(10), d(20), 5))


def test_slide_dsl_and_strings(t):
    r = t.window(Slide.over(lit(10).minutes).every(lit(5).minutes).on(col("ts")).alias("w")) \
        .group_by(col("w"), col("k")).select(col("k"), col("w").start, col("w").end, col("v").sum)
    assert schema(r) == TUMBLE_SCHEMA
    assert rows(r) == SLIDE_ROWS
    r = t.window(Slide.over("10.minutes").every("5.minutes").on("ts").alias("w")).group_by("w, k") \
        .select("k, w.start, w.end, v.sum")
    assert rows(r) == SLIDE_ROWS


def test_slide_with_rowtime(t):
    r = t.window(Slide.over(lit(15).minutes).every(lit(5).minutes).on(col("ts")).alias("w")).group_by(col("w")) \
        .select(col("w").start, col("w").end, col("w").rowtime, col("v").sum)
    assert rows(r) == inserts((d(50, day=0, hour=23), d(5), d(4, 59, 999000), 3),
                              (d(55, day=0, hour=23), d(10), d(9, 59, 999000), 6),
                              (d(0), d(15), d(14, 59, 999000), 15), (d(5), d(20), d(19, 59, 999000), 12),
                              (d(10), d(25), d(24, 59, 999000), 9), (d(20), d(35), d(34, 59, 999000), 6),
                              (d(25), d(40), d(39, 59, 999000), 6), (d(30), d(45), d(44, 59, 999000), 6))


def test_session_dsl_and_strings(st):
    r = st.window(Session.with_gap(lit(5).minutes).on(col("ts")).alias("w")).group_by(col("w"), col("k")) \
        .select(col("k"), col("w").start, col("w").end, col("w").rowtime, col("v").sum)
    assert schema(r) == ["`k` STRING", "`EXPR$0` TIMESTAMP(3)", "`EXPR$1` TIMESTAMP(3)",
                         "`EXPR$2` TIMESTAMP(3) *ROWTIME*", "`EXPR$3` INT"]
    expected = inserts(("a", d(0, 1), d(5, 1), d(5, 0, 999000), 1), ("a", d(7), d(17), d(16, 59, 999000), 7),
                       ("a", d(31), d(36), d(35, 59, 999000), 6), ("b", d(3), d(8), d(7, 59, 999000), 2),
                       ("b", d(14), d(19), d(18, 59, 999000), 5))
    assert rows(r) == expected
    r = st.window(Session.with_gap("5.minutes").on("ts").alias("w")).group_by("w, k") \
        .select("k, w.start, w.end, w.rowtime, v.sum")
    assert rows(r) == expected
    r = st.window(Session.with_gap(lit(10).minutes).on(col("ts")).alias("w")).group_by(col("w")) \
        .select(col("w").start, col("w").end, col("v").sum, col("v").count)
    assert rows(r) == inserts((d(0, 1), d(24), 15, 5), (d(31), d(41), 6, 1))


def test_session_in_batch(bt):
    # Flink 2.3's batch Table API refuses session windows ("Window
    # SessionGroupWindow(...) is not supported right now."); PyFlink 1.10's
    # ran them, as Sluice does: no row is late in batch, so the sessions are
    # the streaming ones above.
    r = bt.window(Session.with_gap(lit(5).minutes).on(col("ts")).alias("w")).group_by(col("w"), col("k")) \
        .select(col("k"), col("w").start, col("w").end, col("v").sum)
    assert rows(r) == inserts(("a", d(0, 1), d(5, 1), 1), ("a", d(7), d(17), 7), ("a", d(31), d(36), 6),
                              ("b", d(3), d(8), 2), ("b", d(14), d(19), 5))


def test_session_in_batch_over_epoch_millis():
    # A 1.10-shaped batch program: a BIGINT field of epoch milliseconds as
    # the window's time, a 1.5 s gap: 500 and 1800 share a session, 4000
    # and 4900 another.
    env = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
    tb = env.from_elements([(500, 10, "x"), (1800, 20, "x"), (4000, 40, "x"), (4900, 80, "x")], ["ms", "n", "g"])
    r = tb.window(Session.with_gap("1500.millis").on("ms").alias("w")).group_by("w, g").select("n.sum")
    assert sorted(row[0] for row in r.execute().collect()) == [30, 120]


def test_window_result_is_a_table(t):
    r = t.window(Tumble.over(lit(10).minutes).on(col("ts")).alias("w")).group_by(col("w"), col("k")) \
        .select(col("k"), col("w").start.alias("s"), col("v").sum.alias("total")).where(col("total") > 3)
    assert rows(r) == inserts(("a", d(0), 4), ("a", d(10), 4), ("a", d(30), 6), ("b", d(10), 5))


def test_row_count_tumble_in_batch():
    # PyFlink 1.10's batch planner ran row-count tumbling windows (Flink 2.3
    # refuses them): each key's rows in the order of the field, n at a
    # time; a last window short of n rows does not fire.
    env = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
    tb = env.from_elements([(3, 5, "x"), (1, 7, "x"), (2, 11, "y"), (4, 13, "x"), (5, 17, "x"), (6, 19, "y"),
                            (7, 23, "x")], ["a", "b", "c"])
    r = tb.window(Tumble.over("2.rows").on("a").alias("w")).group_by("w, c").select("c, b.sum")
    assert sorted(tuple(x) for x in r.execute().collect()) == [("x", 12), ("x", 30), ("y", 30)]
    r = tb.window(Tumble.over(row_interval(3)).on(col("a")).alias("w")).group_by(col("w")) \
        .select(col("b").sum, col("b").count)
    assert sorted(tuple(x) for x in r.execute().collect()) == [(23, 3), (49, 3)]
    with pytest.raises(ValueError, match="w.start: a row-count window has no start, end or time"):
        tb.window(Tumble.over("2.rows").on("a").alias("w")).group_by("w, c").select("c, w.start")


def test_row_count_windows(st, bt):
    # Flink has no event-time row-count windows, nor sliding ones in batch.
    with pytest.raises(ValueError, match="Event-time grouping windows on row intervals are currently not supported."):
        st.window(Tumble.over(row_interval(2)).on(col("ts")).alias("w")).group_by(col("w"), col("k")) \
            .select(col("k"), col("v").sum)
    with pytest.raises(ValueError, match=r"Window SlidingGroupWindow\('w, pt, 2, 1\) is not supported right now."):
        bt.window(Slide.over(row_interval(2)).every(row_interval(1)).on(col("pt")).alias("w")).group_by(col("w")) \
            .select(col("v").sum)
    # Flink runs processing-time row-count windows; Sluice's window
    # operators count time only, so it says so.
    with pytest.raises(ValueError, match="row-count group windows .* are not supported by Sluice yet"):
        st.window(Tumble.over(lit(2).rows).on(col("pt")).alias("w")).group_by(col("w"), col("k")) \
            .select(col("k"), col("v").sum)


def test_group_window_misuse(t):
    w = Tumble.over(lit(10).minutes).on(col("ts")).alias("w")
    # Raised by group_by itself, as Flink's groupBy does.
    with pytest.raises(ValueError, match="GroupBy must contain exactly one window alias."):
        t.window(w).group_by(col("k"))
    with pytest.raises(ValueError, match="GroupBy must contain exactly one window alias."):
        t.window(w).group_by("w, w")
    with pytest.raises(ValueError, match=r"Cannot resolve field \[w\]"):
        t.window(w).group_by(col("w")).select(col("w"), col("v").sum)
    with pytest.raises(ValueError, match=r"Cannot resolve field \[zz\], input field list:\[k, v, ts, pt\]."):
        t.window(Tumble.over(lit(10).minutes).on(col("zz")).alias("w")).group_by(col("w")).select(col("v").sum)
    env = "stream" if t._streaming else "batch"
    with pytest.raises(ValueError, match="A group window expects a time attribute for grouping in a %s environment." % env):
        t.window(Tumble.over(lit(10).minutes).on(col("v")).alias("w")).group_by(col("w")).select(col("v").sum)
    with pytest.raises(ValueError, match="A group window expects a time attribute for grouping."):
        t.window(Tumble.over(lit(10).minutes).on(col("ts") + lit(1).minutes).alias("w")).group_by(col("w")) \
            .select(col("v").sum)
    with pytest.raises(ValueError, match="Reference to a rowtime or proctime window required"):
        t.window(w).group_by(col("w"), col("k")).select(col("k").start, col("v").sum)
    with pytest.raises(ValueError, match="Reference to a rowtime or proctime window required"):
        t.window(w).group_by(col("w")).select(col("w").proctime, col("v").sum)
    # Outside aggregates, only grouping keys are fields; a key expression is not.
    with pytest.raises(ValueError, match=r"Cannot resolve field \[k\]"):
        t.window(w).group_by(col("w")).select(col("k"), col("v").sum)
    with pytest.raises(ValueError, match=r"Cannot resolve field \[k\]"):
        t.window(w).group_by(col("w"), col("k").upper_case).select(col("k").upper_case, col("v").sum)
    r = t.window(w).group_by(col("w")).select((col("v") * 2).sum, col("v").sum.alias("s"))
    assert schema(r) == ["`EXPR$0` INT", "`s` INT"]
    assert rows(r) == inserts((12, 6), (12, 6), (18, 9))


def test_rowtime_of_a_processing_time_window(st):
    with pytest.raises(ValueError, match="A proctime window cannot provide a rowtime attribute"):
        st.window(Tumble.over(lit(10).minutes).on(col("pt")).alias("w")).group_by(col("w")) \
            .select(col("w").rowtime, col("v").sum)


def test_incomplete_windows_and_misplaced_properties(t):
    with pytest.raises(ValueError, match="not complete"):
        t.window(Tumble.over(lit(10).minutes).on(col("ts")))
    with pytest.raises(NotImplementedError, match="start: a window property"):
        t.select(col("ts").start)
    with pytest.raises(NotImplementedError, match="over: an over aggregate"):
        t.select(col("v").sum.over(col("w")))
    with pytest.raises(ValueError, match="over applies to an aggregate call"):
        col("v").over(col("w"))


# -- over windows --------------------------------------------------------------

CUMULATIVE = inserts(("a", 1, 1), ("a", 3, 4), ("a", 4, 8), ("a", 6, 14), ("b", 2, 2), ("b", 5, 7))
UNBOUNDED_RANGE_ROWS = inserts(("a", d(0, 1), 1, 1), ("a", d(7), 4, 2), ("a", d(12), 8, 3), ("a", d(31), 14, 4),
                               ("b", d(3), 2, 1), ("b", d(14), 7, 2))


def test_over_unbounded_range_dsl_and_strings(st):
    r = st.over_window(Over.partition_by(col("k")).order_by(col("ts")).preceding(UNBOUNDED_RANGE).alias("w")) \
        .select(col("k"), col("ts"), col("v").sum.over(col("w")), col("v").count.over(col("w")).alias("c"))
    assert schema(r) == ["`k` STRING", "`ts` TIMESTAMP(3) *ROWTIME*", "`_c2` INT", "`c` BIGINT NOT NULL"]
    assert rows(r) == UNBOUNDED_RANGE_ROWS
    r = st.over_window(Over.partition_by("k").order_by("ts").preceding("unbounded_range").alias("w")) \
        .select("k, ts, v.sum over w, v.count over w as c")
    assert schema(r) == ["`k` STRING", "`ts` TIMESTAMP(3) *ROWTIME*", "`_c2` INT", "`c` BIGINT NOT NULL"]
    assert rows(r) == UNBOUNDED_RANGE_ROWS


def test_over_unbounded_rows_and_defaults(st):
    r = st.over_window(Over.partition_by(col("k")).order_by(col("ts")).preceding(UNBOUNDED_ROW).alias("w")) \
        .select(col("k"), col("v"), col("v").sum.over(col("w")))
    assert schema(r) == ["`k` STRING", "`v` INT", "`_c2` INT"]
    assert rows(r) == CUMULATIVE
    # Without preceding: UNBOUNDED_RANGE; following defaults to the current row/range.
    r = st.over_window(Over.partition_by(col("k")).order_by(col("ts")).alias("w")) \
        .select(col("k"), col("v"), col("v").sum.over(col("w")).alias("s"))
    assert rows(r) == CUMULATIVE
    r = st.over_window(Over.partition_by(col("k")).order_by(col("ts")).preceding(UNBOUNDED_RANGE)
                       .following(CURRENT_RANGE).alias("w")).select(col("k"), col("v"), col("v").sum.over(col("w")))
    assert rows(r) == CUMULATIVE
    r = st.over_window(Over.partition_by("k").order_by("ts").preceding("unbounded_row").following("current_row")
                       .alias("w")).select("k, v, v.sum over w")
    assert rows(r) == CUMULATIVE


def test_over_bounded_rows(st):
    r = st.over_window(Over.partition_by(col("k")).order_by(col("ts")).preceding(row_interval(1))
                       .following(CURRENT_ROW).alias("w")).select(col("k"), col("v"), col("v").sum.over(col("w")).alias("s"))
    assert schema(r) == ["`k` STRING", "`v` INT", "`s` INT"]
    assert rows(r) == inserts(("a", 1, 1), ("a", 3, 4), ("a", 4, 7), ("a", 6, 10), ("b", 2, 2), ("b", 5, 7))
    expected = inserts(("a", 1, 1, 1), ("a", 3, 2, 1), ("a", 4, 2, 1), ("a", 6, 4, 3), ("b", 2, 2, 2), ("b", 5, 3, 2))
    r = st.over_window(Over.partition_by(col("k")).order_by(col("ts")).preceding(row_interval(2)).alias("w")) \
        .select(col("k"), col("v"), col("v").avg.over(col("w")).alias("a"), col("v").min.over(col("w")))
    assert schema(r) == ["`k` STRING", "`v` INT", "`a` INT", "`_c3` INT"]
    assert rows(r) == expected
    r = st.over_window(Over.partition_by("k").order_by("ts").preceding("2.rows").alias("w")) \
        .select("k, v, v.avg over w as a, v.min over w")
    assert rows(r) == expected


def test_over_bounded_range(st):
    expected = inserts(("a", 1, 1, 1), ("a", 3, 3, 3), ("a", 4, 7, 4), ("a", 6, 6, 6), ("b", 2, 2, 2), ("b", 5, 5, 5))
    r = st.over_window(Over.partition_by(col("k")).order_by(col("ts")).preceding(lit(5).minutes).alias("w")) \
        .select(col("k"), col("v"), col("v").sum.over(col("w")).alias("s"), col("v").max.over(col("w")).alias("m"))
    assert rows(r) == expected
    r = st.over_window(Over.partition_by("k").order_by("ts").preceding("5.minutes").alias("w")) \
        .select("k, v, v.sum over w as s, v.max over w as m")
    assert rows(r) == expected


def test_over_of_expressions(st):
    r = st.over_window(Over.partition_by(col("k")).order_by(col("ts")).preceding(UNBOUNDED_ROW).alias("w")) \
        .select(col("k"), col("v") + 1, col("v").sum.over(col("w")) * 2)
    assert schema(r) == ["`k` STRING", "`_c1` INT", "`_c2` INT"]
    assert rows(r) == inserts(("a", 2, 2), ("a", 4, 8), ("a", 5, 16), ("a", 7, 28), ("b", 3, 4), ("b", 6, 14))


def test_over_processing_time_rows(t):
    # One source split read in order at parallelism 1: a ROWS frame over
    # processing time follows the file's order, so the running sum is
    # deterministic (also in batch mode, where a proctime is the only time
    # attribute Flink lets order a Table API over window). Flink's values.
    r = t.over_window(Over.partition_by(col("k")).order_by(col("pt")).preceding(UNBOUNDED_ROW).alias("w")) \
        .select(col("k"), col("v"), col("v").sum.over(col("w")))
    assert schema(r) == ["`k` STRING", "`v` INT", "`_c2` INT"]
    assert rows(r) == CUMULATIVE


def test_over_without_partition_and_distinct(st):
    r = st.over_window(Over.order_by(col("ts")).preceding(UNBOUNDED_RANGE).alias("w")) \
        .select(col("v"), col("v").sum.over(col("w")).alias("s"))
    assert rows(r) == inserts((1, 1), (2, 3), (3, 6), (4, 10), (5, 15), (6, 21))
    r = st.over_window(Over.partition_by(col("k")).order_by(col("ts")).preceding(UNBOUNDED_RANGE).alias("w")) \
        .select(col("k"), col("v").count.distinct.over(col("w")))
    assert schema(r) == ["`k` STRING", "`_c1` BIGINT NOT NULL"]
    assert rows(r) == inserts(("a", 1), ("a", 2), ("a", 3), ("a", 4), ("b", 1), ("b", 2))


def test_over_window_misuse(st, bt):
    w = Over.partition_by(col("k")).order_by(col("ts"))
    with pytest.raises(ValueError, match="OVER RANGE FOLLOWING windows are not supported yet."):
        st.over_window(w.preceding(row_interval(1)).following(row_interval(1)).alias("w")).select(col("v").sum.over(col("w")))
    with pytest.raises(ValueError, match="Preceding and following must be of same interval type."):
        st.over_window(w.preceding(row_interval(1)).following(CURRENT_RANGE).alias("w")).select(col("v").sum.over(col("w")))
    with pytest.raises(ValueError, match="Preceding and following must be of same interval type."):
        st.over_window(w.preceding(lit(5).minutes).following(CURRENT_ROW).alias("w")).select(col("v").sum.over(col("w")))
    # Flink's message for a frame that starts at the current row.
    for bound in (CURRENT_ROW, CURRENT_RANGE, "current_row"):
        with pytest.raises(ValueError, match="OVER RANGE FOLLOWING windows are not supported yet."):
            st.over_window(w.preceding(bound).alias("w")).select(col("v").sum.over(col("w")))
    with pytest.raises(ValueError, match="Could not resolve over call"):
        st.over_window(w.preceding(UNBOUNDED_RANGE).alias("w")).select(col("v").sum.over(col("x")))
    with pytest.raises(ValueError, match="Second argument in OVER window must be a TIME ATTRIBUTE, but is: INT"):
        st.over_window(Over.partition_by(col("k")).order_by(col("v")).alias("w")).select(col("v").sum.over(col("w")))
    with pytest.raises(ValueError, match="The window can only be ordered in ASCENDING mode."):
        st.over_window(Over.partition_by(col("k")).order_by(col("ts").desc).alias("w")).select(col("v").sum.over(col("w")))
    with pytest.raises(ValueError, match="Currently, only a single over window is supported."):
        st.over_window(w.alias("w"), w.preceding(row_interval(1)).alias("w2")) \
            .select(col("v").sum.over(col("w")), col("v").sum.over(col("w2")))
    # Batch mode has no rowtime attribute: Flink's Table API over windows need one.
    with pytest.raises(ValueError, match=r"Second argument in OVER window must be a TIME ATTRIBUTE, but is: TIMESTAMP\(3\)"):
        bt.over_window(w.preceding(UNBOUNDED_RANGE).alias("w")).select(col("v").sum.over(col("w")))
    with pytest.raises(ValueError, match="not complete"):
        st.over_window(Over.partition_by(col("k")))


def test_flink_1_10_program(tmp_path):
    # PyFlink 1.10's shape: time attributes named rowtime and proctime,
    # windows and selects as string expressions.
    path = tmp_path / "t.csv"
    path.write_text(ROWS)
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    env.get_config().set("parallelism.default", "1")
    env.execute_sql("""CREATE TABLE t (k STRING, v INT, rowtime TIMESTAMP(3), proctime AS PROCTIME(),
        WATERMARK FOR rowtime AS rowtime - INTERVAL '1' SECOND)
        WITH ('connector' = 'filesystem', 'path' = '%s', 'format' = 'csv')""" % path)
    t = env.from_path("t")
    r = t.window(Tumble.over("10.minutes").on("rowtime").alias("w")).group_by("w, k").select("k, w.start, w.end, v.sum")
    assert rows(r) == TUMBLE_ROWS
    r = t.over_window(Over.partition_by("k").order_by("rowtime").preceding("unbounded_range").alias("w")) \
        .select("k, v, v.sum over w")
    assert rows(r) == CUMULATIVE
    # 1.10's Table.window also took an over window.
    r = t.window(Over.partition_by("k").order_by("rowtime").preceding("unbounded_range").alias("w")) \
        .select("k, v, v.sum over w")
    assert rows(r) == CUMULATIVE
    r = t.window(Tumble.over("10.minutes").on("proctime").alias("w")).group_by("w").select("w.proctime, v.sum")
    assert schema(r) == ["`EXPR$0` TIMESTAMP_LTZ(3) NOT NULL *PROCTIME*", "`EXPR$1` INT"]


def test_batch_window_on_epoch_milliseconds(tmp_path):
    # Batch mode windows a BIGINT field of epoch milliseconds as Flink does
    # (its properties are TIMESTAMP(3)); streaming needs a time attribute.
    path = tmp_path / "l.csv"
    path.write_text("a,1,1704067201000\nb,2,1704067380000\na,3,1704067620000\n")
    env = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
    env.execute_sql("CREATE TABLE l (k STRING, v INT, e BIGINT) WITH ('connector' = 'filesystem', 'path' = '%s', "
                    "'format' = 'csv')" % path)
    r = env.from_path("l").window(Tumble.over("10.minutes").on("e").alias("w")).group_by("w, k") \
        .select("k, w.start, w.end, w.rowtime, v.sum")
    assert schema(r) == ["`k` STRING", "`EXPR$0` TIMESTAMP(3)", "`EXPR$1` TIMESTAMP(3)", "`EXPR$2` TIMESTAMP(3)", "`EXPR$3` INT"]
    assert rows(r) == inserts(("a", d(0), d(10), d(9, 59, 999000), 4), ("b", d(0), d(10), d(9, 59, 999000), 2))


def test_lag_lead_and_current_watermark_render(st):
    from pyflink.table.expressions import current_watermark, lag, lead
    assert str(lag(col("v"))) == "LAG(v, 1, null)"
    assert str(lead(col("v"), 2, 0)) == "LEAD(v, 2, 0)"
    # CURRENT_WATERMARK of the rowtime: a nullable TIMESTAMP(3), as Flink's.
    assert schema(st.select(col("k"), current_watermark(col("ts")))) == ["`k` STRING", "`_c1` TIMESTAMP(3)"]
    # LAG and LEAD run over batch windows (SQL); over streaming windows they
    # are not built and say so.
    w = Over.partition_by(col("k")).order_by(col("ts")).preceding(UNBOUNDED_ROW).alias("w")
    with pytest.raises(ValueError, match="LAG over a window is not supported yet in streaming mode"):
        st.over_window(w).select(col("k"), lag(col("v")).over(col("w")))
