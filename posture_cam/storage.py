"""Files posture-cam writes for the user: whole or not at all, readable by the user alone.

Posture data is personal, so every file is created user-only (0600) in user-only folders
(0700). A write goes to a temporary file beside the target, is flushed to disk, then
renamed over it: a crash, a full disk or a read-only folder leaves the previous file as it
was and no partial file behind, and the user reads one line that names the path and the
cause.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from pathlib import Path

from .core.calibration import Baseline
from .core.errors import UserError

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def make_private_dir(path: Path) -> None:
    """Creates `path` (and missing parents) user-only; existing folders are left alone."""
    try:
        path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create folder {path}: {why(exc)}") from None


def why(exc: OSError) -> str:
    """The cause of a failed file operation, in words a user can act on."""
    if exc.errno == errno.ENOSPC:
        return "the disk is full"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.EROFS:
        return "the file system is read-only"
    return exc.strerror or type(exc).__name__


# Less free space than this and a write is about to fail: call the disk full.
NEARLY_FULL_BYTES = 1 << 20


def write_problem(path: Path) -> str | None:
    """Why a file cannot be written at `path` right now, in words (None: no reason found).

    Asks the file system directly, because a database library reports a full disk or a
    read-only folder in its own terms ("disk I/O error", "unable to open database file")."""
    path = Path(path)
    folder = path.parent
    if not folder.is_dir():
        return None
    try:
        if path.exists():
            os.close(os.open(path, os.O_WRONLY | os.O_APPEND))
        with tempfile.TemporaryFile(dir=folder) as probe:
            probe.write(b"\0" * 65536)
            probe.flush()
            os.fsync(probe.fileno())
    except OSError as exc:
        return why(exc)
    if shutil.disk_usage(folder).free < NEARLY_FULL_BYTES:
        return "the disk is full"
    return None


def check_writable(path: Path) -> None:
    """Raises the error a later write of `path` would meet, before a long run whose result
    would otherwise be lost (`evaluate --json FILE` takes minutes)."""
    path = Path(path)
    folder = next(p for p in path.absolute().parents if p.exists())
    if not folder.is_dir():
        problem = f"{folder} is not a folder"
    elif folder == path.absolute().parent:
        problem = write_problem(path)
    else:
        problem = None if os.access(folder, os.W_OK) else "permission denied"
    if problem is not None:
        raise UserError(f"cannot write {path}: {problem}")


def atomic_write_text(path: Path, text: str, mode: int = PRIVATE_FILE) -> None:
    """Writes `text` to `path` atomically (temp file, fsync, rename), with `mode`."""
    atomic_write_bytes(path, text.encode("utf-8"), mode)


def atomic_write_bytes(path: Path, data: bytes, mode: int = PRIVATE_FILE) -> None:
    """Writes `data` to `path` atomically (temp file, fsync, rename), with `mode`."""
    path = Path(path)
    make_private_dir(path.parent)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise UserError(f"cannot write {path}: {why(exc)}") from None
    try:
        if mode != PRIVATE_FILE:  # mkstemp creates the file user-only already
            os.chmod(tmp_name, mode)
        with os.fdopen(fd, "wb") as tmp:
            tmp.write(data)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp_name, path)
    except OSError as exc:
        Path(tmp_name).unlink(missing_ok=True)
        raise UserError(f"cannot write {path}: {why(exc)}") from None
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def save_baseline(baseline: Baseline, path: Path) -> None:
    """A crash mid-write leaves the previous calibration untouched."""
    atomic_write_text(path, baseline.to_json())


def read_user_file(path: Path, missing: str, missing_hint: str, what: str,
                   broken_hint: str = "") -> str:
    """The text of a file the user keeps; one-line errors for a missing or unreadable one."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(missing, hint=missing_hint) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = why(exc) if isinstance(exc, OSError) else "not UTF-8 text"
        raise UserError(f"cannot read {what} {path}: {reason}", hint=broken_hint) from None


def load_baseline(path: Path) -> Baseline:
    text = read_user_file(path, f"no calibration at {path}", "run `posture-cam calibrate` first",
                          "calibration", "run `posture-cam calibrate` again")
    return Baseline.from_json(text, origin=f"calibration file {path}")
