"""pyflink.common.Row as PyFlink's: construction, access, kinds, equality,
and the same class in UDF arguments and collect() results."""
import pickle

import pytest

from pyflink.common import Row, RowKind
from pyflink.table import DataTypes
from pyflink.table.udf import udf


def test_named_and_positional_rows():
    r = Row(a=1, b="x")
    assert repr(r) == "Row(a=1, b='x')"
    assert r[0] == 1 and r["b"] == "x" and r.a == 1 and r.b == "x"
    assert r._fields == ["a", "b"]
    assert r.as_dict() == {"a": 1, "b": "x"}
    assert "a" in r and "z" not in r
    assert len(r) == 2 and list(r) == [1, "x"]
    p = Row(1, "x")
    assert repr(p) == "<Row(1, 'x')>"
    assert not hasattr(p, "_fields")
    assert 1 in p
    with pytest.raises(TypeError, match="Cannot convert a Row class into dict"):
        p.as_dict()
    with pytest.raises(AttributeError):
        r.c
    with pytest.raises(ValueError):
        Row(1, b=2)


def test_row_factory_and_mutation():
    Person = Row("name", "age")
    assert repr(Person) == "<Row('name', 'age')>"
    alice = Person("Alice", 11)
    assert repr(alice) == "Row(name='Alice', age=11)"
    assert alice == Row(name="Alice", age=11)
    alice[1] = 12
    alice["name"] = "Al"
    assert alice.as_dict() == {"name": "Al", "age": 12}
    with pytest.raises(ValueError):
        Person(1, 2, 3)
    with pytest.raises(AttributeError):
        alice.other = 1


def test_equality_and_kinds():
    assert Row(a=1, b=2) == Row(b=2, a=1)  # by name, as PyFlink
    assert Row(1, 2) == Row(1, 2)
    assert Row(1, 2) != (1, 2)
    assert Row(1, 2) != Row(a=1, b=2)
    r = Row(1)
    assert r.get_row_kind() == RowKind.INSERT and str(r.get_row_kind()) == "+I"
    r.set_row_kind(RowKind.DELETE)
    assert r != Row(1)
    assert Row.of_kind(RowKind.UPDATE_AFTER, 1).get_row_kind() is RowKind.UPDATE_AFTER
    assert [str(k) for k in RowKind] == ["+I", "-U", "+U", "-D"]
    assert RowKind.UPDATE_BEFORE.value == 1
    assert hash(Row(1, "a")) == hash(Row(1, "a"))
    assert r._is_retract_msg() and not r._is_accumulate_msg()


def test_nested_as_dict_and_pickle():
    r = Row(key=1, value=Row(name="a", age=2))
    assert r.as_dict(True) == {"key": 1, "value": {"name": "a", "age": 2}}
    back = pickle.loads(pickle.dumps(r))
    assert back == r and back.value.name == "a"
    assert r.get_fields_by_names(["value", "key"])[1] == 1


def test_row_reexports():
    import pyflink.table
    import pyflink.table.types
    import pyflink.common.types
    assert pyflink.table.Row is Row is pyflink.table.types.Row is pyflink.common.types.Row


def test_udf_sees_and_returns_the_same_row(batch_env):
    seen = []

    @udf(result_type=DataTypes.ROW([DataTypes.FIELD("x", DataTypes.BIGINT()), DataTypes.FIELD("y", DataTypes.STRING())]))
    def swap(r):
        seen.append(type(r))
        return Row(y=r.s.upper(), x=r["n"] * 2)  # named: matched by name

    t = batch_env.from_elements([(Row(n=1, s="a"),), (Row(n=2, s="b"),)], ["r"])
    out = list(t.select(swap(t.r).alias("o")).execute().collect())
    assert seen and all(c is Row for c in seen)
    assert [type(o) for o in out] == [Row, Row]
    # collect() rows are positional as PyFlink's (names still read)
    assert out[0].o == Row(2, "A") and out[0] == Row(Row(2, "A"))
    assert type(out[0].o) is Row and out[1].o.as_dict() == {"x": 4, "y": "B"}
    assert repr(out[1]) == "<Row(<Row(4, 'B')>)>"


def test_result_rows_are_positional_as_pyflink(batch_env):
    (r,) = list(batch_env.execute_sql("SELECT 1 AS a, 'x' AS b").collect())
    assert r == Row(1, "x") and r != Row(a=1, b="x")
    assert repr(r) == "<Row(1, 'x')>" and not hasattr(r, "_fields")
    assert r.a == 1 and r["b"] == "x" and r.as_dict() == {"a": 1, "b": "x"}
    assert r.get_row_kind() == RowKind.INSERT
    with pytest.raises(AttributeError):
        r.c
