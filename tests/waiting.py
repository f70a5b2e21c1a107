"""Waiting for a process in another test subprocess to get somewhere, without fixed sleeps."""

from __future__ import annotations

import time
from typing import Any, Callable


def wait_for(predicate: Callable[[], Any], timeout_s: float, what: str | None = None,
             every_s: float = 0.2) -> Any:
    """The first truthy value of `predicate` within `timeout_s`. After that: None, or, when
    `what` names what was awaited, an AssertionError that says so."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every_s)
    if what is not None:
        raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
    return None
