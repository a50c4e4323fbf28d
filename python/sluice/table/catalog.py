"""``pyflink.table.catalog``: ObjectPath, CatalogBaseTable, Catalog and
CatalogDescriptor. Sluice has one in-memory catalog per environment
(``default_catalog`` with ``default_database``); ``t_env.get_catalog(name)``
gives a Catalog view of it that reads the environment's tables."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from sluice import _native

__all__ = ["Catalog", "CatalogBaseTable", "CatalogDescriptor", "ObjectPath", "CatalogDatabase"]

_CATALOG = "default_catalog"
_DATABASE = "default_database"


class ObjectPath(object):
    """A database name and an object (table, view, function) name."""

    def __init__(self, database_name: Optional[str] = None, object_name: Optional[str] = None) -> None:
        if not database_name or not str(database_name).strip():
            raise ValueError("databaseName cannot be null or empty")
        if not object_name or not str(object_name).strip():
            raise ValueError("objectName cannot be null or empty")
        self._database_name = database_name
        self._object_name = object_name

    def get_database_name(self) -> str:
        return self._database_name

    def get_object_name(self) -> str:
        return self._object_name

    def get_full_name(self) -> str:
        return "%s.%s" % (self._database_name, self._object_name)

    def __str__(self) -> str:
        return self.get_full_name()

    def __repr__(self) -> str:
        return "ObjectPath(%r, %r)" % (self._database_name, self._object_name)

    def __hash__(self) -> int:
        return hash((self._database_name, self._object_name))

    def __eq__(self, other: Any) -> bool:
        return (isinstance(other, ObjectPath) and self._database_name == other._database_name
                and self._object_name == other._object_name)

    def compare_to(self, other: "ObjectPath") -> int:
        a, b = self.get_full_name(), other.get_full_name()
        return (a > b) - (a < b)

    def __lt__(self, other: Any) -> Any:
        return NotImplemented if not isinstance(other, ObjectPath) else self.compare_to(other) < 0

    def __le__(self, other: Any) -> Any:
        return NotImplemented if not isinstance(other, ObjectPath) else self.compare_to(other) <= 0

    def __gt__(self, other: Any) -> Any:
        return NotImplemented if not isinstance(other, ObjectPath) else self.compare_to(other) > 0

    def __ge__(self, other: Any) -> Any:
        return NotImplemented if not isinstance(other, ObjectPath) else self.compare_to(other) >= 0

    @staticmethod
    def from_string(full_name: str) -> "ObjectPath":
        parts = (full_name or "").split(".")
        if len(parts) != 2:
            raise ValueError("Cannot get split '%s' to get databaseName and objectName" % full_name)
        return ObjectPath(parts[0], parts[1])


class CatalogBaseTable(object):
    """A catalog table: its unresolved schema, options and comment."""

    def __init__(self, schema: Any = None, options: Optional[Dict[str, str]] = None, comment: Optional[str] = None,
                 partition_keys: Optional[List[str]] = None) -> None:
        self._schema = schema
        self._options = dict(options or {})
        self._comment = comment or ""
        self._partition_keys = list(partition_keys or [])

    @staticmethod
    def create_table(schema: Any, partition_keys: List[str] = [], properties: Dict[str, str] = {},
                     comment: Optional[str] = None) -> "CatalogBaseTable":
        from sluice.table.schema import Schema
        if schema is not None and not isinstance(schema, Schema):  # a TableSchema
            schema = Schema.new_builder().from_fields(schema.get_field_names(), schema.get_field_data_types()).build()
        return CatalogBaseTable(schema, properties, comment, partition_keys)

    def get_options(self) -> Dict[str, str]:
        return dict(self._options)

    get_properties = get_options

    def get_unresolved_schema(self) -> Any:
        return self._schema

    def get_partition_keys(self) -> List[str]:
        return list(self._partition_keys)

    def get_comment(self) -> str:
        return self._comment

    def copy(self) -> "CatalogBaseTable":
        return CatalogBaseTable(self._schema, self._options, self._comment, self._partition_keys)

    def get_description(self) -> Optional[str]:
        return self._comment or None

    def get_detailed_description(self) -> Optional[str]:
        return self._comment or None

    def __repr__(self) -> str:
        return "CatalogBaseTable(%s, %r)" % (self._schema, self._options)


class CatalogDatabase(object):
    """A database's properties and comment."""

    def __init__(self, properties: Optional[Dict[str, str]] = None, comment: Optional[str] = None) -> None:
        self._properties = dict(properties or {})
        self._comment = comment or ""

    @staticmethod
    def create_instance(properties: Dict[str, str], comment: Optional[str] = None) -> "CatalogDatabase":
        return CatalogDatabase(properties, comment)

    def get_properties(self) -> Dict[str, str]:
        return dict(self._properties)

    def get_comment(self) -> str:
        return self._comment

    def copy(self) -> "CatalogDatabase":
        return CatalogDatabase(self._properties, self._comment)

    def get_description(self) -> Optional[str]:
        return self._comment or None

    def get_detailed_description(self) -> Optional[str]:
        return self._comment or None


class CatalogDescriptor(object):
    """A catalog's name and configuration (the CREATE CATALOG template)."""

    def __init__(self, catalog_name: str, configuration: Any, comment: Optional[str] = None) -> None:
        self._catalog_name = catalog_name
        self._configuration = configuration
        self._comment = comment

    @staticmethod
    def of(catalog_name: str, configuration: Any, comment: Optional[str] = None) -> "CatalogDescriptor":
        assert catalog_name is not None
        assert configuration is not None
        return CatalogDescriptor(catalog_name, configuration, comment)

    def get_catalog_name(self) -> str:
        return self._catalog_name

    def get_configuration(self) -> Any:
        return self._configuration

    def get_comment(self) -> Optional[str]:
        return self._comment


class Catalog(object):
    """The environment's catalog (read side): databases, tables, views and
    functions of ``default_catalog``."""

    def __init__(self, t_env: Any, name: str = _CATALOG) -> None:
        self._t_env = t_env
        self._name = name

    def get_default_database(self) -> str:
        return _DATABASE

    def list_databases(self) -> List[str]:
        return [_DATABASE]

    def database_exists(self, database_name: str) -> bool:
        return database_name == _DATABASE

    def get_database(self, database_name: str) -> CatalogDatabase:
        self._check_database(database_name)
        return CatalogDatabase()

    def _check_database(self, database_name: str) -> None:
        if database_name != _DATABASE:
            raise ValueError("Database %s does not exist in Catalog %s." % (database_name, self._name))

    def _names(self, kinds: str) -> List[str]:
        return self._t_env._objects(kinds, False)

    def list_tables(self, database_name: str) -> List[str]:
        """Tables and views, as Flink's Catalog.listTables."""
        self._check_database(database_name)
        return self._names("table|view")

    def list_views(self, database_name: str) -> List[str]:
        self._check_database(database_name)
        return self._names("view")

    def table_exists(self, table_path: ObjectPath) -> bool:
        return table_path.get_database_name() == _DATABASE and \
            table_path.get_object_name() in self._names("table|view")

    def get_table(self, table_path: ObjectPath) -> CatalogBaseTable:
        """The table's schema (as declared), options and comment."""
        from sluice.table.schema import Schema
        if not self.table_exists(table_path):
            raise ValueError("Table (or view) %s does not exist in Catalog %s." % (table_path, self._name))
        name = table_path.get_object_name()
        from sluice.table.types import _parse_type
        # The declared columns, without planning a scan: Flink describes a
        # table whose connector it does not know (it resolves connectors
        # when a table is read or written).
        cols = _native.call("catalog.table_columns", self._t_env._h.id, name)
        if cols is not None and all(ty is not None for _, ty in cols):
            names, types = [c for c, _ in cols], [_parse_type(ty) for _, ty in cols]
        else:  # a view, or computed columns whose types binding gives
            ts = self._t_env.from_path(name).get_schema()
            names = ts.get_field_names()
            types = [t if not isinstance(t, str) else _parse_type(t) for t in ts.get_field_data_types()]
        schema = Schema.new_builder().from_fields(names, types).build()
        info = _native.call("catalog.table_options", self._t_env._h.id, name)
        if info is None:  # a view
            return CatalogBaseTable(schema)
        comment, flat = info[0], info[1:]
        return CatalogBaseTable(schema, dict(zip(flat[0::2], flat[1::2])), comment)

    def drop_table(self, table_path: ObjectPath, ignore_if_not_exists: bool) -> None:
        if not self.table_exists(table_path):
            if ignore_if_not_exists:
                return
            raise ValueError("Table (or view) %s does not exist in Catalog %s." % (table_path, self._name))
        self._t_env.drop_table(table_path.get_object_name())

    def list_functions(self, database_name: str) -> List[str]:
        self._check_database(database_name)
        return self._names("function")

    def function_exists(self, function_path: ObjectPath) -> bool:
        return function_path.get_database_name() == _DATABASE and \
            function_path.get_object_name() in self._names("function")
