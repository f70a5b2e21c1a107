"""The CLI says what happened: interrupted replays, time-ordered timelines, notifications the
rate limit held back, one spelling for the same thing, help for every command, settings
checked as a whole, and a report that agrees with itself after a killed run."""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date, datetime

import pytest

from conftest import ROOT, sample
from test_cli_errors import assert_one_line_error

pytestmark = pytest.mark.cli

CLIP = "front_mixed_e"
CLOCK = re.compile(r"^(\d\d):(\d\d\.\d)  ")


def timeline_times(stdout: str) -> list[float]:
    return [int(m[1]) * 60 + float(m[2]) for m in map(CLOCK.match, stdout.splitlines()) if m]


def test_the_timeline_is_in_time_order_and_marks_what_the_rate_limit_held_back(cli):
    result = cli("replay", sample(CLIP), "--set", "breaks.sitting_min=0.3",
                 "--set", "breaks.repeat_min=0.25", "--set", "notify.min_interval_s=40",
                 "--set", "slouch.alert_after_s=10")
    assert result.returncode == 0, result.stderr
    times = timeline_times(result.stdout)
    assert len(times) >= 8 and times == sorted(times)
    lines = result.stdout.splitlines()
    held = [line for line in lines if "not shown:" in line]
    shown = [line for line in lines if ("ALERT" in line or "REMINDER" in line)
             and "not shown" not in line]
    assert held and shown
    assert all("notify.min_interval_s" in line for line in held)
    assert "not shown at once" in lines[-1]


def test_an_interrupted_replay_says_so_and_exits_130_or_143(user_dirs):
    _, dir_env = user_dirs
    import os

    for sig, code in ((signal.SIGINT, 130), (signal.SIGTERM, 143)):
        proc = subprocess.Popen([sys.executable, "-m", "posture_cam.cli", "replay",
                                 sample(CLIP), "--set", "analysis.fps=10"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env={**os.environ, **dir_env}, cwd=ROOT)
        assert proc.stdout is not None
        first = proc.stdout.readline()  # the first event: analysis is under way
        assert CLOCK.match(first), first
        proc.send_signal(sig)
        stdout, stderr = proc.communicate(timeout=120)
        assert proc.returncode == code, stderr
        assert f"cut short by {sig.name}" in stdout
        assert f"replay cut short by {sig.name}" in stderr and "Traceback" not in stderr


def test_replay_takes_the_video_as_FILE_or_as_source_and_json_on_stdout_or_into_a_file(
        cli, tmp_path):
    positional = cli("replay", sample("front_upright_a"), "--json")
    flagged = cli("replay", "--source", sample("front_upright_a"), "--json")
    assert positional.returncode == flagged.returncode == 0
    assert positional.json_lines() == flagged.json_lines()

    out = tmp_path / "frames.jsonl"
    both = cli("replay", "--source", sample("front_upright_a"), "--json", out)
    assert both.returncode == 0 and "analysed" in both.stdout  # the timeline stays
    assert [json.loads(line) for line in out.read_text().splitlines()] == \
        positional.json_lines()

    assert_one_line_error(cli("replay"), "FILE or --source")
    assert_one_line_error(cli("replay", sample("front_upright_a"), "--source",
                              sample("front_upright_a")), "FILE or --source")


def test_evaluate_json_goes_to_stdout_or_into_a_file_like_replay(cli, tmp_path):
    args = ("evaluate", "samples", "--only", "front_upright_a")
    on_stdout = cli(*args, "--json")
    assert on_stdout.returncode == 0, on_stdout.stderr
    figures = json.loads(on_stdout.stdout)
    out = tmp_path / "figures.json"
    into_file = cli(*args, "--json", out)
    assert into_file.returncode == 0 and "front_upright_a" in into_file.stdout  # the table
    assert json.loads(out.read_text()) == figures


@pytest.mark.parametrize("command", ["snooze", "resume", "config", "doctor", "autostart",
                                     "forget", "report", "replay", "monitor", "calibrate",
                                     "evaluate"])
def test_every_command_explains_itself_in_its_help(cli, command):
    result = cli(command, "--help")
    assert result.returncode == 0
    usage, _, rest = result.stdout.partition("\n\n")
    description = rest.split("\n\n")[0]
    assert not description.startswith(("positional arguments", "options")), result.stdout
    assert len(description.split()) >= 8, description


@pytest.mark.parametrize("setting, named", [
    ("analysis.calm_fps=5", "analysis.fps"),
    ("slouch.away_after_s=200", "breaks.away_reset_s"),
    ("analysis.model='/nowhere/pose.task'", "no such file"),
])
def test_settings_that_contradict_each_other_or_name_a_missing_file_are_refused(
        cli, tmp_path, setting, named):
    assert_one_line_error(cli("config", "--set", setting), named)
    key, _, value = setting.partition("=")
    section, name = key.split(".")
    config = tmp_path / "config.toml"
    config.write_text(f"[{section}]\n{name} = {value}\n")
    assert_one_line_error(cli("config", "--check", config), str(config), named)
    assert_one_line_error(cli("config", "--config", config), named)


def test_a_broken_config_file_fails_the_config_command(cli, user_dirs):
    (user_dirs[0]["config"] / "config.toml").write_text("[slouch\n")
    assert_one_line_error(cli("config"), "not valid TOML")


def _report_figures(stdout: str) -> dict[str, str]:
    return {m[1]: m[2] for m in re.finditer(r"^  (\S[^\n]*?)\s{2,}(\S[^\n]*)$", stdout, re.M)}


def _seconds(text: str) -> float:
    total = 0.0
    for value, unit in re.findall(r"(\d+)\s*(h|min|s)\b", text):
        total += int(value) * {"h": 3600, "min": 60, "s": 1}[unit]
    return total


@pytest.mark.parametrize("start_second", [30, 45])
def test_a_report_after_a_killed_replay_agrees_with_itself(cli, user_dirs, tmp_path,
                                                           start_second):
    """SIGKILL lands once the second slouch (47-63.5 s of the clip) is in the history, so
    its span reaches into a minute that was never written."""
    import os

    history = tmp_path / "history.sqlite3"
    start = datetime.combine(date.today(), datetime.min.time()).replace(
        hour=9, second=start_second)
    proc = subprocess.Popen([sys.executable, "-m", "posture_cam.cli", "replay", sample(CLIP),
                             "--history", history, "--start", start.isoformat(),
                             "--set", "analysis.fps=5"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, **user_dirs[1]}, cwd=ROOT)

    def slouches() -> int:
        try:
            with sqlite3.connect(f"file:{history}?mode=ro", uri=True) as db:
                return db.execute("SELECT COUNT(*) FROM spans WHERE kind = 'slouch'").fetchone()[0]
        except sqlite3.Error:
            return 0

    deadline = time.monotonic() + 180
    while slouches() < 2 and proc.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert proc.poll() is None, "the replay ended before it could be killed"
    proc.kill()
    proc.wait(timeout=30)

    result = cli("report", "--history", history)
    assert result.returncode == 0, result.stderr
    figures = _report_figures(result.stdout)
    at_desk = _seconds(figures["at the desk"])
    upright = figures["upright"]
    longest_slouch = figures["longest slouch"]
    if longest_slouch != "-":
        assert not upright.startswith("100"), figures
        assert _seconds(longest_slouch) <= at_desk + 1, figures
    streak = re.search(r"longest ([^(]+)\(", figures["sitting streaks"])
    if streak:
        # front_mixed_e is away from 63.5 s: a streak holds presence and short absences only
        assert _seconds(streak[1]) <= at_desk + 20, figures
