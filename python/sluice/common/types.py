"""``pyflink.common.types``: Row and RowKind."""
from _sluice_runtime import Row, RowKind, _create_row  # noqa: F401

__all__ = ["Row", "RowKind"]
