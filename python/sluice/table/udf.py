"""User-defined functions, as ``pyflink.table.udf``.

``udf`` wraps any callable — a ScalarFunction, a function, a lambda, a
callable object, a ``functools.partial`` — with its declared types. The
wrapper carries what the engine reads (``_sluice_*`` attributes): the
result type as SQL text, the kind ("general" for row-at-a-time, "pandas"
for vectorized over pandas Series, "arrow" — Sluice's own, not PyFlink's —
for vectorized over pyarrow Arrays), the input types and the callable the
engine calls per row or per batch, with ``open`` already run.
"""
from __future__ import annotations

import abc
import atexit
import functools
import inspect
import itertools
from typing import Any, Callable, List, Optional, Sequence, Union

from sluice.table.types import DataType, _type_sql
from sluice.metrics import MetricGroup

__all__ = [
    "FunctionContext", "UserDefinedFunction", "ScalarFunction", "TableFunction",
    "ImperativeAggregateFunction", "AggregateFunction", "TableAggregateFunction", "udf", "udtf", "udaf", "udtaf",
]


class FunctionContext:
    """What ``open`` receives: the metric group, the global job parameters
    (``pipeline.global-job-parameters``) and where the function runs: the
    task's name, its parallelism and max parallelism, the subtask's index
    and attempt number, as PyFlink 2.3's FunctionContext."""

    def __init__(self, name: str, job_parameters: Optional[dict] = None, task_name: Optional[str] = None,
                 task_name_with_subtasks: Optional[str] = None, number_of_parallel_subtasks: Optional[int] = None,
                 max_number_of_parallel_subtasks: Optional[int] = None, index_of_this_subtask: Optional[int] = None,
                 attempt_number: Optional[int] = None) -> None:
        self._metric_group = MetricGroup(("python", name))
        self._job_parameters = dict(job_parameters or {})
        self._task_name = task_name
        self._task_name_with_subtasks = task_name_with_subtasks
        self._number_of_parallel_subtasks = number_of_parallel_subtasks
        self._max_number_of_parallel_subtasks = max_number_of_parallel_subtasks
        self._index_of_this_subtask = index_of_this_subtask
        self._attempt_number = attempt_number

    def get_metric_group(self) -> MetricGroup:
        return self._metric_group

    def get_job_parameter(self, key: str, default_value: str) -> str:
        return self._job_parameters.get(key, default_value)

    def get_task_name(self) -> Optional[str]:
        return self._task_name

    def get_task_name_with_subtasks(self) -> Optional[str]:
        return self._task_name_with_subtasks

    def get_number_of_parallel_subtasks(self) -> Optional[int]:
        return self._number_of_parallel_subtasks

    def get_max_number_of_parallel_subtasks(self) -> Optional[int]:
        return self._max_number_of_parallel_subtasks

    def get_index_of_this_subtask(self) -> Optional[int]:
        return self._index_of_this_subtask

    def get_attempt_number(self) -> Optional[int]:
        return self._attempt_number


class UserDefinedFunction(abc.ABC):
    """Base of user-defined functions: ``open`` once before the first call,
    ``close`` when the interpreter ends. An ABC as in PyFlink, so a subclass
    that lacks its working method cannot be instantiated."""

    def open(self, function_context: FunctionContext) -> None:
        pass

    def close(self) -> None:
        pass

    def is_deterministic(self) -> bool:
        return True


class ScalarFunction(UserDefinedFunction):
    """A scalar function: subclasses define ``eval(*args)``."""

    @abc.abstractmethod
    def eval(self, *args: Any) -> Any:
        pass


class TableFunction(UserDefinedFunction):
    @abc.abstractmethod
    def eval(self, *args: Any) -> Any:
        pass


class ImperativeAggregateFunction(UserDefinedFunction):
    """What aggregate and table aggregate functions share (PyFlink's base of
    both): an accumulator created, accumulated into and retracted from."""

    @abc.abstractmethod
    def create_accumulator(self) -> Any:
        pass

    @abc.abstractmethod
    def accumulate(self, accumulator: Any, *args: Any) -> None:
        pass

    def retract(self, accumulator: Any, *args: Any) -> None:
        raise RuntimeError("Method retract is not implemented")

    def merge(self, accumulator: Any, accumulators: Any) -> None:
        raise RuntimeError("Method merge is not implemented")

    def get_result_type(self) -> Any:
        raise RuntimeError("Method get_result_type is not implemented")

    def get_accumulator_type(self) -> Any:
        raise RuntimeError("Method get_accumulator_type is not implemented")


class AggregateFunction(ImperativeAggregateFunction):
    """An aggregate function: ``get_value`` reads the accumulator's result."""

    @abc.abstractmethod
    def get_value(self, accumulator: Any) -> Any:
        pass


class TableAggregateFunction(ImperativeAggregateFunction):
    """A table aggregate function: its accumulator yields any number of
    rows (``emit_value``) instead of one value; see _table_agg."""

    @abc.abstractmethod
    def emit_value(self, accumulator: Any) -> Any:
        pass


_FUNC_TYPES = ("general", "pandas", "arrow")


def _function_name(f: Any) -> str:
    # PyFlink's rule: the callable's __name__ (a lambda is "<lambda>"),
    # else its class name (a ScalarFunction instance, a partial).
    return f.__name__ if hasattr(f, "__name__") else type(f).__name__


# Every wrapper gets its own reference key: the Table API calls a udf object
# by identity, never by its name (two lambdas are both "<lambda>"), so a
# call expression names the object's key, and the environment registers the
# object under that key (an inline function, as Flink's Table API passes
# the function definition itself).
_inline_keys = itertools.count(1)


class UserDefinedScalarFunctionWrapper:
    """What ``udf`` returns. Calling it with column expressions builds a
    call expression (``ip_to_province(col('client_ip'))``); the engine calls
    ``_sluice_callable``."""

    def __init__(self, func: Any, input_types: Optional[Sequence[Any]], result_type: Any,
                 func_type: str, deterministic: Optional[bool], name: Optional[str]) -> None:
        # PyFlink's checks and messages, in its order: a class (rather than
        # an instance) or a non-callable, bad input types, a determinism
        # that contradicts the function's own, a result type of no type.
        if inspect.isclass(func) or (not isinstance(func, UserDefinedFunction) and not callable(func)):
            raise TypeError("Invalid function: not a function or callable (__call__ is not defined): {0}"
                            .format(type(func)))
        if input_types is not None:
            from sluice.table.types import RowType
            if isinstance(input_types, RowType):
                input_types = input_types.field_types()
            elif isinstance(input_types, (DataType, str)):
                input_types = [input_types]
            else:
                input_types = list(input_types)
            for input_type in input_types:
                if not isinstance(input_type, (DataType, str)):
                    raise TypeError("Invalid input_type: input_type should be DataType or str but contains {}"
                                    .format(input_type))
        if deterministic is not None and isinstance(func, UserDefinedFunction) \
                and deterministic != func.is_deterministic():
            raise ValueError("Inconsistent deterministic: {} and {}".format(deterministic, func.is_deterministic()))
        if not isinstance(result_type, (DataType, str)):
            raise TypeError("Invalid returnType: returnType should be DataType or str but is {}".format(result_type))
        if func_type not in _FUNC_TYPES:
            # PyFlink's message, though Sluice also takes "arrow".
            raise ValueError("The func_type must be one of 'general, pandas', got %s." % func_type)
        self._func = func
        self._input_types = list(input_types) if input_types is not None else None
        self._result_type = result_type
        self._func_type = func_type
        self._alias_names: Sequence[str] = ()
        if deterministic is None:
            deterministic = func.is_deterministic() if isinstance(func, UserDefinedFunction) else True
        self._deterministic = deterministic
        self._name = name or _function_name(func)
        self._opened: Optional[Callable[..., Any]] = None
        # Fail at definition, as PyFlink does, on a type that is no type.
        self._sluice_result_type = _type_sql(result_type)
        self._sluice_input_types = [_type_sql(t) for t in self._input_types] if self._input_types is not None else None
        self._sluice_func_type = func_type
        self._sluice_deterministic = deterministic
        self._sluice_name = self._name
        self._sluice_ref = "$udf%d$%s" % (next(_inline_keys), self._name)
        functools.update_wrapper(self, func if inspect.isfunction(func) else self.__call__, updated=())

    @property
    def _sluice_callable(self) -> Callable[..., Any]:
        """The function opened (once, without runtime information), for
        what calls it outside a job (Table.map's row functions)."""
        if self._opened is None:
            f = self._func
            if isinstance(f, UserDefinedFunction):
                f.open(FunctionContext(self._name))
                atexit.register(f.close)
                f = f.eval
            self._opened = f
        return self._opened

    @property
    def _sluice_eval(self) -> Callable[..., Any]:
        """The function a job calls per row or batch: a ScalarFunction's
        eval, not opened yet (the job opens it through _sluice_open)."""
        f = self._func
        return f.eval if isinstance(f, UserDefinedFunction) else f

    def _sluice_open(self, job_parameters: dict, task_name: str, number_of_parallel_subtasks: int,
                     max_number_of_parallel_subtasks: int, index_of_this_subtask: int,
                     attempt_number: int) -> Optional[Callable[[], None]]:
        """Called by the engine when a calc that calls this function opens
        (before its first row), with that subtask's runtime information;
        returns what the engine calls when the calc closes (the function's
        close), or None for a plain callable."""
        f = self._func
        if not isinstance(f, UserDefinedFunction):
            return None
        f.open(FunctionContext(self._name, job_parameters, task_name,
                               "%s (%d/%d)#%d" % (task_name, index_of_this_subtask + 1,
                                                  number_of_parallel_subtasks, attempt_number),
                               number_of_parallel_subtasks, max_number_of_parallel_subtasks,
                               index_of_this_subtask, attempt_number))
        return f.close

    def alias(self, *names: str) -> "UserDefinedScalarFunctionWrapper":
        # PyFlink keeps the names on the wrapper (table functions and
        # row-based operations read them) and returns the wrapper itself.
        self._alias_names = names
        return self

    def __call__(self, *args: Any) -> Any:
        # Always a call expression, as PyFlink's: a Python value among the
        # arguments is a literal (f(t.a, 1), f(1)).
        from sluice.table.expression import _call_udf
        return _call_udf(self, args)

    def __repr__(self) -> str:
        return "<udf %s -> %s (%s)>" % (self._name, self._sluice_result_type, self._func_type)


def udf(f: Any = None, input_types: Union[List[Any], Any, None] = None, result_type: Any = None,
        deterministic: Optional[bool] = None, name: Optional[str] = None,
        func_type: str = "general", udf_type: Optional[str] = None, concurrency: Optional[int] = None) -> Any:
    """Wrap a callable as a scalar function, as PyFlink's ``udf``: called
    directly (Flink 1.10 ``udf(f, input_types, result_type)``) or as a
    decorator (``@udf(result_type=...)``). ``udf_type`` is Flink 1.11's name
    for ``func_type``. An ``async def`` function (or a ScalarFunction whose
    eval is one) runs with at most ``concurrency`` calls in flight
    (Sluice's own; see _async_udf)."""
    if udf_type is not None:
        func_type = udf_type
    if func_type not in _FUNC_TYPES:
        raise ValueError("The func_type must be one of 'general, pandas', got %s." % func_type)
    if f is None:
        return functools.partial(udf, input_types=input_types, result_type=result_type,
                                 deterministic=deterministic, name=name, func_type=func_type,
                                 concurrency=concurrency)
    from sluice.table._async_udf import async_udf
    wrapper = async_udf(f, input_types, result_type, func_type, deterministic, name, concurrency)
    if wrapper is not None:
        return wrapper
    return UserDefinedScalarFunctionWrapper(f, input_types, result_type, func_type, deterministic, name)


class UserDefinedTableFunctionWrapper(UserDefinedScalarFunctionWrapper):
    """What ``udtf`` returns: a function yielding rows of ``result_types``.
    The engine calls it as a row function whose result is the list of rows
    an input row gives (ARRAY<ROW<f0, f1, ...>>, ARRAY<T> for one column),
    which LATERAL TABLE, join_lateral and flat_map expand into rows, as an
    UNNEST does, each next to the input row it came from."""

    def __init__(self, func: Any, input_types: Optional[Sequence[Any]], result_types: Any,
                 deterministic: Optional[bool], name: Optional[str]) -> None:
        if result_types is None:
            raise TypeError("Invalid result_types: result_types should be a DataType or a list of DataTypes")
        if isinstance(result_types, (DataType, str)):
            result_types = [result_types]
        result_types = list(result_types)
        for t in result_types:
            if not isinstance(t, (DataType, str)):
                raise TypeError("Invalid result_type: result_type should be DataType or str but contains {}"
                                .format(t))
        if len(result_types) == 1:
            row_type = _type_sql(result_types[0])
        else:
            row_type = "ROW<%s>" % ", ".join("`f%d` %s" % (i, _type_sql(t)) for i, t in enumerate(result_types))
        super().__init__(func, input_types, "ARRAY<%s>" % row_type, "general", deterministic, name)
        self._result_types = result_types
        self._sluice_func_type = "table"
        self._sluice_width = len(result_types)

    @property
    def _sluice_callable(self) -> Callable[..., Any]:
        return _rows_of(super()._sluice_callable, self._sluice_width)

    @property
    def _sluice_eval(self) -> Callable[..., Any]:
        return _rows_of(super()._sluice_eval, self._sluice_width)

    def __repr__(self) -> str:
        return "<udtf %s -> %s>" % (self._name, self._sluice_result_type)


def _rows_of(f: Callable[..., Any], width: int) -> Callable[..., List[Any]]:
    """The rows of one call of table function f as a list: a generator's
    or an iterable's items, else the one value it returned (None: no
    rows), as PyFlink's table function operation takes them."""
    def rows(*args: Any) -> List[Any]:
        r = f(*args)
        if r is None:
            return []
        if width > 1 and isinstance(r, tuple) or isinstance(r, (str, bytes)) or not hasattr(r, "__iter__"):
            return [r]
        if width > 1 and _is_row(r):
            return [r]
        return list(r)
    rows.__name__ = getattr(f, "__name__", "eval")
    return rows


def _is_row(o: Any) -> bool:
    return hasattr(o, "get_fields_by_names")


def udtf(f: Any = None, input_types: Any = None, result_types: Any = None, deterministic: Optional[bool] = None,
         name: Optional[str] = None) -> Any:
    """Wrap a generator function, a callable or a TableFunction as a table
    function, as PyFlink's ``udtf``: ``@udtf(result_types=[...])``, or
    ``udtf(MyTableFunction(), result_types=...)``."""
    if f is None:
        return functools.partial(udtf, input_types=input_types, result_types=result_types,
                                 deterministic=deterministic, name=name)
    return UserDefinedTableFunctionWrapper(f, input_types, result_types, deterministic, name)


class UserDefinedAggregateFunctionWrapper(UserDefinedScalarFunctionWrapper):
    """What ``udaf`` returns: called with column expressions it is an
    aggregate call (``t.group_by(t.k).select(t.k, my_sum(t.v))``), usable
    in SQL once registered. The engine reads ``_sluice_eval`` — the
    AggregateFunction itself (general) or the function of Series (pandas)
    — and keeps each group's accumulator pickled in keyed state."""

    def __init__(self, func: Any, input_types: Any, result_type: Any, accumulator_type: Any, func_type: str,
                 deterministic: Optional[bool], name: Optional[str]) -> None:
        if func_type not in ("general", "pandas"):
            raise ValueError("The func_type must be one of 'general, pandas', got %s." % func_type)
        if func_type == "general" and not isinstance(func, AggregateFunction):
            raise TypeError("Invalid function: udaf(func_type='general') takes an AggregateFunction instance, "
                            "got {0}".format(type(func)))
        if accumulator_type is None and func_type == "general":
            accumulator_type = func.get_accumulator_type()
        if result_type is None:
            result_type = func.get_result_type()
        if not isinstance(result_type, (DataType, str)):
            raise TypeError("Invalid returnType: returnType should be DataType or str but is {}".format(result_type))
        from sluice.table.types import MapType
        if func_type == "pandas" and isinstance(result_type, MapType):
            raise TypeError("Invalid returnType: Pandas UDAF doesn't support DataType type {} currently"
                            .format(result_type))
        if accumulator_type is not None and not isinstance(accumulator_type, (DataType, str)):
            raise TypeError("Invalid accumulator_type: accumulator_type should be DataType or str but is {}"
                            .format(accumulator_type))
        if func_type == "general" and isinstance(result_type, DataType) != isinstance(accumulator_type, DataType):
            raise TypeError("result_type and accumulator_type should be DataType or str at the same time.")
        super().__init__(func, input_types, result_type, "general", deterministic, name)
        self._func_type = func_type
        self._accumulator_type = accumulator_type
        self._sluice_func_type = "aggregate" if func_type == "general" else "pandas_aggregate"

    @property
    def _sluice_eval(self) -> Any:
        return self._func

    @property
    def _sluice_callable(self) -> Any:
        return self._func

    def __repr__(self) -> str:
        return "<udaf %s -> %s (%s)>" % (self._name, self._sluice_result_type, self._func_type)


def udaf(f: Any = None, input_types: Any = None, result_type: Any = None, accumulator_type: Any = None,
         deterministic: Optional[bool] = None, name: Optional[str] = None, func_type: str = "general") -> Any:
    """Wrap an AggregateFunction (or, with ``func_type="pandas"``, a
    function of pandas Series returning one value) as an aggregate
    function, as PyFlink's ``udaf``."""
    if func_type not in ("general", "pandas"):
        raise ValueError("The func_type must be one of 'general, pandas', got %s." % func_type)
    if f is None:
        return functools.partial(udaf, input_types=input_types, result_type=result_type,
                                 accumulator_type=accumulator_type, deterministic=deterministic, name=name,
                                 func_type=func_type)
    return UserDefinedAggregateFunctionWrapper(f, input_types, result_type, accumulator_type, func_type,
                                               deterministic, name)


def udtaf(f: Any = None, input_types: Any = None, result_type: Any = None, accumulator_type: Any = None,
          deterministic: Optional[bool] = None, name: Optional[str] = None, func_type: str = "general") -> Any:
    """Wrap a TableAggregateFunction as a table aggregate function, as
    PyFlink's ``udtaf``: for GroupedTable.flat_aggregate and
    Table.flat_aggregate."""
    if func_type != "general":
        raise ValueError("The func_type must be 'general', got %s." % func_type)
    if f is None:
        return functools.partial(udtaf, input_types=input_types, result_type=result_type,
                                 accumulator_type=accumulator_type, deterministic=deterministic, name=name)
    from sluice.table._table_agg import UserDefinedTableAggregateFunctionWrapper
    return UserDefinedTableAggregateFunctionWrapper(f, input_types, result_type, accumulator_type, deterministic, name)
