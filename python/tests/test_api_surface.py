"""The Table API surface as PyFlink's: column access, str(table) inside SQL,
offset/fetch/limit, column operations with the DSL, schemas, and the
operations the engine lacks raising NotImplementedError naming them."""
import pytest

from pyflink.table import Table
from pyflink.table.expressions import col, concat, lit, range_, with_columns, without_columns


def rows(t):
    return [tuple(r) for r in t.execute().collect()]


@pytest.fixture
def t(batch_env):
    return batch_env.from_elements([(1, "hello", 2.5), (2, "world", 3.5), (3, "hello", 1.0)], ["id", "word", "count"])


def test_columns_as_attributes_and_items(t):
    assert rows(t.select(t.id, t.word)) == [(1, "hello"), (2, "world"), (3, "hello")]
    assert rows(t.select(t["count"].sum)) == [(7.0,)]
    # A column named like nothing on Table is an attribute too.
    assert str(t.count) == "count"
    assert rows(t.group_by(t.word).select(t.word, t.count.sum.alias("total")).order_by(col("word"))) == \
        [("hello", 3.5), ("world", 3.5)]
    with pytest.raises(AttributeError, match=r"The current table has no column named 'nope', available columns: \[id, word, count\]"):
        t.nope
    with pytest.raises(KeyError):
        t["nope"]
    assert not hasattr(t, "__private__")


def test_generated_column_names_are_attributes(batch_env):
    t = batch_env.from_elements([(1, "a"), (2, "b")])
    assert rows(t.select(t._2, t._1 + 1)) == [("a", 2), ("b", 3)]
    with pytest.raises(AttributeError, match="no column named '_3'"):
        t._3


def test_methods_win_over_columns_of_the_same_name(batch_env):
    t = batch_env.from_elements([(1, 2)], ["select", "limit"])
    assert callable(t.select) and callable(t.limit)
    assert rows(t.select(t["select"] + t["limit"])) == [(3,)]


def test_str_registers_the_table_for_sql(batch_env, t):
    name = str(t)
    assert name.startswith("UnnamedTable$")
    assert str(t) == name  # registered once
    assert rows(batch_env.sql_query("SELECT id FROM %s WHERE id > 1" % t)) == [(2,), (3,)]
    other = t.select(t.id)
    assert str(other) != name
    assert rows(batch_env.sql_query("SELECT COUNT(*) FROM %s" % other)) == [(3,)]


def test_order_limit_offset_fetch(t):
    assert rows(t.order_by(t.word.asc, t.id.desc).select(t.id)) == [(3,), (1,), (2,)]
    assert rows(t.order_by(t.id.desc).fetch(2).select(t.id)) == [(3,), (2,)]
    assert rows(t.order_by(t.id).offset(1).select(t.id)) == [(2,), (3,)]
    assert rows(t.order_by(t.id).offset(1).fetch(1).select(t.id)) == [(2,)]
    assert rows(t.order_by(t.id).limit(1, 1).select(t.id)) == [(2,)]
    assert rows(t.order_by(t.id).limit(2).select(t.id)) == [(1,), (2,)]


def test_column_operations_with_the_dsl(t):
    assert rows(t.add_columns((t.id + 1).alias("next")).select(col("next"))) == [(2,), (3,), (4,)]
    assert rows(t.add_or_replace_columns(concat(t.word, "!").alias("word")).select(t.word)) == \
        [("hello!",), ("world!",), ("hello!",)]
    assert t.drop_columns(t.word, t["count"]).get_schema().get_field_names() == ["id"]
    assert t.rename_columns(t.word.alias("w"), t.id.alias("i")).get_schema().get_field_names() == ["i", "w", "count"]
    assert rows(t.select(t.word).distinct().order_by(t.word)) == [("hello",), ("world",)]
    assert t.alias("x", "y", "z").get_schema().get_field_names() == ["x", "y", "z"]
    assert rows(t.filter(t.id > 2).select(t.id)) == [(3,)]
    assert rows(t.where(t.word == lit("world")).select(t.id)) == [(2,)]


def test_with_and_without_columns(t):
    assert t.select(with_columns(range_(1, 2))).get_schema().get_field_names() == ["id", "word"]
    assert t.select(with_columns(range_("word", "count"))).get_schema().get_field_names() == ["word", "count"]
    assert t.select(with_columns(col("count"), 1)).get_schema().get_field_names() == ["count", "id"]
    assert t.select(without_columns(col("word"))).get_schema().get_field_names() == ["id", "count"]
    assert t.select(col("*")).get_schema().get_field_names() == ["id", "word", "count"]
    assert t.select("*").get_schema().get_field_names() == ["id", "word", "count"]
    with pytest.raises(ValueError, match="no column named 'nope'"):
        t.select(with_columns(col("nope")))


def test_schemas_explain_and_pandas(t, capsys):
    rs = t.get_resolved_schema()
    assert rs.get_column_names() == ["id", "word", "count"]
    assert [repr(x) for x in rs.get_column_data_types()] == ["BigIntType(true)", "VarCharType(2147483647, true)", "DoubleType(true)"]
    assert str(rs) == "(\n  `id` BIGINT,\n  `word` STRING,\n  `count` DOUBLE\n)"
    t.print_schema()
    assert capsys.readouterr().out == str(rs) + "\n"
    assert t.get_schema().get_field_names() == ["id", "word", "count"]
    assert isinstance(t.explain(), str) and t.explain().strip()
    df = t.to_pandas()
    assert list(df.columns) == ["id", "word", "count"] and len(df) == 3


def test_execute_insert(batch_env, t):
    batch_env.execute_sql("CREATE TABLE sink_a (id BIGINT, word STRING, `count` DOUBLE) WITH ('connector' = 'blackhole')")
    t.execute_insert("sink_a").wait()
    with pytest.raises(ValueError, match="INSERT OVERWRITE"):
        t.execute_insert("sink_a", True)


@pytest.mark.parametrize("method, error, message", [
    ("aggregate", TypeError, "aggregate takes an aggregate function call expression"),
    ("flat_aggregate", ValueError, "A flatAggregate only accepts an expression which defines a table aggregate"),
])
def test_row_based_aggregates_reject_what_is_no_aggregate_call(t, method, error, message):
    with pytest.raises(error, match=message):
        getattr(t, method)(None)


def test_table_class_exported():
    import pyflink.table
    assert pyflink.table.Table is Table
    for name in ("Row", "RowKind", "Expression", "UserDefinedType", "DataTypes"):
        assert hasattr(pyflink.table, name) and name in pyflink.table.__all__


def test_changelog_conversions_name_the_missing_feature(t):
    for method in ("to_changelog", "from_changelog"):
        with pytest.raises(NotImplementedError, match="Table.%s is not supported by Sluice: changelog conversion" % method):
            getattr(t, method)()


def test_flatten_and_map(batch_env):
    from pyflink.common import Row
    from pyflink.table import DataTypes
    from pyflink.table.udf import udf
    t = batch_env.from_elements([(1, "a", Row(x=1, y="p")), (2, "b", Row(x=2, y="q"))], ["id", "s", "r"])
    flat = t.select(t.id, t.r.flatten)
    assert flat.get_schema().get_field_names() == ["id", "r$x", "r$y"]
    assert rows(flat) == [(1, 1, "p"), (2, 2, "q")]
    assert rows(t.select(t.id.flatten)) == [(1,), (2,)]  # not a ROW: itself

    pair = udf(lambda x: Row(x + 1, x * x),
               result_type=DataTypes.ROW([DataTypes.FIELD("a", DataTypes.INT()), DataTypes.FIELD("b", DataTypes.INT())]))
    m = t.map(pair(col("id")))
    assert m.get_schema().get_field_names() == ["a", "b"] and rows(m) == [(2, 1), (3, 4)]
    assert t.map(pair(col("id"))).alias("c", "d").get_schema().get_field_names() == ["c", "d"]

    # a udf without arguments receives the whole row
    whole = udf(lambda row: Row(row.id * 10, row.s.upper()),
                result_type=DataTypes.ROW([DataTypes.FIELD("n", DataTypes.BIGINT()), DataTypes.FIELD("u", DataTypes.STRING())]))
    assert rows(t.select(t.id, t.s).map(whole)) == [(10, "A"), (20, "B")]
    twice = udf(lambda x: x * 2, result_type=DataTypes.BIGINT())
    m = t.map(twice(t.id))
    assert m.get_schema().get_field_names() == ["_c0"] and rows(m) == [(2,), (4,)]


def test_map_with_a_pandas_udf_gets_a_data_frame(batch_env):
    pytest.importorskip("pandas")
    from pyflink.table import DataTypes
    from pyflink.table.udf import udf
    t = batch_env.from_elements([(1, 10), (2, 20)], ["a", "b"])
    total = udf(lambda df: df["a"] + df["b"], result_type=DataTypes.BIGINT(), func_type="pandas")
    assert rows(t.map(total)) == [(11,), (22,)]
