"""`posture-cam report`: words and charts from a history (scripted days, no video)."""

import base64
import hashlib
import os
import re
import sqlite3
import struct
import subprocess
import sys
from datetime import date, datetime

import pytest

from posture_cam.core.settings import BreakConfig, SlouchConfig

from posture_cam import cli
from posture_cam.core.settings import Config, config_from_mapping
from posture_cam.history import HistoryRecorder
from posture_cam.history_sqlite import SCHEMA_VERSION, open_history
from posture_cam.core.summary import day_bounds, load_period

pytestmark = [pytest.mark.model, pytest.mark.cli]

DAY = date(2026, 11, 20)
QUICK_ALERTS = config_from_mapping({"slouch": {"alert_after_s": 30.0, "cooldown_s": 120.0}},
                                   Config())
MORNING = [(600, "upright"), (240, "slouched"), (900, "upright"), (400, "away"),
           (300, "upright"), (90, "slouched"), (600, "upright")]


@pytest.fixture(scope="session")
def history(tmp_path_factory, steps):
    """Two scripted mornings: Wed 18 and Fri 20 Nov 2026 from 09:00 local time."""
    path = tmp_path_factory.mktemp("history") / "history.sqlite3"
    for day in (date(2026, 11, 18), DAY):
        recorder = HistoryRecorder(path, datetime(day.year, day.month, day.day, 9).timestamp())
        for result in steps(MORNING, step_s=1.0, config=QUICK_ALERTS):
            recorder.handle(result)
        recorder.close()
    return path


def report(capsys, *args):
    code = cli.main(["report", *map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def test_day_report_states_the_numbers_of_the_day(history, capsys):
    code, out, _ = report(capsys, "--day", DAY, "--history", history)
    store = open_history(history)
    s = load_period(store, *day_bounds(DAY), BreakConfig().away_reset_s).summary
    store.close()
    assert code == 0
    assert "Posture on Fri 20 Nov 2026" in out
    assert f"{100 * s.upright_share:.0f} % of that time" in out
    assert f"in {s.slouches} slouches" in out and s.slouches == 2
    # 240 s slouch: alerts after 30 s and after the 120 s cool-down; 90 s slouch: one
    assert re.search(r"posture alerts +3\n", out) and s.alerts == 3
    assert "sitting streaks" in out and "movement breaks" in out
    assert s.present_s == pytest.approx(2730)  # the script's 45.5 min at the desk
    slouch = SlouchConfig()  # each of the 2 slouches: confirmed onset_s late, over recovery_s late
    assert s.slouched_s == pytest.approx(330 + 2 * (slouch.recovery_s - slouch.onset_s), abs=3)


def test_day_chart_is_a_png_of_a_readable_size(history, capsys, tmp_path):
    out_file = tmp_path / "day.png"
    code, out, _ = report(capsys, "--day", DAY, "--history", history, "--out", out_file)
    assert code == 0 and f"Chart written to {out_file}" in out
    data = out_file.read_bytes()
    width, height = png_size(data)
    assert width >= 1000 and height >= 500 and len(data) > 30_000


def test_week_chart_renders(history, capsys, tmp_path):
    out_file = tmp_path / "week.png"
    code, out, _ = report(capsys, "--week", "--day", DAY, "--history", history, "--out", out_file)
    assert code == 0
    assert "Wed 18 Nov" in out and "Sat 14 Nov" in out  # the per-day table
    width, height = png_size(out_file.read_bytes())
    assert width >= 800 and height >= 400


def test_week_defaults_to_the_seven_days_up_to_today(tmp_path, capsys, steps):
    path = tmp_path / "h.sqlite3"
    recorder = HistoryRecorder(path, datetime.now().timestamp() - 86400)
    for result in steps([(300, "upright")], step_s=1.0):
        recorder.handle(result)
    recorder.close()
    code, out, _ = report(capsys, "--week", "--history", path, "--out", tmp_path / "w.png")
    assert code == 0 and "5 min" in out
    assert (tmp_path / "w.png").stat().st_size > 10_000


def test_html_report_is_one_self_contained_page(history, capsys, tmp_path):
    out_file = tmp_path / "report.html"
    code, _, _ = report(capsys, "--day", DAY, "--history", history, "--out", out_file)
    page = out_file.read_text(encoding="utf-8")
    assert code == 0 and page.startswith("<!DOCTYPE html>")
    assert "<th>upright</th>" in page and "<th>longest slouch</th>" in page
    assert "http://" not in page and "https://" not in page
    encoded = page.split("data:image/png;base64,", 1)[1].split('"', 1)[0]
    png_size(base64.b64decode(encoded))


def test_no_history_yet_is_a_friendly_message_and_success(tmp_path, capsys):
    path = tmp_path / "none.sqlite3"
    code, out, err = report(capsys, "--history", path, "--out", tmp_path / "x.png")
    assert code == 0 and "No posture history yet" in out and err == ""
    assert not path.exists() and not (tmp_path / "x.png").exists()


def test_a_day_without_records_says_so(history, capsys):
    code, out, _ = report(capsys, "--day", "2026-11-19", "--history", history)
    assert code == 0 and "Nothing recorded on Thu 19 Nov 2026" in out


def test_a_bad_day_is_a_one_line_error(history, cli):
    result = cli("report", "--day", "20/11/2026", "--history", history)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "posture-cam: error: --day '20/11/2026' is not a date like 2026-11-25"]


def test_an_unknown_chart_format_is_a_one_line_error(history, cli, tmp_path):
    result = cli("report", "--day", DAY, "--history", history, "--out", tmp_path / "x.pdf")
    assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1
    assert ".png or .html" in result.stderr


def test_a_terminal_report_does_not_load_matplotlib(history):
    code = (f"import sys; from posture_cam import cli; "
            f"cli.main(['report', '--day', '{DAY}', '--history', {str(history)!r}]); "
            "print('matplotlib' in sys.modules, file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.stderr.strip() == "False"


# --- files that are not a posture-cam history: one line, non-zero, not a byte changed ----

def _random_bytes(path):
    path.write_bytes(os.urandom(8192))


def _foreign_database(path):
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    db.execute("CREATE TABLE moz_bookmarks (id INTEGER PRIMARY KEY, title TEXT)")
    db.execute("INSERT INTO moz_places (url) VALUES ('about:blank')")
    db.commit()
    db.close()


def _newer_schema(path):
    open_history(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 3}")
    db.close()


@pytest.mark.parametrize("make, words", [
    (_random_bytes, "is not a SQLite database"),
    (_foreign_database, "is a SQLite database of another program (tables: moz_bookmarks"),
    (_newer_schema, "was written by a newer posture-cam"),
], ids=["random-bytes", "foreign-sqlite", "newer-schema"])
def test_report_refuses_a_file_that_is_not_our_history(make, words, cli, tmp_path):
    (tmp_path / "files").mkdir()
    path = tmp_path / "files" / "history.sqlite3"
    make(path)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    result = cli("report", "--day", DAY, "--history", path)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == 1, result.stderr
    assert words in lines[0] and str(path) in lines[0]
    assert "--history" in lines[0]  # the fix: another file, or move this one away
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert [p.name for p in path.parent.iterdir()] == ["history.sqlite3"]  # no -wal, -shm


@pytest.mark.parametrize("seconds, text", [(0, "0 s"), (59.6, "1 min"), (250, "4 min 10 s"),
                                           (600, "10 min"), (3599.7, "1 h 00 min"),
                                           (7322, "2 h 02 min")])
def test_durations_read_like_a_person_would_say_them(seconds, text):
    from posture_cam.core.messages import duration_text

    assert duration_text(seconds, precise=True) == text
