"""Results: TableResult (rows of a query, or the job of an INSERT),
JobExecutionResult, StatementSet and TableSchema."""
from __future__ import annotations

import sys
from typing import Any, Dict, Iterator, List, Optional

from sluice import _native
from sluice import metrics as _metrics
from sluice.common import Row
from sluice.common.job_client import JobClient, checkpoint_metrics
from sluice.common.job_execution_result import JobExecutionResult
from _sluice_runtime import make_result_row as make_row  # positional rows with their column names, as PyFlink's collect()
from sluice.table._values import column_values as _column_values

__all__ = ["TableResult", "JobExecutionResult", "StatementSet", "TableSchema", "ResultKind"]


class ResultKind:
    """What a TableResult holds; the values are PyFlink's (plain ints).
    SUCCESS: a DDL or other statement that returns only "OK";
    SUCCESS_WITH_CONTENT: rows (a query, SHOW, EXPLAIN) or, for an INSERT,
    one row with a count per sink (-1: unknown), as Flink reports it."""

    SUCCESS = 0
    SUCCESS_WITH_CONTENT = 1


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

    def get_field_data_type(self, field: Any) -> Any:
        """The DataType of a field given by index or name (PyFlink's), None
        when there is no such field."""
        from sluice.table.types import _parse_type
        if isinstance(field, int):
            if not 0 <= field < len(self._types):
                return None
            return _parse_type(str(self._types[field]))
        if isinstance(field, str):
            return _parse_type(str(self._types[self._names.index(field)])) if field in self._names else None
        raise TypeError("get_field_data_type takes a field index or name, not %s" % type(field).__name__)

    def get_field_name(self, field_index: int) -> Optional[str]:
        return self._names[field_index] if 0 <= field_index < len(self._names) else None

    def to_row_data_type(self) -> Any:
        from sluice.table.types import DataTypes
        return DataTypes.ROW([DataTypes.FIELD(n, self.get_field_data_type(i)) for i, n in enumerate(self._names)])

    def copy(self) -> "TableSchema":
        return TableSchema(self._names, self._types)

    def __str__(self) -> str:
        return "root\n" + "".join(" |-- %s: %s\n" % (n, t) for n, t in zip(self._names, self._types))


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
        """The job of an INSERT or a query (id, status, cancel, result);
        None for a statement that runs no job."""
        if self._job is None and self._table is not None and self._h is None:
            # A query: its job starts now (as Flink's executeSql submits
            # it); collect() then reads the rows of this very job.
            if getattr(self, "_stream", None) is None:
                self._stream = CloseableIterator(self._table)
            if getattr(self, "_stream_job", None) is None:
                self._stream_job = _native.Handle(_native.call("stream.job", self._stream._h.id))
            return JobClient(self._stream_job)
        if self._job is None:
            return None
        return JobClient(getattr(self, "_jobs", None) or self._job, self._wait_metrics)

    def _wait_metrics(self) -> List[Dict[str, Any]]:
        self.wait()
        return list(self._metrics or [])

    def wait(self, timeout_ms: Optional[int] = None) -> None:
        """Waits until the INSERT's job has ended (raising its error if it
        failed) or, with ``timeout_ms``, at most that long: then it raises
        TimeoutError as Flink's await throws TimeoutException. A query's
        result waits for nothing: its rows are produced as they are read."""
        if self._job is None or self._metrics is not None:
            return
        if timeout_ms is not None and not _native.call("jobs.wait_for", self._job.id, int(timeout_ms)):
            raise TimeoutError("java.util.concurrent.TimeoutException: the job did not end within %d ms" % int(timeout_ms))
        self._metrics = _native.call("job.wait", self._job.id) + checkpoint_metrics([self._job])
        from sluice.table.sinks import finish_single_file_sinks
        finish_single_file_sinks()  # CsvTableSink's one-file form

    def get_result_kind(self) -> int:
        """ResultKind.SUCCESS for a statement answered with "OK",
        SUCCESS_WITH_CONTENT for rows, or an INSERT's job."""
        if self._job is not None or self._table is not None:
            return ResultKind.SUCCESS_WITH_CONTENT
        if self._h is not None and _native.call("result.columns", self._h.id) == ["result"]:
            rows = _native.call("result.rows", self._h.id)[1]
            if rows == [["OK"]]:
                return ResultKind.SUCCESS
        return ResultKind.SUCCESS_WITH_CONTENT

    def _sinks(self) -> List[str]:
        """The INSERT's sink tables, named as Flink names the result's
        columns: default_catalog.default_database.<table>."""
        jobs = getattr(self, "_jobs", None) or [self._job]
        out = []
        for j in jobs:
            name = _native.call("job.name", j.id)
            table = name[len("insert-into_"):] if name.startswith("insert-into_") else name
            out.append(table if table.count(".") == 2 else "default_catalog.default_database." + table)
        return out

    def get_table_schema(self) -> TableSchema:
        """The result's columns: the query's; "result" STRING for a
        statement answered with OK; for an INSERT one BIGINT column per
        sink (its affected-row count, -1 when unknown), as Flink's."""
        if self._table is not None:
            return self._table.get_schema()
        if self._job is not None:
            sinks = self._sinks()
            return TableSchema(sinks, ["BIGINT NOT NULL"] * len(sinks))
        cols = _native.call("result.columns", self._h.id) if self._h is not None else ["result"]
        return TableSchema(cols, ["STRING"] * len(cols))

    def get_resolved_schema(self) -> Any:
        """The same columns as get_table_schema, as a ResolvedSchema
        (``get_column_names()``, ``str()`` as Flink's ``(`name` TYPE)``)."""
        if self._table is not None:
            return self._table.get_resolved_schema()
        from sluice.table.table import ResolvedSchema
        ts = self.get_table_schema()
        return ResolvedSchema(ts.get_field_names(), ts.get_field_data_types())

    def metrics(self) -> List[Dict[str, Any]]:
        """Per operator instance: records in/out, busy time and named
        counters; then the job's checkpoint metrics (kind "checkpoints",
        when it takes checkpoints); then the user functions' metrics (kind
        "python")."""
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
            started = getattr(self, "_stream", None)
            if started is not None:
                # The job get_job_client() started; its rows once.
                self._stream = None
                return started
            return CloseableIterator(self._table)
        if self._h is None:
            # An INSERT: Flink's one row of affected-row counts per sink,
            # -1 as the count is not known.
            self.wait()
            sinks = self._sinks() if self._job is not None else []
            return iter([make_row(sinks, [-1] * len(sinks))] if sinks else [])
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
            columns = [_column_values(c) for c in b.columns]  # ROW → Row, MAP → dict
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
        if self._h is None and self._table is not None:
            # A query prints its rows as they arrive, as Flink's tableau
            # (widths from the types; op column in streaming mode): an
            # unbounded query prints until it is interrupted, which stops it.
            h = _native.Handle(_native.call("table.tableau", self._table._h.id))
            try:
                while True:
                    text = _native.call("tableau.next", h.id)
                    if text is None:
                        break
                    sys.stdout.write(text)
                    sys.stdout.flush()
            finally:
                _native.call("tableau.cancel", h.id)
            return
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
            columns = [_column_values(c) for c in batch.columns]
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


class StatementSet:
    def __init__(self, env: Any) -> None:
        self._env = env
        self._items: List[Any] = []

    def add_insert_sql(self, stmt: str) -> "StatementSet":
        self._items.append(("sql", stmt))
        return self

    def add_insert(self, target_path_or_descriptor: Any, table: Any, overwrite: bool = False) -> "StatementSet":
        """Adds ``table``'s INSERT into a table path or, as Flink 1.14+, a
        TableDescriptor (registered now as an anonymous table)."""
        target = target_path_or_descriptor
        if not isinstance(target, str):
            target = self._env._anonymous_table(target, schema_of=table)
        self._items.append(("table", (table, target)))
        return self

    def explain(self, *extra_details: Any) -> str:
        """The plan of every INSERT of the set, in Flink's sections (one
        tree per INSERT in each)."""
        from sluice.table.explain_detail import detail_names
        stmts = [what for kind, what in self._items if kind == "sql"]
        tables = [what for kind, what in self._items if kind == "table"]
        return _native.call("env.explain_set", self._env._h.id, stmts, [t._h.id for t, _ in tables],
                            [target for _, target in tables], *detail_names(extra_details))

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
            if timeout_ms is not None:
                import time
                deadline = time.monotonic() + int(timeout_ms) / 1000
                for j in self._jobs:
                    left = max(0, int((deadline - time.monotonic()) * 1000))
                    if not _native.call("jobs.wait_for", j.id, left):
                        raise TimeoutError("java.util.concurrent.TimeoutException: the job did not end within %d ms" % int(timeout_ms))
            m: List[Dict[str, Any]] = []
            for j in self._jobs:
                m += _native.call("job.wait", j.id)
            self._metrics = m + checkpoint_metrics(self._jobs)
            from sluice.table.sinks import finish_single_file_sinks
            finish_single_file_sinks()


def _python_metrics() -> List[Dict[str, Any]]:
    """The metrics user functions registered through FunctionContext."""
    return [{"kind": "python", "name": n, "type": t, "value": v} for n, t, v in _metrics.snapshot()]
