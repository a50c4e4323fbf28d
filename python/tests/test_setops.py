"""Table.minus / minus_all / intersect / intersect_all, as PyFlink's: the
results are Flink 2.3's for the same rows, in batch and in streaming."""
from collections import Counter
from typing import Any, Dict, List, Tuple

import pytest

from pyflink.table import TableEnvironment

LEFT = [(1, "a"), (1, "a"), (2, "b"), (None, "c"), (None, "c")]
RIGHT = [(1, "a"), (3, "z"), (None, "c")]

EXPECTED: Dict[str, List[Tuple[Any, ...]]] = {
    "minus": [(2, "b")],
    "minus_all": [(1, "a"), (2, "b"), (None, "c")],
    "intersect": [(1, "a"), (None, "c")],
    "intersect_all": [(1, "a"), (None, "c")],
}


def final_rows(table) -> Counter:
    """The rows a table ends with: inserts and update-afters add a row,
    deletes and update-befores take one away (a streaming changelog)."""
    out: Counter = Counter()
    with table.execute().collect() as it:
        for r in it:
            kind = str(r.get_row_kind())
            if kind in ("+I", "+U", "INSERT", "UPDATE_AFTER"):
                out[tuple(r)] += 1
            else:
                out[tuple(r)] -= 1
    assert all(n >= 0 for n in out.values()), out
    return +out


@pytest.mark.parametrize("op", sorted(EXPECTED))
def test_set_operations(batch_env: TableEnvironment, op: str) -> None:
    left = batch_env.from_elements(LEFT, ["k", "s"])
    right = batch_env.from_elements(RIGHT, ["k2", "s2"])
    result = getattr(left, op)(right)
    # The columns are the left table's.
    assert result.get_schema().get_field_names() == ["k", "s"]
    assert final_rows(result) == Counter(EXPECTED[op])


@pytest.mark.parametrize("op", sorted(EXPECTED))
def test_validation(batch_env: TableEnvironment, stream_env: TableEnvironment, op: str) -> None:
    name = op.split("_")[0]
    left = batch_env.from_elements(LEFT, ["k", "s"])
    with pytest.raises(ValueError, match="The %s operation on two tables of different column sizes: 2 and 1 is not supported" % name):
        getattr(left, op)(batch_env.from_elements([(1,)], ["k"]))
    with pytest.raises(ValueError, match="Incompatible types for %s operation. Could not find a common type at position 0 "
                       "for 'BIGINT' and 'STRING'." % name):
        getattr(left, op)(batch_env.from_elements([("x", "y")], ["p", "q"]))
    # BIGINT and DOUBLE widen to DOUBLE.
    widened = getattr(left, op)(batch_env.from_elements([(1.5, "y")], ["p", "q"]))
    assert str(widened.get_schema().get_field_data_types()[0]).startswith("DOUBLE")
    # Flink's Table API refuses them in streaming mode (SQL runs them).
    s = stream_env.from_elements(LEFT, ["k", "s"])
    with pytest.raises(ValueError, match="The %s operation on two unbounded tables is currently not supported." % name.upper()):
        getattr(s, op)(s)


def test_nesting_and_order(batch_env: TableEnvironment) -> None:
    left = batch_env.from_elements(LEFT, ["k", "s"])
    right = batch_env.from_elements(RIGHT, ["k", "s"])
    # (left ∪all right) ∖all left is right; ∩ left keeps what both hold.
    got = left.union_all(right).minus_all(left).intersect_all(left).order_by("k").execute().collect()
    # Flink sorts NULLs first in ascending order.
    assert [tuple(r) for r in got] == [(None, "c"), (1, "a")]


def test_sql_in_streaming_mode(stream_env: TableEnvironment) -> None:
    # SQL's INTERSECT and EXCEPT run in streaming mode (the Table API's
    # methods do not, as in Flink): the changelog ends in Flink's table.
    stream_env.create_temporary_view("l", stream_env.from_elements(LEFT, ["k", "s"]))
    stream_env.create_temporary_view("r", stream_env.from_elements(RIGHT, ["k", "s"]))
    for sql_op, op in (("EXCEPT", "minus"), ("EXCEPT ALL", "minus_all"), ("INTERSECT", "intersect"),
                       ("INTERSECT ALL", "intersect_all")):
        t = stream_env.sql_query("SELECT * FROM l %s SELECT * FROM r" % sql_op)
        assert final_rows(t) == Counter(EXPECTED[op]), sql_op
