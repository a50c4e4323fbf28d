"""TableResult.print() of a query as Flink prints it: rows as they arrive,
column widths from the types, the op column in streaming mode. Expected
texts are PyFlink 2.3's output for the same tables."""
import pytest

from pyflink.table import DataTypes, EnvironmentSettings, TableEnvironment
from pyflink.table.expressions import col


def _rows_table(env):
    return env.from_elements([(1, "a"), (2, None), (3, "c")], DataTypes.ROW([
        DataTypes.FIELD("x", DataTypes.BIGINT()), DataTypes.FIELD("s", DataTypes.STRING())]))


def test_streaming_print_has_op_column_and_type_widths(stream_env, capsys):
    _rows_table(stream_env).execute().print()
    assert capsys.readouterr().out == """\
+----+----------------------+--------------------------------+
| op |                    x |                              s |
+----+----------------------+--------------------------------+
| +I |                    1 |                              a |
| +I |                    2 |                         <NULL> |
| +I |                    3 |                              c |
+----+----------------------+--------------------------------+
3 rows in set
"""


def test_batch_print_has_no_op_column(batch_env, capsys):
    batch_env.from_elements([(1, "a"), (2, None)], ["x", "s"]).execute().print()
    assert capsys.readouterr().out == """\
+----------------------+--------------------------------+
|                    x |                              s |
+----------------------+--------------------------------+
|                    1 |                              a |
|                    2 |                         <NULL> |
+----------------------+--------------------------------+
2 rows in set
"""


def test_streaming_changelog_print(stream_env, capsys):
    t = _rows_table(stream_env).select(col("s").is_null.alias("k"), col("x"))
    t.group_by(col("k")).select(col("k"), col("x").sum.alias("sm")).execute().print()
    assert capsys.readouterr().out == """\
+----+--------+----------------------+
| op |      k |                   sm |
+----+--------+----------------------+
| +I |  FALSE |                    1 |
| +I |   TRUE |                    2 |
| -U |  FALSE |                    1 |
| +U |  FALSE |                    4 |
+----+--------+----------------------+
4 rows in set
"""


def test_empty_result_prints_empty_set(stream_env, capsys):
    _rows_table(stream_env).where(col("x") > 100).execute().print()
    assert capsys.readouterr().out == "Empty set\n"


class _Enough(Exception):
    pass


def test_unbounded_query_prints_rows_as_they_arrive(stream_env, monkeypatch):
    # datagen without number-of-rows never ends: print must show rows while
    # the job runs; interrupting print (here: the writer) stops the job.
    stream_env.execute_sql("CREATE TABLE gen (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '50')")
    lines = []

    class Out:
        def write(self, s):
            lines.extend(s.splitlines())
            if sum(1 for l in lines if l.startswith("| +I |")) >= 3:
                raise _Enough()
            return len(s)

        def flush(self):
            pass

    import sys
    monkeypatch.setattr(sys, "stdout", Out())
    with pytest.raises(_Enough):
        stream_env.from_path("gen").execute().print()
    monkeypatch.undo()
    assert lines[:3] == ["+----+----------------------+", "| op |                   id |", "+----+----------------------+"]
    assert all(l.startswith("| +I | ") and len(l) == len(lines[0]) for l in lines[3:])


def test_max_column_width_cuts_values(batch_env, capsys):
    batch_env.get_config().set("table.display.max-column-width", "10")
    batch_env.from_elements([("abcdefghijklmnop", 1)], ["s", "n"]).execute().print()
    assert capsys.readouterr().out == """\
+------------+----------------------+
|          s |                    n |
+------------+----------------------+
| abcdefg... |                    1 |
+------------+----------------------+
1 row in set
"""
