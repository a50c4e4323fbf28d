"""DataTypes as PyFlink's: repr/str, equality, conversions, inference, the
verifier, and from_elements with declared and inferred schemas (values
round-trip through collect())."""
import array
import datetime
import pickle
from collections import namedtuple
from decimal import Decimal

import pytest

from pyflink.common import Row
from pyflink.table import DataTypes, UserDefinedType
from pyflink.table.types import (
    ArrayType, DataType, MapType, RowField, RowType, VarCharType, _create_type_verifier, _infer_schema_from_data,
    _infer_type,
)

D = DataTypes


@pytest.mark.parametrize("t, rep, text", [
    (D.NULL(), "NullType(true)", "NULL"),
    (D.CHAR(3), "CharType(3, true)", "CHAR"),
    (D.VARCHAR(10), "VarCharType(10, true)", "VARCHAR"),
    (D.STRING(), "VarCharType(2147483647, true)", "VARCHAR"),
    (D.BOOLEAN(), "BooleanType(true)", "BOOLEAN"),
    (D.BINARY(2), "BinaryType(2, true)", "BINARY"),
    (D.VARBINARY(5), "VarBinaryType(5, true)", "VARBINARY"),
    (D.BYTES(), "VarBinaryType(2147483647, true)", "VARBINARY"),
    (D.DECIMAL(10, 2), "DecimalType(10, 2, true)", "DECIMAL"),
    (D.TINYINT(), "TinyIntType(true)", "TINYINT"),
    (D.SMALLINT(), "SmallIntType(true)", "SMALLINT"),
    (D.INT(), "IntType(true)", "INT"),
    (D.BIGINT(), "BigIntType(true)", "BIGINT"),
    (D.BIGINT(False), "BigIntType(false)", "BIGINT"),
    (D.BIGINT().not_null(), "BigIntType(false)", "BIGINT"),
    (D.BIGINT(False).nullable(), "BigIntType(true)", "BIGINT"),
    (D.FLOAT(), "FloatType(true)", "FLOAT"),
    (D.DOUBLE(), "DoubleType(true)", "DOUBLE"),
    (D.DATE(), "DateType(true)", "DATE"),
    (D.TIME(3), "TimeType(3, true)", "TIME"),
    (D.TIMESTAMP(3), "TimestampType(3, true)", "TIMESTAMP"),
    (D.TIMESTAMP_LTZ(3), "LocalZonedTimestampType(3, true)", "LOCALZONEDTIMESTAMP"),
    (D.ARRAY(D.INT()), "ArrayType(IntType(true), true)", "ARRAY"),
    (D.MAP(D.STRING(), D.BIGINT(False)), "MapType(VarCharType(2147483647, true), BigIntType(false), true)", "MAP"),
    (D.MULTISET(D.INT()), "MultisetType(IntType(true), true)", "MULTISET"),
    (D.ROW([D.FIELD("a", D.INT()), D.FIELD("b", D.STRING(), "desc")]),
     "RowType(RowField(a, IntType(true), ...),RowField(b, VarCharType(2147483647, true), desc))", "ROW"),
    (D.LIST_VIEW(D.INT()), "ListViewType(IntType(true))", "LISTVIEW"),
    (D.MAP_VIEW(D.STRING(), D.INT()), "MapViewType(VarCharType(2147483647, true), IntType(true))", "MAPVIEW"),
    (D.INTERVAL(D.SECOND(3)), "DayTimeIntervalType(true)", "DAYTIMEINTERVAL"),
    (D.INTERVAL(D.YEAR(), D.MONTH()), "YearMonthIntervalType(true)", "YEARMONTHINTERVAL"),
])
def test_repr_and_str_as_pyflink(t, rep, text):
    assert repr(t) == rep
    assert str(t) == text
    assert hash(t) == hash(text)


@pytest.mark.parametrize("t, sql", [
    (D.INTERVAL(D.SECOND(3)), "INTERVAL SECOND(3)"),
    (D.INTERVAL(D.SECOND()), "INTERVAL SECOND(6)"),
    (D.INTERVAL(D.MINUTE()), "INTERVAL MINUTE"),
    (D.INTERVAL(D.HOUR()), "INTERVAL HOUR"),
    (D.INTERVAL(D.DAY()), "INTERVAL DAY(2)"),
    (D.INTERVAL(D.DAY(3), D.SECOND(2)), "INTERVAL DAY(3) TO SECOND(2)"),
    (D.INTERVAL(D.HOUR(), D.MINUTE()), "INTERVAL HOUR TO MINUTE"),
    (D.INTERVAL(D.MINUTE(), D.SECOND(0)), "INTERVAL MINUTE TO SECOND(0)"),
    (D.INTERVAL(D.MONTH()), "INTERVAL MONTH"),
    (D.INTERVAL(D.YEAR(4)), "INTERVAL YEAR(4)"),
    (D.INTERVAL(D.YEAR(), D.MONTH()), "INTERVAL YEAR(2) TO MONTH"),
])
def test_interval_resolutions(t, sql):
    assert t.to_sql() == sql


def test_interval_resolution_properties_and_bad_combination():
    t = D.INTERVAL(D.DAY(3), D.SECOND(2))
    assert (t.resolution.name, t.day_precision, t.fractional_precision) == ("DAY_TO_SECOND", 3, 2)
    assert str(D.SECOND(3)) == "IntervalUnit.SECOND(3)"
    with pytest.raises(ValueError, match="Unsupported interval definition"):
        D.INTERVAL(D.SECOND(), D.DAY())


def test_equality_hashing_and_pickle():
    assert D.INT() == D.INT() and D.INT() != D.INT(False) and D.INT() != D.BIGINT()
    assert D.STRING() == D.VARCHAR(2147483647)
    assert D.DECIMAL(10, 0) != D.DECIMAL(10, 2)
    assert pickle.loads(pickle.dumps(D.BIGINT())) == D.BIGINT()
    assert len({D.INT(), D.INT(), D.BIGINT()}) == 2
    assert D.TIMESTAMP_WITH_LOCAL_TIME_ZONE() == D.TIMESTAMP_LTZ()
    t = DataType(nullable=False)
    assert t.nullable()._nullable and not t._nullable


def test_row_type_add_and_access():
    r = RowType().add("a", D.INT()).add(RowField("b", D.STRING()))
    assert r == D.ROW([D.FIELD("a", D.INT()), D.FIELD("b", D.STRING())])
    assert r.field_names() == ["a", "b"] and r.field_types() == [D.INT(), D.STRING()]
    assert str(r["b"]) == "RowField(b, VARCHAR)" and r[0].name == "a" and len(r) == 2
    assert [f.name for f in r[1:]] == ["b"]
    with pytest.raises(ValueError, match="Must specify DataType"):
        RowType().add("c")
    with pytest.raises(KeyError):
        r["z"]


def test_to_and_from_sql_type():
    assert D.DATE().to_sql_type(datetime.date(1970, 1, 3)) == 2
    assert D.DATE().from_sql_type(0) == datetime.date(1970, 1, 1)
    dt = D.INTERVAL(D.DAY(), D.SECOND())
    assert dt.to_sql_type(datetime.timedelta(days=1, seconds=10)) == 86410000000
    assert dt.from_sql_type(86410000000) == datetime.timedelta(days=1, seconds=10)
    assert D.TIMESTAMP().to_sql_type(datetime.datetime.max) % 1000000 == 999999
    assert D.BIGINT().to_sql_type(5) == 5
    row = D.ROW([D.FIELD("d", D.DATE()), D.FIELD("n", D.INT())])
    assert row.to_sql_type({"d": datetime.date(1970, 1, 2), "n": 7}) == (0, 1, 7)
    assert row.to_sql_type(Row(n=7, d=datetime.date(1970, 1, 2))) == (0, 1, 7)
    back = row.from_sql_type((1, 7))
    assert isinstance(back, Row) and back.as_dict() == {"d": datetime.date(1970, 1, 2), "n": 7}
    with pytest.raises(Exception, match="ListViewType can only be used"):
        D.LIST_VIEW(D.INT()).to_sql_type([1])


def test_infer_type_as_pyflink():
    Point = namedtuple("Point", "x y")
    cases = [
        (True, "BooleanType(true)"), (1, "BigIntType(true)"), ("a", "VarCharType(2147483647, true)"),
        (1.0, "DoubleType(true)"), (bytearray(1), "VarBinaryType(2147483647, true)"),
        (b"x", "VarBinaryType(2147483647, true)"),
        (Decimal(1), "DecimalType(38, 18, true)"), (datetime.date(2020, 1, 1), "DateType(true)"),
        (datetime.time(1), "TimeType(0, true)"), (datetime.datetime(2020, 1, 1), "LocalZonedTimestampType(6, true)"),
        ([1], "ArrayType(BigIntType(true), true)"), (array.array("d", [1]), "ArrayType(DoubleType(false), true)"),
        ({"a": 1}, "MapType(VarCharType(2147483647, false), BigIntType(true), true)"),
        (Point(1.0, 5.0), "RowType(RowField(x, DoubleType(true), ...),RowField(y, DoubleType(true), ...))"),
        (Row(a=1), "RowType(RowField(a, BigIntType(true), ...))"),
        ((1,), "RowType(RowField(_1, BigIntType(true), ...))"),
    ]
    for value, rep in cases:
        assert repr(_infer_type(value)) == rep, value


def test_infer_schema_merges_and_fails():
    schema = _infer_schema_from_data([Row(c1=[], c2=None), Row(c1=[Row(a=1)], c2="x")])
    assert isinstance(schema.fields[0].data_type, ArrayType)
    assert isinstance(schema.fields[0].data_type.element_type, RowType)
    assert isinstance(schema.fields[1].data_type, VarCharType)
    assert _infer_schema_from_data([["a", "b"]], ["col1"]).names == ["col1", "_2"]
    with pytest.raises(TypeError, match="Can not merge type"):
        _infer_schema_from_data([[1, 1], ["x", 1]], names=["a", "b"])
    with pytest.raises(ValueError, match="Some column types cannot be determined"):
        _infer_schema_from_data([(None,)])
    with pytest.raises(ValueError, match="can not infer schema from empty data set"):
        _infer_schema_from_data([])


def test_type_verifier():
    schema = D.ROW([D.FIELD("s", D.STRING(nullable=False)), D.FIELD("i", D.INT(True))])
    for obj, t in [("", D.STRING()), (2 ** 64, D.BIGINT()), (127, D.TINYINT()), (Decimal("1.0"), D.DECIMAL(10, 0)),
                   (datetime.datetime(2000, 1, 2), D.DATE()), ((1, 2), D.ARRAY(D.INT())), ({"a": None}, D.MAP(D.STRING(), D.INT())),
                   ({"s": "a"}, schema), (Row(s="a", i=1), schema), (["a", None], schema)]:
        _create_type_verifier(t.not_null())(obj)
    for obj, t, exc in [(None, D.VARCHAR(1), ValueError), ("abc", D.VARCHAR(1), ValueError), (1, D.BOOLEAN(), TypeError),
                        (128, D.TINYINT(), ValueError), (1, D.DOUBLE(), TypeError), (1.0, D.DECIMAL(10, 0), TypeError),
                        ([1, "2"], D.ARRAY(D.INT()), TypeError), ({"a": 1}, D.MAP(D.INT(), D.INT()), TypeError),
                        (["a"], schema, ValueError), (Row(s="a"), schema, ValueError), (["a", "1"], schema, TypeError)]:
        with pytest.raises(exc):
            _create_type_verifier(t.not_null())(obj)
    with pytest.raises(ValueError, match="test_name: This field is not nullable, but got None"):
        _create_type_verifier(D.STRING(nullable=False), name="test_name")(None)
    with pytest.raises(TypeError, match=r"field i: INT can not accept object '1' in type <class 'str'>"):
        _create_type_verifier(schema)(("a", "1"))


def test_user_defined_type_is_exported():
    assert issubclass(UserDefinedType, DataType)


def rows(t):
    return [tuple(r) for r in t.execute().collect()]


def test_from_elements_inferred_schema(batch_env):
    t = batch_env.from_elements([(1, 2.5, "a", True, b"x", Decimal("1.5"), datetime.date(2020, 1, 2),
                                  datetime.time(1, 2, 3), [1, 2], {"k": 1}, Row(a=1, b="x"))])
    assert t.get_schema().get_field_names() == ["_%d" % i for i in range(1, 12)]
    assert [str(x) for x in t.get_schema().get_field_data_types()] == [
        "BIGINT", "DOUBLE", "STRING", "BOOLEAN", "BYTES", "DECIMAL(38, 18)", "DATE", "TIME(0)", "ARRAY<BIGINT>",
        "MAP<STRING, BIGINT>", "ROW<`a` BIGINT, `b` STRING>"]
    (r,) = list(t.execute().collect())
    assert tuple(r)[:8] == (1, 2.5, "a", True, b"x", Decimal("1.5"), datetime.date(2020, 1, 2), datetime.time(1, 2, 3))
    assert r[8] == [1, 2] and r["_10"] == {"k": 1}  # _names are not attributes, as in PyFlink
    # Result rows are positional, as PyFlink's collect() gives them; their
    # names still read (an extension: PyFlink raises there).
    assert type(r[10]) is Row and r[10] == Row(1, "x") and repr(r[10]) == "<Row(1, 'x')>"
    assert r[10].a == 1 and r[10]["b"] == "x" and r[10].as_dict() == {"a": 1, "b": "x"}


def test_from_elements_names_dicts_and_rows(batch_env):
    assert rows(batch_env.from_elements([(1, "x"), (2, None)], ["id", "s"])) == [(1, "x"), (2, None)]
    # dicts: fields sorted by name, as PyFlink infers them
    t = batch_env.from_elements([{"b": "x", "a": 1}, {"a": 2, "b": "y"}])
    assert t.get_schema().get_field_names() == ["a", "b"]
    assert rows(t) == [(1, "x"), (2, "y")]
    t = batch_env.from_elements([Row(name="Alice", age=11), Row(name="Bob", age=12)])
    assert t.get_schema().get_field_names() == ["name", "age"]
    assert rows(t) == [("Alice", 11), ("Bob", 12)]
    with pytest.raises(TypeError, match="Can not infer schema for type"):
        batch_env.from_elements([1, 2, 3])


def test_from_elements_declared_schema_with_nesting(batch_env):
    schema = D.ROW([
        D.FIELD("id", D.INT()),
        D.FIELD("tags", D.ARRAY(D.STRING())),
        D.FIELD("attrs", D.MAP(D.STRING(), D.ARRAY(D.BIGINT()))),
        D.FIELD("who", D.ROW([D.FIELD("name", D.STRING()), D.FIELD("born", D.DATE())])),
        D.FIELD("code", D.VARCHAR(3)),
    ])
    t = batch_env.from_elements([
        (1, ["a", None], {"k": [1, None]}, Row(name="x", born=datetime.date(2000, 1, 2)), "abc"),
        (2, None, None, None, None),
        (3, [], {}, ("y", None), "d"),
    ], schema)
    assert [str(x) for x in t.get_schema().get_field_data_types()] == [
        "INT", "ARRAY<STRING>", "MAP<STRING, ARRAY<BIGINT>>", "ROW<`name` STRING, `born` DATE>", "VARCHAR(3)"]
    out = list(t.execute().collect())
    assert out[0].tags == ["a", None] and out[0].attrs == {"k": [1, None]}
    assert out[0].who == Row("x", datetime.date(2000, 1, 2)) and out[0].code == "abc"
    assert tuple(out[1]) == (2, None, None, None, None)
    assert out[2].tags == [] and out[2].attrs == {} and out[2].who.as_dict() == {"name": "y", "born": None}
    with pytest.raises(ValueError, match="exceeds: 3"):
        batch_env.from_elements([(1, None, None, None, "abcd")], schema)
    with pytest.raises(TypeError, match="field id: INT can not accept object 'x'"):
        batch_env.from_elements([("x", None, None, None, None)], schema)


def test_from_elements_atomic_schema_and_empty(batch_env):
    t = batch_env.from_elements([1, 2], D.INT())
    assert t.get_schema().get_field_names() == ["value"]
    assert rows(t) == [(1,), (2,)]
    empty = batch_env.from_elements([], D.ROW([D.FIELD("a", D.BIGINT())]))
    assert rows(empty) == []


def test_from_elements_values_cross_udfs(batch_env):
    from pyflink.table.udf import udf

    @udf(result_type=D.ARRAY(D.ROW([D.FIELD("k", D.STRING()), D.FIELD("v", D.BIGINT())])))
    def entries(m):
        return [Row(k=k, v=v) for k, v in sorted(m.items())]

    t = batch_env.from_elements([({"b": 2, "a": 1},)], ["m"])
    (r,) = list(t.select(entries(t.m).alias("e")).execute().collect())
    assert r.e == [Row("a", 1), Row("b", 2)] and r.e[0].k == "a"


def test_from_elements_of_row_expressions(batch_env):
    from pyflink.table.expressions import lit, row
    schema = D.ROW([D.FIELD("a", D.BIGINT()), D.FIELD("b", D.STRING()), D.FIELD("c", D.FLOAT())])
    t = batch_env.from_elements([row(1, "abc", 2.0), row(2, "def", 3.0)], schema)
    assert [str(x) for x in t.get_schema().get_field_data_types()] == ["BIGINT", "STRING", "FLOAT"]
    assert rows(t) == [(1, "abc", 2.0), (2, "def", 3.0)]
    t = batch_env.from_elements([row(1, "x"), row(lit(3) * 2, "y")])
    assert t.get_schema().get_field_names() == ["f0", "f1"]
    assert rows(t) == [(1, "x"), (6, "y")]
    with pytest.raises(ValueError, match="part of the elements are Expression"):
        batch_env.from_elements([row(1), (2,)])


def test_from_elements_every_kind_of_value(batch_env):
    names = list("abcdefghijklmno")
    types = [D.BIGINT(), D.DOUBLE(), D.STRING(), D.DATE(), D.TIME(), D.TIMESTAMP(3), D.INTERVAL(D.SECOND(3)),
             D.ARRAY(D.DOUBLE()), D.ARRAY(D.DOUBLE(False)), D.ARRAY(D.DATE()), D.DECIMAL(38, 18),
             D.ROW([D.FIELD("a", D.BIGINT()), D.FIELD("b", D.DOUBLE())]), D.MAP(D.STRING(), D.DOUBLE()), D.BYTES(),
             D.TINYINT()]
    t = batch_env.from_elements(
        [(1, 1.0, "hi", datetime.date(1970, 1, 2), datetime.time(1, 0, 0), datetime.datetime(1970, 1, 2, 0, 0),
          datetime.timedelta(days=1, milliseconds=10), [1.0, None], array.array("d", [1.0, 2.0]),
          [datetime.date(1970, 1, 2)], Decimal(1), Row("a", "b")(1, 2.0), {"key": 1.0}, bytearray(b"ABCD"), 7)],
        D.ROW([D.FIELD(n, ty) for n, ty in zip(names, types)]))
    (r,) = list(t.execute().collect())
    assert tuple(r) == (1, 1.0, "hi", datetime.date(1970, 1, 2), datetime.time(1, 0), datetime.datetime(1970, 1, 2, 0, 0),
                        datetime.timedelta(days=1, milliseconds=10), [1.0, None], [1.0, 2.0], [datetime.date(1970, 1, 2)],
                        Decimal("1.000000000000000000"), Row(1, 2.0), {"key": 1.0}, b"ABCD", 7)
    assert str(t.get_schema().get_field_data_types()[-1]) == "TINYINT"


class _PointUDT(UserDefinedType):
    @classmethod
    def sql_type(cls):
        return D.ARRAY(D.DOUBLE(False))

    @classmethod
    def module(cls):
        return __name__

    def serialize(self, obj):
        return [obj.x, obj.y]

    def deserialize(self, datum):
        return _Point(datum[0], datum[1])


class _Point:
    __UDT__ = _PointUDT()

    def __init__(self, x: float, y: float) -> None:
        self.x, self.y = x, y


def test_from_elements_user_defined_type_travels_as_its_sql_type(batch_env):
    t = batch_env.from_elements([(1, _Point(3.0, 4.0))], D.ROW([D.FIELD("id", D.INT()), D.FIELD("p", _PointUDT())]))
    assert str(t.get_schema().get_field_data_types()[1]) == "ARRAY<DOUBLE NOT NULL>"
    assert rows(t) == [(1, [3.0, 4.0])]


def test_array_typecodes_follow_the_platform():
    import ctypes
    from pyflink.table.types import _array_type_mappings
    assert str(_array_type_mappings["b"]) == "TINYINT" and str(_array_type_mappings["u"]) == "CHAR"
    assert str(_array_type_mappings["I"]) == ("BIGINT" if ctypes.sizeof(ctypes.c_uint) == 4 else "?")
    assert "L" not in _array_type_mappings or ctypes.sizeof(ctypes.c_ulong) < 8


def test_pickle_serializers_round_trip():
    import io
    from pyflink.serializers import BatchedSerializer, PickleSerializer
    buf = io.BytesIO()
    PickleSerializer().serialize([Row(a=1), None, [1, 2]], buf)
    buf.seek(0)
    assert list(PickleSerializer().deserialize(buf)) == [Row(a=1), None, [1, 2]]
    buf = io.BytesIO()
    BatchedSerializer(PickleSerializer(), 2).serialize(iter(range(5)), buf)
    buf.seek(0)
    assert list(BatchedSerializer(PickleSerializer()).deserialize(buf)) == [0, 1, 2, 3, 4]


def test_from_elements_decimals_round_half_up_and_overflow_to_null(batch_env):
    schema = D.ROW([D.FIELD("a", D.DECIMAL(38, 18)), D.FIELD("b", D.DECIMAL(4, 2)), D.FIELD("c", D.DECIMAL(4, 2))])
    t = batch_env.from_elements([(Decimal("1000000000000000000.05999999999999999899999999999"), Decimal("123.456"),
                                  Decimal("1.005"))], schema)
    assert rows(t) == [(Decimal("1000000000000000000.059999999999999999"), None, Decimal("1.01"))]


def test_from_elements_nested_declared_types_are_kept(batch_env):
    schema = D.ROW([D.FIELD("m", D.MAP(D.VARCHAR(5), D.ARRAY(D.INT()))),
                    D.FIELD("r", D.ROW([D.FIELD("c", D.CHAR(2)), D.FIELD("n", D.SMALLINT())]))])
    t = batch_env.from_elements([({"k": [1]}, Row(c="ab", n=3))], schema)
    assert [str(x) for x in t.get_schema().get_field_data_types()] == [
        "MAP<VARCHAR(5), ARRAY<INT>>", "ROW<`c` CHAR(2), `n` SMALLINT>"]
    assert rows(t) == [({"k": [1]}, Row("ab", 3))]
