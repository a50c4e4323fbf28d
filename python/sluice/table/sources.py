"""``pyflink.table.sources`` (Flink 1.10-1.13): CsvTableSource, which
sluice keeps beside the sinks."""
from sluice.table.sinks import CsvTableSource

__all__ = ["CsvTableSource"]
