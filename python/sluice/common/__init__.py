"""``pyflink.common``: Row and Configuration."""
from __future__ import annotations

from typing import Any, Dict, Optional

# One Row class for everything: the C kernels build it for ROW arguments of
# UDFs, collect() builds it for result rows, users build it for elements.
from _sluice_runtime import Row, RowKind, _create_row  # noqa: F401

__all__ = ["Row", "RowKind", "Configuration"]


class Configuration:
    """Key/value options, as ``pyflink.common.Configuration``."""

    def __init__(self, other: Optional["Configuration"] = None) -> None:
        self._values: Dict[str, str] = dict(other._values) if other is not None else {}

    def set_string(self, key: str, value: str) -> "Configuration":
        self._values[key] = str(value)
        return self

    def get_string(self, key: str, default_value: str) -> str:
        return self._values.get(key, default_value)

    def set_integer(self, key: str, value: int) -> "Configuration":
        return self.set_string(key, str(value))

    def get_integer(self, key: str, default_value: int) -> int:
        return int(self._values.get(key, default_value))

    def set_boolean(self, key: str, value: bool) -> "Configuration":
        return self.set_string(key, "true" if value else "false")

    def get_boolean(self, key: str, default_value: bool) -> bool:
        v = self._values.get(key)
        return default_value if v is None else v.lower() == "true"

    def contains_key(self, key: str) -> bool:
        return key in self._values

    def to_dict(self) -> Dict[str, str]:
        return dict(self._values)

    def keys(self) -> Any:
        return self._values.keys()
