"""Helpers the C kernels call: the Row type, exact DECIMAL conversion and
traceback formatting. Loaded once into the embedded interpreter as
``_sluice_runtime``; the Python API re-exports ``Row``."""

from __future__ import annotations

import traceback
from decimal import ROUND_HALF_UP, Decimal, localcontext
from enum import Enum
from typing import Any, Dict, Iterable, Iterator, List, Sequence

__all__ = ["Row", "RowKind", "make_row", "make_result_row", "row_values", "decimal_unscaled", "format_exception", "Decimal",
           "JobCancelled"]


class JobCancelled(BaseException):
    """Raised inside a Python function whose job was cancelled while it ran
    (asynchronously, at its next bytecode). A BaseException, as
    KeyboardInterrupt, so that ``except Exception`` in user code lets it
    through."""


class RowKind(Enum):
    """The change a row carries, as ``pyflink.common.RowKind``; ``str()`` is
    the short form Flink prints (+I, -U, +U, -D)."""

    INSERT = 0
    UPDATE_BEFORE = 1
    UPDATE_AFTER = 2
    DELETE = 3

    def __str__(self) -> str:
        return _KIND_SHORT[self.value]

    def __eq__(self, other: object) -> bool:
        # Sluice's first rows carried the short strings; comparing with them
        # keeps working.
        if isinstance(other, str):
            return _KIND_SHORT[self.value] == other
        return self is other

    def __hash__(self) -> int:
        return hash(self.value)


_KIND_SHORT = ("+I", "-U", "+U", "-D")
_KIND_BY_SHORT = {s: i for i, s in enumerate(_KIND_SHORT)}


def _row_kind(kind: Any) -> "RowKind":
    if isinstance(kind, RowKind):
        return kind
    if isinstance(kind, str):
        return RowKind(_KIND_BY_SHORT[kind])
    return RowKind(kind)


class Row:
    """A row, as PyFlink's ``pyflink.common.Row``: fields by position
    (``row[0]``), by name (``row['name']``, ``row.name``), a row kind
    (``get_row_kind()``), mutable values.

    ``Row(1, "a")`` is positional; ``Row(id=1, name="a")`` names the fields in
    the order given; ``Person = Row("id", "name")`` makes a row factory, so
    ``Person(1, "a")`` is ``Row(id=1, name="a")``. The C kernels build Rows
    for ROW values through ``make_row`` and read ``_values`` of returned ones.
    Slots, not a ``__dict__``: a row per ROW value must stay cheap; an unset
    ``_fields`` slot reads as absent, as PyFlink's missing attribute does.

    Rows of query results are positional, as PyFlink's collect() gives them
    (``<Row(1, 'a')>``, equal to ``Row(1, 'a')``), but keep their column
    names aside (``_names``) so that ``row.word``, ``row['word']`` and
    ``as_dict()`` still work where PyFlink would raise.
    """

    __slots__ = ("_fields", "_values", "_from_dict", "_row_kind", "_names")

    def _name_list(self) -> List[str]:
        """The field names, or the result column names of a positional
        row; AttributeError when there are none."""
        try:
            return self._fields
        except AttributeError:
            return _get_names(self)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args and kwargs:
            raise ValueError("Can not use both args and kwargs to create Row")
        if kwargs:
            _set_fields(self, list(kwargs.keys()))
            _set_values(self, list(kwargs.values()))
            _set_from_dict(self, True)
        else:
            _set_values(self, list(args))
            _set_from_dict(self, False)
        _set_kind(self, RowKind.INSERT)

    def as_dict(self, recursive: bool = False) -> Dict[str, Any]:
        try:
            names = self._name_list()
        except AttributeError:
            raise TypeError("Cannot convert a Row class into dict") from None
        if recursive:
            def conv(obj: Any) -> Any:
                if isinstance(obj, Row):
                    return obj.as_dict(True)
                if isinstance(obj, list):
                    return [conv(o) for o in obj]
                if isinstance(obj, dict):
                    return {k: conv(v) for k, v in obj.items()}
                return obj
            return dict(zip(names, (conv(o) for o in self._values)))
        return dict(zip(names, self._values))

    def get_row_kind(self) -> RowKind:
        return self._row_kind

    def set_row_kind(self, row_kind: Any) -> None:
        _set_kind(self, _row_kind(row_kind))

    def set_field_names(self, field_names: List[str]) -> None:
        _set_fields(self, field_names)

    def get_fields_by_names(self, names: Sequence[str]) -> List[Any]:
        if not hasattr(self, "_fields") or list(names) == list(self._fields):
            return self._values
        difference = list(set(names).difference(set(self._fields)))
        if difference:
            raise Exception("Field names {0} not exist in {1}.".format(difference, self._fields))
        return [self._values[self._fields.index(n)] for n in names]

    def _is_retract_msg(self) -> bool:
        return self._row_kind in (RowKind.UPDATE_BEFORE, RowKind.DELETE)

    def _is_accumulate_msg(self) -> bool:
        return self._row_kind in (RowKind.UPDATE_AFTER, RowKind.INSERT)

    @staticmethod
    def of_kind(row_kind: Any, *args: Any, **kwargs: Any) -> "Row":
        row = Row(*args, **kwargs)
        row.set_row_kind(row_kind)
        return row

    def __contains__(self, item: Any) -> bool:
        if hasattr(self, "_fields") and self._fields is not None:
            return item in self._fields
        return item in self._values

    def __call__(self, *args: Any) -> "Row":
        # A Row of field names used as a factory: Row('a', 'b')(1, 2).
        if len(args) > len(self):
            raise ValueError("Can not create Row with fields %s, expected %d values but got %s" % (self, len(self), args))
        return _create_row(self._values, args, self._row_kind)

    def __getitem__(self, item: Any) -> Any:
        if isinstance(item, (int, slice)):
            return self._values[item]
        try:
            return self._values[self._name_list().index(item)]
        except IndexError:
            raise KeyError(item)
        except (ValueError, AttributeError):
            raise ValueError(item)

    def __setitem__(self, key: Any, value: Any) -> None:
        if isinstance(key, (int, slice)):
            self._values[key] = value
            return
        try:
            self._values[self._name_list().index(key)] = value
        except (IndexError, AttributeError):
            raise KeyError(key)
        except ValueError:
            raise ValueError(value)

    def __getattr__(self, item: str) -> Any:
        # Only reached for names that are not slots or methods.
        if item.startswith("_"):
            raise AttributeError(item)
        try:
            return self._values[self._name_list().index(item)]
        except (IndexError, ValueError, AttributeError):
            raise AttributeError(item)

    def __setattr__(self, key: str, value: Any) -> None:
        if key not in Row.__slots__:
            raise AttributeError(key)
        object.__setattr__(self, key, value)

    def __reduce__(self) -> Any:
        if hasattr(self, "_fields"):
            return _create_row, (self._fields, tuple(self._values), self._row_kind)
        return _create_row, (None, tuple(self._values), self._row_kind)

    def __repr__(self) -> str:
        if hasattr(self, "_fields"):
            return "Row(%s)" % ", ".join("%s=%r" % (k, v) for k, v in zip(self._fields, self._values))
        return "<Row(%s)>" % ", ".join(repr(v) for v in self._values)

    def __eq__(self, other: object) -> bool:
        # As PyFlink: named rows compare by field name regardless of order;
        # the row kind takes part; a Row never equals a tuple.
        if not isinstance(other, Row):
            return False
        if self._row_kind is not other._row_kind:
            return False
        if hasattr(self, "_fields"):
            if not hasattr(other, "_fields") or sorted(self._fields) != sorted(other._fields):
                return False
            names = sorted(self._fields)
            return [self._values[self._fields.index(n)] for n in names] == \
                [other._values[other._fields.index(n)] for n in names]
        if hasattr(other, "_fields"):
            return False
        return self._values == other._values

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(tuple(self._values))

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


_set_fields = Row._fields.__set__  # type: ignore[attr-defined]
_set_values = Row._values.__set__  # type: ignore[attr-defined]
_set_from_dict = Row._from_dict.__set__  # type: ignore[attr-defined]
_set_kind = Row._row_kind.__set__  # type: ignore[attr-defined]
_set_names = Row._names.__set__  # type: ignore[attr-defined]
_get_names = Row._names.__get__  # type: ignore[attr-defined]
_new_row = object.__new__


def _create_row(fields: Any, values: Iterable[Any], row_kind: Any = None) -> Row:
    row = Row(*values)
    if fields is not None:
        _set_fields(row, fields)
    if row_kind is not None:
        row.set_row_kind(row_kind)
    return row


def make_row(names: Sequence[str], values: Iterable[Any]) -> Row:
    """A named row of a ROW value (what the C kernels and collect() build);
    skips ``__init__`` for speed."""
    row = _new_row(Row)
    _set_fields(row, list(names))
    _set_values(row, list(values))
    _set_from_dict(row, False)
    _set_kind(row, RowKind.INSERT)
    return row


def make_result_row(names: Sequence[str], values: Iterable[Any]) -> Row:
    """A positional row of a query result (PyFlink's collect() rows have
    no field names) that still reads its columns by name."""
    row = _new_row(Row)
    _set_names(row, names if isinstance(names, list) else list(names))
    _set_values(row, list(values))
    _set_from_dict(row, False)
    _set_kind(row, RowKind.INSERT)
    return row


def row_values(row: Row, names: Sequence[str]) -> List[Any]:
    """The values of a Row returned for a ROW type: by field name when the
    row has names (as PyFlink's coder does), by position otherwise."""
    return row.get_fields_by_names(names)


def decimal_unscaled(v: Any, precision: int, scale: int) -> int:
    """The unscaled integer of v at the given scale, rounded HALF_UP as
    Flink's DecimalData does; an error when it does not fit the precision."""
    if isinstance(v, bool) or not isinstance(v, (Decimal, int)):
        raise TypeError(
            f"expected decimal.Decimal or int for DECIMAL({precision}, {scale}), "
            f"got {v!r} of type {type(v).__name__}"
        )
    with localcontext() as ctx:
        ctx.prec = 100
        d = Decimal(v)
        if not d.is_finite():
            raise ValueError(f"{v!r} is not a finite number and has no DECIMAL({precision}, {scale}) value")
        n = int(d.scaleb(scale).to_integral_value(rounding=ROUND_HALF_UP))
    if abs(n) >= 10**precision:
        raise OverflowError(f"value {v!r} is out of range for DECIMAL({precision}, {scale})")
    return n


def format_exception(t: type, v: BaseException, tb: Any) -> str:
    return "".join(traceback.format_exception(t, v, tb))
