"""Catalog listings, drops of temporary objects, functions and modules, as
PyFlink's TableEnvironment (values checked against PyFlink 2.3)."""
import pytest

from pyflink.table import DataTypes
from pyflink.table.module import CoreModule, HiveModule, Module, ModuleEntry
from pyflink.table.udf import udf


@pytest.fixture
def env(stream_env):
    stream_env.execute_sql("CREATE TEMPORARY TABLE tt (a INT) WITH ('connector' = 'datagen')")
    stream_env.execute_sql("CREATE TABLE pt (a INT) WITH ('connector' = 'datagen')")
    stream_env.execute_sql("CREATE TEMPORARY VIEW tv AS SELECT 1 AS x")
    stream_env.execute_sql("CREATE VIEW pv AS SELECT 1 AS x")
    return stream_env


def test_catalog_and_database(stream_env):
    assert stream_env.list_catalogs() == ["default_catalog"]
    assert stream_env.list_databases() == ["default_database"]
    assert (stream_env.get_current_catalog(), stream_env.get_current_database()) == ("default_catalog", "default_database")
    stream_env.use_catalog("default_catalog")
    stream_env.use_database("default_database")
    with pytest.raises(ValueError, match=r"A catalog with name \[foo\] does not exist."):
        stream_env.use_catalog("foo")
    with pytest.raises(ValueError, match=r"A database with name \[foo\] does not exist in the catalog: \[default_catalog\]."):
        stream_env.use_database("foo")


def test_listings(env):
    assert env.list_tables() == ["pt", "pv", "tt", "tv"]
    assert env.list_temporary_tables() == ["tt", "tv"]
    assert env.list_views() == ["pv", "tv"]
    assert env.list_temporary_views() == ["tv"]


def test_drop_temporary_objects(env):
    assert env.drop_temporary_table("tt") is True
    assert env.drop_temporary_table("tt") is False
    assert env.drop_temporary_table("pt") is False
    assert env.drop_temporary_table("tv") is False
    assert env.drop_temporary_view("default_catalog.default_database.tv") is True
    assert env.drop_temporary_view("tv") is False
    assert env.drop_temporary_view("pv") is False
    assert env.list_tables() == ["pt", "pv"]


def test_functions(stream_env, tmp_path, monkeypatch):
    f = udf(lambda x: x, result_type=DataTypes.INT())
    stream_env.create_temporary_system_function("sysf", f)
    (tmp_path / "catalog_fn_mod.py").write_text(
        "from pyflink.table import DataTypes\nfrom pyflink.table.udf import udf\n"
        "tmpf = udf(lambda x: x, result_type=DataTypes.INT())\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    stream_env.execute_sql("CREATE TEMPORARY FUNCTION tmpf AS 'catalog_fn_mod.tmpf' LANGUAGE PYTHON")
    assert stream_env.list_user_defined_functions() == ["sysf", "tmpf"]
    fs = stream_env.list_functions()
    assert {"sysf", "tmpf"} <= set(fs) and fs == sorted(fs) and len(fs) > 2
    assert stream_env.drop_temporary_function("sysf") is False  # a system function
    assert stream_env.drop_temporary_system_function("sysf") is True
    assert stream_env.drop_temporary_system_function("sysf") is False
    assert stream_env.drop_temporary_function("tmpf") is True
    assert stream_env.drop_temporary_function("tmpf") is False
    assert stream_env.list_user_defined_functions() == []


def test_java_functions_say_so(stream_env):
    for call in (lambda: stream_env.create_java_temporary_function("f", "com.X"),
                 lambda: stream_env.create_java_temporary_system_function("f", "com.X"),
                 lambda: stream_env.create_java_function("f", "com.X")):
        with pytest.raises(NotImplementedError, match="runs no Java"):
            call()


def test_modules(stream_env):
    assert stream_env.list_modules() == ["core"]
    assert stream_env.list_full_modules() == [ModuleEntry("core", True)]
    assert repr(ModuleEntry("core", True)) == "ModuleEntry{name='core', used=true}"
    with pytest.raises(ValueError, match="A module with name 'core' already exists"):
        stream_env.load_module("core", CoreModule.INSTANCE)
    with pytest.raises(ValueError, match="No module with name 'hive' exists"):
        stream_env.unload_module("hive")
    with pytest.raises(ValueError, match="No module with name 'x' exists"):
        stream_env.use_modules("x")
    with pytest.raises(ValueError, match="appears more than once"):
        stream_env.use_modules("core", "core")
    stream_env.load_module("core2", CoreModule.INSTANCE)
    assert stream_env.list_modules() == ["core", "core2"]
    stream_env.use_modules("core2")
    assert stream_env.list_full_modules() == [ModuleEntry("core2", True), ModuleEntry("core", False)]
    stream_env.use_modules()
    assert stream_env.list_modules() == []
    stream_env.unload_module("core2")
    assert stream_env.list_full_modules() == [ModuleEntry("core", False)]
    with pytest.raises(NotImplementedError, match="Java"):
        HiveModule()
    with pytest.raises(NotImplementedError, match="core module"):
        stream_env.load_module("other", Module())
