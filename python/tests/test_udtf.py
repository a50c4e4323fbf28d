"""Python table functions (udtf) in LATERAL TABLE, join_lateral and
flat_map; the expected rows are Flink 2.3's for the same programs."""
from typing import Any, Iterator, List, Optional, Tuple

import pytest

from pyflink.table import DataTypes, EnvironmentSettings, TableEnvironment
from pyflink.table.expressions import col
from pyflink.table.udf import FunctionContext, TableFunction, udtf


@udtf(result_types=[DataTypes.BIGINT(), DataTypes.STRING()])
def split(n: Optional[int], s: str) -> Iterator[Tuple[int, str]]:
    if n is None:
        return
    for i in range(n):
        yield i, s + str(i)


@udtf(result_types=DataTypes.BIGINT())
def rng(n: Optional[int]) -> Iterator[Optional[int]]:
    if n is None:
        yield None
        return
    for i in range(n):
        yield i


class Words(TableFunction):
    def open(self, function_context: FunctionContext) -> None:
        assert isinstance(function_context, FunctionContext)
        self.sep = " "

    def eval(self, s: str) -> Iterator[Tuple[str, int]]:
        for w in s.split(self.sep):
            yield w, len(w)


def env_with_t(streaming: bool = False) -> TableEnvironment:
    s = EnvironmentSettings.in_streaming_mode() if streaming else EnvironmentSettings.in_batch_mode()
    env = TableEnvironment.create(s)
    env.get_config().set("parallelism.default", "1")
    env.create_temporary_system_function("split", split)
    env.create_temporary_system_function("rng", rng)
    env.create_temporary_system_function("words", udtf(Words(), result_types=[DataTypes.STRING(), DataTypes.INT()]))
    t = env.from_elements([(1, 'a', 'x y'), (0, 'b', 'hello'), (3, 'c', 'p q r'), (None, 'd', 'z')], ['n', 's', 'w'])
    env.create_temporary_view("t", t)
    return env


def collect(env: TableEnvironment, q: str) -> List[Tuple[Any, ...]]:
    with env.sql_query(q).execute().collect() as it:
        return [tuple(r) for r in it]


def names(env: TableEnvironment, q: str) -> List[str]:
    return env.sql_query(q).get_schema().get_field_names()


@pytest.mark.parametrize("streaming", [False, True])
def test_generator_udtf_comma_join(streaming: bool) -> None:
    env = env_with_t(streaming)
    q = "SELECT s, a, b FROM t, LATERAL TABLE(split(n, s)) AS T(a, b)"
    assert collect(env, q) == [('a', 0, 'a0'), ('c', 0, 'c0'), ('c', 1, 'c1'), ('c', 2, 'c2')]


def test_cross_join_lateral_names_columns_f0_f1() -> None:
    env = env_with_t()
    q = "SELECT * FROM t CROSS JOIN LATERAL TABLE(split(n, s))"
    assert names(env, q) == ['n', 's', 'w', 'f0', 'f1']
    assert collect(env, q) == [(1, 'a', 'x y', 0, 'a0'), (3, 'c', 'p q r', 0, 'c0'),
                               (3, 'c', 'p q r', 1, 'c1'), (3, 'c', 'p q r', 2, 'c2')]


@pytest.mark.parametrize("streaming", [False, True])
def test_left_join_lateral_pads_rows_without_output(streaming: bool) -> None:
    env = env_with_t(streaming)
    q = "SELECT s, a, b FROM t LEFT JOIN LATERAL TABLE(split(n, s)) AS T(a, b) ON TRUE"
    assert collect(env, q) == [('a', 0, 'a0'), ('b', None, None), ('c', 0, 'c0'), ('c', 1, 'c1'),
                               ('c', 2, 'c2'), ('d', None, None)]


def test_single_column_udtf_and_null_input() -> None:
    env = env_with_t()
    assert collect(env, "SELECT s, r FROM t, LATERAL TABLE(rng(n)) AS T(r)") == \
        [('a', 0), ('c', 0), ('c', 1), ('c', 2), ('d', None)]
    q = "SELECT * FROM t, LATERAL TABLE(rng(n))"
    assert names(env, q) == ['n', 's', 'w', 'f0']
    assert collect(env, q)[-1] == (None, 'd', 'z', None)


def test_table_function_class_is_opened() -> None:
    env = env_with_t()
    q = "SELECT s, word, l FROM t, LATERAL TABLE(words(w)) AS T(word, l)"
    assert collect(env, q) == [('a', 'x', 1), ('a', 'y', 1), ('b', 'hello', 5), ('c', 'p', 1), ('c', 'q', 1),
                               ('c', 'r', 1), ('d', 'z', 1)]


def test_where_over_the_function_columns() -> None:
    env = env_with_t()
    q = "SELECT s, a, b FROM t, LATERAL TABLE(split(n, s)) AS T(a, b) WHERE a > 0"
    assert collect(env, q) == [('c', 1, 'c1'), ('c', 2, 'c2')]


def test_flink_rejections() -> None:
    env = env_with_t()
    with pytest.raises(Exception, match="Currently Python correlate does not support conditions in left join."):
        env.sql_query("SELECT s, a, b FROM t LEFT JOIN LATERAL TABLE(split(n, s)) AS T(a, b) ON a > 0")
    with pytest.raises(Exception, match="Cannot call table function here: 'split'"):
        env.sql_query("SELECT split(n, s) FROM t")


def test_exception_names_function_row_and_traceback() -> None:
    env = env_with_t()

    @udtf(result_types=[DataTypes.BIGINT()])
    def boom(n: int) -> Iterator[int]:
        yield 1 // (n - 3)

    env.create_temporary_system_function("boom", boom)
    with pytest.raises(Exception) as e:
        collect(env, "SELECT * FROM t, LATERAL TABLE(boom(n))")
    msg = str(e.value)
    assert "ZeroDivisionError" in msg
    assert "boom" in msg
    assert "row 2" in msg
    assert "yield 1 // (n - 3)" in msg


def test_udtf_validates_result_types() -> None:
    with pytest.raises(TypeError, match="result_type"):
        udtf(lambda x: [x], result_types=[1])


@udtf(result_types=[DataTypes.BIGINT(), DataTypes.STRING()])
def split_row(r: Any) -> Iterator[Tuple[int, str]]:
    if r.n is None:
        return
    for i in range(r.n):
        yield i, r.s + str(i)


@pytest.mark.parametrize("streaming", [False, True])
def test_table_api_join_lateral(streaming: bool) -> None:
    env = env_with_t(streaming)
    t = env.from_path("t")
    r = t.join_lateral(split(col('n'), col('s')).alias('a', 'b')).select(col('s'), col('a'), col('b'))
    assert [tuple(x) for x in r.execute().collect()] == [('a', 0, 'a0'), ('c', 0, 'c0'), ('c', 1, 'c1'), ('c', 2, 'c2')]
    r = t.left_outer_join_lateral(split(col('n'), col('s')).alias('a', 'b')).select(col('s'), col('a'), col('b'))
    assert [tuple(x) for x in r.execute().collect()] == [('a', 0, 'a0'), ('b', None, None), ('c', 0, 'c0'),
                                                         ('c', 1, 'c1'), ('c', 2, 'c2'), ('d', None, None)]
    r = t.join_lateral(split(col('n'), col('s')))
    assert r.get_schema().get_field_names() == ['n', 's', 'w', 'f0', 'f1']
    r = t.join_lateral(split(col('n'), col('s')).alias('a', 'b'), col('a') > 0).select(col('s'), col('a'))
    assert [tuple(x) for x in r.execute().collect()] == [('c', 1), ('c', 2)]


def test_flat_map() -> None:
    env = env_with_t()
    t = env.from_path("t")
    want = [(0, 'a0'), (0, 'c0'), (1, 'c1'), (2, 'c2')]
    r = t.flat_map(split(col('n'), col('s')))
    assert r.get_schema().get_field_names() == ['f0', 'f1']
    assert [tuple(x) for x in r.execute().collect()] == want
    r = t.flat_map(split(col('n'), col('s'))).alias('a', 'b')
    assert r.get_schema().get_field_names() == ['a', 'b']
    assert [tuple(x) for x in r.execute().collect()] == want
    # A bare udtf receives the whole row.
    assert [tuple(x) for x in t.flat_map(split_row).execute().collect()] == want


def test_join_lateral_takes_a_table_function_call() -> None:
    env = env_with_t()
    t = env.from_path("t")
    with pytest.raises(TypeError, match="table function call expression"):
        t.join_lateral("split(n, s)")


def test_path_segments_example(capsys: Any) -> None:
    import pathlib
    import runpy
    path = pathlib.Path(__file__).resolve().parents[2] / "examples" / "udtf" / "path_segments.py"
    main = runpy.run_path(str(path))["main"]
    assert main() == [(1, 'img', 1), (1, 'video', 3), (2, '2024', 2), (2, 'live', 1), (2, 'logo.png', 1),
                      (3, 'cats.mp4', 1), (3, 'dogs.mp4', 1)]
    out = capsys.readouterr().out
    assert "<NULL>" in out and "5 rows in set" in out
