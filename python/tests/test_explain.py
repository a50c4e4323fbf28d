"""explain() in Flink's sections, with where each Python call is evaluated
(PyFlink 2.3 prints the same section titles, Exchange and PythonCalc
nodes, and changelogMode=[...] with ExplainDetail.CHANGELOG_MODE)."""
import pytest

from pyflink.table import DataTypes, ExplainDetail, ResultKind
from pyflink.table.udf import udf


@pytest.fixture
def env(stream_env):
    stream_env.execute_sql("CREATE TABLE pt (a INT, b STRING) WITH ('connector' = 'datagen')")
    stream_env.execute_sql("CREATE TABLE snk (b STRING, c BIGINT) WITH ('connector' = 'blackhole')")
    stream_env.create_temporary_system_function("f", udf(lambda x: x + 1, result_type=DataTypes.INT()))
    stream_env.create_temporary_system_function("g", udf(lambda x: x * 2, result_type=DataTypes.INT(), func_type="pandas"))
    return stream_env


SCAN = "TableSourceScan(table=[[default_catalog, default_database, pt]], fields=[a, b], rows-per-second=10000)"


def test_sections_and_python_calc(env):
    plan = env.explain_sql("SELECT f(a) AS x, b FROM pt WHERE a > 1")
    assert plan == (
        "== Abstract Syntax Tree ==\n"
        "LogicalProject(x=[f($0)], b=[$1])\n"
        "+- LogicalFilter(condition=[>($0, 1)])\n"
        "   +- LogicalTableScan(table=[[default_catalog, default_database, pt]])\n"
        "\n== Optimized Physical Plan ==\n"
        "Calc(select=[x, b])\n"
        "+- PythonCalc(select=[b, f(a) AS x]) -- runtime=row, evaluator=#1\n"
        "   +- Calc(select=[a, b], where=[>(a, 1)])\n"
        "      +- " + SCAN + "\n"
        "\n== Optimized Execution Plan ==\n"
        "Calc(select=[x, b])\n"
        "+- PythonCalc(select=[b, f(a) AS x]) -- runtime=row, evaluator=#1\n"
        "   +- Calc(select=[a, b], where=[(a > 1)])\n"
        "      +- " + SCAN + "\n")


def test_evaluators_by_runtime_and_nesting(env):
    plan = env.sql_query("SELECT g(f(a)) + 1 AS y FROM pt WHERE f(a) < 10").explain()
    execution = plan.split("== Optimized Execution Plan ==\n")[1]
    assert execution == (
        "Calc(select=[(f1 + 1) AS y], where=[(f0 < 10)])\n"
        "+- PythonCalc(select=[f0, g(f0) AS f1]) -- runtime=pandas, evaluator=#2\n"
        "   +- PythonCalc(select=[f(a) AS f0]) -- runtime=row, evaluator=#1\n"
        "      +- " + SCAN.replace("fields=[a, b]", "fields=[a]") + "\n")
    # One call that is the whole output: no Calc after it.
    only = env.sql_query("SELECT f(a) AS x FROM pt").explain().split("== Optimized Execution Plan ==\n")[1]
    assert only.startswith("PythonCalc(select=[f(a) AS x]) -- runtime=row, evaluator=#1\n")


def test_changelog_mode_and_exchanges(env):
    plan = env.explain_sql("INSERT INTO snk SELECT b, COUNT(*) FROM pt GROUP BY b", ExplainDetail.CHANGELOG_MODE)
    physical, execution = plan.split("== Optimized Physical Plan ==\n")[1].split("\n== Optimized Execution Plan ==\n")
    assert physical.splitlines()[:4] == [
        "Sink(table=[default_catalog.default_database.snk], fields=[b, c], changelogMode=[NONE])",
        "+- Calc(select=[b, EXPR$1 AS c], changelogMode=[I,UA])",
        "   +- GroupAggregate(groupBy=[b], select=[b, COUNT(*) AS EXPR$1], changelogMode=[I,UA])",
        "      +- Exchange(distribution=[hash[b]], changelogMode=[I])"]
    assert "changelogMode" not in execution
    assert plan.startswith("== Abstract Syntax Tree ==\nLogicalSink(table=[default_catalog.default_database.snk], fields=[b, c])\n")


def test_explain_statement_and_details(env):
    r = env.execute_sql("EXPLAIN CHANGELOG_MODE SELECT b FROM pt")
    assert r.get_result_kind() == ResultKind.SUCCESS_WITH_CONTENT
    assert r.get_table_schema().get_field_names() == ["result"]
    text = [row[0] for row in r.collect()][0]
    assert "Calc(select=[b], changelogMode=[I])" in text
    plan = env.sql_query("SELECT a FROM pt").explain(ExplainDetail.JSON_EXECUTION_PLAN, ExplainDetail.ESTIMATED_COST)
    assert "\n== Physical Execution Plan ==\n{\n  \"nodes\" : [ {\n    \"id\" : 1,\n    \"type\" : \"Source: pt[1]\"," in plan
    assert "== Optimized Physical Plan With Advice ==" in env.explain_sql("SELECT a FROM pt", ExplainDetail.PLAN_ADVICE)
    with pytest.raises(TypeError, match="unsupported explain detail"):
        env.explain_sql("SELECT a FROM pt", 42)


def test_statement_set_explain(env):
    env.execute_sql("CREATE TABLE snk2 (b STRING, c BIGINT) WITH ('connector' = 'blackhole')")
    ss = env.create_statement_set()
    ss.add_insert_sql("INSERT INTO snk SELECT b, CAST(a AS BIGINT) FROM pt")
    ss.add_insert("snk2", env.sql_query("SELECT b, CAST(f(a) AS BIGINT) AS c FROM pt"))
    plan = ss.explain()
    ast, rest = plan.split("\n== Optimized Physical Plan ==\n")
    assert ast.count("LogicalSink(") == 2 and "\n\nLogicalSink(table=[default_catalog.default_database.snk2]" in ast
    execution = rest.split("== Optimized Execution Plan ==\n")[1]
    assert execution.count("Sink(") == 2 and "runtime=row, evaluator=#1" in execution
    text = [r[0] for r in env.execute_sql(
        "EXPLAIN STATEMENT SET BEGIN INSERT INTO snk SELECT b, 1 FROM pt; INSERT INTO snk2 SELECT b, 2 FROM pt; END").collect()][0]
    assert text.count("LogicalSink(") == 2


def test_python_call_arguments_are_computed_first(batch_env):
    # PyFlink 2.3: a Python call reads columns; other arguments are computed
    # by a Calc under the PythonCalc (f0, f1, ...), and so is a column the
    # Table API renamed (alias() keeps an AS call in Flink's plan).
    batch_env.create_temporary_function("func1", udf(lambda i, j: i + j, result_type=DataTypes.BIGINT()))
    from pyflink.table.expressions import call, col
    table = batch_env.from_elements([(1, 2)]).alias("a", "b").select(call("func1", col("a"), col("b")))
    plan = table.explain()
    assert "PythonCalc(select=[func1(f0, f1) AS _c0]) -- runtime=row, evaluator=#1\n" \
           "+- Calc(select=[_1 AS f0, _2 AS f1])\n" in plan
    advice = table.explain(ExplainDetail.PLAN_ADVICE)
    assert "== Optimized Physical Plan With Advice ==" in advice and "No available advice..." in advice
    assert [tuple(r) for r in table.execute().collect()] == [(3,)]
    t = batch_env.from_elements([(1, 2)], ["a", "b"])
    f = udf(lambda i, j: i * j, result_type=DataTypes.BIGINT())
    plan = t.where(t.a > 0).select(f(t.a, t.b), t.a + 1, f(t.a + 1, t.b).alias("z")).explain()
    assert "+- PythonCalc(select=[a, <lambda>(a, b) AS _c0, <lambda>(f0, b) AS z]) -- runtime=row, evaluator=#1\n" \
           "   +- Calc(select=[a, b, (a + 1) AS f0])\n" in plan
    # SQL renames are plain: no AS survives into the call.
    batch_env.create_temporary_view("ren", batch_env.from_elements([(1, 2)]))
    plan = batch_env.explain_sql("SELECT func1(a, b) FROM (SELECT _1 AS a, _2 AS b FROM ren)")
    assert "PythonCalc(select=[func1(_1, _2) AS EXPR$0])" in plan
