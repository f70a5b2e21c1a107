"""The one exception type for mistakes a user can fix.

The CLI turns a `UserError` into a single line on stderr and a non-zero exit status;
anything else is a programming error and keeps its traceback (shown with `--debug`).
"""

from __future__ import annotations


class UserError(Exception):
    """A problem with the user's input or environment, with the fix in the message."""

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message
