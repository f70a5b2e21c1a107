"""One monitor per user: a lock file in the state folder says which process runs it.

Two monitors on the same history would count every minute twice and send every alert
twice. The monitor holds an exclusive lock on `monitor.lock` (released by the system when
the process ends, however it ends) and writes its PID there; a second monitor reads the
PID and refuses, `snooze` and `status`-like questions ask whether anyone holds it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

from .core.errors import UserError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no lock, one monitor is the user's job
    fcntl = None  # type: ignore[assignment]


def holder(path: Path) -> int | None:
    """The PID of the running monitor, or None when none holds the lock."""
    if fcntl is None or not path.exists():
        return None
    try:
        with path.open("r+") as f:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                text = f.read().strip()
                return int(text) if text.isdigit() else -1
            fcntl.flock(f, fcntl.LOCK_UN)
            return None
    except OSError:
        return None


class MonitorLock:
    """Held for the monitor's lifetime: `acquire()` / `release()`, or `with MonitorLock(path):`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None

    def __enter__(self) -> "MonitorLock":
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def acquire(self) -> None:
        """Takes the lock, or raises UserError naming the PID that holds it."""
        if fcntl is None:
            return
        from .storage import make_private_dir, why

        make_private_dir(self.path.parent)
        try:
            f = self.path.open("a+")
        except OSError as exc:
            raise UserError(f"cannot create the lock file {self.path}: {why(exc)}") from None
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            f.seek(0)
            pid = f.read().strip()
            f.close()
            raise UserError(f"another posture-cam monitor is already running (PID {pid or '?'})",
                            hint="stop it first, or use `posture-cam snooze` to pause it") from None
        f.seek(0)
        f.truncate()
        f.write(str(os.getpid()))
        f.flush()
        self._file = f

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing releases the lock
            self._file = None
