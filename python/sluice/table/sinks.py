"""Flink 1.10's CsvTableSink and CsvTableSource, as filesystem tables."""
from __future__ import annotations

import os
import shutil
import threading
from typing import Any, Dict, Optional, Sequence

from sluice.table.types import _type_sql

__all__ = ["CsvTableSink", "CsvTableSource", "WriteMode"]


class WriteMode:
    NO_OVERWRITE = 0
    OVERWRITE = 1


def _quote(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


class _CsvTable:
    def __init__(self, field_names: Sequence[str], field_types: Sequence[Any], path: str, field_delimiter: str = ",") -> None:
        if len(field_names) != len(field_types):
            raise ValueError("%d field names but %d field types" % (len(field_names), len(field_types)))
        self._names = list(field_names)
        self._types = [_type_sql(t) for t in field_types]
        self._path = path
        self._delim = field_delimiter

    def _ddl(self, name: str) -> str:
        cols = ", ".join("`%s` %s" % (n, t) for n, t in zip(self._names, self._types))
        return "CREATE TABLE `%s` (%s) WITH ('connector' = 'filesystem', 'path' = %s, 'format' = 'csv', 'csv.field-delimiter' = %s)" % (
            name, cols, _quote(self._path), _quote(self._delim))


class CsvTableSink(_CsvTable):
    """Flink's legacy CSV sink. As Flink's, it writes one file at ``path``
    when it runs with parallelism 1 (``num_files=1``, or the environment's
    ``parallelism.default`` is 1), else a directory of files at ``path``.
    The one-file form is written by the filesystem connector into a hidden
    directory beside ``path`` (``.<name>.sluice-parts``), whose files are
    appended to ``path`` when the job has finished (TableEnvironment.execute,
    TableResult.wait)."""

    def __init__(self, field_names: Sequence[str], field_types: Sequence[Any], path: str, field_delimiter: str = ",",
                 num_files: int = -1, write_mode: Optional[int] = None) -> None:
        if write_mode == WriteMode.OVERWRITE:
            raise NotImplementedError("CsvTableSink(write_mode=OVERWRITE): the filesystem sink adds part files; remove the directory first")
        super().__init__(field_names, field_types, path, field_delimiter)
        self._num_files = num_files

    def _register(self, t_env: Any, name: str) -> None:
        single = self._num_files == 1 or str(t_env.get_config().get("parallelism.default", "")).strip() == "1"
        if not single:
            t_env.execute_sql(self._ddl(name))
            return
        target = os.path.abspath(self._path)
        if os.path.isdir(target):
            raise ValueError("CsvTableSink: %s is a directory; a sink of parallelism 1 writes one file there" % self._path)
        staging = os.path.join(os.path.dirname(target), ".%s.sluice-parts" % os.path.basename(target))
        ddl = self._ddl(name).replace("'path' = %s" % _quote(self._path), "'path' = %s" % _quote(staging), 1)
        t_env.execute_sql(ddl)
        with _lock:
            _single_file_sinks[staging] = target


_lock = threading.Lock()
_single_file_sinks: Dict[str, str] = {}  # staging directory -> the one file


def _part_order(name: str) -> Any:
    # part-<uuid>-<subtask>-<n>.<ext>: by subtask, then by n
    stem = name.split(".", 1)[0]
    parts = stem.rsplit("-", 2)
    try:
        return (int(parts[1]), int(parts[2]), name)
    except (IndexError, ValueError):
        return (0, 0, name)


def finish_single_file_sinks() -> None:
    """Appends the finished part files of one-file CsvTableSinks to their
    files (called when jobs have finished)."""
    with _lock:
        for staging, target in _single_file_sinks.items():
            if not os.path.isdir(staging):
                continue
            names = sorted((n for n in os.listdir(staging) if not n.startswith(".")), key=_part_order)
            if not names and os.path.exists(target):
                continue
            with open(target, "ab") as out:
                for n in names:
                    p = os.path.join(staging, n)
                    with open(p, "rb") as f:
                        shutil.copyfileobj(f, out)
                    os.unlink(p)


class CsvTableSource(_CsvTable):
    def __init__(self, source_path: str, field_names: Sequence[str], field_types: Sequence[Any], field_delim: str = ",", **kwargs: Any) -> None:
        super().__init__(field_names, field_types, source_path, field_delim)
