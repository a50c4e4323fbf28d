"""The savepoint round trip the state tests share: a job over a datagen
sequence (table ``src``, column ``a`` = 1..n) runs with checkpoints, stops
with a savepoint part way, and a second job restores it and reads the rest.
What the sink holds after each run tells whether the state came back: a lost
accumulator or keyed state would miss the first part of the sequence."""
from __future__ import annotations

import glob
import time
from pathlib import Path
from typing import Any, Callable, Optional, Tuple, TypeVar

from pyflink.datastream import StreamExecutionEnvironment
from pyflink.table import StreamTableEnvironment

T = TypeVar("T")


def wait_for(what: str, cond: Callable[[], Any], limit: float = 30.0) -> Any:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def savepoint_round_trip(tmp_path: Path, n: int, insert: Callable[[StreamTableEnvironment], Any],
                         read: Callable[[], T], parallelism: int = 2) -> Tuple[T, T]:
    """Runs insert (which submits the job's INSERT over ``src``) until a
    checkpoint completed, stops it with a savepoint, runs it again from the
    savepoint to the end of the sequence; returns what read() gives after
    each run."""

    def run(savepoint: Optional[str] = None) -> Any:
        env = StreamExecutionEnvironment.get_execution_environment()
        env.enable_checkpointing(100)
        env.get_checkpoint_config().set_checkpoint_storage_dir(str(tmp_path / "ck"))
        t_env = StreamTableEnvironment.create(env)
        t_env.get_config().set("parallelism.default", str(parallelism))
        if savepoint:
            t_env.get_config().set("execution.savepoint.path", savepoint)
        # Slow enough that the savepoint lands part way.
        t_env.execute_sql("CREATE TABLE src (a BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '4000', "
                          "'fields.a.kind' = 'sequence', 'fields.a.start' = '1', 'fields.a.end' = '%d')" % n)
        return insert(t_env)

    r = run()
    wait_for("a completed checkpoint", lambda: glob.glob(str(tmp_path / "ck" / "*" / "chk-*" / "_metadata")))
    path = r.get_job_client().stop_with_savepoint(savepoint_directory=str(tmp_path / "sp")).result()
    r.wait(30000)
    half = read()
    run(path).wait(120000)
    return half, read()
