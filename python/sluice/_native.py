"""The bridge to the engine: every call is one C call into Go."""
from __future__ import annotations

from typing import Any

try:
    import _sluice_native
except ImportError as e:  # pragma: no cover - only outside the sluice binary
    raise ImportError("the sluice package runs inside the sluice binary (bin/sluice run, bin/sluice shell)") from e


def call(op: str, *args: Any) -> Any:
    return _sluice_native.call(op, *args)


class Handle:
    """A Go object held by Python; released when garbage collected."""

    __slots__ = ("id",)

    def __init__(self, id: int) -> None:
        self.id = id

    def __del__(self) -> None:
        try:
            _sluice_native.call("release", self.id)
        except Exception:
            pass
