"""udf() rejects what PyFlink rejects, with PyFlink's exception types and
messages; ScalarFunction and friends are abstract as in PyFlink."""
from __future__ import annotations

import pytest

from pyflink.table import DataTypes
from pyflink.table.udf import AggregateFunction, ScalarFunction, TableFunction, udf


class NonDeterministic(ScalarFunction):
    def eval(self, x: int) -> int:
        return x

    def is_deterministic(self) -> bool:
        return False


def test_inconsistent_deterministic() -> None:
    with pytest.raises(ValueError, match=r"^Inconsistent deterministic: True and False$"):
        udf(NonDeterministic(), result_type=DataTypes.BIGINT(), deterministic=True)
    # Agreeing (or leaving it out) is fine, and the function's own answer wins.
    assert udf(NonDeterministic(), result_type=DataTypes.BIGINT(), deterministic=False)._deterministic is False
    assert udf(NonDeterministic(), result_type=DataTypes.BIGINT())._deterministic is False
    assert udf(lambda x: x, result_type=DataTypes.BIGINT())._deterministic is True


def test_abstract_functions_cannot_be_instantiated() -> None:
    class NoEval(ScalarFunction):
        pass

    with pytest.raises(TypeError, match="Can't instantiate abstract class NoEval"):
        NoEval()

    class NoGenerator(TableFunction):
        pass

    with pytest.raises(TypeError):
        NoGenerator()

    class NoAccumulate(AggregateFunction):
        def create_accumulator(self) -> list:
            return []

        def get_value(self, accumulator: list) -> int:
            return 0

    with pytest.raises(TypeError):
        NoAccumulate()


def test_invalid_functions_and_types() -> None:
    with pytest.raises(TypeError, match=r"^Invalid function: not a function or callable \(__call__ is not defined\): <class 'int'>$"):
        udf(1, result_type=DataTypes.BIGINT())
    # A class rather than an instance of it.
    with pytest.raises(TypeError, match="Invalid function"):
        udf(NonDeterministic, result_type=DataTypes.BIGINT())
    with pytest.raises(TypeError, match=r"^Invalid returnType: returnType should be DataType or str but is None$"):
        udf(lambda x: x, input_types=[DataTypes.BIGINT()])
    with pytest.raises(TypeError, match=r"^Invalid input_type: input_type should be DataType or str but contains 1$"):
        udf(lambda x: x, input_types=[1], result_type=DataTypes.BIGINT())
    with pytest.raises(ValueError, match=r"^The func_type must be one of 'general, pandas', got java\.$"):
        udf(lambda x: x, result_type=DataTypes.BIGINT(), func_type="java")


def test_input_types_forms() -> None:
    # One type, a list, a RowType's field types, and SQL text all work.
    assert udf(lambda x: x, DataTypes.BIGINT(), DataTypes.BIGINT())._input_types == [DataTypes.BIGINT()]
    row = DataTypes.ROW([DataTypes.FIELD("a", DataTypes.INT()), DataTypes.FIELD("b", DataTypes.STRING())])
    assert udf(lambda a, b: a, row, DataTypes.INT())._input_types == [DataTypes.INT(), DataTypes.STRING()]
    f = udf(lambda x: x, input_types="BIGINT", result_type="BIGINT")
    assert f._input_types == ["BIGINT"]


def test_alias_returns_the_wrapper() -> None:
    f = udf(lambda x: x, result_type=DataTypes.BIGINT())
    assert f.alias("a", "b") is f
    assert f._alias_names == ("a", "b")


def test_string_types_run(batch_env) -> None:  # type: ignore[no-untyped-def]
    plus = udf(lambda x, y: x + y, input_types=["BIGINT", "BIGINT"], result_type="BIGINT")
    t = batch_env.from_elements([(1, 2), (3, 4)], ["a", "b"])
    assert [r[0] for r in t.select(plus(t.a, t.b)).execute().collect()] == [3, 7]
