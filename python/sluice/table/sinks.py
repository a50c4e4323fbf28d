"""Flink 1.10's CsvTableSink and CsvTableSource, as filesystem tables."""
from __future__ import annotations

from typing import Any, Optional, Sequence

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
    def __init__(self, field_names: Sequence[str], field_types: Sequence[Any], path: str, field_delimiter: str = ",",
                 num_files: int = -1, write_mode: Optional[int] = None) -> None:
        if write_mode == WriteMode.OVERWRITE:
            raise NotImplementedError("CsvTableSink(write_mode=OVERWRITE): the filesystem sink adds part files; remove the directory first")
        super().__init__(field_names, field_types, path, field_delimiter)


class CsvTableSource(_CsvTable):
    def __init__(self, source_path: str, field_names: Sequence[str], field_types: Sequence[Any], field_delim: str = ",", **kwargs: Any) -> None:
        super().__init__(field_names, field_types, source_path, field_delim)
