"""What `sluice run` changes in the interpreter for signals, cancellation
and crashes (sluice._main.prepare_process), seen from a job."""
import faulthandler
import os
import time

import _sluice_native
from pyflink.table import DataTypes
from pyflink.table.udf import udf


def test_a_long_sleep_in_a_udf_lasts_as_asked(batch_env):
    # Inside a UDF batch a long sleep is cut into pieces (so that a
    # cancellation can stop it); it must still last as long as asked.
    @udf(result_type=DataTypes.BIGINT())
    def slept_ms(a):
        assert _sluice_native.current_udf() is not None
        t0 = time.monotonic()
        assert time.sleep(0.3) is None
        return int((time.monotonic() - t0) * 1000)

    batch_env.create_temporary_function("slept_ms", slept_ms)
    [[ms]] = [tuple(r) for r in batch_env.execute_sql("SELECT slept_ms(a) FROM (VALUES (1)) AS t(a)").collect()]
    assert 300 <= ms < 2000


def test_sleep_outside_udfs_and_its_errors_are_pythons():
    assert _sluice_native.current_udf() is None
    for bad, err in ((-1, ValueError), ("1", TypeError), (float("nan"), ValueError)):
        try:
            time.sleep(bad)
        except err:
            pass
        else:
            raise AssertionError("time.sleep(%r) did not raise %s" % (bad, err.__name__))


def test_current_udf_names_the_udf_and_job(stream_env):
    @udf(result_type=DataTypes.STRING())
    def where(a):
        udf_name, job = _sluice_native.current_udf()
        return udf_name + "|" + job

    stream_env.create_temporary_function("where_am_i", where)
    [[got]] = [tuple(r) for r in stream_env.execute_sql("SELECT where_am_i(a) FROM (VALUES (1)) AS t(a)").collect()]
    udf_name, job = got.split("|")
    assert "where" in udf_name
    assert job != ""


def test_faulthandler_enable_leaves_fatal_signals_to_sluice():
    was = faulthandler.is_enabled()
    faulthandler.enable()
    assert faulthandler.is_enabled()
    faulthandler.disable()
    assert not faulthandler.is_enabled()
    if was:
        faulthandler.enable()


def test_os_exit_is_reported_in_udfs_only():
    # The wrapper writes its line only for a UDF batch of this process,
    # then exits as os._exit does.
    assert os._exit.__module__ == "sluice._main"
    assert _sluice_native.current_udf() is None
