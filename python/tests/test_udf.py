import functools

import pytest

from pyflink.table import DataTypes
from pyflink.table.expressions import call, col, lit
from pyflink.table.udf import FunctionContext, ScalarFunction, udf, udaf
import sluice.metrics


class Offset(ScalarFunction):
    def __init__(self, by):
        self.by = by
        self.opened = False

    def open(self, function_context):
        assert isinstance(function_context, FunctionContext)
        self.opened = True
        self.calls = function_context.get_metric_group().add_group("offset").counter("calls")
        self.sizes = function_context.get_metric_group().distribution("sizes")
        self.rate = function_context.get_metric_group().meter("rate")
        function_context.get_metric_group().gauge("by", lambda: self.by)

    def eval(self, x):
        assert self.opened, "open runs before eval"
        self.calls.inc()
        self.sizes.update(x)
        self.rate.mark_event()
        return x + self.by


class Scale:
    def __init__(self, k):
        self.k = k

    def __call__(self, x):
        return x * self.k


def add(a, b):
    return a + b


def scaled_sum(k, a, b):
    return k * (a + b)


@udf(input_types=[DataTypes.BIGINT(), DataTypes.BIGINT()], result_type=DataTypes.BIGINT())
def decorated(a, b):
    return a - b


@udf(result_type=DataTypes.STRING())
def hinted(s: str) -> str:
    return s[::-1]


@udf(result_type=DataTypes.DOUBLE(), func_type="pandas")
def pandas_mean(a, b):
    return (a + b) / 2


@udf(result_type=DataTypes.DOUBLE(), udf_type="pandas")
def pandas_111(a):
    return a * 1.5


def nums(env):
    return env.from_elements([(1, 10, "ab"), (2, 20, "cd"), (3, 30, "ef")], ["a", "b", "s"])


FORMS = [
    ("ScalarFunction subclass", udf(Offset(100), result_type=DataTypes.BIGINT()), ["a"], [101, 102, 103]),
    ("lambda", udf(lambda x: x * 2, result_type=DataTypes.BIGINT()), ["a"], [2, 4, 6]),
    ("named function, Flink 1.10 form", udf(add, [DataTypes.BIGINT(), DataTypes.BIGINT()], DataTypes.BIGINT()), ["a", "b"], [11, 22, 33]),
    ("callable object", udf(Scale(3), result_type=DataTypes.BIGINT()), ["b"], [30, 60, 90]),
    ("functools.partial", udf(functools.partial(scaled_sum, 2), result_type=DataTypes.BIGINT()), ["a", "b"], [22, 44, 66]),
    ("decorator with input types", decorated, ["b", "a"], [9, 18, 27]),
    ("decorator with type hints", hinted, ["s"], ["ba", "dc", "fe"]),
    ("pandas, func_type", pandas_mean, ["a", "b"], [5.5, 11.0, 16.5]),
    ("pandas, udf_type (1.11)", pandas_111, ["a"], [1.5, 3.0, 4.5]),
]


@pytest.mark.parametrize("name,f,args,want", FORMS, ids=[f[0] for f in FORMS])
def test_udf_forms_in_sql_string_and_dsl(batch_env, name, f, args, want):
    fname = "f_" + "".join(c if c.isalnum() else "_" for c in name)
    batch_env.create_temporary_system_function(fname, f)
    t = nums(batch_env)
    by_string = [r[0] for r in t.select("%s(%s) as r" % (fname, ", ".join(args))).execute().collect()]
    by_call = [r[0] for r in t.select(call(fname, *[col(a) for a in args]).alias("r")).execute().collect()]
    inline = [r[0] for r in t.select(f(*[col(a) for a in args]).alias("r")).execute().collect()]
    batch_env.create_temporary_view("nums_" + fname, t)
    by_sql = [r[0] for r in batch_env.execute_sql("SELECT %s(%s) FROM nums_%s" % (fname, ", ".join(args), fname)).collect()]
    assert by_string == want
    assert by_call == want
    assert inline == want
    assert by_sql == want


def test_register_function_seed_style(stream_env):
    ip_to_province = udf(lambda ip: "北京" if ip.startswith("1.") else "上海", [DataTypes.STRING()], DataTypes.STRING())
    stream_env.register_function("ip_to_province", ip_to_province)
    t = stream_env.from_elements([("a", "1.2.3.4", 100, 4), ("b", "1.2.9.9", 300, 2), ("c", "10.0.0.1", 50, 5)],
                                 ["uuid", "client_ip", "response_size", "request_time"])
    out = t.select("uuid, ip_to_province(client_ip) as province, response_size, request_time") \
        .group_by("province") \
        .select("province, count(uuid) as access_count, sum(response_size) as total_download, "
                "sum(response_size) * 1.0 / sum(request_time) as download_speed")
    final = {}
    for r in out.execute().collect():
        if r.get_row_kind() in ("+I", "+U"):
            final[r.province] = tuple(r)
        else:
            final.pop(r.province, None)
    assert final == {"北京": ("北京", 2, 400, 400 / 6), "上海": ("上海", 1, 50, 10.0)}


def test_metrics_reach_the_registry(batch_env):
    f = udf(Offset(5), result_type=DataTypes.BIGINT(), name="metered")
    batch_env.create_temporary_system_function("metered", f)
    list(nums(batch_env).select("metered(a)").execute().collect())
    snap = {name: (kind, value) for name, kind, value in sluice.metrics.snapshot()}
    assert snap["python.metered.offset.calls"] == ("counter", 3)
    assert snap["python.metered.sizes"][1]["max"] == 3
    assert snap["python.metered.rate"][1]["count"] == 3
    assert snap["python.metered.by"] == ("gauge", 5)


def test_deterministic_and_name():
    f = udf(lambda x: x, result_type=DataTypes.INT(), deterministic=False, name="same")
    assert f._sluice_deterministic is False
    assert f._sluice_name == "same"
    assert udf(Offset(1), result_type=DataTypes.INT())._sluice_name == "Offset"


def test_exception_in_eval_carries_the_traceback(batch_env):
    def explode(x):
        return 1 // (x - 2)

    batch_env.create_temporary_system_function("explode", udf(explode, result_type=DataTypes.BIGINT()))
    with pytest.raises(Exception) as e:
        list(nums(batch_env).select("explode(a)").execute().collect())
    msg = str(e.value)
    assert "ZeroDivisionError" in msg
    assert "in explode" in msg
    assert "explode" in msg and "row" in msg


def test_bad_result_type():
    # PyFlink's message for both.
    with pytest.raises(TypeError, match="returnType should be DataType or str but is None"):
        udf(lambda x: x)
    with pytest.raises(TypeError, match="returnType should be DataType or str but is 42"):
        udf(lambda x: x, result_type=42)


def test_result_type_that_is_no_sql_type(batch_env):
    with pytest.raises(TypeError, match="result type"):
        batch_env.register_function("bad", udf(lambda x: x, result_type="NOT A TYPE"))


def test_wrong_result_value_names_the_function(batch_env):
    batch_env.register_function("wrong", udf(lambda x: "text", result_type=DataTypes.BIGINT()))
    with pytest.raises(Exception, match="wrong"):
        list(nums(batch_env).select("wrong(a)").execute().collect())


def test_non_callable_udf():
    with pytest.raises(TypeError, match="not a function or callable"):
        udf(42, result_type=DataTypes.INT())


def test_register_needs_declared_types(batch_env):
    with pytest.raises(TypeError, match="declares no result type"):
        batch_env.register_function("plain", lambda x: x)


def test_unknown_function_in_expression(batch_env):
    with pytest.raises(ValueError, match="no function named nope"):
        nums(batch_env).select("nope(a)")
    with pytest.raises(ValueError, match="no function named nope"):
        nums(batch_env).select(call("nope", col("a")))


def test_a_general_udaf_takes_an_aggregate_function():
    # A plain function aggregates only as a pandas udaf (test_udaf.py runs
    # AggregateFunctions).
    with pytest.raises(TypeError, match="AggregateFunction instance"):
        udaf(lambda x: x, result_type=DataTypes.INT())


def test_metrics_in_the_job_metrics(tmp_path, batch_env):
    batch_env.create_temporary_system_function("metered2", udf(Offset(1), result_type=DataTypes.BIGINT(), name="metered2"))
    batch_env.execute_sql("CREATE TABLE m_out (x BIGINT) WITH ('connector' = 'filesystem', 'path' = '%s', 'format' = 'csv')" % tmp_path)
    r = nums(batch_env).select("metered2(a)").execute_insert("m_out")
    m = {e["name"]: e["value"] for e in r.metrics() if e["kind"] == "python"}
    assert m["python.metered2.offset.calls"] == 3
    assert any(e["kind"] == "sink" and e["records_in"] == 3 for e in r.metrics())


def test_create_temporary_function_and_register_function_agree(batch_env):
    f = udf(lambda x: x + 1, result_type=DataTypes.BIGINT())
    batch_env.create_temporary_function("inc_a", f)
    batch_env.register_function("inc_b", f)
    t = nums(batch_env)
    assert [tuple(r) for r in t.select("inc_a(a), inc_b(a)").execute().collect()] == [(2, 2), (3, 3), (4, 4)]


class RuntimeInfo(ScalarFunction):
    """Records what open and close receive (PyFlink 2.3's FunctionContext)."""

    def __init__(self):
        self.events = []

    def open(self, function_context):
        c = function_context
        self.info = (c.get_task_name(), c.get_task_name_with_subtasks(), c.get_number_of_parallel_subtasks(),
                     c.get_max_number_of_parallel_subtasks(), c.get_index_of_this_subtask(), c.get_attempt_number(),
                     c.get_job_parameter("k", "default"), c.get_job_parameter("missing", "default"))
        self.events.append("open")

    def close(self):
        self.events.append("close")

    def eval(self, x):
        return "%s|%s|%d|%d|%d|%d|%s|%s" % self.info


def test_function_context_runtime_info(stream_env):
    stream_env.get_config().set("pipeline.global-job-parameters", "k:v1,k2:'a,b'")
    fn = RuntimeInfo()
    f = udf(fn, result_type=DataTypes.STRING())
    t = stream_env.from_elements([(1,), (2,)], ["a"])
    assert fn.events == [], "a job opens the function, not its registration"
    rows = [r[0] for r in t.select(f(col("a"))).execute().collect()]
    task, with_subtasks, par, max_par, index, attempt, k, missing = rows[0].split("|")
    assert rows[0] == rows[1]
    assert task and with_subtasks == "%s (1/%s)#0" % (task, par)
    assert (int(par), int(max_par), int(index), int(attempt)) == (1, 128, 0, 0)
    assert (k, missing) == ("v1", "default")
    # Opened when the job's calc opened, closed when the job ended; a
    # second job opens it again, as PyFlink's task does.
    assert fn.events == ["open", "close"]
    list(t.select(f(col("a"))).execute().collect())
    assert fn.events == ["open", "close", "open", "close"]


def test_function_open_error_fails_the_job(stream_env):
    class Broken(ScalarFunction):
        def open(self, function_context):
            raise RuntimeError("cannot open")

        def eval(self, x):
            return x

    f = udf(Broken(), result_type=DataTypes.BIGINT())
    t = stream_env.from_elements([(1,)], ["a"])
    q = t.select(f(col("a")))  # planning does not open it
    with pytest.raises(Exception, match="cannot open"):
        list(q.execute().collect())
