"""The Python half of Sluice's vectorized ("pandas") UDFs.

Loaded once into the embedded interpreter as ``_sluice_pandas``. Per batch,
Go calls ``Evaluator.evaluate`` once. A numeric argument column without NULLs
arrives as a read-only ``sluice.View`` of its Arrow data buffer, which numpy
reads in place; every other column is exported through the Arrow C Data
Interface and imported with pyarrow (no copy either). Each column becomes
pandas once per batch, every UDF of the evaluator is called, and each result
goes back: a numpy array of exactly the declared numeric type is copied by
``View.fill`` into a buffer Go allocated (NaN becomes NULL on the way); any
other result is converted to its declared Arrow type and exported back
through the C Data Interface.

The Go side formats errors: a failure is returned as a ``Failure`` rather
than raised, so that Go knows which UDF and which phase it belongs to and the
traceback shows the user's frames only.
"""

from __future__ import annotations

import operator
import traceback
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["Evaluator", "Failure", "Inputs"]

# Phases, as the Go side names them.
CALL = "call"
RESULT = "result"
ARGUMENT = "argument"

_EXPECTED = "expected a pandas.Series, numpy array, list or pyarrow Array"
_EXPECTED_ROW = "expected a pandas.DataFrame, pandas.Series, numpy array, list or pyarrow Array"


class Failure:
    """Why a batch failed: the UDF (or argument slot), the phase and the
    cause. Exceptions are flattened to strings here so that no frame, and so
    no imported column, outlives the batch."""

    __slots__ = ("udf", "slot", "phase", "detail", "type", "message", "traceback")

    def __init__(
        self,
        udf: int,
        phase: str,
        detail: str = "",
        exc: BaseException | None = None,
        slot: int = -1,
    ) -> None:
        self.udf = udf
        self.slot = slot
        self.phase = phase
        self.detail = detail
        self.type = ""
        self.message = ""
        self.traceback = ""
        if exc is not None:
            self.type = _qualified_name(type(exc))
            self.message = str(exc)
            if phase == CALL:
                # From the user's frame on: the first entry is the driver's
                # call of the function. Formatted even when the function
                # raised from C without a frame of its own, as cpython.Error
                # does.
                tb = exc.__traceback__
                tb = tb.tb_next if tb is not None else None
                self.traceback = "".join(traceback.format_exception(type(exc), exc, tb))


def _qualified_name(t: type) -> str:
    # The same spelling cpython.Error uses for exception types.
    mod = getattr(t, "__module__", "")
    if not mod or mod == "builtins":
        return t.__qualname__
    return f"{mod}.{t.__qualname__}"


class _ResultError(Exception):
    """A result that is not what the declared type can hold. ``detail``
    completes the sentence "pandas UDF f ..."; ``cause`` is pyarrow's error."""

    def __init__(self, detail: str, cause: BaseException | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.cause = cause


# ---- Arrow → pandas ---------------------------------------------------------

class _Index:
    """The RangeIndex of a batch length and the block placement pandas
    gives a Series of that length: one per length, shared by every Series —
    pandas indexes are immutable, and arguments with the same index object
    skip alignment when the function combines them."""

    __slots__ = ("n", "index", "placement")

    def __init__(self, n: int) -> None:
        self.n = n
        self.index = pd.RangeIndex(n)
        self.placement = _placement(n)


def _series_factory() -> tuple[Callable[[np.ndarray, _Index], pd.Series], Callable[[int], Any]]:
    """The cheapest way to wrap a numeric numpy array in a Series without a
    copy, and the block placement it needs.

    pandas' public constructor costs ~11 µs per call (dtype inference and
    checks), a third of the per-batch budget; building the block and its
    manager directly, as pandas' own SingleBlockManager.from_array does,
    costs under 2 µs. pandas is pinned in requirements.txt; should these
    internals move, the probe below fails once at load and the public
    constructor is used instead."""

    def public(values: np.ndarray, ix: _Index) -> pd.Series:
        return pd.Series(values, index=ix.index, copy=False)

    try:
        from pandas._libs.internals import BlockPlacement
        from pandas.core.generic import NDFrame
        from pandas.core.internals import SingleBlockManager
        from pandas.core.internals.blocks import NumpyBlock, get_block_type

        init = NDFrame.__init__
        new = pd.Series.__new__
        set_attr = object.__setattr__
        Series = pd.Series

        def internal(values: np.ndarray, ix: _Index) -> pd.Series:
            mgr = SingleBlockManager(NumpyBlock(values, ndim=1, placement=ix.placement), ix.index)
            s = new(Series)
            init(s, mgr)
            set_attr(s, "_name", None)
            return s

        def placement(n: int) -> Any:
            return BlockPlacement(slice(0, n))

        for dtype in ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                      "float16", "float32", "float64", "bool"):
            probe = np.arange(3).astype(dtype)
            if get_block_type(probe.dtype) is not NumpyBlock:
                raise TypeError(f"pandas keeps {dtype} in {get_block_type(probe.dtype).__name__}")
            ix = _Index.__new__(_Index)
            ix.n, ix.index, ix.placement = 3, pd.RangeIndex(3), placement(3)
            s = internal(probe, ix)
            pd.testing.assert_series_equal(s, pd.Series(probe))
            if not np.shares_memory(s.to_numpy(), probe) or (s + 1).tolist() != (probe + 1).tolist():
                raise TypeError("a Series built from its block does not behave")
        return internal, placement
    except Exception:  # pragma: no cover - depends on the pandas version
        return public, lambda n: None


_series, _placement = _series_factory()

_NULLABLE: dict[pa.DataType, Any] = {
    pa.int8(): pd.Int8Dtype(),
    pa.int16(): pd.Int16Dtype(),
    pa.int32(): pd.Int32Dtype(),
    pa.int64(): pd.Int64Dtype(),
    pa.uint8(): pd.UInt8Dtype(),
    pa.uint16(): pd.UInt16Dtype(),
    pa.uint32(): pd.UInt32Dtype(),
    pa.uint64(): pd.UInt64Dtype(),
    pa.bool_(): pd.BooleanDtype(),
}

Converter = Callable[[pa.Array, _Index], Any]


def _arg_converter(t: pa.DataType) -> Converter:
    """How a column of type t reaches the user function (DESIGN.md §3)."""
    if pa.types.is_integer(t) or pa.types.is_boolean(t):
        nullable = _NULLABLE[t]
        zero_copy = not pa.types.is_boolean(t)  # Arrow packs booleans in bits

        def integer(arr: pa.Array, ix: _Index) -> pd.Series:
            if arr.null_count == 0:
                return _series(arr.to_numpy(zero_copy_only=zero_copy), ix)
            return pd.Series(nullable.__from_arrow__(arr), index=ix.index, copy=False)

        return integer
    if pa.types.is_floating(t):

        def floating(arr: pa.Array, ix: _Index) -> pd.Series:
            # With NULLs the values are copied and NULL becomes NaN.
            return _series(arr.to_numpy(zero_copy_only=arr.null_count == 0), ix)

        return floating
    if pa.types.is_date(t):
        # An object Series of datetime.date, as PyFlink's
        # to_pandas(date_as_object=True).
        return lambda arr, ix: _with_index(arr.to_pandas(date_as_object=True), ix)
    if pa.types.is_timestamp(t):
        # datetime64 in the type's unit (datetime64[ms] for TIMESTAMP(3),
        # with the zone for TIMESTAMP_LTZ), as PyFlink's to_pandas gives.
        if t.tz is None:
            return lambda arr, ix: _with_index(arr.to_pandas(), ix)
        naive_type = pa.timestamp(t.unit)

        def zoned(arr: pa.Array, ix: _Index) -> pd.Series:
            # Localized by hand: pyarrow's to_pandas of a zoned column (its
            # .dt accessor) leaves cyclic garbage that would hold the Go
            # column until Python's collector runs.
            naive = arr.view(naive_type).to_pandas()
            return pd.Series(naive.array.tz_localize(t.tz), index=ix.index, copy=False)

        return zoned
    if pa.types.is_struct(t):
        # A DataFrame column cannot be a DataFrame: nested rows become dicts.
        fields = [_objects if pa.types.is_struct(t.field(i).type) else _arg_converter(t.field(i).type)
                  for i in range(t.num_fields)]
        names = [t.field(i).name for i in range(t.num_fields)]

        def frame(arr: pa.Array, ix: _Index) -> pd.DataFrame:
            # flatten() applies the struct's validity: a NULL row arrives as
            # a row of missing values.
            cols = [conv(child, ix) for conv, child in zip(fields, arr.flatten())]
            df = pd.concat(cols, axis=1, copy=False) if cols else pd.DataFrame(index=ix.index)
            df.columns = names
            return df

        return frame
    # DECIMAL, STRING, BYTES, TIME: object Series of Decimal, str, bytes,
    # datetime.time with None for NULL; ARRAY: numpy arrays (of numpy
    # arrays when nested; dates as datetime.date); MAP: lists of (key,
    # value) pairs — pyarrow's own mapping, which PyFlink's
    # to_pandas(date_as_object=True) gives.
    return lambda arr, ix: _with_index(arr.to_pandas(date_as_object=True), ix)


def _objects(arr: pa.Array, ix: _Index) -> pd.Series:
    # Nested rows as dicts, as pyarrow gives them. Filled one by one: numpy
    # would broadcast lists of equal length into a 2-D array.
    values = np.empty(len(arr), dtype=object)
    for i, v in enumerate(arr.to_pylist()):
        values[i] = v
    return pd.Series(values, index=ix.index, copy=False)


def _with_index(s: pd.Series, ix: _Index) -> pd.Series:
    s.index = ix.index
    return s


class Inputs:
    """The argument columns of one batch schema: where each sits in the
    block of C structs, its pyarrow type, its pandas converter and, for the
    numeric types Go may send as a view of the Arrow buffer, the numpy dtype
    of that buffer. Built when the schema changes, not per batch."""

    __slots__ = ("slots", "results")

    def __init__(self, types: Sequence[pa.DataType], struct_size: int, arrow: bool = False) -> None:
        if arrow:
            # Arrow UDFs take the imported pyarrow Array itself; Go sends
            # every column through the C Data Interface (no views).
            self.slots = [(k * struct_size, t, _as_arrow, None) for k, t in enumerate(types)]
        else:
            self.slots = [(k * struct_size, t, _arg_converter(t), _view_dtype(t)) for k, t in enumerate(types)]
        # The result structs follow the argument structs in the same block.
        self.results = len(types) * struct_size


def _as_arrow(arr: pa.Array, ix: _Index) -> pa.Array:
    return arr


def _view_dtype(t: pa.DataType) -> np.dtype | None:
    """The numpy dtype of the types whose columns and results may cross as
    plain buffers (sluice.View) rather than through the C Data Interface —
    the same list as viewWidth on the Go side. Booleans are bit-packed and
    float16 is not a SQL type: both take the general path."""
    if pa.types.is_integer(t) or pa.types.is_float32(t) or pa.types.is_float64(t):
        return np.dtype(t.to_pandas_dtype())
    return None


# ---- pandas → Arrow -----------------------------------------------------------

Result = Callable[[Any, int], pa.Array]

_MEMORY = pa.default_cpu_memory_manager()
_minimum = np.minimum.reduce
_frombuffer = np.frombuffer
_ndarray = np.ndarray
_Series = pd.Series


def _detach(arr: pa.Array) -> pa.Array:
    """A copy of arr in memory Arrow allocated.

    An array built from numpy without a copy keeps numpy's memory alive
    through a Python object, and dropping it then takes the GIL on whatever
    goroutine releases the result: a pure-Go operator would wait behind
    another task's Python (up to a 5 ms switch interval), and deadlock if
    the goroutine holding the GIL waits for it. One copy here (a memcpy, no
    conversion) makes releasing a result free of Python."""
    return arr.copy_to(_MEMORY)


def _article(name: str) -> str:
    return ("an " if name[:1].lower() in "aeiou" else "a ") + name


def _describe_type(v: Any) -> str:
    if v is None:
        return "None"
    t = type(v)
    mod = t.__module__
    if mod == "builtins":
        return _article(t.__name__)
    if mod.startswith("pandas"):
        return _article("pandas." + t.__name__)
    if mod.startswith("numpy"):
        return _article("numpy." + t.__name__)
    if mod.startswith("pyarrow"):
        return _article("pyarrow." + t.__name__)
    return _article(f"{mod}.{t.__qualname__}")


def _numeric_fast(t: pa.DataType) -> np.dtype | None:
    if pa.types.is_integer(t) or pa.types.is_floating(t):
        return np.dtype(t.to_pandas_dtype())
    return None


def _leaf_kind(t: pa.DataType) -> str:
    if pa.types.is_null(t):
        return "null"
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t) or pa.types.is_decimal(t):
        return "number"
    if pa.types.is_timestamp(t):
        return "timestamp"
    if pa.types.is_date(t):
        return "date"
    if pa.types.is_time(t):
        return "time"
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return "string"
    if pa.types.is_binary(t) or pa.types.is_large_binary(t):
        return "binary"
    return "other"


def _is_list(t: pa.DataType) -> bool:
    return pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t)


def _castable(src: pa.DataType, dst: pa.DataType, top: bool) -> bool:
    """Whether a safe Arrow cast from the type pyarrow inferred is the right
    conversion: it is for numbers (pyarrow's direct conversion of Python
    floats into integers truncates silently), not for strings (a cast would
    parse them)."""
    if pa.types.is_null(src):
        return True
    if _is_list(src) and _is_list(dst):
        return _castable(src.value_type, dst.value_type, False)
    if pa.types.is_struct(src) and pa.types.is_struct(dst):
        if src.num_fields != dst.num_fields:
            return False
        for i in range(src.num_fields):
            j = dst.get_field_index(src.field(i).name)
            if j < 0 or not _castable(src.field(i).type, dst.field(j).type, False):
                return False
        return True
    s, d = _leaf_kind(src), _leaf_kind(dst)
    if s == "number":
        return d == "number"
    if s == "timestamp":
        # A timestamp into DATE is checked for a time of day at the top
        # level only; nested, Arrow's cast would drop it silently.
        return d == "timestamp" or (d == "date" and top)
    return s == d and s in ("date", "time", "string", "binary")


def _cast(arr: pa.Array, target: pa.DataType) -> pa.Array:
    if arr.type == target:
        return arr
    if pa.types.is_decimal(target) and pa.types.is_integer(arr.type):
        # Arrow casts an integer only into a DECIMAL wide enough for every
        # value of its type; go through one, then check the values fit.
        wide = pa.decimal128(38, target.scale) if target.scale <= 18 else pa.decimal256(76, target.scale)
        return arr.cast(wide, safe=True).cast(target, safe=True)
    if pa.types.is_date(target) and pa.types.is_timestamp(arr.type):
        out = arr.cast(target, safe=True)
        # Arrow's timestamp → date cast drops the time of day even when safe.
        if not pc.all(pc.equal(out.cast(arr.type), arr)).as_py():
            raise pa.ArrowInvalid(f"casting {arr.type} to {target} would lose the time of day")
        return out
    return arr.cast(target, safe=True)


def _result_converter(target: pa.DataType) -> Result:
    """The conversion of a UDF's return value into an array of target."""
    sql = _sql_name(target)
    fast = _numeric_fast(target)
    floating = pa.types.is_floating(target)
    struct = pa.types.is_struct(target)
    fields: list[tuple[str, Result]] = []
    if struct:
        fields = [
            (target.field(i).name, _result_converter(target.field(i).type))
            for i in range(target.num_fields)
        ]

    def from_numpy(vals: np.ndarray) -> pa.Array:
        # The common case — a numpy array of exactly the declared type — is
        # wrapped without a conversion and copied once by _detach.
        if floating:
            m = _minimum(vals)  # NaN propagates: one pass finds any
            if m != m:
                # pandas' missing value for floats: NaN becomes NULL, as
                # PyFlink's pa.Array.from_pandas does.
                return _detach(pa.array(vals, type=target, mask=np.isnan(vals)))
        if vals.flags.c_contiguous:
            return _detach(pa.Array.from_buffers(target, len(vals), [None, pa.py_buffer(vals)]))
        return _detach(pa.array(vals, type=target))

    def general(res: Any, n: int, what: str) -> pa.Array:
        if isinstance(res, pa.ChunkedArray):
            res = res.combine_chunks()
        if isinstance(res, pa.Array):
            _check_length(len(res), n)
            src = str(res.type)
            try:
                arr = _cast(res, target)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as e:
                raise _ResultError(f"{what} {src} values that do not convert to {sql}", e) from None
            return _detach(arr)
        if isinstance(res, list):
            src = "list"
            # As objects: pandas would make floats of ints with None, and
            # lose digits above 2**53 before Arrow sees them.
            res = pd.Series(res, dtype=object)
        elif isinstance(res, np.ndarray):
            if res.ndim != 1:
                raise _ResultError(f"{what} a {res.ndim}-dimensional numpy array; expected one dimension")
            src = str(res.dtype)
        elif isinstance(res, (pd.Series, pd.Index)):
            src = str(res.dtype)
        else:
            expected = _EXPECTED_ROW if struct else _EXPECTED
            raise _ResultError(f"{what} {_describe_type(res)}; {expected}")
        _check_length(len(res), n)
        try:
            arr = _from_pandas(res, target)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError, OverflowError, ValueError, TypeError) as e:
            raise _ResultError(f"{what} {src} values that do not convert to {sql}", e) from None
        return _detach(arr)

    def frame(df: pd.DataFrame, n: int, what: str) -> pa.Array:
        _check_length(len(df), n)
        names = [name for name, _ in fields]
        cols = list(df.columns)
        if all(name in cols for name in names) and len(cols) == len(names):
            series = [df[name] for name in names]
        elif len(cols) == len(names):
            series = [df.iloc[:, i] for i in range(len(names))]
        else:
            raise _ResultError(
                f"{what} a pandas.DataFrame with columns {[str(c) for c in cols]}; "
                f"expected the {len(names)} fields {', '.join(names)} of {sql}"
            )
        children = [conv(s, n, f"{what} a DataFrame whose column {s.name!r} has")
                    for (_, conv), s in zip(fields, series)]
        # A DataFrame row cannot say NULL: a row whose fields are all missing
        # is taken as a NULL row, so NULL rows survive an identity UDF.
        mask = None
        if children:
            null = np.logical_and.reduce([c.is_null().to_numpy(zero_copy_only=False) for c in children])
            if null.any():
                mask = pa.array(null)
        return pa.StructArray.from_arrays(children, fields=list(target), mask=mask)

    def convert(res: Any, n: int, what: str = "returned") -> pa.Array:
        if fast is not None:
            t = type(res)
            vals = res._values if t is pd.Series else res if t is np.ndarray else None
            if type(vals) is np.ndarray and vals.dtype == fast and vals.ndim == 1:
                _check_length(len(vals), n)
                return from_numpy(vals)
        if isinstance(res, pd.DataFrame):
            if not struct:
                raise _ResultError(f"{what} a pandas.DataFrame; {_EXPECTED} (a DataFrame only for a ROW result)")
            return frame(res, n, what)
        return general(res, n, what)

    return convert


_NULL = pa.null()
_EXPECTED_ARROW = "expected a pyarrow Array or a sequence pyarrow.array() accepts"


def _arrow_result_converter(target: pa.DataType) -> Result:
    """The conversion of an Arrow UDF's return value: a pyarrow Array whose
    type converts safely to target (see _castable: numbers into numbers,
    strings into strings, ...; an int64 array is no STRING), or anything
    else pyarrow.array() accepts, converted straight to target."""
    sql = _sql_name(target)

    def convert(res: Any, n: int, what: str = "returned") -> pa.Array:
        if isinstance(res, pa.ChunkedArray):
            res = res.combine_chunks()
        if isinstance(res, pa.Array):
            _check_length(len(res), n)
            rt = res.type
            if rt == target:
                # Not copied, though it may hold Python memory (an array
                # over numpy's): Go defers its release to a goroutine
                # holding the GIL.
                return res
            if not (rt == _NULL or _castable(rt, target, True)):
                raise _ResultError(f"{what} a pyarrow Array of type {rt}; the declared result type is {sql}")
            try:
                arr = res.cast(target) if rt == _NULL else _cast(res, target)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as e:
                raise _ResultError(f"{what} {rt} values that do not convert to {sql}", e) from None
            return arr
        if isinstance(res, (str, bytes, dict)) or not hasattr(res, "__len__"):
            raise _ResultError(f"{what} {_describe_type(res)}; {_EXPECTED_ARROW}")
        _check_length(len(res), n)
        try:
            arr = _chunks(pa.array(res, type=target, from_pandas=True))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError, OverflowError, ValueError, TypeError) as e:
            raise _ResultError(f"{what} {_describe_type(res)} whose values do not convert to {sql}", e) from None
        return arr

    return convert


def _check_length(got: int, n: int) -> None:
    if got != n:
        raise _ResultError(f"returned {got} rows for a batch of {n} rows")


def _from_pandas(res: pd.Series | pd.Index | np.ndarray, target: pa.DataType) -> pa.Array:
    """pandas values → Arrow, missing values (NaN, None, NA, NaT) → NULL."""
    dtype = res.dtype
    if dtype == object and _has_struct(target):
        # A pyflink Row is not a tuple: pyarrow gets its values in the
        # type's field order.
        res = pd.Series([_unrow(v, target) for v in res], dtype=object)
    if dtype == object:
        # Infer, then cast safely when that is the right conversion (see
        # _castable); otherwise pyarrow's direct conversion, whose errors
        # name the offending value.
        try:
            inferred = pa.Array.from_pandas(res)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            inferred = None
        if isinstance(inferred, pa.ChunkedArray):
            inferred = inferred.combine_chunks()
        if inferred is not None and _castable(inferred.type, target, True):
            return _cast(inferred, target)
        return _chunks(pa.Array.from_pandas(res, type=target))
    if (pa.types.is_decimal(target) and dtype.kind in "iufb") or (pa.types.is_date(target) and dtype.kind == "M"):
        # pyarrow converts numbers into DECIMAL and datetimes into DATE only
        # through a cast (which checks range, and here the time of day).
        return _cast(_chunks(pa.Array.from_pandas(res)), target)
    return _chunks(pa.Array.from_pandas(res, type=target))


def _has_struct(t: pa.DataType) -> bool:
    if pa.types.is_struct(t):
        return True
    if pa.types.is_map(t):
        return _has_struct(t.item_type)
    if _is_list(t):
        return _has_struct(t.value_type)
    return False


def _unrow(v: Any, t: pa.DataType) -> Any:
    """v with every pyflink Row in it as a tuple of t's fields."""
    if v is None:
        return v
    if pa.types.is_struct(t):
        names = [t.field(i).name for i in range(t.num_fields)]
        if hasattr(v, "get_fields_by_names"):
            v = v.get_fields_by_names(names)
        elif isinstance(v, dict):
            return {n: _unrow(v.get(n), t.field(i).type) for i, n in enumerate(names)}
        if isinstance(v, (list, tuple)):
            return tuple(_unrow(x, t.field(i).type) for i, x in enumerate(v))
        return v
    if pa.types.is_map(t) and isinstance(v, dict):
        return {k: _unrow(x, t.item_type) for k, x in v.items()}
    if _is_list(t) and isinstance(v, (list, tuple)):
        return [_unrow(x, t.value_type) for x in v]
    return v


def _chunks(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


_UNIT_DIGITS = {"s": 0, "ms": 3, "us": 6, "ns": 9}


def _sql_name(t: pa.DataType) -> str:
    """The SQL spelling of an Arrow type, as the row UDF kernels write it."""
    simple = {
        pa.bool_(): "BOOLEAN",
        pa.int8(): "TINYINT",
        pa.int16(): "SMALLINT",
        pa.int32(): "INT",
        pa.int64(): "BIGINT",
        pa.float32(): "FLOAT",
        pa.float64(): "DOUBLE",
        pa.string(): "STRING",
        pa.large_string(): "STRING",
        pa.binary(): "BYTES",
        pa.large_binary(): "BYTES",
        pa.date32(): "DATE",
        pa.null(): "NULL",
    }
    if t in simple:
        return simple[t]
    if pa.types.is_decimal(t):
        return f"DECIMAL({t.precision}, {t.scale})"
    if pa.types.is_time(t):
        return f"TIME({_UNIT_DIGITS[t.unit]})"
    if pa.types.is_timestamp(t):
        return f"{'TIMESTAMP_LTZ' if t.tz else 'TIMESTAMP'}({_UNIT_DIGITS[t.unit]})"
    if pa.types.is_map(t):
        return f"MAP<{_sql_name(t.key_type)}, {_sql_name(t.item_type)}>"
    if _is_list(t):
        return f"ARRAY<{_sql_name(t.value_type)}>"
    if pa.types.is_struct(t):
        return "ROW<" + ", ".join(f"{t.field(i).name} {_sql_name(t.field(i).type)}" for i in range(t.num_fields)) + ">"
    return str(t)


# ---- the evaluator ----------------------------------------------------------


class Evaluator:
    """Several pandas UDFs over the same batches.

    funcs[i] is called with the columns of argument slots args[i]; its
    result is converted to field i of the result schema Go exported."""

    def __init__(
        self,
        funcs: Sequence[Callable[..., Any]],
        args: Sequence[Sequence[int]],
        result_schema_ptr: int,
        struct_size: int,
        arrow: bool = False,
    ) -> None:
        schema = pa.Schema._import_from_c(result_schema_ptr)
        self.args = [tuple(a) for a in args]
        self.arrow = arrow
        convert = _arrow_result_converter if arrow else _result_converter
        # Per UDF: its index, the function, how to pick its arguments, the
        # general conversion of its result, the numpy dtype of the buffers
        # Go allocates for a numeric result (else None) and the offset of
        # its result struct.
        self.calls = [
            (i, fn, _picker(a), convert(f.type), None if arrow else _view_dtype(f.type), i * struct_size)
            for i, (fn, a, f) in enumerate(zip(funcs, args, schema))
        ]
        self.size = struct_size
        self.ix = _Index(0)

    def prepare(self, schema_ptr: int) -> Inputs:
        """The argument columns' types, from a schema Go exported."""
        return Inputs([f.type for f in pa.Schema._import_from_c(schema_ptr)], self.size, self.arrow)

    def evaluate(self, n: int, base: int, inputs: Inputs, *views: Any) -> Failure | None:
        """Runs every UDF over one batch of n rows.

        base is the address of a block of ArrowArray structs: one per
        argument column, then one per result. views holds, per argument
        column, a read-only sluice.View of its Arrow data buffer (a numeric
        column without NULLs) or None (the column is in its struct); then,
        per UDF, the views of the data and validity buffers Go allocated for
        a numeric result, or None, None. A result written into its buffers
        tells Go so through View.fill; any other is exported into its
        struct. Nothing is exported unless every UDF succeeds."""
        ix = self.ix
        if ix.n != n or ix.index.name is not None:
            # A function may name its argument's index in place
            # (x.index.name = ...); the next batch gets a fresh one.
            ix = self.ix = _Index(n)
        cols = []
        for view, (offset, t, conv, dtype) in zip(views, inputs.slots):
            try:
                if view is None:
                    cols.append(conv(_load(base + offset, t), ix))
                else:
                    # Zero copy, read-only: the Series sees Go's buffer.
                    cols.append(_series(_frombuffer(view, dtype), ix))
            except Exception as e:
                k = len(cols)
                return Failure(self._first_user(k), ARGUMENT, _sql_name(t), exc=e, slot=k)
        nslot = len(cols)
        outs = []
        for i, fn, pick, result, dtype, offset in self.calls:
            try:
                res = fn(cols[pick]) if type(pick) is int else fn(*pick(cols))
            except BaseException as e:
                return Failure(i, CALL, exc=e)
            try:
                if dtype is not None:
                    # A numpy array of exactly the declared dtype goes into
                    # the buffers Go allocated: View.fill copies it in one
                    # pass (strided arrays too) that also finds NaN, which
                    # becomes NULL as in the general path.
                    rt = type(res)
                    vals = res._values if rt is _Series else res if rt is _ndarray else None
                    if type(vals) is _ndarray and vals.dtype == dtype and vals.ndim == 1:
                        _check_length(len(vals), n)
                        j = nslot + 2 * i
                        views[j].fill(vals, views[j + 1])
                        continue
                outs.append((offset, result(res, n)))
            except _ResultError as e:
                return Failure(i, RESULT, e.detail, exc=e.cause)
        out = base + inputs.results
        for offset, arr in outs:
            arr._export_to_c(out + offset)
        return None

    def _first_user(self, slot: int) -> int:
        for i, a in enumerate(self.args):
            if slot in a:
                return i
        return 0


_load = pa.Array._import_from_c


def _picker(slots: Sequence[int]) -> int | Callable[[list], tuple]:
    """How evaluate picks a UDF's arguments out of the batch's columns
    without building a list per call: the slot of the only argument, or a
    function returning the tuple of them."""
    if len(slots) == 1:
        return slots[0]
    if not slots:
        return lambda cols: ()
    return operator.itemgetter(*slots)
