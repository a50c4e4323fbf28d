"""Async scalar functions: ``udf`` over an ``async def`` function (or a
ScalarFunction whose ``eval`` is ``async def``).

PyFlink 2.3 has no async Python scalar function (only the DataStream API's
AsyncFunction, whose ``capacity`` defaults to 100), so the API is Sluice's
own: ``udf(f, result_type=..., concurrency=N)``; ``func_type`` stays
"general" and the function sees and returns what a row function does.

How a batch runs. The engine calls the function through the Arrow UDF path
(``pandas_udf.NewArrowEvaluator``): one call into Python per batch, each
argument column a pyarrow Array. ``_BatchRunner`` turns the columns into the
Python values a row function gets (ROW as Row, MAP as dict, TIMESTAMP_LTZ as
a UTC datetime, NULL as None), hands the rows to one event loop and waits,
then builds the result column of the declared type under the row function's
rules (an int for BIGINT, not a float; DECIMAL rounded HALF_UP; ...).

The loop runs in a Python thread of its own, created once per process and
kept, as PyFlink's async operator does: the engine's threads are Go's, and
the goroutine that evaluates one batch may run on another OS thread for the
next, so a loop per evaluating thread would break anything bound to a loop
(an aiohttp session made in ``open``). Per function, at most ``concurrency``
calls are in flight at once (an asyncio.Semaphore on that loop, shared by
every batch, subtask and job of the function); a batch starts its rows in
order and waits for all of them, so results keep the input order.

Errors. The first failing row (lowest index) fails the batch: rows after it
are not started. Its UDF name, row index, the repr of its arguments, the
exception's type, message and traceback (the user's frames only) cross to Go
as the JSON message of an ``AsyncUDFRowError``; Go (table/pyfunc/async.go)
turns it into the row functions' error, cpython.UDFError.
"""
from __future__ import annotations

import _thread
import asyncio
import collections.abc
import datetime
import decimal
import inspect
import json
import operator
import threading
from typing import Any, Callable, List, Optional, Sequence, Tuple

from _sluice_runtime import decimal_unscaled, format_exception, make_row
from sluice.table.udf import FunctionContext, UserDefinedFunction, UserDefinedScalarFunctionWrapper

__all__ = ["DEFAULT_CONCURRENCY", "AsyncScalarFunctionWrapper", "AsyncUDFRowError", "async_udf", "is_async"]

# As PyFlink's AsyncDataStream capacity.
DEFAULT_CONCURRENCY = 100


def is_async(f: Any) -> bool:
    """Whether f is an async function: ``async def`` (also through
    functools.partial), a callable object whose ``__call__`` is one, or a
    ScalarFunction whose ``eval`` is one."""
    if isinstance(f, UserDefinedFunction):
        return inspect.iscoroutinefunction(getattr(f, "eval", None))
    if inspect.iscoroutinefunction(f):
        return True
    call = getattr(type(f), "__call__", None)
    return not inspect.isfunction(f) and call is not None and inspect.iscoroutinefunction(call)


def async_udf(f: Any, input_types: Any, result_type: Any, func_type: str, deterministic: Optional[bool],
              name: Optional[str], concurrency: Optional[int]) -> Optional["AsyncScalarFunctionWrapper"]:
    """udf()'s dispatch: the wrapper of an async function, None for any
    other (which udf wraps as before)."""
    if not is_async(f):
        if concurrency is not None:
            raise ValueError("concurrency applies to async functions (async def, or a ScalarFunction whose eval "
                             "is async def); %s is not one" % _describe(f))
        return None
    if func_type != "general":
        raise ValueError("An async function is called row by row: func_type must be 'general', got '%s'." % func_type)
    if concurrency is None:
        concurrency = getattr(f, "concurrency", DEFAULT_CONCURRENCY)
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise ValueError("concurrency must be a positive int, got %r" % (concurrency,))
    return AsyncScalarFunctionWrapper(f, input_types, result_type, deterministic, name, concurrency)


def _describe(f: Any) -> str:
    return getattr(f, "__qualname__", None) or type(f).__name__


class AsyncScalarFunctionWrapper(UserDefinedScalarFunctionWrapper):
    """What ``udf`` returns for an async function. The engine calls
    ``_sluice_eval`` once per batch with pyarrow arrays (the Arrow UDF path,
    ``_sluice_func_type = "async"``)."""

    def __init__(self, func: Any, input_types: Any, result_type: Any, deterministic: Optional[bool],
                 name: Optional[str], concurrency: int) -> None:
        super().__init__(func, input_types, result_type, "general", deterministic, name)
        self._sluice_func_type = "async"
        self._sluice_concurrency = concurrency
        self._runner: Optional[_BatchRunner] = None

    @property
    def _sluice_eval(self) -> Callable[..., Any]:
        # One runner per function: its semaphore is the function's limit
        # whatever registers or calls it.
        if self._runner is None:
            self._runner = _BatchRunner(self._name, super()._sluice_eval, self._sluice_result_type,
                                        self._sluice_concurrency)
        return self._runner

    @property
    def _sluice_callable(self) -> Callable[..., Any]:
        """The async function, opened once without runtime information (for
        Table.map, which wraps it in another async function)."""
        if self._opened is None:
            f = self._func
            if isinstance(f, UserDefinedFunction):
                _call_maybe_async(f.open, FunctionContext(self._name))
                import atexit
                atexit.register(_call_maybe_async, f.close)
                f = f.eval
            self._opened = f
        return self._opened

    def _sluice_open(self, job_parameters: dict, task_name: str, number_of_parallel_subtasks: int,
                     max_number_of_parallel_subtasks: int, index_of_this_subtask: int,
                     attempt_number: int) -> Optional[Callable[[], None]]:
        """As the row functions' _sluice_open; an ``async def`` open or close
        runs on the functions' event loop (where an aiohttp session it makes
        will be used)."""
        f = self._func
        if not isinstance(f, UserDefinedFunction):
            return None
        _call_maybe_async(f.open, FunctionContext(
            self._name, job_parameters, task_name,
            "%s (%d/%d)#%d" % (task_name, index_of_this_subtask + 1, number_of_parallel_subtasks, attempt_number),
            number_of_parallel_subtasks, max_number_of_parallel_subtasks, index_of_this_subtask, attempt_number))
        return lambda: _call_maybe_async(f.close)

    def __repr__(self) -> str:
        return "<udf %s -> %s (async, concurrency %d)>" % (self._name, self._sluice_result_type,
                                                            self._sluice_concurrency)


def _call_maybe_async(f: Callable[..., Any], *args: Any) -> Any:
    r = f(*args)
    if inspect.isawaitable(r):
        return _run_on_loop(_awaited(r))
    return r


async def _awaited(a: Any) -> Any:
    return await a


# ---- the event loop ---------------------------------------------------------

_loop_lock = threading.Lock()
_loop: Optional[asyncio.AbstractEventLoop] = None
_loop_thread: Optional[threading.Thread] = None

# How often a thread waiting for its batch wakes up: a cancelled job's
# JobCancelled is raised in it (between bytecodes) within this time.
_POLL_SECONDS = 0.05


def _event_loop() -> asyncio.AbstractEventLoop:
    global _loop, _loop_thread
    loop = _loop
    if loop is not None:
        return loop
    with _loop_lock:
        if _loop is None:
            loop = asyncio.new_event_loop()
            t = threading.Thread(target=_serve, args=(loop,), name="sluice-async-udf", daemon=True)
            t.start()
            _loop_thread = t
            _loop = loop
        return _loop


def _serve(loop: asyncio.AbstractEventLoop) -> None:
    asyncio.set_event_loop(loop)
    loop.run_forever()


class _Waiter:
    """A coroutine started on the loop, and the lock its caller waits on."""

    __slots__ = ("lock", "task", "value", "error", "cancelled")

    def __init__(self) -> None:
        self.lock = _thread.allocate_lock()
        self.lock.acquire()
        self.task: Optional[asyncio.Task] = None
        self.value: Any = None
        self.error: Optional[BaseException] = None
        self.cancelled = False

    def start(self, coro: Any) -> None:
        if self.cancelled:
            coro.close()
            self.lock.release()
            return
        self.task = asyncio.ensure_future(coro)
        self.task.add_done_callback(self.done)

    def done(self, task: asyncio.Task) -> None:
        if task.cancelled():
            self.error = asyncio.CancelledError()
        elif task.exception() is not None:
            self.error = task.exception()
        else:
            self.value = task.result()
        self.task = None
        self.lock.release()

    def cancel(self) -> None:
        self.cancelled = True
        if self.task is not None:
            self.task.cancel()


def _run_on_loop(coro: Any) -> Any:
    """Runs coro on the functions' loop and waits for its result, the GIL
    released meanwhile (other Python runs, the loop included)."""
    loop = _event_loop()
    if threading.current_thread() is _loop_thread:
        coro.close()
        raise RuntimeError("an async UDF's batch cannot be evaluated from inside the async UDF event loop")
    w = _Waiter()
    loop.call_soon_threadsafe(w.start, coro)
    try:
        while not w.lock.acquire(timeout=_POLL_SECONDS):
            pass
    except BaseException:
        # JobCancelled (the job stopped) or an interrupt: stop the batch's
        # calls, then let the exception through.
        loop.call_soon_threadsafe(w.cancel)
        raise
    if w.error is not None:
        err, w.error = w.error, None
        raise err
    return w.value


# ---- one batch --------------------------------------------------------------


class AsyncUDFRowError(Exception):
    """A row of a batch failed. The message is a JSON object — row, args,
    phase, type, message, traceback — that Go turns into the row functions'
    error: the driver hands exceptions to Go as strings only."""


def _failure(row: int, args: Optional[Sequence[Any]], phase: str, exc: BaseException,
             traceback_text: Optional[str] = None) -> str:
    if traceback_text is None:
        tb = exc.__traceback__
        # From the user's frame on: the frames above it are this module's.
        while tb is not None and tb.tb_frame.f_code.co_filename == _THIS_FILE:
            tb = tb.tb_next
        traceback_text = format_exception(type(exc), exc, tb)
    return json.dumps({
        "row": row,
        "args": None if args is None else [_repr(a) for a in args],
        "phase": phase,
        "type": _qualified_name(type(exc)),
        "message": str(exc),
        "traceback": traceback_text,
    })


# The frames of this module, which tracebacks skip.
_THIS_FILE = _failure.__code__.co_filename


def _repr(v: Any) -> str:
    try:
        return repr(v)
    except Exception:  # a broken __repr__ must not hide the row's error
        return "<unrepresentable %s>" % type(v).__name__


def _qualified_name(t: type) -> str:
    mod = getattr(t, "__module__", "")
    if not mod or mod == "builtins":
        return t.__qualname__
    return "%s.%s" % (mod, t.__qualname__)


class _Progress:
    """The rows of one batch as its workers share them."""

    __slots__ = ("next", "failed", "failure")

    def __init__(self, n: int) -> None:
        self.next = 0
        self.failed = n  # the lowest failed row so far; n while none failed
        self.failure: Optional[str] = None


class _BatchRunner:
    """The function the Arrow evaluator calls per batch: pyarrow arrays in,
    one pyarrow array of the declared type out."""

    def __init__(self, name: str, fn: Callable[..., Any], result_sql: str, concurrency: int) -> None:
        self.__name__ = name
        self._fn = fn
        self._result_sql = result_sql
        self._concurrency = concurrency
        self._semaphore: Optional[asyncio.Semaphore] = None  # made on the loop
        self._target: Any = None
        self._normalize: Optional[Callable[[Any], Any]] = None
        self._arg_converters: dict = {}

    def __call__(self, *arrays: Any) -> Any:
        if not arrays:
            raise TypeError("async UDF %s: a call without arguments goes through _sluice_nullary" % self.__name__)
        n = len(arrays[0])
        cols = [self._arguments(a) for a in arrays]
        rows: List[Tuple[Any, ...]] = list(zip(*cols))
        del cols
        return self._evaluate(rows, n)

    @property
    def _sluice_nullary(self) -> Callable[[Any], Any]:
        """The function called without arguments: no argument column would
        tell the batch's length, so Go hands this one a column of the batch
        and it calls the function once per row of it."""
        def nullary(arr: Any) -> Any:
            n = len(arr)
            return self._evaluate([()] * n, n)
        nullary.__name__ = self.__name__
        return nullary

    def _evaluate(self, rows: List[Tuple[Any, ...]], n: int) -> Any:
        values, failure = _run_on_loop(self._run(rows))
        if failure is not None:
            raise AsyncUDFRowError(failure)
        return self._result(values, rows, n)

    def _arguments(self, arr: Any) -> List[Any]:
        conv = self._arg_converters.get(arr.type)
        if conv is None:
            conv = self._arg_converters[arr.type] = _arg_converter(arr.type)
        return conv(arr)

    async def _run(self, rows: List[Tuple[Any, ...]]) -> Tuple[List[Any], Optional[str]]:
        n = len(rows)
        out: List[Any] = [None] * n
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self._concurrency)
        sem, fn = self._semaphore, self._fn
        p = _Progress(n)

        async def worker() -> None:
            while True:
                i = p.next
                if i >= p.failed:  # rows after a failed one are not started
                    return
                p.next = i + 1
                async with sem:
                    if i > p.failed:
                        return
                    args = rows[i]
                    try:
                        r = fn(*args)
                        if inspect.isawaitable(r):
                            r = await r
                        out[i] = r
                    except asyncio.CancelledError:
                        raise
                    except BaseException as e:
                        if i < p.failed:
                            p.failed = i
                            p.failure = _failure(i, args, "call", e)

        await asyncio.gather(*[worker() for _ in range(min(self._concurrency, n))])
        return out, p.failure

    def _result(self, values: List[Any], rows: List[Tuple[Any, ...]], n: int) -> Any:
        import pyarrow as pa
        if self._target is None:
            from sluice.table._values import arrow_type
            from sluice.table.types import _parse_type
            self._target = arrow_type(_parse_type(self._result_sql))
            self._normalize = _normalizer(self._target)
        target, norm = self._target, self._normalize
        assert norm is not None
        out = [None] * n
        for i, v in enumerate(values):
            if v is None:
                continue
            try:
                out[i] = norm(v)
            except Exception as e:
                # The traceback keeps frames outside this module only (the
                # runtime's decimal_unscaled), as the row kernel's does.
                raise AsyncUDFRowError(_failure(i, rows[i], "result", e)) from None
        try:
            return pa.array(out, type=target)
        except (pa.ArrowException, TypeError, ValueError, OverflowError):
            pass
        for i, v in enumerate(out):  # which row pyarrow refused
            try:
                pa.array([v], type=target)
            except (pa.ArrowException, TypeError, ValueError, OverflowError) as e:
                raise AsyncUDFRowError(_failure(i, rows[i], "result", e, format_exception(type(e), e, None))) from None
        return pa.array(out, type=target)


# ---- arguments: pyarrow → the row functions' Python values -------------------


def _arg_converter(t: Any) -> Callable[[Any], List[Any]]:
    import pyarrow as pa
    us = _microsecond_type(t)
    conv = _value_converter(t)

    def convert(arr: Any) -> List[Any]:
        a = arr
        if us is not None:
            # Python's datetime holds microseconds: a value with
            # nanoseconds is an argument error, as for row functions.
            try:
                a = arr.cast(us, safe=True)
            except pa.ArrowInvalid:
                row = _first_failing_row(arr, lambda x: x.cast(us, safe=True))
                raise AsyncUDFRowError(_failure(row, None, "argument", _nanoseconds(arr, row, t), "")) from None
        try:
            vals = a.to_pylist()
        except (pa.ArrowException, ValueError, OverflowError):
            row = _first_failing_row(a, lambda x: x.to_pylist())
            try:
                a.slice(row, 1).to_pylist()
            except (pa.ArrowException, ValueError, OverflowError) as e:
                raise AsyncUDFRowError(_failure(row, None, "argument", e, format_exception(type(e), e, None))) from None
            raise
        if conv is not None:
            vals = [None if v is None else conv(v) for v in vals]
        return vals

    return convert


def _nanoseconds(arr: Any, row: int, t: Any) -> ValueError:
    """The row kernel's error for a value datetime cannot hold."""
    import pyarrow as pa
    if pa.types.is_timestamp(t) or pa.types.is_time(t):
        v = arr.slice(row, 1).cast(pa.int64())[0].as_py()
        return ValueError("%s value %d ns has nanoseconds, which datetime.%s cannot hold"
                          % ("TIME(9)" if pa.types.is_time(t) else "TIMESTAMP(9)", v,
                             "time" if pa.types.is_time(t) else "datetime"))
    return ValueError("a %s value has nanoseconds, which Python's datetime cannot hold" % _sql_name(t))


def _first_failing_row(arr: Any, f: Callable[[Any], Any]) -> int:
    for i in range(len(arr)):
        try:
            f(arr.slice(i, 1))
        except Exception:
            return i
    return 0


def _microsecond_type(t: Any) -> Any:
    """t with every nanosecond TIME/TIMESTAMP in microseconds, or None when
    t has none (pyarrow gives nanoseconds as pandas Timestamps)."""
    import pyarrow as pa
    if pa.types.is_timestamp(t) and t.unit == "ns":
        return pa.timestamp("us", t.tz)
    if pa.types.is_time64(t) and t.unit == "ns":
        return pa.time64("us")
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        v = _microsecond_type(t.value_type)
        return None if v is None else pa.list_(pa.field(t.value_field.name, v, t.value_field.nullable))
    if pa.types.is_map(t):
        k, v = _microsecond_type(t.key_type), _microsecond_type(t.item_type)
        return None if k is None and v is None else pa.map_(k or t.key_type, v or t.item_type)
    if pa.types.is_struct(t):
        fields = [t.field(i) for i in range(t.num_fields)]
        subs = [_microsecond_type(f.type) for f in fields]
        if all(s is None for s in subs):
            return None
        return pa.struct([pa.field(f.name, s or f.type, f.nullable) for f, s in zip(fields, subs)])
    return None


def _value_converter(t: Any) -> Optional[Callable[[Any], Any]]:
    """From pyarrow's to_pylist value to the row function's (None when they
    are the same): ROW → Row, MAP → dict, TIMESTAMP_LTZ → datetime in
    datetime.timezone.utc."""
    import pyarrow as pa
    if pa.types.is_struct(t):
        names = [t.field(i).name for i in range(t.num_fields)]
        convs = [_value_converter(t.field(i).type) for i in range(t.num_fields)]

        def row(v: Any) -> Any:
            return make_row(names, [x if c is None or x is None else c(x)
                                    for c, x in zip(convs, (v[nm] for nm in names))])
        return row
    if pa.types.is_map(t):
        ck, cv = _value_converter(t.key_type), _value_converter(t.item_type)
        return lambda v: {(k if ck is None else ck(k)): (x if cv is None or x is None else cv(x)) for k, x in v}
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        ce = _value_converter(t.value_type)
        if ce is None:
            return None
        return lambda v: [None if x is None else ce(x) for x in v]
    if pa.types.is_timestamp(t) and t.tz is not None:
        utc = datetime.timezone.utc
        return lambda v: v.astimezone(utc)
    return None


# ---- results: the row functions' rules ---------------------------------------

_UNIT_DIGITS = {"s": 0, "ms": 3, "us": 6, "ns": 9}
_INT_RANGE = {8: (-(1 << 7), (1 << 7) - 1), 16: (-(1 << 15), (1 << 15) - 1),
              32: (-(1 << 31), (1 << 31) - 1), 64: (-(1 << 63), (1 << 63) - 1)}
_FLT_MAX = 3.4028234663852886e38
_EPOCH = datetime.datetime(1970, 1, 1)


def _sql_name(t: Any) -> str:
    """The SQL spelling of an Arrow type, as the row kernel writes it."""
    import pyarrow as pa
    simple = {pa.null(): "NULL", pa.bool_(): "BOOLEAN", pa.int8(): "TINYINT", pa.int16(): "SMALLINT",
              pa.int32(): "INT", pa.int64(): "BIGINT", pa.float32(): "FLOAT", pa.float64(): "DOUBLE",
              pa.string(): "STRING", pa.large_string(): "STRING", pa.binary(): "BYTES",
              pa.large_binary(): "BYTES", pa.date32(): "DATE"}
    if t in simple:
        return simple[t]
    if pa.types.is_decimal(t):
        return "DECIMAL(%d, %d)" % (t.precision, t.scale)
    if pa.types.is_time(t):
        return "TIME(%d)" % _UNIT_DIGITS[t.unit]
    if pa.types.is_timestamp(t):
        return "%s(%d)" % ("TIMESTAMP_LTZ" if t.tz else "TIMESTAMP", _UNIT_DIGITS[t.unit])
    if pa.types.is_map(t):
        return "MAP<%s, %s>" % (_sql_name(t.key_type), _sql_name(t.item_type))
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return "ARRAY<%s>" % _sql_name(t.value_type)
    if pa.types.is_struct(t):
        return "ROW<%s>" % ", ".join("%s %s" % (t.field(i).name, _sql_name(t.field(i).type))
                                     for i in range(t.num_fields))
    return str(t)


def _type_name(v: Any) -> str:
    t = type(v)
    mod = getattr(t, "__module__", "")
    return t.__qualname__ if mod in ("", "builtins") else "%s.%s" % (mod, t.__qualname__)


def _expected(what: str, sql: str, v: Any) -> TypeError:
    return TypeError("expected %s for %s, got %.200r of type %s" % (what, sql, v, _type_name(v)))


def _normalizer(t: Any) -> Callable[[Any], Any]:
    """A function taking one non-None result value of type t to what
    pyarrow.array(type=t) stores exactly, checked as the row kernel checks
    (cpython/from_python.c): ints for integers (never floats), DECIMAL
    rounded HALF_UP to its scale, a date that is no datetime, aware
    datetimes into UTC for TIMESTAMP_LTZ, any sequence but str/bytes/dict
    for ARRAY, a Row/tuple/list/dict for ROW."""
    import pyarrow as pa
    sql = _sql_name(t)
    if pa.types.is_null(t):
        def null(v: Any) -> Any:
            raise _expected("None", sql, v)
        return null
    if pa.types.is_boolean(t):
        def boolean(v: Any) -> bool:
            if isinstance(v, bool):
                return v
            if _type_name(v) in ("numpy.bool_", "numpy.bool"):
                return bool(v)
            raise _expected("bool", sql, v)
        return boolean
    if pa.types.is_integer(t):
        lo, hi = _INT_RANGE[t.bit_width]

        def integer(v: Any) -> int:
            if isinstance(v, int):
                iv = int(v)
            elif isinstance(v, float) or not hasattr(type(v), "__index__"):
                raise _expected("int", sql, v)
            else:
                iv = operator.index(v)
            if not lo <= iv <= hi:
                raise OverflowError("value %.200r is out of range for %s" % (v, sql))
            return iv
        return integer
    if pa.types.is_floating(t):
        single = pa.types.is_float32(t)

        def floating(v: Any) -> float:
            if isinstance(v, (str, bytes)) or not (isinstance(v, (int, float)) or hasattr(type(v), "__float__")):
                raise _expected("float", sql, v)
            f = float(v)
            if single and f == f and abs(f) != float("inf") and abs(f) > _FLT_MAX:
                raise OverflowError("value %.200r is out of range for %s" % (v, sql))
            return f
        return floating
    if pa.types.is_decimal(t):
        p, s = t.precision, t.scale

        def dec(v: Any) -> decimal.Decimal:
            if isinstance(v, (float, str, bytes)):
                raise _expected("decimal.Decimal or int", sql, v)
            n = decimal_unscaled(v, p, s)
            d = decimal.Decimal(n).as_tuple()
            return decimal.Decimal((d.sign, d.digits, -s))
        return dec
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        def string(v: Any) -> str:
            if not isinstance(v, str):
                raise _expected("str", sql, v)
            return v
        return string
    if pa.types.is_binary(t) or pa.types.is_large_binary(t):
        def binary(v: Any) -> bytes:
            if isinstance(v, bytes):
                return v
            if isinstance(v, bytearray):
                return bytes(v)
            raise _expected("bytes", sql, v)
        return binary
    if pa.types.is_date32(t):
        def date(v: Any) -> datetime.date:
            if not isinstance(v, datetime.date) or isinstance(v, datetime.datetime):
                raise _expected("datetime.date", sql, v)
            return v
        return date
    if pa.types.is_time(t):
        unit = t.unit

        def time(v: Any) -> int:
            if not isinstance(v, datetime.time):
                raise _expected("datetime.time", sql, v)
            us = ((v.hour * 60 + v.minute) * 60 + v.second) * 1_000_000 + v.microsecond
            # Finer digits than the type keeps are dropped, as in Flink.
            return {"s": us // 1_000_000, "ms": us // 1000, "us": us, "ns": us * 1000}[unit]
        return time
    if pa.types.is_timestamp(t):
        unit, zoned = t.unit, t.tz is not None
        lo, hi = _INT_RANGE[64]

        def timestamp(v: Any) -> int:
            if not isinstance(v, datetime.datetime):
                raise _expected("datetime.datetime", sql, v)
            naive = v.replace(tzinfo=None)
            if zoned:
                off = v.utcoffset()
                if off is not None:
                    naive -= off  # an aware datetime is an instant; a naive one is UTC already
            delta = naive - _EPOCH
            us = (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds
            x = {"s": us // 1_000_000, "ms": us // 1000, "us": us, "ns": us * 1000}[unit]
            if not lo <= x <= hi:
                raise OverflowError("value %.200r is out of range for %s" % (v, sql))
            return x
        return timestamp
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        elem = _normalizer(t.value_type)

        def array(v: Any) -> List[Any]:
            if isinstance(v, (str, bytes, dict)):
                raise _expected("list", sql, v)
            try:
                items = list(v)
            except TypeError:
                raise _expected("list", sql, v) from None
            return [None if x is None else elem(x) for x in items]
        return array
    if pa.types.is_map(t):
        nk, nv = _normalizer(t.key_type), _normalizer(t.item_type)

        def mapping(v: Any) -> List[Tuple[Any, Any]]:
            if isinstance(v, dict):
                items = v.items()
            elif isinstance(v, (str, list, tuple)) or not isinstance(v, collections.abc.Mapping):
                raise _expected("dict", sql, v)
            else:
                items = v.items()
            out = []
            for k, x in items:
                if k is None:
                    raise TypeError("MAP keys must not be None")
                out.append((nk(k), None if x is None else nv(x)))
            return out
        return mapping
    if pa.types.is_struct(t):
        names = [t.field(i).name for i in range(t.num_fields)]
        fields = [_normalizer(t.field(i).type) for i in range(t.num_fields)]

        def row(v: Any) -> dict:
            if isinstance(v, dict):
                vals = []
                for nm in names:
                    if nm not in v:
                        raise KeyError("dict result for %s lacks field %r" % (sql, nm))
                    vals.append(v[nm])
            elif isinstance(v, (tuple, list)):
                vals = list(v)
            elif hasattr(v, "get_fields_by_names"):
                # A pyflink Row: by field name when it has names, as
                # PyFlink's row coder reads it.
                vals = list(v.get_fields_by_names(names))
            else:
                raise _expected("Row, tuple, list or dict", sql, v)
            if len(vals) != len(names):
                raise ValueError("%s has %d fields, got %.200r with %d" % (sql, len(names), v, len(vals)))
            return {nm: (None if x is None else f(x)) for nm, f, x in zip(names, fields, vals)}
        return row
    return lambda v: v
