"""``pyflink.datastream.slot_sharing_group``: MemorySize and
SlotSharingGroup (recorded resource specifications)."""
from __future__ import annotations

from typing import Any, Dict, Optional

__all__ = ["MemorySize", "SlotSharingGroup"]


class MemorySize(object):
    """A number of bytes (Flink's MemorySize)."""

    def __init__(self, j_memory_size: Any = None, bytes_size: Optional[int] = None) -> None:
        if bytes_size is None or bytes_size < 0:
            raise ValueError("bytes must be >= 0")
        self._bytes = int(bytes_size)

    @staticmethod
    def of_mebi_bytes(mebi_bytes: int) -> "MemorySize":
        return MemorySize(bytes_size=mebi_bytes << 20)

    def get_bytes(self) -> int:
        return self._bytes

    def get_kibi_bytes(self) -> int:
        return self._bytes >> 10

    def get_mebi_bytes(self) -> int:
        return self._bytes >> 20

    def get_gibi_bytes(self) -> int:
        return self._bytes >> 30

    def get_tebi_bytes(self) -> int:
        return self._bytes >> 40

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, MemorySize) and self._bytes == other._bytes

    def __hash__(self) -> int:
        return hash(self._bytes)

    def __lt__(self, other: "MemorySize") -> bool:
        return self._bytes < other._bytes

    def __le__(self, other: "MemorySize") -> bool:
        return self._bytes <= other._bytes

    def __str__(self) -> str:
        # Flink's toHumanReadableString for whole units, else bytes
        for shift, unit in ((40, "tb"), (30, "gb"), (20, "mb"), (10, "kb")):
            if self._bytes and self._bytes % (1 << shift) == 0:
                return "%d %s" % (self._bytes >> shift, unit)
        return "%d bytes" % self._bytes


class SlotSharingGroup(object):
    """A named slot sharing group with its resources (recorded)."""

    def __init__(self, name: str, resources: Optional[Dict[str, Any]] = None) -> None:
        self._name = name
        self._resources = dict(resources or {})

    def get_name(self) -> str:
        return self._name

    def get_managed_memory(self) -> Optional[MemorySize]:
        return self._resources.get("managed_memory")

    def get_task_heap_memory(self) -> Optional[MemorySize]:
        return self._resources.get("task_heap_memory")

    def get_task_off_heap_memory(self) -> Optional[MemorySize]:
        return self._resources.get("task_off_heap_memory")

    def get_cpu_cores(self) -> Optional[float]:
        return self._resources.get("cpu_cores")

    def get_external_resources(self) -> dict:
        return dict(self._resources.get("external", {}))

    @staticmethod
    def builder(name: str) -> "SlotSharingGroup.Builder":
        return SlotSharingGroup.Builder(name)

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, SlotSharingGroup) and (self._name, self._resources) == (other._name, other._resources)

    def __hash__(self) -> int:
        return hash(self._name)

    class Builder(object):
        def __init__(self, name: str) -> None:
            self._name = name
            self._r: Dict[str, Any] = {}

        def set_cpu_cores(self, cpu_cores: float) -> "SlotSharingGroup.Builder":
            self._r["cpu_cores"] = cpu_cores
            return self

        def set_task_heap_memory(self, task_heap_memory: MemorySize) -> "SlotSharingGroup.Builder":
            self._r["task_heap_memory"] = task_heap_memory
            return self

        def set_task_heap_memory_mb(self, mb: int) -> "SlotSharingGroup.Builder":
            return self.set_task_heap_memory(MemorySize.of_mebi_bytes(mb))

        def set_task_off_heap_memory(self, m: MemorySize) -> "SlotSharingGroup.Builder":
            self._r["task_off_heap_memory"] = m
            return self

        def set_task_off_heap_memory_mb(self, mb: int) -> "SlotSharingGroup.Builder":
            return self.set_task_off_heap_memory(MemorySize.of_mebi_bytes(mb))

        def set_managed_memory(self, m: MemorySize) -> "SlotSharingGroup.Builder":
            self._r["managed_memory"] = m
            return self

        def set_managed_memory_mb(self, mb: int) -> "SlotSharingGroup.Builder":
            return self.set_managed_memory(MemorySize.of_mebi_bytes(mb))

        def set_external_resource(self, name: str, value: float) -> "SlotSharingGroup.Builder":
            self._r.setdefault("external", {})[name] = value
            return self

        def build(self) -> "SlotSharingGroup":
            return SlotSharingGroup(self._name, self._r)
