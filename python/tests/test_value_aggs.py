"""FIRST_VALUE, LAST_VALUE and LISTAGG as aggregates, through SQL and the
Table API (``first_value``, ``last_value``, ``list_agg``): the rows
PyFlink 2.3 gives for the same programs, among them PyFlink's own
test_mixed_with_built_in_functions_with(out)_retract (test_udaf.py), with
a concatenating Python aggregate of ours in place of its test's."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, List

import pytest

from pyflink.table import DataTypes, EnvironmentSettings, TableEnvironment
from pyflink.table.expressions import col
from pyflink.table.udf import AggregateFunction, udaf


class SortedConcat(AggregateFunction):
    """The non-NULL strings kept, joined by ',' in sorted order."""

    def create_accumulator(self) -> List[str]:
        return []

    def accumulate(self, acc: List[str], s: Any) -> None:
        if s is not None:
            acc.append(s)

    def retract(self, acc: List[str], s: Any) -> None:
        if s is not None and s in acc:
            acc.remove(s)

    def get_value(self, acc: List[str]) -> str:
        return ",".join(sorted(acc))

    def get_result_type(self) -> DataTypes:
        return DataTypes.STRING()

    def get_accumulator_type(self) -> DataTypes:
        return DataTypes.ARRAY(DataTypes.STRING())


def make_env(streaming: bool = True) -> TableEnvironment:
    s = EnvironmentSettings.in_streaming_mode() if streaming else EnvironmentSettings.in_batch_mode()
    env = TableEnvironment.create(s)
    env.get_config().set("parallelism.default", "1")
    return env


def rows(result: Any) -> List[str]:
    with result.collect() as it:
        return ["%s%s" % (str(r.get_row_kind()), list(r)) for r in it]


MIXED = ("select concat(b) as a, FIRST_VALUE(b) as b, LAST_VALUE(b) as c, COUNT(c) as d, COUNT(1) as e, "
         "LISTAGG(b) as f, LISTAGG(b, '|') as g, MAX(c) as h, MAX(cast(c as float) + 1) as i, MIN(c) as j, "
         "MIN(cast(c as decimal) + 1) as k, SUM(c) as l, SUM(cast(c as float) + 1) as m")
MIXED_MOMENTS = (", AVG(c) as n, AVG(cast(c as double) + 1) as o, STDDEV_POP(cast(c as float)), "
                 "STDDEV_SAMP(cast(c as float)), VAR_POP(cast(c as float)), VAR_SAMP(cast(c as float))")


def test_mixed_with_built_in_functions_with_retract() -> None:
    env = make_env()
    env.create_temporary_system_function("concat", udaf(SortedConcat()))
    t = env.from_elements([(1, 'Hi_', 1), (1, 'Hi', 2), (2, 'Hi_', 3), (2, 'Hi', 4), (3, None, None),
                           (3, None, None), (4, 'hello2_', 7), (4, 'hello2', 8), (5, 'hello_', 9),
                           (5, 'hello', 10)], ['a', 'b', 'c'])
    env.create_temporary_view("src", t)
    env.create_temporary_view(
        "retract_table", env.sql_query("select a, LAST_VALUE(b) as b, LAST_VALUE(c) as c from src group by a"))
    with env.sql_query(MIXED + MIXED_MOMENTS + " from retract_table").execute().collect() as it:
        result = list(it)
    # PyFlink 2.3: ['Hi,Hi,hello,hello2', 'Hi', 'hello', 4, 5, 'Hi,Hi,hello2,hello',
    # 'Hi|Hi|hello2|hello', 10, 11.0, 2, Decimal('3'), 24, 28.0, 6, 7.0, 3.1622777,
    # 3.6514838, 10.0, 13.333333]: LAST_VALUE of each a leaves Hi, Hi, NULL,
    # hello2 and hello, which FIRST/LAST/LISTAGG take in that order.
    last = list(result[-1])
    assert last[:13] == ['Hi,Hi,hello,hello2', 'Hi', 'hello', 4, 5, 'Hi,Hi,hello2,hello', 'Hi|Hi|hello2|hello',
                         10, 11.0, 2, Decimal('3'), 24, 28.0]
    assert last[13:15] == [6, 7.0]
    assert last[15:] == pytest.approx([3.1622777, 3.6514838, 10.0, 13.333333], rel=1e-6)


def test_mixed_with_built_in_functions_without_retract() -> None:
    env = make_env()
    env.create_temporary_system_function("concat", udaf(SortedConcat()))
    t = env.from_elements([('Hi', 2), ('Hi', 4), (None, None), ('hello2', 8), ('hello', 10)], ['b', 'c'])
    env.create_temporary_view("src", t)
    with env.sql_query(MIXED + " from src").execute().collect() as it:
        result = list(it)
    assert list(result[-1]) == ['Hi,Hi,hello,hello2', 'Hi', 'hello', 4, 5, 'Hi,Hi,hello2,hello',
                                'Hi|Hi|hello2|hello', 10, 11.0, 2, Decimal('3'), 24, 28.0]


SALES = [('a', 'x', 1), ('b', 'y', 2), ('a', None, 3), ('a', 'z', None), ('b', 'y', 5), ('c', None, None),
         ('a', 'x', 7), ('b', 'w', 8)]


def test_table_api_expressions_streaming() -> None:
    env = make_env()
    s = env.from_elements(SALES, ['k', 'v', 'n'])
    r = s.group_by(col('k')).select(col('k'), col('v').first_value.alias('fv'), col('v').last_value.alias('lv'),
                                    col('v').list_agg().alias('la'), col('v').list_agg('|').alias('lb'),
                                    col('n').last_value.alias('ln'), col('v').list_agg().distinct.alias('ld'))
    # The results keep the argument types (PyFlink: STRING and BIGINT).
    assert [str(t) for t in r.get_schema().get_field_data_types()] == ['STRING'] * 5 + ['BIGINT', 'STRING']
    # PyFlink 2.3's changelog.
    assert rows(r.execute()) == [
        "+I['a', 'x', 'x', 'x', 'x', 1, 'x']",
        "+I['b', 'y', 'y', 'y', 'y', 2, 'y']",
        "-U['a', 'x', 'x', 'x', 'x', 1, 'x']",
        "+U['a', 'x', 'x', 'x', 'x', 3, 'x']",
        "-U['a', 'x', 'x', 'x', 'x', 3, 'x']",
        "+U['a', 'x', 'z', 'x,z', 'x|z', 3, 'x,z']",
        "-U['b', 'y', 'y', 'y', 'y', 2, 'y']",
        "+U['b', 'y', 'y', 'y,y', 'y|y', 5, 'y']",
        "+I['c', None, None, None, None, None, None]",
        "-U['a', 'x', 'z', 'x,z', 'x|z', 3, 'x,z']",
        "+U['a', 'x', 'x', 'x,z,x', 'x|z|x', 7, 'x,z']",
        "-U['b', 'y', 'y', 'y,y', 'y|y', 5, 'y']",
        "+U['b', 'y', 'w', 'y,y,w', 'y|y|w', 8, 'y,w']",
    ]


def test_table_api_expressions_batch() -> None:
    env = make_env(streaming=False)
    s = env.from_elements(SALES, ['k', 'v', 'n'])
    r = s.group_by(col('k')).select(col('k'), col('v').first_value.alias('fv'), col('v').last_value.alias('lv'),
                                    col('v').list_agg().alias('la'), col('v').list_agg('|').alias('lb'),
                                    col('n').last_value.alias('ln'))
    assert sorted(rows(r.execute())) == [
        "+I['a', 'x', 'x', 'x,z,x', 'x|z|x', 7]",
        "+I['b', 'y', 'w', 'y,y,w', 'y|y|w', 8]",
        "+I['c', None, None, None, None, None]",
    ]


def test_expression_text_as_pyflink() -> None:
    assert str(col('v').first_value) == "first_value(v)"
    assert str(col('v').last_value) == "last_value(v)"
    assert str(col('v').list_agg('|')) == "listAgg(v, '|')"


def test_separator_must_be_a_literal() -> None:
    env = make_env()
    env.create_temporary_view("sales", env.from_elements(SALES, ['k', 'v', 'n']))
    with pytest.raises(Exception, match="Argument to function 'LISTAGG' must be a literal"):
        env.sql_query("SELECT k, LISTAGG(v, k) FROM sales GROUP BY k")
    with pytest.raises(Exception, match="Cannot apply 'LISTAGG'"):
        env.sql_query("SELECT k, LISTAGG(n) FROM sales GROUP BY k")
