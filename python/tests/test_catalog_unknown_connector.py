"""A table is described from the catalog as declared; its connector is
resolved only when the table is read or written, as in Flink."""
from __future__ import annotations

import pytest

from pyflink.table import DataTypes, Schema, TableDescriptor
from pyflink.table.catalog import ObjectPath


def test_unknown_connector_is_resolved_on_use(stream_env) -> None:  # type: ignore[no-untyped-def]
    schema = Schema.new_builder().column("f0", DataTypes.INT()).column("f1", DataTypes.STRING()).build()
    stream_env.create_table("T", TableDescriptor.for_connector("no-such").schema(schema).option("a", "x").build())
    catalog = stream_env.get_catalog(stream_env.get_current_catalog())
    t = catalog.get_table(ObjectPath(stream_env.get_current_database(), "T"))
    assert t.get_unresolved_schema() == schema
    assert t.get_options() == {"connector": "no-such", "a": "x"}
    with pytest.raises(ValueError, match='no connector "no-such"'):
        stream_env.from_path("T")
