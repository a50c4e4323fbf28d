"""Column names of Table API projections, as Flink's
ProjectionOperationFactory gives them (_c<position>, a-TYPE for a cast,
EXPR$<n> for the n-th aggregate of a grouped select), SQL's EXPR$<position>
for SQL. Expected schemas are PyFlink 2.3's."""
from pyflink.table import DataTypes
from pyflink.table.expressions import col


def names(table):
    return table.get_schema().get_field_names()


def test_select_names(batch_env):
    t = batch_env.from_elements([(1, 2, 3), (2, 5, 6)], ["a", "b", "c"])
    assert names(batch_env.from_elements([(1, 2)])) == ["_1", "_2"]
    assert names(t.select(t.a + 1, t.b, t.a * 2, col("a").alias("x"), t.a + t.b)) == ["_c0", "b", "_c2", "x", "_c4"]
    assert names(t.select(t.a.cast(DataTypes.STRING()), t.c.abs)) == ["a-STRING", "_c1"]
    assert names(t.select(t.a + 1).select(col("_c0") + 1)) == ["_c0"]
    assert names(t.distinct().select(t.a + 1)) == ["_c0"]
    assert names(t.add_columns(t.a + 1)) == ["a", "b", "c", "_c3"]
    assert names(batch_env.sql_query("SELECT a + 1, b FROM %s" % t)) == ["EXPR$0", "b"]


def test_aggregate_names(batch_env):
    t = batch_env.from_elements([(1, 2, 3), (2, 5, 6)], ["a", "b", "c"])
    assert names(t.group_by(t.a).select(t.a, t.b.sum, t.c.max + 1)) == ["a", "EXPR$0", "_c2"]
    assert names(t.select(t.a.sum, (t.b + 1).sum)) == ["EXPR$0", "EXPR$1"]
