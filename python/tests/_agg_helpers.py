"""What the table-aggregate and row-based aggregate tests share: the
changelog of a table as text, an environment at parallelism 1, and the rows
PyFlink's own tests of these operations use."""
from __future__ import annotations

from typing import Any, List

from pyflink.table import EnvironmentSettings, TableEnvironment


def rows(table: Any) -> List[str]:
    with table.execute().collect() as it:
        return ["%s%s" % (str(r.get_row_kind()), list(r)) for r in it]


def env_of(streaming: bool = True) -> TableEnvironment:
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode() if streaming
                                  else EnvironmentSettings.in_batch_mode())
    env.get_config().set("parallelism.default", "1")
    return env


def pyflink_table(env: TableEnvironment) -> Any:
    return env.from_elements([(1, 'Hi', 'Hello'), (3, 'Hi', 'hi'), (5, 'Hi2', 'hi'), (7, 'Hi', 'Hello'),
                              (2, 'Hi', 'Hello')], ['a', 'b', 'c'])
