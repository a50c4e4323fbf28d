"""Results: TableResult (rows of a query, or the job of an INSERT),
JobExecutionResult, StatementSet and TableSchema."""
from __future__ import annotations

from typing import Any, Dict, Iterator, List, Optional

from sluice import _native
from sluice import metrics as _metrics
from sluice.common import Row
from _sluice_runtime import make_row

__all__ = ["TableResult", "JobExecutionResult", "StatementSet", "TableSchema", "ResultKind"]


class ResultKind:
    SUCCESS = "SUCCESS"
    SUCCESS_WITH_CONTENT = "SUCCESS_WITH_CONTENT"


class TableSchema:
    def __init__(self, names: List[str], types: List[str]) -> None:
        self._names = list(names)
        self._types = list(types)

    def get_field_names(self) -> List[str]:
        return list(self._names)

    def get_field_data_types(self) -> List[str]:
        return list(self._types)

    def get_field_count(self) -> int:
        return len(self._names)

    def __str__(self) -> str:
        return "root\n" + "".join(" |-- %s: %s\n" % (n, t) for n, t in zip(self._names, self._types))


class JobClient:
    def __init__(self, job: "_native.Handle") -> None:
        self._job = job

    def get_job_id(self) -> str:
        return _native.call("job.name", self._job.id)

    def cancel(self) -> None:
        _native.call("job.cancel", self._job.id)

    def get_metrics(self) -> List[Dict[str, Any]]:
        return _native.call("job.metrics", self._job.id)


class TableResult:
    """What execute_sql and execute return. For a query it holds the rows;
    for an INSERT, the running job (``wait`` blocks until it ends)."""

    def __init__(self, h: Optional["_native.Handle"] = None, job: Optional["_native.Handle"] = None, table: Any = None) -> None:
        self._h = h
        self._job = job
        self._table = table
        self._metrics: Optional[List[Dict[str, Any]]] = None

    def _materialize(self) -> None:
        """Run a query to its end (print, to_pandas, metrics)."""
        if self._h is None and self._table is not None:
            self._h = _native.Handle(_native.call("table.execute", self._table._h.id))

    def get_job_client(self) -> Optional[JobClient]:
        return JobClient(self._job) if self._job is not None else None

    def wait(self, timeout_ms: Optional[int] = None) -> None:
        if self._job is not None and self._metrics is None:
            self._metrics = _native.call("job.wait", self._job.id)

    def get_result_kind(self) -> str:
        return ResultKind.SUCCESS if self._job is not None else ResultKind.SUCCESS_WITH_CONTENT

    def get_table_schema(self) -> TableSchema:
        if self._table is not None:
            return self._table.get_schema()
        cols = _native.call("result.columns", self._h.id) if self._h is not None else ["job"]
        return TableSchema(cols, ["?"] * len(cols))

    def metrics(self) -> List[Dict[str, Any]]:
        """Per operator instance: records in/out, busy time and named
        counters; then the user functions' metrics (kind "python")."""
        if self._job is not None:
            self.wait()
            return list(self._metrics or []) + _python_metrics()
        self._materialize()
        engine = _native.call("result.metrics", self._h.id) if self._h is not None else []
        return engine + _python_metrics()

    def _arrow(self) -> Any:
        self._materialize()
        batches, kinds = _native.call("result.arrow", self._h.id)
        return batches, kinds

    def collect(self) -> Iterator[Row]:
        """The rows, each a Row whose ``get_row_kind()`` tells +I, -U, +U
        or -D for a streaming query's changelog. For a query the iterator
        yields rows as the job produces them; ``close()`` (or leaving a
        ``with`` block) stops an unbounded one."""
        if self._h is None and self._table is not None:
            return CloseableIterator(self._table)
        if self._h is None:
            self.wait()
            return iter([])
        cols = _native.call("result.columns", self._h.id)
        batches, kinds = self._arrow()
        out: List[Row] = []
        if not batches:
            row_kinds, text_rows = _native.call("result.rows", self._h.id)
            for k, values in zip(row_kinds, text_rows):
                r = make_row(cols, values)
                r.set_row_kind(k)
                out.append(r)
            return iter(out)
        for b, k in zip(batches, kinds):
            columns = [c.to_pylist() for c in b.columns]
            for i in range(b.num_rows):
                r = make_row(cols, [c[i] for c in columns])
                if k:
                    r.set_row_kind(k[2 * i:2 * i + 2])
                out.append(r)
        return iter(out)

    def _to_pandas(self) -> Any:
        import pyarrow as pa
        batches, kinds = self._arrow()
        cols = _native.call("result.columns", self._h.id)
        if not batches:
            import pandas as pd
            return pd.DataFrame(columns=cols)
        return pa.Table.from_batches(batches).to_pandas()

    def print(self) -> None:
        self._materialize()
        if self._h is None:
            self.wait()
            print("+--------+\n| result |\n+--------+\n|     OK |\n+--------+")
            return
        print(_native.call("result.text", self._h.id), end="")


class CloseableIterator:
    """Rows of a running query, as PyFlink's CloseableIterator."""

    def __init__(self, table: Any) -> None:
        self._cols = table.get_schema().get_field_names()
        self._h = _native.Handle(_native.call("table.stream", table._h.id))
        self._rows: List[Row] = []
        self._pos = 0
        self._done = False

    def __iter__(self) -> "CloseableIterator":
        return self

    def __next__(self) -> Row:
        while self._pos >= len(self._rows):
            if self._done:
                raise StopIteration
            item = _native.call("stream.next", self._h.id)
            if item is None:
                self._done = True
                raise StopIteration
            batch, kinds = item
            columns = [c.to_pylist() for c in batch.columns]
            rows = []
            for i in range(batch.num_rows):
                r = make_row(self._cols, [c[i] for c in columns])
                if kinds:
                    r.set_row_kind(kinds[2 * i:2 * i + 2])
                rows.append(r)
            self._rows, self._pos = rows, 0
        r = self._rows[self._pos]
        self._pos += 1
        return r

    def close(self) -> None:
        if not self._done:
            self._done = True
            _native.call("stream.cancel", self._h.id)

    def __enter__(self) -> "CloseableIterator":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class JobExecutionResult:
    def __init__(self, job_name: str, metrics: List[Dict[str, Any]]) -> None:
        self._name = job_name
        self._metrics = metrics

    def get_job_id(self) -> str:
        return self._name

    def get_net_runtime(self) -> int:
        return 0

    def get_all_accumulator_results(self) -> Dict[str, Any]:
        return {}

    def metrics(self) -> List[Dict[str, Any]]:
        return list(self._metrics) + _python_metrics()


class StatementSet:
    def __init__(self, env: Any) -> None:
        self._env = env
        self._items: List[Any] = []

    def add_insert_sql(self, stmt: str) -> "StatementSet":
        self._items.append(("sql", stmt))
        return self

    def add_insert(self, target_path: str, table: Any, overwrite: bool = False) -> "StatementSet":
        self._items.append(("table", (table, target_path)))
        return self

    def execute(self) -> TableResult:
        jobs = []
        for kind, what in self._items:
            if kind == "sql":
                jobs.append(_native.Handle(_native.call("env.submit", self._env._h.id, what)))
            else:
                jobs.append(_native.Handle(_native.call("table.submit_insert", what[0]._h.id, what[1])))
        return _MultiJobResult(jobs)


class _MultiJobResult(TableResult):
    def __init__(self, jobs: List["_native.Handle"]) -> None:
        super().__init__(job=jobs[0] if jobs else None)
        self._jobs = jobs

    def wait(self, timeout_ms: Optional[int] = None) -> None:
        if self._metrics is None:
            m: List[Dict[str, Any]] = []
            for j in self._jobs:
                m += _native.call("job.wait", j.id)
            self._metrics = m


def _python_metrics() -> List[Dict[str, Any]]:
    """The metrics user functions registered through FunctionContext."""
    return [{"kind": "python", "name": n, "type": t, "value": v} for n, t, v in _metrics.snapshot()]
