"""What only the SQLite store promises: a recognisable file, durability, and refusing
files that are not ours without touching a byte of them."""

import hashlib
import os
import sqlite3
import subprocess
import sys

import pytest

from posture_cam.core.errors import UserError
from posture_cam.history import HistoryRecorder
from posture_cam.history_sqlite import (
    APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION, SqliteStore, open_history,
)
from posture_cam.core.history_store import MinuteSummary

pytestmark = pytest.mark.unit

M0 = 29_916_667  # an epoch minute in 2026


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def minute(offset: int) -> MinuteSummary:
    return MinuteSummary(M0 + offset, 60.0, 12.0, 60.0)


def test_a_new_history_is_a_wal_database_that_says_what_it_is(tmp_path):
    path = tmp_path / "sub" / "history.sqlite3"
    open_history(path).close()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    meta = dict(db.execute("SELECT key, value FROM meta"))
    assert meta == {"app": "posture-cam history", "schema_version": str(SCHEMA_VERSION)}


def test_every_schema_version_has_its_migration():
    assert len(MIGRATIONS) == SCHEMA_VERSION


def test_committed_rows_survive_closing_and_reopening(tmp_path):
    path = tmp_path / "h.sqlite3"
    store = open_history(path)
    store.add_minutes([minute(0), minute(1)])
    store.close()
    assert [m.minute for m in open_history(path).minutes(0, 2e9)] == [M0, M0 + 1]


def test_a_killed_writer_keeps_what_it_committed_and_the_file_opens(tmp_path):
    path = tmp_path / "h.sqlite3"
    code = f"""
import os, signal
from posture_cam.history_sqlite import open_history
from posture_cam.core.history_store import MinuteSummary
store = open_history({str(path)!r})
store.add_minutes([MinuteSummary({M0}, 60.0, 0.0, 60.0)])
store.commit()
store.add_minutes([MinuteSummary({M0 + 1}, 60.0, 0.0, 60.0)])  # never committed
os.kill(os.getpid(), signal.SIGKILL)
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == -9, proc.stderr
    store = open_history(path)
    assert [m.minute for m in store.minutes(0, 2e9)] == [M0]
    store.close()
    assert sqlite3.connect(path).execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_an_empty_file_becomes_a_history(tmp_path):
    path = tmp_path / "h.sqlite3"
    path.write_bytes(b"")
    open_history(path).close()
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def _refused(path, *words):
    before = digest(path)
    with pytest.raises(UserError) as info:
        open_history(path)
    message = str(info.value)
    assert str(path) in message and "\n" not in message
    for word in words:
        assert word in message
    assert digest(path) == before
    return message


def test_random_bytes_are_refused_untouched(tmp_path):
    path = tmp_path / "h.sqlite3"
    path.write_bytes(os.urandom(5000))
    _refused(path, "not a SQLite database", "--history")


def test_a_foreign_sqlite_database_is_refused_untouched(tmp_path):
    path = tmp_path / "music.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE songs (title TEXT)")
    db.execute("INSERT INTO songs VALUES ('x')")
    db.commit()
    db.close()
    _refused(path, "another program", "songs")
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_a_history_from_a_newer_posture_cam_is_refused_untouched(tmp_path):
    path = tmp_path / "h.sqlite3"
    open_history(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    _refused(path, "newer posture-cam", "upgrade")


def test_a_damaged_history_is_refused_untouched(tmp_path):
    path = tmp_path / "h.sqlite3"
    store = open_history(path)
    store.add_minutes([minute(i) for i in range(500)])
    store.close()
    data = bytearray(path.read_bytes())
    data[100:4096] = os.urandom(3996)  # page 1 after the header: the schema
    path.write_bytes(bytes(data))
    _refused(path, "damaged")


def test_a_directory_is_refused(tmp_path):
    with pytest.raises(UserError, match="directory"):
        open_history(tmp_path)


def test_the_recorder_refuses_a_bad_file_before_recording_anything(tmp_path):
    path = tmp_path / "h.sqlite3"
    path.write_bytes(b"not a database at all, just text\n" * 10)
    with pytest.raises(UserError):
        HistoryRecorder(path, 0.0)


def test_a_reader_sees_committed_minutes_while_a_writer_is_open(tmp_path):
    path = tmp_path / "h.sqlite3"
    writer = open_history(path)
    writer.add_minutes([minute(0)])
    writer.commit()
    writer.add_minutes([minute(1)])  # in an open transaction
    reader = SqliteStore.open(path)
    assert [m.minute for m in reader.minutes(0, 2e9)] == [M0]
    reader.close()
    writer.close()
