"""``CompletableFuture``, as PyFlink's wrapper of Java's: here a value
computed on demand by a function that may block (waiting for a job)."""
from __future__ import annotations

from typing import Any, Callable, Optional

__all__ = ["CompletableFuture"]

_UNSET = object()


class CompletableFuture:
    def __init__(self, compute: Callable[[], Any], is_done: Callable[[], bool], cancel: Optional[Callable[[], None]] = None) -> None:
        self._compute = compute
        self._is_done = is_done
        self._cancel = cancel
        self._value: Any = _UNSET
        self._error: Optional[BaseException] = None
        self._cancelled = False

    def cancel(self) -> bool:
        """Cancels the job behind the future, if it has not ended."""
        if self.done() or self._cancel is None:
            return False
        self._cancel()
        self._cancelled = True
        return True

    def cancelled(self) -> bool:
        return self._cancelled

    def done(self) -> bool:
        return self._value is not _UNSET or self._error is not None or self._is_done()

    def result(self) -> Any:
        """Waits for the value; raises what the job failed with."""
        if self._value is _UNSET and self._error is None:
            try:
                self._value = self._compute()
            except BaseException as e:  # kept so later calls raise the same
                self._error = e
        if self._error is not None:
            raise self._error
        return self._value

    def exception(self) -> Optional[BaseException]:
        """The job's error once it ended with one, else None."""
        if not self.done():
            return None
        try:
            self.result()
        except BaseException as e:
            return e
        return None

    def __str__(self) -> str:
        return "CompletableFuture[%s]" % ("Completed" if self.done() else "Not completed")
