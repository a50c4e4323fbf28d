"""The Python half of Sluice's pandas aggregate functions
(``udaf(f, func_type="pandas")``).

Loaded once into the embedded interpreter as ``_sluice_pandas_agg``. Go keeps
each group's rows and, per flush of an aggregate operator, calls
``Aggregate.evaluate`` once for every result it buffered: the rows of all
those groups arrive as one Arrow array per argument (through the C Data
Interface, no copy) with the groups' offsets, each column becomes pandas
once, and the function is called per group with Series that are slices of
it. The results come back as one Arrow array of the declared type.

The conversions are those of pandas UDFs (``_sluice_pandas``): a group sees
what a pandas UDF sees for the same column. Failures are returned, not
raised, as ``_sluice_pandas.Failure`` with the group they happened on.
"""

from __future__ import annotations

import sys
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

__all__ = ["Aggregate"]

_load = pa.Array._import_from_c
_FLOATS = frozenset([float, int, np.float64, np.float32, np.float16, np.int64, np.int32, np.int16, np.int8, type(None)])
_INTS = frozenset([int, np.int64, np.int32, np.int16, np.int8, np.uint8, np.uint16, np.uint32])


class Aggregate:
    """One pandas aggregate function over argument columns of fixed types.

    ``schema_ptr`` is an exported schema whose fields are the argument types
    followed by the result type; ``pd_driver`` is ``_sluice_pandas``."""

    def __init__(self, fn: Callable[..., Any], pd_driver: Any, schema_ptr: int, struct_size: int) -> None:
        schema = pa.Schema._import_from_c(schema_ptr)
        types = [f.type for f in schema]
        self.fn = fn
        self.d = pd_driver
        self.types = types[:-1]
        self.convs = [pd_driver._arg_converter(t) for t in self.types]
        self.dtypes = [pd_driver._view_dtype(t) for t in self.types]
        self.out_dtype = pd_driver._view_dtype(types[-1])
        self.result = pd_driver._result_converter(types[-1])
        self.size = struct_size
        self.ixs: dict[int, Any] = {}
        self.last = self._index(0)  # the index of the last group called
        # DOUBLE and BIGINT results of plain numbers become one numpy array,
        # which the result conversion takes without looking at each value.
        target = types[-1]
        self.numeric = None
        if pa.types.is_float64(target):
            self.numeric = (np.float64, _FLOATS)
        elif pa.types.is_int64(target):
            self.numeric = (np.int64, _INTS)

    def _numeric(self, results: list[Any]) -> Any:
        if self.numeric is None:
            return results
        dtype, ok = self.numeric
        if not all(map(ok.__contains__, map(type, results))):
            return results
        try:
            # None is NaN as a float (NULL on the way out).
            return np.array(results, dtype=dtype)
        except (OverflowError, TypeError, ValueError):
            return results

    def _index(self, n: int) -> Any:
        ix = self.ixs.get(n)
        if ix is None or ix.index._name is not None:
            # A function may name its argument's index in place; the next
            # group of that length gets a fresh one.
            if len(self.ixs) > 64:
                self.ixs.clear()
            ix = self.ixs[n] = self.d._Index(n)
        return ix

    def evaluate(self, ngroups: int, base: int, offsets: Any, out: Any, out_valid: Any, *views: Any) -> Any:
        """Calls the function once per group.

        offsets is a read-only view of the groups' row offsets (int64,
        ngroups + 1 of them). views holds, per argument, a read-only view of
        its Arrow data buffer (a numeric column without NULLs) or None: the
        column is then exported at base + k * struct size. out and out_valid
        are views of the buffers of a numeric result (else None): results
        that make a numpy array of exactly that type are written there;
        any other is exported into the struct after the arguments'."""
        d = self.d
        offsets = np.frombuffer(offsets, dtype=np.int64).tolist()
        whole = None
        splits = []
        series = d._series
        for k, (t, conv, dtype, view) in enumerate(zip(self.types, self.convs, self.dtypes, views)):
            if view is not None:
                # Slices of the buffer itself, each wrapped as a Series.
                values = np.frombuffer(view, dtype)
                splits.append(lambda a, b, ix, values=values: series(values[a:b], ix))
                continue
            try:
                if whole is None:
                    whole = d._Index(offsets[-1])
                col = conv(_load(base + k * self.size, t), whole)
            except Exception as e:
                return d.Failure(0, d.ARGUMENT, d._sql_name(t), exc=e, slot=k)
            splits.append(_splitter(col, series))
        fn = self.fn
        index = self._index
        results: list[Any] = [None] * ngroups
        ix = self.last
        g = 0
        bounds = zip(offsets, offsets[1:])
        try:
            if len(splits) == 1 and views[0] is not None:
                # One numeric argument without NULLs, the common case: the
                # slices wrapped right here. Wrapping costs more than a mean
                # of 1000 values takes, so a Series the function did not
                # keep (only this frame refers to it) carries the next group
                # of the same length: its block takes the new slice and
                # whatever the call left on it (caches, name, attrs) is
                # cleared. A kept Series is never touched again.
                values = np.frombuffer(views[0], self.dtypes[0])
                s = None
                for g, (a, b) in enumerate(bounds):
                    if ix.n != b - a or ix.index._name is not None:
                        ix = index(b - a)
                    if s is not None and _getrefcount(s) == 2 and _reusable(s, ix):
                        s._mgr._block.values = values[a:b]
                    else:
                        s = series(values[a:b], ix)
                    results[g] = fn(s)
                s = None
            elif len(splits) == 1:
                # One argument: no list per group.
                split = splits[0]
                for g, (a, b) in enumerate(bounds):
                    # A function may name its argument's index in place
                    # (RangeIndex keeps the name in _name).
                    if ix.n != b - a or ix.index._name is not None:
                        ix = index(b - a)
                    results[g] = fn(split(a, b, ix))
            else:
                for g, (a, b) in enumerate(bounds):
                    if ix.n != b - a or ix.index._name is not None:
                        ix = index(b - a)
                    results[g] = fn(*[split(a, b, ix) for split in splits])
        except BaseException as e:
            self.last = ix
            f = d.Failure(0, d.CALL, exc=e)
            f.slot = g
            return f
        self.last = ix
        vals = self._numeric(results)
        if out is not None and type(vals) is np.ndarray and vals.dtype == self.out_dtype:
            # NaN becomes NULL on the way, as in the general path.
            out.fill(vals, out_valid)
            return None
        try:
            arr = self.result(vals, ngroups)
        except d._ResultError as e:
            return d.Failure(0, d.RESULT, _result_detail(e.detail, results), exc=e.cause)
        arr._export_to_c(base + len(self.types) * self.size)
        return None


_getrefcount = sys.getrefcount


def _reusable(s: pd.Series, ix: Any) -> bool:
    """Whether Series s, which no one but the caller holds, can take the
    next group's values: the same index object and length, and nothing the
    last call may have set on it (a name, attrs, flags, cached properties)
    left behind — those are reset here, or the Series is not reused."""
    d = s.__dict__
    if s._mgr.axes[0] is not ix.index or len(ix.index) != len(s._mgr._block.values):
        return False
    if d.get("_name") is not None:
        d["_name"] = None
    if d.get("_attrs"):
        return False
    c = d.get("_cache")
    if c:
        c.clear()
    return type(s) is pd.Series and s.flags.allows_duplicate_labels


def _result_detail(detail: str, results: Sequence[Any]) -> str:
    # The pandas UDF wording speaks of a batch's values; here each group
    # returned one value, so the offending one is named.
    for v in results:
        if isinstance(v, (pd.Series, pd.DataFrame, np.ndarray, list, tuple, pa.Array)):
            return "returned a %s for a group; expected one value per group" % type(v).__name__
    return detail


def _splitter(col: Any, series: Callable[[np.ndarray, Any], pd.Series]) -> Callable[[int, int, Any], Any]:
    """How to cut rows [a, b) of a converted column into the Series (or
    DataFrame, for a ROW) one group's call receives, indexed from 0."""
    if isinstance(col, pd.DataFrame):
        def frame(a: int, b: int, ix: Any) -> pd.DataFrame:
            part = col.iloc[a:b]
            part.index = ix.index
            return part
        return frame
    values = col._values
    if type(values) is np.ndarray and values.dtype.kind in "iufb":
        # The numpy block pandas would build anyway, without its checks.
        return lambda a, b, ix: series(values[a:b], ix)
    if isinstance(values, pd.arrays.IntegerArray) or isinstance(values, pd.arrays.BooleanArray):
        # Integers and booleans with NULLs somewhere in the column: a group
        # without any gets plain numpy values, as it would alone (and as
        # PyFlink gives it); one with NULLs gets pandas' nullable dtype.
        data, mask = values._data, values._mask

        def nullable(a: int, b: int, ix: Any) -> pd.Series:
            if mask[a:b].any():
                return pd.Series(values[a:b], index=ix.index, copy=False)
            return series(data[a:b], ix)
        return nullable

    def general(a: int, b: int, ix: Any) -> pd.Series:
        return pd.Series(values[a:b], index=ix.index, copy=False)
    return general
