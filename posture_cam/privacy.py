"""The user's posture data as a whole: which files it is, making them private, forgetting it.

Earlier releases created the history and the log readable by every account on the
machine; `tighten` puts such files right when the monitor starts (one log line, and only
when something had to change). `forget` deletes everything posture-cam wrote about the
user; the README lists the same files.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from .core.errors import UserError
from .paths import Paths
from .storage import PRIVATE_DIR, PRIVATE_FILE, why

log = logging.getLogger(__name__)


def history_files(history: Path) -> list[Path]:
    """The history and the files SQLite keeps beside it while it is open."""
    return [history, *(history.with_name(history.name + s) for s in ("-wal", "-shm"))]


def posture_files(paths: Paths, history: Path) -> list[Path]:
    """Every file that holds posture data about the user, existing or not (not the
    settings: `forget` keeps them)."""
    return [*history_files(history), *paths.posture_data_files()]


def tighten(paths: Paths, history: Path) -> list[Path]:
    """Makes posture-cam's files user-only (0600) and its own folders 0700; returns what
    changed. A history kept in a folder of the user's choosing leaves that folder alone."""
    changed = []
    files = [*posture_files(paths, history), paths.config_file]
    for path, mode in ([(f, PRIVATE_FILE) for f in files]
                       + [(d, PRIVATE_DIR) for d in paths.folders]):
        try:
            current = stat.S_IMODE(path.stat().st_mode)
        except OSError:
            continue  # absent
        if current & 0o077:
            try:
                os.chmod(path, current & ~0o077 | (mode & 0o700))
            except OSError as exc:
                log.warning("could not make %s private: %s", path, why(exc))
                continue
            changed.append(path)
    if changed:
        log.info("made %d file(s) readable by you alone (they were open to other "
                    "accounts): %s", len(changed), ", ".join(str(p) for p in changed))
    return changed


def forget(paths: Paths, history: Path) -> list[Path]:
    """Deletes all posture data; returns what was deleted. Refuses while a monitor runs,
    which would write it again a minute later."""
    from .instance import holder

    pid = holder(paths.lock_file)
    if pid is not None:
        raise UserError(f"a monitor is running (PID {pid}) and would write the history "
                        "again", hint="stop it first, then run `posture-cam forget` again")
    deleted = []
    for path in posture_files(paths, history):
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise UserError(f"cannot delete {path}: {why(exc)}") from None
        deleted.append(path)
    return deleted
