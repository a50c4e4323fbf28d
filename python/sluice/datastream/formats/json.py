"""``pyflink.datastream.formats.json``: Rows as JSON objects, read and
written by the engine's json format (the Row's fields are its columns)."""
from __future__ import annotations

from typing import Any, Optional

from sluice.common.serialization import DeserializationSchema, SerializationSchema

__all__ = ["JsonRowDeserializationSchema", "JsonRowSerializationSchema"]


class JsonRowDeserializationSchema(DeserializationSchema):
    def __init__(self, type_info: Any, fail_on_missing_field: bool = False, ignore_parse_errors: bool = False) -> None:
        super().__init__()
        self._type_info = type_info
        self._fail_on_missing_field = fail_on_missing_field
        self._ignore_parse_errors = ignore_parse_errors

    @staticmethod
    def builder() -> "JsonRowDeserializationSchema.Builder":
        return JsonRowDeserializationSchema.Builder()

    class Builder(object):
        def __init__(self) -> None:
            self._type_info: Optional[Any] = None
            self._fail = False
            self._ignore = False

        def type_info(self, type_info: Any) -> "JsonRowDeserializationSchema.Builder":
            self._type_info = type_info
            return self

        def json_schema(self, json_schema: str) -> "JsonRowDeserializationSchema.Builder":
            raise NotImplementedError("json_schema: give the Row's type with type_info(Types.ROW_NAMED(...))")

        def fail_on_missing_field(self) -> "JsonRowDeserializationSchema.Builder":
            self._fail = True
            return self

        def ignore_parse_errors(self) -> "JsonRowDeserializationSchema.Builder":
            self._ignore = True
            return self

        def build(self) -> "JsonRowDeserializationSchema":
            if self._type_info is None:
                raise TypeError("Must provide type info or json schema to build JsonRowDeserializationSchema")
            return JsonRowDeserializationSchema(self._type_info, self._fail, self._ignore)


class JsonRowSerializationSchema(SerializationSchema):
    def __init__(self, type_info: Any) -> None:
        super().__init__()
        self._type_info = type_info

    @staticmethod
    def builder() -> "JsonRowSerializationSchema.Builder":
        return JsonRowSerializationSchema.Builder()

    class Builder(object):
        def __init__(self) -> None:
            self._type_info: Optional[Any] = None

        def with_type_info(self, type_info: Any) -> "JsonRowSerializationSchema.Builder":
            self._type_info = type_info
            return self

        def build(self) -> "JsonRowSerializationSchema":
            if self._type_info is None:
                raise TypeError("Typeinfo should be set.")
            return JsonRowSerializationSchema(self._type_info)
