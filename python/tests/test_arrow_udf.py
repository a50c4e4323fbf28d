"""Arrow UDFs: udf(..., func_type="arrow") gets one pyarrow.Array per
argument (the whole batch, no pandas) and returns an array of the batch's
length, which is checked against the declared result type."""
from __future__ import annotations

import datetime
import decimal
import sys
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from pyflink.table import DataTypes, TableEnvironment
from pyflink.table.expressions import call, col
from pyflink.table.udf import udf


def nums(env: TableEnvironment) -> Any:
    return env.from_elements([(1, 10, "ab"), (2, None, "cd"), (3, 30, None)], ["a", "b", "s"])


def values(result: Any) -> list:
    return [r[0] for r in result.collect()]


seen: list = []


@udf(result_type=DataTypes.BIGINT(), func_type="arrow")
def plus_one(x: pa.Array) -> pa.Array:
    seen.append((type(x), x.type))
    return pc.add(x, 1)


def test_sql_string_call_inline_and_sql(batch_env: TableEnvironment) -> None:
    batch_env.create_temporary_system_function("plus_one", plus_one)
    t = nums(batch_env)
    batch_env.create_temporary_view("arrow_nums", t)
    seen.clear()
    want = [11, None, 31]
    assert values(t.select("plus_one(b)").execute()) == want
    assert values(t.select(call("plus_one", col("b"))).execute()) == want
    assert values(t.select(plus_one(col("b"))).execute()) == want
    assert values(batch_env.execute_sql("SELECT plus_one(b) FROM arrow_nums")) == want
    # The function saw pyarrow arrays of the column's type, never pandas.
    assert seen and all(s == (pa.Int64Array, pa.int64()) for s in seen)


def test_create_temporary_function_language_python(batch_env: TableEnvironment, tmp_path: Any) -> None:
    (tmp_path / "arrow_udfs_mod.py").write_text(
        "import pyarrow.compute as pc\n"
        "from pyflink.table import DataTypes\n"
        "from pyflink.table.udf import udf\n"
        "shout = udf(lambda s: pc.utf8_upper(s), result_type=DataTypes.STRING(), func_type='arrow')\n")
    sys.path.insert(0, str(tmp_path))
    try:
        batch_env.execute_sql("CREATE TEMPORARY FUNCTION shout AS 'arrow_udfs_mod.shout' LANGUAGE PYTHON")
        batch_env.create_temporary_view("arrow_strs", nums(batch_env))
        assert values(batch_env.execute_sql("SELECT shout(s) FROM arrow_strs")) == ["AB", "CD", None]
    finally:
        sys.path.remove(str(tmp_path))


def test_several_arguments_and_kinds_in_one_select(batch_env: TableEnvironment) -> None:
    arrow_add = udf(lambda x, y: pc.add(x, y), result_type=DataTypes.BIGINT(), func_type="arrow")
    pandas_add = udf(lambda x, y: x + y, result_type=DataTypes.BIGINT(), func_type="pandas")
    row_add = udf(lambda x, y: None if y is None else x + y, result_type=DataTypes.BIGINT())
    t = nums(batch_env)
    got = [tuple(r) for r in t.select(arrow_add(col("a"), col("b")), pandas_add(col("a"), col("a")),
                                      row_add(col("a"), col("b"))).execute().collect()]
    assert got == [(11, 2, 11), (None, 4, None), (33, 6, 33)]


def test_explain_names_the_arrow_runtime(batch_env: TableEnvironment) -> None:
    batch_env.create_temporary_system_function("plus_one", plus_one)
    plan = nums(batch_env).select("plus_one(a)").explain()
    assert "PythonCalc" in plan and "runtime=arrow" in plan


def test_strings_and_nulls(batch_env: TableEnvironment) -> None:
    def describe(s: pa.Array, b: pa.Array) -> pa.Array:
        assert isinstance(s, pa.StringArray) and s.null_count == 1
        return pc.binary_join_element_wise(s, pc.cast(b, pa.string()), "-")

    f = udf(describe, result_type=DataTypes.STRING(), func_type="arrow")
    assert values(nums(batch_env).select(f(col("s"), col("b"))).execute()) == ["ab-10", None, None]


def test_decimals_and_timestamps(batch_env: TableEnvironment) -> None:
    batch_env.create_temporary_view("arrow_typed", batch_env.from_elements(
        [(decimal.Decimal("1.25"), datetime.datetime(2024, 1, 2, 3, 4, 5, 678000)),
         (None, None)],
        DataTypes.ROW([DataTypes.FIELD("d", DataTypes.DECIMAL(10, 2)),
                       DataTypes.FIELD("ts", DataTypes.TIMESTAMP(3))])))

    def double(d: pa.Array) -> pa.Array:
        assert d.type == pa.decimal128(10, 2)
        return pc.multiply(d, d)  # decimal128(21, 4): cast back to the declared type

    def next_day(ts: pa.Array) -> pa.Array:
        assert ts.type == pa.timestamp("ms")
        return pc.add(ts, pa.scalar(datetime.timedelta(days=1), pa.duration("ms")))

    batch_env.create_temporary_system_function(
        "sq", udf(double, result_type=DataTypes.DECIMAL(12, 4), func_type="arrow"))
    batch_env.create_temporary_system_function(
        "next_day", udf(next_day, result_type=DataTypes.TIMESTAMP(3), func_type="arrow"))
    got = [tuple(r) for r in batch_env.execute_sql("SELECT sq(d), next_day(ts) FROM arrow_typed").collect()]
    assert got == [(decimal.Decimal("1.5625"), datetime.datetime(2024, 1, 3, 3, 4, 5, 678000)), (None, None)]


def test_results_pyarrow_array_accepts(batch_env: TableEnvironment) -> None:
    as_list = udf(lambda x: [None if v is None else v * 2 for v in x.to_pylist()],
                  result_type=DataTypes.BIGINT(), func_type="arrow")
    as_numpy = udf(lambda x: np.arange(len(x), dtype=np.int32), result_type=DataTypes.INT(), func_type="arrow")
    # A narrower integer array is cast (safely) to the declared BIGINT.
    narrow = udf(lambda x: pc.cast(x, pa.int8()), result_type=DataTypes.BIGINT(), func_type="arrow")
    got = [tuple(r) for r in nums(batch_env).select(as_list(col("b")), as_numpy(col("a")), narrow(col("b")))
           .execute().collect()]
    assert got == [(20, 0, 10), (None, 1, None), (60, 2, 30)]


def test_row_and_array_results(batch_env: TableEnvironment) -> None:
    row_type = DataTypes.ROW([DataTypes.FIELD("n", DataTypes.BIGINT()), DataTypes.FIELD("u", DataTypes.STRING())])
    pair = udf(lambda x, s: pa.StructArray.from_arrays([x, pc.utf8_upper(s)], names=["n", "u"]),
               result_type=row_type, func_type="arrow")
    split = udf(lambda s: pc.split_pattern(s, "b"), result_type=DataTypes.ARRAY(DataTypes.STRING()), func_type="arrow")
    got = [(tuple(r[0]), r[1]) for r in nums(batch_env).select(pair(col("a"), col("s")), split(col("s")))
           .execute().collect()]
    assert got == [((1, "AB"), ["a", ""]), ((2, "CD"), ["cd"]), ((3, None), None)]


@pytest.mark.parametrize("func,result_type,match", [
    (lambda x: x[:2], DataTypes.BIGINT(), r"arrow UDF wrong_len returned 2 rows for a batch of 3 rows"),
    (lambda x: x, DataTypes.STRING(),
     r"arrow UDF wrong_type returned a pyarrow Array of type int64; the declared result type is STRING"),
    (lambda x: 42, DataTypes.BIGINT(),
     r"arrow UDF scalar returned an int; expected a pyarrow Array or a sequence pyarrow.array\(\) accepts"),
    (lambda x: ["x"] * len(x), DataTypes.BIGINT(),
     r"arrow UDF strings returned a list whose values do not convert to BIGINT"),
    (lambda x: pc.multiply(x, 1000), DataTypes.TINYINT(),
     r"arrow UDF overflow returned int64 values that do not convert to TINYINT: Integer value 1000 not in range"),
], ids=["wrong_len", "wrong_type", "scalar", "strings", "overflow"])
def test_bad_results_name_the_function(batch_env: TableEnvironment, func: Any, result_type: Any, match: str) -> None:
    import re
    name = re.search(r"arrow UDF (\w+)", match).group(1)
    batch_env.create_temporary_system_function(name, udf(func, result_type=result_type, func_type="arrow"))
    with pytest.raises(Exception, match=match):
        list(nums(batch_env).select("%s(a)" % name).execute().collect())


def test_exception_carries_the_traceback_and_name(batch_env: TableEnvironment) -> None:
    def explode(x: pa.Array) -> pa.Array:
        return pc.divide(x, pc.subtract(x, x))

    batch_env.create_temporary_system_function("explode", udf(explode, result_type=DataTypes.BIGINT(),
                                                              func_type="arrow"))
    with pytest.raises(Exception) as e:
        list(nums(batch_env).select("explode(a)").execute().collect())
    msg = str(e.value)
    assert "arrow UDF explode raised an exception on rows 0 to 2 of its batch" in msg
    assert "ArrowInvalid" in msg and "divide by zero" in msg
    assert 'in explode' in msg and "pc.divide(x, pc.subtract(x, x))" in msg


def test_func_type_is_checked() -> None:
    f = udf(lambda x: x, result_type=DataTypes.INT(), func_type="arrow")
    assert f._sluice_func_type == "arrow"
    # PyFlink's message, which lists its own kinds.
    with pytest.raises(ValueError, match=r"^The func_type must be one of 'general, pandas', got arrows\.$"):
        udf(lambda x: x, result_type=DataTypes.INT(), func_type="arrows")


def test_map_hands_an_arrow_udf_a_record_batch(batch_env: TableEnvironment) -> None:
    row_type = DataTypes.ROW([DataTypes.FIELD("total", DataTypes.BIGINT()), DataTypes.FIELD("s", DataTypes.STRING())])

    def total(batch: pa.RecordBatch) -> pa.Array:
        assert isinstance(batch, pa.RecordBatch) and batch.schema.names == ["a", "b", "s"]
        return pa.StructArray.from_arrays([pc.add(batch["a"], batch["b"]), batch["s"]], names=["total", "s"])

    got = [tuple(r) for r in nums(batch_env).map(udf(total, result_type=row_type, func_type="arrow"))
           .execute().collect()]
    assert got == [(11, "ab"), (None, "cd"), (33, None)]
