"""Values of each type as PyFlink 2.3 hands them over: to row UDFs, pandas
UDFs, collect(), print sinks and the tableau. Every expected value below is
real PyFlink 2.3's output for the same program."""
import datetime
import decimal

import pytest

from pyflink.table import DataTypes
from pyflink.table.expressions import col, lit
from pyflink.table.udf import udf


@udf(result_type=DataTypes.STRING())
def shw(x):
    return repr(x)


def _one_row(table):
    with table.execute().collect() as it:
        rows = [tuple(r) for r in it]
    assert len(rows) == 1
    return rows[0]


@pytest.mark.parametrize("p, text", [(0, "12:00:00"), (1, "12:00:00.1"), (2, "12:00:00.12"), (3, "12:00:00.123")])
def test_time_keeps_milliseconds_whatever_its_precision(batch_env, p, text):
    # Flink's TIME is milliseconds of the day: a TIME(0) value keeps .123
    # (finer digits are dropped) on its way to a UDF and back; only CAST
    # (here to STRING) applies the precision.
    @udf(result_type=DataTypes.TIME(p))
    def ident(x):
        return x

    t = batch_env.from_elements([(datetime.time(12, 0, 0, 123456),)], DataTypes.ROW([DataTypes.FIELD("a", DataTypes.TIME(p))]))
    assert str(t.get_schema().get_field_data_types()[0]) == "TIME(%d)" % p
    got = _one_row(t.select(col("a"), shw(col("a")), ident(col("a")), col("a").cast(DataTypes.STRING())))
    assert got == (datetime.time(12, 0, 0, 123000), "datetime.time(12, 0, 0, 123000)", datetime.time(12, 0, 0, 123000), text)


def test_time_print_sink_and_tableau(batch_env, capfd):
    t = batch_env.from_elements([(datetime.time(12, 0, 0, 123456), datetime.time(12, 0, 0, 123456), datetime.time(12, 0))],
                                DataTypes.ROW([DataTypes.FIELD("a", DataTypes.TIME(0)), DataTypes.FIELD("b", DataTypes.TIME(3)),
                                               DataTypes.FIELD("c", DataTypes.TIME(3))]))
    batch_env.execute_sql("CREATE TEMPORARY TABLE time_out (a TIME(0), b TIME(3), c TIME(3)) "
                          "WITH ('connector' = 'print', 'print-identifier' = 'tm')")
    capfd.readouterr()
    t.execute_insert("time_out").wait()
    # LocalTime.toString: the value's own digits
    assert "tm> +I[12:00:00.123, 12:00:00.123, 12:00]" in capfd.readouterr().out
    t.execute().print()
    out = capfd.readouterr().out
    assert "| 12:00:00 | 12:00:00.123 |   12:00:00.0 |" in out


def test_constant_decimal_argument_keeps_the_literal_digits(batch_env):
    # PyFlink hands a constant argument over as the literal: CAST(1.05 AS
    # DECIMAL) is a DECIMAL(10, 0) whose value reaches the UDF as 1.05.
    batch_env.create_temporary_system_function("shw", shw)
    batch_env.create_temporary_view("one_row", batch_env.from_elements([(1, 2, 3)], ["a", "b", "c"]))
    got = _one_row(batch_env.sql_query(
        "SELECT shw(CAST(1.05 AS DECIMAL(10, 1))), shw(CAST(1.05 AS DECIMAL(3, 2))), shw(CAST(1.056 AS DECIMAL(10, 2))), "
        "shw(CAST(1.05 AS DECIMAL) + 1), shw(CAST(a + 0.05 AS DECIMAL)), shw(CAST(1 AS DECIMAL)), shw(CAST(1.5e0 AS DECIMAL)), "
        "shw(CAST('1.05' AS DECIMAL)), shw(1.05), shw(CAST(123456789012.5 AS DECIMAL)), CAST(1.05 AS DECIMAL) FROM one_row"))
    assert got == ("Decimal('1.05')", "Decimal('1.05')", "Decimal('1.056')", "Decimal('2')", "Decimal('1')", "Decimal('1')",
                   "Decimal('1.5')", "Decimal('1')", "Decimal('1.05')", "None", decimal.Decimal(1))
    t = batch_env.from_path("one_row")
    assert _one_row(t.select(shw(lit(1.05).cast(DataTypes.DECIMAL(10, 0))), shw(col("a").cast(DataTypes.DECIMAL(10, 0))))) == \
        ("Decimal('1.05')", "Decimal('1')")


def test_interval_into_an_int_sink_column_is_seconds(stream_env, capfd):
    t = stream_env.from_elements([(datetime.timedelta(days=1, microseconds=10), 1), (datetime.timedelta(seconds=1, milliseconds=500), 2),
                                  (datetime.timedelta(milliseconds=-1999), 3)],
                                 DataTypes.ROW([DataTypes.FIELD("h", DataTypes.INTERVAL(DataTypes.SECOND(3))), DataTypes.FIELD("x", DataTypes.INT())]))
    stream_env.execute_sql("CREATE TEMPORARY TABLE iv_out (h INT, x INT) WITH ('connector' = 'print', 'print-identifier' = 'iv')")
    capfd.readouterr()
    t.execute_insert("iv_out").wait()
    out = sorted(line for line in capfd.readouterr().out.splitlines() if line.startswith("iv>"))
    assert out == ["iv> +I[-1, 3]", "iv> +I[1, 2]", "iv> +I[86400, 1]"]


def test_what_a_pandas_udf_sees(batch_env):
    from pyflink.common import Row

    @udf(result_type=DataTypes.STRING(), func_type="pandas")
    def d(x):
        import numpy as np
        import pandas as pd

        def desc(v):
            if isinstance(v, np.ndarray):
                return "ndarray[%s](%s)" % (v.dtype, ", ".join(desc(e) for e in v))
            return "%s:%r" % (type(v).__name__, v)
        if isinstance(x, pd.DataFrame):
            return pd.Series(["DataFrame cols=%s dtypes=%s row0=%s" % (list(x.columns), list(map(str, x.dtypes)), [desc(x[c][0]) for c in x.columns])] * len(x))
        return pd.Series(["%s dtype=%s | %s" % (type(x).__name__, x.dtype, desc(x[0]))] * len(x))

    ts = datetime.datetime(1970, 1, 2, 0, 0, 0, 123000)
    fields = [
        ("l", DataTypes.DECIMAL(38, 18), decimal.Decimal("1000000000000000000.05"),
         "Series dtype=object | Decimal:Decimal('1000000000000000000.050000000000000000')"),
        ("n", DataTypes.DATE(), datetime.date(2014, 9, 13), "Series dtype=object | date:datetime.date(2014, 9, 13)"),
        ("o", DataTypes.TIME(), datetime.time(1, 0, 1), "Series dtype=object | time:datetime.time(1, 0, 1)"),
        ("p", DataTypes.TIMESTAMP(3), ts, "Series dtype=datetime64[ms] | Timestamp:Timestamp('1970-01-02 00:00:00.123000')"),
        ("q", DataTypes.ARRAY(DataTypes.STRING()), ["hello", "中文", None],
         "Series dtype=object | ndarray[object](str:'hello', str:'中文', NoneType:None)"),
        ("r", DataTypes.ARRAY(DataTypes.TIMESTAMP(3)), [ts],
         "Series dtype=object | ndarray[datetime64[ms]](datetime64:np.datetime64('1970-01-02T00:00:00.123'))"),
        ("s", DataTypes.ARRAY(DataTypes.INT()), [1, 2], "Series dtype=object | ndarray[int32](int32:np.int32(1), int32:np.int32(2))"),
        ("s2", DataTypes.ARRAY(DataTypes.INT()), [1, None],
         "Series dtype=object | ndarray[float64](float64:np.float64(1.0), float64:np.float64(nan))"),
        ("t", DataTypes.ARRAY(DataTypes.ARRAY(DataTypes.STRING())), [["hello", "中文", None]],
         "Series dtype=object | ndarray[object](ndarray[object](str:'hello', str:'中文', NoneType:None))"),
        ("u", DataTypes.ROW([DataTypes.FIELD("f1", DataTypes.INT()), DataTypes.FIELD("f2", DataTypes.STRING()),
                             DataTypes.FIELD("f3", DataTypes.TIMESTAMP(3)), DataTypes.FIELD("f4", DataTypes.ARRAY(DataTypes.INT()))]),
         Row(1, "hello", ts, [1, 2]),
         "DataFrame cols=['f1', 'f2', 'f3', 'f4'] dtypes=['int32', 'object', 'datetime64[ms]', 'object'] "
         "row0=['int32:np.int32(1)', \"str:'hello'\", \"Timestamp:Timestamp('1970-01-02 00:00:00.123000')\", "
         "'ndarray[int32](int32:np.int32(1), int32:np.int32(2))']"),
        ("v", DataTypes.MAP(DataTypes.STRING(False), DataTypes.STRING()), {"1": "hello", "2": "world"},
         "Series dtype=object | list:[('1', 'hello'), ('2', 'world')]"),
        ("w", DataTypes.BINARY(5), bytearray(b"flink"), "Series dtype=object | bytes:b'flink'"),
        ("y", DataTypes.ARRAY(DataTypes.DECIMAL(10, 2)), [decimal.Decimal("1.5")],
         "Series dtype=object | ndarray[object](Decimal:Decimal('1.50'))"),
        ("z", DataTypes.ARRAY(DataTypes.DATE()), [datetime.date(2014, 9, 13)],
         "Series dtype=object | ndarray[object](date:datetime.date(2014, 9, 13))"),
        ("aa", DataTypes.ARRAY(DataTypes.BOOLEAN()), [True, None], "Series dtype=object | ndarray[object](bool:True, NoneType:None)"),
    ]
    t = batch_env.from_elements([tuple(f[2] for f in fields)], DataTypes.ROW([DataTypes.FIELD(f[0], f[1]) for f in fields]))
    got = _one_row(t.select(*[d(col(f[0])) for f in fields]))
    assert dict(zip([f[0] for f in fields], got)) == {f[0]: f[3] for f in fields}


def test_pandas_udf_returns_numpy_arrays_frames_and_pairs(batch_env, capfd):
    ts = datetime.datetime(1970, 1, 2, 0, 0, 0, 123000)
    row_type = DataTypes.ROW([DataTypes.FIELD("f1", DataTypes.INT()), DataTypes.FIELD("f4", DataTypes.ARRAY(DataTypes.INT()))])

    def ident(x):
        return x

    def first(x):
        import pandas as pd
        return pd.Series(x[0])

    arr_ts = udf(ident, result_type=DataTypes.ARRAY(DataTypes.TIMESTAMP(3)), func_type="pandas")
    nested = udf(first, result_type=DataTypes.ARRAY(DataTypes.STRING()), func_type="pandas")
    row_f = udf(ident, result_type=row_type, func_type="pandas")
    map_f = udf(ident, result_type=DataTypes.MAP(DataTypes.STRING(False), DataTypes.STRING()), func_type="pandas")
    date_f = udf(ident, result_type=DataTypes.DATE(), func_type="pandas")
    t = batch_env.from_elements([([ts], [["hello", "中文", None]], (1, [1, 2]), {"1": "hello"}, datetime.date(2014, 9, 13))],
                                DataTypes.ROW([DataTypes.FIELD("r", DataTypes.ARRAY(DataTypes.TIMESTAMP(3))),
                                               DataTypes.FIELD("t", DataTypes.ARRAY(DataTypes.ARRAY(DataTypes.STRING()))),
                                               DataTypes.FIELD("u", row_type),
                                               DataTypes.FIELD("v", DataTypes.MAP(DataTypes.STRING(False), DataTypes.STRING())),
                                               DataTypes.FIELD("n", DataTypes.DATE())]))
    batch_env.execute_sql("CREATE TEMPORARY TABLE pd_out (r ARRAY<TIMESTAMP(3)>, t ARRAY<STRING>, u ROW<f1 INT, f4 ARRAY<INT>>, "
                          "v MAP<STRING, STRING>, n DATE) WITH ('connector' = 'print', 'print-identifier' = 'pd')")
    capfd.readouterr()
    t.select(arr_ts(col("r")), nested(col("t")), row_f(col("u")), map_f(col("v")), date_f(col("n"))).execute_insert("pd_out").wait()
    assert "pd> +I[[1970-01-02T00:00:00.123], [hello, 中文, null], +I[1, [1, 2]], {1=hello}, 2014-09-13]" in capfd.readouterr().out
