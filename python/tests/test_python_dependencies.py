"""add_python_archive, set_python_requirements, the execution mode the
config shows, collect()'s FLOAT/BYTES values and Flink 1.10's one-file
CsvTableSink."""
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile

import pytest

from pyflink.common import Row
from pyflink.datastream import StreamExecutionEnvironment
from pyflink.table import CsvTableSink, DataTypes, StreamTableEnvironment
from pyflink.table.udf import udf


@pytest.fixture
def in_tmp_cwd(tmp_path, monkeypatch):
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def _zip(tmp_path, name, files):
    p = tmp_path / name
    with zipfile.ZipFile(p, "w") as z:
        for n, text in files.items():
            z.writestr(n, text)
    return str(p)


def test_add_python_archive_zip_reachable_by_relative_name(tmp_path, in_tmp_cwd, batch_env):
    archive = _zip(tmp_path, "data.zip", {"data.txt": "2", "sub/x.txt": "x"})
    batch_env.add_python_archive(archive, "data")
    link = in_tmp_cwd / "data"
    assert link.is_symlink() and (link / "data.txt").read_text() == "2" and (link / "sub" / "x.txt").read_text() == "x"

    @udf(result_type=DataTypes.BIGINT())
    def add_from_file(i):
        with open("data/data.txt") as f:
            return i + int(f.read())

    t = batch_env.from_elements([(1,), (2,)], ["a"])
    assert sorted(r[0] for r in t.select(add_from_file(t.a)).execute().collect()) == [3, 4]
    # the same name again replaces this process's own link
    batch_env.add_python_archive(_zip(tmp_path, "data2.zip", {"data.txt": "5"}), "data")
    assert (link / "data.txt").read_text() == "5"
    assert batch_env.get_config().get("python.archives", None).endswith("data2.zip#data")


def test_add_python_archive_tar_default_name(tmp_path, in_tmp_cwd, stream_env):
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("hello")
    archive = tmp_path / "env.tar.gz"
    with tarfile.open(archive, "w:gz") as t:
        t.add(src / "a.txt", arcname="a.txt")
    stream_env.add_python_archive(str(archive))
    assert (in_tmp_cwd / "env.tar.gz" / "a.txt").read_text() == "hello"


def test_add_python_archive_refuses_to_clobber(tmp_path, in_tmp_cwd, batch_env):
    (in_tmp_cwd / "mine").mkdir()
    (in_tmp_cwd / "mine" / "keep.txt").write_text("k")
    with pytest.raises(FileExistsError, match="will not replace it"):
        batch_env.add_python_archive(_zip(tmp_path, "a.zip", {"f": "1"}), "mine")
    assert (in_tmp_cwd / "mine" / "keep.txt").read_text() == "k"
    with pytest.raises(ValueError, match="plain directory name"):
        batch_env.add_python_archive(_zip(tmp_path, "b.zip", {"f": "1"}), "a/b")
    not_archive = tmp_path / "plain.txt"
    not_archive.write_text("x")
    with pytest.raises(ValueError, match="not a zip or tar archive"):
        batch_env.add_python_archive(str(not_archive), "p")
    assert not (in_tmp_cwd / "p").exists()
    with pytest.raises(FileNotFoundError):
        batch_env.add_python_archive(str(tmp_path / "missing.zip"), "m")


def test_add_python_archive_links_removed_at_exit(tmp_path):
    archive = _zip(tmp_path, "d.zip", {"v.txt": "7"})
    script = tmp_path / "s.py"
    script.write_text(
        "import os\n"
        "from pyflink.table import EnvironmentSettings, TableEnvironment\n"
        "t = TableEnvironment.create(EnvironmentSettings.in_batch_mode())\n"
        "t.add_python_archive(%r, 'dd')\n"
        "print(open('dd/v.txt').read(), os.path.realpath('dd'))\n" % archive)
    sluice = os.readlink("/proc/self/exe")  # pytest runs inside `sluice run`
    if sluice.endswith(" (deleted)"):  # the binary was rebuilt meanwhile
        sluice = sluice[:-len(" (deleted)")]
    r = subprocess.run([sluice, "run", str(script)], cwd=str(tmp_path), capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    value, real = r.stdout.split()
    assert value == "7" and not os.path.lexists(tmp_path / "dd") and not os.path.exists(real)


def _wheel(dir_path, name, module_text):
    """A minimal pure-Python wheel of package ``name`` 0.0.0."""
    import base64
    import hashlib
    whl = os.path.join(dir_path, "%s-0.0.0-py3-none-any.whl" % name)
    files = {"%s.py" % name: module_text,
             "%s-0.0.0.dist-info/METADATA" % name: "Metadata-Version: 2.1\nName: %s\nVersion: 0.0.0\n" % name,
             "%s-0.0.0.dist-info/WHEEL" % name: "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    record = []
    for n, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append("%s,sha256=%s,%d" % (n, digest, len(text.encode())))
    record.append("%s-0.0.0.dist-info/RECORD,," % name)
    files["%s-0.0.0.dist-info/RECORD" % name] = "\n".join(record) + "\n"
    with zipfile.ZipFile(whl, "w") as z:
        for n, text in files.items():
            z.writestr(n, text)
    return whl


def test_set_python_requirements_installs_into_its_own_directory(tmp_path, batch_env):
    cache = tmp_path / "cache"
    cache.mkdir()
    _wheel(str(cache), "sluice_req_probe", "def plus(a, b):\n    return a + b\n")
    req = tmp_path / "requirements.txt"
    req.write_text("sluice_req_probe==0.0.0\n")
    batch_env.set_python_requirements(str(req), str(cache))
    target = os.environ["_PYTHON_REQUIREMENTS_INSTALL_DIR"]
    assert sys.path[0] == target and os.path.exists(os.path.join(target, "sluice_req_probe.py"))
    import sluice_req_probe
    assert sluice_req_probe.__file__.startswith(target) and sluice_req_probe.plus(1, 2) == 3
    venv_site = [p for p in sys.path if p.endswith("site-packages")]
    assert not any(os.path.exists(os.path.join(p, "sluice_req_probe.py")) for p in venv_site)


def test_set_python_requirements_shadows_a_module_imported_before(tmp_path, batch_env):
    # As in a fresh PyFlink worker, the installed version is what functions import.
    old = tmp_path / "old"
    old.mkdir()
    (old / "sluice_req_shadow.py").write_text("VERSION = 'old'\n")
    sys.path.insert(0, str(old))
    try:
        import sluice_req_shadow
        assert sluice_req_shadow.VERSION == "old"
        cache = tmp_path / "cache"
        cache.mkdir()
        _wheel(str(cache), "sluice_req_shadow", "VERSION = 'new'\n")
        req = tmp_path / "requirements.txt"
        req.write_text("sluice_req_shadow==0.0.0\n")
        batch_env.set_python_requirements(str(req), str(cache))

        @udf(result_type=DataTypes.STRING())
        def version(a):
            import sluice_req_shadow as m
            return m.VERSION

        t = batch_env.from_elements([(1,)], ["a"])
        assert [r[0] for r in t.select(version(t.a)).execute().collect()] == ["new"]
    finally:
        sys.path.remove(str(old))
        sys.modules.pop("sluice_req_shadow", None)


def test_config_shows_thread_execution_mode(batch_env):
    assert batch_env.get_config().get("python.execution-mode", "process") == "thread"
    assert batch_env.get_config().get_configuration().to_dict()["python.execution-mode"] == "thread"
    batch_env.get_config().set("python.execution-mode", "process")
    assert batch_env.get_config().get("python.execution-mode", None) == "process"


def test_collect_float_and_bytes_values_as_pyflink(stream_env):
    schema = DataTypes.ROW([
        DataTypes.FIELD("a", DataTypes.ARRAY(DataTypes.FLOAT())),
        DataTypes.FIELD("r", DataTypes.ROW([DataTypes.FIELD("x", DataTypes.BYTES()), DataTypes.FIELD("y", DataTypes.FLOAT())])),
        DataTypes.FIELD("b", DataTypes.BINARY(2)),
        DataTypes.FIELD("f", DataTypes.FLOAT()),
        DataTypes.FIELD("l", DataTypes.ARRAY(DataTypes.BYTES())),
        DataTypes.FIELD("d", DataTypes.DOUBLE())])
    t = stream_env.from_elements(
        [([1.23, 2.5], Row(bytearray(b"ab"), 0.1), bytearray(b"\x00\x01"), -2.5e-3, [bytearray(b"z")], 1.2300000190734863)],
        schema)
    (row,) = list(t.execute().collect())
    assert repr(row) == ("<Row([1.23, 2.5], <Row(bytearray(b'ab'), 0.1)>, bytearray(b'\\x00\\x01'), -0.0025, "
                         "[bytearray(b'z')], 1.2300000190734863)>")
    assert type(row[2]) is bytearray and type(row[3]) is float
    df = t.to_pandas()
    assert str(df.dtypes["f"]) == "float32" and df["b"][0] == b"\x00\x01"


def test_csv_table_sink_of_parallelism_one_writes_one_file(tmp_path):
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(1)
    t_env = StreamTableEnvironment.create(env)
    path = str(tmp_path / "result.csv")
    t_env.register_table_sink("sink", CsvTableSink(["a", "b"], [DataTypes.INT(), DataTypes.STRING()], path))
    src = t_env.from_elements([(1, "hi"), (2, "hello")], DataTypes.ROW(
        [DataTypes.FIELD("a", DataTypes.INT()), DataTypes.FIELD("b", DataTypes.STRING())]))
    src.insert_into("sink")
    t_env.execute("one file")
    with open(path) as f:
        assert f.read() == "1,hi\n2,hello\n"
    # num_files=1 in an environment of any parallelism, written by execute_insert().wait()
    env2 = StreamExecutionEnvironment.get_execution_environment()
    env2.set_parallelism(2)
    t2 = StreamTableEnvironment.create(env2)
    path2 = str(tmp_path / "two.csv")
    t2.register_table_sink("s2", CsvTableSink(["a"], [DataTypes.BIGINT()], path2, num_files=1))
    t2.from_elements([(7,)], ["a"]).execute_insert("s2").wait()
    assert os.path.isfile(path2) and open(path2).read() == "7\n"


def test_csv_table_sink_of_higher_parallelism_writes_a_directory(tmp_path, batch_env):
    path = str(tmp_path / "results")
    batch_env.register_table_sink("sink", CsvTableSink(["a"], [DataTypes.BIGINT()], path))
    batch_env.from_elements([(1,), (2,)], ["a"]).execute_insert("sink").wait()
    assert os.path.isdir(path)
    lines = []
    for root, _, files in os.walk(path):
        for n in files:
            with open(os.path.join(root, n)) as f:
                lines += f.readlines()
    assert sorted(lines) == ["1\n", "2\n"]
    shutil.rmtree(path)
