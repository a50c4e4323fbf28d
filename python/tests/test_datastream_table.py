"""Conversions between tables and DataStreams (StreamTableEnvironment's
from_data_stream, create_temporary_view of a stream, to_data_stream,
to_changelog_stream, to_append_stream, to_retract_stream). Expected values
are PyFlink 2.3's for the same programs."""
import pytest

from pyflink.common import Row, Types
from pyflink.datastream import StreamExecutionEnvironment
from pyflink.table import DataTypes, Schema, StreamTableEnvironment
from pyflink.table.expressions import col
from pyflink.util.exceptions import TableException


@pytest.fixture
def envs():
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(1)
    return env, StreamTableEnvironment.create(env)


def rows(t):
    return [tuple(r) for r in t.execute().collect()]


def test_from_data_stream(envs):
    env, t_env = envs
    ds = env.from_collection([(1, "a"), (2, "b")], Types.ROW_NAMED(["id", "name"], [Types.INT(), Types.STRING()]))
    t = t_env.from_data_stream(ds)
    assert str(t.get_schema()) == "root\n |-- id: INT\n |-- name: STRING\n"
    assert rows(t) == [(1, "a"), (2, "b")]
    # An atomic element is column f0; a tuple's fields f0, f1, ... (a Java
    # primitive's NOT NULL)
    ti = env.from_collection([1, 2], Types.INT())
    assert str(t_env.from_data_stream(ti).get_schema()) == "root\n |-- f0: INT NOT NULL\n"
    assert rows(t_env.from_data_stream(ti)) == [(1,), (2,)]
    tu = env.from_collection([(1, "a")], Types.TUPLE([Types.INT(), Types.STRING()]))
    assert str(t_env.from_data_stream(tu).get_schema()) == "root\n |-- f0: INT NOT NULL\n |-- f1: STRING\n"
    assert rows(t_env.from_data_stream(tu)) == [(1, "a")]
    assert str(t_env.from_data_stream(env.from_collection(["x"], Types.STRING())).get_schema()) == (
        "root\n |-- f0: STRING\n")
    assert str(t_env.from_data_stream(ds, col("a"), col("b")).get_schema()) == "root\n |-- a: INT\n |-- b: STRING\n"
    s = Schema.new_builder().column("id", DataTypes.INT()).column("name", DataTypes.STRING()).build()
    assert str(t_env.from_data_stream(ds, s).get_schema()) == "root\n |-- id: INT\n |-- name: STRING\n"
    s = Schema.new_builder().column_by_expression("x", "id * 10").build()
    assert rows(t_env.from_data_stream(ds, s)) == [(1, "a", 10), (2, "b", 20)]
    t_env.create_temporary_view("v", ds)
    assert [tuple(r) for r in t_env.execute_sql("select id + 1, name from v").collect()] == [(2, "a"), (3, "b")]
    # a stream built after the table environment and mapped first
    m = ds.map(lambda r: Row(r.id * 2, r.name.upper()), Types.ROW_NAMED(["d", "u"], [Types.INT(), Types.STRING()]))
    assert rows(t_env.from_data_stream(m).select(col("d") + 1, col("u"))) == [(3, "A"), (5, "B")]


def test_to_data_stream_and_append_stream(envs):
    env, t_env = envs
    tab = t_env.from_elements([(1, "a"), (2, "b"), (1, "c")], ["k", "v"])
    d = t_env.to_data_stream(tab)
    assert repr(d.get_type()) == "ExternalTypeInfo<RowTypeInfo(k: Long, v: String)>"
    assert repr(list(d.execute_and_collect())) == "[Row(k=1, v='a'), Row(k=2, v='b'), Row(k=1, v='c')]"
    assert list(t_env.to_data_stream(tab).map(lambda r: r.v + str(r.k), Types.STRING()).execute_and_collect()) == [
        "a1", "b2", "c1"]
    a = t_env.to_append_stream(tab, Types.ROW([Types.LONG(), Types.STRING()]))
    assert repr(list(a.execute_and_collect())) == "[Row(f0=1, f1='a'), Row(f0=2, f1='b'), Row(f0=1, f1='c')]"
    agg = t_env.sql_query("select k, count(*) as c from %s group by k" % tab)
    with pytest.raises(TableException, match="doesn't support consuming update changes which is produced by node "
                                             "GroupAggregate"):
        t_env.to_data_stream(agg)


def test_changelog_and_retract_streams(envs, capfd):
    env, t_env = envs
    tab = t_env.from_elements([(1, "a"), (2, "b"), (1, "c")], ["k", "v"])
    agg = t_env.sql_query("select k, count(*) as c from %s group by k" % tab)
    c = t_env.to_changelog_stream(agg)
    assert repr(c.get_type()) == "ExternalTypeInfo<RowTypeInfo(k: Long, c: Long)>"
    assert [(str(r.get_row_kind()), tuple(r)) for r in c.execute_and_collect()] == [
        ("+I", (1, 1)), ("+I", (2, 1)), ("-U", (1, 1)), ("+U", (1, 2))]
    r = t_env.to_retract_stream(agg, Types.ROW([Types.LONG(), Types.LONG()]))
    assert repr(list(r.execute_and_collect())) == (
        "[(True, Row(f0=1, f1=1)), (True, Row(f0=2, f1=1)), (False, Row(f0=1, f1=1)), (True, Row(f0=1, f1=2))]")
    only_adds = r.filter(lambda t: t[0])
    assert repr(list(only_adds.execute_and_collect())) == (
        "[(True, Row(f0=1, f1=1)), (True, Row(f0=2, f1=1)), (True, Row(f0=1, f1=2))]")
    t_env.to_changelog_stream(agg).print()
    env.execute()
    assert capfd.readouterr().out.splitlines() == ["+I[1,1]", "+I[2,1]", "-U[1,1]", "+U[1,2]"]
    t_env.to_data_stream(tab).print()
    env.execute()
    assert capfd.readouterr().out.splitlines() == ["+I[1,a]", "+I[2,b]", "+I[1,c]"]
    t_env.to_retract_stream(agg, Types.ROW([Types.LONG(), Types.LONG()])).print()
    env.execute()
    assert capfd.readouterr().out.splitlines() == [
        "(true,+I[1, 1])", "(true,+I[2, 1])", "(false,-U[1, 1])", "(true,+U[1, 2])"]
    # a function sees each Row with its kind; filter keeps the kinds
    kinds = t_env.to_changelog_stream(agg).filter(lambda r: r.k == 1).map(
        lambda r: "%s %d" % (r.get_row_kind(), r.c), Types.STRING())
    assert list(kinds.execute_and_collect()) == ["+I 1", "-U 1", "+U 2"]
    back = t_env.from_changelog_stream(env.from_collection([("a", 1)], Types.ROW([Types.STRING(), Types.INT()])))
    assert rows(back) == [("a", 1)]


def test_changelog_stream_round_trip(envs):
    env, t_env = envs
    tab = t_env.from_elements([(1, "a"), (2, "b"), (1, "c")], ["k", "v"])
    agg = t_env.sql_query("select k, count(*) as c from %s group by k" % tab)
    back = t_env.from_changelog_stream(t_env.to_changelog_stream(agg))
    assert back.get_schema().get_field_names() == ["k", "c"]

    def changes(t):
        return [(str(r.get_row_kind()), tuple(r)) for r in t.execute().collect()]
    assert changes(back) == [("+I", (1, 1)), ("+I", (2, 1)), ("-U", (1, 1)), ("+U", (1, 2))]
    s = t_env.sql_query("select sum(c) from %s" % back)
    assert changes(s) == [("+I", (1,)), ("-U", (1,)), ("+U", (2,)), ("-U", (2,)), ("+U", (1,)), ("-U", (1,)),
                          ("+U", (3,))]
    f = t_env.from_changelog_stream(t_env.to_changelog_stream(agg).rebalance().filter(lambda r: r.k == 1))
    assert changes(f) == [("+I", (1, 1)), ("-U", (1, 1)), ("+U", (1, 2))]
