"""PyFlink's exception classes (``pyflink.util.exceptions``), so programs
that import or catch them run. In PyFlink they wrap Java exceptions; here
the engine's errors are Python exceptions already (ValueError for SQL and
validation errors), so these are raised only where Sluice says so."""
from __future__ import annotations

__all__ = ["JavaException", "TableException", "CatalogException", "DatabaseAlreadyExistException",
           "DatabaseNotEmptyException", "DatabaseNotExistException", "FunctionAlreadyExistException",
           "FunctionNotExistException", "PartitionAlreadyExistsException", "PartitionNotExistException",
           "PartitionSpecInvalidException", "TableAlreadyExistException", "TableNotExistException",
           "TableNotPartitionedException", "ModelAlreadyExistException", "ModelNotExistException",
           "ValidationException", "ParseException", "IllegalArgumentException", "IllegalStateException"]


class JavaException(Exception):
    def __init__(self, stack_trace: str = "") -> None:
        super().__init__(stack_trace)
        self.stack_trace = stack_trace

    def __str__(self) -> str:
        return self.stack_trace


class TableException(JavaException):
    """General exception for the Table & SQL API."""


class CatalogException(JavaException):
    """A failure of a catalog operation."""


class DatabaseAlreadyExistException(JavaException):
    pass


class DatabaseNotEmptyException(JavaException):
    pass


class DatabaseNotExistException(JavaException):
    pass


class FunctionAlreadyExistException(JavaException):
    pass


class FunctionNotExistException(JavaException):
    pass


class PartitionAlreadyExistsException(JavaException):
    pass


class PartitionNotExistException(JavaException):
    pass


class PartitionSpecInvalidException(JavaException):
    pass


class TableAlreadyExistException(JavaException):
    pass


class TableNotExistException(JavaException):
    pass


class TableNotPartitionedException(JavaException):
    pass


class ModelAlreadyExistException(JavaException):
    pass


class ModelNotExistException(JavaException):
    pass


# Flink 1.10-1.12 had these too.
class ValidationException(JavaException):
    pass


class ParseException(JavaException):
    pass


class IllegalArgumentException(JavaException):
    pass


class IllegalStateException(JavaException):
    pass
