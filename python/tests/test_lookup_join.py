"""Lookup joins from Python: a stream of rows joined, by key, with a JDBC
table (SQLite here) at each row's processing time, with Flink's cache
options. The rows are Flink 2.3's for the same statements over the same
tables (checked with its JDBC connector against MariaDB)."""
import sqlite3
from pathlib import Path
from typing import List

import pytest

from pyflink.table import EnvironmentSettings, TableEnvironment


@pytest.fixture
def env(tmp_path: Path) -> TableEnvironment:
    db = tmp_path / "dim.db"
    with sqlite3.connect(str(db)) as c:
        c.execute("CREATE TABLE province (name TEXT PRIMARY KEY, region TEXT NOT NULL)")
        c.executemany("INSERT INTO province VALUES (?, ?)", [("Beijing", "North"), ("Shanghai", "East")])
    logs = tmp_path / "logs.csv"
    logs.write_text("1,Beijing\n2,Atlantis\n3,Shanghai\n4,Beijing\n")
    t = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    t.execute_sql(f"""CREATE TABLE access_log (id INT, province STRING, pt AS PROCTIME())
        WITH ('connector' = 'filesystem', 'path' = '{logs}', 'format' = 'csv')""")
    t.execute_sql(f"""CREATE TABLE province (name STRING, region STRING)
        WITH ('connector' = 'jdbc', 'url' = 'jdbc:sqlite:{db}', 'table-name' = 'province',
              'lookup.cache' = 'PARTIAL', 'lookup.partial-cache.max-rows' = '100')""")
    return t


def rows(t: TableEnvironment, query: str) -> List[tuple]:
    with t.execute_sql(query).collect() as it:
        return [tuple(r) for r in it]


def test_lookup_join(env: TableEnvironment) -> None:
    assert rows(env, """SELECT a.id, p.region FROM access_log AS a
        JOIN province FOR SYSTEM_TIME AS OF a.pt AS p ON a.province = p.name""") == [
        (1, "North"), (3, "East"), (4, "North")]


def test_left_lookup_join_pads(env: TableEnvironment) -> None:
    assert rows(env, """SELECT a.id, p.region FROM access_log AS a
        LEFT JOIN province FOR SYSTEM_TIME AS OF a.pt AS p ON a.province = p.name""") == [
        (1, "North"), (2, None), (3, "East"), (4, "North")]


def test_lookup_join_needs_a_proctime(env: TableEnvironment) -> None:
    with pytest.raises(Exception, match="only supports 'FOR SYSTEM_TIME AS OF' left table's time attribute field"):
        env.execute_sql("""SELECT * FROM access_log AS a
            JOIN province FOR SYSTEM_TIME AS OF a.id AS p ON a.province = p.name""")
