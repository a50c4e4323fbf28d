"""``Configuration``: key/value options, as ``pyflink.common.Configuration``
(every value is kept as Flink's string form)."""
from __future__ import annotations

import base64
from typing import Any, Dict, List, Optional, Set

__all__ = ["Configuration"]


class Configuration:
    """Key/value options. Values are stored as strings, as Flink's
    configuration writes them (``true``/``false``, decimal numbers), and
    parsed when read."""

    @classmethod
    def from_dict(cls, map: Dict[str, str]) -> "Configuration":
        c = cls()
        for k, v in map.items():
            c.set_string(k, v)
        return c

    def __init__(self, other: Optional["Configuration"] = None, j_configuration: Any = None) -> None:
        self._values: Dict[str, str] = dict(other._values) if other is not None else {}

    def get_string(self, key: str, default_value: Optional[str]) -> Optional[str]:
        return self._values.get(key, default_value)

    def set_string(self, key: str, value: str) -> "Configuration":
        self._values[key] = str(value)
        return self

    @staticmethod
    def parse_list_value(value: str) -> List[str]:
        """A list option: ``a;b`` or a YAML-style ``[a, b]``."""
        if not value:
            return []
        v = value.strip()
        if v.startswith("[") and v.endswith("]"):
            return [x.strip().strip("'\"") for x in v[1:-1].split(",") if x.strip()]
        return value.split(";")

    def get_integer(self, key: str, default_value: int) -> int:
        v = self._values.get(key)
        return default_value if v is None else int(v)

    def set_integer(self, key: str, value: int) -> "Configuration":
        return self.set_string(key, str(int(value)))

    def get_boolean(self, key: str, default_value: bool) -> bool:
        v = self._values.get(key)
        if v is None:
            return default_value
        if v.lower() not in ("true", "false"):
            raise ValueError("Could not parse value '%s' for key '%s'." % (v, key))
        return v.lower() == "true"

    def set_boolean(self, key: str, value: bool) -> "Configuration":
        return self.set_string(key, "true" if value else "false")

    def get_float(self, key: str, default_value: float) -> float:
        v = self._values.get(key)
        return float(default_value) if v is None else float(v)

    def set_float(self, key: str, value: float) -> "Configuration":
        return self.set_string(key, repr(float(value)))

    def get_bytearray(self, key: str, default_value: bytearray) -> bytearray:
        v = self._values.get(key)
        return default_value if v is None else bytearray(base64.b64decode(v))

    def set_bytearray(self, key: str, value: bytearray) -> "Configuration":
        # Flink keeps bytes as Base64 text in its string map.
        return self.set_string(key, base64.b64encode(bytes(value)).decode("ascii"))

    def key_set(self) -> Set[str]:
        return set(self._values)

    def keys(self) -> Any:
        return self._values.keys()

    def add_all_to_dict(self, target_dict: Dict[str, str]) -> None:
        target_dict.update(self._values)

    def add_all(self, other: "Configuration", prefix: Optional[str] = None) -> "Configuration":
        for k, v in other._values.items():
            self.set_string(k if prefix is None else prefix + k, v)
        return self

    def contains_key(self, key: str) -> bool:
        return key in self._values

    def to_dict(self) -> Dict[str, str]:
        return dict(self._values)

    def remove_config(self, key: str) -> bool:
        return self._values.pop(key, None) is not None

    def remove_key(self, key: str) -> bool:
        return self.remove_config(key)

    def __deepcopy__(self, memodict: Any = None) -> "Configuration":
        return Configuration(self)

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._values.items())))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Configuration) and other._values == self._values

    def __str__(self) -> str:
        # Java's HashMap toString, as PyFlink prints it.
        from sluice.table._java_order import hashmap_order, map_string
        return map_string(hashmap_order(list(self._values.items())))
