"""``Table``: PyFlink's Table API operations, with string expressions or
the expression DSL."""
from __future__ import annotations

from typing import Any, List, Optional

from sluice import _native
from sluice.table.expression import Expression

__all__ = ["Table", "GroupedTable"]


def _args(env: Any, fields: Any) -> List[Any]:
    out: List[Any] = []
    for f in fields:
        if isinstance(f, Expression):
            env._ensure_functions(f._udfs)
            out.append(f._item())
        elif isinstance(f, str):
            out.append(f)
        else:
            raise TypeError("expected a string expression or an Expression (col('a'), ...), got %s" % type(f).__name__)
    return out


def _unsupported(name: str, why: str = "the engine has no operator for it yet") -> Any:
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("Table.%s is not supported by Sluice: %s" % (name, why))
    method.__name__ = name
    return method


class Table:
    def __init__(self, h: "_native.Handle", env: Any) -> None:
        self._h = h
        self._env = env

    def _op(self, op: str, *args: Any) -> "Table":
        return Table(_native.Handle(_native.call("table.op", self._h.id, op, *args)), self._env)

    def select(self, *fields: Any) -> "Table":
        return self._op("select", *_args(self._env, fields))

    def alias(self, field: Any, *fields: Any) -> "Table":
        names = [str(field)] + [str(f) for f in fields]
        if len(names) == 1 and "," in names[0]:
            names = [n.strip() for n in names[0].split(",")]
        return self._op("alias", *[n.strip("`") for n in names])

    def filter(self, predicate: Any) -> "Table":
        return self._op("filter", *_args(self._env, [predicate]))

    def where(self, predicate: Any) -> "Table":
        return self.filter(predicate)

    def group_by(self, *fields: Any) -> "GroupedTable":
        h = _native.Handle(_native.call("table.op", self._h.id, "group_by", *_args(self._env, fields)))
        return GroupedTable(h, self._env)

    def distinct(self) -> "Table":
        return self._op("distinct")

    def union(self, right: "Table") -> "Table":
        return self._op("union", right._h.id)

    def union_all(self, right: "Table") -> "Table":
        return self._op("union_all", right._h.id)

    def add_columns(self, *fields: Any) -> "Table":
        return self._op("add_columns", *_args(self._env, fields))

    def add_or_replace_columns(self, *fields: Any) -> "Table":
        return self._op("add_or_replace_columns", *_args(self._env, fields))

    def drop_columns(self, *fields: Any) -> "Table":
        names: List[str] = []
        for f in _args(self._env, fields):
            text = f[0] if isinstance(f, tuple) else f
            names += [n.strip().strip("`") for n in text.split(",")]
        return self._op("drop_columns", *names)

    def rename_columns(self, *fields: Any) -> "Table":
        return self._op("rename_columns", *_args(self._env, fields))

    def order_by(self, *fields: Any) -> "Table":
        return self._op("order_by", *_args(self._env, fields))

    def limit(self, fetch: int, offset: int = 0) -> "Table":
        return self._op("limit", int(fetch), int(offset))

    def fetch(self, fetch: int) -> "Table":
        return self._op("limit", int(fetch))

    def offset(self, offset: int) -> "Table":
        raise NotImplementedError("Table.offset alone is not supported by Sluice: use limit(fetch, offset)")

    join = _unsupported("join", "joins are not implemented in the engine yet")
    left_outer_join = _unsupported("left_outer_join", "joins are not implemented in the engine yet")
    right_outer_join = _unsupported("right_outer_join", "joins are not implemented in the engine yet")
    full_outer_join = _unsupported("full_outer_join", "joins are not implemented in the engine yet")
    join_lateral = _unsupported("join_lateral", "table functions are not implemented in the engine yet")
    left_outer_join_lateral = _unsupported("left_outer_join_lateral", "table functions are not implemented in the engine yet")
    minus = _unsupported("minus", "EXCEPT is not implemented in the engine yet")
    minus_all = _unsupported("minus_all", "EXCEPT ALL is not implemented in the engine yet")
    intersect = _unsupported("intersect", "INTERSECT is not implemented in the engine yet")
    intersect_all = _unsupported("intersect_all", "INTERSECT ALL is not implemented in the engine yet")
    window = _unsupported("window", "group windows (TUMBLE, HOP, SESSION) are not implemented in the engine yet")
    over_window = _unsupported("over_window", "OVER windows are not implemented in the engine yet")
    map = _unsupported("map", "row-based map operations are not implemented yet; use select with a udf")
    flat_map = _unsupported("flat_map", "table functions are not implemented in the engine yet")
    aggregate = _unsupported("aggregate", "aggregate functions in Python are not implemented yet")
    flat_aggregate = _unsupported("flat_aggregate", "table aggregate functions are not implemented yet")

    def get_schema(self) -> "TableSchema":
        from sluice.table.table_result import TableSchema
        kv = _native.call("table.schema", self._h.id)
        return TableSchema(kv[0::2], kv[1::2])

    def print_schema(self) -> None:
        print(self.get_schema())

    def explain(self, *extra_details: Any) -> str:
        return _native.call("table.explain", self._h.id)

    def execute(self) -> "TableResult":
        """The query's result: ``collect()`` iterates over rows as the job
        produces them (an unbounded query runs until the iterator is
        closed); ``print()`` and ``to_pandas()`` wait for the end."""
        from sluice.table.table_result import TableResult
        return TableResult(table=self)

    def to_pandas(self) -> Any:
        return self.execute()._to_pandas()

    def insert_into(self, table_path: str) -> None:
        """Flink 1.10: the INSERT runs at ``t_env.execute``."""
        self._env._pending.append(("table", (self, table_path)))

    def execute_insert(self, table_path: str, overwrite: bool = False) -> "TableResult":
        from sluice.table.table_result import TableResult
        if overwrite:
            raise NotImplementedError("execute_insert(overwrite=True): INSERT OVERWRITE is not supported yet")
        return TableResult(job=_native.Handle(_native.call("table.submit_insert", self._h.id, table_path)))

    def __str__(self) -> str:
        return "Table(%s)" % ", ".join(self.get_schema().get_field_names())


class GroupedTable:
    def __init__(self, h: "_native.Handle", env: Any) -> None:
        self._h = h
        self._env = env

    def select(self, *fields: Any) -> Table:
        return Table(_native.Handle(_native.call("table.op", self._h.id, "grouped.select", *_args(self._env, fields))), self._env)

    def aggregate(self, func: Any) -> Any:
        raise NotImplementedError("GroupedTable.aggregate is not supported by Sluice: Python aggregate functions are not implemented yet")

    def flat_aggregate(self, func: Any) -> Any:
        raise NotImplementedError("GroupedTable.flat_aggregate is not supported by Sluice: table aggregate functions are not implemented yet")
