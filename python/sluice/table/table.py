"""``Table``: PyFlink's Table API operations, with string expressions or
the expression DSL."""
from __future__ import annotations

import itertools
from typing import Any, List, Optional, Tuple

from sluice import _native
from sluice.table.expression import Expression, _quote_ident

__all__ = ["Table", "GroupedTable", "GroupWindowedTable", "WindowGroupedTable", "OverWindowedTable", "ResolvedSchema"]

# Names str(table) registers tables under, as Flink's TableImpl.toString
# (one counter per process).
_unnamed = itertools.count()


def _resolve_columns(names: List[str], selectors: List[Any]) -> List[str]:
    """The columns with_columns-style selectors pick, in table order for
    ranges and in the given order otherwise."""
    out: List[str] = []

    def index_of(x: Any) -> int:
        if isinstance(x, int):
            if not 1 <= x <= len(names):
                raise ValueError("column position %d is out of range 1..%d" % (x, len(names)))
            return x - 1
        if x not in names:
            raise ValueError("The current table has no column named '%s', available columns: [%s]" % (x, ", ".join(names)))
        return names.index(x)

    for sel in selectors:
        kind = sel[0]
        if kind == "range":
            lo, hi = index_of(sel[1]), index_of(sel[2])
            out.extend(names[lo:hi + 1])
        elif kind == "index":
            out.append(names[index_of(sel[1])])
        elif kind == "name":
            out.append(names[index_of(sel[1])])
        else:  # an expression: a column reference
            e = sel[1]
            name = e._sql.strip("`").replace("``", "`") if e._sql.startswith("`") else e._sql
            out.append(names[index_of(name)])
    return out


def _table_function_call(table: Any, call: Any) -> Tuple[str, List[str]]:
    """The SQL of a table function call expression and its alias names."""
    if not isinstance(call, Expression):
        raise TypeError("a table function call expression is expected (split(col('a')).alias('x', 'y')), got %s"
                        % type(call).__name__)
    from sluice.table.udf import UserDefinedTableFunctionWrapper
    if not call._udfs or not isinstance(call._udfs[0], UserDefinedTableFunctionWrapper):
        raise ValueError("Only table function calls may join laterally: %s" % call)
    unsupported = call._unsupported
    if unsupported and not unsupported.startswith("alias with several names"):
        raise NotImplementedError(unsupported)
    table._env._ensure_functions(call._udfs)
    names = [call._alias] + list(getattr(call, "_extra_names", [])) if call._alias else []
    if not names and call._udfs[0]._alias_names:
        names = list(call._udfs[0]._alias_names)
    return call._sql, names


def _predicate_sql(table: Any, predicate: Any) -> str:
    if isinstance(predicate, Expression):
        table._env._ensure_functions(predicate._udfs)
        return predicate._sql
    raise TypeError("a join predicate is an Expression, got %s" % type(predicate).__name__)


def _args(table: Any, fields: Any, context: str = "") -> List[Any]:
    """The engine's arguments for Table API fields: string expressions as
    they are, DSL expressions as (sql, alias, order), with_columns and
    without_columns expanded against the table's columns. context is
    "window" or "over" in the select of a windowed table (see
    Expression._item)."""
    env = table._env if table is not None else None
    out: List[Any] = []
    for f in fields:
        if isinstance(f, Expression):
            if f._names and f._names[0][0] == "flatten":
                out.extend(_flatten_items(table, f._names[0][1]))
                continue
            if f._names and f._names[0][0] in ("with", "without"):
                kind, selectors = f._names[0]
                names = table._columns() if table is not None else []
                picked = _resolve_columns(names, selectors)
                if kind == "without":
                    picked = [n for n in names if n not in picked]
                out.extend((_quote_ident(n), "", "") for n in picked)
                continue
            if env is not None:
                env._ensure_functions(f._udfs)
            item = f._item(context)
            # col('*') / with_all_columns(): the string expression grammar
            # reads a star; the SQL expression grammar does not.
            out.append("*" if item == ("*", "", "") else item)
        elif isinstance(f, str):
            out.append(f)
        else:
            raise TypeError("expected a string expression or an Expression (col('a'), ...), got %s" % type(f).__name__)
    return out


def _flatten_items(table: Any, base: Expression, prefix: Optional[str] = None) -> List[Any]:
    """Select items of the fields of base's ROW value, named prefix$field
    (prefix: the column's name, else EXPR$0) or, with prefix "", the field
    names; a value of another type is itself."""
    from sluice.table.types import RowType, _parse_type
    if not isinstance(table, Table):
        raise ValueError("flatten needs the table it applies to")
    table._env._ensure_functions(base._udfs)
    probe = table._op("select", base._item())
    (name,), (type_text,) = probe.get_schema().get_field_names(), probe.get_schema().get_field_data_types()
    dt = _parse_type(str(type_text))
    if not isinstance(dt, RowType):
        return [base._item()]
    if prefix is None:
        prefix = base._sql.strip("`") if base._sql.startswith("`") and base._sql.endswith("`") else name
    return [("(%s).%s" % (base._sql, _quote_ident(f.name)), ("%s$%s" % (prefix, f.name)) if prefix else f.name, "")
            for f in dt.fields]


def _unsupported(name: str, why: str = "the engine has no operator for it yet") -> Any:
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("Table.%s is not supported by Sluice: %s" % (name, why))
    method.__name__ = name
    return method


class ResolvedSchema:
    """A table's columns with their DataTypes, as PyFlink's
    ``get_resolved_schema()``; ``str()`` is Flink's ``(`a` BIGINT, ...)``."""

    def __init__(self, names: List[str], type_texts: List[str]) -> None:
        self._names = list(names)
        self._texts = list(type_texts)

    def get_column_names(self) -> List[str]:
        return list(self._names)

    def get_column_data_types(self) -> List[Any]:
        from sluice.table.types import _parse_type
        return [_parse_type(t) for t in self._texts]

    def get_column_count(self) -> int:
        return len(self._names)

    def __str__(self) -> str:
        return "(\n" + ",\n".join("  %s %s" % (_quote_ident(n), t) for n, t in zip(self._names, self._texts)) + "\n)"

    __repr__ = __str__


_TABLE_FIELDS = frozenset(("_h", "_env", "_name", "_sort", "_column_names"))


class Table:
    def __init__(self, h: "_native.Handle", env: Any) -> None:
        self._h = h
        self._env = env
        self._name: Optional[str] = None  # the view str() registered
        # (input, order fields, fetch, offset) of a table made by order_by,
        # offset or fetch: a following offset/fetch/limit makes one sort of
        # the same input, as Flink merges them (fetch -1: none yet).
        self._sort: Optional[Tuple["Table", List[Any], int, int]] = None
        self._column_names: Optional[List[str]] = None  # a table's columns never change

    def _columns(self) -> List[str]:
        if self._column_names is None:
            self._column_names = self.get_schema().get_field_names()
        return self._column_names

    def _op(self, op: str, *args: Any) -> "Table":
        return Table(_native.Handle(_native.call("table.op", self._h.id, op, *args)), self._env)

    # -- columns ----------------------------------------------------------
    def __getattr__(self, name: str) -> Expression:
        """A column as an expression: ``tab.word``. Methods win over
        columns of the same name (use ``tab['count']`` or col('count'))."""
        # from_elements names columns _1, _2, ...: t._1 is a column, as in
        # PyFlink. Dunders and the Table's own fields (missing while an
        # instance is being built or copied) are not.
        if name.startswith("__") or name in _TABLE_FIELDS:
            raise AttributeError(name)
        names = self._columns()
        if name not in names:
            raise AttributeError("The current table has no column named '%s', available columns: [%s]"
                                 % (name, ", ".join(names)))
        from sluice.table.expressions import col
        return col(name)

    def __getitem__(self, name: str) -> Expression:
        try:
            return self.__getattr__(name)
        except AttributeError as e:
            raise KeyError(str(e)) from None

    def __str__(self) -> str:
        """The name of a temporary view of this table, registered on first
        use, so that ``"SELECT * FROM %s" % table`` works as in PyFlink."""
        if self._name is None:
            name = "UnnamedTable$%d" % next(_unnamed)
            _native.call("env.create_view", self._env._h.id, name, self._h.id)
            self._name = name
        return self._name

    # -- relational operations -------------------------------------------
    def select(self, *fields: Any) -> "Table":
        return self._op("select", *_args(self, fields))

    def alias(self, field: Any, *fields: Any) -> "Table":
        def name(f: Any) -> str:
            if isinstance(f, Expression):
                return f._sql.strip("`") if f._sql.startswith("`") else f._text
            return str(f)
        names = [name(field)] + [name(f) for f in fields]
        if len(names) == 1 and "," in names[0]:
            names = [n.strip() for n in names[0].split(",")]
        return self._op("alias", *[n.strip("`") for n in names])

    def filter(self, predicate: Any) -> "Table":
        return self._op("filter", *_args(self, [predicate]))

    def where(self, predicate: Any) -> "Table":
        return self.filter(predicate)

    def group_by(self, *fields: Any) -> "GroupedTable":
        h = _native.Handle(_native.call("table.op", self._h.id, "group_by", *_args(self, fields)))
        return GroupedTable(h, self._env, self)

    def distinct(self) -> "Table":
        return self._op("distinct")

    def union(self, right: "Table") -> "Table":
        return self._op("union", right._h.id)

    def union_all(self, right: "Table") -> "Table":
        return self._op("union_all", right._h.id)

    def minus(self, right: "Table") -> "Table":
        """The rows of this table not in ``right``, each once (SQL EXCEPT)."""
        return self._op("minus", right._h.id)

    def minus_all(self, right: "Table") -> "Table":
        """SQL EXCEPT ALL: a row present m times here and n times in
        ``right`` is returned max(m - n, 0) times."""
        return self._op("minus_all", right._h.id)

    def intersect(self, right: "Table") -> "Table":
        """The rows in both tables, each once (SQL INTERSECT)."""
        return self._op("intersect", right._h.id)

    def intersect_all(self, right: "Table") -> "Table":
        """SQL INTERSECT ALL: a row present m times here and n times in
        ``right`` is returned min(m, n) times."""
        return self._op("intersect_all", right._h.id)

    def add_columns(self, *fields: Any) -> "Table":
        return self._op("add_columns", *_args(self, fields))

    def add_or_replace_columns(self, *fields: Any) -> "Table":
        return self._op("add_or_replace_columns", *_args(self, fields))

    def drop_columns(self, *fields: Any) -> "Table":
        names: List[str] = []
        for f in _args(self, fields):
            text = f[0] if isinstance(f, tuple) else f
            names += [n.strip().strip("`") for n in text.split(",")]
        return self._op("drop_columns", *names)

    def rename_columns(self, *fields: Any) -> "Table":
        return self._op("rename_columns", *_args(self, fields))

    def _sorted(self, fields: List[Any], fetch: int, offset: int) -> "Table":
        t = Table(_native.Handle(_native.call("table.sort", self._h.id, fetch, offset, *fields)), self._env)
        t._sort = (self, fields, fetch, offset)
        return t

    def _then_sort(self, fetch: int, offset: int) -> "Table":
        """fetch/offset after order_by (or offset): one sort with them."""
        if self._sort is not None and self._sort[2] < 0:
            base, fields, _, offset0 = self._sort
            return base._sorted(fields, fetch, offset0 + offset)
        return self._sorted([], fetch, offset)

    def order_by(self, *fields: Any) -> "Table":
        return self._sorted(_args(self, fields), -1, 0)

    def limit(self, fetch: int, offset: int = 0) -> "Table":
        return self._then_sort(int(fetch), int(offset))

    def offset(self, offset: int) -> "Table":
        """Skips the first rows (of an ordered table, as in Flink)."""
        return self._then_sort(-1, int(offset))

    def fetch(self, fetch: int) -> "Table":
        """Keeps the first rows (after an offset, the rows after it)."""
        return self._then_sort(int(fetch), 0)

    def _join(self, op: str, right: "Table", predicate: Any) -> "Table":
        if not isinstance(right, Table):
            raise TypeError("%s takes a Table, got %s" % (op, type(right).__name__))
        args: List[Any] = [] if predicate is None else _args(self, [predicate])
        return self._op(op, right._h.id, *args)

    def join(self, right: "Table", join_predicate: Any = None) -> "Table":
        """Inner join with ``right``, whose column names must differ from
        this table's. Without ``join_predicate`` a later ``where`` gives
        the condition: ``left.join(right).where(left.a == right.d)``."""
        return self._join("join", right, join_predicate)

    def left_outer_join(self, right: "Table", join_predicate: Any = None) -> "Table":
        """Every row of this table, with ``right``'s matching rows or NULLs."""
        return self._join("left_outer_join", right, join_predicate)

    def right_outer_join(self, right: "Table", join_predicate: Any) -> "Table":
        """Every row of ``right``, with this table's matching rows or NULLs."""
        return self._join("right_outer_join", right, join_predicate)

    def full_outer_join(self, right: "Table", join_predicate: Any) -> "Table":
        """Every row of both tables, matched where ``join_predicate`` holds."""
        return self._join("full_outer_join", right, join_predicate)
    def join_lateral(self, table_function_call: Any, join_predicate: Any = None) -> "Table":
        """Joins each row with the rows a table function yields for it:
        ``t.join_lateral(split(t.a).alias('x', 'y'))``."""
        return self._lateral("", table_function_call, join_predicate)

    def left_outer_join_lateral(self, table_function_call: Any, join_predicate: Any = None) -> "Table":
        """As join_lateral, keeping a row without output rows once, with
        NULLs in the function's columns."""
        return self._lateral("LEFT", table_function_call, join_predicate)

    def _lateral(self, kind: str, call: Any, predicate: Any) -> "Table":
        # The correlate is LATERAL TABLE over this table's view: the same
        # plan SQL gets (planner/lateral.go).
        fn_sql, names = _table_function_call(self, call)
        columns = "(%s)" % ", ".join(_quote_ident(n) for n in names) if names else ""
        q = "SELECT * FROM %s" % _quote_ident(str(self))
        if kind == "LEFT":
            cond = "TRUE" if predicate is None else _predicate_sql(self, predicate)
            q += " LEFT JOIN LATERAL TABLE(%s) AS `$T`%s ON %s" % (fn_sql, columns, cond)
        else:
            q += " CROSS JOIN LATERAL TABLE(%s) AS `$T`%s" % (fn_sql, columns)
            if predicate is not None:
                q += " WHERE %s" % _predicate_sql(self, predicate)
        return self._env.sql_query(q)
    def window(self, window: Any) -> Any:
        """Groups rows into a group window (Tumble, Slide, Session);
        group_by must name the window's alias. An over window (PyFlink
        1.10's form of over_window) gives an OverWindowedTable."""
        from sluice.table.window import OverWindow, _group_window
        if isinstance(window, OverWindow):
            return OverWindowedTable(self, [window])
        return GroupWindowedTable(self, _group_window(window))

    def over_window(self, *over_windows: Any) -> "OverWindowedTable":
        """Defines over windows; select's aggregates run over them
        (col('v').sum.over(col('w')), "v.sum over w")."""
        from sluice.table.window import _over_window
        return OverWindowedTable(self, [_over_window(w) for w in over_windows])
    def flat_map(self, func: Any) -> "Table":
        """A row-based flat map with a table function: its rows, without
        this table's columns (f0, f1, ... or the call's alias names)."""
        if not isinstance(func, Expression):
            func = _row_input_udtf(func, self._columns())(*[_col(n) for n in self._columns()])
        joined = self._lateral("", func, None)
        n = len(self._columns())
        return joined.select(*[_col(c) for c in joined._columns()[n:]])
    def aggregate(self, func: Any) -> Any:
        """A row-based aggregate over the whole table: the fields of the
        aggregate's ROW value become columns; then select."""
        from sluice.table._table_agg import _apply
        return _apply(self, self._h.id, "aggregate", func, False)

    def flat_aggregate(self, func: Any) -> Any:
        """A table aggregate (udtaf) over the whole table: its rows; then
        select."""
        from sluice.table._table_agg import _apply
        return _apply(self, self._h.id, "flat_aggregate", func, True)

    to_changelog = _unsupported("to_changelog", "changelog conversion (Flink's TO_CHANGELOG process table function) is not implemented in the engine yet")
    from_changelog = _unsupported("from_changelog", "changelog conversion (Flink's FROM_CHANGELOG process table function) is not implemented in the engine yet")

    def map(self, func: Any) -> "Table":
        """A row-based map with a scalar function, as PyFlink's: a call
        expression, or a udf that receives each row whole (a Row of every
        column; a pandas udf a DataFrame, an arrow udf a RecordBatch). A ROW result becomes the columns
        of the new table, another result the column _c0."""
        if isinstance(func, Expression):
            call = func
        else:
            call = _row_input_udf(func, self._columns())(*[_col(n) for n in self._columns()])
        items = _flatten_items(self, call, prefix="")
        if len(items) == 1 and items[0][0] == call._sql:
            items = [(call._sql, "_c0", "")]
        return self._op("select", *items)

    # -- schema -----------------------------------------------------------
    def get_schema(self) -> "TableSchema":
        from sluice.table.table_result import TableSchema
        kv = _native.call("table.schema", self._h.id)
        return TableSchema(kv[0::2], kv[1::2])

    def get_resolved_schema(self) -> ResolvedSchema:
        kv = _native.call("table.schema", self._h.id)
        return ResolvedSchema(kv[0::2], kv[1::2])

    def print_schema(self) -> None:
        """Prints the resolved schema, as PyFlink 1.15+ does."""
        print(self.get_resolved_schema())

    def explain(self, *extra_details: Any) -> str:
        """The plan in Flink's sections (see TableEnvironment.explain_sql)."""
        from sluice.table.explain_detail import detail_names
        return _native.call("table.explain", self._h.id, *detail_names(extra_details))

    def print_explain(self, *extra_details: Any) -> None:
        print(self.explain(*extra_details))

    # -- execution --------------------------------------------------------
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

    def execute_insert(self, table_path_or_descriptor: Any, overwrite: bool = False) -> "TableResult":
        from sluice.table.table_result import TableResult
        if not isinstance(table_path_or_descriptor, str):
            # A TableDescriptor: an anonymous table, with this table's
            # schema when the descriptor has none (as Flink's).
            table_path_or_descriptor = self._env._anonymous_table(table_path_or_descriptor, schema_of=self)
        if overwrite:
            # INSERT OVERWRITE through SQL over this table's view.
            return self._env.execute_sql("INSERT OVERWRITE %s SELECT * FROM %s" % (table_path_or_descriptor, _quote_ident(str(self))))
        return TableResult(job=_native.Handle(_native.call("table.submit_insert", self._h.id, table_path_or_descriptor)))


def _col(name: str) -> Expression:
    from sluice.table.expressions import col
    return col(name)


def _row_input_udf(func: Any, names: List[str]) -> Any:
    """func as a udf of the columns one by one that hands them to func as
    one Row (a DataFrame for a pandas udf, a pyarrow RecordBatch for an
    arrow udf), as PyFlink's map does."""
    from sluice.common import Row
    from sluice.table.udf import udf
    if not hasattr(func, "_sluice_callable"):
        raise TypeError("map takes a udf or a call expression, not %r" % (func,))
    if getattr(func, "_sluice_func_type", "general") == "pandas":
        def frame(*series: Any) -> Any:
            import pandas as pd
            return func._sluice_callable(pd.concat(list(series), axis=1, keys=names))
        return udf(frame, result_type=func._result_type, func_type="pandas", name=func._sluice_name,
                   deterministic=func._sluice_deterministic)
    if getattr(func, "_sluice_func_type", "general") == "arrow":
        # The Arrow analog of the DataFrame: one RecordBatch of the columns.
        def batch(*arrays: Any) -> Any:
            import pyarrow as pa
            return func._sluice_callable(pa.RecordBatch.from_arrays(list(arrays), names=names))
        return udf(batch, result_type=func._result_type, func_type="arrow", name=func._sluice_name,
                   deterministic=func._sluice_deterministic)
    if getattr(func, "_sluice_func_type", "general") == "async":
        # Awaits the async function on the row, with its concurrency.
        async def async_whole_row(*values: Any) -> Any:
            return await func._sluice_callable(Row(**dict(zip(names, values))))
        return udf(async_whole_row, result_type=func._result_type, name=func._sluice_name,
                   deterministic=func._sluice_deterministic, concurrency=func._sluice_concurrency)

    def whole_row(*values: Any) -> Any:
        return func._sluice_callable(Row(**dict(zip(names, values))))
    return udf(whole_row, result_type=func._result_type, name=func._sluice_name, deterministic=func._sluice_deterministic)


def _row_input_udtf(func: Any, names: List[str]) -> Any:
    """A table function of the columns one by one that hands them to func
    as one Row, as PyFlink's flat_map does with a bare udtf."""
    from sluice.common import Row
    from sluice.table.udf import UserDefinedTableFunctionWrapper, udtf
    if not isinstance(func, UserDefinedTableFunctionWrapper):
        raise TypeError("flat_map takes a udtf or a table function call expression, not %r" % (func,))

    def whole_row(*values: Any) -> Any:
        return func._sluice_callable(Row(**dict(zip(names, values))))
    f = udtf(whole_row, result_types=func._result_types, name=func._sluice_name,
             deterministic=func._sluice_deterministic)
    f._alias_names = func._alias_names
    return f


class GroupedTable:
    def __init__(self, h: "_native.Handle", env: Any, table: Optional[Table] = None) -> None:
        self._h = h
        self._env = env
        self._table = table  # the grouped table, for with_columns

    def select(self, *fields: Any) -> Table:
        args = _args(self._table, fields) if self._table is not None else _args(_EnvOnly(self._env), fields)
        return Table(_native.Handle(_native.call("table.op", self._h.id, "grouped.select", *args)), self._env)

    def aggregate(self, func: Any) -> Any:
        """A row-based aggregate per group: the keys, then the fields of
        the aggregate's ROW value as columns; then select."""
        from sluice.table._table_agg import _apply
        return _apply(self._table, self._h.id, "grouped.aggregate", func, False)

    def flat_aggregate(self, func: Any) -> Any:
        """A table aggregate (udtaf) per group: the keys next to each row
        it emits; then select."""
        from sluice.table._table_agg import _apply
        return _apply(self._table, self._h.id, "grouped.flat_aggregate", func, True)


class _EnvOnly:
    def __init__(self, env: Any) -> None:
        self._env = env

    def _columns(self) -> List[str]:
        raise ValueError("with_columns needs the grouped table")


class GroupWindowedTable:
    """A table with a group window, waiting for group_by."""

    def __init__(self, table: Table, window: Any) -> None:
        self._table = table
        self._window = window

    def group_by(self, *fields: Any) -> "WindowGroupedTable":
        """Groups by the window's alias and, optionally, keys: exactly one
        field is the window alias (col('w') or "w, k")."""
        t = self._table
        h = _native.Handle(_native.call("table.op", t._h.id, "window.group_by", *self._window._engine_args(),
                                        *_args(t, fields)))
        return WindowGroupedTable(h, t)


class WindowGroupedTable:
    """A windowed table grouped by its window and keys."""

    def __init__(self, h: "_native.Handle", table: Table) -> None:
        self._h = h
        self._table = table

    def select(self, *fields: Any) -> Table:
        """Keys, aggregates and the window's properties (col('w').start,
        "w.end") per window and key."""
        args = _args(self._table, fields, "window")
        return Table(_native.Handle(_native.call("table.op", self._h.id, "window_grouped.select", *args)), self._table._env)

    def aggregate(self, func: Any) -> Any:
        """A row-based aggregate per window and keys: select then reads
        the keys and the fields of the aggregate's ROW value."""
        from sluice.table._table_agg import _window_aggregate
        return _window_aggregate(self, func)

    def flat_aggregate(self, func: Any) -> Any:
        raise NotImplementedError("WindowGroupedTable.flat_aggregate is not supported: Flink runs no table "
                                  "aggregate over a group window (PyFlink 2.3 has no such method)")


class OverWindowedTable:
    """A table with over windows, waiting for select."""

    def __init__(self, table: Table, windows: List[Any]) -> None:
        self._table = table
        self._windows = windows

    def select(self, *fields: Any) -> Table:
        """Columns and aggregates over a window: col('v').sum.over(col('w'))
        or "v.sum over w"."""
        t = self._table
        spec: List[Any] = [len(self._windows)]
        for w in self._windows:
            spec.extend(w._engine_args())
        args = _args(t, fields, "over")
        return Table(_native.Handle(_native.call("table.op", t._h.id, "over_window.select", *spec, *args)), t._env)
