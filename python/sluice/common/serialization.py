"""``pyflink.common.serialization``: the (de)serialization schemas and
encoders DataStream connectors take. They record their settings; the
DataStream connectors that use them are not supported by Sluice yet
(table connectors take ``'format' = ...`` options instead)."""
from __future__ import annotations

from typing import Any, Optional

__all__ = ["SerializationSchema", "DeserializationSchema", "SimpleStringSchema", "ByteArraySchema", "Encoder"]


class SerializationSchema(object):
    """Turns a value into bytes."""

    def __init__(self, j_serialization_schema: Any = None) -> None:
        self._j_serialization_schema = j_serialization_schema


class DeserializationSchema(object):
    """Turns bytes into a value."""

    def __init__(self, j_deserialization_schema: Any = None) -> None:
        self._j_deserialization_schema = j_deserialization_schema


class SimpleStringSchema(SerializationSchema, DeserializationSchema):
    """Strings as bytes in ``charset``."""

    def __init__(self, charset: str = "UTF-8") -> None:
        SerializationSchema.__init__(self)
        DeserializationSchema.__init__(self)
        self._charset = charset

    def serialize(self, value: str) -> bytes:
        return value.encode(self._charset)

    def deserialize(self, message: bytes) -> str:
        return message.decode(self._charset)


class ByteArraySchema(SerializationSchema, DeserializationSchema):
    """Bytes as they are."""

    def __init__(self) -> None:
        SerializationSchema.__init__(self)
        DeserializationSchema.__init__(self)

    def serialize(self, value: bytes) -> bytes:
        return bytes(value)

    def deserialize(self, message: bytes) -> bytes:
        return bytes(message)


class Encoder(object):
    """How a file sink writes records (``Encoder.simple_string_encoder()``)."""

    def __init__(self, kind: str = "simple_string", charset: Optional[str] = "UTF-8") -> None:
        self._kind = kind
        self._charset = charset

    @staticmethod
    def simple_string_encoder(charset_name: str = "UTF-8") -> "Encoder":
        return Encoder("simple_string", charset_name)
