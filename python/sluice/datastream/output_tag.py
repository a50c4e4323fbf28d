"""``pyflink.datastream.output_tag``: OutputTag, the named, typed tag of a
side output."""
from __future__ import annotations

from typing import Any, Optional, Union

from sluice.common.typeinfo import RowTypeInfo, TypeInformation, Types

__all__ = ["OutputTag"]


class OutputTag(object):
    """A side output's tag: ``OutputTag("late", Types.TUPLE([...]))``; a
    list of types means a row of them, no type means pickled values."""

    def __init__(self, tag_id: str, type_info: Optional[Union[TypeInformation, list]] = None) -> None:
        if not tag_id:
            raise ValueError("OutputTag tag_id cannot be None or empty string")
        self.tag_id = tag_id
        if type_info is None:
            self.type_info = Types.PICKLED_BYTE_ARRAY()
        elif isinstance(type_info, list):
            self.type_info = RowTypeInfo(type_info)
        elif not isinstance(type_info, TypeInformation):
            raise TypeError("OutputTag type_info must be None, list or TypeInformation")
        else:
            self.type_info = type_info

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, OutputTag) and self.tag_id == other.tag_id and self.type_info == other.type_info

    def __hash__(self) -> int:
        return hash(self.tag_id)

    def __repr__(self) -> str:
        return "OutputTag(%r, %r)" % (self.tag_id, self.type_info)
