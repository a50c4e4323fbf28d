"""The variance aggregates and LEFT/RIGHT/BIN/HEX through the Table API
DSL; the expected values are Flink 2.3's for the same rows."""
from pyflink.table import EnvironmentSettings, TableEnvironment
from pyflink.table.expressions import col


def _rows(table) -> list:
    with table.execute().collect() as it:
        return sorted(tuple(r) for r in it)


def test_variance_aggregates_in_group_by() -> None:
    t = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
    tab = t.from_elements([("a", 1, 1.5), ("a", 2, 2.5), ("a", 4, 4.0), ("b", 7, 7.25), ("d", 3, -1.0), ("d", 6, 2.0)],
                          ["g", "i", "d"])
    r = tab.group_by(col("g")).select(col("g"), col("i").stddev_pop, col("i").stddev_samp,
                                      col("d").var_pop, col("d").var_samp)
    assert _rows(r) == [("a", 1, 1, 1.0555555555555556, 1.5833333333333335),
                        ("b", 0, None, 0.0, None),
                        ("d", 1, 2, 2.25, 4.5)]


def test_left_right_bin_hex() -> None:
    t = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
    tab = t.from_elements([("héllo", 12), ("ab", -1)], ["s", "n"])
    r = tab.select(col("s").left(2), col("s").right(4), col("n").bin, col("n").hex)
    assert _rows(r) == [("ab", "ab", "1" * 64, "F" * 16),
                        ("hé", "éllo", "1100", "C")]
