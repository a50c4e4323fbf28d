"""The Table API's joins (join, left/right/full_outer_join) against the
results Flink 2.3 gives for the same programs."""
from typing import Any, List

import pytest

from pyflink.table import EnvironmentSettings, TableEnvironment
from pyflink.table.expressions import col


@pytest.fixture
def env() -> TableEnvironment:
    return TableEnvironment.create(EnvironmentSettings.in_batch_mode())


def rows(t: Any) -> List[tuple]:
    return sorted((tuple(r) for r in t.execute().collect()), key=repr)


def sides(env: TableEnvironment) -> Any:
    left = env.from_elements([(1, "a", 10), (2, "b", 20), (3, "c", 30)], ["a", "b", "c"])
    right = env.from_elements([(1, "x"), (1, "y"), (4, "z")], ["d", "e"])
    return left, right


def test_join_where_select(env: TableEnvironment) -> None:
    left, right = sides(env)
    t = left.join(right).where(col("a") == col("d")).select(col("a"), col("b"), col("e"))
    assert t.get_schema().get_field_names() == ["a", "b", "e"]
    assert rows(t) == [(1, "a", "x"), (1, "a", "y")]


def test_join_with_predicate_keeps_both_sides_columns(env: TableEnvironment) -> None:
    left, right = sides(env)
    t = left.join(right, col("a") == col("d"))
    assert t.get_schema().get_field_names() == ["a", "b", "c", "d", "e"]
    assert rows(t) == [(1, "a", 10, 1, "x"), (1, "a", 10, 1, "y")]
    # Sluice also takes Flink 1.x's string predicates.
    assert rows(left.join(right, "a = d")) == rows(t)


def test_outer_joins_pad_with_none(env: TableEnvironment) -> None:
    left, right = sides(env)
    assert rows(left.left_outer_join(right, left.a == right.d)) == [
        (1, "a", 10, 1, "x"), (1, "a", 10, 1, "y"), (2, "b", 20, None, None), (3, "c", 30, None, None)]
    assert rows(left.right_outer_join(right, col("a") == col("d"))) == [
        (1, "a", 10, 1, "x"), (1, "a", 10, 1, "y"), (None, None, None, 4, "z")]
    assert rows(left.full_outer_join(right, col("a") == col("d"))) == [
        (1, "a", 10, 1, "x"), (1, "a", 10, 1, "y"), (2, "b", 20, None, None), (3, "c", 30, None, None),
        (None, None, None, 4, "z")]


def test_left_outer_join_without_predicate_is_a_product(env: TableEnvironment) -> None:
    left, right = sides(env)
    assert len(rows(left.left_outer_join(right))) == 9


def test_ambiguous_names_are_rejected(env: TableEnvironment) -> None:
    left, _ = sides(env)
    with pytest.raises(ValueError, match=r"join relations with ambiguous names: \[a, b, c\]"):
        left.join(left)


def test_streaming_join_of_an_aggregate(env: TableEnvironment) -> None:
    s = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    left = s.from_elements([("a", 1), ("a", 2), ("b", 5)], ["k", "v"]).group_by(col("k")).select(col("k"), col("v").sum.alias("total"))
    right = s.from_elements([("a", "A"), ("b", "B")], ["k2", "name"])
    final: dict = {}
    for r in left.join(right, col("k") == col("k2")).select(col("name"), col("total")).execute().collect():
        key = tuple(r)
        final[key] = final.get(key, 0) + (1 if r.get_row_kind().name in ("INSERT", "UPDATE_AFTER") else -1)
    assert sorted(k for k, n in final.items() for _ in range(n)) == [("A", 3), ("B", 5)]


def test_python_function_in_an_inner_join_condition(env: TableEnvironment) -> None:
    from pyflink.table import DataTypes
    from pyflink.table.udf import udf

    @udf(result_type=DataTypes.BOOLEAN())
    def close_enough(a: int, d: int) -> bool:
        return abs(a - d) <= 1

    env.create_temporary_system_function("close_enough", close_enough)
    left, right = sides(env)
    env.create_temporary_view("l", left)
    env.create_temporary_view("r", right)
    got = rows(env.sql_query("SELECT a, e FROM l JOIN r ON a = d AND close_enough(c, d * 10)"))
    assert got == [(1, "x"), (1, "y")]
    got = rows(env.sql_query("SELECT a, d FROM l, r WHERE close_enough(a, d)"))
    assert got == [(1, 1), (1, 1), (2, 1), (2, 1), (3, 4)]
