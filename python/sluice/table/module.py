"""Modules (``pyflink.table.module``): ``Module``, ``HiveModule``,
``ModuleEntry``, and the per-environment list of loaded and used modules.

The engine's built-in functions are Flink's ``core`` module: it is loaded
and used from the start, can be reordered, unused or unloaded like any
module, as in Flink. Other modules carry Java functions (Hive's), which
the engine cannot load."""
from __future__ import annotations

from typing import Any, List, Optional

__all__ = ["Module", "HiveModule", "CoreModule", "ModuleEntry"]


class Module:
    """A set of functions an environment can load under a name."""

    def __init__(self, j_module: Any = None) -> None:
        self._j_module = j_module


class CoreModule(Module):
    """Flink's built-in functions: what the engine evaluates."""

    INSTANCE: "CoreModule"


CoreModule.INSTANCE = CoreModule()


class HiveModule(Module):
    """Hive's built-in functions: Java, which the engine does not run."""

    def __init__(self, hive_version: Optional[str] = None) -> None:
        raise NotImplementedError("HiveModule: Hive's functions are Java; Sluice runs no Java")


class ModuleEntry:
    """A module's name and whether it is used, as Flink's ModuleEntry."""

    def __init__(self, name: str, used: bool, j_module_entry: Any = None) -> None:
        self._name = name
        self._used = used

    def name(self) -> str:
        return self._name

    def used(self) -> bool:
        return self._used

    def __repr__(self) -> str:
        return "ModuleEntry{name='%s', used=%s}" % (self._name, "true" if self._used else "false")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ModuleEntry) and (other._name, other._used) == (self._name, self._used)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash((self._name, self._used))


class _Modules:
    """Loaded modules in load order and the used ones in resolution order
    (Flink's ModuleManager), with Flink's validation messages."""

    def __init__(self) -> None:
        self.loaded: List[str] = ["core"]
        self.modules = {"core": CoreModule.INSTANCE}
        self.used: List[str] = ["core"]

    def load(self, name: str, module: Module) -> None:
        if not isinstance(name, str) or not name.strip():
            raise ValueError("Module name cannot be null or empty string")
        if not isinstance(module, Module):
            raise TypeError("load_module takes a Module, got %s" % type(module).__name__)
        if name in self.modules:
            raise ValueError("A module with name '%s' already exists" % name)
        if not isinstance(module, CoreModule):
            raise NotImplementedError("load_module(%r): only Flink's core module (the engine's built-in functions) can be loaded; "
                                      "other modules hold Java functions" % name)
        self.loaded.append(name)
        self.modules[name] = module
        self.used.append(name)

    def unload(self, name: str) -> None:
        if name not in self.modules:
            raise ValueError("No module with name '%s' exists" % name)
        self.loaded.remove(name)
        del self.modules[name]
        if name in self.used:
            self.used.remove(name)

    def use(self, names: List[str]) -> None:
        seen = set()
        for n in names:
            if n not in self.modules:
                raise ValueError("No module with name '%s' exists" % n)
            if n in seen:
                raise ValueError("Module '%s' appears more than once" % n)
            seen.add(n)
        self.used = list(names)

    def entries(self) -> List[ModuleEntry]:
        return [ModuleEntry(n, True) for n in self.used] + \
            [ModuleEntry(n, False) for n in self.loaded if n not in self.used]
