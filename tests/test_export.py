"""`posture-cam export`: the history as CSV or JSON, every column documented, user-only."""

from __future__ import annotations

import csv
import io
import json
import math
import stat
from datetime import date, datetime, timedelta

import pytest

from conftest import ROOT, sample
from posture_cam.core.export import CSV_COLUMNS, export_records
from posture_cam.core.history_store import HistoryEvent, MinuteSummary
from posture_cam.core.readings import Readings
from test_cli_errors import assert_one_line_error


@pytest.mark.unit
def test_records_are_in_time_order_and_unmeasured_values_stay_empty():
    t0 = 1_795_000_020.0
    minute = MinuteSummary(int(t0 // 60), 60.0, 12.0, 50.0,
                           Readings(0.5, math.nan, 0.1, math.nan),
                           Readings(1.2, math.nan, 0.3, math.nan), "front")
    alert = HistoryEvent(t0 + 30, "alert", 45.0, "head_forward", 1.6, 0)
    records = export_records([minute], [alert])
    assert [r["type"] for r in records] == ["minute", "event"]
    assert records[0]["head_mean"] == 0.5 and records[0]["trunk_mean"] is None
    assert records[1] == {"type": "event", "start_utc": "2026-11-18T11:07:30+00:00",
                          "event": "alert", "duration_s": 45.0, "posture": "head_forward",
                          "worst": 1.6, "repeat": 0}
    assert set(records[0]) | set(records[1]) <= set(CSV_COLUMNS)


@pytest.mark.unit
def test_every_column_is_documented():
    doc = (ROOT / "docs" / "export.md").read_text()
    for column in CSV_COLUMNS:
        assert f"`{column}`" in doc, column


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """A replay recorded into a history, yesterday at 09:00."""
    import subprocess
    import sys

    path = tmp_path_factory.mktemp("export") / "history.sqlite3"
    start = datetime.combine(date.today() - timedelta(days=1), datetime.min.time()).replace(
        hour=9)
    subprocess.run([sys.executable, "-m", "posture_cam.cli", "replay", sample("front_mixed_e"),
                    "--history", path, "--start", start.isoformat(),
                    "--set", "slouch.alert_after_s=10"],
                   check=True, capture_output=True, cwd=ROOT)
    return path


@pytest.mark.cli
def test_csv_and_json_hold_the_same_records_as_the_history(cli, history, tmp_path):
    as_csv = cli("export", "--history", history)
    assert as_csv.returncode == 0, as_csv.stderr
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert tuple(rows[0].keys()) == CSV_COLUMNS
    minutes = [r for r in rows if r["type"] == "minute"]
    assert len(minutes) == 2  # 90 s from 09:00:00
    assert sum(float(m["present_s"]) for m in minutes) == pytest.approx(90 * 0.82, abs=8)
    assert [r["event"] for r in rows if r["type"] == "event"] == ["alert"]  # 10-min cool-down

    out = tmp_path / "posture.json"
    written = cli("export", "--history", history, "--out", out)
    assert written.returncode == 0 and written.stdout == ""
    records = json.loads(out.read_text())["records"]
    assert len(records) == len(rows)
    assert [r["start_utc"] for r in records] == [r["start_utc"] for r in rows]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


@pytest.mark.cli
def test_since_and_until_choose_whole_local_days(cli, history):
    yesterday = date.today() - timedelta(days=1)
    only_today = cli("export", "--history", history, "--since", date.today().isoformat(),
                     "--json")
    assert json.loads(only_today.stdout)["records"] == []
    that_day = cli("export", "--history", history, "--since", yesterday.isoformat(),
                   "--until", yesterday.isoformat(), "--json")
    assert [r["type"] for r in json.loads(that_day.stdout)["records"]] == [
        "minute", "event", "minute"]


@pytest.mark.cli
@pytest.mark.parametrize("args, named", [
    (["--since", "yesterday"], "--since 'yesterday'"),
    (["--since", "2026-11-20", "--until", "2026-11-10"], "before --since"),
])
def test_bad_dates_get_one_line(cli, history, args, named):
    assert_one_line_error(cli("export", "--history", history, *args), named)


@pytest.mark.cli
def test_no_history_yet_says_so(cli, tmp_path):
    assert_one_line_error(cli("export", "--history", tmp_path / "none.sqlite3"),
                          "no history at")
