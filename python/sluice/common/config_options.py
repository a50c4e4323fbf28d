"""``pyflink.common.config_options``: ConfigOption and its builder."""
from __future__ import annotations

from typing import Any, Generic, Optional, TypeVar

T = TypeVar("T")

__all__ = ["ConfigOption", "ConfigOptions"]

_NO_DEFAULT = object()


class ConfigOption(Generic[T]):
    """A configuration key with its type and optional default value."""

    def __init__(self, key: str, value_type: str = "string", default: Any = _NO_DEFAULT,
                 description: str = "") -> None:
        self._key = key
        self._type = value_type
        self._default = default
        self._description = description

    def key(self) -> str:
        return self._key

    def has_default_value(self) -> bool:
        return self._default is not _NO_DEFAULT

    def default_value(self) -> Optional[T]:
        return None if self._default is _NO_DEFAULT else self._default

    def with_description(self, description: str) -> "ConfigOption[T]":
        return ConfigOption(self._key, self._type, self._default, description)

    def description(self) -> str:
        return self._description

    def __eq__(self, other: Any) -> bool:
        return (isinstance(other, ConfigOption) and self._key == other._key
                and self.default_value() == other.default_value() and self.has_default_value() == other.has_default_value())

    def __hash__(self) -> int:
        return hash(self._key)

    def __str__(self) -> str:
        return "Key: '%s' , default: %s (fallback keys: [])" % (self._key, self.default_value())


class ConfigOptions(object):
    """``ConfigOptions.key("k").int_type().default_value(3)``."""

    @staticmethod
    def key(key: str) -> "ConfigOptions.OptionBuilder":
        if not key:
            raise ValueError("key must not be null or empty")
        return ConfigOptions.OptionBuilder(key)

    class OptionBuilder(object):
        def __init__(self, key: str) -> None:
            self._key = key

        def _typed(self, t: str) -> "ConfigOptions.TypedConfigOptionBuilder":
            return ConfigOptions.TypedConfigOptionBuilder(self._key, t)

        def boolean_type(self) -> "ConfigOptions.TypedConfigOptionBuilder":
            return self._typed("boolean")

        def int_type(self) -> "ConfigOptions.TypedConfigOptionBuilder":
            return self._typed("int")

        def long_type(self) -> "ConfigOptions.TypedConfigOptionBuilder":
            return self._typed("long")

        def float_type(self) -> "ConfigOptions.TypedConfigOptionBuilder":
            return self._typed("float")

        def double_type(self) -> "ConfigOptions.TypedConfigOptionBuilder":
            return self._typed("double")

        def string_type(self) -> "ConfigOptions.TypedConfigOptionBuilder":
            return self._typed("string")

    class TypedConfigOptionBuilder(Generic[T]):
        def __init__(self, key: str, value_type: str) -> None:
            self._key = key
            self._type = value_type

        def default_value(self, value: T) -> ConfigOption[T]:
            return ConfigOption(self._key, self._type, value)

        def no_default_value(self) -> ConfigOption[str]:
            return ConfigOption(self._key, self._type)
