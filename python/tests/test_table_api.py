import pytest

from pyflink.table.expressions import call, col, lit, if_then_else


def rows(t):
    return [tuple(r) for r in t.execute().collect()]


CASES = [
    ("select", lambda t: t.select("uuid, response_size * 2 as d"),
     lambda t: t.select(col("uuid"), (col("response_size") * 2).alias("d"))),
    ("filter", lambda t: t.filter("response_size > 60 && request_time < 5").select("uuid"),
     lambda t: t.filter((col("response_size") > 60) & (col("request_time") < 5)).select(col("uuid"))),
    ("where", lambda t: t.where("client_ip = '10.0.0.1'").select("uuid"),
     lambda t: t.where(col("client_ip") == lit("10.0.0.1")).select(col("uuid"))),
    ("group by", lambda t: t.group_by("request_time > 3").select("response_size.sum as total, uuid.count as n").order_by("total"),
     lambda t: t.group_by(col("request_time") > 3).select(col("response_size").sum.alias("total"), col("uuid").count.alias("n")).order_by(col("total"))),
    ("distinct", lambda t: t.select("request_time > 3 as big").distinct().order_by("big"),
     lambda t: t.select((col("request_time") > 3).alias("big")).distinct().order_by(col("big"))),
    ("add columns", lambda t: t.add_columns("response_size / request_time as speed").select("uuid, speed"),
     lambda t: t.add_columns((col("response_size") / col("request_time")).alias("speed")).select(col("uuid"), col("speed"))),
    ("add or replace", lambda t: t.add_or_replace_columns("UPPER(uuid) as uuid").select("uuid"),
     lambda t: t.add_or_replace_columns(col("uuid").upper_case.alias("uuid")).select(col("uuid"))),
    ("drop columns", lambda t: t.drop_columns("client_ip, request_time").filter("uuid = 'a'"),
     lambda t: t.drop_columns(col("client_ip"), col("request_time")).filter(col("uuid") == "a")),
    ("rename columns", lambda t: t.rename_columns("uuid as id").select("id"),
     lambda t: t.rename_columns(col("uuid").alias("id")).select(col("id"))),
    ("alias", lambda t: t.alias("w, x, y, z").select("w"),
     lambda t: t.alias("w", "x", "y", "z").select(col("w"))),
    ("union all", lambda t: t.select("uuid").union_all(t.select("uuid")).order_by("uuid").limit(3),
     lambda t: t.select(col("uuid")).union_all(t.select(col("uuid"))).order_by(col("uuid")).limit(3)),
    ("union", lambda t: t.select("uuid").union(t.select("uuid")).order_by("uuid.desc"),
     lambda t: t.select(col("uuid")).union(t.select(col("uuid"))).order_by(col("uuid").desc)),
    ("case", lambda t: t.select("uuid, if(response_size > 60, 'big', 'small') as s"),
     lambda t: t.select(col("uuid"), if_then_else(col("response_size") > 60, "big", "small").alias("s"))),
    ("cast and in", lambda t: t.filter("request_time.in(2, 4)").select("response_size.cast(STRING) as s"),
     lambda t: t.filter(col("request_time").in_(2, 4)).select(col("response_size").cast("STRING").alias("s"))),
    ("count distinct", lambda t: t.group_by("client_ip").select("client_ip, uuid.count.distinct as n").order_by("client_ip"),
     lambda t: t.group_by(col("client_ip")).select(col("client_ip"), col("uuid").count.distinct.alias("n")).order_by(col("client_ip"))),
]


@pytest.mark.parametrize("name,by_string,by_dsl", CASES, ids=[c[0] for c in CASES])
def test_string_and_dsl_agree(logs, name, by_string, by_dsl):
    a, b = rows(by_string(logs)), rows(by_dsl(logs))
    assert a == b
    assert a, "the case returns rows"


def test_some_results(logs):
    assert rows(logs.select("uuid").union_all(logs.select("uuid")).order_by("uuid").limit(3)) == [("a",), ("a",), ("b",)]
    assert rows(logs.group_by("request_time > 3").select("response_size.sum as total").order_by("total")) == [(150,), (300,)]


def test_schema_explain_and_print(logs, capsys):
    t = logs.select("uuid, response_size")
    assert t.get_schema().get_field_names() == ["uuid", "response_size"]
    assert "uuid" in str(t.get_schema())
    assert isinstance(t.explain(), str) and t.explain()
    t.execute().print()
    out = capsys.readouterr().out
    # Flink's widths come from the types: STRING 30, BIGINT 20.
    assert "|%s uuid |%s response_size |" % (" " * 26, " " * 7) in out and "3 rows in set" in out


def test_row_based_aggregates_take_only_aggregate_calls(logs):
    with pytest.raises(TypeError, match="aggregate takes an aggregate function call expression"):
        logs.aggregate(logs)
    with pytest.raises(ValueError, match="A flatAggregate only accepts"):
        logs.flat_aggregate(logs)


def test_expression_has_no_truth_value():
    with pytest.raises(TypeError, match="no truth value"):
        bool(col("a") > 1)


def test_changelog_of_a_streaming_group_by(stream_env):
    t = stream_env.from_elements([("a", 1), ("a", 2), ("b", 5)], ["k", "v"])
    kinds = [(r.get_row_kind(), tuple(r)) for r in t.group_by("k").select("k, sum(v) as s").execute().collect()]
    assert ("+I", ("b", 5)) in kinds
    final = {}
    for kind, r in kinds:
        if kind in ("+I", "+U"):
            final[r[0]] = r[1]
        elif kind == "-D":
            final.pop(r[0])
    assert final == {"a": 3, "b": 5}


def test_window_builders(logs):
    # Windows run in test_table_window.py; here: the builders' stages.
    from pyflink.table.window import GroupWindow, Over, OverWindow, Session, Slide, Tumble
    w = Tumble.over(lit(10)).on(col("ts")).alias("w")
    assert isinstance(w, GroupWindow) and w.kind == "Tumble" and w.parts["alias"] == "w"
    assert Slide.over(lit(10)).every(lit(5)).kind == "Slide"
    assert Session.with_gap(lit(10)).kind == "Session"
    assert isinstance(Over.partition_by(col("a")).order_by(col("ts")).preceding(lit(1)).alias("w"), OverWindow)


def test_csv_table_sink_and_source(tmp_path, batch_env, logs):
    from pyflink.table import CsvTableSink, CsvTableSource, DataTypes
    batch_env.register_table_sink("csv_out", CsvTableSink(["uuid", "size"], [DataTypes.STRING(), DataTypes.BIGINT()], str(tmp_path / "out")))
    logs.select("uuid, response_size").execute_insert("csv_out").wait()
    batch_env.register_table_source("csv_in", CsvTableSource(str(tmp_path / "out"), ["uuid", "size"], [DataTypes.STRING(), DataTypes.BIGINT()]))
    assert sorted(tuple(r) for r in batch_env.from_path("csv_in").execute().collect()) == [("a", 100), ("b", 300), ("c", 50)]


def test_explain_sql(batch_env, logs):
    batch_env.create_temporary_view("logs", logs)
    plan = batch_env.explain_sql("SELECT uuid FROM logs WHERE response_size > 1")
    assert "response_size" in plan and ">" in plan


def test_collect_iterates_over_an_unbounded_query(stream_env):
    stream_env.execute_sql("CREATE TABLE gen (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '2000', "
                           "'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '1000000000')")
    seen = []
    with stream_env.execute_sql("SELECT id FROM gen WHERE MOD(id, 10) = 0").collect() as it:
        for r in it:
            seen.append(r.id)
            if len(seen) == 25:
                break
    assert seen == [10 * (i + 1) for i in range(25)]


def test_collect_reports_a_failure_of_the_job(batch_env):
    from pyflink.table import DataTypes
    from pyflink.table.udf import udf
    batch_env.create_temporary_system_function("boom", udf(lambda x: 1 // 0, result_type=DataTypes.BIGINT()))
    it = batch_env.from_elements([(1,), (2,)], ["a"]).select("boom(a)").execute().collect()
    with pytest.raises(Exception, match="ZeroDivisionError"):
        list(it)
