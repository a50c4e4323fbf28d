"""Table aggregate functions (``udtaf``) and the row-based aggregate
operations: ``flat_aggregate`` and ``aggregate`` of GroupedTable and Table.

A table aggregate runs as an aggregate function whose value is
``ROW<version BIGINT, rows ARRAY<ROW<...>>>``: ``rows`` is the list of rows
``emit_value`` yields, ``version`` counts the rows applied to the
accumulator. The engine's group aggregate drops a result equal to the
previous one; Flink's table aggregate retracts and re-emits a key's rows
whenever a bundle touched the key, even unchanged, and the version makes
every touched key's value differ. The Go Table API unnests ``rows`` and
turns the aggregate's -U/+U into -D/+I per emitted row
(table/table_agg.go, planner/tableagg.go), as PyFlink's
GroupTableAggFunction emits.

``aggregate`` is a group aggregate whose ROW value is flattened into
columns (``TMP_0$field``, or the call's alias names).
"""
from __future__ import annotations

from typing import Any, Callable, List, Optional, Sequence

from sluice import _native
from sluice.table.types import DataType, RowType, _parse_type, _type_sql
from sluice.table.udf import (AggregateFunction, TableAggregateFunction, UserDefinedAggregateFunctionWrapper,
                              UserDefinedScalarFunctionWrapper)

__all__ = ["UserDefinedTableAggregateFunctionWrapper", "AggregatedTable", "FlatAggregateTable", "WindowAggregatedTable"]


def _as_fields(x: Any, width: int) -> tuple:
    """One emitted row as a tuple of its fields, as PyFlink's
    _convert_to_row takes it: a Row's values, a tuple's items, else the
    value itself as the one field."""
    if hasattr(x, "get_fields_by_names"):
        return tuple(x)
    if isinstance(x, tuple):
        return x
    if isinstance(x, list) and width > 1:
        return tuple(x)
    return (x,)


class _EmitAsList(AggregateFunction):
    """A TableAggregateFunction as an AggregateFunction: the accumulator is
    [user accumulator, version], the value (version, emitted rows)."""

    def __init__(self, taf: TableAggregateFunction, width: int,
                 row_of: Optional[Callable[..., Any]] = None) -> None:
        self._taf = taf
        self._width = width
        self._row_of = row_of  # a bare udtaf gets each row as one Row

    def open(self, function_context: Any) -> None:
        self._taf.open(function_context)

    def close(self) -> None:
        self._taf.close()

    def is_deterministic(self) -> bool:
        return self._taf.is_deterministic()

    def create_accumulator(self) -> Any:
        return [self._taf.create_accumulator(), 0]

    def accumulate(self, accumulator: Any, *args: Any) -> None:
        if self._row_of is not None:
            args = (self._row_of(*args),)
        self._taf.accumulate(accumulator[0], *args)
        accumulator[1] += 1

    def retract(self, accumulator: Any, *args: Any) -> None:
        if self._row_of is not None:
            args = (self._row_of(*args),)
        self._taf.retract(accumulator[0], *args)
        accumulator[1] += 1

    def merge(self, accumulator: Any, accumulators: Any) -> None:
        self._taf.merge(accumulator[0], [a[0] for a in accumulators])
        accumulator[1] += sum(a[1] for a in accumulators)

    def get_value(self, accumulator: Any) -> Any:
        rows = self._taf.emit_value(accumulator[0])
        out = [] if rows is None else [_as_fields(r, self._width) for r in rows]
        return (accumulator[1], out)


class _RowInput(AggregateFunction):
    """An AggregateFunction called with every column of the table as one
    Row, as PyFlink's aggregate does with a udaf that is not a call."""

    def __init__(self, agg: AggregateFunction, row_of: Callable[..., Any]) -> None:
        self._agg = agg
        self._row_of = row_of

    def open(self, function_context: Any) -> None:
        self._agg.open(function_context)

    def close(self) -> None:
        self._agg.close()

    def is_deterministic(self) -> bool:
        return self._agg.is_deterministic()

    def create_accumulator(self) -> Any:
        return self._agg.create_accumulator()

    def accumulate(self, accumulator: Any, *args: Any) -> None:
        self._agg.accumulate(accumulator, self._row_of(*args))

    def retract(self, accumulator: Any, *args: Any) -> None:
        self._agg.retract(accumulator, self._row_of(*args))

    def merge(self, accumulator: Any, accumulators: Any) -> None:
        self._agg.merge(accumulator, accumulators)

    def get_value(self, accumulator: Any) -> Any:
        return self._agg.get_value(accumulator)


def _row_maker(names: Sequence[str]) -> Callable[..., Any]:
    from sluice.common import Row
    names = list(names)

    def row_of(*values: Any) -> Any:
        return Row(**dict(zip(names, values)))
    return row_of


def _emitted_fields(result_type: Any) -> List[str]:
    """The column names of the rows a table aggregate emits: a ROW's
    fields, else f0."""
    dt = _parse_type(_type_sql(result_type))
    if isinstance(dt, RowType):
        return [f.name for f in dt.fields]
    return ["f0"]


class UserDefinedTableAggregateFunctionWrapper(UserDefinedAggregateFunctionWrapper):
    """What ``udtaf`` returns: called with column expressions it is a table
    aggregate call for flat_aggregate (``top2(t.a).alias('v', 'rank')``)."""

    def __init__(self, func: Any, input_types: Any, result_type: Any, accumulator_type: Any,
                 deterministic: Optional[bool], name: Optional[str], row_input: Optional[Sequence[str]] = None) -> None:
        if not isinstance(func, TableAggregateFunction):
            raise TypeError("Invalid function: udtaf takes a TableAggregateFunction instance, got {0}"
                            .format(type(func)))
        # PyFlink's order of checks (UserDefinedAggregateFunctionWrapper).
        if accumulator_type is None:
            accumulator_type = func.get_accumulator_type()
        if result_type is None:
            result_type = func.get_result_type()
        if not isinstance(result_type, (DataType, str)):
            raise TypeError("Invalid returnType: returnType should be DataType or str but is {}".format(result_type))
        if accumulator_type is not None and not isinstance(accumulator_type, (DataType, str)):
            raise TypeError("Invalid accumulator_type: accumulator_type should be DataType or str but is {}"
                            .format(accumulator_type))
        if isinstance(result_type, DataType) != isinstance(accumulator_type, DataType):
            raise TypeError("result_type and accumulator_type should be DataType or str at the same time.")
        dt = _parse_type(_type_sql(result_type))
        row_type = _type_sql(result_type) if isinstance(dt, RowType) else "ROW<`f0` %s>" % _type_sql(result_type)
        self._emitted = _emitted_fields(result_type)
        row_of = _row_maker(row_input) if row_input is not None else None
        adapter = _EmitAsList(func, len(self._emitted), row_of)
        super().__init__(adapter, input_types, "ROW<`version` BIGINT NOT NULL, `rows` ARRAY<%s>>" % row_type,
                         "ROW<`acc` BYTES, `version` BIGINT>", "general", deterministic, name or type(func).__name__)
        self._sluice_func_type = "table_aggregate"  # only flat_aggregate calls it
        self._table_func = func
        self._table_result_type = result_type
        self._table_accumulator_type = accumulator_type
        self._table_input_types = input_types

    def _row_input(self, names: Sequence[str]) -> "UserDefinedTableAggregateFunctionWrapper":
        """This function taking every column (names) as one Row: PyFlink's
        flat_aggregate of a udtaf that is not a call."""
        w = UserDefinedTableAggregateFunctionWrapper(self._table_func, None, self._table_result_type,
                                                     self._table_accumulator_type, self._sluice_deterministic,
                                                     self._name, row_input=names)
        w._alias_names = self._alias_names
        return w

    def __repr__(self) -> str:
        return "<udtaf %s -> %s>" % (self._name, _type_sql(self._table_result_type))


def _row_input_udaf(w: UserDefinedAggregateFunctionWrapper, names: Sequence[str]) -> UserDefinedAggregateFunctionWrapper:
    """A general udaf taking every column as one Row, as PyFlink's
    aggregate does with a udaf that is not a call."""
    if w._func_type == "pandas":
        # The pandas form: one DataFrame of the columns, as PyFlink hands it.
        f = w._func
        cols = list(names)

        def frame(*series: Any) -> Any:
            import pandas as pd
            return f(pd.concat(list(series), axis=1, keys=cols))
        out = UserDefinedAggregateFunctionWrapper(frame, None, w._result_type, None, "pandas",
                                                  w._sluice_deterministic, w._name)
        out._alias_names = w._alias_names
        return out
    out = UserDefinedAggregateFunctionWrapper(_RowInput(w._func, _row_maker(names)), None, w._result_type,
                                              w._accumulator_type, "general", w._sluice_deterministic, w._name)
    out._alias_names = w._alias_names
    return out


def _call_and_names(table: Any, func: Any, flat: bool) -> tuple:
    """The SQL of the aggregate call of aggregate/flat_aggregate and its
    alias names, with PyFlink's errors for what is no such call."""
    from sluice.table.expression import Expression
    from sluice.table.table import _col
    names = table._columns()
    if isinstance(func, UserDefinedTableAggregateFunctionWrapper):
        if not flat:
            raise ValueError("Aggregate function expected. Got: %s(%s)" % (func._name, ", ".join(names)))
        func = func._row_input(names)(*[_col(n) for n in names])
    elif isinstance(func, UserDefinedAggregateFunctionWrapper):
        if flat:
            raise ValueError(_NOT_TABLE_AGG)
        func = _row_input_udaf(func, names)(*[_col(n) for n in names])
    elif not isinstance(func, Expression):
        if flat:
            raise ValueError(_NOT_TABLE_AGG)
        raise TypeError("aggregate takes an aggregate function call expression (f(t.a).alias('x', 'y')), got %s"
                        % type(func).__name__)
    udf0 = func._udfs[0] if func._udfs else None
    is_table_agg = isinstance(udf0, UserDefinedTableAggregateFunctionWrapper) and func._sql.startswith(
        "`" + udf0._sluice_ref.replace("`", "``") + "`(")
    if flat and not is_table_agg:
        raise ValueError(_NOT_TABLE_AGG)
    if not flat:
        if is_table_agg or (isinstance(udf0, UserDefinedScalarFunctionWrapper)
                            and not isinstance(udf0, UserDefinedAggregateFunctionWrapper)
                            and func._sql.startswith("`" + udf0._sluice_ref.replace("`", "``") + "`(")):
            raise ValueError("Aggregate function expected. Got: %s" % func._text)
    unsupported = func._unsupported
    if unsupported and not unsupported.startswith("alias with several names"):
        raise NotImplementedError(unsupported)
    table._env._ensure_functions(func._udfs)
    alias = [func._alias] + list(getattr(func, "_extra_names", [])) if func._alias else []
    if not alias and udf0 is not None and udf0._alias_names:
        alias = list(udf0._alias_names)
    if alias and isinstance(udf0, UserDefinedAggregateFunctionWrapper):
        # Flink names a table aggregate by its name, an aggregate by its call.
        width = len(udf0._emitted) if is_table_agg else _width(udf0._result_type)
        if len(alias) != width:
            raise ValueError("List of column aliases must have same degree as table; the returned table of "
                             "function '%s' has %d columns, whereas alias list has %d columns"
                             % (udf0._name if is_table_agg else func._text, width, len(alias)))
    return func._sql, alias


def _width(result_type: Any) -> int:
    dt = _parse_type(_type_sql(result_type))
    return len(dt.fields) if isinstance(dt, RowType) else 1


_NOT_TABLE_AGG = ("A flatAggregate only accepts an expression which defines a table aggregate function "
                  "that might be followed by some alias.")


class AggregatedTable:
    """The result of aggregate: the keys and the aggregate's fields, which
    only select reads (as PyFlink's AggregatedTable)."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def select(self, *fields: Any) -> Any:
        return self._table.select(*fields)


class FlatAggregateTable:
    """The result of flat_aggregate: the keys and the emitted rows'
    columns, which only select reads (as PyFlink's FlatAggregateTable)."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def select(self, *fields: Any) -> Any:
        return self._table.select(*fields)


def _apply(table: Any, handle_id: int, op: str, func: Any, flat: bool) -> Any:
    """Runs the engine's op (grouped.aggregate, grouped.flat_aggregate,
    aggregate, flat_aggregate) on handle_id for the call func."""
    from sluice.table.table import Table
    sql, alias = _call_and_names(table, func, flat)
    try:
        h = _native.Handle(_native.call("table.op", handle_id, op, (sql, "", ""), *alias))
    except RuntimeError as e:
        msg = str(e)
        if "must have same degree" in msg or "Aggregate function expected" in msg:
            raise ValueError(msg) from None
        raise
    t = Table(h, table._env)
    return FlatAggregateTable(t) if flat else AggregatedTable(t)


class WindowAggregatedTable:
    """The result of a window grouped table's aggregate: select reads the
    keys, the aggregate's columns and the window's properties."""

    def __init__(self, grouped: Any, call_sql: str, alias: List[str]) -> None:
        self._grouped = grouped
        self._call_sql = call_sql
        self._alias = alias

    def select(self, *fields: Any) -> Any:
        from sluice.table.table import Table, _args
        g = self._grouped
        args = _args(g._table, fields, "window")
        h = _native.Handle(_native.call("table.op", g._h.id, "window_grouped.aggregate", (self._call_sql, "", ""),
                                        len(self._alias), *self._alias, *args))
        return Table(h, g._table._env)


def _window_aggregate(grouped: Any, func: Any) -> WindowAggregatedTable:
    sql, alias = _call_and_names(grouped._table, func, False)
    return WindowAggregatedTable(grouped, sql, alias)
