"""Helpers the C kernels call: the Row type, exact DECIMAL conversion and
traceback formatting. Loaded once into the embedded interpreter as
``_sluice_runtime``; the Python API re-exports ``Row``."""

from __future__ import annotations

import traceback
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any, Iterable, Sequence

__all__ = ["Row", "make_row", "decimal_unscaled", "format_exception", "Decimal"]


class Row(tuple):
    """A row of a ROW type, as PyFlink's ``Row``: a tuple whose fields can
    also be read by name.

    ``Row(1, "a")`` is positional; ``Row(id=1, name="a")`` names the fields in
    the order given; ``Person = Row("id", "name")`` makes a row factory, so
    ``Person(1, "a")`` is ``Row(id=1, name="a")``.
    """

    _fields: tuple[str, ...] | None

    def __new__(cls, *args: Any, **kwargs: Any) -> "Row":
        if args and kwargs:
            raise ValueError("Row takes either positional values or named values, not both")
        if kwargs:
            row = tuple.__new__(cls, tuple(kwargs.values()))
            row._fields = tuple(kwargs.keys())
            return row
        row = tuple.__new__(cls, args)
        row._fields = None
        return row

    def __call__(self, *values: Any) -> "Row":
        # A Row of field names used as a factory, as in PyFlink.
        if self._fields is not None or not all(isinstance(n, str) for n in self):
            raise TypeError("only a Row of field names can create rows")
        if len(values) != len(self):
            raise ValueError(f"expected {len(self)} values for fields {tuple(self)}, got {len(values)}")
        return make_row(tuple(self), values)

    def get_row_kind(self) -> str:
        """+I, -U, +U or -D (pyflink.common.RowKind's values)."""
        return self.__dict__.get("_kind", "+I")

    def set_row_kind(self, kind: str) -> None:
        self._kind = kind

    def as_dict(self, recursive: bool = False) -> dict[str, Any]:
        if self._fields is None:
            raise TypeError("cannot convert a Row without field names to a dict")

        def conv(v: Any) -> Any:
            if recursive and isinstance(v, Row) and v._fields is not None:
                return v.as_dict(True)
            if recursive and isinstance(v, list):
                return [conv(x) for x in v]
            if recursive and isinstance(v, dict):
                return {k: conv(x) for k, x in v.items()}
            return v

        return {n: conv(v) for n, v in zip(self._fields, self)}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        fields = self.__dict__.get("_fields")
        if fields is not None and name in fields:
            return tuple.__getitem__(self, fields.index(name))
        raise AttributeError(f"Row has no field {name!r}")

    def __getitem__(self, item: Any) -> Any:  # type: ignore[override]
        if isinstance(item, str):
            fields = self._fields
            if fields is None or item not in fields:
                raise KeyError(item)
            return tuple.__getitem__(self, fields.index(item))
        return tuple.__getitem__(self, item)

    def __reduce__(self) -> Any:
        if self._fields is None:
            return (Row, tuple(self))
        return (make_row, (self._fields, tuple(self)))

    def __repr__(self) -> str:
        if self._fields is None:
            return "Row(" + ", ".join(repr(v) for v in self) + ")"
        return "Row(" + ", ".join(f"{n}={v!r}" for n, v in zip(self._fields, self)) + ")"


def make_row(names: Sequence[str], values: Iterable[Any]) -> Row:
    row = tuple.__new__(Row, tuple(values))
    row._fields = tuple(names)
    return row


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
