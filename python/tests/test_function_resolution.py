"""Which function a call reaches: udf objects by identity, names in Flink's
order (temporary system, built-in, temporary catalog, catalog). Expected
values are what PyFlink gives for the same script."""
import itertools

import pytest

from pyflink.table import DataTypes
from pyflink.table.expressions import call, col
from pyflink.table.udf import udf


def rows(table):
    return [tuple(r) for r in table.execute().collect()]


@pytest.fixture
def t(stream_env):
    t = stream_env.from_elements([(1, "a"), (2, "b")], ["x", "s"])
    stream_env.create_temporary_view("tv", t)
    return t


def test_two_inline_lambdas_are_two_functions(t):
    one = udf(lambda: 1, result_type=DataTypes.BIGINT())
    two = udf(lambda: 2, result_type=DataTypes.BIGINT(), deterministic=False)
    # PyFlink: [(1, 2), (1, 2)]; a name-keyed registry gave (1, 1).
    assert rows(t.select(one(), two())) == [(1, 2), (1, 2)]
    # Nested and in a filter: still each its own function.
    plus = udf(lambda a, b: a + b, result_type=DataTypes.BIGINT())
    times = udf(lambda a, b: a * b, result_type=DataTypes.BIGINT())
    assert rows(t.select(plus(times(col("x"), col("x")), col("x")), times(col("x"), 10))) == [(2, 10), (6, 20)]
    assert rows(t.where(times(col("x"), 3) > 5).select(plus(col("x"), 0))) == [(2,)]


def test_lambda_name_and_call_text_as_pyflink():
    f = udf(lambda: 1, result_type=DataTypes.BIGINT())
    assert f._name == "<lambda>"
    assert str(f()) == "<lambda>()"
    assert str(f(col("a"))) == "<lambda>(`a`)" or str(f(col("a"))) == "<lambda>(a)"

    def named(x):
        return x
    assert udf(named, result_type=DataTypes.BIGINT())._name == "named"


def test_inline_udf_is_not_a_catalog_function_of_its_name(stream_env, t):
    # A registered function named like the udf's function name is another
    # function: the inline object is called, and it is not listed.
    def f(x):
        return x + 1
    stream_env.create_temporary_system_function("f", udf(lambda x: x * 100, result_type=DataTypes.BIGINT()))
    inline = udf(f, result_type=DataTypes.BIGINT())
    assert rows(t.select(inline(col("x")), call("f", col("x")))) == [(2, 100), (3, 200)]
    assert stream_env.list_user_defined_functions() == ["f"]


def test_same_object_called_twice_is_evaluated_once(t):
    # Flink's calc keeps one copy of identical calls, deterministic or not:
    # PyFlink gives [(0, 0), (1, 1)] for both.
    n = itertools.count()
    nd = udf(lambda x: next(n), result_type=DataTypes.BIGINT(), deterministic=False)
    assert rows(t.select(nd(col("x")), nd(col("x")))) == [(0, 0), (1, 1)]
    m = itertools.count()
    d = udf(lambda x: next(m), result_type=DataTypes.BIGINT())
    assert rows(t.select(d(col("x")), call(d, col("x")))) == [(0, 0), (1, 1)]
    # Other arguments: another call.
    k = itertools.count()
    nk = udf(lambda x: next(k), result_type=DataTypes.BIGINT(), deterministic=False)
    got = rows(t.select(nk(col("x")), nk(col("x") + 0)))
    assert len({v for r in got for v in r}) == 4


def test_temporary_system_function_shadows_builtin(stream_env, t):
    stream_env.create_temporary_system_function("upper", udf(lambda s: s + "#", result_type=DataTypes.STRING()))
    assert rows(stream_env.sql_query("SELECT upper(s) FROM tv")) == [("a#",), ("b#",)]
    assert rows(t.select(call("upper", col("s")))) == [("a#",), ("b#",)]
    with pytest.raises(Exception, match="Could not register temporary system function. A function named 'upper' does already exist."):
        stream_env.create_temporary_system_function("upper", udf(lambda s: s, result_type=DataTypes.STRING()))


def test_temporary_catalog_function_does_not_shadow_builtin(stream_env, t):
    stream_env.create_temporary_function("upper", udf(lambda s: s + "!", result_type=DataTypes.STRING()))
    assert rows(stream_env.sql_query("SELECT upper(s) FROM tv")) == [("A",), ("B",)]
    assert rows(t.select(call("upper", col("s")))) == [("A",), ("B",)]
    # A name no built-in has reaches it.
    stream_env.create_temporary_function("bang", udf(lambda s: s + "!", result_type=DataTypes.STRING()))
    assert rows(stream_env.sql_query("SELECT bang(s) FROM tv")) == [("a!",), ("b!",)]
    with pytest.raises(Exception, match="Could not register temporary catalog function"):
        stream_env.create_temporary_function("bang", udf(lambda s: s, result_type=DataTypes.STRING()))


def test_register_function_is_a_replacing_temporary_system_function(stream_env, t):
    stream_env.register_function("upper", udf(lambda s: s + "!", result_type=DataTypes.STRING()))
    assert rows(t.select("upper(s)")) == [("a!",), ("b!",)]
    stream_env.register_function("upper", udf(lambda s: s + "?", result_type=DataTypes.STRING()))
    assert rows(stream_env.sql_query("SELECT upper(s) FROM tv")) == [("a?",), ("b?",)]


def test_legacy_expression_builtin_names_do_not_shadow_user_functions(stream_env, t):
    assert rows(t.select("plus(x, x)")) == [(2,), (4,)]
    stream_env.register_function("plus", udf(lambda a, b: a * 100 + b, result_type=DataTypes.BIGINT()))
    assert rows(t.select("plus(x, x)")) == [(101,), (202,)]
    assert rows(t.select("x.plus(1)")) == [(101,), (201,)]
    assert rows(t.select(call("plus", col("x"), col("x")))) == [(101,), (202,)]
    # The DSL's + is a call of plus too (PyFlink 2.3: a temporary system
    # function named plus replaces it); SQL's + stays the operator.
    assert rows(t.select(col("x") + col("x"))) == [(101,), (202,)]
    assert rows(stream_env.sql_query("SELECT x + x FROM tv")) == [(2,), (4,)]


def test_drop_and_list_functions_native(stream_env, t):
    from sluice import _native
    h = stream_env._h.id
    stream_env.create_temporary_system_function("upper", udf(lambda s: s + "#", result_type=DataTypes.STRING()))
    stream_env.create_temporary_function("upper", udf(lambda s: s + "!", result_type=DataTypes.STRING()))
    # Flink lists a name once per namespace.
    assert _native.call("env.list_user_defined_functions", h) == ["upper", "upper"]
    listed = _native.call("env.list_functions", h)
    assert listed.count("upper") == 1 and "lower" in listed and "count" in listed
    assert _native.call("env.drop_function", h, "upper", True) is True
    assert _native.call("env.drop_function", h, "upper", True) is False
    assert rows(stream_env.sql_query("SELECT upper(s) FROM tv")) == [("A",), ("B",)]
    assert _native.call("env.drop_function", h, "upper", False) is True
    assert _native.call("env.list_user_defined_functions", h) == []


def test_sql_drop_temporary_system_function(stream_env, t):
    stream_env.create_temporary_system_function("mine", udf(lambda s: s, result_type=DataTypes.STRING()))
    stream_env.execute_sql("DROP TEMPORARY SYSTEM FUNCTION mine")
    with pytest.raises(Exception, match="mine"):
        stream_env.execute_sql("DROP TEMPORARY SYSTEM FUNCTION mine")
    stream_env.execute_sql("DROP TEMPORARY SYSTEM FUNCTION IF EXISTS mine")


def test_group_keys_match_by_function_identity(t):
    # Both print as <lambda>(x); only the grouped one is a key.
    f = udf(lambda x: x % 2, result_type=DataTypes.BIGINT())
    g = udf(lambda x: x * 10, result_type=DataTypes.BIGINT())
    got = rows(t.group_by(f(col("x"))).select(f(col("x")), col("s").count))
    assert sorted(got) == [(0, 1), (1, 1)]
    with pytest.raises(Exception, match="neither grouped nor aggregated|not grouped"):
        rows(t.group_by(f(col("x"))).select(g(col("x"))))


def test_temporary_system_function_shadows_builtin_aggregate(stream_env, t):
    stream_env.create_temporary_system_function("max", udf(lambda a, b: a if a > b else b, result_type=DataTypes.BIGINT()))
    assert rows(stream_env.sql_query("SELECT max(x, 2) FROM tv")) == [(2,), (2,)]
    assert rows(t.select(call("max", col("x"), 0))) == [(1,), (2,)]
    stream_env.drop_temporary_system_function("max")
    assert rows(stream_env.sql_query("SELECT max(x) FROM tv"))[-1] == (2,)


def test_dsl_operators_resolve_builtin_names(stream_env, t):
    # Flink's Table API calls its built-ins by name (plus, minus, times,
    # equals, ...), so a temporary system function of that name replaces
    # the DSL's operator; SQL's operators are not affected, but a SQL call
    # of the name reaches the function. Expected values are PyFlink 2.3's.
    before = rows(t.select(col("x") + col("x"), col("x").between(1, 1), (col("x") > 1).then(1, 2),
                           col("x").is_null, -col("x")))
    assert before == [(2, True, 2, False, -1), (4, False, 1, False, -2)]
    stream_env.create_temporary_system_function("plus", udf(lambda i, j: i + j - 1, result_type=DataTypes.BIGINT()))
    stream_env.create_temporary_system_function("times", udf(lambda i, j: 200, result_type=DataTypes.BIGINT()))
    stream_env.create_temporary_system_function("greaterThan",
                                                udf(lambda i, j: True, result_type=DataTypes.BOOLEAN()))
    stream_env.create_temporary_system_function("upper", udf(lambda s: "UP", result_type=DataTypes.STRING()))
    stream_env.create_temporary_system_function("power", udf(lambda i, j: 500, result_type=DataTypes.BIGINT()))
    assert rows(t.select(col("x") + col("x"))) == [(1,), (3,)]
    assert rows(t.select(1 + col("x"))) == [(1,), (2,)]
    assert rows(t.select(col("x") * 2, col("x") ** 2)) == [(200, 500), (200, 500)]
    assert rows(t.where(col("x") > 5).select(col("x"))) == [(1,), (2,)]
    assert rows(t.select(col("s").upper_case)) == [("UP",), ("UP",)]
    # Nested: the inner call is shadowed too.
    assert rows(t.select((col("x") + col("x")) + 1)) == [(1,), (3,)]
    # SQL: the operator is SQL's own, the name is the function.
    assert rows(stream_env.sql_query("SELECT x + x, x * 2, UPPER(s) FROM tv")) == [(2, 2, "UP"), (4, 4, "UP")]
    assert rows(stream_env.sql_query("SELECT plus(x, x) FROM tv")) == [(1,), (3,)]
    # An aggregate of the DSL stays the built-in aggregate.
    assert rows(t.select(col("x").max)) in ([(1,), (2,)], [(1,), (1,), (2,)])


def test_dsl_operator_not_shadowed_by_temporary_catalog_function(stream_env, t):
    stream_env.create_temporary_function("plus", udf(lambda i, j: 0, result_type=DataTypes.BIGINT()))
    assert rows(t.select(col("x") + col("x"))) == [(2,), (4,)]


def test_python_value_argument_is_a_literal(t):
    # PyFlink: a udf called with Python values builds a call expression
    # whose arguments are literals (Expressions.lit), never a direct call.
    f = udf(lambda a, b: "%s-%s" % (a, b), result_type=DataTypes.STRING())
    e = f(col("x"), 1)
    assert str(e) == "<lambda>(x, 1)"
    assert rows(t.select(f(col("x"), 1), f("k", col("s")))) == [("1-1", "k-a"), ("2-1", "k-b")]
    g = udf(lambda a: a + 1, result_type=DataTypes.BIGINT())
    assert str(g(1)) == "<lambda>(1)"
    assert rows(t.select(g(1))) == [(2,), (2,)]
