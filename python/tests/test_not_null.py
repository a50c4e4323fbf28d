"""NOT NULL is enforced as Flink's table.exec.sink.not-null-enforcer does:
ERROR (default) fails the job naming the column, DROP drops the row. A udf
declared NOT NULL that returns None is caught the same way, at the sink of
its result (PyFlink 2.3: "Column '_c0' is NOT NULL, however, ...")."""
import pytest

from pyflink.table import DataTypes
from pyflink.table.expressions import col
from pyflink.table.udf import udf

FLINK_MESSAGE = ("is NOT NULL, however, a null value is being written into it. You can set job configuration "
                 "'table.exec.sink.not-null-enforcer'='DROP' to suppress this exception and drop such records silently.")


@pytest.fixture
def t(stream_env):
    t = stream_env.from_elements([(1, "a"), (2, None), (3, "c")], DataTypes.ROW([
        DataTypes.FIELD("x", DataTypes.BIGINT()), DataTypes.FIELD("s", DataTypes.STRING())]))
    stream_env.create_temporary_view("tv", t)
    return t


def test_not_null_sink_column_fails_the_job_naming_the_column(stream_env, t, tmp_path):
    stream_env.execute_sql("CREATE TABLE snk (x BIGINT, s STRING NOT NULL) WITH ('connector'='filesystem', 'path'='%s', 'format'='csv')" % tmp_path)
    with pytest.raises(Exception) as e:
        stream_env.execute_sql("INSERT INTO snk SELECT x, s FROM tv").wait()
    assert "Column 's' " + FLINK_MESSAGE in str(e.value)
    assert "+I[2, null]" in str(e.value)


def test_drop_enforcer_drops_and_counts(stream_env, t, tmp_path):
    stream_env.get_config().set("table.exec.sink.not-null-enforcer", "DROP")
    stream_env.execute_sql("CREATE TABLE snk (x BIGINT, s STRING NOT NULL) WITH ('connector'='filesystem', 'path'='%s', 'format'='csv')" % tmp_path)
    r = stream_env.execute_sql("INSERT INTO snk SELECT x, s FROM tv")
    r.wait()
    written = sorted(l for f in tmp_path.iterdir() if not f.name.startswith(".") for l in f.read_text().split())
    assert written == ["1,a", "3,c"]
    assert sum(m.get("numRecordsDroppedNotNull", 0) for m in r.metrics()) == 1


def test_bad_enforcer_value(stream_env, t):
    stream_env.get_config().set("table.exec.sink.not-null-enforcer", "IGNORE")
    with pytest.raises(Exception, match="table.exec.sink.not-null-enforcer"):
        t.execute().collect()


@pytest.mark.parametrize("result_type,func_type", [
    (DataTypes.BIGINT(False), "general"),
    (DataTypes.BIGINT().not_null(), "general"),
    (DataTypes.BIGINT(False), "pandas"),
])
def test_udf_declared_not_null_returning_none(t, result_type, func_type):
    if func_type == "pandas":
        f = udf(lambda x: x.where(x != 2, None), result_type=result_type, func_type="pandas")
    else:
        f = udf(lambda x: None if x == 2 else x, result_type=result_type)
    q = t.select(f(col("x")))
    assert str(q.get_schema().get_field_data_types()[0]) == "BIGINT NOT NULL"
    with pytest.raises(Exception) as e:
        [tuple(r) for r in q.execute().collect()]
    assert FLINK_MESSAGE in str(e.value)
    # The row, and the function whose declared NOT NULL result was broken.
    assert "+I[null] (<lambda>(x), declared BIGINT NOT NULL, returned NULL)" in str(e.value)


def test_udf_declared_not_null_keeps_its_rows(t):
    f = udf(lambda x: x * 10, result_type=DataTypes.BIGINT(False))
    assert [tuple(r) for r in t.select(f(col("x"))).execute().collect()] == [(10,), (20,), (30,)]
