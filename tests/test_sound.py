"""alerts.style = "sound": the shipped chime, played by the platform's player.

The player is a real executable placed first on PATH that records its arguments, and
posture-cam runs as a real subprocess (`replay --notify` on a slouching clip)."""

from __future__ import annotations

import wave

import pytest

from conftest import sample
from posture_cam.sound import CHIME, SoundNotifier, find_player

SOUND = ("--set", "alerts.style=sound", "--set", "slouch.alert_after_s=5")


def fake_player(folder, name="pw-play"):
    folder.mkdir(exist_ok=True)
    record = folder / "played.txt"
    script = folder / name
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" >> "{record}"\n')
    script.chmod(0o755)
    return record


@pytest.mark.unit
def test_the_shipped_chime_is_short_gentle_and_small():
    with wave.open(str(CHIME)) as w:
        seconds = w.getnframes() / w.getframerate()
        assert w.getnchannels() == 1 and 0.2 <= seconds <= 0.6
    assert CHIME.stat().st_size < 16 * 1024


@pytest.mark.unit
def test_players_are_tried_in_order_pipewire_pulse_alsa(tmp_path, monkeypatch):
    fake_player(tmp_path, "aplay")
    fake_player(tmp_path, "paplay")
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_player("linux") == [str(tmp_path / "paplay")]
    assert find_player("darwin") is None


@pytest.mark.unit
def test_without_a_player_one_log_line_and_no_sound(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("PATH", str(tmp_path))
    sound = SoundNotifier(platform="linux")
    assert sound.notify("Posture check", "Sit back.") is False
    assert sound.notify("Posture check", "Sit back.") is False
    assert [r.getMessage() for r in caplog.records] == [
        "no sound player found (looked for: pw-play, paplay, aplay); alerts are not played "
        "as a sound"]


@pytest.mark.cli
def test_an_alert_plays_the_shipped_chime_with_the_players_found(cli, tmp_path):
    record = fake_player(tmp_path / "bin")
    result = cli("replay", sample("front_forward_head_a"), "--notify", *SOUND,
                 env={"PATH": str(tmp_path / "bin")})
    assert result.returncode == 0, result.stderr
    assert record.read_text().splitlines() == [str(CHIME)]
    assert "Posture check" not in result.stderr  # the sound was the alert: no terminal line


@pytest.mark.cli
def test_no_player_means_one_log_line_and_the_alert_in_the_terminal(cli, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = cli("replay", sample("front_forward_head_a"), "--notify", *SOUND,
                 env={"PATH": str(empty)})
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert len([line for line in lines if "no sound player found" in line]) == 1
    assert any("[posture-cam] Posture check" in line for line in lines)
